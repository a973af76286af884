/* Integration test of the `simpeg` program's sessions: the real binary
 * ($SIMPEG_TEST_SIMPEG) against a real simpegd, with XDG_STATE_HOME and
 * XDG_CONFIG_HOME in a temporary directory: login (--password-stdin),
 * whoami, passwd (the new token replaces the old one, which stops
 * working), logout; the session file's mode; refusal of a file others can
 * read; a stale token removed; logout with the server gone.
 *
 * The account is written straight into the database (an employee at the
 * root office, named after the process id, so reruns start clean). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "harness.h"

static daemon_t D;
static PGconn *pg;
static harness_ws_t WS;     /* the client's files */
static char session_path[192];
static char user[64];
static const char pw1[] = "Kata-Sandi-Awal-2026";
static const char pw2[] = "Kata-Sandi-Baru-2027";

static void slurp(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

/* The token in the session file ("" when there is none). */
static const char *stored_token(void) {
  static char buf[2048];
  slurp(session_path, buf, sizeof(buf));
  char *t = strstr(buf, "token=");
  if (!t) return "";
  t += 6;
  t[strcspn(t, "\n")] = '\0';
  return t;
}

static void assert_no_secret(const harness_run_t *r, const char *token) {
  if (token[0]) {
    assert_null(strstr(r->out, token));
    assert_null(strstr(r->err, token));
  }
  assert_null(strstr(r->out, pw1));
  assert_null(strstr(r->err, pw1));
  assert_null(strstr(r->out, pw2));
  assert_null(strstr(r->err, pw2));
}

static void login(const char *password) {
  harness_run_t r;
  char input[128];
  snprintf(input, sizeof(input), "%s\n", password);
  harness_ws_run(&WS, &r, input, "login", user, "--password-stdin", NULL);
  harness_run_expect(&r, 0);
  assert_no_secret(&r, stored_token());
}

/* ---- setup ---- */

static int group_setup(void **state) {
  (void)state;
  harness_require_env(false);
  if (!harness_env("SIMPEG_TEST_SIMPEG")) {
    fprintf(stderr, "skipping: SIMPEG_TEST_SIMPEG is not set (run ./deploy/test.sh)\n");
    exit(77);
  }
  alarm(300);
  /* Every client comes from 127.0.0.1; other tests fail logins from there too. */
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 1000\n")) return -1;
  pg = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(pg) != CONNECTION_OK) return -1;
  snprintf(user, sizeof(user), "cli-%d", (int)getpid());
  bool ok = harness_create_user_with(&(harness_user_t){.username = user, .password = pw1,
                                                       .role = SIMPEG__V1__ROLE__ROLE_EMPLOYEE,
                                                       .full_name = "Siti Rahayu", .log2_n = 10});
  PQclear(PQexec(pg, "DELETE FROM auth_throttle WHERE key = 'addr:127.0.0.1'"));
  if (!ok) return -1;

  if (!harness_ws_init(&WS, &D)) return -1;
  snprintf(session_path, sizeof(session_path), "%s/simpeg/session", WS.state_home);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  int rc = 0;
  if (D.pid > 0 && daemon_stop(&D) != 0) rc = -1;
  if (pg) PQfinish(pg);
  harness_ws_free(&WS);
  return rc;
}

/* ---- tests ---- */

static void login_whoami_passwd_logout(void **state) {
  (void)state;
  harness_run_t r;
  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "not signed in");
  assert_in(r.err, "simpeg login");
  /* status needs a signed-in user too (issue #3). */
  harness_ws_run(&WS, &r, NULL, "status", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "not signed in");
  assert_string_equal(r.out, "");

  harness_ws_run(&WS, &r, "not-the-password\n", "login", user, "--password-stdin", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "Wrong username or password");
  assert_int_equal(access(session_path, F_OK), -1);

  harness_ws_run(&WS, &r, NULL, "login", "--password-stdin", NULL); /* scripts must name the user */
  harness_run_expect(&r, 2);

  harness_ws_run(&WS, &r, "Kata-Sandi-Awal-2026\n", "login", user, "--password-stdin", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Signed in as");
  assert_in(r.out, "Siti Rahayu");
  assert_in(r.out, "Employee");
  assert_in(r.out, "Session expires at");

  /* The file: 0600 in a 0700 directory, bound to this server. */
  struct stat st;
  assert_int_equal(stat(session_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  char sdir[200];
  snprintf(sdir, sizeof(sdir), "%s/simpeg", WS.state_home);
  assert_int_equal(stat(sdir, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  char text[2048], want[128];
  slurp(session_path, text, sizeof(text));
  snprintf(want, sizeof(want), "server=%s\n", D.addr);
  assert_in(text, want);
  char token1[128];
  snprintf(token1, sizeof(token1), "%s", stored_token());
  assert_true(strlen(token1) >= 32);
  assert_no_secret(&r, token1);

  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, user);
  assert_in(r.out, "Employee");
  assert_in(r.out, "Indonesia (ID)"); /* office name and code */
  assert_no_secret(&r, token1);

  harness_ws_run(&WS, &r, NULL, "whoami", "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "\"role\":\"employee\"");
  assert_in(r.out, "\"office_code\":\"ID\"");
  assert_in(r.out, "\"session_expires_at\":\"");
  assert_no_secret(&r, token1);

  /* ping needs no session and keeps working with one; status uses it. */
  harness_ws_run(&WS, &r, NULL, "ping", NULL);
  harness_run_expect(&r, 0);
  harness_ws_run(&WS, &r, NULL, "status", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Schema version");
  assert_no_secret(&r, token1);
  harness_ws_run(&WS, &r, NULL, "status", "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "\"database\":{\"ok\":true");
  assert_no_secret(&r, token1);

  /* passwd: a wrong current password changes nothing ... */
  harness_ws_run(&WS, &r, "Salah-Sekali-12345\nKata-Sandi-Baru-2027\n", "passwd", "--password-stdin", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "current password");
  assert_string_equal(stored_token(), token1);
  /* ... the right one changes it and stores the new session. */
  harness_ws_run(&WS, &r, "Kata-Sandi-Awal-2026\nKata-Sandi-Baru-2027\n", "passwd", "--password-stdin", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Password changed");
  assert_in(r.out, "other sessions");
  char token2[128];
  snprintf(token2, sizeof(token2), "%s", stored_token());
  assert_true(strlen(token2) >= 32);
  assert_string_not_equal(token1, token2);
  assert_no_secret(&r, token2);
  assert_int_equal(stat(session_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 0);

  /* The old token was revoked: put it back; whoami removes it and says so. */
  char saved[2048];
  slurp(session_path, saved, sizeof(saved));
  char *stale = strdup(saved);
  char *at = strstr(stale, token2);
  assert_non_null(at);
  memcpy(at, token1, strlen(token1)); /* both are 43 characters */
  FILE *f = fopen(session_path, "w");
  fputs(stale, f);
  fclose(f);
  free(stale);
  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "Sign in again with 'simpeg login'");
  assert_int_equal(access(session_path, F_OK), -1);

  /* The old password no longer works, the new one does (after three
   * failures: clear the account's throttle, which has its own tests). */
  harness_ws_run(&WS, &r, "Kata-Sandi-Awal-2026\n", "login", user, "--password-stdin", NULL);
  harness_run_expect(&r, 4);
  const char *key[] = {user};
  PQclear(PQexecParams(pg, "DELETE FROM auth_throttle WHERE key = 'user:' || $1", 1, NULL, key, NULL, NULL, 0));
  login(pw2);

  harness_ws_run(&WS, &r, NULL, "logout", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Signed out of");
  assert_int_equal(access(session_path, F_OK), -1);

  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 4);
  harness_ws_run(&WS, &r, NULL, "whoami", "--output", "json", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.out, "\"code\":\"NOT_SIGNED_IN\"");
  harness_ws_run(&WS, &r, NULL, "logout", NULL); /* nothing to do */
  harness_run_expect(&r, 0);
}

static void session_file_readable_by_others_is_refused(void **state) {
  (void)state;
  login(pw2);
  assert_int_equal(chmod(session_path, 0644), 0);
  harness_run_t r;
  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.err, "can be read or changed by other users");
  assert_in(r.err, session_path);
  /* A new login replaces it with a private file. */
  login(pw2);
  struct stat st;
  assert_int_equal(stat(session_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  harness_ws_run(&WS, &r, NULL, "whoami", NULL);
  harness_run_expect(&r, 0);
}

static void token_is_not_sent_to_another_server(void **state) {
  (void)state;
  harness_run_t r;
  /* Same daemon under another address string: no session for it. */
  char other[64];
  snprintf(other, sizeof(other), "localhost:%u", D.port);
  harness_ws_run(&WS, &r, NULL, "whoami", "--server", other, NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "the saved session is for");
  assert_int_equal(access(session_path, F_OK), 0);
}

/* Last: it stops the daemon. */
static void logout_without_server_still_removes_the_local_session(void **state) {
  (void)state;
  assert_int_equal(access(session_path, F_OK), 0);
  assert_int_equal(daemon_stop(&D), 0);
  harness_run_t r;
  harness_ws_run(&WS, &r, NULL, "logout", "--timeout", "3000", NULL);
  harness_run_expect(&r, 3);
  assert_in(r.err, "removed from this computer");
  assert_int_equal(access(session_path, F_OK), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(login_whoami_passwd_logout),
      cmocka_unit_test(session_file_readable_by_others_is_refused),
      cmocka_unit_test(token_is_not_sent_to_another_server),
      cmocka_unit_test(logout_without_server_still_removes_the_local_session),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
