/* kdf: scrypt password hashes, session tokens and generated passwords
 * (contract in kdf.h).
 *
 * Encodings: the salt and hash of an encoded password use the standard
 * base64 alphabet without padding (as PHC strings do: '=' would only add
 * noise), tokens use base64url without padding (they travel in config files
 * and URLs). Decoding is strict: exact length and canonical trailing bits,
 * so one token or hash has exactly one spelling and the database lookup by
 * token hash cannot be dodged with an alternative spelling.
 *
 * Parameters read back from an encoded hash are bounded (memory, p) so that
 * a corrupted or hostile row cannot make a verification allocate gigabytes
 * or run for minutes; such a hash is "malformed". */
#include "kdf.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_buf.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define TOKEN_RAW_LEN 32
#define TOKEN_LEN 43 /* base64url of 32 bytes, unpadded */

/* Bounds for parameters read from a stored hash (and accepted for new ones). */
#define MAX_LOG2_N 24
#define MAX_R 64
#define MAX_P 16
#define MAX_MEMORY (256u * 1024 * 1024)

/* Jobs allowed in the thread pool at once; beyond that the async calls say
 * -EAGAIN, so a flood of logins cannot queue unbounded memory or starve the
 * other users of the pool (config reload) for minutes. */
#define MAX_PENDING 256

const kdf_params_t kdf_default_params = {.log2_n = 15, .r = 8, .p = 1};

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* No look-alikes: 0/O, 1/l/I are missing. */
static const char password_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

static atomic_uint pending_jobs;

/* ---- base64 without padding ---- */

static size_t b64_len(size_t n) { return (n * 4 + 2) / 3; }

/* Writes b64_len(n) characters and a NUL. */
static void b64_encode(const unsigned char *in, size_t n, char *out, const char *alphabet) {
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
  }
  out[o] = '\0';
}

static int b64_value(char c, const char *alphabet) {
  const char *p = c ? strchr(alphabet, c) : NULL;
  return p ? (int)(p - alphabet) : -1;
}

/* Decodes exactly `outlen` bytes from `len` characters; false unless the
 * input is exactly the canonical encoding of that many bytes. */
static bool b64_decode_exact(const char *in, size_t len, unsigned char *out, size_t outlen, const char *alphabet) {
  if (len != b64_len(outlen)) return false;
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    int v = b64_value(in[i], alphabet);
    if (v < 0) return false;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return o == outlen && acc == 0; /* leftover bits must be zero */
}

/* ---- scrypt ---- */

static bool params_ok(const kdf_params_t *p) {
  if (p->log2_n < 1 || p->log2_n > MAX_LOG2_N || p->r < 1 || p->r > MAX_R || p->p < 1 || p->p > MAX_P) return false;
  uint64_t mem = 128ull * p->r * ((1ull << p->log2_n) + 2) + 128ull * p->r * p->p;
  return mem <= MAX_MEMORY;
}

static int run_scrypt(const char *password, size_t pwlen, const kdf_params_t *p, const unsigned char salt[SALT_LEN],
                      unsigned char out[HASH_LEN]) {
  uint64_t n = 1ull << p->log2_n;
  /* OpenSSL's default limit (32 MiB) is just below what N = 2^15, r = 8
   * needs (V: 128·r·(N+2) bytes, B: 128·r·p), so give the exact need. */
  uint64_t maxmem = 128ull * p->r * (n + 2) + 128ull * p->r * p->p + 4096;
  if (EVP_PBE_scrypt(password, pwlen, salt, SALT_LEN, n, p->r, p->p, maxmem, out, HASH_LEN) != 1) return -EIO;
  return 0;
}

/* Strict unsigned decimal without sign or leading zeros, ending at `end`. */
static bool parse_uint(const char *s, const char *end, uint64_t max, uint64_t *out) {
  if (s >= end || (*s == '0' && end - s > 1)) return false;
  uint64_t v = 0;
  for (; s < end; s++) {
    if (*s < '0' || *s > '9') return false;
    v = v * 10 + (uint64_t)(*s - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
}

typedef struct parsed {
  kdf_params_t params;
  unsigned char salt[SALT_LEN];
  unsigned char hash[HASH_LEN];
} parsed_t;

/* "scrypt$<N>$<r>$<p>$<salt>$<hash>" */
static bool parse_encoded(const char *enc, parsed_t *out) {
  if (!enc || strncmp(enc, "scrypt$", 7) != 0) return false;
  const char *f[5];
  const char *s = enc + 7;
  for (int i = 0; i < 5; i++) {
    f[i] = s;
    const char *d = strchr(s, '$');
    if (i < 4) {
      if (!d) return false;
      s = d + 1;
    } else if (d) {
      return false;
    }
  }
  uint64_t n, r, p;
  if (!parse_uint(f[0], f[1] - 1, 1ull << MAX_LOG2_N, &n) || n < 2 || (n & (n - 1)) != 0) return false;
  if (!parse_uint(f[1], f[2] - 1, MAX_R, &r) || !parse_uint(f[2], f[3] - 1, MAX_P, &p)) return false;
  unsigned log2_n = 0;
  while ((1ull << log2_n) < n) log2_n++;
  out->params = (kdf_params_t){.log2_n = log2_n, .r = (unsigned)r, .p = (unsigned)p};
  if (!params_ok(&out->params)) return false;
  return b64_decode_exact(f[3], (size_t)(f[4] - 1 - f[3]), out->salt, SALT_LEN, b64_std) &&
         b64_decode_exact(f[4], strlen(f[4]), out->hash, HASH_LEN, b64_std);
}

int kdf_hash(const char *password, const kdf_params_t *params, char out[KDF_ENCODED_MAX]) {
  out[0] = '\0';
  size_t pwlen = strlen(password);
  if (pwlen > KDF_PASSWORD_MAX) return -E2BIG;
  if (!params) params = &kdf_default_params;
  if (!params_ok(params)) return -EINVAL;
  unsigned char salt[SALT_LEN], hash[HASH_LEN];
  if (RAND_bytes(salt, sizeof(salt)) != 1) return -EIO;
  int rc = run_scrypt(password, pwlen, params, salt, hash);
  if (rc < 0) return rc;
  char salt64[32], hash64[48];
  b64_encode(salt, SALT_LEN, salt64, b64_std);
  b64_encode(hash, HASH_LEN, hash64, b64_std);
  OPENSSL_cleanse(hash, sizeof(hash));
  snprintf(out, KDF_ENCODED_MAX, "scrypt$%llu$%u$%u$%s$%s", 1ull << params->log2_n, params->r, params->p, salt64,
           hash64);
  return 0;
}

int kdf_verify(const char *password, const char *encoded) {
  size_t pwlen = strlen(password);
  if (pwlen > KDF_PASSWORD_MAX) return -E2BIG;
  parsed_t p;
  if (!parse_encoded(encoded, &p)) return -EINVAL;
  unsigned char hash[HASH_LEN];
  int rc = run_scrypt(password, pwlen, &p.params, p.salt, hash);
  if (rc < 0) return rc;
  int match = CRYPTO_memcmp(hash, p.hash, HASH_LEN) == 0;
  OPENSSL_cleanse(hash, sizeof(hash));
  return match;
}

bool kdf_needs_rehash(const char *encoded, const kdf_params_t *params) {
  parsed_t p;
  if (!parse_encoded(encoded, &p)) return true;
  if (!params) params = &kdf_default_params;
  return p.params.log2_n < params->log2_n || p.params.r < params->r || p.params.p < params->p;
}

/* ---- thread-pool jobs ---- */

typedef struct kdf_job {
  uv_work_t work;
  char *password; /* owned, wiped and freed in after_job */
  size_t pwlen;
  bool verify;
  bool dummy;                   /* verify against a throw-away hash, report no match */
  char encoded[KDF_ENCODED_MAX]; /* verify: the stored hash; hash: the result */
  int status;
  kdf_hash_cb hash_cb;
  kdf_verify_cb verify_cb;
  void *ud;
} kdf_job_t;

static void do_job(uv_work_t *w) {
  kdf_job_t *j = w->data;
  if (!j->verify) {
    j->status = kdf_hash(j->password, &kdf_default_params, j->encoded);
  } else if (j->dummy) {
    /* The same work a real verification with today's parameters does. */
    unsigned char salt[SALT_LEN] = {0}, hash[HASH_LEN];
    int rc = run_scrypt(j->password, j->pwlen, &kdf_default_params, salt, hash);
    j->status = rc < 0 ? rc : 0;
  } else {
    j->status = kdf_verify(j->password, j->encoded);
  }
}

static void after_job(uv_work_t *w, int status) {
  kdf_job_t *j = w->data;
  atomic_fetch_sub(&pending_jobs, 1);
  OPENSSL_cleanse(j->password, j->pwlen);
  free(j->password);
  if (status < 0) j->status = status; /* UV_ECANCELED */
  if (j->verify) {
    j->verify_cb(j->ud, j->status);
  } else {
    j->hash_cb(j->ud, j->status, j->status == 0 ? j->encoded : NULL);
  }
  free(j);
}

static int submit(uv_loop_t *loop, kdf_job_t *j, const char *password) {
  j->pwlen = strlen(password);
  if (j->pwlen > KDF_PASSWORD_MAX) {
    free(j);
    return -E2BIG;
  }
  if (atomic_fetch_add(&pending_jobs, 1) >= MAX_PENDING) {
    atomic_fetch_sub(&pending_jobs, 1);
    free(j);
    return -EAGAIN;
  }
  j->password = sp_xmalloc(j->pwlen + 1);
  memcpy(j->password, password, j->pwlen + 1);
  j->work.data = j;
  int rc = uv_queue_work(loop, &j->work, do_job, after_job);
  if (rc != 0) {
    atomic_fetch_sub(&pending_jobs, 1);
    OPENSSL_cleanse(j->password, j->pwlen);
    free(j->password);
    free(j);
  }
  return rc;
}

int kdf_hash_async(uv_loop_t *loop, const char *password, kdf_hash_cb cb, void *ud) {
  kdf_job_t *j = sp_xcalloc(1, sizeof(*j));
  j->hash_cb = cb;
  j->ud = ud;
  return submit(loop, j, password);
}

int kdf_verify_async(uv_loop_t *loop, const char *password, const char *encoded, kdf_verify_cb cb, void *ud) {
  kdf_job_t *j = sp_xcalloc(1, sizeof(*j));
  j->verify = true;
  j->verify_cb = cb;
  j->ud = ud;
  if (!encoded) {
    j->dummy = true;
  } else if (strlen(encoded) >= sizeof(j->encoded)) {
    free(j);
    return -EINVAL;
  } else {
    strcpy(j->encoded, encoded);
  }
  return submit(loop, j, password);
}

/* ---- random secrets ---- */

void kdf_generate_password(char out[21]) {
  const size_t n = sizeof(password_alphabet) - 1;
  /* Rejection sampling: bytes at or above the largest multiple of n would
   * favour the first characters of the alphabet. */
  const unsigned limit = 256 - 256 % n;
  size_t o = 0;
  while (o < 20) {
    unsigned char buf[32];
    if (RAND_bytes(buf, sizeof(buf)) != 1) {
      out[0] = '\0';
      return;
    }
    for (size_t i = 0; i < sizeof(buf) && o < 20; i++)
      if (buf[i] < limit) out[o++] = password_alphabet[buf[i] % n];
    OPENSSL_cleanse(buf, sizeof(buf));
  }
  out[20] = '\0';
}

static bool sha256(const unsigned char *in, size_t n, unsigned char out[32]) {
  unsigned int len = 0;
  return EVP_Digest(in, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

void kdf_new_token(char token[44], unsigned char hash[32]) {
  unsigned char raw[TOKEN_RAW_LEN];
  token[0] = '\0';
  memset(hash, 0, 32);
  if (RAND_bytes(raw, sizeof(raw)) != 1) return;
  if (sha256(raw, sizeof(raw), hash)) b64_encode(raw, sizeof(raw), token, b64_url);
  OPENSSL_cleanse(raw, sizeof(raw));
}

bool kdf_token_hash(const char *token, unsigned char hash[32]) {
  unsigned char raw[TOKEN_RAW_LEN];
  if (!token || strlen(token) != TOKEN_LEN || !b64_decode_exact(token, TOKEN_LEN, raw, sizeof(raw), b64_url))
    return false;
  bool ok = sha256(raw, sizeof(raw), hash);
  OPENSSL_cleanse(raw, sizeof(raw));
  return ok;
}
