/* cli_common: what every command of `simpeg` needs: resolved settings, a
 * connection, one request with error reporting, the mapping from errors to
 * exit codes, and aligned label/value output. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"
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

int cli_report_error(cli_ctx_t *ctx, const spc_error_t *err) {
  char *text = spc_error_text(err);
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

int cli_connect(cli_ctx_t *ctx, spc_sync_t **out) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  const cli_settings_t *s = &ctx->settings;
  if (!s->server) {
    fprintf(ctx->err, "simpeg: %s\n",
            _("no server given: use --server HOST:PORT or set \"server\" in the [client] section of "
              "the configuration file"));
    return CLI_EXIT_USAGE;
  }
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
  int code = cli_report_error(ctx, &err);
  spc_response_free(*resp);
  *resp = NULL;
  return code;
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
