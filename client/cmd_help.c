/* cmd_help: `simpeg help [COMMAND]`, and the usage texts that --help
 * prints. */
#include <string.h>

#include "cli.h"

void cli_print_usage(FILE *f) {
  fprintf(f, "%s\n\n", _("Usage: simpeg [OPTIONS] COMMAND [ARGUMENTS]"));
  fprintf(f, "%s\n\n", _("Command-line client for the simpeg personnel service."));
  fprintf(f, "%s\n", _("Commands:"));
  for (size_t i = 0; cli_commands[i]; i++)
    fprintf(f, "  %-10s %s\n", cli_commands[i]->name, _(cli_commands[i]->summary));
  fprintf(f, "\n%s\n", _("Options:"));
  fputs(_("  --server HOST:PORT   server address (IPv6: [ADDRESS]:PORT)\n"
          "  --ca FILE            CA certificate that signed the server certificate\n"
          "  --cert FILE          client certificate, for mutual TLS\n"
          "  --key FILE           private key of the client certificate\n"
          "  --server-name NAME   name the server certificate must carry\n"
          "                       (default: the host in --server)\n"
          "  --timeout MS         time-out for connecting and for each request,\n"
          "                       in milliseconds (default: 10000)\n"
          "  --output FORMAT      table (default) or json\n"
          "  --config FILE        configuration file\n"
          "                       (default: $XDG_CONFIG_HOME/simpeg/config.ini)\n"
          "  --help               show this help\n"
          "  --version            show the version\n"),
        f);
  fprintf(f, "\n%s\n",
          _("Settings are read from the [client] section of the configuration file (keys: server,\n"
            "ca, cert, key, server_name, timeout_ms, output); options on the command line override\n"
            "them."));
  fprintf(f, "\n%s\n",
          _("Exit status: 0 success, 1 other error, 2 wrong usage or configuration,\n"
            "3 connection or TLS failure, 4 error reported by the server."));
  fprintf(f, "\n%s\n", _("Run 'simpeg help COMMAND' for help on a command."));
}

void cli_print_command_help(FILE *f, const cli_command_t *cmd) {
  fprintf(f, _("Usage: simpeg [OPTIONS] %s\n"), cmd->usage);
  fprintf(f, "\n%s\n", _(cmd->summary));
  if (cmd->description && *cmd->description) fprintf(f, "\n%s", _(cmd->description));
  fprintf(f, "\n%s\n", _("Global options (see 'simpeg --help') may be given before or after the command."));
}

static int help_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  if (argc == 0) {
    cli_print_usage(ctx->out);
    return CLI_EXIT_OK;
  }
  if (argc > 1) {
    fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[1]);
    return CLI_EXIT_USAGE;
  }
  const cli_command_t *cmd = cli_find_command(argv[0]);
  if (!cmd) {
    fprintf(ctx->err, _("simpeg: unknown command \"%s\"; run 'simpeg --help' for the list\n"), argv[0]);
    return CLI_EXIT_USAGE;
  }
  cli_print_command_help(ctx->out, cmd);
  return CLI_EXIT_OK;
}

const cli_command_t cli_cmd_help = {
    .name = "help",
    .summary = N_("Show help for a command"),
    .usage = N_("help [COMMAND]"),
    .description = "",
    .run = help_run,
};
