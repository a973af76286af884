/* svc_user: account administration: UserAdd, UserList, UserShow,
 * UserSetDisabled, UserSetRole and UserResetPassword.
 *
 * Visibility: an account exists for the caller only when its office lies in
 * the caller's scope (and the branch's); otherwise the answer is NOT_FOUND,
 * exactly as for a name nobody has, so nobody learns who works elsewhere.
 *
 * Managing an account needs two things besides PERM_USER_MANAGE: the
 * caller may grant the account's current role (a regional admin cannot
 * touch a system admin, even one placed in its region) and, for a role
 * change, the new role as well (authz_may_grant). Nobody manages their own
 * account here: disabling oneself or changing one's own role could lock the
 * last administrator out, and one's own password has ChangePassword, which
 * asks for the old one.
 *
 * Passwords are hashed in the thread pool (kdf_hash_async), never on the
 * loop. Every change revokes what it must (disable, role change, password
 * reset end all sessions of the account, in the database in the same
 * statement and in this daemon's cache right after) and writes its audit
 * row, without the password hash, in the same statement. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "kdf.h"
#include "sp_log.h"
#include "sp_valid.h"
#include "svc_admin.h"
#include "svc_auth.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define ROLE(x) SIMPEG__V1__ROLE__ROLE_##x

#define USERNAME_MAX 63
#define FULL_NAME_MAX_CHARS 200
#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* The rule itself is auth_username_valid (one rule for sign-in, bootstrap
 * and administration); this adds the reason a client can word. */
static const char *username_problem(const char *u) {
  if (!*u) return "required";
  if (strlen(u) > USERNAME_MAX) return "too_long";
  if (strlen(u) < 2) return "too_short";
  return auth_username_valid(u) ? NULL : "invalid_format";
}

static const char *full_name_problem(const char *s) {
  if (!*s) return "required";
  if (svc_utf8_len(s) > FULL_NAME_MAX_CHARS) return "too_long";
  /* Control characters in a name only ever serve to mess up a terminal or
   * a report. */
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f) return "invalid_format";
  return NULL;
}

static const char *role_problem(Simpeg__V1__Role role) {
  if (role == ROLE(UNSPECIFIED)) return "required";
  if (role < ROLE(EMPLOYEE) || role > ROLE(AUDITOR)) return "out_of_range";
  return NULL;
}

static void fail_user_not_found(srv_req_t *req) {
  svc_fail_field(req, ERR(NOT_FOUND), "user_not_found", "no such user in your scope", "username", "not_found");
}

static void fail_office_not_found(srv_req_t *req) {
  svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", "office_code", "not_found");
}

/* The single row of a lookup, if it exists and its office is in scope. */
static bool row_visible(const svc_actor_t *a, const PGresult *r, int path_col) {
  return PQntuples(r) == 1 && svc_actor_in_scope(a, PQgetvalue(r, 0, path_col));
}

/* The checks every change to an existing account makes, in an order that
 * reveals nothing: not in scope -> NOT_FOUND before anything else. */
static bool may_manage(srv_req_t *req, const svc_actor_t *a, const PGresult *u) {
  if (!row_visible(a, u, SVC_USER_OFFICE_PATH)) {
    fail_user_not_found(req);
    return false;
  }
  Simpeg__V1__Role role = (Simpeg__V1__Role)svc_col_i64(u, 0, SVC_USER_ROLE);
  if (!authz_may_grant(a->session.role, role)) {
    req_fail(req, ERR(PERMISSION_DENIED), "cannot_manage_role", "your role cannot manage an account with this role");
    return false;
  }
  return true;
}

static bool is_self(const svc_actor_t *a, const PGresult *u) {
  return svc_col_i64(u, 0, SVC_USER_ID) == a->session.user_id;
}

/* UserShow, UserSetDisabled and UserSetRole answer with a UserReply. */
static void reply_user(srv_req_t *req, const PGresult *r, int result_case) {
  svc_reply_budget(req);
  Simpeg__V1__UserReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__user_reply__init(rep);
  if (!(rep->user = svc_user_from_row(req, r, 0))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = result_case;
  switch (result_case) {
    case SIMPEG__V1__RESPONSE__RESULT_USER_SHOW: resp.user_show = rep; break;
    case SIMPEG__V1__RESPONSE__RESULT_USER_SET_DISABLED: resp.user_set_disabled = rep; break;
    default: resp.user_set_role = rep; break;
  }
  req_reply(req, &resp);
}

/* A password to hash: the one given, or a generated one that the reply
 * shows once. false (and the request answered) when the system's random
 * generator failed. */
static bool choose_password(srv_req_t *req, const char *given, char generated[21], const char **out) {
  if (*given) {
    *out = given;
    return true;
  }
  kdf_generate_password(generated);
  if (!generated[0]) {
    req_fail(req, ERR(INTERNAL), "internal", "internal error");
    return false;
  }
  *out = generated;
  return true;
}

/* Starts hashing; false (and the request answered) when the hashing queue
 * is full. The request's copy of a given password is wiped once the KDF
 * job holds its own. */
static bool start_hash(srv_req_t *req, const char *password, char *wipe, kdf_hash_cb cb, void *op) {
  int rc = kdf_hash_async(req->srv->loop, password, cb, op);
  if (wipe) OPENSSL_cleanse(wipe, strlen(wipe));
  if (rc != 0) {
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "busy", "the server is busy; try again shortly");
    return false;
  }
  return true;
}

/* ---- UserAdd ---- */

typedef struct user_add_op {
  srv_req_t *req;
  svc_actor_t *actor;
  Simpeg__V1__UserAdd *m;
  const char *office_path;
  char generated[21];
} user_add_op_t;

static void user_add_written(void *ud, const db_result_t *res) {
  user_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    req_fail(req, ERR(ABORTED), "concurrent_change", "the office moved meanwhile; try again");
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__UserAddReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__user_add_reply__init(rep);
  if (!(rep->user = svc_user_from_row(req, res->results[0], 0))) {
    svc_fail_nomem(req);
    return;
  }
  rep->generated_password = op->generated;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_USER_ADD;
  resp.user_add = rep;
  req_reply(req, &resp);
}

static void user_add_hashed(void *ud, int status, const char *encoded) {
  user_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (status != 0) {
    sp_log_error("req=%llu UserAdd: password hashing failed (%d)", (unsigned long long)req->id, status);
    req_fail(req, ERR(INTERNAL), "internal", "internal error");
    return;
  }
  const char *v[11];
  svc_actor_params(op->actor, v);
  v[4] = op->m->office_code;
  v[5] = op->office_path;
  v[6] = op->m->username;
  v[7] = op->m->full_name;
  v[8] = svc_i64(req, op->m->role);
  v[9] = *op->m->nip ? op->m->nip : NULL;
  v[10] = encoded;
  db_query_t q = {.stmt = DB_STMT_USER_ADD, .nparams = 11, .values = v};
  svc_submit(req, &q, 1, 0, user_add_written, op);
}

static void user_add_read(void *ud, const db_result_t *res) {
  user_add_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (!row_visible(op->actor, res->results[0], SVC_OFFICE_PATH)) {
    fail_office_not_found(req);
    return;
  }
  if (PQntuples(res->results[1]) > 0) {
    /* Usernames are unique across all offices, so this tells the caller no
     * more than the insert would; checked first to spare the hashing. */
    svc_fail_field(req, ERR(ALREADY_EXISTS), "username_taken", "the username is taken", "username", "duplicate");
    return;
  }
  if (!(op->office_path = svc_col_str(req, res->results[0], 0, SVC_OFFICE_PATH))) {
    svc_fail_nomem(req);
    return;
  }
  const char *pw;
  if (!choose_password(req, op->m->password, op->generated, &pw)) return;
  start_hash(req, pw, *op->m->password ? op->m->password : NULL, user_add_hashed, op);
}

void svc_user_add(srv_req_t *req) {
  Simpeg__V1__UserAdd *m = req->msg->user_add;
  const char *why;
  if ((why = username_problem(m->username))) {
    req_fail_field(req, "username", why);
    return;
  }
  if ((why = full_name_problem(m->full_name))) {
    req_fail_field(req, "full_name", why);
    return;
  }
  if ((why = role_problem(m->role))) {
    req_fail_field(req, "role", why);
    return;
  }
  if (!*m->office_code) {
    req_fail_field(req, "office_code", "required");
    return;
  }
  if (*m->nip && !sp_valid_nip(m->nip)) {
    req_fail_field(req, "nip", "invalid_format");
    return;
  }
  if (*m->password && (why = auth_new_password_problem(m->password, m->username))) {
    req_fail_field(req, "password", why);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  if (!authz_may_grant(a->session.role, m->role)) {
    req_fail(req, ERR(PERMISSION_DENIED), "role_not_grantable", "your role cannot grant this role");
    return;
  }
  user_add_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (user_add_op_t){.req = req, .actor = a, .m = m};
  db_query_t q[2] = {{.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->office_code}},
                     {.stmt = DB_STMT_USER_GET, .nparams = 1, .values = (const char *[]){m->username}}};
  svc_submit(req, q, 2, DB_RETRY_SAFE, user_add_read, op);
}

/* ---- UserShow ---- */

static void user_show_read(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    fail_user_not_found(req);
    return;
  }
  reply_user(req, res->results[0], SIMPEG__V1__RESPONSE__RESULT_USER_SHOW);
}

void svc_user_show(srv_req_t *req) {
  const Simpeg__V1__UserShow *m = req->msg->user_show;
  const char *why;
  if ((why = username_problem(m->username))) {
    req_fail_field(req, "username", why);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  /* Scope is applied in the statement, which also writes the audit row of
   * the read: the row comes back only if the read was recorded. */
  const char *v[7];
  svc_actor_params(a, v);
  v[4] = m->username;
  v[5] = a->session.office_path;
  v[6] = a->branch_path;
  db_query_t q = {.stmt = DB_STMT_USER_SHOW, .nparams = 7, .values = v};
  svc_submit(req, &q, 1, 0, user_show_read, req);
}

/* ---- UserList ---- */

typedef struct user_list_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__UserList *m;
  uint32_t limit;
} user_list_op_t;

static void user_list_read(void *ud, const db_result_t *res) {
  user_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int rows = PQntuples(r);
  int n = rows > (int)op->limit ? (int)op->limit : rows;
  svc_reply_budget(req);
  Simpeg__V1__UserListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__User **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__user_list_reply__init(rep);
  for (int i = 0; i < n; i++) {
    if (!(v[i] = svc_user_from_row(req, r, i))) {
      svc_fail_nomem(req);
      return;
    }
  }
  rep->users = v;
  rep->n_users = (size_t)n;
  /* One row more than the page was read: it tells that another page follows. */
  rep->next_after = rows > n ? v[n - 1]->username : "";
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_USER_LIST;
  resp.user_list = rep;
  req_reply(req, &resp);
}

static void user_list_run(user_list_op_t *op, const char *root_path, const char *root_code) {
  srv_req_t *req = op->req;
  const char *v[12];
  svc_actor_params(op->actor, v);
  v[4] = root_path;
  v[5] = op->actor->session.office_path;
  v[6] = op->actor->branch_path;
  v[7] = svc_i64(req, op->m->role);
  v[8] = op->m->include_disabled ? "true" : "false";
  v[9] = op->m->after_username;
  v[10] = svc_i64(req, op->limit);
  v[11] = root_code;
  db_query_t q = {.stmt = DB_STMT_USER_LIST, .nparams = 12, .values = v};
  svc_submit(req, &q, 1, 0, user_list_read, op);
}

static void user_list_root_read(void *ud, const db_result_t *res) {
  user_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (!row_visible(op->actor, res->results[0], SVC_OFFICE_PATH)) {
    fail_office_not_found(req);
    return;
  }
  const char *root = svc_col_str(req, res->results[0], 0, SVC_OFFICE_PATH);
  if (!root) {
    svc_fail_nomem(req);
    return;
  }
  user_list_run(op, root, op->m->office_code);
}

void svc_user_list(srv_req_t *req) {
  const Simpeg__V1__UserList *m = req->msg->user_list;
  if (m->role != ROLE(UNSPECIFIED) && role_problem(m->role)) {
    req_fail_field(req, "role", "out_of_range");
    return;
  }
  if (strlen(m->after_username) > USERNAME_MAX) {
    req_fail_field(req, "after_username", "too_long");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  user_list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  uint32_t limit = m->limit ? m->limit : LIST_DEFAULT;
  *op = (user_list_op_t){.req = req, .actor = a, .m = m, .limit = limit > LIST_MAX ? LIST_MAX : limit};
  if (!*m->office_code) {
    user_list_run(op, a->session.office_path, a->session.office_code);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->office_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, user_list_root_read, op);
}

/* ---- UserSetDisabled ---- */

typedef struct user_change_op {
  srv_req_t *req;
  svc_actor_t *actor;
  int64_t user_id;
  const char *user_id_s;
  const char *version_s; /* the version read, which the write requires */
  char generated[21];    /* UserResetPassword */
} user_change_op_t;

static user_change_op_t *change_op_new(srv_req_t *req, svc_actor_t *a) {
  user_change_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return NULL;
  }
  *op = (user_change_op_t){.req = req, .actor = a};
  return op;
}

/* Remembers the account a lookup found, for the write. */
static bool change_op_target(user_change_op_t *op, const PGresult *u) {
  op->user_id = svc_col_i64(u, 0, SVC_USER_ID);
  op->user_id_s = svc_col_str(op->req, u, 0, SVC_USER_ID);
  op->version_s = svc_col_str(op->req, u, 0, SVC_USER_VERSION);
  if (op->user_id_s && op->version_s) return true;
  svc_fail_nomem(op->req);
  return false;
}

static void user_set_disabled_written(void *ud, const db_result_t *res) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  if (PQntuples(r) != 1) {
    req_fail(req, ERR(ABORTED), "version_conflict", "the account changed meanwhile; read it again");
    return;
  }
  if (svc_col_bool(r, 0, SVC_USER_DISABLED)) auth_revoke_user_sessions_local(req->srv, op->user_id);
  reply_user(req, r, SIMPEG__V1__RESPONSE__RESULT_USER_SET_DISABLED);
}

static void user_set_disabled_read(void *ud, const db_result_t *res) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  const Simpeg__V1__UserSetDisabled *m = req->msg->user_set_disabled;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *u = res->results[0];
  if (!may_manage(req, op->actor, u)) return;
  if (m->disabled && is_self(op->actor, u)) {
    req_fail(req, ERR(FAILED_PRECONDITION), "cannot_disable_self", "you cannot disable your own account");
    return;
  }
  int64_t version = svc_col_i64(u, 0, SVC_USER_VERSION);
  if (m->version && m->version != version) {
    svc_fail_version(req, "account", version);
    return;
  }
  if (svc_col_bool(u, 0, SVC_USER_DISABLED) == m->disabled) {
    reply_user(req, u, SIMPEG__V1__RESPONSE__RESULT_USER_SET_DISABLED); /* already so: nothing to write */
    return;
  }
  if (!change_op_target(op, u)) return;
  const char *v[7];
  svc_actor_params(op->actor, v);
  v[4] = op->user_id_s;
  v[5] = op->version_s;
  v[6] = m->disabled ? "true" : "false";
  db_query_t q = {.stmt = DB_STMT_USER_SET_DISABLED, .nparams = 7, .values = v};
  svc_submit(req, &q, 1, 0, user_set_disabled_written, op);
}

void svc_user_set_disabled(srv_req_t *req) {
  const Simpeg__V1__UserSetDisabled *m = req->msg->user_set_disabled;
  const char *why;
  if ((why = username_problem(m->username))) {
    req_fail_field(req, "username", why);
    return;
  }
  if (m->version < 0) {
    req_fail_field(req, "version", "out_of_range");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  user_change_op_t *op = change_op_new(req, a);
  if (!op) return;
  db_query_t q = {.stmt = DB_STMT_USER_GET, .nparams = 1, .values = (const char *[]){m->username}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, user_set_disabled_read, op);
}

/* ---- UserSetRole ---- */

static void user_set_role_written(void *ud, const db_result_t *res) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  if (PQntuples(r) != 1) {
    req_fail(req, ERR(ABORTED), "version_conflict", "the account or its office changed meanwhile; read it again");
    return;
  }
  auth_revoke_user_sessions_local(req->srv, op->user_id);
  reply_user(req, r, SIMPEG__V1__RESPONSE__RESULT_USER_SET_ROLE);
}

static void user_set_role_read(void *ud, const db_result_t *res) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  const Simpeg__V1__UserSetRole *m = req->msg->user_set_role;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *u = res->results[0];
  if (!may_manage(req, op->actor, u)) return;
  if (is_self(op->actor, u)) {
    req_fail(req, ERR(FAILED_PRECONDITION), "cannot_change_own_role", "you cannot change your own role or office");
    return;
  }
  if (!authz_may_grant(op->actor->session.role, m->role)) {
    req_fail(req, ERR(PERMISSION_DENIED), "role_not_grantable", "your role cannot grant this role");
    return;
  }
  const char *office_code, *office_path;
  if (*m->office_code) {
    const PGresult *o = res->results[1];
    if (!row_visible(op->actor, o, SVC_OFFICE_PATH)) {
      fail_office_not_found(req);
      return;
    }
    office_code = m->office_code;
    office_path = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  } else {
    office_code = svc_col_str(req, u, 0, SVC_USER_OFFICE_CODE);
    office_path = svc_col_str(req, u, 0, SVC_USER_OFFICE_PATH);
  }
  if (!office_code || !office_path) {
    svc_fail_nomem(req);
    return;
  }
  int64_t version = svc_col_i64(u, 0, SVC_USER_VERSION);
  if (m->version != version) {
    svc_fail_version(req, "account", version);
    return;
  }
  if (svc_col_i64(u, 0, SVC_USER_ROLE) == m->role && strcmp(office_code, PQgetvalue(u, 0, SVC_USER_OFFICE_CODE)) == 0) {
    reply_user(req, u, SIMPEG__V1__RESPONSE__RESULT_USER_SET_ROLE); /* nothing to change */
    return;
  }
  if (!change_op_target(op, u)) return;
  const char *v[9];
  svc_actor_params(op->actor, v);
  v[4] = op->user_id_s;
  v[5] = op->version_s;
  v[6] = svc_i64(req, m->role);
  v[7] = office_code;
  v[8] = office_path;
  db_query_t q = {.stmt = DB_STMT_USER_SET_ROLE, .nparams = 9, .values = v};
  svc_submit(req, &q, 1, 0, user_set_role_written, op);
}

void svc_user_set_role(srv_req_t *req) {
  const Simpeg__V1__UserSetRole *m = req->msg->user_set_role;
  const char *why;
  if ((why = username_problem(m->username))) {
    req_fail_field(req, "username", why);
    return;
  }
  if ((why = role_problem(m->role))) {
    req_fail_field(req, "role", why);
    return;
  }
  if (m->version <= 0) {
    req_fail_field(req, "version", "required");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  user_change_op_t *op = change_op_new(req, a);
  if (!op) return;
  db_query_t q[2] = {{.stmt = DB_STMT_USER_GET, .nparams = 1, .values = (const char *[]){m->username}},
                     {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->office_code}}};
  svc_submit(req, q, *m->office_code ? 2 : 1, DB_RETRY_SAFE, user_set_role_read, op);
}

/* ---- UserResetPassword ---- */

static void user_reset_password_written(void *ud, const db_result_t *res) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    req_fail(req, ERR(ABORTED), "version_conflict", "the account changed meanwhile; try again");
    return;
  }
  auth_revoke_user_sessions_local(req->srv, op->user_id);
  Simpeg__V1__UserResetPasswordReply rep = SIMPEG__V1__USER_RESET_PASSWORD_REPLY__INIT;
  rep.generated_password = op->generated;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_USER_RESET_PASSWORD;
  resp.user_reset_password = &rep;
  req_reply(req, &resp);
}

static void user_reset_password_hashed(void *ud, int status, const char *encoded) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  if (status != 0) {
    sp_log_error("req=%llu UserResetPassword: password hashing failed (%d)", (unsigned long long)req->id, status);
    req_fail(req, ERR(INTERNAL), "internal", "internal error");
    return;
  }
  const char *v[7];
  svc_actor_params(op->actor, v);
  v[4] = op->user_id_s;
  v[5] = op->version_s;
  v[6] = encoded;
  db_query_t q = {.stmt = DB_STMT_USER_SET_PASSWORD, .nparams = 7, .values = v};
  svc_submit(req, &q, 1, 0, user_reset_password_written, op);
}

static void user_reset_password_read(void *ud, const db_result_t *res) {
  user_change_op_t *op = ud;
  srv_req_t *req = op->req;
  Simpeg__V1__UserResetPassword *m = req->msg->user_reset_password;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *u = res->results[0];
  if (!may_manage(req, op->actor, u)) return;
  if (is_self(op->actor, u)) {
    req_fail(req, ERR(FAILED_PRECONDITION), "use_change_password",
             "change your own password with ChangePassword, which asks for the old one");
    return;
  }
  if (!change_op_target(op, u)) return;
  const char *pw;
  if (!choose_password(req, m->new_password, op->generated, &pw)) return;
  start_hash(req, pw, *m->new_password ? m->new_password : NULL, user_reset_password_hashed, op);
}

void svc_user_reset_password(srv_req_t *req) {
  Simpeg__V1__UserResetPassword *m = req->msg->user_reset_password;
  const char *why;
  if ((why = username_problem(m->username))) {
    req_fail_field(req, "username", why);
    return;
  }
  if (*m->new_password && (why = auth_new_password_problem(m->new_password, m->username))) {
    req_fail_field(req, "new_password", why);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  user_change_op_t *op = change_op_new(req, a);
  if (!op) return;
  db_query_t q = {.stmt = DB_STMT_USER_GET, .nparams = 1, .values = (const char *[]){m->username}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, user_reset_password_read, op);
}
