/* svc_admin: what the administration services (svc_user.c, svc_office.c,
 * svc_audit.c) share: the caller as the audit log records it, reply memory,
 * reading result columns, and turning a failed database batch into an
 * answer that never shows SQL.
 *
 * Conventions of the statements these services run (db_stmts.c):
 *   - every statement that writes takes the actor as $1..$4 (user id,
 *     username, office code, client address) and inserts its audit row in
 *     the same statement (a data-modifying CTE), so a change and its audit
 *     row commit together or not at all;
 *   - rows come back in the column orders below (SVC_OFFICE_*, SVC_USER_*),
 *     which the OFFICE_COLS and USER_COLS lists in db_stmts.c produce. */
#ifndef SIMPEGD_SVC_ADMIN_H
#define SIMPEGD_SVC_ADMIN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "authz.h"
#include "db.h"
#include "dispatch.h"
#include "emp_rules.h"

/* The caller, copied out of the connection when the request starts: the
 * session may be dropped (Logout, expiry) while the request waits for the
 * database, so handlers never keep a pointer to it. */
typedef struct svc_actor {
  srv_session_t session;
  char branch_path[SRV_OFFICE_PATH_MAX]; /* "" when the connection has no branch limit */
  char client_addr[64];
  char user_id[24]; /* session.user_id as text, for statement parameters */
} svc_actor_t;

/* NULL (and the request answered) when there is no session or no memory. */
svc_actor_t *svc_actor_new(srv_req_t *req);
/* The office at `path` is inside the caller's scope (authz_in_scope). */
bool svc_actor_in_scope(const svc_actor_t *a, const char *path);
/* The caller's scope is the whole tree: an office at the root and no
 * branch limit. */
bool svc_actor_sees_all(const svc_actor_t *a);
/* Fills values[0..3] with the actor parameters every writing statement takes. */
void svc_actor_params(const svc_actor_t *a, const char **values);

/* Raises the request arena's budget (sized for decoding the request) to
 * what a reply of up to one frame may need. */
void svc_reply_budget(srv_req_t *req);
/* Answers RESOURCE_EXHAUSTED when an arena allocation failed. */
void svc_fail_nomem(srv_req_t *req);

/* Answers a batch that did not succeed: pool states and SQLSTATEs map to
 * error codes (23505 ALREADY_EXISTS, 23514 INVALID_ARGUMENT, 23503
 * FAILED_PRECONDITION, 40001/40P01 ABORTED, else INTERNAL); the server's
 * text goes to the log only. */
void svc_fail_db(srv_req_t *req, const db_result_t *r);
/* Fails with any code, a reason and one field violation (e.g. NOT_FOUND
 * "office_not_found" on field "parent_code" reason "not_found"). */
void svc_fail_field(srv_req_t *req, Simpeg__V1__ErrorCode code, const char *reason, const char *message,
                    const char *field, const char *field_reason);
/* Answers INVALID_ARGUMENT "invalid_field" with every violation collected
 * in vs (checks that report all problems at once); true when there was
 * one, false (nothing sent) when vs is empty. */
bool svc_fail_violations(srv_req_t *req, const emp_viol_t *vs);
/* ABORTED "version_conflict": the row changed since the caller read it. */
void svc_fail_version(srv_req_t *req, const char *what, int64_t current);

/* For a read of personal data: sends resp once the read's audit row
 * (actor, method, entity, entity_id, after: JSON object or NULL) is
 * committed, batched with other reads' rows (audit_reads.h); when the row
 * cannot be written the request fails instead: no audit row, no data.
 * resp is copied; what it points to must live in req's arena. */
void svc_reply_audited(srv_req_t *req, const svc_actor_t *a, const char *entity, const char *entity_id,
                       const char *after, const Simpeg__V1__Response *resp);

/* db_submit, except that a batch the pool refuses at once (closing, bad
 * arguments) is still answered through cb, with DB_UNAVAILABLE. */
void svc_submit(srv_req_t *req, const db_query_t *q, int n, unsigned flags, db_cb cb, void *ud);

/* Characters (not bytes) of a string already checked as UTF-8. */
size_t svc_utf8_len(const char *s);
/* Today's date in the daemon's time zone, "YYYY-MM-DD" (arena). */
const char *svc_today(srv_req_t *req);

/* Text of an integer in the arena (statement parameters). */
const char *svc_i64(srv_req_t *req, int64_t v);

/* Column readers: an arena copy of the text, or numbers (0 when NULL). */
char *svc_col_str(srv_req_t *req, const PGresult *r, int row, int col);
int64_t svc_col_i64(const PGresult *r, int row, int col);
bool svc_col_bool(const PGresult *r, int row, int col);

/* Column orders. */
enum {
  SVC_OFFICE_ID,
  SVC_OFFICE_CODE,
  SVC_OFFICE_NAME,
  SVC_OFFICE_KIND,
  SVC_OFFICE_PARENT_CODE,
  SVC_OFFICE_VALID_FROM,
  SVC_OFFICE_VALID_TO,
  SVC_OFFICE_VERSION,
  SVC_OFFICE_PATH,
  SVC_OFFICE__COLS
};
enum {
  SVC_USER_ID,
  SVC_USER_USERNAME,
  SVC_USER_FULL_NAME,
  SVC_USER_ROLE,
  SVC_USER_OFFICE_CODE,
  SVC_USER_NIP,
  SVC_USER_DISABLED,
  SVC_USER_CREATED_US,
  SVC_USER_LAST_LOGIN_US,
  SVC_USER_VERSION,
  SVC_USER_OFFICE_PATH,
  SVC_USER__COLS
};

/* Builds the protobuf message of one row (in the arena). NULL on no memory. */
Simpeg__V1__Office *svc_office_from_row(srv_req_t *req, const PGresult *r, int row);
Simpeg__V1__User *svc_user_from_row(srv_req_t *req, const PGresult *r, int row);

/* registry views (svc_views.c): an employee row (EMP_COLS in db_stmts.c,
 * svc_employee.c's EMP_* order) as a message; a statement's own columns
 * follow it from SVC_EMP__COLS on. */
#define SVC_EMP__COLS 31
Simpeg__V1__Employee *svc_employee_from_row(srv_req_t *req, const PGresult *r, int row);

#endif
