/* cmd_kgb: `simpeg kgb due|submit`: the periodic salary increase
 * (kenaikan gaji berkala, DOMAIN §5.3): who reaches it within N months with
 * the amounts from the salary table, and filing it for an employee
 * (issue #5; docs/internals/promotion.md). */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_employee.h"
#include "cli_request.h"
#include "sp_valid.h"

enum {
  OPT_OFFICE = CLI_OPT_COMMAND_BASE,
  OPT_MONTHS,
  OPT_AFTER,
  OPT_LIMIT,
  OPT_TMT,
  OPT_DRAFT,
  OPT_KEY,
};

static const struct option kgb_options[] = {
    {"office", required_argument, NULL, OPT_OFFICE}, {"months", required_argument, NULL, OPT_MONTHS},
    {"after", required_argument, NULL, OPT_AFTER},   {"limit", required_argument, NULL, OPT_LIMIT},
    {"tmt", required_argument, NULL, OPT_TMT},       {"draft", no_argument, NULL, OPT_DRAFT},
    {"key", required_argument, NULL, OPT_KEY},       {NULL, 0, NULL, 0},
};

typedef struct kgb_state {
  const char *office, *after, *tmt, *key;
  uint64_t months, limit;
  bool draft;
} kgb_state_t;

static int kgb_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  kgb_state_t *st = state;
  switch (val) {
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_AFTER: st->after = arg; return 0;
    case OPT_TMT: st->tmt = arg; return 0;
    case OPT_KEY: st->key = arg; return 0;
    case OPT_DRAFT: st->draft = true; return 0;
    case OPT_MONTHS: return cli_parse_uint(arg, 60, &st->months, "--months", err, errlen);
    case OPT_LIMIT: return cli_parse_uint(arg, 1000, &st->limit, "--limit", err, errlen);
    default: return -1;
  }
}

static const char *nz(const char *s) { return s ? s : ""; }

static int due_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  kgb_state_t *st = state;
  (void)argc, (void)argv;
  Simpeg__V1__KgbDue m = SIMPEG__V1__KGB_DUE__INIT;
  m.office_code = (char *)nz(st->office);
  m.months = (uint32_t)st->months;
  m.after = (char *)nz(st->after);
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_KGB_DUE;
  req.kgb_due = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_KGB_DUE, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__KgbDueReply *l = resp->kgb_due;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "rows");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_rows; i++) {
      const Simpeg__V1__KgbDueRow *k = l->rows[i];
      json_begin_object(&j);
      json_key(&j, "nip");
      json_string(&j, k->nip);
      json_key(&j, "name");
      json_string(&j, k->name);
      json_key(&j, "office_code");
      json_string(&j, k->office_code);
      json_key(&j, "rank_code");
      json_string(&j, k->rank_code);
      json_key(&j, "tmt");
      json_string(&j, k->tmt);
      json_key(&j, "from_mkg");
      json_int(&j, k->from_mkg);
      json_key(&j, "to_mkg");
      json_int(&j, k->to_mkg);
      json_key(&j, "from_gaji_pokok");
      json_int(&j, k->from_gaji_pokok);
      json_key(&j, "to_gaji_pokok");
      json_int(&j, k->to_gaji_pokok);
      json_key(&j, "request_number");
      json_string(&j, k->request_number);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "next_after");
    if (*l->next_after) json_string(&j, l->next_after);
    else json_null(&j);
    json_end_object(&j);
    json_finish(&j);
  } else if (l->n_rows == 0) {
    fprintf(ctx->out, "%s\n", _("No periodic salary increase falls due in that period."));
  } else {
    const char *head[] = {_("TMT"), _("NIP"), _("NAME"), _("RANK"), _("MKG"), _("GAJI POKOK"), _("REQUEST")};
    cli_cols_t c;
    cli_cols_init(&c, 7, head);
    for (size_t i = 0; i < l->n_rows; i++) {
      const Simpeg__V1__KgbDueRow *k = l->rows[i];
      char nip[64], mkg[32], from[32], to[32], gaji[80];
      cli_format_nip(nip, sizeof(nip), k->nip);
      snprintf(mkg, sizeof(mkg), "%d \u2192 %d", (int)k->from_mkg, (int)k->to_mkg);
      cli_format_rupiah(from, sizeof(from), k->from_gaji_pokok);
      cli_format_rupiah(to, sizeof(to), k->to_gaji_pokok);
      snprintf(gaji, sizeof(gaji), "%s \u2192 %s", from, to);
      const char *row[] = {k->tmt, nip, k->name, k->rank_code, mkg, gaji, *k->request_number ? k->request_number : "-"};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
    if (*l->next_after)
      fprintf(ctx->out, _("More employees follow: repeat the command with --after %s for the next page.\n"),
              l->next_after);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int submit_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  kgb_state_t *st = state;
  (void)argc;
  if (st->tmt && !sp_valid_date(st->tmt, NULL))
    return cli_fail(ctx, CLI_EXIT_USAGE, "not_a_date", _("%s expects a date YYYY-MM-DD, not \"%s\""), "--tmt", st->tmt);
  char nip[32];
  size_t n = 0;
  for (const char *p = argv[0]; *p && n + 1 < sizeof(nip); p++)
    if (*p != ' ') nip[n++] = *p;
  nip[n] = '\0';
  char key[33];
  if (!st->key) cli_request_new_key(key, sizeof(key));
  Simpeg__V1__KgbDetails d = SIMPEG__V1__KGB_DETAILS__INIT;
  d.tmt = (char *)nz(st->tmt);
  Simpeg__V1__KgbSubmit m = SIMPEG__V1__KGB_SUBMIT__INIT;
  m.nip = nip;
  m.kgb = &d;
  m.draft = st->draft;
  m.idempotency_key = (char *)(st->key ? st->key : key);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_KGB_SUBMIT;
  req.kgb_submit = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_KGB_SUBMIT, &s, &resp);
  if (rc) return rc;
  cli_request_print(ctx, resp->kgb_submit->request, resp->kgb_submit->replayed);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const cli_sub_t kgb_subs[] = {
    {"due", 0, 0, due_run},
    {"submit", 1, 1, submit_run},
    {NULL, 0, 0, NULL},
};

static int kgb_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc == 0) rc = cli_sub_dispatch(ctx, "kgb", kgb_subs, state, argc, argv);
  return rc;
}

const cli_command_t cli_cmd_kgb = {
    .name = "kgb",
    .summary = N_("Periodic salary increase (KGB): who is due, filing it"),
    .usage = N_("kgb due|submit ..."),
    .description = N_("Subcommands:\n"
                      "  kgb due [--office CODE] [--months N] [--after CURSOR] [--limit N]\n"
                      "      who reaches a periodic salary increase within N months (default 2:\n"
                      "      the notice goes out two months ahead), with MKG and gaji pokok before\n"
                      "      and after from the salary table, and the request already filed\n"
                      "  kgb submit NIP [--tmt DATE] [--draft] [--key KEY]\n"
                      "      file the increase (TMT: the date it falls due); refused when it is\n"
                      "      not due within two months or already filed; --key makes a retry\n"
                      "      return the first request\n"),
    .options = kgb_options,
    .state_size = sizeof(kgb_state_t),
    .parse_opt = kgb_parse_opt,
    .run = kgb_run,
};
