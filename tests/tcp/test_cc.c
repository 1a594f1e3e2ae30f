/*
 * Congestion control through the ops table of lib/tcp/cc.h, with exact
 * windows: NewReno's initial window, slow start, congestion avoidance,
 * loss and timeout; CUBIC (RFC 9438): K for a known W_max, the 0.7
 * reduction, the concave then convex curve against the RFC's formula at
 * several t, the Reno-friendly region winning at small windows and short
 * RTTs (and its alpha becoming 1), fast convergence, the timeout, the
 * 1.5x clamp, no overflow at huge windows and hours of t. Then through
 * the engine (the in-memory harness): a CUBIC connection's fast
 * retransmit sets ssthresh to 0.7 of the flight where NewReno halves it,
 * the Eifel undo restores CUBIC's own state, the algorithm by engine
 * default, by listener, and switched on a live connection.
 *
 * Every expected number below is computed by hand from the RFC formulas
 * (C = 0.4, beta = 0.7, alpha = 9/17), with SMSS 1000 so that windows
 * read in segments.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp/cc.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"

#define MS SF_NSEC_PER_MSEC
#define SEC SF_NSEC_PER_SEC

static struct sf_cc_state fresh(const struct sf_cc_ops *cc, uint32_t smss) {
  struct sf_cc_state s;
  memset(&s, 0, sizeof(s));
  s.smss = smss;
  cc->init(&s);
  return s;
}

/* --------------------------------------------------------------- table */

START_TEST(find_by_name) {
  ck_assert_ptr_eq(sf__cc_find("newreno"), &sf__cc_newreno);
  ck_assert_ptr_eq(sf__cc_find("cubic"), &sf__cc_cubic);
  ck_assert_ptr_null(sf__cc_find("reno"));
  ck_assert_ptr_null(sf__cc_find("CUBIC"));
  ck_assert_ptr_null(sf__cc_find(""));
  ck_assert_ptr_null(sf__cc_find(NULL));
  ck_assert_str_eq(sf__tcp_cc_name("cubic"), "cubic");
  ck_assert_ptr_null(sf__tcp_cc_name("bbr"));
}
END_TEST

/* RFC 6928: IW = min(10 * SMSS, max(2 * SMSS, 14600)), both algorithms */
START_TEST(initial_window) {
  const struct sf_cc_ops *all[] = {&sf__cc_newreno, &sf__cc_cubic};
  for (int i = 0; i < 2; i++) {
    ck_assert_uint_eq(fresh(all[i], 1448).cwnd, 14480);
    ck_assert_uint_eq(fresh(all[i], 536).cwnd, 5360);
    ck_assert_uint_eq(fresh(all[i], 4000).cwnd, 14600);
    ck_assert_uint_eq(fresh(all[i], 8960).cwnd, 17920);
    ck_assert_uint_eq(fresh(all[i], 1448).ssthresh, UINT32_MAX);
  }
}
END_TEST

/* ------------------------------------------------------------- NewReno */

START_TEST(newreno_slow_start) {
  const struct sf_cc_ops *cc = &sf__cc_newreno;
  struct sf_cc_state s = fresh(cc, 1448);
  cc->on_ack(&s, 3000, 0, 0); /* at most one SMSS per ACK (RFC 3465) */
  ck_assert_uint_eq(s.cwnd, 14480 + 1448);
  cc->on_ack(&s, 500, 0, 0);
  ck_assert_uint_eq(s.cwnd, 14480 + 1448 + 500);
  /* saturates rather than wraps */
  s.cwnd = UINT32_MAX - 100;
  cc->on_ack(&s, 1448, 0, 0);
  ck_assert_uint_eq(s.cwnd, UINT32_MAX);
}
END_TEST

START_TEST(newreno_congestion_avoidance) {
  const struct sf_cc_ops *cc = &sf__cc_newreno;
  struct sf_cc_state s = fresh(cc, 1000);
  s.cwnd = 10000;
  s.ssthresh = 5000;
  for (int i = 0; i < 9; i++) {
    cc->on_ack(&s, 1000, 0, 0);
    ck_assert_uint_eq(s.cwnd, 10000);
  }
  cc->on_ack(&s, 1000, 0, 0); /* a window's worth: one SMSS more */
  ck_assert_uint_eq(s.cwnd, 11000);
  ck_assert_uint_eq(s.bytes_acked, 0);
  cc->on_ack(&s, 11500, 0, 0); /* the excess carries over */
  ck_assert_uint_eq(s.cwnd, 12000);
  ck_assert_uint_eq(s.bytes_acked, 500);
}
END_TEST

START_TEST(newreno_loss_and_rto) {
  const struct sf_cc_ops *cc = &sf__cc_newreno;
  struct sf_cc_state s = fresh(cc, 1000);
  /* RFC 5681 eq. 4: max(FlightSize / 2, 2 * SMSS) */
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, 20000), 10000);
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, 3000), 2000);
  s.cwnd = 30000;
  s.bytes_acked = 700;
  cc->on_rto(&s, 20001);
  ck_assert_uint_eq(s.ssthresh, 10000);
  ck_assert_uint_eq(s.cwnd, 1000); /* the loss window */
  ck_assert_uint_eq(s.bytes_acked, 0);
}
END_TEST

/* --------------------------------------------------------------- CUBIC */

/* A CUBIC state right after a loss at a window of w_loss bytes with the
 * flight equal to it, cwnd set to ssthresh as recovery leaves it. */
static struct sf_cc_state cubic_after_loss(uint32_t w_loss) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = fresh(cc, 1000);
  s.cwnd = w_loss;
  s.ssthresh = cc->ssthresh_after_loss(&s, w_loss);
  s.cwnd = s.ssthresh;
  return s;
}

START_TEST(cubic_reduction_and_k) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  /* W_max 288 segments: ssthresh = 0.7 * 288 = 201.6 segments, and K =
   * cbrt(W_max * (1 - beta) / C) = cbrt(288 * 0.3 / 0.4) = cbrt(216) = 6 s */
  struct sf_cc_state s = cubic_after_loss(288000);
  ck_assert_uint_eq(s.ssthresh, 201600);
  ck_assert_uint_eq(s.priv.cubic.w_max, 288000);
  ck_assert_uint_eq(s.priv.cubic.cwnd_prior, 288000);
  ck_assert(!s.priv.cubic.in_epoch);
  /* the first ACK in congestion avoidance starts the epoch */
  cc->on_ack(&s, 1, 5 * SEC, 100 * MS);
  ck_assert(s.priv.cubic.in_epoch);
  ck_assert_uint_eq(s.priv.cubic.epoch_start, 5 * SEC);
  ck_assert_uint_eq(s.priv.cubic.k_ms, 6000);
  ck_assert_uint_eq(s.priv.cubic.cwnd_epoch, 201600);
  ck_assert_uint_eq(s.cwnd, 201600);
  /* W_max 100 segments: K = cbrt(75) = 4.2172 s */
  s = cubic_after_loss(100000);
  ck_assert_uint_eq(s.ssthresh, 70000);
  cc->on_ack(&s, 1, 0, 0);
  ck_assert_uint_eq(s.priv.cubic.k_ms, 4217);
  /* never below 2 SMSS */
  s = fresh(cc, 1000);
  s.cwnd = 2000;
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, 2000), 2000);
}
END_TEST

/* An ACK of a whole window moves cwnd to the target exactly (4.4: by
 * (target - cwnd) / cwnd per segment). W_cubic(t) = 0.4 * (t - 6)^3 *
 * 1000 + 288000 bytes; t + RTT is what the target uses. */
START_TEST(cubic_concave_then_convex) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = cubic_after_loss(288000);
  const sf_time_t t0 = 5 * SEC, rtt = 100 * MS;
  cc->on_ack(&s, 1, t0, rtt);
  /* concave: t + RTT = 1 s: 288000 - 0.4 * 125 * 1000 = 238000 */
  cc->on_ack(&s, s.cwnd, t0 + 900 * MS, rtt);
  ck_assert_uint_eq(s.cwnd, 238000);
  /* t + RTT = 4 s: 288000 - 0.4 * 8 * 1000 = 284800 */
  cc->on_ack(&s, s.cwnd, t0 + 3900 * MS, rtt);
  ck_assert_uint_eq(s.cwnd, 284800);
  /* the plateau: t + RTT = K = 6 s: W_max */
  cc->on_ack(&s, s.cwnd, t0 + 5900 * MS, rtt);
  ck_assert_uint_eq(s.cwnd, 288000);
  /* convex: t + RTT = 8 s: 288000 + 0.4 * 8 * 1000 = 291200 */
  cc->on_ack(&s, s.cwnd, t0 + 7900 * MS, rtt);
  ck_assert_uint_eq(s.cwnd, 291200);
  /* t + RTT = 10 s: 288000 + 0.4 * 64 * 1000 = 313600 */
  cc->on_ack(&s, s.cwnd, t0 + 9900 * MS, rtt);
  ck_assert_uint_eq(s.cwnd, 313600);
  /* one segment acked: (target - cwnd) * 1000 / cwnd bytes; t + RTT =
   * 11 s: target 288000 + 0.4 * 125 * 1000 = 338000, so (338000 -
   * 313600) * 1000 / 313600 = 77.8 bytes */
  cc->on_ack(&s, 1000, t0 + 10900 * MS, rtt);
  ck_assert_uint_eq(s.cwnd, 313677);
}
END_TEST

START_TEST(cubic_target_clamped_to_one_and_a_half) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = cubic_after_loss(288000);
  cc->on_ack(&s, 1, 5 * SEC, 0);
  /* t = 20 s: W_cubic = 288000 + 0.4 * 14^3 * 1000 = 1385600, far above
   * 1.5 * 201600 = 302400: the clamp (4.4) */
  cc->on_ack(&s, s.cwnd, 25 * SEC, 0);
  ck_assert_uint_eq(s.cwnd, 302400);
  cc->on_ack(&s, s.cwnd, 25 * SEC, 0);
  ck_assert_uint_eq(s.cwnd, 453600);
  /* a stretch ACK of two windows does not go beyond the target either */
  cc->on_ack(&s, 2 * s.cwnd, 25 * SEC, 0);
  ck_assert_uint_eq(s.cwnd, 680400);
}
END_TEST

/* 4.3: W_max 10 segments, cwnd 7, RTT 1 ms: the curve barely moves in
 * milliseconds (K = cbrt(7.5) = 1.957 s, W_cubic(0) = 10000 - 0.4 *
 * 1.957^3 * 1000 = 7002), while W_est grows by alpha * segments_acked /
 * cwnd = 9/17 segment per window: cwnd follows W_est. */
START_TEST(cubic_reno_friendly_region) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = cubic_after_loss(10000);
  ck_assert_uint_eq(s.cwnd, 7000);
  sf_time_t now = 60 * SEC;
  /* 9 * 7000 * 1000 / (17 * 7000) = 529.4: W_est = 7529 */
  cc->on_ack(&s, s.cwnd, now, MS);
  ck_assert_uint_eq(s.priv.cubic.k_ms, 1957);
  ck_assert_uint_eq(s.priv.cubic.w_est, 7529);
  ck_assert_uint_eq(s.cwnd, 7529);
  /* (remainder 49000 + 9 * 7529 * 1000) / (17 * 7529) = 529.8: 8058 */
  now += MS;
  cc->on_ack(&s, s.cwnd, now, MS);
  ck_assert_uint_eq(s.cwnd, 8058);
  /* up to cwnd_prior (10 segments) at 9/17 per window ... */
  while (s.priv.cubic.w_est < 10000) {
    now += MS;
    cc->on_ack(&s, s.cwnd, now, MS);
    ck_assert_uint_eq(s.cwnd, s.priv.cubic.w_est);
  }
  ck_assert_uint_lt(now, 60 * SEC + 10 * MS);
  /* ... then alpha = 1: exactly one segment per window, as Reno */
  uint32_t w = s.cwnd;
  now += MS;
  cc->on_ack(&s, s.cwnd, now, MS);
  ck_assert_uint_eq(s.cwnd, w + 1000);
}
END_TEST

/* 4.7: a loss below the last W_max: W_max = cwnd * (1 + beta) / 2. */
START_TEST(cubic_fast_convergence) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = cubic_after_loss(100000);
  s.cwnd = 80000;
  s.ssthresh = cc->ssthresh_after_loss(&s, 80000);
  ck_assert_uint_eq(s.ssthresh, 56000);
  ck_assert_uint_eq(s.priv.cubic.w_max, 68000);
  ck_assert_uint_eq(s.priv.cubic.cwnd_prior, 80000);
  /* K = cbrt((68000 - 56000) / 1000 / 0.4) = cbrt(30) = 3.107 s */
  s.cwnd = s.ssthresh;
  cc->on_ack(&s, 1, 0, 0);
  ck_assert_uint_eq(s.priv.cubic.k_ms, 3107);
  /* a loss at or above W_max takes the window as it is */
  s.cwnd = 120000;
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, 120000), 84000);
  ck_assert_uint_eq(s.priv.cubic.w_max, 120000);
  /* a window the flight never filled (the application or the peer's
   * window held it back): the flight is the window that met the loss */
  s.cwnd = 500000;
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, 150000), 105000);
  ck_assert_uint_eq(s.priv.cubic.w_max, 150000);
}
END_TEST

/* 4.8: ssthresh from beta, cwnd the loss window, and the next epoch
 * starts flat at the window it starts with (K = 0, W_max = cwnd). */
START_TEST(cubic_rto) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = cubic_after_loss(100000);
  cc->on_ack(&s, 1, 0, 0);
  ck_assert(s.priv.cubic.in_epoch);
  s.cwnd = 50000;
  cc->on_rto(&s, 50000);
  ck_assert_uint_eq(s.ssthresh, 35000);
  ck_assert_uint_eq(s.cwnd, 1000);
  ck_assert(!s.priv.cubic.in_epoch);
  cc->on_ack(&s, 1000, SEC, 0); /* slow start */
  ck_assert_uint_eq(s.cwnd, 2000);
  s.cwnd = 35000; /* slow start reached ssthresh */
  cc->on_ack(&s, 1, 10 * SEC, 0);
  ck_assert_uint_eq(s.priv.cubic.w_max, 35000);
  ck_assert_uint_eq(s.priv.cubic.k_ms, 0);
  /* t = 3 s: 35000 + 0.4 * 27 * 1000 = 45800 */
  cc->on_ack(&s, s.cwnd, 13 * SEC, 0);
  ck_assert_uint_eq(s.cwnd, 45800);
}
END_TEST

/* 1 GiB windows, a 1-byte SMSS, hours of t and clocks near their end:
 * no overflow (the sanitizer build checks), windows saturate. */
START_TEST(cubic_no_overflow) {
  const struct sf_cc_ops *cc = &sf__cc_cubic;
  struct sf_cc_state s = fresh(cc, 1448);
  s.cwnd = 1u << 30;
  s.ssthresh = cc->ssthresh_after_loss(&s, 1u << 30);
  ck_assert_uint_eq(s.ssthresh, 751619276); /* 0.7 * 2^30 */
  s.cwnd = s.ssthresh;
  const sf_time_t hour = 3600 * SEC;
  cc->on_ack(&s, 1u << 30, 10 * hour, SEC);
  uint32_t prev = s.cwnd;
  for (int i = 0; i < 8; i++) {
    cc->on_ack(&s, UINT32_MAX, 15 * hour + (sf_time_t)i * hour, SEC);
    ck_assert_uint_ge(s.cwnd, prev);
    prev = s.cwnd;
  }
  ck_assert_uint_eq(s.cwnd, UINT32_MAX);
  cc->on_ack(&s, UINT32_MAX, UINT64_MAX - 1, UINT64_MAX);
  ck_assert_uint_eq(s.cwnd, UINT32_MAX);
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, UINT32_MAX), 3006477106u);

  /* the largest K there can be: W_max 2^32 - 1 segments of one byte */
  s = fresh(cc, 1);
  s.cwnd = UINT32_MAX;
  ck_assert_uint_eq(cc->ssthresh_after_loss(&s, UINT32_MAX), 3006477106u);
  s.cwnd = s.ssthresh = 2;
  cc->on_ack(&s, 1, 0, 0);
  /* cbrt((2^32 - 3) / 0.4) s = 2206.14 s */
  ck_assert_uint_eq(s.priv.cubic.k_ms, 2206141);
  ck_assert_uint_eq(s.cwnd, 2); /* W_cubic(0) = cwnd_epoch */
  /* 100 s in, the concave curve is far above: the 1.5x clamp, twice */
  cc->on_ack(&s, 2, 100 * SEC, 0);
  ck_assert_uint_eq(s.cwnd, 3);
  cc->on_ack(&s, 3, 5 * hour, 0);
  ck_assert_uint_eq(s.cwnd, 4);
  /* zero SMSS or cwnd (never set by the engine) divide nothing by 0 */
  s = fresh(cc, 0);
  s.cwnd = 0;
  s.ssthresh = 0;
  cc->on_ack(&s, 1000, SEC, 0);
  cc->on_rto(&s, 0);
  ck_assert_uint_eq(s.cwnd, 1);
}
END_TEST

/* --------------------------------------------------- through the engine */

#define RPORT 80
#define PEER_ISN 7000u
#define SMSS 1448u /* 1460 - 12 with timestamps */

static uint8_t pat[64 * 1024];

static void cubic_default(struct sf_engine_config *c) {
  c->congestion = "cubic";
}

/* The duplicate-ACK detector, which the fast retransmits below count
 * on (with RACK, duplicates without SACK blocks show no loss). */
static void dupthresh(struct sf_engine_config *c) { c->rack = false; }

static void cubic_dupthresh(struct sf_engine_config *c) {
  cubic_default(c);
  dupthresh(c);
}

/* An established active connection whose peer's window stays constant
 * (so that duplicate ACKs count), with algorithm cc (NULL: default). */
static struct sf_tcb *open_conn(struct th *h, struct th_conn *c,
                                const char *cc) {
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 7);
  struct sf_tcb *t = th_open_std(h, c, RPORT, PEER_ISN);
  if (cc)
    ck_assert_int_eq(sf__tcp_set_congestion(t, cc), 0);
  th_conn_send(h, c, SF_TCP_ACK, NULL, 0);
  return t;
}

/* Sixteen segments queued, ten out (the initial window), the first
 * lost: three duplicate ACKs. */
static void lose_first_of_ten(struct th *h, struct th_conn *c,
                              struct sf_tcb *t) {
  const uint32_t S = TH_ISN + 1;
  ck_assert_uint_eq(th_info(t).cwnd, 10 * SMSS);
  ck_assert_int_eq(sf__tcp_send(t, pat, 16 * SMSS, h->now), 16 * SMSS);
  ck_assert_uint_eq(th_drain(h), 10);
  h->now += 10 * MS;
  for (int i = 0; i < 3; i++)
    th_conn_ack(h, c, S);
  struct sf_tcp_hdr s;
  th_expect_data(h, c, &s, S, SMSS);
  ck_assert_uint_eq(th_counter(h, "tcp_fast_retrans"), 1);
}

/* CUBIC: ssthresh = 0.7 * FlightSize; NewReno: 0.5 * FlightSize. */
START_TEST(engine_fast_retransmit_beta) {
  /* more: the new segments six further duplicates let out, cwnd then
   * being ssthresh + 9 SMSS against a flight of 10 SMSS */
  static const struct {
    const char *cc;
    uint32_t ssthresh;
    size_t more;
  } cases[] = {{"cubic", 10 * SMSS * 7 / 10, 6},
               {"newreno", 10 * SMSS / 2, 4}};
  for (int k = 0; k < 2; k++) {
    struct th h;
    struct th_conn c;
    th_init(&h, dupthresh);
    struct sf_tcb *t = open_conn(&h, &c, cases[k].cc);
    ck_assert_str_eq(th_info(t).congestion, cases[k].cc);
    lose_first_of_ten(&h, &c, t);
    sf_tcp_info_t i = th_info(t);
    ck_assert_uint_eq(i.ssthresh, cases[k].ssthresh);
    ck_assert_uint_eq(i.cwnd, cases[k].ssthresh + 3 * SMSS);
    /* six more duplicates inflate the window: new data goes out */
    for (int d = 0; d < 6; d++)
      th_conn_ack(&h, &c, TH_ISN + 1);
    ck_assert_uint_eq(th_drain(&h), cases[k].more);
    /* the full ACK ends recovery: cwnd = min(ssthresh, FlightSize +
     * SMSS), which is ssthresh for both */
    th_conn_ack(&h, &c, TH_ISN + 1 + 10 * SMSS);
    i = th_info(t);
    ck_assert_uint_eq(i.cwnd, cases[k].ssthresh);
    ck_assert_uint_eq(i.ssthresh, cases[k].ssthresh);
    th_finish(&h, t);
  }
}
END_TEST

/* CUBIC's W_max and epoch come back with the window when the fast
 * retransmit turns out spurious (RFC 3522 / RFC 4015). */
START_TEST(engine_eifel_undo_restores_cubic_state) {
  struct th h;
  struct th_conn c;
  th_init(&h, cubic_dupthresh);
  struct sf_tcb *t = open_conn(&h, &c, NULL);
  ck_assert_str_eq(th_info(t).congestion, "cubic");
  uint32_t old_ecr = c.ts_ecr;
  lose_first_of_ten(&h, &c, t);
  ck_assert_uint_eq(t->ccs.priv.cubic.w_max, 10 * SMSS);
  ck_assert_uint_eq(t->ccs.ssthresh, 10 * SMSS * 7 / 10);
  c.ts_ecr = old_ecr; /* the ACK echoes the originals' time */
  th_conn_ack(&h, &c, TH_ISN + 1 + 10 * SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_spurious_recoveries"), 1);
  ck_assert_uint_eq(t->ccs.priv.cubic.w_max, 0);
  ck_assert_uint_eq(t->ccs.priv.cubic.cwnd_prior, 0);
  ck_assert_uint_eq(t->ccs.ssthresh, UINT32_MAX);
  ck_assert_uint_eq(t->ccs.cwnd, 10 * SMSS + SMSS); /* and slow start */
  th_finish(&h, t);
}
END_TEST

/* The timeout through the engine: CUBIC's loss window and ssthresh. */
START_TEST(engine_rto) {
  struct th h;
  struct th_conn c;
  th_init(&h, cubic_default);
  struct sf_tcb *t = open_conn(&h, &c, NULL);
  ck_assert_int_eq(sf__tcp_send(t, pat, 10 * SMSS, h.now), 10 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 10);
  struct sf_tcp_hdr s;
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  sf_tcp_info_t i = th_info(t);
  ck_assert_uint_eq(i.cwnd, SMSS);
  ck_assert_uint_eq(i.ssthresh, 10 * SMSS * 7 / 10);
  th_finish(&h, t);
}
END_TEST

/* The engine's default, a listener's choice for its connections, and a
 * switch on a live connection that keeps the window. */
START_TEST(engine_choice_inherited) {
  struct th h;
  struct th_conn c;
  struct sf_listener *l;
  struct sf_tcp_opts o = th_syn_opts(1460, 7, true, true, 100, 0);
  th_init(&h, cubic_default);
  ck_assert_str_eq(sf__engine_config(h.e)->congestion, "cubic");
  struct sf_tcb *t = th_open_passive(&h, &c, 8080, 40000, PEER_ISN, &o,
                                     65535, &l);
  ck_assert_str_eq(th_info(t).congestion, "cubic");
  sf__tcp_listener_close(l, h.now);
  th_finish(&h, t);

  th_init(&h, NULL);
  l = th_listen(&h, 8081, 4, NULL);
  ck_assert_int_eq(sf__tcp_listener_set_congestion(l, "vegas"), SF_EINVAL);
  ck_assert_int_eq(sf__tcp_listener_set_congestion(l, "cubic"), 0);
  struct th_seg syn = {.sport = 40001, .dport = 8081, .seq = PEER_ISN,
                       .flags = SF_TCP_SYN, .window = 65535,
                       .opts = th_syn_opts(1460, 7, true, false, 0, 0)};
  th_inject(&h, &syn);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
  struct th_seg ack = {.sport = 40001, .dport = 8081, .seq = PEER_ISN + 1,
                       .ack = s.seq.v + 1, .flags = SF_TCP_ACK,
                       .window = 512};
  th_inject(&h, &ack);
  t = sf__tcp_accept(l, (void *)1);
  ck_assert_ptr_nonnull(t);
  ck_assert_str_eq(th_info(t).congestion, "cubic");
  /* the initial window: the handshake's ACK of our SYN's one byte does
   * not grow it (a flight of 1 byte does not limit a 14600-byte cwnd,
   * RFC 7661) */
  ck_assert_uint_eq(th_info(t).cwnd, 10 * 1460);
  /* switched while established: cwnd and ssthresh stay */
  t->ccs.cwnd = 20000;
  t->ccs.ssthresh = 15000;
  ck_assert_int_eq(sf__tcp_set_congestion(t, "newreno"), 0);
  ck_assert_str_eq(th_info(t).congestion, "newreno");
  ck_assert_uint_eq(th_info(t).cwnd, 20000);
  ck_assert_uint_eq(th_info(t).ssthresh, 15000);
  ck_assert_int_eq(sf__tcp_set_congestion(t, "nope"), SF_EINVAL);
  ck_assert_int_eq(sf__tcp_set_congestion(t, NULL), SF_EINVAL);
  ck_assert_str_eq(th_info(t).congestion, "newreno");
  sf__tcp_listener_close(l, h.now);
  th_finish(&h, t);
}
END_TEST

static void bad_cc(struct sf_engine_config *c) { c->congestion = "nope"; }

START_TEST(engine_rejects_unknown_default) {
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  ck_assert_str_eq(cfg.congestion, "newreno");
  struct sf_engine *e = NULL;
  bad_cc(&cfg);
  ck_assert_int_eq(sf__engine_new(&cfg, NULL, 0, &e), SF_EINVAL);
  ck_assert_ptr_null(e);
  cfg.congestion = NULL;
  ck_assert_int_eq(sf__engine_new(&cfg, NULL, 0, &e), SF_EINVAL);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("cc");
  TCase *tc = tcase_create("ops");
  tcase_add_test(tc, find_by_name);
  tcase_add_test(tc, initial_window);
  tcase_add_test(tc, newreno_slow_start);
  tcase_add_test(tc, newreno_congestion_avoidance);
  tcase_add_test(tc, newreno_loss_and_rto);
  tcase_add_test(tc, cubic_reduction_and_k);
  tcase_add_test(tc, cubic_concave_then_convex);
  tcase_add_test(tc, cubic_target_clamped_to_one_and_a_half);
  tcase_add_test(tc, cubic_reno_friendly_region);
  tcase_add_test(tc, cubic_fast_convergence);
  tcase_add_test(tc, cubic_rto);
  tcase_add_test(tc, cubic_no_overflow);
  suite_add_tcase(s, tc);
  tc = tcase_create("engine");
  tcase_add_test(tc, engine_fast_retransmit_beta);
  tcase_add_test(tc, engine_eifel_undo_restores_cubic_state);
  tcase_add_test(tc, engine_rto);
  tcase_add_test(tc, engine_choice_inherited);
  tcase_add_test(tc, engine_rejects_unknown_default);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(suite)
