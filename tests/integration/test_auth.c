/* Integration tests of signing in (issue #3, authentication): simpegd
 * bootstrap-admin; Login, Authenticate, Logout, WhoAmI and ChangePassword;
 * throttling; expired, revoked and forged tokens; revocation reaching other
 * connections and another daemon; a storm of logins while pings are served;
 * secrets kept out of the log; branch machines (mutual TLS).
 *
 * Three daemons share the test database: D (the main one), D2 (sessions
 * that live 3 s; the "other daemon" for revocation) and D3 (requires client
 * certificates). Fixtures (offices, accounts) go straight into the database
 * with libpq; account names carry the process id, so a rerun against the
 * same database starts clean. Every daemon logs at debug level, and the last
 * test reads the logs for every password and token used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "harness.h"
#include "kdf.h"
#include "sp_time.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x

static daemon_t D, D2, D3;
static PGconn *pg;
static char admin_name[64];
static const char admin_pw[] = "Bootstrap-Rahasia-2026";
static const char user_pw[] = "Kata-Sandi-Pegawai-7";

/* ---- fixtures ---- */

/* Every password and token the tests use: none may appear in a log. */
static char secrets[64][96];
static int nsecrets;

static void remember_secret(const char *s) {
  assert_true(nsecrets < 64);
  snprintf(secrets[nsecrets++], sizeof(secrets[0]), "%s", s);
}

static PGresult *sql(const char *text, int n, const char *const *values) {
  PGresult *r = PQexecParams(pg, text, n, NULL, values, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail_msg("fixture SQL failed: %s", PQresultErrorMessage(r));
  return r;
}

static void sql_do(const char *text, int n, const char *const *values) { PQclear(sql(text, n, values)); }

/* The value of the first column of the first row (static buffer). */
static const char *sql_value(const char *text, int n, const char *const *values) {
  static char out[512];
  PGresult *r = sql(text, n, values);
  snprintf(out, sizeof(out), "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
  PQclear(r);
  return out;
}

static void add_office(const char *code, const char *name, int kind, const char *parent) {
  char k[4];
  snprintf(k, sizeof(k), "%d", kind);
  const char *v[] = {code, name, k, parent};
  sql_do("INSERT INTO offices (code, name, kind, parent_id, path)"
         " SELECT $1, $2, $3::smallint, id, path || $1 || '/' FROM offices WHERE code = $4"
         " ON CONFLICT (code) DO NOTHING",
         4, v);
}

/* An account with `password` hashed with `params`; username "<prefix>-<pid>". */
static const char *add_user(const char *prefix, const char *office, int role, const char *password,
                            const kdf_params_t *params) {
  static char names[32][64];
  static int next;
  char *name = names[next++ % 32];
  snprintf(name, 64, "%s-%d", prefix, (int)getpid());
  /* Every test here uses r 8, p 1; only N varies. */
  assert_int_equal(params->r, 8);
  assert_int_equal(params->p, 1);
  assert_true(harness_create_user_with(&(harness_user_t){
      .username = name, .password = password, .role = role, .office_code = office, .log2_n = params->log2_n}));
  return name;
}

static int group_setup(void **state) {
  harness_require_env(false);
  alarm(600);
  /* Every client here comes from 127.0.0.1: the address throttle would
   * soon refuse them all (it has its own test). */
  static const char ini[] = "[log]\nlevel = debug\n"
                            "[auth]\nsession_recheck_s = 1\nthrottle_base_ms = 2000\nthrottle_addr_failures = 1000\n";
  if (!daemon_start(&D, ini)) return -1;
  pg = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(pg) != CONNECTION_OK) return -1;
  /* Earlier runs against this database leave throttle rows for 127.0.0.1. */
  sql_do("DELETE FROM auth_throttle WHERE key = 'addr:127.0.0.1'", 0, NULL);
  add_office("T9", "Provinsi Uji", 2, "ID");
  add_office("T9.71", "Kota Uji", 3, "T9");
  add_office("T9.71.BKPSDM", "BKPSDM Kota Uji", 5, "T9.71");
  add_office("T8", "Provinsi Lain", 2, "ID");
  if (!daemon_start(&D2, "[log]\nlevel = debug\n"
                         "[auth]\nsession_lifetime_s = 3\nsession_recheck_s = 1\nthrottle_addr_failures = 1000\n"))
    return -1;
  char mtls[1200];
  snprintf(mtls, sizeof(mtls),
           "[tls]\nca = %s\nrequire_client_cert = true\n[log]\nlevel = debug\n[auth]\nthrottle_addr_failures = 1000\n",
           harness_cert("ca.pem"));
  const char *cert = harness_cert("client-T9.71.pem");
  if (access(cert, R_OK) != 0) {
    fprintf(stderr, "%s is missing: make it with deploy/certs.sh --branch-cn T9.71 %s\n", cert,
            harness_env("SIMPEG_TEST_CERTS"));
    return -1;
  }
  if (!daemon_start_with_cert(&D3, mtls, cert, harness_cert("client-T9.71.key"))) return -1;
  return 0;
}

static int group_teardown(void **state) {
  int rc = 0;
  if (D.pid > 0 && daemon_stop(&D) != 0) rc = -1;
  if (D2.pid > 0 && daemon_stop(&D2) != 0) rc = -1;
  if (D3.pid > 0 && daemon_stop(&D3) != 0) rc = -1;
  if (pg) PQfinish(pg);
  return rc;
}

/* ---- protocol helpers ---- */

static spc_sync_t *open_on(const daemon_t *d) {
  spc_options_t o;
  client_options(&o, d);
  spc_error_t err;
  spc_sync_t *s = spc_sync_open(&o, &err);
  if (!s) fail_msg("cannot connect to %s: %s", d->addr, err.detail);
  return s;
}

/* The response, error or not (the caller frees it). */
static Simpeg__V1__Response *call(spc_sync_t *s, Simpeg__V1__Request *req) {
  spc_error_t err;
  Simpeg__V1__Response *resp = NULL;
  spc_sync_call(s, req, &resp, &err);
  if (!resp) fail_msg("call failed without an answer: %s", err.detail);
  return resp;
}

static Simpeg__V1__Response *login(spc_sync_t *s, const char *user, const char *password) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Login l = SIMPEG__V1__LOGIN__INIT;
  l.username = (char *)user;
  l.password = (char *)password;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LOGIN;
  req.login = &l;
  return call(s, &req);
}

static Simpeg__V1__Response *authenticate(spc_sync_t *s, const char *token) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Authenticate a = SIMPEG__V1__AUTHENTICATE__INIT;
  a.token = (char *)token;
  req.call_case = SIMPEG__V1__REQUEST__CALL_AUTHENTICATE;
  req.authenticate = &a;
  return call(s, &req);
}

static Simpeg__V1__Response *whoami(spc_sync_t *s) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__WhoAmI w = SIMPEG__V1__WHO_AM_I__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_WHOAMI;
  req.whoami = &w;
  return call(s, &req);
}

static Simpeg__V1__Response *logout(spc_sync_t *s) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Logout l = SIMPEG__V1__LOGOUT__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LOGOUT;
  req.logout = &l;
  return call(s, &req);
}

static Simpeg__V1__Response *change_password(spc_sync_t *s, const char *old, const char *neu) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__ChangePassword c = SIMPEG__V1__CHANGE_PASSWORD__INIT;
  c.old_password = (char *)old;
  c.new_password = (char *)neu;
  req.call_case = SIMPEG__V1__REQUEST__CALL_CHANGE_PASSWORD;
  req.change_password = &c;
  return call(s, &req);
}

static void expect_error(Simpeg__V1__Response *resp, int code, const char *reason) {
  if (!resp->error) fail_msg("expected error %s, got a result", reason);
  if ((int)resp->error->code != code || strcmp(resp->error->reason, reason) != 0)
    fail_msg("expected %d/%s, got %d/%s (%s)", code, reason, resp->error->code, resp->error->reason,
             resp->error->message);
  spc_response_free(resp);
}

static void expect_field(Simpeg__V1__Response *resp, const char *field, const char *reason) {
  assert_non_null(resp->error);
  assert_int_equal(resp->error->code, ERR(INVALID_ARGUMENT));
  assert_int_equal(resp->error->n_violations, 1);
  assert_string_equal(resp->error->violations[0]->field, field);
  assert_string_equal(resp->error->violations[0]->reason, reason);
  spc_response_free(resp);
}

static void expect_ok(Simpeg__V1__Response *resp, int result_case) {
  if (resp->error)
    fail_msg("expected success, got %d/%s (%s)", resp->error->code, resp->error->reason, resp->error->message);
  assert_int_equal(resp->result_case, result_case);
}

/* Logs in and returns the token (static buffer per slot). */
static const char *login_ok(spc_sync_t *s, const char *user, const char *password) {
  static char tokens[8][64];
  static int next;
  Simpeg__V1__Response *r = login(s, user, password);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_LOGIN);
  char *t = tokens[next++ % 8];
  snprintf(t, 64, "%s", r->login->token);
  spc_response_free(r);
  remember_secret(t);
  return t;
}

/* Runs a shell command with `input` on stdin; output (stdout+stderr) in out. */
static int run_with_input(const char *cmd, const char *input, char *out, size_t cap) {
  char full[2048];
  snprintf(full, sizeof(full), "printf '%%s\\n' '%s' | %s 2>&1", input, cmd);
  FILE *p = popen(full, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- simpegd bootstrap-admin ---- */

static void bootstrap_admin_creates_the_first_system_admin_once(void **state) {
  remember_secret(admin_pw);
  snprintf(admin_name, sizeof(admin_name), "admin-%d", (int)getpid());
  /* Other tests (and earlier runs) may have made system admins in this
   * database: demote them for the moment, so this sees a fresh install. */
  char ids[4096];
  snprintf(ids, sizeof(ids), "%s",
           sql_value("WITH d AS (UPDATE users SET role = 4 WHERE role = 5 RETURNING id)"
                     " SELECT coalesce(array_agg(id), '{}')::text FROM d",
                     0, NULL));
  char cmd[1024], out[4096];
  snprintf(cmd, sizeof(cmd), "'%s' bootstrap-admin --config '%s' --username %s --full-name 'Admin Uji'",
           harness_env("SIMPEG_TEST_SIMPEGD"), D.config, admin_name);
  int rc = run_with_input(cmd, "pendek", out, sizeof(out)); /* too short: nothing happens */
  int rc_ok = rc == 2 ? run_with_input(cmd, admin_pw, out, sizeof(out)) : -1;
  char out2[4096];
  snprintf(cmd, sizeof(cmd), "'%s' bootstrap-admin --config '%s' --username second-%d",
           harness_env("SIMPEG_TEST_SIMPEGD"), D.config, (int)getpid());
  int rc_again = run_with_input(cmd, admin_pw, out2, sizeof(out2));
  const char *v[] = {ids};
  sql_do("UPDATE users SET role = 5 WHERE id = ANY($1::bigint[])", 1, v);

  assert_int_equal(rc, 2);
  if (rc_ok != 0) fail_msg("bootstrap-admin failed: %s", out);
  assert_non_null(strstr(out, "created system administrator"));
  assert_null(strstr(out, admin_pw));
  assert_int_equal(rc_again, 1);
  assert_non_null(strstr(out2, "exists already"));
  const char *name[] = {admin_name};
  assert_string_equal(sql_value("SELECT role::text || ' ' || o.code FROM users u JOIN offices o ON o.id = u.office_id"
                                " WHERE username = $1",
                                1, name),
                      "5 ID");
  /* Audited, by 'system', without the hash. */
  assert_string_equal(sql_value("SELECT actor || ' ' || (after ? 'password_hash')::text FROM audit_log"
                                " WHERE method = 'BootstrapAdmin' AND entity_id = $1",
                                1, name),
                      "system false");
}

/* ---- Login, WhoAmI ---- */

static void login_then_whoami(void **state) {
  spc_sync_t *s = open_on(&D);
  Simpeg__V1__Response *r = login(s, admin_name, admin_pw);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_LOGIN);
  remember_secret(r->login->token);
  assert_int_equal(strlen(r->login->token), 43);
  assert_string_equal(r->login->user->username, admin_name);
  assert_int_equal(r->login->user->role, SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN);
  assert_string_equal(r->login->user->office_code, "ID");
  assert_int_equal(r->login->idle_timeout_s, 1800);
  uint64_t now = sp_wall_us();
  /* 12 hours by default, give or take the clock */
  assert_true(r->login->expires_at_us > now + 11ull * 3600 * 1000000);
  uint64_t expires = r->login->expires_at_us;
  spc_response_free(r);

  r = whoami(s);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_WHOAMI);
  assert_string_equal(r->whoami->user->username, admin_name);
  assert_string_equal(r->whoami->office_name, "Indonesia");
  assert_string_equal(r->whoami->branch_office_code, "");
  assert_int_equal(r->whoami->session_expires_at_us, expires);
  assert_true(r->whoami->user->last_login_at_us > 0);
  spc_response_free(r);
  spc_sync_close(s);

  const char *name[] = {admin_name};
  assert_string_equal(sql_value("SELECT after->>'result' FROM audit_log WHERE method = 'Login' AND actor = $1"
                                " ORDER BY seq DESC LIMIT 1",
                                1, name),
                      "success");
}

static void signed_in_methods_need_a_session(void **state) {
  spc_sync_t *s = open_on(&D);
  expect_error(whoami(s), ERR(UNAUTHENTICATED), "login_required");
  expect_error(logout(s), ERR(UNAUTHENTICATED), "login_required");
  expect_error(change_password(s, user_pw, "Sesuatu-Yang-Baru-1"), ERR(UNAUTHENTICATED), "login_required");
  spc_sync_close(s);
}

static void login_fields_are_checked(void **state) {
  spc_sync_t *s = open_on(&D);
  expect_field(login(s, "", "x"), "login.username", "required");
  expect_field(login(s, admin_name, ""), "login.password", "required");
  static char longpw[KDF_PASSWORD_MAX + 2];
  memset(longpw, 'x', KDF_PASSWORD_MAX + 1);
  expect_field(login(s, admin_name, longpw), "login.password", "too_long");
  spc_sync_close(s);
}

/* Unknown account, wrong password and disabled account: one answer. */
static void bad_credentials_look_the_same_whatever_the_reason(void **state) {
  const char *disabled = add_user("disabled", "T9", 1, user_pw, &(kdf_params_t){10, 8, 1});
  const char *v[] = {disabled};
  sql_do("UPDATE users SET disabled = true WHERE username = $1", 1, v);
  remember_secret(user_pw);
  spc_sync_t *s = open_on(&D);
  char unknown[64];
  snprintf(unknown, sizeof(unknown), "nobody-%d", (int)getpid());
  remember_secret("Salah-Sandi-123");
  const char *cases[][2] = {{admin_name, "Salah-Sandi-123"}, {unknown, admin_pw}, {disabled, user_pw}};
  char first[256] = "";
  for (int i = 0; i < 3; i++) {
    Simpeg__V1__Response *r = login(s, cases[i][0], cases[i][1]);
    assert_non_null(r->error);
    char got[256];
    snprintf(got, sizeof(got), "%d/%s/%s", r->error->code, r->error->reason, r->error->message);
    if (i == 0) snprintf(first, sizeof(first), "%s", got);
    assert_string_equal(got, first);
    expect_error(r, ERR(UNAUTHENTICATED), "bad_credentials");
  }
  spc_sync_close(s);
  /* Each failure is audited under the name tried, with no actor. */
  const char *u[] = {unknown};
  assert_string_equal(sql_value("SELECT actor || '|' || (after->>'result') FROM audit_log"
                                " WHERE method = 'Login' AND entity_id = $1",
                                1, u),
                      "|failure");
  /* Upper case is the same account (and the same throttle key). */
  char upper[64];
  snprintf(upper, sizeof(upper), "%s", admin_name);
  upper[0] = 'A';
  s = open_on(&D);
  login_ok(s, upper, admin_pw);
  spc_sync_close(s);
}

static void throttling_blocks_even_the_right_password_until_it_expires(void **state) {
  const char *user = add_user("throttle", "T9", 1, user_pw, &(kdf_params_t){10, 8, 1});
  char key[96];
  snprintf(key, sizeof(key), "user:%s", user);
  const char *k[] = {key};
  sql_do("DELETE FROM auth_throttle WHERE key = $1", 1, k);
  spc_sync_t *s = open_on(&D);
  /* Three free failures; the fourth blocks the name for throttle_base_ms. */
  for (int i = 0; i < 4; i++) expect_error(login(s, user, "Salah-Sandi-123"), ERR(UNAUTHENTICATED), "bad_credentials");
  expect_error(login(s, user, user_pw), ERR(RESOURCE_EXHAUSTED), "login_throttled");
  assert_string_equal(sql_value("SELECT failures FROM auth_throttle WHERE key = $1", 1, k), "4");
  /* Once the block has passed, the right password works (and clears it). */
  bool in = false;
  for (int i = 0; i < 100 && !in; i++) {
    spc_sync_sleep(s, 200);
    Simpeg__V1__Response *r = login(s, user, user_pw);
    if (!r->error) {
      in = true;
      remember_secret(r->login->token);
      spc_response_free(r);
    } else {
      expect_error(r, ERR(RESOURCE_EXHAUSTED), "login_throttled");
    }
  }
  assert_true(in);
  assert_string_equal(sql_value("SELECT count(*) FROM auth_throttle WHERE key = $1", 1, k), "0");
  spc_sync_close(s);

  /* The client address has its own key: blocked, every name is refused. */
  sql_do("INSERT INTO auth_throttle (key, failures, blocked_until) VALUES ('addr:127.0.0.1', 5000,"
         " now() + interval '1 hour') ON CONFLICT (key) DO UPDATE SET blocked_until = excluded.blocked_until",
         0, NULL);
  s = open_on(&D);
  expect_error(login(s, admin_name, admin_pw), ERR(RESOURCE_EXHAUSTED), "login_throttled");
  sql_do("DELETE FROM auth_throttle WHERE key = 'addr:127.0.0.1'", 0, NULL);
  login_ok(s, admin_name, admin_pw);
  spc_sync_close(s);
}

static void weak_hash_is_replaced_at_login(void **state) {
  const char *user = add_user("rehash", "T9", 1, user_pw, &(kdf_params_t){10, 8, 1});
  const char *v[] = {user};
  assert_string_equal(sql_value("SELECT split_part(password_hash, '$', 2) FROM users WHERE username = $1", 1, v),
                      "1024");
  spc_sync_t *s = open_on(&D);
  login_ok(s, user, user_pw);
  spc_sync_close(s);
  assert_string_equal(sql_value("SELECT split_part(password_hash, '$', 2) FROM users WHERE username = $1", 1, v),
                      "32768");
  assert_string_equal(sql_value("SELECT after->>'rehashed' FROM audit_log WHERE method = 'Login' AND actor = $1"
                                " ORDER BY seq DESC LIMIT 1",
                                1, v),
                      "true");
  s = open_on(&D);
  login_ok(s, user, user_pw); /* the new hash verifies */
  spc_sync_close(s);
}

/* ---- tokens ---- */

static void authenticate_binds_a_session_to_another_connection(void **state) {
  spc_sync_t *a = open_on(&D), *b = open_on(&D);
  const char *token = login_ok(a, admin_name, admin_pw);
  Simpeg__V1__Response *r = authenticate(b, token);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_AUTHENTICATE);
  assert_string_equal(r->authenticate->user->username, admin_name);
  spc_response_free(r);
  r = whoami(b);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_WHOAMI);
  spc_response_free(r);
  spc_sync_close(a);
  spc_sync_close(b);
}

static void forged_and_malformed_tokens_are_refused(void **state) {
  spc_sync_t *s = open_on(&D);
  char forged[44];
  unsigned char hash[32];
  kdf_new_token(forged, hash); /* well-formed, never issued */
  expect_error(authenticate(s, forged), ERR(UNAUTHENTICATED), "session_invalid");
  expect_error(authenticate(s, "abc"), ERR(UNAUTHENTICATED), "session_invalid");
  expect_error(authenticate(s, ""), ERR(UNAUTHENTICATED), "session_invalid");
  expect_error(whoami(s), ERR(UNAUTHENTICATED), "login_required");
  spc_sync_close(s);
}

static void logged_out_token_is_refused(void **state) {
  spc_sync_t *s = open_on(&D);
  const char *token = login_ok(s, admin_name, admin_pw);
  Simpeg__V1__Response *r = logout(s);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_LOGOUT);
  spc_response_free(r);
  expect_error(whoami(s), ERR(UNAUTHENTICATED), "login_required");
  spc_sync_close(s);
  s = open_on(&D);
  expect_error(authenticate(s, token), ERR(UNAUTHENTICATED), "session_invalid");
  spc_sync_close(s);
}

static void expired_token_is_refused(void **state) {
  /* D2: sessions live 3 s. */
  spc_sync_t *s = open_on(&D2);
  const char *token = login_ok(s, admin_name, admin_pw);
  Simpeg__V1__Response *r = whoami(s);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_WHOAMI);
  spc_response_free(r);
  spc_sync_sleep(s, 3500);
  expect_error(whoami(s), ERR(UNAUTHENTICATED), "login_required");
  spc_sync_close(s);
  s = open_on(&D2);
  expect_error(authenticate(s, token), ERR(UNAUTHENTICATED), "session_invalid");
  spc_sync_close(s);
}

/* ---- ChangePassword ---- */

static void change_password_checks_its_fields(void **state) {
  const char *user = add_user("cpfields", "T9", 1, user_pw, &(kdf_params_t){10, 8, 1});
  spc_sync_t *s = open_on(&D);
  login_ok(s, user, user_pw);
  expect_field(change_password(s, "", "Sandi-Baru-Sekali-1"), "change_password.old_password", "required");
  expect_field(change_password(s, user_pw, "pendek"), "change_password.new_password", "too_short");
  expect_field(change_password(s, user_pw, user), "change_password.new_password", "same_as_username");
  expect_field(change_password(s, user_pw, user_pw), "change_password.new_password", "same_as_old");
  expect_field(change_password(s, "Salah-Sandi-123", "Sandi-Baru-Sekali-1"), "change_password.old_password",
               "incorrect");
  /* Still signed in after a refused change. */
  Simpeg__V1__Response *r = whoami(s);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_WHOAMI);
  spc_response_free(r);
  spc_sync_close(s);
}

static void change_password_ends_every_other_session_here_and_on_other_daemons(void **state) {
  const char *user = add_user("cp", "T9", 1, user_pw, &(kdf_params_t){15, 8, 1});
  static const char new_pw[] = "Sandi-Baru-Sekali-1";
  remember_secret(new_pw);
  spc_sync_t *a = open_on(&D), *b = open_on(&D), *c = open_on(&D2);
  const char *old_token = login_ok(a, user, user_pw);
  login_ok(b, user, user_pw);
  /* c runs on the other daemon, with a's session. */
  Simpeg__V1__Response *r = authenticate(c, old_token);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_AUTHENTICATE);
  spc_response_free(r);

  r = change_password(a, user_pw, new_pw);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_CHANGE_PASSWORD);
  char new_token[64];
  snprintf(new_token, sizeof(new_token), "%s", r->change_password->token);
  remember_secret(new_token);
  assert_int_equal(strlen(new_token), 43);
  assert_string_not_equal(new_token, old_token);
  spc_response_free(r);

  /* a carries on with the new session; b, on the same daemon, is out at once. */
  r = whoami(a);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_WHOAMI);
  spc_response_free(r);
  expect_error(whoami(b), ERR(UNAUTHENTICATED), "login_required");

  /* c, on the other daemon, is out after its next re-check (1 s here). */
  uint64_t t0 = sp_mono_us();
  bool out = false;
  for (int i = 0; i < 100 && !out; i++) {
    r = whoami(c);
    if (r->error) {
      expect_error(r, ERR(UNAUTHENTICATED), "session_invalid");
      out = true;
    } else {
      spc_response_free(r);
      spc_sync_sleep(c, 100);
    }
  }
  assert_true(out);
  printf("revocation reached the other daemon after %.1f s (session_recheck_s = 1)\n",
         (double)(sp_mono_us() - t0) / 1e6);
  spc_sync_close(a);
  spc_sync_close(b);
  spc_sync_close(c);

  spc_sync_t *s = open_on(&D);
  expect_error(authenticate(s, old_token), ERR(UNAUTHENTICATED), "session_invalid");
  expect_error(login(s, user, user_pw), ERR(UNAUTHENTICATED), "bad_credentials");
  login_ok(s, user, new_pw);
  r = authenticate(s, new_token);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_AUTHENTICATE);
  spc_response_free(r);
  spc_sync_close(s);
  const char *v[] = {user};
  assert_string_equal(sql_value("SELECT (after->>'sessions_revoked') || ' ' || (after ? 'password_hash')::text"
                                " FROM audit_log WHERE method = 'ChangePassword' AND actor = $1"
                                " AND after ? 'password_changed'",
                                1, v),
                      "2 false");
}

/* ---- the loop stays responsive during a storm of logins ---- */

#define STORM 50

typedef struct storm {
  int logins_done, logins_rejected, logins_other;
  int pings_sent, pings_ok, pings_failed, pings_inflight;
  uint64_t ping_max_us, ping_sum_us, started_us;
  spc_client_t *pinger;
  spc_client_t *clients[STORM];
  uv_timer_t timer;
  bool closing;
} storm_t;

static void on_login(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  storm_t *st = ud;
  st->logins_done++;
  if (resp && resp->error && strcmp(resp->error->reason, "bad_credentials") == 0) st->logins_rejected++;
  else st->logins_other++;
  if (resp) spc_response_free(resp);
}

static void on_storm_pong(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err,
                          void *ud) {
  storm_t *st = spc_client_loop(c)->data;
  uint64_t sent = (uint64_t)(uintptr_t)ud;
  st->pings_inflight--;
  if (status == 0 && resp && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_PONG) {
    uint64_t us = sp_mono_us() - sent;
    st->pings_ok++;
    st->ping_sum_us += us;
    if (us > st->ping_max_us) st->ping_max_us = us;
  } else {
    st->pings_failed++;
  }
  if (resp) spc_response_free(resp);
}

static void storm_ping(storm_t *st) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  if (spc_client_call(st->pinger, &req, on_storm_pong, (void *)(uintptr_t)sp_mono_us(), NULL) == 0) {
    st->pings_sent++;
    st->pings_inflight++;
  } else {
    st->pings_failed++;
  }
}

static void on_storm_tick(uv_timer_t *t) {
  storm_t *st = t->data;
  bool finished = st->logins_done == STORM || sp_mono_us() - st->started_us > 120ull * 1000000;
  if (!finished) {
    storm_ping(st);
    return;
  }
  if (st->pings_inflight > 0 || st->closing) return;
  st->closing = true;
  uv_timer_stop(t);
  uv_close((uv_handle_t *)t, NULL);
  spc_client_close(st->pinger, NULL, NULL);
  for (int i = 0; i < STORM; i++) spc_client_close(st->clients[i], NULL, NULL);
}

static void login_storm_leaves_pings_answered(void **state) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  storm_t st = {0};
  loop.data = &st;
  spc_options_t o;
  client_options(&o, &D);
  spc_error_t err;
  st.pinger = spc_client_new(&loop, &o, &err);
  assert_non_null(st.pinger);
  /* The pinger is connected before the storm starts. */
  storm_ping(&st);
  while (st.pings_inflight) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(st.pings_ok, 1);
  st.ping_max_us = st.ping_sum_us = 0;
  st.pings_ok = st.pings_sent = 0;

  char names[STORM][64];
  for (int i = 0; i < STORM; i++) {
    st.clients[i] = spc_client_new(&loop, &o, &err);
    assert_non_null(st.clients[i]);
    snprintf(names[i], sizeof(names[i]), "storm-%d-%d", (int)getpid(), i);
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    Simpeg__V1__Login l = SIMPEG__V1__LOGIN__INIT;
    l.username = names[i];
    l.password = "Badai-Sandi-Salah-1";
    req.call_case = SIMPEG__V1__REQUEST__CALL_LOGIN;
    req.login = &l;
    assert_int_equal(spc_client_call(st.clients[i], &req, on_login, &st, NULL), 0);
  }
  remember_secret("Badai-Sandi-Salah-1");
  st.started_us = sp_mono_us();
  uv_timer_init(&loop, &st.timer);
  st.timer.data = &st;
  uv_timer_start(&st.timer, on_storm_tick, 0, 20);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);

  double secs = (double)(sp_mono_us() - st.started_us) / 1e6;
  printf("login storm: %d logins in %.2f s (%d rejected as bad_credentials, %d other); "
         "%d pings answered meanwhile, max %.1f ms, mean %.1f ms\n",
         st.logins_done, secs, st.logins_rejected, st.logins_other, st.pings_ok, st.ping_max_us / 1000.0,
         st.pings_ok ? st.ping_sum_us / 1000.0 / st.pings_ok : 0.0);
  assert_int_equal(st.logins_done, STORM);
  assert_int_equal(st.logins_rejected, STORM);
  assert_int_equal(st.pings_failed, 0);
  assert_true(st.pings_ok > 0);
  assert_int_equal(st.pings_ok, st.pings_sent);
}

/* ---- branch machines ---- */

static void branch_certificate_limits_who_may_sign_in(void **state) {
  const char *inside = add_user("branch-in", "T9.71.BKPSDM", 3, user_pw, &(kdf_params_t){15, 8, 1});
  const char *outside = add_user("branch-out", "T8", 3, user_pw, &(kdf_params_t){15, 8, 1});
  spc_sync_t *s = open_on(&D3); /* presents client-T9.71 */
  login_ok(s, inside, user_pw);
  Simpeg__V1__Response *r = whoami(s);
  expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_WHOAMI);
  assert_string_equal(r->whoami->branch_office_code, "T9.71");
  assert_string_equal(r->whoami->user->office_code, "T9.71.BKPSDM");
  spc_response_free(r);
  /* Accounts elsewhere (a province next door, the root) are refused here,
   * once their password is right (a wrong one is just bad_credentials). */
  expect_error(login(s, outside, user_pw), ERR(PERMISSION_DENIED), "outside_branch");
  expect_error(login(s, admin_name, admin_pw), ERR(PERMISSION_DENIED), "outside_branch");
  expect_error(login(s, outside, "Salah-Sandi-123"), ERR(UNAUTHENTICATED), "bad_credentials");
  spc_sync_close(s);
  /* A session made elsewhere does not bind here either. */
  spc_sync_t *plain = open_on(&D);
  const char *token = login_ok(plain, outside, user_pw);
  spc_sync_close(plain);
  s = open_on(&D3);
  expect_error(authenticate(s, token), ERR(PERMISSION_DENIED), "outside_branch");
  spc_sync_close(s);
}

static void certificate_naming_no_office_is_refused_at_hello(void **state) {
  raw_tls_t r;
  assert_true(
      raw_tls_connect_cert(&r, D3.port, harness_cert("client-branch1.pem"), harness_cert("client-branch1.key")));
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Hello h = SIMPEG__V1__HELLO__INIT;
  h.protocol_version = 1;
  h.client_name = "raw";
  h.client_version = "1";
  req.id = 1;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
  req.hello = &h;
  assert_true(raw_tls_send_request(&r, &req));
  Simpeg__V1__ServerFrame *f = raw_tls_read_frame(&r, 5000);
  assert_non_null(f);
  assert_int_equal(f->kind_case, SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE);
  assert_non_null(f->response->error);
  assert_int_equal(f->response->error->code, ERR(PERMISSION_DENIED));
  assert_string_equal(f->response->error->reason, "unknown_branch");
  simpeg__v1__server_frame__free_unpacked(f, NULL);
  assert_true(raw_wait_closed(r.fd, 5000));
  raw_tls_close(&r);
  assert_true(daemon_log_contains(&D3, "names no valid office"));
}

/* ---- last: nothing secret in any log ---- */

static void no_password_or_token_reaches_the_logs(void **state) {
  assert_true(nsecrets >= 8);
  const daemon_t *ds[] = {&D, &D2, &D3};
  for (int i = 0; i < nsecrets; i++)
    for (int k = 0; k < 3; k++)
      if (daemon_log_contains(ds[k], secrets[i])) fail_msg("%s's log contains a secret (#%d)", ds[k]->log, i);
  /* The logs were at debug level and did record the logins. */
  assert_true(daemon_log_contains(&D, "signed in"));
  assert_true(daemon_log_contains(&D, "login failed"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bootstrap_admin_creates_the_first_system_admin_once),
      cmocka_unit_test(login_then_whoami),
      cmocka_unit_test(signed_in_methods_need_a_session),
      cmocka_unit_test(login_fields_are_checked),
      cmocka_unit_test(bad_credentials_look_the_same_whatever_the_reason),
      cmocka_unit_test(throttling_blocks_even_the_right_password_until_it_expires),
      cmocka_unit_test(weak_hash_is_replaced_at_login),
      cmocka_unit_test(authenticate_binds_a_session_to_another_connection),
      cmocka_unit_test(forged_and_malformed_tokens_are_refused),
      cmocka_unit_test(logged_out_token_is_refused),
      cmocka_unit_test(expired_token_is_refused),
      cmocka_unit_test(change_password_checks_its_fields),
      cmocka_unit_test(change_password_ends_every_other_session_here_and_on_other_daemons),
      cmocka_unit_test(login_storm_leaves_pings_answered),
      cmocka_unit_test(branch_certificate_limits_who_may_sign_in),
      cmocka_unit_test(certificate_naming_no_office_is_refused_at_hello),
      cmocka_unit_test(no_password_or_token_reaches_the_logs),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
