/* svc_auth: Login, Authenticate, Logout, WhoAmI, ChangePassword, the session
 * re-check and the branch lookup (contract in svc_auth.h; design in
 * docs/internals/auth.md).
 *
 * Secrets: passwords and tokens never reach a log line. A password arrives
 * in the decoded request (request arena); it is copied into the KDF job and
 * the request's copy is wiped once nothing needs it any more. A token is
 * made here, its hash goes to the database, the token itself only into the
 * reply, and the copies are wiped after the reply is packed. */
#include "svc_auth.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz.h"
#include "db.h"
#include "db_stmts.h"
#include "kdf.h"
#include "sp_log.h"
#include "sp_time.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define US_PER_S 1000000ull

/* Failures of one account name before its throttle starts; addresses have
 * their own, configurable count (auth.throttle_addr_failures). */
#define USER_FREE_FAILURES "3"
/* sessions.last_seen_at moves at most this often per connection, so a busy
 * client does not write on every request; far below any useful idle
 * timeout, so the idle measure loses at most a minute. */
#define TOUCH_INTERVAL_US (60 * US_PER_S)
#define USERNAME_MAX 63
#define TOKEN_LEN 43
/* auth_user_by_name: a user row, the office id, then the stored hash. */
#define COL_PASSWORD_HASH (AUTH_COL_OFFICE_ID + 1)

static const char audit_failure[] = "{\"result\":\"failure\"}";
static const char audit_outside_branch[] = "{\"result\":\"outside_branch\"}";

/* ---- shared rules ---- */

bool auth_username_valid(const char *u) {
  size_t n = strlen(u);
  if (n < 2 || n > USERNAME_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char ch = u[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-'))) return false;
  }
  return true;
}

const char *auth_new_password_problem(const char *password, const char *username) {
  if (!*password) return "required";
  if (strlen(password) > KDF_PASSWORD_MAX) return "too_long";
  if (svc_utf8_len(password) < AUTH_PASSWORD_MIN) return "too_short";
  if (username && strcasecmp(password, username) == 0) return "same_as_username";
  return NULL;
}

void auth_client_ip(const conn_t *c, char out[64]) {
  /* peer is "ip:port" (IPv6 without brackets): the port follows the last ':'. */
  snprintf(out, 64, "%s", c->peer);
  char *colon = strrchr(out, ':');
  if (colon) *colon = '\0';
}

/* ---- helpers ---- */

static void wipe(char *s) {
  if (s) OPENSSL_cleanse(s, strlen(s));
}

static void fail_bad_credentials(srv_req_t *req) {
  req_fail(req, ERR(UNAUTHENTICATED), "bad_credentials", "wrong username or password");
}

static void fail_session_invalid(srv_req_t *req) {
  req_fail(req, ERR(UNAUTHENTICATED), "session_invalid", "the session has ended; sign in again");
}

static void fail_outside_branch(srv_req_t *req) {
  req_fail(req, ERR(PERMISSION_DENIED), "outside_branch",
           "this machine serves one branch office; the account belongs elsewhere");
}

static void fail_busy(srv_req_t *req) {
  req_fail(req, ERR(UNAVAILABLE), "server_busy", "too many sign-ins at once; try again shortly");
}

/* A branch machine serves the accounts of its own subtree only. */
static bool branch_allows(const conn_t *c, const char *office_path) {
  return !c->branch_path[0] || authz_path_within(office_path, c->branch_path);
}

/* The session a connection caches, from a session row (AUTH_SESSION_COLS)
 * or, without the session columns, a user row with the office id next;
 * the caller fills what the row lacks. Heap: the connection owns it. */
static srv_session_t *session_from_row(const PGresult *r, int row, bool has_session_cols) {
  srv_session_t *s = sp_xcalloc(1, sizeof(*s));
  s->user_id = svc_col_i64(r, row, SVC_USER_ID);
  snprintf(s->username, sizeof(s->username), "%s", PQgetvalue(r, row, SVC_USER_USERNAME));
  s->role = (Simpeg__V1__Role)svc_col_i64(r, row, SVC_USER_ROLE);
  s->office_id = svc_col_i64(r, row, AUTH_COL_OFFICE_ID);
  snprintf(s->office_code, sizeof(s->office_code), "%s", PQgetvalue(r, row, SVC_USER_OFFICE_CODE));
  snprintf(s->office_path, sizeof(s->office_path), "%s", PQgetvalue(r, row, SVC_USER_OFFICE_PATH));
  if (has_session_cols) {
    s->session_id = svc_col_i64(r, row, AUTH_COL_SESSION_ID);
    s->expires_at_us = (uint64_t)svc_col_i64(r, row, AUTH_COL_EXPIRES_US);
    s->idle_timeout_us = (uint64_t)svc_col_i64(r, row, AUTH_COL_IDLE_S) * US_PER_S;
  }
  s->last_seen_us = s->checked_at_us = s->touched_at_us = sp_wall_us();
  return s;
}

/* Statement parameters, some binary (a token hash is bytea). */
typedef struct params {
  const char *v[12];
  int len[12];
  int fmt[12];
} params_t;

static db_query_t stmt(enum db_stmt_id id, int n, params_t *p) {
  return (db_query_t){.stmt = id, .nparams = n, .values = p->v, .lengths = p->len, .formats = p->fmt};
}

static void bytes_param(params_t *p, int i, const unsigned char *data, int len) {
  p->v[i] = (const char *)data;
  p->len[i] = len;
  p->fmt[i] = 1;
}

static const char *u64_text(srv_req_t *req, uint64_t v) { return svc_i64(req, (int64_t)v); }

/* Answers with `resp` carrying `token`, then wipes every copy of the token. */
static void reply_with_token(srv_req_t *req, Simpeg__V1__Response *resp, char *token) {
  char copy[TOKEN_LEN + 1];
  memcpy(copy, token, sizeof(copy));
  wipe(token);
  if (resp->result_case == SIMPEG__V1__RESPONSE__RESULT_LOGIN) resp->login->token = copy;
  else resp->change_password->token = copy;
  req_reply(req, resp); /* packs the frame now */
  OPENSSL_cleanse(copy, sizeof(copy));
}

/* ---- revocation on this daemon ---- */

void auth_revoke_user_sessions_local(srv_t *s, int64_t user_id) {
  int n = 0;
  for (conn_t *c = s->conns; c; c = c->next) {
    if (c->session && c->session->user_id == user_id) {
      conn_session_set(c, NULL);
      n++;
    }
  }
  if (n) sp_log_info("signed out %d connection(s) of user id %" PRId64, n, user_id);
}

void auth_revoke_session_local(srv_t *s, int64_t session_id) {
  for (conn_t *c = s->conns; c; c = c->next)
    if (c->session && c->session->session_id == session_id) conn_session_set(c, NULL);
}

/* ---- Login ----
 *
 * 1. one read batch: throttle rows of the name and the address, the account
 * 2. the KDF in the thread pool: the stored hash, or the dummy when there is
 *    no enabled account (same cost, same answer)
 * 3. one write batch: failure (both throttle keys + audit) or success
 *    (session, last login, throttle reset, re-hash, audit: one statement) */

typedef struct login {
  srv_req_t *req;
  char username[USERNAME_MAX + 1]; /* lower-cased: one account, one throttle key */
  char user_key[USERNAME_MAX + 8];
  char addr_key[72];
  Simpeg__V1__User *user; /* NULL: no enabled account of that name */
  char *password_hash;    /* as read and verified */
  char *office_path;
  srv_session_t *session; /* built from the row; owned until the connection takes it */
  char new_hash[KDF_ENCODED_MAX];
  char token[TOKEN_LEN + 1];
  unsigned char token_hash[32];
} login_t;

static void wipe_login_password(srv_req_t *req) { wipe(req->msg->login->password); }

static void login_done_with(login_t *lg) {
  free(lg->session);
  lg->session = NULL;
}

static void login_failure_written(void *ud, const db_result_t *r) {
  login_t *lg = ud;
  if (r->status != DB_OK)
    sp_log_warning("req=%llu could not record a failed login: %s", (unsigned long long)lg->req->id, r->message);
  login_done_with(lg);
  fail_bad_credentials(lg->req);
}

static void login_fail(login_t *lg) {
  srv_req_t *req = lg->req;
  conn_t *c = req->conn;
  const srv_config_t *cfg = &req->srv->cfg;
  sp_log_info("conn=%llu peer=%s login failed", (unsigned long long)c->id, c->peer);
  const char *base = u64_text(req, cfg->auth_throttle_base_ms);
  const char *user_fail[] = {lg->user_key, USER_FREE_FAILURES, base};
  const char *addr_fail[] = {lg->addr_key, u64_text(req, cfg->auth_throttle_addr_failures), base};
  const char *audit[] = {NULL, "", "", c->peer, "Login", "user", lg->username, audit_failure};
  db_query_t q[] = {
      {.stmt = DB_STMT_AUTH_THROTTLE_FAIL, .nparams = 3, .values = user_fail},
      {.stmt = DB_STMT_AUTH_THROTTLE_FAIL, .nparams = 3, .values = addr_fail},
      {.stmt = DB_STMT_AUTH_AUDIT, .nparams = 8, .values = audit},
  };
  svc_submit(req, q, 3, 0, login_failure_written, lg);
}

static void login_refusal_written(void *ud, const db_result_t *r) {
  login_t *lg = ud;
  if (r->status != DB_OK)
    sp_log_warning("req=%llu could not audit a refused login: %s", (unsigned long long)lg->req->id, r->message);
  login_done_with(lg);
  fail_outside_branch(lg->req);
}

static void login_committed(void *ud, const db_result_t *r) {
  login_t *lg = ud;
  srv_req_t *req = lg->req;
  conn_t *c = req->conn;
  if (r->status != DB_OK || PQntuples(r->results[0]) != 1) {
    wipe(lg->token);
    login_done_with(lg);
    if (r->status != DB_OK) svc_fail_db(req, r);
    else fail_bad_credentials(req); /* disabled or password changed since we read it */
    return;
  }
  srv_session_t *s = lg->session;
  lg->session = NULL;
  s->session_id = svc_col_i64(r->results[0], 0, 0);
  s->expires_at_us = (uint64_t)svc_col_i64(r->results[0], 0, 1);
  memcpy(s->token_hash, lg->token_hash, sizeof(s->token_hash));
  sp_log_info("conn=%llu peer=%s user id %" PRId64 " signed in, session %" PRId64, (unsigned long long)c->id,
              c->peer, s->user_id, s->session_id);
  Simpeg__V1__LoginReply lr = SIMPEG__V1__LOGIN_REPLY__INIT;
  lr.user = lg->user;
  lr.expires_at_us = s->expires_at_us;
  lr.idle_timeout_s = (uint32_t)(s->idle_timeout_us / US_PER_S);
  conn_session_set(c, s);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_LOGIN;
  resp.login = &lr;
  reply_with_token(req, &resp, lg->token);
}

static void login_commit(login_t *lg) {
  srv_req_t *req = lg->req;
  conn_t *c = req->conn;
  const srv_config_t *cfg = &req->srv->cfg;
  kdf_new_token(lg->token, lg->token_hash);
  if (!lg->token[0]) {
    login_done_with(lg);
    req_fail(req, ERR(INTERNAL), "internal", "no random numbers");
    return;
  }
  lg->session->idle_timeout_us = cfg->auth_session_idle_s * US_PER_S;
  params_t p;
  memset(&p, 0, sizeof(p));
  p.v[0] = svc_i64(req, lg->session->user_id);
  p.v[1] = lg->password_hash;
  bytes_param(&p, 2, lg->token_hash, 32);
  p.v[3] = u64_text(req, cfg->auth_session_lifetime_s);
  p.v[4] = u64_text(req, cfg->auth_session_idle_s);
  p.v[5] = c->peer;
  p.v[6] = lg->user_key;
  p.v[7] = lg->new_hash;
  db_query_t q = stmt(DB_STMT_AUTH_LOGIN, 8, &p);
  svc_submit(req, &q, 1, 0, login_committed, lg);
}

static void login_rehashed(void *ud, int status, const char *encoded) {
  login_t *lg = ud;
  /* A failed re-hash only means the old parameters stay for now. */
  if (status == 0) snprintf(lg->new_hash, sizeof(lg->new_hash), "%s", encoded);
  login_commit(lg);
}

static void login_verified(void *ud, int status) {
  login_t *lg = ud;
  srv_req_t *req = lg->req;
  if (status < 0 && lg->user)
    sp_log_error("user id %" PRId64 ": stored password hash unusable (%d); reset the password", lg->session->user_id,
                 status);
  if (status != 1 || !lg->user) {
    wipe_login_password(req);
    login_fail(lg);
    return;
  }
  if (!branch_allows(req->conn, lg->office_path)) {
    wipe_login_password(req);
    const char *audit[] = {NULL, "", "", req->conn->peer, "Login", "user", lg->username, audit_outside_branch};
    db_query_t q = {.stmt = DB_STMT_AUTH_AUDIT, .nparams = 8, .values = audit};
    svc_submit(req, &q, 1, 0, login_refusal_written, lg);
    return;
  }
  if (kdf_needs_rehash(lg->password_hash, &kdf_default_params) &&
      kdf_hash_async(req->srv->loop, req->msg->login->password, login_rehashed, lg) == 0) {
    wipe_login_password(req); /* the job has its own copy */
    return;
  }
  wipe_login_password(req);
  login_commit(lg);
}

static void login_looked_up(void *ud, const db_result_t *r) {
  login_t *lg = ud;
  srv_req_t *req = lg->req;
  if (r->status != DB_OK) {
    wipe_login_password(req);
    svc_fail_db(req, r);
    return;
  }
  if (svc_col_bool(r->results[0], 0, 0)) {
    wipe_login_password(req);
    sp_log_info("conn=%llu peer=%s login throttled", (unsigned long long)req->conn->id, req->conn->peer);
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "login_throttled", "too many failed sign-ins; wait and try again");
    return;
  }
  const PGresult *u = r->results[1];
  if (PQntuples(u) == 1 && !svc_col_bool(u, 0, SVC_USER_DISABLED)) {
    lg->user = svc_user_from_row(req, u, 0);
    lg->password_hash = svc_col_str(req, u, 0, COL_PASSWORD_HASH);
    lg->office_path = svc_col_str(req, u, 0, SVC_USER_OFFICE_PATH);
    if (!lg->user || !lg->password_hash || !lg->office_path) {
      wipe_login_password(req);
      svc_fail_nomem(req);
      return;
    }
    lg->session = session_from_row(u, 0, false);
  }
  int rc = kdf_verify_async(req->srv->loop, req->msg->login->password, lg->user ? lg->password_hash : NULL,
                            login_verified, lg);
  if (rc != 0) {
    wipe_login_password(req);
    login_done_with(lg);
    if (rc == -EAGAIN) fail_busy(req);
    else req_fail(req, ERR(INTERNAL), "internal", "password check failed to start");
  }
}

/* The first problem of a Login's fields as {field, reason}, or NULL. */
static const char *const *login_problem(const Simpeg__V1__Login *in) {
  static const char *const problems[][2] = {
      {"login.username", "required"},
      {"login.username", "too_long"},
      {"login.password", "required"},
      {"login.password", "too_long"},
  };
  if (!in->username[0]) return problems[0];
  if (strlen(in->username) > USERNAME_MAX) return problems[1];
  if (!in->password[0]) return problems[2];
  if (strlen(in->password) > KDF_PASSWORD_MAX) return problems[3];
  return NULL;
}

void svc_login(srv_req_t *req) {
  const Simpeg__V1__Login *in = req->msg->login;
  conn_t *c = req->conn;
  const char *const *problem = login_problem(in);
  if (problem) {
    wipe_login_password(req);
    req_fail_field(req, problem[0], problem[1]);
    return;
  }
  svc_reply_budget(req);
  login_t *lg = sp_arena_alloc(&req->arena, sizeof(*lg));
  if (!lg) {
    wipe_login_password(req);
    svc_fail_nomem(req);
    return;
  }
  memset(lg, 0, sizeof(*lg));
  lg->req = req;
  size_t n = strlen(in->username);
  for (size_t i = 0; i <= n; i++) {
    char ch = in->username[i];
    lg->username[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
  }
  char ip[64];
  auth_client_ip(c, ip);
  snprintf(lg->user_key, sizeof(lg->user_key), "user:%s", lg->username);
  snprintf(lg->addr_key, sizeof(lg->addr_key), "addr:%s", ip);
  const char *keys[] = {lg->user_key, lg->addr_key};
  const char *name[] = {lg->username};
  db_query_t q[] = {
      {.stmt = DB_STMT_AUTH_THROTTLE_CHECK, .nparams = 2, .values = keys},
      {.stmt = DB_STMT_AUTH_USER_BY_NAME, .nparams = 1, .values = name},
  };
  svc_submit(req, q, 2, DB_RETRY_SAFE, login_looked_up, lg);
}

/* ---- Authenticate ---- */

typedef struct bind {
  srv_req_t *req;
  unsigned char token_hash[32];
} bind_t;

static void authenticate_found(void *ud, const db_result_t *r) {
  bind_t *b = ud;
  srv_req_t *req = b->req;
  conn_t *c = req->conn;
  if (r->status != DB_OK) {
    svc_fail_db(req, r);
    return;
  }
  const PGresult *row = r->results[0];
  if (PQntuples(row) != 1) {
    fail_session_invalid(req);
    return;
  }
  if (!branch_allows(c, PQgetvalue(row, 0, SVC_USER_OFFICE_PATH))) {
    fail_outside_branch(req);
    return;
  }
  Simpeg__V1__AuthenticateReply ar = SIMPEG__V1__AUTHENTICATE_REPLY__INIT;
  ar.user = svc_user_from_row(req, row, 0);
  if (!ar.user) {
    svc_fail_nomem(req);
    return;
  }
  srv_session_t *s = session_from_row(row, 0, true);
  memcpy(s->token_hash, b->token_hash, sizeof(s->token_hash));
  ar.expires_at_us = s->expires_at_us;
  sp_log_info("conn=%llu peer=%s user id %" PRId64 " resumed session %" PRId64, (unsigned long long)c->id, c->peer,
              s->user_id, s->session_id);
  conn_session_set(c, s);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_AUTHENTICATE;
  resp.authenticate = &ar;
  req_reply(req, &resp);
}

void svc_authenticate(srv_req_t *req) {
  char *token = req->msg->authenticate->token;
  svc_reply_budget(req);
  bind_t *b = sp_arena_alloc(&req->arena, sizeof(*b));
  bool ok = b && kdf_token_hash(token, b->token_hash);
  wipe(token);
  if (!b) {
    svc_fail_nomem(req);
    return;
  }
  if (!ok) {
    fail_session_invalid(req);
    return;
  }
  b->req = req;
  params_t p;
  memset(&p, 0, sizeof(p));
  bytes_param(&p, 0, b->token_hash, 32);
  db_query_t q = stmt(DB_STMT_AUTH_SESSION_BY_TOKEN, 1, &p);
  svc_submit(req, &q, 1, 0, authenticate_found, b);
}

/* ---- re-check of a cached session ---- */

typedef struct recheck {
  srv_req_t *req;
  void (*cont)(srv_req_t *req);
  int64_t session_id;
  bool touch;
} recheck_t;

bool auth_session_stale(const conn_t *c) {
  const srv_session_t *s = c->session;
  if (!s || s->rechecking) return false;
  uint64_t now = sp_wall_us();
  /* A wall clock stepped back counts as stale too. */
  return now < s->checked_at_us || now - s->checked_at_us >= c->srv->cfg.auth_session_recheck_s * US_PER_S;
}

static void recheck_done(void *ud, const db_result_t *r) {
  recheck_t *rc = ud;
  srv_req_t *req = rc->req;
  conn_t *c = req->conn;
  srv_session_t *s = c->session;
  bool same = s && s->session_id == rc->session_id;
  if (same) s->rechecking = false;
  if (r->status != DB_OK) {
    svc_fail_db(req, r); /* the session stays: the database could not say */
    return;
  }
  if (!same) {
    /* Signed out or replaced meanwhile: dispatch looks at what is there now. */
    rc->cont(req);
    return;
  }
  const PGresult *row = r->results[0];
  if (PQntuples(row) != 1) {
    sp_log_info("conn=%llu session %" PRId64 " of user id %" PRId64 " has ended (revoked, expired or disabled)",
                (unsigned long long)c->id, s->session_id, s->user_id);
    auth_revoke_session_local(req->srv, rc->session_id);
    fail_session_invalid(req);
    return;
  }
  /* Role and office may have changed: take the database's. */
  s->role = (Simpeg__V1__Role)svc_col_i64(row, 0, SVC_USER_ROLE);
  s->office_id = svc_col_i64(row, 0, AUTH_COL_OFFICE_ID);
  snprintf(s->office_code, sizeof(s->office_code), "%s", PQgetvalue(row, 0, SVC_USER_OFFICE_CODE));
  snprintf(s->office_path, sizeof(s->office_path), "%s", PQgetvalue(row, 0, SVC_USER_OFFICE_PATH));
  s->expires_at_us = (uint64_t)svc_col_i64(row, 0, AUTH_COL_EXPIRES_US);
  s->checked_at_us = sp_wall_us();
  if (rc->touch) s->touched_at_us = s->checked_at_us;
  if (!branch_allows(c, s->office_path)) {
    conn_session_set(c, NULL);
    fail_outside_branch(req);
    return;
  }
  rc->cont(req);
}

void auth_session_recheck(srv_req_t *req, void (*cont)(srv_req_t *req)) {
  srv_session_t *s = req->conn->session;
  recheck_t *rc = sp_arena_alloc(&req->arena, sizeof(*rc));
  if (!rc) {
    svc_fail_nomem(req);
    return;
  }
  rc->req = req;
  rc->cont = cont;
  rc->session_id = s->session_id;
  uint64_t now = sp_wall_us();
  rc->touch = now < s->touched_at_us || now - s->touched_at_us >= TOUCH_INTERVAL_US;
  /* Requests arriving meanwhile go ahead on the cached state (confirmed
   * one interval ago) rather than each sending its own check. */
  s->rechecking = true;
  const char *v[] = {svc_i64(req, s->session_id)};
  db_query_t q = {
      .stmt = rc->touch ? DB_STMT_AUTH_SESSION_TOUCH : DB_STMT_AUTH_SESSION_CHECK, .nparams = 1, .values = v};
  svc_submit(req, &q, 1, rc->touch ? 0 : DB_RETRY_SAFE, recheck_done, rc);
}

/* ---- branch machines (mutual TLS) ---- */

typedef struct branch {
  srv_req_t *req;
  void (*done)(srv_req_t *req);
  char cn[64];
} branch_t;

static void refuse_branch(srv_req_t *req, const char *cn) {
  conn_t *c = req->conn;
  sp_log_notice("conn=%llu peer=%s refused: client certificate CN \"%.63s\" names no valid office",
                (unsigned long long)c->id, c->peer, cn);
  req_fail(req, ERR(PERMISSION_DENIED), "unknown_branch", "the client certificate names no known office");
  conn_close(c, "unknown branch", true); /* the socket's reference keeps c alive here */
}

static void branch_found(void *ud, const db_result_t *r) {
  branch_t *b = ud;
  srv_req_t *req = b->req;
  if (r->status != DB_OK) {
    svc_fail_db(req, r);
    return;
  }
  if (PQntuples(r->results[0]) != 1) {
    refuse_branch(req, b->cn);
    return;
  }
  conn_t *c = req->conn;
  snprintf(c->branch_path, sizeof(c->branch_path), "%s", PQgetvalue(r->results[0], 0, 0));
  sp_log_debug("conn=%llu branch %s (%s)", (unsigned long long)c->id, b->cn, c->branch_path);
  b->done(req);
}

void auth_branch_lookup(srv_req_t *req, void (*done)(srv_req_t *req)) {
  branch_t *b = sp_arena_alloc(&req->arena, sizeof(*b));
  if (!b) {
    svc_fail_nomem(req);
    return;
  }
  b->req = req;
  b->done = done;
  if (!sp_tls_peer_common_name(req->conn->tls, b->cn, sizeof(b->cn))) {
    refuse_branch(req, "");
    return;
  }
  const char *v[] = {b->cn};
  db_query_t q = {.stmt = DB_STMT_AUTH_BRANCH_OFFICE, .nparams = 1, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, branch_found, b);
}

/* ---- signed-in methods ---- */

typedef struct op {
  srv_req_t *req;
  svc_actor_t *a;
  char user_key[USERNAME_MAX + 8];
  char addr_key[72];
  char *old_hash;
  char new_hash[KDF_ENCODED_MAX];
  char token[TOKEN_LEN + 1];
  unsigned char token_hash[32];
} op_t;

/* NULL when the request has been answered. */
static op_t *op_new(srv_req_t *req) {
  svc_reply_budget(req);
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return NULL;
  op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return NULL;
  }
  memset(op, 0, sizeof(*op));
  op->req = req;
  op->a = a;
  char ip[64];
  auth_client_ip(req->conn, ip);
  snprintf(op->user_key, sizeof(op->user_key), "user:%s", a->session.username);
  snprintf(op->addr_key, sizeof(op->addr_key), "addr:%s", ip);
  return op;
}

static void logout_done(void *ud, const db_result_t *r) {
  op_t *op = ud;
  srv_req_t *req = op->req;
  if (r->status != DB_OK) {
    svc_fail_db(req, r); /* still signed in: the client may try again */
    return;
  }
  auth_revoke_session_local(req->srv, op->a->session.session_id);
  sp_log_info("conn=%llu user id %" PRId64 " signed out, session %" PRId64, (unsigned long long)req->conn->id,
              op->a->session.user_id, op->a->session.session_id);
  Simpeg__V1__LogoutReply lr = SIMPEG__V1__LOGOUT_REPLY__INIT;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_LOGOUT;
  resp.logout = &lr;
  req_reply(req, &resp);
}

void svc_logout(srv_req_t *req) {
  op_t *op = op_new(req);
  if (!op) return;
  const char *v[5];
  svc_actor_params(op->a, v);
  v[4] = svc_i64(req, op->a->session.session_id);
  db_query_t q = {.stmt = DB_STMT_AUTH_LOGOUT, .nparams = 5, .values = v};
  svc_submit(req, &q, 1, 0, logout_done, op);
}

/* "/ID/12/12.75/" -> "12.75"; "" -> "" */
static char *last_code(srv_req_t *req, const char *path) {
  size_t n = strlen(path);
  if (n < 2) return "";
  size_t start = n - 1;
  while (start > 0 && path[start - 1] != '/') start--;
  char *code = sp_arena_strdup(&req->arena, path + start);
  if (code) code[n - 1 - start] = '\0';
  return code;
}

static void whoami_found(void *ud, const db_result_t *r) {
  op_t *op = ud;
  srv_req_t *req = op->req;
  if (r->status != DB_OK) {
    svc_fail_db(req, r);
    return;
  }
  const PGresult *row = r->results[0];
  if (PQntuples(row) != 1) {
    fail_session_invalid(req);
    return;
  }
  Simpeg__V1__WhoAmIReply w = SIMPEG__V1__WHO_AM_IREPLY__INIT;
  w.user = svc_user_from_row(req, row, 0);
  w.office_name = svc_col_str(req, row, 0, SVC_USER__COLS);
  w.branch_office_code = last_code(req, op->a->branch_path);
  w.session_expires_at_us = op->a->session.expires_at_us;
  if (!w.user || !w.office_name || !w.branch_office_code) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_WHOAMI;
  resp.whoami = &w;
  req_reply(req, &resp);
}

void svc_whoami(srv_req_t *req) {
  op_t *op = op_new(req);
  if (!op) return;
  const char *v[] = {op->a->user_id};
  db_query_t q = {.stmt = DB_STMT_AUTH_WHOAMI, .nparams = 1, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, whoami_found, op);
}

/* ---- ChangePassword ----
 *
 * read (throttle, stored hash) -> verify the old password -> hash the new
 * one -> one statement: new hash, every session revoked, a new session for
 * this connection, throttle reset, audit. */

static void wipe_cp(srv_req_t *req) {
  wipe(req->msg->change_password->old_password);
  wipe(req->msg->change_password->new_password);
}

static void cp_committed(void *ud, const db_result_t *r) {
  op_t *op = ud;
  srv_req_t *req = op->req;
  conn_t *c = req->conn;
  if (r->status != DB_OK || PQntuples(r->results[0]) != 1) {
    wipe(op->token);
    if (r->status != DB_OK) svc_fail_db(req, r);
    else req_fail(req, ERR(ABORTED), "concurrent_change", "the account changed meanwhile; try again");
    return;
  }
  const PGresult *row = r->results[0];
  int64_t user_id = op->a->session.user_id;
  /* Every connection of this daemon that used one of the old sessions,
   * this one included, is signed out; this one gets the new session. */
  auth_revoke_user_sessions_local(req->srv, user_id);
  srv_session_t *s = sp_xmalloc(sizeof(*s));
  *s = op->a->session;
  s->session_id = svc_col_i64(row, 0, 0);
  s->expires_at_us = (uint64_t)svc_col_i64(row, 0, 1);
  s->idle_timeout_us = req->srv->cfg.auth_session_idle_s * US_PER_S;
  s->last_seen_us = s->checked_at_us = s->touched_at_us = sp_wall_us();
  s->rechecking = false;
  memcpy(s->token_hash, op->token_hash, sizeof(s->token_hash));
  sp_log_info("conn=%llu user id %" PRId64 " changed the password; %s session(s) revoked, new session %" PRId64,
              (unsigned long long)c->id, user_id, PQgetvalue(row, 0, 2), s->session_id);
  conn_session_set(c, s);
  Simpeg__V1__ChangePasswordReply cr = SIMPEG__V1__CHANGE_PASSWORD_REPLY__INIT;
  cr.expires_at_us = s->expires_at_us;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_CHANGE_PASSWORD;
  resp.change_password = &cr;
  reply_with_token(req, &resp, op->token);
}

static void cp_hashed(void *ud, int status, const char *encoded) {
  op_t *op = ud;
  srv_req_t *req = op->req;
  const srv_config_t *cfg = &req->srv->cfg;
  if (status != 0) {
    req_fail(req, ERR(INTERNAL), "internal", "hashing the new password failed");
    return;
  }
  snprintf(op->new_hash, sizeof(op->new_hash), "%s", encoded);
  kdf_new_token(op->token, op->token_hash);
  if (!op->token[0]) {
    req_fail(req, ERR(INTERNAL), "internal", "no random numbers");
    return;
  }
  params_t p;
  memset(&p, 0, sizeof(p));
  svc_actor_params(op->a, p.v);
  p.v[4] = op->new_hash;
  p.v[5] = op->old_hash;
  bytes_param(&p, 6, op->token_hash, 32);
  p.v[7] = u64_text(req, cfg->auth_session_lifetime_s);
  p.v[8] = u64_text(req, cfg->auth_session_idle_s);
  p.v[9] = op->user_key;
  db_query_t q = stmt(DB_STMT_AUTH_CHANGE_PASSWORD, 10, &p);
  svc_submit(req, &q, 1, 0, cp_committed, op);
}

static void cp_failure_written(void *ud, const db_result_t *r) {
  op_t *op = ud;
  if (r->status != DB_OK)
    sp_log_warning("req=%llu could not record a failed password change: %s", (unsigned long long)op->req->id,
                   r->message);
  req_fail_field(op->req, "change_password.old_password", "incorrect");
}

static void cp_verified(void *ud, int status) {
  op_t *op = ud;
  srv_req_t *req = op->req;
  if (status != 1) {
    wipe_cp(req);
    const srv_config_t *cfg = &req->srv->cfg;
    sp_log_info("conn=%llu user id %" PRId64 ": wrong current password", (unsigned long long)req->conn->id,
                op->a->session.user_id);
    const char *base = u64_text(req, cfg->auth_throttle_base_ms);
    const char *user_fail[] = {op->user_key, USER_FREE_FAILURES, base};
    const char *addr_fail[] = {op->addr_key, u64_text(req, cfg->auth_throttle_addr_failures), base};
    const char *audit[8];
    svc_actor_params(op->a, audit);
    audit[4] = "ChangePassword";
    audit[5] = "user";
    audit[6] = op->a->session.username;
    audit[7] = audit_failure;
    db_query_t q[] = {
        {.stmt = DB_STMT_AUTH_THROTTLE_FAIL, .nparams = 3, .values = user_fail},
        {.stmt = DB_STMT_AUTH_THROTTLE_FAIL, .nparams = 3, .values = addr_fail},
        {.stmt = DB_STMT_AUTH_AUDIT, .nparams = 8, .values = audit},
    };
    svc_submit(req, q, 3, 0, cp_failure_written, op);
    return;
  }
  int rc = kdf_hash_async(req->srv->loop, req->msg->change_password->new_password, cp_hashed, op);
  wipe_cp(req);
  if (rc == -EAGAIN) fail_busy(req);
  else if (rc != 0) req_fail(req, ERR(INTERNAL), "internal", "hashing the new password failed to start");
}

static void cp_looked_up(void *ud, const db_result_t *r) {
  op_t *op = ud;
  srv_req_t *req = op->req;
  if (r->status != DB_OK) {
    wipe_cp(req);
    svc_fail_db(req, r);
    return;
  }
  if (svc_col_bool(r->results[0], 0, 0)) {
    wipe_cp(req);
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "login_throttled", "too many failed attempts; wait and try again");
    return;
  }
  const PGresult *u = r->results[1];
  if (PQntuples(u) != 1 || svc_col_i64(u, 0, SVC_USER_ID) != op->a->session.user_id ||
      svc_col_bool(u, 0, SVC_USER_DISABLED)) {
    wipe_cp(req);
    fail_session_invalid(req);
    return;
  }
  op->old_hash = svc_col_str(req, u, 0, COL_PASSWORD_HASH);
  if (!op->old_hash) {
    wipe_cp(req);
    svc_fail_nomem(req);
    return;
  }
  int rc = kdf_verify_async(req->srv->loop, req->msg->change_password->old_password, op->old_hash, cp_verified, op);
  if (rc != 0) {
    wipe_cp(req);
    if (rc == -EAGAIN) fail_busy(req);
    else req_fail(req, ERR(INTERNAL), "internal", "password check failed to start");
  }
}

void svc_change_password(srv_req_t *req) {
  const Simpeg__V1__ChangePassword *in = req->msg->change_password;
  op_t *op = op_new(req);
  if (!op) {
    wipe_cp(req);
    return;
  }
  const char *field = "change_password.new_password";
  const char *problem = auth_new_password_problem(in->new_password, op->a->session.username);
  if (!in->old_password[0] || strlen(in->old_password) > KDF_PASSWORD_MAX) {
    field = "change_password.old_password";
    problem = in->old_password[0] ? "too_long" : "required";
  } else if (!problem && strcmp(in->old_password, in->new_password) == 0) {
    problem = "same_as_old";
  }
  if (problem) {
    wipe_cp(req);
    req_fail_field(req, field, problem);
    return;
  }
  const char *keys[] = {op->user_key, op->addr_key};
  const char *name[] = {op->a->session.username};
  db_query_t q[] = {
      {.stmt = DB_STMT_AUTH_THROTTLE_CHECK, .nparams = 2, .values = keys},
      {.stmt = DB_STMT_AUTH_USER_BY_NAME, .nparams = 1, .values = name},
  };
  svc_submit(req, q, 2, DB_RETRY_SAFE, cp_looked_up, op);
}
