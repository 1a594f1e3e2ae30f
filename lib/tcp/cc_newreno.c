/*
 * NewReno's window rules (RFC 5681 3.1; recovery itself, RFC 6582, lives
 * in the input path). Slow start grows by the bytes acknowledged, capped
 * at one SMSS per ACK (RFC 3465 with L = 1); congestion avoidance by
 * about one SMSS per window, counted in bytes.
 */
#include "config.h"

#include "tcp/cc.h"

static void newreno_init(struct sf_cc_state *s) {
  /* RFC 6928: IW = min(10 * SMSS, max(2 * SMSS, 14600)) */
  uint32_t iw = 10 * s->smss;
  uint32_t cap = 2 * s->smss > 14600 ? 2 * s->smss : 14600;
  s->cwnd = iw < cap ? iw : cap;
  s->ssthresh = UINT32_MAX;
  s->bytes_acked = 0;
}

static void newreno_on_ack(struct sf_cc_state *s, uint32_t acked,
                           sf_time_t now) {
  (void)now;
  if (s->cwnd < s->ssthresh) {
    s->cwnd += acked < s->smss ? acked : s->smss;
    return;
  }
  s->bytes_acked += acked;
  if (s->bytes_acked >= s->cwnd) {
    s->bytes_acked -= s->cwnd;
    s->cwnd += s->smss;
  }
}

static uint32_t newreno_ssthresh(const struct sf_cc_state *s,
                                 uint32_t flight) {
  uint32_t half = flight / 2;
  return half > 2 * s->smss ? half : 2 * s->smss;
}

static void newreno_on_rto(struct sf_cc_state *s, uint32_t flight) {
  s->ssthresh = newreno_ssthresh(s, flight);
  s->cwnd = s->smss; /* the loss window */
  s->bytes_acked = 0;
}

const struct sf_cc_ops sf__cc_newreno = {
    .name = "newreno",
    .init = newreno_init,
    .on_ack = newreno_on_ack,
    .ssthresh_after_loss = newreno_ssthresh,
    .on_rto = newreno_on_rto,
};
