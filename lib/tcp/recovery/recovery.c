/*
 * The dispatcher: what the rest of TCP reports (recovery.h), handed to
 * the detectors and the responses in the order the RFCs set. The places
 * marked "detectors:" are where another detector joins (recovery.h).
 */
#include "config.h"

#include "tcp/recovery/recovery.h"
#include "tcp/recovery/recovery_internal.h"

void sf__recovery_on_send(struct sf_tcb *t, sf_seq_t seq, uint32_t len) {
  sf__rack_on_send(t, seq, len);
}

void sf__recovery_on_sack(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  /* detectors: what the peer now holds */
  sf__sack_update(t, h);
  sf__rack_on_ack(t, h);
}

unsigned sf__recovery_repair(struct sf_tcb *t, unsigned max) {
  if (sf__rack_active(t))
    return sf__rack_retransmit_lost(t, max);
  return sf__sack_retransmit_holes(t, max);
}

/* Whether a detector sees a loss that may start fast recovery. */
static bool loss_seen(struct sf_tcb *t) {
  if (sf__rack_active(t))
    return sf__rack_loss_detected(t);
  return sf__dupack_loss_detected(t);
}

/* Whether the loss may start recovery. RFC 6582's guard keeps the last
 * window's duplicate ACKs from starting another (snd_una must pass
 * recover); RACK's marks go by time, and a segment sent from recover on
 * was sent after that recovery began, so its loss is a new one. */
static bool may_enter(const struct sf_tcb *t) {
  if (sf__rack_active(t))
    return sf_seq_geq(t->snd_una, t->recover);
  return sf__newreno_may_enter(t);
}

/* Starts fast recovery if a detector saw a loss; returns whether it did. */
static bool maybe_enter(struct sf_tcb *t) {
  if (!loss_seen(t) || !may_enter(t))
    return false;
  /* recovery repairs the tail too: no probe from here on */
  sf__tlp_cancel(t);
  sf__eifel_save(t);
  sf__newreno_enter(t);
  return true;
}

bool sf__recovery_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                         uint32_t acked) {
  /* what arrived above the hole this ACK fills, before it did */
  uint32_t sacked_before = sf__sack_sacked_below(t, acked);
  sf__sack_shift(t, acked);
  sf__rack_shift(t);
  if (t->flags & SF_TF_IN_RECOVERY) {
    if (!sf__eifel_undo(t, h, sacked_before)) {
      sf__newreno_ack(t, acked);
      if (!(t->flags & SF_TF_IN_RECOVERY))
        sf__rack_recovery_done(t);
      return true;
    }
    sf__rack_spurious(t);
  }
  /* detectors: a new ACK ends the duplicates' count; RACK may have seen
   * a loss in what it delivered */
  t->dupacks = 0;
  return sf__rack_active(t) && maybe_enter(t);
}

void sf__recovery_ack_done(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                           uint32_t flight) {
  /* detectors: the probe's verdict */
  sf__tlp_on_ack(t, h, flight);
}

void sf__recovery_on_dupack(struct sf_tcb *t) {
  t->dupacks++;
  if (t->flags & SF_TF_IN_RECOVERY) {
    sf__newreno_dupack(t);
    return;
  }
  /* detectors: is a loss seen? */
  maybe_enter(t);
}

bool sf__recovery_arm(struct sf_tcb *t, sf_time_t rto_at) {
  /* detectors: a timeout before the RTO, the reordering window's first */
  if (sf__rack_arm(t, rto_at) || sf__tlp_arm(t, rto_at))
    return true;
  sf__recovery_disarm(t);
  return false;
}

bool sf__recovery_timer_armed(const struct sf_tcb *t) {
  /* detectors: each flags the RTX timer it takes */
  return (t->flags & (SF_TF_PTO | SF_TF_REO)) != 0;
}

void sf__recovery_disarm(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)(SF_TF_PTO | SF_TF_REO);
}

/* RACK's reordering timer expired: what is lost by now is repaired, by
 * starting recovery or, during one, as a duplicate ACK would. */
static void reordering_timeout(struct sf_tcb *t) {
  sf__rack_timer_fired(t);
  if (t->flags & SF_TF_IN_RECOVERY)
    sf__rack_retransmit_lost(t, 1);
  else
    maybe_enter(t);
  sf__tcp_rtx_arm(t, false);
}

bool sf__recovery_timer_fired(struct sf_tcb *t) {
  /* detectors: whose timer it was */
  if (t->flags & SF_TF_REO) {
    reordering_timeout(t);
    return true;
  }
  if (t->flags & SF_TF_PTO) {
    sf__tlp_fire(t);
    return true;
  }
  sf__tlp_cancel(t);
  return false;
}

void sf__recovery_on_rto(struct sf_tcb *t) {
  sf__newreno_after_rto(t);
  /* detectors: what the RTO overrides */
  sf__dupthresh_reset(t);
  sf__sack_reset(t);
  sf__rack_on_rto(t);
}

void sf__recovery_free(struct sf_tcb *t) {
  sf__rack_free(t);
  sf__asm_free(&t->sacked, NULL);
  t->flags &= ~(uint32_t)SF_TF_EIFEL;
  sf__eifel_release(t);
}

void sf__recovery_release_idle(struct sf_tcb *t) {
  sf__rack_release_idle(t);
  if (sf__asm_empty(&t->sacked))
    sf__asm_free(&t->sacked, NULL);
  sf__eifel_release(t);
}
