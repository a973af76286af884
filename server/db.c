/* db: the asynchronous PostgreSQL pool (contract in db.h, design notes in
 * docs/internals/db.md).
 *
 * Owns: the pool's connections, their uv_poll_t/uv_timer_t handles, every
 * submitted batch until its callback returns, and the PGresults of it.
 *
 * Shape of the code. Every entry from libuv (poll, timers, idle) does its
 * connection work first and ends with pool_dispatch() and pool_drain().
 * Finished batches never call back from the middle of connection work: they
 * go on the `done` list, which pool_drain() empties from the top of the
 * stack (or the idle handle, on the next loop turn, for batches finished
 * outside a libuv callback, such as db_submit's DB_BUSY). So a user callback
 * that submits more work or closes the pool never finds a connection half
 * way through reading its results. */
#include "db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp_buf.h"
#include "sp_log.h"

#define DEFAULT_POOL_SIZE 4
#define DEFAULT_MAX_QUEUE 1024
#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_QUERY_TIMEOUT_MS 30000
#define DEFAULT_SLOW_MS 1000
#define MAX_POOL_SIZE 256
/* Statements one connection may have outstanding; more wait in the pool's
 * queue so a slow batch does not gather a long tail behind it. */
#define CONN_MAX_DEPTH 64
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* Client-side deadline on top of statement_timeout, so that the server's
 * own timeout (which keeps the connection) normally answers first. */
#define QUERY_GRACE_MS 1000
/* How long db_pool_close waits for batches already sent. */
#define CLOSE_GRACE_MS 2000

#define NS_PER_MS UINT64_C(1000000)

typedef struct db_req db_req_t;
typedef struct db_conn db_conn_t;

/* One statement of a batch, pointing into the batch's own parameter copy. */
typedef struct db_call {
  int stmt;
  int nparams;
  const char **values;
  int *lengths;
  int *formats;
} db_call_t;

/* A batch: what db_submit accepted, or (cb == NULL) the batch of
 * PQsendPrepare calls a new connection sends before it takes work. One
 * allocation holds the struct, its calls, result slots and parameters. */
struct db_req {
  db_req_t *next;
  db_cb cb;
  void *ud;
  unsigned flags;
  int n;
  db_call_t *calls;
  PGresult **results; /* n slots, filled in order as results arrive */
  int rstmt;          /* statement whose results are being read */
  bool got_result;    /* rstmt has a result; its NULL terminator is next */
  bool retried;
  int failed_stmt;
  uint64_t submit_ns;
  uint64_t wait_ns; /* when it (re)entered the wait queue */
  int timeout_ms;   /* db_submit_long: this batch's own deadline; 0: query_timeout_ms */
  int status;       /* set on completion */
  const char *message;
  char msgbuf[256];
};

typedef struct db_queue {
  db_req_t *head;
  db_req_t *tail;
  int len;
} db_queue_t;

enum conn_state {
  CONN_DOWN,       /* no PGconn; the timer holds the next attempt (or not started) */
  CONN_CONNECTING, /* PQconnectPoll in progress */
  CONN_PREPARING,  /* connected; the prepare batch is outstanding */
  CONN_READY,      /* taking batches */
  CONN_CLOSED,     /* pool closing: never again */
};

struct db_conn {
  db_pool_t *pool;
  int id;
  enum conn_state state;
  PGconn *pg;
  /* Watches the current socket. Heap-allocated because a replaced handle
   * lives on until its close callback while a new one already watches. */
  uv_poll_t *poll;
  int poll_fd;
  ino_t poll_ino; /* a new socket may reuse the number: the inode tells them apart */
  int poll_events;
  uv_timer_t timer; /* connect deadline, or the wait before the next attempt */
  db_queue_t fifo;  /* batches sent, in pipeline order */
  int depth;        /* statements in fifo */
  uint64_t head_since_ns;
  int backoff_ms;
  int fail_streak;
  bool ever_ready;
};

struct db_pool {
  uv_loop_t *loop;
  const db_stmt_def_t *stmts;
  int nstmts;
  int max_queue;
  int connect_timeout_ms;
  int query_timeout_ms;
  int slow_ms; /* < 0: no slow-batch warnings */
  uint64_t slow;
  char **keys; /* NULL-terminated PQconnectStartParams arrays */
  char **vals;
  db_conn_t *conns;
  int nconns;
  db_queue_t wait;
  db_queue_t done;
  uv_idle_t idle;         /* runs pool_drain on the next turn when `done` fills */
  uv_timer_t watchdog;    /* query and wait deadlines; the close deadline */
  int tick_ms;
  bool started;
  bool closing;
  bool finishing;   /* handles are being closed; freed when pending_closes hits 0 */
  bool draining;    /* pool_drain is on the stack */
  bool dispatching; /* pool_dispatch is on the stack */
  uint64_t close_deadline_ns;
  int pending_closes;
  void (*close_done)(void *ud);
  void *close_ud;
  uint64_t reconnects;
  uint64_t failures;
  uint64_t rng;
};

static void on_poll(uv_poll_t *h, int status, int events);
static void on_conn_timer(uv_timer_t *t);
static void on_watchdog(uv_timer_t *t);
static void on_idle(uv_idle_t *h);
static void pool_drain(db_pool_t *p);
static void pool_maybe_finish(db_pool_t *p);

/* ---- small helpers ---------------------------------------------------- */

const char *db_status_name(int status) {
  switch (status) {
  case DB_OK: return "ok";
  case DB_UNAVAILABLE: return "unavailable";
  case DB_SQL_ERROR: return "sql-error";
  case DB_TIMEOUT: return "timeout";
  case DB_BUSY: return "busy";
  default: return "?";
  }
}

static uint64_t now_ns(void) { return uv_hrtime(); }

static const char *result_message(const PGresult *res) {
  const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  if (!m) m = PQresultErrorMessage(res);
  return m && *m ? m : "unknown error";
}

/* libpq messages end in newlines and may span lines: make them one log line. */
static void one_line(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = '\0';
  for (char *q = s; *q; q++)
    if (*q == '\n' || *q == '\t') *q = ' ';
}

static void q_push(db_queue_t *q, db_req_t *r) {
  r->next = NULL;
  if (q->tail)
    q->tail->next = r;
  else
    q->head = r;
  q->tail = r;
  q->len++;
}

static db_req_t *q_pop(db_queue_t *q) {
  db_req_t *r = q->head;
  if (!r) return NULL;
  q->head = r->next;
  if (!q->head) q->tail = NULL;
  q->len--;
  r->next = NULL;
  return r;
}

/* Puts all of `front` before `q`, keeping both orders. */
static void q_prepend(db_queue_t *q, db_queue_t *front) {
  if (!front->head) return;
  front->tail->next = q->head;
  if (!q->tail) q->tail = front->tail;
  q->head = front->head;
  q->len += front->len;
  *front = (db_queue_t){0};
}

static uint64_t rng_next(db_pool_t *p) {
  /* xorshift64: jitter only, no need for quality */
  uint64_t x = p->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return p->rng = x;
}

/* ---- batches ---------------------------------------------------------- */

static size_t align_up(size_t n) {
  const size_t a = alignof(max_align_t);
  return (n + a - 1) & ~(a - 1);
}

static int check_query(const db_pool_t *p, const db_query_t *q) {
  if ((int)q->stmt < 0 || (int)q->stmt >= p->nstmts) return -EINVAL;
  if (q->nparams != p->stmts[q->stmt].nparams) return -EINVAL;
  if (q->nparams > 0 && !q->values) return -EINVAL;
  for (int j = 0; j < q->nparams; j++) {
    if (!q->values[j] || !q->formats || !q->formats[j]) continue;
    if (!q->lengths || q->lengths[j] < 0) return -EINVAL;
  }
  return 0;
}

static size_t param_size(const db_query_t *q, int j) {
  if (!q->values[j]) return 0;
  if (q->formats && q->formats[j]) return (size_t)q->lengths[j] + 1;
  return strlen(q->values[j]) + 1;
}

/* Copies the batch and its parameters into one allocation (queries must
 * have passed check_query). queries NULL: n result slots and no calls, for
 * a connection's prepare batch. */
static db_req_t *req_new(const db_query_t *queries, int n) {
  size_t nparams = 0, bytes = 0;
  for (int i = 0; queries && i < n; i++) {
    nparams += (size_t)queries[i].nparams;
    for (int j = 0; j < queries[i].nparams; j++) bytes += param_size(&queries[i], j);
  }
  size_t off_calls = align_up(sizeof(db_req_t));
  size_t off_results = off_calls + align_up((size_t)n * sizeof(db_call_t));
  size_t off_values = off_results + align_up((size_t)n * sizeof(PGresult *));
  size_t off_lengths = off_values + align_up(nparams * sizeof(char *));
  size_t off_formats = off_lengths + align_up(nparams * sizeof(int));
  size_t off_bytes = off_formats + align_up(nparams * sizeof(int));
  char *mem = sp_xcalloc(1, off_bytes + bytes);

  db_req_t *r = (db_req_t *)mem;
  r->n = n;
  r->calls = (db_call_t *)(mem + off_calls);
  r->results = (PGresult **)(mem + off_results);
  r->failed_stmt = -1;
  const char **values = (const char **)(mem + off_values);
  int *lengths = (int *)(mem + off_lengths);
  int *formats = (int *)(mem + off_formats);
  char *data = mem + off_bytes;

  for (int i = 0; queries && i < n; i++) {
    const db_query_t *q = &queries[i];
    db_call_t *c = &r->calls[i];
    c->stmt = (int)q->stmt;
    c->nparams = q->nparams;
    c->values = values;
    c->lengths = lengths;
    c->formats = formats;
    for (int j = 0; j < q->nparams; j++) {
      size_t sz = param_size(q, j);
      bool binary = q->formats && q->formats[j];
      formats[j] = binary ? 1 : 0;
      lengths[j] = sz ? (int)(sz - 1) : 0;
      if (!q->values[j]) {
        values[j] = NULL;
        continue;
      }
      memcpy(data, q->values[j], sz - 1);
      data[sz - 1] = '\0';
      values[j] = data;
      data += sz;
    }
    values += q->nparams;
    lengths += q->nparams;
    formats += q->nparams;
  }
  return r;
}

static void req_clear_results(db_req_t *r) {
  for (int i = 0; i < r->n; i++) {
    PQclear(r->results[i]);
    r->results[i] = NULL;
  }
  r->rstmt = 0;
  r->got_result = false;
  r->failed_stmt = -1;
}

static void req_free(db_req_t *r) {
  req_clear_results(r);
  free(r);
}

/* Queues a finished user batch for its callback (see pool_drain). `fmt`
 * NULL keeps r->message as set by the caller. */
static void pool_complete(db_pool_t *p, db_req_t *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void pool_complete(db_pool_t *p, db_req_t *r, int status, const char *fmt, ...) {
  r->status = status;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msgbuf, sizeof(r->msgbuf), fmt, ap);
    va_end(ap);
    r->message = r->msgbuf;
  }
  q_push(&p->done, r);
  if (!p->draining && !p->finishing) uv_idle_start(&p->idle, on_idle);
}

static void req_deliver(db_req_t *r) {
  db_result_t res = {
      .status = r->status,
      .message = r->message ? r->message : db_status_name(r->status),
      .failed_stmt = r->failed_stmt,
      .latency_us = (now_ns() - r->submit_ns) / 1000,
  };
  if (r->status == DB_OK) {
    res.results = r->results;
    res.nresults = r->n;
  } else if (r->failed_stmt >= 0) {
    res.error = r->results[r->failed_stmt];
    res.sqlstate = PQresultErrorField(res.error, PG_DIAG_SQLSTATE);
  }
  r->cb(r->ud, &res);
  req_free(r);
}

/* ---- pool bookkeeping -------------------------------------------------- */

static int pool_ready_count(const db_pool_t *p) {
  int n = 0;
  for (int i = 0; i < p->nconns; i++) n += p->conns[i].state == CONN_READY;
  return n;
}

static bool pool_has_work(const db_pool_t *p) {
  if (p->wait.head) return true;
  for (int i = 0; i < p->nconns; i++) {
    const db_conn_t *c = &p->conns[i];
    if (p->closing ? c->state != CONN_CLOSED : c->state == CONN_READY && c->fifo.head) return true;
  }
  return false;
}

/* Keeps the watchdog ticking while anything has a deadline. */
static void pool_watch(db_pool_t *p) {
  if (p->finishing || uv_is_active((uv_handle_t *)&p->watchdog)) return;
  if (pool_has_work(p)) uv_timer_start(&p->watchdog, on_watchdog, p->tick_ms, p->tick_ms);
}

/* ---- connections: socket and teardown ---------------------------------- */

static void free_params(db_pool_t *p) {
  for (char **k = p->keys; k && *k; k++) free(*k);
  for (char **v = p->vals; v && *v; v++) free(*v);
  free(p->keys);
  free(p->vals);
}

static void pool_release(db_pool_t *p) {
  void (*done)(void *) = p->close_done;
  void *ud = p->close_ud;
  free_params(p);
  free(p->conns);
  free(p);
  if (done) done(ud);
}

static void handle_closed(db_pool_t *p) {
  if (--p->pending_closes == 0 && p->finishing) pool_release(p);
}

static void on_poll_closed(uv_handle_t *h) {
  db_pool_t *p = ((db_conn_t *)h->data)->pool;
  free(h);
  handle_closed(p);
}

static void on_pool_handle_closed(uv_handle_t *h) { handle_closed(h->data); }

/* The poll handle is closed before libpq closes the socket under it: uv_close
 * takes the fd out of epoll at once, the memory follows in the callback. */
static void conn_close_poll(db_conn_t *c) {
  if (!c->poll) return;
  uv_close((uv_handle_t *)c->poll, on_poll_closed);
  c->pool->pending_closes++;
  c->poll = NULL;
  c->poll_events = 0;
}

static void conn_teardown(db_conn_t *c) {
  uv_timer_stop(&c->timer);
  conn_close_poll(c);
  if (c->pg) {
    PQfinish(c->pg);
    c->pg = NULL;
  }
}

/* Drops the connection. Its head batch gets `head_status`, the others
 * DB_UNAVAILABLE, except DB_RETRY_SAFE ones not retried yet: those go back
 * to the front of the wait queue. Then a reconnect is scheduled with
 * backoff, unless the pool is closing. Safe in any state. */
static void conn_break(db_conn_t *c, int head_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_break(db_conn_t *c, int head_status, const char *fmt, ...) {
  db_pool_t *p = c->pool;
  char why[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof(why), fmt, ap); /* before PQfinish frees what fmt may point at */
  va_end(ap);
  one_line(why);

  enum conn_state was = c->state;
  conn_teardown(c);

  uint64_t now = now_ns();
  db_queue_t retry = {0};
  bool head = true;
  db_req_t *r;
  while ((r = q_pop(&c->fifo))) {
    int status = head ? head_status : DB_UNAVAILABLE;
    head = false;
    req_clear_results(r);
    if (!r->cb) {
      req_free(r);
    } else if (status == DB_UNAVAILABLE && (r->flags & DB_RETRY_SAFE) && !r->retried &&
               !p->closing) {
      r->retried = true;
      r->wait_ns = now;
      q_push(&retry, r);
    } else {
      pool_complete(p, r, status, "%s", why);
    }
  }
  c->depth = 0;
  q_prepend(&p->wait, &retry);

  if (p->closing) {
    c->state = CONN_CLOSED;
    return;
  }
  c->state = CONN_DOWN;
  p->failures++;
  c->fail_streak++;
  if (was == CONN_READY)
    sp_log_warning("db[%d]: connection lost: %s", c->id, why);
  else if (c->fail_streak == 1)
    sp_log_warning("db[%d]: cannot connect: %s (retrying with backoff)", c->id, why);
  else
    sp_log_debug("db[%d]: connect attempt %d failed: %s", c->id, c->fail_streak, why);
  if (was == CONN_READY && pool_ready_count(p) == 0)
    sp_log_warning("db: no PostgreSQL connection left; requests wait up to %d ms for one",
                   p->connect_timeout_ms);

  int half = c->backoff_ms / 2;
  uint64_t delay = (uint64_t)half + rng_next(p) % (uint64_t)(half + 1);
  c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
  uv_timer_start(&c->timer, on_conn_timer, delay, 0);
  pool_watch(p);
}

static int conn_poll_open(db_conn_t *c, int fd, ino_t ino) {
  uv_poll_t *h = sp_xmalloc(sizeof(*h));
  int rc = uv_poll_init(c->pool->loop, h, fd);
  if (rc < 0) {
    free(h); /* uv_poll_init initialises nothing when it fails */
    conn_break(c, DB_UNAVAILABLE, "cannot watch socket: %s", uv_strerror(rc));
    return -1;
  }
  h->data = c;
  c->poll = h;
  c->poll_fd = fd;
  c->poll_ino = ino;
  c->poll_events = 0;
  return 0;
}

/* Watches the connection's current socket for `events`. While connecting,
 * libpq may replace the socket (next address, SSL or GSS fallback), and the
 * new one often gets the old number, so the identity check compares the
 * inode too. A ready connection keeps its socket: no check on the hot path.
 * 0, or -1 after breaking the connection. */
static int conn_watch(db_conn_t *c, int events) {
  if (!c->poll || c->state != CONN_READY) {
    int fd = PQsocket(c->pg);
    if (fd < 0) {
      conn_break(c, DB_UNAVAILABLE, "connection has no socket: %s", PQerrorMessage(c->pg));
      return -1;
    }
    struct stat st;
    ino_t ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
    if (c->poll && (c->poll_fd != fd || c->poll_ino != ino)) conn_close_poll(c);
    if (!c->poll && conn_poll_open(c, fd, ino) < 0) return -1;
  }
  /* libuv stops a poll handle by itself when it reports an error */
  if (events != c->poll_events || !uv_is_active((uv_handle_t *)c->poll)) {
    int rc = uv_poll_start(c->poll, events, on_poll);
    if (rc < 0) {
      conn_break(c, DB_UNAVAILABLE, "cannot watch socket: %s", uv_strerror(rc));
      return -1;
    }
    c->poll_events = events;
  }
  return 0;
}

/* Pushes buffered output. WRITABLE stays armed only while libpq still holds
 * unsent bytes; READABLE always, since results, errors and EOF arrive there.
 * 0, or -1 after breaking the connection. */
static int conn_flush(db_conn_t *c) {
  int rc = PQflush(c->pg);
  if (rc < 0) {
    conn_break(c, DB_UNAVAILABLE, "send failed: %s", PQerrorMessage(c->pg));
    return -1;
  }
  return conn_watch(c, UV_READABLE | (rc == 1 ? UV_WRITABLE : 0));
}

static void conn_fifo_push(db_conn_t *c, db_req_t *r) {
  if (!c->fifo.head) c->head_since_ns = now_ns();
  q_push(&c->fifo, r);
  c->depth += r->n;
}

/* ---- connections: connect and prepare ---------------------------------- */

static void on_notice(void *arg, const PGresult *res) {
  const db_conn_t *c = arg;
  const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  sp_log_debug("db[%d]: server notice: %s", c->id, msg ? msg : "(none)");
}

static void conn_start_connect(db_conn_t *c) {
  db_pool_t *p = c->pool;
  c->pg = PQconnectStartParams((const char *const *)p->keys, (const char *const *)p->vals, 0);
  if (!c->pg) {
    conn_break(c, DB_UNAVAILABLE, "out of memory");
    return;
  }
  PQsetNoticeReceiver(c->pg, on_notice, c);
  if (PQstatus(c->pg) == CONNECTION_BAD) {
    conn_break(c, DB_UNAVAILABLE, "%s", PQerrorMessage(c->pg));
    return;
  }
  c->state = CONN_CONNECTING;
  uv_timer_start(&c->timer, on_conn_timer, (uint64_t)p->connect_timeout_ms, 0);
  /* libpq's documented first step: wait until the socket is writable */
  conn_watch(c, UV_WRITABLE);
}

/* Connected: switch to non-blocking pipeline mode and prepare the whole
 * statement table in one batch. The connection takes work once that batch's
 * sync comes back (conn_batch_done). */
static void conn_prepare(db_conn_t *c) {
  db_pool_t *p = c->pool;
  if (PQsetnonblocking(c->pg, 1) != 0 || !PQenterPipelineMode(c->pg)) {
    conn_break(c, DB_UNAVAILABLE, "cannot enter pipeline mode: %s", PQerrorMessage(c->pg));
    return;
  }
  c->state = CONN_PREPARING;
  conn_fifo_push(c, req_new(NULL, p->nstmts));
  for (int i = 0; i < p->nstmts; i++) {
    const db_stmt_def_t *s = &p->stmts[i];
    if (!PQsendPrepare(c->pg, s->name, s->sql, s->nparams, NULL)) {
      conn_break(c, DB_UNAVAILABLE, "cannot send prepare: %s", PQerrorMessage(c->pg));
      return;
    }
  }
  if (!PQpipelineSync(c->pg)) {
    conn_break(c, DB_UNAVAILABLE, "cannot send sync: %s", PQerrorMessage(c->pg));
    return;
  }
  conn_flush(c);
}

static void conn_connect_poll(db_conn_t *c) {
  switch (PQconnectPoll(c->pg)) {
  case PGRES_POLLING_READING: conn_watch(c, UV_READABLE); break;
  case PGRES_POLLING_WRITING: conn_watch(c, UV_WRITABLE); break;
  case PGRES_POLLING_OK: conn_prepare(c); break;
  default: conn_break(c, DB_UNAVAILABLE, "%s", PQerrorMessage(c->pg)); break;
  }
}

static void conn_ready(db_conn_t *c) {
  db_pool_t *p = c->pool;
  uv_timer_stop(&c->timer);
  c->state = CONN_READY;
  c->backoff_ms = BACKOFF_MIN_MS;
  if (c->ever_ready) {
    p->reconnects++;
    sp_log_notice("db[%d]: reconnected after %d failed attempt(s)", c->id, c->fail_streak);
  } else {
    int v = PQserverVersion(c->pg);
    sp_log_info("db[%d]: connected to PostgreSQL %d.%d", c->id, v / 10000, v % 10000);
  }
  c->ever_ready = true;
  c->fail_streak = 0;
}

/* ---- connections: sending and reading ---------------------------------- */

/* Appends one batch to the pipeline: its statements, then a sync. 0, or -1
 * after breaking the connection (which takes care of the batch). */
static int conn_send(db_conn_t *c, db_req_t *r) {
  db_pool_t *p = c->pool;
  conn_fifo_push(c, r);
  for (int i = 0; i < r->n; i++) {
    const db_call_t *q = &r->calls[i];
    if (!PQsendQueryPrepared(c->pg, p->stmts[q->stmt].name, q->nparams, q->values, q->lengths,
                             q->formats, 0)) {
      conn_break(c, DB_UNAVAILABLE, "cannot send query: %s", PQerrorMessage(c->pg));
      return -1;
    }
  }
  if (!PQpipelineSync(c->pg)) {
    conn_break(c, DB_UNAVAILABLE, "cannot send sync: %s", PQerrorMessage(c->pg));
    return -1;
  }
  return conn_flush(c);
}

/* A sync came back: the batch is over (committed if no statement failed). */
static int conn_batch_done(db_conn_t *c, db_req_t *r) {
  db_pool_t *p = c->pool;
  if (!r->cb) {
    if (r->failed_stmt >= 0) {
      /* usually a schema older than the statements: say so once per streak */
      sp_log(c->fail_streak == 0 ? SP_LOG_ERROR : SP_LOG_DEBUG,
             "db[%d]: cannot prepare statement '%s': %s", c->id, p->stmts[r->failed_stmt].name,
             result_message(r->results[r->failed_stmt]));
      req_free(r);
      conn_break(c, DB_UNAVAILABLE, "preparing statements failed");
      return -1;
    }
    req_free(r);
    conn_ready(c);
    return 0;
  }
  if (r->failed_stmt < 0) {
    pool_complete(p, r, DB_OK, NULL);
    return 0;
  }
  const PGresult *e = r->results[r->failed_stmt];
  const char *state = PQresultErrorField(e, PG_DIAG_SQLSTATE);
  r->message = result_message(e);
  /* 57014 query_canceled: our statement_timeout */
  pool_complete(p, r, strcmp(state, "57014") == 0 ? DB_TIMEOUT : DB_SQL_ERROR, NULL);
  return 0;
}

/* The batch at the head of c's pipeline is answered: says so when
 * PostgreSQL took longer than slow_ms over it. The time counts from when
 * the batch reached the head (the answer to the one before it), so a batch
 * that only waited behind a slow one is not blamed. */
static void warn_if_slow(const db_conn_t *c, const db_req_t *r, uint64_t now) {
  db_pool_t *p = c->pool;
  if (p->slow_ms < 0 || now - c->head_since_ns <= (uint64_t)p->slow_ms * NS_PER_MS) return;
  p->slow++;
  char names[160];
  size_t len = 0;
  names[0] = '\0';
  for (int i = 0; i < r->n && len < sizeof(names); i++) {
    int w = snprintf(names + len, sizeof(names) - len, "%s%s", i ? "," : "", p->stmts[r->calls[i].stmt].name);
    if (w < 0) break;
    len += (size_t)w;
  }
  sp_log_warning("db[%d]: slow batch: PostgreSQL took %llu ms over %s (submitted %llu ms ago)", c->id,
                 (unsigned long long)((now - c->head_since_ns) / NS_PER_MS), names,
                 (unsigned long long)((now - r->submit_ns) / NS_PER_MS));
}

/* Takes every complete result libpq has, in pipeline order: for each
 * statement its result then a NULL, for each batch a final PIPELINE_SYNC.
 * Only calls PQgetResult when PQisBusy says it will not block. 0, or -1
 * after breaking the connection. */
static int conn_read_results(db_conn_t *c) {
  while (c->fifo.head) {
    db_req_t *r = c->fifo.head;
    if (PQstatus(c->pg) != CONNECTION_OK) {
      conn_break(c, DB_UNAVAILABLE, "%s", PQerrorMessage(c->pg));
      return -1;
    }
    if (PQisBusy(c->pg)) return 0;
    PGresult *res = PQgetResult(c->pg);
    if (!res) {
      if (!r->got_result) return 0;
      r->got_result = false;
      r->rstmt++;
      continue;
    }
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(res);
      if (r->rstmt != r->n) {
        conn_break(c, DB_UNAVAILABLE, "pipeline out of step: sync after %d of %d results",
                   r->rstmt, r->n);
        return -1;
      }
      q_pop(&c->fifo);
      c->depth -= r->n;
      uint64_t now = now_ns();
      if (r->cb) warn_if_slow(c, r, now);
      c->head_since_ns = now;
      if (conn_batch_done(c, r) < 0) return -1;
      continue;
    }
    if (r->rstmt >= r->n || r->got_result ||
        (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY &&
         st != PGRES_FATAL_ERROR && st != PGRES_PIPELINE_ABORTED)) {
      PQclear(res);
      conn_break(c, DB_UNAVAILABLE, "pipeline out of step: unexpected %s", PQresStatus(st));
      return -1;
    }
    r->results[r->rstmt] = res;
    r->got_result = true;
    if (st == PGRES_FATAL_ERROR && r->failed_stmt < 0) {
      /* No SQLSTATE means libpq made the error itself (connection trouble);
       * class 08 and 57P (admin shutdown, crash, cannot connect now) are the
       * server going away. Neither is the statement's fault. */
      const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      if (!state || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
        conn_break(c, DB_UNAVAILABLE, "%s", PQresultErrorMessage(res));
        return -1;
      }
      r->failed_stmt = r->rstmt;
    }
  }
  return 0;
}

static void conn_io(db_conn_t *c, int events) {
  if ((events & UV_READABLE) && !PQconsumeInput(c->pg)) {
    conn_break(c, DB_UNAVAILABLE, "%s", PQerrorMessage(c->pg));
    return;
  }
  if (conn_read_results(c) < 0) return;
  /* pool connections never LISTEN, but do not let strays pile up */
  for (PGnotify *n; (n = PQnotifies(c->pg)) != NULL;) PQfreemem(n);
  conn_flush(c);
}

/* ---- pool: dispatch, deadlines, delivery ------------------------------- */

/* Moves waiting batches to the least-loaded ready connections. */
static void pool_dispatch(db_pool_t *p) {
  if (p->dispatching || p->closing) return;
  p->dispatching = true;
  while (p->wait.head) {
    db_req_t *r = p->wait.head;
    db_conn_t *best = NULL;
    for (int i = 0; i < p->nconns; i++) {
      db_conn_t *c = &p->conns[i];
      if (c->state != CONN_READY) continue;
      if (c->depth > 0 && c->depth + r->n > CONN_MAX_DEPTH) continue;
      /* Nothing queues behind a long or background batch: it is always its
       * connection's tail. */
      if (c->fifo.tail && (c->fifo.tail->timeout_ms || (c->fifo.tail->flags & DB_ALONE))) continue;
      if (!best || c->depth < best->depth) best = c;
    }
    if (!best) break;
    q_pop(&p->wait);
    conn_send(best, r);
  }
  p->dispatching = false;
  pool_watch(p);
}

static void pool_expire_waiting(db_pool_t *p, uint64_t now) {
  bool ready = pool_ready_count(p) > 0;
  int limit_ms = ready ? p->query_timeout_ms : p->connect_timeout_ms;
  uint64_t limit = (uint64_t)limit_ms * NS_PER_MS;
  db_queue_t keep = {0};
  db_req_t *r;
  while ((r = q_pop(&p->wait))) {
    if (now - r->wait_ns <= limit)
      q_push(&keep, r);
    else if (ready)
      pool_complete(p, r, DB_TIMEOUT, "waited %d ms for a free database connection", limit_ms);
    else
      pool_complete(p, r, DB_UNAVAILABLE, "no database connection within %d ms", limit_ms);
  }
  p->wait = keep;
}

static void on_watchdog(uv_timer_t *t) {
  db_pool_t *p = t->data;
  uint64_t now = now_ns();
  if (p->closing) {
    if (now >= p->close_deadline_ns) {
      for (int i = 0; i < p->nconns; i++)
        if (p->conns[i].state != CONN_CLOSED)
          conn_break(&p->conns[i], DB_UNAVAILABLE, "database pool closed before the answer");
    }
  } else {
    for (int i = 0; i < p->nconns; i++) {
      db_conn_t *c = &p->conns[i];
      if (c->state != CONN_READY || !c->fifo.head) continue;
      int limit_ms = (c->fifo.head->timeout_ms ? c->fifo.head->timeout_ms : p->query_timeout_ms) + QUERY_GRACE_MS;
      if (now - c->head_since_ns > (uint64_t)limit_ms * NS_PER_MS)
        conn_break(c, DB_TIMEOUT, "no answer from PostgreSQL within %d ms", limit_ms);
    }
    pool_expire_waiting(p, now);
  }
  if (!pool_has_work(p)) uv_timer_stop(t);
  pool_dispatch(p);
  pool_drain(p);
}

/* Calls back finished batches. Runs at the end of every libuv callback of
 * the pool, outside any connection work; callbacks may submit (dispatched at
 * once) or close the pool (finished here, after the last delivery). */
static void pool_drain(db_pool_t *p) {
  if (p->draining) return;
  p->draining = true;
  db_req_t *r;
  while ((r = q_pop(&p->done))) req_deliver(r);
  p->draining = false;
  if (!p->finishing) uv_idle_stop(&p->idle);
  pool_maybe_finish(p);
}

static void on_idle(uv_idle_t *h) { pool_drain(h->data); }

static void on_poll(uv_poll_t *h, int status, int events) {
  db_conn_t *c = h->data;
  db_pool_t *p = c->pool;
  /* libuv reports a socket error (POLLERR) as a status < 0 and stops the
   * handle; libpq reads the error itself and explains it better. */
  if (c->state == CONN_CONNECTING)
    conn_connect_poll(c);
  else if (status < 0 && !PQconsumeInput(c->pg))
    conn_break(c, DB_UNAVAILABLE, "%s", PQerrorMessage(c->pg));
  else if (status < 0)
    conn_break(c, DB_UNAVAILABLE, "socket error: %s", uv_strerror(status));
  else
    conn_io(c, events);
  pool_dispatch(p);
  pool_drain(p);
}

static void on_conn_timer(uv_timer_t *t) {
  db_conn_t *c = t->data;
  db_pool_t *p = c->pool;
  if (c->state == CONN_DOWN)
    conn_start_connect(c);
  else if (c->state == CONN_CONNECTING || c->state == CONN_PREPARING)
    conn_break(c, DB_UNAVAILABLE, "connect timed out after %d ms", p->connect_timeout_ms);
  pool_dispatch(p);
  pool_drain(p);
}

/* While closing: drops every connection with nothing in flight; once none is
 * left and every callback has run, closes the pool's own handles. The pool
 * is freed by the last close callback (handle_closed). */
static void pool_maybe_finish(db_pool_t *p) {
  if (!p->closing || p->finishing || p->draining) return;
  bool busy = false;
  for (int i = 0; i < p->nconns; i++) {
    db_conn_t *c = &p->conns[i];
    if (c->state == CONN_CLOSED) continue;
    if (c->state == CONN_READY && c->fifo.head)
      busy = true;
    else
      conn_break(c, DB_UNAVAILABLE, "database pool closing");
  }
  if (busy || p->done.head) return;
  p->finishing = true;
  uv_close((uv_handle_t *)&p->idle, on_pool_handle_closed);
  uv_close((uv_handle_t *)&p->watchdog, on_pool_handle_closed);
  p->pending_closes += 2;
  for (int i = 0; i < p->nconns; i++) {
    p->conns[i].timer.data = p;
    uv_close((uv_handle_t *)&p->conns[i].timer, on_pool_handle_closed);
    p->pending_closes++;
  }
}

/* ---- configuration ----------------------------------------------------- */

static bool is_ip_literal(const char *s, size_t n) {
  char buf[64];
  unsigned char addr[16];
  if (n == 0 || n >= sizeof(buf)) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

/* PQconnectStart resolves host names with a blocking lookup on the calling
 * thread. IP literals and unix-socket directories need no lookup. */
static void warn_blocking_dns(const char *host, const char *hostaddr) {
  if (!host) host = getenv("PGHOST");
  if (!hostaddr) hostaddr = getenv("PGHOSTADDR");
  if ((hostaddr && *hostaddr) || !host) return;
  for (const char *s = host; *s;) {
    size_t n = strcspn(s, ",");
    if (n > 0 && s[0] != '/' && s[0] != '@' && !is_ip_literal(s, n)) {
      sp_log_warning("db: conninfo names host '%.*s' without hostaddr: libpq will resolve it "
                     "with a blocking DNS lookup on the event loop at every connect; add "
                     "hostaddr=<IP address>",
                     (int)n, s);
      return;
    }
    s += n + (s[n] == ',');
  }
}

/* Turns the conninfo into PQconnectStartParams arrays with our additions:
 * statement_timeout appended to `options`, and defaults for the application
 * name and TCP keepalives (so a silently dead server is noticed on an idle
 * connection) unless the conninfo sets them. */
static int build_params(db_pool_t *p, const char *conninfo) {
  char *errmsg = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
  if (!opts) {
    if (errmsg) one_line(errmsg);
    sp_log_error("db: invalid conninfo: %s", errmsg ? errmsg : "out of memory");
    PQfreemem(errmsg);
    return -EINVAL;
  }
  static const struct {
    const char *key;
    const char *val;
  } defaults[] = {
      {"fallback_application_name", "simpegd"},
      {"keepalives_idle", "30"},
      {"keepalives_interval", "10"},
      {"keepalives_count", "3"},
  };
  size_t nopts = 0;
  for (PQconninfoOption *o = opts; o->keyword; o++) nopts++;
  size_t cap = nopts + 1 + sizeof(defaults) / sizeof(defaults[0]) + 1;
  p->keys = sp_xcalloc(cap, sizeof(char *));
  p->vals = sp_xcalloc(cap, sizeof(char *));
  size_t n = 0;
  const char *options = NULL, *host = NULL, *hostaddr = NULL;
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    if (!o->val) continue;
    if (strcmp(o->keyword, "options") == 0) {
      options = o->val;
      continue;
    }
    if (strcmp(o->keyword, "host") == 0) host = o->val;
    if (strcmp(o->keyword, "hostaddr") == 0) hostaddr = o->val;
    p->keys[n] = sp_xstrdup(o->keyword);
    p->vals[n++] = sp_xstrdup(o->val);
  }
  for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
    bool set = false;
    for (size_t i = 0; i < n; i++) set = set || strcmp(p->keys[i], defaults[d].key) == 0;
    if (set) continue;
    p->keys[n] = sp_xstrdup(defaults[d].key);
    p->vals[n++] = sp_xstrdup(defaults[d].val);
  }
  char opt[1024];
  int len = snprintf(opt, sizeof(opt), "%s%s-c statement_timeout=%d", options ? options : "",
                     options ? " " : "", p->query_timeout_ms);
  if (len < 0 || (size_t)len >= sizeof(opt)) {
    sp_log_error("db: conninfo options are too long");
    PQconninfoFree(opts);
    return -EINVAL;
  }
  p->keys[n] = sp_xstrdup("options");
  p->vals[n++] = sp_xstrdup(opt);
  warn_blocking_dns(host, hostaddr);
  PQconninfoFree(opts);
  return 0;
}

static int check_stmt_table(const db_stmt_def_t *stmts, int n) {
  for (int i = 0; i < n; i++) {
    if (!stmts[i].name || !*stmts[i].name || !stmts[i].sql || stmts[i].nparams < 0) {
      sp_log_error("db: statement table row %d is incomplete", i);
      return -EINVAL;
    }
    for (int j = 0; j < i; j++) {
      if (strcmp(stmts[i].name, stmts[j].name) == 0) {
        sp_log_error("db: statement name '%s' is used twice", stmts[i].name);
        return -EINVAL;
      }
    }
  }
  return 0;
}

static int config_int(int value, int fallback, int max, const char *what) {
  if (value == 0) return fallback;
  if (value < 0 || value > max) {
    sp_log_error("db: %s must be between 1 and %d", what, max);
    return -1;
  }
  return value;
}

/* ---- public API -------------------------------------------------------- */

db_pool_t *db_pool_new(uv_loop_t *loop, const db_config_t *cfg) {
  if (!loop || !cfg || !cfg->conninfo) return NULL;
  int size = config_int(cfg->pool_size, DEFAULT_POOL_SIZE, MAX_POOL_SIZE, "pool size");
  int max_queue = config_int(cfg->max_queue, DEFAULT_MAX_QUEUE, 10000000, "max queue");
  int connect_ms = config_int(cfg->connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS, 3600000,
                              "connect timeout");
  int query_ms =
      config_int(cfg->query_timeout_ms, DEFAULT_QUERY_TIMEOUT_MS, 3600000, "query timeout");
  if (size < 0 || max_queue < 0 || connect_ms < 0 || query_ms < 0) return NULL;
  if (cfg->slow_ms > 3600000) {
    sp_log_error("db: slow batch threshold must be at most 3600000 ms");
    return NULL;
  }
  const db_stmt_def_t *stmts = cfg->stmts ? cfg->stmts : db_stmts;
  int nstmts = cfg->stmts ? cfg->nstmts : DB_STMT__COUNT;
  if (nstmts < 0 || check_stmt_table(stmts, nstmts) < 0) return NULL;

  db_pool_t *p = sp_xcalloc(1, sizeof(*p));
  p->loop = loop;
  p->stmts = stmts;
  p->nstmts = nstmts;
  p->max_queue = max_queue;
  p->connect_timeout_ms = connect_ms;
  p->query_timeout_ms = query_ms;
  p->slow_ms = cfg->slow_ms == 0 ? DEFAULT_SLOW_MS : cfg->slow_ms < 0 ? -1 : cfg->slow_ms;
  if (build_params(p, cfg->conninfo) < 0) {
    free_params(p);
    free(p);
    return NULL;
  }
  int shortest = connect_ms < query_ms ? connect_ms : query_ms;
  p->tick_ms = shortest / 10 < 10 ? 10 : shortest / 10 > 250 ? 250 : shortest / 10;
  p->rng = now_ns() ^ (uint64_t)(uintptr_t)p;
  if (!p->rng) p->rng = 1;
  uv_idle_init(loop, &p->idle);
  p->idle.data = p;
  uv_timer_init(loop, &p->watchdog);
  p->watchdog.data = p;
  p->nconns = size;
  p->conns = sp_xcalloc((size_t)size, sizeof(db_conn_t));
  for (int i = 0; i < size; i++) {
    db_conn_t *c = &p->conns[i];
    c->pool = p;
    c->id = i;
    c->backoff_ms = BACKOFF_MIN_MS;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
  }
  return p;
}

int db_pool_start(db_pool_t *p) {
  if (p->closing) return -ESHUTDOWN;
  if (p->started) return -EALREADY;
  p->started = true;
  for (int i = 0; i < p->nconns; i++) conn_start_connect(&p->conns[i]);
  return 0;
}

int db_submit(db_pool_t *p, const db_query_t *queries, int n, unsigned flags, db_cb cb,
              void *ud) {
  return db_submit_long(p, queries, n, flags, 0, cb, ud);
}

int db_submit_long(db_pool_t *p, const db_query_t *queries, int n, unsigned flags, int timeout_ms,
                   db_cb cb, void *ud) {
  if (!p || !queries || !cb || n < 1 || n > DB_MAX_BATCH || timeout_ms < 0) return -EINVAL;
  if (p->closing) return -ESHUTDOWN;
  for (int i = 0; i < n; i++) {
    int rc = check_query(p, &queries[i]);
    if (rc < 0) return rc;
  }
  db_req_t *r = req_new(queries, n);
  r->cb = cb;
  r->ud = ud;
  r->flags = flags;
  r->timeout_ms = timeout_ms;
  r->submit_ns = r->wait_ns = now_ns();
  if (p->wait.len >= p->max_queue) {
    pool_complete(p, r, DB_BUSY, "database wait queue is full (%d requests)", p->max_queue);
    return 0;
  }
  q_push(&p->wait, r);
  pool_dispatch(p);
  return 0;
}

void db_pool_close(db_pool_t *p, void (*done)(void *ud), void *ud) {
  if (!p || p->closing) return;
  p->closing = true;
  p->close_done = done;
  p->close_ud = ud;
  p->close_deadline_ns = now_ns() + (uint64_t)CLOSE_GRACE_MS * NS_PER_MS;
  db_req_t *r;
  while ((r = q_pop(&p->wait))) pool_complete(p, r, DB_UNAVAILABLE, "database pool closing");
  pool_maybe_finish(p);
  pool_watch(p);
}

void db_pool_stats(const db_pool_t *p, db_stats_t *out) {
  *out = (db_stats_t){.size = p->nconns,
                      .queued = p->wait.len,
                      .reconnects = p->reconnects,
                      .failures = p->failures,
                      .slow = p->slow};
  for (int i = 0; i < p->nconns; i++) {
    const db_conn_t *c = &p->conns[i];
    if (c->state != CONN_READY) continue;
    out->connected++;
    out->busy += c->fifo.head != NULL;
    out->in_flight += c->fifo.len;
  }
}
