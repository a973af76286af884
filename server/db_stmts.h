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
  DB_STMT_AUDIT_VERIFY,      /* -> rows_checked, first_broken, problem, unchained */
  DB_STMT_AUDIT_CHAIN,       /* links finished transactions' rows -> how many (-1: another chainer) */
  DB_STMT_NOTIFY_FLUSH,      /* queued request events -> NOTIFY, how many (ticker.c) */
  DB_STMT_AUDIT_READS,       /* one batch of reads' audit rows from arrays (audit_reads.c) */
  DB_STMT_NAMES_LOAD,        /* every employee name + snapshot + probe (name_sync.c) */
  DB_STMT_NAMES_DELTA,       /* names a snapshot did not see + the new snapshot (name_sync.c) */
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
  DB_STMT_EMP_SEARCH_NIK,   /* by the hash of a NIK, audited */
  DB_STMT_EMP_SEARCH_KNOWN, /* by name similarity, names found by the daemon (name_index.h), audited */
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
  /* BEGIN requests (svc_request.c). Request rows come back in svc_request.c's
   * RQ_* order (REQ_COLS in db_stmts.c); the rules are SQL functions of
   * migrations/0006_requests.sql. */
  DB_STMT_REQ_CLIENT_ADDR,   /* client address for the audit rows of the rest of the batch */
  DB_STMT_REQ_FIND,          /* number, actor (4) -> id when the actor may see it */
  DB_STMT_REQ_GET,           /* id, actor (4) -> request row when visible */
  DB_STMT_REQ_STEPS,         /* id -> step rows */
  DB_STMT_REQ_DOCS,          /* id -> document metadata */
  DB_STMT_REQ_MISSING,       /* id -> one row per missing document kind (draft, returned) */
  DB_STMT_REQ_EVENTS,        /* id -> the timeline */
  DB_STMT_REQ_ACT,           /* request_act(...) -> id */
  DB_STMT_REQ_LIST,          /* one page of requests, newest first */
  DB_STMT_REQ_INBOX,         /* one page of what waits for the actor, oldest first */
  DB_STMT_CHAIN_SET,         /* chain_set(...) -> office id */
  DB_STMT_CHAIN_SHOW,        /* office code, service -> the chain in force */
  DB_STMT_CORRECTION_NIP,    /* actor (4), nip -> the applicant's NIP (request_applicant) */
  DB_STMT_CORRECTION_CREATE, /* correction_request_create(...) -> id, created */
  DB_STMT_CORRECTION_DETAILS, /* id -> one row per change (field, old, new, reason) */
  DB_STMT_REQ_SUPERVISOR,    /* nip in scope -> employee id (EmployeeEdit --supervisor) */
  /* END requests */
  /* BEGIN leave (svc_leave.c). The rules are SQL functions of
   * migrations/0007_leave.sql; actor parameters as svc_request_actor_params. */
  DB_STMT_LEAVE_CREATE,        /* leave_request_create(actor (4), fields...) -> id, created */
  DB_STMT_LEAVE_DETAILS,       /* request id -> the leave details row (svc_leave_details) */
  DB_STMT_LEAVE_BALANCE,       /* actor (4), nip, year -> leave_balance columns */
  DB_STMT_LEAVE_LEDGER,        /* actor (4), nip, year -> ledger rows of the year */
  DB_STMT_LEAVE_TYPES,         /* -> one row per leave type with its evidence kinds */
  DB_STMT_HOLIDAY_IMPORT,      /* holiday_import(actor, scope, branch, arrays, replace year) -> written */
  DB_STMT_HOLIDAY_LIST,        /* year, office code ('' none), scope, branch -> holiday rows */
  DB_STMT_WORK_CALENDAR_SET,   /* work_calendar_set(actor, scope, branch, office, days) -> days */
  /* END leave */
  /* BEGIN promotion (svc_promotion.c) */
  DB_STMT_PROMO_PERIOD_ADD,  /* actor, period, from, to -> period row; audited */
  DB_STMT_PROMO_PERIOD_LIST, /* year (0: this year on) -> period rows */
  DB_STMT_PROMO_ELIGIBLE,    /* one page of candidates of a subtree, audited */
  DB_STMT_PROMO_COUNTS,      /* eligible, checked in a subtree */
  DB_STMT_PROMO_PERIOD_PICK, /* period asked ('' the next) -> the period; refuses unknown */
  DB_STMT_PROMO_CREATE,      /* promotion_request_create -> request id, created */
  DB_STMT_PROMO_DETAILS,     /* request id -> PromotionDetails columns */
  DB_STMT_KGB_DUE,           /* one page of raises due in a subtree, audited */
  DB_STMT_KGB_CREATE,        /* kgb_request_create -> request id, created */
  DB_STMT_KGB_DETAILS,       /* request id -> KgbDetails columns */
  DB_STMT_RETIREMENT,        /* year, count per year ahead */
  /* END promotion */
  /* BEGIN docs (svc_docs.c) */
  DB_STMT_DOC_UPLOAD_CHECK, /* number, user id, role, scope, branch -> request id, or SP4xx */
  DB_STMT_DOC_STORE,        /* actor $1..$4, the document -> its info row (DOC_* order), audited */
  DB_STMT_DOC_READ,         /* actor $1..$4, id, role, scope, branch, offset, length -> info + bytes, audited */
  DB_STMT_SERVICE_TIMES,    /* office code, scope, branch, service, from, to -> one row per service and office */
  /* END docs */
  DB_STMT__COUNT
};

extern const db_stmt_def_t db_stmts[DB_STMT__COUNT];

#endif
