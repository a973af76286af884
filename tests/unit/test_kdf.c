/* Unit tests of server/kdf.c: scrypt hashes in their encoded form, session
 * tokens, generated passwords and the thread-pool jobs. Most tests use a
 * small N so the suite stays fast; one uses the defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <uv.h>

#include "kdf.h"

static const kdf_params_t small = {.log2_n = 10, .r = 8, .p = 1};

/* Made independently with Python's hashlib.scrypt (n=1024, r=8, p=1, salt
 * bytes 0..15): pins the encoding and the KDF to the standard. */
static const char python_vector[] =
    "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s";

static void hash_then_verify_round_trips(void **state) {
  char enc[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("kata sandi rahasia", &small, enc), 0);
  assert_int_equal(strncmp(enc, "scrypt$1024$8$1$", 16), 0);
  assert_int_equal(kdf_verify("kata sandi rahasia", enc), 1);
  /* A fresh salt every time: same password, different encodings. */
  char enc2[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("kata sandi rahasia", &small, enc2), 0);
  assert_string_not_equal(enc, enc2);
  assert_int_equal(kdf_verify("kata sandi rahasia", enc2), 1);
}

static void default_parameters_round_trip(void **state) {
  char enc[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("kata sandi rahasia", &kdf_default_params, enc), 0);
  assert_int_equal(strncmp(enc, "scrypt$32768$8$1$", 17), 0);
  assert_int_equal(kdf_verify("kata sandi rahasia", enc), 1);
  assert_false(kdf_needs_rehash(enc, &kdf_default_params));
}

static void wrong_password_does_not_match(void **state) {
  char enc[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("kata sandi rahasia", &small, enc), 0);
  assert_int_equal(kdf_verify("kata sandi rahasib", enc), 0);
  assert_int_equal(kdf_verify("", enc), 0);
  assert_int_equal(kdf_verify("kata sandi rahasia ", enc), 0);
}

static void independent_vector_verifies(void **state) {
  assert_int_equal(kdf_verify("kata sandi rahasia", python_vector), 1);
  assert_int_equal(kdf_verify("kata sandi rahasiA", python_vector), 0);
}

static void malformed_encodings_are_refused(void **state) {
  static const char *bad[] = {
      "",
      "scrypt",
      "bcrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw",                                               /* no hash */
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s$x", /* extra field */
      "scrypt$1000$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",   /* N not 2^k */
      "scrypt$01024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",  /* leading zero */
      "scrypt$-1024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",
      "scrypt$1024$0$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",   /* r = 0 */
      "scrypt$1024$8$0$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",   /* p = 0 */
      "scrypt$1024$8$99$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",  /* p too big */
      /* 2^30 · 8 · 128 bytes: a corrupted row must not allocate 1 TiB */
      "scrypt$1073741824$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",
      "scrypt$99999999999999999999999$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0OD$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",     /* short salt */
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s", /* padded */
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODx$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",    /* stray bits */
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh-LSgj6s",    /* url alphabet */
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6",     /* short hash */
      "scrypt$$8$1$AAECAwQFBgcICQoLDA0ODw$EMJkClybZWituf1yy6hofaoRGXylqjJx0Cuh+LSgj6s",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (kdf_verify("kata sandi rahasia", bad[i]) >= 0) fail_msg("accepted: %s", bad[i]);
    assert_true(kdf_needs_rehash(bad[i], &kdf_default_params));
  }
  assert_true(kdf_verify("x", NULL) < 0);
}

static void parameters_are_read_from_the_encoding(void **state) {
  const kdf_params_t odd = {.log2_n = 11, .r = 4, .p = 2};
  char enc[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("kata sandi rahasia", &odd, enc), 0);
  assert_int_equal(strncmp(enc, "scrypt$2048$4$2$", 16), 0);
  /* Verified with the parameters in the string, not the defaults. */
  assert_int_equal(kdf_verify("kata sandi rahasia", enc), 1);
}

static void weaker_parameters_need_a_rehash(void **state) {
  const kdf_params_t odd = {.log2_n = 11, .r = 4, .p = 2};
  char enc[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("kata sandi rahasia", &odd, enc), 0);
  assert_true(kdf_needs_rehash(enc, &kdf_default_params));          /* N and r lower */
  assert_false(kdf_needs_rehash(enc, &odd));                        /* the same */
  assert_false(kdf_needs_rehash(enc, &(kdf_params_t){10, 4, 1}));   /* stronger than asked */
  assert_true(kdf_needs_rehash(enc, &(kdf_params_t){11, 4, 3}));    /* p lower */
  assert_true(kdf_needs_rehash(python_vector, &kdf_default_params)); /* N = 1024 */
}

static void bad_parameters_and_long_passwords_are_refused(void **state) {
  char enc[KDF_ENCODED_MAX];
  assert_int_equal(kdf_hash("x", &(kdf_params_t){0, 8, 1}, enc), -EINVAL);
  assert_int_equal(kdf_hash("x", &(kdf_params_t){30, 8, 1}, enc), -EINVAL);
  assert_int_equal(kdf_hash("x", &(kdf_params_t){10, 0, 1}, enc), -EINVAL);
  static char longpw[KDF_PASSWORD_MAX + 2];
  memset(longpw, 'a', KDF_PASSWORD_MAX + 1);
  assert_int_equal(kdf_hash(longpw, &small, enc), -E2BIG);
  assert_int_equal(kdf_verify(longpw, python_vector), -E2BIG);
  longpw[KDF_PASSWORD_MAX] = '\0'; /* exactly the maximum is fine */
  assert_int_equal(kdf_hash(longpw, &small, enc), 0);
  assert_int_equal(kdf_verify(longpw, enc), 1);
}

static void tokens_are_43_base64url_chars_and_hash_consistently(void **state) {
  char tok[44], tok2[44];
  unsigned char h[32], h2[32], again[32];
  kdf_new_token(tok, h);
  kdf_new_token(tok2, h2);
  assert_int_equal(strlen(tok), 43);
  assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
  assert_string_not_equal(tok, tok2);
  assert_memory_not_equal(h, h2, 32);
  assert_true(kdf_token_hash(tok, again));
  assert_memory_equal(h, again, 32);
  assert_true(kdf_token_hash(tok2, again));
  assert_memory_equal(h2, again, 32);
}

static void malformed_tokens_are_refused(void **state) {
  char tok[44], bad[64];
  unsigned char h[32];
  kdf_new_token(tok, h);
  assert_false(kdf_token_hash(NULL, h));
  assert_false(kdf_token_hash("", h));
  snprintf(bad, sizeof(bad), "%.42s", tok); /* one short */
  assert_false(kdf_token_hash(bad, h));
  snprintf(bad, sizeof(bad), "%sA", tok); /* one long */
  assert_false(kdf_token_hash(bad, h));
  snprintf(bad, sizeof(bad), "%s", tok);
  bad[5] = '+'; /* standard alphabet, not url */
  assert_false(kdf_token_hash(bad, h));
  bad[5] = '=';
  assert_false(kdf_token_hash(bad, h));
  /* The last character carries 2 unused bits: only the canonical spelling
   * (unused bits zero) is one token. */
  snprintf(bad, sizeof(bad), "%.42sB", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_false(kdf_token_hash(bad, h));
  snprintf(bad, sizeof(bad), "%.42sE", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_true(kdf_token_hash(bad, h));
}

static void generated_passwords_avoid_look_alikes(void **state) {
  static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  int seen[256] = {0};
  for (int i = 0; i < 500; i++) {
    char pw[21];
    kdf_generate_password(pw);
    assert_int_equal(strlen(pw), 20);
    assert_int_equal(strspn(pw, alphabet), 20);
    assert_null(strpbrk(pw, "0O1lI"));
    for (int k = 0; k < 20; k++) seen[(unsigned char)pw[k]]++;
  }
  /* 10 000 draws: every character of the alphabet turns up. */
  for (const char *a = alphabet; *a; a++) assert_true(seen[(unsigned char)*a] > 0);
}

/* ---- async ---- */

typedef struct result {
  int calls;
  int status;
  char encoded[KDF_ENCODED_MAX];
} result_t;

static void on_hash(void *ud, int status, const char *encoded) {
  result_t *r = ud;
  r->calls++;
  r->status = status;
  if (encoded) snprintf(r->encoded, sizeof(r->encoded), "%s", encoded);
}

static void on_verify(void *ud, int status) {
  result_t *r = ud;
  r->calls++;
  r->status = status;
}

static void async_jobs_call_back_on_the_loop(void **state) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  result_t h = {0}, ok = {0}, wrong = {0}, dummy = {0}, malformed = {0};
  assert_int_equal(kdf_hash_async(&loop, "kata sandi rahasia", on_hash, &h), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(h.calls, 1);
  assert_int_equal(h.status, 0);
  assert_false(kdf_needs_rehash(h.encoded, &kdf_default_params));

  assert_int_equal(kdf_verify_async(&loop, "kata sandi rahasia", h.encoded, on_verify, &ok), 0);
  assert_int_equal(kdf_verify_async(&loop, "salah", h.encoded, on_verify, &wrong), 0);
  /* An unknown account: the same work, never a match. */
  assert_int_equal(kdf_verify_async(&loop, "kata sandi rahasia", NULL, on_verify, &dummy), 0);
  assert_int_equal(kdf_verify_async(&loop, "kata sandi rahasia", "scrypt$x", on_verify, &malformed), 0);
  assert_int_equal(ok.calls + wrong.calls + dummy.calls, 0); /* never from inside the call */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(ok.calls, 1);
  assert_int_equal(ok.status, 1);
  assert_int_equal(wrong.status, 0);
  assert_int_equal(dummy.calls, 1);
  assert_int_equal(dummy.status, 0);
  assert_true(malformed.status < 0);

  static char longpw[KDF_PASSWORD_MAX + 2];
  memset(longpw, 'a', KDF_PASSWORD_MAX + 1);
  assert_int_equal(kdf_hash_async(&loop, longpw, on_hash, &h), -E2BIG);
  assert_int_equal(kdf_verify_async(&loop, longpw, NULL, on_verify, &dummy), -E2BIG);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hash_then_verify_round_trips),
      cmocka_unit_test(default_parameters_round_trip),
      cmocka_unit_test(wrong_password_does_not_match),
      cmocka_unit_test(independent_vector_verifies),
      cmocka_unit_test(malformed_encodings_are_refused),
      cmocka_unit_test(parameters_are_read_from_the_encoding),
      cmocka_unit_test(weaker_parameters_need_a_rehash),
      cmocka_unit_test(bad_parameters_and_long_passwords_are_refused),
      cmocka_unit_test(tokens_are_43_base64url_chars_and_hash_consistently),
      cmocka_unit_test(malformed_tokens_are_refused),
      cmocka_unit_test(generated_passwords_avoid_look_alikes),
      cmocka_unit_test(async_jobs_call_back_on_the_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
