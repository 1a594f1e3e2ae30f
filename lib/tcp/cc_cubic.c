/*
 * CUBIC (RFC 9438) behind the ops table of cc.h. After a loss the window
 * follows W_cubic(t) = C * (t - K)^3 + W_max (4.2): concave up to the
 * window where the loss happened, flat around it, convex beyond it; never
 * slower than the Reno-friendly estimate W_est (4.3).
 *
 * What is here: the window on each ACK in congestion avoidance (4.3-4.5,
 * with 4.4's target clamped to [cwnd, 1.5 cwnd]), the reduction on a loss
 * with fast convergence (4.6, 4.7), the timeout (4.8). Slow start is
 * NewReno's (sf__cc_slow_start): HyStart++ (RFC 9406, optional in 4.10)
 * is left out, and so is RFC 7661's rule for application-limited periods.
 *
 * Units: windows in bytes (as cc.h), the curve's time in milliseconds
 * (plenty for a curve that takes seconds to bend), everything in 64-bit
 * integers with every product bounded below 2^64; no floating point.
 * C = 0.4 segments/s^3 = 2/5, so C * (d / 1000 s)^3 segments of smss bytes
 * is 2 * d^3 * smss / (5 * 10^9) bytes for d in milliseconds.
 */
#include "config.h"

#include "tcp/cc.h"

/* beta_cubic = 0.7 (4.6) */
#define BETA_NUM 7u
#define BETA_DEN 10u
/* alpha_cubic = 3 * (1 - beta) / (1 + beta) = 9/17 (4.3), in 17ths */
#define ALPHA_NUM 9u
#define ALPHA_DEN 17u
/* 5 * 10^9: C's denominator times (1000 ms/s)^3 */
#define CUBE_DEN 5000000000u
/* the largest r with r^3 < 2^64; also the cap on |t - K| in ms (2642 s):
 * K never exceeds 2207 s (W_max - cwnd_epoch < 2^32 segments), and 2642 s
 * past K the curve is above 7 * 10^9 segments, beyond any 32-bit cwnd */
#define CBRT_MAX 2642245u

/* The largest r with r^3 <= x, by bisection. */
static uint64_t icbrt(uint64_t x) {
  uint64_t lo = 0, hi = CBRT_MAX;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (mid * mid * mid <= x)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/* floor(C * (d_ms / 1000)^3 * smss): the curve's distance from W_max. */
static uint64_t cube_bytes(uint64_t d_ms, uint32_t smss) {
  if (d_ms > CBRT_MAX)
    d_ms = CBRT_MAX;
  uint64_t cube = d_ms * d_ms * d_ms; /* < 2^64; cube / CUBE_DEN < 2^32 */
  uint64_t q = cube / CUBE_DEN, r = cube % CUBE_DEN;
  return q * 2 * smss + r * 2 * smss / CUBE_DEN;
}

/* RFC 9438 4.2, figure 2: K = cbrt((W_max - cwnd_epoch) / C), in ms:
 * K^3 = (W_max - cwnd_epoch) / smss * 2.5 * 10^9 ms^3. */
static uint32_t cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch,
                           uint32_t smss) {
  if (w_max <= cwnd_epoch)
    return 0;
  uint64_t diff = w_max - cwnd_epoch, den = 2 * (uint64_t)smss;
  /* diff / den < 2^31 and diff % den * CUBE_DEN < 2^64: no overflow; the
   * root is below CBRT_MAX, so 32 bits hold it */
  return (uint32_t)icbrt(diff / den * CUBE_DEN + diff % den * CUBE_DEN / den);
}

/* W_cubic(t) in bytes (4.2, figure 1) for t since the epoch started. */
static uint64_t w_cubic(const struct sf_cc_cubic *c, uint32_t smss,
                        sf_time_t t) {
  uint64_t t_ms = t / SF_NSEC_PER_MSEC;
  if (t_ms >= c->k_ms)
    return c->w_max + cube_bytes(t_ms - c->k_ms, smss);
  uint64_t below = cube_bytes(c->k_ms - t_ms, smss);
  return below < c->w_max ? c->w_max - below : 0;
}

static uint32_t clamp32(uint64_t v) {
  return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t smss_of(const struct sf_cc_state *s) {
  return s->smss ? s->smss : 1;
}

static void cubic_init(struct sf_cc_state *s) {
  s->cwnd = sf__cc_initial_window(s->smss);
  s->ssthresh = UINT32_MAX;
  s->bytes_acked = 0;
  s->priv.cubic = (struct sf_cc_cubic){0};
}

/* The first ACK in congestion avoidance after a loss, a timeout or slow
 * start: t counts from here, W_est starts at cwnd (4.3), and after a
 * timeout (w_max 0) or when cwnd already exceeds W_max the curve starts
 * flat at cwnd: K = 0, W_max = cwnd (4.8). */
static void start_epoch(struct sf_cc_state *s, sf_time_t now) {
  struct sf_cc_cubic *c = &s->priv.cubic;
  c->in_epoch = true;
  c->epoch_start = now;
  c->cwnd_epoch = s->cwnd;
  c->w_est = s->cwnd;
  c->grow_rem = 0;
  c->est_rem = 0;
  c->est_rem17 = 0;
  if (c->w_max < s->cwnd)
    c->w_max = s->cwnd;
  c->k_ms = cubic_k_ms(c->w_max, c->cwnd_epoch, smss_of(s));
}

/* 4.3: W_est += alpha * segments_acked / cwnd, i.e. alpha * acked * smss
 * / cwnd bytes; alpha becomes 1 once W_est reaches cwnd_prior. The sum
 * (alpha's numerator * acked * smss) is divided by 17 * cwnd in two steps,
 * by 17 then by cwnd: floor(floor(x / 17) / cwnd) = floor(x / (17 *
 * cwnd)), and the remainders (est_rem17 < 17, est_rem < cwnd) are those
 * of the one division, x % (17 * cwnd) = est_rem * 17 + est_rem17, so the
 * window grows exactly as with a 64-bit remainder. */
static void grow_w_est(struct sf_cc_state *s, uint32_t acked) {
  struct sf_cc_cubic *c = &s->priv.cubic;
  uint64_t num = c->w_est >= c->cwnd_prior ? ALPHA_DEN : ALPHA_NUM;
  uint64_t cwnd = s->cwnd ? s->cwnd : 1;
  uint64_t x = c->est_rem17 + num * acked * smss_of(s);
  uint64_t q = c->est_rem + x / ALPHA_DEN;
  c->est_rem17 = (uint8_t)(x % ALPHA_DEN);
  c->est_rem = (uint32_t)(q % cwnd);
  c->w_est = clamp32(c->w_est + q / cwnd);
}

/* 4.4, 4.5: cwnd grows by (target - cwnd) / cwnd per segment acked, i.e.
 * (target - cwnd) * acked / cwnd bytes, towards the curve one RTT ahead,
 * target clamped to [cwnd, 1.5 cwnd]. */
static void grow_to_target(struct sf_cc_state *s, uint32_t acked,
                           sf_time_t t, sf_time_t srtt) {
  struct sf_cc_cubic *c = &s->priv.cubic;
  uint64_t cwnd = s->cwnd ? s->cwnd : 1;
  sf_time_t ahead = t > UINT64_MAX - srtt ? UINT64_MAX : t + srtt;
  uint64_t target = w_cubic(c, smss_of(s), ahead);
  if (target < cwnd)
    target = cwnd;
  if (target > cwnd + cwnd / 2)
    target = cwnd + cwnd / 2;
  uint64_t grow = c->grow_rem + (target - cwnd) * acked; /* < 2^31 * 2^32
                                                           + 2^32 */
  uint64_t inc = grow / cwnd;
  c->grow_rem = (uint32_t)(grow % cwnd); /* < cwnd: 32 bits */
  /* a stretch ACK of more than a window does not overshoot the target */
  s->cwnd = clamp32(cwnd + inc < target ? cwnd + inc : target);
}

static void cubic_on_ack(struct sf_cc_state *s, uint32_t acked, sf_time_t now,
                         sf_time_t srtt) {
  struct sf_cc_cubic *c = &s->priv.cubic;
  if (s->cwnd < s->ssthresh) {
    sf__cc_slow_start(s, acked);
    return;
  }
  if (!c->in_epoch)
    start_epoch(s, now);
  sf_time_t t = now > c->epoch_start ? now - c->epoch_start : 0;
  grow_w_est(s, acked);
  /* 4.3: the Reno-friendly region: cwnd follows W_est (an ACK never
   * shrinks cwnd, should it be ahead of W_est already) */
  if (w_cubic(c, smss_of(s), t) < c->w_est) {
    if (s->cwnd < c->w_est)
      s->cwnd = c->w_est;
    return;
  }
  grow_to_target(s, acked, t, srtt);
}

/* The window in use: cwnd, or less when the application or the peer's
 * window kept the flight below it (nothing stops cwnd growing then, so
 * cwnd alone would overstate where the path lost a packet). */
static uint32_t window_in_use(const struct sf_cc_state *s, uint32_t flight) {
  return flight < s->cwnd ? flight : s->cwnd;
}

/* 4.6: ssthresh = flight_size * beta_cubic, at least 2 SMSS. */
static uint32_t reduced(const struct sf_cc_state *s, uint32_t flight) {
  uint64_t w = (uint64_t)flight * BETA_NUM / BETA_DEN;
  uint64_t least = 2 * (uint64_t)smss_of(s);
  return clamp32(w > least ? w : least);
}

static uint32_t cubic_ssthresh(struct sf_cc_state *s, uint32_t flight) {
  struct sf_cc_cubic *c = &s->priv.cubic;
  uint32_t w = window_in_use(s, flight);
  /* 4.7, fast convergence: a loss below the last W_max means another
   * flow is taking bandwidth; give some up: W_max = w * (1 + beta) / 2 */
  if (w < c->w_max)
    c->w_max = (uint32_t)((uint64_t)w * (BETA_DEN + BETA_NUM) /
                          (2 * BETA_DEN));
  else
    c->w_max = w;
  c->cwnd_prior = w;
  c->in_epoch = false;
  return reduced(s, flight);
}

/* 4.8: ssthresh as for a loss, cwnd the loss window; the next epoch
 * starts with W_max = cwnd and K = 0 (w_max 0 tells start_epoch). */
static void cubic_on_rto(struct sf_cc_state *s, uint32_t flight) {
  struct sf_cc_cubic *c = &s->priv.cubic;
  s->ssthresh = reduced(s, flight);
  c->cwnd_prior = window_in_use(s, flight);
  c->w_max = 0;
  c->in_epoch = false;
  s->cwnd = smss_of(s);
  s->bytes_acked = 0;
}

const struct sf_cc_ops sf__cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .ssthresh_after_loss = cubic_ssthresh,
    .on_rto = cubic_on_rto,
};
