/*
 * Where an arriving segment goes: the connection with its 4-tuple, else
 * a TIME-WAIT record, else a listener, else a RST (RFC 9293 3.10.7.1).
 */
#include "config.h"

#include "tcp/tcb.h"
#include "wire/status.h"

static void count_parse_error(struct sf_tcp *e, int rc) {
  switch (rc) {
  case SF_WIRE_BAD_CHECKSUM:
    SF_TCP_COUNT(e, tcp_in_bad_checksum);
    break;
  case SF_WIRE_BAD_OPTION:
    SF_TCP_COUNT(e, tcp_in_bad_option);
    break;
  case SF_WIRE_BAD_FLAGS:
    SF_TCP_COUNT(e, tcp_in_bad_flags);
    break;
  default:
    SF_TCP_COUNT(e, tcp_in_bad_header);
    break;
  }
}

/* A segment for our tuple that no tcb takes: a TIME-WAIT record, else a
 * listener, else a RST. */
static void input_closed(struct sf_tcp *e, unsigned netif,
                         const struct sf_tuple *tu,
                         const struct sf_tcp_hdr *h) {
  struct sf_tw_record *r = sf__tw_find(&e->tw, tu);
  if (r) {
    switch (sf__tw_segment(r, h)) {
    case SF_TW_DROP:
      if (h->flags & SF_TCP_RST)
        SF_TCP_COUNT(e, tcp_in_rst_ignored);
      return;
    case SF_TW_ACK_RESTART:
      SF_TCP_COUNT(e, tcp_timewait_fin_reacked);
      sf__tw_restart(&e->tw, r, e->now);
      /* fall through */
    case SF_TW_ACK: {
      struct sf_tcp_opts o = {0};
      if (r->flags & SF_TW_TIMESTAMPS) {
        o.present = SF_TCP_OPT_TIMESTAMP;
        o.ts_val = sf__tcp_ts_clock(e, r->ts_offset);
        o.ts_ecr = r->ts_recent;
      }
      sf__tcp_send_raw(e, tu, r->snd_nxt, r->rcv_nxt, SF_TCP_ACK, r->window,
                       &o);
      return;
    }
    case SF_TW_NEW_SYN:
      SF_TCP_COUNT(e, tcp_timewait_reused);
      sf__tw_remove(&e->tw, r, SF_TW_REUSED, e->now);
      break; /* on to the listener */
    }
  }
  struct sf_listener *l = sf__listener_find(e, tu->laddr, tu->lport);
  if (l) {
    struct sf_tcp_hdr ack;
    struct sf_tcb *child = sf__listener_input(l, netif, tu, h, &ack);
    if (child)
      (void)sf__tcp_input(child, &ack);
    return;
  }
  if (!(h->flags & SF_TCP_RST))
    SF_TCP_COUNT(e, tcp_in_no_port);
  sf__tcp_reply_rst(e, tu, h);
}

void sf__tcp_segment_in(struct sf_tcp *e, unsigned netif,
                        const struct sf_ipv4_hdr *ip, unsigned rx_flags) {
  SF_TCP_COUNT(e, tcp_in_segs);
  struct sf_tcp_hdr h;
  int rc = sf__tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst,
                         rx_flags & SF_WIRE_SKIP_CHECKSUM, &h);
  if (rc != SF_WIRE_OK) {
    count_parse_error(e, rc);
    return;
  }
  struct sf_tuple tu = {.laddr = sf_addr_v4(ip->dst),
                        .raddr = sf_addr_v4(ip->src),
                        .lport = h.dport,
                        .rport = h.sport};
  struct sf_tcb *t = sf__tcb_find(e, &tu);
  if (t && sf__tcp_input(t, &h))
    return;
  /* a tcb that gave the segment back is finished, not yet freed: the
   * segment goes on from the connection's interface */
  input_closed(e, t ? t->netif : netif, &tu, &h);
}
