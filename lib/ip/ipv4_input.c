/*
 * IPv4 input (RFC 791, RFC 1122 3.2.1): the header checks, the strong
 * host model (RFC 1122 3.3.4.2: a datagram is ours when it is addressed
 * to the receiving interface's address or to a broadcast address of that
 * interface), and delivery to ICMP or TCP. Fragments go to the
 * reassembly queue (reasm.c) and the datagrams it completes through the
 * same delivery as unfragmented ones; the ones that time out are
 * answered here with ICMP time exceeded.
 *
 * Entry points: sf__ipv4_input, sf__ipv4_input_local,
 * sf__ipv4_reasm_poll (ip_internal.h).
 */
#include "config.h"

#include <stdlib.h>

#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "ip/reasm.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/status.h"

#define ICMP_EXC_FRAGTIME 1 /* time exceeded: reassembly (RFC 792) */
/* sf__reasm_insert marks: a fragment came as a link-layer broadcast */
#define MARK_LINK_BCAST 0x1u

/* RFC 1122 3.2.1.3: sources a datagram can never come from. */
static bool martian_src(const struct sf_netif *n, uint32_t src) {
  return src == 0 || sf__ipv4_is_class_de(src) || sf__ipv4_is_loopback(src) ||
         (n->bcast && src == n->bcast) || src == n->cfg.addr.v4;
}

static void ipv4_deliver(struct sf_ip *ip, unsigned netif,
                         const struct sf_ipv4_hdr *h, bool to_broadcast,
                         unsigned rx_flags, sf_time_t now) {
  switch (h->proto) {
  case SF_IPPROTO_ICMP:
    ip->ctr.ip_in_delivered++;
    sf__icmp_input(ip, netif, h, to_broadcast, now);
    return;
  case SF_IPPROTO_TCP:
    /* RFC 9293 3.9.2.1 (and RFC 1122 4.2.3.10): TCP is point to point;
     * a segment sent to a broadcast address is not for a connection. */
    if (to_broadcast) {
      ip->ctr.ip_in_tcp_broadcast++;
      return;
    }
    ip->ctr.ip_in_delivered++;
    if (ip->up.tcp_input)
      ip->up.tcp_input(ip->up.ctx, netif, h, rx_flags, now);
    return;
  default:
    ip->ctr.ip_in_unknown_proto++;
    return;
  }
}

/*
 * RFC 1122 3.3.2: a fragment that passed the header checks goes to the
 * reassembly queue; a datagram it completes is delivered as if it had
 * come whole. Its transport checksum is always verified (rx_flags 0): a
 * link's checksum offload never covers a reassembled datagram. It is a
 * broadcast if any of its fragments came as a link broadcast.
 */
static void reasm_input(struct sf_ip *ip, unsigned netif,
                        const struct sf_ipv4_hdr *frag, bool ip_bcast,
                        bool link_bcast, sf_time_t now) {
  ip->ctr.ip_in_fragments++;
  struct sf_reasm_out out;
  if (sf__reasm_insert(&ip->reasm, frag, link_bcast ? MARK_LINK_BCAST : 0,
                       now, &out) != SF_REASM_DONE)
    return;
  struct sf_ipv4_hdr h;
  /* reasm.c built the header from one that parsed: this cannot fail */
  if (sf__ipv4_parse(out.data, out.len, 0, &h) == SF_WIRE_OK)
    ipv4_deliver(ip, netif, &h, ip_bcast || (out.marks & MARK_LINK_BCAST),
                 0, now);
  free(out.data);
}

void sf__ipv4_input(struct sf_ip *ip, unsigned netif,
                    const struct sf_eth_hdr *eth, unsigned rx_flags,
                    sf_time_t now) {
  const struct sf_netif *n = ip->netifs[netif];
  struct sf_ipv4_hdr h;
  /* The header checksum is always verified: rx_flags speaks only for
   * the transport checksum. */
  int rc = sf__ipv4_parse(eth->payload, eth->payload_len, 0, &h);
  if (rc == SF_WIRE_BAD_CHECKSUM) {
    ip->ctr.ip_in_bad_checksum++;
    return;
  }
  if (rc != SF_WIRE_OK) {
    ip->ctr.ip_in_bad_header++;
    return;
  }
  if (martian_src(n, h.src)) {
    ip->ctr.ip_in_martian_src++;
    return;
  }
  bool ip_bcast = sf__netif_is_bcast(n, h.dst);
  if (!ip_bcast && h.dst != n->cfg.addr.v4) {
    ip->ctr.ip_in_not_our_addr++;
    return;
  }
  /* RFC 1122 3.3.6: a link-layer broadcast counts as a broadcast even
   * when the IP destination is our unicast address. */
  bool link_bcast = sf__eth_addr_is_broadcast(&eth->dst);
  if (sf__ipv4_is_fragment(&h)) {
    reasm_input(ip, netif, &h, ip_bcast, link_bcast, now);
    return;
  }
  ipv4_deliver(ip, netif, &h, ip_bcast || link_bcast, rx_flags, now);
}

/* Our own datagrams pass none of the checks above: their source is one
 * of our addresses (a martian from a link), and they are never
 * fragments (ipv4_output.c does not cut local datagrams). */
void sf__ipv4_input_local(struct sf_ip *ip, const uint8_t *d, size_t len,
                          sf_time_t now) {
  struct sf_ipv4_hdr h;
  if (sf__ipv4_parse(d, len, 0, &h) != SF_WIRE_OK) {
    ip->ctr.ip_in_bad_header++;
    return;
  }
  int netif = sf__ip_netif_by_addr(ip, sf_addr_v4(h.dst));
  /* the interface went away while the datagram waited */
  if (netif < 0) {
    ip->ctr.ip_in_not_our_addr++;
    return;
  }
  ipv4_deliver(ip, (unsigned)netif, &h, false, SF_WIRE_SKIP_CHECKSUM, now);
}

/* ---------------------------------------------------- reassembly timeout */

struct expire_ctx {
  struct sf_ip *ip;
  sf_time_t now;
};

/* RFC 1122 3.2.2: no ICMP error about an ICMP error. */
static bool quotes_icmp_error(const struct sf_reasm_expired *e) {
  size_t hl = (size_t)(e->quote[0] & 0x0f) * 4;
  if (e->proto != SF_IPPROTO_ICMP || e->quote_len <= hl)
    return false;
  uint8_t type = e->quote[hl];
  return type == SF_ICMP_DEST_UNREACH || type == 4 /* source quench */ ||
         type == 5 /* redirect */ || type == SF_ICMP_TIME_EXCEEDED ||
         type == SF_ICMP_PARAM_PROBLEM;
}

/*
 * A reassembly that timed out after fragment 0 came: RFC 1122 3.3.2
 * (and RFC 792) send time exceeded, code 1, quoting fragment 0's header
 * and first 8 data bytes, from the address it was sent to. Not for a
 * datagram to a broadcast (by IP or by link) nor about an ICMP error
 * (RFC 1122 3.2.2).
 */
static void reasm_expired(void *ctx, const struct sf_reasm_expired *e) {
  struct expire_ctx *x = ctx;
  struct sf_ip *ip = x->ip;
  struct sf_addr us = sf_addr_v4(e->dst);
  if ((e->marks & MARK_LINK_BCAST) || sf__ip_netif_by_addr(ip, us) < 0 ||
      quotes_icmp_error(e))
    return;
  uint8_t hdr[SF_ICMP_HDR_LEN] = {SF_ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME};
  uint32_t sum = sf__csum_add(0, hdr, sizeof(hdr));
  sum = sf__csum_add(sum, e->quote, e->quote_len);
  sf__store_be16(hdr + 2, sf__csum_finish(sum));
  if (sf__ip_output2(ip, us, sf_addr_v4(e->src), SF_IPPROTO_ICMP, hdr,
                     sizeof(hdr), e->quote, e->quote_len, x->now) == 0)
    ip->ctr.icmp_out_time_exceeded++;
}

void sf__ipv4_reasm_poll(struct sf_ip *ip, sf_time_t now) {
  struct expire_ctx x = {ip, now};
  sf__reasm_poll(&ip->reasm, now, reasm_expired, &x);
}
