/* cli: what the files of the `simpeg` program share: settings and their
 * precedence, the command table, exit codes, and the helpers commands use
 * to connect, report errors and print tables.
 *
 * Adding a command: write cmd_NAME.c defining `const cli_command_t
 * cli_cmd_NAME`, add one line to the table in commands.c, and list the file
 * in client/meson.build and po/POTFILES. */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <libintl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

typedef struct cli_ctx {
  const char *config_path;  /* --config, or NULL for the default */
  cli_settings_t flags;     /* from the command line */
  cli_settings_t settings;  /* resolved by cli_resolve */
  bool resolved;
  FILE *out;
  FILE *err;
} cli_ctx_t;

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
/* Resolves settings and connects. 0 with *out set, or an exit code after
 * printing the error. */
int cli_connect(cli_ctx_t *ctx, spc_sync_t **out);
/* One request. 0 with *resp set, or an exit code after printing the error
 * (the caller then owns nothing). */
int cli_call(cli_ctx_t *ctx, spc_sync_t *s, Simpeg__V1__Request *req, Simpeg__V1__Response **resp);
/* Prints the error for a person on ctx->err (and, with --output json, as
 * an {"error": ...} object on ctx->out) and returns the exit code. */
int cli_report_error(cli_ctx_t *ctx, const spc_error_t *err);
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

/* Milliseconds with up to three decimals in the user's locale ("1,532"). */
void cli_format_ms(char *out, size_t cap, uint64_t us);
/* "3 days 04:05:06" / "04:05:06". */
void cli_format_duration(char *out, size_t cap, uint64_t seconds);

#endif
