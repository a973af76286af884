/* cli_docs: uploading evidence documents (see cli_docs.h). The file is read
 * twice, a chunk at a time: once for its SHA-256 (declared at Begin), once
 * to send it, so memory stays at one chunk whatever the size. */
#include "cli_docs.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1024u * 1024u)

/* Reads up to n bytes (fewer only at the end of the file). -1 on error. */
static ssize_t read_full(int fd, uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static int file_sha256(int fd, uint8_t *buf, uint8_t out[32], uint64_t *size) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(md);
    return -1;
  }
  uint64_t total = 0;
  ssize_t n;
  while ((n = read_full(fd, buf, READ_CHUNK)) > 0) {
    EVP_DigestUpdate(md, buf, (size_t)n);
    total += (uint64_t)n;
  }
  unsigned len = 0;
  int rc = n < 0 || EVP_DigestFinal_ex(md, out, &len) != 1 || len != 32 ? -1 : 0;
  EVP_MD_CTX_free(md);
  *size = total;
  return rc;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int cli_document_upload(cli_ctx_t *ctx, spc_sync_t *s, const char *number, const char *kind, const char *path,
                        Simpeg__V1__DocumentInfo **out) {
  if (out) *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cli_fail(ctx, CLI_EXIT_USAGE, "file", _("cannot open %s: %s"), path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return cli_fail(ctx, CLI_EXIT_USAGE, "file", _("%s is not a regular file"), path);
  }
  uint8_t *buf = malloc(READ_CHUNK);
  uint8_t sha[32];
  uint64_t size = 0;
  if (!buf || file_sha256(fd, buf, sha, &size) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
    int e = errno;
    free(buf);
    close(fd);
    return cli_fail(ctx, CLI_EXIT_OTHER, "file", _("cannot read %s: %s"), path, strerror(e));
  }
  if (size == 0) {
    free(buf);
    close(fd);
    return cli_fail(ctx, CLI_EXIT_USAGE, "file", _("%s is empty"), path);
  }

  int rc;
  Simpeg__V1__Response *resp = NULL;
  Simpeg__V1__DocumentUploadBegin b = SIMPEG__V1__DOCUMENT_UPLOAD_BEGIN__INIT;
  b.request_number = (char *)number;
  b.kind = (char *)kind;
  b.filename = (char *)base_name(path);
  b.size = size;
  b.sha256.data = sha;
  b.sha256.len = 32;
  Simpeg__V1__Request req = SIMPEG__V1__REQUEST__INIT;
  req.call_case = SIMPEG__V1__REQUEST__CALL_DOCUMENT_UPLOAD_BEGIN;
  req.document_upload_begin = &b;
  if ((rc = cli_call(ctx, s, &req, &resp))) goto done;
  uint64_t id = resp->document_upload_begin ? resp->document_upload_begin->upload_id : 0;
  uint32_t max_chunk = resp->document_upload_begin ? resp->document_upload_begin->max_chunk : 0;
  spc_response_free(resp);
  resp = NULL;
  if (!id || !max_chunk) {
    rc = cli_fail(ctx, CLI_EXIT_OTHER, "protocol", "%s", _("the server did not start the upload"));
    goto done;
  }
  if (max_chunk > READ_CHUNK) max_chunk = READ_CHUNK;

  uint64_t offset = 0;
  while (offset < size) {
    ssize_t n = read_full(fd, buf, max_chunk);
    if (n <= 0) { /* the file shrank meanwhile: the server drops the upload on Finish */
      break;
    }
    Simpeg__V1__DocumentUploadChunk c = SIMPEG__V1__DOCUMENT_UPLOAD_CHUNK__INIT;
    c.upload_id = id;
    c.offset = offset;
    c.data.data = buf;
    c.data.len = (size_t)n;
    req.call_case = SIMPEG__V1__REQUEST__CALL_DOCUMENT_UPLOAD_CHUNK;
    req.document_upload_chunk = &c;
    if ((rc = cli_call(ctx, s, &req, &resp))) goto done;
    spc_response_free(resp);
    resp = NULL;
    offset += (uint64_t)n;
  }

  Simpeg__V1__DocumentUploadFinish f = SIMPEG__V1__DOCUMENT_UPLOAD_FINISH__INIT;
  f.upload_id = id;
  req.call_case = SIMPEG__V1__REQUEST__CALL_DOCUMENT_UPLOAD_FINISH;
  req.document_upload_finish = &f;
  if ((rc = cli_call(ctx, s, &req, &resp))) goto done;
  if (out && resp->document_upload_finish && resp->document_upload_finish->document) {
    /* a copy that outlives the response */
    const Simpeg__V1__DocumentInfo *d = resp->document_upload_finish->document;
    size_t n = simpeg__v1__document_info__get_packed_size(d);
    uint8_t *p = malloc(n ? n : 1);
    if (p) {
      simpeg__v1__document_info__pack(d, p);
      *out = simpeg__v1__document_info__unpack(NULL, n, p);
      free(p);
    }
  }
  spc_response_free(resp);
  rc = CLI_EXIT_OK;
done:
  free(buf);
  close(fd);
  return rc;
}
