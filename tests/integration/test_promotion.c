/* Integration tests of promotion (kenaikan pangkat), the periodic raise
 * (KGB) and the retirement projection (issue #5; docs/internals/
 * promotion.md, DOMAIN §4-§6). Each test is named after the rule it checks
 * and uses its own employees, so runs against the same database do not
 * disturb each other.
 *
 * Promotion is checked at the period P = 1 April 2027 (seeded by 0008),
 * whatever today is: years in rank and SKP years are counted to P. KGB
 * dates are relative to today (a raise is "due" only within two months of
 * today), built from the first day of next month.
 *
 * Offices: ID ── <T>-P ── <T>-K ── <T>-DINAS      (HR and the official: K)
 *                      ├─ <T>-K2                    (outside their scope)
 *                      └─ <T>-R                     (retirement counts)
 * Employees and their histories are written straight into the database
 * (their creation is not under test here); everything under test goes
 * through the daemon. */
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
#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x
#define STATE(x) SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_##x
#define ACTION(x) SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_##x

enum { PNS = 1, CPNS = 2, PPPK = 3 };
enum { JPT = 1, ADMINISTRATOR = 2, PENGAWAS = 3, PELAKSANA = 4, FUNGSIONAL = 5 };

#define P "2027-04-01"

static const char *PW = "promotion-test-password";
static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int RUN, SEQ;
static spc_sync_t *ROOT, *HR, *OFFICIAL, *EMPLOYEE;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }

/* The first day of the month `months` after this one, shifted by `years`. */
static const char *month_start(int months, int years) {
  return sql_text("SELECT to_char(date_trunc('month', current_date) + make_interval(years => $2::int,"
                  " months => $1::int), 'YYYY-MM-DD')",
                  2, (const char *[]){fmt("%d", months), fmt("%d", years)});
}
static const char *date_add(const char *date, const char *interval) {
  return sql_text("SELECT to_char($1::date + $2::interval, 'YYYY-MM-DD')", 2, (const char *[]){date, interval});
}

/* ---- employees ---- */

typedef struct emp {
  const char *nip;
  const char *before; /* the NIP just before it: a cursor that lands on it */
  const char *id;
} emp_t;

typedef struct emp_args {
  int type;              /* 0: PNS */
  const char *office;    /* suffix; NULL: DINAS */
  const char *rank;      /* NULL: none */
  const char *rank_tmt;  /* NULL: 2020-04-01 */
  int mkg;               /* MKG years at the rank TMT */
  const char *education; /* NULL: S1 */
  int position;          /* 0: pelaksana */
  const char *level;     /* functional level */
  const char *skp[2];    /* predicate inputs of 2025 and 2026 ("sesuai" = Baik; NULL: none) */
  bool no_skp;
  const char *birth;     /* NULL: 1975-05-05 */
  const char *tmt_cpns;  /* NULL: 2000-01-01 */
  const emp_t *supervisor;
  int status;            /* 0: active */
} emp_args_t;

static emp_t employee(emp_args_t a) {
  emp_t e;
  SEQ++;
  e.nip = fmt("7%05d%012d", RUN, SEQ);
  e.before = fmt("7%05d%012d", RUN, SEQ - 1);
  const char *v[] = {e.nip,
                     fmt("%d", a.type ? a.type : PNS),
                     fmt("Pegawai %d", SEQ),
                     a.birth ? a.birth : "1975-05-05",
                     oc(a.office ? a.office : "DINAS"),
                     a.tmt_cpns ? a.tmt_cpns : "2000-01-01",
                     a.supervisor ? a.supervisor->id : "",
                     fmt("%d", a.status ? a.status : 1)};
  e.id = sql_text("INSERT INTO employees (nip, employment_type, name, birth_date, sex, office_id, tmt_cpns, supervisor_id,"
                  " status) VALUES ($1, $2::smallint, $3, $4::date, 1, (SELECT id FROM offices WHERE code = $5), $6::date,"
                  " nullif($7, '')::bigint, $8::smallint) RETURNING id",
                  8, v);
  if (a.rank)
    PQclear(sql("INSERT INTO employee_ranks (employee_id, rank_code, tmt, mkg_years) VALUES ($1, $2, $3::date, $4::int)", 4,
                (const char *[]){e.id, a.rank, a.rank_tmt ? a.rank_tmt : "2020-04-01", fmt("%d", a.mkg)}));
  PQclear(sql("INSERT INTO employee_educations (employee_id, level) VALUES ($1, $2)", 2,
              (const char *[]){e.id, a.education ? a.education : "S1"}));
  PQclear(sql("INSERT INTO employee_positions (employee_id, name, kind, functional_level, tmt)"
              " VALUES ($1, 'Jabatan uji', $2::smallint, $3, '2015-01-01')",
              3, (const char *[]){e.id, fmt("%d", a.position ? a.position : PELAKSANA), a.level ? a.level : ""}));
  for (int i = 0; i < 2 && !a.no_skp; i++) {
    const char *result = a.skp[i] ? a.skp[i] : "sesuai";
    if (strcmp(result, "none") == 0) continue;
    PQclear(sql("INSERT INTO employee_performances (employee_id, year, result_rating, behavior_rating)"
                " VALUES ($1, $2::int, $3, 'sesuai')",
                3, (const char *[]){e.id, fmt("%d", 2025 + i), result}));
  }
  return e;
}

static void exam(const emp_t *e, int level) {
  PQclear(sql("INSERT INTO employee_service_exams (employee_id, level, passed_on) VALUES ($1, $2::smallint, '2020-01-01')",
              2, (const char *[]){e->id, fmt("%d", level)}));
}

static long long requests_of(const emp_t *e) {
  return sql_int("SELECT count(*) FROM requests WHERE employee_id = $1", 1, (const char *[]){e->id});
}

/* ---- calls ---- */

static void expect_field(const Simpeg__V1__Response *r, const char *field) {
  for (size_t i = 0; r->error && i < r->error->n_violations; i++)
    if (strcmp(r->error->violations[i]->field, field) == 0) return;
  fail_msg("error %s has no violation on field %s", r->error ? r->error->reason : "(none)", field);
}

static Simpeg__V1__Response *eligibility(spc_sync_t *s, const char *office, const char *period, bool eligible_only,
                                         const char *after, uint32_t limit) {
  Simpeg__V1__PromotionEligibility m = SIMPEG__V1__PROMOTION_ELIGIBILITY__INIT;
  m.office_code = (char *)office;
  m.period_date = (char *)period;
  m.eligible_only = eligible_only;
  m.after = (char *)(after ? after : "");
  m.limit = limit;
  return harness_rpc(s, CALL(PROMOTION_ELIGIBILITY), &m);
}

/* One employee's line of the list at P (as HR sees it): "eligible" or the
 * reasons, comma-separated; the next rank and years in rank through out
 * parameters (may be NULL). */
static const char *check(const emp_t *e, const char **next, int *years) {
  Simpeg__V1__Response *r = eligibility(HR, oc("K"), P, false, e->before, 1);
  harness_expect_ok(r, RES(PROMOTION_ELIGIBILITY));
  const Simpeg__V1__PromotionEligibilityReply *l = r->promotion_eligibility;
  assert_string_equal(l->period_date, P);
  assert_int_equal(l->n_candidates, 1);
  const Simpeg__V1__PromotionCandidate *c = l->candidates[0];
  assert_string_equal(c->nip, e->nip);
  char buf[512] = "";
  for (size_t i = 0; i < c->n_reasons; i++) {
    if (i) strcat(buf, ",");
    strncat(buf, c->reasons[i], sizeof(buf) - strlen(buf) - 2);
  }
  assert_int_equal(c->eligible, c->n_reasons == 0);
  const char *out = c->eligible ? "eligible" : fmt("%s", buf);
  if (next) *next = fmt("%s", c->next_rank);
  if (years) *years = c->years_in_rank;
  spc_response_free(r);
  return out;
}

static Simpeg__V1__Response *promotion_submit(spc_sync_t *s, const char *nip, const char *kind, const char *period,
                                              bool draft, const char *key) {
  Simpeg__V1__PromotionDetails d = SIMPEG__V1__PROMOTION_DETAILS__INIT;
  d.kind = (char *)kind;
  d.period_date = (char *)period;
  Simpeg__V1__PromotionSubmit m = SIMPEG__V1__PROMOTION_SUBMIT__INIT;
  m.nip = (char *)nip;
  m.promotion = &d;
  m.draft = draft;
  m.idempotency_key = (char *)(key ? key : "");
  return harness_rpc(s, CALL(PROMOTION_SUBMIT), &m);
}

static Simpeg__V1__Response *kgb_submit(spc_sync_t *s, const char *nip, const char *tmt, bool draft, const char *key) {
  Simpeg__V1__KgbDetails d = SIMPEG__V1__KGB_DETAILS__INIT;
  d.tmt = (char *)(tmt ? tmt : "");
  Simpeg__V1__KgbSubmit m = SIMPEG__V1__KGB_SUBMIT__INIT;
  m.nip = (char *)nip;
  m.kgb = &d;
  m.draft = draft;
  m.idempotency_key = (char *)(key ? key : "");
  return harness_rpc(s, CALL(KGB_SUBMIT), &m);
}

static Simpeg__V1__Response *act(spc_sync_t *s, const char *number, int action, const char *postpone_until) {
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)number;
  m.action = action;
  m.comment = "diperiksa";
  m.postpone_until = (char *)(postpone_until ? postpone_until : "");
  return harness_rpc(s, CALL(REQUEST_ACT), &m);
}
static void act_ok(spc_sync_t *s, const char *number, int action, int state) {
  Simpeg__V1__Response *r = act(s, number, action, NULL);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->state, state);
  spc_response_free(r);
}

/* A document row for a request, as a finished upload leaves it (the
 * upload itself is tested with the documents). */
static void document(const char *number, const char *kind) {
  PQclear(sql("INSERT INTO documents (request_id, kind, filename, content_type, size_bytes, sha256, content, uploaded_by)"
              " SELECT r.id, $2, $2 || '.pdf', 'application/pdf', 4, sha256('%PDF'::bytea), '%PDF'::bytea, r.created_by"
              " FROM requests r WHERE r.number = $1",
              2, (const char *[]){number, kind}));
}

/* The KgbDue row of an employee (NULL when not listed; caller frees *r). */
static const Simpeg__V1__KgbDueRow *kgb_row(const emp_t *e, uint32_t months, Simpeg__V1__Response **r) {
  Simpeg__V1__KgbDue m = SIMPEG__V1__KGB_DUE__INIT;
  m.office_code = (char *)oc("DINAS");
  m.months = months;
  m.limit = 1000;
  *r = harness_rpc(HR, CALL(KGB_DUE), &m);
  harness_expect_ok(*r, RES(KGB_DUE));
  for (size_t i = 0; i < (*r)->kgb_due->n_rows; i++)
    if (strcmp((*r)->kgb_due->rows[i]->nip, e->nip) == 0) return (*r)->kgb_due->rows[i];
  return NULL;
}

/* ---- promotion eligibility (DOMAIN §4.2) ---- */

static void promotion_needs_four_years_in_rank(void **state) {
  (void)state;
  emp_t four = employee((emp_args_t){.rank = "III/b", .rank_tmt = "2023-04-01"});
  emp_t short_ = employee((emp_args_t){.rank = "III/b", .rank_tmt = "2023-05-01"}); /* 3 years 11 months */
  const char *next;
  int years;
  assert_string_equal(check(&four, &next, &years), "eligible");
  assert_string_equal(next, "III/c");
  assert_int_equal(years, 4);
  assert_string_equal(check(&short_, NULL, &years), "years_in_rank");
  assert_int_equal(years, 3);
  /* fungsional needs 2 years (credit points are not modelled) */
  emp_t jf = employee((emp_args_t){.rank = "III/b", .rank_tmt = "2025-04-01", .position = FUNGSIONAL, .level = "ahli_muda"});
  emp_t jf_short = employee((emp_args_t){.rank = "III/b", .rank_tmt = "2025-04-02", .position = FUNGSIONAL,
                                         .level = "ahli_muda"});
  assert_string_equal(check(&jf, NULL, NULL), "eligible");
  assert_string_equal(check(&jf_short, NULL, NULL), "years_in_rank");
}

static void promotion_needs_two_good_predicates(void **state) {
  (void)state;
  /* sesuai/sesuai = Baik, di_atas/sesuai = Baik, di_bawah/sesuai = Butuh Perbaikan */
  emp_t good = employee((emp_args_t){.rank = "III/b", .skp = {"di_atas", "sesuai"}});
  emp_t one_bad = employee((emp_args_t){.rank = "III/b", .skp = {"sesuai", "di_bawah"}});
  emp_t one_missing = employee((emp_args_t){.rank = "III/b", .skp = {"none", "sesuai"}});
  emp_t none = employee((emp_args_t){.rank = "III/b", .no_skp = true});
  assert_string_equal(check(&good, NULL, NULL), "eligible");
  assert_string_equal(check(&one_bad, NULL, NULL), "performance");
  assert_string_equal(check(&one_missing, NULL, NULL), "performance");
  assert_string_equal(check(&none, NULL, NULL), "performance");
}

static void promotion_capped_by_education(void **state) {
  (void)state;
  /* SLTA: reguler up to III/b (ref_education.max_reguler) */
  emp_t below = employee((emp_args_t){.rank = "III/a", .education = "SLTA"});
  emp_t at = employee((emp_args_t){.rank = "III/b", .education = "SLTA"});
  const char *next;
  assert_string_equal(check(&below, &next, NULL), "eligible");
  assert_string_equal(next, "III/b");
  assert_string_equal(check(&at, NULL, NULL), "education_ceiling");
  /* the ceiling binds reguler only: a structural post goes past it */
  emp_t st = employee((emp_args_t){.rank = "III/b", .education = "SLTA", .position = PENGAWAS});
  assert_string_equal(check(&st, NULL, NULL), "eligible");
}

static void promotion_capped_by_the_supervisors_rank(void **state) {
  (void)state;
  emp_t boss = employee((emp_args_t){.rank = "III/c", .position = PENGAWAS});
  emp_t same = employee((emp_args_t){.rank = "III/c", .supervisor = &boss});  /* next III/d > III/c */
  emp_t below = employee((emp_args_t){.rank = "III/b", .supervisor = &boss}); /* next III/c = III/c */
  emp_t free_ = employee((emp_args_t){.rank = "III/c"});                      /* no supervisor: no cap */
  assert_string_equal(check(&same, NULL, NULL), "supervisor_rank");
  assert_string_equal(check(&below, NULL, NULL), "eligible");
  assert_string_equal(check(&free_, NULL, NULL), "eligible");
}

static void crossing_a_golongan_needs_the_service_exam(void **state) {
  (void)state;
  /* II/d -> III/a: STLUD tingkat I, or a diploma starting at III/a (S1) */
  emp_t slta = employee((emp_args_t){.rank = "II/d", .education = "SLTA"});
  emp_t slta_exam = employee((emp_args_t){.rank = "II/d", .education = "SLTA"});
  exam(&slta_exam, 1);
  emp_t s1 = employee((emp_args_t){.rank = "II/d", .education = "S1"});
  assert_string_equal(check(&slta, NULL, NULL), "service_exam");
  assert_string_equal(check(&slta_exam, NULL, NULL), "eligible");
  assert_string_equal(check(&s1, NULL, NULL), "eligible");
  /* III/d -> IV/a: tingkat II; tingkat I is not enough; S2's ceiling is IV/a */
  emp_t s2 = employee((emp_args_t){.rank = "III/d", .education = "S2"});
  exam(&s2, 1);
  assert_string_equal(check(&s2, NULL, NULL), "service_exam");
  exam(&s2, 2);
  assert_string_equal(check(&s2, NULL, NULL), "eligible");
  /* fungsional crosses on credit points, without the exam */
  emp_t jf = employee((emp_args_t){.rank = "III/d", .education = "S2", .position = FUNGSIONAL, .level = "ahli_muda"});
  assert_string_equal(check(&jf, NULL, NULL), "eligible");
}

static void only_pns_below_the_top_rank_are_promoted(void **state) {
  (void)state;
  emp_t cpns = employee((emp_args_t){.type = CPNS, .rank = "III/a"});
  emp_t top = employee((emp_args_t){.rank = "IV/e", .education = "S3", .position = JPT});
  emp_t norank = employee((emp_args_t){.rank = NULL});
  assert_string_equal(check(&cpns, NULL, NULL), "not_pns");
  assert_string_equal(check(&top, NULL, NULL), "top_rank");
  assert_string_equal(check(&norank, NULL, NULL), "no_rank");
}

/* The counts of the first page are those of the pages: one rule, two
 * forms (docs/internals/promotion.md). */
static void eligibility_counts_agree_with_the_pages(void **state) {
  (void)state;
  uint64_t eligible = 0, checked = 0, seen_eligible = 0, seen = 0;
  for (int pass = 0; pass < 2; pass++) {
    const char *after = NULL;
    for (;;) {
      Simpeg__V1__Response *r = eligibility(HR, oc("K"), P, pass == 0, after, 7);
      harness_expect_ok(r, RES(PROMOTION_ELIGIBILITY));
      const Simpeg__V1__PromotionEligibilityReply *l = r->promotion_eligibility;
      if (!after) {
        eligible = l->eligible_count;
        checked = l->checked_count;
      } else {
        assert_int_equal(l->checked_count, 0); /* later pages carry no counts */
      }
      for (size_t i = 0; i < l->n_candidates; i++) {
        if (pass == 0) assert_true(l->candidates[i]->eligible);
        if (pass == 0) seen_eligible++;
        else seen++;
      }
      after = *l->next_after ? fmt("%s", l->next_after) : NULL;
      spc_response_free(r);
      if (!after) break;
    }
  }
  assert_true(checked > 0);
  assert_int_equal(seen_eligible, eligible);
  assert_int_equal(seen, checked);
  assert_int_equal(checked, (uint64_t)sql_int("SELECT count(*) FROM employees e JOIN offices o ON o.id = e.office_id"
                                              " WHERE starts_with(o.path, (SELECT path FROM offices WHERE code = $1))"
                                              " AND e.status = 1",
                                              1, (const char *[]){oc("K")}));
  /* every page wrote its audit row */
  assert_true(sql_int("SELECT count(*) FROM audit_log WHERE method = 'PromotionEligibility' AND entity_id = $1", 1,
                      (const char *[]){oc("K")}) >= 2);
}

/* ---- proposals through the lifecycle ---- */

static const char *submitted(spc_sync_t *s, const emp_t *e, const char *kind, Simpeg__V1__ServiceRequest **out,
                             Simpeg__V1__Response **r) {
  *r = promotion_submit(s, e->nip, kind, P, true, NULL);
  harness_expect_ok(*r, RES(PROMOTION_SUBMIT));
  *out = (*r)->promotion_submit->request;
  return (*out)->number;
}

static void approved_promotion_writes_the_rank_history_and_salary_follows_the_table(void **state) {
  (void)state;
  /* III/c since 2023-04-01 at MKG 10: at P MKG 14 in III/d = Rp 3.919.100 */
  emp_t e = employee((emp_args_t){.rank = "III/c", .rank_tmt = "2023-04-01", .mkg = 10});
  Simpeg__V1__Response *r;
  Simpeg__V1__ServiceRequest *q;
  const char *number = fmt("%s", submitted(HR, &e, "reguler", &q, &r));
  assert_int_equal(q->state, STATE(DRAFT));
  assert_int_equal(q->details_case, SIMPEG__V1__SERVICE_REQUEST__DETAILS_PROMOTION);
  assert_string_equal(q->promotion->from_rank, "III/c");
  assert_string_equal(q->promotion->to_rank, "III/d");
  assert_string_equal(q->promotion->period_date, P);
  /* first promotion: SK CPNS and SK PNS too */
  assert_int_equal(q->promotion->n_checklist, 4);
  assert_string_equal(q->promotion->checklist[0], "sk_pangkat_terakhir");
  assert_string_equal(q->promotion->checklist[1], "skp_2_tahun");
  assert_int_equal(q->n_missing, 4);
  spc_response_free(r);
  /* documents missing: the submission is refused */
  r = act(HR, number, ACTION(SUBMIT), NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "documents_missing");
  spc_response_free(r);
  document(number, "sk_pangkat_terakhir");
  document(number, "skp_2_tahun");
  document(number, "sk_cpns");
  document(number, "sk_pns");
  act_ok(HR, number, ACTION(SUBMIT), STATE(SUBMITTED));
  act_ok(HR, number, ACTION(APPROVE), STATE(VERIFIED));
  /* before the decision nothing changed */
  assert_string_equal(sql_text("SELECT current_rank_code FROM employees WHERE id = $1", 1, (const char *[]){e.id}), "III/c");
  act_ok(OFFICIAL, number, ACTION(APPROVE), STATE(APPROVED));
  PGresult *x = sql("SELECT e.current_rank_code, to_char(e.current_rank_tmt, 'YYYY-MM-DD'), e.current_mkg_years,"
                    " (SELECT gaji_pokok FROM employee_salaries s WHERE s.employee_id = e.id ORDER BY s.id DESC LIMIT 1),"
                    " (SELECT count(*) FROM employee_ranks r WHERE r.employee_id = e.id)"
                    " FROM employees e WHERE e.id = $1",
                    1, (const char *[]){e.id});
  assert_string_equal(PQgetvalue(x, 0, 0), "III/d");
  assert_string_equal(PQgetvalue(x, 0, 1), P);
  assert_string_equal(PQgetvalue(x, 0, 2), "14");
  assert_string_equal(PQgetvalue(x, 0, 3), "3919100");
  assert_string_equal(PQgetvalue(x, 0, 4), "2");
  PQclear(x);
  /* the employee's service summary follows the new rank */
  assert_string_equal(sql_text("SELECT salary_grade FROM employee_summary($1, $2::date)", 2, (const char *[]){e.id, P}),
                      "III/d MKG 14");
  /* cancelled after approval (a verifier in scope): the history is as before */
  act_ok(HR, number, ACTION(CANCEL), STATE(CANCELLED));
  assert_string_equal(sql_text("SELECT current_rank_code FROM employees WHERE id = $1", 1, (const char *[]){e.id}), "III/c");
  assert_int_equal(sql_int("SELECT count(*) FROM employee_salaries WHERE employee_id = $1", 1, (const char *[]){e.id}), 0);

  /* crossing II/d -> III/a: MKG less 5 years. II/d MKG 9 since 2023-04-01:
   * 13 at P, 8 in III/a = Rp 3.153.600; the STLUD is on the checklist. */
  emp_t c = employee((emp_args_t){.rank = "II/d", .rank_tmt = "2023-04-01", .mkg = 9, .education = "SLTA"});
  exam(&c, 1);
  number = fmt("%s", submitted(HR, &c, "reguler", &q, &r));
  bool has_stlud = false;
  for (size_t i = 0; i < q->promotion->n_checklist; i++) has_stlud |= strcmp(q->promotion->checklist[i], "stlud") == 0;
  assert_true(has_stlud);
  for (size_t i = 0; i < q->promotion->n_checklist; i++) document(number, q->promotion->checklist[i]);
  spc_response_free(r);
  act_ok(HR, number, ACTION(SUBMIT), STATE(SUBMITTED));
  act_ok(HR, number, ACTION(APPROVE), STATE(VERIFIED));
  act_ok(OFFICIAL, number, ACTION(APPROVE), STATE(APPROVED));
  x = sql("SELECT e.current_rank_code, e.current_mkg_years, (SELECT gaji_pokok FROM employee_salaries s"
          " WHERE s.employee_id = e.id ORDER BY s.id DESC LIMIT 1) FROM employees e WHERE e.id = $1",
          1, (const char *[]){c.id});
  assert_string_equal(PQgetvalue(x, 0, 0), "III/a");
  assert_string_equal(PQgetvalue(x, 0, 1), "8");
  assert_string_equal(PQgetvalue(x, 0, 2), "3153600");
  PQclear(x);
  /* promoted: no longer eligible for the same period */
  assert_string_equal(check(&c, NULL, NULL), "years_in_rank");
}

static void a_retried_proposal_returns_the_first_request(void **state) {
  (void)state;
  emp_t e = employee((emp_args_t){.rank = "III/b"});
  const char *key = fmt("kp-%s-%d", t, SEQ);
  Simpeg__V1__Response *r1 = promotion_submit(HR, e.nip, "reguler", P, true, key);
  harness_expect_ok(r1, RES(PROMOTION_SUBMIT));
  Simpeg__V1__Response *r2 = promotion_submit(HR, e.nip, "reguler", P, true, key);
  harness_expect_ok(r2, RES(PROMOTION_SUBMIT));
  assert_false(r1->promotion_submit->replayed);
  assert_true(r2->promotion_submit->replayed);
  assert_string_equal(r1->promotion_submit->request->number, r2->promotion_submit->request->number);
  spc_response_free(r1);
  spc_response_free(r2);
  /* without the key: already filed for that period */
  Simpeg__V1__Response *r3 = promotion_submit(HR, e.nip, "reguler", P, true, NULL);
  harness_expect_err(r3, ERR(FAILED_PRECONDITION), "already_filed");
  spc_response_free(r3);
  assert_int_equal(requests_of(&e), 1);
}

/* A draft may wait: the rules are applied again when it is submitted and
 * the rank proposed from is checked again when it is decided. */
static void a_proposal_is_checked_again_at_submission_and_decision(void **state) {
  (void)state;
  emp_t e = employee((emp_args_t){.rank = "III/b", .rank_tmt = "2023-04-01"});
  Simpeg__V1__Response *r;
  Simpeg__V1__ServiceRequest *q;
  const char *number = fmt("%s", submitted(HR, &e, "reguler", &q, &r));
  for (size_t i = 0; i < q->promotion->n_checklist; i++) document(number, q->promotion->checklist[i]);
  spc_response_free(r);
  /* an SKP of 2026 entered again, below Baik: no longer eligible */
  PQclear(sql("INSERT INTO employee_performances (employee_id, year, result_rating, behavior_rating)"
              " VALUES ($1, 2026, 'di_bawah', 'sesuai')",
              1, (const char *[]){e.id}));
  r = act(HR, number, ACTION(SUBMIT), NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "not_eligible");
  expect_field(r, "performance");
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT state FROM requests WHERE number = $1", 1, (const char *[]){number}), STATE(DRAFT));
  PQclear(sql("DELETE FROM employee_performances WHERE employee_id = $1 AND result_rating = 'di_bawah'", 1,
              (const char *[]){e.id}));
  act_ok(HR, number, ACTION(SUBMIT), STATE(SUBMITTED));
  act_ok(HR, number, ACTION(APPROVE), STATE(VERIFIED));
  /* promoted by another decree meanwhile: the decision is refused */
  PQclear(sql("INSERT INTO employee_ranks (employee_id, rank_code, tmt, mkg_years) VALUES ($1, 'III/c', '2026-10-01', 9)",
              1, (const char *[]){e.id}));
  r = act(OFFICIAL, number, ACTION(APPROVE), NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "rank_changed");
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT state FROM requests WHERE number = $1", 1, (const char *[]){number}), STATE(VERIFIED));
  assert_int_equal(sql_int("SELECT count(*) FROM employee_ranks WHERE employee_id = $1", 1, (const char *[]){e.id}), 2);
  /* the next period from today is named when none is asked for */
  r = eligibility(HR, oc("K"), "", true, NULL, 1);
  harness_expect_ok(r, RES(PROMOTION_ELIGIBILITY));
  assert_string_equal(r->promotion_eligibility->period_date,
                      sql_text("SELECT to_char(min(period_date), 'YYYY-MM-DD') FROM promotion_periods"
                               " WHERE period_date >= current_date",
                               0, NULL));
  spc_response_free(r);
}

static void bad_promotion_input_changes_nothing(void **state) {
  (void)state;
  emp_t ok = employee((emp_args_t){.rank = "III/b"});
  emp_t young = employee((emp_args_t){.rank = "III/b", .rank_tmt = "2024-04-01"});
  emp_t cpns = employee((emp_args_t){.type = CPNS, .rank = "III/a"});
  emp_t pppk = employee((emp_args_t){.type = PPPK, .rank = "IX"});
  emp_t away = employee((emp_args_t){.rank = "III/b", .office = "K2"});
  long long audit = sql_int("SELECT count(*) FROM audit_log WHERE method = 'PromotionSubmit'", 0, NULL);
  struct {
    const emp_t *e;
    const char *kind, *period;
    int code;
    const char *reason, *field;
  } cases[] = {
      {&ok, "reguler", "2027-03-01", ERR(INVALID_ARGUMENT), "unknown_period", "promotion.period_date"},
      {&ok, "reguler", "2027-02-30", ERR(INVALID_ARGUMENT), NULL, "promotion.period_date"},
      {&ok, "reguler", "", ERR(INVALID_ARGUMENT), NULL, "promotion.period_date"},
      {&ok, "anumerta", P, ERR(INVALID_ARGUMENT), "unknown_promotion_kind", "promotion.kind"},
      {&ok, "", P, ERR(INVALID_ARGUMENT), NULL, "promotion.kind"},
      {&ok, "struktural", P, ERR(FAILED_PRECONDITION), "not_eligible", "position"},
      {&young, "reguler", P, ERR(FAILED_PRECONDITION), "not_eligible", "years_in_rank"},
      {&cpns, "reguler", P, ERR(FAILED_PRECONDITION), "not_eligible", "not_pns"},
      {&pppk, "reguler", P, ERR(FAILED_PRECONDITION), "not_eligible", "not_pns,no_rank"},
      {&away, "reguler", P, ERR(NOT_FOUND), "employee_not_found", "nip"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    Simpeg__V1__Response *r = promotion_submit(HR, cases[i].e->nip, cases[i].kind, cases[i].period, false, NULL);
    harness_expect_err(r, cases[i].code, cases[i].reason);
    expect_field(r, cases[i].field);
    spc_response_free(r);
  }
  /* a malformed NIP, and an employee (no HR role) filing for someone */
  Simpeg__V1__Response *r = promotion_submit(HR, "12345", "reguler", P, false, NULL);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  expect_field(r, "nip");
  spc_response_free(r);
  r = promotion_submit(EMPLOYEE, ok.nip, "reguler", P, false, NULL);
  harness_expect_err(r, ERR(PERMISSION_DENIED), NULL);
  spc_response_free(r);
  const emp_t *all[] = {&ok, &young, &cpns, &pppk, &away};
  for (size_t i = 0; i < 5; i++) assert_int_equal(requests_of(all[i]), 0);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'PromotionSubmit'", 0, NULL), audit);
  /* eligibility: an office outside the scope, an unknown period, a bad cursor */
  r = eligibility(HR, oc("K2"), P, true, NULL, 10);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  r = eligibility(HR, oc("K"), "2027-05-01", true, NULL, 10);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), "unknown_period");
  spc_response_free(r);
  r = eligibility(HR, oc("K"), P, true, "x", 10);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  expect_field(r, "after");
  spc_response_free(r);
  r = eligibility(HR, oc("K"), P, true, NULL, 5001);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  r = eligibility(EMPLOYEE, "", P, true, NULL, 10);
  harness_expect_err(r, ERR(PERMISSION_DENIED), NULL);
  spc_response_free(r);
}

/* ---- periods (DOMAIN §4.1) ---- */

static Simpeg__V1__Response *period_add(spc_sync_t *s, const char *date, const char *from, const char *to) {
  Simpeg__V1__PromotionPeriod p = SIMPEG__V1__PROMOTION_PERIOD__INIT;
  p.period_date = (char *)date;
  p.submit_from = (char *)from;
  p.submit_to = (char *)to;
  Simpeg__V1__PromotionPeriodAdd m = SIMPEG__V1__PROMOTION_PERIOD_ADD__INIT;
  m.period = &p;
  return harness_rpc(s, CALL(PROMOTION_PERIOD_ADD), &m);
}

static void promotion_periods_are_data_six_a_year(void **state) {
  (void)state;
  Simpeg__V1__PromotionPeriodList m = SIMPEG__V1__PROMOTION_PERIOD_LIST__INIT;
  m.year = 2026;
  Simpeg__V1__Response *r = harness_rpc(EMPLOYEE, CALL(PROMOTION_PERIOD_LIST), &m);
  harness_expect_ok(r, RES(PROMOTION_PERIOD_LIST));
  const char *want[] = {"2026-02-01", "2026-04-01", "2026-06-01", "2026-08-01", "2026-10-01", "2026-12-01"};
  assert_int_equal(r->promotion_period_list->n_periods, 6);
  for (size_t i = 0; i < 6; i++) assert_string_equal(r->promotion_period_list->periods[i]->period_date, want[i]);
  assert_string_equal(r->promotion_period_list->periods[1]->submit_from, "2026-02-01");
  assert_string_equal(r->promotion_period_list->periods[1]->submit_to, "2026-02-28");
  spc_response_free(r);
  /* a monthly period (Peraturan BKN 4/2025, if confirmed) is one more row;
   * a year nobody else uses, so runs do not collide */
  int y = 2100 + RUN % 99;
  const char *d = fmt("%d-%02d-01", y, 1 + SEQ % 12);
  long long before = sql_int("SELECT count(*) FROM promotion_periods", 0, NULL);
  r = period_add(HR, d, fmt("%d-01-01", y - 1), fmt("%d-01-02", y - 1)); /* HR of a city: not national */
  harness_expect_err(r, ERR(PERMISSION_DENIED), "national_data");
  spc_response_free(r);
  r = period_add(ROOT, d, fmt("%d-01-05", y - 1), fmt("%d-01-02", y - 1)); /* window backwards */
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  r = period_add(ROOT, d, fmt("%d-01-01", y - 1), d); /* window not before the period */
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  r = period_add(ROOT, "2100-13-01", fmt("%d-01-01", y - 1), fmt("%d-01-02", y - 1));
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT count(*) FROM promotion_periods", 0, NULL), before);
  int exists = (int)sql_int("SELECT count(*) FROM promotion_periods WHERE period_date = $1::date", 1, (const char *[]){d});
  r = period_add(ROOT, d, fmt("%d-12-01", y - 1), fmt("%d-12-20", y - 1));
  if (exists) {
    harness_expect_err(r, ERR(ALREADY_EXISTS), NULL);
  } else {
    harness_expect_ok(r, RES(PROMOTION_PERIOD_ADD));
    assert_string_equal(r->promotion_period_add->periods[0]->period_date, d);
  }
  spc_response_free(r);
  r = period_add(ROOT, d, fmt("%d-12-01", y - 1), fmt("%d-12-20", y - 1));
  harness_expect_err(r, ERR(ALREADY_EXISTS), NULL);
  spc_response_free(r);
  m.year = (uint32_t)y;
  r = harness_rpc(HR, CALL(PROMOTION_PERIOD_LIST), &m);
  harness_expect_ok(r, RES(PROMOTION_PERIOD_LIST));
  bool found = false;
  for (size_t i = 0; i < r->promotion_period_list->n_periods; i++)
    found |= strcmp(r->promotion_period_list->periods[i]->period_date, d) == 0;
  assert_true(found);
  spc_response_free(r);
}

/* ---- KGB (DOMAIN §5.3) ---- */

static void kgb_due_two_months_ahead(void **state) {
  (void)state;
  /* III/a at MKG 0: the first raise 2 years after the rank TMT */
  emp_t soon = employee((emp_args_t){.rank = "III/a", .rank_tmt = month_start(1, -2), .tmt_cpns = month_start(1, -2)});
  emp_t later = employee((emp_args_t){.rank = "III/a", .rank_tmt = month_start(3, -2), .tmt_cpns = month_start(3, -2)});
  Simpeg__V1__Response *r;
  const Simpeg__V1__KgbDueRow *k = kgb_row(&soon, 0, &r); /* default: 2 months */
  assert_non_null(k);
  assert_string_equal(k->tmt, month_start(1, 0));
  assert_int_equal(k->from_mkg, 0);
  assert_int_equal(k->to_mkg, 2);
  assert_int_equal(k->from_gaji_pokok, 2785700);
  assert_int_equal(k->to_gaji_pokok, 2873500);
  assert_string_equal(k->request_number, "");
  spc_response_free(r);
  assert_null(kgb_row(&later, 0, &r));
  spc_response_free(r);
  k = kgb_row(&later, 3, &r);
  assert_non_null(k);
  assert_string_equal(k->tmt, month_start(3, 0));
  spc_response_free(r);
  /* not due within the notice period: refused, nothing written */
  r = kgb_submit(HR, later.nip, NULL, false, NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "kgb_not_due");
  spc_response_free(r);
  /* a TMT other than the due date */
  r = kgb_submit(HR, soon.nip, month_start(2, 0), false, NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "kgb_not_due");
  expect_field(r, "kgb.tmt");
  spc_response_free(r);
  assert_int_equal(requests_of(&later) + requests_of(&soon), 0);
  /* filed: KgbDue names the request; a second filing is refused */
  r = kgb_submit(HR, soon.nip, month_start(1, 0), false, NULL);
  harness_expect_ok(r, RES(KGB_SUBMIT));
  const char *number = fmt("%s", r->kgb_submit->request->number);
  assert_int_equal(r->kgb_submit->request->state, STATE(SUBMITTED));
  assert_int_equal(r->kgb_submit->request->details_case, SIMPEG__V1__SERVICE_REQUEST__DETAILS_KGB);
  assert_string_equal(r->kgb_submit->request->kgb->tmt, month_start(1, 0));
  assert_int_equal(r->kgb_submit->request->kgb->to_gaji_pokok, 2873500);
  spc_response_free(r);
  k = kgb_row(&soon, 0, &r);
  assert_non_null(k);
  assert_string_equal(k->request_number, number);
  spc_response_free(r);
  r = kgb_submit(HR, soon.nip, NULL, false, NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "already_filed");
  spc_response_free(r);
  assert_int_equal(requests_of(&soon), 1);
}

static void kgb_every_two_years_of_mkg(void **state) {
  (void)state;
  const char *due = month_start(1, 0);
  emp_t e = employee((emp_args_t){.rank = "III/a", .rank_tmt = month_start(1, -2), .tmt_cpns = month_start(1, -2)});
  Simpeg__V1__Response *r = kgb_submit(HR, e.nip, NULL, false, NULL);
  harness_expect_ok(r, RES(KGB_SUBMIT));
  const char *number = fmt("%s", r->kgb_submit->request->number);
  spc_response_free(r);
  act_ok(HR, number, ACTION(APPROVE), STATE(VERIFIED));
  act_ok(OFFICIAL, number, ACTION(APPROVE), STATE(APPROVED));
  /* the salary row: MKG 2 in III/a from the table */
  PGresult *x = sql("SELECT rank_code, mkg_years, gaji_pokok, to_char(tmt, 'YYYY-MM-DD') FROM employee_salaries"
                    " WHERE employee_id = $1",
                    1, (const char *[]){e.id});
  assert_int_equal(PQntuples(x), 1);
  assert_string_equal(PQgetvalue(x, 0, 0), "III/a");
  assert_string_equal(PQgetvalue(x, 0, 1), "2");
  assert_string_equal(PQgetvalue(x, 0, 2), "2873500");
  assert_string_equal(PQgetvalue(x, 0, 3), due);
  PQclear(x);
  /* from the raise on, the next one is 2 years later at MKG 4 */
  x = sql("SELECT to_char(due, 'YYYY-MM-DD'), to_mkg FROM kgb_due_of($1, $2::date + 1)", 2, (const char *[]){e.id, due});
  assert_string_equal(PQgetvalue(x, 0, 0), month_start(1, 2));
  assert_string_equal(PQgetvalue(x, 0, 1), "4");
  PQclear(x);
  /* an initial II/a appointment: the first raise after 1 year, to MKG 1 */
  emp_t a = employee((emp_args_t){.rank = "II/a", .rank_tmt = month_start(1, -1), .tmt_cpns = month_start(1, -1),
                                  .education = "SLTA"});
  const Simpeg__V1__KgbDueRow *k = kgb_row(&a, 0, &r);
  assert_non_null(k);
  assert_string_equal(k->tmt, due);
  assert_int_equal(k->from_mkg, 0);
  assert_int_equal(k->to_mkg, 1);
  assert_int_equal(k->from_gaji_pokok, 2184000);
  assert_int_equal(k->to_gaji_pokok, 2218400);
  spc_response_free(r);
  /* PPPK: no salary table, no KGB here */
  emp_t p = employee((emp_args_t){.type = PPPK, .rank = "IX", .rank_tmt = month_start(1, -2)});
  r = kgb_submit(HR, p.nip, NULL, false, NULL);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "not_pns");
  spc_response_free(r);
  assert_int_equal(requests_of(&p), 0);
}

static void postponed_kgb_moves_the_due_date_by_at_most_one_year(void **state) {
  (void)state;
  const char *due = month_start(1, 0);
  emp_t e = employee((emp_args_t){.rank = "III/b", .rank_tmt = month_start(1, -2), .tmt_cpns = month_start(1, -6), .mkg = 4});
  Simpeg__V1__Response *r = kgb_submit(HR, e.nip, NULL, false, NULL);
  harness_expect_ok(r, RES(KGB_SUBMIT));
  const char *number = fmt("%s", r->kgb_submit->request->number);
  assert_int_equal(r->kgb_submit->request->kgb->to_mkg, 6);
  spc_response_free(r);
  act_ok(HR, number, ACTION(APPROVE), STATE(VERIFIED));
  /* more than a year: refused, the request stays with the official */
  r = act(OFFICIAL, number, ACTION(POSTPONE), date_add(due, "1 year 1 day"));
  harness_expect_err(r, ERR(INVALID_ARGUMENT), "postpone_too_long");
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT state FROM requests WHERE number = $1", 1, (const char *[]){number}), STATE(VERIFIED));
  /* a year: postponed; the raise now falls due then, at the same MKG */
  const char *until = date_add(due, "1 year");
  r = act(OFFICIAL, number, ACTION(POSTPONE), until);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->state, STATE(POSTPONED));
  assert_string_equal(r->request_act->request->kgb->postponed_until, until);
  spc_response_free(r);
  const Simpeg__V1__KgbDueRow *k = kgb_row(&e, 14, &r);
  assert_non_null(k);
  assert_string_equal(k->tmt, until);
  assert_int_equal(k->to_mkg, 6);
  assert_string_equal(k->request_number, ""); /* the postponed request is decided */
  spc_response_free(r);
  assert_null(kgb_row(&e, 0, &r)); /* no longer due within two months */
  spc_response_free(r);
  assert_int_equal(sql_int("SELECT count(*) FROM employee_salaries WHERE employee_id = $1", 1, (const char *[]){e.id}), 0);
  /* the postponed year counts for the next raise (PP 7/1977 art. 13): once
   * granted at `until`, the next is 2 years after the original due date */
  PQclear(sql("INSERT INTO employee_salaries (employee_id, rank_code, mkg_years, tmt, series_tmt)"
              " VALUES ($1, 'III/b', 6, $2::date, $3::date)",
              3, (const char *[]){e.id, until, due}));
  PGresult *x = sql("SELECT to_char(due, 'YYYY-MM-DD'), to_mkg FROM kgb_due_of($1, $2::date + 1)", 2,
                    (const char *[]){e.id, until});
  assert_string_equal(PQgetvalue(x, 0, 0), month_start(1, 2));
  assert_string_equal(PQgetvalue(x, 0, 1), "8");
  PQclear(x);
}

static void bad_kgb_input_changes_nothing(void **state) {
  (void)state;
  emp_t e = employee((emp_args_t){.rank = "III/a", .rank_tmt = month_start(1, -2), .tmt_cpns = month_start(1, -2)});
  emp_t away = employee((emp_args_t){.rank = "III/a", .office = "K2", .rank_tmt = month_start(1, -2)});
  Simpeg__V1__Response *r = kgb_submit(HR, away.nip, NULL, false, NULL);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  r = kgb_submit(HR, e.nip, "2027-02-31", false, NULL);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  expect_field(r, "kgb.tmt");
  spc_response_free(r);
  r = kgb_submit(EMPLOYEE, e.nip, NULL, false, NULL);
  harness_expect_err(r, ERR(PERMISSION_DENIED), NULL);
  spc_response_free(r);
  assert_int_equal(requests_of(&e) + requests_of(&away), 0);
  Simpeg__V1__KgbDue m = SIMPEG__V1__KGB_DUE__INIT;
  m.after = "2027-01-01|123";
  r = harness_rpc(HR, CALL(KGB_DUE), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  expect_field(r, "after");
  spc_response_free(r);
  m.after = "";
  m.months = 61;
  r = harness_rpc(HR, CALL(KGB_DUE), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  m.months = 0;
  m.office_code = (char *)oc("K2");
  r = harness_rpc(HR, CALL(KGB_DUE), &m);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
}

/* ---- retirement (DOMAIN §6) ---- */

static void retirement_projection_counts_by_year(void **state) {
  (void)state;
  int y0 = (int)sql_int("SELECT extract(year FROM current_date)::int", 0, NULL);
  /* pension TMT = the first of the month after the BUP birthday:
   *   pelaksana (58), born (y0+1-58)-12-31 -> (y0+2)-01-01
   *   JPT (60), born (y0+1-60)-04-07       -> (y0+1)-05-01
   *   ahli madya (60), born (y0+2-60)-01-10 -> (y0+2)-02-01
   *   ahli utama (65), born (y0+3-65)-06-15 -> (y0+3)-07-01
   *   pengawas (58), born (y0+4-58)-11-30  -> (y0+4)-12-01
   * not counted: retired, no position, beyond the years asked */
  employee((emp_args_t){.office = "R", .birth = fmt("%d-12-31", y0 + 1 - 58), .position = PELAKSANA});
  employee((emp_args_t){.office = "R", .birth = fmt("%d-04-07", y0 + 1 - 60), .position = JPT});
  employee((emp_args_t){.office = "R", .birth = fmt("%d-01-10", y0 + 2 - 60), .position = FUNGSIONAL, .level = "ahli_madya"});
  employee((emp_args_t){.office = "R", .birth = fmt("%d-06-15", y0 + 3 - 65), .position = FUNGSIONAL, .level = "ahli_utama"});
  employee((emp_args_t){.office = "R", .birth = fmt("%d-11-30", y0 + 4 - 58), .position = PENGAWAS});
  employee((emp_args_t){.office = "R", .birth = fmt("%d-06-15", y0 + 2 - 58), .position = PELAKSANA, .status = 3});
  emp_t nopos = employee((emp_args_t){.office = "R", .birth = fmt("%d-06-15", y0 + 2 - 58)});
  PQclear(sql("DELETE FROM employee_positions WHERE employee_id = $1", 1, (const char *[]){nopos.id}));
  employee((emp_args_t){.office = "R", .birth = fmt("%d-06-15", y0 + 6 - 58), .position = PELAKSANA});
  Simpeg__V1__RetirementProjection m = SIMPEG__V1__RETIREMENT_PROJECTION__INIT;
  m.office_code = (char *)oc("R");
  Simpeg__V1__Response *r = harness_rpc(HR, CALL(RETIREMENT_PROJECTION), &m); /* R is outside HR's city */
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  r = harness_rpc(ROOT, CALL(RETIREMENT_PROJECTION), &m);
  harness_expect_ok(r, RES(RETIREMENT_PROJECTION));
  const Simpeg__V1__RetirementProjectionReply *p = r->retirement_projection;
  const uint64_t want[] = {0, 1, 2, 1, 1};
  assert_int_equal(p->n_years, 5); /* default 5 years, this one included */
  for (size_t i = 0; i < 5; i++) {
    assert_int_equal(p->years[i]->year, (uint32_t)(y0 + (int)i));
    assert_int_equal(p->years[i]->count, want[i]);
  }
  spc_response_free(r);
  m.years = 7;
  r = harness_rpc(ROOT, CALL(RETIREMENT_PROJECTION), &m);
  harness_expect_ok(r, RES(RETIREMENT_PROJECTION));
  assert_int_equal(r->retirement_projection->n_years, 7);
  assert_int_equal(r->retirement_projection->years[6]->count, 1);
  spc_response_free(r);
  m.years = 51;
  r = harness_rpc(ROOT, CALL(RETIREMENT_PROJECTION), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
}

/* ---- setup ---- */

static void office(const char *code, const char *name, int kind, const char *parent) {
  PQclear(sql("INSERT INTO offices (code, name, kind, parent_id, path)"
              " SELECT $1, $2, $3::smallint, p.id, p.path || $1 || '/' FROM offices p WHERE p.code = $4",
              4, (const char *[]){code, name, fmt("%d", kind), parent}));
}

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  RUN = rand() % 100000;
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  office(oc("P"), "Provinsi Uji", 2, "ID");
  office(oc("K"), "Kota Uji", 3, oc("P"));
  office(oc("K2"), "Kota Lain", 3, oc("P"));
  office(oc("R"), "Kota Pensiun", 3, oc("P"));
  office(oc("DINAS"), "Badan Kepegawaian", 5, oc("K"));
  /* KP without the supervisor step: the supervisor's part is tested with
   * the lifecycle; here HR verifies and the official decides. */
  PQclear(sql("INSERT INTO approval_chains (office_id, service, steps) SELECT id, 'KP', '{verifier,official}'"
              " FROM offices WHERE code = $1",
              1, (const char *[]){oc("K")}));
  harness_user_t users[] = {
      {.username = fmt("kp%s-root", t), .password = PW, .role = ROLE(SYSTEM_ADMIN), .log2_n = 10},
      {.username = fmt("kp%s-hr", t), .password = PW, .role = ROLE(HR_OFFICER), .office_code = oc("K"), .log2_n = 10},
      {.username = fmt("kp%s-ppk", t), .password = PW, .role = ROLE(REGIONAL_ADMIN), .office_code = oc("K"),
       .log2_n = 10},
      {.username = fmt("kp%s-emp", t), .password = PW, .role = ROLE(EMPLOYEE), .office_code = oc("K"), .log2_n = 10},
  };
  for (size_t i = 0; i < 4; i++)
    if (!harness_create_user_with(&users[i])) return -1;
  ROOT = sync_open_as(&D, users[0].username, PW);
  HR = sync_open_as(&D, users[1].username, PW);
  OFFICIAL = sync_open_as(&D, users[2].username, PW);
  EMPLOYEE = sync_open_as(&D, users[3].username, PW);
  return ROOT && HR && OFFICIAL && EMPLOYEE ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  spc_sync_t *all[] = {ROOT, HR, OFFICIAL, EMPLOYEE};
  for (size_t i = 0; i < 4; i++)
    if (all[i]) spc_sync_close(all[i]);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(promotion_needs_four_years_in_rank),
      cmocka_unit_test(promotion_needs_two_good_predicates),
      cmocka_unit_test(promotion_capped_by_education),
      cmocka_unit_test(promotion_capped_by_the_supervisors_rank),
      cmocka_unit_test(crossing_a_golongan_needs_the_service_exam),
      cmocka_unit_test(only_pns_below_the_top_rank_are_promoted),
      cmocka_unit_test(eligibility_counts_agree_with_the_pages),
      cmocka_unit_test(promotion_periods_are_data_six_a_year),
      cmocka_unit_test(approved_promotion_writes_the_rank_history_and_salary_follows_the_table),
      cmocka_unit_test(a_retried_proposal_returns_the_first_request),
      cmocka_unit_test(a_proposal_is_checked_again_at_submission_and_decision),
      cmocka_unit_test(bad_promotion_input_changes_nothing),
      cmocka_unit_test(kgb_due_two_months_ahead),
      cmocka_unit_test(kgb_every_two_years_of_mkg),
      cmocka_unit_test(postponed_kgb_moves_the_due_date_by_at_most_one_year),
      cmocka_unit_test(bad_kgb_input_changes_nothing),
      cmocka_unit_test(retirement_projection_counts_by_year),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
