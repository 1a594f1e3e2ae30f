/*
 * Output: the one place that builds segments, and the decisions of what
 * to send — segmentation to the effective MSS, the send and congestion
 * windows, Nagle (RFC 9293 3.7.4), sender-side silly-window avoidance
 * (3.8.6.2.1), FIN after the buffered data, the persist timer when the
 * peer's window is shut, SYN and SYN-ACK options, SACK blocks for what
 * waits out of order (RFC 2018), timestamps (RFC 7323), and RSTs.
 */
#include "config.h"

#include <string.h>

#include "tcp/recovery/recovery.h"
#include "tcp/tcb.h"

/* Serializes h (payload already at e->seg + header length) and hands the
 * datagram to IP. With offload (SF_LINK_TX_CSUM of the interface) the
 * link finishes the checksum, and a gso_size cuts a super-segment into
 * segments of that payload. A datagram IP cannot take is counted; TCP's
 * timers recover it like any loss. */
/*
 * Sends header h with the payload data[0], data[1] (pieces of the send
 * buffer; NULL: none). Where the link finishes the checksum, the payload
 * is copied once, from the send buffer into the frame; otherwise it is
 * gathered behind the header first, to be summed.
 */
static void transmit(struct sf_tcp *e, const struct sf_tuple *tu,
                     const struct sf_tcp_hdr *h,
                     const struct sf_ring_view *data, unsigned offload,
                     uint16_t gso_size) {
  bool partial = (offload & SF_LINK_TX_CSUM) != 0;
  int hl = SF_TCP_MIN_HDR_LEN + sf__tcp_opts_len(&h->opts);
  size_t payload_len = data ? data[0].n + data[1].n : 0;
  if (data && !partial) {
    memcpy(e->seg + hl, data[0].p, data[0].n);
    memcpy(e->seg + hl + data[0].n, data[1].p, data[1].n);
  }
  /* in the partial case the payload is not read: only its length counts */
  int n = sf__tcp_emit(h, e->seg + hl, payload_len, tu->laddr.v4, tu->raddr.v4,
                       partial ? SF_TCP_EMIT_PARTIAL_CSUM : 0, e->seg,
                       sizeof(e->seg));
  if (n < 0) { /* our own header could not be built: a bug, never data */
    SF_TCP_COUNT(e, tcp_out_dropped);
    return;
  }
  SF_TCP_COUNT(e, tcp_out_segs);
  if (h->flags & SF_TCP_RST)
    SF_TCP_COUNT(e, tcp_out_rst);
  int rc;
  if (partial) {
    struct sf_ip_piece seg[3] = {{e->seg, (size_t)hl}};
    unsigned pieces = 1;
    for (int i = 0; data && i < 2; i++)
      if (data[i].n)
        seg[pieces++] = (struct sf_ip_piece){data[i].p, data[i].n};
    rc = sf__ip_output_tcp_offload(e->ip, tu->laddr, tu->raddr, seg, pieces,
                                   gso_size, e->now);
  } else {
    rc = sf__ip_output(e->ip, tu->laddr, tu->raddr, SF_IPPROTO_TCP, e->seg,
                       (size_t)n, e->now);
  }
  if (rc != 0)
    SF_TCP_COUNT(e, tcp_out_dropped);
}

static void syn_options(const struct sf_tcb *t, struct sf_tcp_opts *o) {
  bool offer_all = t->state == SF_TCP_SYN_SENT;
  o->present |= SF_TCP_OPT_MSS;
  o->mss = t->rcv_mss;
  if (offer_all || (t->flags & SF_TF_WSCALE)) {
    o->present |= SF_TCP_OPT_WSCALE;
    o->wscale = t->rcv_wscale;
  }
  if (offer_all || (t->flags & SF_TF_SACK))
    o->present |= SF_TCP_OPT_SACK_PERM;
  if (offer_all || (t->flags & SF_TF_TS)) {
    o->present |= SF_TCP_OPT_TIMESTAMP;
    o->ts_val = sf__tcp_ts_now(t);
    o->ts_ecr = offer_all ? 0 : t->ts_recent;
  }
}

/* RFC 2883: a duplicate to report goes first, then the SACK blocks (the
 * most recent first, which holds the duplicate if it was out of order). */
static unsigned dsack_option(struct sf_tcb *t, struct sf_tcp_opts *o) {
  if (!t->dsack)
    return 0;
  t->dsack = false;
  o->sack[0] = t->dsack_block;
  SF_TCP_COUNT(t->eng, tcp_out_dsacks);
  return 1;
}

static void data_options(struct sf_tcb *t, struct sf_tcp_opts *o) {
  unsigned max_blocks = SF_TCP_MAX_SACK_BLOCKS;
  if (t->flags & SF_TF_TS) {
    o->present |= SF_TCP_OPT_TIMESTAMP;
    o->ts_val = sf__tcp_ts_now(t);
    o->ts_ecr = t->ts_recent;
    max_blocks = 3; /* 10 + 2 + 3 * 8 + padding fits in 40 */
  }
  if (!(t->flags & SF_TF_SACK))
    return;
  unsigned n = dsack_option(t, o);
  struct sf_asm_range r[SF_TCP_MAX_SACK_BLOCKS];
  unsigned k = sf__asm_sack_ranges(&t->ooo, r, max_blocks - n);
  for (unsigned i = 0; i < k; i++, n++) {
    o->sack[n].left = sf_seq_add(t->rcv_nxt, r[i].start);
    o->sack[n].right = sf_seq_add(t->rcv_nxt, r[i].end);
  }
  if (n) {
    o->present |= SF_TCP_OPT_SACK;
    o->sack_count = (uint8_t)n;
  }
}

/* The payload a segment may carry now: the effective MSS already leaves
 * room for timestamps; SACK blocks, when there are any, take more
 * (RFC 9293 3.7.1: the MSS counts the data only). */
static uint32_t payload_max(const struct sf_tcb *t) {
  unsigned blocks = t->ooo.n + (t->dsack ? 1 : 0);
  if (!(t->flags & SF_TF_SACK) || blocks == 0)
    return t->smss;
  unsigned max_blocks = (t->flags & SF_TF_TS) ? 3 : SF_TCP_MAX_SACK_BLOCKS;
  unsigned n = blocks < max_blocks ? blocks : max_blocks;
  uint32_t sack = 4 + 8 * n;
  return t->smss > sack + 64 ? t->smss - sack : 64;
}

uint16_t sf__tcp_window_field(struct sf_tcb *t, bool syn) {
  uint32_t wnd = sf__tcp_rcv_window(t);
  if (syn) /* RFC 7323 2.2: a SYN's window is never scaled */
    return wnd > 0xffff ? 0xffff : (uint16_t)wnd;
  /* RFC 7323 2.3: the field is the window shifted right, rounded down;
   * the edge may appear to retract by under 2^S bytes, which 2.4 allows
   * (and data up to the old edge, rcv_adv, is still taken) */
  wnd >>= t->rcv_wscale;
  return wnd > 0xffff ? 0xffff : (uint16_t)wnd;
}

/* Builds and sends one segment of this connection: len bytes of the send
 * buffer starting at seq (if any), with flags. */
static void emit(struct sf_tcb *t, sf_seq_t seq, uint16_t flags,
                 uint32_t len) {
  struct sf_tcp *e = t->eng;
  bool syn = (flags & SF_TCP_SYN) != 0;
  uint32_t max = payload_max(t); /* before a D-SACK block is used up */
  struct sf_tcp_hdr h;
  memset(&h, 0, sizeof(h));
  h.sport = t->node.key.lport;
  h.dport = t->node.key.rport;
  h.seq = seq;
  h.flags = flags;
  if (flags & SF_TCP_ACK)
    h.ack = t->rcv_nxt;
  h.window = sf__tcp_window_field(t, syn);
  if (syn)
    syn_options(t, &h.opts);
  else if (!(flags & SF_TCP_RST))
    data_options(t, &h.opts);
  struct sf_ring_view data[2];
  if (len) {
    size_t off = (size_t)sf_seq_diff(seq, t->snd_buf_seq);
    len = (uint32_t)sf__ring_view(&t->sndbuf, off, len, data);
  }
  unsigned offload = sf__ip_netif_offload(e->ip, t->netif);
  uint16_t gso =
      len > max && (offload & SF_LINK_TX_TSO) ? (uint16_t)max : 0;
  transmit(e, &t->node.key, &h, len ? data : NULL, offload, gso);
  if (flags & SF_TCP_ACK) {
    t->last_ack_sent = t->rcv_nxt;
    t->ack_pending = 0;
    t->flags &= ~(uint32_t)(SF_TF_ACK_NOW | SF_TF_WND_UPDATE | SF_TF_TURN_ACK |
                            SF_TF_DELACK_DUE);
    sf__tcp_timer_stop(t, SF_TT_DELACK);
    sf_seq_t edge = sf_seq_add(t->rcv_nxt, syn ? h.window
                                               : (uint32_t)h.window
                                                     << t->rcv_wscale);
    if (sf_seq_gt(edge, t->rcv_adv))
      t->rcv_adv = edge;
  }
}

/*
 * A bare ACK or RST carries the highest sequence number sent, not
 * SND.NXT: after a timeout SND.NXT steps back (go-back-N), and the peer
 * may already hold everything up to SND.MAX, so an ACK numbered lower
 * would be unacceptable there and its acknowledgment lost (both sides
 * then ACK each other's stale numbers for ever).
 */
void sf__tcp_send_ack(struct sf_tcb *t) {
  emit(t, t->snd_max, SF_TCP_ACK, 0);
}

void sf__tcp_send_syn(struct sf_tcb *t) {
  uint16_t flags = SF_TCP_SYN;
  if (t->state == SF_TCP_SYN_RECEIVED)
    flags |= SF_TCP_ACK;
  if (t->rtx_count == 0 && !(t->flags & SF_TF_RTT_TIMING)) {
    t->flags |= SF_TF_RTT_TIMING;
    t->rtt_seq = t->iss;
    t->rtt_start = t->eng->now;
  }
  emit(t, t->iss, flags, 0);
  sf_seq_t after = sf_seq_add(t->iss, 1);
  if (sf_seq_lt(t->snd_nxt, after))
    t->snd_nxt = after;
  if (sf_seq_lt(t->snd_max, after))
    t->snd_max = after;
}

void sf__tcp_send_rst(struct sf_tcb *t) {
  emit(t, t->snd_max, SF_TCP_RST | SF_TCP_ACK, 0);
}

void sf__tcp_send_probe(struct sf_tcb *t) {
  emit(t, sf_seq_add(t->snd_una, (uint32_t)-1), SF_TCP_ACK, 0);
}

static sf_seq_t fin_seq(const struct sf_tcb *t) {
  return sf_seq_add(t->snd_buf_seq, (uint32_t)t->sndbuf.len);
}

static void note_sent(struct sf_tcb *t, sf_seq_t seq, uint32_t len,
                      bool fin) {
  bool retrans = sf_seq_lt(seq, t->snd_max);
  if (retrans) {
    t->bytes_retrans += len;
    t->retransmits++;
    SF_TCP_COUNT(t->eng, tcp_retrans_segs);
    t->flags &= ~(uint32_t)SF_TF_RTT_TIMING; /* Karn */
  } else {
    t->bytes_sent += len;
    if (len && !(t->flags & (SF_TF_TS | SF_TF_RTT_TIMING))) {
      t->flags |= SF_TF_RTT_TIMING;
      t->rtt_seq = seq;
      t->rtt_start = t->eng->now;
    }
  }
  sf_seq_t end = sf_seq_add(seq, len + (fin ? 1 : 0));
  sf__recovery_on_send(t, seq, len + (fin ? 1 : 0));
  if (sf_seq_lt(t->snd_nxt, end))
    t->snd_nxt = end;
  if (sf_seq_lt(t->snd_max, end))
    t->snd_max = end;
  if (fin)
    t->flags |= SF_TF_FIN_SENT;
  sf__tcp_rtx_arm(t, false);
}

uint32_t sf__tcp_retransmit_at(struct sf_tcb *t, sf_seq_t seq,
                               uint32_t most) {
  int32_t in_buf = sf_seq_diff(fin_seq(t), seq);
  uint32_t avail = in_buf > 0 ? (uint32_t)in_buf : 0;
  uint32_t max = payload_max(t);
  uint32_t len = avail < max ? avail : max;
  if (len > most)
    len = most;
  bool fin = (t->flags & SF_TF_FIN_SENT) && len == avail;
  if (len == 0 && !fin)
    return 0;
  uint16_t flags = SF_TCP_ACK | (fin ? SF_TCP_FIN : 0) |
                   (len && len == avail ? SF_TCP_PSH : 0);
  emit(t, seq, flags, len);
  note_sent(t, seq, len, fin);
  return len + (fin ? 1 : 0);
}

void sf__tcp_retransmit_first(struct sf_tcb *t) {
  if (t->state == SF_TCP_SYN_SENT || t->state == SF_TCP_SYN_RECEIVED) {
    sf__tcp_send_syn(t);
    return;
  }
  uint32_t n = sf__tcp_retransmit_at(t, t->snd_una, UINT32_MAX);
  sf_seq_t end = sf_seq_add(t->snd_una, n);
  if (sf_seq_gt(end, t->high_rxt))
    t->high_rxt = end;
}

/*
 * May len bytes (of unsent, with flight in the air) go now? Full
 * segments always; the last piece when Nagle allows it (nothing in
 * flight, nodelay, or the FIN follows); a window-limited piece only if it
 * is at least half the largest window the peer offered (SWS avoidance).
 */
static bool worth_sending(const struct sf_tcb *t, uint32_t len,
                          uint32_t unsent, uint32_t flight, bool force) {
  if (len >= payload_max(t) || force)
    return true;
  if (len == unsent)
    return flight == 0 || (t->flags & (SF_TF_NODELAY | SF_TF_SHUT_WR));
  return len >= t->max_snd_wnd / 2;
}

/*
 * With TSO, one super-segment carries as many whole segments as the
 * windows allow (and the 64 KiB IP datagram holds), or all that is left:
 * the link cuts it into segments of max bytes.
 */
static uint32_t tso_len(uint32_t max, uint32_t unsent, uint32_t usable) {
  uint32_t room = 65535 - SF_IPV4_MIN_HDR_LEN - SF_TCP_MAX_HDR_LEN;
  uint32_t len = unsent < room ? unsent : room;
  if (len > usable)
    len = usable;
  if (len < unsent) /* not the tail: whole segments only */
    len -= len % max;
  return len < max ? max : len;
}

static bool fin_wanted(const struct sf_tcb *t) {
  return (t->flags & SF_TF_SHUT_WR) && sf_seq_leq(t->snd_nxt, fin_seq(t)) &&
         (t->state == SF_TCP_FIN_WAIT_1 || t->state == SF_TCP_CLOSING ||
          t->state == SF_TCP_LAST_ACK);
}

static bool send_data(struct sf_tcb *t, bool force) {
  bool sent = false;
  for (;;) {
    uint32_t unsent = sf__tcp_unsent(t);
    bool fin = fin_wanted(t);
    if (unsent == 0 && !fin)
      break;
    uint32_t flight = sf__tcp_flight(t);
    uint32_t wnd = t->snd_wnd < t->ccs.cwnd ? t->snd_wnd : t->ccs.cwnd;
    uint32_t usable = wnd > flight ? wnd - flight : 0;
    if (force && usable == 0)
      usable = t->snd_wnd > flight ? t->snd_wnd - flight : 0;
    uint32_t max = payload_max(t);
    uint32_t len = unsent < max ? unsent : max;
    if (len == max && unsent > max && (sf__ip_netif_offload(t->eng->ip,
                                                            t->netif) &
                                       SF_LINK_TX_TSO))
      len = tso_len(max, unsent, usable);
    if (len > usable)
      len = usable;
    if (unsent > 0 &&
        (len == 0 || !worth_sending(t, len, unsent, flight, force)))
      break;
    bool fin_now = fin && len == unsent;
    uint16_t flags = SF_TCP_ACK | (fin_now ? SF_TCP_FIN : 0) |
                     (len && len == unsent ? SF_TCP_PSH : 0);
    sf_seq_t seq = t->snd_nxt;
    emit(t, seq, flags, len);
    note_sent(t, seq, len, fin_now);
    sent = true;
    force = false;
    if (fin_now)
      break;
  }
  return sent;
}

/* RFC 9293 3.8.6.1: data waits, nothing is in flight, the window is shut
 * (or too small to be worth it): only the persist timer moves things. */
static void maybe_persist(struct sf_tcb *t) {
  if (sf__tcp_unsent(t) == 0 || sf__tcp_flight(t) > 0 ||
      t->timers[SF_TT_PERSIST] != SF_TIME_NEVER)
    return;
  sf_time_t d = sf__tcp_rto(t), max = t->eng->rto_bounds.max_rto;
  for (unsigned i = 0; i < t->persist_backoff && d < max; i++)
    d *= 2;
  if (d > max)
    d = max;
  sf__tcp_timer_set(t, SF_TT_PERSIST, t->eng->now + d);
}

/* Sends what the persist timer allows: data if the window has room at
 * all, else a probe that makes the peer tell its window. */
void sf__tcp_output_forced(struct sf_tcb *t) {
  if (t->snd_wnd > 0 && send_data(t, true))
    return;
  SF_TCP_COUNT(t->eng, tcp_persist_probes);
  sf__tcp_send_probe(t);
}

void sf__tcp_output(struct sf_tcb *t) {
  switch (t->state) {
  case SF_TCP_CLOSED:
  case SF_TCP_LISTEN:
  case SF_TCP_SYN_SENT:
    return;
  case SF_TCP_SYN_RECEIVED:
  case SF_TCP_TIME_WAIT:
    if (t->flags & SF_TF_ACK_NOW)
      sf__tcp_send_ack(t);
    return;
  default:
    break;
  }
  bool sent = send_data(t, false);
  if (!sent && (t->flags & SF_TF_ACK_NOW))
    sf__tcp_send_ack(t);
  maybe_persist(t);
}

void sf__tcp_send_raw(struct sf_tcp *e, const struct sf_tuple *tu,
                      sf_seq_t seq, sf_seq_t ack, uint16_t flags,
                      uint16_t window, const struct sf_tcp_opts *opts) {
  struct sf_tcp_hdr h;
  memset(&h, 0, sizeof(h));
  h.sport = tu->lport;
  h.dport = tu->rport;
  h.seq = seq;
  h.ack = ack;
  h.flags = flags;
  h.window = window;
  if (opts)
    h.opts = *opts;
  transmit(e, tu, &h, NULL, 0, 0);
}

/* RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST> for an ACK, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; never answer a RST. */
void sf__tcp_reply_rst(struct sf_tcp *e, const struct sf_tuple *tu,
                       const struct sf_tcp_hdr *h) {
  if (h->flags & SF_TCP_RST)
    return;
  if (h->flags & SF_TCP_ACK)
    sf__tcp_send_raw(e, tu, h->ack, sf_seq(0), SF_TCP_RST, 0, NULL);
  else
    sf__tcp_send_raw(e, tu, sf_seq(0), sf_seq_add(h->seq, sf__tcp_seg_len(h)),
                     SF_TCP_RST | SF_TCP_ACK, 0, NULL);
}
