/*
 * The interface table (ip.h): adding, removing and looking up
 * interfaces; Ethernet input, which hands each frame to ARP or IPv4 by
 * its ethertype; and the per-interface transmit queues the shell drains.
 *
 * Entry points: sf__ip_netif_{add,remove,config,by_addr,offload},
 * sf__ip_input, sf__ip_tx_{take,release,pending}, and sf__netif_{get,
 * enqueue} for the other files (ip_internal.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "synfin.h"
#include "wire/eth.h"
#include "wire/status.h"

#define IPV4_MIN_MTU 68 /* RFC 791: every host must take 68 bytes */
#define IPV4_MAX_MTU 65535

struct sf_netif *sf__netif_get(const struct sf_ip *ip, unsigned i) {
  return i < SF_IP_MAX_NETIFS ? ip->netifs[i] : NULL;
}

/* ----------------------------------------------------------- interfaces */

/* Interfaces are IPv4 only for now: the address, and the gateway if
 * there is one. */
static bool config_is_v4(const struct sf_netif_config *c) {
  return sf_addr_is_v4(c->addr) &&
         (sf_addr_is_any(c->gateway) || sf_addr_is_v4(c->gateway));
}

/* c is IPv4 (config_is_v4). */
static bool config_valid(const struct sf_netif_config *c) {
  struct sf_eth_addr mac;
  memcpy(mac.b, c->mac, sizeof(mac.b));
  if (!sf__is_host_mac(&mac))
    return false;
  if (c->prefix_len > 32 || c->mtu < IPV4_MIN_MTU || c->mtu > IPV4_MAX_MTU)
    return false;
  uint32_t addr = c->addr.v4;
  if (addr == 0 || sf__ipv4_is_class_de(addr) || sf__ipv4_is_loopback(addr))
    return false;
  if (sf_addr_is_any(c->gateway))
    return true;
  /* The gateway is a next hop: it must be on the link, and not us. */
  uint32_t gw = c->gateway.v4, m = sf__ipv4_prefix_mask(c->prefix_len);
  return gw != addr && (gw & m) == (addr & m) && !sf__ipv4_is_class_de(gw);
}

int sf__ip_netif_add(struct sf_ip *ip, const struct sf_netif_config *cfg) {
  if (!cfg)
    return SF_EINVAL;
  if (!config_is_v4(cfg))
    return SF_EAFNOSUPPORT;
  if (!config_valid(cfg))
    return SF_EINVAL;
  if (sf__ip_netif_by_addr(ip, cfg->addr) >= 0)
    return SF_EADDRINUSE;
  int slot = -1;
  for (int i = SF_IP_MAX_NETIFS - 1; i >= 0; i--)
    if (!ip->netifs[i])
      slot = i;
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
  n->mask = sf__ipv4_prefix_mask(cfg->prefix_len);
  /* RFC 3021: a /31 has no broadcast address; a /32 has no subnet. */
  n->bcast = cfg->prefix_len <= 30 ? (cfg->addr.v4 | ~n->mask) : 0;
  ip->netifs[slot] = n;
  return slot;
}

void sf__ip_netif_remove(struct sf_ip *ip, unsigned netif) {
  struct sf_netif *n = sf__netif_get(ip, netif);
  if (!n)
    return;
  ip->netifs[netif] = NULL;
  sf__arp_cache_destroy(&n->arp);
  sf__ip_frame_list_clear(&n->txq);
  free(n);
}

const struct sf_netif_config *sf__ip_netif_config(const struct sf_ip *ip,
                                                  unsigned netif) {
  const struct sf_netif *n = sf__netif_get(ip, netif);
  return n ? &n->cfg : NULL;
}

int sf__ip_netif_by_addr(const struct sf_ip *ip, struct sf_addr addr) {
  for (int i = 0; i < SF_IP_MAX_NETIFS; i++)
    if (ip->netifs[i] && sf_addr_eq(ip->netifs[i]->cfg.addr, addr))
      return i;
  return -1;
}

unsigned sf__ip_netif_offload(const struct sf_ip *ip, unsigned netif) {
  const struct sf_netif *n = sf__netif_get(ip, netif);
  return n ? n->cfg.offload : 0;
}

/* ------------------------------------------------------- Ethernet input */

void sf__ip_input(struct sf_ip *ip, unsigned netif, const uint8_t *frame,
                  size_t len, unsigned meta_flags, sf_time_t now) {
  struct sf_netif *n = sf__netif_get(ip, netif);
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
    sf__arp_input(ip, n, &eth, now);
  else if (eth.ethertype == SF_ETHERTYPE_IPV4)
    sf__ipv4_input(ip, netif, &eth,
                   sf__frame_csum_vouched(meta_flags) ? SF_WIRE_SKIP_CHECKSUM
                                                      : 0,
                   now);
  else
    ip->ctr.ip_in_unknown_ethertype++;
}

/* ------------------------------------------------------- transmit queue */

int sf__netif_enqueue(struct sf_ip *ip, struct sf_netif *n,
                      struct sf_ip_frame *f) {
  if (n->txq.count >= ip->params.tx_queue_max) {
    sf__ip_frame_free(f);
    ip->ctr.ip_out_queue_full++;
    return SF_ENOBUFS;
  }
  sf__ip_frame_list_push(&n->txq, f);
  return 0;
}

size_t sf__ip_tx_take(struct sf_ip *ip, unsigned netif, struct sf_frame *out,
                      size_t max) {
  struct sf_netif *n = sf__netif_get(ip, netif);
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
  struct sf_netif *nif = sf__netif_get(ip, netif);
  if (!nif)
    return;
  while (n-- > 0) {
    struct sf_ip_frame *f = sf__ip_frame_list_pop(&nif->txq);
    if (!f)
      break;
    sf__ip_frame_free(f);
  }
}

size_t sf__ip_tx_pending(const struct sf_ip *ip, unsigned netif) {
  const struct sf_netif *n = sf__netif_get(ip, netif);
  return n ? n->txq.count : 0;
}
