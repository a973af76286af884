/* test_client_session: the CLI's session file (permissions, refusal of
 * files others can read or that are not ours, atomic replacement, tokens
 * kept per server, removal) in a temporary XDG_STATE_HOME, and reading
 * passwords from standard input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "session_store.h"

static char base[64];      /* the temporary XDG_STATE_HOME (and XDG_CONFIG_HOME) */
static char sdir[128];     /* base/simpeg */
static char spath[160];    /* base/simpeg/session */

static const char *TOKEN_A = "tA1-9f8e7d6c5b4a39281706f5e4d3c2b1a0_Zz";
static const char *TOKEN_B = "tB2-00112233445566778899aabbccddeeff";

static int rm_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  char p[512];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      chmod(p, 0700);
      rm_tree(p);
    } else {
      unlink(p);
    }
  }
  closedir(d);
  return rmdir(dir);
}

static int setup(void **state) {
  (void)state;
  snprintf(base, sizeof(base), "/tmp/simpeg-sess-XXXXXX");
  if (!mkdtemp(base)) return -1;
  snprintf(sdir, sizeof(sdir), "%s/simpeg", base);
  snprintf(spath, sizeof(spath), "%s/simpeg/session", base);
  setenv("XDG_STATE_HOME", base, 1);
  setenv("XDG_CONFIG_HOME", base, 1); /* no config.ini there */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  rm_tree(base);
  return 0;
}

static mode_t mode_of(const char *p) {
  struct stat st;
  assert_int_equal(lstat(p, &st), 0);
  return st.st_mode & 07777;
}

static void save_ok(const char *server, const char *token) {
  char err[1024] = "";
  int rc = session_store_save(server, token, err, sizeof(err));
  if (rc != SESSION_STORE_OK) fail_msg("save failed: %s", err);
}

static char *read_all(const char *p) {
  static char buf[4096];
  FILE *f = fopen(p, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void path_follows_xdg_state_home_then_home(void **state) {
  (void)state;
  char p[512];
  assert_int_equal(session_store_path(p, sizeof(p)), 0);
  assert_string_equal(p, spath);
  setenv("XDG_STATE_HOME", "relative/dir", 1); /* ignored, as the XDG spec says */
  setenv("HOME", "/home/budi", 1);
  assert_int_equal(session_store_path(p, sizeof(p)), 0);
  assert_string_equal(p, "/home/budi/.local/state/simpeg/session");
  unsetenv("XDG_STATE_HOME");
  unsetenv("HOME");
  assert_int_equal(session_store_path(p, sizeof(p)), -1);
  char err[256];
  assert_int_equal(session_store_save("h:1", TOKEN_A, err, sizeof(err)), SESSION_STORE_ERROR);
  assert_non_null(strstr(err, "HOME"));
  setenv("XDG_STATE_HOME", base, 1);
}

static void save_creates_private_dir_and_file_then_loads(void **state) {
  (void)state;
  /* A deeper, not yet existing XDG_STATE_HOME: every level is created 0700. */
  char deep[160], p[512];
  snprintf(deep, sizeof(deep), "%s/a/b", base);
  setenv("XDG_STATE_HOME", deep, 1);
  umask(022);
  save_ok("simpeg.example.go.id:7443", TOKEN_A);
  snprintf(p, sizeof(p), "%s/a", base);
  assert_int_equal(mode_of(p), 0700);
  snprintf(p, sizeof(p), "%s/a/b/simpeg", base);
  assert_int_equal(mode_of(p), 0700);
  snprintf(p, sizeof(p), "%s/a/b/simpeg/session", base);
  assert_int_equal(mode_of(p), 0600);
  const char *text = read_all(p);
  assert_non_null(strstr(text, "server=simpeg.example.go.id:7443\n"));

  char token[SESSION_TOKEN_MAX], stored[SESSION_SERVER_MAX], err[1024];
  assert_int_equal(session_store_load("simpeg.example.go.id:7443", token, sizeof(token), stored, sizeof(stored), err,
                                      sizeof(err)),
                   SESSION_STORE_OK);
  assert_string_equal(token, TOKEN_A);
  assert_string_equal(stored, "simpeg.example.go.id:7443");
  setenv("XDG_STATE_HOME", base, 1);
}

static void no_file_means_no_session(void **state) {
  (void)state;
  char token[SESSION_TOKEN_MAX] = "x", stored[SESSION_SERVER_MAX] = "x", err[256];
  assert_int_equal(session_store_load("h:1", token, sizeof(token), stored, sizeof(stored), err, sizeof(err)),
                   SESSION_STORE_NONE);
  assert_string_equal(token, "");
  assert_string_equal(stored, "");
  assert_int_equal(session_store_remove("h:1", NULL, err, sizeof(err)), SESSION_STORE_NONE);
}

static void token_for_another_server_is_not_handed_out(void **state) {
  (void)state;
  save_ok("a.example:7443", TOKEN_A);
  char token[SESSION_TOKEN_MAX], stored[SESSION_SERVER_MAX], err[256];
  assert_int_equal(session_store_load("b.example:7443", token, sizeof(token), stored, sizeof(stored), err,
                                      sizeof(err)),
                   SESSION_STORE_NONE);
  assert_string_equal(token, "");
  assert_string_equal(stored, "a.example:7443");
  /* The same host on another port is another server too. */
  assert_int_equal(session_store_load("a.example:7444", token, sizeof(token), NULL, 0, err, sizeof(err)),
                   SESSION_STORE_NONE);
  /* Removing for another server leaves it alone. */
  assert_int_equal(session_store_remove("b.example:7443", NULL, err, sizeof(err)), SESSION_STORE_NONE);
  assert_int_equal(access(spath, F_OK), 0);
}

static void world_or_group_readable_file_is_refused(void **state) {
  (void)state;
  save_ok("h:1", TOKEN_A);
  static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0666};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(chmod(spath, bad[i]), 0);
    char token[SESSION_TOKEN_MAX] = "", err[1024] = "";
    assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)), SESSION_STORE_ERROR);
    assert_string_equal(token, "");
    assert_non_null(strstr(err, "can be read or changed by other users"));
    assert_non_null(strstr(err, spath));
    assert_non_null(strstr(err, "simpeg login"));
    assert_null(strstr(err, TOKEN_A)); /* the message never shows the token */
  }
  /* Signing in again replaces the unsafe file with a private one. */
  save_ok("h:1", TOKEN_B);
  assert_int_equal(mode_of(spath), 0600);
}

static void file_of_another_user_is_refused(void **state) {
  (void)state;
  if (geteuid() != 0) skip(); /* only root can give a file away */
  save_ok("h:1", TOKEN_A);
  assert_int_equal(chown(spath, 65534, 65534), 0);
  char token[SESSION_TOKEN_MAX], err[1024];
  assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)), SESSION_STORE_ERROR);
  assert_non_null(strstr(err, "belongs to another user"));
}

static void symlink_and_damaged_files_are_refused(void **state) {
  (void)state;
  char token[SESSION_TOKEN_MAX], err[1024], target[200];
  save_ok("h:1", TOKEN_A);
  snprintf(target, sizeof(target), "%s/elsewhere", base);
  assert_int_equal(rename(spath, target), 0);
  assert_int_equal(symlink(target, spath), 0);
  assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)), SESSION_STORE_ERROR);
  assert_non_null(strstr(err, "symbolic link"));
  unlink(spath);

  static const char *damaged[] = {
      "server=h:1\n",                         /* no token */
      "token=abc\n",                          /* no server */
      "server=h:1\ntoken=a b\n",              /* a space in the token */
      "server=h:1\ntoken=abc\ntoken=def\n",   /* twice */
      "server=h:1\ntoken=\n",                 /* empty */
  };
  for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
    int fd = open(spath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, damaged[i], strlen(damaged[i])), (ssize_t)strlen(damaged[i]));
    close(fd);
    assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)),
                     SESSION_STORE_ERROR);
    assert_non_null(strstr(err, "damaged"));
  }
  /* Comments, blank lines and keys of later versions are fine. */
  const char *ok = "# note\n\nserver=h:1\nfuture_key=1\ntoken=abc\n";
  int fd = open(spath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_int_equal(write(fd, ok, strlen(ok)), (ssize_t)strlen(ok));
  close(fd);
  assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)), SESSION_STORE_OK);
  assert_string_equal(token, "abc");
}

static void directory_writable_by_others_is_refused_and_fixed_by_save(void **state) {
  (void)state;
  save_ok("h:1", TOKEN_A);
  assert_int_equal(chmod(sdir, 0777), 0);
  char token[SESSION_TOKEN_MAX], err[1024];
  assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)), SESSION_STORE_ERROR);
  assert_non_null(strstr(err, "chmod 700"));
  save_ok("h:1", TOKEN_B); /* our own directory: made private again */
  assert_int_equal(mode_of(sdir), 0700);
  assert_int_equal(session_store_load("h:1", token, sizeof(token), NULL, 0, err, sizeof(err)), SESSION_STORE_OK);
  assert_string_equal(token, TOKEN_B);
}

static void save_replaces_atomically(void **state) {
  (void)state;
  save_ok("h:1", TOKEN_A);
  struct stat before, after;
  assert_int_equal(stat(spath, &before), 0);
  /* A reader that opened the old file keeps reading the whole old session. */
  int old_fd = open(spath, O_RDONLY);
  assert_true(old_fd >= 0);
  save_ok("h:1", TOKEN_B);
  assert_int_equal(stat(spath, &after), 0);
  assert_true(before.st_ino != after.st_ino); /* a new file renamed over the old one, not rewritten in place */
  char buf[512];
  ssize_t n = read(old_fd, buf, sizeof(buf) - 1);
  assert_true(n > 0);
  buf[n] = '\0';
  close(old_fd);
  assert_non_null(strstr(buf, TOKEN_A));
  assert_non_null(strstr(read_all(spath), TOKEN_B));
  assert_null(strstr(read_all(spath), TOKEN_A));
  assert_int_equal(mode_of(spath), 0600);
  /* No temporary file is left behind. */
  DIR *d = opendir(sdir);
  assert_non_null(d);
  struct dirent *e;
  int entries = 0;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++;
  closedir(d);
  assert_int_equal(entries, 1);
}

static void unusable_tokens_and_addresses_are_not_saved(void **state) {
  (void)state;
  char err[512];
  assert_int_equal(session_store_save("h:1", "abc\nserver=evil:1", err, sizeof(err)), SESSION_STORE_ERROR);
  assert_int_equal(session_store_save("h:1", "", err, sizeof(err)), SESSION_STORE_ERROR);
  assert_int_equal(session_store_save("h:1\nx", "abc", err, sizeof(err)), SESSION_STORE_ERROR);
  char big[SESSION_TOKEN_MAX + 1];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  assert_int_equal(session_store_save("h:1", big, err, sizeof(err)), SESSION_STORE_ERROR);
  assert_int_equal(access(spath, F_OK), -1);
}

static void remove_only_the_session_it_was_asked_to(void **state) {
  (void)state;
  char err[256], token[SESSION_TOKEN_MAX], stored[SESSION_SERVER_MAX];
  save_ok("h:1", TOKEN_B);
  /* A stale token (a newer login replaced it meanwhile): the file stays. */
  assert_int_equal(session_store_remove("h:1", TOKEN_A, err, sizeof(err)), SESSION_STORE_NONE);
  assert_int_equal(access(spath, F_OK), 0);
  assert_int_equal(session_store_remove("h:1", TOKEN_B, err, sizeof(err)), SESSION_STORE_OK);
  assert_int_equal(access(spath, F_OK), -1);
  assert_int_equal(session_store_load("h:1", token, sizeof(token), stored, sizeof(stored), err, sizeof(err)),
                   SESSION_STORE_NONE);
  assert_string_equal(stored, "");
  save_ok("h:1", TOKEN_A);
  assert_int_equal(session_store_remove("h:1", NULL, err, sizeof(err)), SESSION_STORE_OK);
  assert_int_equal(access(spath, F_OK), -1);
}

/* ---- the CLI helpers on top ---- */

typedef struct captured {
  cli_ctx_t ctx;
  char *out_buf, *err_buf;
  size_t out_len, err_len;
} captured_t;

static void ctx_open(captured_t *c, const char *server, bool json) {
  memset(c, 0, sizeof(*c));
  c->ctx.out = open_memstream(&c->out_buf, &c->out_len);
  c->ctx.err = open_memstream(&c->err_buf, &c->err_len);
  char err[256];
  assert_int_equal(cli_settings_set(&c->ctx.flags, "server", server, err, sizeof(err)), 0);
  if (json) assert_int_equal(cli_settings_set(&c->ctx.flags, "output", "json", err, sizeof(err)), 0);
}

static void ctx_close(captured_t *c) {
  fclose(c->ctx.out);
  fclose(c->ctx.err);
  cli_ctx_free(&c->ctx);
  free(c->out_buf);
  free(c->err_buf);
}

static void not_signed_in_is_exit_4_with_a_hint(void **state) {
  (void)state;
  captured_t c;
  ctx_open(&c, "h:1", true);
  assert_int_equal(cli_session_load(&c.ctx, CLI_AUTH_REQUIRED), CLI_EXIT_SERVER);
  fflush(c.ctx.out);
  fflush(c.ctx.err);
  assert_non_null(strstr(c.err_buf, "not signed in to h:1"));
  assert_non_null(strstr(c.err_buf, "simpeg login"));
  assert_non_null(strstr(c.out_buf, "{\"error\":{\"code\":\"NOT_SIGNED_IN\""));
  ctx_close(&c);

  /* Optional: fine, anonymous. */
  ctx_open(&c, "h:1", false);
  assert_int_equal(cli_session_load(&c.ctx, CLI_AUTH_OPTIONAL), 0);
  assert_string_equal(c.ctx.session.token, "");
  ctx_close(&c);

  /* Signed in to another server: the message names it. */
  save_ok("other:2", TOKEN_A);
  ctx_open(&c, "h:1", false);
  assert_int_equal(cli_session_load(&c.ctx, CLI_AUTH_REQUIRED), CLI_EXIT_SERVER);
  fflush(c.ctx.err);
  assert_non_null(strstr(c.err_buf, "the saved session is for other:2"));
  assert_null(strstr(c.err_buf, TOKEN_A));
  ctx_close(&c);
}

static void unsafe_file_is_exit_2_and_save_forget_round_trip(void **state) {
  (void)state;
  captured_t c;
  save_ok("h:1", TOKEN_A);
  chmod(spath, 0644);
  ctx_open(&c, "h:1", true);
  assert_int_equal(cli_session_load(&c.ctx, CLI_AUTH_REQUIRED), CLI_EXIT_USAGE);
  fflush(c.ctx.out);
  assert_non_null(strstr(c.out_buf, "\"code\":\"SESSION_FILE\""));
  assert_null(strstr(c.out_buf, TOKEN_A));
  /* login: save; then forget removes exactly that session. */
  assert_int_equal(cli_session_save(&c.ctx, TOKEN_B), 0);
  assert_int_equal(mode_of(spath), 0600);
  assert_int_equal(cli_session_load(&c.ctx, CLI_AUTH_REQUIRED), 0);
  assert_string_equal(c.ctx.session.token, TOKEN_B);
  assert_true(cli_session_forget(&c.ctx));
  assert_string_equal(c.ctx.session.token, "");
  assert_int_equal(access(spath, F_OK), -1);
  assert_false(cli_session_forget(&c.ctx));
  ctx_close(&c);
}

static void session_ended_means_unauthenticated_but_not_a_wrong_password(void **state) {
  (void)state;
  Simpeg__V1__Error se = SIMPEG__V1__ERROR__INIT;
  spc_error_t e;
  memset(&e, 0, sizeof(e));
  e.code = SPC_ESERVER;
  e.server = &se;
  se.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED;
  se.reason = "session_invalid";
  assert_true(cli_session_ended(&e));
  se.reason = "login_required";
  assert_true(cli_session_ended(&e));
  se.reason = "bad_credentials";
  assert_false(cli_session_ended(&e));
  se.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_PERMISSION_DENIED;
  se.reason = "";
  assert_false(cli_session_ended(&e));
  e.code = SPC_ECONNECT;
  e.server = NULL;
  assert_false(cli_session_ended(&e));
}

/* ---- passwords from standard input ---- */

static int pipe_with(const char *text) {
  int p[2];
  assert_int_equal(pipe(p), 0);
  assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
  close(p[1]);
  return p[0];
}

static void lines_are_read_one_at_a_time(void **state) {
  (void)state;
  int fd = pipe_with("old secret\r\nnew secret ünïcode\n\nlast without newline");
  char buf[64];
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), 10);
  assert_string_equal(buf, "old secret"); /* CR of a CRLF dropped */
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), (ssize_t)strlen("new secret ünïcode"));
  assert_string_equal(buf, "new secret ünïcode"); /* spaces kept: they are part of a password */
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), 20);
  assert_string_equal(buf, "last without newline");
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), CLI_LINE_EOF);
  close(fd);
}

static void too_long_line_is_refused_and_skipped(void **state) {
  (void)state;
  int fd = pipe_with("0123456789abcdef\nok\n");
  char buf[8];
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), CLI_LINE_TOO_LONG);
  for (size_t i = 0; i < sizeof(buf); i++) assert_int_equal(buf[i], 0); /* wiped */
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), 2);
  assert_string_equal(buf, "ok");
  close(fd);
  fd = pipe_with("1234567\n"); /* exactly cap - 1 fits */
  assert_int_equal(cli_read_line_fd(fd, buf, sizeof(buf)), 7);
  close(fd);
}

static void secret_from_stdin_reports_missing_input(void **state) {
  (void)state;
  int saved = dup(STDIN_FILENO);
  int fd = pipe_with("only-one-line\n");
  dup2(fd, STDIN_FILENO);
  close(fd);
  captured_t c;
  ctx_open(&c, "h:1", false);
  char pw[32];
  assert_int_equal(cli_read_secret_stdin(&c.ctx, "the current password", pw, sizeof(pw)), 0);
  assert_string_equal(pw, "only-one-line");
  assert_int_equal(cli_read_secret_stdin(&c.ctx, "the new password", pw, sizeof(pw)), CLI_EXIT_USAGE);
  fflush(c.ctx.err);
  assert_non_null(strstr(c.err_buf, "the new password is missing on standard input"));
  ctx_close(&c);
  dup2(saved, STDIN_FILENO);
  close(saved);
}

int main(void) {
  setenv("LANGUAGE", "C", 1); /* English msgids whatever the environment */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(path_follows_xdg_state_home_then_home, setup, teardown),
      cmocka_unit_test_setup_teardown(save_creates_private_dir_and_file_then_loads, setup, teardown),
      cmocka_unit_test_setup_teardown(no_file_means_no_session, setup, teardown),
      cmocka_unit_test_setup_teardown(token_for_another_server_is_not_handed_out, setup, teardown),
      cmocka_unit_test_setup_teardown(world_or_group_readable_file_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(file_of_another_user_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(symlink_and_damaged_files_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(directory_writable_by_others_is_refused_and_fixed_by_save, setup, teardown),
      cmocka_unit_test_setup_teardown(save_replaces_atomically, setup, teardown),
      cmocka_unit_test_setup_teardown(unusable_tokens_and_addresses_are_not_saved, setup, teardown),
      cmocka_unit_test_setup_teardown(remove_only_the_session_it_was_asked_to, setup, teardown),
      cmocka_unit_test_setup_teardown(not_signed_in_is_exit_4_with_a_hint, setup, teardown),
      cmocka_unit_test_setup_teardown(unsafe_file_is_exit_2_and_save_forget_round_trip, setup, teardown),
      cmocka_unit_test(session_ended_means_unauthenticated_but_not_a_wrong_password),
      cmocka_unit_test(lines_are_read_one_at_a_time),
      cmocka_unit_test(too_long_line_is_refused_and_skipped),
      cmocka_unit_test_setup_teardown(secret_from_stdin_reports_missing_input, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
