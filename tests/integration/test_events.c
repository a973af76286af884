/* Integration tests of pushed request events (issue #5;
 * docs/internals/documents.md, "Pushed events"): every committed timeline
 * row sends NOTIFY simpeg_request; each daemon's LISTEN connection routes
 * it, without a query, to the subscribed connections of the applicant and
 * of whoever now holds the request's step, whichever daemon they are
 * connected to. Two daemons share the database throughout.
 *
 * The lifecycle is driven with its database function (request_act) over
 * libpq and with document uploads over the protocol, so the events come
 * from commits made outside the daemons as well as through them. */
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "harness.h"

#define ROLE(x) SIMPEG__V1__ROLE__ROLE_##x
#define KIND(x) SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_##x
#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x
#define ETYPE(x) SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_##x
#define STATE(x) SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_##x
#define STEP(x) SIMPEG__V1__STEP_KIND__STEP_KIND_##x

#define PW "peristiwa-uji-sandi-1"
#define WAIT_MS 5000  /* an event that should come */
#define QUIET_MS 700  /* how long silence is awaited where none should come */

static daemon_t D1, D2;
static PGconn *PG;
static char T[8], t[8];
static int RUN_TMT_YEAR, RUN_TMT_MONTH, SEQ;
static spc_sync_t *ROOT, *EMP; /* EMP: not subscribed, for uploads (on D1) */
static const char *EMP_ID, *SUP_ID, *HR_ID, *EMP_SCOPE, *SUP_SCOPE, *HR_SCOPE;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}

#define office_add_ok harness_office_add_ok

static const char *employee_ok(const char *birth8, int sex, const char *name, const char *office) {
  const char *nip = fmt("%s%04d%02d%d%03d", birth8, RUN_TMT_YEAR, RUN_TMT_MONTH, sex, ++SEQ);
  harness_employee_add_ok(ROOT, nip, fmt("%.4s-%.2s-%.2s", birth8, birth8 + 4, birth8 + 6), sex, name, office);
  return nip;
}

static const char *user_id(const char *username) {
  return sql_text("SELECT id FROM users WHERE username = $1", 1, (const char *[]){username});
}
static const char *user_scope(const char *username) {
  return sql_text("SELECT o.path FROM users u JOIN offices o ON o.id = u.office_id WHERE u.username = $1", 1,
                  (const char *[]){username});
}

/* A subscribed connection of `user` to daemon d. */
static spc_sync_t *subscriber(const daemon_t *d, const char *user) {
  spc_sync_t *s = sync_open_as(d, user, PW);
  if (!s) fail_msg("cannot sign in as %s", user);
  char *topics[] = {"request"};
  Simpeg__V1__Subscribe m = SIMPEG__V1__SUBSCRIBE__INIT;
  m.topics = topics;
  m.n_topics = 1;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(SUBSCRIBE), &m);
  harness_expect_ok(r, RES(SUBSCRIBE));
  assert_int_equal(r->subscribe->n_topics, 1);
  assert_string_equal(r->subscribe->topics[0], "request");
  spc_response_free(r);
  return s;
}

/* The next event within ms about request `number` (others are skipped),
 * or NULL. The caller frees it. */
static Simpeg__V1__RequestNotice *next_about(spc_sync_t *s, const char *number, int ms) {
  for (;;) {
    Simpeg__V1__Event *ev = NULL;
    spc_error_t err;
    int rc = spc_sync_next_event(s, (uint32_t)ms, &ev, &err);
    if (rc == SPC_ETIMEDOUT) return NULL;
    if (rc != 0) fail_msg("waiting for an event: %s %s", spc_code_name(rc), err.detail);
    assert_string_equal(ev->topic, "request");
    assert_string_equal(ev->entity, "request");
    assert_true(ev->time_us > 0);
    Simpeg__V1__RequestNotice *n = simpeg__v1__request_notice__unpack(NULL, ev->payload.len, ev->payload.data);
    assert_non_null(n);
    assert_string_equal(ev->entity_id, n->number);
    simpeg__v1__event__free_unpacked(ev, NULL);
    if (strcmp(n->number, number) == 0) return n;
    simpeg__v1__request_notice__free_unpacked(n, NULL);
  }
}

/* Expects the next event about `number` to be `action` leaving it in
 * `state` at `step` (`kind`). */
static void expect_event(spc_sync_t *s, const char *number, const char *action, int state, unsigned step, int kind) {
  Simpeg__V1__RequestNotice *n = next_about(s, number, WAIT_MS);
  if (!n) fail_msg("no '%s' event about %s within %d ms", action, number, WAIT_MS);
  if (strcmp(n->action, action) != 0) fail_msg("expected '%s' event, got '%s'", action, n->action);
  assert_string_equal(n->service, "KOREKSI");
  assert_int_equal(n->state, state);
  assert_int_equal(n->current_step, step);
  assert_int_equal(n->step_kind, kind);
  assert_true(strstr(n->summary, "phone") != NULL);
  simpeg__v1__request_notice__free_unpacked(n, NULL);
}

static void expect_quiet(spc_sync_t *s, const char *number) {
  Simpeg__V1__RequestNotice *n = next_about(s, number, QUIET_MS);
  if (n) fail_msg("unexpected '%s' event about %s", n->action, n->number);
}

/* A fresh draft correction of EMP's phone; returns its number. */
static const char *new_draft(void) {
  static int k;
  const char *phone = fmt("0813%07d", (int)(getpid() % 1000) * 1000 + ++k);
  const char *id = sql_text("SELECT request_id FROM correction_request_create($1::bigint, 1::smallint, $2, '', '',"
                            " ARRAY['phone'], ARRAY[$3::text], 'nomor telepon berganti', true, NULL)",
                            3, (const char *[]){EMP_ID, EMP_SCOPE, phone});
  return sql_text("SELECT number FROM requests WHERE id = $1::bigint", 1, (const char *[]){id});
}

/* The evidence the correction needs before it can be submitted, uploaded
 * through D1. */
static void attach_evidence(const char *number) {
  uint8_t d[600];
  memcpy(d, "%PDF-1.4\n", 9);
  for (size_t i = 9; i < sizeof(d); i++) d[i] = (uint8_t)(i * 7);
  uint8_t sha[32];
  unsigned len = 0;
  EVP_Digest(d, sizeof(d), sha, &len, EVP_sha256(), NULL);
  Simpeg__V1__DocumentUploadBegin b = SIMPEG__V1__DOCUMENT_UPLOAD_BEGIN__INIT;
  b.request_number = (char *)number;
  b.kind = "bukti_koreksi";
  b.filename = "bukti.pdf";
  b.size = sizeof(d);
  b.sha256.data = sha;
  b.sha256.len = 32;
  Simpeg__V1__Response *r = harness_rpc(EMP, CALL(DOCUMENT_UPLOAD_BEGIN), &b);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_BEGIN));
  uint64_t id = r->document_upload_begin->upload_id;
  spc_response_free(r);
  Simpeg__V1__DocumentUploadChunk c = SIMPEG__V1__DOCUMENT_UPLOAD_CHUNK__INIT;
  c.upload_id = id;
  c.data.data = d;
  c.data.len = sizeof(d);
  r = harness_rpc(EMP, CALL(DOCUMENT_UPLOAD_CHUNK), &c);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  Simpeg__V1__DocumentUploadFinish f = SIMPEG__V1__DOCUMENT_UPLOAD_FINISH__INIT;
  f.upload_id = id;
  r = harness_rpc(EMP, CALL(DOCUMENT_UPLOAD_FINISH), &f);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
  spc_response_free(r);
}

/* request_act as a user, committed on its own. */
static void act(const char *number, const char *uid, int role, const char *scope, const char *action) {
  PQclear(sql("SELECT request_act($1, $2::bigint, $3::smallint, $4, '', $5, '', 0, NULL, NULL, NULL)", 5,
              (const char *[]){number, uid, fmt("%d", role), scope, action}));
}

/* ---- setup ---- */

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  RUN_TMT_YEAR = 1995 + rand() % 25;
  RUN_TMT_MONTH = 1 + rand() % 12;
  SEQ = rand() % 500;
  const char *ini = "[auth]\nthrottle_addr_failures = 100000\n";
  if (!daemon_start(&D1, ini) || !daemon_start(&D2, ini)) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  if (!harness_create_user(un("root"), PW, ROLE(SYSTEM_ADMIN), NULL)) return -1;
  ROOT = sync_open_as(&D1, un("root"), PW);
  if (!ROOT) return -1;
  office_add_ok(ROOT, oc("12"), "Provinsi Sumatera Utara", KIND(PROVINCE), "ID");
  office_add_ok(ROOT, oc("12.75"), "Kota Binjai", KIND(CITY), oc("12"));
  office_add_ok(ROOT, oc("16"), "Provinsi Sumatera Selatan", KIND(PROVINCE), "ID");
  const char *e = employee_ok("19850310", 1, "Budi Pemohon", oc("12.75"));
  const char *s = employee_ok("19750512", 2, "Siti Atasan", oc("12.75"));
  if (!harness_create_user(un("emp"), PW, ROLE(EMPLOYEE), oc("12.75")) ||
      !harness_create_user(un("sup"), PW, ROLE(SUPERVISOR), oc("12.75")) ||
      !harness_create_user(un("hr"), PW, ROLE(HR_OFFICER), oc("12.75")) ||
      !harness_create_user(un("hr-far"), PW, ROLE(HR_OFFICER), oc("16")) ||
      !harness_create_user(un("other"), PW, ROLE(EMPLOYEE), oc("12.75")))
    return -1;
  PQclear(sql("UPDATE users SET nip = $2 WHERE username = $1", 2, (const char *[]){un("emp"), e}));
  PQclear(sql("UPDATE users SET nip = $2 WHERE username = $1", 2, (const char *[]){un("sup"), s}));
  PQclear(sql("UPDATE employees SET supervisor_id = (SELECT id FROM employees WHERE nip = $2) WHERE nip = $1", 2,
              (const char *[]){e, s}));
  /* Corrections of this city go to the supervisor, then HR. */
  PQclear(sql("INSERT INTO approval_chains (office_id, service, steps)"
              " SELECT id, 'KOREKSI', '{supervisor,verifier}' FROM offices WHERE code = $1",
              1, (const char *[]){oc("12.75")}));
  EMP_ID = user_id(un("emp"));
  SUP_ID = user_id(un("sup"));
  HR_ID = user_id(un("hr"));
  EMP_SCOPE = user_scope(un("emp"));
  SUP_SCOPE = user_scope(un("sup"));
  HR_SCOPE = user_scope(un("hr"));
  EMP = sync_open_as(&D1, un("emp"), PW);
  return EMP ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  if (ROOT) spc_sync_close(ROOT);
  if (EMP) spc_sync_close(EMP);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc1 = daemon_stop(&D1), rc2 = daemon_stop(&D2);
  if (rc1 || rc2) fprintf(stderr, "simpegd exited with %d / %d; see %s, %s\n", rc1, rc2, D1.log, D2.log);
  return rc1 == 0 && rc2 == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void events_reach_the_applicant_and_the_next_holder(void **state) {
  (void)state;
  spc_sync_t *emp = subscriber(&D1, un("emp"));
  spc_sync_t *sup = subscriber(&D2, un("sup"));
  spc_sync_t *hr = subscriber(&D1, un("hr"));
  spc_sync_t *far = subscriber(&D2, un("hr-far"));
  spc_sync_t *other = subscriber(&D2, un("other"));
  const char *number = new_draft();
  expect_event(emp, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  attach_evidence(number);
  expect_event(emp, number, "document", STATE(DRAFT), 0, STEP(UNSPECIFIED));

  /* Submitted: it now waits for the supervisor (named), not for HR. */
  act(number, EMP_ID, 1, EMP_SCOPE, "submit");
  expect_event(emp, number, "submit", STATE(SUBMITTED), 1, STEP(SUPERVISOR));
  expect_event(sup, number, "submit", STATE(SUBMITTED), 1, STEP(SUPERVISOR));
  /* Approved by the supervisor: it now waits for any HR officer whose
   * subtree holds the office. */
  act(number, SUP_ID, 2, SUP_SCOPE, "approve");
  expect_event(emp, number, "approve", STATE(SUBMITTED), 2, STEP(VERIFIER));
  expect_event(hr, number, "approve", STATE(SUBMITTED), 2, STEP(VERIFIER));
  /* Verified and decided by HR: back to the applicant only. */
  act(number, HR_ID, 3, HR_SCOPE, "approve");
  expect_event(emp, number, "approve", STATE(APPROVED), 0, STEP(UNSPECIFIED));

  /* Nobody else heard anything: the supervisor only while holding it, HR
   * only once it reached HR, HR of another province and an unrelated
   * colleague never. */
  expect_quiet(sup, number);
  expect_quiet(hr, number);
  expect_quiet(far, number);
  expect_quiet(other, number);
  expect_quiet(emp, number);
  spc_sync_t *all[] = {emp, sup, hr, far, other};
  for (size_t i = 0; i < 5; i++) spc_sync_close(all[i]);
}

static void events_cross_daemons(void **state) {
  (void)state;
  /* The same person on both daemons; the change goes through D1. */
  spc_sync_t *on1 = subscriber(&D1, un("emp"));
  spc_sync_t *on2 = subscriber(&D2, un("emp"));
  const char *number = new_draft();
  expect_event(on1, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  expect_event(on2, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  attach_evidence(number); /* through D1 */
  expect_event(on1, number, "document", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  expect_event(on2, number, "document", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  spc_sync_close(on1);
  spc_sync_close(on2);
}

/* Events wait in an outbox until a daemon's flusher sends them (migration
 * 0015); both daemons flush, and each event still goes out once: each
 * subscriber sees it once, and the outbox is left empty. */
static void an_event_is_pushed_once_whichever_daemon_sends_it(void **state) {
  (void)state;
  spc_sync_t *on1 = subscriber(&D1, un("emp"));
  spc_sync_t *on2 = subscriber(&D2, un("emp"));
  for (int i = 0; i < 3; i++) {
    const char *number = new_draft(); /* through SQL: no daemon made it */
    expect_event(on1, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
    expect_event(on2, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
    expect_quiet(on1, number);
    expect_quiet(on2, number);
    assert_int_equal(harness_sql_int(PG, "SELECT count(*) FROM request_notify_outbox WHERE strpos(payload, $1) > 0",
                                     1, (const char *[]){number}),
                     0);
  }
  spc_sync_close(on1);
  spc_sync_close(on2);
}

static void a_transaction_announces_only_its_last_change_of_a_request(void **state) {
  (void)state;
  spc_sync_t *emp = subscriber(&D2, un("emp"));
  const char *number = new_draft();
  expect_event(emp, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  /* Two timeline rows in one transaction: the earlier one describes a
   * state already gone by the commit, so only the last is announced. */
  PGresult *r = PQexec(PG, "BEGIN");
  PQclear(r);
  const char *q = "INSERT INTO request_events (request_id, actor_user_id, action, from_state, to_state)"
                  " SELECT id, $2::bigint, $3, 1, 1 FROM requests WHERE number = $1";
  PQclear(sql(q, 3, (const char *[]){number, EMP_ID, "document"}));
  PQclear(sql(q, 3, (const char *[]){number, EMP_ID, "cancel"}));
  r = PQexec(PG, "COMMIT");
  PQclear(r);
  expect_event(emp, number, "cancel", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  expect_quiet(emp, number);
  /* A rolled-back change announces nothing. */
  PQclear(PQexec(PG, "BEGIN"));
  PQclear(sql(q, 3, (const char *[]){number, EMP_ID, "document"}));
  PQclear(PQexec(PG, "ROLLBACK"));
  expect_quiet(emp, number);
  spc_sync_close(emp);
}

/* The LISTEN connection's application_name: "simpegd-listen/<instance id>". */
static const char *listen_name(const daemon_t *d) {
  spc_sync_t *s = sync_open_as(d, un("emp"), PW);
  if (!s) fail_msg("cannot sign in");
  Simpeg__V1__StatusRequest m = SIMPEG__V1__STATUS_REQUEST__INIT;
  Simpeg__V1__Response *r = harness_rpc(s, SIMPEG__V1__REQUEST__CALL_STATUS, &m);
  harness_expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_STATUS);
  const char *name = fmt("simpegd-listen/%s", r->status->instance_id);
  spc_response_free(r);
  spc_sync_close(s);
  return name;
}

static void events_resume_after_the_listen_connection_is_lost(void **state) {
  (void)state;
  spc_sync_t *emp = subscriber(&D1, un("emp"));
  /* Only this program's two daemons: other test programs share the database. */
  const char *names = fmt("%s,%s", listen_name(&D1), listen_name(&D2));
  const char *before = sql_text("SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity"
                                " WHERE application_name = ANY (string_to_array($1, ','))",
                                1, (const char *[]){names});
  assert_true(*before);
  PQclear(sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
              " WHERE application_name = ANY (string_to_array($1, ','))",
              1, (const char *[]){names}));
  /* Both daemons reconnect with backoff (starting at 100 ms). */
  const char *after = "";
  for (int i = 0; i < 100; i++) {
    usleep(100 * 1000);
    after = sql_text("SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY (string_to_array($2, ','))"
                     " AND NOT (pid::text = ANY (string_to_array($1, ',')))",
                     2, (const char *[]){before, names});
    if (strcmp(after, "2") == 0) break;
  }
  if (strcmp(after, "2") != 0) fail_msg("%s listen connection(s) came back; see %s and %s", after, D1.log, D2.log);
  usleep(200 * 1000); /* LISTEN is the first thing sent; give it its round trip */
  const char *number = new_draft();
  expect_event(emp, number, "create", STATE(DRAFT), 0, STEP(UNSPECIFIED));
  assert_true(daemon_log_contains(&D1, "listen: connection lost"));
  spc_sync_close(emp);
}

static void subscribe_needs_a_known_topic(void **state) {
  (void)state;
  spc_sync_t *s = sync_open_as(&D1, un("other"), PW);
  assert_non_null(s);
  Simpeg__V1__Subscribe m = SIMPEG__V1__SUBSCRIBE__INIT;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(SUBSCRIBE), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), "invalid_field");
  assert_string_equal(r->error->violations[0]->field, "topics");
  assert_string_equal(r->error->violations[0]->reason, "required");
  spc_response_free(r);
  char *topics[] = {"request", "leave"};
  m.topics = topics;
  m.n_topics = 2;
  r = harness_rpc(s, CALL(SUBSCRIBE), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), "invalid_field");
  assert_string_equal(r->error->violations[0]->reason, "unknown_topic");
  spc_response_free(r);
  spc_sync_close(s);
}

static void cli_watch_prints_events_as_they_come(void **state) {
  (void)state;
  if (!harness_env("SIMPEG_TEST_SIMPEG")) skip();
  /* `simpeg watch --count 2 --timeout 20` runs in the background while the
   * request moves; its output is read when it has exited. */
  harness_ws_t w;
  assert_true(harness_ws_init(&w, &D2));
  harness_ws_login(&w, un("emp"), PW);
  const char *out = fmt("%s/watch.out", w.dir);
  const char *cmd = fmt("XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s LC_ALL=C.UTF-8 LANGUAGE=C %s watch --count 2 --timeout 20"
                        " --output json > %s 2>&1 & echo $! > %s/pid",
                        w.config_home, w.state_home, harness_env("SIMPEG_TEST_SIMPEG"), out, w.dir);
  assert_int_equal(harness_sh(cmd), 0);
  /* The same in words (a table line an event), alongside. */
  const char *out2 = fmt("%s/watch2.out", w.dir);
  assert_int_equal(harness_sh(fmt("XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s LC_ALL=C.UTF-8 LANGUAGE=C %s watch --count 2"
                                  " --timeout 20 > %s 2>&1 & echo $! > %s/pid2",
                                  w.config_home, w.state_home, harness_env("SIMPEG_TEST_SIMPEG"), out2, w.dir)),
                   0);
  /* The table one says when it has subscribed; the JSON one started
   * first and does the same work. */
  bool waiting = false;
  for (int i = 0; i < 200 && !waiting; i++) {
    usleep(100 * 1000);
    waiting = harness_sh(fmt("grep -q 'Waiting for request events' %s", out2)) == 0;
  }
  assert_true(waiting);
  usleep(500 * 1000);
  const char *number = new_draft();
  attach_evidence(number);
  /* Wait for it to finish by itself (two events). */
  int rc = -1;
  for (int i = 0; i < 100 && rc != 0; i++) {
    usleep(100 * 1000);
    rc = harness_sh(fmt("! kill -0 $(cat %s/pid) 2>/dev/null && ! kill -0 $(cat %s/pid2) 2>/dev/null", w.dir, w.dir));
  }
  assert_int_equal(rc, 0);
  FILE *f = fopen(out, "r");
  assert_non_null(f);
  char buf[4096] = "";
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_in(buf, fmt("\"number\":\"%s\"", number));
  assert_in(buf, "\"action\":\"create\"");
  assert_in(buf, "\"action\":\"document\"");
  assert_in(buf, "\"state\":\"draft\"");
  f = fopen(out2, "r");
  assert_non_null(f);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_in(buf, "Waiting for request events");
  assert_in(buf, fmt("%s  created by %s -> draft", number, un("emp")));
  assert_in(buf, fmt("%s  document added by %s -> draft", number, un("emp")));
  assert_in(buf, "perbaikan data: phone");
  harness_ws_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(events_reach_the_applicant_and_the_next_holder),
      cmocka_unit_test(events_cross_daemons),
      cmocka_unit_test(an_event_is_pushed_once_whichever_daemon_sends_it),
      cmocka_unit_test(a_transaction_announces_only_its_last_change_of_a_request),
      cmocka_unit_test(events_resume_after_the_listen_connection_is_lost),
      cmocka_unit_test(subscribe_needs_a_known_topic),
      cmocka_unit_test(cli_watch_prints_events_as_they_come),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
