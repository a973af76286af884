/* sp_csv: incremental RFC 4180 parser (contract in sp_csv.h).
 *
 * One byte at a time through a five-state machine, so a piece boundary can
 * fall anywhere: the whole state lives in the struct, never on the stack.
 * The fields of the record being built sit back to back in one buffer,
 * each closed by a NUL, so delivering a record is building a pointer array. */
#include "sp_csv.h"

#include <stdlib.h>
#include <string.h>

#include "sp_buf.h"

enum {
  S_START,  /* at the start of a field */
  S_PLAIN,  /* inside an unquoted field */
  S_QUOTED, /* inside a quoted field */
  S_QUOTE,  /* a quote inside a quoted field: closing, or the first of "" */
  S_CR,     /* a CR ended the record: an LF right after belongs to it */
};

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

void sp_csv_init(sp_csv_t *p, size_t max_field, size_t max_record, size_t max_fields) {
  memset(p, 0, sizeof(*p));
  p->max_field = max_field ? max_field : 64 * 1024;
  p->max_record = max_record ? max_record : 1024 * 1024;
  p->max_fields = max_fields ? max_fields : 1024;
  p->line = 1;
  p->state = S_START;
}

void sp_csv_free(sp_csv_t *p) {
  free(p->buf);
  free(p->starts);
  free(p->ptrs);
  free(p->lens);
  memset(p, 0, sizeof(*p));
}

static int fail(sp_csv_t *p, int err) {
  p->error = err;
  p->error_line = p->record_open ? p->record_line : p->line;
  return err;
}

static void open_record(sp_csv_t *p) {
  if (!p->record_open) {
    p->record_open = true;
    p->record_line = p->line;
  }
}

static int put(sp_csv_t *p, char c) {
  if (p->field_len + 1 > p->max_field) return fail(p, SP_CSV_FIELD_TOO_LONG);
  if (p->record_len + 1 > p->max_record) return fail(p, SP_CSV_RECORD_TOO_LONG);
  if (p->buf_len + 1 > p->buf_cap) {
    p->buf_cap = p->buf_cap ? p->buf_cap * 2 : 256;
    p->buf = sp_xrealloc(p->buf, p->buf_cap);
  }
  p->buf[p->buf_len++] = c;
  p->field_len++;
  p->record_len++;
  return SP_CSV_OK;
}

static int end_field(sp_csv_t *p) {
  if (p->nfields + 1 > p->max_fields) return fail(p, SP_CSV_TOO_MANY_FIELDS);
  if (p->nfields + 1 > p->fields_cap) {
    p->fields_cap = p->fields_cap ? p->fields_cap * 2 : 32;
    p->starts = sp_xrealloc(p->starts, p->fields_cap * sizeof(*p->starts));
    p->ptrs = sp_xrealloc(p->ptrs, p->fields_cap * sizeof(*p->ptrs));
    p->lens = sp_xrealloc(p->lens, p->fields_cap * sizeof(*p->lens));
  }
  if (p->buf_len + 1 > p->buf_cap) {
    p->buf_cap = p->buf_cap ? p->buf_cap * 2 : 256;
    p->buf = sp_xrealloc(p->buf, p->buf_cap);
  }
  p->starts[p->nfields] = p->buf_len - p->field_len;
  p->lens[p->nfields] = p->field_len;
  p->buf[p->buf_len++] = '\0';
  p->nfields++;
  p->field_len = 0;
  return SP_CSV_OK;
}

static int end_record(sp_csv_t *p, sp_csv_cb cb, void *ud) {
  int r = end_field(p);
  if (r) return r;
  for (size_t i = 0; i < p->nfields; i++) p->ptrs[i] = p->buf + p->starts[i];
  sp_csv_record_t rec = {.line = p->record_line, .nfields = p->nfields, .fields = p->ptrs, .lens = p->lens};
  int stop = cb(ud, &rec);
  p->records++;
  p->buf_len = 0;
  p->nfields = 0;
  p->record_len = 0;
  p->record_open = false;
  if (stop) return fail(p, SP_CSV_STOPPED);
  return SP_CSV_OK;
}

/* A line end outside quotes: the record (if any) ends; an empty line is
 * skipped. */
static int line_end(sp_csv_t *p, sp_csv_cb cb, void *ud) {
  int r = p->record_open ? end_record(p, cb, ud) : SP_CSV_OK;
  p->line++;
  return r;
}

static int step(sp_csv_t *p, unsigned char c, sp_csv_cb cb, void *ud) {
  switch (p->state) {
    case S_CR:
      p->state = S_START;
      if (c == '\n') return SP_CSV_OK;
      /* the CR was a line end of its own */
      __attribute__((fallthrough));
    case S_START:
      if (c == '"') {
        open_record(p);
        p->state = S_QUOTED;
        return SP_CSV_OK;
      }
      __attribute__((fallthrough));
    case S_PLAIN:
      switch (c) {
        case ',':
          open_record(p);
          p->state = S_START;
          return end_field(p);
        case '\n': p->state = S_START; return line_end(p, cb, ud);
        case '\r': p->state = S_CR; return line_end(p, cb, ud);
        case '"': return fail(p, SP_CSV_STRAY_QUOTE);
        default:
          open_record(p);
          p->state = S_PLAIN;
          return put(p, (char)c);
      }
    case S_QUOTED:
      if (c == '"') {
        p->state = S_QUOTE;
        return SP_CSV_OK;
      }
      if (c == '\n') p->line++;
      return put(p, (char)c);
    case S_QUOTE:
      switch (c) {
        case '"': p->state = S_QUOTED; return put(p, '"');
        case ',': p->state = S_START; return end_field(p);
        case '\n': p->state = S_START; return line_end(p, cb, ud);
        case '\r': p->state = S_CR; return line_end(p, cb, ud);
        default: return fail(p, SP_CSV_AFTER_QUOTE);
      }
  }
  return SP_CSV_OK;
}

/* Bytes that looked like the start of a byte-order mark but were not. */
static int replay_bom(sp_csv_t *p, sp_csv_cb cb, void *ud) {
  int n = p->bom;
  p->bom = -1;
  for (int i = 0; i < n; i++) {
    int r = step(p, bom_bytes[i], cb, ud);
    if (r) return r;
  }
  return SP_CSV_OK;
}

int sp_csv_feed(sp_csv_t *p, const void *data, size_t len, bool eof, sp_csv_cb cb, void *ud) {
  if (p->error) return p->error;
  const unsigned char *s = data;
  size_t i = 0;
  while (i < len && p->bom >= 0) {
    if (s[i] == bom_bytes[p->bom]) {
      i++;
      if (++p->bom == 3) p->bom = -1;
    } else {
      int r = replay_bom(p, cb, ud);
      if (r) return r;
    }
  }
  for (; i < len; i++) {
    int r = step(p, s[i], cb, ud);
    if (r) return r;
  }
  if (!eof) return SP_CSV_OK;
  if (p->bom > 0) {
    int r = replay_bom(p, cb, ud);
    if (r) return r;
  }
  if (p->state == S_QUOTED) return fail(p, SP_CSV_UNTERMINATED_QUOTE);
  if (p->record_open) {
    int r = end_record(p, cb, ud);
    if (r) return r;
  }
  p->state = S_START;
  return SP_CSV_OK;
}

const char *sp_csv_strerror(int error) {
  switch (error) {
    case SP_CSV_OK: return "no error";
    case SP_CSV_FIELD_TOO_LONG: return "field too long";
    case SP_CSV_RECORD_TOO_LONG: return "record too long";
    case SP_CSV_TOO_MANY_FIELDS: return "too many fields";
    case SP_CSV_UNTERMINATED_QUOTE: return "quoted field not closed at end of file";
    case SP_CSV_STRAY_QUOTE: return "quote inside an unquoted field";
    case SP_CSV_AFTER_QUOTE: return "text after a closing quote";
    case SP_CSV_STOPPED: return "stopped";
  }
  return "unknown error";
}

const char *sp_csv_reason(int error) {
  switch (error) {
    case SP_CSV_OK: return "ok";
    case SP_CSV_FIELD_TOO_LONG: return "field_too_long";
    case SP_CSV_RECORD_TOO_LONG: return "record_too_long";
    case SP_CSV_TOO_MANY_FIELDS: return "too_many_fields";
    case SP_CSV_UNTERMINATED_QUOTE: return "unterminated_quote";
    case SP_CSV_STRAY_QUOTE: return "stray_quote";
    case SP_CSV_AFTER_QUOTE: return "text_after_quote";
    case SP_CSV_STOPPED: return "stopped";
  }
  return "unknown";
}
