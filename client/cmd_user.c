/* cmd_user: `simpeg user add|list|show|disable|enable|set-role|
 * reset-password`: account administration (needs a signed-in regional or
 * system admin; list and show also HR officers and auditors). */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"

#define PASSWORD_MAX 1100

enum {
  OPT_NAME = CLI_OPT_COMMAND_BASE,
  OPT_ROLE,
  OPT_OFFICE,
  OPT_NIP,
  OPT_PASSWORD_STDIN,
  OPT_INCLUDE_DISABLED,
  OPT_AFTER,
  OPT_LIMIT,
  OPT_VERSION_EXPECTED,
};

static const struct option user_options[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"role", required_argument, NULL, OPT_ROLE},
    {"office", required_argument, NULL, OPT_OFFICE},
    {"nip", required_argument, NULL, OPT_NIP},
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {"include-disabled", no_argument, NULL, OPT_INCLUDE_DISABLED},
    {"after", required_argument, NULL, OPT_AFTER},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"expect-version", required_argument, NULL, OPT_VERSION_EXPECTED},
    {NULL, 0, NULL, 0},
};

typedef struct user_state {
  const char *name, *office, *nip, *after;
  Simpeg__V1__Role role;
  bool password_stdin, include_disabled;
  uint64_t limit, version;
} user_state_t;

static int user_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  user_state_t *st = state;
  switch (val) {
    case OPT_NAME: st->name = arg; return 0;
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_NIP: st->nip = arg; return 0;
    case OPT_AFTER: st->after = arg; return 0;
    case OPT_PASSWORD_STDIN: st->password_stdin = true; return 0;
    case OPT_INCLUDE_DISABLED: st->include_disabled = true; return 0;
    case OPT_LIMIT: return cli_parse_uint(arg, 1000, &st->limit, "--limit", err, errlen);
    case OPT_VERSION_EXPECTED: return cli_parse_uint(arg, INT32_MAX, &st->version, "--expect-version", err, errlen);
    case OPT_ROLE:
      if (cli_parse_role(arg, &st->role)) return 0;
      snprintf(err, errlen, _("unknown role \"%s\" (employee, supervisor, hr_officer, regional_admin, "
                              "system_admin, auditor)"),
               arg);
      return -1;
    default: return -1;
  }
}

static void print_user(cli_ctx_t *ctx, const Simpeg__V1__User *u, const char *generated) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "user");
    cli_json_user(&j, u);
    if (generated && *generated) {
      json_key(&j, "generated_password");
      json_string(&j, generated);
    }
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  cli_table_t t = {0};
  char when[96];
  cli_table_add(&t, _("User name"), "%s", u->username);
  cli_table_add(&t, _("Full name"), "%s", u->full_name);
  if (u->nip && *u->nip) cli_table_add(&t, _("NIP"), "%s", u->nip);
  cli_table_add(&t, _("Role"), "%s", cli_role_label(u->role));
  cli_table_add(&t, _("Office"), "%s", u->office_code);
  cli_table_add(&t, _("Status"), "%s", u->disabled ? _("disabled") : _("active"));
  cli_format_time(when, sizeof(when), u->created_at_us);
  cli_table_add(&t, _("Created"), "%s", when);
  if (u->last_login_at_us) {
    cli_format_time(when, sizeof(when), u->last_login_at_us);
    cli_table_add(&t, _("Last sign-in"), "%s", when);
  } else {
    cli_table_add(&t, _("Last sign-in"), "%s", _("never"));
  }
  cli_table_add(&t, _("Version"), "%lld", (long long)u->version);
  if (generated && *generated)
    /* TRANSLATORS: shown once after an account is created or its password reset. */
    cli_table_add(&t, _("Password (shown only now)"), "%s", generated);
  cli_table_print(&t, ctx->out);
}

/* The password for add/reset: from standard input with --password-stdin,
 * else "" (the server generates one and shows it once). */
static int read_password(cli_ctx_t *ctx, const user_state_t *st, char *buf) {
  buf[0] = '\0';
  if (!st->password_stdin) return 0;
  return cli_read_secret_stdin(ctx, _("the password"), buf, PASSWORD_MAX);
}

static void wipe(char *s) {
  volatile char *p = s;
  while (*p) *p++ = '\0';
}

static int user_add_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  user_state_t *st = state;
  if (!st->name || !st->role || !st->office)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'user add' needs --name, --role and --office"));
  char password[PASSWORD_MAX + 1];
  int rc = read_password(ctx, st, password);
  if (rc) return rc;
  Simpeg__V1__UserAdd m = SIMPEG__V1__USER_ADD__INIT;
  m.username = argv[0];
  m.full_name = (char *)st->name;
  m.role = st->role;
  m.office_code = (char *)st->office;
  m.nip = (char *)(st->nip ? st->nip : "");
  m.password = password;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_ADD;
  req.user_add = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_USER_ADD, &s, &resp);
  wipe(password);
  if (rc) return rc;
  print_user(ctx, resp->user_add->user, resp->user_add->generated_password);
  if (resp->user_add->generated_password) wipe(resp->user_add->generated_password);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int user_show_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  Simpeg__V1__UserShow m = SIMPEG__V1__USER_SHOW__INIT;
  m.username = argv[0];
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_SHOW;
  req.user_show = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_USER_SHOW, &s, &resp);
  if (rc) return rc;
  print_user(ctx, resp->user_show->user, NULL);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int user_list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  user_state_t *st = state;
  Simpeg__V1__UserList m = SIMPEG__V1__USER_LIST__INIT;
  m.office_code = (char *)(st->office ? st->office : "");
  m.role = st->role;
  m.include_disabled = st->include_disabled;
  m.after_username = (char *)(st->after ? st->after : "");
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_LIST;
  req.user_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_USER_LIST, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__UserListReply *l = resp->user_list;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "users");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_users; i++) cli_json_user(&j, l->users[i]);
    json_end_array(&j);
    json_key(&j, "next_after");
    if (l->next_after && *l->next_after)
      json_string(&j, l->next_after);
    else
      json_null(&j);
    json_end_object(&j);
    json_finish(&j);
  } else if (l->n_users == 0) {
    fprintf(ctx->out, "%s\n", _("No accounts."));
  } else {
    const char *head[] = {_("USER NAME"), _("FULL NAME"), _("ROLE"), _("OFFICE"), _("STATUS")};
    cli_cols_t c;
    cli_cols_init(&c, 5, head);
    for (size_t i = 0; i < l->n_users; i++) {
      const Simpeg__V1__User *u = l->users[i];
      const char *row[] = {u->username, u->full_name, cli_role_label(u->role), u->office_code,
                           u->disabled ? _("disabled") : _("active")};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
    if (l->next_after && *l->next_after)
      fprintf(ctx->out, _("More accounts follow: add --after %s\n"), l->next_after);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

/* The version to send: --expect-version, or the one the server has now
 * (read first), for changes that must name a version. */
static int current_version(cli_ctx_t *ctx, spc_sync_t *s, const char *username, int64_t *out) {
  Simpeg__V1__UserShow m = SIMPEG__V1__USER_SHOW__INIT;
  m.username = (char *)username;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_SHOW;
  req.user_show = &m;
  Simpeg__V1__Response *resp;
  int rc = cli_call(ctx, s, &req, &resp);
  if (rc) return rc;
  if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_USER_SHOW || !resp->user_show->user) {
    spc_response_free(resp);
    return cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
  }
  *out = resp->user_show->user->version;
  spc_response_free(resp);
  return 0;
}

static int set_disabled(cli_ctx_t *ctx, user_state_t *st, const char *username, bool disabled) {
  Simpeg__V1__UserSetDisabled m = SIMPEG__V1__USER_SET_DISABLED__INIT;
  m.username = (char *)username;
  m.disabled = disabled;
  m.version = (int64_t)st->version; /* 0: whatever the account is now */
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_SET_DISABLED;
  req.user_set_disabled = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_USER_SET_DISABLED, &s, &resp);
  if (rc) return rc;
  print_user(ctx, resp->user_set_disabled->user, NULL);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int user_disable_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  return set_disabled(ctx, state, argv[0], true);
}

static int user_enable_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  return set_disabled(ctx, state, argv[0], false);
}

static int user_set_role_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  user_state_t *st = state;
  Simpeg__V1__UserSetRole m = SIMPEG__V1__USER_SET_ROLE__INIT;
  m.username = argv[0];
  if (!cli_parse_role(argv[1], &m.role))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                    _("unknown role \"%s\" (employee, supervisor, hr_officer, regional_admin, system_admin, "
                      "auditor)"),
                    argv[1]);
  m.office_code = (char *)(st->office ? st->office : "");
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;
  m.version = (int64_t)st->version;
  if (!m.version && (rc = current_version(ctx, s, argv[0], &m.version))) {
    spc_sync_close(s);
    return rc;
  }
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_SET_ROLE;
  req.user_set_role = &m;
  Simpeg__V1__Response *resp;
  rc = cli_call(ctx, s, &req, &resp);
  if (rc == 0) {
    if (resp->result_case == SIMPEG__V1__RESPONSE__RESULT_USER_SET_ROLE && resp->user_set_role->user)
      print_user(ctx, resp->user_set_role->user, NULL);
    else
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
    spc_response_free(resp);
  }
  spc_sync_close(s);
  return rc;
}

static int user_reset_password_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  user_state_t *st = state;
  char password[PASSWORD_MAX + 1];
  int rc = read_password(ctx, st, password);
  if (rc) return rc;
  Simpeg__V1__UserResetPassword m = SIMPEG__V1__USER_RESET_PASSWORD__INIT;
  m.username = argv[0];
  m.new_password = password;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_USER_RESET_PASSWORD;
  req.user_reset_password = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_USER_RESET_PASSWORD, &s, &resp);
  wipe(password);
  if (rc) return rc;
  const char *gen = resp->user_reset_password->generated_password;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "username");
    json_string(&j, argv[0]);
    json_key(&j, "generated_password");
    if (gen && *gen)
      json_string(&j, gen);
    else
      json_null(&j);
    json_end_object(&j);
    json_finish(&j);
  } else {
    cli_table_t t = {0};
    cli_table_add(&t, _("User name"), "%s", argv[0]);
    if (gen && *gen) cli_table_add(&t, _("Password (shown only now)"), "%s", gen);
    cli_table_add(&t, _("Sessions"), "%s", _("all signed out"));
    cli_table_print(&t, ctx->out);
  }
  if (gen) wipe((char *)gen);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const cli_sub_t user_subs[] = {
    {"add", 1, 1, user_add_run},
    {"list", 0, 0, user_list_run},
    {"show", 1, 1, user_show_run},
    {"disable", 1, 1, user_disable_run},
    {"enable", 1, 1, user_enable_run},
    {"set-role", 2, 2, user_set_role_run},
    {"reset-password", 1, 1, user_reset_password_run},
    {NULL, 0, 0, NULL},
};

static int user_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  return cli_sub_dispatch(ctx, "user", user_subs, state, argc, argv);
}

const cli_command_t cli_cmd_user = {
    .name = "user",
    .summary = N_("Manage user accounts"),
    .usage = N_("user add|list|show|disable|enable|set-role|reset-password ..."),
    .description = N_("Subcommands:\n"
                      "  user add USERNAME --name NAME --role ROLE --office CODE [--nip NIP]\n"
                      "           [--password-stdin]\n"
                      "      create an account; without --password-stdin the server makes up a\n"
                      "      password and shows it once\n"
                      "  user list [--office CODE] [--role ROLE] [--include-disabled]\n"
                      "            [--after USERNAME] [--limit N]\n"
                      "      accounts of your offices (or of the subtree of CODE), by user name,\n"
                      "      at most N (default 100, at most 1000) at a time\n"
                      "  user show USERNAME\n"
                      "  user disable USERNAME [--expect-version N]\n"
                      "      disable an account; all its sessions end at once\n"
                      "  user enable USERNAME [--expect-version N]\n"
                      "  user set-role USERNAME ROLE [--office CODE] [--expect-version N]\n"
                      "      change the role (and office); the account's sessions end\n"
                      "  user reset-password USERNAME [--password-stdin]\n"
                      "      set a new password (made up by the server unless given); the\n"
                      "      account's sessions end\n"
                      "\n"
                      "Roles: employee, supervisor, hr_officer, regional_admin, system_admin, auditor.\n"
                      "--password-stdin reads the password from the first line of standard input.\n"
                      "--expect-version N refuses the change if the account changed since you read\n"
                      "version N (see 'user show'); set-role without it uses the current version.\n"
                      "Reading another person's account is recorded in the audit log.\n"),
    .options = user_options,
    .state_size = sizeof(user_state_t),
    .parse_opt = user_parse_opt,
    .run = user_run,
};
