/* sp_buf: a growable byte buffer with a hard size limit.
 *
 * Every growable buffer in simpeg carries a maximum; growing past it fails
 * with -E2BIG instead of allocating. Bytes are consumed from the front by
 * advancing `off`, so reading whole frames does not move memory; the buffer
 * compacts lazily when it needs room at the back.
 *
 * Ownership: the struct is caller-owned (usually embedded); sp_buf_free
 * releases the bytes. Allocation failure aborts (see sp_xmalloc). */
#ifndef SP_BUF_H
#define SP_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct sp_buf {
  uint8_t *data;
  size_t off; /* first unread byte */
  size_t len; /* end of valid bytes (off <= len <= cap) */
  size_t cap;
  size_t max; /* hard limit on unread bytes the buffer may hold */
} sp_buf_t;

void sp_buf_init(sp_buf_t *b, size_t max);
void sp_buf_free(sp_buf_t *b);
/* Drops all content and, when the allocation is larger than `keep`,
 * releases it so that idle connections stay small. */
void sp_buf_reset(sp_buf_t *b, size_t keep);

static inline size_t sp_buf_used(const sp_buf_t *b) { return b->len - b->off; }
static inline uint8_t *sp_buf_head(const sp_buf_t *b) { return b->data + b->off; }

/* Makes room for `n` more bytes at the back. Returns a pointer to the room
 * or NULL when the unread bytes plus n would exceed max. */
uint8_t *sp_buf_reserve(sp_buf_t *b, size_t n);
/* Declares that `n` bytes were written into the reserved room. */
void sp_buf_commit(sp_buf_t *b, size_t n);
/* Appends bytes; 0 or -E2BIG. */
int sp_buf_append(sp_buf_t *b, const void *p, size_t n);
/* Drops `n` bytes from the front. */
void sp_buf_consume(sp_buf_t *b, size_t n);

void *sp_xmalloc(size_t n);
void *sp_xcalloc(size_t n, size_t size);
void *sp_xrealloc(void *p, size_t n);
char *sp_xstrdup(const char *s);

#endif
