/*
 * Sequence-number arithmetic (lib/wire/seq.h): every helper, with the
 * wraparound cases (0xFFFFFF00 -> 0x100) that the TCP engine meets once
 * every 4 GiB, and the window tests at their edges.
 */
#include "config.h"

#include "harness.h"
#include "wire/seq.h"

#define S(x) sf_seq(x)

START_TEST(test_construct_and_add) {
  ck_assert_uint_eq(S(0).v, 0);
  ck_assert_uint_eq(S(0xdeadbeef).v, 0xdeadbeef);
  ck_assert_uint_eq(sf_seq_add(S(1000), 500).v, 1500);
  ck_assert_uint_eq(sf_seq_add(S(0xffffff00), 0x200).v, 0x100);
  ck_assert_uint_eq(sf_seq_add(S(0xffffffff), 1).v, 0);
  ck_assert_uint_eq(sf_seq_add(S(5), 0xffffffff).v, 4); /* adds -1 */
  ck_assert_uint_eq(sf_seq_add(S(7), 0).v, 7);
}
END_TEST

START_TEST(test_diff) {
  ck_assert_int_eq(sf_seq_diff(S(1500), S(1000)), 500);
  ck_assert_int_eq(sf_seq_diff(S(1000), S(1500)), -500);
  ck_assert_int_eq(sf_seq_diff(S(42), S(42)), 0);
  /* Across the wrap: 0x100 is 0x200 after 0xFFFFFF00. */
  ck_assert_int_eq(sf_seq_diff(S(0x100), S(0xffffff00)), 0x200);
  ck_assert_int_eq(sf_seq_diff(S(0xffffff00), S(0x100)), -0x200);
  ck_assert_int_eq(sf_seq_diff(S(0), S(0xffffffff)), 1);
  /* The largest distances either way. */
  ck_assert_int_eq(sf_seq_diff(S(0x7fffffff), S(0)), INT32_MAX);
  ck_assert_int_eq(sf_seq_diff(S(0x80000001), S(0)), -INT32_MAX);
  ck_assert_int_eq(sf_seq_diff(S(0x80000000), S(0)), INT32_MIN);
}
END_TEST

START_TEST(test_eq) {
  ck_assert(sf_seq_eq(S(0), S(0)));
  ck_assert(sf_seq_eq(S(0xffffffff), sf_seq_add(S(0xfffffff0), 0xf)));
  ck_assert(!sf_seq_eq(S(0), S(0xffffffff)));
  ck_assert(!sf_seq_eq(S(1), S(2)));
}
END_TEST

/* Checks all four orderings of a before b (a strictly earlier). */
static void assert_before(uint32_t a, uint32_t b) {
  ck_assert_msg(sf_seq_lt(S(a), S(b)), "%#x < %#x", a, b);
  ck_assert_msg(sf_seq_leq(S(a), S(b)), "%#x <= %#x", a, b);
  ck_assert_msg(!sf_seq_gt(S(a), S(b)), "!(%#x > %#x)", a, b);
  ck_assert_msg(!sf_seq_geq(S(a), S(b)), "!(%#x >= %#x)", a, b);
  ck_assert_msg(sf_seq_gt(S(b), S(a)), "%#x > %#x", b, a);
  ck_assert_msg(sf_seq_geq(S(b), S(a)), "%#x >= %#x", b, a);
  ck_assert_msg(!sf_seq_lt(S(b), S(a)), "!(%#x < %#x)", b, a);
  ck_assert_msg(!sf_seq_leq(S(b), S(a)), "!(%#x <= %#x)", b, a);
}

START_TEST(test_orderings) {
  assert_before(0, 1);
  assert_before(1000, 2000);
  assert_before(0x7ffffffe, 0x7fffffff);
  assert_before(0x7fffffff, 0x80000000);
  /* Across the wrap. */
  assert_before(0xffffff00, 0x100);
  assert_before(0xffffffff, 0);
  assert_before(0xffffffff, 0x7ffffffe);
  /* Just under half the space apart is still "before". */
  assert_before(0, 0x7fffffff);
  assert_before(0x80000001, 0);
  /* Equal values: leq and geq hold, lt and gt do not. */
  ck_assert(sf_seq_leq(S(0xffffff00), S(0xffffff00)));
  ck_assert(sf_seq_geq(S(0xffffff00), S(0xffffff00)));
  ck_assert(!sf_seq_lt(S(0xffffff00), S(0xffffff00)));
  ck_assert(!sf_seq_gt(S(0xffffff00), S(0xffffff00)));
}
END_TEST

/*
 * Exactly 2^31 apart the order is undefined by RFC 9293; the helpers say
 * each is before the other (diff is INT32_MIN both ways). Pinned so a
 * change of the definition is noticed.
 */
START_TEST(test_half_space_apart) {
  ck_assert(sf_seq_lt(S(0x80000000), S(0)));
  ck_assert(sf_seq_lt(S(0), S(0x80000000)));
  ck_assert(!sf_seq_gt(S(0), S(0x80000000)));
}
END_TEST

START_TEST(test_max_min) {
  ck_assert_uint_eq(sf_seq_max(S(1), S(2)).v, 2);
  ck_assert_uint_eq(sf_seq_max(S(2), S(1)).v, 2);
  ck_assert_uint_eq(sf_seq_min(S(1), S(2)).v, 1);
  ck_assert_uint_eq(sf_seq_min(S(2), S(1)).v, 1);
  /* The later of 0xFFFFFF00 and 0x100 is 0x100, though it is smaller. */
  ck_assert_uint_eq(sf_seq_max(S(0xffffff00), S(0x100)).v, 0x100);
  ck_assert_uint_eq(sf_seq_max(S(0x100), S(0xffffff00)).v, 0x100);
  ck_assert_uint_eq(sf_seq_min(S(0xffffff00), S(0x100)).v, 0xffffff00);
  ck_assert_uint_eq(sf_seq_min(S(0x100), S(0xffffff00)).v, 0xffffff00);
  ck_assert_uint_eq(sf_seq_max(S(7), S(7)).v, 7);
  ck_assert_uint_eq(sf_seq_min(S(7), S(7)).v, 7);
}
END_TEST

START_TEST(test_in_range_edges) {
  /* [1000, 2000): lo is in, hi is out. */
  ck_assert(sf_seq_in_range(S(1000), S(1000), S(2000)));
  ck_assert(sf_seq_in_range(S(1999), S(1000), S(2000)));
  ck_assert(!sf_seq_in_range(S(2000), S(1000), S(2000)));
  ck_assert(!sf_seq_in_range(S(999), S(1000), S(2000)));
  ck_assert(!sf_seq_in_range(S(0x80000000), S(1000), S(2000)));
  /* [1000, 2000]: both ends in. */
  ck_assert(sf_seq_in_range_incl(S(1000), S(1000), S(2000)));
  ck_assert(sf_seq_in_range_incl(S(2000), S(1000), S(2000)));
  ck_assert(!sf_seq_in_range_incl(S(2001), S(1000), S(2000)));
  ck_assert(!sf_seq_in_range_incl(S(999), S(1000), S(2000)));
  /* An empty window holds nothing; [lo, lo] holds lo alone. */
  ck_assert(!sf_seq_in_range(S(5), S(5), S(5)));
  ck_assert(!sf_seq_in_range(S(6), S(5), S(5)));
  ck_assert(sf_seq_in_range_incl(S(5), S(5), S(5)));
  ck_assert(!sf_seq_in_range_incl(S(4), S(5), S(5)));
  ck_assert(!sf_seq_in_range_incl(S(6), S(5), S(5)));
}
END_TEST

START_TEST(test_in_range_across_wrap) {
  const sf_seq_t lo = S(0xffffff00), hi = S(0x100);
  ck_assert(sf_seq_in_range(S(0xffffff00), lo, hi));
  ck_assert(sf_seq_in_range(S(0xffffffff), lo, hi));
  ck_assert(sf_seq_in_range(S(0), lo, hi));
  ck_assert(sf_seq_in_range(S(0xff), lo, hi));
  ck_assert(!sf_seq_in_range(S(0x100), lo, hi));
  ck_assert(!sf_seq_in_range(S(0xfffffeff), lo, hi));
  ck_assert(!sf_seq_in_range(S(0x80000000), lo, hi));
  ck_assert(sf_seq_in_range_incl(S(0x100), lo, hi));
  ck_assert(sf_seq_in_range_incl(S(0xffffff00), lo, hi));
  ck_assert(!sf_seq_in_range_incl(S(0x101), lo, hi));
  ck_assert(!sf_seq_in_range_incl(S(0xfffffeff), lo, hi));
  /* A window ending exactly at the wrap: [0xFFFFFF00, 0). */
  ck_assert(sf_seq_in_range(S(0xffffffff), lo, S(0)));
  ck_assert(!sf_seq_in_range(S(0), lo, S(0)));
  ck_assert(sf_seq_in_range_incl(S(0), lo, S(0)));
}
END_TEST

/* Random windows anywhere in the space agree with plain offsets. */
START_TEST(test_random_windows) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(9293));
  for (int i = 0; i < 100000; i++) {
    uint32_t base = (uint32_t)sf_test_rng_next(&rng);
    if (i % 4 == 0) /* concentrate near the wrap */
      base = 0xffffff00u + sf_test_rng_below(&rng, 0x200);
    uint32_t wnd = sf_test_rng_below(&rng, 1u << 30);
    uint32_t off = sf_test_rng_below(&rng, 1u << 31);
    sf_seq_t lo = S(base), hi = sf_seq_add(lo, wnd);
    sf_seq_t s = sf_seq_add(lo, off);
    SF_CHECK(sf_seq_in_range(s, lo, hi) == (off < wnd), "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_in_range_incl(s, lo, hi) == (off <= wnd), "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_diff(s, lo) == (int32_t)off, "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_geq(s, lo), "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_lt(s, lo) == false, "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_lt(s, hi) == (off < wnd), "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_max(s, lo).v == s.v, "seq check failed at i=%d", i);
    SF_CHECK(sf_seq_min(s, lo).v == lo.v, "seq check failed at i=%d", i);
  }
}
END_TEST

static Suite *seq_suite(void) {
  Suite *s = suite_create("seq");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_construct_and_add);
  tcase_add_test(tc, test_diff);
  tcase_add_test(tc, test_eq);
  tcase_add_test(tc, test_orderings);
  tcase_add_test(tc, test_half_space_apart);
  tcase_add_test(tc, test_max_min);
  tcase_add_test(tc, test_in_range_edges);
  tcase_add_test(tc, test_in_range_across_wrap);
  tcase_add_test(tc, test_random_windows);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(seq_suite)
