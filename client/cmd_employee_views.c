/* cmd_employee_views: `simpeg employee duk|headcount|warnings`, the registry
 * views (svc_views.c): the rank-ordered staff list (DUK), headcounts by one
 * dimension and the early warnings for KGB, promotion and retirement.
 * cmd_employee.c parses the options and calls these. */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_employee.h"

static const char *nz(const char *s) { return s ? s : ""; }

static void json_next(json_out_t *j, const char *next_after) {
  json_key(j, "next_after");
  if (next_after && *next_after)
    json_string(j, next_after);
  else
    json_null(j);
}

int cli_employee_duk(cli_ctx_t *ctx, const char *office, const char *after, uint32_t limit) {
  Simpeg__V1__DukList m = SIMPEG__V1__DUK_LIST__INIT;
  m.office_code = (char *)nz(office);
  m.after = (char *)nz(after);
  m.limit = limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_DUK_LIST;
  req.duk_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_DUK_LIST, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__DukListReply *l = resp->duk_list;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "entries");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_entries; i++) {
      const Simpeg__V1__DukEntry *d = l->entries[i];
      json_begin_object(&j);
      json_key(&j, "position");
      json_uint(&j, d->position);
      json_key(&j, "service_years");
      json_int(&j, d->service_years);
      json_key(&j, "service_months");
      json_int(&j, d->service_months);
      json_key(&j, "employee");
      cli_json_employee(&j, d->employee);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_next(&j, l->next_after);
    json_end_object(&j);
    json_finish(&j);
  } else if (l->n_entries == 0) {
    fprintf(ctx->out, "%s\n", _("No employees."));
  } else {
    fprintf(ctx->out, "%s\n", _("Rank-ordered staff list (DUK)"));
    const char *head[] = {"#", _("NIP"), _("NAME"), _("GOLONGAN"), _("RANK TMT"), _("POSITION"), _("SERVICE")};
    cli_cols_t c;
    cli_cols_init(&c, 7, head);
    for (size_t i = 0; i < l->n_entries; i++) {
      const Simpeg__V1__DukEntry *d = l->entries[i];
      const Simpeg__V1__Employee *e = d->employee;
      char num[24], nip[64], name[512], svc[64];
      snprintf(num, sizeof(num), "%llu", (unsigned long long)d->position);
      cli_format_nip(nip, sizeof(nip), e->nip);
      cli_employee_full_name(name, sizeof(name), e);
      snprintf(svc, sizeof(svc), _("%d yr %d mo"), (int)d->service_years, (int)d->service_months);
      const char *row[] = {num, nip, name, e->rank_code, e->rank_tmt, e->position_name, svc};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
    if (*l->next_after)
      fprintf(ctx->out, _("More employees follow: repeat the command with --after %s for the next page.\n"),
              l->next_after);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const char *const group_bys[] = {"office", "rank", "education", "age_band", "employment_type", "sex", NULL};

/* Translated label of a headcount key for the enum-like dimensions. */
static const char *hc_label(const char *by, const Simpeg__V1__HeadcountRow *r) {
  if (!*r->key) return _("(not recorded)");
  if (strcmp(by, "employment_type") == 0) {
    if (strcmp(r->key, "pns") == 0) return "PNS";
    if (strcmp(r->key, "cpns") == 0) return "CPNS";
    return "PPPK";
  }
  if (strcmp(by, "sex") == 0) return strcmp(r->key, "male") == 0 ? _("male") : _("female");
  if (strcmp(by, "age_band") == 0) {
    if (strcmp(r->key, "<30") == 0) return _("under 30");
    if (strcmp(r->key, "55+") == 0) return _("55 and over");
    return r->key;
  }
  return r->label;
}

int cli_employee_headcount(cli_ctx_t *ctx, const char *office, const char *by) {
  bool known = false;
  for (const char *const *g = group_bys; *g; g++) known |= by && strcmp(by, *g) == 0;
  if (!known)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                    _("--by must be office, rank, education, age_band, employment_type or sex"));
  Simpeg__V1__Headcount m = SIMPEG__V1__HEADCOUNT__INIT;
  m.office_code = (char *)nz(office);
  m.group_by = (char *)by;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HEADCOUNT;
  req.headcount = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_HEADCOUNT, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__HeadcountReply *h = resp->headcount;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "group_by");
    json_string(&j, by);
    json_key(&j, "rows");
    json_begin_array(&j);
    for (size_t i = 0; i < h->n_rows; i++) {
      json_begin_object(&j);
      json_key(&j, "key");
      json_string(&j, h->rows[i]->key);
      json_key(&j, "label");
      json_string(&j, h->rows[i]->label);
      json_key(&j, "count");
      json_uint(&j, h->rows[i]->count);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "total");
    json_uint(&j, h->total);
    json_end_object(&j);
    json_finish(&j);
  } else {
    const char *head[] = {_("GROUP"), _("NAME"), _("COUNT")};
    cli_cols_t c;
    cli_cols_init(&c, 3, head);
    for (size_t i = 0; i < h->n_rows; i++) {
      char n[32];
      snprintf(n, sizeof(n), "%llu", (unsigned long long)h->rows[i]->count);
      const char *row[] = {*h->rows[i]->key ? h->rows[i]->key : "-", hc_label(by, h->rows[i]), n};
      cli_cols_add(&c, row);
    }
    char total[32];
    snprintf(total, sizeof(total), "%llu", (unsigned long long)h->total);
    const char *row[] = {"", _("TOTAL"), total};
    cli_cols_add(&c, row);
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const char *warning_title(const char *kind) {
  if (strcmp(kind, "kgb") == 0) return _("Periodic salary increase (KGB)");
  if (strcmp(kind, "promotion") == 0) return _("Promotion (kenaikan pangkat)");
  return _("Retirement (pensiun)");
}

int cli_employee_warnings(cli_ctx_t *ctx, const char *office, const char *kind, uint32_t months, const char *after,
                          uint32_t limit) {
  if (!kind || (strcmp(kind, "kgb") != 0 && strcmp(kind, "promotion") != 0 && strcmp(kind, "retirement") != 0))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("--kind must be kgb, promotion or retirement"));
  Simpeg__V1__EarlyWarnings m = SIMPEG__V1__EARLY_WARNINGS__INIT;
  m.office_code = (char *)nz(office);
  m.kind = (char *)kind;
  m.months = months;
  m.after = (char *)nz(after);
  m.limit = limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EARLY_WARNINGS;
  req.early_warnings = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EARLY_WARNINGS, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__EarlyWarningsReply *l = resp->early_warnings;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "entries");
    json_begin_array(&j);
    for (size_t i = 0; i < l->n_entries; i++) {
      const Simpeg__V1__EarlyWarning *w = l->entries[i];
      json_begin_object(&j);
      json_key(&j, "kind");
      json_string(&j, w->kind);
      json_key(&j, "due_date");
      json_string(&j, w->due_date);
      json_key(&j, "detail");
      json_string(&j, w->detail);
      json_key(&j, "employee");
      cli_json_employee(&j, w->employee);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_next(&j, l->next_after);
    json_end_object(&j);
    json_finish(&j);
  } else if (l->n_entries == 0) {
    fprintf(ctx->out, "%s\n", _("Nothing due in that period."));
  } else {
    fprintf(ctx->out, "%s\n", warning_title(kind));
    const char *head[] = {_("DUE"), _("NIP"), _("NAME"), _("DETAIL"), _("OFFICE")};
    cli_cols_t c;
    cli_cols_init(&c, 5, head);
    for (size_t i = 0; i < l->n_entries; i++) {
      const Simpeg__V1__EarlyWarning *w = l->entries[i];
      char nip[64], name[512];
      cli_format_nip(nip, sizeof(nip), w->employee->nip);
      cli_employee_full_name(name, sizeof(name), w->employee);
      const char *row[] = {w->due_date, nip, name, w->detail, w->employee->office_code};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
    if (*l->next_after)
      fprintf(ctx->out, _("More employees follow: repeat the command with --after %s for the next page.\n"),
              l->next_after);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}
