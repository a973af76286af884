/* cmd_retirement: `simpeg retirement [--office C] [--years N] [--list]`:
 * how many employees reach the retirement age (BUP of their current
 * position, DOMAIN §6) in each year ahead, and with --list who they are
 * (the EarlyWarnings retirement list over the same years). Issue #5;
 * docs/internals/promotion.md. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_admin.h"
#include "cli_employee.h"

enum { OPT_OFFICE = CLI_OPT_COMMAND_BASE, OPT_YEARS, OPT_LIST };

static const struct option retirement_options[] = {
    {"office", required_argument, NULL, OPT_OFFICE},
    {"years", required_argument, NULL, OPT_YEARS},
    {"list", no_argument, NULL, OPT_LIST},
    {NULL, 0, NULL, 0},
};

typedef struct retirement_state {
  const char *office;
  uint64_t years;
  bool list;
} retirement_state_t;

static int retirement_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  retirement_state_t *st = state;
  switch (val) {
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_YEARS: return cli_parse_uint(arg, 50, &st->years, "--years", err, errlen);
    case OPT_LIST: st->list = true; return 0;
    default: return -1;
  }
}

static int retirement_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  retirement_state_t *st = state;
  (void)argv;
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  if (argc > 0)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("retirement takes no arguments; run 'simpeg help retirement'"));
  Simpeg__V1__RetirementProjection m = SIMPEG__V1__RETIREMENT_PROJECTION__INIT;
  m.office_code = (char *)(st->office ? st->office : "");
  m.years = (uint32_t)st->years;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_RETIREMENT_PROJECTION;
  req.retirement_projection = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_RETIREMENT_PROJECTION, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__RetirementProjectionReply *p = resp->retirement_projection;
  uint32_t years = (uint32_t)p->n_years;
  if (ctx->settings.output == CLI_OUTPUT_JSON && !st->list) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_array(&j);
    for (size_t i = 0; i < p->n_years; i++) {
      json_begin_object(&j);
      json_key(&j, "year");
      json_uint(&j, p->years[i]->year);
      json_key(&j, "count");
      json_uint(&j, p->years[i]->count);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_finish(&j);
  } else if (ctx->settings.output != CLI_OUTPUT_JSON) {
    fprintf(ctx->out, "%s\n", _("Retirements (BUP) per year"));
    const char *head[] = {_("YEAR"), _("COUNT")};
    cli_cols_t c;
    cli_cols_init(&c, 2, head);
    uint64_t total = 0;
    for (size_t i = 0; i < p->n_years; i++) {
      char y[16], n[32];
      snprintf(y, sizeof(y), "%u", p->years[i]->year);
      snprintf(n, sizeof(n), "%llu", (unsigned long long)p->years[i]->count);
      total += p->years[i]->count;
      const char *row[] = {y, n};
      cli_cols_add(&c, row);
    }
    char t[32];
    snprintf(t, sizeof(t), "%llu", (unsigned long long)total);
    const char *row[] = {_("TOTAL"), t};
    cli_cols_add(&c, row);
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  if (!st->list) return CLI_EXIT_OK;
  /* Who: the retirement warnings up to the end of the last year shown. */
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  uint32_t months = years * 12 - (uint32_t)tm.tm_mon;
  if (months > 60) months = 60; /* what EarlyWarnings allows */
  if (ctx->settings.output != CLI_OUTPUT_JSON) fprintf(ctx->out, "\n");
  return cli_employee_warnings(ctx, st->office, "retirement", months ? months : 1, NULL, 1000);
}

const cli_command_t cli_cmd_retirement = {
    .name = "retirement",
    .summary = N_("Retirement projection: employees reaching the retirement age per year"),
    .usage = N_("retirement [--office CODE] [--years N] [--list]"),
    .description = N_("How many active employees of your offices (or below CODE) reach the\n"
                      "retirement age (BUP) of their current position in each of the next N\n"
                      "years, this year included (default 5, at most 50). The pension TMT is the\n"
                      "first day of the month after the BUP birthday; employees without a\n"
                      "recorded position are not counted.\n"
                      "--list also names them (at most 60 months ahead, 1000 employees).\n"),
    .options = retirement_options,
    .state_size = sizeof(retirement_state_t),
    .parse_opt = retirement_parse_opt,
    .run = retirement_run,
};
