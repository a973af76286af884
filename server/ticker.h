/* ticker: a statement the daemon runs on a timer, in the background.
 *
 * Two of them: the audit chainer (migration 0010, docs/internals/authz.md
 * "Verifying the log") links finished transactions' audit rows every
 * 200 ms, at most 5000 a run; the notify flusher (migration 0015,
 * docs/internals/documents.md "Pushed events") sends the queued request
 * events as NOTIFY every 50 ms, at most 1000 a run. Each statement takes
 * the batch size as $1 and returns how many rows it handled: a full run
 * means more wait, so the next one starts at once. At most one run is in
 * flight; the timer is re-armed when its answer arrives, so a slow
 * database never piles runs up. Several daemons on one database may all
 * run both: the statements themselves make that safe (the chain head row
 * is the chainer's lock; the flusher takes queued rows with SKIP LOCKED).
 * A failed run is logged once, not every tick, and retried next period. */
#ifndef SIMPEGD_TICKER_H
#define SIMPEGD_TICKER_H

#include <uv.h>

#include "db.h"

typedef struct ticker ticker_t;

/* Starts the timer on loop: `name` (static) for the log, stmt returning one
 * integer row, run every period_ms with batch as $1. The pool must outlive
 * ticker_stop's return. NULL when out of memory (logged). */
ticker_t *ticker_start(uv_loop_t *loop, db_pool_t *pool, const char *name, enum db_stmt_id stmt,
                       unsigned period_ms, int batch);

/* Stops the timer; a run in flight finishes (or fails as the pool closes)
 * and then the object is freed. Call before db_pool_close. NULL is ignored. */
void ticker_stop(ticker_t *t);

/* The chainer's and the flusher's settings. */
#define AUDIT_CHAIN_PERIOD_MS 200
#define AUDIT_CHAIN_BATCH 5000
#define NOTIFY_FLUSH_PERIOD_MS 50
#define NOTIFY_FLUSH_BATCH 1000

#endif
