/* svc_views: the registry views (issue #4): DukList (daftar urut
 * kepangkatan), Headcount and EarlyWarnings (KGB, promotion, retirement).
 *
 * The pattern of svc_employee.c: the office asked for is resolved and
 * checked against the caller's scope (NOT_FOUND outside it), then one
 * statement (db_stmts.c, "registry views" block) carries the scope as
 * conditions; the lists write their audit row (the NIPs disclosed) in the
 * same statement. The date rules are SQL functions
 * (migrations/0004_registry_views.sql) so that lists and single records
 * compute them alike; docs/internals/registry.md ("Registry views"). */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "sp_valid.h"
#include "svc_admin.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define MONTHS_DEFAULT 12
#define MONTHS_MAX 60
#define OFFICE_CODE_MAX 63
#define CURSOR_MAX 96

/* Extra columns after the employee row (SVC_EMP__COLS). */
enum { DUK_POSITION = SVC_EMP__COLS, DUK_SERVICE_YEARS, DUK_SERVICE_MONTHS, DUK_CURSOR };
enum { EW_DUE = SVC_EMP__COLS, EW_DETAIL };
enum { HC_KEY, HC_LABEL, HC_COUNT, HC_TOTAL };

typedef enum view_kind { VIEW_DUK, VIEW_HEADCOUNT, VIEW_WARNINGS } view_kind_t;

typedef struct view_op {
  srv_req_t *req;
  svc_actor_t *actor;
  view_kind_t kind;
  const char *office_code;
  uint32_t limit;
  /* DukList cursor: rank ordinal, rank TMT, position order, TMT CPNS, birth date, NIP */
  const char *duk_key[6];
  /* EarlyWarnings */
  const char *ew_kind;
  uint32_t months;
  const char *ew_key[2]; /* due date, NIP */
  /* Headcount */
  const char *group_by;
} view_op_t;

static const char *const group_bys[] = {"office", "rank", "education", "age_band", "employment_type", "sex", NULL};
static const char *const warning_kinds[] = {"kgb", "promotion", "retirement", NULL};

static bool in_set(const char *s, const char *const *set) {
  for (; *set; set++)
    if (strcmp(s, *set) == 0) return true;
  return false;
}

static bool digits_n(const char *s, size_t min, size_t max) {
  size_t n = strlen(s);
  if (n < min || n > max) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/* Splits a cursor "a|b|c" (arena copy) into exactly n parts. */
static bool split_cursor(srv_req_t *req, const char *cursor, const char **parts, int n) {
  if (strlen(cursor) > CURSOR_MAX) return false;
  char *s = sp_arena_strdup(&req->arena, cursor);
  if (!s) return false;
  for (int i = 0; i < n; i++) {
    parts[i] = s;
    char *bar = strchr(s, '|');
    if (i == n - 1) return bar == NULL;
    if (!bar) return false;
    *bar = '\0';
    s = bar + 1;
  }
  return false;
}

static bool is_date(const char *s) {
  long d;
  return strlen(s) == 10 && sp_valid_date(s, &d);
}

/* "12|2015-03-01|5|2010-01-01|1980-05-05|<nip>" (what view_duk returns). */
static bool parse_duk_cursor(srv_req_t *req, const char *cursor, const char **key) {
  if (!split_cursor(req, cursor, key, 6)) return false;
  return digits_n(key[0], 1, 2) && is_date(key[1]) && digits_n(key[2], 1, 1) && is_date(key[3]) && is_date(key[4]) &&
         digits_n(key[5], 18, 18);
}

static bool parse_ew_cursor(srv_req_t *req, const char *cursor, const char **key) {
  if (!split_cursor(req, cursor, key, 2)) return false;
  return is_date(key[0]) && digits_n(key[1], 18, 18);
}

static const char *show_nik(const svc_actor_t *a) { return authz_sees_nik(a->session.role) ? "true" : "false"; }

/* ---- replies ---- */

static void duk_read(view_op_t *op, const PGresult *r) {
  srv_req_t *req = op->req;
  int n = PQntuples(r);
  bool more = n > (int)op->limit;
  if (more) n = (int)op->limit;
  svc_reply_budget(req);
  Simpeg__V1__DukListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__DukEntry **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__duk_list_reply__init(rep);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__DukEntry *d = sp_arena_alloc(&req->arena, sizeof(*d));
    if (!d) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__duk_entry__init(d);
    if (!(d->employee = svc_employee_from_row(req, r, i))) {
      svc_fail_nomem(req);
      return;
    }
    d->position = (uint64_t)svc_col_i64(r, i, DUK_POSITION);
    d->service_years = (int32_t)svc_col_i64(r, i, DUK_SERVICE_YEARS);
    d->service_months = (int32_t)svc_col_i64(r, i, DUK_SERVICE_MONTHS);
    v[i] = d;
  }
  rep->entries = v;
  rep->n_entries = (size_t)n;
  if (more && !(rep->next_after = svc_col_str(req, r, n - 1, DUK_CURSOR))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_DUK_LIST;
  resp.duk_list = rep;
  req_reply(req, &resp);
}

static void warnings_read(view_op_t *op, const PGresult *r) {
  srv_req_t *req = op->req;
  int n = PQntuples(r);
  bool more = n > (int)op->limit;
  if (more) n = (int)op->limit;
  svc_reply_budget(req);
  Simpeg__V1__EarlyWarningsReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__EarlyWarning **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__early_warnings_reply__init(rep);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__EarlyWarning *w = sp_arena_alloc(&req->arena, sizeof(*w));
    if (!w) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__early_warning__init(w);
    w->kind = (char *)op->ew_kind;
    if (!(w->employee = svc_employee_from_row(req, r, i)) || !(w->due_date = svc_col_str(req, r, i, EW_DUE)) ||
        !(w->detail = svc_col_str(req, r, i, EW_DETAIL))) {
      svc_fail_nomem(req);
      return;
    }
    v[i] = w;
  }
  rep->entries = v;
  rep->n_entries = (size_t)n;
  if (more) {
    const Simpeg__V1__EarlyWarning *last = v[n - 1];
    size_t len = strlen(last->due_date) + strlen(last->employee->nip) + 2;
    char *c = sp_arena_alloc(&req->arena, len);
    if (!c) {
      svc_fail_nomem(req);
      return;
    }
    snprintf(c, len, "%s|%s", last->due_date, last->employee->nip);
    rep->next_after = c;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_EARLY_WARNINGS;
  resp.early_warnings = rep;
  req_reply(req, &resp);
}

static void headcount_read(view_op_t *op, const PGresult *r) {
  srv_req_t *req = op->req;
  int n = PQntuples(r);
  svc_reply_budget(req);
  Simpeg__V1__HeadcountReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__HeadcountRow **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__headcount_reply__init(rep);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__HeadcountRow *h = sp_arena_alloc(&req->arena, sizeof(*h));
    if (!h) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__headcount_row__init(h);
    if (!(h->key = svc_col_str(req, r, i, HC_KEY)) || !(h->label = svc_col_str(req, r, i, HC_LABEL))) {
      svc_fail_nomem(req);
      return;
    }
    h->count = (uint64_t)svc_col_i64(r, i, HC_COUNT);
    rep->total = (uint64_t)svc_col_i64(r, i, HC_TOTAL);
    v[i] = h;
  }
  rep->rows = v;
  rep->n_rows = (size_t)n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_HEADCOUNT;
  resp.headcount = rep;
  req_reply(req, &resp);
}

static void view_read(void *ud, const db_result_t *res) {
  view_op_t *op = ud;
  if (res->status != DB_OK) {
    svc_fail_db(op->req, res);
    return;
  }
  const PGresult *r = res->results[0];
  switch (op->kind) {
    case VIEW_DUK: duk_read(op, r); break;
    case VIEW_WARNINGS: warnings_read(op, r); break;
    case VIEW_HEADCOUNT: headcount_read(op, r); break;
  }
}

/* ---- running ---- */

static void view_run(view_op_t *op, const char *root) {
  srv_req_t *req = op->req;
  svc_actor_t *a = op->actor;
  const char *audit_office = *op->office_code ? op->office_code : a->session.office_code;
  if (op->kind == VIEW_HEADCOUNT) {
    const char *v[4] = {root, a->session.office_path, a->branch_path, op->group_by};
    db_query_t q = {.stmt = DB_STMT_VIEW_HEADCOUNT, .nparams = 4, .values = v};
    svc_submit(req, &q, 1, DB_RETRY_SAFE, view_read, op);
    return;
  }
  if (op->kind == VIEW_DUK) {
    const char *v[16];
    svc_actor_params(a, v);
    v[4] = root;
    v[5] = a->session.office_path;
    v[6] = a->branch_path;
    for (int i = 0; i < 6; i++) v[7 + i] = op->duk_key[i]; /* NULL: first page */
    v[13] = svc_i64(req, op->limit);
    v[14] = show_nik(a);
    v[15] = audit_office;
    db_query_t q = {.stmt = DB_STMT_VIEW_DUK, .nparams = 16, .values = v};
    svc_submit(req, &q, 1, 0, view_read, op);
    return;
  }
  const char *v[14];
  svc_actor_params(a, v);
  v[4] = root;
  v[5] = a->session.office_path;
  v[6] = a->branch_path;
  v[7] = op->ew_kind;
  v[8] = svc_i64(req, op->months);
  v[9] = op->ew_key[0];
  v[10] = op->ew_key[1];
  v[11] = svc_i64(req, op->limit);
  v[12] = show_nik(a);
  v[13] = audit_office;
  db_query_t q = {.stmt = DB_STMT_VIEW_WARNINGS, .nparams = 14, .values = v};
  svc_submit(req, &q, 1, 0, view_read, op);
}

static void view_office_read(void *ud, const db_result_t *res) {
  view_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *o = res->results[0];
  if (PQntuples(o) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(o, 0, SVC_OFFICE_PATH))) {
    svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", "office_code", "not_found");
    return;
  }
  const char *root = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  if (!root) {
    svc_fail_nomem(req);
    return;
  }
  view_run(op, root);
}

static void view_start(srv_req_t *req, view_op_t *tmpl) {
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  view_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = *tmpl;
  op->req = req;
  op->actor = a;
  if (!*op->office_code) {
    view_run(op, a->session.office_path);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){op->office_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, view_office_read, op);
}

/* ---- the methods ---- */

void svc_duk_list(srv_req_t *req) {
  const Simpeg__V1__DukList *m = req->msg->duk_list;
  view_op_t t = {.kind = VIEW_DUK, .office_code = m->office_code, .limit = m->limit ? m->limit : LIST_DEFAULT};
  if (strlen(m->office_code) > OFFICE_CODE_MAX) {
    req_fail_field(req, "office_code", "too_long");
    return;
  }
  if (m->limit > LIST_MAX) {
    req_fail_field(req, "limit", "too_large");
    return;
  }
  if (*m->after && !parse_duk_cursor(req, m->after, t.duk_key)) {
    req_fail_field(req, "after", "invalid_cursor");
    return;
  }
  view_start(req, &t);
}

void svc_headcount(srv_req_t *req) {
  const Simpeg__V1__Headcount *m = req->msg->headcount;
  if (strlen(m->office_code) > OFFICE_CODE_MAX) {
    req_fail_field(req, "office_code", "too_long");
    return;
  }
  if (!*m->group_by) {
    req_fail_field(req, "group_by", "required");
    return;
  }
  if (!in_set(m->group_by, group_bys)) {
    req_fail_field(req, "group_by", "unknown_dimension");
    return;
  }
  view_op_t t = {.kind = VIEW_HEADCOUNT, .office_code = m->office_code, .group_by = m->group_by};
  view_start(req, &t);
}

void svc_early_warnings(srv_req_t *req) {
  const Simpeg__V1__EarlyWarnings *m = req->msg->early_warnings;
  view_op_t t = {.kind = VIEW_WARNINGS, .office_code = m->office_code, .ew_kind = m->kind,
                 .months = m->months ? m->months : MONTHS_DEFAULT, .limit = m->limit ? m->limit : LIST_DEFAULT};
  if (strlen(m->office_code) > OFFICE_CODE_MAX) {
    req_fail_field(req, "office_code", "too_long");
    return;
  }
  if (!*m->kind) {
    req_fail_field(req, "kind", "required");
    return;
  }
  if (!in_set(m->kind, warning_kinds)) {
    req_fail_field(req, "kind", "unknown_kind");
    return;
  }
  if (m->months > MONTHS_MAX) {
    req_fail_field(req, "months", "too_large");
    return;
  }
  if (m->limit > LIST_MAX) {
    req_fail_field(req, "limit", "too_large");
    return;
  }
  if (*m->after && !parse_ew_cursor(req, m->after, t.ew_key)) {
    req_fail_field(req, "after", "invalid_cursor");
    return;
  }
  view_start(req, &t);
}
