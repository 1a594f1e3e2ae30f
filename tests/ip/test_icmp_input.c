/*
 * ICMP input (lib/ip/icmp_input.c) through sf__ip_input: a real Linux
 * echo request answered with exactly Linux's reply bytes, replies routed
 * (on-link, via the gateway, after ARP), echo to broadcasts ignored, the
 * checksum checked first, errors quoting our TCP segments passed up with
 * every field (a real host-unreachable, fragmentation needed, time
 * exceeded, parameter problem), and errors quoting someone else's or a
 * non-TCP datagram, truncated quotes and other types ignored and counted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ip/ip.h"
#include "synfin.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define A_ADDR 0xc6120001u  /* 198.18.0.1 */
#define B_ADDR 0xc6120002u  /* 198.18.0.2 */
#define GW_ADDR 0xc61200feu /* 198.18.0.254 */
#define BCAST 0xc61200ffu

static const struct sf_eth_addr mac_a = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x01}};
static const struct sf_eth_addr mac_b = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x02}};
static const struct sf_eth_addr mac_gw = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0xfe}};
static const struct sf_eth_addr mac_zero = {{0}};

/*
 * Captured from Linux 6.18 veth between two namespaces (198.18.0.1 and
 * 198.18.0.2), tcpdump -xx, Ethernet and IPv4 headers removed (the same
 * vectors as tests/wire/test_icmp.c): `ping -c1 198.18.0.2`'s echo
 * request and the kernel's reply (id 0x2954, seq 1, 56 data bytes).
 */
static const char linux_echo_request[] =
    "0800 3a45 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";
static const char linux_echo_reply[] =
    "0000 4245 2954 0001 6465 056b 0000 "
    "0000 66c2 0500 0000 0000 1011 1213 1415 "
    "1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 "
    "2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 "
    "3637";

/*
 * Captured as above: 198.18.0.2 (forwarding, with an `unreachable` route
 * for 198.18.9.0/24) answering a TCP SYN 198.18.0.1.41198 >
 * 198.18.9.1.80, seq 1861503545, with host unreachable (type 3, code 1),
 * quoting the whole 60-byte SYN.
 */
static const char linux_unreach_host[] =
    "0301 9452 0000 0000 4500 003c 1a95 "
    "4000 4006 8b00 c612 0001 c612 0901 a0ee "
    "0050 6ef4 4a39 0000 0000 a002 faf0 9555 "
    "0000 0204 05b4 0402 080a 7f39 46ec 0000 "
    "0000 0103 030a";

/* ------------------------------------------------------------- fixture */

struct fx {
  struct sf_ip *ip;
  unsigned n_err;
  struct sf_ip_icmp_error err;
  sf_time_t err_at;
  unsigned n_tcp;
};

static void on_tcp(void *ctx, unsigned netif, const struct sf_ipv4_hdr *ip,
                   unsigned rx_flags, sf_time_t now) {
  (void)netif, (void)ip, (void)rx_flags, (void)now;
  ((struct fx *)ctx)->n_tcp++;
}

static void on_err(void *ctx, const struct sf_ip_icmp_error *e,
                   sf_time_t now) {
  struct fx *f = ctx;
  f->n_err++;
  f->err = *e;
  f->err_at = now;
}

/* Our interface: addr with mac, 198.18.0.0/24, gateway .254. */
static void fx_open(struct fx *f, uint32_t addr,
                    const struct sf_eth_addr *mac) {
  memset(f, 0, sizeof(*f));
  struct sf_ip_upcalls up = {.ctx = f, .tcp_input = on_tcp,
                             .tcp_icmp_error = on_err};
  ck_assert_int_eq(sf__ip_new(NULL, &up, &f->ip), 0);
  struct sf_netif_config c = {.addr = sf_addr_v4(addr), .prefix_len = 24,
                              .gateway = sf_addr_v4(GW_ADDR), .mtu = 1500};
  memcpy(c.mac, mac->b, 6);
  ck_assert_int_eq(sf__ip_netif_add(f->ip, &c), 0);
}

static const struct sf_ip_counters *ctr(const struct fx *f) {
  return sf__ip_counters(f->ip);
}

/* Feeds an ARP request from (mac, addr) for our address: learns it. */
static void learn(struct fx *f, const struct sf_eth_addr *mac, uint32_t addr,
                  uint32_t ours) {
  uint8_t b[64];
  struct sf_eth_hdr e = {.dst = sf__eth_broadcast, .src = *mac,
                         .ethertype = SF_ETHERTYPE_ARP};
  struct sf_arp a = {.oper = SF_ARP_OP_REQUEST, .sha = *mac, .spa = addr,
                     .tha = mac_zero, .tpa = ours};
  sf__eth_emit(&e, b, sizeof b);
  sf__arp_emit(&a, b + 14, sizeof b - 14);
  sf__ip_input(f->ip, 0, b, 42, 0, 0);
  sf__ip_tx_release(f->ip, 0, 1);
}

/* Sends an ICMP message (msg, len) from src to dst in a frame. */
static void feed(struct fx *f, const struct sf_eth_addr *eth_dst,
                 const struct sf_eth_addr *eth_src, uint32_t src,
                 uint32_t dst, const uint8_t *msg, size_t len,
                 sf_time_t now) {
  uint8_t b[1600];
  struct sf_eth_hdr e = {.dst = *eth_dst, .src = *eth_src,
                         .ethertype = SF_ETHERTYPE_IPV4};
  struct sf_ipv4_hdr h = {.id = 0x4242, .ttl = 64, .proto = SF_IPPROTO_ICMP,
                          .src = src, .dst = dst, .payload_len = len};
  sf__eth_emit(&e, b, sizeof b);
  ck_assert_int_eq(sf__ipv4_emit(&h, b + 14, sizeof b - 14), 20);
  memcpy(b + 34, msg, len);
  sf__ip_input(f->ip, 0, b, 34 + len, 0, now);
}

/* The one queued frame as an IPv4 datagram carrying ICMP. */
static struct sf_ipv4_hdr take_ip(struct fx *f, uint8_t *b,
                                  const struct sf_eth_addr *eth_dst,
                                  struct sf_icmp *m) {
  struct sf_frame fr;
  ck_assert_uint_eq(sf__ip_tx_take(f->ip, 0, &fr, 2), 1);
  memcpy(b, fr.data, fr.len);
  size_t n = fr.len;
  sf__ip_tx_release(f->ip, 0, 1);
  struct sf_eth_hdr e;
  ck_assert_int_eq(sf__eth_parse(b, n, &e), 0);
  ck_assert(sf__eth_addr_eq(&e.dst, eth_dst));
  ck_assert_uint_eq(e.ethertype, SF_ETHERTYPE_IPV4);
  struct sf_ipv4_hdr h;
  ck_assert_int_eq(sf__ipv4_parse(e.payload, e.payload_len, 0, &h), 0);
  ck_assert_uint_eq(h.proto, SF_IPPROTO_ICMP);
  ck_assert_int_eq(sf__icmp_parse(h.payload, h.payload_len, 0, m), 0);
  return h;
}

/* ------------------------------------------------------------------ echo */

START_TEST(test_linux_echo_answered_with_linux_bytes) {
  struct fx f;
  fx_open(&f, B_ADDR, &mac_b);
  learn(&f, &mac_a, A_ADDR, B_ADDR);
  uint8_t req[128], want[128];
  size_t n = sf_test_hex(linux_echo_request, req, sizeof req);
  size_t wn = sf_test_hex(linux_echo_reply, want, sizeof want);
  ck_assert_uint_eq(n, 64);
  feed(&f, &mac_b, &mac_a, A_ADDR, B_ADDR, req, n, 0);
  uint8_t b[256];
  struct sf_icmp m;
  struct sf_ipv4_hdr h = take_ip(&f, b, &mac_a, &m);
  ck_assert_uint_eq(h.src, B_ADDR);
  ck_assert_uint_eq(h.dst, A_ADDR);
  ck_assert_uint_eq(h.ttl, 64);
  ck_assert_uint_eq(h.flags, 0); /* no DF on ICMP, as Linux's replies */
  ck_assert_uint_eq(h.total_len, 84);
  ck_assert_uint_eq(h.payload_len, wn);
  ck_assert_mem_eq(h.payload, want, wn);
  ck_assert_uint_eq(m.echo_id, 0x2954);
  ck_assert_uint_eq(m.echo_seq, 1);
  ck_assert_uint_eq(ctr(&f)->icmp_in, 1);
  ck_assert_uint_eq(ctr(&f)->icmp_echo_answered, 1);
  ck_assert_uint_eq(ctr(&f)->ip_in_delivered, 1);
  sf__ip_free(f.ip);
}
END_TEST

START_TEST(test_echo_random_payloads) {
  struct sf_test_rng r;
  sf_test_rng_seed(&r, sf_test_seed(0xec40));
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  learn(&f, &mac_b, B_ADDR, A_ADDR);
  for (int i = 0; i < 200; i++) {
    uint8_t data[1472], msg[1480];
    size_t len = sf_test_rng_below(&r, 1473); /* odd lengths included */
    sf_test_rng_fill(&r, data, len);
    struct sf_icmp q = {.type = SF_ICMP_ECHO_REQUEST,
                        .echo_id = (uint16_t)sf_test_rng_next(&r),
                        .echo_seq = (uint16_t)i, .body = data,
                        .body_len = len};
    int mlen = sf__icmp_emit(&q, msg, sizeof msg);
    feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, (size_t)mlen, 0);
    uint8_t b[1600];
    struct sf_icmp m;
    take_ip(&f, b, &mac_b, &m); /* parse checks the checksum */
    ck_assert_uint_eq(m.type, SF_ICMP_ECHO_REPLY);
    ck_assert_uint_eq(m.code, 0);
    ck_assert_uint_eq(m.echo_id, q.echo_id);
    ck_assert_uint_eq(m.echo_seq, q.echo_seq);
    ck_assert_uint_eq(m.body_len, len);
    ck_assert_mem_eq(m.body, data, len);
  }
  sf__ip_free(f.ip);
}
END_TEST

static size_t echo_msg(uint8_t *msg, size_t cap) {
  static const uint8_t data[] = {1, 2, 3, 4, 5};
  struct sf_icmp q = {.type = SF_ICMP_ECHO_REQUEST, .echo_id = 9,
                      .echo_seq = 9, .body = data, .body_len = sizeof data};
  return (size_t)sf__icmp_emit(&q, msg, cap);
}

START_TEST(test_echo_reply_via_gateway_and_after_arp) {
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  learn(&f, &mac_gw, GW_ADDR, A_ADDR);
  uint8_t msg[64], b[256];
  size_t n = echo_msg(msg, sizeof msg);
  struct sf_icmp m;
  /* From 8.8.8.8 through the router: the reply goes to the router. */
  feed(&f, &mac_a, &mac_gw, 0x08080808, A_ADDR, msg, n, 0);
  ck_assert_uint_eq(take_ip(&f, b, &mac_gw, &m).dst, 0x08080808);
  /* From an unknown neighbour: ARP first, then the reply. */
  feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, n, 0);
  struct sf_frame fr;
  ck_assert_uint_eq(sf__ip_tx_take(f.ip, 0, &fr, 2), 1);
  ck_assert_uint_eq(sf__load_be16(fr.data + 12), SF_ETHERTYPE_ARP);
  sf__ip_tx_release(f.ip, 0, 1);
  uint8_t rep[64];
  struct sf_eth_hdr e = {.dst = mac_a, .src = mac_b,
                         .ethertype = SF_ETHERTYPE_ARP};
  struct sf_arp a = {.oper = SF_ARP_OP_REPLY, .sha = mac_b, .spa = B_ADDR,
                     .tha = mac_a, .tpa = A_ADDR};
  sf__eth_emit(&e, rep, sizeof rep);
  sf__arp_emit(&a, rep + 14, sizeof rep - 14);
  sf__ip_input(f.ip, 0, rep, 42, 0, 1);
  ck_assert_uint_eq(take_ip(&f, b, &mac_b, &m).dst, B_ADDR);
  ck_assert_uint_eq(ctr(&f)->icmp_echo_answered, 2);
  sf__ip_free(f.ip);
}
END_TEST

START_TEST(test_echo_to_broadcast_ignored) {
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  learn(&f, &mac_b, B_ADDR, A_ADDR);
  uint8_t msg[64];
  size_t n = echo_msg(msg, sizeof msg);
  feed(&f, &sf__eth_broadcast, &mac_b, B_ADDR, BCAST, msg, n, 0);
  feed(&f, &sf__eth_broadcast, &mac_b, B_ADDR, 0xffffffffu, msg, n, 0);
  /* Link broadcast with our unicast address: a broadcast all the same. */
  feed(&f, &sf__eth_broadcast, &mac_b, B_ADDR, A_ADDR, msg, n, 0);
  ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), 0);
  ck_assert_uint_eq(ctr(&f)->icmp_echo_broadcast, 3);
  ck_assert_uint_eq(ctr(&f)->icmp_echo_answered, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in, 3);
  sf__ip_free(f.ip);
}
END_TEST

START_TEST(test_bad_checksum_and_short_messages) {
  struct fx f;
  fx_open(&f, B_ADDR, &mac_b);
  learn(&f, &mac_a, A_ADDR, B_ADDR);
  uint8_t req[128];
  size_t n = sf_test_hex(linux_echo_request, req, sizeof req);
  req[20] ^= 0x01; /* one data bit flipped: the checksum fails */
  feed(&f, &mac_b, &mac_a, A_ADDR, B_ADDR, req, n, 0);
  feed(&f, &mac_b, &mac_a, A_ADDR, B_ADDR, req, 7, 0); /* < 8 bytes */
  ck_assert_uint_eq(ctr(&f)->icmp_in, 2);
  ck_assert_uint_eq(ctr(&f)->icmp_in_bad, 2);
  ck_assert_uint_eq(ctr(&f)->icmp_echo_answered, 0);
  ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), 0);
  sf__ip_free(f.ip);
}
END_TEST

START_TEST(test_other_types_ignored) {
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  uint8_t types[] = {SF_ICMP_ECHO_REPLY, 4 /* source quench */,
                     5 /* redirect */, 13 /* timestamp */, 200};
  for (size_t i = 0; i < sizeof types; i++) {
    uint8_t msg[64], body[28] = {0x45};
    struct sf_icmp m = {.type = types[i], .body = body, .body_len = 28};
    int n = sf__icmp_emit(&m, msg, sizeof msg);
    feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, (size_t)n, 0);
  }
  ck_assert_uint_eq(ctr(&f)->icmp_in, 5);
  ck_assert_uint_eq(ctr(&f)->icmp_in_ignored, 5);
  ck_assert_uint_eq(f.n_err, 0);
  ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), 0);
  sf__ip_free(f.ip);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(test_linux_host_unreachable_to_tcp) {
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  uint8_t msg[128];
  size_t n = sf_test_hex(linux_unreach_host, msg, sizeof msg);
  feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, n, 77);
  ck_assert_uint_eq(f.n_err, 1);
  ck_assert_uint_eq(f.err_at, 77);
  ck_assert_uint_eq(f.err.type, SF_ICMP_DEST_UNREACH);
  ck_assert_uint_eq(f.err.code, SF_ICMP_UNREACH_HOST);
  ck_assert_uint_eq(f.err.next_hop_mtu, 0);
  ck_assert(sf_addr_eq(f.err.reporter, sf_addr_v4(B_ADDR)));
  ck_assert(sf_addr_eq(f.err.src, sf_addr_v4(A_ADDR)));
  ck_assert(sf_addr_eq(f.err.dst, sf_addr_v4(0xc6120901u)));
  ck_assert_uint_eq(f.err.sport, 41198);
  ck_assert_uint_eq(f.err.dport, 80);
  ck_assert_uint_eq(f.err.seq, 1861503545u);
  ck_assert_uint_eq(ctr(&f)->icmp_in_errors, 1);
  ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), 0); /* nothing answered */
  sf__ip_free(f.ip);
}
END_TEST

/*
 * Computed by hand from the captured quote: the same body under another
 * type and code (the checksum recomputed by sf__icmp_emit).
 */
static size_t error_msg(uint8_t *out, size_t cap, uint8_t type, uint8_t code,
                        uint16_t mtu, const uint8_t *quote, size_t qlen) {
  struct sf_icmp m = {.type = type, .code = code, .next_hop_mtu = mtu,
                      .rest = mtu, .body = quote, .body_len = qlen};
  int n = sf__icmp_emit(&m, out, cap);
  ck_assert_int_gt(n, 0);
  return (size_t)n;
}

START_TEST(test_error_kinds) {
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  uint8_t cap[128], msg[128];
  size_t cn = sf_test_hex(linux_unreach_host, cap, sizeof cap);
  const uint8_t *quote = cap + 8;
  size_t qlen = cn - 8;
  struct {
    uint8_t type, code;
    uint16_t mtu;
  } kinds[] = {{SF_ICMP_DEST_UNREACH, SF_ICMP_UNREACH_FRAG_NEEDED, 1400},
               {SF_ICMP_DEST_UNREACH, SF_ICMP_UNREACH_PORT, 0},
               {SF_ICMP_TIME_EXCEEDED, 0, 0},
               {SF_ICMP_PARAM_PROBLEM, 0, 0}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    size_t n = error_msg(msg, sizeof msg, kinds[i].type, kinds[i].code,
                         kinds[i].mtu, quote, 28); /* header + 8 bytes */
    feed(&f, &mac_a, &mac_gw, GW_ADDR, A_ADDR, msg, n, i);
    ck_assert_uint_eq(f.n_err, i + 1);
    ck_assert_uint_eq(f.err.type, kinds[i].type);
    ck_assert_uint_eq(f.err.code, kinds[i].code);
    ck_assert_uint_eq(f.err.next_hop_mtu, kinds[i].mtu);
    ck_assert(sf_addr_eq(f.err.reporter, sf_addr_v4(GW_ADDR)));
    ck_assert_uint_eq(f.err.sport, 41198);
    ck_assert_uint_eq(f.err.seq, 1861503545u);
  }
  ck_assert_uint_eq(ctr(&f)->icmp_in_errors, 4);
  /* The whole quote (60 bytes) works as well as the minimum. */
  size_t n = error_msg(msg, sizeof msg, 3, 1, 0, quote, qlen);
  feed(&f, &mac_a, &mac_gw, GW_ADDR, A_ADDR, msg, n, 9);
  ck_assert_uint_eq(f.n_err, 5);
  sf__ip_free(f.ip);
}
END_TEST

START_TEST(test_errors_not_about_us_ignored) {
  struct fx f;
  fx_open(&f, A_ADDR, &mac_a);
  uint8_t cap[128], q[128], msg[128];
  size_t cn = sf_test_hex(linux_unreach_host, cap, sizeof cap);
  size_t qlen = cn - 8;
  /* Quoting a segment from 198.18.0.3: not ours. */
  memcpy(q, cap + 8, qlen);
  sf__store_be32(q + 12, 0xc6120003u);
  size_t n = error_msg(msg, sizeof msg, 3, 1, 0, q, qlen);
  feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, n, 0);
  /* Quoting UDP from us. */
  memcpy(q, cap + 8, qlen);
  q[9] = SF_IPPROTO_UDP;
  n = error_msg(msg, sizeof msg, 3, 3, 0, q, qlen);
  feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, n, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in_foreign_quote, 2);
  /* A quote too short to hold the ports and sequence number. */
  n = error_msg(msg, sizeof msg, 3, 1, 0, cap + 8, 27);
  feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, n, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in_bad, 1);
  /* A valid error, but sent to the subnet broadcast: forged. */
  n = error_msg(msg, sizeof msg, 3, 1, 0, cap + 8, qlen);
  feed(&f, &sf__eth_broadcast, &mac_b, B_ADDR, BCAST, msg, n, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in_ignored, 1);
  /* And a corrupted checksum on an otherwise good one. */
  msg[2] ^= 0xff;
  feed(&f, &mac_a, &mac_b, B_ADDR, A_ADDR, msg, n, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in_bad, 2);
  ck_assert_uint_eq(f.n_err, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in_errors, 0);
  ck_assert_uint_eq(ctr(&f)->icmp_in, 5);
  sf__ip_free(f.ip);
}
END_TEST

static Suite *icmp_input_suite(void) {
  Suite *s = suite_create("icmp_input");
  TCase *tc = tcase_create("echo");
  tcase_add_test(tc, test_linux_echo_answered_with_linux_bytes);
  tcase_add_test(tc, test_echo_random_payloads);
  tcase_add_test(tc, test_echo_reply_via_gateway_and_after_arp);
  tcase_add_test(tc, test_echo_to_broadcast_ignored);
  tcase_add_test(tc, test_bad_checksum_and_short_messages);
  tcase_add_test(tc, test_other_types_ignored);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_linux_host_unreachable_to_tcp);
  tcase_add_test(tc, test_error_kinds);
  tcase_add_test(tc, test_errors_not_about_us_ignored);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(icmp_input_suite)
