/* cmd_inbox: `simpeg inbox`: what waits for me: requests at a step I hold
 * (as supervisor, HR verifier or official) and my own requests returned
 * for correction, oldest first. */
#include <string.h>

#include "cli_admin.h"
#include "cli_request.h"

enum { OPT_AFTER = CLI_OPT_COMMAND_BASE, OPT_LIMIT };

static const struct option inbox_options[] = {
    {"after", required_argument, NULL, OPT_AFTER},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {NULL, 0, NULL, 0},
};

typedef struct inbox_state {
  const char *after;
  uint64_t limit;
} inbox_state_t;

static int inbox_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  inbox_state_t *st = state;
  switch (val) {
    case OPT_AFTER: st->after = arg; return 0;
    case OPT_LIMIT: return cli_parse_uint(arg, 500, &st->limit, "--limit", err, errlen);
    default: return -1;
  }
}

static int inbox_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  inbox_state_t *st = state;
  (void)argv;
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  if (argc > 0) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'inbox' takes no arguments"));
  Simpeg__V1__Inbox m = SIMPEG__V1__INBOX__INIT;
  m.after = (char *)(st->after ? st->after : "");
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_INBOX;
  req.inbox = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_INBOX, &s, &resp);
  if (rc) return rc;
  if (resp->inbox->n_requests == 0 && ctx->settings.output != CLI_OUTPUT_JSON)
    fprintf(ctx->out, "%s\n", _("Nothing waits for you."));
  else
    cli_request_print_list(ctx, resp->inbox->requests, resp->inbox->n_requests, resp->inbox->next_after);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

const cli_command_t cli_cmd_inbox = {
    .name = "inbox",
    .summary = N_("Requests waiting for you (to approve, or returned to you)"),
    .usage = N_("inbox [--after CURSOR] [--limit N]"),
    .description = N_("Requests at a step you hold (as supervisor, HR verifier or official), and your own\n"
                      "requests returned to you for correction, oldest first."),
    .options = inbox_options,
    .state_size = sizeof(inbox_state_t),
    .parse_opt = inbox_parse_opt,
    .run = inbox_run,
};
