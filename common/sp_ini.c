/* sp_ini: INI tokenizer and the value parsers used by config key tables. */
#include "sp_ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sp_buf.h"

#define INI_MAX_LINE 4096
#define INI_MAX_FILE (1024 * 1024)

static char *trim(char *s) {
  while (*s && isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

int sp_ini_parse_string(const char *text, size_t len, sp_ini_cb cb, void *ud, char *err, size_t errlen) {
  char section[256] = "";
  char line[INI_MAX_LINE + 1];
  size_t pos = 0;
  int lineno = 0;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* UTF-8 BOM */
  while (pos < len) {
    lineno++;
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
    if (n > INI_MAX_LINE) {
      snprintf(err, errlen, "line %d: line is longer than %d bytes", lineno, INI_MAX_LINE);
      return -EINVAL;
    }
    memcpy(line, text + pos, n);
    line[n] = '\0';
    pos += n + (nl ? 1 : 0);
    if (memchr(line, '\0', n)) {
      snprintf(err, errlen, "line %d: contains a NUL byte", lineno);
      return -EINVAL;
    }
    char *s = trim(line);
    if (*s == '\0' || *s == '#' || *s == ';') continue;
    if (*s == '[') {
      char *close = strchr(s, ']');
      if (!close || close[1] != '\0') {
        snprintf(err, errlen, "line %d: section header must look like [name]", lineno);
        return -EINVAL;
      }
      *close = '\0';
      char *name = trim(s + 1);
      if (*name == '\0' || strlen(name) >= sizeof(section)) {
        snprintf(err, errlen, "line %d: bad section name", lineno);
        return -EINVAL;
      }
      strcpy(section, name);
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
      snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
      return -EINVAL;
    }
    *eq = '\0';
    char *key = trim(s);
    char *value = trim(eq + 1);
    if (*key == '\0') {
      snprintf(err, errlen, "line %d: missing key before '='", lineno);
      return -EINVAL;
    }
    size_t vl = strlen(value);
    if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
      value[vl - 1] = '\0';
      value++;
    }
    int rc = cb(ud, section, key, value, lineno);
    if (rc < 0) return rc;
  }
  return 0;
}

int sp_ini_parse_file(const char *path, sp_ini_cb cb, void *ud, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return -e;
  }
  sp_buf_t b;
  sp_buf_init(&b, INI_MAX_FILE);
  int rc = 0;
  for (;;) {
    uint8_t *room = sp_buf_reserve(&b, 8192);
    if (!room) {
      snprintf(err, errlen, "%s: file is larger than %d bytes", path, INI_MAX_FILE);
      rc = -EFBIG;
      break;
    }
    size_t n = fread(room, 1, 8192, f);
    sp_buf_commit(&b, n);
    if (n < 8192) {
      if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -EIO;
      }
      break;
    }
  }
  fclose(f);
  if (rc == 0) {
    char inner[512] = "";
    rc = sp_ini_parse_string((const char *)sp_buf_head(&b), sp_buf_used(&b), cb, ud, inner, sizeof(inner));
    if (rc < 0) snprintf(err, errlen, "%s: %s", path, inner);
  }
  sp_buf_free(&b);
  return rc;
}

bool sp_parse_bool(const char *s, bool *out) {
  static const char *yes[] = {"1", "true", "yes", "on"};
  static const char *no[] = {"0", "false", "no", "off"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(s, yes[i]) == 0) return *out = true, true;
    if (strcasecmp(s, no[i]) == 0) return *out = false, true;
  }
  return false;
}

bool sp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
  if (!*s || !isdigit((unsigned char)*s)) return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

bool sp_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port) {
  const char *colon;
  const char *h = s;
  size_t hl;
  if (*s == '[') {
    const char *close = strchr(s, ']');
    if (!close || close[1] != ':') return false;
    h = s + 1;
    hl = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon || memchr(s, ':', (size_t)(colon - s))) return false; /* bare v6 needs [] */
    hl = (size_t)(colon - s);
  }
  if (hl >= cap) return false;
  uint64_t p;
  if (!sp_parse_u64(colon + 1, 1, 65535, &p)) return false;
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = (uint16_t)p;
  return true;
}
