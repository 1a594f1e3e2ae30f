/*
 * ARP on the wire (RFC 826): requests and replies in and out, and the
 * resolution of next hops for IPv4 output through each interface's cache
 * (arp_cache.c keeps its state and timers; this file builds and reads
 * the packets and acts on what the cache decides).
 *
 * Entry points: sf__arp_{input,output,poll} (ip_internal.h),
 * sf__ip_confirm_neighbor (ip.h).
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
#include "wire/status.h"

#define ARP_FRAME_LEN (SF_ETH_HDR_LEN + SF_ARP_LEN)

static const struct sf_eth_addr eth_zero = {{0, 0, 0, 0, 0, 0}};

/* -------------------------------------------------------------- ARP out */

static int arp_send(struct sf_ip *ip, struct sf_netif *n, uint16_t oper,
                    const struct sf_eth_addr *eth_dst,
                    const struct sf_eth_addr *tha, uint32_t tpa) {
  struct sf_ip_frame *f = sf__ip_frame_alloc(&ip->frames, ARP_FRAME_LEN);
  if (!f)
    return SF_ENOMEM;
  struct sf_eth_hdr eth = {.dst = *eth_dst, .ethertype = SF_ETHERTYPE_ARP};
  memcpy(eth.src.b, n->cfg.mac, SF_ETH_ADDR_LEN);
  struct sf_arp a = {.oper = oper,
                     .sha = eth.src,
                     .spa = n->cfg.addr.v4,
                     .tha = *tha,
                     .tpa = tpa};
  sf__eth_emit(&eth, f->data, f->len);
  sf__arp_emit(&a, f->data + SF_ETH_HDR_LEN, f->len - SF_ETH_HDR_LEN);
  return sf__netif_enqueue(ip, n, f);
}

/* A request, broadcast or (a probe of a known hop, RFC 1122 2.3.2.1)
 * unicast to eth_dst; the target hardware address is left zero, as
 * RFC 826 says it is "not yet known" (RFC 5227 1.1 agrees). */
static void arp_send_request(struct sf_ip *ip, struct sf_netif *n,
                             uint32_t target,
                             const struct sf_eth_addr *eth_dst) {
  if (arp_send(ip, n, SF_ARP_OP_REQUEST, eth_dst, &eth_zero, target) == 0)
    ip->ctr.arp_requests_sent++;
}

/* Frames released by a resolution: addressed and queued, oldest first. */
static void send_released(struct sf_ip *ip, struct sf_netif *n,
                          struct sf_ip_frame_list *l,
                          const struct sf_eth_addr *mac) {
  struct sf_ip_frame *f;
  while ((f = sf__ip_frame_list_pop(l)) != NULL) {
    memcpy(f->data, mac->b, SF_ETH_ADDR_LEN);
    sf__netif_enqueue(ip, n, f);
  }
}

int sf__arp_output(struct sf_ip *ip, struct sf_netif *n, uint32_t next_hop,
                   struct sf_ip_frame *f, sf_time_t now) {
  struct sf_eth_addr mac;
  int rc = sf__arp_cache_resolve(&n->arp, next_hop, f, now, &mac);
  switch (rc) {
  case SF_ARP_HIT:
    memcpy(f->data, mac.b, SF_ETH_ADDR_LEN);
    return sf__netif_enqueue(ip, n, f);
  case SF_ARP_SEND_REQUEST:
    arp_send_request(ip, n, next_hop, &sf__eth_broadcast);
    return 0;
  case SF_ARP_PARKED:
    return 0;
  default:
    sf__ip_frame_free(f);
    return rc;
  }
}

/* --------------------------------------------------------------- ARP in */

static bool learnable(const struct sf_arp *a) {
  return a->spa != 0 && !sf__ipv4_is_class_de(a->spa) &&
         sf__is_host_mac(&a->sha);
}

void sf__arp_input(struct sf_ip *ip, struct sf_netif *n,
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
  if (a.spa == n->cfg.addr.v4) {
    ip->ctr.arp_in_conflict++;
    return;
  }
  bool for_us = a.tpa == n->cfg.addr.v4;
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

/* ---------------------------------------------------------------- timers */

struct poll_ctx {
  struct sf_ip *ip;
  struct sf_netif *n;
};

static void poll_send_request(void *ctx, uint32_t target,
                              const struct sf_eth_addr *unicast) {
  struct poll_ctx *pc = ctx;
  arp_send_request(pc->ip, pc->n, target,
                   unicast ? unicast : &sf__eth_broadcast);
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
      ip->up.unreachable(ip->up.ctx, i, sf_addr_v4(hop), now);
  }
}

void sf__arp_poll(struct sf_ip *ip, unsigned i, sf_time_t now) {
  struct poll_ctx pc = {ip, ip->netifs[i]};
  sf__arp_cache_poll(&pc.n->arp, now, poll_send_request, &pc);
  report_failed(ip, i, now);
}

void sf__ip_confirm_neighbor(struct sf_ip *ip, unsigned netif,
                             struct sf_addr dst, sf_time_t now) {
  struct sf_netif *n = sf__netif_get(ip, netif);
  if (!n || !sf_addr_is_v4(dst))
    return;
  uint32_t hop = sf__netif_on_link(n, dst.v4) ? dst.v4 : n->cfg.gateway.v4;
  sf__arp_cache_confirm(&n->arp, hop, now);
}
