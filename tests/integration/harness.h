/* harness: what integration tests share: a real simpegd started on a free
 * port against the throwaway PostgreSQL that deploy/test.sh provides, with
 * the generated certificates, plus raw TLS sockets for misbehaving clients.
 *
 * Environment (set by deploy/test.sh): SIMPEG_TEST_CONNINFO,
 * SIMPEG_TEST_SIMPEGD, SIMPEG_TEST_CERTS, and for restart tests
 * SIMPEG_TEST_PGSQL_SH + SIMPEG_TEST_PGDIR. Without them the tests exit 77
 * (meson reports SKIP). */
#ifndef SIMPEG_TEST_HARNESS_H
#define SIMPEG_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "simpeg.pb-c.h"
#include "sp_buf.h"
#include "spc.h"
#include "sp_tls.h"

typedef struct daemon {
  pid_t pid;
  uint16_t port;
  char dir[256];      /* temp dir with config and log */
  char config[300];
  char log[300];
  char addr[64];      /* "127.0.0.1:port" */
  /* Client certificate the harness's own clients present (client_options,
   * sync_ping); empty: none. */
  char client_cert[512];
  char client_key[512];
} daemon_t;

/* Exits 77 when the environment lacks what integration tests need. */
void harness_require_env(bool need_pg_restart);
const char *harness_env(const char *name);
char *harness_cert(const char *file); /* static buffer: $SIMPEG_TEST_CERTS/file */

/* Writes a config (extra INI lines appended verbatim), migrates, starts the
 * daemon and waits until it answers a ping. false on failure. */
bool daemon_start(daemon_t *d, const char *extra_ini);
/* The same for a daemon that requires client certificates: the readiness
 * ping (and client_options) present cert/key. */
bool daemon_start_with_cert(daemon_t *d, const char *extra_ini, const char *cert, const char *key);
/* SIGTERM and wait; returns the exit status (0 = clean exit, no leaks under
 * the sanitizers) or -1 when it had to be killed. A clean exit removes the
 * daemon's directory (config and log); otherwise it stays for reading. */
int daemon_stop(daemon_t *d);
/* Resident memory in KiB (from /proc). */
/* Waits (up to 30 s) for an exit already under way; as daemon_stop. */
int daemon_wait_exit(daemon_t *d);
long daemon_rss_kib(const daemon_t *d);
/* true when the daemon's log contains `needle`. */
bool daemon_log_contains(const daemon_t *d, const char *needle);
/* Runs a shell command and returns its exit status. */
int harness_sh(const char *cmd);

void client_options(spc_options_t *o, const daemon_t *d);
/* One synchronous ping; 0 on success. */
int sync_ping(const daemon_t *d);

/* ---- accounts and signing in ----
 *
 * Status and everything else beyond Hello, Ping, Login and Authenticate
 * needs a signed-in user. Accounts are written straight into the database
 * (SIMPEG_TEST_CONNINFO, shared by every daemon of a run), as
 * `simpegd bootstrap-admin` would, so a test needs no administrator first. */
typedef struct harness_user {
  const char *username;    /* lower case */
  const char *password;
  int role;                /* a Simpeg__V1__Role value */
  const char *office_code; /* NULL: the root, "ID" */
  const char *full_name;   /* NULL: "Test <username>" */
  unsigned log2_n;         /* scrypt N = 2^log2_n (r 8, p 1); 0: the daemon's default (~180 ms) */
} harness_user_t;

/* Creates the account, or, when the name exists (an earlier run against the
 * same database), gives it this password, role, office and name and enables
 * it. false (with a message on stderr) on failure, e.g. no such office. */
bool harness_create_user_with(const harness_user_t *u);
/* The same with the daemon's default scrypt parameters and the name
 * "Test <username>"; office_code NULL: the root. */
bool harness_create_user(const char *username, const char *password, int role, const char *office_code);

/* Login on an open connection: 0 when signed in; otherwise the SPC_E* code
 * (SPC_ESERVER when the server refused), with a message on stderr. */
int sync_login(spc_sync_t *s, const char *username, const char *password);
/* Connects to `d` and signs in; NULL (with a message) on failure. */
spc_sync_t *sync_open_as(const daemon_t *d, const char *username, const char *password);
/* Login through an asynchronous client, running its loop until the answer
 * (nothing else should be pending on that loop's other clients that must not
 * run meanwhile). 0 when signed in, as sync_login otherwise. */
int client_login(spc_client_t *c, const char *username, const char *password);

/* Typed calls for tests (they fail the test through cmocka on transport
 * errors). The oneof member is set through the message descriptor, so every
 * method of the protocol works without a per-test list. */
void harness_set_call(Simpeg__V1__Request *req, int call_case, void *msg);
Simpeg__V1__Response *harness_rpc(spc_sync_t *s, int call_case, void *msg);
void harness_expect_ok(const Simpeg__V1__Response *r, int result_case);
void harness_expect_err(const Simpeg__V1__Response *r, int code, const char *reason);

/* A raw TLS connection over a blocking socket, for clients that break the
 * rules. */
typedef struct raw_tls {
  int fd;
  sp_tls_ctx_t *ctx;
  sp_tls_t *tls;
  sp_buf_t in; /* plaintext received */
} raw_tls_t;

/* Plain TCP connect (no TLS). -1 on failure. */
int raw_tcp_connect(uint16_t port);
bool raw_tls_connect(raw_tls_t *r, uint16_t port);
/* With a client certificate (mutual TLS); cert/key NULL: none. */
bool raw_tls_connect_cert(raw_tls_t *r, uint16_t port, const char *cert, const char *key);
bool raw_tls_send(raw_tls_t *r, const void *data, size_t n);
bool raw_tls_send_request(raw_tls_t *r, const Simpeg__V1__Request *req);
/* Reads one ServerFrame (caller frees with ..._free_unpacked); NULL on
 * close, error or after timeout_ms. */
Simpeg__V1__ServerFrame *raw_tls_read_frame(raw_tls_t *r, int timeout_ms);
/* true when the server closes the connection within timeout_ms (data that
 * arrives first is discarded). */
bool raw_wait_closed(int fd, int timeout_ms);
void raw_tls_close(raw_tls_t *r);


/* ---- the real `simpeg` program, as an office workstation runs it ----
 * A workstation is a temp directory with its own XDG_CONFIG_HOME (a
 * config.ini naming the daemon and the CA) and XDG_STATE_HOME (the session
 * token), so several signed-in users can run side by side. */
typedef struct harness_ws {
  char dir[128];
  char state_home[160];
  char config_home[160];
} harness_ws_t;

typedef struct harness_run {
  int status;        /* exit status; 128+N for a signal */
  char out[65536];   /* stdout (truncated to fit) */
  char err[16384];   /* stderr */
} harness_run_t;

/* Creates the workstation for daemon d. false on failure. Needs
 * SIMPEG_TEST_SIMPEG (the group setup should exit 77 without it). */
bool harness_ws_init(harness_ws_t *w, const daemon_t *d);
/* Removes its directory. */
void harness_ws_free(harness_ws_t *w);
/* Runs `simpeg ARGS...` (NULL-terminated, at most 60) with `input` (may be
 * NULL) on stdin, LC_ALL=C.UTF-8 and LANGUAGE from SIMPEG_TEST_LANGUAGE
 * (default C). SIMPEG_TEST_VERBOSE=1 echoes each run on stderr. */
void harness_ws_run(const harness_ws_t *w, harness_run_t *r, const char *input, ...);
/* `simpeg login USER --password-stdin` on the workstation; asserts success. */
void harness_ws_login(const harness_ws_t *w, const char *username, const char *password);
/* Fails the test (showing both streams) unless the run exited with `status`. */
void harness_run_expect(const harness_run_t *r, int status);

#define assert_in(hay, needle)                                                \
  do {                                                                              \
    if (!strstr((hay), (needle))) fail_msg("\"%s\" not in:\n%s", (needle), (hay)); \
  } while (0)
#define assert_not_in(hay, needle)                                          \
  do {                                                                            \
    if (strstr((hay), (needle))) fail_msg("\"%s\" found in:\n%s", (needle), (hay)); \
  } while (0)

/* ---- BEGIN h5: the registry fixture (test_registry.c, test_registry_views.c) ----
 * A daemon, a system admin at the root, and with a per-run tag T two
 * provinces and cities: T-12 Provinsi Sumatera Utara > T-12.75 Kota Binjai
 * and T-16 Provinsi Sumatera Selatan > T-16.71 Kota Palembang; below Binjai
 * the caller's offices (an agency when its parent is T-12.75, else a
 * unit). Accounts (password pw): root-t (system admin), hr-bjn-t and
 * hr-plg-t (HR officers of the two cities), sup-bjn-t (supervisor in
 * Binjai), each signed in. */
typedef struct harness_registry {
  char T[8], t[8]; /* the run tag: upper case for office codes, lower case for usernames */
  struct pg_conn *pg; /* a libpq connection to the test database */
  spc_sync_t *root, *hr_bjn, *hr_plg, *sup_bjn;
} harness_registry_t;

/* An office below Binjai: code and parent are suffixes of T ("12.75.X"). */
typedef struct harness_office {
  const char *code, *name, *parent;
} harness_office_t;

/* Starts d and builds the fixture; harness_seed_random() first for a fresh tag. false
 * on failure (logged). */
bool harness_registry_start(harness_registry_t *f, daemon_t *d, const char *pw, const harness_office_t *offices,
                            size_t n);
/* Signs out, disconnects and stops d: 0, or -1 when the daemon exited badly. */
int harness_registry_stop(harness_registry_t *f, daemon_t *d);
/* OfficeAdd that must succeed. */
void harness_office_add_ok(spc_sync_t *s, const char *code, const char *name, int kind, const char *parent);
/* ---- END h5 ---- */


/* ---- small helpers every test program uses ---- */

/* printf into a string that lives until harness_strings_free() (the
 * group teardown calls it) or the program exits. */
const char *harness_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
void harness_strings_free(void);
/* Runs q on c with text parameters; fails the test unless it succeeds.
 * The caller clears the result. */
PGresult *harness_sql(PGconn *c, const char *q, int n, const char *const *v);
/* The first column of the first row ("" without rows), as a harness_fmt string. */
const char *harness_sql_text(PGconn *c, const char *q, int n, const char *const *v);
long long harness_sql_int(PGconn *c, const char *q, int n, const char *const *v);
/* Seeds rand() from the kernel's random source. Test programs run in
 * parallel against one database; seeding from time ^ pid gave two of them
 * started a second apart with consecutive pids the same seed, hence the
 * same run tag (one CI run failed on an office code "already taken"). */
void harness_seed_random(void);
/* A fresh run tag: five random letters/digits in T (office codes) and the
 * same in lower case in t (user names), each NUL-terminated (cap >= 6), so
 * runs against one database never collide (given harness_seed_random). */
void harness_run_tag(char *T, char *t);
/* EmployeeAdd of a PNS record (religion islam, married) that must succeed;
 * birth_iso is YYYY-MM-DD and must agree with the NIP. */
/* A valid PNS record (islam, kawin) in `office`; the strings are borrowed. */
Simpeg__V1__Employee harness_employee(const char *nip, const char *name, const char *birth_iso, int sex,
                                      const char *office);
void harness_employee_add_ok(spc_sync_t *s, const char *nip, const char *birth_iso, int sex, const char *name,
                             const char *office);

#endif
