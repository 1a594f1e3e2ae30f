/*
 * ARP (lib/wire/arp.c): a real request and reply parsed and emitted back
 * byte for byte, Ethernet padding ignored, every truncation, each wrong
 * hardware/protocol field and operation, emit into short buffers, and a
 * seeded random round trip.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/arp.h"
#include "wire/status.h"

/*
 * Captured from Linux 6.18 veth between two namespaces (198.18.0.1,
 * 02:00:5e:12:00:01 and 198.18.0.2, 02:00:5e:12:00:02), tcpdump -xx,
 * during `ping -c1 198.18.0.2`: the ARP packets (Ethernet header
 * removed) of the request and its reply.
 */
static const char arp_request[] =
    "0001 0800 0604 0001 0200 5e12 0001 c612 0001 "
    "0000 0000 0000 c612 0002";
static const char arp_reply[] =
    "0001 0800 0604 0002 0200 5e12 0002 c612 0002 "
    "0200 5e12 0001 c612 0001";

static const struct sf_eth_addr mac_a = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x01}};
static const struct sf_eth_addr mac_b = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x02}};
static const struct sf_eth_addr mac_zero = {{0, 0, 0, 0, 0, 0}};

START_TEST(test_parse_real_request) {
  uint8_t p[64];
  size_t n = sf_test_hex(arp_request, p, sizeof p);
  ck_assert_uint_eq(n, 28);
  struct sf_arp a;
  ck_assert_int_eq(sf__arp_parse(p, n, &a), SF_WIRE_OK);
  ck_assert_uint_eq(a.oper, SF_ARP_OP_REQUEST);
  ck_assert(sf__eth_addr_eq(&a.sha, &mac_a));
  ck_assert_uint_eq(a.spa, 0xc6120001);
  ck_assert(sf__eth_addr_eq(&a.tha, &mac_zero));
  ck_assert_uint_eq(a.tpa, 0xc6120002);
}
END_TEST

START_TEST(test_parse_real_reply) {
  uint8_t p[64];
  size_t n = sf_test_hex(arp_reply, p, sizeof p);
  struct sf_arp a;
  ck_assert_int_eq(sf__arp_parse(p, n, &a), SF_WIRE_OK);
  ck_assert_uint_eq(a.oper, SF_ARP_OP_REPLY);
  ck_assert(sf__eth_addr_eq(&a.sha, &mac_b));
  ck_assert_uint_eq(a.spa, 0xc6120002);
  ck_assert(sf__eth_addr_eq(&a.tha, &mac_a));
  ck_assert_uint_eq(a.tpa, 0xc6120001);
}
END_TEST

START_TEST(test_emit_matches_real_bytes) {
  const char *pkts[] = {arp_request, arp_reply};
  for (size_t i = 0; i < 2; i++) {
    uint8_t p[28], out[32];
    sf_test_hex(pkts[i], p, sizeof p);
    struct sf_arp a;
    ck_assert_int_eq(sf__arp_parse(p, sizeof p, &a), SF_WIRE_OK);
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(sf__arp_emit(&a, out, sizeof out), SF_ARP_LEN);
    ck_assert_mem_eq(out, p, 28);
    ck_assert_uint_eq(out[28], 0xee);
  }
}
END_TEST

/*
 * Computed by hand from the captured request: a real NIC pads the 42-byte
 * frame to 60, so 18 zero bytes follow the packet. They are ignored.
 */
START_TEST(test_padding_ignored) {
  uint8_t p[46];
  memset(p, 0, sizeof p);
  sf_test_hex(arp_request, p, sizeof p);
  struct sf_arp a;
  ck_assert_int_eq(sf__arp_parse(p, sizeof p, &a), SF_WIRE_OK);
  ck_assert_uint_eq(a.oper, SF_ARP_OP_REQUEST);
  ck_assert_uint_eq(a.tpa, 0xc6120002);
}
END_TEST

START_TEST(test_truncated_at_every_length) {
  uint8_t p[28];
  sf_test_hex(arp_request, p, sizeof p);
  struct sf_arp a;
  for (size_t len = 0; len < 28; len++)
    ck_assert_int_eq(sf__arp_parse(p, len, &a), SF_WIRE_TRUNCATED);
}
END_TEST

/* Sets byte off (and off+1 when wide) of a copy of the request. */
static int parse_with(size_t off, unsigned value, bool wide) {
  uint8_t p[28];
  sf_test_hex(arp_request, p, sizeof p);
  if (wide) {
    p[off] = (uint8_t)(value >> 8);
    p[off + 1] = (uint8_t)value;
  } else {
    p[off] = (uint8_t)value;
  }
  struct sf_arp a;
  return sf__arp_parse(p, sizeof p, &a);
}

/* Computed by hand: each field of the fixed shape changed alone. */
START_TEST(test_wrong_types_and_lengths) {
  /* htype 6 is IEEE 802 networks; 0 and 0x0100 are byte-swapped 1. */
  ck_assert_int_eq(parse_with(0, 6, true), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(0, 0, true), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(0, 0x0100, true), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(2, 0x86dd, true), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(2, 0x0008, true), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(4, 8, false), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(4, 0, false), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(5, 16, false), SF_WIRE_BAD_VERSION);
  ck_assert_int_eq(parse_with(5, 0, false), SF_WIRE_BAD_VERSION);
}
END_TEST

START_TEST(test_wrong_operation) {
  /* 0 is reserved, 3/4 are RARP (RFC 903), 8/9 InARP (RFC 2390). */
  const unsigned bad[] = {0, 3, 4, 8, 9, 0x0101, 0xffff};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_int_eq(parse_with(6, bad[i], true), SF_WIRE_BAD_FIELD);
  ck_assert_int_eq(parse_with(6, 1, true), SF_WIRE_OK);
  ck_assert_int_eq(parse_with(6, 2, true), SF_WIRE_OK);
}
END_TEST

START_TEST(test_emit_no_space) {
  struct sf_arp a = {.oper = SF_ARP_OP_REPLY,
                     .sha = mac_b,
                     .spa = 0xc6120002,
                     .tha = mac_a,
                     .tpa = 0xc6120001};
  uint8_t out[28];
  memset(out, 0xee, sizeof out);
  for (size_t cap = 0; cap < 28; cap++)
    ck_assert_int_eq(sf__arp_emit(&a, out, cap), SF_WIRE_NO_SPACE);
  for (size_t i = 0; i < sizeof out; i++)
    ck_assert_uint_eq(out[i], 0xee);
  ck_assert_int_eq(sf__arp_emit(&a, out, 28), 28);
  uint8_t want[28];
  sf_test_hex(arp_reply, want, sizeof want);
  ck_assert_mem_eq(out, want, 28);
}
END_TEST

START_TEST(test_random_round_trip) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(826));
  for (int i = 0; i < 5000; i++) {
    struct sf_arp a, b;
    a.oper = (uint16_t)(1 + sf_test_rng_below(&rng, 2));
    sf_test_rng_fill(&rng, a.sha.b, 6);
    sf_test_rng_fill(&rng, a.tha.b, 6);
    a.spa = (uint32_t)sf_test_rng_next(&rng);
    a.tpa = (uint32_t)sf_test_rng_next(&rng);
    uint8_t buf[60];
    size_t extra = sf_test_rng_below(&rng, 33); /* padding */
    sf_test_rng_fill(&rng, buf, sizeof buf);
    ck_assert_int_eq(sf__arp_emit(&a, buf, 28 + extra), 28);
    ck_assert_int_eq(sf__arp_parse(buf, 28 + extra, &b), SF_WIRE_OK);
    ck_assert_uint_eq(b.oper, a.oper);
    ck_assert(sf__eth_addr_eq(&b.sha, &a.sha));
    ck_assert(sf__eth_addr_eq(&b.tha, &a.tha));
    ck_assert_uint_eq(b.spa, a.spa);
    ck_assert_uint_eq(b.tpa, a.tpa);
  }
}
END_TEST

static Suite *arp_suite(void) {
  Suite *s = suite_create("arp");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_parse_real_request);
  tcase_add_test(tc, test_parse_real_reply);
  tcase_add_test(tc, test_emit_matches_real_bytes);
  tcase_add_test(tc, test_padding_ignored);
  tcase_add_test(tc, test_truncated_at_every_length);
  tcase_add_test(tc, test_wrong_types_and_lengths);
  tcase_add_test(tc, test_wrong_operation);
  tcase_add_test(tc, test_emit_no_space);
  tcase_add_test(tc, test_random_round_trip);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(arp_suite)
