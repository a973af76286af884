/* listen: the LISTEN connection and the routing of request events; see
 * listen.h. */
#include "listen.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conn.h"
#include "sp_buf.h"
#include "sp_log.h"
#include "sp_time.h"

#define LISTEN_CHANNEL "simpeg_request"
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 10000
/* An idle LISTEN connection says nothing; a query now and then proves it
 * is alive (a dead peer is otherwise only found by TCP keepalive). */
#define PING_EVERY_MS 30000
#define PING_TIMEOUT_MS 10000

typedef enum { L_DOWN, L_CONNECTING, L_LISTENING, L_CLOSED } lstate_t;

struct srv_listen {
  srv_t *srv;
  char **keys, **vals; /* conninfo as keyword/value arrays (ours: freed at the end) */
  PGconn *pg;
  uv_poll_t *poll; /* owned; freed in its close callback */
  int poll_fd;
  ino_t poll_ino;
  int poll_events;
  uv_timer_t timer; /* connect deadline, backoff, ping */
  lstate_t state;
  int backoff_ms;
  int fail_streak;
  bool ever_up;
  bool ping_out;       /* a query (LISTEN or the ping) awaits its result */
  uint64_t ping_sent_ms;
  uint64_t rng;
};

static uint64_t now_ms(void) { return sp_mono_us() / 1000; }

static uint64_t rng_next(srv_listen_t *l) {
  l->rng ^= l->rng << 13;
  l->rng ^= l->rng >> 7;
  l->rng ^= l->rng << 17;
  return l->rng;
}

static void on_poll(uv_poll_t *h, int status, int events);
static void on_timer(uv_timer_t *t);
static void start_connect(srv_listen_t *l);

static void on_poll_closed(uv_handle_t *h) { free(h); }

static void close_poll(srv_listen_t *l) {
  if (!l->poll) return;
  uv_close((uv_handle_t *)l->poll, on_poll_closed);
  l->poll = NULL;
}

/* The poll handle goes before libpq closes the socket under it. */
static void teardown(srv_listen_t *l) {
  close_poll(l);
  if (l->pg) PQfinish(l->pg);
  l->pg = NULL;
  l->ping_out = false;
}

static void schedule_reconnect(srv_listen_t *l, const char *why_in) {
  /* `why` is often PQerrorMessage's text, which PQfinish frees: copy it. */
  char why[256];
  snprintf(why, sizeof(why), "%s", why_in);
  size_t n = strlen(why);
  while (n && (why[n - 1] == '\n' || why[n - 1] == ' ')) why[--n] = '\0';
  bool was_up = l->state == L_LISTENING;
  teardown(l);
  if (l->state == L_CLOSED) return;
  l->state = L_DOWN;
  l->fail_streak++;
  if (was_up)
    sp_log_warning("listen: connection lost: %s (events are not pushed until it is back)", why);
  else if (l->fail_streak == 1)
    sp_log_warning("listen: cannot connect: %s (retrying with backoff)", why);
  else
    sp_log_debug("listen: connect attempt %d failed: %s", l->fail_streak, why);
  int half = l->backoff_ms / 2;
  uint64_t delay = (uint64_t)half + rng_next(l) % (uint64_t)(half + 1);
  l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
  uv_timer_start(&l->timer, on_timer, delay, 0);
}

/* Watches the current socket (libpq may swap it while connecting; a reused
 * number is told apart by its inode). false after scheduling a reconnect. */
static bool watch(srv_listen_t *l, int events) {
  int fd = PQsocket(l->pg);
  if (fd < 0) {
    schedule_reconnect(l, "no socket");
    return false;
  }
  struct stat st;
  ino_t ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
  if (l->poll && (l->poll_fd != fd || l->poll_ino != ino)) close_poll(l);
  if (!l->poll) {
    uv_poll_t *h = sp_xmalloc(sizeof(*h));
    int rc = uv_poll_init(l->srv->loop, h, fd);
    if (rc < 0) {
      free(h);
      schedule_reconnect(l, uv_strerror(rc));
      return false;
    }
    h->data = l;
    l->poll = h;
    l->poll_fd = fd;
    l->poll_ino = ino;
    l->poll_events = 0;
  }
  if (events != l->poll_events || !uv_is_active((uv_handle_t *)l->poll)) {
    int rc = uv_poll_start(l->poll, events, on_poll);
    if (rc < 0) {
      schedule_reconnect(l, uv_strerror(rc));
      return false;
    }
    l->poll_events = events;
  }
  return true;
}

static bool flush(srv_listen_t *l) {
  int rc = PQflush(l->pg);
  if (rc < 0) {
    schedule_reconnect(l, PQerrorMessage(l->pg));
    return false;
  }
  return watch(l, UV_READABLE | (rc == 1 ? UV_WRITABLE : 0));
}

static bool send_query(srv_listen_t *l, const char *sql) {
  if (!PQsendQuery(l->pg, sql)) {
    schedule_reconnect(l, PQerrorMessage(l->pg));
    return false;
  }
  l->ping_out = true;
  l->ping_sent_ms = now_ms();
  return flush(l);
}

static void connected(srv_listen_t *l) {
  if (PQsetnonblocking(l->pg, 1) != 0) {
    schedule_reconnect(l, PQerrorMessage(l->pg));
    return;
  }
  l->state = L_LISTENING;
  uv_timer_start(&l->timer, on_timer, PING_EVERY_MS, PING_EVERY_MS);
  if (!send_query(l, "LISTEN " LISTEN_CHANNEL)) return;
  if (l->ever_up)
    sp_log_notice("listen: reconnected after %d failed attempt(s)", l->fail_streak);
  else
    sp_log_info("listen: listening for request events");
  l->ever_up = true;
  l->fail_streak = 0;
  l->backoff_ms = BACKOFF_MIN_MS;
}

static void connect_poll(srv_listen_t *l) {
  switch (PQconnectPoll(l->pg)) {
    case PGRES_POLLING_READING: watch(l, UV_READABLE); break;
    case PGRES_POLLING_WRITING: watch(l, UV_WRITABLE); break;
    case PGRES_POLLING_OK: connected(l); break;
    default: schedule_reconnect(l, PQerrorMessage(l->pg)); break;
  }
}

static void start_connect(srv_listen_t *l) {
  l->pg = PQconnectStartParams((const char *const *)l->keys, (const char *const *)l->vals, 0);
  if (!l->pg || PQstatus(l->pg) == CONNECTION_BAD) {
    schedule_reconnect(l, l->pg ? PQerrorMessage(l->pg) : "out of memory");
    return;
  }
  l->state = L_CONNECTING;
  uv_timer_start(&l->timer, on_timer, CONNECT_TIMEOUT_MS, 0);
  watch(l, UV_WRITABLE); /* libpq's documented first wait */
}

static void handle_notify(srv_listen_t *l, PGnotify *n) {
  if (strcmp(n->relname, LISTEN_CHANNEL) != 0) return;
  srv_notice_t notice;
  if (!srv_notice_parse(n->extra, &notice)) {
    sp_log_warning("listen: a notification in an unknown format was ignored");
    return;
  }
  size_t k = srv_notice_deliver(l->srv, &notice);
  sp_log_debug("listen: %s %s -> %zu connection(s)", notice.number, notice.action, k);
}

/* Reads whatever arrived: results of our queries (dropped, errors logged)
 * and notifications. */
static void read_input(srv_listen_t *l) {
  if (!PQconsumeInput(l->pg)) {
    schedule_reconnect(l, PQerrorMessage(l->pg));
    return;
  }
  while (!PQisBusy(l->pg)) {
    PGresult *r = PQgetResult(l->pg);
    if (!r) {
      l->ping_out = false;
      break;
    }
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
      sp_log_warning("listen: query failed: %s", PQresultErrorMessage(r));
    PQclear(r);
  }
  PGnotify *n;
  while ((n = PQnotifies(l->pg))) {
    handle_notify(l, n);
    PQfreemem(n);
  }
  if (PQstatus(l->pg) == CONNECTION_BAD) schedule_reconnect(l, PQerrorMessage(l->pg));
}

static void on_poll(uv_poll_t *h, int status, int events) {
  srv_listen_t *l = h->data;
  if (l->poll != h || !l->pg) return;
  if (status < 0 && l->state != L_CONNECTING) {
    schedule_reconnect(l, uv_strerror(status));
    return;
  }
  if (l->state == L_CONNECTING) {
    connect_poll(l);
    return;
  }
  if (l->state != L_LISTENING) return;
  if (events & UV_WRITABLE) {
    if (!flush(l)) return;
  }
  if (events & UV_READABLE) read_input(l);
}

static void on_timer(uv_timer_t *t) {
  srv_listen_t *l = t->data;
  switch (l->state) {
    case L_DOWN: start_connect(l); break;
    case L_CONNECTING: schedule_reconnect(l, "connect timed out"); break;
    case L_LISTENING:
      if (l->ping_out) {
        if (now_ms() - l->ping_sent_ms >= PING_TIMEOUT_MS) schedule_reconnect(l, "no answer to a ping");
        return;
      }
      send_query(l, "SELECT 1");
      break;
    case L_CLOSED: break;
  }
}

/* Copies the conninfo's keywords and values, adding what a long-lived
 * idle connection wants when the operator did not say: keepalives and a
 * name in pg_stat_activity. */
static bool parse_conninfo(srv_listen_t *l, const char *conninfo, const char *instance_id) {
  char *err = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
  if (!opts) {
    sp_log_error("listen: cannot parse the database conninfo: %s", err ? err : "out of memory");
    PQfreemem(err);
    return false;
  }
  char app[64];
  snprintf(app, sizeof(app), "simpegd-listen/%s", instance_id); /* which daemon, in pg_stat_activity */
  const char *const extra[][2] = {
      {"application_name", app},              {"keepalives", "1"}, {"keepalives_idle", "30"},
      {"keepalives_interval", "10"},          {"keepalives_count", "3"}};
  size_t n = 0;
  for (PQconninfoOption *o = opts; o->keyword; o++) n++;
  size_t cap = n + sizeof(extra) / sizeof(extra[0]) + 1;
  l->keys = sp_xcalloc(cap, sizeof(char *));
  l->vals = sp_xcalloc(cap, sizeof(char *));
  size_t k = 0;
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    if (!o->val) continue;
    l->keys[k] = sp_xstrdup(o->keyword);
    l->vals[k] = sp_xstrdup(o->val);
    k++;
  }
  for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
    bool have = false;
    for (size_t j = 0; j < k; j++) have |= strcmp(l->keys[j], extra[i][0]) == 0;
    if (have) continue;
    l->keys[k] = sp_xstrdup(extra[i][0]);
    l->vals[k] = sp_xstrdup(extra[i][1]);
    k++;
  }
  PQconninfoFree(opts);
  return true;
}

static void free_conninfo(srv_listen_t *l) {
  for (size_t i = 0; l->keys && l->keys[i]; i++) {
    free(l->keys[i]);
    free(l->vals[i]);
  }
  free(l->keys);
  free(l->vals);
}

srv_listen_t *srv_listen_start(srv_t *s) {
  srv_listen_t *l = sp_xcalloc(1, sizeof(*l));
  l->srv = s;
  l->backoff_ms = BACKOFF_MIN_MS;
  l->rng = sp_mono_us() | 1;
  if (!parse_conninfo(l, s->cfg.db_conninfo, s->instance_id)) {
    free_conninfo(l);
    free(l);
    return NULL;
  }
  uv_timer_init(s->loop, &l->timer);
  l->timer.data = l;
  start_connect(l);
  return l;
}

static void on_timer_closed(uv_handle_t *h) {
  srv_listen_t *l = h->data;
  free_conninfo(l);
  free(l);
}

void srv_listen_close(srv_listen_t *l) {
  if (!l || l->state == L_CLOSED) return;
  l->state = L_CLOSED;
  teardown(l);
  uv_close((uv_handle_t *)&l->timer, on_timer_closed);
}

/* ---- notices ---- */

bool srv_notice_parse(char *payload, srv_notice_t *n) {
  enum { F_FORMAT, F_NUMBER, F_SERVICE, F_STATE, F_ACTION, F_ACTOR, F_STEP, F_KIND, F_SUMMARY, F_APPLICANTS,
         F_HOLDER, F_ROLES, F_PATH, F_AT, F__COUNT };
  char *f[F__COUNT];
  char *p = payload;
  for (int i = 0; i < F__COUNT; i++) {
    f[i] = p;
    char *sep = strchr(p, '\x1f');
    if (i == F__COUNT - 1) {
      if (sep) return false;
      break;
    }
    if (!sep) return false;
    *sep = '\0';
    p = sep + 1;
  }
  if (strcmp(f[F_FORMAT], "1") != 0 || !*f[F_NUMBER]) return false;
  memset(n, 0, sizeof(*n));
  n->number = f[F_NUMBER];
  n->service = f[F_SERVICE];
  n->state = atoi(f[F_STATE]);
  n->action = f[F_ACTION];
  n->actor = f[F_ACTOR];
  n->step_no = (unsigned)strtoul(f[F_STEP], NULL, 10);
  n->step_kind = f[F_KIND];
  n->summary = f[F_SUMMARY];
  n->applicants = f[F_APPLICANTS];
  n->holder_user_id = strtoll(f[F_HOLDER], NULL, 10);
  n->holder_roles = f[F_ROLES];
  n->holder_path = f[F_PATH];
  n->at_us = strtoull(f[F_AT], NULL, 10);
  return true;
}

/* Is `id` in the comma-separated list? */
static bool in_list(const char *list, long long id) {
  for (const char *p = list; *p;) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p) return false;
    if (v == id) return true;
    p = *end == ',' ? end + 1 : end;
  }
  return false;
}

static bool path_within(const char *path, const char *root) {
  size_t n = strlen(root);
  return strncmp(path, root, n) == 0;
}

bool srv_notice_concerns(const srv_notice_t *n, int64_t user_id, int role, const char *scope, const char *branch) {
  if (in_list(n->applicants, user_id)) return true;
  if (n->holder_user_id) return n->holder_user_id == user_id;
  if (!*n->holder_roles || !*n->holder_path || !*scope) return false;
  return in_list(n->holder_roles, role) && path_within(n->holder_path, scope) &&
         path_within(n->holder_path, branch ? branch : "");
}

static Simpeg__V1__StepKind step_kind(const char *s) {
  if (strcmp(s, "supervisor") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR;
  if (strcmp(s, "verifier") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER;
  if (strcmp(s, "official") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL;
  return SIMPEG__V1__STEP_KIND__STEP_KIND_UNSPECIFIED;
}

size_t srv_notice_deliver(srv_t *s, const srv_notice_t *n) {
  Simpeg__V1__RequestNotice rn = SIMPEG__V1__REQUEST_NOTICE__INIT;
  rn.number = (char *)n->number;
  rn.service = (char *)n->service;
  rn.state = (Simpeg__V1__RequestState)n->state;
  rn.action = (char *)n->action;
  rn.actor = (char *)n->actor;
  rn.current_step = n->step_no;
  rn.step_kind = step_kind(n->step_kind);
  rn.summary = (char *)n->summary;
  uint8_t *packed = NULL;
  size_t delivered = 0;
  static uint64_t seq; /* Event.seq: one counter per daemon (one loop thread) */
  for (conn_t *c = s->conns; c; c = c->next) {
    if (!c->subscribed || c->closing || c->draining) continue;
    const srv_session_t *ss = conn_session_current(c);
    if (!ss || !srv_notice_concerns(n, ss->user_id, (int)ss->role, ss->office_path, c->branch_path)) continue;
    if (!packed) {
      packed = sp_xmalloc(simpeg__v1__request_notice__get_packed_size(&rn) + 1);
      simpeg__v1__request_notice__pack(&rn, packed);
    }
    Simpeg__V1__Event ev = SIMPEG__V1__EVENT__INIT;
    ev.seq = ++seq;
    ev.topic = "request";
    ev.entity = "request";
    ev.entity_id = (char *)n->number;
    ev.time_us = n->at_us;
    ev.payload.data = packed;
    ev.payload.len = simpeg__v1__request_notice__get_packed_size(&rn);
    Simpeg__V1__ServerFrame f = SIMPEG__V1__SERVER_FRAME__INIT;
    f.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_EVENT;
    f.event = &ev;
    if (conn_send_frame(c, &f)) delivered++;
  }
  free(packed);
  return delivered;
}
