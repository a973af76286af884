/* sp_frame: the wire framing, a pure incremental codec (no sockets).
 *
 * A frame is a 4-byte big-endian length N, then N bytes of one protobuf
 * message. N == 0 and N > max_frame are protocol errors, detected as soon as
 * the 4 header bytes are in, before anything is allocated for the body.
 *
 * Decoding: put bytes in (sp_frame_decoder_feed, or sp_frame_decoder_space +
 * sp_frame_decoder_commit to let a reader write straight into the buffer),
 * then call sp_frame_decoder_next until it returns 0. A payload pointer stays
 * valid until the next feed/space call. */
#ifndef SP_FRAME_H
#define SP_FRAME_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

#define SP_FRAME_HEADER 4
#define SP_FRAME_DEFAULT_MAX (4u * 1024 * 1024)
/* Extra room beyond one frame: the most one network read may add. */
#define SP_FRAME_READ_SLACK (64u * 1024)

/* Decoder errors (negative). */
#define SP_FRAME_EEMPTY (-1001)   /* length 0 */
#define SP_FRAME_ETOOBIG (-1002)  /* length over max_frame */

typedef struct sp_frame_decoder {
  sp_buf_t buf;
  uint32_t max_frame;
  int error; /* sticky: once a stream is malformed it stays malformed */
} sp_frame_decoder_t;

void sp_frame_decoder_init(sp_frame_decoder_t *d, uint32_t max_frame);
void sp_frame_decoder_free(sp_frame_decoder_t *d);

/* Copies n bytes in. 0, or -E2BIG if they do not fit: the buffer holds at
 * most one frame plus SP_FRAME_READ_SLACK, so callers feed at most that much
 * between draining frames with _next. */
int sp_frame_decoder_feed(sp_frame_decoder_t *d, const void *data, size_t n);

/* Room for at least `want` bytes at the back (fewer if the limit is close;
 * *avail says how many). NULL when the buffer is full. */
uint8_t *sp_frame_decoder_space(sp_frame_decoder_t *d, size_t want, size_t *avail);
void sp_frame_decoder_commit(sp_frame_decoder_t *d, size_t n);

/* 1 and the payload when a whole frame is buffered; 0 when more bytes are
 * needed; SP_FRAME_EEMPTY or SP_FRAME_ETOOBIG when the stream is malformed. */
int sp_frame_decoder_next(sp_frame_decoder_t *d, const uint8_t **payload, size_t *len);

/* Bytes buffered that do not yet make a whole frame: non-zero at end of
 * stream means the peer sent a truncated frame. */
size_t sp_frame_decoder_pending(const sp_frame_decoder_t *d);

/* Drops the buffer's memory while it holds nothing (idle connections). */
void sp_frame_decoder_shrink(sp_frame_decoder_t *d);

static inline void sp_frame_put_header(uint8_t out[4], uint32_t n) {
  out[0] = (uint8_t)(n >> 24);
  out[1] = (uint8_t)(n >> 16);
  out[2] = (uint8_t)(n >> 8);
  out[3] = (uint8_t)n;
}

static inline uint32_t sp_frame_get_header(const uint8_t in[4]) {
  return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) | in[3];
}

/* Packs `msg` as one frame at the back of `out`. 0, SP_FRAME_EEMPTY for a
 * message that packs to nothing (callers never send those), SP_FRAME_ETOOBIG
 * when it exceeds max_frame, -E2BIG when `out` is full. */
int sp_frame_pack(sp_buf_t *out, const ProtobufCMessage *msg, uint32_t max_frame);

#endif
