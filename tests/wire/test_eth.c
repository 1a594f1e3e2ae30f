/*
 * Ethernet II headers (lib/wire/eth.c): real frames parsed and emitted
 * back byte for byte, one 802.1Q tag, every truncation, 802.3 length
 * fields, emit into short buffers, the address helpers, and a seeded
 * random round trip.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/eth.h"
#include "wire/status.h"

/*
 * Captured from Linux 6.18 veth between two namespaces (198.18.0.1,
 * 02:00:5e:12:00:01 and 198.18.0.2, 02:00:5e:12:00:02), tcpdump -xx:
 * the ARP request that preceded `ping -c1 198.18.0.2`.
 */
static const char arp_request[] =
    "ffff ffff ffff 0200 5e12 0001 0806 0001 "
    "0800 0604 0001 0200 5e12 0001 c612 0001 "
    "0000 0000 0000 c612 0002";

/* Captured as above: the ICMP echo request of that ping. */
static const char echo_request[] =
    "0200 5e12 0002 0200 5e12 0001 0800 4500 "
    "0054 942a 4000 4001 1a57 c612 0001 c612 "
    "0002 0800 3a45 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";

/*
 * Computed by hand from echo_request: an 802.1Q tag (TPID 8100, TCI
 * a005: priority 5, DEI 0, VLAN 5) inserted after the source address.
 */
static const char echo_request_vlan[] =
    "0200 5e12 0002 0200 5e12 0001 8100 a005 0800 4500 "
    "0054 942a 4000 4001 1a57 c612 0001 c612 "
    "0002 0800 3a45 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";

/*
 * Captured as above: the first 22 of the 90 bytes of the IPv6 MLD
 * report Linux sent at link up.
 */
static const char ipv6_mld_head[] =
    "3333 0000 0016 0200 5e12 0001 86dd 6000 0000 0024 0001";

static const struct sf_eth_addr mac_a = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x01}};
static const struct sf_eth_addr mac_b = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x02}};

START_TEST(test_parse_real_arp_frame) {
  uint8_t f[64];
  size_t n = sf_test_hex(arp_request, f, sizeof f);
  ck_assert_uint_eq(n, 42);
  struct sf_eth_hdr h;
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
  ck_assert(sf__eth_addr_eq(&h.dst, &sf__eth_broadcast));
  ck_assert(sf__eth_addr_eq(&h.src, &mac_a));
  ck_assert_uint_eq(h.ethertype, SF_ETHERTYPE_ARP);
  ck_assert(!h.has_vlan);
  ck_assert_uint_eq(h.vlan_tci, 0);
  ck_assert_ptr_eq(h.payload, f + 14);
  ck_assert_uint_eq(h.payload_len, 28);
  ck_assert_uint_eq(sf__eth_hdr_len(&h), 14);
}
END_TEST

START_TEST(test_parse_real_ipv4_frame) {
  uint8_t f[128];
  size_t n = sf_test_hex(echo_request, f, sizeof f);
  ck_assert_uint_eq(n, 98);
  struct sf_eth_hdr h;
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
  ck_assert(sf__eth_addr_eq(&h.dst, &mac_b));
  ck_assert(sf__eth_addr_eq(&h.src, &mac_a));
  ck_assert_uint_eq(h.ethertype, SF_ETHERTYPE_IPV4);
  ck_assert(!h.has_vlan);
  ck_assert_ptr_eq(h.payload, f + 14);
  ck_assert_uint_eq(h.payload_len, 84);
  ck_assert_uint_eq(h.payload[0], 0x45);
}
END_TEST

START_TEST(test_parse_real_ipv6_frame) {
  uint8_t f[32];
  size_t n = sf_test_hex(ipv6_mld_head, f, sizeof f);
  struct sf_eth_hdr h;
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.ethertype, SF_ETHERTYPE_IPV6);
  ck_assert(sf__eth_addr_is_multicast(&h.dst));
  ck_assert(!sf__eth_addr_is_broadcast(&h.dst));
  ck_assert_uint_eq(h.payload_len, n - 14);
}
END_TEST

/* Parsed header emitted again: the same bytes, exactly header-long. */
START_TEST(test_emit_matches_real_bytes) {
  const char *frames[] = {arp_request, echo_request, echo_request_vlan};
  for (size_t i = 0; i < 3; i++) {
    uint8_t f[128], out[32];
    size_t n = sf_test_hex(frames[i], f, sizeof f);
    struct sf_eth_hdr h;
    ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
    size_t hl = sf__eth_hdr_len(&h);
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(sf__eth_emit(&h, out, hl), (int)hl);
    ck_assert_mem_eq(out, f, hl);
    ck_assert_uint_eq(out[hl], 0xee); /* nothing past the header */
  }
}
END_TEST

START_TEST(test_vlan_tag) {
  uint8_t f[128];
  size_t n = sf_test_hex(echo_request_vlan, f, sizeof f);
  ck_assert_uint_eq(n, 102);
  struct sf_eth_hdr h;
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
  ck_assert(h.has_vlan);
  ck_assert_uint_eq(h.vlan_tci, 0xa005);
  ck_assert_uint_eq(h.vlan_tci & 0x0fff, 5);
  ck_assert_uint_eq(h.ethertype, SF_ETHERTYPE_IPV4);
  ck_assert_ptr_eq(h.payload, f + 18);
  ck_assert_uint_eq(h.payload_len, 84);
  ck_assert_uint_eq(sf__eth_hdr_len(&h), 18);
  /* Exactly the tagged header: an empty payload. */
  ck_assert_int_eq(sf__eth_parse(f, 18, &h), SF_WIRE_OK);
  ck_assert_ptr_eq(h.payload, f + 18);
  ck_assert_uint_eq(h.payload_len, 0);
}
END_TEST

START_TEST(test_truncated_at_every_length) {
  uint8_t f[128];
  size_t n = sf_test_hex(echo_request, f, sizeof f);
  struct sf_eth_hdr h;
  for (size_t len = 0; len < 14; len++)
    ck_assert_int_eq(sf__eth_parse(f, len, &h), SF_WIRE_TRUNCATED);
  ck_assert_int_eq(sf__eth_parse(f, 14, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.payload_len, 0);
  ck_assert_ptr_eq(h.payload, f + 14);
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
  /* A tagged frame needs 18 bytes. */
  n = sf_test_hex(echo_request_vlan, f, sizeof f);
  for (size_t len = 0; len < 18; len++)
    ck_assert_int_eq(sf__eth_parse(f, len, &h), SF_WIRE_TRUNCATED);
}
END_TEST

/* Computed by hand: a type field below 0x0600 is an 802.3 length. */
START_TEST(test_8023_length_field) {
  uint8_t f[128];
  size_t n = sf_test_hex(echo_request, f, sizeof f);
  struct sf_eth_hdr h;
  const uint16_t bad[] = {0x0000, 0x0054, 0x05dc, 0x05ff};
  for (size_t i = 0; i < 4; i++) {
    f[12] = (uint8_t)(bad[i] >> 8);
    f[13] = (uint8_t)bad[i];
    ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_BAD_FIELD);
  }
  f[12] = 0x06;
  f[13] = 0x00;
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.ethertype, 0x0600);
  /* The same rule applies to the EtherType inside a tag. */
  n = sf_test_hex(echo_request_vlan, f, sizeof f);
  f[16] = 0x05;
  f[17] = 0xdc;
  ck_assert_int_eq(sf__eth_parse(f, n, &h), SF_WIRE_BAD_FIELD);
}
END_TEST

START_TEST(test_emit_no_space) {
  struct sf_eth_hdr h = {.dst = mac_b, .src = mac_a, .ethertype = 0x0800};
  uint8_t out[32];
  memset(out, 0xee, sizeof out);
  for (size_t cap = 0; cap < 14; cap++)
    ck_assert_int_eq(sf__eth_emit(&h, out, cap), SF_WIRE_NO_SPACE);
  for (size_t i = 0; i < sizeof out; i++)
    ck_assert_uint_eq(out[i], 0xee); /* untouched */
  ck_assert_int_eq(sf__eth_emit(&h, out, 14), 14);
  h.has_vlan = true;
  h.vlan_tci = 7;
  for (size_t cap = 0; cap < 18; cap++)
    ck_assert_int_eq(sf__eth_emit(&h, out, cap), SF_WIRE_NO_SPACE);
  ck_assert_int_eq(sf__eth_emit(&h, out, 18), 18);
  uint8_t want[18];
  /* Computed by hand: dst, src, 8100, TCI 0007, 0800. */
  sf_test_hex("0200 5e12 0002 0200 5e12 0001 8100 0007 0800", want,
              sizeof want);
  ck_assert_mem_eq(out, want, 18);
}
END_TEST

START_TEST(test_addr_helpers) {
  const uint8_t ff[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  ck_assert_mem_eq(sf__eth_broadcast.b, ff, 6);
  ck_assert(sf__eth_addr_is_broadcast(&sf__eth_broadcast));
  ck_assert(sf__eth_addr_is_multicast(&sf__eth_broadcast));
  ck_assert(!sf__eth_addr_is_broadcast(&mac_a));
  /* 02:... is locally administered but unicast (bit 1, not bit 0). */
  ck_assert(!sf__eth_addr_is_multicast(&mac_a));
  struct sf_eth_addr m = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}};
  ck_assert(sf__eth_addr_is_multicast(&m));
  ck_assert(!sf__eth_addr_is_broadcast(&m));
  struct sf_eth_addr almost = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}};
  ck_assert(!sf__eth_addr_is_broadcast(&almost));
  ck_assert(sf__eth_addr_eq(&mac_a, &mac_a));
  ck_assert(!sf__eth_addr_eq(&mac_a, &mac_b));
  struct sf_eth_addr first = mac_a;
  first.b[0] ^= 0x80;
  ck_assert(!sf__eth_addr_eq(&mac_a, &first));
}
END_TEST

START_TEST(test_addr_format) {
  char out[19];
  memset(out, 'x', sizeof out);
  ck_assert_ptr_eq(sf__eth_addr_format(&mac_a, out), out);
  ck_assert_str_eq(out, "02:00:5e:12:00:01");
  ck_assert_uint_eq((uint8_t)out[18], 'x'); /* 18 bytes used, no more */
  ck_assert_str_eq(sf__eth_addr_format(&sf__eth_broadcast, out),
                   "ff:ff:ff:ff:ff:ff");
  struct sf_eth_addr z = {{0, 0, 0, 0, 0, 0}};
  ck_assert_str_eq(sf__eth_addr_format(&z, out), "00:00:00:00:00:00");
  struct sf_eth_addr mixed = {{0xa0, 0x0b, 0xc9, 0x9d, 0x10, 0xef}};
  ck_assert_str_eq(sf__eth_addr_format(&mixed, out), "a0:0b:c9:9d:10:ef");
}
END_TEST

static void random_hdr(struct sf_test_rng *rng, struct sf_eth_hdr *h) {
  memset(h, 0, sizeof *h);
  sf_test_rng_fill(rng, h->dst.b, 6);
  sf_test_rng_fill(rng, h->src.b, 6);
  h->has_vlan = sf_test_rng_below(rng, 2);
  h->vlan_tci = h->has_vlan ? (uint16_t)sf_test_rng_next(rng) : 0;
  /* Any real EtherType; untagged 0x8100 would read as a tag. */
  do
    h->ethertype = (uint16_t)(0x0600 + sf_test_rng_below(rng, 0x10000 - 0x600));
  while (!h->has_vlan && h->ethertype == SF_ETHERTYPE_VLAN);
}

START_TEST(test_random_round_trip) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(802));
  uint8_t buf[18 + 64];
  for (int i = 0; i < 5000; i++) {
    struct sf_eth_hdr h, p;
    random_hdr(&rng, &h);
    int hl = sf__eth_emit(&h, buf, sizeof buf);
    ck_assert_int_eq(hl, h.has_vlan ? 18 : 14);
    size_t plen = sf_test_rng_below(&rng, 65);
    sf_test_rng_fill(&rng, buf + hl, plen);
    ck_assert_int_eq(sf__eth_parse(buf, (size_t)hl + plen, &p), SF_WIRE_OK);
    ck_assert(sf__eth_addr_eq(&p.dst, &h.dst));
    ck_assert(sf__eth_addr_eq(&p.src, &h.src));
    ck_assert_uint_eq(p.ethertype, h.ethertype);
    ck_assert(p.has_vlan == h.has_vlan);
    ck_assert_uint_eq(p.vlan_tci, h.vlan_tci);
    ck_assert_ptr_eq(p.payload, buf + hl);
    ck_assert_uint_eq(p.payload_len, plen);
  }
}
END_TEST

static Suite *eth_suite(void) {
  Suite *s = suite_create("eth");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_parse_real_arp_frame);
  tcase_add_test(tc, test_parse_real_ipv4_frame);
  tcase_add_test(tc, test_parse_real_ipv6_frame);
  tcase_add_test(tc, test_emit_matches_real_bytes);
  tcase_add_test(tc, test_vlan_tag);
  tcase_add_test(tc, test_truncated_at_every_length);
  tcase_add_test(tc, test_8023_length_field);
  tcase_add_test(tc, test_emit_no_space);
  tcase_add_test(tc, test_addr_helpers);
  tcase_add_test(tc, test_addr_format);
  tcase_add_test(tc, test_random_round_trip);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(eth_suite)
