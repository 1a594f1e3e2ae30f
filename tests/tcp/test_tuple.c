/*
 * The 4-tuple hash map (lib/tcp/tuple.c): insert, find, remove; lazy
 * allocation; doubling growth with every node still reachable; removal
 * at every position of a chain; the keyed hash; a randomized test against
 * a simple model, with the map's invariants checked throughout.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tcp/tuple.h"

struct item {
  struct sf_tuple_node node;
  bool in_map;
};

static struct sf_tuple tup(uint32_t laddr, uint16_t lport, uint32_t raddr,
                           uint16_t rport) {
  struct sf_tuple t = {.laddr = sf_addr_v4(laddr),
                       .raddr = sf_addr_v4(raddr),
                       .lport = lport,
                       .rport = rport};
  return t;
}

/* A distinct tuple for every i < 2^32: a server port, many clients. */
static struct sf_tuple tuple_n(uint32_t i) {
  return tup(0xc6120001u, 443, 0xc6130000u + (i >> 14),
             (uint16_t)(1024 + (i & 0x3fff)));
}

/*
 * The invariants: nbuckets a power of two >= 16 (or 0 with no buckets),
 * count <= nbuckets, every node in the bucket its hash names, and the
 * chains together holding exactly count nodes. Returns the longest chain.
 */
static size_t check_map(const struct sf_tuple_map *m) {
  if (!m->buckets) {
    ck_assert_uint_eq(m->nbuckets, 0);
    ck_assert_uint_eq(m->count, 0);
    return 0;
  }
  ck_assert_uint_ge(m->nbuckets, 16);
  ck_assert_uint_eq(m->nbuckets & (m->nbuckets - 1), 0);
  ck_assert_uint_le(m->count, m->nbuckets);
  size_t total = 0, longest = 0;
  for (size_t b = 0; b < m->nbuckets; b++) {
    size_t len = 0;
    for (const struct sf_tuple_node *n = m->buckets[b]; n; n = n->next) {
      ck_assert_uint_eq(n->hash & (m->nbuckets - 1), b);
      len++;
    }
    total += len;
    if (len > longest)
      longest = len;
  }
  ck_assert_uint_eq(total, m->count);
  return longest;
}

START_TEST(test_empty) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 1);
  struct sf_tuple_map m;
  sf__tuple_map_init(&m, &s);
  ck_assert_ptr_null(m.buckets); /* nothing allocated until an insert */
  ck_assert_uint_eq(m.count, 0);
  ck_assert_ptr_eq(m.secret, &s);
  struct sf_tuple k = tuple_n(0);
  ck_assert_ptr_null(sf__tuple_map_find(&m, &k));
  check_map(&m);
  sf__tuple_map_free(&m);
  sf__tuple_map_free(&m); /* freeing twice is harmless: it resets */
  ck_assert_ptr_null(m.buckets);
}
END_TEST

START_TEST(test_insert_find_remove) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 2);
  struct sf_tuple_map m;
  sf__tuple_map_init(&m, &s);
  struct item a = {.node.key = tup(0x0a000001u, 80, 0x0a000002u, 40000)};
  ck_assert_int_eq(sf__tuple_map_insert(&m, &a.node), 0);
  ck_assert_uint_eq(m.count, 1);
  ck_assert_uint_eq(m.nbuckets, 16);
  struct sf_tuple k = a.node.key;
  ck_assert_ptr_eq(sf__tuple_map_find(&m, &k), &a.node);
  /* Each field on its own distinguishes keys, and so does direction. */
  struct sf_tuple miss[5] = {
      tup(0x0a000003u, 80, 0x0a000002u, 40000),
      tup(0x0a000001u, 81, 0x0a000002u, 40000),
      tup(0x0a000001u, 80, 0x0a000003u, 40000),
      tup(0x0a000001u, 80, 0x0a000002u, 40001),
      tup(0x0a000002u, 40000, 0x0a000001u, 80),
  };
  for (int i = 0; i < 5; i++)
    ck_assert_ptr_null(sf__tuple_map_find(&m, &miss[i]));
  /* The swapped tuple is a separate entry. */
  struct item b = {.node.key = miss[4]};
  ck_assert_int_eq(sf__tuple_map_insert(&m, &b.node), 0);
  ck_assert_ptr_eq(sf__tuple_map_find(&m, &miss[4]), &b.node);
  ck_assert_ptr_eq(sf__tuple_map_find(&m, &k), &a.node);
  check_map(&m);
  sf__tuple_map_remove(&m, &a.node);
  ck_assert_uint_eq(m.count, 1);
  ck_assert_ptr_null(sf__tuple_map_find(&m, &k));
  ck_assert_ptr_eq(sf__tuple_map_find(&m, &miss[4]), &b.node);
  sf__tuple_map_remove(&m, &b.node);
  ck_assert_uint_eq(m.count, 0);
  ck_assert_ptr_null(sf__tuple_map_find(&m, &miss[4]));
  check_map(&m);
  /* Reinsert after removal. */
  ck_assert_int_eq(sf__tuple_map_insert(&m, &a.node), 0);
  ck_assert_ptr_eq(sf__tuple_map_find(&m, &k), &a.node);
  sf__tuple_map_free(&m);
}
END_TEST

START_TEST(test_hash_is_keyed) {
  struct sf_secret s1, s2;
  sf__secret_init_seeded(&s1, 10);
  sf__secret_init_seeded(&s2, 11);
  struct sf_tuple_map m1, m2;
  sf__tuple_map_init(&m1, &s1);
  sf__tuple_map_init(&m2, &s2);
  struct item a = {.node.key = tuple_n(5)}, b = {.node.key = tuple_n(5)};
  ck_assert_int_eq(sf__tuple_map_insert(&m1, &a.node), 0);
  ck_assert_int_eq(sf__tuple_map_insert(&m2, &b.node), 0);
  /* Same tuple, another secret: another hash. */
  ck_assert(a.node.hash != b.node.hash);
  /* The hash is SipHash under hash_key of laddr, raddr, lport, rport,
   * big-endian (laid out by hand here). */
  uint8_t msg[12] = {0xc6, 0x12, 0x00, 0x01, 0xc6, 0x13, 0x00, 0x00,
                     0x01, 0xbb, 0x04, 0x05};
  /* (the node keeps its low 32 bits) */
  ck_assert_uint_eq(a.node.hash,
                    (uint32_t)sf__siphash(s1.hash_key, msg, sizeof msg));
  ck_assert_uint_eq(b.node.hash,
                    (uint32_t)sf__siphash(s2.hash_key, msg, sizeof msg));
  sf__tuple_map_free(&m1);
  sf__tuple_map_free(&m2);
}
END_TEST

START_TEST(test_growth) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 3);
  struct sf_tuple_map m;
  sf__tuple_map_init(&m, &s);
  enum { N = 1000 };
  struct item *items = calloc(N, sizeof *items);
  ck_assert_ptr_nonnull(items);
  for (uint32_t i = 0; i < N; i++) {
    items[i].node.key = tuple_n(i);
    ck_assert_int_eq(sf__tuple_map_insert(&m, &items[i].node), 0);
    ck_assert_uint_eq(m.count, i + 1);
    /* The smallest power of two >= count, and at least 16. */
    size_t want = 16;
    while (want < i + 1)
      want *= 2;
    ck_assert_uint_eq(m.nbuckets, want);
    /* Right after each doubling, every node is still found. */
    if (i + 1 == 17 || i + 1 == 33 || i + 1 == 513) {
      check_map(&m);
      for (uint32_t j = 0; j <= i; j++) {
        struct sf_tuple k = tuple_n(j);
        ck_assert_ptr_eq(sf__tuple_map_find(&m, &k), &items[j].node);
      }
    }
  }
  check_map(&m);
  /* Removing does not shrink. */
  for (uint32_t i = 0; i < N; i++)
    sf__tuple_map_remove(&m, &items[i].node);
  ck_assert_uint_eq(m.count, 0);
  ck_assert_uint_eq(m.nbuckets, 1024);
  check_map(&m);
  sf__tuple_map_free(&m);
  free(items);
}
END_TEST

START_TEST(test_many_entries) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 4);
  struct sf_tuple_map m;
  sf__tuple_map_init(&m, &s);
  enum { N = 100000 };
  struct item *items = calloc(N, sizeof *items);
  ck_assert_ptr_nonnull(items);
  for (uint32_t i = 0; i < N; i++) {
    items[i].node.key = tuple_n(i);
    ck_assert_int_eq(sf__tuple_map_insert(&m, &items[i].node), 0);
  }
  ck_assert_uint_eq(m.nbuckets, 131072);
  /* Sequential ports must not pile up: with a random hash at load 0.76
   * the longest of 131072 chains is about 8 (fixed keys: fixed result). */
  ck_assert_uint_le(check_map(&m), 12);
  for (uint32_t i = 0; i < N; i++) {
    struct sf_tuple k = tuple_n(i);
    ck_assert_ptr_eq(sf__tuple_map_find(&m, &k), &items[i].node);
  }
  for (uint32_t i = N; i < N + 1000; i++) {
    struct sf_tuple k = tuple_n(i);
    ck_assert_ptr_null(sf__tuple_map_find(&m, &k));
  }
  /* Remove the even ones; the odd ones stay. */
  for (uint32_t i = 0; i < N; i += 2)
    sf__tuple_map_remove(&m, &items[i].node);
  ck_assert_uint_eq(m.count, N / 2);
  for (uint32_t i = 0; i < N; i++) {
    struct sf_tuple k = tuple_n(i);
    ck_assert_ptr_eq(sf__tuple_map_find(&m, &k),
                     (i & 1) ? &items[i].node : NULL);
  }
  check_map(&m);
  sf__tuple_map_free(&m);
  free(items);
}
END_TEST

/*
 * Finds `want` tuples that share bucket 0 of a 16-bucket map, by
 * inserting candidates into a probe map and reading their hash.
 */
static void colliding_tuples(const struct sf_secret *s, struct sf_tuple *out,
                             int want) {
  struct sf_tuple_map probe;
  sf__tuple_map_init(&probe, s);
  int got = 0;
  for (uint32_t i = 0; got < want; i++) {
    ck_assert_uint_lt(i, 100000);
    struct sf_tuple_node n = {.key = tuple_n(i)};
    ck_assert_int_eq(sf__tuple_map_insert(&probe, &n), 0);
    sf__tuple_map_remove(&probe, &n);
    if ((n.hash & 15) == 0)
      out[got++] = n.key;
  }
  sf__tuple_map_free(&probe);
}

START_TEST(test_remove_each_chain_position) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 5);
  enum { L = 6 };
  struct sf_tuple keys[L];
  colliding_tuples(&s, keys, L);
  for (int victim = 0; victim < L; victim++) {
    struct sf_tuple_map m;
    sf__tuple_map_init(&m, &s);
    struct item items[L];
    memset(items, 0, sizeof items);
    for (int i = 0; i < L; i++) {
      items[i].node.key = keys[i];
      ck_assert_int_eq(sf__tuple_map_insert(&m, &items[i].node), 0);
    }
    /* All six in one chain (bucket 0), newest first. */
    ck_assert_uint_eq(m.nbuckets, 16);
    int len = 0;
    for (struct sf_tuple_node *n = m.buckets[0]; n; n = n->next, len++)
      ck_assert_ptr_eq(n, &items[L - 1 - len].node);
    ck_assert_int_eq(len, L);
    sf__tuple_map_remove(&m, &items[victim].node);
    ck_assert_uint_eq(m.count, L - 1);
    check_map(&m);
    for (int i = 0; i < L; i++)
      ck_assert_ptr_eq(sf__tuple_map_find(&m, &keys[i]),
                       i == victim ? NULL : &items[i].node);
    /* The rest of the chain keeps its order. */
    struct sf_tuple_node *n = m.buckets[0];
    for (int i = L - 1; i >= 0; i--) {
      if (i == victim)
        continue;
      ck_assert_ptr_eq(n, &items[i].node);
      n = n->next;
    }
    ck_assert_ptr_null(n);
    sf__tuple_map_free(&m);
  }
}
END_TEST

START_TEST(test_random_model) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x7a9b1e5ULL));
  struct sf_secret s;
  sf__secret_init_seeded(&s, sf_test_rng_next(&rng));
  struct sf_tuple_map m;
  sf__tuple_map_init(&m, &s);
  enum { N = 3000, OPS = 60000 };
  struct item *items = calloc(N, sizeof *items);
  ck_assert_ptr_nonnull(items);
  for (uint32_t i = 0; i < N; i++)
    items[i].node.key = tuple_n(i * 7919u); /* spread over raddrs */
  size_t in = 0;
  for (int op = 0; op < OPS; op++) {
    uint32_t i = sf_test_rng_below(&rng, N);
    struct sf_tuple k = items[i].node.key;
    switch (sf_test_rng_below(&rng, 3)) {
    case 0: /* insert (if absent) */
      if (!items[i].in_map) {
        ck_assert_int_eq(sf__tuple_map_insert(&m, &items[i].node), 0);
        items[i].in_map = true;
        in++;
      }
      break;
    case 1: /* remove (if present) */
      if (items[i].in_map) {
        sf__tuple_map_remove(&m, &items[i].node);
        items[i].in_map = false;
        in--;
      }
      break;
    default:
      break;
    }
    ck_assert_ptr_eq(sf__tuple_map_find(&m, &k),
                     items[i].in_map ? &items[i].node : NULL);
    ck_assert_uint_eq(m.count, in);
    if (op % 5000 == 0) {
      check_map(&m);
      for (uint32_t j = 0; j < N; j++) {
        struct sf_tuple kj = items[j].node.key;
        ck_assert_ptr_eq(sf__tuple_map_find(&m, &kj),
                         items[j].in_map ? &items[j].node : NULL);
      }
    }
  }
  check_map(&m);
  sf__tuple_map_free(&m);
  free(items);
}
END_TEST

static Suite *tuple_suite(void) {
  Suite *s = suite_create("tcp/tuple");
  TCase *tc = tcase_create("map");
  tcase_add_test(tc, test_empty);
  tcase_add_test(tc, test_insert_find_remove);
  tcase_add_test(tc, test_hash_is_keyed);
  tcase_add_test(tc, test_growth);
  tcase_add_test(tc, test_remove_each_chain_position);
  suite_add_tcase(s, tc);
  tc = tcase_create("scale");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_many_entries);
  tcase_add_test(tc, test_random_model);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(tuple_suite)
