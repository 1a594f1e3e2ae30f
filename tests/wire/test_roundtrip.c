/*
 * Every wire format end to end: seeded random, valid headers (Ethernet
 * with or without a VLAN tag; IPv4 with options; TCP with random options
 * and payload; ARP; ICMP echo, unreachable and others) are emitted into
 * one frame with the real emitters, parsed back layer by layer with
 * checksums verified, and every field must come back equal. The seed is
 * printed; SF_TEST_SEED=<n> replays a failure.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/status.h"
#include "wire/tcp.h"

#define ITERATIONS 3000
#define FRAME_CAP 2048

static uint32_t rnd(struct sf_test_rng *r, uint32_t bound) {
  return sf_test_rng_below(r, bound);
}

static void random_eth(struct sf_test_rng *r, uint16_t ethertype,
                       struct sf_eth_hdr *e) {
  memset(e, 0, sizeof *e);
  sf_test_rng_fill(r, e->dst.b, sizeof e->dst.b);
  sf_test_rng_fill(r, e->src.b, sizeof e->src.b);
  e->ethertype = ethertype;
  e->has_vlan = rnd(r, 4) == 0;
  if (e->has_vlan)
    e->vlan_tci = (uint16_t)sf_test_rng_next(r);
}

static void assert_eth_eq(const struct sf_eth_hdr *a,
                          const struct sf_eth_hdr *b) {
  ck_assert_mem_eq(a->dst.b, b->dst.b, SF_ETH_ADDR_LEN);
  ck_assert_mem_eq(a->src.b, b->src.b, SF_ETH_ADDR_LEN);
  ck_assert_uint_eq(a->ethertype, b->ethertype);
  ck_assert_int_eq(a->has_vlan, b->has_vlan);
  if (a->has_vlan)
    ck_assert_uint_eq(a->vlan_tci, b->vlan_tci);
}

/* IPv4 options: NOP words, sometimes ending in EOL (RFC 791 3.1). */
static void random_ipv4(struct sf_test_rng *r, uint8_t proto, uint8_t *opts,
                        size_t payload_len, struct sf_ipv4_hdr *ip) {
  memset(ip, 0, sizeof *ip);
  ip->tos = (uint8_t)sf_test_rng_next(r);
  ip->id = (uint16_t)sf_test_rng_next(r);
  ip->flags = rnd(r, 2) ? SF_IPV4_FLAG_DF : 0;
  ip->ttl = (uint8_t)(1 + rnd(r, 255));
  ip->proto = proto;
  ip->src = (uint32_t)sf_test_rng_next(r);
  ip->dst = (uint32_t)sf_test_rng_next(r);
  ip->options_len = 4 * rnd(r, 11);
  memset(opts, 0x01, ip->options_len);
  if (ip->options_len && rnd(r, 2))
    opts[ip->options_len - 1] = 0x00;
  ip->options = opts;
  ip->payload_len = payload_len;
}

static void assert_ipv4_eq(const struct sf_ipv4_hdr *a,
                           const struct sf_ipv4_hdr *b) {
  ck_assert_uint_eq(b->hdr_len, 20 + a->options_len);
  ck_assert_uint_eq(b->total_len, b->hdr_len + a->payload_len);
  ck_assert_uint_eq(a->tos, b->tos);
  ck_assert_uint_eq(a->id, b->id);
  ck_assert_uint_eq(a->flags, b->flags);
  ck_assert_uint_eq(a->frag_offset, b->frag_offset);
  ck_assert_uint_eq(a->ttl, b->ttl);
  ck_assert_uint_eq(a->proto, b->proto);
  ck_assert_uint_eq(a->src, b->src);
  ck_assert_uint_eq(a->dst, b->dst);
  ck_assert_uint_eq(a->options_len, b->options_len);
  ck_assert_mem_eq(a->options, b->options, a->options_len);
  ck_assert_uint_eq(a->payload_len, b->payload_len);
}

static void random_tcp_opts(struct sf_test_rng *r, struct sf_tcp_opts *o) {
  memset(o, 0, sizeof *o);
  o->present = (uint8_t)rnd(r, 32);
  o->mss = (uint16_t)sf_test_rng_next(r);
  o->wscale = (uint8_t)rnd(r, 15);
  o->ts_val = (uint32_t)sf_test_rng_next(r);
  o->ts_ecr = (uint32_t)sf_test_rng_next(r);
  o->sack_count = (uint8_t)(1 + rnd(r, SF_TCP_MAX_SACK_BLOCKS));
  for (size_t i = 0; i < SF_TCP_MAX_SACK_BLOCKS; i++) {
    o->sack[i].left = sf_seq((uint32_t)sf_test_rng_next(r));
    o->sack[i].right = sf_seq_add(o->sack[i].left, 1 + rnd(r, 65535));
  }
  /* Trim SACK blocks until the options fit in 40 bytes, as a sender must. */
  while (sf__tcp_opts_len(o) < 0 && o->sack_count > 1)
    o->sack_count--;
  if (sf__tcp_opts_len(o) < 0)
    o->present &= (uint8_t)~SF_TCP_OPT_SACK;
}

static void random_tcp(struct sf_test_rng *r, struct sf_tcp_hdr *h) {
  memset(h, 0, sizeof *h);
  h->sport = (uint16_t)sf_test_rng_next(r);
  h->dport = (uint16_t)sf_test_rng_next(r);
  h->seq = sf_seq((uint32_t)sf_test_rng_next(r));
  h->ack = sf_seq((uint32_t)sf_test_rng_next(r));
  h->flags = (uint16_t)rnd(r, SF_TCP_FLAGS_MASK + 1);
  if (h->flags & SF_TCP_SYN) /* SYN+FIN and SYN+RST are not valid */
    h->flags &= (uint16_t) ~(SF_TCP_FIN | SF_TCP_RST);
  h->window = (uint16_t)sf_test_rng_next(r);
  h->urgent = (uint16_t)sf_test_rng_next(r);
  random_tcp_opts(r, &h->opts);
}

static void assert_tcp_opts_eq(const struct sf_tcp_opts *a,
                               const struct sf_tcp_opts *b) {
  ck_assert_uint_eq(a->present, b->present);
  ck_assert_uint_eq(b->unknown_count, 0);
  if (a->present & SF_TCP_OPT_MSS)
    ck_assert_uint_eq(a->mss, b->mss);
  if (a->present & SF_TCP_OPT_WSCALE)
    ck_assert_uint_eq(a->wscale, b->wscale);
  if (a->present & SF_TCP_OPT_TIMESTAMP) {
    ck_assert_uint_eq(a->ts_val, b->ts_val);
    ck_assert_uint_eq(a->ts_ecr, b->ts_ecr);
  }
  if (a->present & SF_TCP_OPT_SACK) {
    ck_assert_uint_eq(a->sack_count, b->sack_count);
    for (size_t i = 0; i < a->sack_count; i++) {
      ck_assert_uint_eq(a->sack[i].left.v, b->sack[i].left.v);
      ck_assert_uint_eq(a->sack[i].right.v, b->sack[i].right.v);
    }
  }
}

static void assert_tcp_eq(const struct sf_tcp_hdr *a,
                          const struct sf_tcp_hdr *b) {
  ck_assert_uint_eq(a->sport, b->sport);
  ck_assert_uint_eq(a->dport, b->dport);
  ck_assert_uint_eq(a->seq.v, b->seq.v);
  ck_assert_uint_eq(a->ack.v, b->ack.v);
  ck_assert_uint_eq(b->hdr_len, 20 + sf__tcp_opts_len(&a->opts));
  ck_assert_uint_eq(a->flags, b->flags);
  ck_assert_uint_eq(a->window, b->window);
  ck_assert_uint_eq(a->urgent, b->urgent);
  assert_tcp_opts_eq(&a->opts, &b->opts);
  ck_assert_uint_eq(a->payload_len, b->payload_len);
  ck_assert_mem_eq(a->payload, b->payload, a->payload_len);
}

/* Writes eth + ipv4 headers; returns the offset of the IPv4 payload. */
static size_t put_eth_ipv4(const struct sf_eth_hdr *e,
                           const struct sf_ipv4_hdr *ip, uint8_t *frame) {
  int n = sf__eth_emit(e, frame, FRAME_CAP);
  ck_assert_int_eq(n, e->has_vlan ? 18 : 14);
  int m = sf__ipv4_emit(ip, frame + n, FRAME_CAP - (size_t)n);
  ck_assert_int_eq(m, 20 + (int)ip->options_len);
  return (size_t)n + (size_t)m;
}

/* Parses eth + ipv4 and checks both; returns the parsed IPv4 header. */
static struct sf_ipv4_hdr get_eth_ipv4(const uint8_t *frame, size_t len,
                                       const struct sf_eth_hdr *e,
                                       const struct sf_ipv4_hdr *ip) {
  struct sf_eth_hdr pe;
  ck_assert_int_eq(sf__eth_parse(frame, len, &pe), SF_WIRE_OK);
  assert_eth_eq(e, &pe);
  struct sf_ipv4_hdr pip;
  ck_assert_int_eq(sf__ipv4_parse(pe.payload, pe.payload_len, 0, &pip),
                   SF_WIRE_OK);
  assert_ipv4_eq(ip, &pip);
  ck_assert_ptr_eq(pip.payload, pe.payload + pip.hdr_len);
  return pip;
}

static void roundtrip_tcp(struct sf_test_rng *r) {
  uint8_t frame[FRAME_CAP], payload[256], ipopts[40];
  struct sf_tcp_hdr h;
  random_tcp(r, &h);
  size_t plen = rnd(r, sizeof payload);
  sf_test_rng_fill(r, payload, plen);
  h.payload = payload;
  h.payload_len = plen;
  size_t seg_len = 20 + (size_t)sf__tcp_opts_len(&h.opts) + plen;

  struct sf_eth_hdr e;
  struct sf_ipv4_hdr ip;
  random_eth(r, SF_ETHERTYPE_IPV4, &e);
  random_ipv4(r, SF_IPPROTO_TCP, ipopts, seg_len, &ip);
  size_t off = put_eth_ipv4(&e, &ip, frame);
  int n = sf__tcp_emit(&h, payload, plen, ip.src, ip.dst, 0, frame + off,
                       FRAME_CAP - off);
  ck_assert_int_eq(n, (int)seg_len);

  struct sf_ipv4_hdr pip = get_eth_ipv4(frame, off + seg_len, &e, &ip);
  struct sf_tcp_hdr p;
  ck_assert_int_eq(
      sf__tcp_parse(pip.payload, pip.payload_len, pip.src, pip.dst, 0, &p),
      SF_WIRE_OK);
  assert_tcp_eq(&h, &p);
  ck_assert_ptr_eq(p.payload, pip.payload + p.hdr_len);
  ck_assert_uint_eq(sf__tcp_seg_len(&p), sf__tcp_seg_len(&h));
}

static void roundtrip_arp(struct sf_test_rng *r) {
  uint8_t frame[FRAME_CAP];
  struct sf_arp a;
  memset(&a, 0, sizeof a);
  a.oper = rnd(r, 2) ? SF_ARP_OP_REQUEST : SF_ARP_OP_REPLY;
  sf_test_rng_fill(r, a.sha.b, sizeof a.sha.b);
  sf_test_rng_fill(r, a.tha.b, sizeof a.tha.b);
  a.spa = (uint32_t)sf_test_rng_next(r);
  a.tpa = (uint32_t)sf_test_rng_next(r);
  struct sf_eth_hdr e;
  random_eth(r, SF_ETHERTYPE_ARP, &e);
  int n = sf__eth_emit(&e, frame, sizeof frame);
  ck_assert_int_gt(n, 0);
  ck_assert_int_eq(sf__arp_emit(&a, frame + n, sizeof frame - (size_t)n),
                   SF_ARP_LEN);
  /* Sometimes padded to Ethernet's 60-byte minimum. */
  size_t len = (size_t)n + SF_ARP_LEN;
  if (rnd(r, 2)) {
    memset(frame + len, 0, 60 - len);
    len = 60;
  }
  struct sf_eth_hdr pe;
  ck_assert_int_eq(sf__eth_parse(frame, len, &pe), SF_WIRE_OK);
  assert_eth_eq(&e, &pe);
  struct sf_arp pa;
  ck_assert_int_eq(sf__arp_parse(pe.payload, pe.payload_len, &pa), SF_WIRE_OK);
  ck_assert_uint_eq(pa.oper, a.oper);
  ck_assert_mem_eq(pa.sha.b, a.sha.b, SF_ETH_ADDR_LEN);
  ck_assert_mem_eq(pa.tha.b, a.tha.b, SF_ETH_ADDR_LEN);
  ck_assert_uint_eq(pa.spa, a.spa);
  ck_assert_uint_eq(pa.tpa, a.tpa);
}

static void random_icmp(struct sf_test_rng *r, struct sf_icmp *m) {
  static const uint8_t types[] = {SF_ICMP_ECHO_REQUEST,  SF_ICMP_ECHO_REPLY,
                                  SF_ICMP_DEST_UNREACH,  SF_ICMP_TIME_EXCEEDED,
                                  SF_ICMP_PARAM_PROBLEM, 13};
  memset(m, 0, sizeof *m);
  m->type = types[rnd(r, sizeof types)];
  m->code = (uint8_t)rnd(r, 16);
  m->echo_id = (uint16_t)sf_test_rng_next(r);
  m->echo_seq = (uint16_t)sf_test_rng_next(r);
  m->next_hop_mtu = (uint16_t)sf_test_rng_next(r);
  m->rest = (uint32_t)sf_test_rng_next(r);
}

/* The second word as the type defines it (icmp.h). */
static uint32_t icmp_expected_rest(const struct sf_icmp *m) {
  if (m->type == SF_ICMP_ECHO_REQUEST || m->type == SF_ICMP_ECHO_REPLY)
    return (uint32_t)m->echo_id << 16 | m->echo_seq;
  if (m->type == SF_ICMP_DEST_UNREACH && m->code == SF_ICMP_UNREACH_FRAG_NEEDED)
    return m->next_hop_mtu;
  return m->rest;
}

static void roundtrip_icmp(struct sf_test_rng *r) {
  uint8_t frame[FRAME_CAP], body[200], ipopts[40];
  struct sf_icmp m;
  random_icmp(r, &m);
  m.body_len = rnd(r, sizeof body);
  sf_test_rng_fill(r, body, m.body_len);
  m.body = body;
  struct sf_eth_hdr e;
  struct sf_ipv4_hdr ip;
  random_eth(r, SF_ETHERTYPE_IPV4, &e);
  random_ipv4(r, SF_IPPROTO_ICMP, ipopts, 8 + m.body_len, &ip);
  size_t off = put_eth_ipv4(&e, &ip, frame);
  ck_assert_int_eq(sf__icmp_emit(&m, frame + off, FRAME_CAP - off),
                   (int)(8 + m.body_len));

  struct sf_ipv4_hdr pip = get_eth_ipv4(frame, off + 8 + m.body_len, &e, &ip);
  struct sf_icmp pm;
  ck_assert_int_eq(sf__icmp_parse(pip.payload, pip.payload_len, 0, &pm),
                   SF_WIRE_OK);
  ck_assert_uint_eq(pm.type, m.type);
  ck_assert_uint_eq(pm.code, m.code);
  ck_assert_uint_eq(pm.rest, icmp_expected_rest(&m));
  if (m.type == SF_ICMP_ECHO_REQUEST || m.type == SF_ICMP_ECHO_REPLY) {
    ck_assert_uint_eq(pm.echo_id, m.echo_id);
    ck_assert_uint_eq(pm.echo_seq, m.echo_seq);
  }
  if (m.type == SF_ICMP_DEST_UNREACH && m.code == SF_ICMP_UNREACH_FRAG_NEEDED)
    ck_assert_uint_eq(pm.next_hop_mtu, m.next_hop_mtu);
  ck_assert_uint_eq(pm.body_len, m.body_len);
  ck_assert_mem_eq(pm.body, body, m.body_len);
}

START_TEST(test_roundtrip_tcp) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(9293));
  for (int i = 0; i < ITERATIONS; i++)
    roundtrip_tcp(&rng);
}
END_TEST

START_TEST(test_roundtrip_arp) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(826));
  for (int i = 0; i < ITERATIONS; i++)
    roundtrip_arp(&rng);
}
END_TEST

START_TEST(test_roundtrip_icmp) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(792));
  for (int i = 0; i < ITERATIONS; i++)
    roundtrip_icmp(&rng);
}
END_TEST

/* All three interleaved from one stream, as a link would carry them. */
START_TEST(test_roundtrip_mixed) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(1));
  for (int i = 0; i < ITERATIONS; i++) {
    switch (rnd(&rng, 3)) {
    case 0:
      roundtrip_tcp(&rng);
      break;
    case 1:
      roundtrip_arp(&rng);
      break;
    default:
      roundtrip_icmp(&rng);
      break;
    }
  }
}
END_TEST

static Suite *roundtrip_suite(void) {
  Suite *s = suite_create("roundtrip");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_roundtrip_tcp);
  tcase_add_test(tc, test_roundtrip_arp);
  tcase_add_test(tc, test_roundtrip_icmp);
  tcase_add_test(tc, test_roundtrip_mixed);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(roundtrip_suite)
