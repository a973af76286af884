/* cmd_login: `simpeg login [USERNAME] [--password-stdin]`: signs in and
 * keeps the session token in the session file (session_store.h) for the
 * commands that follow. The password is asked on the terminal with echo
 * off, or read as one line from standard input for scripts; it never goes
 * through argv or the environment. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define USERNAME_MAX 256
#define PASSWORD_MAX 1024

enum { OPT_PASSWORD_STDIN = CLI_OPT_COMMAND_BASE };

typedef struct login_state {
  bool password_stdin;
} login_state_t;

static const struct option login_options[] = {
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {NULL, 0, NULL, 0},
};

static int login_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  (void)arg, (void)err, (void)errlen;
  login_state_t *st = state;
  if (val == OPT_PASSWORD_STDIN) st->password_stdin = true;
  return 0;
}

/* Asks for what is missing. 0, or an exit code after printing. */
static int read_credentials(cli_ctx_t *ctx, const login_state_t *st, char *user, char *password) {
  int rc;
  if (!user[0]) {
    rc = cli_prompt(ctx, _("User name: "), false, user, USERNAME_MAX);
    if (rc) return rc;
    if (!user[0]) return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s", _("no user name given"));
  }
  if (st->password_stdin)
    rc = cli_read_secret_stdin(ctx, _("the password"), password, PASSWORD_MAX);
  else
    rc = cli_prompt(ctx, _("Password: "), true, password, PASSWORD_MAX);
  if (rc) return rc;
  if (!password[0]) return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s", _("no password given"));
  return 0;
}

/* The office's name and the branch limit, which LoginReply does not carry;
 * best effort (the sign-in has succeeded either way). */
static Simpeg__V1__Response *ask_whoami(spc_sync_t *s) {
  Simpeg__V1__WhoAmI w = SIMPEG__V1__WHO_AM_I__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_WHOAMI;
  req.whoami = &w;
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  if (spc_sync_call(s, &req, &resp, &err) != 0 || resp->result_case != SIMPEG__V1__RESPONSE__RESULT_WHOAMI ||
      !resp->whoami) {
    spc_response_free(resp);
    return NULL;
  }
  return resp;
}

static int login_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  login_state_t *st = state;
  if (argc > 1) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[1]);
    return CLI_EXIT_USAGE;
  }
  if (st->password_stdin && argc == 0)
    return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", "%s",
                    _("with --password-stdin, give the user name as an argument: simpeg login USERNAME "
                      "--password-stdin"));
  if (argc == 1 && (!argv[0][0] || strlen(argv[0]) >= USERNAME_MAX))
    return cli_fail(ctx, CLI_EXIT_USAGE, "USAGE", _("invalid user name \"%s\""), argv[0]);
  int rc = cli_require_server(ctx);
  if (rc) return rc;

  char user[USERNAME_MAX] = "";
  char password[PASSWORD_MAX];
  if (argc == 1) snprintf(user, sizeof(user), "%s", argv[0]);
  rc = read_credentials(ctx, st, user, password);
  if (rc) {
    explicit_bzero(password, sizeof(password));
    return rc;
  }

  spc_sync_t *s;
  rc = cli_connect(ctx, &s);
  if (rc) {
    explicit_bzero(password, sizeof(password));
    return rc;
  }
  Simpeg__V1__Login login = SIMPEG__V1__LOGIN__INIT;
  login.username = user;
  login.password = password;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LOGIN;
  req.login = &login;
  Simpeg__V1__Response *resp = NULL;
  rc = cli_call(ctx, s, &req, &resp); /* packed before it returns */
  explicit_bzero(password, sizeof(password));
  if (rc == 0) {
    Simpeg__V1__LoginReply *lr = resp->login;
    if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_LOGIN || !lr || !lr->token || !lr->token[0]) {
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered the sign-in with something else"));
    } else {
      rc = cli_session_save(ctx, lr->token);
      explicit_bzero(lr->token, strlen(lr->token));
    }
    if (rc == 0) {
      Simpeg__V1__Response *who = ask_whoami(s);
      const Simpeg__V1__WhoAmIReply *w = who ? who->whoami : NULL;
      cli_print_identity(ctx, w && w->user ? w->user : lr->user, w ? w->office_name : NULL,
                         w ? w->branch_office_code : NULL, lr->expires_at_us, lr->idle_timeout_s);
      spc_response_free(who);
    }
    spc_response_free(resp);
  }
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_login = {
    .name = "login",
    .summary = N_("Sign in to the server"),
    .usage = N_("login [USERNAME] [--password-stdin]"),
    .description = N_("Signs in with a user name and password and keeps the session on this\n"
                      "computer, so that later commands run as this user until 'simpeg logout'\n"
                      "or until the session expires. The user name is asked for when not given;\n"
                      "the password is always asked for on the terminal, without showing it.\n"
                      "\n"
                      "The session is kept in $XDG_STATE_HOME/simpeg/session (by default\n"
                      "~/.local/state/simpeg/session), readable only by you, and is used only\n"
                      "with the server it was issued by. Signing in again replaces it.\n"
                      "\n"
                      "Options:\n"
                      "  --password-stdin   read the password from the first line of standard\n"
                      "                     input (for scripts; USERNAME is then required)\n"),
    .options = login_options,
    .state_size = sizeof(login_state_t),
    .parse_opt = login_parse_opt,
    .run = login_run,
};
