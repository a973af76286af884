/* db_stmts: the statement table declared in db_stmts.h. Rows use designated
 * initializers so each is tied to its enum id; a forgotten row is a NULL
 * name that db_pool_new() refuses, and a doubled one is an -Woverride-init
 * error. */
#include "db_stmts.h"

const db_stmt_def_t db_stmts[DB_STMT__COUNT] = {
    [DB_STMT_STATUS] = {"status",
                        "SELECT current_setting('server_version'),"
                        " COALESCE((SELECT max(version) FROM schema_migrations), 0)::int",
                        0},
};
