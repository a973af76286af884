/* test_client_config: where the CLI's settings come from and which wins:
 * defaults < config file [client] section < command-line flags. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

static char dir[64];
static char path[128];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/simpeg-cfg-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(path, sizeof(path), "%s/config.ini", dir);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unlink(path);
  rmdir(dir);
  return 0;
}

static void write_file(const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void defaults_apply_when_nothing_is_set(void **state) {
  (void)state;
  cli_settings_t file = {0}, flags = {0}, out;
  cli_settings_merge(&out, &file, &flags);
  assert_null(out.server);
  assert_null(out.ca);
  assert_int_equal(out.timeout_ms, CLI_DEFAULT_TIMEOUT_MS);
  assert_int_equal(out.output, CLI_OUTPUT_TABLE);
  cli_settings_free(&out);
}

static void flags_override_file_which_overrides_defaults(void **state) {
  (void)state;
  write_file("# client settings\n"
             "[client]\n"
             "server = files.example:7443\n"
             "ca = /etc/simpeg/ca.pem\n"
             "timeout_ms = 2500\n"
             "output = json\n"
             "server_name = simpeg.internal\n"
             "[other]\n"
             "server = ignored:1\n");
  cli_settings_t file = {0}, flags = {0}, out;
  char err[256];
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), 0);
  assert_int_equal(cli_settings_set(&flags, "server", "flag.example:9000", err, sizeof(err)), 0);
  assert_int_equal(cli_settings_set(&flags, "output", "table", err, sizeof(err)), 0);
  cli_settings_merge(&out, &file, &flags);
  assert_string_equal(out.server, "flag.example:9000");          /* flag wins */
  assert_string_equal(out.ca, "/etc/simpeg/ca.pem");              /* from the file */
  assert_string_equal(out.server_name, "simpeg.internal");        /* from the file */
  assert_int_equal(out.timeout_ms, 2500);                         /* file beats default */
  assert_int_equal(out.output, CLI_OUTPUT_TABLE);                 /* flag beats file */
  assert_null(out.cert);
  cli_settings_free(&out);
  cli_settings_free(&file);
  cli_settings_free(&flags);
}

static void relative_file_names_are_relative_to_the_config_file(void **state) {
  (void)state;
  write_file("[client]\nca = certs/ca.pem\ncert = /abs/client.pem\nkey = \"client key.pem\"\n");
  cli_settings_t file = {0};
  char err[256], want[256];
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), 0);
  snprintf(want, sizeof(want), "%s/certs/ca.pem", dir);
  assert_string_equal(file.ca, want);
  assert_string_equal(file.cert, "/abs/client.pem");
  snprintf(want, sizeof(want), "%s/client key.pem", dir);
  assert_string_equal(file.key, want);
  cli_settings_free(&file);
}

static void bad_values_are_errors_with_the_line(void **state) {
  (void)state;
  cli_settings_t file = {0};
  char err[256];
  write_file("[client]\n\ntimeout_ms = soon\n");
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), -1);
  assert_non_null(strstr(err, ":3: "));
  assert_non_null(strstr(err, "soon"));
  cli_settings_free(&file);

  write_file("[client]\noutput = xml\n");
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "xml"));
  cli_settings_free(&file);

  write_file("[client]\nserver = no-port\n");
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), -1);
  cli_settings_free(&file);

  write_file("[client\n");
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "line 1"));
  cli_settings_free(&file);
}

static void unknown_keys_warn_and_continue(void **state) {
  (void)state;
  write_file("[client]\ncolour = blue\nserver = a:1\n");
  cli_settings_t file = {0};
  char err[256];
  char *warn_buf = NULL;
  size_t warn_len = 0;
  FILE *warn = open_memstream(&warn_buf, &warn_len);
  assert_int_equal(cli_config_load(path, true, &file, warn, err, sizeof(err)), 0);
  fclose(warn);
  assert_non_null(strstr(warn_buf, "colour"));
  assert_string_equal(file.server, "a:1");
  free(warn_buf);
  cli_settings_free(&file);
}

static void missing_file_is_fine_unless_named(void **state) {
  (void)state;
  cli_settings_t file = {0};
  char err[256];
  unlink(path);
  assert_int_equal(cli_config_load(path, false, &file, NULL, err, sizeof(err)), 0);
  assert_int_equal(cli_config_load(path, true, &file, NULL, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "config.ini"));
}

static void flag_values_are_validated_like_file_values(void **state) {
  (void)state;
  cli_settings_t s = {0};
  char err[256];
  assert_int_equal(cli_settings_set(&s, "timeout_ms", "0", err, sizeof(err)), -EINVAL);
  assert_int_equal(cli_settings_set(&s, "timeout_ms", "3600001", err, sizeof(err)), -EINVAL);
  assert_int_equal(cli_settings_set(&s, "timeout_ms", "1", err, sizeof(err)), 0);
  assert_int_equal(cli_settings_set(&s, "server", "[::1]:7443", err, sizeof(err)), 0);
  assert_int_equal(cli_settings_set(&s, "server", "::1:7443", err, sizeof(err)), -EINVAL);
  assert_int_equal(cli_settings_set(&s, "server", ":7443", err, sizeof(err)), -EINVAL);
  assert_int_equal(cli_settings_set(&s, "nonsense", "x", err, sizeof(err)), -ENOENT);
  cli_settings_free(&s);
}

static void default_path_follows_xdg(void **state) {
  (void)state;
  char out[256];
  setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
  cli_config_default_path(out, sizeof(out));
  assert_string_equal(out, "/x/cfg/simpeg/config.ini");
  setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
  setenv("HOME", "/home/pns", 1);
  cli_config_default_path(out, sizeof(out));
  assert_string_equal(out, "/home/pns/.config/simpeg/config.ini");
  unsetenv("XDG_CONFIG_HOME");
  cli_config_default_path(out, sizeof(out));
  assert_string_equal(out, "/home/pns/.config/simpeg/config.ini");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults_apply_when_nothing_is_set),
      cmocka_unit_test(flags_override_file_which_overrides_defaults),
      cmocka_unit_test(relative_file_names_are_relative_to_the_config_file),
      cmocka_unit_test(bad_values_are_errors_with_the_line),
      cmocka_unit_test(unknown_keys_warn_and_continue),
      cmocka_unit_test(missing_file_is_fine_unless_named),
      cmocka_unit_test(flag_values_are_validated_like_file_values),
      cmocka_unit_test(default_path_follows_xdg),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
