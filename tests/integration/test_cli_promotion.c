/* Integration test of `simpeg promotion`, `simpeg kgb` and `simpeg
 * retirement` through the real binary ($SIMPEG_TEST_SIMPEG) on an HR
 * officer's workstation: the periods, who is eligible at 1 April 2027 and
 * why the other is not, a proposal kept as a draft with its checklist,
 * the KGB due next month with the amounts of the salary table and its
 * filing, and the retirement counts. Bad options and refused proposals
 * change nothing.
 *
 * Offices, accounts and NIPs carry a per-run tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "harness.h"

#define ROLE(x) SIMPEG__V1__ROLE__ROLE_##x

static const char *PW = "promotion-cli-password";
static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static harness_ws_t HR;
static char OK_NIP[24], YOUNG_NIP[24], KGB_NIP[24], LATER_NIP[24], ATT_NIP[24];
static harness_run_t R;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }
static const char *month_start(int months, int years) {
  return sql_text("SELECT to_char(date_trunc('month', current_date) + make_interval(years => $2::int,"
                  " months => $1::int), 'YYYY-MM-DD')",
                  2, (const char *[]){fmt("%d", months), fmt("%d", years)});
}
/* The NIP as the CLI prints it: 19800202 200101 1 001 */
static const char *spaced(const char *nip) { return fmt("%.8s %.6s %.1s %.3s", nip, nip + 8, nip + 14, nip + 15); }
static long long requests_of(const char *nip) {
  return sql_int("SELECT count(*) FROM requests r JOIN employees e ON e.id = r.employee_id WHERE e.nip = $1", 1,
                 (const char *[]){nip});
}

/* A PNS of <T>-DINAS with one rank, S1, a pelaksana post and SKP Baik in
 * 2025 and 2026. */
static void employee(const char *nip, const char *rank, const char *rank_tmt, const char *birth) {
  const char *id = sql_text("INSERT INTO employees (nip, employment_type, name, birth_date, sex, office_id, tmt_cpns)"
                            " VALUES ($1, 1, 'Pegawai ' || right($1, 4), $2::date, 1,"
                            " (SELECT id FROM offices WHERE code = $3), '2001-01-01') RETURNING id",
                            3, (const char *[]){nip, birth, oc("DINAS")});
  PQclear(sql("INSERT INTO employee_ranks (employee_id, rank_code, tmt) VALUES ($1, $2, $3::date)", 3,
              (const char *[]){id, rank, rank_tmt}));
  PQclear(sql("INSERT INTO employee_educations (employee_id, level) VALUES ($1, 'S1')", 1, (const char *[]){id}));
  PQclear(sql("INSERT INTO employee_positions (employee_id, name, kind, tmt) VALUES ($1, 'Analis', 4, '2010-01-01')", 1,
              (const char *[]){id}));
  PQclear(sql("INSERT INTO employee_performances (employee_id, year, result_rating, behavior_rating)"
              " VALUES ($1, 2025, 'sesuai', 'sesuai'), ($1, 2026, 'sesuai', 'sesuai')",
              1, (const char *[]){id}));
}

static void hr_sees_periods_and_who_is_eligible(void **state) {
  (void)state;
  harness_ws_run(&HR, &R, NULL, "promotion", "periods", "--year", "2027", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "2027-04-01");
  assert_in(R.out, "2027-12-01");
  harness_ws_run(&HR, &R, NULL, "promotion", "eligible", "--office", oc("DINAS"), "--period", "2027-04-01", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, spaced(OK_NIP));
  assert_in(R.out, "III/c");
  assert_in(R.out, "2 of 5 employees checked are eligible.");
  if (strstr(R.out, spaced(YOUNG_NIP))) fail_msg("not eligible but listed:\n%s", R.out);
  /* --all with the reasons, as JSON */
  harness_ws_run(&HR, &R, NULL, "--output", "json", "promotion", "eligible", "--office", oc("DINAS"), "--period",
                 "2027-04-01", "--all", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, fmt("\"nip\":\"%s\"", YOUNG_NIP));
  assert_in(R.out, "\"reasons\":[\"years_in_rank\"]");
  assert_in(R.out, "\"checked_count\":5");
  /* a bad date never leaves the workstation; an unknown period is the server's answer */
  harness_ws_run(&HR, &R, NULL, "promotion", "eligible", "--period", "2027-13-01", NULL);
  harness_run_expect(&R, 2);
  harness_ws_run(&HR, &R, NULL, "promotion", "eligible", "--office", oc("DINAS"), "--period", "2027-05-01", NULL);
  harness_run_expect(&R, 4);
}

static void hr_files_a_proposal_as_a_draft_with_its_checklist(void **state) {
  (void)state;
  harness_ws_run(&HR, &R, NULL, "promotion", "submit", OK_NIP, "--kind", "reguler", "--period", "2027-04-01", "--draft",
                 NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "KP-");
  assert_in(R.out, "sk_pangkat_terakhir");
  assert_in(R.out, "skp_2_tahun");
  assert_int_equal(requests_of(OK_NIP), 1);
  /* refused: not eligible (the reason is named), unknown kind; nothing written */
  harness_ws_run(&HR, &R, NULL, "promotion", "submit", YOUNG_NIP, "--kind", "reguler", "--period", "2027-04-01", NULL);
  harness_run_expect(&R, 4);
  assert_in(R.err, "years_in_rank");
  harness_ws_run(&HR, &R, NULL, "promotion", "submit", YOUNG_NIP, "--kind", "anumerta", "--period", "2027-04-01", NULL);
  harness_run_expect(&R, 4);
  harness_ws_run(&HR, &R, NULL, "promotion", "submit", YOUNG_NIP, "--period", "2027-04-01", NULL);
  harness_run_expect(&R, 2);
  harness_ws_run(&HR, &R, NULL, "promotion", "submit", YOUNG_NIP, "--kind", "reguler", "--period", "2027-04-01",
                 "--attach", "nofile", NULL);
  harness_run_expect(&R, 2);
  assert_int_equal(requests_of(YOUNG_NIP), 0);
}

/* The evidence goes with the proposal: a draft, each file uploaded, then
 * submitted into the chain. */
static void hr_submits_a_proposal_with_its_evidence(void **state) {
  (void)state;
  const char *kinds[] = {"sk_pangkat_terakhir", "skp_2_tahun", "sk_cpns", "sk_pns"};
  const char *att[4];
  for (int i = 0; i < 4; i++) {
    const char *path = fmt("/tmp/simpeg-kp-%s-%s.pdf", t, kinds[i]);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%%PDF-1.4\n%% %s\n%%%%EOF\n", kinds[i]);
    fclose(f);
    att[i] = fmt("%s=%s", kinds[i], path);
  }
  harness_ws_run(&HR, &R, NULL, "promotion", "submit", ATT_NIP, "--kind", "reguler", "--period", "2027-04-01",
                 "--attach", att[0], "--attach", att[1], "--attach", att[2], "--attach", att[3], NULL);
  for (int i = 0; i < 4; i++) unlink(strchr(att[i], '=') + 1);
  harness_run_expect(&R, 0);
  assert_in(R.out, "KP-");
  assert_int_equal(sql_int("SELECT count(*) FROM requests r JOIN employees e ON e.id = r.employee_id"
                           " WHERE e.nip = $1 AND r.state = 2",
                           1, (const char *[]){ATT_NIP}),
                   1);
  assert_int_equal(sql_int("SELECT count(*) FROM documents d JOIN requests r ON r.id = d.request_id"
                           " JOIN employees e ON e.id = r.employee_id WHERE e.nip = $1",
                           1, (const char *[]){ATT_NIP}),
                   4);
}

static void hr_lists_and_files_the_kgb_due(void **state) {
  (void)state;
  harness_ws_run(&HR, &R, NULL, "kgb", "due", "--office", oc("DINAS"), NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, spaced(KGB_NIP));
  assert_in(R.out, month_start(1, 0));
  assert_in(R.out, "Rp 2.785.700 \u2192 Rp 2.873.500");
  if (strstr(R.out, spaced(LATER_NIP))) fail_msg("not due within two months but listed:\n%s", R.out);
  harness_ws_run(&HR, &R, NULL, "kgb", "due", "--office", oc("DINAS"), "--months", "3", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, spaced(LATER_NIP));
  harness_ws_run(&HR, &R, NULL, "kgb", "submit", LATER_NIP, NULL);
  harness_run_expect(&R, 4);
  assert_int_equal(requests_of(LATER_NIP), 0);
  harness_ws_run(&HR, &R, NULL, "kgb", "submit", KGB_NIP, NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "KGB-");
  assert_int_equal(requests_of(KGB_NIP), 1);
  harness_ws_run(&HR, &R, NULL, "--output", "json", "kgb", "due", "--office", oc("DINAS"), NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "\"request_number\":\"KGB-");
  harness_ws_run(&HR, &R, NULL, "kgb", "due", "--months", "61", NULL);
  harness_run_expect(&R, 2);
}

static void hr_sees_the_retirements_per_year(void **state) {
  (void)state;
  int y0 = (int)sql_int("SELECT extract(year FROM current_date)::int", 0, NULL);
  harness_ws_run(&HR, &R, NULL, "--output", "json", "retirement", "--office", oc("DINAS"), "--years", "3", NULL);
  harness_run_expect(&R, 0);
  /* KGB_NIP (pelaksana, 58) was born so as to retire next year */
  assert_in(R.out, fmt("{\"year\":%d,\"count\":0},{\"year\":%d,\"count\":1},{\"year\":%d,\"count\":0}", y0, y0 + 1, y0 + 2));
  harness_ws_run(&HR, &R, NULL, "retirement", "--office", oc("DINAS"), "--years", "3", "--list", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, spaced(KGB_NIP));
  harness_ws_run(&HR, &R, NULL, "retirement", "--years", "51", NULL);
  harness_run_expect(&R, 2);
}

static bool office(const char *code, const char *name, int kind, const char *parent) {
  PQclear(sql("INSERT INTO offices (code, name, kind, parent_id, path)"
              " SELECT $1, $2, $3::smallint, p.id, p.path || $1 || '/' FROM offices p WHERE p.code = $4",
              4, (const char *[]){code, name, fmt("%d", kind), parent}));
  return true;
}

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  if (!harness_env("SIMPEG_TEST_SIMPEG")) return -1;
  harness_seed_random();
  harness_run_tag(T, t);
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  office(oc("P"), "Provinsi Uji", 2, "ID");
  office(oc("K"), "Kota Uji", 3, oc("P"));
  office(oc("DINAS"), "Badan Kepegawaian", 5, oc("K"));
  /* NIPs in the PNS layout (born 2 Feb 1980), per run */
  for (int tries = 0;; tries++) {
    int tmt_y = 2000 + rand() % 20, tmt_m = 1 + rand() % 12, seq = 1 + rand() % 900;
    snprintf(OK_NIP, sizeof(OK_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq);
    snprintf(YOUNG_NIP, sizeof(YOUNG_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq + 1);
    snprintf(KGB_NIP, sizeof(KGB_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq + 2);
    snprintf(LATER_NIP, sizeof(LATER_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq + 3);
    snprintf(ATT_NIP, sizeof(ATT_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq + 4);
    if (sql_int("SELECT count(*) FROM employees WHERE nip IN ($1, $2, $3, $4, $5)", 5,
                (const char *[]){OK_NIP, YOUNG_NIP, KGB_NIP, LATER_NIP, ATT_NIP}) == 0)
      break;
    if (tries > 50) return -1;
  }
  int y0 = (int)sql_int("SELECT extract(year FROM current_date)::int", 0, NULL);
  employee(OK_NIP, "III/b", "2023-04-01", "1980-02-02");
  employee(YOUNG_NIP, "III/b", "2023-05-01", "1980-02-02");
  /* III/a since two years before next month: the KGB falls due next month
   * (and too recent a rank for P); LATER's two months after */
  employee(KGB_NIP, "III/a", month_start(1, -2), fmt("%d-03-03", y0 + 1 - 58));
  employee(LATER_NIP, "III/a", month_start(3, -2), "1980-02-02");
  employee(ATT_NIP, "III/b", "2022-10-01", "1980-02-02");
  /* KP without the supervisor step (tested with the lifecycle) */
  PQclear(sql("INSERT INTO approval_chains (office_id, service, steps) SELECT id, 'KP', '{verifier,official}'"
              " FROM offices WHERE code = $1",
              1, (const char *[]){oc("K")}));
  harness_user_t u = {.username = fmt("kc%s-hr", t), .password = PW, .role = ROLE(HR_OFFICER), .office_code = oc("K"),
                      .log2_n = 10};
  if (!harness_create_user_with(&u) || !harness_ws_init(&HR, &D)) return -1;
  harness_ws_login(&HR, u.username, PW);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  harness_ws_free(&HR);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hr_sees_periods_and_who_is_eligible),
      cmocka_unit_test(hr_files_a_proposal_as_a_draft_with_its_checklist),
      cmocka_unit_test(hr_submits_a_proposal_with_its_evidence),
      cmocka_unit_test(hr_lists_and_files_the_kgb_due),
      cmocka_unit_test(hr_sees_the_retirements_per_year),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
