/* kdf: password hashing with scrypt (OpenSSL's EVP_PBE_scrypt), always off
 * the event loop.
 *
 * Encoded form (stored in users.password_hash):
 *   scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
 * with a 16-byte random salt and a 32-byte hash. The parameters travel with
 * each hash, so raising them later only affects new hashes (and old ones can
 * be re-hashed at the next successful login). Defaults: N = 2^15, r = 8,
 * p = 1 (32 MiB of memory, ~50-100 ms on one core); docs/internals/auth.md
 * says why.
 *
 * The async calls run the KDF in the libuv thread pool (uv_queue_work) and
 * call back on the loop thread. Verification compares in constant time
 * (CRYPTO_memcmp). A password is copied into the job and wiped
 * (OPENSSL_cleanse) when the job ends; callers should wipe their copies.
 * At most 256 jobs are queued at once: beyond that the async calls return
 * -EAGAIN at once (the caller answers "busy") instead of queueing more. */
#ifndef SIMPEGD_KDF_H
#define SIMPEGD_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define KDF_ENCODED_MAX 256
#define KDF_PASSWORD_MAX 1024 /* longer passwords are refused before hashing */

typedef struct kdf_params {
  unsigned log2_n; /* N = 2^log2_n */
  unsigned r;
  unsigned p;
} kdf_params_t;

extern const kdf_params_t kdf_default_params;

/* Synchronous versions (thread pool jobs, tests, simpegd bootstrap-admin
 * before the loop starts). 0 or negative errno. */
int kdf_hash(const char *password, const kdf_params_t *params, char out[KDF_ENCODED_MAX]);
/* 1 match, 0 no match, negative when `encoded` is malformed. */
int kdf_verify(const char *password, const char *encoded);
/* true when `encoded` uses weaker parameters than `params` (re-hash on login). */
bool kdf_needs_rehash(const char *encoded, const kdf_params_t *params);

/* Async: status 0 and the encoded hash, or negative. */
typedef void (*kdf_hash_cb)(void *ud, int status, const char *encoded);
int kdf_hash_async(uv_loop_t *loop, const char *password, kdf_hash_cb cb, void *ud);
/* Async: status 1 match, 0 no match, negative error. With encoded == NULL
 * it verifies against a fixed dummy hash (same cost) and reports 0, so an
 * unknown account takes as long as a wrong password. */
typedef void (*kdf_verify_cb)(void *ud, int status);
int kdf_verify_async(uv_loop_t *loop, const char *password, const char *encoded, kdf_verify_cb cb, void *ud);

/* Random password for generated accounts: 20 characters from an alphabet
 * without look-alikes (no 0/O, 1/l/I). Empty if the system's random number
 * generator fails (as are the token and its zeroed hash below). */
void kdf_generate_password(char out[21]);
/* Random session token: 32 bytes as 43 base64url characters + NUL, and its
 * SHA-256 (what the database stores). */
void kdf_new_token(char token[44], unsigned char hash[32]);
/* SHA-256 of a presented token. false when it is not 43 base64url chars. */
bool kdf_token_hash(const char *token, unsigned char hash[32]);

#endif
