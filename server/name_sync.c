/* name_sync: employee_names -> name_index (see name_sync.h). */
#include "name_sync.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_buf.h"
#include "sp_log.h"
#include "sp_time.h"

/* Every printable ASCII character, then words that mix cases, digits and
 * separators. */
const char name_sync_probe[] = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
                               "abcdefghijklmnopqrstuvwxyz{|}~ Siti-Rahma.W a 9 x1Y2z3 NUR'AINI o_o";

struct name_sync {
  uv_timer_t timer;
  db_pool_t *pool;
  name_index_t *ix;
  unsigned period_ms;
  bool loaded;   /* the first load has been added to the index */
  bool busy;     /* a statement or a pool job is under way */
  bool stopping; /* name_sync_stop was called */
  bool closed;   /* the timer handle is closed */
  int failures;  /* runs in a row that failed: logged once */
  char snapshot[NAME_SNAPSHOT_MAX]; /* the index is complete for it */
};

typedef struct sync_job {
  uv_work_t work;
  name_sync_t *ns;
  char *text; /* the names, each NUL-terminated */
  const char **names;
  size_t *lens;
  size_t n, added;
  double threshold;
  uint64_t started_us;
  char snapshot[NAME_SNAPSHOT_MAX];
} sync_job_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

bool name_sync_probe_agrees(const char *probe_lower, const char *probe_trgm) {
  size_t len = strlen(name_sync_probe);
  if (strlen(probe_lower) != len) return false;
  for (size_t i = 0; i < len; i++) {
    char c = name_sync_probe[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (probe_lower[i] != c) return false;
  }
  /* Both trigram sets as sorted lists of three-character strings. */
  uint16_t codes[sizeof(name_sync_probe)];
  int n = name_trgm(name_sync_probe, len, codes);
  if (n <= 0) return false;
  char mine[sizeof(name_sync_probe)][4];
  char *mp[sizeof(name_sync_probe)];
  for (int i = 0; i < n; i++) {
    name_trgm_text(codes[i], mine[i]);
    mp[i] = mine[i];
  }
  qsort(mp, (size_t)n, sizeof(*mp), cmp_str);
  char theirs[sizeof(name_sync_probe)][4];
  char *tp[sizeof(name_sync_probe)];
  int m = 0;
  for (const char *p = probe_trgm; *p;) {
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if (l != 3 || m >= n) return false;
    memcpy(theirs[m], p, 3);
    theirs[m][3] = '\0';
    tp[m] = theirs[m];
    m++;
    p += l + (bar ? 1 : 0);
  }
  if (m != n) return false;
  qsort(tp, (size_t)m, sizeof(*tp), cmp_str);
  for (int i = 0; i < n; i++)
    if (strcmp(mp[i], tp[i]) != 0) return false;
  return true;
}

static void free_if_done(name_sync_t *ns) {
  if (ns->stopping && ns->closed && !ns->busy) free(ns);
}

static void on_timer_closed(uv_handle_t *h) {
  name_sync_t *ns = h->data;
  ns->closed = true;
  free_if_done(ns);
}

static void run(uv_timer_t *h);

static void next_run(name_sync_t *ns) {
  ns->busy = false;
  if (ns->stopping) {
    free_if_done(ns);
    return;
  }
  uv_timer_start(&ns->timer, run, ns->period_ms, 0);
}

static void job_add(uv_work_t *w) {
  sync_job_t *j = w->data;
  j->added = name_index_add(j->ns->ix, j->names, j->lens, j->n, j->snapshot, j->threshold);
}

static void job_done(uv_work_t *w, int status) {
  sync_job_t *j = w->data;
  name_sync_t *ns = j->ns;
  if (status == 0) {
    memcpy(ns->snapshot, j->snapshot, sizeof(ns->snapshot));
    if (!ns->loaded) {
      name_index_stats_t st;
      name_index_stats(ns->ix, &st);
      sp_log_info("name index: %zu names loaded in %llu ms (%zu not plain ASCII, left to PostgreSQL)", st.names,
                  (unsigned long long)((sp_mono_us() - j->started_us) / 1000), st.skipped);
    }
    ns->loaded = true;
  }
  free(j->text);
  free(j->names);
  free(j->lens);
  free(j);
  next_run(ns);
}

/* A failed run: logged the first time, retried next period. */
static void run_failed(name_sync_t *ns, const char *what) {
  if (ns->failures++ == 0) sp_log_warning("name index: %s; searches ask PostgreSQL alone until it works", what);
  next_run(ns);
}

static void loaded(void *ud, const db_result_t *res) {
  name_sync_t *ns = ud;
  if (ns->stopping) {
    ns->busy = false;
    free_if_done(ns);
    return;
  }
  if (res->status != DB_OK) {
    char what[512];
    snprintf(what, sizeof(what), "refresh failed (%s): %s", db_status_name(res->status), res->message);
    run_failed(ns, what);
    return;
  }
  const PGresult *r = res->results[0];
  int rows = PQntuples(r), header = -1;
  size_t bytes = 0;
  for (int i = 0; i < rows; i++) {
    if (strcmp(PQgetvalue(r, i, 0), "0") == 0)
      header = i;
    else
      bytes += (size_t)PQgetlength(r, i, 1) + 1;
  }
  if (header < 0) {
    run_failed(ns, "refresh answered without its header row");
    return;
  }
  const char *snapshot = PQgetvalue(r, header, 1);
  char *end;
  double threshold = strtod(PQgetvalue(r, header, 2), &end);
  if (*end || strlen(snapshot) >= NAME_SNAPSHOT_MAX) {
    run_failed(ns, "unexpected snapshot or pg_trgm.similarity_threshold");
    return;
  }
  if (!ns->loaded && !name_sync_probe_agrees(PQgetvalue(r, header, 3), PQgetvalue(r, header, 4))) {
    /* Not a passing failure: this database's locale or pg_trgm splits or
     * lower-cases ASCII differently, so the index would not be exact. */
    sp_log_warning("name index: off, this database lower-cases or splits names differently from the daemon;"
                   " searches ask PostgreSQL alone");
    name_index_turn_off(ns->ix); /* on the loop: nothing is in the index, no search holds the lock long */
    ns->busy = false;
    if (ns->stopping) free_if_done(ns);
    return;
  }
  if (ns->failures > 0) sp_log_info("name index: refreshing again after %d failed run(s)", ns->failures);
  ns->failures = 0;
  sync_job_t *j = sp_xcalloc(1, sizeof(*j));
  j->ns = ns;
  j->threshold = threshold;
  j->started_us = sp_mono_us();
  snprintf(j->snapshot, sizeof(j->snapshot), "%s", snapshot);
  j->text = sp_xmalloc(bytes + 1);
  j->names = sp_xmalloc((size_t)(rows > 0 ? rows : 1) * sizeof(*j->names));
  j->lens = sp_xmalloc((size_t)(rows > 0 ? rows : 1) * sizeof(*j->lens));
  char *p = j->text;
  for (int i = 0; i < rows; i++) {
    if (i == header) continue;
    size_t l = (size_t)PQgetlength(r, i, 1);
    memcpy(p, PQgetvalue(r, i, 1), l);
    p[l] = '\0';
    j->names[j->n] = p;
    j->lens[j->n++] = l;
    p += l + 1;
  }
  j->work.data = j;
  if (uv_queue_work(uv_handle_get_loop((uv_handle_t *)&ns->timer), &j->work, job_add, job_done) != 0) {
    free(j->text);
    free(j->names);
    free(j->lens);
    free(j);
    run_failed(ns, "cannot queue the index update");
  }
}

static void run(uv_timer_t *h) {
  name_sync_t *ns = h->data;
  if (ns->stopping || ns->busy) return;
  const char *v[2] = {name_sync_probe, ns->snapshot};
  db_query_t q = {.stmt = ns->loaded ? DB_STMT_NAMES_DELTA : DB_STMT_NAMES_LOAD,
                  .nparams = ns->loaded ? 2 : 1, .values = v};
  ns->busy = true;
  if (db_submit(ns->pool, &q, 1, DB_RETRY_SAFE | DB_ALONE, loaded, ns) != 0) ns->busy = false; /* the pool is closing */
}

name_sync_t *name_sync_start(uv_loop_t *loop, db_pool_t *pool, name_index_t *ix, unsigned period_ms) {
  name_sync_t *ns = calloc(1, sizeof(*ns));
  if (!ns) {
    sp_log_error("name index: out of memory");
    return NULL;
  }
  ns->pool = pool;
  ns->ix = ix;
  ns->period_ms = period_ms;
  uv_timer_init(loop, &ns->timer);
  ns->timer.data = ns;
  uv_timer_start(&ns->timer, run, 0, 0);
  return ns;
}

void name_sync_stop(name_sync_t *ns) {
  if (!ns || ns->stopping) return;
  ns->stopping = true;
  uv_timer_stop(&ns->timer);
  uv_close((uv_handle_t *)&ns->timer, on_timer_closed);
}
