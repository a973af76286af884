/* spc: libsimpeg-client, the asynchronous simpeg client on a libuv loop.
 *
 * One spc_client_t talks to one server address over one TLS connection at a
 * time (plus, briefly, a connection that is draining after a GoAway). Many
 * requests may be in flight; responses are matched to callers by request
 * id. The library chooses ids; callers never see the wire framing.
 *
 * Lifecycle and ownership (libuv style):
 *   - spc_client_new allocates the client; spc_client_close starts closing
 *     it and frees it after every handle it owns is closed, then calls the
 *     close callback. After that the loop has nothing of ours left, so
 *     uv_loop_close() can succeed.
 *   - Every accepted spc_client_call gets exactly one callback, never from
 *     inside spc_client_call itself. The Response handed to the callback
 *     belongs to the callback: free it with spc_response_free (it may be
 *     NULL on failures that carry no response).
 *   - The spc_error_t handed to callbacks is valid during the callback only,
 *     except `server`, which points into the Response and lives as long as it.
 *
 * Connecting: on demand. The first call (or spc_client_connect) resolves the
 * host with uv_getaddrinfo, connects over TCP (trying every address), runs
 * the TLS handshake, sends Hello and waits for HelloReply; connect_timeout_ms
 * covers all of that. Only after HelloReply is the connection "ready" (with
 * mutual TLS 1.3 a rejected client certificate shows up only then).
 *
 * While not ready, calls queue (at most queue_max of them). A failed connect
 * attempt fails every queued call with its error: callers learn promptly
 * instead of waiting out their time-outs. With `reconnect`, the next call
 * starts a new attempt after the back-off delay (doubling from
 * reconnect_min_ms up to reconnect_max_ms, reset by a successful Hello);
 * without it, a client whose connection failed or ended refuses further
 * calls with the error that ended it.
 *
 * GoAway: the connection takes no new requests, finishes what the server
 * promised to answer and closes; requests the server will not answer (ids
 * above GoAway.last_request_id) are sent again on a new connection when
 * `reconnect` is set, or fail with SPC_ECLOSED.
 *
 * Programs using the library should ignore SIGPIPE (libuv writes to
 * sockets with plain write(2)); a library must not change signal handling.
 *
 * Time-outs: every call has the same request_timeout_ms, counted from
 * spc_client_call (queueing included). A timed-out request keeps its
 * in-flight slot until the server answers (the answer is dropped) or the
 * connection closes, so the server's max_in_flight is never exceeded. */
#ifndef SPC_H
#define SPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "simpeg.pb-c.h"
#include "sp_tls.h"

/* Error codes (negative, 0 is success). */
enum {
  SPC_OK = 0,
  SPC_EINVAL = -1,        /* bad options (e.g. a malformed server address) */
  SPC_ETLSCONFIG = -2,    /* cannot load CA / certificate / key files */
  SPC_EDNS = -3,          /* the server's host name does not resolve */
  SPC_ECONNECT = -4,      /* TCP connect failed (refused, unreachable, ...) */
  SPC_ETLS = -5,          /* TLS handshake or record failure; detail has sp_tls_error */
  SPC_ECONNTIMEOUT = -6,  /* connect + TLS + Hello did not finish in connect_timeout_ms */
  SPC_ETIMEDOUT = -7,     /* no response within request_timeout_ms */
  SPC_EPROTO = -8,        /* malformed frame or message, or Hello refused */
  SPC_ECLOSED = -9,       /* the connection closed before the response arrived */
  SPC_ESERVER = -10,      /* the server answered with Response.error (see `server`) */
  SPC_EBUSY = -11,        /* queue_max requests are already waiting */
  SPC_ETOOBIG = -12,      /* the request exceeds the server's max_frame */
  SPC_ECANCELED = -13,    /* the client was closed before the response arrived */
};

typedef struct spc_error {
  int code;                          /* SPC_E* */
  int sys;                           /* the libuv error behind it (UV_ECONNREFUSED...), or 0 */
  char detail[256];                  /* English detail for the code, e.g. the TLS reason */
  char server_addr[128];             /* the "host:port" it is about */
  uint32_t timeout_ms;               /* for the two time-out codes */
  bool tls_after_handshake;          /* SPC_ETLS after our handshake finished: with
                                        TLS 1.3 that is the server refusing our
                                        client certificate */
  const Simpeg__V1__Error *server;   /* for SPC_ESERVER: points into the Response */
} spc_error_t;

typedef struct spc_options {
  const char *server;         /* "host:port" or "[v6addr]:port" (required) */
  const char *ca_file;        /* trust anchors for the server certificate */
  const char *cert_file;      /* optional client certificate (mutual TLS) */
  const char *key_file;       /* its key */
  const char *server_name;    /* name the certificate must match; default: the host */
  sp_tls_ctx_t *tls_ctx;      /* optional shared context (referenced); overrides the files */
  uint32_t connect_timeout_ms;  /* default 10000 */
  uint32_t request_timeout_ms;  /* default 30000 */
  bool reconnect;             /* reconnect on demand after a failure or GoAway */
  uint32_t reconnect_min_ms;  /* default 100 */
  uint32_t reconnect_max_ms;  /* default 10000 */
  uint32_t queue_max;         /* calls waiting to be sent; default 1024 */
  uint32_t max_frame;         /* largest frame accepted from the server; default 4 MiB */
  const char *client_name;    /* sent in Hello; default "libsimpeg-client" */
  const char *client_version; /* sent in Hello; default SIMPEG_VERSION */
} spc_options_t;

typedef enum spc_state {
  SPC_STATE_IDLE,       /* no connection; the next call starts one */
  SPC_STATE_CONNECTING, /* resolving, connecting, handshaking or waiting for HelloReply */
  SPC_STATE_READY,      /* HelloReply received; requests flow */
  SPC_STATE_BACKOFF,    /* waiting before the next attempt */
  SPC_STATE_FAILED,     /* no reconnect: the connection failed or ended for good */
  SPC_STATE_CLOSED,     /* spc_client_close was called */
} spc_state_t;

typedef struct spc_client spc_client_t;

/* `resp` is owned by the callee (free with spc_response_free); NULL when the
 * call failed before a response arrived. On SPC_ESERVER, resp->error is set
 * and err->server points to it. `err` is NULL on success. */
typedef void (*spc_response_cb)(spc_client_t *c, int status, Simpeg__V1__Response *resp,
                                const spc_error_t *err, void *ud);
/* Pushed events; `ev` is valid during the callback only. */
typedef void (*spc_event_cb)(spc_client_t *c, const Simpeg__V1__Event *ev, void *ud);
/* Connection state changes (SPC_STATE_CONNECTING may be reported from
 * inside spc_client_call or spc_client_connect). `err` explains SPC_STATE_BACKOFF/FAILED/IDLE
 * after a failure; NULL otherwise. `goaway` is set when the change is due to
 * a GoAway (valid during the callback only). */
typedef void (*spc_state_cb)(spc_client_t *c, spc_state_t state, const spc_error_t *err,
                             const Simpeg__V1__GoAway *goaway, void *ud);
/* Runs once the client is freed (so it gets no client pointer). */
typedef void (*spc_close_cb)(void *ud);

/* Server facts learnt from HelloReply (valid while the client lives; zeroed
 * until the first Hello completes). */
typedef struct spc_server_info {
  uint32_t protocol_version;
  char server_name[64];
  char server_version[64];
  char instance_id[64];
  uint32_t max_frame;
  uint32_t max_in_flight;
} spc_server_info_t;

void spc_options_init(spc_options_t *opt);

/* NULL on bad options or unusable TLS files, with `err` filled in. */
spc_client_t *spc_client_new(uv_loop_t *loop, const spc_options_t *opt, spc_error_t *err);
void spc_client_set_callbacks(spc_client_t *c, spc_state_cb on_state, spc_event_cb on_event,
                              void *ud);
/* Starts connecting now (otherwise the first call does). 0, or the error
 * that makes connecting impossible (closed, or failed without reconnect). */
int spc_client_connect(spc_client_t *c);
/* Sends `req` (its `call` must be set; the library sets `id`). The request
 * is packed before this returns, so `req` may be freed right away. 0 and the
 * callback later, or a negative SPC_E* code now and no callback. */
int spc_client_call(spc_client_t *c, Simpeg__V1__Request *req, spc_response_cb cb, void *ud,
                    uint64_t *id_out);
/* Fails every pending call with SPC_ECANCELED (from loop callbacks, never
 * from inside this function), sends close_notify, closes all handles, frees
 * the client, then calls `cb` (may be NULL). Calling it twice is a no-op. */
void spc_client_close(spc_client_t *c, spc_close_cb cb, void *ud);

spc_state_t spc_client_state(const spc_client_t *c);
const spc_server_info_t *spc_client_server_info(const spc_client_t *c);
/* Calls accepted and not yet answered (queued + in flight). */
size_t spc_client_pending(const spc_client_t *c);
uv_loop_t *spc_client_loop(const spc_client_t *c);

void spc_response_free(Simpeg__V1__Response *resp);

/* Stable English name of an SPC_E* code ("SPC_ETLS"). */
const char *spc_code_name(int code);
/* Name of a server error code without prefix ("INVALID_ARGUMENT"). */
const char *spc_server_code_name(int server_code);

/* The error in words for a person, translated through gettext (domain
 * "simpeg"): a first line saying what failed, then, when useful, lines with
 * details (field violations) and a hint on what to check. Newly allocated;
 * the caller frees it. */
char *spc_error_text(const spc_error_t *err);

/* ---- synchronous convenience layer ----
 *
 * For command-line tools: a private loop that runs until the answer
 * arrives. Not thread-safe; one spc_sync_t per thread. */
typedef struct spc_sync spc_sync_t;

/* Connects (DNS, TCP, TLS, Hello) and returns the session, or NULL with
 * `err` filled in. */
spc_sync_t *spc_sync_open(const spc_options_t *opt, spc_error_t *err);
/* 0 with *resp set; SPC_ESERVER with *resp set (err->server points into it);
 * another SPC_E* with *resp NULL. The caller frees *resp. */
int spc_sync_call(spc_sync_t *s, Simpeg__V1__Request *req, Simpeg__V1__Response **resp,
                  spc_error_t *err);
/* Events the server pushes (after Subscribe) are kept in arrival order, at
 * most 1024 (the oldest go beyond that), while calls and sleeps run the
 * loop. Waits up to timeout_ms for the next one: 0 with *ev set (free it
 * with simpeg__v1__event__free_unpacked(*ev, NULL)), SPC_ETIMEDOUT when
 * none came, or the SPC_E* code of what ended the connection (err filled
 * in). */
int spc_sync_next_event(spc_sync_t *s, uint32_t timeout_ms, Simpeg__V1__Event **ev, spc_error_t *err);
/* Runs the loop for `ms` milliseconds (keeps the connection serviced). */
void spc_sync_sleep(spc_sync_t *s, uint32_t ms);
const spc_server_info_t *spc_sync_server_info(const spc_sync_t *s);
/* Closes the connection, runs the loop until everything is closed and
 * closes the loop. */
void spc_sync_close(spc_sync_t *s);

#endif
