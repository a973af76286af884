/* Fuzz target: the CSV parser behind bulk import (common/sp_csv.c). The
 * input is parsed whole and again in uneven pieces; both must agree on the
 * result and on the records. Built as a libFuzzer target with
 * -Dfuzzing=true (clang), and in every build as a replay test over
 * corpus/csv (replay.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct digest {
  uint64_t records, fields, bytes, hash;
} digest_t;

static int take(void *ud, const sp_csv_record_t *rec) {
  digest_t *d = ud;
  d->records++;
  d->hash = d->hash * 31 + rec->line;
  for (size_t i = 0; i < rec->nfields; i++) {
    if (rec->fields[i][rec->lens[i]] != '\0') abort();
    d->fields++;
    d->bytes += rec->lens[i];
    for (size_t j = 0; j < rec->lens[i]; j++) d->hash = d->hash * 131 + (unsigned char)rec->fields[i][j];
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  digest_t whole = {0}, pieces = {0};
  sp_csv_t p;
  sp_csv_init(&p, 256, 4096, 64);
  int r1 = sp_csv_feed(&p, data, size, true, take, &whole);
  sp_csv_free(&p);

  sp_csv_init(&p, 256, 4096, 64);
  size_t off = 0, step = 1;
  int r2 = SP_CSV_OK;
  while (off < size && r2 == SP_CSV_OK) {
    size_t n = size - off < step ? size - off : step;
    r2 = sp_csv_feed(&p, data + off, n, false, take, &pieces);
    off += n;
    step = step * 2 + 1;
  }
  if (r2 == SP_CSV_OK) r2 = sp_csv_feed(&p, NULL, 0, true, take, &pieces);
  sp_csv_free(&p);
  if (r1 != r2 || memcmp(&whole, &pieces, sizeof(whole)) != 0) abort();
  return 0;
}
