/* sp_tls: a TLS engine over OpenSSL memory BIOs, shared by daemon and client.
 *
 * It knows nothing of sockets or event loops: ciphertext goes in with
 * sp_tls_feed, ciphertext to send comes out with sp_tls_take_out, plaintext is
 * read with sp_tls_read and queued with sp_tls_write. The caller pumps:
 *
 *   on bytes from the network:  sp_tls_feed; if !handshake_done,
 *                               sp_tls_handshake; then sp_tls_read until 0;
 *                               then send whatever sp_tls_take_out yields.
 *   to send plaintext:          sp_tls_write; then send sp_tls_take_out.
 *
 * After every call that may produce output (handshake, read, write,
 * shutdown) the caller must drain sp_tls_take_out: TLS 1.3 writes tickets,
 * alerts and KeyUpdate answers from inside reads.
 *
 * Defaults: TLS 1.3 only; TLS 1.2 as a minimum only when configured; never
 * anything older. ALPN "simpeg/1" is required on both sides. The client
 * verifies the server certificate chain against its CA file and the host
 * name (or IP address). The server can require client certificates (mutual
 * TLS). Error strings are meant for a person: they say what is wrong and
 * what to check (e.g. "certificate has expired (notAfter 2024-01-01)").
 *
 * Ownership: sp_tls_ctx_t is reference counted (a reload makes a new one;
 * connections keep the old one alive until they close). sp_tls_t is owned by
 * its connection and freed with sp_tls_free. */
#ifndef SP_TLS_H
#define SP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_TLS_ALPN "simpeg/1"

typedef struct sp_tls_config {
  const char *cert_file;  /* PEM chain: server cert (server) or client cert (client, optional) */
  const char *key_file;   /* PEM private key matching cert_file */
  const char *ca_file;    /* PEM trust anchors: for the client, to verify the server;
                             for the server, to verify client certificates */
  const char *crl_file;   /* optional PEM CRL checked for peer certificates */
  int min_version;        /* 13 (default when 0) or 12 */
  bool require_client_cert; /* server only: mutual TLS */
} sp_tls_config_t;

typedef struct sp_tls_ctx sp_tls_ctx_t;
typedef struct sp_tls sp_tls_t;

/* Result codes of the engine calls. */
enum {
  SP_TLS_OK = 0,      /* done */
  SP_TLS_WANT = 1,    /* needs more ciphertext from the peer */
  SP_TLS_CLOSED = 2,  /* the peer sent close_notify */
  SP_TLS_ERROR = -1,  /* fatal; sp_tls_error() says why; do not call sp_tls_shutdown */
};

/* Build a context. NULL on failure with a message in err. */
sp_tls_ctx_t *sp_tls_ctx_new_server(const sp_tls_config_t *cfg, char *err, size_t errlen);
sp_tls_ctx_t *sp_tls_ctx_new_client(const sp_tls_config_t *cfg, char *err, size_t errlen);
sp_tls_ctx_t *sp_tls_ctx_ref(sp_tls_ctx_t *ctx);
void sp_tls_ctx_unref(sp_tls_ctx_t *ctx);

/* One connection. For a client, `server_name` is the host name or IP
 * address that the server certificate must match (and the SNI sent). */
sp_tls_t *sp_tls_new(sp_tls_ctx_t *ctx, const char *server_name);
void sp_tls_free(sp_tls_t *t);

int sp_tls_feed(sp_tls_t *t, const void *cipher, size_t n); /* SP_TLS_OK or SP_TLS_ERROR */
int sp_tls_handshake(sp_tls_t *t);                           /* OK, WANT or ERROR */
bool sp_tls_handshake_done(const sp_tls_t *t);
/* Reads plaintext: OK with *nread > 0, WANT (nothing available), CLOSED or ERROR. */
int sp_tls_read(sp_tls_t *t, void *out, size_t cap, size_t *nread);
/* Pointer into the engine's own plaintext is not offered; callers read into
 * their frame decoder's space directly with sp_tls_read. */
int sp_tls_write(sp_tls_t *t, const void *plain, size_t n); /* OK or ERROR; all n bytes are taken */
/* Queues close_notify (only after a successful handshake and no fatal error). */
int sp_tls_shutdown(sp_tls_t *t);

/* Ciphertext waiting to be sent. */
size_t sp_tls_pending_out(const sp_tls_t *t);
/* Moves up to cap bytes of pending ciphertext into out; returns the count. */
size_t sp_tls_take_out(sp_tls_t *t, void *out, size_t cap);

/* Human-readable reason of the last SP_TLS_ERROR (never NULL). */
const char *sp_tls_error(const sp_tls_t *t);
/* Negotiated protocol, e.g. "TLSv1.3" (after the handshake). */
const char *sp_tls_version(const sp_tls_t *t);
/* Peer certificate: SHA-256 fingerprint as 64 lowercase hex chars and the
 * subject CN. false when there is no (verified) peer certificate. */
bool sp_tls_peer_fingerprint(const sp_tls_t *t, char out[65]);
bool sp_tls_peer_common_name(const sp_tls_t *t, char *out, size_t cap);

/* Notes for callers (behaviour of the implementation in sp_tls.c):
 *
 * - sp_tls_write before the handshake is done queues the plaintext (cap
 *   64 MiB) and sends it when the handshake succeeds; never as 0-RTT.
 * - sp_tls_read drives an unfinished handshake itself (with all checks), so
 *   "feed, then read until WANT" is a complete pump; cap == 0 gives WANT.
 * - Mutual TLS under TLS 1.3: a client the server refuses still sees
 *   sp_tls_handshake return OK; the refusal arrives as SP_TLS_ERROR from its
 *   first sp_tls_read ("server requires a client certificate ..." or
 *   "server rejected our client certificate (...)"). So a client must treat
 *   the session as established only after the server's first frame.
 *   The server side fails in sp_tls_handshake and is never handshake_done.
 * - After SP_TLS_ERROR, still drain sp_tls_take_out once (it may hold the
 *   alert that tells the peer why), then close the socket.
 * - A TCP EOF before sp_tls_read returned SP_TLS_CLOSED is a truncated
 *   stream, not an orderly close (SSL_OP_IGNORE_UNEXPECTED_EOF is not set,
 *   but OpenSSL never sees the EOF: the caller does).
 * - sp_tls_shutdown before the handshake finished is a no-op returning OK.
 * - Input fed with sp_tls_feed is not bounded here: stop reading the socket
 *   (backpressure) rather than feeding what you cannot consume.
 * - sp_tls_version is "none" until the handshake is done.
 * - sp_tls_peer_common_name fails rather than truncate when cap is short.
 * - No session tickets or resumption: every connection does a full
 *   handshake (so a refreshed CRL always applies).
 * - Context reference counts are atomic. */

#endif
