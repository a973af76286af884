/* conn: one client connection: TCP + TLS engine + frame decoder + bounded
 * write path with backpressure, handshake/idle time-outs, and the requests
 * it has in flight.
 *
 * Lifetime: a connection is reference counted. The socket holds one
 * reference and every request in flight holds one, so a handler that answers
 * after the client went away finds conn->closing set and drops the answer;
 * the memory goes when the last reference does (after the libuv close
 * callbacks). */
#ifndef SIMPEGD_CONN_H
#define SIMPEGD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "authz.h"
#include "server.h"
#include "simpeg.pb-c.h"
#include "sp_buf.h"
#include "sp_frame.h"
#include "sp_tls.h"

typedef struct srv_req srv_req_t;

struct conn {
  srv_t *srv;
  uint64_t id;
  uv_tcp_t tcp;
  uv_timer_t timer; /* handshake deadline, then idle checks, then close deadline */
  uv_write_t wreq;
  int open_handles;
  int refs;

  sp_tls_t *tls;
  sp_tls_ctx_t *tls_ctx; /* the context this connection was made with */
  sp_frame_decoder_t dec;
  sp_buf_t plain_out;       /* frames not yet encrypted */
  sp_buf_t cipher_pending;  /* ciphertext waiting for the write in flight */
  sp_buf_t cipher_inflight; /* ciphertext owned by the write in flight */

  conn_t *next, *prev; /* in srv->conns */
  srv_req_t *reqs;     /* requests in flight */
  uint32_t n_inflight;
  uint64_t last_request_id; /* highest id read: GoAway tells the client what was taken */

  uint64_t last_activity_ms;
  char peer[64];
  char client_name[64];
  char branch_fingerprint[65]; /* mutual TLS: SHA-256 of the client certificate */
  char branch_path[SRV_OFFICE_PATH_MAX]; /* office subtree this machine is limited to; empty: none */
  srv_session_t *session;      /* signed-in user, or NULL (anonymous) */
  struct import_state *import; /* the bulk import in progress, or NULL (svc_import.c owns it) */
  struct doc_upload *uploads;  /* document uploads in progress (svc_docs.c owns them) */
  bool subscribed;             /* Subscribe("request"): pushed request events (listen.c) */

  bool handshake_done;
  bool hello_done;
  bool writing;
  bool reading;
  bool in_input;      /* inside conn_process_input: defer flushes and re-entry */
  bool paused_write;  /* too much queued for a client that does not read */
  bool paused_busy;   /* max_in_flight reached */
  bool draining;      /* GoAway sent; close when the last request is answered */
  bool closing;
  bool closed;        /* uv_close issued */
  bool fatal_tls;     /* no close_notify after a fatal TLS error */
};

/* Accepts one pending connection from the listener. */
void conn_accept(srv_t *s);
/* Closes: graceful sends close_notify and flushes what is queued first. */
void conn_close(conn_t *c, const char *why, bool graceful);
/* Sends GoAway and closes once nothing is in flight. */
void conn_goaway(conn_t *c, const char *reason);
/* Queues one server frame (packed now) and schedules a flush. false when
 * the connection is closing or the frame could not be queued. */
bool conn_send_frame(conn_t *c, const Simpeg__V1__ServerFrame *f);
/* Request bookkeeping for dispatch.c. */
void conn_request_started(conn_t *c, srv_req_t *r);
void conn_request_finished(conn_t *c, srv_req_t *r);
/* The connection's session if it is still valid (not expired, not idle too
 * long); an expired one is dropped here and NULL returned. It says nothing
 * of revocation: dispatch re-checks a session against the database when its
 * last confirmation is older than auth.session_recheck_s (svc_auth.h). */
srv_session_t *conn_session_current(conn_t *c);
/* Replaces the connection's session (NULL: signs it out) and frees the old
 * one; the connection takes ownership of `s` (freed at once if it is
 * closing). Handlers never keep c->session across a callback: it may be
 * dropped meanwhile (copy what they need, as svc_actor_new does). */
void conn_session_set(conn_t *c, srv_session_t *s);
void conn_ref(conn_t *c);
void conn_unref(conn_t *c);

#endif
