/* name_sync: keeps a name_index up to date with employee_names.
 *
 * At start the daemon loads every name (DB_STMT_NAMES_LOAD), then every
 * period the names that the index's snapshot did not see
 * (DB_STMT_NAMES_DELTA); each answer is added to the index in the thread
 * pool, together with the snapshot it is complete for. The first load also
 * checks that this database lower-cases and splits a probe holding every
 * printable ASCII character exactly as name_index.c does; if not, the
 * index stays empty (logged once) and every search asks PostgreSQL alone.
 * A failed run is logged once and retried next period; until the first
 * load has been added, searches ask PostgreSQL alone. */
#ifndef SIMPEGD_NAME_SYNC_H
#define SIMPEGD_NAME_SYNC_H

#include <uv.h>

#include "db.h"
#include "name_index.h"

typedef struct name_sync name_sync_t;

/* The pool and the index must outlive name_sync_stop's completion (the
 * index: until uv_run returns). NULL when out of memory (logged). */
name_sync_t *name_sync_start(uv_loop_t *loop, db_pool_t *pool, name_index_t *ix, unsigned period_ms);

/* Stops the timer; a run in flight finishes, then the object is freed.
 * Call before db_pool_close. NULL is ignored. */
void name_sync_stop(name_sync_t *ns);

/* The probe name_sync sends, and whether the database's answer to it
 * (lower($probe), array_to_string(show_trgm($probe), '|')) is what
 * name_index.c computes. Exposed for the tests. */
extern const char name_sync_probe[];
bool name_sync_probe_agrees(const char *probe_lower, const char *probe_trgm);

#endif
