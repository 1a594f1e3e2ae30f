/*
 * The dispatcher: what the rest of TCP reports (recovery.h), handed to
 * the detectors and the responses in the order the RFCs set. The places
 * marked "detectors:" are where another detector joins (recovery.h).
 */
#include "config.h"

#include "tcp/recovery/recovery.h"
#include "tcp/recovery/recovery_internal.h"

void sf__recovery_on_sack(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  /* detectors: what the peer now holds */
  sf__sack_update(t, h);
}

bool sf__recovery_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                         uint32_t acked) {
  /* what arrived above the hole this ACK fills, before it did */
  uint32_t sacked_before = sf__sack_sacked_below(t, acked);
  sf__sack_shift(t, acked);
  if ((t->flags & SF_TF_IN_RECOVERY) &&
      !sf__eifel_undo(t, h, sacked_before)) {
    sf__newreno_ack(t, acked);
    return true;
  }
  /* detectors: a new ACK ends the duplicates' count */
  t->dupacks = 0;
  return false;
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
  if (!sf__dupack_loss_detected(t) || !sf__newreno_may_enter(t))
    return;
  /* recovery repairs the tail too: no probe from here on */
  sf__tlp_cancel(t);
  sf__eifel_save(t);
  sf__newreno_enter(t);
}

bool sf__recovery_arm(struct sf_tcb *t, sf_time_t rto_at) {
  /* detectors: a timeout before the RTO */
  if (sf__tlp_arm(t, rto_at))
    return true;
  sf__recovery_disarm(t);
  return false;
}

bool sf__recovery_timer_armed(const struct sf_tcb *t) {
  /* detectors: each flags the RTX timer it takes */
  return (t->flags & SF_TF_PTO) != 0;
}

void sf__recovery_disarm(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)SF_TF_PTO;
}

bool sf__recovery_timer_fired(struct sf_tcb *t) {
  /* detectors: whose timer it was */
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
}
