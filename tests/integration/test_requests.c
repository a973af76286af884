/* Integration tests of the request lifecycle (issue #5): the state machine
 * and who may act (request_act, 0006_requests.sql), approval chains and
 * their inheritance, the inbox, the timeline, idempotent filing, optimistic
 * concurrency, two approvers at once, and data corrections (KOREKSI), which
 * change the record only when approved. Each test is named after the rule
 * it checks.
 *
 * Each run builds its own offices (codes carry a per-run tag) and NIPs:
 *
 *   ID
 *   ├── <T>-12 ── <T>-12.75 (Kota Binjai) ─┬─ <T>-12.75.DINAS ── <T>-12.75.DINAS.U
 *   │                                       └─ <T>-12.75.RSUD
 *   └── <T>-16 ── <T>-16.71 (Kota Palembang)
 *
 * DINAS has a KOREKSI chain supervisor -> verifier -> official; RSUD uses
 * the default (verifier). Evidence documents are written straight into the
 * documents table (the upload protocol is tested with the documents). */
#include <pthread.h>
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
#define ACT(x) SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_##x
#define STATE(x) SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_##x
#define STEP(x) SIMPEG__V1__STEP_KIND__STEP_KIND_##x
#define MALE SIMPEG__V1__SEX__SEX_MALE
#define FEMALE SIMPEG__V1__SEX__SEX_FEMALE

static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int RUN_TMT_YEAR, RUN_TMT_MONTH, SEQ;
static const char *PW = "requests-test-password";

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }

static void expect_violation(const Simpeg__V1__Response *r, int code, const char *field, const char *why) {
  if (!r->error || (int)r->error->code != code) fail_msg("expected code %d, got %d", code, r->error ? (int)r->error->code : 0);
  for (size_t i = 0; i < r->error->n_violations; i++)
    if (strcmp(r->error->violations[i]->field, field) == 0 && strcmp(r->error->violations[i]->reason, why) == 0)
      return;
  char got[512] = "";
  for (size_t i = 0; i < r->error->n_violations; i++)
    snprintf(got + strlen(got), sizeof(got) - strlen(got), " %s/%s", r->error->violations[i]->field,
             r->error->violations[i]->reason);
  fail_msg("expected violation %s/%s, got (reason %s)%s", field, why, r->error->reason, got);
}

/* ---- people and offices ---- */

static spc_sync_t *ROOT, *HR, *HR2, *HR_PLG, *ADM, *AUD, *EMP, *EMP2, *BOSS, *BOSS2, *LONE, *RSUD, *UNIT;
/* NIPs: EMP and EMP2 work in DINAS under BOSS; BOSS2 is another
 * supervisor; RSUD_EMP in RSUD; LONE_NIP has no supervisor. */
static const char *EMP_NIP, *EMP2_NIP, *BOSS_NIP, *BOSS2_NIP, *RSUD_NIP, *UNIT_NIP, *LONE_NIP;
static const char *EMP_BIRTH = "1990-05-17";

#define office_add_ok harness_office_add_ok

/* A PNS record born `birth` ("YYYY-MM-DD") in `office`; returns the NIP. */
static const char *employee_add_ok(const char *name, const char *birth, int sex, const char *office) {
  const char *nip = fmt("%.4s%.2s%.2s%04d%02d%d%03d", birth, birth + 5, birth + 8, RUN_TMT_YEAR, RUN_TMT_MONTH, sex,
                        ++SEQ);
  harness_employee_add_ok(HR, nip, birth, sex, name, office);
  return nip;
}

/* EmployeeEdit with only the supervisor changed (the real path). */
static Simpeg__V1__Response *set_supervisor(spc_sync_t *s, const char *nip, const char *sup) {
  Simpeg__V1__EmployeeShow sh = SIMPEG__V1__EMPLOYEE_SHOW__INIT;
  sh.nip = (char *)nip;
  Simpeg__V1__Response *cur = harness_rpc(s, CALL(EMPLOYEE_SHOW), &sh);
  harness_expect_ok(cur, RES(EMPLOYEE_SHOW));
  Simpeg__V1__Employee e = *cur->employee_show->profile->employee;
  e.supervisor_nip = (char *)sup;
  e.nik = "";
  Simpeg__V1__EmployeeEdit m = SIMPEG__V1__EMPLOYEE_EDIT__INIT;
  m.employee = &e;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(EMPLOYEE_EDIT), &m);
  spc_response_free(cur);
  return r;
}

static spc_sync_t *account(const char *user, int role, const char *office, const char *nip) {
  Simpeg__V1__UserAdd m = SIMPEG__V1__USER_ADD__INIT;
  m.username = (char *)user;
  m.full_name = (char *)fmt("Pengguna %s", user);
  m.role = role;
  m.office_code = (char *)office;
  m.nip = (char *)(nip ? nip : "");
  m.password = (char *)PW;
  Simpeg__V1__Response *r = harness_rpc(ROOT, CALL(USER_ADD), &m);
  harness_expect_ok(r, RES(USER_ADD));
  spc_response_free(r);
  spc_sync_t *s = sync_open_as(&D, user, PW);
  if (!s) fail_msg("cannot sign in as %s", user);
  return s;
}

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  RUN_TMT_YEAR = 2010 + rand() % 10;
  RUN_TMT_MONTH = 1 + rand() % 12;
  SEQ = rand() % 500;
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  const char *root = un("root");
  if (!harness_create_user(root, PW, ROLE(SYSTEM_ADMIN), NULL)) return -1;
  if (!(ROOT = sync_open_as(&D, root, PW))) return -1;
  office_add_ok(ROOT, oc("12"), "Provinsi Sumatera Utara", KIND(PROVINCE), "ID");
  office_add_ok(ROOT, oc("12.75"), "Kota Binjai", KIND(CITY), oc("12"));
  office_add_ok(ROOT, oc("12.75.DINAS"), "Dinas Pendidikan", KIND(AGENCY), oc("12.75"));
  office_add_ok(ROOT, oc("12.75.DINAS.U"), "Bidang SMP", KIND(UNIT), oc("12.75.DINAS"));
  office_add_ok(ROOT, oc("12.75.RSUD"), "RSUD Djoelham", KIND(AGENCY), oc("12.75"));
  office_add_ok(ROOT, oc("16"), "Provinsi Sumatera Selatan", KIND(PROVINCE), "ID");
  office_add_ok(ROOT, oc("16.71"), "Kota Palembang", KIND(CITY), oc("16"));
  HR = account(un("hr"), ROLE(HR_OFFICER), oc("12.75"), NULL);
  HR2 = account(un("hr2"), ROLE(HR_OFFICER), oc("12.75"), NULL);
  HR_PLG = account(un("hr-plg"), ROLE(HR_OFFICER), oc("16.71"), NULL);
  ADM = account(un("adm"), ROLE(REGIONAL_ADMIN), oc("12.75"), NULL);
  AUD = account(un("aud"), ROLE(AUDITOR), oc("12.75"), NULL);
  EMP_NIP = employee_add_ok("Siti Aminah", EMP_BIRTH, FEMALE, oc("12.75.DINAS"));
  EMP2_NIP = employee_add_ok("Rudi Hartono", "1988-02-03", MALE, oc("12.75.DINAS"));
  BOSS_NIP = employee_add_ok("Bonar Sitompul", "1975-03-04", MALE, oc("12.75.DINAS"));
  BOSS2_NIP = employee_add_ok("Lestari Ginting", "1978-06-07", FEMALE, oc("12.75.DINAS"));
  RSUD_NIP = employee_add_ok("Andi Saputra", "1992-08-09", MALE, oc("12.75.RSUD"));
  UNIT_NIP = employee_add_ok("Maria Sinaga", "1993-10-11", FEMALE, oc("12.75.DINAS.U"));
  LONE_NIP = employee_add_ok("Yusuf Lubis", "1985-12-13", MALE, oc("12.75.DINAS"));
  const char *supervised[] = {EMP_NIP, EMP2_NIP, UNIT_NIP};
  for (size_t i = 0; i < 3; i++) {
    Simpeg__V1__Response *r = set_supervisor(HR, supervised[i], BOSS_NIP);
    harness_expect_ok(r, RES(EMPLOYEE_EDIT));
    assert_string_equal(r->employee_edit->employee->supervisor_nip, BOSS_NIP);
    spc_response_free(r);
  }
  EMP = account(un("emp"), ROLE(EMPLOYEE), oc("12.75.DINAS"), EMP_NIP);
  EMP2 = account(un("emp2"), ROLE(EMPLOYEE), oc("12.75.DINAS"), EMP2_NIP);
  BOSS = account(un("boss"), ROLE(SUPERVISOR), oc("12.75.DINAS"), BOSS_NIP);
  BOSS2 = account(un("boss2"), ROLE(SUPERVISOR), oc("12.75.DINAS"), BOSS2_NIP);
  LONE = account(un("lone"), ROLE(EMPLOYEE), oc("12.75.DINAS"), LONE_NIP);
  RSUD = account(un("rsud"), ROLE(EMPLOYEE), oc("12.75.RSUD"), RSUD_NIP);
  UNIT = account(un("unit"), ROLE(EMPLOYEE), oc("12.75.DINAS.U"), UNIT_NIP);
  /* DINAS: supervisor -> verifier -> official (any regional admin). */
  Simpeg__V1__StepKind steps[] = {STEP(SUPERVISOR), STEP(VERIFIER), STEP(OFFICIAL)};
  Simpeg__V1__ApprovalChain c = SIMPEG__V1__APPROVAL_CHAIN__INIT;
  c.office_code = (char *)oc("12.75.DINAS");
  c.service = "KOREKSI";
  c.steps = steps;
  c.n_steps = 3;
  Simpeg__V1__ChainSet m = SIMPEG__V1__CHAIN_SET__INIT;
  m.chain = &c;
  Simpeg__V1__Response *r = harness_rpc(ADM, CALL(CHAIN_SET), &m);
  harness_expect_ok(r, RES(CHAIN_SET));
  spc_response_free(r);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  spc_sync_t *all[] = {ROOT, HR, HR2, HR_PLG, ADM, AUD, EMP, EMP2, BOSS, BOSS2, LONE, RSUD, UNIT};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]) spc_sync_close(all[i]);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

/* ---- calls ---- */

static Simpeg__V1__Response *correction(spc_sync_t *s, const char *nip, const char *field, const char *value,
                                        bool draft, const char *key) {
  Simpeg__V1__FieldChange c = SIMPEG__V1__FIELD_CHANGE__INIT;
  c.field = (char *)field;
  c.new_value = (char *)value;
  Simpeg__V1__FieldChange *cp = &c;
  Simpeg__V1__CorrectionDetails d = SIMPEG__V1__CORRECTION_DETAILS__INIT;
  d.changes = &cp;
  d.n_changes = 1;
  d.reason = "salah ketik pada data awal";
  Simpeg__V1__CorrectionSubmit m = SIMPEG__V1__CORRECTION_SUBMIT__INIT;
  m.nip = (char *)(nip ? nip : "");
  m.correction = &d;
  m.draft = draft;
  m.idempotency_key = (char *)(key ? key : "");
  return harness_rpc(s, CALL(CORRECTION_SUBMIT), &m);
}

/* The evidence of a request, as a finished upload leaves it. */
static void add_evidence(const char *number) {
  PQclear(sql("INSERT INTO documents (request_id, kind, filename, content_type, size_bytes, sha256, content, uploaded_by)"
              " SELECT r.id, 'bukti_koreksi', 'ktp.pdf', 'application/pdf', 8, sha256('%PDF-1.4'::bytea),"
              " '%PDF-1.4'::bytea, r.created_by FROM requests r WHERE r.number = $1",
              1, (const char *[]){number}));
}

static Simpeg__V1__Response *act_v(spc_sync_t *s, const char *number, int action, const char *comment,
                                   int64_t version) {
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)number;
  m.action = action;
  m.comment = (char *)(comment ? comment : "");
  m.version = version;
  return harness_rpc(s, CALL(REQUEST_ACT), &m);
}
static Simpeg__V1__Response *act(spc_sync_t *s, const char *number, int action, const char *comment) {
  return act_v(s, number, action, comment, 0);
}

static void act_ok(spc_sync_t *s, const char *number, int action, const char *comment, int want_state) {
  Simpeg__V1__Response *r = act(s, number, action, comment);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->state, want_state);
  spc_response_free(r);
}

static void act_err(spc_sync_t *s, const char *number, int action, const char *comment, int code, const char *reason) {
  Simpeg__V1__Response *r = act(s, number, action, comment);
  harness_expect_err(r, code, reason);
  spc_response_free(r);
}

static Simpeg__V1__Response *show(spc_sync_t *s, const char *number) {
  Simpeg__V1__RequestShow m = SIMPEG__V1__REQUEST_SHOW__INIT;
  m.number = (char *)number;
  return harness_rpc(s, CALL(REQUEST_SHOW), &m);
}

/* A submitted correction of EMP's record by EMP (draft, evidence, submit). */
static const char *submitted_correction(spc_sync_t *s, const char *nip, const char *field, const char *value) {
  Simpeg__V1__Response *r = correction(s, nip, field, value, true, NULL);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const char *number = fmt("%s", r->correction_submit->request->number);
  assert_int_equal(r->correction_submit->request->state, STATE(DRAFT));
  spc_response_free(r);
  add_evidence(number);
  act_ok(s, number, ACT(SUBMIT), NULL, STATE(SUBMITTED));
  return number;
}

static long long state_of(const char *number) {
  return sql_int("SELECT state FROM requests WHERE number = $1", 1, (const char *[]){number});
}
static long long version_of(const char *number) {
  return sql_int("SELECT version FROM requests WHERE number = $1", 1, (const char *[]){number});
}
static long long events_of(const char *number) {
  return sql_int("SELECT count(*) FROM request_events v JOIN requests r ON r.id = v.request_id WHERE r.number = $1", 1,
                 (const char *[]){number});
}
static const char *employee_col(const char *nip, const char *col) {
  return sql_text(fmt("SELECT coalesce(%s::text, '') FROM employees WHERE nip = $1", col), 1, (const char *[]){nip});
}

static bool in_list(const Simpeg__V1__RequestListReply *l, const char *number) {
  for (size_t i = 0; i < l->n_requests; i++)
    if (strcmp(l->requests[i]->number, number) == 0) return true;
  return false;
}

static bool in_inbox(spc_sync_t *s, const char *number) {
  Simpeg__V1__Inbox m = SIMPEG__V1__INBOX__INIT;
  m.limit = 500;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(INBOX), &m);
  harness_expect_ok(r, RES(INBOX));
  bool found = in_list(r->inbox, number);
  spc_response_free(r);
  return found;
}

/* ---- the lifecycle ---- */

static void return_and_resubmit_goes_through_the_chain_again(void **state) {
  (void)state;
  Simpeg__V1__Response *r = correction(EMP, NULL, "birth_place", "Binjai", true, NULL);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const Simpeg__V1__ServiceRequest *q = r->correction_submit->request;
  const char *number = fmt("%s", q->number);
  assert_int_equal(q->state, STATE(DRAFT));
  /* A draft says what is missing before it can go. */
  assert_int_equal(q->n_missing, 1);
  assert_string_equal(q->missing[0], "bukti_koreksi");
  spc_response_free(r);
  act_err(EMP, number, ACT(SUBMIT), NULL, ERR(FAILED_PRECONDITION), "documents_missing");
  assert_int_equal(state_of(number), STATE(DRAFT));
  add_evidence(number);
  act_ok(EMP, number, ACT(SUBMIT), NULL, STATE(SUBMITTED));

  r = show(EMP, number);
  harness_expect_ok(r, RES(REQUEST_SHOW));
  q = r->request_show->request;
  assert_int_equal(q->current_step, 1);
  assert_int_equal(q->n_steps, 3);
  assert_int_equal(q->steps[0]->kind, STEP(SUPERVISOR));
  assert_string_equal(q->steps[0]->holder_username, un("boss"));
  assert_int_equal(q->steps[1]->kind, STEP(VERIFIER));
  assert_string_equal(q->steps[1]->holder_username, "");
  assert_string_equal(q->steps[1]->holder_office_code, oc("12.75.DINAS"));
  assert_int_equal(q->n_missing, 0);
  assert_int_equal(q->n_documents, 1);
  assert_int_equal(q->documents[0]->sha256.len, 32);
  spc_response_free(r);

  act_ok(BOSS, number, ACT(APPROVE), "setuju", STATE(SUBMITTED));
  act_ok(HR, number, ACT(RETURN), "lampirkan akta kelahiran", STATE(RETURNED));
  r = show(EMP, number);
  harness_expect_ok(r, RES(REQUEST_SHOW));
  assert_int_equal(r->request_show->request->current_step, 0);
  spc_response_free(r);
  /* Returned: nobody in the chain may act until it is resubmitted. */
  act_err(HR, number, ACT(APPROVE), NULL, ERR(FAILED_PRECONDITION), "invalid_state");

  act_ok(EMP, number, ACT(SUBMIT), NULL, STATE(SUBMITTED));
  r = show(EMP, number);
  harness_expect_ok(r, RES(REQUEST_SHOW));
  q = r->request_show->request;
  /* Back at the supervisor, every step open again. */
  assert_int_equal(q->current_step, 1);
  for (size_t i = 0; i < q->n_steps; i++) assert_string_equal(q->steps[i]->acted_by, "");
  spc_response_free(r);
  act_err(HR, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder");
  act_ok(BOSS, number, ACT(APPROVE), NULL, STATE(SUBMITTED));
  act_ok(HR2, number, ACT(APPROVE), NULL, STATE(VERIFIED));
  assert_string_equal(employee_col(EMP_NIP, "birth_place"), "");
  act_ok(ADM, number, ACT(APPROVE), NULL, STATE(APPROVED));
  assert_string_equal(employee_col(EMP_NIP, "birth_place"), "Binjai");
  assert_int_equal(sql_int("SELECT count(*) FROM request_events v JOIN requests r ON r.id = v.request_id"
                           " WHERE r.number = $1 AND v.action = 'approve' AND v.step_no = 1",
                           1, (const char *[]){number}),
                   2);
}

/* Two HR officers approve the same verifier step at the same moment. */
typedef struct racer {
  spc_sync_t *s;
  const char *number;
  pthread_barrier_t *go;
  int code; /* 0 = OK, else the error code */
  char reason[64];
} racer_t;

static void *race(void *arg) {
  racer_t *x = arg;
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)x->number;
  m.action = ACT(APPROVE);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = CALL(REQUEST_ACT);
  req.request_act = &m;
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  pthread_barrier_wait(x->go);
  int rc = spc_sync_call(x->s, &req, &resp, &err);
  x->code = -1;
  if (resp) {
    x->code = resp->error ? (int)resp->error->code : 0;
    snprintf(x->reason, sizeof(x->reason), "%s", resp->error ? resp->error->reason : "");
    spc_response_free(resp);
  } else {
    snprintf(x->reason, sizeof(x->reason), "transport %d", rc);
  }
  return NULL;
}

static void two_approvers_at_once_exactly_one_wins(void **state) {
  (void)state;
  const int rounds = 12;
  spc_sync_t *rsud = RSUD;
  for (int i = 0; i < rounds; i++) {
    const char *phone = fmt("0812%07d", i);
    const char *number = submitted_correction(rsud, NULL, "phone", phone);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    racer_t a = {.s = HR, .number = number, .go = &go}, b = {.s = HR2, .number = number, .go = &go};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, race, &a);
    pthread_create(&tb, NULL, race, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&go);
    int wins = (a.code == 0) + (b.code == 0);
    if (wins != 1) fail_msg("round %d: %d winners (%d %s, %d %s)", i, wins, a.code, a.reason, b.code, b.reason);
    const racer_t *loser = a.code == 0 ? &b : &a;
    assert_int_equal(loser->code, ERR(FAILED_PRECONDITION));
    assert_string_equal(loser->reason, "invalid_state");
    assert_int_equal(state_of(number), STATE(APPROVED));
    assert_int_equal(sql_int("SELECT count(*) FROM request_events v JOIN requests r ON r.id = v.request_id"
                             " WHERE r.number = $1 AND v.action = 'approve'",
                             1, (const char *[]){number}),
                     1);
    assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'CorrectionApply'"
                             " AND after->>'request' = $1",
                             1, (const char *[]){number}),
                     1);
    assert_string_equal(employee_col(RSUD_NIP, "phone"), phone);
  }
}

static void someone_outside_the_chain_cannot_act(void **state) {
  (void)state;
  const char *number = submitted_correction(EMP, NULL, "email", "siti@binjaikota.go.id");
  long long v = version_of(number), n = events_of(number);
  /* Another supervisor cannot even see it; an auditor sees it but holds no step. */
  act_err(BOSS2, number, ACT(APPROVE), NULL, ERR(NOT_FOUND), "request_not_found");
  act_err(HR_PLG, number, ACT(APPROVE), NULL, ERR(NOT_FOUND), "request_not_found");     /* HR of another city */
  act_err(EMP, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "own_request");      /* the applicant */
  act_err(AUD, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder");  /* an auditor */
  act_err(HR, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder");   /* not yet at HR */
  act_err(EMP2, number, ACT(APPROVE), NULL, ERR(NOT_FOUND), "request_not_found");       /* a colleague */
  act_ok(BOSS, number, ACT(APPROVE), NULL, STATE(SUBMITTED));
  act_err(BOSS, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder"); /* passed on */
  act_err(ADM, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder");  /* the official, too early */
  act_err(HR_PLG, number, ACT(APPROVE), NULL, ERR(NOT_FOUND), "request_not_found");
  act_ok(HR, number, ACT(APPROVE), NULL, STATE(VERIFIED));
  act_err(HR2, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder");  /* the official's step */
  act_err(AUD, number, ACT(COMPLETE), NULL, ERR(INVALID_ARGUMENT), NULL);
  assert_int_equal(version_of(number), v + 2);
  assert_int_equal(events_of(number), n + 2);

  /* A supervisor step needs the supervisor's account. */
  Simpeg__V1__Response *r = correction(LONE, NULL, "phone", "08123456789", true, NULL);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const char *lone = fmt("%s", r->correction_submit->request->number);
  spc_response_free(r);
  add_evidence(lone);
  act_err(LONE, lone, ACT(SUBMIT), NULL, ERR(FAILED_PRECONDITION), "no_supervisor");
  assert_int_equal(state_of(lone), STATE(DRAFT));
}

/* One prepared call sent on its own connection when the barrier opens. */
typedef struct sender {
  spc_sync_t *s;
  Simpeg__V1__Request *req;
  pthread_barrier_t *go;
  int code;
  bool replayed;
  char number[48];
} sender_t;

static void *send_at_once(void *arg) {
  sender_t *x = arg;
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  pthread_barrier_wait(x->go);
  spc_sync_call(x->s, x->req, &resp, &err);
  x->code = -1;
  if (resp) {
    x->code = resp->error ? (int)resp->error->code : 0;
    if (!resp->error && resp->correction_submit && resp->correction_submit->request) {
      x->replayed = resp->correction_submit->replayed;
      snprintf(x->number, sizeof(x->number), "%s", resp->correction_submit->request->number);
    }
    spc_response_free(resp);
  }
  return NULL;
}

static void a_retried_submit_is_not_duplicated(void **state) {
  (void)state;
  const char *key = fmt("retry-%s", t);
  Simpeg__V1__Response *a = correction(EMP2, NULL, "address", "Jl. Gatot Subroto 12, Binjai", true, key);
  harness_expect_ok(a, RES(CORRECTION_SUBMIT));
  assert_false(a->correction_submit->replayed);
  Simpeg__V1__Response *b = correction(EMP2, NULL, "address", "Jl. Gatot Subroto 12, Binjai", true, key);
  harness_expect_ok(b, RES(CORRECTION_SUBMIT));
  assert_true(b->correction_submit->replayed);
  assert_string_equal(a->correction_submit->request->number, b->correction_submit->request->number);
  assert_int_equal(sql_int("SELECT count(*) FROM requests r JOIN users u ON u.id = r.created_by"
                           " WHERE u.username = $1 AND r.idem_key = $2",
                           2, (const char *[]){un("emp2"), key}),
                   1);
  assert_int_equal(sql_int("SELECT count(*) FROM correction_changes c JOIN requests r ON r.id = c.request_id"
                           " WHERE r.number = $1",
                           1, (const char *[]){a->correction_submit->request->number}),
                   1);
  /* Another key is another request. */
  Simpeg__V1__Response *c = correction(EMP2, NULL, "address", "Jl. Gatot Subroto 12, Binjai", true, fmt("%s-2", key));
  harness_expect_ok(c, RES(CORRECTION_SUBMIT));
  assert_false(c->correction_submit->replayed);
  assert_string_not_equal(a->correction_submit->request->number, c->correction_submit->request->number);
  spc_response_free(a);
  spc_response_free(b);
  spc_response_free(c);

  /* The first try and its retry at the same moment, on two connections
   * (the retry of a request whose answer was lost): one request. */
  spc_sync_t *other = sync_open_as(&D, un("emp2"), PW);
  assert_non_null(other);
  for (int round = 0; round < 5; round++) {
    const char *k = fmt("race-%s-%d", t, round);
    Simpeg__V1__FieldChange fc = SIMPEG__V1__FIELD_CHANGE__INIT;
    fc.field = "address";
    fc.new_value = "Jl. Sudirman 5, Binjai";
    Simpeg__V1__FieldChange *fcp = &fc;
    Simpeg__V1__CorrectionDetails d = SIMPEG__V1__CORRECTION_DETAILS__INIT;
    d.changes = &fcp;
    d.n_changes = 1;
    d.reason = "pindah rumah";
    Simpeg__V1__CorrectionSubmit m = SIMPEG__V1__CORRECTION_SUBMIT__INIT;
    m.correction = &d;
    m.draft = true;
    m.idempotency_key = (char *)k;
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    harness_set_call(&req, CALL(CORRECTION_SUBMIT), &m);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    /* Each sender its own envelope: the client library writes the request
     * id into it, so one shared struct would race between the threads. */
    Simpeg__V1__Request req2 = req;
    sender_t x = {.s = EMP2, .req = &req, .go = &go}, y = {.s = other, .req = &req2, .go = &go};
    pthread_t tx, ty;
    pthread_create(&tx, NULL, send_at_once, &x);
    pthread_create(&ty, NULL, send_at_once, &y);
    pthread_join(tx, NULL);
    pthread_join(ty, NULL);
    pthread_barrier_destroy(&go);
    assert_int_equal(x.code, 0);
    assert_int_equal(y.code, 0);
    assert_string_equal(x.number, y.number);
    assert_int_equal(x.replayed + y.replayed, 1);
    assert_int_equal(sql_int("SELECT count(*) FROM requests WHERE idem_key = $1", 1, (const char *[]){k}), 1);
  }
  spc_sync_close(other);
}

static void stale_version_is_a_conflict(void **state) {
  (void)state;
  const char *number = submitted_correction(EMP, NULL, "phone", "081311112222");
  long long v = version_of(number);
  Simpeg__V1__Response *r = act_v(BOSS, number, ACT(APPROVE), NULL, v - 1);
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  spc_response_free(r);
  assert_int_equal(version_of(number), v);
  assert_int_equal(state_of(number), STATE(SUBMITTED));
  r = act_v(BOSS, number, ACT(APPROVE), NULL, v);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->version, v + 1);
  assert_int_equal(r->request_act->request->current_step, 2);
  spc_response_free(r);
  act_ok(EMP, number, ACT(CANCEL), NULL, STATE(CANCELLED));
}

static void cancel_allowed_only_before_decision_by_the_applicant(void **state) {
  (void)state;
  /* In the chain: not the supervisor, not HR; the applicant may. */
  const char *a = submitted_correction(EMP, NULL, "front_title", "Dra.");
  act_err(BOSS, a, ACT(CANCEL), NULL, ERR(PERMISSION_DENIED), "not_applicant");
  act_err(HR, a, ACT(CANCEL), NULL, ERR(PERMISSION_DENIED), "not_applicant");
  act_ok(EMP, a, ACT(CANCEL), "tidak jadi", STATE(CANCELLED));
  act_err(EMP, a, ACT(CANCEL), NULL, ERR(FAILED_PRECONDITION), "invalid_state");
  act_err(EMP, a, ACT(SUBMIT), NULL, ERR(FAILED_PRECONDITION), "invalid_state");
  /* A draft too. */
  Simpeg__V1__Response *r = correction(EMP, NULL, "back_title", "S.Pd.", true, NULL);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const char *draft = fmt("%s", r->correction_submit->request->number);
  spc_response_free(r);
  act_ok(EMP, draft, ACT(CANCEL), NULL, STATE(CANCELLED));
  /* After the decision: rejected stays rejected. */
  const char *b = submitted_correction(EMP, NULL, "front_title", "Hj.");
  act_err(BOSS, b, ACT(REJECT), "", ERR(INVALID_ARGUMENT), NULL);
  act_ok(BOSS, b, ACT(REJECT), "gelar tidak sesuai ijazah", STATE(REJECTED));
  act_err(EMP, b, ACT(CANCEL), NULL, ERR(FAILED_PRECONDITION), "invalid_state");
  /* An applied correction cannot be undone by cancelling it. */
  spc_sync_t *rsud = RSUD;
  const char *c = submitted_correction(rsud, NULL, "back_title", "S.Kep.");
  act_ok(HR, c, ACT(APPROVE), NULL, STATE(APPROVED));
  act_err(rsud, c, ACT(CANCEL), NULL, ERR(FAILED_PRECONDITION), "correction_applied");
  assert_int_equal(state_of(c), STATE(APPROVED));
  assert_string_equal(employee_col(RSUD_NIP, "back_title"), "S.Kep.");
  /* After approval a verifier in scope may cancel too (here the effect
   * refuses); others may not. */
  act_err(HR2, c, ACT(CANCEL), NULL, ERR(FAILED_PRECONDITION), "correction_applied");
  act_err(AUD, c, ACT(CANCEL), NULL, ERR(PERMISSION_DENIED), "not_applicant");
  /* Completing needs a verifier in scope and the decree. */
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)c;
  m.action = ACT(COMPLETE);
  m.decree_number = "800/77/BKPSDM/2026";
  m.decree_date = "2026-11-30";
  r = harness_rpc(rsud, CALL(REQUEST_ACT), &m);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "not_verifier");
  spc_response_free(r);
  r = harness_rpc(HR2, CALL(REQUEST_ACT), &m);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->state, STATE(COMPLETED));
  assert_string_equal(r->request_act->request->decree_number, "800/77/BKPSDM/2026");
  spc_response_free(r);
}

static Simpeg__V1__Response *chain_show(spc_sync_t *s, const char *office, const char *service) {
  Simpeg__V1__ChainShow m = SIMPEG__V1__CHAIN_SHOW__INIT;
  m.office_code = (char *)office;
  m.service = (char *)service;
  return harness_rpc(s, CALL(CHAIN_SHOW), &m);
}

static Simpeg__V1__Response *chain_set(spc_sync_t *s, const char *office, const char *service,
                                       Simpeg__V1__StepKind *steps, size_t n, const char *official, int64_t version) {
  Simpeg__V1__ApprovalChain c = SIMPEG__V1__APPROVAL_CHAIN__INIT;
  c.office_code = (char *)office;
  c.service = (char *)service;
  c.steps = steps;
  c.n_steps = n;
  c.official_username = (char *)(official ? official : "");
  c.version = version;
  Simpeg__V1__ChainSet m = SIMPEG__V1__CHAIN_SET__INIT;
  m.chain = &c;
  return harness_rpc(s, CALL(CHAIN_SET), &m);
}

static void chain_inherited_from_the_nearest_office(void **state) {
  (void)state;
  Simpeg__V1__StepKind city[] = {STEP(VERIFIER), STEP(OFFICIAL)};
  Simpeg__V1__StepKind dinas[] = {STEP(SUPERVISOR), STEP(VERIFIER), STEP(OFFICIAL)};
  Simpeg__V1__Response *r = chain_set(ADM, oc("12.75"), "KP", city, 2, un("adm"), 0);
  harness_expect_ok(r, RES(CHAIN_SET));
  assert_false(r->chain_set->chain->inherited);
  assert_int_equal(r->chain_set->chain->version, 1);
  spc_response_free(r);
  r = chain_set(ADM, oc("12.75.DINAS"), "KP", dinas, 3, NULL, 0);
  harness_expect_ok(r, RES(CHAIN_SET));
  spc_response_free(r);

  struct {
    const char *office, *configured_at;
    size_t steps;
    bool inherited;
  } cases[] = {
      {oc("12.75"), oc("12.75"), 2, false},
      {oc("12.75.RSUD"), oc("12.75"), 2, true},
      {oc("12.75.DINAS"), oc("12.75.DINAS"), 3, false},
      {oc("12.75.DINAS.U"), oc("12.75.DINAS"), 3, true},
      {oc("12"), "", 3, true}, /* the service default */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    r = chain_show(ROOT, cases[i].office, "KP");
    harness_expect_ok(r, RES(CHAIN_SHOW));
    const Simpeg__V1__ApprovalChain *c = r->chain_show->chain;
    assert_string_equal(c->office_code, cases[i].configured_at);
    assert_int_equal(c->n_steps, cases[i].steps);
    assert_int_equal(c->inherited, cases[i].inherited);
    if (i == 1) assert_string_equal(c->official_username, un("adm"));
    spc_response_free(r);
  }
  /* A request of the unit goes through DINAS's chain (KOREKSI: set up). */
  spc_sync_t *unit = UNIT;
  const char *number = submitted_correction(unit, NULL, "phone", "081200001111");
  r = show(unit, number);
  harness_expect_ok(r, RES(REQUEST_SHOW));
  assert_int_equal(r->request_show->request->n_steps, 3);
  assert_string_equal(r->request_show->request->steps[0]->holder_username, un("boss"));
  spc_response_free(r);

  /* Changing a chain: its version, the managers' permission and scope. */
  r = chain_set(ADM, oc("12.75"), "KP", city, 2, NULL, 7);
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  spc_response_free(r);
  r = chain_set(ADM, oc("12.75"), "KP", city, 1, NULL, 1);
  harness_expect_ok(r, RES(CHAIN_SET));
  assert_int_equal(r->chain_set->chain->version, 2);
  assert_int_equal(r->chain_set->chain->n_steps, 1);
  spc_response_free(r);
  r = chain_set(HR, oc("12.75"), "KP", city, 2, NULL, 0);
  harness_expect_err(r, ERR(PERMISSION_DENIED), NULL);
  spc_response_free(r);
  r = chain_set(ADM, oc("16.71"), "KP", city, 2, NULL, 0);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  r = chain_show(HR_PLG, oc("12.75"), "KP");
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  Simpeg__V1__StepKind dup[] = {STEP(VERIFIER), STEP(VERIFIER)};
  r = chain_set(ADM, oc("12.75"), "KP", dup, 2, NULL, 0);
  expect_violation(r, ERR(INVALID_ARGUMENT), "steps", "duplicate_step");
  spc_response_free(r);
  r = chain_set(ADM, oc("12.75"), "KP", city, 1, un("adm"), 0); /* an official without an official step */
  expect_violation(r, ERR(INVALID_ARGUMENT), "official_username", "no_official_step");
  spc_response_free(r);
  r = chain_set(ADM, oc("12.75"), "XX", city, 2, NULL, 0);
  expect_violation(r, ERR(INVALID_ARGUMENT), "service", "unknown_service");
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT c.version FROM approval_chains c JOIN offices o ON o.id = c.office_id"
                           " WHERE o.code = $1 AND c.service = 'KP'",
                           1, (const char *[]){oc("12.75")}),
                   2);
}

static void inbox_shows_what_waits_for_me(void **state) {
  (void)state;
  const char *number = submitted_correction(EMP2, NULL, "phone", "081377778888");
  assert_true(in_inbox(BOSS, number));
  assert_false(in_inbox(BOSS2, number));
  assert_false(in_inbox(HR, number));
  assert_false(in_inbox(EMP2, number));
  act_ok(BOSS, number, ACT(APPROVE), NULL, STATE(SUBMITTED));
  assert_false(in_inbox(BOSS, number));
  assert_true(in_inbox(HR, number));
  assert_true(in_inbox(HR2, number));
  assert_false(in_inbox(HR_PLG, number));
  assert_false(in_inbox(ADM, number));
  assert_false(in_inbox(AUD, number));
  act_ok(HR, number, ACT(RETURN), "nomor telepon tidak aktif", STATE(RETURNED));
  assert_false(in_inbox(HR, number));
  assert_false(in_inbox(HR2, number));
  assert_true(in_inbox(EMP2, number));
  act_ok(EMP2, number, ACT(SUBMIT), NULL, STATE(SUBMITTED));
  assert_false(in_inbox(EMP2, number));
  assert_true(in_inbox(BOSS, number));
  act_ok(BOSS, number, ACT(APPROVE), NULL, STATE(SUBMITTED));
  act_ok(HR, number, ACT(APPROVE), NULL, STATE(VERIFIED));
  assert_true(in_inbox(ADM, number));
  assert_false(in_inbox(HR, number));
  /* Lists: HR and the auditor see their subtree; the applicant with --mine. */
  Simpeg__V1__RequestList m = SIMPEG__V1__REQUEST_LIST__INIT;
  m.service = "KOREKSI";
  m.limit = 500;
  spc_sync_t *who[] = {HR, AUD, EMP2, BOSS};
  for (size_t i = 0; i < 4; i++) {
    Simpeg__V1__Response *r = harness_rpc(who[i], CALL(REQUEST_LIST), &m);
    harness_expect_ok(r, RES(REQUEST_LIST));
    assert_true(in_list(r->request_list, number));
    spc_response_free(r);
  }
  spc_sync_t *nobody[] = {HR_PLG, BOSS2, EMP};
  for (size_t i = 0; i < 3; i++) {
    Simpeg__V1__Response *r = harness_rpc(nobody[i], CALL(REQUEST_LIST), &m);
    harness_expect_ok(r, RES(REQUEST_LIST));
    assert_false(in_list(r->request_list, number));
    spc_response_free(r);
  }
  act_ok(EMP2, number, ACT(CANCEL), NULL, STATE(CANCELLED));
}

static void list_pages_return_every_request_once(void **state) {
  (void)state;
  /* HR's whole KOREKSI list page by page equals one big page. */
  Simpeg__V1__RequestList m = SIMPEG__V1__REQUEST_LIST__INIT;
  m.service = "KOREKSI";
  m.office_code = (char *)oc("12.75");
  m.limit = 500;
  Simpeg__V1__Response *all = harness_rpc(HR, CALL(REQUEST_LIST), &m);
  harness_expect_ok(all, RES(REQUEST_LIST));
  size_t n = all->request_list->n_requests, seen = 0;
  assert_true(n >= 10);
  char after[32] = "";
  m.limit = 3;
  for (int guard = 0; guard < 100; guard++) {
    m.after = after;
    Simpeg__V1__Response *p = harness_rpc(HR, CALL(REQUEST_LIST), &m);
    harness_expect_ok(p, RES(REQUEST_LIST));
    for (size_t i = 0; i < p->request_list->n_requests; i++, seen++)
      assert_string_equal(p->request_list->requests[i]->number, all->request_list->requests[seen]->number);
    bool more = *p->request_list->next_after;
    snprintf(after, sizeof(after), "%s", p->request_list->next_after);
    spc_response_free(p);
    if (!more) break;
  }
  assert_int_equal(seen, n);
  spc_response_free(all);
  /* Filters: state and employee. */
  m.limit = 500;
  m.after = "";
  m.state = STATE(APPROVED);
  m.employee_nip = (char *)RSUD_NIP;
  Simpeg__V1__Response *f = harness_rpc(HR, CALL(REQUEST_LIST), &m);
  harness_expect_ok(f, RES(REQUEST_LIST));
  assert_true(f->request_list->n_requests >= 10); /* the race's rounds */
  for (size_t i = 0; i < f->request_list->n_requests; i++) {
    assert_int_equal(f->request_list->requests[i]->state, STATE(APPROVED));
    assert_string_equal(f->request_list->requests[i]->employee_nip, RSUD_NIP);
  }
  spc_response_free(f);
}

static void timeline_records_every_transition_with_actor_and_comment(void **state) {
  (void)state;
  long long audit0 = sql_int("SELECT count(*) FROM audit_log WHERE entity = 'request'", 0, NULL);
  const char *number = submitted_correction(EMP, NULL, "phone", "081399990000");
  act_ok(BOSS, number, ACT(APPROVE), "lanjut", STATE(SUBMITTED));
  act_ok(HR, number, ACT(RETURN), "nomor kurang satu digit", STATE(RETURNED));
  act_ok(EMP, number, ACT(SUBMIT), NULL, STATE(SUBMITTED));
  act_ok(BOSS, number, ACT(REJECT), "tidak perlu", STATE(REJECTED));
  Simpeg__V1__RequestTimeline m = SIMPEG__V1__REQUEST_TIMELINE__INIT;
  m.number = (char *)number;
  Simpeg__V1__Response *r = harness_rpc(EMP, CALL(REQUEST_TIMELINE), &m);
  harness_expect_ok(r, RES(REQUEST_TIMELINE));
  const Simpeg__V1__RequestTimelineReply *tl = r->request_timeline;
  struct {
    const char *action, *actor, *comment;
    int from, to, step, kind;
  } want[] = {
      {"create", un("emp"), "", 0, STATE(DRAFT), 0, 0},
      {"submit", un("emp"), "", STATE(DRAFT), STATE(SUBMITTED), 1, STEP(SUPERVISOR)},
      {"approve", un("boss"), "lanjut", STATE(SUBMITTED), STATE(SUBMITTED), 1, STEP(SUPERVISOR)},
      {"return", un("hr"), "nomor kurang satu digit", STATE(SUBMITTED), STATE(RETURNED), 2, STEP(VERIFIER)},
      {"submit", un("emp"), "", STATE(RETURNED), STATE(SUBMITTED), 1, STEP(SUPERVISOR)},
      {"reject", un("boss"), "tidak perlu", STATE(SUBMITTED), STATE(REJECTED), 1, STEP(SUPERVISOR)},
  };
  size_t nw = sizeof(want) / sizeof(want[0]);
  uint64_t prev_at = 0;
  /* Documents written by an upload may add "document" entries: skip them. */
  size_t k = 0;
  for (size_t i = 0; i < tl->n_entries; i++) {
    const Simpeg__V1__TimelineEntry *e = tl->entries[i];
    if (strcmp(e->action, "document") == 0) continue;
    assert_true(k < nw);
    assert_string_equal(e->action, want[k].action);
    assert_string_equal(e->actor, want[k].actor);
    assert_string_equal(e->comment, want[k].comment);
    assert_int_equal(e->from_state, want[k].from);
    assert_int_equal(e->to_state, want[k].to);
    assert_int_equal(e->step_no, want[k].step);
    assert_int_equal(e->step_kind, want[k].kind);
    assert_true(e->at_us > 0);
    if (e->at_us < prev_at) fail_msg("timeline out of order");
    prev_at = e->at_us;
    k++;
  }
  assert_int_equal(k, nw);
  assert_string_equal(tl->request->number, number);
  spc_response_free(r);
  /* One audit row per transition (create: the CorrectionSubmit row). */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity = 'request'", 0, NULL) - audit0, (long long)nw);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity = 'request' AND entity_id = $1"
                           " AND actor = $2 AND method = 'RequestAct' AND after->>'comment' = 'tidak perlu'",
                           2, (const char *[]){number, un("boss")}),
                   1);
  /* Someone who may not see the request has no timeline either. */
  r = harness_rpc(HR_PLG, CALL(REQUEST_TIMELINE), &m);
  harness_expect_err(r, ERR(NOT_FOUND), "request_not_found");
  spc_response_free(r);
}

static void correction_applies_only_when_approved(void **state) {
  (void)state;
  /* NIK of Kota Binjai for EMP (born 1990-05-17, a woman: day + 40). */
  const char *nik = "1275015705900007";
  const char *name0 = employee_col(EMP_NIP, "name");
  long long v0 = atoll(employee_col(EMP_NIP, "version"));
  /* Rejected: the record stays as it was. */
  const char *rej = submitted_correction(EMP, NULL, "name", "Siti Aminah Lubis");
  act_ok(BOSS, rej, ACT(APPROVE), NULL, STATE(SUBMITTED));
  act_ok(HR, rej, ACT(REJECT), "akta nikah tidak terlampir", STATE(REJECTED));
  assert_string_equal(employee_col(EMP_NIP, "name"), name0);
  assert_int_equal(atoll(employee_col(EMP_NIP, "version")), v0);

  /* HR files one for EMP: name and NIK together. */
  Simpeg__V1__FieldChange c1 = SIMPEG__V1__FIELD_CHANGE__INIT, c2 = SIMPEG__V1__FIELD_CHANGE__INIT;
  c1.field = "name";
  c1.new_value = "Siti Aminah Nasution";
  c2.field = "nik";
  c2.new_value = (char *)nik;
  Simpeg__V1__FieldChange *cp[] = {&c1, &c2};
  Simpeg__V1__CorrectionDetails d = SIMPEG__V1__CORRECTION_DETAILS__INIT;
  d.changes = cp;
  d.n_changes = 2;
  d.reason = "sesuai KTP elektronik";
  Simpeg__V1__CorrectionSubmit m = SIMPEG__V1__CORRECTION_SUBMIT__INIT;
  m.nip = (char *)EMP_NIP;
  m.correction = &d;
  m.draft = true;
  Simpeg__V1__Response *r = harness_rpc(HR, CALL(CORRECTION_SUBMIT), &m);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const char *number = fmt("%s", r->correction_submit->request->number);
  const Simpeg__V1__CorrectionDetails *got = r->correction_submit->request->correction;
  assert_non_null(got);
  assert_int_equal(got->n_changes, 2);
  assert_string_equal(got->changes[0]->old_value, name0);
  assert_string_equal(got->changes[1]->new_value, nik); /* HR sees the NIK */
  spc_response_free(r);
  add_evidence(number);
  act_ok(HR, number, ACT(SUBMIT), NULL, STATE(SUBMITTED));
  /* The supervisor reads the request without the NIK. */
  r = show(BOSS, number);
  harness_expect_ok(r, RES(REQUEST_SHOW));
  assert_string_equal(r->request_show->request->correction->changes[1]->new_value, "************0007");
  spc_response_free(r);
  act_ok(BOSS, number, ACT(APPROVE), NULL, STATE(SUBMITTED));
  act_ok(HR2, number, ACT(APPROVE), NULL, STATE(VERIFIED));
  assert_string_equal(employee_col(EMP_NIP, "name"), name0);
  act_ok(ADM, number, ACT(APPROVE), NULL, STATE(APPROVED));
  assert_string_equal(employee_col(EMP_NIP, "name"), "Siti Aminah Nasution");
  assert_string_equal(employee_col(EMP_NIP, "nik"), nik);
  assert_int_equal(atoll(employee_col(EMP_NIP, "version")), v0 + 1);
  /* Audited with the record before and after, never the NIK. */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'CorrectionApply' AND entity_id = $1"
                           " AND before->>'name' = $2 AND after->>'name' = 'Siti Aminah Nasution'"
                           " AND (after->>'nik_changed')::bool",
                           2, (const char *[]){EMP_NIP, name0}),
                   1);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE strpos(coalesce(before::text, '') ||"
                           " coalesce(after::text, ''), $1) > 0",
                           1, (const char *[]){nik}),
                   0);
}

static void every_bad_input_changes_nothing(void **state) {
  (void)state;
  const char *number = submitted_correction(EMP2, NULL, "phone", "081255556666");
  long long reqs = sql_int("SELECT count(*) FROM requests", 0, NULL);
  long long events = sql_int("SELECT count(*) FROM request_events", 0, NULL);
  /* (EmployeeShow rows: reading someone else's record is audited.) */
  const char *audit_q = "SELECT count(*) FROM audit_log WHERE method <> 'EmployeeShow'";
  long long audit = sql_int(audit_q, 0, NULL);
  const char *emp = sql_text("SELECT to_jsonb(e)::text FROM employees e WHERE nip = $1", 1, (const char *[]){EMP2_NIP});
  long long v = version_of(number);

  act_err(BOSS, "KOREKSI-2026-999999", ACT(APPROVE), NULL, ERR(NOT_FOUND), "request_not_found");
  Simpeg__V1__Response *r = act(BOSS, "koreksi; drop table", ACT(APPROVE), NULL);
  expect_violation(r, ERR(INVALID_ARGUMENT), "number", "invalid_format");
  spc_response_free(r);
  r = act(BOSS, "", ACT(APPROVE), NULL);
  expect_violation(r, ERR(INVALID_ARGUMENT), "number", "required");
  spc_response_free(r);
  r = act(BOSS, number, 99, NULL);
  expect_violation(r, ERR(INVALID_ARGUMENT), "action", "unknown_action");
  spc_response_free(r);
  r = act(BOSS, number, ACT(UNSPECIFIED), NULL);
  expect_violation(r, ERR(INVALID_ARGUMENT), "action", "unknown_action");
  spc_response_free(r);
  r = act(BOSS, number, ACT(RETURN), "   ");
  expect_violation(r, ERR(INVALID_ARGUMENT), "comment", "comment_required");
  spc_response_free(r);
  r = act(BOSS, number, ACT(POSTPONE), "nanti");
  expect_violation(r, ERR(INVALID_ARGUMENT), "postpone_until", "postpone_until_required");
  spc_response_free(r);
  Simpeg__V1__RequestAct pm = SIMPEG__V1__REQUEST_ACT__INIT;
  pm.number = (char *)number;
  pm.action = ACT(POSTPONE);
  pm.comment = "nanti";
  pm.postpone_until = "2026-02-30";
  r = harness_rpc(BOSS, CALL(REQUEST_ACT), &pm);
  expect_violation(r, ERR(INVALID_ARGUMENT), "postpone_until", "invalid_date");
  spc_response_free(r);
  pm.postpone_until = "2099-01-01"; /* only the last step may postpone */
  r = harness_rpc(BOSS, CALL(REQUEST_ACT), &pm);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "postpone_last_step_only");
  spc_response_free(r);
  r = act(HR, number, ACT(COMPLETE), NULL);
  expect_violation(r, ERR(INVALID_ARGUMENT), "decree_number", "decree_number_required");
  spc_response_free(r);
  r = act_v(BOSS, number, ACT(APPROVE), NULL, -1);
  expect_violation(r, ERR(INVALID_ARGUMENT), "version", "out_of_range");
  spc_response_free(r);
  r = act(BOSS, number, ACT(COMPLETE), NULL);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);

  /* Corrections. */
  struct {
    const char *nip, *field, *value, *vfield, *why;
  } bad[] = {
      {NULL, "golongan", "IV/e", "changes", "unknown_field"},
      {NULL, "nik", "127501570590001", "changes.nik", "invalid_format"},   /* 15 digits */
      {NULL, "nik", "9975014302880001", "changes.nik", "unknown_province"},
      {NULL, "nik", "1275015705900007", "changes.nik", "nik_mismatch"},    /* another person's birth date and sex */
      {NULL, "religion", "jedi", "changes.religion", "unknown_value"},
      {NULL, "name", "", "changes.name", "required"},
      {NULL, "phone", "0812345678901234567890123456789", "changes.phone", "too_long"},
      {NULL, "religion", "islam", "changes.religion", "unchanged"}, /* what the record holds already */
      {"12345", "phone", "0812", "nip", "invalid_format"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    r = correction(EMP2, bad[i].nip, bad[i].field, bad[i].value, false, NULL);
    expect_violation(r, ERR(INVALID_ARGUMENT), bad[i].vfield, bad[i].why);
    spc_response_free(r);
  }
  /* Another person's record: an employee may not; HR of another city cannot see it. */
  r = correction(EMP2, EMP_NIP, "phone", "0812", false, NULL);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "not_your_record");
  spc_response_free(r);
  r = correction(HR_PLG, EMP2_NIP, "phone", "0812", false, NULL);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  /* No evidence: refused as a whole, not left half made. */
  r = correction(EMP2, NULL, "phone", "0812000", false, NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "documents_missing");
  spc_response_free(r);
  /* No reason. */
  Simpeg__V1__FieldChange c = SIMPEG__V1__FIELD_CHANGE__INIT;
  c.field = "phone";
  c.new_value = "0812";
  Simpeg__V1__FieldChange *cp[] = {&c, &c};
  Simpeg__V1__CorrectionDetails d = SIMPEG__V1__CORRECTION_DETAILS__INIT;
  d.changes = cp;
  d.n_changes = 1;
  Simpeg__V1__CorrectionSubmit m = SIMPEG__V1__CORRECTION_SUBMIT__INIT;
  m.correction = &d;
  r = harness_rpc(EMP2, CALL(CORRECTION_SUBMIT), &m);
  expect_violation(r, ERR(INVALID_ARGUMENT), "reason", "required");
  spc_response_free(r);
  d.reason = "x";
  d.n_changes = 2; /* the same field twice */
  r = harness_rpc(EMP2, CALL(CORRECTION_SUBMIT), &m);
  expect_violation(r, ERR(INVALID_ARGUMENT), "changes.phone", "duplicate_field");
  spc_response_free(r);
  m.correction = NULL;
  r = harness_rpc(EMP2, CALL(CORRECTION_SUBMIT), &m);
  expect_violation(r, ERR(INVALID_ARGUMENT), "changes", "required");
  spc_response_free(r);
  /* Reading. */
  r = show(EMP2, "KOREKSI-2026-999999");
  harness_expect_err(r, ERR(NOT_FOUND), "request_not_found");
  spc_response_free(r);
  Simpeg__V1__RequestList lm = SIMPEG__V1__REQUEST_LIST__INIT;
  lm.after = "abc";
  r = harness_rpc(HR, CALL(REQUEST_LIST), &lm);
  expect_violation(r, ERR(INVALID_ARGUMENT), "after", "invalid_cursor");
  spc_response_free(r);
  lm.after = "";
  lm.service = "XX";
  r = harness_rpc(HR, CALL(REQUEST_LIST), &lm);
  expect_violation(r, ERR(INVALID_ARGUMENT), "service", "unknown_service");
  spc_response_free(r);
  lm.service = "";
  lm.office_code = (char *)oc("16.71");
  r = harness_rpc(HR, CALL(REQUEST_LIST), &lm);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  /* The supervisor link: another employee in scope, not oneself. */
  r = set_supervisor(HR, EMP2_NIP, EMP2_NIP);
  expect_violation(r, ERR(INVALID_ARGUMENT), "supervisor_nip", "self");
  spc_response_free(r);
  r = set_supervisor(HR, EMP2_NIP, "199001012015011999");
  harness_expect_err(r, ERR(NOT_FOUND), "supervisor_not_found");
  spc_response_free(r);

  assert_int_equal(sql_int("SELECT count(*) FROM requests", 0, NULL), reqs);
  assert_int_equal(sql_int("SELECT count(*) FROM request_events", 0, NULL), events);
  assert_int_equal(sql_int(audit_q, 0, NULL), audit);
  assert_string_equal(sql_text("SELECT to_jsonb(e)::text FROM employees e WHERE nip = $1", 1,
                               (const char *[]){EMP2_NIP}),
                      emp);
  assert_int_equal(version_of(number), v);
  act_ok(EMP2, number, ACT(CANCEL), NULL, STATE(CANCELLED));
}

static void postpone_needs_the_last_step_a_comment_and_a_later_date(void **state) {
  (void)state;
  /* RSUD's chain is the default: one verifier step, the last one. */
  const char *number = submitted_correction(RSUD, NULL, "address", "Jl. Tengku Amir Hamzah 1");
  long long v = version_of(number), n = events_of(number);
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)number;
  m.action = ACT(POSTPONE);
  m.comment = "menunggu hasil verifikasi lapangan";
  m.postpone_until = "2020-01-01";
  Simpeg__V1__Response *r = harness_rpc(HR, CALL(REQUEST_ACT), &m);
  expect_violation(r, ERR(INVALID_ARGUMENT), "postpone_until", "not_in_the_future");
  spc_response_free(r);
  m.postpone_until = "2099-06-30";
  r = harness_rpc(RSUD, CALL(REQUEST_ACT), &m); /* the applicant holds no step */
  harness_expect_err(r, ERR(PERMISSION_DENIED), "own_request");
  spc_response_free(r);
  assert_int_equal(version_of(number), v);
  assert_int_equal(events_of(number), n);
  r = harness_rpc(HR, CALL(REQUEST_ACT), &m);
  harness_expect_ok(r, RES(REQUEST_ACT));
  const Simpeg__V1__ServiceRequest *q = r->request_act->request;
  assert_int_equal(q->state, STATE(POSTPONED));
  assert_string_equal(q->postpone_until, "2099-06-30");
  assert_true(q->decided_at_us > 0);
  assert_int_equal(q->current_step, 0);
  assert_string_equal(q->steps[0]->outcome, "postpone");
  spc_response_free(r);
  /* Decided: no more approvals, no cancelling, and the record is as it was. */
  act_err(HR2, number, ACT(APPROVE), NULL, ERR(FAILED_PRECONDITION), "invalid_state");
  act_err(RSUD, number, ACT(CANCEL), NULL, ERR(FAILED_PRECONDITION), "invalid_state");
  assert_string_not_equal(employee_col(RSUD_NIP, "address"), "Jl. Tengku Amir Hamzah 1");
}

static void a_system_admin_may_stand_in_for_a_verifier_but_not_for_a_named_supervisor(void **state) {
  (void)state;
  const char *number = submitted_correction(EMP2, NULL, "phone", "081344445555");
  /* The supervisor step names BOSS: nobody else, not even the root admin. */
  act_err(ROOT, number, ACT(APPROVE), NULL, ERR(PERMISSION_DENIED), "not_step_holder");
  act_ok(BOSS, number, ACT(APPROVE), NULL, STATE(SUBMITTED));
  act_ok(ROOT, number, ACT(APPROVE), NULL, STATE(VERIFIED)); /* an unnamed verifier step */
  act_ok(ROOT, number, ACT(APPROVE), NULL, STATE(APPROVED)); /* an unnamed official step */
  assert_string_equal(employee_col(EMP2_NIP, "phone"), "081344445555");
  /* A disabled supervisor account holds nothing: the next submission stops. */
  PQclear(sql("UPDATE users SET disabled = true WHERE username = $1", 1, (const char *[]){un("boss")}));
  Simpeg__V1__Response *r = correction(EMP2, NULL, "phone", "081344446666", true, NULL);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const char *next = fmt("%s", r->correction_submit->request->number);
  spc_response_free(r);
  add_evidence(next);
  act_err(EMP2, next, ACT(SUBMIT), NULL, ERR(FAILED_PRECONDITION), "no_supervisor");
  PQclear(sql("UPDATE users SET disabled = false WHERE username = $1", 1, (const char *[]){un("boss")}));
  act_ok(EMP2, next, ACT(SUBMIT), NULL, STATE(SUBMITTED));
  act_ok(EMP2, next, ACT(CANCEL), NULL, STATE(CANCELLED));
  /* "-" removes the supervisor link; the next submission stops again. */
  r = set_supervisor(HR, EMP2_NIP, "-");
  harness_expect_ok(r, RES(EMPLOYEE_EDIT));
  assert_string_equal(r->employee_edit->employee->supervisor_nip, "");
  spc_response_free(r);
  act_err(EMP2, next, ACT(SUBMIT), NULL, ERR(FAILED_PRECONDITION), "invalid_state"); /* cancelled stays cancelled */
  r = correction(EMP2, NULL, "phone", "081344447777", true, NULL);
  harness_expect_ok(r, RES(CORRECTION_SUBMIT));
  const char *third = fmt("%s", r->correction_submit->request->number);
  spc_response_free(r);
  add_evidence(third);
  act_err(EMP2, third, ACT(SUBMIT), NULL, ERR(FAILED_PRECONDITION), "no_supervisor");
  r = set_supervisor(HR, EMP2_NIP, BOSS_NIP);
  harness_expect_ok(r, RES(EMPLOYEE_EDIT));
  spc_response_free(r);
  act_ok(EMP2, third, ACT(CANCEL), NULL, STATE(CANCELLED));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(return_and_resubmit_goes_through_the_chain_again),
      cmocka_unit_test(two_approvers_at_once_exactly_one_wins),
      cmocka_unit_test(someone_outside_the_chain_cannot_act),
      cmocka_unit_test(a_retried_submit_is_not_duplicated),
      cmocka_unit_test(stale_version_is_a_conflict),
      cmocka_unit_test(cancel_allowed_only_before_decision_by_the_applicant),
      cmocka_unit_test(chain_inherited_from_the_nearest_office),
      cmocka_unit_test(inbox_shows_what_waits_for_me),
      cmocka_unit_test(list_pages_return_every_request_once),
      cmocka_unit_test(timeline_records_every_transition_with_actor_and_comment),
      cmocka_unit_test(correction_applies_only_when_approved),
      cmocka_unit_test(every_bad_input_changes_nothing),
      cmocka_unit_test(postpone_needs_the_last_step_a_comment_and_a_later_date),
      cmocka_unit_test(a_system_admin_may_stand_in_for_a_verifier_but_not_for_a_named_supervisor),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
