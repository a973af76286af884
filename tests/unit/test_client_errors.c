/* test_client_errors: how the client words failures (English msgids, the
 * C locale) and which exit code each failure gives the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "spc.h"

static spc_error_t make(int code, const char *detail) {
  spc_error_t e;
  memset(&e, 0, sizeof(e));
  e.code = code;
  snprintf(e.server_addr, sizeof(e.server_addr), "%s", "db.example:7443");
  snprintf(e.detail, sizeof(e.detail), "%s", detail);
  return e;
}

static void assert_text_contains(const spc_error_t *e, const char *needle) {
  char *text = spc_error_text(e);
  if (!strstr(text, needle)) fail_msg("\"%s\" not in \"%s\"", needle, text);
  free(text);
}

static void tls_failure_keeps_the_engine_reason(void **state) {
  (void)state;
  spc_error_t e = make(SPC_ETLS, "server certificate does not match host name 'x'");
  assert_text_contains(&e, "Secure connection (TLS) to server db.example:7443 failed");
  assert_text_contains(&e, "server certificate does not match host name 'x'");
  assert_text_contains(&e, "Check that the CA file");
}

static void refused_connection_is_worded_with_a_hint(void **state) {
  (void)state;
  spc_error_t e = make(SPC_ECONNECT, "127.0.0.1:7443: connection refused");
  e.sys = UV_ECONNREFUSED;
  assert_text_contains(&e, "Cannot connect to server db.example:7443: connection refused (is simpegd running");
  e.sys = 0;
  assert_text_contains(&e, "127.0.0.1:7443: connection refused");
}

static void unknown_host_and_time_outs(void **state) {
  (void)state;
  spc_error_t e = make(SPC_EDNS, "unknown node or service");
  e.sys = UV_EAI_NONAME;
  assert_text_contains(&e, "Cannot find server \"db.example:7443\": host name not found");
  e = make(SPC_ECONNTIMEOUT, "during the TLS handshake");
  e.timeout_ms = 700;
  assert_text_contains(&e, "700 ms passed during the TLS handshake");
  e = make(SPC_ETIMEDOUT, "");
  e.timeout_ms = 2500;
  assert_text_contains(&e, "did not answer within 2500 ms");
}

static void server_error_words_code_reason_and_violations(void **state) {
  (void)state;
  Simpeg__V1__FieldViolation v1 = SIMPEG__V1__FIELD_VIOLATION__INIT, v2 = SIMPEG__V1__FIELD_VIOLATION__INIT,
                             v3 = SIMPEG__V1__FIELD_VIOLATION__INIT;
  v1.field = "nip";
  v1.reason = "required";
  v2.field = "ping.payload";
  v2.reason = "too_long";
  v3.field = "name";
  v3.reason = "something_new";
  Simpeg__V1__FieldViolation *vs[] = {&v1, &v2, &v3};
  Simpeg__V1__Error se = SIMPEG__V1__ERROR__INIT;
  se.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
  se.reason = "invalid_field";
  se.message = "a field of the request is invalid";
  se.violations = vs;
  se.n_violations = 3;
  spc_error_t e = make(SPC_ESERVER, se.message);
  e.server = &se;
  char *text = spc_error_text(&e);
  assert_string_equal(text, "The request was rejected because some values are not valid.\n"
                            "  - NIP: is required\n"
                            "  - ping.payload: is too long\n"
                            "  - name: is not valid (something_new)");
  free(text);
}

/* What svc_employee.c sends for a record whose NIP and NIK disagree with
 * its birth date and sex. */
static void registry_violations_worded(void **state) {
  (void)state;
  Simpeg__V1__FieldViolation v1 = SIMPEG__V1__FIELD_VIOLATION__INIT, v2 = SIMPEG__V1__FIELD_VIOLATION__INIT,
                             v3 = SIMPEG__V1__FIELD_VIOLATION__INIT, v4 = SIMPEG__V1__FIELD_VIOLATION__INIT;
  v1.field = "nip";
  v1.reason = "nip_birth_date_mismatch";
  v2.field = "nip";
  v2.reason = "nip_sex_mismatch";
  v3.field = "nik";
  v3.reason = "nik_mismatch";
  v4.field = "tmt_cpns";
  v4.reason = "nip_tmt_mismatch";
  Simpeg__V1__FieldViolation *vs[] = {&v1, &v2, &v3, &v4};
  Simpeg__V1__Error se = SIMPEG__V1__ERROR__INIT;
  se.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
  se.reason = "invalid_field";
  se.violations = vs;
  se.n_violations = 4;
  spc_error_t e = make(SPC_ESERVER, "");
  e.server = &se;
  char *text = spc_error_text(&e);
  assert_string_equal(text, "The request was rejected because some values are not valid.\n"
                            "  - NIP: does not match the date of birth in the NIP\n"
                            "  - NIP: does not match the sex in the NIP (digit 15: 1 male, 2 female)\n"
                            "  - NIK: does not match the date of birth or sex in the NIK\n"
                            "  - TMT CPNS: does not match the TMT in the NIP (digits 9-14)");
  free(text);
  Simpeg__V1__Error nf = SIMPEG__V1__ERROR__INIT;
  nf.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_NOT_FOUND;
  nf.reason = "no_employee_record";
  e.server = &nf;
  assert_text_contains(&e, "not linked to an employee record");
}

static void server_reason_overrides_the_code_wording(void **state) {
  (void)state;
  Simpeg__V1__Error se = SIMPEG__V1__ERROR__INIT;
  se.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
  se.reason = "draining";
  spc_error_t e = make(SPC_ESERVER, "");
  e.server = &se;
  assert_text_contains(&e, "The server is shutting down");
  se.reason = "";
  assert_text_contains(&e, "The service is temporarily unavailable");
  se.code = 999; /* a code from a newer server */
  assert_text_contains(&e, "The server reported an error (code 999).");
}

static void every_code_has_a_name_and_text(void **state) {
  (void)state;
  for (int code = SPC_OK; code >= SPC_ECANCELED; code--) {
    assert_string_not_equal(spc_code_name(code), "SPC_EUNKNOWN");
    spc_error_t e = make(code, "detail");
    char *text = spc_error_text(&e);
    assert_non_null(text);
    assert_true(strlen(text) > 5);
    assert_null(strstr(text, "Unknown error"));
    free(text);
  }
  assert_string_equal(spc_server_code_name(SIMPEG__V1__ERROR_CODE__ERROR_CODE_ABORTED), "ABORTED");
  assert_string_equal(spc_server_code_name(4242), "UNKNOWN");
}

/* Exit codes are a documented contract of the CLI (simpeg --help). */
static void exit_codes_follow_the_documented_classes(void **state) {
  (void)state;
  assert_int_equal(cli_exit_code_for(SPC_OK), 0);
  assert_int_equal(cli_exit_code_for(SPC_EINVAL), 2);
  assert_int_equal(cli_exit_code_for(SPC_ETLSCONFIG), 2);
  assert_int_equal(cli_exit_code_for(SPC_EDNS), 3);
  assert_int_equal(cli_exit_code_for(SPC_ECONNECT), 3);
  assert_int_equal(cli_exit_code_for(SPC_ETLS), 3);
  assert_int_equal(cli_exit_code_for(SPC_ECONNTIMEOUT), 3);
  assert_int_equal(cli_exit_code_for(SPC_ECLOSED), 3);
  assert_int_equal(cli_exit_code_for(SPC_ESERVER), 4);
  assert_int_equal(cli_exit_code_for(SPC_ETIMEDOUT), 1);
  assert_int_equal(cli_exit_code_for(SPC_EPROTO), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tls_failure_keeps_the_engine_reason),
      cmocka_unit_test(refused_connection_is_worded_with_a_hint),
      cmocka_unit_test(unknown_host_and_time_outs),
      cmocka_unit_test(server_error_words_code_reason_and_violations),
      cmocka_unit_test(registry_violations_worded),
      cmocka_unit_test(server_reason_overrides_the_code_wording),
      cmocka_unit_test(every_code_has_a_name_and_text),
      cmocka_unit_test(exit_codes_follow_the_documented_classes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
