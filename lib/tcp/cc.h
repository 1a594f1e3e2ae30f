/*
 * Congestion control behind a small ops table, so that algorithms other
 * than NewReno (CUBIC, ...) can be added without touching the input path.
 *
 * The input path owns loss detection (duplicate ACKs, partial ACKs,
 * RFC 6582's recovery point); an algorithm only decides how the window
 * grows on new ACKs and what ssthresh becomes on a loss.
 */
#ifndef SF_TCP_CC_H
#define SF_TCP_CC_H

#include <stdint.h>

#include "link/link.h"

struct sf_cc_state {
  uint32_t cwnd;     /* bytes */
  uint32_t ssthresh; /* bytes */
  uint32_t smss;
  uint32_t bytes_acked; /* congestion avoidance accumulator */
};

struct sf_cc_ops {
  const char *name;
  /* RFC 5681 3.1: initial window (RFC 3390 / 6928 style) */
  void (*init)(struct sf_cc_state *s);
  /* acked bytes of new data acknowledged outside recovery */
  void (*on_ack)(struct sf_cc_state *s, uint32_t acked, sf_time_t now);
  /* a loss seen by three duplicate ACKs: returns the new ssthresh */
  uint32_t (*ssthresh_after_loss)(const struct sf_cc_state *s,
                                  uint32_t flight);
  /* the retransmission timer expired (RFC 5681 3.1 eq. 4 and after) */
  void (*on_rto)(struct sf_cc_state *s, uint32_t flight);
};

extern const struct sf_cc_ops sf__cc_newreno;

#endif /* SF_TCP_CC_H */
