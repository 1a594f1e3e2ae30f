/*
 * libFuzzer target for whole frames: the describer (lib/wire/describe.c)
 * and the full parsing stack Ethernet -> ARP | IPv4 -> ICMP | TCP.
 *
 * Input: one Ethernet frame. Invariants (abort on violation):
 *   - sf__frame_describe never writes past cap (each buffer is malloc'd
 *     at exactly cap bytes, so ASan sees any overflow), always
 *     NUL-terminates, and a short buffer holds a prefix of the full line;
 *   - the full line is bounded (fits in 1024 bytes with room to spare);
 *   - every payload pointer and length a parser returns lies inside the
 *     input, and checksum-verified parses agree with skipped ones.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/describe.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/status.h"
#include "wire/tcp.h"

#include "fuzz.h"

#define FULL_CAP 1024

static void check_describe(const uint8_t *data, size_t size) {
  char *full = malloc(FULL_CAP);
  CHECK(full);
  CHECK(sf__frame_describe(data, size, full, FULL_CAP) == full);
  size_t n = strnlen(full, FULL_CAP);
  CHECK(n < FULL_CAP / 2);
  static const size_t caps[] = {0, 1, 2, 17, 40, 80};
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
    size_t cap = caps[i];
    char *out = malloc(cap ? cap : 1);
    CHECK(out);
    out[0] = 'x';
    CHECK(sf__frame_describe(data, size, out, cap) == out);
    if (cap == 0) {
      CHECK(out[0] == 'x'); /* untouched */
    } else {
      size_t m = strnlen(out, cap);
      CHECK(m < cap);
      CHECK(m == (n < cap - 1 ? n : cap - 1));
      CHECK(memcmp(out, full, m) == 0);
    }
    free(out);
  }
  free(full);
}

static void check_tcp(const struct sf_ipv4_hdr *ip, const uint8_t *data,
                      size_t size) {
  struct sf_tcp_hdr a, b;
  int rc_skip = sf__tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst,
                              SF_WIRE_SKIP_CHECKSUM, &a);
  int rc = sf__tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, 0, &b);
  if (rc == SF_WIRE_OK)
    CHECK(rc_skip == SF_WIRE_OK && a.payload == b.payload);
  if (rc_skip == SF_WIRE_OK)
    CHECK(sf_fuzz_inside(a.payload, a.payload_len, data, size) &&
          a.payload == ip->payload + a.hdr_len);
}

static void check_icmp(const struct sf_ipv4_hdr *ip, const uint8_t *data,
                       size_t size) {
  struct sf_icmp m;
  if (sf__icmp_parse(ip->payload, ip->payload_len, SF_WIRE_SKIP_CHECKSUM, &m) !=
      SF_WIRE_OK)
    return;
  CHECK(sf_fuzz_inside(m.body, m.body_len, data, size));
  CHECK(m.body_len + SF_ICMP_HDR_LEN == ip->payload_len);
  struct sf_icmp_quote q;
  if (sf__icmp_parse_quote(&m, &q) != SF_WIRE_OK)
    return;
  CHECK(sf_fuzz_inside(q.ip.payload, q.ip.payload_len, data, size));
  CHECK(sf_fuzz_inside(q.ip.options, q.ip.options_len, data, size));
  CHECK(q.ip.payload_len >= 8);
}

static void check_ipv4(const struct sf_eth_hdr *eth, const uint8_t *data,
                       size_t size) {
  struct sf_ipv4_hdr ip, ip_full;
  int rc = sf__ipv4_parse(eth->payload, eth->payload_len, SF_WIRE_SKIP_CHECKSUM,
                          &ip);
  int rc_full = sf__ipv4_parse(eth->payload, eth->payload_len, 0, &ip_full);
  if (rc_full == SF_WIRE_OK)
    CHECK(rc == SF_WIRE_OK && ip_full.payload_len == ip.payload_len);
  if (rc != SF_WIRE_OK)
    return;
  CHECK(sf_fuzz_inside(ip.options, ip.options_len, data, size));
  CHECK(sf_fuzz_inside(ip.payload, ip.payload_len, data, size));
  CHECK(ip.hdr_len + ip.payload_len <= eth->payload_len);
  if (ip.proto == SF_IPPROTO_TCP)
    check_tcp(&ip, data, size);
  else if (ip.proto == SF_IPPROTO_ICMP)
    check_icmp(&ip, data, size);
}

static void check_stack(const uint8_t *data, size_t size) {
  struct sf_eth_hdr eth;
  if (sf__eth_parse(data, size, &eth) != SF_WIRE_OK)
    return;
  CHECK(sf_fuzz_inside(eth.payload, eth.payload_len, data, size));
  if (eth.ethertype == SF_ETHERTYPE_ARP) {
    struct sf_arp a;
    int rc = sf__arp_parse(eth.payload, eth.payload_len, &a);
    if (rc == SF_WIRE_OK)
      CHECK(a.oper == SF_ARP_OP_REQUEST || a.oper == SF_ARP_OP_REPLY);
  } else if (eth.ethertype == SF_ETHERTYPE_IPV4) {
    check_ipv4(&eth, data, size);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_describe(data, size);
  check_stack(data, size);
  return 0;
}
