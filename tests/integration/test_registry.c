/* Integration tests of the employee registry (issue #4): identifier rules
 * (NIP, NI PPPK, NIK), every violation at once, optimistic concurrency,
 * office scope on every read and write, keyset pagination under inserts,
 * the salary table, retirement dates, the SKP predicate matrix, name
 * search, NIK visibility and the derived current values. Each test is
 * named after the rule it checks.
 *
 * Each run builds its own offices under the root (codes carry a per-run
 * tag) and its own NIPs (a per-run TMT and sequence base), so the test can
 * run again against the same database:
 *
 *   ID
 *   ├── <T>-12 ── <T>-12.75 (Kota Binjai) ── <T>-12.75.BKPSDM ── units P, S
 *   └── <T>-16 ── <T>-16.71 (Kota Palembang)                              */
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
#include "name_index.h"
#include "name_sync.h"
#include "pg_array.h"

#define ROLE(x) SIMPEG__V1__ROLE__ROLE_##x
#define KIND(x) SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_##x
#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x
#define ETYPE(x) SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_##x
#define PKIND(x) SIMPEG__V1__POSITION_KIND__POSITION_KIND_##x
#define MALE SIMPEG__V1__SEX__SEX_MALE
#define FEMALE SIMPEG__V1__SEX__SEX_FEMALE

static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int RUN_TMT_YEAR, RUN_TMT_MONTH, RUN_PPPK_YEAR, SEQ;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }

/* A fresh NIP of this run: birth "YYYYMMDD", the run's TMT, sex, next sequence. */
static const char *nip_pns(const char *birth, int sex) {
  return fmt("%s%04d%02d%d%03d", birth, RUN_TMT_YEAR, RUN_TMT_MONTH, sex, ++SEQ);
}
static const char *nip_pppk(const char *birth, int sex) {
  return fmt("%s%04d21%d%03d", birth, RUN_PPPK_YEAR, sex, ++SEQ);
}
/* "YYYYMMDD" -> "YYYY-MM-DD" */
static const char *iso(const char *d8) { return fmt("%.4s-%.2s-%.2s", d8, d8 + 4, d8 + 6); }
/* NIK of Kota Binjai (12 75 01): day + 40 for women. */
static const char *nik_for(const char *d8, int sex) {
  return fmt("127501%02d%.2s%.2s%04d", atoi(fmt("%.2s", d8 + 6)) + (sex == FEMALE ? 40 : 0), d8 + 4, d8 + 2, SEQ % 10000);
}

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }

static bool has_violation(const Simpeg__V1__Response *r, const char *field, const char *why) {
  if (!r->error) return false;
  for (size_t i = 0; i < r->error->n_violations; i++)
    if (strcmp(r->error->violations[i]->field, field) == 0 && strcmp(r->error->violations[i]->reason, why) == 0)
      return true;
  return false;
}

static void expect_violation(const Simpeg__V1__Response *r, const char *field, const char *why) {
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  if (!has_violation(r, field, why)) {
    char got[512] = "";
    for (size_t i = 0; i < r->error->n_violations; i++)
      snprintf(got + strlen(got), sizeof(got) - strlen(got), " %s/%s", r->error->violations[i]->field,
               r->error->violations[i]->reason);
    fail_msg("expected violation %s/%s, got%s", field, why, got);
  }
}

static spc_sync_t *as(const char *user, const char *pw) {
  spc_sync_t *s = sync_open_as(&D, user, pw);
  if (!s) fail_msg("cannot sign in as %s", user);
  return s;
}

/* ---- calls ---- */


/* A valid PNS record in `office` (NIP from the birth date and sex). */
#define emp harness_employee

static Simpeg__V1__Response *employee_add(spc_sync_t *s, Simpeg__V1__Employee *e) {
  Simpeg__V1__EmployeeAdd m = SIMPEG__V1__EMPLOYEE_ADD__INIT;
  m.employee = e;
  return harness_rpc(s, CALL(EMPLOYEE_ADD), &m);
}

static const char *add_ok(spc_sync_t *s, const char *birth8, int sex, const char *name, const char *office) {
  const char *nip = nip_pns(birth8, sex);
  Simpeg__V1__Employee e = emp(nip, name, iso(birth8), sex, office);
  Simpeg__V1__Response *r = employee_add(s, &e);
  harness_expect_ok(r, RES(EMPLOYEE_ADD));
  spc_response_free(r);
  return nip;
}

static Simpeg__V1__Response *employee_show(spc_sync_t *s, const char *nip) {
  Simpeg__V1__EmployeeShow m = SIMPEG__V1__EMPLOYEE_SHOW__INIT;
  m.nip = (char *)nip;
  return harness_rpc(s, CALL(EMPLOYEE_SHOW), &m);
}

static Simpeg__V1__Response *history_add(spc_sync_t *s, const char *nip, Simpeg__V1__HistoryEntry *h) {
  Simpeg__V1__EmployeeHistoryAdd m = SIMPEG__V1__EMPLOYEE_HISTORY_ADD__INIT;
  m.nip = (char *)nip;
  m.entry = h;
  return harness_rpc(s, CALL(EMPLOYEE_HISTORY_ADD), &m);
}

static Simpeg__V1__Response *add_rank(spc_sync_t *s, const char *nip, const char *code, const char *tmt, int mkg) {
  Simpeg__V1__RankEntry x = SIMPEG__V1__RANK_ENTRY__INIT;
  x.rank_code = (char *)code;
  x.tmt = (char *)tmt;
  x.mkg_years = mkg;
  Simpeg__V1__HistoryEntry h = SIMPEG__V1__HISTORY_ENTRY__INIT;
  h.decree_number = "800/123/BKPSDM/2024";
  h.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_RANK;
  h.rank = &x;
  return history_add(s, nip, &h);
}

static void add_position_ok(spc_sync_t *s, const char *nip, int kind, const char *level) {
  Simpeg__V1__PositionEntry x = SIMPEG__V1__POSITION_ENTRY__INIT;
  x.name = "Jabatan Uji";
  x.kind = kind;
  x.functional_level = (char *)level;
  x.tmt = "2020-01-01";
  Simpeg__V1__HistoryEntry h = SIMPEG__V1__HISTORY_ENTRY__INIT;
  h.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_POSITION;
  h.position = &x;
  Simpeg__V1__Response *r = history_add(s, nip, &h);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  spc_response_free(r);
}

static long long employees_with_nip(const char *nip) {
  return sql_int("SELECT count(*) FROM employees WHERE nip = $1", 1, (const char *[]){nip});
}

/* ---- setup ---- */

static spc_sync_t *ROOT, *HR_BJN, *HR_PLG, *SUP_BJN;
static const char *PW = "registry-test-password";

static harness_registry_t F; /* daemon, accounts and offices: harness.h */

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  static const harness_office_t units[] = {{"12.75.BKPSDM", "BKPSDM Kota Binjai", "12.75"},
                                           {"12.75.BKPSDM.P", "Bidang Pagination", "12.75.BKPSDM"},
                                           {"12.75.BKPSDM.S", "Bidang Search", "12.75.BKPSDM"}};
  if (!harness_registry_start(&F, &D, PW, units, sizeof(units) / sizeof(units[0]))) return -1;
  memcpy(T, F.T, sizeof(T));
  memcpy(t, F.t, sizeof(t));
  PG = F.pg;
  ROOT = F.root;
  HR_BJN = F.hr_bjn;
  HR_PLG = F.hr_plg;
  SUP_BJN = F.sup_bjn;
  RUN_TMT_YEAR = 1995 + rand() % 25;
  RUN_TMT_MONTH = 1 + rand() % 12;
  RUN_PPPK_YEAR = 2015 + rand() % 10;
  SEQ = rand() % 500;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  harness_strings_free();
  return harness_registry_stop(&F, &D);
}

/* ---- identifiers (DOMAIN §1) ---- */

static void nip_and_nik_follow_the_identifier_layouts(void **state) {
  (void)state;
  const char *bjn = oc("12.75");
  struct {
    const char *what;
    const char *nip;
    int type;
    const char *birth; /* ISO */
    int sex;
    const char *nik;   /* NULL: none */
    const char *tmt;   /* NULL: from the NIP */
    const char *field; /* NULL: accepted */
    const char *reason;
  } cases[] = {
      {"29 Feb of a leap year", nip_pns("19800229", MALE), ETYPE(PNS), "1980-02-29", MALE, NULL, NULL, NULL, NULL},
      {"29 Feb of a common year", nip_pns("19810229", MALE), ETYPE(PNS), "1981-02-28", MALE, NULL, NULL, "nip",
       "invalid_format"},
      {"TMT month 13", fmt("19800101%04d13%d%03d", RUN_TMT_YEAR, 1, ++SEQ), ETYPE(PNS), "1980-01-01", MALE, NULL, NULL,
       "nip", "invalid_format"},
      {"sex digit 3", fmt("19800101%04d%02d3%03d", RUN_TMT_YEAR, RUN_TMT_MONTH, ++SEQ), ETYPE(PNS), "1980-01-01",
       MALE, NULL, NULL, "nip", "invalid_format"},
      {"NIP sex differs from the record", nip_pns("19800102", MALE), ETYPE(PNS), "1980-01-02", FEMALE, NULL, NULL,
       "nip", "nip_sex_mismatch"},
      {"NIP birth date differs from the record", nip_pns("19800103", MALE), ETYPE(PNS), "1980-01-04", MALE, NULL, NULL,
       "nip", "nip_birth_date_mismatch"},
      {"NI PPPK for a PPPK", nip_pppk("19850105", FEMALE), ETYPE(PPPK), "1985-01-05", FEMALE, NULL,
       fmt("%04d-03-01", RUN_PPPK_YEAR), NULL, NULL},
      {"NI PPPK for a PNS", nip_pppk("19850106", MALE), ETYPE(PNS), "1985-01-06", MALE, NULL,
       fmt("%04d-03-01", RUN_PPPK_YEAR), "nip", "pppk_number_for_pns"},
      {"NIP for a PPPK", nip_pns("19850107", MALE), ETYPE(PPPK), "1985-01-07", MALE, NULL, NULL, "nip", "nip_for_pppk"},
      {"NIK of a woman: day + 40", nip_pns("19860926", FEMALE), ETYPE(PNS), "1986-09-26", FEMALE,
       nik_for("19860926", FEMALE), NULL, NULL, NULL},
      {"NIK of a woman without + 40", nip_pns("19860927", FEMALE), ETYPE(PNS), "1986-09-27", FEMALE,
       nik_for("19860927", MALE), NULL, "nik", "nik_mismatch"},
      {"NIK of a man with + 40", nip_pns("19860928", MALE), ETYPE(PNS), "1986-09-28", MALE,
       nik_for("19860928", FEMALE), NULL, "nik", "nik_mismatch"},
      {"NIK of another birth date", nip_pns("19860929", MALE), ETYPE(PNS), "1986-09-29", MALE,
       nik_for("19860930", MALE), NULL, "nik", "nik_mismatch"},
      {"NIK with 15 digits", nip_pns("19860930", MALE), ETYPE(PNS), "1986-09-30", MALE, "127501300986001", NULL, "nik",
       "invalid_format"},
      {"NIK of an unknown province", nip_pns("19861001", MALE), ETYPE(PNS), "1986-10-01", MALE, "9975010110860001",
       NULL, "nik", "unknown_province"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    Simpeg__V1__Employee e = emp(cases[i].nip, "Pegawai Uji", cases[i].birth, cases[i].sex, bjn);
    e.employment_type = cases[i].type;
    if (cases[i].nik) e.nik = (char *)cases[i].nik;
    if (cases[i].tmt) e.tmt_cpns = (char *)cases[i].tmt;
    Simpeg__V1__Response *r = employee_add(HR_BJN, &e);
    if (!cases[i].field) {
      if (r->error) fail_msg("%s: refused (%s)", cases[i].what, r->error->n_violations ? r->error->violations[0]->reason : r->error->reason);
      harness_expect_ok(r, RES(EMPLOYEE_ADD));
      assert_string_equal(r->employee_add->employee->nip, cases[i].nip);
      assert_int_equal(employees_with_nip(cases[i].nip), 1);
    } else {
      if (!has_violation(r, cases[i].field, cases[i].reason)) fprintf(stderr, "case: %s\n", cases[i].what);
      expect_violation(r, cases[i].field, cases[i].reason);
      assert_int_equal(employees_with_nip(cases[i].nip), 0);
    }
    spc_response_free(r);
  }
}

static void all_violations_are_reported_at_once_and_nothing_is_written(void **state) {
  (void)state;
  const char *nip = nip_pns("19800210", MALE);
  long long audit_before = sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1", 1, (const char *[]){nip});
  Simpeg__V1__Employee e = emp(nip, "", "1980-02-10", FEMALE, oc("12.75"));
  e.religion = "pastafarian";
  e.nik = "12750110028";
  e.marital_status = "rahasia";
  Simpeg__V1__Response *r = employee_add(HR_BJN, &e);
  expect_violation(r, "nip", "nip_sex_mismatch");
  expect_violation(r, "name", "required");
  expect_violation(r, "religion", "unknown_value");
  expect_violation(r, "marital_status", "unknown_value");
  expect_violation(r, "nik", "invalid_format");
  assert_int_equal(r->error->n_violations, 5);
  spc_response_free(r);
  assert_int_equal(employees_with_nip(nip), 0);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1", 1, (const char *[]){nip}),
                   audit_before);
}

/* ---- concurrency and scope ---- */

static void edit_with_a_stale_version_is_a_version_conflict(void **state) {
  (void)state;
  const char *nip = add_ok(HR_BJN, "19800301", MALE, "Ahmad Fauzi", oc("12.75"));
  Simpeg__V1__Response *r = employee_show(HR_BJN, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  int64_t v1 = r->employee_show->profile->employee->version;
  spc_response_free(r);

  Simpeg__V1__Employee e = emp(nip, "Ahmad Fauzi", "1980-03-01", MALE, oc("12.75"));
  e.back_title = "S.Kom.";
  e.status = SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_ON_LEAVE;
  e.version = v1;
  Simpeg__V1__EmployeeEdit m = SIMPEG__V1__EMPLOYEE_EDIT__INIT;
  m.employee = &e;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_EDIT), &m);
  harness_expect_ok(r, RES(EMPLOYEE_EDIT));
  assert_string_equal(r->employee_edit->employee->back_title, "S.Kom.");
  assert_true(r->employee_edit->employee->version > v1);
  spc_response_free(r);

  e.back_title = "S.T.";
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_EDIT), &m); /* still v1 */
  harness_expect_err(r, ERR(ABORTED), "version_conflict");
  spc_response_free(r);
  assert_string_equal(sql_text("SELECT back_title FROM employees WHERE nip = $1", 1, (const char *[]){nip}), "S.Kom.");

  /* with the current version it goes through; an unspecified status keeps the status */
  r = employee_show(HR_BJN, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  e.version = r->employee_show->profile->employee->version;
  spc_response_free(r);
  e.status = SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_UNSPECIFIED;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_EDIT), &m);
  harness_expect_ok(r, RES(EMPLOYEE_EDIT));
  assert_string_equal(r->employee_edit->employee->back_title, "S.T.");
  assert_int_equal(r->employee_edit->employee->status, SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_ON_LEAVE);
  spc_response_free(r);
}

static void an_employee_outside_the_callers_subtree_does_not_exist(void **state) {
  (void)state;
  const char *nip = add_ok(HR_PLG, "19800401", FEMALE, "Dewi Palembang", oc("16.71"));
  /* show */
  Simpeg__V1__Response *r = employee_show(HR_BJN, nip);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  /* edit */
  Simpeg__V1__Employee e = emp(nip, "Dewi Diubah", "1980-04-01", FEMALE, oc("16.71"));
  e.version = 1;
  Simpeg__V1__EmployeeEdit em = SIMPEG__V1__EMPLOYEE_EDIT__INIT;
  em.employee = &e;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_EDIT), &em);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  /* history add and list */
  r = add_rank(HR_BJN, nip, "III/a", "2020-01-01", 0);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  Simpeg__V1__EmployeeHistoryList hl = SIMPEG__V1__EMPLOYEE_HISTORY_LIST__INIT;
  hl.nip = (char *)nip;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_HISTORY_LIST), &hl);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  /* list of the other office, and search */
  Simpeg__V1__EmployeeList l = SIMPEG__V1__EMPLOYEE_LIST__INIT;
  l.office_code = (char *)oc("16.71");
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_LIST), &l);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  Simpeg__V1__EmployeeSearch s = SIMPEG__V1__EMPLOYEE_SEARCH__INIT;
  s.query = (char *)nip;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_SEARCH), &s);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 0);
  spc_response_free(r);
  /* add into the other office */
  Simpeg__V1__Employee n = emp(nip_pns("19800402", MALE), "Budi", "1980-04-02", MALE, oc("16.71"));
  r = employee_add(HR_BJN, &n);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  /* and nothing changed */
  assert_string_equal(sql_text("SELECT name FROM employees WHERE nip = $1", 1, (const char *[]){nip}),
                      "Dewi Palembang");
  /* Palembang's own HR officer sees it */
  r = employee_show(HR_PLG, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  spc_response_free(r);
}

static void list_pages_return_every_row_exactly_once_while_rows_are_inserted(void **state) {
  (void)state;
  const char *unit = oc("12.75.BKPSDM.P");
  enum { N = 7, MAXSEEN = 32 };
  const char *before[N];
  for (int i = 0; i < N; i++) before[i] = add_ok(HR_BJN, fmt("197%d0%d15", i, 1 + i % 9), i % 2 ? FEMALE : MALE,
                                                   fmt("Pegawai Halaman %d", i), unit);
  const char *seen[MAXSEEN];
  int nseen = 0, pages = 0;
  char after[32] = "";
  do {
    Simpeg__V1__EmployeeList l = SIMPEG__V1__EMPLOYEE_LIST__INIT;
    l.office_code = (char *)unit;
    l.limit = 3;
    l.after = after;
    Simpeg__V1__Response *r = harness_rpc(HR_BJN, CALL(EMPLOYEE_LIST), &l);
    harness_expect_ok(r, RES(EMPLOYEE_LIST));
    for (size_t i = 0; i < r->employee_list->n_employees; i++) {
      assert_true(nseen < MAXSEEN);
      seen[nseen++] = fmt("%s", r->employee_list->employees[i]->nip);
    }
    snprintf(after, sizeof(after), "%s", r->employee_list->next_after);
    spc_response_free(r);
    /* Between pages, someone adds employees at both ends of the order. */
    if (pages++ < 2) {
      add_ok(HR_BJN, "19600101", MALE, "Sisipan Awal", unit);
      add_ok(HR_BJN, "19890101", FEMALE, "Sisipan Akhir", unit);
    }
  } while (after[0] && pages < 20);
  for (int i = 0; i < nseen; i++)
    for (int j = i + 1; j < nseen; j++)
      if (strcmp(seen[i], seen[j]) == 0) fail_msg("NIP %s listed twice", seen[i]);
  for (int i = 0; i < N; i++) {
    bool found = false;
    for (int j = 0; j < nseen; j++) found |= strcmp(before[i], seen[j]) == 0;
    if (!found) fail_msg("NIP %s present before the listing was never listed", before[i]);
  }
  for (int i = 1; i < nseen; i++) assert_true(strcmp(seen[i - 1], seen[i]) < 0);
}

/* ---- the rules ---- */

static void salary_is_the_largest_pp_5_2024_step_not_above_mkg_capped(void **state) {
  (void)state;
  struct {
    const char *rank;
    const char *mkg;
    const char *amount;
  } cases[] = {
      {"III/a", "0", "2785700"}, {"III/a", "1", "2785700"}, {"III/a", "2", "2873500"}, {"IV/e", "40", "6373200"},
      {"IV/e", "32", "6373200"}, {"II/a", "1", "2218400"},  {"II/a", "0", "2184000"},  {"I/a", "0", "1685700"},
      {"I/b", "1", "1840800"},   {"II/d", "33", "4125600"}, {"III/d", "17", "4042500"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *v[] = {cases[i].rank, cases[i].mkg};
    const char *got = sql_text("SELECT gaji_pokok($1, $2::int, current_date)", 2, v);
    if (strcmp(got, cases[i].amount) != 0)
      fail_msg("%s MKG %s: expected %s, got %s", cases[i].rank, cases[i].mkg, cases[i].amount, got);
  }
  /* Before PP 5/2024 there is no table loaded. */
  assert_string_equal(sql_text("SELECT coalesce(gaji_pokok('III/a', 0, '2023-12-31')::text, 'none')", 0, NULL), "none");

  /* Through the registry: a salary history row and EmployeeShow's summary. */
  const char *nip = add_ok(HR_BJN, "19900505", MALE, "Gaji Uji", oc("12.75"));
  Simpeg__V1__SalaryEntry x = SIMPEG__V1__SALARY_ENTRY__INIT;
  x.rank_code = "III/a";
  x.mkg_years = 1;
  x.tmt = "2024-06-01";
  Simpeg__V1__HistoryEntry h = SIMPEG__V1__HISTORY_ENTRY__INIT;
  h.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_SALARY;
  h.salary = &x;
  Simpeg__V1__Response *r = history_add(HR_BJN, nip, &h);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  assert_int_equal(r->employee_history_add->entry->salary->gaji_pokok, 2785700);
  spc_response_free(r);

  const char *today = sql_text("SELECT to_char(current_date, 'YYYY-MM-DD')", 0, NULL);
  r = add_rank(HR_BJN, nip, "IV/e", today, 40);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  spc_response_free(r);
  r = employee_show(HR_BJN, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  assert_string_equal(r->employee_show->profile->summary->salary_grade, "IV/e MKG 40");
  assert_int_equal(r->employee_show->profile->summary->gaji_pokok, 6373200);
  spc_response_free(r);

  const char *nip2 = add_ok(HR_BJN, "19900506", MALE, "Gaji Uji Dua", oc("12.75"));
  r = add_rank(HR_BJN, nip2, "II/a", today, 1);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  spc_response_free(r);
  r = employee_show(HR_BJN, nip2);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  assert_string_equal(r->employee_show->profile->summary->salary_grade, "II/a MKG 1");
  assert_int_equal(r->employee_show->profile->summary->gaji_pokok, 2218400);
  spc_response_free(r);
}

static void retirement_is_the_first_of_the_month_after_the_bup_birthday(void **state) {
  (void)state;
  struct {
    const char *birth8;
    int kind;
    const char *level;
    int bup;
    const char *date;
  } cases[] = {
      {"19690407", PKIND(PELAKSANA), "", 58, "2027-05-01"},
      {"19681231", PKIND(JPT), "", 60, "2029-01-01"},
      {"19680229", PKIND(FUNGSIONAL), "ahli_utama", 65, "2033-03-01"},
      {"19700315", PKIND(FUNGSIONAL), "ahli_madya", 60, "2030-04-01"},
      {"19700316", PKIND(FUNGSIONAL), "ahli_muda", 58, "2028-04-01"},
      {"19700317", PKIND(ADMINISTRATOR), "", 58, "2028-04-01"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *nip = add_ok(HR_BJN, cases[i].birth8, MALE, "Pensiun Uji", oc("12.75"));
    add_position_ok(HR_BJN, nip, cases[i].kind, cases[i].level);
    Simpeg__V1__Response *r = employee_show(HR_BJN, nip);
    harness_expect_ok(r, RES(EMPLOYEE_SHOW));
    const Simpeg__V1__ServiceSummary *s = r->employee_show->profile->summary;
    assert_int_equal(s->retirement_age, cases[i].bup);
    assert_string_equal(s->retirement_date, cases[i].date);
    assert_int_equal(r->employee_show->profile->employee->position_kind, cases[i].kind);
    spc_response_free(r);
  }
  /* The SQL function alone, on the DOMAIN §6 examples. */
  assert_string_equal(sql_text("SELECT retirement_date('1969-04-07', 58)", 0, NULL), "2027-05-01");
  assert_string_equal(sql_text("SELECT retirement_date('1968-12-31', 60)", 0, NULL), "2029-01-01");
  assert_string_equal(sql_text("SELECT retirement_date('1968-02-29', 65)", 0, NULL), "2033-03-01");
}

static void skp_predicate_follows_the_permenpanrb_6_2022_matrix(void **state) {
  (void)state;
  static const char *const levels[] = {"di_atas", "sesuai", "di_bawah"};
  /* [hasil][perilaku] with perilaku di_atas, sesuai, di_bawah */
  static const char *const expected[3][3] = {
      {"sangat_baik", "baik", "kurang"},
      {"baik", "baik", "kurang"},
      {"butuh_perbaikan", "butuh_perbaikan", "sangat_kurang"},
  };
  const char *nip = add_ok(HR_BJN, "19800601", FEMALE, "Kinerja Uji", oc("12.75"));
  for (int h = 0; h < 3; h++)
    for (int p = 0; p < 3; p++) {
      const char *v[] = {levels[h], levels[p]};
      assert_string_equal(sql_text("SELECT skp_predicate($1, $2)", 2, v), expected[h][p]);
      Simpeg__V1__PerformanceEntry x = SIMPEG__V1__PERFORMANCE_ENTRY__INIT;
      x.year = 2020 + h * 3 + p;
      x.result_rating = (char *)levels[h];
      x.behavior_rating = (char *)levels[p];
      Simpeg__V1__HistoryEntry e = SIMPEG__V1__HISTORY_ENTRY__INIT;
      e.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_PERFORMANCE;
      e.performance = &x;
      Simpeg__V1__Response *r = history_add(HR_BJN, nip, &e);
      harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
      assert_string_equal(r->employee_history_add->entry->performance->predicate, expected[h][p]);
      spc_response_free(r);
    }
  /* A rating outside the three levels is refused. */
  Simpeg__V1__PerformanceEntry x = SIMPEG__V1__PERFORMANCE_ENTRY__INIT;
  x.year = 2024;
  x.result_rating = "luar_biasa";
  x.behavior_rating = "sesuai";
  Simpeg__V1__HistoryEntry e = SIMPEG__V1__HISTORY_ENTRY__INIT;
  e.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_PERFORMANCE;
  e.performance = &x;
  Simpeg__V1__Response *r = history_add(HR_BJN, nip, &e);
  expect_violation(r, "result_rating", "unknown_value");
  spc_response_free(r);
  /* HistoryList by kind returns the nine, newest year first. */
  Simpeg__V1__EmployeeHistoryList hl = SIMPEG__V1__EMPLOYEE_HISTORY_LIST__INIT;
  hl.nip = (char *)nip;
  hl.kind = "performance";
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_HISTORY_LIST), &hl);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_LIST));
  assert_int_equal(r->employee_history_list->n_entries, 9);
  assert_int_equal(r->employee_history_list->entries[0]->performance->year, 2028);
  spc_response_free(r);
}

static void name_search_tolerates_typos_and_word_order(void **state) {
  (void)state;
  const char *unit = oc("12.75.BKPSDM.S");
  const char *siti = add_ok(HR_BJN, "19850707", FEMALE, "Siti Rahmawati", unit);
  add_ok(HR_BJN, "19850708", MALE, "Bambang Sutrisno", unit);
  Simpeg__V1__EmployeeSearch s = SIMPEG__V1__EMPLOYEE_SEARCH__INIT;
  s.query = "rahmawti siti";
  s.office_code = (char *)unit;
  Simpeg__V1__Response *r = harness_rpc(SUP_BJN, CALL(EMPLOYEE_SEARCH), &s);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 1);
  assert_string_equal(r->employee_search->employees[0]->name, "Siti Rahmawati");
  spc_response_free(r);
  /* digits: a NIP prefix (spaces as NIPs are written are ignored) */
  s.query = (char *)fmt("%.8s %.6s", siti, siti + 8);
  r = harness_rpc(SUP_BJN, CALL(EMPLOYEE_SEARCH), &s);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 1);
  assert_string_equal(r->employee_search->employees[0]->nip, siti);
  spc_response_free(r);
}

/* A capitalised word of letters made from the run tag ("Kbdaf"): names
 * with it are this run's alone. */
static const char *run_word(void) {
  char word[6];
  for (int i = 0; i < 5; i++) word[i] = (char)(T[i] >= 'A' && T[i] <= 'Z' ? T[i] - 'A' + 'a' : T[i] - '0' + 'a');
  word[5] = '\0';
  word[0] = (char)(word[0] - 'a' + 'A');
  return fmt("%s", word);
}

static Simpeg__V1__Response *search(spc_sync_t *s, const char *query, uint32_t limit) {
  Simpeg__V1__EmployeeSearch m = SIMPEG__V1__EMPLOYEE_SEARCH__INIT;
  m.query = (char *)query;
  m.limit = limit;
  return harness_rpc(s, CALL(EMPLOYEE_SEARCH), &m);
}

/* Search goes through the distinct names, best first (migration 0010):
 * the page is filled with the caller's employees of the best names, by NIP
 * within a name, however many employees elsewhere bear them; a similar
 * name comes after the exact one; a renamed employee is found by the new
 * name and no longer by the old. */
static void name_search_fills_the_page_best_name_first_within_scope(void **state) {
  (void)state;
  const char *word = run_word();
  const char *name = fmt("Yohana %s", word), *similar = fmt("Yohanna %s", word), *renamed = fmt("Mariam %s", word);
  const char *unit = oc("12.75.BKPSDM.S");
  /* the same birth date: NIPs in the order added */
  const char *b1 = add_ok(HR_BJN, "19900909", FEMALE, name, unit);
  const char *b2 = add_ok(HR_BJN, "19900909", FEMALE, name, unit);
  const char *b3 = add_ok(HR_BJN, "19900909", FEMALE, name, unit);
  const char *b4 = add_ok(HR_BJN, "19900909", FEMALE, similar, unit);
  const char *p1 = add_ok(HR_PLG, "19900909", FEMALE, name, oc("16.71"));
  const char *query = fmt("%s yohana", word); /* word order swapped */

  Simpeg__V1__Response *r = search(HR_BJN, query, 2);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 2);
  assert_string_equal(r->employee_search->employees[0]->nip, b1);
  assert_string_equal(r->employee_search->employees[1]->nip, b2);
  spc_response_free(r);

  r = search(HR_BJN, query, 10);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 4);
  const char *want[] = {b1, b2, b3, b4};
  for (size_t i = 0; i < 4; i++) assert_string_equal(r->employee_search->employees[i]->nip, want[i]);
  spc_response_free(r);

  /* the root sees Palembang's Yohana too (the newest NIP of the four) */
  r = search(ROOT, query, 5);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 5);
  const char *all[] = {b1, b2, b3, p1, b4};
  for (size_t i = 0; i < 5; i++) assert_string_equal(r->employee_search->employees[i]->nip, all[i]);
  spc_response_free(r);

  /* a rename: found by the new name first (the old one shares the word) */
  r = employee_show(HR_BJN, b4);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  Simpeg__V1__Employee e = emp(b4, renamed, "1990-09-09", FEMALE, unit);
  e.version = r->employee_show->profile->employee->version;
  spc_response_free(r);
  Simpeg__V1__EmployeeEdit m = SIMPEG__V1__EMPLOYEE_EDIT__INIT;
  m.employee = &e;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_EDIT), &m);
  harness_expect_ok(r, RES(EMPLOYEE_EDIT));
  spc_response_free(r);
  r = search(HR_BJN, fmt("mariam %s", word), 1);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 1);
  assert_string_equal(r->employee_search->employees[0]->nip, b4);
  assert_string_equal(r->employee_search->employees[0]->name, renamed);
  spc_response_free(r);
  r = search(HR_BJN, fmt("yohanna %s", word), 10);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  for (size_t i = 0; i < r->employee_search->n_employees; i++)
    assert_string_not_equal(r->employee_search->employees[i]->name, similar);
  spc_response_free(r);
}

/* ---- name search in the daemon (migration 0017, server/name_index.c) ---- */

/* The name index's state from Status; fails the test without one. */
static Simpeg__V1__NameIndexState index_state(spc_sync_t *s) {
  Simpeg__V1__StatusRequest m = SIMPEG__V1__STATUS_REQUEST__INIT;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(STATUS), &m);
  harness_expect_ok(r, RES(STATUS));
  assert_non_null(r->status->name_index);
  Simpeg__V1__NameIndexState st = *r->status->name_index;
  spc_response_free(r);
  return st;
}

/* Waits (up to 10 s) until the daemon behind s has loaded its names. */
static void wait_index_ready(spc_sync_t *s) {
  for (int i = 0; i < 200 && !index_state(s).ready; i++) usleep(50 * 1000);
  assert_true(index_state(s).ready);
}

/* A string of printable ASCII with the kinds of characters names have,
 * and some they do not. */
static void random_text(char *buf, int max) {
  static const char pool[] = "aaaaeeiioouu bcdhkmnrst  AEIOU .,'-09 \"\\!~";
  int n = rand() % max;
  for (int i = 0; i < n; i++) buf[i] = pool[rand() % (sizeof(pool) - 1)];
  buf[n] = '\0';
}

/* The daemon's similarity is pg_trgm's, to the bit, and so is `%`; and
 * this database passes the check name_sync makes before using the index. */
static void name_similarity_in_the_daemon_is_pg_trgms(void **state) {
  (void)state;
  enum { PAIRS = 3000 };
  static char a[PAIRS][24], b[PAIRS][24];
  sp_buf_t la, lb;
  sp_buf_init(&la, 1 << 20);
  sp_buf_init(&lb, 1 << 20);
  pg_array_open(&la);
  pg_array_open(&lb);
  for (int i = 0; i < PAIRS; i++) {
    random_text(a[i], 20);
    if (i % 3 == 0) { /* a near copy: similar enough to straddle the threshold */
      snprintf(b[i], sizeof(b[i]), "%s", a[i]);
      if (*b[i]) b[i][rand() % strlen(b[i])] = 'x';
    } else {
      random_text(b[i], 20);
    }
    assert_true(pg_array_add(&la, a[i]));
    assert_true(pg_array_add(&lb, b[i]));
  }
  PGresult *r = sql("SELECT public.similarity(x, y)::text, (x OPERATOR(public.%) y)::text"
                    " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u (x, y, i) ORDER BY i",
                    2, (const char *[]){pg_array_close(&la), pg_array_close(&lb)});
  assert_int_equal(PQntuples(r), PAIRS);
  int near = 0;
  for (int i = 0; i < PAIRS; i++) {
    uint16_t ca[32], cb[32];
    int na = name_trgm(a[i], strlen(a[i]), ca), nb = name_trgm(b[i], strlen(b[i]), cb), shared = 0;
    for (int x = 0, y = 0; x < na && y < nb;) {
      if (ca[x] == cb[y]) shared++, x++, y++;
      else if (ca[x] < cb[y]) x++;
      else y++;
    }
    float mine = name_similarity(shared, na, nb), theirs = strtof(PQgetvalue(r, i, 0), NULL);
    if (mine != theirs) fail_msg("similarity(\"%s\", \"%s\"): %.9g here, %.9g in PostgreSQL", a[i], b[i], (double)mine, (double)theirs);
    bool match = strcmp(PQgetvalue(r, i, 1), "true") == 0;
    assert_int_equal(name_matches(mine, 0.3), match);
    near += mine >= 0.25f && mine <= 0.35f;
  }
  assert_true(near > 20); /* the threshold was really tested */
  PQclear(r);
  sp_buf_free(&la);
  sp_buf_free(&lb);
  r = sql("SELECT lower($1), array_to_string(public.show_trgm($1), '|')", 1, (const char *[]){name_sync_probe});
  assert_true(name_sync_probe_agrees(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)));
  PQclear(r);
}

static const char *name_parts[] = {"Siti",   "Rahmawati", "Nur",     "Aini",   "Budi",   "Santoso", "Dewi",
                                   "Lestari", "Andi",     "Pratama", "Rina",   "Wati",   "Hendra",  "Saputra",
                                   "Yusuf",  "Maulana",   "Putri",   "Ayu",    "Agus",   "Salim"};

/* Two or three name parts, sometimes with a typo, sometimes a title. */
static const char *random_name(const char *word) {
  char buf[96];
  int n = 2 + rand() % 2;
  snprintf(buf, sizeof(buf), "%s", rand() % 2 ? word : "");
  for (int i = 0; i < n; i++) {
    size_t len = strlen(buf);
    snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "", name_parts[rand() % 20]);
  }
  if (rand() % 4 == 0) buf[1 + rand() % (strlen(buf) - 1)] = (char)('a' + rand() % 26);
  return fmt("%s", buf);
}

/* The NIPs a search finds, in order, as PostgreSQL alone finds them
 * (employee_name_matches, migration 0016): the root searching `office`. */
static const char *postgres_search(const char *query, const char *office, int limit) {
  return sql_text("SELECT coalesce(string_agg(e.nip, ',' ORDER BY m.score DESC, e.nip), '')"
                  " FROM employee_name_matches(lower($1), (SELECT path FROM offices WHERE code = $2), '/ID/', '',"
                  " $3::int) m JOIN employees e ON e.id = m.employee_id",
                  3, (const char *[]){query, office, fmt("%d", limit)});
}

static const char *daemon_search(spc_sync_t *s, const char *query, const char *office, int limit) {
  Simpeg__V1__EmployeeSearch m = SIMPEG__V1__EMPLOYEE_SEARCH__INIT;
  m.query = (char *)query;
  m.office_code = (char *)office;
  m.limit = (uint32_t)limit;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(EMPLOYEE_SEARCH), &m);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  char out[4096] = "";
  for (size_t i = 0; i < r->employee_search->n_employees; i++) {
    size_t len = strlen(out);
    snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", r->employee_search->employees[i]->nip);
  }
  spc_response_free(r);
  return fmt("%s", out);
}

/* Results through the daemon's index equal PostgreSQL's alone, for names
 * with typos, swapped words, titles, non-ASCII letters, and page sizes
 * that cut ties; and the index answered every one of the searches. */
static void name_search_in_the_daemon_finds_what_postgresql_finds(void **state) {
  (void)state;
  const char *word = run_word(), *unit = oc("12.75.BKPSDM.S");
  const char *births[] = {"19800101", "19810202", "19820303", "19830404"};
  for (int i = 0; i < 60; i++) add_ok(HR_BJN, births[i % 4], i % 2 ? MALE : FEMALE, random_name(word), unit);
  /* names PostgreSQL scores itself: not plain ASCII */
  const char *zoe = add_ok(HR_BJN, "19840505", FEMALE, fmt("%s Zo\xc3\xab Rahmawati", word), unit);
  add_ok(HR_BJN, "19840505", MALE, fmt("\xc3\x91oman %s Santoso", word), unit);
  usleep(500 * 1000); /* a few refreshes (100 ms): most names now in the index */
  wait_index_ready(ROOT);
  uint64_t before = index_state(ROOT).searches;
  int asked = 0;
  for (int i = 0; i < 80; i++) {
    const char *q = i % 10 == 9 ? fmt("zoe %s rahmawati", word) : random_name(word);
    const char *office = i % 2 ? oc("12.75") : unit;
    int limit = 1 + rand() % 30;
    const char *want = postgres_search(q, office, limit), *got = daemon_search(ROOT, q, office, limit);
    if (strcmp(want, got) != 0) fail_msg("search \"%s\" (limit %d): PostgreSQL %s, daemon %s", q, limit, want, got);
    asked++;
  }
  assert_int_equal(index_state(ROOT).searches - before, asked);
  /* the non-ASCII names are found (through PostgreSQL's part of the search) */
  assert_in(daemon_search(ROOT, fmt("zoe %s rahmawati", word), unit, 100), zoe);
}

/* A daemon that refreshes once an hour: names added after its load are
 * still found, as PostgreSQL scores the names its snapshot did not see. */
static void a_name_added_after_the_daemons_last_refresh_is_found(void **state) {
  (void)state;
  daemon_t d2;
  assert_true(daemon_start(&d2, "[auth]\nthrottle_addr_failures = 100000\n[search]\nname_refresh_ms = 3600000\n"));
  spc_sync_t *root2 = sync_open_as(&d2, fmt("root-%s", t), PW);
  assert_non_null(root2);
  wait_index_ready(root2);
  const char *word = run_word(), *unit = oc("12.75.BKPSDM.S");
  const char *name = fmt("Wiratmaja %s Kusumadewi", word);
  const char *nip = add_ok(HR_BJN, "19790707", MALE, name, unit);
  uint64_t before = index_state(root2).searches;
  const char *got = daemon_search(root2, fmt("kusumadewi wiratmaja %s", word), unit, 5);
  assert_string_equal(got, postgres_search(fmt("kusumadewi wiratmaja %s", word), unit, 5));
  assert_in(got, nip);
  assert_int_equal(index_state(root2).searches, before + 1); /* the index answered, with the new name added */
  spc_sync_close(root2);
  assert_int_equal(daemon_stop(&d2), 0);
}

/* The daemons copy employee_names and rely on rows only being added. */
static void employee_names_are_insert_only(void **state) {
  (void)state;
  const char *refused[] = {"UPDATE employee_names SET lname = lname WHERE false",
                           "DELETE FROM employee_names WHERE lname = 'no such name'", "TRUNCATE employee_names"};
  for (size_t i = 0; i < 3; i++) {
    PGresult *r = PQexec(PG, refused[i]);
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "SP409");
    PQclear(r);
  }
}

/* ---- personal data ---- */

static void full_nik_only_for_hr_and_admins_and_reads_are_audited(void **state) {
  (void)state;
  const char *birth = "19870808";
  const char *nip = nip_pns(birth, FEMALE);
  const char *nik = nik_for(birth, FEMALE);
  Simpeg__V1__Employee e = emp(nip, "Rina Data Pribadi", iso(birth), FEMALE, oc("12.75"));
  e.nik = (char *)nik;
  Simpeg__V1__Response *r = employee_add(HR_BJN, &e);
  harness_expect_ok(r, RES(EMPLOYEE_ADD));
  assert_string_equal(r->employee_add->employee->nik, nik);
  spc_response_free(r);
  /* the NIK is stored with its hash, and never in the audit log */
  assert_int_equal(sql_int("SELECT count(*) FROM employees WHERE nik_hash = sha256(convert_to($1, 'UTF8'))", 1,
                           (const char *[]){nik}),
                   1);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE after::text LIKE '%' || $1 || '%'"
                           " OR before::text LIKE '%' || $1 || '%'",
                           1, (const char *[]){nik}),
                   0);

  long long reads = sql_int("SELECT count(*) FROM audit_log WHERE method = 'EmployeeShow' AND entity_id = $1", 1,
                            (const char *[]){nip});
  r = employee_show(SUP_BJN, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  assert_string_equal(r->employee_show->profile->employee->nik, "");
  assert_string_equal(r->employee_show->profile->employee->nik_masked, fmt("************%s", nik + 12));
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'EmployeeShow' AND entity_id = $1", 1,
                           (const char *[]){nip}),
                   reads + 1);

  /* MyProfile: an account linked to the NIP sees its own record (not
   * audited); one without a link gets no_employee_record. */
  const char *me = un("rina");
  if (!harness_create_user(me, PW, ROLE(EMPLOYEE), oc("12.75"))) fail_msg("cannot create %s", me);
  spc_sync_t *anon = as(me, PW);
  Simpeg__V1__MyProfile mp = SIMPEG__V1__MY_PROFILE__INIT;
  r = harness_rpc(anon, CALL(MY_PROFILE), &mp);
  harness_expect_err(r, ERR(NOT_FOUND), "no_employee_record");
  spc_response_free(r);
  spc_sync_close(anon);
  PQclear(sql("UPDATE users SET nip = $1 WHERE username = $2", 2, (const char *[]){nip, me}));
  spc_sync_t *rina = as(me, PW);
  long long all_reads = sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1", 1, (const char *[]){nip});
  r = harness_rpc(rina, CALL(MY_PROFILE), &mp);
  harness_expect_ok(r, RES(MY_PROFILE));
  assert_string_equal(r->my_profile->profile->employee->nip, nip);
  assert_string_equal(r->my_profile->profile->employee->nik, "");
  spc_response_free(r);
  spc_sync_close(rina);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1", 1, (const char *[]){nip}),
                   all_reads);
}

static Simpeg__V1__Response *search_nik(spc_sync_t *s, const char *query, const char *nik) {
  Simpeg__V1__EmployeeSearch m = SIMPEG__V1__EMPLOYEE_SEARCH__INIT;
  m.query = (char *)query;
  m.nik = (char *)nik;
  return harness_rpc(s, CALL(EMPLOYEE_SEARCH), &m);
}

/* Whether a search reply holds nip. */
static bool reply_has(const Simpeg__V1__Response *r, const char *nip) {
  for (size_t i = 0; r->employee_search && i < r->employee_search->n_employees; i++)
    if (strcmp(r->employee_search->employees[i]->nip, nip) == 0) return true;
  return false;
}

/* An employee is found by NIK (DOMAIN §1) through its hash, within the
 * caller's scope only; the NIK is shown only to roles that may see it, and
 * it reaches neither the audit log nor, as a parameter, PostgreSQL (the
 * daemon sends the hash). A NIK that cannot exist, or a NIK with a name
 * query, is refused and searches nothing. */
static void employee_is_found_by_nik_within_scope_only(void **state) {
  (void)state;
  const char *birth = "19880412";
  const char *nip = nip_pns(birth, MALE);
  const char *nik = nik_for(birth, MALE);
  Simpeg__V1__Employee e = emp(nip, "Bonar Cari NIK", iso(birth), MALE, oc("12.75"));
  e.nik = (char *)nik;
  Simpeg__V1__Response *r = employee_add(HR_BJN, &e);
  harness_expect_ok(r, RES(EMPLOYEE_ADD));
  spc_response_free(r);

  long long searches = sql_int("SELECT count(*) FROM audit_log WHERE method = 'EmployeeSearch'"
                               " AND after->'nips' ? $1",
                               1, (const char *[]){nip});
  /* spaces as a NIK is often written: 12 75 01 ... */
  r = search_nik(HR_BJN, "", fmt("%.2s %.2s %.2s %s", nik, nik + 2, nik + 4, nik + 6));
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_true(reply_has(r, nip));
  for (size_t i = 0; i < r->employee_search->n_employees; i++)
    assert_string_equal(r->employee_search->employees[i]->nik, nik);
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'EmployeeSearch' AND after->'nips' ? $1", 1,
                           (const char *[]){nip}),
                   searches + 1);

  /* a supervisor finds the record but not the NIK */
  r = search_nik(SUP_BJN, "", nik);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_true(reply_has(r, nip));
  for (size_t i = 0; i < r->employee_search->n_employees; i++)
    assert_string_equal(r->employee_search->employees[i]->nik, "");
  spc_response_free(r);

  /* another city's HR does not find it */
  r = search_nik(HR_PLG, "", nik);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_false(reply_has(r, nip));
  spc_response_free(r);

  /* bad input: a violation, nothing searched or recorded */
  struct {
    const char *query, *nik, *field, *why;
  } bad[] = {
      {"", "12750112", "nik", "invalid_format"},
      {"", fmt("%s9", nik), "nik", "invalid_format"},
      {"", "127501x2048800001", "nik", "invalid_format"},
      {"", "9975011204880001", "nik", "unknown_province"},
      {"", "1275019913880001", "nik", "not_a_date"},
      {"Bonar", nik, "query", "not_with_nik"},
      {"", "   ", "nik", "invalid_format"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    r = search_nik(HR_BJN, bad[i].query, bad[i].nik);
    if (!has_violation(r, bad[i].field, bad[i].why)) fail_msg("case %zu: no %s %s", i, bad[i].field, bad[i].why);
    spc_response_free(r);
  }
  /* nothing recorded by the refused ones: only the HR's and the
   * supervisor's searches name the NIP (the other city found nobody) */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'EmployeeSearch' AND after->'nips' ? $1", 1,
                           (const char *[]){nip}),
                   searches + 2);
  /* the NIK is in no audit row */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE after::text LIKE '%' || $1 || '%'", 1,
                           (const char *[]){nik}),
                   0);
}

/* EmployeeList and EmployeeSearch record the NIPs they disclose, in NIP
 * order (UU 27/2022): exactly the page shown (not the extra row read to
 * tell whether another page follows); a search that finds nobody records
 * nothing. The rows are built by the daemon since reads are batched. */
static void list_and_search_audit_rows_name_exactly_the_nips_shown(void **state) {
  (void)state;
  const char *word = run_word();
  const char *unit = oc("12.75.BKPSDM.AUD");
  harness_office_add_ok(ROOT, unit, "Bidang Audit Baca", KIND(UNIT), oc("12.75.BKPSDM"));
  const char *name = fmt("Kartika %s", word);
  const char *n1 = add_ok(HR_BJN, "19850606", FEMALE, name, unit);
  const char *n2 = add_ok(HR_BJN, "19850606", FEMALE, name, unit);
  const char *n3 = add_ok(HR_BJN, "19850606", FEMALE, name, unit);
  const char *actor = fmt("hr-bjn-%s", t);
  const char *last = "SELECT after->'nips' FROM audit_log WHERE actor = $1 AND method = $2 ORDER BY seq DESC LIMIT 1";

  Simpeg__V1__Response *r = search(HR_BJN, fmt("%s kartika", word), 2);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 2);
  spc_response_free(r);
  assert_string_equal(sql_text(last, 2, (const char *[]){actor, "EmployeeSearch"}), fmt("[\"%s\", \"%s\"]", n1, n2));

  Simpeg__V1__EmployeeList l = SIMPEG__V1__EMPLOYEE_LIST__INIT;
  l.office_code = (char *)unit;
  l.limit = 2;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_LIST), &l);
  harness_expect_ok(r, RES(EMPLOYEE_LIST));
  assert_int_equal(r->employee_list->n_employees, 2);
  assert_string_equal(r->employee_list->next_after, n2);
  spc_response_free(r);
  assert_string_equal(sql_text(last, 2, (const char *[]){actor, "EmployeeList"}), fmt("[\"%s\", \"%s\"]", n1, n2));
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE actor = $1 AND method = 'EmployeeList' AND entity_id = $2",
                           2, (const char *[]){actor, unit}),
                   1);
  l.after = (char *)n2;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_LIST), &l);
  harness_expect_ok(r, RES(EMPLOYEE_LIST));
  assert_int_equal(r->employee_list->n_employees, 1);
  spc_response_free(r);
  assert_string_equal(sql_text(last, 2, (const char *[]){actor, "EmployeeList"}), fmt("[\"%s\"]", n3));

  long long searches = sql_int("SELECT count(*) FROM audit_log WHERE actor = $1 AND method = 'EmployeeSearch'", 1,
                               (const char *[]){actor});
  r = search(HR_BJN, "Qqxz Vvkw", 5);
  harness_expect_ok(r, RES(EMPLOYEE_SEARCH));
  assert_int_equal(r->employee_search->n_employees, 0);
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE actor = $1 AND method = 'EmployeeSearch'", 1,
                           (const char *[]){actor}),
                   searches);
}

typedef struct reader {
  const char *user, *nip;
  int reads, ok, answered; /* answered: with data or with an error */
} reader_t;

static void *reader_run(void *arg) {
  reader_t *x = arg;
  spc_sync_t *s = sync_open_as(&D, x->user, PW);
  if (!s) return NULL;
  for (int i = 0; i < x->reads; i++) {
    Simpeg__V1__Response *r = employee_show(s, x->nip);
    if (r && !r->error && r->result_case == RES(EMPLOYEE_SHOW)) x->ok++;
    if (r) x->answered++;
    spc_response_free(r);
  }
  spc_sync_close(s);
  return NULL;
}

/* Reads are audited in batches (server/audit_reads.c): the answer waits
 * for the row's commit, and a read whose row cannot be written shows
 * nothing. A trigger refusing the audit rows of one NIP stands in for a
 * database that cannot take them. */
static void a_read_whose_audit_row_cannot_be_written_shows_nothing(void **state) {
  (void)state;
  const char *nip = add_ok(HR_BJN, "19810303", MALE, fmt("Audit Gagal %s", T), oc("12.75"));
  const char *other = add_ok(HR_BJN, "19810404", MALE, fmt("Audit Jalan %s", T), oc("12.75"));
  const char *fn = fmt("refuse_audit_%s", t), *trg = fmt("refuse_audit_%s", t);
  PQclear(sql(fmt("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                  " IF NEW.entity_id = '%s' OR NEW.after::text LIKE '%%%s%%' THEN RAISE EXCEPTION 'no audit'; END IF;"
                  " RETURN NEW; END $$",
                  fn, nip, nip),
              0, NULL));
  PQclear(sql(fmt("CREATE TRIGGER %s BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION %s()", trg, fn), 0,
              NULL));
  Simpeg__V1__Response *r = employee_show(SUP_BJN, nip);
  assert_non_null(r);
  assert_non_null(r->error);
  assert_int_not_equal(r->error->code, ERR(OK));
  assert_int_not_equal(r->result_case, RES(EMPLOYEE_SHOW));
  spc_response_free(r);
  /* Many at once, sharing batches: none shows anything. */
  enum { READERS = 4, READS = 10 };
  reader_t x[READERS];
  pthread_t th[READERS];
  for (int i = 0; i < READERS; i++) {
    x[i] = (reader_t){.user = fmt("%s-%s", i % 2 ? "sup-bjn" : "hr-bjn", t), .nip = nip, .reads = READS};
    assert_int_equal(pthread_create(&th[i], NULL, reader_run, &x[i]), 0);
  }
  for (int i = 0; i < READERS; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(x[i].ok, 0);
    assert_int_equal(x[i].answered, READS);
  }
  r = search(HR_BJN, fmt("Audit Gagal %s", T), 5);
  assert_non_null(r->error);
  assert_int_not_equal(r->error->code, ERR(OK));
  assert_int_not_equal(r->result_case, RES(EMPLOYEE_SEARCH));
  spc_response_free(r);
  /* the others' reads go on */
  r = employee_show(SUP_BJN, other);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  spc_response_free(r);
  PQclear(sql(fmt("DROP TRIGGER %s ON audit_log", trg), 0, NULL));
  PQclear(sql(fmt("DROP FUNCTION %s()", fn), 0, NULL));
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1 AND method = 'EmployeeShow'", 1,
                           (const char *[]){nip}),
                   0);
  r = employee_show(SUP_BJN, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1 AND method = 'EmployeeShow'", 1,
                           (const char *[]){nip}),
                   1);
}

/* Many readers at once share audit batches: every answered read has its
 * own row, with its reader, and no row is lost or doubled. */
static void concurrent_reads_each_leave_one_audit_row(void **state) {
  (void)state;
  enum { READERS = 6, READS = 25 };
  const char *nip = add_ok(HR_BJN, "19810505", FEMALE, fmt("Audit Ramai %s", T), oc("12.75"));
  reader_t x[READERS];
  pthread_t th[READERS];
  for (int i = 0; i < READERS; i++) {
    x[i] = (reader_t){.user = fmt("%s-%s", i % 2 ? "sup-bjn" : "hr-bjn", t), .nip = nip, .reads = READS};
    assert_int_equal(pthread_create(&th[i], NULL, reader_run, &x[i]), 0);
  }
  int ok = 0;
  for (int i = 0; i < READERS; i++) {
    pthread_join(th[i], NULL);
    ok += x[i].ok;
  }
  assert_int_equal(ok, READERS * READS);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1 AND method = 'EmployeeShow'", 1,
                           (const char *[]){nip}),
                   READERS * READS);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE entity_id = $1 AND actor = $2", 2,
                           (const char *[]){nip, fmt("sup-bjn-%s", t)}),
                   READERS / 2 * READS);
}

static void history_rows_update_the_derived_current_values(void **state) {
  (void)state;
  const char *nip = add_ok(HR_BJN, "19820909", MALE, "Riwayat Uji", oc("12.75"));
  Simpeg__V1__Response *r = add_rank(HR_BJN, nip, "III/a", "2010-04-01", 0);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  assert_string_equal(r->employee_history_add->employee->rank_code, "III/a");
  spc_response_free(r);
  r = add_rank(HR_BJN, nip, "III/b", "2014-04-01", 4);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  assert_string_equal(r->employee_history_add->employee->rank_code, "III/b");
  assert_string_equal(r->employee_history_add->employee->rank_tmt, "2014-04-01");
  spc_response_free(r);
  /* an older decree entered late does not become the current rank */
  r = add_rank(HR_BJN, nip, "II/d", "2006-04-01", 0);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  assert_string_equal(r->employee_history_add->employee->rank_code, "III/b");
  spc_response_free(r);
  /* the list filters on the derived rank */
  Simpeg__V1__EmployeeList l = SIMPEG__V1__EMPLOYEE_LIST__INIT;
  l.office_code = (char *)oc("12.75");
  l.rank_code = "III/b";
  l.limit = 1000;
  r = harness_rpc(HR_BJN, CALL(EMPLOYEE_LIST), &l);
  harness_expect_ok(r, RES(EMPLOYEE_LIST));
  bool listed = false;
  for (size_t i = 0; i < r->employee_list->n_employees; i++) {
    assert_string_equal(r->employee_list->employees[i]->rank_code, "III/b");
    listed |= strcmp(r->employee_list->employees[i]->nip, nip) == 0;
  }
  assert_true(listed);
  spc_response_free(r);
  /* a PPPK grade does not fit a PNS */
  r = add_rank(HR_BJN, nip, "IX", "2015-04-01", 0);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  assert_true(has_violation(r, "rank_code", "not_for_employment_type"));
  spc_response_free(r);
  /* training hours 1..1000, dates real */
  Simpeg__V1__TrainingEntry x = SIMPEG__V1__TRAINING_ENTRY__INIT;
  x.name = "Latsar CPNS";
  x.start_date = "2023-02-30";
  x.end_date = "2023-03-10";
  x.jp_hours = 0;
  Simpeg__V1__HistoryEntry h = SIMPEG__V1__HISTORY_ENTRY__INIT;
  h.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_TRAINING;
  h.training = &x;
  r = history_add(HR_BJN, nip, &h);
  expect_violation(r, "start_date", "not_a_date");
  expect_violation(r, "jp_hours", "out_of_range");
  spc_response_free(r);
  x.start_date = "2023-03-01";
  x.jp_hours = 40;
  r = history_add(HR_BJN, nip, &h);
  harness_expect_ok(r, RES(EMPLOYEE_HISTORY_ADD));
  assert_int_equal(r->employee_history_add->entry->training->jp_hours, 40);
  spc_response_free(r);
  /* the profile holds them all: 3 ranks + 1 training */
  r = employee_show(HR_BJN, nip);
  harness_expect_ok(r, RES(EMPLOYEE_SHOW));
  assert_int_equal(r->employee_show->profile->n_history, 4);
  assert_string_equal(r->employee_show->profile->history[0]->rank->rank_code, "III/b");
  spc_response_free(r);
  /* and every history row has its audit row */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'EmployeeHistoryAdd' AND entity_id = $1",
                           1, (const char *[]){nip}),
                   4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nip_and_nik_follow_the_identifier_layouts),
      cmocka_unit_test(all_violations_are_reported_at_once_and_nothing_is_written),
      cmocka_unit_test(edit_with_a_stale_version_is_a_version_conflict),
      cmocka_unit_test(an_employee_outside_the_callers_subtree_does_not_exist),
      cmocka_unit_test(list_pages_return_every_row_exactly_once_while_rows_are_inserted),
      cmocka_unit_test(salary_is_the_largest_pp_5_2024_step_not_above_mkg_capped),
      cmocka_unit_test(retirement_is_the_first_of_the_month_after_the_bup_birthday),
      cmocka_unit_test(skp_predicate_follows_the_permenpanrb_6_2022_matrix),
      cmocka_unit_test(name_search_tolerates_typos_and_word_order),
      cmocka_unit_test(name_search_fills_the_page_best_name_first_within_scope),
      cmocka_unit_test(name_similarity_in_the_daemon_is_pg_trgms),
      cmocka_unit_test(name_search_in_the_daemon_finds_what_postgresql_finds),
      cmocka_unit_test(a_name_added_after_the_daemons_last_refresh_is_found),
      cmocka_unit_test(employee_names_are_insert_only),
      cmocka_unit_test(full_nik_only_for_hr_and_admins_and_reads_are_audited),
      cmocka_unit_test(employee_is_found_by_nik_within_scope_only),
      cmocka_unit_test(list_and_search_audit_rows_name_exactly_the_nips_shown),
      cmocka_unit_test(a_read_whose_audit_row_cannot_be_written_shows_nothing),
      cmocka_unit_test(concurrent_reads_each_leave_one_audit_row),
      cmocka_unit_test(history_rows_update_the_derived_current_values),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
