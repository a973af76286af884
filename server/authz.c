/* authz: the role -> permission table and the subtree scope test. */
#include "authz.h"

#include <string.h>

#define R(x) (1u << SIMPEG__V1__ROLE__ROLE_##x)
#define EVERYONE (R(EMPLOYEE) | R(SUPERVISOR) | R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN) | R(AUDITOR))

/* Which roles hold each permission. Scope (the office subtree) narrows every
 * one of them further; a role never reaches outside its subtree. */
static const struct {
  const char *name;
  unsigned roles;
} perms[PERM__COUNT] = {
    [PERM_PUBLIC] = {"public", 0},
    [PERM_SIGNED_IN] = {"signed_in", EVERYONE},
    [PERM_USER_READ] = {"user_read", R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN) | R(AUDITOR)},
    [PERM_USER_MANAGE] = {"user_manage", R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN)},
    [PERM_OFFICE_READ] = {"office_read", EVERYONE},
    [PERM_OFFICE_MANAGE] = {"office_manage", R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN)},
    [PERM_AUDIT_READ] = {"audit_read", R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN) | R(AUDITOR)},
    [PERM_AUDIT_VERIFY] = {"audit_verify", R(SYSTEM_ADMIN) | R(AUDITOR)},
    /* registry (svc_employee.c) */
    [PERM_EMPLOYEE_READ] = {"employee_read", R(SUPERVISOR) | R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN) | R(AUDITOR)},
    [PERM_EMPLOYEE_MANAGE] = {"employee_manage", R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN)},
    [PERM_REQUEST_FILE] = {"request_file", R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN)},
    [PERM_CHAIN_MANAGE] = {"chain_manage", R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN)},
    [PERM_HOLIDAY_MANAGE] = {"holiday_manage", R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN)},
    [PERM_SERVICE_REPORT] = {"service_report", R(HR_OFFICER) | R(REGIONAL_ADMIN) | R(SYSTEM_ADMIN) | R(AUDITOR)},
};

bool authz_role_has(Simpeg__V1__Role role, srv_perm_t perm) {
  if (perm == PERM_PUBLIC) return true;
  if (perm >= PERM__COUNT || role <= SIMPEG__V1__ROLE__ROLE_UNSPECIFIED || role > SIMPEG__V1__ROLE__ROLE_AUDITOR)
    return false;
  return (perms[perm].roles & (1u << role)) != 0;
}

const char *authz_perm_name(srv_perm_t perm) { return perm < PERM__COUNT ? perms[perm].name : "?"; }

const char *authz_role_name(Simpeg__V1__Role role) {
  switch (role) {
    case SIMPEG__V1__ROLE__ROLE_EMPLOYEE: return "employee";
    case SIMPEG__V1__ROLE__ROLE_SUPERVISOR: return "supervisor";
    case SIMPEG__V1__ROLE__ROLE_HR_OFFICER: return "hr_officer";
    case SIMPEG__V1__ROLE__ROLE_REGIONAL_ADMIN: return "regional_admin";
    case SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN: return "system_admin";
    case SIMPEG__V1__ROLE__ROLE_AUDITOR: return "auditor";
    default: return "";
  }
}

bool authz_sees_nik(Simpeg__V1__Role role) {
  return role == SIMPEG__V1__ROLE__ROLE_HR_OFFICER || role == SIMPEG__V1__ROLE__ROLE_REGIONAL_ADMIN ||
         role == SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN;
}

bool authz_may_grant(Simpeg__V1__Role granter, Simpeg__V1__Role role) {
  if (role <= SIMPEG__V1__ROLE__ROLE_UNSPECIFIED || role > SIMPEG__V1__ROLE__ROLE_AUDITOR) return false;
  if (granter == SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN) return true;
  if (granter == SIMPEG__V1__ROLE__ROLE_REGIONAL_ADMIN) return role != SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN;
  return false;
}

bool authz_path_within(const char *path, const char *root) {
  size_t n = strlen(root);
  /* Paths end in '/', so "/ID/12/" never matches "/ID/120/". */
  return n > 0 && root[n - 1] == '/' && strncmp(path, root, n) == 0;
}

bool authz_in_scope(const srv_session_t *s, const char *branch_path, const char *path) {
  if (!s || !authz_path_within(path, s->office_path)) return false;
  return !branch_path || !*branch_path || authz_path_within(path, branch_path);
}
