/*
 * Loss recovery: the retransmission timer of RFC 6298 (initial RTO,
 * SRTT + 4 * RTTVAR with the 200 ms floor, exact retransmission times
 * with doubling backoff, Karn's rule, the retry limit ending in
 * SF_ETIMEDOUT or the ICMP soft error that explains it), fast retransmit
 * and NewReno recovery (RFC 5681, RFC 6582) with exact cwnd and ssthresh,
 * slow start, the loss window and go-back-N after an RTO, and ICMP
 * fragmentation-needed lowering the MSS; with a wraparound case. The
 * fast retransmits here are the duplicate-ACK detector's (RACK off);
 * RACK's own tests are in test_rack.c.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp_harness.h"
#include "wire/icmp.h"

#define RPORT 80
#define PEER_ISN 7000u
#define MS SF_NSEC_PER_MSEC
#define SMSS 1448u /* 1460 - 12 with timestamps */

static uint8_t pat[100000];

static void fill_pattern(void) {
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 13 + (i >> 9));
}

/*
 * Active open whose SYN-ACK arrives rtt after the SYN. With ts, the
 * peer negotiates timestamps and echoes the SYN's TSval only if echo.
 */
static struct sf_tcb *open_rtt(struct th *h, struct th_conn *c,
                               sf_time_t rtt, bool ts, bool echo) {
  memset(c, 0, sizeof(*c));
  ck_assert_int_eq(sf__tcp_connect(sf__engine_tcp(h->e), sf_addr_v4(0), 0,
                                   sf_addr_v4(TH_PEER_ADDR), RPORT, NULL, NULL,
                                   h->now, &c->t),
                   0);
  struct sf_tcp_hdr s;
  ck_assert(th_next(h, &s));
  h->now += rtt;
  c->lport = s.sport;
  c->rport = RPORT;
  c->irs = PEER_ISN;
  c->snd_nxt = PEER_ISN + 1;
  c->rcv_nxt = h->isn + 1;
  c->window = 1000; /* << 7: 128000 bytes */
  c->ts = ts;
  c->ts_val = 501;
  struct th_seg sa = {.sport = RPORT, .dport = c->lport, .seq = PEER_ISN,
                      .ack = h->isn + 1, .flags = SF_TCP_SYN | SF_TCP_ACK,
                      .window = 65535,
                      .opts = th_syn_opts(1460, 7, true, ts, 500,
                                          echo ? s.opts.ts_val : 0)};
  th_inject(h, &sa);
  ck_assert_int_eq(sf__tcp_state(c->t), SF_TCP_ESTABLISHED);
  ck_assert(th_conn_next(h, c, &s));
  /* a window update so that later duplicate ACKs carry the same window */
  th_conn_send(h, c, SF_TCP_ACK, NULL, 0);
  return c->t;
}

/* The duplicate-ACK detector, with SACK too. */
static void dupthresh(struct sf_engine_config *c) { c->rack = false; }

/* The usual start: a fresh engine (duplicate ACKs detect losses), the
 * pattern filled, and a connection with timestamps echoed and no RTT
 * sample yet. */
static struct sf_tcb *start_ts(struct th *h, struct th_conn *c) {
  fill_pattern();
  th_init(h, dupthresh);
  return open_rtt(h, c, 0, true, true);
}

static void three_retries(struct sf_engine_config *c) { c->data_retries = 3; }

/* Expects the retransmission of [seq, seq + len) exactly at time at. */
static void expect_rtx(struct th *h, struct th_conn *c, sf_time_t at,
                       uint32_t seq, uint32_t len) {
  struct sf_tcp_hdr s;
  ck_assert(th_run_until_segment(h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(h->now, at);
  ck_assert_uint_eq(s.seq.v, seq);
  ck_assert_uint_eq(s.payload_len, len);
  ck_assert_uint_eq(s.ack.v, c->snd_nxt);
  ck_assert(!th_next(h, &s));
}

START_TEST(first_rto_is_one_second) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  /* timestamps without an echo: no RTT sample from the handshake */
  struct sf_tcb *t = open_rtt(&h, &c, 50 * MS, true, false);
  ck_assert_uint_eq(th_info(t).rto_us, 1000000);
  ck_assert_uint_eq(th_info(t).rtt_us, 0);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  ck_assert_uint_eq(th_drain(&h), 1);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + SF_NSEC_PER_SEC, TH_ISN + 1, 100);
  expect_rtx(&h, &c, t0 + 3 * SF_NSEC_PER_SEC, TH_ISN + 1, 100);
  expect_rtx(&h, &c, t0 + 7 * SF_NSEC_PER_SEC, TH_ISN + 1, 100);
  ck_assert_uint_eq(th_info(t).rto_backoff, 3);
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 3);
  ck_assert_uint_eq(th_counter(&h, "tcp_retrans_segs"), 3);
  th_finish(&h, t);
}
END_TEST

START_TEST(rto_from_samples) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcb *t = open_rtt(&h, &c, 100 * MS, false, false);
  sf_tcp_info_t i = th_info(t);
  ck_assert_uint_eq(i.rtt_us, 100000);
  ck_assert_uint_eq(i.rttvar_us, 50000);
  ck_assert_uint_eq(i.rto_us, 300000); /* 100 + 4 * 50 */
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  th_drain(&h);
  h.now += 200 * MS;
  th_conn_ack(&h, &c, TH_ISN + 101);
  /* RFC 6298 2.3: RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms,
   * SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms, RTO = 362.5 ms */
  i = th_info(t);
  ck_assert_uint_eq(i.rtt_us, 112500);
  ck_assert_uint_eq(i.rttvar_us, 62500);
  ck_assert_uint_eq(i.rto_us, 362500);
  ck_assert_int_eq(sf__tcp_send(t, pat + 100, 100, h.now), 100);
  th_drain(&h);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 362500 * SF_NSEC_PER_USEC, TH_ISN + 101, 100);
  expect_rtx(&h, &c, t0 + 3 * 362500 * SF_NSEC_PER_USEC, TH_ISN + 101, 100);
  expect_rtx(&h, &c, t0 + 7 * 362500 * SF_NSEC_PER_USEC, TH_ISN + 101, 100);
  th_finish(&h, t);
}
END_TEST

START_TEST(rto_floor_200ms) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcb *t = open_rtt(&h, &c, 1 * MS, false, false);
  ck_assert_uint_eq(th_info(t).rtt_us, 1000);
  ck_assert_uint_eq(th_info(t).rto_us, 200000); /* 3 ms, raised to 200 */
  ck_assert_int_eq(sf__tcp_send(t, pat, 10, h.now), 10);
  th_drain(&h);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 200 * MS, TH_ISN + 1, 10);
  expect_rtx(&h, &c, t0 + 600 * MS, TH_ISN + 1, 10);
  th_finish(&h, t);
}
END_TEST

START_TEST(karn_no_sample_from_retransmission) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcb *t = open_rtt(&h, &c, 100 * MS, false, false);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  th_drain(&h);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 300 * MS, TH_ISN + 1, 100);
  h.now += 10 * MS; /* the ACK may be for either transmission */
  th_conn_ack(&h, &c, TH_ISN + 101);
  sf_tcp_info_t i = th_info(t);
  ck_assert_uint_eq(i.rtt_us, 100000); /* unchanged */
  ck_assert_uint_eq(i.rttvar_us, 50000);
  ck_assert_uint_eq(i.rto_backoff, 0);
  ck_assert_uint_eq(i.retransmits, 1);
  ck_assert_uint_eq(i.bytes_retrans, 100);
  /* the next, unambiguous, segment is timed again */
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  th_drain(&h);
  h.now += 100 * MS;
  th_conn_ack(&h, &c, TH_ISN + 201);
  i = th_info(t);
  ck_assert_uint_eq(i.rtt_us, 100000);
  ck_assert_uint_eq(i.rttvar_us, 37500); /* 3/4 * 50 + 0 */
  th_finish(&h, t);
}
END_TEST

START_TEST(retry_limit_times_out) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, three_retries);
  struct sf_tcb *t = open_rtt(&h, &c, 100 * MS, false, false);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  th_drain(&h);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 300 * MS, TH_ISN + 1, 100);
  expect_rtx(&h, &c, t0 + 900 * MS, TH_ISN + 1, 100);
  expect_rtx(&h, &c, t0 + 2100 * MS, TH_ISN + 1, 100);
  struct sf_tcp_hdr s;
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, SF_TEV_ERROR, &s));
  ck_assert_uint_eq(h.now, t0 + 4500 * MS);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  ck_assert_int_eq(sf__tcp_error(t), SF_ETIMEDOUT);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  ck_assert_int_eq(th_event_nth(&h, SF_TEV_ERROR, 0)->ev.error, SF_ETIMEDOUT);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_conn_timeouts"), 1);
  ck_assert(!th_next(&h, &s)); /* no RST: the peer is gone */
  th_advance(&h, 600 * SF_NSEC_PER_SEC); /* and nothing ever after */
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1); /* still attached */
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  th_free(&h);
}
END_TEST

START_TEST(icmp_soft_error_reported_on_timeout) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, three_retries);
  struct sf_tcb *t = open_rtt(&h, &c, 100 * MS, false, false);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  /* an ICMP error quoting a sequence number never sent is ignored */
  struct sf_tcp_hdr bogus = s;
  bogus.seq = sf_seq(TH_ISN + 5000);
  th_inject_icmp_error(&h, SF_ICMP_DEST_UNREACH, SF_ICMP_UNREACH_HOST, 0,
                       &bogus);
  ck_assert_uint_eq(th_counter(&h, "tcp_icmp_ignored"), 1);
  th_inject_icmp_error(&h, SF_ICMP_DEST_UNREACH, SF_ICMP_UNREACH_HOST, 0, &s);
  ck_assert_uint_eq(th_counter(&h, "tcp_icmp_soft_errors"), 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED); /* soft */
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  ck_assert(!th_next(&h, &s));
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 300 * MS, TH_ISN + 1, 100);
  expect_rtx(&h, &c, t0 + 900 * MS, TH_ISN + 1, 100);
  expect_rtx(&h, &c, t0 + 2100 * MS, TH_ISN + 1, 100);
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, SF_TEV_ERROR, &s));
  ck_assert_uint_eq(h.now, t0 + 4500 * MS);
  ck_assert_int_eq(sf__tcp_error(t), SF_EHOSTUNREACH);
  ck_assert_int_eq(th_event_nth(&h, SF_TEV_ERROR, 0)->ev.error,
                   SF_EHOSTUNREACH);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(fast_retransmit_and_newreno) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_uint_eq(th_info(t).cwnd, 10 * SMSS);
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  struct sf_tcp_hdr s;
  /* two duplicate ACKs: nothing yet */
  th_conn_ack(&h, &c, S);
  th_conn_ack(&h, &c, S);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_info(t).cwnd, 10 * SMSS);
  /* the third: the first segment again, at once */
  th_conn_ack(&h, &c, S);
  th_expect_data(&h, &c, &s, S, SMSS);
  ck_assert(memcmp(s.payload, pat, SMSS) == 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 1);
  /* RFC 5681 3.2: ssthresh = max(FlightSize / 2, 2 * SMSS) = 3620,
   * cwnd = ssthresh + 3 * SMSS */
  sf_tcp_info_t i = th_info(t);
  ck_assert_uint_eq(i.ssthresh, 5 * SMSS / 2);
  ck_assert_uint_eq(i.cwnd, 5 * SMSS / 2 + 3 * SMSS);
  /* each further duplicate inflates cwnd by one SMSS */
  th_conn_ack(&h, &c, S);
  ck_assert_uint_eq(th_info(t).cwnd, 5 * SMSS / 2 + 4 * SMSS);
  ck_assert(!th_next(&h, &s));
  /* a partial ACK (segments 1 and 2): the next hole goes at once
   * (RFC 6582 3.2 step 3); cwnd deflates by the bytes acked, plus SMSS */
  th_conn_ack(&h, &c, S + 2 * SMSS);
  th_expect_data(&h, &c, &s, S + 2 * SMSS, SMSS);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_recovery_partial_acks"), 1);
  ck_assert_uint_eq(th_info(t).cwnd, 5 * SMSS / 2 + 4 * SMSS - 2 * SMSS +
                                         SMSS);
  /* the full ACK ends recovery: cwnd = min(ssthresh,
   * max(FlightSize, SMSS) + SMSS) (step 5, option 1) */
  th_conn_ack(&h, &c, S + 5 * SMSS);
  i = th_info(t);
  ck_assert_uint_eq(i.cwnd, 2 * SMSS);
  ck_assert_uint_eq(i.ssthresh, 5 * SMSS / 2);
  ck_assert_uint_eq(i.retransmits, 2);
  ck_assert_uint_eq(i.bytes_in_flight, 0);
  /* congestion avoidance: above ssthresh, one SMSS per cwnd of bytes */
  ck_assert_int_eq(sf__tcp_send(t, pat, 4 * SMSS, h.now), 4 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 2); /* cwnd 2896: two segments */
  th_conn_ack(&h, &c, S + 7 * SMSS);
  ck_assert_uint_eq(th_info(t).cwnd, 2 * SMSS + SMSS); /* slow start */
  th_finish(&h, t);
}
END_TEST

/* RFC 3522 / RFC 4015: the first ACK after a fast retransmit echoes a
 * timestamp older than the retransmission's, so the original arrived
 * (it was only reordered): recovery ends and the window comes back. */
START_TEST(spurious_fast_retransmit_undone) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  uint32_t old_ecr = c.ts_ecr; /* older than the segments' TSval */
  h.now += 10 * SF_NSEC_PER_MSEC; /* the retransmission's TSval is later */
  th_conn_ack(&h, &c, S);
  th_conn_ack(&h, &c, S);
  th_conn_ack(&h, &c, S);
  struct sf_tcp_hdr s;
  th_expect_data(&h, &c, &s, S, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 1);
  ck_assert_uint_eq(th_info(t).ssthresh, 5 * SMSS / 2);
  /* everything acknowledged, echoing the originals' time: spurious */
  c.ts_ecr = old_ecr;
  th_conn_ack(&h, &c, S + 5 * SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_spurious_recoveries"), 1);
  sf_tcp_info_t i = th_info(t);
  /* restored, then slow start adds at most one SMSS for the ACK */
  ck_assert_uint_eq(i.cwnd, 10 * SMSS + SMSS);
  ck_assert_uint_eq(i.ssthresh, UINT32_MAX);
  ck_assert_uint_eq(i.bytes_in_flight, 0);
  /* the path reordered by 3 segments (3 duplicates came before the
   * original): the next fast retransmit waits for 4 duplicates */
  ck_assert_int_eq(sf__tcp_send(t, pat, 8 * SMSS, h.now), 8 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 8);
  const uint32_t S2 = S + 5 * SMSS;
  for (int k = 0; k < 3; k++)
    th_conn_ack(&h, &c, S2);
  ck_assert(!th_next(&h, &s));
  th_conn_ack(&h, &c, S2);
  th_expect_data(&h, &c, &s, S2, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 2);
  th_finish(&h, t);
}
END_TEST

/* The peer SACKs segments 2, 4, 5 and 6 of six (1 and 3 lost): a duplicate
 * ACK with SACK blocks, nothing else. */
static void sack_dupack(struct th *h, struct th_conn *c, uint32_t s0,
                        unsigned nblocks, const uint32_t (*blocks)[2]) {
  struct th_seg a = th_conn_seg(c, SF_TCP_ACK, NULL, 0);
  a.ack = s0;
  a.opts.present |= SF_TCP_OPT_SACK;
  a.opts.sack_count = (uint8_t)nblocks;
  for (unsigned i = 0; i < nblocks; i++) {
    a.opts.sack[i].left = sf_seq(s0 + blocks[i][0] * SMSS);
    a.opts.sack[i].right = sf_seq(s0 + blocks[i][1] * SMSS);
  }
  th_inject(h, &a);
}

/* RFC 6675 (simplified): with SACK, a second hole in the same window is
 * retransmitted as soon as three segments are SACKed above it, in the
 * same round trip, not one round trip later after a partial ACK. */
START_TEST(sack_recovery_repairs_every_hole) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 6 * SMSS, h.now), 6 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 6);
  struct sf_tcp_hdr s;
  static const uint32_t b1[][2] = {{1, 2}};
  static const uint32_t b2[][2] = {{3, 4}, {1, 2}};
  static const uint32_t b3[][2] = {{3, 5}, {1, 2}};
  static const uint32_t b4[][2] = {{3, 6}, {1, 2}};
  sack_dupack(&h, &c, S, 1, b1);
  sack_dupack(&h, &c, S, 2, b2);
  ck_assert(!th_next(&h, &s)); /* two duplicates, 2 segments SACKed */
  sack_dupack(&h, &c, S, 2, b3);
  /* recovery: the first hole at once; the second has only 2 SACKed
   * segments above it, not yet lost */
  th_expect_data(&h, &c, &s, S, SMSS);
  ck_assert(!th_next(&h, &s));
  sack_dupack(&h, &c, S, 2, b4);
  /* now three segments are SACKed above the second hole: it goes too */
  th_expect_data(&h, &c, &s, S + 2 * SMSS, SMSS);
  ck_assert(memcmp(s.payload, pat + 2 * SMSS, SMSS) == 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 1);
  ck_assert_uint_eq(th_info(t).retransmits, 2);
  /* both repairs arrive: everything is acknowledged at once */
  th_conn_ack(&h, &c, S + 6 * SMSS);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_recovery_partial_acks"), 0);
  th_finish(&h, t);
}
END_TEST

/* With SACK, a spurious fast retransmit measures how far the path
 * reordered (what the peer SACKed above the late segment before it came)
 * and DupThresh becomes one more than that; an RTO brings it back to 3. */
START_TEST(sack_reordering_degree_measured) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 6 * SMSS, h.now), 6 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 6);
  uint32_t old_ecr = c.ts_ecr;
  h.now += 10 * SF_NSEC_PER_MSEC;
  struct sf_tcp_hdr s;
  static const uint32_t b1[][2] = {{1, 2}};
  static const uint32_t b2[][2] = {{1, 5}};
  sack_dupack(&h, &c, S, 1, b1);
  ck_assert(!th_next(&h, &s));
  sack_dupack(&h, &c, S, 1, b2); /* 4 segments SACKed: recovery */
  th_expect_data(&h, &c, &s, S, SMSS);
  /* the original of segment 1 arrives after those 4: spurious */
  c.ts_ecr = old_ecr;
  th_conn_ack(&h, &c, S + 5 * SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_spurious_recoveries"), 1);
  th_conn_ack(&h, &c, S + 6 * SMSS);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  /* next window: 4 segments SACKed above a hole are not enough now... */
  const uint32_t S2 = S + 6 * SMSS;
  ck_assert_int_eq(sf__tcp_send(t, pat, 7 * SMSS, h.now), 7 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 7);
  h.now += 10 * SF_NSEC_PER_MSEC;
  sack_dupack(&h, &c, S2, 1, b2);
  ck_assert(!th_next(&h, &s));
  /* ... 5 are */
  static const uint32_t b3[][2] = {{1, 6}};
  sack_dupack(&h, &c, S2, 1, b3);
  th_expect_data(&h, &c, &s, S2, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 2);
  /* the retransmission and segment 7 are lost: the RTO resets DupThresh
   * (go-back-N resends from the hole) */
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.seq.v, S2);
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 1);
  th_conn_ack(&h, &c, S2 + 7 * SMSS);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  th_drain(&h);
  /* a window's worth at a time until cwnd allows four (slow start) */
  uint32_t S3 = S2 + 7 * SMSS;
  while (th_info(t).cwnd < 4 * SMSS) {
    uint32_t w = th_info(t).cwnd / SMSS * SMSS;
    ck_assert_int_eq(sf__tcp_send(t, pat, w, h.now), w);
    ck_assert_uint_eq(th_drain(&h), w / SMSS);
    S3 += w;
    th_conn_ack(&h, &c, S3);
  }
  /* three segments SACKed are enough again */
  ck_assert_int_eq(sf__tcp_send(t, pat, 4 * SMSS, h.now), 4 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 4);
  static const uint32_t b4[][2] = {{1, 4}};
  sack_dupack(&h, &c, S3, 1, b4);
  th_expect_data(&h, &c, &s, S3, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 3);
  th_finish(&h, t);
}
END_TEST

/* RACK (RFC 8985 6), on by default where SACK is negotiated: a
 * connection with a 20 ms RTT, so the reordering window, a quarter of
 * the minimum RTT, is 5 ms. */
static struct sf_tcb *start_rack(struct th *h, struct th_conn *c) {
  fill_pattern();
  th_init(h, NULL);
  return open_rtt(h, c, 20 * MS, true, true);
}

/* The last two segments of a flight, the first lost: one duplicate ACK
 * SACKs the second. Lost by time, the reordering window after the RTT
 * that delivered the second, without the two more duplicates that
 * DupThresh would wait for (and that never come), nor the probe. */
START_TEST(rack_loss_by_time_with_one_dupack) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_rack(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 2 * SMSS, h.now), 2 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 2);
  sf_time_t t0 = h.now;
  h.now += 20 * MS;
  static const uint32_t b[][2] = {{1, 2}};
  sack_dupack(&h, &c, S, 1, b);
  TH_EXPECT_NONE(&h); /* it may only be late */
  expect_rtx(&h, &c, t0 + 25 * MS, S, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_rack_lost"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_tlp_probes"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 0);
  th_conn_ack(&h, &c, S + 2 * SMSS);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  th_finish(&h, t);
}
END_TEST

/* The fast retransmission of segment 1 is lost too. Segment 11, sent
 * after it, is SACKed one RTT later: the retransmission is lost by the
 * same rule, and goes again at once, not after an RTO. */
START_TEST(rack_lost_retransmission_without_rto) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_rack(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 12 * SMSS, h.now), 12 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 10);
  sf_time_t t0 = h.now;
  h.now += 20 * MS;
  /* three segments SACKed above segment 1, no reordering seen: no
   * window, lost at once */
  static const uint32_t b3[][2] = {{1, 4}};
  sack_dupack(&h, &c, S, 1, b3);
  struct sf_tcp_hdr s;
  th_expect_data(&h, &c, &s, S, SMSS);
  TH_EXPECT_NONE(&h);
  /* three more duplicates inflate the window past the flight: segment
   * 11 goes */
  for (uint32_t k = 5; k <= 7; k++) {
    const uint32_t b[][2] = {{1, k}};
    sack_dupack(&h, &c, S, 1, b);
  }
  th_expect_data(&h, &c, &s, S + 10 * SMSS, SMSS);
  TH_EXPECT_NONE(&h);
  h.now += 20 * MS;
  static const uint32_t b11[][2] = {{1, 11}};
  sack_dupack(&h, &c, S, 1, b11);
  th_expect_data(&h, &c, &s, S, SMSS);
  ck_assert_uint_eq(h.now, t0 + 40 * MS);
  ck_assert(memcmp(s.payload, pat, SMSS) == 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_rack_lost"), 2);
  ck_assert_uint_eq(th_counter(&h, "tcp_fast_retrans"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_tlp_probes"), 0);
  th_finish(&h, t);
}
END_TEST

/* Segment 1 arrives 2 ms after segment 2, inside the window: nothing is
 * retransmitted. The path reorders, so from then on even three SACKed
 * segments wait for the window. */
START_TEST(rack_reordering_within_window) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_rack(&h, &c);
  uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  h.now += 20 * MS;
  static const uint32_t b1[][2] = {{1, 2}};
  sack_dupack(&h, &c, S, 1, b1);
  TH_EXPECT_NONE(&h);
  h.now += 2 * MS;
  th_conn_ack(&h, &c, S + 5 * SMSS);
  TH_EXPECT_NONE(&h);
  struct sf_tcp_hdr s;
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_retrans_segs"), 0);
  /* the next flight: three SACKed above segment 1 are no longer enough
   * on their own */
  S += 5 * SMSS;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  h.now += 20 * MS;
  static const uint32_t b3[][2] = {{1, 4}};
  sack_dupack(&h, &c, S, 1, b3);
  TH_EXPECT_NONE(&h);
  h.now += 2 * MS;
  th_conn_ack(&h, &c, S + 5 * SMSS);
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_retrans_segs"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_rack_lost"), 0);
  th_finish(&h, t);
}
END_TEST

/* A D-SACK (RFC 2883) reports that a retransmission was not needed: the
 * reordering window doubles, to half the minimum RTT (RFC 8985 6.2). */
START_TEST(rack_dsack_widens_window) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_rack(&h, &c);
  uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  h.now += 20 * MS;
  static const uint32_t b3[][2] = {{1, 4}};
  sack_dupack(&h, &c, S, 1, b3);
  struct sf_tcp_hdr s;
  th_expect_data(&h, &c, &s, S, SMSS);
  th_conn_ack(&h, &c, S + 5 * SMSS);
  /* the retransmission arrives too: the peer reports it below its ACK */
  struct th_seg d = th_conn_seg(&c, SF_TCP_ACK, NULL, 0);
  d.opts.present |= SF_TCP_OPT_SACK;
  d.opts.sack_count = 1;
  d.opts.sack[0].left = sf_seq(S);
  d.opts.sack[0].right = sf_seq(S + SMSS);
  th_inject(&h, &d);
  TH_EXPECT_NONE(&h);
  S += 5 * SMSS;
  ck_assert_int_eq(sf__tcp_send(t, pat, 2 * SMSS, h.now), 2 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 2);
  sf_time_t t1 = h.now;
  h.now += 20 * MS;
  static const uint32_t b1[][2] = {{1, 2}};
  sack_dupack(&h, &c, S, 1, b1);
  expect_rtx(&h, &c, t1 + 30 * MS, S, SMSS);
  th_finish(&h, t);
}
END_TEST

/* RFC 7661: an application that sends less than cwnd allows does not
 * grow cwnd; once cwnd is what holds it back, cwnd grows again. */
START_TEST(cwnd_does_not_grow_while_application_limited) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  uint32_t S = TH_ISN + 1;
  ck_assert_uint_eq(th_info(t).cwnd, 10 * SMSS);
  for (int i = 0; i < 20; i++) { /* two segments per round trip */
    ck_assert_int_eq(sf__tcp_send(t, pat, 2 * SMSS, h.now), 2 * SMSS);
    ck_assert_uint_eq(th_drain(&h), 2);
    S += 2 * SMSS;
    th_conn_ack(&h, &c, S);
  }
  ck_assert_uint_eq(th_info(t).cwnd, 10 * SMSS);
  /* five segments of ten: half of cwnd in use, slow start may double it */
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  S += 5 * SMSS;
  th_conn_ack(&h, &c, S);
  ck_assert_uint_eq(th_info(t).cwnd, 11 * SMSS);
  th_finish(&h, t);
}
END_TEST

/* RFC 8985 7: five segments out, no ACK at all. The probe timeout is
 * 2 * SRTT (40 ms), far before the 200 ms RTO: the last segment goes
 * again, then the timer is the RTO. */
static struct sf_tcb *tail_probe_start(struct th *h, struct th_conn *c,
                                       uint32_t *old_ecr, uint32_t *probe_ts) {
  fill_pattern();
  th_init(h, NULL);
  struct sf_tcb *t = open_rtt(h, c, 20 * MS, true, true);
  ck_assert_uint_eq(th_info(t).rtt_us, 20000);
  ck_assert_uint_eq(th_info(t).rto_us, 200000);
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h->now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(h), 5);
  *old_ecr = c->ts_ecr; /* the originals' TSval */
  sf_time_t t0 = h->now;
  struct sf_tcp_hdr s;
  ck_assert(th_run_until_segment(h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(h->now, t0 + 40 * MS);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1 + 4 * SMSS);
  ck_assert_uint_eq(s.payload_len, SMSS);
  ck_assert(!th_next(h, &s));
  *probe_ts = s.opts.ts_val;
  ck_assert_uint_gt(*probe_ts, *old_ecr);
  ck_assert_uint_eq(th_counter(h, "tcp_tlp_probes"), 1);
  ck_assert_uint_eq(th_counter(h, "tcp_rto_expired"), 0);
  return t;
}

/* Only the ACKs were lost: the probe's ACK echoes the originals' time,
 * everything is acknowledged and the window stays. */
START_TEST(tail_loss_probe_after_lost_acks) {
  struct th h;
  struct th_conn c;
  uint32_t old_ecr, probe_ts;
  struct sf_tcb *t = tail_probe_start(&h, &c, &old_ecr, &probe_ts);
  uint32_t cwnd = th_info(t).cwnd;
  c.ts_ecr = old_ecr;
  th_conn_ack(&h, &c, TH_ISN + 1 + 5 * SMSS);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  ck_assert_uint_eq(th_info(t).cwnd, cwnd + SMSS); /* slow start, no cut */
  ck_assert_uint_eq(th_counter(&h, "tcp_tlp_repaired"), 0);
  /* nothing more: no RTO */
  struct sf_tcp_hdr s;
  ck_assert(!th_run_until_segment(&h, h.now + 5 * SF_NSEC_PER_SEC, 0, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 0);
  th_finish(&h, t);
}
END_TEST

/* The last segment itself was lost: the probe repairs it (its ACK echoes
 * the probe's time) and the sender reacts as to a fast retransmit. */
START_TEST(tail_loss_probe_repairs_a_loss) {
  struct th h;
  struct th_conn c;
  uint32_t old_ecr, probe_ts;
  struct sf_tcb *t = tail_probe_start(&h, &c, &old_ecr, &probe_ts);
  c.ts_ecr = probe_ts;
  th_conn_ack(&h, &c, TH_ISN + 1 + 5 * SMSS); /* echoes the probe */
  ck_assert_uint_eq(th_counter(&h, "tcp_tlp_repaired"), 1);
  ck_assert_uint_eq(th_info(t).ssthresh, 5 * SMSS / 2);
  ck_assert_uint_eq(th_info(t).cwnd, 5 * SMSS / 2);
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 0);
  th_finish(&h, t);
}
END_TEST

/* One probe per tail: if nothing answers, the RTO follows (from the
 * probe, 200 ms) and goes back to the first segment. */
START_TEST(tail_loss_probe_then_rto) {
  struct th h;
  struct th_conn c;
  uint32_t old_ecr, probe_ts;
  struct sf_tcb *t = tail_probe_start(&h, &c, &old_ecr, &probe_ts);
  sf_time_t probe_at = h.now;
  expect_rtx(&h, &c, probe_at + 200 * MS, TH_ISN + 1, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_tlp_probes"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_rto_expired"), 1);
  th_finish(&h, t);
}
END_TEST

static void no_tlp(struct sf_engine_config *c) { c->tail_loss_probe = false; }

/* With probes off the RTO is the first timer. */
START_TEST(no_tail_loss_probe_when_off) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, no_tlp);
  struct sf_tcb *t = open_rtt(&h, &c, 20 * MS, true, true);
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 200 * MS, TH_ISN + 1, SMSS);
  ck_assert_uint_eq(th_counter(&h, "tcp_tlp_probes"), 0);
  th_finish(&h, t);
}
END_TEST

START_TEST(slow_start_per_ack) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 20 * SMSS, h.now), 20 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 10); /* IW = 10 * SMSS (RFC 6928) */
  th_conn_ack(&h, &c, S + SMSS);
  ck_assert_uint_eq(th_info(t).cwnd, 11 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 2); /* one acked, one more allowed */
  /* an ACK of two segments grows cwnd by one SMSS (RFC 3465, L = 1) */
  th_conn_ack(&h, &c, S + 3 * SMSS);
  ck_assert_uint_eq(th_info(t).cwnd, 12 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 3);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 12 * SMSS);
  th_finish(&h, t);
}
END_TEST

START_TEST(rto_loss_window_go_back_n) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  sf_time_t t0 = h.now;
  expect_rtx(&h, &c, t0 + 200 * MS, S, SMSS); /* only the first */
  sf_tcp_info_t i = th_info(t);
  ck_assert_uint_eq(i.cwnd, SMSS); /* RFC 5681 3.1: the loss window */
  ck_assert_uint_eq(i.ssthresh, 5 * SMSS / 2);
  ck_assert_uint_eq(i.bytes_in_flight, SMSS);
  /* its ACK: cwnd 2 SMSS, and segments 2 and 3 go again */
  struct sf_tcp_hdr s;
  th_conn_ack(&h, &c, S + SMSS);
  ck_assert_uint_eq(th_info(t).cwnd, 2 * SMSS);
  for (uint32_t k = 1; k <= 2; k++) {
    th_expect_data(&h, &c, &s, S + k * SMSS, SMSS);
    ck_assert(memcmp(s.payload, pat + k * SMSS, SMSS) == 0);
  }
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_retrans_segs"), 3);
  ck_assert_uint_eq(th_info(t).bytes_retrans, 3 * SMSS);
  th_finish(&h, t);
}
END_TEST

START_TEST(icmp_frag_needed_lowers_mss) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start_ts(&h, &c);
  const uint32_t S = TH_ISN + 1;
  ck_assert_int_eq(sf__tcp_send(t, pat, 2 * SMSS, h.now), 2 * SMSS);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(th_drain(&h), 1);
  /* a larger MTU changes nothing */
  th_inject_icmp_error(&h, SF_ICMP_DEST_UNREACH, SF_ICMP_UNREACH_FRAG_NEEDED,
                       1500, &s);
  ck_assert_uint_eq(th_info(t).snd_mss, SMSS);
  ck_assert(!th_next(&h, &s));
  /* MTU 1000: 1000 - 40 - 12 (timestamps) = 948; resent at once */
  th_inject_icmp_error(&h, SF_ICMP_DEST_UNREACH, SF_ICMP_UNREACH_FRAG_NEEDED,
                       1000, &s);
  ck_assert_uint_eq(th_counter(&h, "tcp_pmtu_updates"), 1);
  ck_assert_uint_eq(th_info(t).snd_mss, 948);
  ck_assert_uint_eq(th_counter(&h, "tcp_icmp_soft_errors"), 0);
  th_expect_data(&h, &c, &s, S, 948);
  ck_assert_uint_eq(20u + s.hdr_len + s.payload_len, 1000);
  ck_assert(memcmp(s.payload, pat, 948) == 0);
  /* new data is cut to the new size */
  th_conn_ack(&h, &c, S + 2 * SMSS);
  sf__tcp_set_nodelay(t, true, h.now);
  ck_assert_int_eq(sf__tcp_send(t, pat, 1000, h.now), 1000);
  th_expect_data(&h, &c, &s, S + 2 * SMSS, 948);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 52);
  th_finish(&h, t);
}
END_TEST

/* Fast retransmit with snd_una just below 2^32 and the hole across it. */
START_TEST(recovery_across_wraparound) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, dupthresh);
  h.isn = 0xfffff000u;
  struct sf_tcb *t = open_rtt(&h, &c, 0, true, true);
  const uint32_t S = 0xfffff001u;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * SMSS, h.now), 5 * SMSS);
  ck_assert_uint_eq(th_drain(&h), 5);
  th_conn_ack(&h, &c, S + 2 * SMSS); /* 0xfffffb51: segment 3 is lost */
  ck_assert_uint_eq(th_drain(&h), 0); /* nothing more to send */
  for (int k = 0; k < 3; k++)
    th_conn_ack(&h, &c, S + 2 * SMSS);
  struct sf_tcp_hdr s;
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.seq.v, S + 2 * SMSS);
  ck_assert_uint_eq(s.seq.v + SMSS, 0x000000f9u); /* crosses 2^32 */
  ck_assert_uint_eq(s.payload_len, SMSS);
  th_conn_ack(&h, &c, S + 5 * SMSS);
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  ck_assert_uint_eq(th_info(t).cwnd, 2 * SMSS);
  th_finish(&h, t);
}
END_TEST


/* ARP for the peer stops answering: the connection keeps retrying, and
 * when it gives up it reports the unreachable host, not a bare timeout. */
START_TEST(arp_failure_soft_error_on_timeout) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcb *t = open_rtt(&h, &c, 100 * MS, false, false);
  h.answer_arp = false;
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  th_drain(&h);
  sf_time_t t0 = h.now;
  struct sf_tcp_hdr s;
  unsigned seen = 0; /* retransmissions that got out before ARP failed */
  while (th_run_until_segment(&h, UINT64_MAX, SF_TEV_ERROR, &s)) {
    ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
    seen++;
  }
  ck_assert_uint_gt(seen, 0);
  ck_assert_uint_lt(seen, 15);
  /* the RTO schedule is unchanged: 300 ms doubling to the 60 s cap,
   * 15 retransmissions, the 16th expiry ends it: 76.5 s + 8 * 60 s */
  ck_assert_uint_eq(h.now, t0 + 556500 * MS);
  ck_assert_uint_eq(th_counter(&h, "tcp_retrans_segs"), 15);
  ck_assert_uint_ge(th_counter(&h, "arp_failed"), 1);
  ck_assert_int_eq(sf__tcp_error(t), SF_EHOSTUNREACH);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  ck_assert_int_eq(th_event_nth(&h, SF_TEV_ERROR, 0)->ev.error,
                   SF_EHOSTUNREACH);
  ck_assert_uint_eq(th_counter(&h, "tcp_conn_timeouts"), 1);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

static Suite *recovery_suite(void) {
  Suite *s = suite_create("tcp_recovery");
  TCase *tc = tcase_create("recovery");
  tcase_add_test(tc, first_rto_is_one_second);
  tcase_add_test(tc, rto_from_samples);
  tcase_add_test(tc, rto_floor_200ms);
  tcase_add_test(tc, karn_no_sample_from_retransmission);
  tcase_add_test(tc, retry_limit_times_out);
  tcase_add_test(tc, icmp_soft_error_reported_on_timeout);
  tcase_add_test(tc, arp_failure_soft_error_on_timeout);
  tcase_add_test(tc, fast_retransmit_and_newreno);
  tcase_add_test(tc, spurious_fast_retransmit_undone);
  tcase_add_test(tc, sack_reordering_degree_measured);
  tcase_add_test(tc, sack_recovery_repairs_every_hole);
  tcase_add_test(tc, slow_start_per_ack);
  tcase_add_test(tc, tail_loss_probe_after_lost_acks);
  tcase_add_test(tc, tail_loss_probe_repairs_a_loss);
  tcase_add_test(tc, tail_loss_probe_then_rto);
  tcase_add_test(tc, no_tail_loss_probe_when_off);
  tcase_add_test(tc, cwnd_does_not_grow_while_application_limited);
  tcase_add_test(tc, rto_loss_window_go_back_n);
  tcase_add_test(tc, icmp_frag_needed_lowers_mss);
  tcase_add_test(tc, recovery_across_wraparound);
  suite_add_tcase(s, tc);
  tc = tcase_create("rack");
  tcase_add_test(tc, rack_loss_by_time_with_one_dupack);
  tcase_add_test(tc, rack_lost_retransmission_without_rto);
  tcase_add_test(tc, rack_reordering_within_window);
  tcase_add_test(tc, rack_dsack_widens_window);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(recovery_suite)
