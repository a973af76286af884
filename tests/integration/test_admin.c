/* Integration tests of account and office administration and of the audit
 * log (issue #3): the permission matrix over every method and role, office
 * scoping across regions, the office tree rules, optimistic concurrency,
 * session revocation, audit rows for every change, and tamper detection.
 *
 * Each run builds its own small tree under the root, with codes carrying a
 * per-run tag, so the test can run again against the same database:
 *
 *   ID
 *   ├── <T>-12            Sumatera Utara (province)
 *   │   └── <T>-12.75     Kota Binjai (city)
 *   │       └── <T>-12.75.BKPSDM          (agency)
 *   │           └── <T>-12.75.BKPSDM.MUT  (unit)
 *   └── <T>-16            Sumatera Selatan (province)
 *       └── <T>-16.71     Kota Palembang (city)
 *           └── <T>-16.71.BKPSDM          (agency)
 *
 * The first system admin is written straight into the database (as
 * `simpegd bootstrap-admin` would, but for every run). */
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

static daemon_t D;
static PGconn *PG;
static char T[8];   /* upper-case run tag, for office codes */
static char t[8];   /* lower-case run tag, for usernames */
static char ROOT_USER[64];
static const char *ROOT_PW = "root-password-for-tests";

/* ---- small helpers ---- */

/* Formatted strings that live until the end of the run (harness_fmt). */
#define fmt harness_fmt

/* Office code / username of this run. */
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }

static void sql_do(const char *q) { PQclear(sql(q, 0, NULL)); }

static long long sql_int(const char *q, int n, const char *const *v) {
  PGresult *r = sql(q, n, v);
  long long x = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return x;
}

static spc_sync_t *open_conn(void) {
  spc_options_t o;
  client_options(&o, &D);
  spc_error_t e;
  spc_sync_t *s = spc_sync_open(&o, &e);
  if (!s) fail_msg("connect failed: %s", spc_code_name(e.code));
  return s;
}

static void expect_field(const Simpeg__V1__Response *r, int code, const char *field, const char *why) {
  harness_expect_err(r, code, NULL);
  if (r->error->n_violations != 1 || strcmp(r->error->violations[0]->field, field) != 0 ||
      strcmp(r->error->violations[0]->reason, why) != 0)
    fail_msg("expected violation %s/%s, got %s/%s", field, why,
             r->error->n_violations ? r->error->violations[0]->field : "-",
             r->error->n_violations ? r->error->violations[0]->reason : "-");
}

static spc_sync_t *login(const char *user, const char *pw) {
  spc_sync_t *s = open_conn();
  Simpeg__V1__Login m = SIMPEG__V1__LOGIN__INIT;
  m.username = (char *)user;
  m.password = (char *)pw;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(LOGIN), &m);
  harness_expect_ok(r, RES(LOGIN));
  spc_response_free(r);
  return s;
}

static void login_refused(const char *user, const char *pw) {
  spc_sync_t *s = open_conn();
  Simpeg__V1__Login m = SIMPEG__V1__LOGIN__INIT;
  m.username = (char *)user;
  m.password = (char *)pw;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(LOGIN), &m);
  harness_expect_err(r, ERR(UNAUTHENTICATED), NULL);
  spc_response_free(r);
  spc_sync_close(s);
}

/* The connection's session is gone (revoked): a signed-in call is refused. */
static void session_ended(spc_sync_t *s) {
  Simpeg__V1__WhoAmI m = SIMPEG__V1__WHO_AM_I__INIT;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(WHOAMI), &m);
  harness_expect_err(r, ERR(UNAUTHENTICATED), NULL);
  spc_response_free(r);
}

static Simpeg__V1__Response *office_add(spc_sync_t *s, const char *code, const char *name, int kind,
                                        const char *parent, const char *from, const char *to) {
  Simpeg__V1__OfficeAdd m = SIMPEG__V1__OFFICE_ADD__INIT;
  m.code = (char *)code;
  m.name = (char *)name;
  m.kind = kind;
  m.parent_code = (char *)parent;
  m.valid_from = (char *)(from ? from : "");
  m.valid_to = (char *)(to ? to : "");
  return harness_rpc(s, CALL(OFFICE_ADD), &m);
}

static void office_add_ok(spc_sync_t *s, const char *code, const char *name, int kind, const char *parent) {
  Simpeg__V1__Response *r = office_add(s, code, name, kind, parent, "2020-01-01", NULL);
  harness_expect_ok(r, RES(OFFICE_ADD));
  assert_string_equal(r->office_add->office->code, code);
  assert_string_equal(r->office_add->office->parent_code, parent);
  spc_response_free(r);
}

static Simpeg__V1__Response *office_show(spc_sync_t *s, const char *code) {
  Simpeg__V1__OfficeShow m = SIMPEG__V1__OFFICE_SHOW__INIT;
  m.code = (char *)code;
  return harness_rpc(s, CALL(OFFICE_SHOW), &m);
}

static int64_t office_version(spc_sync_t *s, const char *code) {
  Simpeg__V1__Response *r = office_show(s, code);
  harness_expect_ok(r, RES(OFFICE_SHOW));
  int64_t v = r->office_show->office->version;
  spc_response_free(r);
  return v;
}

static Simpeg__V1__Response *office_move(spc_sync_t *s, const char *code, const char *parent, int64_t version) {
  Simpeg__V1__OfficeMove m = SIMPEG__V1__OFFICE_MOVE__INIT;
  m.code = (char *)code;
  m.new_parent_code = (char *)parent;
  m.version = version;
  return harness_rpc(s, CALL(OFFICE_MOVE), &m);
}

static Simpeg__V1__Response *office_list(spc_sync_t *s, const char *under, bool inactive, uint32_t depth) {
  Simpeg__V1__OfficeList m = SIMPEG__V1__OFFICE_LIST__INIT;
  m.under_code = (char *)(under ? under : "");
  m.include_inactive = inactive;
  m.max_depth = depth;
  return harness_rpc(s, CALL(OFFICE_LIST), &m);
}

static Simpeg__V1__Response *user_add(spc_sync_t *s, const char *user, const char *name, int role, const char *office,
                                      const char *nip, const char *pw) {
  Simpeg__V1__UserAdd m = SIMPEG__V1__USER_ADD__INIT;
  m.username = (char *)user;
  m.full_name = (char *)name;
  m.role = role;
  m.office_code = (char *)office;
  m.nip = (char *)(nip ? nip : "");
  m.password = (char *)(pw ? pw : "");
  return harness_rpc(s, CALL(USER_ADD), &m);
}

/* Adds an account and returns its password (generated when pw is NULL). */
static const char *user_add_ok(spc_sync_t *s, const char *user, int role, const char *office, const char *pw) {
  Simpeg__V1__Response *r = user_add(s, user, fmt("Test %s", user), role, office, NULL, pw);
  harness_expect_ok(r, RES(USER_ADD));
  assert_string_equal(r->user_add->user->username, user);
  assert_int_equal(r->user_add->user->role, role);
  assert_string_equal(r->user_add->user->office_code, office);
  const char *out = pw;
  if (!pw) {
    assert_int_equal(strlen(r->user_add->generated_password), 20);
    out = fmt("%s", r->user_add->generated_password);
  } else {
    assert_string_equal(r->user_add->generated_password, "");
  }
  spc_response_free(r);
  return out;
}

static Simpeg__V1__Response *user_show(spc_sync_t *s, const char *user) {
  Simpeg__V1__UserShow m = SIMPEG__V1__USER_SHOW__INIT;
  m.username = (char *)user;
  return harness_rpc(s, CALL(USER_SHOW), &m);
}

static int64_t user_version(spc_sync_t *s, const char *user) {
  Simpeg__V1__Response *r = user_show(s, user);
  harness_expect_ok(r, RES(USER_SHOW));
  int64_t v = r->user_show->user->version;
  spc_response_free(r);
  return v;
}

static Simpeg__V1__Response *user_set_disabled(spc_sync_t *s, const char *user, bool disabled, int64_t version) {
  Simpeg__V1__UserSetDisabled m = SIMPEG__V1__USER_SET_DISABLED__INIT;
  m.username = (char *)user;
  m.disabled = disabled;
  m.version = version;
  return harness_rpc(s, CALL(USER_SET_DISABLED), &m);
}

static Simpeg__V1__Response *user_set_role(spc_sync_t *s, const char *user, int role, const char *office,
                                           int64_t version) {
  Simpeg__V1__UserSetRole m = SIMPEG__V1__USER_SET_ROLE__INIT;
  m.username = (char *)user;
  m.role = role;
  m.office_code = (char *)(office ? office : "");
  m.version = version;
  return harness_rpc(s, CALL(USER_SET_ROLE), &m);
}

static Simpeg__V1__Response *user_reset_password(spc_sync_t *s, const char *user, const char *pw) {
  Simpeg__V1__UserResetPassword m = SIMPEG__V1__USER_RESET_PASSWORD__INIT;
  m.username = (char *)user;
  m.new_password = (char *)(pw ? pw : "");
  return harness_rpc(s, CALL(USER_RESET_PASSWORD), &m);
}

static Simpeg__V1__Response *user_list(spc_sync_t *s, const char *office, int role, bool disabled, const char *after,
                                       uint32_t limit) {
  Simpeg__V1__UserList m = SIMPEG__V1__USER_LIST__INIT;
  m.office_code = (char *)(office ? office : "");
  m.role = role;
  m.include_disabled = disabled;
  m.after_username = (char *)(after ? after : "");
  m.limit = limit;
  return harness_rpc(s, CALL(USER_LIST), &m);
}

static Simpeg__V1__Response *audit_list(spc_sync_t *s, const char *actor, const char *entity, const char *entity_id,
                                        uint64_t before, uint32_t limit) {
  Simpeg__V1__AuditList m = SIMPEG__V1__AUDIT_LIST__INIT;
  m.actor = (char *)(actor ? actor : "");
  m.entity = (char *)(entity ? entity : "");
  m.entity_id = (char *)(entity_id ? entity_id : "");
  m.before_seq = before;
  m.limit = limit;
  return harness_rpc(s, CALL(AUDIT_LIST), &m);
}

static Simpeg__V1__Response *audit_verify(spc_sync_t *s) {
  Simpeg__V1__AuditVerify m = SIMPEG__V1__AUDIT_VERIFY__INIT;
  return harness_rpc(s, CALL(AUDIT_VERIFY), &m);
}

static bool list_has_user(const Simpeg__V1__UserListReply *l, const char *user) {
  for (size_t i = 0; i < l->n_users; i++)
    if (strcmp(l->users[i]->username, user) == 0) return true;
  return false;
}

/* ---- setup ---- */

static spc_sync_t *ROOT;   /* system admin at the root */
static spc_sync_t *BINJAI; /* regional admin of Kota Binjai */
static spc_sync_t *PLG;    /* regional admin of Kota Palembang */
static char BINJAI_USER[64], PLG_USER[64];

static int setup(void **state) {
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  /* Failed sign-ins are part of the test; keep the address throttle out of the way. */
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  snprintf(ROOT_USER, sizeof(ROOT_USER), "root-%s", t);
  if (!harness_create_user_with(&(harness_user_t){.username = ROOT_USER, .password = ROOT_PW,
                                                  .role = ROLE(SYSTEM_ADMIN), .full_name = "Root Test"}))
    return -1;
  ROOT = login(ROOT_USER, ROOT_PW);

  office_add_ok(ROOT, oc("12"), "Provinsi Sumatera Utara", KIND(PROVINCE), "ID");
  office_add_ok(ROOT, oc("12.75"), "Kota Binjai", KIND(CITY), oc("12"));
  office_add_ok(ROOT, oc("12.75.BKPSDM"), "BKPSDM Kota Binjai", KIND(AGENCY), oc("12.75"));
  office_add_ok(ROOT, oc("12.75.BKPSDM.MUT"), "Bidang Mutasi", KIND(UNIT), oc("12.75.BKPSDM"));
  office_add_ok(ROOT, oc("16"), "Provinsi Sumatera Selatan", KIND(PROVINCE), "ID");
  office_add_ok(ROOT, oc("16.71"), "Kota Palembang", KIND(CITY), oc("16"));
  office_add_ok(ROOT, oc("16.71.BKPSDM"), "BKPSDM Kota Palembang", KIND(AGENCY), oc("16.71"));

  snprintf(BINJAI_USER, sizeof(BINJAI_USER), "%s", un("adm-binjai"));
  snprintf(PLG_USER, sizeof(PLG_USER), "%s", un("adm-plg"));
  const char *pw = user_add_ok(ROOT, BINJAI_USER, ROLE(REGIONAL_ADMIN), oc("12.75"), NULL);
  BINJAI = login(BINJAI_USER, pw);
  pw = user_add_ok(ROOT, PLG_USER, ROLE(REGIONAL_ADMIN), oc("16.71"), "palembang-admin-pw");
  PLG = login(PLG_USER, pw);
  return 0;
}

static int teardown(void **state) {
  if (ROOT) spc_sync_close(ROOT);
  if (BINJAI) spc_sync_close(BINJAI);
  if (PLG) spc_sync_close(PLG);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

/* ---- the permission matrix ----
 *
 * Written out here from docs/internals/authz.md, independently of
 * server/authz.c and the dispatch table: each role can do exactly what the
 * table says and nothing more. "Denied" is dispatch's refusal
 * (UNAUTHENTICATED login_required for anonymous callers, PERMISSION_DENIED
 * role_lacks_permission for a role); any other answer means the handler
 * ran. The calls are harmless (empty or unknown names). */

enum { ANON = 0, EMP, SUP, HR, RADM, SADM, AUD, NROLES };
#define B(x) (1u << (x))
#define SIGNED (B(EMP) | B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD))
#define PUBLIC (B(ANON) | SIGNED)

static const struct {
  int call_case;
  const char *name;
  unsigned allowed; /* roles (bits) the call is open to */
} matrix[] = {
    {CALL(HELLO), "Hello", PUBLIC},
    {CALL(PING), "Ping", PUBLIC},
    {CALL(STATUS), "Status", SIGNED},
    {CALL(LOGIN), "Login", PUBLIC},
    {CALL(AUTHENTICATE), "Authenticate", PUBLIC},
    {CALL(LOGOUT), "Logout", SIGNED},
    {CALL(WHOAMI), "WhoAmI", SIGNED},
    {CALL(CHANGE_PASSWORD), "ChangePassword", SIGNED},
    {CALL(USER_ADD), "UserAdd", B(RADM) | B(SADM)},
    {CALL(USER_LIST), "UserList", B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(USER_SHOW), "UserShow", B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(USER_SET_DISABLED), "UserSetDisabled", B(RADM) | B(SADM)},
    {CALL(USER_SET_ROLE), "UserSetRole", B(RADM) | B(SADM)},
    {CALL(USER_RESET_PASSWORD), "UserResetPassword", B(RADM) | B(SADM)},
    {CALL(OFFICE_ADD), "OfficeAdd", B(RADM) | B(SADM)},
    {CALL(OFFICE_LIST), "OfficeList", SIGNED},
    {CALL(OFFICE_SHOW), "OfficeShow", SIGNED},
    {CALL(OFFICE_MOVE), "OfficeMove", B(RADM) | B(SADM)},
    {CALL(AUDIT_LIST), "AuditList", B(RADM) | B(SADM) | B(AUD)},
    {CALL(AUDIT_VERIFY), "AuditVerify", B(SADM) | B(AUD)},
    /* registry (svc_employee.c) */
    {CALL(EMPLOYEE_ADD), "EmployeeAdd", B(HR) | B(RADM) | B(SADM)},
    {CALL(EMPLOYEE_SHOW), "EmployeeShow", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(EMPLOYEE_EDIT), "EmployeeEdit", B(HR) | B(RADM) | B(SADM)},
    {CALL(EMPLOYEE_LIST), "EmployeeList", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(EMPLOYEE_SEARCH), "EmployeeSearch", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(EMPLOYEE_HISTORY_ADD), "EmployeeHistoryAdd", B(HR) | B(RADM) | B(SADM)},
    {CALL(EMPLOYEE_HISTORY_LIST), "EmployeeHistoryList", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(MY_PROFILE), "MyProfile", SIGNED},
    /* registry views (svc_views.c) */
    {CALL(DUK_LIST), "DukList", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(HEADCOUNT), "Headcount", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(EARLY_WARNINGS), "EarlyWarnings", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    /* import/export (svc_import.c) */
    {CALL(IMPORT_BEGIN), "ImportBegin", B(HR) | B(RADM) | B(SADM)},
    {CALL(IMPORT_CHUNK), "ImportChunk", B(HR) | B(RADM) | B(SADM)},
    {CALL(EXPORT), "Export", B(SUP) | B(HR) | B(RADM) | B(SADM) | B(AUD)},
    /* personnel services (issue #5): request methods open to every signed-in
     * user decide on the person and step in the database */
    {CALL(REQUEST_SHOW), "RequestShow", SIGNED},
    {CALL(REQUEST_LIST), "RequestList", SIGNED},
    {CALL(REQUEST_TIMELINE), "RequestTimeline", SIGNED},
    {CALL(REQUEST_ACT), "RequestAct", SIGNED},
    {CALL(INBOX), "Inbox", SIGNED},
    {CALL(CHAIN_SET), "ChainSet", B(RADM) | B(SADM)},
    {CALL(CHAIN_SHOW), "ChainShow", SIGNED},
    {CALL(CORRECTION_SUBMIT), "CorrectionSubmit", SIGNED},
    {CALL(SERVICE_TIMES), "ServiceTimes", B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(SUBSCRIBE), "Subscribe", SIGNED},
    {CALL(LEAVE_SUBMIT), "LeaveSubmit", SIGNED},
    {CALL(LEAVE_BALANCE), "LeaveBalance", SIGNED},
    {CALL(LEAVE_TYPES), "LeaveTypes", SIGNED},
    {CALL(HOLIDAY_IMPORT), "HolidayImport", B(HR) | B(RADM) | B(SADM)},
    {CALL(HOLIDAY_LIST), "HolidayList", SIGNED},
    {CALL(WORK_CALENDAR_SET), "WorkCalendarSet", B(RADM) | B(SADM)},
    {CALL(PROMOTION_PERIOD_ADD), "PromotionPeriodAdd", B(HR) | B(RADM) | B(SADM)},
    {CALL(PROMOTION_PERIOD_LIST), "PromotionPeriodList", SIGNED},
    {CALL(PROMOTION_ELIGIBILITY), "PromotionEligibility", B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(PROMOTION_SUBMIT), "PromotionSubmit", B(HR) | B(RADM) | B(SADM)},
    {CALL(KGB_DUE), "KgbDue", B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(KGB_SUBMIT), "KgbSubmit", B(HR) | B(RADM) | B(SADM)},
    {CALL(RETIREMENT_PROJECTION), "RetirementProjection", B(HR) | B(RADM) | B(SADM) | B(AUD)},
    {CALL(DOCUMENT_UPLOAD_BEGIN), "DocumentUploadBegin", SIGNED},
    {CALL(DOCUMENT_UPLOAD_CHUNK), "DocumentUploadChunk", SIGNED},
    {CALL(DOCUMENT_UPLOAD_FINISH), "DocumentUploadFinish", SIGNED},
    {CALL(DOCUMENT_DOWNLOAD), "DocumentDownload", SIGNED},
};

/* A harmless request of each method; returns the response. */
static Simpeg__V1__Response *matrix_call(spc_sync_t *s, int call_case) {
  const char *nobody = un("nobody");
  switch (call_case) {
    case CALL(PING): {
      Simpeg__V1__Ping m = SIMPEG__V1__PING__INIT;
      return harness_rpc(s, call_case, &m);
    }
    case CALL(STATUS): {
      Simpeg__V1__StatusRequest m = SIMPEG__V1__STATUS_REQUEST__INIT;
      return harness_rpc(s, call_case, &m);
    }
    case CALL(LOGIN): {
      Simpeg__V1__Login m = SIMPEG__V1__LOGIN__INIT; /* empty: refused before any check */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(AUTHENTICATE): {
      Simpeg__V1__Authenticate m = SIMPEG__V1__AUTHENTICATE__INIT;
      m.token = "not-a-token";
      return harness_rpc(s, call_case, &m);
    }
    case CALL(LOGOUT): {
      Simpeg__V1__Logout m = SIMPEG__V1__LOGOUT__INIT;
      return harness_rpc(s, call_case, &m);
    }
    case CALL(WHOAMI): {
      Simpeg__V1__WhoAmI m = SIMPEG__V1__WHO_AM_I__INIT;
      return harness_rpc(s, call_case, &m);
    }
    case CALL(CHANGE_PASSWORD): {
      Simpeg__V1__ChangePassword m = SIMPEG__V1__CHANGE_PASSWORD__INIT; /* empty: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(USER_ADD): {
      Simpeg__V1__UserAdd m = SIMPEG__V1__USER_ADD__INIT; /* empty: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(USER_LIST): return user_list(s, NULL, 0, false, NULL, 1);
    case CALL(USER_SHOW): return user_show(s, nobody);
    case CALL(USER_SET_DISABLED): return user_set_disabled(s, nobody, true, 0);
    case CALL(USER_SET_ROLE): return user_set_role(s, nobody, ROLE(EMPLOYEE), NULL, 1);
    case CALL(USER_RESET_PASSWORD): return user_reset_password(s, nobody, NULL);
    case CALL(OFFICE_ADD): {
      Simpeg__V1__OfficeAdd m = SIMPEG__V1__OFFICE_ADD__INIT; /* empty: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(OFFICE_LIST): return office_list(s, NULL, false, 1);
    case CALL(OFFICE_SHOW): return office_show(s, oc("NOWHERE"));
    case CALL(OFFICE_MOVE): {
      Simpeg__V1__OfficeMove m = SIMPEG__V1__OFFICE_MOVE__INIT; /* empty: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(AUDIT_LIST): return audit_list(s, NULL, NULL, NULL, 0, 1);
    case CALL(AUDIT_VERIFY): return audit_verify(s);
    /* registry (svc_employee.c): empty or unknown NIPs, refused or not found */
    case CALL(EMPLOYEE_ADD): {
      Simpeg__V1__EmployeeAdd m = SIMPEG__V1__EMPLOYEE_ADD__INIT; /* no employee: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EMPLOYEE_SHOW): {
      Simpeg__V1__EmployeeShow m = SIMPEG__V1__EMPLOYEE_SHOW__INIT;
      m.nip = "199001012015011999";
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EMPLOYEE_EDIT): {
      Simpeg__V1__EmployeeEdit m = SIMPEG__V1__EMPLOYEE_EDIT__INIT; /* no employee: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EMPLOYEE_LIST): {
      Simpeg__V1__EmployeeList m = SIMPEG__V1__EMPLOYEE_LIST__INIT;
      m.limit = 1;
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EMPLOYEE_SEARCH): {
      Simpeg__V1__EmployeeSearch m = SIMPEG__V1__EMPLOYEE_SEARCH__INIT; /* empty query: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EMPLOYEE_HISTORY_ADD): {
      Simpeg__V1__EmployeeHistoryAdd m = SIMPEG__V1__EMPLOYEE_HISTORY_ADD__INIT; /* empty: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EMPLOYEE_HISTORY_LIST): {
      Simpeg__V1__EmployeeHistoryList m = SIMPEG__V1__EMPLOYEE_HISTORY_LIST__INIT;
      m.nip = "199001012015011999";
      return harness_rpc(s, call_case, &m);
    }
    case CALL(MY_PROFILE): {
      Simpeg__V1__MyProfile m = SIMPEG__V1__MY_PROFILE__INIT;
      return harness_rpc(s, call_case, &m);
    }
    /* registry views (svc_views.c): one-row pages of the caller's scope */
    case CALL(DUK_LIST): {
      Simpeg__V1__DukList m = SIMPEG__V1__DUK_LIST__INIT;
      m.limit = 1;
      return harness_rpc(s, call_case, &m);
    }
    case CALL(HEADCOUNT): {
      Simpeg__V1__Headcount m = SIMPEG__V1__HEADCOUNT__INIT;
      m.group_by = "sex";
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EARLY_WARNINGS): {
      Simpeg__V1__EarlyWarnings m = SIMPEG__V1__EARLY_WARNINGS__INIT;
      m.kind = "retirement";
      m.limit = 1;
      return harness_rpc(s, call_case, &m);
    }
    /* import/export (svc_import.c): an unknown kind, an unknown import, a one-row page */
    case CALL(IMPORT_BEGIN): {
      Simpeg__V1__ImportBegin m = SIMPEG__V1__IMPORT_BEGIN__INIT; /* no kind: invalid */
      return harness_rpc(s, call_case, &m);
    }
    case CALL(IMPORT_CHUNK): {
      Simpeg__V1__ImportChunk m = SIMPEG__V1__IMPORT_CHUNK__INIT; /* no such import */
      m.import_id = "none";
      return harness_rpc(s, call_case, &m);
    }
    case CALL(EXPORT): {
      Simpeg__V1__Export m = SIMPEG__V1__EXPORT__INIT;
      m.limit = 1;
      return harness_rpc(s, call_case, &m);
    }
    default: break;
  }
  /* personnel services (issue #5): an empty message of the call's type is
   * harmless for all of them (nothing named, nothing written). */
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field(&simpeg__v1__request__descriptor, (unsigned)call_case);
  if (!f || call_case < CALL(REQUEST_SHOW)) fail_msg("no harmless call for case %d", call_case);
  const ProtobufCMessageDescriptor *md = f->descriptor;
  ProtobufCMessage *m = calloc(1, md->sizeof_message);
  assert_non_null(m);
  protobuf_c_message_init(md, m);
  Simpeg__V1__Response *resp = harness_rpc(s, call_case, m);
  free(m);
  return resp;
}

/* The client library sends Hello itself and refuses to send another, so
 * the Hello row of the matrix speaks raw TLS: Hello, sign in (unless
 * anonymous), then Hello again, whose answer is checked. */
static Simpeg__V1__ServerFrame *raw_rpc(raw_tls_t *c, uint64_t id, int call_case, void *m) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.id = id;
  harness_set_call(&req, call_case, m);
  assert_true(raw_tls_send_request(c, &req));
  Simpeg__V1__ServerFrame *f = raw_tls_read_frame(c, 10000);
  assert_non_null(f);
  assert_int_equal(f->kind_case, SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE);
  return f;
}

static Simpeg__V1__ServerFrame *second_hello(const char *user, const char *pw) {
  raw_tls_t c;
  assert_true(raw_tls_connect(&c, D.port));
  Simpeg__V1__Hello h = SIMPEG__V1__HELLO__INIT;
  h.protocol_version = 1;
  h.client_name = "simpeg-tests";
  h.client_version = "1";
  Simpeg__V1__ServerFrame *f = raw_rpc(&c, 1, CALL(HELLO), &h);
  harness_expect_ok(f->response, RES(HELLO));
  simpeg__v1__server_frame__free_unpacked(f, NULL);
  if (user) {
    Simpeg__V1__Login l = SIMPEG__V1__LOGIN__INIT;
    l.username = (char *)user;
    l.password = (char *)pw;
    f = raw_rpc(&c, 2, CALL(LOGIN), &l);
    harness_expect_ok(f->response, RES(LOGIN));
    simpeg__v1__server_frame__free_unpacked(f, NULL);
  }
  f = raw_rpc(&c, 3, CALL(HELLO), &h);
  raw_tls_close(&c);
  return f;
}

static bool denied_by_dispatch(const Simpeg__V1__Response *r) {
  if (!r->error) return false;
  return (r->error->code == ERR(UNAUTHENTICATED) && strcmp(r->error->reason, "login_required") == 0) ||
         (r->error->code == ERR(PERMISSION_DENIED) && strcmp(r->error->reason, "role_lacks_permission") == 0);
}

static void permission_matrix_covers_every_method_and_role(void **state) {
  /* Every call of the protocol is in the matrix: a new method cannot slip
   * in without a decision here. */
  const ProtobufCMessageDescriptor *d = &simpeg__v1__request__descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    if (!(d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) continue;
    bool found = false;
    for (size_t j = 0; j < sizeof(matrix) / sizeof(matrix[0]); j++) found |= matrix[j].call_case == (int)d->fields[i].id;
    if (!found) fail_msg("method %s (field %u) is missing from the permission matrix", d->fields[i].name, d->fields[i].id);
  }

  static const int roles[NROLES] = {0, ROLE(EMPLOYEE), ROLE(SUPERVISOR), ROLE(HR_OFFICER), ROLE(REGIONAL_ADMIN),
                                    ROLE(SYSTEM_ADMIN), ROLE(AUDITOR)};
  static const char *const role_names[NROLES] = {"anonymous", "employee", "supervisor", "hr_officer",
                                                 "regional_admin", "system_admin", "auditor"};
  char users[NROLES][64], pws[NROLES][64];
  for (int r = 1; r < NROLES; r++) {
    snprintf(users[r], sizeof(users[r]), "%s", un(fmt("m%d", r)));
    snprintf(pws[r], sizeof(pws[r]), "%s", user_add_ok(ROOT, users[r], roles[r], oc("12.75.BKPSDM"), NULL));
  }
  int checked = 0;
  for (int r = 0; r < NROLES; r++) {
    spc_sync_t *s = r == ANON ? open_conn() : login(users[r], pws[r]);
    for (size_t j = 0; j < sizeof(matrix) / sizeof(matrix[0]); j++) {
      Simpeg__V1__ServerFrame *frame = NULL;
      Simpeg__V1__Response *resp;
      if (matrix[j].call_case == CALL(HELLO)) {
        frame = second_hello(r == ANON ? NULL : users[r], pws[r]);
        resp = frame->response;
      } else {
        resp = matrix_call(s, matrix[j].call_case);
      }
      bool allowed = (matrix[j].allowed & B(r)) != 0;
      bool denied = denied_by_dispatch(resp);
      if (allowed == denied)
        fail_msg("%s as %s: expected %s, got code %d reason '%s'", matrix[j].name, role_names[r],
                 allowed ? "the handler to run" : "a refusal", resp->error ? (int)resp->error->code : 0,
                 resp->error ? resp->error->reason : "");
      if (frame)
        simpeg__v1__server_frame__free_unpacked(frame, NULL);
      else
        spc_response_free(resp);
      checked++;
      /* These may end or replace the session: start afresh. */
      int cc = matrix[j].call_case;
      if (cc == CALL(LOGOUT) || cc == CALL(AUTHENTICATE) || cc == CALL(LOGIN) || cc == CALL(CHANGE_PASSWORD)) {
        spc_sync_close(s);
        s = r == ANON ? open_conn() : login(users[r], pws[r]);
      }
    }
    spc_sync_close(s);
  }
  assert_int_equal(checked, NROLES * (int)(sizeof(matrix) / sizeof(matrix[0])));
}

/* ---- offices ---- */

static void office_tree_rules(void **state) {
  Simpeg__V1__Response *r;
  /* The kind must fit under the parent's kind. */
  r = office_add(ROOT, oc("X1"), "Kota di bawah negara", KIND(CITY), "ID", NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "kind", "kind_not_allowed_under_parent");
  spc_response_free(r);
  r = office_add(ROOT, oc("X2"), "UPT di bawah kota", KIND(UNIT), oc("12.75"), NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "kind", "kind_not_allowed_under_parent");
  spc_response_free(r);
  r = office_add(ROOT, oc("X3"), "Provinsi di bawah provinsi", KIND(PROVINCE), oc("12"), NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "kind", "kind_not_allowed_under_parent");
  spc_response_free(r);
  r = office_add(ROOT, oc("X4"), "Negara kedua", KIND(NATIONAL), "ID", NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "kind", "kind_not_allowed_under_parent");
  spc_response_free(r);
  /* Provincial agencies (BKD Provinsi) hang directly from their province;
   * units nest. */
  office_add_ok(ROOT, oc("12.BKD"), "BKD Provinsi Sumatera Utara", KIND(AGENCY), oc("12"));
  office_add_ok(ROOT, oc("12.75.BKPSDM.MUT.UPT"), "Sub-bidang", KIND(UNIT), oc("12.75.BKPSDM.MUT"));

  /* Field rules. */
  r = office_add(ROOT, fmt("%s-bad", T), "x", KIND(PROVINCE), "ID", NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "code", "invalid_format");
  spc_response_free(r);
  r = office_add(ROOT, "", "x", KIND(PROVINCE), "ID", NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "code", "required");
  spc_response_free(r);
  r = office_add(ROOT, oc("X5"), "", KIND(PROVINCE), "ID", NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "name", "required");
  spc_response_free(r);
  r = office_add(ROOT, oc("X5"), "x", KIND(PROVINCE), "ID", "2023-02-29", NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "valid_from", "not_a_date");
  spc_response_free(r);
  r = office_add(ROOT, oc("X5"), "x", KIND(PROVINCE), "ID", "2024-02-29", "2024-13-01");
  expect_field(r, ERR(INVALID_ARGUMENT), "valid_to", "not_a_date");
  spc_response_free(r);
  r = office_add(ROOT, oc("X5"), "x", KIND(PROVINCE), "ID", "2024-02-29", "2024-02-28");
  expect_field(r, ERR(INVALID_ARGUMENT), "valid_to", "before_valid_from");
  spc_response_free(r);
  r = office_add(ROOT, oc("X5"), "x", KIND(PROVINCE), oc("NOWHERE"), NULL, NULL);
  expect_field(r, ERR(NOT_FOUND), "parent_code", "not_found");
  spc_response_free(r);
  /* Codes are unique. */
  r = office_add(ROOT, oc("12.75"), "Kota Binjai lagi", KIND(CITY), oc("12"), NULL, NULL);
  harness_expect_err(r, ERR(ALREADY_EXISTS), "office_code_taken");
  spc_response_free(r);

  /* Show: the path runs from the root. */
  r = office_show(ROOT, oc("12.75.BKPSDM"));
  harness_expect_ok(r, RES(OFFICE_SHOW));
  Simpeg__V1__Office *o = r->office_show->office;
  assert_int_equal(o->n_path, 4);
  assert_string_equal(o->path[0], "ID");
  assert_string_equal(o->path[1], oc("12"));
  assert_string_equal(o->path[3], oc("12.75.BKPSDM"));
  assert_int_equal(o->kind, KIND(AGENCY));
  assert_string_equal(o->valid_from, "2020-01-01");
  assert_string_equal(o->valid_to, "");
  spc_response_free(r);

  /* List: depth-first, parents before children; max_depth; inactive. */
  r = office_add(ROOT, oc("12.76"), "Kota lama", KIND(CITY), oc("12"), "2001-01-01", "2010-12-31");
  harness_expect_ok(r, RES(OFFICE_ADD));
  spc_response_free(r);
  r = office_list(ROOT, oc("12"), false, 0);
  harness_expect_ok(r, RES(OFFICE_LIST));
  const char *want[] = {oc("12"), oc("12.75"), oc("12.75.BKPSDM"), oc("12.75.BKPSDM.MUT"), oc("12.75.BKPSDM.MUT.UPT"),
                        oc("12.BKD")};
  assert_int_equal(r->office_list->n_offices, 6);
  for (size_t i = 0; i < 6; i++) assert_string_equal(r->office_list->offices[i]->code, want[i]);
  spc_response_free(r);
  r = office_list(ROOT, oc("12"), true, 1);
  harness_expect_ok(r, RES(OFFICE_LIST));
  assert_int_equal(r->office_list->n_offices, 4); /* 12, 12.75, 12.76 (ended), 12.BKD */
  assert_string_equal(r->office_list->offices[2]->code, oc("12.76"));
  assert_string_equal(r->office_list->offices[2]->valid_to, "2010-12-31");
  spc_response_free(r);

  /* Binjai's admin adds inside Kota Binjai only. */
  r = office_add(BINJAI, oc("12.75.DISDIK"), "Dinas Pendidikan Kota Binjai", KIND(AGENCY), oc("12.75"), NULL, NULL);
  harness_expect_ok(r, RES(OFFICE_ADD));
  spc_response_free(r);
  r = office_add(BINJAI, oc("12.77"), "Kota lain", KIND(CITY), oc("12"), NULL, NULL);
  expect_field(r, ERR(NOT_FOUND), "parent_code", "not_found");
  spc_response_free(r);
}

static void office_move_rewrites_the_subtree_and_checks_versions(void **state) {
  Simpeg__V1__Response *r;
  office_add_ok(ROOT, oc("12.75.DINKES"), "Dinas Kesehatan", KIND(AGENCY), oc("12.75"));
  office_add_ok(ROOT, oc("12.75.DINKES.PKM"), "Puskesmas Binjai Kota", KIND(UNIT), oc("12.75.DINKES"));
  int64_t v = office_version(ROOT, oc("12.75.DINKES"));

  /* A cycle: under its own child, or under itself. */
  r = office_move(ROOT, oc("12.75.DINKES"), oc("12.75.DINKES.PKM"), v);
  expect_field(r, ERR(INVALID_ARGUMENT), "new_parent_code", "would_create_cycle");
  spc_response_free(r);
  r = office_move(ROOT, oc("12.75.DINKES"), oc("12.75.DINKES"), v);
  expect_field(r, ERR(INVALID_ARGUMENT), "new_parent_code", "would_create_cycle");
  spc_response_free(r);
  r = office_move(ROOT, oc("12"), oc("12.75"), office_version(ROOT, oc("12")));
  expect_field(r, ERR(INVALID_ARGUMENT), "new_parent_code", "would_create_cycle");
  spc_response_free(r);
  /* The kind rule. */
  r = office_move(ROOT, oc("12.75.DINKES"), "ID", v);
  expect_field(r, ERR(INVALID_ARGUMENT), "new_parent_code", "kind_not_allowed_under_parent");
  spc_response_free(r);
  /* Binjai's admin cannot move it to Palembang (out of scope: not found). */
  r = office_move(BINJAI, oc("12.75.DINKES"), oc("16.71"), v);
  expect_field(r, ERR(NOT_FOUND), "new_parent_code", "not_found");
  spc_response_free(r);
  /* A stale version: ABORTED. */
  r = office_move(ROOT, oc("12.75.DINKES"), oc("16.71"), v + 1);
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  spc_response_free(r);
  r = office_move(ROOT, oc("12.75.DINKES"), oc("16.71"), 0);
  expect_field(r, ERR(INVALID_ARGUMENT), "version", "required");
  spc_response_free(r);

  r = office_move(ROOT, oc("12.75.DINKES"), oc("16.71"), v);
  harness_expect_ok(r, RES(OFFICE_MOVE));
  assert_string_equal(r->office_move->office->parent_code, oc("16.71"));
  assert_int_equal(r->office_move->office->version, v + 1);
  assert_int_equal(r->office_move->office->n_path, 4);
  assert_string_equal(r->office_move->office->path[1], oc("16"));
  spc_response_free(r);
  /* The child moved with it. */
  r = office_show(ROOT, oc("12.75.DINKES.PKM"));
  harness_expect_ok(r, RES(OFFICE_SHOW));
  assert_int_equal(r->office_show->office->n_path, 5);
  assert_string_equal(r->office_show->office->path[2], oc("16.71"));
  spc_response_free(r);
  const char *pv[] = {fmt("/ID/%s/%s/%s/%s/", oc("16"), oc("16.71"), oc("12.75.DINKES"), oc("12.75.DINKES.PKM"))};
  assert_int_equal(sql_int("SELECT count(*) FROM offices WHERE path = $1", 1, pv), 1);
  /* ... and out of Binjai's sight. */
  r = office_show(BINJAI, oc("12.75.DINKES.PKM"));
  expect_field(r, ERR(NOT_FOUND), "code", "not_found");
  spc_response_free(r);
  /* The old version is stale now. */
  r = office_move(ROOT, oc("12.75.DINKES"), oc("12.75"), v);
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  spc_response_free(r);

  /* The move is audited with the row before and after. */
  r = audit_list(ROOT, ROOT_USER, "office", oc("12.75.DINKES"), 0, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_true(r->audit_list->n_entries >= 2);
  Simpeg__V1__AuditEntry *e = r->audit_list->entries[0];
  assert_string_equal(e->method, "OfficeMove");
  assert_non_null(strstr(e->before_json, fmt("/%s/", oc("12.75"))));
  assert_non_null(strstr(e->after_json, fmt("/%s/", oc("16.71"))));
  assert_string_equal(r->audit_list->entries[1]->method, "OfficeAdd");
  spc_response_free(r);
}

/* ---- accounts ---- */

static void user_rules_and_scope(void **state) {
  Simpeg__V1__Response *r;
  const char *emp = un("budi");
  user_add_ok(BINJAI, emp, ROLE(EMPLOYEE), oc("12.75.BKPSDM"), "budi-password-1");

  /* Field rules. */
  r = user_add(BINJAI, "B", "x", ROLE(EMPLOYEE), oc("12.75"), NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "username", "too_short");
  spc_response_free(r);
  r = user_add(BINJAI, "Budi.Upper", "x", ROLE(EMPLOYEE), oc("12.75"), NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "username", "invalid_format");
  spc_response_free(r);
  r = user_add(BINJAI, un("x1"), "", ROLE(EMPLOYEE), oc("12.75"), NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "full_name", "required");
  spc_response_free(r);
  r = user_add(BINJAI, un("x1"), "x", ROLE(UNSPECIFIED), oc("12.75"), NULL, NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "role", "required");
  spc_response_free(r);
  r = user_add(BINJAI, un("x1"), "x", ROLE(EMPLOYEE), oc("12.75"), "19860926201505100", NULL);
  expect_field(r, ERR(INVALID_ARGUMENT), "nip", "invalid_format");
  spc_response_free(r);
  r = user_add(BINJAI, un("x1"), "x", ROLE(EMPLOYEE), oc("12.75"), "198602312015051001", NULL); /* 31 Feb */
  expect_field(r, ERR(INVALID_ARGUMENT), "nip", "invalid_format");
  spc_response_free(r);
  r = user_add(BINJAI, un("x1"), "x", ROLE(EMPLOYEE), oc("12.75"), NULL, "short");
  expect_field(r, ERR(INVALID_ARGUMENT), "password", "too_short");
  spc_response_free(r);
  r = user_add(BINJAI, un("x1-long-name"), "x", ROLE(EMPLOYEE), oc("12.75"), NULL, un("x1-long-name"));
  expect_field(r, ERR(INVALID_ARGUMENT), "password", "same_as_username");
  spc_response_free(r);
  /* Unique names and NIPs. */
  r = user_add(BINJAI, emp, "Budi lagi", ROLE(EMPLOYEE), oc("12.75"), NULL, NULL);
  expect_field(r, ERR(ALREADY_EXISTS), "username", "duplicate");
  spc_response_free(r);
  /* birth date, TMT, sex, sequence: random enough not to meet an earlier run */
  char nip[32];
  snprintf(nip, sizeof(nip), "%04d%02d%02d%04d%02d%d%03d", 1970 + rand() % 30, 1 + rand() % 12, 1 + rand() % 28,
           2005 + rand() % 15, 1 + rand() % 12, 1 + rand() % 2, 1 + rand() % 999);
  r = user_add(BINJAI, un("nip1"), "Siti", ROLE(EMPLOYEE), oc("12.75"), nip, NULL);
  harness_expect_ok(r, RES(USER_ADD));
  assert_string_equal(r->user_add->user->nip, nip);
  spc_response_free(r);
  r = user_add(BINJAI, un("nip2"), "Siti lagi", ROLE(EMPLOYEE), oc("12.75"), nip, NULL);
  if (r->error && r->error->code == ERR(ALREADY_EXISTS)) {
    expect_field(r, ERR(ALREADY_EXISTS), "nip", "duplicate");
  } else {
    fail_msg("a second account with the same NIP was accepted");
  }
  spc_response_free(r);

  /* A regional admin grants any role but system_admin. */
  r = user_add(BINJAI, un("x2"), "x", ROLE(SYSTEM_ADMIN), oc("12.75"), NULL, NULL);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "role_not_grantable");
  spc_response_free(r);

  /* Across regions: Binjai's admin sees nothing of Palembang, and the
   * answer is the same as for things that do not exist. */
  r = user_add(BINJAI, un("x3"), "x", ROLE(EMPLOYEE), oc("16.71"), NULL, NULL);
  expect_field(r, ERR(NOT_FOUND), "office_code", "not_found");
  spc_response_free(r);
  r = user_show(BINJAI, PLG_USER);
  expect_field(r, ERR(NOT_FOUND), "username", "not_found");
  Simpeg__V1__Response *r2 = user_show(BINJAI, un("does-not-exist"));
  expect_field(r2, ERR(NOT_FOUND), "username", "not_found");
  assert_string_equal(r->error->reason, r2->error->reason);
  assert_string_equal(r->error->message, r2->error->message);
  spc_response_free(r);
  spc_response_free(r2);
  int64_t pv = user_version(ROOT, PLG_USER);
  r = user_set_disabled(BINJAI, PLG_USER, true, 0);
  harness_expect_err(r, ERR(NOT_FOUND), "user_not_found");
  spc_response_free(r);
  r = user_set_role(BINJAI, PLG_USER, ROLE(EMPLOYEE), NULL, pv);
  harness_expect_err(r, ERR(NOT_FOUND), "user_not_found");
  spc_response_free(r);
  r = user_reset_password(BINJAI, PLG_USER, NULL);
  harness_expect_err(r, ERR(NOT_FOUND), "user_not_found");
  spc_response_free(r);
  r = user_list(BINJAI, oc("16.71"), 0, true, NULL, 100);
  expect_field(r, ERR(NOT_FOUND), "office_code", "not_found");
  spc_response_free(r);
  r = office_show(BINJAI, oc("16.71"));
  expect_field(r, ERR(NOT_FOUND), "code", "not_found");
  spc_response_free(r);
  r = office_list(BINJAI, oc("16"), true, 0);
  expect_field(r, ERR(NOT_FOUND), "under_code", "not_found");
  spc_response_free(r);
  r = office_list(BINJAI, oc("12"), true, 0); /* above its scope */
  expect_field(r, ERR(NOT_FOUND), "under_code", "not_found");
  spc_response_free(r);
  r = office_list(BINJAI, NULL, true, 0);
  harness_expect_ok(r, RES(OFFICE_LIST));
  assert_string_equal(r->office_list->offices[0]->code, oc("12.75"));
  for (size_t i = 0; i < r->office_list->n_offices; i++)
    assert_non_null(strstr(r->office_list->offices[i]->code, oc("12.75")));
  spc_response_free(r);
  r = user_list(BINJAI, NULL, 0, true, NULL, 1000);
  harness_expect_ok(r, RES(USER_LIST));
  assert_true(list_has_user(r->user_list, emp));
  assert_true(list_has_user(r->user_list, BINJAI_USER));
  assert_false(list_has_user(r->user_list, PLG_USER));
  assert_false(list_has_user(r->user_list, ROOT_USER));
  spc_response_free(r);
  /* Palembang's admin does not see Binjai either. */
  r = user_show(PLG, emp);
  harness_expect_err(r, ERR(NOT_FOUND), "user_not_found");
  spc_response_free(r);

  /* A system admin placed in Binjai is beyond Binjai's admin: visible, but
   * not manageable. */
  const char *sys = un("sys-binjai");
  user_add_ok(ROOT, sys, ROLE(SYSTEM_ADMIN), oc("12.75.BKPSDM"), NULL);
  int64_t sv = user_version(BINJAI, sys);
  r = user_set_role(BINJAI, sys, ROLE(EMPLOYEE), NULL, sv);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "cannot_manage_role");
  spc_response_free(r);
  r = user_set_disabled(BINJAI, sys, true, sv);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "cannot_manage_role");
  spc_response_free(r);
  r = user_reset_password(BINJAI, sys, NULL);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "cannot_manage_role");
  spc_response_free(r);
  /* Nobody raises an account to a role they cannot grant. */
  r = user_set_role(BINJAI, emp, ROLE(SYSTEM_ADMIN), NULL, user_version(BINJAI, emp));
  harness_expect_err(r, ERR(PERMISSION_DENIED), "role_not_grantable");
  spc_response_free(r);
}

static void disable_and_enable_revoke_sessions(void **state) {
  Simpeg__V1__Response *r;
  const char *u = un("ani");
  const char *pw = user_add_ok(BINJAI, u, ROLE(HR_OFFICER), oc("12.75.BKPSDM"), NULL);
  spc_sync_t *s = login(u, pw);
  spc_sync_t *s2 = login(u, pw);

  /* You cannot disable yourself. */
  r = user_set_disabled(BINJAI, BINJAI_USER, true, 0);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "cannot_disable_self");
  spc_response_free(r);

  int64_t v = user_version(BINJAI, u);
  r = user_set_disabled(BINJAI, u, true, v + 5);
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  spc_response_free(r);
  r = user_set_disabled(BINJAI, u, true, v);
  harness_expect_ok(r, RES(USER_SET_DISABLED));
  assert_true(r->user_set_disabled->user->disabled);
  assert_int_equal(r->user_set_disabled->user->version, v + 1);
  spc_response_free(r);
  /* Both sessions end at once, and signing in is refused. */
  session_ended(s);
  session_ended(s2);
  spc_sync_close(s);
  spc_sync_close(s2);
  login_refused(u, pw);
  const char *idv[] = {u};
  assert_int_equal(sql_int("SELECT count(*) FROM sessions s JOIN users x ON x.id = s.user_id"
                           " WHERE x.username = $1 AND s.revoked_at IS NULL",
                           1, idv),
                   0);
  /* Disabled accounts are listed only when asked for. */
  r = user_list(BINJAI, oc("12.75.BKPSDM"), ROLE(HR_OFFICER), false, NULL, 1000);
  harness_expect_ok(r, RES(USER_LIST));
  assert_false(list_has_user(r->user_list, u));
  spc_response_free(r);
  r = user_list(BINJAI, oc("12.75.BKPSDM"), ROLE(HR_OFFICER), true, NULL, 1000);
  harness_expect_ok(r, RES(USER_LIST));
  assert_true(list_has_user(r->user_list, u));
  spc_response_free(r);
  /* Disabling twice changes nothing. */
  r = user_set_disabled(BINJAI, u, true, 0);
  harness_expect_ok(r, RES(USER_SET_DISABLED));
  assert_int_equal(r->user_set_disabled->user->version, v + 1);
  spc_response_free(r);

  r = user_set_disabled(BINJAI, u, false, 0);
  harness_expect_ok(r, RES(USER_SET_DISABLED));
  assert_false(r->user_set_disabled->user->disabled);
  spc_response_free(r);
  s = login(u, pw);
  spc_sync_close(s);

  /* Both changes are audited with the state before and after. */
  r = audit_list(ROOT, BINJAI_USER, "user", u, 0, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  int seen = 0;
  for (size_t i = 0; i < r->audit_list->n_entries; i++) {
    Simpeg__V1__AuditEntry *e = r->audit_list->entries[i];
    if (strcmp(e->method, "UserSetDisabled") != 0) continue;
    bool enable = strstr(e->after_json, "\"disabled\": false") != NULL;
    assert_non_null(strstr(e->before_json, enable ? "\"disabled\": true" : "\"disabled\": false"));
    assert_null(strstr(e->after_json, "password_hash"));
    assert_null(strstr(e->before_json, "password_hash"));
    seen |= enable ? 2 : 1;
  }
  assert_int_equal(seen, 3);
  spc_response_free(r);
}

static void role_change_checks_version_and_revokes(void **state) {
  Simpeg__V1__Response *r;
  const char *u = un("citra");
  const char *pw = user_add_ok(BINJAI, u, ROLE(EMPLOYEE), oc("12.75.BKPSDM"), NULL);
  spc_sync_t *s = login(u, pw);
  int64_t v = user_version(BINJAI, u);

  /* Two admins read version v; the first change wins, the second is stale. */
  r = user_set_role(BINJAI, u, ROLE(HR_OFFICER), NULL, v);
  harness_expect_ok(r, RES(USER_SET_ROLE));
  assert_int_equal(r->user_set_role->user->role, ROLE(HR_OFFICER));
  assert_int_equal(r->user_set_role->user->version, v + 1);
  spc_response_free(r);
  r = user_set_role(ROOT, u, ROLE(SUPERVISOR), NULL, v);
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  assert_non_null(strstr(r->error->message, fmt("version %lld", (long long)(v + 1))));
  spc_response_free(r);
  r = user_set_role(BINJAI, u, ROLE(HR_OFFICER), NULL, 0);
  expect_field(r, ERR(INVALID_ARGUMENT), "version", "required");
  spc_response_free(r);

  /* The old session no longer holds the old role: it is gone. */
  session_ended(s);
  spc_sync_close(s);
  s = login(u, pw);
  r = user_list(s, NULL, 0, false, NULL, 10); /* hr_officer may list now */
  harness_expect_ok(r, RES(USER_LIST));
  spc_response_free(r);
  spc_sync_close(s);

  /* Moving the account to another office inside the scope; not outside. */
  r = user_set_role(BINJAI, u, ROLE(HR_OFFICER), oc("16.71"), v + 1);
  expect_field(r, ERR(NOT_FOUND), "office_code", "not_found");
  spc_response_free(r);
  r = user_set_role(BINJAI, u, ROLE(HR_OFFICER), oc("12.75.BKPSDM.MUT"), v + 1);
  harness_expect_ok(r, RES(USER_SET_ROLE));
  assert_string_equal(r->user_set_role->user->office_code, oc("12.75.BKPSDM.MUT"));
  spc_response_free(r);
  /* Changing one's own role is refused. */
  r = user_set_role(BINJAI, BINJAI_USER, ROLE(EMPLOYEE), NULL, user_version(ROOT, BINJAI_USER));
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "cannot_change_own_role");
  spc_response_free(r);

  r = audit_list(ROOT, NULL, "user", u, 0, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  Simpeg__V1__AuditEntry *e = r->audit_list->entries[0];
  assert_string_equal(e->method, "UserSetRole");
  assert_string_equal(e->actor, BINJAI_USER);
  assert_string_equal(e->actor_office, oc("12.75"));
  assert_non_null(strstr(e->after_json, "\"role\": 3"));
  spc_response_free(r);
}

static void password_reset_revokes_and_returns_once(void **state) {
  Simpeg__V1__Response *r;
  const char *u = un("dewi");
  const char *pw = user_add_ok(BINJAI, u, ROLE(SUPERVISOR), oc("12.75.BKPSDM"), "dewi-first-password");
  spc_sync_t *s = login(u, pw);
  r = user_reset_password(BINJAI, u, "short");
  expect_field(r, ERR(INVALID_ARGUMENT), "new_password", "too_short");
  spc_response_free(r);
  r = user_reset_password(BINJAI, u, NULL);
  harness_expect_ok(r, RES(USER_RESET_PASSWORD));
  char generated[32];
  snprintf(generated, sizeof(generated), "%s", r->user_reset_password->generated_password);
  assert_int_equal(strlen(generated), 20);
  spc_response_free(r);
  session_ended(s);
  spc_sync_close(s);
  login_refused(u, pw);
  s = login(u, generated);
  spc_sync_close(s);
  r = user_reset_password(BINJAI, u, "dewi-chosen-password");
  harness_expect_ok(r, RES(USER_RESET_PASSWORD));
  assert_string_equal(r->user_reset_password->generated_password, "");
  spc_response_free(r);
  s = login(u, "dewi-chosen-password");
  spc_sync_close(s);
  r = user_reset_password(BINJAI, BINJAI_USER, NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "use_change_password");
  spc_response_free(r);
}

static void user_list_pages_by_username(void **state) {
  Simpeg__V1__Response *r;
  office_add_ok(ROOT, oc("12.75.BKPSDM.PG"), "Bidang Pengembangan", KIND(UNIT), oc("12.75.BKPSDM"));
  const char *names[] = {"pa", "pb", "pc", "pd", "pe"};
  for (int i = 0; i < 5; i++) user_add_ok(BINJAI, un(names[i]), ROLE(EMPLOYEE), oc("12.75.BKPSDM.PG"), NULL);
  char after[64] = "";
  int got = 0, pages = 0;
  for (;;) {
    r = user_list(BINJAI, oc("12.75.BKPSDM.PG"), 0, false, after, 2);
    harness_expect_ok(r, RES(USER_LIST));
    pages++;
    for (size_t i = 0; i < r->user_list->n_users; i++) {
      assert_string_equal(r->user_list->users[i]->username, un(names[got]));
      got++;
    }
    bool more = r->user_list->next_after[0] != '\0';
    if (more) assert_string_equal(r->user_list->next_after, un(names[got - 1]));
    snprintf(after, sizeof(after), "%s", r->user_list->next_after);
    spc_response_free(r);
    if (!more) break;
  }
  assert_int_equal(got, 5);
  assert_int_equal(pages, 3);
  /* The list read is audited, naming the accounts disclosed. */
  r = audit_list(ROOT, BINJAI_USER, "user", oc("12.75.BKPSDM.PG"), 0, 1);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_string_equal(r->audit_list->entries[0]->method, "UserList");
  assert_non_null(strstr(r->audit_list->entries[0]->after_json, un("pe")));
  spc_response_free(r);
}

/* ---- the audit log ---- */

static void reads_of_others_are_audited_and_no_hash_is_ever_logged(void **state) {
  Simpeg__V1__Response *r;
  const char *hr = un("eka");
  const char *pw = user_add_ok(BINJAI, hr, ROLE(HR_OFFICER), oc("12.75.BKPSDM"), NULL);
  spc_sync_t *s = login(hr, pw);
  const char *av[] = {hr};
  const char *count_reads = "SELECT count(*) FROM audit_log WHERE actor = $1 AND method = 'UserShow'";
  r = user_show(s, hr); /* oneself: not logged */
  harness_expect_ok(r, RES(USER_SHOW));
  spc_response_free(r);
  assert_int_equal(sql_int(count_reads, 1, av), 0);
  const char *other = un("budi"); /* in the same agency */
  r = user_show(s, other);
  harness_expect_ok(r, RES(USER_SHOW));
  assert_int_equal(r->user_show->user->role, ROLE(EMPLOYEE));
  spc_response_free(r);
  assert_int_equal(sql_int(count_reads, 1, av), 1);
  r = user_show(s, BINJAI_USER); /* the city's admin is above the agency: out of scope */
  harness_expect_err(r, ERR(NOT_FOUND), "user_not_found");
  spc_response_free(r);
  r = user_show(s, PLG_USER); /* out of scope: not found, nothing read */
  harness_expect_err(r, ERR(NOT_FOUND), "user_not_found");
  spc_response_free(r);
  assert_int_equal(sql_int(count_reads, 1, av), 1);
  const char *ev[] = {hr, other};
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE actor = $1 AND method = 'UserShow'"
                           " AND entity = 'user' AND entity_id = $2 AND client_addr = '127.0.0.1'",
                           2, ev),
                   1);
  spc_sync_close(s);

  /* Every kind of change of this run left rows, none with a password hash. */
  const char *methods[] = {"OfficeAdd", "OfficeMove", "UserAdd", "UserSetDisabled", "UserSetRole",
                           "UserResetPassword", "UserShow", "UserList"};
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    const char *mv[] = {methods[i], fmt("%%-%s", t)};
    if (sql_int("SELECT count(*) FROM audit_log WHERE method = $1 AND actor LIKE $2", 2, mv) < 1)
      fail_msg("no audit row for %s", methods[i]);
  }
  const char *tv[] = {fmt("%%-%s", t)};
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method IN ('UserAdd', 'UserSetDisabled',"
                           " 'UserSetRole', 'UserResetPassword') AND actor LIKE $1 AND after IS NULL",
                           1, tv),
                   0);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE (coalesce(before::text, '') || coalesce(after::text, ''))"
                           " ~ '(password_hash|scrypt\\$)'",
                           0, NULL),
                   0);
}

static void wait_chained(void);

static void audit_list_is_scoped_and_pages_newest_first(void **state) {
  Simpeg__V1__Response *r;
  wait_chained(); /* hashes are checked below */
  /* Binjai's admin sees what actors of Kota Binjai did, not Palembang's
   * nor the root's. */
  r = audit_list(BINJAI, NULL, NULL, NULL, 0, 1000);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_true(r->audit_list->n_entries > 0);
  for (size_t i = 0; i < r->audit_list->n_entries; i++)
    assert_non_null(strstr(r->audit_list->entries[i]->actor_office, oc("12.75")));
  spc_response_free(r);
  r = audit_list(BINJAI, ROOT_USER, NULL, NULL, 0, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_int_equal(r->audit_list->n_entries, 0);
  spc_response_free(r);
  r = audit_list(PLG, BINJAI_USER, NULL, NULL, 0, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_int_equal(r->audit_list->n_entries, 0);
  spc_response_free(r);
  /* The root sees everyone's. */
  r = audit_list(ROOT, BINJAI_USER, NULL, NULL, 0, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_int_equal(r->audit_list->n_entries, 10);
  assert_true(r->audit_list->next_before > 0);
  uint64_t prev = UINT64_MAX;
  for (size_t i = 0; i < r->audit_list->n_entries; i++) {
    Simpeg__V1__AuditEntry *e = r->audit_list->entries[i];
    assert_true(e->seq < prev);
    prev = e->seq;
    assert_int_equal(strlen(e->hash_hex), 64);
    assert_true(e->at_us > 1700000000000000ull);
  }
  uint64_t next = r->audit_list->next_before;
  assert_int_equal(next, prev);
  spc_response_free(r);
  r = audit_list(ROOT, BINJAI_USER, NULL, NULL, next, 10);
  harness_expect_ok(r, RES(AUDIT_LIST));
  assert_true(r->audit_list->n_entries > 0);
  assert_true(r->audit_list->entries[0]->seq < next);
  spc_response_free(r);
}

/* Runs one statement with a trigger of audit_log switched off, as only the
 * table's owner can: this is the tampering AuditVerify must find. */
/* Runs stmt with one trigger of table (audit_log or audit_chain) off. */
static void tamper_table(const char *table, const char *trigger, const char *stmt, const char *seq) {
  sql_do(fmt("ALTER TABLE %s DISABLE TRIGGER %s", table, trigger));
  const char *v[] = {seq};
  PQclear(sql(stmt, seq ? 1 : 0, seq ? v : NULL));
  sql_do(fmt("ALTER TABLE %s ENABLE TRIGGER %s", table, trigger));
}

static void tamper(const char *trigger, const char *stmt, const char *seq) {
  tamper_table("audit_log", trigger, stmt, seq);
}

static void tamper_chain(const char *stmt, const char *seq) {
  tamper_table("audit_chain", "audit_chain_append_only", stmt, seq);
}

#define UNCHAINED "NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = audit_log.seq)"

/* Waits (up to 10 s) until the daemon's chainer has linked every audit row
 * whose transaction is over (migrations 0010, 0018): rows are written
 * unchained and linked into audit_chain later. */
static void wait_chained(void) {
  for (int i = 0; i < 200; i++) {
    if (sql_int("SELECT count(*) FROM audit_log WHERE " UNCHAINED, 0, NULL) == 0) return;
    usleep(50 * 1000);
  }
  fail_msg("audit rows still unchained after 10 s");
}

/* The seq of the row at chain position pos. */
static long long seq_at(long long pos) {
  const char *v[] = {fmt("%lld", pos)};
  return sql_int("SELECT seq FROM audit_chain WHERE chain_pos = $1::bigint", 1, v);
}

/* The chain position of audit row seq (0: none). */
static long long pos_of(const char *seq) {
  const char *v[] = {seq};
  return sql_int("SELECT coalesce((SELECT chain_pos FROM audit_chain WHERE seq = $1::bigint), 0)", 1, v);
}

static void expect_verify(spc_sync_t *s, bool ok, const char *problem, long long seq) {
  Simpeg__V1__Response *r = audit_verify(s);
  harness_expect_ok(r, RES(AUDIT_VERIFY));
  Simpeg__V1__AuditVerifyReply *v = r->audit_verify;
  if (v->ok != ok || strcmp(v->problem, problem) != 0 || (long long)v->first_broken_seq != seq)
    fail_msg("verify: expected ok=%d %s at %lld, got ok=%d %s at %llu (%llu rows)", ok, problem, seq, v->ok, v->problem,
             (unsigned long long)v->first_broken_seq, (unsigned long long)v->rows_checked);
  assert_true(v->rows_checked > 0);
  spc_response_free(r);
}

static void audit_verify_finds_changed_and_deleted_rows(void **state) {
  const char *aud = un("auditor");
  const char *pw = user_add_ok(ROOT, aud, ROLE(AUDITOR), "ID", NULL);
  spc_sync_t *s = login(aud, pw);
  wait_chained();
  expect_verify(s, true, "", 0);

  long long last = sql_int("SELECT max(chain_pos) FROM audit_chain", 0, NULL);
  assert_true(last > 10);
  long long mid_seq = seq_at(last - 3), next_seq = seq_at(last - 2), end_seq = seq_at(last),
            before_end_seq = seq_at(last - 1);
  char mid[24], end[24];
  snprintf(mid, sizeof(mid), "%lld", mid_seq);
  snprintf(end, sizeof(end), "%lld", end_seq);
  sql_do("CREATE TEMP TABLE saved_audit AS SELECT * FROM audit_log WITH NO DATA");
  sql_do("CREATE TEMP TABLE saved_chain AS SELECT * FROM audit_chain WITH NO DATA");
  const char *v[] = {mid};
  PQclear(sql("INSERT INTO saved_audit SELECT * FROM audit_log WHERE seq = $1", 1, v));
  PQclear(sql("INSERT INTO saved_chain SELECT * FROM audit_chain WHERE seq = $1", 1, v));

  /* A changed row: its hash no longer matches. */
  tamper("audit_append_only", "UPDATE audit_log SET entity_id = entity_id || '-x' WHERE seq = $1", mid);
  expect_verify(s, false, "hash_mismatch", mid_seq);
  tamper("audit_append_only", "UPDATE audit_log a SET entity_id = s.entity_id FROM saved_audit s WHERE a.seq = s.seq",
         NULL);
  expect_verify(s, true, "", 0);

  /* A row changed and re-hashed by someone who knows the scheme: the
   * next row's link to it breaks. */
  tamper("audit_append_only", "UPDATE audit_log SET actor = 'someone-else' WHERE seq = $1", mid);
  tamper_chain("UPDATE audit_chain c SET hash = sha256(c.prev_hash || convert_to(audit_row_text(a), 'UTF8'))"
               " FROM audit_log a WHERE a.seq = c.seq AND c.seq = $1",
               mid);
  expect_verify(s, false, "chain_break", next_seq);
  tamper("audit_append_only", "UPDATE audit_log a SET actor = s.actor FROM saved_audit s WHERE a.seq = s.seq", NULL);
  tamper_chain("UPDATE audit_chain c SET hash = s.hash FROM saved_chain s WHERE c.seq = s.seq", NULL);
  expect_verify(s, true, "", 0);

  /* A deleted row in the middle: the chain breaks at the row after it. */
  tamper("audit_append_only", "DELETE FROM audit_log WHERE seq = $1", mid);
  expect_verify(s, false, "chain_break", next_seq);
  tamper("audit_stamp", "INSERT INTO audit_log SELECT * FROM saved_audit", NULL);
  expect_verify(s, true, "", 0);

  /* A row's chain entry deleted: the row is unchained again, the chainer
   * does not link it a second time (its place is behind the watermark),
   * and the gap breaks the chain. */
  tamper_chain("DELETE FROM audit_chain WHERE seq = $1", mid);
  expect_verify(s, false, "chain_break", next_seq);
  assert_int_equal(pos_of(mid), 0);
  tamper_chain("INSERT INTO audit_chain SELECT * FROM saved_chain", NULL);
  expect_verify(s, true, "", 0);

  /* The last row deleted: only the head knows. */
  sql_do("TRUNCATE saved_audit");
  const char *ev[] = {end};
  PQclear(sql("INSERT INTO saved_audit SELECT * FROM audit_log WHERE seq = $1", 1, ev));
  tamper("audit_append_only", "DELETE FROM audit_log WHERE seq = $1", end);
  expect_verify(s, false, "head_mismatch", before_end_seq);
  tamper("audit_stamp", "INSERT INTO audit_log SELECT * FROM saved_audit", NULL);
  expect_verify(s, true, "", 0);
  sql_do("DROP TABLE saved_audit");
  sql_do("DROP TABLE saved_chain");
  spc_sync_close(s);
}

/* Rows are linked only once every transaction that could still add a row
 * before them is over, in transaction order: a row written by a
 * transaction that stays open holds back the rows of later transactions,
 * even committed ones, and takes its place before them when it commits. */
static void audit_rows_are_chained_in_transaction_order_once_earlier_ones_finish(void **state) {
  wait_chained();
  PGconn *open = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  assert_int_equal(PQstatus(open), CONNECTION_OK);
  const char *tag = un("open-txn");
  const char *v[] = {tag};
  PQclear(PQexec(open, "BEGIN"));
  PGresult *r = PQexecParams(open, "INSERT INTO audit_log (method, entity, entity_id) VALUES ('Test', 'test', $1)", 1,
                             NULL, v, NULL, NULL, 0);
  assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);

  /* A later transaction, through the daemon: an audited read. */
  Simpeg__V1__Response *resp = user_show(ROOT, PLG_USER);
  harness_expect_ok(resp, RES(USER_SHOW));
  spc_response_free(resp);
  const char *pv[] = {PLG_USER};
  long long later = sql_int("SELECT max(seq) FROM audit_log WHERE method = 'UserShow' AND entity_id = $1", 1, pv);
  assert_true(later > 0);
  usleep(1000 * 1000); /* five chainer periods */
  const char *lv[] = {fmt("%lld", later)};
  assert_int_equal(pos_of(lv[0]), 0);
  /* AuditList shows it already, with its seq and no hash yet. */
  resp = audit_list(ROOT, ROOT_USER, "user", PLG_USER, 0, 1);
  harness_expect_ok(resp, RES(AUDIT_LIST));
  assert_int_equal(resp->audit_list->n_entries, 1);
  assert_int_equal((long long)resp->audit_list->entries[0]->seq, later);
  assert_string_equal(resp->audit_list->entries[0]->hash_hex, "");
  spc_response_free(resp);

  /* A rolled-back row never enters the chain (and leaves no gap in it). */
  r = PQexec(open, "SAVEPOINT s1");
  PQclear(r);
  r = PQexecParams(open, "INSERT INTO audit_log (method, entity, entity_id) VALUES ('Test', 'test', $1 || '-undone')",
                   1, NULL, v, NULL, NULL, 0);
  PQclear(r);
  PQclear(PQexec(open, "ROLLBACK TO SAVEPOINT s1"));

  r = PQexec(open, "COMMIT");
  assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
  PQfinish(open);
  wait_chained();
  long long open_pos = pos_of(fmt("%lld", sql_int("SELECT seq FROM audit_log WHERE entity = 'test' AND entity_id = $1",
                                                  1, v)));
  long long later_pos = pos_of(lv[0]);
  assert_true(open_pos > 0);
  assert_true(open_pos < later_pos);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1 || '-undone'", 1, v), 0);
  resp = audit_list(ROOT, ROOT_USER, "user", PLG_USER, 0, 1);
  harness_expect_ok(resp, RES(AUDIT_LIST));
  assert_int_equal(strlen(resp->audit_list->entries[0]->hash_hex), 64);
  spc_response_free(resp);
  const char *aud = un("auditor2");
  spc_sync_t *s = login(aud, user_add_ok(ROOT, aud, ROLE(AUDITOR), "ID", NULL));
  wait_chained();
  expect_verify(s, true, "", 0);
  spc_sync_close(s);
}

/* Writers cannot choose a row's number, time or transaction; no row of
 * the log or of the chain ever changes or goes away (TRUNCATE included);
 * the chainer links each row exactly once. */
static void audit_rows_cannot_be_chained_or_changed_by_writers(void **state) {
  const char *tag = un("forged");
  const char *v[] = {tag};
  PQclear(sql("INSERT INTO audit_log (seq, at, method, entity, entity_id, xid)"
              " VALUES (1, '2000-01-01', 'Test', 'test', $1, '3'::xid8)",
              1, v));
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1 AND seq > 1"
                           " AND at > now() - interval '1 hour' AND xid > '3'::xid8",
                           1, v),
                   1);
  const char *seq = fmt("%lld", sql_int("SELECT seq FROM audit_log WHERE entity_id = $1", 1, v));
  const char *sv[] = {seq};
  wait_chained();
  assert_true(pos_of(seq) > 0);
  const char *bad[] = {
      "UPDATE audit_log SET actor = 'x' WHERE seq = $1::bigint",
      "DELETE FROM audit_log WHERE seq = $1::bigint",
      "UPDATE audit_chain SET hash = '\\x00' WHERE seq = $1::bigint",
      "UPDATE audit_chain SET chain_pos = chain_pos WHERE seq = $1::bigint",
      "DELETE FROM audit_chain WHERE seq = $1::bigint",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    PGresult *r = PQexecParams(PG, bad[i], 1, NULL, sv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_FATAL_ERROR) fail_msg("not refused: %s", bad[i]);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
  }
  const char *truncate[] = {"TRUNCATE audit_log", "TRUNCATE audit_chain"};
  for (size_t i = 0; i < 2; i++) {
    /* in a transaction rolled back, in case the refusal ever fails */
    PQclear(PQexec(PG, "BEGIN"));
    PGresult *r = PQexec(PG, truncate[i]);
    if (PQresultStatus(r) != PGRES_FATAL_ERROR) fail_msg("not refused: %s", truncate[i]);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    PQclear(PQexec(PG, "ROLLBACK"));
  }
  /* Linked once, unchanged, and the chain still verifies up to the head. */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_chain WHERE seq = $1::bigint", 1, sv), 1);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE seq = $1::bigint AND actor = ''", 1, sv), 1);
  assert_string_equal(harness_sql_text(PG, "SELECT problem FROM audit_verify()", 0, NULL), "");
}

/* A row that waits for the chainer far longer than any transaction lasts
 * (the chainer is not running, or someone keeps a transaction open) is
 * reported: until it is linked, the chain does not vouch for it. */
static void audit_row_left_unchained_too_long_is_reported(void **state) {
  const char *aud = un("auditor3");
  spc_sync_t *s = login(aud, user_add_ok(ROOT, aud, ROLE(AUDITOR), "ID", NULL));
  wait_chained();
  const char *tag = un("stuck");
  const char *v[] = {tag};
  /* A transaction id no transaction has yet: the chainer must wait for it. */
  tamper("audit_stamp",
         fmt("INSERT INTO audit_log (seq, at, method, entity, entity_id, xid) VALUES (nextval('audit_log_seq'),"
             " now() - interval '2 hours', 'Test', 'test', '%s', '999999999999'::xid8)",
             tag),
         NULL);
  long long stuck = sql_int("SELECT seq FROM audit_log WHERE entity_id = $1", 1, v);
  expect_verify(s, false, "stale_unchained", stuck);
  tamper("audit_append_only", "DELETE FROM audit_log WHERE entity_id = $1", tag);
  expect_verify(s, true, "", 0);
  spc_sync_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(office_tree_rules),
      cmocka_unit_test(office_move_rewrites_the_subtree_and_checks_versions),
      cmocka_unit_test(user_rules_and_scope),
      cmocka_unit_test(disable_and_enable_revoke_sessions),
      cmocka_unit_test(role_change_checks_version_and_revokes),
      cmocka_unit_test(password_reset_revokes_and_returns_once),
      cmocka_unit_test(user_list_pages_by_username),
      cmocka_unit_test(reads_of_others_are_audited_and_no_hash_is_ever_logged),
      cmocka_unit_test(audit_list_is_scoped_and_pages_newest_first),
      cmocka_unit_test(permission_matrix_covers_every_method_and_role),
      cmocka_unit_test(audit_verify_finds_changed_and_deleted_rows),
      cmocka_unit_test(audit_rows_are_chained_in_transaction_order_once_earlier_ones_finish),
      cmocka_unit_test(audit_rows_cannot_be_chained_or_changed_by_writers),
      cmocka_unit_test(audit_row_left_unchained_too_long_is_reported),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
