/* cmd_me: `simpeg me`: the signed-in employee's own record (MyProfile):
 * identity, office, rank and position, salary grade and gaji pokok, years
 * of service and the retirement date, then the histories. Accounts not
 * linked to a NIP get the server's answer (no record). */
#include "cli_admin.h"
#include "cli_employee.h"

static int me_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  if (argc > 0) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  Simpeg__V1__MyProfile m = SIMPEG__V1__MY_PROFILE__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_MY_PROFILE;
  req.my_profile = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_MY_PROFILE, &s, &resp);
  if (rc) return rc;
  if (resp->my_profile->profile) cli_print_profile(ctx, resp->my_profile->profile);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

const cli_command_t cli_cmd_me = {
    .name = "me",
    .summary = N_("Show your own employee record and service summary"),
    .usage = N_("me"),
    .description = N_("Shows the record of the employee your account is linked to (by NIP): identity,\n"
                      "office, golongan, position and education, the salary grade and gaji pokok,\n"
                      "years of service, the retirement age (BUP) and date, and your histories.\n"
                      "Needs a signed-in account that has a NIP.\n"),
    .run = me_run,
};
