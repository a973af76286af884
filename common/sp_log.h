/* sp_log: one line per event to stderr, with a syslog priority prefix
 * ("<3>") so journald records the level. Timestamps are added only when
 * stderr is not the journal ($JOURNAL_STREAM unset).
 *
 * Rule: never log a password, token, key or personal data; log ids. */
#ifndef SP_LOG_H
#define SP_LOG_H

#include <stdbool.h>

typedef enum sp_log_level {
  SP_LOG_ERROR = 3,
  SP_LOG_WARNING = 4,
  SP_LOG_NOTICE = 5,
  SP_LOG_INFO = 6,
  SP_LOG_DEBUG = 7,
} sp_log_level_t;

void sp_log_init(const char *program);
void sp_log_set_level(sp_log_level_t level);
sp_log_level_t sp_log_get_level(void);
/* Parses "debug|info|notice|warning|error"; false when unknown. */
bool sp_log_parse_level(const char *s, sp_log_level_t *out);
bool sp_log_enabled(sp_log_level_t level);

void sp_log(sp_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sp_log_error(...) sp_log(SP_LOG_ERROR, __VA_ARGS__)
#define sp_log_warning(...) sp_log(SP_LOG_WARNING, __VA_ARGS__)
#define sp_log_notice(...) sp_log(SP_LOG_NOTICE, __VA_ARGS__)
#define sp_log_info(...) sp_log(SP_LOG_INFO, __VA_ARGS__)
#define sp_log_debug(...) \
  do { \
    if (sp_log_enabled(SP_LOG_DEBUG)) sp_log(SP_LOG_DEBUG, __VA_ARGS__); \
  } while (0)

#endif
