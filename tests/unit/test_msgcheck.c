/* Unit tests for the request checker (common/sp_msgcheck.c): UTF-8, length
 * caps and nesting, on real protocol messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "simpeg.pb-c.h"
#include "sp_msgcheck.h"

static void utf8_validator_accepts_indonesian_text_and_refuses_malformed(void **state) {
  (void)state;
  const char *ok[] = {"", "Binjai", "Palangka Raya", "Dra. Siti Nur'aini, M.Si.", "caf\xC3\xA9",
                      "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
    assert_true(sp_utf8_valid((const unsigned char *)ok[i], strlen(ok[i])));
  const char *bad[] = {"\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                       "\xFF", "abc\x80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_false(sp_utf8_valid((const unsigned char *)bad[i], strlen(bad[i])));
  assert_false(sp_utf8_valid((const unsigned char *)"a\0b", 3));
}

static void msgcheck_names_the_bad_field(void **state) {
  (void)state;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Hello hello = SIMPEG__V1__HELLO__INIT;
  req.id = 1;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
  req.hello = &hello;
  hello.client_name = "simpeg";
  hello.client_version = "0.1";
  sp_msg_violation_t v;
  assert_true(sp_msg_check(&req.base, NULL, &v));

  hello.client_name = "bad\xC3(";
  assert_false(sp_msg_check(&req.base, NULL, &v));
  assert_string_equal(v.field, "hello.client_name");
  assert_string_equal(v.reason, "invalid_utf8");

  char longname[100];
  memset(longname, 'x', sizeof(longname) - 1);
  longname[99] = '\0';
  hello.client_name = longname;
  sp_msg_limits_t lim = sp_msg_default_limits;
  lim.max_string = 50;
  assert_false(sp_msg_check(&req.base, &lim, &v));
  assert_string_equal(v.reason, "too_long");
}

static void msgcheck_checks_repeated_and_nested_fields(void **state) {
  (void)state;
  Simpeg__V1__Error err = SIMPEG__V1__ERROR__INIT;
  Simpeg__V1__FieldViolation fv[3] = {SIMPEG__V1__FIELD_VIOLATION__INIT, SIMPEG__V1__FIELD_VIOLATION__INIT,
                                      SIMPEG__V1__FIELD_VIOLATION__INIT};
  Simpeg__V1__FieldViolation *fvp[3] = {&fv[0], &fv[1], &fv[2]};
  fv[0].field = "nip";
  fv[1].field = "nik";
  fv[2].field = "nama\xFF";
  err.violations = fvp;
  err.n_violations = 3;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.error = &err;
  sp_msg_violation_t v;
  assert_false(sp_msg_check(&resp.base, NULL, &v));
  assert_string_equal(v.field, "error.violations[2].field");

  fv[2].field = "nama";
  sp_msg_limits_t lim = sp_msg_default_limits;
  lim.max_repeated = 2;
  assert_false(sp_msg_check(&resp.base, &lim, &v));
  assert_string_equal(v.reason, "too_many");

  lim = sp_msg_default_limits;
  lim.max_depth = 1;
  assert_false(sp_msg_check(&resp.base, &lim, &v));
  assert_string_equal(v.reason, "too_deep");
  lim.max_depth = 2;
  assert_true(sp_msg_check(&resp.base, &lim, &v));
}

static void msgcheck_bytes_cap(void **state) {
  (void)state;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  uint8_t data[64] = {0};
  ping.payload.data = data;
  ping.payload.len = sizeof(data);
  req.id = 9;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  sp_msg_limits_t lim = sp_msg_default_limits;
  sp_msg_violation_t v;
  assert_true(sp_msg_check(&req.base, &lim, &v));
  lim.max_bytes = 10;
  assert_false(sp_msg_check(&req.base, &lim, &v));
  assert_string_equal(v.field, "ping.payload");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(utf8_validator_accepts_indonesian_text_and_refuses_malformed),
      cmocka_unit_test(msgcheck_names_the_bad_field),
      cmocka_unit_test(msgcheck_checks_repeated_and_nested_fields),
      cmocka_unit_test(msgcheck_bytes_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
