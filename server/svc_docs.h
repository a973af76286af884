/* svc_docs: evidence documents (chunked upload and download), Subscribe
 * and the service-time report (docs/internals/documents.md). */
#ifndef SIMPEGD_SVC_DOCS_H
#define SIMPEGD_SVC_DOCS_H

#include "conn.h"

/* Drops the connection's unfinished uploads (conn_unref): nothing of them
 * ever reached the database, so freeing the memory is all there is. */
void svc_docs_release(conn_t *c);

#endif
