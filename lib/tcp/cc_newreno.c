/*
 * NewReno's window rules (RFC 5681 3.1; recovery itself, RFC 6582, lives
 * in the input path). Slow start grows by the bytes acknowledged, capped
 * at one SMSS per ACK (RFC 3465 with L = 1); congestion avoidance by
 * about one SMSS per window, counted in bytes.
 *
 * Also here, beside the default algorithm: the table of algorithms by
 * name, and the initial window and slow start every algorithm shares.
 */
#include "config.h"

#include <string.h>

#include "tcp/cc.h"

const struct sf_cc_ops *sf__cc_find(const char *name) {
  static const struct sf_cc_ops *const all[] = {&sf__cc_newreno,
                                                &sf__cc_cubic};
  if (!name)
    return NULL;
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (!strcmp(all[i]->name, name))
      return all[i];
  return NULL;
}

uint32_t sf__cc_initial_window(uint32_t smss) {
  /* RFC 6928: IW = min(10 * SMSS, max(2 * SMSS, 14600)) */
  uint64_t iw = 10 * (uint64_t)smss;
  uint64_t cap = 2 * (uint64_t)smss > 14600 ? 2 * (uint64_t)smss : 14600;
  return (uint32_t)(iw < cap ? iw : cap);
}

static uint32_t add_sat(uint32_t a, uint32_t b) {
  return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void sf__cc_slow_start(struct sf_cc_state *s, uint32_t acked) {
  s->cwnd = add_sat(s->cwnd, acked < s->smss ? acked : s->smss);
}

static void newreno_init(struct sf_cc_state *s) {
  s->cwnd = sf__cc_initial_window(s->smss);
  s->ssthresh = UINT32_MAX;
  s->bytes_acked = 0;
}

static void newreno_on_ack(struct sf_cc_state *s, uint32_t acked,
                           sf_time_t now, sf_time_t srtt) {
  (void)now;
  (void)srtt;
  if (s->cwnd < s->ssthresh) {
    sf__cc_slow_start(s, acked);
    return;
  }
  s->bytes_acked = add_sat(s->bytes_acked, acked);
  if (s->bytes_acked >= s->cwnd) {
    s->bytes_acked -= s->cwnd;
    s->cwnd = add_sat(s->cwnd, s->smss);
  }
}

static uint32_t newreno_ssthresh(struct sf_cc_state *s, uint32_t flight) {
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
