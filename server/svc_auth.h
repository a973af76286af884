/* svc_auth: signing in, and the sessions connections cache.
 *
 * Owns the Login, Authenticate, Logout, WhoAmI and ChangePassword handlers
 * (declared in dispatch.h), the re-check that keeps a connection's cached
 * session honest against the database, the branch-office lookup for
 * connections that present a client certificate, and the rules for
 * usernames and new passwords. docs/internals/auth.md explains the design:
 * throttling, the dummy verification for unknown accounts, how revocation
 * reaches other connections and other daemons. */
#ifndef SIMPEGD_SVC_AUTH_H
#define SIMPEGD_SVC_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "dispatch.h"
#include "server.h"
#include "svc_admin.h"

/* Columns of the session statements (AUTH_SESSION_COLS in db_stmts.c):
 * a user row in svc_admin.h's SVC_USER_* order, then these. */
enum {
  AUTH_COL_OFFICE_ID = SVC_USER__COLS,
  AUTH_COL_SESSION_ID,
  AUTH_COL_EXPIRES_US,
  AUTH_COL_IDLE_S,
};

/* Drops, at once, the cached session of every connection of this daemon
 * signed in as `user_id`. Call it after a batch that revoked the user's
 * sessions in the database has committed (disable, role or office change,
 * password reset). Connections of other daemons notice at their next
 * re-check, at most auth.session_recheck_s later. */
void auth_revoke_user_sessions_local(srv_t *s, int64_t user_id);
/* The same for one session (Logout: the token may be bound to several
 * connections through Authenticate). */
void auth_revoke_session_local(srv_t *s, int64_t session_id);

/* true when c's session must be confirmed against the database before the
 * next request that needs it runs (last confirmation older than
 * auth.session_recheck_s, none in flight). */
bool auth_session_stale(const conn_t *c);
/* Confirms c's session with one statement (not revoked, not expired or idle,
 * account enabled; role and office refreshed, and still inside the
 * connection's branch), then calls cont(req). When the session is gone it
 * is dropped and the request answered UNAUTHENTICATED "session_invalid"
 * (or PERMISSION_DENIED "outside_branch"); when the database cannot say,
 * the request fails and the session stays. */
void auth_session_recheck(srv_req_t *req, void (*cont)(srv_req_t *req));

/* Hello on a connection with a verified client certificate: the
 * certificate's CN names the branch's office. Sets c->branch_path and calls
 * done(req); or answers PERMISSION_DENIED "unknown_branch" (no such office,
 * or no longer valid) and closes the connection. */
void auth_branch_lookup(srv_req_t *req, void (*done)(srv_req_t *req));

/* Rules shared with account administration and simpegd bootstrap-admin. */
#define AUTH_PASSWORD_MIN 10 /* characters (UTF-8 code points) */
/* The users.username rule: 2..63 of [a-z0-9._-], starting with a letter or digit. */
bool auth_username_valid(const char *username);
/* NULL when `password` is acceptable as a new password for `username`,
 * else the field-violation reason: "required", "too_short", "too_long",
 * "same_as_username". */
const char *auth_new_password_problem(const char *password, const char *username);

/* The client's IP address without the port ("" when unknown). */
void auth_client_ip(const conn_t *c, char out[64]);

#endif
