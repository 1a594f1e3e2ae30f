/*
 * SYN cookies (lib/tcp/syncookie.c): the exact layout, a round trip for
 * every MSS offer, rejection when the tuple, the peer's ISN or any cookie
 * bit changes, expiry by age across tick boundaries and counter wraps,
 * sequence wraparound, and the options carried in our TSval.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "harness.h"
#include "link/link.h"
#include "tcp/syncookie.h"

#define LADDR 0xc6120001u /* 198.18.0.1 */
#define RADDR 0xc6120002u /* 198.18.0.2 */
#define LPORT 80
#define RPORT 40000
#define TICK (64 * SF_NSEC_PER_SEC)

static struct sf_secret secret(uint64_t seed) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, seed);
  return s;
}

static uint16_t check_at(const struct sf_secret *s, uint32_t peer_isn,
                         uint32_t cookie, sf_time_t now) {
  return sf__syncookie_check(s, sf_addr_v4(LADDR), LPORT, sf_addr_v4(RADDR),
                             RPORT, peer_isn, cookie, now);
}

static uint32_t make_at(const struct sf_secret *s, uint32_t peer_isn,
                        uint16_t mss, sf_time_t now, uint16_t *mss_out) {
  return sf__syncookie_make(s, sf_addr_v4(LADDR), LPORT, sf_addr_v4(RADDR),
                            RPORT, peer_isn, mss, now, mss_out);
}

/* Bytes of a hash input, as the layout comment in syncookie.c gives it. */
static uint32_t h(const struct sf_secret *s, uint8_t which, uint8_t index,
                  uint32_t peer_isn, uint32_t count) {
  uint8_t b[22] = {which, index,
                   0xc6, 0x12, 0x00, 0x01, /* laddr */
                   0xc6, 0x12, 0x00, 0x02, /* raddr */
                   0x00, 0x50, 0x9c, 0x40, /* lport 80, rport 40000 */
                   (uint8_t)(peer_isn >> 24), (uint8_t)(peer_isn >> 16),
                   (uint8_t)(peer_isn >> 8), (uint8_t)peer_isn,
                   (uint8_t)(count >> 24), (uint8_t)(count >> 16),
                   (uint8_t)(count >> 8), (uint8_t)count};
  return (uint32_t)sf__siphash(s->cookie_key, b, sizeof b);
}

START_TEST(test_exact_layout) {
  struct sf_secret s = secret(1);
  uint32_t peer_isn = 0x01020304;
  sf_time_t now = 1000 * TICK + 5 * SF_NSEC_PER_SEC; /* tick 1000 */
  uint16_t mss = 0;
  uint32_t c = make_at(&s, peer_isn, 1440, now, &mss);
  ck_assert_uint_eq(mss, 1440);
  /* Computed by hand from the documented layout: index 2 for 1440. */
  uint32_t want = h(&s, 1, 0, peer_isn, 0) + peer_isn + (1000u << 24) +
                  (((h(&s, 2, 2, peer_isn, 1000) & 0x3fffff) << 2 | 2) &
                   0xffffff);
  ck_assert_uint_eq(c, want);
}
END_TEST

START_TEST(test_every_mss) {
  struct sf_secret s = secret(2);
  static const struct {
    uint16_t offer, want;
  } cases[] = {
      {0, 536},      /* none offered: RFC 9293's default */
      {1, 536},      /* below every entry: the smallest */
      {535, 536},    {536, 536},   {537, 536},   {1299, 536},
      {1300, 1300},  {1301, 1300}, {1439, 1300}, {1440, 1440},
      {1459, 1440},  {1460, 1460}, {1461, 1460}, {8960, 1460},
      {65535, 1460},
  };
  sf_time_t now = 77 * TICK + 12345;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint16_t mss = 0;
    uint32_t c = make_at(&s, 1000 + (uint32_t)i, cases[i].offer, now, &mss);
    ck_assert_msg(mss == cases[i].want, "offer %u: %u", cases[i].offer, mss);
    ck_assert_uint_eq(check_at(&s, 1000 + (uint32_t)i, c, now),
                      cases[i].want);
  }
  /* mss_out may be NULL. */
  uint32_t c = make_at(&s, 5, 1460, now, NULL);
  ck_assert_uint_eq(check_at(&s, 5, c, now), 1460);
}
END_TEST

START_TEST(test_age) {
  struct sf_secret s = secret(3);
  sf_time_t made = 5 * TICK - 1; /* the last nanosecond of tick 4 */
  uint32_t c = make_at(&s, 777, 1460, made, NULL);
  ck_assert_uint_eq(check_at(&s, 777, c, made), 1460);
  ck_assert_uint_eq(check_at(&s, 777, c, 5 * TICK), 1460); /* age 1 */
  ck_assert_uint_eq(check_at(&s, 777, c, 6 * TICK), 1460); /* age 2 */
  ck_assert_uint_eq(check_at(&s, 777, c, 7 * TICK - 1), 1460);
  ck_assert_uint_eq(check_at(&s, 777, c, 7 * TICK), 0); /* age 3 */
  ck_assert_uint_eq(check_at(&s, 777, c, 100 * TICK), 0);
  /* From the future (made after now): rejected. */
  ck_assert_uint_eq(check_at(&s, 777, c, 4 * TICK - 1), 0);
  ck_assert_uint_eq(check_at(&s, 777, c, 0), 0);
  /* 256 ticks later the counter's low 8 bits match again; the MAC over
   * the full counter still rejects it. */
  ck_assert_uint_eq(check_at(&s, 777, c, made + 256 * TICK), 0);
  ck_assert_uint_eq(check_at(&s, 777, c, made + 257 * TICK), 0);
}
END_TEST

START_TEST(test_counter_wrap) {
  /* Made in tick 255, checked in ticks 256 and 257: the 8-bit counter in
   * the cookie wraps between them. Then near the end of sf_time_t (the
   * 32-bit tick count cannot wrap: 2^64 ns is 2^28 ticks). */
  struct sf_secret s = secret(4);
  uint32_t c = make_at(&s, 9, 1300, 255 * TICK + 1, NULL);
  ck_assert_uint_eq(check_at(&s, 9, c, 256 * TICK), 1300);
  ck_assert_uint_eq(check_at(&s, 9, c, 257 * TICK + 7), 1300);
  ck_assert_uint_eq(check_at(&s, 9, c, 258 * TICK), 0);
  sf_time_t far = (sf_time_t)280000000u * TICK + 5;
  c = make_at(&s, 9, 1300, far, NULL);
  ck_assert_uint_eq(check_at(&s, 9, c, far + TICK), 1300);
  ck_assert_uint_eq(check_at(&s, 9, c, far + 2 * TICK), 1300);
  ck_assert_uint_eq(check_at(&s, 9, c, far + 3 * TICK), 0);
}
END_TEST

START_TEST(test_rejects_changes) {
  struct sf_secret s = secret(5);
  sf_time_t now = 3 * TICK;
  uint32_t isn = 0x89abcdef;
  uint32_t c = make_at(&s, isn, 1460, now, NULL);
  ck_assert_uint_eq(check_at(&s, isn, c, now), 1460);
  /* Any cookie bit. */
  for (int bit = 0; bit < 32; bit++)
    ck_assert_msg(check_at(&s, isn, c ^ (1u << bit), now) == 0, "bit %d", bit);
  /* Small shifts of the cookie or peer_isn (Linux's additive index would
   * accept some of these with another MSS). */
  for (uint32_t d = 1; d <= 8; d++) {
    ck_assert_uint_eq(check_at(&s, isn, c + d, now), 0);
    ck_assert_uint_eq(check_at(&s, isn, c - d, now), 0);
    ck_assert_uint_eq(check_at(&s, isn + d, c, now), 0);
    ck_assert_uint_eq(check_at(&s, isn - d, c, now), 0);
    ck_assert_uint_eq(check_at(&s, isn + d, c + d, now), 0);
  }
  for (int bit = 0; bit < 32; bit++)
    ck_assert_uint_eq(check_at(&s, isn ^ (1u << bit), c, now), 0);
  /* Every tuple field. */
  ck_assert_uint_eq(sf__syncookie_check(&s, sf_addr_v4(LADDR + 1), LPORT,
                                        sf_addr_v4(RADDR), RPORT, isn, c, now),
                    0);
  ck_assert_uint_eq(sf__syncookie_check(&s, sf_addr_v4(LADDR), LPORT + 1,
                                        sf_addr_v4(RADDR), RPORT, isn, c, now),
                    0);
  ck_assert_uint_eq(sf__syncookie_check(&s, sf_addr_v4(LADDR), LPORT,
                                        sf_addr_v4(RADDR + 1), RPORT, isn, c,
                                        now),
                    0);
  ck_assert_uint_eq(sf__syncookie_check(&s, sf_addr_v4(LADDR), LPORT,
                                        sf_addr_v4(RADDR), RPORT + 1, isn, c,
                                        now),
                    0);
  ck_assert_uint_eq(sf__syncookie_check(&s, sf_addr_v4(RADDR), RPORT,
                                        sf_addr_v4(LADDR), LPORT, isn, c, now),
                    0);
  /* Another secret. */
  struct sf_secret t = s;
  t.cookie_key[0] ^= 0x80;
  ck_assert_uint_eq(check_at(&t, isn, c, now), 0);
  /* Only the cookie key matters. */
  t = s;
  memset(t.isn_key, 0, 16);
  memset(t.hash_key, 0, 16);
  memset(t.port_key, 0, 16);
  ck_assert_uint_eq(check_at(&t, isn, c, now), 1460);
}
END_TEST

START_TEST(test_random_round_trips) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0xc00c1e5ULL));
  struct sf_secret s = secret(sf_test_rng_next(&rng));
  static const uint16_t table[4] = {536, 1300, 1440, 1460};
  int wrapped = 0, accepted_forgeries = 0;
  for (int i = 0; i < 2000; i++) {
    struct sf_addr laddr = sf_addr_v4((uint32_t)sf_test_rng_next(&rng));
    struct sf_addr raddr = sf_addr_v4((uint32_t)sf_test_rng_next(&rng));
    uint16_t lport = (uint16_t)sf_test_rng_next(&rng);
    uint16_t rport = (uint16_t)sf_test_rng_next(&rng);
    uint32_t isn = (uint32_t)sf_test_rng_next(&rng);
    if (i < 8)
      isn = 0xffffffffu - (uint32_t)i; /* right below the wrap */
    uint16_t offer = table[sf_test_rng_below(&rng, 4)];
    sf_time_t now = sf_test_rng_next(&rng) >> 8;
    uint16_t mss = 0;
    uint32_t c = sf__syncookie_make(&s, laddr, lport, raddr, rport, isn,
                                    offer, now, &mss);
    ck_assert_uint_eq(mss, offer);
    wrapped += c < isn; /* H1 + isn + ... passed 2^32 */
    sf_time_t later = now + sf_test_rng_below(&rng, 3) * TICK;
    /* The returning ACK: seq = isn + 1, ack = cookie + 1, both wrapping. */
    uint32_t seg_seq = isn + 1, seg_ack = c + 1;
    ck_assert_uint_eq(sf__syncookie_check(&s, laddr, lport, raddr, rport,
                                          seg_seq - 1, seg_ack - 1, later),
                      offer);
    /* A random cookie for the same tuple almost never passes (2^-22). */
    accepted_forgeries +=
        sf__syncookie_check(&s, laddr, lport, raddr, rport, isn,
                            (uint32_t)sf_test_rng_next(&rng), later) != 0;
  }
  ck_assert_int_gt(wrapped, 100); /* the modular cases were exercised */
  ck_assert_int_le(accepted_forgeries, 1);
}
END_TEST

START_TEST(test_wrap_flow) {
  /* The peer's ISN is 2^32 - 1: its ACK carries seq 0. */
  struct sf_secret s = secret(6);
  sf_time_t now = 42 * TICK;
  uint32_t c = make_at(&s, 0xffffffffu, 1440, now, NULL);
  uint32_t seg_seq = 0xffffffffu + 1u, seg_ack = c + 1u;
  ck_assert_uint_eq(seg_seq, 0);
  ck_assert_uint_eq(check_at(&s, seg_seq - 1u, seg_ack - 1u, now), 1440);
  ck_assert_uint_eq(check_at(&s, seg_seq, seg_ack - 1u, now), 0);
  ck_assert_uint_eq(check_at(&s, 0xfffffffeu, c, now), 0);
}
END_TEST

START_TEST(test_ts_exact) {
  struct sf_cookie_opts o = {.wscale_ok = true, .wscale = 7, .sack_ok = true};
  /* Computed by hand: low 6 bits 0x17 (wscale 7, SACK bit 0x10). */
  ck_assert_uint_eq(sf__syncookie_ts_encode(0x12345678u, &o), 0x12345657u);
  /* 0x12345657 would be ahead of 0x12345650: one step of 64 back. */
  ck_assert_uint_eq(sf__syncookie_ts_encode(0x12345650u, &o), 0x12345617u);
  ck_assert_uint_eq(sf__syncookie_ts_encode(0x12345657u, &o), 0x12345657u);
  struct sf_cookie_opts none = {.wscale_ok = false, .wscale = 9,
                                .sack_ok = false};
  ck_assert_uint_eq(sf__syncookie_ts_encode(0x1000003fu, &none), 0x1000000fu);
  /* Near zero the step back wraps: 0x1f > 5, so 0x1f - 64. */
  struct sf_cookie_opts nsack = {.wscale_ok = false, .sack_ok = true};
  ck_assert_uint_eq(sf__syncookie_ts_encode(5, &nsack), 0xffffffdfu);
  /* Window scale above 14 is sent as 14 (RFC 7323 2.3). */
  struct sf_cookie_opts big = {.wscale_ok = true, .wscale = 200};
  ck_assert_uint_eq(sf__syncookie_ts_encode(0xabcdef7fu, &big), 0xabcdef4eu);
  struct sf_cookie_opts d;
  sf__syncookie_ts_decode(0xabcdef4eu, &d);
  ck_assert(d.wscale_ok);
  ck_assert_uint_eq(d.wscale, 14);
  ck_assert(!d.sack_ok);
  sf__syncookie_ts_decode(0x1000000fu, &d);
  ck_assert(!d.wscale_ok);
  ck_assert_uint_eq(d.wscale, 0);
  ck_assert(!d.sack_ok);
  sf__syncookie_ts_decode(0x00000010u, &d);
  ck_assert(d.wscale_ok);
  ck_assert_uint_eq(d.wscale, 0);
  ck_assert(d.sack_ok);
  /* Bit 5 and the high bits do not matter. */
  sf__syncookie_ts_decode(0xffffffe3u, &d);
  ck_assert(d.wscale_ok);
  ck_assert_uint_eq(d.wscale, 3);
  ck_assert(!d.sack_ok);
}
END_TEST

START_TEST(test_ts_round_trips) {
  static const uint32_t clocks[] = {0, 1, 63, 64, 65, 0x3f, 0x12345600u,
                                    0x123456ffu, 0x7fffffe0u, 0xffffffc0u,
                                    0xffffffffu};
  for (size_t k = 0; k < sizeof clocks / sizeof clocks[0]; k++) {
    for (unsigned ws = 0; ws <= 15; ws++) {
      for (int sack = 0; sack < 2; sack++) {
        struct sf_cookie_opts o = {.wscale_ok = ws <= 14,
                                   .wscale = (uint8_t)(ws <= 14 ? ws : 0),
                                   .sack_ok = sack};
        uint32_t ts = sf__syncookie_ts_encode(clocks[k], &o);
        /* Never ahead of the clock, at most 63 behind (mod 2^32). */
        uint32_t behind = clocks[k] - ts;
        ck_assert_uint_lt(behind, 64);
        ck_assert_uint_eq(ts & 0x20, 0);
        /* The peer echoes it as TSecr. */
        struct sf_cookie_opts d = {.wscale_ok = !o.wscale_ok, .wscale = 99,
                                   .sack_ok = !o.sack_ok};
        sf__syncookie_ts_decode(ts, &d);
        ck_assert(d.wscale_ok == o.wscale_ok);
        ck_assert_uint_eq(d.wscale, o.wscale);
        ck_assert(d.sack_ok == o.sack_ok);
      }
    }
  }
}
END_TEST

static Suite *syncookie_suite(void) {
  Suite *s = suite_create("tcp/syncookie");
  TCase *tc = tcase_create("cookie");
  tcase_add_test(tc, test_exact_layout);
  tcase_add_test(tc, test_every_mss);
  tcase_add_test(tc, test_age);
  tcase_add_test(tc, test_counter_wrap);
  tcase_add_test(tc, test_rejects_changes);
  tcase_add_test(tc, test_random_round_trips);
  tcase_add_test(tc, test_wrap_flow);
  suite_add_tcase(s, tc);
  tc = tcase_create("timestamp");
  tcase_add_test(tc, test_ts_exact);
  tcase_add_test(tc, test_ts_round_trips);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(syncookie_suite)
