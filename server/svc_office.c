/* svc_office: the office tree: OfficeAdd, OfficeList, OfficeShow and
 * OfficeMove.
 *
 * Every office has a materialized path ("/ID/12/12.75/"), so scope is a
 * prefix test (authz_in_scope) and a subtree is a prefix range. Offices
 * outside the caller's scope do not exist for the caller: NOT_FOUND, never
 * PERMISSION_DENIED, so that nobody learns which offices other regions
 * have.
 *
 * Changes run in two steps: read what the change depends on (the parent,
 * the office to move), decide here (scope, kind rule, cycles, version),
 * then one batch that takes the tree lock and writes with the facts it
 * relied on (paths, version) as conditions. When a condition no longer
 * holds, somebody changed the tree in between and the answer is ABORTED. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "sp_valid.h"
#include "svc_admin.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define KIND(x) SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_##x

/* OfficeList answers at most this many offices (one frame holds roughly
 * this many); a larger subtree is listed piece by piece with under_code or
 * max_depth. */
#define OFFICE_LIST_MAX 20000
#define CODE_MAX 63
#define NAME_MAX_CHARS 200

/* May an office of kind `child` hang from one of kind `parent`? The tree
 * of DESIGN §4 (province -> city/regency -> agency -> unit), plus agencies
 * directly under a province: provincial governments have their own OPDs
 * (BKD, Dinas Pendidikan for SMA/SMK teachers...) and their employees
 * belong to them. Units nest (a UPT under a bidang). */
static bool kind_fits(Simpeg__V1__OfficeKind child, Simpeg__V1__OfficeKind parent) {
  switch (child) {
    case KIND(PROVINCE): return parent == KIND(NATIONAL);
    case KIND(CITY):
    case KIND(REGENCY): return parent == KIND(PROVINCE);
    case KIND(AGENCY): return parent == KIND(PROVINCE) || parent == KIND(CITY) || parent == KIND(REGENCY);
    case KIND(UNIT): return parent == KIND(AGENCY) || parent == KIND(UNIT);
    default: return false; /* the national root is made by the schema, once */
  }
}

/* The CHECK of offices.code: ^[A-Z0-9][A-Z0-9.-]{0,62}$ */
static const char *code_problem(const char *code) {
  if (!*code) return "required";
  if (strlen(code) > CODE_MAX) return "too_long";
  for (const char *p = code; *p; p++) {
    bool alnum = (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
    if (!alnum && (p == code || (*p != '.' && *p != '-'))) return "invalid_format";
  }
  return NULL;
}

static void fail_office_not_found(srv_req_t *req, const char *field) {
  svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", field, "not_found");
}

/* The single office row of a lookup, if it exists and is in scope. */
static bool office_visible(const svc_actor_t *a, const PGresult *r) {
  return PQntuples(r) == 1 && svc_actor_in_scope(a, PQgetvalue(r, 0, SVC_OFFICE_PATH));
}

static void reply_office(srv_req_t *req, const PGresult *r, int result_case) {
  svc_reply_budget(req);
  Simpeg__V1__OfficeReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__office_reply__init(rep);
  rep->office = svc_office_from_row(req, r, 0);
  if (!rep->office) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = result_case;
  /* all four office methods answer with an OfficeReply */
  switch (result_case) {
    case SIMPEG__V1__RESPONSE__RESULT_OFFICE_ADD: resp.office_add = rep; break;
    case SIMPEG__V1__RESPONSE__RESULT_OFFICE_SHOW: resp.office_show = rep; break;
    default: resp.office_move = rep; break;
  }
  req_reply(req, &resp);
}

/* ---- OfficeAdd ---- */

typedef struct office_add_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__OfficeAdd *m;
  const char *valid_from;
  const char *valid_to; /* NULL: open-ended */
} office_add_op_t;

static void office_add_written(void *ud, const db_result_t *res) {
  office_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[1]) != 1) {
    req_fail(req, ERR(ABORTED), "concurrent_change", "the parent office moved meanwhile; try again");
    return;
  }
  reply_office(req, res->results[1], SIMPEG__V1__RESPONSE__RESULT_OFFICE_ADD);
}

static void office_add_parent_read(void *ud, const db_result_t *res) {
  office_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *p = res->results[0];
  if (!office_visible(op->actor, p)) {
    fail_office_not_found(req, "parent_code");
    return;
  }
  Simpeg__V1__OfficeKind parent_kind = (Simpeg__V1__OfficeKind)svc_col_i64(p, 0, SVC_OFFICE_KIND);
  if (!kind_fits(op->m->kind, parent_kind)) {
    req_fail_field(req, "kind", "kind_not_allowed_under_parent");
    return;
  }

  const char *v[11];
  svc_actor_params(op->actor, v);
  v[4] = op->m->parent_code;
  v[5] = svc_col_str(req, p, 0, SVC_OFFICE_PATH);
  v[6] = op->m->code;
  v[7] = op->m->name;
  v[8] = svc_i64(req, op->m->kind);
  v[9] = op->valid_from;
  v[10] = op->valid_to;
  if (!v[5]) {
    svc_fail_nomem(req);
    return;
  }
  db_query_t q[2] = {{.stmt = DB_STMT_OFFICE_TREE_LOCK, .nparams = 0},
                     {.stmt = DB_STMT_OFFICE_ADD, .nparams = 11, .values = v}};
  svc_submit(req, q, 2, 0, office_add_written, op);
}

void svc_office_add(srv_req_t *req) {
  const Simpeg__V1__OfficeAdd *m = req->msg->office_add;
  const char *why;
  if ((why = code_problem(m->code))) {
    req_fail_field(req, "code", why);
    return;
  }
  if (!*m->name) {
    req_fail_field(req, "name", "required");
    return;
  }
  if (svc_utf8_len(m->name) > NAME_MAX_CHARS) {
    req_fail_field(req, "name", "too_long");
    return;
  }
  if (m->kind == KIND(UNSPECIFIED)) {
    req_fail_field(req, "kind", "required");
    return;
  }
  if (m->kind < KIND(NATIONAL) || m->kind > KIND(UNIT)) {
    req_fail_field(req, "kind", "out_of_range");
    return;
  }
  if (!*m->parent_code) {
    req_fail_field(req, "parent_code", "required");
    return;
  }
  if ((why = code_problem(m->parent_code))) {
    req_fail_field(req, "parent_code", why);
    return;
  }

  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  office_add_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (office_add_op_t){.req = req, .actor = a, .m = m, .valid_from = m->valid_from};
  long from_day, to_day;
  if (!*op->valid_from) op->valid_from = svc_today(req);
  if (!sp_valid_date(op->valid_from, &from_day)) {
    req_fail_field(req, "valid_from", "not_a_date");
    return;
  }
  if (*m->valid_to) {
    if (!sp_valid_date(m->valid_to, &to_day)) {
      req_fail_field(req, "valid_to", "not_a_date");
      return;
    }
    if (to_day < from_day) {
      req_fail_field(req, "valid_to", "before_valid_from");
      return;
    }
    op->valid_to = m->valid_to;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->parent_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, office_add_parent_read, op);
}

/* ---- OfficeShow ---- */

typedef struct office_show_op {
  srv_req_t *req;
  svc_actor_t *actor;
} office_show_op_t;

static void office_show_read(void *ud, const db_result_t *res) {
  office_show_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (!office_visible(op->actor, res->results[0])) {
    fail_office_not_found(req, "code");
    return;
  }
  reply_office(req, res->results[0], SIMPEG__V1__RESPONSE__RESULT_OFFICE_SHOW);
}

void svc_office_show(srv_req_t *req) {
  const Simpeg__V1__OfficeShow *m = req->msg->office_show;
  const char *why;
  if ((why = code_problem(m->code))) {
    req_fail_field(req, "code", why);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  office_show_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (office_show_op_t){.req = req, .actor = a};
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, office_show_read, op);
}

/* ---- OfficeList ---- */

typedef struct office_list_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__OfficeList *m;
} office_list_op_t;

static void office_list_read(void *ud, const db_result_t *res) {
  office_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int n = PQntuples(r);
  if (n > OFFICE_LIST_MAX) {
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "too_many_offices",
             "the subtree has too many offices for one answer; list a smaller part (under_code, max_depth)");
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__OfficeListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__Office **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__office_list_reply__init(rep);
  for (int i = 0; i < n; i++)
    if (!(v[i] = svc_office_from_row(req, r, i))) {
      svc_fail_nomem(req);
      return;
    }
  rep->offices = v;
  rep->n_offices = (size_t)n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_OFFICE_LIST;
  resp.office_list = rep;
  req_reply(req, &resp);
}

static void office_list_run(office_list_op_t *op, const char *root_path) {
  srv_req_t *req = op->req;
  uint32_t depth = op->m->max_depth > 1000 ? 1000 : op->m->max_depth;
  const char *v[6] = {root_path,
                      op->actor->session.office_path,
                      op->actor->branch_path,
                      op->m->include_inactive ? "true" : "false",
                      svc_i64(req, depth),
                      svc_i64(req, OFFICE_LIST_MAX + 1)};
  db_query_t q = {.stmt = DB_STMT_OFFICE_LIST, .nparams = 6, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, office_list_read, op);
}

static void office_list_root_read(void *ud, const db_result_t *res) {
  office_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (!office_visible(op->actor, res->results[0])) {
    fail_office_not_found(req, "under_code");
    return;
  }
  const char *root = svc_col_str(req, res->results[0], 0, SVC_OFFICE_PATH);
  if (!root) {
    svc_fail_nomem(req);
    return;
  }
  office_list_run(op, root);
}

void svc_office_list(srv_req_t *req) {
  const Simpeg__V1__OfficeList *m = req->msg->office_list;
  const char *why;
  if (*m->under_code && (why = code_problem(m->under_code))) {
    req_fail_field(req, "under_code", why);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  office_list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (office_list_op_t){.req = req, .actor = a, .m = m};
  if (!*m->under_code) {
    office_list_run(op, a->session.office_path);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->under_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, office_list_root_read, op);
}

/* ---- OfficeMove ---- */

typedef struct office_move_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__OfficeMove *m;
} office_move_op_t;

static void office_move_written(void *ud, const db_result_t *res) {
  office_move_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[1]) != 1) {
    /* Its version or one of the two paths changed since the read. */
    req_fail(req, ERR(ABORTED), "version_conflict", "the office or its new parent changed meanwhile; read it again");
    return;
  }
  reply_office(req, res->results[1], SIMPEG__V1__RESPONSE__RESULT_OFFICE_MOVE);
}

static void office_move_read(void *ud, const db_result_t *res) {
  office_move_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *o = res->results[0], *np = res->results[1];
  if (!office_visible(op->actor, o)) {
    fail_office_not_found(req, "code");
    return;
  }
  if (!office_visible(op->actor, np)) {
    fail_office_not_found(req, "new_parent_code");
    return;
  }
  const char *path = PQgetvalue(o, 0, SVC_OFFICE_PATH);
  const char *np_path = PQgetvalue(np, 0, SVC_OFFICE_PATH);
  /* Under itself or under one of its own descendants. */
  if (authz_path_within(np_path, path)) {
    req_fail_field(req, "new_parent_code", "would_create_cycle");
    return;
  }
  Simpeg__V1__OfficeKind kind = (Simpeg__V1__OfficeKind)svc_col_i64(o, 0, SVC_OFFICE_KIND);
  Simpeg__V1__OfficeKind np_kind = (Simpeg__V1__OfficeKind)svc_col_i64(np, 0, SVC_OFFICE_KIND);
  if (!kind_fits(kind, np_kind)) {
    req_fail_field(req, "new_parent_code", "kind_not_allowed_under_parent");
    return;
  }
  int64_t version = svc_col_i64(o, 0, SVC_OFFICE_VERSION);
  if (version != op->m->version) {
    svc_fail_version(req, "office", version);
    return;
  }
  if (strcmp(PQgetvalue(o, 0, SVC_OFFICE_PARENT_CODE), PQgetvalue(np, 0, SVC_OFFICE_CODE)) == 0) {
    reply_office(req, o, SIMPEG__V1__RESPONSE__RESULT_OFFICE_MOVE); /* already there: nothing to write */
    return;
  }

  const char *v[9];
  svc_actor_params(op->actor, v);
  v[4] = svc_col_str(req, o, 0, SVC_OFFICE_ID);
  v[5] = svc_i64(req, version);
  v[6] = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  v[7] = svc_col_str(req, np, 0, SVC_OFFICE_ID);
  v[8] = svc_col_str(req, np, 0, SVC_OFFICE_PATH);
  if (!v[4] || !v[6] || !v[7] || !v[8]) {
    svc_fail_nomem(req);
    return;
  }
  db_query_t q[2] = {{.stmt = DB_STMT_OFFICE_TREE_LOCK, .nparams = 0},
                     {.stmt = DB_STMT_OFFICE_MOVE, .nparams = 9, .values = v}};
  svc_submit(req, q, 2, 0, office_move_written, op);
}

void svc_office_move(srv_req_t *req) {
  const Simpeg__V1__OfficeMove *m = req->msg->office_move;
  const char *why;
  if ((why = code_problem(m->code))) {
    req_fail_field(req, "code", why);
    return;
  }
  if ((why = code_problem(m->new_parent_code))) {
    req_fail_field(req, "new_parent_code", why);
    return;
  }
  if (m->version <= 0) {
    req_fail_field(req, "version", "required");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  office_move_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (office_move_op_t){.req = req, .actor = a, .m = m};
  db_query_t q[2] = {{.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->code}},
                     {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->new_parent_code}}};
  svc_submit(req, q, 2, DB_RETRY_SAFE, office_move_read, op);
}
