/* Integration test of `simpeg leave` and `simpeg holiday` through the real
 * binary ($SIMPEG_TEST_SIMPEG), one workstation per person: a system admin
 * imports the holidays from a CSV file, the employee asks for annual leave
 * over a week with a national holiday, the supervisor, the HR verifier and
 * the official approve it (`simpeg request approve`), the balance shows
 * the four working days taken and `simpeg leave letter` prints the
 * decision letter. Bad files and bad options change nothing.
 *
 * Offices, accounts and NIPs carry a per-run tag; the leave is planned in
 * the next calendar year (ISO weeks no other test of this file uses). */
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

static const char *PW = "leave-cli-password";
static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int Y, RUN;
static harness_ws_t ROOT, EMP, SUP, HR, OFF;
static char EMP_NIP[24], SUP_NIP[24], CSV[128];
static harness_run_t R;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *who) { return fmt("lc%s-%s", t, who); }

static bool exec_sql(const char *q, int n, const char *const *v) {
  PGresult *r = PQexecParams(PG, q, n, NULL, v, NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "SQL failed: %s\n%s\n", PQerrorMessage(PG), q);
  PQclear(r);
  return ok;
}
static long long sql_int(const char *q, int n, const char *const *v) {
  PGresult *r = PQexecParams(PG, q, n, NULL, v, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("SQL failed: %s", PQerrorMessage(PG));
  long long x = atoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  return x;
}

/* ISO week `week`, day `dow` (1 Monday .. 7 Sunday) of year y. */
static const char *iso_day(int y, int week, int dow) {
  struct tm tm = {.tm_year = y - 1900, .tm_mon = 0, .tm_mday = 4, .tm_hour = 12};
  time_t jan4 = timegm(&tm);
  struct tm j;
  gmtime_r(&jan4, &j);
  int jdow = j.tm_wday == 0 ? 7 : j.tm_wday;
  time_t d = jan4 + (time_t)(((week - 1) * 7 + (dow - 1) - (jdow - 1)) * 86400);
  struct tm out;
  gmtime_r(&d, &out);
  return fmt("%04d-%02d-%02d", out.tm_year + 1900, out.tm_mon + 1, out.tm_mday);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

/* The request number ("CUTI-YYYY-NNNNNN") in a command's output. */
static const char *number_in(const char *out) {
  const char *p = strstr(out, "CUTI-");
  if (!p) fail_msg("no request number in:\n%s", out);
  return fmt("%.16s", p);
}

static void holiday_import_reports_every_bad_line_and_imports_nothing(void **state) {
  (void)state;
  long long before = sql_int("SELECT count(*) FROM holidays", 0, NULL);
  write_file(CSV, fmt("date,kind,name,office_code\n"
                      "%d-02-30,national,Hari salah,\n"
                      "%s,libur,Jenis salah,\n"
                      "%s,regional,Tanpa kantor,\n"
                      "%s,national,,\n",
                      Y, iso_day(Y, 16, 3), iso_day(Y, 16, 3), iso_day(Y, 16, 4)));
  harness_ws_run(&ROOT, &R, NULL, "holiday", "import", CSV, NULL);
  harness_run_expect(&R, 2);
  assert_in(R.err, "line 2");
  assert_in(R.err, "line 3");
  assert_in(R.err, "line 4");
  assert_in(R.err, "line 5");
  assert_in(R.err, "4 bad lines");
  write_file(CSV, "when,what\n2027-01-01,x\n");
  harness_ws_run(&ROOT, &R, NULL, "holiday", "import", CSV, NULL);
  harness_run_expect(&R, 2);
  harness_ws_run(&ROOT, &R, NULL, "holiday", "import", "/nonexistent/holidays.csv", NULL);
  harness_run_expect(&R, 2);
  assert_int_equal(sql_int("SELECT count(*) FROM holidays", 0, NULL), before);
  /* an HR officer of a city may not import national holidays */
  write_file(CSV, fmt("date,kind,name\n%s,national,Hari nasional uji\n", iso_day(Y, 16, 3)));
  harness_ws_run(&HR, &R, NULL, "holiday", "import", CSV, NULL);
  harness_run_expect(&R, 4);
  assert_int_equal(sql_int("SELECT count(*) FROM holidays", 0, NULL), before);
}

static void employee_asks_for_leave_and_gets_the_decision_letter(void **state) {
  (void)state;
  /* the national holiday on Wednesday of week 10, and a regional one */
  write_file(CSV, fmt("date,kind,name,office_code\n"
                      "%s,national,Libur nasional uji CLI,\n"
                      "%s,regional,\"Hari jadi kota, uji\",%s\n",
                      iso_day(Y, 10, 3), iso_day(Y, 11, 2), oc("K")));
  harness_ws_run(&ROOT, &R, NULL, "holiday", "import", CSV, NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "2 holidays written");
  harness_ws_run(&EMP, &R, NULL, "holiday", "list", "--year", fmt("%d", Y), "--office", oc("DINKES"), NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "Libur nasional uji CLI");
  assert_in(R.out, "Hari jadi kota, uji");

  /* bad options: nothing is sent */
  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "liburan", "--from", iso_day(Y, 10, 1), "--to",
                 iso_day(Y, 10, 5), NULL);
  harness_run_expect(&R, 2);
  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "tahunan", "--from", iso_day(Y, 10, 5), "--to",
                 iso_day(Y, 10, 1), NULL);
  harness_run_expect(&R, 2);
  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "tahunan", "--from", "10-03-2027", "--to",
                 iso_day(Y, 10, 1), NULL);
  harness_run_expect(&R, 2);
  assert_int_equal(sql_int("SELECT count(*) FROM requests r JOIN employees e ON e.id = r.employee_id WHERE e.nip = $1",
                           1, (const char *[]){EMP_NIP}),
                   0);
  /* someone else's record: refused by the server */
  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "tahunan", "--from", iso_day(Y, 10, 1), "--to",
                 iso_day(Y, 10, 5), "--nip", SUP_NIP, NULL);
  harness_run_expect(&R, 4);

  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "tahunan", "--from", iso_day(Y, 10, 1), "--to",
                 iso_day(Y, 10, 5), "--reason", "urusan keluarga", "--address", "Jl. Merdeka 1, Binjai", NULL);
  harness_run_expect(&R, 0);
  const char *num = number_in(R.out);
  assert_in(R.out, "4 hari kerja");
  /* not approved yet: no letter */
  harness_ws_run(&EMP, &R, NULL, "leave", "letter", num, NULL);
  harness_run_expect(&R, 1);

  harness_ws_run(&SUP, &R, NULL, "request", "approve", num, NULL);
  harness_run_expect(&R, 0);
  harness_ws_run(&HR, &R, NULL, "request", "approve", num, NULL);
  harness_run_expect(&R, 0);
  harness_ws_run(&OFF, &R, NULL, "request", "approve", num, NULL);
  harness_run_expect(&R, 0);

  harness_ws_run(&EMP, &R, NULL, "--output", "json", "leave", "balance", "--year", fmt("%d", Y), NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "\"taken\":4");
  assert_in(R.out, "\"remaining\":20"); /* 24 (two unused years) - 4 */
  assert_in(R.out, num);
  harness_ws_run(&HR, &R, NULL, "leave", "balance", "--nip", EMP_NIP, "--year", fmt("%d", Y), NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "20 working days");

  harness_ws_run(&EMP, &R, NULL, "leave", "letter", num, NULL);
  harness_run_expect(&R, 0);
  if (getenv("SIMPEG_TEST_VERBOSE")) fprintf(stderr, "%s", R.out);
  assert_in(R.out, "SURAT IZIN CUTI TAHUNAN");
  assert_in(R.out, EMP_NIP);
  assert_in(R.out, "Pegawai Cuti CLI");
  assert_in(R.out, "Dinas Kesehatan Kota Uji");
  assert_in(R.out, "4 (empat) hari kerja");
  assert_in(R.out, "Jl. Merdeka 1, Binjai");
  assert_in(R.out, fmt("cuti tahunan untuk tahun %d", Y));
  const char *letter = fmt("%s/letter.txt", EMP.dir);
  harness_ws_run(&EMP, &R, NULL, "leave", "letter", num, "--out", letter, NULL);
  harness_run_expect(&R, 0);
  FILE *f = fopen(letter, "r");
  assert_non_null(f);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_in(buf, "Pejabat yang berwenang memberikan cuti");
}

static void the_demo_holiday_list_imports_cleanly(void **state) {
  (void)state;
  const char *root = harness_env("SIMPEG_SOURCE_ROOT");
  if (!root) root = ".";
  const char *csv = fmt("%s/deploy/demo/holidays-2026.csv", root);
  harness_ws_run(&ROOT, &R, NULL, "holiday", "import", csv, "--replace-year", "2026", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "25 holidays written"); /* 17 national, 8 cuti bersama (SKB 2025) */
  assert_int_equal(sql_int("SELECT count(*) FROM holidays WHERE kind IN (1, 2)"
                           " AND day BETWEEN '2026-01-01' AND '2026-12-31'",
                           0, NULL),
                   25);
  harness_ws_run(&ROOT, &R, NULL, "--output", "json", "holiday", "list", "--year", "2026", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "\"date\":\"2026-03-20\",\"kind\":\"cuti_bersama\"");
}

static void sick_leave_with_a_doctors_note_is_submitted_with_it(void **state) {
  (void)state;
  const char *note = fmt("%s/surat-dokter.pdf", EMP.dir);
  write_file(note, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  /* without the note: refused, nothing filed */
  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "sakit", "--from", iso_day(Y, 30, 1), "--to",
                 iso_day(Y, 30, 3), NULL);
  harness_run_expect(&R, 4);
  harness_ws_run(&EMP, &R, NULL, "leave", "submit", "--type", "sakit", "--from", iso_day(Y, 30, 1), "--to",
                 iso_day(Y, 30, 3), "--attach", fmt("surat_dokter=%s", note), NULL);
  harness_run_expect(&R, 0);
  const char *num = number_in(R.out);
  assert_int_equal(sql_int("SELECT count(*) FROM requests WHERE number = $1 AND state = 2", 1, (const char *[]){num}),
                   1);
  assert_int_equal(sql_int("SELECT count(*) FROM documents d JOIN requests r ON r.id = d.request_id"
                           " WHERE r.number = $1 AND d.kind = 'surat_dokter'",
                           1, (const char *[]){num}),
                   1);
}

static void leave_types_and_workdays_from_the_command_line(void **state) {
  (void)state;
  harness_ws_run(&EMP, &R, NULL, "leave", "types", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, "tahunan");
  assert_in(R.out, "surat_dokter_pemerintah");
  harness_ws_run(&OFF, &R, NULL, "holiday", "workdays", oc("DINKES"), "--days", "1,2,3,4,5,6", NULL);
  harness_run_expect(&R, 0);
  assert_in(R.out, oc("DINKES"));
  harness_ws_run(&OFF, &R, NULL, "holiday", "workdays", oc("DINKES"), "--days", "1,8", NULL);
  harness_run_expect(&R, 2);
  harness_ws_run(&HR, &R, NULL, "holiday", "workdays", oc("DINKES"), "--days", "1,2,3,4,5", NULL);
  harness_run_expect(&R, 4); /* HR officers do not manage calendars */
  assert_int_equal(sql_int("SELECT cardinality(office_workdays(id)) FROM offices WHERE code = $1", 1,
                           (const char *[]){oc("DINKES")}),
                   6);
}

static bool office(const char *code, const char *name, int kind, const char *parent) {
  return exec_sql(
      "INSERT INTO offices (code, name, kind, parent_id, path)"
      " SELECT $1, $2, $3::smallint, p.id, p.path || $1 || '/' FROM offices p WHERE p.code = $4",
      4, (const char *[]){code, name, fmt("%d", kind), parent});
}

static bool employee(const char *nip, const char *name, const char *tmt, const char *sup_nip) {
  return exec_sql(
      "INSERT INTO employees (nip, employment_type, name, birth_date, sex, office_id, tmt_cpns, supervisor_id)"
      " VALUES ($1, 1, $2, '1980-02-02', 1, (SELECT id FROM offices WHERE code = $3), $4::date,"
      " (SELECT id FROM employees WHERE nip = $5))",
      5, (const char *[]){nip, name, oc("DINKES"), tmt, sup_nip});
}

static bool account(harness_ws_t *w, const char *who, int role, const char *office_code, const char *nip) {
  harness_user_t u = {.username = un(who), .password = PW, .role = role, .office_code = office_code, .log2_n = 10};
  if (!harness_create_user_with(&u)) return false;
  if (nip && !exec_sql("UPDATE users SET nip = $1 WHERE username = $2", 2, (const char *[]){nip, un(who)}))
    return false;
  if (!harness_ws_init(w, &D)) return false;
  harness_ws_login(w, un(who), PW);
  return true;
}

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  if (!harness_env("SIMPEG_TEST_SIMPEG")) return -1;
  harness_seed_random();
  harness_run_tag(T, t);
  RUN = rand() % 100000;
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  Y = tm.tm_year + 1900 + 1;
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  /* NIPs in the PNS layout (the CLI checks it): born 2 Feb 1980, a TMT
   * and sequence drawn per run, not yet in the database */
  for (int tries = 0;; tries++) {
    int tmt_y = 2000 + rand() % 20, tmt_m = 1 + rand() % 12, seq = 1 + rand() % 900;
    snprintf(EMP_NIP, sizeof(EMP_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq);
    snprintf(SUP_NIP, sizeof(SUP_NIP), "19800202%04d%02d1%03d", tmt_y, tmt_m, seq + 1);
    if (sql_int("SELECT count(*) FROM employees WHERE nip IN ($1, $2)", 2, (const char *[]){EMP_NIP, SUP_NIP}) == 0)
      break;
    if (tries > 50) return -1;
  }
  if (!office(oc("P"), "Provinsi Uji", 2, "ID") || !office(oc("K"), "Kota Uji", 3, oc("P")) ||
      !office(oc("DINKES"), "Dinas Kesehatan Kota Uji", 5, oc("K")))
    return -1;
  if (!employee(SUP_NIP, "Atasan Cuti CLI", fmt("%d-01-02", Y - 20), "") ||
      !employee(EMP_NIP, "Pegawai Cuti CLI", fmt("%d-01-02", Y - 10), SUP_NIP))
    return -1;
  snprintf(CSV, sizeof(CSV), "/tmp/simpeg-holidays-%d.csv", RUN);
  if (!account(&ROOT, "root", ROLE(SYSTEM_ADMIN), NULL, NULL) || !account(&HR, "hr", ROLE(HR_OFFICER), oc("K"), NULL) ||
      !account(&OFF, "pybmc", ROLE(REGIONAL_ADMIN), oc("K"), NULL) ||
      !account(&SUP, "sup", ROLE(SUPERVISOR), oc("DINKES"), SUP_NIP) ||
      !account(&EMP, "emp", ROLE(EMPLOYEE), oc("DINKES"), EMP_NIP))
    return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  harness_ws_t *all[] = {&ROOT, &EMP, &SUP, &HR, &OFF};
  for (size_t i = 0; i < 5; i++) harness_ws_free(all[i]);
  unlink(CSV);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(holiday_import_reports_every_bad_line_and_imports_nothing),
      cmocka_unit_test(employee_asks_for_leave_and_gets_the_decision_letter),
      cmocka_unit_test(sick_leave_with_a_doctors_note_is_submitted_with_it),
      cmocka_unit_test(leave_types_and_workdays_from_the_command_line),
      cmocka_unit_test(the_demo_holiday_list_imports_cleanly),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
