/* svc_promotion: promotion (kenaikan pangkat), the periodic raise (KGB)
 * and the retirement projection (issue #5; docs/internals/promotion.md).
 *
 * Every rule is a function of migrations/0008_promotion.sql; the handlers
 * check the shape of a call, resolve the office asked for against the
 * caller's scope (NOT_FOUND outside it, as svc_views.c does), run one
 * batch and turn its rows into the reply. Filing a proposal or a raise is
 * one statement (promotion_request_create / kgb_request_create) whose
 * request is then read and answered by svc_request_reply. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "sp_valid.h"
#include "svc_admin.h"
#include "svc_request.h"

#define ERR(x) SIMPEG__V1__ERROR_CODE__ERROR_CODE_##x
#define RES(x) SIMPEG__V1__RESPONSE__RESULT_##x

#define OFFICE_CODE_MAX 63
#define IDEM_KEY_MAX 100
#define KIND_MAX 30
#define ELIG_DEFAULT 100
#define ELIG_MAX 5000
#define KGB_DEFAULT 100
#define KGB_MAX 1000
#define KGB_MONTHS_DEFAULT 2 /* the notice goes out 2 months ahead (PP 7/1977 art. 12) */
#define KGB_MONTHS_MAX 60
#define RETIRE_YEARS_DEFAULT 5
#define RETIRE_YEARS_MAX 50
#define YEAR_MIN 2000
#define YEAR_MAX 2200

/* Columns (db_stmts.c, "promotion" block). */
enum { PER_DATE, PER_FROM, PER_TO };
enum {
  ELIG_PERIOD, /* also results[0] of the batch: the period resolved */
  ELIG_NIP,
  ELIG_NAME,
  ELIG_OFFICE,
  ELIG_RANK,
  ELIG_RANK_TMT,
  ELIG_YEARS,
  ELIG_NEXT,
  ELIG_KIND,
  ELIG_ELIGIBLE,
  ELIG_REASONS
};
enum { KGB_NIP, KGB_NAME, KGB_OFFICE, KGB_RANK, KGB_DUE, KGB_FROM_MKG, KGB_TO_MKG, KGB_FROM_GAJI, KGB_TO_GAJI, KGB_NUMBER };
enum { PD_KIND, PD_PERIOD, PD_FROM, PD_TO, PD_CHECKLIST };
enum { KD_TMT, KD_RANK, KD_FROM_MKG, KD_TO_MKG, KD_FROM_GAJI, KD_TO_GAJI, KD_POSTPONED };

static bool is_date(const char *s) {
  long d;
  return strlen(s) == 10 && sp_valid_date(s, &d);
}

static bool is_nip(const char *s) {
  if (strlen(s) != 18) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/* "a,b,c" (a column of array_to_string) as a repeated string field. */
static bool split_list(srv_req_t *req, const char *s, char ***out, size_t *n_out) {
  size_t n = 0;
  if (*s) {
    n = 1;
    for (const char *p = s; *p; p++) n += *p == ',';
  }
  char **v = sp_arena_alloc(&req->arena, (n ? n : 1) * sizeof(*v));
  char *copy = sp_arena_strdup(&req->arena, s);
  if (!v || !copy) return false;
  size_t i = 0;
  for (char *p = copy; n && i < n; i++) {
    v[i] = p;
    char *comma = strchr(p, ',');
    if (!comma) break;
    *comma = '\0';
    p = comma + 1;
  }
  *out = v;
  *n_out = n;
  return true;
}

/* ---- details of a request (svc_request.c reads them with the request) ---- */

static bool promotion_fill(srv_req_t *req, Simpeg__V1__ServiceRequest *r, const PGresult *res) {
  Simpeg__V1__PromotionDetails *d = sp_arena_alloc(&req->arena, sizeof(*d));
  if (!d) return false;
  simpeg__v1__promotion_details__init(d);
  if (!(d->kind = svc_col_str(req, res, 0, PD_KIND)) || !(d->period_date = svc_col_str(req, res, 0, PD_PERIOD)) ||
      !(d->from_rank = svc_col_str(req, res, 0, PD_FROM)) || !(d->to_rank = svc_col_str(req, res, 0, PD_TO)) ||
      !split_list(req, PQgetvalue(res, 0, PD_CHECKLIST), &d->checklist, &d->n_checklist))
    return false;
  r->details_case = SIMPEG__V1__SERVICE_REQUEST__DETAILS_PROMOTION;
  r->promotion = d;
  return true;
}

static bool kgb_fill(srv_req_t *req, Simpeg__V1__ServiceRequest *r, const PGresult *res) {
  Simpeg__V1__KgbDetails *d = sp_arena_alloc(&req->arena, sizeof(*d));
  if (!d) return false;
  simpeg__v1__kgb_details__init(d);
  if (!(d->tmt = svc_col_str(req, res, 0, KD_TMT)) || !(d->rank_code = svc_col_str(req, res, 0, KD_RANK)) ||
      !(d->postponed_until = svc_col_str(req, res, 0, KD_POSTPONED)))
    return false;
  d->from_mkg = (int32_t)svc_col_i64(res, 0, KD_FROM_MKG);
  d->to_mkg = (int32_t)svc_col_i64(res, 0, KD_TO_MKG);
  d->from_gaji_pokok = svc_col_i64(res, 0, KD_FROM_GAJI);
  d->to_gaji_pokok = svc_col_i64(res, 0, KD_TO_GAJI);
  r->details_case = SIMPEG__V1__SERVICE_REQUEST__DETAILS_KGB;
  r->kgb = d;
  return true;
}

const svc_details_reader_t svc_promotion_details = {"KP", DB_STMT_PROMO_DETAILS, promotion_fill};
const svc_details_reader_t svc_kgb_details = {"KGB", DB_STMT_KGB_DETAILS, kgb_fill};

/* ---- promotion periods ---- */

static bool periods_reply(srv_req_t *req, const PGresult *r, Simpeg__V1__PromotionPeriodListReply *rep) {
  int n = PQntuples(r);
  Simpeg__V1__PromotionPeriod **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!v) return false;
  for (int i = 0; i < n; i++) {
    Simpeg__V1__PromotionPeriod *p = sp_arena_alloc(&req->arena, sizeof(*p));
    if (!p) return false;
    simpeg__v1__promotion_period__init(p);
    if (!(p->period_date = svc_col_str(req, r, i, PER_DATE)) || !(p->submit_from = svc_col_str(req, r, i, PER_FROM)) ||
        !(p->submit_to = svc_col_str(req, r, i, PER_TO)))
      return false;
    v[i] = p;
  }
  rep->periods = v;
  rep->n_periods = (size_t)n;
  return true;
}

static void periods_read(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  if (res->status != DB_OK) {
    svc_fail_db(req, res);
    return;
  }
  svc_reply_budget(req);
  Simpeg__V1__PromotionPeriodListReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  if (!rep) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__promotion_period_list_reply__init(rep);
  if (!periods_reply(req, res->results[res->nresults - 1], rep)) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  if (req->msg->call_case == SIMPEG__V1__REQUEST__CALL_PROMOTION_PERIOD_ADD) {
    resp.result_case = RES(PROMOTION_PERIOD_ADD);
    resp.promotion_period_add = rep;
  } else {
    resp.result_case = RES(PROMOTION_PERIOD_LIST);
    resp.promotion_period_list = rep;
  }
  req_reply(req, &resp);
}

void svc_promotion_period_add(srv_req_t *req) {
  const Simpeg__V1__PromotionPeriod *p = req->msg->promotion_period_add->period;
  if (!p || !*p->period_date) {
    req_fail_field(req, "period.period_date", "required");
    return;
  }
  if (!is_date(p->period_date)) {
    req_fail_field(req, "period.period_date", "invalid_date");
    return;
  }
  if (!*p->submit_from || !*p->submit_to) {
    req_fail_field(req, !*p->submit_from ? "period.submit_from" : "period.submit_to", "required");
    return;
  }
  if (!is_date(p->submit_from) || !is_date(p->submit_to)) {
    req_fail_field(req, !is_date(p->submit_from) ? "period.submit_from" : "period.submit_to", "invalid_date");
    return;
  }
  /* ISO dates compare as text. */
  if (strcmp(p->submit_from, p->submit_to) > 0) {
    req_fail_field(req, "period.submit_to", "before_submit_from");
    return;
  }
  if (strcmp(p->submit_to, p->period_date) >= 0) {
    req_fail_field(req, "period.submit_to", "not_before_period");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  /* Periods are national (a BKN regulation), for every office alike: only
   * someone whose scope is the whole tree sets them. */
  if (!svc_actor_sees_all(a)) {
    req_fail(req, ERR(PERMISSION_DENIED), "national_data", "promotion periods are set for the whole country");
    return;
  }
  const char *v[7];
  svc_actor_params(a, v);
  v[4] = p->period_date;
  v[5] = p->submit_from;
  v[6] = p->submit_to;
  db_query_t q = {.stmt = DB_STMT_PROMO_PERIOD_ADD, .nparams = 7, .values = v};
  svc_submit(req, &q, 1, 0, periods_read, req);
}

void svc_promotion_period_list(srv_req_t *req) {
  uint32_t year = req->msg->promotion_period_list->year;
  if (year && (year < YEAR_MIN || year > YEAR_MAX)) {
    req_fail_field(req, "year", "out_of_range");
    return;
  }
  const char *v[1] = {svc_i64(req, year)};
  db_query_t q = {.stmt = DB_STMT_PROMO_PERIOD_LIST, .nparams = 1, .values = v};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, periods_read, req);
}

/* ---- the scoped views: eligibility, KGB due, retirement ---- */

typedef enum scope_kind { SCOPE_ELIGIBLE, SCOPE_KGB, SCOPE_RETIRE } scope_kind_t;

typedef struct scope_op {
  srv_req_t *req;
  svc_actor_t *actor;
  scope_kind_t kind;
  const char *office_code;
  uint32_t limit;
  /* eligibility */
  const char *period;
  bool all;
  const char *after_nip; /* NULL: first page (KGB too) */
  /* KGB */
  uint32_t months;
  const char *after_due;
  /* retirement */
  uint32_t years;
} scope_op_t;

static void eligible_read(scope_op_t *op, const db_result_t *res) {
  srv_req_t *req = op->req;
  const PGresult *r = res->results[1];
  int n = PQntuples(r);
  bool more = n > (int)op->limit;
  if (more) n = (int)op->limit;
  svc_reply_budget(req);
  Simpeg__V1__PromotionEligibilityReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__PromotionCandidate **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__promotion_eligibility_reply__init(rep);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__PromotionCandidate *c = sp_arena_alloc(&req->arena, sizeof(*c));
    if (!c) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__promotion_candidate__init(c);
    if (!(c->nip = svc_col_str(req, r, i, ELIG_NIP)) || !(c->name = svc_col_str(req, r, i, ELIG_NAME)) ||
        !(c->office_code = svc_col_str(req, r, i, ELIG_OFFICE)) || !(c->rank_code = svc_col_str(req, r, i, ELIG_RANK)) ||
        !(c->rank_tmt = svc_col_str(req, r, i, ELIG_RANK_TMT)) || !(c->next_rank = svc_col_str(req, r, i, ELIG_NEXT)) ||
        !(c->kind = svc_col_str(req, r, i, ELIG_KIND)) ||
        !split_list(req, PQgetvalue(r, i, ELIG_REASONS), &c->reasons, &c->n_reasons)) {
      svc_fail_nomem(req);
      return;
    }
    c->years_in_rank = (int32_t)svc_col_i64(r, i, ELIG_YEARS);
    c->eligible = svc_col_bool(r, i, ELIG_ELIGIBLE);
    v[i] = c;
  }
  rep->candidates = v;
  rep->n_candidates = (size_t)n;
  if (more && !(rep->next_after = svc_col_str(req, r, n - 1, ELIG_NIP))) {
    svc_fail_nomem(req);
    return;
  }
  if (res->nresults > 2) {
    rep->eligible_count = (uint64_t)svc_col_i64(res->results[2], 0, 0);
    rep->checked_count = (uint64_t)svc_col_i64(res->results[2], 0, 1);
  }
  /* The period resolved ('' asked: the next one). */
  if (!(rep->period_date = svc_col_str(req, res->results[0], 0, 0))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = RES(PROMOTION_ELIGIBILITY);
  resp.promotion_eligibility = rep;
  req_reply(req, &resp);
}

static void kgb_read(scope_op_t *op, const PGresult *r) {
  srv_req_t *req = op->req;
  int n = PQntuples(r);
  bool more = n > (int)op->limit;
  if (more) n = (int)op->limit;
  svc_reply_budget(req);
  Simpeg__V1__KgbDueReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__KgbDueRow **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__kgb_due_reply__init(rep);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__KgbDueRow *k = sp_arena_alloc(&req->arena, sizeof(*k));
    if (!k) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__kgb_due_row__init(k);
    if (!(k->nip = svc_col_str(req, r, i, KGB_NIP)) || !(k->name = svc_col_str(req, r, i, KGB_NAME)) ||
        !(k->office_code = svc_col_str(req, r, i, KGB_OFFICE)) || !(k->rank_code = svc_col_str(req, r, i, KGB_RANK)) ||
        !(k->tmt = svc_col_str(req, r, i, KGB_DUE)) || !(k->request_number = svc_col_str(req, r, i, KGB_NUMBER))) {
      svc_fail_nomem(req);
      return;
    }
    k->from_mkg = (int32_t)svc_col_i64(r, i, KGB_FROM_MKG);
    k->to_mkg = (int32_t)svc_col_i64(r, i, KGB_TO_MKG);
    k->from_gaji_pokok = svc_col_i64(r, i, KGB_FROM_GAJI);
    k->to_gaji_pokok = svc_col_i64(r, i, KGB_TO_GAJI);
    v[i] = k;
  }
  rep->rows = v;
  rep->n_rows = (size_t)n;
  if (more && !(rep->next_after = sp_arena_printf(&req->arena, "%s|%s", v[n - 1]->tmt, v[n - 1]->nip))) {
    svc_fail_nomem(req);
    return;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = RES(KGB_DUE);
  resp.kgb_due = rep;
  req_reply(req, &resp);
}

static void retire_read(scope_op_t *op, const PGresult *r) {
  srv_req_t *req = op->req;
  int n = PQntuples(r);
  svc_reply_budget(req);
  Simpeg__V1__RetirementProjectionReply *rep = sp_arena_alloc(&req->arena, sizeof(*rep));
  Simpeg__V1__RetirementYear **v = sp_arena_alloc(&req->arena, (size_t)(n ? n : 1) * sizeof(*v));
  if (!rep || !v) {
    svc_fail_nomem(req);
    return;
  }
  simpeg__v1__retirement_projection_reply__init(rep);
  for (int i = 0; i < n; i++) {
    Simpeg__V1__RetirementYear *y = sp_arena_alloc(&req->arena, sizeof(*y));
    if (!y) {
      svc_fail_nomem(req);
      return;
    }
    simpeg__v1__retirement_year__init(y);
    y->year = (uint32_t)svc_col_i64(r, i, 0);
    y->count = (uint64_t)svc_col_i64(r, i, 1);
    v[i] = y;
  }
  rep->years = v;
  rep->n_years = (size_t)n;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = RES(RETIREMENT_PROJECTION);
  resp.retirement_projection = rep;
  req_reply(req, &resp);
}

static void scope_read(void *ud, const db_result_t *res) {
  scope_op_t *op = ud;
  if (res->status != DB_OK) {
    svc_fail_db(op->req, res);
    return;
  }
  switch (op->kind) {
    case SCOPE_ELIGIBLE: eligible_read(op, res); break;
    case SCOPE_KGB: kgb_read(op, res->results[0]); break;
    case SCOPE_RETIRE: retire_read(op, res->results[0]); break;
  }
}

static void scope_run(scope_op_t *op, const char *root) {
  srv_req_t *req = op->req;
  svc_actor_t *a = op->actor;
  const char *audit_office = *op->office_code ? op->office_code : a->session.office_code;
  if (op->kind == SCOPE_RETIRE) {
    const char *v[4] = {root, a->session.office_path, a->branch_path, svc_i64(req, op->years)};
    db_query_t q = {.stmt = DB_STMT_RETIREMENT, .nparams = 4, .values = v};
    svc_submit(req, &q, 1, DB_RETRY_SAFE, scope_read, op);
    return;
  }
  const char **v = sp_arena_alloc(&req->arena, 12 * sizeof(*v));
  if (!v) {
    svc_fail_nomem(req);
    return;
  }
  svc_actor_params(a, v);
  v[4] = root;
  v[5] = a->session.office_path;
  v[6] = a->branch_path;
  v[11] = audit_office;
  if (op->kind == SCOPE_KGB) {
    v[7] = svc_i64(req, op->months);
    v[8] = op->after_due;
    v[9] = op->after_nip;
    v[10] = svc_i64(req, op->limit);
    db_query_t q = {.stmt = DB_STMT_KGB_DUE, .nparams = 12, .values = v};
    svc_submit(req, &q, 1, 0, scope_read, op);
    return;
  }
  v[7] = op->period;
  v[8] = op->all ? "true" : "false";
  v[9] = op->after_nip;
  v[10] = svc_i64(req, op->limit);
  db_query_t q[3] = {{.stmt = DB_STMT_PROMO_PERIOD_PICK, .nparams = 1, .values = v + 7},
                     {.stmt = DB_STMT_PROMO_ELIGIBLE, .nparams = 12, .values = v}};
  int n = 2;
  /* The counts of the whole scope come with the first page only: they
   * cost a pass over the scope, the later pages an index walk. */
  if (!op->after_nip) {
    const char **cv = sp_arena_alloc(&req->arena, 4 * sizeof(*cv));
    if (!cv) {
      svc_fail_nomem(req);
      return;
    }
    cv[0] = root;
    cv[1] = a->session.office_path;
    cv[2] = a->branch_path;
    cv[3] = op->period;
    q[n++] = (db_query_t){.stmt = DB_STMT_PROMO_COUNTS, .nparams = 4, .values = cv};
  }
  svc_submit(req, q, n, 0, scope_read, op);
}

static void scope_office_read(void *ud, const db_result_t *res) {
  scope_op_t *op = ud;
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
  scope_run(op, root);
}

static void scope_start(srv_req_t *req, const scope_op_t *tmpl) {
  if (strlen(tmpl->office_code) > OFFICE_CODE_MAX) {
    req_fail_field(req, "office_code", "too_long");
    return;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return;
  scope_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return;
  }
  *op = *tmpl;
  op->req = req;
  op->actor = a;
  if (!*op->office_code) {
    scope_run(op, a->session.office_path);
    return;
  }
  db_query_t q = {.stmt = DB_STMT_OFFICE_GET, .nparams = 1, .values = (const char *[]){op->office_code}};
  svc_submit(req, &q, 1, DB_RETRY_SAFE, scope_office_read, op);
}

void svc_promotion_eligibility(srv_req_t *req) {
  const Simpeg__V1__PromotionEligibility *m = req->msg->promotion_eligibility;
  if (*m->period_date && !is_date(m->period_date)) {
    req_fail_field(req, "period_date", "invalid_date");
    return;
  }
  if (m->limit > ELIG_MAX) {
    req_fail_field(req, "limit", "too_large");
    return;
  }
  if (*m->after && !is_nip(m->after)) {
    req_fail_field(req, "after", "invalid_cursor");
    return;
  }
  scope_op_t t = {.kind = SCOPE_ELIGIBLE,
                  .office_code = m->office_code,
                  .limit = m->limit ? m->limit : ELIG_DEFAULT,
                  .period = m->period_date,
                  .all = !m->eligible_only,
                  .after_nip = *m->after ? m->after : NULL};
  scope_start(req, &t);
}

void svc_kgb_due(srv_req_t *req) {
  const Simpeg__V1__KgbDue *m = req->msg->kgb_due;
  if (m->months > KGB_MONTHS_MAX) {
    req_fail_field(req, "months", "too_large");
    return;
  }
  if (m->limit > KGB_MAX) {
    req_fail_field(req, "limit", "too_large");
    return;
  }
  scope_op_t t = {.kind = SCOPE_KGB,
                  .office_code = m->office_code,
                  .limit = m->limit ? m->limit : KGB_DEFAULT,
                  .months = m->months ? m->months : KGB_MONTHS_DEFAULT};
  if (*m->after) {
    /* "YYYY-MM-DD|<NIP>" (what the previous page returned) */
    const char *bar = strchr(m->after, '|');
    char *due = bar ? sp_arena_printf(&req->arena, "%.*s", (int)(bar - m->after), m->after) : NULL;
    if (!bar || !due || !is_date(due) || !is_nip(bar + 1)) {
      req_fail_field(req, "after", "invalid_cursor");
      return;
    }
    t.after_due = due;
    t.after_nip = bar + 1;
  }
  scope_start(req, &t);
}

void svc_retirement_projection(srv_req_t *req) {
  const Simpeg__V1__RetirementProjection *m = req->msg->retirement_projection;
  if (m->years > RETIRE_YEARS_MAX) {
    req_fail_field(req, "years", "too_large");
    return;
  }
  scope_op_t t = {.kind = SCOPE_RETIRE, .office_code = m->office_code, .years = m->years ? m->years : RETIRE_YEARS_DEFAULT};
  scope_start(req, &t);
}

/* ---- filing: PromotionSubmit, KgbSubmit ---- */

typedef struct file_op {
  srv_req_t *req;
  svc_actor_t *actor;
  const char *v[9];
} file_op_t;

static file_op_t *file_new(srv_req_t *req, const char *nip, const char *key) {
  if (*nip && !is_nip(nip)) {
    req_fail_field(req, "nip", "invalid_format");
    return NULL;
  }
  if (strlen(key) > IDEM_KEY_MAX) {
    req_fail_field(req, "idempotency_key", "too_long");
    return NULL;
  }
  svc_actor_t *a = svc_actor_new(req);
  if (!a) return NULL;
  file_op_t *op = sp_arena_alloc(&req->arena, sizeof(*op));
  if (!op) {
    svc_fail_nomem(req);
    return NULL;
  }
  *op = (file_op_t){.req = req, .actor = a};
  svc_request_actor_params(req, a, op->v);
  op->v[4] = nip;
  return op;
}

void svc_promotion_submit(srv_req_t *req) {
  const Simpeg__V1__PromotionSubmit *m = req->msg->promotion_submit;
  const Simpeg__V1__PromotionDetails *d = m->promotion;
  if (!d || !*d->kind) {
    req_fail_field(req, "promotion.kind", "required");
    return;
  }
  if (strlen(d->kind) > KIND_MAX) {
    req_fail_field(req, "promotion.kind", "too_long");
    return;
  }
  if (!*d->period_date) {
    req_fail_field(req, "promotion.period_date", "required");
    return;
  }
  if (!is_date(d->period_date)) {
    req_fail_field(req, "promotion.period_date", "invalid_date");
    return;
  }
  file_op_t *op = file_new(req, m->nip, m->idempotency_key);
  if (!op) return;
  op->v[5] = d->kind;
  op->v[6] = d->period_date;
  op->v[7] = m->draft ? "true" : "false";
  op->v[8] = m->idempotency_key;
  svc_request_create(req, op->actor, DB_STMT_PROMO_CREATE, 9, op->v, RES(PROMOTION_SUBMIT));
}

void svc_kgb_submit(srv_req_t *req) {
  const Simpeg__V1__KgbSubmit *m = req->msg->kgb_submit;
  const char *tmt = m->kgb ? m->kgb->tmt : "";
  if (*tmt && !is_date(tmt)) {
    req_fail_field(req, "kgb.tmt", "invalid_date");
    return;
  }
  file_op_t *op = file_new(req, m->nip, m->idempotency_key);
  if (!op) return;
  op->v[5] = tmt;
  op->v[6] = m->draft ? "true" : "false";
  op->v[7] = m->idempotency_key;
  svc_request_create(req, op->actor, DB_STMT_KGB_CREATE, 8, op->v, RES(KGB_SUBMIT));
}
