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
static char dir[64];        /* temporary home of the client's files */
static char state_home[128];
static char config_home[128];
static char session_path[192];
static char user[64];
static const char pw1[] = "Kata-Sandi-Awal-2026";
static const char pw2[] = "Kata-Sandi-Baru-2027";

/* What one run of the program produced. */
typedef struct run {
  int status; /* exit status, or 128 + signal */
  char out[8192];
  char err[8192];
} run_t;

static void slurp(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

/* Runs `simpeg ARGS...` (NULL-terminated) with `input` on stdin. */
static void run_cli(run_t *r, const char *input, ...) {
  const char *argv[32];
  int argc = 0;
  argv[argc++] = harness_env("SIMPEG_TEST_SIMPEG");
  va_list ap;
  va_start(ap, input);
  const char *a;
  while ((a = va_arg(ap, const char *)) && argc < 31) argv[argc++] = a;
  va_end(ap);
  argv[argc] = NULL;

  char in_path[128], out_path[128], err_path[128];
  snprintf(in_path, sizeof(in_path), "%s/stdin", dir);
  snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
  snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
  FILE *f = fopen(in_path, "w");
  assert_non_null(f);
  fputs(input ? input : "", f);
  fclose(f);

  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setsid(); /* no controlling terminal: nothing may be asked on /dev/tty */
    int in = open(in_path, O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setenv("XDG_STATE_HOME", state_home, 1);
    setenv("XDG_CONFIG_HOME", config_home, 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("LANGUAGE", "C", 1);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  slurp(out_path, r->out, sizeof(r->out));
  slurp(err_path, r->err, sizeof(r->err));
}

#define assert_contains(hay, needle)                                                          \
  do {                                                                                        \
    if (!strstr((hay), (needle))) fail_msg("\"%s\" not in:\n%s", (needle), (hay));           \
  } while (0)

static void expect(const run_t *r, int status) {
  if (r->status != status)
    fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", r->status, status, r->out, r->err);
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

static void assert_no_secret(const run_t *r, const char *token) {
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
  run_t r;
  char input[128];
  snprintf(input, sizeof(input), "%s\n", password);
  run_cli(&r, input, "login", user, "--password-stdin", NULL);
  expect(&r, 0);
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

  snprintf(dir, sizeof(dir), "/tmp/simpeg-cli-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(state_home, sizeof(state_home), "%s/state", dir);
  snprintf(config_home, sizeof(config_home), "%s/config", dir);
  snprintf(session_path, sizeof(session_path), "%s/simpeg/session", state_home);
  char p[256];
  snprintf(p, sizeof(p), "%s/simpeg", config_home);
  if (mkdir(config_home, 0700) != 0 || mkdir(p, 0700) != 0) return -1;
  snprintf(p, sizeof(p), "%s/simpeg/config.ini", config_home);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  fprintf(f, "[client]\nserver = %s\nca = %s\ntimeout_ms = 20000\n", D.addr, harness_cert("ca.pem"));
  fclose(f);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  int rc = 0;
  if (D.pid > 0 && daemon_stop(&D) != 0) rc = -1;
  if (pg) PQfinish(pg);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (dir[0]) harness_sh(cmd);
  return rc;
}

/* ---- tests ---- */

static void login_whoami_passwd_logout(void **state) {
  (void)state;
  run_t r;
  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 4);
  assert_contains(r.err, "not signed in");
  assert_contains(r.err, "simpeg login");
  /* status needs a signed-in user too (issue #3). */
  run_cli(&r, NULL, "status", NULL);
  expect(&r, 4);
  assert_contains(r.err, "not signed in");
  assert_string_equal(r.out, "");

  run_cli(&r, "not-the-password\n", "login", user, "--password-stdin", NULL);
  expect(&r, 4);
  assert_contains(r.err, "Wrong username or password");
  assert_int_equal(access(session_path, F_OK), -1);

  run_cli(&r, NULL, "login", "--password-stdin", NULL); /* scripts must name the user */
  expect(&r, 2);

  run_cli(&r, "Kata-Sandi-Awal-2026\n", "login", user, "--password-stdin", NULL);
  expect(&r, 0);
  assert_contains(r.out, "Signed in as");
  assert_contains(r.out, "Siti Rahayu");
  assert_contains(r.out, "Employee");
  assert_contains(r.out, "Session expires at");

  /* The file: 0600 in a 0700 directory, bound to this server. */
  struct stat st;
  assert_int_equal(stat(session_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  char sdir[192];
  snprintf(sdir, sizeof(sdir), "%s/simpeg", state_home);
  assert_int_equal(stat(sdir, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  char text[2048], want[128];
  slurp(session_path, text, sizeof(text));
  snprintf(want, sizeof(want), "server=%s\n", D.addr);
  assert_contains(text, want);
  char token1[128];
  snprintf(token1, sizeof(token1), "%s", stored_token());
  assert_true(strlen(token1) >= 32);
  assert_no_secret(&r, token1);

  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 0);
  assert_contains(r.out, user);
  assert_contains(r.out, "Employee");
  assert_contains(r.out, "Indonesia (ID)"); /* office name and code */
  assert_no_secret(&r, token1);

  run_cli(&r, NULL, "whoami", "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, "\"role\":\"employee\"");
  assert_contains(r.out, "\"office_code\":\"ID\"");
  assert_contains(r.out, "\"session_expires_at\":\"");
  assert_no_secret(&r, token1);

  /* ping needs no session and keeps working with one; status uses it. */
  run_cli(&r, NULL, "ping", NULL);
  expect(&r, 0);
  run_cli(&r, NULL, "status", NULL);
  expect(&r, 0);
  assert_contains(r.out, "Schema version");
  assert_no_secret(&r, token1);
  run_cli(&r, NULL, "status", "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, "\"database\":{\"ok\":true");
  assert_no_secret(&r, token1);

  /* passwd: a wrong current password changes nothing ... */
  run_cli(&r, "Salah-Sekali-12345\nKata-Sandi-Baru-2027\n", "passwd", "--password-stdin", NULL);
  expect(&r, 4);
  assert_contains(r.err, "current password");
  assert_string_equal(stored_token(), token1);
  /* ... the right one changes it and stores the new session. */
  run_cli(&r, "Kata-Sandi-Awal-2026\nKata-Sandi-Baru-2027\n", "passwd", "--password-stdin", NULL);
  expect(&r, 0);
  assert_contains(r.out, "Password changed");
  assert_contains(r.out, "other sessions");
  char token2[128];
  snprintf(token2, sizeof(token2), "%s", stored_token());
  assert_true(strlen(token2) >= 32);
  assert_string_not_equal(token1, token2);
  assert_no_secret(&r, token2);
  assert_int_equal(stat(session_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 0);

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
  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 4);
  assert_contains(r.err, "Sign in again with 'simpeg login'");
  assert_int_equal(access(session_path, F_OK), -1);

  /* The old password no longer works, the new one does (after three
   * failures: clear the account's throttle, which has its own tests). */
  run_cli(&r, "Kata-Sandi-Awal-2026\n", "login", user, "--password-stdin", NULL);
  expect(&r, 4);
  const char *key[] = {user};
  PQclear(PQexecParams(pg, "DELETE FROM auth_throttle WHERE key = 'user:' || $1", 1, NULL, key, NULL, NULL, 0));
  login(pw2);

  run_cli(&r, NULL, "logout", NULL);
  expect(&r, 0);
  assert_contains(r.out, "Signed out of");
  assert_int_equal(access(session_path, F_OK), -1);

  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 4);
  run_cli(&r, NULL, "whoami", "--output", "json", NULL);
  expect(&r, 4);
  assert_contains(r.out, "\"code\":\"NOT_SIGNED_IN\"");
  run_cli(&r, NULL, "logout", NULL); /* nothing to do */
  expect(&r, 0);
}

static void session_file_readable_by_others_is_refused(void **state) {
  (void)state;
  login(pw2);
  assert_int_equal(chmod(session_path, 0644), 0);
  run_t r;
  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 2);
  assert_contains(r.err, "can be read or changed by other users");
  assert_contains(r.err, session_path);
  /* A new login replaces it with a private file. */
  login(pw2);
  struct stat st;
  assert_int_equal(stat(session_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  run_cli(&r, NULL, "whoami", NULL);
  expect(&r, 0);
}

static void token_is_not_sent_to_another_server(void **state) {
  (void)state;
  run_t r;
  /* Same daemon under another address string: no session for it. */
  char other[64];
  snprintf(other, sizeof(other), "localhost:%u", D.port);
  run_cli(&r, NULL, "whoami", "--server", other, NULL);
  expect(&r, 4);
  assert_contains(r.err, "the saved session is for");
  assert_int_equal(access(session_path, F_OK), 0);
}

/* Last: it stops the daemon. */
static void logout_without_server_still_removes_the_local_session(void **state) {
  (void)state;
  assert_int_equal(access(session_path, F_OK), 0);
  assert_int_equal(daemon_stop(&D), 0);
  run_t r;
  run_cli(&r, NULL, "logout", "--timeout", "3000", NULL);
  expect(&r, 3);
  assert_contains(r.err, "removed from this computer");
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
