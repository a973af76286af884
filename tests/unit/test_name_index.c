/* Unit tests for name_index (pg_trgm's trigrams and similarity, the index)
 * and name_sync's probe check. Agreement with the real pg_trgm is tested
 * against PostgreSQL in integration.name_index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "name_index.h"
#include "name_sync.h"

/* The trigrams of s as text, sorted, joined by '|'. */
static const char *trgm_text(const char *s) {
  static char out[4096];
  uint16_t codes[512];
  int n = name_trgm(s, strlen(s), codes);
  if (n < 0) return NULL;
  char t[512][4];
  for (int i = 0; i < n; i++) name_trgm_text(codes[i], t[i]);
  qsort(t, (size_t)n, sizeof(t[0]), (int (*)(const void *, const void *))strcmp);
  out[0] = '\0';
  for (int i = 0; i < n; i++) {
    if (i) strcat(out, "|");
    strcat(out, t[i]);
  }
  return out;
}

static float sim_of(const char *a, const char *b) {
  uint16_t ca[512], cb[512];
  int na = name_trgm(a, strlen(a), ca), nb = name_trgm(b, strlen(b), cb), shared = 0;
  for (int i = 0, j = 0; i < na && j < nb;) {
    if (ca[i] == cb[j]) {
      shared++;
      i++;
      j++;
    } else if (ca[i] < cb[j]) {
      i++;
    } else {
      j++;
    }
  }
  return name_similarity(shared, na, nb);
}

/* pg_trgm's documented examples: show_trgm('word') and similarity('word',
 * 'two words') = 0.36363637 (4 shared of 5 and 10). */
static void trigrams_are_pg_trgms(void **state) {
  (void)state;
  assert_string_equal(trgm_text("word"), "  w| wo|ord|rd |wor");
  assert_string_equal(trgm_text("Word"), "  w| wo|ord|rd |wor"); /* lower-cased */
  assert_string_equal(trgm_text("a"), "  a| a ");
  /* every trigram once, whatever the word order */
  assert_string_equal(trgm_text("ab ab"), "  a| ab|ab ");
  assert_string_equal(trgm_text("siti rahma"), trgm_text("rahma siti"));
  assert_true(sim_of("word", "two words") == 4.0f / 11.0f);
  assert_true(sim_of("siti rahmawati", "rahmawati siti") == 1.0f);
}

static void punctuation_separates_words_and_digits_are_letters(void **state) {
  (void)state;
  assert_string_equal(trgm_text("o'neil"), trgm_text("o neil"));
  assert_string_equal(trgm_text("S.Pd., M.Pd."), trgm_text("s pd m pd"));
  assert_string_equal(trgm_text("a1"), "  a| a1|a1 ");
  assert_string_equal(trgm_text("--- ..."), ""); /* no word: no trigram */
  assert_true(sim_of("", "siti") == 0.0f);
  assert_true(sim_of("...", "...") == 0.0f); /* both empty: 0, not 0/0 */
}

static void text_that_is_not_printable_ascii_has_no_trigrams_here(void **state) {
  (void)state;
  uint16_t codes[32];
  assert_int_equal(name_trgm("zo\xc3\xab", 4, codes), -1); /* UTF-8 */
  assert_int_equal(name_trgm("a\tb", 3, codes), -1);
  assert_false(name_printable("\x7f", 1));
  assert_true(name_printable(" ~", 2));
}

/* The match threshold is pg_trgm's `%`: the float4 similarity compared as
 * a double, so 3/10 (0.300000012 as float4) passes 0.3. */
static void the_threshold_is_compared_as_pg_trgm_compares_it(void **state) {
  (void)state;
  assert_true(name_matches(name_similarity(3, 3, 10), 0.3));
  assert_false(name_matches(name_similarity(2, 3, 10), 0.3));
  assert_true(name_matches(1.0f, 1.0));
}

/* Parses a PostgreSQL array literal of quoted elements into lines. */
static int split_literal(const char *lit, char out[][64], int max) {
  int n = 0;
  assert_true(*lit == '{');
  const char *p = lit + 1;
  while (*p && *p != '}') {
    assert_true(*p == '"');
    p++;
    int k = 0;
    while (*p != '"') {
      if (*p == '\\') p++;
      assert_true(k < 63);
      out[n][k++] = *p++;
    }
    out[n][k] = '\0';
    p++;
    if (*p == ',') p++;
    assert_true(++n <= max);
  }
  return n;
}

static const char *given[] = {"siti", "rahma", "andi", "budi", "dewi", "eka", "fitri", "gita", "hadi", "intan"};

/* A name made of two or three random parts, sometimes with a typo or a
 * title. */
static void random_name(char *buf, size_t cap) {
  int parts = 2 + rand() % 2;
  buf[0] = '\0';
  for (int i = 0; i < parts; i++) {
    if (i) strncat(buf, " ", cap - strlen(buf) - 1);
    strncat(buf, given[rand() % 10], cap - strlen(buf) - 1);
  }
  size_t len = strlen(buf);
  if (rand() % 3 == 0) buf[rand() % len] = (char)('a' + rand() % 26);
  if (rand() % 5 == 0) strncat(buf, ", s.pd.", cap - strlen(buf) - 1);
}

/* Against brute force over every name: the same names, the same scores. */
static void the_index_finds_every_similar_name_and_no_other(void **state) {
  (void)state;
  srand(7);
  enum { N = 600 };
  static char names[N][64];
  const char *ptr[N];
  size_t lens[N];
  for (int i = 0; i < N; i++) {
    random_name(names[i], sizeof(names[i]));
    ptr[i] = names[i];
    lens[i] = strlen(names[i]);
  }
  name_index_t *ix = name_index_new();
  name_index_add(ix, ptr, lens, N / 2, "10:10:", 0.3);
  name_index_add(ix, ptr + N / 2, lens + N / 2, N - N / 2, "12:12:", 0.3); /* in two loads */
  name_index_stats_t st;
  name_index_stats(ix, &st);
  for (int round = 0; round < 200; round++) {
    char q[64];
    random_name(q, sizeof(q));
    sp_buf_t bn, bs;
    sp_buf_init(&bn, 1 << 20);
    sp_buf_init(&bs, 1 << 20);
    char snap[NAME_SNAPSHOT_MAX];
    long k = name_index_match(ix, q, &bn, &bs, snap);
    assert_true(k >= 0);
    assert_string_equal(snap, "12:12:");
    static char got[N][64], score[N][64];
    assert_int_equal(split_literal((const char *)sp_buf_head(&bn), got, N), k);
    assert_int_equal(split_literal((const char *)sp_buf_head(&bs), score, N), k);
    /* every distinct name within the threshold, once */
    int want = 0;
    for (size_t i = 0; i < N; i++) {
      bool dup = false;
      for (size_t j = 0; j < i; j++) dup |= strcmp(names[j], names[i]) == 0;
      if (dup) continue;
      float s = sim_of(names[i], q);
      if (!name_matches(s, 0.3)) continue;
      want++;
      bool seen = false;
      for (long j = 0; j < k; j++) {
        if (strcmp(got[j], names[i]) != 0) continue;
        seen = true;
        assert_true(strtof(score[j], NULL) == s); /* the float4 PostgreSQL reads back */
      }
      if (!seen) fail_msg("\"%s\" ~ \"%s\" (%.9g) not found", names[i], q, (double)s);
    }
    assert_int_equal(want, k);
    sp_buf_free(&bn);
    sp_buf_free(&bs);
  }
  name_index_free(ix);
}

static void a_name_is_indexed_once_and_other_text_is_left_out(void **state) {
  (void)state;
  const char *names[] = {"siti rahma", "siti rahma", "zo\xc3\xab siti", "budi"};
  size_t lens[] = {10, 10, 10, 4};
  name_index_t *ix = name_index_new();
  assert_int_equal(name_index_add(ix, names, lens, 4, "5:5:", 0.3), 2);
  assert_int_equal(name_index_add(ix, names, lens, 1, "6:6:", 0.3), 0); /* already there */
  name_index_stats_t st;
  name_index_stats(ix, &st);
  assert_int_equal(st.names, 2);
  assert_int_equal(st.skipped, 1); /* the UTF-8 one */
  assert_true(st.ready);
  sp_buf_t bn, bs;
  sp_buf_init(&bn, 1 << 20);
  sp_buf_init(&bs, 1 << 20);
  char snap[NAME_SNAPSHOT_MAX];
  assert_int_equal(name_index_match(ix, "Siti Rahma", &bn, &bs, snap), 1);
  assert_string_equal((const char *)sp_buf_head(&bn), "{\"siti rahma\"}");
  assert_string_equal((const char *)sp_buf_head(&bs), "{\"1\"}");
  sp_buf_free(&bn);
  sp_buf_free(&bs);
  name_index_free(ix);
}

/* Whenever the index cannot answer exactly, it says so (-1) and the
 * search asks PostgreSQL alone. */
static void the_index_declines_what_it_cannot_answer_exactly(void **state) {
  (void)state;
  {
    name_index_t *empty = name_index_new(); /* loaded, with no name at all */
    sp_buf_t n0, s0;
    sp_buf_init(&n0, 1 << 10);
    sp_buf_init(&s0, 1 << 10);
    char snap0[NAME_SNAPSHOT_MAX];
    name_index_add(empty, NULL, NULL, 0, "1:1:", 0.3);
    assert_int_equal(name_index_match(empty, "siti", &n0, &s0, snap0), 0);
    sp_buf_free(&n0);
    sp_buf_free(&s0);
    name_index_free(empty);
  }
  const char *names[] = {"siti rahma"};
  size_t lens[] = {10};
  name_index_t *ix = name_index_new();
  sp_buf_t bn, bs;
  sp_buf_init(&bn, 1 << 20);
  sp_buf_init(&bs, 1 << 20);
  char snap[NAME_SNAPSHOT_MAX];
  assert_int_equal(name_index_match(ix, "siti", &bn, &bs, snap), -1); /* not loaded */
  name_index_add(ix, names, lens, 1, "5:5:", 0.0);
  assert_int_equal(name_index_match(ix, "siti", &bn, &bs, snap), -1); /* threshold 0: all match */
  name_index_add(ix, names, lens, 0, "5:5:", 0.3);
  sp_buf_reset(&bn, 0);
  sp_buf_reset(&bs, 0);
  assert_int_equal(name_index_match(ix, "zo\xc3\xab", &bn, &bs, snap), -1); /* not ASCII */
  char longq[300];
  memset(longq, 'a', sizeof(longq) - 1);
  longq[sizeof(longq) - 1] = '\0';
  assert_int_equal(name_index_match(ix, longq, &bn, &bs, snap), -1);
  sp_buf_t tiny;
  sp_buf_init(&tiny, 4); /* cannot hold the answer */
  assert_int_equal(name_index_match(ix, "siti rahma", &tiny, &bs, snap), -1);
  sp_buf_free(&tiny);
  sp_buf_reset(&bn, 0);
  sp_buf_reset(&bs, 0);
  assert_int_equal(name_index_match(ix, "xyz", &bn, &bs, snap), 0); /* a fine answer: none */
  assert_string_equal((const char *)sp_buf_head(&bn), "{}");
  name_index_turn_off(ix); /* the database's rules differ (name_sync.c) */
  sp_buf_reset(&bn, 0);
  sp_buf_reset(&bs, 0);
  assert_int_equal(name_index_match(ix, "siti rahma", &bn, &bs, snap), -1);
  name_index_stats_t st;
  name_index_stats(ix, &st);
  assert_true(st.off);
  assert_false(st.ready);
  sp_buf_free(&bn);
  sp_buf_free(&bs);
  name_index_free(ix);
}

/* The probe's answer as this file computes it, then wrong ones. */
static void the_probe_check_refuses_a_database_that_differs(void **state) {
  (void)state;
  size_t len = strlen(name_sync_probe);
  char lower[256];
  assert_true(len < sizeof(lower));
  for (size_t i = 0; i <= len; i++) {
    char c = name_sync_probe[i];
    lower[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  char trgm[4096];
  snprintf(trgm, sizeof(trgm), "%s", trgm_text(name_sync_probe));
  assert_true(name_sync_probe_agrees(lower, trgm));
  /* a lower() that keeps one capital */
  char bad_lower[256];
  memcpy(bad_lower, lower, len + 1);
  bad_lower[strchr(name_sync_probe, 'Q') - name_sync_probe] = 'Q';
  assert_false(name_sync_probe_agrees(bad_lower, trgm));
  /* a trigram missing, one changed, one extra */
  assert_false(name_sync_probe_agrees(lower, strchr(trgm, '|') + 1));
  char changed[4096];
  snprintf(changed, sizeof(changed), "%s", trgm);
  changed[0] = changed[0] == 'x' ? 'y' : 'x';
  assert_false(name_sync_probe_agrees(lower, changed));
  char extra[4200];
  snprintf(extra, sizeof(extra), "%s|zzz", trgm);
  assert_false(name_sync_probe_agrees(lower, extra));
  assert_false(name_sync_probe_agrees(lower, ""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(trigrams_are_pg_trgms),
      cmocka_unit_test(punctuation_separates_words_and_digits_are_letters),
      cmocka_unit_test(text_that_is_not_printable_ascii_has_no_trigrams_here),
      cmocka_unit_test(the_threshold_is_compared_as_pg_trgm_compares_it),
      cmocka_unit_test(the_index_finds_every_similar_name_and_no_other),
      cmocka_unit_test(a_name_is_indexed_once_and_other_text_is_left_out),
      cmocka_unit_test(the_index_declines_what_it_cannot_answer_exactly),
      cmocka_unit_test(the_probe_check_refuses_a_database_that_differs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
