/* Writes the seed corpus for fuzz_request: real packed requests as the
 * client sends them. Run: seed DIR (tests/fuzz/corpus/request). */
#include <stdio.h>
#include <string.h>

#include "simpeg.pb-c.h"
#include "sp_frame.h"

static void write_seed(const char *dir, const char *name, const sp_buf_t *b) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(sp_buf_head(b), 1, sp_buf_used(b), f);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  sp_buf_t b;
  sp_buf_init(&b, 1 << 20);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Hello h = SIMPEG__V1__HELLO__INIT;
  h.protocol_version = 1;
  h.client_name = "simpeg";
  h.client_version = "0.1.0";
  req.id = 1;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
  req.hello = &h;
  sp_frame_pack(&b, &req.base, 1 << 20);
  write_seed(argv[1], "hello", &b);

  Simpeg__V1__Ping p = SIMPEG__V1__PING__INIT;
  uint8_t data[] = "payload";
  p.payload.data = data;
  p.payload.len = sizeof(data);
  req.id = 2;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &p;
  sp_frame_pack(&b, &req.base, 1 << 20);
  Simpeg__V1__StatusRequest st = SIMPEG__V1__STATUS_REQUEST__INIT;
  req.id = 3;
  req.call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
  req.status = &st;
  sp_frame_pack(&b, &req.base, 1 << 20);
  write_seed(argv[1], "hello-ping-status", &b);
  sp_buf_free(&b);
  return 0;
}
