/*
 * Routing (ip.h, sf__ip_route): there is no table, only the interfaces.
 * A destination on an interface's subnet is sent there directly (the
 * longest prefix wins), anything else to the first interface with a
 * gateway; one of our own addresses is a local route (local.c delivers
 * it as input, as a kernel's loopback does).
 *
 * Entry points: sf__ip_route, sf__route_lookup (ip_internal.h).
 */
#include "config.h"

#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "synfin.h"

/* The local route to our own address dst (on interface self), from the
 * interface owning src_hint when there is one: the source a bound socket
 * asked for, as Linux keeps it on its loopback. */
static int lookup_local(const struct sf_ip *ip, int self, uint32_t dst,
                        uint32_t src_hint, struct sf_route *r) {
  int from = src_hint ? sf__ip_netif_by_addr(ip, sf_addr_v4(src_hint)) : self;
  if (from < 0)
    return SF_ENETUNREACH;
  r->netif = (unsigned)from;
  r->next_hop = sf_addr_v4(dst);
  r->broadcast = false;
  r->local = true;
  return 0;
}

/* sf__route_lookup for an IPv4 dst; src_hint 0: none. */
static int lookup_v4(const struct sf_ip *ip, uint32_t dst, uint32_t src_hint,
                     struct sf_route *r) {
  /* Nothing to route to: "this host", 127/8 (no loopback device here:
   * only our interfaces' addresses are local), multicast and class E. */
  if (dst == 0 || sf__ipv4_is_loopback(dst) ||
      (sf__ipv4_is_class_de(dst) && dst != SF_IPV4_LIMITED_BROADCAST))
    return SF_ENETUNREACH;
  int self = sf__ip_netif_by_addr(ip, sf_addr_v4(dst));
  if (self >= 0)
    return lookup_local(ip, self, dst, src_hint, r);
  r->local = false;
  int best = -1, gw = -1;
  for (int i = 0; i < SF_IP_MAX_NETIFS; i++) {
    const struct sf_netif *n = ip->netifs[i];
    if (!n || (src_hint && n->cfg.addr.v4 != src_hint))
      continue;
    if (dst == SF_IPV4_LIMITED_BROADCAST || sf__netif_on_link(n, dst)) {
      if (best < 0 || n->cfg.prefix_len > ip->netifs[best]->cfg.prefix_len)
        best = i;
    } else if (!sf_addr_is_any(n->cfg.gateway) && gw < 0) {
      gw = i;
    }
  }
  if (best >= 0) {
    r->netif = (unsigned)best;
    r->next_hop = sf_addr_v4(dst);
    r->broadcast = sf__netif_is_bcast(ip->netifs[best], dst);
    return 0;
  }
  if (gw < 0)
    return SF_ENETUNREACH;
  r->netif = (unsigned)gw;
  r->next_hop = ip->netifs[gw]->cfg.gateway;
  r->broadcast = false;
  return 0;
}

int sf__route_lookup(const struct sf_ip *ip, struct sf_addr dst,
                     struct sf_addr src_hint, struct sf_route *r) {
  if (sf_addr_is_any(src_hint))
    src_hint = sf_addr_v4(0);
  if (!sf_addr_is_v4(dst) || !sf_addr_is_v4(src_hint))
    return SF_EAFNOSUPPORT;
  return lookup_v4(ip, dst.v4, src_hint.v4, r);
}

int sf__ip_route(const struct sf_ip *ip, struct sf_addr dst,
                 struct sf_addr src_hint, unsigned *netif,
                 struct sf_addr *src, unsigned *mtu) {
  struct sf_route r;
  int rc = sf__route_lookup(ip, dst, src_hint, &r);
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
