/*
 * The IP layer as a whole (ip.h): its parameters, creating and freeing
 * it, its timers (ARP's and reassembly's, and the loopback queue, which
 * is always due) and its counters. The work is
 * done by the files ip_internal.h lists.
 *
 * Entry points: sf__ip_{params_default,new,free,next_deadline,poll,
 * counters}.
 */
#include "config.h"

#include <stdlib.h>

#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "ip/reasm.h"
#include "synfin.h"

#define REASM_DATAGRAMS_MAX 1024
#define REASM_BYTES_MAX ((size_t)1 << 30)
#define ARP_CACHE_SIZE_MAX 65536
#define TX_QUEUE_MAX_LIMIT (1u << 20)

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

void sf__ip_free(struct sf_ip *ip) {
  if (!ip)
    return;
  for (unsigned i = 0; i < SF_IP_MAX_NETIFS; i++)
    sf__ip_netif_remove(ip, i);
  sf__ip_local_clear(ip);
  sf__reasm_destroy(&ip->reasm);
  sf__ip_frame_pool_drain(&ip->frames); /* every frame is back by now */
  free(ip);
}

sf_time_t sf__ip_next_deadline(const struct sf_ip *ip) {
  if (ip->local.count)
    return 0;
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

void sf__ip_poll(struct sf_ip *ip, sf_time_t now) {
  sf__ip_local_deliver(ip, now);
  if (sf__reasm_next_deadline(&ip->reasm) <= now)
    sf__ipv4_reasm_poll(ip, now);
  for (unsigned i = 0; i < SF_IP_MAX_NETIFS; i++) {
    struct sf_netif *n = ip->netifs[i];
    if (n && sf__arp_cache_next_deadline(&n->arp) <= now)
      sf__arp_poll(ip, i, now);
  }
}

const struct sf_ip_counters *sf__ip_counters(const struct sf_ip *ip) {
  return &ip->ctr;
}
