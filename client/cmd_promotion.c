/* cmd_promotion: `simpeg promotion periods|period-add|eligible|submit`:
 * promotion (kenaikan pangkat) periods, who is eligible for a period and
 * why not, and filing a proposal for an employee (issue #5;
 * docs/internals/promotion.md). The rules are the server's; dates and
 * NIPs are checked here first for instant feedback. */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_employee.h"
#include "cli_request.h"
#include "sp_valid.h"

#define ATTACH_MAX 20
#define ELIGIBLE_TIMEOUT_MS 120000u

enum {
  OPT_YEAR = CLI_OPT_COMMAND_BASE,
  OPT_FROM,
  OPT_TO,
  OPT_OFFICE,
  OPT_PERIOD,
  OPT_ALL,
  OPT_AFTER,
  OPT_LIMIT,
  OPT_KIND,
  OPT_ATTACH,
  OPT_DRAFT,
  OPT_KEY,
};

static const struct option promotion_options[] = {
    {"year", required_argument, NULL, OPT_YEAR},     {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},         {"office", required_argument, NULL, OPT_OFFICE},
    {"period", required_argument, NULL, OPT_PERIOD}, {"all", no_argument, NULL, OPT_ALL},
    {"after", required_argument, NULL, OPT_AFTER},   {"limit", required_argument, NULL, OPT_LIMIT},
    {"kind", required_argument, NULL, OPT_KIND},     {"attach", required_argument, NULL, OPT_ATTACH},
    {"draft", no_argument, NULL, OPT_DRAFT},         {"key", required_argument, NULL, OPT_KEY},
    {NULL, 0, NULL, 0},
};

typedef struct promotion_state {
  uint64_t year, limit;
  const char *from, *to, *office, *period, *after, *kind, *key;
  bool all, draft;
  char *attach[ATTACH_MAX];
  size_t nattach;
} promotion_state_t;

static int promotion_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  promotion_state_t *st = state;
  switch (val) {
    case OPT_YEAR: return cli_parse_uint(arg, 2200, &st->year, "--year", err, errlen);
    case OPT_LIMIT: return cli_parse_uint(arg, 5000, &st->limit, "--limit", err, errlen);
    case OPT_FROM: st->from = arg; return 0;
    case OPT_TO: st->to = arg; return 0;
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_PERIOD: st->period = arg; return 0;
    case OPT_ALL: st->all = true; return 0;
    case OPT_AFTER: st->after = arg; return 0;
    case OPT_KIND: st->kind = arg; return 0;
    case OPT_DRAFT: st->draft = true; return 0;
    case OPT_KEY: st->key = arg; return 0;
    case OPT_ATTACH:
      if (st->nattach == ATTACH_MAX) {
        snprintf(err, errlen, _("at most %d --attach"), ATTACH_MAX);
        return -1;
      }
      if (!strchr(arg, '=') || *arg == '=') {
        snprintf(err, errlen, _("--attach expects KIND=FILE, not \"%s\""), arg);
        return -1;
      }
      st->attach[st->nattach++] = (char *)arg;
      return 0;
    default: return -1;
  }
}

static const char *nz(const char *s) { return s ? s : ""; }

static int check_date(cli_ctx_t *ctx, const char *option, const char *s) {
  if (!s || sp_valid_date(s, NULL)) return 0;
  return cli_fail(ctx, CLI_EXIT_USAGE, "not_a_date", _("%s expects a date YYYY-MM-DD, not \"%s\""), option, s);
}

/* Translated reason a candidate is not eligible (the server's codes). */
static const char *reason_text(const char *r) {
  if (strcmp(r, "years_in_rank") == 0) return _("not enough years in rank");
  if (strcmp(r, "performance") == 0) return _("SKP of the last two years not both at least Baik");
  if (strcmp(r, "education_ceiling") == 0) return _("at the ceiling of the education");
  if (strcmp(r, "supervisor_rank") == 0) return _("would pass the supervisor's rank");
  if (strcmp(r, "service_exam") == 0) return _("needs the service exam (ujian dinas) to cross the golongan");
  if (strcmp(r, "top_rank") == 0) return _("already at the top rank");
  if (strcmp(r, "not_pns") == 0) return _("not a PNS (CPNS and PPPK are not promoted)");
  if (strcmp(r, "no_rank") == 0) return _("no rank recorded");
  if (strcmp(r, "position") == 0) return _("the position does not allow this kind");
  return r;
}

static void print_periods(cli_ctx_t *ctx, const Simpeg__V1__PromotionPeriodListReply *l) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_periods; i++) {
      json_begin_object(&j);
      json_key(&j, "period_date");
      json_string(&j, l->periods[i]->period_date);
      json_key(&j, "submit_from");
      json_string(&j, l->periods[i]->submit_from);
      json_key(&j, "submit_to");
      json_string(&j, l->periods[i]->submit_to);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_finish(&j);
    return;
  }
  if (l->n_periods == 0) {
    fprintf(ctx->out, "%s\n", _("No promotion periods."));
    return;
  }
  const char *head[] = {_("PERIOD (TMT)"), _("SUBMIT FROM"), _("SUBMIT TO")};
  cli_cols_t c;
  cli_cols_init(&c, 3, head);
  for (size_t i = 0; i < l->n_periods; i++) {
    const char *row[] = {l->periods[i]->period_date, l->periods[i]->submit_from, l->periods[i]->submit_to};
    cli_cols_add(&c, row);
  }
  cli_cols_print(&c, ctx->out);
}

static int periods_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  promotion_state_t *st = state;
  (void)argc, (void)argv;
  Simpeg__V1__PromotionPeriodList m = SIMPEG__V1__PROMOTION_PERIOD_LIST__INIT;
  m.year = (uint32_t)st->year;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PROMOTION_PERIOD_LIST;
  req.promotion_period_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_PROMOTION_PERIOD_LIST, &s, &resp);
  if (rc) return rc;
  print_periods(ctx, resp->promotion_period_list);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int period_add_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  promotion_state_t *st = state;
  (void)argc;
  if (!st->from || !st->to)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("period-add needs --from DATE and --to DATE (the submission window)"));
  int rc = check_date(ctx, _("the period"), argv[0]);
  if (!rc) rc = check_date(ctx, "--from", st->from);
  if (!rc) rc = check_date(ctx, "--to", st->to);
  if (rc) return rc;
  Simpeg__V1__PromotionPeriod p = SIMPEG__V1__PROMOTION_PERIOD__INIT;
  p.period_date = argv[0];
  p.submit_from = (char *)st->from;
  p.submit_to = (char *)st->to;
  Simpeg__V1__PromotionPeriodAdd m = SIMPEG__V1__PROMOTION_PERIOD_ADD__INIT;
  m.period = &p;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PROMOTION_PERIOD_ADD;
  req.promotion_period_add = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_PROMOTION_PERIOD_ADD, &s, &resp);
  if (rc) return rc;
  print_periods(ctx, resp->promotion_period_add);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int eligible_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  promotion_state_t *st = state;
  (void)argc, (void)argv;
  int rc = check_date(ctx, "--period", st->period);
  if (rc) return rc;
  /* The first page counts the whole office: over a province of a large
   * registry that takes seconds (docs/internals/promotion.md), more than
   * the default time-out allows. A time-out set by the user stands. */
  if ((!st->after || !*st->after) && ctx->settings.timeout_ms == CLI_DEFAULT_TIMEOUT_MS)
    ctx->settings.timeout_ms = ELIGIBLE_TIMEOUT_MS;
  Simpeg__V1__PromotionEligibility m = SIMPEG__V1__PROMOTION_ELIGIBILITY__INIT;
  m.office_code = (char *)nz(st->office);
  m.period_date = (char *)nz(st->period);
  m.eligible_only = !st->all;
  m.after = (char *)nz(st->after);
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PROMOTION_ELIGIBILITY;
  req.promotion_eligibility = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_PROMOTION_ELIGIBILITY, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__PromotionEligibilityReply *l = resp->promotion_eligibility;
  bool first = !st->after || !*st->after;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "period_date");
    json_string(&j, l->period_date);
    if (first) {
      json_key(&j, "eligible_count");
      json_uint(&j, l->eligible_count);
      json_key(&j, "checked_count");
      json_uint(&j, l->checked_count);
    }
    json_key(&j, "candidates");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_candidates; i++) {
      const Simpeg__V1__PromotionCandidate *c = l->candidates[i];
      json_begin_object(&j);
      json_key(&j, "nip");
      json_string(&j, c->nip);
      json_key(&j, "name");
      json_string(&j, c->name);
      json_key(&j, "office_code");
      json_string(&j, c->office_code);
      json_key(&j, "rank_code");
      json_string(&j, c->rank_code);
      json_key(&j, "rank_tmt");
      json_string(&j, c->rank_tmt);
      json_key(&j, "years_in_rank");
      json_int(&j, c->years_in_rank);
      json_key(&j, "next_rank");
      json_string(&j, c->next_rank);
      json_key(&j, "kind");
      json_string(&j, c->kind);
      json_key(&j, "eligible");
      json_bool(&j, c->eligible);
      json_key(&j, "reasons");
      json_begin_array(&j);
      for (size_t k = 0; k < c->n_reasons; k++) json_string(&j, c->reasons[k]);
      json_end_array(&j);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "next_after");
    if (*l->next_after) json_string(&j, l->next_after);
    else json_null(&j);
    json_end_object(&j);
    json_finish(&j);
  } else {
    fprintf(ctx->out, _("Promotion period %s\n"), l->period_date);
    if (l->n_candidates == 0) {
      fprintf(ctx->out, "%s\n", st->all ? _("No employees.") : _("Nobody is eligible."));
    } else {
      const char *head[] = {_("NIP"), _("NAME"), _("OFFICE"), _("RANK"), _("YEARS"), _("NEXT"), _("KIND"), _("ELIGIBLE")};
      cli_cols_t c;
      cli_cols_init(&c, 8, head);
      for (size_t i = 0; i < l->n_candidates; i++) {
        const Simpeg__V1__PromotionCandidate *p = l->candidates[i];
        char nip[64], years[16], why[1024];
        cli_format_nip(nip, sizeof(nip), p->nip);
        snprintf(years, sizeof(years), "%d", (int)p->years_in_rank);
        size_t off = 0;
        why[0] = '\0';
        for (size_t k = 0; k < p->n_reasons && off < sizeof(why); k++) {
          int w = snprintf(why + off, sizeof(why) - off, "%s%s", k ? "; " : "", reason_text(p->reasons[k]));
          if (w < 0) break;
          off += (size_t)w;
        }
        const char *row[] = {nip,          p->name, p->office_code, p->rank_code, years, p->next_rank, p->kind,
                             p->eligible ? _("yes") : why};
        cli_cols_add(&c, row);
      }
      cli_cols_print(&c, ctx->out);
    }
    if (first)
      fprintf(ctx->out, _("%llu of %llu employees checked are eligible.\n"), (unsigned long long)l->eligible_count,
              (unsigned long long)l->checked_count);
    if (*l->next_after)
      fprintf(ctx->out, _("More employees follow: repeat the command with --after %s for the next page.\n"),
              l->next_after);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int submit_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  promotion_state_t *st = state;
  (void)argc;
  if (!st->kind || !st->period)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("promotion submit needs --kind reguler|struktural|fungsional and --period DATE"));
  int rc = check_date(ctx, "--period", st->period);
  if (rc) return rc;
  char nip[32];
  size_t n = 0;
  for (const char *p = argv[0]; *p && n + 1 < sizeof(nip); p++)
    if (*p != ' ') nip[n++] = *p;
  nip[n] = '\0';
  char key[33];
  if (!st->key) cli_request_new_key(key, sizeof(key));
  Simpeg__V1__PromotionDetails d = SIMPEG__V1__PROMOTION_DETAILS__INIT;
  d.kind = (char *)st->kind;
  d.period_date = (char *)st->period;
  Simpeg__V1__PromotionSubmit m = SIMPEG__V1__PROMOTION_SUBMIT__INIT;
  m.nip = nip;
  m.promotion = &d;
  /* Evidence goes onto a draft first; then the draft is submitted. */
  m.draft = st->draft || st->nattach > 0;
  m.idempotency_key = (char *)(st->key ? st->key : key);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PROMOTION_SUBMIT;
  req.promotion_submit = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_PROMOTION_SUBMIT, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__ServiceRequestReply *r = resp->promotion_submit;
  if (m.draft)
    rc = cli_request_finish_submit(ctx, s, r->request, st->attach, st->nattach, st->draft);
  else
    cli_request_print(ctx, r->request, r->replayed);
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

static const cli_sub_t promotion_subs[] = {
    {"periods", 0, 0, periods_run}, {"period-add", 1, 1, period_add_run}, {"eligible", 0, 0, eligible_run},
    {"submit", 1, 1, submit_run},   {NULL, 0, 0, NULL},
};

static int promotion_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc == 0) rc = cli_sub_dispatch(ctx, "promotion", promotion_subs, state, argc, argv);
  return rc;
}

const cli_command_t cli_cmd_promotion = {
    .name = "promotion",
    .summary = N_("Promotion (kenaikan pangkat): periods, eligibility, proposals"),
    .usage = N_("promotion periods|period-add|eligible|submit ..."),
    .description = N_(
        "Subcommands:\n"
        "  promotion periods [--year YEAR]\n"
        "      the promotion periods (TMT) and their submission windows; without\n"
        "      --year this year's and later ones\n"
        "  promotion period-add DATE --from DATE --to DATE\n"
        "      add a period (TMT DATE) with its submission window\n"
        "  promotion eligible [--office CODE] [--period DATE] [--all] [--after NIP]\n"
        "                     [--limit N]\n"
        "      who may be promoted at the period (default: the next one), with the\n"
        "      counts of the whole office; --all lists everyone with the reasons\n"
        "      why not (years in rank, SKP, education ceiling, the supervisor's\n"
        "      rank, the service exam, top rank, not a PNS)\n"
        "  promotion submit NIP --kind reguler|struktural|fungsional --period DATE\n"
        "                   [--attach KIND=FILE ...] [--draft] [--key KEY]\n"
        "      file a proposal for an employee; --attach uploads evidence (e.g.\n"
        "      sk_pangkat_terakhir=sk.pdf, skp_2_tahun=skp.pdf) before submitting;\n"
        "      --draft keeps it as a draft; --key makes a retry return the first\n"
        "      proposal instead of filing a second one\n"),
    .options = promotion_options,
    .state_size = sizeof(promotion_state_t),
    .parse_opt = promotion_parse_opt,
    .run = promotion_run,
};
