/* migrate: brings the database schema up to the version this binary knows.
 *
 * The migrations are the numbered files server/migrations/NNNN_name.sql,
 * embedded into the binary at build time by tools/embed_sql.py, so the daemon
 * needs no files at run time. sp_migrate() applies the missing ones in one
 * transaction under an advisory lock (two daemons starting together
 * serialize; the second finds nothing to do), and refuses to touch a database
 * whose applied migrations differ from the embedded ones or that is newer
 * than this binary.
 *
 * It uses blocking libpq: call it before the event loop starts (or from a
 * worker thread), never on the loop. */
#ifndef SP_MIGRATE_H
#define SP_MIGRATE_H

#include <stddef.h>

/* One embedded migration; the table is generated (migrations_data.c). */
typedef struct sp_migration {
  int version;        /* NNNN of the file name: 1, 2, 3... without gaps */
  const char *name;   /* the rest of the file name, without ".sql" */
  const char *sql;    /* the file's text, run as one multi-statement string */
  const char *sha256; /* lowercase hex SHA-256 of the file's bytes */
} sp_migration_t;

extern const sp_migration_t sp_migrations[];
extern const int sp_migrations_count;

/* The schema version this binary expects: the highest embedded migration. */
int sp_schema_expected(void);

/* Connects with `conninfo`, applies the missing migrations and disconnects.
 * On success returns 0 and reports the version found (0 for an empty
 * database) and the version left. On failure nothing is changed, `err`
 * holds a message for the operator, and the result is:
 *   -ENOTCONN  cannot connect
 *   -EIO       a statement failed (the server's message is in err)
 *   -EBADMSG   an applied migration's checksum differs from the embedded one,
 *              or the applied versions have a gap
 *   -ERANGE    the database is at a version newer than this binary knows
 * from_version/to_version may be NULL. */
int sp_migrate(const char *conninfo, int *from_version, int *to_version, char *err,
               size_t errlen);

#endif
