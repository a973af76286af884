/* sp_frame: incremental length-prefixed frame decoder and encoder. */
#include "sp_frame.h"

#include <errno.h>
#include <string.h>

void sp_frame_decoder_init(sp_frame_decoder_t *d, uint32_t max_frame) {
  memset(d, 0, sizeof(*d));
  d->max_frame = max_frame ? max_frame : SP_FRAME_DEFAULT_MAX;
  /* One whole frame, the header of the next, and one network read of slack
   * (so a read holding many small frames can be fed whole) must fit. */
  sp_buf_init(&d->buf, (size_t)d->max_frame + 2 * SP_FRAME_HEADER + SP_FRAME_READ_SLACK);
}

void sp_frame_decoder_free(sp_frame_decoder_t *d) { sp_buf_free(&d->buf); }

int sp_frame_decoder_feed(sp_frame_decoder_t *d, const void *data, size_t n) {
  return sp_buf_append(&d->buf, data, n);
}

uint8_t *sp_frame_decoder_space(sp_frame_decoder_t *d, size_t want, size_t *avail) {
  size_t used = sp_buf_used(&d->buf);
  size_t room = d->buf.max - used;
  if (room == 0) {
    *avail = 0;
    return NULL;
  }
  if (want > room) want = room;
  uint8_t *p = sp_buf_reserve(&d->buf, want);
  /* Hand out all the room the allocation already has, bounded by max. */
  size_t have = d->buf.cap - d->buf.len;
  *avail = have < room ? have : room;
  return p;
}

void sp_frame_decoder_commit(sp_frame_decoder_t *d, size_t n) { sp_buf_commit(&d->buf, n); }

int sp_frame_decoder_next(sp_frame_decoder_t *d, const uint8_t **payload, size_t *len) {
  if (d->error) return d->error;
  size_t used = sp_buf_used(&d->buf);
  if (used < SP_FRAME_HEADER) return 0;
  const uint8_t *head = sp_buf_head(&d->buf);
  uint32_t n = sp_frame_get_header(head);
  if (n == 0) return d->error = SP_FRAME_EEMPTY;
  if (n > d->max_frame) return d->error = SP_FRAME_ETOOBIG;
  if (used - SP_FRAME_HEADER < n) return 0;
  *payload = head + SP_FRAME_HEADER;
  *len = n;
  sp_buf_consume(&d->buf, SP_FRAME_HEADER + (size_t)n);
  return 1;
}

size_t sp_frame_decoder_pending(const sp_frame_decoder_t *d) { return sp_buf_used(&d->buf); }

void sp_frame_decoder_shrink(sp_frame_decoder_t *d) {
  if (sp_buf_used(&d->buf) == 0) sp_buf_reset(&d->buf, 0);
}

int sp_frame_pack(sp_buf_t *out, const ProtobufCMessage *msg, uint32_t max_frame) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  if (n == 0) return SP_FRAME_EEMPTY;
  if (n > max_frame) return SP_FRAME_ETOOBIG;
  uint8_t *dst = sp_buf_reserve(out, SP_FRAME_HEADER + n);
  if (!dst) return -E2BIG;
  sp_frame_put_header(dst, (uint32_t)n);
  protobuf_c_message_pack(msg, dst + SP_FRAME_HEADER);
  sp_buf_commit(out, SP_FRAME_HEADER + n);
  return 0;
}
