/* cli_docs: moving evidence documents over the protocol (chunked upload
 * with a SHA-256 of the whole, chunked download). */
#ifndef CLI_DOCS_H
#define CLI_DOCS_H

#include "cli.h"

/* Uploads the file at `path` as evidence `kind` of request `number`:
 * DocumentUploadBegin (size and SHA-256), chunks of at most the server's
 * max_chunk, DocumentUploadFinish. Returns an exit code (errors printed).
 * *out (may be NULL) receives the stored document's info; free it with
 * simpeg__v1__document_info__free_unpacked(*out, NULL). */
int cli_document_upload(cli_ctx_t *ctx, spc_sync_t *s, const char *number, const char *kind, const char *path,
                        Simpeg__V1__DocumentInfo **out);

#endif
