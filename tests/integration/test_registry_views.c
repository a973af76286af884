/* Integration tests of the registry views (issue #4, svc_views.c): the DUK
 * order and its numbering across pages, headcount groups, and the early
 * warnings for retirement (DOMAIN §6), reguler promotion (§4.2, §2.2) and
 * KGB (§5.3). Each test is named after the rule it checks.
 *
 * Employees are hand-built in SQL (their histories through the tables, so
 * the triggers derive the current rank, position and education as in
 * production). Each run builds its own offices under the root (codes carry
 * a per-run tag), one unit per test so the views see only that test's rows:
 *
 *   ID
 *   ├── <T>-12 ── <T>-12.75 (Kota Binjai) ── units DUK, HC (HC.A, HC.A.X, HC.B), RET, KP, KGB
 *   └── <T>-16 ── <T>-16.71 (Kota Palembang)                                             */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "harness.h"

#define ROLE(x) SIMPEG__V1__ROLE__ROLE_##x
#define KIND(x) SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_##x
#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x

/* simpeg.v1 codes as the tables store them */
enum { PNS = 1, CPNS = 2, PPPK = 3 };
enum { JPT = 1, ADMINISTRATOR = 2, PENGAWAS = 3, PELAKSANA = 4, FUNGSIONAL = 5 };
enum { MALE = 1, FEMALE = 2 };

static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int RUN_TMT_YEAR, RUN_TMT_MONTH, SEQ;
static spc_sync_t *ROOT, *HR_BJN, *HR_PLG, *SUP_BJN;
static const char *PW = "views-test-password";

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}

/* The first day of the month `delta` months from today, "YYYY-MM-01". */
static const char *month_first(int delta) {
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  int m = tm.tm_year * 12 + tm.tm_mon + delta;
  return fmt("%04d-%02d-01", 1900 + m / 12, m % 12 + 1);
}

/* The fewest months N for which today + N months reaches `date`. */
static int months_to(const char *date) {
  const char *v[] = {date};
  return atoi(sql_text("SELECT min(n) FROM generate_series(0, 600) n"
                       " WHERE current_date + make_interval(months => n) >= $1::date",
                       1, v));
}

/* ---- hand-built employees ---- */

/* A fresh NIP of this run for birth "YYYY-MM-DD". */
static const char *nip_for(const char *birth, int sex) {
  return fmt("%.4s%.2s%.2s%04d%02d%d%03d", birth, birth + 5, birth + 8, RUN_TMT_YEAR, RUN_TMT_MONTH, sex, ++SEQ % 1000);
}

typedef struct hemp {
  const char *nip;
  const char *id;
} hemp_t;

static hemp_t add_emp(const char *office, const char *birth, int sex, int type, const char *tmt_cpns, int status) {
  const char *nip = nip_for(birth, sex);
  const char *v[] = {nip, fmt("%d", type), fmt("Pegawai %s", nip + 14), birth, fmt("%d", sex), tmt_cpns, office,
                     fmt("%d", status)};
  const char *id = sql_text("INSERT INTO employees (nip, employment_type, name, birth_date, sex, office_id, tmt_cpns, status)"
                            " SELECT $1, $2::smallint, $3, $4::date, $5::smallint, o.id, $6::date, $8::smallint"
                            " FROM offices o WHERE o.code = $7 RETURNING id",
                            8, v);
  assert_true(*id);
  return (hemp_t){nip, id};
}
static void add_rank(hemp_t e, const char *rank, const char *tmt, int mkg_years, int mkg_months) {
  const char *v[] = {e.id, rank, tmt, fmt("%d", mkg_years), fmt("%d", mkg_months)};
  PQclear(sql("INSERT INTO employee_ranks (employee_id, rank_code, tmt, mkg_years, mkg_months)"
              " VALUES ($1::bigint, $2, $3::date, $4::int, $5::int)",
              5, v));
}
static void add_position(hemp_t e, int kind, const char *level, const char *tmt) {
  const char *v[] = {e.id, fmt("Jabatan %d", kind), fmt("%d", kind), level, tmt};
  PQclear(sql("INSERT INTO employee_positions (employee_id, name, kind, functional_level, tmt)"
              " VALUES ($1::bigint, $2, $3::smallint, $4, $5::date)",
              5, v));
}
static void add_education(hemp_t e, const char *level) {
  const char *v[] = {e.id, level};
  PQclear(sql("INSERT INTO employee_educations (employee_id, level) VALUES ($1::bigint, $2)", 2, v));
}
static void add_salary(hemp_t e, const char *rank, int mkg_years, const char *tmt) {
  const char *v[] = {e.id, rank, fmt("%d", mkg_years), tmt};
  PQclear(sql("INSERT INTO employee_salaries (employee_id, rank_code, mkg_years, tmt)"
              " VALUES ($1::bigint, $2, $3::int, $4::date)",
              4, v));
}

/* ---- calls ---- */


static Simpeg__V1__Response *duk(spc_sync_t *s, const char *office, const char *after, uint32_t limit) {
  Simpeg__V1__DukList m = SIMPEG__V1__DUK_LIST__INIT;
  m.office_code = (char *)(office ? office : "");
  m.after = (char *)(after ? after : "");
  m.limit = limit;
  return harness_rpc(s, CALL(DUK_LIST), &m);
}

static Simpeg__V1__Response *headcount(spc_sync_t *s, const char *office, const char *by) {
  Simpeg__V1__Headcount m = SIMPEG__V1__HEADCOUNT__INIT;
  m.office_code = (char *)(office ? office : "");
  m.group_by = (char *)by;
  return harness_rpc(s, CALL(HEADCOUNT), &m);
}

static Simpeg__V1__Response *warnings(spc_sync_t *s, const char *office, const char *kind, uint32_t months,
                                      const char *after, uint32_t limit) {
  Simpeg__V1__EarlyWarnings m = SIMPEG__V1__EARLY_WARNINGS__INIT;
  m.office_code = (char *)(office ? office : "");
  m.kind = (char *)kind;
  m.months = months;
  m.after = (char *)(after ? after : "");
  m.limit = limit;
  return harness_rpc(s, CALL(EARLY_WARNINGS), &m);
}

/* The warning for `nip` in a reply, or NULL. */
static const Simpeg__V1__EarlyWarning *warning_of(const Simpeg__V1__Response *r, const char *nip) {
  for (size_t i = 0; i < r->early_warnings->n_entries; i++)
    if (strcmp(r->early_warnings->entries[i]->employee->nip, nip) == 0) return r->early_warnings->entries[i];
  return NULL;
}

static bool warned(spc_sync_t *s, const char *office, const char *kind, uint32_t months, const char *nip) {
  Simpeg__V1__Response *r = warnings(s, office, kind, months, NULL, 1000);
  harness_expect_ok(r, RES(EARLY_WARNINGS));
  bool found = warning_of(r, nip) != NULL;
  spc_response_free(r);
  return found;
}

static void expect_warning(spc_sync_t *s, const char *office, const char *kind, uint32_t months, const char *nip,
                           const char *due, const char *detail) {
  Simpeg__V1__Response *r = warnings(s, office, kind, months, NULL, 1000);
  harness_expect_ok(r, RES(EARLY_WARNINGS));
  const Simpeg__V1__EarlyWarning *w = warning_of(r, nip);
  if (!w) fail_msg("%s: %s not listed within %u months (due %s expected)", kind, nip, months, due);
  assert_string_equal(w->kind, kind);
  assert_string_equal(w->due_date, due);
  assert_string_equal(w->detail, detail);
  spc_response_free(r);
}

/* ---- setup ---- */

static harness_registry_t F; /* daemon, accounts and offices: harness.h */

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  /* agencies (OPD) under the city, units under them */
  static const harness_office_t units[] = {
      {"12.75.DUK", "Dinas DUK", "12.75"},        {"12.75.HC", "Badan Headcount", "12.75"},
      {"12.75.HC.A", "Subbidang A", "12.75.HC"}, {"12.75.HC.A.X", "Seksi X", "12.75.HC.A"},
      {"12.75.HC.B", "Subbidang B", "12.75.HC"}, {"12.75.RET", "Dinas Pensiun", "12.75"},
      {"12.75.KP", "Dinas Pangkat", "12.75"},    {"12.75.KGB", "Dinas Gaji", "12.75"}};
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
  SEQ = rand() % 400;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  harness_strings_free();
  return harness_registry_stop(&F, &D);
}

/* ---- DUK (daftar urut kepangkatan) ---- */

#define DUK_N 11
static const char *duk_expected[DUK_N];

/* The DUK unit's staff, built once; duk_expected in DUK order. */
static void duk_build(void) {
  if (duk_expected[0]) return;
  const char *o = oc("12.75.DUK");
  /* 0: the highest rank comes first whatever else */
  hemp_t a = add_emp(o, "1985-01-01", MALE, PNS, "2010-01-01", 1);
  add_rank(a, "IV/a", "2022-04-01", 12, 0);
  add_position(a, PELAKSANA, "", "2010-01-01");
  /* 1: same rank III/d: the earlier rank TMT first */
  hemp_t b = add_emp(o, "1985-01-01", MALE, PNS, "2010-01-01", 1);
  add_rank(b, "III/d", "2015-04-01", 5, 0);
  add_position(b, PELAKSANA, "", "2010-01-01");
  /* 2..4: same rank and TMT: pengawas, then fungsional, then pelaksana */
  hemp_t c = add_emp(o, "1985-01-01", MALE, PNS, "2010-01-01", 1);
  add_rank(c, "III/d", "2016-04-01", 6, 0);
  add_position(c, PENGAWAS, "", "2016-01-01");
  hemp_t d = add_emp(o, "1985-01-01", MALE, PNS, "2010-01-01", 1);
  add_rank(d, "III/d", "2016-04-01", 6, 0);
  add_position(d, FUNGSIONAL, "ahli_muda", "2016-01-01");
  /* pelaksana: the longest service (earliest TMT CPNS) first */
  hemp_t f = add_emp(o, "1985-01-01", MALE, PNS, "2005-01-01", 1);
  add_rank(f, "III/d", "2016-04-01", 6, 0);
  add_position(f, PELAKSANA, "", "2005-01-01");
  /* 5..6: the same service: the older first */
  hemp_t e = add_emp(o, "1980-01-01", FEMALE, PNS, "2008-01-01", 1);
  hemp_t g = add_emp(o, "1975-01-01", MALE, PNS, "2008-01-01", 1);
  add_rank(e, "III/d", "2016-04-01", 6, 0);
  add_position(e, PELAKSANA, "", "2008-01-01");
  add_rank(g, "III/d", "2016-04-01", 6, 0);
  add_position(g, PELAKSANA, "", "2008-01-01");
  /* 7..8: everything equal: the NIP decides */
  hemp_t h = add_emp(o, "1982-02-02", MALE, PNS, "2008-01-01", 1);
  hemp_t i = add_emp(o, "1982-02-02", MALE, PNS, "2008-01-01", 1);
  add_rank(i, "III/d", "2016-04-01", 6, 0);
  add_position(i, PELAKSANA, "", "2008-01-01");
  add_rank(h, "III/d", "2016-04-01", 6, 0);
  add_position(h, PELAKSANA, "", "2008-01-01");
  /* 9..10: no rank recorded: last, by the same rules among themselves */
  hemp_t k = add_emp(o, "1965-01-01", MALE, CPNS, "1990-01-01", 1);
  hemp_t j = add_emp(o, "1960-01-01", MALE, CPNS, "1990-01-01", 1);
  /* not in the DUK: a PPPK and a retired PNS */
  hemp_t p = add_emp(o, "1970-01-01", MALE, PPPK, "2020-01-01", 1);
  add_rank(p, "XVII", "2020-01-01", 0, 0);
  hemp_t r = add_emp(o, "1960-01-01", MALE, PNS, "1985-01-01", 3);
  add_rank(r, "IV/e", "2010-01-01", 20, 0);
  const char *order[DUK_N] = {a.nip, b.nip, c.nip, d.nip, f.nip, g.nip, e.nip, h.nip, i.nip, j.nip, k.nip};
  memcpy(duk_expected, order, sizeof(order));
}

static void duk_orders_by_rank_rank_tmt_position_kind_service_age_then_nip(void **state) {
  (void)state;
  duk_build();
  Simpeg__V1__Response *r = duk(HR_BJN, oc("12.75.DUK"), NULL, 0);
  harness_expect_ok(r, RES(DUK_LIST));
  const Simpeg__V1__DukListReply *l = r->duk_list;
  assert_int_equal(l->n_entries, DUK_N);
  for (size_t k = 0; k < DUK_N; k++) {
    if (strcmp(l->entries[k]->employee->nip, duk_expected[k]) != 0)
      fail_msg("DUK place %zu: expected %s, got %s", k + 1, duk_expected[k], l->entries[k]->employee->nip);
    assert_int_equal(l->entries[k]->position, k + 1);
  }
  assert_string_equal(l->next_after, "");
  /* service since TMT CPNS 2005-01-01 is at least 21 years */
  assert_true(l->entries[4]->service_years >= 21);
  assert_true(l->entries[4]->service_months >= 0 && l->entries[4]->service_months < 12);
  spc_response_free(r);
}

/* Reads the DUK unit page by page; every row in DUK order, numbered on. */
static void duk_walk(uint32_t size) {
  const char *after = NULL;
  size_t seen = 0;
  for (int page = 0; page < 30; page++) {
    Simpeg__V1__Response *r = duk(SUP_BJN, oc("12.75.DUK"), after, size);
    harness_expect_ok(r, RES(DUK_LIST));
    const Simpeg__V1__DukListReply *l = r->duk_list;
    assert_true(l->n_entries <= size);
    for (size_t k = 0; k < l->n_entries; k++, seen++) {
      assert_true(seen < DUK_N);
      assert_string_equal(l->entries[k]->employee->nip, duk_expected[seen]);
      assert_int_equal(l->entries[k]->position, seen + 1);
    }
    after = *l->next_after ? fmt("%s", l->next_after) : NULL;
    spc_response_free(r);
    if (!after) break;
  }
  assert_int_equal(seen, DUK_N);
}

static void duk_positions_continue_across_pages(void **state) {
  (void)state;
  duk_build();
  duk_walk(3);
  duk_walk(1); /* every cursor, also one without a rank TMT */
  /* a made-up cursor is refused, not misread */
  Simpeg__V1__Response *r = duk(HR_BJN, oc("12.75.DUK"), "12|2015-13-01|5|x", 3);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
}

/* ---- headcount ---- */

static const Simpeg__V1__HeadcountReply *hc_rows(Simpeg__V1__Response *r) {
  harness_expect_ok(r, RES(HEADCOUNT));
  uint64_t sum = 0;
  for (size_t i = 0; i < r->headcount->n_rows; i++) sum += r->headcount->rows[i]->count;
  assert_int_equal(sum, r->headcount->total);
  return r->headcount;
}

static uint64_t hc_count(const Simpeg__V1__HeadcountReply *h, const char *key) {
  for (size_t i = 0; i < h->n_rows; i++)
    if (strcmp(h->rows[i]->key, key) == 0) return h->rows[i]->count;
  fail_msg("no headcount row '%s'", key);
  return 0;
}

static void headcount_groups_sum_to_the_total(void **state) {
  (void)state;
  const char *hc = oc("12.75.HC"), *a = oc("12.75.HC.A"), *x = oc("12.75.HC.A.X");
  /* ages 25, 35, 45, 52 (born on the first of a month 25 years and one month ago, ...) */
  hemp_t e1 = add_emp(hc, month_first(-12 * 25 - 1), FEMALE, PNS, "2020-01-01", 1);
  add_rank(e1, "III/a", "2020-01-01", 0, 0);
  add_education(e1, "S1");
  add_emp(a, month_first(-12 * 35 - 1), MALE, CPNS, "2025-01-01", 1);
  hemp_t e3 = add_emp(x, month_first(-12 * 45 - 1), MALE, PNS, "2005-01-01", 1);
  add_rank(e3, "III/b", "2015-01-01", 10, 0);
  add_emp(x, month_first(-12 * 52 - 1), FEMALE, PPPK, "2022-01-01", 1);
  add_emp(a, month_first(-12 * 57 - 1), MALE, PNS, "1995-01-01", 3); /* retired: not counted */

  const char *dims[] = {"office", "rank", "education", "age_band", "employment_type", "sex"};
  for (size_t i = 0; i < 6; i++) {
    Simpeg__V1__Response *r = headcount(HR_BJN, hc, dims[i]);
    const Simpeg__V1__HeadcountReply *h = hc_rows(r);
    assert_int_equal(h->total, 4);
    if (strcmp(dims[i], "office") == 0) {
      /* the root's own staff, then each direct child with its whole subtree, empty ones too */
      assert_int_equal(h->n_rows, 3);
      assert_string_equal(h->rows[0]->key, hc);
      assert_int_equal(h->rows[0]->count, 1);
      assert_string_equal(h->rows[1]->key, a);
      assert_string_equal(h->rows[1]->label, "Subbidang A");
      assert_int_equal(h->rows[1]->count, 3);
      assert_string_equal(h->rows[2]->key, oc("12.75.HC.B"));
      assert_int_equal(h->rows[2]->count, 0);
    } else if (strcmp(dims[i], "rank") == 0) {
      assert_int_equal(hc_count(h, "III/a"), 1);
      assert_int_equal(hc_count(h, "III/b"), 1);
      assert_int_equal(hc_count(h, ""), 2);
    } else if (strcmp(dims[i], "education") == 0) {
      assert_int_equal(hc_count(h, "S1"), 1);
      assert_int_equal(hc_count(h, ""), 3);
    } else if (strcmp(dims[i], "age_band") == 0) {
      assert_int_equal(h->n_rows, 5);
      assert_int_equal(hc_count(h, "<30"), 1);
      assert_int_equal(hc_count(h, "30-39"), 1);
      assert_int_equal(hc_count(h, "40-49"), 1);
      assert_int_equal(hc_count(h, "50-54"), 1);
      assert_int_equal(hc_count(h, "55+"), 0);
    } else if (strcmp(dims[i], "employment_type") == 0) {
      assert_int_equal(hc_count(h, "pns"), 2);
      assert_int_equal(hc_count(h, "cpns"), 1);
      assert_int_equal(hc_count(h, "pppk"), 1);
    } else {
      assert_int_equal(hc_count(h, "male"), 2);
      assert_int_equal(hc_count(h, "female"), 2);
    }
    spc_response_free(r);
  }
  /* a subtree counts only itself: A's own and X's */
  Simpeg__V1__Response *r = headcount(HR_BJN, a, "sex");
  assert_int_equal(hc_rows(r)->total, 3);
  spc_response_free(r);
  r = headcount(HR_BJN, hc, "religion");
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
}

/* ---- early warnings ---- */

static void retirement_warning_is_due_on_the_first_of_the_month_after_the_bup_birthday(void **state) {
  (void)state;
  const char *o = oc("12.75.RET");
  /* DOMAIN §6: born 1969-04-07, BUP 58 -> 2027-05-01; born 1968-12-31, BUP 60 -> 2029-01-01 */
  hemp_t p = add_emp(o, "1969-04-07", MALE, PNS, "1995-03-01", 1);
  add_position(p, PELAKSANA, "", "1995-03-01");
  hemp_t j = add_emp(o, "1968-12-31", FEMALE, PNS, "1994-03-01", 1);
  add_position(j, JPT, "", "2020-03-01");
  hemp_t none = add_emp(o, "1966-01-01", MALE, PNS, "1990-03-01", 1); /* no position: no BUP */
  int n = months_to("2027-05-01");
  assert_true(n >= 1 && n <= 60);
  expect_warning(HR_BJN, o, "retirement", (uint32_t)n, p.nip, "2027-05-01", "BUP 58");
  assert_false(warned(HR_BJN, o, "retirement", (uint32_t)n - 1, p.nip));
  int m = months_to("2029-01-01");
  if (m <= 60) expect_warning(HR_BJN, o, "retirement", (uint32_t)m, j.nip, "2029-01-01", "BUP 60");
  assert_false(warned(HR_BJN, o, "retirement", 60, none.nip));
  /* sorted by due date, pages by keyset */
  Simpeg__V1__Response *r = warnings(HR_BJN, o, "retirement", 60, NULL, 1);
  harness_expect_ok(r, RES(EARLY_WARNINGS));
  assert_int_equal(r->early_warnings->n_entries, 1);
  assert_string_equal(r->early_warnings->entries[0]->employee->nip, p.nip);
  const char *after = fmt("%s", r->early_warnings->next_after);
  spc_response_free(r);
  if (m <= 60) {
    assert_string_not_equal(after, "");
    r = warnings(HR_BJN, o, "retirement", 60, after, 1);
    harness_expect_ok(r, RES(EARLY_WARNINGS));
    assert_int_equal(r->early_warnings->n_entries, 1);
    assert_string_equal(r->early_warnings->entries[0]->employee->nip, j.nip);
    assert_string_equal(r->early_warnings->next_after, "");
    spc_response_free(r);
  }
}

static void promotion_is_due_four_years_after_the_rank_tmt_below_the_education_ceiling(void **state) {
  (void)state;
  const char *o = oc("12.75.KP");
  /* III/b since 2023-03-01 with S1: eligible 2027-03-01 for III/c */
  hemp_t a = add_emp(o, "1990-05-05", MALE, PNS, "2015-03-01", 1);
  add_rank(a, "III/b", "2023-03-01", 8, 0);
  add_education(a, "S1");
  /* III/d with S1: at the ceiling of reguler promotion (DOMAIN §2.2): never listed */
  hemp_t b = add_emp(o, "1980-05-05", MALE, PNS, "2005-03-01", 1);
  add_rank(b, "III/d", "2020-04-01", 15, 0);
  add_education(b, "S1");
  /* III/d with S2 (ceiling IV/a): eligible since 2024-04-01, still listed */
  hemp_t c = add_emp(o, "1980-06-06", FEMALE, PNS, "2005-03-01", 1);
  add_rank(c, "III/d", "2020-04-01", 15, 0);
  add_education(c, "SLTA");
  add_education(c, "S2");
  /* a CPNS is not promoted */
  hemp_t d = add_emp(o, "1995-01-01", MALE, CPNS, "2020-03-01", 1);
  add_rank(d, "III/a", "2020-03-01", 0, 0);

  expect_warning(HR_BJN, o, "promotion", 60, c.nip, "2024-04-01", "III/d \u2192 IV/a");
  int n = months_to("2027-03-01");
  expect_warning(HR_BJN, o, "promotion", (uint32_t)n, a.nip, "2027-03-01", "III/b \u2192 III/c");
  assert_false(warned(HR_BJN, o, "promotion", (uint32_t)n - 1, a.nip));
  assert_false(warned(HR_BJN, o, "promotion", 60, b.nip));
  assert_false(warned(HR_BJN, o, "promotion", 60, d.nip));
  Simpeg__V1__Response *r = warnings(HR_BJN, o, "promotion", 60, NULL, 0);
  harness_expect_ok(r, RES(EARLY_WARNINGS));
  assert_int_equal(r->early_warnings->n_entries, 2);
  assert_string_equal(r->early_warnings->entries[0]->employee->nip, c.nip);
  assert_string_equal(r->early_warnings->entries[1]->employee->nip, a.nip);
  spc_response_free(r);
}

static void kgb_is_due_every_two_years_of_mkg_from_the_last_salary_or_rank_decree(void **state) {
  (void)state;
  const char *o = oc("12.75.KGB");
  /* Hand-computed against today (T = this month's first day):
   * a: last KGB decree III/a MKG 4 at T-22 months -> next at T+2, MKG 6;
   * b: initial II/a at MKG 0, T-10 months, no KGB yet -> first after 1 year: T+2, MKG 1;
   * c: III/a MKG 0 at T-45 months, no KGB recorded -> T-21 (passed), T+3, MKG 4. */
  hemp_t a = add_emp(o, "1990-01-01", MALE, PNS, "2015-01-01", 1);
  add_rank(a, "III/a", "2015-01-01", 0, 0);
  add_salary(a, "III/a", 4, month_first(-22));
  hemp_t b = add_emp(o, "2000-01-01", FEMALE, CPNS, month_first(-10), 1);
  add_rank(b, "II/a", month_first(-10), 0, 0);
  hemp_t c = add_emp(o, "1992-01-01", MALE, PNS, month_first(-45), 1);
  add_rank(c, "III/a", month_first(-45), 0, 0);
  hemp_t p = add_emp(o, "1991-01-01", MALE, PPPK, month_first(-22), 1); /* no PPPK table: never listed */
  add_rank(p, "IX", month_first(-22), 0, 0);

  expect_warning(HR_BJN, o, "kgb", 2, a.nip, month_first(2), "III/a MKG 6");
  expect_warning(HR_BJN, o, "kgb", 2, b.nip, month_first(2), "II/a MKG 1");
  assert_false(warned(HR_BJN, o, "kgb", 2, c.nip));
  expect_warning(HR_BJN, o, "kgb", 3, c.nip, month_first(3), "III/a MKG 4");
  assert_false(warned(HR_BJN, o, "kgb", 1, a.nip));
  assert_false(warned(HR_BJN, o, "kgb", 60, p.nip));
}

static void views_never_show_another_citys_employees(void **state) {
  (void)state;
  hemp_t q = add_emp(oc("16.71"), "1969-04-07", MALE, PNS, "1995-03-01", 1);
  add_rank(q, "IV/e", "2010-01-01", 20, 0);
  add_position(q, PELAKSANA, "", "1995-03-01");
  /* Binjai's whole scope: no Palembang employee */
  Simpeg__V1__Response *r = duk(HR_BJN, NULL, NULL, 1000);
  harness_expect_ok(r, RES(DUK_LIST));
  assert_true(r->duk_list->n_entries > 0);
  for (size_t i = 0; i < r->duk_list->n_entries; i++)
    assert_string_not_equal(r->duk_list->entries[i]->employee->nip, q.nip);
  spc_response_free(r);
  assert_false(warned(HR_BJN, NULL, "retirement", 60, q.nip));
  /* Palembang sees its own, alone */
  r = duk(HR_PLG, NULL, NULL, 1000);
  harness_expect_ok(r, RES(DUK_LIST));
  assert_int_equal(r->duk_list->n_entries, 1);
  assert_string_equal(r->duk_list->entries[0]->employee->nip, q.nip);
  assert_int_equal(r->duk_list->entries[0]->position, 1);
  spc_response_free(r);
  r = headcount(HR_PLG, NULL, "sex");
  assert_int_equal(hc_rows(r)->total, 1);
  spc_response_free(r);
  assert_true(warned(HR_PLG, NULL, "retirement", 60, q.nip));
  /* Binjai's offices do not exist for Palembang */
  r = duk(HR_PLG, oc("12.75.DUK"), NULL, 10);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  r = headcount(HR_PLG, oc("12.75"), "office");
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  r = warnings(HR_PLG, oc("12.75.RET"), "retirement", 60, NULL, 10);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
}

/* ---- the CLI: `simpeg employee duk|headcount|warnings` ---- */

/* Runs `simpeg ARGS...` on the workstation in language `lang` (harness_ws_run
 * passes SIMPEG_TEST_LANGUAGE on as LANGUAGE). */
#define RUN_CLI(ws, r, lang, ...)                    \
  do {                                               \
    setenv("SIMPEG_TEST_LANGUAGE", (lang), 1);       \
    harness_ws_run((ws), (r), __VA_ARGS__);          \
  } while (0)

static void cli_prints_the_views_as_tables_and_json(void **state) {
  (void)state;
  if (!harness_env("SIMPEG_TEST_SIMPEG")) skip();
  duk_build();
  harness_ws_t ws;
  assert_true(harness_ws_init(&ws, &D));
  const char *lang_was = getenv("SIMPEG_TEST_LANGUAGE");
  char *saved_lang = lang_was ? strdup(lang_was) : NULL;
  harness_run_t *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  RUN_CLI(&ws, r, "C", fmt("%s\n", PW), "login", un("hr-bjn"), "--password-stdin", NULL);
  harness_run_expect(r, 0);

  RUN_CLI(&ws, r, "C", NULL, "employee", "duk", "--office", oc("12.75.DUK"), "--limit", "3", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "Rank-ordered staff list (DUK)");
  assert_in(r->out, "IV/a");
  assert_in(r->out, "--after");
  RUN_CLI(&ws, r, "id", NULL, "employee", "duk", "--office", oc("12.75.DUK"), NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "Daftar Urut Kepangkatan");
  RUN_CLI(&ws, r, "C", NULL, "employee", "duk", "--office", oc("12.75.DUK"), "--output", "json", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "\"position\"");
  assert_in(r->out, duk_expected[DUK_N - 1]);

  RUN_CLI(&ws, r, "C", NULL, "employee", "headcount", "--by", "age_band", "--office", oc("12.75.HC"), NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "TOTAL");
  RUN_CLI(&ws, r, "C", NULL, "employee", "headcount", "--by", "sex", "--office", oc("12.75.DUK"), "--output", "json", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "\"total\"");
  RUN_CLI(&ws, r, "C", NULL, "employee", "headcount", NULL);
  assert_true(r->status != 0);

  RUN_CLI(&ws, r, "C", NULL, "employee", "warnings", "--kind", "retirement", "--months", "60", "--office", oc("12.75.RET"),
          NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "BUP 58");
  assert_in(r->out, "2027-05-01");
  RUN_CLI(&ws, r, "id", NULL, "employee", "warnings", "--kind", "kgb", "--months", "60", "--office", oc("12.75.KGB"), NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "Kenaikan gaji berkala");
  RUN_CLI(&ws, r, "C", NULL, "employee", "warnings", "--kind", "promotion", "--office", oc("12.75.KP"), "--months", "60",
          "--output", "json", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "\"due_date\"");
  RUN_CLI(&ws, r, "C", NULL, "employee", "warnings", "--kind", "leave", NULL);
  assert_true(r->status != 0);
  free(r);
  if (saved_lang) setenv("SIMPEG_TEST_LANGUAGE", saved_lang, 1);
  else unsetenv("SIMPEG_TEST_LANGUAGE");
  free(saved_lang);
  harness_ws_free(&ws);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(duk_orders_by_rank_rank_tmt_position_kind_service_age_then_nip),
      cmocka_unit_test(duk_positions_continue_across_pages),
      cmocka_unit_test(headcount_groups_sum_to_the_total),
      cmocka_unit_test(retirement_warning_is_due_on_the_first_of_the_month_after_the_bup_birthday),
      cmocka_unit_test(promotion_is_due_four_years_after_the_rank_tmt_below_the_education_ceiling),
      cmocka_unit_test(kgb_is_due_every_two_years_of_mkg_from_the_last_salary_or_rank_decree),
      cmocka_unit_test(views_never_show_another_citys_employees),
      cmocka_unit_test(cli_prints_the_views_as_tables_and_json),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
