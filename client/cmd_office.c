/* cmd_office: `simpeg office add|list|show|move`: the office tree
 * (province, city/regency, agency, unit). Everyone signed in can list and
 * show the offices of their subtree; regional and system admins change it. */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"

enum {
  OPT_NAME = CLI_OPT_COMMAND_BASE,
  OPT_KIND,
  OPT_PARENT,
  OPT_VALID_FROM,
  OPT_VALID_TO,
  OPT_UNDER,
  OPT_INCLUDE_INACTIVE,
  OPT_MAX_DEPTH,
  OPT_VERSION_EXPECTED,
};

static const struct option office_options[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"kind", required_argument, NULL, OPT_KIND},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"valid-from", required_argument, NULL, OPT_VALID_FROM},
    {"valid-to", required_argument, NULL, OPT_VALID_TO},
    {"under", required_argument, NULL, OPT_UNDER},
    {"include-inactive", no_argument, NULL, OPT_INCLUDE_INACTIVE},
    {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
    {"expect-version", required_argument, NULL, OPT_VERSION_EXPECTED},
    {NULL, 0, NULL, 0},
};

typedef struct office_state {
  const char *name, *parent, *valid_from, *valid_to, *under;
  Simpeg__V1__OfficeKind kind;
  bool include_inactive;
  uint64_t max_depth, version;
} office_state_t;

static int office_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  office_state_t *st = state;
  switch (val) {
    case OPT_NAME: st->name = arg; return 0;
    case OPT_PARENT: st->parent = arg; return 0;
    case OPT_VALID_FROM: st->valid_from = arg; return 0;
    case OPT_VALID_TO: st->valid_to = arg; return 0;
    case OPT_UNDER: st->under = arg; return 0;
    case OPT_INCLUDE_INACTIVE: st->include_inactive = true; return 0;
    case OPT_MAX_DEPTH: return cli_parse_uint(arg, 1000, &st->max_depth, "--max-depth", err, errlen);
    case OPT_VERSION_EXPECTED: return cli_parse_uint(arg, INT32_MAX, &st->version, "--expect-version", err, errlen);
    case OPT_KIND:
      if (cli_parse_office_kind(arg, &st->kind)) return 0;
      snprintf(err, errlen, _("unknown office kind \"%s\" (province, city, regency, agency, unit)"), arg);
      return -1;
    default: return -1;
  }
}

static void print_office(cli_ctx_t *ctx, const Simpeg__V1__Office *o) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "office");
    cli_json_office(&j, o);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  cli_table_t t = {0};
  cli_table_add(&t, _("Code"), "%s", o->code);
  cli_table_add(&t, _("Name"), "%s", o->name);
  cli_table_add(&t, _("Kind"), "%s", cli_office_kind_label(o->kind));
  if (o->parent_code && *o->parent_code) cli_table_add(&t, _("Parent office"), "%s", o->parent_code);
  char path[1024] = "";
  size_t used = 0;
  for (size_t i = 0; i < o->n_path && used < sizeof(path); i++)
    used += (size_t)snprintf(path + used, sizeof(path) - used, "%s%s", i ? " / " : "", o->path[i]);
  cli_table_add(&t, _("Place in the tree"), "%s", path);
  cli_table_add(&t, _("Valid from"), "%s", o->valid_from);
  cli_table_add(&t, _("Valid until"), "%s", o->valid_to && *o->valid_to ? o->valid_to : _("no end date"));
  cli_table_add(&t, _("Version"), "%lld", (long long)o->version);
  cli_table_print(&t, ctx->out);
}

static int office_add_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  office_state_t *st = state;
  if (!st->name || !st->kind || !st->parent)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'office add' needs --name, --kind and --parent"));
  Simpeg__V1__OfficeAdd m = SIMPEG__V1__OFFICE_ADD__INIT;
  m.code = argv[0];
  m.name = (char *)st->name;
  m.kind = st->kind;
  m.parent_code = (char *)st->parent;
  m.valid_from = (char *)(st->valid_from ? st->valid_from : "");
  m.valid_to = (char *)(st->valid_to ? st->valid_to : "");
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_OFFICE_ADD;
  req.office_add = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_OFFICE_ADD, &s, &resp);
  if (rc) return rc;
  print_office(ctx, resp->office_add->office);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int office_show_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  Simpeg__V1__OfficeShow m = SIMPEG__V1__OFFICE_SHOW__INIT;
  m.code = argv[0];
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_OFFICE_SHOW;
  req.office_show = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_OFFICE_SHOW, &s, &resp);
  if (rc) return rc;
  print_office(ctx, resp->office_show->office);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int office_list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  office_state_t *st = state;
  Simpeg__V1__OfficeList m = SIMPEG__V1__OFFICE_LIST__INIT;
  m.under_code = (char *)(st->under ? st->under : "");
  m.include_inactive = st->include_inactive;
  m.max_depth = (uint32_t)st->max_depth;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_OFFICE_LIST;
  req.office_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_OFFICE_LIST, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__OfficeListReply *l = resp->office_list;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "offices");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_offices; i++) cli_json_office(&j, l->offices[i]);
    json_end_array(&j);
    json_end_object(&j);
    json_finish(&j);
  } else if (l->n_offices == 0) {
    fprintf(ctx->out, "%s\n", _("No offices."));
  } else {
    /* The tree: each office indented by its depth below the first one. */
    size_t top = l->offices[0]->n_path;
    const char *head[] = {_("CODE"), _("NAME"), _("KIND"), _("VALID")};
    cli_cols_t c;
    cli_cols_init(&c, 4, head);
    for (size_t i = 0; i < l->n_offices; i++) {
      const Simpeg__V1__Office *o = l->offices[i];
      size_t depth = o->n_path > top ? o->n_path - top : 0;
      char code[256], valid[64];
      snprintf(code, sizeof(code), "%*s%s", (int)(2 * (depth > 20 ? 20 : depth)), "", o->code);
      snprintf(valid, sizeof(valid), "%s..%s", o->valid_from, o->valid_to && *o->valid_to ? o->valid_to : "");
      const char *row[] = {code, o->name, cli_office_kind_label(o->kind), valid};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int office_move_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  office_state_t *st = state;
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;
  Simpeg__V1__Response *resp;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__OfficeMove m = SIMPEG__V1__OFFICE_MOVE__INIT;
  m.code = argv[0];
  m.new_parent_code = argv[1];
  m.version = (int64_t)st->version;
  if (!m.version) {
    /* No version named: move the office as it is now. */
    Simpeg__V1__OfficeShow sh = SIMPEG__V1__OFFICE_SHOW__INIT;
    sh.code = argv[0];
    req.call_case = SIMPEG__V1__REQUEST__CALL_OFFICE_SHOW;
    req.office_show = &sh;
    if ((rc = cli_call(ctx, s, &req, &resp))) {
      spc_sync_close(s);
      return rc;
    }
    if (resp->result_case == SIMPEG__V1__RESPONSE__RESULT_OFFICE_SHOW && resp->office_show->office)
      m.version = resp->office_show->office->version;
    spc_response_free(resp);
  }
  req.call_case = SIMPEG__V1__REQUEST__CALL_OFFICE_MOVE;
  req.office_move = &m;
  rc = cli_call(ctx, s, &req, &resp);
  if (rc == 0) {
    if (resp->result_case == SIMPEG__V1__RESPONSE__RESULT_OFFICE_MOVE && resp->office_move->office)
      print_office(ctx, resp->office_move->office);
    else
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
    spc_response_free(resp);
  }
  spc_sync_close(s);
  return rc;
}

static const cli_sub_t office_subs[] = {
    {"add", 1, 1, office_add_run},
    {"list", 0, 0, office_list_run},
    {"show", 1, 1, office_show_run},
    {"move", 2, 2, office_move_run},
    {NULL, 0, 0, NULL},
};

static int office_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  return cli_sub_dispatch(ctx, "office", office_subs, state, argc, argv);
}

const cli_command_t cli_cmd_office = {
    .name = "office",
    .summary = N_("Show and manage the office tree"),
    .usage = N_("office add|list|show|move ..."),
    .description = N_("Subcommands:\n"
                      "  office add CODE --name NAME --kind KIND --parent CODE\n"
                      "             [--valid-from YYYY-MM-DD] [--valid-to YYYY-MM-DD]\n"
                      "      add an office under PARENT (valid from today unless given)\n"
                      "  office list [--under CODE] [--include-inactive] [--max-depth N]\n"
                      "      your offices (or the subtree of CODE) as a tree\n"
                      "  office show CODE\n"
                      "  office move CODE NEW_PARENT [--expect-version N]\n"
                      "      move an office with everything below it\n"
                      "\n"
                      "Kinds: province (under the national root), city and regency (under a\n"
                      "province), agency (under a province, city or regency), unit (under an\n"
                      "agency or another unit). Codes are upper-case letters, digits, '.' and '-',\n"
                      "e.g. 12.75 (Kota Binjai) or 12.75.BKPSDM.\n"
                      "--expect-version N refuses the move if the office changed since you read\n"
                      "version N (see 'office show'); without it the current version is used.\n"),
    .options = office_options,
    .state_size = sizeof(office_state_t),
    .parse_opt = office_parse_opt,
    .run = office_run,
};
