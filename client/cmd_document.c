/* cmd_document: `simpeg document upload|list|download`: evidence documents
 * of personnel-service requests (docs/internals/documents.md). Upload
 * declares the SHA-256 of the whole file and the server checks it; a
 * download is checked against the SHA-256 the server stored before the
 * file is put in place. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_admin.h"
#include "cli_docs.h"
#include "cli_request.h"

enum { OPT_OUTPUT_FILE = CLI_OPT_COMMAND_BASE };

static const struct option document_options[] = {
    {"out", required_argument, NULL, OPT_OUTPUT_FILE},
    {NULL, 0, NULL, 0},
};

typedef struct document_state {
  const char *output_file;
} document_state_t;

static int document_parse(void *state, int val, const char *arg, char *err, size_t errlen) {
  document_state_t *st = state;
  (void)err, (void)errlen;
  if (val == OPT_OUTPUT_FILE) st->output_file = arg;
  return 0;
}

static void sha_hex(char out[65], const uint8_t *sha, size_t len) {
  out[0] = '\0';
  for (size_t i = 0; i < len && i < 32; i++) snprintf(out + 2 * i, 3, "%02x", sha[i]);
}

static void json_document(json_out_t *j, const Simpeg__V1__DocumentInfo *d) {
  char hex[65], at[40];
  sha_hex(hex, d->sha256.data, d->sha256.len);
  cli_format_time_utc(at, sizeof(at), d->uploaded_at_us);
  json_begin_object(j);
  json_key(j, "id");
  json_int(j, d->id);
  json_key(j, "kind");
  json_string(j, d->kind);
  json_key(j, "filename");
  json_string(j, d->filename);
  json_key(j, "content_type");
  json_string(j, d->content_type);
  json_key(j, "size");
  json_uint(j, d->size);
  json_key(j, "sha256");
  json_string(j, hex);
  json_key(j, "uploaded_by");
  json_string(j, d->uploaded_by);
  json_key(j, "uploaded_at");
  json_string(j, at);
  json_end_object(j);
}

static void print_document(cli_ctx_t *ctx, const Simpeg__V1__DocumentInfo *d) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_document(&j, d);
    json_finish(&j);
    return;
  }
  char hex[65], at[64];
  sha_hex(hex, d->sha256.data, d->sha256.len);
  cli_format_time(at, sizeof(at), d->uploaded_at_us);
  cli_table_t t = {0};
  cli_table_add(&t, _("Document"), "%lld", (long long)d->id);
  cli_table_add(&t, _("Kind"), "%s", d->kind);
  cli_table_add(&t, _("File"), "%s", d->filename);
  cli_table_add(&t, _("Type"), "%s", d->content_type);
  cli_table_add(&t, _("Size"), _("%llu bytes"), (unsigned long long)d->size);
  cli_table_add(&t, _("SHA-256"), "%s", hex);
  cli_table_add(&t, _("Uploaded by"), "%s", d->uploaded_by);
  cli_table_add(&t, _("Uploaded at"), "%s", at);
  cli_table_print(&t, ctx->out);
}

/* ---- upload ---- */

static int upload_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state, (void)argc;
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;
  Simpeg__V1__DocumentInfo *d = NULL;
  rc = cli_document_upload(ctx, s, argv[0], argv[1], argv[2], &d);
  spc_sync_close(s);
  if (rc == 0 && d) print_document(ctx, d);
  if (d) simpeg__v1__document_info__free_unpacked(d, NULL);
  return rc;
}

/* ---- list ---- */

static int list_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  (void)state, (void)argc;
  Simpeg__V1__RequestShow m = SIMPEG__V1__REQUEST_SHOW__INIT;
  m.number = argv[0];
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_REQUEST_SHOW;
  req.request_show = &m;
  spc_sync_t *s;
  Simpeg__V1__Response *resp;
  int rc = cli_admin_call(ctx, &req, SIMPEG__V1__RESPONSE__RESULT_REQUEST_SHOW, &s, &resp);
  if (rc) return rc;
  const Simpeg__V1__ServiceRequest *r = resp->request_show->request;
  size_t n = r ? r->n_documents : 0;
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_array(&j);
    for (size_t i = 0; i < n; i++) json_document(&j, r->documents[i]);
    json_end_array(&j);
    json_finish(&j);
  } else if (n == 0) {
    fprintf(ctx->out, "%s\n", _("No documents."));
  } else {
    const char *head[] = {_("ID"), _("Kind"), _("File"), _("Type"), _("Bytes"), _("Uploaded by"), _("Uploaded at")};
    cli_cols_t c;
    cli_cols_init(&c, 7, head);
    for (size_t i = 0; i < n; i++) {
      const Simpeg__V1__DocumentInfo *d = r->documents[i];
      char id[24], size[24], at[64];
      snprintf(id, sizeof(id), "%lld", (long long)d->id);
      snprintf(size, sizeof(size), "%llu", (unsigned long long)d->size);
      cli_format_time(at, sizeof(at), d->uploaded_at_us);
      const char *row[] = {id, d->kind, d->filename, d->content_type, size, d->uploaded_by, at};
      cli_cols_add(&c, row);
    }
    cli_cols_print(&c, ctx->out);
  }
  spc_response_free(resp);
  spc_sync_close(s);
  return CLI_EXIT_OK;
}

/* ---- download ---- */

/* A file name from the server made safe to create in the current
 * directory: no directories, no leading dot. */
static void safe_name(char *out, size_t cap, const char *name, long long id) {
  const char *b = strrchr(name, '/');
  b = b ? b + 1 : name;
  size_t k = 0;
  for (const char *p = b; *p && k + 1 < cap; p++) out[k++] = (*p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
  out[k] = '\0';
  if (!out[0] || out[0] == '.') snprintf(out, cap, "document-%lld", id);
}

static bool write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

static int download_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  document_state_t *st = state;
  (void)argc;
  char *end;
  long long id = strtoll(argv[0], &end, 10);
  if (*end || id <= 0) return cli_fail(ctx, CLI_EXIT_USAGE, "usage", _("not a document id: %s"), argv[0]);
  spc_sync_t *s;
  int rc = cli_connect_session(ctx, CLI_AUTH_REQUIRED, &s);
  if (rc) return rc;

  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  char path[4096] = "", tmp[4200] = "";
  int fd = -1;
  bool to_stdout = st->output_file && strcmp(st->output_file, "-") == 0;
  Simpeg__V1__DocumentInfo *info = NULL;
  Simpeg__V1__Response *resp = NULL;
  uint64_t offset = 0;
  for (;;) {
    Simpeg__V1__DocumentDownload m = SIMPEG__V1__DOCUMENT_DOWNLOAD__INIT;
    m.document_id = id;
    m.offset = offset;
    Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
    req.call_case = SIMPEG__V1__REQUEST__CALL_DOCUMENT_DOWNLOAD;
    req.document_download = &m;
    if ((rc = cli_call(ctx, s, &req, &resp))) goto done;
    const Simpeg__V1__DocumentDownloadReply *r = resp->document_download;
    if (!r || !r->document) {
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "protocol", "%s", _("the server sent no document"));
      goto done;
    }
    if (fd < 0) { /* first chunk: now the name is known */
      if (to_stdout) {
        fd = STDOUT_FILENO;
      } else {
        if (st->output_file)
          snprintf(path, sizeof(path), "%s", st->output_file);
        else
          safe_name(path, sizeof(path), r->document->filename, id);
        snprintf(tmp, sizeof(tmp), "%s.part", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
          rc = cli_fail(ctx, CLI_EXIT_OTHER, "file", _("cannot create %s: %s"), tmp, strerror(errno));
          tmp[0] = '\0';
          goto done;
        }
      }
      size_t n = simpeg__v1__document_info__get_packed_size(r->document);
      uint8_t *p = malloc(n ? n : 1);
      simpeg__v1__document_info__pack(r->document, p);
      info = simpeg__v1__document_info__unpack(NULL, n, p);
      free(p);
    }
    EVP_DigestUpdate(md, r->data.data, r->data.len);
    if (!write_all(fd, r->data.data, r->data.len)) {
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "file", _("cannot write %s: %s"), to_stdout ? "-" : tmp, strerror(errno));
      goto done;
    }
    offset += r->data.len;
    bool last = r->data.len == 0 || offset >= r->document->size;
    spc_response_free(resp);
    resp = NULL;
    if (last) break;
  }
  uint8_t got[32];
  unsigned glen = 0;
  EVP_DigestFinal_ex(md, got, &glen);
  if (!info || offset != info->size || info->sha256.len != 32 || memcmp(got, info->sha256.data, 32) != 0) {
    rc = cli_fail(ctx, CLI_EXIT_OTHER, "checksum_mismatch", "%s",
                  _("the downloaded bytes do not match the document's SHA-256; nothing was kept"));
    goto done;
  }
  if (!to_stdout) {
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
      fd = -1;
      rc = cli_fail(ctx, CLI_EXIT_OTHER, "file", _("cannot write %s: %s"), path, strerror(errno));
      goto done;
    }
    fd = -1;
    tmp[0] = '\0';
    if (ctx->settings.output == CLI_OUTPUT_JSON) {
      json_out_t j;
      json_init(&j, ctx->out);
      json_begin_object(&j);
      json_key(&j, "document");
      json_document(&j, info);
      json_key(&j, "path");
      json_string(&j, path);
      json_end_object(&j);
      json_finish(&j);
    } else {
      fprintf(ctx->out, _("Saved %s (%llu bytes, SHA-256 checked).\n"), path, (unsigned long long)info->size);
    }
  }
  rc = CLI_EXIT_OK;
done:
  if (resp) spc_response_free(resp);
  if (fd >= 0 && !to_stdout) close(fd);
  if (tmp[0]) unlink(tmp); /* a partial or unchecked file is not left behind */
  if (info) simpeg__v1__document_info__free_unpacked(info, NULL);
  EVP_MD_CTX_free(md);
  spc_sync_close(s);
  return rc;
}

static const cli_sub_t document_subs[] = {
    {"upload", 3, 3, upload_run},
    {"list", 1, 1, list_run},
    {"download", 1, 1, download_run},
    {NULL, 0, 0, NULL},
};

static int document_run(cli_ctx_t *ctx, void *state, int argc, char **argv) {
  int rc = cli_resolve(ctx);
  if (rc) return rc;
  return cli_sub_dispatch(ctx, "document", document_subs, state, argc, argv);
}

const cli_command_t cli_cmd_document = {
    .name = "document",
    .summary = N_("Upload, list and download the evidence documents of a request"),
    .usage = N_("document upload|list|download ..."),
    .description = N_("Subcommands:\n"
                      "  document upload NUMBER KIND FILE\n"
                      "      attach FILE (PDF, JPEG or PNG) to request NUMBER as evidence of KIND,\n"
                      "      e.g. surat_dokter; the server checks size, SHA-256 and type\n"
                      "  document list NUMBER\n"
                      "      the documents of a request\n"
                      "  document download ID [--out FILE]\n"
                      "      save a document (default: its own file name in the current\n"
                      "      directory; - for standard output); the SHA-256 is checked\n"
                      "      before the file is kept\n"),
    .options = document_options,
    .state_size = sizeof(document_state_t),
    .parse_opt = document_parse,
    .run = document_run,
};
