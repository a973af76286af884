/* sp_csv: an incremental RFC 4180 CSV parser: bytes in, records out.
 *
 * Input may arrive in pieces of any size (a record, a field, a quote pair
 * or a CRLF may be split across pieces); every complete record is handed
 * to a callback as an array of NUL-terminated fields, together with the
 * line number of the record's first line (1-based, so the header of a file
 * is line 1). It understands:
 *   - an optional UTF-8 byte-order mark at the very start (skipped);
 *   - LF, CRLF or a lone CR as line ends;
 *   - quoted fields, with "" for one quote and commas and line breaks as
 *     data (the line count still advances inside them);
 *   - empty lines, which are skipped (a line holding `""` is a record of
 *     one empty field).
 * Hard caps on the bytes of one field, the bytes of one record and the
 * fields of one record turn hostile or broken input into an error instead
 * of memory. Errors are sticky: after one, every call returns it again.
 *
 * It does not check UTF-8 or interpret values; that is the caller's job.
 * Ownership: the struct is caller-owned; sp_csv_free releases its buffers.
 * Allocation failure aborts (sp_xmalloc). */
#ifndef SP_CSV_H
#define SP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sp_csv_error {
  SP_CSV_OK = 0,
  SP_CSV_FIELD_TOO_LONG,     /* a field has more than max_field bytes */
  SP_CSV_RECORD_TOO_LONG,    /* a record has more than max_record bytes */
  SP_CSV_TOO_MANY_FIELDS,    /* a record has more than max_fields fields */
  SP_CSV_UNTERMINATED_QUOTE, /* end of input inside a quoted field */
  SP_CSV_STRAY_QUOTE,        /* a quote inside an unquoted field */
  SP_CSV_AFTER_QUOTE,        /* data after a closing quote (not , or a line end) */
  SP_CSV_STOPPED,            /* the callback asked to stop */
};

typedef struct sp_csv_record {
  uint64_t line;              /* line of the record's first byte (1-based) */
  size_t nfields;             /* >= 1 */
  char *const *fields;        /* nfields NUL-terminated strings */
  const size_t *lens;         /* their lengths (a field may hold NUL bytes) */
} sp_csv_record_t;

/* Called once per record; the record is valid only during the call. A
 * non-zero return stops the parse (SP_CSV_STOPPED). */
typedef int (*sp_csv_cb)(void *ud, const sp_csv_record_t *rec);

typedef struct sp_csv {
  /* limits */
  size_t max_field, max_record, max_fields;
  /* the record being built: bytes of its fields, each NUL-terminated */
  char *buf;
  size_t buf_len, buf_cap;
  size_t *starts; /* offset of each field in buf */
  size_t nfields, fields_cap;
  char **ptrs;
  size_t *lens;
  size_t field_len;   /* bytes of the current field so far */
  size_t record_len;  /* bytes of the current record so far (data only) */
  int state;
  int bom;            /* bytes of the byte-order mark matched; -1 when done */
  bool record_open;   /* something of a record has been seen */
  uint64_t line;      /* current line */
  uint64_t record_line;
  uint64_t records;   /* records delivered */
  int error;          /* enum sp_csv_error, sticky */
  uint64_t error_line;
} sp_csv_t;

/* Zero limits take the defaults: field 64 KiB, record 1 MiB, 1024 fields. */
void sp_csv_init(sp_csv_t *p, size_t max_field, size_t max_record, size_t max_fields);
void sp_csv_free(sp_csv_t *p);

/* Parses `len` bytes; `eof` says no more input follows (a last record
 * without a line end is then delivered, and an open quote is an error).
 * Returns SP_CSV_OK or the error (also in p->error, with p->error_line). */
int sp_csv_feed(sp_csv_t *p, const void *data, size_t len, bool eof, sp_csv_cb cb, void *ud);

/* A short English description of an error code ("field too long"...). */
const char *sp_csv_strerror(int error);
/* A stable token for an error code ("field_too_long"...), for messages
 * that are translated elsewhere. */
const char *sp_csv_reason(int error);

#endif
