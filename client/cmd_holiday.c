/* cmd_holiday: `simpeg holiday import|list|workdays`: the holiday calendar
 * (libur nasional, cuti bersama, libur daerah) that leave counts working
 * days against, and the working days of units that also work weekends
 * (docs/internals/leave.md).
 *
 * `holiday import FILE` reads a CSV with the header date,kind,name[,office_code]
 * (deploy/demo/holidays-2026.csv; lines starting with '#' are comments),
 * checks every line here and reports all
 * bad lines before anything is sent; good files go in calls of at most 500
 * rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_admin.h"
#include "sp_buf.h"
#include "sp_csv.h"
#include "sp_valid.h"

enum {
  OPT_YEAR = CLI_OPT_COMMAND_BASE,
  OPT_OFFICE,
  OPT_DAYS,
  OPT_REPLACE_YEAR,
};

static const struct option holiday_options[] = {
    {"year", required_argument, NULL, OPT_YEAR},
    {"office", required_argument, NULL, OPT_OFFICE},
    {"days", required_argument, NULL, OPT_DAYS},
    {"replace-year", required_argument, NULL, OPT_REPLACE_YEAR},
    {NULL, 0, NULL, 0},
};

#define CHUNK 500
#define ROWS_MAX 20000
#define BAD_SHOWN 50

typedef struct holiday_state {
  uint64_t year, replace_year;
  const char *office, *days;
} holiday_state_t;

static int holiday_parse_opt(void *state, int val, const char *arg, char *err, size_t errlen) {
  holiday_state_t *st = state;
  switch (val) {
    case OPT_YEAR: return cli_parse_uint(arg, 2200, &st->year, "--year", err, errlen);
    case OPT_REPLACE_YEAR: return cli_parse_uint(arg, 2200, &st->replace_year, "--replace-year", err, errlen);
    case OPT_OFFICE: st->office = arg; return 0;
    case OPT_DAYS: st->days = arg; return 0;
    default: return -1;
  }
}

static const char *kind_name(Simpeg__V1__HolidayKind k) {
  switch (k) {
    case SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_NATIONAL: return "national";
    case SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_CUTI_BERSAMA: return "cuti_bersama";
    case SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_REGIONAL: return "regional";
    default: return "?";
  }
}
static const char *kind_label(Simpeg__V1__HolidayKind k) {
  switch (k) {
    case SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_NATIONAL: return _("national holiday");
    case SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_CUTI_BERSAMA: return _("cuti bersama");
    case SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_REGIONAL: return _("regional holiday");
    default: return "?";
  }
}

/* ---- import ---- */

typedef struct reader {
  cli_ctx_t *ctx;
  int col_date, col_kind, col_name, col_office;
  bool header_done, header_bad;
  Simpeg__V1__Holiday *rows;
  char **strs; /* every string the rows point to, freed at the end */
  size_t n, cap, nstrs, strs_cap;
  size_t bad;
  uint32_t year; /* all rows of one year (for --replace-year) */
  bool mixed_years;
} reader_t;

static char *keep(reader_t *rd, const char *s) {
  if (rd->nstrs == rd->strs_cap) {
    rd->strs_cap = rd->strs_cap ? 2 * rd->strs_cap : 64;
    rd->strs = sp_xrealloc(rd->strs, rd->strs_cap * sizeof(*rd->strs));
  }
  size_t n = strlen(s);
  char *c = sp_xmalloc(n + 1);
  memcpy(c, s, n + 1);
  rd->strs[rd->nstrs++] = c;
  return c;
}

static void bad_line(reader_t *rd, uint64_t line, const char *why, const char *value) {
  if (rd->bad++ < BAD_SHOWN) fprintf(rd->ctx->err, _("line %llu: %s: \"%s\"\n"), (unsigned long long)line, why, value);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

static int on_record(void *ud, const sp_csv_record_t *rec) {
  reader_t *rd = ud;
  if (rec->fields[0][0] == '#') return 0; /* a comment line (where the list comes from) */
  if (!rd->header_done) {
    rd->header_done = true;
    rd->col_date = rd->col_kind = rd->col_name = rd->col_office = -1;
    for (size_t i = 0; i < rec->nfields; i++) {
      const char *h = trim(rec->fields[i]);
      if (strcmp(h, "date") == 0)
        rd->col_date = (int)i;
      else if (strcmp(h, "kind") == 0)
        rd->col_kind = (int)i;
      else if (strcmp(h, "name") == 0)
        rd->col_name = (int)i;
      else if (strcmp(h, "office_code") == 0)
        rd->col_office = (int)i;
    }
    if (rd->col_date < 0 || rd->col_kind < 0 || rd->col_name < 0) {
      rd->header_bad = true;
      return 1;
    }
    return 0;
  }
  if (rec->nfields == 1 && !*rec->fields[0]) return 0;
  if (rd->n >= ROWS_MAX) {
    bad_line(rd, rec->line, _("too many rows"), "");
    return 1;
  }
  const char *get[4] = {"", "", "", ""};
  int cols[4] = {rd->col_date, rd->col_kind, rd->col_name, rd->col_office};
  for (int k = 0; k < 4; k++)
    if (cols[k] >= 0 && (size_t)cols[k] < rec->nfields) get[k] = trim(rec->fields[cols[k]]);
  const char *date = get[0], *kind = get[1], *name = get[2], *office = get[3];
  size_t bad_before = rd->bad;
  long day;
  if (!sp_valid_date(date, &day)) bad_line(rd, rec->line, _("not a date YYYY-MM-DD"), date);
  Simpeg__V1__HolidayKind k = 0;
  if (strcmp(kind, "national") == 0)
    k = SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_NATIONAL;
  else if (strcmp(kind, "cuti_bersama") == 0)
    k = SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_CUTI_BERSAMA;
  else if (strcmp(kind, "regional") == 0)
    k = SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_REGIONAL;
  else
    bad_line(rd, rec->line, _("kind must be national, cuti_bersama or regional"), kind);
  if (!*name || strlen(name) > 600) bad_line(rd, rec->line, _("a name of 1 to 200 characters is needed"), name);
  if (k == SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_REGIONAL && !*office)
    bad_line(rd, rec->line, _("a regional holiday needs an office_code"), "");
  if (k && k != SIMPEG__V1__HOLIDAY_KIND__HOLIDAY_KIND_REGIONAL && *office)
    bad_line(rd, rec->line, _("only regional holidays have an office_code"), office);
  if (rd->bad != bad_before) return 0;
  if (rd->n == rd->cap) {
    rd->cap = rd->cap ? 2 * rd->cap : 64;
    rd->rows = sp_xrealloc(rd->rows, rd->cap * sizeof(*rd->rows));
  }
  Simpeg__V1__Holiday *h = &rd->rows[rd->n++];
  simpeg__v1__holiday__init(h);
  h->date = keep(rd, date);
  h->kind = k;
  h->name = keep(rd, name);
  h->office_code = keep(rd, office);
  uint32_t y = (uint32_t)atoi(date);
  if (rd->n == 1)
    rd->year = y;
  else if (y != rd->year)
    rd->mixed_years = true;
  return 0;
}

static void reader_free(reader_t *rd) {
  for (size_t i = 0; i < rd->nstrs; i++) free(rd->strs[i]);
  free(rd->strs);
  free(rd->rows);
}

static int import_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  holiday_state_t *st = state;
  (void)argc;
  FILE *f = fopen(argv[0], "rb");
  if (!f) return cli_fail(ctx, CLI_EXIT_USAGE, "io", _("cannot read %s: %s"), argv[0], strerror(errno));
  reader_t rd = {.ctx = ctx};
  sp_csv_t csv;
  sp_csv_init(&csv, 4096, 16384, 16);
  char buf[16384];
  int perr = SP_CSV_OK;
  for (;;) {
    size_t n = fread(buf, 1, sizeof(buf), f);
    bool eof = n < sizeof(buf);
    perr = sp_csv_feed(&csv, buf, n, eof, on_record, &rd);
    if (perr != SP_CSV_OK || eof) break;
  }
  bool read_error = ferror(f);
  fclose(f);
  uint64_t err_line = csv.error_line;
  sp_csv_free(&csv);
  int rc = CLI_EXIT_OK;
  if (read_error) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "io", _("cannot read %s"), argv[0]);
  } else if (rd.header_bad || !rd.header_done) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "bad_header", "%s",
                  _("the first line must name the columns date,kind,name[,office_code]"));
  } else if (perr != SP_CSV_OK && perr != SP_CSV_STOPPED) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "bad_csv", _("line %llu: %s"), (unsigned long long)err_line,
                  sp_csv_strerror(perr));
  } else if (rd.bad) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "bad_lines", _("%zu bad lines; nothing was imported"), rd.bad);
  } else if (rd.n == 0) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "empty", "%s", _("the file has no holidays"));
  } else if (st->replace_year && (rd.mixed_years || rd.year != st->replace_year)) {
    rc = cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("with --replace-year every row must be of that year"));
  }
  if (rc) {
    reader_free(&rd);
    return rc;
  }
  spc_sync_t *s;
  rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) {
    reader_free(&rd);
    return rc;
  }
  uint32_t written = 0;
  Simpeg__V1__Holiday **ptrs = sp_xmalloc(CHUNK * sizeof(*ptrs));
  for (size_t at = 0; at < rd.n && rc == 0; at += CHUNK) {
    size_t n = rd.n - at < CHUNK ? rd.n - at : CHUNK;
    for (size_t i = 0; i < n; i++) ptrs[i] = &rd.rows[at + i];
    Simpeg__V1__HolidayImport m = SIMPEG__V1__HOLIDAY_IMPORT__INIT;
    m.holidays = ptrs;
    m.n_holidays = n;
    m.replace_year = at == 0 ? (uint32_t)st->replace_year : 0; /* only before the first chunk */
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_HOLIDAY_IMPORT;
    req.holiday_import = &m;
    Simpeg__V1__Response *resp;
    rc = cli_call(ctx, s, &req, &resp);
    if (rc) break;
    written += resp->holiday_import ? resp->holiday_import->written : 0;
    spc_response_free(resp);
  }
  free(ptrs);
  spc_sync_close(s);
  if (rc == 0) {
    if (ctx->settings.output == CLI_OUTPUT_JSON) {
      json_out_t j;
      json_init(&j, ctx->out);
      json_begin_object(&j);
      json_key(&j, "written");
      json_uint(&j, written);
      json_end_object(&j);
      json_finish(&j);
    } else {
      fprintf(ctx->out, _("%u holidays written\n"), written);
    }
  }
  reader_free(&rd);
  return rc;
}

/* ---- list ---- */

static int list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  holiday_state_t *st = state;
  (void)argc;
  (void)argv;
  if (st->year && st->year < 1950) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("--year is out of range"));
  Simpeg__V1__HolidayList m = SIMPEG__V1__HOLIDAY_LIST__INIT;
  m.year = (uint32_t)st->year;
  m.office_code = (char *)(st->office ? st->office : "");
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_HOLIDAY_LIST;
  req.holiday_list = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_HOLIDAY_LIST, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__HolidayListReply *r = resp->holiday_list;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_array(&j);
    for (size_t i = 0; i < r->n_holidays; i++) {
      json_begin_object(&j);
      json_key(&j, "date");
      json_string(&j, r->holidays[i]->date);
      json_key(&j, "kind");
      json_string(&j, kind_name(r->holidays[i]->kind));
      json_key(&j, "name");
      json_string(&j, r->holidays[i]->name);
      json_key(&j, "office_code");
      json_string(&j, r->holidays[i]->office_code);
      json_end_object(&j);
    }
    json_end_array(&j);
    json_finish(&j);
  } else {
    const char *h[] = {_("DATE"), _("KIND"), _("NAME"), _("OFFICE")};
    cli_cols_t c;
    cli_cols_init(&c, 4, h);
    for (size_t i = 0; i < r->n_holidays; i++) {
      const Simpeg__V1__Holiday *x = r->holidays[i];
      const char *row[] = {x->date, kind_label(x->kind), x->name, x->office_code};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

/* ---- workdays ---- */

static int workdays_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  holiday_state_t *st = state;
  (void)argc;
  if (!st->days) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'holiday workdays' needs --days 1,2,3,4,5"));
  uint32_t days[7];
  size_t n = 0;
  bool seen[8] = {false};
  for (const char *p = st->days; *p;) {
    if (*p < '1' || *p > '7' || (p[1] && p[1] != ',') || n == 7 || seen[*p - '0'])
      return cli_fail(ctx, CLI_EXIT_USAGE, "usage",
                      _("--days expects distinct ISO days 1 (Monday) to 7 (Sunday) separated by commas, not \"%s\""),
                      st->days);
    seen[*p - '0'] = true;
    days[n++] = (uint32_t)(*p - '0');
    p += p[1] ? 2 : 1;
  }
  if (n == 0) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", "%s", _("'holiday workdays' needs --days 1,2,3,4,5"));
  Simpeg__V1__WorkCalendarSet m = SIMPEG__V1__WORK_CALENDAR_SET__INIT;
  m.office_code = argv[0];
  m.workdays = days;
  m.n_workdays = n;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_WORK_CALENDAR_SET;
  req.work_calendar_set = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_WORK_CALENDAR_SET, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__WorkCalendarReply *r = resp->work_calendar_set;
  static const char *const names[] = {"", N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")};
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "office_code");
    json_string(&j, r->office_code);
    json_key(&j, "workdays");
    json_begin_array(&j);
    for (size_t i = 0; i < r->n_workdays; i++) json_uint(&j, r->workdays[i]);
    json_end_array(&j);
    json_end_object(&j);
    json_finish(&j);
  } else {
    char list[128] = "";
    for (size_t i = 0; i < r->n_workdays && r->workdays[i] >= 1 && r->workdays[i] <= 7; i++) {
      size_t k = strlen(list);
      snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "", _(names[r->workdays[i]]));
    }
    fprintf(ctx->out, _("working days of %s and the offices below it: %s\n"), r->office_code, list);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

static const cli_sub_t holiday_subs[] = {
    {"import", 1, 1, import_run},
    {"list", 0, 0, list_run},
    {"workdays", 1, 1, workdays_run},
    {NULL, 0, 0, NULL},
};

static int holiday_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "holiday", holiday_subs, state, argc, argv);
}

const cli_command_t cli_cmd_holiday = {
    .name = "holiday",
    .summary = N_("Holidays, cuti bersama and the working days leave is counted in"),
    .usage = N_("holiday import|list|workdays ..."),
    .description = N_("Subcommands:\n"
                      "  holiday import FILE [--replace-year Y]\n"
                      "      A CSV file with the header date,kind,name[,office_code]; kind is national,\n"
                      "      cuti_bersama or regional (regional holidays name their office); lines\n"
                      "      starting with # are comments. Every line\n"
                      "      is checked first; with a bad line nothing is imported. --replace-year\n"
                      "      first removes that year's holidays you manage (national ones need a\n"
                      "      whole-country account).\n"
                      "  holiday list [--year Y] [--office CODE]\n"
                      "      The holidays of a year (default this year); --office adds the regional\n"
                      "      holidays that apply to that office.\n"
                      "  holiday workdays OFFICE --days 1,2,3,4,5[,6,7]\n"
                      "      The working days (1 Monday .. 7 Sunday) of an office and the offices\n"
                      "      below it, e.g. a hospital that works on Saturdays."),
    .options = holiday_options,
    .state_size = sizeof(holiday_state_t),
    .parse_opt = holiday_parse_opt,
    .run = holiday_run,
};
