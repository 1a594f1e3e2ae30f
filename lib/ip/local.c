/*
 * The loopback queue (ip_internal.h): datagrams routed to one of our own
 * addresses wait here instead of going to ARP and a link, and come back
 * as input at the next sf__ip_poll, as a kernel's loopback device
 * defers them to its softirq. Delivering them from inside output would
 * re-enter TCP while it is still building the segment that caused them.
 *
 * Entry points: sf__ip_local_{enqueue,deliver,clear} (ip_internal.h).
 */
#include "config.h"

#include <stdlib.h>

#include "ip/arp_cache.h"
#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "synfin.h"
#include "wire/eth.h"

int sf__ip_local_enqueue(struct sf_ip *ip, struct sf_ip_frame *f) {
  if (ip->local.count >= ip->params.tx_queue_max ||
      ip->local_bytes + f->len > SF_IP_LOCAL_MAX_BYTES) {
    sf__ip_frame_free(f);
    ip->ctr.ip_out_local_full++;
    return SF_ENOBUFS;
  }
  sf__ip_frame_list_push(&ip->local, f);
  ip->local_bytes += f->len;
  ip->ctr.ip_out_local++;
  return 0;
}

void sf__ip_local_deliver(struct sf_ip *ip, sf_time_t now) {
  /* What the delivered datagrams answer waits for the next call: a
   * connection talking to itself cannot hold the caller here. */
  for (size_t n = ip->local.count; n > 0; n--) {
    struct sf_ip_frame *f = sf__ip_frame_list_pop(&ip->local);
    ip->local_bytes -= f->len;
    ip->ctr.ip_in_local++;
    sf__ipv4_input_local(ip, f->data + SF_ETH_HDR_LEN,
                         f->len - SF_ETH_HDR_LEN, now);
    sf__ip_frame_free(f);
  }
}

void sf__ip_local_clear(struct sf_ip *ip) {
  sf__ip_frame_list_clear(&ip->local);
  ip->local_bytes = 0;
}
