/* sp_ini: a small INI parser for simpegd.conf and the client's config.ini.
 *
 * Syntax: `[section]` lines, `key = value` lines, comments starting with '#'
 * or ';' (whole lines only, so values may contain them), blank lines.
 * Whitespace around keys and values is trimmed; a value may be wrapped in
 * double quotes to keep leading/trailing spaces. Keys outside a section
 * belong to section "". Lines are limited to 4096 bytes.
 *
 * The parser only tokenises; the meaning of keys lives in each program's
 * key table. The callback returns 0 to continue, or a negative value to stop
 * (the parse then fails with that value, and the callback has written its
 * own message via the err buffer it received through ud). */
#ifndef SP_INI_H
#define SP_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*sp_ini_cb)(void *ud, const char *section, const char *key, const char *value, int line);

/* 0 on success; negative on a syntax error (message "line N: ...") or the
 * callback's negative value. `text` need not be NUL-terminated. */
int sp_ini_parse_string(const char *text, size_t len, sp_ini_cb cb, void *ud, char *err, size_t errlen);
/* Reads the whole file first (blocking: only for start-up, the CLI, or a
 * thread-pool job). -ENOENT etc. with a message naming the file. */
int sp_ini_parse_file(const char *path, sp_ini_cb cb, void *ud, char *err, size_t errlen);

/* Value helpers shared by the key tables. All return false on bad input. */
bool sp_parse_bool(const char *s, bool *out);
bool sp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "host:port", "[v6]:port" or ":port"; host is copied into host (cap bytes). */
bool sp_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port);

#endif
