/* Integration tests of evidence documents and the service-time report
 * (issue #5; docs/internals/documents.md): chunked upload checked for
 * size, SHA-256 and type by content; nothing of an unfinished or refused
 * upload reaches the database; download in chunks for those who may see
 * the request, audited; ServiceTimes medians and 90th percentiles against
 * hand-computed values; and the real `simpeg` CLI. Each test is named
 * after the rule it checks.
 *
 * Requests are made with the database functions (correction drafts,
 * request_new) through libpq, so these tests do not depend on the
 * lifecycle's protocol methods. Each run builds its own offices (codes
 * carry a per-run tag) and NIPs, so it can run again on the same database:
 *
 *   ID ── <T>-12 ── <T>-12.75 ── <T>-12.75.ST (service-time data)
 *      └─ <T>-16 */
#include <openssl/evp.h>
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
#define ETYPE(x) SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_##x
#define STATE(x) SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_##x
#define STEP(x) SIMPEG__V1__STEP_KIND__STEP_KIND_##x

#define PW "dokumen-uji-sandi-1"
#define MIB (1024u * 1024u)
#define MAX_BYTES (3u * MIB) /* the daemon's documents.max_bytes in this test */

static daemon_t D;
static PGconn *PG;
static char T[8], t[8];
static int RUN_TMT_YEAR, RUN_TMT_MONTH, SEQ;
static spc_sync_t *ROOT, *EMP, *OTHER, *HR, *HR_FAR, *AUD;
static const char *EMP_NIP, *OTHER_NIP, *EMP_ID;

#define fmt harness_fmt
static const char *oc(const char *suffix) { return fmt("%s-%s", T, suffix); }
static const char *un(const char *prefix) { return fmt("%s-%s", prefix, t); }
static const char *nip_pns(const char *birth, int sex) {
  return fmt("%s%04d%02d%d%03d", birth, RUN_TMT_YEAR, RUN_TMT_MONTH, sex, ++SEQ);
}

static PGresult *sql(const char *q, int n, const char *const *v) { return harness_sql(PG, q, n, v); }
static const char *sql_text(const char *q, int n, const char *const *v) {
  return harness_sql_text(PG, q, n, v);
}
static long long sql_int(const char *q, int n, const char *const *v) { return atoll(sql_text(q, n, v)); }

static spc_sync_t *as(const char *user) {
  spc_sync_t *s = sync_open_as(&D, user, PW);
  if (!s) fail_msg("cannot sign in as %s", user);
  return s;
}

#define office_add_ok harness_office_add_ok

static const char *employee_ok(const char *birth8, int sex, const char *name, const char *office) {
  const char *nip = nip_pns(birth8, sex);
  harness_employee_add_ok(ROOT, nip, fmt("%.4s-%.2s-%.2s", birth8, birth8 + 4, birth8 + 6), sex, name, office);
  return nip;
}

static void link_user(const char *username, const char *nip) {
  PQclear(sql("UPDATE users SET nip = $2 WHERE username = $1", 2, (const char *[]){username, nip}));
}

/* A fresh draft correction of EMP's phone number, filed by EMP: the
 * request documents attach to. Returns its number. */
static const char *new_draft(void) {
  static int n;
  const char *phone = fmt("0812%07d", (int)(getpid() % 1000) * 1000 + ++n);
  /* (the new row is read by a second statement: the one that calls the
   * function does not see what the function inserted) */
  const char *id = sql_text("SELECT request_id FROM correction_request_create($1::bigint, 1::smallint,"
                            " (SELECT o.path FROM users u JOIN offices o ON o.id = u.office_id WHERE u.id = $1::bigint),"
                            " '', '', ARRAY['phone'], ARRAY[$2::text], 'nomor telepon berganti', true, NULL)",
                            2, (const char *[]){EMP_ID, phone});
  return sql_text("SELECT number FROM requests WHERE id = $1::bigint", 1, (const char *[]){id});
}

static long long documents_of(const char *number) {
  return sql_int("SELECT count(*) FROM documents d JOIN requests r ON r.id = d.request_id WHERE r.number = $1", 1,
                 (const char *[]){number});
}
static long long document_events_of(const char *number) {
  return sql_int("SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id"
                 " WHERE r.number = $1 AND e.action = 'document'",
                 1, (const char *[]){number});
}

/* ---- content ---- */

/* n bytes starting with `magic`, the rest from a seeded generator. */
static uint8_t *content(const char *magic, size_t magic_len, size_t n, unsigned seed) {
  uint8_t *b = malloc(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x = x * 1664525u + 1013904223u;
    b[i] = (uint8_t)(x >> 24);
  }
  memcpy(b, magic, magic_len < n ? magic_len : n);
  return b;
}
static uint8_t *pdf(size_t n, unsigned seed) { return content("%PDF-1.7\n", 9, n, seed); }

static void sha256(const uint8_t *d, size_t n, uint8_t out[32]) {
  unsigned len = 0;
  EVP_Digest(d, n, out, &len, EVP_sha256(), NULL);
}

/* ---- calls ---- */

static Simpeg__V1__Response *begin(spc_sync_t *s, const char *number, const char *kind, const char *filename,
                                   uint64_t size, const uint8_t *sha, size_t sha_len) {
  Simpeg__V1__DocumentUploadBegin m = SIMPEG__V1__DOCUMENT_UPLOAD_BEGIN__INIT;
  m.request_number = (char *)number;
  m.kind = (char *)kind;
  m.filename = (char *)filename;
  m.size = size;
  m.sha256.data = (uint8_t *)sha;
  m.sha256.len = sha_len;
  return harness_rpc(s, CALL(DOCUMENT_UPLOAD_BEGIN), &m);
}
static uint64_t begin_ok(spc_sync_t *s, const char *number, const uint8_t *data, size_t n) {
  uint8_t sha[32];
  sha256(data, n, sha);
  Simpeg__V1__Response *r = begin(s, number, "bukti_koreksi", "bukti.pdf", n, sha, 32);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_BEGIN));
  uint64_t id = r->document_upload_begin->upload_id;
  assert_true(id != 0);
  assert_int_equal(r->document_upload_begin->max_chunk, MIB);
  spc_response_free(r);
  return id;
}
static Simpeg__V1__Response *chunk(spc_sync_t *s, uint64_t id, uint64_t offset, const uint8_t *d, size_t n) {
  Simpeg__V1__DocumentUploadChunk m = SIMPEG__V1__DOCUMENT_UPLOAD_CHUNK__INIT;
  m.upload_id = id;
  m.offset = offset;
  m.data.data = (uint8_t *)d;
  m.data.len = n;
  return harness_rpc(s, CALL(DOCUMENT_UPLOAD_CHUNK), &m);
}
static void chunks_ok(spc_sync_t *s, uint64_t id, const uint8_t *d, size_t n, size_t step) {
  for (size_t off = 0; off < n; off += step) {
    size_t len = n - off < step ? n - off : step;
    Simpeg__V1__Response *r = chunk(s, id, off, d + off, len);
    harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
    assert_int_equal(r->document_upload_chunk->received, off + len);
    spc_response_free(r);
  }
}
static Simpeg__V1__Response *finish(spc_sync_t *s, uint64_t id) {
  Simpeg__V1__DocumentUploadFinish m = SIMPEG__V1__DOCUMENT_UPLOAD_FINISH__INIT;
  m.upload_id = id;
  return harness_rpc(s, CALL(DOCUMENT_UPLOAD_FINISH), &m);
}
/* Uploads the whole of d; returns the document id. */
static int64_t upload_ok(spc_sync_t *s, const char *number, const uint8_t *d, size_t n) {
  uint64_t id = begin_ok(s, number, d, n);
  chunks_ok(s, id, d, n, MIB);
  Simpeg__V1__Response *r = finish(s, id);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
  int64_t doc = r->document_upload_finish->document->id;
  spc_response_free(r);
  return doc;
}
static Simpeg__V1__Response *download(spc_sync_t *s, int64_t id, uint64_t offset, uint32_t length) {
  Simpeg__V1__DocumentDownload m = SIMPEG__V1__DOCUMENT_DOWNLOAD__INIT;
  m.document_id = id;
  m.offset = offset;
  m.length = length;
  return harness_rpc(s, CALL(DOCUMENT_DOWNLOAD), &m);
}

static void expect_field(const Simpeg__V1__Response *r, int code, const char *field, const char *why) {
  harness_expect_err(r, code, NULL);
  for (size_t i = 0; i < r->error->n_violations; i++)
    if (strcmp(r->error->violations[i]->field, field) == 0 && strcmp(r->error->violations[i]->reason, why) == 0)
      return;
  fail_msg("expected violation %s/%s (reason %s)", field, why, r->error->reason);
}

/* ---- setup ---- */

static int setup(void **state) {
  (void)state;
  harness_require_env(false);
  harness_seed_random();
  harness_run_tag(T, t);
  RUN_TMT_YEAR = 1995 + rand() % 25;
  RUN_TMT_MONTH = 1 + rand() % 12;
  SEQ = rand() % 500;
  if (!daemon_start(&D, "[auth]\nthrottle_addr_failures = 100000\n[documents]\nmax_bytes = 3145728\n")) return -1;
  PG = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(PG) != CONNECTION_OK) return -1;
  if (!harness_create_user(un("root"), PW, ROLE(SYSTEM_ADMIN), NULL)) return -1;
  ROOT = sync_open_as(&D, un("root"), PW);
  if (!ROOT) return -1;
  office_add_ok(ROOT, oc("12"), "Provinsi Sumatera Utara", KIND(PROVINCE), "ID");
  office_add_ok(ROOT, oc("12.75"), "Kota Binjai", KIND(CITY), oc("12"));
  office_add_ok(ROOT, oc("12.75.ST"), "Dinas Waktu Layanan", KIND(AGENCY), oc("12.75"));
  office_add_ok(ROOT, oc("16"), "Provinsi Sumatera Selatan", KIND(PROVINCE), "ID");
  EMP_NIP = employee_ok("19850310", 1, "Budi Pemohon", oc("12.75"));
  OTHER_NIP = employee_ok("19870411", 2, "Sari Lain", oc("12.75"));
  if (!harness_create_user(un("emp"), PW, ROLE(EMPLOYEE), oc("12.75")) ||
      !harness_create_user(un("other"), PW, ROLE(EMPLOYEE), oc("12.75")) ||
      !harness_create_user(un("hr"), PW, ROLE(HR_OFFICER), oc("12.75")) ||
      !harness_create_user(un("hr-far"), PW, ROLE(HR_OFFICER), oc("16")) ||
      !harness_create_user(un("aud"), PW, ROLE(AUDITOR), oc("12")))
    return -1;
  link_user(un("emp"), EMP_NIP);
  link_user(un("other"), OTHER_NIP);
  EMP_ID = sql_text("SELECT id FROM users WHERE username = $1", 1, (const char *[]){un("emp")});
  EMP = sync_open_as(&D, un("emp"), PW);
  OTHER = sync_open_as(&D, un("other"), PW);
  HR = sync_open_as(&D, un("hr"), PW);
  HR_FAR = sync_open_as(&D, un("hr-far"), PW);
  AUD = sync_open_as(&D, un("aud"), PW);
  return EMP && OTHER && HR && HR_FAR && AUD ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  spc_sync_t *all[] = {ROOT, EMP, OTHER, HR, HR_FAR, AUD};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]) spc_sync_close(all[i]);
  if (PG) PQfinish(PG);
  harness_strings_free();
  int rc = daemon_stop(&D);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, D.log);
  return rc == 0 ? 0 : -1;
}

/* ---- upload and download ---- */

static void upload_then_download_round_trips(void **state) {
  (void)state;
  const char *number = new_draft();
  size_t n = 2 * MIB + 12345; /* three chunks each way */
  uint8_t *d = pdf(n, 1);
  uint8_t sha[32];
  sha256(d, n, sha);
  uint64_t up = begin_ok(EMP, number, d, n);
  chunks_ok(EMP, up, d, n, MIB);
  Simpeg__V1__Response *r = finish(EMP, up);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
  const Simpeg__V1__DocumentInfo *info = r->document_upload_finish->document;
  int64_t doc = info->id;
  assert_string_equal(info->kind, "bukti_koreksi");
  assert_string_equal(info->filename, "bukti.pdf");
  assert_string_equal(info->content_type, "application/pdf");
  assert_int_equal(info->size, n);
  assert_int_equal(info->sha256.len, 32);
  assert_memory_equal(info->sha256.data, sha, 32);
  assert_string_equal(info->uploaded_by, un("emp"));
  spc_response_free(r);
  /* One document, one timeline row, one audit row: written together. */
  assert_int_equal(documents_of(number), 1);
  assert_int_equal(document_events_of(number), 1);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'DocumentUpload' AND entity_id = $1", 1,
                           (const char *[]){fmt("%lld", (long long)doc)}),
                   1);
  /* The stored bytes are the bytes sent. */
  assert_string_equal(sql_text("SELECT encode(sha256(content), 'hex') = encode(sha256, 'hex') FROM documents"
                               " WHERE id = $1",
                               1, (const char *[]){fmt("%lld", (long long)doc)}),
                      "t");

  /* Download in chunks (default length 1 MiB), byte for byte. */
  uint8_t *back = malloc(n);
  size_t got = 0;
  int calls = 0;
  while (got < n) {
    r = download(HR, doc, got, 0);
    harness_expect_ok(r, RES(DOCUMENT_DOWNLOAD));
    assert_int_equal(r->document_download->offset, got);
    assert_int_equal(r->document_download->document->size, n);
    assert_true(r->document_download->data.len > 0 && r->document_download->data.len <= MIB);
    memcpy(back + got, r->document_download->data.data, r->document_download->data.len);
    got += r->document_download->data.len;
    calls++;
    spc_response_free(r);
  }
  assert_int_equal(calls, 3);
  assert_memory_equal(back, d, n);
  /* A short window in the middle. */
  r = download(EMP, doc, 1000, 10);
  harness_expect_ok(r, RES(DOCUMENT_DOWNLOAD));
  assert_int_equal(r->document_download->data.len, 10);
  assert_memory_equal(r->document_download->data.data, d + 1000, 10);
  spc_response_free(r);
  /* Past the end: the info, no bytes. */
  r = download(EMP, doc, n, 0);
  harness_expect_ok(r, RES(DOCUMENT_DOWNLOAD));
  assert_int_equal(r->document_download->data.len, 0);
  assert_int_equal(r->document_download->document->size, n);
  spc_response_free(r);
  /* Each chunk read is audited (a person's documents are personal data). */
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'DocumentDownload' AND entity_id = $1",
                           1, (const char *[]){fmt("%lld", (long long)doc)}),
                   5);
  free(back);
  free(d);
}

static void jpeg_and_png_are_recognised_by_content(void **state) {
  (void)state;
  const char *number = new_draft();
  static const uint8_t jpg_magic[] = {0xff, 0xd8, 0xff, 0xe0};
  static const uint8_t png_magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  struct {
    const uint8_t *magic;
    size_t len;
    const char *type;
  } cases[] = {{jpg_magic, sizeof(jpg_magic), "image/jpeg"}, {png_magic, sizeof(png_magic), "image/png"}};
  for (size_t i = 0; i < 2; i++) {
    uint8_t *d = content((const char *)cases[i].magic, cases[i].len, 5000, (unsigned)i + 7);
    uint64_t up = begin_ok(EMP, number, d, 5000); /* named .pdf: the name does not decide */
    chunks_ok(EMP, up, d, 5000, 5000);
    Simpeg__V1__Response *r = finish(EMP, up);
    harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
    assert_string_equal(r->document_upload_finish->document->content_type, cases[i].type);
    spc_response_free(r);
    free(d);
  }
  assert_int_equal(documents_of(number), 2);
}

/* ---- nothing is left behind ---- */

static void an_interrupted_upload_leaves_nothing(void **state) {
  (void)state;
  const char *number = new_draft();
  size_t n = 2 * MIB;
  uint8_t *d = pdf(n, 2);
  spc_sync_t *s = as(un("emp"));
  uint64_t up = begin_ok(s, number, d, n);
  Simpeg__V1__Response *r = chunk(s, up, 0, d, MIB);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  spc_sync_close(s); /* the connection goes mid-upload */
  /* The daemon keeps serving, and the request has no document, no
   * timeline row of one, no audit row of one. */
  assert_int_equal(sync_ping(&D), 0);
  assert_int_equal(documents_of(number), 0);
  assert_int_equal(document_events_of(number), 0);
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'DocumentUpload'"
                           " AND after->>'request' = $1",
                           1, (const char *[]){number}),
                   0);
  /* The same upload on another connection is unknown there. */
  r = chunk(EMP, up, MIB, d + MIB, MIB);
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  free(d);
}

static void a_wrong_checksum_leaves_nothing(void **state) {
  (void)state;
  const char *number = new_draft();
  size_t n = MIB + 100;
  uint8_t *d = pdf(n, 3);
  uint8_t *other = pdf(n, 4);
  uint8_t sha[32];
  sha256(other, n, sha); /* the declared hash is of other bytes */
  Simpeg__V1__Response *r = begin(EMP, number, "bukti_koreksi", "bukti.pdf", n, sha, 32);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_BEGIN));
  uint64_t up = r->document_upload_begin->upload_id;
  spc_response_free(r);
  chunks_ok(EMP, up, d, n, MIB);
  r = finish(EMP, up);
  expect_field(r, ERR(INVALID_ARGUMENT), "sha256", "checksum_mismatch");
  assert_string_equal(r->error->reason, "checksum_mismatch");
  spc_response_free(r);
  assert_int_equal(documents_of(number), 0);
  assert_int_equal(document_events_of(number), 0);
  /* The upload is over: finishing it again finds nothing. */
  r = finish(EMP, up);
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  free(d);
  free(other);
}

static void wrong_size_is_refused(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t *d = pdf(200, 5);
  uint8_t sha[32];
  sha256(d, 100, sha);
  /* Fewer bytes than declared: Finish refuses. */
  Simpeg__V1__Response *r = begin(EMP, number, "bukti_koreksi", "a.pdf", 100, sha, 32);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_BEGIN));
  uint64_t up = r->document_upload_begin->upload_id;
  spc_response_free(r);
  r = chunk(EMP, up, 0, d, 50);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  r = finish(EMP, up);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "size_mismatch");
  spc_response_free(r);
  /* More bytes than declared: the chunk is refused. */
  r = begin(EMP, number, "bukti_koreksi", "a.pdf", 100, sha, 32);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_BEGIN));
  up = r->document_upload_begin->upload_id;
  spc_response_free(r);
  r = chunk(EMP, up, 0, d, 200);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "size_mismatch");
  spc_response_free(r);
  r = finish(EMP, up); /* and the upload is gone */
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  assert_int_equal(documents_of(number), 0);
  free(d);
}

static void out_of_order_chunk_is_refused(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t *d = pdf(3000, 6);
  uint64_t up = begin_ok(EMP, number, d, 3000);
  Simpeg__V1__Response *r = chunk(EMP, up, 0, d, 1000);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  r = chunk(EMP, up, 2000, d + 2000, 1000); /* skips 1000..2000 */
  expect_field(r, ERR(FAILED_PRECONDITION), "offset", "offset_mismatch");
  assert_string_equal(r->error->reason, "out_of_order_chunk");
  spc_response_free(r);
  r = chunk(EMP, up, 1000, d + 1000, 1000);
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  /* A repeated chunk is out of order too. */
  up = begin_ok(EMP, number, d, 3000);
  r = chunk(EMP, up, 0, d, 1000);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  r = chunk(EMP, up, 0, d, 1000);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "out_of_order_chunk");
  spc_response_free(r);
  assert_int_equal(documents_of(number), 0);
  free(d);
}

static void too_big_is_refused(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t sha[32] = {0};
  Simpeg__V1__Response *r = begin(EMP, number, "bukti_koreksi", "besar.pdf", MAX_BYTES + 1, sha, 32);
  expect_field(r, ERR(INVALID_ARGUMENT), "size", "too_big");
  assert_string_equal(r->error->reason, "document_too_big");
  spc_response_free(r);
  /* Exactly the limit is fine to begin. */
  r = begin(EMP, number, "bukti_koreksi", "pas.pdf", MAX_BYTES, sha, 32);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_BEGIN));
  uint64_t up = r->document_upload_begin->upload_id;
  spc_response_free(r);
  /* A chunk over 1 MiB is refused (and ends the upload). */
  uint8_t *d = pdf(MIB + 1, 8);
  r = chunk(EMP, up, 0, d, MIB + 1);
  expect_field(r, ERR(INVALID_ARGUMENT), "data", "too_long");
  spc_response_free(r);
  r = finish(EMP, up);
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  assert_int_equal(documents_of(number), 0);
  free(d);
}

static void not_a_pdf_or_image_is_refused(void **state) {
  (void)state;
  const char *number = new_draft();
  const char *kinds[] = {"#!/bin/sh\necho hi\n", "<html><body>pdf</body></html>", "PK\003\004docx", " %PDF-1.7"};
  for (size_t i = 0; i < 4; i++) {
    size_t n = strlen(kinds[i]);
    uint8_t *d = content(kinds[i], n, n, 9);
    uint64_t up = begin_ok(EMP, number, d, n);
    chunks_ok(EMP, up, d, n, n);
    Simpeg__V1__Response *r = finish(EMP, up);
    expect_field(r, ERR(INVALID_ARGUMENT), "data", "unsupported_type");
    assert_string_equal(r->error->reason, "unsupported_type");
    spc_response_free(r);
    free(d);
  }
  assert_int_equal(documents_of(number), 0);
  assert_int_equal(document_events_of(number), 0);
}

static void bad_upload_requests_are_refused_and_change_nothing(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t sha[32] = {0};
  struct {
    const char *number, *kind, *filename;
    uint64_t size;
    size_t sha_len;
    const char *field, *why;
  } cases[] = {
      {"", "bukti_koreksi", "a.pdf", 10, 32, "request_number", "required"},
      {number, "", "a.pdf", 10, 32, "kind", "required"},
      {number, "Surat Dokter", "a.pdf", 10, 32, "kind", "invalid"},
      {number, "bukti-koreksi", "a.pdf", 10, 32, "kind", "invalid"},
      {number, "bukti_koreksi", "", 10, 32, "filename", "required"},
      {number, "bukti_koreksi", "../etc/passwd", 10, 32, "filename", "invalid"},
      {number, "bukti_koreksi", "a\\b.pdf", 10, 32, "filename", "invalid"},
      {number, "bukti_koreksi", "..", 10, 32, "filename", "invalid"},
      {number, "bukti_koreksi", "a\tb.pdf", 10, 32, "filename", "invalid"},
      {number, "bukti_koreksi", "a.pdf", 0, 32, "size", "required"},
      {number, "bukti_koreksi", "a.pdf", 10, 31, "sha256", "invalid"},
      {number, "bukti_koreksi", "a.pdf", 10, 0, "sha256", "required"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    Simpeg__V1__Response *r =
        begin(EMP, cases[i].number, cases[i].kind, cases[i].filename, cases[i].size, sha, cases[i].sha_len);
    expect_field(r, ERR(INVALID_ARGUMENT), cases[i].field, cases[i].why);
    spc_response_free(r);
  }
  /* An unknown request, and a chunk for an upload never begun. */
  Simpeg__V1__Response *r = begin(EMP, fmt("KOREKSI-1999-%06d", rand() % 999999), "bukti_koreksi", "a.pdf", 10,
                                  sha, 32);
  harness_expect_err(r, ERR(NOT_FOUND), "request_not_found");
  spc_response_free(r);
  r = chunk(EMP, 987654321, 0, sha, 10);
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  r = download(EMP, 0, 0, 0);
  expect_field(r, ERR(INVALID_ARGUMENT), "document_id", "required");
  spc_response_free(r);
  r = download(EMP, -5, 0, 0);
  expect_field(r, ERR(INVALID_ARGUMENT), "document_id", "invalid");
  spc_response_free(r);
  r = download(EMP, 1, (uint64_t)1 << 40, 0);
  expect_field(r, ERR(INVALID_ARGUMENT), "offset", "out_of_range");
  spc_response_free(r);
  /* A request number longer than any. */
  r = begin(EMP, "KOREKSI-2026-0000000000000000000000000001", "bukti_koreksi", "a.pdf", 10, sha, 32);
  expect_field(r, ERR(INVALID_ARGUMENT), "request_number", "too_long");
  spc_response_free(r);
  assert_int_equal(documents_of(number), 0);
}

static void at_most_two_uploads_at_once_per_connection(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t *d = pdf(100, 10);
  spc_sync_t *s = as(un("emp"));
  uint64_t a = begin_ok(s, number, d, 100);
  uint64_t b = begin_ok(s, number, d, 100);
  assert_true(a != b);
  uint8_t sha[32];
  sha256(d, 100, sha);
  Simpeg__V1__Response *r = begin(s, number, "bukti_koreksi", "c.pdf", 100, sha, 32);
  harness_expect_err(r, ERR(RESOURCE_EXHAUSTED), "too_many_uploads");
  spc_response_free(r);
  /* Finishing one makes room; both may be finished interleaved. */
  r = chunk(s, b, 0, d, 100);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  r = chunk(s, a, 0, d, 100);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_CHUNK));
  spc_response_free(r);
  r = finish(s, b);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
  spc_response_free(r);
  uint64_t c = begin_ok(s, number, d, 100);
  assert_true(c != a && c != b);
  r = finish(s, a);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
  spc_response_free(r);
  spc_sync_close(s);
  assert_int_equal(documents_of(number), 2);
  free(d);
}

static void an_abandoned_upload_gives_way_to_others(void **state) {
  (void)state;
  /* A daemon whose uploads may hold 1 MiB in all, idle ones reclaimable
   * after a second. */
  daemon_t d;
  assert_true(daemon_start(&d, "[auth]\nthrottle_addr_failures = 100000\n[documents]\nmax_bytes = 1048576\n"
                               "max_pending_bytes = 1048576\nupload_idle_s = 1\n"));
  spc_sync_t *a = sync_open_as(&d, un("emp"), PW), *b = sync_open_as(&d, un("hr"), PW);
  assert_non_null(a);
  assert_non_null(b);
  const char *number = new_draft();
  uint8_t *big = pdf(MIB, 15), *small = pdf(1000, 16);
  uint64_t held = begin_ok(a, number, big, MIB); /* takes the whole budget, then goes quiet */
  uint8_t sha[32];
  sha256(small, 1000, sha);
  Simpeg__V1__Response *r = begin(b, number, "bukti_koreksi", "kecil.pdf", 1000, sha, 32);
  harness_expect_err(r, ERR(RESOURCE_EXHAUSTED), "uploads_busy");
  spc_response_free(r);
  usleep(1300 * 1000);
  /* Now the quiet one is dropped to make room; its owner learns it at the
   * next chunk. */
  uint64_t up = begin_ok(b, number, small, 1000);
  chunks_ok(b, up, small, 1000, 1000);
  r = finish(b, up);
  harness_expect_ok(r, RES(DOCUMENT_UPLOAD_FINISH));
  spc_response_free(r);
  r = chunk(a, held, 0, big, MIB);
  harness_expect_err(r, ERR(NOT_FOUND), "upload_not_found");
  spc_response_free(r);
  assert_true(daemon_log_contains(&d, "were dropped to make room"));
  assert_int_equal(documents_of(number), 1);
  spc_sync_close(a);
  spc_sync_close(b);
  assert_int_equal(daemon_stop(&d), 0);
  free(big);
  free(small);
}

static void a_decided_request_takes_no_more_evidence(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t *d = pdf(100, 11);
  uint64_t up = begin_ok(EMP, number, d, 100);
  chunks_ok(EMP, up, d, 100, 100);
  /* Decided while the upload was under way: Finish re-checks. */
  PQclear(sql("UPDATE requests SET state = 7 WHERE number = $1", 1, (const char *[]){number}));
  Simpeg__V1__Response *r = finish(EMP, up);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "request_closed");
  spc_response_free(r);
  uint8_t sha[32];
  sha256(d, 100, sha);
  r = begin(EMP, number, "bukti_koreksi", "a.pdf", 100, sha, 32);
  harness_expect_err(r, ERR(FAILED_PRECONDITION), "request_closed");
  spc_response_free(r);
  assert_int_equal(documents_of(number), 0);
  free(d);
}

/* ---- who may ---- */

static void only_those_who_may_see_the_request_can_download(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t *d = pdf(4000, 12);
  int64_t doc = upload_ok(EMP, number, d, 4000);
  /* The applicant, HR whose scope holds the office, an auditor in scope. */
  spc_sync_t *may[] = {EMP, HR, AUD, ROOT};
  for (size_t i = 0; i < 4; i++) {
    Simpeg__V1__Response *r = download(may[i], doc, 0, 0);
    harness_expect_ok(r, RES(DOCUMENT_DOWNLOAD));
    assert_int_equal(r->document_download->data.len, 4000);
    spc_response_free(r);
  }
  /* Another employee of the same office and HR of another province: as if
   * it did not exist, and no audit row of a read. */
  long long before = sql_int("SELECT count(*) FROM audit_log WHERE method = 'DocumentDownload' AND entity_id = $1",
                             1, (const char *[]){fmt("%lld", (long long)doc)});
  spc_sync_t *may_not[] = {OTHER, HR_FAR};
  for (size_t i = 0; i < 2; i++) {
    Simpeg__V1__Response *r = download(may_not[i], doc, 0, 0);
    harness_expect_err(r, ERR(NOT_FOUND), "document_not_found");
    spc_response_free(r);
  }
  assert_int_equal(sql_int("SELECT count(*) FROM audit_log WHERE method = 'DocumentDownload' AND entity_id = $1", 1,
                           (const char *[]){fmt("%lld", (long long)doc)}),
                   before);
  /* A document id nobody has. */
  Simpeg__V1__Response *r = download(ROOT, 0x7fffffffffffll, 0, 0);
  harness_expect_err(r, ERR(NOT_FOUND), "document_not_found");
  spc_response_free(r);
  free(d);
}

static void only_the_applicant_a_step_holder_or_hr_may_upload(void **state) {
  (void)state;
  const char *number = new_draft();
  uint8_t *d = pdf(100, 13);
  uint8_t sha[32];
  sha256(d, 100, sha);
  /* Not visible: not found. */
  spc_sync_t *hidden[] = {OTHER, HR_FAR};
  for (size_t i = 0; i < 2; i++) {
    Simpeg__V1__Response *r = begin(hidden[i], number, "bukti_koreksi", "a.pdf", 100, sha, 32);
    harness_expect_err(r, ERR(NOT_FOUND), "request_not_found");
    spc_response_free(r);
  }
  /* Visible but not a party: an auditor reads, never adds. */
  Simpeg__V1__Response *r = begin(AUD, number, "bukti_koreksi", "a.pdf", 100, sha, 32);
  harness_expect_err(r, ERR(PERMISSION_DENIED), "not_allowed_to_upload");
  spc_response_free(r);
  /* HR in scope may add evidence for the employee. */
  int64_t doc = upload_ok(HR, number, d, 100);
  assert_true(doc > 0);
  assert_int_equal(documents_of(number), 1);
  free(d);
}

/* ---- service times ---- */

/* Inserts a request of `service` for employee nip, submitted at `sub`,
 * decided `dec_h` hours later (< 0: not decided) in state `st`, with steps
 * (kind, hours held; hours < 0: reached, not acted). Returns its id. */
static const char *st_request(const char *service, const char *nip, const char *sub, double dec_h, int st,
                              const char *k1, double h1, const char *k2, double h2) {
  const char *id = sql_text("SELECT request_id FROM request_new($1, (SELECT id FROM employees WHERE nip = $2),"
                            " (SELECT id FROM users WHERE username = $3), NULL, 'uji waktu layanan')",
                            3, (const char *[]){service, nip, un("root")});
  PQclear(sql("UPDATE requests SET state = $2::smallint, submitted_at = $3::timestamptz,"
              " decided_at = CASE WHEN $4::float8 < 0 THEN NULL"
              "  ELSE $3::timestamptz + $4::float8 * interval '1 hour' END,"
              " created_at = $3::timestamptz - interval '1 day' WHERE id = $1::bigint",
              4, (const char *[]){id, fmt("%d", st), sub, fmt("%.3f", dec_h)}));
  const char *kinds[2] = {k1, k2};
  double hs[2] = {h1, h2};
  double at = 0;
  for (int i = 0; i < 2 && kinds[i]; i++) {
    PQclear(sql("INSERT INTO request_steps (request_id, step_no, kind, holder_office_id, reached_at, acted_at, outcome)"
                " SELECT $1::bigint, $2::smallint, $3, r.office_id, $4::timestamptz + $5::float8 * interval '1 hour',"
                "  CASE WHEN $6::float8 < 0 THEN NULL"
                "   ELSE $4::timestamptz + ($5::float8 + $6::float8) * interval '1 hour' END,"
                "  CASE WHEN $6::float8 < 0 THEN NULL ELSE 'approve' END"
                " FROM requests r WHERE r.id = $1::bigint",
                6, (const char *[]){id, fmt("%d", i + 1), kinds[i], sub, fmt("%.3f", at), fmt("%.3f", hs[i])}));
    if (hs[i] > 0) at += hs[i];
  }
  return id;
}

static Simpeg__V1__Response *service_times(spc_sync_t *s, const char *office, const char *service, const char *from,
                                           const char *to) {
  Simpeg__V1__ServiceTimes m = SIMPEG__V1__SERVICE_TIMES__INIT;
  m.office_code = (char *)office;
  m.service = (char *)service;
  m.from_date = (char *)from;
  m.to_date = (char *)to;
  return harness_rpc(s, CALL(SERVICE_TIMES), &m);
}

static uint64_t state_count(const Simpeg__V1__ServiceTimesRow *w, int st) {
  for (size_t i = 0; i < w->n_states; i++)
    if ((int)w->states[i]->state == st) return w->states[i]->count;
  return 0;
}

static void service_times_median_and_p90(void **state) {
  (void)state;
  const char *off = oc("12.75.ST");
  const char *a = employee_ok("19800101", 1, "Waktu Satu", off);
  const char *b = employee_ok("19810202", 2, "Waktu Dua", off);
  /* Five decided KOREKSI requests: decision after 2, 4, 6, 8, 10 hours.
   * Median 6; p90 (interpolated, rank 0.9 x 4 = 3.6): 8 + 0.6 x 2 = 9.2.
   * Supervisor steps held them 1, 2, 3, 4, 5 hours: median 3, p90 4.6.
   * Verifier steps (four acted on) 1, 1, 2, 2 hours: median 1.5; p90
   * (rank 2.7 between 2 and 2) 2. */
  st_request("KOREKSI", a, "2026-11-02 08:00+07", 2, 5, "supervisor", 1, "verifier", 1);
  st_request("KOREKSI", b, "2026-11-03 08:00+07", 4, 5, "supervisor", 2, "verifier", 1);
  st_request("KOREKSI", a, "2026-11-04 08:00+07", 6, 7, "supervisor", 3, NULL, 0);
  st_request("KOREKSI", b, "2026-11-05 08:00+07", 8, 5, "supervisor", 4, "verifier", 2);
  st_request("KOREKSI", a, "2026-11-06 08:00+07", 10, 7, "supervisor", 5, "verifier", 2);
  /* Still waiting: counted by state, not in the times; its open step is
   * not counted either. */
  st_request("KOREKSI", b, "2026-11-10 08:00+07", -1, 2, "supervisor", -1, NULL, 0);
  /* Outside the period, and another service: not in this row. */
  st_request("KOREKSI", a, "2026-10-20 08:00+07", 1, 5, "supervisor", 1, NULL, 0);
  st_request("KP", b, "2026-11-12 08:00+07", 30, 5, "supervisor", 30, NULL, 0);

  Simpeg__V1__Response *r = service_times(HR, off, "KOREKSI", "2026-11-01", "2026-11-30");
  harness_expect_ok(r, RES(SERVICE_TIMES));
  const Simpeg__V1__ServiceTimesReply *rep = r->service_times;
  assert_int_equal(rep->n_rows, 1);
  const Simpeg__V1__ServiceTimesRow *w = rep->rows[0];
  assert_string_equal(w->service, "KOREKSI");
  assert_string_equal(w->office_code, off);
  assert_string_equal(w->office_name, "Dinas Waktu Layanan");
  assert_int_equal(state_count(w, STATE(APPROVED)), 3);
  assert_int_equal(state_count(w, STATE(REJECTED)), 2);
  assert_int_equal(state_count(w, STATE(SUBMITTED)), 1);
  assert_int_equal(w->decided, 5);
  assert_float_equal(w->median_hours, 6.0, 1e-6);
  assert_float_equal(w->p90_hours, 9.2, 1e-6);
  assert_int_equal(w->n_steps, 2);
  assert_int_equal(w->steps[0]->kind, STEP(SUPERVISOR));
  assert_int_equal(w->steps[0]->count, 5);
  assert_float_equal(w->steps[0]->median_hours, 3.0, 1e-6);
  assert_float_equal(w->steps[0]->p90_hours, 4.6, 1e-6);
  assert_int_equal(w->steps[1]->kind, STEP(VERIFIER));
  assert_int_equal(w->steps[1]->count, 4);
  assert_float_equal(w->steps[1]->median_hours, 1.5, 1e-6);
  assert_float_equal(w->steps[1]->p90_hours, 2.0, 1e-6);
  spc_response_free(r);

  /* All services: a KP row beside it; from the city above, the same rows. */
  r = service_times(HR, oc("12.75"), "", "2026-11-01", "2026-11-30");
  harness_expect_ok(r, RES(SERVICE_TIMES));
  int kp = 0, koreksi = 0;
  for (size_t i = 0; i < r->service_times->n_rows; i++) {
    const Simpeg__V1__ServiceTimesRow *x = r->service_times->rows[i];
    if (strcmp(x->office_code, off) != 0) continue;
    if (strcmp(x->service, "KP") == 0) {
      kp++;
      assert_int_equal(x->decided, 1);
      assert_float_equal(x->median_hours, 30.0, 1e-6);
    }
    if (strcmp(x->service, "KOREKSI") == 0) koreksi++;
  }
  assert_int_equal(kp, 1);
  assert_int_equal(koreksi, 1);
  spc_response_free(r);
}

static void service_times_stay_in_scope_and_refuse_bad_input(void **state) {
  (void)state;
  /* Out of scope looks like not found. */
  Simpeg__V1__Response *r = service_times(HR_FAR, oc("12.75"), "", "", "");
  expect_field(r, ERR(NOT_FOUND), "office_code", "not_found");
  spc_response_free(r);
  /* HR of another province sees nothing of this one from its own scope. */
  r = service_times(HR_FAR, "", "KOREKSI", "2026-11-01", "2026-11-30");
  harness_expect_ok(r, RES(SERVICE_TIMES));
  for (size_t i = 0; i < r->service_times->n_rows; i++)
    assert_true(strncmp(r->service_times->rows[i]->office_code, oc("12"), strlen(oc("12"))) != 0);
  spc_response_free(r);
  struct {
    const char *service, *from, *to, *field, *why;
  } bad[] = {
      {"CUTIX", "", "", "service", "unknown_service"},
      {"", "2026-02-30", "", "from_date", "invalid_date"},
      {"", "", "kemarin", "to_date", "invalid_date"},
      {"", "2026-12-01", "2026-11-01", "from_date", "after_to_date"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    r = service_times(HR, "", bad[i].service, bad[i].from, bad[i].to);
    expect_field(r, ERR(INVALID_ARGUMENT), bad[i].field, bad[i].why);
    spc_response_free(r);
  }
  /* An employee has no service report. */
  r = service_times(EMP, "", "", "", "");
  harness_expect_err(r, ERR(PERMISSION_DENIED), "role_lacks_permission");
  spc_response_free(r);
}

/* ---- the real CLI ---- */

static bool write_file(const char *path, const uint8_t *d, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fwrite(d, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *b = malloc(4 * MIB);
  *n = fread(b, 1, 4 * MIB, f);
  fclose(f);
  return b;
}

static void cli_uploads_downloads_and_reports(void **state) {
  (void)state;
  if (!harness_env("SIMPEG_TEST_SIMPEG")) skip();
  const char *number = new_draft();
  harness_ws_t w;
  assert_true(harness_ws_init(&w, &D));
  harness_ws_login(&w, un("emp"), PW);
  size_t n = MIB + 777;
  uint8_t *d = pdf(n, 14);
  const char *in = fmt("%s/surat.pdf", w.dir);
  assert_true(write_file(in, d, n));
  harness_run_t *r = calloc(1, sizeof(*r));
  harness_ws_run(&w, r, NULL, "document", "upload", number, "bukti_koreksi", in, "--output", "json", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "\"content_type\":\"application/pdf\"");
  assert_in(r->out, "\"filename\":\"surat.pdf\"");
  const char *id = sql_text("SELECT max(d.id) FROM documents d JOIN requests q ON q.id = d.request_id"
                            " WHERE q.number = $1",
                            1, (const char *[]){number});
  assert_true(*id);
  /* Listed with the request (RequestShow's documents). */
  harness_ws_run(&w, r, NULL, "document", "list", number, NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "surat.pdf");
  assert_in(r->out, "bukti_koreksi");
  assert_in(r->out, "application/pdf");
  assert_in(r->out, fmt("%zu", n));
  /* Download to a file: byte for byte. */
  const char *out = fmt("%s/kembali.pdf", w.dir);
  harness_ws_run(&w, r, NULL, "document", "download", id, "--out", out, NULL);
  harness_run_expect(r, 0);
  size_t got = 0;
  uint8_t *back = read_file(out, &got);
  assert_non_null(back);
  assert_int_equal(got, n);
  assert_memory_equal(back, d, n);
  free(back);
  /* A file that is not a PDF or an image: refused, exit 4, in words. */
  const char *txt = fmt("%s/catatan.txt", w.dir);
  assert_true(write_file(txt, (const uint8_t *)"bukan dokumen\n", 14));
  harness_ws_run(&w, r, NULL, "document", "upload", number, "bukti_koreksi", txt, NULL);
  harness_run_expect(r, 4);
  assert_int_equal(documents_of(number), 1);
  /* Someone who may not see it cannot download it. */
  harness_ws_t w2;
  assert_true(harness_ws_init(&w2, &D));
  harness_ws_login(&w2, un("other"), PW);
  harness_ws_run(&w2, r, NULL, "document", "download", id, "--out", fmt("%s/x.pdf", w2.dir), NULL);
  harness_run_expect(r, 4);
  assert_int_equal(access(fmt("%s/x.pdf", w2.dir), F_OK), -1);
  assert_int_equal(access(fmt("%s/x.pdf.part", w2.dir), F_OK), -1);
  harness_ws_free(&w2);
  /* The service-time report, as HR. */
  harness_ws_t w3;
  assert_true(harness_ws_init(&w3, &D));
  harness_ws_login(&w3, un("hr"), PW);
  harness_ws_run(&w3, r, NULL, "report", "service-times", "--office", oc("12.75"), "--service", "koreksi", "--from",
                 "2026-11-01", "--to", "2026-11-30", "--output", "json", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, fmt("\"office_code\":\"%s\"", oc("12.75.ST")));
  assert_in(r->out, "\"median_hours\":6.00");
  assert_in(r->out, "\"p90_hours\":9.20");
  harness_ws_run(&w3, r, NULL, "report", "service-times", "--office", oc("12.75"), "--from", "2026-11-01", "--to",
                 "2026-11-30", NULL);
  harness_run_expect(r, 0);
  assert_in(r->out, "9.2");
  harness_ws_free(&w3);
  harness_ws_free(&w);
  free(r);
  free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(upload_then_download_round_trips),
      cmocka_unit_test(jpeg_and_png_are_recognised_by_content),
      cmocka_unit_test(an_interrupted_upload_leaves_nothing),
      cmocka_unit_test(a_wrong_checksum_leaves_nothing),
      cmocka_unit_test(wrong_size_is_refused),
      cmocka_unit_test(out_of_order_chunk_is_refused),
      cmocka_unit_test(too_big_is_refused),
      cmocka_unit_test(not_a_pdf_or_image_is_refused),
      cmocka_unit_test(bad_upload_requests_are_refused_and_change_nothing),
      cmocka_unit_test(at_most_two_uploads_at_once_per_connection),
      cmocka_unit_test(an_abandoned_upload_gives_way_to_others),
      cmocka_unit_test(a_decided_request_takes_no_more_evidence),
      cmocka_unit_test(only_those_who_may_see_the_request_can_download),
      cmocka_unit_test(only_the_applicant_a_step_holder_or_hr_may_upload),
      cmocka_unit_test(service_times_median_and_p90),
      cmocka_unit_test(service_times_stay_in_scope_and_refuse_bad_input),
      cmocka_unit_test(cli_uploads_downloads_and_reports),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
