/* cli_request: printing personnel-service requests (table or JSON), state
 * names in the user's language, idempotency keys, and the "attach the
 * evidence, then submit" step after a draft (cli_request.h). */
#include "cli_request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cli_admin.h"
#include "cli_docs.h"
#include "cli_employee.h"

/* A message with a context (msgctxt), so that short words like "draft"
 * translate apart from the same words elsewhere. xgettext's glib preset
 * knows C_(context, msgid). */
#define C_(c, s) cli_pgettext(c "\004" s, s)
static const char *cli_pgettext(const char *ctx_msgid, const char *msgid) {
  const char *t = gettext(ctx_msgid);
  return t == ctx_msgid ? msgid : t;
}

const char *cli_request_state_name(Simpeg__V1__RequestState st) {
  switch (st) {
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_DRAFT: return C_("request state", "draft");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_SUBMITTED: return C_("request state", "submitted");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_RETURNED: return C_("request state", "returned");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_VERIFIED: return C_("request state", "verified");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_APPROVED: return C_("request state", "approved");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_POSTPONED: return C_("request state", "postponed");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_REJECTED: return C_("request state", "rejected");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_COMPLETED: return C_("request state", "completed");
    case SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_CANCELLED: return C_("request state", "cancelled");
    default: return "?";
  }
}

/* Stable names for JSON. */
static const char *state_key(Simpeg__V1__RequestState st) {
  static const char *const k[] = {"",         "draft",    "submitted", "returned", "verified",
                                  "approved", "postponed", "rejected", "completed", "cancelled"};
  return (int)st >= 0 && (size_t)st < sizeof(k) / sizeof(k[0]) ? k[st] : "";
}

static const char *step_key(Simpeg__V1__StepKind k) {
  switch (k) {
    case SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR: return "supervisor";
    case SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER: return "verifier";
    case SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL: return "official";
    default: return "";
  }
}

const char *cli_request_step_name(Simpeg__V1__StepKind kind) {
  switch (kind) {
    case SIMPEG__V1__STEP_KIND__STEP_KIND_SUPERVISOR: return C_("request step", "supervisor");
    case SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER: return C_("request step", "HR verifier");
    case SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL: return C_("request step", "official");
    default: return "?";
  }
}

const char *cli_request_action_name(const char *a) {
  if (strcmp(a, "create") == 0) return C_("request action", "created");
  if (strcmp(a, "submit") == 0) return C_("request action", "submitted");
  if (strcmp(a, "approve") == 0) return C_("request action", "approved");
  if (strcmp(a, "return") == 0) return C_("request action", "returned");
  if (strcmp(a, "reject") == 0) return C_("request action", "rejected");
  if (strcmp(a, "postpone") == 0) return C_("request action", "postponed");
  if (strcmp(a, "cancel") == 0) return C_("request action", "cancelled");
  if (strcmp(a, "complete") == 0) return C_("request action", "completed");
  if (strcmp(a, "document") == 0) return C_("request action", "document added");
  return a;
}

static const char *service_name(const char *code) {
  if (strcmp(code, "CUTI") == 0) return C_("request service", "leave (cuti)");
  if (strcmp(code, "KP") == 0) return C_("request service", "promotion (kenaikan pangkat)");
  if (strcmp(code, "KGB") == 0) return C_("request service", "periodic raise (KGB)");
  if (strcmp(code, "KOREKSI") == 0) return C_("request service", "data correction");
  return code;
}

/* "3 hari 04:05:06" or "04:05:06" since `us`, or "" when unknown. */
static void since(char *out, size_t cap, uint64_t us) {
  out[0] = '\0';
  if (!us) return;
  time_t now = time(NULL);
  uint64_t now_us = (uint64_t)now * 1000000u;
  cli_format_duration(out, cap, now_us > us ? (now_us - us) / 1000000u : 0);
}

/* Who holds the current step, in words ("Budi Santoso (budi)", "any HR
 * verifier of KOTA-X"). */
static void holder_text(char *out, size_t cap, const Simpeg__V1__RequestStep *s) {
  if (*s->holder_username) {
    snprintf(out, cap, "%s (%s)", *s->holder_name ? s->holder_name : s->holder_username, s->holder_username);
    return;
  }
  if (s->kind == SIMPEG__V1__STEP_KIND__STEP_KIND_VERIFIER)
    snprintf(out, cap, _("any HR verifier of %s"), s->holder_office_code);
  else
    snprintf(out, cap, _("any regional administrator of %s"), s->holder_office_code);
}

static const Simpeg__V1__RequestStep *current_step(const Simpeg__V1__ServiceRequest *r) {
  for (size_t i = 0; i < r->n_steps; i++)
    if (r->steps[i]->step_no == r->current_step) return r->steps[i];
  return NULL;
}

static void jtime(json_out_t *j, const char *key, uint64_t us) {
  json_key(j, key);
  if (!us) {
    json_null(j);
    return;
  }
  char buf[64];
  cli_format_time_utc(buf, sizeof(buf), us);
  json_string(j, buf);
}

static void jstr(json_out_t *j, const char *key, const char *v) {
  json_key(j, key);
  json_string(j, v);
}

static void json_details(json_out_t *j, const Simpeg__V1__ServiceRequest *r) {
  json_key(j, "details");
  switch (r->details_case) {
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_CORRECTION: {
      const Simpeg__V1__CorrectionDetails *d = r->correction;
      json_begin_object(j);
      jstr(j, "reason", d->reason);
      json_key(j, "changes");
      json_begin_array(j);
      for (size_t i = 0; i < d->n_changes; i++) {
        json_begin_object(j);
        jstr(j, "field", d->changes[i]->field);
        jstr(j, "old_value", d->changes[i]->old_value);
        jstr(j, "new_value", d->changes[i]->new_value);
        json_end_object(j);
      }
      json_end_array(j);
      json_end_object(j);
      break;
    }
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_LEAVE: {
      const Simpeg__V1__LeaveDetails *d = r->leave;
      json_begin_object(j);
      jstr(j, "leave_type", d->leave_type);
      jstr(j, "start_date", d->start_date);
      jstr(j, "end_date", d->end_date);
      json_key(j, "days");
      json_decimal(j, (uint64_t)(d->days * 10 + 0.5), 1);
      jstr(j, "unit", d->unit);
      jstr(j, "reason", d->reason);
      jstr(j, "address", d->address);
      json_end_object(j);
      break;
    }
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_PROMOTION: {
      const Simpeg__V1__PromotionDetails *d = r->promotion;
      json_begin_object(j);
      jstr(j, "kind", d->kind);
      jstr(j, "period_date", d->period_date);
      jstr(j, "from_rank", d->from_rank);
      jstr(j, "to_rank", d->to_rank);
      json_end_object(j);
      break;
    }
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_KGB: {
      const Simpeg__V1__KgbDetails *d = r->kgb;
      json_begin_object(j);
      jstr(j, "tmt", d->tmt);
      jstr(j, "rank_code", d->rank_code);
      json_key(j, "from_mkg");
      json_int(j, d->from_mkg);
      json_key(j, "to_mkg");
      json_int(j, d->to_mkg);
      json_key(j, "from_gaji_pokok");
      json_int(j, d->from_gaji_pokok);
      json_key(j, "to_gaji_pokok");
      json_int(j, d->to_gaji_pokok);
      json_end_object(j);
      break;
    }
    default: json_null(j); break;
  }
}

/* The members of one request (list rows carry no steps or documents). */
static void json_request(json_out_t *j, const Simpeg__V1__ServiceRequest *r) {
  json_begin_object(j);
  jstr(j, "number", r->number);
  jstr(j, "service", r->service);
  jstr(j, "state", state_key(r->state));
  jstr(j, "employee_nip", r->employee_nip);
  jstr(j, "employee_name", r->employee_name);
  jstr(j, "office_code", r->office_code);
  jstr(j, "created_by", r->created_by);
  jstr(j, "summary", r->summary);
  json_key(j, "current_step");
  json_uint(j, r->current_step);
  const Simpeg__V1__RequestStep *cs = current_step(r);
  json_key(j, "current_holder");
  if (cs) {
    json_begin_object(j);
    jstr(j, "kind", step_key(cs->kind));
    jstr(j, "username", cs->holder_username);
    jstr(j, "name", cs->holder_name);
    jstr(j, "office_code", cs->holder_office_code);
    json_end_object(j);
  } else {
    json_null(j);
  }
  jtime(j, "state_since", r->state_since_us);
  jtime(j, "created_at", r->created_at_us);
  jtime(j, "submitted_at", r->submitted_at_us);
  jtime(j, "decided_at", r->decided_at_us);
  jtime(j, "completed_at", r->completed_at_us);
  jstr(j, "decree_number", r->decree_number);
  jstr(j, "decree_date", r->decree_date);
  jstr(j, "postpone_until", r->postpone_until);
  json_key(j, "missing");
  json_begin_array(j);
  for (size_t i = 0; i < r->n_missing; i++) json_string(j, r->missing[i]);
  json_end_array(j);
  json_key(j, "steps");
  json_begin_array(j);
  for (size_t i = 0; i < r->n_steps; i++) {
    const Simpeg__V1__RequestStep *s = r->steps[i];
    json_begin_object(j);
    json_key(j, "step_no");
    json_uint(j, s->step_no);
    jstr(j, "kind", step_key(s->kind));
    jstr(j, "holder_username", s->holder_username);
    jstr(j, "holder_name", s->holder_name);
    jstr(j, "holder_office_code", s->holder_office_code);
    jstr(j, "acted_by", s->acted_by);
    jtime(j, "acted_at", s->acted_at_us);
    jstr(j, "outcome", s->outcome);
    json_end_object(j);
  }
  json_end_array(j);
  json_key(j, "documents");
  json_begin_array(j);
  for (size_t i = 0; i < r->n_documents; i++) {
    const Simpeg__V1__DocumentInfo *d = r->documents[i];
    json_begin_object(j);
    json_key(j, "id");
    json_int(j, d->id);
    jstr(j, "kind", d->kind);
    jstr(j, "filename", d->filename);
    jstr(j, "content_type", d->content_type);
    json_key(j, "size");
    json_uint(j, d->size);
    jstr(j, "uploaded_by", d->uploaded_by);
    jtime(j, "uploaded_at", d->uploaded_at_us);
    json_end_object(j);
  }
  json_end_array(j);
  json_details(j, r);
  json_key(j, "version");
  json_int(j, r->version);
  json_end_object(j);
}

static void print_details(cli_table_t *t, const Simpeg__V1__ServiceRequest *r) {
  switch (r->details_case) {
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_CORRECTION: {
      const Simpeg__V1__CorrectionDetails *d = r->correction;
      for (size_t i = 0; i < d->n_changes; i++) {
        const Simpeg__V1__FieldChange *c = d->changes[i];
        /* TRANSLATORS: a corrected field: "name: old -> new" */
        cli_table_add(t, _("Correction"), _("%s: \"%s\" -> \"%s\""), c->field, c->old_value, c->new_value);
      }
      cli_table_add(t, _("Reason"), "%s", d->reason);
      break;
    }
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_LEAVE: {
      const Simpeg__V1__LeaveDetails *d = r->leave;
      cli_table_add(t, _("Leave type"), "%s", d->leave_type);
      cli_table_add(t, _("Dates"), "%s .. %s", d->start_date, d->end_date);
      if (*d->reason) cli_table_add(t, _("Reason"), "%s", d->reason);
      break;
    }
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_PROMOTION: {
      const Simpeg__V1__PromotionDetails *d = r->promotion;
      cli_table_add(t, _("Promotion"), "%s -> %s (%s, TMT %s)", d->from_rank, d->to_rank, d->kind, d->period_date);
      break;
    }
    case SIMPEG__V1__SERVICE_REQUEST__DETAILS_KGB: {
      const Simpeg__V1__KgbDetails *d = r->kgb;
      cli_table_add(t, _("Periodic raise"), "%s MKG %d -> %d, TMT %s", d->rank_code, d->from_mkg, d->to_mkg, d->tmt);
      break;
    }
    default: break;
  }
}

void cli_request_print(cli_ctx_t *ctx, const Simpeg__V1__ServiceRequest *r, bool replayed) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "request");
    json_request(&j, r);
    json_key(&j, "replayed");
    json_bool(&j, replayed);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  char when[64], dur[64], holder[512], nip[64];
  cli_format_time(when, sizeof(when), r->state_since_us);
  since(dur, sizeof(dur), r->state_since_us);
  /* The one sentence the applicant needs first: where it is, who has it,
   * since when, and what is missing. */
  const Simpeg__V1__RequestStep *cs = current_step(r);
  if (replayed) fprintf(ctx->out, "%s\n", _("(This request was already sent with the same key; nothing was added.)"));
  if (cs) {
    holder_text(holder, sizeof(holder), cs);
    fprintf(ctx->out, _("%s is %s: waiting at step %u of %zu (%s) for %s since %s (%s ago).\n"), r->number,
            cli_request_state_name(r->state), r->current_step, r->n_steps, cli_request_step_name(cs->kind), holder,
            when, dur);
  } else if (r->state == SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_DRAFT ||
             r->state == SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_RETURNED) {
    fprintf(ctx->out, _("%s is %s: it waits for the applicant to submit it, since %s (%s ago).\n"), r->number,
            cli_request_state_name(r->state), when, dur);
  } else {
    fprintf(ctx->out, _("%s is %s since %s.\n"), r->number, cli_request_state_name(r->state), when);
  }
  if (r->n_missing) {
    char list[512] = "";
    for (size_t i = 0; i < r->n_missing; i++)
      snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", r->missing[i]);
    fprintf(ctx->out, _("Missing before it can be submitted: %s (attach with 'simpeg document upload').\n"), list);
  }
  cli_table_t t = {0};
  cli_table_add(&t, _("Number"), "%s", r->number);
  cli_table_add(&t, _("Service"), "%s", service_name(r->service));
  cli_format_nip(nip, sizeof(nip), r->employee_nip);
  cli_table_add(&t, _("Employee"), "%s (%s)", r->employee_name, nip);
  cli_table_add(&t, _("Office"), "%s", r->office_code);
  cli_table_add(&t, _("Filed by"), "%s", r->created_by);
  if (*r->summary) cli_table_add(&t, _("Summary"), "%s", r->summary);
  cli_table_add(&t, _("State"), "%s", cli_request_state_name(r->state));
  cli_table_add(&t, _("Since"), _("%s (%s ago)"), when, dur);
  if (cs) cli_table_add(&t, _("Waiting for"), "%s", holder);
  if (r->submitted_at_us) {
    cli_format_time(when, sizeof(when), r->submitted_at_us);
    cli_table_add(&t, _("Submitted"), "%s", when);
  }
  if (r->decided_at_us) {
    cli_format_time(when, sizeof(when), r->decided_at_us);
    cli_table_add(&t, _("Decided"), "%s", when);
  }
  if (*r->postpone_until) cli_table_add(&t, _("Postponed until"), "%s", r->postpone_until);
  if (*r->decree_number) cli_table_add(&t, _("Decree (SK)"), "%s, %s", r->decree_number, r->decree_date);
  if (r->completed_at_us) {
    cli_format_time(when, sizeof(when), r->completed_at_us);
    cli_table_add(&t, _("Completed"), "%s", when);
  }
  print_details(&t, r);
  for (size_t i = 0; i < r->n_steps; i++) {
    const Simpeg__V1__RequestStep *s = r->steps[i];
    holder_text(holder, sizeof(holder), s);
    char acted[256] = "";
    if (*s->acted_by) {
      cli_format_time(when, sizeof(when), s->acted_at_us);
      snprintf(acted, sizeof(acted), _(", %s by %s at %s"), cli_request_action_name(s->outcome), s->acted_by, when);
    } else if (s->step_no == r->current_step) {
      snprintf(acted, sizeof(acted), "%s", _(", now"));
    }
    char label[64];
    snprintf(label, sizeof(label), _("Step %u"), s->step_no);
    cli_table_add(&t, label, "%s: %s%s", cli_request_step_name(s->kind), holder, acted);
  }
  for (size_t i = 0; i < r->n_documents; i++) {
    const Simpeg__V1__DocumentInfo *d = r->documents[i];
    cli_table_add(&t, _("Document"), _("#%lld %s: %s (%llu bytes, by %s)"), (long long)d->id, d->kind, d->filename,
                  (unsigned long long)d->size, d->uploaded_by);
  }
  cli_table_add(&t, _("Version"), "%lld", (long long)r->version);
  cli_table_print(&t, ctx->out);
}

void cli_request_print_list(cli_ctx_t *ctx, Simpeg__V1__ServiceRequest *const *rs, size_t n,
                            const char *next_after) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "requests");
    json_begin_array(&j);
    for (size_t i = 0; i < n; i++) json_request(&j, rs[i]);
    json_end_array(&j);
    json_key(&j, "next_after");
    if (next_after && *next_after)
      json_string(&j, next_after);
    else
      json_null(&j);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  if (n == 0) {
    fprintf(ctx->out, "%s\n", _("No requests."));
    return;
  }
  const char *head[] = {_("NUMBER"), _("STATE"), _("STEP"), _("EMPLOYEE"), _("SINCE"), _("SUMMARY")};
  cli_cols_t c;
  cli_cols_init(&c, 6, head);
  for (size_t i = 0; i < n; i++) {
    const Simpeg__V1__ServiceRequest *r = rs[i];
    char step[16] = "", emp[512], dur[64];
    if (r->current_step) snprintf(step, sizeof(step), "%u", r->current_step);
    snprintf(emp, sizeof(emp), "%s (%s)", r->employee_name, r->employee_nip);
    since(dur, sizeof(dur), r->state_since_us);
    const char *row[] = {r->number, cli_request_state_name(r->state), step, emp, dur, r->summary};
    cli_cols_add(&c, row);
  }
  cli_cols_print(&c, ctx->out);
  if (next_after && *next_after)
    fprintf(ctx->out, _("More requests follow: repeat the command with --after %s for the next page.\n"), next_after);
}

void cli_request_new_key(char *out, size_t cap) {
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof(b)) {
    ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      /* No entropy source: time and address still make a key unique enough
       * for one user's retries. */
      uint64_t x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)out;
      for (size_t i = got; i < sizeof(b); i++) b[i] = (unsigned char)(x >> (8 * (i % 8)));
      break;
    }
    got += (size_t)n;
  }
  if (cap < 33) {
    if (cap) out[0] = '\0';
    return;
  }
  for (size_t i = 0; i < sizeof(b); i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int cli_request_finish_submit(cli_ctx_t *ctx, spc_sync_t *s, const Simpeg__V1__ServiceRequest *draft,
                              char *const *attach, size_t nattach, bool keep_draft) {
  for (size_t i = 0; i < nattach; i++) {
    char kind[64];
    const char *eq = strchr(attach[i], '=');
    size_t klen = eq ? (size_t)(eq - attach[i]) : 0;
    if (!eq || klen == 0 || klen >= sizeof(kind) || !eq[1]) {
      fprintf(ctx->err, _("simpeg: the draft %s stays; fix the attachment and upload it with 'simpeg document upload'.\n"),
              draft->number);
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("--attach expects KIND=FILE, not \"%s\""), attach[i]);
    }
    memcpy(kind, attach[i], klen);
    kind[klen] = '\0';
    int rc = cli_document_upload(ctx, s, draft->number, kind, eq + 1, NULL);
    if (rc) {
      fprintf(ctx->err, _("simpeg: the draft %s stays; upload the evidence again with 'simpeg document upload'.\n"),
              draft->number);
      return rc;
    }
  }
  if (keep_draft && nattach == 0) {
    cli_request_print(ctx, draft, false);
    return CLI_EXIT_OK;
  }
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  Simpeg__V1__Response *resp;
  int64_t version = draft->version;
  if (nattach) {
    /* The uploads may have moved the draft's version: read it again. */
    Simpeg__V1__RequestShow sh = SIMPEG__V1__REQUEST_SHOW__INIT;
    sh.number = draft->number;
    req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_SHOW;
    req.request_show = &sh;
    int rc = cli_call(ctx, s, &req, &resp);
    if (rc) return rc;
    if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_REQUEST_SHOW || !resp->request_show->request) {
      spc_response_free(resp);
      return cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
    }
    if (keep_draft) {
      cli_request_print(ctx, resp->request_show->request, false);
      spc_response_free(resp);
      return CLI_EXIT_OK;
    }
    version = resp->request_show->request->version;
    spc_response_free(resp);
  }
  Simpeg__V1__RequestAct act = SIMPEG__V1__REQUEST_ACT__INIT;
  act.number = draft->number;
  act.action = SIMPEG__V1__REQUEST_ACTION__REQUEST_ACTION_SUBMIT;
  act.version = version;
  req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_ACT;
  req.request_act = &act;
  int rc = cli_call(ctx, s, &req, &resp);
  if (rc) {
    fprintf(ctx->err, _("simpeg: the draft %s stays; see 'simpeg request show %s'.\n"), draft->number, draft->number);
    return rc;
  }
  if (resp->result_case != SIMPEG__V1__RESPONSE__RESULT_REQUEST_ACT || !resp->request_act->request) {
    spc_response_free(resp);
    return cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
  }
  cli_request_print(ctx, resp->request_act->request, false);
  spc_response_free(resp);
  return CLI_EXIT_OK;
}
