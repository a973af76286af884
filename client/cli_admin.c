/* cli_admin: helpers of the administration commands; see cli_admin.h. */
#include "cli_admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "sp_buf.h"

int cli_sub_dispatch(cli_ctx_t *ctx, const char *command, const cli_sub_t *subs, void *state, int argc,
                     char **argv) {
  if (argc < 1) {
    fprintf(ctx->err, _("simpeg: '%s' needs a subcommand; run 'simpeg help %s'\n"), command, command);
    return CLI_EXIT_USAGE;
  }
  for (const cli_sub_t *s = subs; s->name; s++) {
    if (strcmp(s->name, argv[0]) != 0) continue;
    int n = argc - 1;
    if (n < s->min_args) {
      fprintf(ctx->err, _("simpeg: '%s %s' needs more arguments; run 'simpeg help %s'\n"), command, s->name,
              command);
      return CLI_EXIT_USAGE;
    }
    if (n > s->max_args) {
      fprintf(ctx->err, _("simpeg: unexpected argument \"%s\"\n"), argv[1 + s->max_args]);
      return CLI_EXIT_USAGE;
    }
    return s->run(ctx, state, n, argv + 1);
  }
  fprintf(ctx->err, _("simpeg: unknown subcommand \"%s %s\"; run 'simpeg help %s'\n"), command, argv[0], command);
  return CLI_EXIT_USAGE;
}

bool cli_parse_role(const char *s, Simpeg__V1__Role *out) {
  static const Simpeg__V1__Role roles[] = {
      SIMPEG__V1__ROLE__ROLE_EMPLOYEE,       SIMPEG__V1__ROLE__ROLE_SUPERVISOR,   SIMPEG__V1__ROLE__ROLE_HR_OFFICER,
      SIMPEG__V1__ROLE__ROLE_REGIONAL_ADMIN, SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN, SIMPEG__V1__ROLE__ROLE_AUDITOR,
  };
  char norm[32];
  snprintf(norm, sizeof(norm), "%s", s);
  for (char *p = norm; *p; p++)
    if (*p == '-') *p = '_';
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
    if (strcmp(norm, cli_role_name(roles[i])) == 0) {
      *out = roles[i];
      return true;
    }
  }
  return false;
}

bool cli_parse_office_kind(const char *s, Simpeg__V1__OfficeKind *out) {
  for (int k = SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_NATIONAL; k <= SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_UNIT; k++) {
    if (strcmp(s, cli_office_kind_name((Simpeg__V1__OfficeKind)k)) == 0) {
      *out = (Simpeg__V1__OfficeKind)k;
      return true;
    }
  }
  return false;
}

int cli_parse_uint(const char *arg, uint64_t max, uint64_t *out, const char *option, char *err, size_t errlen) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(arg, &end, 10);
  if (!*arg || *end || errno || arg[0] == '-' || v > max) {
    snprintf(err, errlen, _("%s expects a whole number from 0 to %llu, not \"%s\""), option, (unsigned long long)max,
             arg);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_parse_local_time(const char *arg, uint64_t *out_us, const char *option, char *err, size_t errlen) {
  static const char *const formats[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"};
  for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(arg, formats[i], &tm);
    if (!end || *end) continue;
    tm.tm_isdst = -1;
    int mday = tm.tm_mday, mon = tm.tm_mon;
    time_t t = mktime(&tm);
    /* mktime normalises 31 February into March: refuse what it had to move. */
    if (t == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon || t < 0) break;
    *out_us = (uint64_t)t * 1000000u;
    return 0;
  }
  snprintf(err, errlen, _("%s expects a date YYYY-MM-DD or a time YYYY-MM-DD HH:MM[:SS], not \"%s\""), option, arg);
  return -1;
}

int cli_admin_call(cli_ctx_t *ctx, Simpeg__V1__Request *req, int result_case, spc_sync_t **s,
                   Simpeg__V1__Response **resp) {
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, s);
  if (rc) return rc;
  rc = cli_call(ctx, *s, req, resp);
  if (rc) {
    spc_sync_close(*s);
    return rc;
  }
  if ((int)(*resp)->result_case != result_case) {
    spc_response_free(*resp);
    spc_sync_close(*s);
    return cli_fail(ctx, CLI_EXIT_OTHER, "SPC_EPROTO", "%s", _("the server answered with something else"));
  }
  return 0;
}

/* ---- columns ---- */

static char *clean(const char *s) {
  /* Control characters from the server never reach the terminal. */
  char *out = sp_xstrdup(s ? s : "");
  for (unsigned char *p = (unsigned char *)out; *p; p++)
    if (*p < 0x20 || *p == 0x7f) *p = '?';
  return out;
}

static size_t width(const char *s) {
  size_t n = mbstowcs(NULL, s, 0);
  if (n == (size_t)-1) return strlen(s);
  wchar_t *w = sp_xcalloc(n + 1, sizeof(*w));
  mbstowcs(w, s, n + 1);
  int cols = wcswidth(w, n);
  free(w);
  return cols < 0 ? n : (size_t)cols;
}

void cli_cols_init(cli_cols_t *c, size_t ncols, const char *const *headers) {
  memset(c, 0, sizeof(*c));
  c->ncols = ncols;
  cli_cols_add(c, headers);
}

void cli_cols_add(cli_cols_t *c, const char *const *values) {
  if (c->nrows == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 16;
    c->cells = sp_xrealloc(c->cells, c->cap * c->ncols * sizeof(*c->cells));
  }
  for (size_t i = 0; i < c->ncols; i++) c->cells[c->nrows * c->ncols + i] = clean(values[i]);
  c->nrows++;
}

void cli_cols_print(cli_cols_t *c, FILE *f) {
  size_t *w = sp_xcalloc(c->ncols, sizeof(*w));
  for (size_t r = 0; r < c->nrows; r++)
    for (size_t i = 0; i < c->ncols; i++) {
      size_t x = width(c->cells[r * c->ncols + i]);
      if (x > w[i]) w[i] = x;
    }
  for (size_t r = 0; r < c->nrows; r++) {
    for (size_t i = 0; i < c->ncols; i++) {
      const char *cell = c->cells[r * c->ncols + i];
      bool last = i + 1 == c->ncols;
      fprintf(f, "%s%*s", cell, last ? 0 : (int)(w[i] - width(cell) + 2), "");
      free(c->cells[r * c->ncols + i]);
    }
    fputc('\n', f);
  }
  free(w);
  free(c->cells);
  memset(c, 0, sizeof(*c));
}

/* ---- JSON ---- */

static const char *str(const char *s) { return s ? s : ""; }

void cli_json_user(json_out_t *j, const Simpeg__V1__User *u) {
  char when[64];
  json_begin_object(j);
  json_key(j, "username");
  json_string(j, str(u->username));
  json_key(j, "full_name");
  json_string(j, str(u->full_name));
  json_key(j, "role");
  json_string(j, cli_role_name(u->role));
  json_key(j, "office_code");
  json_string(j, str(u->office_code));
  json_key(j, "nip");
  if (u->nip && *u->nip)
    json_string(j, u->nip);
  else
    json_null(j);
  json_key(j, "disabled");
  json_bool(j, u->disabled);
  json_key(j, "created_at");
  cli_format_time_utc(when, sizeof(when), u->created_at_us);
  json_string(j, when);
  json_key(j, "last_login_at");
  if (u->last_login_at_us) {
    cli_format_time_utc(when, sizeof(when), u->last_login_at_us);
    json_string(j, when);
  } else {
    json_null(j);
  }
  json_key(j, "version");
  json_int(j, u->version);
  json_end_object(j);
}

void cli_json_office(json_out_t *j, const Simpeg__V1__Office *o) {
  json_begin_object(j);
  json_key(j, "code");
  json_string(j, str(o->code));
  json_key(j, "name");
  json_string(j, str(o->name));
  json_key(j, "kind");
  json_string(j, cli_office_kind_name(o->kind));
  json_key(j, "parent_code");
  if (o->parent_code && *o->parent_code)
    json_string(j, o->parent_code);
  else
    json_null(j);
  json_key(j, "valid_from");
  json_string(j, str(o->valid_from));
  json_key(j, "valid_to");
  if (o->valid_to && *o->valid_to)
    json_string(j, o->valid_to);
  else
    json_null(j);
  json_key(j, "path");
  json_begin_array(j);
  for (size_t i = 0; i < o->n_path; i++) json_string(j, o->path[i]);
  json_end_array(j);
  json_key(j, "version");
  json_int(j, o->version);
  json_end_object(j);
}
