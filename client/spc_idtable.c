/* spc_idtable: open-addressing id map (see spc_idtable.h). */
#include "spc_idtable.h"

#include <errno.h>
#include <stdlib.h>

#include "sp_buf.h"

#define IDTABLE_MIN_CAP 16

/* Ids are sequential, so mix them (splitmix64 finaliser) to spread runs of
 * consecutive ids over the table instead of filling one stretch. */
static size_t id_hash(uint64_t id) {
  id ^= id >> 30;
  id *= 0xbf58476d1ce4e5b9ull;
  id ^= id >> 27;
  id *= 0x94d049bb133111ebull;
  id ^= id >> 31;
  return (size_t)id;
}

void spc_idtable_init(spc_idtable_t *t) {
  t->slots = NULL;
  t->cap = 0;
  t->count = 0;
}

void spc_idtable_free(spc_idtable_t *t) {
  free(t->slots);
  spc_idtable_init(t);
}

static void place(spc_idtable_slot_t *slots, size_t cap, uint64_t id, void *value) {
  size_t mask = cap - 1;
  size_t i = id_hash(id) & mask;
  while (slots[i].id != 0) i = (i + 1) & mask;
  slots[i].id = id;
  slots[i].value = value;
}

static void grow(spc_idtable_t *t) {
  size_t ncap = t->cap ? t->cap * 2 : IDTABLE_MIN_CAP;
  spc_idtable_slot_t *ns = sp_xcalloc(ncap, sizeof(*ns));
  for (size_t i = 0; i < t->cap; i++) {
    if (t->slots[i].id != 0) place(ns, ncap, t->slots[i].id, t->slots[i].value);
  }
  free(t->slots);
  t->slots = ns;
  t->cap = ncap;
}

static long find(const spc_idtable_t *t, uint64_t id) {
  if (t->cap == 0 || id == 0) return -1;
  size_t mask = t->cap - 1;
  size_t i = id_hash(id) & mask;
  while (t->slots[i].id != 0) {
    if (t->slots[i].id == id) return (long)i;
    i = (i + 1) & mask;
  }
  return -1;
}

int spc_idtable_insert(spc_idtable_t *t, uint64_t id, void *value) {
  if (id == 0) return -EINVAL;
  if (find(t, id) >= 0) return -EEXIST;
  if ((t->count + 1) * 4 > t->cap * 3) grow(t);
  place(t->slots, t->cap, id, value);
  t->count++;
  return 0;
}

void *spc_idtable_get(const spc_idtable_t *t, uint64_t id) {
  long i = find(t, id);
  return i < 0 ? NULL : t->slots[i].value;
}

void *spc_idtable_remove(spc_idtable_t *t, uint64_t id) {
  long found = find(t, id);
  if (found < 0) return NULL;
  size_t mask = t->cap - 1;
  size_t hole = (size_t)found;
  void *value = t->slots[hole].value;
  /* Backward-shift deletion: pull later members of the probe run into the
   * hole when their home slot does not lie strictly between the hole and
   * their current slot (cyclically), so no tombstone is needed. */
  size_t j = hole;
  for (;;) {
    j = (j + 1) & mask;
    if (t->slots[j].id == 0) break;
    size_t home = id_hash(t->slots[j].id) & mask;
    size_t dist_hole = (j - hole) & mask;
    size_t dist_home = (j - home) & mask;
    if (dist_home >= dist_hole) {
      t->slots[hole] = t->slots[j];
      hole = j;
    }
  }
  t->slots[hole].id = 0;
  t->slots[hole].value = NULL;
  t->count--;
  return value;
}

long spc_idtable_next(const spc_idtable_t *t, size_t *pos) {
  while (*pos < t->cap) {
    size_t i = (*pos)++;
    if (t->slots[i].id != 0) return (long)i;
  }
  return -1;
}
