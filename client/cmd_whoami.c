/* cmd_whoami: `simpeg whoami`: who this computer is signed in as on the
 * server (user, role, office, branch limit, session expiry). Also home of
 * cli_print_identity, which `login` uses for the same view. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *str(const char *s) { return s ? s : ""; }

void cli_print_identity(cli_ctx_t *ctx, const Simpeg__V1__User *u, const char *office_name, const char *branch,
                        uint64_t expires_at_us, uint32_t idle_timeout_s) {
  static const Simpeg__V1__User none = SIMPEG__V1__USER__INIT;
  if (!u) u = &none;
  office_name = str(office_name);
  branch = str(branch);
  char when[96];
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "server");
    json_string(&j, ctx->settings.server);
    json_key(&j, "user");
    json_begin_object(&j);
    json_key(&j, "username");
    json_string(&j, str(u->username));
    json_key(&j, "full_name");
    json_string(&j, str(u->full_name));
    json_key(&j, "role");
    json_string(&j, cli_role_name(u->role));
    json_key(&j, "office_code");
    json_string(&j, str(u->office_code));
    json_key(&j, "nip");
    json_string(&j, str(u->nip));
    json_end_object(&j);
    json_key(&j, "office_name");
    json_string(&j, office_name);
    json_key(&j, "branch_office_code");
    if (*branch)
      json_string(&j, branch);
    else
      json_null(&j);
    json_key(&j, "session_expires_at");
    if (expires_at_us) {
      cli_format_time_utc(when, sizeof(when), expires_at_us);
      json_string(&j, when);
    } else {
      json_null(&j);
    }
    json_key(&j, "session_expires_at_us");
    json_uint(&j, expires_at_us);
    if (idle_timeout_s) {
      json_key(&j, "idle_timeout_seconds");
      json_uint(&j, idle_timeout_s);
    }
    json_end_object(&j);
    json_finish(&j);
    return;
  }

  cli_table_t t = {0};
  if (u->full_name && *u->full_name)
    cli_table_add(&t, _("Signed in as"),
                  /* TRANSLATORS: a name with its identifier, e.g. "Budi Santoso (budi)"
                     or "BKPSDM Kota Binjai (12.75.BKPSDM)". */
                  _("%s (%s)"), u->full_name, str(u->username));
  else
    cli_table_add(&t, _("Signed in as"), "%s", str(u->username));
  if (u->nip && *u->nip) cli_table_add(&t, _("NIP"), "%s", u->nip);
  cli_table_add(&t, _("Role"), "%s", cli_role_label(u->role));
  if (*office_name)
    cli_table_add(&t, _("Office"), _("%s (%s)"), office_name, str(u->office_code));
  else
    cli_table_add(&t, _("Office"), "%s", str(u->office_code));
  if (*branch) cli_table_add(&t, _("Limited to branch office"), "%s", branch);
  cli_table_add(&t, _("Server"), "%s", ctx->settings.server);
  cli_format_time(when, sizeof(when), expires_at_us);
  cli_table_add(&t, _("Session expires at"), "%s", when);
  if (idle_timeout_s) {
    if (idle_timeout_s % 60 == 0)
      cli_table_add(&t, _("Session ends when unused for"),
                    ngettext("%u minute", "%u minutes", idle_timeout_s / 60), idle_timeout_s / 60);
    else
      cli_table_add(&t, _("Session ends when unused for"), ngettext("%u second", "%u seconds", idle_timeout_s),
                    idle_timeout_s);
  }
  cli_table_print(&t, ctx->out);
}

static int whoami_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  if (argc > 0) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;
  Simpeg__V1__WhoAmI w = SIMPEG__V1__WHO_AM_I__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_WHOAMI;
  req.whoami = &w;
  Simpeg__V1__Response *resp = NULL;
  rc = cli_call(ctx, s, &req, &resp);
  if (rc == 0) {
    const Simpeg__V1__WhoAmIReply *r = resp->whoami;
    if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_WHOAMI || !r) {
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s",
                    _("the server answered the whoami request with something else"));
    } else {
      cli_print_identity(ctx, r->user, r->office_name, r->branch_office_code, r->session_expires_at_us, 0);
    }
    spc_response_free(resp);
  }
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_whoami = {
    .name = "whoami",
    .summary = N_("Show who this computer is signed in as"),
    .usage = N_("whoami"),
    .description = N_("Shows the user this computer is signed in as on the server: user name,\n"
                      "full name, role, office, the branch office the connection is limited to\n"
                      "(if any) and when the session expires. Fails (exit status 4) when not\n"
                      "signed in; sign in with 'simpeg login'.\n"),
    .run = whoami_run,
};
