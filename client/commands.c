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
/* personnel services (issue #5) */
extern const cli_command_t cli_cmd_request;
extern const cli_command_t cli_cmd_inbox;
extern const cli_command_t cli_cmd_chain;
extern const cli_command_t cli_cmd_correction;
extern const cli_command_t cli_cmd_leave;
extern const cli_command_t cli_cmd_holiday;
extern const cli_command_t cli_cmd_promotion;
extern const cli_command_t cli_cmd_kgb;
extern const cli_command_t cli_cmd_retirement;
extern const cli_command_t cli_cmd_document;
extern const cli_command_t cli_cmd_report;
extern const cli_command_t cli_cmd_watch;

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
    &cli_cmd_inbox,
    &cli_cmd_request,
    &cli_cmd_leave,
    &cli_cmd_correction,
    &cli_cmd_promotion,
    &cli_cmd_kgb,
    &cli_cmd_retirement,
    &cli_cmd_document,
    &cli_cmd_holiday,
    &cli_cmd_chain,
    &cli_cmd_report,
    &cli_cmd_watch,
    &cli_cmd_help,
    NULL,
};

const cli_command_t *cli_find_command(const char *name) {
  for (size_t i = 0; cli_commands[i]; i++) {
    if (strcmp(cli_commands[i]->name, name) == 0) return cli_commands[i];
  }
  return NULL;
}
