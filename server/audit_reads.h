/* audit_reads: the audit rows of reads, written in batches (group commit).
 *
 * Every read of personal data leaves an audit row (UU 27/2022), and no data
 * leaves the daemon before its row is committed. Written inside each read's
 * own transaction, that made every lookup a writing transaction that waits
 * for its own WAL flush. Here a read runs read-only; its row is queued, and
 * one statement at a time inserts every queued row (one transaction, one
 * flush for all of them); the reads' answers go out when it has committed,
 * or the reads fail with the statement's error. While one batch is in flight
 * the next one gathers, so under load many reads share a flush and at rest a
 * read waits for just its own. docs/internals/authz.md "Reads".
 *
 * Threading: the loop's thread only. */
#ifndef SIMPEGD_AUDIT_READS_H
#define SIMPEGD_AUDIT_READS_H

#include "db.h"

/* The columns of one row, in this order ("after" may be NULL). */
enum {
  AUDIT_READ_ACTOR_ID,
  AUDIT_READ_ACTOR,
  AUDIT_READ_ACTOR_OFFICE,
  AUDIT_READ_CLIENT_ADDR,
  AUDIT_READ_METHOD,
  AUDIT_READ_ENTITY,
  AUDIT_READ_ENTITY_ID,
  AUDIT_READ_AFTER, /* JSON object text */
  AUDIT_READ__COUNT
};

/* Rows in one statement at most; more wait for the next. */
#define AUDIT_READS_BATCH 512

typedef struct audit_reads audit_reads_t;

/* res->status DB_OK: the row is committed. Otherwise the batch failed and
 * res says why (as for db_submit's callback). */
typedef void (*audit_reads_cb)(void *ud, const db_result_t *res);

audit_reads_t *audit_reads_new(db_pool_t *pool);

/* Queues one row (copied) and sends a batch if none is in flight. cb runs
 * exactly once, later on the loop (inside this call only when the pool is
 * already closed: then with DB_UNAVAILABLE). Not after audit_reads_stop. */
void audit_reads_add(audit_reads_t *ar, const char *const row[AUDIT_READ__COUNT], audit_reads_cb cb, void *ud);

/* Fails what is queued (DB_UNAVAILABLE) and frees the object once the
 * batch in flight, if any, has answered. Call before db_pool_close. NULL
 * is ignored. */
void audit_reads_stop(audit_reads_t *ar);

#endif
