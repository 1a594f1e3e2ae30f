/*
 * SYN-RECEIVED, passive and active: the ACK that completes the handshake
 * (ESTABLISHED, listener_ready, accept), a retransmitted SYN, SYN-ACK
 * retransmission with backoff until the half-open connection is dropped
 * silently, RST and challenge ACKs while half-open, simultaneous open
 * (RFC 9293 figure 8), data on the handshake's last ACK, and wraparound.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"

#define LPORT 80
#define RPORT 40000
#define PEER_ISN 5000u

static void inject(struct th *h, uint16_t rport, uint32_t seq, uint32_t ack,
                   uint16_t flags, const void *data, size_t len) {
  struct th_seg s = {.sport = rport, .dport = LPORT, .seq = seq, .ack = ack,
                     .flags = flags, .window = 1000, .data = data,
                     .len = len};
  th_inject(h, &s);
}

/* SYN from the peer; returns the child (SYN-RECEIVED) after checking the
 * SYN-ACK. */
static struct sf_tcb *half_open(struct th *h, uint32_t peer_isn) {
  inject(h, RPORT, peer_isn, 0, SF_TCP_SYN, NULL, 0);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(h, &s, SF_TCP_SYN | SF_TCP_ACK, h->isn, peer_isn + 1, 65535);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_MSS);
  const struct th_event *ev = th_event_nth(h, SF_TEV_STATE,
                                           th_count(h, SF_TEV_STATE) - 1);
  ck_assert_int_eq(ev->ev.new_state, SF_TCP_SYN_RECEIVED);
  return ev->tcb;
}

START_TEST(ack_completes_handshake) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  struct sf_tcb *t = half_open(&h, PEER_ISN);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 0);
  inject(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_ACK, NULL, 0);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(&h, &s)); /* nothing answers a plain ACK */
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  ck_assert_uint_eq(h.ready_calls, 1);
  ck_assert_ptr_eq(h.ready_listener, l);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_established"), 1);
  const struct th_event *ev = th_event_nth(&h, SF_TEV_ESTABLISHED, 0);
  ck_assert_ptr_eq(ev->tcb, t);
  ck_assert_ptr_null(ev->user);
  ck_assert_uint_eq(ev->tuple.rport, RPORT);
  ck_assert_ptr_eq(sf__tcp_accept(l, (void *)9), t);
  ck_assert_ptr_eq(sf__tcp_user(t), (void *)9);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 0);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "LISTEN>SYN-RECEIVED,SYN-RECEIVED>ESTABLISHED");
  /* the retransmission timer of the SYN-ACK is off */
  ck_assert_uint_eq(t->timers[SF_TT_RTX], SF_TIME_NEVER);
  sf__tcp_abort(t, h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(retransmitted_syn_resends_syn_ack) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  struct sf_tcb *t = half_open(&h, PEER_ISN);
  h.now += 300 * SF_NSEC_PER_MSEC;
  inject(&h, RPORT, PEER_ISN, 0, SF_TCP_SYN, NULL, 0);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_MSS);
  ck_assert_uint_eq(s.opts.mss, 1460);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_RECEIVED);
  /* a SYN with another ISN is not a retransmission: challenge ACK
   * (RFC 5961 4.2) */
  inject(&h, RPORT, PEER_ISN + 100, 0, SF_TCP_SYN, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(th_counter(&h, "tcp_challenge_acks"), 1);
  inject(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(th_drain(&h), 1);
  th_free(&h);
}
END_TEST

START_TEST(syn_ack_backoff_then_silent_drop) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  sf__tcp_listener_set_observer(l, (void *)&h);
  struct sf_tcb *t = half_open(&h, PEER_ISN);
  (void)t;
  sf_time_t start = h.now;
  sf_time_t expect = start;
  /* RFC 6298 5.5: 1 s, doubling; synack_retries = 5 */
  for (unsigned i = 0; i < 5; i++) {
    expect += SF_NSEC_PER_SEC << i;
    struct sf_tcp_hdr s;
    ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
    ck_assert_uint_eq(h.now, expect);
    ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
    ck_assert_uint_eq(s.seq.v, TH_ISN);
    ck_assert_uint_eq(s.ack.v, PEER_ISN + 1);
    ck_assert_uint_eq(s.window, 65535);
  }
  ck_assert_uint_eq(th_counter(&h, "tcp_syn_retrans"), 5);
  /* the last wait (32 s) ends it: nothing sent, nothing reported as an
   * error, the listener forgets it */
  expect += 32 * SF_NSEC_PER_SEC;
  struct sf_tcp_hdr s;
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, SF_TEV_CLOSED, &s));
  ck_assert_uint_eq(h.now, expect);
  ck_assert_uint_eq(th_counter(&h, "tcp_synack_timeouts"), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_int_eq(h.observer_refs, 1); /* the listener's only */
  TH_EXPECT_TRANSITIONS(&h, NULL,
                        "LISTEN>SYN-RECEIVED,SYN-RECEIVED>CLOSED");
  /* a late ACK finds nothing: RST */
  inject(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_ACK, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, TH_ISN + 1, 0, 0);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 0);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(rst_returns_to_listen) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  struct sf_tcb *t = half_open(&h, PEER_ISN);
  struct sf_tcp_hdr s;
  /* in the window but not RCV.NXT: challenge ACK (RFC 5961 3.2) */
  inject(&h, RPORT, PEER_ISN + 10, 0, SF_TCP_RST, NULL, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1, 65535);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_RECEIVED);
  /* outside the window: ignored */
  inject(&h, RPORT, PEER_ISN - 100, 0, SF_TCP_RST, NULL, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_RECEIVED);
  /* exactly RCV.NXT: the half-open connection goes, silently */
  inject(&h, RPORT, PEER_ISN + 1, 0, SF_TCP_RST, NULL, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_conn_refused"), 0);
  ck_assert_uint_eq(h.ready_calls, 0);
  /* the listener is still there: the same peer may try again */
  t = half_open(&h, PEER_ISN + 7);
  inject(&h, RPORT, PEER_ISN + 8, TH_ISN + 1, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(th_drain(&h), 1);
  th_free(&h);
}
END_TEST

/* The engine connects to the peer's port LPORT from 49152. */
static struct sf_tcb *connect_one(struct th *h) {
  struct sf_tcb *t = th_connect(h, LPORT, (void *)1);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(h, &s, SF_TCP_SYN, h->isn, 0, 65535);
  ck_assert_uint_eq(s.sport, 49152);
  return t;
}

static void inject_to(struct th *h, uint32_t seq, uint32_t ack,
                      uint16_t flags, const struct sf_tcp_opts *o) {
  struct th_seg s = {.sport = LPORT, .dport = 49152, .seq = seq, .ack = ack,
                     .flags = flags, .window = 2000};
  if (o)
    s.opts = *o;
  th_inject(h, &s);
}

START_TEST(simultaneous_open) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = connect_one(&h);
  /* RFC 9293 figure 8: the peer's SYN crosses ours */
  struct sf_tcp_opts o = {.present = SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE |
                                     SF_TCP_OPT_SACK_PERM,
                          .mss = 1200, .wscale = 2};
  inject_to(&h, 300, 0, SF_TCP_SYN, &o);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_RECEIVED);
  struct sf_tcp_hdr s;
  /* <SEQ=ISS><ACK=301><CTL=SYN,ACK>, options as negotiated */
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, 301, 65535);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE |
                                        SF_TCP_OPT_SACK_PERM);
  ck_assert_uint_eq(s.opts.mss, 1460);
  ck_assert_uint_eq(s.opts.wscale, 3);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 0);
  /* the peer's SYN-ACK (line 6) completes it */
  inject_to(&h, 300, TH_ISN + 1, SF_TCP_SYN | SF_TCP_ACK, &o);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT,SYN-SENT>SYN-RECEIVED,"
                        "SYN-RECEIVED>ESTABLISHED");
  ck_assert(!th_next(&h, &s)); /* figure 8: nothing more to say */
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.snd_mss, 1200);
  ck_assert_uint_eq(info.snd_wscale, 2);
  ck_assert_uint_eq(info.snd_wnd, 2000u << 2);
  ck_assert_uint_eq(info.options, SF_TCPI_OPT_MSS | SF_TCPI_OPT_WSCALE |
                                      SF_TCPI_OPT_SACK);
  ck_assert_int_eq(sf__tcp_send(t, "go", 2, h.now), 2);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, TH_ISN + 1, 301,
                (256 * 1024) >> 3);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

/* A tcb's listener and its orphan list links share room (tcb.h): an
 * active open detached in SYN-RECEIVED is an orphan, listed behind
 * another, when its handshake completes and when it dies, and neither
 * may take its links for a listener's. */
START_TEST(simultaneous_open_orphaned_behind_another) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = connect_one(&h);
  struct th_conn c;
  struct sf_tcb *first = th_open_std(&h, &c, RPORT, PEER_ISN);
  sf__tcp_detach(first, h.now); /* FIN-WAIT-1: the first orphan */
  th_drain(&h);
  inject_to(&h, 300, 0, SF_TCP_SYN, NULL);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_RECEIVED);
  sf__tcp_detach(t, h.now);
  ck_assert_ptr_eq(t->orphan_prev, first);
  ck_assert_ptr_null(sf__tcb_listener(t));
  inject_to(&h, 301, TH_ISN + 1, SF_TCP_ACK, NULL);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_FIN_WAIT_1);
  ck_assert_uint_eq(th_counter(&h, "tcp_accept_queue_overflow"), 0);
  ck_assert_uint_eq(sf__engine_orphans_closing(h.e), 2);
  inject_to(&h, 301, 0, SF_TCP_RST, NULL);
  ck_assert_uint_eq(sf__engine_orphans_closing(h.e), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  struct th_seg rst = th_conn_seg(&c, SF_TCP_RST, NULL, 0);
  th_inject(&h, &rst);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_illegal_transitions"), 0);
  th_free(&h);
}
END_TEST

START_TEST(simultaneous_open_plain_ack_and_wrap) {
  struct th h;
  th_init(&h, NULL);
  h.isn = 0xffffffffu; /* our SYN takes the last number; SND.NXT wraps */
  struct sf_tcb *t = connect_one(&h);
  inject_to(&h, 0xfffffffeu, 0, SF_TCP_SYN, NULL);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, 0xffffffffu, 0xffffffffu,
                65535);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_MSS);
  /* the SYN-ACK is retransmitted on the handshake's schedule */
  ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, 0xffffffffu);
  /* a plain ACK of our SYN completes it */
  inject_to(&h, 0xffffffffu, 0, SF_TCP_ACK, NULL);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_send(t, "xy", 2, h.now), 2);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, 0, 0xffffffffu, 65535);
  inject_to(&h, 0xffffffffu, 2, SF_TCP_ACK, NULL);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.bytes_in_flight, 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(rst_in_active_syn_received) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = connect_one(&h);
  inject_to(&h, 300, 0, SF_TCP_SYN, NULL);
  ck_assert_uint_eq(th_drain(&h), 1);
  inject_to(&h, 301, 0, SF_TCP_RST, NULL);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  /* RFC 9293 3.10.7.4: an active open is told "connection refused" */
  ck_assert_int_eq(sf__tcp_error(t), SF_ECONNREFUSED);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  ck_assert_int_eq(th_event_nth(&h, SF_TEV_ERROR, 0)->ev.error,
                   SF_ECONNREFUSED);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(data_on_final_ack_delivered) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  half_open(&h, PEER_ISN);
  inject(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, SF_TCP_ACK | SF_TCP_PSH,
         "hello", 5);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_READABLE), 1);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(&h, &s)); /* the ACK is delayed */
  struct sf_tcb *t = sf__tcp_accept(l, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(sf__tcp_readable(t), 5);
  th_advance(&h, 39 * SF_NSEC_PER_MSEC);
  ck_assert(!th_next(&h, &s));
  th_advance(&h, 1 * SF_NSEC_PER_MSEC);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 6, 65535);
  char b[16];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 5);
  ck_assert(memcmp(b, "hello", 5) == 0);
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EAGAIN);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(data_and_fin_on_final_ack) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  struct sf_tcb *t = half_open(&h, PEER_ISN);
  inject(&h, RPORT, PEER_ISN + 1, TH_ISN + 1,
         SF_TCP_ACK | SF_TCP_PSH | SF_TCP_FIN, "bye", 3);
  /* the FIN is acknowledged at the end of the turn (no timer) */
  struct sf_tcp_hdr s;
  ck_assert_uint_eq(th_queued(&h), 0);
  ck_assert_uint_gt(sf__engine_next_deadline(h.e), h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 5, 65535);
  ck_assert(!th_next(&h, &s));
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSE_WAIT);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_PEER_FIN), 1);
  ck_assert_uint_eq(h.ready_calls, 1);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "LISTEN>SYN-RECEIVED,SYN-RECEIVED>ESTABLISHED,"
                        "ESTABLISHED>CLOSE-WAIT");
  /* still accepted like any other; the data, then the end */
  ck_assert_ptr_eq(sf__tcp_accept(l, NULL), t);
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 3);
  ck_assert(memcmp(b, "bye", 3) == 0);
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), SF_EOF);
  sf__tcp_detach(t, h.now); /* CLOSE-WAIT: FIN, LAST-ACK */
  TH_EXPECT_SEG(&h, &s, SF_TCP_FIN | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 5,
                65535);
  inject(&h, RPORT, PEER_ISN + 5, TH_ISN + 2, SF_TCP_ACK, NULL, 0);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(handshake_wraps) {
  struct th h;
  th_init(&h, NULL);
  h.isn = 0xfffffff0u;
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  struct sf_tcb *t = half_open(&h, 0xfffffffeu);
  /* data across the peer's wrap on the final ACK: 0xffffffff..0x2 */
  inject(&h, RPORT, 0xffffffffu, 0xfffffff1u, SF_TCP_ACK, "abcd", 4);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  th_advance(&h, 40 * SF_NSEC_PER_MSEC);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, 0xfffffff1u, 3, 65535);
  ck_assert_ptr_eq(sf__tcp_accept(l, NULL), t);
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 4);
  ck_assert(memcmp(b, "abcd", 4) == 0);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

static Suite *syn_received_suite(void) {
  Suite *s = suite_create("tcp_syn_received");
  TCase *tc = tcase_create("syn_received");
  tcase_add_test(tc, ack_completes_handshake);
  tcase_add_test(tc, retransmitted_syn_resends_syn_ack);
  tcase_add_test(tc, syn_ack_backoff_then_silent_drop);
  tcase_add_test(tc, rst_returns_to_listen);
  tcase_add_test(tc, simultaneous_open);
  tcase_add_test(tc, simultaneous_open_orphaned_behind_another);
  tcase_add_test(tc, simultaneous_open_plain_ack_and_wrap);
  tcase_add_test(tc, rst_in_active_syn_received);
  tcase_add_test(tc, data_on_final_ack_delivered);
  tcase_add_test(tc, data_and_fin_on_final_ack);
  tcase_add_test(tc, handshake_wraps);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(syn_received_suite)
