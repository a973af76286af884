/* cmd_employee: `simpeg employee add|show|edit|list|search|history`: the
 * employee registry (issue #4). Everyone signed in sees the employees of
 * their offices; HR officers and admins change them. NIP and NIK are
 * checked here with sp_valid for instant feedback; the server checks
 * everything again. */
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "cli_employee.h"
#include "sp_valid.h"

enum {
  OPT_NIP = CLI_OPT_COMMAND_BASE,
  OPT_NAME,
  OPT_FRONT_TITLE,
  OPT_BACK_TITLE,
  OPT_BIRTH_PLACE,
  OPT_BIRTH_DATE,
  OPT_SEX,
  OPT_RELIGION,
  OPT_MARITAL_STATUS,
  OPT_TYPE,
  OPT_STATUS,
  OPT_OFFICE,
  OPT_TMT_CPNS,
  OPT_EMAIL,
  OPT_PHONE,
  OPT_ADDRESS,
  OPT_NIK,
  OPT_NIK_STDIN,
  OPT_SUPERVISOR,
  OPT_VERSION_EXPECTED,
  OPT_RANK,
  OPT_POSITION_KIND,
  OPT_AFTER,
  OPT_LIMIT,
  OPT_KIND,
  /* registry views (svc_views.c) */
  OPT_BY,
  OPT_MONTHS,
  /* import/export (svc_import.c) */
  OPT_CHUNK,
  OPT_FORMAT,
  OPT_OUT,
  /* history add only: OPT_HISTORY + cli_hfield_t */
  OPT_HISTORY,
};

#define HOPT(name, field) {name, required_argument, NULL, OPT_HISTORY + (field)}
static const struct option employee_options[] = {
    {"nip", required_argument, NULL, OPT_NIP},
    {"name", required_argument, NULL, OPT_NAME},
    {"front-title", required_argument, NULL, OPT_FRONT_TITLE},
    {"back-title", required_argument, NULL, OPT_BACK_TITLE},
    {"birth-place", required_argument, NULL, OPT_BIRTH_PLACE},
    {"birth-date", required_argument, NULL, OPT_BIRTH_DATE},
    {"sex", required_argument, NULL, OPT_SEX},
    {"religion", required_argument, NULL, OPT_RELIGION},
    {"marital-status", required_argument, NULL, OPT_MARITAL_STATUS},
    {"type", required_argument, NULL, OPT_TYPE},
    {"status", required_argument, NULL, OPT_STATUS},
    {"office", required_argument, NULL, OPT_OFFICE},
    {"tmt-cpns", required_argument, NULL, OPT_TMT_CPNS},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"phone", required_argument, NULL, OPT_PHONE},
    {"address", required_argument, NULL, OPT_ADDRESS},
    {"nik", required_argument, NULL, OPT_NIK},
    {"nik-stdin", no_argument, NULL, OPT_NIK_STDIN},
    {"supervisor", required_argument, NULL, OPT_SUPERVISOR},
    {"expect-version", required_argument, NULL, OPT_VERSION_EXPECTED},
    {"rank", required_argument, NULL, OPT_RANK},
    {"position-kind", required_argument, NULL, OPT_POSITION_KIND},
    {"after", required_argument, NULL, OPT_AFTER},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"kind", required_argument, NULL, OPT_KIND},
    /* registry views (svc_views.c) */
    {"by", required_argument, NULL, OPT_BY},
    {"months", required_argument, NULL, OPT_MONTHS},
    /* import/export (svc_import.c) */
    {"chunk", required_argument, NULL, OPT_CHUNK},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"out", required_argument, NULL, OPT_OUT},
    HOPT("tmt", CLI_HF_TMT),
    HOPT("mkg", CLI_HF_MKG),
    HOPT("mkg-months", CLI_HF_MKG_MONTHS),
    HOPT("functional-level", CLI_HF_FUNCTIONAL_LEVEL),
    HOPT("level", CLI_HF_LEVEL),
    HOPT("institution", CLI_HF_INSTITUTION),
    HOPT("major", CLI_HF_MAJOR),
    HOPT("graduation-year", CLI_HF_GRADUATION_YEAR),
    HOPT("organizer", CLI_HF_ORGANIZER),
    HOPT("start", CLI_HF_START),
    HOPT("end", CLI_HF_END),
    HOPT("jp", CLI_HF_JP),
    HOPT("year", CLI_HF_YEAR),
    HOPT("period", CLI_HF_PERIOD),
    HOPT("result", CLI_HF_RESULT),
    HOPT("behavior", CLI_HF_BEHAVIOR),
    HOPT("relation", CLI_HF_RELATION),
    HOPT("decree-number", CLI_HF_DECREE_NUMBER),
    HOPT("decree-date", CLI_HF_DECREE_DATE),
    {NULL, 0, NULL, 0},
};

#define NIK_MAX 64

typedef struct employee_state {
  /* record fields; NULL: not given */
  const char *nip, *name, *front_title, *back_title, *birth_place, *birth_date, *religion, *marital, *office,
      *tmt_cpns, *email, *phone, *address, *nik, *supervisor;
  Simpeg__V1__Sex sex;
  Simpeg__V1__EmploymentType type;
  Simpeg__V1__EmployeeStatus status;
  Simpeg__V1__PositionKind position_kind;
  bool nik_stdin;
  uint64_t version, limit;
  /* list filters */
  const char *rank, *after;
  /* registry views (svc_views.c) */
  const char *by;
  uint64_t months;
  /* import/export (svc_import.c) */
  uint64_t chunk;
  const char *format, *out;
  /* history */
  cli_history_args_t h;
  char nik_buf[NIK_MAX + 1];
} employee_state_t;

static int employee_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  employee_state_t *st = state;
  if (val >= OPT_HISTORY && val < OPT_HISTORY + CLI_HF_COUNT) {
    st->h.v[val - OPT_HISTORY] = arg;
    return 0;
  }
  switch (val) {
    case OPT_NIP: st->nip = arg; return 0;
    /* --name, --office, --birth-date and --nik mean the same for a record
     * and for a history entry (the member of the family, the training). */
    case OPT_NAME: st->name = st->h.v[CLI_HF_NAME] = arg; return 0;
    case OPT_OFFICE: st->office = st->h.v[CLI_HF_OFFICE] = arg; return 0;
    case OPT_BIRTH_DATE: st->birth_date = st->h.v[CLI_HF_BIRTH_DATE] = arg; return 0;
    case OPT_NIK: st->nik = st->h.v[CLI_HF_NIK] = arg; return 0;
    case OPT_RANK: st->rank = st->h.v[CLI_HF_RANK] = arg; return 0;
    case OPT_FRONT_TITLE: st->front_title = arg; return 0;
    case OPT_BACK_TITLE: st->back_title = arg; return 0;
    case OPT_BIRTH_PLACE: st->birth_place = arg; return 0;
    case OPT_RELIGION: st->religion = arg; return 0;
    case OPT_MARITAL_STATUS: st->marital = arg; return 0;
    case OPT_TMT_CPNS: st->tmt_cpns = arg; return 0;
    case OPT_EMAIL: st->email = arg; return 0;
    case OPT_PHONE: st->phone = arg; return 0;
    case OPT_ADDRESS: st->address = arg; return 0;
    case OPT_NIK_STDIN: st->nik_stdin = true; return 0;
    case OPT_SUPERVISOR: st->supervisor = arg; return 0;
    case OPT_AFTER: st->after = arg; return 0;
    case OPT_KIND: st->h.kind = arg; return 0;
    /* registry views (svc_views.c) */
    case OPT_BY: st->by = arg; return 0;
    /* import/export (svc_import.c) */
    case OPT_CHUNK: return cli_parse_uint(arg, 1024 * 1024, &st->chunk, "--chunk", err, errlen);
    case OPT_FORMAT: st->format = arg; return 0;
    case OPT_OUT: st->out = arg; return 0;
    case OPT_MONTHS: return cli_parse_uint(arg, 60, &st->months, "--months", err, errlen);
    case OPT_LIMIT: return cli_parse_uint(arg, 1000, &st->limit, "--limit", err, errlen);
    case OPT_VERSION_EXPECTED: return cli_parse_uint(arg, INT32_MAX, &st->version, "--expect-version", err, errlen);
    case OPT_SEX:
      if (cli_parse_sex(arg, &st->sex)) return 0;
      snprintf(err, errlen, _("unknown sex \"%s\" (male, female)"), arg);
      return -1;
    case OPT_TYPE:
      if (cli_parse_employment_type(arg, &st->type)) return 0;
      snprintf(err, errlen, _("unknown employment type \"%s\" (pns, cpns, pppk)"), arg);
      return -1;
    case OPT_STATUS:
      if (cli_parse_employee_status(arg, &st->status)) return 0;
      snprintf(err, errlen,
               _("unknown employee status \"%s\" (active, on_leave, retired, dismissed, deceased, "
                 "transferred_out)"),
               arg);
      return -1;
    case OPT_POSITION_KIND:
      st->h.v[CLI_HF_POSITION_KIND] = arg;
      if (cli_parse_position_kind(arg, &st->position_kind)) return 0;
      snprintf(err, errlen, _("unknown position kind \"%s\" (jpt, administrator, pengawas, pelaksana, fungsional)"),
               arg);
      return -1;
    default: return -1;
  }
}

/* A NIP as typed, possibly with the spaces of its printed form. */
static char *nip_arg(const char *s, char *buf, size_t cap) {
  size_t n = 0;
  for (; *s && n + 1 < cap; s++)
    if (*s != ' ') buf[n++] = *s;
  buf[n] = '\0';
  return buf;
}

static int read_nik(cli_ctx_t *ctx, employee_state_t *st) {
  if (!st->nik_stdin) return 0;
  if (st->nik)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("give the NIK with --nik or --nik-stdin, not both"));
  int rc = cli_read_secret_stdin(ctx, _("the NIK"), st->nik_buf, sizeof(st->nik_buf));
  if (rc) return rc;
  st->nik = st->nik_buf;
  return 0;
}

/* The client-side checks of a record about to be sent (DOMAIN.md §1). */
static int check_record(cli_ctx_t *ctx, const Simpeg__V1__Employee *e) {
  sp_nip_info_t nip;
  sp_nip_kind_t kind = sp_nip_decode(e->nip, &nip);
  if (kind == SP_NIP_INVALID)
    return cli_fail(ctx, CLI_EXIT_USAGE, "invalid_nip",
                    _("\"%s\" is not a valid NIP: 18 digits, birth date YYYYMMDD, TMT YYYYMM, sex 1 or 2, "
                      "number 001-999 (NI PPPK: birth date, year, 2, contract count, sex, number)"),
                    e->nip);
  if (kind == SP_NIP_PPPK && e->employment_type != SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PPPK)
    return cli_fail(ctx, CLI_EXIT_USAGE, "nip_type_mismatch", "%s",
                    _("this number is an NI PPPK (digits 13-14 are 21-29), so the employment type must be pppk"));
  if (kind == SP_NIP_PNS && e->employment_type == SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PPPK)
    return cli_fail(ctx, CLI_EXIT_USAGE, "nip_type_mismatch", "%s",
                    _("a PPPK has an NI PPPK (digits 13-14 are 21-29), not a PNS NIP"));
  if (e->birth_date && *e->birth_date && !sp_valid_date(e->birth_date, NULL))
    return cli_fail(ctx, CLI_EXIT_USAGE, "not_a_date", _("--birth-date expects a date YYYY-MM-DD, not \"%s\""),
                    e->birth_date);
  if (e->tmt_cpns && *e->tmt_cpns && !sp_valid_date(e->tmt_cpns, NULL))
    return cli_fail(ctx, CLI_EXIT_USAGE, "not_a_date", _("--tmt-cpns expects a date YYYY-MM-DD, not \"%s\""),
                    e->tmt_cpns);
  switch (sp_nip_matches(e->nip, e->birth_date, (sp_sex_t)e->sex)) {
    case SP_ID_BIRTH_DATE_MISMATCH:
      return cli_fail(ctx, CLI_EXIT_USAGE, "nip_birth_date_mismatch",
                      _("the NIP says the birth date is %s, not %s"), nip.birth_date, e->birth_date);
    case SP_ID_SEX_MISMATCH:
      return cli_fail(ctx, CLI_EXIT_USAGE, "nip_sex_mismatch", _("the NIP says the sex is %s, not %s"),
                      cli_sex_label((Simpeg__V1__Sex)nip.sex), cli_sex_label(e->sex));
    default: break;
  }
  if (e->nik && *e->nik) {
    char today[11];
    cli_today(today);
    sp_nik_info_t nik;
    switch (sp_nik_decode(e->nik, today, &nik)) {
      case SP_NIK_OK: break;
      case SP_NIK_FORMAT:
        return cli_fail(ctx, CLI_EXIT_USAGE, "invalid_nik", "%s", _("the NIK must be 16 digits"));
      case SP_NIK_PROVINCE:
        return cli_fail(ctx, CLI_EXIT_USAGE, "invalid_nik", "%s",
                        _("the NIK does not start with the code of an Indonesian province"));
      default:
        return cli_fail(ctx, CLI_EXIT_USAGE, "invalid_nik", "%s",
                        _("the NIK does not hold a real birth date (digits 7-12, day + 40 for women)"));
    }
    if (sp_nik_matches(e->nik, today, e->birth_date, (sp_sex_t)e->sex) != SP_ID_MATCH)
      /* Never echo the NIK itself: it is personal data. */
      return cli_fail(ctx, CLI_EXIT_USAGE, "nik_mismatch", _("the NIK says born %s, %s; the record says %s, %s"),
                      nik.birth_date, cli_sex_label((Simpeg__V1__Sex)nik.sex), e->birth_date,
                      cli_sex_label(e->sex));
  }
  return 0;
}

/* Puts the given options over `e` (strings point into argv / the state). */
static void overlay(Simpeg__V1__Employee *e, const employee_state_t *st) {
#define SET(field, v) \
  if (v) e->field = (char *)(v)
  SET(name, st->name);
  SET(front_title, st->front_title);
  SET(back_title, st->back_title);
  SET(birth_place, st->birth_place);
  SET(birth_date, st->birth_date);
  SET(religion, st->religion);
  SET(marital_status, st->marital);
  SET(office_code, st->office);
  SET(tmt_cpns, st->tmt_cpns);
  SET(email, st->email);
  SET(phone, st->phone);
  SET(address, st->address);
  SET(nik, st->nik);
#undef SET
  if (st->sex) e->sex = st->sex;
  if (st->type) e->employment_type = st->type;
  if (st->status) e->status = st->status;
}

static int employee_add_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  (void)argv;
  if (!st->nip || !st->name || !st->office)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'employee add' needs --nip, --name and --office"));
  int rc = read_nik(ctx, st);
  if (rc) return rc;
  char nipbuf[64], birth[11], tmt[16];
  Simpeg__V1__Employee e = SIMPEG__V1__EMPLOYEE__INIT;
  e.nip = nip_arg(st->nip, nipbuf, sizeof(nipbuf));
  overlay(&e, st);
  /* What the NIP says when not given: birth date, sex, PPPK, TMT CPNS. */
  sp_nip_info_t info;
  if (sp_nip_decode(e.nip, &info) != SP_NIP_INVALID) {
    if (!st->birth_date) e.birth_date = strcpy(birth, info.birth_date);
    if (!st->sex) e.sex = (Simpeg__V1__Sex)info.sex;
    if (!st->type && info.kind == SP_NIP_PPPK) e.employment_type = SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PPPK;
    if (!st->tmt_cpns && info.kind == SP_NIP_PNS) {
      snprintf(tmt, sizeof(tmt), "%04d-%02d-01", info.appointment_year % 10000, info.tmt_month % 100);
      e.tmt_cpns = tmt;
    }
  }
  if (sp_nip_decode(e.nip, NULL) == SP_NIP_INVALID) return check_record(ctx, &e); /* says why */
  if (!e.employment_type)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'employee add' needs --type (pns, cpns or pppk)"));
  if ((rc = check_record(ctx, &e))) return rc;
  Simpeg__V1__EmployeeAdd m = SIMPEG__V1__EMPLOYEE_ADD__INIT;
  m.employee = &e;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_ADD;
  req.employee_add = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_ADD, &s, &resp);
  if (rc) return rc;
  if (resp->employee_add->employee)
    cli_print_employee(ctx, resp->employee_add->employee);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int employee_show_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state;
  (void)argc;
  char nipbuf[64];
  Simpeg__V1__EmployeeShow m = SIMPEG__V1__EMPLOYEE_SHOW__INIT;
  m.nip = nip_arg(argv[0], nipbuf, sizeof(nipbuf));
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SHOW;
  req.employee_show = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_SHOW, &s, &resp);
  if (rc) return rc;
  if (resp->employee_show->profile) cli_print_profile(ctx, resp->employee_show->profile);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int employee_edit_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  if (st->nip)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("the NIP of a record cannot be changed with 'employee edit'; name it as the argument"));
  int rc = read_nik(ctx, st);
  if (rc) return rc;
  char nipbuf[64];
  const char *nip = nip_arg(argv[0], nipbuf, sizeof(nipbuf));
  spc_sync_t *s;
  if ((rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s))) return rc;
  /* The record as it is now: the options change only what they name. */
  Simpeg__V1__EmployeeShow sh = SIMPEG__V1__EMPLOYEE_SHOW__INIT;
  sh.nip = (char *)nip;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SHOW;
  req.employee_show = &sh;
  Simpeg__V1__Response *cur;
  if ((rc = cli_call(ctx, s, &req, &cur))) {
    spc_sync_close(s);
    return rc;
  }
  if (cur->result_case != SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_SHOW || !cur->employee_show->profile ||
      !cur->employee_show->profile->employee) {
    spc_response_free(cur);
    spc_sync_close(s);
    return cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
  }
  Simpeg__V1__Employee e = *cur->employee_show->profile->employee;
  overlay(&e, st);
  /* The supervisor changes only with --supervisor NIP ("-": none). */
  char supbuf[64];
  e.supervisor_nip = (char *)"";
  if (st->supervisor)
    e.supervisor_nip = strcmp(st->supervisor, "-") == 0 ? (char *)"-" : nip_arg(st->supervisor, supbuf, sizeof(supbuf));
  /* --expect-version: refuse if the record changed since that version was
   * read; without it, the version just read. */
  if (st->version) e.version = (int64_t)st->version;
  if ((rc = check_record(ctx, &e))) {
    spc_response_free(cur);
    spc_sync_close(s);
    return rc;
  }
  Simpeg__V1__EmployeeEdit m = SIMPEG__V1__EMPLOYEE_EDIT__INIT;
  m.employee = &e;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_EDIT;
  req.employee_edit = &m;
  Simpeg__V1__Response *resp;
  rc = cli_call(ctx, s, &req, &resp);
  if (rc == 0) {
    if (resp->result_case == SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_EDIT && resp->employee_edit->employee)
      cli_print_employee(ctx, resp->employee_edit->employee);
    else
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
    spc_response_free(resp);
  }
  spc_response_free(cur);
  spc_sync_close(s);
  return rc;
}

/* Rows of employees: list and search. `ranked` numbers them. */
static void print_employees(cli_ctx_t *ctx, Simpeg__V1__Employee *const *es, size_t n, bool ranked,
                            const char *next_after) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "employees");
    json_begin_array(&j);
    for (size_t i = 0; i < n; i++) cli_json_employee(&j, es[i]);
    json_end_array(&j);
    if (!ranked) {
      json_key(&j, "next_after");
      if (next_after && *next_after)
        json_string(&j, next_after);
      else
        json_null(&j);
    }
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  if (n == 0) {
    fprintf(ctx->out, "%s\n", _("No employees."));
    return;
  }
  const char *head[] = {"#", _("NIP"), _("NAME"), _("GOLONGAN"), _("POSITION"), _("OFFICE")};
  size_t skip = ranked ? 0 : 1;
  cli_cols_t c;
  cli_cols_init(&c, 6 - skip, head + skip);
  for (size_t i = 0; i < n; i++) {
    const Simpeg__V1__Employee *e = es[i];
    char num[24], nip[64], name[512];
    snprintf(num, sizeof(num), "%zu", i + 1);
    cli_format_nip(nip, sizeof(nip), e->nip);
    cli_employee_full_name(name, sizeof(name), e);
    const char *row[] = {num, nip, name, e->rank_code, e->position_name, e->office_code};
    cli_cols_add(&c, row + skip);
  }
  cli_cols_print(&c, ctx->out);
  if (next_after && *next_after)
    fprintf(ctx->out, _("More employees follow: repeat the command with --after %s for the next page.\n"),
            next_after);
}

static int employee_list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  (void)argv;
  if (st->rank && !cli_valid_rank_code(st->rank))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("unknown rank \"%s\" (golongan I/a to IV/e, or PPPK grade I to XVII)"),
                    st->rank);
  Simpeg__V1__EmployeeList m = SIMPEG__V1__EMPLOYEE_LIST__INIT;
  m.office_code = (char *)(st->office ? st->office : "");
  m.rank_code = (char *)(st->rank ? st->rank : "");
  m.position_kind = st->position_kind;
  m.status = st->status;
  m.employment_type = st->type;
  m.after = (char *)(st->after ? st->after : "");
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_LIST;
  req.employee_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_LIST, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__EmployeeListReply *l = resp->employee_list;
  print_employees(ctx, l->employees, l->n_employees, false, l->next_after);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int employee_search_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  int nrc = read_nik(ctx, st);
  if (nrc) return nrc;
  if ((argc > 0) == (st->nik != NULL))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s",
                    _("'employee search' takes WORDS or --nik NIK (or --nik-stdin), not both"));
  /* Several words are one query: `employee search budi santoso`. */
  size_t len = 1;
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  char *query = calloc(1, len);
  if (!query) return CLI_EXIT_OTHER;
  for (int i = 0; i < argc; i++) {
    if (i) strcat(query, " ");
    strcat(query, argv[i]);
  }
  if (st->limit > 100) {
    free(query);
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'employee search' shows at most 100 matches (--limit)"));
  }
  Simpeg__V1__EmployeeSearch m = SIMPEG__V1__EMPLOYEE_SEARCH__INIT;
  m.query = query;
  m.nik = (char *)(st->nik ? st->nik : "");
  m.office_code = (char *)(st->office ? st->office : "");
  m.limit = (uint32_t)st->limit;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_SEARCH;
  req.employee_search = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_SEARCH, &s, &resp);
  free(query);
  if (rc) return rc;
  print_employees(ctx, resp->employee_search->employees, resp->employee_search->n_employees, true, NULL);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int history_add_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  char err[512], today[11], nipbuf[64];
  cli_today(today);
  cli_history_msg_t hm;
  if (cli_history_build(&st->h, today, &hm, err, sizeof(err)) < 0)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", err);
  Simpeg__V1__EmployeeHistoryAdd m = SIMPEG__V1__EMPLOYEE_HISTORY_ADD__INIT;
  m.nip = nip_arg(argv[0], nipbuf, sizeof(nipbuf));
  m.entry = &hm.entry;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_HISTORY_ADD;
  req.employee_history_add = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_HISTORY_ADD, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__EmployeeHistoryAddReply *r = resp->employee_history_add;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "entry");
    if (r->entry)
      cli_json_history_entry(&j, r->entry);
    else
      json_null(&j);
    json_key(&j, "employee");
    if (r->employee)
      cli_json_employee(&j, r->employee);
    else
      json_null(&j);
    json_end_object(&j);
    json_finish(&j);
  } else {
    if (r->entry) cli_print_history(ctx, &r->entry, 1);
    if (r->employee) {
      fprintf(ctx->out, "\n%s\n", _("The record now:"));
      cli_print_employee(ctx, r->employee);
    }
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static int history_list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  cli_hkind_t kind = CLI_HKIND_NONE;
  if (st->h.kind && !cli_parse_history_kind(st->h.kind, &kind))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                    _("unknown history kind \"%s\" (rank, position, education, training, performance, salary, "
                      "family)"),
                    st->h.kind);
  char nipbuf[64];
  Simpeg__V1__EmployeeHistoryList m = SIMPEG__V1__EMPLOYEE_HISTORY_LIST__INIT;
  m.nip = nip_arg(argv[0], nipbuf, sizeof(nipbuf));
  m.kind = (char *)(kind ? cli_history_kind_name(kind) : "");
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_EMPLOYEE_HISTORY_LIST;
  req.employee_history_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_EMPLOYEE_HISTORY_LIST, &s, &resp);
  if (rc) return rc;
  cli_print_history(ctx, resp->employee_history_list->entries, resp->employee_history_list->n_entries);
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const cli_sub_t history_subs[] = {
    {"add", 1, 1, history_add_run},
    {"list", 1, 1, history_list_run},
    {NULL, 0, 0, NULL},
};

/* `employee history add|list NIP` (cli_sub_dispatch would point at
 * 'simpeg help employee history', which does not exist). */
static int history_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  for (const cli_sub_t *h = history_subs; h->name; h++) {
    if (strcmp(h->name, argv[0]) != 0) continue;
    if (argc != 2)
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("'employee history %s' needs the NIP; run 'simpeg help employee'"),
                      h->name);
    return h->run(ctx, state, 1, argv + 1);
  }
  return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                  _("unknown subcommand \"employee history %s\" (add, list); run 'simpeg help employee'"), argv[0]);
}

/* registry views (svc_views.c) */
static int employee_duk_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  (void)argv;
  return cli_employee_duk(ctx, st->office, st->after, (uint32_t)st->limit);
}

static int employee_headcount_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  (void)argv;
  return cli_employee_headcount(ctx, st->office, st->by);
}

static int employee_warnings_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  (void)argv;
  return cli_employee_warnings(ctx, st->office, st->h.kind, (uint32_t)st->months, st->after, (uint32_t)st->limit);
}

/* import/export (svc_import.c) */
static int employee_import_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  return cli_employee_import(ctx, argv[0], (uint32_t)st->chunk);
}

static int employee_export_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  employee_state_t *st = state;
  (void)argc;
  (void)argv;
  return cli_employee_export(ctx, st->office, st->format, st->out);
}

static const cli_sub_t employee_subs[] = {
    {"add", 0, 0, employee_add_run},
    {"show", 1, 1, employee_show_run},
    {"edit", 1, 1, employee_edit_run},
    {"list", 0, 0, employee_list_run},
    {"search", 0, 16, employee_search_run},
    {"history", 1, 2, history_run},
    /* registry views (svc_views.c) */
    {"duk", 0, 0, employee_duk_run},
    {"headcount", 0, 0, employee_headcount_run},
    {"warnings", 0, 0, employee_warnings_run},
    /* import/export (svc_import.c) */
    {"import", 1, 1, employee_import_run},
    {"export", 0, 0, employee_export_run},
    {NULL, 0, 0, NULL},
};

static int employee_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  /* Settings first, so that checks made before connecting answer in JSON
   * too with --output json (or output = json in the config). */
  employee_state_t *st = state;
  int rc = cli_resolve(ctx);
  if (rc == 0) rc = cli_sub_dispatch(ctx, "employee", employee_subs, state, argc, argv);
  explicit_bzero(st->nik_buf, sizeof(st->nik_buf)); /* a NIK read with --nik-stdin */
  return rc;
}

const cli_command_t cli_cmd_employee = {
    .name = "employee",
    .summary = N_("Show and manage employee records (NIP, rank, position, history)"),
    .usage = N_("employee add|show|edit|list|search|history|duk|headcount|warnings|import|export ..."),
    .description = N_(
        "Subcommands:\n"
        "  employee add --nip NIP --name NAME --office CODE [--type pns|cpns|pppk] [FIELDS]\n"
        "      add a record; the birth date, sex, TMT CPNS and (for an NI PPPK) the\n"
        "      type are taken from the NIP unless given\n"
        "  employee show NIP\n"
        "      the profile: identity, office, rank, position, education, the service\n"
        "      summary (gaji pokok, years of service, retirement date) and the histories\n"
        "  employee edit NIP [FIELDS] [--expect-version N]\n"
        "      change the fields given; the others stay as they are\n"
        "  employee list [--office CODE] [--rank GOL] [--position-kind KIND]\n"
        "                [--status STATUS] [--type TYPE] [--after CURSOR] [--limit N]\n"
        "      the employees of your offices (or below CODE), a page at a time\n"
        "  employee search WORDS... [--office CODE] [--limit N]\n"
        "      by name (typos and word order do not matter) or by the start of a NIP\n"
        "  employee search --nik NIK|--nik-stdin [--office CODE]\n"
        "      by NIK (the results show it only to roles that may see it)\n"
        "  employee history add NIP --kind KIND [ENTRY OPTIONS]\n"
        "  employee history list NIP [--kind KIND]\n"
        "  employee duk [--office CODE] [--after CURSOR] [--limit N]\n"
        "      the rank-ordered staff list (DUK): rank, rank TMT, position kind,\n"
        "      length of service, age\n"
        "  employee headcount --by office|rank|education|age_band|employment_type|sex\n"
        "                     [--office CODE]\n"
        "      active employees counted by one dimension (office: the offices\n"
        "      directly below, each with everything under it)\n"
        "  employee warnings --kind kgb|promotion|retirement [--months N]\n"
        "                    [--office CODE] [--after CURSOR] [--limit N]\n"
        "      who reaches a periodic salary increase (KGB), reguler promotion or\n"
        "      retirement (BUP) within N months (default 12, at most 60)\n"
        "  employee import FILE.csv [--chunk BYTES]\n"
        "      add the employees of a CSV file (columns: docs/IMPORT.md); all or\n"
        "      nothing: with a bad row nothing is written and every bad row is\n"
        "      listed as \"line N, column C: reason\" (exit 4)\n"
        "  employee export [--office CODE] [--format csv|json] [--out FILE]\n"
        "      the employees of your offices (or below CODE) in the import's\n"
        "      columns, so the file can be imported elsewhere\n"
        "\n"
        "Fields (add, edit): --name, --front-title (e.g. Dr.), --back-title (e.g.\n"
        "S.Kom., M.Si.), --birth-place, --birth-date YYYY-MM-DD, --sex male|female,\n"
        "--religion (islam, protestan, katolik, hindu, buddha, konghucu, kepercayaan),\n"
        "--marital-status (belum_kawin, kawin, cerai_hidup, cerai_mati), --type,\n"
        "--status (edit: active, on_leave, retired, dismissed, deceased,\n"
        "transferred_out), --office CODE, --tmt-cpns YYYY-MM-DD, --email, --phone,\n"
        "--address, --nik NIK or --nik-stdin, --supervisor NIP (edit: the atasan\n"
        "langsung who approves the employee's requests first; - removes it).\n"
        "The NIK is personal data: --nik-stdin reads it from standard input, so it\n"
        "stays out of the shell history and the process list.\n"
        "A NIP may be written with or without spaces (19860926 201505 1 001). NIP and\n"
        "NIK are checked against the birth date and sex before anything is sent.\n"
        "--expect-version N refuses the change if the record changed since you read\n"
        "version N (see 'employee show'); without it the current version is used.\n"
        "\n"
        "History kinds and their options (all also take --decree-number and\n"
        "--decree-date for the SK):\n"
        "  rank         --rank GOL --tmt DATE [--mkg YEARS] [--mkg-months N]\n"
        "  position     --name NAME --position-kind KIND --tmt DATE [--office CODE]\n"
        "               [--functional-level LEVEL]  (with fungsional: ahli_pertama,\n"
        "               ahli_muda, ahli_madya, ahli_utama, pemula, terampil, mahir,\n"
        "               penyelia)\n"
        "  education    --level SD|SLTP|SLTA|D1..D4|S1|S2|S3 [--institution NAME]\n"
        "               [--major NAME] [--graduation-year YEAR]\n"
        "  training     --name NAME --start DATE --end DATE --jp HOURS\n"
        "               [--organizer NAME]\n"
        "  performance  --year YEAR --result RATING --behavior RATING\n"
        "               [--period annual|YYYY-Qn]  (ratings: di_atas, sesuai, di_bawah)\n"
        "  salary       --rank GOL --mkg YEARS --tmt DATE\n"
        "  family       --relation suami|istri|anak --name NAME [--birth-date DATE]\n"
        "               [--nik NIK]\n"
        "Golongan: I/a to IV/e (PNS, CPNS); PPPK grades I to XVII. Position kinds: jpt,\n"
        "administrator, pengawas, pelaksana, fungsional.\n"
        "Example: simpeg employee history add 198609262015051001 --kind rank \\\n"
        "           --rank III/b --tmt 2024-04-01 --mkg 10 --decree-number 800/123/BKPSDM\n"),
    .options = employee_options,
    .state_size = sizeof(employee_state_t),
    .parse_opt = employee_parse_opt,
    .run = employee_run,
};
