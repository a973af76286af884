/* Integration tests of leave (cuti), holidays and work calendars (issue #5;
 * docs/internals/leave.md, DOMAIN §3). Each test is named after the rule
 * it checks and uses its own employees, so runs against the same database
 * do not disturb each other. Leave is planned in the next calendar year Y
 * (inside the accepted window whatever today is); the holidays of Y the
 * tests rely on are imported in the setup, on ISO weeks no other test uses:
 *
 *   week 10 Wednesday         national holiday
 *   week 12 Thursday, Friday  cuti bersama
 *   week 14 Tuesday           regional holiday of <T>-K (the city)
 *
 * Offices: ID ── <T>-P ── <T>-K ── <T>-DINKES ── <T>-RS ── <T>-RS.IGD
 *                      └─ <T>-K2                 (RS works Mon..Sat)
 * Employees and their accounts are written straight into the database
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
#include <pthread.h>

#include "harness.h"

#define ROLE(x) SIMPEG__V1__ROLE__ROLE_##x
#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x
#define HKIND(x) SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_##x
#define STATE(x) SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_##x
#define ACTION(x) SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_##x

enum { PNS = 1, CPNS = 2, PPPK = 3, MALE = 1, FEMALE = 2 };

static const char *PW = "leave-test-password";
static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int Y, RUN, SEQ;
static spc_sync_t *ROOT, *HR, *OFFICIAL;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }

/* ---- dates ---- */

/* ISO week `week`, day `dow` (1 Monday .. 7 Sunday) of year y. */
static const char *iso_day(int y, int week, int dow) {
  struct tm tm = {.tm_year = y - 1900, .tm_mon = 0, .tm_mday = 4, .tm_hour = 12};
  time_t jan4 = timegm(&tm);
  struct tm j;
  gmtime_r(&jan4, &j);
  int jdow = j.tm_wday == 0 ? 7 : j.tm_wday;
  time_t d = jan4 + (time_t)(((week - 1) * 7 + (dow - 1) - (jdow - 1)) * 86400);
  struct tm out;
  gmtime_r(&d, &out);
  return fmt("%04d-%02d-%02d", out.tm_year + 1900, out.tm_mon + 1, out.tm_mday);
}
/* date + n years (n may be negative), same month and day */
static const char *years_from(const char *date, int n) { return fmt("%04d%s", atoi(date) + n, date + 4); }

/* ---- people ---- */

typedef struct person {
  const char *nip;
  const char *user;
  long long id;
  spc_sync_t *s;
} person_t;

static person_t SUP; /* the atasan langsung of everyone below */

/* An employee with an account (role employee unless `role`) in office
 * <T>-suffix, first appointed on `tmt`. */
static person_t person_as(int type, int sex, const char *tmt, const char *office_suffix, int role) {
  person_t p = {0};
  SEQ++;
  p.nip = fmt("9%05d%012d", RUN, SEQ);
  p.user = fmt("lv%s-%d", t, SEQ);
  const char *v[] = {p.nip, fmt("%d", type),       fmt("Pegawai %d", SEQ), fmt("%d", sex), oc(office_suffix),
                     tmt,   SUP.nip ? SUP.nip : ""};
  p.id = sql_int(
      "INSERT INTO employees (nip, employment_type, name, birth_date, sex, office_id, tmt_cpns, supervisor_id)"
      " VALUES ($1, $2::smallint, $3, '1975-05-05', $4::smallint,"
      " (SELECT id FROM offices WHERE code = $5), $6::date, (SELECT id FROM employees WHERE nip = $7))"
      " RETURNING id",
      7, v);
  harness_user_t u = {.username = p.user, .password = PW, .role = role, .office_code = oc(office_suffix), .log2_n = 10};
  if (!harness_create_user_with(&u)) fail_msg("cannot create %s", p.user);
  PQclear(sql("UPDATE users SET nip = $1 WHERE username = $2", 2, (const char *[]){p.nip, p.user}));
  p.s = sync_open_as(&D, p.user, PW);
  if (!p.s) fail_msg("cannot sign in as %s", p.user);
  return p;
}
static person_t person(int type, int sex, const char *tmt, const char *office_suffix) {
  return person_as(type, sex, tmt, office_suffix, ROLE(EMPLOYEE));
}
static person_t veteran(void) { return person(PNS, MALE, fmt("%d-01-02", Y - 12), "DINKES"); }
static void person_done(person_t *p) {
  if (p->s) spc_sync_close(p->s);
  p->s = NULL;
}

/* ---- calls ---- */

typedef struct leave_args {
  const char *nip;
  const char *type;
  const char *from, *to;
  bool draft;
  uint32_t birth_order;
  bool first_hajj;
  const char *key;
} leave_args_t;

static Simpeg__V1__Response *leave_submit(spc_sync_t *s, leave_args_t a) {
  Simpeg__V1__LeaveDetails l = SIMPEG__V1__LEAVE_DETAILS__INIT;
  l.leave_type = (char *)a.type;
  l.start_date = (char *)a.from;
  l.end_date = (char *)a.to;
  l.birth_order = a.birth_order;
  l.first_hajj = a.first_hajj;
  l.reason = "keperluan keluarga";
  Simpeg__V1__LeaveSubmit m = SIMPEG__V1__LEAVE_SUBMIT__INIT;
  m.nip = (char *)(a.nip ? a.nip : "");
  m.leave = &l;
  m.draft = a.draft;
  m.idempotency_key = (char *)(a.key ? a.key : "");
  return harness_rpc(s, CALL(LEAVE_SUBMIT), &m);
}

/* A draft that must be accepted: its leave details (caller frees r). */
static const Simpeg__V1__LeaveDetails *draft_ok(spc_sync_t *s, leave_args_t a, Simpeg__V1__Response **r) {
  a.draft = true;
  *r = leave_submit(s, a);
  harness_expect_ok(*r, RES(LEAVE_SUBMIT));
  const Simpeg__V1__ServiceRequest *q = (*r)->leave_submit->request;
  assert_int_equal(q->state, STATE(DRAFT));
  assert_int_equal(q->details_case, SIMPEG__V1__SERVICE_REQUEST__DETAILS_LEAVE);
  return q->leave;
}

static double draft_days(spc_sync_t *s, const char *type, const char *from, const char *to) {
  Simpeg__V1__Response *r;
  double d = draft_ok(s, (leave_args_t){.type = type, .from = from, .to = to}, &r)->days;
  spc_response_free(r);
  return d;
}

static void expect_refused(spc_sync_t *s, leave_args_t a, int code, const char *reason, const char *field) {
  Simpeg__V1__Response *r = leave_submit(s, a);
  harness_expect_err(r, code, reason);
  if (field) {
    bool found = false;
    for (size_t i = 0; i < r->error->n_violations; i++)
      if (strcmp(r->error->violations[i]->field, field) == 0) found = true;
    if (!found) fail_msg("error %s has no violation on field %s", reason ? reason : "?", field);
  }
  spc_response_free(r);
}

/* A submitted request (not a draft): its number. */
static const char *submit_ok(spc_sync_t *s, leave_args_t a) {
  a.draft = false;
  Simpeg__V1__Response *r = leave_submit(s, a);
  harness_expect_ok(r, RES(LEAVE_SUBMIT));
  assert_int_equal(r->leave_submit->request->state, STATE(SUBMITTED));
  const char *n = fmt("%s", r->leave_submit->request->number);
  spc_response_free(r);
  return n;
}

static Simpeg__V1__Response *act(spc_sync_t *s, const char *number, int action) {
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)number;
  m.action = action;
  m.comment = "ok";
  return harness_rpc(s, CALL(REQUEST_ACT), &m);
}
static void act_ok(spc_sync_t *s, const char *number, int action, int state) {
  Simpeg__V1__Response *r = act(s, number, action);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->state, state);
  spc_response_free(r);
}

typedef struct balance {
  bool eligible, blocked;
  int entitlement, carried, taken, pending, remaining;
} balance_t;

static balance_t balance_of(spc_sync_t *s, const char *nip, int year) {
  Simpeg__V1__LeaveBalance m = SIMPEG__V1__LEAVE_BALANCE__INIT;
  m.nip = (char *)(nip ? nip : "");
  m.year = (uint32_t)year;
  Simpeg__V1__Response *r = harness_rpc(s, CALL(LEAVE_BALANCE), &m);
  harness_expect_ok(r, RES(LEAVE_BALANCE));
  const Simpeg__V1__LeaveBalanceReply *b = r->leave_balance;
  balance_t out = {.eligible = b->eligible,
                   .blocked = b->blocked_by_cuti_besar,
                   .entitlement = (int)b->entitlement,
                   .carried = (int)b->carried_over,
                   .taken = (int)b->taken,
                   .pending = (int)b->pending,
                   .remaining = (int)b->remaining};
  assert_int_equal(b->year, (uint32_t)year);
  spc_response_free(r);
  return out;
}

static void ledger_add(const person_t *p, int year, const char *kind, int days) {
  PQclear(sql("INSERT INTO leave_ledger (employee_id, year, kind, days, note) VALUES ($1, $2, $3, $4, 'history')", 4,
              (const char *[]){fmt("%lld", p->id), fmt("%d", year), kind, fmt("%d", days)}));
}

static long long requests_of(const person_t *p) {
  return sql_int("SELECT count(*) FROM requests WHERE employee_id = $1", 1, (const char *[]){fmt("%lld", p->id)});
}

static Simpeg__V1__Holiday *holiday(const char *date, int kind, const char *name, const char *office) {
  Simpeg__V1__Holiday *h = malloc(sizeof(*h));
  simpeg__v1__holiday__init(h);
  h->date = (char *)date;
  h->kind = kind;
  h->name = (char *)name;
  h->office_code = (char *)(office ? office : "");
  return h;
}

static Simpeg__V1__Response *holiday_import(spc_sync_t *s, Simpeg__V1__Holiday **hs, size_t n, uint32_t replace) {
  Simpeg__V1__HolidayImport m = SIMPEG__V1__HOLIDAY_IMPORT__INIT;
  m.holidays = hs;
  m.n_holidays = n;
  m.replace_year = replace;
  return harness_rpc(s, CALL(HOLIDAY_IMPORT), &m);
}

static Simpeg__V1__Response *calendar_set(spc_sync_t *s, const char *office, const uint32_t *days, size_t n) {
  Simpeg__V1__WorkCalendarSet m = SIMPEG__V1__WORK_CALENDAR_SET__INIT;
  m.office_code = (char *)office;
  m.workdays = (uint32_t *)days;
  m.n_workdays = n;
  return harness_rpc(s, CALL(WORK_CALENDAR_SET), &m);
}

/* ---- working days ---- */

static void annual_leave_counts_working_days_only(void **state) {
  (void)state;
  person_t p = veteran();
  /* Monday to Sunday of a week without holidays: 5 working days */
  assert_int_equal((int)draft_days(p.s, "tahunan", iso_day(Y, 20, 1), iso_day(Y, 20, 7)), 5);
  /* a weekend alone has none: refused, and nothing is written */
  long long before = requests_of(&p);
  expect_refused(p.s,
                 (leave_args_t){.type = "tahunan", .from = iso_day(Y, 21, 6), .to = iso_day(Y, 21, 7), .draft = true},
                 ERR(FAILED_PRECONDITION), "no_working_days", "end_date");
  assert_int_equal(requests_of(&p), before);
  /* sick leave counts calendar days */
  assert_int_equal((int)draft_days(p.s, "sakit", iso_day(Y, 22, 1), iso_day(Y, 22, 7)), 7);
  person_done(&p);
}

static void national_holiday_is_not_counted(void **state) {
  (void)state;
  person_t p = veteran();
  assert_int_equal((int)draft_days(p.s, "tahunan", iso_day(Y, 10, 1), iso_day(Y, 10, 5)), 4);
  person_done(&p);
}

static void cuti_bersama_does_not_consume_annual_leave(void **state) {
  (void)state;
  person_t p = veteran();
  assert_int_equal((int)draft_days(p.s, "tahunan", iso_day(Y, 12, 1), iso_day(Y, 12, 5)), 3);
  person_done(&p);
}

static void regional_holiday_counts_only_below_its_office(void **state) {
  (void)state;
  person_t in = veteran(); /* DINKES, under K */
  person_t out = person(PNS, MALE, fmt("%d-01-02", Y - 12), "K2");
  assert_int_equal((int)draft_days(in.s, "tahunan", iso_day(Y, 14, 1), iso_day(Y, 14, 5)), 4);
  assert_int_equal((int)draft_days(out.s, "tahunan", iso_day(Y, 14, 1), iso_day(Y, 14, 5)), 5);
  person_done(&in);
  person_done(&out);
}

static void weekend_working_unit_counts_saturdays(void **state) {
  (void)state;
  /* RS works Monday..Saturday (set in the setup); IGD inherits it */
  person_t p = person(PNS, FEMALE, fmt("%d-01-02", Y - 12), "RS.IGD");
  assert_int_equal((int)draft_days(p.s, "tahunan", iso_day(Y, 24, 1), iso_day(Y, 24, 7)), 6);
  /* a unit of the same agency outside RS keeps Monday..Friday */
  person_t q = veteran();
  assert_int_equal((int)draft_days(q.s, "tahunan", iso_day(Y, 24, 1), iso_day(Y, 24, 7)), 5);
  person_done(&p);
  person_done(&q);
}

static void work_calendar_needs_chain_manage_and_scope(void **state) {
  (void)state;
  const uint32_t days[] = {1, 2, 3, 4, 5, 6, 7};
  Simpeg__V1__Response *r = calendar_set(HR, oc("RS"), days, 7); /* HR officers do not manage calendars */
  harness_expect_err(r, ERR(PERMISSION_DENIED), NULL);
  spc_response_free(r);
  r = calendar_set(OFFICIAL, "ID", days, 7); /* above the official's scope */
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  const uint32_t bad[] = {1, 8};
  r = calendar_set(OFFICIAL, oc("RS"), bad, 2);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  const uint32_t dup[] = {1, 1};
  r = calendar_set(OFFICIAL, oc("RS"), dup, 2);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  /* nothing changed: RS still works Monday..Saturday */
  assert_string_equal(sql_text("SELECT array_to_string(office_workdays(id), ',') FROM offices WHERE code = $1", 1,
                               (const char *[]){oc("RS.IGD")}),
                      "1,2,3,4,5,6");
  assert_true(sql_int("SELECT count(*) FROM audit_log WHERE method = 'WorkCalendarSet' AND entity_id = $1", 1,
                      (const char *[]){oc("RS")}) >= 1);
}

static void leap_day_is_a_working_day_when_it_falls_on_a_weekday(void **state) {
  (void)state;
  /* the next leap year from Y: 28 Feb .. 1 Mar is three days */
  int ly = Y;
  while (!((ly % 4 == 0 && ly % 100 != 0) || ly % 400 == 0)) ly++;
  const char *from = fmt("%d-02-28", ly), *to = fmt("%d-03-01", ly);
  long long weekdays = sql_int(
      "SELECT count(*) FROM generate_series($1::date, $2::date, '1 day') g(d)"
      " WHERE extract(isodow FROM g.d) < 6",
      2, (const char *[]){from, to});
  assert_int_equal(sql_int("SELECT leave_office_working_days(id, $2::date, $3::date) FROM offices WHERE code = $1", 3,
                           (const char *[]){oc("DINKES"), from, to}),
                   weekdays);
  assert_int_equal(
      sql_int("SELECT leave_office_working_days(id, $2::date, $2::date) FROM offices WHERE code = $1", 2,
              (const char *[]){oc("DINKES"), fmt("%d-02-29", ly)}),
      sql_int("SELECT (extract(isodow FROM $1::date) < 6)::int", 1, (const char *[]){fmt("%d-02-29", ly)}));
  /* through the daemon when the leap day is inside the accepted window */
  if (ly == Y) {
    person_t p = veteran();
    assert_int_equal((int)draft_days(p.s, "sakit", from, to), 3);
    person_done(&p);
  }
}

static void annual_leave_may_not_run_into_the_next_year(void **state) {
  (void)state;
  person_t p = veteran();
  long long before = requests_of(&p);
  expect_refused(
      p.s, (leave_args_t){.type = "tahunan", .from = fmt("%d-12-29", Y), .to = fmt("%d-01-04", Y + 1), .draft = true},
      ERR(INVALID_ARGUMENT), "leave_crosses_year", "end_date");
  assert_int_equal(requests_of(&p), before);
  /* other leave counts calendar days across the year end */
  assert_int_equal((int)draft_days(p.s, "sakit", fmt("%d-12-29", Y), fmt("%d-01-04", Y + 1)), 7);
  person_done(&p);
}

/* ---- eligibility ---- */

static void annual_leave_needs_one_year_of_service(void **state) {
  (void)state;
  const char *day = iso_day(Y, 26, 2);
  /* appointed a year before the day: allowed; one day later: refused */
  person_t exact = person(PNS, MALE, years_from(day, -1), "DINKES");
  person_t shortp = person(
      PNS, MALE,
      sql_text("SELECT to_char(($1::date - interval '1 year')::date + 1, 'YYYY-MM-DD')", 1, (const char *[]){day}),
      "DINKES");
  expect_refused(shortp.s, (leave_args_t){.type = "tahunan", .from = day, .to = day, .draft = true},
                 ERR(FAILED_PRECONDITION), "service_too_short", "start_date");
  assert_int_equal(requests_of(&shortp), 0);
  assert_int_equal((int)draft_days(exact.s, "tahunan", day, day), 1);
  person_done(&exact);
  person_done(&shortp);
}

static void cuti_besar_needs_five_years_except_for_the_first_hajj(void **state) {
  (void)state;
  const char *day = iso_day(Y, 28, 1);
  const char *to = iso_day(Y, 33, 7);
  person_t five = person(PNS, MALE, years_from(day, -5), "DINKES");
  person_t shortp = person(
      PNS, MALE,
      sql_text("SELECT to_char(($1::date - interval '5 years')::date + 1, 'YYYY-MM-DD')", 1, (const char *[]){day}),
      "DINKES");
  person_t young = person(PNS, MALE, years_from(day, -2), "DINKES");
  assert_int_equal((int)draft_days(five.s, "besar", day, to), 42);
  expect_refused(shortp.s, (leave_args_t){.type = "besar", .from = day, .to = to, .draft = true},
                 ERR(FAILED_PRECONDITION), "service_too_short", "start_date");
  expect_refused(young.s, (leave_args_t){.type = "besar", .from = day, .to = to, .draft = true},
                 ERR(FAILED_PRECONDITION), "service_too_short", "start_date");
  Simpeg__V1__Response *r;
  const Simpeg__V1__LeaveDetails *l =
      draft_ok(young.s, (leave_args_t){.type = "besar", .from = day, .to = to, .first_hajj = true}, &r);
  assert_true(l->first_hajj);
  /* the first hajj needs proof of registration before it can be submitted */
  assert_int_equal(r->leave_submit->request->n_missing, 1);
  assert_string_equal(r->leave_submit->request->missing[0], "bukti_pendaftaran_haji");
  spc_response_free(r);
  /* CLTN: five years as well */
  expect_refused(young.s,
                 (leave_args_t){.type = "cltn", .from = iso_day(Y, 40, 1), .to = iso_day(Y, 45, 1), .draft = true},
                 ERR(FAILED_PRECONDITION), "service_too_short", "start_date");
  person_done(&five);
  person_done(&shortp);
  person_done(&young);
}

static void cuti_besar_is_at_most_three_months(void **state) {
  (void)state;
  person_t p = veteran();
  const char *from = fmt("%d-04-01", Y);
  expect_refused(p.s, (leave_args_t){.type = "besar", .from = from, .to = fmt("%d-07-01", Y), .draft = true},
                 ERR(FAILED_PRECONDITION), "leave_too_long", "end_date");
  assert_int_equal((int)draft_days(p.s, "besar", from, fmt("%d-06-30", Y)), 91);
  person_done(&p);
}

static void pppk_cannot_take_cuti_besar_cap_or_cltn(void **state) {
  (void)state;
  person_t p = person(PPPK, MALE, fmt("%d-01-02", Y - 10), "DINKES");
  const char *from = iso_day(Y, 30, 1), *to = iso_day(Y, 30, 3);
  const char *refused[] = {"besar", "alasan_penting", "cltn"};
  for (size_t i = 0; i < 3; i++)
    expect_refused(p.s, (leave_args_t){.type = refused[i], .from = from, .to = to, .draft = true},
                   ERR(FAILED_PRECONDITION), "leave_type_not_allowed", "leave_type");
  assert_int_equal((int)draft_days(p.s, "tahunan", from, to), 3);
  /* PPPK sick leave: at most one month */
  expect_refused(p.s, (leave_args_t){.type = "sakit", .from = from, .to = iso_day(Y, 36, 1), .draft = true},
                 ERR(FAILED_PRECONDITION), "leave_too_long", "end_date");
  assert_int_equal(requests_of(&p), 1);
  person_done(&p);
}

static void maternity_leave_only_for_women_up_to_the_third_birth(void **state) {
  (void)state;
  person_t man = veteran();
  person_t woman = person(PNS, FEMALE, fmt("%d-01-02", Y - 3), "DINKES");
  const char *from = iso_day(Y, 32, 1), *to = iso_day(Y, 44, 7);
  expect_refused(man.s, (leave_args_t){.type = "melahirkan", .from = from, .to = to, .birth_order = 1, .draft = true},
                 ERR(FAILED_PRECONDITION), "maternity_leave_women_only", "leave_type");
  expect_refused(woman.s, (leave_args_t){.type = "melahirkan", .from = from, .to = to, .birth_order = 4, .draft = true},
                 ERR(FAILED_PRECONDITION), "fourth_birth_use_cuti_besar", "birth_order");
  expect_refused(woman.s, (leave_args_t){.type = "melahirkan", .from = from, .to = to, .draft = true},
                 ERR(INVALID_ARGUMENT), "birth_order_required", "birth_order");
  assert_int_equal(requests_of(&woman), 0);
  Simpeg__V1__Response *r;
  const Simpeg__V1__LeaveDetails *l =
      draft_ok(woman.s, (leave_args_t){.type = "melahirkan", .from = from, .to = to, .birth_order = 3}, &r);
  assert_int_equal(l->birth_order, 3);
  assert_string_equal(l->unit, "calendar_days");
  spc_response_free(r);
  person_done(&man);
  person_done(&woman);
}

/* ---- balance ---- */

static void balance_carries_at_most_six_days(void **state) {
  (void)state;
  /* eligible from Y-2; took 2 days in Y-1: 10 + 6 carried from Y-2 = 16
   * left, of which 6 carry into Y */
  person_t p = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  ledger_add(&p, Y - 1, "taken", 2);
  balance_t b = balance_of(p.s, NULL, Y);
  assert_true(b.eligible);
  assert_int_equal(b.entitlement, 12);
  assert_int_equal(b.carried, 6);
  assert_int_equal(b.remaining, 18);
  person_done(&p);
}

static void balance_reaches_24_after_two_unused_years(void **state) {
  (void)state;
  person_t p = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  balance_t b = balance_of(p.s, NULL, Y);
  assert_int_equal(b.carried, 12);
  assert_int_equal(b.remaining, 24);
  /* never more than 24, however long nothing was taken */
  person_t q = veteran();
  assert_int_equal(balance_of(q.s, NULL, Y).remaining, 24);
  /* one day taken in Y-2 breaks the two unused years: 18 */
  person_t r = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  ledger_add(&r, Y - 2, "taken", 1);
  assert_int_equal(balance_of(r.s, NULL, Y).remaining, 18);
  /* a year without a full year of service has no entitlement */
  person_t n = person(PNS, MALE, fmt("%d-01-02", Y), "DINKES");
  b = balance_of(n.s, NULL, Y);
  assert_false(b.eligible);
  assert_int_equal(b.remaining, 0);
  person_done(&p);
  person_done(&q);
  person_done(&r);
  person_done(&n);
}

static void annual_leave_beyond_the_balance_is_refused(void **state) {
  (void)state;
  person_t p = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  ledger_add(&p, Y - 1, "taken", 2); /* 18 in Y */
  ledger_add(&p, Y, "taken", 10);    /* 8 left */
  expect_refused(p.s,
                 (leave_args_t){.type = "tahunan", .from = iso_day(Y, 34, 1), .to = iso_day(Y, 35, 5), .draft = true},
                 ERR(FAILED_PRECONDITION), "leave_balance_insufficient", "end_date");
  assert_int_equal((int)draft_days(p.s, "tahunan", iso_day(Y, 34, 1), iso_day(Y, 35, 3)), 8);
  person_done(&p);
}

static void cuti_besar_is_refused_in_a_year_with_annual_leave(void **state) {
  (void)state;
  person_t p = veteran();
  ledger_add(&p, Y, "taken", 3);
  expect_refused(p.s,
                 (leave_args_t){.type = "besar", .from = iso_day(Y, 36, 1), .to = iso_day(Y, 40, 1), .draft = true},
                 ERR(FAILED_PRECONDITION), "annual_leave_taken_this_year", "start_date");
  /* the next year is free of annual leave: allowed */
  assert_int_equal((int)draft_days(p.s, "besar", fmt("%d-01-01", Y + 1), fmt("%d-01-27", Y + 1)), 27);
  person_done(&p);
}

/* ---- through the lifecycle (request_submit / request_act) ---- */

static void cuti_besar_blocks_annual_leave_that_year(void **state) {
  (void)state;
  person_t p = veteran();
  submit_ok(p.s, (leave_args_t){.type = "besar", .from = iso_day(Y, 36, 1), .to = iso_day(Y, 40, 1)});
  balance_t b = balance_of(p.s, NULL, Y);
  assert_true(b.blocked);
  assert_int_equal(b.entitlement, 0);
  assert_int_equal(b.remaining, 0);
  expect_refused(p.s,
                 (leave_args_t){.type = "tahunan", .from = iso_day(Y, 46, 1), .to = iso_day(Y, 46, 2), .draft = true},
                 ERR(FAILED_PRECONDITION), "cuti_besar_this_year", "start_date");
  person_done(&p);
}

static void overlapping_leave_is_refused(void **state) {
  (void)state;
  person_t p = veteran();
  submit_ok(p.s, (leave_args_t){.type = "tahunan", .from = iso_day(Y, 38, 1), .to = iso_day(Y, 38, 5)});
  long long before = requests_of(&p);
  /* sharing only the last day */
  expect_refused(p.s,
                 (leave_args_t){.type = "sakit", .from = iso_day(Y, 38, 5), .to = iso_day(Y, 39, 2), .draft = true},
                 ERR(FAILED_PRECONDITION), "leave_overlaps", "start_date");
  assert_int_equal(requests_of(&p), before);
  /* the day after is free */
  assert_int_equal((int)draft_days(p.s, "sakit", iso_day(Y, 38, 6), iso_day(Y, 39, 2)), 4);
  /* a draft does not block, but its submission is checked again */
  person_done(&p);
}

/* Two submissions of one employee at the same moment, on two connections. */
typedef struct racer {
  spc_sync_t *s;
  leave_args_t a;
  pthread_barrier_t *go;
  Simpeg__V1__Response *r;
} racer_t;

static void *race(void *arg) {
  racer_t *x = arg;
  Simpeg__V1__LeaveDetails l = SIMPEG__V1__LEAVE_DETAILS__INIT;
  l.leave_type = (char *)x->a.type;
  l.start_date = (char *)x->a.from;
  l.end_date = (char *)x->a.to;
  Simpeg__V1__LeaveSubmit m = SIMPEG__V1__LEAVE_SUBMIT__INIT;
  m.leave = &l;
  m.idempotency_key = (char *)x->a.key;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LEAVE_SUBMIT;
  req.leave_submit = &m;
  spc_error_t err;
  pthread_barrier_wait(x->go);
  if (spc_sync_call(x->s, &req, &x->r, &err) != 0 && !x->r) x->r = NULL;
  return NULL;
}

static void concurrent_overlapping_submissions_let_exactly_one_through(void **state) {
  (void)state;
  person_t p = veteran();
  spc_sync_t *second = sync_open_as(&D, p.user, PW);
  assert_non_null(second);
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, 2);
  racer_t x[2] = {
      {.s = p.s,
       .go = &go,
       .a = {.type = "tahunan", .from = iso_day(Y, 37, 1), .to = iso_day(Y, 37, 3), .key = "race-a"}},
      {.s = second,
       .go = &go,
       .a = {.type = "tahunan", .from = iso_day(Y, 37, 3), .to = iso_day(Y, 37, 4), .key = "race-b"}},
  };
  pthread_t th[2];
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&go);
  assert_non_null(x[0].r);
  assert_non_null(x[1].r);
  int ok = !x[0].r->error + !x[1].r->error;
  assert_int_equal(ok, 1);
  const Simpeg__V1__Response *lost = x[0].r->error ? x[0].r : x[1].r;
  assert_string_equal(lost->error->reason, "leave_overlaps");
  assert_int_equal(requests_of(&p), 1);
  spc_response_free(x[0].r);
  spc_response_free(x[1].r);
  spc_sync_close(second);
  person_done(&p);
}

static void a_draft_is_checked_again_when_submitted(void **state) {
  (void)state;
  person_t p = veteran();
  Simpeg__V1__Response *r;
  draft_ok(p.s, (leave_args_t){.type = "tahunan", .from = iso_day(Y, 39, 1), .to = iso_day(Y, 39, 3)}, &r);
  const char *draft = fmt("%s", r->leave_submit->request->number);
  spc_response_free(r);
  /* drafts do not block: an overlapping leave is submitted meanwhile */
  submit_ok(p.s, (leave_args_t){.type = "tahunan", .from = iso_day(Y, 39, 3), .to = iso_day(Y, 39, 3)});
  r = act(p.s, draft, ACTION(SUBMIT));
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "leave_overlaps");
  spc_response_free(r);
  assert_string_equal(sql_text("SELECT state::text FROM requests WHERE number = $1", 1, (const char *[]){draft}), "1");
  person_done(&p);
}

static void pending_annual_leave_counts_against_the_balance(void **state) {
  (void)state;
  person_t p = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  ledger_add(&p, Y - 1, "taken", 2);                                                                     /* 18 in Y */
  submit_ok(p.s, (leave_args_t){.type = "tahunan", .from = iso_day(Y, 41, 1), .to = iso_day(Y, 42, 5)}); /* 10 */
  balance_t b = balance_of(p.s, NULL, Y);
  assert_int_equal(b.pending, 10);
  assert_int_equal(b.remaining, 8);
  expect_refused(p.s,
                 (leave_args_t){.type = "tahunan", .from = iso_day(Y, 44, 1), .to = iso_day(Y, 45, 5), .draft = true},
                 ERR(FAILED_PRECONDITION), "leave_balance_insufficient", "end_date");
  person_done(&p);
}

static void approval_deducts_and_cancellation_restores_the_balance(void **state) {
  (void)state;
  person_t p = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  ledger_add(&p, Y - 1, "taken", 2); /* 18 in Y */
  const char *num =
      submit_ok(p.s, (leave_args_t){.type = "tahunan", .from = iso_day(Y, 47, 1), .to = iso_day(Y, 47, 5)});
  act_ok(SUP.s, num, ACTION(APPROVE), STATE(SUBMITTED));
  act_ok(HR, num, ACTION(APPROVE), STATE(VERIFIED));
  act_ok(OFFICIAL, num, ACTION(APPROVE), STATE(APPROVED));
  balance_t b = balance_of(p.s, NULL, Y);
  assert_int_equal(b.taken, 5);
  assert_int_equal(b.pending, 0);
  assert_int_equal(b.remaining, 13);
  /* HR sees it too (audited; the employee's own reads are not); a
   * colleague may not */
  const char *audit_q = "SELECT count(*) FROM audit_log WHERE method = 'LeaveBalance' AND entity_id = $1";
  assert_int_equal(sql_int(audit_q, 1, (const char *[]){p.nip}), 0);
  assert_int_equal(balance_of(HR, p.nip, Y).taken, 5);
  assert_int_equal(sql_int(audit_q, 1, (const char *[]){p.nip}), 1);
  person_t other = veteran();
  Simpeg__V1__LeaveBalance m = SIMPEG__V1__LEAVE_BALANCE__INIT;
  m.nip = (char *)p.nip;
  Simpeg__V1__Response *r = harness_rpc(other.s, CALL(LEAVE_BALANCE), &m);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "not_your_record");
  spc_response_free(r);
  act_ok(p.s, num, ACTION(CANCEL), STATE(CANCELLED));
  b = balance_of(p.s, NULL, Y);
  assert_int_equal(b.taken, 0);
  assert_int_equal(b.remaining, 18);
  assert_int_equal(sql_int("SELECT count(*) FROM leave_ledger WHERE employee_id = $1 AND request_id IS NOT NULL", 1,
                           (const char *[]){fmt("%lld", p.id)}),
                   2);
  person_done(&p);
  person_done(&other);
}

static void postponed_annual_leave_raises_next_years_total_to_24(void **state) {
  (void)state;
  person_t p = person(PNS, MALE, fmt("%d-01-01", Y - 3), "DINKES");
  ledger_add(&p, Y - 1, "taken", 2); /* 18 in Y, 6 would carry */
  const char *num =
      submit_ok(p.s, (leave_args_t){.type = "tahunan", .from = iso_day(Y, 49, 1), .to = iso_day(Y, 49, 5)});
  act_ok(SUP.s, num, ACTION(APPROVE), STATE(SUBMITTED));
  act_ok(HR, num, ACTION(APPROVE), STATE(VERIFIED));
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)num;
  m.action = ACTION(POSTPONE);
  m.comment = "kebutuhan dinas mendesak";
  m.postpone_until = (char *)fmt("%d-03-02", Y + 1);
  Simpeg__V1__Response *r = harness_rpc(OFFICIAL, CALL(REQUEST_ACT), &m);
  harness_expect_ok(r, RES(REQUEST_ACT));
  assert_int_equal(r->request_act->request->state, STATE(POSTPONED));
  spc_response_free(r);
  /* Y: nothing taken, 18 left; Y+1: 12 + up to 12 carried = 24 */
  assert_int_equal(balance_of(p.s, NULL, Y).remaining, 18);
  assert_int_equal(balance_of(p.s, NULL, Y + 1).remaining, 24);
  person_done(&p);
}

/* ---- bad input ---- */

static void bad_leave_input_changes_nothing(void **state) {
  (void)state;
  person_t p = veteran();
  person_t colleague = veteran();
  const char *d1 = iso_day(Y, 43, 1), *d2 = iso_day(Y, 43, 3);
  long long before = requests_of(&p);
  long long audit = sql_int("SELECT count(*) FROM audit_log", 0, NULL);
  expect_refused(p.s, (leave_args_t){.type = "liburan", .from = d1, .to = d2}, ERR(INVALID_ARGUMENT), "invalid_field",
                 "leave_type");
  expect_refused(p.s, (leave_args_t){.type = "", .from = d1, .to = d2}, ERR(INVALID_ARGUMENT), "invalid_field",
                 "leave_type");
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = d2, .to = d1}, ERR(INVALID_ARGUMENT), "invalid_field",
                 "end_date");
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = fmt("%d-02-30", Y), .to = d2}, ERR(INVALID_ARGUMENT),
                 "invalid_field", "start_date");
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = "besok", .to = d2}, ERR(INVALID_ARGUMENT),
                 "invalid_field", "start_date");
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = d1, .to = ""}, ERR(INVALID_ARGUMENT), "invalid_field",
                 "end_date");
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = d1, .to = d2, .nip = "12345"}, ERR(INVALID_ARGUMENT),
                 "invalid_field", "nip");
  /* far away */
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = fmt("%d-03-02", Y + 3), .to = fmt("%d-03-03", Y + 3)},
                 ERR(INVALID_ARGUMENT), "date_out_of_range", "start_date");
  /* first hajj on another type */
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = d1, .to = d2, .first_hajj = true},
                 ERR(INVALID_ARGUMENT), "first_hajj_only_for_cuti_besar", "first_hajj");
  /* unknown NIP (HR), a colleague's NIP (employee) */
  expect_refused(HR, (leave_args_t){.type = "tahunan", .from = d1, .to = d2, .nip = "999999999999999999"},
                 ERR(NOT_FOUND), "employee_not_found", "nip");
  expect_refused(p.s, (leave_args_t){.type = "tahunan", .from = d1, .to = d2, .nip = colleague.nip},
                 ERR(PERMISSION_DENIED), "not_your_record", "nip");
  assert_int_equal(requests_of(&p), before);
  assert_int_equal(requests_of(&colleague), 0);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log", 0, NULL), audit);
  /* HR files for someone in scope */
  Simpeg__V1__Response *r;
  draft_ok(HR, (leave_args_t){.type = "tahunan", .from = d1, .to = d2, .nip = colleague.nip}, &r);
  assert_string_equal(r->leave_submit->request->employee_nip, colleague.nip);
  spc_response_free(r);
  person_done(&p);
  person_done(&colleague);
}

static bool violation_on(const Simpeg__V1__Response *r, const char *field, const char *why) {
  if (!r->error) return false;
  for (size_t i = 0; i < r->error->n_violations; i++)
    if (strcmp(r->error->violations[i]->field, field) == 0 && strcmp(r->error->violations[i]->reason, why) == 0)
      return true;
  return false;
}

static void malformed_requests_are_refused_with_every_violation(void **state) {
  (void)state;
  person_t p = veteran();
  long long before = requests_of(&p);
  /* no leave at all */
  Simpeg__V1__LeaveSubmit m = SIMPEG__V1__LEAVE_SUBMIT__INIT;
  Simpeg__V1__Response *r = harness_rpc(p.s, CALL(LEAVE_SUBMIT), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  assert_true(violation_on(r, "leave", "required"));
  spc_response_free(r);
  /* everything wrong at once */
  char longtext[600], longkey[120];
  memset(longtext, 'x', sizeof(longtext) - 1);
  longtext[sizeof(longtext) - 1] = '\0';
  memset(longkey, 'k', sizeof(longkey) - 1);
  longkey[sizeof(longkey) - 1] = '\0';
  Simpeg__V1__LeaveDetails l = SIMPEG__V1__LEAVE_DETAILS__INIT;
  l.leave_type = "cuti";
  l.start_date = "2027-13-01";
  l.end_date = "kemarin";
  l.reason = longtext;
  l.address = longtext;
  l.birth_order = 21;
  m.leave = &l;
  m.nip = "12345678901234567X";
  m.idempotency_key = longkey;
  r = harness_rpc(p.s, CALL(LEAVE_SUBMIT), &m);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), "invalid_field");
  const char *fields[][2] = {{"leave_type", "unknown_value"},
                             {"nip", "invalid_format"},
                             {"birth_order", "out_of_range"},
                             {"idempotency_key", "too_long"}};
  for (size_t i = 0; i < 4; i++)
    if (!violation_on(r, fields[i][0], fields[i][1])) fail_msg("no violation %s/%s", fields[i][0], fields[i][1]);
  assert_true(r->error->n_violations >= 8);
  spc_response_free(r);
  assert_int_equal(requests_of(&p), before);
  /* balance and holiday list years */
  Simpeg__V1__LeaveBalance b = SIMPEG__V1__LEAVE_BALANCE__INIT;
  b.year = 3000;
  r = harness_rpc(p.s, CALL(LEAVE_BALANCE), &b);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  b.year = 0;
  b.nip = "999999999999999999";
  r = harness_rpc(HR, CALL(LEAVE_BALANCE), &b);
  harness_expect_err(r, ERR(NOT_FOUND), "employee_not_found");
  spc_response_free(r);
  Simpeg__V1__HolidayList hl = SIMPEG__V1__HOLIDAY_LIST__INIT;
  hl.year = 1900;
  r = harness_rpc(p.s, CALL(HOLIDAY_LIST), &hl);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  hl.year = 0;
  hl.office_code = (char *)oc("K2"); /* outside the employee's scope */
  r = harness_rpc(p.s, CALL(HOLIDAY_LIST), &hl);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  /* a calendar without days, of an office nobody has */
  r = calendar_set(OFFICIAL, oc("RS"), NULL, 0);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  const uint32_t wk[] = {1, 2, 3, 4, 5};
  r = calendar_set(OFFICIAL, oc("NOWHERE"), wk, 5);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  person_done(&p);
}

static void a_retried_submission_returns_the_first_request(void **state) {
  (void)state;
  person_t p = veteran();
  leave_args_t a = {.type = "tahunan", .from = iso_day(Y, 45, 1), .to = iso_day(Y, 45, 2), .key = "retry-key-1"};
  Simpeg__V1__Response *r1 = leave_submit(p.s, a);
  harness_expect_ok(r1, RES(LEAVE_SUBMIT));
  assert_false(r1->leave_submit->replayed);
  Simpeg__V1__Response *r2 = leave_submit(p.s, a);
  harness_expect_ok(r2, RES(LEAVE_SUBMIT));
  assert_true(r2->leave_submit->replayed);
  assert_string_equal(r1->leave_submit->request->number, r2->leave_submit->request->number);
  assert_int_equal(requests_of(&p), 1);
  spc_response_free(r1);
  spc_response_free(r2);
  person_done(&p);
}

static void leave_types_follow_the_employment_type_rules(void **state) {
  (void)state;
  Simpeg__V1__LeaveTypes m = SIMPEG__V1__LEAVE_TYPES__INIT;
  Simpeg__V1__Response *r = harness_rpc(HR, CALL(LEAVE_TYPES), &m);
  harness_expect_ok(r, RES(LEAVE_TYPES));
  const Simpeg__V1__LeaveTypesReply *lt = r->leave_types;
  assert_int_equal(lt->n_types, 6);
  int pppk = 0;
  for (size_t i = 0; i < lt->n_types; i++) {
    const Simpeg__V1__LeaveType *x = lt->types[i];
    pppk += x->for_pppk;
    if (strcmp(x->code, "tahunan") == 0) {
      assert_string_equal(x->unit, "working_days");
      assert_int_equal(x->min_service_years, 1);
    }
    if (strcmp(x->code, "besar") == 0) assert_int_equal(x->min_service_years, 5);
    if (strcmp(x->code, "sakit") == 0) {
      assert_int_equal(x->n_evidence, 2);
      assert_string_equal(x->evidence[0], "surat_dokter");
    }
  }
  assert_int_equal(pppk, 3); /* tahunan, sakit, melahirkan */
  spc_response_free(r);
}

static void sick_leave_needs_a_doctors_note_and_a_government_doctor_beyond_14_days(void **state) {
  (void)state;
  person_t p = veteran();
  Simpeg__V1__Response *r;
  draft_ok(p.s, (leave_args_t){.type = "sakit", .from = iso_day(Y, 48, 1), .to = iso_day(Y, 48, 1)}, &r);
  assert_int_equal(r->leave_submit->request->n_missing, 1);
  assert_string_equal(r->leave_submit->request->missing[0], "surat_dokter");
  spc_response_free(r);
  /* 14 days: still a doctor's note only */
  draft_ok(p.s, (leave_args_t){.type = "sakit", .from = iso_day(Y, 50, 1), .to = iso_day(Y, 51, 7)}, &r);
  assert_int_equal(r->leave_submit->request->n_missing, 1);
  spc_response_free(r);
  /* 15 days: a government doctor's note as well */
  draft_ok(p.s, (leave_args_t){.type = "sakit", .from = iso_day(Y, 50, 1), .to = iso_day(Y, 52, 1)}, &r);
  assert_int_equal(r->leave_submit->request->n_missing, 2);
  assert_string_equal(r->leave_submit->request->missing[1], "surat_dokter_pemerintah");
  spc_response_free(r);
  /* submitting without the note is refused, and nothing is created */
  long long before = requests_of(&p);
  expect_refused(p.s, (leave_args_t){.type = "sakit", .from = iso_day(Y, 51, 1), .to = iso_day(Y, 51, 2)},
                 ERR(FAILED_PRECONDITION), "documents_missing", NULL);
  assert_int_equal(requests_of(&p), before);
  person_done(&p);
}

static void cuti_besar_for_the_first_hajj_cannot_be_postponed(void **state) {
  (void)state;
  person_t p = person(PNS, MALE, fmt("%d-01-02", Y - 2), "DINKES");
  Simpeg__V1__Response *r;
  draft_ok(p.s, (leave_args_t){.type = "besar", .from = iso_day(Y, 20, 1), .to = iso_day(Y, 25, 7), .first_hajj = true},
           &r);
  const char *num = fmt("%s", r->leave_submit->request->number);
  spc_response_free(r);
  /* the proof of registration is needed first: put it in place directly
   * (uploads are tested with the documents) */
  PQclear(
      sql("INSERT INTO documents (request_id, kind, filename, content_type, size_bytes, sha256, content, uploaded_by)"
          " SELECT r.id, 'bukti_pendaftaran_haji', 'haji.pdf', 'application/pdf', 4, sha256('%PDF'), '%PDF',"
          " r.created_by FROM requests r WHERE r.number = $1",
          1, (const char *[]){num}));
  act_ok(p.s, num, ACTION(SUBMIT), STATE(SUBMITTED));
  act_ok(SUP.s, num, ACTION(APPROVE), STATE(SUBMITTED));
  act_ok(HR, num, ACTION(APPROVE), STATE(VERIFIED));
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)num;
  m.action = ACTION(POSTPONE);
  m.comment = "kebutuhan dinas";
  m.postpone_until = (char *)fmt("%d-03-02", Y + 1);
  r = harness_rpc(OFFICIAL, CALL(REQUEST_ACT), &m);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "leave_cannot_be_postponed");
  spc_response_free(r);
  act_ok(OFFICIAL, num, ACTION(APPROVE), STATE(APPROVED));
  person_done(&p);
}

/* ---- holidays ---- */

static void holiday_import_checks_scope_and_input(void **state) {
  (void)state;
  long long before = sql_int("SELECT count(*) FROM holidays", 0, NULL);
  /* HR of a city: national holidays need the whole tree */
  Simpeg__V1__Holiday *h1[] = {holiday(iso_day(Y, 15, 3), HKIND(NATIONAL), "Hari X", NULL)};
  Simpeg__V1__Response *r = holiday_import(HR, h1, 1, 0);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "national_holidays_need_whole_tree");
  spc_response_free(r);
  /* regional: an office in scope */
  Simpeg__V1__Holiday *h2[] = {holiday(iso_day(Y, 15, 3), HKIND(REGIONAL), "Hari jadi", "ID")};
  r = holiday_import(HR, h2, 1, 0);
  harness_expect_err(r, ERR(NOT_FOUND), "office_not_found");
  spc_response_free(r);
  /* bad lines */
  Simpeg__V1__Holiday *h3[] = {
      holiday(fmt("%d-02-30", Y), HKIND(REGIONAL), "x", oc("K")), holiday(iso_day(Y, 15, 3), 9, "x", oc("K")),
      holiday(iso_day(Y, 15, 3), HKIND(REGIONAL), "", oc("K")), holiday(iso_day(Y, 15, 3), HKIND(REGIONAL), "x", "")};
  r = holiday_import(HR, h3, 4, 0);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), "invalid_field");
  assert_true(r->error->n_violations >= 4);
  spc_response_free(r);
  /* too many */
  Simpeg__V1__Holiday **many = calloc(501, sizeof(*many));
  for (size_t i = 0; i < 501; i++) many[i] = holiday(iso_day(Y, 15, 3), HKIND(REGIONAL), "x", oc("K"));
  r = holiday_import(HR, many, 501, 0);
  harness_expect_err(r, ERR(INVALID_ARGUMENT), NULL);
  spc_response_free(r);
  for (size_t i = 0; i < 501; i++) free(many[i]);
  free(many);
  assert_int_equal(sql_int("SELECT count(*) FROM holidays", 0, NULL), before);
  /* a regional holiday in scope, then listed for an office below */
  Simpeg__V1__Holiday *h4[] = {holiday(iso_day(Y, 15, 4), HKIND(REGIONAL), "Hari jadi kota", oc("K"))};
  r = holiday_import(HR, h4, 1, 0);
  harness_expect_ok(r, RES(HOLIDAY_IMPORT));
  assert_int_equal(r->holiday_import->written, 1);
  spc_response_free(r);
  for (int k = 0; k < 4; k++) free(h3[k]);
  free(h1[0]);
  free(h2[0]);
  free(h4[0]);
  Simpeg__V1__HolidayList m = SIMPEG__V1__HOLIDAY_LIST__INIT;
  m.year = (uint32_t)Y;
  m.office_code = (char *)oc("RS.IGD");
  r = harness_rpc(HR, CALL(HOLIDAY_LIST), &m);
  harness_expect_ok(r, RES(HOLIDAY_LIST));
  int national = 0, bersama = 0, regional = 0;
  for (size_t i = 0; i < r->holiday_list->n_holidays; i++) {
    const Simpeg__V1__Holiday *h = r->holiday_list->holidays[i];
    national += h->kind == HKIND(NATIONAL) && strcmp(h->date, iso_day(Y, 10, 3)) == 0;
    bersama += h->kind == HKIND(CUTI_BERSAMA) && strcmp(h->date, iso_day(Y, 12, 4)) == 0;
    regional += h->kind == HKIND(REGIONAL) && strcmp(h->office_code, oc("K")) == 0;
  }
  assert_int_equal(national, 1);
  assert_int_equal(bersama, 1);
  assert_int_equal(regional, 2);
  spc_response_free(r);
  /* the other city does not see K's */
  m.office_code = (char *)oc("K2");
  r = harness_rpc(ROOT, CALL(HOLIDAY_LIST), &m);
  harness_expect_ok(r, RES(HOLIDAY_LIST));
  for (size_t i = 0; i < r->holiday_list->n_holidays; i++)
    assert_int_not_equal(r->holiday_list->holidays[i]->kind, HKIND(REGIONAL));
  spc_response_free(r);
  /* an employee may not import */
  person_t p = veteran();
  Simpeg__V1__Holiday *h5[] = {holiday(iso_day(Y, 15, 5), HKIND(REGIONAL), "x", oc("DINKES"))};
  r = holiday_import(p.s, h5, 1, 0);
  harness_expect_err(r, ERR(PERMISSION_DENIED), NULL);
  spc_response_free(r);
  free(h5[0]);
  person_done(&p);
}

/* ---- setup ---- */

static void office(const char *code, const char *name, int kind, const char *parent) {
  PQclear(
      sql("INSERT INTO offices (code, name, kind, parent_id, path)"
          " SELECT $1, $2, $3::smallint, p.id, p.path || $1 || '/' FROM offices p WHERE p.code = $4",
          4, (const char *[]){code, name, fmt("%d", kind), parent}));
}

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  RUN = rand() % 100000;
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  Y = tm.tm_year + 1900 + 1;
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  office(oc("P"), "Provinsi Uji", 2, "ID");
  office(oc("K"), "Kota Uji", 3, oc("P"));
  office(oc("K2"), "Kota Lain", 3, oc("P"));
  office(oc("DINKES"), "Dinas Kesehatan", 5, oc("K"));
  office(oc("RS"), "RSUD", 6, oc("DINKES"));
  office(oc("RS.IGD"), "IGD RSUD", 6, oc("RS"));
  harness_user_t users[] = {
      {.username = fmt("lv%s-root", t), .password = PW, .role = ROLE(SYSTEM_ADMIN), .log2_n = 10},
      {.username = fmt("lv%s-hr", t), .password = PW, .role = ROLE(HR_OFFICER), .office_code = oc("K"), .log2_n = 10},
      {.username = fmt("lv%s-pybmc", t),
       .password = PW,
       .role = ROLE(REGIONAL_ADMIN),
       .office_code = oc("K"),
       .log2_n = 10},
  };
  for (size_t i = 0; i < 3; i++)
    if (!harness_create_user_with(&users[i])) return -1;
  ROOT = sync_open_as(&D, users[0].username, PW);
  HR = sync_open_as(&D, users[1].username, PW);
  OFFICIAL = sync_open_as(&D, users[2].username, PW);
  if (!ROOT || !HR || !OFFICIAL) return -1;
  SUP = person_as(PNS, MALE, fmt("%d-01-02", Y - 20), "DINKES", ROLE(SUPERVISOR));
  /* the holidays of Y the tests rely on */
  Simpeg__V1__Holiday *hs[] = {holiday(iso_day(Y, 10, 3), HKIND(NATIONAL), "Libur nasional uji", NULL),
                               holiday(iso_day(Y, 12, 4), HKIND(CUTI_BERSAMA), "Cuti bersama uji", NULL),
                               holiday(iso_day(Y, 12, 5), HKIND(CUTI_BERSAMA), "Cuti bersama uji", NULL),
                               holiday(iso_day(Y, 14, 2), HKIND(REGIONAL), "Hari jadi kota uji", oc("K"))};
  Simpeg__V1__Response *r = holiday_import(ROOT, hs, 4, 0);
  int ok = r && !r->error && r->holiday_import->written == 4;
  if (!ok) fprintf(stderr, "holiday import failed: %s\n", r && r->error ? r->error->reason : "?");
  spc_response_free(r);
  for (size_t i = 0; i < 4; i++) free(hs[i]);
  const uint32_t six[] = {1, 2, 3, 4, 5, 6};
  r = calendar_set(OFFICIAL, oc("RS"), six, 6);
  ok = ok && r && !r->error && r->work_calendar_set->n_workdays == 6;
  if (r && r->error) fprintf(stderr, "work calendar failed: %s\n", r->error->reason);
  spc_response_free(r);
  return ok ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  person_done(&SUP);
  spc_sync_t *all[] = {ROOT, HR, OFFICIAL};
  for (size_t i = 0; i < 3; i++)
    if (all[i]) spc_sync_close(all[i]);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(annual_leave_counts_working_days_only),
      cmocka_unit_test(national_holiday_is_not_counted),
      cmocka_unit_test(cuti_bersama_does_not_consume_annual_leave),
      cmocka_unit_test(regional_holiday_counts_only_below_its_office),
      cmocka_unit_test(weekend_working_unit_counts_saturdays),
      cmocka_unit_test(work_calendar_needs_chain_manage_and_scope),
      cmocka_unit_test(leap_day_is_a_working_day_when_it_falls_on_a_weekday),
      cmocka_unit_test(annual_leave_may_not_run_into_the_next_year),
      cmocka_unit_test(annual_leave_needs_one_year_of_service),
      cmocka_unit_test(cuti_besar_needs_five_years_except_for_the_first_hajj),
      cmocka_unit_test(cuti_besar_is_at_most_three_months),
      cmocka_unit_test(pppk_cannot_take_cuti_besar_cap_or_cltn),
      cmocka_unit_test(maternity_leave_only_for_women_up_to_the_third_birth),
      cmocka_unit_test(balance_carries_at_most_six_days),
      cmocka_unit_test(balance_reaches_24_after_two_unused_years),
      cmocka_unit_test(annual_leave_beyond_the_balance_is_refused),
      cmocka_unit_test(cuti_besar_is_refused_in_a_year_with_annual_leave),
      cmocka_unit_test(bad_leave_input_changes_nothing),
      cmocka_unit_test(malformed_requests_are_refused_with_every_violation),
      cmocka_unit_test(leave_types_follow_the_employment_type_rules),
      cmocka_unit_test(sick_leave_needs_a_doctors_note_and_a_government_doctor_beyond_14_days),
      cmocka_unit_test(holiday_import_checks_scope_and_input),
      /* through the request lifecycle */
      cmocka_unit_test(a_retried_submission_returns_the_first_request),
      cmocka_unit_test(cuti_besar_blocks_annual_leave_that_year),
      cmocka_unit_test(overlapping_leave_is_refused),
      cmocka_unit_test(a_draft_is_checked_again_when_submitted),
      cmocka_unit_test(concurrent_overlapping_submissions_let_exactly_one_through),
      cmocka_unit_test(pending_annual_leave_counts_against_the_balance),
      cmocka_unit_test(approval_deducts_and_cancellation_restores_the_balance),
      cmocka_unit_test(postponed_annual_leave_raises_next_years_total_to_24),
      cmocka_unit_test(cuti_besar_for_the_first_hajj_cannot_be_postponed),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
