/*
 * The intrusive min-heap (lib/util/heap.h): pop order, re-keying up and
 * down, removal from the middle, ties, growth of the array, and a
 * randomized comparison with a sorted-array model. SF_ENOMEM is not
 * exercised (it needs a failing allocator).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "harness.h"
#include "synfin.h"
#include "util/alloc.h"
#include "util/heap.h"

/* A check that costs nothing while it holds. ck_assert records each
 * passing assertion's place (a write to the parent process when Check
 * forks), which makes loops of a million checks take a minute. */
/* A caller's object with the node embedded, as the engine will do. */
struct timer {
  int id;
  struct sf_heap_node hn;
};

#define TIMER_OF(n) \
  ((struct timer *)(void *)((char *)(n) - offsetof(struct timer, hn)))

/* Every slot's node knows its index; no parent is above its children. */
static void assert_heap(const struct sf_heap *h) {
  SF_CHECK(h->len <= h->alloc, "len %zu > alloc %zu", h->len, h->alloc);
  for (size_t i = 0; i < h->len; i++) {
    SF_CHECK(h->nodes[i]->index == i, "slot %zu holds index %zu", i,
          h->nodes[i]->index);
    SF_CHECK(i == 0 || h->nodes[(i - 1) / 2]->key <= h->nodes[i]->key,
          "slot %zu is below its parent", i);
  }
}

/* Removes and returns the minimum, checking the heap on the way. */
static struct timer *pop(struct sf_heap *h) {
  struct sf_heap_node *n = sf__heap_min(h);
  if (!n)
    return NULL;
  sf__heap_remove(h, n);
  SF_CHECK(n->index == SF_HEAP_NONE, "popped node keeps index %zu", n->index);
  assert_heap(h);
  return TIMER_OF(n);
}

static void init_timers(struct timer *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    t[i].id = (int)i;
    sf__heap_node_init(&t[i].hn);
  }
}

START_TEST(test_empty) {
  struct sf_heap h;
  struct timer t;
  sf__heap_init(&h);
  init_timers(&t, 1);
  ck_assert_ptr_null(sf__heap_min(&h));
  ck_assert_uint_eq(t.hn.index, SF_HEAP_NONE);
  sf__heap_remove(&h, &t.hn); /* not in it: harmless */
  ck_assert_uint_eq(h.len, 0);
  ck_assert_ptr_null(h.nodes); /* an empty heap allocates nothing */
  sf__heap_free(&h);
}
END_TEST

START_TEST(test_pop_order) {
  struct sf_heap h;
  struct timer t[100];
  sf__heap_init(&h);
  init_timers(t, 100);
  /* Keys 0..99 inserted in a scrambled order (37 is coprime to 100). */
  for (int i = 0; i < 100; i++) {
    ck_assert_int_eq(sf__heap_set(&h, &t[i].hn, (uint64_t)(i * 37 % 100)),
                     0);
    assert_heap(&h);
  }
  ck_assert_uint_eq(h.len, 100);
  for (uint64_t k = 0; k < 100; k++) {
    struct timer *x = pop(&h);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->hn.key, k);
    ck_assert_int_eq(x->id * 37 % 100, (int)k);
  }
  ck_assert_ptr_null(pop(&h));
  sf__heap_free(&h);
}
END_TEST

START_TEST(test_rekey_up_and_down) {
  struct sf_heap h;
  struct timer t[10];
  sf__heap_init(&h);
  init_timers(t, 10);
  for (int i = 0; i < 10; i++)
    sf__heap_set(&h, &t[i].hn, (uint64_t)(10 * (i + 1))); /* 10..100 */
  ck_assert_ptr_eq(sf__heap_min(&h), &t[0].hn);
  /* The largest becomes the smallest: sifts up from a leaf. */
  ck_assert_int_eq(sf__heap_set(&h, &t[9].hn, 1), 0);
  assert_heap(&h);
  ck_assert_ptr_eq(sf__heap_min(&h), &t[9].hn);
  ck_assert_uint_eq(h.len, 10); /* re-key, not a second insert */
  /* The minimum becomes the largest: sifts down from the root. */
  ck_assert_int_eq(sf__heap_set(&h, &t[9].hn, 1000), 0);
  assert_heap(&h);
  ck_assert_ptr_eq(sf__heap_min(&h), &t[0].hn);
  /* A middle node moves down (50 -> 95) and another up (70 -> 15). */
  sf__heap_set(&h, &t[4].hn, 95);
  sf__heap_set(&h, &t[6].hn, 15);
  sf__heap_set(&h, &t[0].hn, 10); /* same key: nothing moves */
  assert_heap(&h);
  static const int want[] = {0, 6, 1, 2, 3, 5, 7, 8, 4, 9};
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq(pop(&h)->id, want[i]);
  sf__heap_free(&h);
}
END_TEST

START_TEST(test_remove_arbitrary) {
  struct sf_heap h;
  struct timer t[20];
  sf__heap_init(&h);
  init_timers(t, 20);
  for (int i = 0; i < 20; i++)
    sf__heap_set(&h, &t[i].hn, (uint64_t)(100 - i)); /* id 19 smallest */
  /* From the middle, the last slot, and the root. */
  sf__heap_remove(&h, &t[10].hn);
  assert_heap(&h);
  sf__heap_remove(&h, h.nodes[h.len - 1]);
  assert_heap(&h);
  sf__heap_remove(&h, &t[19].hn);
  assert_heap(&h);
  ck_assert_uint_eq(h.len, 17);
  ck_assert_uint_eq(t[10].hn.index, SF_HEAP_NONE);
  ck_assert_uint_eq(t[19].hn.index, SF_HEAP_NONE);
  sf__heap_remove(&h, &t[10].hn); /* twice: harmless */
  ck_assert_uint_eq(h.len, 17);
  /* A removed node goes back in with a new key. */
  ck_assert_int_eq(sf__heap_set(&h, &t[10].hn, 0), 0);
  ck_assert_ptr_eq(sf__heap_min(&h), &t[10].hn);
  uint64_t last = 0;
  size_t count = 0;
  for (struct timer *x; (x = pop(&h)) != NULL; count++) {
    ck_assert_uint_ge(x->hn.key, last);
    last = x->hn.key;
  }
  ck_assert_uint_eq(count, 18);
  sf__heap_free(&h);
}
END_TEST

/* The node moved into a removed slot can belong above it: removing a
 * leaf of one subtree refills it from another, smaller-keyed one. */
START_TEST(test_remove_refill_sifts_up) {
  static const uint64_t keys[] = {1, 100, 2, 101, 102, 3, 4};
  struct sf_heap h;
  struct timer t[7];
  sf__heap_init(&h);
  init_timers(t, 7);
  for (int i = 0; i < 7; i++)
    sf__heap_set(&h, &t[i].hn, keys[i]);
  for (size_t i = 0; i < 7; i++) /* inserted in heap order: no moves */
    ck_assert_uint_eq(t[i].hn.index, i);
  sf__heap_remove(&h, &t[3].hn); /* 101, under 100; the last (4) fills */
  assert_heap(&h);
  ck_assert_uint_eq(t[6].hn.index, 1); /* 4 rose above 100 */
  ck_assert_uint_eq(t[1].hn.index, 3);
  static const int want[] = {0, 2, 5, 6, 1, 4};
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq(pop(&h)->id, want[i]);
  sf__heap_free(&h);
}
END_TEST

/* Equal keys, and the extremes of uint64. */
START_TEST(test_ties_and_extremes) {
  struct sf_heap h;
  struct timer t[60];
  int seen[60] = {0};
  sf__heap_init(&h);
  init_timers(t, 60);
  for (int i = 0; i < 50; i++)
    sf__heap_set(&h, &t[i].hn, 7);
  sf__heap_set(&h, &t[50].hn, UINT64_MAX);
  sf__heap_set(&h, &t[51].hn, 0);
  for (int i = 52; i < 60; i++)
    sf__heap_set(&h, &t[i].hn, i % 2 ? 7 : 8);
  assert_heap(&h);
  struct timer *x = pop(&h);
  ck_assert_int_eq(x->id, 51);
  seen[51] = 1;
  for (int i = 0; i < 54; i++) { /* 50 + 4 odd ids at 7 */
    x = pop(&h);
    ck_assert_uint_eq(x->hn.key, 7);
    ck_assert_int_eq(seen[x->id], 0);
    seen[x->id] = 1;
  }
  for (int i = 0; i < 4; i++) {
    x = pop(&h);
    ck_assert_uint_eq(x->hn.key, 8);
    ck_assert_int_eq(x->id % 2, 0);
  }
  ck_assert_int_eq(pop(&h)->id, 50);
  ck_assert_ptr_null(pop(&h));
  sf__heap_free(&h);
}
END_TEST

START_TEST(test_growth) {
  enum { N = 10000 };
  struct sf_heap h;
  struct timer *t = malloc(N * sizeof *t);
  struct sf_test_rng g;
  sf__heap_init(&h);
  init_timers(t, N);
  sf_test_rng_seed(&g, 12345);
  size_t allocs = 0, last_alloc = 0;
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(sf__heap_set(&h, &t[i].hn, sf_test_rng_next(&g)), 0);
    if (h.alloc != last_alloc) { /* 16, 32, ... doubling */
      ck_assert_uint_eq(h.alloc, last_alloc ? 2 * last_alloc : 16);
      last_alloc = h.alloc;
      allocs++;
    }
  }
  ck_assert_uint_eq(h.len, N);
  ck_assert_uint_eq(h.alloc, 16384);
  ck_assert_uint_eq(allocs, 11);
  assert_heap(&h);
  uint64_t prev = 0;
  for (int i = 0; i < N; i++) {
    struct sf_heap_node *n = sf__heap_min(&h);
    ck_assert_uint_ge(n->key, prev);
    prev = n->key;
    sf__heap_remove(&h, n);
  }
  ck_assert_uint_eq(h.len, 0);
  sf__heap_free(&h);
  ck_assert_ptr_null(h.nodes);
  ck_assert_uint_eq(h.alloc, 0);
  free(t);
}
END_TEST

/* ---------------------------------------------------------------- model */

enum { MN = 64 };

/* The model: each node's key and whether it is in; the minimum is found
 * by sorting the keys of the nodes that are in (the slow, obvious way). */
struct model {
  uint64_t key[MN];
  int in[MN];
};

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static size_t model_sorted(const struct model *m, uint64_t *out) {
  size_t n = 0;
  for (int i = 0; i < MN; i++)
    if (m->in[i])
      out[n++] = m->key[i];
  qsort(out, n, sizeof *out, cmp_u64);
  return n;
}

static void model_step(struct sf_test_rng *g, struct sf_heap *h,
                       struct timer *t, struct model *m) {
  int i = (int)sf_test_rng_below(g, MN);
  /* Keys from a small range, so ties are common. */
  uint64_t key = sf_test_rng_below(g, 40);
  switch (sf_test_rng_below(g, 4)) {
  case 0:
  case 1:
    SF_CHECK(sf__heap_set(h, &t[i].hn, key) == 0, "set failed");
    m->key[i] = key;
    m->in[i] = 1;
    break;
  case 2:
    sf__heap_remove(h, &t[i].hn);
    m->in[i] = 0;
    break;
  default: {
    struct sf_heap_node *n = sf__heap_min(h);
    if (n) {
      sf__heap_remove(h, n);
      m->in[TIMER_OF(n)->id] = 0;
    }
  }
  }
  uint64_t sorted[MN];
  size_t n = model_sorted(m, sorted);
  assert_heap(h);
  SF_CHECK(h->len == n, "len %zu, model %zu", h->len, n);
  for (int k = 0; k < MN; k++)
    SF_CHECK((t[k].hn.index != SF_HEAP_NONE) == m->in[k], "node %d in/out", k);
  struct sf_heap_node *mn = sf__heap_min(h);
  SF_CHECK((mn == NULL) == (n == 0), "min %p with %zu nodes", (void *)mn, n);
  SF_CHECK(!mn || (mn->key == sorted[0] &&
                m->key[TIMER_OF(mn)->id] == sorted[0]),
        "min key %llu, model %llu", mn ? (unsigned long long)mn->key : 0ull,
        n ? (unsigned long long)sorted[0] : 0ull);
}

/* With room reserved, inserts need no memory; past it they do, and a
 * failed insert leaves the node out and the heap as it was. */
START_TEST(test_reserve) {
  struct sf_heap h;
  sf__heap_init(&h);
  struct sf_heap_node n[41];
  ck_assert_int_eq(sf__heap_reserve(&h, 40), 0);
  sf__alloc_fail_after(0, 1000);
  for (int i = 0; i < 40; i++) {
    sf__heap_node_init(&n[i]);
    ck_assert_int_eq(sf__heap_set(&h, &n[i], (uint64_t)(40 - i)), 0);
  }
  sf__heap_node_init(&n[40]);
  ck_assert_int_eq(sf__heap_set(&h, &n[40], 0), SF_ENOMEM);
  ck_assert_uint_eq(n[40].index, SF_HEAP_NONE);
  ck_assert_uint_eq(h.len, 40);
  ck_assert_uint_eq(sf__heap_min(&h)->key, 1);
  ck_assert_int_eq(sf__heap_reserve(&h, 41), SF_ENOMEM);
  sf__alloc_fail_after(0, 0);
  ck_assert_int_eq(sf__heap_set(&h, &n[40], 0), 0);
  ck_assert_ptr_eq(sf__heap_min(&h), &n[40]);
  sf__heap_free(&h);
}
END_TEST

START_TEST(test_random_against_model) {
  uint64_t seed = sf_test_seed(0x48454150); /* "HEAP" */
  for (uint64_t s = 0; s < 50; s++) {
    struct sf_heap h;
    struct timer t[MN];
    struct model m;
    struct sf_test_rng g;
    uint64_t sorted[MN];
    memset(&m, 0, sizeof m);
    sf_test_rng_seed(&g, seed + s);
    sf__heap_init(&h);
    init_timers(t, MN);
    for (int i = 0; i < 2000; i++)
      model_step(&g, &h, t, &m);
    /* Drain: the full pop order equals the sorted model. */
    size_t n = model_sorted(&m, sorted);
    for (size_t k = 0; k < n; k++)
      ck_assert_uint_eq(pop(&h)->hn.key, sorted[k]);
    ck_assert_ptr_null(pop(&h));
    sf__heap_free(&h);
  }
}
END_TEST

static Suite *heap_suite(void) {
  Suite *s = suite_create("heap");
  TCase *tc = tcase_create("basic");
  tcase_add_test(tc, test_empty);
  tcase_add_test(tc, test_pop_order);
  tcase_add_test(tc, test_rekey_up_and_down);
  tcase_add_test(tc, test_remove_arbitrary);
  tcase_add_test(tc, test_remove_refill_sifts_up);
  tcase_add_test(tc, test_ties_and_extremes);
  tcase_add_test(tc, test_growth);
  tcase_add_test(tc, test_reserve);
  suite_add_tcase(s, tc);
  tc = tcase_create("model");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_random_against_model);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(heap_suite)
