/* test_dbpool: the asynchronous PostgreSQL pool (server/db.c) and the
 * migrations (server/migrate.c) against a real PostgreSQL, linked directly
 * (no daemon).
 *
 * Needs SIMPEG_TEST_CONNINFO (keyword=value form, e.g. the output of
 * `deploy/pgsql.sh conninfo DIR`); without it the program exits 77 (skip).
 * Each run works in schemas of its own (search_path set through the
 * conninfo's options) and drops them at the end. The restart case also needs
 * SIMPEG_TEST_PGSQL_SH and SIMPEG_TEST_PGDIR (deploy/pgsql.sh and the cluster
 * directory): it stops and starts that server, so it must not share the
 * cluster with tests running in parallel.
 *
 * No assertion here measures time: deadlines only guard against hangs. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <uv.h>

#include "db.h"
#include "migrate.h"
#include "sp_log.h"

/* Statements of the test's own table (db_config_t.stmts). */
enum test_stmt {
  T_STATUS,      /* the product's status statement, copied in at start */
  T_DIV,         /* 1 / $1: division_by_zero (22012) on demand */
  T_SLEEP,       /* pg_sleep($1) */
  T_PID,         /* the backend's process id */
  T_FEED_INSERT, /* one change_feed row for entity_id $1 */
  T_FEED_COUNT,  /* change_feed rows of entity_id $1 */
  T_OCTETS,      /* octet_length of a bytea $1 */
  T__COUNT
};

static db_stmt_def_t test_stmts[T__COUNT] = {
    [T_DIV] = {"t_div", "SELECT 1 / $1::int", 1},
    [T_SLEEP] = {"t_sleep", "SELECT pg_sleep($1::float8)", 1},
    [T_PID] = {"t_pid", "SELECT pg_backend_pid()", 0},
    [T_FEED_INSERT] = {"t_feed_insert",
                       "INSERT INTO change_feed (topic, entity, entity_id)"
                       " VALUES ('test', 'dbpool', $1) RETURNING seq",
                       1},
    [T_FEED_COUNT] = {"t_feed_count",
                      "SELECT count(*)::int FROM change_feed WHERE entity_id = $1", 1},
    [T_OCTETS] = {"t_octets", "SELECT octet_length($1::bytea)", 1},
};

static const char *base_conninfo;
static char schema_prefix[64];
static char main_conninfo[1024]; /* schema migrated by the group setup */

/* ---- helpers ----------------------------------------------------------- */

static void schema_conninfo(char *out, size_t n, const char *tag) {
  snprintf(out, n, "%s options='-csearch_path=%s_%s'", base_conninfo, schema_prefix, tag);
}

static void quiet_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

/* Blocking admin statements, outside any loop (test code only). */
static PGresult *admin_query(const char *conninfo, const char *sql) {
  PGconn *pg = PQconnectdb(conninfo);
  if (PQstatus(pg) != CONNECTION_OK) fail_msg("connect: %s", PQerrorMessage(pg));
  PQsetNoticeProcessor(pg, quiet_notice, NULL);
  PGresult *res = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    fail_msg("%s: %s", sql, PQresultErrorMessage(res));
  PQfinish(pg);
  return res;
}

static void admin_exec(const char *conninfo, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void admin_exec(const char *conninfo, const char *fmt, ...) {
  char sql[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  PQclear(admin_query(conninfo, sql));
}

static int admin_int(const char *conninfo, const char *sql) {
  PGresult *res = admin_query(conninfo, sql);
  int v = atoi(PQgetvalue(res, 0, 0));
  PQclear(res);
  return v;
}

static void fresh_schema(const char *tag) {
  admin_exec(base_conninfo, "DROP SCHEMA IF EXISTS %s_%s CASCADE", schema_prefix, tag);
  admin_exec(base_conninfo, "CREATE SCHEMA %s_%s", schema_prefix, tag);
}

/* A loop, a pool and a guard timer that stops the loop if the test hangs. */
typedef struct harness {
  uv_loop_t loop;
  uv_timer_t guard;
  db_pool_t *pool;
  bool timed_out;
  bool closed;
} harness_t;

static bool in_submit; /* callbacks must never run inside db_submit */

static void on_guard(uv_timer_t *t) {
  harness_t *h = t->data;
  h->timed_out = true;
  uv_stop(&h->loop);
}

static void h_init(harness_t *h, const db_config_t *cfg, uint64_t guard_ms) {
  memset(h, 0, sizeof(*h));
  assert_int_equal(uv_loop_init(&h->loop), 0);
  uv_timer_init(&h->loop, &h->guard);
  h->guard.data = h;
  uv_timer_start(&h->guard, on_guard, guard_ms, 0);
  h->pool = db_pool_new(&h->loop, cfg);
  assert_non_null(h->pool);
}

static void on_pool_closed(void *ud) {
  harness_t *h = ud;
  h->closed = true;
  uv_close((uv_handle_t *)&h->guard, NULL);
}

static void h_close_pool(harness_t *h) {
  if (h->pool) db_pool_close(h->pool, on_pool_closed, h);
  h->pool = NULL;
}

/* Runs the loop until the test closes the pool, then checks that nothing of
 * the pool is left on the loop. */
static void h_run(harness_t *h) {
  uv_run(&h->loop, UV_RUN_DEFAULT);
  if (h->timed_out) fail_msg("the loop did not finish before the guard deadline");
  assert_true(h->closed);
  assert_int_equal(uv_loop_close(&h->loop), 0);
}

static int submit(harness_t *h, const db_query_t *q, int n, unsigned flags, db_cb cb, void *ud) {
  in_submit = true;
  int rc = db_submit(h->pool, q, n, flags, cb, ud);
  in_submit = false;
  return rc;
}

static db_query_t query(int stmt, int nparams, const char *const *values) {
  return (db_query_t){.stmt = (enum db_stmt_id)stmt, .nparams = nparams, .values = values};
}

/* Counts answers by status; closes the pool after `expected` of them. */
typedef struct tally {
  harness_t *h;
  int expected;
  int answered;
  int by_status[DB_BUSY + 1];
} tally_t;

static void on_tally(void *ud, const db_result_t *r) {
  tally_t *t = ud;
  assert_false(in_submit);
  assert_true(r->status >= DB_OK && r->status <= DB_BUSY);
  assert_non_null(r->message);
  t->by_status[r->status]++;
  if (++t->answered == t->expected) h_close_pool(t->h);
}

static db_config_t test_config(const char *conninfo) {
  return (db_config_t){.conninfo = conninfo,
                       .pool_size = 2,
                       .connect_timeout_ms = 2000,
                       .query_timeout_ms = 5000,
                       .stmts = test_stmts,
                       .nstmts = T__COUNT};
}

/* ---- migrations -------------------------------------------------------- */

static void test_migrate_twice_is_idempotent(void **state) {
  (void)state;
  char ci[1024], err[512];
  int from = -1, to = -1;
  fresh_schema("twice");
  schema_conninfo(ci, sizeof(ci), "twice");
  assert_true(sp_schema_expected() >= 1);

  assert_int_equal(sp_migrate(ci, &from, &to, err, sizeof(err)), 0);
  assert_int_equal(from, 0);
  assert_int_equal(to, sp_schema_expected());

  assert_int_equal(sp_migrate(ci, &from, &to, err, sizeof(err)), 0);
  assert_int_equal(from, sp_schema_expected());
  assert_int_equal(to, sp_schema_expected());
  assert_int_equal(admin_int(ci, "SELECT count(*) FROM schema_migrations"), sp_schema_expected());
}

/* Migration 0018 moves the audit chain out of audit_log into audit_chain:
 * a registry whose rows were linked by the old chainer (0010), some still
 * waiting, keeps every hash and position, verifies, and its waiting rows
 * are linked after the moved ones by the new chainer. */
static void pg_ok(PGconn *pg, const char *sql) {
  PGresult *r = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail_msg("%.60s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
}

static char *pg_text(PGconn *pg, const char *sql) {
  PGresult *r = PQexec(pg, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) fail_msg("%.60s: %s", sql, PQresultErrorMessage(r));
  char *v = strdup(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

/* Calls the chainer until it has linked `want` rows (a transaction of a
 * test running beside this one can hold back the xmin for a moment). */
static void chain_rows(PGconn *pg, int want) {
  int linked = 0;
  for (int i = 0; i < 200 && linked < want; i++) {
    char *n = pg_text(pg, "SELECT audit_chain_pending(1000)");
    if (atoi(n) > 0) linked += atoi(n);
    free(n);
    if (linked < want) usleep(50 * 1000);
  }
  assert_int_equal(linked, want);
}

static void test_audit_chain_migration_keeps_every_link(void **state) {
  (void)state;
  char ci[1024];
  fresh_schema("chain18");
  schema_conninfo(ci, sizeof(ci), "chain18");
  PGconn *pg = PQconnectdb(ci);
  assert_int_equal(PQstatus(pg), CONNECTION_OK);
  PQsetNoticeProcessor(pg, quiet_notice, NULL);
  int at = 0;
  while (at < sp_migrations_count && sp_migrations[at].version < 18) pg_ok(pg, sp_migrations[at++].sql);
  assert_true(at < sp_migrations_count);
  assert_int_equal(sp_migrations[at].version, 18);

  const char *add = "INSERT INTO audit_log (method, entity, entity_id) SELECT 'Test', 'test', g::text"
                    " FROM generate_series(1, 10) g";
  for (int i = 0; i < 3; i++) pg_ok(pg, add);
  chain_rows(pg, 30);
  pg_ok(pg, add); /* ten rows left for the new chainer */
  char *before = pg_text(pg, "SELECT string_agg(chain_pos || ':' || seq || ':' || encode(prev_hash, 'hex') || ':'"
                             " || encode(hash, 'hex'), ',' ORDER BY chain_pos) FROM audit_log");

  pg_ok(pg, sp_migrations[at].sql);
  char *after = pg_text(pg, "SELECT string_agg(chain_pos || ':' || seq || ':' || encode(prev_hash, 'hex') || ':'"
                            " || encode(hash, 'hex'), ',' ORDER BY chain_pos) FROM audit_chain");
  assert_string_equal(after, before);
  char *v = pg_text(pg, "SELECT rows_checked || ' ' || problem || ' ' || unchained FROM audit_verify()");
  assert_string_equal(v, "30  10");
  free(v);
  chain_rows(pg, 10);
  pg_ok(pg, add);
  chain_rows(pg, 10);
  v = pg_text(pg, "SELECT rows_checked || ' ' || problem || ' ' || unchained FROM audit_verify()");
  assert_string_equal(v, "50  0");
  free(v);
  /* in (xid, seq) order after the moved ones, as the old chainer would have */
  v = pg_text(pg, "SELECT count(*) FROM (SELECT c.chain_pos, row_number() OVER (ORDER BY a.xid, a.seq) AS k"
                  " FROM audit_chain c JOIN audit_log a ON a.seq = c.seq) x WHERE chain_pos <> k");
  assert_string_equal(v, "0");
  free(v);
  free(before);
  free(after);
  PQfinish(pg);
}

typedef struct migrate_thread {
  const char *conninfo;
  pthread_barrier_t *start;
  int rc, from, to;
  char err[512];
} migrate_thread_t;

static void *run_migrate(void *arg) {
  migrate_thread_t *m = arg;
  pthread_barrier_wait(m->start);
  m->rc = sp_migrate(m->conninfo, &m->from, &m->to, m->err, sizeof(m->err));
  return NULL;
}

static void test_migrate_concurrent_starts_apply_once(void **state) {
  (void)state;
  char ci[1024];
  fresh_schema("race");
  schema_conninfo(ci, sizeof(ci), "race");
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  migrate_thread_t m[2] = {{.conninfo = ci, .start = &start}, {.conninfo = ci, .start = &start}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, run_migrate, &m[i]), 0);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&start);
  for (int i = 0; i < 2; i++) {
    if (m[i].rc != 0) fail_msg("migration %d failed: %s", i, m[i].err);
    assert_int_equal(m[i].to, sp_schema_expected());
  }
  /* serialized by the advisory lock: one applied everything, one found it done */
  assert_int_equal(m[0].from + m[1].from, sp_schema_expected());
  assert_true(m[0].from == 0 || m[1].from == 0);
  assert_int_equal(admin_int(ci, "SELECT count(*) FROM schema_migrations"), sp_schema_expected());
}

static void test_migrate_refuses_changed_or_newer_schema(void **state) {
  (void)state;
  char ci[1024], err[512];
  fresh_schema("refuse");
  schema_conninfo(ci, sizeof(ci), "refuse");
  assert_int_equal(sp_migrate(ci, NULL, NULL, err, sizeof(err)), 0);

  admin_exec(ci, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
  assert_int_equal(sp_migrate(ci, NULL, NULL, err, sizeof(err)), -EBADMSG);
  assert_non_null(strstr(err, "0001_"));

  admin_exec(ci, "UPDATE schema_migrations SET checksum = '%s' WHERE version = 1",
             sp_migrations[0].sha256);
  admin_exec(ci,
             "INSERT INTO schema_migrations (version, name, checksum) VALUES (%d, 'future', 'x')",
             sp_schema_expected() + 1);
  assert_int_equal(sp_migrate(ci, NULL, NULL, err, sizeof(err)), -ERANGE);
  assert_non_null(strstr(err, "newer"));
}

/* ---- pool: normal work ------------------------------------------------- */

typedef struct status_run {
  tally_t tally;
  int bad_rows;
} status_run_t;

static void on_status(void *ud, const db_result_t *r) {
  status_run_t *s = ud;
  if (r->status == DB_OK) {
    char want[16];
    snprintf(want, sizeof(want), "%d", sp_schema_expected());
    if (r->nresults != 1 || PQntuples(r->results[0]) != 1 ||
        strcmp(PQgetvalue(r->results[0], 0, 1), want) != 0)
      s->bad_rows++;
  }
  on_tally(&s->tally, r);
}

static void test_pool_answers_1000_status_queries(void **state) {
  (void)state;
  enum { N = 1000 };
  harness_t h;
  db_config_t cfg = {.conninfo = main_conninfo, .pool_size = 4, .max_queue = 2 * N};
  h_init(&h, &cfg, 60000);
  status_run_t s = {.tally = {.h = &h, .expected = N}};
  db_query_t q = {.stmt = DB_STMT_STATUS};
  uint64_t t0 = uv_hrtime();
  for (int i = 0; i < N; i++)
    assert_int_equal(submit(&h, &q, 1, DB_RETRY_SAFE, on_status, &s), 0);
  assert_int_equal(s.tally.answered, 0);
  assert_int_equal(db_pool_start(h.pool), 0);
  assert_int_equal(db_pool_start(h.pool), -EALREADY);
  h_run(&h);
  double ms = (double)(uv_hrtime() - t0) / 1e6;
  print_message("  1000 status queries, pool of 4, connect included: %.1f ms\n", ms);
  assert_int_equal(s.tally.by_status[DB_OK], N);
  assert_int_equal(s.bad_rows, 0);
}

typedef struct batch_check {
  harness_t *h;
  int answered;
  db_result_t bad, good; /* copies of the scalar parts */
  char bad_sqlstate[8];
  char good_div[16];
  int bad_nresults;
} batch_check_t;

static void on_bad_batch(void *ud, const db_result_t *r) {
  batch_check_t *b = ud;
  assert_false(in_submit);
  b->bad = *r;
  b->bad_nresults = r->nresults;
  snprintf(b->bad_sqlstate, sizeof(b->bad_sqlstate), "%s", r->sqlstate ? r->sqlstate : "");
  assert_non_null(r->error);
  b->answered++;
}

static void on_good_batch(void *ud, const db_result_t *r) {
  batch_check_t *b = ud;
  b->good = *r;
  if (r->status == DB_OK)
    snprintf(b->good_div, sizeof(b->good_div), "%s", PQgetvalue(r->results[1], 0, 0));
  b->answered++;
}

typedef struct feed_counts {
  harness_t *h;
  int status;
  int bad_rows, good_rows;
} feed_counts_t;

static void on_feed_counts(void *ud, const db_result_t *r) {
  feed_counts_t *f = ud;
  f->status = r->status;
  if (r->status == DB_OK) {
    f->bad_rows = atoi(PQgetvalue(r->results[0], 0, 0));
    f->good_rows = atoi(PQgetvalue(r->results[1], 0, 0));
  }
  h_close_pool(f->h);
}

/* One connection, so both batches share a pipeline: the failing one must
 * leave nothing behind and must not disturb the one after it. */
static void test_failed_batch_is_atomic_and_isolated(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 1;
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);

  char bad_id[64], good_id[64];
  snprintf(bad_id, sizeof(bad_id), "bad-%d", (int)getpid());
  snprintf(good_id, sizeof(good_id), "good-%d", (int)getpid());
  const char *bad_ins[] = {bad_id}, *good_ins[] = {good_id}, *zero[] = {"0"}, *one[] = {"1"};
  db_query_t bad[] = {query(T_FEED_INSERT, 1, bad_ins), query(T_DIV, 1, zero),
                      query(T_STATUS, 0, NULL)};
  db_query_t good[] = {query(T_FEED_INSERT, 1, good_ins), query(T_DIV, 1, one)};
  batch_check_t b = {.h = &h};
  assert_int_equal(submit(&h, bad, 3, 0, on_bad_batch, &b), 0);
  assert_int_equal(submit(&h, good, 2, 0, on_good_batch, &b), 0);
  while (b.answered < 2 && !h.timed_out) uv_run(&h.loop, UV_RUN_ONCE);
  assert_false(h.timed_out);

  assert_int_equal(b.bad.status, DB_SQL_ERROR);
  assert_string_equal(b.bad_sqlstate, "22012");
  assert_int_equal(b.bad.failed_stmt, 1);
  assert_int_equal(b.bad_nresults, 0);
  assert_int_equal(b.good.status, DB_OK);
  assert_int_equal(b.good.failed_stmt, -1);
  assert_string_equal(b.good_div, "1");

  const char *bad_cnt[] = {bad_id}, *good_cnt[] = {good_id};
  db_query_t counts[] = {query(T_FEED_COUNT, 1, bad_cnt), query(T_FEED_COUNT, 1, good_cnt)};
  feed_counts_t f = {.h = &h, .status = -1};
  assert_int_equal(submit(&h, counts, 2, DB_RETRY_SAFE, on_feed_counts, &f), 0);
  h_run(&h);
  assert_int_equal(f.status, DB_OK);
  assert_int_equal(f.bad_rows, 0); /* the failed batch's insert was rolled back */
  assert_int_equal(f.good_rows, 1);
}

typedef struct timeout_run {
  harness_t *h;
  int sleep_status;
  char sqlstate[8];
  int status_after;
  db_stats_t stats;
} timeout_run_t;

static void on_after_timeout(void *ud, const db_result_t *r) {
  timeout_run_t *t = ud;
  t->status_after = r->status;
  db_pool_stats(t->h->pool, &t->stats);
  h_close_pool(t->h);
}

static void on_sleep(void *ud, const db_result_t *r) {
  timeout_run_t *t = ud;
  t->sleep_status = r->status;
  snprintf(t->sqlstate, sizeof(t->sqlstate), "%s", r->sqlstate ? r->sqlstate : "");
  db_query_t q = query(T_STATUS, 0, NULL);
  assert_int_equal(db_submit(t->h->pool, &q, 1, 0, on_after_timeout, t), 0);
}

/* query_timeout_ms becomes the server's statement_timeout: the statement is
 * cancelled, the batch reports DB_TIMEOUT, and the connection stays. */
static void test_statement_timeout_keeps_connection(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 1;
  cfg.query_timeout_ms = 200;
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);
  timeout_run_t t = {.h = &h, .sleep_status = -1, .status_after = -1};
  const char *secs[] = {"3"};
  db_query_t q = query(T_SLEEP, 1, secs);
  assert_int_equal(submit(&h, &q, 1, 0, on_sleep, &t), 0);
  h_run(&h);
  assert_int_equal(t.sleep_status, DB_TIMEOUT);
  assert_string_equal(t.sqlstate, "57014");
  assert_int_equal(t.status_after, DB_OK);
  assert_int_equal(t.stats.failures, 0);
  assert_int_equal(t.stats.reconnects, 0);
}

typedef struct slow_run {
  tally_t tally;
  db_stats_t stats;
} slow_run_t;

static void on_slow_tally(void *ud, const db_result_t *r) {
  slow_run_t *s = ud;
  if (s->tally.answered + 1 == s->tally.expected) db_pool_stats(s->tally.h->pool, &s->stats);
  on_tally(&s->tally, r);
}

/* Runs a 1.5 s sleep and three status reads pipelined behind it on one
 * connection with the given slow_ms; returns the pool's counters. */
static db_stats_t run_slow_batch(int slow_ms) {
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 1;
  cfg.slow_ms = slow_ms;
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);
  slow_run_t s = {.tally = {.h = &h, .expected = 4}};
  const char *secs[] = {"1.5"};
  db_query_t sleep = query(T_SLEEP, 1, secs), status = query(T_STATUS, 0, NULL);
  assert_int_equal(submit(&h, &sleep, 1, 0, on_slow_tally, &s), 0);
  for (int i = 0; i < 3; i++) assert_int_equal(submit(&h, &status, 1, 0, on_slow_tally, &s), 0);
  h_run(&h);
  assert_int_equal(s.tally.by_status[DB_OK], 4);
  return s.stats;
}

/* A batch PostgreSQL takes longer than slow_ms over is counted (and
 * logged); the batches that only waited behind it in the pipeline are not,
 * since their time counts from when they reached its head. A negative
 * slow_ms counts nothing. (The margins are wide: 1.5 s against 1 s, and a
 * status read far under 1 s.) */
static void test_slow_batch_is_counted_not_the_ones_behind_it(void **state) {
  (void)state;
  db_stats_t on = run_slow_batch(1000);
  assert_int_equal(on.slow, 1);
  db_stats_t off = run_slow_batch(-1);
  assert_int_equal(off.slow, 0);
}

/* A background batch (DB_ALONE) and the requests that come while it runs. */
typedef struct alone_run {
  harness_t *h;
  uv_timer_t poll;
  int answered;
  int sleep_position; /* 1-based order of the sleep's answer */
  int failed;
} alone_run_t;

enum { ALONE_READS = 6 };

static void on_alone_answer(void *ud, const db_result_t *r) {
  alone_run_t *a = ud;
  if (r->status != DB_OK) a->failed++;
  if (++a->answered == ALONE_READS + 1) h_close_pool(a->h);
}

static void on_alone_sleep(void *ud, const db_result_t *r) {
  alone_run_t *a = ud;
  a->sleep_position = a->answered + 1;
  on_alone_answer(ud, r);
}

/* Once both connections are up: the background sleep, then the reads. */
static void on_alone_poll(uv_timer_t *t) {
  alone_run_t *a = t->data;
  db_stats_t st;
  db_pool_stats(a->h->pool, &st);
  if (st.connected < 2) return;
  uv_close((uv_handle_t *)t, NULL);
  const char *secs[] = {"1"};
  db_query_t sleep = query(T_SLEEP, 1, secs), status = query(T_STATUS, 0, NULL);
  assert_int_equal(db_submit(a->h->pool, &sleep, 1, DB_ALONE, on_alone_sleep, a), 0);
  for (int i = 0; i < ALONE_READS; i++)
    assert_int_equal(db_submit(a->h->pool, &status, 1, 0, on_alone_answer, a), 0);
}

/* Nothing is queued behind a background batch: while a 1 s one runs on one
 * of two connections, every read goes to the other and is answered first.
 * (Without DB_ALONE the least-loaded choice puts every other read behind
 * the sleep.) */
static void test_no_request_waits_behind_background_work(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 2;
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);
  alone_run_t a = {.h = &h};
  uv_timer_init(&h.loop, &a.poll);
  a.poll.data = &a;
  uv_timer_start(&a.poll, on_alone_poll, 10, 10);
  h_run(&h);
  assert_int_equal(a.failed, 0);
  assert_int_equal(a.answered, ALONE_READS + 1);
  assert_int_equal(a.sleep_position, ALONE_READS + 1);
}

typedef struct octets_run {
  tally_t tally;
  int wrong;
} octets_run_t;

static void on_octets(void *ud, const db_result_t *r) {
  octets_run_t *o = ud;
  if (r->status == DB_OK && atoi(PQgetvalue(r->results[0], 0, 0)) != 2 * 1024 * 1024) o->wrong++;
  on_tally(&o->tally, r);
}

/* Binary parameters with NUL bytes, much larger than the socket buffers, on
 * one connection: the pool copies them at submit (the caller's buffer is
 * gone at once) and flushes them out as the socket drains. */
static void test_large_binary_parameters_are_copied_and_flushed(void **state) {
  (void)state;
  enum { N = 8, SIZE = 2 * 1024 * 1024 };
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 1;
  h_init(&h, &cfg, 60000);
  assert_int_equal(db_pool_start(h.pool), 0);
  octets_run_t o = {.tally = {.h = &h, .expected = N}};
  int binary = 1, length = SIZE;
  for (int i = 0; i < N; i++) {
    char *buf = malloc(SIZE);
    assert_non_null(buf);
    for (int j = 0; j < SIZE; j++) buf[j] = (char)(j % 7 == 0 ? 0 : 'a' + i);
    const char *values[] = {buf};
    db_query_t q = {.stmt = (enum db_stmt_id)T_OCTETS, .nparams = 1, .values = values,
                    .lengths = &length, .formats = &binary};
    assert_int_equal(submit(&h, &q, 1, 0, on_octets, &o), 0);
    memset(buf, 0xff, SIZE);
    free(buf);
  }
  h_run(&h);
  assert_int_equal(o.tally.by_status[DB_OK], N);
  assert_int_equal(o.wrong, 0);
}

/* ---- pool: limits, close, unreachable server ---------------------------- */

static void test_busy_queue_and_close_fail_cleanly(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.max_queue = 3;
  h_init(&h, &cfg, 10000);
  tally_t t = {.h = &h, .expected = 5};
  db_query_t q = query(T_STATUS, 0, NULL);
  /* not started: three wait, the next two find the queue full */
  for (int i = 0; i < 5; i++) assert_int_equal(submit(&h, &q, 1, 0, on_tally, &t), 0);
  db_stats_t st;
  db_pool_stats(h.pool, &st);
  assert_int_equal(st.queued, 3);
  assert_int_equal(st.connected, 0);
  assert_int_equal(t.answered, 0);

  db_pool_t *pool = h.pool;
  h_close_pool(&h);
  assert_int_equal(db_submit(pool, &q, 1, 0, on_tally, &t), -ESHUTDOWN);
  assert_int_equal(t.answered, 0);
  h_run(&h);
  assert_int_equal(t.by_status[DB_BUSY], 2);
  assert_int_equal(t.by_status[DB_UNAVAILABLE], 3);
}

static void test_unreachable_server_fails_within_connect_timeout(void **state) {
  (void)state;
  harness_t h;
  /* port 1 on loopback: refused at once, so the pool keeps retrying */
  db_config_t cfg = test_config("hostaddr=127.0.0.1 port=1 dbname=x user=x");
  cfg.connect_timeout_ms = 300;
  h_init(&h, &cfg, 10000);
  assert_int_equal(db_pool_start(h.pool), 0);
  tally_t t = {.h = &h, .expected = -1}; /* closed below, after reading the stats */
  db_query_t q = query(T_STATUS, 0, NULL);
  for (int i = 0; i < 3; i++) assert_int_equal(submit(&h, &q, 1, DB_RETRY_SAFE, on_tally, &t), 0);
  db_stats_t st;
  while (t.answered < 3 && !h.timed_out) uv_run(&h.loop, UV_RUN_ONCE);
  db_pool_stats(h.pool, &st);
  h_close_pool(&h);
  h_run(&h);
  assert_int_equal(t.by_status[DB_UNAVAILABLE], 3);
  assert_true(st.failures >= 1);
  assert_int_equal(st.connected, 0);
}

static void never_called(void *ud, const db_result_t *r) {
  (void)ud;
  (void)r;
  fail_msg("callback of a rejected submit ran");
}

static void test_invalid_arguments_are_rejected(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  h_init(&h, &cfg, 10000);
  const char *one[] = {"1"};
  db_query_t wrong_count = query(T_DIV, 0, NULL);
  db_query_t bad_id = query(T__COUNT, 0, NULL);
  db_query_t no_values = query(T_DIV, 1, NULL);
  int binary = 1;
  db_query_t binary_no_length = {.stmt = (enum db_stmt_id)T_DIV, .nparams = 1, .values = one,
                                 .formats = &binary};
  db_query_t ok = query(T_DIV, 1, one);
  db_query_t many[DB_MAX_BATCH + 1];
  for (int i = 0; i <= DB_MAX_BATCH; i++) many[i] = ok;
  assert_int_equal(db_submit(h.pool, &wrong_count, 1, 0, never_called, NULL), -EINVAL);
  assert_int_equal(db_submit(h.pool, &bad_id, 1, 0, never_called, NULL), -EINVAL);
  assert_int_equal(db_submit(h.pool, &no_values, 1, 0, never_called, NULL), -EINVAL);
  assert_int_equal(db_submit(h.pool, &binary_no_length, 1, 0, never_called, NULL), -EINVAL);
  assert_int_equal(db_submit(h.pool, &ok, 0, 0, never_called, NULL), -EINVAL);
  assert_int_equal(db_submit(h.pool, many, DB_MAX_BATCH + 1, 0, never_called, NULL), -EINVAL);
  assert_int_equal(db_submit(h.pool, &ok, 1, 0, NULL, NULL), -EINVAL);
  h_close_pool(&h);
  h_run(&h);

  uv_loop_t loop;
  uv_loop_init(&loop);
  db_config_t bad = test_config("this is = not a conninfo '");
  assert_null(db_pool_new(&loop, &bad));
  db_stmt_def_t dup[] = {{"same", "SELECT 1", 0}, {"same", "SELECT 2", 0}};
  db_config_t dup_cfg = {.conninfo = main_conninfo, .stmts = dup, .nstmts = 2};
  assert_null(db_pool_new(&loop, &dup_cfg));
  db_config_t neg = {.conninfo = main_conninfo, .pool_size = -1};
  assert_null(db_pool_new(&loop, &neg));
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- change feed (migration 0001) -------------------------------------- */

typedef struct feed_insert {
  harness_t *h;
  int status;
  char seq[32];
} feed_insert_t;

static void on_feed_insert(void *ud, const db_result_t *r) {
  feed_insert_t *f = ud;
  f->status = r->status;
  if (r->status == DB_OK)
    snprintf(f->seq, sizeof(f->seq), "%s", PQgetvalue(r->results[0], 0, 0));
  h_close_pool(f->h);
}

static void test_change_feed_insert_notifies_listeners(void **state) {
  (void)state;
  PGconn *listener = PQconnectdb(main_conninfo);
  assert_int_equal(PQstatus(listener), CONNECTION_OK);
  PQclear(PQexec(listener, "LISTEN simpeg_changes"));

  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  h_init(&h, &cfg, 10000);
  assert_int_equal(db_pool_start(h.pool), 0);
  const char *id[] = {"feed-notify"};
  db_query_t q = query(T_FEED_INSERT, 1, id);
  feed_insert_t f = {.h = &h, .status = -1};
  assert_int_equal(submit(&h, &q, 1, 0, on_feed_insert, &f), 0);
  h_run(&h);
  assert_int_equal(f.status, DB_OK);

  PGnotify *n = NULL;
  for (int tries = 0; tries < 50 && !n; tries++) {
    int fd = PQsocket(listener);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    struct timeval tv = {0, 100000};
    select(fd + 1, &rd, NULL, NULL, &tv);
    PQconsumeInput(listener);
    n = PQnotifies(listener);
  }
  assert_non_null(n);
  assert_string_equal(n->relname, "simpeg_changes");
  assert_string_equal(n->extra, f.seq);
  PQfreemem(n);
  PQfinish(listener);
}

/* ---- a connection that stops answering --------------------------------- */

typedef struct frozen_run {
  harness_t *h;
  int pid;
  int frozen_status;
  int after_status;
  db_stats_t stats;
} frozen_run_t;

static void on_after_frozen(void *ud, const db_result_t *r) {
  frozen_run_t *f = ud;
  f->after_status = r->status;
  db_pool_stats(f->h->pool, &f->stats);
  h_close_pool(f->h);
}

static void on_frozen(void *ud, const db_result_t *r) {
  frozen_run_t *f = ud;
  f->frozen_status = r->status;
  kill(f->pid, SIGCONT); /* the old backend finds its client gone and exits */
  db_query_t q = query(T_STATUS, 0, NULL);
  assert_int_equal(db_submit(f->h->pool, &q, 1, 0, on_after_frozen, f), 0);
}

static void on_pid(void *ud, const db_result_t *r) {
  frozen_run_t *f = ud;
  assert_int_equal(r->status, DB_OK);
  f->pid = atoi(PQgetvalue(r->results[0], 0, 0));
}

/* A backend that neither answers nor closes (stopped with SIGSTOP, as a
 * dead network would look): the pool's own deadline fails the batch with
 * DB_TIMEOUT and replaces the connection. Needs permission to signal the
 * server's processes (root, or the same user). */
static void test_unanswered_batch_times_out_and_reconnects(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 1;
  cfg.query_timeout_ms = 300;
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);
  frozen_run_t f = {.h = &h, .frozen_status = -1, .after_status = -1};
  db_query_t pid = query(T_PID, 0, NULL);
  assert_int_equal(submit(&h, &pid, 1, 0, on_pid, &f), 0);
  while (!f.pid && !h.timed_out) uv_run(&h.loop, UV_RUN_ONCE);
  assert_true(f.pid > 0);
  if (kill(f.pid, SIGSTOP) != 0) {
    h_close_pool(&h);
    h_run(&h);
    skip(); /* not allowed to signal the server */
  }
  db_query_t q = query(T_STATUS, 0, NULL);
  assert_int_equal(submit(&h, &q, 1, 0, on_frozen, &f), 0);
  h_run(&h);
  assert_int_equal(f.frozen_status, DB_TIMEOUT);
  assert_int_equal(f.after_status, DB_OK);
  assert_true(f.stats.failures >= 1);
  assert_true(f.stats.reconnects >= 1);
}

/* ---- a backend killed under a batch ------------------------------------ */

typedef struct killed_run {
  int status;
  bool answered;
} killed_run_t;

static void on_killed(void *ud, const db_result_t *r) {
  killed_run_t *k = ud;
  k->status = r->status;
  k->answered = true;
}

/* Terminates the pool's backend that is running pg_sleep, once the server
 * shows it running (the loop keeps turning between looks). */
static void kill_sleeping_backend(harness_t *h, const char *app) {
  char sql[256];
  snprintf(sql, sizeof(sql),
           "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
           " WHERE application_name = '%s' AND state = 'active' AND query LIKE '%%pg_sleep%%'",
           app);
  for (int tries = 0; tries < 200; tries++) {
    if (admin_int(base_conninfo, sql) == 1) return;
    uv_run(&h->loop, UV_RUN_NOWAIT);
    usleep(10000);
  }
  fail_msg("the sleeping backend never showed up");
}

static int run_killed(harness_t *h, const char *app, unsigned flags) {
  killed_run_t k = {.status = -1};
  const char *secs[] = {"2"};
  db_query_t q = query(T_SLEEP, 1, secs);
  assert_int_equal(submit(h, &q, 1, flags, on_killed, &k), 0);
  kill_sleeping_backend(h, app);
  while (!k.answered && !h->timed_out) uv_run(&h->loop, UV_RUN_ONCE);
  return k.status;
}

/* pg_terminate_backend under a running batch, the other connection healthy:
 * a DB_RETRY_SAFE batch is sent again there and succeeds; any other batch
 * cannot know whether it ran and reports DB_UNAVAILABLE. */
static void test_retry_safe_batch_survives_killed_backend(void **state) {
  (void)state;
  char app[80], ci[1200];
  snprintf(app, sizeof(app), "%s_kill", schema_prefix);
  snprintf(ci, sizeof(ci), "%s application_name=%s", main_conninfo, app);
  harness_t h;
  db_config_t cfg = test_config(ci);
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);
  db_stats_t st = {0};
  while (st.connected < 2 && !h.timed_out) {
    uv_run(&h.loop, UV_RUN_ONCE);
    db_pool_stats(h.pool, &st);
  }
  assert_int_equal(run_killed(&h, app, DB_RETRY_SAFE), DB_OK);
  assert_int_equal(run_killed(&h, app, 0), DB_UNAVAILABLE);
  db_pool_stats(h.pool, &st);
  assert_int_equal(st.failures, 2);
  h_close_pool(&h);
  h_run(&h);
}

/* ---- closing with batches in flight ------------------------------------- */

typedef struct close_run {
  harness_t *h;
  int short_status, long_status;
} close_run_t;

static void on_short(void *ud, const db_result_t *r) { ((close_run_t *)ud)->short_status = r->status; }
static void on_long(void *ud, const db_result_t *r) { ((close_run_t *)ud)->long_status = r->status; }

/* db_pool_close lets sent batches finish within its grace period and fails
 * the ones that would take longer; then everything is released. */
static void test_close_waits_briefly_for_batches_in_flight(void **state) {
  (void)state;
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  h_init(&h, &cfg, 30000);
  assert_int_equal(db_pool_start(h.pool), 0);
  close_run_t c = {.h = &h, .short_status = -1, .long_status = -1};
  const char *brief[] = {"0.2"}, *longer[] = {"4"};
  db_query_t qs = query(T_SLEEP, 1, brief), ql = query(T_SLEEP, 1, longer);
  assert_int_equal(submit(&h, &qs, 1, 0, on_short, &c), 0);
  assert_int_equal(submit(&h, &ql, 1, DB_RETRY_SAFE, on_long, &c), 0);
  db_stats_t st = {0};
  while (st.in_flight < 2 && !h.timed_out) {
    uv_run(&h.loop, UV_RUN_ONCE);
    db_pool_stats(h.pool, &st);
  }
  h_close_pool(&h);
  h_run(&h);
  assert_int_equal(c.short_status, DB_OK);
  assert_int_equal(c.long_status, DB_UNAVAILABLE); /* no retry once closing */
}

/* ---- PostgreSQL restart under load ------------------------------------- */

enum phase { PH_WARM, PH_STOPPING, PH_STOPPED, PH_STARTING, PH_RECOVER, PH_DONE };

typedef struct restart_run {
  harness_t *h;
  uv_timer_t ticker;
  uv_work_t work;
  const char *action; /* "stop" or "start", for the worker thread */
  int action_rc;
  bool server_down;   /* a stop ran without its start yet */
  enum phase phase;
  uint64_t phase_ns;
  int submitted, answered;
  int ok_before, ok_after, unavailable, other;
} restart_run_t;

static int pgsql_sh(const char *action) {
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >/dev/null", getenv("SIMPEG_TEST_PGSQL_SH"), action,
           getenv("SIMPEG_TEST_PGDIR"));
  return system(cmd);
}

static void restart_work(uv_work_t *w) {
  restart_run_t *r = w->data;
  r->action_rc = pgsql_sh(r->action);
}

static void restart_after_work(uv_work_t *w, int status) {
  restart_run_t *r = w->data;
  assert_int_equal(status, 0);
  if (r->action_rc != 0) fail_msg("pgsql.sh %s failed (%d)", r->action, r->action_rc);
  r->phase = r->phase == PH_STOPPING ? PH_STOPPED : PH_RECOVER;
  if (r->phase == PH_RECOVER) r->server_down = false;
  r->phase_ns = uv_hrtime();
}

static void restart_run_action(restart_run_t *r, const char *action, enum phase next) {
  r->action = action;
  r->phase = next;
  if (next == PH_STOPPING) r->server_down = true;
  r->work.data = r;
  assert_int_equal(uv_queue_work(&r->h->loop, &r->work, restart_work, restart_after_work), 0);
}

static void maybe_finish_restart(restart_run_t *r) {
  if (r->phase == PH_DONE && r->answered == r->submitted) h_close_pool(r->h);
}

static void on_restart_answer(void *ud, const db_result_t *res) {
  restart_run_t *r = ud;
  assert_false(in_submit);
  r->answered++;
  if (res->status == DB_OK) {
    if (r->phase == PH_WARM)
      r->ok_before++;
    else if (r->phase >= PH_STARTING)
      r->ok_after++;
  } else if (res->status == DB_UNAVAILABLE) {
    r->unavailable++;
  } else {
    r->other++;
    print_message("  unexpected %s: %s\n", db_status_name(res->status), res->message);
  }
  maybe_finish_restart(r);
}

static void on_restart_tick(uv_timer_t *t) {
  restart_run_t *r = t->data;
  uint64_t since_ms = (uv_hrtime() - r->phase_ns) / 1000000;
  const char *a[] = {"1"};
  db_query_t one = query(T_STATUS, 0, NULL);
  db_query_t two[] = {query(T_STATUS, 0, NULL), query(T_DIV, 1, a)};
  for (int i = 0; i < 4; i++) {
    int rc = i % 2 ? submit(r->h, two, 2, 0, on_restart_answer, r)
                   : submit(r->h, &one, 1, DB_RETRY_SAFE, on_restart_answer, r);
    assert_int_equal(rc, 0);
    r->submitted++;
  }
  switch (r->phase) {
  case PH_WARM:
    if (r->ok_before >= 200) restart_run_action(r, "stop", PH_STOPPING);
    break;
  case PH_STOPPED:
    /* long enough for waiting requests to pass connect_timeout_ms */
    if (since_ms > 2500) restart_run_action(r, "start", PH_STARTING);
    break;
  case PH_RECOVER:
    if (r->ok_after >= 200) {
      r->phase = PH_DONE;
      uv_close((uv_handle_t *)&r->ticker, NULL);
      maybe_finish_restart(r);
    }
    break;
  default: break;
  }
}

static void test_postgres_restart_under_load(void **state) {
  (void)state;
  if (!getenv("SIMPEG_TEST_PGSQL_SH") || !getenv("SIMPEG_TEST_PGDIR")) skip();
  harness_t h;
  db_config_t cfg = test_config(main_conninfo);
  cfg.pool_size = 4;
  cfg.max_queue = 100000;
  cfg.connect_timeout_ms = 1000;
  h_init(&h, &cfg, 90000);
  assert_int_equal(db_pool_start(h.pool), 0);
  restart_run_t r = {.h = &h, .phase_ns = uv_hrtime()};
  uv_timer_init(&h.loop, &r.ticker);
  r.ticker.data = &r;
  uv_timer_start(&r.ticker, on_restart_tick, 5, 5);
  h_run(&h);
  if (r.server_down) pgsql_sh("start");
  print_message("  restart: %d submitted, %d ok before, %d unavailable, %d ok after\n",
                r.submitted, r.ok_before, r.unavailable, r.ok_after);
  assert_int_equal(r.answered, r.submitted);
  assert_int_equal(r.other, 0);
  assert_true(r.ok_before >= 200);
  assert_true(r.unavailable > 0);
  assert_true(r.ok_after >= 200);
}

/* ---- setup ------------------------------------------------------------- */

static int group_setup(void **state) {
  (void)state;
  char err[512];
  test_stmts[T_STATUS] = db_stmts[DB_STMT_STATUS];
  snprintf(schema_prefix, sizeof(schema_prefix), "dbpool_%d", (int)getpid());
  fresh_schema("main");
  schema_conninfo(main_conninfo, sizeof(main_conninfo), "main");
  if (sp_migrate(main_conninfo, NULL, NULL, err, sizeof(err)) != 0) {
    fprintf(stderr, "migrating the test schema failed: %s\n", err);
    return -1;
  }
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  static const char *tags[] = {"main", "twice", "race", "refuse"};
  for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
    admin_exec(base_conninfo, "DROP SCHEMA IF EXISTS %s_%s CASCADE", schema_prefix, tags[i]);
  return 0;
}

int main(void) {
  base_conninfo = getenv("SIMPEG_TEST_CONNINFO");
  if (!base_conninfo || !*base_conninfo) {
    fprintf(stderr, "test_dbpool: SIMPEG_TEST_CONNINFO is not set: skipped\n");
    return 77;
  }
  sp_log_init("test_dbpool");
  sp_log_level_t level;
  if (getenv("SIMPEG_TEST_LOG") && sp_log_parse_level(getenv("SIMPEG_TEST_LOG"), &level))
    sp_log_set_level(level);
  else
    sp_log_set_level(SP_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_migrate_twice_is_idempotent),
      cmocka_unit_test(test_migrate_concurrent_starts_apply_once),
      cmocka_unit_test(test_migrate_refuses_changed_or_newer_schema),
      cmocka_unit_test(test_audit_chain_migration_keeps_every_link),
      cmocka_unit_test(test_pool_answers_1000_status_queries),
      cmocka_unit_test(test_failed_batch_is_atomic_and_isolated),
      cmocka_unit_test(test_statement_timeout_keeps_connection),
      cmocka_unit_test(test_slow_batch_is_counted_not_the_ones_behind_it),
      cmocka_unit_test(test_no_request_waits_behind_background_work),
      cmocka_unit_test(test_large_binary_parameters_are_copied_and_flushed),
      cmocka_unit_test(test_busy_queue_and_close_fail_cleanly),
      cmocka_unit_test(test_unreachable_server_fails_within_connect_timeout),
      cmocka_unit_test(test_invalid_arguments_are_rejected),
      cmocka_unit_test(test_change_feed_insert_notifies_listeners),
      cmocka_unit_test(test_unanswered_batch_times_out_and_reconnects),
      cmocka_unit_test(test_retry_safe_batch_survives_killed_backend),
      cmocka_unit_test(test_close_waits_briefly_for_batches_in_flight),
      cmocka_unit_test(test_postgres_restart_under_load),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
