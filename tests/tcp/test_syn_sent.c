/*
 * SYN-SENT: the active open. The SYN's exact options, the SYN-ACK that
 * completes it, RST (refused) and bad ACKs, retransmission with backoff
 * until SF_ETIMEDOUT, simultaneous open, and ISN wraparound.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp_harness.h"
#include "util/alloc.h"

#define PEER_PORT 80

/* No memory for the timer heap: connect fails with SF_ENOMEM and leaves
 * nothing behind, where it once made a connection whose timers never
 * fired (its SYN never retransmitted). */
START_TEST(connect_without_memory_for_timers) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = NULL;
  sf__alloc_fail_after(0, 1);
  ck_assert_int_eq(sf__tcp_connect(sf__engine_tcp(h.e), sf_addr_v4(0), 0,
                                   sf_addr_v4(TH_PEER_ADDR), PEER_PORT, NULL,
                                   NULL, h.now, &t),
                   SF_ENOMEM);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  TH_EXPECT_NONE(&h);
  /* memory again: the SYN goes, and is sent again when unanswered */
  t = th_connect(&h, PEER_PORT, NULL);
  struct sf_tcp_hdr s;
  TH_EXPECT_SEG(&h, &s, SF_TCP_SYN, TH_ISN, 0, 65535);
  ck_assert(th_run_until_segment(&h, h.now + 2 * SF_NSEC_PER_SEC, 0, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN);
  th_finish(&h, t);
}
END_TEST

START_TEST(syn_has_exact_fields) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, PEER_PORT, (void *)1);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN);
  ck_assert_uint_eq(s.seq.v, TH_ISN);
  ck_assert_uint_eq(s.dport, PEER_PORT);
  ck_assert_uint_eq(s.sport, 49152); /* port offset 0, counter 0 */
  ck_assert_uint_eq(s.opts.present,
                    SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE |
                        SF_TCP_OPT_SACK_PERM | SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.mss, 1460);
  ck_assert_uint_eq(s.opts.wscale, 3); /* 256 KiB needs 65535 << 3 */
  ck_assert_uint_eq(s.opts.ts_ecr, 0);
  ck_assert_uint_eq(s.window, 65535);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_SYN_SENT);
  ck_assert(!th_next(&h, &s));
  TH_EXPECT_TRANSITIONS(&h, t,
                        "CLOSED>SYN-SENT");
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(syn_ack_establishes) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, PEER_PORT, (void *)1);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  uint16_t lport = s.sport;
  uint32_t our_ts = s.opts.ts_val;
  h.now += 10 * SF_NSEC_PER_MSEC;
  struct th_seg sa = {.sport = PEER_PORT, .dport = lport, .seq = 5000,
                      .ack = TH_ISN + 1, .flags = SF_TCP_SYN | SF_TCP_ACK,
                      .window = 65535,
                      .opts = th_syn_opts(1460, 7, true, true, 777, our_ts)};
  th_inject(&h, &sa);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(s.ack.v, 5001);
  ck_assert_uint_eq(s.opts.present, SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(s.opts.ts_ecr, 777);
  ck_assert_uint_eq(s.window, (256 * 1024) >> 3);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ESTABLISHED), 1);
  sf_tcp_info_t info;
  sf__tcp_get_info(t, &info);
  ck_assert_uint_eq(info.snd_mss, 1460 - 12);
  ck_assert_uint_eq(info.rtt_us, 10000);
  ck_assert_uint_eq(info.snd_wscale, 7);
  /* data flows */
  ck_assert_int_eq(sf__tcp_send(t, "hello", 5, h.now), 5);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK | SF_TCP_PSH);
  ck_assert_uint_eq(s.payload_len, 5);
  ck_assert(memcmp(s.payload, "hello", 5) == 0);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(rst_refuses) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, PEER_PORT, (void *)1);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  struct th_seg r = {.sport = PEER_PORT, .dport = s.sport, .seq = 0,
                     .ack = TH_ISN + 1, .flags = SF_TCP_RST | SF_TCP_ACK};
  th_inject(&h, &r);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  ck_assert_int_eq(sf__tcp_error(t), SF_ECONNREFUSED);
  const struct th_event *ev = th_event_nth(&h, SF_TEV_ERROR, 0);
  ck_assert_ptr_nonnull(ev);
  ck_assert_int_eq(ev->ev.error, SF_ECONNREFUSED);
  ck_assert(!th_next(&h, &s)); /* never a RST for a RST */
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

START_TEST(syn_retransmits_then_times_out) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, PEER_PORT, (void *)1);
  sf_time_t start = h.now;
  ck_assert_uint_eq(th_drain(&h), 1);
  /* RFC 6298: 1 s, then doubling: 1,2,4,8,16,32; then the last wait */
  sf_time_t expect = start;
  for (unsigned i = 0; i < 6; i++) {
    expect += (SF_NSEC_PER_SEC << i);
    struct sf_tcp_hdr s;
    ck_assert(th_run_until_segment(&h, UINT64_MAX, 0, &s));
    ck_assert_uint_eq(h.now, expect);
    ck_assert_uint_eq(s.flags, SF_TCP_SYN);
    ck_assert_uint_eq(s.seq.v, TH_ISN);
  }
  expect += 60 * SF_NSEC_PER_SEC; /* 64 s, capped at rto_max */
  struct sf_tcp_hdr s;
  ck_assert(!th_run_until_segment(&h, UINT64_MAX, SF_TEV_ERROR, &s));
  ck_assert_uint_eq(h.now, expect);
  ck_assert_int_eq(sf__tcp_error(t), SF_ETIMEDOUT);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_syn_retrans"), 6);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

static Suite *syn_sent_suite(void) {
  Suite *s = suite_create("tcp_syn_sent");
  TCase *tc = tcase_create("syn_sent");
  tcase_add_test(tc, syn_has_exact_fields);
  tcase_add_test(tc, connect_without_memory_for_timers);
  tcase_add_test(tc, syn_ack_establishes);
  tcase_add_test(tc, rst_refuses);
  tcase_add_test(tc, syn_retransmits_then_times_out);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(syn_sent_suite)
