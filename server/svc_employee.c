/* svc_employee: the employee registry (issue #4): EmployeeAdd, EmployeeShow,
 * EmployeeEdit, EmployeeList, EmployeeSearch, EmployeeHistoryAdd,
 * EmployeeHistoryList and MyProfile.
 *
 * The pattern of svc_user.c and svc_office.c: validate everything here
 * (a bad record gets every field violation at once and writes nothing;
 * the rules of a record are in emp_rules.c, shared with the bulk import),
 * then one batch whose statements carry the scope (office subtree and
 * branch) as conditions and write their own audit rows. Employees outside
 * the caller's scope do not exist for the caller: NOT_FOUND.
 *
 * The rules that compute (SKP predicate, gaji pokok, BUP, retirement date,
 * the derived current rank/position/education) live in SQL
 * (migrations/0003_registry.sql); docs/internals/registry.md maps them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "db.h"
#include "db_stmts.h"
#include "emp_rules.h"
#include "name_index.h"
#include "server.h"
#include "sp_valid.h"
#include "svc_admin.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define ETYPE(x) SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_##x
#define ENTRY(x) SIMPEG__V1__HISTORY_ENTRY__ENTRY_##x

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define SEARCH_DEFAULT 20
#define SEARCH_MAX 100

/* Column order of employee rows (EMP_COLS in db_stmts.c). */
enum {
  EMP_ID,
  EMP_NIP,
  EMP_TYPE,
  EMP_FRONT_TITLE,
  EMP_NAME,
  EMP_BACK_TITLE,
  EMP_BIRTH_PLACE,
  EMP_BIRTH_DATE,
  EMP_SEX,
  EMP_RELIGION,
  EMP_MARITAL,
  EMP_STATUS,
  EMP_OFFICE_CODE,
  EMP_OFFICE_NAME,
  EMP_POSITION_NAME,
  EMP_POSITION_KIND,
  EMP_FUNCTIONAL_LEVEL,
  EMP_RANK_CODE,
  EMP_RANK_TMT,
  EMP_EDUCATION,
  EMP_TMT_CPNS,
  EMP_EMAIL,
  EMP_PHONE,
  EMP_ADDRESS,
  EMP_NIK,
  EMP_NIK_MASKED,
  EMP_VERSION,
  EMP_UPDATED_US,
  EMP_OFFICE_PATH,
  EMP_SUPERVISOR_NIP,
  EMP_SUPERVISOR_NAME,
  EMP__COLS,
};
_Static_assert(EMP__COLS == SVC_EMP__COLS, "svc_admin.h SVC_EMP__COLS follows EMP_COLS");
/* Column order of history rows (emp_history and the emp_add_* statements). */
enum { HIST_KIND, HIST_ORD, HIST_SORT, HIST_ID, HIST_DECREE_NUMBER, HIST_DECREE_DATE, HIST_A, HIST_B, HIST_C, HIST_D, HIST_E };
/* emp_summary */
enum { SUM_GRADE, SUM_GAJI, SUM_YEARS, SUM_MONTHS, SUM_BUP, SUM_RETIREMENT };

static const char *const ratings[] = {"di_atas", "sesuai", "di_bawah", NULL};
static const char *const relations[] = {"suami", "istri", "anak", NULL};
static const char *const history_kinds[] = {"rank", "position", "education", "training", "performance", "salary", "family", NULL};

typedef emp_viol_t viol_t;


/* ---- rows to messages ---- */

static Simpeg__V1__Employee *employee_from_row(srv_req_t *req, const PGresult *r, int row) {
  Simpeg__V1__Employee *e = sp_arena_alloc(&req->arena, sizeof(*e));
  if (!e) return NULL;
  simpeg__v1__employee__init(e);
  char **s[] = {&e->nip,           &e->front_title,   &e->name,         &e->back_title,  &e->birth_place,
                &e->birth_date,    &e->religion,      &e->marital_status, &e->office_code, &e->office_name,
                &e->position_name, &e->functional_level, &e->rank_code, &e->rank_tmt,    &e->education_level,
                &e->tmt_cpns,      &e->email,         &e->phone,        &e->address,     &e->nik,
                &e->nik_masked,    &e->supervisor_nip, &e->supervisor_name};
  const int cols[] = {EMP_NIP,           EMP_FRONT_TITLE,      EMP_NAME,        EMP_BACK_TITLE, EMP_BIRTH_PLACE,
                      EMP_BIRTH_DATE,    EMP_RELIGION,         EMP_MARITAL,     EMP_OFFICE_CODE, EMP_OFFICE_NAME,
                      EMP_POSITION_NAME, EMP_FUNCTIONAL_LEVEL, EMP_RANK_CODE,   EMP_RANK_TMT,   EMP_EDUCATION,
                      EMP_TMT_CPNS,      EMP_EMAIL,            EMP_PHONE,       EMP_ADDRESS,    EMP_NIK,
                      EMP_NIK_MASKED,    EMP_SUPERVISOR_NIP, EMP_SUPERVISOR_NAME};
  for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
    if (!(*s[i] = svc_col_str(req, r, row, cols[i]))) return NULL;
  e->employment_type = (Simpeg__V1__EmploymentType)svc_col_i64(r, row, EMP_TYPE);
  e->sex = (Simpeg__V1__Sex)svc_col_i64(r, row, EMP_SEX);
  e->status = (Simpeg__V1__EmployeeStatus)svc_col_i64(r, row, EMP_STATUS);
  e->position_kind = (Simpeg__V1__PositionKind)svc_col_i64(r, row, EMP_POSITION_KIND);
  e->version = svc_col_i64(r, row, EMP_VERSION);
  e->updated_at_us = (uint64_t)svc_col_i64(r, row, EMP_UPDATED_US);
  return e;
}

/* registry views (svc_views.c) */
Simpeg__V1__Employee *svc_employee_from_row(srv_req_t *req, const PGresult *r, int row) {
  return employee_from_row(req, r, row);
}

static char *col(srv_req_t *req, const PGresult *r, int row, int c, bool *ok) {
  char *s = svc_col_str(req, r, row, c);
  if (!s) *ok = false;
  return s;
}

static Simpeg__V1__HistoryEntry *history_from_row(srv_req_t *req, const PGresult *r, int row) {
  Simpeg__V1__HistoryEntry *h = sp_arena_alloc(&req->arena, sizeof(*h));
  if (!h) return NULL;
  simpeg__v1__history_entry__init(h);
  bool ok = true;
  h->id = svc_col_i64(r, row, HIST_ID);
  h->decree_number = col(req, r, row, HIST_DECREE_NUMBER, &ok);
  h->decree_date = col(req, r, row, HIST_DECREE_DATE, &ok);
  const char *kind = PQgetvalue(r, row, HIST_KIND);
  const char *a = PQgetvalue(r, row, HIST_A), *b = PQgetvalue(r, row, HIST_B), *c = PQgetvalue(r, row, HIST_C),
             *d = PQgetvalue(r, row, HIST_D);
  if (strcmp(kind, "rank") == 0) {
    Simpeg__V1__RankEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__rank_entry__init(x);
    x->rank_code = col(req, r, row, HIST_A, &ok);
    x->tmt = col(req, r, row, HIST_B, &ok);
    x->mkg_years = atoi(c);
    x->mkg_months = atoi(d);
    h->entry_case = ENTRY(RANK);
    h->rank = x;
  } else if (strcmp(kind, "position") == 0) {
    Simpeg__V1__PositionEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__position_entry__init(x);
    x->name = col(req, r, row, HIST_A, &ok);
    x->kind = (Simpeg__V1__PositionKind)atoi(b);
    x->functional_level = col(req, r, row, HIST_C, &ok);
    x->office_code = col(req, r, row, HIST_D, &ok);
    x->tmt = col(req, r, row, HIST_E, &ok);
    h->entry_case = ENTRY(POSITION);
    h->position = x;
  } else if (strcmp(kind, "education") == 0) {
    Simpeg__V1__EducationEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__education_entry__init(x);
    x->level = col(req, r, row, HIST_A, &ok);
    x->institution = col(req, r, row, HIST_B, &ok);
    x->major = col(req, r, row, HIST_C, &ok);
    x->graduation_year = atoi(d);
    h->entry_case = ENTRY(EDUCATION);
    h->education = x;
  } else if (strcmp(kind, "training") == 0) {
    Simpeg__V1__TrainingEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__training_entry__init(x);
    x->name = col(req, r, row, HIST_A, &ok);
    x->organizer = col(req, r, row, HIST_B, &ok);
    x->start_date = col(req, r, row, HIST_C, &ok);
    x->end_date = col(req, r, row, HIST_D, &ok);
    x->jp_hours = atoi(PQgetvalue(r, row, HIST_E));
    h->entry_case = ENTRY(TRAINING);
    h->training = x;
  } else if (strcmp(kind, "performance") == 0) {
    Simpeg__V1__PerformanceEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__performance_entry__init(x);
    x->year = atoi(a);
    x->period = col(req, r, row, HIST_B, &ok);
    x->result_rating = col(req, r, row, HIST_C, &ok);
    x->behavior_rating = col(req, r, row, HIST_D, &ok);
    x->predicate = col(req, r, row, HIST_E, &ok);
    h->entry_case = ENTRY(PERFORMANCE);
    h->performance = x;
  } else if (strcmp(kind, "salary") == 0) {
    Simpeg__V1__SalaryEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__salary_entry__init(x);
    x->rank_code = col(req, r, row, HIST_A, &ok);
    x->mkg_years = atoi(b);
    x->gaji_pokok = strtoll(c, NULL, 10);
    x->tmt = col(req, r, row, HIST_D, &ok);
    h->entry_case = ENTRY(SALARY);
    h->salary = x;
  } else {
    Simpeg__V1__FamilyEntry *x = sp_arena_alloc(&req->arena, sizeof(*x));
    if (!x) return NULL;
    simpeg__v1__family_entry__init(x);
    x->relation = col(req, r, row, HIST_A, &ok);
    x->name = col(req, r, row, HIST_B, &ok);
    x->birth_date = col(req, r, row, HIST_C, &ok);
    x->nik = col(req, r, row, HIST_D, &ok);
    h->entry_case = ENTRY(FAMILY);
    h->family = x;
  }
  return ok ? h : NULL;
}

static Simpeg__V1__HistoryEntry **histories_from_result(srv_req_t *req, const PGresult *r, size_t *n) {
  int rows = PQntuples(r);
  Simpeg__V1__HistoryEntry **v = sp_arena_alloc(&req->arena, (size_t)(rows ? rows : 1) * sizeof(*v));
  if (!v) return NULL;
  for (int i = 0; i < rows; i++)
    if (!(v[i] = history_from_row(req, r, i))) return NULL;
  *n = (size_t)rows;
  return v;
}

static Simpeg__V1__Employee **employees_from_result(srv_req_t *req, const PGresult *r, int rows) {
  Simpeg__V1__Employee **v = sp_arena_alloc(&req->arena, (size_t)(rows ? rows : 1) * sizeof(*v));
  if (!v) return NULL;
  for (int i = 0; i < rows; i++)
    if (!(v[i] = employee_from_row(req, r, i))) return NULL;
  return v;
}

static void fail_employee_not_found(srv_req_t *req) {
  svc_fail_field(req, ERR(NOT_FOUND), "employee_not_found", "no such employee in your scope", "nip", "not_found");
}

static void fail_office_not_found(srv_req_t *req, const char *field) {
  svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", field, "not_found");
}

static const char *show_nik(const svc_actor_t *a) { return authz_sees_nik(a->session.role) ? "true" : "false"; }

static void reply_employee(srv_req_t *req, const PGresult *r, int result_case) {
  svc_reply_budget(req);
  Simpeg__V1__EmployeeReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__employee_reply__init(rep);
  if (!(rep->employee = employee_from_row(req, r, 0))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = result_case;
  if (result_case == SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_ADD)
    resp.employee_add = rep;
  else
    resp.employee_edit = rep;
  req_reply(req, &resp);
}

/* ---- EmployeeAdd ---- */

typedef struct emp_add_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__Employee *e;
  const char *tmt_cpns;
  Simpeg__V1__EmployeeStatus status;
} emp_add_op_t;

static void emp_add_written(void *ud, const db_result_t *res) {
  emp_add_op_t *op = ud;
  if (res->status != DB_OK) {
    svc_fail_db(op->req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    req_fail(op->req, ERR(ABORTED), "concurrent_change", "the office moved meanwhile; try again");
    return;
  }
  reply_employee(op->req, res->results[0], SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_ADD);
}

static void emp_add_office_read(void *ud, const db_result_t *res) {
  emp_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *o = res->results[0];
  if (PQntuples(o) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(o, 0, SVC_OFFICE_PATH))) {
    fail_office_not_found(req, "office_code");
    return;
  }
  const Simpeg__V1__Employee *e = op->e;
  const char *v[23];
  svc_actor_params(op->actor, v);
  v[4] = e->office_code;
  v[5] = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  v[6] = e->nip;
  v[7] = svc_i64(req, e->employment_type);
  v[8] = e->front_title;
  v[9] = e->name;
  v[10] = e->back_title;
  v[11] = e->birth_place;
  v[12] = e->birth_date;
  v[13] = svc_i64(req, e->sex);
  v[14] = e->religion;
  v[15] = e->marital_status;
  v[16] = svc_i64(req, op->status);
  v[17] = op->tmt_cpns;
  v[18] = e->email;
  v[19] = e->phone;
  v[20] = e->address;
  v[21] = *e->nik ? e->nik : NULL;
  v[22] = show_nik(op->actor);
  if (!v[5]) {
    svc_fail_nomem(req);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_EMP_ADD, .nparams = 23, .values = v};
  svc_submit(req, &q, 1, 0, emp_add_written, op);
}

void svc_employee_add(srv_req_t *req) {
  const Simpeg__V1__Employee *e = req->msg->employee_add->employee;
  if (!e) {
    req_fail_field(req, "employee", "required");
    return;
  }
  viol_t *vs = sp_arena_alloc(&req->arena, sizeof(*vs));
  emp_add_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!vs || !op) {
    svc_fail_nomem(req);
    return;
  }
  vs->n = 0;
  char *tmt = sp_arena_alloc(&req->arena, 11);
  if (!tmt) {
    svc_fail_nomem(req);
    return;
  }
  emp_check_new(vs, e, svc_today(req), tmt);
  op->tmt_cpns = tmt;
  if (svc_fail_violations(req, vs)) return;

  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  op->req = req;
  op->actor = a;
  op->e = e;
  op->status = e->status ? e->status : SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_ACTIVE;
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){e->office_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, emp_add_office_read, op);
}

/* ---- EmployeeShow, MyProfile, EmployeeHistoryList ---- */

typedef struct emp_show_op {
  srv_req_t *req;
  svc_actor_t *actor;
  int result_case;
} emp_show_op_t;

/* Answers at once when the record is the reader's own, else once the
 * read's audit row is committed (emp_show's `audit` column). */
static void emp_show_reply(emp_show_op_t *op, const PGresult *row, Simpeg__V1__Response *resp) {
  if (!svc_col_bool(row, 0, EMP__COLS)) {
    req_reply(op->req, resp);
    return;
  }
  svc_reply_audited(op->req, op->actor, "employee", PQgetvalue(row, 0, EMP_NIP), NULL, resp);
}

static void emp_show_read(void *ud, const db_result_t *res) {
  emp_show_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    if (op->result_case == SIMPEG__V1__RESPONSE__RESULT_MY_PROFILE)
      req_fail(req, ERR(NOT_FOUND), "no_employee_record", "your account is not linked to an employee record");
    else
      fail_employee_not_found(req);
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = op->result_case;
  if (op->result_case == SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_HISTORY_LIST) {
    Simpeg__V1__EmployeeHistoryListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
    if (!rep) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__employee_history_list_reply__init(rep);
    if (!(rep->entries = histories_from_result(req, res->results[1], &rep->n_entries))) {
      svc_fail_nomem(req);
      return;
    }
    resp.employee_history_list = rep;
    emp_show_reply(op, res->results[0], &resp);
    return;
  }
  Simpeg__V1__EmployeeProfileReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__EmployeeProfile *p = sp_arena_alloc(&req->arena, sizeof(*p));
  Simpeg__V1__ServiceSummary *s = sp_arena_alloc(&req->arena, sizeof(*s));
  if (!rep || !p || !s) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__employee_profile_reply__init(rep);
  simpeg__v1__employee_profile__init(p);
  simpeg__v1__service_summary__init(s);
  rep->profile = p;
  p->summary = s;
  if (!(p->employee = employee_from_row(req, res->results[0], 0)) ||
      !(p->history = histories_from_result(req, res->results[2], &p->n_history))) {
    svc_fail_nomem(req);
    return;
  }
  const PGresult *sr = res->results[1];
  if (PQntuples(sr) == 1) {
    if (!(s->salary_grade = svc_col_str(req, sr, 0, SUM_GRADE)) ||
        !(s->retirement_date = svc_col_str(req, sr, 0, SUM_RETIREMENT))) {
      svc_fail_nomem(req);
      return;
    }
    s->gaji_pokok = svc_col_i64(sr, 0, SUM_GAJI);
    s->years_of_service = (int32_t)svc_col_i64(sr, 0, SUM_YEARS);
    s->months_of_service = (int32_t)svc_col_i64(sr, 0, SUM_MONTHS);
    s->retirement_age = (int32_t)svc_col_i64(sr, 0, SUM_BUP);
  }
  if (op->result_case == SIMPEG__V1__RESPONSE__RESULT_MY_PROFILE)
    resp.my_profile = rep;
  else
    resp.employee_show = rep;
  emp_show_reply(op, res->results[0], &resp);
}

/* nip NULL: the caller's own record (users.nip), whatever the scope. */
static void emp_show_run(srv_req_t *req, const char *nip, int result_case, const char *kind) {
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  emp_show_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (emp_show_op_t){.req = req, .actor = a, .result_case = result_case};
  const char *sv[5] = {a->user_id, nip, nip ? a->session.office_path : "", nip ? a->branch_path : "", show_nik(a)};
  const char *sumv[2] = {a->user_id, nip};
  const char *hv[4] = {a->user_id, nip, kind, sv[4]};
  db_query_t q[3] = {{.stmt = DB_STMT_EMP_SHOW, .nparams = 5, .values = sv},
                     {.stmt = DB_STMT_EMP_SUMMARY, .nparams = 2, .values = sumv},
                     {.stmt = DB_STMT_EMP_HISTORY, .nparams = 4, .values = hv}};
  if (result_case == SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_HISTORY_LIST) {
    q[1] = q[2];
    svc_submit(req, q, 2, DB_RETRY_SAFE, emp_show_read, op);
    return;
  }
  svc_submit(req, q, 3, DB_RETRY_SAFE, emp_show_read, op);
}

static bool nip_arg_ok(srv_req_t *req, const char *nip) {
  if (!*nip) {
    req_fail_field(req, "nip", "required");
    return false;
  }
  if (strlen(nip) != 18 || !emp_all_digits(nip)) {
    req_fail_field(req, "nip", "invalid_format");
    return false;
  }
  return true;
}

void svc_employee_show(srv_req_t *req) {
  const char *nip = req->msg->employee_show->nip;
  if (!nip_arg_ok(req, nip)) return;
  emp_show_run(req, nip, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_SHOW, "");
}

void svc_my_profile(srv_req_t *req) { emp_show_run(req, NULL, SIMPEG__V1__RESPONSE__RESULT_MY_PROFILE, ""); }

void svc_employee_history_list(srv_req_t *req) {
  const Simpeg__V1__EmployeeHistoryList *m = req->msg->employee_history_list;
  if (!nip_arg_ok(req, m->nip)) return;
  if (*m->kind && !emp_in_set(m->kind, history_kinds)) {
    req_fail_field(req, "kind", "unknown_value");
    return;
  }
  emp_show_run(req, m->nip, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_HISTORY_LIST, m->kind);
}

/* ---- EmployeeEdit ---- */

typedef struct emp_edit_op {
  srv_req_t *req;
  svc_actor_t *actor;
  bool supervisor; /* a supervisor NIP was named (not "-") */
} emp_edit_op_t;

static void emp_edit_written(void *ud, const db_result_t *res) {
  emp_edit_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *now = res->results[1];
  if (PQntuples(now) != 1) {
    fail_employee_not_found(req);
    return;
  }
  /* The supervisor named must be another employee in scope. */
  if (op->supervisor && PQntuples(res->results[2]) != 1) {
    svc_fail_field(req, ERR(NOT_FOUND), "supervisor_not_found", "no such employee in your scope", "supervisor_nip",
                   "not_found");
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    svc_fail_version(req, "employee", svc_col_i64(now, 0, EMP_VERSION));
    return;
  }
  reply_employee(req, now, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_EDIT);
}

void svc_employee_edit(srv_req_t *req) {
  const Simpeg__V1__Employee *e = req->msg->employee_edit->employee;
  if (!e) {
    req_fail_field(req, "employee", "required");
    return;
  }
  if (!nip_arg_ok(req, e->nip)) return;
  viol_t *vs = sp_arena_alloc(&req->arena, sizeof(*vs));
  emp_edit_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!vs || !op) {
    svc_fail_nomem(req);
    return;
  }
  vs->n = 0;
  if (e->version <= 0) emp_viol_add(vs, "version", "required");
  emp_check_common(vs, e);
  /* NIP, birth date and sex are fixed (the NIP encodes them): a NIK is
   * checked against the NIP. */
  sp_nip_info_t ni;
  if (sp_nip_decode(e->nip, &ni) == SP_NIP_INVALID) emp_viol_add(vs, "nip", "invalid_format");
  else emp_check_nik(vs, "nik", e->nik, svc_today(req), ni.birth_date, ni.sex);
  /* supervisor_nip: "" unchanged, "-" none, else another employee's NIP */
  const char *sup = e->supervisor_nip;
  if (*sup && strcmp(sup, "-") != 0) {
    if (strlen(sup) != 18 || !emp_all_digits(sup)) emp_viol_add(vs, "supervisor_nip", "invalid_format");
    else if (strcmp(sup, e->nip) == 0) emp_viol_add(vs, "supervisor_nip", "self");
  }
  if (svc_fail_violations(req, vs)) return;

  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  *op = (emp_edit_op_t){.req = req, .actor = a, .supervisor = *sup && strcmp(sup, "-") != 0};
  const char *v[20];
  svc_actor_params(a, v);
  v[4] = e->nip;
  v[5] = a->session.office_path;
  v[6] = a->branch_path;
  v[7] = svc_i64(req, e->version);
  v[8] = e->front_title;
  v[9] = e->name;
  v[10] = e->back_title;
  v[11] = e->birth_place;
  v[12] = e->religion;
  v[13] = e->marital_status;
  v[14] = e->status ? svc_i64(req, e->status) : NULL; /* unspecified: unchanged */
  v[15] = e->email;
  v[16] = e->phone;
  v[17] = e->address;
  v[18] = *e->nik ? e->nik : NULL;
  v[19] = *sup ? sup : NULL;
  const char *gv[4] = {e->nip, a->session.office_path, a->branch_path, show_nik(a)};
  const char *sv[3] = {sup, a->session.office_path, a->branch_path};
  db_query_t q[3] = {{.stmt = DB_STMT_EMP_EDIT, .nparams = 20, .values = v},
                     {.stmt = DB_STMT_EMP_GET, .nparams = 4, .values = gv},
                     {.stmt = DB_STMT_REQ_SUPERVISOR, .nparams = 3, .values = sv}};
  svc_submit(req, q, op->supervisor ? 3 : 2, 0, emp_edit_written, op);
}

/* ---- EmployeeList and EmployeeSearch ---- */

typedef struct emp_list_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const char *office_code;
  /* list */
  const Simpeg__V1__EmployeeList *list;
  uint32_t limit;
  /* search */
  const char *query; /* by NIK: the hex SHA-256 of the NIK */
  bool by_nip;
  bool by_nik;
} emp_list_op_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The audit row's {"nips": [...]} of the first n rows, in NIP order. */
static const char *nips_json(srv_req_t *req, const PGresult *r, int n) {
  const char **nips = sp_arena_alloc(&req->arena, sizeof(*nips) * (size_t)n);
  char *out = sp_arena_alloc(&req->arena, 16 + (size_t)n * 22);
  if (!nips || !out) return NULL;
  for (int i = 0; i < n; i++) nips[i] = PQgetvalue(r, i, EMP_NIP);
  qsort(nips, (size_t)n, sizeof(*nips), cmp_str);
  size_t k = (size_t)sprintf(out, "{\"nips\": [");
  for (int i = 0; i < n; i++) k += (size_t)sprintf(out + k, "%s\"%.18s\"", i ? ", " : "", nips[i]);
  strcpy(out + k, "]}");
  return out;
}

static void emp_list_read(void *ud, const db_result_t *res) {
  emp_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int n = PQntuples(r);
  svc_reply_budget(req);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  if (op->list) {
    Simpeg__V1__EmployeeListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
    if (!rep) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__employee_list_reply__init(rep);
    bool more = n > (int)op->limit;
    if (more) n = (int)op->limit;
    if (!(rep->employees = employees_from_result(req, r, n))) {
      svc_fail_nomem(req);
      return;
    }
    rep->n_employees = (size_t)n;
    if (more) rep->next_after = rep->employees[n - 1]->nip;
    resp.result_case = SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_LIST;
    resp.employee_list = rep;
  } else {
    Simpeg__V1__EmployeeSearchReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
    if (!rep) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__employee_search_reply__init(rep);
    if (!(rep->employees = employees_from_result(req, r, n))) {
      svc_fail_nomem(req);
      return;
    }
    rep->n_employees = (size_t)n;
    resp.result_case = SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_SEARCH;
    resp.employee_search = rep;
  }
  if (n == 0) {
    req_reply(req, &resp); /* nobody's data shown: nothing to record */
    return;
  }
  const char *after = nips_json(req, r, n);
  if (!after) {
    svc_fail_nomem(req);
    return;
  }
  const char *office = *op->office_code ? op->office_code : op->actor->session.office_code;
  svc_reply_audited(req, op->actor, "employee", office, after, &resp);
}

/* A search's statement; `nj` the names the daemon found (NULL: PostgreSQL
 * finds them). */
typedef struct name_job name_job_t;
static void emp_search_submit(emp_list_op_t *op, const char *root, const name_job_t *nj);

/* Name search with the names in the daemon's memory (name_index.h): the
 * similar names are found in the thread pool, then the statement gets
 * them with the snapshot they are complete for. When the index cannot
 * answer (not loaded, a query that is not plain ASCII), PostgreSQL finds
 * the names as before: the results are the same either way. */
struct name_job {
  uv_work_t work;
  emp_list_op_t *op;
  const char *root;
  sp_buf_t names, scores;
  long found; /* -1: the index could not answer */
  char snapshot[NAME_SNAPSHOT_MAX];
};

#define NAME_JOB_ARRAY_MAX (8u * 1024 * 1024)

static void name_job_run(uv_work_t *w) {
  name_job_t *nj = w->data;
  nj->found = name_index_match(nj->op->req->srv->names, nj->op->query, &nj->names, &nj->scores, nj->snapshot);
}

static void name_job_done(uv_work_t *w, int status) {
  name_job_t *nj = w->data;
  emp_search_submit(nj->op, nj->root, status == 0 && nj->found >= 0 ? nj : NULL);
  sp_buf_free(&nj->names); /* the pool copied the parameters */
  sp_buf_free(&nj->scores);
}

static bool name_search_start(emp_list_op_t *op, const char *root) {
  name_job_t *nj = sp_arena_alloc(&op->req->arena, sizeof(*nj));
  if (!nj) return false;
  nj->op = op;
  nj->root = root;
  nj->found = -1;
  sp_buf_init(&nj->names, NAME_JOB_ARRAY_MAX);
  sp_buf_init(&nj->scores, NAME_JOB_ARRAY_MAX);
  nj->work.data = nj;
  if (uv_queue_work(op->req->srv->loop, &nj->work, name_job_run, name_job_done) != 0) {
    sp_buf_free(&nj->names);
    sp_buf_free(&nj->scores);
    return false;
  }
  return true;
}

static void emp_search_submit(emp_list_op_t *op, const char *root, const name_job_t *nj) {
  srv_req_t *req = op->req;
  svc_actor_t *a = op->actor;
  const char *v[10] = {root,
                       a->session.office_path,
                       a->branch_path,
                       op->query,
                       op->by_nip || op->by_nik ? "true" : "false",
                       svc_i64(req, op->limit),
                       show_nik(a),
                       nj ? (const char *)sp_buf_head(&nj->names) : NULL,
                       nj ? (const char *)sp_buf_head(&nj->scores) : NULL,
                       nj ? nj->snapshot : NULL};
  if (nj) req->srv->name_searches++;
  db_query_t q = {.stmt = op->by_nik   ? DB_STMT_EMP_SEARCH_NIK
                          : op->by_nip ? DB_STMT_EMP_SEARCH_NIP
                          : nj         ? DB_STMT_EMP_SEARCH_KNOWN
                                       : DB_STMT_EMP_SEARCH,
                  .nparams = nj ? 10 : 7,
                  .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, emp_list_read, op);
}

static void emp_list_run(emp_list_op_t *op, const char *root) {
  srv_req_t *req = op->req;
  svc_actor_t *a = op->actor;
  if (op->list) {
    const Simpeg__V1__EmployeeList *m = op->list;
    const char *v[10] = {root,
                         a->session.office_path,
                         a->branch_path,
                         m->rank_code,
                         svc_i64(req, m->position_kind),
                         svc_i64(req, m->status),
                         svc_i64(req, m->employment_type),
                         m->after,
                         svc_i64(req, op->limit),
                         show_nik(a)};
    db_query_t q = {.stmt = DB_STMT_EMP_LIST, .nparams = 10, .values = v};
    svc_submit(req, &q, 1, DB_RETRY_SAFE, emp_list_read, op);
    return;
  }
  if (!op->by_nip && !op->by_nik && req->srv->names && name_search_start(op, root)) return;
  emp_search_submit(op, root, NULL);
}

static void emp_list_office_read(void *ud, const db_result_t *res) {
  emp_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *o = res->results[0];
  if (PQntuples(o) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(o, 0, SVC_OFFICE_PATH))) {
    fail_office_not_found(req, "office_code");
    return;
  }
  const char *root = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  if (!root) {
    svc_fail_nomem(req);
    return;
  }
  emp_list_run(op, root);
}

static void emp_list_start(emp_list_op_t *op) {
  if (!*op->office_code) {
    emp_list_run(op, op->actor->session.office_path);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){op->office_code}};
  svc_submit(op->req, &q, 1, DB_RETRY_SAFE, emp_list_office_read, op);
}

void svc_employee_list(srv_req_t *req) {
  const Simpeg__V1__EmployeeList *m = req->msg->employee_list;
  viol_t vs = {.n = 0};
  if (*m->after && (strlen(m->after) > 18 || !emp_all_digits(m->after))) emp_viol_add(&vs, "after", "invalid_cursor");
  if (*m->rank_code && !emp_in_set(m->rank_code, emp_rank_codes)) emp_viol_add(&vs, "rank_code", "unknown_rank");
  if ((int)m->position_kind < 0 || m->position_kind > SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL)
    emp_viol_add(&vs, "position_kind", "out_of_range");
  if ((int)m->status < 0 || m->status > SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_TRANSFERRED_OUT)
    emp_viol_add(&vs, "status", "out_of_range");
  if ((int)m->employment_type < 0 || m->employment_type > ETYPE(PPPK)) emp_viol_add(&vs, "employment_type", "out_of_range");
  if (m->limit > LIST_MAX) emp_viol_add(&vs, "limit", "too_large");
  if (strlen(m->office_code) > 63) emp_viol_add(&vs, "office_code", "too_long");
  if (svc_fail_violations(req, &vs)) return;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  emp_list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (emp_list_op_t){.req = req, .actor = a, .office_code = m->office_code, .list = m,
                        .limit = m->limit ? m->limit : LIST_DEFAULT};
  emp_list_start(op);
}

/* The lookup key of a NIK as employees.nik_hash holds it (migration 0003):
 * the hex SHA-256 of its 16 digits. Spaces are ignored. A NIK that cannot
 * exist (DOMAIN §1) adds a violation and leaves out empty. The copy of the
 * digits is wiped. */
#define NIK_HASH_HEX 65
static void nik_hash_hex(srv_req_t *req, viol_t *vs, const char *raw, char out[NIK_HASH_HEX]) {
  char nik[17];
  size_t n = 0;
  bool too_long = false;
  for (const char *p = raw; *p && !too_long; p++) {
    if (*p == ' ') continue;
    if (n == 16)
      too_long = true;
    else
      nik[n++] = *p;
  }
  nik[n] = '\0';
  out[0] = '\0';
  size_t before = vs->n;
  if (too_long || n == 0)
    emp_viol_add(vs, "nik", "invalid_format");
  else
    emp_check_nik(vs, "nik", nik, svc_today(req), NULL, SP_SEX_UNKNOWN);
  unsigned char md[32];
  unsigned int len = 0;
  if (vs->n == before && EVP_Digest(nik, n, md, &len, EVP_sha256(), NULL) == 1 && len == sizeof(md)) {
    for (size_t i = 0; i < sizeof(md); i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
  } else if (vs->n == before) {
    emp_viol_add(vs, "nik", "invalid_format"); /* no digest: never search for nothing */
  }
  OPENSSL_cleanse(nik, sizeof(nik));
}

void svc_employee_search(srv_req_t *req) {
  const Simpeg__V1__EmployeeSearch *m = req->msg->employee_search;
  /* Trimmed; digits (and spaces, as NIPs are written) mean a NIP prefix. */
  char *q = sp_arena_strdup(&req->arena, m->query);
  if (!q) {
    svc_fail_nomem(req);
    return;
  }
  while (*q == ' ') q++;
  size_t len = strlen(q);
  while (len && q[len - 1] == ' ') q[--len] = '\0';
  bool digits = len > 0;
  for (const char *p = q; *p; p++) digits &= (*p >= '0' && *p <= '9') || *p == ' ';
  if (digits) { /* "19860926 201505 1 001" -> digits only */
    char *w = q;
    for (const char *p = q; *p; p++)
      if (*p != ' ') *w++ = *p;
    *w = '\0';
  }
  viol_t vs = {.n = 0};
  char nik[NIK_HASH_HEX];
  bool by_nik = *m->nik != '\0';
  if (by_nik) {
    if (*q) emp_viol_add(&vs, "query", "not_with_nik");
    nik_hash_hex(req, &vs, m->nik, nik);
  } else if (!*q) {
    emp_viol_add(&vs, "query", "required");
  } else if (digits ? strlen(q) > 18 : svc_utf8_len(q) > EMP_NAME_MAX_CHARS) {
    emp_viol_add(&vs, "query", "too_long");
  }
  if (m->limit > SEARCH_MAX) emp_viol_add(&vs, "limit", "too_large");
  if (strlen(m->office_code) > 63) emp_viol_add(&vs, "office_code", "too_long");
  if (svc_fail_violations(req, &vs)) return;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  emp_list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (emp_list_op_t){.req = req,
                        .actor = a,
                        .office_code = m->office_code,
                        .query = by_nik ? sp_arena_strdup(&req->arena, nik) : q,
                        .by_nip = digits && !by_nik,
                        .by_nik = by_nik,
                        .limit = m->limit ? m->limit : SEARCH_DEFAULT};
  if (!op->query) {
    svc_fail_nomem(req);
    return;
  }
  emp_list_start(op);
}

/* ---- EmployeeHistoryAdd ---- */

typedef struct hist_add_op {
  srv_req_t *req;
  int entry_case;
} hist_add_op_t;

static void hist_add_written(void *ud, const db_result_t *res) {
  hist_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    fail_employee_not_found(req);
    return;
  }
  if (PQntuples(res->results[1]) != 1) {
    /* The employee is there: the entry does not fit it. */
    if (op->entry_case == ENTRY(POSITION))
      fail_office_not_found(req, "office_code");
    else
      svc_fail_field(req, ERR(INVALID_ARGUMENT), "invalid_field", "the rank does not belong to this employment type",
                     "rank_code", "not_for_employment_type");
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__EmployeeHistoryAddReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__employee_history_add_reply__init(rep);
  if (!(rep->entry = history_from_row(req, res->results[1], 0)) ||
      !(rep->employee = employee_from_row(req, res->results[2], 0))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_HISTORY_ADD;
  resp.employee_history_add = rep;
  req_reply(req, &resp);
}

static const char *opt(const char *s) { return *s ? s : NULL; }

void svc_employee_history_add(srv_req_t *req) {
  const Simpeg__V1__EmployeeHistoryAdd *m = req->msg->employee_history_add;
  if (!nip_arg_ok(req, m->nip)) return;
  const Simpeg__V1__HistoryEntry *h = m->entry;
  if (!h || h->entry_case == SIMPEG__V1__HISTORY_ENTRY__ENTRY__NOT_SET) {
    req_fail_field(req, "entry", "required");
    return;
  }
  viol_t *vs = sp_arena_alloc(&req->arena, sizeof(*vs));
  hist_add_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!vs || !op) {
    svc_fail_nomem(req);
    return;
  }
  vs->n = 0;
  const char *today = svc_today(req);
  long d1 = 0, d2 = 0;
  emp_check_text(vs, "decree_number", h->decree_number, 100, false);
  emp_check_date(vs, "decree_date", h->decree_date, false, &d1);

  /* values[9..] by kind; [0..8] are shared. */
  const char *v[14];
  int n = 9;
  enum db_stmt_id stmt;
  switch (h->entry_case) {
    case ENTRY(RANK): {
      const Simpeg__V1__RankEntry *x = h->rank;
      if (!*x->rank_code) emp_viol_add(vs, "rank_code", "required");
      else if (!emp_in_set(x->rank_code, emp_rank_codes)) emp_viol_add(vs, "rank_code", "unknown_rank");
      emp_check_date(vs, "tmt", x->tmt, true, &d1);
      if (x->mkg_years < 0 || x->mkg_years > 50) emp_viol_add(vs, "mkg_years", "out_of_range");
      if (x->mkg_months < 0 || x->mkg_months > 11) emp_viol_add(vs, "mkg_months", "out_of_range");
      stmt = DB_STMT_EMP_ADD_RANK;
      v[n++] = x->rank_code;
      v[n++] = x->tmt;
      v[n++] = svc_i64(req, x->mkg_years);
      v[n++] = svc_i64(req, x->mkg_months);
      break;
    }
    case ENTRY(POSITION): {
      const Simpeg__V1__PositionEntry *x = h->position;
      emp_check_text(vs, "name", x->name, EMP_NAME_MAX_CHARS, true);
      if (x->kind < SIMPEG__V1__POSITION_KIND__POSITION_KIND_JPT ||
          x->kind > SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL)
        emp_viol_add(vs, "kind", x->kind == 0 ? "required" : "out_of_range");
      else if (x->kind == SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL) {
        if (!emp_in_set(x->functional_level, emp_functional_levels))
          emp_viol_add(vs, "functional_level", *x->functional_level ? "unknown_value" : "required");
      } else if (*x->functional_level)
        emp_viol_add(vs, "functional_level", "only_for_fungsional");
      if (strlen(x->office_code) > 63) emp_viol_add(vs, "office_code", "too_long");
      emp_check_date(vs, "tmt", x->tmt, true, &d1);
      stmt = DB_STMT_EMP_ADD_POSITION;
      v[n++] = x->name;
      v[n++] = svc_i64(req, x->kind);
      v[n++] = x->functional_level;
      v[n++] = x->office_code;
      v[n++] = x->tmt;
      break;
    }
    case ENTRY(EDUCATION): {
      const Simpeg__V1__EducationEntry *x = h->education;
      if (!emp_in_set(x->level, emp_educations)) emp_viol_add(vs, "level", *x->level ? "unknown_value" : "required");
      emp_check_text(vs, "institution", x->institution, 200, false);
      emp_check_text(vs, "major", x->major, 200, false);
      if (x->graduation_year != 0 && (x->graduation_year < 1900 || x->graduation_year > 2200))
        emp_viol_add(vs, "graduation_year", "out_of_range");
      stmt = DB_STMT_EMP_ADD_EDUCATION;
      v[n++] = x->level;
      v[n++] = x->institution;
      v[n++] = x->major;
      v[n++] = x->graduation_year ? svc_i64(req, x->graduation_year) : NULL;
      break;
    }
    case ENTRY(TRAINING): {
      const Simpeg__V1__TrainingEntry *x = h->training;
      emp_check_text(vs, "name", x->name, EMP_NAME_MAX_CHARS, true);
      emp_check_text(vs, "organizer", x->organizer, 200, false);
      bool s_ok = emp_check_date(vs, "start_date", x->start_date, true, &d1);
      bool e_ok = emp_check_date(vs, "end_date", x->end_date, true, &d2);
      if (s_ok && e_ok && d2 < d1) emp_viol_add(vs, "end_date", "before_start_date");
      if (x->jp_hours < 1 || x->jp_hours > 1000) emp_viol_add(vs, "jp_hours", "out_of_range");
      stmt = DB_STMT_EMP_ADD_TRAINING;
      v[n++] = x->name;
      v[n++] = x->organizer;
      v[n++] = x->start_date;
      v[n++] = x->end_date;
      v[n++] = svc_i64(req, x->jp_hours);
      break;
    }
    case ENTRY(PERFORMANCE): {
      const Simpeg__V1__PerformanceEntry *x = h->performance;
      if (x->year < 2000 || x->year > 2200) emp_viol_add(vs, "year", x->year == 0 ? "required" : "out_of_range");
      emp_check_text(vs, "period", x->period, 20, false);
      if (!emp_in_set(x->result_rating, ratings))
        emp_viol_add(vs, "result_rating", *x->result_rating ? "unknown_value" : "required");
      if (!emp_in_set(x->behavior_rating, ratings))
        emp_viol_add(vs, "behavior_rating", *x->behavior_rating ? "unknown_value" : "required");
      stmt = DB_STMT_EMP_ADD_PERFORMANCE;
      v[n++] = svc_i64(req, x->year);
      v[n++] = *x->period ? x->period : "annual";
      v[n++] = x->result_rating;
      v[n++] = x->behavior_rating;
      break;
    }
    case ENTRY(SALARY): {
      const Simpeg__V1__SalaryEntry *x = h->salary;
      if (!*x->rank_code) emp_viol_add(vs, "rank_code", "required");
      else if (!emp_in_set(x->rank_code, emp_rank_codes)) emp_viol_add(vs, "rank_code", "unknown_rank");
      if (x->mkg_years < 0 || x->mkg_years > 50) emp_viol_add(vs, "mkg_years", "out_of_range");
      emp_check_date(vs, "tmt", x->tmt, true, &d1);
      stmt = DB_STMT_EMP_ADD_SALARY;
      v[n++] = x->rank_code;
      v[n++] = svc_i64(req, x->mkg_years);
      v[n++] = x->tmt;
      break;
    }
    case ENTRY(FAMILY): {
      const Simpeg__V1__FamilyEntry *x = h->family;
      if (!emp_in_set(x->relation, relations)) emp_viol_add(vs, "relation", *x->relation ? "unknown_value" : "required");
      emp_check_text(vs, "name", x->name, EMP_NAME_MAX_CHARS, true);
      bool b_ok = emp_check_date(vs, "birth_date", x->birth_date, false, &d1);
      emp_check_nik(vs, "nik", x->nik, today, b_ok ? x->birth_date : NULL, SP_SEX_UNKNOWN);
      stmt = DB_STMT_EMP_ADD_FAMILY;
      v[n++] = x->relation;
      v[n++] = x->name;
      v[n++] = opt(x->birth_date);
      v[n++] = opt(x->nik);
      v[n++] = NULL; /* show: set below */
      break;
    }
    default: req_fail_field(req, "entry", "unknown_kind"); return;
  }
  if (svc_fail_violations(req, vs)) return;

  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  *op = (hist_add_op_t){.req = req, .entry_case = h->entry_case};
  svc_actor_params(a, v);
  v[4] = m->nip;
  v[5] = a->session.office_path;
  v[6] = a->branch_path;
  v[7] = h->decree_number;
  v[8] = opt(h->decree_date);
  if (stmt == DB_STMT_EMP_ADD_FAMILY) v[n - 1] = show_nik(a);
  const char *gv[4] = {m->nip, a->session.office_path, a->branch_path, show_nik(a)};
  db_query_t q[3] = {{.stmt = DB_STMT_EMP_GET, .nparams = 4, .values = gv},
                     {.stmt = stmt, .nparams = n, .values = v},
                     {.stmt = DB_STMT_EMP_GET, .nparams = 4, .values = gv}};
  svc_submit(req, q, 3, 0, hist_add_written, op);
}
