/*
 * ICMPv4 (lib/wire/icmp.c): real echo and destination-unreachable
 * messages parsed and emitted back byte for byte, the quoted TCP datagram
 * of an error, checksum and length errors, fragmentation-needed's MTU,
 * emit into short or overlapping buffers, and a seeded random round trip.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "harness.h"
#include "wire/icmp.h"
#include "wire/status.h"

/*
 * Captured from Linux 6.18 veth between two namespaces (198.18.0.1 and
 * 198.18.0.2), tcpdump -xx, Ethernet and IPv4 headers removed: the echo
 * request and reply of `ping -c1 198.18.0.2` (id 0x2954, seq 1, 56 bytes
 * of data: a timestamp, then 0x10, 0x11, ...).
 */
static const char echo_request[] =
    "0800 3a45 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";
static const char echo_reply[] =
    "0000 4245 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";

/*
 * Captured as above: 198.18.0.2 (forwarding, with an `unreachable` route
 * for 198.18.9.0/24) answering a TCP SYN 198.18.0.1.41198 >
 * 198.18.9.1.80, seq 1861503545, with host unreachable (type 3, code 1).
 * The quote is the whole 60-byte SYN.
 */
static const char unreach_host[] =
    "0301 9452 0000 0000 4500 003c 1a95 "
    "4000 4006 8b00 c612 0001 c612 0901 a0ee "
    "0050 6ef4 4a39 0000 0000 a002 faf0 9555 "
    "0000 0204 05b4 0402 080a 7f39 46ec 0000 "
    "0000 0103 030a";

/*
 * Computed by hand (checksum with a Python one-liner): fragmentation
 * needed (type 3, code 4) with next-hop MTU 1400, quoting the SYN above
 * cut to its header and 8 bytes, as RFC 792 requires at least.
 */
static const char frag_needed[] =
    "0304 9d17 0000 0578 4500 003c 1a95 4000 4006 8b00 c612 0001 "
    "c612 0901 a0ee 0050 6ef4 4a39";

/*
 * Computed by hand from that quote: IHL 6 with four NOP option bytes
 * inserted after the 20-byte header (quoted checksum left as captured;
 * it is not checked).
 */
static const char quote_with_options[] =
    "4600 003c 1a95 4000 4006 8b00 c612 0001 c612 0901 0101 0101 "
    "a0ee 0050 6ef4 4a39";

START_TEST(test_parse_real_echo) {
  uint8_t p[64];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  ck_assert_uint_eq(n, 64);
  struct sf_icmp m;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  ck_assert_uint_eq(m.type, SF_ICMP_ECHO_REQUEST);
  ck_assert_uint_eq(m.code, 0);
  ck_assert_uint_eq(m.checksum, 0x3a45);
  ck_assert_uint_eq(m.echo_id, 0x2954);
  ck_assert_uint_eq(m.echo_seq, 1);
  ck_assert_uint_eq(m.rest, 0x29540001);
  ck_assert_uint_eq(m.next_hop_mtu, 0);
  ck_assert_ptr_eq(m.body, p + 8);
  ck_assert_uint_eq(m.body_len, 56);
  n = sf_test_hex(echo_reply, p, sizeof p);
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  ck_assert_uint_eq(m.type, SF_ICMP_ECHO_REPLY);
  ck_assert_uint_eq(m.checksum, 0x4245);
  ck_assert_uint_eq(m.echo_id, 0x2954);
  ck_assert_uint_eq(m.echo_seq, 1);
}
END_TEST

START_TEST(test_emit_matches_real_bytes) {
  const char *msgs[] = {echo_request, echo_reply, unreach_host, frag_needed};
  for (size_t i = 0; i < 4; i++) {
    uint8_t p[80], out[96];
    size_t n = sf_test_hex(msgs[i], p, sizeof p);
    struct sf_icmp m;
    ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(sf__icmp_emit(&m, out, sizeof out), (int)n);
    ck_assert_mem_eq(out, p, n);
    ck_assert_uint_eq(out[n], 0xee);
  }
}
END_TEST

/* Built from fields alone: rest is ignored for echo messages. */
START_TEST(test_emit_echo_from_fields) {
  uint8_t p[64], out[64];
  sf_test_hex(echo_request, p, sizeof p);
  struct sf_icmp m = {.type = SF_ICMP_ECHO_REQUEST,
                      .echo_id = 0x2954,
                      .echo_seq = 1,
                      .rest = 0xdeadbeef,
                      .checksum = 0x1234,
                      .body = p + 8,
                      .body_len = 56};
  ck_assert_int_eq(sf__icmp_emit(&m, out, sizeof out), 64);
  ck_assert_mem_eq(out, p, 64);
}
END_TEST

START_TEST(test_quote_of_tcp_syn) {
  uint8_t p[80];
  size_t n = sf_test_hex(unreach_host, p, sizeof p);
  ck_assert_uint_eq(n, 68);
  struct sf_icmp m;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  ck_assert_uint_eq(m.type, SF_ICMP_DEST_UNREACH);
  ck_assert_uint_eq(m.code, SF_ICMP_UNREACH_HOST);
  ck_assert_uint_eq(m.rest, 0);
  ck_assert_uint_eq(m.next_hop_mtu, 0);
  ck_assert_uint_eq(m.body_len, 60);
  struct sf_icmp_quote q;
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_OK);
  ck_assert_uint_eq(q.ip.hdr_len, 20);
  ck_assert_uint_eq(q.ip.total_len, 60);
  ck_assert_uint_eq(q.ip.id, 0x1a95);
  ck_assert_uint_eq(q.ip.flags, SF_IPV4_FLAG_DF);
  ck_assert_uint_eq(q.ip.ttl, 64);
  ck_assert_uint_eq(q.ip.proto, SF_IPPROTO_TCP);
  ck_assert_uint_eq(q.ip.checksum, 0x8b00);
  ck_assert_uint_eq(q.ip.src, 0xc6120001);
  ck_assert_uint_eq(q.ip.dst, 0xc6120901);
  ck_assert_uint_eq(q.ip.options_len, 0);
  ck_assert_ptr_eq(q.ip.payload, p + 28);
  ck_assert_uint_eq(q.ip.payload_len, 40);
  ck_assert_uint_eq(q.sport, 41198);
  ck_assert_uint_eq(q.dport, 80);
  ck_assert_uint_eq(q.seq, 1861503545u);
}
END_TEST

/* Quotes shorter than the header plus 8 bytes: header, ports, seq. */
START_TEST(test_quote_too_short) {
  uint8_t p[80];
  size_t n = sf_test_hex(unreach_host, p, sizeof p);
  struct sf_icmp m;
  struct sf_icmp_quote q;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  for (size_t len = 0; len < 28; len++) {
    m.body_len = len;
    ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_TRUNCATED);
  }
  m.body_len = 28;
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_OK);
  ck_assert_uint_eq(q.ip.payload_len, 8);
  ck_assert_uint_eq(q.seq, 1861503545u);
  /* The real frag-needed message quotes exactly that much. */
  n = sf_test_hex(frag_needed, p, sizeof p);
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_OK);
  ck_assert_uint_eq(q.sport, 41198);
  ck_assert_int_eq(sf__icmp_parse(p, n - 1, SF_WIRE_SKIP_CHECKSUM, &m),
                   SF_WIRE_OK);
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_TRUNCATED);
}
END_TEST

START_TEST(test_quote_with_options) {
  uint8_t body[32];
  ck_assert_uint_eq(sf_test_hex(quote_with_options, body, sizeof body), 32);
  struct sf_icmp m = {.type = SF_ICMP_TIME_EXCEEDED, .body = body};
  struct sf_icmp_quote q;
  for (size_t len = 0; len < 32; len++) {
    m.body_len = len;
    ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_TRUNCATED);
  }
  m.body_len = 32;
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_OK);
  ck_assert_uint_eq(q.ip.hdr_len, 24);
  ck_assert_ptr_eq(q.ip.options, body + 20);
  ck_assert_uint_eq(q.ip.options_len, 4);
  ck_assert_ptr_eq(q.ip.payload, body + 24);
  ck_assert_uint_eq(q.ip.payload_len, 8);
  ck_assert_uint_eq(q.sport, 41198);
  ck_assert_uint_eq(q.dport, 80);
  ck_assert_uint_eq(q.seq, 1861503545u);
}
END_TEST

/* Computed by hand: the quoted header's own fields made invalid. */
START_TEST(test_quote_bad_header) {
  uint8_t p[80];
  size_t n = sf_test_hex(unreach_host, p, sizeof p);
  struct sf_icmp m;
  struct sf_icmp_quote q;
  /* Version 6 and IHL 4 in the quote (the outer checksum is skipped). */
  p[8] = 0x65;
  ck_assert_int_eq(sf__icmp_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &m),
                   SF_WIRE_OK);
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_BAD_VERSION);
  p[8] = 0x44;
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_BAD_LENGTH);
  /* IHL 15 needs 68 bytes; only 60 are quoted. */
  p[8] = 0x4f;
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_TRUNCATED);
  /* A wrong quoted checksum or total length is accepted as found. */
  n = sf_test_hex(unreach_host, p, sizeof p);
  p[10] = 0x05; /* total 1500 */
  p[11] = 0xdc;
  p[18] = p[19] = 0;
  ck_assert_int_eq(sf__icmp_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &m),
                   SF_WIRE_OK);
  ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_OK);
  ck_assert_uint_eq(q.ip.total_len, 1500);
  ck_assert_uint_eq(q.ip.checksum, 0);
  ck_assert_uint_eq(q.ip.payload_len, 40); /* what is there, not 1480 */
}
END_TEST

START_TEST(test_quote_only_for_errors) {
  uint8_t p[80];
  size_t n = sf_test_hex(unreach_host, p, sizeof p);
  struct sf_icmp m;
  struct sf_icmp_quote q;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  const uint8_t quoting[] = {SF_ICMP_DEST_UNREACH, SF_ICMP_TIME_EXCEEDED,
                             SF_ICMP_PARAM_PROBLEM};
  for (size_t i = 0; i < 3; i++) {
    m.type = quoting[i];
    ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_OK);
    ck_assert_uint_eq(q.dport, 80);
  }
  /* Echo data, timestamps, redirects: nothing a TCP stack acts on. */
  const uint8_t others[] = {SF_ICMP_ECHO_REPLY, SF_ICMP_ECHO_REQUEST, 5, 13,
                            255};
  for (size_t i = 0; i < 5; i++) {
    m.type = others[i];
    ck_assert_int_eq(sf__icmp_parse_quote(&m, &q), SF_WIRE_BAD_FIELD);
  }
}
END_TEST

START_TEST(test_bad_checksum_and_truncated) {
  uint8_t p[80];
  size_t n = sf_test_hex(echo_request, p, sizeof p);
  struct sf_icmp m;
  for (size_t len = 0; len < 8; len++) {
    ck_assert_int_eq(sf__icmp_parse(p, len, 0, &m), SF_WIRE_TRUNCATED);
    ck_assert_int_eq(sf__icmp_parse(p, len, SF_WIRE_SKIP_CHECKSUM, &m),
                     SF_WIRE_TRUNCATED);
  }
  /* The checksum covers the body: one flipped data bit fails it. */
  p[63] ^= 0x01;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_BAD_CHECKSUM);
  ck_assert_int_eq(sf__icmp_parse(p, n, SF_WIRE_SKIP_CHECKSUM, &m),
                   SF_WIRE_OK);
  ck_assert_uint_eq(m.checksum, 0x3a45);
  p[63] ^= 0x01;
  p[2] = 0x3a;
  p[3] = 0x46;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_BAD_CHECKSUM);
  /* A message cut short no longer verifies either. */
  n = sf_test_hex(unreach_host, p, sizeof p);
  ck_assert_int_eq(sf__icmp_parse(p, n - 2, 0, &m), SF_WIRE_BAD_CHECKSUM);
}
END_TEST

START_TEST(test_frag_needed_mtu) {
  uint8_t p[80];
  size_t n = sf_test_hex(frag_needed, p, sizeof p);
  struct sf_icmp m;
  ck_assert_int_eq(sf__icmp_parse(p, n, 0, &m), SF_WIRE_OK);
  ck_assert_uint_eq(m.code, SF_ICMP_UNREACH_FRAG_NEEDED);
  ck_assert_uint_eq(m.next_hop_mtu, 1400);
  ck_assert_uint_eq(m.rest, 1400);
  ck_assert_uint_eq(m.echo_id, 0);
  ck_assert_uint_eq(m.echo_seq, 0);
  /* Emit takes the MTU field and zeroes the unused half (RFC 1191). */
  uint8_t out[80];
  m.rest = 0xdead0000;
  ck_assert_int_eq(sf__icmp_emit(&m, out, sizeof out), (int)n);
  ck_assert_mem_eq(out, p, n);
  /* Other codes of type 3 carry no MTU; their word is rest. */
  m.code = SF_ICMP_UNREACH_PORT;
  m.rest = 0x00000578;
  ck_assert_int_eq(sf__icmp_emit(&m, out, sizeof out), (int)n);
  ck_assert_int_eq(sf__icmp_parse(out, n, 0, &m), SF_WIRE_OK);
  ck_assert_uint_eq(m.next_hop_mtu, 0);
  ck_assert_uint_eq(m.rest, 0x578);
}
END_TEST

START_TEST(test_emit_no_space) {
  uint8_t body[56], out[64];
  memset(body, 0x42, sizeof body);
  struct sf_icmp m = {.type = SF_ICMP_ECHO_REPLY, .body = body,
                      .body_len = 56};
  memset(out, 0xee, sizeof out);
  for (size_t cap = 0; cap < 64; cap++)
    ck_assert_int_eq(sf__icmp_emit(&m, out, cap), SF_WIRE_NO_SPACE);
  for (size_t i = 0; i < sizeof out; i++)
    ck_assert_uint_eq(out[i], 0xee);
  ck_assert_int_eq(sf__icmp_emit(&m, out, 64), 64);
  m.body_len = 0;
  ck_assert_int_eq(sf__icmp_emit(&m, out, 7), SF_WIRE_NO_SPACE);
  ck_assert_int_eq(sf__icmp_emit(&m, out, 8), 8);
  m.body_len = (size_t)-1; /* no overflow in the capacity test */
  ck_assert_int_eq(sf__icmp_emit(&m, out, sizeof out), SF_WIRE_NO_SPACE);
}
END_TEST

/* The body already in place, or overlapping the header's bytes. */
START_TEST(test_emit_overlapping_body) {
  uint8_t p[64], buf[72];
  sf_test_hex(echo_reply, p, sizeof p);
  struct sf_icmp m;
  ck_assert_int_eq(sf__icmp_parse(p, sizeof p, 0, &m), SF_WIRE_OK);
  memset(buf, 0, sizeof buf);
  memcpy(buf + 8, p + 8, 56);
  m.body = buf + 8;
  ck_assert_int_eq(sf__icmp_emit(&m, buf, sizeof buf), 64);
  ck_assert_mem_eq(buf, p, 64);
  /* The body at the start of buf: moved up by 8 before the header. */
  memcpy(buf, p + 8, 56);
  m.body = buf;
  ck_assert_int_eq(sf__icmp_emit(&m, buf, sizeof buf), 64);
  ck_assert_mem_eq(buf, p, 64);
  /* Or 4 bytes in: the body overlaps both ways. */
  memcpy(buf + 4, p + 8, 56);
  m.body = buf + 4;
  ck_assert_int_eq(sf__icmp_emit(&m, buf, sizeof buf), 64);
  ck_assert_mem_eq(buf, p, 64);
}
END_TEST

START_TEST(test_random_round_trip) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(792));
  uint8_t body[101], buf[8 + 101];
  for (int i = 0; i < 5000; i++) {
    struct sf_icmp m = {0}, p;
    switch (i % 4) {
    case 0:
      m.type = i % 8 ? SF_ICMP_ECHO_REQUEST : SF_ICMP_ECHO_REPLY;
      break;
    case 1:
      m.type = SF_ICMP_DEST_UNREACH;
      m.code = SF_ICMP_UNREACH_FRAG_NEEDED;
      break;
    default:
      m.type = (uint8_t)sf_test_rng_next(&rng);
      m.code = (uint8_t)sf_test_rng_next(&rng);
    }
    m.echo_id = (uint16_t)sf_test_rng_next(&rng);
    m.echo_seq = (uint16_t)sf_test_rng_next(&rng);
    m.next_hop_mtu = (uint16_t)sf_test_rng_next(&rng);
    m.rest = (uint32_t)sf_test_rng_next(&rng);
    m.body_len = sf_test_rng_below(&rng, sizeof body + 1); /* odd too */
    sf_test_rng_fill(&rng, body, m.body_len);
    m.body = body;
    int n = sf__icmp_emit(&m, buf, sizeof buf);
    ck_assert_int_eq(n, 8 + (int)m.body_len);
    ck_assert_int_eq(sf__icmp_parse(buf, (size_t)n, 0, &p), SF_WIRE_OK);
    ck_assert_uint_eq(p.type, m.type);
    ck_assert_uint_eq(p.code, m.code);
    ck_assert_uint_eq(p.checksum, buf[2] << 8 | buf[3]);
    ck_assert_ptr_eq(p.body, buf + 8);
    ck_assert_uint_eq(p.body_len, m.body_len);
    ck_assert_mem_eq(p.body, body, m.body_len);
    bool echo = m.type == SF_ICMP_ECHO_REQUEST || m.type == SF_ICMP_ECHO_REPLY;
    bool frag = m.type == SF_ICMP_DEST_UNREACH &&
                m.code == SF_ICMP_UNREACH_FRAG_NEEDED;
    ck_assert_uint_eq(p.echo_id, echo ? m.echo_id : 0);
    ck_assert_uint_eq(p.echo_seq, echo ? m.echo_seq : 0);
    ck_assert_uint_eq(p.next_hop_mtu, frag ? m.next_hop_mtu : 0);
    uint32_t rest = echo ? (uint32_t)m.echo_id << 16 | m.echo_seq
                    : frag ? m.next_hop_mtu
                           : m.rest;
    ck_assert_uint_eq(p.rest, rest);
  }
}
END_TEST

static Suite *icmp_suite(void) {
  Suite *s = suite_create("icmp");
  TCase *tc = tcase_create("message");
  tcase_add_test(tc, test_parse_real_echo);
  tcase_add_test(tc, test_emit_matches_real_bytes);
  tcase_add_test(tc, test_emit_echo_from_fields);
  tcase_add_test(tc, test_bad_checksum_and_truncated);
  tcase_add_test(tc, test_frag_needed_mtu);
  tcase_add_test(tc, test_emit_no_space);
  tcase_add_test(tc, test_emit_overlapping_body);
  tcase_add_test(tc, test_random_round_trip);
  suite_add_tcase(s, tc);
  tc = tcase_create("quote");
  tcase_add_test(tc, test_quote_of_tcp_syn);
  tcase_add_test(tc, test_quote_too_short);
  tcase_add_test(tc, test_quote_with_options);
  tcase_add_test(tc, test_quote_bad_header);
  tcase_add_test(tc, test_quote_only_for_errors);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(icmp_suite)
