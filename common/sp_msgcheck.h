/* sp_msgcheck: the one place that checks a decoded message before dispatch.
 *
 * protobuf-c 1.4.1 unpacks without checking UTF-8 and exposes strings as
 * NUL-terminated C strings. This walker visits every set field of a message
 * through its descriptor and checks: strings are valid UTF-8 (no NUL, no
 * surrogates, no overlongs) and within max_string bytes; bytes fields within
 * max_bytes; repeated fields within max_repeated elements; nesting within
 * max_depth. Handlers can then trust the shape and check only meaning. */
#ifndef SP_MSGCHECK_H
#define SP_MSGCHECK_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sp_msg_limits {
  size_t max_string;
  size_t max_bytes;
  size_t max_repeated;
  unsigned max_depth;
} sp_msg_limits_t;

extern const sp_msg_limits_t sp_msg_default_limits;

typedef struct sp_msg_violation {
  char field[256];  /* dotted path, e.g. "hello.client_name" or "items[3].name" */
  const char *reason; /* "invalid_utf8", "too_long", "too_many", "too_deep" */
} sp_msg_violation_t;

/* true when the message passes; false with the first violation filled in. */
bool sp_msg_check(const ProtobufCMessage *msg, const sp_msg_limits_t *lim, sp_msg_violation_t *v);

/* true when s[0..n) is well-formed UTF-8 without NUL bytes. */
bool sp_utf8_valid(const unsigned char *s, size_t n);

#endif
