/* authz: who may call what, and on which part of the office tree.
 *
 * Two questions, answered before any handler runs (dispatch.c) and again by
 * handlers for the office an operation touches:
 *   1. permission: does the caller's role grant the method's permission?
 *      (the role -> permission table in authz.c is the single source; the
 *      integration test walks every method x role against it)
 *   2. scope: is the office inside the caller's subtree (and, for a branch
 *      machine identified by its client certificate, inside the branch's)?
 *
 * Office paths are the codes from the root down, each followed by '/':
 * "/ID/12/12.75/" is Kota Binjai. A subtree test is a prefix test. */
#ifndef SIMPEGD_AUTHZ_H
#define SIMPEGD_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "simpeg.pb-c.h"

typedef enum srv_perm {
  PERM_PUBLIC,        /* anyone after Hello, also anonymous */
  PERM_SIGNED_IN,     /* any signed-in user (own session, own data) */
  PERM_USER_READ,     /* list and show accounts in scope */
  PERM_USER_MANAGE,   /* add, disable, enable, change role, reset password */
  PERM_OFFICE_READ,   /* list and show offices in scope */
  PERM_OFFICE_MANAGE, /* add and move offices in scope */
  PERM_AUDIT_READ,    /* list the audit log in scope */
  PERM_AUDIT_VERIFY,  /* verify the whole chain */
  /* registry (svc_employee.c) */
  PERM_EMPLOYEE_READ,   /* show, list, search employees and their histories in scope */
  PERM_EMPLOYEE_MANAGE, /* add and edit employees and add history rows in scope */
  /* personnel services (issue #5). Request methods open to every signed-in
   * user check the person and step in the database (request_visible,
   * request_act): applicant, step holder, HR in scope. */
  PERM_REQUEST_FILE,    /* file a KP/KGB request for another employee in scope */
  PERM_CHAIN_MANAGE,    /* configure approval chains and work calendars */
  PERM_HOLIDAY_MANAGE,  /* import the holiday and cuti bersama calendar */
  PERM_SERVICE_REPORT,  /* service times, eligibility and due lists in scope */
  PERM__COUNT
} srv_perm_t;

#define SRV_OFFICE_PATH_MAX 512

/* A signed-in user as a connection caches it. */
typedef struct srv_session {
  int64_t session_id;
  int64_t user_id;
  char username[64];
  Simpeg__V1__Role role;
  int64_t office_id;
  char office_code[64];
  char office_path[SRV_OFFICE_PATH_MAX];
  uint64_t expires_at_us;  /* absolute */
  uint64_t idle_timeout_us;
  uint64_t last_seen_us;   /* last request on this connection */
  uint64_t checked_at_us;  /* last time the database confirmed it */
  uint64_t touched_at_us;  /* last time this connection moved sessions.last_seen_at */
  bool rechecking;         /* a confirmation is in flight (svc_auth.c) */
  uint8_t token_hash[32];
} srv_session_t;

bool authz_role_has(Simpeg__V1__Role role, srv_perm_t perm);
const char *authz_perm_name(srv_perm_t perm);
const char *authz_role_name(Simpeg__V1__Role role);
/* Roles a granter may hand out: system admins any, regional admins any
 * but system_admin, nobody else none. */
/* The role may see a full NIK (everyone else gets nik_masked only). */
bool authz_sees_nik(Simpeg__V1__Role role);

bool authz_may_grant(Simpeg__V1__Role granter, Simpeg__V1__Role role);

/* true when `path` lies in the subtree rooted at `root` (prefix test). */
bool authz_path_within(const char *path, const char *root);
/* The caller may act on an office with `path`: inside the session's subtree
 * and, when the connection is limited to a branch, inside the branch's. */
bool authz_in_scope(const srv_session_t *s, const char *branch_path, const char *path);

#endif
