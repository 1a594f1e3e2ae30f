/*
 * What the files of the IP layer share: the layer's state (struct sf_ip),
 * each interface's state (struct sf_netif), the IPv4 address classes
 * several of them check, and the entry points one file offers the others.
 * Nothing outside lib/ip includes this.
 *
 * Who does what:
 *   ip.c          the layer: parameters, create/free, timers, counters
 *   netif.c       the interface table, Ethernet input (demux by
 *                 ethertype), the per-interface transmit queues
 *   arp.c         ARP packets in and out, resolution of next hops
 *                 through the cache (arp_cache.c) and its timers
 *   route.c       choosing the interface and next hop for a destination
 *   ipv4_input.c  IPv4 input checks, delivery to ICMP or TCP, and the
 *                 glue to reassembly (reasm.c) with its time exceeded
 *   ipv4_output.c IPv4 output: framing and fragmentation
 *   local.c       the loopback queue: datagrams to our own addresses,
 *                 delivered as input at the next sf__ip_poll
 *   icmp_input.c  ICMP messages received
 */
#ifndef SF_IP_IP_INTERNAL_H
#define SF_IP_IP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/addr.h"
#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/reasm.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

struct sf_netif {
  struct sf_netif_config cfg;
  uint64_t id;     /* unique per sf_ip: tells a re-added slot apart */
  uint32_t mask;   /* from prefix_len */
  uint32_t bcast;  /* subnet broadcast; 0 for /31 and /32 (RFC 3021) */
  struct sf_arp_cache arp;
  struct sf_ip_frame_list txq; /* oldest first; bounded by tx_queue_max */
};

struct sf_ip {
  struct sf_ip_params params;
  struct sf_ip_upcalls up;
  struct sf_ip_counters ctr;
  struct sf_netif *netifs[SF_IP_MAX_NETIFS];
  uint64_t next_netif_id;
  uint16_t next_ip_id; /* IPv4 identification of the next datagram */
  struct sf_reasm reasm; /* datagrams whose fragments are arriving */
  /* Datagrams to our own addresses (local.c), oldest first, and the
   * bytes they hold. */
  struct sf_ip_frame_list local;
  size_t local_bytes;
  struct sf_ip_frame_pool frames; /* every frame comes from here */
};

/* ------------------------------------------------------------ addresses */

#define SF_IPV4_LIMITED_BROADCAST 0xffffffffu

static inline bool sf__ipv4_is_loopback(uint32_t a) { return (a >> 24) == 127; }

/* Class D and E and the limited broadcast: never a host's address. */
static inline bool sf__ipv4_is_class_de(uint32_t a) {
  return a >= 0xe0000000u;
}

static inline uint32_t sf__ipv4_prefix_mask(uint8_t len) {
  return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* a is on interface n's subnet. */
static inline bool sf__netif_on_link(const struct sf_netif *n, uint32_t a) {
  return (a & n->mask) == (n->cfg.addr.v4 & n->mask);
}

/* a is a broadcast address of interface n: limited or subnet. */
static inline bool sf__netif_is_bcast(const struct sf_netif *n, uint32_t a) {
  return a == SF_IPV4_LIMITED_BROADCAST || (n->bcast && a == n->bcast);
}

/* A MAC a host can have: neither multicast (broadcast is one) nor zero. */
static inline bool sf__is_host_mac(const struct sf_eth_addr *a) {
  static const struct sf_eth_addr zero;
  return !sf__eth_addr_is_multicast(a) && !sf__eth_addr_eq(a, &zero);
}

/* --------------------------------------------------------------- netif.c */

/* Interface i, or NULL when i is out of range or not open. */
struct sf_netif *sf__netif_get(const struct sf_ip *ip, unsigned i);

/* Queues frame f for transmission on n; when the queue is full, frees f,
 * counts it and returns SF_ENOBUFS. */
int sf__netif_enqueue(struct sf_ip *ip, struct sf_netif *n,
                      struct sf_ip_frame *f);

/* ----------------------------------------------------------------- arp.c */

/* Handles the ARP packet in eth, received on n: learns the sender,
 * answers a request for our address, releases frames parked on it. */
void sf__arp_input(struct sf_ip *ip, struct sf_netif *n,
                   const struct sf_eth_hdr *eth, sf_time_t now);

/*
 * Sends frame f (an Ethernet frame whose destination is still to be
 * written) to next_hop on n: queued at once when the hop is resolved,
 * else parked while ARP resolves it (a request goes out if none is
 * pending). Returns 0, or an error of sf__arp_cache_resolve (f is
 * freed) or of sf__netif_enqueue.
 */
int sf__arp_output(struct sf_ip *ip, struct sf_netif *n, uint32_t next_hop,
                   struct sf_ip_frame *f, sf_time_t now);

/* Runs the ARP retries and expiries of interface i due at now, then
 * reports each hop that failed through upcalls.unreachable (which may
 * remove the interface). */
void sf__arp_poll(struct sf_ip *ip, unsigned i, sf_time_t now);

/* --------------------------------------------------------------- route.c */

/* Where a datagram goes: out of netif to next_hop, or to every host on
 * the link (broadcast: no ARP), or, local, to one of our own addresses
 * (next_hop; netif is the source's interface): it never reaches a link. */
struct sf_route {
  unsigned netif;
  struct sf_addr next_hop;
  bool broadcast;
  bool local;
};

/* As sf__ip_route, filling *r. */
int sf__route_lookup(const struct sf_ip *ip, struct sf_addr dst,
                     struct sf_addr src_hint, struct sf_route *r);

/* ---------------------------------------------------------- ipv4_input.c */

/* Handles the IPv4 datagram in eth, received on interface netif. */
void sf__ipv4_input(struct sf_ip *ip, unsigned netif,
                    const struct sf_eth_hdr *eth, unsigned rx_flags,
                    sf_time_t now);

/* Drops the reassemblies that timed out at now, answering them with
 * ICMP time exceeded where RFC 1122 3.3.2 says so (see sf__ip_poll). */
void sf__ipv4_reasm_poll(struct sf_ip *ip, sf_time_t now);

/* --------------------------------------------------------- ipv4_output.c */

/*
 * Sends a datagram whose payload is the concatenation of two pieces
 * (a header built on the stack and a body that lives elsewhere), copied
 * into the frame. Otherwise exactly sf__ip_output.
 */
int sf__ip_output2(struct sf_ip *ip, struct sf_addr src, struct sf_addr dst,
                   uint8_t proto, const uint8_t *p1, size_t n1,
                   const uint8_t *p2, size_t n2, sf_time_t now);

/* Delivers the IPv4 datagram in d (len bytes, built by ipv4_output.c)
 * that we sent to one of our own addresses, on the interface owning its
 * destination. Its checksums are ours: the transport's is not verified. */
void sf__ipv4_input_local(struct sf_ip *ip, const uint8_t *d, size_t len,
                          sf_time_t now);

/* --------------------------------------------------------------- local.c */

/*
 * Queues frame f (Ethernet and IPv4 headers, built for a local route)
 * for delivery as input at the next sf__ip_poll, never from inside
 * output (the sender is mid-work). Bounded by tx_queue_max frames and
 * SF_IP_LOCAL_MAX_BYTES: beyond, f is freed, counted (ip_out_local_full)
 * and SF_ENOBUFS returned.
 */
#define SF_IP_LOCAL_MAX_BYTES ((size_t)4 << 20)
int sf__ip_local_enqueue(struct sf_ip *ip, struct sf_ip_frame *f);
/* Delivers the datagrams queued before the call (those their delivery
 * queues wait for the next one). */
void sf__ip_local_deliver(struct sf_ip *ip, sf_time_t now);
/* Frees every queued datagram. */
void sf__ip_local_clear(struct sf_ip *ip);

/* ---------------------------------------------------------- icmp_input.c */

/*
 * Handles the ICMP message in datagram h, received on netif.
 * to_broadcast: h went to a broadcast address (IP or link), so nothing
 * is answered (RFC 1122 3.2.2.6, 3.2.2).
 */
void sf__icmp_input(struct sf_ip *ip, unsigned netif,
                    const struct sf_ipv4_hdr *h, bool to_broadcast,
                    sf_time_t now);

#endif /* SF_IP_IP_INTERNAL_H */
