/* Integration test: PostgreSQL stopped and restarted under load.
 *
 * 32 status requests stay in flight against a real simpegd while the
 * database is stopped and started again. During the gap every request must
 * still be answered promptly (status says the database is down: a clean
 * failure, never a hang); afterwards the pool reconnects and the database
 * path works again; and the daemon's memory must not grow across the cycle.
 *
 * Status needs a signed-in user, and signing in (Login, Authenticate) needs
 * the database: the load client signs in once, before PostgreSQL stops, and
 * keeps its connection. Its cached session stays usable without the
 * database until its re-check is due (auth.session_recheck_s); the load
 * daemon sets that to an hour so every Status in the gap is a StatusReply.
 * A second daemon re-checks on every request (session_recheck_s = 0) and
 * shows what a due re-check does in an outage: the request fails
 * UNAVAILABLE database_unavailable (or DEADLINE_EXCEEDED database_timeout)
 * and the session is kept, so Status works again once the database is back
 * (docs/internals/auth.md). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

typedef struct load {
  uv_loop_t loop;
  spc_client_t *client;
  int in_flight;
  int target_in_flight;
  long answered, db_ok, db_down, call_errors;
  bool stop;
} load_t;

static void issue(load_t *l);

static void on_status(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  load_t *l = ud;
  l->in_flight--;
  l->answered++;
  if (status == 0 && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_STATUS) {
    if (resp->status->database_ok) l->db_ok++;
    else l->db_down++;
  } else {
    l->call_errors++;
  }
  if (resp) spc_response_free(resp);
  if (!l->stop) issue(l);
}

static void issue(load_t *l) {
  while (l->in_flight < l->target_in_flight) {
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    Simpeg__V1__StatusRequest st = SIMPEG__V1__STATUS_REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
    req.status = &st;
    if (spc_client_call(l->client, &req, on_status, l, NULL) != 0) return;
    l->in_flight++;
  }
}

/* One Status on a signed-in sync connection; the caller frees the answer. */
static Simpeg__V1__Response *sync_status(spc_sync_t *s) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__StatusRequest st = SIMPEG__V1__STATUS_REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
  req.status = &st;
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  int rc = spc_sync_call(s, &req, &resp, &err);
  if (rc != 0 && rc != SPC_ESERVER) fail_msg("status failed: %s %s", spc_code_name(rc), err.detail);
  assert_non_null(resp);
  return resp;
}

/* Runs load until `n` more answers arrived. */
static void run_answers(load_t *l, long n) {
  long until = l->answered + n;
  while (l->answered < until) uv_run(&l->loop, UV_RUN_ONCE);
}

typedef struct pg_job {
  const char *action;
  volatile int done;
  int rc;
} pg_job_t;

static void *pg_thread(void *arg) {
  pg_job_t *j = arg;
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >/dev/null 2>&1", harness_env("SIMPEG_TEST_PGSQL_SH"), j->action,
           harness_env("SIMPEG_TEST_PGDIR"));
  j->rc = harness_sh(cmd);
  j->done = 1;
  return NULL;
}

/* Runs a pgsql.sh action in a thread while the load keeps going. */
static void pg_action_under_load(load_t *l, const char *action) {
  pg_job_t j = {.action = action};
  pthread_t t;
  pthread_create(&t, NULL, pg_thread, &j);
  while (!j.done) uv_run(&l->loop, UV_RUN_NOWAIT), usleep(1000);
  pthread_join(t, NULL);
  assert_int_equal(j.rc, 0);
}

static void postgres_restart_under_load_fails_cleanly_then_recovers_without_growth(void **state) {
  harness_require_env(true);
  alarm(600);
  /* The clients all come from 127.0.0.1, where other tests fail logins. */
  daemon_t d, d2;
  assert_true(daemon_start(&d, "[auth]\nsession_recheck_s = 3600\nthrottle_addr_failures = 100000\n"));
  assert_true(daemon_start(&d2, "[auth]\nsession_recheck_s = 0\nthrottle_addr_failures = 100000\n"));
  char user[64];
  const char *pw = "pg-restart-test-password";
  snprintf(user, sizeof(user), "pgrestart-%d", (int)getpid());
  assert_true(harness_create_user(user, pw, SIMPEG__V1__ROLE__ROLE_EMPLOYEE, NULL));

  load_t l = {.target_in_flight = 32};
  uv_loop_init(&l.loop);
  spc_options_t o;
  client_options(&o, &d);
  o.request_timeout_ms = 30000;
  spc_error_t err;
  l.client = spc_client_new(&l.loop, &o, &err);
  assert_non_null(l.client);
  assert_int_equal(client_login(l.client, user, pw), 0); /* once, while the database is up */
  issue(&l);
  spc_sync_t *rechecked = sync_open_as(&d2, user, pw);
  assert_non_null(rechecked);

  run_answers(&l, 20000); /* warm up: pool, buffers, allocator */
  long rss_before = daemon_rss_kib(&d);
  assert_true(l.db_ok > 0);

  pg_action_under_load(&l, "stop");
  long down_before = l.db_down;
  run_answers(&l, 500); /* while the database is away */
  assert_true(l.db_down > down_before);
  /* Status answers even without a database (the session is not due for
   * its re-check). */
  assert_int_equal(l.call_errors, 0);
  /* A session due for its re-check: the request fails, the session stays. */
  for (int i = 0; i < 3; i++) {
    Simpeg__V1__Response *r = sync_status(rechecked);
    assert_non_null(r->error);
    if (!((r->error->code == SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAVAILABLE &&
           strcmp(r->error->reason, "database_unavailable") == 0) ||
          (r->error->code == SIMPEG__V1__ERROR_CODE__ERROR_CODE_DEADLINE_EXCEEDED &&
           strcmp(r->error->reason, "database_timeout") == 0)))
      fail_msg("status with a due re-check in the outage: code %d reason '%s'", (int)r->error->code,
               r->error->reason);
    spc_response_free(r);
  }

  pg_action_under_load(&l, "start");
  /* The pool reconnects with back-off; keep going until it is back. */
  long ok_before = l.db_ok;
  for (int i = 0; i < 600 && l.db_ok == ok_before; i++) run_answers(&l, 32);
  assert_true(l.db_ok > ok_before);
  /* The re-checked connection is still signed in once d2's pool is back. */
  bool back = false;
  for (int i = 0; i < 300 && !back; i++) {
    Simpeg__V1__Response *r = sync_status(rechecked);
    if (r->error && r->error->code == SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED)
      fail_msg("the session was dropped: reason '%s'", r->error->reason);
    back = (!r->error || r->error->code == SIMPEG__V1__ERROR_CODE__ERROR_CODE_OK) &&
           r->result_case == SIMPEG__V1__RESPONSE__RESULT_STATUS && r->status->database_ok;
    spc_response_free(r);
    if (!back) spc_sync_sleep(rechecked, 100);
  }
  assert_true(back);
  spc_sync_close(rechecked);
  assert_int_equal(daemon_stop(&d2), 0);

  run_answers(&l, 20000);
  long rss_after = daemon_rss_kib(&d);
  fprintf(stderr, "answered=%ld ok=%ld down=%ld rss_before=%ldKiB rss_after=%ldKiB\n", l.answered, l.db_ok,
          l.db_down, rss_before, rss_after);
  /* Allocator noise is a few MiB at most; a leak per request would be far more. */
  assert_true(rss_after - rss_before < 16 * 1024);

  l.stop = true;
  while (l.in_flight > 0) uv_run(&l.loop, UV_RUN_ONCE);
  spc_client_close(l.client, NULL, NULL);
  uv_run(&l.loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&l.loop), 0);
  assert_int_equal(daemon_stop(&d), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(postgres_restart_under_load_fails_cleanly_then_recovers_without_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
