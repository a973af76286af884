/* dispatch: the method table and the life of one request.
 *
 * Every method declares the permission it needs; the check runs here before
 * the handler, never inside it. A handler answers exactly once, now or later
 * (after a database round trip), with req_reply or req_fail; the request's
 * arena (which also holds the decoded message) is freed then. */
#ifndef SIMPEGD_DISPATCH_H
#define SIMPEGD_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "authz.h"
#include "conn.h"
#include "simpeg.pb-c.h"
#include "sp_arena.h"
#include "sp_msgcheck.h"

typedef struct srv_method {
  int call_case; /* Simpeg__V1__Request__CallCase */
  const char *name;
  srv_perm_t perm;
  void (*handler)(srv_req_t *req);
} srv_method_t;

struct srv_req {
  conn_t *conn;
  srv_t *srv;
  uint64_t id;
  const srv_method_t *method;
  Simpeg__V1__Request *msg; /* in arena */
  sp_arena_t arena;
  uint64_t start_us;
  srv_req_t *next, *prev; /* in conn->reqs */
};

/* The pure part of dispatch (no connection): unpacks `payload` into the
 * arena and checks it. Returns SRV_DECODE_OK with *out set, SRV_DECODE_MALFORMED
 * (not a Request, or over the arena budget), or SRV_DECODE_INVALID with *out
 * set and the violation filled in (id missing, bad UTF-8, too long...).
 * This is what the fuzzer drives. */
enum { SRV_DECODE_OK = 0, SRV_DECODE_MALFORMED = 1, SRV_DECODE_INVALID = 2 };
int srv_decode_request(sp_arena_t *arena, const uint8_t *payload, size_t len, const sp_msg_limits_t *lim,
                       Simpeg__V1__Request **out, sp_msg_violation_t *v);
/* Bytes an unpacked request of `frame_len` bytes may take in its arena. */
size_t srv_arena_budget(size_t frame_len);
/* The method for a call, or NULL when this server does not have it. */
const srv_method_t *srv_method_find(int call_case);

/* Decodes, checks and dispatches one frame's payload. */
void srv_dispatch(conn_t *c, const uint8_t *payload, size_t len);

/* Answers. `resp` may live in the arena; its id is filled in here. */
void req_reply(srv_req_t *req, Simpeg__V1__Response *resp);
void req_fail(srv_req_t *req, Simpeg__V1__ErrorCode code, const char *reason, const char *message);
/* Fails with INVALID_ARGUMENT and one field violation. */
void req_fail_field(srv_req_t *req, const char *field, const char *reason);

/* Sends an error that belongs to no request (id 0), e.g. a malformed frame. */
void srv_send_protocol_error(conn_t *c, const char *reason, const char *message);

/* Handlers (one file per domain area). */
void svc_hello(srv_req_t *req);
void svc_ping(srv_req_t *req);
void svc_status(srv_req_t *req);
/* auth (svc_auth.c) */
void svc_login(srv_req_t *req);
void svc_authenticate(srv_req_t *req);
void svc_logout(srv_req_t *req);
void svc_whoami(srv_req_t *req);
void svc_change_password(srv_req_t *req);
/* users, offices, audit (svc_user.c, svc_office.c, svc_audit.c) */
void svc_user_add(srv_req_t *req);
void svc_user_list(srv_req_t *req);
void svc_user_show(srv_req_t *req);
void svc_user_set_disabled(srv_req_t *req);
void svc_user_set_role(srv_req_t *req);
void svc_user_reset_password(srv_req_t *req);
void svc_office_add(srv_req_t *req);
void svc_office_list(srv_req_t *req);
void svc_office_show(srv_req_t *req);
void svc_office_move(srv_req_t *req);
void svc_audit_list(srv_req_t *req);
void svc_audit_verify(srv_req_t *req);
/* registry (svc_employee.c) */
void svc_employee_add(srv_req_t *req);
void svc_employee_show(srv_req_t *req);
void svc_employee_edit(srv_req_t *req);
void svc_employee_list(srv_req_t *req);
void svc_employee_search(srv_req_t *req);
void svc_employee_history_add(srv_req_t *req);
void svc_employee_history_list(srv_req_t *req);
void svc_my_profile(srv_req_t *req);
/* registry views (svc_views.c) */
void svc_duk_list(srv_req_t *req);
void svc_headcount(srv_req_t *req);
void svc_early_warnings(srv_req_t *req);

/* import/export (svc_import.c) */
void svc_import_begin(srv_req_t *req);
void svc_import_chunk(srv_req_t *req);
void svc_export(srv_req_t *req);
/* personnel services (svc_request.c) */
void svc_request_show(srv_req_t *req);
void svc_request_list(srv_req_t *req);
void svc_request_timeline(srv_req_t *req);
void svc_request_act(srv_req_t *req);
void svc_inbox(srv_req_t *req);
void svc_chain_set(srv_req_t *req);
void svc_chain_show(srv_req_t *req);
void svc_correction_submit(srv_req_t *req);
/* personnel services (svc_docs.c) */
void svc_service_times(srv_req_t *req);
void svc_subscribe(srv_req_t *req);
/* personnel services (svc_leave.c) */
void svc_leave_submit(srv_req_t *req);
void svc_leave_balance(srv_req_t *req);
void svc_leave_types(srv_req_t *req);
void svc_holiday_import(srv_req_t *req);
void svc_holiday_list(srv_req_t *req);
void svc_work_calendar_set(srv_req_t *req);
/* personnel services (svc_promotion.c) */
void svc_promotion_period_add(srv_req_t *req);
void svc_promotion_period_list(srv_req_t *req);
void svc_promotion_eligibility(srv_req_t *req);
void svc_promotion_submit(srv_req_t *req);
void svc_kgb_due(srv_req_t *req);
void svc_kgb_submit(srv_req_t *req);
void svc_retirement_projection(srv_req_t *req);
/* personnel services (svc_docs.c) */
void svc_document_upload_begin(srv_req_t *req);
void svc_document_upload_chunk(srv_req_t *req);
void svc_document_upload_finish(srv_req_t *req);
void svc_document_download(srv_req_t *req);
/* Ends the connection's import, if any, dropping its staged rows (conn_unref). */
void svc_import_release(conn_t *c);

#endif
