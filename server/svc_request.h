/* svc_request: what the personnel services share (issue #5;
 * docs/internals/services.md). svc_request.c owns the lifecycle methods;
 * svc_leave.c, svc_promotion.c and svc_request.c (corrections) each create
 * their kind of request with a database function and then answer with the
 * whole request through svc_request_reply.
 *
 * Reading a request is one batch: the request row, its steps, documents,
 * what is missing, and one details statement per service (each returns no
 * row for requests of other services). A service joins in by defining its
 * svc_details_reader_t and listing it in svc_request.c's reader table. */
#ifndef SIMPEGD_SVC_REQUEST_H
#define SIMPEGD_SVC_REQUEST_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "dispatch.h"
#include "svc_admin.h"

typedef struct svc_details_reader {
  const char *service; /* "CUTI", "KP", "KGB", "KOREKSI" */
  /* Statement taking $1 = request id (text) and returning 0 or 1 row of the
   * service's details; -1: the service has no details statement. */
  int stmt;
  /* Fills r's details oneof from row 0 of res (only called with a row).
   * false: out of memory. */
  bool (*fill)(srv_req_t *req, Simpeg__V1__ServiceRequest *r, const PGresult *res);
} svc_details_reader_t;

extern const svc_details_reader_t svc_leave_details;     /* svc_leave.c */
extern const svc_details_reader_t svc_promotion_details; /* svc_promotion.c */
extern const svc_details_reader_t svc_kgb_details;       /* svc_promotion.c */

/* Reads request `request_id` as the actor sees it and answers the request
 * with a ServiceRequestReply in the result oneof case `result_case`
 * (e.g. SIMPEG__V1__RESPONSE__RESULT_LEAVE_SUBMIT), `replayed` copied into
 * it. Takes ownership of `a` (an arena object; nothing to free). */
void svc_request_reply(srv_req_t *req, svc_actor_t *a, int64_t request_id, bool replayed, int result_case);

/* Files a request: runs the service's create statement `stmt` (whose
 * function returns request_id, created) after setting the client address
 * the audit rows record, then answers like svc_request_reply (replayed when
 * an earlier call with the same idempotency key made it). Two first tries
 * with one key at the same moment: the loser's insert meets the winner's
 * row, so it runs once more, finds the request and answers replayed.
 * `values` (nparams of them, at most 16) are copied; the strings must live
 * as long as the request (arena or message). */
void svc_request_create(srv_req_t *req, svc_actor_t *a, int stmt, int nparams, const char *const *values,
                        int result_case);

/* The statement parameters every request function takes after its own
 * first ones: user id, role (as text), scope path, branch path. */
void svc_request_actor_params(srv_req_t *req, const svc_actor_t *a, const char **values);

#endif
