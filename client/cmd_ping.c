/* cmd_ping: `simpeg ping [--count N] [--interval MS]`: round trips to the
 * daemon (no database involved) and the server's version. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sp_buf.h"
#include "sp_ini.h"

#define PING_MAX_COUNT 100000

enum { OPT_COUNT = CLI_OPT_COMMAND_BASE, OPT_INTERVAL };

typedef struct ping_state {
  uint32_t count;
  uint32_t interval_ms;
} ping_state_t;

static const struct option ping_options[] = {
    {"count", required_argument, NULL, OPT_COUNT},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {NULL, 0, NULL, 0},
};

static void ping_init(void *state) {
  ping_state_t *st = state;
  st->count = 1;
  st->interval_ms = 1000;
}

static int ping_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  ping_state_t *st = state;
  uint64_t v;
  if (val == OPT_COUNT) {
    if (!sp_parse_u64(arg, 1, PING_MAX_COUNT, &v)) {
      snprintf(err, errlen, _("invalid --count \"%s\": give a number from 1 to %d"), arg, PING_MAX_COUNT);
      return -1;
    }
    st->count = (uint32_t)v;
  } else if (val == OPT_INTERVAL) {
    if (!sp_parse_u64(arg, 0, 3600000, &v)) {
      snprintf(err, errlen, _("invalid --interval \"%s\": give milliseconds from 0 to 3600000"), arg);
      return -1;
    }
    st->interval_ms = (uint32_t)v;
  }
  return 0;
}

static int ping_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  ping_state_t *st = state;
  if (argc > 0) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  spc_sync_t *s;
  int rc = cli_connect(ctx, &s);
  if (rc) return rc;
  const spc_server_info_t *info = spc_sync_server_info(s);
  bool json = ctx->settings.output == CLI_OUTPUT_JSON;
  uint64_t *samples = sp_xcalloc(st->count, sizeof(*samples));
  uint32_t received = 0;
  uint64_t min = UINT64_MAX, max = 0, sum = 0;

  for (uint32_t seq = 1; seq <= st->count; seq++) {
    if (seq > 1 && st->interval_ms) spc_sync_sleep(s, st->interval_ms);
    uint8_t payload[8];
    for (int i = 0; i < 8; i++) payload[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
    Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
    ping.payload.data = payload;
    ping.payload.len = sizeof(payload);
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
    req.ping = &ping;
    Simpeg__V1__Response *resp = NULL;
    uint64_t t0 = uv_hrtime();
    rc = cli_call(ctx, s, &req, &resp);
    uint64_t us = (uv_hrtime() - t0) / 1000;
    if (rc) break;
    bool ok = resp->result_case == SIMPEG__V1__RESPONSE__RESULT_PONG && resp->pong &&
              resp->pong->payload.len == sizeof(payload) &&
              memcmp(resp->pong->payload.data, payload, sizeof(payload)) == 0;
    spc_response_free(resp);
    if (!ok) {
      fprintf(ctx->err, "simpeg: %s\n", _("the server's answer to ping does not echo the request"));
      rc = CLI_EXIT_OTHER;
      break;
    }
    samples[received++] = us;
    sum += us;
    if (us < min) min = us;
    if (us > max) max = us;
    if (!json) {
      char ms[32];
      cli_format_ms(ms, sizeof(ms), us);
      /* TRANSLATORS: one ping line: server address, sequence number, milliseconds. */
      fprintf(ctx->out, _("Reply from %s: seq=%u time=%s ms\n"), ctx->settings.server, seq, ms);
      fflush(ctx->out);
    }
  }

  if (rc == 0) {
    uint64_t avg = received ? sum / received : 0;
    if (json) {
      json_out_t j;
      json_init(&j, ctx->out);
      json_begin_object(&j);
      json_key(&j, "server");
      json_string(&j, ctx->settings.server);
      json_key(&j, "server_name");
      json_string(&j, info->server_name);
      json_key(&j, "server_version");
      json_string(&j, info->server_version);
      json_key(&j, "instance_id");
      json_string(&j, info->instance_id);
      json_key(&j, "count");
      json_uint(&j, st->count);
      json_key(&j, "received");
      json_uint(&j, received);
      json_key(&j, "rtt_ms");
      json_begin_object(&j);
      json_key(&j, "min");
      json_decimal(&j, min, 3);
      json_key(&j, "avg");
      json_decimal(&j, avg, 3);
      json_key(&j, "max");
      json_decimal(&j, max, 3);
      json_end_object(&j);
      json_key(&j, "samples_ms");
      json_begin_array(&j);
      for (uint32_t i = 0; i < received; i++) json_decimal(&j, samples[i], 3);
      json_end_array(&j);
      json_end_object(&j);
      json_finish(&j);
    } else {
      cli_table_t t = {0};
      cli_table_add(&t, _("Server version"), "%s", info->server_version);
      if (received > 1) {
        char a[32], b[32], c[32];
        cli_format_ms(a, sizeof(a), min);
        cli_format_ms(b, sizeof(b), avg);
        cli_format_ms(c, sizeof(c), max);
        cli_table_add(&t, _("Response time min/avg/max"), "%s/%s/%s ms", a, b, c);
      }
      cli_table_print(&t, ctx->out);
    }
  }
  free(samples);
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_ping = {
    .name = "ping",
    .summary = N_("Check that the server answers and measure the response time"),
    .usage = N_("ping [--count N] [--interval MS]"),
    .description = N_("Sends ping requests to the server, one after another, and prints each\n"
                      "response time and the server's version. The database is not involved.\n"
                      "\n"
                      "Options:\n"
                      "  --count N        number of pings (default: 1)\n"
                      "  --interval MS    pause between pings in milliseconds (default: 1000)\n"),
    .options = ping_options,
    .state_size = sizeof(ping_state_t),
    .init = ping_init,
    .parse_opt = ping_parse_opt,
    .run = ping_run,
};
