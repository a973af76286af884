/* svc_docs: evidence documents, Subscribe and the service-time report
 * (issue #5; docs/internals/documents.md).
 *
 * Upload. DocumentUploadBegin declares the request, kind, file name, size
 * and SHA-256 of the whole; the database says whether the caller may add
 * evidence to that request now (document_upload_check). The bytes then
 * arrive in order, at most 1 MiB a chunk, into memory held by the
 * connection (conn->uploads, at most DOC_MAX_UPLOADS at once, all of them
 * together under documents.max_pending_bytes), hashed as they come.
 * DocumentUploadFinish checks size, hash and type by content (PDF, JPEG,
 * PNG) and stores the document, its timeline row and its audit row in one
 * statement. Any failure drops the upload; nothing reaches the database
 * before Finish, so an interrupted upload leaves nothing behind.
 *
 * Download. One chunk per call, for whoever may see the request
 * (request_visible); every chunk read writes an audit row.
 *
 * Subscribe marks the connection for pushed request events (listen.c).
 * ServiceTimes aggregates in SQL (service_times in 0009_documents.sql). */
#include "svc_docs.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "db_stmts.h"
#include "sp_log.h"
#include "sp_time.h"
#include "sp_valid.h"
#include "svc_admin.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x

#define DOC_MAX_CHUNK (1024u * 1024u)
#define DOC_MAX_UPLOADS 2 /* per connection */
#define DOC_NUMBER_MAX 40
#define DOC_KIND_MAX 60
#define DOC_FILENAME_MAX 255
#define OFFICE_CODE_MAX 63

typedef struct doc_upload {
  struct doc_upload *next;
  uint64_t id;
  int64_t session_id; /* the upload belongs to the session that began it */
  char number[DOC_NUMBER_MAX + 1];
  char kind[DOC_KIND_MAX + 1];
  char filename[DOC_FILENAME_MAX + 1];
  uint8_t sha256[32];
  uint64_t size, received;
  uint8_t *data;
  EVP_MD_CTX *md;
  uint64_t last_us; /* last Begin or chunk (monotonic): idle uploads may be reclaimed */
  bool ready; /* Begin's check passed */
  bool busy;  /* Begin's check or Finish's store is in flight */
} doc_upload_t;

/* Bytes reserved by unfinished uploads of every connection (the loop's
 * thread only). */
static uint64_t pending_bytes;
static uint64_t next_upload_id;

/* ---- upload state ---- */

static void upload_free(doc_upload_t *u) {
  pending_bytes -= u->size;
  EVP_MD_CTX_free(u->md);
  free(u->data);
  free(u);
}

static void upload_drop(conn_t *c, doc_upload_t *u) {
  for (doc_upload_t **pp = &c->uploads; *pp; pp = &(*pp)->next) {
    if (*pp == u) {
      *pp = u->next;
      break;
    }
  }
  upload_free(u);
}

void svc_docs_release(conn_t *c) {
  while (c->uploads) {
    doc_upload_t *u = c->uploads;
    c->uploads = u->next;
    upload_free(u);
  }
}

/* Drops the uploads of every connection that got nothing for
 * documents.upload_idle_s (a client that began and went quiet must not
 * hold the shared budget); returns the bytes freed. */
static uint64_t reclaim_idle(srv_t *s) {
  uint64_t before = pending_bytes, now = sp_mono_us(), idle = s->cfg.doc_upload_idle_s * 1000000u;
  for (conn_t *c = s->conns; c; c = c->next) {
    for (doc_upload_t *u = c->uploads, *next; u; u = next) {
      next = u->next;
      if (!u->busy && now - u->last_us >= idle) upload_drop(c, u);
    }
  }
  return before - pending_bytes;
}

static doc_upload_t *upload_find(conn_t *c, uint64_t id, int64_t session_id) {
  for (doc_upload_t *u = c->uploads; u; u = u->next)
    if (u->id == id && u->session_id == session_id) return u;
  return NULL;
}

/* ---- checks ---- */

static bool kind_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > DOC_KIND_MAX) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
  return true;
}

/* A plain file name: no directories, no control characters, not "." or
 * "..". (UTF-8 was checked by dispatch.) */
static const char *filename_problem(const char *s) {
  size_t n = strlen(s);
  if (n == 0) return "required";
  if (n > DOC_FILENAME_MAX) return "too_long";
  if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return "invalid";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\') return "invalid";
  return NULL;
}

/* The type by content, never by name: the formats evidence comes in. */
static const char *sniff_type(const uint8_t *d, uint64_t n) {
  static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 5 && memcmp(d, "%PDF-", 5) == 0) return "application/pdf";
  if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) return "image/jpeg";
  if (n >= 8 && memcmp(d, png, 8) == 0) return "image/png";
  return NULL;
}

/* The parameters document functions take after the request: user id, role,
 * scope, branch. */
static const char *role_text(srv_req_t *req, const svc_actor_t *a) { return svc_i64(req, (int64_t)a->session.role); }

/* ---- DocumentUploadBegin ---- */

typedef struct begin_op {
  srv_req_t *req;
  doc_upload_t *u;
} begin_op_t;

static void begin_checked(void *ud, const db_result_t *res) {
  begin_op_t *op = ud;
  srv_req_t *req = op->req;
  doc_upload_t *u = op->u;
  u->busy = false;
  if (res->status != DB_OK) {
    upload_drop(req->conn, u);
    svc_fail_db(req, res);
    return;
  }
  u->data = sp_xmalloc(u->size);
  u->md = EVP_MD_CTX_new();
  if (!u->md || EVP_DigestInit_ex(u->md, EVP_sha256(), NULL) != 1) {
    upload_drop(req->conn, u);
    req_fail(req, ERR(INTERNAL), "internal", "cannot start the hash");
    return;
  }
  u->ready = true;
  Simpeg__V1__DocumentUploadBeginReply rep = SIMPEG__V1__DOCUMENT_UPLOAD_BEGIN_REPLY__INIT;
  rep.upload_id = u->id;
  /* A chunk and its envelope must fit in one frame. */
  uint64_t room = req->srv->cfg.max_frame > 4096 ? req->srv->cfg.max_frame - 4096 : 1024;
  rep.max_chunk = (uint32_t)(room < DOC_MAX_CHUNK ? room : DOC_MAX_CHUNK);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_DOCUMENT_UPLOAD_BEGIN;
  resp.document_upload_begin = &rep;
  req_reply(req, &resp);
}

void svc_document_upload_begin(srv_req_t *req) {
  const Simpeg__V1__DocumentUploadBegin *m = req->msg->document_upload_begin;
  conn_t *c = req->conn;
  const srv_config_t *cfg = &req->srv->cfg;
  if (!*m->request_number || strlen(m->request_number) > DOC_NUMBER_MAX) {
    req_fail_field(req, "request_number", *m->request_number ? "too_long" : "required");
    return;
  }
  if (!kind_ok(m->kind)) {
    req_fail_field(req, "kind", *m->kind ? "invalid" : "required");
    return;
  }
  const char *fp = filename_problem(m->filename);
  if (fp) {
    req_fail_field(req, "filename", fp);
    return;
  }
  if (m->size == 0) {
    req_fail_field(req, "size", "required");
    return;
  }
  if (m->size > cfg->doc_max_bytes) {
    char msg[96];
    snprintf(msg, sizeof(msg), "a document may have at most %llu bytes", (unsigned long long)cfg->doc_max_bytes);
    svc_fail_field(req, ERR(INVALID_ARGUMENT), "document_too_big", msg, "size", "too_big");
    return;
  }
  if (m->sha256.len != 32) {
    req_fail_field(req, "sha256", m->sha256.len ? "invalid" : "required");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  /* Uploads an earlier session of this connection left are dropped. */
  int mine = 0;
  for (doc_upload_t *u = c->uploads, *next; u; u = next) {
    next = u->next;
    if (u->session_id != a->session.session_id && !u->busy)
      upload_drop(c, u);
    else
      mine++;
  }
  if (mine >= DOC_MAX_UPLOADS) {
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "too_many_uploads",
             "finish the uploads already begun on this connection first");
    return;
  }
  if (pending_bytes + m->size > cfg->doc_max_pending_bytes && reclaim_idle(req->srv))
    sp_log_notice("document uploads idle for %llu s or more were dropped to make room",
                  (unsigned long long)cfg->doc_upload_idle_s);
  if (pending_bytes + m->size > cfg->doc_max_pending_bytes) {
    sp_log_notice("document uploads hold %llu bytes; one of %llu more refused", (unsigned long long)pending_bytes,
                  (unsigned long long)m->size);
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "uploads_busy", "too many uploads are in progress; try again shortly");
    return;
  }
  begin_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  doc_upload_t *u = sp_xcalloc(1, sizeof(*u));
  u->id = ++next_upload_id;
  u->session_id = a->session.session_id;
  snprintf(u->number, sizeof(u->number), "%s", m->request_number);
  snprintf(u->kind, sizeof(u->kind), "%s", m->kind);
  snprintf(u->filename, sizeof(u->filename), "%s", m->filename);
  memcpy(u->sha256, m->sha256.data, 32);
  u->size = m->size;
  u->last_us = sp_mono_us();
  u->busy = true;
  pending_bytes += u->size;
  u->next = c->uploads;
  c->uploads = u;
  *op = (begin_op_t){.req = req, .u = u};

  const char *v[5] = {u->number, a->user_id, role_text(req, a), a->session.office_path, a->branch_path};
  db_query_t q = {.stmt = DB_STMT_DOC_UPLOAD_CHECK, .nparams = 5, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, begin_checked, op);
}

/* ---- DocumentUploadChunk ---- */

/* The upload named by a Chunk or Finish, usable now; NULL after answering. */
static doc_upload_t *upload_for(srv_req_t *req, uint64_t id) {
  conn_t *c = req->conn;
  srv_session_t *s = conn_session_current(c);
  doc_upload_t *u = s ? upload_find(c, id, s->session_id) : NULL;
  if (!u) {
    svc_fail_field(req, ERR(NOT_FOUND), "upload_not_found", "no such upload on this connection", "upload_id",
                   "not_found");
    return NULL;
  }
  if (u->busy || !u->ready) {
    req_fail(req, ERR(FAILED_PRECONDITION), "upload_busy", "wait for the answer to the previous call");
    return NULL;
  }
  return u;
}

void svc_document_upload_chunk(srv_req_t *req) {
  const Simpeg__V1__DocumentUploadChunk *m = req->msg->document_upload_chunk;
  doc_upload_t *u = upload_for(req, m->upload_id);
  if (!u) return;
  conn_t *c = req->conn;
  /* Every refusal ends the upload: the client starts it again. */
  if (m->offset != u->received) {
    upload_drop(c, u);
    svc_fail_field(req, ERR(FAILED_PRECONDITION), "out_of_order_chunk",
                   "the chunk does not follow the bytes received; the upload was abandoned", "offset",
                   "offset_mismatch");
    return;
  }
  if (m->data.len == 0 || m->data.len > DOC_MAX_CHUNK) {
    upload_drop(c, u);
    req_fail_field(req, "data", m->data.len ? "too_long" : "required");
    return;
  }
  if (m->data.len > u->size - u->received) {
    upload_drop(c, u);
    svc_fail_field(req, ERR(FAILED_PRECONDITION), "size_mismatch",
                   "more bytes than the size declared; the upload was abandoned", "size", "size_mismatch");
    return;
  }
  /* Hashing a chunk (at most 1 MiB, about a millisecond) on the loop keeps
   * the hash incremental: Finish has nothing big left to do. */
  if (EVP_DigestUpdate(u->md, m->data.data, m->data.len) != 1) {
    upload_drop(c, u);
    req_fail(req, ERR(INTERNAL), "internal", "hashing failed");
    return;
  }
  memcpy(u->data + u->received, m->data.data, m->data.len);
  u->received += m->data.len;
  u->last_us = sp_mono_us();
  Simpeg__V1__DocumentUploadChunkReply rep = SIMPEG__V1__DOCUMENT_UPLOAD_CHUNK_REPLY__INIT;
  rep.received = u->received;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_DOCUMENT_UPLOAD_CHUNK;
  resp.document_upload_chunk = &rep;
  req_reply(req, &resp);
}

/* ---- DocumentUploadFinish ---- */

typedef struct finish_op {
  srv_req_t *req;
  doc_upload_t *u;
} finish_op_t;

/* Bytes of "0a1b..." into out (n bytes). */
static bool unhex(const char *s, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned hi, lo;
    char a = s[2 * i], b = s[2 * i + 1];
    if (!a || !b) return false;
    hi = (unsigned)(a <= '9' ? a - '0' : (a | 0x20) - 'a' + 10);
    lo = (unsigned)(b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
    if (hi > 15 || lo > 15) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return s[2 * n] == '\0';
}

/* Columns of DOC_STORE and DOC_READ (db_stmts.c). */
enum { DOC_ID, DOC_KIND, DOC_FILENAME, DOC_TYPE, DOC_SIZE, DOC_SHA, DOC_BY, DOC_AT_US, DOC__INFO };

static Simpeg__V1__DocumentInfo *info_from_row(srv_req_t *req, const PGresult *r) {
  Simpeg__V1__DocumentInfo *d = sp_arena_alloc(&req->arena, sizeof(*d));
  uint8_t *sha = sp_arena_alloc(&req->arena, 32);
  if (!d || !sha) return NULL;
  simpeg__v1__document_info__init(d);
  d->id = svc_col_i64(r, 0, DOC_ID);
  d->kind = svc_col_str(req, r, 0, DOC_KIND);
  d->filename = svc_col_str(req, r, 0, DOC_FILENAME);
  d->content_type = svc_col_str(req, r, 0, DOC_TYPE);
  d->size = (uint64_t)svc_col_i64(r, 0, DOC_SIZE);
  d->uploaded_by = svc_col_str(req, r, 0, DOC_BY);
  d->uploaded_at_us = (uint64_t)svc_col_i64(r, 0, DOC_AT_US);
  if (!d->kind || !d->filename || !d->content_type || !d->uploaded_by) return NULL;
  if (unhex(PQgetvalue(r, 0, DOC_SHA), sha, 32)) {
    d->sha256.data = sha;
    d->sha256.len = 32;
  }
  return d;
}

static void finish_stored(void *ud, const db_result_t *res) {
  finish_op_t *op = ud;
  srv_req_t *req = op->req;
  upload_drop(req->conn, op->u); /* stored or refused: the upload is over */
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  if (PQntuples(r) != 1) {
    req_fail(req, ERR(INTERNAL), "internal", "the document was not stored");
    return;
  }
  Simpeg__V1__DocumentInfo *d = info_from_row(req, r);
  if (!d) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__DocumentReply rep = SIMPEG__V1__DOCUMENT_REPLY__INIT;
  rep.document = d;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_DOCUMENT_UPLOAD_FINISH;
  resp.document_upload_finish = &rep;
  req_reply(req, &resp);
}

void svc_document_upload_finish(srv_req_t *req) {
  const Simpeg__V1__DocumentUploadFinish *m = req->msg->document_upload_finish;
  doc_upload_t *u = upload_for(req, m->upload_id);
  if (!u) return;
  conn_t *c = req->conn;
  if (u->received != u->size) {
    upload_drop(c, u);
    svc_fail_field(req, ERR(FAILED_PRECONDITION), "size_mismatch",
                   "fewer bytes than the size declared; the upload was abandoned", "size", "size_mismatch");
    return;
  }
  uint8_t got[EVP_MAX_MD_SIZE];
  unsigned glen = 0;
  if (EVP_DigestFinal_ex(u->md, got, &glen) != 1 || glen != 32 || memcmp(got, u->sha256, 32) != 0) {
    upload_drop(c, u);
    svc_fail_field(req, ERR(INVALID_ARGUMENT), "checksum_mismatch",
                   "the bytes received do not match the SHA-256 declared; the upload was abandoned", "sha256",
                   "checksum_mismatch");
    return;
  }
  const char *type = sniff_type(u->data, u->size);
  if (!type) {
    upload_drop(c, u);
    svc_fail_field(req, ERR(INVALID_ARGUMENT), "unsupported_type",
                   "only PDF, JPEG and PNG documents are accepted", "data", "unsupported_type");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  finish_op_t *op = a ? sp_arena_alloc(&req->arena, sizeof(*op)) : NULL;
  if (!a) return;
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (finish_op_t){.req = req, .u = u};
  u->busy = true;
  const char *v[13];
  int len[13] = {0}, fmt[13] = {0};
  svc_actor_params(a, v);
  v[4] = u->number;
  v[5] = role_text(req, a);
  v[6] = a->session.office_path;
  v[7] = a->branch_path;
  v[8] = u->kind;
  v[9] = u->filename;
  v[10] = type;
  v[11] = (const char *)u->sha256;
  len[11] = 32;
  fmt[11] = 1;
  v[12] = (const char *)u->data;
  len[12] = (int)u->size;
  fmt[12] = 1;
  db_query_t q = {.stmt = DB_STMT_DOC_STORE, .nparams = 13, .values = v, .lengths = len, .formats = fmt};
  svc_submit(req, &q, 1, 0, finish_stored, op);
}

/* ---- DocumentDownload ---- */

static void download_read(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  if (PQntuples(r) != 1) {
    svc_fail_field(req, ERR(NOT_FOUND), "document_not_found", "no such document", "document_id", "not_found");
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__DocumentInfo *d = info_from_row(req, r);
  if (!d) {
    svc_fail_nomem(req);
    return;
  }
  /* bytea in text form: "\x" and two hex digits a byte */
  const char *hex = PQgetvalue(r, 0, DOC__INFO);
  size_t hlen = (size_t)PQgetlength(r, 0, DOC__INFO);
  if (hlen < 2 || hex[0] != '\\' || hex[1] != 'x' || (hlen - 2) % 2) {
    req_fail(req, ERR(INTERNAL), "internal", "unexpected bytea form");
    return;
  }
  size_t n = (hlen - 2) / 2;
  uint8_t *data = sp_arena_alloc(&req->arena, n ? n : 1);
  if (!data) {
    svc_fail_nomem(req);
    return;
  }
  if (!unhex(hex + 2, data, n)) {
    req_fail(req, ERR(INTERNAL), "internal", "unexpected bytea form");
    return;
  }
  Simpeg__V1__DocumentDownloadReply rep = SIMPEG__V1__DOCUMENT_DOWNLOAD_REPLY__INIT;
  rep.document = d;
  rep.offset = req->msg->document_download->offset;
  rep.data.data = data;
  rep.data.len = n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_DOCUMENT_DOWNLOAD;
  resp.document_download = &rep;
  req_reply(req, &resp);
}

void svc_document_download(srv_req_t *req) {
  const Simpeg__V1__DocumentDownload *m = req->msg->document_download;
  if (m->document_id <= 0) {
    req_fail_field(req, "document_id", m->document_id ? "invalid" : "required");
    return;
  }
  if (m->offset > (uint64_t)INT32_MAX) {
    req_fail_field(req, "offset", "out_of_range");
    return;
  }
  uint64_t room = req->srv->cfg.max_frame > 8192 ? (req->srv->cfg.max_frame - 8192) / 2 : 1024;
  uint32_t max = (uint32_t)(room < DOC_MAX_CHUNK ? room : DOC_MAX_CHUNK);
  uint32_t len = m->length ? m->length : max;
  if (len > max) len = max;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  const char *v[10];
  svc_actor_params(a, v);
  v[4] = svc_i64(req, m->document_id);
  v[5] = role_text(req, a);
  v[6] = a->session.office_path;
  v[7] = a->branch_path;
  v[8] = svc_i64(req, (int64_t)m->offset);
  v[9] = svc_i64(req, (int64_t)len);
  db_query_t q = {.stmt = DB_STMT_DOC_READ, .nparams = 10, .values = v};
  svc_submit(req, &q, 1, 0, download_read, req);
}

/* ---- Subscribe ---- */

void svc_subscribe(srv_req_t *req) {
  const Simpeg__V1__Subscribe *m = req->msg->subscribe;
  if (m->n_topics == 0) {
    req_fail_field(req, "topics", "required");
    return;
  }
  for (size_t i = 0; i < m->n_topics; i++) {
    if (strcmp(m->topics[i], "request") != 0) {
      req_fail_field(req, "topics", "unknown_topic");
      return;
    }
  }
  req->conn->subscribed = true;
  static char *topics[] = {"request"};
  Simpeg__V1__SubscribeReply rep = SIMPEG__V1__SUBSCRIBE_REPLY__INIT;
  rep.topics = topics;
  rep.n_topics = 1;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_SUBSCRIBE;
  resp.subscribe = &rep;
  req_reply(req, &resp);
}

/* ---- ServiceTimes ---- */

enum { ST_SERVICE, ST_CODE, ST_NAME, ST_STATES, ST_DECIDED, ST_MEDIAN, ST_P90, ST_KINDS, ST_COUNTS, ST_SMED, ST_SP90 };

/* Splits a one-dimensional array literal of plain elements ("{a,b}") into
 * arena strings; returns the count, -1 on no memory. */
static int split_array(srv_req_t *req, const char *lit, char ***out) {
  size_t n = strlen(lit);
  if (n < 2 || lit[0] != '{' || lit[n - 1] != '}') return 0;
  char *s = sp_arena_strdup(&req->arena, lit + 1);
  if (!s) return -1;
  s[n - 2] = '\0';
  int count = *s ? 1 : 0;
  for (char *p = s; *p; p++) count += *p == ',';
  char **v = sp_arena_alloc(&req->arena, (size_t)(count ? count : 1) * sizeof(*v));
  if (!v) return -1;
  int i = 0;
  for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok && i < count; tok = strtok_r(NULL, ",", &save))
    v[i++] = tok;
  *out = v;
  return i;
}

static Simpeg__V1__StepKind step_kind(const char *s) {
  if (strcmp(s, "supervisor") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR;
  if (strcmp(s, "verifier") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER;
  if (strcmp(s, "official") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL;
  return SIMPEG__V1__STEP_KIND__STEP_KIND_UNSPECIFIED;
}

typedef struct times_op {
  srv_req_t *req;
  svc_actor_t *actor;
} times_op_t;

static Simpeg__V1__ServiceTimesRow *times_row(srv_req_t *req, const PGresult *r, int i) {
  Simpeg__V1__ServiceTimesRow *row = sp_arena_alloc(&req->arena, sizeof(*row));
  if (!row) return NULL;
  simpeg__v1__service_times_row__init(row);
  row->service = svc_col_str(req, r, i, ST_SERVICE);
  row->office_code = svc_col_str(req, r, i, ST_CODE);
  row->office_name = svc_col_str(req, r, i, ST_NAME);
  if (!row->service || !row->office_code || !row->office_name) return NULL;
  row->decided = (uint64_t)svc_col_i64(r, i, ST_DECIDED);
  row->median_hours = strtod(PQgetvalue(r, i, ST_MEDIAN), NULL);
  row->p90_hours = strtod(PQgetvalue(r, i, ST_P90), NULL);
  char **states;
  int ns = split_array(req, PQgetvalue(r, i, ST_STATES), &states);
  if (ns < 0) return NULL;
  row->states = sp_arena_alloc(&req->arena, 9 * sizeof(*row->states));
  if (!row->states) return NULL;
  for (int k = 0; k < ns && k < 9; k++) {
    uint64_t n = strtoull(states[k], NULL, 10);
    if (!n) continue;
    Simpeg__V1__StateCount *sc = sp_arena_alloc(&req->arena, sizeof(*sc));
    if (!sc) return NULL;
    simpeg__v1__state_count__init(sc);
    sc->state = (Simpeg__V1__RequestState)(k + 1);
    sc->count = n;
    row->states[row->n_states++] = sc;
  }
  char **kinds, **counts, **meds, **p90s;
  int nk = split_array(req, PQgetvalue(r, i, ST_KINDS), &kinds);
  int nc = split_array(req, PQgetvalue(r, i, ST_COUNTS), &counts);
  int nm = split_array(req, PQgetvalue(r, i, ST_SMED), &meds);
  int np = split_array(req, PQgetvalue(r, i, ST_SP90), &p90s);
  if (nk < 0 || nc < 0 || nm < 0 || np < 0) return NULL;
  if (nk != nc || nk != nm || nk != np) nk = 0; /* cannot happen: one row per kind */
  row->steps = sp_arena_alloc(&req->arena, (size_t)(nk ? nk : 1) * sizeof(*row->steps));
  if (!row->steps) return NULL;
  for (int k = 0; k < nk; k++) {
    Simpeg__V1__StepTime *t = sp_arena_alloc(&req->arena, sizeof(*t));
    if (!t) return NULL;
    simpeg__v1__step_time__init(t);
    t->kind = step_kind(kinds[k]);
    t->count = strtoull(counts[k], NULL, 10);
    t->median_hours = strtod(meds[k], NULL);
    t->p90_hours = strtod(p90s[k], NULL);
    row->steps[row->n_steps++] = t;
  }
  return row;
}

static void times_read(void *ud, const db_result_t *res) {
  times_op_t *op = ud;
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
  const PGresult *r = res->results[1];
  int n = PQntuples(r);
  svc_reply_budget(req);
  Simpeg__V1__ServiceTimesReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__ServiceTimesRow **rows = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*rows));
  if (!rep || !rows) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__service_times_reply__init(rep);
  for (int i = 0; i < n; i++) {
    rows[i] = times_row(req, r, i);
    if (!rows[i]) {
      svc_fail_nomem(req);
      return;
    }
  }
  rep->rows = rows;
  rep->n_rows = (size_t)n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_SERVICE_TIMES;
  resp.service_times = rep;
  req_reply(req, &resp);
}

static bool is_date(const char *s, long *days) { return strlen(s) == 10 && sp_valid_date(s, days); }

void svc_service_times(srv_req_t *req) {
  const Simpeg__V1__ServiceTimes *m = req->msg->service_times;
  static const char *const services[] = {"CUTI", "KP", "KGB", "KOREKSI"};
  if (strlen(m->office_code) > OFFICE_CODE_MAX) {
    req_fail_field(req, "office_code", "too_long");
    return;
  }
  bool known = !*m->service;
  for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) known |= strcmp(m->service, services[i]) == 0;
  if (!known) {
    req_fail_field(req, "service", "unknown_service");
    return;
  }
  const char *today = svc_today(req);
  const char *to = *m->to_date ? m->to_date : today;
  const char *from = m->from_date;
  if (!*from) { /* a year before `to` (the 28th for a 29 February) */
    int y = atoi(to), mo = atoi(to + 5), d = atoi(to + 8);
    if (mo == 2 && d == 29) d = 28;
    from = sp_arena_printf(&req->arena, "%04d-%02d-%02d", y - 1, mo, d);
    if (!from) {
      svc_fail_nomem(req);
      return;
    }
  }
  long df, dt;
  if (!is_date(to, &dt)) {
    req_fail_field(req, "to_date", "invalid_date");
    return;
  }
  if (!is_date(from, &df)) {
    req_fail_field(req, "from_date", "invalid_date");
    return;
  }
  if (df > dt) {
    req_fail_field(req, "from_date", "after_to_date");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  times_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (times_op_t){.req = req, .actor = a};
  const char *code = *m->office_code ? m->office_code : a->session.office_code;
  const char *v[6] = {code, a->session.office_path, a->branch_path, m->service, from, to};
  db_query_t q[2] = {{.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = v},
                     {.stmt = DB_STMT_SERVICE_TIMES, .nparams = 6, .values = v}};
  svc_submit(req, q, 2, DB_RETRY_SAFE, times_read, op);
}
