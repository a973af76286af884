/* test_tls: unit tests of the sp_tls engine.
 *
 * This file owns a throw-away PKI made with the OpenSSL API at start-up
 * (CAs, server/client certificates, an expired certificate, a CRL) written
 * as PEM files into a mkdtemp directory, and an in-memory "wire" that pumps
 * ciphertext between two endpoints. An endpoint is either an sp_tls engine
 * or a raw OpenSSL SSL, which lets the tests play peers the engine itself
 * refuses to be (TLS 1.2 only, no ALPN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sp_tls.h"

#define DAY (24L * 60 * 60)

/* ---- the test PKI --------------------------------------------------- */

enum { MAX_FILES = 16 };

static struct pki {
  char dir[64];
  char ca[128];          /* trusted CA */
  char other_ca[128];    /* unrelated CA */
  char srv_cert[128];    /* CN localhost, SAN DNS:localhost, IP:127.0.0.1 */
  char srv_key[128];
  char expired_cert[128]; /* same key as srv_key, validity in the past */
  char cli_cert[128];    /* CN branch-01, signed by ca */
  char cli_key[128];
  char revoked_cert[128]; /* CN branch-99, listed in crl */
  char revoked_key[128];
  char crl[128];
  char srv_fpr[65];      /* SHA-256 of DER, computed independently */
  char cli_fpr[65];
  char *files[MAX_FILES];
  int nfiles;
} P;

static void path_in(char *out, const char *name) {
  snprintf(out, 128, "%s/%s", P.dir, name);
  assert_true(P.nfiles < MAX_FILES);
  P.files[P.nfiles++] = out;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
  assert_non_null(ext);
  assert_int_equal(X509_add_ext(x, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

/* Validity runs from now+nb to now+na seconds. issuer NULL: self-signed. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, long nb, long na, int is_ca, const char *san,
                       const char *eku) {
  X509 *x = X509_new();
  assert_non_null(x);
  assert_int_equal(X509_set_version(x, 2), 1);
  assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
  assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), nb));
  assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), na));
  assert_int_equal(X509_set_pubkey(x, key), 1);
  X509_NAME *nm = X509_get_subject_name(x);
  assert_int_equal(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                              -1, -1, 0),
                   1);
  assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm), 1);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
  add_ext(x, &v3, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x, &v3, NID_key_usage,
          is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(x, &v3, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
  if (san) add_ext(x, &v3, NID_subject_alt_name, san);
  if (eku) add_ext(x, &v3, NID_ext_key_usage, eku);
  assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
  return x;
}

static EVP_PKEY *make_key(void) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  assert_non_null(k);
  return k;
}

static void write_cert(const char *path, X509 *x) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(PEM_write_X509(f, x), 1);
  assert_int_equal(fclose(f), 0);
}

static void write_key(const char *path, EVP_PKEY *k) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
  assert_int_equal(fclose(f), 0);
}

/* Fingerprint the long way (DER, then SHA-256), not via X509_digest, so the
 * test does not just repeat the engine's code. */
static void fingerprint(X509 *x, char out[65]) {
  unsigned char *der = NULL;
  int n = i2d_X509(x, &der);
  assert_true(n > 0);
  unsigned char md[32];
  unsigned int len = 0;
  assert_int_equal(EVP_Digest(der, (size_t)n, md, &len, EVP_sha256(), NULL), 1);
  OPENSSL_free(der);
  assert_int_equal(len, 32);
  for (unsigned int i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void write_crl(const char *path, X509 *ca, EVP_PKEY *ca_key, long revoked_serial) {
  X509_CRL *crl = X509_CRL_new();
  assert_non_null(crl);
  assert_int_equal(X509_CRL_set_version(crl, 1), 1);
  assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)), 1);
  ASN1_TIME *now = X509_gmtime_adj(NULL, 0);
  ASN1_TIME *next = X509_gmtime_adj(NULL, 30 * DAY);
  assert_int_equal(X509_CRL_set1_lastUpdate(crl, now), 1);
  assert_int_equal(X509_CRL_set1_nextUpdate(crl, next), 1);
  X509_REVOKED *r = X509_REVOKED_new();
  ASN1_INTEGER *serial = ASN1_INTEGER_new();
  assert_int_equal(ASN1_INTEGER_set(serial, revoked_serial), 1);
  assert_int_equal(X509_REVOKED_set_serialNumber(r, serial), 1);
  assert_int_equal(X509_REVOKED_set_revocationDate(r, now), 1);
  assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
  assert_int_equal(X509_CRL_sort(crl), 1);
  assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
  assert_int_equal(fclose(f), 0);
  ASN1_INTEGER_free(serial);
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
}

static int pki_setup(void **state) {
  (void)state;
  snprintf(P.dir, sizeof(P.dir), "/tmp/sp_tls_test.XXXXXX");
  assert_non_null(mkdtemp(P.dir));
  path_in(P.ca, "ca.pem");
  path_in(P.other_ca, "other_ca.pem");
  path_in(P.srv_cert, "server.pem");
  path_in(P.srv_key, "server.key");
  path_in(P.expired_cert, "expired.pem");
  path_in(P.cli_cert, "client.pem");
  path_in(P.cli_key, "client.key");
  path_in(P.revoked_cert, "revoked.pem");
  path_in(P.revoked_key, "revoked.key");
  path_in(P.crl, "crl.pem");

  EVP_PKEY *ca_key = make_key(), *other_key = make_key(), *srv_key = make_key();
  EVP_PKEY *cli_key = make_key(), *rev_key = make_key();
  X509 *ca = make_cert("Simpeg Test CA", ca_key, NULL, NULL, 1, -DAY, 365 * DAY, 1, NULL, NULL);
  X509 *other = make_cert("Unrelated Test CA", other_key, NULL, NULL, 1, -DAY, 365 * DAY, 1,
                          NULL, NULL);
  X509 *srv = make_cert("localhost", srv_key, ca, ca_key, 2, -DAY, 30 * DAY, 0,
                        "DNS:localhost,IP:127.0.0.1", "serverAuth");
  X509 *expired = make_cert("localhost", srv_key, ca, ca_key, 3, -10 * DAY, -DAY, 0,
                            "DNS:localhost,IP:127.0.0.1", "serverAuth");
  X509 *cli = make_cert("branch-01", cli_key, ca, ca_key, 4, -DAY, 30 * DAY, 0, NULL,
                        "clientAuth");
  X509 *rev = make_cert("branch-99", rev_key, ca, ca_key, 5, -DAY, 30 * DAY, 0, NULL,
                        "clientAuth");

  write_cert(P.ca, ca);
  write_cert(P.other_ca, other);
  write_cert(P.srv_cert, srv);
  write_key(P.srv_key, srv_key);
  write_cert(P.expired_cert, expired);
  write_cert(P.cli_cert, cli);
  write_key(P.cli_key, cli_key);
  write_cert(P.revoked_cert, rev);
  write_key(P.revoked_key, rev_key);
  write_crl(P.crl, ca, ca_key, 5);
  fingerprint(srv, P.srv_fpr);
  fingerprint(cli, P.cli_fpr);

  X509_free(ca);
  X509_free(other);
  X509_free(srv);
  X509_free(expired);
  X509_free(cli);
  X509_free(rev);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(other_key);
  EVP_PKEY_free(srv_key);
  EVP_PKEY_free(cli_key);
  EVP_PKEY_free(rev_key);
  return 0;
}

static int pki_teardown(void **state) {
  (void)state;
  for (int i = 0; i < P.nfiles; i++) unlink(P.files[i]);
  rmdir(P.dir);
  return 0;
}

/* ---- endpoints and the wire ------------------------------------------ */

typedef struct ep {
  sp_tls_t *t;       /* engine endpoint, or */
  SSL_CTX *raw_ctx;  /* a raw OpenSSL peer */
  SSL *raw;
  BIO *rbio, *wbio;
  bool reads;        /* the pump reads application data */
  bool done, failed, closed;
  unsigned char *rx; /* plaintext received */
  size_t rxlen, rxcap;
} ep_t;

static void ep_free(ep_t *e) {
  sp_tls_free(e->t);
  SSL_free(e->raw);
  SSL_CTX_free(e->raw_ctx);
  free(e->rx);
  memset(e, 0, sizeof(*e));
}

static void rx_append(ep_t *e, const void *p, size_t n) {
  if (e->rxlen + n > e->rxcap) {
    e->rxcap = (e->rxlen + n) * 2;
    e->rx = realloc(e->rx, e->rxcap);
    assert_non_null(e->rx);
  }
  memcpy(e->rx + e->rxlen, p, n);
  e->rxlen += n;
}

static size_t ep_pending(ep_t *e) {
  return e->t ? sp_tls_pending_out(e->t) : BIO_ctrl_pending(e->wbio);
}

static size_t ep_take(ep_t *e, void *buf, size_t cap) {
  if (e->t) return sp_tls_take_out(e->t, buf, cap);
  size_t n = ep_pending(e);
  if (n > cap) n = cap;
  return n ? (size_t)BIO_read(e->wbio, buf, (int)n) : 0;
}

static void ep_feed(ep_t *e, const void *buf, size_t n) {
  if (e->t)
    (void)sp_tls_feed(e->t, buf, n); /* a dead engine refuses; so would its socket */
  else
    assert_int_equal(BIO_write(e->rbio, buf, (int)n), (int)n);
}

static void raw_step(ep_t *e) {
  if (!e->done) {
    ERR_clear_error();
    int r = SSL_do_handshake(e->raw);
    if (r == 1)
      e->done = true;
    else if (SSL_get_error(e->raw, r) != SSL_ERROR_WANT_READ)
      e->failed = true;
    ERR_clear_error();
  }
  while (e->done && e->reads && !e->failed && !e->closed) {
    unsigned char buf[3001];
    size_t n = 0;
    ERR_clear_error();
    int r = SSL_read_ex(e->raw, buf, sizeof(buf), &n);
    if (r == 1) {
      rx_append(e, buf, n);
      continue;
    }
    int err = SSL_get_error(e->raw, r);
    if (err == SSL_ERROR_ZERO_RETURN)
      e->closed = true;
    else if (err != SSL_ERROR_WANT_READ)
      e->failed = true;
    ERR_clear_error();
    break;
  }
}

/* One turn of an endpoint's event loop: handshake if needed, then read
 * everything available. Reads use an odd buffer size so that TLS records
 * are split across reads. */
static void ep_step(ep_t *e) {
  if (e->failed || e->closed) return;
  if (!e->t) {
    raw_step(e);
    return;
  }
  if (!e->done) {
    int rc = sp_tls_handshake(e->t);
    if (rc == SP_TLS_ERROR) {
      e->failed = true;
      return;
    }
    if (rc == SP_TLS_WANT) return;
    assert_int_equal(rc, SP_TLS_OK);
    assert_true(sp_tls_handshake_done(e->t));
    e->done = true;
  }
  while (e->reads) {
    unsigned char buf[3001];
    size_t n = 0;
    int rc = sp_tls_read(e->t, buf, sizeof(buf), &n);
    if (rc == SP_TLS_OK) {
      assert_true(n > 0 && n <= sizeof(buf));
      rx_append(e, buf, n);
      continue;
    }
    assert_int_equal(n, 0);
    if (rc == SP_TLS_CLOSED) e->closed = true;
    if (rc == SP_TLS_ERROR) e->failed = true;
    if (rc != SP_TLS_WANT) assert_true(rc == SP_TLS_CLOSED || rc == SP_TLS_ERROR);
    break;
  }
}

static size_t xfer(ep_t *from, ep_t *to) {
  unsigned char buf[7000];
  size_t total = 0, n;
  while ((n = ep_take(from, buf, sizeof(buf))) > 0) {
    ep_feed(to, buf, n);
    total += n;
  }
  assert_int_equal(ep_pending(from), 0);
  return total;
}

/* Runs both endpoints until neither has anything more to say. */
static void pump(ep_t *a, ep_t *b) {
  for (int i = 0; i < 10000; i++) {
    ep_step(a);
    ep_step(b);
    if (xfer(a, b) + xfer(b, a) == 0) return;
  }
  fail_msg("the wire did not go quiet");
}

/* ---- contexts and endpoints ------------------------------------------ */

static sp_tls_ctx_t *server_ctx(const sp_tls_config_t *cfg) {
  char err[512];
  sp_tls_ctx_t *c = sp_tls_ctx_new_server(cfg, err, sizeof(err));
  if (!c) fail_msg("server context: %s", err);
  return c;
}

static sp_tls_ctx_t *client_ctx(const sp_tls_config_t *cfg) {
  char err[512];
  sp_tls_ctx_t *c = sp_tls_ctx_new_client(cfg, err, sizeof(err));
  if (!c) fail_msg("client context: %s", err);
  return c;
}

static sp_tls_config_t default_server_cfg(void) {
  return (sp_tls_config_t){.cert_file = P.srv_cert, .key_file = P.srv_key};
}

static sp_tls_config_t default_client_cfg(void) {
  return (sp_tls_config_t){.ca_file = P.ca};
}

/* An engine endpoint; it holds its own reference on ctx. */
static void engine_ep(ep_t *e, sp_tls_ctx_t *ctx, const char *name) {
  memset(e, 0, sizeof(*e));
  e->t = sp_tls_new(ctx, name);
  assert_non_null(e->t);
  e->reads = true;
}

static void raw_attach(ep_t *e, bool server) {
  e->raw = SSL_new(e->raw_ctx);
  e->rbio = BIO_new(BIO_s_mem());
  e->wbio = BIO_new(BIO_s_mem());
  assert_non_null(e->raw);
  assert_non_null(e->rbio);
  assert_non_null(e->wbio);
  BIO_set_mem_eof_return(e->rbio, -1);
  SSL_set_bio(e->raw, e->rbio, e->wbio);
  if (server)
    SSL_set_accept_state(e->raw);
  else
    SSL_set_connect_state(e->raw);
  e->reads = true;
}

/* A raw client that does not verify; max_version 0 means any. */
static void raw_client_ep(ep_t *e, int max_version, const unsigned char *alpn, size_t alpn_len) {
  memset(e, 0, sizeof(*e));
  e->raw_ctx = SSL_CTX_new(TLS_client_method());
  assert_non_null(e->raw_ctx);
  assert_int_equal(SSL_CTX_set_min_proto_version(e->raw_ctx, TLS1_2_VERSION), 1);
  assert_int_equal(SSL_CTX_set_max_proto_version(e->raw_ctx, max_version), 1);
  if (alpn) assert_int_equal(SSL_CTX_set_alpn_protos(e->raw_ctx, alpn, (unsigned)alpn_len), 0);
  SSL_CTX_set_verify(e->raw_ctx, SSL_VERIFY_NONE, NULL);
  raw_attach(e, false);
}

static int raw_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg) {
  (void)ssl;
  (void)arg;
  static const unsigned char ours[] = "\x08simpeg/1";
  unsigned char *sel = NULL;
  if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

/* A raw server with the good server certificate. */
static void raw_server_ep(ep_t *e, int max_version, bool alpn) {
  memset(e, 0, sizeof(*e));
  e->raw_ctx = SSL_CTX_new(TLS_server_method());
  assert_non_null(e->raw_ctx);
  assert_int_equal(SSL_CTX_set_min_proto_version(e->raw_ctx, TLS1_2_VERSION), 1);
  assert_int_equal(SSL_CTX_set_max_proto_version(e->raw_ctx, max_version), 1);
  assert_int_equal(SSL_CTX_use_certificate_chain_file(e->raw_ctx, P.srv_cert), 1);
  assert_int_equal(SSL_CTX_use_PrivateKey_file(e->raw_ctx, P.srv_key, SSL_FILETYPE_PEM), 1);
  if (alpn) SSL_CTX_set_alpn_select_cb(e->raw_ctx, raw_alpn_cb, NULL);
  raw_attach(e, true);
}

static void assert_contains(const char *hay, const char *needle) {
  if (getenv("TEST_TLS_VERBOSE")) print_message("message: %s\n", hay);
  if (!strstr(hay, needle)) fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

/* Engine server (cfg) and engine client (ccfg, name), handshaken. */
typedef struct pair {
  ep_t s, c;
} pair_t;

static void pair_run(pair_t *p, const sp_tls_config_t *scfg, const sp_tls_config_t *ccfg,
                     const char *name) {
  sp_tls_ctx_t *sctx = server_ctx(scfg), *cctx = client_ctx(ccfg);
  engine_ep(&p->s, sctx, NULL);
  engine_ep(&p->c, cctx, name);
  /* The connections keep the contexts alive. */
  sp_tls_ctx_unref(sctx);
  sp_tls_ctx_unref(cctx);
  pump(&p->c, &p->s);
}

static void pair_free(pair_t *p) {
  ep_free(&p->s);
  ep_free(&p->c);
}

/* ---- tests ------------------------------------------------------------- */

static void fill_pattern(unsigned char *p, size_t n, unsigned seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (unsigned char)(x >> 16);
  }
}

static void handshake_carries_data_both_ways_and_close_notify_ends_it(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg(), ccfg = default_client_cfg();
  sp_tls_ctx_t *sctx = server_ctx(&scfg), *cctx = client_ctx(&ccfg);
  pair_t p;
  engine_ep(&p.s, sctx, NULL);
  engine_ep(&p.c, cctx, "localhost");
  sp_tls_ctx_unref(sctx);
  sp_tls_ctx_unref(cctx);

  /* Written before the handshake: queued, delivered once it completes. */
  assert_int_equal(sp_tls_write(p.c.t, "hello", 5), SP_TLS_OK);
  assert_string_equal(sp_tls_version(p.c.t), "none");
  pump(&p.c, &p.s);
  assert_true(p.c.done && p.s.done);
  assert_false(p.c.failed || p.s.failed);
  assert_string_equal(sp_tls_version(p.c.t), "TLSv1.3");
  assert_string_equal(sp_tls_version(p.s.t), "TLSv1.3");
  assert_int_equal(p.s.rxlen, 5);
  assert_memory_equal(p.s.rx, "hello", 5);
  p.s.rxlen = 0;

  /* The client sees who the server is; the server saw no client cert. */
  char fpr[65], cn[64];
  assert_true(sp_tls_peer_fingerprint(p.c.t, fpr));
  assert_string_equal(fpr, P.srv_fpr);
  assert_true(sp_tls_peer_common_name(p.c.t, cn, sizeof(cn)));
  assert_string_equal(cn, "localhost");
  assert_false(sp_tls_peer_fingerprint(p.s.t, fpr));
  assert_false(sp_tls_peer_common_name(p.s.t, cn, sizeof(cn)));
  /* A CN that does not fit is refused, not truncated. */
  assert_false(sp_tls_peer_common_name(p.c.t, cn, 4));

  /* 1 MiB client -> server in uneven pieces, pumping part way through. */
  const size_t big = 1024 * 1024;
  unsigned char *up = malloc(big), *down = malloc(big);
  assert_non_null(up);
  assert_non_null(down);
  fill_pattern(up, big, 1);
  fill_pattern(down, big, 2);
  static const size_t pieces[] = {1, 100, 16383, 16384, 16385, 65536, 300000};
  size_t off = 0;
  for (size_t i = 0; off < big; i++) {
    size_t n = i < sizeof(pieces) / sizeof(pieces[0]) ? pieces[i] : big - off;
    if (n > big - off) n = big - off;
    assert_int_equal(sp_tls_write(p.c.t, up + off, n), SP_TLS_OK);
    off += n;
    if (i % 2) pump(&p.c, &p.s);
  }
  /* ... and 1 MiB server -> client in one write, both in flight at once. */
  assert_int_equal(sp_tls_write(p.s.t, down, big), SP_TLS_OK);
  pump(&p.c, &p.s);
  assert_int_equal(p.s.rxlen, big);
  assert_memory_equal(p.s.rx, up, big);
  assert_int_equal(p.c.rxlen, big);
  assert_memory_equal(p.c.rx, down, big);
  free(up);
  free(down);

  /* Orderly close, one direction at a time. */
  assert_int_equal(sp_tls_shutdown(p.c.t), SP_TLS_OK);
  assert_true(sp_tls_pending_out(p.c.t) > 0);
  assert_int_equal(sp_tls_shutdown(p.c.t), SP_TLS_OK); /* idempotent */
  pump(&p.c, &p.s);
  assert_true(p.s.closed);
  assert_false(p.c.closed);
  size_t n = 1;
  char buf[16];
  assert_int_equal(sp_tls_read(p.s.t, buf, sizeof(buf), &n), SP_TLS_CLOSED);
  assert_int_equal(n, 0);
  /* The server may still answer before closing its side. */
  assert_int_equal(sp_tls_write(p.s.t, "bye", 3), SP_TLS_OK);
  assert_int_equal(sp_tls_shutdown(p.s.t), SP_TLS_OK);
  pump(&p.c, &p.s);
  assert_true(p.c.closed);
  assert_int_equal(p.c.rxlen, big + 3);
  assert_memory_equal(p.c.rx + big, "bye", 3);
  assert_string_equal(sp_tls_error(p.c.t), "no error");
  assert_string_equal(sp_tls_error(p.s.t), "no error");
  pair_free(&p);
}

static void client_refuses_server_signed_by_untrusted_ca(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg(), ccfg = {.ca_file = P.other_ca};
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "localhost");
  assert_true(p.c.failed);
  assert_false(sp_tls_handshake_done(p.c.t));
  assert_contains(sp_tls_error(p.c.t), "not signed by a trusted CA");
  assert_contains(sp_tls_error(p.c.t), "Simpeg Test CA"); /* the issuer it has */
  assert_contains(sp_tls_error(p.c.t), P.other_ca);       /* the file to check */
  /* The client's alert tells the server why. */
  assert_true(p.s.failed);
  assert_contains(sp_tls_error(p.s.t), "client rejected the server certificate");
  pair_free(&p);
}

static void client_refuses_certificate_for_another_host_name(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg(), ccfg = default_client_cfg();
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "db.example.org");
  assert_true(p.c.failed);
  assert_contains(sp_tls_error(p.c.t), "does not match host name 'db.example.org'");
  assert_true(p.s.failed);
  pair_free(&p);
}

static void client_refuses_expired_server_certificate(void **state) {
  (void)state;
  sp_tls_config_t scfg = {.cert_file = P.expired_cert, .key_file = P.srv_key};
  sp_tls_config_t ccfg = default_client_cfg();
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "localhost");
  assert_true(p.c.failed);
  assert_contains(sp_tls_error(p.c.t), "server certificate has expired (notAfter ");
  assert_contains(sp_tls_error(p.c.t), " UTC)");
  assert_true(p.s.failed);
  assert_contains(sp_tls_error(p.s.t), "certificate expired");
  pair_free(&p);
}

static void client_accepts_ip_address_in_certificate(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg(), ccfg = default_client_cfg();
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "127.0.0.1");
  assert_true(p.c.done && p.s.done);
  pair_free(&p);

  pair_run(&p, &scfg, &ccfg, "127.0.0.2");
  assert_true(p.c.failed);
  assert_contains(sp_tls_error(p.c.t), "does not match IP address '127.0.0.2'");
  pair_free(&p);
}

static void server_requiring_tls13_refuses_tls12_client(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg();
  sp_tls_ctx_t *sctx = server_ctx(&scfg);
  ep_t s, c;
  engine_ep(&s, sctx, NULL);
  sp_tls_ctx_unref(sctx);
  raw_client_ep(&c, TLS1_2_VERSION, (const unsigned char *)"\x08simpeg/1", 9);
  pump(&c, &s);
  assert_true(s.failed);
  assert_contains(sp_tls_error(s.t), "peer does not support TLS 1.3");
  assert_true(c.failed);
  ep_free(&s);
  ep_free(&c);
}

static void client_requiring_tls13_refuses_tls12_server(void **state) {
  (void)state;
  sp_tls_config_t ccfg = default_client_cfg();
  sp_tls_ctx_t *cctx = client_ctx(&ccfg);
  ep_t s, c;
  engine_ep(&c, cctx, "localhost");
  sp_tls_ctx_unref(cctx);
  raw_server_ep(&s, TLS1_2_VERSION, true);
  pump(&c, &s);
  assert_true(c.failed);
  assert_contains(sp_tls_error(c.t), "peer does not support TLS 1.3");
  assert_true(s.failed);
  ep_free(&s);
  ep_free(&c);
}

static void tls12_works_when_both_sides_enable_it(void **state) {
  (void)state;
  /* Engine server with min 1.2 against a 1.2-only client. */
  sp_tls_config_t scfg = default_server_cfg();
  scfg.min_version = 12;
  sp_tls_ctx_t *sctx = server_ctx(&scfg);
  ep_t s, c;
  engine_ep(&s, sctx, NULL);
  sp_tls_ctx_unref(sctx);
  raw_client_ep(&c, TLS1_2_VERSION, (const unsigned char *)"\x08simpeg/1", 9);
  pump(&c, &s);
  assert_true(s.done && c.done);
  assert_string_equal(sp_tls_version(s.t), "TLSv1.2");
  assert_int_equal(sp_tls_write(s.t, "ok", 2), SP_TLS_OK);
  pump(&c, &s);
  assert_int_equal(c.rxlen, 2);
  ep_free(&s);
  ep_free(&c);

  /* Engine client with min 1.2 against a 1.2-only server: still verified. */
  sp_tls_config_t ccfg = default_client_cfg();
  ccfg.min_version = 12;
  sp_tls_ctx_t *cctx = client_ctx(&ccfg);
  engine_ep(&c, cctx, "localhost");
  sp_tls_ctx_unref(cctx);
  raw_server_ep(&s, TLS1_2_VERSION, true);
  pump(&c, &s);
  assert_true(c.done && s.done);
  assert_string_equal(sp_tls_version(c.t), "TLSv1.2");
  char cn[64];
  assert_true(sp_tls_peer_common_name(c.t, cn, sizeof(cn)));
  assert_string_equal(cn, "localhost");
  ep_free(&s);
  ep_free(&c);
}

static void server_refuses_client_without_alpn(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg();
  sp_tls_ctx_t *sctx = server_ctx(&scfg);
  ep_t s, c;
  engine_ep(&s, sctx, NULL);
  raw_client_ep(&c, 0, NULL, 0);
  pump(&c, &s);
  assert_true(s.failed);
  assert_contains(sp_tls_error(s.t), "peer does not speak simpeg/1");
  assert_true(c.failed);
  ep_free(&s);
  ep_free(&c);

  /* Offering only something else is refused too, and named. */
  engine_ep(&s, sctx, NULL);
  sp_tls_ctx_unref(sctx);
  raw_client_ep(&c, 0, (const unsigned char *)"\x02h2\x08http/1.1", 12);
  pump(&c, &s);
  assert_true(s.failed);
  assert_contains(sp_tls_error(s.t), "peer does not speak simpeg/1 (it offered: h2, http/1.1)");
  assert_true(c.failed);
  ep_free(&s);
  ep_free(&c);
}

static void client_refuses_server_without_alpn(void **state) {
  (void)state;
  sp_tls_config_t ccfg = default_client_cfg();
  sp_tls_ctx_t *cctx = client_ctx(&ccfg);
  ep_t s, c;
  engine_ep(&c, cctx, "localhost");
  sp_tls_ctx_unref(cctx);
  raw_server_ep(&s, 0, false);
  pump(&c, &s);
  assert_true(c.failed);
  assert_false(sp_tls_handshake_done(c.t));
  assert_contains(sp_tls_error(c.t), "peer does not speak simpeg/1");
  ep_free(&s);
  ep_free(&c);
}

/* TLS 1.3 KeyUpdate from the peer, asking for ours in return: OpenSSL 3.0
 * sends the answer with our next write (other versions may send it from
 * the read, which is why callers drain sp_tls_take_out after reads too). */
static void peer_key_update_keeps_connection_working(void **state) {
  (void)state;
  sp_tls_config_t ccfg = default_client_cfg();
  sp_tls_ctx_t *cctx = client_ctx(&ccfg);
  ep_t s, c;
  engine_ep(&c, cctx, "localhost");
  sp_tls_ctx_unref(cctx);
  raw_server_ep(&s, 0, true);
  pump(&c, &s);
  assert_true(c.done && s.done);
  assert_int_equal(SSL_key_update(s.raw, SSL_KEY_UPDATE_REQUESTED), 1);
  size_t w = 0;
  assert_int_equal(SSL_write_ex(s.raw, "ping", 4, &w), 1);
  xfer(&s, &c);
  assert_int_equal(sp_tls_pending_out(c.t), 0);
  ep_step(&c);
  assert_int_equal(c.rxlen, 4);
  assert_memory_equal(c.rx, "ping", 4);
  xfer(&c, &s); /* whatever the read produced */
  assert_int_equal(sp_tls_write(c.t, "pong", 4), SP_TLS_OK);
  pump(&c, &s);
  assert_false(c.failed || s.failed);
  assert_int_equal(s.rxlen, 4);
  assert_memory_equal(s.rx, "pong", 4);
  ep_free(&s);
  ep_free(&c);
}

/* TLS 1.3: the client finishes its handshake before the server has looked
 * at the (missing) client certificate, so the refusal reaches the client as
 * an alert on its first read. */
static void mtls_server_refuses_client_without_certificate(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg();
  scfg.require_client_cert = true;
  scfg.ca_file = P.ca;
  sp_tls_config_t ccfg = default_client_cfg();
  sp_tls_ctx_t *sctx = server_ctx(&scfg), *cctx = client_ctx(&ccfg);
  ep_t s, c;
  engine_ep(&s, sctx, NULL);
  engine_ep(&c, cctx, "localhost");
  sp_tls_ctx_unref(sctx);
  sp_tls_ctx_unref(cctx);
  c.reads = false; /* only handshake; the first read comes below */
  assert_int_equal(sp_tls_write(c.t, "hello", 5), SP_TLS_OK);
  pump(&c, &s);

  assert_true(c.done);
  assert_true(sp_tls_handshake_done(c.t));
  assert_true(s.failed);
  assert_false(sp_tls_handshake_done(s.t));
  assert_contains(sp_tls_error(s.t), "client did not present a certificate");
  assert_int_equal(s.rxlen, 0); /* nothing from an unauthenticated client */

  char buf[80];
  size_t n = 99;
  assert_int_equal(sp_tls_read(c.t, buf, sizeof(buf), &n), SP_TLS_ERROR);
  assert_int_equal(n, 0);
  assert_contains(sp_tls_error(c.t), "server requires a client certificate");
  assert_false(sp_tls_handshake_done(c.t));
  /* Dead is dead: no shutdown, no writes, the same answer again. */
  assert_int_equal(sp_tls_read(c.t, buf, sizeof(buf), &n), SP_TLS_ERROR);
  assert_int_equal(sp_tls_write(c.t, "x", 1), SP_TLS_ERROR);
  assert_int_equal(sp_tls_shutdown(c.t), SP_TLS_ERROR);
  assert_int_equal(sp_tls_pending_out(c.t), 0);
  assert_false(sp_tls_peer_fingerprint(c.t, buf));
  ep_free(&s);
  ep_free(&c);
}

static void mtls_server_accepts_client_certificate_and_names_it(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg();
  scfg.require_client_cert = true;
  scfg.ca_file = P.ca;
  sp_tls_config_t ccfg = default_client_cfg();
  ccfg.cert_file = P.cli_cert;
  ccfg.key_file = P.cli_key;
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "localhost");
  assert_true(p.c.done && p.s.done);
  char fpr[65], cn[64];
  assert_true(sp_tls_peer_fingerprint(p.s.t, fpr));
  assert_string_equal(fpr, P.cli_fpr);
  assert_int_equal(strlen(fpr), 64);
  assert_true(sp_tls_peer_common_name(p.s.t, cn, sizeof(cn)));
  assert_string_equal(cn, "branch-01");
  assert_int_equal(sp_tls_write(p.s.t, "welcome", 7), SP_TLS_OK);
  pump(&p.c, &p.s);
  assert_int_equal(p.c.rxlen, 7);
  assert_false(p.c.failed);
  pair_free(&p);
}

static void mtls_server_with_crl_refuses_revoked_client(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg();
  scfg.require_client_cert = true;
  scfg.ca_file = P.ca;
  scfg.crl_file = P.crl;
  sp_tls_config_t ccfg = default_client_cfg();
  ccfg.cert_file = P.revoked_cert;
  ccfg.key_file = P.revoked_key;
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "localhost");
  assert_true(p.s.failed);
  assert_contains(sp_tls_error(p.s.t), "client certificate has been revoked");
  assert_true(p.c.failed);
  assert_contains(sp_tls_error(p.c.t), "server rejected our client certificate");
  pair_free(&p);

  /* A certificate that is not on the list still gets in. */
  ccfg.cert_file = P.cli_cert;
  ccfg.key_file = P.cli_key;
  pair_run(&p, &scfg, &ccfg, "localhost");
  assert_true(p.c.done && p.s.done);
  pair_free(&p);
}

static void tampered_record_is_fatal_on_read(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg(), ccfg = default_client_cfg();
  pair_t p;
  pair_run(&p, &scfg, &ccfg, "localhost");
  assert_true(p.c.done && p.s.done);
  assert_int_equal(sp_tls_write(p.s.t, "secret", 6), SP_TLS_OK);
  unsigned char buf[256];
  size_t n = sp_tls_take_out(p.s.t, buf, sizeof(buf));
  assert_true(n > 10);
  buf[n - 3] ^= 0x40; /* inside the AEAD tag */
  assert_int_equal(sp_tls_feed(p.c.t, buf, n), SP_TLS_OK);
  size_t got = 0;
  assert_int_equal(sp_tls_read(p.c.t, buf, sizeof(buf), &got), SP_TLS_ERROR);
  assert_int_equal(got, 0);
  assert_contains(sp_tls_error(p.c.t), "integrity");
  pair_free(&p);
}

static void context_errors_name_the_file(void **state) {
  (void)state;
  char err[512];
  char missing[160];
  snprintf(missing, sizeof(missing), "%s/no-such-file.pem", P.dir);

  sp_tls_config_t cfg = {.cert_file = missing, .key_file = P.srv_key};
  assert_null(sp_tls_ctx_new_server(&cfg, err, sizeof(err)));
  assert_contains(err, missing);
  assert_contains(err, "certificate file");
  assert_contains(err, "No such file");

  cfg = (sp_tls_config_t){.cert_file = P.srv_cert, .key_file = missing};
  assert_null(sp_tls_ctx_new_server(&cfg, err, sizeof(err)));
  assert_contains(err, missing);
  assert_contains(err, "private key");

  cfg = (sp_tls_config_t){.ca_file = missing};
  assert_null(sp_tls_ctx_new_client(&cfg, err, sizeof(err)));
  assert_contains(err, missing);
  assert_contains(err, "CA file");

  cfg = (sp_tls_config_t){.ca_file = P.ca, .crl_file = missing};
  assert_null(sp_tls_ctx_new_client(&cfg, err, sizeof(err)));
  assert_contains(err, missing);

  /* A file that exists but holds the wrong thing. */
  cfg = (sp_tls_config_t){.cert_file = P.srv_key, .key_file = P.srv_key};
  assert_null(sp_tls_ctx_new_server(&cfg, err, sizeof(err)));
  assert_contains(err, P.srv_key);
  cfg = (sp_tls_config_t){.ca_file = P.ca, .crl_file = P.ca};
  assert_null(sp_tls_ctx_new_client(&cfg, err, sizeof(err)));
  assert_contains(err, "contains no PEM CRL");

  cfg = (sp_tls_config_t){.cert_file = P.srv_cert, .key_file = P.cli_key};
  assert_null(sp_tls_ctx_new_server(&cfg, err, sizeof(err)));
  assert_contains(err, "does not match");
  assert_contains(err, P.cli_key);

  cfg = default_server_cfg();
  cfg.min_version = 11;
  assert_null(sp_tls_ctx_new_server(&cfg, err, sizeof(err)));
  assert_contains(err, "min_version");

  cfg = default_server_cfg();
  cfg.require_client_cert = true;
  assert_null(sp_tls_ctx_new_server(&cfg, err, sizeof(err)));
  assert_contains(err, "CA file");

  cfg = (sp_tls_config_t){0};
  assert_null(sp_tls_ctx_new_client(&cfg, err, sizeof(err)));
  assert_contains(err, "CA file");
  assert_null(sp_tls_ctx_new_client(NULL, NULL, 0));
  assert_int_equal(ERR_peek_error(), 0); /* nothing left behind */
}

static void server_calls_plaintext_peer_not_tls(void **state) {
  (void)state;
  sp_tls_config_t scfg = default_server_cfg();
  sp_tls_ctx_t *sctx = server_ctx(&scfg);
  sp_tls_t *t = sp_tls_new(sctx, NULL);
  sp_tls_ctx_unref(sctx);
  static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  assert_int_equal(sp_tls_feed(t, req, sizeof(req) - 1), SP_TLS_OK);
  assert_int_equal(sp_tls_handshake(t), SP_TLS_ERROR);
  assert_contains(sp_tls_error(t), "not speaking TLS");
  assert_int_equal(sp_tls_feed(t, "x", 1), SP_TLS_ERROR);
  sp_tls_free(t);
}

static void client_without_server_name_reports_why(void **state) {
  (void)state;
  sp_tls_config_t ccfg = default_client_cfg();
  sp_tls_ctx_t *cctx = client_ctx(&ccfg);
  sp_tls_t *t = sp_tls_new(cctx, NULL);
  assert_non_null(t);
  assert_int_equal(sp_tls_handshake(t), SP_TLS_ERROR);
  assert_contains(sp_tls_error(t), "server name");
  sp_tls_free(t);
  /* A bracketed IPv6 literal is accepted. */
  t = sp_tls_new(cctx, "[::1]");
  assert_int_equal(sp_tls_handshake(t), SP_TLS_WANT);
  assert_true(sp_tls_pending_out(t) > 0);
  sp_tls_free(t);
  sp_tls_ctx_unref(cctx);
}

static void context_reference_counting_outlives_unref(void **state) {
  (void)state;
  sp_tls_config_t ccfg = default_client_cfg();
  sp_tls_ctx_t *cctx = client_ctx(&ccfg);
  assert_ptr_equal(sp_tls_ctx_ref(cctx), cctx);
  sp_tls_ctx_unref(cctx);
  sp_tls_t *t = sp_tls_new(cctx, "localhost");
  sp_tls_ctx_unref(cctx); /* the connection holds the last reference */
  assert_int_equal(sp_tls_handshake(t), SP_TLS_WANT);
  sp_tls_free(t); /* frees the context; ASan/valgrind check the rest */
  sp_tls_ctx_unref(NULL);
  sp_tls_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(handshake_carries_data_both_ways_and_close_notify_ends_it),
      cmocka_unit_test(client_refuses_server_signed_by_untrusted_ca),
      cmocka_unit_test(client_refuses_certificate_for_another_host_name),
      cmocka_unit_test(client_refuses_expired_server_certificate),
      cmocka_unit_test(client_accepts_ip_address_in_certificate),
      cmocka_unit_test(server_requiring_tls13_refuses_tls12_client),
      cmocka_unit_test(client_requiring_tls13_refuses_tls12_server),
      cmocka_unit_test(tls12_works_when_both_sides_enable_it),
      cmocka_unit_test(server_refuses_client_without_alpn),
      cmocka_unit_test(client_refuses_server_without_alpn),
      cmocka_unit_test(peer_key_update_keeps_connection_working),
      cmocka_unit_test(mtls_server_refuses_client_without_certificate),
      cmocka_unit_test(mtls_server_accepts_client_certificate_and_names_it),
      cmocka_unit_test(mtls_server_with_crl_refuses_revoked_client),
      cmocka_unit_test(tampered_record_is_fatal_on_read),
      cmocka_unit_test(context_errors_name_the_file),
      cmocka_unit_test(server_calls_plaintext_peer_not_tls),
      cmocka_unit_test(client_without_server_name_reports_why),
      cmocka_unit_test(context_reference_counting_outlives_unref),
  };
  return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
