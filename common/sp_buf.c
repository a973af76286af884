/* sp_buf: growable bounded byte buffer, and the aborting allocators.
 * Running out of memory is not an input-driven condition, so it aborts
 * instead of adding an untested NULL path to every caller. */
#include "sp_buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n) {
  fprintf(stderr, "<2>simpeg: out of memory allocating %zu bytes\n", n);
  abort();
}

void *sp_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *sp_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) oom(n * size);
  return p;
}

void *sp_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) oom(n);
  return q;
}

char *sp_xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = sp_xmalloc(n);
  memcpy(d, s, n);
  return d;
}

void sp_buf_init(sp_buf_t *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

void sp_buf_free(sp_buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->off = b->len = b->cap = 0;
}

void sp_buf_reset(sp_buf_t *b, size_t keep) {
  b->off = b->len = 0;
  if (b->cap > keep) {
    free(b->data);
    b->data = NULL;
    b->cap = 0;
  }
}

uint8_t *sp_buf_reserve(sp_buf_t *b, size_t n) {
  size_t used = b->len - b->off;
  if (n > b->max || used > b->max - n) return NULL;
  if (b->data && b->cap - b->len >= n) return b->data + b->len;
  /* Compact first: moving the unread tail is cheaper than growing. */
  if (b->off > 0) {
    if (used) memmove(b->data, b->data + b->off, used);
    b->off = 0;
    b->len = used;
    if (b->cap - b->len >= n) return b->data + b->len;
  }
  size_t want = b->cap ? b->cap : 256;
  while (want - used < n) want *= 2;
  b->data = sp_xrealloc(b->data, want);
  b->cap = want;
  return b->data + b->len;
}

void sp_buf_commit(sp_buf_t *b, size_t n) { b->len += n; }

int sp_buf_append(sp_buf_t *b, const void *p, size_t n) {
  if (n == 0) return 0;
  uint8_t *dst = sp_buf_reserve(b, n);
  if (!dst) return -E2BIG;
  if (n) memcpy(dst, p, n);
  b->len += n;
  return 0;
}

void sp_buf_consume(sp_buf_t *b, size_t n) {
  b->off += n;
  if (b->off >= b->len) b->off = b->len = 0;
}
