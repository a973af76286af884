/* sp_arena: chunked bump allocator; see sp_arena.h. */
#include "sp_arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_buf.h"

#define ARENA_CHUNK 4096
#define ARENA_ALIGN 16

struct sp_arena_chunk {
  sp_arena_chunk_t *next;
  size_t size;
  size_t pos;
  _Alignas(ARENA_ALIGN) unsigned char data[];
};

static void *pb_alloc(void *ud, size_t n) { return sp_arena_alloc(ud, n); }
static void pb_free(void *ud, void *p) {
  (void)ud;
  (void)p;
}

void sp_arena_init(sp_arena_t *a, size_t budget) {
  a->head = NULL;
  a->used = 0;
  a->budget = budget;
  a->pb.alloc = pb_alloc;
  a->pb.free = pb_free;
  a->pb.allocator_data = a;
}

void *sp_arena_alloc(sp_arena_t *a, size_t n) {
  size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (need < n || need > a->budget - a->used) return NULL;
  sp_arena_chunk_t *c = a->head;
  if (!c || c->size - c->pos < need) {
    size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
    c = sp_xmalloc(sizeof(*c) + size);
    c->size = size;
    c->pos = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->pos;
  c->pos += need;
  a->used += need;
  return p;
}

char *sp_arena_strdup(sp_arena_t *a, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = sp_arena_alloc(a, n);
  if (d) memcpy(d, s, n);
  return d;
}

char *sp_arena_printf(sp_arena_t *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *d = sp_arena_alloc(a, (size_t)n + 1);
  if (!d) return NULL;
  va_start(ap, fmt);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return d;
}

void sp_arena_free(sp_arena_t *a) {
  sp_arena_chunk_t *c = a->head;
  while (c) {
    sp_arena_chunk_t *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
  a->used = 0;
}
