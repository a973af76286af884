/* ticker: a background statement on a timer (see ticker.h). */
#include "ticker.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "sp_log.h"

struct ticker {
  uv_timer_t timer;
  db_pool_t *pool;
  const char *name;
  enum db_stmt_id stmt;
  unsigned period_ms;
  int batch;
  bool in_flight; /* a run was submitted and its callback has not come */
  bool stopping;  /* ticker_stop was called */
  bool closed;    /* the timer handle is closed */
  int failures;   /* runs in a row that failed: logged once, not every tick */
};

static void ticker_free_if_done(ticker_t *t) {
  if (t->stopping && t->closed && !t->in_flight) free(t);
}

static void on_timer_closed(uv_handle_t *h) {
  ticker_t *t = h->data;
  t->closed = true;
  ticker_free_if_done(t);
}

static void ticker_run(uv_timer_t *h);

static void ticker_done(void *ud, const db_result_t *res) {
  ticker_t *t = ud;
  t->in_flight = false;
  if (t->stopping) {
    ticker_free_if_done(t);
    return;
  }
  uint64_t next_ms = t->period_ms;
  if (res->status == DB_OK) {
    if (t->failures > 0) sp_log_info("%s: running again after %d failed run(s)", t->name, t->failures);
    t->failures = 0;
    const PGresult *r = res->results[0];
    long n = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    /* A full run means more rows wait: go on at once. */
    if (n >= t->batch) next_ms = 0;
  } else if (t->failures++ == 0) {
    /* What the run would have handled stays in its table for a later run. */
    sp_log_warning("%s: run failed (%s): %s", t->name, db_status_name(res->status), res->message);
  }
  uv_timer_start(&t->timer, ticker_run, next_ms, 0);
}

static void ticker_run(uv_timer_t *h) {
  ticker_t *t = h->data;
  if (t->stopping || t->in_flight) return;
  char max[16];
  snprintf(max, sizeof(max), "%d", t->batch);
  const char *v[1] = {max};
  db_query_t q = {.stmt = t->stmt, .nparams = 1, .values = v};
  t->in_flight = true;
  if (db_submit(t->pool, &q, 1, DB_ALONE, ticker_done, t) != 0) {
    /* The pool is closing: stop quietly, ticker_stop frees us. */
    t->in_flight = false;
    return;
  }
}

ticker_t *ticker_start(uv_loop_t *loop, db_pool_t *pool, const char *name, enum db_stmt_id stmt,
                       unsigned period_ms, int batch) {
  ticker_t *t = calloc(1, sizeof(*t));
  if (!t) {
    sp_log_error("%s: out of memory", name);
    return NULL;
  }
  t->pool = pool;
  t->name = name;
  t->stmt = stmt;
  t->period_ms = period_ms;
  t->batch = batch;
  uv_timer_init(loop, &t->timer);
  t->timer.data = t;
  uv_timer_start(&t->timer, ticker_run, period_ms, 0);
  return t;
}

void ticker_stop(ticker_t *t) {
  if (!t || t->stopping) return;
  t->stopping = true;
  uv_timer_stop(&t->timer);
  uv_close((uv_handle_t *)&t->timer, on_timer_closed);
}
