/* dispatch: decode -> check -> authorize -> handler, and the answer path.
 *
 * This is the one place that inspects an untrusted request before any
 * handler sees it: the unpack runs in a per-request arena with a byte budget
 * (protobuf-c returns NULL past it), then sp_msg_check validates every string
 * and repeated field, then the method table decides whether the call exists
 * and whether this connection may make it. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_log.h"
#include "sp_time.h"
#include "svc_auth.h"

/* The method table: one row per call, indexed by its oneof number. */
static const srv_method_t methods[] = {
    {SIMPEG__V1__REQUEST__CALL_HELLO, "Hello", PERM_PUBLIC, svc_hello},
    {SIMPEG__V1__REQUEST__CALL_PING, "Ping", PERM_PUBLIC, svc_ping},
    /* Status shows versions, pool state and the instance id: any signed-in
     * role, not anonymous callers (issue #3). Monitoring signs in too. */
    {SIMPEG__V1__REQUEST__CALL_STATUS, "Status", PERM_SIGNED_IN, svc_status},
    /* auth (svc_auth.c) */
    {SIMPEG__V1__REQUEST__CALL_LOGIN, "Login", PERM_PUBLIC, svc_login},
    {SIMPEG__V1__REQUEST__CALL_AUTHENTICATE, "Authenticate", PERM_PUBLIC, svc_authenticate},
    {SIMPEG__V1__REQUEST__CALL_LOGOUT, "Logout", PERM_SIGNED_IN, svc_logout},
    {SIMPEG__V1__REQUEST__CALL_WHOAMI, "WhoAmI", PERM_SIGNED_IN, svc_whoami},
    {SIMPEG__V1__REQUEST__CALL_CHANGE_PASSWORD, "ChangePassword", PERM_SIGNED_IN, svc_change_password},
    /* users, offices, audit (svc_user.c, svc_office.c, svc_audit.c) */
    {SIMPEG__V1__REQUEST__CALL_USER_ADD, "UserAdd", PERM_USER_MANAGE, svc_user_add},
    {SIMPEG__V1__REQUEST__CALL_USER_LIST, "UserList", PERM_USER_READ, svc_user_list},
    {SIMPEG__V1__REQUEST__CALL_USER_SHOW, "UserShow", PERM_USER_READ, svc_user_show},
    {SIMPEG__V1__REQUEST__CALL_USER_SET_DISABLED, "UserSetDisabled", PERM_USER_MANAGE, svc_user_set_disabled},
    {SIMPEG__V1__REQUEST__CALL_USER_SET_ROLE, "UserSetRole", PERM_USER_MANAGE, svc_user_set_role},
    {SIMPEG__V1__REQUEST__CALL_USER_RESET_PASSWORD, "UserResetPassword", PERM_USER_MANAGE, svc_user_reset_password},
    {SIMPEG__V1__REQUEST__CALL_OFFICE_ADD, "OfficeAdd", PERM_OFFICE_MANAGE, svc_office_add},
    {SIMPEG__V1__REQUEST__CALL_OFFICE_LIST, "OfficeList", PERM_OFFICE_READ, svc_office_list},
    {SIMPEG__V1__REQUEST__CALL_OFFICE_SHOW, "OfficeShow", PERM_OFFICE_READ, svc_office_show},
    {SIMPEG__V1__REQUEST__CALL_OFFICE_MOVE, "OfficeMove", PERM_OFFICE_MANAGE, svc_office_move},
    {SIMPEG__V1__REQUEST__CALL_AUDIT_LIST, "AuditList", PERM_AUDIT_READ, svc_audit_list},
    {SIMPEG__V1__REQUEST__CALL_AUDIT_VERIFY, "AuditVerify", PERM_AUDIT_VERIFY, svc_audit_verify},
    /* registry (svc_employee.c) */
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_ADD, "EmployeeAdd", PERM_EMPLOYEE_MANAGE, svc_employee_add},
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SHOW, "EmployeeShow", PERM_EMPLOYEE_READ, svc_employee_show},
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_EDIT, "EmployeeEdit", PERM_EMPLOYEE_MANAGE, svc_employee_edit},
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_LIST, "EmployeeList", PERM_EMPLOYEE_READ, svc_employee_list},
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SEARCH, "EmployeeSearch", PERM_EMPLOYEE_READ, svc_employee_search},
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_HISTORY_ADD, "EmployeeHistoryAdd", PERM_EMPLOYEE_MANAGE, svc_employee_history_add},
    {SIMPEG__V1__REQUEST__CALL_EMPLOYEE_HISTORY_LIST, "EmployeeHistoryList", PERM_EMPLOYEE_READ, svc_employee_history_list},
    {SIMPEG__V1__REQUEST__CALL_MY_PROFILE, "MyProfile", PERM_SIGNED_IN, svc_my_profile},
    /* registry views (svc_views.c) */
    {SIMPEG__V1__REQUEST__CALL_DUK_LIST, "DukList", PERM_EMPLOYEE_READ, svc_duk_list},
    {SIMPEG__V1__REQUEST__CALL_HEADCOUNT, "Headcount", PERM_EMPLOYEE_READ, svc_headcount},
    {SIMPEG__V1__REQUEST__CALL_EARLY_WARNINGS, "EarlyWarnings", PERM_EMPLOYEE_READ, svc_early_warnings},
    /* import/export (svc_import.c) */
    {SIMPEG__V1__REQUEST__CALL_IMPORT_BEGIN, "ImportBegin", PERM_EMPLOYEE_MANAGE, svc_import_begin},
    {SIMPEG__V1__REQUEST__CALL_IMPORT_CHUNK, "ImportChunk", PERM_EMPLOYEE_MANAGE, svc_import_chunk},
    {SIMPEG__V1__REQUEST__CALL_EXPORT, "Export", PERM_EMPLOYEE_READ, svc_export},
    /* personnel services (svc_request.c) */
    {SIMPEG__V1__REQUEST__CALL_REQUEST_SHOW, "RequestShow", PERM_SIGNED_IN, svc_request_show},
    {SIMPEG__V1__REQUEST__CALL_REQUEST_LIST, "RequestList", PERM_SIGNED_IN, svc_request_list},
    {SIMPEG__V1__REQUEST__CALL_REQUEST_TIMELINE, "RequestTimeline", PERM_SIGNED_IN, svc_request_timeline},
    {SIMPEG__V1__REQUEST__CALL_REQUEST_ACT, "RequestAct", PERM_SIGNED_IN, svc_request_act},
    {SIMPEG__V1__REQUEST__CALL_INBOX, "Inbox", PERM_SIGNED_IN, svc_inbox},
    {SIMPEG__V1__REQUEST__CALL_CHAIN_SET, "ChainSet", PERM_CHAIN_MANAGE, svc_chain_set},
    {SIMPEG__V1__REQUEST__CALL_CHAIN_SHOW, "ChainShow", PERM_SIGNED_IN, svc_chain_show},
    {SIMPEG__V1__REQUEST__CALL_CORRECTION_SUBMIT, "CorrectionSubmit", PERM_SIGNED_IN, svc_correction_submit},
    /* personnel services (svc_docs.c) */
    {SIMPEG__V1__REQUEST__CALL_SERVICE_TIMES, "ServiceTimes", PERM_SERVICE_REPORT, svc_service_times},
    {SIMPEG__V1__REQUEST__CALL_SUBSCRIBE, "Subscribe", PERM_SIGNED_IN, svc_subscribe},
    /* personnel services (svc_leave.c) */
    {SIMPEG__V1__REQUEST__CALL_LEAVE_SUBMIT, "LeaveSubmit", PERM_SIGNED_IN, svc_leave_submit},
    {SIMPEG__V1__REQUEST__CALL_LEAVE_BALANCE, "LeaveBalance", PERM_SIGNED_IN, svc_leave_balance},
    {SIMPEG__V1__REQUEST__CALL_LEAVE_TYPES, "LeaveTypes", PERM_SIGNED_IN, svc_leave_types},
    {SIMPEG__V1__REQUEST__CALL_HOLIDAY_IMPORT, "HolidayImport", PERM_HOLIDAY_MANAGE, svc_holiday_import},
    {SIMPEG__V1__REQUEST__CALL_HOLIDAY_LIST, "HolidayList", PERM_SIGNED_IN, svc_holiday_list},
    {SIMPEG__V1__REQUEST__CALL_WORK_CALENDAR_SET, "WorkCalendarSet", PERM_CHAIN_MANAGE, svc_work_calendar_set},
    /* personnel services (svc_promotion.c) */
    {SIMPEG__V1__REQUEST__CALL_PROMOTION_PERIOD_ADD, "PromotionPeriodAdd", PERM_HOLIDAY_MANAGE, svc_promotion_period_add},
    {SIMPEG__V1__REQUEST__CALL_PROMOTION_PERIOD_LIST, "PromotionPeriodList", PERM_SIGNED_IN, svc_promotion_period_list},
    {SIMPEG__V1__REQUEST__CALL_PROMOTION_ELIGIBILITY, "PromotionEligibility", PERM_SERVICE_REPORT, svc_promotion_eligibility},
    {SIMPEG__V1__REQUEST__CALL_PROMOTION_SUBMIT, "PromotionSubmit", PERM_REQUEST_FILE, svc_promotion_submit},
    {SIMPEG__V1__REQUEST__CALL_KGB_DUE, "KgbDue", PERM_SERVICE_REPORT, svc_kgb_due},
    {SIMPEG__V1__REQUEST__CALL_KGB_SUBMIT, "KgbSubmit", PERM_REQUEST_FILE, svc_kgb_submit},
    {SIMPEG__V1__REQUEST__CALL_RETIREMENT_PROJECTION, "RetirementProjection", PERM_SERVICE_REPORT, svc_retirement_projection},
    /* personnel services (svc_docs.c) */
    {SIMPEG__V1__REQUEST__CALL_DOCUMENT_UPLOAD_BEGIN, "DocumentUploadBegin", PERM_SIGNED_IN, svc_document_upload_begin},
    {SIMPEG__V1__REQUEST__CALL_DOCUMENT_UPLOAD_CHUNK, "DocumentUploadChunk", PERM_SIGNED_IN, svc_document_upload_chunk},
    {SIMPEG__V1__REQUEST__CALL_DOCUMENT_UPLOAD_FINISH, "DocumentUploadFinish", PERM_SIGNED_IN, svc_document_upload_finish},
    {SIMPEG__V1__REQUEST__CALL_DOCUMENT_DOWNLOAD, "DocumentDownload", PERM_SIGNED_IN, svc_document_download},
};

const srv_method_t *srv_method_find(int call_case) {
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
    if (methods[i].call_case == call_case) return &methods[i];
  return NULL;
}

/* Bytes an unpacked request may take: generous for real messages (a packed
 * string becomes a NUL-terminated copy; a repeated field a pointer array),
 * small enough that a hostile frame cannot make the daemon allocate much. */
size_t srv_arena_budget(size_t frame_len) { return frame_len * 8 + 16 * 1024; }

static void finish(srv_req_t *req, Simpeg__V1__Response *resp) {
  conn_t *c = req->conn;
  if (!c->closing) {
    resp->id = req->id;
    Simpeg__V1__ServerFrame f = SIMPEG__V1__SERVER_FRAME__INIT;
    f.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE;
    f.response = resp;
    if (!conn_send_frame(c, &f)) {
      /* Too large or no room: answer with a small error instead of silence. */
      Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
      e.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_RESOURCE_EXHAUSTED;
      e.reason = "response_too_large";
      e.message = "the answer does not fit in one frame";
      Simpeg__V1__Response small = SIMPEG__V1__RESPONSE__INIT;
      small.id = req->id;
      small.error = &e;
      f.response = &small;
      conn_send_frame(c, &f);
    }
  }
  if (sp_log_enabled(SP_LOG_DEBUG)) {
    int code = resp->error ? (int)resp->error->code : 0;
    sp_log_debug("conn=%llu req=%llu method=%s code=%d us=%llu", (unsigned long long)c->id,
                 (unsigned long long)req->id, req->method ? req->method->name : "-", code,
                 (unsigned long long)(sp_mono_us() - req->start_us));
  }
  conn_request_finished(c, req);
  sp_arena_free(&req->arena);
  free(req);
}

void req_reply(srv_req_t *req, Simpeg__V1__Response *resp) { finish(req, resp); }

void req_fail(srv_req_t *req, Simpeg__V1__ErrorCode code, const char *reason, const char *message) {
  Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
  e.code = code;
  e.reason = (char *)(reason ? reason : "");
  e.message = (char *)(message ? message : "");
  Simpeg__V1__Response r = SIMPEG__V1__RESPONSE__INIT;
  r.error = &e;
  finish(req, &r);
}

void req_fail_field(srv_req_t *req, const char *field, const char *reason) {
  Simpeg__V1__FieldViolation v = SIMPEG__V1__FIELD_VIOLATION__INIT;
  v.field = (char *)field;
  v.reason = (char *)reason;
  Simpeg__V1__FieldViolation *vp = &v;
  Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
  e.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
  e.reason = "invalid_field";
  e.message = "a field of the request is invalid";
  e.violations = &vp;
  e.n_violations = 1;
  Simpeg__V1__Response r = SIMPEG__V1__RESPONSE__INIT;
  r.error = &e;
  finish(req, &r);
}

void srv_send_protocol_error(conn_t *c, const char *reason, const char *message) {
  Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
  e.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_PROTOCOL;
  e.reason = (char *)reason;
  e.message = (char *)message;
  Simpeg__V1__Response r = SIMPEG__V1__RESPONSE__INIT;
  r.error = &e;
  Simpeg__V1__ServerFrame f = SIMPEG__V1__SERVER_FRAME__INIT;
  f.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE;
  f.response = &r;
  conn_send_frame(c, &f);
}

int srv_decode_request(sp_arena_t *arena, const uint8_t *payload, size_t len, const sp_msg_limits_t *lim,
                       Simpeg__V1__Request **out, sp_msg_violation_t *v) {
  *out = simpeg__v1__request__unpack(&arena->pb, len, payload);
  if (!*out) return SRV_DECODE_MALFORMED;
  if ((*out)->id == 0) {
    snprintf(v->field, sizeof(v->field), "id");
    v->reason = "required";
    return SRV_DECODE_INVALID;
  }
  if (!sp_msg_check(&(*out)->base, lim, v)) return SRV_DECODE_INVALID;
  return SRV_DECODE_OK;
}

/* The last step: the role check (on the session as just confirmed) and the
 * handler. */
static void dispatch_authorized(srv_req_t *req) {
  conn_t *c = req->conn;
  if (req->method->perm != PERM_PUBLIC) {
    if (!c->session) { /* signed out while its re-check was in flight */
      req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED, "login_required", "sign in first");
      return;
    }
    if (!authz_role_has(c->session->role, req->method->perm)) {
      req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_PERMISSION_DENIED, "role_lacks_permission",
               "your role does not allow this");
      return;
    }
    c->session->last_seen_us = sp_wall_us();
  }
  req->method->handler(req);
}

void srv_dispatch(conn_t *c, const uint8_t *payload, size_t len) {
  srv_req_t *req = sp_xcalloc(1, sizeof(*req));
  req->conn = c;
  req->srv = c->srv;
  req->start_us = sp_mono_us();
  sp_arena_init(&req->arena, srv_arena_budget(len));
  sp_msg_limits_t lim = sp_msg_default_limits;
  lim.max_bytes = (size_t)c->srv->cfg.max_frame;
  sp_msg_violation_t v;
  int rc = srv_decode_request(&req->arena, payload, len, &lim, &req->msg, &v);
  if (rc == SRV_DECODE_MALFORMED) {
    sp_arena_free(&req->arena);
    free(req);
    sp_log_notice("conn=%llu peer=%s sent a malformed message (%zu bytes)", (unsigned long long)c->id, c->peer, len);
    srv_send_protocol_error(c, "malformed_message", "the frame does not hold a valid Request");
    conn_close(c, "malformed message", true);
    return;
  }
  req->id = req->msg->id;
  if (req->id > c->last_request_id) c->last_request_id = req->id;
  conn_request_started(c, req);
  if (rc == SRV_DECODE_INVALID) {
    req_fail_field(req, v.field, v.reason);
    return;
  }
  req->method = srv_method_find((int)req->msg->call_case);
  if (!req->method) {
    /* Not set, or a method from a newer protocol that this server lacks. */
    req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unknown_method",
             "this server does not implement the requested method");
    return;
  }
  if (!c->hello_done && req->method->call_case != SIMPEG__V1__REQUEST__CALL_HELLO) {
    req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_FAILED_PRECONDITION, "hello_required",
             "the first request on a connection must be Hello");
    return;
  }
  if (c->draining || c->srv->draining) {
    req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAVAILABLE, "draining", "the server is shutting down");
    return;
  }
  if (req->method->perm != PERM_PUBLIC) {
    if (!conn_session_current(c)) {
      req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED, "login_required", "sign in first");
      return;
    }
    /* A cached session is only as good as its last confirmation: revoked
     * through another daemon, or the account disabled or moved there, it
     * must stop working within auth.session_recheck_s. */
    if (auth_session_stale(c)) {
      auth_session_recheck(req, dispatch_authorized);
      return;
    }
  }
  dispatch_authorized(req);
}
