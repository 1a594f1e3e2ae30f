/*
 * An idle connection gives its buffers back (lib/tcp/idle.c): once
 * nothing is outstanding, nothing unread and nothing received for an RTO,
 * its rings, out-of-order and SACK slots, RACK's records and Eifel's
 * saved window are freed, what RACK learnt of the path is kept, and the
 * next bytes in either direction allocate again and arrive intact. A connection with unread
 * or unacknowledged bytes keeps its buffers however long it waits.
 * RACK's first records and the rings' first buffers do not wait for
 * idleness: they go back as soon as the flight, or the ring, is empty.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"
#include "util/alloc.h"

#define RPORT 80
#define PEER_ISN 5000u
#define MS SF_NSEC_PER_MSEC

static uint8_t pat[8000]; /* more than five segments */

static void fill_pattern(void) {
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 7 + (i >> 8));
}

/* n bytes of the pattern from the engine, received by the peer and not
 * acknowledged yet. */
static void engine_sends_unacked(struct th *h, struct th_conn *c,
                                 struct sf_tcb *t, size_t n) {
  ck_assert_int_eq(sf__tcp_send(t, pat, n, h->now), (ssize_t)n);
  struct sf_tcp_hdr s;
  th_expect_data(h, c, &s, c->rcv_nxt, n);
  c->rcv_nxt += (uint32_t)n;
}

/* n bytes of the pattern from the engine, acknowledged by the peer. */
static void engine_sends(struct th *h, struct th_conn *c, struct sf_tcb *t,
                         size_t n) {
  engine_sends_unacked(h, c, t, n);
  th_conn_ack(h, c, c->rcv_nxt);
}

/* An established connection some time after the handshake, so that RACK
 * can measure an RTT. */
static struct sf_tcb *open_with_rtt(struct th *h, struct th_conn *c) {
  fill_pattern();
  th_init(h, NULL);
  struct sf_tcb *t = th_open_std(h, c, RPORT, PEER_ISN);
  th_advance(h, 5 * MS);
  return t;
}

/* n bytes of the pattern from the peer, read by the application whole. */
static void peer_sends(struct th *h, struct th_conn *c, struct sf_tcb *t,
                       size_t n) {
  uint8_t got[sizeof(pat)];
  th_conn_send(h, c, SF_TCP_ACK | SF_TCP_PSH, pat, n);
  ck_assert_int_eq(sf__tcp_recv(t, got, sizeof(got), h->now), (ssize_t)n);
  ck_assert_mem_eq(got, pat, n);
}

static bool holds_buffers(const struct sf_tcb *t) {
  return t->sndbuf.buf || t->rcvbuf.buf || t->rack.seg;
}

START_TEST(idle_connection_frees_its_buffers) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_with_rtt(&h, &c);
  /* more than a ring's first buffer (ring.h): read and acknowledged
   * empty, a grown buffer waits for idleness */
  engine_sends(&h, &c, t, 100);
  peer_sends(&h, &c, t, 100);
  ck_assert(t->sndbuf.buf && t->rcvbuf.buf);
  ck_assert_ptr_null(t->rack.seg); /* the flight emptied: given back */
  sf_time_t min_rtt = t->rack.min_rtt;
  ck_assert(min_rtt != SF_TIME_NEVER);
  /* quiet, but not for an RTO yet (at least rto_min, 200 ms) */
  th_advance(&h, 100 * MS);
  ck_assert_uint_eq(th_drain(&h), 1); /* the delayed ACK of the 100 bytes */
  ck_assert(holds_buffers(t));
  th_advance(&h, t->rtt.rto);
  ck_assert_uint_eq(th_drain(&h), 0);
  ck_assert(!holds_buffers(t));
  ck_assert_uint_eq(sf__tcb_buffer_bytes(t), 0);
  ck_assert(t->rack.min_rtt == min_rtt); /* learnt, kept */
  /* both directions work again, from fresh allocations */
  engine_sends(&h, &c, t, 1000);
  peer_sends(&h, &c, t, 2000);
  ck_assert(t->sndbuf.buf && t->rcvbuf.buf);
  ck_assert_uint_eq(th_counter(&h, "tcp_illegal_transitions"), 0);
  th_finish(&h, t);
}
END_TEST

/* RACK's first records live while something is in flight: the ACK that
 * empties the flight gives them back to the pool, without waiting for
 * idleness, what RACK learnt stays, and the next send takes them again
 * from the pool, not the allocator. */
START_TEST(rack_records_go_back_when_the_flight_empties) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_with_rtt(&h, &c);
  engine_sends_unacked(&h, &c, t, 40);
  ck_assert_ptr_nonnull(t->rack.seg); /* in flight */
  th_conn_ack(&h, &c, c.rcv_nxt);
  ck_assert_ptr_null(t->rack.seg);
  ck_assert(t->rack.min_rtt != SF_TIME_NEVER);
  unsigned long allocs = sf__alloc_count();
  engine_sends_unacked(&h, &c, t, 40);
  ck_assert_ptr_nonnull(t->rack.seg);
  ck_assert_uint_eq(sf__alloc_count() - allocs, 0);
  th_conn_ack(&h, &c, c.rcv_nxt);
  ck_assert_ptr_null(t->rack.seg);
  th_finish(&h, t);
}
END_TEST

START_TEST(unread_or_unacked_bytes_keep_their_buffers) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, pat, 700);
  th_advance(&h, 5000 * MS); /* nobody reads */
  ck_assert(t->rcvbuf.buf);
  uint8_t got[700];
  ck_assert_int_eq(sf__tcp_recv(t, got, sizeof(got), h.now), 700);
  ck_assert_mem_eq(got, pat, 700);
  /* bytes sent and not acknowledged: kept through the retransmissions */
  ck_assert_int_eq(sf__tcp_send(t, pat, 300, h.now), 300);
  th_drain(&h);
  for (int i = 0; i < 5; i++) {
    th_advance(&h, 1000 * MS);
    th_drain(&h);
    ck_assert(t->sndbuf.buf && t->rack.seg);
    ck_assert_uint_eq(sf__ring_len(&t->sndbuf), 300);
  }
  th_finish(&h, t);
}
END_TEST

/* A ring in its first, smallest buffer gives it back as soon as it is
 * empty: the send ring when the peer acknowledged it all, the receive
 * ring when the application read it all, idle or not; the next bytes
 * take a buffer off the spares, not from the allocator. */
START_TEST(first_ring_buffers_go_back_when_drained) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_with_rtt(&h, &c);
  engine_sends_unacked(&h, &c, t, 40);
  ck_assert_ptr_nonnull(t->sndbuf.buf); /* unacknowledged */
  th_conn_ack(&h, &c, c.rcv_nxt);
  ck_assert_ptr_null(t->sndbuf.buf);
  th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, pat, 30);
  uint8_t got[30];
  ck_assert_int_eq(sf__tcp_recv(t, got, 10, h.now), 10);
  ck_assert_ptr_nonnull(t->rcvbuf.buf); /* 20 bytes unread */
  ck_assert_int_eq(sf__tcp_recv(t, got + 10, 20, h.now), 20);
  ck_assert_mem_eq(got, pat, 30);
  ck_assert_ptr_null(t->rcvbuf.buf);
  ck_assert_uint_eq(sf__tcb_buffer_bytes(t), 0);
  unsigned long allocs = sf__alloc_count();
  engine_sends(&h, &c, t, 40);
  peer_sends(&h, &c, t, 30);
  ck_assert_uint_eq(sf__alloc_count() - allocs, 0);
  ck_assert(!holds_buffers(t));
  th_finish(&h, t);
}
END_TEST

static void dupthresh_detector(struct sf_engine_config *c) { c->rack = false; }

/* Eifel's saved window (RFC 4015) exists from a fast retransmit that
 * timestamps can judge until the connection is idle again; an undo
 * still finds it. */
START_TEST(eifel_saved_window_on_demand) {
  struct th h;
  struct th_conn c;
  fill_pattern();
  th_init(&h, dupthresh_detector);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  ck_assert_ptr_null(t->undo_ccs);
  const uint32_t smss = 1448, s0 = c.rcv_nxt;
  ck_assert_int_eq(sf__tcp_send(t, pat, 2 * smss, h.now), 2 * smss);
  ck_assert_uint_eq(th_drain(&h), 2);
  th_conn_ack(&h, &c, s0 + 2 * smss); /* no loss: nothing saved */
  ck_assert_ptr_null(t->undo_ccs);
  ck_assert_int_eq(sf__tcp_send(t, pat, 5 * smss, h.now), 5 * smss);
  ck_assert_uint_eq(th_drain(&h), 5);
  uint32_t old_ecr = c.ts_ecr;
  h.now += 10 * MS; /* the retransmission's TSval is later */
  uint32_t s1 = s0 + 2 * smss;
  for (int i = 0; i < 3; i++)
    th_conn_ack(&h, &c, s1);
  struct sf_tcp_hdr s;
  th_expect_data(&h, &c, &s, s1, smss);
  ck_assert_ptr_nonnull(t->undo_ccs);
  c.ts_ecr = old_ecr; /* the originals' echo: spurious, undone */
  th_conn_ack(&h, &c, s1 + 5 * smss);
  ck_assert_uint_eq(th_counter(&h, "tcp_spurious_recoveries"), 1);
  ck_assert_ptr_nonnull(t->undo_ccs); /* kept while busy */
  th_advance(&h, 2000 * MS);
  th_drain(&h);
  ck_assert_ptr_null(t->undo_ccs);
  th_finish(&h, t);
}
END_TEST

/* The walk steps over tcbs as they come and go: many connections, the
 * one it would visit next freed, and every idle one still reached. */
START_TEST(walk_survives_freed_tcbs) {
  struct th h;
  enum { N = 40 };
  struct th_conn c[N];
  struct sf_tcb *t[N];
  fill_pattern();
  th_init(&h, NULL);
  for (int i = 0; i < N; i++) {
    t[i] = th_open_std(&h, &c[i], (uint16_t)(RPORT + i), PEER_ISN);
    peer_sends(&h, &c[i], t[i], 10);
  }
  for (int i = 0; i < N; i += 2) { /* every other one goes */
    sf__tcp_abort(t[i], h.now);
    sf__tcp_detach(t[i], h.now);
    th_advance(&h, 10 * MS);
  }
  th_drain(&h);
  th_advance(&h, 1000 * MS);
  for (int k = 0; k < 10; k++) /* a few steps of the walk */
    th_advance(&h, 10 * MS);
  for (int i = 1; i < N; i += 2)
    ck_assert(!holds_buffers(t[i]));
  for (int i = 1; i < N; i += 2) {
    sf__tcp_abort(t[i], h.now);
    sf__tcp_detach(t[i], h.now);
  }
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

static Suite *idle_suite(void) {
  Suite *s = suite_create("tcp_idle");
  TCase *tc = tcase_create("idle");
  tcase_add_test(tc, idle_connection_frees_its_buffers);
  tcase_add_test(tc, unread_or_unacked_bytes_keep_their_buffers);
  tcase_add_test(tc, rack_records_go_back_when_the_flight_empties);
  tcase_add_test(tc, first_ring_buffers_go_back_when_drained);
  tcase_add_test(tc, eifel_saved_window_on_demand);
  tcase_add_test(tc, walk_survives_freed_tcbs);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(idle_suite)
