/*
 * LISTEN: what a listener answers. The SYN-ACK's exact fields and the
 * options it mirrors, on_syn's verdicts (accept, reset, drop) and the
 * info they see, the backlog (SYN cookies when the SYN queue is full, and
 * the clock and first RTT sample of their connections; an accept queue
 * that is full), bad handshake ACKs and RSTs to a listener,
 * RSTs for closed ports (never for a RST), binding (ephemeral port,
 * EADDRINUSE, EADDRNOTAVAIL), closing a listener with children, accept
 * order, and sequence-number wraparound.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp/syncookie.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"

#define LPORT 80
#define RPORT 40000
#define PEER_ISN 5000u

static int observer_obj;
#define OBS ((void *)&observer_obj)

static void send_syn(struct th *h, uint16_t rport, uint32_t isn,
                     const struct sf_tcp_opts *o) {
  struct th_seg s = {.sport = rport, .dport = LPORT, .seq = isn,
                     .flags = SF_TCP_SYN, .window = 29200};
  if (o)
    s.opts = *o;
  th_inject(h, &s);
}

static void send_ack(struct th *h, uint16_t rport, uint32_t seq, uint32_t ack,
                     uint16_t window, const struct sf_tcp_opts *o) {
  struct th_seg s = {.sport = rport, .dport = LPORT, .seq = seq, .ack = ack,
                     .flags = SF_TCP_ACK, .window = window};
  if (o)
    s.opts = *o;
  th_inject(h, &s);
}

/* A full handshake without options from rport; the child ends up in the
 * accept queue. */
static void handshake(struct th *h, uint16_t rport) {
  struct sf_tcp_hdr s;
  send_syn(h, rport, PEER_ISN, NULL);
  TH_EXPECT_SEG(h, &s, SF_TCP_SYN | SF_TCP_ACK, h->isn, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(s.dport, rport);
  send_ack(h, rport, PEER_ISN + 1, h->isn + 1, 65535, NULL);
  ck_assert(!th_next(h, &s));
}

START_TEST(syn_ack_mirrors_options) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 16, (void *)7);
  struct sf_tcp_opts o = th_syn_opts(1400, 7, true, true, 100, 0);
  send_syn(&h, RPORT, PEER_ISN, &o);
  struct sf_tcp_hdr s;
  /* a SYN's window is never scaled: min(256 KiB, 65535) */
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(s.sport, LPORT);
  ck_assert_uint_eq(s.dport, RPORT);
  ck_assert_uint_eq(s.payload_len, 0);
  ck_assert_uint_eq(s.opts.present,
                    SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE |
                        SF_TCP_OPT_SACK_PERM | SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.mss, 1460); /* MTU 1500 - 40 */
  ck_assert_uint_eq(s.opts.wscale, 3); /* 256 KiB fits 65535 << 3 */
  ck_assert_uint_eq(s.opts.ts_ecr, 100);
  struct sf_tcb *t = th_last_state_tcb(&h);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(s.opts.ts_val,
                    (uint32_t)(h.now / SF_NSEC_PER_MSEC) + t->ts_offset);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  ck_assert_uint_eq(h.syn_calls, 0); /* no observer: not asked */
  TH_EXPECT_TRANSITIONS(&h, t,
                        "LISTEN>SYN-RECEIVED");
  ck_assert_uint_eq(th_counter(&h, "tcp_passive_opens"), 1);
  /* the handshake completes with the negotiated options */
  uint32_t our_ts = s.opts.ts_val;
  struct sf_tcp_opts ts = {.present = SF_TCP_OPT_TIMESTAMP, .ts_val = 101,
                           .ts_ecr = our_ts};
  send_ack(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, 1000, &ts);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_ptr_eq(sf__tcp_accept(l, (void *)9), t);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.options, SF_TCPI_OPT_MSS | SF_TCPI_OPT_WSCALE |
                                      SF_TCPI_OPT_SACK |
                                      SF_TCPI_OPT_TIMESTAMPS);
  ck_assert_uint_eq(info.snd_mss, 1400 - 12);
  ck_assert_uint_eq(info.rcv_mss, 1400);
  ck_assert_uint_eq(info.snd_wscale, 7);
  ck_assert_uint_eq(info.rcv_wscale, 3);
  ck_assert_uint_eq(info.snd_wnd, 1000u << 7);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(syn_without_options) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 16, (void *)7);
  send_syn(&h, RPORT, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  /* only our MSS: nothing else was offered (RFC 7323 1.3, RFC 2018 2) */
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_MSS);
  ck_assert_uint_eq(s.opts.mss, 1460);
  send_ack(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, 8192, NULL);
  struct sf_tcb *t = sf__tcp_accept(l, (void *)9);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.options, SF_TCPI_OPT_MSS);
  ck_assert_uint_eq(info.snd_mss, 536); /* RFC 9293 3.7.1 default */
  ck_assert_uint_eq(info.snd_wscale, 0);
  ck_assert_uint_eq(info.rcv_wscale, 0);
  ck_assert_uint_eq(info.snd_wnd, 8192);
  /* unscaled windows: our 256 KiB shows as 65535 */
  ck_assert_int_eq(sf__tcp_send(t, "x", 1, h.now), 1);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, TH_ISN + 1, PEER_ISN + 1,
                65535);
  ck_assert_uint_eq(s.opts.present, 0);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(verdict_accept_sees_info) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 16, (void *)7);
  sf__tcp_listener_set_observer(l, OBS);
  ck_assert_int_eq(h.observer_refs, 1);
  struct sf_tcp_opts o = th_syn_opts(1400, 7, true, true, 100, 0);
  send_syn(&h, RPORT, PEER_ISN, &o);
  ck_assert_uint_eq(h.syn_calls, 1);
  sf_test_assert_in(&h.last_syn.local, TH_ADDR, LPORT);
  sf_test_assert_in(&h.last_syn.peer, TH_PEER_ADDR, RPORT);
  ck_assert_uint_eq(h.last_syn.options,
                    SF_TCPI_OPT_MSS | SF_TCPI_OPT_WSCALE | SF_TCPI_OPT_SACK |
                        SF_TCPI_OPT_TIMESTAMPS);
  ck_assert_uint_eq(h.last_syn.mss, 1400);
  ck_assert_uint_eq(h.last_syn.wscale, 7);
  ck_assert_uint_eq(h.last_syn.syn_queue_len, 0);
  ck_assert_uint_eq(h.last_syn.accept_queue_len, 0);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_int_eq(h.observer_refs, 2); /* the child holds one */
  const struct th_event *ev = th_event_nth(&h, SF_TEV_STATE, 0);
  ck_assert_ptr_eq(ev->observer, OBS);
  ck_assert_ptr_null(ev->user); /* not accepted yet */
  /* the second SYN sees one half-open connection; no options at all */
  send_syn(&h, RPORT + 1, 9000, NULL);
  ck_assert_uint_eq(h.syn_calls, 2);
  ck_assert_uint_eq(h.last_syn.options, 0);
  sf_test_assert_in(&h.last_syn.peer, TH_PEER_ADDR, RPORT + 1);
  ck_assert_uint_eq(h.last_syn.syn_queue_len, 1);
  ck_assert_uint_eq(h.last_syn.accept_queue_len, 0);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, 9001, 65535);
  /* the first completes: the third SYN sees it in the accept queue */
  struct sf_tcp_opts ts = {.present = SF_TCP_OPT_TIMESTAMP, .ts_val = 101};
  send_ack(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, 1000, &ts);
  send_syn(&h, RPORT + 2, 9000, NULL);
  ck_assert_uint_eq(h.last_syn.syn_queue_len, 1);
  ck_assert_uint_eq(h.last_syn.accept_queue_len, 1);
  ck_assert_uint_eq(th_drain(&h), 1);
  ck_assert_int_eq(h.observer_refs, 4);
  sf__tcp_listener_close(l, h.now); /* resets the children */
  ck_assert_uint_eq(th_drain(&h), 3);
  ck_assert_int_eq(h.observer_refs, 0);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(verdict_reset_sends_exact_rst) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 16, (void *)7);
  sf__tcp_listener_set_observer(l, OBS);
  h.verdict = SF_SYN_RESET;
  struct sf_tcp_opts o = th_syn_opts(1460, 2, true, true, 100, 0);
  send_syn(&h, RPORT, 0xffffffffu, &o); /* ack wraps to 0 */
  ck_assert_uint_eq(h.syn_calls, 1);
  struct sf_tcp_hdr s;
  /* RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, 0, 0, 0);
  ck_assert_uint_eq(s.sport, LPORT);
  ck_assert_uint_eq(s.dport, RPORT);
  ck_assert_uint_eq(s.opts.present, 0);
  ck_assert_uint_eq(s.payload_len, 0);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, 0), 0); /* no state, no event */
  ck_assert_uint_eq(th_counter(&h, "tcp_syn_verdict_reset"), 1);
  ck_assert_int_eq(h.observer_refs, 1);
  send_syn(&h, RPORT, 12345, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, 0, 12346, 0);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(verdict_drop_keeps_nothing) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 16, (void *)7);
  sf__tcp_listener_set_observer(l, OBS);
  h.verdict = SF_SYN_DROP;
  struct sf_tcp_opts o = th_syn_opts(1460, 2, true, true, 100, 0);
  send_syn(&h, RPORT, PEER_ISN, &o);
  ck_assert_uint_eq(h.syn_calls, 1);
  sf_test_assert_in(&h.last_syn.peer, TH_PEER_ADDR, RPORT);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_count(&h, 0), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_syn_verdict_drop"), 1);
  /* no TCP timer */
  ck_assert_ptr_null(sf__heap_min(&sf__engine_tcp(h.e)->timers));
  /* the verdict is asked again for the retransmission; now accepted */
  h.verdict = SF_SYN_ACCEPT;
  send_syn(&h, RPORT, PEER_ISN, &o);
  ck_assert_uint_eq(h.syn_calls, 2);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  /* without an observer on_syn is not asked */
  sf__tcp_listener_set_observer(l, NULL);
  h.verdict = SF_SYN_DROP;
  send_syn(&h, RPORT + 1, PEER_ISN, NULL);
  ck_assert_uint_eq(h.syn_calls, 2);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_int_eq(h.observer_refs, 1); /* the first child's */
  sf__tcp_listener_close(l, h.now);
  ck_assert_int_eq(h.observer_refs, 0);
  th_free(&h);
}
END_TEST

START_TEST(syn_cookies_when_syn_queue_full) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 1, (void *)7);
  struct sf_tcp_hdr s;
  send_syn(&h, RPORT, PEER_ISN, NULL); /* fills the SYN queue */
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  /* the next SYN gets a cookie and leaves no state */
  uint16_t rp = RPORT + 1;
  uint32_t isn = 0x7000;
  struct sf_tcp_opts o = th_syn_opts(1400, 7, true, true, 200, 0);
  send_syn(&h, rp, isn, &o);
  uint16_t mss_used = 0;
  uint32_t cookie = sf__syncookie_make(
      &sf__engine_tcp(h.e)->secret, sf_addr_v4(TH_ADDR), LPORT,
      sf_addr_v4(TH_PEER_ADDR), rp, isn, 1400, h.now, &mss_used);
  ck_assert_uint_eq(mss_used, 1300);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, cookie, isn + 1, 65535);
  ck_assert_uint_eq(s.dport, rp);
  ck_assert_uint_eq(s.opts.present,
                    SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE |
                        SF_TCP_OPT_SACK_PERM | SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.mss, 1460);
  ck_assert_uint_eq(s.opts.wscale, 3);
  ck_assert_uint_eq(s.opts.ts_ecr, 200);
  uint32_t synack_tsval = s.opts.ts_val;
  sf_time_t synack_at = h.now;
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_sent"), 1);
  ck_assert(!th_next(&h, &s));
  /* the ACK returning the cookie makes an ESTABLISHED connection */
  h.now += 50 * SF_NSEC_PER_MSEC;
  struct sf_tcp_opts ts = {.present = SF_TCP_OPT_TIMESTAMP, .ts_val = 201,
                           .ts_ecr = s.opts.ts_val};
  send_ack(&h, rp, isn + 1, cookie + 1, 500, &ts);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_ok"), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 2);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 1);
  ck_assert_uint_eq(h.ready_calls, 1);
  struct sf_tcb *t = sf__tcp_accept(l, (void *)9);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  struct sf_tuple tu;
  sf__tcp_get_tuple(t, &tu);
  ck_assert_uint_eq(tu.rport, rp);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.options, SF_TCPI_OPT_MSS | SF_TCPI_OPT_WSCALE |
                                      SF_TCPI_OPT_SACK |
                                      SF_TCPI_OPT_TIMESTAMPS);
  ck_assert_uint_eq(info.snd_mss, 1300 - 12);
  ck_assert_uint_eq(info.snd_wscale, 7);
  ck_assert_uint_eq(info.rcv_wscale, 3);
  ck_assert_uint_eq(info.snd_wnd, 500u << 7);
  TH_EXPECT_TRANSITIONS(&h, t,
                        "LISTEN>SYN-RECEIVED,SYN-RECEIVED>ESTABLISHED");
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  /* the SYN-ACK's TSval was the connection's clock, the options in its
   * low bits */
  struct sf_cookie_opts co = {.wscale_ok = true, .wscale = 7,
                              .sack_ok = true};
  ck_assert_uint_eq(synack_tsval,
                    sf__syncookie_ts_encode(
                        (uint32_t)(synack_at / SF_NSEC_PER_MSEC) +
                            t->ts_offset,
                        &co));
  /* data flows with the cookie's ISN */
  ck_assert_int_eq(sf__tcp_send(t, "hi", 2, h.now), 2);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, cookie + 1, isn + 1,
                (256 * 1024) >> 3);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.ts_ecr, 201);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(syn_cookie_without_timestamps) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 1, (void *)7);
  send_syn(&h, RPORT, PEER_ISN, NULL);
  ck_assert_uint_eq(th_drain(&h), 1);
  struct sf_tcp_opts o = {.present = SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE,
                          .mss = 1460, .wscale = 5};
  uint32_t isn = 0xfffffffeu; /* the returned ACK's seq wraps to 0xffffffff */
  send_syn(&h, RPORT + 1, isn, &o);
  uint16_t mss_used;
  uint32_t cookie = sf__syncookie_make(
      &sf__engine_tcp(h.e)->secret, sf_addr_v4(TH_ADDR), LPORT,
      sf_addr_v4(TH_PEER_ADDR), RPORT + 1, isn, 1460, h.now, &mss_used);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, cookie, 0xffffffffu, 65535);
  /* without timestamps nothing can carry window scale: MSS only */
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_MSS);
  send_ack(&h, RPORT + 1, 0xffffffffu, cookie + 1, 4000, NULL);
  struct sf_tcb *t = sf__tcp_accept(l, (void *)9);
  ck_assert_ptr_nonnull(t);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.options, SF_TCPI_OPT_MSS);
  ck_assert_uint_eq(info.snd_mss, 1460);
  ck_assert_uint_eq(info.snd_wscale, 0);
  ck_assert_uint_eq(info.snd_wnd, 4000);
  /* data from the peer at seq 0xffffffff wraps */
  struct th_seg d = {.sport = RPORT + 1, .dport = LPORT, .seq = 0xffffffffu,
                     .ack = cookie + 1, .flags = SF_TCP_ACK | SF_TCP_PSH,
                     .window = 4000, .data = "wrap", .len = 4};
  th_inject(&h, &d);
  char rb[8];
  ck_assert_int_eq(sf__tcp_recv(t, rb, sizeof(rb), h.now), 4);
  ck_assert(memcmp(rb, "wrap", 4) == 0);
  th_advance(&h, 40 * SF_NSEC_PER_MSEC); /* the delayed ACK */
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, cookie + 1, 3, 65535);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(syn_cookie_ack_with_data) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 1, (void *)7);
  send_syn(&h, RPORT, PEER_ISN, NULL);
  ck_assert_uint_eq(th_drain(&h), 1);
  send_syn(&h, RPORT + 1, 0x7000, NULL);
  uint16_t mss_used;
  uint32_t cookie = sf__syncookie_make(
      &sf__engine_tcp(h.e)->secret, sf_addr_v4(TH_ADDR), LPORT,
      sf_addr_v4(TH_PEER_ADDR), RPORT + 1, 0x7000, 0, h.now, &mss_used);
  ck_assert_uint_eq(mss_used, 536); /* none offered: the smallest */
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, cookie, 0x7001, 65535);
  /* the returning ACK already carries a request */
  struct th_seg d = {.sport = RPORT + 1, .dport = LPORT, .seq = 0x7001,
                     .ack = cookie + 1, .flags = SF_TCP_ACK | SF_TCP_PSH,
                     .window = 4000, .data = "GET /", .len = 5};
  th_inject(&h, &d);
  struct sf_tcb *t = sf__tcp_accept(l, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_uint_eq(sf__tcp_readable(t), 5);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.snd_mss, 536);
  th_advance(&h, 40 * SF_NSEC_PER_MSEC);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK, cookie + 1, 0x7006, 65535);
  char b[8];
  ck_assert_int_eq(sf__tcp_recv(t, b, sizeof(b), h.now), 5);
  ck_assert(memcmp(b, "GET /", 5) == 0);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(forged_cookie_gets_rst) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 1, (void *)7);
  send_syn(&h, RPORT, PEER_ISN, NULL);
  send_syn(&h, RPORT + 1, 0x7000, NULL); /* a cookie goes out */
  ck_assert_uint_eq(th_drain(&h), 2);
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_sent"), 1);
  /* an ACK whose cookie we never made: RST <SEQ=SEG.ACK><CTL=RST> */
  send_ack(&h, RPORT + 2, 0x7001, 0x12345679, 1000, NULL);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, 0x12345679, 0, 0);
  ck_assert_uint_eq(s.dport, RPORT + 2);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_failed"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_ok"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_listener_bad_ack"), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 0);
  /* the real cookie from another port is no good either */
  uint16_t mss_used;
  uint32_t cookie = sf__syncookie_make(
      &sf__engine_tcp(h.e)->secret, sf_addr_v4(TH_ADDR), LPORT,
      sf_addr_v4(TH_PEER_ADDR), RPORT + 1, 0x7000, 0, h.now, &mss_used);
  send_ack(&h, RPORT + 3, 0x7001, cookie + 1, 1000, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, cookie + 1, 0, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_failed"), 2);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

/* Fills the SYN queue of a backlog-1 listener, so SYNs get cookies. */
static struct sf_listener *cookie_listener(struct th *h) {
  struct sf_listener *l = th_listen(h, LPORT, 1, NULL);
  send_syn(h, RPORT, PEER_ISN, NULL);
  ck_assert_uint_eq(th_drain(h), 1);
  return l;
}

/* A SYN with timestamps from rport; *synack gets the cookie's SYN-ACK. */
static void cookie_syn(struct th *h, uint16_t rport,
                       struct sf_tcp_hdr *synack) {
  struct sf_tcp_opts o = th_syn_opts(1460, 7, true, true, 300, 0);
  send_syn(h, rport, 0x9000, &o);
  ck_assert(th_next(h, synack));
  ck_assert_uint_eq(synack->flags, SF_TCP_SYN | SF_TCP_ACK);
  ck_assert(synack->opts.present & SF_TCP_OPT_TIMESTAMP);
}

/* The ACK returning synack's cookie, echoing ts_ecr; returns the
 * connection, accepted. */
static struct sf_tcb *cookie_ack(struct th *h, struct sf_listener *l,
                                 uint16_t rport,
                                 const struct sf_tcp_hdr *synack,
                                 uint32_t ts_ecr) {
  struct sf_tcp_opts ts = {.present = SF_TCP_OPT_TIMESTAMP, .ts_val = 301,
                           .ts_ecr = ts_ecr};
  send_ack(h, rport, 0x9001, synack->seq.v + 1, 1000, &ts);
  struct sf_tcb *t = sf__tcp_accept(l, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  return t;
}

static void cookie_close(struct th *h, struct sf_tcb *t) {
  sf__tcp_abort(t, h->now);
  sf__tcp_detach(t, h->now);
  th_drain(h);
}

/* A connection made from a SYN cookie goes on with the clock its SYN-ACK
 * showed: no TSval of it falls below that one, or the peer's PAWS (RFC
 * 7323 5) drops everything it sends. The clock's offset is per 4-tuple,
 * hence several tuples. */
START_TEST(syn_cookie_tsvals_never_go_back) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = cookie_listener(&h);
  for (uint16_t rp = RPORT + 1; rp <= RPORT + 8; rp++) {
    struct sf_tcp_hdr synack, s;
    cookie_syn(&h, rp, &synack);
    h.now += 10 * SF_NSEC_PER_MSEC;
    struct sf_tcb *t = cookie_ack(&h, l, rp, &synack, synack.opts.ts_val);
    ck_assert_int_eq(sf__tcp_send(t, "x", 1, h.now), 1);
    ck_assert(th_next(&h, &s));
    ck_assert_uint_eq(s.seq.v, synack.seq.v + 1);
    SF_CHECK((int32_t)(s.opts.ts_val - synack.opts.ts_val) >= 0,
             "port %u: TSval %u after the SYN-ACK's %u", rp, s.opts.ts_val,
             synack.opts.ts_val);
    cookie_close(&h, t);
  }
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

/* The first RTT sample of a cookie connection times the handshake: the
 * ACK echoes the SYN-ACK's TSval, in the connection's clock. The option
 * bits in its low 6 bits make it up to 63 ms early, so the sample is up
 * to 63 ms long. */
START_TEST(syn_cookie_first_rtt_is_the_handshake) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = cookie_listener(&h);
  for (uint16_t rp = RPORT + 1; rp <= RPORT + 8; rp++) {
    struct sf_tcp_hdr synack;
    cookie_syn(&h, rp, &synack);
    h.now += 100 * SF_NSEC_PER_MSEC;
    struct sf_tcb *t = cookie_ack(&h, l, rp, &synack, synack.opts.ts_val);
    sf_tcp_info_t info = th_info(t);
    SF_CHECK(info.rtt_us >= 100000 && info.rtt_us < 164000,
             "port %u: RTT %llu us", rp, (unsigned long long)info.rtt_us);
    /* RFC 6298 2.2: SRTT + 4 * SRTT / 2 */
    ck_assert_uint_eq(info.rto_us, 3 * info.rtt_us);
    cookie_close(&h, t);
  }
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

/* An echo no cookie's SYN-ACK can have carried (older than a cookie
 * lives, or from the future) gives no RTT sample: the RTO stays the
 * initial one (RFC 6298 2.1), not the maximum. The echoes keep the low 6
 * bits, which carry the options. */
START_TEST(syn_cookie_implausible_echo_no_rtt_sample) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = cookie_listener(&h);
  static const uint32_t shift[] = {
      (uint32_t)-864000000, /* ten days before the SYN-ACK */
      (uint32_t)-(SF_COOKIE_LIFETIME / SF_NSEC_PER_MSEC + 64),
      1024, /* a second after it */
  };
  for (unsigned i = 0; i < 3; i++) {
    uint16_t rp = (uint16_t)(RPORT + 1 + i);
    struct sf_tcp_hdr synack;
    cookie_syn(&h, rp, &synack);
    h.now += 100 * SF_NSEC_PER_MSEC;
    struct sf_tcb *t =
        cookie_ack(&h, l, rp, &synack, synack.opts.ts_val + shift[i]);
    sf_tcp_info_t info = th_info(t);
    ck_assert_uint_eq(info.rtt_us, 0);
    ck_assert_uint_eq(info.rto_us, 1000000);
    ck_assert_uint_eq(info.snd_wscale, 7); /* the options survived */
    cookie_close(&h, t);
  }
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(accept_queue_full_drops_syn) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 1, (void *)7);
  handshake(&h, RPORT);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 1);
  send_syn(&h, RPORT + 1, PEER_ISN, NULL);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(&h, &s)); /* dropped: the client will retry */
  ck_assert_uint_eq(th_counter(&h, "tcp_accept_queue_overflow"), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_syncookies_sent"), 0);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 1);
  /* accepting makes room */
  struct sf_tcb *t = sf__tcp_accept(l, (void *)9);
  ck_assert_ptr_nonnull(t);
  send_syn(&h, RPORT + 1, PEER_ISN, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

/* The handshake's ACK for a child of the SYN queue finds the accept
 * queue full: it is dropped and counted, as Linux does, and the child
 * stays half-open. Its SYN-ACK's retransmission draws the ACK again,
 * which gets in once the application has made room. */
START_TEST(accept_queue_full_drops_handshake_ack) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 2, (void *)7);
  struct sf_tcp_hdr s;
  handshake(&h, RPORT); /* the accept queue: 1 */
  send_syn(&h, RPORT + 1, PEER_ISN, NULL); /* the SYN queue: 1 */
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  handshake(&h, RPORT + 2); /* the accept queue: 2, full */
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 2);
  send_ack(&h, RPORT + 1, PEER_ISN + 1, TH_ISN + 1, 65535, NULL);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 2); /* not 3 */
  ck_assert_uint_eq(th_counter(&h, "tcp_accept_queue_overflow"), 1);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 2);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 3);
  /* room made, the SYN-ACK resent, the ACK again: established */
  struct sf_tcb *a = sf__tcp_accept(l, (void *)9);
  ck_assert_ptr_nonnull(a);
  ck_assert(th_run_until_segment(&h, h.now + 5 * SF_NSEC_PER_SEC, 0, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
  ck_assert_uint_eq(s.dport, RPORT + 1);
  send_ack(&h, RPORT + 1, PEER_ISN + 1, TH_ISN + 1, 65535, NULL);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 2);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 3);
  sf__tcp_abort(a, h.now);
  sf__tcp_detach(a, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

/* Many clients at a listener whose application does not accept (backlog
 * 4), SYNs and handshake ACKs in a seeded random order: the accept queue
 * never holds more than the backlog, nor the SYN queue; the engine keeps
 * at most twice the backlog of connections; every SYN is answered (from
 * the SYN queue or with a cookie) or dropped and counted. Once the
 * application accepts, a new client gets in at once. */
START_TEST(accept_queue_bound_holds_under_load) {
  enum { N = 200, B = 4 };
  struct client {
    uint32_t iss; /* the SYN-ACK's sequence number, once one came */
    int state;    /* 0: not started, 1: SYN sent, 2: SYN-ACK, 3: ACKed */
  } cl[N];
  memset(cl, 0, sizeof(cl));
  struct sf_test_rng r;
  sf_test_rng_seed(&r, sf_test_seed(0xacc3b7));
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, B, (void *)7);
  unsigned syns = 0, answered = 0;
  for (unsigned step = 0; step < 4 * N; step++) {
    unsigned i = sf_test_rng_below(&r, N);
    struct sf_tcp_hdr s;
    if (cl[i].state == 0 || cl[i].state == 1) { /* (again) a SYN */
      uint64_t dropped = th_counter(&h, "tcp_accept_queue_overflow");
      send_syn(&h, (uint16_t)(RPORT + i), PEER_ISN + i, NULL);
      syns++;
      cl[i].state = 1;
      if (th_next(&h, &s)) {
        ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
        ck_assert_uint_eq(s.dport, RPORT + i);
        cl[i].iss = s.seq.v;
        cl[i].state = 2;
        answered++;
      } else { /* no SYN-ACK: dropped and counted */
        ck_assert_uint_eq(th_counter(&h, "tcp_accept_queue_overflow"),
                          dropped + 1);
      }
    } else if (cl[i].state == 2) { /* the handshake's ACK */
      send_ack(&h, (uint16_t)(RPORT + i), PEER_ISN + i + 1, cl[i].iss + 1,
               65535, NULL);
      cl[i].state = 3;
    }
    th_drain(&h);
    ck_assert_uint_le(sf__tcp_listener_pending(l), B);
    ck_assert_uint_le(sf__engine_tcb_count(h.e), 2 * B);
    h.now += SF_NSEC_PER_MSEC;
  }
  ck_assert_uint_eq(sf__tcp_listener_pending(l), B);
  ck_assert_uint_gt(th_counter(&h, "tcp_syncookies_sent"), 0);
  ck_assert_uint_gt(th_counter(&h, "tcp_accept_queue_overflow"), 0);
  ck_assert_uint_gt(answered, B);
  ck_assert_uint_gt(syns, answered); /* some were dropped */
  /* the application accepts: a new client is served */
  struct sf_tcb *t;
  while ((t = sf__tcp_accept(l, (void *)9)) != NULL) {
    sf__tcp_abort(t, h.now);
    sf__tcp_detach(t, h.now);
  }
  th_drain(&h);
  struct sf_tcp_hdr s;
  send_syn(&h, RPORT + N, PEER_ISN, NULL);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
  send_ack(&h, RPORT + N, PEER_ISN + 1, s.seq.v + 1, 65535, NULL);
  ck_assert_uint_ge(sf__tcp_listener_pending(l), 1);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

START_TEST(bad_handshake_ack_rst_listener_survives) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 4, (void *)7);
  struct sf_tcp_hdr s;
  /* an ACK that matches nothing: RST <SEQ=SEG.ACK><CTL=RST> */
  send_ack(&h, RPORT, 7000, 0xfffffff0u, 1000, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, 0xfffffff0u, 0, 0);
  ck_assert_uint_eq(s.sport, LPORT);
  ck_assert_uint_eq(s.dport, RPORT);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_listener_bad_ack"), 1);
  /* a SYN-ACK to a listener: the same */
  struct th_seg sa = {.sport = RPORT, .dport = LPORT, .seq = 7000,
                      .ack = 42, .flags = SF_TCP_SYN | SF_TCP_ACK,
                      .window = 1000};
  th_inject(&h, &sa);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, 42, 0, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_listener_bad_ack"), 2);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  /* a handshake ACK that acknowledges the wrong number: RST, the child
   * stays in SYN-RECEIVED (RFC 9293 3.10.7.4 fifth check) */
  send_syn(&h, RPORT, PEER_ISN, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  send_ack(&h, RPORT, PEER_ISN + 1, TH_ISN + 7, 1000, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, TH_ISN + 7, 0, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_listener_bad_ack"), 3);
  struct sf_tcb *t = th_last_state_tcb(&h);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_RECEIVED);
  /* the listener still works: the right ACK completes it */
  send_ack(&h, RPORT, PEER_ISN + 1, TH_ISN + 1, 1000, NULL);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 1);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  sf__tcp_listener_close(l, h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  th_free(&h);
}
END_TEST

START_TEST(rst_to_listener_ignored) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 4, (void *)7);
  struct th_seg r = {.sport = RPORT, .dport = LPORT, .seq = 7000,
                     .flags = SF_TCP_RST};
  th_inject(&h, &r);
  r.flags = SF_TCP_RST | SF_TCP_ACK;
  r.ack = 99;
  th_inject(&h, &r);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_rst"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_no_port"), 0);
  /* a segment with neither SYN nor ACK is dropped without an answer */
  struct th_seg d = {.sport = RPORT, .dport = LPORT, .seq = 7000,
                     .data = "x", .len = 1};
  th_inject(&h, &d);
  ck_assert(!th_next(&h, &s));
  handshake(&h, RPORT); /* still listening */
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(th_drain(&h), 1);
  th_free(&h);
}
END_TEST

START_TEST(closed_port_rst_exact) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcp_hdr s;
  /* SYN, no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
  send_syn(&h, RPORT, PEER_ISN, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, 0, PEER_ISN + 1, 0);
  ck_assert_uint_eq(s.sport, LPORT);
  ck_assert_uint_eq(s.dport, RPORT);
  ck_assert_uint_eq(s.opts.present, 0);
  /* data and FIN, no ACK: SEG.LEN counts both, and wraps */
  struct th_seg d = {.sport = RPORT, .dport = LPORT, .seq = 0xfffffffau,
                     .flags = SF_TCP_FIN, .data = "0123456789", .len = 10};
  th_inject(&h, &d);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, 0, 5, 0);
  /* an ACK: <SEQ=SEG.ACK><CTL=RST> */
  send_ack(&h, RPORT, 7000, 0xabcdef01u, 1000, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, 0xabcdef01u, 0, 0);
  /* an ACK with data: still SEG.ACK */
  d = (struct th_seg){.sport = RPORT, .dport = LPORT, .seq = 1,
                      .ack = 77, .flags = SF_TCP_ACK | SF_TCP_PSH,
                      .data = "abc", .len = 3};
  th_inject(&h, &d);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST, 77, 0, 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_no_port"), 4);
  /* never a RST for a RST, with or without ACK */
  d = (struct th_seg){.sport = RPORT, .dport = LPORT, .seq = 1,
                      .flags = SF_TCP_RST};
  th_inject(&h, &d);
  d.flags = SF_TCP_RST | SF_TCP_ACK;
  d.ack = 5;
  th_inject(&h, &d);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_in_no_port"), 4);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_rst"), 4);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

static void one_port(struct sf_engine_config *c) {
  c->port_lo = 50000;
  c->port_hi = 50001;
}

START_TEST(listen_port_zero_is_ephemeral) {
  struct th h;
  th_init(&h, one_port);
  struct sf_listener *a = NULL, *b = NULL, *c = NULL;
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), 0, 4, NULL, &a), 0);
  struct sf_addr addr;
  uint16_t pa, pb;
  sf__tcp_listener_name(a, &addr, &pa);
  ck_assert(sf_addr_eq(addr, sf_addr_v4(0)));
  uint32_t off = sf__port_offset(&sf__engine_tcp(h.e)->secret, sf_addr_v4(0),
                                 sf_addr_v4(0), 0);
  ck_assert_uint_eq(pa, 50000 + off % 2);
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(TH_ADDR), 0, 4, NULL, &b),
      0);
  sf__tcp_listener_name(b, &addr, &pb);
  ck_assert(sf_addr_eq(addr, sf_addr_v4(TH_ADDR)));
  ck_assert_uint_eq(pb, pa == 50000 ? 50001 : 50000);
  /* the range is used up */
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), 0, 4, NULL, &c),
      SF_EADDRINUSE);
  ck_assert_ptr_null(c);
  /* the chosen port takes SYNs */
  struct th_seg syn = {.sport = RPORT, .dport = pb, .seq = PEER_ISN,
                       .flags = SF_TCP_SYN, .window = 1000};
  th_inject(&h, &syn);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, PEER_ISN + 1, 65535);
  ck_assert_uint_eq(s.sport, pb);
  sf__tcp_listener_close(a, h.now);
  sf__tcp_listener_close(b, h.now);
  ck_assert_uint_eq(th_drain(&h), 1); /* the child's RST */
  th_free(&h);
}
END_TEST

START_TEST(listen_errors) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *a = NULL, *b = (void *)1;
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), LPORT, 4, NULL, &a),
      0);
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), LPORT, 4, NULL, &b),
      SF_EADDRINUSE);
  ck_assert_ptr_null(b);
  /* a specific address under a wildcard, and the reverse */
  ck_assert_int_eq(sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(TH_ADDR),
                                  LPORT, 4, NULL, &b),
                   SF_EADDRINUSE);
  ck_assert_int_eq(sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(TH_ADDR),
                                  LPORT + 1, 4, NULL, &b),
                   0);
  struct sf_listener *c = NULL;
  ck_assert_int_eq(sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), LPORT + 1,
                                  4, NULL, &c),
                   SF_EADDRINUSE);
  /* an address that is not ours */
  ck_assert_int_eq(sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0xc6120063u),
                                  81, 4, NULL, &c),
                   SF_EADDRNOTAVAIL);
  ck_assert_ptr_null(c);
  /* closing frees the port */
  sf__tcp_listener_close(a, h.now);
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), LPORT, 4, NULL, &a),
      0);
  sf__tcp_listener_close(a, h.now);
  sf__tcp_listener_close(b, h.now);
  th_free(&h);
}
END_TEST

START_TEST(listener_close_resets_children) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 4, (void *)7);
  sf__tcp_listener_set_observer(l, OBS);
  struct sf_tcp_hdr s;
  handshake(&h, RPORT); /* accept queue */
  send_syn(&h, RPORT + 1, 0xfffffffeu, NULL); /* SYN queue */
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, TH_ISN, 0xffffffffu, 65535);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 2);
  ck_assert_int_eq(h.observer_refs, 3);
  unsigned closed_before = th_count(&h, SF_TEV_CLOSED);
  sf__tcp_listener_close(l, h.now);
  /* the half-open one first, then the established one */
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 1, 0xffffffffu,
                65535);
  ck_assert_uint_eq(s.dport, RPORT + 1);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, TH_ISN + 1, PEER_ISN + 1,
                65535);
  ck_assert_uint_eq(s.dport, RPORT);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_count(&h, SF_TEV_CLOSED) - closed_before, 2);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_int_eq(h.observer_refs, 0);
  /* the port is closed now */
  send_syn(&h, RPORT + 2, PEER_ISN, NULL);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, 0, PEER_ISN + 1, 0);
  th_free(&h);
}
END_TEST

START_TEST(accept_in_order) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l = th_listen(&h, LPORT, 8, (void *)7);
  for (uint16_t i = 0; i < 3; i++)
    handshake(&h, (uint16_t)(RPORT + 10 - i)); /* ports not sorted */
  ck_assert_uint_eq(h.ready_calls, 3);
  ck_assert_ptr_eq(h.ready_listener, l);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 3);
  struct sf_tcb *t[3];
  for (unsigned i = 0; i < 3; i++) {
    t[i] = sf__tcp_accept(l, (void *)(uintptr_t)(100 + i));
    ck_assert_ptr_nonnull(t[i]);
    ck_assert_uint_eq(sf__tcp_listener_pending(l), 2 - i);
    struct sf_tuple tu;
    sf__tcp_get_tuple(t[i], &tu);
    ck_assert_uint_eq(tu.rport, RPORT + 10 - i);
    ck_assert_uint_eq(tu.lport, LPORT);
    ck_assert_ptr_eq(sf__tcp_user(t[i]), (void *)(uintptr_t)(100 + i));
  }
  ck_assert_ptr_null(sf__tcp_accept(l, NULL));
  /* events now carry the user pointer */
  ck_assert_int_eq(sf__tcp_send(t[1], "a", 1, h.now), 1);
  ck_assert_uint_eq(th_drain(&h), 1);
  for (unsigned i = 0; i < 3; i++) {
    sf__tcp_abort(t[i], h.now);
    sf__tcp_detach(t[i], h.now);
  }
  const struct th_event *ev = th_event_nth(&h, SF_TEV_CLOSED, 1);
  ck_assert_ptr_eq(ev->user, (void *)101);
  sf__tcp_listener_close(l, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(handshake_wraps) {
  struct th h;
  th_init(&h, NULL);
  h.isn = 0xffffffffu;
  struct sf_listener *l = th_listen(&h, LPORT, 4, (void *)7);
  struct sf_tcp_hdr s;
  send_syn(&h, RPORT, 0xffffffffu, NULL);
  /* our SYN takes 0xffffffff, theirs too: both next numbers are 0 */
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN | SF_TCP_ACK, 0xffffffffu, 0, 65535);
  send_ack(&h, RPORT, 0, 0, 1000, NULL);
  struct sf_tcb *t = sf__tcp_accept(l, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert_int_eq(sf__tcp_send(t, "ab", 2, h.now), 2);
  TH_EXPECT_SEG(&h, &s, SF_TCP_ACK | SF_TCP_PSH, 0, 0, 65535);
  send_ack(&h, RPORT, 0, 2, 1000, NULL);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.bytes_in_flight, 0);
  sf__tcp_abort(t, h.now);
  TH_EXPECT_SEG(&h, &s, SF_TCP_RST | SF_TCP_ACK, 2, 0, 65535);
  sf__tcp_detach(t, h.now);
  sf__tcp_listener_close(l, h.now);
  th_free(&h);
}
END_TEST

static Suite *listen_suite(void) {
  Suite *s = suite_create("tcp_listen");
  TCase *tc = tcase_create("listen");
  tcase_add_test(tc, syn_ack_mirrors_options);
  tcase_add_test(tc, syn_without_options);
  tcase_add_test(tc, verdict_accept_sees_info);
  tcase_add_test(tc, verdict_reset_sends_exact_rst);
  tcase_add_test(tc, verdict_drop_keeps_nothing);
  tcase_add_test(tc, syn_cookies_when_syn_queue_full);
  tcase_add_test(tc, syn_cookie_without_timestamps);
  tcase_add_test(tc, syn_cookie_ack_with_data);
  tcase_add_test(tc, forged_cookie_gets_rst);
  tcase_add_test(tc, syn_cookie_tsvals_never_go_back);
  tcase_add_test(tc, syn_cookie_first_rtt_is_the_handshake);
  tcase_add_test(tc, syn_cookie_implausible_echo_no_rtt_sample);
  tcase_add_test(tc, accept_queue_full_drops_syn);
  tcase_add_test(tc, accept_queue_full_drops_handshake_ack);
  tcase_add_test(tc, accept_queue_bound_holds_under_load);
  tcase_add_test(tc, bad_handshake_ack_rst_listener_survives);
  tcase_add_test(tc, rst_to_listener_ignored);
  tcase_add_test(tc, closed_port_rst_exact);
  tcase_add_test(tc, listen_port_zero_is_ephemeral);
  tcase_add_test(tc, listen_errors);
  tcase_add_test(tc, listener_close_resets_children);
  tcase_add_test(tc, accept_in_order);
  tcase_add_test(tc, handshake_wraps);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(listen_suite)
