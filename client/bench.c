/* simpeg-bench: load generator on the asynchronous client API.
 *
 * One libuv loop drives N clients (one TLS connection each) with K requests
 * in flight on each, for a fixed duration; then it waits for what is in
 * flight, closes everything and prints throughput, latency percentiles and
 * errors. Latencies go into a fixed log-linear histogram (about 3% relative
 * error, constant memory whatever the request count). Scenarios live in a
 * table: a request scenario only says how to build its request.
 *
 * The registry scenarios draw their input at random from a file, one item a
 * line: employee_show a NIP (--nips FILE), employee_search a query
 * (--queries FILE). At most INPUT_MAX lines are kept (reservoir sampling
 * over the whole file), so memory stays bounded whatever the file's size.
 *
 * Scenarios that need a signed-in user (status) take --username and the
 * password on standard input (--password-stdin). The bench signs in once
 * (a Login costs one scrypt hash, ~180 ms) on a connection of its own, then
 * every benchmark connection presents the session with Authenticate as its
 * first call, before the clock starts. The token is never printed and is
 * wiped at exit, as is the password once Login is sent.
 *
 * This is a developer tool: its output is English and not translated. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json_out.h"
#include "sp_buf.h"
#include "sp_config.h"
#include "sp_ini.h"
#include "spc.h"

/* ---- histogram ---- */

/* Values in microseconds. Bucket = (power of two, 32 linear sub-buckets):
 * 40 powers cover up to ~12 days. */
#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_POWERS 40
#define HIST_BUCKETS (HIST_POWERS * HIST_SUB)

typedef struct histogram {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total;
  uint64_t max;
} histogram_t;

static unsigned hist_index(uint64_t v) {
  if (v < HIST_SUB) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned power = msb - HIST_SUB_BITS + 1;
  unsigned sub = (unsigned)(v >> (msb - HIST_SUB_BITS)) & (HIST_SUB - 1);
  unsigned idx = power * HIST_SUB + sub;
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The largest value that maps to bucket idx (reported for percentiles, so
 * they never understate). */
static uint64_t hist_upper(unsigned idx) {
  if (idx < HIST_SUB) return idx;
  unsigned power = idx / HIST_SUB, sub = idx % HIST_SUB;
  unsigned shift = power - 1;
  return (((uint64_t)(HIST_SUB | sub) + 1) << shift) - 1;
}

static void hist_add(histogram_t *h, uint64_t v) {
  h->counts[hist_index(v)]++;
  h->total++;
  if (v > h->max) h->max = v;
}

static uint64_t hist_percentile(const histogram_t *h, double p) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      uint64_t up = hist_upper(i);
      return up < h->max ? up : h->max;
    }
  }
  return h->max;
}

/* ---- scenarios ---- */

typedef enum { SCENARIO_REQUEST, SCENARIO_CONNECT, SCENARIO_IDLE } scenario_kind_t;

/* Input lines for the scenarios that need them: a fixed-size sample. */
#define INPUT_MAX 65536
#define INPUT_LINE 128

typedef struct input {
  char (*lines)[INPUT_LINE];
  uint32_t count;
  uint64_t rng; /* xorshift64 state */
} input_t;

static uint64_t input_rand(input_t *in) {
  uint64_t x = in->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return in->rng = x;
}

/* A random line of the sample (loaded: count > 0). */
static char *input_pick(input_t *in) { return in->lines[input_rand(in) % in->count]; }

/* Reads FILE's non-empty lines (trailing CR/LF and blanks trimmed) into a
 * uniform sample of at most INPUT_MAX. */
static bool input_load(input_t *in, const char *path, const char *what) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "simpeg-bench: cannot open %s file %s\n", what, path);
    return false;
  }
  in->lines = sp_xcalloc(INPUT_MAX, sizeof(*in->lines));
  in->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)uv_hrtime();
  if (!in->rng) in->rng = 1;
  char buf[4096];
  uint64_t seen = 0;
  bool too_long = false;
  while (fgets(buf, sizeof(buf), f)) {
    size_t n = strlen(buf);
    if (n && buf[n - 1] != '\n' && !feof(f)) { /* longer than buf: skip the rest of the line */
      int ch;
      while ((ch = fgetc(f)) != EOF && ch != '\n') {}
      too_long = true;
      continue;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t')) buf[--n] = 0;
    if (n == 0) continue;
    if (n >= INPUT_LINE) {
      too_long = true;
      continue;
    }
    seen++;
    uint64_t slot = seen <= INPUT_MAX ? seen - 1 : input_rand(in) % seen;
    if (slot < INPUT_MAX) memcpy(in->lines[slot], buf, n + 1);
  }
  bool read_error = ferror(f) != 0;
  fclose(f);
  in->count = seen < INPUT_MAX ? (uint32_t)seen : INPUT_MAX;
  if (read_error || in->count == 0) {
    fprintf(stderr, "simpeg-bench: %s: %s\n", path, read_error ? "read error" : "no lines");
    return false;
  }
  if (too_long) fprintf(stderr, "simpeg-bench: %s: lines of %d bytes or more were skipped\n", path, INPUT_LINE);
  return true;
}

typedef enum { INPUT_NONE, INPUT_NIPS, INPUT_QUERIES } input_kind_t;

typedef struct scenario {
  const char *name;
  const char *description;
  scenario_kind_t kind;
  /* Request scenarios: fills req (and the message it points to, in msg),
   * drawing from in when the scenario takes an input file. */
  void (*build)(Simpeg__V1__Request *req, void *msg, input_t *in);
  bool needs_session; /* the method is refused to anonymous connections */
  input_kind_t input; /* the file it draws from: --nips or --queries */
} scenario_t;

typedef union scenario_msg {
  Simpeg__V1__Ping ping;
  Simpeg__V1__StatusRequest status;
  Simpeg__V1__EmployeeShow employee_show;
  Simpeg__V1__EmployeeSearch employee_search;
} scenario_msg_t;

static void build_ping(Simpeg__V1__Request *req, void *msg, input_t *in) {
  (void)in;
  Simpeg__V1__Ping *p = msg;
  simpeg__v1__ping__init(p);
  req->call_case = SIMPEG__V1__REQUEST__CALL_PING;
  req->ping = p;
}

static void build_status(Simpeg__V1__Request *req, void *msg, input_t *in) {
  (void)in;
  Simpeg__V1__StatusRequest *s = msg;
  simpeg__v1__status_request__init(s);
  req->call_case = SIMPEG__V1__REQUEST__CALL_STATUS;
  req->status = s;
}

static void build_employee_show(Simpeg__V1__Request *req, void *msg, input_t *in) {
  Simpeg__V1__EmployeeShow *m = msg;
  simpeg__v1__employee_show__init(m);
  m->nip = input_pick(in);
  req->call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SHOW;
  req->employee_show = m;
}

static void build_employee_search(Simpeg__V1__Request *req, void *msg, input_t *in) {
  Simpeg__V1__EmployeeSearch *m = msg;
  simpeg__v1__employee_search__init(m);
  m->query = input_pick(in);
  req->call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SEARCH;
  req->employee_search = m;
}

/* BEGIN h4: personnel-service scenarios (tests/bench/services.sh).
 * They consume their input file in order, each line once (a submission per
 * employee, an approval per line), from the sample kept in file order: a
 * file of at most INPUT_MAX lines is kept whole and in order. Past the end
 * they wrap around, and the server refuses the repeats (counted as errors),
 * so give a file longer than the run needs. */
static char *input_next(input_t *in) {
  static uint64_t next;
  return in->lines[next++ % in->count];
}

/* LeaveSubmit (annual leave, one working day) for the next NIP of --nips,
 * filed by the signed-in HR account and submitted at once. */
static void build_leave_submit(Simpeg__V1__Request *req, void *msg, input_t *in) {
  (void)msg;
  static Simpeg__V1__LeaveSubmit m;
  static Simpeg__V1__LeaveDetails d;
  simpeg__v1__leave_submit__init(&m);
  simpeg__v1__leave_details__init(&d);
  d.leave_type = "tahunan";
  d.start_date = "2027-02-02";
  d.end_date = "2027-02-02";
  d.reason = "keperluan keluarga";
  d.address = "Jl. Merdeka 1";
  m.nip = input_next(in);
  m.leave = &d;
  req->call_case = SIMPEG__V1__REQUEST__CALL_LEAVE_SUBMIT;
  req->leave_submit = &m;
}

/* RequestAct APPROVE of the next request number of --queries (a number
 * listed once per step the signed-in account holds). */
static void build_request_approve(Simpeg__V1__Request *req, void *msg, input_t *in) {
  (void)msg;
  static Simpeg__V1__RequestAct m;
  simpeg__v1__request_act__init(&m);
  m.number = input_next(in);
  m.action = SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_APPROVE;
  req->call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_ACT;
  req->request_act = &m;
}

/* END h4 */

static const scenario_t scenarios[] = {
    {"ping", "Ping round trips (daemon only)", SCENARIO_REQUEST, build_ping, false, INPUT_NONE},
    {"status", "Status requests (through the daemon's pool to PostgreSQL; needs --username)", SCENARIO_REQUEST,
     build_status, true, INPUT_NONE},
    {"employee_show", "EmployeeShow of a random NIP from --nips FILE (needs --username)", SCENARIO_REQUEST,
     build_employee_show, true, INPUT_NIPS},
    {"employee_search", "EmployeeSearch with a random query from --queries FILE (needs --username)",
     SCENARIO_REQUEST, build_employee_search, true, INPUT_QUERIES},
    /* BEGIN h4: personnel services */
    {"leave_submit", "LeaveSubmit (annual leave, 1 day) for each NIP of --nips in turn (needs --username)",
     SCENARIO_REQUEST, build_leave_submit, true, INPUT_NIPS},
    {"request_approve", "RequestAct approve of each request number of --queries in turn (needs --username)",
     SCENARIO_REQUEST, build_request_approve, true, INPUT_QUERIES},
    /* END h4 */
    {"connect", "TCP + TLS handshake + Hello, then close, repeated", SCENARIO_CONNECT, NULL, false, INPUT_NONE},
    {"idle", "Connect (TLS + Hello), then hold the connections idle (memory per connection)", SCENARIO_IDLE,
     NULL, false, INPUT_NONE},
};

/* ---- bench state ---- */

typedef struct bench bench_t;

typedef struct slot {
  struct worker *w;
  uint64_t t0;
} slot_t;

typedef struct worker {
  bench_t *b;
  spc_client_t *client;
  slot_t *slots;
  uint32_t in_flight;
  uint64_t t0; /* connect scenario: start of the current attempt */
} worker_t;

#define MAX_ERROR_KINDS 16

struct bench {
  uv_loop_t loop;
  const scenario_t *scenario;
  spc_options_t opt;
  sp_tls_ctx_t *tls_ctx;
  uint32_t connections, in_flight, duration_s;
  bool json;
  /* Signing in (--username): the password until Login is sent, then the
   * session token every connection presents. */
  const char *username;
  char password[1024];
  char token[128];
  spc_client_t *login_client;
  worker_t *workers;
  uv_timer_t stop_timer;
  uv_signal_t sigint;
  bool started, stopping;
  uint32_t ready, open_clients;
  uint64_t t_start, t_stop; /* hrtime ns */
  uint64_t ok, ok_in_window, errors;
  uint64_t error_counts[MAX_ERROR_KINDS]; /* by -SPC code */
  char first_error[512];
  histogram_t hist;
  input_t input; /* --nips / --queries, for the scenarios that draw from one */
};

static void record_error(bench_t *b, const spc_error_t *err, int code) {
  b->errors++;
  unsigned k = (unsigned)(-code);
  if (k < MAX_ERROR_KINDS) b->error_counts[k]++;
  if (!b->first_error[0]) {
    if (err) {
      char *text = spc_error_text(err);
      snprintf(b->first_error, sizeof(b->first_error), "%s (%s)", text, err->detail);
      free(text);
    } else {
      snprintf(b->first_error, sizeof(b->first_error), "%s", spc_code_name(code));
    }
  }
}

static void record_ok(bench_t *b, uint64_t t0) {
  uint64_t now = uv_hrtime();
  b->ok++;
  if (!b->stopping) b->ok_in_window++;
  hist_add(&b->hist, (now - t0) / 1000);
}

static void on_client_closed(void *ud) {
  worker_t *w = ud;
  w->b->open_clients--;
}

static void bench_stop(bench_t *b);
static void on_stop_timer(uv_timer_t *t);

/* ---- request scenarios ---- */

static void issue(slot_t *s);

static void on_response(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err,
                        void *ud) {
  slot_t *s = ud;
  worker_t *w = s->w;
  bench_t *b = w->b;
  (void)c;
  w->in_flight--;
  if (status == 0)
    record_ok(b, s->t0);
  else
    record_error(b, err, status); /* err points into resp */
  spc_response_free(resp);
  if (!b->stopping) issue(s);
  if (b->stopping && w->in_flight == 0 && w->client) {
    spc_client_close(w->client, on_client_closed, w);
    w->client = NULL;
  }
}

static void issue(slot_t *s) {
  worker_t *w = s->w;
  bench_t *b = w->b;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  scenario_msg_t msg;
  b->scenario->build(&req, &msg, &b->input);
  s->t0 = uv_hrtime();
  int rc = spc_client_call(w->client, &req, on_response, s, NULL);
  if (rc < 0) {
    record_error(b, NULL, rc);
    return; /* this slot stays idle; the others go on */
  }
  w->in_flight++;
}

static void begin_requests(bench_t *b) {
  b->started = true;
  b->t_start = uv_hrtime();
  uv_timer_start(&b->stop_timer, on_stop_timer, (uint64_t)b->duration_s * 1000, 0);
  if (b->scenario->kind == SCENARIO_IDLE) {
    /* Every connection is up: hold them until the duration ends. */
    printf("holding %u idle connections for %u s\n", b->connections, b->duration_s);
    fflush(stdout);
    return;
  }
  for (uint32_t i = 0; i < b->connections; i++) {
    worker_t *w = &b->workers[i];
    for (uint32_t k = 0; k < b->in_flight; k++) issue(&w->slots[k]);
  }
}

static void worker_ready(worker_t *w) {
  bench_t *b = w->b;
  if (b->scenario->kind == SCENARIO_IDLE) b->ok++;
  if (++b->ready == b->connections) begin_requests(b);
}

static void on_authenticated(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err,
                             void *ud) {
  worker_t *w = ud;
  bench_t *b = w->b;
  (void)c;
  spc_response_free(resp);
  if (b->stopping) return;
  if (status != 0) {
    /* A connection that cannot sign in makes the numbers meaningless. */
    record_error(b, err, status);
    bench_stop(b);
    return;
  }
  worker_ready(w);
}

/* Binds the bench's session to this connection before any timed request. */
static void authenticate_worker(worker_t *w) {
  bench_t *b = w->b;
  Simpeg__V1__Authenticate a = SIMPEG__V1__AUTHENTICATE__INIT;
  a.token = b->token;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_AUTHENTICATE;
  req.authenticate = &a;
  int rc = spc_client_call(w->client, &req, on_authenticated, w, NULL);
  if (rc < 0) {
    record_error(b, NULL, rc);
    bench_stop(b);
  }
}

static void on_worker_state(spc_client_t *c, spc_state_t st, const spc_error_t *err,
                            const Simpeg__V1__GoAway *ga, void *ud) {
  worker_t *w = ud;
  bench_t *b = w->b;
  (void)c;
  (void)ga;
  if (b->started || b->stopping) return;
  if (st == SPC_STATE_READY) {
    if (b->token[0]) {
      authenticate_worker(w);
      return;
    }
    worker_ready(w);
  } else if (err && (st == SPC_STATE_FAILED || st == SPC_STATE_BACKOFF)) {
    /* A connection that cannot be set up makes the numbers meaningless. */
    record_error(b, err, err->code);
    bench_stop(b);
  }
}

/* ---- connect scenario ---- */

static void connect_next(worker_t *w);

static void on_connect_closed(void *ud) {
  worker_t *w = ud;
  w->b->open_clients--;
  if (!w->b->stopping) connect_next(w);
}

static void on_connect_state(spc_client_t *c, spc_state_t st, const spc_error_t *err,
                             const Simpeg__V1__GoAway *ga, void *ud) {
  worker_t *w = ud;
  (void)ga;
  if (st == SPC_STATE_READY) {
    record_ok(w->b, w->t0);
  } else if (st == SPC_STATE_FAILED && err) {
    record_error(w->b, err, err->code);
  } else {
    return;
  }
  spc_client_close(c, on_connect_closed, w);
  w->client = NULL;
}

static void connect_next(worker_t *w) {
  bench_t *b = w->b;
  spc_error_t err;
  w->client = spc_client_new(&b->loop, &b->opt, &err);
  if (!w->client) {
    record_error(b, &err, err.code);
    return;
  }
  b->open_clients++;
  spc_client_set_callbacks(w->client, on_connect_state, NULL, w);
  w->t0 = uv_hrtime();
  spc_client_connect(w->client);
}

/* ---- start / stop ---- */

static void bench_stop(bench_t *b) {
  if (b->stopping) return;
  b->stopping = true;
  b->t_stop = uv_hrtime();
  if (!b->started) b->t_start = b->t_stop;
  uv_timer_stop(&b->stop_timer);
  uv_close((uv_handle_t *)&b->stop_timer, NULL);
  uv_close((uv_handle_t *)&b->sigint, NULL);
  for (uint32_t i = 0; i < b->connections; i++) {
    worker_t *w = &b->workers[i];
    /* Request scenarios let what is in flight finish (bounded by the
     * request time-out); a connect in progress is cut short. */
    if (w->client && (w->in_flight == 0 || b->scenario->kind == SCENARIO_CONNECT)) {
      spc_client_close(w->client, on_client_closed, w);
      w->client = NULL;
    }
  }
}

static void on_stop_timer(uv_timer_t *t) { bench_stop(t->data); }

static void on_sigint(uv_signal_t *s, int signum) {
  (void)signum;
  bench_stop(s->data);
}

static void start_workers(bench_t *b);

static void on_login_closed(void *ud) {
  bench_t *b = ud;
  b->open_clients--;
  if (b->token[0] && !b->stopping) start_workers(b);
}

static void on_login(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  bench_t *b = ud;
  const char *token = status == 0 && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_LOGIN && resp->login
                          ? resp->login->token
                          : NULL;
  if (token && *token && strlen(token) < sizeof(b->token)) {
    snprintf(b->token, sizeof(b->token), "%s", token);
  } else if (status == 0) {
    record_error(b, NULL, SPC_EPROTO);
  } else {
    record_error(b, err, status);
  }
  if (token) explicit_bzero(resp->login->token, strlen(token));
  spc_response_free(resp);
  if (!b->token[0]) bench_stop(b);
  /* The workers start once this connection is closed (on_login_closed). */
  spc_client_close(c, on_login_closed, b);
  b->login_client = NULL;
}

/* Signs in once, on a connection of its own; the workers follow. */
static void bench_login(bench_t *b) {
  spc_error_t err;
  b->login_client = spc_client_new(&b->loop, &b->opt, &err);
  if (!b->login_client) {
    record_error(b, &err, err.code);
    bench_stop(b);
    return;
  }
  b->open_clients++;
  Simpeg__V1__Login m = SIMPEG__V1__LOGIN__INIT;
  m.username = (char *)b->username;
  m.password = b->password;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LOGIN;
  req.login = &m;
  int rc = spc_client_call(b->login_client, &req, on_login, b, NULL);
  explicit_bzero(b->password, sizeof(b->password)); /* packed into the request: no longer needed */
  if (rc < 0) {
    record_error(b, NULL, rc);
    spc_client_close(b->login_client, on_login_closed, b);
    b->login_client = NULL;
    bench_stop(b);
  }
}

static void bench_start(bench_t *b) {
  uv_timer_init(&b->loop, &b->stop_timer);
  b->stop_timer.data = b;
  uv_signal_init(&b->loop, &b->sigint);
  b->sigint.data = b;
  uv_signal_start(&b->sigint, on_sigint, SIGINT);
  b->workers = sp_xcalloc(b->connections, sizeof(*b->workers));
  for (uint32_t i = 0; i < b->connections; i++) {
    worker_t *w = &b->workers[i];
    w->b = b;
  }
  if (b->scenario->kind == SCENARIO_CONNECT) {
    b->started = true;
    b->t_start = uv_hrtime();
    uv_timer_start(&b->stop_timer, on_stop_timer, (uint64_t)b->duration_s * 1000, 0);
    for (uint32_t i = 0; i < b->connections; i++) connect_next(&b->workers[i]);
    return;
  }
  if (b->username) {
    bench_login(b);
    return;
  }
  start_workers(b);
}

static void start_workers(bench_t *b) {
  for (uint32_t i = 0; i < b->connections; i++) {
    worker_t *w = &b->workers[i];
    w->slots = sp_xcalloc(b->in_flight, sizeof(*w->slots));
    for (uint32_t k = 0; k < b->in_flight; k++) w->slots[k].w = w;
    spc_error_t err;
    w->client = spc_client_new(&b->loop, &b->opt, &err);
    if (!w->client) {
      record_error(b, &err, err.code);
      bench_stop(b);
      return;
    }
    b->open_clients++;
    spc_client_set_callbacks(w->client, on_worker_state, NULL, w);
    spc_client_connect(w->client);
  }
}

/* ---- report ---- */

static void report(bench_t *b) {
  double secs = (double)(b->t_stop - b->t_start) / 1e9;
  double rate = secs > 0 ? (double)b->ok_in_window / secs : 0;
  uint64_t p50 = hist_percentile(&b->hist, 50), p99 = hist_percentile(&b->hist, 99), max = b->hist.max;
  if (b->json) {
    json_out_t j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "scenario");
    json_string(&j, b->scenario->name);
    json_key(&j, "server");
    json_string(&j, b->opt.server);
    json_key(&j, "connections");
    json_uint(&j, b->connections);
    json_key(&j, "in_flight");
    json_uint(&j, b->scenario->kind == SCENARIO_CONNECT ? 1 : b->in_flight);
    json_key(&j, "duration_ms");
    json_uint(&j, (uint64_t)(secs * 1000));
    json_key(&j, "ok");
    json_uint(&j, b->ok);
    json_key(&j, "per_second");
    json_decimal(&j, (uint64_t)(rate * 10), 1);
    json_key(&j, "latency_us");
    json_begin_object(&j);
    json_key(&j, "p50");
    json_uint(&j, p50);
    json_key(&j, "p99");
    json_uint(&j, p99);
    json_key(&j, "max");
    json_uint(&j, max);
    json_end_object(&j);
    json_key(&j, "errors");
    json_uint(&j, b->errors);
    json_key(&j, "errors_by_code");
    json_begin_object(&j);
    for (int k = 1; k < MAX_ERROR_KINDS; k++) {
      if (!b->error_counts[k]) continue;
      json_key(&j, spc_code_name(-k));
      json_uint(&j, b->error_counts[k]);
    }
    json_end_object(&j);
    if (b->first_error[0]) {
      json_key(&j, "first_error");
      json_string(&j, b->first_error);
    }
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  printf("scenario      %s (%s)\n", b->scenario->name, b->scenario->description);
  printf("server        %s\n", b->opt.server);
  if (b->scenario->kind == SCENARIO_CONNECT)
    printf("connections   %u concurrent connect loops\n", b->connections);
  else
    printf("connections   %u x %u in flight\n", b->connections, b->in_flight);
  printf("duration      %.2f s\n", secs);
  printf("completed     %" PRIu64 "\n", b->ok);
  printf("%-13s %.1f\n", b->scenario->kind == SCENARIO_CONNECT ? "connects/s" : "requests/s", rate);
  printf("latency p50   %.3f ms\n", (double)p50 / 1000.0);
  printf("latency p99   %.3f ms\n", (double)p99 / 1000.0);
  printf("latency max   %.3f ms\n", (double)max / 1000.0);
  printf("errors        %" PRIu64 "\n", b->errors);
  for (int k = 1; k < MAX_ERROR_KINDS; k++) {
    if (b->error_counts[k]) printf("  %-16s %" PRIu64 "\n", spc_code_name(-k), b->error_counts[k]);
  }
  if (b->first_error[0]) printf("first error   %s\n", b->first_error);
}

/* ---- main ---- */

static void usage(FILE *f) {
  fprintf(f,
          "Usage: simpeg-bench --server HOST:PORT --ca FILE [OPTIONS]\n"
          "\n"
          "Options:\n"
          "  --server HOST:PORT   server address\n"
          "  --ca FILE            CA certificate of the server\n"
          "  --cert FILE          client certificate (mutual TLS)\n"
          "  --key FILE           its key\n"
          "  --server-name NAME   name the certificate must match (default: the host)\n"
          "  --connections N      concurrent connections (default 1)\n"
          "  --in-flight K        requests in flight per connection (default 1)\n"
          "  --duration SECONDS   how long to run (default 10)\n"
          "  --scenario NAME      one of the scenarios below (default ping)\n"
          "  --timeout MS         connect and request time-out (default 10000)\n"
          "  --username NAME      sign in as NAME once, then present the session on every\n"
          "                       connection (required by scenarios that need a user)\n"
          "  --password-stdin     read the password as one line of standard input\n"
          "  --nips FILE          NIPs for employee_show, one a line (a random one each request)\n"
          "  --queries FILE       queries for employee_search, one a line (a random one each request)\n"
          "                       (at most 65536 lines of a file are kept, sampled uniformly)\n"
          "  --output FORMAT      table (default) or json\n"
          "  --help               show this help\n"
          "\n"
          "Scenarios:\n");
  for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
    fprintf(f, "  %-16s %s\n", scenarios[i].name, scenarios[i].description);
}

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out, const char *what) {
  uint64_t v;
  if (!sp_parse_u64(s, min, max, &v)) {
    fprintf(stderr, "simpeg-bench: --%s must be a number from %u to %u\n", what, min, max);
    return false;
  }
  *out = (uint32_t)v;
  return true;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"server", required_argument, NULL, 's'},      {"ca", required_argument, NULL, 'a'},
      {"cert", required_argument, NULL, 'c'},        {"key", required_argument, NULL, 'k'},
      {"server-name", required_argument, NULL, 'n'}, {"connections", required_argument, NULL, 'C'},
      {"in-flight", required_argument, NULL, 'K'},   {"duration", required_argument, NULL, 'd'},
      {"scenario", required_argument, NULL, 'S'},    {"timeout", required_argument, NULL, 't'},
      {"output", required_argument, NULL, 'o'},      {"help", no_argument, NULL, 'h'},
      {"username", required_argument, NULL, 'u'},    {"password-stdin", no_argument, NULL, 'P'},
      {"nips", required_argument, NULL, 'i'},        {"queries", required_argument, NULL, 'q'},
      {NULL, 0, NULL, 0},
  };
  signal(SIGPIPE, SIG_IGN); /* a reset connection is an error to count */
  /* Many connections need many descriptors: take what the hard limit allows. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  bench_t *b = sp_xcalloc(1, sizeof(*b));
  spc_options_init(&b->opt);
  b->opt.client_name = "simpeg-bench";
  b->opt.client_version = SIMPEG_VERSION;
  b->opt.reconnect = false;
  b->connections = 1;
  b->in_flight = 1;
  b->duration_s = 10;
  b->scenario = &scenarios[0];
  uint32_t timeout = 10000;
  int c;
  int rc = 0;
  bool password_stdin = false;
  const char *nips_path = NULL, *queries_path = NULL;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 's': b->opt.server = optarg; break;
    case 'a': b->opt.ca_file = optarg; break;
    case 'c': b->opt.cert_file = optarg; break;
    case 'k': b->opt.key_file = optarg; break;
    case 'n': b->opt.server_name = optarg; break;
    case 'C': if (!parse_u32(optarg, 1, 10000, &b->connections, "connections")) rc = 2; break;
    case 'K': if (!parse_u32(optarg, 1, 10000, &b->in_flight, "in-flight")) rc = 2; break;
    case 'd': if (!parse_u32(optarg, 1, 86400, &b->duration_s, "duration")) rc = 2; break;
    case 't': if (!parse_u32(optarg, 1, 3600000, &timeout, "timeout")) rc = 2; break;
    case 'S': {
      b->scenario = NULL;
      for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        if (strcmp(optarg, scenarios[i].name) == 0) b->scenario = &scenarios[i];
      if (!b->scenario) {
        fprintf(stderr, "simpeg-bench: unknown scenario \"%s\"\n", optarg);
        rc = 2;
      }
      break;
    }
    case 'o':
      if (strcmp(optarg, "json") == 0) b->json = true;
      else if (strcmp(optarg, "table") != 0) {
        fprintf(stderr, "simpeg-bench: --output must be table or json\n");
        rc = 2;
      }
      break;
    case 'u': b->username = optarg; break;
    case 'P': password_stdin = true; break;
    case 'i': nips_path = optarg; break;
    case 'q': queries_path = optarg; break;
    case 'h': usage(stdout); free(b); return 0;
    default: rc = 2; break;
    }
    if (rc) break;
  }
  if (rc == 0 && (!b->opt.server || optind < argc)) {
    usage(stderr);
    rc = 2;
  }
  if (rc == 0) {
    const char *problem = NULL;
    if (b->scenario->needs_session && !b->username)
      problem = "this scenario needs a signed-in user: --username NAME --password-stdin";
    else if (b->username && !password_stdin)
      problem = "--username needs --password-stdin (the password as one line of standard input)";
    else if (password_stdin && !b->username)
      problem = "--password-stdin needs --username";
    else if (b->username && b->scenario->kind == SCENARIO_CONNECT)
      problem = "the connect scenario does not sign in: leave out --username";
    else if (b->scenario->input == INPUT_NIPS && !nips_path)
      problem = "this scenario needs --nips FILE (one NIP a line)";
    else if (b->scenario->input == INPUT_QUERIES && !queries_path)
      problem = "this scenario needs --queries FILE (one query a line)";
    else if ((nips_path && b->scenario->input != INPUT_NIPS) ||
             (queries_path && b->scenario->input != INPUT_QUERIES))
      problem = "--nips is only for employee_show, --queries only for employee_search";
    if (problem) {
      fprintf(stderr, "simpeg-bench: %s\n", problem);
      rc = 2;
    }
  }
  if (rc == 0 && b->scenario->input != INPUT_NONE &&
      !input_load(&b->input, b->scenario->input == INPUT_NIPS ? nips_path : queries_path,
                  b->scenario->input == INPUT_NIPS ? "NIP" : "query"))
    rc = 2;
  if (rc == 0 && password_stdin) {
    ssize_t n = cli_read_line_fd(STDIN_FILENO, b->password, sizeof(b->password));
    if (n <= 0) {
      fprintf(stderr, "simpeg-bench: %s\n",
              n == CLI_LINE_TOO_LONG ? "the password on standard input is too long"
              : n == CLI_LINE_ERROR  ? "cannot read the password from standard input"
                                     : "no password on standard input");
      rc = 2;
    }
  }
  if (rc) {
    free(b->input.lines);
    explicit_bzero(b, sizeof(*b));
    free(b);
    return rc;
  }
  b->opt.connect_timeout_ms = timeout;
  b->opt.request_timeout_ms = timeout;
  /* Room for every request of a connection, so the queue never refuses. */
  b->opt.queue_max = b->in_flight;

  /* One TLS context for every connection: loading the CA once. */
  sp_tls_config_t tc;
  memset(&tc, 0, sizeof(tc));
  tc.ca_file = b->opt.ca_file;
  tc.cert_file = b->opt.cert_file;
  tc.key_file = b->opt.key_file;
  char err[256];
  b->tls_ctx = sp_tls_ctx_new_client(&tc, err, sizeof(err));
  if (!b->tls_ctx) {
    fprintf(stderr, "simpeg-bench: %s\n", err);
    free(b->input.lines);
    explicit_bzero(b, sizeof(*b));
    free(b);
    return 2;
  }
  b->opt.tls_ctx = b->tls_ctx;

  uv_loop_init(&b->loop);
  bench_start(b);
  uv_run(&b->loop, UV_RUN_DEFAULT);
  if (!b->stopping) bench_stop(b);
  uv_run(&b->loop, UV_RUN_DEFAULT);
  int lc = uv_loop_close(&b->loop);
  if (lc != 0) fprintf(stderr, "simpeg-bench: loop not empty at exit: %s\n", uv_strerror(lc));

  report(b);
  rc = b->ok == 0 ? 3 : b->errors ? 1 : 0;
  for (uint32_t i = 0; i < b->connections; i++) free(b->workers[i].slots);
  free(b->workers);
  free(b->input.lines);
  sp_tls_ctx_unref(b->tls_ctx);
  explicit_bzero(b, sizeof(*b)); /* the password (already wiped) and the token */
  free(b);
  return rc;
}
