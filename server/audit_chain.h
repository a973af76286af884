/* audit_chain: links audit rows into the hash chain after their
 * transactions end (migration 0010, docs/internals/authz.md "Verifying the
 * log").
 *
 * Writers insert audit rows unchained, so an audited write or read takes no
 * shared lock. Every AUDIT_CHAIN_PERIOD_MS this timer runs one statement,
 * audit_chain_pending(), which links the rows of finished transactions in
 * order; when a run was full it runs again at once. Several daemons on one
 * database may all run it: the head row is the lock, and a run that finds
 * it taken just skips. */
#ifndef SIMPEGD_AUDIT_CHAIN_H
#define SIMPEGD_AUDIT_CHAIN_H

#include <uv.h>

#include "db.h"

#define AUDIT_CHAIN_PERIOD_MS 200
/* Rows linked by one statement: bounds how long it holds the head. */
#define AUDIT_CHAIN_BATCH 5000

typedef struct audit_chain audit_chain_t;

/* Starts the timer on loop; the pool must outlive audit_chain_stop's
 * return. NULL when out of memory (logged). */
audit_chain_t *audit_chain_start(uv_loop_t *loop, db_pool_t *pool);

/* Stops the timer; a run in flight finishes (or fails as the pool closes)
 * and then the object is freed. Call before db_pool_close. NULL is ignored. */
void audit_chain_stop(audit_chain_t *c);

#endif
