/*
 * What ip.c and icmp_input.c share: the layer's state (struct sf_ip),
 * each interface's state (struct sf_netif), and the few entry points one
 * file offers the other. Nothing outside lib/ip includes this.
 */
#ifndef SF_IP_IP_INTERNAL_H
#define SF_IP_IP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/reasm.h"
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
};

/*
 * ip.c: sends a datagram whose payload is the concatenation of two pieces
 * (a header built on the stack and a body that lives elsewhere), copied
 * into the frame. Otherwise exactly sf__ip_output.
 */
int sf__ip_output2(struct sf_ip *ip, uint32_t src, uint32_t dst,
                   uint8_t proto, const uint8_t *p1, size_t n1,
                   const uint8_t *p2, size_t n2, sf_time_t now);

/*
 * icmp_input.c: handles the ICMP message in datagram h, received on
 * netif. to_broadcast: h went to a broadcast address (IP or link), so
 * nothing is answered (RFC 1122 3.2.2.6, 3.2.2).
 */
void sf__icmp_input(struct sf_ip *ip, unsigned netif,
                    const struct sf_ipv4_hdr *h, bool to_broadcast,
                    sf_time_t now);

#endif /* SF_IP_IP_INTERNAL_H */
