/*
 * Fast retransmit and fast recovery, NewReno's (RFC 5681 3.2, RFC 6582
 * 3.2): halve the window, retransmit the first segment, inflate the
 * window by a segment per duplicate ACK, and on each partial ACK repair
 * the next hole, until the ACK covers everything outstanding when the
 * loss was detected (t->recover). With SACK, each step repairs the next
 * hole below SACKed data instead (sack.c).
 */
#include "config.h"

#include "tcp/recovery/recovery_internal.h"

bool sf__newreno_may_enter(const struct sf_tcb *t) {
  return sf_seq_gt(t->snd_una, t->recover);
}

void sf__newreno_enter(struct sf_tcb *t) {
  uint32_t flight = sf__tcp_flight(t);
  t->ccs.ssthresh = t->cc->ssthresh_after_loss(&t->ccs, flight);
  t->recover = t->snd_max;
  t->flags |= SF_TF_IN_RECOVERY;
  t->flags &= ~(uint32_t)SF_TF_RTT_TIMING;
  SF_TCP_COUNT(t->eng, tcp_fast_retrans);
  t->high_rxt = t->snd_una;
  sf__tcp_retransmit_first(t);
  sf__recovery_repair(t, 1);
  t->ccs.cwnd = t->ccs.ssthresh + 3 * t->smss;
}

void sf__newreno_dupack(struct sf_tcb *t) {
  t->ccs.cwnd += t->smss;
  sf__recovery_repair(t, 1);
}

static void full_ack(struct sf_tcb *t) {
  uint32_t flight = sf__tcp_flight(t);
  uint32_t w = (flight > t->smss ? flight : t->smss) + t->smss;
  t->ccs.cwnd = w < t->ccs.ssthresh ? w : t->ccs.ssthresh;
  sf__newreno_exit(t);
}

static void partial_ack(struct sf_tcb *t, uint32_t acked) {
  SF_TCP_COUNT(t->eng, tcp_recovery_partial_acks);
  /* the next hole, unless a SACK-driven retransmission already covered
   * it (then the next hole below SACKed data); with RACK, the next
   * segment it marked lost, not one presumed so */
  if (sf__rack_active(t))
    sf__rack_retransmit_lost(t, 1);
  else if (!sf_seq_gt(t->high_rxt, t->snd_una))
    sf__tcp_retransmit_first(t);
  else
    sf__sack_retransmit_holes(t, 1);
  t->ccs.cwnd = t->ccs.cwnd > acked ? t->ccs.cwnd - acked : 0;
  if (acked >= t->smss)
    t->ccs.cwnd += t->smss;
  if (t->ccs.cwnd < t->smss)
    t->ccs.cwnd = t->smss;
}

void sf__newreno_ack(struct sf_tcb *t, uint32_t acked) {
  if (sf_seq_geq(t->snd_una, t->recover))
    full_ack(t);
  else
    partial_ack(t, acked);
}

void sf__newreno_exit(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)SF_TF_IN_RECOVERY;
  t->dupacks = 0;
}

void sf__newreno_after_rto(struct sf_tcb *t) {
  sf__newreno_exit(t);
  t->recover = t->snd_max;
}
