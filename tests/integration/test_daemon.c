/* Integration tests of simpegd as a program: its command line, configuration
 * checking, readiness notification to systemd, and the connection cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <poll.h>

#include "harness.h"

/* Runs a shell command, captures its output (stdout+stderr) into out. */
static int run_capture(const char *cmd, char *out, size_t cap) {
  char full[2048];
  snprintf(full, sizeof(full), "%s 2>&1", cmd);
  FILE *p = popen(full, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *bin(void) { return harness_env("SIMPEG_TEST_SIMPEGD"); }

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void help_and_version(void **state) {
  char out[8192], cmd[1024];
  snprintf(cmd, sizeof(cmd), "'%s' --help", bin());
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 0);
  assert_non_null(strstr(out, "check-config"));
  assert_non_null(strstr(out, "migrate"));
  snprintf(cmd, sizeof(cmd), "'%s' --version", bin());
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 0);
  assert_non_null(strstr(out, "simpegd "));
  snprintf(cmd, sizeof(cmd), "'%s' frobnicate", bin());
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 2);
  assert_non_null(strstr(out, "unknown command"));
  snprintf(cmd, sizeof(cmd), "'%s' --no-such-flag", bin());
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 2);
}

static void check_config_accepts_a_good_file_and_names_what_is_wrong(void **state) {
  char dir[] = "/tmp/simpeg-cfg-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256], text[2048], cmd[1024], out[8192];
  snprintf(path, sizeof(path), "%s/simpegd.conf", dir);

  snprintf(text, sizeof(text), "[tls]\ncert = %s\nkey = %s\n[database]\nconninfo = %s\n", harness_cert("server.pem"),
           harness_cert("server.key"), harness_env("SIMPEG_TEST_CONNINFO"));
  write_file(path, text);
  snprintf(cmd, sizeof(cmd), "'%s' check-config --config '%s' --dump", bin(), path);
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 0);
  assert_non_null(strstr(out, "configuration OK"));
  assert_non_null(strstr(out, "listen = 127.0.0.1:7443"));

  /* A secret in the conninfo never appears in the dump. */
  snprintf(text, sizeof(text), "[tls]\ncert = %s\nkey = %s\n[database]\nconninfo = %s password=hunter2\n",
           harness_cert("server.pem"), harness_cert("server.key"), harness_env("SIMPEG_TEST_CONNINFO"));
  write_file(path, text);
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 0);
  assert_null(strstr(out, "hunter2"));

  struct {
    const char *ini;
    const char *expect;
  } bad[] = {
      {"[server]\nmax_in_flight = lots\n", "line 2: server.max_in_flight"},
      {"[server]\nlisten = 7443\n", "expected HOST:PORT"},
      {"[server]\nspeed = fast\n", "unknown key 'server.speed'"},
      {"[tls]\nmin_version = 1.1\n", "expected 1.3 or 1.2"},
      {"[server\n", "line 1"},
      {"[log]\nlevel = chatty\n", "log.level"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    write_file(path, bad[i].ini);
    assert_int_equal(run_capture(cmd, out, sizeof(out)), 2);
    if (!strstr(out, bad[i].expect)) fail_msg("for %s expected '%s' in: %s", bad[i].ini, bad[i].expect, out);
  }

  /* A missing certificate is named. */
  snprintf(text, sizeof(text), "[tls]\ncert = %s/missing.pem\nkey = %s\n", dir, harness_cert("server.key"));
  write_file(path, text);
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 2);
  assert_non_null(strstr(out, "missing.pem"));

  /* No certificate at all. */
  write_file(path, "[server]\nlisten = 127.0.0.1:7443\n");
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 2);
  assert_non_null(strstr(out, "tls.cert"));

  snprintf(cmd, sizeof(cmd), "'%s' check-config --config %s/nonexistent.conf", bin(), dir);
  assert_int_equal(run_capture(cmd, out, sizeof(out)), 2);
  assert_non_null(strstr(out, "nonexistent.conf"));
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  harness_sh(cmd);
}

static void ready_and_stopping_are_reported_to_systemd(void **state) {
  char sockpath[] = "/tmp/simpeg-notify-XXXXXX";
  assert_non_null(mkdtemp(sockpath));
  char path[300];
  snprintf(path, sizeof(path), "%s/notify", sockpath);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  assert_true(strlen(path) < sizeof(sa.sun_path));
  memcpy(sa.sun_path, path, strlen(path) + 1);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  setenv("NOTIFY_SOCKET", path, 1);
  daemon_t d;
  assert_true(daemon_start(&d, NULL));
  unsetenv("NOTIFY_SOCKET");
  char msg[512];
  struct pollfd p = {.fd = fd, .events = POLLIN};
  assert_int_equal(poll(&p, 1, 5000), 1);
  ssize_t n = recv(fd, msg, sizeof(msg) - 1, 0);
  assert_true(n > 0);
  msg[n] = '\0';
  assert_non_null(strstr(msg, "READY=1"));
  kill(d.pid, SIGTERM);
  assert_int_equal(poll(&p, 1, 5000), 1);
  n = recv(fd, msg, sizeof(msg) - 1, 0);
  assert_true(n > 0);
  msg[n] = '\0';
  assert_non_null(strstr(msg, "STOPPING=1"));
  assert_int_equal(daemon_wait_exit(&d), 0);
  close(fd);
  unlink(path);
  rmdir(sockpath);
}

static void connections_over_max_connections_are_refused_and_others_still_served(void **state) {
  daemon_t d;
  assert_true(daemon_start(&d, "[server]\nmax_connections = 3\n"));
  raw_tls_t r[3];
  for (int i = 0; i < 3; i++) assert_true(raw_tls_connect(&r[i], d.port));
  /* The fourth is closed at once (before its handshake). */
  raw_tls_t extra;
  assert_false(raw_tls_connect(&extra, d.port));
  raw_tls_close(&extra);
  assert_true(daemon_log_contains(&d, "max_connections reached"));
  raw_tls_close(&r[0]);
  /* Once one leaves, a new client gets in. */
  int ok = -1;
  for (int i = 0; i < 50 && ok != 0; i++) {
    ok = sync_ping(&d);
    if (ok != 0) usleep(50000);
  }
  assert_int_equal(ok, 0);
  raw_tls_close(&r[1]);
  raw_tls_close(&r[2]);
  assert_int_equal(daemon_stop(&d), 0);
}

int main(void) {
  harness_require_env(false);
  alarm(300);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(help_and_version),
      cmocka_unit_test(check_config_accepts_a_good_file_and_names_what_is_wrong),
      cmocka_unit_test(ready_and_stopping_are_reported_to_systemd),
      cmocka_unit_test(connections_over_max_connections_are_refused_and_others_still_served),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
