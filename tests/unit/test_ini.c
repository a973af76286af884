/* Unit tests for the INI tokenizer and value parsers (common/sp_ini.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sp_ini.h"

typedef struct seen {
  char text[1024];
  int count;
} seen_t;

static int record(void *ud, const char *section, const char *key, const char *value, int line) {
  seen_t *s = ud;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof(s->text) - n, "%d:%s.%s=%s|", line, section, key, value);
  s->count++;
  return 0;
}

static int stop_at_two(void *ud, const char *section, const char *key, const char *value, int line) {
  seen_t *s = ud;
  s->count++;
  return s->count == 2 ? -77 : 0;
}

static void ini_sections_keys_comments_and_quotes(void **state) {
  (void)state;
  const char *text =
      "\xEF\xBB\xBF# comment\n"
      "top = 1\r\n"
      "[server]\n"
      "  listen =  127.0.0.1:7443  \n"
      "; another comment\n"
      "\n"
      "[ tls ]\n"
      "cert=/etc/x.pem\n"
      "name = \" spaced \"\n"
      "conninfo = host=a port=5432 # not a comment\n";
  seen_t s = {0};
  char err[256];
  assert_int_equal(sp_ini_parse_string(text, strlen(text), record, &s, err, sizeof(err)), 0);
  assert_string_equal(s.text,
                      "2:.top=1|4:server.listen=127.0.0.1:7443|8:tls.cert=/etc/x.pem|"
                      "9:tls.name= spaced |10:tls.conninfo=host=a port=5432 # not a comment|");
}

static void ini_syntax_errors_name_the_line(void **state) {
  (void)state;
  const char *bad[] = {"[server\n", "a = 1\nnovalue\n", "[]\n", " = x\n", "[a] b\n"};
  const char *want[] = {"line 1", "line 2", "line 1", "line 1", "line 1"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    seen_t s = {0};
    char err[256] = "";
    assert_true(sp_ini_parse_string(bad[i], strlen(bad[i]), record, &s, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, want[i]));
  }
  char nul[] = "a = 1\nb = x\0y\n";
  seen_t s = {0};
  char err[256];
  assert_true(sp_ini_parse_string(nul, sizeof(nul) - 1, record, &s, err, sizeof(err)) < 0);
}

static void ini_callback_can_stop_the_parse(void **state) {
  (void)state;
  const char *text = "a=1\nb=2\nc=3\n";
  seen_t s = {0};
  char err[64];
  assert_int_equal(sp_ini_parse_string(text, strlen(text), stop_at_two, &s, err, sizeof(err)), -77);
  assert_int_equal(s.count, 2);
}

static void ini_missing_file_names_the_file(void **state) {
  (void)state;
  seen_t s = {0};
  char err[256];
  assert_true(sp_ini_parse_file("/nonexistent/simpeg.conf", record, &s, err, sizeof(err)) < 0);
  assert_non_null(strstr(err, "/nonexistent/simpeg.conf"));
}

static void ini_value_parsers(void **state) {
  (void)state;
  bool b;
  assert_true(sp_parse_bool("Yes", &b) && b);
  assert_true(sp_parse_bool("off", &b) && !b);
  assert_false(sp_parse_bool("maybe", &b));
  uint64_t v;
  assert_true(sp_parse_u64("4096", 1, 10000, &v) && v == 4096);
  assert_false(sp_parse_u64("0", 1, 10, &v));
  assert_false(sp_parse_u64("-1", 0, 10, &v));
  assert_false(sp_parse_u64("12x", 0, 100, &v));
  assert_false(sp_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v));
  char host[64];
  uint16_t port;
  assert_true(sp_parse_hostport("127.0.0.1:7443", host, sizeof(host), &port));
  assert_string_equal(host, "127.0.0.1");
  assert_int_equal(port, 7443);
  assert_true(sp_parse_hostport("[::1]:80", host, sizeof(host), &port));
  assert_string_equal(host, "::1");
  assert_true(sp_parse_hostport(":7443", host, sizeof(host), &port));
  assert_string_equal(host, "");
  assert_false(sp_parse_hostport("::1:80", host, sizeof(host), &port));
  assert_false(sp_parse_hostport("host:0", host, sizeof(host), &port));
  assert_false(sp_parse_hostport("host:65536", host, sizeof(host), &port));
  assert_false(sp_parse_hostport("host", host, sizeof(host), &port));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ini_sections_keys_comments_and_quotes),
      cmocka_unit_test(ini_syntax_errors_name_the_line),
      cmocka_unit_test(ini_callback_can_stop_the_parse),
      cmocka_unit_test(ini_missing_file_names_the_file),
      cmocka_unit_test(ini_value_parsers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
