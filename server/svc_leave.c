/* svc_leave: leave (cuti), holidays and work calendars (issue #5;
 * docs/internals/leave.md): LeaveSubmit, LeaveBalance, LeaveTypes,
 * HolidayImport, HolidayList, WorkCalendarSet, and the reader of a CUTI
 * request's details for svc_request.c.
 *
 * The rules (eligibility, working days, balance, overlap, caps) are SQL
 * functions of migrations/0007_leave.sql, so that a submission and the
 * lifecycle's re-checks apply the same ones inside one transaction. Here
 * the request is checked for shape first (every violation at once,
 * nothing written), then one batch runs. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "emp_rules.h"
#include "pg_array.h"
#include "sp_valid.h"
#include "svc_admin.h"
#include "svc_request.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define HKIND(x) SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_##x

#define HOLIDAY_IMPORT_MAX 500
#define HOLIDAY_NAME_MAX 200
#define LEAVE_TEXT_MAX 500
#define IDEM_KEY_MAX 100

static const char *const leave_types[] = {"tahunan", "besar", "sakit", "melahirkan", "alasan_penting", "cltn", NULL};

typedef emp_viol_t viol_t;


static viol_t *viol_new(srv_req_t *req) {
  viol_t *vs = sp_arena_alloc(&req->arena, sizeof(*vs));
  if (!vs) {
    svc_fail_nomem(req);
    return NULL;
  }
  vs->n = 0;
  return vs;
}

/* An optional NIP argument: empty (own record) or 18 digits. */
static void check_nip(viol_t *vs, const char *nip) {
  if (*nip && (strlen(nip) != 18 || !emp_all_digits(nip))) emp_viol_add(vs, "nip", "invalid_format");
}

/* ---- the details of a CUTI request (svc_request.c's reader table) ---- */

enum { LD_TYPE, LD_START, LD_END, LD_DAYS, LD_UNIT, LD_REASON, LD_ADDRESS, LD_HARD, LD_BIRTH, LD_HAJJ, LD_YEAR };

static bool leave_details_fill(srv_req_t *req, Simpeg__V1__ServiceRequest *r, const PGresult *res) {
  Simpeg__V1__LeaveDetails *l = sp_arena_alloc(&req->arena, sizeof(*l));
  if (!l) return false;
  simpeg__v1__leave_details__init(l);
  if (!(l->leave_type = svc_col_str(req, res, 0, LD_TYPE)) || !(l->start_date = svc_col_str(req, res, 0, LD_START)) ||
      !(l->end_date = svc_col_str(req, res, 0, LD_END)) || !(l->unit = svc_col_str(req, res, 0, LD_UNIT)) ||
      !(l->reason = svc_col_str(req, res, 0, LD_REASON)) || !(l->address = svc_col_str(req, res, 0, LD_ADDRESS)))
    return false;
  l->days = (double)svc_col_i64(res, 0, LD_DAYS);
  l->hard_to_reach = svc_col_bool(res, 0, LD_HARD);
  l->birth_order = (uint32_t)svc_col_i64(res, 0, LD_BIRTH);
  l->first_hajj = svc_col_bool(res, 0, LD_HAJJ);
  l->year = (uint32_t)svc_col_i64(res, 0, LD_YEAR);
  r->details_case = SIMPEG__V1__SERVICE_REQUEST__DETAILS_LEAVE;
  r->leave = l;
  return true;
}

const svc_details_reader_t svc_leave_details = {"CUTI", DB_STMT_LEAVE_DETAILS, leave_details_fill};

/* ---- LeaveSubmit ---- */

void svc_leave_submit(srv_req_t *req) {
  const Simpeg__V1__LeaveSubmit *m = req->msg->leave_submit;
  const Simpeg__V1__LeaveDetails *l = m->leave;
  if (!l) {
    req_fail_field(req, "leave", "required");
    return;
  }
  viol_t *vs = viol_new(req);
  if (!vs) return;
  check_nip(vs, m->nip);
  if (!*l->leave_type)
    emp_viol_add(vs, "leave_type", "required");
  else if (!emp_in_set(l->leave_type, leave_types))
    emp_viol_add(vs, "leave_type", "unknown_value");
  long start = 0, end = 0;
  bool have_start = emp_check_date(vs, "start_date", l->start_date, true, &start);
  bool have_end = emp_check_date(vs, "end_date", l->end_date, true, &end);
  if (have_start && have_end && end < start) emp_viol_add(vs, "end_date", "end_before_start");
  emp_check_text(vs, "reason", l->reason, LEAVE_TEXT_MAX, false);
  emp_check_text(vs, "address", l->address, LEAVE_TEXT_MAX, false);
  if (l->birth_order > 20) emp_viol_add(vs, "birth_order", "out_of_range");
  if (svc_utf8_len(m->idempotency_key) > IDEM_KEY_MAX) emp_viol_add(vs, "idempotency_key", "too_long");
  if (svc_fail_violations(req, vs)) return;

  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  const char *v[15];
  svc_request_actor_params(req, a, v);
  v[4] = m->nip;
  v[5] = l->leave_type;
  v[6] = l->start_date;
  v[7] = l->end_date;
  v[8] = l->reason;
  v[9] = l->address;
  v[10] = l->hard_to_reach ? "true" : "false";
  v[11] = svc_i64(req, l->birth_order);
  v[12] = l->first_hajj ? "true" : "false";
  v[13] = m->draft ? "true" : "false";
  v[14] = m->idempotency_key;
  if (!v[11]) {
    svc_fail_nomem(req);
    return;
  }
  svc_request_create(req, a, DB_STMT_LEAVE_CREATE, 15, v, SIMPEG__V1__RESPONSE__RESULT_LEAVE_SUBMIT);
}

/* ---- LeaveBalance ---- */

enum { LB_ELIGIBLE, LB_ENTITLEMENT, LB_CARRIED, LB_TAKEN, LB_PENDING, LB_REMAINING, LB_BLOCKED, LB_FORFEITED };
enum { LL_DATE, LL_KIND, LL_DAYS, LL_NUMBER };

typedef struct balance_op {
  srv_req_t *req;
  uint32_t year;
} balance_op_t;

static Simpeg__V1__LeaveLedgerEntry *entry_new(srv_req_t *req, const char *date, const char *kind, double days,
                                               const char *number) {
  Simpeg__V1__LeaveLedgerEntry *e = sp_arena_alloc(&req->arena, sizeof(*e));
  if (!e) return NULL;
  simpeg__v1__leave_ledger_entry__init(e);
  e->date = (char *)date;
  e->kind = (char *)kind;
  e->days = days;
  e->request_number = (char *)number;
  return e;
}

static void balance_read(void *ud, const db_result_t *res) {
  balance_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *b = res->results[1], *g = res->results[2];
  if (PQntuples(b) != 1) {
    req_fail(req, ERR(INTERNAL), "internal", "no balance");
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__LeaveBalanceReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  int rows = PQntuples(g);
  /* computed entries (entitlement, carry-over, forfeited) come first, dated
   * 1 January of the year, then the ledger rows */
  Simpeg__V1__LeaveLedgerEntry **es = sp_arena_alloc(&req->arena, (size_t)(rows + 3) * sizeof(*es));
  const char *jan1 = sp_arena_printf(&req->arena, "%04u-01-01", op->year);
  if (!rep || !es || !jan1) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__leave_balance_reply__init(rep);
  rep->year = op->year;
  rep->eligible = svc_col_bool(b, 0, LB_ELIGIBLE);
  rep->entitlement = (double)svc_col_i64(b, 0, LB_ENTITLEMENT);
  rep->carried_over = (double)svc_col_i64(b, 0, LB_CARRIED);
  rep->taken = (double)svc_col_i64(b, 0, LB_TAKEN);
  rep->pending = (double)svc_col_i64(b, 0, LB_PENDING);
  rep->remaining = (double)svc_col_i64(b, 0, LB_REMAINING);
  rep->blocked_by_cuti_besar = svc_col_bool(b, 0, LB_BLOCKED);
  double forfeited = (double)svc_col_i64(b, 0, LB_FORFEITED);
  size_t n = 0;
  if (rep->entitlement > 0 && !(es[n++] = entry_new(req, jan1, "entitlement", rep->entitlement, ""))) goto nomem;
  if (rep->carried_over > 0 && !(es[n++] = entry_new(req, jan1, "carry_over", rep->carried_over, ""))) goto nomem;
  if (forfeited > 0 && !(es[n++] = entry_new(req, jan1, "forfeited", forfeited, ""))) goto nomem;
  for (int i = 0; i < rows; i++) {
    char *date = svc_col_str(req, g, i, LL_DATE), *kind = svc_col_str(req, g, i, LL_KIND),
         *num = svc_col_str(req, g, i, LL_NUMBER);
    if (!date || !kind || !num) goto nomem;
    if (!(es[n++] = entry_new(req, date, kind, (double)svc_col_i64(g, i, LL_DAYS), num))) goto nomem;
  }
  rep->entries = es;
  rep->n_entries = n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_LEAVE_BALANCE;
  resp.leave_balance = rep;
  req_reply(req, &resp);
  return;
nomem:
  svc_fail_nomem(req);
}

void svc_leave_balance(srv_req_t *req) {
  const Simpeg__V1__LeaveBalance *m = req->msg->leave_balance;
  viol_t *vs = viol_new(req);
  if (!vs) return;
  check_nip(vs, m->nip);
  if (m->year != 0 && (m->year < 1950 || m->year > 2200)) emp_viol_add(vs, "year", "out_of_range");
  if (svc_fail_violations(req, vs)) return;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  balance_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  const char **v = sp_arena_alloc(&req->arena, 6 * sizeof(*v));
  if (!op || !v) {
    svc_fail_nomem(req);
    return;
  }
  op->req = req;
  op->year = m->year ? m->year : (uint32_t)atoi(svc_today(req));
  svc_request_actor_params(req, a, v);
  v[4] = m->nip;
  v[5] = svc_i64(req, op->year);
  if (!v[5]) {
    svc_fail_nomem(req);
    return;
  }
  /* the client address first: a read of someone else's balance is audited */
  db_query_t q[3] = {{.stmt = DB_STMT_REQ_CLIENT_ADDR, .nparams = 1, .values = (const char *[]){a->client_addr}},
                     {.stmt = DB_STMT_LEAVE_BALANCE, .nparams = 6, .values = v},
                     {.stmt = DB_STMT_LEAVE_LEDGER, .nparams = 6, .values = v}};
  svc_submit(req, q, 3, 0, balance_read, op);
}

/* ---- LeaveTypes ---- */

enum { LT_CODE, LT_NAME, LT_PNS, LT_PPPK, LT_UNIT, LT_MAX_DAYS, LT_MIN_YEARS, LT_EVIDENCE };

/* Splits "a,b,c" (arena copy) into *out; "" gives none. */
static bool split_list(srv_req_t *req, const char *s, char ***out, size_t *n) {
  size_t cap = 1;
  for (const char *p = s; *p; p++) cap += *p == ',';
  char **v = sp_arena_alloc(&req->arena, cap * sizeof(*v));
  char *copy = sp_arena_strdup(&req->arena, s);
  if (!v || !copy) return false;
  *n = 0;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) v[(*n)++] = tok;
  *out = v;
  return true;
}

static void types_read(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int rows = PQntuples(r);
  svc_reply_budget(req);
  Simpeg__V1__LeaveTypesReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__LeaveType **ts = sp_arena_alloc(&req->arena, (size_t)(rows ? rows : 1) * sizeof(*ts));
  if (!rep || !ts) goto nomem;
  simpeg__v1__leave_types_reply__init(rep);
  for (int i = 0; i < rows; i++) {
    Simpeg__V1__LeaveType *t = sp_arena_alloc(&req->arena, sizeof(*t));
    if (!t) goto nomem;
    simpeg__v1__leave_type__init(t);
    if (!(t->code = svc_col_str(req, r, i, LT_CODE)) || !(t->name = svc_col_str(req, r, i, LT_NAME)) ||
        !(t->unit = svc_col_str(req, r, i, LT_UNIT)) ||
        !split_list(req, PQgetvalue(r, i, LT_EVIDENCE), &t->evidence, &t->n_evidence))
      goto nomem;
    t->for_pns = svc_col_bool(r, i, LT_PNS);
    t->for_pppk = svc_col_bool(r, i, LT_PPPK);
    t->max_days = (uint32_t)svc_col_i64(r, i, LT_MAX_DAYS);
    t->min_service_years = (uint32_t)svc_col_i64(r, i, LT_MIN_YEARS);
    ts[i] = t;
  }
  rep->types = ts;
  rep->n_types = (size_t)rows;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_LEAVE_TYPES;
  resp.leave_types = rep;
  req_reply(req, &resp);
  return;
nomem:
  svc_fail_nomem(req);
}

void svc_leave_types(srv_req_t *req) {
  db_query_t q = {.stmt = DB_STMT_LEAVE_TYPES, .nparams = 0, .values = NULL};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, types_read, req);
}

/* ---- HolidayImport ---- */

static void holidays_written(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  Simpeg__V1__HolidayImportReply rep = SIMPEG__V1__HOLIDAY_IMPORT_REPLY__INIT;
  rep.written = (uint32_t)svc_col_i64(res->results[0], 0, 0);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_HOLIDAY_IMPORT;
  resp.holiday_import = &rep;
  req_reply(req, &resp);
}

void svc_holiday_import(srv_req_t *req) {
  const Simpeg__V1__HolidayImport *m = req->msg->holiday_import;
  viol_t *vs = viol_new(req);
  if (!vs) return;
  if (m->n_holidays == 0 && m->replace_year == 0) emp_viol_add(vs, "holidays", "required");
  if (m->n_holidays > HOLIDAY_IMPORT_MAX) emp_viol_add(vs, "holidays", "too_many");
  if (m->replace_year != 0 && (m->replace_year < 1950 || m->replace_year > 2200))
    emp_viol_add(vs, "replace_year", "out_of_range");
  for (size_t i = 0; i < m->n_holidays && m->n_holidays <= HOLIDAY_IMPORT_MAX && vs->n < EMP_MAX_VIOLATIONS - 4; i++) {
    const Simpeg__V1__Holiday *h = m->holidays[i];
    long day;
    if (!sp_valid_date(h->date, &day)) emp_viol_add(vs, "holidays.date", "invalid_date");
    if (m->replace_year && strlen(h->date) >= 4 && (uint32_t)atoi(h->date) != m->replace_year)
      emp_viol_add(vs, "holidays.date", "outside_replace_year");
    if (h->kind < HKIND(NATIONAL) || h->kind > HKIND(REGIONAL)) emp_viol_add(vs, "holidays.kind", "unknown_value");
    emp_check_text(vs, "holidays.name", h->name, HOLIDAY_NAME_MAX, true);
    if (h->kind == HKIND(REGIONAL) && !*h->office_code) emp_viol_add(vs, "holidays.office_code", "required");
    if (h->kind != HKIND(REGIONAL) && *h->office_code) emp_viol_add(vs, "holidays.office_code", "only_regional");
  }
  if (svc_fail_violations(req, vs)) return;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  /* one array literal per column (date, kind, name, office code); the
   * pool copies the parameters, so they are freed right after the submit */
  sp_buf_t arr[4];
  bool ok = true;
  for (int i = 0; i < 4; i++) {
    sp_buf_init(&arr[i], (size_t)1 << 20);
    pg_array_open(&arr[i]);
  }
  for (size_t i = 0; ok && i < m->n_holidays; i++) {
    const Simpeg__V1__Holiday *h = m->holidays[i];
    char kind[12];
    snprintf(kind, sizeof(kind), "%d", (int)h->kind);
    ok = pg_array_add(&arr[0], h->date) && pg_array_add(&arr[1], kind) && pg_array_add(&arr[2], h->name) &&
         pg_array_add(&arr[3], h->office_code);
  }
  const char *v[11];
  svc_actor_params(a, v);
  v[4] = a->session.office_path;
  v[5] = a->branch_path;
  for (int i = 0; i < 4; i++) ok = ok && (v[6 + i] = pg_array_close(&arr[i])) != NULL;
  v[10] = svc_i64(req, m->replace_year);
  if (!ok || !v[10]) {
    svc_fail_nomem(req);
  } else {
    db_query_t q = {.stmt = DB_STMT_HOLIDAY_IMPORT, .nparams = 11, .values = v};
    svc_submit(req, &q, 1, 0, holidays_written, req);
  }
  for (int i = 0; i < 4; i++) sp_buf_free(&arr[i]);
}

/* ---- HolidayList ---- */

enum { HL_DATE, HL_KIND, HL_NAME, HL_OFFICE };

typedef struct hlist_op {
  srv_req_t *req;
  svc_actor_t *actor;
  bool office_given;
} hlist_op_t;

static void holidays_read(void *ud, const db_result_t *res) {
  hlist_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  int k = 0;
  if (op->office_given) {
    const PGresult *o = res->results[k++];
    if (PQntuples(o) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(o, 0, SVC_OFFICE_PATH))) {
      svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", "office_code",
                     "not_found");
      return;
    }
  }
  const PGresult *r = res->results[k];
  int rows = PQntuples(r);
  svc_reply_budget(req);
  Simpeg__V1__HolidayListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__Holiday **hs = sp_arena_alloc(&req->arena, (size_t)(rows ? rows : 1) * sizeof(*hs));
  if (!rep || !hs) goto nomem;
  simpeg__v1__holiday_list_reply__init(rep);
  for (int i = 0; i < rows; i++) {
    Simpeg__V1__Holiday *h = sp_arena_alloc(&req->arena, sizeof(*h));
    if (!h) goto nomem;
    simpeg__v1__holiday__init(h);
    if (!(h->date = svc_col_str(req, r, i, HL_DATE)) || !(h->name = svc_col_str(req, r, i, HL_NAME)) ||
        !(h->office_code = svc_col_str(req, r, i, HL_OFFICE)))
      goto nomem;
    h->kind = (Simpeg__V1__HolidayKind)svc_col_i64(r, i, HL_KIND);
    hs[i] = h;
  }
  rep->holidays = hs;
  rep->n_holidays = (size_t)rows;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_HOLIDAY_LIST;
  resp.holiday_list = rep;
  req_reply(req, &resp);
  return;
nomem:
  svc_fail_nomem(req);
}

void svc_holiday_list(srv_req_t *req) {
  const Simpeg__V1__HolidayList *m = req->msg->holiday_list;
  if (m->year != 0 && (m->year < 1950 || m->year > 2200)) {
    req_fail_field(req, "year", "out_of_range");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  hlist_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  const char **v = sp_arena_alloc(&req->arena, 4 * sizeof(*v));
  if (!op || !v) {
    svc_fail_nomem(req);
    return;
  }
  *op = (hlist_op_t){.req = req, .actor = a, .office_given = *m->office_code != '\0'};
  v[0] = m->year ? svc_i64(req, m->year) : sp_arena_printf(&req->arena, "%.4s", svc_today(req));
  v[1] = m->office_code;
  v[2] = a->session.office_path;
  v[3] = a->branch_path;
  if (!v[0]) {
    svc_fail_nomem(req);
    return;
  }
  db_query_t q[2] = {{.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->office_code}},
                     {.stmt = DB_STMT_HOLIDAY_LIST, .nparams = 4, .values = v}};
  if (op->office_given)
    svc_submit(req, q, 2, DB_RETRY_SAFE, holidays_read, op);
  else
    svc_submit(req, q + 1, 1, DB_RETRY_SAFE, holidays_read, op);
}

/* ---- WorkCalendarSet ---- */

typedef struct cal_op {
  srv_req_t *req;
  const char *office_code;
} cal_op_t;

static void calendar_written(void *ud, const db_result_t *res) {
  cal_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const char *days = PQgetvalue(res->results[0], 0, 0);
  uint32_t *v = sp_arena_alloc(&req->arena, 7 * sizeof(*v));
  if (!v) {
    svc_fail_nomem(req);
    return;
  }
  size_t n = 0;
  for (const char *p = days; *p && n < 7; p++)
    if (*p >= '1' && *p <= '7') v[n++] = (uint32_t)(*p - '0');
  Simpeg__V1__WorkCalendarReply rep = SIMPEG__V1__WORK_CALENDAR_REPLY__INIT;
  rep.office_code = (char *)op->office_code;
  rep.workdays = v;
  rep.n_workdays = n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_WORK_CALENDAR_SET;
  resp.work_calendar_set = &rep;
  req_reply(req, &resp);
}

void svc_work_calendar_set(srv_req_t *req) {
  const Simpeg__V1__WorkCalendarSet *m = req->msg->work_calendar_set;
  viol_t *vs = viol_new(req);
  if (!vs) return;
  if (!*m->office_code) emp_viol_add(vs, "office_code", "required");
  if (m->n_workdays == 0 || m->n_workdays > 7) emp_viol_add(vs, "workdays", m->n_workdays ? "too_many" : "required");
  bool seen[8] = {false};
  for (size_t i = 0; i < m->n_workdays && i < 7; i++) {
    uint32_t d = m->workdays[i];
    if (d < 1 || d > 7) {
      emp_viol_add(vs, "workdays", "out_of_range");
      break;
    }
    if (seen[d]) {
      emp_viol_add(vs, "workdays", "duplicate");
      break;
    }
    seen[d] = true;
  }
  if (svc_fail_violations(req, vs)) return;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  cal_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  char *days = sp_arena_alloc(&req->arena, 2 * 7 + 3);
  if (!op || !days) {
    svc_fail_nomem(req);
    return;
  }
  op->req = req;
  op->office_code = m->office_code;
  size_t k = 0;
  days[k++] = '{';
  for (size_t i = 0; i < m->n_workdays; i++) {
    if (i) days[k++] = ',';
    days[k++] = (char)('0' + m->workdays[i]);
  }
  days[k++] = '}';
  days[k] = '\0';
  const char *v[8];
  svc_actor_params(a, v);
  v[4] = a->session.office_path;
  v[5] = a->branch_path;
  v[6] = m->office_code;
  v[7] = days;
  db_query_t q = {.stmt = DB_STMT_WORK_CALENDAR_SET, .nparams = 8, .values = v};
  svc_submit(req, &q, 1, 0, calendar_written, op);
}
