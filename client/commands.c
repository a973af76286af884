/* commands: the table of `simpeg` commands. One line per command; each
 * command lives in its own cmd_NAME.c. */
#include <string.h>

#include "cli.h"

extern const cli_command_t cli_cmd_help;
extern const cli_command_t cli_cmd_login;
extern const cli_command_t cli_cmd_logout;
extern const cli_command_t cli_cmd_passwd;
extern const cli_command_t cli_cmd_ping;
extern const cli_command_t cli_cmd_status;
extern const cli_command_t cli_cmd_whoami;
/* users, offices, audit */
extern const cli_command_t cli_cmd_user;
extern const cli_command_t cli_cmd_office;
extern const cli_command_t cli_cmd_audit;
/* the employee registry */
extern const cli_command_t cli_cmd_employee;
extern const cli_command_t cli_cmd_me;

const cli_command_t *const cli_commands[] = {
    &cli_cmd_ping,
    &cli_cmd_status,
    &cli_cmd_login,
    &cli_cmd_whoami,
    &cli_cmd_passwd,
    &cli_cmd_logout,
    &cli_cmd_user,
    &cli_cmd_office,
    &cli_cmd_audit,
    &cli_cmd_employee,
    &cli_cmd_me,
    &cli_cmd_help,
    NULL,
};

const cli_command_t *cli_find_command(const char *name) {
  for (size_t i = 0; cli_commands[i]; i++) {
    if (strcmp(cli_commands[i]->name, name) == 0) return cli_commands[i];
  }
  return NULL;
}
