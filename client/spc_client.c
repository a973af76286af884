/* spc_client: the public client object (see spc.h).
 *
 * Owns the request queue, the deadline list and its single timer, the
 * reconnect back-off and the connections (through spc_conn.c). Requests
 * all have the same time-out and are appended in call order, so the
 * deadline list is sorted by construction: the timer only ever needs the
 * head, and adding or finishing a request costs O(1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_ini.h"
#include "sp_log.h"
#include "spc_internal.h"

static void client_maybe_finalize(spc_client_t *c);

void spc_options_init(spc_options_t *opt) {
  memset(opt, 0, sizeof(*opt));
  opt->connect_timeout_ms = 10000;
  opt->request_timeout_ms = 30000;
  opt->reconnect = true;
  opt->reconnect_min_ms = 100;
  opt->reconnect_max_ms = 10000;
  opt->queue_max = 1024;
  opt->max_frame = SP_FRAME_DEFAULT_MAX;
}

void spc_req_free(spc_req_t *req) {
  free(req->frame);
  free(req);
}

void spc_response_free(Simpeg__V1__Response *resp) {
  if (resp) simpeg__v1__response__free_unpacked(resp, NULL);
}

static void client_set_state(spc_client_t *c, spc_state_t st, const spc_error_t *err,
                             const Simpeg__V1__GoAway *ga) {
  c->state = st;
  if (c->on_state && !c->closing) c->on_state(c, st, err, ga, c->cb_ud);
}

/* ---- completing requests ---- */

void spc_client_complete(spc_client_t *c, spc_req_t *req, int status, Simpeg__V1__Response *resp,
                         const spc_error_t *err) {
  if (spc_link_linked(&req->in_queue)) {
    spc_list_unlink(&req->in_queue);
    c->queued--;
  }
  spc_list_unlink(&req->by_deadline);
  c->pending--;
  req->answered = true;
  spc_response_cb cb = req->cb;
  void *ud = req->ud;
  if (!req->conn) spc_req_free(req);
  if (cb) {
    cb(c, status, resp, err, ud);
  } else {
    spc_response_free(resp);
  }
}

/* Fails every request that waits in the queue (none of them was sent). */
static void client_fail_queue(spc_client_t *c, const spc_error_t *err) {
  while (!spc_list_empty(&c->queue)) {
    spc_req_t *req = spc_container_of(c->queue.next, spc_req_t, in_queue);
    spc_client_complete(c, req, err->code, NULL, err);
  }
}

static void on_deadline(uv_timer_t *t);

/* Arms the timer for the oldest pending request. Requests that finish
 * early leave the timer armed for a deadline that no longer matters; it
 * then fires once, finds nothing expired and re-arms: bounded work. */
static void deadline_arm(spc_client_t *c) {
  if (spc_list_empty(&c->deadlines) || c->closing) return;
  spc_req_t *head = spc_container_of(c->deadlines.next, spc_req_t, by_deadline);
  uint64_t now = uv_now(c->loop);
  uv_timer_start(&c->deadline_timer, on_deadline, head->deadline > now ? head->deadline - now : 0, 0);
}

static void on_deadline(uv_timer_t *t) {
  spc_client_t *c = t->data;
  uint64_t now = uv_now(c->loop);
  while (!c->closing && !spc_list_empty(&c->deadlines)) {
    spc_req_t *req = spc_container_of(c->deadlines.next, spc_req_t, by_deadline);
    if (req->deadline > now) break;
    spc_error_t err;
    spc_error_set(&err, c, SPC_ETIMEDOUT, "no response to request %llu", (unsigned long long)req->id);
    err.timeout_ms = c->request_timeout_ms;
    spc_conn_t *conn = req->conn;
    if (conn) conn->abandoned++;
    spc_client_complete(c, req, SPC_ETIMEDOUT, NULL, &err);
    /* Timed-out requests keep their in-flight slots; a connection whose
     * every slot is held by one is stuck: recycle it. */
    if (conn && conn->state == CONN_READY && conn->abandoned >= conn->max_in_flight) {
      spc_error_set(&err, c, SPC_ETIMEDOUT, "the server stopped answering");
      err.timeout_ms = c->request_timeout_ms;
      spc_conn_close(conn, &err, true);
    }
    if (conn) spc_conn_maybe_finish_drain(conn);
  }
  deadline_arm(c);
}

/* ---- connections ---- */

static void client_start_conn(spc_client_t *c) {
  c->active = spc_conn_start(c);
  client_set_state(c, SPC_STATE_CONNECTING, NULL, NULL);
}

static void on_backoff(uv_timer_t *t) {
  spc_client_t *c = t->data;
  if (c->closing || c->state != SPC_STATE_BACKOFF) return;
  if (!spc_list_empty(&c->queue)) {
    client_start_conn(c);
  } else {
    client_set_state(c, SPC_STATE_IDLE, NULL, NULL);
  }
}

void spc_client_flush_queue(spc_client_t *c) {
  spc_conn_t *conn = c->active;
  if (!conn || conn->state != CONN_READY) return;
  while (!spc_list_empty(&c->queue) && spc_conn_can_send(conn)) {
    spc_req_t *req = spc_container_of(c->queue.next, spc_req_t, in_queue);
    spc_list_unlink(&req->in_queue);
    c->queued--;
    int rc = spc_conn_send(conn, req);
    if (rc == SPC_ETOOBIG) {
      spc_error_t err;
      spc_error_set(&err, c, SPC_ETOOBIG, "request of %zu bytes exceeds the server's limit of %u",
                    req->frame_len - SP_FRAME_HEADER, conn->max_frame_out);
      spc_client_complete(c, req, rc, NULL, &err);
      continue;
    }
    if (rc < 0) break; /* the connection is failing; the request fails with it */
  }
  spc_conn_flush(conn);
}

void spc_client_requeue(spc_client_t *c, spc_req_t *req) {
  spc_link_t *pos = c->queue.next;
  while (pos != &c->queue && spc_container_of(pos, spc_req_t, in_queue)->id < req->id) pos = pos->next;
  /* Insert before pos. */
  req->in_queue.next = pos;
  req->in_queue.prev = pos->prev;
  pos->prev->next = &req->in_queue;
  pos->prev = &req->in_queue;
  c->queued++;
}

void spc_client_retry(spc_client_t *c, spc_req_t *req) {
  spc_client_requeue(c, req);
  if (c->closing) return;
  if (!c->active && c->state != SPC_STATE_BACKOFF)
    client_start_conn(c);
  else
    spc_client_flush_queue(c);
}

void spc_client_on_ready(spc_client_t *c, spc_conn_t *conn, const Simpeg__V1__HelloReply *hr) {
  c->backoff_ms = c->reconnect_min_ms;
  spc_server_info_t *info = &c->info;
  info->protocol_version = hr->protocol_version;
  snprintf(info->server_name, sizeof(info->server_name), "%s", hr->server_name ? hr->server_name : "");
  snprintf(info->server_version, sizeof(info->server_version), "%s",
           hr->server_version ? hr->server_version : "");
  snprintf(info->instance_id, sizeof(info->instance_id), "%s", hr->instance_id ? hr->instance_id : "");
  info->max_frame = conn->max_frame_out;
  info->max_in_flight = conn->max_in_flight;
  client_set_state(c, SPC_STATE_READY, NULL, NULL);
  if (c->active == conn) spc_client_flush_queue(c);
}

void spc_client_on_goaway(spc_client_t *c, spc_conn_t *conn, const Simpeg__V1__GoAway *ga) {
  if (c->active != conn) return;
  c->active = NULL;
  if (c->reconnect) {
    client_set_state(c, SPC_STATE_IDLE, NULL, ga);
    if (!c->closing && !spc_list_empty(&c->queue)) client_start_conn(c);
    return;
  }
  spc_error_set(&c->last_error, c, SPC_ECLOSED, "server is shutting down%s%s",
                ga->reason && *ga->reason ? ": " : "", ga->reason ? ga->reason : "");
  client_set_state(c, SPC_STATE_FAILED, &c->last_error, ga);
  client_fail_queue(c, &c->last_error);
}

void spc_client_on_conn_closed(spc_client_t *c, const spc_error_t *err, bool was_ready,
                               bool was_active) {
  if (c->closing) {
    client_maybe_finalize(c);
    return;
  }
  if (!was_active) return; /* a drained connection finished */
  c->last_error = *err;
  if (!was_ready) {
    /* A failed attempt: tell the waiting callers now rather than let them
     * run into their time-outs, then back off. */
    if (c->reconnect) {
      client_set_state(c, SPC_STATE_BACKOFF, err, NULL);
      uv_timer_start(&c->backoff_timer, on_backoff, c->backoff_ms, 0);
      c->backoff_ms = c->backoff_ms * 2 > c->reconnect_max_ms ? c->reconnect_max_ms : c->backoff_ms * 2;
    } else {
      client_set_state(c, SPC_STATE_FAILED, err, NULL);
    }
    client_fail_queue(c, err);
    return;
  }
  if (c->reconnect) {
    client_set_state(c, SPC_STATE_IDLE, err, NULL);
    if (!c->closing && c->state == SPC_STATE_IDLE && !c->active && !spc_list_empty(&c->queue))
      client_start_conn(c);
  } else {
    client_set_state(c, SPC_STATE_FAILED, err, NULL);
    client_fail_queue(c, err);
  }
}

void spc_client_on_event(spc_client_t *c, const Simpeg__V1__Event *ev) {
  if (c->on_event && !c->closing) c->on_event(c, ev, c->cb_ud);
}

/* ---- public API ---- */

spc_client_t *spc_client_new(uv_loop_t *loop, const spc_options_t *opt, spc_error_t *err) {
  memset(err, 0, sizeof(*err));
  char host[256];
  uint16_t port;
  if (!opt->server || !sp_parse_hostport(opt->server, host, sizeof(host), &port) || host[0] == '\0') {
    err->code = SPC_EINVAL;
    snprintf(err->server_addr, sizeof(err->server_addr), "%s", opt->server ? opt->server : "");
    snprintf(err->detail, sizeof(err->detail), "server address must look like host:port or [v6addr]:port");
    return NULL;
  }
  spc_client_t *c = sp_xcalloc(1, sizeof(*c));
  c->loop = loop;
  c->host = sp_xstrdup(host);
  c->port = port;
  snprintf(c->server_addr, sizeof(c->server_addr), "%s", opt->server);
  c->server_name = sp_xstrdup(opt->server_name && *opt->server_name ? opt->server_name : host);
  c->client_name = sp_xstrdup(opt->client_name ? opt->client_name : "libsimpeg-client");
  c->client_version = sp_xstrdup(opt->client_version ? opt->client_version : SIMPEG_VERSION);
  c->connect_timeout_ms = opt->connect_timeout_ms ? opt->connect_timeout_ms : 10000;
  c->request_timeout_ms = opt->request_timeout_ms ? opt->request_timeout_ms : 30000;
  c->max_frame_in = opt->max_frame ? opt->max_frame : SP_FRAME_DEFAULT_MAX;
  c->reconnect = opt->reconnect;
  c->reconnect_min_ms = opt->reconnect_min_ms ? opt->reconnect_min_ms : 100;
  c->reconnect_max_ms = opt->reconnect_max_ms > c->reconnect_min_ms ? opt->reconnect_max_ms : c->reconnect_min_ms;
  c->backoff_ms = c->reconnect_min_ms;
  c->queue_max = opt->queue_max ? opt->queue_max : 1024;
  c->next_id = 1;
  spc_list_init(&c->conns);
  spc_list_init(&c->queue);
  spc_list_init(&c->deadlines);

  if (opt->tls_ctx) {
    c->tls_ctx = sp_tls_ctx_ref(opt->tls_ctx);
  } else {
    sp_tls_config_t tc;
    memset(&tc, 0, sizeof(tc));
    tc.ca_file = opt->ca_file && *opt->ca_file ? opt->ca_file : NULL;
    tc.cert_file = opt->cert_file && *opt->cert_file ? opt->cert_file : NULL;
    tc.key_file = opt->key_file && *opt->key_file ? opt->key_file : NULL;
    char tls_err[256] = "";
    c->tls_ctx = sp_tls_ctx_new_client(&tc, tls_err, sizeof(tls_err));
    if (!c->tls_ctx) {
      spc_error_set(err, c, SPC_ETLSCONFIG, "%s", tls_err);
      free(c->host);
      free(c->server_name);
      free(c->client_name);
      free(c->client_version);
      free(c);
      return NULL;
    }
  }
  uv_timer_init(loop, &c->deadline_timer);
  c->deadline_timer.data = c;
  uv_timer_init(loop, &c->backoff_timer);
  c->backoff_timer.data = c;
  c->handles = 2;
  c->state = SPC_STATE_IDLE;
  return c;
}

void spc_client_set_callbacks(spc_client_t *c, spc_state_cb on_state, spc_event_cb on_event, void *ud) {
  c->on_state = on_state;
  c->on_event = on_event;
  c->cb_ud = ud;
}

int spc_client_connect(spc_client_t *c) {
  if (c->closing) return SPC_ECANCELED;
  if (c->state == SPC_STATE_FAILED) return c->last_error.code ? c->last_error.code : SPC_ECLOSED;
  if (!c->active && c->state != SPC_STATE_BACKOFF) client_start_conn(c);
  return 0;
}

int spc_client_call(spc_client_t *c, Simpeg__V1__Request *req, spc_response_cb cb, void *ud,
                    uint64_t *id_out) {
  if (c->closing) return SPC_ECANCELED;
  if (c->state == SPC_STATE_FAILED) return c->last_error.code ? c->last_error.code : SPC_ECLOSED;
  if (req->call_case == SIMPEG__V1__REQUEST__CALL__NOT_SET || req->call_case == SIMPEG__V1__REQUEST__CALL_HELLO)
    return SPC_EINVAL;
  if (c->queued >= c->queue_max) return SPC_EBUSY;
  uint32_t limit = c->info.max_frame ? c->info.max_frame : SP_FRAME_DEFAULT_MAX;
  req->id = c->next_id;
  size_t n = protobuf_c_message_get_packed_size(&req->base);
  if (n > limit) return SPC_ETOOBIG;
  c->next_id++;

  spc_req_t *r = sp_xcalloc(1, sizeof(*r));
  r->id = req->id;
  r->cb = cb;
  r->ud = ud;
  r->frame_len = SP_FRAME_HEADER + n;
  r->frame = sp_xmalloc(r->frame_len);
  sp_frame_put_header(r->frame, (uint32_t)n);
  protobuf_c_message_pack(&req->base, r->frame + SP_FRAME_HEADER);
  uv_update_time(c->loop);
  r->deadline = uv_now(c->loop) + c->request_timeout_ms;
  spc_list_push_back(&c->deadlines, &r->by_deadline);
  spc_list_push_back(&c->queue, &r->in_queue);
  c->pending++;
  c->queued++;
  if (!uv_is_active((uv_handle_t *)&c->deadline_timer)) deadline_arm(c);
  if (id_out) *id_out = r->id;

  if (!c->active && c->state != SPC_STATE_BACKOFF)
    client_start_conn(c);
  else
    spc_client_flush_queue(c);
  return 0;
}

static void on_client_timer_closed(uv_handle_t *h) {
  spc_client_t *c = h->data;
  c->handles--;
  client_maybe_finalize(c);
}

static void client_maybe_finalize(spc_client_t *c) {
  if (!c->closing || c->handles > 0 || !spc_list_empty(&c->conns)) return;
  spc_error_t err;
  spc_error_set(&err, c, SPC_ECANCELED, "client closed");
  /* Only queued requests can be left: the connections failed theirs. */
  while (!spc_list_empty(&c->deadlines)) {
    spc_req_t *req = spc_container_of(c->deadlines.next, spc_req_t, by_deadline);
    spc_client_complete(c, req, SPC_ECANCELED, NULL, &err);
  }
  spc_close_cb cb = c->close_cb;
  void *ud = c->close_ud;
  sp_tls_ctx_unref(c->tls_ctx);
  free(c->host);
  free(c->server_name);
  free(c->client_name);
  free(c->client_version);
  free(c);
  if (cb) cb(ud);
}

void spc_client_close(spc_client_t *c, spc_close_cb cb, void *ud) {
  if (c->closing) return;
  c->closing = true;
  c->state = SPC_STATE_CLOSED;
  c->close_cb = cb;
  c->close_ud = ud;
  spc_error_t err;
  spc_error_set(&err, c, SPC_ECANCELED, "client closed");
  spc_link_t *l = c->conns.next;
  while (l != &c->conns) {
    spc_link_t *next = l->next;
    spc_conn_close(spc_container_of(l, spc_conn_t, link), &err, true);
    l = next;
  }
  uv_close((uv_handle_t *)&c->deadline_timer, on_client_timer_closed);
  uv_close((uv_handle_t *)&c->backoff_timer, on_client_timer_closed);
}

spc_state_t spc_client_state(const spc_client_t *c) { return c->state; }
const spc_server_info_t *spc_client_server_info(const spc_client_t *c) { return &c->info; }
size_t spc_client_pending(const spc_client_t *c) { return c->pending; }
uv_loop_t *spc_client_loop(const spc_client_t *c) { return c->loop; }
