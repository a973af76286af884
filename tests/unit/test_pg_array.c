/* Unit tests for pg_array (PostgreSQL array literals for unnest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pg_array.h"

static void empty_array_is_braces(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 1024);
  pg_array_open(&b);
  assert_string_equal(pg_array_close(&b), "{}");
  sp_buf_free(&b);
}

static void elements_are_quoted_and_null_is_bare(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 1024);
  pg_array_open(&b);
  assert_true(pg_array_add(&b, "a"));
  assert_true(pg_array_add(&b, NULL));
  assert_true(pg_array_add(&b, ""));
  assert_true(pg_array_add(&b, "NULL")); /* the word, not SQL NULL */
  assert_string_equal(pg_array_close(&b), "{\"a\",NULL,\"\",\"NULL\"}");
  sp_buf_free(&b);
}

static void quotes_and_backslashes_are_escaped(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 1024);
  pg_array_open(&b);
  assert_true(pg_array_add(&b, "say \"hi\", {x} \\ y"));
  assert_string_equal(pg_array_close(&b), "{\"say \\\"hi\\\", {x} \\\\ y\"}");
  sp_buf_free(&b);
}

static void an_element_past_the_limit_is_refused_whole(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 16);
  pg_array_open(&b);
  assert_true(pg_array_add(&b, "ab"));
  assert_false(pg_array_add(&b, "0123456789"));
  assert_string_equal(pg_array_close(&b), "{\"ab\"}");
  sp_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(empty_array_is_braces),
      cmocka_unit_test(elements_are_quoted_and_null_is_bare),
      cmocka_unit_test(quotes_and_backslashes_are_escaped),
      cmocka_unit_test(an_element_past_the_limit_is_refused_whole),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
