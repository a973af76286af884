/* cmd_report: `simpeg report service-times`: how long personnel services
 * take, per service and office: requests by state, hours from submission
 * to decision (median and 90th percentile), and how long each kind of
 * approval step held requests (docs/internals/documents.md). */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_request.h"
#include "sp_valid.h"

enum { OPT_OFFICE = CLI_OPT_COMMAND_BASE, OPT_SERVICE, OPT_FROM, OPT_TO };

static const struct option report_options[] = {
    {"office", required_argument, NULL, OPT_OFFICE}, {"service", required_argument, NULL, OPT_SERVICE},
    {"from", required_argument, NULL, OPT_FROM},     {"to", required_argument, NULL, OPT_TO},
    {NULL, 0, NULL, 0},
};

typedef struct report_state {
  const char *office, *service, *from, *to;
} report_state_t;

static int report_parse(void *state, int val, const char *arg, char *err, size_t errlen) {
  report_state_t *st = state;
  long d;
  switch (val) {
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_SERVICE: st->service = arg; return 0;
    case OPT_FROM:
    case OPT_TO:
      if (strlen(arg) != 10 || !sp_valid_date(arg, &d)) {
        snprintf(err, errlen, _("%s: not a date (YYYY-MM-DD): %s"), val == OPT_FROM ? "--from" : "--to", arg);
        return -1;
      }
      if (val == OPT_FROM) st->from = arg;
      else st->to = arg;
      return 0;
    default: return 0;
  }
}

static const char *state_key(Simpeg__V1__RequestState st) {
  static const char *const k[] = {"",         "draft",     "submitted", "returned",  "verified",
                                  "approved", "postponed", "rejected",  "completed", "cancelled"};
  return (int)st >= 0 && (size_t)st < sizeof(k) / sizeof(k[0]) ? k[st] : "";
}

static const char *step_key(Simpeg__V1__StepKind k) {
  static const char *const n[] = {"", "supervisor", "verifier", "official"};
  return (int)k >= 0 && (size_t)k < sizeof(n) / sizeof(n[0]) ? n[k] : "";
}

/* Hours with one decimal, from a double, without the locale's printf. */
static void hours(char *out, size_t cap, double h) {
  long long t = (long long)(h * 10 + 0.5);
  snprintf(out, cap, "%lld.%lld", t / 10, t % 10);
}

static void json_hours(json_out_t *j, double h) {
  json_decimal(j, (uint64_t)(h * 100 + 0.5), 2);
}

static void print_json(cli_ctx_t *ctx, const Simpeg__V1__ServiceTimesReply *r) {
  json_out_t j;
  json_init(&j, ctx->out);
  json_begin_array(&j);
  for (size_t i = 0; i < r->n_rows; i++) {
    const Simpeg__V1__ServiceTimesRow *w = r->rows[i];
    json_begin_object(&j);
    json_key(&j, "service");
    json_string(&j, w->service);
    json_key(&j, "office_code");
    json_string(&j, w->office_code);
    json_key(&j, "office_name");
    json_string(&j, w->office_name);
    json_key(&j, "states");
    json_begin_object(&j);
    for (size_t k = 0; k < w->n_states; k++) {
      json_key(&j, state_key(w->states[k]->state));
      json_uint(&j, w->states[k]->count);
    }
    json_end_object(&j);
    json_key(&j, "decided");
    json_uint(&j, w->decided);
    json_key(&j, "median_hours");
    json_hours(&j, w->median_hours);
    json_key(&j, "p90_hours");
    json_hours(&j, w->p90_hours);
    json_key(&j, "steps");
    json_begin_array(&j);
    for (size_t k = 0; k < w->n_steps; k++) {
      json_begin_object(&j);
      json_key(&j, "kind");
      json_string(&j, step_key(w->steps[k]->kind));
      json_key(&j, "count");
      json_uint(&j, w->steps[k]->count);
      json_key(&j, "median_hours");
      json_hours(&j, w->steps[k]->median_hours);
      json_key(&j, "p90_hours");
      json_hours(&j, w->steps[k]->p90_hours);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
  }
  json_end_array(&j);
  json_finish(&j);
}

static void print_table(cli_ctx_t *ctx, const Simpeg__V1__ServiceTimesReply *r) {
  if (r->n_rows == 0) {
    fprintf(ctx->out, "%s\n", _("No requests in this period."));
    return;
  }
  const char *head[] = {_("Service"), _("Office"),        _("Requests"),   _("Decided"),
                        _("Median h"), _("P90 h"),        _("By state")};
  cli_cols_t c;
  cli_cols_init(&c, 7, head);
  for (size_t i = 0; i < r->n_rows; i++) {
    const Simpeg__V1__ServiceTimesRow *w = r->rows[i];
    uint64_t total = 0;
    char states[512] = "";
    for (size_t k = 0; k < w->n_states; k++) {
      total += w->states[k]->count;
      size_t l = strlen(states);
      snprintf(states + l, sizeof(states) - l, "%s%s %llu", l ? ", " : "",
               cli_request_state_name(w->states[k]->state), (unsigned long long)w->states[k]->count);
    }
    char n[24], dec[24], med[24], p90[24], office[200];
    snprintf(n, sizeof(n), "%llu", (unsigned long long)total);
    snprintf(dec, sizeof(dec), "%llu", (unsigned long long)w->decided);
    if (w->decided) {
      hours(med, sizeof(med), w->median_hours);
      hours(p90, sizeof(p90), w->p90_hours);
    } else {
      snprintf(med, sizeof(med), "-");
      snprintf(p90, sizeof(p90), "-");
    }
    snprintf(office, sizeof(office), "%s %s", w->office_code, w->office_name);
    const char *row[] = {w->service, office, n, dec, med, p90, states};
    cli_cols_add(&c, row);
  }
  cli_cols_print(&c, ctx->out);

  /* Step times, one line per service, office and step kind. */
  bool any = false;
  for (size_t i = 0; i < r->n_rows && !any; i++) any = r->rows[i]->n_steps > 0;
  if (!any) return;
  fprintf(ctx->out, "\n%s\n", _("Time each approval step held requests:"));
  const char *shead[] = {_("Service"), _("Office"), _("Step"), _("Acted"), _("Median h"), _("P90 h")};
  cli_cols_init(&c, 6, shead);
  for (size_t i = 0; i < r->n_rows; i++) {
    const Simpeg__V1__ServiceTimesRow *w = r->rows[i];
    for (size_t k = 0; k < w->n_steps; k++) {
      char n[24], med[24], p90[24];
      snprintf(n, sizeof(n), "%llu", (unsigned long long)w->steps[k]->count);
      hours(med, sizeof(med), w->steps[k]->median_hours);
      hours(p90, sizeof(p90), w->steps[k]->p90_hours);
      const char *row[] = {w->service, w->office_code, cli_request_step_name(w->steps[k]->kind), n, med, p90};
      cli_cols_add(&c, row);
    }
  }
  cli_cols_print(&c, ctx->out);
}

static int service_times_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  report_state_t *st = state;
  (void)argc, (void)argv;
  char service[16] = "";
  if (st->service) {
    size_t n = strlen(st->service);
    if (n >= sizeof(service))
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("unknown service: %s"), st->service);
    for (size_t i = 0; i <= n; i++)
      service[i] = (char)(st->service[i] >= 'a' && st->service[i] <= 'z' ? st->service[i] - 32 : st->service[i]);
  }
  Simpeg__V1__ServiceTimes m = SIMPEG__V1__SERVICE_TIMES__INIT;
  m.office_code = (char *)(st->office ? st->office : "");
  m.service = service;
  m.from_date = (char *)(st->from ? st->from : "");
  m.to_date = (char *)(st->to ? st->to : "");
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_SERVICE_TIMES;
  req.service_times = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_SERVICE_TIMES, &s, &resp);
  if (rc) return rc;
  if (ctx->settings.output == CLI_OUTPUT_JSON)
    print_json(ctx, resp->service_times);
  else
    print_table(ctx, resp->service_times);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const cli_sub_t report_subs[] = {
    {"service-times", 0, 0, service_times_run},
    {NULL, 0, 0, NULL},
};

static int report_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "report", report_subs, state, argc, argv);
}

const cli_command_t cli_cmd_report = {
    .name = "report",
    .summary = N_("Reports on personnel services (service times)"),
    .usage = N_("report service-times [--office CODE] [--service S] [--from DATE] [--to DATE]"),
    .description = N_("Subcommands:\n"
                      "  report service-times [--office CODE] [--service CUTI|KP|KGB|KOREKSI]\n"
                      "                       [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
                      "      per service and office: requests by state, how many were decided,\n"
                      "      the median and 90th percentile hours from submission to decision,\n"
                      "      and how long each kind of approval step held requests; requests\n"
                      "      submitted in the period (default: the last year) in your offices\n"
                      "      (or below CODE)\n"),
    .options = report_options,
    .state_size = sizeof(report_state_t),
    .parse_opt = report_parse,
    .run = report_run,
};
