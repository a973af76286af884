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
static char dir[64];
static char state_home[128];
static char config_home[128];
static char tag[8];                 /* per run, upper case: office codes */
static char ltag[8];                /* the same in lower case: user names */
static char root_user[32], hr_user[32], emp_user[32];
static char office_prov[32], office_city[32];
static char nip[32], nip_spaced[32], nik[32];
static const char pw[] = "Registry-CLI-2026";

typedef struct run {
  int status;
  char out[16384];
  char err[8192];
} run_t;

static void slurp(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

/* Runs `simpeg ARGS...` (NULL-terminated) with `input` on stdin. */
static void run_cli(run_t *r, const char *input, ...) {
  const char *argv[48];
  int argc = 0;
  argv[argc++] = harness_env("SIMPEG_TEST_SIMPEG");
  va_list ap;
  va_start(ap, input);
  const char *a;
  while ((a = va_arg(ap, const char *)) && argc < 47) argv[argc++] = a;
  va_end(ap);
  argv[argc] = NULL;

  char in_path[128], out_path[128], err_path[128];
  snprintf(in_path, sizeof(in_path), "%s/stdin", dir);
  snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
  snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
  FILE *f = fopen(in_path, "w");
  assert_non_null(f);
  fputs(input ? input : "", f);
  fclose(f);

  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setsid();
    int in = open(in_path, O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setenv("XDG_STATE_HOME", state_home, 1);
    setenv("XDG_CONFIG_HOME", config_home, 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("LANGUAGE", getenv("SIMPEG_TEST_LANGUAGE") ? getenv("SIMPEG_TEST_LANGUAGE") : "C", 1);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  slurp(out_path, r->out, sizeof(r->out));
  slurp(err_path, r->err, sizeof(r->err));
  if (getenv("SIMPEG_TEST_VERBOSE")) fprintf(stderr, "$ simpeg %s ... -> %d\n%s%s", argv[1], r->status, r->out, r->err);
}

#define assert_contains(hay, needle)                                                \
  do {                                                                              \
    if (!strstr((hay), (needle))) fail_msg("\"%s\" not in:\n%s", (needle), (hay)); \
  } while (0)

static void expect(const run_t *r, int status) {
  if (r->status != status)
    fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", r->status, status, r->out, r->err);
}

static void login(const char *user) {
  run_t r;
  char input[64];
  snprintf(input, sizeof(input), "%s\n", pw);
  run_cli(&r, input, "login", user, "--password-stdin", NULL);
  expect(&r, 0);
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
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (int i = 0; i < 5; i++) {
    tag[i] = alnum[rand() % (int)(sizeof(alnum) - 1)];
    ltag[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] - 'A' + 'a' : tag[i]);
  }
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

  snprintf(dir, sizeof(dir), "/tmp/simpeg-reg-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(state_home, sizeof(state_home), "%s/state", dir);
  snprintf(config_home, sizeof(config_home), "%s/config", dir);
  char p[256];
  snprintf(p, sizeof(p), "%s/simpeg", config_home);
  if (mkdir(config_home, 0700) != 0 || mkdir(p, 0700) != 0) return -1;
  snprintf(p, sizeof(p), "%s/simpeg/config.ini", config_home);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  fprintf(f, "[client]\nserver = %s\nca = %s\ntimeout_ms = 20000\n", D.addr, harness_cert("ca.pem"));
  fclose(f);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  int rc = 0;
  if (D.pid > 0 && daemon_stop(&D) != 0) rc = -1;
  if (pg) PQfinish(pg);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (dir[0]) harness_sh(cmd);
  return rc;
}

/* ---- the tests, in order ---- */

static void offices_built_by_the_admin_through_the_cli(void **state) {
  (void)state;
  run_t r;
  login(root_user);
  run_cli(&r, NULL, "office", "add", office_prov, "--name", "Provinsi Sumatera Utara", "--kind", "province",
          "--parent", "ID", NULL);
  expect(&r, 0);
  run_cli(&r, NULL, "office", "add", office_city, "--name", "Kota Binjai", "--kind", "city", "--parent",
          office_prov, NULL);
  expect(&r, 0);
  assert_true(harness_create_user_with(&(harness_user_t){.username = hr_user, .password = pw,
                                                         .role = SIMPEG__V1__ROLE__ROLE_HR_OFFICER,
                                                         .office_code = office_city, .log2_n = 10}));
}

static void employee_commands_need_a_session(void **state) {
  (void)state;
  run_t r;
  run_cli(&r, NULL, "logout", NULL);
  expect(&r, 0);
  run_cli(&r, NULL, "employee", "show", nip, NULL);
  expect(&r, 4);
  assert_contains(r.err, "not signed in");
  run_cli(&r, NULL, "me", NULL);
  expect(&r, 4);
  assert_contains(r.err, "not signed in");
}

static void identifiers_checked_before_sending(void **state) {
  (void)state;
  run_t r;
  login(hr_user);
  /* The NIP says male (digit 15 = 1). */
  run_cli(&r, NULL, "employee", "add", "--nip", nip, "--name", "Budi Santoso", "--office", office_city, "--type",
          "pns", "--sex", "female", NULL);
  expect(&r, 2);
  assert_contains(r.err, "the NIP says the sex is male");
  /* The NIP says born 1986-09-26. */
  run_cli(&r, NULL, "employee", "add", "--nip", nip, "--name", "Budi Santoso", "--office", office_city, "--type",
          "pns", "--birth-date", "1986-09-27", NULL);
  expect(&r, 2);
  assert_contains(r.err, "birth date is 1986-09-26");
  /* A woman's NIK (day + 40) for a man; the NIK itself is never echoed. */
  char nik_f[40];
  snprintf(nik_f, sizeof(nik_f), "127501660986%s", nik + 12);
  run_cli(&r, nik_f, "employee", "add", "--nip", nip, "--name", "Budi Santoso", "--office", office_city, "--type",
          "pns", "--nik-stdin", "--output", "json", NULL);
  expect(&r, 2);
  assert_contains(r.out, "\"nik_mismatch\"");
  assert_null(strstr(r.out, nik_f));
  assert_null(strstr(r.err, nik_f));
  /* An NI PPPK layout is not a PNS. */
  run_cli(&r, NULL, "employee", "add", "--nip", "198609262015211001", "--name", "Budi", "--office", office_city,
          "--type", "pns", NULL);
  expect(&r, 2);
  assert_contains(r.err, "NI PPPK");
}

static void add_show_edit_list_search(void **state) {
  (void)state;
  run_t r;
  char input[64];
  snprintf(input, sizeof(input), "%s\n", nik);
  /* Birth date, sex and TMT CPNS come from the NIP; the NIK from stdin. */
  run_cli(&r, input, "employee", "add", "--nip", nip_spaced, "--name", "Budi Santoso", "--back-title", "S.Kom.",
          "--office", office_city, "--type", "pns", "--birth-place", "Binjai", "--nik-stdin", NULL);
  expect(&r, 0);
  assert_contains(r.out, nip_spaced);
  assert_contains(r.out, "Budi Santoso, S.Kom.");
  assert_contains(r.out, "Binjai, 1986-09-26");

  run_cli(&r, NULL, "employee", "show", nip, NULL);
  expect(&r, 0);
  assert_contains(r.out, nip_spaced);
  assert_contains(r.out, "Kota Binjai");
  assert_contains(r.out, "male");
  assert_contains(r.out, "Service summary");
  assert_contains(r.out, "Years of service");

  run_cli(&r, NULL, "employee", "show", nip, "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, "\"employee\"");
  assert_contains(r.out, "\"summary\"");
  assert_contains(r.out, "\"birth_date\":\"1986-09-26\"");

  /* A stale version: the server refuses, exit 4, the conflict wording. */
  run_cli(&r, NULL, "employee", "edit", nip, "--phone", "081234567890", "--expect-version", "999", NULL);
  expect(&r, 4);
  assert_contains(r.err, "Someone else changed this data after you read it");
  /* Without --expect-version the version just read is used. */
  run_cli(&r, NULL, "employee", "edit", nip, "--phone", "081234567890", NULL);
  expect(&r, 0);
  assert_contains(r.out, "081234567890");
  assert_contains(r.out, "Budi Santoso, S.Kom."); /* untouched fields stay */

  run_cli(&r, NULL, "employee", "list", "--office", office_city, NULL);
  expect(&r, 0);
  assert_contains(r.out, nip_spaced);
  assert_contains(r.out, "Budi Santoso");
  run_cli(&r, NULL, "employee", "list", "--office", office_city, "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, "\"employees\"");
  assert_contains(r.out, "\"next_after\"");

  /* Word order and a typo do not matter. */
  run_cli(&r, NULL, "employee", "search", "santoso", "budy", "--office", office_city, NULL);
  expect(&r, 0);
  assert_contains(r.out, nip_spaced);
  run_cli(&r, NULL, "employee", "search", "Budi Santoso", "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, nip);
}

static void history_add_and_list(void **state) {
  (void)state;
  run_t r;
  run_cli(&r, NULL, "employee", "history", "add", nip, "--kind", "rank", "--rank", "III/b", "--tmt", "2024-04-01",
          "--mkg", "10", "--decree-number", "800/123/BKPSDM", "--decree-date", "2024-03-15", NULL);
  expect(&r, 0);
  assert_contains(r.out, "III/b");
  assert_contains(r.out, "800/123/BKPSDM");
  /* Options of another kind are refused before sending. */
  run_cli(&r, NULL, "employee", "history", "add", nip, "--kind", "rank", "--rank", "III/b", "--tmt", "2024-04-01",
          "--jp", "20", NULL);
  expect(&r, 2);
  assert_contains(r.err, "--jp does not apply to --kind rank");

  run_cli(&r, NULL, "employee", "history", "add", nip, "--kind", "training", "--name", "Latsar CPNS", "--start",
          "2016-03-01", "--end", "2016-04-30", "--jp", "280", NULL);
  expect(&r, 0);

  /* A position gives the BUP, hence the retirement date. */
  run_cli(&r, NULL, "employee", "history", "add", nip, "--kind", "position", "--name", "Analis Kepegawaian",
          "--position-kind", "fungsional", "--tmt", "2020-01-01", NULL);
  expect(&r, 2);
  assert_contains(r.err, "--functional-level");
  run_cli(&r, NULL, "employee", "history", "add", nip, "--kind", "position", "--name", "Analis Kepegawaian",
          "--position-kind", "fungsional", "--functional-level", "ahli_muda", "--tmt", "2020-01-01", "--office",
          office_city, NULL);
  expect(&r, 0);
  assert_contains(r.out, "Analis Kepegawaian");

  run_cli(&r, NULL, "employee", "history", "list", nip, NULL);
  expect(&r, 0);
  assert_contains(r.out, "Rank history");
  assert_contains(r.out, "Training");
  assert_contains(r.out, "Latsar CPNS");
  run_cli(&r, NULL, "employee", "history", "list", nip, "--kind", "rank", "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, "\"rank_code\":\"III/b\"");
  assert_null(strstr(r.out, "Latsar"));

  run_cli(&r, NULL, "employee", "show", nip, NULL);
  expect(&r, 0);
  assert_contains(r.out, "Golongan");
  assert_contains(r.out, "III/b");
  assert_contains(r.out, "Rank history");
  /* The summary: gaji pokok in Rupiah, BUP 58 for ahli muda: the first of
   * the month after the 58th birthday (26 September 2044). */
  assert_contains(r.out, "Gaji pokok:");
  assert_contains(r.out, "Rp ");
  assert_contains(r.out, "58 years");
  assert_contains(r.out, "2044-10-01");
}

static void me_shows_the_linked_record(void **state) {
  (void)state;
  run_t r;
  assert_true(harness_create_user_with(&(harness_user_t){.username = emp_user, .password = pw,
                                                         .role = SIMPEG__V1__ROLE__ROLE_EMPLOYEE,
                                                         .office_code = office_city, .log2_n = 10}));
  /* Not linked yet: the server's word for it. */
  login(emp_user);
  run_cli(&r, NULL, "me", NULL);
  expect(&r, 4);
  assert_contains(r.err, "not linked to an employee record");

  PGresult *res = PQexecParams(pg, "UPDATE users SET nip = $1 WHERE username = $2", 2, NULL,
                               (const char *[]){nip, emp_user}, NULL, NULL, 0);
  assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  run_cli(&r, NULL, "me", NULL);
  expect(&r, 0);
  assert_contains(r.out, nip_spaced);
  assert_contains(r.out, "Budi Santoso");
  assert_contains(r.out, "Years of service");
  assert_contains(r.out, "Retirement date");
  assert_contains(r.out, "2044-10-01");
  assert_contains(r.out, "Analis Kepegawaian");
  run_cli(&r, NULL, "me", "--output", "json", NULL);
  expect(&r, 0);
  assert_contains(r.out, "\"retirement_date\"");
  assert_contains(r.out, "\"years_of_service\"");
}

/* import/export (svc_import.c): `employee import` names every bad row by
 * line and column and exits 4 with nothing written; a good file imports;
 * `employee export --out` writes the rows in the same columns. */
static void import_and_export_through_the_cli(void **state) {
  (void)state;
  run_t r;
  login(hr_user);
  char a[32], b[32], csv[160], out[160];
  unsigned seq = 1 + (unsigned)rand() % 900;
  snprintf(a, sizeof(a), "19870102%.6s1%03u", nip + 8, seq);
  snprintf(b, sizeof(b), "19870103%.6s2%03u", nip + 8, seq);
  snprintf(csv, sizeof(csv), "%s/employees.csv", dir);
  snprintf(out, sizeof(out), "%s/export.csv", dir);
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "nip,employment_type,name,office_code,religion\n%s,pns,Andi,%s,islam\n%s,pns,\"Butet, S.E.\",%s,agama\n", a,
          office_city, b, office_city);
  fclose(f);
  run_cli(&r, NULL, "employee", "import", csv, NULL);
  expect(&r, 4);
  assert_contains(r.out, "line 3, column religion: unknown value");
  assert_contains(r.err, "nothing was written");
  f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "nip,employment_type,name,office_code,religion\n%s,pns,Andi,%s,islam\n%s,pns,\"Butet, S.E.\",%s,kristen\n", a,
          office_city, b, office_city);
  fclose(f);
  run_cli(&r, NULL, "employee", "import", csv, "--chunk", "16", NULL);
  expect(&r, 4); /* "kristen" is not a value: the file must say protestan or katolik */
  f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "nip,employment_type,name,office_code,religion\n%s,pns,Andi,%s,islam\n%s,pns,\"Butet, S.E.\",%s,katolik\n", a,
          office_city, b, office_city);
  fclose(f);
  run_cli(&r, NULL, "employee", "import", csv, "--chunk", "16", NULL);
  expect(&r, 0);
  assert_contains(r.out, "Imported 2 employees");
  run_cli(&r, NULL, "employee", "export", "--office", office_city, "--out", out, NULL);
  expect(&r, 0);
  char data[16384];
  slurp(out, data, sizeof(data));
  assert_contains(data, "nip,employment_type,name,");
  assert_contains(data, a);
  assert_contains(data, "\"Butet, S.E.\"");
  run_cli(&r, NULL, "employee", "export", "--format", "xml", NULL);
  expect(&r, 2);
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
