/* harness: start/stop a real simpegd and speak raw TLS to it; see harness.h. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "kdf.h"
#include "sp_frame.h"

const char *harness_env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

void harness_require_env(bool need_pg_restart) {
  const char *need[] = {"SIMPEG_TEST_CONNINFO", "SIMPEG_TEST_SIMPEGD", "SIMPEG_TEST_CERTS",
                        need_pg_restart ? "SIMPEG_TEST_PGSQL_SH" : NULL, need_pg_restart ? "SIMPEG_TEST_PGDIR" : NULL};
  for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
    if (need[i] && !harness_env(need[i])) {
      fprintf(stderr, "skipping: %s is not set (run ./deploy/test.sh)\n", need[i]);
      exit(77);
    }
  }
  signal(SIGPIPE, SIG_IGN);
}

char *harness_cert(const char *file) {
  static char path[4][512];
  static int slot;
  char *p = path[slot++ % 4];
  snprintf(p, 512, "%s/%s", harness_env("SIMPEG_TEST_CERTS"), file);
  return p;
}

int harness_sh(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint16_t free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof(sa);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(sa.sin_port);
}

void client_options(spc_options_t *o, const daemon_t *d) {
  spc_options_init(o);
  o->server = d->addr;
  o->ca_file = harness_cert("ca.pem");
  o->connect_timeout_ms = 5000;
  o->request_timeout_ms = 20000;
  o->client_name = "simpeg-tests";
  if (d->client_cert[0]) {
    o->cert_file = d->client_cert;
    o->key_file = d->client_key;
  }
}

int sync_ping(const daemon_t *d) {
  spc_options_t o;
  client_options(&o, d);
  spc_error_t err;
  spc_sync_t *s = spc_sync_open(&o, &err);
  if (!s) return err.code ? err.code : -1;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Ping ping = SIMPEG__V1__PING__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req.ping = &ping;
  Simpeg__V1__Response *resp = NULL;
  int rc = spc_sync_call(s, &req, &resp, &err);
  if (resp) spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

/* ---- accounts and signing in ---- */

bool harness_create_user_with(const harness_user_t *u) {
  char hash[KDF_ENCODED_MAX];
  kdf_params_t params = kdf_default_params;
  if (u->log2_n) params.log2_n = u->log2_n;
  if (kdf_hash(u->password, &params, hash) != 0) {
    fprintf(stderr, "harness_create_user: kdf_hash failed\n");
    return false;
  }
  PGconn *pg = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(pg) != CONNECTION_OK) {
    fprintf(stderr, "harness_create_user: %s", PQerrorMessage(pg));
    PQfinish(pg);
    return false;
  }
  char role[16], name[300];
  snprintf(role, sizeof(role), "%d", u->role);
  snprintf(name, sizeof(name), "Test %s", u->username);
  const char *v[] = {u->username, u->full_name ? u->full_name : name, role,
                     u->office_code ? u->office_code : "ID", hash};
  PGresult *r = PQexecParams(pg,
                             "INSERT INTO users (username, full_name, role, office_id, password_hash)"
                             " SELECT $1, $2, $3::smallint, id, $5 FROM offices WHERE code = $4"
                             " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
                             " full_name = excluded.full_name, role = excluded.role,"
                             " office_id = excluded.office_id, disabled = false",
                             5, NULL, v, NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK && atoi(PQcmdTuples(r)) == 1;
  if (!ok)
    fprintf(stderr, "harness_create_user %s (office %s): %s\n", u->username, v[3],
            PQresultStatus(r) == PGRES_COMMAND_OK ? "no such office" : PQerrorMessage(pg));
  PQclear(r);
  PQfinish(pg);
  explicit_bzero(hash, sizeof(hash));
  return ok;
}

bool harness_create_user(const char *username, const char *password, int role, const char *office_code) {
  harness_user_t u = {.username = username, .password = password, .role = role, .office_code = office_code};
  return harness_create_user_with(&u);
}

static void login_request(Simpeg__V1__Request *req, Simpeg__V1__Login *m, const char *user, const char *pw) {
  simpeg__v1__login__init(m);
  m->username = (char *)user;
  m->password = (char *)pw;
  req->call_case = SIMPEG__V1__REQUEST__CALL_LOGIN;
  req->login = m;
}

/* 0 for a LoginReply; otherwise the code, after a message. */
static int login_outcome(const char *user, int rc, const Simpeg__V1__Response *resp, const spc_error_t *err) {
  if (rc == 0 && resp && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_LOGIN) return 0;
  if (rc == 0) rc = SPC_EPROTO;
  const Simpeg__V1__Error *e = resp ? resp->error : NULL;
  fprintf(stderr, "login as %s failed: %s %s%s%s\n", user, spc_code_name(rc), e ? spc_server_code_name(e->code) : "",
          e ? " " : "", e && e->reason ? e->reason : (err ? err->detail : ""));
  return rc;
}

int sync_login(spc_sync_t *s, const char *username, const char *password) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Login m;
  login_request(&req, &m, username, password);
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  int rc = spc_sync_call(s, &req, &resp, &err);
  rc = login_outcome(username, rc, resp, &err);
  if (resp) spc_response_free(resp); /* the token is not needed: the connection is signed in */
  return rc;
}

spc_sync_t *sync_open_as(const daemon_t *d, const char *username, const char *password) {
  spc_options_t o;
  client_options(&o, d);
  spc_error_t err;
  spc_sync_t *s = spc_sync_open(&o, &err);
  if (!s) {
    fprintf(stderr, "connect to %s failed: %s %s\n", d->addr, spc_code_name(err.code), err.detail);
    return NULL;
  }
  if (sync_login(s, username, password) != 0) {
    spc_sync_close(s);
    return NULL;
  }
  return s;
}

typedef struct async_login {
  const char *user;
  bool done;
  int rc;
} async_login_t;

static void on_async_login(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err,
                           void *ud) {
  (void)c;
  async_login_t *l = ud;
  l->rc = login_outcome(l->user, status, resp, err);
  l->done = true;
  if (resp) spc_response_free(resp);
}

int client_login(spc_client_t *c, const char *username, const char *password) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Login m;
  login_request(&req, &m, username, password);
  async_login_t l = {.user = username};
  int rc = spc_client_call(c, &req, on_async_login, &l, NULL);
  if (rc != 0) return login_outcome(username, rc, NULL, NULL);
  while (!l.done) uv_run(spc_client_loop(c), UV_RUN_ONCE);
  return l.rc;
}

bool daemon_start(daemon_t *d, const char *extra_ini) { return daemon_start_with_cert(d, extra_ini, NULL, NULL); }

bool daemon_start_with_cert(daemon_t *d, const char *extra_ini, const char *cert, const char *key) {
  memset(d, 0, sizeof(*d));
  if (cert) {
    snprintf(d->client_cert, sizeof(d->client_cert), "%s", cert);
    snprintf(d->client_key, sizeof(d->client_key), "%s", key);
  }
  snprintf(d->dir, sizeof(d->dir), "/tmp/simpeg-it-XXXXXX");
  if (!mkdtemp(d->dir)) return false;
  d->port = free_port();
  snprintf(d->addr, sizeof(d->addr), "127.0.0.1:%u", d->port);
  snprintf(d->config, sizeof(d->config), "%s/simpegd.conf", d->dir);
  snprintf(d->log, sizeof(d->log), "%s/simpegd.log", d->dir);
  FILE *f = fopen(d->config, "w");
  if (!f) return false;
  fprintf(f,
          "[server]\nlisten = 127.0.0.1:%u\nhandshake_timeout_ms = 3000\ndrain_timeout_ms = 10000\n"
          "[tls]\ncert = %s\nkey = %s\n"
          "[database]\nconninfo = %s\npool_size = 4\nconnect_timeout_ms = 3000\nquery_timeout_ms = 10000\n"
          "[log]\nlevel = info\n%s\n",
          d->port, harness_cert("server.pem"), harness_cert("server.key"), harness_env("SIMPEG_TEST_CONNINFO"),
          extra_ini ? extra_ini : "");
  fclose(f);
  const char *bin = harness_env("SIMPEG_TEST_SIMPEGD");
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "'%s' migrate --config '%s' >>'%s' 2>&1", bin, d->config, d->log);
  if (harness_sh(cmd) != 0) {
    fprintf(stderr, "simpegd migrate failed; see %s\n", d->log);
    return false;
  }
  d->pid = fork();
  if (d->pid == 0) {
    int fd = open(d->log, O_WRONLY | O_APPEND | O_CREAT, 0600);
    dup2(fd, 2);
    dup2(fd, 1);
    /* A small quarantine keeps RSS meaningful under AddressSanitizer. */
    setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1:quarantine_size_mb=4", 1);
    execl(bin, bin, "--config", d->config, (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 200; i++) {
    int st;
    if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
      fprintf(stderr, "simpegd exited during start-up; see %s\n", d->log);
      d->pid = 0;
      return false;
    }
    int fd = raw_tcp_connect(d->port);
    if (fd >= 0) {
      close(fd);
      return sync_ping(d) == 0;
    }
    usleep(50 * 1000);
  }
  return false;
}

/* A daemon that stopped cleanly leaves nothing behind; one that did not
 * keeps its directory, so the log the caller points to is still there. */
int daemon_stop(daemon_t *d) {
  if (d->pid <= 0) return -1;
  kill(d->pid, SIGTERM);
  int rc = daemon_wait_exit(d);
  if (rc == 0 && d->dir[0]) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
    harness_sh(cmd);
  }
  return rc;
}

int daemon_wait_exit(daemon_t *d) {
  if (d->pid <= 0) return -1;
  for (int i = 0; i < 600; i++) {
    int st;
    pid_t r = waitpid(d->pid, &st, WNOHANG);
    if (r == d->pid) {
      d->pid = 0;
      if (WIFEXITED(st)) return WEXITSTATUS(st);
      return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
    usleep(50 * 1000);
  }
  kill(d->pid, SIGKILL);
  waitpid(d->pid, NULL, 0);
  d->pid = 0;
  return -1;
}

long daemon_rss_kib(const daemon_t *d) {
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kib = -1;
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

bool daemon_log_contains(const daemon_t *d, const char *needle) {
  FILE *f = fopen(d->log, "r");
  if (!f) return false;
  char line[4096];
  bool found = false;
  while (!found && fgets(line, sizeof(line), f)) found = strstr(line, needle) != NULL;
  fclose(f);
  return found;
}

/* ---- raw sockets ---- */

int raw_tcp_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static bool send_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

static bool flush_tls(raw_tls_t *r) {
  uint8_t buf[16384];
  size_t n;
  while ((n = sp_tls_take_out(r->tls, buf, sizeof(buf))) > 0)
    if (!send_all(r->fd, buf, n)) return false;
  return true;
}

/* Reads ciphertext once (waiting up to timeout_ms); false on close/timeout. */
static bool pump_in(raw_tls_t *r, int timeout_ms) {
  struct pollfd p = {.fd = r->fd, .events = POLLIN};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  uint8_t buf[16384];
  ssize_t n = recv(r->fd, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  return sp_tls_feed(r->tls, buf, (size_t)n) == SP_TLS_OK;
}

bool raw_tls_connect(raw_tls_t *r, uint16_t port) { return raw_tls_connect_cert(r, port, NULL, NULL); }

bool raw_tls_connect_cert(raw_tls_t *r, uint16_t port, const char *cert, const char *key) {
  memset(r, 0, sizeof(*r));
  char err[512];
  sp_tls_config_t tc = {.ca_file = harness_cert("ca.pem"), .cert_file = cert, .key_file = key};
  r->ctx = sp_tls_ctx_new_client(&tc, err, sizeof(err));
  if (!r->ctx) return false;
  r->tls = sp_tls_new(r->ctx, "localhost");
  sp_buf_init(&r->in, 8u << 20);
  r->fd = raw_tcp_connect(port);
  if (r->fd < 0) return false;
  for (;;) {
    int rc = sp_tls_handshake(r->tls);
    if (!flush_tls(r)) return false;
    if (rc == SP_TLS_OK) return true;
    if (rc == SP_TLS_ERROR) return false;
    if (!pump_in(r, 5000)) return false;
  }
}

bool raw_tls_send(raw_tls_t *r, const void *data, size_t n) {
  return sp_tls_write(r->tls, data, n) == SP_TLS_OK && flush_tls(r);
}

bool raw_tls_send_request(raw_tls_t *r, const Simpeg__V1__Request *req) {
  sp_buf_t b;
  sp_buf_init(&b, 1u << 20);
  bool ok = sp_frame_pack(&b, &req->base, 1u << 20) == 0 && raw_tls_send(r, sp_buf_head(&b), sp_buf_used(&b));
  sp_buf_free(&b);
  return ok;
}

Simpeg__V1__ServerFrame *raw_tls_read_frame(raw_tls_t *r, int timeout_ms) {
  for (;;) {
    if (sp_buf_used(&r->in) >= 4) {
      uint32_t n = sp_frame_get_header(sp_buf_head(&r->in));
      if (sp_buf_used(&r->in) >= 4 + (size_t)n) {
        Simpeg__V1__ServerFrame *f = simpeg__v1__server_frame__unpack(NULL, n, sp_buf_head(&r->in) + 4);
        sp_buf_consume(&r->in, 4 + (size_t)n);
        return f;
      }
    }
    uint8_t buf[16384];
    size_t got = 0;
    int rc = sp_tls_read(r->tls, buf, sizeof(buf), &got);
    if (rc == SP_TLS_OK) {
      if (sp_buf_append(&r->in, buf, got) != 0) return NULL;
      continue;
    }
    flush_tls(r);
    if (rc != SP_TLS_WANT) return NULL;
    if (!pump_in(r, timeout_ms)) return NULL;
  }
}

bool raw_wait_closed(int fd, int timeout_ms) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long left = timeout_ms - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0) return false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, (int)left) <= 0) return false;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
}

void raw_tls_close(raw_tls_t *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  sp_tls_free(r->tls);
  r->tls = NULL;
  if (r->ctx) sp_tls_ctx_unref(r->ctx);
  r->ctx = NULL;
  sp_buf_free(&r->in);
}

/* ---- typed calls ---- */

void harness_set_call(Simpeg__V1__Request *req, int call_case, void *msg) {
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(&simpeg__v1__request__descriptor,
                                                                              (unsigned)call_case);
  if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) fail_msg("harness_set_call: %d is not a method", call_case);
  req->call_case = (Simpeg__V1__Request__CallCase)call_case;
  memcpy((char *)req + f->offset, &msg, sizeof(msg));
}

Simpeg__V1__Response *harness_rpc(spc_sync_t *s, int call_case, void *msg) {
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  harness_set_call(&req, call_case, msg);
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  int rc = spc_sync_call(s, &req, &resp, &err);
  if (rc != 0 && rc != SPC_ESERVER) fail_msg("call %d failed: %s %s", call_case, spc_code_name(rc), err.detail);
  assert_non_null(resp);
  return resp;
}

void harness_expect_ok(const Simpeg__V1__Response *r, int result_case) {
  if (r->error && r->error->code != SIMPEG__V1__ERROR_CODE__ERROR_CODE_OK)
    fail_msg("expected success, got code %d reason '%s' (%s)%s%s/%s", r->error->code, r->error->reason,
             r->error->message, r->error->n_violations ? " field " : "",
             r->error->n_violations ? r->error->violations[0]->field : "",
             r->error->n_violations ? r->error->violations[0]->reason : "");
  assert_int_equal(r->result_case, result_case);
}

void harness_expect_err(const Simpeg__V1__Response *r, int code, const char *reason) {
  if (!r->error || (int)r->error->code != code || (reason && strcmp(r->error->reason, reason) != 0))
    fail_msg("expected code %d reason '%s', got code %d reason '%s'", code, reason ? reason : "*",
             r->error ? (int)r->error->code : 0, r->error ? r->error->reason : "");
}

/* ---- the real `simpeg` program ---- */

bool harness_ws_init(harness_ws_t *w, const daemon_t *d) {
  memset(w, 0, sizeof(*w));
  snprintf(w->dir, sizeof(w->dir), "/tmp/simpeg-ws-XXXXXX");
  if (!mkdtemp(w->dir)) return false;
  snprintf(w->state_home, sizeof(w->state_home), "%s/state", w->dir);
  snprintf(w->config_home, sizeof(w->config_home), "%s/config", w->dir);
  char p[256];
  snprintf(p, sizeof(p), "%s/simpeg", w->config_home);
  if (mkdir(w->config_home, 0700) != 0 || mkdir(p, 0700) != 0) return false;
  snprintf(p, sizeof(p), "%s/simpeg/config.ini", w->config_home);
  FILE *f = fopen(p, "w");
  if (!f) return false;
  fprintf(f, "[client]\nserver = %s\nca = %s\ntimeout_ms = 20000\n", d->addr, harness_cert("ca.pem"));
  return fclose(f) == 0;
}

void harness_ws_free(harness_ws_t *w) {
  if (!w->dir[0]) return;
  char cmd[200];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
  harness_sh(cmd);
  w->dir[0] = '\0';
}

static void ws_slurp(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

void harness_ws_run(const harness_ws_t *w, harness_run_t *r, const char *input, ...) {
  const char *argv[62];
  int argc = 0;
  argv[argc++] = harness_env("SIMPEG_TEST_SIMPEG");
  assert_non_null(argv[0]);
  va_list ap;
  va_start(ap, input);
  const char *a;
  while ((a = va_arg(ap, const char *)) && argc < 61) argv[argc++] = a;
  va_end(ap);
  argv[argc] = NULL;

  char in_path[200], out_path[200], err_path[200];
  snprintf(in_path, sizeof(in_path), "%s/stdin", w->dir);
  snprintf(out_path, sizeof(out_path), "%s/stdout", w->dir);
  snprintf(err_path, sizeof(err_path), "%s/stderr", w->dir);
  FILE *f = fopen(in_path, "w");
  assert_non_null(f);
  fputs(input ? input : "", f);
  fclose(f);

  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setsid();
    int in = open(in_path, O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setenv("XDG_STATE_HOME", w->state_home, 1);
    setenv("XDG_CONFIG_HOME", w->config_home, 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("LANGUAGE", getenv("SIMPEG_TEST_LANGUAGE") ? getenv("SIMPEG_TEST_LANGUAGE") : "C", 1);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  ws_slurp(out_path, r->out, sizeof(r->out));
  ws_slurp(err_path, r->err, sizeof(r->err));
  if (getenv("SIMPEG_TEST_VERBOSE")) {
    fprintf(stderr, "$ simpeg");
    for (int i = 1; i < argc; i++) fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, " -> %d\n%s%s", r->status, r->out, r->err);
  }
}

void harness_run_expect(const harness_run_t *r, int status) {
  if (r->status != status)
    fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", r->status, status, r->out, r->err);
}

void harness_ws_login(const harness_ws_t *w, const char *username, const char *password) {
  harness_run_t r;
  char input[256];
  snprintf(input, sizeof(input), "%s\n", password);
  harness_ws_run(w, &r, input, "login", username, "--password-stdin", NULL);
  harness_run_expect(&r, 0);
}

/* ---- BEGIN h5: the registry fixture ---- */

void harness_office_add_ok(spc_sync_t *s, const char *code, const char *name, int kind, const char *parent) {
  Simpeg__V1__OfficeAdd m = SIMPEG__V1__OFFICE_ADD__INIT;
  m.code = (char *)code;
  m.name = (char *)name;
  m.kind = kind;
  m.parent_code = (char *)parent;
  Simpeg__V1__Response *r = harness_rpc(s, SIMPEG__V1__REQUEST__CALL_OFFICE_ADD, &m);
  harness_expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_OFFICE_ADD);
  spc_response_free(r);
}

bool harness_registry_start(harness_registry_t *f, daemon_t *d, const char *pw, const harness_office_t *offices,
                            size_t n) {
  memset(f, 0, sizeof(*f));
  harness_run_tag(f->T, f->t);
  /* names reach the daemon's name index within 0.1 s (name_sync.h) */
  if (!daemon_start(d, "[auth]\nthrottle_addr_failures = 100000\n[search]\nname_refresh_ms = 100\n")) return false;
  f->pg = PQconnectdb(harness_env("SIMPEG_TEST_CONNINFO"));
  if (PQstatus(f->pg) != CONNECTION_OK) {
    fprintf(stderr, "harness_registry_start: %s", PQerrorMessage(f->pg));
    return false;
  }
  char root[32], code[64], parent[64], hr_bjn[32], hr_plg[32], sup_bjn[32], bjn[32], plg[32];
  snprintf(root, sizeof(root), "root-%s", f->t);
  snprintf(hr_bjn, sizeof(hr_bjn), "hr-bjn-%s", f->t);
  snprintf(hr_plg, sizeof(hr_plg), "hr-plg-%s", f->t);
  snprintf(sup_bjn, sizeof(sup_bjn), "sup-bjn-%s", f->t);
  if (!harness_create_user(root, pw, SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN, NULL)) return false;
  if (!(f->root = sync_open_as(d, root, pw))) return false;
  const struct {
    const char *code, *name, *parent;
    int kind;
  } tree[] = {{"12", "Provinsi Sumatera Utara", NULL, SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_PROVINCE},
              {"12.75", "Kota Binjai", "12", SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_CITY},
              {"16", "Provinsi Sumatera Selatan", NULL, SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_PROVINCE},
              {"16.71", "Kota Palembang", "16", SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_CITY}};
  for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
    snprintf(code, sizeof(code), "%s-%s", f->T, tree[i].code);
    if (tree[i].parent) snprintf(parent, sizeof(parent), "%s-%s", f->T, tree[i].parent);
    harness_office_add_ok(f->root, code, tree[i].name, tree[i].kind, tree[i].parent ? parent : "ID");
  }
  for (size_t i = 0; i < n; i++) {
    snprintf(code, sizeof(code), "%s-%s", f->T, offices[i].code);
    snprintf(parent, sizeof(parent), "%s-%s", f->T, offices[i].parent);
    harness_office_add_ok(f->root, code, offices[i].name,
                          strcmp(offices[i].parent, "12.75") == 0 ? SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_AGENCY
                                                                   : SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_UNIT,
                          parent);
  }
  snprintf(bjn, sizeof(bjn), "%s-12.75", f->T);
  snprintf(plg, sizeof(plg), "%s-16.71", f->T);
  if (!harness_create_user(hr_bjn, pw, SIMPEG__V1__ROLE__ROLE_HR_OFFICER, bjn) ||
      !harness_create_user(hr_plg, pw, SIMPEG__V1__ROLE__ROLE_HR_OFFICER, plg) ||
      !harness_create_user(sup_bjn, pw, SIMPEG__V1__ROLE__ROLE_SUPERVISOR, bjn))
    return false;
  f->hr_bjn = sync_open_as(d, hr_bjn, pw);
  f->hr_plg = sync_open_as(d, hr_plg, pw);
  f->sup_bjn = sync_open_as(d, sup_bjn, pw);
  return f->hr_bjn && f->hr_plg && f->sup_bjn;
}

int harness_registry_stop(harness_registry_t *f, daemon_t *d) {
  spc_sync_t *all[] = {f->root, f->hr_bjn, f->hr_plg, f->sup_bjn};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]) spc_sync_close(all[i]);
  if (f->pg) PQfinish(f->pg);
  memset(f, 0, sizeof(*f));
  int rc = daemon_stop(d);
  if (rc != 0) fprintf(stderr, "simpegd exited with %d; see %s\n", rc, d->log);
  return rc == 0 ? 0 : -1;
}
/* ---- END h5 ---- */

/* ---- small helpers every test program uses ---- */

static char **harness_strings;
static size_t harness_nstrings;

const char *harness_fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = NULL;
  if (vasprintf(&s, f, ap) < 0) abort();
  va_end(ap);
  char **grown = realloc(harness_strings, (harness_nstrings + 1) * sizeof(*grown));
  if (!grown) abort();
  harness_strings = grown;
  harness_strings[harness_nstrings++] = s;
  return s;
}

void harness_strings_free(void) {
  for (size_t i = 0; i < harness_nstrings; i++) free(harness_strings[i]);
  free(harness_strings);
  harness_strings = NULL;
  harness_nstrings = 0;
}

PGresult *harness_sql(PGconn *c, const char *q, int n, const char *const *v) {
  PGresult *r = PQexecParams(c, q, n, NULL, v, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail_msg("SQL failed: %s\n%s", PQerrorMessage(c), q);
  return r;
}

const char *harness_sql_text(PGconn *c, const char *q, int n, const char *const *v) {
  PGresult *r = harness_sql(c, q, n, v);
  const char *s = harness_fmt("%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
  PQclear(r);
  return s;
}

long long harness_sql_int(PGconn *c, const char *q, int n, const char *const *v) {
  return atoll(harness_sql_text(c, q, n, v));
}

Simpeg__V1__Employee harness_employee(const char *nip, const char *name, const char *birth_iso, int sex,
                                      const char *office) {
  Simpeg__V1__Employee e = SIMPEG__V1__EMPLOYEE__INIT;
  e.nip = (char *)nip;
  e.employment_type = SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PNS;
  e.name = (char *)name;
  e.birth_date = (char *)birth_iso;
  e.sex = sex;
  e.religion = "islam";
  e.marital_status = "kawin";
  e.office_code = (char *)office;
  return e;
}

void harness_employee_add_ok(spc_sync_t *s, const char *nip, const char *birth_iso, int sex, const char *name,
                             const char *office) {
  Simpeg__V1__Employee e = harness_employee(nip, name, birth_iso, sex, office);
  Simpeg__V1__EmployeeAdd m = SIMPEG__V1__EMPLOYEE_ADD__INIT;
  m.employee = &e;
  Simpeg__V1__Response *r = harness_rpc(s, SIMPEG__V1__REQUEST__CALL_EMPLOYEE_ADD, &m);
  harness_expect_ok(r, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_ADD);
  spc_response_free(r);
}

void harness_seed_random(void) {
  unsigned seed;
  if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
    seed = (unsigned)time(NULL) ^ (unsigned)getpid() ^ (unsigned)clock();
  srand(seed);
}

void harness_run_tag(char *T, char *t) {
  static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (int i = 0; i < 5; i++) {
    T[i] = alnum[rand() % (int)(sizeof(alnum) - 1)];
    t[i] = (char)(T[i] >= 'A' && T[i] <= 'Z' ? T[i] - 'A' + 'a' : T[i]);
  }
  T[5] = t[5] = '\0';
}
