/* cmd_correction: `simpeg correction submit`: an employee proposes a
 * correction of their own record (HR may file one for an employee in
 * scope) with the evidence attached; HR verifies it and, once approved, the
 * record changes (KOREKSI, the MyASN pattern). */
#include <string.h>

#include "cli_admin.h"
#include "cli_request.h"

enum {
  OPT_NIP = CLI_OPT_COMMAND_BASE,
  OPT_SET,
  OPT_REASON,
  OPT_ATTACH,
  OPT_DRAFT,
  OPT_KEY,
};

static const struct option correction_options[] = {
    {"nip", required_argument, NULL, OPT_NIP},
    {"set", required_argument, NULL, OPT_SET},
    {"reason", required_argument, NULL, OPT_REASON},
    {"attach", required_argument, NULL, OPT_ATTACH},
    {"draft", no_argument, NULL, OPT_DRAFT},
    {"key", required_argument, NULL, OPT_KEY},
    {NULL, 0, NULL, 0},
};

#define SETS_MAX 10
#define ATTACH_MAX 16

typedef struct correction_state {
  const char *nip, *reason, *key;
  const char *sets[SETS_MAX];
  size_t nsets;
  char *attach[ATTACH_MAX];
  size_t nattach;
  bool draft;
} correction_state_t;

static const char *const fields[] = {"name",  "front_title", "back_title", "birth_place", "religion",
                                     "marital_status", "email", "phone", "address", "nik", NULL};

static int correction_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  correction_state_t *st = state;
  switch (val) {
    case OPT_NIP: st->nip = arg; return 0;
    case OPT_REASON: st->reason = arg; return 0;
    case OPT_KEY: st->key = arg; return 0;
    case OPT_DRAFT: st->draft = true; return 0;
    case OPT_SET:
      if (st->nsets == SETS_MAX) {
        snprintf(err, errlen, _("at most %d fields can be corrected at once"), SETS_MAX);
        return -1;
      }
      st->sets[st->nsets++] = arg;
      return 0;
    case OPT_ATTACH:
      if (st->nattach == ATTACH_MAX) {
        snprintf(err, errlen, _("at most %d documents can be attached at once"), ATTACH_MAX);
        return -1;
      }
      st->attach[st->nattach++] = (char *)arg;
      return 0;
    default: return -1;
  }
}

static int submit_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  correction_state_t *st = state;
  (void)argc;
  (void)argv;
  if (st->nsets == 0 || !st->reason || !*st->reason)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("'correction submit' needs at least one --set FIELD=VALUE and --reason TEXT"));
  Simpeg__V1__FieldChange changes[SETS_MAX], *cp[SETS_MAX];
  char names[SETS_MAX][32];
  for (size_t i = 0; i < st->nsets; i++) {
    const char *eq = strchr(st->sets[i], '=');
    size_t n = eq ? (size_t)(eq - st->sets[i]) : 0;
    bool known = false;
    if (eq && n < sizeof(names[i])) {
      memcpy(names[i], st->sets[i], n);
      names[i][n] = '\0';
      for (const char *const *f = fields; *f; f++) known |= strcmp(*f, names[i]) == 0;
    }
    if (!known)
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                      _("--set expects FIELD=VALUE with FIELD one of name, front_title, back_title, birth_place, "
                        "religion, marital_status, email, phone, address, nik; not \"%s\""),
                      st->sets[i]);
    simpeg__v1__field_change__init(&changes[i]);
    changes[i].field = names[i];
    changes[i].new_value = (char *)(eq + 1);
    cp[i] = &changes[i];
  }
  char key[40];
  if (st->key) {
    if (!*st->key || strlen(st->key) > 100)
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("--key takes 1 to 100 characters"));
  } else {
    cli_request_new_key(key, sizeof(key));
  }
  Simpeg__V1__CorrectionDetails d = SIMPEG__V1__CORRECTION_DETAILS__INIT;
  d.changes = cp;
  d.n_changes = st->nsets;
  d.reason = (char *)st->reason;
  Simpeg__V1__CorrectionSubmit m = SIMPEG__V1__CORRECTION_SUBMIT__INIT;
  m.nip = (char *)(st->nip ? st->nip : "");
  m.correction = &d;
  /* With evidence to attach, a draft first; the evidence goes to it, then
   * it is submitted (cli_request_finish_submit). */
  m.draft = st->draft || st->nattach > 0;
  m.idempotency_key = (char *)(st->key ? st->key : key);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_CORRECTION_SUBMIT;
  req.correction_submit = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_CORRECTION_SUBMIT, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__ServiceRequestReply *r = resp->correction_submit;
  if (!r->request) {
    rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
  } else if (!m.draft || r->replayed) {
    cli_request_print(ctx, r->request, r->replayed);
  } else {
    rc = cli_request_finish_submit(ctx, s, r->request, st->attach, st->nattach, st->draft);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

static const cli_sub_t correction_subs[] = {
    {"submit", 0, 0, submit_run},
    {NULL, 0, 0, NULL},
};

static int correction_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "correction", correction_subs, state, argc, argv);
}

const cli_command_t cli_cmd_correction = {
    .name = "correction",
    .summary = N_("Propose a correction of an employee record (with evidence)"),
    .usage = N_("correction submit [--nip NIP] --set FIELD=VALUE ... --reason TEXT [--attach KIND=FILE ...]"),
    .description = N_("Subcommands:\n"
                      "  correction submit [--nip NIP] --set FIELD=VALUE ... --reason TEXT\n"
                      "                    [--attach bukti_koreksi=FILE ...] [--draft] [--key K]\n"
                      "      FIELD: name, front_title, back_title, birth_place, religion,\n"
                      "      marital_status, email, phone, address, nik. Without --nip: your own\n"
                      "      record. The evidence (kind bukti_koreksi: PDF, JPEG or PNG) is required\n"
                      "      before it can be submitted; --draft keeps it as a draft. The record\n"
                      "      changes only when the request is approved. --key: a retry with the\n"
                      "      same key returns the first request instead of filing another."),
    .options = correction_options,
    .state_size = sizeof(correction_state_t),
    .parse_opt = correction_parse_opt,
    .run = correction_run,
};
