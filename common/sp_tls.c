/* sp_tls: the TLS engine over OpenSSL memory BIOs (contract in sp_tls.h).
 *
 * This file owns: building SSL_CTXs from sp_tls_config_t (protocol floor,
 * ALPN, trust, CRL, mutual TLS), the per-connection SSL with its two memory
 * BIOs, the handshake/read/write/shutdown state machine, and turning
 * OpenSSL's error queue and verify results into sentences a person can act
 * on. It owns no sockets, no event loop and no logging.
 *
 * Decisions worth knowing (also summarised in sp_tls.h where callers care):
 *
 * - Reference count: atomic. A context is normally used on the one loop
 *   thread, but an atomic costs nothing and keeps a context safe to hand to
 *   another thread (SSL_CTX itself is thread-safe for SSL_new).
 * - SSL_OP_IGNORE_UNEXPECTED_EOF is not set. It would not matter anyway:
 *   the read BIO returns "retry" when empty (BIO_set_mem_eof_return -1), so
 *   OpenSSL never sees EOF. Truncation is detected by the caller: a TCP EOF
 *   that arrives before sp_tls_read returned SP_TLS_CLOSED is a truncated
 *   stream, not an orderly close.
 * - Session tickets and the server session cache are off. The engine offers
 *   no resumption API, so tickets would be bytes for nothing; and a resumed
 *   session would skip client-certificate verification against a CRL that
 *   was refreshed since. Every connection does a full handshake.
 * - Plaintext written before the handshake completes is queued here (up to
 *   SP_TLS_EARLY_MAX) and sent as soon as the handshake succeeds, so callers
 *   may queue their first frame right after sp_tls_new. It is never sent as
 *   0-RTT data.
 * - Private keys must be unencrypted: a passphrase callback that returns
 *   nothing stops OpenSSL from prompting on a terminal inside a daemon. */
#include "sp_tls.h"

#include "sp_buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Cap on plaintext queued before the handshake finishes. */
#define SP_TLS_EARLY_MAX ((size_t)64 * 1024 * 1024)

/* Ciphers for TLS 1.2 (only when enabled): forward secret AEAD suites. TLS
 * 1.3 suites are OpenSSL's defaults, which are all AEAD. */
#define SP_TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"

/* Identifies our sessions to OpenSSL; required whenever the server verifies
 * client certificates, or resumption attempts fail hard. */
static const unsigned char sid_ctx[] = "simpeg";

/* ALPN wire format: one length byte, then the name. */
static const unsigned char alpn_wire[] = "\x08" SP_TLS_ALPN;
#define ALPN_WIRE_LEN (sizeof(alpn_wire) - 1)
#define ALPN_NAME_LEN (sizeof(SP_TLS_ALPN) - 1)

_Static_assert(sizeof(SP_TLS_ALPN) - 1 == 8, "ALPN length byte above");

struct sp_tls_ctx {
  SSL_CTX *ssl_ctx;
  atomic_int refs;
  bool server;
  int min_version; /* 12 or 13, for messages */
  char *ca_file;   /* copies, for messages; may be NULL */
  char *crl_file;
};

struct sp_tls {
  sp_tls_ctx_t *ctx;
  SSL *ssl;
  BIO *rbio; /* owned by ssl */
  BIO *wbio; /* owned by ssl */
  bool server;
  bool done;        /* handshake finished and our own checks passed */
  bool fatal;       /* an SP_TLS_ERROR was returned; no more SSL calls */
  bool peer_closed; /* close_notify received */
  bool shut_sent;   /* our close_notify queued */
  sp_buf_t early;   /* plaintext written before the handshake finished */

  char name[256]; /* client: host name or IP the server must match */
  bool name_is_ip;

  /* Why our own callback refused the handshake (ALPN); wins over the
   * generic OpenSSL reason, which would only say "callback failed". */
  char cb_msg[200];

  /* First failure seen by the verify callback and the certificate it was
   * about, so the message can name dates and issuers. */
  int verify_err;
  int verify_depth;
  char v_subject[96];
  char v_issuer[96];
  char v_not_before[32];
  char v_not_after[32];

  char err[512];
};

/* ---- small helpers ---------------------------------------------------- */

static void copy_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void copy_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static void set_err(sp_tls_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_err(sp_tls_t *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->err, sizeof(t->err), fmt, ap);
  va_end(ap);
}

/* Marks the connection dead. The error queue is emptied so that stale
 * entries cannot confuse a later diagnosis on this thread. */
static int fail(sp_tls_t *t) {
  t->fatal = true;
  ERR_clear_error();
  return SP_TLS_ERROR;
}

/* Certificate fields end up in logs: keep them printable so a hostile peer
 * cannot forge log lines. */
static void sanitize(char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f) *s = '?';
  }
}

/* Reason text of the earliest queued OpenSSL error: the root cause (later
 * entries are wrappers such as "PEM lib"). */
static const char *ossl_reason(void) {
  unsigned long e = ERR_peek_error();
  if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
    return "no PEM data of the expected kind in the file";
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  return r ? r : "unknown OpenSSL error";
}

static bool is_key_mismatch(unsigned long e) {
  return ERR_GET_LIB(e) == ERR_LIB_X509 && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
                                            ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH);
}

/* Copies the first commonName of `nm` as UTF-8. Fails (rather than
 * truncating) when it does not fit or contains a NUL. */
static bool name_cn(const X509_NAME *nm, char *out, size_t cap) {
  if (!nm || cap == 0) return false;
  int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
  if (i < 0) return false;
  const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
  unsigned char *u = NULL;
  int n = ASN1_STRING_to_UTF8(&u, d);
  if (n < 0) return false;
  bool ok = (size_t)n < cap && memchr(u, 0, (size_t)n) == NULL;
  if (ok) {
    memcpy(out, u, (size_t)n);
    out[n] = '\0';
  }
  OPENSSL_free(u);
  return ok;
}

/* For messages: the CN, else the whole name on one line, truncated. */
static void name_for_msg(const X509_NAME *nm, char *out, size_t cap) {
  if (!name_cn(nm, out, cap)) {
    out[0] = '\0';
    if (nm) X509_NAME_oneline(nm, out, (int)(cap > INT_MAX ? INT_MAX : cap));
    if (!out[0]) snprintf(out, cap, "(no name)");
  }
  sanitize(out);
}

static void fmt_time(const ASN1_TIME *at, char *out, size_t cap) {
  struct tm tm;
  if (at && ASN1_TIME_to_tm(at, &tm) == 1 &&
      strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
    return;
  snprintf(out, cap, "unknown");
}

/* ---- callbacks ---------------------------------------------------------- */

/* Records why verification failed; the verdict itself stays OpenSSL's. */
static int verify_cb(int ok, X509_STORE_CTX *xs) {
  if (ok) return 1;
  SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
  sp_tls_t *t = ssl ? SSL_get_app_data(ssl) : NULL;
  if (t && t->verify_err == X509_V_OK) {
    t->verify_err = X509_STORE_CTX_get_error(xs);
    t->verify_depth = X509_STORE_CTX_get_error_depth(xs);
    X509 *c = X509_STORE_CTX_get_current_cert(xs);
    if (c) {
      name_for_msg(X509_get_subject_name(c), t->v_subject, sizeof(t->v_subject));
      name_for_msg(X509_get_issuer_name(c), t->v_issuer, sizeof(t->v_issuer));
      fmt_time(X509_get0_notBefore(c), t->v_not_before, sizeof(t->v_not_before));
      fmt_time(X509_get0_notAfter(c), t->v_not_after, sizeof(t->v_not_after));
    }
  }
  return 0;
}

/* Copies the protocol names a client offered, printable, for messages. */
static void describe_offer(const unsigned char *in, size_t inlen, char *out, size_t cap) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < inlen;) {
    size_t l = in[i++];
    if (l > inlen - i) break;
    int w = snprintf(out + o, cap - o, "%s%.*s", o ? ", " : "", (int)l, (const char *)in + i);
    if (w < 0 || (size_t)w >= cap - o) break;
    o += (size_t)w;
    i += l;
  }
  sanitize(out);
}

/* Server: picks simpeg/1 or ends the handshake with no_application_protocol
 * (OpenSSL sends that alert for SSL_TLSEXT_ERR_ALERT_FATAL here). */
static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
  (void)arg;
  for (unsigned int i = 0; i < inlen;) {
    unsigned int l = in[i++];
    if (l > inlen - i) break;
    if (l == ALPN_NAME_LEN && memcmp(in + i, SP_TLS_ALPN, l) == 0) {
      *out = in + i;
      *outlen = (unsigned char)l;
      return SSL_TLSEXT_ERR_OK;
    }
    i += l;
  }
  sp_tls_t *t = SSL_get_app_data(ssl);
  if (t) {
    char offer[120];
    describe_offer(in, inlen, offer, sizeof(offer));
    snprintf(t->cb_msg, sizeof(t->cb_msg),
             "peer does not speak " SP_TLS_ALPN " (it offered: %s)", offer[0] ? offer : "nothing");
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Server: the ALPN select callback is not called at all when the client
 * sends no ALPN extension, so refuse such clients here. */
static int client_hello_cb(SSL *ssl, int *al, void *arg) {
  (void)arg;
  const unsigned char *p;
  size_t len;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p,
                                &len))
    return SSL_CLIENT_HELLO_SUCCESS;
  sp_tls_t *t = SSL_get_app_data(ssl);
  if (t)
    snprintf(t->cb_msg, sizeof(t->cb_msg),
             "peer does not speak " SP_TLS_ALPN " (it offered no ALPN protocol)");
  *al = SSL_AD_NO_APPLICATION_PROTOCOL;
  return SSL_CLIENT_HELLO_ERROR;
}

/* Never prompt for a passphrase: a daemon has no one to ask. */
static int no_passphrase_cb(char *buf, int size, int rwflag, void *u) {
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return 0;
}

/* ---- contexts ------------------------------------------------------------ */

/* fopen first so a missing file gets errno's words, which OpenSSL's
 * "system lib" reasons do not give. */
static bool readable(const char *path, const char *what, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    copy_err(err, errlen, "cannot open %s '%s': %s", what, path, strerror(errno));
    return false;
  }
  fclose(f);
  return true;
}

static bool load_crl(SSL_CTX *sc, const char *path, char *err, size_t errlen) {
  if (!readable(path, "CRL file", err, errlen)) return false;
  BIO *b = BIO_new_file(path, "r");
  if (!b) {
    copy_err(err, errlen, "cannot open CRL file '%s': %s", path, ossl_reason());
    return false;
  }
  X509_STORE *store = SSL_CTX_get_cert_store(sc);
  int n = 0;
  bool ok = true;
  X509_CRL *crl;
  while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
    if (!X509_STORE_add_crl(store, crl)) ok = false;
    X509_CRL_free(crl);
    n++;
  }
  BIO_free(b);
  /* The loop ends with a "no start line" error at end of file; that one is
   * expected, anything else after a CRL is a broken file. */
  unsigned long e = ERR_peek_last_error();
  if (n > 0 && e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) ok = false;
  if (n == 0 || !ok) {
    copy_err(err, errlen, "CRL file '%s' %s", path,
             n == 0 ? "contains no PEM CRL" : "could not be read completely");
    return false;
  }
  ERR_clear_error();
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return true;
}

static bool load_cert_key(SSL_CTX *sc, const char *cert, const char *key, char *err,
                          size_t errlen) {
  if (!readable(cert, "certificate file", err, errlen)) return false;
  if (!readable(key, "private key file", err, errlen)) return false;
  if (SSL_CTX_use_certificate_chain_file(sc, cert) != 1) {
    copy_err(err, errlen, "cannot load a PEM certificate chain from '%s': %s", cert,
             ossl_reason());
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(sc, key, SSL_FILETYPE_PEM) != 1) {
    /* OpenSSL compares the key with the certificate while loading it. */
    if (is_key_mismatch(ERR_peek_error()) || is_key_mismatch(ERR_peek_last_error())) {
      copy_err(err, errlen, "private key '%s' does not match the certificate in '%s'", key, cert);
      return false;
    }
    copy_err(err, errlen,
             "cannot load the private key from '%s' (it must be PEM and not "
             "passphrase-protected): %s",
             key, ossl_reason());
    return false;
  }
  if (SSL_CTX_check_private_key(sc) != 1) {
    copy_err(err, errlen, "private key '%s' does not match the certificate in '%s'", key, cert);
    return false;
  }
  return true;
}

static bool load_ca(SSL_CTX *sc, const char *ca, char *err, size_t errlen) {
  if (!readable(ca, "CA file", err, errlen)) return false;
  if (SSL_CTX_load_verify_locations(sc, ca, NULL) != 1) {
    copy_err(err, errlen, "cannot load trusted CA certificates from '%s': %s", ca, ossl_reason());
    return false;
  }
  return true;
}

static sp_tls_ctx_t *ctx_new(const sp_tls_config_t *cfg, bool server, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (!cfg) {
    copy_err(err, errlen, "no TLS configuration given");
    return NULL;
  }
  int minv = cfg->min_version ? cfg->min_version : 13;
  if (minv != 12 && minv != 13) {
    copy_err(err, errlen, "TLS min_version must be 12 or 13, not %d", cfg->min_version);
    return NULL;
  }
  ERR_clear_error();
  SSL_CTX *sc = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!sc) {
    copy_err(err, errlen, "cannot create a TLS context: %s", ossl_reason());
    ERR_clear_error();
    return NULL;
  }
  bool ok = false;

  if (SSL_CTX_set_min_proto_version(sc, minv == 12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(sc, 0) != 1) {
    copy_err(err, errlen, "cannot set the TLS version range: %s", ossl_reason());
    goto out;
  }
  if (minv == 12 && SSL_CTX_set_cipher_list(sc, SP_TLS12_CIPHERS) != 1) {
    copy_err(err, errlen, "cannot set TLS 1.2 cipher suites: %s", ossl_reason());
    goto out;
  }
  /* Debian already defaults to level 2; say so explicitly for other builds. */
  if (SSL_CTX_get_security_level(sc) < 2) SSL_CTX_set_security_level(sc, 2);
  SSL_CTX_set_options(sc, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_max_early_data(sc, 0); /* no 0-RTT: replayable */
  SSL_CTX_set_num_tickets(sc, 0);
  SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_default_passwd_cb(sc, no_passphrase_cb);

  if (server) {
    if (!cfg->cert_file || !cfg->key_file) {
      copy_err(err, errlen, "the server needs a certificate file and a private key file");
      goto out;
    }
    if (!load_cert_key(sc, cfg->cert_file, cfg->key_file, err, errlen)) goto out;
    SSL_CTX_set_options(sc, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_alpn_select_cb(sc, alpn_select_cb, NULL);
    SSL_CTX_set_client_hello_cb(sc, client_hello_cb, NULL);
    if (SSL_CTX_set_session_id_context(sc, sid_ctx, sizeof(sid_ctx) - 1) != 1) {
      copy_err(err, errlen, "cannot set the TLS session id context: %s", ossl_reason());
      goto out;
    }
    if (cfg->require_client_cert) {
      if (!cfg->ca_file) {
        copy_err(err, errlen, "requiring client certificates needs a CA file to verify them");
        goto out;
      }
      if (!load_ca(sc, cfg->ca_file, err, errlen)) goto out;
      STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);
      if (!names) {
        copy_err(err, errlen, "cannot read CA names from '%s': %s", cfg->ca_file, ossl_reason());
        goto out;
      }
      SSL_CTX_set_client_CA_list(sc, names); /* takes ownership */
      SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    } else {
      SSL_CTX_set_verify(sc, SSL_VERIFY_NONE, NULL);
    }
  } else {
    if (!cfg->ca_file) {
      copy_err(err, errlen, "the client needs a CA file to verify the server certificate");
      goto out;
    }
    if (!load_ca(sc, cfg->ca_file, err, errlen)) goto out;
    if (cfg->cert_file || cfg->key_file) {
      if (!cfg->cert_file || !cfg->key_file) {
        copy_err(err, errlen, "a client certificate needs both a certificate file and a key file");
        goto out;
      }
      if (!load_cert_key(sc, cfg->cert_file, cfg->key_file, err, errlen)) goto out;
    }
    if (SSL_CTX_set_alpn_protos(sc, alpn_wire, ALPN_WIRE_LEN) != 0) {
      copy_err(err, errlen, "cannot set ALPN: %s", ossl_reason());
      goto out;
    }
    SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, verify_cb);
  }
  if (cfg->crl_file && !load_crl(sc, cfg->crl_file, err, errlen)) goto out;
  ok = true;

out:
  ERR_clear_error();
  if (!ok) {
    SSL_CTX_free(sc);
    return NULL;
  }
  sp_tls_ctx_t *ctx = sp_xcalloc(1, sizeof(*ctx));
  ctx->ssl_ctx = sc;
  atomic_init(&ctx->refs, 1);
  ctx->server = server;
  ctx->min_version = minv;
  ctx->ca_file = cfg->ca_file ? sp_xstrdup(cfg->ca_file) : NULL;
  ctx->crl_file = cfg->crl_file ? sp_xstrdup(cfg->crl_file) : NULL;
  return ctx;
}

sp_tls_ctx_t *sp_tls_ctx_new_server(const sp_tls_config_t *cfg, char *err, size_t errlen) {
  return ctx_new(cfg, true, err, errlen);
}

sp_tls_ctx_t *sp_tls_ctx_new_client(const sp_tls_config_t *cfg, char *err, size_t errlen) {
  return ctx_new(cfg, false, err, errlen);
}

sp_tls_ctx_t *sp_tls_ctx_ref(sp_tls_ctx_t *ctx) {
  if (ctx) atomic_fetch_add_explicit(&ctx->refs, 1, memory_order_relaxed);
  return ctx;
}

void sp_tls_ctx_unref(sp_tls_ctx_t *ctx) {
  if (!ctx) return;
  if (atomic_fetch_sub_explicit(&ctx->refs, 1, memory_order_acq_rel) != 1) return;
  SSL_CTX_free(ctx->ssl_ctx);
  free(ctx->ca_file);
  free(ctx->crl_file);
  free(ctx);
}

/* ---- connections ------------------------------------------------------- */

/* Client side: what the server certificate must match. A bad name leaves
 * the connection in the error state with a message, rather than returning
 * NULL with no reason. */
static void set_peer_name(sp_tls_t *t, const char *server_name) {
  const char *s = server_name ? server_name : "";
  size_t n = strlen(s);
  /* Accept a bracketed IPv6 literal as written in URLs. */
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
    s++;
    n -= 2;
  }
  if (n == 0 || n >= sizeof(t->name)) {
    set_err(t, "%s", n ? "server name is too long" : "no server name given to check the server certificate against");
    t->fatal = true;
    return;
  }
  memcpy(t->name, s, n);
  t->name[n] = '\0';

  unsigned char addr[16];
  t->name_is_ip = inet_pton(AF_INET, t->name, addr) == 1 || inet_pton(AF_INET6, t->name, addr) == 1;
  bool ok;
  if (t->name_is_ip) {
    /* No SNI for addresses: RFC 6066 allows host names only. */
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), t->name) == 1;
  } else {
    SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = SSL_set1_host(t->ssl, t->name) == 1 && SSL_set_tlsext_host_name(t->ssl, t->name) == 1;
  }
  if (!ok) {
    set_err(t, "invalid server name '%s'", t->name);
    sanitize(t->err);
    t->fatal = true;
  }
  ERR_clear_error();
}

sp_tls_t *sp_tls_new(sp_tls_ctx_t *ctx, const char *server_name) {
  if (!ctx) return NULL;
  sp_tls_t *t = sp_xcalloc(1, sizeof(*t));
  t->server = ctx->server;
  t->verify_err = X509_V_OK;
  sp_buf_init(&t->early, SP_TLS_EARLY_MAX);
  ERR_clear_error();
  t->ssl = SSL_new(ctx->ssl_ctx);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (!t->ssl || !t->rbio || !t->wbio) {
    SSL_free(t->ssl);
    BIO_free(t->rbio);
    BIO_free(t->wbio);
    free(t);
    ERR_clear_error();
    return NULL;
  }
  /* Empty input means "wait for more", never end of file. */
  BIO_set_mem_eof_return(t->rbio, -1);
  BIO_set_mem_eof_return(t->wbio, -1);
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  SSL_set_app_data(t->ssl, t);
  t->ctx = sp_tls_ctx_ref(ctx);
  if (t->server)
    SSL_set_accept_state(t->ssl);
  else {
    SSL_set_connect_state(t->ssl);
    set_peer_name(t, server_name);
  }
  return t;
}

void sp_tls_free(sp_tls_t *t) {
  if (!t) return;
  SSL_free(t->ssl); /* frees both BIOs */
  sp_buf_free(&t->early);
  sp_tls_ctx_unref(t->ctx);
  free(t);
}

/* ---- error diagnosis --------------------------------------------------- */

static void version_msg(sp_tls_t *t) {
  if (t->ctx->min_version == 12)
    set_err(t, "peer does not support TLS 1.3 or 1.2 (older versions are never accepted)");
  else
    set_err(t, "peer does not support TLS 1.3 (TLS 1.2 is accepted only when min_version is 12)");
}

static void verify_msg(sp_tls_t *t, int code) {
  const char *who = t->server ? "client certificate" : "server certificate";
  const char *ca = t->ctx->ca_file ? t->ctx->ca_file : "(none)";
  const char *why = X509_verify_cert_error_string(code);
  /* Failures about a CA further up the chain name that certificate. */
  char what[160];
  if (t->verify_depth > 0 && t->v_subject[0])
    snprintf(what, sizeof(what), "CA certificate '%s' in the %s chain", t->v_subject,
             t->server ? "client's" : "server's");
  else
    snprintf(what, sizeof(what), "%s", who);

  switch (code) {
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_CERT_UNTRUSTED:
  case X509_V_ERR_CERT_REJECTED:
    set_err(t, "%s is not signed by a trusted CA (issuer '%s'; check the CA file '%s'): %s", who,
            t->v_issuer[0] ? t->v_issuer : "unknown", ca, why);
    break;
  case X509_V_ERR_HOSTNAME_MISMATCH:
    set_err(t, "server certificate does not match host name '%s'", t->name);
    break;
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    set_err(t, "server certificate does not match IP address '%s'", t->name);
    break;
  case X509_V_ERR_CERT_HAS_EXPIRED:
    set_err(t, "%s has expired (notAfter %s)", what, t->v_not_after);
    break;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    set_err(t, "%s is not valid yet (notBefore %s; check this machine's clock)", what,
            t->v_not_before);
    break;
  case X509_V_ERR_CERT_REVOKED:
    set_err(t, "%s has been revoked (listed in the CRL file '%s')", what,
            t->ctx->crl_file ? t->ctx->crl_file : "(none)");
    break;
  case X509_V_ERR_UNABLE_TO_GET_CRL:
    set_err(t, "no CRL from the issuer of the %s ('%s') is loaded (check the CRL file '%s')", what,
            t->v_issuer, t->ctx->crl_file ? t->ctx->crl_file : "(none)");
    break;
  case X509_V_ERR_CRL_HAS_EXPIRED:
  case X509_V_ERR_CRL_NOT_YET_VALID:
    set_err(t, "the CRL for the %s is not current (%s): refresh the CRL file '%s'", what, why,
            t->ctx->crl_file ? t->ctx->crl_file : "(none)");
    break;
  case X509_V_ERR_INVALID_PURPOSE:
    set_err(t, "%s is not meant for a TLS %s (check its extendedKeyUsage)", what,
            t->server ? "client" : "server");
    break;
  default:
    set_err(t, "%s verification failed: %s", what, why);
    break;
  }
}

/* The peer sent a fatal alert: say what it most likely means from our side. */
static void alert_msg(sp_tls_t *t, int desc) {
  const char *long_desc = SSL_alert_desc_string_long(desc);
  switch (desc) {
  case SSL_AD_NO_APPLICATION_PROTOCOL:
    set_err(t, "peer does not speak " SP_TLS_ALPN);
    return;
  case SSL_AD_PROTOCOL_VERSION:
    version_msg(t);
    return;
  case SSL_AD_CERTIFICATE_REQUIRED:
    set_err(t, "server requires a client certificate (mutual TLS): configure a client "
               "certificate and key");
    return;
  case SSL_AD_BAD_CERTIFICATE:
  case SSL_AD_UNSUPPORTED_CERTIFICATE:
  case SSL_AD_CERTIFICATE_REVOKED:
  case SSL_AD_CERTIFICATE_EXPIRED:
  case SSL_AD_CERTIFICATE_UNKNOWN:
  case SSL_AD_UNKNOWN_CA:
  case SSL_AD_ACCESS_DENIED:
    if (t->server)
      set_err(t, "client rejected the server certificate (%s): check the client's CA file and "
                 "the name it connects to", long_desc);
    else
      set_err(t, "server rejected our client certificate (%s)", long_desc);
    return;
  case SSL_AD_HANDSHAKE_FAILURE:
    set_err(t, "peer refused the TLS handshake (%s): no common parameters, or it requires "
               "a client certificate", long_desc);
    return;
  default:
    set_err(t, "peer aborted the TLS connection (alert: %s)", long_desc);
    return;
  }
}

/* Turns a failed SSL call into the connection's result. Must run right
 * after the call, with the error queue as the call left it. */
static int diagnose(sp_tls_t *t, int ret, const char *during) {
  int e = SSL_get_error(t->ssl, ret);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    /* WANT_WRITE cannot happen on a memory BIO; waiting is still right. */
    ERR_clear_error();
    return SP_TLS_WANT;
  }
  if (e == SSL_ERROR_ZERO_RETURN) {
    if (t->done) {
      t->peer_closed = true;
      ERR_clear_error();
      return SP_TLS_CLOSED;
    }
    set_err(t, "peer closed the connection during the TLS handshake");
    return fail(t);
  }

  /* Find the first SSL-library reason in the queue. */
  int reason = 0;
  unsigned long code, first = 0;
  while ((code = ERR_get_error()) != 0) {
    if (!first) first = code;
    if (!reason && ERR_GET_LIB(code) == ERR_LIB_SSL && !ERR_SYSTEM_ERROR(code))
      reason = ERR_GET_REASON(code);
  }

  if (t->cb_msg[0]) {
    set_err(t, "%s", t->cb_msg);
    return fail(t);
  }
  long vr = SSL_get_verify_result(t->ssl);
  if (t->verify_err != X509_V_OK || (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK)) {
    verify_msg(t, t->verify_err != X509_V_OK ? t->verify_err : (int)vr);
    return fail(t);
  }
  if (reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
    alert_msg(t, reason - SSL_AD_REASON_OFFSET);
    return fail(t);
  }
  switch (reason) {
  case 0: {
    const char *r = first ? ERR_reason_error_string(first) : NULL;
    set_err(t, "TLS %s failed: %s", during, r ? r : "no reason reported");
    break;
  }
  case SSL_R_UNSUPPORTED_PROTOCOL:
  case SSL_R_NO_PROTOCOLS_AVAILABLE:
  case SSL_R_WRONG_SSL_VERSION:
  case SSL_R_VERSION_TOO_LOW:
    version_msg(t);
    break;
  case SSL_R_WRONG_VERSION_NUMBER:
  case SSL_R_HTTP_REQUEST:
  case SSL_R_HTTPS_PROXY_REQUEST:
  case SSL_R_PACKET_LENGTH_TOO_LONG:
  case SSL_R_UNKNOWN_PROTOCOL:
    set_err(t, "peer is not speaking TLS (%s): check the host and port",
            ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason)));
    break;
  case SSL_R_NO_APPLICATION_PROTOCOL:
    set_err(t, "peer does not speak " SP_TLS_ALPN);
    break;
  case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    set_err(t, "client did not present a certificate, but this server requires one (mutual TLS)");
    break;
  case SSL_R_NO_SHARED_CIPHER:
    set_err(t, "no TLS cipher suite in common with the peer");
    break;
  case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
    set_err(t, "TLS record failed its integrity check (data corrupted or altered in transit)");
    break;
  default: {
    const char *r = ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason));
    set_err(t, "TLS %s failed: %s", during, r ? r : "unknown reason");
    break;
  }
  }
  return fail(t);
}

/* ---- the engine ------------------------------------------------------- */

static int write_all(sp_tls_t *t, const void *plain, size_t n) {
  const unsigned char *p = plain;
  while (n > 0) {
    size_t w = 0;
    ERR_clear_error();
    int r = SSL_write_ex(t->ssl, p, n, &w);
    if (r != 1) {
      int rc = diagnose(t, r, "write");
      if (rc == SP_TLS_ERROR) return rc;
      /* A memory BIO never blocks, so "want" here means a broken state. */
      set_err(t, "TLS write could not complete");
      return fail(t);
    }
    p += w;
    n -= w;
  }
  return SP_TLS_OK;
}

/* Our own checks once OpenSSL says the handshake is complete. */
static int finish_handshake(sp_tls_t *t) {
  const unsigned char *proto = NULL;
  unsigned int plen = 0;
  SSL_get0_alpn_selected(t->ssl, &proto, &plen);
  if (plen != ALPN_NAME_LEN || memcmp(proto, SP_TLS_ALPN, plen) != 0) {
    set_err(t, "peer does not speak " SP_TLS_ALPN " (no ALPN protocol was agreed)");
    return fail(t);
  }
  /* OpenSSL already enforced this; re-check so a configuration slip (e.g.
   * a verify mode changed elsewhere) cannot let an unverified peer in. */
  if (SSL_get_verify_mode(t->ssl) & SSL_VERIFY_PEER) {
    long vr = SSL_get_verify_result(t->ssl);
    if (vr != X509_V_OK) {
      verify_msg(t, (int)vr);
      return fail(t);
    }
    if (!SSL_get0_peer_certificate(t->ssl)) {
      set_err(t, "peer presented no certificate");
      return fail(t);
    }
  }
  t->done = true;
  size_t n = sp_buf_used(&t->early);
  if (n > 0) {
    int rc = write_all(t, sp_buf_head(&t->early), n);
    sp_buf_reset(&t->early, 0);
    if (rc != SP_TLS_OK) return rc;
  } else {
    sp_buf_reset(&t->early, 0);
  }
  return SP_TLS_OK;
}

int sp_tls_feed(sp_tls_t *t, const void *cipher, size_t n) {
  if (t->fatal) return SP_TLS_ERROR;
  const char *p = cipher;
  while (n > 0) {
    int chunk = n > INT_MAX ? INT_MAX : (int)n;
    int w = BIO_write(t->rbio, p, chunk);
    if (w <= 0) {
      set_err(t, "cannot buffer incoming TLS data (out of memory)");
      return fail(t);
    }
    p += w;
    n -= (size_t)w;
  }
  return SP_TLS_OK;
}

int sp_tls_handshake(sp_tls_t *t) {
  if (t->fatal) return SP_TLS_ERROR;
  if (t->done) return SP_TLS_OK;
  ERR_clear_error();
  int r = SSL_do_handshake(t->ssl);
  if (r == 1) return finish_handshake(t);
  return diagnose(t, r, "handshake");
}

bool sp_tls_handshake_done(const sp_tls_t *t) { return t->done && !t->fatal; }

int sp_tls_read(sp_tls_t *t, void *out, size_t cap, size_t *nread) {
  *nread = 0;
  if (t->fatal) return SP_TLS_ERROR;
  if (!t->done) {
    /* Driving the handshake through SSL_read would skip our checks. */
    int rc = sp_tls_handshake(t);
    if (rc != SP_TLS_OK) return rc;
  }
  if (t->peer_closed) return SP_TLS_CLOSED;
  if (cap == 0) return SP_TLS_WANT;
  ERR_clear_error();
  int r = SSL_read_ex(t->ssl, out, cap, nread);
  if (r == 1) return SP_TLS_OK;
  *nread = 0;
  return diagnose(t, r, "read");
}

int sp_tls_write(sp_tls_t *t, const void *plain, size_t n) {
  if (t->fatal) return SP_TLS_ERROR;
  if (t->shut_sent) {
    set_err(t, "write after TLS shutdown");
    return fail(t);
  }
  if (n == 0) return SP_TLS_OK;
  if (!t->done) {
    if (sp_buf_append(&t->early, plain, n) != 0) {
      set_err(t, "too much data queued before the TLS handshake finished");
      return fail(t);
    }
    return SP_TLS_OK;
  }
  return write_all(t, plain, n);
}

int sp_tls_shutdown(sp_tls_t *t) {
  if (t->fatal) return SP_TLS_ERROR;
  if (!t->done || t->shut_sent) return SP_TLS_OK; /* nothing to close politely */
  ERR_clear_error();
  int r = SSL_shutdown(t->ssl);
  if (r >= 0) {
    t->shut_sent = true;
    return SP_TLS_OK;
  }
  int rc = diagnose(t, r, "shutdown");
  if (rc == SP_TLS_ERROR) return rc;
  t->shut_sent = true; /* close_notify is queued; only the peer's is missing */
  return SP_TLS_OK;
}

size_t sp_tls_pending_out(const sp_tls_t *t) { return BIO_ctrl_pending(t->wbio); }

size_t sp_tls_take_out(sp_tls_t *t, void *out, size_t cap) {
  size_t pending = BIO_ctrl_pending(t->wbio);
  size_t n = cap < pending ? cap : pending;
  if (n > INT_MAX) n = INT_MAX;
  if (n == 0) return 0;
  int r = BIO_read(t->wbio, out, (int)n);
  return r > 0 ? (size_t)r : 0;
}

const char *sp_tls_error(const sp_tls_t *t) {
  if (!t) return "no TLS connection";
  return t->err[0] ? t->err : "no error";
}

const char *sp_tls_version(const sp_tls_t *t) {
  return t->done ? SSL_get_version(t->ssl) : "none";
}

/* The peer's certificate, only when it was verified. */
static X509 *verified_peer(const sp_tls_t *t) {
  if (!t->done || t->fatal) return NULL;
  if (!(SSL_get_verify_mode(t->ssl) & SSL_VERIFY_PEER)) return NULL;
  if (SSL_get_verify_result(t->ssl) != X509_V_OK) return NULL;
  return SSL_get0_peer_certificate(t->ssl);
}

bool sp_tls_peer_fingerprint(const sp_tls_t *t, char out[65]) {
  X509 *c = verified_peer(t);
  out[0] = '\0';
  if (!c) return false;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(c, EVP_sha256(), md, &len) != 1 || len != 32) {
    ERR_clear_error();
    return false;
  }
  static const char hex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 0xf];
  }
  out[64] = '\0';
  return true;
}

bool sp_tls_peer_common_name(const sp_tls_t *t, char *out, size_t cap) {
  X509 *c = verified_peer(t);
  if (cap) out[0] = '\0';
  if (!c) return false;
  bool ok = name_cn(X509_get_subject_name(c), out, cap);
  if (!ok && cap) out[0] = '\0';
  ERR_clear_error();
  return ok;
}
