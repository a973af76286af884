/* name_index: the distinct employee names (table employee_names) in the
 * daemon's memory, with a posting list per trigram, so that a name search
 * finds the similar names without asking PostgreSQL's trigram index to
 * find and recheck them (docs/internals/registry.md "Name search in the
 * daemon").
 *
 * Exactness: for text made of printable ASCII (bytes 0x20..0x7e) the
 * trigrams here are pg_trgm's (each run of letters and digits, lower-cased,
 * padded with two spaces in front and one behind, every trigram counted
 * once) and the similarity is pg_trgm's float4 `shared / (n1 + n2 -
 * shared)`, compared as pg_trgm compares it with the threshold. Names with
 * any other byte are not indexed here (pg_trgm hashes multibyte trigrams
 * and lower-cases by the database's locale); PostgreSQL scores those
 * itself. name_sync.c checks at load that the database splits and
 * lower-cases a probe of every printable character exactly as this file
 * does, and keeps the index off otherwise.
 *
 * Names are only ever added (employee_names is insert-only, migration
 * 0017). The index remembers the PostgreSQL snapshot (pg_snapshot text)
 * its names are complete for: every name committed as that snapshot saw it
 * is here, no other. A search sends it along, and PostgreSQL adds the
 * names that snapshot did not see.
 *
 * Threading: name_index_match runs in the thread pool under a read lock;
 * name_index_add takes the write lock (name_sync.c calls it from the pool
 * as well, so the loop never waits on the lock). */
#ifndef SIMPEGD_NAME_INDEX_H
#define SIMPEGD_NAME_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

/* Symbols of a trigram: space, a-z, 0-9. */
#define NAME_TRGM_SYMBOLS 37
#define NAME_TRGM_CODES (NAME_TRGM_SYMBOLS * NAME_TRGM_SYMBOLS * NAME_TRGM_SYMBOLS)
/* Longest pg_snapshot text kept (xmin:xmax:xip,...); a longer one (very
 * many transactions in progress) is not stored and the load is retried. */
#define NAME_SNAPSHOT_MAX 1024

/* true when every byte of s[0..len) is printable ASCII (0x20..0x7e). */
bool name_printable(const char *s, size_t len);

/* pg_trgm's trigrams of s as codes (sorted, each once); returns how many
 * (at most len + 1), or -1 when s is not printable ASCII. out needs room
 * for len + 1 codes. */
int name_trgm(const char *s, size_t len, uint16_t *out);

/* The three characters of a trigram code, as pg_trgm's show_trgm() prints
 * it, NUL-terminated. */
void name_trgm_text(uint16_t code, char out[4]);

/* pg_trgm's similarity of two trigram sets with `shared` in common. */
float name_similarity(int shared, int n1, int n2);

/* pg_trgm's `%`: similarity at or above the threshold (a double). */
static inline bool name_matches(float sim, double threshold) { return (double)sim >= threshold; }

typedef struct name_index name_index_t;

name_index_t *name_index_new(void);
/* Nothing may use the index any more. NULL is ignored. */
void name_index_free(name_index_t *ix);

/* Adds names (lower-cased as employee_names holds them; those not
 * printable ASCII are counted and skipped, names already here too), then
 * records that the index is complete for `snapshot` and takes `threshold`
 * (pg_trgm.similarity_threshold) for later matches. The index answers
 * from the first call on. Returns the names indexed by this call. */
size_t name_index_add(name_index_t *ix, const char *const *names, const size_t *lens, size_t n,
                      const char *snapshot, double threshold);

/* Finds the indexed names similar to `query` (as the search statement
 * passes it to lower(): ASCII letters are lower-cased here) and appends
 * them to `names` and their scores to `scores` as PostgreSQL array
 * literals (pg_array.h), in no particular order; copies the snapshot the
 * answer is complete for into snapshot (NAME_SNAPSHOT_MAX bytes). Returns
 * the number of names, or -1 when the index cannot answer: not loaded
 * yet, the query is not printable ASCII, the threshold is not above 0
 * (every name would match), or a buffer's maximum was reached. Then the
 * caller asks PostgreSQL alone. */
long name_index_match(name_index_t *ix, const char *query, sp_buf_t *names, sp_buf_t *scores, char *snapshot);

/* For good: the index answers no search any more (-1). */
void name_index_turn_off(name_index_t *ix);

typedef struct name_index_stats {
  size_t names;    /* indexed */
  size_t skipped;  /* not printable ASCII: left to PostgreSQL */
  size_t postings; /* trigram entries */
  bool ready;      /* answers searches */
  bool off;        /* turned off: this database's rules differ (name_sync.h) */
} name_index_stats_t;
/* Takes no lock (safe on the loop while an update runs). */
void name_index_stats(name_index_t *ix, name_index_stats_t *out);

#endif
