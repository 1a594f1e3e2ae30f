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
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/status.h"

#define LIMITED_BROADCAST 0xffffffffu
#define IPV4_MIN_MTU 68 /* RFC 791: every host must take 68 bytes */
#define IPV4_MAX_MTU 65535
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
}

static bool params_valid(const struct sf_ip_params *p) {
  return p->arp_retries >= 1 && p->arp_retry_interval > 0 &&
         p->arp_reachable_time > 0 && p->arp_pending_max >= 1 &&
         p->arp_cache_size >= 1 && p->arp_cache_size <= ARP_CACHE_SIZE_MAX &&
         p->tx_queue_max >= 1 && p->tx_queue_max <= TX_QUEUE_MAX_LIMIT &&
         p->ttl >= 1;
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
  if (sf__ipv4_is_fragment(&h)) {
    ip->ctr.ip_in_fragments++;
    return;
  }
  /* RFC 1122 3.3.6: a link-layer broadcast counts as a broadcast even
   * when the IP destination is our unicast address. */
  bool to_broadcast = ip_bcast || sf__eth_addr_is_broadcast(&eth->dst);
  ipv4_deliver(ip, netif, &h, to_broadcast, rx_flags, now);
}

void sf__ip_input(struct sf_ip *ip, unsigned netif, const uint8_t *frame,
                  size_t len, unsigned rx_flags, sf_time_t now) {
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
    ipv4_input(ip, netif, &eth, rx_flags, now);
  else
    ip->ctr.ip_in_unknown_ethertype++;
}

/* ------------------------------------------------------------- IPv4 out */

/* Ethernet and IPv4 headers around a copy of the two payload pieces. */
static struct sf_ip_frame *build(struct sf_ip *ip, const struct sf_netif *n,
                                 uint32_t dst, uint8_t proto,
                                 const uint8_t *p1, size_t n1,
                                 const uint8_t *p2, size_t n2) {
  size_t hdrs = SF_ETH_HDR_LEN + SF_IPV4_MIN_HDR_LEN;
  struct sf_ip_frame *f = sf__ip_frame_alloc(hdrs + n1 + n2);
  if (!f)
    return NULL;
  /* The destination MAC is written once known (broadcast or ARP). */
  struct sf_eth_hdr eth = {.dst = sf__eth_broadcast,
                           .ethertype = SF_ETHERTYPE_IPV4};
  memcpy(eth.src.b, n->cfg.mac, SF_ETH_ADDR_LEN);
  sf__eth_emit(&eth, f->data, f->len);
  struct sf_ipv4_hdr h = {.id = ip->next_ip_id++,
                          .flags = SF_IPV4_FLAG_DF,
                          .ttl = ip->params.ttl,
                          .proto = proto,
                          .src = n->cfg.addr,
                          .dst = dst,
                          .payload_len = n1 + n2};
  sf__ipv4_emit(&h, f->data + SF_ETH_HDR_LEN, f->len - SF_ETH_HDR_LEN);
  if (n1)
    memcpy(f->data + hdrs, p1, n1);
  if (n2)
    memcpy(f->data + hdrs + n1, p2, n2);
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

/* Routes, frames and sends; meta (may be NULL) is the link's work. The
 * size was checked by the caller against what the route allows. */
static int output(struct sf_ip *ip, const struct route *r, uint32_t dst,
                  uint8_t proto, const uint8_t *p1, size_t n1,
                  const uint8_t *p2, size_t n2,
                  const struct sf_frame_meta *meta, sf_time_t now) {
  struct sf_netif *n = ip->netifs[r->netif];
  struct sf_ip_frame *f = build(ip, n, dst, proto, p1, n1, p2, n2);
  if (!f)
    return SF_ENOMEM;
  if (meta)
    f->meta = *meta;
  int rc = r->broadcast ? enqueue(ip, n, f)
                        : send_via_arp(ip, n, r->next_hop, f, now);
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
  if (n1 + n2 > ip->netifs[r.netif]->cfg.mtu - SF_IPV4_MIN_HDR_LEN) {
    ip->ctr.ip_out_too_big++;
    return SF_EMSGSIZE;
  }
  return output(ip, &r, dst, proto, p1, n1, p2, n2, NULL, now);
}

unsigned sf__ip_netif_offload(const struct sf_ip *ip, unsigned netif) {
  const struct sf_netif *n = netif_get(ip, netif);
  return n ? n->cfg.offload : 0;
}

int sf__ip_output_tcp_offload(struct sf_ip *ip, uint32_t src, uint32_t dst,
                              const uint8_t *seg, size_t len,
                              uint16_t gso_size, sf_time_t now) {
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
  return output(ip, &r, dst, SF_IPPROTO_TCP, seg, len, NULL, 0, &meta, now);
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
  return t;
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

void sf__ip_poll(struct sf_ip *ip, sf_time_t now) {
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
