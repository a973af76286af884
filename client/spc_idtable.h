/* spc_idtable: request id -> pointer map for the responses in flight.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so lookups stay short however many ids come and go). Keys are
 * non-zero uint64 ids; 0 marks an empty slot. The table grows by doubling
 * when it is 3/4 full and never shrinks below its initial size; with the
 * in-flight cap from HelloReply it stays small.
 *
 * Ownership: the table owns its slot array, not the values. */
#ifndef SPC_IDTABLE_H
#define SPC_IDTABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct spc_idtable_slot {
  uint64_t id;
  void *value;
} spc_idtable_slot_t;

typedef struct spc_idtable {
  spc_idtable_slot_t *slots;
  size_t cap; /* power of two, or 0 before the first insert */
  size_t count;
} spc_idtable_t;

void spc_idtable_init(spc_idtable_t *t);
void spc_idtable_free(spc_idtable_t *t);
/* 0, or -EEXIST when the id is already present, or -EINVAL for id 0. */
int spc_idtable_insert(spc_idtable_t *t, uint64_t id, void *value);
void *spc_idtable_get(const spc_idtable_t *t, uint64_t id);
/* Removes and returns the value, or NULL when the id is absent. */
void *spc_idtable_remove(spc_idtable_t *t, uint64_t id);
static inline size_t spc_idtable_count(const spc_idtable_t *t) { return t->count; }
/* Iteration for tear-down: returns the next occupied slot index at or after
 * *pos (and advances it), or -1 at the end. Do not insert while iterating;
 * removing the returned entry is allowed if iteration restarts at 0. */
long spc_idtable_next(const spc_idtable_t *t, size_t *pos);

#endif
