/*
 * The IP layer (ip.h): interfaces, routing, Ethernet and IPv4 input, ARP
 * packets in and out, IPv4 output and the per-interface transmit queues,
 * and the ARP timers. The ARP cache's bookkeeping lives in arp_cache.c,
 * ICMP in icmp_input.c.
 *
 * Entry points: sf__ip_{params_default,new,free}, sf__ip_netif_{add,
 * remove,config,by_addr}, sf__ip_route, sf__ip_input, sf__ip_output
 * (and sf__ip_output2 for icmp_input.c), sf__ip_tx_{take,release,pending},
 * sf__ip_{next_deadline,poll,counters}.
 *
 * Fragments go to the reassembly queue (reasm.c) and the datagrams it
 * completes through the same delivery as unfragmented ones; its timeouts
 * are polled here and answered with ICMP time exceeded. Output cuts
 * datagrams without DF (everything but TCP) to the MTU.
 *
 * Input follows the strong host model (RFC 1122 3.3.4.2): a datagram is
 * ours when it is addressed to the receiving interface's address or to a
 * broadcast address of that interface.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "synfin.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/status.h"

#define LIMITED_BROADCAST 0xffffffffu
#define IPV4_MIN_MTU 68 /* RFC 791: every host must take 68 bytes */
#define IPV4_MAX_MTU 65535
#define IPV4_MAX_LEN 65535 /* the total length field */
#define REASM_DATAGRAMS_MAX 1024
#define REASM_BYTES_MAX ((size_t)1 << 30)
#define ICMP_EXC_FRAGTIME 1 /* time exceeded: reassembly (RFC 792) */
/* sf__reasm_insert marks: a fragment came as a link-layer broadcast */
#define MARK_LINK_BCAST 0x1u
#define ARP_CACHE_SIZE_MAX 65536
#define TX_QUEUE_MAX_LIMIT (1u << 20)
#define ARP_FRAME_LEN (SF_ETH_HDR_LEN + SF_ARP_LEN)

static const struct sf_eth_addr eth_zero = {{0, 0, 0, 0, 0, 0}};

/* ------------------------------------------------------------ addresses */

static bool is_loopback(uint32_t a) { return (a >> 24) == 127; }
/* Class D and E and the limited broadcast: never a host's address. */
static bool is_class_de(uint32_t a) { return a >= 0xe0000000u; }

static uint32_t prefix_mask(uint8_t len) {
  return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static bool on_link(const struct sf_netif *n, uint32_t a) {
  return (a & n->mask) == (n->cfg.addr & n->mask);
}

static bool is_bcast_of(const struct sf_netif *n, uint32_t a) {
  return a == LIMITED_BROADCAST || (n->bcast && a == n->bcast);
}

static struct sf_netif *netif_get(const struct sf_ip *ip, unsigned i) {
  return i < SF_IP_MAX_NETIFS ? ip->netifs[i] : NULL;
}

/* -------------------------------------------------------- create, free */

void sf__ip_params_default(struct sf_ip_params *p) {
  p->arp_retries = 3;
  p->arp_retry_interval = SF_NSEC_PER_SEC;
  p->arp_reachable_time = 60 * SF_NSEC_PER_SEC;
  /* about what Linux parks per neighbour (unres_qlen_bytes / a SYN):
   * a burst of connects to one host must not lose its first SYNs */
  p->arp_pending_max = 100;
  p->arp_cache_size = 256;
  p->tx_queue_max = 4096;
  p->ttl = 64;
  /* Linux's ipfrag_time; its ipfrag_high_thresh is 4 MiB per netns */
  p->reasm_max_datagrams = 64;
  p->reasm_max_bytes = (size_t)1 << 20;
  p->reasm_timeout = 30 * SF_NSEC_PER_SEC;
}

static bool params_valid(const struct sf_ip_params *p) {
  return p->arp_retries >= 1 && p->arp_retry_interval > 0 &&
         p->arp_reachable_time > 0 && p->arp_pending_max >= 1 &&
         p->arp_cache_size >= 1 && p->arp_cache_size <= ARP_CACHE_SIZE_MAX &&
         p->tx_queue_max >= 1 && p->tx_queue_max <= TX_QUEUE_MAX_LIMIT &&
         p->ttl >= 1 && p->reasm_max_datagrams >= 1 &&
         p->reasm_max_datagrams <= REASM_DATAGRAMS_MAX &&
         /* one datagram of the largest size must fit */
         p->reasm_max_bytes >= 65536 + SF_REASM_OVERHEAD &&
         p->reasm_max_bytes <= REASM_BYTES_MAX && p->reasm_timeout > 0;
}

int sf__ip_new(const struct sf_ip_params *params,
               const struct sf_ip_upcalls *up, struct sf_ip **out) {
  struct sf_ip_params def;
  if (!params) {
    sf__ip_params_default(&def);
    params = &def;
  }
  if (!out || !params_valid(params))
    return SF_EINVAL;
  struct sf_ip *ip = calloc(1, sizeof(*ip));
  if (!ip)
    return SF_ENOMEM;
  ip->params = *params;
  if (up)
    ip->up = *up;
  sf__reasm_init(&ip->reasm, &ip->params, &ip->ctr);
  *out = ip;
  return 0;
}

static void netif_destroy(struct sf_netif *n) {
  sf__arp_cache_destroy(&n->arp);
  sf__ip_frame_list_clear(&n->txq);
  free(n);
}

void sf__ip_free(struct sf_ip *ip) {
  if (!ip)
    return;
  for (unsigned i = 0; i < SF_IP_MAX_NETIFS; i++)
    if (ip->netifs[i])
      netif_destroy(ip->netifs[i]);
  sf__reasm_destroy(&ip->reasm);
  free(ip);
}

/* ----------------------------------------------------------- interfaces */

static bool config_valid(const struct sf_netif_config *c) {
  struct sf_eth_addr mac;
  memcpy(mac.b, c->mac, sizeof(mac.b));
  if (sf__eth_addr_is_multicast(&mac) || sf__eth_addr_eq(&mac, &eth_zero))
    return false;
  if (c->prefix_len > 32 || c->mtu < IPV4_MIN_MTU || c->mtu > IPV4_MAX_MTU)
    return false;
  if (c->addr == 0 || is_class_de(c->addr) || is_loopback(c->addr))
    return false;
  if (c->gateway == 0)
    return true;
  /* The gateway is a next hop: it must be on the link, and not us. */
  uint32_t m = prefix_mask(c->prefix_len);
  return c->gateway != c->addr && (c->gateway & m) == (c->addr & m) &&
         !is_class_de(c->gateway);
}

int sf__ip_netif_add(struct sf_ip *ip, const struct sf_netif_config *cfg) {
  if (!cfg || !config_valid(cfg))
    return SF_EINVAL;
  int slot = -1;
  for (int i = SF_IP_MAX_NETIFS - 1; i >= 0; i--) {
    if (!ip->netifs[i])
      slot = i;
    else if (ip->netifs[i]->cfg.addr == cfg->addr)
      return SF_EADDRINUSE;
  }
  if (slot < 0)
    return SF_ENOSPC;
  struct sf_netif *n = calloc(1, sizeof(*n));
  if (!n)
    return SF_ENOMEM;
  if (sf__arp_cache_init(&n->arp, &ip->params, &ip->ctr) < 0) {
    free(n);
    return SF_ENOMEM;
  }
  n->cfg = *cfg;
  n->id = ++ip->next_netif_id;
  n->mask = prefix_mask(cfg->prefix_len);
  /* RFC 3021: a /31 has no broadcast address; a /32 has no subnet. */
  n->bcast = cfg->prefix_len <= 30 ? (cfg->addr | ~n->mask) : 0;
  ip->netifs[slot] = n;
  return slot;
}

void sf__ip_netif_remove(struct sf_ip *ip, unsigned netif) {
  struct sf_netif *n = netif_get(ip, netif);
  if (!n)
    return;
  ip->netifs[netif] = NULL;
  netif_destroy(n);
}

const struct sf_netif_config *sf__ip_netif_config(const struct sf_ip *ip,
                                                  unsigned netif) {
  const struct sf_netif *n = netif_get(ip, netif);
  return n ? &n->cfg : NULL;
}

int sf__ip_netif_by_addr(const struct sf_ip *ip, uint32_t addr) {
  for (int i = 0; i < SF_IP_MAX_NETIFS; i++)
    if (ip->netifs[i] && ip->netifs[i]->cfg.addr == addr)
      return i;
  return -1;
}

/* -------------------------------------------------------------- routing */

struct route {
  unsigned netif;
  uint32_t next_hop;
  bool broadcast;
};

/* Longest-prefix on-link interface, else the first with a gateway. */
static int route_lookup(const struct sf_ip *ip, uint32_t dst,
                        uint32_t src_hint, struct route *r) {
  /* Nothing to route to: "this host", loopback (no loopback device
   * here), multicast and class E, our own addresses. */
  if (dst == 0 || is_loopback(dst) ||
      (is_class_de(dst) && dst != LIMITED_BROADCAST) ||
      sf__ip_netif_by_addr(ip, dst) >= 0)
    return SF_ENETUNREACH;
  int best = -1, gw = -1;
  for (int i = 0; i < SF_IP_MAX_NETIFS; i++) {
    const struct sf_netif *n = ip->netifs[i];
    if (!n || (src_hint && n->cfg.addr != src_hint))
      continue;
    if (dst == LIMITED_BROADCAST || on_link(n, dst)) {
      if (best < 0 || n->cfg.prefix_len > ip->netifs[best]->cfg.prefix_len)
        best = i;
    } else if (n->cfg.gateway && gw < 0) {
      gw = i;
    }
  }
  if (best >= 0) {
    r->netif = (unsigned)best;
    r->next_hop = dst;
    r->broadcast = is_bcast_of(ip->netifs[best], dst);
    return 0;
  }
  if (gw < 0)
    return SF_ENETUNREACH;
  r->netif = (unsigned)gw;
  r->next_hop = ip->netifs[gw]->cfg.gateway;
  r->broadcast = false;
  return 0;
}

int sf__ip_route(const struct sf_ip *ip, uint32_t dst, uint32_t src_hint,
                 unsigned *netif, uint32_t *src, unsigned *mtu) {
  struct route r;
  int rc = route_lookup(ip, dst, src_hint, &r);
  if (rc < 0)
    return rc;
  const struct sf_netif *n = ip->netifs[r.netif];
  if (netif)
    *netif = r.netif;
  if (src)
    *src = n->cfg.addr;
  if (mtu)
    *mtu = n->cfg.mtu;
  return 0;
}

/* ------------------------------------------------------- transmit queue */

/* Queues f on n, or frees it when the queue is full. */
static int enqueue(struct sf_ip *ip, struct sf_netif *n,
                   struct sf_ip_frame *f) {
  if (n->txq.count >= ip->params.tx_queue_max) {
    free(f);
    ip->ctr.ip_out_queue_full++;
    return SF_ENOBUFS;
  }
  sf__ip_frame_list_push(&n->txq, f);
  return 0;
}

size_t sf__ip_tx_take(struct sf_ip *ip, unsigned netif, struct sf_frame *out,
                      size_t max) {
  struct sf_netif *n = netif_get(ip, netif);
  if (!n)
    return 0;
  size_t k = 0;
  for (struct sf_ip_frame *f = n->txq.head; f && k < max; f = f->next, k++) {
    out[k].data = f->data;
    out[k].len = f->len;
    out[k].cap = f->len;
    out[k].meta = f->meta;
  }
  return k;
}

void sf__ip_tx_release(struct sf_ip *ip, unsigned netif, size_t n) {
  struct sf_netif *nif = netif_get(ip, netif);
  if (!nif)
    return;
  while (n-- > 0) {
    struct sf_ip_frame *f = sf__ip_frame_list_pop(&nif->txq);
    if (!f)
      break;
    free(f);
  }
}

size_t sf__ip_tx_pending(const struct sf_ip *ip, unsigned netif) {
  const struct sf_netif *n = netif_get(ip, netif);
  return n ? n->txq.count : 0;
}

/* -------------------------------------------------------------- ARP out */

static int arp_send(struct sf_ip *ip, struct sf_netif *n, uint16_t oper,
                    const struct sf_eth_addr *eth_dst,
                    const struct sf_eth_addr *tha, uint32_t tpa) {
  struct sf_ip_frame *f = sf__ip_frame_alloc(ARP_FRAME_LEN);
  if (!f)
    return SF_ENOMEM;
  struct sf_eth_hdr eth = {.dst = *eth_dst, .ethertype = SF_ETHERTYPE_ARP};
  memcpy(eth.src.b, n->cfg.mac, SF_ETH_ADDR_LEN);
  struct sf_arp a = {
      .oper = oper, .sha = eth.src, .spa = n->cfg.addr, .tha = *tha, .tpa = tpa};
  sf__eth_emit(&eth, f->data, f->len);
  sf__arp_emit(&a, f->data + SF_ETH_HDR_LEN, f->len - SF_ETH_HDR_LEN);
  return enqueue(ip, n, f);
}

/* A broadcast request; the target hardware address is left zero, as
 * RFC 826 says it is "not yet known" (RFC 5227 1.1 agrees). */
static void arp_send_request(struct sf_ip *ip, struct sf_netif *n,
                             uint32_t target) {
  if (arp_send(ip, n, SF_ARP_OP_REQUEST, &sf__eth_broadcast, &eth_zero,
               target) == 0)
    ip->ctr.arp_requests_sent++;
}

struct poll_ctx {
  struct sf_ip *ip;
  struct sf_netif *n;
};

static void poll_send_request(void *ctx, uint32_t target) {
  struct poll_ctx *pc = ctx;
  arp_send_request(pc->ip, pc->n, target);
}

/* Frames released by a resolution: addressed and queued, oldest first. */
static void send_released(struct sf_ip *ip, struct sf_netif *n,
                          struct sf_ip_frame_list *l,
                          const struct sf_eth_addr *mac) {
  struct sf_ip_frame *f;
  while ((f = sf__ip_frame_list_pop(l)) != NULL) {
    memcpy(f->data, mac->b, SF_ETH_ADDR_LEN);
    enqueue(ip, n, f);
  }
}

/* --------------------------------------------------------------- ARP in */

static bool learnable(const struct sf_arp *a) {
  return a->spa != 0 && !is_class_de(a->spa) &&
         !sf__eth_addr_is_multicast(&a->sha) &&
         !sf__eth_addr_eq(&a->sha, &eth_zero);
}

static void arp_input(struct sf_ip *ip, struct sf_netif *n,
                      const struct sf_eth_hdr *eth, sf_time_t now) {
  struct sf_arp a;
  ip->ctr.arp_in++;
  if (sf__arp_parse(eth->payload, eth->payload_len, &a) != SF_WIRE_OK) {
    ip->ctr.arp_in_bad++;
    return;
  }
  /*
   * Another host says it has our address (a gratuitous ARP or a conflict,
   * RFC 5227 2.4): we do not defend it, and we never learn our own
   * address as someone else's.
   */
  if (a.spa == n->cfg.addr) {
    ip->ctr.arp_in_conflict++;
    return;
  }
  bool for_us = a.tpa == n->cfg.addr;
  bool request = a.oper == SF_ARP_OP_REQUEST;
  /*
   * RFC 826 "Packet reception": merge the sender into an existing entry;
   * add it only when the packet is a request for us (a reply we did not
   * ask for creates nothing, which keeps unsolicited replies from
   * filling the cache, as Linux does with arp_accept=0).
   */
  if (learnable(&a)) {
    struct sf_ip_frame_list released = {0};
    sf__arp_cache_update(&n->arp, a.spa, &a.sha, for_us && request, now,
                         &released);
    send_released(ip, n, &released, &a.sha);
  }
  /* An ARP probe (sender 0.0.0.0, RFC 5227 2.1.1) is answered too. */
  if (for_us && request &&
      arp_send(ip, n, SF_ARP_OP_REPLY, &a.sha, &a.sha, a.spa) == 0)
    ip->ctr.arp_requests_answered++;
}

/* -------------------------------------------------------------- IPv4 in */

/* RFC 1122 3.2.1.3: sources a datagram can never come from. */
static bool martian_src(const struct sf_netif *n, uint32_t src) {
  return src == 0 || is_class_de(src) || is_loopback(src) ||
         (n->bcast && src == n->bcast) || src == n->cfg.addr;
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

static void ipv4_input(struct sf_ip *ip, unsigned netif,
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
  bool ip_bcast = is_bcast_of(n, h.dst);
  if (!ip_bcast && h.dst != n->cfg.addr) {
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

void sf__ip_input(struct sf_ip *ip, unsigned netif, const uint8_t *frame,
                  size_t len, unsigned meta_flags, sf_time_t now) {
  struct sf_netif *n = netif_get(ip, netif);
  if (!n)
    return;
  ip->ctr.ip_in_frames++;
  struct sf_eth_hdr eth;
  if (sf__eth_parse(frame, len, &eth) != SF_WIRE_OK) {
    ip->ctr.ip_in_bad_eth++;
    return;
  }
  struct sf_eth_addr mac;
  memcpy(mac.b, n->cfg.mac, SF_ETH_ADDR_LEN);
  /* A packet socket may hand back what we sent ourselves. */
  if (sf__eth_addr_eq(&eth.src, &mac)) {
    ip->ctr.ip_in_looped++;
    return;
  }
  if (!sf__eth_addr_eq(&eth.dst, &mac) &&
      !sf__eth_addr_is_broadcast(&eth.dst)) {
    ip->ctr.ip_in_not_for_us++;
    return;
  }
  /* No VLAN support: a tagged frame belongs to another network. */
  if (eth.has_vlan) {
    ip->ctr.ip_in_unknown_ethertype++;
    return;
  }
  if (eth.ethertype == SF_ETHERTYPE_ARP)
    arp_input(ip, n, &eth, now);
  else if (eth.ethertype == SF_ETHERTYPE_IPV4)
    ipv4_input(ip, netif, &eth,
               sf__frame_csum_vouched(meta_flags) ? SF_WIRE_SKIP_CHECKSUM : 0,
               now);
  else
    ip->ctr.ip_in_unknown_ethertype++;
}

/* ------------------------------------------------------------- IPv4 out */

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
static struct sf_ip_frame *build(const struct sf_ip *ip,
                                 const struct sf_netif *n,
                                 const struct dgram *g, size_t off,
                                 size_t len, bool more) {
  size_t hdrs = SF_ETH_HDR_LEN + SF_IPV4_MIN_HDR_LEN;
  struct sf_ip_frame *f = sf__ip_frame_alloc(hdrs + len);
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
      .src = n->cfg.addr,
      .dst = g->dst,
      .payload_len = len};
  sf__ipv4_emit(&h, f->data + SF_ETH_HDR_LEN, f->len - SF_ETH_HDR_LEN);
  copy_range(g, off, len, f->data + hdrs);
  return f;
}

/* Addresses f to next_hop through the ARP cache: queued or parked. */
static int send_via_arp(struct sf_ip *ip, struct sf_netif *n,
                        uint32_t next_hop, struct sf_ip_frame *f,
                        sf_time_t now) {
  struct sf_eth_addr mac;
  int rc = sf__arp_cache_resolve(&n->arp, next_hop, f, now, &mac);
  switch (rc) {
  case SF_ARP_HIT:
    memcpy(f->data, mac.b, SF_ETH_ADDR_LEN);
    return enqueue(ip, n, f);
  case SF_ARP_SEND_REQUEST:
    arp_send_request(ip, n, next_hop);
    return 0;
  case SF_ARP_PARKED:
    return 0;
  default:
    free(f);
    return rc;
  }
}

static int send_frame(struct sf_ip *ip, const struct route *r,
                      struct sf_ip_frame *f, sf_time_t now) {
  struct sf_netif *n = ip->netifs[r->netif];
  return r->broadcast ? enqueue(ip, n, f)
                      : send_via_arp(ip, n, r->next_hop, f, now);
}

/*
 * RFC 791 "Fragmentation": every fragment but the last carries the
 * largest multiple of 8 bytes that fits the MTU, offsets count 8-byte
 * blocks, all carry the header (no options to choose from) and the same
 * identification. A fragment refused midway ends the datagram: the
 * receiver's reassembly times out on what went.
 */
static int output_fragments(struct sf_ip *ip, const struct route *r,
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
static int output(struct sf_ip *ip, const struct route *r, struct dgram *g,
                  const struct sf_frame_meta *meta, sf_time_t now) {
  const struct sf_netif *n = ip->netifs[r->netif];
  size_t len = dgram_len(g);
  g->id = ip->next_ip_id++;
  int rc;
  if (!g->df && len > n->cfg.mtu - SF_IPV4_MIN_HDR_LEN) {
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

int sf__ip_output2(struct sf_ip *ip, uint32_t src, uint32_t dst,
                   uint8_t proto, const uint8_t *p1, size_t n1,
                   const uint8_t *p2, size_t n2, sf_time_t now) {
  struct route r;
  if (route_lookup(ip, dst, src, &r) < 0) {
    ip->ctr.ip_out_no_route++;
    return SF_ENETUNREACH;
  }
  /* Only TCP sets DF: it finds the path MTU itself (RFC 1191) and never
   * builds a segment over it. ICMP (echo replies, errors) is sent
   * without DF, as Linux does, so it may be fragmented on the way. */
  struct dgram g = {.dst = dst, .proto = proto,
                    .df = proto == SF_IPPROTO_TCP,
                    .piece = {{p1, n1}, {p2, n2}}, .pieces = 2};
  size_t max = g.df ? ip->netifs[r.netif]->cfg.mtu : IPV4_MAX_LEN;
  if (n1 + n2 > max - SF_IPV4_MIN_HDR_LEN) {
    ip->ctr.ip_out_too_big++;
    return SF_EMSGSIZE;
  }
  return output(ip, &r, &g, NULL, now);
}

unsigned sf__ip_netif_offload(const struct sf_ip *ip, unsigned netif) {
  const struct sf_netif *n = netif_get(ip, netif);
  return n ? n->cfg.offload : 0;
}

int sf__ip_output_tcp_offload(struct sf_ip *ip, uint32_t src, uint32_t dst,
                              const struct sf_ip_piece *seg, unsigned pieces,
                              uint16_t gso_size, sf_time_t now) {
  struct dgram g = {.dst = dst, .proto = SF_IPPROTO_TCP, .df = true};
  if (pieces > SF_IP_MAX_PIECES)
    return SF_EINVAL;
  if (pieces)
    memcpy(g.piece, seg, pieces * sizeof(*seg));
  g.pieces = pieces;
  size_t len = dgram_len(&g);
  struct route r;
  if (route_lookup(ip, dst, src, &r) < 0) {
    ip->ctr.ip_out_no_route++;
    return SF_ENETUNREACH;
  }
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

int sf__ip_output(struct sf_ip *ip, uint32_t src, uint32_t dst, uint8_t proto,
                  const uint8_t *payload, size_t payload_len, sf_time_t now) {
  return sf__ip_output2(ip, src, dst, proto, payload, payload_len, NULL, 0,
                        now);
}

/* --------------------------------------------------------------- timers */

sf_time_t sf__ip_next_deadline(const struct sf_ip *ip) {
  sf_time_t t = SF_TIME_NEVER;
  for (unsigned i = 0; i < SF_IP_MAX_NETIFS; i++) {
    if (!ip->netifs[i])
      continue;
    sf_time_t d = sf__arp_cache_next_deadline(&ip->netifs[i]->arp);
    if (d < t)
      t = d;
  }
  sf_time_t r = sf__reasm_next_deadline(&ip->reasm);
  return r < t ? r : t;
}

/*
 * Reports the hops of interface i that failed, one upcall at a time; the
 * upcall may send (refused: the entry is held) or even remove the
 * interface, so the interface is looked up again after each one.
 */
static void report_failed(struct sf_ip *ip, unsigned i, sf_time_t now) {
  uint64_t id = ip->netifs[i]->id;
  uint32_t hop;
  while (ip->netifs[i] && ip->netifs[i]->id == id &&
         sf__arp_cache_pop_failed(&ip->netifs[i]->arp, &hop)) {
    if (ip->up.unreachable)
      ip->up.unreachable(ip->up.ctx, i, hop, now);
  }
}

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
  if ((e->marks & MARK_LINK_BCAST) || sf__ip_netif_by_addr(ip, e->dst) < 0 ||
      quotes_icmp_error(e))
    return;
  uint8_t hdr[SF_ICMP_HDR_LEN] = {SF_ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME};
  uint32_t sum = sf__csum_add(0, hdr, sizeof(hdr));
  sum = sf__csum_add(sum, e->quote, e->quote_len);
  sf__store_be16(hdr + 2, sf__csum_finish(sum));
  if (sf__ip_output2(ip, e->dst, e->src, SF_IPPROTO_ICMP, hdr, sizeof(hdr),
                     e->quote, e->quote_len, x->now) == 0)
    ip->ctr.icmp_out_time_exceeded++;
}

void sf__ip_poll(struct sf_ip *ip, sf_time_t now) {
  if (sf__reasm_next_deadline(&ip->reasm) <= now) {
    struct expire_ctx x = {ip, now};
    sf__reasm_poll(&ip->reasm, now, reasm_expired, &x);
  }
  for (unsigned i = 0; i < SF_IP_MAX_NETIFS; i++) {
    struct sf_netif *n = ip->netifs[i];
    if (!n || sf__arp_cache_next_deadline(&n->arp) > now)
      continue;
    struct poll_ctx pc = {ip, n};
    sf__arp_cache_poll(&n->arp, now, poll_send_request, &pc);
    report_failed(ip, i, now);
  }
}

const struct sf_ip_counters *sf__ip_counters(const struct sf_ip *ip) {
  return &ip->ctr;
}
