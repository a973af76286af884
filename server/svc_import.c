/* svc_import: bulk import and export of employees (docs/IMPORT.md):
 * ImportBegin, ImportChunk and Export.
 *
 * Import. The file streams in chunks on one connection; the state lives on
 * the connection (conn->import, at most one import at a time) and goes with
 * it: an abandoned import leaves no staged rows behind (svc_import_release).
 * Each chunk is parsed (sp_csv, a record may span chunks), every row is
 * judged by the same rules as EmployeeAdd (emp_rules.c) plus the columns
 * only a file has (first rank/position/education), NIPs repeated in the
 * file are caught here, and the good rows of the chunk go to the staging
 * table in one statement that takes one array per column (unnest), resolves
 * the office codes and checks their scope, and reports NIPs that already
 * exist. The last chunk commits: one batch moves the staged rows into
 * employees with their first history rows and one audit row, or, when any
 * row was bad, the staged rows are dropped and every bad row is reported.
 *
 * Export. A page of a subtree, keyset by NIP, in the same columns (CSV or
 * JSON lines), so an exported file imports elsewhere; each page writes an
 * audit row with its count (a read of personal data, UU 27/2022). */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "emp_rules.h"
#include "pg_array.h"
#include "sp_csv.h"
#include "sp_log.h"
#include "sp_msgcheck.h"
#include "svc_admin.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define ETYPE(x) SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_##x

#define IMPORT_MAX_CHUNK (1024u * 1024u)
#define IMPORT_MAX_ERRORS 1000
#define IMPORT_MAX_FIELD (4 * 1024)
#define IMPORT_MAX_RECORD (64 * 1024)
#define IMPORT_COL_BUF_MAX ((size_t)64 << 20)
/* The commit's statement_timeout (or query_timeout_ms, if longer): a
 * million rows take about a minute on a 2-core machine. */
#define IMPORT_COMMIT_TIMEOUT_MS (30 * 60 * 1000)
#define EXPORT_DEFAULT 10000
#define EXPORT_MAX 50000
#define EXPORT_MAX_BYTES ((size_t)3 << 20)

/* The columns of docs/IMPORT.md, in the export's order. */
enum col {
  C_NIP,
  C_EMPLOYMENT_TYPE,
  C_NAME,
  C_FRONT_TITLE,
  C_BACK_TITLE,
  C_BIRTH_PLACE,
  C_BIRTH_DATE,
  C_SEX,
  C_RELIGION,
  C_MARITAL_STATUS,
  C_STATUS,
  C_OFFICE_CODE,
  C_TMT_CPNS,
  C_RANK_CODE,
  C_RANK_TMT,
  C_MKG_YEARS,
  C_POSITION_NAME,
  C_POSITION_KIND,
  C_FUNCTIONAL_LEVEL,
  C_POSITION_TMT,
  C_EDUCATION_LEVEL,
  C_EMAIL,
  C_PHONE,
  C_ADDRESS,
  C_NIK,
  C__COUNT
};
static const char *const col_names[C__COUNT] = {
    "nip",          "employment_type", "name",           "front_title",   "back_title",       "birth_place",
    "birth_date",   "sex",             "religion",       "marital_status", "status",          "office_code",
    "tmt_cpns",     "rank_code",       "rank_tmt",       "mkg_years",     "position_name",    "position_kind",
    "functional_level", "position_tmt", "education_level", "email",       "phone",            "address",
    "nik"};
static const bool col_required[C__COUNT] = {[C_NIP] = true, [C_EMPLOYMENT_TYPE] = true, [C_NAME] = true,
                                            [C_OFFICE_CODE] = true};

static const char *const etypes[] = {"pns", "cpns", "pppk", NULL};
static const char *const statuses[] = {"active", "on_leave", "retired", "dismissed", "deceased", "transferred_out", NULL};
static const char *const position_kinds[] = {"jpt", "administrator", "pengawas", "pelaksana", "fungsional", NULL};

/* The staging statement's arrays ($4..$29), one per staged column. */
enum arr {
  A_LINE, A_NIP, A_ETYPE, A_FRONT, A_NAME, A_BACK, A_BPLACE, A_BDATE, A_SEX, A_RELIGION, A_MARITAL, A_STATUS,
  A_OFFICE, A_TMT, A_EMAIL, A_PHONE, A_ADDRESS, A_NIK, A_RANK, A_RANK_TMT, A_MKG, A_POS_NAME, A_POS_KIND,
  A_FLEVEL, A_POS_TMT, A_EDU, A__COUNT
};

typedef struct import_error {
  uint64_t line;
  uint32_t order; /* arrival, to keep the sort stable */
  char column[24];
  char reason[32];
} import_error_t;

struct import_state {
  char id[33];
  int64_t session_id; /* the import belongs to the session that began it */
  char file_name[256];
  char today[11];
  uint64_t received;
  uint64_t rows_seen, bad_rows;
  sp_csv_t csv;
  int csv_error;
  bool header_done;
  bool header_bad;
  bool busy;      /* a chunk is being processed */
  int index[64];  /* CSV field i -> enum col, -1 unused */
  size_t ncols;
  /* NIPs seen (as numbers: 18 digits fit 64 bits), open addressing; 0 free */
  uint64_t *nips;
  uint64_t *nip_lines;
  size_t nips_cap, nips_n;
  import_error_t *errors;
  size_t n_errors;
  uint32_t error_order;
  /* the chunk being built */
  sp_buf_t arr[A__COUNT];
  size_t chunk_rows;
};

typedef struct import_state import_t;

/* ---- state ---- */

static void import_free(import_t *im) {
  if (!im) return;
  sp_csv_free(&im->csv);
  for (int i = 0; i < A__COUNT; i++) sp_buf_free(&im->arr[i]);
  free(im->nips);
  free(im->nip_lines);
  free(im->errors);
  free(im);
}

static void discard_done(void *ud, const db_result_t *res) {
  if (res->status != DB_OK) sp_log_warning("import %s: dropping staged rows failed: %s", (char *)ud, res->message);
  free(ud);
}

/* Drops the staged rows of an import in the background. */
static void discard_staged(db_pool_t *db, const char *id) {
  if (!db) return;
  char *copy = sp_xstrdup(id);
  const char *v[1] = {copy};
  db_query_t q = {.stmt = DB_STMT_IMPORT_DISCARD, .nparams = 1, .values = v};
  if (db_submit(db, &q, 1, 0, discard_done, copy) != 0) free(copy);
}

void svc_import_release(conn_t *c) {
  import_t *im = c->import;
  if (!im) return;
  c->import = NULL;
  discard_staged(c->srv->db, im->id);
  import_free(im);
}

static void add_error(import_t *im, uint64_t line, const char *column, const char *reason) {
  if (im->n_errors >= IMPORT_MAX_ERRORS) return;
  if (!im->errors) im->errors = sp_xmalloc(IMPORT_MAX_ERRORS * sizeof(*im->errors));
  import_error_t *e = &im->errors[im->n_errors++];
  e->line = line;
  e->order = im->error_order++;
  snprintf(e->column, sizeof(e->column), "%s", column);
  snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

/* Remembers a NIP; returns the line it was first seen on, or 0. */
static uint64_t nip_seen(import_t *im, const char *nip, uint64_t line) {
  uint64_t key = strtoull(nip, NULL, 10) + 1; /* 0 marks a free slot */
  if (im->nips_n * 2 >= im->nips_cap) {
    size_t cap = im->nips_cap ? im->nips_cap * 2 : 4096;
    uint64_t *k = sp_xcalloc(cap, sizeof(*k)), *l = sp_xcalloc(cap, sizeof(*l));
    for (size_t i = 0; i < im->nips_cap; i++) {
      if (!im->nips[i]) continue;
      size_t j = (size_t)(im->nips[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
      while (k[j]) j = (j + 1) & (cap - 1);
      k[j] = im->nips[i];
      l[j] = im->nip_lines[i];
    }
    free(im->nips);
    free(im->nip_lines);
    im->nips = k;
    im->nip_lines = l;
    im->nips_cap = cap;
  }
  size_t j = (size_t)(key * 0x9E3779B97F4A7C15ull) & (im->nips_cap - 1);
  while (im->nips[j]) {
    if (im->nips[j] == key) return im->nip_lines[j];
    j = (j + 1) & (im->nips_cap - 1);
  }
  im->nips[j] = key;
  im->nip_lines[j] = line;
  im->nips_n++;
  return 0;
}

/* ---- array literals for the staging statement ---- */

static void arr_start(import_t *im) {
  for (int i = 0; i < A__COUNT; i++) {
    if (!im->arr[i].max)
      sp_buf_init(&im->arr[i], IMPORT_COL_BUF_MAX);
    else
      sp_buf_reset(&im->arr[i], (size_t)4 << 20);
    pg_array_open(&im->arr[i]);
  }
  im->chunk_rows = 0;
}

/* One element; NULL (or "" when empty_is_null) is SQL NULL. Cannot run
 * out of room below IMPORT_COL_BUF_MAX for a 1 MiB chunk. */
static void arr_put(import_t *im, int a, const char *s, bool empty_is_null) {
  pg_array_add(&im->arr[a], s && empty_is_null && !*s ? NULL : s);
}

static const char *arr_end(import_t *im, int a) { return pg_array_close(&im->arr[a]); }

/* ---- one row ---- */

static int set_index(const char *s, const char *const *set) {
  for (int i = 0; set[i]; i++)
    if (strcmp(s, set[i]) == 0) return i + 1;
  return 0;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

static void on_header(import_t *im, const sp_csv_record_t *rec) {
  im->header_done = true;
  bool seen[C__COUNT] = {false};
  im->ncols = rec->nfields;
  bool bad = false;
  if (rec->nfields > sizeof(im->index) / sizeof(im->index[0])) {
    add_error(im, rec->line, "", "too_many_columns");
    im->header_bad = true;
    im->bad_rows++;
    return;
  }
  for (size_t i = 0; i < rec->nfields; i++) {
    char *name = trim(rec->fields[i]);
    for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
    im->index[i] = -1;
    int c = -1;
    for (int k = 0; k < C__COUNT; k++)
      if (strcmp(name, col_names[k]) == 0) c = k;
    if (c < 0) {
      add_error(im, rec->line, sp_utf8_valid((const unsigned char *)name, strlen(name)) && strlen(name) < 24 ? name : "",
                "unknown_column");
      bad = true;
    } else if (seen[c]) {
      add_error(im, rec->line, col_names[c], "duplicate_column");
      bad = true;
    } else {
      seen[c] = true;
      im->index[i] = c;
    }
  }
  for (int k = 0; k < C__COUNT; k++)
    if (col_required[k] && !seen[k]) {
      add_error(im, rec->line, col_names[k], "missing_column");
      bad = true;
    }
  if (bad) {
    im->header_bad = true;
    im->bad_rows++;
  }
}

static void row_bad(import_t *im, uint64_t line, const emp_viol_t *vs) {
  for (size_t i = 0; i < vs->n; i++) add_error(im, line, vs->items[i].field, vs->items[i].reason);
  im->bad_rows++;
}

static int on_record(void *ud, const sp_csv_record_t *rec) {
  import_t *im = ud;
  if (!im->header_done) {
    on_header(im, rec);
    return 0;
  }
  if (im->header_bad) return 1; /* rows cannot be read without their columns */
  im->rows_seen++;
  emp_viol_t vs;
  vs.n = 0;
  if (rec->nfields != im->ncols) {
    emp_viol_add(&vs, "", "wrong_field_count");
    row_bad(im, rec->line, &vs);
    return 0;
  }
  char *f[C__COUNT];
  for (int k = 0; k < C__COUNT; k++) f[k] = "";
  for (size_t i = 0; i < rec->nfields; i++) {
    int c = im->index[i];
    if (c < 0) continue;
    if (strlen(rec->fields[i]) != rec->lens[i] ||
        !sp_utf8_valid((const unsigned char *)rec->fields[i], rec->lens[i])) {
      emp_viol_add(&vs, col_names[c], "invalid_utf8");
      continue;
    }
    f[c] = trim(rec->fields[i]);
  }
  /* NIP: spaces allowed as people write it. */
  char nip[32];
  size_t n = 0;
  for (const char *p = f[C_NIP]; *p && n < sizeof(nip) - 1; p++)
    if (*p != ' ') nip[n++] = *p;
  nip[n] = '\0';

  Simpeg__V1__Employee e = SIMPEG__V1__EMPLOYEE__INIT;
  e.nip = nip;
  e.front_title = f[C_FRONT_TITLE];
  e.name = f[C_NAME];
  e.back_title = f[C_BACK_TITLE];
  e.birth_place = f[C_BIRTH_PLACE];
  e.birth_date = f[C_BIRTH_DATE];
  e.religion = f[C_RELIGION];
  e.marital_status = f[C_MARITAL_STATUS];
  e.office_code = f[C_OFFICE_CODE];
  e.tmt_cpns = f[C_TMT_CPNS];
  e.email = f[C_EMAIL];
  e.phone = f[C_PHONE];
  e.address = f[C_ADDRESS];
  e.nik = f[C_NIK];
  e.position_name = f[C_POSITION_NAME];
  e.functional_level = f[C_FUNCTIONAL_LEVEL];
  e.rank_code = f[C_RANK_CODE];
  e.rank_tmt = f[C_RANK_TMT];
  e.education_level = f[C_EDUCATION_LEVEL];

  int et = set_index(f[C_EMPLOYMENT_TYPE], etypes);
  if (!et && *f[C_EMPLOYMENT_TYPE]) emp_viol_add(&vs, "employment_type", "unknown_value");
  e.employment_type = (Simpeg__V1__EmploymentType)et;
  /* Birth date and sex: from the NIP when not given (then they agree). */
  sp_nip_info_t ni;
  bool nip_ok = sp_nip_decode(nip, &ni) != SP_NIP_INVALID;
  char birth[11];
  if (!*e.birth_date && nip_ok) {
    memcpy(birth, ni.birth_date, sizeof(birth));
    e.birth_date = birth;
  }
  const char *sx = f[C_SEX];
  if (!*sx) {
    if (nip_ok) e.sex = (Simpeg__V1__Sex)ni.sex;
  } else if (strcmp(sx, "male") == 0 || strcmp(sx, "L") == 0) {
    e.sex = SIMPEG__V1__SEX__SEX_MALE;
  } else if (strcmp(sx, "female") == 0 || strcmp(sx, "P") == 0) {
    e.sex = SIMPEG__V1__SEX__SEX_FEMALE;
  } else {
    emp_viol_add(&vs, "sex", "unknown_value");
  }
  int st = 1;
  if (*f[C_STATUS] && !(st = set_index(f[C_STATUS], statuses))) emp_viol_add(&vs, "status", "unknown_value");
  e.status = (Simpeg__V1__EmployeeStatus)st;

  char tmt[11] = "";
  emp_check_new(&vs, &e, im->today, tmt); /* the rules of EmployeeAdd */

  /* The first history rows, which only a file carries. */
  long day = 0;
  if (*e.rank_code) {
    if (!emp_in_set(e.rank_code, emp_rank_codes))
      emp_viol_add(&vs, "rank_code", "unknown_rank");
    else if (et && emp_rank_is_pns(e.rank_code) != (et != ETYPE(PPPK)))
      emp_viol_add(&vs, "rank_code", "not_for_employment_type");
    emp_check_date(&vs, "rank_tmt", e.rank_tmt, true, &day);
  } else if (*e.rank_tmt) {
    emp_viol_add(&vs, "rank_code", "required");
  }
  const char *mkg = f[C_MKG_YEARS];
  if (*mkg) {
    char *end;
    long m = strtol(mkg, &end, 10);
    if (*end || m < 0 || m > 50) emp_viol_add(&vs, "mkg_years", "out_of_range");
    else if (!*e.rank_code) emp_viol_add(&vs, "rank_code", "required");
  }
  int pk = 0;
  if (*f[C_POSITION_KIND] && !(pk = set_index(f[C_POSITION_KIND], position_kinds)))
    emp_viol_add(&vs, "position_kind", "unknown_value");
  if (*e.position_name || *f[C_POSITION_KIND] || *f[C_POSITION_TMT]) {
    emp_check_text(&vs, "position_name", e.position_name, EMP_NAME_MAX_CHARS, true);
    if (!*f[C_POSITION_KIND]) emp_viol_add(&vs, "position_kind", "required");
    emp_check_date(&vs, "position_tmt", f[C_POSITION_TMT], true, &day);
  }
  if (pk == 5) {
    if (!emp_in_set(e.functional_level, emp_functional_levels))
      emp_viol_add(&vs, "functional_level", *e.functional_level ? "unknown_value" : "required");
  } else if (*e.functional_level) {
    emp_viol_add(&vs, "functional_level", "only_for_fungsional");
  }
  if (*e.education_level && !emp_in_set(e.education_level, emp_educations))
    emp_viol_add(&vs, "education_level", "unknown_value");
  if (strlen(e.office_code) > 63) emp_viol_add(&vs, "office_code", "too_long");

  if (nip_ok) {
    uint64_t first = nip_seen(im, nip, rec->line);
    if (first) emp_viol_add(&vs, "nip", "duplicate_in_file");
  }
  if (vs.n) {
    row_bad(im, rec->line, &vs);
    return 0;
  }

  char line[24], etype[12], sex[12], status[12], pkind[12];
  snprintf(line, sizeof(line), "%llu", (unsigned long long)rec->line);
  snprintf(etype, sizeof(etype), "%d", et);
  snprintf(sex, sizeof(sex), "%d", (int)e.sex);
  snprintf(status, sizeof(status), "%d", st);
  snprintf(pkind, sizeof(pkind), "%d", pk);
  arr_put(im, A_LINE, line, false);
  arr_put(im, A_NIP, nip, false);
  arr_put(im, A_ETYPE, etype, false);
  arr_put(im, A_FRONT, e.front_title, false);
  arr_put(im, A_NAME, e.name, false);
  arr_put(im, A_BACK, e.back_title, false);
  arr_put(im, A_BPLACE, e.birth_place, false);
  arr_put(im, A_BDATE, e.birth_date, false);
  arr_put(im, A_SEX, sex, false);
  arr_put(im, A_RELIGION, e.religion, false);
  arr_put(im, A_MARITAL, e.marital_status, false);
  arr_put(im, A_STATUS, status, false);
  arr_put(im, A_OFFICE, e.office_code, false);
  arr_put(im, A_TMT, tmt, false);
  arr_put(im, A_EMAIL, e.email, false);
  arr_put(im, A_PHONE, e.phone, false);
  arr_put(im, A_ADDRESS, e.address, false);
  arr_put(im, A_NIK, e.nik, true);
  arr_put(im, A_RANK, e.rank_code, true);
  arr_put(im, A_RANK_TMT, *e.rank_code ? e.rank_tmt : NULL, true);
  arr_put(im, A_MKG, *e.rank_code ? (*mkg ? mkg : "0") : NULL, true);
  arr_put(im, A_POS_NAME, e.position_name, true);
  arr_put(im, A_POS_KIND, pk ? pkind : NULL, true);
  arr_put(im, A_FLEVEL, e.functional_level, false);
  arr_put(im, A_POS_TMT, *e.position_name ? f[C_POSITION_TMT] : NULL, true);
  arr_put(im, A_EDU, e.education_level, true);
  im->chunk_rows++;
  return 0;
}

/* ---- ImportBegin ---- */

void svc_import_begin(srv_req_t *req) {
  const Simpeg__V1__ImportBegin *m = req->msg->import_begin;
  conn_t *c = req->conn;
  if (strcmp(m->kind, "employees") != 0) {
    req_fail_field(req, "kind", *m->kind ? "unknown_value" : "required");
    return;
  }
  if (strlen(m->file_name) > 200) {
    req_fail_field(req, "file_name", "too_long");
    return;
  }
  srv_session_t *sess = conn_session_current(c);
  if (!sess) {
    req_fail(req, ERR(UNAUTHENTICATED), "not_signed_in", "sign in first");
    return;
  }
  /* An import left by an earlier session of this connection is dropped. */
  if (c->import && !c->import->busy && c->import->session_id != sess->session_id) svc_import_release(c);
  if (c->import) {
    req_fail(req, ERR(FAILED_PRECONDITION), "import_in_progress", "an import is already in progress on this connection");
    return;
  }
  unsigned char rnd[16];
  if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
    req_fail(req, ERR(INTERNAL), "internal", "no random bytes");
    return;
  }
  import_t *im = sp_xcalloc(1, sizeof(*im));
  im->session_id = sess->session_id;
  for (int i = 0; i < 16; i++) snprintf(im->id + 2 * i, 3, "%02x", rnd[i]);
  snprintf(im->file_name, sizeof(im->file_name), "%s", m->file_name);
  snprintf(im->today, sizeof(im->today), "%s", svc_today(req));
  sp_csv_init(&im->csv, IMPORT_MAX_FIELD, IMPORT_MAX_RECORD, 64);
  c->import = im;

  svc_reply_budget(req);
  Simpeg__V1__ImportBeginReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__import_begin_reply__init(rep);
  rep->import_id = sp_arena_strdup(&req->arena, im->id);
  rep->max_chunk = IMPORT_MAX_CHUNK;
  if (!rep->import_id) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_IMPORT_BEGIN;
  resp.import_begin = rep;
  req_reply(req, &resp);
}

/* ---- ImportChunk ---- */

typedef struct chunk_op {
  srv_req_t *req;
  svc_actor_t *actor;
  import_t *im;
  bool last;
  bool committed;
  uint64_t rows_written;
} chunk_op_t;

static int error_cmp(const void *a, const void *b) {
  const import_error_t *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Answers the chunk; after the last one the import is over. */
static void chunk_reply(chunk_op_t *op) {
  srv_req_t *req = op->req;
  import_t *im = op->im;
  im->busy = false;
  svc_reply_budget(req);
  Simpeg__V1__ImportChunkReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__import_chunk_reply__init(rep);
  rep->rows_seen = im->rows_seen;
  rep->bad_rows = im->bad_rows;
  if (op->last) {
    rep->committed = op->committed;
    rep->rows_written = op->rows_written;
    if (im->n_errors) qsort(im->errors, im->n_errors, sizeof(*im->errors), error_cmp);
    Simpeg__V1__ImportRowError *items = sp_arena_alloc(&req->arena, (im->n_errors + 1) * sizeof(*items));
    Simpeg__V1__ImportRowError **ptrs = sp_arena_alloc(&req->arena, (im->n_errors + 1) * sizeof(*ptrs));
    if (!items || !ptrs) {
      svc_fail_nomem(req);
      return;
    }
    for (size_t i = 0; i < im->n_errors; i++) {
      simpeg__v1__import_row_error__init(&items[i]);
      items[i].line = im->errors[i].line;
      items[i].column = sp_arena_strdup(&req->arena, im->errors[i].column);
      items[i].reason = sp_arena_strdup(&req->arena, im->errors[i].reason);
      if (!items[i].column || !items[i].reason) {
        svc_fail_nomem(req);
        return;
      }
      ptrs[i] = &items[i];
    }
    rep->errors = ptrs;
    rep->n_errors = im->n_errors;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_IMPORT_CHUNK;
  resp.import_chunk = rep;
  req_reply(req, &resp);
}

/* The import is over: detach it from the connection (while the request
 * still holds its reference), answer, and free it. The op lives in the
 * request's arena, which the answer frees: nothing of it is read after. */
static void import_finish_reply(chunk_op_t *op) {
  import_t *im = op->im;
  conn_t *c = op->req->conn;
  if (c->import == im) c->import = NULL;
  chunk_reply(op);
  import_free(im);
}

/* The same when the answer is an error. */
static void import_finish_fail(chunk_op_t *op, const db_result_t *res) {
  import_t *im = op->im;
  conn_t *c = op->req->conn;
  if (c->import == im) c->import = NULL;
  discard_staged(op->req->srv->db, im->id);
  import_free(im);
  svc_fail_db(op->req, res);
}

static void commit_done(void *ud, const db_result_t *res) {
  chunk_op_t *op = ud;
  if (res->status != DB_OK) {
    import_finish_fail(op, res);
    return;
  }
  op->committed = true;
  op->rows_written = (uint64_t)svc_col_i64(res->results[1], 0, 0);
  import_finish_reply(op);
}

static void discard_then_reply(void *ud, const db_result_t *res) {
  chunk_op_t *op = ud;
  if (res->status != DB_OK) sp_log_warning("import %s: dropping staged rows failed: %s", op->im->id, res->message);
  import_finish_reply(op);
}

/* After the chunk's rows are staged (or there were none). */
static void chunk_staged(chunk_op_t *op) {
  srv_req_t *req = op->req;
  import_t *im = op->im;
  if (!op->last) {
    chunk_reply(op);
    return;
  }
  if (!im->header_done && !im->bad_rows) {
    add_error(im, 1, "", "missing_header");
    im->bad_rows++;
  }
  if (im->bad_rows == 0) {
    const char *v[6];
    svc_actor_params(op->actor, v);
    v[4] = im->id;
    v[5] = im->file_name;
    /* The commit moves every staged row in one statement: about a minute
     * per million rows here, beyond query_timeout_ms, so it runs as a long
     * batch with its own limit. */
    int timeout_ms = IMPORT_COMMIT_TIMEOUT_MS;
    if (req->srv->cfg.db_query_timeout_ms > (uint64_t)timeout_ms) timeout_ms = (int)req->srv->cfg.db_query_timeout_ms;
    const char *t[1] = {svc_i64(req, timeout_ms)};
    db_query_t q[2] = {{.stmt = DB_STMT_IMPORT_ON, .nparams = 1, .values = t},
                       {.stmt = DB_STMT_IMPORT_COMMIT, .nparams = 6, .values = v}};
    if (db_submit_long(req->srv->db, q, 2, 0, timeout_ms, commit_done, op) != 0) {
      db_result_t none = {.status = DB_UNAVAILABLE, .message = "database pool closed", .failed_stmt = -1};
      commit_done(op, &none);
    }
    return;
  }
  const char *v[1] = {im->id};
  db_query_t q = {.stmt = DB_STMT_IMPORT_DISCARD, .nparams = 1, .values = v};
  svc_submit(req, &q, 1, 0, discard_then_reply, op);
}

static void stage_done(void *ud, const db_result_t *res) {
  chunk_op_t *op = ud;
  import_t *im = op->im;
  if (res->status != DB_OK) { /* the import cannot go on */
    import_finish_fail(op, res);
    return;
  }
  const PGresult *r = res->results[0];
  int n = PQntuples(r);
  uint64_t prev = 0;
  for (int i = 0; i < n; i++) {
    uint64_t line = (uint64_t)svc_col_i64(r, i, 0);
    add_error(im, line, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    if (line != prev) im->bad_rows++;
    prev = line;
  }
  chunk_staged(op);
}

void svc_import_chunk(srv_req_t *req) {
  const Simpeg__V1__ImportChunk *m = req->msg->import_chunk;
  conn_t *c = req->conn;
  import_t *im = c->import;
  if (!im || strcmp(m->import_id, im->id) != 0) {
    svc_fail_field(req, ERR(NOT_FOUND), "import_not_found", "no such import on this connection", "import_id",
                   "not_found");
    return;
  }
  if (im->busy) {
    req_fail(req, ERR(FAILED_PRECONDITION), "chunk_in_progress", "wait for the answer to the previous chunk");
    return;
  }
  if (m->offset != im->received) {
    svc_fail_field(req, ERR(FAILED_PRECONDITION), "offset_mismatch", "the chunk does not follow the bytes received",
                   "offset", "offset_mismatch");
    return;
  }
  if (m->data.len > IMPORT_MAX_CHUNK) {
    req_fail_field(req, "data", "too_long");
    return;
  }
  chunk_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  svc_actor_t *a = op ? svc_actor_new(req) : NULL;
  if (!op) svc_fail_nomem(req);
  if (!a) return;
  if (a->session.session_id != im->session_id) { /* signed out and in again meanwhile */
    svc_fail_field(req, ERR(NOT_FOUND), "import_not_found", "no such import on this connection", "import_id",
                   "not_found");
    return;
  }
  *op = (chunk_op_t){.req = req, .actor = a, .im = im, .last = m->last};
  im->busy = true;
  im->received += m->data.len;

  arr_start(im);
  if (!im->csv_error) {
    int r = sp_csv_feed(&im->csv, m->data.data, m->data.len, m->last, on_record, im);
    if (r && r != SP_CSV_STOPPED) {
      im->csv_error = r;
      add_error(im, im->csv.error_line, "", sp_csv_reason(r));
      im->bad_rows++;
    } else if (r) {
      im->csv_error = r; /* the header was bad: the rows were not read */
    }
  }
  if (im->chunk_rows == 0) {
    chunk_staged(op);
    return;
  }
  const char *v[3 + A__COUNT];
  v[0] = im->id;
  v[1] = a->session.office_path;
  v[2] = a->branch_path;
  for (int i = 0; i < A__COUNT; i++) v[3 + i] = arr_end(im, i);
  db_query_t q = {.stmt = DB_STMT_IMPORT_STAGE, .nparams = 3 + A__COUNT, .values = v};
  svc_submit(req, &q, 1, 0, stage_done, op);
}

/* ---- Export ---- */

typedef struct export_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__Export *m;
  bool json;
  uint32_t limit;
} export_op_t;

static void csv_field(sp_buf_t *b, const char *s) {
  bool quote = strpbrk(s, ",\"\r\n") != NULL || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '));
  if (!quote) {
    sp_buf_append(b, s, strlen(s));
    return;
  }
  sp_buf_append(b, "\"", 1);
  for (const char *p = s; *p; p++) {
    if (*p == '"') sp_buf_append(b, "\"", 1);
    sp_buf_append(b, p, 1);
  }
  sp_buf_append(b, "\"", 1);
}

static void json_string(sp_buf_t *b, const char *s) {
  sp_buf_append(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      sp_buf_append(b, esc, 2);
    } else if (*p < 0x20) {
      snprintf(esc, sizeof(esc), "\\u%04x", *p);
      sp_buf_append(b, esc, 6);
    } else {
      sp_buf_append(b, p, 1);
    }
  }
  sp_buf_append(b, "\"", 1);
}

static void export_read(void *ud, const db_result_t *res) {
  export_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int n = PQntuples(r);
  bool more = n > (int)op->limit;
  if (more) n = (int)op->limit;
  sp_buf_t b;
  sp_buf_init(&b, EXPORT_MAX_BYTES + 64 * 1024);
  if (!op->json && !*op->m->after) {
    for (int k = 0; k < C__COUNT; k++) {
      if (k) sp_buf_append(&b, ",", 1);
      sp_buf_append(&b, col_names[k], strlen(col_names[k]));
    }
    sp_buf_append(&b, "\n", 1);
  }
  int rows = 0;
  for (; rows < n; rows++) {
    if (sp_buf_used(&b) > EXPORT_MAX_BYTES) {
      more = true; /* the frame is full: the rest comes on the next page */
      break;
    }
    if (op->json) sp_buf_append(&b, "{", 1);
    for (int k = 0; k < C__COUNT; k++) {
      const char *v = PQgetvalue(r, rows, k);
      if (op->json) {
        if (k) sp_buf_append(&b, ",", 1);
        json_string(&b, col_names[k]);
        sp_buf_append(&b, ":", 1);
        json_string(&b, v);
      } else {
        if (k) sp_buf_append(&b, ",", 1);
        csv_field(&b, v);
      }
    }
    sp_buf_append(&b, op->json ? "}\n" : "\n", op->json ? 2 : 1);
  }
  svc_reply_budget(req);
  Simpeg__V1__ExportReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  uint8_t *data = sp_arena_alloc(&req->arena, sp_buf_used(&b) + 1);
  if (!rep || !data) {
    sp_buf_free(&b);
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__export_reply__init(rep);
  memcpy(data, sp_buf_head(&b), sp_buf_used(&b));
  rep->data.data = data;
  rep->data.len = sp_buf_used(&b);
  sp_buf_free(&b);
  rep->rows = (uint64_t)rows;
  if (more && rows > 0 && !(rep->next_after = svc_col_str(req, r, rows - 1, C_NIP))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_EXPORT;
  resp.export = rep;
  req_reply(req, &resp);
}

static void export_run(export_op_t *op, const char *root) {
  srv_req_t *req = op->req;
  svc_actor_t *a = op->actor;
  const char *v[11];
  svc_actor_params(a, v);
  v[4] = root;
  v[5] = a->session.office_path;
  v[6] = a->branch_path;
  v[7] = op->m->after;
  v[8] = svc_i64(req, op->limit);
  v[9] = authz_sees_nik(a->session.role) ? "true" : "false";
  v[10] = *op->m->office_code ? op->m->office_code : a->session.office_code;
  db_query_t q = {.stmt = DB_STMT_EXPORT, .nparams = 11, .values = v};
  svc_submit(req, &q, 1, 0, export_read, op);
}

static void export_office_read(void *ud, const db_result_t *res) {
  export_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *o = res->results[0];
  if (PQntuples(o) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(o, 0, SVC_OFFICE_PATH))) {
    svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", "office_code", "not_found");
    return;
  }
  const char *root = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  if (!root) {
    svc_fail_nomem(req);
    return;
  }
  export_run(op, root);
}

void svc_export(srv_req_t *req) {
  const Simpeg__V1__Export *m = req->msg->export;
  emp_viol_t vs;
  vs.n = 0;
  bool json = strcmp(m->format, "json") == 0;
  if (*m->format && !json && strcmp(m->format, "csv") != 0) emp_viol_add(&vs, "format", "unknown_value");
  if (*m->after && (strlen(m->after) > 18 || !emp_all_digits(m->after))) emp_viol_add(&vs, "after", "invalid_cursor");
  if (m->limit > EXPORT_MAX) emp_viol_add(&vs, "limit", "too_large");
  if (strlen(m->office_code) > 63) emp_viol_add(&vs, "office_code", "too_long");
  if (vs.n) {
    svc_fail_field(req, ERR(INVALID_ARGUMENT), "invalid_field", "a field of the request is invalid", vs.items[0].field,
                   vs.items[0].reason);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  export_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (export_op_t){.req = req, .actor = a, .m = m, .json = json, .limit = m->limit ? m->limit : EXPORT_DEFAULT};
  if (!*m->office_code) {
    export_run(op, a->session.office_path);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->office_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, export_office_read, op);
}
