/*
 * The Internet checksum (lib/wire/checksum.c): RFC 1071's worked example,
 * real headers captured from Linux, odd lengths, sums split into pieces,
 * the RFC 1624 incremental update against full recomputation, and the
 * IPv4 pseudo-header.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/checksum.h"

/*
 * An independent, deliberately naive reference: add 16-bit big-endian
 * words one at a time into a wide accumulator, pad an odd byte with zero,
 * fold at the end.
 */
static uint32_t ref_sum(const uint8_t *p, size_t len) {
  uint64_t acc = 0;
  for (size_t i = 0; i + 1 < len; i += 2)
    acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (len % 2)
    acc += (uint32_t)p[len - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (uint32_t)acc;
}

/* Computed by hand in RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7. */
START_TEST(test_rfc1071_example) {
  uint8_t b[8];
  sf_test_hex("0001 f203 f4f5 f6f7", b, sizeof b);
  /* 0001 + f203 + f4f5 + f6f7 = 2ddf0; folded: ddf0 + 2 = ddf2. */
  ck_assert_uint_eq(sf__csum_add(0, b, sizeof b), 0xddf2);
  ck_assert_uint_eq(sf__csum_finish(sf__csum_add(0, b, sizeof b)), 0x220d);
  /* The same words summed in any order give the same sum (commutative). */
  uint8_t r[8];
  sf_test_hex("f6f7 f4f5 f203 0001", r, sizeof r);
  ck_assert_uint_eq(sf__csum_add(0, r, sizeof r), 0xddf2);
}
END_TEST

/*
 * Captured from Linux 6.18 veth between two namespaces, tcpdump -xx: the
 * IPv4 header of an ICMP echo request 198.18.0.1 > 198.18.0.2, checksum
 * field 0x1a57.
 */
static const char ip_echo_hdr[] =
    "4500 0054 942a 4000 4001 1a57 c612 0001 c612 0002";

START_TEST(test_real_ipv4_header) {
  uint8_t h[20];
  ck_assert_uint_eq(sf_test_hex(ip_echo_hdr, h, sizeof h), 20);
  /* A correct header sums to 0xffff, so the finished value is 0. */
  ck_assert_uint_eq(sf__csum_add(0, h, sizeof h), 0xffff);
  ck_assert_uint_eq(sf__csum_finish(sf__csum_add(0, h, sizeof h)), 0);
  h[10] = h[11] = 0;
  ck_assert_uint_eq(sf__csum_finish(sf__csum_add(0, h, sizeof h)), 0x1a57);
  /* One changed bit no longer verifies. */
  h[10] = 0x1a;
  h[11] = 0x57;
  h[8] ^= 0x01;
  ck_assert_uint_ne(sf__csum_finish(sf__csum_add(0, h, sizeof h)), 0);
}
END_TEST

/* Computed by hand: an odd trailing byte is the high byte of a word. */
START_TEST(test_odd_lengths) {
  const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ck_assert_uint_eq(sf__csum_add(0, b, 0), 0);
  ck_assert_uint_eq(sf__csum_add(0, b, 1), 0x0100);
  ck_assert_uint_eq(sf__csum_add(0, b, 3), 0x0102 + 0x0300);
  /* 9 bytes: one pass of the 8-byte loop, then the odd byte. */
  ck_assert_uint_eq(sf__csum_add(0, b, 9),
                    0x0102 + 0x0304 + 0x0506 + 0x0708 + 0x0900);
  /* An odd buffer sums as the same buffer with a zero byte appended. */
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(1071));
  uint8_t buf[130];
  for (size_t len = 1; len < sizeof buf; len += 2) {
    sf_test_rng_fill(&rng, buf, len);
    buf[len] = 0;
    ck_assert_uint_eq(sf__csum_add(0, buf, len),
                      sf__csum_add(0, buf, len + 1));
    ck_assert_uint_eq(sf__csum_add(0, buf, len), ref_sum(buf, len));
  }
}
END_TEST

START_TEST(test_matches_reference_every_length) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(1));
  uint8_t buf[300];
  for (int round = 0; round < 20; round++) {
    sf_test_rng_fill(&rng, buf, sizeof buf);
    /* Every length and start alignment, through all three loops. */
    for (size_t off = 0; off < 8; off++)
      for (size_t len = 0; len + off <= sizeof buf; len++)
        ck_assert_uint_eq(sf__csum_add(0, buf + off, len),
                          ref_sum(buf + off, len));
  }
}
END_TEST

/* Carries: all-ones words, large buffers, and a large incoming sum. */
START_TEST(test_carries) {
  static uint8_t big[70000];
  memset(big, 0xff, sizeof big);
  /* 35000 words of 0xffff: every carry folds back in, leaving 0xffff. */
  ck_assert_uint_eq(sf__csum_add(0, big, sizeof big), 0xffff);
  ck_assert_uint_eq(sf__csum_finish(sf__csum_add(0, big, sizeof big)), 0);
  /* A partial sum above 16 bits is accepted and folded. */
  const uint8_t one[] = {0x00, 0x01};
  ck_assert_uint_eq(sf__csum_add(0xffffffffu, one, 2), 0x0001);
  ck_assert_uint_eq(sf__csum_add(0x00010000u, NULL, 0), 0x0001);
  ck_assert_uint_eq(sf__csum_finish(0x0001fffeu), 0x0000);
  ck_assert_uint_eq(sf__csum_finish(0), 0xffff);
  ck_assert_uint_eq(sf__csum_finish(0xffff), 0x0000);
  ck_assert_uint_eq(sf__csum_finish(0x1234), 0xedcb);
}
END_TEST

/* Splitting a buffer at any even offset does not change its sum. */
START_TEST(test_split_at_every_even_offset) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(2));
  uint8_t buf[257]; /* odd total: the last piece ends odd */
  for (int round = 0; round < 10; round++) {
    sf_test_rng_fill(&rng, buf, sizeof buf);
    for (size_t n = sizeof buf - 1; n <= sizeof buf; n++) {
      uint32_t whole = sf__csum_add(0, buf, n);
      for (size_t k = 0; k <= n; k += 2) {
        uint32_t s = sf__csum_add(sf__csum_add(0, buf, k), buf + k, n - k);
        ck_assert_uint_eq(s, whole);
        /* Three pieces: [0, k), [k, j), [j, n). */
        size_t j = k + 2 * sf_test_rng_below(&rng, (uint32_t)(n - k) / 2 + 1);
        s = sf__csum_add(0, buf, k);
        s = sf__csum_add(s, buf + k, j - k);
        s = sf__csum_add(s, buf + j, n - j);
        ck_assert_uint_eq(s, whole);
      }
    }
  }
}
END_TEST

/* Computed by hand in RFC 1624 section 4: 0x5555 -> 0x3285 gives 0x0000. */
START_TEST(test_update16_rfc1624_example) {
  ck_assert_uint_eq(sf__csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
  /* Changing a word to itself changes nothing. */
  ck_assert_uint_eq(sf__csum_update16(0x1a57, 0x4001, 0x4001), 0x1a57);
}
END_TEST

/* The real header's TTL 64 -> 63 (as a router forwards it). */
START_TEST(test_update16_real_ttl_decrement) {
  uint8_t h[20];
  sf_test_hex(ip_echo_hdr, h, sizeof h);
  uint16_t csum = sf__csum_update16(0x1a57, 0x4001, 0x3f01);
  h[8] = 0x3f;
  h[10] = h[11] = 0;
  ck_assert_uint_eq(csum, sf__csum_finish(sf__csum_add(0, h, sizeof h)));
  ck_assert_uint_eq(csum, 0x1b57);
}
END_TEST

static uint16_t full_csum(const uint8_t *buf, size_t len, size_t csum_off) {
  uint8_t tmp[64];
  memcpy(tmp, buf, len);
  tmp[csum_off] = tmp[csum_off + 1] = 0;
  return sf__csum_finish(sf__csum_add(0, tmp, len));
}

START_TEST(test_update16_equals_recompute) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(1624));
  uint8_t buf[40];
  const size_t csum_off = 10;
  for (int i = 0; i < 20000; i++) {
    sf_test_rng_fill(&rng, buf, sizeof buf);
    uint16_t csum = full_csum(buf, sizeof buf, csum_off);
    size_t w;
    do
      w = 2 * sf_test_rng_below(&rng, sizeof buf / 2);
    while (w == csum_off);
    uint16_t old_word = (uint16_t)(buf[w] << 8 | buf[w + 1]);
    uint16_t new_word = (uint16_t)sf_test_rng_next(&rng);
    if (i % 4 == 0) /* the edges of the word's range */
      new_word = i % 8 ? 0x0000 : 0xffff;
    buf[w] = (uint8_t)(new_word >> 8);
    buf[w + 1] = (uint8_t)new_word;
    ck_assert_uint_eq(sf__csum_update16(csum, old_word, new_word),
                      full_csum(buf, sizeof buf, csum_off));
  }
}
END_TEST

START_TEST(test_update32_equals_recompute) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(32));
  uint8_t buf[60];
  const size_t csum_off = 16; /* where TCP keeps it */
  for (int i = 0; i < 20000; i++) {
    sf_test_rng_fill(&rng, buf, sizeof buf);
    uint16_t csum = full_csum(buf, sizeof buf, csum_off);
    size_t w;
    /* A 32-bit field on any 16-bit boundary not covering the checksum. */
    do
      w = 2 * sf_test_rng_below(&rng, sizeof buf / 2 - 1);
    while (w + 4 > csum_off && w < csum_off + 2);
    uint32_t old_val = (uint32_t)buf[w] << 24 | (uint32_t)buf[w + 1] << 16 |
                       (uint32_t)buf[w + 2] << 8 | buf[w + 3];
    uint32_t new_val = (uint32_t)sf_test_rng_next(&rng);
    if (i % 3 == 0) /* a sequence number advancing across the wrap */
      new_val = old_val + 0x100;
    for (int k = 0; k < 4; k++)
      buf[w + (size_t)k] = (uint8_t)(new_val >> (24 - 8 * k));
    ck_assert_uint_eq(sf__csum_update32(csum, old_val, new_val),
                      full_csum(buf, sizeof buf, csum_off));
  }
}
END_TEST

/*
 * Captured from Linux 6.18 veth, tcpdump -xx (checksum "correct"): a TCP
 * RST/ACK 198.18.0.2.81 > 198.18.0.1.49146, 20 bytes, checksum 0x4b6e.
 */
START_TEST(test_pseudo_header_real_segment) {
  uint8_t tcp[20];
  sf_test_hex("0051 bffa 0000 0000 1327 04c8 5014 0000 4b6e 0000", tcp,
              sizeof tcp);
  uint32_t ph = sf__csum_pseudo_ipv4(0xc6120002, 0xc6120001, 6, 20);
  /* By hand: c612+0002+c612+0001+0006+0014 = 18c41 -> 8c42. */
  ck_assert_uint_eq(ph, 0x8c42);
  ck_assert_uint_eq(sf__csum_finish(sf__csum_add(ph, tcp, sizeof tcp)), 0);
  tcp[16] = tcp[17] = 0;
  ck_assert_uint_eq(sf__csum_finish(sf__csum_add(ph, tcp, sizeof tcp)),
                    0x4b6e);
  /* Swapping source and destination does not change the sum. */
  ck_assert_uint_eq(sf__csum_pseudo_ipv4(0xc6120001, 0xc6120002, 6, 20), ph);
}
END_TEST

/* The pseudo-header sum equals the sum of its 12 bytes laid out. */
START_TEST(test_pseudo_header_matches_bytes) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(9293));
  for (int i = 0; i < 10000; i++) {
    uint32_t src = (uint32_t)sf_test_rng_next(&rng);
    uint32_t dst = (uint32_t)sf_test_rng_next(&rng);
    uint8_t proto = (uint8_t)sf_test_rng_next(&rng);
    uint16_t len = (uint16_t)sf_test_rng_next(&rng);
    if (i == 0) {
      src = dst = 0xffffffffu;
      proto = 0xff;
      len = 0xffff;
    }
    uint8_t b[12] = {(uint8_t)(src >> 24), (uint8_t)(src >> 16),
                     (uint8_t)(src >> 8),  (uint8_t)src,
                     (uint8_t)(dst >> 24), (uint8_t)(dst >> 16),
                     (uint8_t)(dst >> 8),  (uint8_t)dst,
                     0,                    proto,
                     (uint8_t)(len >> 8),  (uint8_t)len};
    uint32_t ph = sf__csum_pseudo_ipv4(src, dst, proto, len);
    ck_assert_uint_le(ph, 0xffff);
    ck_assert_uint_eq(ph, ref_sum(b, sizeof b));
  }
}
END_TEST

static Suite *checksum_suite(void) {
  Suite *s = suite_create("checksum");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_rfc1071_example);
  tcase_add_test(tc, test_real_ipv4_header);
  tcase_add_test(tc, test_odd_lengths);
  tcase_add_test(tc, test_matches_reference_every_length);
  tcase_add_test(tc, test_carries);
  tcase_add_test(tc, test_split_at_every_even_offset);
  tcase_add_test(tc, test_update16_rfc1624_example);
  tcase_add_test(tc, test_update16_real_ttl_decrement);
  tcase_add_test(tc, test_update16_equals_recompute);
  tcase_add_test(tc, test_update32_equals_recompute);
  tcase_add_test(tc, test_pseudo_header_real_segment);
  tcase_add_test(tc, test_pseudo_header_matches_bytes);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(checksum_suite)
