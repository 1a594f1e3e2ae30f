/*
 * Closing: active close (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT for exactly
 * 2MSL), passive close (CLOSE-WAIT, LAST-ACK), simultaneous close through
 * CLOSING, FINs with data and beyond a gap, half-close both ways,
 * TIME-WAIT for an attached tcb and as a record (re-ACKing a
 * retransmitted FIN, ignoring RST, RFC 6191 reuse, the limit), the
 * orphaned FIN-WAIT-2 timeout, and what detach does in each state. Every
 * test checks the exact state sequence, and wraps sequence numbers once.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"

#define PPORT 80     /* the peer's port when we connect */
#define LPORT 49152  /* ours: port offset 0, first ephemeral */
#define PEER_ISN 5000u
#define RPORT 40000 /* the peer's port when it connects to our port 80 */
#define MSL (10 * SF_NSEC_PER_SEC)
#define FW2 (20 * SF_NSEC_PER_SEC)

static void short_timers(struct sf_engine_config *c) {
  c->msl = MSL;
  c->fin_wait2_timeout = FW2;
}

static void peer(struct th *h, uint16_t lport, uint32_t seq, uint32_t ack,
                 uint16_t flags, const void *data, size_t len) {
  struct th_seg s = {.sport = PPORT, .dport = lport, .seq = seq, .ack = ack,
                     .flags = flags, .window = 4000, .data = data,
                     .len = len};
  th_inject(h, &s);
}

/* connect(); the peer answers SYN-ACK (seq peer_isn) with options o (NULL:
 * none); our ACK is checked. Returns the ESTABLISHED tcb. */
static struct sf_tcb *open_conn(struct th *h, uint32_t peer_isn,
                                const struct sf_tcp_opts *o) {
  struct sf_tcb *t = th_connect(h, PPORT, (void *)1);
  struct sf_tcp_hdr s;
  ck_assert(th_next(h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN);
  struct th_seg sa = {.sport = PPORT, .dport = s.sport, .seq = peer_isn,
                      .ack = h->isn + 1, .flags = SF_TCP_SYN | SF_TCP_ACK,
                      .window = 4000};
  if (o)
    sa.opts = *o;
  th_inject(h, &sa);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert(th_next(h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, h->isn + 1);
  ck_assert_uint_eq(s.ack.v, peer_isn + 1);
  return t;
}

/* shutdown() sends the FIN; the peer ACKs it: FIN-WAIT-2. */
static void to_fin_wait_2(struct th *h, struct sf_tcb *t) {
  ck_assert_int_eq(sf__tcp_shutdown(t, h->now), 0);
  ck_assert_uint_eq(th_drain(h), 1);
  peer(h, th_lport(t), PEER_ISN + 1, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_FIN_WAIT_2);
}

START_TEST(active_close_full) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_FIN_WAIT_1);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  ck_assert_uint_eq(s.payload_len, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), SF_ENOTCONN);
  ck_assert_int_eq(sf__tcp_send(t, "x", 1, h.now), SF_EPIPE);
  /* the peer acknowledges our FIN */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_FIN_WAIT_2);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_count(&h, SF_TEV_FIN_ACKED), 1);
  ck_assert_uint_eq(t->timers[SF_TT_2MSL], SF_TIME_NEVER); /* attached */
  /* ... then sends its own */
  h.now += SF_NSEC_PER_SEC;
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  TH_EXPECT_NONE(&h);
  sf_time_t entered = h.now;
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 1);
  const struct th_event *ev = th_event_nth(&h, SF_TEV_TIME_WAIT, 0);
  ck_assert_uint_eq(ev->ev.duration, 2 * MSL);
  ck_assert_uint_eq(ev->at, entered);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_entered"), 1);
  char b[4];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  /* exactly 2MSL of virtual time */
  th_advance(&h, 2 * MSL - 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 0);
  th_advance(&h, 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_event_nth(&h, SF_TEV_CLOSED, 0)->at, entered + 2 * MSL);
  TH_EXPECT_NONE(&h);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>TIME-WAIT,TIME-WAIT>CLOSED");
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  ck_assert_uint_eq(sf__tcp_error(t), 0);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(active_close_wraps) {
  struct th h;
  th_init(&h, short_timers);
  h.isn = 0xfffffffeu; /* our FIN takes 0xffffffff; its ACK is 0 */
  struct sf_tcb *t = open_conn(&h, 0xfffffffdu, NULL);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, 0xffffffffu, 0xfffffffeu,
                65535);
  /* FIN and ACK of ours together, the peer's FIN at 0xfffffffe */
  peer(&h, LPORT, 0xfffffffeu, 0, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, 0, 0xffffffffu, 65535);
  ck_assert_uint_eq(th_count(&h, SF_TEV_FIN_ACKED), 1);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>TIME-WAIT");
  /* the retransmitted FIN is re-ACKed across the wrap too */
  peer(&h, LPORT, 0xfffffffeu, 0, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, 0, 0xffffffffu, 65535);
  sf__tcp_detach(t, h.now);
  th_advance(&h, 2 * MSL);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  th_free(&h);
}
END_TEST

/* The peer's FIN read and answered with our close in the same turn: the
 * FIN carries the ACK, one segment, no bare ACK before it. */
START_TEST(close_on_eof_in_same_turn_is_one_segment) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSE_WAIT);
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 2,
                65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_acks_delayed"), 0);
  peer(&h, LPORT, PEER_ISN + 2, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(passive_close_and_half_close) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  /* the peer shuts down its side: CLOSE-WAIT, ACKed at the end of the
   * turn (same instant, no timer) since the application did not answer */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSE_WAIT);
  ck_assert_uint_eq(th_queued(&h), 0);
  ck_assert_uint_gt(sf__engine_next_deadline(h.e), h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 2, 65535);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  ck_assert(sf__tcp_read_done(t));
  /* we keep sending (half-close) */
  ck_assert_int_eq(sf__tcp_send(t, "xyz", 3, h.now), 3);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, TH_ISN + 1, PEER_ISN + 2,
                65535);
  ck_assert_uint_eq(s.payload_len, 3);
  ck_assert(memcmp(s.payload, "xyz", 3) == 0);
  peer(&h, LPORT, PEER_ISN + 2, TH_ISN + 4, SF_TCP_ACK, NULL, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSE_WAIT);
  /* our close: LAST-ACK */
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_LAST_ACK);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 4, PEER_ISN + 2,
                65535);
  peer(&h, LPORT, PEER_ISN + 2, TH_ISN + 5, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  TH_EXPECT_NONE(&h);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>CLOSE-WAIT,CLOSE-WAIT>LAST-ACK,"
                        "LAST-ACK>CLOSED");
  ck_assert_uint_eq(th_count(&h, SF_TEV_FIN_ACKED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  ck_assert_ptr_null(sf__heap_min(&sf__engine_tcp(h.e)->timers));
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(simultaneous_close) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  /* the peer's FIN crosses ours (it has not seen ours) */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSING);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 0);
  /* its ACK of our FIN */
  peer(&h, LPORT, PEER_ISN + 2, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_FIN_ACKED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  sf_time_t entered = h.now;
  ck_assert_uint_eq(th_run_to_deadline(&h, UINT64_MAX), entered + 2 * MSL);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>CLOSING,"
                        "CLOSING>TIME-WAIT,TIME-WAIT>CLOSED");
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(fin_with_data_both_ways) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  /* ours: "a" goes at once; Nagle holds "bc" until shutdown adds FIN */
  ck_assert_int_eq(sf__tcp_send(t, "a", 1, h.now), 1);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, TH_ISN + 1, PEER_ISN + 1,
                65535);
  ck_assert_int_eq(sf__tcp_send(t, "bc", 2, h.now), 2);
  TH_EXPECT_NONE(&h);
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH | SF_TCP_FIN, TH_ISN + 2,
                PEER_ISN + 1, 65535);
  ck_assert_uint_eq(s.payload_len, 2);
  ck_assert(memcmp(s.payload, "bc", 2) == 0);
  /* theirs: data and FIN in one segment, acknowledging everything */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 5,
       SF_TCP_ACK | SF_TCP_PSH | SF_TCP_FIN, "data", 4);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 5, PEER_ISN + 6, 65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_FIN_ACKED), 1);
  /* all the data comes before the end of stream */
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 4);
  ck_assert(memcmp(b, "data", 4) == 0);
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>TIME-WAIT");
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(fin_beyond_gap_waits) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcp_opts o = {.present = SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM,
                          .mss = 1460};
  struct sf_tcb *t = open_conn(&h, PEER_ISN, &o);
  struct sf_tcp_hdr s;
  /* "def" + FIN after a 3-byte gap: a duplicate ACK with its SACK block */
  peer(&h, LPORT, PEER_ISN + 4, TH_ISN + 1, SF_TCP_ACK | SF_TCP_FIN, "def",
       3);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_SACK);
  ck_assert_uint_eq(s.opts.sack_count, 1);
  ck_assert_uint_eq(s.opts.sack[0].left.v, PEER_ISN + 4);
  ck_assert_uint_eq(s.opts.sack[0].right.v, PEER_ISN + 7);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 0);
  ck_assert_uint_eq(sf__tcp_readable(t), 0);
  /* the FIN again, still beyond the gap: still nothing */
  peer(&h, LPORT, PEER_ISN + 4, TH_ISN + 1, SF_TCP_ACK | SF_TCP_FIN, "def",
       3);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 0);
  /* the gap fills: the data, then the FIN, counted once */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_ACK, "abc", 3);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSE_WAIT);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 8, 65535);
  ck_assert_uint_eq(s.opts.present, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  char b[16];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 6);
  ck_assert(memcmp(b, "abcdef", 6) == 0);
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>CLOSE-WAIT");
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(we_shut_down_and_keep_receiving) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  to_fin_wait_2(&h, t);
  /* the peer still sends: delivered, ACKed after the delay */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_ACK | SF_TCP_PSH, "hello",
       5);
  TH_EXPECT_NONE(&h);
  th_advance(&h, 40 * SF_NSEC_PER_MSEC);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 6, 65535);
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 5);
  ck_assert(memcmp(b, "hello", 5) == 0);
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EAGAIN);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_FIN_WAIT_2);
  peer(&h, LPORT, PEER_ISN + 6, TH_ISN + 2, SF_TCP_ACK | SF_TCP_FIN, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 7, 65535);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

/* Active close to TIME-WAIT of an attached tcb; returns when entered. */
static void to_time_wait(struct th *h, struct sf_tcb *t) {
  ck_assert_int_eq(sf__tcp_shutdown(t, h->now), 0);
  ck_assert_uint_eq(th_drain(h), 1);
  peer(h, th_lport(t), PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK,
       NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  ck_assert_uint_eq(th_drain(h), 1);
}

START_TEST(time_wait_attached_reacks_fin_ignores_rst) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  to_time_wait(&h, t);
  sf_time_t entered = h.now;
  struct sf_tcp_hdr s;
  /* RFC 1337: a RST, even exactly at RCV.NXT, is ignored */
  h.now += SF_NSEC_PER_SEC;
  peer(&h, LPORT, PEER_ISN + 2, 0, SF_TCP_RST, NULL, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_rst_ignored"), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  /* the FIN again, 5 s in: re-ACKed, 2MSL restarts from now */
  h.now = entered + 5 * SF_NSEC_PER_SEC;
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_fin_reacked"), 1);
  sf_time_t restart = h.now;
  th_advance(&h, 2 * MSL - 5 * SF_NSEC_PER_SEC); /* the old expiry */
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  ck_assert_uint_eq(th_run_to_deadline(&h, UINT64_MAX), restart + 2 * MSL);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  TH_EXPECT_NONE(&h);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

/* Closes t actively with the application gone: detach in ESTABLISHED
 * sends FIN, the peer's ACK+FIN ends it in a TIME-WAIT record. */
static void close_to_record(struct th *h, struct sf_tcb *t) {
  uint16_t lp = th_lport(t);
  sf__tcp_detach(t, h->now);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  peer(h, lp, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  /* RFC 9293 3.10.7.4 (FIN-WAIT-2, eighth step): the FIN is ACKed */
  TH_EXPECT_SEG(h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  ck_assert_uint_eq(s.dport, PPORT);
  ck_assert_uint_eq(s.sport, lp);
  TH_EXPECT_NONE(h);
}

START_TEST(time_wait_record) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  sf__tcp_set_observer(t, (void *)&h);
  close_to_record(&h, t);
  sf_time_t entered = h.now;
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_int_eq(h.observer_refs, 1); /* the record holds it */
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 1);
  ck_assert_uint_eq(th_event_nth(&h, SF_TEV_TIME_WAIT, 0)->ev.duration,
                    2 * MSL);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  struct sf_tcp_hdr s;
  /* RST ignored (RFC 1337) */
  peer(&h, LPORT, PEER_ISN + 2, 0, SF_TCP_RST, NULL, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_rst_ignored"), 1);
  /* the retransmitted FIN is re-ACKed and the 2MSL restarts */
  h.now = entered + 3 * SF_NSEC_PER_SEC;
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  ck_assert_uint_eq(s.opts.present, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_fin_reacked"), 1);
  sf_time_t restart = h.now;
  th_advance(&h, 2 * MSL - 1);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  th_advance(&h, 1);
  ck_assert_uint_eq(h.now, restart + 2 * MSL);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 0);
  ck_assert_int_eq(h.observer_refs, 0);
  /* the record's end reaches the observer as TIME-WAIT -> CLOSED */
  const struct th_event *last = &h.ev[h.nev - 1];
  ck_assert_int_eq(last->ev.type, SF_TEV_STATE);
  ck_assert_int_eq(last->ev.old_state, SF_TCP_TIME_WAIT);
  ck_assert_int_eq(last->ev.new_state, SF_TCP_CLOSED);
  ck_assert_ptr_null(last->tcb);
  ck_assert_ptr_eq(last->observer, (void *)&h);
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>TIME-WAIT,TIME-WAIT>CLOSED");
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  /* now the port is closed */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, TH_ISN + 2, 0, 0);
  th_free(&h);
}
END_TEST

/* Passive connection with timestamps on listener l from RPORT; returns
 * the accepted tcb. tsval is the peer's first TSval. */
static struct sf_tcb *passive_ts(struct th *h, struct sf_listener *l,
                                 uint32_t peer_isn, uint32_t tsval) {
  struct th_seg syn = {.sport = RPORT, .dport = 80, .seq = peer_isn,
                       .flags = SF_TCP_SYN, .window = 4000,
                       .opts = {.present = SF_TCP_OPT_MSS |
                                           SF_TCP_OPT_TIMESTAMP,
                                .mss = 1460, .ts_val = tsval}};
  th_inject(h, &syn);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(h, &s, SF_TCP_SYN | SF_TCP_ACK, h->isn, peer_isn + 1, 65535);
  ck_assert_uint_eq(s.opts.ts_ecr, tsval);
  struct th_seg ack = {.sport = RPORT, .dport = 80, .seq = peer_isn + 1,
                       .ack = h->isn + 1, .flags = SF_TCP_ACK,
                       .window = 4000,
                       .opts = {.present = SF_TCP_OPT_TIMESTAMP,
                                .ts_val = tsval + 1,
                                .ts_ecr = s.opts.ts_val}};
  th_inject(h, &ack);
  struct sf_tcb *t = sf__tcp_accept(l, NULL);
  ck_assert_ptr_nonnull(t);
  return t;
}

static void ts_seg(struct th *h, uint32_t seq, uint32_t ack, uint16_t flags,
                   uint32_t tsval) {
  struct th_seg s = {.sport = RPORT, .dport = 80, .seq = seq, .ack = ack,
                     .flags = flags, .window = 4000,
                     .opts = {.present = SF_TCP_OPT_TIMESTAMP,
                              .ts_val = tsval}};
  th_inject(h, &s);
}

START_TEST(time_wait_record_rfc6191_reuse) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_listener *l = NULL;
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), 80, 4, NULL, &l), 0);
  struct sf_tcb *t = passive_ts(&h, l, PEER_ISN, 1000);
  uint32_t off = t->ts_offset;
  struct sf_tcp_hdr s;
  /* we close first (active close of a passive connection) */
  sf__tcp_detach(t, h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  h.now += 10 * SF_NSEC_PER_MSEC;
  ts_seg(&h, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, 1010);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.ts_ecr, 1010);
  ck_assert_uint_eq(s.opts.ts_val,
                    (uint32_t)(h.now / SF_NSEC_PER_MSEC) + off);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  /* a retransmitted FIN: the record answers with timestamps */
  h.now += 10 * SF_NSEC_PER_MSEC;
  ts_seg(&h, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, 1020);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  ck_assert_uint_eq(s.opts.ts_val,
                    (uint32_t)(h.now / SF_NSEC_PER_MSEC) + off);
  ck_assert_uint_eq(s.opts.ts_ecr, 1010);
  /* a SYN with an older timestamp (and a lower ISN): not allowed, ACK */
  ts_seg(&h, 100, 0, SF_TCP_SYN, 900);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_reused"), 0);
  /* RFC 6191: a newer TSval lets a new incarnation in, even with an ISN
   * below the old RCV.NXT; the record disappears */
  h.isn = 0x80000000u;
  ts_seg(&h, 100, 0, SF_TCP_SYN, 2000);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, 0x80000000u, 101, 65535);
  ck_assert_uint_eq(s.opts.ts_ecr, 2000);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 0);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_reused"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_recycled"), 0);
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(th_drain(&h), 1);
  th_free(&h);
}
END_TEST

START_TEST(time_wait_attached_rfc6191_reuse) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_listener *l = NULL;
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), 80, 4, NULL, &l), 0);
  struct sf_tcb *t = passive_ts(&h, l, PEER_ISN, 1000);
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  ck_assert_uint_eq(th_drain(&h), 1);
  ts_seg(&h, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, 1010);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  ck_assert_uint_eq(th_drain(&h), 1);
  /* older TSval: refused, ACKed */
  ts_seg(&h, PEER_ISN + 50, 0, SF_TCP_SYN, 1009);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_TIME_WAIT);
  /* newer: the old connection ends, the listener takes the SYN */
  h.isn = 0xfffffff0u;
  ts_seg(&h, PEER_ISN + 50, 0, SF_TCP_SYN, 1011);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, 0xfffffff0u, PEER_ISN + 51,
                65535);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_reused"), 1);
  ck_assert_uint_eq(th_count_for(&h, t, SF_TEV_CLOSED), 1);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "LISTEN>SYN-RECEIVED,SYN-RECEIVED>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>TIME-WAIT,TIME-WAIT>CLOSED");
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 2);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(th_drain(&h), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

static void two_records(struct sf_engine_config *c) {
  short_timers(c);
  c->timewait_max = 2;
}

START_TEST(time_wait_limit_recycles_oldest) {
  struct th h;
  th_init(&h, two_records);
  uint16_t ports[3];
  for (unsigned i = 0; i < 3; i++) {
    struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
    ports[i] = th_lport(t);
    ck_assert_uint_eq(ports[i], LPORT + i);
    close_to_record(&h, t);
    h.now += SF_NSEC_PER_SEC;
  }
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 2);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_recycled"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_entered"), 3);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  struct sf_tcp_hdr s;
  /* the oldest (first port) is gone: its FIN now draws a RST */
  peer(&h, ports[0], PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL,
       0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, TH_ISN + 2, 0, 0);
  /* the other two still re-ACK */
  for (unsigned i = 1; i < 3; i++) {
    peer(&h, ports[i], PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK,
         NULL, 0);
    TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
    ck_assert_uint_eq(s.sport, ports[i]);
  }
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 3);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 3);
  th_free(&h);
}
END_TEST

/* The usual server close: shutdown, read to the end, then close the
 * handle in TIME-WAIT. The tcb becomes a record at once, for the rest of
 * its 2MSL. */
START_TEST(time_wait_detached_becomes_record) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  sf__tcp_set_observer(t, (void *)&h);
  to_time_wait(&h, t);
  sf_time_t entered = h.now;
  char b[4];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  h.now += 3 * SF_NSEC_PER_SEC;
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_int_eq(h.observer_refs, 1); /* the record holds it */
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  /* the record re-ACKs the FIN as the tcb did */
  struct sf_tcp_hdr s;
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 2, 65535);
  sf_time_t restart = h.now;
  ck_assert_uint_eq(th_run_to_deadline(&h, UINT64_MAX), restart + 2 * MSL);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 0);
  ck_assert_int_eq(h.observer_refs, 0);
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>TIME-WAIT,TIME-WAIT>CLOSED");
  /* without a retransmitted FIN the record keeps the tcb's expiry */
  t = open_conn(&h, PEER_ISN, NULL);
  to_time_wait(&h, t);
  entered = h.now;
  h.now += 3 * SF_NSEC_PER_SEC;
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_uint_eq(th_run_to_deadline(&h, UINT64_MAX), entered + 2 * MSL);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 0);
  TH_EXPECT_NONE(&h);
  th_free(&h);
}
END_TEST

/* Attached tcbs in TIME-WAIT and records share timewait_max: records
 * are recycled first, then the oldest attached tcb. */
START_TEST(time_wait_limit_counts_attached) {
  struct th h;
  th_init(&h, two_records);
  struct sf_tcb *a = open_conn(&h, PEER_ISN, NULL);
  close_to_record(&h, a);
  h.now += SF_NSEC_PER_SEC;
  struct sf_tcb *b = open_conn(&h, PEER_ISN, NULL);
  to_time_wait(&h, b);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  h.now += SF_NSEC_PER_SEC;
  struct sf_tcb *c = open_conn(&h, PEER_ISN, NULL);
  to_time_wait(&h, c);
  /* two attached: the record made room */
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_recycled"), 1);
  ck_assert_int_eq(sf__tcp_state(b), SF_TCP_TIME_WAIT);
  h.now += SF_NSEC_PER_SEC;
  struct sf_tcb *d = open_conn(&h, PEER_ISN, NULL);
  to_time_wait(&h, d);
  /* no record left: the oldest attached one ends */
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_recycled"), 2);
  ck_assert_int_eq(sf__tcp_state(b), SF_TCP_CLOSED);
  ck_assert_int_eq(sf__tcp_state(c), SF_TCP_TIME_WAIT);
  ck_assert_int_eq(sf__tcp_state(d), SF_TCP_TIME_WAIT);
  /* closing a handle turns it into a record: the count stays */
  sf__tcp_detach(c, h.now);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_timewait_recycled"), 2);
  sf__tcp_detach(b, h.now);
  sf__tcp_detach(d, h.now);
  ck_assert_uint_eq(sf__engine_timewait_count(h.e), 2);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(orphaned_fin_wait_2_times_out) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  to_fin_wait_2(&h, t);
  /* attached: FIN-WAIT-2 waits for the peer as long as it takes */
  ck_assert_ptr_null(sf__heap_min(&sf__engine_tcp(h.e)->timers));
  sf_time_t detached = h.now + SF_NSEC_PER_SEC;
  h.now = detached;
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  ck_assert_uint_eq(th_run_to_deadline(&h, UINT64_MAX), detached + FW2);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_fin_wait2_timeouts"), 1);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_TIME_WAIT), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>CLOSED");
  th_free(&h);
}
END_TEST

START_TEST(orphaned_in_fin_wait_1_then_fin_wait_2_times_out) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  sf__tcp_detach(t, h.now); /* FIN-WAIT-1, FIN sent */
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  h.now += 100 * SF_NSEC_PER_MSEC;
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  sf_time_t acked = h.now;
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_run_to_deadline(&h, UINT64_MAX), acked + FW2);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_fin_wait2_timeouts"), 1);
  TH_EXPECT_NONE(&h);
  th_free(&h);
}
END_TEST

START_TEST(detach_with_unread_data_resets) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_ACK | SF_TCP_PSH, "abc",
       3);
  TH_EXPECT_NONE(&h); /* the ACK is delayed */
  sf__tcp_detach(t, h.now);
  struct sf_tcp_hdr s;
  /* RFC 2525 2.17: RST, not FIN, when received data is lost */
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 4,
                65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_conn_aborted"), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>CLOSED");
  th_advance(&h, 2 * MSL);
  TH_EXPECT_NONE(&h);
  th_free(&h);
}
END_TEST

START_TEST(detach_after_shutdown_with_unread_data_resets) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  ck_assert_int_eq(sf__tcp_shutdown(t, h.now), 0);
  ck_assert_uint_eq(th_drain(&h), 1);
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_ACK | SF_TCP_PSH, "abc",
       3);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_FIN_WAIT_2);
  th_advance(&h, 40 * SF_NSEC_PER_MSEC);
  ck_assert_uint_eq(th_drain(&h), 1); /* the delayed ACK */
  /* RFC 1122 4.2.2.13, RFC 2525 2.17: unread data at close means RST,
   * in FIN-WAIT-2 as much as in ESTABLISHED */
  sf__tcp_detach(t, h.now);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 4,
                65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>FIN-WAIT-1,FIN-WAIT-1>FIN-WAIT-2,"
                        "FIN-WAIT-2>CLOSED");
  th_free(&h);
}
END_TEST

START_TEST(data_to_orphan_resets) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  to_fin_wait_2(&h, t);
  sf__tcp_detach(t, h.now);
  TH_EXPECT_NONE(&h);
  /* nobody will read it: RST (RFC 2525 2.17, "any new data") */
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 2, SF_TCP_ACK | SF_TCP_PSH, "late",
       4);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 2, PEER_ISN + 1,
                65535);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_data_after_close"), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  /* and then the port is closed */
  peer(&h, LPORT, PEER_ISN + 5, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, TH_ISN + 2, 0, 0);
  th_free(&h);
}
END_TEST

/* The application closes as soon as it sees the peer's FIN, in the same
 * turn: one segment, our FIN carrying the ACK of theirs. */
START_TEST(detach_in_close_wait_sends_fin) {
  struct th h;
  th_init(&h, short_timers);
  struct sf_tcb *t = open_conn(&h, PEER_ISN, NULL);
  peer(&h, LPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_FIN | SF_TCP_ACK, NULL, 0);
  struct sf_tcp_hdr s;
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSE_WAIT);
  sf__tcp_detach(t, h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 2,
                65535);
  th_advance(&h, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  /* LAST-ACK retransmits the FIN on the RTO */
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_FIN | SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  peer(&h, LPORT, PEER_ISN + 2, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_FIN_ACKED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "CLOSED>SYN-SENT,SYN-SENT>ESTABLISHED,"
                        "ESTABLISHED>CLOSE-WAIT,CLOSE-WAIT>LAST-ACK,"
                        "LAST-ACK>CLOSED");
  th_free(&h);
}
END_TEST

static Suite *close_suite(void) {
  Suite *s = suite_create("tcp_close");
  TCase *tc = tcase_create("close");
  tcase_add_test(tc, active_close_full);
  tcase_add_test(tc, active_close_wraps);
  tcase_add_test(tc, passive_close_and_half_close);
  tcase_add_test(tc, close_on_eof_in_same_turn_is_one_segment);
  tcase_add_test(tc, simultaneous_close);
  tcase_add_test(tc, fin_with_data_both_ways);
  tcase_add_test(tc, fin_beyond_gap_waits);
  tcase_add_test(tc, we_shut_down_and_keep_receiving);
  tcase_add_test(tc, time_wait_attached_reacks_fin_ignores_rst);
  tcase_add_test(tc, time_wait_record);
  tcase_add_test(tc, time_wait_record_rfc6191_reuse);
  tcase_add_test(tc, time_wait_attached_rfc6191_reuse);
  tcase_add_test(tc, time_wait_limit_recycles_oldest);
  tcase_add_test(tc, time_wait_detached_becomes_record);
  tcase_add_test(tc, time_wait_limit_counts_attached);
  tcase_add_test(tc, orphaned_fin_wait_2_times_out);
  tcase_add_test(tc, orphaned_in_fin_wait_1_then_fin_wait_2_times_out);
  tcase_add_test(tc, detach_with_unread_data_resets);
  tcase_add_test(tc, detach_after_shutdown_with_unread_data_resets);
  tcase_add_test(tc, data_to_orphan_resets);
  tcase_add_test(tc, detach_in_close_wait_sends_fin);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(close_suite)
