/* cli_common: what every command of `simpeg` needs: resolved settings, a
 * connection, one request with error reporting, the mapping from errors to
 * exit codes, and aligned label/value output. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "cli.h"
#include "session_store.h"
#include "sp_buf.h"
#include "sp_config.h"

int cli_resolve(cli_ctx_t *ctx) {
  if (ctx->resolved) return 0;
  cli_settings_t file;
  memset(&file, 0, sizeof(file));
  char path[4096];
  bool must_exist = ctx->config_path != NULL;
  if (ctx->config_path)
    snprintf(path, sizeof(path), "%s", ctx->config_path);
  else
    cli_config_default_path(path, sizeof(path));
  char err[1024];
  if (path[0] && cli_config_load(path, must_exist, &file, ctx->err, err, sizeof(err)) < 0) {
    fprintf(ctx->err, "simpeg: %s\n", err);
    cli_settings_free(&file);
    return CLI_EXIT_USAGE;
  }
  cli_settings_merge(&ctx->settings, &file, &ctx->flags);
  cli_settings_free(&file);
  ctx->resolved = true;
  return 0;
}

int cli_exit_code_for(int spc_code) {
  switch (spc_code) {
  case SPC_OK:
    return CLI_EXIT_OK;
  case SPC_EINVAL:
  case SPC_ETLSCONFIG:
    return CLI_EXIT_USAGE;
  case SPC_EDNS:
  case SPC_ECONNECT:
  case SPC_ETLS:
  case SPC_ECONNTIMEOUT:
  case SPC_ECLOSED:
    return CLI_EXIT_CONN;
  case SPC_ESERVER:
    return CLI_EXIT_SERVER;
  default:
    return CLI_EXIT_OTHER;
  }
}

void cli_json_error(json_out_t *j, const spc_error_t *err, const char *text) {
  json_key(j, "code");
  json_string(j, spc_code_name(err->code));
  json_key(j, "message");
  json_string(j, text);
  if (err->detail[0]) {
    json_key(j, "detail");
    json_string(j, err->detail);
  }
  if (err->server_addr[0]) {
    json_key(j, "server");
    json_string(j, err->server_addr);
  }
  if (err->code == SPC_ESERVER && err->server) {
    const Simpeg__V1__Error *se = err->server;
    json_key(j, "server_code");
    json_string(j, spc_server_code_name(se->code));
    json_key(j, "reason");
    json_string(j, se->reason ? se->reason : "");
    json_key(j, "violations");
    json_begin_array(j);
    for (size_t i = 0; i < se->n_violations; i++) {
      json_begin_object(j);
      json_key(j, "field");
      json_string(j, se->violations[i]->field);
      json_key(j, "reason");
      json_string(j, se->violations[i]->reason);
      json_end_object(j);
    }
    json_end_array(j);
  }
}

/* The error in words, plus an optional hint line of the client's own. */
static int report_error(cli_ctx_t *ctx, const spc_error_t *err, const char *hint) {
  char *text = spc_error_text(err);
  if (hint) {
    size_t n = strlen(text), h = strlen(hint);
    text = sp_xrealloc(text, n + h + 2);
    text[n] = '\n';
    memcpy(text + n + 1, hint, h + 1);
  }
  fprintf(ctx->err, "simpeg: %s\n", text);
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "error");
    json_begin_object(&j);
    cli_json_error(&j, err, text);
    json_end_object(&j);
    json_end_object(&j);
    json_finish(&j);
  }
  free(text);
  return cli_exit_code_for(err->code);
}

int cli_report_error(cli_ctx_t *ctx, const spc_error_t *err) { return report_error(ctx, err, NULL); }

int cli_report_error_hint(cli_ctx_t *ctx, const spc_error_t *err, const char *hint) {
  return report_error(ctx, err, hint);
}

int cli_fail(cli_ctx_t *ctx, int exit_code, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *text = sp_xmalloc(n > 0 ? (size_t)n + 1 : 1);
  text[0] = '\0';
  va_start(ap, fmt);
  if (n > 0) vsnprintf(text, (size_t)n + 1, fmt, ap);
  va_end(ap);
  fprintf(ctx->err, "simpeg: %s\n", text);
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "error");
    json_begin_object(&j);
    json_key(&j, "code");
    json_string(&j, code);
    json_key(&j, "message");
    json_string(&j, text);
    json_end_object(&j);
    json_end_object(&j);
    json_finish(&j);
  }
  free(text);
  return exit_code;
}

void cli_ctx_free(cli_ctx_t *ctx) {
  cli_settings_free(&ctx->flags);
  cli_settings_free(&ctx->settings);
  explicit_bzero(&ctx->session, sizeof(ctx->session));
}

int cli_require_server(cli_ctx_t *ctx) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  if (ctx->settings.server) return 0;
  fprintf(ctx->err, "simpeg: %s\n",
          _("no server given: use --server HOST:PORT or set \"server\" in the [client] section of "
            "the configuration file"));
  return CLI_EXIT_USAGE;
}

int cli_connect(cli_ctx_t *ctx, spc_sync_t **out) {
  int rc = cli_require_server(ctx);
  if (rc) return rc;
  const cli_settings_t *s = &ctx->settings;
  if ((s->cert == NULL) != (s->key == NULL)) {
    fprintf(ctx->err, "simpeg: %s\n", _("--cert and --key must be given together"));
    return CLI_EXIT_USAGE;
  }
  spc_options_t opt;
  spc_options_init(&opt);
  opt.server = s->server;
  opt.ca_file = s->ca;
  opt.cert_file = s->cert;
  opt.key_file = s->key;
  opt.server_name = s->server_name;
  opt.connect_timeout_ms = s->timeout_ms;
  opt.request_timeout_ms = s->timeout_ms;
  opt.client_name = "simpeg";
  opt.client_version = SIMPEG_VERSION;
  spc_error_t err;
  *out = spc_sync_open(&opt, &err);
  if (!*out) return cli_report_error(ctx, &err);
  return 0;
}

int cli_call(cli_ctx_t *ctx, spc_sync_t *s, Simpeg__V1__Request *req, Simpeg__V1__Response **resp) {
  spc_error_t err;
  int rc = spc_sync_call(s, req, resp, &err);
  if (rc == 0) return 0;
  int code;
  if (ctx->session.signed_in && cli_session_ended(&err)) {
    /* Expired or revoked while we were using it: the stored token is useless now. */
    cli_session_forget(ctx);
    code = report_error(ctx, &err, _("The saved session was removed. Sign in again with 'simpeg login'."));
  } else {
    code = cli_report_error(ctx, &err);
  }
  spc_response_free(*resp);
  *resp = NULL;
  return code;
}

/* ---- sessions ---- */

bool cli_session_ended(const spc_error_t *err) {
  if (err->code != SPC_ESERVER || !err->server) return false;
  if (err->server->code != SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED) return false;
  /* A wrong (old) password is not the session's fault. */
  return !(err->server->reason && strcmp(err->server->reason, "bad_credentials") == 0);
}

int cli_session_load(cli_ctx_t *ctx, cli_auth_t auth) {
  int rc = cli_require_server(ctx);
  if (rc) return rc;
  explicit_bzero(&ctx->session, sizeof(ctx->session));
  const char *server = ctx->settings.server;
  char stored[SESSION_SERVER_MAX], err[1024];
  int r = session_store_load(server, ctx->session.token, sizeof(ctx->session.token), stored, sizeof(stored), err,
                             sizeof(err));
  if (r == SESSION_STORE_ERROR) return cli_fail(ctx, CLI_EXIT_USAGE, "SESSION_FILE", "%s", err);
  if (r == SESSION_STORE_OK || auth == CLI_AUTH_OPTIONAL) return 0;
  if (stored[0])
    return cli_fail(ctx, CLI_EXIT_SERVER, "NOT_SIGNED_IN",
                    _("you are not signed in to %s (the saved session is for %s); sign in with 'simpeg login'"),
                    server, stored);
  return cli_fail(ctx, CLI_EXIT_SERVER, "NOT_SIGNED_IN", _("you are not signed in to %s; sign in with 'simpeg login'"),
                  server);
}

int cli_session_save(cli_ctx_t *ctx, const char *token) {
  char err[1024];
  if (session_store_save(ctx->settings.server, token, err, sizeof(err)) != SESSION_STORE_OK)
    return cli_fail(ctx, CLI_EXIT_OTHER, "SESSION_FILE", "%s", err);
  snprintf(ctx->session.token, sizeof(ctx->session.token), "%s", token);
  return 0;
}

bool cli_session_forget(cli_ctx_t *ctx) {
  bool removed = false;
  if (ctx->session.token[0] && ctx->settings.server) {
    char err[1024];
    int r = session_store_remove(ctx->settings.server, ctx->session.token, err, sizeof(err));
    if (r == SESSION_STORE_ERROR) fprintf(ctx->err, "simpeg: %s\n", err);
    removed = r == SESSION_STORE_OK;
  }
  explicit_bzero(&ctx->session, sizeof(ctx->session));
  return removed;
}

int cli_session_authenticate(cli_ctx_t *ctx, spc_sync_t *s, Simpeg__V1__Response **resp, spc_error_t *err) {
  Simpeg__V1__Authenticate a = SIMPEG__V1__AUTHENTICATE__INIT;
  a.token = ctx->session.token;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_AUTHENTICATE;
  req.authenticate = &a;
  int r = spc_sync_call(s, &req, resp, err);
  if (r != 0) return r;
  const Simpeg__V1__AuthenticateReply *ar = (*resp)->authenticate;
  if ((*resp)->result_case != SIMPEG__V1__RESPONSE__RESULT_AUTHENTICATE || !ar) {
    memset(err, 0, sizeof(*err));
    err->code = SPC_EPROTO;
    snprintf(err->detail, sizeof(err->detail), "unexpected answer to Authenticate");
    snprintf(err->server_addr, sizeof(err->server_addr), "%s", ctx->settings.server);
    return SPC_EPROTO;
  }
  cli_session_t *se = &ctx->session;
  se->signed_in = true;
  se->expires_at_us = ar->expires_at_us;
  if (ar->user) {
    snprintf(se->username, sizeof(se->username), "%s", ar->user->username ? ar->user->username : "");
    snprintf(se->office_code, sizeof(se->office_code), "%s", ar->user->office_code ? ar->user->office_code : "");
    se->role = ar->user->role;
  }
  return 0;
}

int cli_connect_session(cli_ctx_t *ctx, cli_auth_t auth, spc_sync_t **out) {
  *out = NULL;
  int rc = cli_session_load(ctx, auth);
  if (rc) return rc;
  spc_sync_t *s;
  rc = cli_connect(ctx, &s);
  if (rc) return rc;
  if (!ctx->session.token[0]) { /* CLI_AUTH_OPTIONAL without a session: anonymous */
    *out = s;
    return 0;
  }
  Simpeg__V1__Response *resp = NULL;
  spc_error_t err;
  int r = cli_session_authenticate(ctx, s, &resp, &err);
  if (r == 0) {
    /* signed in */
  } else if (cli_session_ended(&err)) {
    cli_session_forget(ctx);
    if (auth == CLI_AUTH_REQUIRED) {
      rc = report_error(ctx, &err, _("The saved session was removed. Sign in again with 'simpeg login'."));
    } else {
      fprintf(ctx->err, "simpeg: %s\n",
              _("the saved session has ended and was removed; going on without signing in"));
    }
  } else {
    rc = cli_report_error(ctx, &err);
  }
  spc_response_free(resp);
  if (rc) {
    spc_sync_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* ---- words for roles, office kinds and instants ---- */

static const struct {
  Simpeg__V1__Role role;
  const char *name;
  const char *label;
} roles[] = {
    {SIMPEG__V1__ROLE__ROLE_EMPLOYEE, "employee", N_("Employee")},
    {SIMPEG__V1__ROLE__ROLE_SUPERVISOR, "supervisor", N_("Supervisor")},
    {SIMPEG__V1__ROLE__ROLE_HR_OFFICER, "hr_officer", N_("HR officer")},
    {SIMPEG__V1__ROLE__ROLE_REGIONAL_ADMIN, "regional_admin", N_("Regional administrator")},
    {SIMPEG__V1__ROLE__ROLE_SYSTEM_ADMIN, "system_admin", N_("System administrator")},
    {SIMPEG__V1__ROLE__ROLE_AUDITOR, "auditor", N_("Auditor")},
};

const char *cli_role_name(Simpeg__V1__Role role) {
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
    if (roles[i].role == role) return roles[i].name;
  return "unspecified";
}

const char *cli_role_label(Simpeg__V1__Role role) {
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
    if (roles[i].role == role) return _(roles[i].label);
  /* TRANSLATORS: a role this client version does not know. */
  return _("unknown role");
}

static const struct {
  Simpeg__V1__OfficeKind kind;
  const char *name;
  const char *label;
} office_kinds[] = {
    {SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_NATIONAL, "national", N_("National")},
    {SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_PROVINCE, "province", N_("Province")},
    {SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_CITY, "city", N_("City")},
    {SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_REGENCY, "regency", N_("Regency")},
    /* TRANSLATORS: a regional government agency (OPD: dinas, badan, sekretariat). */
    {SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_AGENCY, "agency", N_("Regional agency")},
    /* TRANSLATORS: a unit inside an agency (bidang, UPT, puskesmas, school). */
    {SIMPEG__V1__OFFICE_KIND__OFFICE_KIND_UNIT, "unit", N_("Work unit")},
};

const char *cli_office_kind_name(Simpeg__V1__OfficeKind kind) {
  for (size_t i = 0; i < sizeof(office_kinds) / sizeof(office_kinds[0]); i++)
    if (office_kinds[i].kind == kind) return office_kinds[i].name;
  return "unspecified";
}

const char *cli_office_kind_label(Simpeg__V1__OfficeKind kind) {
  for (size_t i = 0; i < sizeof(office_kinds) / sizeof(office_kinds[0]); i++)
    if (office_kinds[i].kind == kind) return _(office_kinds[i].label);
  /* TRANSLATORS: an office kind this client version does not know. */
  return _("unknown kind");
}

void cli_format_time(char *out, size_t cap, uint64_t us) {
  time_t t = (time_t)(us / 1000000);
  struct tm tm;
  if (us == 0 || !localtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
    snprintf(out, cap, "-");
}

void cli_format_time_utc(char *out, size_t cap, uint64_t us) {
  time_t t = (time_t)(us / 1000000);
  struct tm tm;
  if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) snprintf(out, cap, "-");
}

/* ---- tables ---- */

/* Copies a value, replacing control characters (a server could otherwise
 * send terminal escape sequences) and invalid multibyte sequences. */
static char *sanitize(const char *s) {
  size_t n = strlen(s);
  char *out = sp_xmalloc(n + 1);
  mbstate_t st;
  memset(&st, 0, sizeof(st));
  size_t i = 0, o = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[o++] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
      i++;
      continue;
    }
    wchar_t wc;
    size_t len = mbrtowc(&wc, s + i, n - i, &st);
    if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
      memset(&st, 0, sizeof(st));
      out[o++] = '?';
      i++;
      continue;
    }
    memcpy(out + o, s + i, len);
    o += len;
    i += len;
  }
  out[o] = '\0';
  return out;
}

void cli_table_add(cli_table_t *t, const char *label, const char *fmt, ...) {
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 16;
    t->rows = sp_xrealloc(t->rows, t->cap * sizeof(*t->rows));
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *raw = sp_xmalloc(n > 0 ? (size_t)n + 1 : 1);
  raw[0] = '\0';
  va_start(ap, fmt);
  if (n > 0) vsnprintf(raw, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->rows[t->n].label = sp_xstrdup(label);
  t->rows[t->n].value = sanitize(raw);
  free(raw);
  t->n++;
}

/* Columns a string takes on a terminal; bytes when it is not valid in the
 * locale's encoding. */
static size_t display_width(const char *s) {
  size_t n = mbstowcs(NULL, s, 0);
  if (n == (size_t)-1) return strlen(s);
  wchar_t *w = sp_xcalloc(n + 1, sizeof(*w));
  mbstowcs(w, s, n + 1);
  int width = wcswidth(w, n);
  free(w);
  return width < 0 ? n : (size_t)width;
}

void cli_table_print(cli_table_t *t, FILE *f) {
  size_t widest = 0;
  for (size_t i = 0; i < t->n; i++) {
    size_t w = display_width(t->rows[i].label);
    if (w > widest) widest = w;
  }
  for (size_t i = 0; i < t->n; i++) {
    size_t w = display_width(t->rows[i].label);
    fprintf(f, "%s:%*s %s\n", t->rows[i].label, (int)(widest - w), "", t->rows[i].value);
    free(t->rows[i].label);
    free(t->rows[i].value);
  }
  free(t->rows);
  memset(t, 0, sizeof(*t));
}

void cli_format_ms(char *out, size_t cap, uint64_t us) {
  /* %f follows LC_NUMERIC, so Indonesian gets a decimal comma. */
  snprintf(out, cap, "%.3f", (double)us / 1000.0);
}

void cli_format_duration(char *out, size_t cap, uint64_t seconds) {
  uint64_t days = seconds / 86400;
  unsigned h = (unsigned)(seconds % 86400 / 3600), m = (unsigned)(seconds % 3600 / 60),
           s = (unsigned)(seconds % 60);
  if (days > 0) {
    /* TRANSLATORS: uptime, e.g. "3 days 04:05:06". */
    snprintf(out, cap, ngettext("%llu day %02u:%02u:%02u", "%llu days %02u:%02u:%02u", (unsigned long)days),
             (unsigned long long)days, h, m, s);
  } else {
    snprintf(out, cap, "%02u:%02u:%02u", h, m, s);
  }
}
