/*
 * IPv4 headers (lib/wire/ipv4.c): real datagrams parsed and emitted back
 * byte for byte (with and without options), fragments, Ethernet padding,
 * every length and field error in the order the parser checks them,
 * emit's refusals, the dotted-quad helpers, and a seeded random round
 * trip.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/status.h"

/*
 * All datagrams below were captured from Linux 6.18 veth between two
 * namespaces (198.18.0.1 and 198.18.0.2), tcpdump -xx, Ethernet header
 * removed unless said otherwise.
 */

/* `ping -c1 198.18.0.2`: echo request (DF) and its reply (no flags). */
static const char echo_request[] =
    "4500 0054 942a 4000 4001 1a57 c612 0001 c612 "
    "0002 0800 3a45 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";
static const char echo_reply[] =
    "4500 0054 0b67 0000 4001 e31a c612 0002 c612 "
    "0001 0000 4245 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";

/*
 * `ping -c1 -R 198.18.0.2`: a 60-byte header with 40 bytes of options,
 * NOP then Record Route (type 7, length 39, pointer 8, nine slots).
 */
static const char rr_request[] =
    "4f00 007c 942b 4000 4001 220b c612 0001 c612 "
    "0002 0107 2708 c612 0001 0000 0000 0000 "
    "0000 0000 0000 0000 0000 0000 0000 0000 "
    "0000 0000 0000 0000 0000 0800 9a37 2955 "
    "0001 6465 056b 0000 0000 06cf 0500 0000 "
    "0000 1011 1213 1415 1617 1819 1a1b 1c1d "
    "1e1f 2021 2223 2425 2627 2829 2a2b 2c2d "
    "2e2f 3031 3233 3435 3637";
/* Its reply: Record Route with three slots filled, then End of List. */
static const char rr_reply[] =
    "4f00 007c 0b68 0000 4001 8478 c612 0002 c612 "
    "0001 0727 10c6 1200 01c6 1200 02c6 1200 "
    "0200 0000 0000 0000 0000 0000 0000 0000 "
    "0000 0000 0000 0000 0000 0000 a237 2955 "
    "0001 6465 056b 0000 0000 06cf 0500 0000 "
    "0000 1011 1213 1415 1617 1819 1a1b 1c1d "
    "1e1f 2021 2223 2425 2627 2829 2a2b 2c2d "
    "2e2f 3031 3233 3435 3637";

/*
 * `ping -c1 -s 2000 198.18.0.2` over a 1500-byte MTU: the headers of the
 * two fragments (MF with offset 0; offset 185 * 8 = 1480). The payload
 * bytes are not kept: the tests use zeros, which the parser never reads.
 */
static const char frag1_hdr[] =
    "4500 05dc 942c 2000 4001 34cd c612 0001 c612 0002";
static const char frag2_hdr[] =
    "4500 0224 942c 00b9 4001 57cc c612 0001 c612 0002";

/*
 * A TCP RST/ACK 198.18.0.2.81 > 198.18.0.1.49146, with its Ethernet
 * header: a 54-byte frame, which a real NIC pads to 60 bytes.
 */
static const char rst_frame[] =
    "0200 5e12 0001 0200 5e12 0002 0800 4500 "
    "0028 0000 4000 4006 aea8 c612 0002 c612 "
    "0001 0051 bffa 0000 0000 1327 04c8 5014 "
    "0000 4b6e 0000";

/* An ICMP host unreachable from 198.18.0.2 (TOS 0xc0, network control). */
static const char unreach[] =
    "45c0 0058 0b6a 0000 4001 e253 c612 0002 c612 "
    "0001 0301 9452 0000 0000 4500 003c 1a95 "
    "4000 4006 8b00 c612 0001 c612 0901 a0ee "
    "0050 6ef4 4a39 0000 0000 a002 faf0 9555 "
    "0000 0204 05b4 0402 080a 7f39 46ec 0000 "
    "0000 0103 030a";

/* Recomputes the header checksum after a test changed a field. */
static void fix_checksum(uint8_t *pkt, size_t hdr_len) {
  pkt[10] = pkt[11] = 0;
  uint16_t c = sf__csum_finish(sf__csum_add(0, pkt, hdr_len));
  pkt[10] = (uint8_t)(c >> 8);
  pkt[11] = (uint8_t)c;
}

START_TEST(test_parse_real_echo_request) {
  uint8_t p[128];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  ck_assert_uint_eq(n, 84);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.hdr_len, 20);
  ck_assert_uint_eq(h.tos, 0);
  ck_assert_uint_eq(h.total_len, 84);
  ck_assert_uint_eq(h.id, 0x942a);
  ck_assert_uint_eq(h.flags, SF_IPV4_FLAG_DF);
  ck_assert_uint_eq(h.frag_offset, 0);
  ck_assert_uint_eq(h.ttl, 64);
  ck_assert_uint_eq(h.proto, SF_IPPROTO_ICMP);
  ck_assert_uint_eq(h.checksum, 0x1a57);
  ck_assert_uint_eq(h.src, 0xc6120001);
  ck_assert_uint_eq(h.dst, 0xc6120002);
  ck_assert_ptr_eq(h.options, p + 20);
  ck_assert_uint_eq(h.options_len, 0);
  ck_assert_ptr_eq(h.payload, p + 20);
  ck_assert_uint_eq(h.payload_len, 64);
  ck_assert(!sf__ipv4_is_fragment(&h));
}
END_TEST

START_TEST(test_parse_real_echo_reply_and_unreach) {
  uint8_t p[128];
  size_t n = sf_test_hex(echo_reply, p, sizeof p);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, 0);
  ck_assert_uint_eq(h.id, 0x0b67);
  ck_assert_uint_eq(h.checksum, 0xe31a);
  ck_assert_uint_eq(h.src, 0xc6120002);
  ck_assert_uint_eq(h.dst, 0xc6120001);
  n = sf_test_hex(unreach, p, sizeof p);
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.tos, 0xc0);
  ck_assert_uint_eq(h.total_len, 88);
  ck_assert_uint_eq(h.payload_len, 68);
  ck_assert_uint_eq(h.proto, SF_IPPROTO_ICMP);
}
END_TEST

/* Parsed, then emitted from the parse: the same header bytes. */
START_TEST(test_emit_matches_real_bytes) {
  const char *pkts[] = {echo_request, echo_reply, rr_request, rr_reply,
                        unreach};
  for (size_t i = 0; i < sizeof pkts / sizeof pkts[0]; i++) {
    uint8_t p[128], out[80];
    size_t n = sf_test_hex(pkts[i], p, sizeof p);
    struct sf_ipv4_hdr h;
    ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), (int)h.hdr_len);
    ck_assert_mem_eq(out, p, h.hdr_len);
    ck_assert_uint_eq(out[h.hdr_len], 0xee); /* payload not written */
  }
}
END_TEST

START_TEST(test_options_round_trip) {
  uint8_t p[128], out[64];
  size_t n = sf_test_hex(rr_request, p, sizeof p);
  ck_assert_uint_eq(n, 124);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.hdr_len, 60);
  ck_assert_uint_eq(h.total_len, 124);
  ck_assert_ptr_eq(h.options, p + 20);
  ck_assert_uint_eq(h.options_len, 40);
  ck_assert_uint_eq(h.options[0], 1);  /* NOP */
  ck_assert_uint_eq(h.options[1], 7);  /* Record Route */
  ck_assert_uint_eq(h.options[2], 39); /* its length */
  ck_assert_uint_eq(h.options[3], 8);  /* pointer: first empty slot */
  ck_assert_ptr_eq(h.payload, p + 60);
  ck_assert_uint_eq(h.payload_len, 64);
  ck_assert_uint_eq(h.payload[0], 8); /* ICMP echo request */

  /* A header built from scratch with a copy of those options. */
  uint8_t opts[40];
  memcpy(opts, p + 20, sizeof opts);
  struct sf_ipv4_hdr e = {.tos = 0,
                          .id = 0x942b,
                          .flags = SF_IPV4_FLAG_DF,
                          .ttl = 64,
                          .proto = SF_IPPROTO_ICMP,
                          .src = 0xc6120001,
                          .dst = 0xc6120002,
                          .options = opts,
                          .options_len = 40,
                          .payload_len = 64};
  ck_assert_int_eq(sf__ipv4_emit(&e, out, sizeof out), 60);
  ck_assert_mem_eq(out, p, 60);
}
END_TEST

/* Options pointing into the output buffer itself (memmove). */
START_TEST(test_emit_in_place) {
  uint8_t p[128], orig[128];
  size_t n = sf_test_hex(rr_reply, p, sizeof p);
  memcpy(orig, p, n);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_int_eq(sf__ipv4_emit(&h, p, n), 60);
  ck_assert_mem_eq(p, orig, n);
  /* Options from just before where they go: overlapping by 36 bytes. */
  uint8_t buf[128];
  memcpy(buf + 16, orig + 20, 40);
  h.options = buf + 16;
  ck_assert_int_eq(sf__ipv4_emit(&h, buf, sizeof buf), 60);
  ck_assert_mem_eq(buf, orig, 60);
}
END_TEST

/* Parses a 20-byte captured header followed by zero payload bytes. */
static int parse_header_only(const char *hex, uint8_t *buf, size_t cap,
                             struct sf_ipv4_hdr *h) {
  memset(buf, 0, cap);
  sf_test_hex(hex, buf, 20);
  size_t total = (size_t)buf[2] << 8 | buf[3];
  ck_assert_uint_le(total, cap);
  return sf__ipv4_parse(buf, total, 0, h);
}

START_TEST(test_fragments) {
  static uint8_t buf[1500];
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(parse_header_only(frag1_hdr, buf, sizeof buf, &h),
                   SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, SF_IPV4_FLAG_MF);
  ck_assert_uint_eq(h.frag_offset, 0);
  ck_assert_uint_eq(h.id, 0x942c);
  ck_assert_uint_eq(h.payload_len, 1480);
  ck_assert(sf__ipv4_is_fragment(&h));
  ck_assert_int_eq(parse_header_only(frag2_hdr, buf, sizeof buf, &h),
                   SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, 0);
  ck_assert_uint_eq(h.frag_offset, 185);
  ck_assert_uint_eq(h.payload_len, 528);
  ck_assert(sf__ipv4_is_fragment(&h));
  /* The fragment's header emits back as captured. */
  uint8_t out[20], want[20];
  sf_test_hex(frag2_hdr, want, sizeof want);
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), 20);
  ck_assert_mem_eq(out, want, 20);
  /* DF alone is not a fragment; the largest offset is. */
  struct sf_ipv4_hdr f = {.flags = SF_IPV4_FLAG_DF};
  ck_assert(!sf__ipv4_is_fragment(&f));
  f.frag_offset = 0x1fff;
  ck_assert(sf__ipv4_is_fragment(&f));
  f.flags = SF_IPV4_FLAG_DF | SF_IPV4_FLAG_MF;
  f.frag_offset = 0;
  ck_assert(sf__ipv4_is_fragment(&f));
}
END_TEST

/*
 * The captured 54-byte RST frame with the 6 zero bytes a real NIC adds
 * (padding computed by hand): the padding is not IPv4 payload.
 */
START_TEST(test_ethernet_padding_not_payload) {
  uint8_t f[60];
  memset(f, 0, sizeof f);
  ck_assert_uint_eq(sf_test_hex(rst_frame, f, sizeof f), 54);
  struct sf_eth_hdr e;
  ck_assert_int_eq(sf__eth_parse(f, sizeof f, &e), SF_WIRE_OK);
  ck_assert_uint_eq(e.payload_len, 46);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(e.payload, e.payload_len, 0, &h),
                   SF_WIRE_OK);
  ck_assert_uint_eq(h.total_len, 40);
  ck_assert_ptr_eq(h.payload, f + 34);
  ck_assert_uint_eq(h.payload_len, 20);
  ck_assert_uint_eq(h.proto, SF_IPPROTO_TCP);
}
END_TEST

START_TEST(test_truncated) {
  uint8_t p[128];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  struct sf_ipv4_hdr h;
  /* Shorter than the fixed header. */
  for (size_t len = 0; len < 20; len++)
    ck_assert_int_eq(sf__ipv4_parse(p, len, 0, &h), SF_WIRE_TRUNCATED);
  /* Shorter than the total length (84). */
  for (size_t len = 20; len < n; len++)
    ck_assert_int_eq(sf__ipv4_parse(p, len, 0, &h), SF_WIRE_TRUNCATED);
  /* Shorter than a 60-byte header, then than its total length. */
  n = sf_test_hex(rr_request, p, sizeof p);
  for (size_t len = 20; len < n; len++)
    ck_assert_int_eq(sf__ipv4_parse(p, len, 0, &h), SF_WIRE_TRUNCATED);
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
}
END_TEST

START_TEST(test_bad_ihl) {
  struct sf_ipv4_hdr h;
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    uint8_t p[128];
    size_t n = sf_test_hex(echo_request, p, sizeof p);
    p[0] = (uint8_t)(0x40 | ihl);
    fix_checksum(p, 20);
    ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_LENGTH);
    ck_assert_int_eq(sf__ipv4_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &h),
                     SF_WIRE_BAD_LENGTH);
  }
}
END_TEST

/* Computed by hand: total length smaller than the header length. */
START_TEST(test_total_below_header) {
  struct sf_ipv4_hdr h;
  const uint16_t totals[] = {0, 1, 19};
  for (size_t i = 0; i < 3; i++) {
    uint8_t p[128];
    size_t n = sf_test_hex(echo_request, p, sizeof p);
    p[2] = (uint8_t)(totals[i] >> 8);
    p[3] = (uint8_t)totals[i];
    fix_checksum(p, 20);
    ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_LENGTH);
  }
  /* A 60-byte header claiming a total of 20 or 59. */
  const uint16_t rr_totals[] = {20, 59};
  for (size_t i = 0; i < 2; i++) {
    uint8_t p[128];
    size_t n = sf_test_hex(rr_request, p, sizeof p);
    p[2] = (uint8_t)(rr_totals[i] >> 8);
    p[3] = (uint8_t)rr_totals[i];
    fix_checksum(p, 60);
    ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_LENGTH);
  }
  /* Exactly the header: valid, with an empty payload. */
  uint8_t p[128];
  size_t n = sf_test_hex(rr_request, p, sizeof p);
  p[3] = 60;
  fix_checksum(p, 60);
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.payload_len, 0);
  ck_assert_ptr_eq(h.payload, p + 60);
}
END_TEST

START_TEST(test_bad_version) {
  struct sf_ipv4_hdr h;
  const uint8_t versions[] = {0, 5, 6, 15};
  for (size_t i = 0; i < 4; i++) {
    uint8_t p[128];
    size_t n = sf_test_hex(echo_request, p, sizeof p);
    p[0] = (uint8_t)(versions[i] << 4 | 5);
    fix_checksum(p, 20);
    ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_VERSION);
    ck_assert_int_eq(sf__ipv4_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &h),
                     SF_WIRE_BAD_VERSION);
  }
  /* An IPv6 header (the first 20 bytes of a captured one) is refused. */
  uint8_t v6[20];
  sf_test_hex("6000 0000 0024 0001 fe80 0000 0000 0000 5eff fe12", v6, 20);
  ck_assert_int_eq(sf__ipv4_parse(v6, 20, 0, &h), SF_WIRE_BAD_VERSION);
}
END_TEST

START_TEST(test_bad_checksum) {
  uint8_t p[128];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  struct sf_ipv4_hdr h;
  p[11] ^= 0x01; /* 0x1a57 -> 0x1a56 */
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_CHECKSUM);
  ck_assert_int_eq(sf__ipv4_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &h),
                   SF_WIRE_OK);
  ck_assert_uint_eq(h.checksum, 0x1a56); /* as found */
  p[11] ^= 0x01;
  p[8] = 63; /* TTL changed, checksum not updated */
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_CHECKSUM);
  /* The checksum covers the options too. */
  n = sf_test_hex(rr_reply, p, sizeof p);
  p[40] ^= 0x80;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_CHECKSUM);
  /* ...but not the payload. */
  n = sf_test_hex(rr_reply, p, sizeof p);
  p[100] ^= 0x80;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
}
END_TEST

/* Computed by hand: 0x4000 -> 0xc000 sets the reserved (evil) bit. */
START_TEST(test_reserved_flag) {
  uint8_t p[128];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  struct sf_ipv4_hdr h;
  p[6] |= 0x80;
  fix_checksum(p, 20);
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_BAD_FLAGS);
  ck_assert_int_eq(sf__ipv4_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &h),
                   SF_WIRE_BAD_FLAGS);
  /* With MF and DF both: only the reserved bit matters. */
  p[6] = 0x60;
  fix_checksum(p, 20);
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, SF_IPV4_FLAG_DF | SF_IPV4_FLAG_MF);
}
END_TEST

START_TEST(test_emit_no_space) {
  uint8_t opts[40] = {1, 1, 1, 0};
  struct sf_ipv4_hdr h = {
      .ttl = 64, .proto = 6, .src = 0xc6120001, .dst = 0xc6120002};
  uint8_t out[64];
  memset(out, 0xee, sizeof out);
  for (size_t cap = 0; cap < 20; cap++)
    ck_assert_int_eq(sf__ipv4_emit(&h, out, cap), SF_WIRE_NO_SPACE);
  ck_assert_int_eq(sf__ipv4_emit(&h, out, 20), 20);
  ck_assert_uint_eq(out[20], 0xee);
  h.options = opts;
  h.options_len = 40;
  for (size_t cap = 0; cap < 60; cap++)
    ck_assert_int_eq(sf__ipv4_emit(&h, out, cap), SF_WIRE_NO_SPACE);
  ck_assert_int_eq(sf__ipv4_emit(&h, out, 60), 60);
  ck_assert_uint_eq(out[0], 0x4f);
}
END_TEST

START_TEST(test_emit_bad_length_and_field) {
  uint8_t opts[44] = {0};
  uint8_t out[80];
  struct sf_ipv4_hdr h = {.ttl = 1, .options = opts};
  const size_t bad_opts[] = {1, 2, 3, 5, 41, 44};
  for (size_t i = 0; i < 6; i++) {
    h.options_len = bad_opts[i];
    ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_LENGTH);
  }
  h.options = NULL;
  h.options_len = 4;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_LENGTH);
  /* The total length field holds at most 65535. */
  h.options_len = 0;
  h.payload_len = 65515;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), 20);
  ck_assert_uint_eq(out[2] << 8 | out[3], 65535);
  h.payload_len = 65516;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_LENGTH);
  h.options = opts;
  h.options_len = 40;
  h.payload_len = 65475;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), 60);
  h.payload_len = 65476;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_LENGTH);
  /* Flags beyond DF|MF and offsets beyond 13 bits cannot be written. */
  h.options_len = 0;
  h.payload_len = 0;
  h.flags = 0x4;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_FIELD);
  h.flags = 0x8;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_FIELD);
  h.flags = SF_IPV4_FLAG_MF;
  h.frag_offset = 0x2000;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), SF_WIRE_BAD_FIELD);
  h.frag_offset = 0x1fff;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), 20);
  ck_assert_uint_eq(out[6], 0x3f);
  ck_assert_uint_eq(out[7], 0xff);
}
END_TEST

/* hdr_len, total_len and checksum in the struct are computed, not read. */
START_TEST(test_emit_ignores_computed_fields) {
  uint8_t p[128], out[20];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(p, n, 0, &h), SF_WIRE_OK);
  h.hdr_len = 44;
  h.total_len = 9;
  h.checksum = 0xbeef;
  ck_assert_int_eq(sf__ipv4_emit(&h, out, sizeof out), 20);
  ck_assert_mem_eq(out, p, 20);
}
END_TEST

START_TEST(test_addr_format) {
  char out[17];
  memset(out, 'x', sizeof out);
  ck_assert_str_eq(sf__ipv4_addr_format(0xffffffff, out), "255.255.255.255");
  ck_assert_uint_eq((uint8_t)out[16], 'x'); /* 16 bytes, no more */
  ck_assert_ptr_eq(sf__ipv4_addr_format(0xc6120001, out), out);
  ck_assert_str_eq(out, "198.18.0.1");
  ck_assert_str_eq(sf__ipv4_addr_format(0, out), "0.0.0.0");
  ck_assert_str_eq(sf__ipv4_addr_format(0x7f000001, out), "127.0.0.1");
  ck_assert_str_eq(sf__ipv4_addr_format(0x0a0b0c0d, out), "10.11.12.13");
}
END_TEST

START_TEST(test_addr_parse_valid) {
  uint32_t a = 0;
  ck_assert_int_eq(sf__ipv4_addr_parse("198.18.0.1", &a), 0);
  ck_assert_uint_eq(a, 0xc6120001);
  ck_assert_int_eq(sf__ipv4_addr_parse("0.0.0.0", &a), 0);
  ck_assert_uint_eq(a, 0);
  ck_assert_int_eq(sf__ipv4_addr_parse("255.255.255.255", &a), 0);
  ck_assert_uint_eq(a, 0xffffffff);
  ck_assert_int_eq(sf__ipv4_addr_parse("10.200.0.99", &a), 0);
  ck_assert_uint_eq(a, 0x0ac80063);
}
END_TEST

/* What inet_aton accepts and a strict dotted quad does not. */
START_TEST(test_addr_parse_strict) {
  const char *bad[] = {
      "",           "1",          "127.1",        "1.2.3",
      "2130706433", "1.2.3.4.5",  "1.2.3.4.",     ".1.2.3.4",
      "1..2.3",     "256.0.0.1",  "1.2.3.256",    "1.2.3.1000",
      "01.2.3.4",   "1.2.3.04",   "1.2.00.4",     "0001.2.3.4",
      "0x1.2.3.4",  "0x7f000001", "-1.2.3.4",     "+1.2.3.4",
      " 1.2.3.4",   "1.2.3.4 ",   "1.2.3.4\n",    "1 .2.3.4",
      "1.2.3.4x",   "a.b.c.d",    "1.2.3.-0",     "999999999999.1.1.1",
      "1,2,3,4",    "1.2.3.4/24", "4294967296.0", "1.2.3.4\t"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint32_t a = 0x5a5a5a5a;
    ck_assert_msg(sf__ipv4_addr_parse(bad[i], &a) == SF_WIRE_BAD_FIELD,
                  "accepted \"%s\"", bad[i]);
    ck_assert_uint_eq(a, 0x5a5a5a5a); /* untouched on failure */
  }
  uint32_t a = 1;
  ck_assert_int_eq(sf__ipv4_addr_parse(NULL, &a), SF_WIRE_BAD_FIELD);
}
END_TEST

START_TEST(test_addr_random_round_trip) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(791));
  for (int i = 0; i < 10000; i++) {
    uint32_t addr = (uint32_t)sf_test_rng_next(&rng), back = ~addr;
    char text[16];
    sf__ipv4_addr_format(addr, text);
    ck_assert_int_eq(sf__ipv4_addr_parse(text, &back), 0);
    ck_assert_uint_eq(back, addr);
  }
}
END_TEST

/* Any valid header survives emit then parse with every field intact. */
START_TEST(test_random_round_trip) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(4));
  uint8_t opts[40], buf[60 + 128];
  for (int i = 0; i < 5000; i++) {
    struct sf_ipv4_hdr h = {0}, p;
    h.tos = (uint8_t)sf_test_rng_next(&rng);
    h.id = (uint16_t)sf_test_rng_next(&rng);
    h.flags = (uint8_t)sf_test_rng_below(&rng, 4);
    h.frag_offset = (uint16_t)sf_test_rng_below(&rng, 0x2000);
    h.ttl = (uint8_t)sf_test_rng_next(&rng);
    h.proto = (uint8_t)sf_test_rng_next(&rng);
    h.src = (uint32_t)sf_test_rng_next(&rng);
    h.dst = (uint32_t)sf_test_rng_next(&rng);
    h.options_len = 4 * sf_test_rng_below(&rng, 11);
    sf_test_rng_fill(&rng, opts, sizeof opts);
    h.options = opts;
    h.payload_len = sf_test_rng_below(&rng, 129);
    int hl = sf__ipv4_emit(&h, buf, sizeof buf);
    ck_assert_int_eq(hl, 20 + (int)h.options_len);
    sf_test_rng_fill(&rng, buf + hl, h.payload_len);
    size_t room = sizeof buf - (size_t)hl - h.payload_len;
    size_t pad = sf_test_rng_below(&rng, (uint32_t)room + 1); /* padding */
    size_t len = (size_t)hl + h.payload_len + pad;
    ck_assert_int_eq(sf__ipv4_parse(buf, len, 0, &p), SF_WIRE_OK);
    ck_assert_uint_eq(p.hdr_len, hl);
    ck_assert_uint_eq(p.tos, h.tos);
    ck_assert_uint_eq(p.total_len, (size_t)hl + h.payload_len);
    ck_assert_uint_eq(p.id, h.id);
    ck_assert_uint_eq(p.flags, h.flags);
    ck_assert_uint_eq(p.frag_offset, h.frag_offset);
    ck_assert_uint_eq(p.ttl, h.ttl);
    ck_assert_uint_eq(p.proto, h.proto);
    ck_assert_uint_eq(p.checksum, buf[10] << 8 | buf[11]);
    ck_assert_uint_eq(p.src, h.src);
    ck_assert_uint_eq(p.dst, h.dst);
    ck_assert_uint_eq(p.options_len, h.options_len);
    if (h.options_len)
      ck_assert_mem_eq(p.options, opts, h.options_len);
    ck_assert_ptr_eq(p.payload, buf + hl);
    ck_assert_uint_eq(p.payload_len, h.payload_len);
    ck_assert(sf__ipv4_is_fragment(&p) ==
              ((h.flags & SF_IPV4_FLAG_MF) || h.frag_offset));
  }
}
END_TEST

static Suite *ipv4_suite(void) {
  Suite *s = suite_create("ipv4");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, test_parse_real_echo_request);
  tcase_add_test(tc, test_parse_real_echo_reply_and_unreach);
  tcase_add_test(tc, test_fragments);
  tcase_add_test(tc, test_ethernet_padding_not_payload);
  tcase_add_test(tc, test_truncated);
  tcase_add_test(tc, test_bad_ihl);
  tcase_add_test(tc, test_total_below_header);
  tcase_add_test(tc, test_bad_version);
  tcase_add_test(tc, test_bad_checksum);
  tcase_add_test(tc, test_reserved_flag);
  suite_add_tcase(s, tc);
  tc = tcase_create("emit");
  tcase_add_test(tc, test_emit_matches_real_bytes);
  tcase_add_test(tc, test_options_round_trip);
  tcase_add_test(tc, test_emit_in_place);
  tcase_add_test(tc, test_emit_no_space);
  tcase_add_test(tc, test_emit_bad_length_and_field);
  tcase_add_test(tc, test_emit_ignores_computed_fields);
  tcase_add_test(tc, test_random_round_trip);
  suite_add_tcase(s, tc);
  tc = tcase_create("addr");
  tcase_add_test(tc, test_addr_format);
  tcase_add_test(tc, test_addr_parse_valid);
  tcase_add_test(tc, test_addr_parse_strict);
  tcase_add_test(tc, test_addr_random_round_trip);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(ipv4_suite)
