/* json_out: streaming JSON writer (see json_out.h). */
#include "json_out.h"

#include <inttypes.h>
#include <string.h>

void json_init(json_out_t *j, FILE *f) {
  memset(j, 0, sizeof(*j));
  j->f = f;
  j->first[0] = true;
}

/* Separator before a value or key at the current level. */
static void before_value(json_out_t *j) {
  if (j->after_key) {
    j->after_key = false;
    return;
  }
  if (!j->first[j->depth]) fputc(',', j->f);
  j->first[j->depth] = false;
}

static void open_level(json_out_t *j, char c) {
  before_value(j);
  fputc(c, j->f);
  if (j->depth < JSON_MAX_DEPTH - 1) j->depth++;
  j->first[j->depth] = true;
}

static void close_level(json_out_t *j, char c) {
  if (j->depth > 0) j->depth--;
  fputc(c, j->f);
}

void json_begin_object(json_out_t *j) { open_level(j, '{'); }
void json_end_object(json_out_t *j) { close_level(j, '}'); }
void json_begin_array(json_out_t *j) { open_level(j, '['); }
void json_end_array(json_out_t *j) { close_level(j, ']'); }

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

void json_write_escaped(FILE *f, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', f);
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    switch (c) {
    case '"': fputs("\\\"", f); i++; continue;
    case '\\': fputs("\\\\", f); i++; continue;
    case '\b': fputs("\\b", f); i++; continue;
    case '\f': fputs("\\f", f); i++; continue;
    case '\n': fputs("\\n", f); i++; continue;
    case '\r': fputs("\\r", f); i++; continue;
    case '\t': fputs("\\t", f); i++; continue;
    default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      fprintf(f, "\\u%04x", c);
      i++;
      continue;
    }
    size_t len = utf8_seq(s + i, n - i);
    if (len == 0) {
      fputs("\\ufffd", f);
      i++;
      continue;
    }
    fwrite(s + i, 1, len, f);
    i += len;
  }
  fputc('"', f);
}

void json_key(json_out_t *j, const char *key) {
  before_value(j);
  json_write_escaped(j->f, key, strlen(key));
  fputc(':', j->f);
  j->after_key = true;
}

void json_string(json_out_t *j, const char *s) {
  if (!s) {
    json_null(j);
    return;
  }
  json_string_n(j, s, strlen(s));
}

void json_string_n(json_out_t *j, const char *s, size_t n) {
  before_value(j);
  json_write_escaped(j->f, s, n);
}

void json_uint(json_out_t *j, uint64_t v) {
  before_value(j);
  fprintf(j->f, "%" PRIu64, v);
}

void json_int(json_out_t *j, int64_t v) {
  before_value(j);
  fprintf(j->f, "%" PRId64, v);
}

void json_bool(json_out_t *j, bool v) {
  before_value(j);
  fputs(v ? "true" : "false", j->f);
}

void json_null(json_out_t *j) {
  before_value(j);
  fputs("null", j->f);
}

void json_decimal(json_out_t *j, uint64_t value, unsigned digits) {
  before_value(j);
  uint64_t scale = 1;
  for (unsigned i = 0; i < digits && i < 19; i++) scale *= 10;
  if (digits == 0) {
    fprintf(j->f, "%" PRIu64, value);
    return;
  }
  fprintf(j->f, "%" PRIu64 ".%0*" PRIu64, value / scale, (int)digits, value % scale);
}

void json_finish(json_out_t *j) {
  fputc('\n', j->f);
  fflush(j->f);
}
