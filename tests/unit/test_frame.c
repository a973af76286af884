/* Unit tests for the frame codec (common/sp_frame.c): split frames, batched
 * frames, zero and oversize lengths, truncation, and pack/unpack round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simpeg.pb-c.h"
#include "sp_frame.h"

/* Builds a stream of `count` frames whose payloads are distinct byte runs. */
static size_t make_stream(uint8_t *out, int count, size_t payload) {
  size_t n = 0;
  for (int i = 0; i < count; i++) {
    sp_frame_put_header(out + n, (uint32_t)payload);
    n += 4;
    memset(out + n, 'a' + i, payload);
    n += payload;
  }
  return n;
}

static void frame_split_at_every_byte_is_reassembled(void **state) {
  (void)state;
  uint8_t stream[4 + 37];
  size_t total = make_stream(stream, 1, 37);
  for (size_t cut = 0; cut <= total; cut++) {
    sp_frame_decoder_t d;
    sp_frame_decoder_init(&d, 1024);
    const uint8_t *p;
    size_t len;
    assert_int_equal(sp_frame_decoder_feed(&d, stream, cut), 0);
    int r = sp_frame_decoder_next(&d, &p, &len);
    if (cut < total) {
      assert_int_equal(r, 0);
      assert_int_equal(sp_frame_decoder_pending(&d), cut);
      assert_int_equal(sp_frame_decoder_feed(&d, stream + cut, total - cut), 0);
      r = sp_frame_decoder_next(&d, &p, &len);
    }
    assert_int_equal(r, 1);
    assert_int_equal(len, 37);
    for (size_t i = 0; i < len; i++) assert_int_equal(p[i], 'a');
    assert_int_equal(sp_frame_decoder_next(&d, &p, &len), 0);
    assert_int_equal(sp_frame_decoder_pending(&d), 0);
    sp_frame_decoder_free(&d);
  }
}

static void frame_byte_by_byte_feed_yields_every_frame(void **state) {
  (void)state;
  uint8_t stream[5 * (4 + 9)];
  size_t total = make_stream(stream, 5, 9);
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 64);
  int seen = 0;
  for (size_t i = 0; i < total; i++) {
    assert_int_equal(sp_frame_decoder_feed(&d, stream + i, 1), 0);
    const uint8_t *p;
    size_t len;
    while (sp_frame_decoder_next(&d, &p, &len) == 1) {
      assert_int_equal(len, 9);
      assert_int_equal(p[0], 'a' + seen);
      seen++;
    }
  }
  assert_int_equal(seen, 5);
  sp_frame_decoder_free(&d);
}

static void frame_many_frames_in_one_read(void **state) {
  (void)state;
  enum { N = 100 };
  uint8_t *stream = malloc(N * (4 + 3));
  size_t total = make_stream(stream, N, 3);
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 64);
  assert_int_equal(sp_frame_decoder_feed(&d, stream, total), 0);
  const uint8_t *p;
  size_t len;
  int seen = 0;
  while (sp_frame_decoder_next(&d, &p, &len) == 1) {
    assert_int_equal(p[0], (uint8_t)('a' + seen));
    seen++;
  }
  assert_int_equal(seen, N);
  free(stream);
  sp_frame_decoder_free(&d);
}

static void frame_zero_length_is_a_protocol_error(void **state) {
  (void)state;
  uint8_t zero[4] = {0, 0, 0, 0};
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 64);
  sp_frame_decoder_feed(&d, zero, 4);
  const uint8_t *p;
  size_t len;
  assert_int_equal(sp_frame_decoder_next(&d, &p, &len), SP_FRAME_EEMPTY);
  /* Sticky: a malformed stream cannot recover into a valid one. */
  uint8_t good[4 + 2];
  make_stream(good, 1, 2);
  sp_frame_decoder_feed(&d, good, sizeof(good));
  assert_int_equal(sp_frame_decoder_next(&d, &p, &len), SP_FRAME_EEMPTY);
  sp_frame_decoder_free(&d);
}

static void frame_length_over_limit_is_refused_before_the_body_arrives(void **state) {
  (void)state;
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 1024);
  uint8_t hdr[4];
  sp_frame_put_header(hdr, 1025);
  sp_frame_decoder_feed(&d, hdr, 4);
  const uint8_t *p;
  size_t len;
  assert_int_equal(sp_frame_decoder_next(&d, &p, &len), SP_FRAME_ETOOBIG);
  sp_frame_decoder_free(&d);

  /* A huge length claims 4 GiB: refused from the header alone, nothing allocated. */
  sp_frame_decoder_init(&d, 1024);
  uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
  sp_frame_decoder_feed(&d, huge, 4);
  assert_int_equal(sp_frame_decoder_next(&d, &p, &len), SP_FRAME_ETOOBIG);
  assert_true(d.buf.cap < 4096);
  sp_frame_decoder_free(&d);
}

static void frame_exactly_at_limit_is_accepted(void **state) {
  (void)state;
  enum { MAX = 1000 };
  uint8_t *stream = malloc(4 + MAX);
  size_t total = make_stream(stream, 1, MAX);
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, MAX);
  assert_int_equal(sp_frame_decoder_feed(&d, stream, total), 0);
  const uint8_t *p;
  size_t len;
  assert_int_equal(sp_frame_decoder_next(&d, &p, &len), 1);
  assert_int_equal(len, MAX);
  free(stream);
  sp_frame_decoder_free(&d);
}

static void frame_truncated_frame_stays_pending(void **state) {
  (void)state;
  uint8_t stream[4 + 10];
  make_stream(stream, 1, 10);
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 64);
  sp_frame_decoder_feed(&d, stream, 9);
  const uint8_t *p;
  size_t len;
  assert_int_equal(sp_frame_decoder_next(&d, &p, &len), 0);
  assert_int_equal(sp_frame_decoder_pending(&d), 9); /* EOF now = truncated frame */
  sp_frame_decoder_free(&d);
}

static void frame_space_and_commit_write_in_place(void **state) {
  (void)state;
  uint8_t stream[3 * (4 + 100)];
  size_t total = make_stream(stream, 3, 100);
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 128);
  size_t off = 0;
  int seen = 0;
  while (off < total) {
    size_t avail;
    uint8_t *room = sp_frame_decoder_space(&d, 7, &avail);
    assert_non_null(room);
    assert_true(avail >= 1);
    size_t n = total - off < avail ? total - off : avail;
    if (n > 7) n = 7;
    memcpy(room, stream + off, n);
    sp_frame_decoder_commit(&d, n);
    off += n;
    const uint8_t *p;
    size_t len;
    while (sp_frame_decoder_next(&d, &p, &len) == 1) {
      assert_int_equal(len, 100);
      assert_int_equal(p[99], 'a' + seen);
      seen++;
    }
  }
  assert_int_equal(seen, 3);
  sp_frame_decoder_free(&d);
}

static void frame_decoder_never_holds_more_than_a_frame(void **state) {
  (void)state;
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 16);
  uint8_t junk[64];
  memset(junk, 0, sizeof(junk));
  sp_frame_put_header(junk, 16);
  /* Without draining, the buffer refuses more than one frame plus a read. */
  size_t limit = 16 + 2 * SP_FRAME_HEADER + SP_FRAME_READ_SLACK;
  size_t fed = 0;
  while (fed + sizeof(junk) <= limit) {
    assert_int_equal(sp_frame_decoder_feed(&d, junk, sizeof(junk)), 0);
    fed += sizeof(junk);
  }
  assert_int_not_equal(sp_frame_decoder_feed(&d, junk, sizeof(junk)), 0);
  assert_int_equal(sp_frame_decoder_pending(&d), fed);
  sp_frame_decoder_free(&d);
}

static void frame_pack_round_trips_a_request(void **state) {
  (void)state;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  uint8_t data[5] = {1, 2, 3, 4, 5};
  ping.payload.data = data;
  ping.payload.len = sizeof(data);
  req.id = 42;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  sp_buf_t out;
  sp_buf_init(&out, 1024);
  assert_int_equal(sp_frame_pack(&out, &req.base, 1024), 0);
  assert_int_equal(sp_frame_pack(&out, &req.base, 1024), 0);

  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 1024);
  sp_frame_decoder_feed(&d, sp_buf_head(&out), sp_buf_used(&out));
  const uint8_t *p;
  size_t len;
  for (int i = 0; i < 2; i++) {
    assert_int_equal(sp_frame_decoder_next(&d, &p, &len), 1);
    Simpeg__V1__Request *got = simpeg__v1__request__unpack(NULL, len, p);
    assert_non_null(got);
    assert_int_equal(got->id, 42);
    assert_int_equal(got->call_case, SIMPEG__V1__REQUEST__CALL_PING);
    assert_memory_equal(got->ping->payload.data, data, 5);
    simpeg__v1__request__free_unpacked(got, NULL);
  }
  assert_int_equal(sp_frame_pack(&out, &req.base, 4), SP_FRAME_ETOOBIG);
  sp_frame_decoder_free(&d);
  sp_buf_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frame_split_at_every_byte_is_reassembled),
      cmocka_unit_test(frame_byte_by_byte_feed_yields_every_frame),
      cmocka_unit_test(frame_many_frames_in_one_read),
      cmocka_unit_test(frame_zero_length_is_a_protocol_error),
      cmocka_unit_test(frame_length_over_limit_is_refused_before_the_body_arrives),
      cmocka_unit_test(frame_exactly_at_limit_is_accepted),
      cmocka_unit_test(frame_truncated_frame_stays_pending),
      cmocka_unit_test(frame_space_and_commit_write_in_place),
      cmocka_unit_test(frame_decoder_never_holds_more_than_a_frame),
      cmocka_unit_test(frame_pack_round_trips_a_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
