/* Unit tests of the pure parts of the employee commands (client/cli_employee.c):
 * NIP and Rupiah formatting, rank codes, enum names and building a history
 * entry from `employee history add` options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli_employee.h"

static void nip_printed_in_groups_8_6_1_3(void **state) {
  char out[64];
  cli_format_nip(out, sizeof(out), "198609262015051001");
  assert_string_equal(out, "19860926 201505 1 001");
  cli_format_nip(out, sizeof(out), "200012312024211001"); /* NI PPPK: the same grouping */
  assert_string_equal(out, "20001231 202421 1 001");
}

static void nip_not_18_digits_printed_as_it_is(void **state) {
  char out[64];
  cli_format_nip(out, sizeof(out), "131234567"); /* legacy 9-digit NIP */
  assert_string_equal(out, "131234567");
  cli_format_nip(out, sizeof(out), "19860926201505100x");
  assert_string_equal(out, "19860926201505100x");
  cli_format_nip(out, sizeof(out), NULL);
  assert_string_equal(out, "");
  cli_format_nip(out, 10, "198609262015051001"); /* truncated, never overflowing */
  assert_string_equal(out, "19860926 ");
}

static void rupiah_has_dots_between_thousands(void **state) {
  char out[64];
  cli_format_rupiah(out, sizeof(out), 2785700);
  assert_string_equal(out, "Rp 2.785.700");
  cli_format_rupiah(out, sizeof(out), 0);
  assert_string_equal(out, "Rp 0");
  cli_format_rupiah(out, sizeof(out), 999);
  assert_string_equal(out, "Rp 999");
  cli_format_rupiah(out, sizeof(out), 1000);
  assert_string_equal(out, "Rp 1.000");
  cli_format_rupiah(out, sizeof(out), 100000);
  assert_string_equal(out, "Rp 100.000");
  cli_format_rupiah(out, sizeof(out), 6373200);
  assert_string_equal(out, "Rp 6.373.200");
  cli_format_rupiah(out, sizeof(out), -1500);
  assert_string_equal(out, "-Rp 1.500");
  cli_format_rupiah(out, sizeof(out), INT64_MIN);
  assert_string_equal(out, "-Rp 9.223.372.036.854.775.808");
}

static void rank_codes_golongan_and_pppk_grades(void **state) {
  assert_true(cli_valid_rank_code("I/a"));
  assert_true(cli_valid_rank_code("II/d"));
  assert_true(cli_valid_rank_code("III/b"));
  assert_true(cli_valid_rank_code("IV/e"));
  assert_false(cli_valid_rank_code("III/e")); /* only IV has e */
  assert_false(cli_valid_rank_code("V/a"));
  assert_false(cli_valid_rank_code("III/B"));
  assert_false(cli_valid_rank_code("III/"));
  assert_false(cli_valid_rank_code("III/ab"));
  assert_true(cli_valid_rank_code("I"));
  assert_true(cli_valid_rank_code("IX"));
  assert_true(cli_valid_rank_code("XVII"));
  assert_false(cli_valid_rank_code("XVIII"));
  assert_false(cli_valid_rank_code(""));
  assert_false(cli_valid_rank_code(NULL));
}

static void enum_names_round_trip(void **state) {
  Simpeg__V1__EmploymentType t;
  assert_true(cli_parse_employment_type("pppk", &t));
  assert_int_equal(t, SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PPPK);
  assert_true(cli_parse_employment_type("CPNS", &t));
  assert_string_equal(cli_employment_type_name(t), "cpns");
  assert_false(cli_parse_employment_type("honorer", &t));
  Simpeg__V1__Sex s;
  assert_true(cli_parse_sex("female", &s));
  assert_int_equal(s, SIMPEG__V1__SEX__SEX_FEMALE);
  assert_false(cli_parse_sex("f", &s));
  Simpeg__V1__EmployeeStatus st;
  assert_true(cli_parse_employee_status("on-leave", &st));
  assert_string_equal(cli_employee_status_name(st), "on_leave");
  Simpeg__V1__PositionKind k;
  assert_true(cli_parse_position_kind("fungsional", &k));
  assert_string_equal(cli_position_kind_name(k), "fungsional");
  assert_string_equal(cli_position_kind_name(SIMPEG__V1__POSITION_KIND__POSITION_KIND_UNSPECIFIED), "unspecified");
}

static void history_kinds_have_stable_names(void **state) {
  static const char *const names[] = {"rank", "position", "education", "training", "performance", "salary", "family"};
  for (size_t i = 0; i < 7; i++) {
    cli_hkind_t k;
    assert_true(cli_parse_history_kind(names[i], &k));
    assert_int_equal(k, (cli_hkind_t)(CLI_HKIND_RANK + i));
    assert_string_equal(cli_history_kind_name(k), names[i]);
  }
  cli_hkind_t k;
  assert_false(cli_parse_history_kind("Rank", &k));
  assert_false(cli_parse_history_kind("", &k));
  assert_false(cli_parse_history_kind(NULL, &k));
}

#define REF "2026-12-02"

static int build(cli_history_args_t *a, cli_history_msg_t *m, char *err) {
  return cli_history_build(a, REF, m, err, 256);
}

static void history_rank_entry_from_options(void **state) {
  cli_history_args_t a = {.kind = "rank"};
  a.v[CLI_HF_RANK] = "III/b";
  a.v[CLI_HF_TMT] = "2024-04-01";
  a.v[CLI_HF_MKG] = "10";
  a.v[CLI_HF_MKG_MONTHS] = "3";
  a.v[CLI_HF_DECREE_NUMBER] = "800/123/BKPSDM";
  a.v[CLI_HF_DECREE_DATE] = "2024-03-15";
  cli_history_msg_t m;
  char err[256] = "";
  assert_int_equal(build(&a, &m, err), 0);
  assert_int_equal(m.entry.entry_case, SIMPEG__V1__HISTORY_ENTRY__ENTRY_RANK);
  assert_ptr_equal(m.entry.rank, &m.rank);
  assert_string_equal(m.rank.rank_code, "III/b");
  assert_string_equal(m.rank.tmt, "2024-04-01");
  assert_int_equal(m.rank.mkg_years, 10);
  assert_int_equal(m.rank.mkg_months, 3);
  assert_string_equal(m.entry.decree_number, "800/123/BKPSDM");
  assert_string_equal(m.entry.decree_date, "2024-03-15");
  assert_int_equal(cli_history_kind_of(&m.entry), CLI_HKIND_RANK);
}

static void history_kind_required(void **state) {
  cli_history_args_t a = {0};
  cli_history_msg_t m;
  char err[256];
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--kind"));
  a.kind = "promotion";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "promotion"));
}

static void history_missing_option_named(void **state) {
  cli_history_args_t a = {.kind = "rank"};
  a.v[CLI_HF_RANK] = "III/b";
  cli_history_msg_t m;
  char err[256];
  assert_int_equal(build(&a, &m, err), -1);
  assert_string_equal(err, "--kind rank needs --tmt");
  a.v[CLI_HF_TMT] = ""; /* empty is as good as missing */
  assert_int_equal(build(&a, &m, err), -1);
  assert_string_equal(err, "--kind rank needs --tmt");
}

static void history_option_of_another_kind_refused(void **state) {
  cli_history_args_t a = {.kind = "rank"};
  a.v[CLI_HF_RANK] = "III/b";
  a.v[CLI_HF_TMT] = "2024-04-01";
  a.v[CLI_HF_JP] = "20";
  cli_history_msg_t m;
  char err[256];
  assert_int_equal(build(&a, &m, err), -1);
  assert_string_equal(err, "--jp does not apply to --kind rank");
}

static void history_dates_numbers_and_codes_checked(void **state) {
  cli_history_msg_t m;
  char err[256];
  cli_history_args_t a = {.kind = "rank"};
  a.v[CLI_HF_RANK] = "III/b";
  a.v[CLI_HF_TMT] = "2024-02-30";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--tmt"));
  a.v[CLI_HF_TMT] = "2024-04-01";
  a.v[CLI_HF_MKG_MONTHS] = "12";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--mkg-months"));
  a.v[CLI_HF_MKG_MONTHS] = NULL;
  a.v[CLI_HF_RANK] = "III/f";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "III/f"));
  a.v[CLI_HF_RANK] = "III/b";
  a.v[CLI_HF_DECREE_DATE] = "15-03-2024";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--decree-date"));
}

static void history_position_kind_and_functional_level(void **state) {
  cli_history_msg_t m;
  char err[256];
  cli_history_args_t a = {.kind = "position"};
  a.v[CLI_HF_NAME] = "Analis Kepegawaian";
  a.v[CLI_HF_POSITION_KIND] = "fungsional";
  a.v[CLI_HF_FUNCTIONAL_LEVEL] = "ahli_muda";
  a.v[CLI_HF_TMT] = "2023-01-01";
  a.v[CLI_HF_OFFICE] = "12.75.BKPSDM";
  assert_int_equal(build(&a, &m, err), 0);
  assert_int_equal(m.position.kind, SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL);
  assert_string_equal(m.position.functional_level, "ahli_muda");
  assert_string_equal(m.position.office_code, "12.75.BKPSDM");
  a.v[CLI_HF_FUNCTIONAL_LEVEL] = "ahli_super";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--functional-level"));
  a.v[CLI_HF_FUNCTIONAL_LEVEL] = NULL; /* fungsional needs a level */
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--functional-level"));
  a.v[CLI_HF_FUNCTIONAL_LEVEL] = "ahli_muda";
  a.v[CLI_HF_POSITION_KIND] = "pelaksana";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "--functional-level"));
  a.v[CLI_HF_FUNCTIONAL_LEVEL] = NULL;
  assert_int_equal(build(&a, &m, err), 0);
  assert_string_equal(m.position.functional_level, "");
  a.v[CLI_HF_POSITION_KIND] = "eselon";
  assert_int_equal(build(&a, &m, err), -1);
  assert_non_null(strstr(err, "eselon"));
}

static void history_education_training_performance_salary(void **state) {
  cli_history_msg_t m;
  char err[256];
  cli_history_args_t e = {.kind = "education"};
  e.v[CLI_HF_LEVEL] = "S1";
  e.v[CLI_HF_INSTITUTION] = "Universitas Sumatera Utara";
  e.v[CLI_HF_GRADUATION_YEAR] = "2009";
  assert_int_equal(build(&e, &m, err), 0);
  assert_int_equal(m.education.graduation_year, 2009);
  assert_string_equal(m.education.major, "");
  e.v[CLI_HF_LEVEL] = "S4";
  assert_int_equal(build(&e, &m, err), -1);

  cli_history_args_t t = {.kind = "training"};
  t.v[CLI_HF_NAME] = "Latsar CPNS";
  t.v[CLI_HF_START] = "2016-03-01";
  t.v[CLI_HF_END] = "2016-04-30";
  assert_int_equal(build(&t, &m, err), -1);
  assert_string_equal(err, "--kind training needs --jp"); /* the server wants 1..1000 */
  t.v[CLI_HF_JP] = "0";
  assert_int_equal(build(&t, &m, err), -1);
  t.v[CLI_HF_JP] = "280";
  t.v[CLI_HF_END] = "2016-02-01";
  assert_int_equal(build(&t, &m, err), -1);
  assert_string_equal(err, "--end is before --start");
  t.v[CLI_HF_END] = "2016-04-30";
  assert_int_equal(build(&t, &m, err), 0);
  assert_int_equal(m.training.jp_hours, 280);

  cli_history_args_t p = {.kind = "performance"};
  p.v[CLI_HF_YEAR] = "2025";
  p.v[CLI_HF_RESULT] = "di_atas";
  p.v[CLI_HF_BEHAVIOR] = "sesuai";
  assert_int_equal(build(&p, &m, err), 0);
  assert_string_equal(m.performance.period, "annual"); /* the default */
  p.v[CLI_HF_BEHAVIOR] = "baik";
  assert_int_equal(build(&p, &m, err), -1);

  cli_history_args_t s = {.kind = "salary"};
  s.v[CLI_HF_RANK] = "III/b";
  s.v[CLI_HF_TMT] = "2024-04-01";
  assert_int_equal(build(&s, &m, err), -1);
  assert_string_equal(err, "--kind salary needs --mkg");
  s.v[CLI_HF_MKG] = "10";
  assert_int_equal(build(&s, &m, err), 0);
  assert_int_equal(m.salary.mkg_years, 10);
  assert_int_equal(m.entry.entry_case, SIMPEG__V1__HISTORY_ENTRY__ENTRY_SALARY);
}

static void history_family_nik_checked_against_birth_date(void **state) {
  cli_history_msg_t m;
  char err[256];
  cli_history_args_t f = {.kind = "family"};
  f.v[CLI_HF_RELATION] = "anak";
  f.v[CLI_HF_NAME] = "Siti";
  f.v[CLI_HF_BIRTH_DATE] = "2015-07-04";
  f.v[CLI_HF_NIK] = "1275014407150001"; /* 44 = 4th, a girl */
  assert_int_equal(build(&f, &m, err), 0);
  assert_string_equal(m.family.nik, "1275014407150001");
  f.v[CLI_HF_BIRTH_DATE] = "2015-07-05";
  assert_int_equal(build(&f, &m, err), -1);
  f.v[CLI_HF_NIK] = "9975014407150001";
  assert_int_equal(build(&f, &m, err), -1);
  assert_non_null(strstr(err, "--nik"));
  f.v[CLI_HF_NIK] = NULL;
  f.v[CLI_HF_RELATION] = "sepupu";
  assert_int_equal(build(&f, &m, err), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nip_printed_in_groups_8_6_1_3),
      cmocka_unit_test(nip_not_18_digits_printed_as_it_is),
      cmocka_unit_test(rupiah_has_dots_between_thousands),
      cmocka_unit_test(rank_codes_golongan_and_pppk_grades),
      cmocka_unit_test(enum_names_round_trip),
      cmocka_unit_test(history_kinds_have_stable_names),
      cmocka_unit_test(history_rank_entry_from_options),
      cmocka_unit_test(history_kind_required),
      cmocka_unit_test(history_missing_option_named),
      cmocka_unit_test(history_option_of_another_kind_refused),
      cmocka_unit_test(history_dates_numbers_and_codes_checked),
      cmocka_unit_test(history_position_kind_and_functional_level),
      cmocka_unit_test(history_education_training_performance_salary),
      cmocka_unit_test(history_family_nik_checked_against_birth_date),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
