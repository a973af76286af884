/* Unit tests of common/sp_valid: the NIP / NI PPPK layouts of DOMAIN.md §1
 * and calendar dates, NIK (§1.3) and the cross-checks with a record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

static void nip_feb_29_only_in_leap_years(void **state) {
  assert_true(sp_valid_nip("198802292015051001"));  /* 1988 is a leap year */
  assert_false(sp_valid_nip("198702292015051001")); /* 1987 is not */
  assert_true(sp_valid_nip("200002292024211001"));  /* 2000: divisible by 400 */
  assert_false(sp_valid_nip("190002292015051001")); /* 1900: by 100 only */
}

static void nip_month_13_refused(void **state) {
  assert_false(sp_valid_nip("198613262015051001")); /* birth month 13 */
  assert_false(sp_valid_nip("198609262015131001")); /* TMT month 13 */
  assert_int_equal(sp_nip_decode("198609262015131001", NULL), SP_NIP_INVALID);
  assert_false(sp_valid_nip("198609262015201001")); /* 20: neither a month nor '2' + 1..9 */
  assert_false(sp_valid_nip("198609262015301001")); /* 30 */
}

static void nip_sex_digit_must_be_1_or_2(void **state) {
  sp_nip_info_t info;
  assert_int_equal(sp_nip_decode("198609262015051001", &info), SP_NIP_PNS);
  assert_int_equal(info.sex, SP_SEX_MALE);
  assert_int_equal(sp_nip_decode("198609262015052001", &info), SP_NIP_PNS);
  assert_int_equal(info.sex, SP_SEX_FEMALE);
  assert_false(sp_valid_nip("198609262015050001"));
  assert_false(sp_valid_nip("198609262015053001"));
  assert_false(sp_valid_nip("198609262015059001"));
  assert_int_equal(sp_nip_decode("198609262015059001", &info), SP_NIP_INVALID);
  assert_int_equal(info.sex, SP_SEX_UNKNOWN); /* zeroed on failure */
}

static void nip_decodes_birth_date_tmt_and_sequence(void **state) {
  sp_nip_info_t info;
  assert_int_equal(sp_nip_decode("198609262015051007", &info), SP_NIP_PNS);
  assert_string_equal(info.birth_date, "1986-09-26");
  assert_int_equal(info.appointment_year, 2015);
  assert_int_equal(info.tmt_month, 5);
  assert_int_equal(info.contract_count, 0);
  assert_int_equal(info.sequence, 7);
  assert_int_equal(sp_nip_decode(NULL, &info), SP_NIP_INVALID);
}

static void ni_pppk_told_apart_from_nip(void **state) {
  sp_nip_info_t info;
  /* Digits 13-14: "01".."12" is a PNS TMT month, "21".."29" the PPPK code. */
  assert_int_equal(sp_nip_decode("200012312024121001", &info), SP_NIP_PNS);
  assert_int_equal(info.tmt_month, 12);
  assert_int_equal(sp_nip_decode("200012312024011001", &info), SP_NIP_PNS);
  assert_int_equal(sp_nip_decode("200012312024211001", &info), SP_NIP_PPPK);
  assert_int_equal(info.contract_count, 1);
  assert_int_equal(info.appointment_year, 2024);
  assert_int_equal(info.tmt_month, 0);
  assert_string_equal(info.birth_date, "2000-12-31");
  assert_int_equal(info.sex, SP_SEX_MALE);
  assert_int_equal(sp_nip_decode("200012312024292002", &info), SP_NIP_PPPK);
  assert_int_equal(info.contract_count, 9);
  assert_int_equal(info.sex, SP_SEX_FEMALE);
  assert_int_equal(sp_nip_decode("200012312024131001", NULL), SP_NIP_INVALID); /* 13..20 */
  assert_int_equal(sp_nip_decode("200012312024201001", NULL), SP_NIP_INVALID);
}

static void nik_is_16_digits(void **state) {
  assert_int_equal(sp_nik_decode("1275012609860001", "2026-12-02", NULL), SP_NIK_OK);
  assert_int_equal(sp_nik_decode("127501260986000", "2026-12-02", NULL), SP_NIK_FORMAT);
  assert_int_equal(sp_nik_decode("12750126098600011", "2026-12-02", NULL), SP_NIK_FORMAT);
  assert_int_equal(sp_nik_decode("12750126098600a1", "2026-12-02", NULL), SP_NIK_FORMAT);
  assert_int_equal(sp_nik_decode("1275 0126 0986 0001", "2026-12-02", NULL), SP_NIK_FORMAT);
  assert_int_equal(sp_nik_decode("", "2026-12-02", NULL), SP_NIK_FORMAT);
  assert_int_equal(sp_nik_decode(NULL, "2026-12-02", NULL), SP_NIK_FORMAT);
}

static void nik_male_day_as_is(void **state) {
  sp_nik_info_t info;
  assert_int_equal(sp_nik_decode("1275012609860001", "2026-12-02", &info), SP_NIK_OK);
  assert_int_equal(info.province, 12);
  assert_string_equal(info.birth_date, "1986-09-26");
  assert_int_equal(info.sex, SP_SEX_MALE);
}

static void nik_female_day_has_40_added(void **state) {
  sp_nik_info_t info;
  assert_int_equal(sp_nik_decode("1671036609860002", "2026-12-02", &info), SP_NIK_OK);
  assert_string_equal(info.birth_date, "1986-09-26");
  assert_int_equal(info.sex, SP_SEX_FEMALE);
  assert_int_equal(sp_nik_decode("1671034101000001", "2026-12-02", &info), SP_NIK_OK); /* 41 = 1st */
  assert_string_equal(info.birth_date, "2000-01-01");
  assert_int_equal(sp_nik_decode("1671037112990001", "2026-12-02", &info), SP_NIK_OK); /* 71 = 31st */
  assert_string_equal(info.birth_date, "1999-12-31");
  assert_int_equal(info.sex, SP_SEX_FEMALE);
  /* 32..40 and 72 and above are no day for anyone. */
  assert_int_equal(sp_nik_decode("1671033212990001", "2026-12-02", NULL), SP_NIK_DATE);
  assert_int_equal(sp_nik_decode("1671034012990001", "2026-12-02", NULL), SP_NIK_DATE);
  assert_int_equal(sp_nik_decode("1671037212990001", "2026-12-02", NULL), SP_NIK_DATE);
  assert_int_equal(sp_nik_decode("1671030012990001", "2026-12-02", NULL), SP_NIK_DATE);
  assert_int_equal(sp_nik_decode("1671034002990001", "2026-12-02", NULL), SP_NIK_DATE);
}

static void nik_birth_date_must_be_real(void **state) {
  assert_int_equal(sp_nik_decode("1275013109860001", "2026-12-02", NULL), SP_NIK_DATE); /* 31 Sep */
  assert_int_equal(sp_nik_decode("1275011513860001", "2026-12-02", NULL), SP_NIK_DATE); /* month 13 */
  assert_int_equal(sp_nik_decode("1275011500860001", "2026-12-02", NULL), SP_NIK_DATE); /* month 00 */
  assert_int_equal(sp_nik_decode("1275012902880001", "2026-12-02", NULL), SP_NIK_OK);   /* 29 Feb 1988 */
  assert_int_equal(sp_nik_decode("1275012902870001", "2026-12-02", NULL), SP_NIK_DATE); /* 29 Feb 1987 */
  assert_int_equal(sp_nik_decode("1275016902870001", "2026-12-02", NULL), SP_NIK_DATE); /* woman, 29 Feb 1987 */
}

static void nik_two_digit_year_resolved_against_reference(void **state) {
  sp_nik_info_t info;
  /* 20YY unless that is after the reference date. */
  assert_int_equal(sp_nik_decode("1275010101250001", "2026-12-02", &info), SP_NIK_OK);
  assert_string_equal(info.birth_date, "2025-01-01");
  assert_int_equal(sp_nik_decode("1275010101270001", "2026-12-02", &info), SP_NIK_OK);
  assert_string_equal(info.birth_date, "1927-01-01");
  assert_int_equal(sp_nik_decode("1275010212260001", "2026-12-02", &info), SP_NIK_OK); /* the reference day */
  assert_string_equal(info.birth_date, "2026-12-02");
  assert_int_equal(sp_nik_decode("1275010312260001", "2026-12-02", &info), SP_NIK_OK); /* the day after */
  assert_string_equal(info.birth_date, "1926-12-03");
  /* 29 February 00: 2000 is a leap year, 1900 is not. */
  assert_int_equal(sp_nik_decode("1275012902000001", "2026-12-02", &info), SP_NIK_OK);
  assert_string_equal(info.birth_date, "2000-02-29");
  assert_int_equal(sp_nik_decode("1275012902000001", "1999-12-31", &info), SP_NIK_DATE);
  /* No usable reference: refused rather than guessed. */
  assert_int_equal(sp_nik_decode("1275012609860001", "2026-13-01", NULL), SP_NIK_DATE);
  assert_int_equal(sp_nik_decode("1275012609860001", NULL, NULL), SP_NIK_DATE);
}

static void nik_province_code_must_be_one_of_38(void **state) {
  static const int codes[] = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
                              61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96};
  assert_int_equal(sizeof(codes) / sizeof(codes[0]), 38);
  int known = 0;
  for (int c = 0; c < 100; c++) {
    if (sp_nik_province_name(c)) known++;
  }
  assert_int_equal(known, 38);
  for (size_t i = 0; i < 38; i++) {
    char nik[17];
    snprintf(nik, sizeof(nik), "%02d75012609860001", codes[i]);
    assert_int_equal(sp_nik_decode(nik, "2026-12-02", NULL), SP_NIK_OK);
  }
  assert_string_equal(sp_nik_province_name(12), "Sumatera Utara");
  assert_string_equal(sp_nik_province_name(96), "Papua Barat Daya");
  assert_int_equal(sp_nik_decode("0075012609860001", "2026-12-02", NULL), SP_NIK_PROVINCE);
  assert_int_equal(sp_nik_decode("2075012609860001", "2026-12-02", NULL), SP_NIK_PROVINCE);
  assert_int_equal(sp_nik_decode("9775012609860001", "2026-12-02", NULL), SP_NIK_PROVINCE);
  assert_int_equal(sp_nik_decode("1075012609860001", "2026-12-02", NULL), SP_NIK_PROVINCE);
}

static void nip_must_match_record_birth_date_and_sex(void **state) {
  assert_int_equal(sp_nip_matches("198609262015051001", "1986-09-26", SP_SEX_MALE), SP_ID_MATCH);
  assert_int_equal(sp_nip_matches("198609262015051001", "1986-09-27", SP_SEX_MALE), SP_ID_BIRTH_DATE_MISMATCH);
  assert_int_equal(sp_nip_matches("198609262015051001", "1986-09-26", SP_SEX_FEMALE), SP_ID_SEX_MISMATCH);
  assert_int_equal(sp_nip_matches("198609262015051001", "", SP_SEX_UNKNOWN), SP_ID_MATCH); /* nothing to compare */
  assert_int_equal(sp_nip_matches("198609262015051001", NULL, SP_SEX_MALE), SP_ID_MATCH);
  assert_int_equal(sp_nip_matches("198609262015131001", "1986-09-26", SP_SEX_MALE), SP_ID_INVALID);
  assert_int_equal(sp_nip_matches("200012312024212001", "2000-12-31", SP_SEX_FEMALE), SP_ID_MATCH); /* PPPK */
}

static void nik_must_match_record_birth_date_and_sex(void **state) {
  assert_int_equal(sp_nik_matches("1275012609860001", "2026-12-02", "1986-09-26", SP_SEX_MALE), SP_ID_MATCH);
  assert_int_equal(sp_nik_matches("1275016609860001", "2026-12-02", "1986-09-26", SP_SEX_FEMALE), SP_ID_MATCH);
  assert_int_equal(sp_nik_matches("1275016609860001", "2026-12-02", "1986-09-26", SP_SEX_MALE), SP_ID_SEX_MISMATCH);
  assert_int_equal(sp_nik_matches("1275012609860001", "2026-12-02", "1986-09-25", SP_SEX_MALE),
                   SP_ID_BIRTH_DATE_MISMATCH);
  assert_int_equal(sp_nik_matches("1275013109860001", "2026-12-02", "1986-09-26", SP_SEX_MALE), SP_ID_INVALID);
  /* NIK and NIP of the same person agree through the record. */
  assert_int_equal(sp_nip_matches("198609262015052001", "1986-09-26", SP_SEX_FEMALE), SP_ID_MATCH);
  assert_int_equal(sp_nik_matches("1275016609860001", "2026-12-02", "1986-09-26", SP_SEX_FEMALE), SP_ID_MATCH);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(dates_must_be_real_calendar_dates),
      cmocka_unit_test(nip_pns_layout_birth_tmt_sex_sequence),
      cmocka_unit_test(ni_pppk_layout_year_code_2_contract_count),
      cmocka_unit_test(nip_feb_29_only_in_leap_years),
      cmocka_unit_test(nip_month_13_refused),
      cmocka_unit_test(nip_sex_digit_must_be_1_or_2),
      cmocka_unit_test(nip_decodes_birth_date_tmt_and_sequence),
      cmocka_unit_test(ni_pppk_told_apart_from_nip),
      cmocka_unit_test(nik_is_16_digits),
      cmocka_unit_test(nik_male_day_as_is),
      cmocka_unit_test(nik_female_day_has_40_added),
      cmocka_unit_test(nik_birth_date_must_be_real),
      cmocka_unit_test(nik_two_digit_year_resolved_against_reference),
      cmocka_unit_test(nik_province_code_must_be_one_of_38),
      cmocka_unit_test(nip_must_match_record_birth_date_and_sex),
      cmocka_unit_test(nik_must_match_record_birth_date_and_sex),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
