/* sp_log: leveled one-line logging to stderr. Each event is formatted into
 * one buffer and written with a single write(2) so lines from several
 * threads never interleave. */
#include "sp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static sp_log_level_t current_level = SP_LOG_INFO;
static const char *prog = "simpeg";
static bool with_time = true;

void sp_log_init(const char *program) {
  prog = program;
  with_time = getenv("JOURNAL_STREAM") == NULL;
}

void sp_log_set_level(sp_log_level_t level) { current_level = level; }
sp_log_level_t sp_log_get_level(void) { return current_level; }
bool sp_log_enabled(sp_log_level_t level) { return level <= current_level; }

static const struct {
  const char *name;
  sp_log_level_t level;
} levels[] = {
    {"error", SP_LOG_ERROR}, {"warning", SP_LOG_WARNING}, {"notice", SP_LOG_NOTICE},
    {"info", SP_LOG_INFO},   {"debug", SP_LOG_DEBUG},
};

bool sp_log_parse_level(const char *s, sp_log_level_t *out) {
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
    if (strcasecmp(s, levels[i].name) == 0) {
      *out = levels[i].level;
      return true;
    }
  }
  return false;
}

static const char *level_name(sp_log_level_t level) {
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
    if (levels[i].level == level) return levels[i].name;
  return "?";
}

void sp_log(sp_log_level_t level, const char *fmt, ...) {
  if (!sp_log_enabled(level)) return;
  char line[2048];
  size_t n = 0;
  int w = snprintf(line, sizeof(line), "<%d>", (int)level);
  n = (size_t)w;
  if (with_time) {
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n += strftime(line + n, sizeof(line) - n, "%Y-%m-%dT%H:%M:%S", &tm);
    w = snprintf(line + n, sizeof(line) - n, ".%03dZ ", (int)(tv.tv_usec / 1000));
    if (w > 0) n += (size_t)w;
  }
  w = snprintf(line + n, sizeof(line) - n, "%s %s: ", prog, level_name(level));
  if (w > 0) n += (size_t)w;
  va_list ap;
  va_start(ap, fmt);
  w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
  va_end(ap);
  if (w < 0) w = 0;
  n += (size_t)w;
  if (n > sizeof(line) - 2) n = sizeof(line) - 2;
  /* One event, one line: fold embedded newlines. */
  for (size_t i = 0; i < n; i++)
    if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
  line[n++] = '\n';
  ssize_t r = write(STDERR_FILENO, line, n);
  (void)r;
}
