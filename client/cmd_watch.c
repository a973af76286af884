/* cmd_watch: `simpeg watch`: prints request events as the server pushes
 * them (Subscribe "request"): a request of yours changed, or one now waits
 * for you. Runs until Ctrl-C, --count events or --timeout seconds. */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_request.h"
#include "sp_time.h"

enum { OPT_COUNT = CLI_OPT_COMMAND_BASE, OPT_TIMEOUT };

static const struct option watch_options[] = {
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {NULL, 0, NULL, 0},
};

typedef struct watch_state {
  uint64_t count;     /* 0: no limit */
  uint64_t timeout_s; /* 0: no limit */
} watch_state_t;

static int watch_parse(void *state, int val, const char *arg, char *err, size_t errlen) {
  watch_state_t *st = state;
  if (val == OPT_COUNT) return cli_parse_uint(arg, 1000000, &st->count, "--count", err, errlen);
  if (val == OPT_TIMEOUT) return cli_parse_uint(arg, 7 * 86400, &st->timeout_s, "--timeout", err, errlen);
  return 0;
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

/* Control characters from the server never reach the terminal. */
static void clean(char *out, size_t cap, const char *s) {
  size_t k = 0;
  for (; s && *s && k + 1 < cap; s++) out[k++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
  out[k] = '\0';
}

static void print_event(cli_ctx_t *ctx, const Simpeg__V1__Event *ev, const Simpeg__V1__RequestNotice *n) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) { /* one object a line */
    char at[40];
    cli_format_time_utc(at, sizeof(at), ev->time_us);
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "at");
    json_string(&j, at);
    json_key(&j, "number");
    json_string(&j, n->number);
    json_key(&j, "service");
    json_string(&j, n->service);
    json_key(&j, "action");
    json_string(&j, n->action);
    json_key(&j, "actor");
    json_string(&j, n->actor);
    json_key(&j, "state");
    json_string(&j, state_key(n->state));
    json_key(&j, "current_step");
    json_uint(&j, n->current_step);
    json_key(&j, "step_kind");
    json_string(&j, step_key(n->step_kind));
    json_key(&j, "summary");
    json_string(&j, n->summary);
    json_end_object(&j);
    json_finish(&j);
  } else {
    char at[64], number[64], actor[128], summary[400];
    cli_format_time(at, sizeof(at), ev->time_us);
    clean(number, sizeof(number), n->number);
    clean(actor, sizeof(actor), n->actor);
    clean(summary, sizeof(summary), n->summary);
    /* TRANSLATORS: time, request number, action ("approved"), who, new state */
    fprintf(ctx->out, _("%s  %s  %s by %s -> %s"), at, number, cli_request_action_name(n->action), actor,
            cli_request_state_name(n->state));
    if (n->current_step)
      /* TRANSLATORS: the step that now holds the request, e.g. "step 2: HR verifier" */
      fprintf(ctx->out, _(" (step %u: %s)"), n->current_step, cli_request_step_name(n->step_kind));
    if (*summary) fprintf(ctx->out, "  %s", summary);
    fputc('\n', ctx->out);
  }
  fflush(ctx->out);
}

static int watch_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  watch_state_t *st = state;
  (void)argv;
  if (argc > 0) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("watch takes no arguments"));
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;
  char *topics[] = {"request"};
  Simpeg__V1__Subscribe m = SIMPEG__V1__SUBSCRIBE__INIT;
  m.topics = topics;
  m.n_topics = 1;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_SUBSCRIBE;
  req.subscribe = &m;
  Simpeg__V1__Response *resp;
  if ((rc = cli_call(ctx, s, &req, &resp))) {
    spc_sync_close(s);
    return rc;
  }
  spc_response_free(resp);
  if (ctx->settings.output != CLI_OUTPUT_JSON) {
    fprintf(ctx->err, "%s\n", _("Waiting for request events (Ctrl-C to stop)..."));
    fflush(ctx->err);
  }
  uint64_t deadline_us = st->timeout_s ? sp_mono_us() + st->timeout_s * 1000000u : 0;
  uint64_t seen = 0;
  rc = CLI_EXIT_OK;
  while (!st->count || seen < st->count) {
    uint32_t wait_ms = 60000;
    if (deadline_us) {
      uint64_t now = sp_mono_us();
      if (now >= deadline_us) break;
      uint64_t left = (deadline_us - now + 999) / 1000;
      if (left < wait_ms) wait_ms = (uint32_t)left;
    }
    Simpeg__V1__Event *ev = NULL;
    spc_error_t err;
    int r = spc_sync_next_event(s, wait_ms, &ev, &err);
    if (r == SPC_ETIMEDOUT) continue;
    if (r != 0) {
      rc = cli_report_error(ctx, &err);
      break;
    }
    if (strcmp(ev->topic, "request") == 0) {
      Simpeg__V1__RequestNotice *n = simpeg__v1__request_notice__unpack(NULL, ev->payload.len, ev->payload.data);
      if (n) {
        print_event(ctx, ev, n);
        simpeg__v1__request_notice__free_unpacked(n, NULL);
        seen++;
      }
    }
    simpeg__v1__event__free_unpacked(ev, NULL);
  }
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_watch = {
    .name = "watch",
    .summary = N_("Print request events as they happen"),
    .usage = N_("watch [--count N] [--timeout SECONDS]"),
    .description = N_("Prints a line whenever one of your requests changes state or a request\n"
                      "now waits for you (you hold its current approval step), until Ctrl-C.\n"
                      "  --count N          stop after N events\n"
                      "  --timeout SECONDS  stop after this long\n"
                      "With --output json, one JSON object a line.\n"),
    .options = watch_options,
    .state_size = sizeof(watch_state_t),
    .parse_opt = watch_parse,
    .run = watch_run,
};
