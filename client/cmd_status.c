/* cmd_status: `simpeg status`: the daemon's view of itself and of its
 * database (the request goes through the daemon's pool to PostgreSQL).
 * Needs a signed-in user (any role): the stored session is presented first. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void status_json(cli_ctx_t *ctx, const Simpeg__V1__StatusReply *st, const spc_server_info_t *info,
                        uint64_t rtt_us) {
  json_out_t j;
  json_init(&j, ctx->out);
  json_begin_object(&j);
  json_key(&j, "server");
  json_string(&j, ctx->settings.server);
  json_key(&j, "server_version");
  json_string(&j, st->server_version ? st->server_version : info->server_version);
  json_key(&j, "schema_version");
  json_int(&j, st->schema_version);
  json_key(&j, "database");
  json_begin_object(&j);
  json_key(&j, "ok");
  json_bool(&j, st->database_ok);
  json_key(&j, "version");
  json_string(&j, st->database_version ? st->database_version : "");
  json_key(&j, "latency_ms");
  json_decimal(&j, st->database_latency_us, 3);
  json_end_object(&j);
  json_key(&j, "pool");
  json_begin_object(&j);
  const Simpeg__V1__PoolState *p = st->pool;
  json_key(&j, "size");
  json_uint(&j, p ? p->size : 0);
  json_key(&j, "connected");
  json_uint(&j, p ? p->connected : 0);
  json_key(&j, "busy");
  json_uint(&j, p ? p->busy : 0);
  json_key(&j, "queued");
  json_uint(&j, p ? p->queued : 0);
  json_key(&j, "in_flight");
  json_uint(&j, p ? p->in_flight : 0);
  json_key(&j, "reconnects");
  json_uint(&j, p ? p->reconnects : 0);
  json_key(&j, "failures");
  json_uint(&j, p ? p->failures : 0);
  json_key(&j, "slow");
  json_uint(&j, p ? p->slow : 0);
  json_end_object(&j);
  json_key(&j, "uptime_seconds");
  json_uint(&j, st->uptime_seconds);
  json_key(&j, "connections");
  json_uint(&j, st->connections);
  json_key(&j, "instance_id");
  json_string(&j, st->instance_id ? st->instance_id : "");
  json_key(&j, "name_index");
  if (st->name_index) {
    json_begin_object(&j);
    json_key(&j, "ready");
    json_bool(&j, st->name_index->ready);
    json_key(&j, "names");
    json_uint(&j, st->name_index->names);
    json_key(&j, "skipped");
    json_uint(&j, st->name_index->skipped);
    json_key(&j, "searches");
    json_uint(&j, st->name_index->searches);
    json_key(&j, "off");
    json_bool(&j, st->name_index->off);
    json_end_object(&j);
  } else {
    json_null(&j);
  }
  json_key(&j, "response_time_ms");
  json_decimal(&j, rtt_us, 3);
  json_end_object(&j);
  json_finish(&j);
}

static void status_table(cli_ctx_t *ctx, const Simpeg__V1__StatusReply *st, const spc_server_info_t *info,
                         uint64_t rtt_us) {
  cli_table_t t = {0};
  char buf[64];
  cli_table_add(&t, _("Server"), "%s", ctx->settings.server);
  cli_table_add(&t, _("Server version"), "%s",
                st->server_version && *st->server_version ? st->server_version : info->server_version);
  cli_table_add(&t, _("Schema version"), "%d", st->schema_version);
  if (st->database_ok) {
    if (st->database_version && *st->database_version)
      cli_table_add(&t, _("Database"), _("OK (PostgreSQL %s)"), st->database_version);
    else
      cli_table_add(&t, _("Database"), "%s", _("OK"));
  } else {
    cli_table_add(&t, _("Database"), "%s", _("NOT AVAILABLE"));
  }
  cli_format_ms(buf, sizeof(buf), st->database_latency_us);
  cli_table_add(&t, _("Database latency"), _("%s ms"), buf);
  const Simpeg__V1__PoolState *p = st->pool;
  if (p) {
    cli_table_add(&t, _("Connection pool"),
                  _("%u of %u connected, %u busy, %u queued, %u queries in flight"), p->connected,
                  p->size, p->busy, p->queued, p->in_flight);
    cli_table_add(&t, _("Pool reconnects"), "%llu", (unsigned long long)p->reconnects);
    cli_table_add(&t, _("Pool failures"), "%llu", (unsigned long long)p->failures);
    cli_table_add(&t, _("Slow database batches"), "%llu", (unsigned long long)p->slow);
  }
  cli_format_duration(buf, sizeof(buf), st->uptime_seconds);
  cli_table_add(&t, _("Uptime"), "%s", buf);
  cli_table_add(&t, _("Client connections"), "%u", st->connections);
  if (st->instance_id && *st->instance_id) cli_table_add(&t, _("Instance"), "%s", st->instance_id);
  if (!st->name_index)
    cli_table_add(&t, _("Name index"), "%s", _("off (PostgreSQL finds similar names)"));
  else if (st->name_index->off)
    cli_table_add(&t, _("Name index"), "%s", _("off: this database compares names differently (see the daemon's log)"));
  else if (!st->name_index->ready)
    cli_table_add(&t, _("Name index"), "%s", _("loading"));
  else
    cli_table_add(&t, _("Name index"), _("%llu names (%llu left to PostgreSQL), %llu searches answered"),
                  (unsigned long long)st->name_index->names, (unsigned long long)st->name_index->skipped,
                  (unsigned long long)st->name_index->searches);
  cli_format_ms(buf, sizeof(buf), rtt_us);
  cli_table_add(&t, _("Response time"), _("%s ms"), buf);
  cli_table_print(&t, ctx->out);
}

static int status_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  if (argc > 0) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;
  Simpeg__V1__StatusRequest sr = SIMPEG__V1__STATUS_REQUEST__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
  req.status = &sr;
  Simpeg__V1__Response *resp = NULL;
  uint64_t t0 = uv_hrtime();
  rc = cli_call(ctx, s, &req, &resp);
  uint64_t rtt_us = (uv_hrtime() - t0) / 1000;
  if (rc == 0) {
    if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_STATUS || !resp->status) {
      fprintf(ctx->err, "simpeg: %s\n", _("the server answered the status request with something else"));
      rc = CLI_EXIT_OTHER;
    } else if (ctx->settings.output == CLI_OUTPUT_JSON) {
      status_json(ctx, resp->status, spc_sync_server_info(s), rtt_us);
    } else {
      status_table(ctx, resp->status, spc_sync_server_info(s), rtt_us);
    }
    spc_response_free(resp);
  }
  spc_sync_close(s);
  return rc;
}

const cli_command_t cli_cmd_status = {
    .name = "status",
    .summary = N_("Show the state of the server and its database"),
    .usage = N_("status"),
    .description = N_("Asks the server for its version, the database schema version, the health\n"
                      "and latency of the database, the state of its database connection pool,\n"
                      "its uptime and the number of client connections. Needs a signed-in user\n"
                      "(any role): sign in first with 'simpeg login'; fails (exit status 4)\n"
                      "when not signed in.\n"),
    .run = status_run,
};
