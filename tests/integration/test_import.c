/* Integration tests of the bulk import and export of employees
 * (svc_import.c, docs/IMPORT.md): all or nothing with every bad row named
 * by line and column, derived current values, duplicate NIPs (in the file
 * and against the database), BOM + CRLF + quoted fields, an abandoned
 * import leaves nothing staged, export -> import round trip, and office
 * scope per row. Each test is named after the rule it checks.
 *
 * Offices of this run (codes carry a per-run tag):
 *   ID ── <T>-12 ── <T>-12.75 (Kota Binjai) ── <T>-12.75.A, <T>-12.75.B
 *      └─ <T>-16 ── <T>-16.71 (Kota Palembang) */
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
#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define CALL(x) SIMPEG__V1__REQUEST__CALL_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x

static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int RUN_TMT_YEAR, RUN_TMT_MONTH, SEQ;
static spc_sync_t *ROOT, *HR_BJN;
static const char *PW = "import-test-password";

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }

static Simpeg__V1__Response *rpc(spc_sync_t *s, Simpeg__V1__Request *req) {
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  int rc = spc_sync_call(s, req, &resp, &err);
  if (rc != 0 && rc != SPC_ESERVER) fail_msg("call %d failed: %s %s", req->call_case, spc_code_name(rc), err.detail);
  assert_non_null(resp);
  return resp;
}

static void office_add_ok(const char *code, const char *name, int kind, const char *parent) {
  Simpeg__V1__OfficeAdd m = SIMPEG__V1__OFFICE_ADD__INIT;
  m.code = (char *)code;
  m.name = (char *)name;
  m.kind = kind;
  m.parent_code = (char *)parent;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = CALL(OFFICE_ADD);
  req.office_add = &m;
  Simpeg__V1__Response *r = rpc(ROOT, &req);
  harness_expect_ok(r, RES(OFFICE_ADD));
  spc_response_free(r);
}

/* ---- files ---- */

typedef struct file {
  char *data;
  size_t len, cap;
} file_t;

static void put(file_t *f, const char *s) {
  size_t n = strlen(s);
  if (f->len + n + 1 > f->cap) {
    f->cap = (f->len + n + 1) * 2;
    f->data = realloc(f->data, f->cap);
  }
  memcpy(f->data + f->len, s, n + 1);
  f->len += n;
}

static const char *HEADER =
    "nip,employment_type,name,front_title,back_title,birth_date,sex,religion,office_code,rank_code,rank_tmt,"
    "mkg_years,position_name,position_kind,functional_level,position_tmt,education_level,address\n";

/* A fresh NIP of this run and its birth date (YYYY-MM-DD). */
static const char *next_nip(char birth[11], int sex) {
  int k = ++SEQ;
  int day = k / 900, seq = k % 900 + 1;
  struct tm tm = {.tm_year = 70, .tm_mon = 0, .tm_mday = 1 + day};
  time_t tt = timegm(&tm);
  gmtime_r(&tt, &tm);
  strftime(birth, 11, "%Y-%m-%d", &tm);
  return fmt("%04d%02d%02d%04d%02d%d%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, RUN_TMT_YEAR, RUN_TMT_MONTH,
             sex, seq);
}

/* One good row in `office`; returns its NIP. */
static const char *row(file_t *f, const char *office) {
  char birth[11];
  const char *nip = next_nip(birth, 1 + SEQ % 2);
  put(f, fmt("%s,pns,Pegawai %d,,S.Kom.,,,islam,%s,III/b,%04d-04-01,2,Analis SDM,fungsional,ahli_pertama,%04d-05-01,S1,"
             "\"Jl. Merdeka No. %d, Binjai\"\n",
             nip, SEQ, office, RUN_TMT_YEAR + 4, RUN_TMT_YEAR + 5, SEQ));
  return nip;
}

/* ---- import calls ---- */

/* Streams the file in chunks of `chunk` bytes; returns the last reply's response. */
static Simpeg__V1__Response *import_file(spc_sync_t *s, const char *data, size_t len, size_t chunk) {
  Simpeg__V1__ImportBegin b = SIMPEG__V1__IMPORT_BEGIN__INIT;
  b.kind = "employees";
  b.total_bytes = len;
  b.file_name = "test.csv";
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = CALL(IMPORT_BEGIN);
  req.import_begin = &b;
  Simpeg__V1__Response *r = rpc(s, &req);
  harness_expect_ok(r, RES(IMPORT_BEGIN));
  char *id = strdup(r->import_begin->import_id);
  assert_true(r->import_begin->max_chunk >= chunk);
  spc_response_free(r);
  size_t off = 0;
  for (;;) {
    size_t n = len - off < chunk ? len - off : chunk;
    Simpeg__V1__ImportChunk c = SIMPEG__V1__IMPORT_CHUNK__INIT;
    c.import_id = id;
    c.offset = off;
    c.data.data = (uint8_t *)data + off;
    c.data.len = n;
    c.last = off + n == len;
    Simpeg__V1__Request q = SIMPEG__V1__REQUEST__INIT;
    q.call_case = CALL(IMPORT_CHUNK);
    q.import_chunk = &c;
    r = rpc(s, &q);
    harness_expect_ok(r, RES(IMPORT_CHUNK));
    off += n;
    if (c.last) break;
    spc_response_free(r);
  }
  free(id);
  return r;
}

static bool has_error(const Simpeg__V1__ImportChunkReply *r, uint64_t line, const char *column, const char *reason) {
  for (size_t i = 0; i < r->n_errors; i++)
    if (r->errors[i]->line == line && strcmp(r->errors[i]->column, column) == 0 &&
        strcmp(r->errors[i]->reason, reason) == 0)
      return true;
  return false;
}

static void expect_error(const Simpeg__V1__ImportChunkReply *r, uint64_t line, const char *column, const char *reason) {
  if (has_error(r, line, column, reason)) return;
  char got[1024] = "";
  for (size_t i = 0; i < r->n_errors && i < 10; i++)
    snprintf(got + strlen(got), sizeof(got) - strlen(got), " %llu/%s/%s", (unsigned long long)r->errors[i]->line,
             r->errors[i]->column, r->errors[i]->reason);
  fail_msg("expected error line %llu %s/%s, got%s", (unsigned long long)line, column, reason, got);
}

static long long employees_in(const char *office) {
  const char *v[1] = {office};
  return sql_int("SELECT count(*) FROM employees e JOIN offices o ON o.id = e.office_id WHERE o.code = $1", 1, v);
}

/* ---- tests ---- */

static void one_bad_row_in_10000_writes_nothing_and_is_named_by_line_and_column(void **state) {
  (void)state;
  file_t f = {0};
  put(&f, HEADER);
  const char *office = oc("12.75.A");
  for (int i = 0; i < 10000; i++) {
    if (i == 6789) { /* line 6791: header + 6790th row */
      char birth[11];
      const char *nip = next_nip(birth, 1);
      put(&f, fmt("%s,pns,Pegawai Salah,,,,,agama,%s,III/b,%04d-04-01,2,,,,,S1,\n", nip, office, RUN_TMT_YEAR + 4));
    } else {
      row(&f, office);
    }
  }
  Simpeg__V1__Response *r = import_file(HR_BJN, f.data, f.len, 64 * 1024);
  const Simpeg__V1__ImportChunkReply *c = r->import_chunk;
  assert_false(c->committed);
  assert_int_equal(c->rows_seen, 10000);
  assert_int_equal(c->bad_rows, 1);
  assert_int_equal(c->n_errors, 1);
  expect_error(c, 6791, "religion", "unknown_value");
  spc_response_free(r);
  assert_int_equal(employees_in(office), 0);
  free(f.data);
}

static void a_good_file_imports_every_row_with_derived_current_values(void **state) {
  (void)state;
  file_t f = {0};
  put(&f, HEADER);
  const char *office = oc("12.75.A");
  const char *first = NULL;
  for (int i = 0; i < 500; i++) {
    const char *nip = row(&f, office);
    if (!first) first = nip;
  }
  Simpeg__V1__Response *r = import_file(HR_BJN, f.data, f.len, 10007); /* records split across chunks */
  const Simpeg__V1__ImportChunkReply *c = r->import_chunk;
  if (c->n_errors)
    fail_msg("unexpected error line %llu %s/%s", (unsigned long long)c->errors[0]->line, c->errors[0]->column,
             c->errors[0]->reason);
  assert_true(c->committed);
  assert_int_equal(c->rows_written, 500);
  spc_response_free(r);
  assert_int_equal(employees_in(office), 500);
  const char *v[1] = {first};
  assert_string_equal(sql_text("SELECT current_rank_code || ' ' || current_mkg_years || ' ' || current_position_kind"
                               " || ' ' || current_functional_level || ' ' || current_education_level || ' '"
                               " || to_char(tmt_cpns, 'YYYY-MM') FROM employees WHERE nip = $1",
                               1, v),
                      fmt("III/b 2 5 ahli_pertama S1 %04d-%02d", RUN_TMT_YEAR, RUN_TMT_MONTH));
  /* exactly what the history triggers compute */
  PQclear(sql("SELECT employee_refresh_current(id) FROM employees WHERE nip = $1", 1, v));
  assert_int_equal(sql_int("SELECT version FROM employees WHERE nip = $1", 1, v), 1);
  assert_int_equal(sql_int("SELECT count(*) FROM employee_ranks r JOIN employees e ON e.id = r.employee_id"
                           " WHERE e.nip = $1",
                           1, v),
                   1);
  /* every employee has its own first history rows (ids are given at
   * staging), and its name is searchable (the names trigger ran) */
  const char *ov[1] = {office};
  assert_int_equal(sql_int("SELECT count(*) FROM employees e JOIN offices o ON o.id = e.office_id WHERE o.code = $1"
                           " AND ((SELECT count(*) FROM employee_ranks r WHERE r.employee_id = e.id"
                           "   AND r.rank_code = e.current_rank_code AND r.tmt = e.current_rank_tmt) <> 1"
                           "  OR (SELECT count(*) FROM employee_positions p WHERE p.employee_id = e.id"
                           "   AND p.name = e.current_position_name AND p.office_id = e.office_id) <> 1"
                           "  OR (SELECT count(*) FROM employee_educations d WHERE d.employee_id = e.id"
                           "   AND d.level = e.current_education_level) <> 1"
                           "  OR NOT EXISTS (SELECT 1 FROM employee_names n WHERE n.lname = lower(e.name)))",
                           1, ov),
                   0);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'Import' AND after->>'rows' = '500'"
                           " AND actor = $1",
                           1, (const char *[]){un("hr-bjn")}),
                   1);
  free(f.data);
}

static void duplicate_nips_in_the_file_and_in_the_database_are_reported(void **state) {
  (void)state;
  const char *office = oc("12.75.B");
  file_t f = {0};
  put(&f, HEADER);
  const char *existing = row(&f, office);
  Simpeg__V1__Response *r = import_file(HR_BJN, f.data, f.len, 1 << 20);
  assert_true(r->import_chunk->committed);
  spc_response_free(r);

  file_t g = {0};
  put(&g, HEADER);
  row(&g, office); /* line 2 */
  size_t mark = g.len;
  const char *twice = row(&g, office); /* line 3 */
  char *copy = strdup(g.data + mark);
  put(&g, copy); /* line 4: the same again */
  free(copy);
  (void)twice;
  /* line 5: a NIP already in the database */
  put(&g, fmt("%s,pns,Sudah Ada,,,,,,%s,,,,,,,,,\n", existing, office));
  r = import_file(HR_BJN, g.data, g.len, 1 << 20);
  const Simpeg__V1__ImportChunkReply *c = r->import_chunk;
  assert_false(c->committed);
  assert_int_equal(c->bad_rows, 2);
  expect_error(c, 4, "nip", "duplicate_in_file");
  expect_error(c, 5, "nip", "already_exists");
  spc_response_free(r);
  assert_int_equal(employees_in(office), 1);
  free(f.data);
  free(g.data);
}

static void a_file_with_bom_crlf_and_quoted_commas_imports(void **state) {
  (void)state;
  const char *office = oc("12.75.B");
  char birth[11];
  const char *nip = next_nip(birth, 2);
  const char *csv = fmt("\xEF\xBB\xBF"
                        "NIP,Employment_Type,Name,Back_Title,Office_Code,Address\r\n"
                        "\"%.8s %.6s 2 %.3s\",cpns,\"Siti, Aminah\",\"S.E., M.M.\",%s,\"Jl. \"\"Mawar\"\"\r\nNo. 2\"\r\n",
                        nip, nip + 8, nip + 15, office);
  Simpeg__V1__Response *r = import_file(HR_BJN, csv, strlen(csv), 7);
  const Simpeg__V1__ImportChunkReply *c = r->import_chunk;
  if (c->n_errors)
    fail_msg("unexpected error line %llu %s/%s", (unsigned long long)c->errors[0]->line, c->errors[0]->column,
             c->errors[0]->reason);
  assert_true(c->committed);
  assert_int_equal(c->rows_written, 1);
  spc_response_free(r);
  const char *v[1] = {nip};
  assert_string_equal(sql_text("SELECT name || '|' || back_title || '|' || address || '|' || sex || '|' || birth_date"
                               " FROM employees WHERE nip = $1",
                               1, v),
                      fmt("Siti, Aminah|S.E., M.M.|Jl. \"Mawar\"\r\nNo. 2|2|%s", birth));
}

static void an_interrupted_import_leaves_no_staged_rows(void **state) {
  (void)state;
  spc_sync_t *s = sync_open_as(&D, un("hr-bjn"), PW);
  assert_non_null(s);
  file_t f = {0};
  put(&f, HEADER);
  for (int i = 0; i < 50; i++) row(&f, oc("12.75.A"));
  Simpeg__V1__ImportBegin b = SIMPEG__V1__IMPORT_BEGIN__INIT;
  b.kind = "employees";
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = CALL(IMPORT_BEGIN);
  req.import_begin = &b;
  Simpeg__V1__Response *r = rpc(s, &req);
  harness_expect_ok(r, RES(IMPORT_BEGIN));
  const char *id = fmt("%s", r->import_begin->import_id);
  spc_response_free(r);
  Simpeg__V1__ImportChunk c = SIMPEG__V1__IMPORT_CHUNK__INIT;
  c.import_id = (char *)id;
  c.data.data = (uint8_t *)f.data;
  c.data.len = f.len;
  Simpeg__V1__Request q = SIMPEG__V1__REQUEST__INIT;
  q.call_case = CALL(IMPORT_CHUNK);
  q.import_chunk = &c;
  r = rpc(s, &q);
  harness_expect_ok(r, RES(IMPORT_CHUNK));
  assert_int_equal(r->import_chunk->rows_seen, 50);
  spc_response_free(r);
  const char *v[1] = {id};
  assert_int_equal(sql_int("SELECT count(*) FROM import_staging WHERE import_id = $1", 1, v), 50);
  spc_sync_close(s); /* before `last` */
  long long left = -1;
  for (int i = 0; i < 100 && left != 0; i++) {
    usleep(50 * 1000);
    left = sql_int("SELECT count(*) FROM import_staging WHERE import_id = $1", 1, v);
  }
  assert_int_equal(left, 0);
  free(f.data);
}

/* All pages of an export of `office` as one string. */
static char *export_all(spc_sync_t *s, const char *office, const char *format, uint32_t limit) {
  file_t out = {0};
  put(&out, "");
  char after[32] = "";
  for (;;) {
    Simpeg__V1__Export m = SIMPEG__V1__EXPORT__INIT;
    m.office_code = (char *)office;
    m.format = (char *)format;
    m.after = after;
    m.limit = limit;
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = CALL(EXPORT);
    req.export = &m;
    Simpeg__V1__Response *r = rpc(s, &req);
    harness_expect_ok(r, RES(EXPORT));
    char *chunk = strndup((const char *)r->export->data.data, r->export->data.len);
    put(&out, chunk);
    free(chunk);
    snprintf(after, sizeof(after), "%s", r->export->next_after);
    spc_response_free(r);
    if (!*after) break;
  }
  return out.data;
}

static void export_then_import_into_a_cleared_office_round_trips(void **state) {
  (void)state;
  const char *office = oc("12.75.A"); /* the 500 of the good file */
  char *csv = export_all(HR_BJN, office, "csv", 77);
  assert_int_equal(employees_in(office), 500);
  char *json = export_all(HR_BJN, office, "json", 0);
  assert_non_null(strstr(json, "\"position_kind\":\"fungsional\""));
  const char *v[1] = {office};
  const char *ids = "SELECT e.id FROM employees e JOIN offices o ON o.id = e.office_id WHERE o.code = $1";
  PQclear(sql(fmt("DELETE FROM employee_ranks WHERE employee_id IN (%s)", ids), 1, v));
  PQclear(sql(fmt("DELETE FROM employee_positions WHERE employee_id IN (%s)", ids), 1, v));
  PQclear(sql(fmt("DELETE FROM employee_educations WHERE employee_id IN (%s)", ids), 1, v));
  PQclear(sql(fmt("DELETE FROM employees WHERE id IN (%s)", ids), 1, v));
  assert_int_equal(employees_in(office), 0);
  Simpeg__V1__Response *r = import_file(HR_BJN, csv, strlen(csv), 65536);
  const Simpeg__V1__ImportChunkReply *c = r->import_chunk;
  if (c->n_errors)
    fail_msg("unexpected error line %llu %s/%s", (unsigned long long)c->errors[0]->line, c->errors[0]->column,
             c->errors[0]->reason);
  assert_true(c->committed);
  assert_int_equal(c->rows_written, 500);
  spc_response_free(r);
  char *again = export_all(HR_BJN, office, "csv", 0);
  assert_string_equal(again, csv);
  /* one audit row per page with its count */
  assert_true(sql_int("SELECT count(*) FROM audit_log WHERE method = 'Export' AND entity_id = $1", 1, v) >= 8);
  free(csv);
  free(json);
  free(again);
}

static void importing_into_another_citys_office_is_refused_per_row(void **state) {
  (void)state;
  file_t f = {0};
  put(&f, HEADER);
  row(&f, oc("12.75.B"));
  row(&f, oc("16.71"));
  row(&f, oc("NOWHERE"));
  Simpeg__V1__Response *r = import_file(HR_BJN, f.data, f.len, 1 << 20);
  const Simpeg__V1__ImportChunkReply *c = r->import_chunk;
  assert_false(c->committed);
  assert_int_equal(c->bad_rows, 2);
  expect_error(c, 3, "office_code", "not_found");
  expect_error(c, 4, "office_code", "not_found");
  spc_response_free(r);
  assert_int_equal(employees_in(oc("16.71")), 0);
  free(f.data);
}

static void a_bad_header_and_broken_csv_are_reported(void **state) {
  (void)state;
  const char *csv = "nip,name,offce_code\n1,2,3\n";
  Simpeg__V1__Response *r = import_file(HR_BJN, csv, strlen(csv), 1024);
  expect_error(r->import_chunk, 1, "offce_code", "unknown_column");
  expect_error(r->import_chunk, 1, "employment_type", "missing_column");
  assert_false(r->import_chunk->committed);
  spc_response_free(r);
  const char *bad = fmt("%s1,pns,\"open quote\n", HEADER);
  r = import_file(HR_BJN, bad, strlen(bad), 1024);
  expect_error(r->import_chunk, 2, "", "unterminated_quote");
  spc_response_free(r);
}

/* ---- setup ---- */

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  RUN_TMT_YEAR = 1995 + rand() % 25;
  RUN_TMT_MONTH = 1 + rand() % 12;
  SEQ = 0;
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  const char *root = un("root");
  if (!harness_create_user(root, PW, ROLE(SYSTEM_ADMIN), NULL)) return -1;
  ROOT = sync_open_as(&D, root, PW);
  if (!ROOT) return -1;
  office_add_ok(oc("12"), "Provinsi Sumatera Utara", KIND(PROVINCE), "ID");
  office_add_ok(oc("12.75"), "Kota Binjai", KIND(CITY), oc("12"));
  office_add_ok(oc("12.75.A"), "Dinas A", KIND(AGENCY), oc("12.75"));
  office_add_ok(oc("12.75.B"), "Dinas B", KIND(AGENCY), oc("12.75"));
  office_add_ok(oc("16"), "Provinsi Sumatera Selatan", KIND(PROVINCE), "ID");
  office_add_ok(oc("16.71"), "Kota Palembang", KIND(CITY), oc("16"));
  if (!harness_create_user(un("hr-bjn"), PW, ROLE(HR_OFFICER), oc("12.75"))) return -1;
  HR_BJN = sync_open_as(&D, un("hr-bjn"), PW);
  return HR_BJN ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  if (ROOT) spc_sync_close(ROOT);
  if (HR_BJN) spc_sync_close(HR_BJN);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_bad_row_in_10000_writes_nothing_and_is_named_by_line_and_column),
      cmocka_unit_test(a_good_file_imports_every_row_with_derived_current_values),
      cmocka_unit_test(duplicate_nips_in_the_file_and_in_the_database_are_reported),
      cmocka_unit_test(a_file_with_bom_crlf_and_quoted_commas_imports),
      cmocka_unit_test(an_interrupted_import_leaves_no_staged_rows),
      cmocka_unit_test(export_then_import_into_a_cleared_office_round_trips),
      cmocka_unit_test(importing_into_another_citys_office_is_refused_per_row),
      cmocka_unit_test(a_bad_header_and_broken_csv_are_reported),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
