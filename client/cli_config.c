/* cli_config: the CLI's settings, where they come from and which wins.
 *
 * Three layers: built-in defaults < config file ([client] section) <
 * command-line flags. One key table validates values for both the file
 * and the flags, so "timeout_ms = abc" and "--timeout abc" fail alike. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sp_buf.h"
#include "sp_ini.h"

void cli_settings_free(cli_settings_t *s) {
  free(s->server);
  free(s->ca);
  free(s->cert);
  free(s->key);
  free(s->server_name);
  memset(s, 0, sizeof(*s));
}

static void set_str(char **dst, const char *v) {
  free(*dst);
  *dst = sp_xstrdup(v);
}

int cli_settings_set(cli_settings_t *s, const char *key, const char *value, char *err, size_t errlen) {
  if (strcmp(key, "server") == 0) {
    char host[256];
    uint16_t port;
    if (!sp_parse_hostport(value, host, sizeof(host), &port) || host[0] == '\0') {
      snprintf(err, errlen, _("invalid server address \"%s\": use HOST:PORT or [IPv6-address]:PORT"), value);
      return -EINVAL;
    }
    set_str(&s->server, value);
  } else if (strcmp(key, "ca") == 0) {
    set_str(&s->ca, value);
  } else if (strcmp(key, "cert") == 0) {
    set_str(&s->cert, value);
  } else if (strcmp(key, "key") == 0) {
    set_str(&s->key, value);
  } else if (strcmp(key, "server_name") == 0) {
    if (!*value) {
      snprintf(err, errlen, "%s", _("the server name must not be empty"));
      return -EINVAL;
    }
    set_str(&s->server_name, value);
  } else if (strcmp(key, "timeout_ms") == 0) {
    uint64_t v;
    if (!sp_parse_u64(value, 1, 3600000, &v)) {
      snprintf(err, errlen, _("invalid time-out \"%s\": give milliseconds from 1 to 3600000"), value);
      return -EINVAL;
    }
    s->timeout_ms = (uint32_t)v;
  } else if (strcmp(key, "output") == 0) {
    if (strcmp(value, "table") == 0) {
      s->output = CLI_OUTPUT_TABLE;
    } else if (strcmp(value, "json") == 0) {
      s->output = CLI_OUTPUT_JSON;
    } else {
      snprintf(err, errlen, _("invalid output format \"%s\": use table or json"), value);
      return -EINVAL;
    }
  } else {
    return -ENOENT;
  }
  return 0;
}

static void merge_str(char **dst, const char *a, const char *b) {
  const char *v = b ? b : a;
  *dst = v ? sp_xstrdup(v) : NULL;
}

void cli_settings_merge(cli_settings_t *out, const cli_settings_t *file, const cli_settings_t *flags) {
  memset(out, 0, sizeof(*out));
  merge_str(&out->server, file->server, flags->server);
  merge_str(&out->ca, file->ca, flags->ca);
  merge_str(&out->cert, file->cert, flags->cert);
  merge_str(&out->key, file->key, flags->key);
  merge_str(&out->server_name, file->server_name, flags->server_name);
  out->timeout_ms = flags->timeout_ms  ? flags->timeout_ms
                    : file->timeout_ms ? file->timeout_ms
                                       : CLI_DEFAULT_TIMEOUT_MS;
  out->output = flags->output  ? flags->output
                : file->output ? file->output
                               : CLI_OUTPUT_TABLE;
}

void cli_config_default_path(char *out, size_t cap) {
  const char *xdg = getenv("XDG_CONFIG_HOME");
  const char *home = getenv("HOME");
  /* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
  if (xdg && xdg[0] == '/')
    snprintf(out, cap, "%s/simpeg/config.ini", xdg);
  else if (home && *home)
    snprintf(out, cap, "%s/.config/simpeg/config.ini", home);
  else if (cap)
    out[0] = '\0';
}

typedef struct config_parse {
  cli_settings_t *layer;
  const char *path;
  char dir[4096]; /* the file's directory, for relative names */
  FILE *warn;
  char *err;
  size_t errlen;
} config_parse_t;

/* "certs/ca.pem" in /etc/x/config.ini means /etc/x/certs/ca.pem; "~/" is
 * the home directory. False when the result does not fit. */
static bool resolve_path(const config_parse_t *p, const char *v, char *out, size_t cap) {
  const char *home = getenv("HOME");
  int n;
  if (v[0] == '~' && v[1] == '/' && home)
    n = snprintf(out, cap, "%s/%s", home, v + 2);
  else if (v[0] == '/' || p->dir[0] == '\0')
    n = snprintf(out, cap, "%s", v);
  else
    n = snprintf(out, cap, "%s/%s", p->dir, v);
  return n >= 0 && (size_t)n < cap;
}

static int on_config_key(void *ud, const char *section, const char *key, const char *value, int line) {
  config_parse_t *p = ud;
  if (strcmp(section, "client") != 0) return 0; /* other programs' sections */
  char path[4096];
  if ((strcmp(key, "ca") == 0 || strcmp(key, "cert") == 0 || strcmp(key, "key") == 0) && *value) {
    if (!resolve_path(p, value, path, sizeof(path))) {
      snprintf(p->err, p->errlen, _("%s:%d: file name too long"), p->path, line);
      return -EINVAL;
    }
    value = path;
  }
  char msg[512];
  int rc = cli_settings_set(p->layer, key, value, msg, sizeof(msg));
  if (rc == -ENOENT) {
    if (p->warn)
      fprintf(p->warn, _("simpeg: %s:%d: unknown key \"%s\" in [client] (ignored)\n"), p->path, line, key);
    return 0;
  }
  if (rc < 0) {
    snprintf(p->err, p->errlen, "%s:%d: %s", p->path, line, msg);
    return -EINVAL;
  }
  return 0;
}

int cli_config_load(const char *path, bool must_exist, cli_settings_t *layer, FILE *warn, char *err,
                    size_t errlen) {
  config_parse_t p;
  memset(&p, 0, sizeof(p));
  if (errlen) err[0] = '\0';
  p.layer = layer;
  p.path = path;
  p.warn = warn;
  p.err = err;
  p.errlen = errlen;
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t n = (size_t)(slash - path);
    if (n == 0) n = 1; /* "/config.ini" lives in "/" */
    if (n < sizeof(p.dir)) {
      memcpy(p.dir, path, n);
      p.dir[n] = '\0';
    }
  }
  char ini_err[512] = "";
  int rc = sp_ini_parse_file(path, on_config_key, &p, ini_err, sizeof(ini_err));
  if (rc == -ENOENT && !must_exist) return 0;
  if (rc == -EINVAL && err[0] != '\0') return -1; /* our own message from on_config_key */
  if (rc < 0) {
    snprintf(err, errlen, _("cannot read configuration file: %s"), ini_err);
    return -1;
  }
  return 0;
}
