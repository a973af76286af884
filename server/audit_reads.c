/* audit_reads: batched audit rows of reads (see audit_reads.h). */
#include "audit_reads.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db_stmts.h"
#include "pg_array.h"
#include "sp_buf.h"
#include "sp_log.h"

typedef struct pending {
  char *cols[AUDIT_READ__COUNT]; /* in one allocation with the struct */
  audit_reads_cb cb;
  void *ud;
  struct pending *next;
} pending_t;

struct audit_reads {
  db_pool_t *pool;
  pending_t *head, *tail; /* queued, oldest first */
  pending_t *batch;       /* in flight */
  bool stopping;
  int failures; /* batches in a row that failed: logged once */
};

audit_reads_t *audit_reads_new(db_pool_t *pool) {
  audit_reads_t *ar = calloc(1, sizeof(*ar));
  if (!ar) {
    sp_log_error("audit reads: out of memory");
    return NULL;
  }
  ar->pool = pool;
  return ar;
}

static void finish_all(pending_t *p, const db_result_t *res) {
  while (p) {
    pending_t *next = p->next;
    p->cb(p->ud, res);
    free(p);
    p = next;
  }
}

static void flush(audit_reads_t *ar);

static void batch_done(void *ud, const db_result_t *res) {
  audit_reads_t *ar = ud;
  pending_t *batch = ar->batch;
  ar->batch = NULL;
  if (res->status == DB_OK) {
    if (ar->failures > 0) sp_log_info("audit reads: writing again after %d failed batch(es)", ar->failures);
    ar->failures = 0;
  } else if (ar->failures++ == 0) {
    sp_log_warning("audit reads: batch failed (%s): %s", db_status_name(res->status), res->message);
  }
  finish_all(batch, res);
  if (ar->stopping) {
    if (!ar->batch) free(ar);
    return;
  }
  flush(ar);
}

/* Sends up to AUDIT_READS_BATCH queued rows as one statement. */
static void flush(audit_reads_t *ar) {
  if (ar->batch || !ar->head) return;
  sp_buf_t cols[AUDIT_READ__COUNT];
  for (int c = 0; c < AUDIT_READ__COUNT; c++) {
    sp_buf_init(&cols[c], SIZE_MAX / 2);
    pg_array_open(&cols[c]);
  }
  pending_t *batch = ar->head, *last = NULL;
  size_t n = 0;
  for (pending_t *p = ar->head; p && n < AUDIT_READS_BATCH; p = p->next, n++) {
    for (int c = 0; c < AUDIT_READ__COUNT; c++) pg_array_add(&cols[c], p->cols[c]);
    last = p;
  }
  ar->head = last->next;
  if (!ar->head) ar->tail = NULL;
  last->next = NULL;
  ar->batch = batch;
  const char *v[AUDIT_READ__COUNT];
  for (int c = 0; c < AUDIT_READ__COUNT; c++) v[c] = pg_array_close(&cols[c]);
  db_query_t q = {.stmt = DB_STMT_AUDIT_READS, .nparams = AUDIT_READ__COUNT, .values = v};
  int rc = db_submit(ar->pool, &q, 1, 0, batch_done, ar);
  for (int c = 0; c < AUDIT_READ__COUNT; c++) sp_buf_free(&cols[c]);
  if (rc != 0) {
    ar->batch = NULL;
    db_result_t none = {.status = DB_UNAVAILABLE, .message = "database pool closed", .failed_stmt = -1};
    finish_all(batch, &none);
  }
}

void audit_reads_add(audit_reads_t *ar, const char *const row[AUDIT_READ__COUNT], audit_reads_cb cb, void *ud) {
  size_t len[AUDIT_READ__COUNT], total = sizeof(pending_t);
  for (int c = 0; c < AUDIT_READ__COUNT; c++) {
    len[c] = row[c] ? strlen(row[c]) + 1 : 0;
    total += len[c];
  }
  pending_t *p = sp_xmalloc(total);
  char *w = (char *)(p + 1);
  for (int c = 0; c < AUDIT_READ__COUNT; c++) {
    if (!row[c]) {
      p->cols[c] = NULL;
      continue;
    }
    memcpy(w, row[c], len[c]);
    p->cols[c] = w;
    w += len[c];
  }
  p->cb = cb;
  p->ud = ud;
  p->next = NULL;
  if (ar->tail)
    ar->tail->next = p;
  else
    ar->head = p;
  ar->tail = p;
  /* db_submit never calls back from inside itself, so the batch's
   * callbacks do not run inside this call (unless the pool is closed). */
  flush(ar);
}

void audit_reads_stop(audit_reads_t *ar) {
  if (!ar || ar->stopping) return;
  ar->stopping = true;
  pending_t *queued = ar->head;
  ar->head = ar->tail = NULL;
  db_result_t none = {.status = DB_UNAVAILABLE, .message = "server stopping", .failed_stmt = -1};
  finish_all(queued, &none);
  if (!ar->batch) free(ar);
}
