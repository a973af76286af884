/* cli: what the files of the `simpeg` program share: settings and their
 * precedence, the command table, exit codes, and the helpers commands use
 * to connect, report errors and print tables.
 *
 * Adding a command: write cmd_NAME.c defining `const cli_command_t
 * cli_cmd_NAME`, add one line to the table in commands.c, and list the file
 * in client/meson.build and po/POTFILES. A command that needs a signed-in
 * user connects with cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s)
 * instead of cli_connect (see "sessions" below). */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <libintl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "json_out.h"
#include "spc.h"

#define _(s) gettext(s)
#define N_(s) s

/* Exit codes (documented in `simpeg --help`). */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_OTHER = 1,
  CLI_EXIT_USAGE = 2,  /* bad flag, argument or configuration */
  CLI_EXIT_CONN = 3,   /* cannot connect: DNS, TCP, TLS, connect time-out, connection lost */
  CLI_EXIT_SERVER = 4, /* the server answered with an error */
};

typedef enum cli_output { CLI_OUTPUT_UNSET = 0, CLI_OUTPUT_TABLE, CLI_OUTPUT_JSON } cli_output_t;

#define CLI_DEFAULT_TIMEOUT_MS 10000u

/* One layer of settings (defaults, config file, flags). NULL / 0 / UNSET
 * mean "not set in this layer". Strings are owned by the layer. */
typedef struct cli_settings {
  char *server;
  char *ca;
  char *cert;
  char *key;
  char *server_name;
  uint32_t timeout_ms;
  cli_output_t output;
} cli_settings_t;

void cli_settings_free(cli_settings_t *s);
/* Sets one key ("server", "ca", "cert", "key", "server_name", "timeout_ms",
 * "output"), validating the value. 0; -ENOENT for an unknown key; -EINVAL
 * with a translated message in err for a bad value. */
int cli_settings_set(cli_settings_t *s, const char *key, const char *value, char *err, size_t errlen);
/* out = defaults, overridden by `file`, overridden by `flags`. */
void cli_settings_merge(cli_settings_t *out, const cli_settings_t *file, const cli_settings_t *flags);

/* $XDG_CONFIG_HOME/simpeg/config.ini, or ~/.config/simpeg/config.ini.
 * Empty string when neither variable gives a home. */
void cli_config_default_path(char *out, size_t cap);
/* Reads the [client] section of an ini file into `layer`. Relative file
 * names (ca, cert, key) are taken relative to the file's directory.
 * Unknown keys are reported on `warn` (may be NULL) and skipped. A missing
 * file is fine unless `must_exist`. 0 or -1 with a message in err. */
int cli_config_load(const char *path, bool must_exist, cli_settings_t *layer, FILE *warn, char *err,
                    size_t errlen);

/* The session a command runs under (filled by cli_connect_session). The
 * token is secret: never printed, never in argv or the environment, wiped
 * by cli_ctx_free. */
#define CLI_TOKEN_MAX 512
typedef struct cli_session {
  bool signed_in;             /* this connection carries the stored session */
  char token[CLI_TOKEN_MAX];  /* as loaded from the session file ("" if none) */
  char username[128];         /* from AuthenticateReply */
  char office_code[128];
  Simpeg__V1__Role role;
  uint64_t expires_at_us;
} cli_session_t;

typedef struct cli_ctx {
  const char *config_path;  /* --config, or NULL for the default */
  cli_settings_t flags;     /* from the command line */
  cli_settings_t settings;  /* resolved by cli_resolve */
  bool resolved;
  FILE *out;
  FILE *err;
  cli_session_t session;
} cli_ctx_t;

/* Frees the settings and wipes the session (main calls it at exit). */
void cli_ctx_free(cli_ctx_t *ctx);

/* A command. Text fields are N_() msgids. Options are parsed by the
 * dispatcher together with the global ones; `parse_opt` receives the
 * command's own (val >= CLI_OPT_COMMAND_BASE). */
#define CLI_OPT_COMMAND_BASE 0x200
typedef struct cli_command {
  const char *name;
  const char *summary;       /* one line for the command list */
  const char *usage;         /* e.g. "ping [--count N] [--interval MS]" */
  const char *description;   /* paragraphs and the command's options */
  const struct option *options; /* terminated by a zero entry; may be NULL */
  size_t state_size;         /* per-run state handed to parse_opt and run */
  void (*init)(void *state);
  /* 0, or -1 with a translated message in err. */
  int (*parse_opt)(void *state, int val, const char *arg, char *err, size_t errlen);
  /* Returns an exit code. argv holds the positional arguments. */
  int (*run)(cli_ctx_t *ctx, void *state, int argc, char **argv);
} cli_command_t;

extern const cli_command_t *const cli_commands[];
const cli_command_t *cli_find_command(const char *name);

void cli_print_usage(FILE *f);
void cli_print_command_help(FILE *f, const cli_command_t *cmd);

/* Loads the config file (once) and merges the layers. Prints a message and
 * returns CLI_EXIT_USAGE on a bad config or a missing server; 0 otherwise. */
int cli_resolve(cli_ctx_t *ctx);
/* Resolves settings and checks a server address is set. 0, or an exit code
 * after printing. */
int cli_require_server(cli_ctx_t *ctx);
/* Resolves settings and connects. 0 with *out set, or an exit code after
 * printing the error. */
int cli_connect(cli_ctx_t *ctx, spc_sync_t **out);
/* One request. 0 with *resp set, or an exit code after printing the error
 * (the caller then owns nothing). On a connection opened by
 * cli_connect_session, an UNAUTHENTICATED answer (the session expired or
 * was revoked meanwhile) also removes the stored token and tells the user
 * to sign in again. */
int cli_call(cli_ctx_t *ctx, spc_sync_t *s, Simpeg__V1__Request *req, Simpeg__V1__Response **resp);

/* ---- sessions: what a command that needs a signed-in user calls ----
 *
 *   spc_sync_t *s;
 *   int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
 *   if (rc) return rc;
 *   ... cli_call(ctx, s, &req, &resp) as usual ...
 *   spc_sync_close(s);
 *
 * The session token lives in $XDG_STATE_HOME/simpeg/session (see
 * session_store.h), written by `simpeg login`, for one server address. */
typedef enum cli_auth {
  CLI_AUTH_REQUIRED, /* no stored session for this server: "sign in first", exit 4, no connection */
  CLI_AUTH_OPTIONAL, /* signed in when a session is stored, anonymous otherwise */
} cli_auth_t;

/* Resolves settings, connects (Hello) and, when a session token is stored
 * for this server, sends Authenticate{token} before anything else, filling
 * ctx->session. A token the server no longer accepts (UNAUTHENTICATED:
 * expired, revoked, signed out elsewhere) is removed from the session file
 * and the user is told to run 'simpeg login': exit 4 with
 * CLI_AUTH_REQUIRED, a note and an anonymous connection with
 * CLI_AUTH_OPTIONAL. A session file that is unsafe (readable by others,
 * not ours) or damaged is refused with a message: exit 2. 0 with *out set,
 * or an exit code after printing. */
int cli_connect_session(cli_ctx_t *ctx, cli_auth_t auth, spc_sync_t **out);
/* The Authenticate step alone, on an open connection, with the token in
 * ctx->session.token (for `logout`, which words the outcomes itself).
 * 0 (ctx->session filled), or an SPC_E* code with `err` filled and nothing
 * printed; *resp, possibly NULL, is the caller's to free (err->server
 * points into it). */
int cli_session_authenticate(cli_ctx_t *ctx, spc_sync_t *s, Simpeg__V1__Response **resp, spc_error_t *err);
/* Loads the stored token for the resolved server into ctx->session.token
 * without connecting (for commands that ask questions before they connect).
 * 0 (token "" when none and CLI_AUTH_OPTIONAL), or an exit code after
 * printing, as cli_connect_session. */
int cli_session_load(cli_ctx_t *ctx, cli_auth_t auth);
/* Stores `token` as the session for the resolved server. 0, or an exit code
 * after printing. */
int cli_session_save(cli_ctx_t *ctx, const char *token);
/* Removes the stored session if it is still the one in ctx->session and
 * wipes ctx->session. true when a file was removed. */
bool cli_session_forget(cli_ctx_t *ctx);
/* true for a server answer meaning "this session is no longer valid"
 * (UNAUTHENTICATED other than wrong credentials). */
bool cli_session_ended(const spc_error_t *err);

/* Prints who is signed in (table or JSON; never the token). `office_name`
 * and `branch` may be NULL or empty, `idle_timeout_s` 0 when unknown.
 * Used by `login` and `whoami`. */
void cli_print_identity(cli_ctx_t *ctx, const Simpeg__V1__User *u, const char *office_name, const char *branch,
                        uint64_t expires_at_us, uint32_t idle_timeout_s);

/* A failure found by the client itself (not an spc_error_t): prints
 * "simpeg: TEXT" on ctx->err and, with --output json, {"error": {"code":
 * CODE, "message": TEXT}} on ctx->out. Returns `exit_code`. */
int cli_fail(cli_ctx_t *ctx, int exit_code, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reading input (cli_prompt.c). */
enum { CLI_LINE_EOF = -1, CLI_LINE_TOO_LONG = -2, CLI_LINE_ERROR = -3 };
/* One line from fd, byte by byte (nothing after the newline is consumed),
 * without the newline or a trailing CR. The length, or CLI_LINE_EOF when
 * the input ended before any byte, CLI_LINE_TOO_LONG (the rest of the line
 * is consumed, buf wiped), CLI_LINE_ERROR. */
ssize_t cli_read_line_fd(int fd, char *buf, size_t cap);
/* Asks on /dev/tty; with `secret`, echo is off while the line is typed
 * (restored also on Ctrl-C). 0, or an exit code after printing (no
 * terminal, cancelled, too long). */
int cli_prompt(cli_ctx_t *ctx, const char *prompt, bool secret, char *buf, size_t cap);
/* One line from standard input (--password-stdin); `what` names it in
 * messages ("the password"). 0, or an exit code after printing. */
int cli_read_secret_stdin(cli_ctx_t *ctx, const char *what, char *buf, size_t cap);
/* Prints the error for a person on ctx->err (and, with --output json, as
 * an {"error": ...} object on ctx->out) and returns the exit code. */
int cli_report_error(cli_ctx_t *ctx, const spc_error_t *err);
/* The same with one more line of the caller's own (translated) advice. */
int cli_report_error_hint(cli_ctx_t *ctx, const spc_error_t *err, const char *hint);
int cli_exit_code_for(int spc_code);
/* Writes the error object's members into an open JSON object. */
void cli_json_error(json_out_t *j, const spc_error_t *err, const char *text);

/* Label/value rows printed with the labels aligned (display width, so
 * translated labels line up too). Values are sanitised: control
 * characters from the server never reach the terminal. */
typedef struct cli_table {
  struct cli_row {
    char *label;
    char *value;
  } *rows;
  size_t n, cap;
} cli_table_t;

void cli_table_add(cli_table_t *t, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_table_print(cli_table_t *t, FILE *f); /* prints and frees the rows */

/* Roles and office kinds in words for people ("Petugas kepegawaian"),
 * and their stable names for JSON ("hr_officer"). */
const char *cli_role_label(Simpeg__V1__Role role);
const char *cli_role_name(Simpeg__V1__Role role);
const char *cli_office_kind_label(Simpeg__V1__OfficeKind kind);
const char *cli_office_kind_name(Simpeg__V1__OfficeKind kind);
/* An instant (microseconds since the epoch) in local time,
 * "2026-12-02 15:04:05 WIB", and in UTC for JSON, "2026-12-02T08:04:05Z". */
void cli_format_time(char *out, size_t cap, uint64_t us);
void cli_format_time_utc(char *out, size_t cap, uint64_t us);

/* Milliseconds with up to three decimals in the user's locale ("1,532"). */
void cli_format_ms(char *out, size_t cap, uint64_t us);
/* "3 days 04:05:06" / "04:05:06". */
void cli_format_duration(char *out, size_t cap, uint64_t seconds);

#endif
