/* spc_conn: one client connection from DNS to close.
 *
 * Owns the connection's handles (TCP socket, one timer), the getaddrinfo
 * request, the TLS engine, the frame decoder, the write buffers and the
 * table of requests in flight. The pump follows sp_tls.h: ciphertext from
 * the socket is fed to the engine, plaintext is read straight into the
 * frame decoder's space, and engine output is drained after every engine
 * call. One uv_write is in flight at a time; ciphertext produced meanwhile
 * accumulates in `wpending` and goes out from the write callback.
 *
 * Closing never calls back into the user synchronously: spc_conn_close only
 * marks the connection and closes handles; requests in flight are failed
 * and the client is told from the last close callback (conn_finalize). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_log.h"
#include "spc_internal.h"

#define CLOSE_GUARD_MS 1000
#define WRITE_BUF_MAX (64u * 1024 * 1024)
#define WRITE_BUF_KEEP (64u * 1024)

static void conn_pump(spc_conn_t *conn);
static void conn_try_connect(spc_conn_t *conn);
static void conn_write_start(spc_conn_t *conn);

static void conn_fail(spc_conn_t *conn, int code, int sys, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fails the connection with an error for its callers; `sys` is the libuv
 * error behind it, if any. */
static void conn_fail(spc_conn_t *conn, int code, int sys, const char *fmt, ...) {
  if (conn->state == CONN_CLOSING) return;
  spc_error_t err;
  spc_error_set(&err, conn->client, code, "%s", "");
  err.sys = sys;
  err.tls_after_handshake = code == SPC_ETLS && conn->state == CONN_HELLO;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err.detail, sizeof(err.detail), fmt, ap);
  va_end(ap);
  sp_log_debug("spc: connection to %s failed: %s: %s", conn->client->server_addr,
               spc_code_name(code), err.detail);
  spc_conn_close(conn, &err, false);
}

/* ---- tear-down ---- */

static int cmp_req_id_asc(const void *a, const void *b) {
  const spc_req_t *x = *(spc_req_t *const *)a, *y = *(spc_req_t *const *)b;
  return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

static void conn_finalize(spc_conn_t *conn) {
  spc_client_t *c = conn->client;
  /* Take everything out of the table first: callbacks below may close the
   * client, which must not find half-failed entries here. */
  size_t n = spc_idtable_count(&conn->in_flight);
  spc_req_t **reqs = sp_xcalloc(n ? n : 1, sizeof(*reqs));
  size_t k = 0, pos = 0;
  long i;
  while ((i = spc_idtable_next(&conn->in_flight, &pos)) >= 0) reqs[k++] = conn->in_flight.slots[i].value;
  spc_idtable_free(&conn->in_flight);
  qsort(reqs, k, sizeof(*reqs), cmp_req_id_asc); /* callers hear in call order */

  spc_error_t err = conn->close_err;
  bool was_ready = conn->was_ready;
  bool was_active = c->active == conn;
  if (was_active) c->active = NULL;
  spc_list_unlink(&conn->link);

  if (conn->addrs) uv_freeaddrinfo(conn->addrs);
  if (conn->tls) sp_tls_free(conn->tls);
  sp_frame_decoder_free(&conn->decoder);
  sp_buf_free(&conn->wpending);
  sp_buf_free(&conn->winflight);
  sp_buf_free(&conn->staging);
  free(conn->rbuf);
  free(conn);

  for (size_t j = 0; j < k; j++) {
    spc_req_t *req = reqs[j];
    req->conn = NULL;
    if (req->answered)
      spc_req_free(req);
    else
      spc_client_complete(c, req, err.code, NULL, &err);
  }
  free(reqs);
  spc_client_on_conn_closed(c, &err, was_ready, was_active);
}

static void conn_handle_gone(spc_conn_t *conn) {
  conn->handles--;
  if (conn->handles == 0 && conn->state == CONN_CLOSING) conn_finalize(conn);
}

static void on_tcp_closed(uv_handle_t *h) {
  spc_conn_t *conn = h->data;
  conn->tcp_open = false;
  if (conn->state == CONN_CONNECTING) {
    /* A failed connect attempt: on to the next address. */
    conn->handles--;
    conn_try_connect(conn);
    return;
  }
  conn_handle_gone(conn);
}

static void on_timer_closed(uv_handle_t *h) {
  spc_conn_t *conn = h->data;
  conn->timer_open = false;
  conn_handle_gone(conn);
}

static void conn_close_handles(spc_conn_t *conn) {
  if (conn->resolving) uv_cancel((uv_req_t *)&conn->gai); /* the callback still comes */
  if (conn->tcp_open && !uv_is_closing((uv_handle_t *)&conn->tcp))
    uv_close((uv_handle_t *)&conn->tcp, on_tcp_closed);
  if (conn->timer_open && !uv_is_closing((uv_handle_t *)&conn->timer))
    uv_close((uv_handle_t *)&conn->timer, on_timer_closed);
}

static void on_close_guard(uv_timer_t *t) {
  spc_conn_t *conn = t->data;
  conn_close_handles(conn);
}

void spc_conn_close(spc_conn_t *conn, const spc_error_t *err, bool graceful) {
  if (conn->state == CONN_CLOSING) return;
  bool healthy = conn->state >= CONN_HELLO && conn->tcp_open && conn->tls &&
                 sp_tls_handshake_done(conn->tls);
  conn->state = CONN_CLOSING;
  conn->close_err = *err;
  if (conn->reading) {
    uv_read_stop((uv_stream_t *)&conn->tcp);
    conn->reading = false;
  }
  if (graceful && healthy && sp_tls_shutdown(conn->tls) == SP_TLS_OK) {
    /* Send close_notify (and whatever is queued before it), then close;
     * the guard bounds the wait for a peer that does not read. */
    size_t n;
    while ((n = sp_tls_pending_out(conn->tls)) > 0) {
      uint8_t *p = sp_buf_reserve(&conn->wpending, n);
      if (!p) break;
      sp_buf_commit(&conn->wpending, sp_tls_take_out(conn->tls, p, n));
    }
    conn->close_after_write = true;
    if (conn->writing || sp_buf_used(&conn->wpending) > 0) {
      conn_write_start(conn);
      if (conn->writing && conn->timer_open) {
        uv_timer_start(&conn->timer, on_close_guard, CLOSE_GUARD_MS, 0);
        return;
      }
    }
  }
  conn_close_handles(conn);
}

void spc_conn_maybe_finish_drain(spc_conn_t *conn) {
  if (conn->state != CONN_DRAINING) return;
  if (spc_idtable_count(&conn->in_flight) > conn->abandoned) return;
  spc_error_t err;
  spc_error_set(&err, conn->client, SPC_ECLOSED, "server sent GoAway");
  spc_conn_close(conn, &err, true);
}

/* ---- write path ---- */

static void on_write(uv_write_t *w, int status) {
  spc_conn_t *conn = w->data;
  conn->writing = false;
  sp_buf_reset(&conn->winflight, WRITE_BUF_KEEP);
  if (conn->state == CONN_CLOSING) {
    if (conn->close_after_write && (status < 0 || sp_buf_used(&conn->wpending) == 0)) {
      conn_close_handles(conn);
      return;
    }
    if (status == 0) conn_write_start(conn);
    return;
  }
  if (status < 0) {
    conn_fail(conn, conn->was_ready ? SPC_ECLOSED : SPC_ECONNECT, status, "write: %s", uv_strerror(status));
    return;
  }
  conn_write_start(conn);
  if (conn->state == CONN_READY && conn->client->active == conn) spc_client_flush_queue(conn->client);
}

static void conn_write_start(spc_conn_t *conn) {
  if (conn->writing || sp_buf_used(&conn->wpending) == 0 || !conn->tcp_open) return;
  sp_buf_t tmp = conn->winflight;
  conn->winflight = conn->wpending;
  conn->wpending = tmp;
  uv_buf_t b = uv_buf_init((char *)sp_buf_head(&conn->winflight), (unsigned)sp_buf_used(&conn->winflight));
  conn->write_req.data = conn;
  int rc = uv_write(&conn->write_req, (uv_stream_t *)&conn->tcp, &b, 1, on_write);
  if (rc < 0) {
    sp_buf_reset(&conn->winflight, WRITE_BUF_KEEP);
    if (conn->state == CONN_CLOSING)
      conn_close_handles(conn);
    else
      conn_fail(conn, SPC_ECLOSED, rc, "write: %s", uv_strerror(rc));
    return;
  }
  conn->writing = true;
}

/* Moves the engine's pending ciphertext into wpending and starts a write.
 * Returns false when the connection had to be failed. */
static bool conn_drain_tls(spc_conn_t *conn) {
  size_t n;
  while ((n = sp_tls_pending_out(conn->tls)) > 0) {
    uint8_t *p = sp_buf_reserve(&conn->wpending, n);
    if (!p) {
      conn_fail(conn, SPC_ECLOSED, 0, "outbound buffer limit reached (server not reading)");
      return false;
    }
    sp_buf_commit(&conn->wpending, sp_tls_take_out(conn->tls, p, n));
  }
  conn_write_start(conn);
  return conn->state != CONN_CLOSING;
}

bool spc_conn_can_send(const spc_conn_t *conn) {
  return conn->state == CONN_READY && spc_idtable_count(&conn->in_flight) < conn->max_in_flight &&
         sp_buf_used(&conn->wpending) + sp_buf_used(&conn->staging) < SPC_WRITE_HIGH_WATER;
}

int spc_conn_send(spc_conn_t *conn, spc_req_t *req) {
  if (req->frame_len - SP_FRAME_HEADER > conn->max_frame_out) return SPC_ETOOBIG;
  if (sp_buf_append(&conn->staging, req->frame, req->frame_len) < 0) return SPC_ETOOBIG;
  if (spc_idtable_insert(&conn->in_flight, req->id, req) < 0) {
    /* Ids are unique per client; a clash is a bug, not an input. */
    conn_fail(conn, SPC_EPROTO, 0, "duplicate request id %llu", (unsigned long long)req->id);
    return SPC_EPROTO;
  }
  req->conn = conn;
  return 0;
}

void spc_conn_flush(spc_conn_t *conn) {
  if (conn->state == CONN_CLOSING || sp_buf_used(&conn->staging) == 0) return;
  int rc = sp_tls_write(conn->tls, sp_buf_head(&conn->staging), sp_buf_used(&conn->staging));
  sp_buf_reset(&conn->staging, WRITE_BUF_KEEP);
  if (rc != SP_TLS_OK) {
    conn_drain_tls(conn);
    conn_fail(conn, SPC_ETLS, 0, "%s", sp_tls_error(conn->tls));
    return;
  }
  conn_drain_tls(conn);
}

/* ---- frames from the server ---- */

static void conn_handle_hello(spc_conn_t *conn, Simpeg__V1__Response *resp) {
  if (resp->error && resp->error->code != SIMPEG__V1__ERROR_CODE__ERROR_CODE_OK) {
    conn_fail(conn, SPC_EPROTO, 0, "server refused Hello: %s: %s", spc_server_code_name(resp->error->code),
              resp->error->message ? resp->error->message : "");
    return;
  }
  if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_HELLO || !resp->hello) {
    conn_fail(conn, SPC_EPROTO, 0, "server answered Hello with something else");
    return;
  }
  const Simpeg__V1__HelloReply *hr = resp->hello;
  if (hr->protocol_version != 1) {
    conn_fail(conn, SPC_EPROTO, 0, "server speaks protocol version %u, this client speaks 1",
              hr->protocol_version);
    return;
  }
  conn->max_in_flight = hr->max_in_flight ? hr->max_in_flight : SPC_DEFAULT_IN_FLIGHT;
  conn->max_frame_out = hr->max_frame ? hr->max_frame : SP_FRAME_DEFAULT_MAX;
  conn->state = CONN_READY;
  conn->was_ready = true;
  if (conn->timer_open) uv_timer_stop(&conn->timer);
  spc_client_on_ready(conn->client, conn, hr);
}

static void conn_handle_response(spc_conn_t *conn, Simpeg__V1__Response *resp) {
  if (conn->state == CONN_HELLO) {
    if (resp->id == conn->hello_id) {
      conn_handle_hello(conn, resp);
    } else if (resp->id == 0 && resp->error) {
      conn_fail(conn, SPC_EPROTO, 0, "server rejected the connection: %s: %s",
                spc_server_code_name(resp->error->code), resp->error->message ? resp->error->message : "");
    } else {
      conn_fail(conn, SPC_EPROTO, 0, "response %llu before HelloReply", (unsigned long long)resp->id);
    }
    spc_response_free(resp);
    return;
  }
  if (resp->id == 0) {
    /* The server's last word on a malformed stream before it closes. */
    conn_fail(conn, SPC_EPROTO, 0, "server reported a protocol error: %s",
              resp->error && resp->error->message ? resp->error->message : "(no message)");
    spc_response_free(resp);
    return;
  }
  spc_req_t *req = spc_idtable_remove(&conn->in_flight, resp->id);
  if (!req) {
    sp_log_debug("spc: dropping response to unknown request %llu", (unsigned long long)resp->id);
    spc_response_free(resp);
    return;
  }
  req->conn = NULL;
  if (req->answered) {
    conn->abandoned--;
    spc_req_free(req);
    spc_response_free(resp);
  } else if (resp->error && resp->error->code == SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAVAILABLE &&
             resp->error->reason && strcmp(resp->error->reason, "draining") == 0 &&
             conn->client->reconnect && req->retries < SPC_MAX_DRAIN_RETRIES) {
    /* The server refused it unexecuted because it drains: safe to send
     * again, on a new connection. */
    req->retries++;
    spc_response_free(resp);
    spc_client_retry(conn->client, req);
  } else if (resp->error && resp->error->code != SIMPEG__V1__ERROR_CODE__ERROR_CODE_OK) {
    spc_error_t err;
    spc_error_set(&err, conn->client, SPC_ESERVER, "%s", resp->error->message ? resp->error->message : "");
    err.server = resp->error;
    spc_client_complete(conn->client, req, SPC_ESERVER, resp, &err);
  } else {
    spc_client_complete(conn->client, req, 0, resp, NULL);
  }
  spc_conn_maybe_finish_drain(conn);
}

static int cmp_req_id_desc(const void *a, const void *b) {
  const spc_req_t *x = *(spc_req_t *const *)a, *y = *(spc_req_t *const *)b;
  return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static void conn_handle_goaway(spc_conn_t *conn, const Simpeg__V1__GoAway *ga) {
  spc_client_t *c = conn->client;
  if (conn->state == CONN_HELLO) {
    conn_fail(conn, SPC_ECLOSED, 0, "server is shutting down%s%s", ga->reason && *ga->reason ? ": " : "",
              ga->reason ? ga->reason : "");
    return;
  }
  if (conn->state != CONN_READY) return;
  conn->state = CONN_DRAINING;
  /* Requests above last_request_id were not taken by the server: send
   * them again elsewhere. 0 means the server did not say; then it answers
   * everything it received (a request that crossed the GoAway is refused
   * with UNAVAILABLE "draining" and retried from conn_handle_response). */
  size_t n = spc_idtable_count(&conn->in_flight);
  spc_req_t **back = sp_xcalloc(n ? n : 1, sizeof(*back));
  size_t k = 0, pos = 0;
  long i;
  while ((i = spc_idtable_next(&conn->in_flight, &pos)) >= 0) {
    if (ga->last_request_id != 0 && conn->in_flight.slots[i].id > ga->last_request_id)
      back[k++] = conn->in_flight.slots[i].value;
  }
  qsort(back, k, sizeof(*back), cmp_req_id_desc);
  for (size_t j = 0; j < k; j++) {
    spc_req_t *req = back[j];
    spc_idtable_remove(&conn->in_flight, req->id);
    req->conn = NULL;
    if (req->answered) {
      conn->abandoned--;
      spc_req_free(req);
    } else {
      spc_client_requeue(c, req);
    }
  }
  free(back);
  spc_client_on_goaway(c, conn, ga);
  spc_conn_maybe_finish_drain(conn);
}

/* Unpacks and dispatches every whole frame in the decoder. Stops early
 * when a callback closed the connection. */
static void conn_process_frames(spc_conn_t *conn) {
  const uint8_t *payload;
  size_t len;
  int rc;
  while (conn->state != CONN_CLOSING && (rc = sp_frame_decoder_next(&conn->decoder, &payload, &len)) != 0) {
    if (rc < 0) {
      if (rc == SP_FRAME_ETOOBIG)
        conn_fail(conn, SPC_EPROTO, 0, "server sent a frame over the %u-byte limit", conn->decoder.max_frame);
      else
        conn_fail(conn, SPC_EPROTO, 0, "server sent an empty frame");
      return;
    }
    Simpeg__V1__ServerFrame *f = simpeg__v1__server_frame__unpack(NULL, len, payload);
    if (!f) {
      conn_fail(conn, SPC_EPROTO, 0, "cannot decode a %zu-byte frame from the server", len);
      return;
    }
    switch (f->kind_case) {
    case SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE: {
      Simpeg__V1__Response *resp = f->response;
      /* The Response goes to its caller; free the envelope without it. */
      f->response = NULL;
      f->kind_case = SIMPEG__V1__SERVER_FRAME__KIND__NOT_SET;
      simpeg__v1__server_frame__free_unpacked(f, NULL);
      conn_handle_response(conn, resp);
      continue;
    }
    case SIMPEG__V1__SERVER_FRAME__KIND_EVENT:
      if (conn->state == CONN_READY || conn->state == CONN_DRAINING) spc_client_on_event(conn->client, f->event);
      break;
    case SIMPEG__V1__SERVER_FRAME__KIND_GOAWAY:
      conn_handle_goaway(conn, f->goaway);
      break;
    default:
      /* A frame kind from a newer server: skip it (protocol evolution). */
      break;
    }
    simpeg__v1__server_frame__free_unpacked(f, NULL);
  }
}

/* ---- read path ---- */

static void conn_send_hello(spc_conn_t *conn) {
  spc_client_t *c = conn->client;
  Simpeg__V1__Hello hello = SIMPEG__V1__HELLO__INIT;
  hello.protocol_version = 1;
  hello.client_name = c->client_name;
  hello.client_version = c->client_version;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.id = conn->hello_id = c->next_id++;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
  req.hello = &hello;
  if (sp_frame_pack(&conn->staging, &req.base, SPC_HELLO_MAX_FRAME) < 0) {
    conn_fail(conn, SPC_EINVAL, 0, "client name or version too long for Hello");
    return;
  }
  conn->state = CONN_HELLO;
  spc_conn_flush(conn);
}

static void conn_pump(spc_conn_t *conn) {
  if (!sp_tls_handshake_done(conn->tls)) {
    int rc = sp_tls_handshake(conn->tls);
    /* Drain first even on failure, so the server gets our alert. */
    if (!conn_drain_tls(conn)) return;
    if (rc == SP_TLS_ERROR) {
      conn_fail(conn, SPC_ETLS, 0, "%s", sp_tls_error(conn->tls));
      return;
    }
    if (rc == SP_TLS_WANT) return;
    conn_send_hello(conn);
    if (conn->state == CONN_CLOSING) return;
  }
  for (;;) {
    size_t avail = 0;
    uint8_t *space = sp_frame_decoder_space(&conn->decoder, SPC_READ_CHUNK, &avail);
    if (!space) {
      conn_fail(conn, SPC_EPROTO, 0, "inbound buffer full");
      return;
    }
    size_t n = 0;
    int rc = sp_tls_read(conn->tls, space, avail, &n);
    if (!conn_drain_tls(conn)) return;
    if (rc == SP_TLS_OK) {
      sp_frame_decoder_commit(&conn->decoder, n);
      conn_process_frames(conn);
      if (conn->state == CONN_CLOSING) return;
      continue;
    }
    if (rc == SP_TLS_WANT) break;
    if (rc == SP_TLS_CLOSED) {
      conn_fail(conn, conn->was_ready ? SPC_ECLOSED : SPC_ECONNECT, 0, "server closed the connection");
      return;
    }
    conn_fail(conn, SPC_ETLS, 0, "%s", sp_tls_error(conn->tls));
    return;
  }
  if (conn->state == CONN_READY && conn->client->active == conn) spc_client_flush_queue(conn->client);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  spc_conn_t *conn = h->data;
  (void)suggested;
  *buf = uv_buf_init((char *)conn->rbuf, SPC_READ_CHUNK);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  spc_conn_t *conn = s->data;
  (void)buf;
  if (nread == 0 || conn->state == CONN_CLOSING) return;
  if (nread < 0) {
    if (nread == UV_EOF) {
      if (sp_frame_decoder_pending(&conn->decoder) > 0)
        conn_fail(conn, SPC_EPROTO, 0, "server closed the connection in the middle of a frame");
      else if (conn->was_ready)
        conn_fail(conn, SPC_ECLOSED, 0, "server closed the connection");
      else if (conn->state == CONN_HELLO)
        conn_fail(conn, SPC_ETLS, 0, "server closed the connection before answering Hello "
                                  "(was the client certificate rejected?)");
      else
        conn_fail(conn, SPC_ETLS, 0, "server closed the connection during the TLS handshake");
    } else {
      conn_fail(conn, conn->was_ready ? SPC_ECLOSED : SPC_ECONNECT, (int)nread, "read: %s", uv_strerror((int)nread));
    }
    return;
  }
  if (sp_tls_feed(conn->tls, conn->rbuf, (size_t)nread) != SP_TLS_OK) {
    conn_fail(conn, SPC_ETLS, 0, "%s", sp_tls_error(conn->tls));
    return;
  }
  conn_pump(conn);
}

/* ---- connect path ---- */

static void on_connected(uv_connect_t *req, int status) {
  spc_conn_t *conn = req->data;
  if (conn->state == CONN_CLOSING) return;
  if (status < 0) {
    snprintf(conn->last_connect_error, sizeof(conn->last_connect_error), "%s: %s", conn->cur_addr,
             uv_strerror(status));
    conn->last_connect_sys = status;
    /* Close this socket; its close callback tries the next address. */
    uv_close((uv_handle_t *)&conn->tcp, on_tcp_closed);
    return;
  }
  uv_freeaddrinfo(conn->addrs);
  conn->addrs = conn->next_addr = NULL;
  uv_tcp_nodelay(&conn->tcp, 1);
  conn->tls = sp_tls_new(conn->client->tls_ctx, conn->client->server_name);
  if (!conn->tls) {
    conn_fail(conn, SPC_ETLS, 0, "cannot create a TLS session");
    return;
  }
  conn->state = CONN_HANDSHAKE;
  int rc = uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read);
  if (rc < 0) {
    conn_fail(conn, SPC_ECONNECT, rc, "%s: %s", conn->cur_addr, uv_strerror(rc));
    return;
  }
  conn->reading = true;
  conn_pump(conn); /* produces the ClientHello */
}

static void describe_addr(const struct sockaddr *sa, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    uv_ip6_name(a, ip, sizeof(ip));
    snprintf(out, cap, "[%s]:%u", ip, ntohs(a->sin6_port));
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    uv_ip4_name(a, ip, sizeof(ip));
    snprintf(out, cap, "%s:%u", ip, ntohs(a->sin_port));
  }
}

/* Connects to the next resolved address; fails the connection when none
 * is left. */
static void conn_try_connect(spc_conn_t *conn) {
  struct addrinfo *ai = conn->next_addr;
  while (ai && ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ai = ai->ai_next;
  if (!ai) {
    conn_fail(conn, SPC_ECONNECT, conn->last_connect_sys, "%s",
              conn->last_connect_error[0] ? conn->last_connect_error : "no usable address");
    return;
  }
  conn->next_addr = ai->ai_next;
  describe_addr(ai->ai_addr, conn->cur_addr, sizeof(conn->cur_addr));
  int rc = uv_tcp_init(conn->client->loop, &conn->tcp);
  if (rc < 0) {
    conn_fail(conn, SPC_ECONNECT, rc, "%s: %s", conn->cur_addr, uv_strerror(rc));
    return;
  }
  conn->tcp.data = conn;
  conn->tcp_open = true;
  conn->handles++;
  conn->connect_req.data = conn;
  rc = uv_tcp_connect(&conn->connect_req, &conn->tcp, ai->ai_addr, on_connected);
  if (rc < 0) {
    snprintf(conn->last_connect_error, sizeof(conn->last_connect_error), "%s: %s", conn->cur_addr,
             uv_strerror(rc));
    conn->last_connect_sys = rc;
    uv_close((uv_handle_t *)&conn->tcp, on_tcp_closed);
  }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  spc_conn_t *conn = req->data;
  conn->resolving = false;
  if (conn->state == CONN_CLOSING) {
    uv_freeaddrinfo(res);
    conn_handle_gone(conn);
    return;
  }
  conn->handles--;
  if (status < 0) {
    uv_freeaddrinfo(res);
    conn_fail(conn, SPC_EDNS, status, "%s", uv_strerror(status));
    return;
  }
  conn->addrs = conn->next_addr = res;
  conn->state = CONN_CONNECTING;
  conn_try_connect(conn);
}

static void on_connect_timeout(uv_timer_t *t) {
  spc_conn_t *conn = t->data;
  if (conn->state >= CONN_READY) return;
  spc_error_t err;
  /* The detail is an N_() msgid: spc_error_text translates it. */
  spc_error_set(&err, conn->client, SPC_ECONNTIMEOUT, "%s",
                conn->state == CONN_RESOLVING    ? N_("while resolving the host name")
                : conn->state == CONN_CONNECTING ? N_("while connecting")
                : conn->state == CONN_HANDSHAKE  ? N_("during the TLS handshake")
                                                 : N_("while waiting for the server's Hello reply"));
  err.timeout_ms = conn->client->connect_timeout_ms;
  spc_conn_close(conn, &err, false);
}

spc_conn_t *spc_conn_start(spc_client_t *c) {
  spc_conn_t *conn = sp_xcalloc(1, sizeof(*conn));
  conn->client = c;
  conn->state = CONN_RESOLVING;
  conn->rbuf = sp_xmalloc(SPC_READ_CHUNK);
  sp_frame_decoder_init(&conn->decoder, c->max_frame_in);
  sp_buf_init(&conn->wpending, WRITE_BUF_MAX);
  sp_buf_init(&conn->winflight, WRITE_BUF_MAX);
  sp_buf_init(&conn->staging, WRITE_BUF_MAX);
  spc_idtable_init(&conn->in_flight);
  conn->max_in_flight = SPC_DEFAULT_IN_FLIGHT;
  conn->max_frame_out = SP_FRAME_DEFAULT_MAX;
  spc_list_push_back(&c->conns, &conn->link);

  uv_timer_init(c->loop, &conn->timer);
  conn->timer.data = conn;
  conn->timer_open = true;
  conn->handles++;
  uv_timer_start(&conn->timer, on_connect_timeout, c->connect_timeout_ms, 0);

  char port[8];
  snprintf(port, sizeof(port), "%u", c->port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_ADDRCONFIG;
  conn->gai.data = conn;
  int rc = uv_getaddrinfo(c->loop, &conn->gai, on_resolved, c->host, port, &hints);
  if (rc < 0) {
    spc_error_t err;
    spc_error_set(&err, c, SPC_EDNS, "%s", uv_strerror(rc));
    err.sys = rc;
    spc_conn_close(conn, &err, false);
    return conn;
  }
  conn->resolving = true;
  conn->handles++;
  return conn;
}
