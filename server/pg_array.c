/* pg_array: see pg_array.h. */
#include "pg_array.h"

#include <string.h>

void pg_array_open(sp_buf_t *b) { sp_buf_append(b, "{", 1); }

bool pg_array_add(sp_buf_t *b, const char *s) {
  /* A comma unless this is the first element (the literal ends in "{"). */
  bool first = sp_buf_used(b) == 0 || sp_buf_head(b)[sp_buf_used(b) - 1] == '{';
  size_t n = s ? strlen(s) : 0;
  uint8_t *w = sp_buf_reserve(b, 2 * n + 8);
  if (!w) return false;
  size_t k = 0;
  if (!first) w[k++] = ',';
  if (!s) {
    memcpy(w + k, "NULL", 4);
    sp_buf_commit(b, k + 4);
    return true;
  }
  w[k++] = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"' || s[i] == '\\') w[k++] = '\\';
    w[k++] = (uint8_t)s[i];
  }
  w[k++] = '"';
  sp_buf_commit(b, k);
  return true;
}

const char *pg_array_close(sp_buf_t *b) {
  if (sp_buf_append(b, "}", 2) != 0) return NULL; /* with the NUL */
  return (const char *)sp_buf_head(b);
}
