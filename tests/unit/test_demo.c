/* Unit tests of client/demo_gen (simpeg-demo's records): identifiers that
 * decode with sp_valid and agree with the record (DOMAIN.md §1), unique
 * NIPs, ranks within the education's reguler ceiling (§2.2), ages and BUP
 * (§6), and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo_gen.h"
#include "sp_valid.h"

#define TODAY "2026-12-02"
#define COUNT 20000

static const char *const offices[] = {
    "12.75.SETDA",  "12.75.BKPSDM.MUTASI", "12.75.DISDIK", "12.75.DINKES.PKM1", "12.72.DISDIK.SD",
    "12.72.DINKES", "16.71.SETDA.ORG",     "16.71.DISDIK", "16.71.DINKES",      "74.71.BKPSDM",
    "74.71.DISDIK", "74.71.DINKES.PKM1",   "62.71.SETDA",  "62.71.DISDIK.SD",   "62.71.DINKES",
};
#define N_OFFICES (sizeof(offices) / sizeof(offices[0]))

static demo_employee_t *generate(uint64_t seed, size_t n) {
  demo_gen_t *g = demo_gen_new(seed, TODAY, offices, N_OFFICES, n);
  assert_non_null(g);
  demo_employee_t *v = calloc(n, sizeof(*v));
  assert_non_null(v);
  for (size_t i = 0; i < n; i++) demo_gen_next(g, &v[i]);
  demo_gen_free(g);
  return v;
}

/* "YYYY-MM-DD" plus whole years. */
static void plus_years(const char *date, int years, char out[11]) {
  char tmp[32];
  snprintf(tmp, sizeof(tmp), "%04d%.6s", (atoi(date) + years) % 10000, date + 4);
  memcpy(out, tmp, 11);
}

static void identifiers_decode_and_agree_with_the_record(void **state) {
  (void)state;
  demo_employee_t *v = generate(42, COUNT);
  size_t pppk = 0, with_nik = 0;
  for (size_t i = 0; i < COUNT; i++) {
    const demo_employee_t *e = &v[i];
    sp_nip_info_t ni;
    sp_nip_kind_t kind = sp_nip_decode(e->nip, &ni);
    if (kind == SP_NIP_INVALID) fail_msg("invalid NIP %s", e->nip);
    assert_int_equal(kind, e->employment_type == 3 ? SP_NIP_PPPK : SP_NIP_PNS);
    assert_int_equal(sp_nip_matches(e->nip, e->birth_date, (sp_sex_t)e->sex), SP_ID_MATCH);
    assert_int_equal(ni.appointment_year, atoi(e->tmt_cpns));
    if (kind == SP_NIP_PNS) {
      assert_int_equal(ni.tmt_month, atoi(e->tmt_cpns + 5));
    } else {
      pppk++;
      assert_true(ni.appointment_year >= 2019);
      assert_true(ni.contract_count >= 1 && ni.contract_count <= 9);
    }
    assert_true(sp_valid_date(e->tmt_cpns, NULL));
    assert_string_equal(e->tmt_cpns + 8, "01");
    assert_true(strcmp(e->tmt_cpns, TODAY) <= 0);
    char adult[11];
    plus_years(e->birth_date, 18, adult);
    if (strcmp(e->tmt_cpns, adult) < 0) fail_msg("%s: TMT %s less than 18 years after %s", e->nip, e->tmt_cpns, e->birth_date);
    if (*e->nik) {
      with_nik++;
      sp_nik_info_t nk;
      assert_int_equal(sp_nik_decode(e->nik, TODAY, &nk), SP_NIK_OK);
      assert_int_equal(nk.province, atoi(e->office_code));
      assert_int_equal(sp_nik_matches(e->nik, TODAY, e->birth_date, (sp_sex_t)e->sex), SP_ID_MATCH);
    }
  }
  /* both layouts and NIKs are there in realistic shares */
  assert_true(pppk > COUNT / 10 && pppk < COUNT / 2);
  assert_true(with_nik > COUNT / 3 && with_nik < COUNT);
  free(v);
}

static int cmp_nip(const void *a, const void *b) { return strcmp(a, b); }

static void nips_are_unique(void **state) {
  (void)state;
  size_t n = 200000;
  demo_gen_t *g = demo_gen_new(7, TODAY, offices, N_OFFICES, 1000); /* the table must grow */
  char(*nips)[19] = calloc(n, sizeof(*nips));
  assert_non_null(nips);
  demo_employee_t e;
  size_t seq_above_one = 0;
  for (size_t i = 0; i < n; i++) {
    demo_gen_next(g, &e);
    memcpy(nips[i], e.nip, 19);
    if (strcmp(e.nip + 15, "001") != 0) seq_above_one++;
  }
  demo_gen_free(g);
  qsort(nips, n, sizeof(*nips), cmp_nip);
  for (size_t i = 1; i < n; i++)
    if (strcmp(nips[i - 1], nips[i]) == 0) fail_msg("duplicate NIP %s", nips[i]);
  /* with 200,000 people some share a 15-digit prefix: they got 002... */
  assert_true(seq_above_one > 0);
  free(nips);
}

static void ranks_follow_education_and_time(void **state) {
  (void)state;
  demo_employee_t *v = generate(3, COUNT);
  size_t promoted = 0;
  for (size_t i = 0; i < COUNT; i++) {
    const demo_employee_t *e = &v[i];
    assert_true(e->n_ranks >= 1 && e->n_ranks <= DEMO_MAX_RANKS);
    for (int k = 0; k < e->n_ranks; k++) {
      const demo_rank_t *r = &e->ranks[k];
      assert_true(sp_valid_date(r->tmt, NULL));
      assert_true(strcmp(r->tmt, e->tmt_cpns) >= 0);
      assert_true(strcmp(r->tmt, TODAY) <= 0);
      if (k) assert_true(strcmp(r->tmt, e->ranks[k - 1].tmt) > 0);
      assert_true(r->mkg_years >= 0 && r->mkg_years <= 50);
      if (e->employment_type == 3) continue;
      int ord = demo_rank_ordinal(r->code);
      assert_true(ord > 0);
      assert_true(ord >= demo_rank_ordinal(demo_education_start(e->education_level)));
      if (ord > demo_rank_ordinal(demo_education_ceiling(e->education_level)))
        fail_msg("%s: %s above the ceiling of %s", e->nip, r->code, e->education_level);
      if (k) assert_int_equal(ord, demo_rank_ordinal(e->ranks[k - 1].code) + 1);
    }
    if (e->n_ranks > 1) promoted++;
    if (e->employment_type != 1) assert_int_equal(e->n_ranks, 1); /* CPNS and PPPK: no promotions */
    assert_true(strcmp(e->position_tmt, e->tmt_cpns) >= 0);
    assert_true(strcmp(e->position_tmt, TODAY) <= 0);
  }
  assert_true(promoted > COUNT / 3);
  free(v);
}

static void ages_are_within_range_and_bup(void **state) {
  (void)state;
  demo_employee_t *v = generate(5, COUNT);
  int min_age = 100, max_age = 0;
  for (size_t i = 0; i < COUNT; i++) {
    const demo_employee_t *e = &v[i];
    assert_true(sp_valid_date(e->birth_date, NULL));
    char birthday[11];
    plus_years(e->birth_date, e->age, birthday);
    assert_true(strcmp(birthday, TODAY) <= 0 || strcmp(birthday + 5, "02-29") == 0);
    assert_true(e->age >= 20 && e->age <= 64);
    if (e->age < min_age) min_age = e->age;
    if (e->age > max_age) max_age = e->age;
    /* BUP of the position (migration 0003 ref_bup): nobody active past it */
    int bup = e->position_kind == 1 ? 60
              : e->position_kind == 5 && strcmp(e->functional_level, "ahli_madya") == 0 ? 60
              : e->position_kind == 5 && strcmp(e->functional_level, "ahli_utama") == 0 ? 65
                                                                                       : 58;
    assert_int_equal(e->bup, bup);
    if (e->age >= bup) fail_msg("%s aged %d past BUP %d", e->nip, e->age, bup);
    assert_true(e->position_kind >= 1 && e->position_kind <= 5);
    assert_true((e->position_kind == 5) == (*e->functional_level != 0));
    if (e->position_kind <= 3) assert_int_equal(e->employment_type, 1); /* structural: PNS only */
    assert_true(*e->name && *e->religion && *e->marital_status && *e->office_code && *e->position_name);
  }
  assert_true(min_age <= 25 && max_age >= 55);
  free(v);
}

static void the_same_seed_gives_the_same_records(void **state) {
  (void)state;
  demo_gen_t *a = demo_gen_new(99, TODAY, offices, N_OFFICES, 100);
  demo_gen_t *b = demo_gen_new(99, TODAY, offices, N_OFFICES, 5000);
  demo_gen_t *c = demo_gen_new(100, TODAY, offices, N_OFFICES, 100);
  demo_employee_t ea, eb, ec;
  char la[2048], lb[2048], lc[2048];
  size_t differ = 0;
  for (int i = 0; i < 3000; i++) {
    demo_gen_next(a, &ea);
    demo_gen_next(b, &eb);
    demo_gen_next(c, &ec);
    assert_true(demo_csv_line(&ea, la, sizeof(la)) > 0);
    assert_true(demo_csv_line(&eb, lb, sizeof(lb)) > 0);
    assert_true(demo_csv_line(&ec, lc, sizeof(lc)) > 0);
    assert_string_equal(la, lb);
    if (strcmp(la, lc) != 0) differ++;
  }
  assert_true(differ > 2900);
  demo_gen_free(a);
  demo_gen_free(b);
  demo_gen_free(c);
}

/* Fields of one CSV line (RFC 4180 quoting). */
static int csv_fields(const char *s) {
  int n = 1;
  bool q = false;
  for (; *s && *s != '\n'; s++) {
    if (*s == '"') q = !q;
    else if (*s == ',' && !q) n++;
  }
  return n;
}

static void csv_lines_have_the_import_columns(void **state) {
  (void)state;
  int columns = csv_fields(demo_csv_header);
  assert_int_equal(columns, 25);
  demo_employee_t *v = generate(11, 2000);
  char line[2048];
  bool quoted = false;
  for (size_t i = 0; i < 2000; i++) {
    size_t n = demo_csv_line(&v[i], line, sizeof(line));
    assert_true(n > 0 && line[n - 1] == '\n');
    assert_int_equal(csv_fields(line), columns);
    if (strchr(line, '"')) quoted = true;
  }
  assert_true(quoted); /* "S.Pd., M.Pd." needs quotes */
  assert_int_equal(demo_csv_line(&v[0], line, 10), 0);
  free(v);
}

static void bad_arguments_are_refused(void **state) {
  (void)state;
  assert_null(demo_gen_new(1, "2026-02-30", offices, N_OFFICES, 10));
  assert_null(demo_gen_new(1, TODAY, offices, 0, 10));
  assert_string_equal(demo_education_ceiling("S1"), "III/d");
  assert_string_equal(demo_education_ceiling("SLTA"), "III/b");
  assert_string_equal(demo_education_start("S2"), "III/b");
  assert_null(demo_education_ceiling("SMA"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(identifiers_decode_and_agree_with_the_record),
      cmocka_unit_test(nips_are_unique),
      cmocka_unit_test(ranks_follow_education_and_time),
      cmocka_unit_test(ages_are_within_range_and_bup),
      cmocka_unit_test(the_same_seed_gives_the_same_records),
      cmocka_unit_test(csv_lines_have_the_import_columns),
      cmocka_unit_test(bad_arguments_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
