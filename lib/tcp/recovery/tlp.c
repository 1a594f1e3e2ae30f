/*
 * Tail loss probes (RFC 8985 section 7, without RACK). When the last
 * segments of a flight, or the ACKs for them, are lost, no duplicate ACK
 * comes back and only the RTO would notice, 200 ms or more later. So
 * while a SACK connection has data in flight and is not recovering, the
 * retransmission timer first runs for a probe timeout (PTO, about two
 * round trips): if it fires, the last segment is sent again, and the ACK
 * it draws either shows everything arrived (the ACKs were lost) or lets
 * the ordinary machinery repair the hole. After a probe the timer is the
 * RTO again until the probe is acknowledged.
 *
 * Map:
 *   sf__tlp_arm     the timer for a probe, if a probe may go (7.2)
 *   sf__tlp_fire    the PTO expired: retransmit the last segment (7.3)
 *   sf__tlp_on_ack  the probe's episode ends; react to a real loss (7.4)
 *   sf__tlp_cancel  recovery or an RTO took over
 */
#include "config.h"

#include "tcp/recovery/recovery_internal.h"

/* RFC 8985 7.2: PTO = 2 * SRTT, plus the worst-case delayed ACK when a
 * single segment is out (its ACK may be delayed), at least 10 ms (as
 * Linux: timer granularity, and no probe in the middle of a GRO burst). */
#define TLP_DELACK_WORST (200 * SF_NSEC_PER_MSEC)
#define TLP_MIN_PTO (10 * SF_NSEC_PER_MSEC)

static bool may_probe(const struct sf_tcb *t) {
  if (!t->eng->cfg.tail_loss_probe || !(t->flags & SF_TF_SACK) ||
      t->rtt.srtt == 0 || t->rtx_count > 0)
    return false;
  /* a FIN at the tail would have to be probed too: leave it to the RTO */
  if (t->flags & (SF_TF_IN_RECOVERY | SF_TF_TLP | SF_TF_FIN_SENT))
    return false;
  return t->state == SF_TCP_ESTABLISHED || t->state == SF_TCP_CLOSE_WAIT;
}

static sf_time_t pto(const struct sf_tcb *t) {
  sf_time_t p = 2 * t->rtt.srtt;
  if (sf__tcp_flight(t) <= t->smss)
    p += TLP_DELACK_WORST;
  return p < TLP_MIN_PTO ? TLP_MIN_PTO : p;
}

bool sf__tlp_arm(struct sf_tcb *t, sf_time_t rto_at) {
  if (!may_probe(t))
    return false;
  sf_time_t at = t->eng->now + pto(t);
  if (at >= rto_at) /* the RTO comes first anyway */
    return false;
  sf__tcp_timer_set(t, SF_TT_RTX, at);
  t->flags |= SF_TF_PTO;
  return true;
}

void sf__tlp_fire(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)SF_TF_PTO;
  uint32_t flight = sf__tcp_flight(t);
  if (flight == 0)
    return;
  SF_TCP_COUNT(t->eng, tcp_tlp_probes);
  /* 7.3: the last segment (sending new data instead, which the RFC
   * prefers, would need the send path to ignore cwnd for one segment) */
  uint32_t len = flight < t->smss ? flight : t->smss;
  t->flags |= SF_TF_TLP;
  t->tlp_tsval = sf__tcp_ts_now(t);
  t->tlp_high = t->snd_max;
  sf__tcp_retransmit_at(t, sf_seq_add(t->snd_max, (uint32_t)-len), len);
  sf__tcp_rtx_arm(t, true); /* the RTO now, not another probe */
}

void sf__tlp_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                    uint32_t flight) {
  if (!(t->flags & SF_TF_TLP) || sf_seq_lt(h->ack, t->tlp_high))
    return;
  t->flags &= ~(uint32_t)SF_TF_TLP;
  /* 7.4: did the probe repair a loss? The ACK echoes the TSval of the
   * segment that completed the data: the probe's if the original was
   * lost, an older one if only ACKs were (then nothing was lost). Without
   * timestamps, assume a loss. */
  bool ts = (t->flags & SF_TF_TS) && (h->opts.present & SF_TCP_OPT_TIMESTAMP);
  if (ts && (int32_t)(h->opts.ts_ecr - t->tlp_tsval) < 0)
    return;
  SF_TCP_COUNT(t->eng, tcp_tlp_repaired);
  /* the congestion response of a fast recovery, which this was */
  t->ccs.ssthresh = t->cc->ssthresh_after_loss(&t->ccs, flight);
  if (t->ccs.cwnd > t->ccs.ssthresh)
    t->ccs.cwnd = t->ccs.ssthresh;
}

void sf__tlp_cancel(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)(SF_TF_TLP | SF_TF_PTO);
}
