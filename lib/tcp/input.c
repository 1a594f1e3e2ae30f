/*
 * Segment arrival, RFC 9293 3.10.7, for a segment that found its control
 * block: SYN-SENT (3.10.7.3) and the synchronized states (3.10.7.4) in
 * the RFC's order — PAWS, the acceptability test, RST (with RFC 5961's
 * challenge ACKs), SYN, ACK (ack.c), data and FIN (recv.c). Every step is
 * its own function; each returns false when the segment is finished with.
 */
#include "config.h"

#include "tcp/tcb.h"

/* RFC 7323 5.5: a TS.Recent older than 24 days no longer counts. */
#define PAWS_IDLE_LIMIT ((sf_time_t)24 * 24 * 3600 * SF_NSEC_PER_SEC)

static void challenge_ack(struct sf_tcb *t) {
  if (sf__tcp_challenge_allowed(t->eng))
    sf__tcp_send_ack(t);
}

/* ------------------------------------------------------------ SYN-SENT */

static void syn_sent_established(struct sf_tcb *t,
                                 const struct sf_tcp_hdr *h) {
  struct sf_tcp *e = t->eng;
  t->snd_una = h->ack;
  if (!(t->flags & SF_TF_TS) && (t->flags & SF_TF_RTT_TIMING) &&
      t->rtx_count == 0)
    sf__tcp_rtt_sample(t, e->now - t->rtt_start);
  else if ((t->flags & SF_TF_TS) && h->opts.ts_ecr && t->rtx_count == 0)
    sf__tcp_rtt_sample(t, (sf_time_t)(sf__tcp_ts_now(t) - h->opts.ts_ecr) *
                              SF_NSEC_PER_MSEC);
  t->flags &= ~(uint32_t)SF_TF_RTT_TIMING;
  t->rtx_count = 0;
  t->rtt.backoff = 0;
  t->snd_wnd = h->window; /* a SYN's window is never scaled */
  t->max_snd_wnd = t->snd_wnd;
  t->snd_wl1 = h->seq;
  t->snd_wl2 = h->ack;
  sf__tcp_timer_stop(t, SF_TT_RTX);
  SF_TCP_COUNT(e, tcp_established);
  sf__tcp_set_state(t, SF_TCP_ESTABLISHED);
  sf__tcp_emit_event(t, SF_TEV_ESTABLISHED, 0, 0);
  if (t->flags & SF_TF_SHUT_WR)
    sf__tcp_set_state(t, SF_TCP_FIN_WAIT_1);
  sf__tcp_keepalive_reset(t);
  t->flags |= SF_TF_ACK_NOW;
}

static void syn_sent_input(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  bool ack = (h->flags & SF_TCP_ACK) != 0;
  if (ack && (sf_seq_leq(h->ack, t->iss) || sf_seq_gt(h->ack, t->snd_max))) {
    if (!(h->flags & SF_TCP_RST))
      sf__tcp_reply_rst(t->eng, &t->node.key, h);
    return;
  }
  if (h->flags & SF_TCP_RST) {
    if (ack) {
      SF_TCP_COUNT(t->eng, tcp_conn_refused);
      sf__tcp_fail(t, SF_ECONNREFUSED);
    }
    return;
  }
  if (!(h->flags & SF_TCP_SYN))
    return;
  t->irs = h->seq;
  t->rcv_nxt = sf_seq_add(h->seq, 1);
  t->rcv_adv = t->rcv_nxt;
  t->last_recv = t->eng->now;
  sf__tcp_negotiate(t, &h->opts);
  if (ack) {
    syn_sent_established(t, h);
    return;
  }
  /* simultaneous open (RFC 9293 figure 8) */
  t->snd_wnd = h->window;
  t->snd_wl1 = h->seq;
  sf__tcp_set_state(t, SF_TCP_SYN_RECEIVED);
  sf__tcp_send_syn(t);
  sf__tcp_rtx_arm(t, true);
}

/* ---------------------------------------------------- synchronized */

/* RFC 7323 5.3: drop segments whose timestamp is older than TS.Recent. */
static bool paws_ok(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (!(t->flags & SF_TF_TS) || !(h->opts.present & SF_TCP_OPT_TIMESTAMP) ||
      (h->flags & SF_TCP_RST))
    return true;
  if ((int32_t)(h->opts.ts_val - t->ts_recent) >= 0)
    return true;
  if (t->eng->now - t->ts_recent_age > PAWS_IDLE_LIMIT) {
    t->ts_recent = h->opts.ts_val; /* RFC 7323 5.5: too old to judge by */
    return true;
  }
  SF_TCP_COUNT(t->eng, tcp_in_paws_rejected);
  t->flags |= SF_TF_ACK_NOW;
  return false;
}

/* RFC 9293 3.10.7.4, first check: the table of four cases. */
static bool acceptable(const struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  uint32_t len = sf__tcp_seg_len(h);
  int32_t wnd_i = sf_seq_diff(t->rcv_adv, t->rcv_nxt);
  uint32_t wnd = wnd_i > 0 ? (uint32_t)wnd_i : 0;
  sf_seq_t end = sf_seq_add(t->rcv_nxt, wnd);
  if (len == 0) {
    if (wnd == 0)
      return sf_seq_eq(h->seq, t->rcv_nxt);
    return sf_seq_in_range(h->seq, t->rcv_nxt, end);
  }
  if (wnd == 0) /* allowance for ACKs, URGs and RSTs at rcv_nxt */
    return sf_seq_eq(h->seq, t->rcv_nxt);
  return sf_seq_in_range(h->seq, t->rcv_nxt, end) ||
         sf_seq_in_range(sf_seq_add(h->seq, len - 1), t->rcv_nxt, end);
}

static bool check_sequence(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (acceptable(t, h))
    return true;
  SF_TCP_COUNT(t->eng, tcp_in_not_acceptable);
  if (h->flags & SF_TCP_SYN) /* RFC 5961 4.2: whatever its sequence number */
    challenge_ack(t);
  else if (!(h->flags & SF_TCP_RST)) {
    t->flags |= SF_TF_ACK_NOW;
    sf__tcp_note_duplicate(t, h);
  }
  return false;
}

/* RFC 9293 second check, with RFC 5961 3.2's exact-match rule. */
static bool check_rst(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (!(h->flags & SF_TCP_RST))
    return true;
  if (!sf_seq_eq(h->seq, t->rcv_nxt)) {
    challenge_ack(t);
    return false;
  }
  struct sf_tcp *e = t->eng;
  SF_TCP_COUNT(e, tcp_in_rst);
  if (t->state == SF_TCP_SYN_RECEIVED && (t->flags & SF_TF_PASSIVE)) {
    sf__tcp_finish(t); /* back to LISTEN: the listener never knew it */
    return false;
  }
  if (t->state == SF_TCP_SYN_RECEIVED) {
    SF_TCP_COUNT(e, tcp_conn_refused);
    sf__tcp_fail(t, SF_ECONNREFUSED);
    return false;
  }
  SF_TCP_COUNT(e, tcp_conn_reset);
  sf__tcp_fail(t, SF_ECONNRESET);
  return false;
}

/* Fourth check: a SYN in a synchronized state (RFC 5961 4.2). */
static bool check_syn(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (!(h->flags & SF_TCP_SYN))
    return true;
  challenge_ack(t);
  return false;
}

/* RFC 7323 4.3: remember the timestamp to echo. */
static void update_ts_recent(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (!(t->flags & SF_TF_TS) || !(h->opts.present & SF_TCP_OPT_TIMESTAMP))
    return;
  if ((int32_t)(h->opts.ts_val - t->ts_recent) >= 0 &&
      sf_seq_leq(h->seq, t->last_ack_sent)) {
    t->ts_recent = h->opts.ts_val;
    t->ts_recent_age = t->eng->now;
  }
}

/* SYN-RECEIVED: an ACK of our SYN completes the handshake. */
static bool syn_received_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (!sf_seq_gt(h->ack, t->snd_una) || sf_seq_gt(h->ack, t->snd_max)) {
    if (t->flags & SF_TF_PASSIVE)
      SF_TCP_COUNT(t->eng, tcp_in_listener_bad_ack);
    sf__tcp_reply_rst(t->eng, &t->node.key, h);
    return false;
  }
  if (sf__listener_accept_full(t))
    return false;
  t->snd_wnd = (uint32_t)h->window << t->snd_wscale;
  t->max_snd_wnd = t->snd_wnd;
  t->snd_wl1 = h->seq;
  t->snd_wl2 = h->ack;
  SF_TCP_COUNT(t->eng, tcp_established);
  sf__tcp_set_state(t, SF_TCP_ESTABLISHED);
  if (t->flags & SF_TF_PASSIVE)
    sf__listener_child_established(t);
  sf__tcp_emit_event(t, SF_TEV_ESTABLISHED, 0, 0);
  if (t->flags & SF_TF_SHUT_WR)
    sf__tcp_set_state(t, SF_TCP_FIN_WAIT_1);
  sf__tcp_keepalive_reset(t);
  return true;
}

/* A retransmitted SYN while we wait for the handshake's ACK: our
 * SYN-ACK was lost, so send it again. */
static bool syn_received_dup_syn(struct sf_tcb *t,
                                 const struct sf_tcp_hdr *h) {
  if (t->state != SF_TCP_SYN_RECEIVED ||
      (h->flags & (SF_TCP_SYN | SF_TCP_ACK | SF_TCP_RST)) != SF_TCP_SYN ||
      !sf_seq_eq(h->seq, t->irs))
    return false;
  sf__tcp_send_syn(t);
  return true;
}

/* TIME-WAIT while the application still holds the tcb: the same rules
 * as a TIME-WAIT record. Returns false when a new SYN ends the
 * connection: the segment is not the tcb's to take. */
static bool time_wait_input(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  struct sf_tw_record r;
  (void)sf__tcp_tw_template(t, &r); /* the decision needs no key */
  switch (sf__tw_segment(&r, h)) {
  case SF_TW_DROP:
    if (h->flags & SF_TCP_RST)
      SF_TCP_COUNT(t->eng, tcp_in_rst_ignored);
    break;
  case SF_TW_ACK_RESTART:
    SF_TCP_COUNT(t->eng, tcp_timewait_fin_reacked);
    sf__tcp_timer_set(t, SF_TT_2MSL, t->eng->now + 2 * t->eng->cfg.msl);
    /* fall through */
  case SF_TW_ACK:
    t->flags |= SF_TF_ACK_NOW;
    break;
  case SF_TW_NEW_SYN:
    SF_TCP_COUNT(t->eng, tcp_timewait_reused);
    sf__tcp_finish(t);
    return false;
  }
  return true;
}

/* RFC 9293 figure 8, line 6 (simultaneous open): after our own SYN-SENT,
 * the peer's SYN,ACK acknowledges our SYN, but its SYN (SEG.SEQ = IRS) was
 * received already, so the acceptability test would refuse the segment
 * and leave us in SYN-RECEIVED until a retransmission. Take it as the ACK
 * it carries, minus the SYN (as Linux's tcp_validate_incoming does). */
static bool simultaneous_syn_ack(const struct sf_tcb *t,
                                 const struct sf_tcp_hdr *h) {
  return t->state == SF_TCP_SYN_RECEIVED &&
         !(t->flags & SF_TF_PASSIVE) &&
         (h->flags & (SF_TCP_SYN | SF_TCP_ACK | SF_TCP_RST)) ==
             (SF_TCP_SYN | SF_TCP_ACK) &&
         sf_seq_eq(h->seq, t->irs) && sf_seq_eq(h->ack, t->snd_max);
}

static void synchronized_input(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  struct sf_tcp_hdr no_syn;
  t->last_recv = t->eng->now;
  t->keep_sent = 0;
  if (syn_received_dup_syn(t, h))
    return;
  if (simultaneous_syn_ack(t, h)) {
    no_syn = *h;
    no_syn.flags &= (uint16_t)~SF_TCP_SYN;
    no_syn.seq = sf_seq_add(h->seq, 1);
    h = &no_syn;
  }
  if (!paws_ok(t, h) || !check_sequence(t, h) || !check_rst(t, h) ||
      !check_syn(t, h))
    return;
  if (!(h->flags & SF_TCP_ACK)) {
    SF_TCP_COUNT(t->eng, tcp_in_no_ack);
    return;
  }
  update_ts_recent(t, h);
  if (t->state == SF_TCP_SYN_RECEIVED && !syn_received_ack(t, h))
    return;
  if (!sf__tcp_process_ack(t, h))
    return;
  if (h->flags & SF_TCP_URG)
    SF_TCP_COUNT(t->eng, tcp_in_urgent); /* data stays inline (RFC 6093) */
  sf__tcp_process_data(t, h);
}

/* An orphan whose FIN the peer acknowledged waits for the peer's FIN at
 * most fin_wait2_timeout. Started after the whole segment: when the
 * peer's FIN came with that ACK, t is in TIME-WAIT already, and a timer
 * set and cancelled within one segment is avoided. */
static void orphan_fin_wait2_timeout(struct sf_tcb *t) {
  if (t->state == SF_TCP_FIN_WAIT_2 && !(t->flags & SF_TF_ATTACHED) &&
      t->timers[SF_TT_2MSL] == SF_TIME_NEVER)
    sf__tcp_timer_set(t, SF_TT_2MSL,
                      t->eng->now + t->eng->cfg.fin_wait2_timeout);
}

bool sf__tcp_input(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  switch (t->state) {
  case SF_TCP_SYN_SENT:
    syn_sent_input(t, h);
    break;
  case SF_TCP_TIME_WAIT:
    if (!time_wait_input(t, h))
      return false;
    break;
  case SF_TCP_CLOSED:
  case SF_TCP_LISTEN:
    return true;
  default:
    synchronized_input(t, h);
    orphan_fin_wait2_timeout(t);
    break;
  }
  if (t->state != SF_TCP_CLOSED && !(t->flags & SF_TF_REAPED))
    sf__tcp_output(t);
  return true;
}
