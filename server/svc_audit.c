/* svc_audit: reading and verifying the audit log: AuditList, AuditVerify.
 *
 * Rows are written by the services themselves (each change inserts its row
 * in the same statement) and linked into the hash chain shortly after their
 * transaction ends (ticker.c, the chainer); this file only reads them. A row not yet
 * linked is listed with its seq and an empty hash.
 *
 * Scope of AuditList: a caller whose scope is the whole tree (office at the
 * root, no branch limit: in practice system admins and central auditors)
 * sees every row, including those with no actor office (anonymous and
 * system actions). Everyone else sees the rows whose actor's office lies in
 * their subtree (and the branch's), judged by the office tree as it is now:
 * when an office moves, its history moves with it, as its accounts do. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "sp_log.h"
#include "svc_admin.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define FILTER_MAX 200
/* audit_verify() reads the whole log in one statement: it gets this long
 * (or query_timeout_ms, if that is longer) instead of the usual limit. */
#define VERIFY_TIMEOUT_MS (10 * 60 * 1000)
/* A row still unchained after this long is reported (stale_unchained): the
 * chainer links rows within a second unless a transaction stays open, and
 * no transaction of ours lasts an hour. */
#define VERIFY_STALE "1 hour"

enum {
  COL_SEQ,
  COL_AT_US,
  COL_ACTOR,
  COL_ACTOR_OFFICE,
  COL_CLIENT_ADDR,
  COL_METHOD,
  COL_ENTITY,
  COL_ENTITY_ID,
  COL_BEFORE,
  COL_AFTER,
  COL_HASH,
};

/* ---- AuditList ---- */

typedef struct audit_list_op {
  srv_req_t *req;
  uint32_t limit;
} audit_list_op_t;

static Simpeg__V1__AuditEntry *entry_from_row(srv_req_t *req, const PGresult *r, int row) {
  Simpeg__V1__AuditEntry *e = sp_arena_alloc(&req->arena, sizeof(*e));
  if (!e) return NULL;
  simpeg__v1__audit_entry__init(e);
  e->seq = (uint64_t)svc_col_i64(r, row, COL_SEQ);
  e->at_us = (uint64_t)svc_col_i64(r, row, COL_AT_US);
  char **str[] = {&e->actor,     &e->actor_office, &e->client_addr, &e->method,  &e->entity,
                  &e->entity_id, &e->before_json,  &e->after_json,  &e->hash_hex};
  for (int i = 0; i < (int)(sizeof(str) / sizeof(str[0])); i++)
    if (!(*str[i] = svc_col_str(req, r, row, COL_ACTOR + i))) return NULL;
  return e;
}

static void audit_list_read(void *ud, const db_result_t *res) {
  audit_list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int rows = PQntuples(r);
  int n = rows > (int)op->limit ? (int)op->limit : rows;
  svc_reply_budget(req);
  Simpeg__V1__AuditListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__AuditEntry **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__audit_list_reply__init(rep);
  for (int i = 0; i < n; i++) {
    if (!(v[i] = entry_from_row(req, r, i))) {
      svc_fail_nomem(req);
      return;
    }
  }
  rep->entries = v;
  rep->n_entries = (size_t)n;
  /* One row more than the page was read: it tells that another page follows. */
  rep->next_before = rows > n ? v[n - 1]->seq : 0;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_AUDIT_LIST;
  resp.audit_list = rep;
  req_reply(req, &resp);
}

void svc_audit_list(srv_req_t *req) {
  const Simpeg__V1__AuditList *m = req->msg->audit_list;
  const struct {
    const char *field;
    const char *value;
  } filters[] = {{"actor", m->actor}, {"entity", m->entity}, {"entity_id", m->entity_id}};
  for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
    if (strlen(filters[i].value) > FILTER_MAX) {
      req_fail_field(req, filters[i].field, "too_long");
      return;
    }
  }
  const struct {
    const char *field;
    uint64_t value;
  } numbers[] = {{"from_us", m->from_us}, {"to_us", m->to_us}, {"before_seq", m->before_seq}};
  for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
    if (numbers[i].value > (uint64_t)INT64_MAX) {
      req_fail_field(req, numbers[i].field, "out_of_range");
      return;
    }
  }
  if (m->from_us && m->to_us && m->to_us <= m->from_us) {
    req_fail_field(req, "to_us", "before_from");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  audit_list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  uint32_t limit = m->limit ? m->limit : LIST_DEFAULT;
  *op = (audit_list_op_t){.req = req, .limit = limit > LIST_MAX ? LIST_MAX : limit};
  const char *v[10] = {svc_actor_sees_all(a) ? "true" : "false",
                       a->session.office_path,
                       a->branch_path,
                       m->actor,
                       m->entity,
                       m->entity_id,
                       svc_i64(req, (int64_t)m->from_us),
                       svc_i64(req, (int64_t)m->to_us),
                       svc_i64(req, (int64_t)m->before_seq),
                       svc_i64(req, (int64_t)op->limit + 1)};
  db_query_t q = {.stmt = DB_STMT_AUDIT_LIST, .nparams = 10, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, audit_list_read, op);
}

/* ---- AuditVerify ---- */

/* Verifications running in this daemon. One at a time: each holds a pool
 * connection for as long as it reads, and the answer would be the same. */
static int verify_running;

static void audit_verify_done(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  verify_running--;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[1];
  if (PQntuples(r) != 1) {
    sp_log_error("req=%llu AuditVerify: audit_verify() returned %d rows", (unsigned long long)req->id, PQntuples(r));
    req_fail(req, ERR(INTERNAL), "internal", "internal error");
    return;
  }
  Simpeg__V1__AuditVerifyReply rep = SIMPEG__V1__AUDIT_VERIFY_REPLY__INIT;
  rep.rows_checked = (uint64_t)svc_col_i64(r, 0, 0);
  rep.first_broken_seq = (uint64_t)svc_col_i64(r, 0, 1);
  rep.problem = svc_col_str(req, r, 0, 2);
  if (!rep.problem) {
    svc_fail_nomem(req);
    return;
  }
  rep.ok = rep.problem[0] == '\0';
  /* Rows waiting for the chainer are not covered yet; the reply has no
   * field for them, so the operator's log says how many there were. */
  int64_t unchained = svc_col_i64(r, 0, 3);
  if (!rep.ok)
    sp_log_error("audit log verification failed: %s at seq %" PRIu64 " (%" PRIu64 " rows checked, %" PRId64
                 " not yet chained)",
                 rep.problem, rep.first_broken_seq, rep.rows_checked, unchained);
  else
    sp_log_info("audit log verified: %" PRIu64 " rows chained and intact, %" PRId64 " not yet chained", rep.rows_checked,
                unchained);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_AUDIT_VERIFY;
  resp.audit_verify = &rep;
  req_reply(req, &resp);
}

void svc_audit_verify(srv_req_t *req) {
  if (verify_running > 0) {
    req_fail(req, ERR(RESOURCE_EXHAUSTED), "verify_running", "a verification is already running; try again later");
    return;
  }
  int timeout_ms = VERIFY_TIMEOUT_MS;
  if (req->srv->cfg.db_query_timeout_ms > (uint64_t)timeout_ms) timeout_ms = (int)req->srv->cfg.db_query_timeout_ms;
  const char *v[1] = {svc_i64(req, timeout_ms)};
  const char *stale[1] = {VERIFY_STALE};
  db_query_t q[2] = {{.stmt = DB_STMT_AUDIT_TIMEOUT, .nparams = 1, .values = v},
                     {.stmt = DB_STMT_AUDIT_VERIFY, .nparams = 1, .values = stale}};
  verify_running++;
  if (db_submit_long(req->srv->db, q, 2, DB_RETRY_SAFE, timeout_ms, audit_verify_done, req) != 0) {
    db_result_t none = {.status = DB_UNAVAILABLE, .message = "database pool closed", .failed_stmt = -1};
    audit_verify_done(req, &none);
  }
}
