/* test_client_idtable: the request id table of libsimpeg-client. */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "spc_idtable.h"

static void *val(uint64_t id) { return (void *)(uintptr_t)(id * 2 + 1); }

static void empty_table_finds_nothing(void **state) {
  (void)state;
  spc_idtable_t t;
  spc_idtable_init(&t);
  assert_null(spc_idtable_get(&t, 1));
  assert_null(spc_idtable_remove(&t, 1));
  assert_int_equal(spc_idtable_count(&t), 0);
  spc_idtable_free(&t);
}

static void id_zero_and_duplicates_are_refused(void **state) {
  (void)state;
  spc_idtable_t t;
  spc_idtable_init(&t);
  assert_int_equal(spc_idtable_insert(&t, 0, val(0)), -EINVAL);
  assert_int_equal(spc_idtable_insert(&t, 7, val(7)), 0);
  assert_int_equal(spc_idtable_insert(&t, 7, val(8)), -EEXIST);
  assert_ptr_equal(spc_idtable_get(&t, 7), val(7));
  assert_int_equal(spc_idtable_count(&t), 1);
  spc_idtable_free(&t);
}

/* Many sequential ids (what a client issues), removed in a scrambled order
 * with lookups of everything after each step of the way. */
static void many_ids_insert_lookup_remove(void **state) {
  (void)state;
  enum { N = 20000 };
  spc_idtable_t t;
  spc_idtable_init(&t);
  for (uint64_t id = 1; id <= N; id++) assert_int_equal(spc_idtable_insert(&t, id, val(id)), 0);
  assert_int_equal(spc_idtable_count(&t), N);
  for (uint64_t id = 1; id <= N; id++) assert_ptr_equal(spc_idtable_get(&t, id), val(id));
  assert_null(spc_idtable_get(&t, N + 1));

  /* Remove every id in a permuted order (a multiplier coprime to N). */
  for (uint64_t k = 0; k < N; k++) {
    uint64_t id = (k * 7919) % N + 1;
    assert_ptr_equal(spc_idtable_remove(&t, id), val(id));
    assert_null(spc_idtable_get(&t, id));
    if (k % 1000 == 0) {
      /* Everything not removed yet is still reachable (backward shift
       * must not break probe runs). */
      for (uint64_t j = k + 1; j < N; j++) {
        uint64_t other = (j * 7919) % N + 1;
        assert_ptr_equal(spc_idtable_get(&t, other), val(other));
      }
    }
  }
  assert_int_equal(spc_idtable_count(&t), 0);
  spc_idtable_free(&t);
}

/* A steady state like a busy connection: a window of ids in flight that
 * slides forward, ids finishing out of order. The table must not grow. */
static void sliding_window_keeps_table_small(void **state) {
  (void)state;
  enum { WINDOW = 64, TOTAL = 200000 };
  spc_idtable_t t;
  spc_idtable_init(&t);
  uint64_t next = 1;
  for (; next <= WINDOW; next++) assert_int_equal(spc_idtable_insert(&t, next, val(next)), 0);
  size_t cap_after_fill = t.cap;
  uint64_t seed = 12345;
  while (next <= TOTAL) {
    /* Finish a pseudo-random id of the window. */
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t lo = next - WINDOW;
    uint64_t id = lo + (seed >> 33) % WINDOW;
    if (spc_idtable_get(&t, id)) {
      assert_ptr_equal(spc_idtable_remove(&t, id), val(id));
      assert_int_equal(spc_idtable_insert(&t, next, val(next)), 0);
      next++;
    } else {
      /* Already finished: finish the oldest still present instead. */
      for (uint64_t k = lo; k < next; k++) {
        if (spc_idtable_get(&t, k)) {
          spc_idtable_remove(&t, k);
          break;
        }
      }
      assert_int_equal(spc_idtable_insert(&t, next, val(next)), 0);
      next++;
    }
    assert_true(spc_idtable_count(&t) <= WINDOW);
  }
  assert_true(t.cap <= cap_after_fill * 2);
  spc_idtable_free(&t);
}

static void iteration_visits_every_entry_once(void **state) {
  (void)state;
  spc_idtable_t t;
  spc_idtable_init(&t);
  uint64_t sum = 0;
  for (uint64_t id = 100; id < 400; id += 3) {
    spc_idtable_insert(&t, id, val(id));
    sum += id;
  }
  size_t pos = 0, seen = 0;
  long i;
  uint64_t got = 0;
  while ((i = spc_idtable_next(&t, &pos)) >= 0) {
    got += t.slots[i].id;
    assert_ptr_equal(t.slots[i].value, val(t.slots[i].id));
    seen++;
  }
  assert_int_equal(seen, spc_idtable_count(&t));
  assert_int_equal(got, sum);
  spc_idtable_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(empty_table_finds_nothing),
      cmocka_unit_test(id_zero_and_duplicates_are_refused),
      cmocka_unit_test(many_ids_insert_lookup_remove),
      cmocka_unit_test(sliding_window_keeps_table_small),
      cmocka_unit_test(iteration_visits_every_entry_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
