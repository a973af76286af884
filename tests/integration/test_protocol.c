/* Integration tests of the protocol foundation: a real simpegd, a real
 * PostgreSQL and the real client library over TLS. One daemon serves the
 * whole group; misbehaving clients are raw TLS sockets, and after each of
 * them a well-behaved client must still be served. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ssl.h>
#include <signal.h>

#include "harness.h"
#include "sp_frame.h"

static daemon_t D;
/* Status needs a signed-in user (any role); this one is an employee. */
static char USER[64];
static const char *USER_PW = "protocol-test-password";

static int group_setup(void **state) {
  harness_require_env(false);
  alarm(600); /* a hung test fails instead of hanging CI */
  /* Every client comes from 127.0.0.1, where other tests fail logins. */
  if (!daemon_start(&D, "[server]\nidle_timeout_ms = 2000\nmax_in_flight = 64\n"
                        "[auth]\nthrottle_addr_failures = 100000\n"))
    return -1;
  snprintf(USER, sizeof(USER), "protocol-%d", (int)getpid()); /* after daemon_start: it migrates */
  return harness_create_user(USER, USER_PW, SIMPEG__V1__ROLE__ROLE_EMPLOYEE, NULL) ? 0 : -1;
}

static int group_teardown(void **state) {
  if (D.pid > 0) daemon_stop(&D);
  return 0;
}

static Simpeg__V1__Response *sync_call(spc_sync_t *s, Simpeg__V1__Request *req, int *rc) {
  spc_error_t err;
  Simpeg__V1__Response *resp = NULL;
  *rc = spc_sync_call(s, req, &resp, &err);
  return resp;
}

static spc_sync_t *sync_open(void) {
  spc_options_t o;
  client_options(&o, &D);
  spc_error_t err;
  spc_sync_t *s = spc_sync_open(&o, &err);
  assert_non_null(s);
  return s;
}

static void ping_round_trip_echoes_payload(void **state) {
  spc_sync_t *s = sync_open();
  const spc_server_info_t *info = spc_sync_server_info(s);
  assert_string_equal(info->server_name, "simpegd");
  assert_int_equal(info->max_in_flight, 64);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  uint8_t data[] = "apa kabar";
  ping.payload.data = data;
  ping.payload.len = sizeof(data);
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  int rc;
  Simpeg__V1__Response *resp = sync_call(s, &req, &rc);
  assert_int_equal(rc, 0);
  assert_int_equal(resp->result_case, SIMPEG__V1__RESPONSE__RESULT_PONG);
  assert_int_equal(resp->pong->payload.len, sizeof(data));
  assert_memory_equal(resp->pong->payload.data, data, sizeof(data));
  assert_true(resp->pong->server_time_us > 0);
  spc_response_free(resp);
  spc_sync_close(s);
}

static void status_reports_database_schema_and_pool(void **state) {
  spc_sync_t *s = sync_open();
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__StatusRequest st = SIMPEG__V1__STATUS_REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
  req.status = &st;
  int rc;
  /* Anonymous: refused before the handler runs. */
  Simpeg__V1__Response *resp = sync_call(s, &req, &rc);
  assert_int_equal(rc, SPC_ESERVER);
  assert_int_equal(resp->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED);
  assert_string_equal(resp->error->reason, "login_required");
  assert_int_equal(resp->result_case, SIMPEG__V1__RESPONSE__RESULT__NOT_SET);
  spc_response_free(resp);
  /* Signed in (any role): the whole report. */
  assert_int_equal(sync_login(s, USER, USER_PW), 0);
  resp = sync_call(s, &req, &rc);
  assert_int_equal(rc, 0);
  assert_int_equal(resp->result_case, SIMPEG__V1__RESPONSE__RESULT_STATUS);
  Simpeg__V1__StatusReply *r = resp->status;
  assert_true(r->database_ok);
  assert_true(r->schema_version >= 1);
  assert_non_null(strstr(r->database_version, "15"));
  assert_true(r->database_latency_us > 0);
  assert_int_equal(r->pool->size, 4);
  assert_true(r->pool->connected >= 1);
  assert_true(r->connections >= 1);
  spc_response_free(resp);
  spc_sync_close(s);
}

/* ---- many requests, many connections (async client) ---- */

typedef struct tally {
  int ok, failed, mismatched;
} tally_t;

static void on_pong(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  tally_t *t = spc_client_loop(c)->data;
  uint64_t want = (uint64_t)(uintptr_t)ud;
  if (status == 0 && resp && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_PONG &&
      resp->pong->payload.len == sizeof(want)) {
    uint64_t got;
    memcpy(&got, resp->pong->payload.data, sizeof(got));
    if (got == want) t->ok++;
    else t->mismatched++;
  } else {
    t->failed++;
  }
  if (resp) spc_response_free(resp);
}

static void send_ping(spc_client_t *c, uint64_t tag) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  ping.payload.data = (uint8_t *)&tag;
  ping.payload.len = sizeof(tag);
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  assert_int_equal(spc_client_call(c, &req, on_pong, (void *)(uintptr_t)tag, NULL), 0);
}

static void pipelined_1000_requests_on_one_connection_all_answered_and_matched(void **state) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  tally_t t = {0};
  loop.data = &t;
  spc_options_t o;
  client_options(&o, &D);
  o.queue_max = 2000;
  spc_error_t err;
  spc_client_t *c = spc_client_new(&loop, &o, &err);
  assert_non_null(c);
  for (uint64_t i = 1; i <= 1000; i++) send_ping(c, i * 7919);
  while (t.ok + t.failed + t.mismatched < 1000) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(t.ok, 1000);
  spc_client_close(c, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void concurrent_200_connections_all_served(void **state) {
  enum { N = 200 };
  uv_loop_t loop;
  uv_loop_init(&loop);
  tally_t t = {0};
  loop.data = &t;
  spc_client_t *cs[N];
  for (int i = 0; i < N; i++) {
    spc_options_t o;
    client_options(&o, &D);
    spc_error_t err;
    cs[i] = spc_client_new(&loop, &o, &err);
    assert_non_null(cs[i]);
    send_ping(cs[i], (uint64_t)i + 1);
    send_ping(cs[i], (uint64_t)i + 100001);
  }
  while (t.ok + t.failed + t.mismatched < 2 * N) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(t.ok, 2 * N);
  for (int i = 0; i < N; i++) spc_client_close(cs[i], NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- misbehaving clients ---- */

static void expect_protocol_error_then_close(raw_tls_t *r, const char *reason) {
  Simpeg__V1__ServerFrame *f = raw_tls_read_frame(r, 5000);
  assert_non_null(f);
  assert_int_equal(f->kind_case, SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE);
  assert_non_null(f->response->error);
  assert_int_equal(f->response->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_PROTOCOL);
  assert_string_equal(f->response->error->reason, reason);
  simpeg__v1__server_frame__free_unpacked(f, NULL);
  assert_true(raw_wait_closed(r->fd, 5000));
}

static void garbage_message_gets_protocol_error_and_close(void **state) {
  raw_tls_t r;
  assert_true(raw_tls_connect(&r, D.port));
  uint8_t frame[4 + 6] = {0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  assert_true(raw_tls_send(&r, frame, sizeof(frame)));
  expect_protocol_error_then_close(&r, "malformed_message");
  raw_tls_close(&r);
  assert_int_equal(sync_ping(&D), 0);
}

static void zero_length_frame_gets_protocol_error_and_close(void **state) {
  raw_tls_t r;
  assert_true(raw_tls_connect(&r, D.port));
  uint8_t zero[4] = {0, 0, 0, 0};
  assert_true(raw_tls_send(&r, zero, sizeof(zero)));
  expect_protocol_error_then_close(&r, "frame_empty");
  raw_tls_close(&r);
  assert_int_equal(sync_ping(&D), 0);
}

static void oversize_frame_gets_protocol_error_and_close(void **state) {
  raw_tls_t r;
  assert_true(raw_tls_connect(&r, D.port));
  uint8_t hdr[4];
  sp_frame_put_header(hdr, 64u * 1024 * 1024);
  assert_true(raw_tls_send(&r, hdr, sizeof(hdr)));
  expect_protocol_error_then_close(&r, "frame_too_large");
  raw_tls_close(&r);
  assert_int_equal(sync_ping(&D), 0);
}

static void half_a_frame_then_silence_is_closed_by_the_idle_timeout(void **state) {
  raw_tls_t r;
  assert_true(raw_tls_connect(&r, D.port));
  uint8_t half[4 + 3] = {0, 0, 0, 100, 1, 2, 3};
  assert_true(raw_tls_send(&r, half, sizeof(half)));
  /* Others are served while it hangs there. */
  assert_int_equal(sync_ping(&D), 0);
  assert_true(raw_wait_closed(r.fd, 8000)); /* idle_timeout_ms = 2000 */
  raw_tls_close(&r);
  assert_int_equal(sync_ping(&D), 0);
}

static void disconnect_mid_request_does_not_disturb_others(void **state) {
  for (int i = 0; i < 20; i++) {
    raw_tls_t r;
    assert_true(raw_tls_connect(&r, D.port));
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    Simpeg__V1__Hello h = SIMPEG__V1__HELLO__INIT;
    h.protocol_version = 1;
    h.client_name = "quitter";
    h.client_version = "1";
    req.id = 1;
    req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
    req.hello = &h;
    assert_true(raw_tls_send_request(&r, &req));
    /* A database request, then gone. Authenticate with a well-formed token
     * nobody was given: the daemon looks its hash up in PostgreSQL (Status
     * would be refused at once on an anonymous connection, and a Login
     * with a wrong password would leave throttle and audit rows). */
    Simpeg__V1__Authenticate au = SIMPEG__V1__AUTHENTICATE__INIT;
    au.token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; /* 43 characters: 32 zero bytes */
    req.id = 2;
    req.call_case = SIMPEG__V1__REQUEST__CALL_AUTHENTICATE;
    req.authenticate = &au;
    assert_true(raw_tls_send_request(&r, &req));
    raw_tls_close(&r);
  }
  assert_int_equal(sync_ping(&D), 0);
}

static void plaintext_client_is_refused(void **state) {
  int fd = raw_tcp_connect(D.port);
  assert_true(fd >= 0);
  const char *http = "GET / HTTP/1.1\r\nHost: simpeg\r\n\r\n";
  assert_int_equal(send(fd, http, strlen(http), 0), (ssize_t)strlen(http));
  assert_true(raw_wait_closed(fd, 5000));
  close(fd);
  assert_true(daemon_log_contains(&D, "TLS handshake failed"));
  assert_int_equal(sync_ping(&D), 0);
}

static void tls_1_1_client_is_refused(void **state) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  /* Lower the client's own floor so it really offers TLS 1.1. */
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  int fd = raw_tcp_connect(D.port);
  assert_true(fd >= 0);
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  assert_true(SSL_connect(ssl) <= 0);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  assert_int_equal(sync_ping(&D), 0);
}

static Simpeg__V1__Response *raw_call(raw_tls_t *r, Simpeg__V1__Request *req) {
  assert_true(raw_tls_send_request(r, req));
  Simpeg__V1__ServerFrame *f = raw_tls_read_frame(r, 5000);
  assert_non_null(f);
  assert_int_equal(f->kind_case, SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE);
  Simpeg__V1__Response *resp = f->response;
  f->response = NULL;
  f->kind_case = SIMPEG__V1__SERVER_FRAME__KIND__NOT_SET;
  simpeg__v1__server_frame__free_unpacked(f, NULL);
  return resp;
}

static void bad_requests_get_clear_errors_and_the_connection_stays_usable(void **state) {
  raw_tls_t r;
  assert_true(raw_tls_connect(&r, D.port));
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  Simpeg__V1__Hello h = SIMPEG__V1__HELLO__INIT;

  /* Anything before Hello: FAILED_PRECONDITION. */
  req.id = 5;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  Simpeg__V1__Response *resp = raw_call(&r, &req);
  assert_int_equal(resp->id, 5);
  assert_int_equal(resp->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_FAILED_PRECONDITION);
  assert_string_equal(resp->error->reason, "hello_required");
  simpeg__v1__response__free_unpacked(resp, NULL);

  /* Hello with an invalid UTF-8 name: INVALID_ARGUMENT naming the field. */
  h.protocol_version = 1;
  h.client_name = "caf\xC3";
  h.client_version = "1";
  req.id = 6;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
  req.hello = &h;
  resp = raw_call(&r, &req);
  assert_int_equal(resp->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
  assert_int_equal(resp->error->n_violations, 1);
  assert_string_equal(resp->error->violations[0]->field, "hello.client_name");
  assert_string_equal(resp->error->violations[0]->reason, "invalid_utf8");
  simpeg__v1__response__free_unpacked(resp, NULL);

  /* Unsupported protocol version. */
  h.client_name = "raw";
  h.protocol_version = 99;
  req.id = 7;
  resp = raw_call(&r, &req);
  assert_int_equal(resp->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_FAILED_PRECONDITION);
  simpeg__v1__response__free_unpacked(resp, NULL);

  h.protocol_version = 1;
  req.id = 8;
  resp = raw_call(&r, &req);
  assert_null(resp->error);
  assert_int_equal(resp->result_case, SIMPEG__V1__RESPONSE__RESULT_HELLO);
  simpeg__v1__response__free_unpacked(resp, NULL);

  /* No call set (what an unknown method from a newer client looks like). */
  req.id = 9;
  req.call_case = SIMPEG__V1__REQUEST__CALL__NOT_SET;
  resp = raw_call(&r, &req);
  assert_int_equal(resp->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED);
  simpeg__v1__response__free_unpacked(resp, NULL);

  /* Id 0 is reserved for frames that belong to no request. */
  req.id = 0;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  resp = raw_call(&r, &req);
  assert_int_equal(resp->error->code, SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
  assert_string_equal(resp->error->violations[0]->field, "id");
  simpeg__v1__response__free_unpacked(resp, NULL);

  /* Still usable. */
  req.id = 10;
  resp = raw_call(&r, &req);
  assert_null(resp->error);
  assert_int_equal(resp->result_case, SIMPEG__V1__RESPONSE__RESULT_PONG);
  simpeg__v1__response__free_unpacked(resp, NULL);
  raw_tls_close(&r);
}

static void sighup_reloads_and_a_broken_config_keeps_the_old_one(void **state) {
  kill(D.pid, SIGHUP);
  for (int i = 0; i < 100 && !daemon_log_contains(&D, "configuration reloaded"); i++) usleep(50000);
  assert_true(daemon_log_contains(&D, "configuration reloaded"));
  assert_int_equal(sync_ping(&D), 0);

  char saved[4096];
  FILE *f = fopen(D.config, "r");
  size_t n = fread(saved, 1, sizeof(saved) - 1, f);
  fclose(f);
  f = fopen(D.config, "a");
  fputs("[tls]\ncert = /nonexistent/server.pem\n", f);
  fclose(f);
  kill(D.pid, SIGHUP);
  for (int i = 0; i < 100 && !daemon_log_contains(&D, "reload failed"); i++) usleep(50000);
  assert_true(daemon_log_contains(&D, "reload failed"));
  assert_int_equal(sync_ping(&D), 0);
  f = fopen(D.config, "w");
  fwrite(saved, 1, n, f);
  fclose(f);
}

static void sigterm_sends_goaway_and_exits_cleanly(void **state) {
  raw_tls_t r;
  assert_true(raw_tls_connect(&r, D.port));
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Hello h = SIMPEG__V1__HELLO__INIT;
  h.protocol_version = 1;
  h.client_name = "drain";
  h.client_version = "1";
  req.id = 1;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HELLO;
  req.hello = &h;
  Simpeg__V1__Response *resp = raw_call(&r, &req);
  simpeg__v1__response__free_unpacked(resp, NULL);
  kill(D.pid, SIGTERM);
  /* Requests already on the wire when the GoAway is sent are answered
   * (served, or UNAVAILABLE "draining" so the client can go elsewhere),
   * never silently dropped. */
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  for (uint64_t id = 2; id <= 51; id++) {
    req.id = id;
    req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
    req.ping = &ping;
    if (!raw_tls_send_request(&r, &req)) break;
  }
  int goaways = 0, answered = 0;
  Simpeg__V1__ServerFrame *f;
  while ((f = raw_tls_read_frame(&r, 5000)) != NULL) {
    if (f->kind_case == SIMPEG__V1__SERVER_FRAME__KIND_GOAWAY) {
      goaways++;
      assert_true(f->goaway->last_request_id >= 1);
    } else if (f->kind_case == SIMPEG__V1__SERVER_FRAME__KIND_RESPONSE) {
      answered++;
      if (f->response->error) assert_string_equal(f->response->error->reason, "draining");
    }
    simpeg__v1__server_frame__free_unpacked(f, NULL);
  }
  assert_int_equal(goaways, 1);
  assert_int_equal(answered, 50);
  raw_tls_close(&r);
  /* Exit status 0 also means no leak reports under the sanitizers. */
  assert_int_equal(daemon_wait_exit(&D), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ping_round_trip_echoes_payload),
      cmocka_unit_test(status_reports_database_schema_and_pool),
      cmocka_unit_test(pipelined_1000_requests_on_one_connection_all_answered_and_matched),
      cmocka_unit_test(concurrent_200_connections_all_served),
      cmocka_unit_test(garbage_message_gets_protocol_error_and_close),
      cmocka_unit_test(zero_length_frame_gets_protocol_error_and_close),
      cmocka_unit_test(oversize_frame_gets_protocol_error_and_close),
      cmocka_unit_test(half_a_frame_then_silence_is_closed_by_the_idle_timeout),
      cmocka_unit_test(disconnect_mid_request_does_not_disturb_others),
      cmocka_unit_test(plaintext_client_is_refused),
      cmocka_unit_test(tls_1_1_client_is_refused),
      cmocka_unit_test(bad_requests_get_clear_errors_and_the_connection_stays_usable),
      cmocka_unit_test(sighup_reloads_and_a_broken_config_keeps_the_old_one),
      cmocka_unit_test(sigterm_sends_goaway_and_exits_cleanly),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
