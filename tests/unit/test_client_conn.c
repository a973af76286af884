/* test_client_conn: the asynchronous client against a scripted in-process
 * server on the same libuv loop (real TCP on 127.0.0.1, real TLS through
 * sp_tls, real framing), for what the real daemon does not do on demand:
 * answers out of order, silence, events, GoAway, error replies.
 *
 * This file owns a throw-away CA and server certificate made with the
 * OpenSSL API in a mkdtemp directory, and the fake server (fs_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sp_buf.h"
#include "sp_frame.h"
#include "sp_tls.h"
#include "spc.h"

/* ---- PKI ---- */

static char pki_dir[64], ca_path[128], cert_path[128], key_path[128];

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
  assert_non_null(ext);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

static X509 *issue(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, long serial, bool ca) {
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
  if (ca) {
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
  }
  assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
  return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  if (x) PEM_write_X509(f, x);
  if (k) PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
  fclose(f);
}

static int pki_setup(void **state) {
  (void)state;
  snprintf(pki_dir, sizeof(pki_dir), "/tmp/spc-test-XXXXXX");
  if (!mkdtemp(pki_dir)) return -1;
  snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", pki_dir);
  snprintf(cert_path, sizeof(cert_path), "%s/server.pem", pki_dir);
  snprintf(key_path, sizeof(key_path), "%s/server.key", pki_dir);
  EVP_PKEY *ca_key = EVP_EC_gen("P-256");
  EVP_PKEY *srv_key = EVP_EC_gen("P-256");
  X509 *ca = issue("test CA", ca_key, NULL, NULL, 1, true);
  X509 *srv = issue("localhost", srv_key, ca, ca_key, 2, false);
  write_pem(ca_path, ca, NULL);
  write_pem(cert_path, srv, NULL);
  write_pem(key_path, NULL, srv_key);
  X509_free(ca);
  X509_free(srv);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(srv_key);
  return 0;
}

static int pki_teardown(void **state) {
  (void)state;
  unlink(ca_path);
  unlink(cert_path);
  unlink(key_path);
  rmdir(pki_dir);
  return 0;
}

/* ---- the fake server ---- */

typedef enum { FS_ECHO, FS_REVERSE, FS_SILENT } fs_mode_t;

typedef struct fs fs_t;

typedef struct fs_conn {
  fs_t *fs;
  uv_tcp_t tcp;
  sp_tls_t *tls;
  sp_frame_decoder_t dec;
  uint8_t rbuf[16384];
  Simpeg__V1__Request *held[64]; /* FS_REVERSE: pings waiting */
  size_t n_held;
  size_t outstanding;            /* requests received and not yet answered */
  size_t answered;
  bool goaway_sent;
  bool closing;
  struct fs_conn *next;
} fs_conn_t;

struct fs {
  uv_loop_t *loop;
  uv_tcp_t listener;
  sp_tls_ctx_t *ctx;
  int port;
  fs_mode_t mode;
  uint32_t max_in_flight;
  size_t reverse_batch;   /* FS_REVERSE: answer when this many are held */
  size_t goaway_after;    /* send GoAway after this many answers (0: never) */
  bool send_event;        /* push an Event right after HelloReply */
  size_t accepted;
  size_t max_outstanding; /* largest in-flight count seen on any connection */
  fs_conn_t *conns;
  int open_handles;
};

static void fs_send(fs_conn_t *fc, const Simpeg__V1__ServerFrame *f) {
  sp_buf_t b;
  sp_buf_init(&b, SP_FRAME_DEFAULT_MAX + 8);
  assert_int_equal(sp_frame_pack(&b, &f->base, SP_FRAME_DEFAULT_MAX), 0);
  assert_int_equal(sp_tls_write(fc->tls, sp_buf_head(&b), sp_buf_used(&b)), SP_TLS_OK);
  sp_buf_free(&b);
}

static void on_fs_write(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

static void fs_flush(fs_conn_t *fc) {
  size_t n = sp_tls_pending_out(fc->tls);
  if (n == 0 || fc->closing) return;
  uv_write_t *w = malloc(sizeof(*w) + n);
  uint8_t *data = (uint8_t *)(w + 1);
  size_t got = sp_tls_take_out(fc->tls, data, n);
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)got);
  if (uv_write(w, (uv_stream_t *)&fc->tcp, &b, 1, on_fs_write) < 0) free(w);
}

static void on_fs_conn_closed(uv_handle_t *h) {
  fs_conn_t *fc = h->data;
  fs_t *fs = fc->fs;
  fs_conn_t **pp = &fs->conns;
  while (*pp != fc) pp = &(*pp)->next;
  *pp = fc->next;
  for (size_t i = 0; i < fc->n_held; i++) simpeg__v1__request__free_unpacked(fc->held[i], NULL);
  sp_tls_free(fc->tls);
  sp_frame_decoder_free(&fc->dec);
  free(fc);
  fs->open_handles--;
}

static void fs_conn_close(fs_conn_t *fc) {
  if (fc->closing) return;
  fc->closing = true;
  uv_close((uv_handle_t *)&fc->tcp, on_fs_conn_closed);
}

static void fs_answer_ping(fs_conn_t *fc, Simpeg__V1__Request *req) {
  Simpeg__V1__Pong pong = SIMPEG__V1__PONG__INIT;
  pong.payload = req->ping->payload;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  resp.id = req->id;
  resp.result_case = SIMPEG__V1__RESPONSE__RESULT_PONG;
  resp.pong = &pong;
  Simpeg__V1__ServerFrame f = SIMPEG__V1__SERVER_FRAME__INIT;
  f.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE;
  f.response = &resp;
  fs_send(fc, &f);
  fc->outstanding--;
  fc->answered++;
  if (fc->fs->goaway_after && fc->answered == fc->fs->goaway_after && !fc->goaway_sent) {
    Simpeg__V1__GoAway ga = SIMPEG__V1__GO_AWAY__INIT;
    ga.reason = "test drain";
    Simpeg__V1__ServerFrame g = SIMPEG__V1__SERVER_FRAME__INIT;
    g.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_GOAWAY;
    g.goaway = &ga;
    fs_send(fc, &g);
    fc->goaway_sent = true;
  }
}

static void fs_handle(fs_conn_t *fc, Simpeg__V1__Request *req) {
  fs_t *fs = fc->fs;
  Simpeg__V1__Response resp = SIMPEG__V1__RESPONSE__INIT;
  Simpeg__V1__ServerFrame f = SIMPEG__V1__SERVER_FRAME__INIT;
  f.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE;
  f.response = &resp;
  resp.id = req->id;
  if (req->call_case == SIMPEG__V1__REQUEST__CALL_HELLO) {
    Simpeg__V1__HelloReply hr = SIMPEG__V1__HELLO_REPLY__INIT;
    hr.protocol_version = 1;
    hr.server_name = "fake";
    hr.server_version = "9.9";
    hr.max_frame = 1 << 20;
    hr.max_in_flight = fs->max_in_flight;
    resp.result_case = SIMPEG__V1__RESPONSE__RESULT_HELLO;
    resp.hello = &hr;
    fs_send(fc, &f);
    if (fs->send_event) {
      Simpeg__V1__Event ev = SIMPEG__V1__EVENT__INIT;
      ev.seq = 42;
      ev.topic = "employee";
      ev.entity_id = "198001012005011001";
      Simpeg__V1__ServerFrame e = SIMPEG__V1__SERVER_FRAME__INIT;
      e.kind_case = SIMPEG__V1__SERVER_FRAME__KIND_EVENT;
      e.event = &ev;
      fs_send(fc, &e);
    }
    simpeg__v1__request__free_unpacked(req, NULL);
    return;
  }
  if (req->call_case == SIMPEG__V1__REQUEST__CALL_STATUS) {
    Simpeg__V1__FieldViolation v = SIMPEG__V1__FIELD_VIOLATION__INIT;
    v.field = "nip";
    v.reason = "required";
    Simpeg__V1__FieldViolation *vp = &v;
    Simpeg__V1__Error e = SIMPEG__V1__ERROR__INIT;
    e.code = SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    e.reason = "invalid_field";
    e.message = "a field of the request is invalid";
    e.violations = &vp;
    e.n_violations = 1;
    resp.error = &e;
    fs_send(fc, &f);
    simpeg__v1__request__free_unpacked(req, NULL);
    return;
  }
  fc->outstanding++;
  if (fc->outstanding > fs->max_outstanding) fs->max_outstanding = fc->outstanding;
  switch (fs->mode) {
  case FS_ECHO:
    fs_answer_ping(fc, req);
    simpeg__v1__request__free_unpacked(req, NULL);
    break;
  case FS_SILENT:
    assert_true(fc->n_held < 64);
    fc->held[fc->n_held++] = req;
    break;
  case FS_REVERSE:
    assert_true(fc->n_held < 64);
    fc->held[fc->n_held++] = req;
    if (fc->n_held == fs->reverse_batch) {
      while (fc->n_held > 0) {
        Simpeg__V1__Request *r = fc->held[--fc->n_held];
        fs_answer_ping(fc, r);
        simpeg__v1__request__free_unpacked(r, NULL);
      }
    }
    break;
  }
}

static void on_fs_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  fs_conn_t *fc = h->data;
  (void)suggested;
  *buf = uv_buf_init((char *)fc->rbuf, sizeof(fc->rbuf));
}

static void on_fs_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  fs_conn_t *fc = s->data;
  (void)buf;
  if (nread == 0 || fc->closing) return;
  if (nread < 0) {
    fs_conn_close(fc);
    return;
  }
  assert_int_equal(sp_tls_feed(fc->tls, fc->rbuf, (size_t)nread), SP_TLS_OK);
  if (!sp_tls_handshake_done(fc->tls)) {
    int rc = sp_tls_handshake(fc->tls);
    fs_flush(fc);
    if (rc == SP_TLS_ERROR) {
      fs_conn_close(fc);
      return;
    }
    if (rc == SP_TLS_WANT) return;
  }
  for (;;) {
    size_t avail, n = 0;
    uint8_t *space = sp_frame_decoder_space(&fc->dec, 16384, &avail);
    assert_non_null(space);
    int rc = sp_tls_read(fc->tls, space, avail, &n);
    if (rc != SP_TLS_OK) {
      if (rc == SP_TLS_CLOSED || rc == SP_TLS_ERROR) {
        fs_flush(fc);
        fs_conn_close(fc);
        return;
      }
      break;
    }
    sp_frame_decoder_commit(&fc->dec, n);
    const uint8_t *payload;
    size_t len;
    while (sp_frame_decoder_next(&fc->dec, &payload, &len) == 1) {
      Simpeg__V1__Request *req = simpeg__v1__request__unpack(NULL, len, payload);
      assert_non_null(req);
      fs_handle(fc, req);
    }
  }
  fs_flush(fc);
  /* After a GoAway, close once everything is answered. */
  if (fc->goaway_sent && fc->outstanding == 0) fs_conn_close(fc);
}

static void on_fs_connection(uv_stream_t *l, int status) {
  fs_t *fs = l->data;
  assert_int_equal(status, 0);
  fs_conn_t *fc = calloc(1, sizeof(*fc));
  fc->fs = fs;
  uv_tcp_init(fs->loop, &fc->tcp);
  fc->tcp.data = fc;
  fs->open_handles++;
  fc->next = fs->conns;
  fs->conns = fc;
  assert_int_equal(uv_accept(l, (uv_stream_t *)&fc->tcp), 0);
  fc->tls = sp_tls_new(fs->ctx, NULL);
  assert_non_null(fc->tls);
  sp_frame_decoder_init(&fc->dec, SP_FRAME_DEFAULT_MAX);
  fs->accepted++;
  uv_read_start((uv_stream_t *)&fc->tcp, on_fs_alloc, on_fs_read);
}

static void on_listener_closed(uv_handle_t *h) { ((fs_t *)h->data)->open_handles--; }

static void fs_start(fs_t *fs, uv_loop_t *loop, fs_mode_t mode, uint32_t max_in_flight) {
  memset(fs, 0, sizeof(*fs));
  fs->loop = loop;
  fs->mode = mode;
  fs->max_in_flight = max_in_flight;
  sp_tls_config_t cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert_file = cert_path;
  cfg.key_file = key_path;
  char err[256];
  fs->ctx = sp_tls_ctx_new_server(&cfg, err, sizeof(err));
  if (!fs->ctx) fail_msg("server ctx: %s", err);
  uv_tcp_init(loop, &fs->listener);
  fs->listener.data = fs;
  fs->open_handles = 1;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", 0, &addr);
  assert_int_equal(uv_tcp_bind(&fs->listener, (const struct sockaddr *)&addr, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&fs->listener, 16, on_fs_connection), 0);
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  uv_tcp_getsockname(&fs->listener, (struct sockaddr *)&ss, &len);
  fs->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void fs_stop(fs_t *fs) {
  if (!uv_is_closing((uv_handle_t *)&fs->listener)) uv_close((uv_handle_t *)&fs->listener, on_listener_closed);
  for (fs_conn_t *fc = fs->conns; fc; fc = fc->next) fs_conn_close(fc);
}

/* ---- client side helpers ---- */

typedef struct result {
  int calls;
  int status[64];
  uint64_t payload[64];
  int server_code;
  char violation[64];
  int events;
  uint64_t event_seq;
  bool closed;
} result_t;

typedef struct call_ctx {
  result_t *r;
  int index;
} call_ctx_t;

static void on_result(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  call_ctx_t *cc = ud;
  result_t *r = cc->r;
  (void)c;
  r->status[cc->index] = status;
  r->calls++;
  if (status == 0 && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_PONG) {
    uint64_t v = 0;
    for (size_t i = 0; i < resp->pong->payload.len && i < 8; i++) v = (v << 8) | resp->pong->payload.data[i];
    r->payload[cc->index] = v;
  }
  if (status == SPC_ESERVER) {
    assert_non_null(err);
    assert_non_null(err->server);
    r->server_code = err->server->code;
    if (err->server->n_violations)
      snprintf(r->violation, sizeof(r->violation), "%s:%s", err->server->violations[0]->field,
               err->server->violations[0]->reason);
  }
  spc_response_free(resp);
}

static void on_event(spc_client_t *c, const Simpeg__V1__Event *ev, void *ud) {
  result_t *r = ud;
  (void)c;
  r->events++;
  r->event_seq = ev->seq;
}

static void on_closed(void *ud) { ((result_t *)ud)->closed = true; }

static spc_client_t *client_for(uv_loop_t *loop, fs_t *fs, uint32_t request_timeout_ms) {
  char server[64];
  snprintf(server, sizeof(server), "127.0.0.1:%d", fs->port);
  spc_options_t opt;
  spc_options_init(&opt);
  opt.server = server;
  opt.ca_file = ca_path;
  opt.connect_timeout_ms = 5000;
  opt.request_timeout_ms = request_timeout_ms;
  opt.reconnect = true;
  spc_error_t err;
  spc_client_t *c = spc_client_new(loop, &opt, &err);
  if (!c) fail_msg("spc_client_new: %s", err.detail);
  return c;
}

static void ping(spc_client_t *c, call_ctx_t *cc, uint64_t value) {
  uint8_t payload[8];
  for (int i = 0; i < 8; i++) payload[i] = (uint8_t)(value >> (56 - 8 * i));
  Simpeg__V1__Ping p = SIMPEG__V1__PING__INIT;
  p.payload.data = payload;
  p.payload.len = 8;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &p;
  assert_int_equal(spc_client_call(c, &req, on_result, cc, NULL), 0);
}

static void on_tick(uv_timer_t *t) { (void)t; }

/* Runs the loop until *counter reaches want or 10 s pass. A ticking timer
 * keeps UV_RUN_ONCE from blocking in poll after the timers that did the
 * work already ran at the start of the iteration. */
static void run_until(uv_loop_t *loop, const int *counter, int want) {
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  uint64_t deadline = uv_hrtime() + 10ull * 1000 * 1000 * 1000;
  while (*counter < want && uv_hrtime() < deadline) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT); /* lets the close finish before `tick` goes */
  assert_true(*counter >= want);
}

/* Closes client and server and checks that nothing is left on the loop. */
static void finish(uv_loop_t *loop, spc_client_t *c, fs_t *fs, result_t *r) {
  if (c) spc_client_close(c, on_closed, r);
  fs_stop(fs);
  uv_run(loop, UV_RUN_DEFAULT);
  if (c) assert_true(r->closed);
  assert_int_equal(fs->open_handles, 0);
  sp_tls_ctx_unref(fs->ctx);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* ---- tests ---- */

static void responses_in_any_order_reach_their_callers(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_REVERSE, 8);
  fs.reverse_batch = 8;
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  call_ctx_t cc[16];
  for (int i = 0; i < 16; i++) {
    cc[i].r = &r;
    cc[i].index = i;
    ping(c, &cc[i], 1000 + (uint64_t)i);
  }
  run_until(&loop, &r.calls, 16);
  for (int i = 0; i < 16; i++) {
    assert_int_equal(r.status[i], 0);
    assert_int_equal(r.payload[i], 1000 + (uint64_t)i);
  }
  assert_string_equal(spc_client_server_info(c)->server_version, "9.9");
  finish(&loop, c, &fs, &r);
}

static void in_flight_never_exceeds_the_servers_limit(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_REVERSE, 3);
  fs.reverse_batch = 3;
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  call_ctx_t cc[30];
  for (int i = 0; i < 30; i++) {
    cc[i].r = &r;
    cc[i].index = i;
    ping(c, &cc[i], (uint64_t)i);
  }
  run_until(&loop, &r.calls, 30);
  for (int i = 0; i < 30; i++) assert_int_equal(r.status[i], 0);
  assert_int_equal(fs.max_outstanding, 3);
  finish(&loop, c, &fs, &r);
}

static void silent_server_times_out_requests(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_SILENT, 8);
  spc_client_t *c = client_for(&loop, &fs, 150);
  result_t r = {0};
  call_ctx_t cc[2] = {{&r, 0}, {&r, 1}};
  uint64_t t0 = uv_hrtime();
  ping(c, &cc[0], 1);
  ping(c, &cc[1], 2);
  run_until(&loop, &r.calls, 2);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  assert_int_equal(r.status[0], SPC_ETIMEDOUT);
  assert_int_equal(r.status[1], SPC_ETIMEDOUT);
  assert_true(ms >= 140 && ms < 2000);
  finish(&loop, c, &fs, &r);
}

static void server_error_arrives_with_code_and_violations(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_ECHO, 8);
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  call_ctx_t cc = {&r, 0};
  Simpeg__V1__StatusRequest sr = SIMPEG__V1__STATUS_REQUEST__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
  req.status = &sr;
  assert_int_equal(spc_client_call(c, &req, on_result, &cc, NULL), 0);
  run_until(&loop, &r.calls, 1);
  assert_int_equal(r.status[0], SPC_ESERVER);
  assert_int_equal(r.server_code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
  assert_string_equal(r.violation, "nip:required");
  finish(&loop, c, &fs, &r);
}

static void pushed_events_reach_the_event_callback(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_ECHO, 8);
  fs.send_event = true;
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  spc_client_set_callbacks(c, NULL, on_event, &r);
  assert_int_equal(spc_client_connect(c), 0);
  run_until(&loop, &r.events, 1);
  assert_int_equal(r.event_seq, 42);
  finish(&loop, c, &fs, &r);
}

static void goaway_moves_new_requests_to_a_new_connection(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_ECHO, 8);
  fs.goaway_after = 1;
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  call_ctx_t cc[3] = {{&r, 0}, {&r, 1}, {&r, 2}};
  ping(c, &cc[0], 7);
  run_until(&loop, &r.calls, 1);
  assert_int_equal(r.status[0], 0);
  /* The GoAway follows the first answer; let it arrive. */
  for (int i = 0; i < 20 && spc_client_state(c) == SPC_STATE_READY; i++) uv_run(&loop, UV_RUN_NOWAIT);
  ping(c, &cc[1], 8);
  ping(c, &cc[2], 9);
  run_until(&loop, &r.calls, 3);
  assert_int_equal(r.status[1], 0);
  assert_int_equal(r.status[2], 0);
  assert_int_equal(r.payload[2], 9);
  assert_int_equal(fs.accepted, 2);
  finish(&loop, c, &fs, &r);
}

static void refused_connect_fails_queued_calls_promptly(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_ECHO, 8);
  int port = fs.port;
  fs_stop(&fs);
  uv_run(&loop, UV_RUN_DEFAULT);
  fs.port = port; /* nothing listens there now */
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  call_ctx_t cc[2] = {{&r, 0}, {&r, 1}};
  uint64_t t0 = uv_hrtime();
  ping(c, &cc[0], 1);
  ping(c, &cc[1], 2);
  run_until(&loop, &r.calls, 2);
  assert_int_equal(r.status[0], SPC_ECONNECT);
  assert_int_equal(r.status[1], SPC_ECONNECT);
  assert_true((uv_hrtime() - t0) / 1000000 < 1000);
  spc_client_close(c, on_closed, &r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(r.closed);
  sp_tls_ctx_unref(fs.ctx);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void close_cancels_pending_calls_and_frees_everything(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fs_t fs;
  fs_start(&fs, &loop, FS_SILENT, 8);
  spc_client_t *c = client_for(&loop, &fs, 5000);
  result_t r = {0};
  call_ctx_t cc[3] = {{&r, 0}, {&r, 1}, {&r, 2}};
  for (int i = 0; i < 3; i++) ping(c, &cc[i], (uint64_t)i);
  /* Let them reach the server, then close with all three unanswered. */
  for (int i = 0; i < 50 && fs.max_outstanding < 3; i++) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(fs.max_outstanding, 3);
  spc_client_close(c, on_closed, &r);
  assert_int_equal(r.calls, 0); /* never from inside spc_client_close */
  finish(&loop, NULL, &fs, &r);
  assert_true(r.closed);
  assert_int_equal(r.calls, 3);
  for (int i = 0; i < 3; i++) assert_int_equal(r.status[i], SPC_ECANCELED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(responses_in_any_order_reach_their_callers),
      cmocka_unit_test(in_flight_never_exceeds_the_servers_limit),
      cmocka_unit_test(silent_server_times_out_requests),
      cmocka_unit_test(server_error_arrives_with_code_and_violations),
      cmocka_unit_test(pushed_events_reach_the_event_callback),
      cmocka_unit_test(goaway_moves_new_requests_to_a_new_connection),
      cmocka_unit_test(refused_connect_fails_queued_calls_promptly),
      cmocka_unit_test(close_cancels_pending_calls_and_frees_everything),
  };
  return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
