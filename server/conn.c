/* conn: one client connection; see conn.h for the lifetime rules.
 *
 * Read path: libuv reads ciphertext into the server's shared buffer, which
 * is fed to the TLS engine at once; plaintext is read from the engine
 * straight into the frame decoder's free space, and whole frames are
 * dispatched. Input stops (uv_read_stop) while the client has max_in_flight
 * requests open or while more than write_high_water bytes wait to be sent to
 * it, so a client that floods or does not read is throttled by TCP instead
 * of growing our buffers.
 *
 * Write path: answers are packed into plain_out; a flush encrypts all of it
 * in one SSL_write (fewer, fuller records) and moves the ciphertext out. At
 * most one uv_write is in flight; ciphertext produced meanwhile waits in
 * cipher_pending and goes out in the write callback. Flushes requested while
 * input is being processed are deferred to the end of it, so a read holding
 * many requests is answered with one write. */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "svc_docs.h"
#include "sp_log.h"
#include "sp_time.h"

#define CLOSE_GRACE_MS 2000
/* After GoAway and the last answer, how long the connection stays open for
 * requests the client sent before it saw the GoAway (they get UNAVAILABLE
 * "draining" and the client sends them elsewhere). Well-behaved clients
 * close first; this bounds the others. */
#define DRAIN_GRACE_MS 500
#define READ_CHUNK (16 * 1024)

static void conn_flush(conn_t *c);
static void conn_flush_now(conn_t *c);
static void conn_process_input(conn_t *c);
static void arm_timer(conn_t *c);

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void on_timer(uv_timer_t *t);

static size_t queued_bytes(const conn_t *c) {
  return sp_buf_used(&c->plain_out) + sp_buf_used(&c->cipher_pending) + sp_buf_used(&c->cipher_inflight);
}

static uint64_t now_ms(const conn_t *c) { return uv_now(c->srv->loop); }

void conn_ref(conn_t *c) { c->refs++; }

srv_session_t *conn_session_current(conn_t *c) {
  srv_session_t *s = c->session;
  if (!s) return NULL;
  uint64_t now = sp_wall_us();
  if (now >= s->expires_at_us || (s->idle_timeout_us && now - s->last_seen_us >= s->idle_timeout_us)) {
    sp_log_info("conn=%llu session %lld of user id %lld expired", (unsigned long long)c->id, (long long)s->session_id,
                (long long)s->user_id);
    conn_session_set(c, NULL);
  }
  return c->session;
}

void conn_session_set(conn_t *c, srv_session_t *s) {
  free(c->session);
  c->session = NULL;
  if (s && c->closing) {
    free(s);
    return;
  }
  c->session = s;
}

void conn_unref(conn_t *c) {
  if (--c->refs > 0) return;
  svc_import_release(c); /* import/export (svc_import.c) */
  svc_docs_release(c);   /* unfinished document uploads (svc_docs.c) */
  free(c->session);
  sp_tls_free(c->tls);
  sp_tls_ctx_unref(c->tls_ctx);
  sp_frame_decoder_free(&c->dec);
  sp_buf_free(&c->plain_out);
  sp_buf_free(&c->cipher_pending);
  sp_buf_free(&c->cipher_inflight);
  free(c);
}

static void on_handle_closed(uv_handle_t *h) {
  conn_t *c = h->data;
  if (--c->open_handles == 0) {
    srv_conn_gone(c->srv, c);
    conn_unref(c);
  }
}

/* Issues the uv_close calls; the memory goes in on_handle_closed. A write
 * still in flight is cancelled by libuv (its callback sees UV_ECANCELED). */
static void conn_finish_close(conn_t *c) {
  if (c->closed) return;
  c->closed = true;
  uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void update_reading(conn_t *c) {
  bool want = !c->closing && !c->paused_busy && !c->paused_write;
  if (want == c->reading) return;
  c->reading = want;
  if (want) {
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) conn_close(c, "read start failed", false);
  } else {
    uv_read_stop((uv_stream_t *)&c->tcp);
  }
}

void conn_close(conn_t *c, const char *why, bool graceful) {
  if (c->closing) return;
  c->closing = true;
  sp_log_debug("conn=%llu peer=%s closing: %s", (unsigned long long)c->id, c->peer, why);
  update_reading(c);
  /* Encrypt what is queued (e.g. a final error frame) before close_notify. */
  conn_flush_now(c);
  if (graceful && c->handshake_done && !c->fatal_tls) {
    sp_tls_shutdown(c->tls);
    conn_flush_now(c);
  }
  if (!c->writing) {
    conn_finish_close(c);
  } else {
    /* Give the last bytes (an error frame, an alert) a moment to leave. */
    uv_timer_start(&c->timer, on_timer, CLOSE_GRACE_MS, 0);
  }
}

static void on_write(uv_write_t *w, int status) {
  conn_t *c = w->data;
  c->writing = false;
  /* Nothing else waits: release the buffer so idle connections stay small. */
  sp_buf_reset(&c->cipher_inflight, sp_buf_used(&c->cipher_pending) ? 64 * 1024 : 0);
  if (status < 0) {
    if (!c->closing) sp_log_debug("conn=%llu write failed: %s", (unsigned long long)c->id, uv_strerror(status));
    c->fatal_tls = true;
    conn_close(c, "write failed", false);
    conn_finish_close(c);
    conn_unref(c);
    return;
  }
  conn_flush(c);
  if (c->closing && !c->writing) conn_finish_close(c);
  if (c->paused_write && queued_bytes(c) <= c->srv->cfg.write_high_water / 2) {
    c->paused_write = false;
    update_reading(c);
    if (!c->closing) conn_process_input(c);
  }
  conn_unref(c);
}

static void start_write(conn_t *c) {
  if (c->writing || c->closed || sp_buf_used(&c->cipher_pending) == 0) return;
  sp_buf_t tmp = c->cipher_inflight;
  c->cipher_inflight = c->cipher_pending;
  c->cipher_pending = tmp;
  uv_buf_t b = uv_buf_init((char *)sp_buf_head(&c->cipher_inflight), (unsigned)sp_buf_used(&c->cipher_inflight));
  c->wreq.data = c;
  int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
  if (rc < 0) {
    c->fatal_tls = true;
    sp_buf_reset(&c->cipher_inflight, 0);
    conn_close(c, "write failed", false);
    return;
  }
  c->writing = true;
  conn_ref(c); /* the write request holds the connection */
}

/* Moves the engine's ciphertext into cipher_pending. */
static void drain_tls(conn_t *c) {
  size_t n;
  while ((n = sp_tls_pending_out(c->tls)) > 0) {
    uint8_t *room = sp_buf_reserve(&c->cipher_pending, n);
    if (!room) {
      /* Over the buffer's hard cap: this client has stopped reading. */
      c->fatal_tls = true;
      sp_log_notice("conn=%llu peer=%s dropped: output buffer full", (unsigned long long)c->id, c->peer);
      if (!c->closing) conn_close(c, "output buffer full", false);
      return;
    }
    sp_buf_commit(&c->cipher_pending, sp_tls_take_out(c->tls, room, n));
  }
}

static void conn_flush(conn_t *c) {
  if (c->in_input) return; /* conn_process_input flushes once at its end */
  conn_flush_now(c);
}

static void conn_flush_now(conn_t *c) {
  if (sp_buf_used(&c->plain_out) && !c->fatal_tls) {
    if (sp_tls_write(c->tls, sp_buf_head(&c->plain_out), sp_buf_used(&c->plain_out)) != SP_TLS_OK) {
      c->fatal_tls = true;
      /* A peer that already closed its side does not read answers: not news. */
      sp_log(c->closing ? SP_LOG_DEBUG : SP_LOG_NOTICE, "conn=%llu peer=%s tls write: %s", (unsigned long long)c->id, c->peer, sp_tls_error(c->tls));
    }
    sp_buf_reset(&c->plain_out, 16 * 1024);
  }
  drain_tls(c);
  start_write(c);
  if (!c->closing && !c->paused_write && queued_bytes(c) > c->srv->cfg.write_high_water) {
    c->paused_write = true;
    update_reading(c);
  }
}

bool conn_send_frame(conn_t *c, const Simpeg__V1__ServerFrame *f) {
  if (c->closing) return false;
  int rc = sp_frame_pack(&c->plain_out, &f->base, (uint32_t)c->srv->cfg.max_frame);
  if (rc != 0) {
    sp_log_warning("conn=%llu could not queue a frame (%d)", (unsigned long long)c->id, rc);
    return false;
  }
  conn_flush(c);
  return true;
}

static void protocol_error(conn_t *c, const char *reason, const char *message) {
  sp_log_notice("conn=%llu peer=%s protocol error: %s", (unsigned long long)c->id, c->peer, message);
  srv_send_protocol_error(c, reason, message);
  conn_close(c, message, true);
}

/* Dispatches buffered frames and pulls plaintext from the engine until it
 * has none, the connection pauses, or it closes. */
static void conn_process_input(conn_t *c) {
  if (c->in_input || c->closing || !c->handshake_done) return;
  c->in_input = true;
  conn_ref(c);
  while (!c->closing && !c->paused_busy && !c->paused_write) {
    const uint8_t *payload;
    size_t len;
    int r = sp_frame_decoder_next(&c->dec, &payload, &len);
    if (r == 1) {
      srv_dispatch(c, payload, len);
      continue;
    }
    if (r == SP_FRAME_EEMPTY) {
      protocol_error(c, "frame_empty", "frame of length 0");
      break;
    }
    if (r == SP_FRAME_ETOOBIG) {
      protocol_error(c, "frame_too_large", "frame longer than max_frame");
      break;
    }
    size_t avail;
    uint8_t *room = sp_frame_decoder_space(&c->dec, READ_CHUNK, &avail);
    if (!room) { /* cannot happen: a full buffer always holds a whole frame */
      protocol_error(c, "frame_too_large", "input buffer full");
      break;
    }
    size_t n = 0;
    int rc = sp_tls_read(c->tls, room, avail, &n);
    if (rc == SP_TLS_OK) {
      sp_frame_decoder_commit(&c->dec, n);
      continue;
    }
    if (rc == SP_TLS_WANT) break;
    if (rc == SP_TLS_CLOSED) {
      conn_close(c, "peer sent close_notify", true);
      break;
    }
    c->fatal_tls = true;
    sp_log_notice("conn=%llu peer=%s tls: %s", (unsigned long long)c->id, c->peer, sp_tls_error(c->tls));
    conn_close(c, "tls error", false);
    break;
  }
  c->in_input = false;
  if (sp_frame_decoder_pending(&c->dec) == 0) sp_frame_decoder_shrink(&c->dec);
  conn_flush(c);
  if (c->closing && !c->writing) conn_finish_close(c);
  conn_unref(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  conn_t *c = h->data;
  buf->base = (char *)c->srv->read_buf;
  buf->len = sizeof(c->srv->read_buf);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = stream->data;
  if (nread == 0) return;
  if (nread < 0) {
    if (sp_frame_decoder_pending(&c->dec))
      sp_log_notice("conn=%llu peer=%s closed in the middle of a frame", (unsigned long long)c->id, c->peer);
    c->fatal_tls = true; /* the peer is gone: no close_notify */
    conn_close(c, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread), false);
    return;
  }
  c->last_activity_ms = now_ms(c);
  if (sp_tls_feed(c->tls, buf->base, (size_t)nread) != SP_TLS_OK) {
    c->fatal_tls = true;
    conn_close(c, "tls feed failed", false);
    return;
  }
  if (!c->handshake_done) {
    int rc = sp_tls_handshake(c->tls);
    if (rc == SP_TLS_ERROR) {
      /* The alert is in the engine's output: flush it so the client learns why. */
      sp_log_notice("conn=%llu peer=%s TLS handshake failed: %s", (unsigned long long)c->id, c->peer,
                    sp_tls_error(c->tls));
      c->fatal_tls = true;
      conn_close(c, "handshake failed", false);
      return;
    }
    if (rc == SP_TLS_WANT) {
      conn_flush(c);
      return;
    }
    c->handshake_done = true;
    if (!sp_tls_peer_fingerprint(c->tls, c->branch_fingerprint)) c->branch_fingerprint[0] = '\0';
    sp_log_debug("conn=%llu peer=%s %s established%s%s", (unsigned long long)c->id, c->peer, sp_tls_version(c->tls),
                 c->branch_fingerprint[0] ? " client-cert=" : "", c->branch_fingerprint);
    arm_timer(c);
  }
  conn_process_input(c);
}

/* One timer per connection: the handshake deadline until the handshake is
 * done, then an idle check that re-arms itself from the last activity (so
 * reads never touch the timer heap), then the close grace period. */
static void arm_timer(conn_t *c) {
  const srv_config_t *cfg = &c->srv->cfg;
  uint64_t delay;
  if (!c->handshake_done) {
    delay = cfg->handshake_timeout_ms;
  } else {
    uint64_t deadline = c->last_activity_ms + cfg->idle_timeout_ms;
    uint64_t now = now_ms(c);
    delay = deadline > now ? deadline - now : 1;
  }
  uv_timer_start(&c->timer, on_timer, delay, 0);
}

static void on_timer(uv_timer_t *t) {
  conn_t *c = t->data;
  if (c->closing) {
    conn_finish_close(c);
    return;
  }
  if (c->draining) {
    if (c->n_inflight == 0 && now_ms(c) - c->last_activity_ms >= DRAIN_GRACE_MS) {
      conn_close(c, "drained", true);
      return;
    }
    uv_timer_start(&c->timer, on_timer, DRAIN_GRACE_MS, 0);
    return;
  }
  if (!c->handshake_done) {
    sp_log_notice("conn=%llu peer=%s handshake timed out", (unsigned long long)c->id, c->peer);
    c->fatal_tls = true;
    conn_close(c, "handshake timeout", false);
    return;
  }
  if (c->n_inflight == 0 && now_ms(c) - c->last_activity_ms >= c->srv->cfg.idle_timeout_ms) {
    sp_log_debug("conn=%llu peer=%s idle timeout", (unsigned long long)c->id, c->peer);
    conn_close(c, "idle timeout", true);
    return;
  }
  if (c->n_inflight) c->last_activity_ms = now_ms(c); /* busy is not idle */
  arm_timer(c);
}

void conn_request_started(conn_t *c, srv_req_t *r) {
  r->next = c->reqs;
  r->prev = NULL;
  if (c->reqs) c->reqs->prev = r;
  c->reqs = r;
  c->n_inflight++;
  conn_ref(c);
  if (c->n_inflight >= c->srv->cfg.max_in_flight && !c->paused_busy) {
    c->paused_busy = true;
    update_reading(c);
  }
}

void conn_request_finished(conn_t *c, srv_req_t *r) {
  if (r->prev) r->prev->next = r->next;
  else c->reqs = r->next;
  if (r->next) r->next->prev = r->prev;
  c->n_inflight--;
  c->last_activity_ms = now_ms(c);
  if (!c->closing) {
    if (c->paused_busy && c->n_inflight < c->srv->cfg.max_in_flight) {
      c->paused_busy = false;
      update_reading(c);
      conn_process_input(c); /* frames may already be buffered */
    }
  }
  conn_unref(c);
}

void conn_goaway(conn_t *c, const char *reason) {
  if (c->closing || c->draining) return;
  c->draining = true;
  if (c->handshake_done) {
    Simpeg__V1__GoAway g = SIMPEG__V1__GO_AWAY__INIT;
    g.reason = (char *)reason;
    g.last_request_id = c->last_request_id;
    Simpeg__V1__ServerFrame f = SIMPEG__V1__SERVER_FRAME__INIT;
    f.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_GOAWAY;
    f.goaway = &g;
    conn_send_frame(c, &f);
    uv_timer_start(&c->timer, on_timer, DRAIN_GRACE_MS, 0);
  } else {
    conn_close(c, "drain before handshake", false);
  }
}

void conn_accept(srv_t *s) {
  conn_t *c = sp_xcalloc(1, sizeof(*c));
  c->srv = s;
  c->refs = 1;
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  c->open_handles = 2;
  c->id = ++s->next_conn_id;
  /* Link first: srv_conn_gone unlinks when the handles close. */
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  if (uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)&c->tcp) != 0) {
    c->closing = true;
    conn_finish_close(c);
    return;
  }
  struct sockaddr_storage ss;
  int sl = sizeof(ss);
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0) {
    char ip[48] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
      port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    } else {
      uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
      port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, port);
  }
  c->tls_ctx = sp_tls_ctx_ref(s->tls);
  c->tls = sp_tls_new(c->tls_ctx, NULL);
  sp_frame_decoder_init(&c->dec, (uint32_t)s->cfg.max_frame);
  /* Output may hold up to max_in_flight answers of max_frame each; the hard
   * cap is there for a client that stops reading pushes. */
  size_t out_cap = (size_t)s->cfg.write_high_water + 2 * (size_t)s->cfg.max_frame + 65536;
  sp_buf_init(&c->plain_out, out_cap);
  sp_buf_init(&c->cipher_pending, out_cap + out_cap / 8);
  sp_buf_init(&c->cipher_inflight, out_cap + out_cap / 8);
  c->last_activity_ms = now_ms(c);
  if (s->nconns > s->cfg.max_connections || s->draining) {
    sp_log_warning("refusing connection from %s: %s", c->peer, s->draining ? "draining" : "max_connections reached");
    c->fatal_tls = true;
    conn_close(c, "over capacity", false);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_tcp_keepalive(&c->tcp, 1, 60);
  arm_timer(c);
  update_reading(c);
}
