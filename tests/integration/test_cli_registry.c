/* Integration test of the `simpeg employee` and `simpeg me` commands: the
 * real binary ($SIMPEG_TEST_SIMPEG) against a real simpegd, signed in as a
 * system admin (who builds the offices with `simpeg office add`), then as
 * an HR officer of Kota Binjai: add -> show -> edit with a stale version
 * (exit 4, the conflict wording) -> edit -> list -> search -> history add
 * -> history list -> show, then as the employee linked to the NIP: me.
 * Client-side checks (NIP against the birth date and sex, NIK) refuse
 * before anything is sent.
 *
 * Offices, accounts and the NIP carry a per-run tag, so the test can run
 * again against the same database. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "harness.h"

static daemon_t D;
static PGconn *pg;
static harness_ws_t WS; /* the workstation: the client's files */
static char tag[8];                 /* per run, upper case: office codes */
static char ltag[8];                /* the same in lower case: user names */
static char root_user[32], hr_user[32], emp_user[32];
static char office_prov[32], office_city[32];
static char nip[32], nip_spaced[32], nik[32];
static const char pw[] = "Registry-CLI-2026";

static void slurp(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

static void login(const char *user) {
  harness_run_t r;
  char input[64];
  snprintf(input, sizeof(input), "%s\n", pw);
  harness_ws_run(&WS, &r, input, "login", user, "--password-stdin", NULL);
  harness_run_expect(&r, 0);
}

/* ---- setup ---- */

static int group_setup(void **state) {
  (void)state;
  harness_require_env(false);
  if (!harness_env("SIMPEG_TEST_SIMPEG")) {
    fprintf(stderr, "skipping: SIMPEG_TEST_SIMPEG is not set (run ./deploy/test.sh)\n");
    exit(77);
  }
  alarm(300);
  harness_seed_random();
  harness_run_tag(tag, ltag);
  snprintf(root_user, sizeof(root_user), "root-%s", ltag);
  snprintf(hr_user, sizeof(hr_user), "hr-%s", ltag);
  snprintf(emp_user, sizeof(emp_user), "emp-%s", ltag);
  snprintf(office_prov, sizeof(office_prov), "%s-12", tag);
  snprintf(office_city, sizeof(office_city), "%s-12.75", tag);
  /* Born 26 September 1986, male; TMT and sequence of this run. */
  unsigned tmt_year = 2008 + (unsigned)rand() % 12, tmt_month = 1 + (unsigned)rand() % 12, seq = 1 + (unsigned)rand() % 999;
  snprintf(nip, sizeof(nip), "19860926%04u%02u1%03u", tmt_year, tmt_month, seq);
  snprintf(nip_spaced, sizeof(nip_spaced), "19860926 %04u%02u 1 %03u", tmt_year, tmt_month, seq);
  snprintf(nik, sizeof(nik), "127501260986%04u", (unsigned)rand() % 10000);

  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  pg = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(pg) != CONNECTION_OK) return -1;
  if (!harness_create_user_with(&(harness_user_t){.username = root_user, .password = pw,
                                                  .role = SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN, .log2_n = 10}))
    return -1;

  return harness_ws_init(&WS, &D) ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  int rc = 0;
  if (D.pid > 0 && daemon_stop(&D) != 0) rc = -1;
  if (pg) PQfinish(pg);
  harness_ws_free(&WS);
  return rc;
}

/* ---- the tests, in order ---- */

static void offices_built_by_the_admin_through_the_cli(void **state) {
  (void)state;
  harness_run_t r;
  login(root_user);
  harness_ws_run(&WS, &r, NULL, "office", "add", office_prov, "--name", "Provinsi Sumatera Utara", "--kind", "province",
          "--parent", "ID", NULL);
  harness_run_expect(&r, 0);
  harness_ws_run(&WS, &r, NULL, "office", "add", office_city, "--name", "Kota Binjai", "--kind", "city", "--parent",
          office_prov, NULL);
  harness_run_expect(&r, 0);
  assert_true(harness_create_user_with(&(harness_user_t){.username = hr_user, .password = pw,
                                                         .role = SIMPEG__V1__ROLE__ROLE_HR_OFFICER,
                                                         .office_code = office_city, .log2_n = 10}));
}

static void employee_commands_need_a_session(void **state) {
  (void)state;
  harness_run_t r;
  harness_ws_run(&WS, &r, NULL, "logout", NULL);
  harness_run_expect(&r, 0);
  harness_ws_run(&WS, &r, NULL, "employee", "show", nip, NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "not signed in");
  harness_ws_run(&WS, &r, NULL, "me", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "not signed in");
}

static void identifiers_checked_before_sending(void **state) {
  (void)state;
  harness_run_t r;
  login(hr_user);
  /* The NIP says male (digit 15 = 1). */
  harness_ws_run(&WS, &r, NULL, "employee", "add", "--nip", nip, "--name", "Budi Santoso", "--office", office_city, "--type",
          "pns", "--sex", "female", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.err, "the NIP says the sex is male");
  /* The NIP says born 1986-09-26. */
  harness_ws_run(&WS, &r, NULL, "employee", "add", "--nip", nip, "--name", "Budi Santoso", "--office", office_city, "--type",
          "pns", "--birth-date", "1986-09-27", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.err, "birth date is 1986-09-26");
  /* A woman's NIK (day + 40) for a man; the NIK itself is never echoed. */
  char nik_f[40];
  snprintf(nik_f, sizeof(nik_f), "127501660986%s", nik + 12);
  harness_ws_run(&WS, &r, nik_f, "employee", "add", "--nip", nip, "--name", "Budi Santoso", "--office", office_city, "--type",
          "pns", "--nik-stdin", "--output", "json", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.out, "\"nik_mismatch\"");
  assert_null(strstr(r.out, nik_f));
  assert_null(strstr(r.err, nik_f));
  /* An NI PPPK layout is not a PNS. */
  harness_ws_run(&WS, &r, NULL, "employee", "add", "--nip", "198609262015211001", "--name", "Budi", "--office", office_city,
          "--type", "pns", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.err, "NI PPPK");
}

static void add_show_edit_list_search(void **state) {
  (void)state;
  harness_run_t r;
  char input[64];
  snprintf(input, sizeof(input), "%s\n", nik);
  /* Birth date, sex and TMT CPNS come from the NIP; the NIK from stdin. */
  harness_ws_run(&WS, &r, input, "employee", "add", "--nip", nip_spaced, "--name", "Budi Santoso", "--back-title", "S.Kom.",
          "--office", office_city, "--type", "pns", "--birth-place", "Binjai", "--nik-stdin", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, nip_spaced);
  assert_in(r.out, "Budi Santoso, S.Kom.");
  assert_in(r.out, "Binjai, 1986-09-26");

  harness_ws_run(&WS, &r, NULL, "employee", "show", nip, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, nip_spaced);
  assert_in(r.out, "Kota Binjai");
  assert_in(r.out, "male");
  assert_in(r.out, "Service summary");
  assert_in(r.out, "Years of service");

  harness_ws_run(&WS, &r, NULL, "employee", "show", nip, "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "\"employee\"");
  assert_in(r.out, "\"summary\"");
  assert_in(r.out, "\"birth_date\":\"1986-09-26\"");

  /* A stale version: the server refuses, exit 4, the conflict wording. */
  harness_ws_run(&WS, &r, NULL, "employee", "edit", nip, "--phone", "081234567890", "--expect-version", "999", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "Someone else changed this data after you read it");
  /* Without --expect-version the version just read is used. */
  harness_ws_run(&WS, &r, NULL, "employee", "edit", nip, "--phone", "081234567890", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "081234567890");
  assert_in(r.out, "Budi Santoso, S.Kom."); /* untouched fields stay */

  harness_ws_run(&WS, &r, NULL, "employee", "list", "--office", office_city, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, nip_spaced);
  assert_in(r.out, "Budi Santoso");
  harness_ws_run(&WS, &r, NULL, "employee", "list", "--office", office_city, "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "\"employees\"");
  assert_in(r.out, "\"next_after\"");

  /* Word order and a typo do not matter. */
  harness_ws_run(&WS, &r, NULL, "employee", "search", "santoso", "budy", "--office", office_city, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, nip_spaced);
  harness_ws_run(&WS, &r, NULL, "employee", "search", "Budi Santoso", "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, nip);
}

static void history_add_and_list(void **state) {
  (void)state;
  harness_run_t r;
  harness_ws_run(&WS, &r, NULL, "employee", "history", "add", nip, "--kind", "rank", "--rank", "III/b", "--tmt", "2024-04-01",
          "--mkg", "10", "--decree-number", "800/123/BKPSDM", "--decree-date", "2024-03-15", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "III/b");
  assert_in(r.out, "800/123/BKPSDM");
  /* Options of another kind are refused before sending. */
  harness_ws_run(&WS, &r, NULL, "employee", "history", "add", nip, "--kind", "rank", "--rank", "III/b", "--tmt", "2024-04-01",
          "--jp", "20", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.err, "--jp does not apply to --kind rank");

  harness_ws_run(&WS, &r, NULL, "employee", "history", "add", nip, "--kind", "training", "--name", "Latsar CPNS", "--start",
          "2016-03-01", "--end", "2016-04-30", "--jp", "280", NULL);
  harness_run_expect(&r, 0);

  /* A position gives the BUP, hence the retirement date. */
  harness_ws_run(&WS, &r, NULL, "employee", "history", "add", nip, "--kind", "position", "--name", "Analis Kepegawaian",
          "--position-kind", "fungsional", "--tmt", "2020-01-01", NULL);
  harness_run_expect(&r, 2);
  assert_in(r.err, "--functional-level");
  harness_ws_run(&WS, &r, NULL, "employee", "history", "add", nip, "--kind", "position", "--name", "Analis Kepegawaian",
          "--position-kind", "fungsional", "--functional-level", "ahli_muda", "--tmt", "2020-01-01", "--office",
          office_city, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Analis Kepegawaian");

  harness_ws_run(&WS, &r, NULL, "employee", "history", "list", nip, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Rank history");
  assert_in(r.out, "Training");
  assert_in(r.out, "Latsar CPNS");
  harness_ws_run(&WS, &r, NULL, "employee", "history", "list", nip, "--kind", "rank", "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "\"rank_code\":\"III/b\"");
  assert_null(strstr(r.out, "Latsar"));

  harness_ws_run(&WS, &r, NULL, "employee", "show", nip, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Golongan");
  assert_in(r.out, "III/b");
  assert_in(r.out, "Rank history");
  /* The summary: gaji pokok in Rupiah, BUP 58 for ahli muda: the first of
   * the month after the 58th birthday (26 September 2044). */
  assert_in(r.out, "Gaji pokok:");
  assert_in(r.out, "Rp ");
  assert_in(r.out, "58 years");
  assert_in(r.out, "2044-10-01");
}

static void me_shows_the_linked_record(void **state) {
  (void)state;
  harness_run_t r;
  assert_true(harness_create_user_with(&(harness_user_t){.username = emp_user, .password = pw,
                                                         .role = SIMPEG__V1__ROLE__ROLE_EMPLOYEE,
                                                         .office_code = office_city, .log2_n = 10}));
  /* Not linked yet: the server's word for it. */
  login(emp_user);
  harness_ws_run(&WS, &r, NULL, "me", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "not linked to an employee record");

  PGresult *res = PQexecParams(pg, "UPDATE users SET nip = $1 WHERE username = $2", 2, NULL,
                               (const char *[]){nip, emp_user}, NULL, NULL, 0);
  assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  harness_ws_run(&WS, &r, NULL, "me", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, nip_spaced);
  assert_in(r.out, "Budi Santoso");
  assert_in(r.out, "Years of service");
  assert_in(r.out, "Retirement date");
  assert_in(r.out, "2044-10-01");
  assert_in(r.out, "Analis Kepegawaian");
  harness_ws_run(&WS, &r, NULL, "me", "--output", "json", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "\"retirement_date\"");
  assert_in(r.out, "\"years_of_service\"");
}

/* import/export (svc_import.c): `employee import` names every bad row by
 * line and column and exits 4 with nothing written; a good file imports;
 * `employee export --out` writes the rows in the same columns. */
static void import_and_export_through_the_cli(void **state) {
  (void)state;
  harness_run_t r;
  login(hr_user);
  char a[32], b[32], csv[160], out[160];
  unsigned seq = 1 + (unsigned)rand() % 900;
  snprintf(a, sizeof(a), "19870102%.6s1%03u", nip + 8, seq);
  snprintf(b, sizeof(b), "19870103%.6s2%03u", nip + 8, seq);
  snprintf(csv, sizeof(csv), "%s/employees.csv", WS.dir);
  snprintf(out, sizeof(out), "%s/export.csv", WS.dir);
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "nip,employment_type,name,office_code,religion\n%s,pns,Andi,%s,islam\n%s,pns,\"Butet, S.E.\",%s,agama\n", a,
          office_city, b, office_city);
  fclose(f);
  harness_ws_run(&WS, &r, NULL, "employee", "import", csv, NULL);
  harness_run_expect(&r, 4);
  assert_in(r.out, "line 3, column religion: unknown value");
  assert_in(r.err, "nothing was written");
  f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "nip,employment_type,name,office_code,religion\n%s,pns,Andi,%s,islam\n%s,pns,\"Butet, S.E.\",%s,kristen\n", a,
          office_city, b, office_city);
  fclose(f);
  harness_ws_run(&WS, &r, NULL, "employee", "import", csv, "--chunk", "16", NULL);
  harness_run_expect(&r, 4); /* "kristen" is not a value: the file must say protestan or katolik */
  f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "nip,employment_type,name,office_code,religion\n%s,pns,Andi,%s,islam\n%s,pns,\"Butet, S.E.\",%s,katolik\n", a,
          office_city, b, office_city);
  fclose(f);
  harness_ws_run(&WS, &r, NULL, "employee", "import", csv, "--chunk", "16", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Imported 2 employees");
  harness_ws_run(&WS, &r, NULL, "employee", "export", "--office", office_city, "--out", out, NULL);
  harness_run_expect(&r, 0);
  char data[16384];
  slurp(out, data, sizeof(data));
  assert_in(data, "nip,employment_type,name,");
  assert_in(data, a);
  assert_in(data, "\"Butet, S.E.\"");
  harness_ws_run(&WS, &r, NULL, "employee", "export", "--format", "xml", NULL);
  harness_run_expect(&r, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(offices_built_by_the_admin_through_the_cli),
      cmocka_unit_test(employee_commands_need_a_session),
      cmocka_unit_test(identifiers_checked_before_sending),
      cmocka_unit_test(add_show_edit_list_search),
      cmocka_unit_test(history_add_and_list),
      cmocka_unit_test(me_shows_the_linked_record),
      /* import/export (svc_import.c) */
      cmocka_unit_test(import_and_export_through_the_cli),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
