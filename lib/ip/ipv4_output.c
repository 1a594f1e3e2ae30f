/*
 * IPv4 output (ip.h, sf__ip_output): a datagram is routed, framed
 * (Ethernet and IPv4 headers around one copy of its payload) and handed
 * to the interface's queue, directly for a broadcast, else through ARP,
 * or to the loopback queue (local.c) when it is for one of our own
 * addresses. Datagrams without DF (everything but TCP) that exceed the
 * MTU are cut into fragments, except local ones: nothing on the way
 * needs them smaller.
 *
 * Entry points: sf__ip_output, sf__ip_output_tcp_offload, and
 * sf__ip_output2 for the rest of the layer (ip_internal.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "synfin.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define IPV4_MAX_LEN 65535 /* the total length field */

/* A datagram being sent: header fields and the payload in pieces that
 * live elsewhere (copied once, into the frame). */
struct dgram {
  uint32_t dst;
  uint8_t proto;
  bool df;
  uint16_t id;
  struct sf_ip_piece piece[SF_IP_MAX_PIECES];
  unsigned pieces;
};

static size_t dgram_len(const struct dgram *g) {
  size_t n = 0;
  for (unsigned i = 0; i < g->pieces; i++)
    n += g->piece[i].n;
  return n;
}

/* Copies bytes [off, off + len) of the payload's pieces to out. */
static void copy_range(const struct dgram *g, size_t off, size_t len,
                       uint8_t *out) {
  for (unsigned i = 0; i < g->pieces && len; i++) {
    const struct sf_ip_piece *pc = &g->piece[i];
    if (off >= pc->n) {
      off -= pc->n;
      continue;
    }
    size_t k = pc->n - off < len ? pc->n - off : len;
    memcpy(out, pc->p + off, k);
    out += k;
    len -= k;
    off = 0;
  }
}

/* Ethernet and IPv4 headers around a copy of payload bytes [off, off +
 * len): the whole datagram, or one fragment of it (more: MF). */
static struct sf_ip_frame *build(struct sf_ip *ip,
                                 const struct sf_netif *n,
                                 const struct dgram *g, size_t off,
                                 size_t len, bool more) {
  size_t hdrs = SF_ETH_HDR_LEN + SF_IPV4_MIN_HDR_LEN;
  struct sf_ip_frame *f = sf__ip_frame_alloc(&ip->frames, hdrs + len);
  if (!f)
    return NULL;
  /* The destination MAC is written once known (broadcast or ARP). */
  struct sf_eth_hdr eth = {.dst = sf__eth_broadcast,
                           .ethertype = SF_ETHERTYPE_IPV4};
  memcpy(eth.src.b, n->cfg.mac, SF_ETH_ADDR_LEN);
  sf__eth_emit(&eth, f->data, f->len);
  struct sf_ipv4_hdr h = {
      .id = g->id,
      .flags = (uint8_t)((g->df ? SF_IPV4_FLAG_DF : 0) |
                         (more ? SF_IPV4_FLAG_MF : 0)),
      .frag_offset = (uint16_t)(off / 8),
      .ttl = ip->params.ttl,
      .proto = g->proto,
      .src = n->cfg.addr.v4,
      .dst = g->dst,
      .payload_len = len};
  sf__ipv4_emit(&h, f->data + SF_ETH_HDR_LEN, f->len - SF_ETH_HDR_LEN);
  copy_range(g, off, len, f->data + hdrs);
  return f;
}

static int send_frame(struct sf_ip *ip, const struct sf_route *r,
                      struct sf_ip_frame *f, sf_time_t now) {
  struct sf_netif *n = ip->netifs[r->netif];
  return r->broadcast ? sf__netif_enqueue(ip, n, f)
                      : sf__arp_output(ip, n, r->next_hop.v4, f, now);
}

/*
 * RFC 791 "Fragmentation": every fragment but the last carries the
 * largest multiple of 8 bytes that fits the MTU, offsets count 8-byte
 * blocks, all carry the header (no options to choose from) and the same
 * identification. A fragment refused midway ends the datagram: the
 * receiver's reassembly times out on what went.
 */
static int output_fragments(struct sf_ip *ip, const struct sf_route *r,
                            const struct dgram *g, sf_time_t now) {
  const struct sf_netif *n = ip->netifs[r->netif];
  size_t step = (n->cfg.mtu - SF_IPV4_MIN_HDR_LEN) & ~(size_t)7;
  size_t total = dgram_len(g);
  int rc = 0;
  for (size_t off = 0; off < total && rc == 0; off += step) {
    size_t len = total - off < step ? total - off : step;
    struct sf_ip_frame *f = build(ip, n, g, off, len, off + len < total);
    if (!f)
      return SF_ENOMEM;
    rc = send_frame(ip, r, f, now);
    if (rc == 0)
      ip->ctr.ip_out_fragments++;
  }
  if (rc == 0)
    ip->ctr.ip_out_fragmented++;
  return rc;
}

/* Frames and sends g on route r; meta (may be NULL) is the link's work.
 * The size was checked by the caller against what the route allows; a
 * datagram without DF larger than the MTU goes in fragments. */
static int output(struct sf_ip *ip, const struct sf_route *r, struct dgram *g,
                  const struct sf_frame_meta *meta, sf_time_t now) {
  const struct sf_netif *n = ip->netifs[r->netif];
  size_t len = dgram_len(g);
  g->id = ip->next_ip_id++;
  int rc;
  if (r->local) {
    struct sf_ip_frame *f = build(ip, n, g, 0, len, false);
    if (!f)
      return SF_ENOMEM;
    rc = sf__ip_local_enqueue(ip, f);
  } else if (!g->df && len > n->cfg.mtu - SF_IPV4_MIN_HDR_LEN) {
    rc = output_fragments(ip, r, g, now);
  } else {
    struct sf_ip_frame *f = build(ip, n, g, 0, len, false);
    if (!f)
      return SF_ENOMEM;
    if (meta)
      f->meta = *meta;
    rc = send_frame(ip, r, f, now);
  }
  if (rc == 0)
    ip->ctr.ip_out_packets++;
  return rc;
}

/* The route from src to dst; a datagram without one is counted. */
static int route(struct sf_ip *ip, struct sf_addr src, struct sf_addr dst,
                 struct sf_route *r) {
  int rc = sf__route_lookup(ip, dst, src, r);
  if (rc < 0)
    ip->ctr.ip_out_no_route++;
  return rc;
}

int sf__ip_output2(struct sf_ip *ip, struct sf_addr src, struct sf_addr dst,
                   uint8_t proto, const uint8_t *p1, size_t n1,
                   const uint8_t *p2, size_t n2, sf_time_t now) {
  struct sf_route r;
  int rc = route(ip, src, dst, &r);
  if (rc < 0)
    return rc;
  /* Only TCP sets DF: it finds the path MTU itself (RFC 1191) and never
   * builds a segment over it. ICMP (echo replies, errors) is sent
   * without DF, as Linux does, so it may be fragmented on the way. */
  struct dgram g = {.dst = dst.v4, .proto = proto,
                    .df = proto == SF_IPPROTO_TCP,
                    .piece = {{p1, n1}, {p2, n2}}, .pieces = 2};
  size_t max = g.df ? ip->netifs[r.netif]->cfg.mtu : IPV4_MAX_LEN;
  if (n1 + n2 > max - SF_IPV4_MIN_HDR_LEN) {
    ip->ctr.ip_out_too_big++;
    return SF_EMSGSIZE;
  }
  return output(ip, &r, &g, NULL, now);
}

int sf__ip_output_tcp_offload(struct sf_ip *ip, struct sf_addr src,
                              struct sf_addr dst,
                              const struct sf_ip_piece *seg, unsigned pieces,
                              uint16_t gso_size, sf_time_t now) {
  struct dgram g = {.dst = dst.v4, .proto = SF_IPPROTO_TCP, .df = true};
  if (pieces > SF_IP_MAX_PIECES)
    return SF_EINVAL;
  if (pieces)
    memcpy(g.piece, seg, pieces * sizeof(*seg));
  g.pieces = pieces;
  size_t len = dgram_len(&g);
  struct sf_route r;
  int rc = route(ip, src, dst, &r);
  if (rc < 0)
    return rc;
  const struct sf_netif *n = ip->netifs[r.netif];
  bool gso = gso_size > 0;
  if (!(n->cfg.offload & SF_LINK_TX_CSUM) ||
      (gso && !(n->cfg.offload & SF_LINK_TX_TSO)) || len < SF_TCP_MIN_HDR_LEN)
    return SF_EINVAL;
  size_t max = gso ? 65535 : n->cfg.mtu;
  if (len > max - SF_IPV4_MIN_HDR_LEN) {
    ip->ctr.ip_out_too_big++;
    return SF_EMSGSIZE;
  }
  /* the TCP checksum field sits 16 bytes into the segment */
  struct sf_frame_meta meta = {
      .flags = SF_FRAME_CSUM_PARTIAL,
      .csum_start = SF_ETH_HDR_LEN + SF_IPV4_MIN_HDR_LEN,
      .csum_offset = 16,
  };
  if (gso) {
    meta.gso_type = SF_FRAME_GSO_TCPV4;
    meta.gso_size = gso_size;
  }
  return output(ip, &r, &g, &meta, now);
}

int sf__ip_output(struct sf_ip *ip, struct sf_addr src, struct sf_addr dst,
                  uint8_t proto, const uint8_t *payload, size_t payload_len,
                  sf_time_t now) {
  return sf__ip_output2(ip, src, dst, proto, payload, payload_len, NULL, 0,
                        now);
}
