/* simpeg-demo: a realistic demo registry for the five seed cities.
 *
 * Generates N employees (client/demo_gen.c: names that fit the regions,
 * valid NIP / NI PPPK / NIK, careers that follow DOMAIN.md §2.2 and §6) for
 * the offices of deploy/demo/offices.tsv (agencies and units), and either
 *   --csv FILE   writes them in the docs/IMPORT.md columns (for
 *                `simpeg employee import`), or
 *   --load       sends them through the protocol on the asynchronous client:
 *                EmployeeAdd, then EmployeeHistoryAdd for every rank, the
 *                position and the education, with many employees in flight
 *                on each connection. A NIP that already exists is skipped
 *                (so a re-run adds nothing).
 * The same --seed and --today give the same records.
 *
 * Signing in is as simpeg-bench: --username NAME --password-stdin, one
 * Login on the first connection, then Authenticate with the session token
 * on the others. The token is never printed and is wiped at exit.
 *
 * A developer tool: English output, not translated. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo_gen.h"
#include "sp_buf.h"
#include "sp_config.h"
#include "sp_ini.h"
#include "sp_valid.h"
#include "spc.h"

#define MAX_OFFICES 4096

typedef struct demo demo_t;

typedef struct slot {
  struct worker *w;
  demo_employee_t e;
  unsigned pending; /* history calls not yet answered */
  bool failed;
} slot_t;

typedef struct worker {
  demo_t *d;
  spc_client_t *client;
  slot_t *slots;
  bool ready;
} worker_t;

struct demo {
  uv_loop_t loop;
  spc_options_t opt;
  sp_tls_ctx_t *tls_ctx;
  demo_gen_t *gen;
  uint64_t count, generated;
  uint32_t connections, in_flight;
  const char *username;
  char password[1024];
  char token[128];
  worker_t *workers;
  uint32_t open_clients;
  bool stopping;
  uint64_t added, skipped, failed, history_rows;
  unsigned errors_shown;
  uint64_t t_start;
};

static void print_error(demo_t *d, const char *what, const char *nip, const spc_error_t *err, int code) {
  if (d->errors_shown >= 10) return;
  d->errors_shown++;
  if (err) {
    char *text = spc_error_text(err);
    fprintf(stderr, "simpeg-demo: %s %s: %s", what, nip, text);
    if (err->server && err->server->reason && *err->server->reason) fprintf(stderr, " (%s)", err->server->reason);
    for (size_t i = 0; err->server && i < err->server->n_violations; i++)
      fprintf(stderr, " [%s: %s]", err->server->violations[i]->field, err->server->violations[i]->reason);
    fprintf(stderr, "\n");
    free(text);
  } else {
    fprintf(stderr, "simpeg-demo: %s %s: %s\n", what, nip, spc_code_name(code));
  }
  if (d->errors_shown == 10) fprintf(stderr, "simpeg-demo: (further errors are counted, not shown)\n");
}

static void on_closed(void *ud) {
  demo_t *d = ud;
  d->open_clients--;
}

static void stop_all(demo_t *d) {
  if (d->stopping) return;
  d->stopping = true;
  for (uint32_t i = 0; i < d->connections; i++) {
    worker_t *w = &d->workers[i];
    if (w->client) {
      spc_client_close(w->client, on_closed, d);
      w->client = NULL;
    }
  }
}

static bool worker_idle(worker_t *w) {
  for (uint32_t k = 0; k < w->d->in_flight; k++)
    if (w->slots[k].pending) return false;
  return true;
}

static void maybe_finish(demo_t *d) {
  if (d->generated < d->count) return;
  for (uint32_t i = 0; i < d->connections; i++)
    if (!worker_idle(&d->workers[i])) return;
  stop_all(d);
}

static void feed(slot_t *s);

static void slot_done(slot_t *s) {
  demo_t *d = s->w->d;
  if (s->failed) d->failed++;
  else d->added++;
  s->pending = 0;
  feed(s);
}

static void on_history(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  slot_t *s = ud;
  demo_t *d = s->w->d;
  (void)c;
  if (status != 0) {
    print_error(d, "history row for", s->e.nip, err, status);
    s->failed = true;
  } else {
    d->history_rows++;
  }
  spc_response_free(resp);
  if (--s->pending == 0) slot_done(s);
}

static int send_history(slot_t *s, Simpeg__V1__HistoryEntry *h) {
  Simpeg__V1__EmployeeHistoryAdd m = SIMPEG__V1__EMPLOYEE_HISTORY_ADD__INIT;
  m.nip = s->e.nip;
  m.entry = h;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_HISTORY_ADD;
  req.employee_history_add = &m;
  int rc = spc_client_call(s->w->client, &req, on_history, s, NULL);
  if (rc == 0) s->pending++;
  else {
    print_error(s->w->d, "history row for", s->e.nip, NULL, rc);
    s->failed = true;
  }
  return rc;
}

static void send_histories(slot_t *s) {
  demo_employee_t *e = &s->e;
  s->pending = 1; /* held until every call is sent */
  for (int i = 0; i < e->n_ranks; i++) {
    Simpeg__V1__RankEntry r = SIMPEG__V1__RANK_ENTRY__INIT;
    r.rank_code = e->ranks[i].code;
    r.tmt = e->ranks[i].tmt;
    r.mkg_years = e->ranks[i].mkg_years;
    Simpeg__V1__HistoryEntry h = SIMPEG__V1__HISTORY_ENTRY__INIT;
    h.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_RANK;
    h.rank = &r;
    if (send_history(s, &h)) break;
  }
  Simpeg__V1__PositionEntry p = SIMPEG__V1__POSITION_ENTRY__INIT;
  p.name = e->position_name;
  p.kind = (Simpeg__V1__PositionKind)e->position_kind;
  p.functional_level = (char *)e->functional_level;
  p.office_code = (char *)e->office_code;
  p.tmt = e->position_tmt;
  Simpeg__V1__HistoryEntry hp = SIMPEG__V1__HISTORY_ENTRY__INIT;
  hp.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_POSITION;
  hp.position = &p;
  if (!s->failed) send_history(s, &hp);
  Simpeg__V1__EducationEntry ed = SIMPEG__V1__EDUCATION_ENTRY__INIT;
  ed.level = (char *)e->education_level;
  ed.institution = e->institution;
  ed.graduation_year = e->graduation_year;
  Simpeg__V1__HistoryEntry he = SIMPEG__V1__HISTORY_ENTRY__INIT;
  he.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_EDUCATION;
  he.education = &ed;
  if (!s->failed) send_history(s, &he);
  if (--s->pending == 0) slot_done(s);
}

static void on_added(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  slot_t *s = ud;
  demo_t *d = s->w->d;
  (void)c;
  bool exists = status == SPC_ESERVER && err && err->server &&
                err->server->code == SIMPEG__V1__ERROR_CODE__ERROR_CODE_ALREADY_EXISTS;
  spc_response_free(resp);
  if (status == 0) {
    send_histories(s);
    return;
  }
  s->pending = 0;
  if (exists) d->skipped++;
  else {
    print_error(d, "EmployeeAdd", s->e.nip, err, status);
    d->failed++;
  }
  feed(s);
}

/* Starts the next employee on this slot, or lets it rest when all are out. */
static void feed(slot_t *s) {
  demo_t *d = s->w->d;
  for (;;) {
    if (d->stopping || d->generated >= d->count || !s->w->client) {
      maybe_finish(d);
      return;
    }
    demo_gen_next(d->gen, &s->e);
    d->generated++;
    s->failed = false;
    demo_employee_t *e = &s->e;
    Simpeg__V1__Employee m = SIMPEG__V1__EMPLOYEE__INIT;
    m.nip = e->nip;
    m.employment_type = (Simpeg__V1__EmploymentType)e->employment_type;
    m.front_title = e->front_title;
    m.name = e->name;
    m.back_title = e->back_title;
    m.birth_place = e->birth_place;
    m.birth_date = e->birth_date;
    m.sex = (Simpeg__V1__Sex)e->sex;
    m.religion = (char *)e->religion;
    m.marital_status = (char *)e->marital_status;
    m.status = SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_ACTIVE;
    m.office_code = (char *)e->office_code;
    m.tmt_cpns = e->tmt_cpns;
    m.email = e->email;
    m.phone = e->phone;
    m.address = e->address;
    m.nik = e->nik;
    Simpeg__V1__EmployeeAdd a = SIMPEG__V1__EMPLOYEE_ADD__INIT;
    a.employee = &m;
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_ADD;
    req.employee_add = &a;
    int rc = spc_client_call(s->w->client, &req, on_added, s, NULL);
    if (rc == 0) {
      s->pending = 1;
      return;
    }
    print_error(d, "EmployeeAdd", e->nip, NULL, rc);
    d->failed++;
    if (rc == SPC_ECLOSED || rc == SPC_ECANCELED || spc_client_state(s->w->client) == SPC_STATE_FAILED) {
      stop_all(d);
      return;
    }
  }
}

static void worker_start(worker_t *w) {
  w->ready = true;
  for (uint32_t k = 0; k < w->d->in_flight; k++) feed(&w->slots[k]);
}

static void on_authenticated(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err,
                             void *ud) {
  worker_t *w = ud;
  (void)c;
  spc_response_free(resp);
  if (status != 0) {
    print_error(w->d, "Authenticate", "", err, status);
    stop_all(w->d);
    return;
  }
  worker_start(w);
}

static void authenticate(worker_t *w) {
  Simpeg__V1__Authenticate a = SIMPEG__V1__AUTHENTICATE__INIT;
  a.token = w->d->token;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_AUTHENTICATE;
  req.authenticate = &a;
  int rc = spc_client_call(w->client, &req, on_authenticated, w, NULL);
  if (rc < 0) {
    print_error(w->d, "Authenticate", "", NULL, rc);
    stop_all(w->d);
  }
}

static void on_login(spc_client_t *c, int status, Simpeg__V1__Response *resp, const spc_error_t *err, void *ud) {
  demo_t *d = ud;
  (void)c;
  const char *token = status == 0 && resp && resp->result_case == SIMPEG__V1__RESPONSE__RESULT_LOGIN && resp->login
                          ? resp->login->token
                          : NULL;
  if (token && *token && strlen(token) < sizeof(d->token)) snprintf(d->token, sizeof(d->token), "%s", token);
  else print_error(d, "Login as", d->username, err, status ? status : SPC_EPROTO);
  if (token) explicit_bzero(resp->login->token, strlen(token));
  spc_response_free(resp);
  if (!d->token[0]) {
    stop_all(d);
    return;
  }
  d->t_start = uv_hrtime();
  worker_start(&d->workers[0]);
  for (uint32_t i = 1; i < d->connections; i++) authenticate(&d->workers[i]);
}

static void on_state(spc_client_t *c, spc_state_t st, const spc_error_t *err, const Simpeg__V1__GoAway *ga,
                     void *ud) {
  worker_t *w = ud;
  (void)c;
  (void)ga;
  if (w->d->stopping) return;
  if (err && (st == SPC_STATE_FAILED || st == SPC_STATE_BACKOFF)) {
    print_error(w->d, "connection to", w->d->opt.server, err, err->code);
    stop_all(w->d);
  }
}

static int run_load(demo_t *d) {
  uv_loop_init(&d->loop);
  d->workers = sp_xcalloc(d->connections, sizeof(*d->workers));
  for (uint32_t i = 0; i < d->connections; i++) {
    worker_t *w = &d->workers[i];
    w->d = d;
    w->slots = sp_xcalloc(d->in_flight, sizeof(*w->slots));
    for (uint32_t k = 0; k < d->in_flight; k++) w->slots[k].w = w;
    spc_error_t err;
    w->client = spc_client_new(&d->loop, &d->opt, &err);
    if (!w->client) {
      print_error(d, "connection to", d->opt.server, &err, err.code);
      stop_all(d);
      break;
    }
    d->open_clients++;
    spc_client_set_callbacks(w->client, on_state, NULL, w);
  }
  if (!d->stopping) {
    Simpeg__V1__Login m = SIMPEG__V1__LOGIN__INIT;
    m.username = (char *)d->username;
    m.password = d->password;
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_LOGIN;
    req.login = &m;
    int rc = spc_client_call(d->workers[0].client, &req, on_login, d, NULL);
    explicit_bzero(d->password, sizeof(d->password));
    if (rc < 0) {
      print_error(d, "Login as", d->username, NULL, rc);
      stop_all(d);
    }
  }
  uv_run(&d->loop, UV_RUN_DEFAULT);
  stop_all(d);
  uv_run(&d->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&d->loop) != 0) fprintf(stderr, "simpeg-demo: loop not empty at exit\n");
  double secs = d->t_start ? (double)(uv_hrtime() - d->t_start) / 1e9 : 0;
  printf("loaded %" PRIu64 " employees (%" PRIu64 " history rows), skipped %" PRIu64
         " that exist, %" PRIu64 " failed, in %.2f s: %.0f employees/s\n",
         d->added, d->history_rows, d->skipped, d->failed, secs,
         secs > 0 ? (double)(d->added + d->skipped) / secs : 0.0);
  for (uint32_t i = 0; i < d->connections; i++) free(d->workers[i].slots);
  free(d->workers);
  if (!d->token[0]) return 1;
  return d->failed || d->added + d->skipped < d->count ? 1 : 0;
}

static int run_csv(demo_t *d, const char *path) {
  FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
  if (!f) {
    perror(path);
    return 1;
  }
  static char iobuf[1 << 20];
  setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
  uint64_t t0 = uv_hrtime();
  fputs(demo_csv_header, f);
  demo_employee_t e;
  char line[2048];
  for (uint64_t i = 0; i < d->count; i++) {
    demo_gen_next(d->gen, &e);
    size_t n = demo_csv_line(&e, line, sizeof(line));
    fwrite(line, 1, n, f);
  }
  int rc = 0;
  if (f == stdout ? fflush(f) != 0 : fclose(f) != 0) {
    perror(path);
    rc = 1;
  }
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  fprintf(stderr, "simpeg-demo: wrote %" PRIu64 " employees to %s in %.2f s (%.0f rows/s)\n", d->count, path, secs,
          secs > 0 ? (double)d->count / secs : 0.0);
  return rc;
}

/* Office codes of agencies and units from an offices.tsv (code, kind,
 * parent, name; '#' comments). */
static size_t read_offices(const char *path, char **codes, size_t max) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 0;
  }
  char line[1024];
  size_t n = 0;
  while (fgets(line, sizeof(line), f) && n < max) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = 0;
    char *kind = tab + 1;
    if (strncmp(kind, "agency\t", 7) != 0 && strncmp(kind, "unit\t", 5) != 0) continue;
    codes[n++] = sp_xstrdup(line);
  }
  fclose(f);
  return n;
}

static void usage(FILE *f) {
  fprintf(f,
          "Usage: simpeg-demo [--count N] [--seed S] (--csv FILE | --load --server HOST:PORT --ca FILE\n"
          "                   --username NAME --password-stdin) [OPTIONS]\n"
          "\n"
          "Generates a realistic demo registry for the offices of deploy/demo/offices.tsv.\n"
          "\n"
          "  --count N            employees to generate (default 5000, at most 1000000)\n"
          "  --seed S             random seed (default 1); the same seed and --today give\n"
          "                       the same records\n"
          "  --today YYYY-MM-DD   reference date for ages and TMTs (default: today, UTC)\n"
          "  --offices FILE       office tree, tab-separated (default deploy/demo/offices.tsv);\n"
          "                       employees go to its agencies and units\n"
          "  --office CODE        an office to use (repeatable; instead of --offices)\n"
          "  --csv FILE           write the docs/IMPORT.md columns to FILE (- for stdout)\n"
          "  --load               add the employees through the protocol\n"
          "  --server HOST:PORT   server address (--load)\n"
          "  --ca FILE            CA certificate of the server\n"
          "  --cert FILE, --key FILE   client certificate and key (mutual TLS)\n"
          "  --server-name NAME   name the certificate must match\n"
          "  --username NAME      sign in as NAME (--load)\n"
          "  --password-stdin     read the password as one line of standard input\n"
          "  --connections N      connections for --load (default 2)\n"
          "  --in-flight K        employees in flight per connection (default 32)\n"
          "  --timeout MS         connect and request time-out (default 30000)\n"
          "  --help               show this help\n");
}

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what) {
  if (!sp_parse_u64(s, min, max, out)) {
    fprintf(stderr, "simpeg-demo: --%s must be a number from %" PRIu64 " to %" PRIu64 "\n", what, min, max);
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"count", required_argument, NULL, 'N'},       {"seed", required_argument, NULL, 'e'},
      {"today", required_argument, NULL, 'T'},       {"offices", required_argument, NULL, 'O'},
      {"office", required_argument, NULL, 'o'},      {"csv", required_argument, NULL, 'f'},
      {"load", no_argument, NULL, 'L'},              {"server", required_argument, NULL, 's'},
      {"ca", required_argument, NULL, 'a'},          {"cert", required_argument, NULL, 'c'},
      {"key", required_argument, NULL, 'k'},         {"server-name", required_argument, NULL, 'n'},
      {"username", required_argument, NULL, 'u'},    {"password-stdin", no_argument, NULL, 'P'},
      {"connections", required_argument, NULL, 'C'}, {"in-flight", required_argument, NULL, 'K'},
      {"timeout", required_argument, NULL, 't'},     {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  signal(SIGPIPE, SIG_IGN);
  demo_t *d = sp_xcalloc(1, sizeof(*d));
  spc_options_init(&d->opt);
  d->opt.client_name = "simpeg-demo";
  d->opt.client_version = SIMPEG_VERSION;
  d->count = 5000;
  d->connections = 2;
  d->in_flight = 32;
  uint64_t seed = 1, v, timeout = 30000;
  const char *today_arg = NULL, *offices_path = NULL, *csv = NULL;
  char *codes[MAX_OFFICES];
  size_t n_codes = 0;
  bool load = false, password_stdin = false;
  int rc = 0, c;
  while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'N': if (!parse_u64(optarg, 1, 1000000, &d->count, "count")) rc = 2; break;
    case 'e': if (!parse_u64(optarg, 0, UINT64_MAX, &seed, "seed")) rc = 2; break;
    case 'T': today_arg = optarg; break;
    case 'O': offices_path = optarg; break;
    case 'o':
      if (n_codes < MAX_OFFICES) codes[n_codes++] = sp_xstrdup(optarg);
      break;
    case 'f': csv = optarg; break;
    case 'L': load = true; break;
    case 's': d->opt.server = optarg; break;
    case 'a': d->opt.ca_file = optarg; break;
    case 'c': d->opt.cert_file = optarg; break;
    case 'k': d->opt.key_file = optarg; break;
    case 'n': d->opt.server_name = optarg; break;
    case 'u': d->username = optarg; break;
    case 'P': password_stdin = true; break;
    case 'C': if (parse_u64(optarg, 1, 64, &v, "connections")) d->connections = (uint32_t)v; else rc = 2; break;
    case 'K': if (parse_u64(optarg, 1, 1000, &v, "in-flight")) d->in_flight = (uint32_t)v; else rc = 2; break;
    case 't': if (!parse_u64(optarg, 1, 3600000, &timeout, "timeout")) rc = 2; break;
    case 'h': usage(stdout); free(d); return 0;
    default: rc = 2; break;
    }
  }
  const char *problem = NULL;
  if (rc == 0) {
    if (optind < argc) problem = "unexpected arguments";
    else if (!csv == !load) problem = "give one of --csv FILE or --load";
    else if (load && !d->opt.server) problem = "--load needs --server HOST:PORT";
    else if (load && (!d->username || !password_stdin))
      problem = "--load needs a signed-in user: --username NAME --password-stdin";
    else if (!load && (d->username || password_stdin)) problem = "--username is only for --load";
    else if (today_arg && !sp_valid_date(today_arg, NULL)) problem = "--today must be a date YYYY-MM-DD";
    else if (offices_path && n_codes) problem = "give either --offices or --office, not both";
    if (problem) {
      fprintf(stderr, "simpeg-demo: %s (see --help)\n", problem);
      rc = 2;
    }
  }
  if (rc == 0 && !n_codes) {
    n_codes = read_offices(offices_path ? offices_path : "deploy/demo/offices.tsv", codes, MAX_OFFICES);
    if (!n_codes) {
      fprintf(stderr, "simpeg-demo: no agencies or units in %s (use --offices FILE or --office CODE)\n",
              offices_path ? offices_path : "deploy/demo/offices.tsv");
      rc = 2;
    }
  }
  if (rc == 0 && password_stdin) {
    ssize_t n = cli_read_line_fd(STDIN_FILENO, d->password, sizeof(d->password));
    if (n <= 0) {
      fprintf(stderr, "simpeg-demo: %s\n",
              n == CLI_LINE_TOO_LONG ? "the password on standard input is too long"
              : n == CLI_LINE_ERROR  ? "cannot read the password from standard input"
                                     : "no password on standard input");
      rc = 2;
    }
  }
  char today[11];
  if (today_arg) snprintf(today, sizeof(today), "%s", today_arg);
  else {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
  }
  if (rc == 0) {
    d->gen = demo_gen_new(seed, today, (const char *const *)codes, n_codes, (size_t)d->count);
    if (!d->gen) {
      fprintf(stderr, "simpeg-demo: cannot start the generator\n");
      rc = 2;
    }
  }
  if (rc == 0 && csv) rc = run_csv(d, csv);
  if (rc == 0 && load) {
    d->opt.connect_timeout_ms = (uint32_t)timeout;
    d->opt.request_timeout_ms = (uint32_t)timeout;
    /* Each employee has at most 1 + ranks + 2 calls in flight. */
    d->opt.queue_max = d->in_flight * (DEMO_MAX_RANKS + 3);
    sp_tls_config_t tc;
    memset(&tc, 0, sizeof(tc));
    tc.ca_file = d->opt.ca_file;
    tc.cert_file = d->opt.cert_file;
    tc.key_file = d->opt.key_file;
    char err[256];
    d->tls_ctx = sp_tls_ctx_new_client(&tc, err, sizeof(err));
    if (!d->tls_ctx) {
      fprintf(stderr, "simpeg-demo: %s\n", err);
      rc = 2;
    } else {
      d->opt.tls_ctx = d->tls_ctx;
      rc = run_load(d);
      sp_tls_ctx_unref(d->tls_ctx);
    }
  }
  demo_gen_free(d->gen);
  for (size_t i = 0; i < n_codes; i++) free(codes[i]);
  explicit_bzero(d, sizeof(*d));
  free(d);
  return rc;
}
