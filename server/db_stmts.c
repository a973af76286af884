/* db_stmts: the statement table declared in db_stmts.h. Rows use designated
 * initializers so each is tied to its enum id; a forgotten row is a NULL
 * name that db_pool_new() refuses, and a doubled one is an -Woverride-init
 * error. */
#include "db_stmts.h"

/* users, offices, audit (svc_user.c, svc_office.c, svc_audit.c): shared
 * pieces of their statements. The column lists produce svc_admin.h's
 * SVC_OFFICE_* and SVC_USER_* orders: keep them in step. */
#define OFFICE_COLS                                                                                     \
  "o.id, o.code, o.name, o.kind, coalesce(p.code, ''), to_char(o.valid_from, 'YYYY-MM-DD'),"          \
  " coalesce(to_char(o.valid_to, 'YYYY-MM-DD'), ''), o.version, o.path"
#define USER_COLS                                                                                       \
  "u.id AS id, u.username AS username, u.full_name AS full_name, u.role AS role, o.code AS office_code," \
  " coalesce(u.nip, '') AS nip, u.disabled AS disabled,"                                                \
  " (extract(epoch FROM u.created_at) * 1000000)::bigint AS created_us,"                               \
  " coalesce((extract(epoch FROM l.last_login_at) * 1000000)::bigint, 0) AS last_login_us,"           \
  " u.version AS version, o.path AS office_path"
#define USER_FROM "users u JOIN offices o ON o.id = u.office_id LEFT JOIN user_logins l ON l.user_id = u.id"
/* The audit trigger fills seq, at and xid; the chainer (ticker.c) links the
 * row into audit_chain later (migration 0018). */
#define AUDIT_COLS "actor_user_id, actor, actor_office, client_addr, method, entity, entity_id"
#define AUDIT_ACTOR "$1::bigint, $2::text, $3::text, $4::text"
/* Ends the sessions of the account a CTE named u changed. */
#define REVOKE_SESSIONS                                                                                 \
  "UPDATE sessions s SET revoked_at = now() FROM u WHERE s.user_id = u.id AND s.revoked_at IS NULL"

/* auth (svc_auth.c) */
#define AUTH_US(x) "(extract(epoch FROM " x ") * 1000000)::bigint"
/* A session that still counts: svc_auth.h's AUTH_SESSION_* column order. */
#define AUTH_SESSION_LIVE                                                                                  \
  "s.revoked_at IS NULL AND s.expires_at > now() AND s.last_seen_at + s.idle_timeout > now()"          \
  " AND NOT u.disabled"
#define AUTH_SESSION_COLS                                                                                  \
  USER_COLS ", u.office_id, s.id, " AUTH_US("s.expires_at") ", extract(epoch FROM s.idle_timeout)::bigint"
/* Failures of the key after this one ($1's row as t; see auth_throttle_fail). */
#define AUTH_THROTTLE_NEXT "(CASE WHEN t.last_failure_at < now() - interval '1 hour' THEN 1 ELSE t.failures + 1 END)"
#define AUTH_THROTTLE_DELAY(f)                                                                             \
  "CASE WHEN " f " <= $2::int THEN interval '0' ELSE make_interval(secs => least($3::float8 / 1000"      \
  " * 2 ^ least(" f " - $2::int - 1, 30), 300)) END"

/* registry (svc_employee.c): svc_employee.c's EMP_* column order. `show`
 * is the parameter saying whether the caller may see the full NIK; the
 * masked form goes to everyone. */
#define NIK_SHOWN(col, show)                                                                             \
  "CASE WHEN " show "::bool THEN coalesce(" col ", '') WHEN " col " IS NULL THEN ''"                    \
  " ELSE '************' || right(" col ", 4) END"
#define EMP_COLS(show)                                                                                   \
  "e.id, e.nip, e.employment_type, e.front_title, e.name, e.back_title, e.birth_place,"                 \
  " to_char(e.birth_date, 'YYYY-MM-DD'), e.sex, e.religion, e.marital_status, e.status, o.code,"        \
  " o.name AS office_name, coalesce(e.current_position_name, ''), coalesce(e.current_position_kind, 0),"  \
  " coalesce(e.current_functional_level, ''), coalesce(e.current_rank_code, ''),"                       \
  " coalesce(to_char(e.current_rank_tmt, 'YYYY-MM-DD'), ''), coalesce(e.current_education_level, ''),"   \
  " to_char(e.tmt_cpns, 'YYYY-MM-DD'), e.email, e.phone, e.address,"                                    \
  " CASE WHEN " show "::bool THEN coalesce(e.nik, '') ELSE '' END,"                                       \
  " CASE WHEN e.nik IS NULL THEN '' ELSE '************' || right(e.nik, 4) END,"                         \
  " e.version, (extract(epoch FROM e.updated_at) * 1000000)::bigint, o.path,"                          \
  " coalesce((SELECT s.nip FROM employees s WHERE s.id = e.supervisor_id), '') AS supervisor_nip,"      \
  " coalesce((SELECT s.name FROM employees s WHERE s.id = e.supervisor_id), '') AS supervisor_name"
#define EMP_FROM "employees e JOIN offices o ON o.id = e.office_id"
#define EMP_OWN_NIP "(SELECT u.nip FROM users u WHERE u.id = $1::bigint)"
/* The audit log never holds a NIK (nor its hash): only whether there is one. */
#define EMP_AUDIT(x) "(to_jsonb(" x ") - 'nik' - 'nik_hash' || jsonb_build_object('has_nik', " x ".nik IS NOT NULL))"
/* emp_search_nip: `cond` selects the matches. */
#define EMP_SEARCH(cond)                                                                                \
  "SELECT " EMP_COLS("$7") ", 1 AS score"                                                              \
  " FROM " EMP_FROM " WHERE starts_with(o.path, $1::text) AND starts_with(o.path, $2::text)"           \
  " AND starts_with(o.path, $3::text) AND " cond                                                         \
  " ORDER BY score DESC, e.nip LIMIT $6::int"
/* emp_search and emp_search_known: the employees a matching function
 * returns. The function applies the scope (the offices under all three
 * paths), so the offices are joined by key alone: with the paths tested
 * here too, a generic plan estimated one office in scope, put the offices
 * outside the loop and read every match once per office (1,100 lookups
 * for a page of 20 at 55 offices). */
#define EMP_SEARCH_NAMES(fn)                                                                            \
  "WITH m AS (SELECT * FROM " fn ")"                                                                     \
  " SELECT " EMP_COLS("$7") ", m.score AS score"                                                       \
  " FROM m JOIN employees e ON e.id = m.employee_id JOIN offices o ON o.id = e.office_id"               \
  " ORDER BY score DESC, e.nip LIMIT $6::int"
#define HIST_DECREE "h.decree_number, coalesce(to_char(h.decree_date, 'YYYY-MM-DD'), '')"
#define HIST_EMP                                                                                         \
  "WITH e AS (SELECT e.id, e.nip, e.employment_type FROM " EMP_FROM " WHERE e.nip = $5::text"           \
  "  AND starts_with(o.path, $6::text) AND starts_with(o.path, $7::text) FOR UPDATE OF e),"
#define HIST_AUDIT(kind, json)                                                                          \
  " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"                                                 \
  "  SELECT " AUDIT_ACTOR ", 'EmployeeHistoryAdd', 'employee', e.nip,"                                   \
  "  jsonb_build_object('kind', '" kind "') || " json " FROM h, e)"

const db_stmt_def_t db_stmts[DB_STMT__COUNT] = {
    [DB_STMT_STATUS] = {"status",
                        "SELECT current_setting('server_version'),"
                        " COALESCE((SELECT max(version) FROM schema_migrations), 0)::int",
                        0},

    /* users, offices, audit (svc_user.c, svc_office.c, svc_audit.c) */
    [DB_STMT_OFFICE_GET] = {"office_get", "SELECT " OFFICE_COLS " FROM offices o"
                                          " LEFT JOIN offices p ON p.id = o.parent_id WHERE o.code = $1",
                            1},
    /* Taken by every change to the tree, first in its batch: the change is
     * then checked against the tree as the last change left it (the paths a
     * handler checked are re-checked in the statement), and a subtree
     * rewrite never races with an insert below it. Tree edits are rare. */
    [DB_STMT_OFFICE_TREE_LOCK] = {"office_tree_lock",
                                  "SELECT pg_advisory_xact_lock(hashtext('simpeg'), hashtext('office_tree'))", 0},
    /* $5 parent code, $6 its path as checked, $7 code, $8 name, $9 kind,
     * $10 valid_from, $11 valid_to (NULL: open) */
    [DB_STMT_OFFICE_ADD] = {"office_add",
                            "WITH p AS (SELECT id, code, path FROM offices WHERE code = $5::text AND path = $6::text),"
                            " o AS (INSERT INTO offices (code, name, kind, parent_id, path, valid_from, valid_to)"
                            "  SELECT $7::text, $8::text, $9::smallint, p.id, p.path || $7::text || '/',"
                            "  $10::date, $11::date FROM p RETURNING *),"
                            " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                            "  SELECT " AUDIT_ACTOR ", 'OfficeAdd', 'office', o.code, to_jsonb(o) FROM o)"
                            " SELECT " OFFICE_COLS " FROM o JOIN p ON p.id = o.parent_id",
                            11},
    /* $1 subtree root path, $2 scope, $3 branch ('' none), $4 include
     * inactive, $5 max depth below the root (0 any), $6 row limit. Byte
     * order of paths is depth-first with parents first (a path is a prefix
     * of its children's, and strings sharing a prefix sort together). */
    [DB_STMT_OFFICE_LIST] = {"office_list",
                             "SELECT " OFFICE_COLS " FROM offices o LEFT JOIN offices p ON p.id = o.parent_id"
                             " WHERE starts_with(o.path, $1::text) AND starts_with(o.path, $2::text)"
                             " AND starts_with(o.path, $3::text)"
                             " AND ($4::bool OR (o.valid_from <= current_date"
                             "  AND (o.valid_to IS NULL OR o.valid_to >= current_date)))"
                             " AND ($5::int = 0 OR length(o.path) - length(replace(o.path, '/', ''))"
                             "  - (length($1::text) - length(replace($1::text, '/', ''))) <= $5::int)"
                             " ORDER BY o.path COLLATE \"C\" LIMIT $6::int",
                             6},
    /* $5 office id, $6 its version, $7 its path as checked, $8 new parent
     * id, $9 its path as checked. Rewrites the path of the whole subtree;
     * the moved office also gets its new parent. */
    [DB_STMT_OFFICE_MOVE] = {"office_move",
                             "WITH m AS (SELECT x.id, x.code, x.path, to_jsonb(x) AS j FROM offices x"
                             "  WHERE x.id = $5::bigint AND x.version = $6::int AND x.path = $7::text),"
                             " np AS (SELECT id, code, path FROM offices WHERE id = $8::bigint AND path = $9::text),"
                             " s AS (UPDATE offices t SET path = np.path || substr(t.path, length(m.path) - length(m.code)),"
                             "  parent_id = CASE WHEN t.id = m.id THEN np.id ELSE t.parent_id END"
                             "  FROM m, np WHERE starts_with(t.path, m.path) RETURNING t.*),"
                             " o AS (SELECT * FROM s WHERE id = $5::bigint),"
                             " a AS (INSERT INTO audit_log (" AUDIT_COLS ", before, after)"
                             "  SELECT " AUDIT_ACTOR ", 'OfficeMove', 'office', o.code, m.j, to_jsonb(o) FROM o, m)"
                             " SELECT " OFFICE_COLS " FROM o JOIN np p ON p.id = o.parent_id",
                             9},
    [DB_STMT_USER_GET] = {"user_get", "SELECT " USER_COLS " FROM " USER_FROM " WHERE u.username = $1", 1},
    /* $5 username, $6 scope, $7 branch. Reading someone else's account is
     * recorded (UU 27/2022); reading one's own is not. */
    [DB_STMT_USER_SHOW] = {"user_show",
                           "WITH x AS (SELECT " USER_COLS " FROM " USER_FROM " WHERE u.username = $5::text"
                           "  AND starts_with(o.path, $6::text) AND starts_with(o.path, $7::text)),"
                           " a AS (INSERT INTO audit_log (" AUDIT_COLS ")"
                           "  SELECT " AUDIT_ACTOR ", 'UserShow', 'user', x.username FROM x WHERE x.id <> $1::bigint)"
                           " SELECT * FROM x",
                           7},
    /* $5 subtree root path, $6 scope, $7 branch, $8 role (0 any), $9
     * include disabled, $10 after this username, $11 page size (one more
     * row is read to tell whether another page follows), $12 the office
     * code asked for (audit). The audit row names the accounts disclosed. */
    [DB_STMT_USER_LIST] = {"user_list",
                           "WITH x AS (SELECT " USER_COLS " FROM " USER_FROM
                           "  WHERE starts_with(o.path, $5::text) AND starts_with(o.path, $6::text)"
                           "  AND starts_with(o.path, $7::text) AND ($8::int = 0 OR u.role = $8::int)"
                           "  AND ($9::bool OR NOT u.disabled) AND u.username COLLATE \"C\" > $10::text"
                           "  ORDER BY u.username COLLATE \"C\" LIMIT $11::int + 1),"
                           " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                           "  SELECT " AUDIT_ACTOR ", 'UserList', 'user', $12::text,"
                           "  jsonb_build_object('usernames', jsonb_agg(y.username ORDER BY y.username COLLATE \"C\"))"
                           "  FROM (SELECT id, username FROM x ORDER BY username COLLATE \"C\" LIMIT $11::int) y"
                           "  WHERE y.id <> $1::bigint HAVING count(*) > 0)"
                           " SELECT * FROM x ORDER BY username COLLATE \"C\"",
                           12},
    /* $5 office code, $6 its path as checked, $7 username, $8 full name,
     * $9 role, $10 NIP (NULL: none), $11 password hash (never audited) */
    [DB_STMT_USER_ADD] = {"user_add",
                          "WITH o AS (SELECT id, code, path FROM offices WHERE code = $5::text AND path = $6::text),"
                          " u AS (INSERT INTO users (username, full_name, role, office_id, nip, password_hash)"
                          "  SELECT $7::text, $8::text, $9::smallint, o.id, $10::text, $11::text FROM o RETURNING *),"
                          " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                          "  SELECT " AUDIT_ACTOR ", 'UserAdd', 'user', u.username, to_jsonb(u) - 'password_hash' FROM u)"
                          " SELECT " USER_COLS " FROM u JOIN o ON o.id = u.office_id"
                          " LEFT JOIN user_logins l ON l.user_id = u.id",
                          11},
    /* $5 user id, $6 version read, $7 disabled. Disabling revokes every
     * session of the account in the same statement. */
    [DB_STMT_USER_SET_DISABLED] = {"user_set_disabled",
                                   "WITH b AS (SELECT * FROM users WHERE id = $5::bigint AND version = $6::int),"
                                   " u AS (UPDATE users x SET disabled = $7::bool FROM b"
                                   "  WHERE x.id = b.id AND x.version = $6::int RETURNING x.*),"
                                   " r AS (" REVOKE_SESSIONS " AND u.disabled),"
                                   " a AS (INSERT INTO audit_log (" AUDIT_COLS ", before, after)"
                                   "  SELECT " AUDIT_ACTOR ", 'UserSetDisabled', 'user', u.username,"
                                   "  to_jsonb(b) - 'password_hash', to_jsonb(u) - 'password_hash' FROM u, b)"
                                   " SELECT " USER_COLS " FROM u JOIN offices o ON o.id = u.office_id"
                                   " LEFT JOIN user_logins l ON l.user_id = u.id",
                                   7},
    /* $5 user id, $6 version read, $7 role, $8 office code, $9 its path
     * as checked. Revokes the sessions: the new role applies from the next
     * sign-in. */
    [DB_STMT_USER_SET_ROLE] = {"user_set_role",
                               "WITH b AS (SELECT * FROM users WHERE id = $5::bigint AND version = $6::int),"
                               " o AS (SELECT id, code, path FROM offices WHERE code = $8::text AND path = $9::text),"
                               " u AS (UPDATE users x SET role = $7::smallint, office_id = o.id FROM b, o"
                               "  WHERE x.id = b.id AND x.version = $6::int RETURNING x.*),"
                               " r AS (" REVOKE_SESSIONS "),"
                               " a AS (INSERT INTO audit_log (" AUDIT_COLS ", before, after)"
                               "  SELECT " AUDIT_ACTOR ", 'UserSetRole', 'user', u.username,"
                               "  to_jsonb(b) - 'password_hash', to_jsonb(u) - 'password_hash' FROM u, b)"
                               " SELECT " USER_COLS " FROM u JOIN o ON o.id = u.office_id"
                               " LEFT JOIN user_logins l ON l.user_id = u.id",
                               9},
    /* $5 user id, $6 version read, $7 new password hash (never audited).
     * Revokes the sessions. */
    [DB_STMT_USER_SET_PASSWORD] = {"user_set_password",
                                   "WITH b AS (SELECT * FROM users WHERE id = $5::bigint AND version = $6::int),"
                                   " u AS (UPDATE users x SET password_hash = $7::text, password_changed_at = now()"
                                   "  FROM b WHERE x.id = b.id AND x.version = $6::int RETURNING x.*),"
                                   " r AS (" REVOKE_SESSIONS "),"
                                   " a AS (INSERT INTO audit_log (" AUDIT_COLS ", before, after)"
                                   "  SELECT " AUDIT_ACTOR ", 'UserResetPassword', 'user', u.username,"
                                   "  to_jsonb(b) - 'password_hash', to_jsonb(u) - 'password_hash' FROM u, b)"
                                   " SELECT u.version FROM u",
                                   7},
    /* $1 sees everything, else $2 scope and $3 branch apply to the office
     * of the actor; $4 actor, $5 entity, $6 entity id ('' any); $7 from,
     * $8 to (microseconds since the epoch, 0 open); $9 before this seq (0
     * from the newest); $10 row limit. */
    [DB_STMT_AUDIT_LIST] = {"audit_list",
                            "SELECT a.seq, (extract(epoch FROM a.at) * 1000000)::bigint, a.actor, a.actor_office,"
                            " a.client_addr, a.method, a.entity, a.entity_id, coalesce(a.before::text, ''),"
                            " coalesce(a.after::text, ''),"
                            " coalesce((SELECT encode(c.hash, 'hex') FROM audit_chain c WHERE c.seq = a.seq), '')"
                            " FROM audit_log a"
                            " WHERE ($1::bool OR EXISTS (SELECT 1 FROM offices o WHERE o.code = a.actor_office"
                            "  AND starts_with(o.path, $2::text) AND starts_with(o.path, $3::text)))"
                            " AND ($4::text = '' OR a.actor = $4::text) AND ($5::text = '' OR a.entity = $5::text)"
                            " AND ($6::text = '' OR a.entity_id = $6::text)"
                            " AND ($7::bigint = 0 OR a.at >= timestamptz 'epoch' + $7::bigint * interval '1 microsecond')"
                            " AND ($8::bigint = 0 OR a.at < timestamptz 'epoch' + $8::bigint * interval '1 microsecond')"
                            " AND ($9::bigint = 0 OR a.seq < $9::bigint)"
                            " ORDER BY a.seq DESC LIMIT $10::int",
                            10},
    /* $1 milliseconds; local to the batch's transaction */
    [DB_STMT_AUDIT_TIMEOUT] = {"audit_timeout", "SELECT set_config('statement_timeout', $1::text, true)", 1},
    /* $1 how old a row may be and still wait for the chainer (an interval) */
    [DB_STMT_AUDIT_VERIFY] = {"audit_verify",
                              "SELECT rows_checked, first_broken, problem, unchained FROM audit_verify($1::interval)", 1},
    /* $1 most rows to link in one run (ticker.c) */
    [DB_STMT_AUDIT_CHAIN] = {"audit_chain", "SELECT audit_chain_pending($1::int)", 1},
    /* $1 most events to send in one run (ticker.c; migration 0015) */
    [DB_STMT_NOTIFY_FLUSH] = {"notify_flush", "SELECT request_notify_flush($1::int)", 1},
    /* One array per audit_reads.h column; unnest keeps their order, so the
     * rows get their seq (audit_stamp) in the order the reads finished. */
    [DB_STMT_AUDIT_READS] = {"audit_reads",
                             "INSERT INTO audit_log (" AUDIT_COLS ", after)"
                             " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],"
                             " $6::text[], $7::text[], $8::jsonb[])",
                             8},
    /* The name index's loads (name_sync.c): a header row (k = 0: the
     * statement's snapshot, pg_trgm's threshold, and how this database
     * lower-cases and splits the probe $1) and one row per name (k = 1),
     * all seen by one snapshot. The load takes every name; the delta those
     * the snapshot $2 did not see (employee_names_xid). */
#define NAMES_HEADER                                                                                    \
  "SELECT 0 AS k, pg_current_snapshot()::text AS v,"                                                    \
  " coalesce(current_setting('pg_trgm.similarity_threshold', true), '0.3') AS threshold,"             \
  " lower($1::text) AS probe_lower, array_to_string(public.show_trgm($1::text), '|') AS probe_trgm"    \
  " UNION ALL SELECT 1, x.lname, NULL, NULL, NULL FROM employee_names x"
    [DB_STMT_NAMES_LOAD] = {"names_load", NAMES_HEADER, 1},
    [DB_STMT_NAMES_DELTA] = {"names_delta",
                             NAMES_HEADER " WHERE x.xid >= pg_snapshot_xmin($2::pg_snapshot)"
                                          " AND NOT pg_visible_in_snapshot(x.xid, $2::pg_snapshot)",
                             2},

    /* auth (svc_auth.c) */
    [DB_STMT_AUTH_THROTTLE_CHECK] = {"auth_throttle_check",
                                     "SELECT coalesce(max(blocked_until) > now(), false) FROM auth_throttle"
                                     " WHERE key IN ($1::text, $2::text)",
                                     2},
    /* After $2 free failures each one blocks the key for $3 ms, doubling,
     * at most 5 minutes; the count starts over after an hour without one.
     * ON CONFLICT makes concurrent failures count one by one. */
    [DB_STMT_AUTH_THROTTLE_FAIL] = {"auth_throttle_fail",
                                    "INSERT INTO auth_throttle AS t (key, failures, last_failure_at, blocked_until)"
                                    " VALUES ($1::text, 1, now(), now() + " AUTH_THROTTLE_DELAY("1") ")"
                                    " ON CONFLICT (key) DO UPDATE SET failures = " AUTH_THROTTLE_NEXT ","
                                    " last_failure_at = now(),"
                                    " blocked_until = now() + " AUTH_THROTTLE_DELAY(AUTH_THROTTLE_NEXT),
                                    3},
    [DB_STMT_AUTH_USER_BY_NAME] = {"auth_user_by_name",
                                   "SELECT " USER_COLS ", u.office_id, u.password_hash FROM " USER_FROM
                                   " WHERE u.username = $1::text",
                                   1},
    /* $5 method, $6 entity, $7 entity id, $8 after (json); $1 NULL for no actor */
    [DB_STMT_AUTH_AUDIT] = {"auth_audit",
                            "INSERT INTO audit_log (" AUDIT_COLS ", after)"
                            " VALUES (" AUDIT_ACTOR ", $5::text, $6::text, $7::text, $8::jsonb)",
                            8},
    /* $1 user id, $2 password hash as verified, $3 token hash, $4 lifetime s,
     * $5 idle s, $6 client address, $7 throttle key to clear, $8 new hash
     * ('' when no re-hash is due). Nothing happens unless the account is
     * still enabled with the verified hash. */
    [DB_STMT_AUTH_LOGIN] =
        {"auth_login",
         "WITH u AS (SELECT u.id, u.username, o.code FROM users u JOIN offices o ON o.id = u.office_id"
         "  WHERE u.id = $1::bigint AND NOT u.disabled AND u.password_hash = $2::text),"
         " s AS (INSERT INTO sessions (token_hash, user_id, expires_at, idle_timeout, client_addr)"
         "  SELECT $3::bytea, id, now() + make_interval(secs => $4::int), make_interval(secs => $5::int), $6::text"
         "  FROM u RETURNING id, expires_at),"
         " l AS (INSERT INTO user_logins (user_id, last_login_at, last_addr) SELECT id, now(), $6::text FROM u"
         "  ON CONFLICT (user_id) DO UPDATE SET last_login_at = excluded.last_login_at,"
         "  last_addr = excluded.last_addr),"
         " t AS (DELETE FROM auth_throttle WHERE key = $7::text AND EXISTS (SELECT 1 FROM u)),"
         " h AS (UPDATE users SET password_hash = $8::text WHERE $8::text <> '' AND id IN (SELECT id FROM u)"
         "  RETURNING id),"
         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
         "  SELECT id, username, code, $6::text, 'Login', 'user', username,"
         "  jsonb_build_object('result', 'success', 'rehashed', EXISTS (SELECT 1 FROM h)) FROM u)"
         " SELECT id, " AUTH_US("expires_at") " FROM s",
         8},
    [DB_STMT_AUTH_SESSION_BY_TOKEN] = {"auth_session_by_token",
                                       "UPDATE sessions s SET last_seen_at = now() FROM " USER_FROM
                                       " WHERE s.token_hash = $1::bytea AND u.id = s.user_id AND " AUTH_SESSION_LIVE
                                       " RETURNING " AUTH_SESSION_COLS,
                                       1},
    [DB_STMT_AUTH_SESSION_CHECK] = {"auth_session_check",
                                    "SELECT " AUTH_SESSION_COLS " FROM sessions s, " USER_FROM
                                    " WHERE s.id = $1::bigint AND u.id = s.user_id AND " AUTH_SESSION_LIVE,
                                    1},
    [DB_STMT_AUTH_SESSION_TOUCH] = {"auth_session_touch",
                                    "UPDATE sessions s SET last_seen_at = now() FROM " USER_FROM
                                    " WHERE s.id = $1::bigint AND u.id = s.user_id AND " AUTH_SESSION_LIVE
                                    " RETURNING " AUTH_SESSION_COLS,
                                    1},
    /* $5 session id */
    [DB_STMT_AUTH_LOGOUT] = {"auth_logout",
                             "WITH s AS (UPDATE sessions SET revoked_at = now()"
                             "  WHERE id = $5::bigint AND user_id = $1::bigint AND revoked_at IS NULL RETURNING id),"
                             " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                             "  SELECT " AUDIT_ACTOR ", 'Logout', 'session', id::text,"
                             "  jsonb_build_object('revoked', true) FROM s)"
                             " SELECT count(*) FROM s",
                             5},
    [DB_STMT_AUTH_WHOAMI] = {"auth_whoami", "SELECT " USER_COLS ", o.name FROM " USER_FROM " WHERE u.id = $1::bigint",
                             1},
    /* $5 new hash, $6 old hash as verified, $7 new token hash, $8 lifetime s,
     * $9 idle s, $10 throttle key to clear. Every session of the user ends
     * (the new one is inserted after the revocation's snapshot). */
    [DB_STMT_AUTH_CHANGE_PASSWORD] =
        {"auth_change_password",
         "WITH u AS (UPDATE users SET password_hash = $5::text, password_changed_at = now()"
         "  WHERE id = $1::bigint AND password_hash = $6::text AND NOT disabled RETURNING id, username),"
         " r AS (" REVOKE_SESSIONS " RETURNING s.id),"
         " n AS (INSERT INTO sessions (token_hash, user_id, expires_at, idle_timeout, client_addr)"
         "  SELECT $7::bytea, id, now() + make_interval(secs => $8::int), make_interval(secs => $9::int), $4::text"
         "  FROM u RETURNING id, expires_at),"
         " t AS (DELETE FROM auth_throttle WHERE key = $10::text AND EXISTS (SELECT 1 FROM u)),"
         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
         "  SELECT " AUDIT_ACTOR ", 'ChangePassword', 'user', username,"
         "  jsonb_build_object('password_changed', true, 'sessions_revoked', (SELECT count(*) FROM r)) FROM u)"
         " SELECT id, " AUTH_US("expires_at") ", (SELECT count(*) FROM r) FROM n",
         10},
    [DB_STMT_AUTH_BRANCH_OFFICE] = {"auth_branch_office",
                                    "SELECT path FROM offices WHERE code = $1::text"
                                    " AND (valid_to IS NULL OR valid_to >= current_date)",
                                    1},
    /* $1 username, $2 full name, $3 password hash: a system admin at the
     * root office, unless one exists. The caller locks users first. */
    [DB_STMT_AUTH_BOOTSTRAP_ADMIN] =
        {"auth_bootstrap_admin",
         "WITH u AS (INSERT INTO users (username, full_name, role, office_id, password_hash)"
         "  SELECT $1::text, $2::text, 5, o.id, $3::text FROM offices o"
         "  WHERE o.parent_id IS NULL AND NOT EXISTS (SELECT 1 FROM users WHERE role = 5) RETURNING *),"
         " a AS (INSERT INTO audit_log (actor, method, entity, entity_id, after)"
         "  SELECT 'system', 'BootstrapAdmin', 'user', username, to_jsonb(u) - 'password_hash' FROM u)"
         " SELECT id FROM u",
         3},

    /* registry (svc_employee.c) */
    /* $5 office code, $6 its path as checked, $7 nip, $8 employment type,
     * $9 front title, $10 name, $11 back title, $12 birth place, $13 birth
     * date, $14 sex, $15 religion, $16 marital status, $17 status, $18
     * tmt_cpns, $19 email, $20 phone, $21 address, $22 nik (NULL: none),
     * $23 show the NIK */
    [DB_STMT_EMP_ADD] = {"emp_add",
                         "WITH o AS (SELECT id, code, name, path FROM offices WHERE code = $5::text AND path = $6::text),"
                         " e AS (INSERT INTO employees (nip, employment_type, front_title, name, back_title, birth_place,"
                         "  birth_date, sex, religion, marital_status, status, office_id, tmt_cpns, email, phone, address, nik)"
                         "  SELECT $7::text, $8::smallint, $9::text, $10::text, $11::text, $12::text, $13::date, $14::smallint,"
                         "  $15::text, $16::text, $17::smallint, o.id, $18::date, $19::text, $20::text, $21::text, $22::text"
                         "  FROM o RETURNING *),"
                         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                         "  SELECT " AUDIT_ACTOR ", 'EmployeeAdd', 'employee', e.nip, " EMP_AUDIT("e") " FROM e)"
                         " SELECT " EMP_COLS("$23") " FROM e JOIN o ON o.id = e.office_id",
                         23},
    /* $1 nip, $2 scope, $3 branch, $4 show the NIK */
    [DB_STMT_EMP_GET] = {"emp_get",
                         "SELECT " EMP_COLS("$4") " FROM " EMP_FROM " WHERE e.nip = $1::text"
                         " AND starts_with(o.path, $2::text) AND starts_with(o.path, $3::text)",
                         4},
    /* $1 actor id, $2 nip (NULL: the actor's own, users.nip), $3 scope,
     * $4 branch, $5 show the NIK. `audit`: whether this read is recorded
     * (UU 27/2022: reading another person's record is, one's own is not);
     * the caller queues the row (audit_reads.h) and answers once it is
     * committed. */
    [DB_STMT_EMP_SHOW] = {"emp_show",
                          "SELECT " EMP_COLS("$5") ", e.nip IS DISTINCT FROM " EMP_OWN_NIP " AS audit"
                          " FROM " EMP_FROM " WHERE e.nip = coalesce($2::text, " EMP_OWN_NIP ")"
                          " AND starts_with(o.path, $3::text) AND starts_with(o.path, $4::text)",
                          5},
    /* $1 actor id, $2 nip (NULL: own) */
    [DB_STMT_EMP_SUMMARY] = {"emp_summary",
                             "SELECT s.salary_grade, coalesce(s.gaji_pokok, 0), s.years_of_service, s.months_of_service,"
                             " coalesce(s.retirement_age, 0), coalesce(to_char(s.retirement_date, 'YYYY-MM-DD'), '')"
                             " FROM employees e, employee_summary(e.id, current_date) s"
                             " WHERE e.nip = coalesce($2::text, (SELECT u.nip FROM users u WHERE u.id = $1::bigint))",
                             2},
    /* $1 actor id, $2 nip (NULL: own), $3 kind ('' all), $4 show NIKs.
     * One row shape for every kind: kind, order, sort date, id, decree
     * number, decree date, then five text columns per kind (svc_employee.c
     * HIST_A..HIST_E). Newest first within each kind. */
    [DB_STMT_EMP_HISTORY] =
        {"emp_history",
         "WITH e AS (SELECT id FROM employees WHERE nip = coalesce($2::text,"
         "  (SELECT u.nip FROM users u WHERE u.id = $1::bigint)))"
         " SELECT * FROM ("
         "  SELECT 'rank' AS kind, 1 AS ord, h.tmt AS sort, h.id, " HIST_DECREE ", h.rank_code AS a,"
         "  to_char(h.tmt, 'YYYY-MM-DD') AS b, h.mkg_years::text AS c, h.mkg_months::text AS d, '' AS f"
         "  FROM employee_ranks h JOIN e ON h.employee_id = e.id"
         " UNION ALL SELECT 'position', 2, h.tmt, h.id, " HIST_DECREE ", h.name, h.kind::text, h.functional_level,"
         "  coalesce(o.code, ''), to_char(h.tmt, 'YYYY-MM-DD')"
         "  FROM employee_positions h JOIN e ON h.employee_id = e.id LEFT JOIN offices o ON o.id = h.office_id"
         " UNION ALL SELECT 'education', 3, make_date(coalesce(h.graduation_year, 1900), 1, 1), h.id, " HIST_DECREE ","
         "  h.level, h.institution, h.major, coalesce(h.graduation_year::text, ''), ''"
         "  FROM employee_educations h JOIN e ON h.employee_id = e.id"
         " UNION ALL SELECT 'training', 4, h.start_date, h.id, " HIST_DECREE ", h.name, h.organizer,"
         "  to_char(h.start_date, 'YYYY-MM-DD'), to_char(h.end_date, 'YYYY-MM-DD'), h.jp_hours::text"
         "  FROM employee_trainings h JOIN e ON h.employee_id = e.id"
         " UNION ALL SELECT 'performance', 5, make_date(h.year, 1, 1), h.id, " HIST_DECREE ", h.year::text, h.period,"
         "  h.result_rating, h.behavior_rating, coalesce(h.predicate, '')"
         "  FROM employee_performances h JOIN e ON h.employee_id = e.id"
         " UNION ALL SELECT 'salary', 6, h.tmt, h.id, " HIST_DECREE ", h.rank_code, h.mkg_years::text,"
         "  coalesce(h.gaji_pokok, 0)::text, to_char(h.tmt, 'YYYY-MM-DD'), ''"
         "  FROM employee_salaries h JOIN e ON h.employee_id = e.id"
         " UNION ALL SELECT 'family', 7, coalesce(h.birth_date, DATE '1900-01-01'), h.id, " HIST_DECREE ", h.relation,"
         "  h.name, coalesce(to_char(h.birth_date, 'YYYY-MM-DD'), ''), " NIK_SHOWN("h.nik", "$4") ", ''"
         "  FROM employee_families h JOIN e ON h.employee_id = e.id"
         " ) h WHERE $3::text = '' OR h.kind = $3::text ORDER BY ord, sort DESC, id DESC",
         4},
    /* $5 nip, $6 scope, $7 branch, $8 version read, $9 front title, $10
     * name, $11 back title, $12 birth place, $13 religion, $14 marital
     * status, $15 status (NULL: unchanged), $16 email, $17 phone, $18 address, $19 nik (NULL:
     * unchanged), $20 supervisor NIP (NULL: unchanged, '-': none; must be
     * another employee in scope). -> id; none when out of scope, stale or
     * the supervisor is unknown (the batch's emp_get and req_supervisor
     * tell which). */
    [DB_STMT_EMP_EDIT] = {"emp_edit",
                          "WITH b AS (SELECT e.* FROM " EMP_FROM " WHERE e.nip = $5::text"
                          "  AND starts_with(o.path, $6::text) AND starts_with(o.path, $7::text) AND e.version = $8::int"
                          "  AND ($20::text IS NULL OR $20::text = '-' OR EXISTS (SELECT 1 FROM employees s"
                          "   JOIN offices so ON so.id = s.office_id WHERE s.nip = $20::text AND s.nip <> $5::text"
                          "   AND starts_with(so.path, $6::text) AND starts_with(so.path, $7::text)))),"
                          " u AS (UPDATE employees x SET front_title = $9::text, name = $10::text, back_title = $11::text,"
                          "  birth_place = $12::text, religion = $13::text, marital_status = $14::text,"
                          "  status = coalesce($15::smallint, x.status), email = $16::text, phone = $17::text, address = $18::text,"
                          "  nik = coalesce($19::text, x.nik),"
                          "  supervisor_id = CASE WHEN $20::text IS NULL THEN x.supervisor_id WHEN $20::text = '-' THEN NULL"
                          "   ELSE (SELECT s.id FROM employees s JOIN offices so ON so.id = s.office_id WHERE s.nip = $20::text"
                          "   AND starts_with(so.path, $6::text) AND starts_with(so.path, $7::text)) END"
                          "  FROM b WHERE x.id = b.id AND x.version = $8::int RETURNING x.*),"
                          " a AS (INSERT INTO audit_log (" AUDIT_COLS ", before, after)"
                          "  SELECT " AUDIT_ACTOR ", 'EmployeeEdit', 'employee', u.nip, " EMP_AUDIT("b") ","
                          "  " EMP_AUDIT("u") " || jsonb_build_object('nik_changed', u.nik IS DISTINCT FROM b.nik)"
                          "  FROM u, b)"
                          " SELECT id FROM u",
                          20},
    /* $1 subtree root path, $2 scope, $3 branch, $4 rank code ('' any),
     * $5 position kind (0 any), $6 status (0 any), $7 employment type (0
     * any), $8 after this NIP, $9 page size (one more row is read to tell
     * whether another page follows), $10 show NIKs. Keyset on the NIP: a
     * page never skips or repeats a row whatever is inserted meanwhile. The
     * caller's audit row names the NIPs shown (audit_reads.h). */
    [DB_STMT_EMP_LIST] = {"emp_list",
                          "SELECT " EMP_COLS("$10") " FROM " EMP_FROM
                          " WHERE starts_with(o.path, $1::text) AND starts_with(o.path, $2::text)"
                          " AND starts_with(o.path, $3::text) AND ($4::text = '' OR e.current_rank_code = $4::text)"
                          " AND ($5::int = 0 OR e.current_position_kind = $5::int) AND ($6::int = 0 OR e.status = $6::int)"
                          " AND ($7::int = 0 OR e.employment_type = $7::int) AND e.nip > $8::text"
                          " ORDER BY e.nip LIMIT $9::int + 1",
                          10},
    /* $1 subtree root path, $2 scope, $3 branch, $4 query (digits when
     * $5), $5 by NIP prefix, $6 limit, $7 show NIKs; the caller's audit row
     * names the NIPs found (audit_reads.h). Names match by trigram
     * similarity (pg_trgm's %, in schema public, threshold 0.3), which
     * tolerates typos and word order. employee_name_matches (migration
     * 0010) finds them through the distinct names, best name first, and
     * stops when the page is full. */
    [DB_STMT_EMP_SEARCH] = {"emp_search",
                            EMP_SEARCH_NAMES("employee_name_matches(lower($4::text), $1::text, $2::text, $3::text,"
                                             " CASE WHEN $5::bool THEN 0 ELSE $6::int END)"),
                            7},
    /* The same with the similar names the daemon found in its index: $8
     * names, $9 their scores, $10 the snapshot the index is complete for;
     * PostgreSQL adds the names that snapshot did not see and those that
     * are not printable ASCII (migration 0017). Same results. */
    [DB_STMT_EMP_SEARCH_KNOWN] = {"emp_search_known",
                                  EMP_SEARCH_NAMES("employee_name_matches_known(lower($4::text), $1::text, $2::text, $3::text,"
                                                   " CASE WHEN $5::bool THEN 0 ELSE $6::int END,"
                                                   " $8::text[], $9::real[], $10::pg_snapshot)"),
                                  10},
    /* The same by NIP prefix ($5 true): its own statement so that each
     * plan can use its index. NIPs are 18 digits, so those starting with
     * the digits $4 are one range of the NIP's unique b-tree whatever the
     * collation (no text_pattern_ops index needed; migration 0010). */
    [DB_STMT_EMP_SEARCH_NIP] = {"emp_search_nip",
                                EMP_SEARCH("$5::bool AND e.nip BETWEEN rpad($4::text, 18, '0') AND rpad($4::text, 18, '9')"
                                           " AND e.nip LIKE $4::text || '%'"),
                                7},
    /* $4 the hex SHA-256 of the NIK's 16 digits, computed by the daemon (as
     * nik_hash is): the NIK itself never reaches PostgreSQL or its log. */
    [DB_STMT_EMP_SEARCH_NIK] = {"emp_search_nik", EMP_SEARCH("$5::bool AND e.nik_hash = decode($4::text, 'hex')"), 7},
    /* History inserts: $5 nip, $6 scope, $7 branch, $8 decree number, $9
     * decree date (NULL), then the entry's fields. Each locks the employee
     * row (the derived current values are recomputed by the history
     * triggers), inserts, writes its audit row, and returns the history
     * row; nothing when the employee is not in scope or the entry does not
     * fit (checked by the preceding emp_get in the batch). */
    /* $10 rank code (of the employee's kind: pns or pppk), $11 tmt, $12 mkg years, $13 mkg months */
    [DB_STMT_EMP_ADD_RANK] = {"emp_add_rank",
                              HIST_EMP
                              " h AS (INSERT INTO employee_ranks (employee_id, rank_code, tmt, mkg_years, mkg_months,"
                              "  decree_number, decree_date) SELECT e.id, k.code, $11::date, $12::int, $13::int, $8::text, $9::date"
                              "  FROM e JOIN ref_ranks k ON k.code = $10::text"
                              "  AND k.kind = CASE WHEN e.employment_type = 3 THEN 'pppk' ELSE 'pns' END RETURNING *),"
                              HIST_AUDIT("rank", "to_jsonb(h)")
                              " SELECT 'rank', 1, h.tmt, h.id, " HIST_DECREE ", h.rank_code, to_char(h.tmt, 'YYYY-MM-DD'),"
                              " h.mkg_years::text, h.mkg_months::text, '' FROM h",
                              13},
    /* $10 name, $11 kind, $12 functional level, $13 office code ('' none; in scope), $14 tmt */
    [DB_STMT_EMP_ADD_POSITION] = {"emp_add_position",
                                  HIST_EMP
                                  " h AS (INSERT INTO employee_positions (employee_id, name, kind, functional_level, office_id,"
                                  "  tmt, decree_number, decree_date)"
                                  "  SELECT e.id, $10::text, $11::smallint, $12::text, po.id, $14::date, $8::text, $9::date"
                                  "  FROM e LEFT JOIN offices po ON po.code = $13::text AND starts_with(po.path, $6::text)"
                                  "  AND starts_with(po.path, $7::text) WHERE $13::text = '' OR po.id IS NOT NULL RETURNING *),"
                                  HIST_AUDIT("position", "to_jsonb(h)")
                                  " SELECT 'position', 2, h.tmt, h.id, " HIST_DECREE ", h.name, h.kind::text, h.functional_level,"
                                  " $13::text, to_char(h.tmt, 'YYYY-MM-DD') FROM h",
                                  14},
    /* $10 level, $11 institution, $12 major, $13 graduation year (NULL) */
    [DB_STMT_EMP_ADD_EDUCATION] = {"emp_add_education",
                                   HIST_EMP
                                   " h AS (INSERT INTO employee_educations (employee_id, level, institution, major,"
                                   "  graduation_year, decree_number, decree_date)"
                                   "  SELECT e.id, $10::text, $11::text, $12::text, $13::int, $8::text, $9::date FROM e RETURNING *),"
                                   HIST_AUDIT("education", "to_jsonb(h)")
                                   " SELECT 'education', 3, make_date(coalesce(h.graduation_year, 1900), 1, 1), h.id, " HIST_DECREE ","
                                   " h.level, h.institution, h.major, coalesce(h.graduation_year::text, ''), '' FROM h",
                                   13},
    /* $10 name, $11 organizer, $12 start, $13 end, $14 JP */
    [DB_STMT_EMP_ADD_TRAINING] = {"emp_add_training",
                                  HIST_EMP
                                  " h AS (INSERT INTO employee_trainings (employee_id, name, organizer, start_date, end_date,"
                                  "  jp_hours, decree_number, decree_date)"
                                  "  SELECT e.id, $10::text, $11::text, $12::date, $13::date, $14::int, $8::text, $9::date"
                                  "  FROM e RETURNING *),"
                                  HIST_AUDIT("training", "to_jsonb(h)")
                                  " SELECT 'training', 4, h.start_date, h.id, " HIST_DECREE ", h.name, h.organizer,"
                                  " to_char(h.start_date, 'YYYY-MM-DD'), to_char(h.end_date, 'YYYY-MM-DD'), h.jp_hours::text FROM h",
                                  14},
    /* $10 year, $11 period, $12 result rating, $13 behaviour rating; the
     * predicate is a generated column (skp_predicate) */
    [DB_STMT_EMP_ADD_PERFORMANCE] = {"emp_add_performance",
                                     HIST_EMP
                                     " h AS (INSERT INTO employee_performances (employee_id, year, period, result_rating,"
                                     "  behavior_rating, decree_number, decree_date)"
                                     "  SELECT e.id, $10::int, $11::text, $12::text, $13::text, $8::text, $9::date FROM e RETURNING *),"
                                     HIST_AUDIT("performance", "to_jsonb(h)")
                                     " SELECT 'performance', 5, make_date(h.year, 1, 1), h.id, " HIST_DECREE ", h.year::text,"
                                     " h.period, h.result_rating, h.behavior_rating, coalesce(h.predicate, '') FROM h",
                                     13},
    /* $10 rank code (of the employee's kind), $11 mkg years, $12 tmt; gaji
     * pokok is looked up by the employee_salaries_fill trigger */
    [DB_STMT_EMP_ADD_SALARY] = {"emp_add_salary",
                                HIST_EMP
                                " h AS (INSERT INTO employee_salaries (employee_id, rank_code, mkg_years, tmt, decree_number,"
                                "  decree_date) SELECT e.id, k.code, $11::int, $12::date, $8::text, $9::date"
                                "  FROM e JOIN ref_ranks k ON k.code = $10::text"
                                "  AND k.kind = CASE WHEN e.employment_type = 3 THEN 'pppk' ELSE 'pns' END RETURNING *),"
                                HIST_AUDIT("salary", "to_jsonb(h)")
                                " SELECT 'salary', 6, h.tmt, h.id, " HIST_DECREE ", h.rank_code, h.mkg_years::text,"
                                " coalesce(h.gaji_pokok, 0)::text, to_char(h.tmt, 'YYYY-MM-DD'), '' FROM h",
                                12},
    /* $10 relation, $11 name, $12 birth date (NULL), $13 nik (NULL), $14 show the NIK */
    [DB_STMT_EMP_ADD_FAMILY] = {"emp_add_family",
                                HIST_EMP
                                " h AS (INSERT INTO employee_families (employee_id, relation, name, birth_date, nik,"
                                "  decree_number, decree_date)"
                                "  SELECT e.id, $10::text, $11::text, $12::date, $13::text, $8::text, $9::date FROM e RETURNING *),"
                                HIST_AUDIT("family", "to_jsonb(h) - 'nik'")
                                " SELECT 'family', 7, coalesce(h.birth_date, DATE '1900-01-01'), h.id, " HIST_DECREE ","
                                " h.relation, h.name, coalesce(to_char(h.birth_date, 'YYYY-MM-DD'), ''),"
                                " " NIK_SHOWN("h.nik", "$14") ", '' FROM h",
                                14},
    /* registry views (svc_views.c) */
    /* $5 subtree root path, $6 scope, $7 branch, $8..$13 cursor (NULL on
     * the first page): rank ordinal, rank TMT, position order, TMT CPNS,
     * birth date, NIP; $14 page size (one more row is read), $15 show NIKs,
     * $16 office code asked for (audit). Active PNS and CPNS, ordered by
     * rank (highest first), rank TMT, position kind (position_kind_order),
     * service (longest first = earliest TMT CPNS), birth date (oldest
     * first), NIP: every key ascending once the ordinal is negated, so the
     * keyset is one row comparison. `position` is the row's number in the
     * whole subtree's order (a window over the subtree before the cursor
     * filter), so later pages number on from the rows before them. */
    [DB_STMT_VIEW_DUK] = {"view_duk",
                          "WITH s AS (SELECT " EMP_COLS("$15") ","
                          "  row_number() OVER (ORDER BY -coalesce(r.ordinal, 0), coalesce(e.current_rank_tmt, DATE '9999-12-31'),"
                          "   position_kind_order(e.current_position_kind), e.tmt_cpns, e.birth_date, e.nip) AS pos,"
                          "  extract(year FROM age(current_date, e.tmt_cpns))::int AS svc_years,"
                          "  extract(month FROM age(current_date, e.tmt_cpns))::int AS svc_months,"
                          "  concat_ws('|', coalesce(r.ordinal, 0), to_char(coalesce(e.current_rank_tmt, DATE '9999-12-31'), 'YYYY-MM-DD'),"
                          "   position_kind_order(e.current_position_kind), to_char(e.tmt_cpns, 'YYYY-MM-DD'),"
                          "   to_char(e.birth_date, 'YYYY-MM-DD'), e.nip) AS cursor,"
                          "  -coalesce(r.ordinal, 0) AS k1, coalesce(e.current_rank_tmt, DATE '9999-12-31') AS k2,"
                          "  position_kind_order(e.current_position_kind) AS k3, e.tmt_cpns AS k4, e.birth_date AS k5, e.nip AS k6"
                          "  FROM " EMP_FROM " LEFT JOIN ref_ranks r ON r.code = e.current_rank_code AND r.kind = 'pns'"
                          "  WHERE starts_with(o.path, $5::text) AND starts_with(o.path, $6::text) AND starts_with(o.path, $7::text)"
                          "  AND e.status = 1 AND e.employment_type IN (1, 2)),"
                          " x AS (SELECT * FROM s WHERE $8::int IS NULL"
                          "  OR (k1, k2, k3, k4, k5, k6) > (-$8::int, $9::date, $10::int, $11::date, $12::date, $13::text)"
                          "  ORDER BY pos LIMIT $14::int + 1),"
                          " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                          "  SELECT " AUDIT_ACTOR ", 'DukList', 'employee', $16::text,"
                          "  jsonb_build_object('nips', jsonb_agg(y.k6 ORDER BY y.k6))"
                          "  FROM (SELECT k6 FROM x ORDER BY pos LIMIT $14::int) y HAVING count(*) > 0)"
                          " SELECT * FROM x ORDER BY pos",
                          16},
    /* $1 subtree root path, $2 scope, $3 branch, $4 dimension (office,
     * rank, education, age_band, employment_type, sex). Active employees.
     * "office" groups by the root's direct children (each with its whole
     * subtree) plus the root itself for those placed directly in it (under
     * the root's code). Groups that always show (offices, age bands, types,
     * sexes) come with 0; ranks and education levels only when present, ''
     * for none recorded. Every row carries the total counted on its own. */
    [DB_STMT_VIEW_HEADCOUNT] =
        {"view_headcount",
         "WITH x AS (SELECT CASE $4::text"
         "   WHEN 'office' THEN split_part(substr(o.path, length($1::text) + 1), '/', 1)"
         "   WHEN 'rank' THEN coalesce(e.current_rank_code, '')"
         "   WHEN 'education' THEN coalesce(e.current_education_level, '')"
         "   WHEN 'age_band' THEN CASE WHEN g.age < 30 THEN '<30' WHEN g.age < 40 THEN '30-39' WHEN g.age < 50 THEN '40-49'"
         "    WHEN g.age < 55 THEN '50-54' ELSE '55+' END"
         "   WHEN 'employment_type' THEN CASE e.employment_type WHEN 1 THEN 'pns' WHEN 2 THEN 'cpns' ELSE 'pppk' END"
         "   ELSE CASE e.sex WHEN 1 THEN 'male' ELSE 'female' END END AS key"
         "  FROM " EMP_FROM " CROSS JOIN LATERAL (SELECT extract(year FROM age(current_date, e.birth_date)) AS age) g"
         "  WHERE starts_with(o.path, $1::text) AND starts_with(o.path, $2::text) AND starts_with(o.path, $3::text)"
         "  AND e.status = 1),"
         " c AS (SELECT key, count(*) AS n FROM x GROUP BY key),"
         " k AS (SELECT '' AS key, r.name AS label, 0 AS ord, false AS always FROM offices r"
         "   WHERE $4::text = 'office' AND r.path = $1::text"
         "  UNION ALL SELECT ch.code, ch.name, 1, true FROM offices ch JOIN offices r ON ch.parent_id = r.id"
         "   WHERE $4::text = 'office' AND r.path = $1::text AND (starts_with(ch.path, $3::text) OR starts_with($3::text, ch.path))"
         "  UNION ALL SELECT code, name, CASE kind WHEN 'pns' THEN 0 ELSE 100 END + ordinal, false FROM ref_ranks WHERE $4::text = 'rank'"
         "  UNION ALL SELECT level, level, ordinal, false FROM ref_education WHERE $4::text = 'education'"
         "  UNION ALL SELECT '', '', 1000, false WHERE $4::text IN ('rank', 'education')"
         "  UNION ALL SELECT v.key, v.key, v.ord, true FROM (VALUES ('age_band', '<30', 1), ('age_band', '30-39', 2),"
         "   ('age_band', '40-49', 3), ('age_band', '50-54', 4), ('age_band', '55+', 5), ('employment_type', 'pns', 1),"
         "   ('employment_type', 'cpns', 2), ('employment_type', 'pppk', 3), ('sex', 'male', 1), ('sex', 'female', 2))"
         "   AS v (dim, key, ord) WHERE v.dim = $4::text)"
         " SELECT CASE WHEN k.key = '' AND $4::text = 'office' THEN (SELECT code FROM offices WHERE path = $1::text)"
         "  ELSE k.key END, k.label, coalesce(c.n, 0), (SELECT count(*) FROM x)"
         " FROM k LEFT JOIN c ON c.key = k.key WHERE k.always OR c.n > 0 ORDER BY k.ord, k.key",
         4},
    /* $5 subtree root path, $6 scope, $7 branch, $8 kind (kgb, promotion,
     * retirement), $9 months ahead, $10 after due date, $11 after NIP (NULL
     * on the first page), $12 page size (one more row is read), $13 show
     * NIKs, $14 office code asked for (audit). Active employees whose event
     * (migrations/0004_registry_views.sql) falls on or before today + $9
     * months, by due date then NIP. Promotion and retirement dates already
     * passed are listed too (eligible but not promoted; past BUP but still
     * active); KGB dates are never before today (kgb_next). */
    [DB_STMT_VIEW_WARNINGS] = {"view_warnings",
                               "WITH x AS (SELECT " EMP_COLS("$13") ", to_char(w.due, 'YYYY-MM-DD') AS due_text, w.detail,"
                               "  w.due AS k1, e.nip AS k2"
                               "  FROM " EMP_FROM " CROSS JOIN LATERAL ("
                               "   SELECT k.due, k.rank_code || ' MKG ' || k.mkg_years AS detail"
                               "    FROM employee_next_kgb(e.id, current_date) k WHERE $8::text = 'kgb' AND k.due IS NOT NULL"
                               "   UNION ALL SELECT p.due, e.current_rank_code || ' \u2192 ' || p.next_rank"
                               "    FROM promotion_eligible(e.current_rank_code, e.current_rank_tmt, e.current_education_level) p"
                               "    WHERE $8::text = 'promotion' AND e.employment_type = 1"
                               "   UNION ALL SELECT t.due, 'BUP ' || t.bup FROM employee_retirement(e.id) t"
                               "    WHERE $8::text = 'retirement') w"
                               "  WHERE starts_with(o.path, $5::text) AND starts_with(o.path, $6::text) AND starts_with(o.path, $7::text)"
                               "  AND e.status = 1 AND w.due <= current_date + make_interval(months => $9::int)"
                               "  AND ($10::date IS NULL OR (w.due, e.nip) > ($10::date, $11::text))"
                               "  ORDER BY w.due, e.nip LIMIT $12::int + 1),"
                               " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                               "  SELECT " AUDIT_ACTOR ", 'EarlyWarnings', 'employee', $14::text,"
                               "  jsonb_build_object('kind', $8::text, 'nips', jsonb_agg(y.k2 ORDER BY y.k2))"
                               "  FROM (SELECT k2 FROM x ORDER BY k1, k2 LIMIT $12::int) y HAVING count(*) > 0)"
                               " SELECT * FROM x ORDER BY k1, k2",
                               14},
    /* import/export (svc_import.c). $1 import id, $2 scope, $3 branch,
     * then one array per column (index = row): $4 line, $5 nip, $6
     * employment type, $7 front title, $8 name, $9 back title, $10 birth
     * place, $11 birth date, $12 sex, $13 religion, $14 marital status, $15
     * status, $16 office code, $17 tmt_cpns, $18 email, $19 phone, $20
     * address, $21 nik, $22 rank code, $23 rank tmt, $24 mkg years, $25
     * position name, $26 position kind, $27 functional level, $28 position
     * tmt, $29 education level. Rows whose office is unknown or outside
     * the scope are not staged; they and rows whose NIP is already taken
     * come back as (line, column, reason). */
    [DB_STMT_IMPORT_STAGE] =
        {"import_stage",
         "WITH u AS (SELECT * FROM unnest($4::bigint[], $5::text[], $6::smallint[], $7::text[], $8::text[], $9::text[],"
         "  $10::text[], $11::date[], $12::smallint[], $13::text[], $14::text[], $15::smallint[], $16::text[], $17::date[],"
         "  $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::date[], $24::int[], $25::text[],"
         "  $26::smallint[], $27::text[], $28::date[], $29::text[]) AS u (line, nip, employment_type, front_title, name,"
         "  back_title, birth_place, birth_date, sex, religion, marital_status, status, office_code, tmt_cpns, email, phone,"
         "  address, nik, rank_code, rank_tmt, mkg_years, position_name, position_kind, functional_level, position_tmt,"
         "  education_level)),"
         " j AS (SELECT u.*, o.id AS office_id, coalesce(starts_with(o.path, $2::text) AND starts_with(o.path, $3::text),"
         "  false) AS ok FROM u LEFT JOIN offices o ON o.code = u.office_code),"
         " s AS (INSERT INTO import_staging (import_id, line, nip, employment_type, front_title, name, back_title,"
         "  birth_place, birth_date, sex, religion, marital_status, status, office_id, tmt_cpns, email, phone, address, nik,"
         "  rank_code, rank_tmt, mkg_years, position_name, position_kind, functional_level, position_tmt, education_level)"
         "  SELECT $1::text, line, nip, employment_type, front_title, name, back_title, birth_place, birth_date, sex,"
         "  religion, marital_status, status, office_id, tmt_cpns, email, phone, address, nik, rank_code, rank_tmt,"
         "  mkg_years, position_name, position_kind, functional_level, position_tmt, education_level FROM j WHERE ok)"
         " SELECT line, 'office_code', 'not_found' FROM j WHERE NOT ok"
         " UNION ALL SELECT u.line, 'nip', 'already_exists' FROM u JOIN employees e ON e.nip = u.nip"
         " ORDER BY 1",
         29},
    /* $1 statement_timeout (ms) for the rest of the batch: the commit runs
     * as a long batch (db_submit_long), minutes at a million rows; work_mem
     * keeps its sort by NIP in memory. */
    [DB_STMT_IMPORT_ON] = {"import_on",
                           "SELECT set_config('statement_timeout', $1::text, true),"
                           " set_config('simpeg.import', 'on', true), set_config('work_mem', '128MB', true)",
                           1},
    /* $5 import id, $6 file name. The derived current values are written
     * from the one history row of each kind (what employee_refresh_current
     * would compute), the triggers' refresh being off (import_on). Each
     * staged row got its employee id when it was staged (migration 0010),
     * so the history rows come straight from the staged rows instead of
     * joining them back to the inserted employees by NIP. */
    [DB_STMT_IMPORT_COMMIT] =
        {"import_commit",
         "WITH s AS (SELECT * FROM import_staging WHERE import_id = $5::text),"
         " e AS (INSERT INTO employees (id, nip, employment_type, front_title, name, back_title, birth_place, birth_date,"
         "  sex, religion, marital_status, status, office_id, tmt_cpns, email, phone, address, nik, current_rank_code,"
         "  current_rank_tmt, current_mkg_years, current_mkg_months, current_position_name, current_position_kind,"
         "  current_functional_level, current_education_level)"
         "  SELECT employee_id, nip, employment_type, front_title, name, back_title, birth_place, birth_date, sex, religion,"
         "  marital_status, status, office_id, tmt_cpns, email, phone, address, nik, rank_code, rank_tmt,"
         "  CASE WHEN rank_code IS NULL THEN NULL ELSE mkg_years END, CASE WHEN rank_code IS NULL THEN NULL ELSE 0 END,"
         "  position_name, position_kind, CASE WHEN position_name IS NULL THEN NULL ELSE functional_level END,"
         "  education_level FROM s ORDER BY nip RETURNING 1),"
         " r AS (INSERT INTO employee_ranks (employee_id, rank_code, tmt, mkg_years, mkg_months)"
         "  SELECT employee_id, rank_code, rank_tmt, mkg_years, 0 FROM s WHERE rank_code IS NOT NULL),"
         " p AS (INSERT INTO employee_positions (employee_id, name, kind, functional_level, office_id, tmt)"
         "  SELECT employee_id, position_name, position_kind, functional_level, office_id, position_tmt"
         "  FROM s WHERE position_name IS NOT NULL),"
         " d AS (INSERT INTO employee_educations (employee_id, level)"
         "  SELECT employee_id, education_level FROM s WHERE education_level IS NOT NULL),"
         " x AS (DELETE FROM import_staging WHERE import_id = $5::text),"
         " n AS (SELECT count(*) AS rows FROM e),"
         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
         "  SELECT " AUDIT_ACTOR ", 'Import', 'employee', $6::text,"
         "  jsonb_build_object('file', $6::text, 'rows', n.rows) FROM n)"
         " SELECT rows FROM n",
         6},
    /* $1 import id */
    [DB_STMT_IMPORT_DISCARD] = {"import_discard",
                                "DELETE FROM import_staging WHERE import_id = $1::text"
                                " OR staged_at < now() - interval '1 day'",
                                1},
    /* $5 subtree root path, $6 scope, $7 branch, $8 after this NIP, $9 page
     * size (one more row is read), $10 show NIKs, $11 office code asked for
     * (audit: one row per page with the count, UU 27/2022). Columns in
     * docs/IMPORT.md order (svc_import.c EXPORT_COLUMNS), all text. */
    [DB_STMT_EXPORT] =
        {"export_page",
         "WITH x AS (SELECT e.nip, (ARRAY['pns','cpns','pppk'])[e.employment_type] AS employment_type, e.name,"
         "  e.front_title, e.back_title, e.birth_place, to_char(e.birth_date, 'YYYY-MM-DD') AS birth_date,"
         "  (ARRAY['male','female'])[e.sex] AS sex, e.religion, e.marital_status,"
         "  (ARRAY['active','on_leave','retired','dismissed','deceased','transferred_out'])[e.status] AS status,"
         "  o.code AS office_code, to_char(e.tmt_cpns, 'YYYY-MM-DD') AS tmt_cpns, coalesce(e.current_rank_code, '') AS rank_code,"
         "  coalesce(to_char(e.current_rank_tmt, 'YYYY-MM-DD'), '') AS rank_tmt,"
         "  CASE WHEN e.current_rank_code IS NULL THEN '' ELSE coalesce(e.current_mkg_years, 0)::text END AS mkg_years,"
         "  coalesce(e.current_position_name, '') AS position_name,"
         "  coalesce((ARRAY['jpt','administrator','pengawas','pelaksana','fungsional'])[e.current_position_kind], '') AS position_kind,"
         "  coalesce(e.current_functional_level, '') AS functional_level,"
         "  coalesce((SELECT to_char(h.tmt, 'YYYY-MM-DD') FROM employee_positions h WHERE h.employee_id = e.id"
         "   ORDER BY h.tmt DESC, h.id DESC LIMIT 1), '') AS position_tmt,"
         "  coalesce(e.current_education_level, '') AS education_level, e.email, e.phone, e.address,"
         "  CASE WHEN $10::bool THEN coalesce(e.nik, '') ELSE '' END AS nik"
         "  FROM " EMP_FROM " WHERE starts_with(o.path, $5::text) AND starts_with(o.path, $6::text)"
         "  AND starts_with(o.path, $7::text) AND e.nip > $8::text ORDER BY e.nip LIMIT $9::int + 1),"
         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
         "  SELECT " AUDIT_ACTOR ", 'Export', 'employee', $11::text, jsonb_build_object('rows', count(*), 'nik', $10::bool)"
         "  FROM (SELECT nip FROM x ORDER BY nip LIMIT $9::int) y HAVING count(*) > 0)"
         " SELECT * FROM x ORDER BY nip",
         11},
    /* BEGIN requests (svc_request.c) */
#define REQ_US(x) "coalesce((extract(epoch FROM " x ") * 1000000)::bigint, 0)"
#define REQ_COLS                                                                                         \
  "r.id, r.number, r.service, r.state, e.nip, e.name, o.code, c.username, r.summary, r.step,"          \
  " " REQ_US("r.state_since") ", " REQ_US("r.created_at") ", " REQ_US("r.submitted_at") ","            \
  " " REQ_US("r.decided_at") ", " REQ_US("r.completed_at") ", coalesce(r.decree_number, ''),"          \
  " coalesce(to_char(r.decree_date, 'YYYY-MM-DD'), ''), coalesce(to_char(r.postpone_until, 'YYYY-MM-DD'), ''),"   \
  " r.version"
#define REQ_FROM                                                                                         \
  "requests r JOIN employees e ON e.id = r.employee_id JOIN offices o ON o.id = r.office_id"           \
  " JOIN users c ON c.id = r.created_by"
/* The actor of the request statements: $n user id, role, scope, branch. */
#define REQ_ACTOR(a, b, c, d) "$" a "::bigint, $" b "::smallint, $" c "::text, $" d "::text"
    [DB_STMT_REQ_CLIENT_ADDR] = {"req_client_addr", "SELECT set_config('simpeg.client_addr', $1::text, true)", 1},
    /* $1 number, $2..$5 actor */
    [DB_STMT_REQ_FIND] = {"req_find",
                          "SELECT r.id FROM requests r WHERE r.number = $1::text"
                          " AND request_visible(r.id, " REQ_ACTOR("2", "3", "4", "5") ")",
                          5},
    /* $1 id, $2..$5 actor */
    [DB_STMT_REQ_GET] = {"req_get",
                         "SELECT " REQ_COLS " FROM " REQ_FROM " WHERE r.id = $1::bigint"
                         " AND request_visible(r.id, " REQ_ACTOR("2", "3", "4", "5") ")",
                         5},
    [DB_STMT_REQ_STEPS] = {"req_steps",
                           "SELECT s.step_no, s.kind, coalesce(hu.username, ''), coalesce(hu.full_name, ''), ho.code,"
                           " coalesce(au.username, ''), " REQ_US("s.acted_at") ", coalesce(s.outcome, '')"
                           " FROM request_steps s JOIN offices ho ON ho.id = s.holder_office_id"
                           " LEFT JOIN users hu ON hu.id = s.holder_user_id LEFT JOIN users au ON au.id = s.acted_by"
                           " WHERE s.request_id = $1::bigint ORDER BY s.step_no",
                           1},
    [DB_STMT_REQ_DOCS] = {"req_docs",
                          "SELECT d.id, d.kind, d.filename, d.content_type, d.size_bytes, encode(d.sha256, 'hex'),"
                          " u.username, " REQ_US("d.created_at")
                          " FROM documents d JOIN users u ON u.id = d.uploaded_by"
                          " WHERE d.request_id = $1::bigint ORDER BY d.id",
                          1},
    /* Only what stands in the way of a submission. */
    [DB_STMT_REQ_MISSING] = {"req_missing",
                             "SELECT unnest(request_missing(r.id)) FROM requests r"
                             " WHERE r.id = $1::bigint AND r.state IN (1, 3)",
                             1},
    [DB_STMT_REQ_EVENTS] = {"req_events",
                            "SELECT " REQ_US("v.at") ", coalesce(u.username, ''), v.action, coalesce(v.from_state, 0),"
                            " v.to_state, v.step_no, coalesce(v.step_kind, ''), v.comment"
                            " FROM request_events v LEFT JOIN users u ON u.id = v.actor_user_id"
                            " WHERE v.request_id = $1::bigint ORDER BY v.id",
                            1},
    /* $1 number, $2..$5 actor, $6 action, $7 comment, $8 version (0: any),
     * $9 decree number, $10 decree date, $11 postpone until */
    [DB_STMT_REQ_ACT] = {"req_act",
                         "SELECT request_act($1::text, " REQ_ACTOR("2", "3", "4", "5") ", $6::text, $7::text,"
                         " $8::int, $9::text, $10::date, $11::date)",
                         11},
    /* $1..$4 actor, $5 subtree root path ('' the scope), $6 service ('' any),
     * $7 state (0 any), $8 mine, $9 employee NIP ('' any), $10 before this
     * id (0: first page), $11 page size (one more row is read). HR, admins
     * and auditors see their subtree; everyone else (and `mine`) what is
     * about them, filed by them, or held or acted on by them. */
    [DB_STMT_REQ_LIST] = {"req_list",
                          "SELECT " REQ_COLS " FROM " REQ_FROM
                          " WHERE starts_with(o.path, $4::text) AND starts_with(o.path, $5::text)"
                          " AND CASE WHEN $8::bool THEN r.created_by = $1::bigint"
                          "   OR e.nip = (SELECT nip FROM users WHERE id = $1::bigint)"
                          "  WHEN $2::smallint IN (3, 4, 5, 6) THEN starts_with(o.path, $3::text)"
                          "  ELSE r.created_by = $1::bigint OR e.nip = (SELECT nip FROM users WHERE id = $1::bigint)"
                          "   OR EXISTS (SELECT 1 FROM request_steps s WHERE s.request_id = r.id"
                          "    AND (s.holder_user_id = $1::bigint OR s.acted_by = $1::bigint)) END"
                          " AND ($6::text = '' OR r.service = $6::text) AND ($7::int = 0 OR r.state = $7::int)"
                          " AND ($9::text = '' OR e.nip = $9::text) AND ($10::bigint = 0 OR r.id < $10::bigint)"
                          " ORDER BY r.id DESC LIMIT $11::int + 1",
                          11},
    /* $1..$4 actor, $5 after this id, $6 page size (one more row is read).
     * Requests at a step the actor holds (never their own), and the
     * actor's own returned requests. */
    [DB_STMT_REQ_INBOX] = {"req_inbox",
                           "SELECT " REQ_COLS " FROM " REQ_FROM
                           " LEFT JOIN request_steps s ON s.request_id = r.id AND s.step_no = r.step"
                           " WHERE r.id > $5::bigint AND ((r.state IN (2, 4) AND s.step_no IS NOT NULL"
                           "  AND request_step_holder(s.holder_user_id, s.kind, s.holder_office_id, "
                           REQ_ACTOR("1", "2", "3", "4") ")"
                           "  AND e.nip IS DISTINCT FROM (SELECT nip FROM users WHERE id = $1::bigint))"
                           " OR (r.state = 3 AND (r.created_by = $1::bigint"
                           "  OR e.nip = (SELECT nip FROM users WHERE id = $1::bigint))))"
                           " ORDER BY r.id LIMIT $6::int + 1",
                           6},
    /* $1 actor id, $2 office code, $3 scope, $4 branch, $5 service, $6
     * steps, $7 official username ('' none), $8 version read (0: any) */
    [DB_STMT_CHAIN_SET] = {"chain_set",
                           "SELECT chain_set($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text[],"
                           " $7::text, $8::int)",
                           8},
    /* $1 office code, $2 service -> where it is configured ('' default),
     * steps, official username, inherited, version, the office's path */
    [DB_STMT_CHAIN_SHOW] = {"chain_show",
                            "SELECT coalesce(co.code, ''), array_to_string(c.steps, ','), coalesce(u.username, ''),"
                            " c.inherited, c.version, o.path"
                            " FROM offices o CROSS JOIN LATERAL request_chain(o.id, $2::text) c"
                            " LEFT JOIN offices co ON co.id = c.office_id LEFT JOIN users u ON u.id = c.official_user_id"
                            " WHERE o.code = $1::text AND c.steps IS NOT NULL",
                            2},
    /* $1..$4 actor, $5 nip ('' own) */
    [DB_STMT_CORRECTION_NIP] = {"correction_nip",
                                "SELECT e.nip FROM employees e WHERE e.id = request_applicant("
                                REQ_ACTOR("1", "2", "3", "4") ", $5::text, true)",
                                5},
    /* $1..$4 actor, $5 nip, $6 fields, $7 values, $8 reason, $9 draft, $10 key */
    [DB_STMT_CORRECTION_CREATE] = {"correction_create",
                                   "SELECT request_id, created FROM correction_request_create("
                                   REQ_ACTOR("1", "2", "3", "4") ", $5::text, $6::text[], $7::text[], $8::text,"
                                   " $9::bool, $10::text)",
                                   10},
    [DB_STMT_CORRECTION_DETAILS] = {"correction_details",
                                    "SELECT c.field, c.old_value, c.new_value, k.reason FROM correction_changes c"
                                    " JOIN correction_requests k ON k.request_id = c.request_id"
                                    " WHERE c.request_id = $1::bigint ORDER BY c.ord",
                                    1},
    /* $1 nip, $2 scope, $3 branch (EmployeeEdit's supervisor) */
    [DB_STMT_REQ_SUPERVISOR] = {"req_supervisor",
                                "SELECT s.id FROM employees s JOIN offices so ON so.id = s.office_id"
                                " WHERE s.nip = $1::text AND starts_with(so.path, $2::text) AND starts_with(so.path, $3::text)",
                                3},
    /* END requests */
    /* BEGIN leave (svc_leave.c) */
    /* $1..$4 user id, role, scope, branch; then the LeaveSubmit fields */
    [DB_STMT_LEAVE_CREATE] = {"leave_create",
                              "SELECT request_id, created FROM leave_request_create($1::bigint, $2::smallint,"
                              " $3::text, $4::text, $5::text, $6::text, $7::date, $8::date, $9::text, $10::text,"
                              " $11::bool, $12::int, $13::bool, $14::bool, $15::text)",
                              15},
    /* svc_leave.c LD_* order */
    [DB_STMT_LEAVE_DETAILS] = {"leave_details",
                               "SELECT leave_type, to_char(start_date, 'YYYY-MM-DD'), to_char(end_date, 'YYYY-MM-DD'),"
                               " days, unit, reason, address, hard_to_reach, birth_order, first_hajj, year"
                               " FROM leave_requests WHERE request_id = $1::bigint",
                               1},
    /* svc_leave.c LB_* order */
    /* reading someone else's balance writes an audit row (UU 27/2022) */
    [DB_STMT_LEAVE_BALANCE] = {"leave_balance",
                               "WITH e AS (SELECT request_applicant($1::bigint, $2::smallint, $3::text, $4::text,"
                               " $5::text, true) AS id),"
                               " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                               "  SELECT u.id, u.username, o.code, coalesce(current_setting('simpeg.client_addr', true), ''),"
                               "  'LeaveBalance', 'employee', x.nip, jsonb_build_object('year', $6::int)"
                               "  FROM e JOIN employees x ON x.id = e.id JOIN users u ON u.id = $1::bigint"
                               "  JOIN offices o ON o.id = u.office_id WHERE u.nip IS DISTINCT FROM x.nip)"
                               " SELECT b.eligible, b.entitlement, b.carried_over, b.taken, b.pending, b.remaining,"
                               " b.blocked_by_cuti_besar, b.forfeited FROM e, leave_balance(e.id, $6::int) b",
                               6},
    [DB_STMT_LEAVE_LEDGER] = {"leave_ledger",
                              "WITH e AS (SELECT request_applicant($1::bigint, $2::smallint, $3::text, $4::text,"
                              " $5::text, true) AS id)"
                              " SELECT to_char(g.on_date, 'YYYY-MM-DD'), g.kind, g.days, coalesce(r.number, '')"
                              " FROM e JOIN leave_ledger g ON g.employee_id = e.id"
                              " LEFT JOIN requests r ON r.id = g.request_id"
                              " WHERE g.year = $6::int ORDER BY g.id LIMIT 1000",
                              6},
    /* svc_leave.c LT_* order; max days: the cap's length from a common-year date */
    [DB_STMT_LEAVE_TYPES] = {"leave_types",
                             "SELECT t.code, t.name_id, t.for_pns, t.for_pppk, t.unit,"
                             " coalesce(('2001-01-01'::date + t.max_length)::date - '2001-01-01'::date, 0),"
                             " t.min_service_years,"
                             " coalesce((SELECT string_agg(v.kind, ',' ORDER BY v.min_days, v.kind)"
                             "  FROM leave_evidence v WHERE v.leave_type = t.code), '')"
                             " FROM leave_types t ORDER BY t.sort",
                             0},
    /* $1..$4 actor (svc_actor_params), $5 scope, $6 branch, $7..$10 arrays
     * (date, kind, name, office code), $11 year to replace (0: none) */
    [DB_STMT_HOLIDAY_IMPORT] = {"holiday_import",
                                "SELECT holiday_import($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text,"
                                " $7::date[], $8::smallint[], $9::text[], $10::text[], $11::int)",
                                11},
    /* $1 year, $2 office code ('': regional holidays of the caller's
     * subtree and of the offices above it), $3 scope, $4 branch */
    [DB_STMT_HOLIDAY_LIST] = {"holiday_list",
                              "SELECT to_char(h.day, 'YYYY-MM-DD'), h.kind, h.name, coalesce(ho.code, '')"
                              " FROM holidays h LEFT JOIN offices ho ON ho.id = h.office_id"
                              " WHERE h.day BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 31)"
                              " AND (h.kind IN (1, 2) OR CASE WHEN $2::text = ''"
                              "  THEN (starts_with(ho.path, $3::text) AND starts_with(ho.path, $4::text))"
                              "   OR starts_with($3::text, ho.path)"
                              "  ELSE starts_with((SELECT o.path FROM offices o WHERE o.code = $2::text), ho.path) END)"
                              " ORDER BY h.day, h.kind, ho.code LIMIT 2000",
                              4},
    /* $1..$4 actor, $5 scope, $6 branch, $7 office code, $8 ISO days */
    [DB_STMT_WORK_CALENDAR_SET] = {"work_calendar_set",
                                   "SELECT array_to_string(work_calendar_set($1::bigint, $2::text, $3::text, $4::text,"
                                   " $5::text, $6::text, $7::text, $8::smallint[]), ',')",
                                   8},
    /* END leave */
    /* BEGIN promotion (svc_promotion.c) */
    /* The rules are functions of migrations/0008_promotion.sql; these
     * statements add the scope, the paging and the audit rows. */
    /* $1..$4 actor, $5 period date, $6 submit from, $7 submit to */
    [DB_STMT_PROMO_PERIOD_ADD] = {"promo_period_add",
                                  "WITH p AS (INSERT INTO promotion_periods (period_date, submit_from, submit_to)"
                                  "  VALUES ($5::date, $6::date, $7::date) RETURNING *),"
                                  " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                                  "  SELECT " AUDIT_ACTOR ", 'PromotionPeriodAdd', 'promotion_period',"
                                  "  to_char(p.period_date, 'YYYY-MM-DD'), to_jsonb(p) FROM p)"
                                  " SELECT to_char(period_date, 'YYYY-MM-DD'), to_char(submit_from, 'YYYY-MM-DD'),"
                                  " to_char(submit_to, 'YYYY-MM-DD') FROM p",
                                  7},
    /* $1 year (0: from the first day of this year on) */
    [DB_STMT_PROMO_PERIOD_LIST] = {"promo_period_list",
                                   "SELECT to_char(period_date, 'YYYY-MM-DD'), to_char(submit_from, 'YYYY-MM-DD'),"
                                   " to_char(submit_to, 'YYYY-MM-DD') FROM promotion_periods"
                                   " WHERE CASE WHEN $1::int = 0 THEN period_date >= date_trunc('year', current_date)"
                                   "  ELSE extract(year FROM period_date) = $1::int END"
                                   " ORDER BY period_date",
                                   1},
    /* $1..$4 actor, $5 subtree root path, $6 scope, $7 branch, $8 period
     * ('' the next one), $9 every employee (else the eligible only), $10
     * after this NIP (NULL: first page), $11 page size (one more row is
     * read), $12 office code asked for (audit). svc_promotion.c ELIG_*. */
    [DB_STMT_PROMO_ELIGIBLE] =
        {"promo_eligible",
         "WITH p AS MATERIALIZED (SELECT promotion_period_pick($8::text) AS d),"
         " x AS (SELECT to_char(p.d, 'YYYY-MM-DD') AS period, c.nip, c.name, c.office_code, coalesce(c.rank_code, '') AS rank_code,"
         "  coalesce(to_char(c.rank_tmt, 'YYYY-MM-DD'), '') AS rank_tmt, c.years_in_rank, coalesce(c.next_rank, '') AS next_rank,"
         "  c.kind, c.eligible, array_to_string(c.reasons, ',') AS reasons"
         "  FROM p CROSS JOIN LATERAL promotion_candidates($5::text, $6::text, $7::text, p.d, $9::bool, $10::text,"
         "  $11::int + 1) c),"
         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
         "  SELECT " AUDIT_ACTOR ", 'PromotionEligibility', 'employee', $12::text,"
         "  jsonb_build_object('period', min(y.period), 'nips', jsonb_agg(y.nip ORDER BY y.nip))"
         "  FROM (SELECT period, nip FROM x ORDER BY nip LIMIT $11::int) y HAVING count(*) > 0)"
         " SELECT * FROM x ORDER BY nip",
         12},
    /* $1 subtree root path, $2 scope, $3 branch, $4 period ('' the next).
     * The period is picked once (MATERIALIZED): the inlined function would
     * otherwise call promotion_period_pick wherever it uses the date, for
     * every row. */
    [DB_STMT_PROMO_COUNTS] = {"promo_counts",
                              "WITH p AS MATERIALIZED (SELECT promotion_period_pick($4::text) AS d)"
                              " SELECT c.eligible, c.checked FROM p"
                              " CROSS JOIN LATERAL promotion_counts($1::text, $2::text, $3::text, p.d) c",
                              4},
    /* $1 period ('' the next one) */
    [DB_STMT_PROMO_PERIOD_PICK] = {"promo_period_pick",
                                   "SELECT to_char(promotion_period_pick($1::text), 'YYYY-MM-DD')", 1},
    /* $1..$4 request actor (user id, role, scope, branch), $5 NIP, $6
     * kind, $7 period date, $8 draft, $9 idempotency key */
    [DB_STMT_PROMO_CREATE] = {"promo_create",
                              "SELECT request_id, created FROM promotion_request_create($1::bigint, $2::smallint,"
                              " $3::text, $4::text, $5::text, $6::text, $7::text, $8::bool, $9::text)",
                              9},
    /* $1 request id */
    [DB_STMT_PROMO_DETAILS] = {"promo_details",
                               "SELECT q.kind, to_char(q.period_date, 'YYYY-MM-DD'), q.from_rank, q.to_rank,"
                               " array_to_string(q.checklist, ',') FROM promotion_requests q"
                               " WHERE q.request_id = $1::bigint",
                               1},
    /* $1..$4 actor, $5 subtree root path, $6 scope, $7 branch, $8 months
     * ahead, $9 after due date, $10 after NIP (NULL: first page), $11
     * page size (one more row is read), $12 office code asked for
     * (audit). svc_promotion.c KGB_*. */
    [DB_STMT_KGB_DUE] =
        {"kgb_due",
         "WITH x AS (SELECT k.nip, k.name, k.office_code, k.rank_code, to_char(k.due, 'YYYY-MM-DD') AS due,"
         "  k.from_mkg, k.to_mkg, coalesce(k.from_gaji, 0) AS from_gaji, coalesce(k.to_gaji, 0) AS to_gaji,"
         "  coalesce(k.request_number, '') AS request_number, k.due AS k1"
         "  FROM kgb_due_list($5::text, $6::text, $7::text, $8::int, $9::date, $10::text, $11::int + 1) k),"
         " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
         "  SELECT " AUDIT_ACTOR ", 'KgbDue', 'employee', $12::text,"
         "  jsonb_build_object('months', $8::int, 'nips', jsonb_agg(y.nip ORDER BY y.nip))"
         "  FROM (SELECT nip FROM x ORDER BY k1, nip LIMIT $11::int) y HAVING count(*) > 0)"
         " SELECT * FROM x ORDER BY k1, nip",
         12},
    /* $1..$4 request actor, $5 NIP, $6 TMT ('' the due date), $7 draft,
     * $8 idempotency key */
    [DB_STMT_KGB_CREATE] = {"kgb_create",
                            "SELECT request_id, created FROM kgb_request_create($1::bigint, $2::smallint,"
                            " $3::text, $4::text, $5::text, $6::text, $7::bool, $8::text)",
                            8},
    /* $1 request id */
    [DB_STMT_KGB_DETAILS] = {"kgb_details",
                             "SELECT to_char(q.tmt, 'YYYY-MM-DD'), q.rank_code, q.from_mkg, q.to_mkg,"
                             " coalesce(q.from_gaji, 0), coalesce(q.to_gaji, 0),"
                             " coalesce(to_char(q.postponed_until, 'YYYY-MM-DD'), '')"
                             " FROM kgb_requests q WHERE q.request_id = $1::bigint",
                             1},
    /* $1 subtree root path, $2 scope, $3 branch, $4 years */
    [DB_STMT_RETIREMENT] = {"retirement",
                            "SELECT year, count FROM retirement_projection($1::text, $2::text, $3::text, $4::int)",
                            4},
    /* END promotion */
    /* BEGIN docs (svc_docs.c) */
    /* $1 number, $2 user id, $3 role, $4 scope, $5 branch (0009_documents.sql) */
    [DB_STMT_DOC_UPLOAD_CHECK] = {"doc_upload_check",
                                  "SELECT document_upload_check($1::text, $2::bigint, $3::smallint, $4::text,"
                                  " $5::text, false)",
                                  5},
    /* $5 number, $6 role, $7 scope, $8 branch, $9 kind, $10 filename,
     * $11 content type, $12 sha256 and $13 content (both binary). One
     * statement: document, timeline row (document_store) and audit row. */
    [DB_STMT_DOC_STORE] = {"doc_store",
                           "WITH d AS (SELECT * FROM document_store($5::text, $1::bigint, $6::smallint, $7::text,"
                           "  $8::text, $9::text, $10::text, $11::text, $12::bytea, $13::bytea)),"
                           " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                           "  SELECT " AUDIT_ACTOR ", 'DocumentUpload', 'document', d.id::text,"
                           "  jsonb_build_object('request', d.request_number, 'kind', d.kind, 'filename', d.filename,"
                           "   'size', d.size_bytes, 'sha256', encode(d.sha256, 'hex')) FROM d)"
                           " SELECT d.id, d.kind, d.filename, d.content_type, d.size_bytes, encode(d.sha256, 'hex'),"
                           "  d.uploaded_by, d.uploaded_at_us, d.request_number FROM d",
                           13},
    /* $5 document id, $6 role, $7 scope, $8 branch, $9 offset, $10 length.
     * No row: no such document, or its request is not visible to the
     * caller. Every chunk read writes its audit row (personal data). */
    [DB_STMT_DOC_READ] = {"doc_read",
                          "WITH d AS (SELECT x.id, x.kind, x.filename, x.content_type, x.size_bytes, x.sha256,"
                          "  x.created_at, u.username, r.number,"
                          "  substring(x.content FROM $9::int + 1 FOR $10::int) AS part"
                          "  FROM documents x JOIN requests r ON r.id = x.request_id JOIN users u ON u.id = x.uploaded_by"
                          "  WHERE x.id = $5::bigint"
                          "  AND request_visible(x.request_id, $1::bigint, $6::smallint, $7::text, $8::text)),"
                          " a AS (INSERT INTO audit_log (" AUDIT_COLS ", after)"
                          "  SELECT " AUDIT_ACTOR ", 'DocumentDownload', 'document', d.id::text,"
                          "  jsonb_build_object('request', d.number, 'offset', $9::int, 'length', length(d.part))"
                          "  FROM d)"
                          " SELECT d.id, d.kind, d.filename, d.content_type, d.size_bytes, encode(d.sha256, 'hex'),"
                          "  d.username, (extract(epoch FROM d.created_at) * 1000000)::bigint, d.part FROM d",
                          10},
    /* $1 office code (the subtree), $2 scope, $3 branch, $4 service ('' all),
     * $5 from, $6 to. An unknown office gives no rows (the handler checks
     * the office first). */
    [DB_STMT_SERVICE_TIMES] = {"service_times",
                               "SELECT t.service, t.office_code, t.office_name, t.states, t.decided,"
                               "  coalesce(t.median_hours, 0), coalesce(t.p90_hours, 0), t.step_kinds, t.step_counts,"
                               "  t.step_median, t.step_p90"
                               " FROM offices o0, service_times(o0.path, $2::text, $3::text, $4::text, $5::date,"
                               "  $6::date) t WHERE o0.code = $1::text",
                               6},
    /* END docs */
};
