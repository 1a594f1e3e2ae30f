/*
 * ESTABLISHED: data in both directions with exact seq/ack/window;
 * segmentation to the effective MSS; the send buffer's limit and
 * SF_TEV_WRITABLE; the receive window (shrinking, never moving its right
 * edge back, receiver SWS avoidance, window updates on reading); window
 * scaling both ways; the peer's window taken from a retransmission whose
 * ACK advances SND.UNA, not from a reordered older segment; zero window
 * and persist probes; Nagle and nodelay;
 * delayed ACKs; out-of-order data with SACK blocks; duplicates; URG;
 * RFC 5961 challenge ACKs and their rate limit; PAWS; ACKs of unsent
 * data; keepalive; sequence-number wraparound.
 *
 * The engine is at 198.18.0.1 with MTU 1500 (MSS 1460); the test plays
 * the peer. Unless said otherwise the peer offers MSS 1460, window scale
 * 7, SACK and timestamps, so the effective MSS is 1448.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp_harness.h"
#include "util/alloc.h"

#define RPORT 80
#define PEER_ISN 5000u
#define MS SF_NSEC_PER_MSEC
#define BIG 262144u /* default rcvbuf: window field 32768 << 3 */

static uint8_t pat[300000];

static void fill_pattern(void) {
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 7 + (i >> 8));
}

/* The pattern, an engine configured by cfg_edit (may be NULL), and a
 * connection opened with the standard options. */
static struct sf_tcb *start(struct th *h, struct th_conn *c,
                            void (*cfg_edit)(struct sf_engine_config *)) {
  fill_pattern();
  th_init(h, cfg_edit);
  return th_open_std(h, c, RPORT, PEER_ISN);
}

static void small_rcvbuf(struct sf_engine_config *c) { c->rcvbuf = 16384; }
static void small_sndbuf(struct sf_engine_config *c) { c->sndbuf = 10000; }
static void tiny_challenge(struct sf_engine_config *c) {
  c->challenge_ack_limit = 2;
}

/* Injects g four times within one second (from the start of the next,
 * so all four land in it) under tiny_challenge's budget of two: two
 * challenge ACKs go out, the other two are counted as limited. */
static void four_in_a_second_two_challenged(struct th *h,
                                            const struct th_seg *g) {
  h->now = (h->now / SF_NSEC_PER_SEC + 1) * SF_NSEC_PER_SEC;
  for (int i = 0; i < 4; i++)
    th_inject(h, g);
  ck_assert_uint_eq(th_drain(h), 2);
  ck_assert_uint_eq(th_counter(h, "tcp_challenge_acks"), 2);
  ck_assert_uint_eq(th_counter(h, "tcp_challenge_acks_limited"), 2);
}

START_TEST(data_both_directions) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_send(t, "hello", 5, h.now), 5);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK | SF_TCP_PSH);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
  ck_assert_uint_eq(s.window, BIG >> 3);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.ts_ecr, 100);
  ck_assert_uint_eq(s.payload_len, 5);
  ck_assert(memcmp(s.payload, "hello", 5) == 0);
  ck_assert(!th_next(&h, &s));
  /* the peer acknowledges and answers with 100 bytes */
  c.rcv_nxt = TH_ISN + 6;
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, pat, 100);
  ck_assert_uint_eq(th_count(&h, SF_TEV_WRITABLE), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_READABLE), 1);
  ck_assert_uint_eq(sf__tcp_readable(t), 100);
  uint8_t buf[200];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 100);
  ck_assert(memcmp(buf, pat, 100) == 0);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), SF_EAGAIN);
  ck_assert(!th_next(&h, &s)); /* the ACK is delayed */
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 6);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 101);
  ck_assert_uint_eq(s.payload_len, 0);
  /* (BIG - 100) >> 3: the scaled field rounds down, so the announced
   * edge retracts by less than 2^3 bytes (RFC 7323 2.4: not a shrink);
   * the engine still accepts data up to the old edge (rcv_adv) */
  ck_assert_uint_eq(s.window, (BIG - 100) >> 3);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.bytes_sent, 5);
  ck_assert_uint_eq(info.bytes_received, 100);
  ck_assert_uint_eq(info.bytes_in_flight, 0);
  th_finish(&h, t);
}
END_TEST

/* ACKs for new data confirm the peer's ARP entry (an upper-layer
 * confirmation, RFC 4861 7.3.1): a connection that keeps making progress
 * never stops to ask ARP, however long it runs. */
START_TEST(progress_confirms_neighbor) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  for (int i = 0; i < 150; i++) {
    th_advance(&h, SF_NSEC_PER_SEC);
    ck_assert_int_eq(sf__tcp_send(t, "x", 1, h.now), 1);
    ck_assert(th_conn_next(&h, &c, &s));
    ck_assert_uint_eq(s.payload_len, 1);
    th_conn_ack(&h, &c, s.seq.v + 1);
  }
  ck_assert_uint_eq(th_counter(&h, "arp_requests_sent"), 0);
  ck_assert_uint_eq(h.skipped_frames, 0);
  th_finish(&h, t);
}
END_TEST

/* No memory to store a segment's data: the segment is dropped, not
 * acknowledged (where its bytes were once ACKed and never stored); the
 * peer's retransmission is taken. In order and out of order alike. */
START_TEST(data_not_stored_not_acked) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  char buf[16];
  sf__alloc_fail_after(0, 1); /* the receive buffer's first allocation */
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, "hello", 5);
  th_advance(&h, SF_NSEC_PER_SEC); /* past any delayed ACK */
  TH_EXPECT_NONE(&h);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), SF_EAGAIN);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_nomem_dropped"), 1);
  /* out of order: no memory either, so no SACK block claims it */
  sf__alloc_fail_after(0, 1);
  struct th_seg later = th_conn_seg(&c, SF_TCP_ACK, "world", 5);
  later.seq = c.snd_nxt; /* "hello" is still missing below it */
  th_inject(&h, &later);
  ck_assert(th_conn_next(&h, &c, &s)); /* the duplicate ACK */
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
  ck_assert_uint_eq(s.opts.present & SF_TCP_OPT_SACK, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_nomem_dropped"), 2);
  /* the retransmission finds memory */
  c.snd_nxt = PEER_ISN + 1;
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, "hello", 5);
  th_advance(&h, SF_NSEC_PER_SEC);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 6);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 5);
  ck_assert(memcmp(buf, "hello", 5) == 0);
  th_finish(&h, t);
}
END_TEST

START_TEST(segments_to_mss_minus_timestamps) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_send(t, pat, 5000, h.now), 5000);
  for (uint32_t i = 0; i < 3; i++) {
    ck_assert(th_conn_next(&h, &c, &s));
    ck_assert_uint_eq(s.flags, SF_TCP_ACK);
    ck_assert_uint_eq(s.seq.v, TH_ISN + 1 + i * 1448);
    ck_assert_uint_eq(s.payload_len, 1448);
    ck_assert(memcmp(s.payload, pat + i * 1448, 1448) == 0);
  }
  /* Nagle holds the 656-byte tail while data is in flight */
  ck_assert(!th_next(&h, &s));
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.unsent, 656);
  ck_assert_uint_eq(info.bytes_in_flight, 4344);
  th_conn_ack(&h, &c, TH_ISN + 1 + 4344);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK | SF_TCP_PSH);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1 + 4344);
  ck_assert_uint_eq(s.payload_len, 656);
  ck_assert(memcmp(s.payload, pat + 4344, 656) == 0);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

START_TEST(segments_to_mss_without_timestamps) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcp_opts o = th_syn_opts(1460, 7, true, false, 0, 0);
  struct sf_tcb *t = th_open_active(&h, &c, RPORT, PEER_ISN, &o, 65535);
  sf__tcp_set_nodelay(t, true, h.now);
  ck_assert_int_eq(sf__tcp_send(t, pat, 3000, h.now), 3000);
  struct sf_tcp_hdr s;
  static const uint32_t lens[] = {1460, 1460, 80};
  uint32_t seq = TH_ISN + 1;
  for (int i = 0; i < 3; i++) {
    th_expect_data(&h, &c, &s, seq, lens[i]);
    ck_assert_uint_eq(s.opts.present, 0);
    ck_assert_uint_eq(s.flags, SF_TCP_ACK | (i == 2 ? SF_TCP_PSH : 0));
    seq += lens[i];
  }
  ck_assert(!th_next(&h, &s));
  /* a smaller MSS from the peer rules: 536 */
  th_finish(&h, t);
}
END_TEST

START_TEST(peer_mss_smaller) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcp_opts o = th_syn_opts(536, -1, false, true, 9, 0);
  struct sf_tcb *t = th_open_active(&h, &c, RPORT, PEER_ISN, &o, 65535);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.snd_mss, 524);
  ck_assert_uint_eq(info.snd_wscale, 0);
  ck_assert_uint_eq(info.rcv_wscale, 0); /* no scaling unless both offer */
  ck_assert_int_eq(sf__tcp_send(t, pat, 1000, h.now), 1000);
  struct sf_tcp_hdr s;
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 524);
  /* without scaling the 256 KiB buffer is announced as 65535 */
  ck_assert_uint_eq(s.window, 65535);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

START_TEST(send_buffer_limit_and_writable) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, small_sndbuf);
  ck_assert_uint_eq(sf__tcp_send_space(t), 10000);
  ck_assert_int_eq(sf__tcp_send(t, pat, 20000, h.now), 10000);
  ck_assert_uint_eq(sf__tcp_send_space(t), 0);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 0);
  /* 6 full segments (cwnd 14480 allows 10); the 1312-byte tail waits */
  ck_assert_uint_eq(th_drain(&h), 6);
  ck_assert_uint_eq(th_count(&h, SF_TEV_WRITABLE), 0);
  th_conn_ack(&h, &c, TH_ISN + 1 + 2896);
  ck_assert_uint_eq(th_count(&h, SF_TEV_WRITABLE), 1);
  ck_assert_uint_eq(sf__tcp_send_space(t), 2896);
  ck_assert_int_eq(sf__tcp_send(t, pat + 10000, 5000, h.now), 2896);
  ck_assert_uint_eq(sf__tcp_send_space(t), 0);
  /* now 1312 + 2896 = 4208 unsent: two full segments go, 1312 waits */
  struct th_conn *pc = &c;
  struct sf_tcp_hdr s;
  ck_assert(th_conn_next(&h, pc, &s));
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1 + 8688);
  ck_assert_uint_eq(s.payload_len, 1448);
  ck_assert(memcmp(s.payload, pat + 8688, 1448) == 0);
  ck_assert(th_conn_next(&h, pc, &s));
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1 + 10136);
  ck_assert(memcmp(s.payload, pat + 10136, 1448) == 0);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

START_TEST(receive_window_shrinks_right_edge_fixed) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, small_rcvbuf);
  struct sf_tcp_hdr s;
  uint32_t edge = PEER_ISN + 1 + 16384;
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 1000);
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1001);
  ck_assert_uint_eq(s.window, 15384);
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 1000, 1000);
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.ack.v + s.window, edge);
  ck_assert_uint_eq(s.window, 14384);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.rcv_wnd, 14384);
  ck_assert_uint_eq(info.unread, 2000);
  /* reading 500 frees less than an MSS: the edge must not move */
  uint8_t buf[20000];
  ck_assert_int_eq(sf__tcp_recv(t, buf, 500, h.now), 500);
  ck_assert(!th_next(&h, &s));
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 2000, 100);
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 2101);
  ck_assert_uint_eq(s.window, 14284);
  ck_assert_uint_eq(s.ack.v + s.window, edge);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 1600);
  ck_assert(memcmp(buf, pat + 500, 1600) == 0);
  th_finish(&h, t);
}
END_TEST

/* A request read and answered in one turn: the answer carries the opened
 * window, and no window update goes out alone before or after it. */
START_TEST(answer_in_same_turn_carries_window_update) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, small_rcvbuf);
  struct sf_tcp_hdr s;
  uint8_t buf[20000];
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 1460);
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, pat + 1460, 1460);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.window, 16384 - 2920);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 2920);
  ck_assert_int_eq(sf__tcp_send(t, "answer", 6, h.now), 6);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK | SF_TCP_PSH);
  ck_assert_uint_eq(s.payload_len, 6);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 2920);
  ck_assert_uint_eq(s.window, 16384);
  th_advance(&h, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_out_window_updates"), 0);
  th_finish(&h, t);
}
END_TEST

/* The same, with no clock at all: the update the read owes waits on no
 * timer (nothing is due, and the engine is never polled), and the reply
 * is the one segment the turn sends. */
START_TEST(read_and_reply_one_segment_without_timer) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, small_rcvbuf);
  struct sf_tcp_hdr s;
  uint8_t buf[20000];
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 1460);
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, pat + 1460, 1460);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.window, 16384 - 2920);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 2920);
  ck_assert_uint_gt(sf__engine_next_deadline(h.e), h.now);
  ck_assert_int_eq(sf__tcp_send(t, "answer", 6, h.now), 6);
  ck_assert_uint_eq(th_queued(&h), 1);
  ck_assert(th_conn_next(&h, &c, &s)); /* the turn ends here */
  ck_assert_uint_eq(s.payload_len, 6);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 2920);
  ck_assert_uint_eq(s.window, 16384);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_out_window_updates"), 0);
  /* the two segments' ACK went at the end of their turn, alone */
  ck_assert_uint_eq(th_counter(&h, "tcp_out_acks_delayed"), 1);
  /* what is left due is the answer's retransmission timer */
  ck_assert_uint_ge(sf__engine_next_deadline(h.e), h.now + 200 * MS);
  th_finish(&h, t);
}
END_TEST

START_TEST(reading_sends_window_update_sws) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, small_rcvbuf);
  struct sf_tcp_hdr s;
  uint8_t buf[20000];
  /* two full segments: ACKed at the end of the turn */
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 1460);
  ck_assert(!th_next(&h, &s));
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 1460, 1460);
  ck_assert_uint_eq(th_queued(&h), 0);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 2920);
  ck_assert_uint_eq(s.window, 16384 - 2920);
  ck_assert_int_eq(sf__tcp_recv(t, buf, 1000, h.now), 1000);
  th_advance(&h, 0);
  ck_assert(!th_next(&h, &s)); /* 1000 < one MSS: no update */
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 1920);
  /* not from inside the read: at the end of the turn, same instant, and
   * no timer is set for it */
  ck_assert_uint_eq(th_queued(&h), 0);
  ck_assert_uint_gt(sf__engine_next_deadline(h.e), h.now);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 2920);
  ck_assert_uint_eq(s.window, 16384);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_out_window_updates"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_acks_delayed"), 1);
  /* fill the buffer entirely: the window closes */
  uint32_t off = 2920;
  while (off < 2920 + 16384) {
    uint32_t n = 2920 + 16384 - off < 1460 ? 2920 + 16384 - off : 1460;
    th_conn_send(&h, &c, SF_TCP_ACK, pat + off, n);
    off += n;
  }
  ck_assert_uint_eq(sf__tcp_readable(t), 16384);
  /* 12 segments, every second one ACKed at once; the last ACK says 0 */
  unsigned acks = 0;
  while (th_conn_next(&h, &c, &s))
    acks++;
  ck_assert_uint_eq(acks, 6);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + off);
  ck_assert_uint_eq(s.window, 0);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.rcv_wnd, 0);
  /* data beyond the closed window is not taken */
  th_conn_send(&h, &c, SF_TCP_ACK, pat + off, 100);
  c.snd_nxt -= 100;
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + off);
  ck_assert_uint_eq(s.window, 0);
  ck_assert_uint_eq(sf__tcp_readable(t), 16384);
  /* receiver SWS: 1000 free is not announced; 3000 free is (2 MSS) */
  ck_assert_int_eq(sf__tcp_recv(t, buf, 1000, h.now), 1000);
  th_advance(&h, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_recv(t, buf, 1000, h.now), 1000);
  th_advance(&h, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_recv(t, buf, 1000, h.now), 1000);
  th_advance(&h, 0);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + off);
  ck_assert_uint_eq(s.window, 3000);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

START_TEST(window_scaling_both_ways) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.snd_wscale, 7);
  ck_assert_uint_eq(info.rcv_wscale, 3);
  ck_assert_uint_eq(info.snd_wnd, 65535); /* the SYN-ACK's, unscaled */
  /* our window: (262144 - 1000) >> 3 */
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 1000);
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.window, (BIG - 1000) >> 3);
  /* the peer's: 10 << 7 = 1280 bytes */
  c.window = 10;
  th_conn_send(&h, &c, SF_TCP_ACK, NULL, 0);
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.snd_wnd, 1280);
  ck_assert_int_eq(sf__tcp_send(t, pat, 1000, h.now), 1000);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 1000);
  sf__tcp_set_nodelay(t, true, h.now);
  ck_assert_int_eq(sf__tcp_send(t, pat + 1000, 1000, h.now), 1000);
  ck_assert(!th_next(&h, &s)); /* only 280 bytes of window left */
  th_conn_ack(&h, &c, TH_ISN + 1001);
  th_expect_data(&h, &c, &s, TH_ISN + 1001, 1000);
  th_finish(&h, t);
}
END_TEST

START_TEST(zero_window_persist) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  c.window = 0;
  th_conn_send(&h, &c, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  ck_assert(!th_next(&h, &s));
  /* RTO is 200 ms (the handshake's RTT was 0); probes back off */
  sf_time_t at = h.now;
  static const unsigned waits[] = {200, 400, 800, 1600};
  for (int i = 0; i < 4; i++) {
    at += waits[i] * MS;
    ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
    ck_assert_uint_eq(h.now, at);
    ck_assert_uint_eq(s.flags, SF_TCP_ACK);
    ck_assert_uint_eq(s.seq.v, TH_ISN); /* snd_una - 1 */
    ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
    ck_assert_uint_eq(s.payload_len, 0);
  }
  ck_assert_uint_eq(th_counter(&h, "tcp_persist_probes"), 4);
  /* the window opens: the data goes at once */
  c.window = 100;
  th_conn_send(&h, &c, SF_TCP_ACK, NULL, 0);
  th_expect_data(&h, &c, &s, TH_ISN + 1, 100);
  ck_assert(memcmp(s.payload, pat, 100) == 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  th_finish(&h, t);
}
END_TEST

START_TEST(nagle_and_nodelay) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_int_eq(sf__tcp_send(t, pat + 100, 100, h.now), 100);
  ck_assert_int_eq(sf__tcp_send(t, pat + 200, 100, h.now), 100);
  ck_assert(!th_next(&h, &s)); /* waits for the ACK */
  th_conn_ack(&h, &c, TH_ISN + 101);
  ck_assert(th_conn_next(&h, &c, &s)); /* both small writes coalesced */
  ck_assert_uint_eq(s.seq.v, TH_ISN + 101);
  ck_assert_uint_eq(s.payload_len, 200);
  ck_assert(memcmp(s.payload, pat + 100, 200) == 0);
  ck_assert(!th_next(&h, &s));
  /* nodelay: a small write goes while data is in flight; setting it
   * flushes what Nagle held */
  ck_assert_int_eq(sf__tcp_send(t, pat + 300, 50, h.now), 50);
  ck_assert(!th_next(&h, &s));
  sf__tcp_set_nodelay(t, true, h.now);
  th_expect_data(&h, &c, &s, TH_ISN + 301, 50);
  ck_assert_int_eq(sf__tcp_send(t, pat + 350, 10, h.now), 10);
  th_expect_data(&h, &c, &s, TH_ISN + 351, 10);
  th_finish(&h, t);
}
END_TEST

START_TEST(delayed_ack) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  sf_time_t t0 = h.now;
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 100);
  th_advance(&h, 39 * MS);
  ck_assert(!th_next(&h, &s));
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(h.now, t0 + 40 * MS);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 101);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_acks_delayed"), 1);
  /* two full segments: the second is ACKed at the end of its turn, not
   * by the timer */
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 100, 1448);
  ck_assert(!th_next(&h, &s));
  sf_time_t t1 = h.now;
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 1548, 1448);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(h.now, t1);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 101 + 2896);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_out_acks_delayed"), 2);
  /* data to send piggybacks the ACK: no separate ACK later */
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 10);
  ck_assert_int_eq(sf__tcp_send(t, "x", 1, h.now), 1);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 101 + 2896 + 10);
  ck_assert_uint_eq(s.payload_len, 1);
  ck_assert_uint_eq(sf__engine_next_deadline(h.e),
                    h.now + 200 * MS); /* only the RTO is left */
  th_finish(&h, t);
}
END_TEST

static void expect_sack(const struct sf_tcp_hdr *s, unsigned n,
                        const uint32_t (*blk)[2]) {
  ck_assert_uint_eq(s->opts.present & SF_TCP_OPT_SACK,
                    n ? SF_TCP_OPT_SACK : 0);
  if (!n)
    return;
  ck_assert_uint_eq(s->opts.sack_count, n);
  for (unsigned i = 0; i < n; i++) {
    ck_assert_uint_eq(s->opts.sack[i].left.v, blk[i][0]);
    ck_assert_uint_eq(s->opts.sack[i].right.v, blk[i][1]);
  }
}

/* The peer sends [off, off + len) of its stream (offsets from its ISN+1). */
static void send_at(struct th *h, struct th_conn *c, uint32_t off,
                    uint32_t len) {
  struct th_seg g = th_conn_seg(c, SF_TCP_ACK, pat + off, len);
  g.seq = c->irs + 1 + off;
  th_inject(h, &g);
}

/* Segments of one receive batch (frames the loop took in one turn): the
 * ACK they call for waits for the end of the turn, after the
 * application's reads, and one segment carries it with the window the
 * reads reopened, not an ACK then a window update. At most one ACK is
 * held: a third segment in the batch sends it (covering all three), so a
 * sender in slow start, whose window grows per ACK, still gets one per
 * three segments. */
START_TEST(batch_ack_carries_reopened_window) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  static uint8_t buf[5 * 1448];
  h.batch = true;
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 1448);
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 1448, 1448);
  ck_assert_uint_eq(th_queued(&h), 0);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 2 * 1448);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 2 * 1448);
  ck_assert_uint_eq((uint32_t)s.window << 3, BIG);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_out_window_updates") +
                        th_counter(&h, "tcp_out_acks_delayed"),
                    1);
  /* and no delayed-ACK timer is left behind */
  ck_assert_uint_gt(sf__engine_next_deadline(h.e), h.now + 40 * MS);
  /* the next batch: the third segment sends the held ACK at once */
  for (uint32_t i = 2; i < 5; i++)
    th_conn_send(&h, &c, SF_TCP_ACK, pat + i * 1448, 1448);
  ck_assert_uint_eq(th_queued(&h), 1);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 5 * 1448);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

/* The bound: with a 16 KiB buffer, a super-frame (from a peer's
 * segmentation offload) that leaves a quarter of it (4 KiB) or more
 * unacknowledged is ACKed at once, a smaller one is held; and anything
 * out of order is ACKed at once, even in the middle of a batch. */
START_TEST(batch_ack_bound_and_out_of_order) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, small_rcvbuf);
  struct sf_tcp_hdr s;
  static uint8_t buf[16384];
  h.batch = true;
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 2 * 1460);
  ck_assert_uint_eq(th_queued(&h), 0);
  ck_assert(th_conn_next(&h, &c, &s)); /* the turn ends */
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 2 * 1460);
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 2 * 1460);
  th_drain(&h);
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 2 * 1460, 3 * 1460);
  ck_assert_uint_eq(th_queued(&h), 1);
  /* a hole: one segment is skipped */
  c.snd_nxt += 1460;
  th_conn_send(&h, &c, SF_TCP_ACK, pat + 6 * 1460, 1460);
  ck_assert_uint_eq(th_queued(&h), 2);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 5 * 1460);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1 + 5 * 1460);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

/* Every segment the engine has sent ends at or before edge (the right
 * edge of the peer's window); returns how many bytes of data they held. */
static uint32_t sent_within(struct th *h, uint32_t edge) {
  struct sf_tcp_hdr s;
  uint32_t bytes = 0;
  while (th_next(h, &s)) {
    uint32_t end = s.seq.v + (uint32_t)s.payload_len;
    ck_assert_msg((int32_t)(end - edge) <= 0,
                  "a segment ends %d bytes past the peer's window",
                  (int32_t)(end - edge));
    bytes += (uint32_t)s.payload_len;
  }
  return bytes;
}

/*
 * Issue 12 (sfproxy stalled under loss and reordering): the peer's
 * retransmission that fills a hole in our receive queue carries an
 * older SEQ than the data we already hold out of order, and its newest
 * ACK and window. Its window must be taken, though the RFC 9293 test
 * (SND.WL1 < SEG.SEQ) fails: SND.UNA moves on with the ACK, and the old
 * SND.WND from there would reach past the edge the peer offers. A
 * reordered older segment (its ACK below the one that gave the window)
 * must not be taken either.
 */
START_TEST(window_of_retransmission_advancing_ack_taken) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  sf__tcp_set_nodelay(t, true, h.now);
  /* the peer's first 100 bytes are lost; the next 100 come with a
   * window of 40 << 7 = 5120 bytes */
  c.window = 40;
  send_at(&h, &c, 100, 100);
  th_drain(&h); /* the duplicate ACK with its SACK block */
  ck_assert_uint_eq(th_info(t).snd_wnd, 5120);
  ck_assert_int_eq(sf__tcp_send(t, pat, 5120, h.now), 5120);
  ck_assert_uint_eq(sent_within(&h, TH_ISN + 1 + 5120), 5120);
  /* the peer retransmits the lost 100 bytes: an older SEQ, the ACK of
   * all 5120 bytes and a window of 8 << 7 = 1024 */
  c.rcv_nxt = TH_ISN + 1 + 5120;
  c.window = 8;
  send_at(&h, &c, 0, 100);
  ck_assert_uint_eq(sf__tcp_readable(t), 200);
  th_drain(&h); /* the ACK of the filled hole */
  const uint32_t edge = TH_ISN + 1 + 5120 + 1024;
  ck_assert_int_eq(sf__tcp_send(t, pat, 4000, h.now), 4000);
  /* less than a segment of window: the persist timer sends what fits */
  ck_assert_uint_eq(sent_within(&h, edge), 0);
  ck_assert_uint_eq(th_info(t).snd_wnd, 1024);
  th_run_to_deadline(&h, UINT64_MAX);
  ck_assert_uint_eq(sent_within(&h, edge), 1024);
  /* a reordered copy of the second segment, sent before the
   * retransmission: its ACK and window are old */
  c.rcv_nxt = TH_ISN + 1;
  c.window = 40;
  send_at(&h, &c, 100, 100);
  ck_assert_uint_eq(th_info(t).snd_wnd, 1024);
  ck_assert_uint_eq(sent_within(&h, edge), 0);
  th_finish(&h, t);
}
END_TEST

START_TEST(out_of_order_sack) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  const uint32_t B = PEER_ISN + 1;
  send_at(&h, &c, 1000, 100);
  ck_assert(th_conn_next(&h, &c, &s)); /* a duplicate ACK at once */
  ck_assert_uint_eq(s.ack.v, B);
  expect_sack(&s, 1, (const uint32_t[][2]){{B + 1000, B + 1100}});
  ck_assert_uint_eq(sf__tcp_readable(t), 0);
  send_at(&h, &c, 2000, 100);
  ck_assert(th_conn_next(&h, &c, &s));
  expect_sack(&s, 2, (const uint32_t[][2]){{B + 2000, B + 2100},
                                           {B + 1000, B + 1100}});
  send_at(&h, &c, 3000, 100);
  ck_assert(th_conn_next(&h, &c, &s));
  send_at(&h, &c, 4000, 100);
  ck_assert(th_conn_next(&h, &c, &s));
  /* four ranges, three blocks fit beside the timestamps */
  expect_sack(&s, 3, (const uint32_t[][2]){{B + 4000, B + 4100},
                                           {B + 3000, B + 3100},
                                           {B + 2000, B + 2100}});
  /* more data for the first range makes it the most recent */
  send_at(&h, &c, 1100, 50);
  ck_assert(th_conn_next(&h, &c, &s));
  expect_sack(&s, 3, (const uint32_t[][2]){{B + 1000, B + 1150},
                                           {B + 4000, B + 4100},
                                           {B + 3000, B + 3100}});
  ck_assert_uint_eq(th_counter(&h, "tcp_in_ooo_segs"), 5);
  /* the gap before the first range filled: 1150 bytes at once */
  send_at(&h, &c, 0, 1000);
  ck_assert_uint_eq(sf__tcp_readable(t), 1150);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 1150);
  expect_sack(&s, 3, (const uint32_t[][2]){{B + 4000, B + 4100},
                                           {B + 3000, B + 3100},
                                           {B + 2000, B + 2100}});
  send_at(&h, &c, 1150, 850);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 2100);
  send_at(&h, &c, 2100, 900);
  ck_assert(th_conn_next(&h, &c, &s));
  send_at(&h, &c, 3100, 900);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 4100);
  expect_sack(&s, 0, NULL);
  uint8_t buf[5000];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 4100);
  ck_assert(memcmp(buf, pat, 4100) == 0);
  th_finish(&h, t);
}
END_TEST

/* Every reassembly slot taken, then in-order data that touches none of
 * them: the ranges must still shift with rcv_nxt. */
START_TEST(out_of_order_all_slots_then_in_order) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  const uint32_t B = PEER_ISN + 1;
  for (uint32_t i = 0; i < 33; i++) /* 32 slots; the 33rd is dropped */
    send_at(&h, &c, 1000 + i * 200, 100);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_ooo_dropped"), 1);
  th_drain(&h);
  struct sf_tcp_hdr s;
  send_at(&h, &c, 0, 500); /* touches no range */
  ck_assert_uint_eq(sf__tcp_readable(t), 500);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 500);
  /* the most recent range first, where it really is */
  ck_assert_uint_eq(s.opts.sack[0].left.v, B + 7200);
  ck_assert_uint_eq(s.opts.sack[0].right.v, B + 7300);
  ck_assert_uint_eq(s.opts.sack[2].left.v, B + 6800);
  /* fill every gap: all bytes in order and intact */
  for (uint32_t i = 0; i < 33; i++) {
    uint32_t from = i == 0 ? 500 : 1000 + (i - 1) * 200 + 100;
    uint32_t to = 1000 + i * 200 + (i == 32 ? 100 : 0);
    send_at(&h, &c, from, to - from);
  }
  ck_assert_uint_eq(sf__tcp_readable(t), 1000 + 32 * 200 + 100);
  static uint8_t buf[10000];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now),
                   1000 + 32 * 200 + 100);
  ck_assert(memcmp(buf, pat, 1000 + 32 * 200 + 100) == 0);
  th_finish(&h, t);
}
END_TEST

START_TEST(duplicate_data_acked) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 300);
  th_drain(&h);
  th_advance(&h, 100 * MS);
  th_drain(&h); /* the delayed ACK */
  send_at(&h, &c, 0, 300); /* all of it again */
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 301);
  /* wholly below rcv_nxt: unacceptable (RFC 9293 3.10.7.4), ACKed */
  ck_assert_uint_eq(th_counter(&h, "tcp_in_not_acceptable"), 1);
  ck_assert_uint_eq(sf__tcp_readable(t), 300);
  /* a partial overlap: only the new part is taken */
  send_at(&h, &c, 200, 200);
  ck_assert_uint_eq(sf__tcp_readable(t), 400);
  uint8_t buf[500];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 400);
  ck_assert(memcmp(buf, pat, 400) == 0);
  th_finish(&h, t);
}
END_TEST

/* RFC 2883: a segment received again is reported, in the first SACK
 * block of the ACK it draws, once. */
START_TEST(dsack_for_duplicate) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  const uint32_t B = PEER_ISN + 1;
  th_conn_send(&h, &c, SF_TCP_ACK, pat, 300);
  th_drain(&h);
  th_advance(&h, 100 * MS);
  th_drain(&h); /* the delayed ACK */
  send_at(&h, &c, 0, 300); /* all of it again */
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 300);
  expect_sack(&s, 1, (const uint32_t[][2]){{B, B + 300}});
  /* partly again: the old part reported, the new part taken */
  send_at(&h, &c, 200, 200);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 400);
  expect_sack(&s, 1, (const uint32_t[][2]){{B + 200, B + 300}});
  ck_assert_uint_eq(sf__tcp_readable(t), 400);
  /* reported once: the next ACK carries no block */
  send_at(&h, &c, 400, 100);
  th_advance(&h, 100 * MS);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B + 500);
  expect_sack(&s, 0, NULL);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_dsacks"), 2);
  th_finish(&h, t);
}
END_TEST

/* RFC 2883 section 4: a duplicate of data held out of order is reported
 * first, then the block that holds it, then the others. */
START_TEST(dsack_for_out_of_order_duplicate) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = start(&h, &c, NULL);
  struct sf_tcp_hdr s;
  const uint32_t B = PEER_ISN + 1;
  send_at(&h, &c, 1000, 200);
  ck_assert(th_conn_next(&h, &c, &s));
  send_at(&h, &c, 2000, 100);
  ck_assert(th_conn_next(&h, &c, &s));
  send_at(&h, &c, 1050, 100); /* within [1000, 1200) */
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, B);
  expect_sack(&s, 3, (const uint32_t[][2]){{B + 1050, B + 1150},
                                           {B + 1000, B + 1200},
                                           {B + 2000, B + 2100}});
  /* half new: only the held half is a duplicate */
  send_at(&h, &c, 2050, 100);
  ck_assert(th_conn_next(&h, &c, &s));
  expect_sack(&s, 3, (const uint32_t[][2]){{B + 2050, B + 2100},
                                           {B + 2000, B + 2150},
                                           {B + 1000, B + 1200}});
  /* new data only: no D-SACK */
  send_at(&h, &c, 3000, 100);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.opts.sack[0].left.v, B + 3000);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_dsacks"), 2);
  th_finish(&h, t);
}
END_TEST

START_TEST(urgent_data_inline) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_URG, "urgent!", 7);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_urgent"), 1);
  uint8_t buf[16];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 7);
  ck_assert(memcmp(buf, "urgent!", 7) == 0);
  th_finish(&h, t);
}
END_TEST

START_TEST(rst_in_window_challenged) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  struct th_seg g = th_conn_seg(&c, SF_TCP_RST, NULL, 0);
  g.seq = c.snd_nxt + 1;
  th_inject(&h, &g);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_challenge_acks"), 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  /* out of the window: ignored, nothing sent */
  g.seq = c.snd_nxt + BIG + 10;
  th_inject(&h, &g);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_in_not_acceptable"), 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  /* exactly at rcv_nxt: the connection is reset */
  g.seq = c.snd_nxt;
  th_inject(&h, &g);
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  ck_assert_int_eq(sf__tcp_error(t), SF_ECONNRESET);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  ck_assert_int_eq(th_event_nth(&h, SF_TEV_ERROR, 0)->ev.error,
                   SF_ECONNRESET);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_conn_reset"), 1);
  uint8_t buf[4];
  ck_assert_int_eq(sf__tcp_recv(t, buf, 4, h.now), SF_ECONNRESET);
  ck_assert_int_eq(sf__tcp_send(t, "x", 1, h.now), SF_ECONNRESET);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(syn_in_established_challenged) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  struct th_seg g = th_conn_seg(&c, SF_TCP_SYN, NULL, 0);
  g.seq = c.snd_nxt + 100;
  g.opts = th_syn_opts(1460, 7, true, true, c.ts_val, 0);
  th_inject(&h, &g);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_counter(&h, "tcp_challenge_acks"), 1);
  ck_assert(!th_next(&h, &s));
  th_finish(&h, t);
}
END_TEST

START_TEST(challenge_ack_rate_limit) {
  struct th h;
  struct th_conn c;
  th_init(&h, tiny_challenge);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  struct th_seg g = th_conn_seg(&c, SF_TCP_RST, NULL, 0);
  g.seq = c.snd_nxt + 5;
  four_in_a_second_two_challenged(&h, &g);
  h.now += SF_NSEC_PER_SEC; /* a new second */
  th_inject(&h, &g);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_challenge_acks"), 3);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  th_finish(&h, t);
}
END_TEST

START_TEST(paws_drops_old_timestamp) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  c.ts_val = 1000;
  th_conn_send(&h, &c, SF_TCP_ACK, "new", 3);
  th_advance(&h, 100 * MS);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.opts.ts_ecr, 1000);
  c.ts_val = 999; /* older than TS.Recent */
  th_conn_send(&h, &c, SF_TCP_ACK, "old", 3);
  ck_assert(th_conn_next(&h, &c, &s)); /* an ACK at once */
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 4);
  ck_assert_uint_eq(s.opts.ts_ecr, 1000);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_paws_rejected"), 1);
  ck_assert_uint_eq(sf__tcp_readable(t), 3);
  /* timestamps wrap: 0x80000000 ahead of 1000 is... newer by 2^31 - 1 */
  c.snd_nxt -= 3;
  c.ts_val = 1000 + 0x7fffffffu;
  th_conn_send(&h, &c, SF_TCP_ACK, "abc", 3);
  ck_assert_uint_eq(sf__tcp_readable(t), 6);
  th_finish(&h, t);
}
END_TEST

START_TEST(ack_for_unsent_data_dropped) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  c.rcv_nxt = TH_ISN + 1 + 500; /* nothing was sent */
  th_conn_send(&h, &c, SF_TCP_ACK, "data", 4);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1); /* the data was dropped */
  ck_assert_uint_eq(sf__tcp_readable(t), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_ack_too_new"), 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  th_finish(&h, t);
}
END_TEST

/* RFC 5961: an ACK of data never sent (5.2) and a SYN outside the
 * window (4.2: "irrespective of the sequence number") draw challenge
 * ACKs under the same per-second budget (7) as RSTs, so a blind attacker
 * cannot turn a flood of them into a flood of ACKs. */
START_TEST(unsent_ack_and_far_syn_rate_limited) {
  static const struct {
    uint16_t flags;
    uint32_t seq_off, ack_off; /* past the peer's snd_nxt, rcv_nxt */
    const char *counter;
  } cases[] = {{SF_TCP_ACK, 0, 500, "tcp_in_ack_too_new"},
               {SF_TCP_SYN, BIG + 1000, 0, "tcp_in_not_acceptable"}};
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    struct th h;
    struct th_conn c;
    th_init(&h, tiny_challenge);
    struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
    struct th_seg g = th_conn_seg(&c, cases[k].flags, NULL, 0);
    g.seq = c.snd_nxt + cases[k].seq_off;
    g.ack = c.rcv_nxt + cases[k].ack_off;
    four_in_a_second_two_challenged(&h, &g);
    ck_assert_uint_eq(th_counter(&h, cases[k].counter), 4);
    ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
    th_finish(&h, t);
  }
}
END_TEST

START_TEST(keepalive_probes_then_timeout) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  sf_time_t idle = 100 * SF_NSEC_PER_SEC, itv = 75 * SF_NSEC_PER_SEC;
  sf_time_t t0 = h.now; /* the SYN-ACK arrived now */
  sf__tcp_set_keepalive(t, true, idle, h.now);
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(h.now, t0 + idle);
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN); /* snd_una - 1 */
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
  ck_assert_uint_eq(s.payload_len, 0);
  /* an answer resets the idle time */
  th_advance(&h, 5 * SF_NSEC_PER_SEC);
  sf_time_t t1 = h.now;
  th_conn_send(&h, &c, SF_TCP_ACK, NULL, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(h.now, t1 + idle);
  /* nine unanswered probes, interval 75 s, then ETIMEDOUT */
  for (unsigned i = 1; i < 9; i++) {
    ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
    ck_assert_uint_eq(h.now, t1 + idle + i * itv);
    ck_assert_uint_eq(s.seq.v, TH_ISN);
  }
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, SF_TEV_ERROR, &s));
  ck_assert_uint_eq(h.now, t1 + idle + 9 * itv);
  ck_assert_int_eq(sf__tcp_error(t), SF_ETIMEDOUT);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_keepalive_probes"), 10);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

/* Both ISNs just below 2^32; data in both directions crosses the wrap. */
START_TEST(sequence_wraparound) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  h.isn = 0xfffffc00u;
  struct sf_tcp_opts o = th_syn_opts(1460, 7, true, true, 100, 0);
  const uint32_t pisn = 0xfffffe00u;
  struct sf_tcb *t = th_open_active(&h, &c, RPORT, pisn, &o, 65535);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_send(t, pat, 3000, h.now), 3000);
  uint32_t seq = 0xfffffc01u;
  th_expect_data(&h, &c, &s, seq, 1448);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.seq.v, seq + 1448); /* 0x000001a9: wrapped */
  ck_assert_uint_eq(s.seq.v, 0x1a9u);
  ck_assert(!th_next(&h, &s));
  th_conn_ack(&h, &c, seq + 2896);
  th_expect_data(&h, &c, &s, seq + 2896, 104);
  th_conn_ack(&h, &c, seq + 3000);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.bytes_in_flight, 0);
  /* the peer's data crosses the wrap, out of order first */
  send_at(&h, &c, 1000, 1000);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, pisn + 1);
  ck_assert_uint_eq(s.opts.sack[0].left.v, pisn + 1 + 1000);
  ck_assert_uint_eq(s.opts.sack[0].right.v, pisn + 1 + 2000);
  send_at(&h, &c, 0, 1000);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.ack.v, pisn + 2001); /* 0x000005d1 */
  ck_assert_uint_eq(s.ack.v, 0x5d1u);
  uint8_t buf[3000];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 2000);
  ck_assert(memcmp(buf, pat, 2000) == 0);
  th_finish(&h, t);
}
END_TEST

/* The same data exchange over a passive open. */
START_TEST(passive_open_data) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_listener *l;
  struct sf_tcp_opts o = th_syn_opts(1460, 7, true, true, 100, 0);
  struct sf_tcb *t = th_open_passive(&h, &c, 8080, 40000, PEER_ISN, &o,
                                     65535, &l);
  struct sf_tcp_hdr s;
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, "ping", 4);
  ck_assert_int_eq(sf__tcp_send(t, "pong", 4, h.now), 4);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(s.ack.v, PEER_ISN + 5);
  ck_assert_uint_eq(s.payload_len, 4);
  uint8_t buf[8];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 4);
  ck_assert(memcmp(buf, "ping", 4) == 0);
  sf__tcp_listener_close(l, h.now);
  th_finish(&h, t);
}
END_TEST

static Suite *established_suite(void) {
  Suite *s = suite_create("tcp_established");
  TCase *tc = tcase_create("established");
  tcase_add_test(tc, data_both_directions);
  tcase_add_test(tc, progress_confirms_neighbor);
  tcase_add_test(tc, data_not_stored_not_acked);
  tcase_add_test(tc, segments_to_mss_minus_timestamps);
  tcase_add_test(tc, segments_to_mss_without_timestamps);
  tcase_add_test(tc, peer_mss_smaller);
  tcase_add_test(tc, send_buffer_limit_and_writable);
  tcase_add_test(tc, receive_window_shrinks_right_edge_fixed);
  tcase_add_test(tc, reading_sends_window_update_sws);
  tcase_add_test(tc, answer_in_same_turn_carries_window_update);
  tcase_add_test(tc, read_and_reply_one_segment_without_timer);
  tcase_add_test(tc, window_scaling_both_ways);
  tcase_add_test(tc, window_of_retransmission_advancing_ack_taken);
  tcase_add_test(tc, zero_window_persist);
  tcase_add_test(tc, nagle_and_nodelay);
  tcase_add_test(tc, delayed_ack);
  tcase_add_test(tc, batch_ack_carries_reopened_window);
  tcase_add_test(tc, batch_ack_bound_and_out_of_order);
  tcase_add_test(tc, out_of_order_sack);
  tcase_add_test(tc, out_of_order_all_slots_then_in_order);
  tcase_add_test(tc, duplicate_data_acked);
  tcase_add_test(tc, dsack_for_duplicate);
  tcase_add_test(tc, dsack_for_out_of_order_duplicate);
  tcase_add_test(tc, urgent_data_inline);
  tcase_add_test(tc, rst_in_window_challenged);
  tcase_add_test(tc, syn_in_established_challenged);
  tcase_add_test(tc, challenge_ack_rate_limit);
  tcase_add_test(tc, unsent_ack_and_far_syn_rate_limited);
  tcase_add_test(tc, paws_drops_old_timestamp);
  tcase_add_test(tc, ack_for_unsent_data_dropped);
  tcase_add_test(tc, keepalive_probes_then_timeout);
  tcase_add_test(tc, sequence_wraparound);
  tcase_add_test(tc, passive_open_data);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(established_suite)
