/* cmd_leave: `simpeg leave submit|balance|types|letter`: leave (cuti,
 * docs/internals/leave.md). An employee asks for leave for themselves
 * (HR may file for an employee in scope); the request then moves through
 * the approval chain (`simpeg inbox`, `simpeg request`). `leave letter`
 * prints the decision letter of an approved leave.
 *
 * Dates, the type and the birth order are checked here for instant
 * feedback; the rules (service years, balance, holidays, overlap) are the
 * server's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_admin.h"
#include "cli_request.h"
#include "sp_valid.h"

enum {
  OPT_NIP = CLI_OPT_COMMAND_BASE,
  OPT_TYPE,
  OPT_FROM,
  OPT_TO,
  OPT_REASON,
  OPT_ADDRESS,
  OPT_BIRTH_ORDER,
  OPT_FIRST_HAJJ,
  OPT_HARD_TO_REACH,
  OPT_ATTACH,
  OPT_DRAFT,
  OPT_KEY,
  OPT_YEAR,
  OPT_OUT,
};

static const struct option leave_options[] = {
    {"nip", required_argument, NULL, OPT_NIP},
    {"type", required_argument, NULL, OPT_TYPE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"reason", required_argument, NULL, OPT_REASON},
    {"address", required_argument, NULL, OPT_ADDRESS},
    {"birth-order", required_argument, NULL, OPT_BIRTH_ORDER},
    {"first-hajj", no_argument, NULL, OPT_FIRST_HAJJ},
    {"hard-to-reach", no_argument, NULL, OPT_HARD_TO_REACH},
    {"attach", required_argument, NULL, OPT_ATTACH},
    {"draft", no_argument, NULL, OPT_DRAFT},
    {"key", required_argument, NULL, OPT_KEY},
    {"year", required_argument, NULL, OPT_YEAR},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

#define ATTACH_MAX 16

typedef struct leave_state {
  const char *nip, *type, *from, *to, *reason, *address, *key, *out;
  uint64_t birth_order, year;
  bool first_hajj, hard_to_reach, draft;
  char *attach[ATTACH_MAX];
  size_t nattach;
} leave_state_t;

static const char *const types[] = {"tahunan", "besar", "sakit", "melahirkan", "alasan_penting", "cltn", NULL};

static int leave_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  leave_state_t *st = state;
  switch (val) {
    case OPT_NIP: st->nip = arg; return 0;
    case OPT_TYPE: st->type = arg; return 0;
    case OPT_FROM: st->from = arg; return 0;
    case OPT_TO: st->to = arg; return 0;
    case OPT_REASON: st->reason = arg; return 0;
    case OPT_ADDRESS: st->address = arg; return 0;
    case OPT_KEY: st->key = arg; return 0;
    case OPT_OUT: st->out = arg; return 0;
    case OPT_FIRST_HAJJ: st->first_hajj = true; return 0;
    case OPT_HARD_TO_REACH: st->hard_to_reach = true; return 0;
    case OPT_DRAFT: st->draft = true; return 0;
    case OPT_BIRTH_ORDER: return cli_parse_uint(arg, 20, &st->birth_order, "--birth-order", err, errlen);
    case OPT_YEAR: return cli_parse_uint(arg, 2200, &st->year, "--year", err, errlen);
    case OPT_ATTACH:
      if (st->nattach == ATTACH_MAX) {
        snprintf(err, errlen, _("at most %d files can go with one leave request"), ATTACH_MAX);
        return -1;
      }
      if (!strchr(arg, '=')) {
        snprintf(err, errlen, _("--attach expects KIND=FILE, e.g. surat_dokter=note.pdf; not \"%s\""), arg);
        return -1;
      }
      st->attach[st->nattach++] = (char *)arg;
      return 0;
    default: return -1;
  }
}

/* Translated name of a leave type code. */
static const char *type_label(const char *code) {
  static const struct {
    const char *code, *label;
  } names[] = {
      {"tahunan", N_("annual leave")},
      {"besar", N_("long service leave (cuti besar)")},
      {"sakit", N_("sick leave")},
      {"melahirkan", N_("maternity leave")},
      {"alasan_penting", N_("leave for important reasons")},
      {"cltn", N_("unpaid leave (CLTN)")},
  };
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(code, names[i].code) == 0) return _(names[i].label);
  return code;
}

/* ---- submit ---- */

static int submit_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  leave_state_t *st = state;
  (void)argc;
  (void)argv;
  if (!st->type || !st->from || !st->to)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'leave submit' needs --type T, --from DATE and --to DATE"));
  bool known = false;
  for (const char *const *t = types; *t; t++) known |= strcmp(*t, st->type) == 0;
  if (!known)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                    _("unknown leave type \"%s\" (tahunan, besar, sakit, melahirkan, alasan_penting, cltn)"), st->type);
  long from, to;
  if (!sp_valid_date(st->from, &from))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("--from expects a date YYYY-MM-DD, not \"%s\""), st->from);
  if (!sp_valid_date(st->to, &to))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("--to expects a date YYYY-MM-DD, not \"%s\""), st->to);
  if (to < from) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("--to is before --from"));
  if (st->nip && *st->nip && !sp_valid_nip(st->nip))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("\"%s\" is not a valid NIP"), st->nip);
  char key[40];
  if (st->key) {
    if (!*st->key || strlen(st->key) > 100)
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("--key takes 1 to 100 characters (the retry key)"));
  } else {
    cli_request_new_key(key, sizeof(key));
  }
  Simpeg__V1__LeaveDetails d = SIMPEG__V1__LEAVE_DETAILS__INIT;
  d.leave_type = (char *)st->type;
  d.start_date = (char *)st->from;
  d.end_date = (char *)st->to;
  d.reason = (char *)(st->reason ? st->reason : "");
  d.address = (char *)(st->address ? st->address : "");
  d.birth_order = (uint32_t)st->birth_order;
  d.first_hajj = st->first_hajj;
  d.hard_to_reach = st->hard_to_reach;
  Simpeg__V1__LeaveSubmit m = SIMPEG__V1__LEAVE_SUBMIT__INIT;
  m.nip = (char *)(st->nip ? st->nip : "");
  m.leave = &d;
  /* With evidence to attach, a draft first; the evidence goes to it, then
   * it is submitted (cli_request_finish_submit). */
  m.draft = st->draft || st->nattach > 0;
  m.idempotency_key = st->key ? (char *)st->key : key;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LEAVE_SUBMIT;
  req.leave_submit = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_LEAVE_SUBMIT, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__ServiceRequestReply *r = resp->leave_submit;
  if (!r->request)
    rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
  else if (!m.draft || r->replayed)
    cli_request_print(ctx, r->request, r->replayed);
  else
    rc = cli_request_finish_submit(ctx, s, r->request, st->attach, st->nattach, st->draft);
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

/* ---- balance ---- */

static const char *entry_label(const char *kind) {
  if (strcmp(kind, "entitlement") == 0) return _("entitlement");
  if (strcmp(kind, "carry_over") == 0) return _("carried over");
  if (strcmp(kind, "forfeited") == 0) return _("forfeited (beyond the carry-over)");
  if (strcmp(kind, "taken") == 0) return _("taken");
  if (strcmp(kind, "restored") == 0) return _("restored (cancelled)");
  if (strcmp(kind, "postponed") == 0) return _("postponed by the official");
  return kind;
}

static int balance_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  leave_state_t *st = state;
  (void)argc;
  (void)argv;
  if (st->nip && *st->nip && !sp_valid_nip(st->nip))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("\"%s\" is not a valid NIP"), st->nip);
  if (st->year && st->year < 1950) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("--year is out of range"));
  Simpeg__V1__LeaveBalance m = SIMPEG__V1__LEAVE_BALANCE__INIT;
  m.nip = (char *)(st->nip ? st->nip : "");
  m.year = (uint32_t)st->year;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LEAVE_BALANCE;
  req.leave_balance = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_LEAVE_BALANCE, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__LeaveBalanceReply *b = resp->leave_balance;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "year");
    json_uint(&j, b->year);
    json_key(&j, "eligible");
    json_bool(&j, b->eligible);
    const struct {
      const char *k;
      double v;
    } nums[] = {{"entitlement", b->entitlement},
                {"carried_over", b->carried_over},
                {"taken", b->taken},
                {"pending", b->pending},
                {"remaining", b->remaining}};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
      json_key(&j, nums[i].k);
      json_int(&j, (int64_t)nums[i].v);
    }
    json_key(&j, "blocked_by_cuti_besar");
    json_bool(&j, b->blocked_by_cuti_besar);
    json_key(&j, "entries");
    json_begin_array(&j);
    for (size_t i = 0; i < b->n_entries; i++) {
      const Simpeg__V1__LeaveLedgerEntry *e = b->entries[i];
      json_begin_object(&j);
      json_key(&j, "date");
      json_string(&j, e->date);
      json_key(&j, "kind");
      json_string(&j, e->kind);
      json_key(&j, "days");
      json_int(&j, (int64_t)e->days);
      json_key(&j, "request_number");
      json_string(&j, e->request_number);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
    json_finish(&j);
  } else {
    cli_table_t t = {0};
    cli_table_add(&t, _("Year"), "%u", b->year);
    cli_table_add(&t, _("Eligible"), "%s", b->eligible ? _("yes") : _("no (less than one year of service)"));
    if (b->blocked_by_cuti_besar) cli_table_add(&t, _("Note"), "%s", _("no annual leave: cuti besar this year"));
    cli_table_add(&t, _("Entitlement"), _("%d working days"), (int)b->entitlement);
    cli_table_add(&t, _("Carried over"), _("%d working days"), (int)b->carried_over);
    cli_table_add(&t, _("Taken"), _("%d working days"), (int)b->taken);
    cli_table_add(&t, _("Pending"), _("%d working days"), (int)b->pending);
    cli_table_add(&t, _("Remaining"), _("%d working days"), (int)b->remaining);
    cli_table_print(&t, ctx->out);
    if (b->n_entries) {
      fprintf(ctx->out, "\n");
      const char *h[] = {_("DATE"), _("ENTRY"), _("DAYS"), _("REQUEST")};
      cli_cols_t c;
      cli_cols_init(&c, 4, h);
      for (size_t i = 0; i < b->n_entries; i++) {
        const Simpeg__V1__LeaveLedgerEntry *e = b->entries[i];
        char days[16];
        snprintf(days, sizeof(days), "%d", (int)e->days);
        const char *row[] = {e->date, entry_label(e->kind), days, e->request_number};
        cli_cols_add(&c, row);
      }
      cli_cols_print(&c, ctx->out);
    }
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

/* ---- types ---- */

static int types_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  (void)argc;
  (void)argv;
  Simpeg__V1__LeaveTypes m = SIMPEG__V1__LEAVE_TYPES__INIT;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_LEAVE_TYPES;
  req.leave_types = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_LEAVE_TYPES, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__LeaveTypesReply *r = resp->leave_types;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_array(&j);
    for (size_t i = 0; i < r->n_types; i++) {
      const Simpeg__V1__LeaveType *x = r->types[i];
      json_begin_object(&j);
      json_key(&j, "code");
      json_string(&j, x->code);
      json_key(&j, "name");
      json_string(&j, x->name);
      json_key(&j, "for_pns");
      json_bool(&j, x->for_pns);
      json_key(&j, "for_pppk");
      json_bool(&j, x->for_pppk);
      json_key(&j, "unit");
      json_string(&j, x->unit);
      json_key(&j, "max_days");
      json_uint(&j, x->max_days);
      json_key(&j, "min_service_years");
      json_uint(&j, x->min_service_years);
      json_key(&j, "evidence");
      json_begin_array(&j);
      for (size_t k = 0; k < x->n_evidence; k++) json_string(&j, x->evidence[k]);
      json_end_array(&j);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_finish(&j);
  } else {
    const char *h[] = {_("CODE"), _("TYPE"), _("FOR"), _("UNIT"), _("MAX DAYS"), _("MIN YEARS"), _("EVIDENCE")};
    cli_cols_t c;
    cli_cols_init(&c, 7, h);
    for (size_t i = 0; i < r->n_types; i++) {
      const Simpeg__V1__LeaveType *x = r->types[i];
      char maxd[16], years[16], ev[256] = "";
      if (x->max_days)
        snprintf(maxd, sizeof(maxd), "%u", x->max_days);
      else
        snprintf(maxd, sizeof(maxd), "%s", _("balance"));
      snprintf(years, sizeof(years), "%u", x->min_service_years);
      for (size_t k = 0; k < x->n_evidence; k++) {
        size_t n = strlen(ev);
        snprintf(ev + n, sizeof(ev) - n, "%s%s", k ? ", " : "", x->evidence[k]);
      }
      const char *who = x->for_pns && x->for_pppk ? "PNS, PPPK" : x->for_pns ? "PNS" : "PPPK";
      const char *unit = strcmp(x->unit, "working_days") == 0 ? _("working days") : _("calendar days");
      const char *row[] = {x->code, type_label(x->code), who, unit, maxd, years, ev};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

/* ---- letter ---- */

/* "7 Desember 2026" from "2026-12-07" (the letter is in Indonesian
 * whatever the user's language: it is an official document). */
static void tanggal(char *out, size_t cap, const char *iso) {
  static const char *const bulan[] = {"Januari", "Februari", "Maret",     "April",   "Mei",      "Juni",
                                      "Juli",    "Agustus",  "September", "Oktober", "November", "Desember"};
  int y, m, d;
  if (!iso || sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12) {
    snprintf(out, cap, "%s", iso && *iso ? iso : "-");
    return;
  }
  snprintf(out, cap, "%d %s %d", d, bulan[m - 1], y);
}

/* A number in Indonesian words ("lima", "dua belas", "seratus dua"),
 * as letters write the length of the leave. */
static void terbilang(char *out, size_t cap, int n) {
  static const char *const satuan[] = {"nol",  "satu",  "dua",     "tiga",     "empat",   "lima",
                                       "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas"};
  char rest[128] = "";
  if (n < 0 || n >= 2000) {
    snprintf(out, cap, "%d", n);
  } else if (n < 12) {
    snprintf(out, cap, "%s", satuan[n]);
  } else if (n < 20) {
    snprintf(out, cap, "%s belas", satuan[n - 10]);
  } else if (n < 100) {
    if (n % 10) terbilang(rest, sizeof(rest), n % 10);
    snprintf(out, cap, "%s puluh%s%s", satuan[n / 10], *rest ? " " : "", rest);
  } else if (n < 1000) {
    if (n % 100) terbilang(rest, sizeof(rest), n % 100);
    snprintf(out, cap, "%s%s%s%s", n < 200 ? "seratus" : satuan[n / 100], n < 200 ? "" : " ratus", *rest ? " " : "",
             rest);
  } else {
    if (n % 1000) terbilang(rest, sizeof(rest), n % 1000);
    snprintf(out, cap, "seribu%s%s", *rest ? " " : "", rest);
  }
}

static const char *nama_cuti(const char *code) {
  if (strcmp(code, "tahunan") == 0) return "CUTI TAHUNAN";
  if (strcmp(code, "besar") == 0) return "CUTI BESAR";
  if (strcmp(code, "sakit") == 0) return "CUTI SAKIT";
  if (strcmp(code, "melahirkan") == 0) return "CUTI MELAHIRKAN";
  if (strcmp(code, "alasan_penting") == 0) return "CUTI KARENA ALASAN PENTING";
  if (strcmp(code, "cltn") == 0) return "CUTI DI LUAR TANGGUNGAN NEGARA";
  return code;
}

static void centered(FILE *f, const char *s) {
  size_t n = strlen(s), w = 72;
  fprintf(f, "%*s%s\n", (int)(n < w ? (w - n) / 2 : 0), "", s);
}

static void letter_print(FILE *f, const Simpeg__V1__ServiceRequest *r, const Simpeg__V1__Employee *e) {
  const Simpeg__V1__LeaveDetails *l = r->leave;
  char from[40], to[40], signed_on[40], line[256];
  tanggal(from, sizeof(from), l->start_date);
  tanggal(to, sizeof(to), l->end_date);
  char decided[16] = "";
  if (r->decided_at_us) {
    time_t tt = (time_t)(r->decided_at_us / 1000000);
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(decided, sizeof(decided), "%Y-%m-%d", &tm);
  }
  tanggal(signed_on, sizeof(signed_on), *r->decree_date ? r->decree_date : decided);
  const char *official = "";
  for (size_t i = 0; i < r->n_steps; i++) {
    const Simpeg__V1__RequestStep *s = r->steps[i];
    if (s->kind == SIMPEG__V1__STEP_KIND__STEP_KIND_OFFICIAL && *s->acted_by)
      official = *s->holder_name ? s->holder_name : s->acted_by;
  }
  const char *office = e && *e->office_name ? e->office_name : r->office_code;
  fprintf(f, "\n");
  snprintf(line, sizeof(line), "SURAT IZIN %s", nama_cuti(l->leave_type));
  centered(f, line);
  snprintf(line, sizeof(line), "Nomor: %s", *r->decree_number ? r->decree_number : r->number);
  centered(f, line);
  fprintf(f, "\n");
  if (strcmp(l->leave_type, "tahunan") == 0)
    fprintf(f, "Diberikan cuti tahunan untuk tahun %u kepada Aparatur Sipil Negara:\n\n", l->year);
  else
    fprintf(f, "Diberikan %s kepada Aparatur Sipil Negara:\n\n", nama_cuti(l->leave_type));
  fprintf(f, "  Nama                 : %s\n", r->employee_name);
  fprintf(f, "  NIP                  : %s\n", r->employee_nip);
  fprintf(f, "  Pangkat/golongan     : %s\n", e && *e->rank_code ? e->rank_code : "-");
  fprintf(f, "  Jabatan              : %s\n", e && *e->position_name ? e->position_name : "-");
  fprintf(f, "  Satuan organisasi    : %s (%s)\n\n", office, r->office_code);
  char words[160];
  terbilang(words, sizeof(words), (int)l->days);
  fprintf(
      f, "selama %d (%s) %s, terhitung mulai tanggal %s sampai dengan\ntanggal %s, dengan ketentuan sebagai berikut:\n",
      (int)l->days, words, strcmp(l->unit, "working_days") == 0 ? "hari kerja" : "hari kalender", from, to);
  fprintf(f,
          "  a. Sebelum menjalankan cuti wajib menyerahkan pekerjaannya kepada atasan\n"
          "     langsungnya atau pejabat lain yang ditunjuk.\n"
          "  b. Setelah selesai menjalankan cuti wajib melaporkan diri kepada atasan\n"
          "     langsungnya dan bekerja kembali sebagaimana biasa.\n\n");
  if (*l->address) fprintf(f, "Alamat selama menjalankan cuti: %s\n\n", l->address);
  fprintf(f, "Demikian surat izin cuti ini dibuat untuk dapat dipergunakan sebagaimana mestinya.\n\n");
  fprintf(f, "%36s%s, %s\n", "", office, signed_on);
  fprintf(f, "%36s%s\n", "", "Pejabat yang berwenang memberikan cuti,");
  fprintf(f, "\n\n\n%36s%s\n\n", "", *official ? official : "-");
  fprintf(f, "Nomor permohonan: %s\n", r->number);
}

static int letter_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  leave_state_t *st = state;
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
  const Simpeg__V1__ServiceRequest *r = resp->request_show->request;
  if (!r || r->details_case != SIMPEG__V1__SERVICE_REQUEST__DETAILS_LEAVE) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "not_leave", _("%s is not a leave request"), argv[0]);
  } else if (r->state != SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_APPROVED &&
             r->state != SIMPEG__V1__REQUEST_STATE__REQUEST_STATE_COMPLETED) {
    rc = cli_fail(ctx, CLI_EXIT_OTHER, "not_approved", _("%s is not approved (it is %s): there is no letter"), argv[0],
                  cli_request_state_name(r->state));
  }
  if (rc) {
    spc_response_free(resp);
    spc_sync_close(s);
    return rc;
  }
  /* rank and position come from the employee record; a caller who may not
   * read it gets the letter without them */
  Simpeg__V1__EmployeeShow es = SIMPEG__V1__EMPLOYEE_SHOW__INIT;
  es.nip = r->employee_nip;
  Simpeg__V1__Request req2 = SIMPEG__V1__REQUEST__INIT;
  req2.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SHOW;
  req2.employee_show = &es;
  Simpeg__V1__Response *eresp = NULL;
  spc_error_t err;
  const Simpeg__V1__Employee *e = NULL;
  if (spc_sync_call(s, &req2, &eresp, &err) == 0 && eresp && !eresp->error &&
      eresp->result_case == SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_SHOW && eresp->employee_show->profile)
    e = eresp->employee_show->profile->employee;
  if (!e) {
    /* an employee reads their own record through MyProfile */
    if (eresp) spc_response_free(eresp);
    eresp = NULL;
    Simpeg__V1__MyProfile mp = SIMPEG__V1__MY_PROFILE__INIT;
    req2.call_case = SIMPEG__V1__REQUEST__CALL_MY_PROFILE;
    req2.my_profile = &mp;
    if (spc_sync_call(s, &req2, &eresp, &err) == 0 && eresp && !eresp->error &&
        eresp->result_case == SIMPEG__V1__RESPONSE__RESULT_MY_PROFILE && eresp->my_profile->profile &&
        eresp->my_profile->profile->employee && strcmp(eresp->my_profile->profile->employee->nip, r->employee_nip) == 0)
      e = eresp->my_profile->profile->employee;
  }
  FILE *f = ctx->out;
  if (st->out) {
    f = fopen(st->out, "w");
    if (!f) rc = cli_fail(ctx, CLI_EXIT_OTHER, "io", _("cannot write %s: %s"), st->out, strerror(errno));
  }
  if (f) {
    letter_print(f, r, e);
    if (st->out && fclose(f) != 0)
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "io", _("cannot write %s: %s"), st->out, strerror(errno));
    else if (st->out)
      fprintf(ctx->err, _("letter written to %s\n"), st->out);
  }
  if (eresp) spc_response_free(eresp);
  spc_response_free(resp);
  spc_sync_close(s);
  return rc;
}

static const cli_sub_t leave_subs[] = {
    {"submit", 0, 0, submit_run}, {"balance", 0, 0, balance_run},
    {"types", 0, 0, types_run},   {"letter", 1, 1, letter_run},
    {NULL, 0, 0, NULL},
};

static int leave_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "leave", leave_subs, state, argc, argv);
}

const cli_command_t cli_cmd_leave = {
    .name = "leave",
    .summary = N_("Ask for leave (cuti), see the balance and print the decision letter"),
    .usage = N_("leave submit|balance|types|letter ..."),
    .description = N_("Subcommands:\n"
                      "  leave submit --type T --from YYYY-MM-DD --to YYYY-MM-DD [--reason R]\n"
                      "               [--address A] [--birth-order N] [--first-hajj] [--hard-to-reach]\n"
                      "               [--nip NIP] [--attach KIND=FILE ...] [--draft] [--key K]\n"
                      "      T: tahunan (annual, working days), besar, sakit, melahirkan,\n"
                      "      alasan_penting, cltn. Without --nip: your own leave (HR may file for an\n"
                      "      employee in scope). Evidence, e.g. surat_dokter=note.pdf, is attached to a\n"
                      "      draft which is then submitted; --draft keeps it as a draft. --key: a retry\n"
                      "      with the same key returns the first request instead of filing another.\n"
                      "  leave balance [--nip NIP] [--year Y]\n"
                      "      Annual leave of the year: entitlement, carry-over, taken, pending, remaining.\n"
                      "  leave types\n"
                      "      The leave types, who may take them, their caps and the evidence needed.\n"
                      "  leave letter NUMBER [--out FILE]\n"
                      "      The decision letter (in Indonesian) of an approved leave, as plain text."),
    .options = leave_options,
    .state_size = sizeof(leave_state_t),
    .parse_opt = leave_parse_opt,
    .run = leave_run,
};
