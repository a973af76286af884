/* test_client_json: the CLI's JSON writer: escaping, UTF-8 repair,
 * structure, locale-independent decimals. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_out.h"

/* Runs fn on a memory stream and returns what it wrote (caller frees). */
static char *capture_escaped(const char *s, size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  json_write_escaped(f, s, n);
  fclose(f);
  return buf;
}

static void assert_escapes(const char *in, size_t n, const char *want) {
  char *got = capture_escaped(in, n);
  assert_string_equal(got, want);
  free(got);
}

static void quotes_backslashes_and_controls_are_escaped(void **state) {
  (void)state;
  assert_escapes("plain", 5, "\"plain\"");
  assert_escapes("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
  assert_escapes("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
  assert_escapes("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
  assert_escapes("a\0b", 3, "\"a\\u0000b\"");
  assert_escapes("/", 1, "\"/\"");
}

static void valid_utf8_passes_through(void **state) {
  (void)state;
  /* é (2 bytes), € (3 bytes), 😀 (4 bytes) */
  const char *s = "Pegawai \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  char want[64];
  snprintf(want, sizeof(want), "\"%s\"", s);
  assert_escapes(s, strlen(s), want);
}

static void invalid_utf8_becomes_replacement_character(void **state) {
  (void)state;
  assert_escapes("a\xff" "b", 3, "\"a\\ufffdb\"");            /* never valid */
  assert_escapes("\xc3", 1, "\"\\ufffd\"");                   /* truncated */
  assert_escapes("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");        /* overlong '/' */
  assert_escapes("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* UTF-16 surrogate */
  assert_escapes("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
}

static char *write_doc(void (*fn)(json_out_t *)) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  json_out_t j;
  json_init(&j, f);
  fn(&j);
  fclose(f);
  return buf;
}

static void nested_doc(json_out_t *j) {
  json_begin_object(j);
  json_key(j, "name");
  json_string(j, "ping");
  json_key(j, "ok");
  json_bool(j, true);
  json_key(j, "none");
  json_null(j);
  json_key(j, "n");
  json_int(j, -5);
  json_key(j, "list");
  json_begin_array(j);
  json_uint(j, 1);
  json_begin_object(j);
  json_end_object(j);
  json_begin_array(j);
  json_end_array(j);
  json_string(j, NULL);
  json_end_array(j);
  json_key(j, "ms");
  json_decimal(j, 1532, 3);
  json_key(j, "small");
  json_decimal(j, 7, 3);
  json_key(j, "whole");
  json_decimal(j, 42, 0);
  json_end_object(j);
  json_finish(j);
}

static void structure_gets_commas_and_colons_right(void **state) {
  (void)state;
  char *got = write_doc(nested_doc);
  assert_string_equal(got, "{\"name\":\"ping\",\"ok\":true,\"none\":null,\"n\":-5,"
                           "\"list\":[1,{},[],null],\"ms\":1.532,\"small\":0.007,\"whole\":42}\n");
  free(got);
}

static void decimals_ignore_the_locale(void **state) {
  (void)state;
  /* Indonesian writes a decimal comma; JSON must not. Skip quietly when
   * the locale is not installed: the C locale proves nothing then. */
  if (!setlocale(LC_NUMERIC, "id_ID.UTF-8")) {
    skip();
  }
  char *got = write_doc(nested_doc);
  assert_non_null(strstr(got, "\"ms\":1.532"));
  free(got);
  setlocale(LC_NUMERIC, "C");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(quotes_backslashes_and_controls_are_escaped),
      cmocka_unit_test(valid_utf8_passes_through),
      cmocka_unit_test(invalid_utf8_becomes_replacement_character),
      cmocka_unit_test(structure_gets_commas_and_colons_right),
      cmocka_unit_test(decimals_ignore_the_locale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
