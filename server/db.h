/* db: the daemon's asynchronous PostgreSQL pool.
 *
 * A fixed set of libpq connections driven by the caller's libuv loop; no call
 * here ever blocks that loop. Each connection prepares every statement of a
 * table (db_stmts.h) when it connects, runs in pipeline mode, and carries
 * many requests at once. A request is a batch of 1..DB_MAX_BATCH prepared
 * statements followed by one sync, so PostgreSQL runs the batch as one
 * implicit transaction: all of it commits or none of it does, and its failure
 * never touches another request. docs/internals/db.md explains the design.
 *
 * Connection strings: libpq resolves a `host` name with a blocking DNS lookup
 * inside PQconnectStart, which would stall the loop, so give `hostaddr`
 * (an IP address) as well, or a unix-socket directory as `host`. The pool
 * logs a warning at creation when it sees a host name without hostaddr.
 * The pool appends `-c statement_timeout=<query_timeout_ms>` to `options` and
 * sets TCP keepalive and application-name defaults the conninfo does not set.
 *
 * Threading: every function must be called on the loop's thread.
 * Ownership: the pool owns everything it allocates; db_pool_close() releases
 * it, and the loop may be closed once its `done` callback has run. */
#ifndef SP_DB_H
#define SP_DB_H

#include <libpq-fe.h>
#include <stdint.h>
#include <uv.h>

#include "db_stmts.h"

typedef struct db_pool db_pool_t;

/* Zero fields take the defaults given in brackets. */
typedef struct db_config {
  const char *conninfo; /* libpq keyword=value string or URI; copied */
  int pool_size;        /* connections [4] */
  int max_queue;        /* requests that may wait for a connection; more get DB_BUSY [1024] */
  /* Deadline of one connect attempt, including preparing statements; also how
   * long a request waits while no connection is up before DB_UNAVAILABLE [5000]. */
  int connect_timeout_ms;
  /* Server-side statement_timeout of every statement (-> DB_TIMEOUT, sqlstate
   * 57014). Client side, a connection whose oldest batch has been unanswered
   * for this plus one second is declared broken, and a request that waits
   * this long for a free connection fails with DB_TIMEOUT [30000]. */
  int query_timeout_ms;
  /* A batch that PostgreSQL took longer than this to answer, counted from
   * when it reached the head of its connection's pipeline, is logged as a
   * warning with its statements (where a slow request's time went) [1000];
   * negative: never. */
  int slow_ms;
  /* Statement table the connections prepare; NULL means db_stmts. Tests and
   * tools may pass their own (the table must outlive the pool); db_query_t.stmt
   * then indexes this table. */
  const db_stmt_def_t *stmts;
  int nstmts;
} db_config_t;

/* Most statements one request (batch) may hold. */
#define DB_MAX_BATCH 64

/* db_submit flags */
/* The batch only reads: if its connection breaks before the answer arrives,
 * it is sent once more on the next connection available. */
#define DB_RETRY_SAFE 0x1u
/* Background work (the daemon's timers): no other batch is queued behind
 * it on its connection while it runs, so that a run that turns out slow
 * holds up nobody's request; they go to the other connections. */
#define DB_ALONE 0x2u

enum db_status {
  DB_OK = 0,      /* every statement ran and the batch committed */
  DB_UNAVAILABLE, /* no connection, connection lost before the answer, or pool closing */
  DB_SQL_ERROR,   /* the server refused a statement; nothing of the batch committed */
  DB_TIMEOUT,     /* statement_timeout, no answer in time, or waited too long */
  DB_BUSY,        /* the wait queue is full; nothing was sent */
};

typedef struct db_query {
  enum db_stmt_id stmt; /* row of the statement table */
  int nparams;          /* must equal the table's nparams */
  /* Parameters as for PQsendQueryPrepared: values[i] NULL is SQL NULL; text
   * values (formats NULL or formats[i] == 0) are NUL-terminated and lengths is
   * ignored for them; binary ones (formats[i] == 1) need lengths[i]. The pool
   * copies all of it inside db_submit, so the caller may free it on return. */
  const char *const *values;
  const int *lengths;
  const int *formats;
} db_query_t;

typedef struct db_result {
  int status;           /* enum db_status */
  const char *sqlstate; /* five characters when the server reported an error, else NULL */
  /* Always set: what went wrong (server text, or the pool's own words) for
   * the logs. Never send it to a user: it may show SQL and schema names. */
  const char *message;
  int failed_stmt;         /* index in the batch of the statement that failed, else -1 */
  const PGresult *error;   /* that statement's error result (PQresultErrorField), else NULL */
  PGresult *const *results; /* DB_OK: one per statement (text format), else NULL */
  int nresults;             /* DB_OK: the batch size, else 0 */
  uint64_t latency_us;      /* from db_submit to this callback */
} db_result_t;

/* Called exactly once for every batch db_submit accepted, always from the
 * loop and never from inside db_submit. The result and every PGresult in it
 * belong to the pool and are cleared when the callback returns. The callback
 * may call db_submit and db_pool_close. */
typedef void (*db_cb)(void *ud, const db_result_t *r);

typedef struct db_stats {
  int size;            /* connections configured */
  int connected;       /* connected, statements prepared, taking work */
  int busy;            /* connected with at least one batch outstanding */
  int queued;          /* batches waiting for a connection */
  int in_flight;       /* batches sent and not yet answered */
  uint64_t reconnects; /* successful connects after a connection's first */
  uint64_t failures;   /* failed connect attempts and connections lost */
  uint64_t slow;       /* batches answered after more than slow_ms (db_config_t) */
} db_stats_t;

/* Validates cfg and prepares the pool; connects nothing yet. NULL on a bad
 * configuration (logged). */
db_pool_t *db_pool_new(uv_loop_t *loop, const db_config_t *cfg);

/* Begins connecting every connection and returns at once. 0, -EALREADY, or
 * -ESHUTDOWN after db_pool_close. Requests submitted before it wait. */
int db_pool_start(db_pool_t *pool);

/* Sends a batch of n statements (1..DB_MAX_BATCH). 0: cb will be called
 * exactly once. -EINVAL (bad arguments: unknown statement, wrong parameter
 * count, binary value without length) or -ESHUTDOWN (db_pool_close was
 * called): cb will never be called. */
int db_submit(db_pool_t *pool, const db_query_t *queries, int n, unsigned flags, db_cb cb,
              void *ud);

/* As db_submit, for a batch known to run long (e.g. verifying the whole
 * audit log): its client-side deadline is timeout_ms (+ the usual second)
 * instead of query_timeout_ms, and no other batch is queued behind it on its
 * connection meanwhile. The batch must raise statement_timeout itself, with
 * `SELECT set_config('statement_timeout', $1, true)` as its first statement
 * (local to the batch's transaction). The wait for a free connection is
 * still bounded by query_timeout_ms. timeout_ms 0 is db_submit. */
int db_submit_long(db_pool_t *pool, const db_query_t *queries, int n, unsigned flags, int timeout_ms,
                   db_cb cb, void *ud);

/* Starts a graceful close and returns: waiting batches fail with
 * DB_UNAVAILABLE, batches already sent get up to two seconds to be answered
 * (then DB_UNAVAILABLE, never retried), connections are closed, and once the
 * last libuv handle of the pool has been released the pool is freed and
 * done(ud) is called (done may be NULL). Until then db_submit returns
 * -ESHUTDOWN and db_pool_stats still works; after done the pointer is gone.
 * Later calls are ignored. May be called from a db_cb. */
void db_pool_close(db_pool_t *pool, void (*done)(void *ud), void *ud);

void db_pool_stats(const db_pool_t *pool, db_stats_t *out);

/* "ok", "unavailable", "sql-error", "timeout", "busy". */
const char *db_status_name(int status);

#endif
