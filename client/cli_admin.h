/* cli_admin: what the administration commands (`simpeg user`, `office`,
 * `audit`; cmd_user.c, cmd_office.c, cmd_audit.c) share: subcommand
 * dispatch, parsing roles, office kinds, numbers and times, one signed-in
 * round trip, and column lists for people. */
#ifndef CLI_ADMIN_H
#define CLI_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* One subcommand: name, its positional arguments (min..max) and what runs it. */
typedef struct cli_sub {
  const char *name;
  int min_args, max_args;
  int (*run)(cli_ctx_t *ctx, void *state, int argc, char **argv);
} cli_sub_t;

/* Finds argv[0] in `subs` (terminated by a zero entry), checks the count of
 * the remaining arguments and runs it. Prints usage errors (exit 2). */
int cli_sub_dispatch(cli_ctx_t *ctx, const char *command, const cli_sub_t *subs, void *state, int argc, char **argv);

/* "employee", "supervisor", "hr_officer" (or hr-officer), "regional_admin",
 * "system_admin", "auditor". */
bool cli_parse_role(const char *s, Simpeg__V1__Role *out);
/* "national", "province", "city", "regency", "agency", "unit". */
bool cli_parse_office_kind(const char *s, Simpeg__V1__OfficeKind *out);
/* Decimal 0..max; -1 with a translated message in err. */
int cli_parse_uint(const char *arg, uint64_t max, uint64_t *out, const char *option, char *err, size_t errlen);
/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]" in local time -> microseconds
 * since the epoch; -1 with a translated message in err. */
int cli_parse_local_time(const char *arg, uint64_t *out_us, const char *option, char *err, size_t errlen);

/* Connects with the stored session, sends one call and checks the answer
 * has `result_case`. 0 with *resp set (the caller frees it and closes *s),
 * or an exit code after printing (nothing left open). */
int cli_admin_call(cli_ctx_t *ctx, Simpeg__V1__Request *req, int result_case, spc_sync_t **s,
                   Simpeg__V1__Response **resp);

/* Rows of columns printed aligned under a header (display width), values
 * sanitised like cli_table's. */
typedef struct cli_cols {
  size_t ncols;
  char **cells; /* rows x ncols, row 0 is the header */
  size_t nrows, cap;
} cli_cols_t;

void cli_cols_init(cli_cols_t *c, size_t ncols, const char *const *headers);
/* Adds a row of ncols strings (copied; NULL prints as ""). */
void cli_cols_add(cli_cols_t *c, const char *const *values);
void cli_cols_print(cli_cols_t *c, FILE *f); /* prints and frees */

/* JSON views of the messages. */
void cli_json_user(json_out_t *j, const Simpeg__V1__User *u);
void cli_json_office(json_out_t *j, const Simpeg__V1__Office *o);

#endif
