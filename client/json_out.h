/* json_out: a tiny streaming JSON writer for the CLI's --output json.
 *
 * It tracks nesting so commas and colons come out right, escapes strings
 * per RFC 8259 (quotes, backslash, control characters as \uXXXX) and
 * replaces bytes that are not valid UTF-8 with U+FFFD, so whatever the
 * server sends, the output is valid JSON. Numbers never go through
 * printf's locale-dependent %f: decimals are built from integers.
 *
 * Ownership: the writer borrows the FILE; nothing is allocated. */
#ifndef JSON_OUT_H
#define JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_out {
  FILE *f;
  int depth;
  bool first[JSON_MAX_DEPTH]; /* no member written yet at this level */
  bool after_key;             /* a key was written; the value follows */
} json_out_t;

void json_init(json_out_t *j, FILE *f);
void json_begin_object(json_out_t *j);
void json_end_object(json_out_t *j);
void json_begin_array(json_out_t *j);
void json_end_array(json_out_t *j);
void json_key(json_out_t *j, const char *key);
void json_string(json_out_t *j, const char *s); /* NULL writes null */
void json_string_n(json_out_t *j, const char *s, size_t n);
void json_uint(json_out_t *j, uint64_t v);
void json_int(json_out_t *j, int64_t v);
void json_bool(json_out_t *j, bool v);
void json_null(json_out_t *j);
/* value / 10^digits written as a decimal: json_decimal(j, 1532, 3) -> 1.532 */
void json_decimal(json_out_t *j, uint64_t value, unsigned digits);
/* Ends the top-level value with a newline. */
void json_finish(json_out_t *j);

/* Writes `n` bytes of `s` as a quoted, escaped JSON string. */
void json_write_escaped(FILE *f, const char *s, size_t n);

#endif
