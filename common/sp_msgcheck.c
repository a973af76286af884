/* sp_msgcheck: descriptor-driven validation of decoded protobuf-c messages. */
#include "sp_msgcheck.h"

#include <stdio.h>
#include <string.h>

const sp_msg_limits_t sp_msg_default_limits = {
    .max_string = 64 * 1024,
    .max_bytes = 4 * 1024 * 1024,
    .max_repeated = 100000,
    .max_depth = 16,
};

bool sp_utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c == 0) return false;
      i++;
      continue;
    }
    size_t len;
    unsigned cp;
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
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

static bool fail(sp_msg_violation_t *v, const char *path, const char *reason) {
  /* A path deeper than the field is cut: it only names the spot in messages. */
  size_t n = strnlen(path, sizeof(v->field) - 1);
  memcpy(v->field, path, n);
  v->field[n] = '\0';
  v->reason = reason;
  return false;
}

static bool check_message(const ProtobufCMessage *m, const sp_msg_limits_t *lim, unsigned depth,
                          const char *prefix, sp_msg_violation_t *v);

static bool check_value(const ProtobufCFieldDescriptor *f, const void *p, const sp_msg_limits_t *lim,
                        unsigned depth, const char *path, sp_msg_violation_t *v) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(char *const *)p;
      if (!s) return true;
      size_t n = strlen(s);
      if (n > lim->max_string) return fail(v, path, "too_long");
      if (!sp_utf8_valid((const unsigned char *)s, n)) return fail(v, path, "invalid_utf8");
      return true;
    }
    case PROTOBUF_C_TYPE_BYTES: {
      const ProtobufCBinaryData *b = p;
      if (b->len > lim->max_bytes) return fail(v, path, "too_long");
      return true;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
      const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
      if (!sub) return true;
      return check_message(sub, lim, depth + 1, path, v);
    }
    default:
      return true;
  }
}

static size_t value_size(const ProtobufCFieldDescriptor *f) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
      return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
      return sizeof(ProtobufCBinaryData);
    default:
      return 0; /* scalars need no check */
  }
}

static bool check_message(const ProtobufCMessage *m, const sp_msg_limits_t *lim, unsigned depth,
                          const char *prefix, sp_msg_violation_t *v) {
  if (depth > lim->max_depth) return fail(v, prefix, "too_deep");
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *base = (const char *)m;
  char path[256];
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
      if (which != f->id) continue;
    }
    snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f->name);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t count = *(const size_t *)(base + f->quantifier_offset);
      if (count > lim->max_repeated) return fail(v, path, "too_many");
      size_t sz = value_size(f);
      if (!sz) continue;
      const char *arr = *(char *const *)(base + f->offset);
      for (size_t k = 0; k < count; k++) {
        char item[sizeof(path) + 24];
        snprintf(item, sizeof(item), "%s[%zu]", path, k);
        if (!check_value(f, arr + k * sz, lim, depth, item, v)) return false;
      }
    } else {
      if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
          !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && value_size(f) == sizeof(ProtobufCBinaryData)) {
        /* proto2-style optional bytes carry a has_ flag; absent means empty. */
        if (!*(const protobuf_c_boolean *)(base + f->quantifier_offset)) continue;
      }
      if (!check_value(f, base + f->offset, lim, depth, path, v)) return false;
    }
  }
  return true;
}

bool sp_msg_check(const ProtobufCMessage *msg, const sp_msg_limits_t *lim, sp_msg_violation_t *v) {
  v->field[0] = '\0';
  v->reason = NULL;
  return check_message(msg, lim ? lim : &sp_msg_default_limits, 0, "", v);
}
