/* cmd_audit: `simpeg audit list|verify`: reading the audit log (regional
 * and system admins, auditors) and checking its hash chain (system admins,
 * auditors). */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"

enum {
  OPT_ACTOR = CLI_OPT_COMMAND_BASE,
  OPT_ENTITY,
  OPT_ENTITY_ID,
  OPT_FROM,
  OPT_TO,
  OPT_BEFORE,
  OPT_LIMIT,
};

static const struct option audit_options[] = {
    {"actor", required_argument, NULL, OPT_ACTOR},   {"entity", required_argument, NULL, OPT_ENTITY},
    {"entity-id", required_argument, NULL, OPT_ENTITY_ID}, {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},         {"before", required_argument, NULL, OPT_BEFORE},
    {"limit", required_argument, NULL, OPT_LIMIT},   {NULL, 0, NULL, 0},
};

typedef struct audit_state {
  const char *actor, *entity, *entity_id;
  uint64_t from_us, to_us, before, limit;
} audit_state_t;

static int audit_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  audit_state_t *st = state;
  switch (val) {
    case OPT_ACTOR: st->actor = arg; return 0;
    case OPT_ENTITY: st->entity = arg; return 0;
    case OPT_ENTITY_ID: st->entity_id = arg; return 0;
    case OPT_FROM: return cli_parse_local_time(arg, &st->from_us, "--from", err, errlen);
    case OPT_TO: return cli_parse_local_time(arg, &st->to_us, "--to", err, errlen);
    case OPT_BEFORE: return cli_parse_uint(arg, INT64_MAX, &st->before, "--before", err, errlen);
    case OPT_LIMIT: return cli_parse_uint(arg, 1000, &st->limit, "--limit", err, errlen);
    default: return -1;
  }
}

static int audit_list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  audit_state_t *st = state;
  Simpeg__V1__AuditList m = SIMPEG__V1__AUDIT_LIST__INIT;
  m.actor = (char *)(st->actor ? st->actor : "");
  m.entity = (char *)(st->entity ? st->entity : "");
  m.entity_id = (char *)(st->entity_id ? st->entity_id : "");
  m.from_us = st->from_us;
  m.to_us = st->to_us;
  m.before_seq = st->before;
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_AUDIT_LIST;
  req.audit_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_AUDIT_LIST, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__AuditListReply *l = resp->audit_list;
  char when[96];
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "entries");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_entries; i++) {
      const Simpeg__V1__AuditEntry *e = l->entries[i];
      json_begin_object(&j);
      json_key(&j, "seq");
      json_uint(&j, e->seq);
      json_key(&j, "at");
      cli_format_time_utc(when, sizeof(when), e->at_us);
      json_string(&j, when);
      const char *keys[] = {"actor", "actor_office", "client_addr", "method", "entity", "entity_id", "hash"};
      const char *vals[] = {e->actor, e->actor_office, e->client_addr, e->method, e->entity, e->entity_id, e->hash_hex};
      for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        json_key(&j, keys[k]);
        json_string(&j, vals[k] ? vals[k] : "");
      }
      /* before/after are JSON already: passed through as strings, so a
       * reader never has to trust the server's JSON to parse ours. */
      json_key(&j, "before");
      if (e->before_json && *e->before_json)
        json_string(&j, e->before_json);
      else
        json_null(&j);
      json_key(&j, "after");
      if (e->after_json && *e->after_json)
        json_string(&j, e->after_json);
      else
        json_null(&j);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "next_before");
    if (l->next_before)
      json_uint(&j, l->next_before);
    else
      json_null(&j);
    json_end_object(&j);
    json_finish(&j);
  } else if (l->n_entries == 0) {
    fprintf(ctx->out, "%s\n", _("No audit entries."));
  } else {
    const char *head[] = {_("SEQ"), _("TIME"), _("ACTOR"), _("OFFICE"), _("ACTION"), _("ON")};
    cli_cols_t c;
    cli_cols_init(&c, 6, head);
    for (size_t i = 0; i < l->n_entries; i++) {
      const Simpeg__V1__AuditEntry *e = l->entries[i];
      char seq[24], on[512];
      snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
      cli_format_time(when, sizeof(when), e->at_us);
      snprintf(on, sizeof(on), "%s %s", e->entity, e->entity_id);
      const char *row[] = {seq, when, e->actor && *e->actor ? e->actor : "-", e->actor_office, e->method, on};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
    if (l->next_before) fprintf(ctx->out, _("Older entries follow: add --before %llu\n"), (unsigned long long)l->next_before);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const char *problem_text(const char *p) {
  if (strcmp(p, "hash_mismatch") == 0) return _("an entry was changed after it was written");
  if (strcmp(p, "chain_break") == 0) return _("an entry is missing or the chain was rewritten");
  if (strcmp(p, "head_mismatch") == 0) return _("the newest entries were removed");
  return p;
}

static int audit_verify_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  Simpeg__V1__AuditVerify m = SIMPEG__V1__AUDIT_VERIFY__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_AUDIT_VERIFY;
  req.audit_verify = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_AUDIT_VERIFY, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__AuditVerifyReply *v = resp->audit_verify;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "ok");
    json_bool(&j, v->ok);
    json_key(&j, "rows_checked");
    json_uint(&j, v->rows_checked);
    json_key(&j, "first_broken_seq");
    if (v->ok)
      json_null(&j);
    else
      json_uint(&j, v->first_broken_seq);
    json_key(&j, "problem");
    if (v->ok)
      json_null(&j);
    else
      json_string(&j, v->problem);
    json_end_object(&j);
    json_finish(&j);
  } else {
    cli_table_t t = {0};
    cli_table_add(&t, _("Audit log"), "%s", v->ok ? _("intact") : _("DAMAGED"));
    cli_table_add(&t, _("Entries checked"), "%llu", (unsigned long long)v->rows_checked);
    if (!v->ok) {
      cli_table_add(&t, _("First damaged entry"), "%llu", (unsigned long long)v->first_broken_seq);
      cli_table_add(&t, _("Problem"), "%s", problem_text(v->problem));
    }
    cli_table_print(&t, ctx->out);
  }
  /* A damaged log is a failure scripts must notice. */
  rc = v->ok ? CLI_EXIT_OK : CLI_EXIT_OTHER;
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

static const cli_sub_t audit_subs[] = {
    {"list", 0, 0, audit_list_run},
    {"verify", 0, 0, audit_verify_run},
    {NULL, 0, 0, NULL},
};

static int audit_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  return cli_sub_dispatch(ctx, "audit", audit_subs, state, argc, argv);
}

const cli_command_t cli_cmd_audit = {
    .name = "audit",
    .summary = N_("Read and verify the audit log"),
    .usage = N_("audit list|verify ..."),
    .description = N_("Subcommands:\n"
                      "  audit list [--actor USERNAME] [--entity ENTITY] [--entity-id ID]\n"
                      "             [--from TIME] [--to TIME] [--before SEQ] [--limit N]\n"
                      "      entries, newest first, at most N (default 100, at most 1000);\n"
                      "      TIME is YYYY-MM-DD or 'YYYY-MM-DD HH:MM[:SS]' (local time);\n"
                      "      entities: user, office\n"
                      "  audit verify\n"
                      "      recompute the hash chain of the whole log; exit status 1 when an\n"
                      "      entry was changed or removed\n"
                      "\n"
                      "You see the entries of people of your own offices; administrators and\n"
                      "auditors of the national office see all.\n"),
    .options = audit_options,
    .state_size = sizeof(audit_state_t),
    .parse_opt = audit_parse_opt,
    .run = audit_run,
};
