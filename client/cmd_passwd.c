/* cmd_passwd: `simpeg passwd [--password-stdin]`: changes the signed-in
 * user's own password. The server ends every session of the user and
 * issues a new one for this connection, which replaces the stored one. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PASSWORD_MAX 1024

enum { OPT_PASSWORD_STDIN = CLI_OPT_COMMAND_BASE };

typedef struct passwd_state {
  bool password_stdin;
} passwd_state_t;

static const struct option passwd_options[] = {
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {NULL, 0, NULL, 0},
};

static int passwd_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  (void)arg, (void)err, (void)errlen;
  passwd_state_t *st = state;
  if (val == OPT_PASSWORD_STDIN) st->password_stdin = true;
  return 0;
}

typedef struct secrets {
  char old_pw[PASSWORD_MAX];
  char new_pw[PASSWORD_MAX];
  char again[PASSWORD_MAX];
} secrets_t;

static int read_passwords(cli_ctx_t *ctx, const passwd_state_t *st, secrets_t *p) {
  int rc;
  if (st->password_stdin) {
    rc = cli_read_secret_stdin(ctx, _("the current password"), p->old_pw, PASSWORD_MAX);
    if (!rc) rc = cli_read_secret_stdin(ctx, _("the new password"), p->new_pw, PASSWORD_MAX);
    if (rc) return rc;
  } else {
    rc = cli_prompt(ctx, _("Current password: "), true, p->old_pw, PASSWORD_MAX);
    if (!rc) rc = cli_prompt(ctx, _("New password: "), true, p->new_pw, PASSWORD_MAX);
    if (!rc) rc = cli_prompt(ctx, _("New password again: "), true, p->again, PASSWORD_MAX);
    if (rc) return rc;
    if (strcmp(p->new_pw, p->again) != 0)
      return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s",
                      _("the two new passwords differ; the password was not changed"));
  }
  if (!p->old_pw[0]) return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s", _("no current password given"));
  if (!p->new_pw[0]) return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s", _("the new password must not be empty"));
  if (strcmp(p->old_pw, p->new_pw) == 0)
    return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s",
                    _("the new password is the same as the current one; the password was not changed"));
  return 0;
}

static void print_changed(cli_ctx_t *ctx, uint64_t expires_at_us) {
  char when[96];
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "server");
    json_string(&j, ctx->settings.server);
    json_key(&j, "username");
    json_string(&j, ctx->session.username);
    json_key(&j, "password_changed");
    json_bool(&j, true);
    json_key(&j, "other_sessions_signed_out");
    json_bool(&j, true);
    json_key(&j, "session_expires_at");
    if (expires_at_us) {
      cli_format_time_utc(when, sizeof(when), expires_at_us);
      json_string(&j, when);
    } else {
      json_null(&j);
    }
    json_key(&j, "session_expires_at_us");
    json_uint(&j, expires_at_us);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  fprintf(ctx->out, "%s\n", _("Password changed."));
  fprintf(ctx->out, "%s\n",
          _("All other sessions of this account were signed out; this computer stays signed in with a new "
            "session."));
  cli_table_t t = {0};
  cli_format_time(when, sizeof(when), expires_at_us);
  cli_table_add(&t, _("Session expires at"), "%s", when);
  cli_table_print(&t, ctx->out);
}

static int passwd_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  passwd_state_t *st = state;
  if (argc > 0) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  /* Not signed in: say so before asking for passwords. */
  int rc = cli_session_load(ctx, CLI_AUTH_REQUIRED);
  if (rc) return rc;
  secrets_t p;
  memset(&p, 0, sizeof(p));
  rc = read_passwords(ctx, st, &p);
  spc_sync_t *s = NULL;
  if (!rc) rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) {
    explicit_bzero(&p, sizeof(p));
    return rc;
  }

  Simpeg__V1__ChangePassword cp = SIMPEG__V1__CHANGE_PASSWORD__INIT;
  cp.old_password = p.old_pw;
  cp.new_password = p.new_pw;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_CHANGE_PASSWORD;
  req.change_password = &cp;
  Simpeg__V1__Response *resp = NULL;
  rc = cli_call(ctx, s, &req, &resp); /* packed before it returns */
  explicit_bzero(&p, sizeof(p));
  if (rc == 0) {
    Simpeg__V1__ChangePasswordReply *cr = resp->change_password;
    if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_CHANGE_PASSWORD || !cr || !cr->token || !cr->token[0]) {
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s",
                    _("the password may have been changed, but the server's answer was not understood; sign "
                      "in again with 'simpeg login'"));
    } else {
      rc = cli_session_save(ctx, cr->token);
      explicit_bzero(cr->token, strlen(cr->token));
      if (rc)
        fprintf(ctx->err, "simpeg: %s\n",
                _("the password was changed, but the new session could not be saved; sign in again with "
                  "'simpeg login' using the new password"));
      else
        print_changed(ctx, cr->expires_at_us);
    }
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_passwd = {
    .name = "passwd",
    .summary = N_("Change your password"),
    .usage = N_("passwd [--password-stdin]"),
    .description = N_("Changes the password of the signed-in user. Asks on the terminal, without\n"
                      "showing them, for the current password and twice for the new one. All\n"
                      "other sessions of the account are signed out; this computer gets a new\n"
                      "session.\n"
                      "\n"
                      "Options:\n"
                      "  --password-stdin   read two lines from standard input: the current\n"
                      "                     password, then the new one (for scripts)\n"),
    .options = passwd_options,
    .state_size = sizeof(passwd_state_t),
    .parse_opt = passwd_parse_opt,
    .run = passwd_run,
};
