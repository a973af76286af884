/* bootstrap: `simpegd bootstrap-admin`, the first system administrator of a
 * new installation (an account at the root office). With no administrator
 * nobody could sign in to create accounts; once one exists, this refuses:
 * further accounts and password resets go through the protocol, audited.
 *
 * It uses blocking libpq: call it before the event loop starts. */
#ifndef SIMPEGD_BOOTSTRAP_H
#define SIMPEGD_BOOTSTRAP_H

#include <stddef.h>

typedef struct bootstrap_admin {
  const char *username;
  const char *full_name;
  const char *password; /* clear text; hashed here, never stored or logged */
} bootstrap_admin_t;

/* Creates the account and its audit row in one transaction. 0 on success;
 * otherwise nothing changed, `err` says why for the operator, and:
 *   -EINVAL    the username, full name or password breaks the rules
 *   -ENOTCONN  cannot connect to PostgreSQL
 *   -ESTALE    the schema is missing or at another version (run migrate)
 *   -EEXIST    a system administrator exists already, or the username is taken
 *   -EIO       another database error */
int sp_bootstrap_admin(const char *conninfo, const bootstrap_admin_t *a, char *err, size_t errlen);

#endif
