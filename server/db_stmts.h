/* db_stmts: the table of every SQL statement the daemon runs.
 *
 * Each pooled connection prepares all of these (by name) right after it
 * connects and again after every reconnect, so a request names a statement
 * by its id and sends only parameters. Adding a statement = one enum value
 * here + one row in db_stmts.c, in the same position. Statements are single
 * SQL commands with $n parameters: no string-built SQL, ever (DESIGN §4). */
#ifndef SP_DB_STMTS_H
#define SP_DB_STMTS_H

typedef struct db_stmt_def {
  const char *name; /* prepared-statement name: unique, [a-z0-9_] */
  const char *sql;  /* one command, parameters $1..$nparams */
  int nparams;      /* parameter count every call must pass */
} db_stmt_def_t;

enum db_stmt_id {
  /* -> server_version text, schema version int (0 before any migration) */
  DB_STMT_STATUS,
  /* users, offices, audit (svc_user.c, svc_office.c, svc_audit.c)
   * Writing statements take the actor as $1..$4 and write their audit row
   * themselves; rows come back in svc_admin.h's column orders. */
  DB_STMT_OFFICE_GET,        /* code -> office row */
  DB_STMT_OFFICE_TREE_LOCK,  /* serializes changes to the office tree (transaction lock) */
  DB_STMT_OFFICE_ADD,        /* -> office row; none when the parent moved meanwhile */
  DB_STMT_OFFICE_LIST,       /* subtree rows, depth-first */
  DB_STMT_OFFICE_MOVE,       /* -> office row; none on a stale version */
  DB_STMT_USER_GET,          /* username -> user row */
  DB_STMT_USER_SHOW,         /* user row in scope, audited */
  DB_STMT_USER_LIST,         /* user rows in scope, one page, audited */
  DB_STMT_USER_ADD,          /* -> user row */
  DB_STMT_USER_SET_DISABLED, /* -> user row; none on a stale version */
  DB_STMT_USER_SET_ROLE,     /* -> user row; none on a stale version */
  DB_STMT_USER_SET_PASSWORD, /* -> version; none on a stale version */
  DB_STMT_AUDIT_LIST,        /* audit rows, newest first */
  DB_STMT_AUDIT_TIMEOUT,     /* statement_timeout for the rest of the batch */
  DB_STMT_AUDIT_VERIFY,      /* -> rows_checked, first_broken, problem */
  /* auth (svc_auth.c): sessions, logins, throttling. Statements with a
   * signed-in actor take it as $1..$4 like the admin ones. */
  DB_STMT_AUTH_THROTTLE_CHECK,  /* user key, address key -> blocked bool */
  DB_STMT_AUTH_THROTTLE_FAIL,   /* key, free failures, base ms: counts one failure */
  DB_STMT_AUTH_USER_BY_NAME,    /* username -> user row + office_id, password_hash */
  DB_STMT_AUTH_AUDIT,           /* one audit row for an event that changes nothing else */
  DB_STMT_AUTH_LOGIN,           /* -> session id, expires; none when the account changed */
  DB_STMT_AUTH_SESSION_BY_TOKEN, /* token hash -> user row + session; marks it used */
  DB_STMT_AUTH_SESSION_CHECK,   /* session id -> user row + session while it is valid */
  DB_STMT_AUTH_SESSION_TOUCH,   /* the same, marking it used */
  DB_STMT_AUTH_LOGOUT,          /* actor, session id -> sessions revoked (0/1) */
  DB_STMT_AUTH_WHOAMI,          /* user id -> user row + office name */
  DB_STMT_AUTH_CHANGE_PASSWORD, /* -> new session id, expires, sessions revoked; none on a race */
  DB_STMT_AUTH_BRANCH_OFFICE,   /* office code -> path of the office while it is valid */
  DB_STMT_AUTH_BOOTSTRAP_ADMIN, /* -> user id; none when a system admin exists (simpegd bootstrap-admin) */
  /* registry (svc_employee.c). Employee rows come back in svc_employee.c's
   * EMP_* column order (EMP_COLS in db_stmts.c); history rows in its HIST_*
   * order (one shape for every kind). Writing statements take the actor as
   * $1..$4 and write their audit row themselves, never with the NIK. */
  DB_STMT_EMP_ADD,          /* -> employee row; none when the office moved meanwhile */
  DB_STMT_EMP_GET,          /* nip, scope, branch, show nik -> employee row (not audited) */
  DB_STMT_EMP_SHOW,         /* employee row in scope (own record when nip is NULL), audited */
  DB_STMT_EMP_SUMMARY,      /* actor id, nip (NULL: own) -> ServiceSummary columns */
  DB_STMT_EMP_HISTORY,      /* actor id, nip (NULL: own), kind ('' all), show nik -> history rows */
  DB_STMT_EMP_EDIT,         /* -> employee row; none when not in scope or stale */
  DB_STMT_EMP_LIST,         /* one page by NIP, audited */
  DB_STMT_EMP_SEARCH,       /* by name similarity, audited */
  DB_STMT_EMP_SEARCH_NIP,   /* by NIP prefix, audited */
  DB_STMT_EMP_ADD_RANK,     /* history inserts: -> history row; none when the */
  DB_STMT_EMP_ADD_POSITION, /* employee is out of scope or the entry does not */
  DB_STMT_EMP_ADD_EDUCATION, /* fit it (rank of the other employment type) */
  DB_STMT_EMP_ADD_TRAINING,
  DB_STMT_EMP_ADD_PERFORMANCE,
  DB_STMT_EMP_ADD_SALARY,
  DB_STMT_EMP_ADD_FAMILY,
  /* registry views (svc_views.c): employee rows (EMP_COLS) followed by the
   * view's own columns (svc_views.c DUK_*, EW_*); headcount rows HC_*. */
  DB_STMT_VIEW_DUK,       /* one page of the DUK with positions, audited */
  DB_STMT_VIEW_HEADCOUNT, /* key, label, count, total per group */
  DB_STMT_VIEW_WARNINGS,  /* one page of KGB/promotion/retirement warnings, audited */
  /* import/export (svc_import.c) */
  DB_STMT_IMPORT_STAGE,   /* one chunk's good rows from arrays -> line, column, reason of rows refused */
  DB_STMT_IMPORT_ON,      /* skips the history triggers' refresh for the rest of the batch */
  DB_STMT_IMPORT_COMMIT,  /* staged rows -> employees + first histories + one audit row -> rows */
  DB_STMT_IMPORT_DISCARD, /* drops an import's staged rows (and any older than a day) */
  DB_STMT_EXPORT,         /* one page of a subtree in docs/IMPORT.md columns, audited */
  /* BEGIN requests (svc_request.c) */
  /* END requests */
  /* BEGIN leave (svc_leave.c) */
  /* END leave */
  /* BEGIN promotion (svc_promotion.c) */
  /* END promotion */
  /* BEGIN docs (svc_docs.c) */
  /* END docs */
  DB_STMT__COUNT
};

extern const db_stmt_def_t db_stmts[DB_STMT__COUNT];

#endif
