/*
 * libFuzzer target for IPv4 reassembly and fragmentation through the IP
 * layer: layer A (198.18.0.2, small reassembly caps) receives fragments
 * described by the input; its transmit queue (echo replies, fragmented
 * when large; time exceeded) is fed to layer B (198.18.0.1, mtu random)
 * which reassembles what A fragmented.
 *
 * Records: byte 0 picks
 *   0: a raw fragment: id (3 bits), proto ICMP/TCP, MF, offset, length,
 *      fill byte
 *   1: a whole echo request of a given length, cut at a given step, its
 *      fragments sent in an order drawn from the input, some twice
 *   2: time passes (0..255 s), both layers polled
 * Invariants: A's reassembly never holds more than its caps; its
 * deadline is never in the past after a poll; every datagram A sent in
 * fragments is reassembled by B with no reassembly error; nothing leaks
 * (ASan).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/arp.h"
#include "wire/ipv4.h"


#define A_ADDR 0xc6120002u
#define B_ADDR 0xc6120001u
static const struct sf_eth_addr mac_a = {{2, 0, 0, 0, 0, 2}};
static const struct sf_eth_addr mac_b = {{2, 0, 0, 0, 0, 1}};

struct fz {
  struct sf_ip *a, *b;
  struct sf_fuzz_in in;
  sf_time_t now;
};

static uint8_t take(struct fz *f) { return sf_fuzz_take(&f->in); }
static uint16_t take16(struct fz *f) { return sf_fuzz_take16(&f->in); }

static void frag_to_a(struct fz *f, uint16_t id, uint8_t proto, uint32_t off,
                      bool more, const uint8_t *d, size_t len) {
  static uint8_t b[14 + 20 + 65536];
  struct sf_eth_hdr e = {.dst = mac_a, .src = mac_b,
                         .ethertype = SF_ETHERTYPE_IPV4};
  struct sf_ipv4_hdr h = {.id = id, .ttl = 64, .proto = proto,
                          .src = B_ADDR, .dst = A_ADDR,
                          .flags = more ? SF_IPV4_FLAG_MF : 0,
                          .frag_offset = (uint16_t)((off / 8) & 0x1fff),
                          .payload_len = len};
  sf__eth_emit(&e, b, 14);
  if (sf__ipv4_emit(&h, b + 14, 20) != 20)
    return;
  memcpy(b + 34, d, len);
  sf__ip_input(f->a, 0, b, 34 + len, 0, f->now);
}

static void raw_fragment(struct fz *f) {
  uint8_t c = take(f);
  uint16_t off = take16(f);
  uint16_t len = take16(f) % 3000;
  static uint8_t d[3000];
  memset(d, take(f), len);
  frag_to_a(f, c & 7, (c & 8) ? SF_IPPROTO_TCP : SF_IPPROTO_ICMP,
            (uint32_t)off * 8, c & 16, d, len);
}

static void echo_request(struct fz *f) {
  static uint8_t msg[65515];
  size_t len = 8 + take16(f) % (65515 - 8 + 1);
  size_t step = 8 * (1 + take(f) % 200);
  uint16_t id = 0x100 | take(f);
  memset(msg + 8, 0x5a, len - 8);
  struct sf_icmp m = {.type = SF_ICMP_ECHO_REQUEST, .echo_id = 1,
                      .echo_seq = id, .body = msg + 8, .body_len = len - 8};
  CHECK(sf__icmp_emit(&m, msg, sizeof msg) == (int)len);
  size_t nfr = (len + step - 1) / step;
  for (size_t k = 0; k < nfr + 4; k++) {
    size_t i = k < nfr ? (k + take(f)) % nfr : take(f) % nfr;
    size_t off = i * step, n = len - off < step ? len - off : step;
    frag_to_a(f, id, SF_IPPROTO_ICMP, (uint32_t)off, off + n < len,
              msg + off, n);
  }
}

/* Moves queued frames between A and B until both queues are empty. */
static size_t move(struct fz *f, struct sf_ip *from, struct sf_ip *to) {
  struct sf_frame fr[256];
  size_t n, total = 0;
  while ((n = sf__ip_tx_take(from, 0, fr, 256)) > 0) {
    for (size_t i = 0; i < n; i++)
      sf__ip_input(to, 0, fr[i].data, fr[i].len, 0, f->now);
    sf__ip_tx_release(from, 0, n);
    total += n;
  }
  return total;
}

static void shuttle(struct fz *f) {
  while (move(f, f->a, f->b) + move(f, f->b, f->a) > 0)
    ;
}

static void check(struct fz *f) {
  const struct sf_reasm *r = &f->a->reasm;
  CHECK(sf__reasm_count(r) <= r->max_datagrams);
  CHECK(sf__reasm_bytes(r) <= r->max_bytes);
  const struct sf_ip_counters *a = sf__ip_counters(f->a);
  const struct sf_ip_counters *b = sf__ip_counters(f->b);
  /* B is never far behind: it reassembles every fragmented reply at once */
  CHECK(b->ip_reasm_ok == a->ip_out_fragmented);
  CHECK(b->ip_reasm_overlap == 0 && b->ip_reasm_bad_end == 0 &&
        b->ip_reasm_bad_frag == 0 && b->ip_reasm_too_big == 0);
}

static struct sf_ip *layer(uint32_t addr, const struct sf_eth_addr *mac,
                           unsigned mtu) {
  struct sf_ip_params p;
  sf__ip_params_default(&p);
  p.reasm_max_datagrams = 4;
  p.reasm_max_bytes = 65536 + SF_REASM_OVERHEAD + 8192;
  struct sf_ip *ip;
  CHECK(sf__ip_new(&p, NULL, &ip) == 0);
  struct sf_netif_config c = {.addr = sf_addr_v4(addr), .prefix_len = 24,
                              .mtu = mtu};
  memcpy(c.mac, mac->b, 6);
  CHECK(sf__ip_netif_add(ip, &c) == 0);
  return ip;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fz f = {.in = {.p = data, .left = size}, .now = SF_NSEC_PER_SEC};
  unsigned mtu = 68 + take16(&f) % (9000 - 67);
  f.a = layer(A_ADDR, &mac_a, mtu);
  f.b = layer(B_ADDR, &mac_b, 65535);
  /* A learns B's MAC from an ARP request */
  uint8_t arp[42];
  struct sf_eth_hdr e = {.dst = sf__eth_broadcast, .src = mac_b,
                         .ethertype = SF_ETHERTYPE_ARP};
  struct sf_arp a = {.oper = SF_ARP_OP_REQUEST, .sha = mac_b, .spa = B_ADDR,
                     .tpa = A_ADDR};
  sf__eth_emit(&e, arp, 14);
  sf__arp_emit(&a, arp + 14, 28);
  sf__ip_input(f.a, 0, arp, 42, 0, f.now);
  shuttle(&f);
  while (f.in.left) {
    switch (take(&f) % 3) {
    case 0:
      raw_fragment(&f);
      break;
    case 1:
      echo_request(&f);
      break;
    default:
      f.now += (sf_time_t)take(&f) * SF_NSEC_PER_SEC;
      sf__ip_poll(f.a, f.now);
      sf__ip_poll(f.b, f.now);
      CHECK(sf__ip_next_deadline(f.a) > f.now);
      break;
    }
    shuttle(&f);
    check(&f);
  }
  sf__ip_free(f.a);
  sf__ip_free(f.b);
  return 0;
}
