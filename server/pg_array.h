/* pg_array: PostgreSQL array literals ({"a","b",NULL}) built in an sp_buf_t,
 * for statements that take one array per column and unnest them (the
 * import's staging, the batched audit rows of reads): one statement for
 * many rows, no per-row round trip. */
#ifndef SIMPEGD_PG_ARRAY_H
#define SIMPEGD_PG_ARRAY_H

#include <stdbool.h>

#include "sp_buf.h"

/* Starts a literal: "{". */
void pg_array_open(sp_buf_t *b);
/* Adds one element, quoted and escaped; NULL is SQL NULL. False when the
 * buffer's maximum would be passed (nothing is added then). */
bool pg_array_add(sp_buf_t *b, const char *s);
/* Ends the literal with "}" and a NUL; returns it (valid until the buffer
 * changes), or NULL when the buffer's maximum would be passed. */
const char *pg_array_close(sp_buf_t *b);

#endif
