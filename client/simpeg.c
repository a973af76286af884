/* simpeg: the command-line client. Sets up the locale, parses the global
 * options and the command's own, and runs the command from the table in
 * commands.c. Everything a person reads goes through gettext. */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sp_buf.h"
#include "sp_config.h"

enum {
  OPT_SERVER = 0x100,
  OPT_CA,
  OPT_CERT,
  OPT_KEY,
  OPT_SERVER_NAME,
  OPT_TIMEOUT,
  OPT_OUTPUT,
  OPT_CONFIG,
  OPT_HELP = 'h',
  OPT_VERSION = 'V',
};

static const struct option global_options[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"ca", required_argument, NULL, OPT_CA},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"server-name", required_argument, NULL, OPT_SERVER_NAME},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};
#define N_GLOBAL_OPTIONS (sizeof(global_options) / sizeof(global_options[0]) - 1)

/* Where the message catalogues are: $SIMPEG_LOCALEDIR; else the installed
 * directory when it has our catalogue; else the build tree next to the
 * program (build/client/simpeg -> build/po/<lang>/LC_MESSAGES), so an
 * uninstalled build speaks the user's language too. */
static const char *pick_localedir(char *buf, size_t cap) {
  const char *env = getenv("SIMPEG_LOCALEDIR");
  if (env && *env) return env;
  char probe[PATH_MAX];
  snprintf(probe, sizeof(probe), "%s/id/LC_MESSAGES/%s.mo", SIMPEG_LOCALEDIR, GETTEXT_PACKAGE);
  if (access(probe, R_OK) == 0) return SIMPEG_LOCALEDIR;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(buf, cap, "%s/../po", exe);
      return buf;
    }
  }
  return SIMPEG_LOCALEDIR;
}

static void setup_locale(void) {
  static char dir[PATH_MAX + 8];
  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, pick_localedir(dir, sizeof(dir)));
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
}

/* Applies a global option; returns an exit code or -1 to go on. */
static int apply_global(cli_ctx_t *ctx, int val, const char *arg) {
  static const struct {
    int val;
    const char *key;
  } keys[] = {
      {OPT_SERVER, "server"},          {OPT_CA, "ca"},           {OPT_CERT, "cert"},     {OPT_KEY, "key"},
      {OPT_SERVER_NAME, "server_name"}, {OPT_TIMEOUT, "timeout_ms"}, {OPT_OUTPUT, "output"},
  };
  switch (val) {
  case OPT_HELP:
    cli_print_usage(ctx->out);
    return CLI_EXIT_OK;
  case OPT_VERSION:
    fprintf(ctx->out, "simpeg %s\n", SIMPEG_VERSION);
    return CLI_EXIT_OK;
  case OPT_CONFIG:
    ctx->config_path = arg;
    return -1;
  default:
    break;
  }
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    if (keys[i].val != val) continue;
    char err[512];
    if (cli_settings_set(&ctx->flags, keys[i].key, arg, err, sizeof(err)) < 0) {
      fprintf(ctx->err, "simpeg: %s\n", err);
      return CLI_EXIT_USAGE;
    }
    return -1;
  }
  return -1;
}

static int bad_option(cli_ctx_t *ctx, int c, char **argv) {
  const char *opt = argv[optind - 1];
  if (c == ':')
    fprintf(ctx->err, _("simpeg: option \"%s\" needs a value\n"), opt);
  else
    fprintf(ctx->err, _("simpeg: unknown option \"%s\"\n"), opt);
  fprintf(ctx->err, "%s\n", _("Run 'simpeg --help' for usage."));
  return CLI_EXIT_USAGE;
}

static int run_command(cli_ctx_t *ctx, const cli_command_t *cmd, int argc, char **argv) {
  size_t n_cmd = 0;
  while (cmd->options && cmd->options[n_cmd].name) n_cmd++;
  struct option *opts = sp_xcalloc(n_cmd + N_GLOBAL_OPTIONS + 1, sizeof(*opts));
  memcpy(opts, cmd->options ? cmd->options : global_options, n_cmd * sizeof(*opts));
  memcpy(opts + n_cmd, global_options, (N_GLOBAL_OPTIONS + 1) * sizeof(*opts));
  void *state = cmd->state_size ? sp_xcalloc(1, cmd->state_size) : NULL;
  if (cmd->init) cmd->init(state);

  int rc = -1;
  int c;
  optind = 0; /* full re-initialisation for the new argv (glibc) */
  opterr = 0;
  while (rc < 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == '?' || c == ':') {
      rc = bad_option(ctx, c, argv);
    } else if (c == OPT_HELP) {
      cli_print_command_help(ctx->out, cmd);
      rc = CLI_EXIT_OK;
    } else if (c >= CLI_OPT_COMMAND_BASE) {
      char err[512];
      if (cmd->parse_opt(state, c, optarg, err, sizeof(err)) < 0) {
        fprintf(ctx->err, "simpeg: %s\n", err);
        rc = CLI_EXIT_USAGE;
      }
    } else {
      rc = apply_global(ctx, c, optarg);
    }
  }
  if (rc < 0) rc = cmd->run(ctx, state, argc - optind, argv + optind);
  free(state);
  free(opts);
  return rc;
}

int main(int argc, char **argv) {
  /* A server that resets the connection must give an error, not kill us. */
  signal(SIGPIPE, SIG_IGN);
  setup_locale();
  cli_ctx_t ctx;
  memset(&ctx, 0, sizeof(ctx));
  ctx.out = stdout;
  ctx.err = stderr;

  int rc = -1;
  int c;
  opterr = 0;
  /* '+': stop at the command name; the command's own pass sees the rest. */
  while (rc < 0 && (c = getopt_long(argc, argv, "+:hV", global_options, NULL)) != -1) {
    if (c == '?' || c == ':')
      rc = bad_option(&ctx, c, argv);
    else
      rc = apply_global(&ctx, c, optarg);
  }
  if (rc < 0) {
    if (optind >= argc) {
      cli_print_usage(stderr);
      rc = CLI_EXIT_USAGE;
    } else {
      const cli_command_t *cmd = cli_find_command(argv[optind]);
      if (!cmd) {
        fprintf(stderr, _("simpeg: unknown command \"%s\"; run 'simpeg --help' for the list\n"), argv[optind]);
        rc = CLI_EXIT_USAGE;
      } else {
        rc = run_command(&ctx, cmd, argc - optind, argv + optind);
      }
    }
  }
  cli_ctx_free(&ctx); /* settings, and wipes the session token */
  if (fflush(stdout) != 0 && rc == 0) rc = CLI_EXIT_OTHER;
  return rc;
}
