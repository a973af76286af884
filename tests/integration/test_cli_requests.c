/* Integration test of the request commands through the real `simpeg`
 * binary, with four workstations as an office has them: the employee, the
 * supervisor (atasan langsung), the HR verifier and the official. The
 * whole flow of a data correction (KOREKSI): HR links the supervisor
 * (`employee edit --supervisor`), the admin sets the chain (`chain set`),
 * the employee files with the evidence attached (`correction submit
 * --attach`), everyone finds it in `inbox`, HR returns it, the employee
 * resubmits, a stale --version is refused, the official approves, and the
 * record has changed. */
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
#define KIND(x) SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x

static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static const char *PW = "requests-cli-password";
static harness_ws_t WS_EMP, WS_BOSS, WS_HR, WS_ADM;
static char city[32], dinas[40], unit_code[48], emp_user[32], boss_user[32], hr_user[32], adm_user[32];
static char emp_nip[24], boss_nip[24];
static char evidence[200];

static void rpc_ok(spc_sync_t *s, int call, void *msg, int result) {
  Simpeg__V1__Response *r = harness_rpc(s, call, msg);
  harness_expect_ok(r, result);
  spc_response_free(r);
}

static void office(spc_sync_t *s, const char *code, const char *name, int kind, const char *parent) {
  Simpeg__V1__OfficeAdd m = SIMPEG__V1__OFFICE_ADD__INIT;
  m.code = (char *)code;
  m.name = (char *)name;
  m.kind = kind;
  m.parent_code = (char *)parent;
  rpc_ok(s, CALL(OFFICE_ADD), &m, RES(OFFICE_ADD));
}

static void employee(spc_sync_t *s, const char *nip, const char *name, const char *birth, int sex) {
  harness_employee_add_ok(s, nip, birth, sex, name, dinas);
}

static void user(spc_sync_t *s, const char *name, int role, const char *office_code, const char *nip) {
  Simpeg__V1__UserAdd m = SIMPEG__V1__USER_ADD__INIT;
  m.username = (char *)name;
  m.full_name = (char *)name;
  m.role = role;
  m.office_code = (char *)office_code;
  m.nip = (char *)(nip ? nip : "");
  m.password = (char *)PW;
  rpc_ok(s, CALL(USER_ADD), &m, RES(USER_ADD));
}

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  if (!harness_env("SIMPEG_TEST_SIMPEG")) exit(77);
  harness_seed_random();
  harness_run_tag(T, t);
  int tmt_year = 2010 + rand() % 10, seq = 100 + rand() % 800;
  snprintf(city, sizeof(city), "%s-12.75", T);
  snprintf(dinas, sizeof(dinas), "%s-12.75.DINAS", T);
  snprintf(unit_code, sizeof(unit_code), "%s-12.75.DINAS.U", T);
  snprintf(emp_user, sizeof(emp_user), "emp-%s", t);
  snprintf(boss_user, sizeof(boss_user), "boss-%s", t);
  snprintf(hr_user, sizeof(hr_user), "hr-%s", t);
  snprintf(adm_user, sizeof(adm_user), "adm-%s", t);
  snprintf(emp_nip, sizeof(emp_nip), "19900517%04d032%03d", tmt_year, seq);
  snprintf(boss_nip, sizeof(boss_nip), "19750304%04d011%03d", tmt_year, seq);
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  char root[32];
  snprintf(root, sizeof(root), "root-%s", t);
  if (!harness_create_user(root, PW, ROLE(SYSTEM_ADMIN), NULL)) return -1;
  spc_sync_t *s = sync_open_as(&D, root, PW);
  if (!s) return -1;
  char prov[32];
  snprintf(prov, sizeof(prov), "%s-12", T);
  office(s, prov, "Provinsi Sumatera Utara", KIND(PROVINCE), "ID");
  office(s, city, "Kota Binjai", KIND(CITY), prov);
  office(s, dinas, "Dinas Pendidikan", KIND(AGENCY), city);
  office(s, unit_code, "Bidang SMP", KIND(UNIT), dinas);
  employee(s, emp_nip, "Siti Aminah", "1990-05-17", SIMPEG__V1__SEX__SEX_FEMALE);
  employee(s, boss_nip, "Bonar Sitompul", "1975-03-04", SIMPEG__V1__SEX__SEX_MALE);
  user(s, emp_user, ROLE(EMPLOYEE), dinas, emp_nip);
  user(s, boss_user, ROLE(SUPERVISOR), dinas, boss_nip);
  user(s, hr_user, ROLE(HR_OFFICER), city, NULL);
  user(s, adm_user, ROLE(REGIONAL_ADMIN), city, NULL);
  spc_sync_close(s);
  harness_ws_t *ws[] = {&WS_EMP, &WS_BOSS, &WS_HR, &WS_ADM};
  const char *who[] = {emp_user, boss_user, hr_user, adm_user};
  for (int i = 0; i < 4; i++) {
    if (!harness_ws_init(ws[i], &D)) return -1;
    harness_ws_login(ws[i], who[i], PW);
  }
  /* The evidence: a (tiny) PDF. */
  snprintf(evidence, sizeof(evidence), "%s/ktp.pdf", WS_EMP.dir);
  FILE *f = fopen(evidence, "w");
  if (!f) return -1;
  fputs("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", f);
  fclose(f);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  harness_ws_t *ws[] = {&WS_EMP, &WS_BOSS, &WS_HR, &WS_ADM};
  for (int i = 0; i < 4; i++) harness_ws_free(ws[i]);
  if (PG) PQfinish(PG);
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

/* The request number in an output ("KOREKSI-2026-000123 is ..."). */
static void number_in(const char *out, char *number, size_t cap) {
  const char *p = strstr(out, "KOREKSI-");
  if (!p) fail_msg("no request number in:\n%s", out);
  size_t n = strspn(p, "KOREKSI-0123456789");
  if (n >= cap) fail_msg("number too long");
  memcpy(number, p, n);
  number[n] = '\0';
}

static void a_correction_goes_from_the_employee_through_the_chain_to_the_record(void **state) {
  (void)state;
  harness_run_t r;
  /* HR links the supervisor. */
  harness_ws_run(&WS_HR, &r, NULL, "employee", "edit", emp_nip, "--supervisor", boss_nip, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "Bonar Sitompul");
  /* The admin sets the chain; the unit below inherits it. */
  harness_ws_run(&WS_ADM, &r, NULL, "chain", "set", dinas, "KOREKSI", "--steps", "supervisor,verifier,official",
                 NULL);
  harness_run_expect(&r, 0);
  harness_ws_run(&WS_ADM, &r, NULL, "chain", "show", unit_code, "KOREKSI", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "inherited from");
  assert_in(r.out, dinas);
  harness_ws_run(&WS_HR, &r, NULL, "chain", "set", dinas, "KOREKSI", "--steps", "verifier", NULL);
  harness_run_expect(&r, 4); /* an HR officer does not configure chains */

  /* The employee files with the evidence attached. */
  char attach[256];
  snprintf(attach, sizeof(attach), "bukti_koreksi=%s", evidence);
  harness_ws_run(&WS_EMP, &r, NULL, "correction", "submit", "--set", "phone=081361234567", "--set",
                 "birth_place=Binjai", "--reason", "nomor HP dan tempat lahir salah", "--attach", attach, NULL);
  harness_run_expect(&r, 0);
  char number[48];
  number_in(r.out, number, sizeof(number));
  assert_in(r.out, "submitted");
  /* Without evidence it is refused, and nothing is filed. */
  harness_ws_run(&WS_EMP, &r, NULL, "correction", "submit", "--set", "phone=0813", "--reason", "x", NULL);
  harness_run_expect(&r, 4);
  harness_ws_run(&WS_EMP, &r, NULL, "correction", "submit", "--set", "golongan=IV/e", "--reason", "x", NULL);
  harness_run_expect(&r, 2);

  /* Plainly: where it is, who has it, since when. */
  harness_ws_run(&WS_EMP, &r, NULL, "request", "show", number, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "waiting at step 1 of 3");
  assert_in(r.out, boss_user);
  assert_in(r.out, "since");
  assert_in(r.out, "ktp.pdf");

  harness_ws_run(&WS_BOSS, &r, NULL, "inbox", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, number);
  harness_ws_run(&WS_HR, &r, NULL, "inbox", NULL);
  harness_run_expect(&r, 0);
  assert_not_in(r.out, number);
  harness_ws_run(&WS_BOSS, &r, NULL, "request", "approve", number, "--comment", "benar", NULL);
  harness_run_expect(&r, 0);
  harness_ws_run(&WS_EMP, &r, NULL, "request", "show", number, NULL);
  assert_in(r.out, "any HR verifier of");

  /* HR returns it: a comment is required. */
  harness_ws_run(&WS_HR, &r, NULL, "inbox", NULL);
  assert_in(r.out, number);
  harness_ws_run(&WS_HR, &r, NULL, "request", "return", number, NULL);
  harness_run_expect(&r, 2);
  harness_ws_run(&WS_HR, &r, NULL, "request", "return", number, "--comment", "lampirkan akta kelahiran", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "returned");
  harness_ws_run(&WS_EMP, &r, NULL, "inbox", NULL);
  assert_in(r.out, number);
  harness_ws_run(&WS_EMP, &r, NULL, "request", "submit", number, NULL);
  harness_run_expect(&r, 0);
  harness_ws_run(&WS_BOSS, &r, NULL, "request", "approve", number, NULL);
  harness_run_expect(&r, 0);
  /* A stale version is refused with the conflict wording. */
  harness_ws_run(&WS_HR, &r, NULL, "request", "approve", number, "--version", "1", NULL);
  harness_run_expect(&r, 4);
  assert_in(r.err, "changed");
  harness_ws_run(&WS_HR, &r, NULL, "request", "approve", number, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "verified");
  harness_ws_run(&WS_BOSS, &r, NULL, "request", "approve", number, NULL);
  harness_run_expect(&r, 4);
  harness_ws_run(&WS_ADM, &r, NULL, "inbox", NULL);
  assert_in(r.out, number);
  harness_ws_run(&WS_ADM, &r, NULL, "request", "approve", number, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "approved");

  /* The record changed; the timeline tells who did what and why. */
  harness_ws_run(&WS_HR, &r, NULL, "employee", "show", emp_nip, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "081361234567");
  assert_in(r.out, "Binjai");
  harness_ws_run(&WS_EMP, &r, NULL, "request", "timeline", number, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "lampirkan akta kelahiran");
  assert_in(r.out, hr_user);
  assert_in(r.out, adm_user);
  /* In Indonesian: the state and the steps in the user's words. */
  setenv("SIMPEG_TEST_LANGUAGE", "id", 1);
  harness_ws_run(&WS_EMP, &r, NULL, "request", "show", number, NULL);
  unsetenv("SIMPEG_TEST_LANGUAGE");
  harness_run_expect(&r, 0);
  assert_in(r.out, "disetujui");
  assert_in(r.out, "Tahap 2");
  assert_in(r.out, "verifikator kepegawaian");
  harness_ws_run(&WS_EMP, &r, NULL, "--output", "json", "request", "list", "--mine", NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, number);
  assert_in(r.out, "\"state\":\"approved\"");
  /* The same key twice: the first request, not a second one. */
  harness_ws_run(&WS_EMP, &r, NULL, "correction", "submit", "--set", "email=siti@example.go.id", "--reason", "baru",
                 "--draft", "--key", "k-1", NULL);
  harness_run_expect(&r, 0);
  char first[48], again[48];
  number_in(r.out, first, sizeof(first));
  harness_ws_run(&WS_EMP, &r, NULL, "correction", "submit", "--set", "email=siti@example.go.id", "--reason", "baru",
                 "--draft", "--key", "k-1", NULL);
  harness_run_expect(&r, 0);
  number_in(r.out, again, sizeof(again));
  assert_string_equal(first, again);
  assert_in(r.out, "already sent");
  harness_ws_run(&WS_EMP, &r, NULL, "request", "cancel", first, NULL);
  harness_run_expect(&r, 0);
  assert_in(r.out, "cancelled");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_correction_goes_from_the_employee_through_the_chain_to_the_record),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
