/*
 * What the IP layer learns about a connection's path: ICMP errors
 * (RFC 5927) and next hops that ARP gave up on.
 */
#include "config.h"

#include "tcp/tcb.h"
#include "wire/icmp.h"

/*
 * RFC 5927 / RFC 1122 4.2.3.9: ICMP errors are soft errors; only
 * fragmentation-needed changes anything at once (the MSS). The quoted
 * sequence number must be one we have sent and not had acknowledged.
 */
void sf__tcp_icmp_error(struct sf_tcp *e,
                        const struct sf_ip_icmp_error *err) {
  struct sf_tuple tu = {.laddr = err->src,
                        .raddr = err->dst,
                        .lport = err->sport,
                        .rport = err->dport};
  struct sf_tcb *t = sf__tcb_find(e, &tu);
  if (!t) {
    SF_TCP_COUNT(e, tcp_icmp_ignored);
    return;
  }
  sf_seq_t seq = sf_seq(err->seq);
  if (!sf_seq_in_range(seq, t->snd_una, sf_seq_add(t->snd_max, 1))) {
    SF_TCP_COUNT(e, tcp_icmp_ignored);
    return;
  }
  if (err->type == SF_ICMP_DEST_UNREACH &&
      err->code == SF_ICMP_UNREACH_FRAG_NEEDED && err->next_hop_mtu >= 68) {
    unsigned mss = err->next_hop_mtu - 40u;
    if (t->flags & SF_TF_TS)
      mss -= 12; /* RFC 6691 2: the timestamp option comes out of it too */
    if (mss < t->smss && mss >= 88) {
      t->smss = (uint16_t)mss;
      t->ccs.smss = mss;
      SF_TCP_COUNT(e, tcp_pmtu_updates);
      sf__tcp_retransmit_first(t);
    }
    return;
  }
  t->soft_error = (err->type == SF_ICMP_DEST_UNREACH &&
                   err->code == SF_ICMP_UNREACH_NET)
                      ? SF_ENETUNREACH
                      : SF_EHOSTUNREACH;
  SF_TCP_COUNT(e, tcp_icmp_soft_errors);
}

/*
 * ARP gave up on a next hop. A connection still opening has nothing to
 * wait for (BEHAVIOUR: SF_EHOSTUNREACH); an established one keeps a soft
 * error and lets its own timers decide.
 */
void sf__tcp_hop_unreachable(struct sf_tcp *e, unsigned netif,
                             struct sf_addr hop) {
  const struct sf_netif_config *nc = sf__ip_netif_config(e->ip, netif);
  for (struct sf_tcb *t = e->all; t; t = t->all_next) {
    if (t->netif != netif || t->state == SF_TCP_CLOSED ||
        (t->flags & SF_TF_REAPED))
      continue;
    struct sf_addr raddr = t->node.key.raddr;
    bool via = sf_addr_eq(raddr, hop) ||
               (nc && sf_addr_eq(nc->gateway, hop) &&
                ((raddr.v4 ^ nc->addr.v4) &
                 (nc->prefix_len ? ~0u << (32 - nc->prefix_len) : 0)) != 0);
    if (!via)
      continue;
    if (t->state == SF_TCP_SYN_SENT) {
      SF_TCP_COUNT(e, tcp_conn_unreachable);
      sf__tcp_fail(t, SF_EHOSTUNREACH);
    } else {
      t->soft_error = SF_EHOSTUNREACH;
    }
  }
}
