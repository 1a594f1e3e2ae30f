/*
 * The ARP cache on its own (lib/ip/arp_cache.c), driven with a virtual
 * clock: resolution and retries at exact times, failure with its hold,
 * parked frames released in order or dropped and counted, the pending
 * limit, expiry through STALE, a stale entry in use (DELAY, unicast
 * probes, their failure), confirmation from the layer above, LRU
 * eviction, a cache full of resolving hops, learning rules, and a seeded
 * random run checking that the cached earliest deadline always equals
 * the true minimum.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ip/arp_cache.h"
#include "synfin.h"

#define SEC SF_NSEC_PER_SEC
#define HOP 0xc6120002u /* 198.18.0.2 */

static const struct sf_eth_addr mac_b = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x02}};
static const struct sf_eth_addr mac_c = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x03}};

struct fx {
  struct sf_arp_cache c;
  struct sf_ip_counters ctr;
  struct sf_ip_params p;
  uint32_t sent[16]; /* addresses send_request was called for */
  bool unicast[16];  /* ... with a cached address to probe */
  unsigned n_sent;
};

static void fx_init(struct fx *f, unsigned size, unsigned pending) {
  memset(f, 0, sizeof(*f));
  sf__ip_params_default(&f->p);
  f->p.arp_cache_size = size;
  f->p.arp_pending_max = pending;
  ck_assert_int_eq(sf__arp_cache_init(&f->c, &f->p, &f->ctr), 0);
}

static void on_request(void *ctx, uint32_t addr,
                       const struct sf_eth_addr *mac) {
  struct fx *f = ctx;
  ck_assert_uint_lt(f->n_sent, 16);
  f->unicast[f->n_sent] = mac != NULL;
  if (mac) /* a probe goes to the address the entry holds */
    ck_assert(sf__eth_addr_eq(mac, &sf__arp_cache_lookup(&f->c, addr)->mac));
  f->sent[f->n_sent++] = addr;
}

static void poll_at(struct fx *f, sf_time_t now) {
  sf__arp_cache_poll(&f->c, now, on_request, f);
}

/* A frame whose one byte tags it, to check order on release. */
static struct sf_ip_frame *tagged(uint8_t tag) {
  struct sf_ip_frame *fr = sf__ip_frame_alloc(NULL, 1);
  ck_assert_ptr_nonnull(fr);
  fr->data[0] = tag;
  return fr;
}

START_TEST(test_retries_then_failure_at_exact_times) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(1), 0, &mac),
                   SF_ARP_SEND_REQUEST);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(2), 0, &mac),
                   SF_ARP_PARKED);
  const struct sf_arp_entry *e = sf__arp_cache_lookup(&f.c, HOP);
  ck_assert_ptr_nonnull(e);
  ck_assert_int_eq(e->state, SF_ARP_INCOMPLETE);
  ck_assert_uint_eq(e->parked.count, 2);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 1 * SEC);
  /* Nothing happens a nanosecond early. */
  poll_at(&f, 1 * SEC - 1);
  ck_assert_uint_eq(f.n_sent, 0);
  poll_at(&f, 1 * SEC);
  ck_assert_uint_eq(f.n_sent, 1);
  ck_assert_uint_eq(f.sent[0], HOP);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 2 * SEC);
  poll_at(&f, 2 * SEC);
  ck_assert_uint_eq(f.n_sent, 2);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 3 * SEC);
  uint32_t hop;
  ck_assert(!sf__arp_cache_pop_failed(&f.c, &hop));
  poll_at(&f, 3 * SEC);
  ck_assert_uint_eq(f.n_sent, 2); /* three requests in all, counting t=0 */
  ck_assert_int_eq(e->state, SF_ARP_FAILED);
  ck_assert_uint_eq(f.ctr.arp_failed, 1);
  ck_assert_uint_eq(f.ctr.arp_failed_dropped, 2);
  ck_assert(sf__arp_cache_pop_failed(&f.c, &hop));
  ck_assert_uint_eq(hop, HOP);
  ck_assert(!sf__arp_cache_pop_failed(&f.c, &hop));
  /* Held for one retry interval: refused, not re-resolved. */
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 4 * SEC);
  struct sf_ip_frame *fr = tagged(3);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, fr, 4 * SEC - 1, &mac),
                   SF_EHOSTUNREACH);
  free(fr);
  ck_assert_uint_eq(f.ctr.arp_hold_refused, 1);
  poll_at(&f, 4 * SEC);
  ck_assert_ptr_null(sf__arp_cache_lookup(&f.c, HOP));
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), SF_TIME_NEVER);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 4 * SEC, &mac),
                   SF_ARP_SEND_REQUEST);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 5 * SEC);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_hold_over_without_poll_resolves_again) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  sf__arp_cache_resolve(&f.c, HOP, NULL, 0, &mac);
  for (sf_time_t t = 1; t <= 3; t++)
    poll_at(&f, t * SEC);
  ck_assert_int_eq(sf__arp_cache_lookup(&f.c, HOP)->state, SF_ARP_FAILED);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 4 * SEC, &mac),
                   SF_ARP_SEND_REQUEST);
  ck_assert_int_eq(sf__arp_cache_lookup(&f.c, HOP)->state, SF_ARP_INCOMPLETE);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_reply_releases_parked_in_order) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(1), 0, &mac),
                   SF_ARP_SEND_REQUEST);
  for (uint8_t i = 2; i <= 5; i++)
    ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(i), i, &mac),
                     SF_ARP_PARKED);
  struct sf_ip_frame_list rel = {0};
  ck_assert(sf__arp_cache_update(&f.c, HOP, &mac_b, false, 500, &rel));
  ck_assert_uint_eq(rel.count, 5);
  for (uint8_t i = 1; i <= 5; i++) {
    struct sf_ip_frame *fr = sf__ip_frame_list_pop(&rel);
    ck_assert_uint_eq(fr->data[0], i);
    free(fr);
  }
  ck_assert_uint_eq(f.ctr.arp_resolved, 1);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 600, &mac),
                   SF_ARP_HIT);
  ck_assert(sf__eth_addr_eq(&mac, &mac_b));
  /* The retry timer is gone; the expiry replaces it. */
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 500 + 60 * SEC);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_pending_limit) {
  struct fx f;
  fx_init(&f, 8, 3);
  struct sf_eth_addr mac;
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(1), 0, &mac),
                   SF_ARP_SEND_REQUEST);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(2), 0, &mac),
                   SF_ARP_PARKED);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, tagged(3), 0, &mac),
                   SF_ARP_PARKED);
  struct sf_ip_frame *fr = tagged(4);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, fr, 0, &mac), SF_ENOBUFS);
  free(fr);
  ck_assert_uint_eq(f.ctr.arp_pending_dropped, 1);
  ck_assert_uint_eq(sf__arp_cache_lookup(&f.c, HOP)->parked.count, 3);
  /* Destroy frees what is still parked (valgrind/ASan check this). */
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_expiry_and_reresolve) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  struct sf_ip_frame_list rel = {0};
  /* Learned from a request for us: REACHABLE at once. */
  ck_assert(sf__arp_cache_update(&f.c, HOP, &mac_b, true, 10 * SEC, &rel));
  ck_assert_uint_eq(rel.count, 0);
  ck_assert_uint_eq(f.ctr.arp_resolved, 0);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 70 * SEC);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 70 * SEC - 1, &mac),
                   SF_ARP_HIT);
  /* Unconfirmed at its deadline: STALE, for as long again. */
  poll_at(&f, 70 * SEC);
  const struct sf_arp_entry *e = sf__arp_cache_lookup(&f.c, HOP);
  ck_assert_int_eq(e->state, SF_ARP_STALE);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 130 * SEC);
  /* Unused all that time: the entry goes away, nothing was sent. */
  poll_at(&f, 130 * SEC);
  ck_assert_ptr_null(sf__arp_cache_lookup(&f.c, HOP));
  ck_assert_uint_eq(sf__arp_cache_count(&f.c), 0);
  ck_assert_uint_eq(f.n_sent, 0);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 130 * SEC, &mac),
                   SF_ARP_SEND_REQUEST);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

/* A stale entry put back in use keeps serving its address: DELAY, then
 * unicast probes, and a reply makes it REACHABLE again. */
START_TEST(test_stale_in_use_probes) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  struct sf_ip_frame_list rel = {0};
  sf__arp_cache_update(&f.c, HOP, &mac_b, true, 0, &rel);
  poll_at(&f, 60 * SEC);
  const struct sf_arp_entry *e = sf__arp_cache_lookup(&f.c, HOP);
  ck_assert_int_eq(e->state, SF_ARP_STALE);
  /* Used: the cached address, at once; the frame is not taken. */
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 61 * SEC, &mac),
                   SF_ARP_HIT);
  ck_assert(sf__eth_addr_eq(&mac, &mac_b));
  ck_assert_int_eq(e->state, SF_ARP_DELAY);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c),
                    61 * SEC + SF_ARP_DELAY_FIRST_PROBE);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 62 * SEC, &mac),
                   SF_ARP_HIT);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c),
                    61 * SEC + SF_ARP_DELAY_FIRST_PROBE);
  poll_at(&f, 66 * SEC);
  ck_assert_int_eq(e->state, SF_ARP_PROBE);
  ck_assert_uint_eq(f.n_sent, 1);
  ck_assert(f.unicast[0]);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 66 * SEC, &mac),
                   SF_ARP_HIT);
  poll_at(&f, 67 * SEC);
  ck_assert_uint_eq(f.n_sent, 2);
  ck_assert(f.unicast[1]);
  /* The hop answers (with a new address): REACHABLE, no more probes. */
  ck_assert(sf__arp_cache_update(&f.c, HOP, &mac_c, false, 67 * SEC + 5, &rel));
  ck_assert_uint_eq(rel.count, 0);
  ck_assert_int_eq(e->state, SF_ARP_REACHABLE);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 127 * SEC + 5);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 68 * SEC, &mac),
                   SF_ARP_HIT);
  ck_assert(sf__eth_addr_eq(&mac, &mac_c));
  ck_assert_uint_eq(f.ctr.arp_resolved, 0);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

/* Probes nobody answers: the entry fails like an unanswered resolution,
 * and the hop is reported. */
START_TEST(test_unanswered_probes_fail) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  struct sf_ip_frame_list rel = {0};
  sf__arp_cache_update(&f.c, HOP, &mac_b, true, 0, &rel);
  poll_at(&f, 60 * SEC);
  sf__arp_cache_resolve(&f.c, HOP, NULL, 60 * SEC, &mac);
  for (sf_time_t t = 65; t <= 67; t++)
    poll_at(&f, t * SEC);
  ck_assert_uint_eq(f.n_sent, 3); /* arp_retries probes */
  uint32_t hop;
  ck_assert(!sf__arp_cache_pop_failed(&f.c, &hop));
  poll_at(&f, 68 * SEC);
  ck_assert_uint_eq(f.n_sent, 3);
  ck_assert_int_eq(sf__arp_cache_lookup(&f.c, HOP)->state, SF_ARP_FAILED);
  ck_assert_uint_eq(f.ctr.arp_failed, 1);
  ck_assert_uint_eq(f.ctr.arp_failed_dropped, 0);
  ck_assert(sf__arp_cache_pop_failed(&f.c, &hop));
  ck_assert_uint_eq(hop, HOP);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, HOP, NULL, 68 * SEC, &mac),
                   SF_EHOSTUNREACH);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

/* Confirmation from the layer above: a REACHABLE entry's timer sees it
 * when it fires; a stale, delayed or probing entry is REACHABLE at once;
 * an entry without an address is left alone. */
START_TEST(test_confirm) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_eth_addr mac;
  struct sf_ip_frame_list rel = {0};
  sf__arp_cache_update(&f.c, HOP, &mac_b, true, 0, &rel);
  const struct sf_arp_entry *e = sf__arp_cache_lookup(&f.c, HOP);
  sf__arp_cache_confirm(&f.c, HOP, 40 * SEC);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 60 * SEC);
  poll_at(&f, 60 * SEC);
  ck_assert_int_eq(e->state, SF_ARP_REACHABLE);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 100 * SEC);
  poll_at(&f, 100 * SEC);
  ck_assert_int_eq(e->state, SF_ARP_STALE);
  sf__arp_cache_confirm(&f.c, HOP, 101 * SEC);
  ck_assert_int_eq(e->state, SF_ARP_REACHABLE);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 161 * SEC);
  poll_at(&f, 161 * SEC);
  sf__arp_cache_resolve(&f.c, HOP, NULL, 162 * SEC, &mac);
  ck_assert_int_eq(e->state, SF_ARP_DELAY);
  sf__arp_cache_confirm(&f.c, HOP, 163 * SEC);
  ck_assert_int_eq(e->state, SF_ARP_REACHABLE);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 223 * SEC);
  ck_assert_uint_eq(f.n_sent, 0);
  /* resolving, or unknown: nothing to confirm */
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 7, NULL, 163 * SEC, &mac),
                   SF_ARP_SEND_REQUEST);
  sf__arp_cache_confirm(&f.c, 7, 163 * SEC);
  sf__arp_cache_confirm(&f.c, 8, 163 * SEC);
  ck_assert_int_eq(sf__arp_cache_lookup(&f.c, 7)->state, SF_ARP_INCOMPLETE);
  ck_assert_ptr_null(sf__arp_cache_lookup(&f.c, 8));
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_merge_refreshes_existing_entry) {
  struct fx f;
  fx_init(&f, 8, 8);
  struct sf_ip_frame_list rel = {0};
  /* Unknown sender, not a request for us: nothing learned. */
  ck_assert(!sf__arp_cache_update(&f.c, HOP, &mac_b, false, 0, &rel));
  ck_assert_uint_eq(sf__arp_cache_count(&f.c), 0);
  ck_assert(sf__arp_cache_update(&f.c, HOP, &mac_b, true, 0, &rel));
  ck_assert(sf__arp_cache_update(&f.c, HOP, &mac_c, false, 30 * SEC, &rel));
  const struct sf_arp_entry *e = sf__arp_cache_lookup(&f.c, HOP);
  ck_assert(sf__eth_addr_eq(&e->mac, &mac_c));
  ck_assert_uint_eq(e->deadline, 90 * SEC);
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 90 * SEC);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_lru_eviction) {
  struct fx f;
  fx_init(&f, 4, 8);
  struct sf_eth_addr mac;
  struct sf_ip_frame_list rel = {0};
  for (uint32_t i = 1; i <= 4; i++)
    sf__arp_cache_update(&f.c, 0xc6120000u + i, &mac_b, true, i, &rel);
  /* Use .1 and .3: .2 is now the least recently used. */
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 0xc6120001u, NULL, 10, &mac),
                   SF_ARP_HIT);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 0xc6120003u, NULL, 10, &mac),
                   SF_ARP_HIT);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 0xc6120005u, NULL, 20, &mac),
                   SF_ARP_SEND_REQUEST);
  ck_assert_uint_eq(f.ctr.arp_cache_evicted, 1);
  ck_assert_ptr_null(sf__arp_cache_lookup(&f.c, 0xc6120002u));
  ck_assert_ptr_nonnull(sf__arp_cache_lookup(&f.c, 0xc6120001u));
  ck_assert_ptr_nonnull(sf__arp_cache_lookup(&f.c, 0xc6120004u));
  /* Next victim: .4 (the resolving .5 is never evicted). */
  sf__arp_cache_update(&f.c, 0xc6120006u, &mac_b, true, 30, &rel);
  ck_assert_ptr_null(sf__arp_cache_lookup(&f.c, 0xc6120004u));
  ck_assert_uint_eq(f.ctr.arp_cache_evicted, 2);
  ck_assert_uint_eq(sf__arp_cache_count(&f.c), 4);
  /* The evicted entry's timer no longer counts. */
  ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), 20 + SEC);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

START_TEST(test_full_of_pending_refuses) {
  struct fx f;
  fx_init(&f, 2, 8);
  struct sf_eth_addr mac;
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 1, NULL, 0, &mac),
                   SF_ARP_SEND_REQUEST);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 2, NULL, 0, &mac),
                   SF_ARP_SEND_REQUEST);
  struct sf_ip_frame *fr = tagged(9);
  ck_assert_int_eq(sf__arp_cache_resolve(&f.c, 3, fr, 0, &mac), SF_ENOBUFS);
  free(fr);
  ck_assert_uint_eq(f.ctr.arp_cache_full, 1);
  ck_assert_uint_eq(f.ctr.arp_cache_evicted, 0);
  struct sf_ip_frame_list rel = {0};
  ck_assert(!sf__arp_cache_update(&f.c, 4, &mac_b, true, 0, &rel));
  sf__arp_cache_destroy(&f.c);
}
END_TEST

/* Brute force: the smallest deadline of the entries in use. */
static sf_time_t true_earliest(const struct sf_arp_cache *c) {
  sf_time_t t = SF_TIME_NEVER;
  for (uint32_t i = 0; i < c->size; i++)
    if (c->entries[i].state != SF_ARP_FREE && c->entries[i].deadline < t)
      t = c->entries[i].deadline;
  return t;
}

START_TEST(test_random_earliest_is_exact) {
  struct sf_test_rng r;
  sf_test_rng_seed(&r, sf_test_seed(0x5eed1));
  struct fx f;
  fx_init(&f, 16, 2);
  sf_time_t now = 0;
  for (int step = 0; step < 20000; step++) {
    now += sf_test_rng_below(&r, 300) * SF_NSEC_PER_MSEC;
    uint32_t addr = 1 + sf_test_rng_below(&r, 24);
    struct sf_eth_addr mac;
    struct sf_ip_frame_list rel = {0};
    switch (sf_test_rng_below(&r, 5)) {
    case 0: {
      struct sf_ip_frame *fr = tagged(0);
      if (sf__arp_cache_resolve(&f.c, addr, fr, now, &mac) <= SF_ARP_HIT)
        free(fr);
      break;
    }
    case 1:
      sf__arp_cache_update(&f.c, addr, &mac_b, sf_test_rng_below(&r, 2), now,
                           &rel);
      sf__ip_frame_list_clear(&rel);
      break;
    case 2:
      f.n_sent = 0;
      poll_at(&f, now);
      while (sf__arp_cache_pop_failed(&f.c, &addr))
        ;
      break;
    case 3:
      sf__arp_cache_confirm(&f.c, addr, now);
      break;
    default:
      now += 20 * SEC * (sf_test_rng_below(&r, 8) == 0);
      break;
    }
    ck_assert_uint_eq(sf__arp_cache_next_deadline(&f.c), true_earliest(&f.c));
    ck_assert_uint_le(sf__arp_cache_count(&f.c), 16);
  }
  ck_assert_uint_gt(f.ctr.arp_failed, 0);
  ck_assert_uint_gt(f.ctr.arp_cache_evicted, 0);
  sf__arp_cache_destroy(&f.c);
}
END_TEST

/* Freed frames go back to their pool and come out again, per size
 * class; a pool keeps a bounded number; drain frees the rest (the
 * sanitizer build's leak check sees any lost). */
START_TEST(test_frame_pool_reuses_frames) {
  struct sf_ip_frame_pool pool = {0};
  struct sf_ip_frame *small = sf__ip_frame_alloc(&pool, 60);
  struct sf_ip_frame *large = sf__ip_frame_alloc(&pool, 9000);
  ck_assert_ptr_nonnull(small);
  ck_assert_ptr_nonnull(large);
  ck_assert_uint_eq(small->len, 60);
  ck_assert_uint_eq(large->len, 9000);
  memset(large->data, 0xab, 9000); /* the whole length is usable */
  small->meta.csum_start = 7;
  sf__ip_frame_free(small);
  sf__ip_frame_free(large);
  ck_assert_uint_eq(pool.count[0], 1);
  ck_assert_uint_eq(pool.count[1], 1);
  /* The same frames again, reset; a 1514-byte frame is still small. */
  struct sf_ip_frame *again = sf__ip_frame_alloc(&pool, 1514);
  ck_assert_ptr_eq(again, small);
  ck_assert_uint_eq(again->len, 1514);
  ck_assert_uint_eq(again->meta.csum_start, 0);
  ck_assert_ptr_null(again->next);
  ck_assert_ptr_eq(sf__ip_frame_alloc(&pool, 65549), large);
  ck_assert_ptr_null(sf__ip_frame_alloc(&pool, 65550)); /* too large */
  ck_assert_uint_eq(pool.count[0] + pool.count[1], 0);
  sf__ip_frame_free(again);
  sf__ip_frame_free(large);
  /* At most 1024 small frames are kept; the rest go to free(). */
  enum { N = 1100 };
  static struct sf_ip_frame *f[N];
  for (int i = 0; i < N; i++)
    ck_assert_ptr_nonnull(f[i] = sf__ip_frame_alloc(&pool, 100));
  for (int i = 0; i < N; i++)
    sf__ip_frame_free(f[i]);
  ck_assert_uint_eq(pool.count[0], 1024);
  sf__ip_frame_pool_drain(&pool);
  ck_assert_uint_eq(pool.count[0] + pool.count[1], 0);
  ck_assert_ptr_null(pool.free[0]);
  ck_assert_ptr_null(pool.free[1]);
}
END_TEST

static Suite *arp_cache_suite(void) {
  Suite *s = suite_create("arp_cache");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_retries_then_failure_at_exact_times);
  tcase_add_test(tc, test_hold_over_without_poll_resolves_again);
  tcase_add_test(tc, test_reply_releases_parked_in_order);
  tcase_add_test(tc, test_pending_limit);
  tcase_add_test(tc, test_expiry_and_reresolve);
  tcase_add_test(tc, test_stale_in_use_probes);
  tcase_add_test(tc, test_unanswered_probes_fail);
  tcase_add_test(tc, test_confirm);
  tcase_add_test(tc, test_merge_refreshes_existing_entry);
  tcase_add_test(tc, test_lru_eviction);
  tcase_add_test(tc, test_full_of_pending_refuses);
  tcase_add_test(tc, test_random_earliest_is_exact);
  tcase_add_test(tc, test_frame_pool_reuses_frames);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(arp_cache_suite)
