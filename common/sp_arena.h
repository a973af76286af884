/* sp_arena: a per-request bump allocator with a byte budget.
 *
 * Decoded requests are unpacked into an arena handed to protobuf-c as its
 * allocator, so one request costs a handful of allocations, an unpack that
 * would exceed the budget fails (protobuf-c returns NULL), and everything is
 * released at once with sp_arena_free when the response is written. Free is
 * a no-op for single objects. Nothing here is thread-safe: an arena belongs
 * to one request on one thread. */
#ifndef SP_ARENA_H
#define SP_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct sp_arena_chunk sp_arena_chunk_t;

typedef struct sp_arena {
  sp_arena_chunk_t *head;
  size_t used;   /* bytes handed out, for the budget */
  size_t budget; /* hard cap on bytes handed out */
  ProtobufCAllocator pb; /* protobuf-c view of this arena */
} sp_arena_t;

void sp_arena_init(sp_arena_t *a, size_t budget);
/* NULL when the budget is exhausted. Memory is 16-byte aligned. */
void *sp_arena_alloc(sp_arena_t *a, size_t n);
char *sp_arena_strdup(sp_arena_t *a, const char *s);
/* printf into the arena; NULL over budget. */
char *sp_arena_printf(sp_arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sp_arena_free(sp_arena_t *a);

#endif
