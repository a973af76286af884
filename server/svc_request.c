/* svc_request: the request lifecycle shared by every personnel service
 * (issue #5): RequestShow, RequestList, RequestTimeline, RequestAct,
 * Inbox, ChainSet, ChainShow, and data corrections (CorrectionSubmit).
 *
 * The rules live in PostgreSQL (migrations/0006_requests.sql): a
 * transition is one call of request_act, which locks the request, checks
 * who may act and moves it, or raises an SP-class error that svc_fail_db
 * turns into the protocol error. This file checks the shape of every
 * argument first (a bad argument never reaches the database), runs the
 * statements and builds the replies. docs/internals/requests.md. */
#include "svc_request.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db_stmts.h"
#include "emp_rules.h"
#include "sp_valid.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define ACT(x) SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x

#define LIST_DEFAULT 50
#define LIST_MAX 500
#define NUMBER_MAX 40
#define COMMENT_MAX_CHARS 2000
#define DECREE_MAX_CHARS 100
#define CHANGES_MAX 10
#define REASON_MAX_CHARS 2000
#define IDEM_KEY_MAX 100

/* Request row columns (REQ_COLS in db_stmts.c). */
enum {
  RQ_ID,
  RQ_NUMBER,
  RQ_SERVICE,
  RQ_STATE,
  RQ_NIP,
  RQ_NAME,
  RQ_OFFICE,
  RQ_CREATED_BY,
  RQ_SUMMARY,
  RQ_STEP,
  RQ_STATE_SINCE,
  RQ_CREATED,
  RQ_SUBMITTED,
  RQ_DECIDED,
  RQ_COMPLETED,
  RQ_DECREE_NUMBER,
  RQ_DECREE_DATE,
  RQ_POSTPONE_UNTIL,
  RQ_VERSION,
};
enum { ST_NO, ST_KIND, ST_HOLDER, ST_HOLDER_NAME, ST_HOLDER_OFFICE, ST_ACTED_BY, ST_ACTED_AT, ST_OUTCOME };
enum { DOC_ID, DOC_KIND, DOC_FILENAME, DOC_TYPE, DOC_SIZE, DOC_SHA, DOC_BY, DOC_AT };
enum { EV_AT, EV_ACTOR, EV_ACTION, EV_FROM, EV_TO, EV_STEP, EV_KIND, EV_COMMENT };
enum { CH_SHOW_OFFICE, CH_SHOW_STEPS, CH_SHOW_OFFICIAL, CH_SHOW_INHERITED, CH_SHOW_VERSION, CH_SHOW_PATH };
enum { CD_FIELD, CD_OLD, CD_NEW, CD_REASON };

static const char *const services[] = {"CUTI", "KP", "KGB", "KOREKSI", NULL};
static const char *const action_names[] = {"", "submit", "approve", "return", "reject", "postpone", "cancel", "complete"};
/* FieldChange.field (proto), with the longest value each may take. */
static const struct {
  const char *name;
  size_t max_chars;
  bool required;
} correctable[] = {
    {"name", EMP_NAME_MAX_CHARS, true}, {"front_title", 50, false},     {"back_title", 100, false},
    {"birth_place", 100, false},        {"religion", 20, false},        {"marital_status", 20, false},
    {"email", 200, false},              {"phone", 30, false},           {"address", 500, false},
    {"nik", 16, true},
};

/* ---- correction details (the KOREKSI reader) ---- */

static bool correction_fill(srv_req_t *req, Simpeg__V1__ServiceRequest *r, const PGresult *res) {
  int n = PQntuples(res);
  Simpeg__V1__CorrectionDetails *d = sp_arena_alloc(&req->arena, sizeof(*d));
  Simpeg__V1__FieldChange **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!d || !v) return false;
  simpeg__v1__correction_details__init(d);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__FieldChange *c = sp_arena_alloc(&req->arena, sizeof(*c));
    if (!c) return false;
    simpeg__v1__field_change__init(c);
    if (!(c->field = svc_col_str(req, res, i, CD_FIELD)) || !(c->old_value = svc_col_str(req, res, i, CD_OLD)) ||
        !(c->new_value = svc_col_str(req, res, i, CD_NEW)))
      return false;
    v[i] = c;
  }
  d->changes = v;
  d->n_changes = (size_t)n;
  if (n > 0 && !(d->reason = svc_col_str(req, res, 0, CD_REASON))) return false;
  r->details_case = SIMPEG__V1__SERVICE_REQUEST__DETAILS_CORRECTION;
  r->correction = d;
  return true;
}

static const svc_details_reader_t svc_correction_details = {"KOREKSI", DB_STMT_CORRECTION_DETAILS, correction_fill};

/* Every service's details statement; a service without one says -1. */
static const svc_details_reader_t *const readers[] = {&svc_leave_details, &svc_promotion_details, &svc_kgb_details,
                                                      &svc_correction_details};
#define NREADERS (sizeof(readers) / sizeof(readers[0]))

/* ---- shared ---- */

void svc_request_actor_params(srv_req_t *req, const svc_actor_t *a, const char **values) {
  values[0] = a->user_id;
  values[1] = svc_i64(req, a->session.role);
  values[2] = a->session.office_path;
  values[3] = a->branch_path;
}

static bool in_set(const char *s, const char *const *set) {
  for (; *set; set++)
    if (strcmp(s, *set) == 0) return true;
  return false;
}

static bool all_digits(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n == 0 || n > max) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/* "CUTI-2026-000123": upper-case letters, digits and dashes. */
static bool number_ok(const char *s) {
  size_t n = strlen(s);
  if (n < 8 || n > NUMBER_MAX) return false;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-')) return false;
  return true;
}

static bool date_ok(const char *s) {
  long d;
  return strlen(s) == 10 && sp_valid_date(s, &d);
}

static void fail_request_not_found(srv_req_t *req) {
  svc_fail_field(req, ERR(NOT_FOUND), "request_not_found", "no such request for you", "number",
                 "request_not_found");
}

static Simpeg__V1__StepKind step_kind(const char *s) {
  if (strcmp(s, "supervisor") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR;
  if (strcmp(s, "verifier") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER;
  if (strcmp(s, "official") == 0) return SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL;
  return SIMPEG__V1__STEP_KIND__STEP_KIND_UNSPECIFIED;
}

static const char *step_kind_text(Simpeg__V1__StepKind k) {
  switch (k) {
    case SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR: return "supervisor";
    case SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER: return "verifier";
    case SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL: return "official";
    default: return NULL;
  }
}

/* A request row (REQ_COLS) as a message, without steps and documents. */
static Simpeg__V1__ServiceRequest *request_from_row(srv_req_t *req, const PGresult *r, int row) {
  Simpeg__V1__ServiceRequest *m = sp_arena_alloc(&req->arena, sizeof(*m));
  if (!m) return NULL;
  simpeg__v1__service_request__init(m);
  char **s[] = {&m->number,       &m->service,       &m->employee_nip, &m->employee_name,
                &m->office_code,  &m->created_by,    &m->summary,      &m->decree_number,
                &m->decree_date,  &m->postpone_until};
  const int cols[] = {RQ_NUMBER, RQ_SERVICE, RQ_NIP, RQ_NAME, RQ_OFFICE, RQ_CREATED_BY, RQ_SUMMARY,
                      RQ_DECREE_NUMBER, RQ_DECREE_DATE, RQ_POSTPONE_UNTIL};
  for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
    if (!(*s[i] = svc_col_str(req, r, row, cols[i]))) return NULL;
  m->state = (Simpeg__V1__RequestState)svc_col_i64(r, row, RQ_STATE);
  m->current_step = (uint32_t)svc_col_i64(r, row, RQ_STEP);
  m->state_since_us = (uint64_t)svc_col_i64(r, row, RQ_STATE_SINCE);
  m->created_at_us = (uint64_t)svc_col_i64(r, row, RQ_CREATED);
  m->submitted_at_us = (uint64_t)svc_col_i64(r, row, RQ_SUBMITTED);
  m->decided_at_us = (uint64_t)svc_col_i64(r, row, RQ_DECIDED);
  m->completed_at_us = (uint64_t)svc_col_i64(r, row, RQ_COMPLETED);
  m->version = svc_col_i64(r, row, RQ_VERSION);
  return m;
}

static bool fill_steps(srv_req_t *req, Simpeg__V1__ServiceRequest *m, const PGresult *r) {
  int n = PQntuples(r);
  Simpeg__V1__RequestStep **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!v) return false;
  for (int i = 0; i < n; i++) {
    Simpeg__V1__RequestStep *s = sp_arena_alloc(&req->arena, sizeof(*s));
    if (!s) return false;
    simpeg__v1__request_step__init(s);
    s->step_no = (uint32_t)svc_col_i64(r, i, ST_NO);
    s->kind = step_kind(PQgetvalue(r, i, ST_KIND));
    if (!(s->holder_username = svc_col_str(req, r, i, ST_HOLDER)) ||
        !(s->holder_name = svc_col_str(req, r, i, ST_HOLDER_NAME)) ||
        !(s->holder_office_code = svc_col_str(req, r, i, ST_HOLDER_OFFICE)) ||
        !(s->acted_by = svc_col_str(req, r, i, ST_ACTED_BY)) || !(s->outcome = svc_col_str(req, r, i, ST_OUTCOME)))
      return false;
    s->acted_at_us = (uint64_t)svc_col_i64(r, i, ST_ACTED_AT);
    v[i] = s;
  }
  m->steps = v;
  m->n_steps = (size_t)n;
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static bool fill_documents(srv_req_t *req, Simpeg__V1__ServiceRequest *m, const PGresult *r) {
  int n = PQntuples(r);
  Simpeg__V1__DocumentInfo **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!v) return false;
  for (int i = 0; i < n; i++) {
    Simpeg__V1__DocumentInfo *d = sp_arena_alloc(&req->arena, sizeof(*d));
    uint8_t *sha = sp_arena_alloc(&req->arena, 32);
    if (!d || !sha) return false;
    simpeg__v1__document_info__init(d);
    d->id = svc_col_i64(r, i, DOC_ID);
    if (!(d->kind = svc_col_str(req, r, i, DOC_KIND)) || !(d->filename = svc_col_str(req, r, i, DOC_FILENAME)) ||
        !(d->content_type = svc_col_str(req, r, i, DOC_TYPE)) || !(d->uploaded_by = svc_col_str(req, r, i, DOC_BY)))
      return false;
    d->size = (uint64_t)svc_col_i64(r, i, DOC_SIZE);
    d->uploaded_at_us = (uint64_t)svc_col_i64(r, i, DOC_AT);
    const char *hex = PQgetvalue(r, i, DOC_SHA);
    if (strlen(hex) == 64) {
      for (int k = 0; k < 32; k++) sha[k] = (uint8_t)(hexval(hex[2 * k]) << 4 | hexval(hex[2 * k + 1]));
      d->sha256.data = sha;
      d->sha256.len = 32;
    }
    v[i] = d;
  }
  m->documents = v;
  m->n_documents = (size_t)n;
  return true;
}

static bool fill_missing(srv_req_t *req, Simpeg__V1__ServiceRequest *m, const PGresult *r) {
  int n = PQntuples(r);
  char **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!v) return false;
  for (int i = 0; i < n; i++)
    if (!(v[i] = svc_col_str(req, r, i, 0))) return false;
  m->missing = v;
  m->n_missing = (size_t)n;
  return true;
}

/* The full NIK leaves the daemon only for the roles that may see it
 * (authz_sees_nik); everyone else sees the last four digits. */
static void mask_correction(srv_req_t *req, const svc_actor_t *a, Simpeg__V1__ServiceRequest *m) {
  if (m->details_case != SIMPEG__V1__SERVICE_REQUEST__DETAILS_CORRECTION || authz_sees_nik(a->session.role)) return;
  for (size_t i = 0; i < m->correction->n_changes; i++) {
    Simpeg__V1__FieldChange *c = m->correction->changes[i];
    if (strcmp(c->field, "nik") != 0) continue;
    char **vals[] = {&c->old_value, &c->new_value};
    for (size_t k = 0; k < 2; k++) {
      size_t len = strlen(*vals[k]);
      char *masked = sp_arena_printf(&req->arena, "************%s", len >= 4 ? *vals[k] + len - 4 : "");
      *vals[k] = len && masked ? masked : (char *)"";
    }
  }
}

/* ---- reading one request (svc_request_reply, RequestShow, RequestTimeline) ---- */

typedef struct reply_op {
  srv_req_t *req;
  svc_actor_t *actor;
  int64_t id;
  bool replayed;
  int result_case;
  bool timeline;
  /* batch positions */
  int reader_at[NREADERS];
  int events_at;
} reply_op_t;

static Simpeg__V1__TimelineEntry **timeline_from_result(srv_req_t *req, const PGresult *r, size_t *n_out) {
  int n = PQntuples(r);
  Simpeg__V1__TimelineEntry **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!v) return NULL;
  for (int i = 0; i < n; i++) {
    Simpeg__V1__TimelineEntry *e = sp_arena_alloc(&req->arena, sizeof(*e));
    if (!e) return NULL;
    simpeg__v1__timeline_entry__init(e);
    e->at_us = (uint64_t)svc_col_i64(r, i, EV_AT);
    if (!(e->actor = svc_col_str(req, r, i, EV_ACTOR)) || !(e->action = svc_col_str(req, r, i, EV_ACTION)) ||
        !(e->comment = svc_col_str(req, r, i, EV_COMMENT)))
      return NULL;
    e->from_state = (Simpeg__V1__RequestState)svc_col_i64(r, i, EV_FROM);
    e->to_state = (Simpeg__V1__RequestState)svc_col_i64(r, i, EV_TO);
    e->step_no = (uint32_t)svc_col_i64(r, i, EV_STEP);
    e->step_kind = step_kind(PQgetvalue(r, i, EV_KIND));
    v[i] = e;
  }
  *n_out = (size_t)n;
  return v;
}

static void reply_read(void *ud, const db_result_t *res) {
  reply_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    fail_request_not_found(req);
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__ServiceRequest *m = request_from_row(req, res->results[0], 0);
  if (!m || !fill_steps(req, m, res->results[1]) || !fill_documents(req, m, res->results[2]) ||
      !fill_missing(req, m, res->results[3])) {
    svc_fail_nomem(req);
    return;
  }
  for (size_t i = 0; i < NREADERS; i++) {
    if (op->reader_at[i] < 0) continue;
    const PGresult *dr = res->results[op->reader_at[i]];
    if (PQntuples(dr) < 1 || strcmp(readers[i]->service, m->service) != 0) continue;
    if (!readers[i]->fill(req, m, dr)) {
      svc_fail_nomem(req);
      return;
    }
  }
  mask_correction(req, op->actor, m);

  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = op->result_case;
  if (op->timeline) {
    Simpeg__V1__RequestTimelineReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
    if (!rep) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__request_timeline_reply__init(rep);
    rep->request = m;
    if (!(rep->entries = timeline_from_result(req, res->results[op->events_at], &rep->n_entries))) {
      svc_fail_nomem(req);
      return;
    }
    resp.request_timeline = rep;
    req_reply(req, &resp);
    return;
  }
  Simpeg__V1__ServiceRequestReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__service_request_reply__init(rep);
  rep->request = m;
  rep->replayed = op->replayed;
  switch (op->result_case) {
    case RES(REQUEST_SHOW): resp.request_show = rep; break;
    case RES(REQUEST_ACT): resp.request_act = rep; break;
    case RES(CORRECTION_SUBMIT): resp.correction_submit = rep; break;
    case RES(LEAVE_SUBMIT): resp.leave_submit = rep; break;
    case RES(PROMOTION_SUBMIT): resp.promotion_submit = rep; break;
    case RES(KGB_SUBMIT): resp.kgb_submit = rep; break;
    default: req_fail(req, ERR(INTERNAL), "internal", "internal error"); return;
  }
  req_reply(req, &resp);
}

static void reply_run(reply_op_t *op) {
  srv_req_t *req = op->req;
  const char *id = svc_i64(req, op->id);
  const char **gv = sp_arena_alloc(&req->arena, 5 * sizeof(*gv));
  if (!gv) {
    svc_fail_nomem(req);
    return;
  }
  gv[0] = id;
  svc_request_actor_params(req, op->actor, gv + 1);
  const char *const *one = (const char *const[]){id};
  db_query_t q[4 + NREADERS + 1];
  int n = 0;
  q[n++] = (db_query_t){.stmt = DB_STMT_REQ_GET, .nparams = 5, .values = gv};
  q[n++] = (db_query_t){.stmt = DB_STMT_REQ_STEPS, .nparams = 1, .values = one};
  q[n++] = (db_query_t){.stmt = DB_STMT_REQ_DOCS, .nparams = 1, .values = one};
  q[n++] = (db_query_t){.stmt = DB_STMT_REQ_MISSING, .nparams = 1, .values = one};
  for (size_t i = 0; i < NREADERS; i++) {
    op->reader_at[i] = -1;
    if (readers[i]->stmt < 0 || !readers[i]->fill) continue;
    op->reader_at[i] = n;
    q[n++] = (db_query_t){.stmt = (enum db_stmt_id)readers[i]->stmt, .nparams = 1, .values = one};
  }
  op->events_at = -1;
  if (op->timeline) {
    op->events_at = n;
    q[n++] = (db_query_t){.stmt = DB_STMT_REQ_EVENTS, .nparams = 1, .values = one};
  }
  svc_submit(req, q, n, DB_RETRY_SAFE, reply_read, op);
}

void svc_request_reply(srv_req_t *req, svc_actor_t *a, int64_t request_id, bool replayed, int result_case) {
  reply_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (reply_op_t){.req = req, .actor = a, .id = request_id, .replayed = replayed, .result_case = result_case};
  reply_run(op);
}

static void find_read(void *ud, const db_result_t *res) {
  reply_op_t *op = ud;
  if (res->status != DB_OK) {
    svc_fail_db(op->req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    fail_request_not_found(op->req);
    return;
  }
  op->id = svc_col_i64(res->results[0], 0, 0);
  reply_run(op);
}

static void show_by_number(srv_req_t *req, const char *number, bool timeline) {
  if (!*number) {
    req_fail_field(req, "number", "required");
    return;
  }
  if (!number_ok(number)) {
    req_fail_field(req, "number", "invalid_format");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  reply_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (reply_op_t){.req = req,
                     .actor = a,
                     .timeline = timeline,
                     .result_case = timeline ? RES(REQUEST_TIMELINE) : RES(REQUEST_SHOW)};
  const char *v[5] = {number};
  svc_request_actor_params(req, a, v + 1);
  db_query_t q = {.stmt = DB_STMT_REQ_FIND, .nparams = 5, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, find_read, op);
}

void svc_request_show(srv_req_t *req) { show_by_number(req, req->msg->request_show->number, false); }

void svc_request_timeline(srv_req_t *req) { show_by_number(req, req->msg->request_timeline->number, true); }

/* ---- RequestAct ---- */

typedef struct act_op {
  srv_req_t *req;
  svc_actor_t *actor;
} act_op_t;

static void act_done(void *ud, const db_result_t *res) {
  act_op_t *op = ud;
  if (res->status != DB_OK) {
    svc_fail_db(op->req, res);
    return;
  }
  svc_request_reply(op->req, op->actor, svc_col_i64(res->results[1], 0, 0), false, RES(REQUEST_ACT));
}

void svc_request_act(srv_req_t *req) {
  const Simpeg__V1__RequestAct *m = req->msg->request_act;
  emp_viol_t vs = {.n = 0};
  if (!*m->number) emp_viol_add(&vs, "number", "required");
  else if (!number_ok(m->number)) emp_viol_add(&vs, "number", "invalid_format");
  int act = (int)m->action;
  if (act < ACT(SUBMIT) || act > ACT(COMPLETE)) emp_viol_add(&vs, "action", "unknown_action");
  bool needs_comment = act == ACT(RETURN) || act == ACT(REJECT) || act == ACT(POSTPONE);
  const char *comment = m->comment;
  while (*comment == ' ') comment++;
  if (needs_comment && !*comment) emp_viol_add(&vs, "comment", "comment_required");
  if (svc_utf8_len(m->comment) > COMMENT_MAX_CHARS) emp_viol_add(&vs, "comment", "too_long");
  if (m->version < 0) emp_viol_add(&vs, "version", "out_of_range");
  if (act == ACT(POSTPONE) && !*m->postpone_until) emp_viol_add(&vs, "postpone_until", "postpone_until_required");
  if (*m->postpone_until && !date_ok(m->postpone_until)) emp_viol_add(&vs, "postpone_until", "invalid_date");
  if (act == ACT(COMPLETE) && !*m->decree_number) emp_viol_add(&vs, "decree_number", "decree_number_required");
  if (svc_utf8_len(m->decree_number) > DECREE_MAX_CHARS) emp_viol_add(&vs, "decree_number", "too_long");
  if (act == ACT(COMPLETE) && !*m->decree_date) emp_viol_add(&vs, "decree_date", "decree_date_required");
  if (*m->decree_date && !date_ok(m->decree_date)) emp_viol_add(&vs, "decree_date", "invalid_date");
  if (svc_fail_violations(req, &vs)) return;
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  act_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (act_op_t){.req = req, .actor = a};
  const char *v[11] = {m->number};
  svc_request_actor_params(req, a, v + 1);
  v[5] = action_names[act];
  v[6] = m->comment;
  v[7] = svc_i64(req, m->version);
  v[8] = *m->decree_number ? m->decree_number : NULL;
  v[9] = *m->decree_date ? m->decree_date : NULL;
  v[10] = *m->postpone_until ? m->postpone_until : NULL;
  db_query_t q[2] = {{.stmt = DB_STMT_REQ_CLIENT_ADDR, .nparams = 1, .values = (const char *const[]){a->client_addr}},
                     {.stmt = DB_STMT_REQ_ACT, .nparams = 11, .values = v}};
  svc_submit(req, q, 2, 0, act_done, op);
}

/* ---- RequestList and Inbox ---- */

typedef struct list_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__RequestList *list; /* NULL: Inbox */
  const char *after;
  uint32_t limit;
} list_op_t;

static void list_read(void *ud, const db_result_t *res) {
  list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[0];
  int n = PQntuples(r);
  bool more = n > (int)op->limit;
  if (more) n = (int)op->limit;
  svc_reply_budget(req);
  Simpeg__V1__RequestListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__ServiceRequest **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__request_list_reply__init(rep);
  for (int i = 0; i < n; i++)
    if (!(v[i] = request_from_row(req, r, i))) {
      svc_fail_nomem(req);
      return;
    }
  rep->requests = v;
  rep->n_requests = (size_t)n;
  if (more && !(rep->next_after = svc_col_str(req, r, n - 1, RQ_ID))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  if (op->list) {
    resp.result_case = RES(REQUEST_LIST);
    resp.request_list = rep;
  } else {
    resp.result_case = RES(INBOX);
    resp.inbox = rep;
  }
  req_reply(req, &resp);
}

static void list_run(list_op_t *op, const char *root) {
  srv_req_t *req = op->req;
  const Simpeg__V1__RequestList *m = op->list;
  const char *v[11];
  svc_request_actor_params(req, op->actor, v);
  v[4] = root;
  v[5] = m->service;
  v[6] = svc_i64(req, m->state);
  v[7] = m->mine ? "true" : "false";
  v[8] = m->employee_nip;
  v[9] = *op->after ? op->after : "0";
  v[10] = svc_i64(req, op->limit);
  db_query_t q = {.stmt = DB_STMT_REQ_LIST, .nparams = 11, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, list_read, op);
}

static void list_office_read(void *ud, const db_result_t *res) {
  list_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *o = res->results[0];
  if (PQntuples(o) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(o, 0, SVC_OFFICE_PATH))) {
    svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", "office_code",
                   "not_found");
    return;
  }
  const char *root = svc_col_str(req, o, 0, SVC_OFFICE_PATH);
  if (!root) {
    svc_fail_nomem(req);
    return;
  }
  list_run(op, root);
}

void svc_request_list(srv_req_t *req) {
  const Simpeg__V1__RequestList *m = req->msg->request_list;
  emp_viol_t vs = {.n = 0};
  if (*m->service && !in_set(m->service, services)) emp_viol_add(&vs, "service", "unknown_service");
  if ((int)m->state < 0 || m->state > SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_CANCELLED)
    emp_viol_add(&vs, "state", "out_of_range");
  if (strlen(m->office_code) > 63) emp_viol_add(&vs, "office_code", "too_long");
  if (*m->employee_nip && (strlen(m->employee_nip) != 18 || !emp_all_digits(m->employee_nip)))
    emp_viol_add(&vs, "employee_nip", "invalid_format");
  if (*m->after && !all_digits(m->after, 18)) emp_viol_add(&vs, "after", "invalid_cursor");
  if (m->limit > LIST_MAX) emp_viol_add(&vs, "limit", "too_large");
  if (vs.n) {
    req_fail_field(req, vs.items[0].field, vs.items[0].reason);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (list_op_t){.req = req, .actor = a, .list = m, .after = m->after, .limit = m->limit ? m->limit : LIST_DEFAULT};
  if (!*m->office_code) {
    list_run(op, "");
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){m->office_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, list_office_read, op);
}

void svc_inbox(srv_req_t *req) {
  const Simpeg__V1__Inbox *m = req->msg->inbox;
  if (*m->after && !all_digits(m->after, 18)) {
    req_fail_field(req, "after", "invalid_cursor");
    return;
  }
  if (m->limit > LIST_MAX) {
    req_fail_field(req, "limit", "too_large");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  list_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (list_op_t){.req = req, .actor = a, .after = m->after, .limit = m->limit ? m->limit : LIST_DEFAULT};
  const char *v[6];
  svc_request_actor_params(req, a, v);
  v[4] = *m->after ? m->after : "0";
  v[5] = svc_i64(req, op->limit);
  db_query_t q = {.stmt = DB_STMT_REQ_INBOX, .nparams = 6, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, list_read, op);
}

/* ---- ChainSet and ChainShow ---- */

typedef struct chain_op {
  srv_req_t *req;
  svc_actor_t *actor;
  int result_case;
  int show_at; /* position of chain_show in the batch */
} chain_op_t;

static void chain_read(void *ud, const db_result_t *res) {
  chain_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[op->show_at];
  if (PQntuples(r) != 1 || !svc_actor_in_scope(op->actor, PQgetvalue(r, 0, CH_SHOW_PATH))) {
    svc_fail_field(req, ERR(NOT_FOUND), "office_not_found", "no such office in your scope", "office_code",
                   "not_found");
    return;
  }
  Simpeg__V1__ChainReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__ApprovalChain *c = sp_arena_alloc(&req->arena, sizeof(*c));
  char *steps = svc_col_str(req, r, 0, CH_SHOW_STEPS);
  Simpeg__V1__StepKind *kinds = sp_arena_alloc(&req->arena, 8 * sizeof(*kinds));
  if (!rep || !c || !steps || !kinds) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__chain_reply__init(rep);
  simpeg__v1__approval_chain__init(c);
  rep->chain = c;
  if (!(c->office_code = svc_col_str(req, r, 0, CH_SHOW_OFFICE)) ||
      !(c->official_username = svc_col_str(req, r, 0, CH_SHOW_OFFICIAL))) {
    svc_fail_nomem(req);
    return;
  }
  size_t n = 0;
  for (char *save = NULL, *tok = strtok_r(steps, ",", &save); tok && n < 8; tok = strtok_r(NULL, ",", &save))
    kinds[n++] = step_kind(tok);
  c->steps = kinds;
  c->n_steps = n;
  c->inherited = svc_col_bool(r, 0, CH_SHOW_INHERITED);
  c->version = svc_col_i64(r, 0, CH_SHOW_VERSION);
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = op->result_case;
  if (op->result_case == RES(CHAIN_SET))
    resp.chain_set = rep;
  else
    resp.chain_show = rep;
  req_reply(req, &resp);
}

/* Statement text of a text[] parameter: {"a","b"} with quotes and
 * backslashes escaped. NULL on no memory. */
static char *text_array(srv_req_t *req, const char *const *items, size_t n) {
  size_t cap = 3;
  for (size_t i = 0; i < n; i++) cap += 2 * strlen(items[i]) + 3;
  char *out = sp_arena_alloc(&req->arena, cap);
  if (!out) return NULL;
  char *w = out;
  *w++ = '{';
  for (size_t i = 0; i < n; i++) {
    if (i) *w++ = ',';
    *w++ = '"';
    for (const char *p = items[i]; *p; p++) {
      if (*p == '"' || *p == '\\') *w++ = '\\';
      *w++ = *p;
    }
    *w++ = '"';
  }
  *w++ = '}';
  *w = '\0';
  return out;
}

void svc_chain_set(srv_req_t *req) {
  const Simpeg__V1__ApprovalChain *c = req->msg->chain_set->chain;
  if (!c) {
    req_fail_field(req, "chain", "required");
    return;
  }
  const char *bad_field = NULL, *bad = NULL;
  const char *kinds[6];
  if (!*c->office_code) bad_field = "office_code", bad = "required";
  else if (strlen(c->office_code) > 63) bad_field = "office_code", bad = "too_long";
  else if (!*c->service) bad_field = "service", bad = "required";
  else if (!in_set(c->service, services)) bad_field = "service", bad = "unknown_service";
  else if (c->n_steps == 0) bad_field = "steps", bad = "required";
  else if (c->n_steps > 6) bad_field = "steps", bad = "invalid_steps";
  else if (strlen(c->official_username) > 63) bad_field = "official_username", bad = "too_long";
  else if (c->version < 0) bad_field = "version", bad = "out_of_range";
  for (size_t i = 0; !bad && i < c->n_steps; i++) {
    if (!(kinds[i] = step_kind_text(c->steps[i]))) bad_field = "steps", bad = "invalid_steps";
    for (size_t k = 0; !bad && k < i; k++)
      if (c->steps[k] == c->steps[i]) bad_field = "steps", bad = "duplicate_step";
  }
  if (bad) {
    req_fail_field(req, bad_field, bad);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  chain_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  char *steps = text_array(req, kinds, c->n_steps);
  if (!op || !steps) {
    svc_fail_nomem(req);
    return;
  }
  *op = (chain_op_t){.req = req, .actor = a, .result_case = RES(CHAIN_SET), .show_at = 2};
  const char *v[8] = {a->user_id,         c->office_code, a->session.office_path,        a->branch_path,
                      c->service,         steps,          c->official_username, svc_i64(req, c->version)};
  db_query_t q[3] = {{.stmt = DB_STMT_REQ_CLIENT_ADDR, .nparams = 1, .values = (const char *const[]){a->client_addr}},
                     {.stmt = DB_STMT_CHAIN_SET, .nparams = 8, .values = v},
                     {.stmt = DB_STMT_CHAIN_SHOW, .nparams = 2, .values = (const char *const[]){c->office_code, c->service}}};
  svc_submit(req, q, 3, 0, chain_read, op);
}

void svc_chain_show(srv_req_t *req) {
  const Simpeg__V1__ChainShow *m = req->msg->chain_show;
  if (strlen(m->office_code) > 63) {
    req_fail_field(req, "office_code", "too_long");
    return;
  }
  if (!*m->service) {
    req_fail_field(req, "service", "required");
    return;
  }
  if (!in_set(m->service, services)) {
    req_fail_field(req, "service", "unknown_service");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  chain_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = (chain_op_t){.req = req, .actor = a, .result_case = RES(CHAIN_SHOW), .show_at = 0};
  const char *office = *m->office_code ? m->office_code : a->session.office_code;
  db_query_t q = {.stmt = DB_STMT_CHAIN_SHOW, .nparams = 2, .values = (const char *const[]){office, m->service}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, chain_read, op);
}

/* ---- filing a request (every service's *Submit) ---- */

#define CREATE_PARAMS_MAX 16

typedef struct create_op {
  srv_req_t *req;
  svc_actor_t *actor;
  int stmt;
  int nparams;
  const char *v[CREATE_PARAMS_MAX];
  int result_case;
  bool retried;
} create_op_t;

static void create_done(void *ud, const db_result_t *res);

static void create_run(create_op_t *op) {
  db_query_t q[2] = {
      {.stmt = DB_STMT_REQ_CLIENT_ADDR, .nparams = 1, .values = (const char *const[]){op->actor->client_addr}},
      {.stmt = (enum db_stmt_id)op->stmt, .nparams = op->nparams, .values = op->v}};
  svc_submit(op->req, q, 2, 0, create_done, op);
}

static void create_done(void *ud, const db_result_t *res) {
  create_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    const char *cons = res->error ? PQresultErrorField(res->error, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (!op->retried && res->sqlstate && strcmp(res->sqlstate, "23505") == 0 && cons &&
        strcmp(cons, "requests_created_by_idem_key_key") == 0) {
      op->retried = true;
      create_run(op);
      return;
    }
    svc_fail_db(req, res);
    return;
  }
  const PGresult *r = res->results[1];
  if (PQntuples(r) != 1) {
    req_fail(req, ERR(INTERNAL), "internal", "internal error");
    return;
  }
  svc_request_reply(req, op->actor, svc_col_i64(r, 0, 0), !svc_col_bool(r, 0, 1), op->result_case);
}

void svc_request_create(srv_req_t *req, svc_actor_t *a, int stmt, int nparams, const char *const *values,
                        int result_case) {
  create_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op || nparams > CREATE_PARAMS_MAX) {
    svc_fail_nomem(req);
    return;
  }
  *op = (create_op_t){.req = req, .actor = a, .stmt = stmt, .nparams = nparams, .result_case = result_case};
  memcpy(op->v, values, (size_t)nparams * sizeof(*values));
  create_run(op);
}

/* ---- CorrectionSubmit ---- */

typedef struct corr_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const Simpeg__V1__CorrectionSubmit *m;
  const char *fields;
  const char *values;
} corr_op_t;

static void corr_create(corr_op_t *op) {
  srv_req_t *req = op->req;
  const Simpeg__V1__CorrectionSubmit *m = op->m;
  const char *v[10];
  svc_request_actor_params(req, op->actor, v);
  v[4] = m->nip;
  v[5] = op->fields;
  v[6] = op->values;
  v[7] = m->correction->reason;
  v[8] = m->draft ? "true" : "false";
  v[9] = m->idempotency_key;
  svc_request_create(req, op->actor, DB_STMT_CORRECTION_CREATE, 10, v, RES(CORRECTION_SUBMIT));
}

/* The applicant's NIP is known: the NIK must agree with its birth date
 * and sex (the EmployeeEdit rule). */
static void corr_nip_read(void *ud, const db_result_t *res) {
  corr_op_t *op = ud;
  srv_req_t *req = op->req;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  if (PQntuples(res->results[0]) != 1) {
    svc_fail_field(req, ERR(NOT_FOUND), "employee_not_found", "no such employee in your scope", "nip", "not_found");
    return;
  }
  const Simpeg__V1__CorrectionDetails *d = op->m->correction;
  sp_nip_info_t ni;
  memset(&ni, 0, sizeof(ni));
  sp_nip_decode(PQgetvalue(res->results[0], 0, 0), &ni);
  emp_viol_t vs = {.n = 0};
  for (size_t i = 0; i < d->n_changes; i++)
    if (strcmp(d->changes[i]->field, "nik") == 0)
      emp_check_nik(&vs, "changes.nik", d->changes[i]->new_value, svc_today(req), ni.birth_date[0] ? ni.birth_date : NULL,
                    ni.sex);
  if (vs.n) {
    svc_fail_violations(req, &vs);
    return;
  }
  corr_create(op);
}

void svc_correction_submit(srv_req_t *req) {
  const Simpeg__V1__CorrectionSubmit *m = req->msg->correction_submit;
  const Simpeg__V1__CorrectionDetails *d = m->correction;
  emp_viol_t *vs = sp_arena_alloc(&req->arena, sizeof(*vs));
  if (!vs) {
    svc_fail_nomem(req);
    return;
  }
  vs->n = 0;
  if (*m->nip && (strlen(m->nip) != 18 || !emp_all_digits(m->nip))) emp_viol_add(vs, "nip", "invalid_format");
  if (strlen(m->idempotency_key) > IDEM_KEY_MAX) emp_viol_add(vs, "idempotency_key", "too_long");
  if (!d || d->n_changes == 0) {
    emp_viol_add(vs, "changes", "required");
  } else {
    if (d->n_changes > CHANGES_MAX) emp_viol_add(vs, "changes", "too_many");
    for (size_t i = 0; i < d->n_changes && i < CHANGES_MAX; i++) {
      const Simpeg__V1__FieldChange *c = d->changes[i];
      size_t k = 0, nk = sizeof(correctable) / sizeof(correctable[0]);
      while (k < nk && strcmp(correctable[k].name, c->field) != 0) k++;
      if (k == nk) {
        emp_viol_add(vs, "changes", "unknown_field");
        continue;
      }
      char *field = sp_arena_printf(&req->arena, "changes.%s", c->field);
      if (!field) {
        svc_fail_nomem(req);
        return;
      }
      bool dup = false;
      for (size_t j = 0; j < i; j++) dup |= strcmp(d->changes[j]->field, c->field) == 0;
      if (dup) emp_viol_add(vs, field, "duplicate_field");
      else if (strcmp(c->field, "religion") == 0) {
        if (*c->new_value && !emp_in_set(c->new_value, emp_religions)) emp_viol_add(vs, field, "unknown_value");
      } else if (strcmp(c->field, "marital_status") == 0) {
        if (*c->new_value && !emp_in_set(c->new_value, emp_maritals)) emp_viol_add(vs, field, "unknown_value");
      } else if (strcmp(c->field, "nik") == 0) {
        /* format and province here; the birth date and sex once the NIP is read */
        if (!*c->new_value) emp_viol_add(vs, field, "required");
        else emp_check_nik(vs, field, c->new_value, svc_today(req), NULL, SP_SEX_UNKNOWN);
      } else {
        emp_check_text(vs, field, c->new_value, correctable[k].max_chars, correctable[k].required);
      }
    }
    const char *reason = d->reason;
    while (*reason == ' ') reason++;
    if (!*reason) emp_viol_add(vs, "reason", "required");
    else if (svc_utf8_len(d->reason) > REASON_MAX_CHARS) emp_viol_add(vs, "reason", "too_long");
  }
  if (vs->n) {
    svc_fail_violations(req, vs);
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  corr_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  const char **fields = sp_arena_alloc(&req->arena, d->n_changes * sizeof(*fields));
  const char **values = sp_arena_alloc(&req->arena, d->n_changes * sizeof(*values));
  if (!op || !fields || !values) {
    svc_fail_nomem(req);
    return;
  }
  for (size_t i = 0; i < d->n_changes; i++) {
    fields[i] = d->changes[i]->field;
    values[i] = d->changes[i]->new_value;
  }
  *op = (corr_op_t){.req = req, .actor = a, .m = m};
  if (!(op->fields = text_array(req, fields, d->n_changes)) || !(op->values = text_array(req, values, d->n_changes))) {
    svc_fail_nomem(req);
    return;
  }
  const char *v[5];
  svc_request_actor_params(req, a, v);
  v[4] = m->nip;
  db_query_t q = {.stmt = DB_STMT_CORRECTION_NIP, .nparams = 5, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, corr_nip_read, op);
}
