/* audit_chain: the chainer timer (see audit_chain.h). At most one statement
 * is in flight; the timer is re-armed when its answer arrives, so a slow
 * database never piles runs up. */
#include "audit_chain.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_stmts.h"
#include "sp_log.h"

struct audit_chain {
  uv_timer_t timer;
  db_pool_t *pool;
  bool in_flight; /* a run was submitted and its callback has not come */
  bool stopping;  /* audit_chain_stop was called */
  bool closed;    /* the timer handle is closed */
  int failures;   /* runs in a row that failed: logged once, not every tick */
};

static void chain_free_if_done(audit_chain_t *c) {
  if (c->stopping && c->closed && !c->in_flight) free(c);
}

static void on_timer_closed(uv_handle_t *h) {
  audit_chain_t *c = h->data;
  c->closed = true;
  chain_free_if_done(c);
}

static void chain_run(uv_timer_t *t);

static void chain_done(void *ud, const db_result_t *res) {
  audit_chain_t *c = ud;
  c->in_flight = false;
  if (c->stopping) {
    chain_free_if_done(c);
    return;
  }
  uint64_t next_ms = AUDIT_CHAIN_PERIOD_MS;
  if (res->status == DB_OK) {
    if (c->failures > 0) sp_log_info("audit chain: linking again after %d failed run(s)", c->failures);
    c->failures = 0;
    const PGresult *r = res->results[0];
    long n = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    /* A full run means more rows wait: go on at once. */
    if (n >= AUDIT_CHAIN_BATCH) next_ms = 0;
  } else if (c->failures++ == 0) {
    /* Unchained rows stay safe in the table and are linked by a later run;
     * AuditVerify reports any that wait too long. */
    sp_log_warning("audit chain: run failed (%s): %s", db_status_name(res->status), res->message);
  }
  uv_timer_start(&c->timer, chain_run, next_ms, 0);
}

static void chain_run(uv_timer_t *t) {
  audit_chain_t *c = t->data;
  if (c->stopping || c->in_flight) return;
  char max[16];
  snprintf(max, sizeof(max), "%d", AUDIT_CHAIN_BATCH);
  const char *v[1] = {max};
  db_query_t q = {.stmt = DB_STMT_AUDIT_CHAIN, .nparams = 1, .values = v};
  c->in_flight = true;
  if (db_submit(c->pool, &q, 1, 0, chain_done, c) != 0) {
    /* The pool is closing: stop quietly, audit_chain_stop frees us. */
    c->in_flight = false;
    return;
  }
}

audit_chain_t *audit_chain_start(uv_loop_t *loop, db_pool_t *pool) {
  audit_chain_t *c = calloc(1, sizeof(*c));
  if (!c) {
    sp_log_error("audit chain: out of memory");
    return NULL;
  }
  c->pool = pool;
  uv_timer_init(loop, &c->timer);
  c->timer.data = c;
  uv_timer_start(&c->timer, chain_run, AUDIT_CHAIN_PERIOD_MS, 0);
  return c;
}

void audit_chain_stop(audit_chain_t *c) {
  if (!c || c->stopping) return;
  c->stopping = true;
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}
