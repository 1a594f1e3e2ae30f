/*
 * Congestion control behind a small ops table, so that algorithms other
 * than NewReno can be added without touching the input path: NewReno
 * (cc_newreno.c, the default) and CUBIC (cc_cubic.c, RFC 9438), chosen
 * per connection by name (sf__cc_find).
 *
 * Loss recovery (recovery/) owns loss detection (duplicate ACKs, partial
 * ACKs, RFC 6582's recovery point) and the window during recovery; an
 * algorithm only decides how the window grows on new ACKs and what
 * ssthresh becomes on a loss. Everything an algorithm keeps lives in
 * struct sf_cc_state, so that saving and restoring the struct (the Eifel
 * undo, recovery/eifel.c) undoes an algorithm's reaction to a loss
 * completely.
 */
#ifndef SF_TCP_CC_H
#define SF_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/time.h"

/* CUBIC's own variables (RFC 9438 4.1), windows in bytes. */
struct sf_cc_cubic {
  uint32_t w_max;       /* the window before the last reduction (4.6,
                           4.7); 0: take cwnd when the epoch starts (4.8) */
  uint32_t cwnd_prior;  /* the window at the last loss (4.3's alpha) */
  uint32_t cwnd_epoch;  /* cwnd when the epoch started */
  uint32_t w_est;       /* the Reno-friendly estimate (4.3) */
  uint32_t k_ms;        /* K: when W_cubic reaches w_max again (at most
                           2207 s: cc_cubic.c) */
  /* Remainders of the per-ACK divisions, so that small increments add
   * up: grow_rem of the division by cwnd, est_rem and est_rem17 of W_est's
   * by 17 * cwnd, kept as est_rem * 17 + est_rem17 so that each fits in
   * 32 bits (cc_cubic.c, grow_w_est). Every tcb holds this. */
  uint32_t grow_rem;
  uint32_t est_rem;
  uint8_t est_rem17;
  bool in_epoch;        /* false: the next ACK in congestion avoidance
                           starts an epoch */
  sf_time_t epoch_start;
};

struct sf_cc_state {
  uint32_t cwnd;     /* bytes */
  uint32_t ssthresh; /* bytes */
  uint32_t smss;
  uint32_t bytes_acked; /* congestion avoidance accumulator */
  union {
    struct sf_cc_cubic cubic;
  } priv; /* the algorithm's own; zero before init */
};

struct sf_cc_ops {
  const char *name;
  /* RFC 5681 3.1: initial window (RFC 3390 / 6928 style); smss is set */
  void (*init)(struct sf_cc_state *s);
  /* acked bytes of new data acknowledged outside recovery, at now, with
   * the smoothed RTT srtt (0 before the first sample) */
  void (*on_ack)(struct sf_cc_state *s, uint32_t acked, sf_time_t now,
                 sf_time_t srtt);
  /* a loss seen by duplicate ACKs (fast retransmit) with flight bytes
   * outstanding: notes what the algorithm keeps about the loss and
   * returns the new ssthresh (the caller sets cwnd) */
  uint32_t (*ssthresh_after_loss)(struct sf_cc_state *s, uint32_t flight);
  /* the retransmission timer expired (RFC 5681 3.1 eq. 4 and after) */
  void (*on_rto)(struct sf_cc_state *s, uint32_t flight);
};

extern const struct sf_cc_ops sf__cc_newreno;
extern const struct sf_cc_ops sf__cc_cubic;

/* The algorithm called name ("newreno", "cubic"), or NULL. */
const struct sf_cc_ops *sf__cc_find(const char *name);

/* Shared by the algorithms: RFC 6928's initial window for smss ... */
uint32_t sf__cc_initial_window(uint32_t smss);
/* ... and slow start (RFC 5681 3.1, RFC 3465 with L = 1), saturating. */
void sf__cc_slow_start(struct sf_cc_state *s, uint32_t acked);

#endif /* SF_TCP_CC_H */
