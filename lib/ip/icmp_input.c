/*
 * ICMP input (RFC 792, RFC 1122 3.2.2): echo requests are answered, error
 * messages that quote a TCP segment we sent go up to TCP, everything else
 * is counted and ignored. Nothing here ever sends an ICMP error.
 *
 * Entry point: sf__icmp_input (ip_internal.h).
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "ip/ip.h"
#include "ip/ip_internal.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp.h"
#include "wire/status.h"

/*
 * RFC 792 "Echo or Echo Reply Message", RFC 1122 3.2.2.6: the reply
 * carries the request's identifier, sequence number and data, and comes
 * from the address the request was sent to (never a broadcast: the caller
 * ignores those). The data is copied once, straight into the frame.
 */
static void echo_reply(struct sf_ip *ip, const struct sf_ipv4_hdr *h,
                       const struct sf_icmp *m, sf_time_t now) {
  uint8_t hdr[SF_ICMP_HDR_LEN] = {SF_ICMP_ECHO_REPLY, 0};
  sf__store_be16(hdr + 4, m->echo_id);
  sf__store_be16(hdr + 6, m->echo_seq);
  uint32_t sum = sf__csum_add(0, hdr, sizeof(hdr));
  sum = sf__csum_add(sum, m->body, m->body_len);
  sf__store_be16(hdr + 2, sf__csum_finish(sum));
  if (sf__ip_output2(ip, sf_addr_v4(h->dst), sf_addr_v4(h->src),
                     SF_IPPROTO_ICMP, hdr, sizeof(hdr), m->body, m->body_len,
                     now) == 0)
    ip->ctr.icmp_echo_answered++;
}

static bool quotes_datagram(uint8_t type) {
  return type == SF_ICMP_DEST_UNREACH || type == SF_ICMP_TIME_EXCEEDED ||
         type == SF_ICMP_PARAM_PROBLEM;
}

/*
 * An error about a datagram: passed to TCP when the quoted datagram is a
 * TCP segment from one of our addresses (RFC 1122 3.2.2: the quote is how
 * the transport finds the connection; RFC 5927 4: TCP then checks the
 * ports and the sequence number itself).
 */
static void error_input(struct sf_ip *ip, const struct sf_ipv4_hdr *h,
                        const struct sf_icmp *m, sf_time_t now) {
  struct sf_icmp_quote q;
  if (sf__icmp_parse_quote(m, &q) != SF_WIRE_OK) {
    ip->ctr.icmp_in_bad++;
    return;
  }
  if (q.ip.proto != SF_IPPROTO_TCP ||
      sf__ip_netif_by_addr(ip, sf_addr_v4(q.ip.src)) < 0) {
    ip->ctr.icmp_in_foreign_quote++;
    return;
  }
  struct sf_ip_icmp_error err = {
      .type = m->type,
      .code = m->code,
      .next_hop_mtu = m->next_hop_mtu,
      .reporter = sf_addr_v4(h->src),
      .src = sf_addr_v4(q.ip.src),
      .dst = sf_addr_v4(q.ip.dst),
      .sport = q.sport,
      .dport = q.dport,
      .seq = q.seq,
  };
  ip->ctr.icmp_in_errors++;
  if (ip->up.tcp_icmp_error)
    ip->up.tcp_icmp_error(ip->up.ctx, &err, now);
}

void sf__icmp_input(struct sf_ip *ip, unsigned netif,
                    const struct sf_ipv4_hdr *h, bool to_broadcast,
                    sf_time_t now) {
  (void)netif;
  struct sf_icmp m;
  ip->ctr.icmp_in++;
  /* The checksum is always verified first (RFC 1122 3.2.2: silently
   * discard a message whose checksum fails). */
  if (sf__icmp_parse(h->payload, h->payload_len, 0, &m) != SF_WIRE_OK) {
    ip->ctr.icmp_in_bad++;
    return;
  }
  if (m.type == SF_ICMP_ECHO_REQUEST) {
    /* RFC 1122 3.2.2.6 allows ignoring echo to a broadcast; Linux does
     * by default (icmp_echo_ignore_broadcasts), against smurf attacks. */
    if (to_broadcast)
      ip->ctr.icmp_echo_broadcast++;
    else
      echo_reply(ip, h, &m, now);
    return;
  }
  /* Errors are sent to the source of a datagram, which is unicast; one
   * sent to a broadcast is forged (RFC 1122 3.2.2). */
  if (quotes_datagram(m.type) && !to_broadcast) {
    error_input(ip, h, &m, now);
    return;
  }
  /* Echo replies (we send no requests), redirects (RFC 1122 3.2.2.2 lets
   * a host with a single gateway ignore them), source quench (RFC 6633),
   * timestamps, and anything unknown. */
  ip->ctr.icmp_in_ignored++;
}
