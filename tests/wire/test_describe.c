/*
 * The one-line frame describer (lib/wire/describe.c): exact lines for real
 * ARP, ICMP and TCP frames (their protocol part checked against tcpdump
 * 4.99 -n -e -S on the same bytes), generic lines for other EtherTypes and
 * IP protocols, fragments, "malformed <layer>: <STATUS>" for each layer,
 * and output truncated to every buffer size.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "wire/checksum.h"
#include "wire/describe.h"

/*
 * Captured from Linux 6.18 on a veth pair between two namespaces
 * (02:00:00:00:00:01 = 198.18.0.1, 02:00:00:00:00:02 = 198.18.0.2; TX
 * checksum offload off), tcpdump -xx: whole Ethernet frames.
 */
static const char arp_request[] =
    "ffff ffff ffff 0200 0000 0001 0806 0001 0800 0604"
    "0001 0200 0000 0001 c612 0001 0000 0000 0000 c612"
    "0002";
static const char arp_reply[] =
    "0200 0000 0001 0200 0000 0002 0806 0001 0800 0604"
    "0002 0200 0000 0002 c612 0002 0200 0000 0001 c612"
    "0001";
/* The echo request was sent from a raw socket: id 7, seq 1, 48 bytes. */
static const char icmp_echo[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 004c af48"
    "4000 4001 ff40 c612 0001 c612 0002 0800 4c34 0007"
    "0001 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021"
    "2223 2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435"
    "3637 3839 3a3b 3c3d 3e3f";
static const char tcp_syn[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 003c c0e0"
    "4000 4006 edb3 c612 0001 c612 0002 d1b2 c351 449e"
    "4fc2 0000 0000 a002 faf0 d695 0000 0204 05b4 0402"
    "080a 547c 6c6d 0000 0000 0103 030a";
static const char tcp_data[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 003a c0e2"
    "4000 4006 edb3 c612 0001 c612 0002 d1b2 c351 449e"
    "4fc3 da9d 8b68 8018 003f 122a 0000 0101 080a 547c"
    "6c9f 0f42 3478 6865 6c6c 6f0a";
static const char tcp_sack[] =
    "0200 0000 0001 0200 0000 0002 0800 4500 0050 4b24"
    "4000 4006 635a c612 0002 c612 0003 c35b 9c40 dcbe"
    "8f8c 0000 03e9 f010 0040 b8a3 0000 0101 080a e7cc"
    "e3cb 0000 0065 0101 051a 0000 05dd 0000 0641 0000"
    "0515 0000 0579 0000 044d 0000 04b1";
/* Captured from Linux 6.18 loopback: a SYN left with a partial checksum. */
static const char lo_syn[] = "0000 0000 0000 0000 0000 0000 0800 4500 003c 734b"
                             "4000 4006 c96e 7f00 0001 7f00 0001 e4fc c350 1c10"
                             "61d0 0000 0000 a002 ffd7 fe30 0000 0204 ffd7 0402"
                             "080a c3b5 53fb 0000 0000 0103 030a";

/*
 * Computed by hand (a short Python script building the headers and
 * computing their checksums; tcpdump -vv reports them correct).
 */
/* UDP 198.18.0.1.5353 > 198.18.0.2.53, 4 bytes of data. */
static const char udp_frame[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 0020 1234"
    "4000 4011 9c71 c612 0001 c612 0002 14e9 0035 000c"
    "0000 6162 6364";
/* Two fragments of datagram id 0x4321: offset 0 with MF, offset 1480. */
static const char frag_first[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 002c 4321"
    "2000 4006 8b83 c612 0001 c612 0002 0001 0203 0405"
    "0607 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617";
static const char frag_later[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 001c 4321"
    "00b9 4006 aada c612 0001 c612 0002 0001 0203 0405"
    "0607";
/* Port unreachable from .2 quoting 198.18.0.1.40000 > 198.18.0.2.80. */
static const char icmp_unreach[] =
    "0200 0000 0001 0200 0000 0002 0800 4500 0038 0bad"
    "0000 4001 e2f0 c612 0002 c612 0001 0303 5c84 0000"
    "0000 4500 001c 0001 4000 4006 aeb3 c612 0001 c612"
    "0002 9c40 0050 0000 03e8";
/* PSH|ACK|URG, urg 5, seq 0xfffffff0 with 32 bytes crossing 0. */
static const char tcp_wrap[] =
    "0200 0000 0002 0200 0000 0001 0800 4500 0048 1234"
    "4000 4006 9c54 c612 0001 c612 0002 9c40 0050 ffff"
    "fff0 0000 0001 5038 0200 84dd 0005 0000 0000 0000"
    "0000 0000 0000 0000 0000 0000 0000 0000 0000 0000"
    "0000 0000 0000";
/* SYN|ECE|CWR|AE with an unknown option (kind 30), sackOK and EOL. */
static const char tcp_ae[] = "0200 0000 0002 0200 0000 0001 0800 4500 0034 1234"
                             "4000 4006 9c68 c612 0001 c612 0002 9c40 0050 0000"
                             "03e8 0000 0000 81c2 ffff 2eef 0000 1e04 0081 0402"
                             "0000 0000 0000";

#define MACS_AB "02:00:00:00:00:01 > 02:00:00:00:00:02, "
#define MACS_BA "02:00:00:00:00:02 > 02:00:00:00:00:01, "

struct frame {
  uint8_t b[256];
  size_t len;
};

static struct frame load(const char *hex) {
  struct frame f;
  memset(f.b, 0, sizeof f.b);
  f.len = sf_test_hex(hex, f.b, sizeof f.b);
  return f;
}

static void assert_line(const uint8_t *frame, size_t len, const char *want) {
  char out[512];
  ck_assert_ptr_eq(sf__frame_describe(frame, len, out, sizeof out), out);
  ck_assert_str_eq(out, want);
}

static void assert_describes(const char *hex, const char *want) {
  struct frame f = load(hex);
  assert_line(f.b, f.len, want);
}

/* Changes the 16-bit word at off and patches the checksum at csum_off. */
static void patch_word(struct frame *f, size_t off, uint16_t word,
                       size_t csum_off) {
  uint16_t old_word = (uint16_t)(f->b[off] << 8 | f->b[off + 1]);
  uint16_t csum = (uint16_t)(f->b[csum_off] << 8 | f->b[csum_off + 1]);
  csum = sf__csum_update16(csum, old_word, word);
  f->b[off] = (uint8_t)(word >> 8);
  f->b[off + 1] = (uint8_t)word;
  f->b[csum_off] = (uint8_t)(csum >> 8);
  f->b[csum_off + 1] = (uint8_t)csum;
}

START_TEST(test_arp) {
  assert_describes(arp_request, "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, "
                                "Request who-has 198.18.0.2 tell 198.18.0.1");
  assert_describes(arp_reply,
                   MACS_BA "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02");
  /* Ethernet padding after the 28 bytes changes nothing. */
  struct frame f = load(arp_request);
  memset(f.b + f.len, 0, 18);
  assert_line(f.b, f.len + 18,
              "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, "
              "Request who-has 198.18.0.2 tell 198.18.0.1");
}
END_TEST

START_TEST(test_icmp) {
  assert_describes(icmp_echo, MACS_AB "IPv4, 198.18.0.1 > 198.18.0.2: ICMP "
                                      "echo request, id 7, seq 1, length 56");
  assert_describes(icmp_unreach,
                   MACS_BA "IPv4, 198.18.0.2 > 198.18.0.1: ICMP unreachable "
                           "(port) for tcp 198.18.0.1.40000 > 198.18.0.2.80, "
                           "length 36");
}
END_TEST

START_TEST(test_tcp) {
  assert_describes(tcp_syn,
                   MACS_AB "IPv4, 198.18.0.1.53682 > 198.18.0.2.50001: Flags "
                           "[S], seq 1151225794, win 64240, options [mss "
                           "1460,sackOK,TS val 1417440365 ecr 0,nop,wscale "
                           "10], length 0");
  assert_describes(tcp_data,
                   MACS_AB "IPv4, 198.18.0.1.53682 > 198.18.0.2.50001: Flags "
                           "[P.], seq 1151225795:1151225801, ack 3667757928, "
                           "win 63, options [nop,nop,TS val 1417440415 ecr "
                           "255997048], length 6");
  assert_describes(tcp_sack,
                   MACS_BA "IPv4, 198.18.0.2.50011 > 198.18.0.3.40000: Flags "
                           "[.], ack 1001, win 64, options [nop,nop,TS val "
                           "3888964555 ecr 101,nop,nop,sack 3 {1501:1601}"
                           "{1301:1401}{1101:1201}], length 0");
  /* The end of the data wraps past 0; no options, so no brackets. */
  assert_describes(tcp_wrap,
                   MACS_AB "IPv4, 198.18.0.1.40000 > 198.18.0.2.80: Flags "
                           "[P.U], seq 4294967280:16, ack 1, win 512, urg 5, "
                           "length 32");
  assert_describes(tcp_ae,
                   MACS_AB "IPv4, 198.18.0.1.40000 > 198.18.0.2.80: Flags "
                           "[SEWe], seq 1000, win 65535, options "
                           "[unknown-30 0x0081,sackOK,eol], length 0");
}
END_TEST

START_TEST(test_generic) {
  assert_describes(udp_frame, MACS_AB "IPv4, 198.18.0.1 > 198.18.0.2: "
                                      "ip-proto-17, length 12");
  assert_describes(frag_first, MACS_AB "IPv4, 198.18.0.1 > 198.18.0.2: "
                                       "ip-proto-6, frag id 17185, offset 0+, "
                                       "length 24");
  assert_describes(frag_later, MACS_AB "IPv4, 198.18.0.1 > 198.18.0.2: "
                                       "ip-proto-6, frag id 17185, offset "
                                       "1480, length 8");
  /* Computed by hand: IPv6 and LLDP EtherTypes, not parsed further. */
  struct frame f = load(arp_request);
  f.b[12] = 0x86;
  f.b[13] = 0xdd;
  assert_line(f.b, 54,
              "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, IPv6, length 40");
  f.b[12] = 0x88;
  f.b[13] = 0xcc;
  assert_line(f.b, 24,
              "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, "
              "ethertype 0x88cc, length 10");
  /* Computed by hand: the ARP request behind an 802.1Q tag, VLAN 5. */
  struct frame a = load(arp_request);
  struct frame v;
  memcpy(v.b, a.b, 12);
  memcpy(v.b + 12, "\x81\x00\x20\x05", 4); /* priority 1, VLAN 5 */
  memcpy(v.b + 16, a.b + 12, a.len - 12);
  assert_line(v.b, a.len + 4,
              "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, vlan 5, ARP, "
              "Request who-has 198.18.0.2 tell 198.18.0.1");
}
END_TEST

START_TEST(test_malformed_eth) {
  struct frame f = load(arp_request);
  for (size_t n = 0; n < 14; n++)
    assert_line(f.b, n, "malformed eth: TRUNCATED");
  assert_line(NULL, 0, "malformed eth: TRUNCATED");
  /* A type under 0x0600 is an 802.3 length, not an EtherType. */
  f.b[12] = 0x00;
  f.b[13] = 0x40;
  assert_line(f.b, f.len, "malformed eth: BAD_FIELD");
  /* A VLAN tag cut short. */
  f.b[12] = 0x81;
  f.b[13] = 0x00;
  assert_line(f.b, 16, "malformed eth: TRUNCATED");
}
END_TEST

START_TEST(test_malformed_arp) {
  const char *prefix = "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, ";
  char want[128];
  struct frame f = load(arp_request);
  snprintf(want, sizeof want, "%smalformed arp: TRUNCATED", prefix);
  assert_line(f.b, f.len - 1, want);
  snprintf(want, sizeof want, "%smalformed arp: BAD_VERSION", prefix);
  f.b[15] = 6; /* hardware type 6 (IEEE 802) */
  assert_line(f.b, f.len, want);
  f = load(arp_request);
  f.b[21] = 3; /* operation 3: RARP request */
  snprintf(want, sizeof want, "%smalformed arp: BAD_FIELD", prefix);
  assert_line(f.b, f.len, want);
}
END_TEST

START_TEST(test_malformed_ipv4) {
  struct frame f = load(tcp_syn);
  f.b[14 + 10] ^= 0x01;
  assert_line(f.b, f.len, MACS_AB "IPv4, malformed ipv4: BAD_CHECKSUM");
  f = load(tcp_syn);
  assert_line(f.b, f.len - 1, MACS_AB "IPv4, malformed ipv4: TRUNCATED");
  assert_line(f.b, 14 + 19, MACS_AB "IPv4, malformed ipv4: TRUNCATED");
  f.b[14] = 0x65; /* version 6 */
  assert_line(f.b, f.len, MACS_AB "IPv4, malformed ipv4: BAD_VERSION");
}
END_TEST

START_TEST(test_malformed_icmp) {
  struct frame f = load(icmp_echo);
  f.b[f.len - 1] ^= 0x80;
  assert_line(f.b, f.len,
              MACS_AB "IPv4, 198.18.0.1 > 198.18.0.2: "
                      "malformed icmp: BAD_CHECKSUM");
}
END_TEST

START_TEST(test_malformed_tcp) {
  const char *prefix = MACS_AB "IPv4, 198.18.0.1 > 198.18.0.2: ";
  char want[160];
  struct frame f = load(tcp_data);
  f.b[f.len - 2] ^= 0x01; /* one payload bit */
  snprintf(want, sizeof want, "%smalformed tcp: BAD_CHECKSUM", prefix);
  assert_line(f.b, f.len, want);
  /* SYN+FIN with a checksum that verifies. */
  f = load(tcp_syn);
  patch_word(&f, 34 + 12, 0xa003, 34 + 16);
  snprintf(want, sizeof want, "%smalformed tcp: BAD_FLAGS", prefix);
  assert_line(f.b, f.len, want);
  /* The MSS option's length 4 -> 3, checksum patched. */
  f = load(tcp_syn);
  patch_word(&f, 34 + 20, 0x0203, 34 + 16);
  snprintf(want, sizeof want, "%smalformed tcp: BAD_OPTION", prefix);
  assert_line(f.b, f.len, want);
  /* Data offset 4. */
  f = load(tcp_syn);
  patch_word(&f, 34 + 12, 0x4002, 34 + 16);
  snprintf(want, sizeof want, "%smalformed tcp: BAD_LENGTH", prefix);
  assert_line(f.b, f.len, want);
  /* Loopback's partial checksum does not verify (describe.h says so). */
  assert_describes(lo_syn, "00:00:00:00:00:00 > 00:00:00:00:00:00, IPv4, "
                           "127.0.0.1 > 127.0.0.1: malformed tcp: "
                           "BAD_CHECKSUM");
}
END_TEST

/* Every buffer size: a NUL-terminated prefix, nothing written past cap. */
START_TEST(test_truncated_output) {
  const char *frames[] = {tcp_sack, arp_request, icmp_unreach, tcp_ae};
  for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
    struct frame f = load(frames[i]);
    char full[512];
    sf__frame_describe(f.b, f.len, full, sizeof full);
    size_t n = strlen(full);
    for (size_t cap = 0; cap <= n + 2; cap++) {
      char out[600];
      memset(out, '#', sizeof out);
      ck_assert_ptr_eq(sf__frame_describe(f.b, f.len, out, cap), out);
      /* One assertion for the untouched tail: Check's per-assertion cost
       * made this test take seconds. */
      size_t k = cap;
      while (k < sizeof out && out[k] == '#')
        k++;
      ck_assert_uint_eq(k, sizeof out);
      if (cap == 0)
        continue;
      size_t want = cap - 1 < n ? cap - 1 : n;
      ck_assert_uint_eq(strlen(out), want);
      ck_assert_int_eq(memcmp(out, full, want), 0);
    }
  }
  /* A malformed frame truncates the same way. */
  char small[9];
  sf__frame_describe(NULL, 0, small, sizeof small);
  ck_assert_str_eq(small, "malforme");
}
END_TEST

static Suite *describe_suite(void) {
  Suite *s = suite_create("describe");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_arp);
  tcase_add_test(tc, test_icmp);
  tcase_add_test(tc, test_tcp);
  tcase_add_test(tc, test_generic);
  tcase_add_test(tc, test_malformed_eth);
  tcase_add_test(tc, test_malformed_arp);
  tcase_add_test(tc, test_malformed_ipv4);
  tcase_add_test(tc, test_malformed_icmp);
  tcase_add_test(tc, test_malformed_tcp);
  tcase_add_test(tc, test_truncated_output);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(describe_suite)
