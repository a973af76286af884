/* name_index: employee names with a posting list per trigram (see
 * name_index.h for what is exact and why). */
#include "name_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "pg_array.h"

/* ---- pg_trgm's trigrams of printable ASCII ---- */

bool name_printable(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return false;
  return true;
}

/* The symbol of a lower-cased word character (1..36); 0 is the padding. */
static int word_symbol(unsigned char c) {
  if (c >= 'a' && c <= 'z') return 1 + (c - 'a');
  if (c >= 'A' && c <= 'Z') return 1 + (c - 'A');
  if (c >= '0' && c <= '9') return 27 + (c - '0');
  return -1;
}

static int cmp_u16(const void *a, const void *b) {
  return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int name_trgm(const char *s, size_t len, uint16_t *out) {
  if (!name_printable(s, len)) return -1;
  size_t n = 0, i = 0;
  while (i < len) {
    if (word_symbol((unsigned char)s[i]) < 0) {
      i++;
      continue;
    }
    /* "  word ": the window ending at each letter, then the one closing it */
    int a = 0, b = 0;
    for (; i < len && word_symbol((unsigned char)s[i]) >= 0; i++) {
      int c = word_symbol((unsigned char)s[i]);
      out[n++] = (uint16_t)((a * NAME_TRGM_SYMBOLS + b) * NAME_TRGM_SYMBOLS + c);
      a = b;
      b = c;
    }
    out[n++] = (uint16_t)((a * NAME_TRGM_SYMBOLS + b) * NAME_TRGM_SYMBOLS + 0);
  }
  if (n < 2) return (int)n;
  qsort(out, n, sizeof(*out), cmp_u16);
  size_t u = 1;
  for (size_t k = 1; k < n; k++)
    if (out[k] != out[u - 1]) out[u++] = out[k];
  return (int)u;
}

void name_trgm_text(uint16_t code, char out[4]) {
  static const char sym[] = " abcdefghijklmnopqrstuvwxyz0123456789";
  out[0] = sym[code / (NAME_TRGM_SYMBOLS * NAME_TRGM_SYMBOLS) % NAME_TRGM_SYMBOLS];
  out[1] = sym[code / NAME_TRGM_SYMBOLS % NAME_TRGM_SYMBOLS];
  out[2] = sym[code % NAME_TRGM_SYMBOLS];
  out[3] = '\0';
}

float name_similarity(int shared, int n1, int n2) {
  if (n1 <= 0 || n2 <= 0) return 0.0f;
  return (float)shared / (float)(n1 + n2 - shared);
}

/* ---- the index ---- */

#define BLOCK_SIZE (64 * 1024)

typedef struct block {
  struct block *next;
  size_t used;
  char data[];
} block_t;

typedef struct posting {
  uint32_t *ids;
  uint32_t n, cap;
} posting_t;

/* Per-query counters, reused: counts[i] is zero between queries. A query
 * has at most 255 trigrams (name_index_match), so a byte holds the count. */
typedef struct scratch {
  struct scratch *next;
  uint8_t *counts;
  size_t cap;
} scratch_t;

struct name_index {
  uv_rwlock_t lock;
  block_t *blocks;      /* name text, never moved */
  const char **names;   /* by id */
  uint16_t *ntrgm;      /* trigrams per name */
  size_t n, cap;
  uint32_t *set;        /* open addressing: id + 1, 0 empty */
  size_t set_cap;
  posting_t post[NAME_TRGM_CODES];
  size_t postings, skipped;
  char snapshot[NAME_SNAPSHOT_MAX];
  double threshold;
  bool ready;
  bool off; /* name_index_turn_off: never answers */
  uv_mutex_t scratch_lock;
  scratch_t *free_scratch;
};

name_index_t *name_index_new(void) {
  name_index_t *ix = sp_xcalloc(1, sizeof(*ix));
  if (uv_rwlock_init(&ix->lock) != 0 || uv_mutex_init(&ix->scratch_lock) != 0) abort();
  return ix;
}

void name_index_free(name_index_t *ix) {
  if (!ix) return;
  for (block_t *b = ix->blocks, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  for (scratch_t *s = ix->free_scratch, *next; s; s = next) {
    next = s->next;
    free(s->counts);
    free(s);
  }
  for (size_t c = 0; c < NAME_TRGM_CODES; c++) free(ix->post[c].ids);
  free(ix->names);
  free(ix->ntrgm);
  free(ix->set);
  uv_rwlock_destroy(&ix->lock);
  uv_mutex_destroy(&ix->scratch_lock);
  free(ix);
}

static uint64_t name_hash(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

/* The set's slot holding this name, or the empty slot where it would go. */
static size_t set_slot(const name_index_t *ix, const char *s, size_t len) {
  size_t mask = ix->set_cap - 1, i = (size_t)name_hash(s, len) & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t v = ix->set[i];
    if (v == 0) return i;
    const char *t = ix->names[v - 1];
    if (strncmp(t, s, len) == 0 && t[len] == '\0') return i;
  }
}

static void set_grow(name_index_t *ix) {
  size_t cap = ix->set_cap ? ix->set_cap * 2 : 1024;
  uint32_t *old = ix->set;
  size_t old_cap = ix->set_cap;
  ix->set = sp_xcalloc(cap, sizeof(*ix->set));
  ix->set_cap = cap;
  for (size_t i = 0; i < old_cap; i++) {
    if (!old[i]) continue;
    const char *t = ix->names[old[i] - 1];
    ix->set[set_slot(ix, t, strlen(t))] = old[i];
  }
  free(old);
}

static const char *store_text(name_index_t *ix, const char *s, size_t len) {
  block_t *b = ix->blocks;
  if (!b || b->used + len + 1 > BLOCK_SIZE) {
    size_t size = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;
    b = sp_xmalloc(sizeof(*b) + size);
    b->used = 0;
    b->next = ix->blocks;
    ix->blocks = b;
  }
  char *t = b->data + b->used;
  memcpy(t, s, len);
  t[len] = '\0';
  b->used += len + 1;
  return t;
}

/* One name, under the write lock. */
static bool add_one(name_index_t *ix, const char *s, size_t len, uint16_t *codes) {
  if (len >= UINT16_MAX || !name_printable(s, len)) {
    __atomic_store_n(&ix->skipped, ix->skipped + 1, __ATOMIC_RELAXED);
    return false;
  }
  if ((ix->n + 1) * 2 > ix->set_cap) set_grow(ix);
  size_t slot = set_slot(ix, s, len);
  if (ix->set[slot]) return false; /* already here */
  if (ix->n >= UINT32_MAX - 1) return false;
  if (ix->n == ix->cap) {
    ix->cap = ix->cap ? ix->cap * 2 : 4096;
    ix->names = sp_xrealloc(ix->names, ix->cap * sizeof(*ix->names));
    ix->ntrgm = sp_xrealloc(ix->ntrgm, ix->cap * sizeof(*ix->ntrgm));
  }
  uint32_t id = (uint32_t)ix->n;
  __atomic_store_n(&ix->n, ix->n + 1, __ATOMIC_RELAXED);
  ix->names[id] = store_text(ix, s, len);
  ix->set[slot] = id + 1;
  int nt = name_trgm(s, len, codes);
  ix->ntrgm[id] = (uint16_t)nt;
  for (int k = 0; k < nt; k++) {
    posting_t *p = &ix->post[codes[k]];
    if (p->n == p->cap) {
      p->cap = p->cap ? p->cap * 2 : 8;
      p->ids = sp_xrealloc(p->ids, p->cap * sizeof(*p->ids));
    }
    p->ids[p->n++] = id;
  }
  __atomic_store_n(&ix->postings, ix->postings + (size_t)nt, __ATOMIC_RELAXED);
  return true;
}

size_t name_index_add(name_index_t *ix, const char *const *names, const size_t *lens, size_t n,
                      const char *snapshot, double threshold) {
  size_t longest = 0;
  for (size_t i = 0; i < n; i++)
    if (lens[i] > longest) longest = lens[i];
  uint16_t *codes = sp_xmalloc((longest + 1) * sizeof(*codes));
  size_t added = 0;
  uv_rwlock_wrlock(&ix->lock);
  for (size_t i = 0; i < n; i++) added += add_one(ix, names[i], lens[i], codes);
  snprintf(ix->snapshot, sizeof(ix->snapshot), "%s", snapshot);
  ix->threshold = threshold;
  __atomic_store_n(&ix->ready, true, __ATOMIC_RELEASE);
  uv_rwlock_wrunlock(&ix->lock);
  free(codes);
  return added;
}

static scratch_t *scratch_get(name_index_t *ix, size_t need) {
  uv_mutex_lock(&ix->scratch_lock);
  scratch_t *s = ix->free_scratch;
  if (s) ix->free_scratch = s->next;
  uv_mutex_unlock(&ix->scratch_lock);
  if (!s) s = sp_xcalloc(1, sizeof(*s));
  if (s->cap < need || !s->counts) {
    size_t cap = need + need / 4 + 1024;
    s->counts = sp_xrealloc(s->counts, cap);
    memset(s->counts + s->cap, 0, cap - s->cap);
    s->cap = cap;
  }
  return s;
}

static void scratch_put(name_index_t *ix, scratch_t *s) {
  uv_mutex_lock(&ix->scratch_lock);
  s->next = ix->free_scratch;
  ix->free_scratch = s;
  uv_mutex_unlock(&ix->scratch_lock);
}

/* A score as PostgreSQL's float4 input reads back the same value: nine
 * significant digits. Scores repeat (they depend on the two trigram counts
 * and the shared one only), so each call keeps the last few it printed. */
typedef struct score_memo {
  uint32_t key[64]; /* shared << 16 | trigrams of the name, + 1; 0 empty */
  char text[64][16];
} score_memo_t;

static const char *score_text(score_memo_t *m, int shared, int n1, float sim) {
  uint32_t key = ((uint32_t)shared << 16 | (uint32_t)n1) + 1, slot = (key * 2654435761u) >> 26;
  if (m->key[slot] != key) {
    snprintf(m->text[slot], sizeof(m->text[slot]), "%.9g", (double)sim);
    m->key[slot] = key;
  }
  return m->text[slot];
}

long name_index_match(name_index_t *ix, const char *query, sp_buf_t *names, sp_buf_t *scores, char *snapshot) {
  size_t qlen = strlen(query);
  if (qlen > 254) return -1; /* more trigrams than a byte counts; no name is this long (200 characters) */
  uint16_t q[256];
  int nq = name_trgm(query, qlen, q); /* lower-cases as it goes */
  long found = 0;
  uv_rwlock_rdlock(&ix->lock);
  if (nq < 0 || !ix->ready || ix->off || !(ix->threshold > 0.0)) {
    found = -1;
    goto out;
  }
  memcpy(snapshot, ix->snapshot, NAME_SNAPSHOT_MAX);
  pg_array_open(names);
  pg_array_open(scores);
  /* A match shares at least threshold * nq trigrams with the query: its
   * similarity is at most shared / nq. The margin covers float rounding. */
  double need = (ix->threshold - 1e-6) * nq;
  unsigned min_shared = need > 1.0 ? (unsigned)need : 1;
  scratch_t *s = scratch_get(ix, ix->n);
  uint8_t *counts = s->counts;
  for (int k = 0; k < nq; k++) {
    const posting_t *p = &ix->post[q[k]];
    for (uint32_t j = 0; j < p->n; j++) counts[p->ids[j]]++;
  }
  score_memo_t memo;
  memset(memo.key, 0, sizeof(memo.key));
  for (size_t id = 0; id < ix->n; id++) {
    unsigned shared = counts[id];
    if (shared < min_shared) continue;
    float sim = name_similarity((int)shared, ix->ntrgm[id], nq);
    if (found < 0 || !name_matches(sim, ix->threshold)) continue;
    if (!pg_array_add(names, ix->names[id]) ||
        !pg_array_add(scores, score_text(&memo, (int)shared, ix->ntrgm[id], sim))) {
      found = -1;
      continue;
    }
    found++;
  }
  if (ix->n) memset(counts, 0, ix->n);
  scratch_put(ix, s);
  if (found >= 0 && (!pg_array_close(names) || !pg_array_close(scores))) found = -1;
out:
  uv_rwlock_rdunlock(&ix->lock);
  return found;
}

void name_index_turn_off(name_index_t *ix) {
  uv_rwlock_wrlock(&ix->lock);
  __atomic_store_n(&ix->off, true, __ATOMIC_RELEASE);
  uv_rwlock_wrunlock(&ix->lock);
}

/* Without the lock: Status runs on the loop, which must not wait for an
 * update that holds the write lock (a first load of a million names takes
 * a second or two). The fields are written atomically under that lock;
 * a reading may mix two moments of one update, which a status line allows. */
void name_index_stats(name_index_t *ix, name_index_stats_t *out) {
  bool off = __atomic_load_n(&ix->off, __ATOMIC_ACQUIRE);
  *out = (name_index_stats_t){.names = __atomic_load_n(&ix->n, __ATOMIC_RELAXED),
                              .skipped = __atomic_load_n(&ix->skipped, __ATOMIC_RELAXED),
                              .postings = __atomic_load_n(&ix->postings, __ATOMIC_RELAXED),
                              .ready = __atomic_load_n(&ix->ready, __ATOMIC_ACQUIRE) && !off,
                              .off = off};
}
