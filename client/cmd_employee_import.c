/* cmd_employee_import: `simpeg employee import FILE` and `simpeg employee
 * export` (docs/IMPORT.md). The import streams the file in chunks
 * (ImportBegin, ImportChunk...) and prints either the count written or
 * every bad row as "line N, column C: reason"; the export writes every
 * page of a subtree to standard output or a file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_admin.h"
#include "cli_employee.h"

/* Reasons the server gives for a bad row, in words. */
static const struct {
  const char *reason;
  const char *text;
} reasons[] = {
    {"required", N_("required")},
    {"too_long", N_("too long")},
    {"not_a_date", N_("not a date (YYYY-MM-DD)")},
    {"invalid_format", N_("invalid format")},
    {"unknown_value", N_("unknown value")},
    {"unknown_rank", N_("unknown rank")},
    {"unknown_province", N_("unknown province code")},
    {"out_of_range", N_("out of range")},
    {"in_the_future", N_("in the future")},
    {"nik_mismatch", N_("the NIK does not match the birth date or sex")},
    {"nip_birth_date_mismatch", N_("the NIP does not match the birth date")},
    {"nip_sex_mismatch", N_("the NIP does not match the sex")},
    {"nip_for_pppk", N_("a NIP given for a PPPK employee")},
    {"pppk_number_for_pns", N_("an NI PPPK given for a PNS/CPNS employee")},
    {"nip_tmt_mismatch", N_("does not match the TMT in the NIP")},
    {"tmt_in_the_future", N_("the TMT is in the future")},
    {"tmt_before_birth", N_("the TMT is before the birth date")},
    {"not_for_employment_type", N_("not a rank of this employment type")},
    {"only_for_fungsional", N_("only for a functional position")},
    {"duplicate_in_file", N_("the NIP appears earlier in the file")},
    {"already_exists", N_("an employee with this NIP already exists")},
    {"not_found", N_("no such office in your scope")},
    {"invalid_utf8", N_("not valid UTF-8 text")},
    {"wrong_field_count", N_("the row does not have as many fields as the header")},
    {"unknown_column", N_("unknown column")},
    {"duplicate_column", N_("column given twice")},
    {"missing_column", N_("required column missing")},
    {"missing_header", N_("the file has no header line")},
    {"too_many_columns", N_("too many columns")},
    {"field_too_long", N_("field too long")},
    {"record_too_long", N_("row too long")},
    {"too_many_fields", N_("too many fields")},
    {"unterminated_quote", N_("quoted field not closed before the end of the file")},
    {"stray_quote", N_("a quote inside an unquoted field")},
    {"text_after_quote", N_("text after a closing quote")},
};

static const char *reason_text(const char *reason) {
  for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
    if (strcmp(reasons[i].reason, reason) == 0) return _(reasons[i].text);
  return reason;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int cli_employee_import(cli_ctx_t *ctx, const char *path, uint32_t chunk) {
  FILE *f = fopen(path, "rb");
  if (!f) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("cannot open %s: %s"), path, strerror(errno));
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) {
    fclose(f);
    return rc;
  }
  Simpeg__V1__ImportBegin b = SIMPEG__V1__IMPORT_BEGIN__INIT;
  b.kind = "employees";
  b.total_bytes = size > 0 ? (uint64_t)size : 0;
  b.file_name = (char *)base_name(path);
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_IMPORT_BEGIN;
  req.import_begin = &b;
  Simpeg__V1__Response *resp;
  if ((rc = cli_call(ctx, s, &req, &resp))) goto out;
  char *id = strdup(resp->import_begin->import_id);
  uint32_t max = resp->import_begin->max_chunk;
  spc_response_free(resp);
  if (!chunk || (max && chunk > max)) chunk = max ? max : 1024 * 1024;
  uint8_t *buf = malloc(chunk);
  bool tty = isatty(fileno(ctx->err));
  uint64_t off = 0;
  resp = NULL;
  for (;;) {
    size_t n = fread(buf, 1, chunk, f);
    int c = getc(f);
    bool last = c == EOF;
    if (!last) ungetc(c, f);
    if (ferror(f)) {
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "io", _("cannot read %s: %s"), path, strerror(errno));
      break;
    }
    Simpeg__V1__ImportChunk m = SIMPEG__V1__IMPORT_CHUNK__INIT;
    m.import_id = id;
    m.offset = off;
    m.data.data = buf;
    m.data.len = n;
    m.last = last;
    Simpeg__V1__Request q = SIMPEG__V1__REQUEST__INIT;
    q.call_case = SIMPEG__V1__REQUEST__CALL_IMPORT_CHUNK;
    q.import_chunk = &m;
    if ((rc = cli_call(ctx, s, &q, &resp))) break;
    off += n;
    if (tty && size > 0)
      fprintf(ctx->err, _("\r%3d%%  %llu rows read"), (int)(off * 100 / (uint64_t)size),
              (unsigned long long)resp->import_chunk->rows_seen);
    if (last) break;
    spc_response_free(resp);
    resp = NULL;
  }
  if (tty && size > 0) fprintf(ctx->err, "\n");
  free(buf);
  free(id);
  if (rc == 0 && resp) {
    const Simpeg__V1__ImportChunkReply *r = resp->import_chunk;
    if (r->committed) {
      fprintf(ctx->out, _("Imported %llu employees from %s.\n"), (unsigned long long)r->rows_written, base_name(path));
    } else {
      for (size_t i = 0; i < r->n_errors; i++) {
        const Simpeg__V1__ImportRowError *e = r->errors[i];
        if (*e->column)
          fprintf(ctx->out, _("line %llu, column %s: %s\n"), (unsigned long long)e->line, e->column,
                  reason_text(e->reason));
        else
          fprintf(ctx->out, _("line %llu: %s\n"), (unsigned long long)e->line, reason_text(e->reason));
      }
      rc = cli_fail(ctx, CLI_EXIT_SERVER, "bad_rows",
                    _("nothing was written: %llu of %llu rows are bad (fix them and import the whole file again)"),
                    (unsigned long long)r->bad_rows, (unsigned long long)r->rows_seen);
    }
  }
  spc_response_free(resp);
out:
  spc_sync_close(s);
  fclose(f);
  return rc;
}

int cli_employee_export(cli_ctx_t *ctx, const char *office, const char *format, const char *path) {
  if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("unknown format \"%s\" (csv, json)"), format);
  FILE *out = ctx->out;
  if (path && !(out = fopen(path, "wb")))
    return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("cannot create %s: %s"), path, strerror(errno));
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) {
    if (path) fclose(out);
    return rc;
  }
  char after[32] = "";
  uint64_t rows = 0;
  for (;;) {
    Simpeg__V1__Export m = SIMPEG__V1__EXPORT__INIT;
    m.office_code = (char *)(office ? office : "");
    m.format = (char *)(format ? format : "csv");
    m.after = after;
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_EXPORT;
    req.export = &m;
    Simpeg__V1__Response *resp;
    if ((rc = cli_call(ctx, s, &req, &resp))) break;
    const Simpeg__V1__ExportReply *r = resp->export;
    if (fwrite(r->data.data, 1, r->data.len, out) != r->data.len) {
      spc_response_free(resp);
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "io", _("cannot write: %s"), strerror(errno));
      break;
    }
    rows += r->rows;
    snprintf(after, sizeof(after), "%s", r->next_after);
    spc_response_free(resp);
    if (!*after) break;
  }
  spc_sync_close(s);
  if (path) {
    if (fclose(out) != 0 && rc == 0) rc = cli_fail(ctx, CLI_EXIT_OTHER, "io", _("cannot write %s"), path);
    if (rc == 0) fprintf(ctx->err, _("Exported %llu employees to %s.\n"), (unsigned long long)rows, path);
  } else {
    fflush(out);
  }
  return rc;
}
