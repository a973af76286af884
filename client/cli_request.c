/* cli_request: PLACEHOLDER, replaced by its owner before landing. */
#include "cli_request.h"

const char *cli_request_state_name(Simpeg__V1__RequestState st) { (void)st; return "?"; }
const char *cli_request_step_name(Simpeg__V1__StepKind kind) { (void)kind; return "?"; }
void cli_request_print(cli_ctx_t *ctx, const Simpeg__V1__ServiceRequest *r, bool replayed) {
  (void)replayed;
  fprintf(ctx->out, "%s\n", r->number);
}
void cli_request_print_list(cli_ctx_t *ctx, Simpeg__V1__ServiceRequest *const *rs, size_t n, const char *next_after) {
  (void)next_after;
  for (size_t i = 0; i < n; i++) fprintf(ctx->out, "%s\n", rs[i]->number);
}
void cli_request_new_key(char *out, size_t cap) { snprintf(out, cap, "%s", "placeholder"); }
int cli_request_finish_submit(cli_ctx_t *ctx, spc_sync_t *s, const Simpeg__V1__ServiceRequest *draft,
                              char *const *attach, size_t nattach, bool keep_draft) {
  (void)ctx, (void)s, (void)draft, (void)attach, (void)nattach, (void)keep_draft;
  return CLI_EXIT_OTHER;
}
