/* spc_internal: what the files of libsimpeg-client share and callers never
 * see: the client and connection structs, the request record, and the
 * calls between the client (queue, deadlines, reconnect: spc_client.c) and
 * a connection (DNS, TCP, TLS pump, frames, Hello: spc_conn.c). */
#ifndef SPC_INTERNAL_H
#define SPC_INTERNAL_H

#include <libintl.h>
#include <netdb.h>

#include "sp_buf.h"
#include "sp_config.h"
#include "sp_frame.h"
#include "spc.h"
#include "spc_idtable.h"

/* The library translates through the program's domain without touching
 * the process-wide default domain (that belongs to the program). */
#define _(s) dgettext(GETTEXT_PACKAGE, s)
#define N_(s) s

#define SPC_READ_CHUNK 65536
/* Stop feeding queued requests into a connection while this much
 * ciphertext waits for the socket; resume from the write callback. */
#define SPC_WRITE_HIGH_WATER (1u << 20)
/* Used until HelloReply says otherwise. */
#define SPC_DEFAULT_IN_FLIGHT 16
#define SPC_HELLO_MAX_FRAME (64u * 1024)
#define SPC_MAX_DRAIN_RETRIES 3

/* Circular doubly linked list with a sentinel; O(1) unlink from anywhere. */
typedef struct spc_link {
  struct spc_link *prev, *next;
} spc_link_t;

static inline void spc_list_init(spc_link_t *l) { l->prev = l->next = l; }
static inline int spc_list_empty(const spc_link_t *l) { return l->next == l; }
static inline int spc_link_linked(const spc_link_t *n) { return n->next != NULL && n->next != n; }
static inline void spc_list_push_back(spc_link_t *l, spc_link_t *n) {
  n->prev = l->prev;
  n->next = l;
  l->prev->next = n;
  l->prev = n;
}
static inline void spc_list_push_front(spc_link_t *l, spc_link_t *n) {
  n->next = l->next;
  n->prev = l;
  l->next->prev = n;
  l->next = n;
}
static inline void spc_list_unlink(spc_link_t *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = n;
}
#define spc_container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

typedef struct spc_conn spc_conn_t;

/* One accepted call, from spc_client_call until its callback has run and,
 * if it was sent, until the server answered or the connection closed. */
typedef struct spc_req {
  uint64_t id;
  spc_response_cb cb;
  void *ud;
  uint64_t deadline;    /* uv_now() milliseconds */
  uint8_t *frame;       /* packed frame, header included; kept until answered so that
                           a GoAway can send it again on a new connection */
  size_t frame_len;
  spc_link_t by_deadline; /* in client->deadlines while the callback is pending */
  spc_link_t in_queue;    /* in client->queue while waiting to be sent */
  spc_conn_t *conn;       /* the connection whose table holds it, once sent */
  bool answered;          /* callback has run (timed out): drop the late answer */
  uint8_t retries;        /* times sent again after a draining server refused it */
} spc_req_t;

typedef enum conn_state {
  CONN_RESOLVING,
  CONN_CONNECTING,
  CONN_HANDSHAKE,
  CONN_HELLO,
  CONN_READY,
  CONN_DRAINING, /* GoAway received: answers only */
  CONN_CLOSING,
} conn_state_t;

struct spc_conn {
  spc_client_t *client;
  spc_link_t link; /* client->conns */
  conn_state_t state;
  int handles;     /* open handles and pending requests; freed at 0 once closing */

  uv_getaddrinfo_t gai;
  bool resolving;
  struct addrinfo *addrs;
  struct addrinfo *next_addr;
  char cur_addr[64];            /* the address being connected to, for messages */
  char last_connect_error[160];
  int last_connect_sys;
  uv_tcp_t tcp;
  bool tcp_open;
  uv_connect_t connect_req;
  uv_timer_t timer; /* connect deadline, then the close guard */
  bool timer_open;

  sp_tls_t *tls;
  sp_frame_decoder_t decoder;
  uint8_t *rbuf; /* SPC_READ_CHUNK bytes of ciphertext from the socket */
  bool reading;

  uv_write_t write_req;
  bool writing;
  sp_buf_t wpending;  /* ciphertext accumulated while a write is in flight */
  sp_buf_t winflight; /* the bytes of the write in flight */
  bool close_after_write;

  sp_buf_t staging;   /* plaintext frames batched into one sp_tls_write */
  bool was_ready;
  spc_error_t close_err; /* why it closes; given to what was in flight */

  spc_idtable_t in_flight; /* id -> spc_req_t (answered ones keep their slot) */
  size_t abandoned;        /* of those, how many timed out already */
  uint64_t hello_id;
  uint32_t max_in_flight;
  uint32_t max_frame_out;
};

struct spc_client {
  uv_loop_t *loop;
  char *host;
  uint16_t port;
  char server_addr[128]; /* as given, for messages */
  char *server_name;
  char *client_name;
  char *client_version;
  sp_tls_ctx_t *tls_ctx;
  uint32_t connect_timeout_ms;
  uint32_t request_timeout_ms;
  uint32_t max_frame_in;
  bool reconnect;
  uint32_t reconnect_min_ms, reconnect_max_ms;
  uint32_t queue_max;

  spc_state_t state;
  spc_conn_t *active; /* the connection new requests go to (NULL when none) */
  spc_link_t conns;   /* every live connection, active or draining or closing */
  spc_link_t queue;   /* requests waiting to be sent, in order */
  size_t queued;
  spc_link_t deadlines; /* requests with callbacks pending, oldest first */
  size_t pending;
  uint64_t next_id;

  uv_timer_t deadline_timer;
  uv_timer_t backoff_timer;
  int handles;
  uint32_t backoff_ms;
  spc_error_t last_error; /* what ended the last connection, for FAILED */

  spc_server_info_t info;
  spc_state_cb on_state;
  spc_event_cb on_event;
  void *cb_ud;
  bool closing;
  spc_close_cb close_cb;
  void *close_ud;
};

/* spc_error.c */
void spc_error_set(spc_error_t *e, const spc_client_t *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* spc_conn.c: starting, feeding and closing one connection. */
spc_conn_t *spc_conn_start(spc_client_t *c);
/* Whether the connection takes another request now. */
bool spc_conn_can_send(const spc_conn_t *conn);
/* Hands the request's frame to TLS and records it in flight; the ciphertext
 * goes out with spc_conn_flush. 0 or SPC_ETOOBIG (request failed, nothing
 * sent) or SPC_ETLS (the connection is failing). */
int spc_conn_send(spc_conn_t *conn, spc_req_t *req);
void spc_conn_flush(spc_conn_t *conn);
/* Fails everything in flight with `err` and closes; `graceful` sends
 * close_notify first when the TLS session is healthy. */
void spc_conn_close(spc_conn_t *conn, const spc_error_t *err, bool graceful);
/* A draining connection with nothing left in flight closes itself. */
void spc_conn_maybe_finish_drain(spc_conn_t *conn);

/* spc_client.c: what a connection reports to its client. */
void spc_client_on_ready(spc_client_t *c, spc_conn_t *conn, const Simpeg__V1__HelloReply *hr);
/* The connection is gone and freed (from a close callback). `was_ready`:
 * it had completed Hello; `was_active`: it was the one taking requests. */
void spc_client_on_conn_closed(spc_client_t *c, const spc_error_t *err, bool was_ready,
                               bool was_active);
/* After a GoAway: the connection is no longer active; the requests it will
 * not answer were already put back with spc_client_requeue. */
void spc_client_on_goaway(spc_client_t *c, spc_conn_t *conn, const Simpeg__V1__GoAway *ga);
void spc_client_on_event(spc_client_t *c, const Simpeg__V1__Event *ev);
/* Runs the callback of a request that has not been answered yet and marks
 * it answered. The request is freed too unless a connection's table still
 * holds it (req->conn set), which then frees it when the late answer comes
 * or the connection closes. */
void spc_client_complete(spc_client_t *c, spc_req_t *req, int status, Simpeg__V1__Response *resp,
                         const spc_error_t *err);
/* Puts a request the server will not answer back into the queue, in id
 * order (the queue is always sorted by id: ids are issued in call order). */
void spc_client_requeue(spc_client_t *c, spc_req_t *req);
/* Requeues a request that a draining server refused unexecuted and makes
 * sure a connection will take it. */
void spc_client_retry(spc_client_t *c, spc_req_t *req);
/* Sends what the active connection can take now. */
void spc_client_flush_queue(spc_client_t *c);
void spc_req_free(spc_req_t *req);

#endif
