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
/* The audit trigger fills seq, at and the hashes. */
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
                            " coalesce(a.after::text, ''), encode(a.hash, 'hex') FROM audit_log a"
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
    [DB_STMT_AUDIT_VERIFY] = {"audit_verify", "SELECT rows_checked, first_broken, problem FROM audit_verify()", 0},

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
};
