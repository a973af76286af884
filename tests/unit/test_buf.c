/* Unit tests for sp_buf (bounded growable buffer) and sp_arena (per-request
 * bump allocator with a budget). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sp_arena.h"
#include "sp_buf.h"

static void buf_refuses_growth_past_its_limit(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 100);
  char x[100];
  memset(x, 'x', sizeof(x));
  assert_int_equal(sp_buf_append(&b, x, 60), 0);
  assert_int_not_equal(sp_buf_append(&b, x, 41), 0);
  assert_int_equal(sp_buf_used(&b), 60);
  assert_int_equal(sp_buf_append(&b, x, 40), 0);
  assert_null(sp_buf_reserve(&b, 1));
  sp_buf_free(&b);
}

static void buf_consumed_space_is_reused(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 64);
  char x[64];
  memset(x, 'y', sizeof(x));
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(sp_buf_append(&b, x, 48), 0);
    sp_buf_consume(&b, 40);
    sp_buf_consume(&b, 8);
  }
  assert_true(b.cap <= 256); /* no growth: consumed room is reused */
  assert_int_equal(sp_buf_append(&b, "abc", 3), 0);
  assert_int_equal(sp_buf_append(&b, x, 50), 0);
  sp_buf_consume(&b, 2);
  assert_int_equal(*sp_buf_head(&b), 'c');
  sp_buf_free(&b);
}

static void buf_reset_releases_large_allocations(void **state) {
  (void)state;
  sp_buf_t b;
  sp_buf_init(&b, 1 << 20);
  assert_non_null(sp_buf_reserve(&b, 100000));
  sp_buf_reset(&b, 4096);
  assert_int_equal(b.cap, 0);
  assert_null(b.data);
  sp_buf_free(&b);
}

static void arena_enforces_its_budget(void **state) {
  (void)state;
  sp_arena_t a;
  sp_arena_init(&a, 1000);
  assert_non_null(sp_arena_alloc(&a, 500));
  assert_non_null(sp_arena_alloc(&a, 400));
  assert_null(sp_arena_alloc(&a, 200));
  assert_null(sp_arena_alloc(&a, SIZE_MAX));
  sp_arena_free(&a);
}

static void arena_allocations_are_aligned_and_distinct(void **state) {
  (void)state;
  sp_arena_t a;
  sp_arena_init(&a, 1 << 20);
  char *prev = NULL;
  for (int i = 1; i < 200; i++) {
    char *p = sp_arena_alloc(&a, (size_t)i);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, i, (size_t)i);
    if (prev) assert_ptr_not_equal(p, prev);
    prev = p;
  }
  char *big = sp_arena_alloc(&a, 10000); /* larger than a chunk */
  assert_non_null(big);
  memset(big, 0, 10000);
  assert_string_equal(sp_arena_printf(&a, "%s-%d", "CUTI", 7), "CUTI-7");
  sp_arena_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_refuses_growth_past_its_limit),
      cmocka_unit_test(buf_consumed_space_is_reused),
      cmocka_unit_test(buf_reset_releases_large_allocations),
      cmocka_unit_test(arena_enforces_its_budget),
      cmocka_unit_test(arena_allocations_are_aligned_and_distinct),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
