/* svc_core: the methods every connection has from the start: Hello, Ping and
 * Status (the health of the daemon, its pool and its database). Hello on a
 * branch machine (client certificate) first looks its office up (svc_auth). */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_stmts.h"
#include "dispatch.h"
#include "name_index.h"
#include "sp_config.h"
#include "sp_time.h"
#include "svc_auth.h"

#define PROTOCOL_VERSION 1

static void hello_reply(srv_req_t *req) {
  conn_t *c = req->conn;
  const Simpeg__V1__Hello *h = req->msg->hello;
  snprintf(c->client_name, sizeof(c->client_name), "%s/%s", h->client_name, h->client_version);
  c->hello_done = true;
  Simpeg__V1__HelloReply *r = sp_arena_alloc(&req->arena, sizeof(*r));
  simpeg__v1__hello_reply__init(r);
  r->protocol_version = PROTOCOL_VERSION;
  r->server_name = "simpegd";
  r->server_version = SIMPEG_VERSION;
  r->max_frame = (uint32_t)req->srv->cfg.max_frame;
  r->max_in_flight = (uint32_t)req->srv->cfg.max_in_flight;
  r->instance_id = req->srv->instance_id;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_HELLO;
  resp.hello = r;
  req_reply(req, &resp);
}

void svc_hello(srv_req_t *req) {
  if (req->msg->hello->protocol_version != PROTOCOL_VERSION) {
    req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_FAILED_PRECONDITION, "protocol_version",
             "unsupported protocol version");
    return;
  }
  /* A verified client certificate names a branch office (its CN is the
   * office code): everything done over this connection stays inside that
   * subtree, so the office must be known before anything else happens. */
  if (req->conn->branch_fingerprint[0] && !req->conn->branch_path[0]) {
    auth_branch_lookup(req, hello_reply);
    return;
  }
  hello_reply(req);
}

void svc_ping(srv_req_t *req) {
  Simpeg__V1__Pong pong = SIMPEG__V1__PONG__INIT;
  pong.payload = req->msg->ping->payload; /* echoed: lets clients measure with their own stamps */
  pong.server_time_us = sp_wall_us();
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_PONG;
  resp.pong = &pong;
  req_reply(req, &resp);
}

static void status_done(void *ud, const db_result_t *res) {
  srv_req_t *req = ud;
  srv_t *s = req->srv;
  Simpeg__V1__StatusReply st = SIMPEG__V1__STATUS_REPLY__INIT;
  Simpeg__V1__PoolState pool = SIMPEG__V1__POOL_STATE__INIT;
  st.server_version = SIMPEG_VERSION;
  st.instance_id = s->instance_id;
  st.uptime_seconds = (sp_mono_us() - s->started_us) / 1000000u;
  st.connections = s->nconns;
  st.schema_version = -1;
  st.database_version = "";
  if (res->status == DB_OK && res->nresults > 0 && PQntuples(res->results[0]) == 1) {
    PGresult *r = res->results[0];
    st.database_ok = true;
    st.database_version = sp_arena_strdup(&req->arena, PQgetvalue(r, 0, 0));
    st.schema_version = atoi(PQgetvalue(r, 0, 1));
    st.database_latency_us = res->latency_us;
  }
  db_stats_t ds;
  db_pool_stats(s->db, &ds);
  pool.size = ds.size;
  pool.connected = ds.connected;
  pool.busy = ds.busy;
  pool.queued = ds.queued;
  pool.in_flight = ds.in_flight;
  pool.reconnects = ds.reconnects;
  pool.failures = ds.failures;
  pool.slow = ds.slow;
  st.pool = &pool;
  Simpeg__V1__NameIndexState names = SIMPEG__V1__NAME_INDEX_STATE__INIT;
  if (s->names) {
    name_index_stats_t ns;
    name_index_stats(s->names, &ns);
    names.ready = ns.ready;
    names.names = ns.names;
    names.skipped = ns.skipped;
    names.searches = s->name_searches;
    names.off = ns.off;
    st.name_index = &names;
  }
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_STATUS;
  resp.status = &st;
  req_reply(req, &resp);
}

void svc_status(srv_req_t *req) {
  /* The status query goes through the pool like every other request, so
   * `simpeg status` measures the real database path. */
  db_query_t q = {.stmt = DB_STMT_STATUS, .nparams = 0};
  if (db_submit(req->srv->db, &q, 1, DB_RETRY_SAFE, status_done, req) != 0) {
    db_result_t none = {.status = DB_UNAVAILABLE};
    status_done(req, &none);
  }
}
