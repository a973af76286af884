/* Unit tests for sp_csv (incremental RFC 4180 parser): every input is also
 * fed split at every byte position and one byte at a time, and must give
 * the same records and line numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sp_csv.h"

/* Records rendered as "line:field|field\n" so comparisons are one string. */
typedef struct out {
  char text[8192];
  size_t len;
} out_t;

static int collect(void *ud, const sp_csv_record_t *rec) {
  out_t *o = ud;
  o->len += (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len, "%llu:", (unsigned long long)rec->line);
  for (size_t i = 0; i < rec->nfields; i++) {
    assert_int_equal(strlen(rec->fields[i]), rec->lens[i]);
    o->len += (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len, "%s%s", i ? "|" : "", rec->fields[i]);
  }
  o->len += (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len, "\n");
  return 0;
}

static int parse_whole(const char *in, size_t len, out_t *o, uint64_t *err_line) {
  sp_csv_t p;
  sp_csv_init(&p, 64, 256, 16);
  memset(o, 0, sizeof(*o));
  int r = sp_csv_feed(&p, in, len, true, collect, o);
  if (err_line) *err_line = p.error_line;
  sp_csv_free(&p);
  return r;
}

/* Parses `in` whole, split in two at every position, and byte by byte;
 * checks that all agree and returns the rendering and result. */
static int parse_all_ways(const char *in, out_t *whole, uint64_t *err_line) {
  size_t len = strlen(in);
  uint64_t line0 = 0;
  int r0 = parse_whole(in, len, whole, &line0);
  for (size_t cut = 0; cut <= len; cut++) {
    sp_csv_t p;
    sp_csv_init(&p, 64, 256, 16);
    out_t o;
    memset(&o, 0, sizeof(o));
    int r = sp_csv_feed(&p, in, cut, false, collect, &o);
    if (r == SP_CSV_OK) r = sp_csv_feed(&p, in + cut, len - cut, true, collect, &o);
    assert_int_equal(r, r0);
    assert_string_equal(o.text, whole->text);
    if (r0) assert_int_equal(p.error_line, line0);
    sp_csv_free(&p);
  }
  sp_csv_t p;
  sp_csv_init(&p, 64, 256, 16);
  out_t o;
  memset(&o, 0, sizeof(o));
  int r = SP_CSV_OK;
  for (size_t i = 0; i < len && r == SP_CSV_OK; i++) r = sp_csv_feed(&p, in + i, 1, false, collect, &o);
  if (r == SP_CSV_OK) r = sp_csv_feed(&p, NULL, 0, true, collect, &o);
  assert_int_equal(r, r0);
  assert_string_equal(o.text, whole->text);
  sp_csv_free(&p);
  if (err_line) *err_line = line0;
  return r0;
}

static void csv_plain_records_with_lf_and_crlf(void **state) {
  (void)state;
  out_t o;
  assert_int_equal(parse_all_ways("a,b,c\n1,2,3\n", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:a|b|c\n2:1|2|3\n");
  assert_int_equal(parse_all_ways("a,b\r\n1,2\r\n", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:a|b\n2:1|2\n");
  /* a lone CR is a line end too; the last record may lack one */
  assert_int_equal(parse_all_ways("a,b\r1,2", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:a|b\n2:1|2\n");
}

static void csv_empty_fields_and_blank_lines(void **state) {
  (void)state;
  out_t o;
  assert_int_equal(parse_all_ways("a,,c\n,\n\n\r\n\"\"\n", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:a||c\n2:|\n5:\n");
}

static void csv_quoted_fields_hold_commas_quotes_and_newlines(void **state) {
  (void)state;
  out_t o;
  assert_int_equal(parse_all_ways("n,addr\n\"Budi, S.Kom.\",\"Jl. \"\"Merdeka\"\"\nNo. 1\"\nx,y\n", &o, NULL),
                   SP_CSV_OK);
  /* the third record starts on line 4: the quoted newline counts */
  assert_string_equal(o.text, "1:n|addr\n2:Budi, S.Kom.|Jl. \"Merdeka\"\nNo. 1\n4:x|y\n");
  assert_int_equal(parse_all_ways("\"a\r\nb\",c\r\nd,e\r\n", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:a\r\nb|c\n3:d|e\n");
}

static void csv_bom_is_skipped_once(void **state) {
  (void)state;
  out_t o;
  assert_int_equal(parse_all_ways("\xEF\xBB\xBFnip,name\r\n1,\"A, B\"\r\n", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:nip|name\n2:1|A, B\n");
  /* only at the very start, and a partial one is data */
  assert_int_equal(parse_all_ways("\xEF\xBBx\n", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:\xEF\xBBx\n");
  assert_int_equal(parse_all_ways("\xEF", &o, NULL), SP_CSV_OK);
  assert_string_equal(o.text, "1:\xEF\n");
}

static void csv_unterminated_quote_at_eof_names_the_record_line(void **state) {
  (void)state;
  out_t o;
  uint64_t line = 0;
  assert_int_equal(parse_all_ways("a\nb\n\"c\nd\n", &o, &line), SP_CSV_UNTERMINATED_QUOTE);
  assert_int_equal(line, 3);
  assert_string_equal(o.text, "1:a\n2:b\n");
}

static void csv_stray_and_trailing_quotes_are_errors(void **state) {
  (void)state;
  out_t o;
  uint64_t line = 0;
  assert_int_equal(parse_all_ways("a\nab\"c\n", &o, &line), SP_CSV_STRAY_QUOTE);
  assert_int_equal(line, 2);
  assert_int_equal(parse_all_ways("a\n\"ab\"c\n", &o, &line), SP_CSV_AFTER_QUOTE);
  assert_int_equal(line, 2);
}

static void csv_caps_are_errors(void **state) {
  (void)state;
  out_t o;
  char in[600];
  uint64_t line = 0;
  /* field cap 64 */
  memset(in, 'x', 65);
  strcpy(in + 65, "\n");
  assert_int_equal(parse_all_ways(in, &o, &line), SP_CSV_FIELD_TOO_LONG);
  assert_int_equal(line, 1);
  memset(in, 'x', 64);
  strcpy(in + 64, "\n");
  assert_int_equal(parse_all_ways(in, &o, NULL), SP_CSV_OK);
  /* record cap 256: five fields of 60 */
  size_t n = 0;
  for (int f = 0; f < 5; f++) {
    memset(in + n, 'y', 60);
    n += 60;
    in[n++] = ',';
  }
  strcpy(in + n - 1, "\n");
  assert_int_equal(parse_all_ways(in, &o, NULL), SP_CSV_RECORD_TOO_LONG);
  /* field count cap 16 */
  assert_int_equal(parse_all_ways("ok\n,,,,,,,,,,,,,,,,\n", &o, &line), SP_CSV_TOO_MANY_FIELDS);
  assert_int_equal(line, 2);
  assert_int_equal(parse_all_ways(",,,,,,,,,,,,,,,\n", &o, NULL), SP_CSV_OK);
}

static int stop_at_second(void *ud, const sp_csv_record_t *rec) {
  (void)rec;
  int *n = ud;
  return ++*n == 2;
}

static void csv_errors_are_sticky_and_the_callback_may_stop(void **state) {
  (void)state;
  sp_csv_t p;
  sp_csv_init(&p, 0, 0, 0);
  int n = 0;
  assert_int_equal(sp_csv_feed(&p, "a\nb\nc\n", 6, false, stop_at_second, &n), SP_CSV_STOPPED);
  assert_int_equal(n, 2);
  assert_int_equal(sp_csv_feed(&p, "d\n", 2, true, stop_at_second, &n), SP_CSV_STOPPED);
  assert_int_equal(n, 2);
  assert_string_equal(sp_csv_reason(SP_CSV_FIELD_TOO_LONG), "field_too_long");
  assert_non_null(sp_csv_strerror(SP_CSV_UNTERMINATED_QUOTE));
  sp_csv_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(csv_plain_records_with_lf_and_crlf),
      cmocka_unit_test(csv_empty_fields_and_blank_lines),
      cmocka_unit_test(csv_quoted_fields_hold_commas_quotes_and_newlines),
      cmocka_unit_test(csv_bom_is_skipped_once),
      cmocka_unit_test(csv_unterminated_quote_at_eof_names_the_record_line),
      cmocka_unit_test(csv_stray_and_trailing_quotes_are_errors),
      cmocka_unit_test(csv_caps_are_errors),
      cmocka_unit_test(csv_errors_are_sticky_and_the_callback_may_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
