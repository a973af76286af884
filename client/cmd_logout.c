/* cmd_logout: `simpeg logout`: ends the session on the server (Logout) and
 * removes it from this computer. The local copy goes in every case, also
 * when the server cannot be reached; the user is told what happened on
 * the server's side. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_result(cli_ctx_t *ctx, bool was_signed_in, bool server_confirmed, const char *text) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "server");
    json_string(&j, ctx->settings.server);
    json_key(&j, "signed_out");
    json_bool(&j, was_signed_in);
    json_key(&j, "server_confirmed");
    json_bool(&j, server_confirmed);
    json_end_object(&j);
    json_finish(&j);
  } else {
    fprintf(ctx->out, "%s\n", text);
  }
}

static int logout_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  if (argc > 0) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  int rc = cli_session_load(ctx, CLI_AUTH_OPTIONAL);
  if (rc) return rc;
  char text[512];
  if (!ctx->session.token[0]) {
    snprintf(text, sizeof(text), _("You are not signed in to %s; nothing to do."), ctx->settings.server);
    print_result(ctx, false, false, text);
    return CLI_EXIT_OK;
  }

  const char *local_only = _("The session was removed from this computer; on the server it ends when it expires.");
  spc_sync_t *s;
  rc = cli_connect(ctx, &s);
  if (rc) {
    /* Reported (as JSON too, when asked); the local copy goes anyway. */
    cli_session_forget(ctx);
    fprintf(ctx->err, "simpeg: %s\n", local_only);
    return rc;
  }

  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  int r = cli_session_authenticate(ctx, s, &resp, &err);
  if (r != 0) {
    if (cli_session_ended(&err)) {
      /* Nothing left to end on the server. */
      cli_session_forget(ctx);
      snprintf(text, sizeof(text), _("Signed out of %s (the session had already ended on the server)."),
               ctx->settings.server);
      print_result(ctx, true, true, text);
    } else {
      rc = cli_report_error_hint(ctx, &err, local_only);
      cli_session_forget(ctx);
    }
    spc_response_free(resp);
    spc_sync_close(s);
    return rc;
  }
  spc_response_free(resp);
  resp = NULL;

  Simpeg__V1__Logout lo = SIMPEG__V1__LOGOUT__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LOGOUT;
  req.logout = &lo;
  r = spc_sync_call(s, &req, &resp, &err);
  if (r == 0 || cli_session_ended(&err)) {
    cli_session_forget(ctx);
    snprintf(text, sizeof(text), _("Signed out of %s."), ctx->settings.server);
    print_result(ctx, true, true, text);
  } else {
    rc = cli_report_error_hint(ctx, &err, local_only);
    cli_session_forget(ctx);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_logout = {
    .name = "logout",
    .summary = N_("Sign out and remove the session from this computer"),
    .usage = N_("logout"),
    .description = N_("Ends the session on the server and removes it from this computer. When\n"
                      "the server cannot be reached, the session is still removed from this\n"
                      "computer (exit status 3); on the server it then ends when it expires.\n"),
    .run = logout_run,
};
