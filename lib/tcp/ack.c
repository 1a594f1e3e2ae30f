/*
 * The fifth check of RFC 9293 3.10.7.4: what an acknowledgment does.
 * New data acknowledged frees the send buffer, feeds the RTT estimator
 * (RFC 6298, Karn's rule; RFC 7323 timestamps) and congestion control;
 * the send window is updated (SND.WL1/WL2); and an ACK of our FIN moves
 * FIN-WAIT-1, CLOSING and LAST-ACK on. What the ACK says about losses
 * (SACK blocks, duplicates, the end of a recovery) goes to loss recovery
 * (recovery/recovery.h). Also the engine's budget of challenge ACKs
 * (RFC 5961 7), which input.c's RST and SYN checks draw on too.
 */
#include "config.h"

#include "tcp/recovery/recovery.h"
#include "tcp/tcb.h"

/* RFC 5961 7: at most challenge_ack_limit challenge ACKs per second. */
bool sf__tcp_challenge_allowed(struct sf_tcp *e) {
  sf_time_t second = e->now / SF_NSEC_PER_SEC;
  if (second != e->challenge_window) {
    e->challenge_window = second;
    e->challenge_count = 0;
  }
  if (e->challenge_count >= e->cfg.challenge_ack_limit) {
    SF_TCP_COUNT(e, tcp_challenge_acks_limited);
    return false;
  }
  e->challenge_count++;
  SF_TCP_COUNT(e, tcp_challenge_acks);
  return true;
}

/* RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND is blind. */
static bool ack_too_old(const struct sf_tcb *t, sf_seq_t ack) {
  uint32_t span = t->max_snd_wnd > 0xffff ? t->max_snd_wnd : 0xffff;
  return sf_seq_lt(ack, sf_seq_add(t->snd_una, (uint32_t)-span));
}

static void take_rtt_sample(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  struct sf_tcp *e = t->eng;
  if ((t->flags & SF_TF_TS) && (h->opts.present & SF_TCP_OPT_TIMESTAMP) &&
      h->opts.ts_ecr) {
    uint32_t ms = sf__tcp_ts_now(t) - h->opts.ts_ecr;
    if (ms < 0x7fffffff)
      sf__tcp_rtt_sample(t, (sf_time_t)ms * SF_NSEC_PER_MSEC);
    return;
  }
  if ((t->flags & SF_TF_RTT_TIMING) && sf_seq_gt(h->ack, t->rtt_seq)) {
    sf__tcp_rtt_sample(t, e->now - t->rtt_start);
    t->flags &= ~(uint32_t)SF_TF_RTT_TIMING;
  }
}

/* The sequence number of our FIN (valid once SHUT_WR is set). */
static sf_seq_t fin_seq(const struct sf_tcb *t) {
  return sf_seq_add(t->snd_buf_seq, (uint32_t)t->sndbuf.len);
}

static void free_acked_data(struct sf_tcb *t, sf_seq_t ack) {
  int32_t d = sf_seq_diff(ack, t->snd_buf_seq);
  if (d <= 0)
    return;
  size_t n = (size_t)d < t->sndbuf.len ? (size_t)d : t->sndbuf.len;
  sf__ring_consume(&t->sndbuf, n);
  sf__ring_drained(&t->sndbuf, &t->eng->mem);
  t->snd_buf_seq = sf_seq_add(t->snd_buf_seq, (uint32_t)n);
  if (n)
    sf__tcp_emit_event(t, SF_TEV_WRITABLE, 0, 0);
}

/* An orphan's FIN-WAIT-2 timeout starts once the whole segment is
 * processed (sf__tcp_input): the peer's FIN often comes with this ACK. */
static void our_fin_acked(struct sf_tcb *t) {
  t->flags |= SF_TF_FIN_ACKED;
  sf__tcp_emit_event(t, SF_TEV_FIN_ACKED, 0, 0);
  if (t->state == SF_TCP_FIN_WAIT_1)
    sf__tcp_set_state(t, SF_TCP_FIN_WAIT_2);
}

/*
 * RFC 7661 (and Linux's tcp_is_cwnd_limited): cwnd grows only while it is
 * what limits the sender. A sender held back by its application or by the
 * peer's window has not shown that the path carries a larger window, and
 * an inflated cwnd would later let a burst out at once. flight is what
 * was outstanding before this ACK; a window-limited sender leaves less
 * than a segment of cwnd unused; slow start may double what it used.
 */
static bool cwnd_limited(const struct sf_tcb *t, uint32_t flight) {
  uint32_t cwnd = t->ccs.cwnd;
  if (cwnd < t->ccs.ssthresh)
    return (uint64_t)flight * 2 >= cwnd;
  return (uint64_t)flight + t->smss > cwnd;
}

static void new_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  sf_seq_t ack = h->ack;
  uint32_t acked = (uint32_t)sf_seq_diff(ack, t->snd_una);
  uint32_t flight = sf__tcp_flight(t);
  bool limited = cwnd_limited(t, flight);
  bool fin_acked = (t->flags & SF_TF_FIN_SENT) &&
                   !(t->flags & SF_TF_FIN_ACKED) &&
                   sf_seq_eq(ack, sf_seq_add(fin_seq(t), 1));
  take_rtt_sample(t, h);
  free_acked_data(t, ack);
  t->snd_una = ack;
  /* forward progress: the peer's next hop is reachable */
  sf__ip_confirm_neighbor(t->eng->ip, t->netif, t->node.key.raddr, t->eng->now);
  if (sf_seq_lt(t->snd_nxt, ack))
    t->snd_nxt = ack;
  t->rtx_count = 0;
  t->rtt.backoff = 0;
  if (!sf__recovery_on_ack(t, h, acked) && limited)
    t->cc->on_ack(&t->ccs, acked, t->eng->now, t->rtt.srtt);
  sf__recovery_ack_done(t, h, flight);
  sf__tcp_rtx_arm(t, true); /* RFC 6298 5.2 and 5.3 */
  if (fin_acked)
    our_fin_acked(t);
}

/* RFC 5681 2: the five conditions of a duplicate ACK. */
static bool is_dupack(const struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  return sf_seq_eq(h->ack, t->snd_una) && h->payload_len == 0 &&
         !(h->flags & (SF_TCP_SYN | SF_TCP_FIN)) &&
         ((uint32_t)h->window << t->snd_wscale) == t->snd_wnd &&
         sf__tcp_flight(t) > 0;
}

/*
 * Whether h's window is newer than the one we hold. RFC 9293: SND.WL1 <
 * SEG.SEQ, or equal with SND.WL2 =< SEG.ACK. The peer's ACKs only grow
 * in the order it sends, which decides two cases the RFC's test gets
 * wrong when segments are lost and reordered:
 *   - a segment whose ACK advances SND.UNA is the newest the peer sent,
 *     whatever its SEQ (as Linux's tcp_may_update_window has it): a
 *     retransmission that fills a hole in our receive queue carries an
 *     older SEQ than the data already here, and the newest ACK and
 *     window. Ignoring that window kept the old SND.WND while SND.UNA
 *     moved on, so the usable window (SND.UNA + SND.WND) reached past
 *     the edge the peer offered by what the ACK advanced. A peer that
 *     drops what lies beyond its window (Linux since 6.16, while its
 *     receive queue holds data) then dropped those segments and every
 *     later ACK of ours (their SEQ, SND.NXT, was beyond it too): the
 *     two sides stopped hearing each other (sfproxy's stall, issue 12);
 *   - a segment whose ACK is below SND.WL2 was sent before the one that
 *     gave the window we hold, whatever its SEQ: a reordered old one.
 */
static bool window_is_newer(const struct sf_tcb *t, const struct sf_tcp_hdr *h,
                            bool advances_una) {
  if (advances_una)
    return true;
  if (sf_seq_lt(h->ack, t->snd_wl2))
    return false;
  return sf_seq_lt(t->snd_wl1, h->seq) ||
         (sf_seq_eq(t->snd_wl1, h->seq) && sf_seq_leq(t->snd_wl2, h->ack));
}

static void update_window(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                          bool advances_una) {
  if (!window_is_newer(t, h, advances_una))
    return;
  t->snd_wnd = (uint32_t)h->window << t->snd_wscale;
  if (t->snd_wnd > t->max_snd_wnd)
    t->max_snd_wnd = t->snd_wnd;
  t->snd_wl1 = h->seq;
  t->snd_wl2 = h->ack;
  if (t->snd_wnd > 0 && t->timers[SF_TT_PERSIST] != SF_TIME_NEVER) {
    sf__tcp_timer_stop(t, SF_TT_PERSIST);
    t->persist_backoff = 0;
  }
}

bool sf__tcp_process_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  struct sf_tcp *e = t->eng;
  /* RFC 5961 5.2: an ACK of data never sent, or far below SND.UNA, is
   * dropped and answered with a challenge ACK, within the budget (7) */
  bool too_new = sf_seq_gt(h->ack, t->snd_max);
  if (too_new || ack_too_old(t, h->ack)) {
    if (too_new)
      SF_TCP_COUNT(e, tcp_in_ack_too_new);
    else
      SF_TCP_COUNT(e, tcp_in_ack_too_old);
    if (sf__tcp_challenge_allowed(e))
      t->flags |= SF_TF_ACK_NOW;
    return false;
  }
  sf__recovery_on_sack(t, h);
  bool advances_una = sf_seq_gt(h->ack, t->snd_una);
  if (advances_una)
    new_ack(t, h);
  else if (is_dupack(t, h))
    sf__recovery_on_dupack(t);
  update_window(t, h, advances_una);
  if (!(t->flags & SF_TF_FIN_ACKED))
    return true;
  if (t->state == SF_TCP_CLOSING) {
    sf__tcp_enter_time_wait(t);
    return false;
  }
  if (t->state == SF_TCP_LAST_ACK) {
    sf__tcp_finish(t);
    return false;
  }
  return true;
}
