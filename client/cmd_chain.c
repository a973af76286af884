/* cmd_chain: `simpeg chain set|show OFFICE SERVICE`: the approval chain of
 * a service for an office's subtree (supervisor, HR verifier, official),
 * inherited by the offices below unless they have their own. */
#include <string.h>

#include "cli_admin.h"
#include "cli_request.h"

enum { OPT_STEPS = CLI_OPT_COMMAND_BASE, OPT_OFFICIAL, OPT_VERSION };

static const struct option chain_options[] = {
    {"steps", required_argument, NULL, OPT_STEPS},
    {"official", required_argument, NULL, OPT_OFFICIAL},
    {"version", required_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

#define STEPS_MAX 6

typedef struct chain_state {
  const char *steps, *official;
  uint64_t version;
} chain_state_t;

static int chain_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  chain_state_t *st = state;
  switch (val) {
    case OPT_STEPS: st->steps = arg; return 0;
    case OPT_OFFICIAL: st->official = arg; return 0;
    case OPT_VERSION: return cli_parse_uint(arg, INT32_MAX, &st->version, "--version", err, errlen);
    default: return -1;
  }
}

static bool service_ok(const char *s) {
  return !strcmp(s, "CUTI") || !strcmp(s, "KP") || !strcmp(s, "KGB") || !strcmp(s, "KOREKSI");
}

static void print_chain(cli_ctx_t *ctx, const Simpeg__V1__ApprovalChain *c, const char *office) {
  static const char *const keys[] = {"", "supervisor", "verifier", "official"};
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "office_code");
    json_string(&j, office);
    json_key(&j, "configured_at");
    json_string(&j, c->office_code);
    json_key(&j, "service");
    json_string(&j, c->service);
    json_key(&j, "steps");
    json_begin_array(&j);
    for (size_t i = 0; i < c->n_steps; i++) json_string(&j, c->steps[i] <= 3 ? keys[c->steps[i]] : "");
    json_end_array(&j);
    json_key(&j, "official_username");
    json_string(&j, c->official_username);
    json_key(&j, "inherited");
    json_bool(&j, c->inherited);
    json_key(&j, "version");
    json_int(&j, c->version);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  char steps[256] = "";
  for (size_t i = 0; i < c->n_steps; i++)
    snprintf(steps + strlen(steps), sizeof(steps) - strlen(steps), "%s%s", i ? " -> " : "",
             cli_request_step_name(c->steps[i]));
  cli_table_t t = {0};
  cli_table_add(&t, _("Office"), "%s", office);
  cli_table_add(&t, _("Steps"), "%s", steps);
  if (*c->official_username) cli_table_add(&t, _("Official"), "%s", c->official_username);
  if (!*c->office_code)
    cli_table_add(&t, _("Configured"), "%s", _("no: the service's default"));
  else if (c->inherited)
    cli_table_add(&t, _("Configured"), _("inherited from %s"), c->office_code);
  else
    cli_table_add(&t, _("Configured"), "%s", _("on this office"));
  cli_table_add(&t, _("Version"), "%lld", (long long)c->version);
  cli_table_print(&t, ctx->out);
}

static int chain_call(cli_ctx_t *ctx, Simpeg__V1__Request *req, int result_case, const char *office) {
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, req, result_case, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__ChainReply *r =
      result_case == SIMPEG__V1__RESPONSE__RESULT_CHAIN_SET ? resp->chain_set : resp->chain_show;
  if (r->chain) print_chain(ctx, r->chain, office);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int set_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  chain_state_t *st = state;
  (void)argc;
  if (!service_ok(argv[1]))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("unknown service \"%s\" (CUTI, KP, KGB, KOREKSI)"), argv[1]);
  if (!st->steps)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("'chain set' needs --steps, e.g. --steps supervisor,verifier,official"));
  Simpeg__V1__StepKind kinds[STEPS_MAX];
  size_t n = 0;
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", st->steps);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    Simpeg__V1__StepKind k;
    if (!strcmp(tok, "supervisor")) k = SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR;
    else if (!strcmp(tok, "verifier")) k = SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER;
    else if (!strcmp(tok, "official")) k = SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL;
    else
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("unknown step \"%s\" (supervisor, verifier, official)"), tok);
    if (n == STEPS_MAX)
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("a chain has at most 6 steps"));
    kinds[n++] = k;
  }
  Simpeg__V1__ApprovalChain c = SIMPEG__V1__APPROVAL_CHAIN__INIT;
  c.office_code = argv[0];
  c.service = argv[1];
  c.steps = kinds;
  c.n_steps = n;
  c.official_username = (char *)(st->official ? st->official : "");
  c.version = (int64_t)st->version;
  Simpeg__V1__ChainSet m = SIMPEG__V1__CHAIN_SET__INIT;
  m.chain = &c;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_CHAIN_SET;
  req.chain_set = &m;
  return chain_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_CHAIN_SET, argv[0]);
}

static int show_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  (void)argc;
  if (!service_ok(argv[1]))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("unknown service \"%s\" (CUTI, KP, KGB, KOREKSI)"), argv[1]);
  Simpeg__V1__ChainShow m = SIMPEG__V1__CHAIN_SHOW__INIT;
  m.office_code = argv[0];
  m.service = argv[1];
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_CHAIN_SHOW;
  req.chain_show = &m;
  return chain_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_CHAIN_SHOW, argv[0]);
}

static const cli_sub_t chain_subs[] = {
    {"set", 2, 2, set_run},
    {"show", 2, 2, show_run},
    {NULL, 0, 0, NULL},
};

static int chain_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "chain", chain_subs, state, argc, argv);
}

const cli_command_t cli_cmd_chain = {
    .name = "chain",
    .summary = N_("Show or configure the approval chain of a service for an office"),
    .usage = N_("chain set|show OFFICE SERVICE ..."),
    .description = N_("Subcommands:\n"
                      "  chain set OFFICE SERVICE --steps supervisor,verifier,official\n"
                      "            [--official USERNAME] [--version V]\n"
                      "      the steps requests of SERVICE (CUTI, KP, KGB, KOREKSI) from OFFICE and the\n"
                      "      offices below it go through; --official names the official (else any\n"
                      "      regional administrator of the office's region)\n"
                      "  chain show OFFICE SERVICE\n"
                      "      the chain in force there, and where it is configured\n"
                      "A change applies to requests submitted afterwards."),
    .options = chain_options,
    .state_size = sizeof(chain_state_t),
    .parse_opt = chain_parse_opt,
    .run = chain_run,
};
