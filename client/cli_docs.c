/* cli_docs: PLACEHOLDER, replaced by its owner before landing. */
#include "cli_docs.h"

int cli_document_upload(cli_ctx_t *ctx, spc_sync_t *s, const char *number, const char *kind, const char *path,
                        Simpeg__V1__DocumentInfo **out) {
  (void)ctx, (void)s, (void)number, (void)kind, (void)path, (void)out;
  return CLI_EXIT_OTHER;
}
