/*
 * Transmit offloads (an interface whose link finishes checksums and cuts
 * GSO super-segments, as AF_PACKET with PACKET_VNET_HDR does): segments
 * carry partial checksums, and with TSO one super-segment takes as many
 * whole segments as the windows allow, PSH and FIN on the tail only.
 * Without offload nothing changes. Sequence numbers wrap in one case.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "link/link.h"
#include "tcp_harness.h"

#define PEER_ISN 7000u

static uint8_t data[40000];

static void fill(void) {
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (uint8_t)(i * 7 + 3);
}

/* An established connection whose cwnd is the initial 10 segments. */
static struct sf_tcb *open_conn(struct th *h, struct th_conn *c,
                                unsigned offload) {
  fill();
  th_init_offload(h, NULL, offload);
  return th_open_std(h, c, 80, PEER_ISN);
}

START_TEST(tso_sends_super_segments) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_conn(&h, &c, SF_LINK_TX_CSUM | SF_LINK_TX_TSO);
  ck_assert_int_eq(sf__tcp_send(t, data, 20000, h.now), 20000);
  struct sf_tcp_hdr s;
  /* the initial window, 10 * 1448, in one frame cut by the link */
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 14480);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(s.flags, SF_TCP_ACK); /* no PSH: not the tail */
  ck_assert(memcmp(s.payload, data, 14480) == 0);
  ck_assert_uint_eq(h.last_meta.flags, SF_FRAME_CSUM_PARTIAL);
  ck_assert_uint_eq(h.last_meta.gso_type, SF_FRAME_GSO_TCPV4);
  ck_assert_uint_eq(h.last_meta.gso_size, 1448);
  ck_assert(!th_next(&h, &s));
  /* the ACK opens the window: the tail goes in one frame with PSH */
  th_conn_ack(&h, &c, TH_ISN + 1 + 14480);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 20000 - 14480);
  ck_assert_uint_eq(s.flags, SF_TCP_ACK | SF_TCP_PSH);
  ck_assert(memcmp(s.payload, data + 14480, 20000 - 14480) == 0);
  ck_assert_uint_eq(h.last_meta.gso_size, 1448);
  th_finish(&h, t);
}
END_TEST

START_TEST(tso_cuts_whole_segments_to_the_window) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_conn(&h, &c, SF_LINK_TX_CSUM | SF_LINK_TX_TSO);
  /* the peer's window (10000 << 7 bytes is large; make it small) */
  c.window = 40; /* 40 << 7 = 5120 bytes: 3 whole segments and a bit */
  th_conn_ack(&h, &c, TH_ISN + 1);
  ck_assert_int_eq(sf__tcp_send(t, data, 30000, h.now), 30000);
  struct sf_tcp_hdr s;
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 3 * 1448); /* whole segments only */
  ck_assert_uint_eq(h.last_meta.gso_size, 1448);
  ck_assert(!th_next(&h, &s)); /* 776 bytes is not worth a segment (SWS) */
  th_finish(&h, t);
}
END_TEST

START_TEST(checksum_offload_only_keeps_segments_small) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_conn(&h, &c, SF_LINK_TX_CSUM);
  ck_assert_int_eq(sf__tcp_send(t, data, 3000, h.now), 3000);
  struct sf_tcp_hdr s;
  unsigned segs = 0;
  while (th_conn_next(&h, &c, &s)) {
    ck_assert_uint_le(s.payload_len, 1448);
    ck_assert_uint_eq(h.last_meta.flags, SF_FRAME_CSUM_PARTIAL);
    ck_assert_uint_eq(h.last_meta.gso_type, SF_FRAME_GSO_NONE);
    segs++;
  }
  ck_assert_uint_eq(segs, 2); /* 2 * 1448; Nagle holds the last 104 */
  th_conn_ack(&h, &c, TH_ISN + 1 + 2 * 1448);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 104);
  ck_assert_uint_eq(h.last_meta.flags, SF_FRAME_CSUM_PARTIAL);
  th_finish(&h, t);
}
END_TEST

START_TEST(no_offload_means_full_checksums) {
  struct th h;
  struct th_conn c;
  struct sf_tcb *t = open_conn(&h, &c, 0);
  ck_assert_int_eq(sf__tcp_send(t, data, 3000, h.now), 3000);
  struct sf_tcp_hdr s;
  unsigned segs = 0;
  while (th_conn_next(&h, &c, &s)) { /* th_next verifies the checksum */
    ck_assert_uint_le(s.payload_len, 1448);
    ck_assert_uint_eq(h.last_meta.flags, 0);
    segs++;
  }
  ck_assert_uint_eq(segs, 2);
  th_conn_ack(&h, &c, TH_ISN + 1 + 2 * 1448);
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.payload_len, 104);
  ck_assert_uint_eq(h.last_meta.flags, 0);
  th_finish(&h, t);
}
END_TEST

START_TEST(tso_across_the_wrap) {
  struct th h;
  struct th_conn c;
  fill();
  th_init_offload(&h, NULL, SF_LINK_TX_CSUM | SF_LINK_TX_TSO);
  h.isn = 0xffffd000u; /* 12288 bytes before 2^32 */
  struct sf_tcb *t = th_open_std(&h, &c, 80, PEER_ISN);
  ck_assert_int_eq(sf__tcp_send(t, data, 14480, h.now), 14480);
  struct sf_tcp_hdr s;
  ck_assert(th_conn_next(&h, &c, &s));
  ck_assert_uint_eq(s.seq.v, 0xffffd001u);
  ck_assert_uint_eq(s.payload_len, 14480);
  th_conn_ack(&h, &c, 0xffffd001u + 14480); /* wraps to 0x2891 */
  sf_tcp_info_t i;
  sf__tcp_get_info(t, &i);
  ck_assert_uint_eq(i.bytes_in_flight, 0);
  ck_assert_uint_eq(i.bytes_sent, 14480);
  th_finish(&h, t);
}
END_TEST

static Suite *offload_suite(void) {
  Suite *s = suite_create("tcp_offload");
  TCase *tc = tcase_create("offload");
  tcase_add_test(tc, tso_sends_super_segments);
  tcase_add_test(tc, tso_cuts_whole_segments_to_the_window);
  tcase_add_test(tc, checksum_offload_only_keeps_segments_small);
  tcase_add_test(tc, no_offload_means_full_checksums);
  tcase_add_test(tc, tso_across_the_wrap);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(offload_suite)
