/* cli_request: what the personnel-service commands share (request, inbox,
 * chain, correction, leave, promotion, kgb): printing requests as a table
 * or JSON, state names in the user's language, idempotency keys, and the
 * "attach evidence, then submit" step that follows creating a draft. */
#ifndef CLI_REQUEST_H
#define CLI_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* Translated name of a state / step kind / action ("diajukan", ...). */
const char *cli_request_state_name(Simpeg__V1__RequestState st);
const char *cli_request_step_name(Simpeg__V1__StepKind kind);
/* A timeline action ("create", "submit", "approve"...) in words. */
const char *cli_request_action_name(const char *action);

/* One request in full (steps, who holds it and since when, what is
 * missing, documents, service details) on ctx->out, as a table or as one
 * JSON object following ctx->settings.output. */
void cli_request_print(cli_ctx_t *ctx, const Simpeg__V1__ServiceRequest *r, bool replayed);
/* A list, one line a request (JSON: an array), then the next-page cursor
 * when there is one. */
void cli_request_print_list(cli_ctx_t *ctx, Simpeg__V1__ServiceRequest *const *rs, size_t n,
                            const char *next_after);

/* A fresh random idempotency key (32 hex digits) in out (cap >= 33). */
void cli_request_new_key(char *out, size_t cap);

/* After a *Submit call made with draft = true: uploads each attachment
 * ("KIND=PATH", e.g. "surat_dokter=note.pdf") to the draft, then submits it
 * (RequestAct SUBMIT with the draft's version) unless keep_draft, and prints
 * the resulting request. Returns an exit code (0 on success; errors are
 * printed). The draft stays (visible to the applicant) if a step fails. */
int cli_request_finish_submit(cli_ctx_t *ctx, spc_sync_t *s, const Simpeg__V1__ServiceRequest *draft,
                              char *const *attach, size_t nattach, bool keep_draft);

#endif
