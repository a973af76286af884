/* svc_admin: helpers shared by the user, office and audit services; see
 * svc_admin.h. */
#include "svc_admin.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_reads.h"
#include "server.h"
#include "sp_log.h"
#include "svc_auth.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x

svc_actor_t *svc_actor_new(srv_req_t *req) {
  conn_t *c = req->conn;
  if (!c->session) {
    /* dispatch.c checked the session just before the handler ran */
    req_fail(req, ERR(UNAUTHENTICATED), "login_required", "sign in first");
    return NULL;
  }
  svc_actor_t *a = sp_arena_alloc(&req->arena, sizeof(*a));
  if (!a) {
    svc_fail_nomem(req);
    return NULL;
  }
  a->session = *c->session;
  snprintf(a->branch_path, sizeof(a->branch_path), "%s", c->branch_path);
  auth_client_ip(c, a->client_addr); /* the same form the auth service's audit rows use */
  snprintf(a->user_id, sizeof(a->user_id), "%" PRId64, a->session.user_id);
  return a;
}

bool svc_actor_in_scope(const svc_actor_t *a, const char *path) {
  return authz_in_scope(&a->session, a->branch_path, path);
}

bool svc_actor_sees_all(const svc_actor_t *a) {
  /* The root's path has exactly one code: "/ID/". */
  const char *p = a->session.office_path;
  return p[0] == '/' && strchr(p + 1, '/') == p + strlen(p) - 1 && !a->branch_path[0];
}

void svc_actor_params(const svc_actor_t *a, const char **values) {
  values[0] = a->user_id;
  values[1] = a->session.username;
  values[2] = a->session.office_code;
  values[3] = a->client_addr;
}

void svc_reply_budget(srv_req_t *req) {
  /* A reply must fit in one frame; its decoded form takes a few times the
   * packed size (pointers, NUL-terminated copies). */
  size_t want = req->arena.used + (size_t)req->srv->cfg.max_frame * 4;
  if (want > req->arena.budget) req->arena.budget = want;
}

void svc_fail_nomem(srv_req_t *req) {
  req_fail(req, ERR(RESOURCE_EXHAUSTED), "response_too_large", "the answer does not fit in memory for one request");
}

void svc_fail_field(srv_req_t *req, Simpeg__V1__ErrorCode code, const char *reason, const char *message,
                    const char *field, const char *field_reason) {
  Simpeg__V1__FieldViolation v = SIMPEG__V1__FIELD_VIOLATION__INIT;
  v.field = (char *)field;
  v.reason = (char *)field_reason;
  Simpeg__V1__FieldViolation *vp = &v;
  Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
  e.code = code;
  e.reason = (char *)reason;
  e.message = (char *)message;
  e.violations = &vp;
  e.n_violations = 1;
  Simpeg__V1__Response r = SIMPEG__V1__RESPONSE__INIT;
  r.error = &e;
  req_reply(req, &r);
}

/* Unique constraints whose violation the client can act on, by the names
 * PostgreSQL gives them (table_column_key). */
static const struct {
  const char *constraint;
  const char *field;
  const char *reason;
} unique_keys[] = {
    {"users_username_key", "username", "username_taken"},
    {"users_nip_key", "nip", "nip_taken"},
    {"offices_code_key", "code", "office_code_taken"},
    {"offices_path_key", "code", "office_code_taken"},
    /* registry (svc_employee.c) */
    {"employees_nip_key", "nip", "nip_taken"},
};

bool svc_fail_violations(srv_req_t *req, const emp_viol_t *vs) {
  if (vs->n == 0) return false;
  Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
  e.code = ERR(INVALID_ARGUMENT);
  e.reason = "invalid_field";
  e.message = vs->n == 1 ? "a field of the request is invalid" : "fields of the request are invalid";
  e.violations = (Simpeg__V1__FieldViolation **)vs->ptrs;
  e.n_violations = vs->n;
  Simpeg__V1__Response r = SIMPEG__V1__RESPONSE__INIT;
  r.error = &e;
  req_reply(req, &r);
  return true;
}

void svc_fail_db(srv_req_t *req, const db_result_t *r) {
  const char *method = req->method ? req->method->name : "-";
  const char *state = r->sqlstate ? r->sqlstate : "";
  /* The primary message and constraint name carry no row values (the
   * DETAIL line would, e.g. a NIP): log those only. */
  const char *text = r->error ? PQresultErrorField(r->error, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *constraint = r->error ? PQresultErrorField(r->error, PG_DIAG_CONSTRAINT_NAME) : NULL;
  if (!text) text = r->message ? r->message : "";
  switch (r->status) {
    case DB_UNAVAILABLE:
      sp_log_warning("req=%llu method=%s database unavailable: %s", (unsigned long long)req->id, method, text);
      req_fail(req, ERR(UNAVAILABLE), "database_unavailable", "the database is not reachable");
      return;
    case DB_TIMEOUT:
      sp_log_warning("req=%llu method=%s database timeout: %s", (unsigned long long)req->id, method, text);
      req_fail(req, ERR(DEADLINE_EXCEEDED), "database_timeout", "the database did not answer in time");
      return;
    case DB_BUSY:
      req_fail(req, ERR(RESOURCE_EXHAUSTED), "database_busy", "too many requests wait for the database");
      return;
    default: break;
  }
  /* Rule violations raised by the service functions of the database
   * (sp_fail in 0006_requests.sql): MESSAGE is the reason code, DETAIL the
   * field. Both are fixed words written by us, safe to pass on. */
  if (state[0] == 'S' && state[1] == 'P') {
    static const struct {
      const char *state;
      Simpeg__V1__ErrorCode code;
    } sp_codes[] = {
        {"SP400", ERR(INVALID_ARGUMENT)}, {"SP403", ERR(PERMISSION_DENIED)}, {"SP404", ERR(NOT_FOUND)},
        {"SP409", ERR(ABORTED)},          {"SP412", ERR(FAILED_PRECONDITION)},
    };
    const char *field = r->error ? PQresultErrorField(r->error, PG_DIAG_MESSAGE_DETAIL) : NULL;
    for (size_t i = 0; i < sizeof(sp_codes) / sizeof(sp_codes[0]); i++) {
      if (strcmp(state, sp_codes[i].state) != 0) continue;
      if (field && *field)
        svc_fail_field(req, sp_codes[i].code, text, text, field, text);
      else
        req_fail(req, sp_codes[i].code, text, text);
      return;
    }
  }
  if (strcmp(state, "23505") == 0) {
    for (size_t i = 0; constraint && i < sizeof(unique_keys) / sizeof(unique_keys[0]); i++) {
      if (strcmp(constraint, unique_keys[i].constraint) == 0) {
        svc_fail_field(req, ERR(ALREADY_EXISTS), unique_keys[i].reason, "it already exists", unique_keys[i].field,
                       "duplicate");
        return;
      }
    }
    sp_log_notice("req=%llu method=%s unique violation %s", (unsigned long long)req->id, method,
                  constraint ? constraint : "?");
    req_fail(req, ERR(ALREADY_EXISTS), "already_exists", "it already exists");
    return;
  }
  if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 || strcmp(state, "22P02") == 0 ||
      strcmp(state, "22007") == 0 || strcmp(state, "22008") == 0) {
    /* The handlers validate first; reaching a CHECK means a rule the
     * handler does not know about yet. Worth a log line. */
    sp_log_notice("req=%llu method=%s refused by the database (%s %s): %s", (unsigned long long)req->id, method,
                  state, constraint ? constraint : "", text);
    req_fail(req, ERR(INVALID_ARGUMENT), "check_violation", "the database refused a value");
    return;
  }
  if (strcmp(state, "23503") == 0) {
    sp_log_notice("req=%llu method=%s foreign key %s: %s", (unsigned long long)req->id, method,
                  constraint ? constraint : "", text);
    req_fail(req, ERR(FAILED_PRECONDITION), "referenced_row_missing", "something it refers to does not exist");
    return;
  }
  if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
    req_fail(req, ERR(ABORTED), "concurrent_change", "a concurrent change got in the way; try again");
    return;
  }
  sp_log_error("req=%llu method=%s database error %s: %s", (unsigned long long)req->id, method, state, text);
  req_fail(req, ERR(INTERNAL), "internal", "internal error");
}

void svc_fail_version(srv_req_t *req, const char *what, int64_t current) {
  char msg[128];
  snprintf(msg, sizeof(msg), "the %s was changed by someone else (now version %" PRId64 "); read it again", what,
           current);
  req_fail(req, ERR(ABORTED), "version_conflict", msg);
}

typedef struct audited_reply {
  srv_req_t *req;
  Simpeg__V1__Response resp;
} audited_reply_t;

static void audited_reply_send(void *ud, const db_result_t *res) {
  audited_reply_t *x = ud;
  if (res->status != DB_OK) {
    svc_fail_db(x->req, res);
    return;
  }
  req_reply(x->req, &x->resp);
}

void svc_reply_audited(srv_req_t *req, const svc_actor_t *a, const char *entity, const char *entity_id,
                       const char *after, const Simpeg__V1__Response *resp) {
  audited_reply_t *x = sp_arena_alloc(&req->arena, sizeof(*x));
  if (!x) {
    svc_fail_nomem(req);
    return;
  }
  x->req = req;
  x->resp = *resp;
  const char *row[AUDIT_READ__COUNT] = {
      [AUDIT_READ_ACTOR_ID] = a->user_id,
      [AUDIT_READ_ACTOR] = a->session.username,
      [AUDIT_READ_ACTOR_OFFICE] = a->session.office_code,
      [AUDIT_READ_CLIENT_ADDR] = a->client_addr,
      [AUDIT_READ_METHOD] = req->method ? req->method->name : "-",
      [AUDIT_READ_ENTITY] = entity,
      [AUDIT_READ_ENTITY_ID] = entity_id,
      [AUDIT_READ_AFTER] = after,
  };
  audit_reads_add(req->srv->audit_reads, row, audited_reply_send, x);
}

void svc_submit(srv_req_t *req, const db_query_t *q, int n, unsigned flags, db_cb cb, void *ud) {
  if (db_submit(req->srv->db, q, n, flags, cb, ud) != 0) {
    db_result_t none = {.status = DB_UNAVAILABLE, .message = "database pool closed", .failed_stmt = -1};
    cb(ud, &none);
  }
}

size_t svc_utf8_len(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

const char *svc_today(srv_req_t *req) {
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  const char *s = sp_arena_printf(&req->arena, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return s ? s : "1970-01-01";
}

const char *svc_i64(srv_req_t *req, int64_t v) {
  const char *s = sp_arena_printf(&req->arena, "%" PRId64, v);
  return s ? s : "0";
}

char *svc_col_str(srv_req_t *req, const PGresult *r, int row, int col) {
  return sp_arena_strdup(&req->arena, PQgetvalue(r, row, col));
}

int64_t svc_col_i64(const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool svc_col_bool(const PGresult *r, int row, int col) {
  return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* "/ID/12/12.75/" -> {"ID", "12", "12.75"} */
static bool split_path(srv_req_t *req, const char *path, char ***out, size_t *n) {
  size_t count = 0;
  for (const char *p = path; *p; p++) count += *p == '/';
  count = count ? count - 1 : 0;
  char **v = sp_arena_alloc(&req->arena, (count ? count : 1) * sizeof(*v));
  char *copy = sp_arena_strdup(&req->arena, path);
  if (!v || !copy) return false;
  size_t i = 0;
  for (char *save = NULL, *tok = strtok_r(copy, "/", &save); tok && i < count; tok = strtok_r(NULL, "/", &save))
    v[i++] = tok;
  *out = v;
  *n = i;
  return true;
}

Simpeg__V1__Office *svc_office_from_row(srv_req_t *req, const PGresult *r, int row) {
  Simpeg__V1__Office *o = sp_arena_alloc(&req->arena, sizeof(*o));
  if (!o) return NULL;
  simpeg__v1__office__init(o);
  o->code = svc_col_str(req, r, row, SVC_OFFICE_CODE);
  o->name = svc_col_str(req, r, row, SVC_OFFICE_NAME);
  o->kind = (Simpeg__V1__OfficeKind)svc_col_i64(r, row, SVC_OFFICE_KIND);
  o->parent_code = svc_col_str(req, r, row, SVC_OFFICE_PARENT_CODE);
  o->valid_from = svc_col_str(req, r, row, SVC_OFFICE_VALID_FROM);
  o->valid_to = svc_col_str(req, r, row, SVC_OFFICE_VALID_TO);
  o->version = svc_col_i64(r, row, SVC_OFFICE_VERSION);
  if (!o->code || !o->name || !o->parent_code || !o->valid_from || !o->valid_to) return NULL;
  if (!split_path(req, PQgetvalue(r, row, SVC_OFFICE_PATH), &o->path, &o->n_path)) return NULL;
  return o;
}

Simpeg__V1__User *svc_user_from_row(srv_req_t *req, const PGresult *r, int row) {
  Simpeg__V1__User *u = sp_arena_alloc(&req->arena, sizeof(*u));
  if (!u) return NULL;
  simpeg__v1__user__init(u);
  u->username = svc_col_str(req, r, row, SVC_USER_USERNAME);
  u->full_name = svc_col_str(req, r, row, SVC_USER_FULL_NAME);
  u->role = (Simpeg__V1__Role)svc_col_i64(r, row, SVC_USER_ROLE);
  u->office_code = svc_col_str(req, r, row, SVC_USER_OFFICE_CODE);
  u->nip = svc_col_str(req, r, row, SVC_USER_NIP);
  u->disabled = svc_col_bool(r, row, SVC_USER_DISABLED);
  u->created_at_us = (uint64_t)svc_col_i64(r, row, SVC_USER_CREATED_US);
  u->last_login_at_us = (uint64_t)svc_col_i64(r, row, SVC_USER_LAST_LOGIN_US);
  u->version = svc_col_i64(r, row, SVC_USER_VERSION);
  if (!u->username || !u->full_name || !u->office_code || !u->nip) return NULL;
  return u;
}
