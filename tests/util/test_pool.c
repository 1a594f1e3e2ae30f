/*
 * The bounded free list of blocks (lib/util/pool.h): a block given back
 * is the next one served, without the allocator; the list keeps at most
 * its bound and frees the rest; draining empties it; an allocation that
 * fails (the seam of alloc.h) surfaces as NULL only when the list is
 * empty. LeakSanitizer (sanitizer build) checks that drain frees all.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "util/alloc.h"
#include "util/pool.h"

START_TEST(test_reuse_without_allocator) {
  struct sf_pool p;
  sf__pool_init(&p, 100, 4);
  unsigned long before = sf__alloc_count();
  char *a = sf__pool_get(&p);
  ck_assert_ptr_nonnull(a);
  memset(a, 'x', 100); /* the whole size is usable */
  ck_assert_uint_eq(sf__alloc_count() - before, 1);
  sf__pool_put(&p, a);
  ck_assert_uint_eq(p.len, 1);
  char *b = sf__pool_get(&p);
  ck_assert_ptr_eq(b, a); /* the same block, last in first out */
  ck_assert_uint_eq(sf__alloc_count() - before, 1);
  ck_assert_uint_eq(p.len, 0);
  sf__pool_put(&p, b);
  sf__pool_put(&p, NULL); /* nothing */
  ck_assert_uint_eq(p.len, 1);
  sf__pool_drain(&p);
  ck_assert_uint_eq(p.len, 0);
  ck_assert_ptr_null(p.head);
}
END_TEST

START_TEST(test_bound) {
  struct sf_pool p;
  sf__pool_init(&p, 32, 3);
  void *b[5];
  for (int i = 0; i < 5; i++)
    ck_assert_ptr_nonnull(b[i] = sf__pool_get(&p));
  for (int i = 0; i < 5; i++)
    sf__pool_put(&p, b[i]);
  ck_assert_uint_eq(p.len, 3); /* two were freed */
  unsigned long before = sf__alloc_count();
  for (int i = 0; i < 3; i++)
    b[i] = sf__pool_get(&p);
  ck_assert_uint_eq(sf__alloc_count() - before, 0);
  b[3] = sf__pool_get(&p); /* the list is empty: the allocator again */
  ck_assert_uint_eq(sf__alloc_count() - before, 1);
  for (int i = 0; i < 4; i++)
    sf__pool_put(&p, b[i]);
  sf__pool_drain(&p);
}
END_TEST

START_TEST(test_small_blocks_hold_a_link) {
  struct sf_pool p;
  sf__pool_init(&p, 1, 2); /* raised to a pointer's size */
  ck_assert_uint_ge(p.size, sizeof(void *));
  void *a = sf__pool_get(&p), *b = sf__pool_get(&p);
  sf__pool_put(&p, a);
  sf__pool_put(&p, b);
  ck_assert_ptr_eq(sf__pool_get(&p), b);
  ck_assert_ptr_eq(sf__pool_get(&p), a);
  sf__pool_put(&p, a);
  sf__pool_put(&p, b);
  sf__pool_drain(&p);
}
END_TEST

START_TEST(test_failure_only_when_empty) {
  struct sf_pool p;
  sf__pool_init(&p, 64, 2);
  void *a = sf__pool_get(&p);
  sf__pool_put(&p, a);
  sf__alloc_fail_after(0, 2);
  ck_assert_ptr_eq(sf__pool_get(&p), a); /* kept: cannot fail */
  ck_assert_ptr_null(sf__pool_get(&p));  /* empty: the seam's failure */
  sf__alloc_fail_after(0, 0);
  sf__pool_put(&p, a);
  sf__pool_drain(&p);
}
END_TEST

static Suite *pool_suite(void) {
  Suite *s = suite_create("pool");
  TCase *tc = tcase_create("basic");
  tcase_add_test(tc, test_reuse_without_allocator);
  tcase_add_test(tc, test_bound);
  tcase_add_test(tc, test_small_blocks_hold_a_link);
  tcase_add_test(tc, test_failure_only_when_empty);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(pool_suite)
