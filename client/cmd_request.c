/* cmd_request: `simpeg request list|show|timeline|submit|approve|return|
 * reject|postpone|cancel|complete`: the lifecycle every personnel service
 * shares (leave, promotion, KGB, data corrections). Who may do what is
 * decided by the server; this checks the shape of the arguments first. */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_request.h"
#include "sp_valid.h"

enum {
  OPT_SERVICE = CLI_OPT_COMMAND_BASE,
  OPT_STATE,
  OPT_MINE,
  OPT_OFFICE,
  OPT_NIP,
  OPT_AFTER,
  OPT_LIMIT,
  OPT_COMMENT,
  OPT_VERSION,
  OPT_UNTIL,
  OPT_DECREE_NUMBER,
  OPT_DECREE_DATE,
};

static const struct option request_options[] = {
    {"service", required_argument, NULL, OPT_SERVICE},
    {"state", required_argument, NULL, OPT_STATE},
    {"mine", no_argument, NULL, OPT_MINE},
    {"office", required_argument, NULL, OPT_OFFICE},
    {"nip", required_argument, NULL, OPT_NIP},
    {"after", required_argument, NULL, OPT_AFTER},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"comment", required_argument, NULL, OPT_COMMENT},
    {"version", required_argument, NULL, OPT_VERSION},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"decree-number", required_argument, NULL, OPT_DECREE_NUMBER},
    {"decree-date", required_argument, NULL, OPT_DECREE_DATE},
    {NULL, 0, NULL, 0},
};

typedef struct request_state {
  const char *service, *office, *nip, *after, *comment, *until, *decree_number, *decree_date;
  Simpeg__V1__RequestState state;
  bool mine;
  uint64_t limit, version;
} request_state_t;

/* English and Indonesian names of the states (both accepted). */
static const struct {
  const char *en, *id;
  Simpeg__V1__RequestState st;
} state_words[] = {
    {"draft", "draf", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_DRAFT},
    {"submitted", "diajukan", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_SUBMITTED},
    {"returned", "dikembalikan", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_RETURNED},
    {"verified", "diverifikasi", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_VERIFIED},
    {"approved", "disetujui", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_APPROVED},
    {"postponed", "ditangguhkan", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_POSTPONED},
    {"rejected", "ditolak", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_REJECTED},
    {"completed", "selesai", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_COMPLETED},
    {"cancelled", "dibatalkan", SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_CANCELLED},
};

static int request_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  request_state_t *st = state;
  switch (val) {
    case OPT_SERVICE:
      if (strcmp(arg, "CUTI") && strcmp(arg, "KP") && strcmp(arg, "KGB") && strcmp(arg, "KOREKSI")) {
        snprintf(err, errlen, _("unknown service \"%s\" (CUTI, KP, KGB, KOREKSI)"), arg);
        return -1;
      }
      st->service = arg;
      return 0;
    case OPT_STATE:
      for (size_t i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++)
        if (strcmp(arg, state_words[i].en) == 0 || strcmp(arg, state_words[i].id) == 0) {
          st->state = state_words[i].st;
          return 0;
        }
      snprintf(err, errlen,
               _("unknown state \"%s\" (draft, submitted, returned, verified, approved, postponed, rejected, "
                 "completed, cancelled)"),
               arg);
      return -1;
    case OPT_MINE: st->mine = true; return 0;
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_NIP: st->nip = arg; return 0;
    case OPT_AFTER: st->after = arg; return 0;
    case OPT_LIMIT: return cli_parse_uint(arg, 500, &st->limit, "--limit", err, errlen);
    case OPT_COMMENT: st->comment = arg; return 0;
    case OPT_VERSION: return cli_parse_uint(arg, INT32_MAX, &st->version, "--version", err, errlen);
    case OPT_UNTIL:
      if (!sp_valid_date(arg, NULL)) {
        snprintf(err, errlen, _("--until expects a date YYYY-MM-DD, not \"%s\""), arg);
        return -1;
      }
      st->until = arg;
      return 0;
    case OPT_DECREE_NUMBER: st->decree_number = arg; return 0;
    case OPT_DECREE_DATE:
      if (!sp_valid_date(arg, NULL)) {
        snprintf(err, errlen, _("--decree-date expects a date YYYY-MM-DD, not \"%s\""), arg);
        return -1;
      }
      st->decree_date = arg;
      return 0;
    default: return -1;
  }
}

static const char *opt(const char *s) { return s ? s : ""; }

static int list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  request_state_t *st = state;
  (void)argc;
  (void)argv;
  Simpeg__V1__RequestList m = SIMPEG__V1__REQUEST_LIST__INIT;
  m.service = (char *)opt(st->service);
  m.state = st->state;
  m.office_code = (char *)opt(st->office);
  m.mine = st->mine;
  m.employee_nip = (char *)opt(st->nip);
  m.after = (char *)opt(st->after);
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_LIST;
  req.request_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_REQUEST_LIST, &s, &resp);
  if (rc) return rc;
  cli_request_print_list(ctx, resp->request_list->requests, resp->request_list->n_requests,
                         resp->request_list->next_after);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int show_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  (void)argc;
  Simpeg__V1__RequestShow m = SIMPEG__V1__REQUEST_SHOW__INIT;
  m.number = argv[0];
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_SHOW;
  req.request_show = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_REQUEST_SHOW, &s, &resp);
  if (rc) return rc;
  if (resp->request_show->request) cli_request_print(ctx, resp->request_show->request, resp->request_show->replayed);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int timeline_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  (void)argc;
  Simpeg__V1__RequestTimeline m = SIMPEG__V1__REQUEST_TIMELINE__INIT;
  m.number = argv[0];
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_TIMELINE;
  req.request_timeline = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_REQUEST_TIMELINE, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__RequestTimelineReply *t = resp->request_timeline;
  char when[64];
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "number");
    json_string(&j, t->request ? t->request->number : argv[0]);
    json_key(&j, "entries");
    json_begin_array(&j);
    for (size_t i = 0; i < t->n_entries; i++) {
      const Simpeg__V1__TimelineEntry *e = t->entries[i];
      json_begin_object(&j);
      cli_format_time_utc(when, sizeof(when), e->at_us);
      json_key(&j, "at");
      json_string(&j, when);
      json_key(&j, "actor");
      json_string(&j, e->actor);
      json_key(&j, "action");
      json_string(&j, e->action);
      json_key(&j, "from_state");
      json_uint(&j, (uint64_t)e->from_state);
      json_key(&j, "to_state");
      json_uint(&j, (uint64_t)e->to_state);
      json_key(&j, "step_no");
      json_uint(&j, e->step_no);
      json_key(&j, "comment");
      json_string(&j, e->comment);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
    json_finish(&j);
  } else {
    const char *head[] = {_("WHEN"), _("WHO"), _("WHAT"), _("STEP"), _("STATE"), _("COMMENT")};
    cli_cols_t c;
    cli_cols_init(&c, 6, head);
    for (size_t i = 0; i < t->n_entries; i++) {
      const Simpeg__V1__TimelineEntry *e = t->entries[i];
      char step[96] = "";
      cli_format_time(when, sizeof(when), e->at_us);
      if (e->step_no) snprintf(step, sizeof(step), "%u %s", e->step_no, cli_request_step_name(e->step_kind));
      const char *row[] = {when, e->actor, cli_request_action_name(e->action), step, cli_request_state_name(e->to_state),
                           e->comment};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int act(cli_ctx_t *ctx, request_state_t *st, const char *number, Simpeg__V1__RequestAction action) {
  bool needs_comment = action == SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_RETURN ||
                       action == SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_REJECT ||
                       action == SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_POSTPONE;
  if (needs_comment && (!st->comment || !*st->comment))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("returning, rejecting or postponing needs --comment saying why"));
  if (action == SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_POSTPONE && !st->until)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("postponing needs --until DATE"));
  if (action == SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_COMPLETE && (!st->decree_number || !st->decree_date))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("completing needs the decree: --decree-number X --decree-date YYYY-MM-DD"));
  Simpeg__V1__RequestAct m = SIMPEG__V1__REQUEST_ACT__INIT;
  m.number = (char *)number;
  m.action = action;
  m.comment = (char *)opt(st->comment);
  m.version = (int64_t)st->version;
  m.postpone_until = (char *)opt(st->until);
  m.decree_number = (char *)opt(st->decree_number);
  m.decree_date = (char *)opt(st->decree_date);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_ACT;
  req.request_act = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_REQUEST_ACT, &s, &resp);
  if (rc) return rc;
  if (resp->request_act->request) cli_request_print(ctx, resp->request_act->request, false);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

#define ACT_RUN(fn, x)                                                   \
  static int fn(cli_ctx_t *ctx, void *state, int argc, char **argv) {    \
    (void)argc;                                                          \
    return act(ctx, state, argv[0], SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_##x); \
  }
ACT_RUN(submit_run, SUBMIT)
ACT_RUN(approve_run, APPROVE)
ACT_RUN(return_run, RETURN)
ACT_RUN(reject_run, REJECT)
ACT_RUN(postpone_run, POSTPONE)
ACT_RUN(cancel_run, CANCEL)
ACT_RUN(complete_run, COMPLETE)

static const cli_sub_t request_subs[] = {
    {"list", 0, 0, list_run},         {"show", 1, 1, show_run},         {"timeline", 1, 1, timeline_run},
    {"submit", 1, 1, submit_run},     {"approve", 1, 1, approve_run},   {"return", 1, 1, return_run},
    {"reject", 1, 1, reject_run},     {"postpone", 1, 1, postpone_run}, {"cancel", 1, 1, cancel_run},
    {"complete", 1, 1, complete_run}, {NULL, 0, 0, NULL},
};

static int request_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "request", request_subs, state, argc, argv);
}

const cli_command_t cli_cmd_request = {
    .name = "request",
    .summary = N_("Personnel-service requests: list, show, approve, return, reject..."),
    .usage = N_("request list|show|timeline|submit|approve|return|reject|postpone|cancel|complete ..."),
    .description = N_(
        "Subcommands:\n"
        "  request list [--service S] [--state S] [--mine] [--office CODE] [--nip NIP]\n"
        "               [--after CURSOR] [--limit N]\n"
        "      requests you may see, newest first (HR: your offices; others: your own\n"
        "      and those you approve)\n"
        "  request show NUMBER\n"
        "      where it is, who has it and since when, what is missing, its steps\n"
        "  request timeline NUMBER\n"
        "      every action with who, when and the comment\n"
        "  request submit|approve|cancel NUMBER [--comment TEXT] [--version V]\n"
        "  request return|reject NUMBER --comment TEXT [--version V]\n"
        "  request postpone NUMBER --comment TEXT --until DATE [--version V]\n"
        "  request complete NUMBER --decree-number X --decree-date DATE\n"
        "States: draft (draf), submitted (diajukan), returned (dikembalikan), verified\n"
        "(diverifikasi), approved (disetujui), postponed (ditangguhkan), rejected\n"
        "(ditolak), completed (selesai), cancelled (dibatalkan). --version refuses the\n"
        "action if the request changed since you read that version.\n"
        "The supervisor step goes to the employee's atasan langsung, which HR sets with\n"
        "'simpeg employee edit NIP --supervisor NIP' (- for none)."),
    .options = request_options,
    .state_size = sizeof(request_state_t),
    .parse_opt = request_parse_opt,
    .run = request_run,
};
