/*
 * Out-of-order range tracking (lib/tcp/assembler.h): exact range lists
 * after adds that overlap on the left, the right, several ranges at once
 * or only touch; take_front and shift; SACK block order (RFC 2018 section
 * 4); SF_ENOSPC and SF_EINVAL leaving everything unchanged; the stamp
 * clock's renumbering; and a randomized comparison with a bitmap model.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "synfin.h"
#include "tcp/assembler.h"
#include "wire/seq.h"

/* A check that costs nothing while it holds. ck_assert records each
 * passing assertion's place (a write to the parent process when Check
 * forks), which makes loops of a million checks take a minute. */
/* Sorted, disjoint, not touching, non-empty, and stamps unique and at
 * most the clock: the invariant every operation keeps. */
static void assert_invariant(const struct sf_assembler *a) {
  SF_CHECK(a->n <= SF_ASM_MAX_RANGES, "n %u", a->n);
  for (unsigned i = 0; i < a->n; i++) {
    const struct sf_asm_range *r = &a->r[i];
    SF_CHECK(r->start < r->end, "range %u empty: [%u,%u)", i, r->start, r->end);
    SF_CHECK(r->stamp <= a->clock, "range %u stamp %u > clock", i, r->stamp);
    SF_CHECK(i == 0 || r->start > a->r[i - 1].end, "range %u touches %u", i,
          i - 1);
    for (unsigned j = 0; j < i; j++)
      SF_CHECK(r->stamp != a->r[j].stamp, "ranges %u, %u share a stamp", j, i);
  }
}

/* Asserts the ranges are exactly the n (start, end) pairs in se. */
static void assert_ranges(const struct sf_assembler *a, unsigned n,
                          const uint32_t *se) {
  assert_invariant(a);
  SF_CHECK(a->n == n, "%u ranges, want %u", a->n, n);
  for (unsigned i = 0; i < n; i++)
    SF_CHECK(a->r[i].start == se[2 * i] && a->r[i].end == se[2 * i + 1],
          "range %u is [%u,%u), want [%u,%u)", i, a->r[i].start, a->r[i].end,
          se[2 * i], se[2 * i + 1]);
}

#define RANGES(a, ...)                                                     \
  do {                                                                     \
    static const uint32_t se_[] = {__VA_ARGS__};                           \
    assert_ranges((a), (unsigned)(sizeof se_ / sizeof se_[0] / 2), se_);   \
  } while (0)

/* Asserts sack_ranges(max) gives exactly the n (start, end) pairs. */
static void assert_sack(const struct sf_assembler *a, unsigned max,
                        unsigned n, const uint32_t *se) {
  struct sf_asm_range out[SF_ASM_MAX_RANGES + 1];
  memset(out, 0xa5, sizeof out);
  ck_assert_uint_eq(sf__asm_sack_ranges(a, out, max), n);
  for (unsigned i = 0; i < n; i++)
    ck_assert_msg(out[i].start == se[2 * i] && out[i].end == se[2 * i + 1],
                  "block %u is [%u,%u), want [%u,%u)", i, out[i].start,
                  out[i].end, se[2 * i], se[2 * i + 1]);
  /* Nothing written past what was returned. */
  ck_assert_uint_eq(out[n].start, 0xa5a5a5a5u);
}

#define SACK(a, max, ...)                                                  \
  do {                                                                     \
    static const uint32_t se_[] = {__VA_ARGS__};                           \
    assert_sack((a), (max), (unsigned)(sizeof se_ / sizeof se_[0] / 2),    \
                se_);                                                      \
  } while (0)

/* Adds [start, end) and requires success. */
static void add(struct sf_assembler *a, uint32_t start, uint32_t end) {
  ck_assert_int_eq(sf__asm_add(a, start, end - start), 0);
  assert_invariant(a);
}

/* The front range's length, removed (the front advanced past it). */
static uint32_t take_front(struct sf_assembler *a) {
  const uint8_t *bytes;
  uint32_t n = sf__asm_front(a, &bytes);
  SF_CHECK(bytes == NULL, "offsets only, yet bytes");
  sf__asm_shift(a, NULL, n);
  return n;
}

/* What an assembler holds, by value: its slots are behind a pointer, so
 * comparing the struct itself would compare only that pointer. */
struct asm_snapshot {
  unsigned n;
  uint32_t clock;
  size_t held;
  struct sf_asm_range r[SF_ASM_MAX_RANGES];
};

static void snapshot(const struct sf_assembler *a, struct asm_snapshot *s) {
  memset(s, 0, sizeof(*s));
  s->n = a->n;
  s->clock = a->clock;
  s->held = a->held;
  if (a->n)
    memcpy(s->r, a->r, a->n * sizeof(a->r[0]));
}

static bool same_as(const struct sf_assembler *a,
                    const struct asm_snapshot *s) {
  struct asm_snapshot now;
  snapshot(a, &now);
  return memcmp(&now, s, sizeof(now)) == 0;
}

START_TEST(test_empty) {
  struct sf_assembler a;
  struct sf_asm_range out[4];
  sf__asm_init(&a);
  ck_assert(sf__asm_empty(&a));
  ck_assert_uint_eq(sf__asm_highest(&a), 0);
  ck_assert_uint_eq(take_front(&a), 0);
  sf__asm_shift(&a, NULL, 100);
  ck_assert_uint_eq(sf__asm_sack_ranges(&a, out, 4), 0);
  ck_assert_int_eq(sf__asm_add(&a, 10, 0), 0); /* len 0: nothing */
  ck_assert(sf__asm_empty(&a));
  ck_assert_uint_eq(a.clock, 0);
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_disjoint_adds_sorted) {
  struct sf_assembler a;
  sf__asm_init(&a);
  add(&a, 100, 110);
  add(&a, 20, 30);
  add(&a, 50, 60);
  add(&a, 200, 201);
  add(&a, 0, 1);
  RANGES(&a, 0, 1, 20, 30, 50, 60, 100, 110, 200, 201);
  ck_assert(!sf__asm_empty(&a));
  ck_assert_uint_eq(sf__asm_highest(&a), 201);
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_merge_overlap_left_and_right) {
  struct sf_assembler a;
  sf__asm_init(&a);
  add(&a, 10, 20);
  add(&a, 40, 50);
  add(&a, 5, 12); /* overlaps the left edge */
  RANGES(&a, 5, 20, 40, 50);
  add(&a, 45, 60); /* overlaps the right edge */
  RANGES(&a, 5, 20, 40, 60);
  add(&a, 30, 45); /* left of 40..60, overlapping */
  RANGES(&a, 5, 20, 30, 60);
  add(&a, 12, 18); /* inside: no change in extent */
  RANGES(&a, 5, 20, 30, 60);
  add(&a, 0, 100); /* covers everything */
  RANGES(&a, 0, 100);
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_merge_adjacent) {
  struct sf_assembler a;
  sf__asm_init(&a);
  add(&a, 10, 20);
  add(&a, 5, 10); /* touches the left edge: one range */
  RANGES(&a, 5, 20);
  add(&a, 20, 30); /* touches the right edge */
  RANGES(&a, 5, 30);
  add(&a, 40, 50);
  RANGES(&a, 5, 30, 40, 50);
  add(&a, 30, 40); /* fills the gap exactly: both sides merge */
  RANGES(&a, 5, 50);
  add(&a, 51, 60); /* one byte apart: stays separate */
  RANGES(&a, 5, 50, 51, 60);
  add(&a, 3, 4);
  RANGES(&a, 3, 4, 5, 50, 51, 60);
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_merge_covering_several) {
  struct sf_assembler a;
  sf__asm_init(&a);
  add(&a, 10, 20);
  add(&a, 30, 40);
  add(&a, 50, 60);
  add(&a, 70, 80);
  add(&a, 90, 100);
  add(&a, 15, 55); /* from inside the first to inside the third */
  RANGES(&a, 10, 60, 70, 80, 90, 100);
  add(&a, 60, 90); /* touches three: both neighbours and one inside */
  RANGES(&a, 10, 100);
  add(&a, 200, 210);
  add(&a, 220, 230);
  add(&a, 240, 250);
  add(&a, 195, 255); /* strictly covers three */
  RANGES(&a, 10, 100, 195, 255);
  add(&a, 100, 195); /* exactly the gap */
  RANGES(&a, 10, 255);
  sf__asm_free(&a, NULL);
}
END_TEST

/* Offsets near the top of uint32: fine up to an end of UINT32_MAX;
 * past that SF_EINVAL and no change (the header's documented choice). */
START_TEST(test_overflow_rejected) {
  struct sf_assembler a;
  struct asm_snapshot before;
  sf__asm_init(&a);
  add(&a, 0xffffff00u, 0xffffffffu);
  RANGES(&a, 0xffffff00u, 0xffffffffu);
  ck_assert_uint_eq(sf__asm_highest(&a), 0xffffffffu);
  snapshot(&a, &before);
  ck_assert_int_eq(sf__asm_add(&a, 0xffffffffu, 1), SF_EINVAL);
  ck_assert_int_eq(sf__asm_add(&a, 0xffffff00u, 0x100), SF_EINVAL);
  ck_assert_int_eq(sf__asm_add(&a, 5, UINT32_MAX), SF_EINVAL);
  ck_assert_int_eq(sf__asm_add(&a, UINT32_MAX, UINT32_MAX), SF_EINVAL);
  ck_assert(same_as(&a, &before));
  ck_assert_int_eq(sf__asm_add(&a, 0, UINT32_MAX), 0); /* end fits */
  RANGES(&a, 0, 0xffffffffu);
  sf__asm_free(&a, NULL);
}
END_TEST

/* Fills all 32 slots with [10i, 10i + 5). */
static void fill_slots(struct sf_assembler *a) {
  sf__asm_init(a);
  for (uint32_t i = 0; i < SF_ASM_MAX_RANGES; i++)
    add(a, 10 * i, 10 * i + 5);
  ck_assert_uint_eq(a->n, SF_ASM_MAX_RANGES);
}

START_TEST(test_enospc_changes_nothing) {
  struct sf_assembler a;
  struct asm_snapshot before;
  fill_slots(&a);
  snapshot(&a, &before);
  /* New disjoint ranges: past the end, before a gap's far side, and in
   * the middle of a gap. */
  ck_assert_int_eq(sf__asm_add(&a, 1000, 1), SF_ENOSPC);
  ck_assert_int_eq(sf__asm_add(&a, 316, 3), SF_ENOSPC);
  ck_assert_int_eq(sf__asm_add(&a, 6, 3), SF_ENOSPC);
  ck_assert(same_as(&a, &before)); /* clock included */
  /* Growing an existing range still works when full. */
  ck_assert_int_eq(sf__asm_add(&a, 315, 2), 0);
  ck_assert_uint_eq(a.r[31].end, 317);
  ck_assert_uint_eq(a.n, SF_ASM_MAX_RANGES);
  ck_assert_int_eq(sf__asm_add(&a, 2, 4), 0); /* [0,5) grows to [0,6) */
  ck_assert_uint_eq(a.r[0].end, 6);
  /* Bridging two ranges frees a slot for a disjoint one. */
  ck_assert_int_eq(sf__asm_add(&a, 6, 4), 0);
  ck_assert_uint_eq(a.n, SF_ASM_MAX_RANGES - 1);
  RANGES(&a, 0, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85,
         90, 95, 100, 105, 110, 115, 120, 125, 130, 135, 140, 145, 150, 155,
         160, 165, 170, 175, 180, 185, 190, 195, 200, 205, 210, 215, 220,
         225, 230, 235, 240, 245, 250, 255, 260, 265, 270, 275, 280, 285,
         290, 295, 300, 305, 310, 317);
  ck_assert_int_eq(sf__asm_add(&a, 1000, 1), 0);
  ck_assert_int_eq(sf__asm_add(&a, 2000, 1), SF_ENOSPC);
  assert_invariant(&a);
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_take_front) {
  struct sf_assembler a;
  struct asm_snapshot before;
  sf__asm_init(&a);
  add(&a, 5, 10);
  add(&a, 15, 20);
  snapshot(&a, &before);
  ck_assert_uint_eq(take_front(&a), 0); /* a gap at 0..5 */
  ck_assert(same_as(&a, &before));
  add(&a, 0, 5);
  RANGES(&a, 0, 10, 15, 20);
  ck_assert_uint_eq(take_front(&a), 10);
  RANGES(&a, 5, 10);
  ck_assert_uint_eq(sf__asm_highest(&a), 10);
  ck_assert_uint_eq(take_front(&a), 0);
  add(&a, 0, 1);
  ck_assert_uint_eq(take_front(&a), 1);
  RANGES(&a, 4, 9);
  add(&a, 0, 4);
  ck_assert_uint_eq(take_front(&a), 9);
  ck_assert(sf__asm_empty(&a));
  ck_assert_uint_eq(sf__asm_highest(&a), 0);
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_shift) {
  struct sf_assembler a;
  sf__asm_init(&a);
  add(&a, 10, 20);
  add(&a, 30, 40);
  add(&a, 50, 60);
  sf__asm_shift(&a, NULL, 0);
  RANGES(&a, 10, 20, 30, 40, 50, 60);
  sf__asm_shift(&a, NULL, 5); /* wholly above: each moves down 5 */
  RANGES(&a, 5, 15, 25, 35, 45, 55);
  sf__asm_shift(&a, NULL, 10); /* to the first range's inside: clipped */
  RANGES(&a, 0, 5, 15, 25, 35, 45);
  ck_assert_uint_eq(take_front(&a), 5);
  RANGES(&a, 10, 20, 30, 40);
  sf__asm_shift(&a, NULL, 20); /* exactly to the first range's end: dropped */
  RANGES(&a, 10, 20);
  sf__asm_shift(&a, NULL, 19);
  RANGES(&a, 0, 1);
  sf__asm_shift(&a, NULL, UINT32_MAX); /* everything delivered */
  ck_assert(sf__asm_empty(&a));
  add(&a, 7, 9);
  RANGES(&a, 7, 9);
  sf__asm_free(&a, NULL);
}
END_TEST

/* The part of a segment already held, for D-SACK (RFC 2883). */
static void expect_overlap(const struct sf_assembler *a, uint32_t off,
                           uint32_t len, bool found, uint32_t start,
                           uint32_t end) {
  struct sf_asm_range r = {0};
  ck_assert_int_eq(sf__asm_overlap(a, off, len, &r), found);
  if (found) {
    ck_assert_uint_eq(r.start, start);
    ck_assert_uint_eq(r.end, end);
  }
}

START_TEST(test_overlap) {
  struct sf_assembler a;
  sf__asm_init(&a);
  expect_overlap(&a, 0, 100, false, 0, 0);
  add(&a, 10, 20);
  add(&a, 30, 40);
  expect_overlap(&a, 0, 10, false, 0, 0);   /* touching is not holding */
  expect_overlap(&a, 20, 10, false, 0, 0);  /* the gap between */
  expect_overlap(&a, 12, 5, true, 12, 17);  /* inside */
  expect_overlap(&a, 5, 10, true, 10, 15);  /* over the left edge */
  expect_overlap(&a, 15, 20, true, 15, 20); /* two ranges: the first */
  expect_overlap(&a, 35, 100, true, 35, 40);
  expect_overlap(&a, 15, 0, false, 0, 0);   /* no bytes */
  sf__asm_free(&a, NULL);
}
END_TEST

START_TEST(test_sack_most_recent_first) {
  struct sf_assembler a;
  struct sf_asm_range out[1];
  sf__asm_init(&a);
  add(&a, 10, 20); /* A */
  add(&a, 30, 40); /* B */
  add(&a, 50, 60); /* C */
  SACK(&a, 4, 50, 60, 30, 40, 10, 20);
  SACK(&a, 3, 50, 60, 30, 40, 10, 20);
  SACK(&a, 2, 50, 60, 30, 40);
  SACK(&a, 1, 50, 60);
  ck_assert_uint_eq(sf__asm_sack_ranges(&a, out, 0), 0);
  add(&a, 20, 25); /* A grows */
  SACK(&a, 3, 10, 25, 50, 60, 30, 40);
  add(&a, 32, 35); /* a duplicate inside B still makes B newest */
  SACK(&a, 3, 30, 40, 10, 25, 50, 60);
  SACK(&a, 2, 30, 40, 10, 25);
  add(&a, 25, 30); /* A and B merge: the merged range is newest */
  SACK(&a, 3, 10, 40, 50, 60);
  sf__asm_shift(&a, NULL, 10); /* shifting keeps the order */
  SACK(&a, 3, 0, 30, 40, 50);
  ck_assert_uint_eq(take_front(&a), 30);
  SACK(&a, 3, 10, 20);
  sf__asm_free(&a, NULL);
}
END_TEST

/*
 * The scenario of RFC 2018 section 3, case 3, with the sequence space
 * placed across the 2^32 wrap: eight 500-byte segments from rcv_nxt,
 * the 2nd, 4th, 6th and 8th lost. Expected blocks computed by hand from
 * section 4's rules (newest block first, then the most recent others).
 * Offsets come from sf_seq_diff against rcv_nxt, edges go back through
 * sf_seq_add, as the engine will do.
 */
START_TEST(test_rfc2018_case3_across_wrap) {
  const sf_seq_t rcv_nxt = sf_seq(0xfffffc00u); /* 1024 before the wrap */
  struct sf_assembler a;
  struct sf_asm_range out[3];
  sf__asm_init(&a);
  /* The 1st segment arrives in order: rcv_nxt moves on 500. */
  sf_seq_t nxt = sf_seq_add(rcv_nxt, 500);
  for (uint32_t k = 2; k <= 6; k += 2) { /* 3rd, 5th, 7th arrive */
    sf_seq_t seg = sf_seq_add(rcv_nxt, k * 500);
    ck_assert_int_eq(sf__asm_add(&a, (uint32_t)sf_seq_diff(seg, nxt), 500),
                     0);
  }
  ck_assert_uint_eq(sf__asm_sack_ranges(&a, out, 3), 3);
  /* Blocks 0xfffffc00 + {3000,3500}, {2000,2500}, {1000,1500}: the
   * first two lie past the wrap. */
  ck_assert_uint_eq(sf_seq_add(nxt, out[0].start).v, 0x000007b8u);
  ck_assert_uint_eq(sf_seq_add(nxt, out[0].end).v, 0x000009acu);
  ck_assert_uint_eq(sf_seq_add(nxt, out[1].start).v, 0x000003d0u);
  ck_assert_uint_eq(sf_seq_add(nxt, out[1].end).v, 0x000005c4u);
  ck_assert_uint_eq(sf_seq_add(nxt, out[2].start).v, 0xffffffe8u);
  ck_assert_uint_eq(sf_seq_add(nxt, out[2].end).v, 0x000001dcu);
  /* Then the 4th arrives: 3rd..5th merge and lead. */
  ck_assert_int_eq(sf__asm_add(&a, 1000, 500), 0);
  SACK(&a, 3, 500, 2000, 2500, 3000);
  /* Then the 2nd: the front fills, rcv_nxt passes 5th's end. */
  ck_assert_int_eq(sf__asm_add(&a, 0, 500), 0);
  ck_assert_uint_eq(take_front(&a), 2000);
  SACK(&a, 3, 500, 1000);
  sf__asm_free(&a, NULL);
}
END_TEST

/* Near 2^32 adds, the stamps are renumbered without losing order. */
START_TEST(test_clock_renumbering) {
  struct sf_assembler a;
  sf__asm_init(&a);
  add(&a, 10, 20);
  add(&a, 30, 40);
  add(&a, 50, 60);
  add(&a, 10, 11); /* order now: 10, 50, 30 */
  a.clock = UINT32_MAX - 1;
  add(&a, 70, 80); /* stamp UINT32_MAX */
  ck_assert_uint_eq(a.clock, UINT32_MAX);
  SACK(&a, 4, 70, 80, 10, 20, 50, 60, 30, 40);
  add(&a, 30, 31); /* would wrap: renumbered 1..4, then 5 */
  ck_assert_uint_eq(a.clock, 5);
  SACK(&a, 4, 30, 40, 70, 80, 10, 20, 50, 60);
  ck_assert_uint_eq(a.r[0].stamp, 3); /* 10..20 */
  ck_assert_uint_eq(a.r[1].stamp, 5); /* 30..40 */
  ck_assert_uint_eq(a.r[2].stamp, 2); /* 50..60 */
  ck_assert_uint_eq(a.r[3].stamp, 4); /* 70..80 */
  sf__asm_free(&a, NULL);
}
END_TEST

/* ---------------------------------------------------------------- model */

#define U 4096 /* bitmap model: bytes [0, U) relative to rcv_nxt */

struct model {
  uint8_t bit[U];
};

/* Maximal runs of set bits, as (start, end) pairs; returns the count. */
static unsigned model_runs(const struct model *m, uint32_t *se,
                           unsigned cap) {
  unsigned n = 0;
  for (uint32_t i = 0; i < U;) {
    if (!m->bit[i]) {
      i++;
      continue;
    }
    uint32_t s = i;
    while (i < U && m->bit[i])
      i++;
    if (n < cap) {
      se[2 * n] = s;
      se[2 * n + 1] = i;
    }
    n++;
  }
  return n;
}

static void model_shift(struct model *m, uint32_t k) {
  if (k > U)
    k = U;
  memmove(m->bit, m->bit + k, U - k);
  memset(m->bit + U - k, 0, k);
}

/* The SACK property the engine relies on: blocks are distinct ranges,
 * newest first, none left out newer than the last one given, and the
 * first holds the bytes just added (RFC 2018 section 4). */
static void check_sack(const struct sf_assembler *a, uint32_t just_added) {
  struct sf_asm_range out[4];
  unsigned k = sf__asm_sack_ranges(a, out, 4);
  SF_CHECK(k == (a->n < 4 ? a->n : 4), "%u blocks for %u ranges", k, a->n);
  for (unsigned i = 1; i < k; i++)
    SF_CHECK(out[i - 1].stamp > out[i].stamp, "block %u older than %u", i - 1,
          i);
  for (unsigned i = 0; k == 4 && i < a->n; i++) {
    int listed = 0;
    for (unsigned j = 0; j < k; j++)
      listed |= out[j].start == a->r[i].start;
    SF_CHECK(listed || a->r[i].stamp < out[3].stamp, "range %u left out", i);
  }
  SF_CHECK(just_added == UINT32_MAX || k == 0 ||
            (out[0].start <= just_added && just_added < out[0].end),
        "first block [%u,%u) lacks the new bytes at %u", out[0].start,
        out[0].end, just_added);
}

static void model_op(struct sf_test_rng *g, struct sf_assembler *a,
                     struct model *m) {
  uint32_t op = sf_test_rng_below(g, 10);
  uint32_t added = UINT32_MAX;
  if (op < 7) { /* mostly adds, so the slots fill up */
    uint32_t off = sf_test_rng_below(g, U - 200);
    uint32_t len = sf_test_rng_below(g, 40);
    struct model next = *m;
    uint32_t se[2 * (SF_ASM_MAX_RANGES + 1)];
    memset(next.bit + off, 1, len);
    int want = model_runs(&next, se, SF_ASM_MAX_RANGES + 1) >
                       SF_ASM_MAX_RANGES
                   ? SF_ENOSPC
                   : 0;
    struct asm_snapshot before;
    snapshot(a, &before);
    int got = sf__asm_add(a, off, len);
    SF_CHECK(got == want, "add(%u, %u) = %d, model %d", off, len, got, want);
    if (want == 0)
      *m = next;
    else
      SF_CHECK(same_as(a, &before), "ENOSPC changed state");
    if (want == 0 && len > 0)
      added = off;
  } else if (op < 9) {
    uint32_t k = sf_test_rng_below(g, 300);
    sf__asm_shift(a, NULL, k);
    model_shift(m, k);
  } else {
    uint32_t front = 0;
    while (front < U && m->bit[front])
      front++;
    uint32_t got = take_front(a);
    SF_CHECK(got == front, "take_front %u, model %u", got, front);
    model_shift(m, front);
  }
  uint32_t se[2 * SF_ASM_MAX_RANGES];
  unsigned n = model_runs(m, se, SF_ASM_MAX_RANGES);
  assert_ranges(a, n, se);
  SF_CHECK(sf__asm_highest(a) == (n ? se[2 * n - 1] : 0), "highest %u",
        sf__asm_highest(a));
  check_sack(a, added);
}

START_TEST(test_random_against_bitmap) {
  static struct model m;
  uint64_t seed = sf_test_seed(0x41534d); /* "ASM" */
  for (uint64_t s = 0; s < 60; s++) {
    struct sf_test_rng g;
    struct sf_assembler a;
    sf_test_rng_seed(&g, seed + s);
    sf__asm_init(&a);
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 1500; i++)
      model_op(&g, &a, &m);
    sf__asm_free(&a, NULL);
  }
}
END_TEST

/* Slots come with the first range (an idle connection's assemblers hold
 * none), double up to SF_ASM_MAX_RANGES, and stay through a clear. */
START_TEST(test_slots_allocated_lazily) {
  struct sf_assembler a;
  sf__asm_init(&a);
  ck_assert_int_eq(sf__asm_add(&a, 5, 0), 0);
  ck_assert_ptr_null(a.r);
  ck_assert_uint_eq(a.cap, 0);
  add(&a, 10, 20);
  ck_assert_ptr_nonnull(a.r);
  ck_assert_uint_le(a.cap, 8);
  for (uint32_t k = 1; k < SF_ASM_MAX_RANGES; k++)
    add(&a, 10 + 20 * k, 20 + 20 * k);
  ck_assert_uint_eq(a.n, SF_ASM_MAX_RANGES);
  ck_assert_uint_eq(a.cap, SF_ASM_MAX_RANGES);
  ck_assert_int_eq(sf__asm_add(&a, 5000, 10), SF_ENOSPC);
  sf__asm_clear(&a, NULL);
  ck_assert_uint_eq(a.n, 0);
  ck_assert_uint_eq(a.cap, SF_ASM_MAX_RANGES);
  add(&a, 1, 2);
  ck_assert_uint_eq(a.n, 1);
  sf__asm_free(&a, NULL);
  ck_assert_ptr_null(a.r);
  ck_assert_uint_eq(a.n + a.cap, 0);
}
END_TEST

static Suite *assembler_suite(void) {
  Suite *s = suite_create("assembler");
  TCase *tc = tcase_create("add");
  tcase_add_test(tc, test_empty);
  tcase_add_test(tc, test_disjoint_adds_sorted);
  tcase_add_test(tc, test_merge_overlap_left_and_right);
  tcase_add_test(tc, test_merge_adjacent);
  tcase_add_test(tc, test_merge_covering_several);
  tcase_add_test(tc, test_overflow_rejected);
  tcase_add_test(tc, test_enospc_changes_nothing);
  tcase_add_test(tc, test_slots_allocated_lazily);
  suite_add_tcase(s, tc);
  tc = tcase_create("advance");
  tcase_add_test(tc, test_take_front);
  tcase_add_test(tc, test_shift);
  suite_add_tcase(s, tc);
  tc = tcase_create("sack");
  tcase_add_test(tc, test_sack_most_recent_first);
  tcase_add_test(tc, test_overlap);
  tcase_add_test(tc, test_rfc2018_case3_across_wrap);
  tcase_add_test(tc, test_clock_renumbering);
  suite_add_tcase(s, tc);
  tc = tcase_create("model");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_random_against_bitmap);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(assembler_suite)
