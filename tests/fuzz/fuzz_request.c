/* Fuzz target: the daemon's whole input path for untrusted bytes after TLS:
 * frame decoder -> per-request arena unpack -> request checker -> method
 * lookup. Built as a libFuzzer target with -Dfuzzing=true (clang), and in
 * every build as a replay test over the corpus (replay.c). */
#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "sp_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_frame_decoder_t d;
  sp_frame_decoder_init(&d, 64 * 1024);
  /* Feed in uneven pieces so split frames are exercised too. */
  size_t off = 0, step = 1;
  while (off < size) {
    size_t n = size - off < step ? size - off : step;
    if (sp_frame_decoder_feed(&d, data + off, n) != 0) break;
    off += n;
    step = step * 3 + 1;
    const uint8_t *payload;
    size_t len;
    int r;
    while ((r = sp_frame_decoder_next(&d, &payload, &len)) == 1) {
      sp_arena_t arena;
      sp_arena_init(&arena, srv_arena_budget(len));
      Simpeg__V1__Request *req = NULL;
      sp_msg_violation_t v;
      if (srv_decode_request(&arena, payload, len, &sp_msg_default_limits, &req, &v) == SRV_DECODE_OK)
        (void)srv_method_find((int)req->call_case);
      sp_arena_free(&arena);
    }
    if (r < 0) break;
  }
  sp_frame_decoder_free(&d);
  return 0;
}
