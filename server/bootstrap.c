/* bootstrap: the first system administrator (contract in bootstrap.h).
 *
 * The statement is the pool's (db_stmts.c), run here through blocking libpq
 * because no loop runs yet; every blocking call carries a "loop-safe:"
 * note for the check that keeps them out of the loop's code. */
#include "bootstrap.h"

#include <errno.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_stmts.h"
#include "kdf.h"
#include "migrate.h"
#include "svc_auth.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  /* libpq messages end in newlines; one line reads better. */
  for (char *s = err; *s; s++)
    if (*s == '\n') *s = ' ';
  size_t n = strlen(err);
  while (n > 0 && err[n - 1] == ' ') err[--n] = '\0';
  return rc;
}

static int check_input(const bootstrap_admin_t *a, char *err, size_t errlen) {
  if (!auth_username_valid(a->username))
    return fail(err, errlen, -EINVAL,
                "username '%s' is not valid: 2 to 63 characters of a-z, 0-9, '.', '_' and '-', "
                "starting with a letter or digit",
                a->username);
  size_t n = strlen(a->full_name);
  if (n == 0 || n > 200) return fail(err, errlen, -EINVAL, "the full name must have 1 to 200 characters");
  const char *problem = auth_new_password_problem(a->password, a->username);
  if (!problem) return 0;
  if (strcmp(problem, "too_short") == 0 || strcmp(problem, "required") == 0)
    return fail(err, errlen, -EINVAL, "the password must have at least %d characters", AUTH_PASSWORD_MIN);
  if (strcmp(problem, "too_long") == 0)
    return fail(err, errlen, -EINVAL, "the password must have at most %d bytes", KDF_PASSWORD_MAX);
  return fail(err, errlen, -EINVAL, "the password must not be the username");
}

/* The schema must be exactly what this binary knows. */
static int check_schema(PGconn *pg, char *err, size_t errlen) {
  PGresult *res = PQexec(pg, db_stmts[DB_STMT_STATUS].sql); /* loop-safe: runs before the event loop starts */
  int rc = 0;
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, "42P01") == 0) /* undefined_table: schema_migrations */
      rc = fail(err, errlen, -ESTALE, "the database has no simpeg schema yet: run simpegd migrate first");
    else
      rc = fail(err, errlen, -EIO, "reading the schema version: %s", PQresultErrorMessage(res));
  } else {
    int have = atoi(PQgetvalue(res, 0, 1)), want = sp_schema_expected();
    if (have != want)
      rc = fail(err, errlen, -ESTALE, "the database schema is at version %d, this simpegd needs %d: %s", have, want,
                have < want ? "run simpegd migrate first" : "upgrade simpegd");
  }
  PQclear(res);
  return rc;
}

static int exec_simple(PGconn *pg, const char *sql, const char *what, char *err, size_t errlen) {
  PGresult *res = PQexec(pg, sql); /* loop-safe: runs before the event loop starts */
  int rc = 0;
  if (PQresultStatus(res) != PGRES_COMMAND_OK)
    rc = fail(err, errlen, -EIO, "%s: %s", what, PQresultErrorMessage(res));
  PQclear(res);
  return rc;
}

static int create_admin(PGconn *pg, const bootstrap_admin_t *a, const char *hash, char *err, size_t errlen) {
  /* Two bootstraps at once must not both find "no administrator yet". */
  int rc = exec_simple(pg, "BEGIN", "starting the transaction", err, errlen);
  if (rc == 0)
    rc = exec_simple(pg, "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", "locking the users table", err, errlen);
  if (rc < 0) return rc;
  const char *values[3] = {a->username, a->full_name, hash};
  PGresult *res = PQexecParams(pg, db_stmts[DB_STMT_AUTH_BOOTSTRAP_ADMIN].sql, /* loop-safe: before the loop */
                               3, NULL, values, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, "23505") == 0)
      rc = fail(err, errlen, -EEXIST, "the username '%s' is taken; choose another with --username", a->username);
    else
      rc = fail(err, errlen, -EIO, "creating the account: %s", PQresultErrorMessage(res));
  } else if (PQntuples(res) == 0) {
    rc = fail(err, errlen, -EEXIST,
              "a system administrator exists already, so bootstrap-admin does nothing. To regain access, "
              "have a system administrator reset the password (simpeg user reset-password NAME)");
  }
  PQclear(res);
  if (rc < 0) return rc; /* PQfinish ends the session: the transaction rolls back */
  return exec_simple(pg, "COMMIT", "committing", err, errlen);
}

int sp_bootstrap_admin(const char *conninfo, const bootstrap_admin_t *a, char *err, size_t errlen) {
  int rc = check_input(a, err, errlen);
  if (rc < 0) return rc;
  /* Hash before connecting: no transaction waits on the KDF. */
  char hash[KDF_ENCODED_MAX];
  rc = kdf_hash(a->password, &kdf_default_params, hash);
  if (rc < 0) return fail(err, errlen, -EIO, "hashing the password failed (%d)", rc);
  PGconn *pg = PQconnectdb(conninfo); /* loop-safe: runs before the event loop starts */
  if (!pg || PQstatus(pg) != CONNECTION_OK) {
    rc = fail(err, errlen, -ENOTCONN, "cannot connect to PostgreSQL: %s", pg ? PQerrorMessage(pg) : "out of memory");
  } else {
    rc = check_schema(pg, err, errlen);
    if (rc == 0) rc = create_admin(pg, a, hash, err, errlen);
  }
  PQfinish(pg);
  OPENSSL_cleanse(hash, sizeof(hash));
  return rc;
}
