/* Unit tests of common/sp_valid: the NIP / NI PPPK layouts of DOMAIN.md §1
 * and calendar dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_valid.h"

static void dates_must_be_real_calendar_dates(void **state) {
  long a, b;
  assert_true(sp_valid_date("2024-02-29", &a)); /* leap year */
  assert_true(sp_valid_date("2024-03-01", &b));
  assert_int_equal(b - a, 1);
  assert_true(sp_valid_date("2000-02-29", NULL)); /* divisible by 400 */
  assert_false(sp_valid_date("1900-02-29", NULL)); /* divisible by 100 only */
  assert_false(sp_valid_date("2023-02-29", NULL));
  assert_false(sp_valid_date("2024-04-31", NULL));
  assert_false(sp_valid_date("2024-13-01", NULL));
  assert_false(sp_valid_date("2024-00-10", NULL));
  assert_false(sp_valid_date("2024-1-01", NULL));
  assert_false(sp_valid_date("2024/01/01", NULL));
  assert_false(sp_valid_date("2024-01-01x", NULL));
  assert_false(sp_valid_date("", NULL));
  assert_true(sp_valid_date("1945-08-17", &a));
  assert_true(sp_valid_date("1970-01-01", &b));
  assert_int_equal(b, 0);
  assert_true(a < b);
}

static void nip_pns_layout_birth_tmt_sex_sequence(void **state) {
  assert_true(sp_valid_nip("198609262015051001")); /* 19860926 201505 1 001 */
  assert_true(sp_valid_nip("198609262015052999"));
  assert_false(sp_valid_nip("198609312015051001")); /* 31 September */
  assert_false(sp_valid_nip("198609262015131001")); /* TMT month 13 */
  assert_false(sp_valid_nip("198609262015003001")); /* TMT month 00 */
  assert_false(sp_valid_nip("198609262015053001")); /* sex 3 */
  assert_false(sp_valid_nip("198609262015051000")); /* sequence 000 */
  assert_false(sp_valid_nip("19860926201505100"));  /* 17 digits */
  assert_false(sp_valid_nip("1986092620150510011"));
  assert_false(sp_valid_nip("19860926 201505 1 001"));
  assert_false(sp_valid_nip("19860926201505100a"));
}

static void ni_pppk_layout_year_code_2_contract_count(void **state) {
  assert_true(sp_valid_nip("200012312024211001")); /* 20001231 2024 2 1 1 001 */
  assert_true(sp_valid_nip("200012312024292001"));
  assert_false(sp_valid_nip("200012312024201001")); /* contract count 0 */
  assert_false(sp_valid_nip("200012322024211001")); /* 32 December */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(dates_must_be_real_calendar_dates),
      cmocka_unit_test(nip_pns_layout_birth_tmt_sex_sequence),
      cmocka_unit_test(ni_pppk_layout_year_code_2_contract_count),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
