/* config: table-driven simpegd settings (one row per key: where it lives,
 * its type and range, and whether SIGHUP may change it). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sp_ini.h"

typedef enum { K_STR, K_U64, K_BOOL, K_HOSTPORT, K_LEVEL, K_TLSVER } key_type_t;

typedef struct key_def {
  const char *section;
  const char *key;
  key_type_t type;
  size_t offset;
  size_t size; /* strings: capacity */
  uint64_t min, max;
  bool reloadable;
} key_def_t;

#define STR(s, k, f, r) {s, k, K_STR, offsetof(srv_config_t, f), sizeof(((srv_config_t *)0)->f), 0, 0, r}
#define U64(s, k, f, lo, hi, r) {s, k, K_U64, offsetof(srv_config_t, f), 0, lo, hi, r}
#define BOOL(s, k, f, r) {s, k, K_BOOL, offsetof(srv_config_t, f), 0, 0, 0, r}

static const key_def_t keys[] = {
    {"server", "listen", K_HOSTPORT, 0, 0, 0, 0, false},
    U64("server", "max_connections", max_connections, 1, 1000000, false),
    U64("server", "max_in_flight", max_in_flight, 1, 100000, true),
    U64("server", "max_frame", max_frame, 1024, 64u * 1024 * 1024, false),
    U64("server", "handshake_timeout_ms", handshake_timeout_ms, 100, 600000, true),
    U64("server", "idle_timeout_ms", idle_timeout_ms, 1000, 86400000, true),
    U64("server", "drain_timeout_ms", drain_timeout_ms, 0, 3600000, true),
    U64("server", "write_high_water", write_high_water, 4096, 1u << 30, true),
    STR("tls", "cert", tls_cert, true),
    STR("tls", "key", tls_key, true),
    STR("tls", "ca", tls_ca, true),
    STR("tls", "crl", tls_crl, true),
    {"tls", "min_version", K_TLSVER, offsetof(srv_config_t, tls_min_version), 0, 0, 0, true},
    BOOL("tls", "require_client_cert", tls_require_client_cert, true),
    STR("database", "conninfo", db_conninfo, false),
    U64("database", "pool_size", db_pool_size, 1, 256, false),
    U64("database", "max_queue", db_max_queue, 1, 10000000, false),
    U64("database", "connect_timeout_ms", db_connect_timeout_ms, 100, 600000, false),
    U64("database", "query_timeout_ms", db_query_timeout_ms, 100, 3600000, false),
    U64("database", "slow_ms", db_slow_ms, 0, 3600000, false),
    BOOL("database", "migrate_on_start", db_migrate_on_start, false),
    U64("auth", "session_lifetime_s", auth_session_lifetime_s, 1, 30 * 86400, true),
    U64("auth", "session_idle_s", auth_session_idle_s, 1, 86400, true),
    U64("auth", "session_recheck_s", auth_session_recheck_s, 0, 3600, true),
    U64("auth", "throttle_base_ms", auth_throttle_base_ms, 1, 60000, true),
    U64("auth", "throttle_addr_failures", auth_throttle_addr_failures, 0, 1000000, true),
    U64("documents", "max_bytes", doc_max_bytes, 1, 256u * 1024 * 1024, true),
    U64("documents", "max_pending_bytes", doc_max_pending_bytes, 1024 * 1024, 1ull << 40, true),
    U64("documents", "upload_idle_s", doc_upload_idle_s, 1, 86400, true),
    BOOL("search", "name_index", search_name_index, false),
    U64("search", "name_refresh_ms", search_name_refresh_ms, 10, 3600000, false),
    {"log", "level", K_LEVEL, offsetof(srv_config_t, log_level), 0, 0, 0, true},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void srv_config_defaults(srv_config_t *c) {
  memset(c, 0, sizeof(*c));
  strcpy(c->listen_host, "127.0.0.1");
  c->listen_port = 7443;
  c->max_connections = 10000;
  c->max_in_flight = 128;
  c->max_frame = 4u * 1024 * 1024;
  c->handshake_timeout_ms = 10000;
  c->idle_timeout_ms = 300000;
  c->drain_timeout_ms = 15000;
  c->write_high_water = 4u * 1024 * 1024;
  c->tls_min_version = 13;
  strcpy(c->db_conninfo, "host=127.0.0.1 hostaddr=127.0.0.1 port=5432 dbname=simpeg user=simpeg");
  c->db_pool_size = 4;
  c->db_max_queue = 10000;
  c->db_connect_timeout_ms = 5000;
  c->db_query_timeout_ms = 30000;
  c->db_slow_ms = 1000;
  c->auth_session_lifetime_s = 43200;
  c->auth_session_idle_s = 1800;
  c->auth_session_recheck_s = 30;
  c->auth_throttle_base_ms = 1000;
  c->auth_throttle_addr_failures = 50;
  c->doc_max_bytes = 10u * 1024 * 1024;
  c->doc_max_pending_bytes = 256u * 1024 * 1024;
  c->doc_upload_idle_s = 60;
  c->search_name_index = true;
  c->search_name_refresh_ms = 1000;
  c->log_level = SP_LOG_INFO;
}

typedef struct load_ctx {
  srv_config_t *c;
  char *err;
  size_t errlen;
  const char *origin; /* file name or "--set" */
} load_ctx_t;

static int set_key(load_ctx_t *lc, const char *section, const char *key, const char *value, int line) {
  char where[64] = "";
  if (line > 0) snprintf(where, sizeof(where), "line %d: ", line);
  for (size_t i = 0; i < NKEYS; i++) {
    const key_def_t *k = &keys[i];
    if (strcmp(k->section, section) != 0 || strcmp(k->key, key) != 0) continue;
    char *field = (char *)lc->c + k->offset;
    switch (k->type) {
      case K_STR:
        if (strlen(value) >= k->size) {
          snprintf(lc->err, lc->errlen, "%s: %s%s.%s: value is too long", lc->origin, where, section, key);
          return -EINVAL;
        }
        strcpy(field, value);
        return 0;
      case K_U64:
        if (!sp_parse_u64(value, k->min, k->max, (uint64_t *)field)) {
          snprintf(lc->err, lc->errlen, "%s: %s%s.%s: expected a whole number from %llu to %llu, got '%s'",
                   lc->origin, where, section, key, (unsigned long long)k->min, (unsigned long long)k->max,
                   value);
          return -EINVAL;
        }
        return 0;
      case K_BOOL:
        if (!sp_parse_bool(value, (bool *)field)) {
          snprintf(lc->err, lc->errlen, "%s: %s%s.%s: expected true or false, got '%s'", lc->origin, where,
                   section, key, value);
          return -EINVAL;
        }
        return 0;
      case K_HOSTPORT:
        if (!sp_parse_hostport(value, lc->c->listen_host, sizeof(lc->c->listen_host), &lc->c->listen_port)) {
          snprintf(lc->err, lc->errlen, "%s: %s%s.%s: expected HOST:PORT (e.g. 0.0.0.0:7443 or [::]:7443), got '%s'",
                   lc->origin, where, section, key, value);
          return -EINVAL;
        }
        return 0;
      case K_LEVEL:
        if (!sp_log_parse_level(value, (sp_log_level_t *)field)) {
          snprintf(lc->err, lc->errlen, "%s: %s%s.%s: expected debug, info, notice, warning or error, got '%s'",
                   lc->origin, where, section, key, value);
          return -EINVAL;
        }
        return 0;
      case K_TLSVER:
        if (strcmp(value, "1.3") == 0) {
          *(uint64_t *)field = 13;
        } else if (strcmp(value, "1.2") == 0) {
          *(uint64_t *)field = 12;
        } else {
          snprintf(lc->err, lc->errlen, "%s: %s%s.%s: expected 1.3 or 1.2, got '%s'", lc->origin, where, section,
                   key, value);
          return -EINVAL;
        }
        return 0;
    }
  }
  snprintf(lc->err, lc->errlen, "%s: %sunknown key '%s%s%s'", lc->origin, where, section, *section ? "." : "", key);
  return -EINVAL;
}

static int ini_cb(void *ud, const char *section, const char *key, const char *value, int line) {
  return set_key(ud, section, key, value, line);
}

int srv_config_load(srv_config_t *c, const char *path, const char *const *overrides, size_t n_overrides,
                    char *err, size_t errlen) {
  load_ctx_t lc = {c, err, errlen, path};
  if (path) {
    char inner[512] = "";
    lc.err = inner;
    lc.errlen = sizeof(inner);
    int rc = sp_ini_parse_file(path, ini_cb, &lc, err, errlen);
    if (rc < 0) {
      /* A key-table error has its own message; a syntax error has sp_ini's. */
      if (inner[0]) snprintf(err, errlen, "%s", inner);
      return rc;
    }
    lc.err = err;
    lc.errlen = errlen;
  }
  lc.origin = "command line";
  for (size_t i = 0; i < n_overrides; i++) {
    char buf[2400];
    if (strlen(overrides[i]) >= sizeof(buf)) {
      snprintf(err, errlen, "command line: override is too long");
      return -EINVAL;
    }
    strcpy(buf, overrides[i]);
    char *eq = strchr(buf, '=');
    char *dot = strchr(buf, '.');
    if (!eq || !dot || dot > eq) {
      snprintf(err, errlen, "command line: --set expects section.key=value, got '%s'", overrides[i]);
      return -EINVAL;
    }
    *eq = '\0';
    *dot = '\0';
    int rc = set_key(&lc, buf, dot + 1, eq + 1, 0);
    if (rc < 0) return rc;
  }
  return 0;
}

int srv_config_validate(const srv_config_t *c, char *err, size_t errlen) {
  if (!c->tls_cert[0] || !c->tls_key[0]) {
    snprintf(err, errlen, "tls.cert and tls.key are required: simpegd only speaks TLS");
    return -EINVAL;
  }
  if (c->tls_require_client_cert && !c->tls_ca[0]) {
    snprintf(err, errlen, "tls.require_client_cert needs tls.ca (the CA that signs branch certificates)");
    return -EINVAL;
  }
  if (!c->db_conninfo[0]) {
    snprintf(err, errlen, "database.conninfo is required");
    return -EINVAL;
  }
  if (c->max_frame > UINT32_MAX) {
    snprintf(err, errlen, "server.max_frame is too large");
    return -EINVAL;
  }
  return 0;
}

static void format_value(const srv_config_t *c, const key_def_t *k, char *out, size_t cap) {
  const char *field = (const char *)c + k->offset;
  switch (k->type) {
    case K_STR:
      snprintf(out, cap, "%s", field);
      break;
    case K_U64:
      snprintf(out, cap, "%llu", (unsigned long long)*(const uint64_t *)field);
      break;
    case K_BOOL:
      snprintf(out, cap, "%s", *(const bool *)field ? "true" : "false");
      break;
    case K_HOSTPORT:
      snprintf(out, cap, strchr(c->listen_host, ':') ? "[%s]:%u" : "%s:%u", c->listen_host, c->listen_port);
      break;
    case K_LEVEL: {
      static const char *names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
      snprintf(out, cap, "%s", names[*(const sp_log_level_t *)field]);
      break;
    }
    case K_TLSVER:
      snprintf(out, cap, "%s", *(const uint64_t *)field == 12 ? "1.2" : "1.3");
      break;
  }
}

/* Masks password=... in a conninfo so dumps and logs never show it. */
static void mask_password(char *s) {
  char *p = strstr(s, "password=");
  if (!p) return;
  p += strlen("password=");
  char *e = p;
  while (*e && *e != ' ') e++;
  memmove(p + 3, e, strlen(e) + 1);
  memcpy(p, "***", 3);
}

void srv_config_warn_restart_needed(const srv_config_t *old, const srv_config_t *neu) {
  for (size_t i = 0; i < NKEYS; i++) {
    if (keys[i].reloadable) continue;
    char a[2400], b[2400];
    format_value(old, &keys[i], a, sizeof(a));
    format_value(neu, &keys[i], b, sizeof(b));
    if (strcmp(a, b) != 0)
      sp_log_warning("reload: %s.%s changed but takes effect only after a restart", keys[i].section, keys[i].key);
  }
}

void srv_config_dump(const srv_config_t *c) {
  const char *section = "";
  for (size_t i = 0; i < NKEYS; i++) {
    if (strcmp(section, keys[i].section) != 0) {
      section = keys[i].section;
      printf("%s[%s]\n", i ? "\n" : "", section);
    }
    char v[2400];
    format_value(c, &keys[i], v, sizeof(v));
    if (strcmp(keys[i].key, "conninfo") == 0) mask_password(v);
    printf("%s = %s\n", keys[i].key, v);
  }
}
