/* migrate: applies the embedded migrations (contract in migrate.h).
 *
 * It runs before the event loop starts, so it uses blocking libpq; every
 * such call carries a "loop-safe:" note for the check that keeps blocking
 * calls out of the loop's code. */
#include "migrate.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_log.h"

/* Advisory lock taken by every migration run: "simpegdb" read as a
 * big-endian 64-bit integer. Fixed forever: two binaries of different
 * versions must still exclude each other. */
#define MIGRATE_LOCK_KEY "8316298516421370978"

int sp_schema_expected(void) {
  return sp_migrations_count > 0 ? sp_migrations[sp_migrations_count - 1].version : 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  for (char *s = err; *s; s++)
    if (*s == '\n') *s = ' ';
  size_t n = strlen(err);
  while (n > 0 && err[n - 1] == ' ') err[--n] = '\0';
}

/* "relation ... already exists, skipping" and friends: debug, not stderr. */
static void on_notice(void *arg, const char *message) {
  (void)arg;
  size_t n = strlen(message);
  while (n > 0 && message[n - 1] == '\n') n--;
  sp_log_debug("migrate: server notice: %.*s", (int)n, message);
}

/* Runs SQL (several statements allowed). 0 and, if `out`, the result for the
 * caller to PQclear; or -EIO with `what` and the server's message in err. */
static int run_sql(PGconn *pg, const char *sql, const char *what, PGresult **out, char *err,
                   size_t errlen) {
  PGresult *res = PQexec(pg, sql); /* loop-safe: runs before the event loop starts */
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    set_err(err, errlen, "%s: %s", what, res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
    PQclear(res);
    return -EIO;
  }
  if (out)
    *out = res;
  else
    PQclear(res);
  return 0;
}

static int record_migration(PGconn *pg, const sp_migration_t *m, char *err, size_t errlen) {
  char version[16];
  snprintf(version, sizeof(version), "%d", m->version);
  const char *values[3] = {version, m->name, m->sha256};
  PGresult *res = PQexecParams(pg, /* loop-safe: runs before the event loop starts */
                               "INSERT INTO schema_migrations (version, name, checksum)"
                               " VALUES ($1::int, $2, $3)",
                               3, NULL, values, NULL, NULL, 0);
  int rc = 0;
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    set_err(err, errlen, "recording migration %04d_%s: %s", m->version, m->name,
            res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
    rc = -EIO;
  }
  PQclear(res);
  return rc;
}

/* Checks what the database has applied against the embedded list; sets
 * *applied to the number of migrations already there. */
static int check_applied(const PGresult *res, int *applied, char *err, size_t errlen) {
  int rows = PQntuples(res);
  int expected = sp_schema_expected();
  if (rows > 0) {
    int newest = atoi(PQgetvalue(res, rows - 1, 0));
    if (newest > expected) {
      set_err(err, errlen,
              "the database schema is at version %d, newer than this simpegd knows (%d): "
              "upgrade simpegd",
              newest, expected);
      return -ERANGE;
    }
  }
  for (int i = 0; i < rows; i++) {
    int version = atoi(PQgetvalue(res, i, 0));
    const sp_migration_t *m = &sp_migrations[i];
    if (version != m->version) {
      set_err(err, errlen,
              "schema_migrations lists version %d where %d was expected: this database was "
              "not built by simpeg's migrations",
              version, m->version);
      return -EBADMSG;
    }
    const char *checksum = PQgetvalue(res, i, 1);
    if (strcmp(checksum, m->sha256) != 0) {
      set_err(err, errlen,
              "migration %04d_%s differs from the one applied to this database (checksum "
              "%.12s in the database, %.12s in simpegd): an applied migration must never "
              "change; add a new one instead",
              m->version, m->name, checksum, m->sha256);
      return -EBADMSG;
    }
  }
  *applied = rows;
  return 0;
}

static int migrate_in_transaction(PGconn *pg, int *from, char *err, size_t errlen) {
  int rc = run_sql(pg, "BEGIN", "starting the migration transaction", NULL, err, errlen);
  if (rc == 0)
    rc = run_sql(pg, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")",
                 "taking the migration lock", NULL, err, errlen);
  if (rc == 0)
    rc = run_sql(pg, "SET LOCAL statement_timeout = 0", "lifting statement_timeout", NULL, err,
                 errlen);
  if (rc == 0)
    rc = run_sql(pg,
                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version int PRIMARY KEY,"
                 " name text NOT NULL,"
                 " checksum text NOT NULL,"
                 " applied_at timestamptz NOT NULL DEFAULT now())",
                 "creating schema_migrations", NULL, err, errlen);
  if (rc < 0) return rc;

  PGresult *res = NULL;
  rc = run_sql(pg, "SELECT version, checksum FROM schema_migrations ORDER BY version",
               "reading schema_migrations", &res, err, errlen);
  if (rc < 0) return rc;
  int applied = 0;
  rc = check_applied(res, &applied, err, errlen);
  PQclear(res);
  if (rc < 0) return rc;
  *from = applied;

  for (int i = applied; i < sp_migrations_count; i++) {
    const sp_migration_t *m = &sp_migrations[i];
    char what[160];
    snprintf(what, sizeof(what), "applying migration %04d_%s", m->version, m->name);
    rc = run_sql(pg, m->sql, what, NULL, err, errlen);
    if (rc == 0) rc = record_migration(pg, m, err, errlen);
    if (rc < 0) return rc;
    sp_log_info("migrate: applied %04d_%s", m->version, m->name);
  }
  return run_sql(pg, "COMMIT", "committing the migrations", NULL, err, errlen);
}

int sp_migrate(const char *conninfo, int *from_version, int *to_version, char *err,
               size_t errlen) {
  if (err && errlen) err[0] = '\0';
  PGconn *pg = PQconnectdb(conninfo); /* loop-safe: runs before the event loop starts */
  if (!pg || PQstatus(pg) != CONNECTION_OK) {
    set_err(err, errlen, "cannot connect to PostgreSQL: %s",
            pg ? PQerrorMessage(pg) : "out of memory");
    PQfinish(pg);
    return -ENOTCONN;
  }
  PQsetNoticeProcessor(pg, on_notice, NULL);
  int from = 0;
  /* On failure PQfinish ends the session and the server rolls back. */
  int rc = migrate_in_transaction(pg, &from, err, errlen);
  PQfinish(pg);
  if (rc < 0) return rc;
  int to = sp_schema_expected();
  if (from != to)
    sp_log_info("migrate: schema version %d -> %d", from, to);
  else
    sp_log_debug("migrate: schema is at version %d, nothing to do", to);
  if (from_version) *from_version = from;
  if (to_version) *to_version = to;
  return 0;
}
