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
  DB_STMT__COUNT
};

extern const db_stmt_def_t db_stmts[DB_STMT__COUNT];

#endif
