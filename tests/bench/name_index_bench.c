/* name-index-bench: how long name_index_match takes, outside the daemon.
 *
 *   name-index-bench NAMES QUERIES [ROUNDS]
 *
 * NAMES: one lower-cased name per line (e.g. `SELECT lname FROM
 * employee_names`), QUERIES: one query per line (tests/bench/registry.sh
 * makes them: names with one typo). Prints the load time, the index's size
 * and the mean time per query and names found per query, with pg_trgm's
 * default threshold 0.3. Used for docs/PERFORMANCE.md ("Name search in the
 * daemon"); run by tests/bench/registry.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "name_index.h"
#include "sp_buf.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Lines of a file (newline removed), in one allocation. */
static char **read_lines(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(1);
  }
  size_t cap = 1024;
  char **lines = sp_xmalloc(cap * sizeof(*lines));
  *n = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, f)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (*n == cap) lines = sp_xrealloc(lines, (cap *= 2) * sizeof(*lines));
    lines[(*n)++] = sp_xstrdup(line);
  }
  free(line);
  fclose(f);
  return lines;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s NAMES QUERIES [ROUNDS]\n", argv[0]);
    return 2;
  }
  size_t nn, nq;
  char **names = read_lines(argv[1], &nn), **queries = read_lines(argv[2], &nq);
  int rounds = argc > 3 ? atoi(argv[3]) : 5;
  size_t *lens = sp_xmalloc((nn ? nn : 1) * sizeof(*lens));
  for (size_t i = 0; i < nn; i++) lens[i] = strlen(names[i]);
  name_index_t *ix = name_index_new();
  double t0 = now_ms();
  name_index_add(ix, (const char *const *)names, lens, nn, "1:1:", 0.3);
  double t1 = now_ms();
  name_index_stats_t st;
  name_index_stats(ix, &st);
  printf("load: %zu names (%zu not plain ASCII), %zu postings, %.1f ms\n", st.names, st.skipped, st.postings, t1 - t0);
  sp_buf_t bn, bs;
  sp_buf_init(&bn, 64u << 20);
  sp_buf_init(&bs, 64u << 20);
  char snap[NAME_SNAPSHOT_MAX];
  long found = 0, runs = 0, refused = 0;
  t0 = now_ms();
  for (int r = 0; r < rounds; r++) {
    for (size_t i = 0; i < nq; i++) {
      sp_buf_reset(&bn, 1 << 20);
      sp_buf_reset(&bs, 1 << 20);
      long k = name_index_match(ix, queries[i], &bn, &bs, snap);
      if (k < 0) {
        refused++;
        continue;
      }
      found += k;
      runs++;
    }
  }
  t1 = now_ms();
  printf("match: %ld queries, %.1f us per query, %.1f names found per query, %ld not answerable\n", runs,
         runs ? (t1 - t0) * 1000.0 / (double)(runs + refused) : 0.0, runs ? (double)found / (double)runs : 0.0,
         refused);
  sp_buf_free(&bn);
  sp_buf_free(&bs);
  name_index_free(ix);
  for (size_t i = 0; i < nn; i++) free(names[i]);
  for (size_t i = 0; i < nq; i++) free(queries[i]);
  free(names);
  free(queries);
  free(lens);
  return 0;
}
