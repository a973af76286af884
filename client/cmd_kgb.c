/* cmd_kgb: PLACEHOLDER, replaced by its owner before landing. */
#include "cli.h"

static int run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state, (void)argc, (void)argv;
  fprintf(ctx->err, "simpeg: %s\n", "not built yet");
  return CLI_EXIT_OTHER;
}

const cli_command_t cli_cmd_kgb = {
    .name = "kgb",
    .summary = N_("not built yet"),
    .usage = "kgb",
    .run = run,
};
