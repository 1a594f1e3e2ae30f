/*
 * Hostile and malformed input: frames and segments that must be dropped
 * and counted in the right counter, with nothing sent and the connection
 * (or listener) unchanged — bad checksums, impossible data offsets,
 * options running past the header, SYN+FIN and SYN+RST, empty and
 * truncated frames, datagrams for other addresses; RSTs for segments to
 * closed ports; a seeded flood of random segments at an established
 * connection that must never break the engine's invariants; and blind
 * RST/SYN/data injection at rate into a transfer (RFC 5961).
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

#define RPORT 80
#define LPORT 8080
#define PEER_ISN 9000u

static const struct sf_eth_addr eng_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct sf_eth_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x02}};

/* A valid segment of c (checksummed for peer -> engine) into buf. */
static size_t build(const struct th_conn *c, uint16_t flags, const void *data,
                    size_t len, uint8_t *buf, size_t cap) {
  struct th_seg g = th_conn_seg(c, flags, data, len);
  struct sf_tcp_hdr th = {.sport = g.sport, .dport = g.dport,
                          .seq = sf_seq(g.seq), .ack = sf_seq(g.ack),
                          .flags = g.flags, .window = g.window,
                          .opts = g.opts};
  int n = sf__tcp_emit(&th, data, len, TH_PEER_ADDR, TH_ADDR, 0, buf, cap);
  ck_assert_int_gt(n, 0);
  return (size_t)n;
}

/* Recomputes the TCP checksum of a segment edited by hand. */
static void fix_csum(uint8_t *seg, size_t len) {
  seg[16] = seg[17] = 0;
  uint32_t sum = sf__csum_pseudo_ipv4(TH_PEER_ADDR, TH_ADDR, SF_IPPROTO_TCP,
                                      (uint16_t)len);
  uint16_t ck = sf__csum_finish(sf__csum_add(sum, seg, len));
  seg[16] = (uint8_t)(ck >> 8);
  seg[17] = (uint8_t)ck;
}

/* What a dropped segment must leave alone. */
struct snap {
  sf_tcp_info_t info;
  uint64_t out_segs;
  size_t nev;
};

static void take_snap(struct th *h, const struct sf_tcb *t, struct snap *s) {
  memset(s, 0, sizeof(*s));
  if (t)
    sf__tcp_get_info(t, &s->info);
  s->out_segs = th_counter(h, "tcp_out_segs");
  s->nev = h->nev;
}

static void expect_unchanged(struct th *h, const struct sf_tcb *t,
                             const struct snap *before) {
  struct snap now;
  take_snap(h, t, &now);
  ck_assert_uint_eq(now.out_segs, before->out_segs);
  ck_assert_uint_eq(now.nev, before->nev);
  ck_assert(memcmp(&now.info, &before->info, sizeof(now.info)) == 0);
  struct sf_tcp_hdr s;
  ck_assert(!th_next(h, &s));
}

/* Injects a raw TCP segment and checks that exactly counter went up by
 * one and nothing else happened. */
static void expect_drop_tcp(struct th *h, const struct sf_tcb *t,
                            const uint8_t *seg, size_t len,
                            const char *counter) {
  struct snap before;
  take_snap(h, t, &before);
  uint64_t c0 = th_counter(h, counter);
  uint64_t in0 = th_counter(h, "tcp_in_segs");
  th_inject_raw_tcp(h, seg, len);
  ck_assert_uint_eq(th_counter(h, counter), c0 + 1);
  ck_assert_uint_eq(th_counter(h, "tcp_in_segs"), in0 + 1);
  expect_unchanged(h, t, &before);
}

static void expect_drop_frame(struct th *h, const struct sf_tcb *t,
                              const uint8_t *frame, size_t len,
                              const char *counter) {
  struct snap before;
  take_snap(h, t, &before);
  uint64_t c0 = th_counter(h, counter);
  uint64_t in0 = th_counter(h, "tcp_in_segs");
  th_inject_frame(h, frame, len);
  ck_assert_uint_eq(th_counter(h, counter), c0 + 1);
  ck_assert_uint_eq(th_counter(h, "tcp_in_segs"), in0);
  expect_unchanged(h, t, &before);
}

/* The malformed segments, built on c's current numbers. */
static void malformed_segments(struct th *h, const struct sf_tcb *t,
                               const struct th_conn *c, uint16_t flags) {
  uint8_t seg[2000];
  size_t n;
  /* a payload byte flipped */
  n = build(c, flags, "payload", 7, seg, sizeof(seg));
  seg[n - 1] ^= 0x40;
  expect_drop_tcp(h, t, seg, n, "tcp_in_bad_checksum");
  /* the checksum field itself wrong */
  n = build(c, flags, NULL, 0, seg, sizeof(seg));
  seg[16] ^= 0xff;
  expect_drop_tcp(h, t, seg, n, "tcp_in_bad_checksum");
  /* data offset 4 words (< 5) */
  n = build(c, flags, "abcdefgh", 8, seg, sizeof(seg));
  seg[12] = (uint8_t)((4 << 4) | (seg[12] & 0x0f));
  fix_csum(seg, n);
  expect_drop_tcp(h, t, seg, n, "tcp_in_bad_header");
  /* data offset 0 */
  seg[12] &= 0x0f;
  fix_csum(seg, n);
  expect_drop_tcp(h, t, seg, n, "tcp_in_bad_header");
  /* data offset 15 words (60 bytes) in a 20-byte segment */
  struct th_conn plain = *c;
  plain.ts = false;
  n = build(&plain, flags, NULL, 0, seg, sizeof(seg));
  ck_assert_uint_eq(n, 20);
  seg[12] = (uint8_t)((15 << 4) | (seg[12] & 0x0f));
  fix_csum(seg, n);
  expect_drop_tcp(h, t, seg, n, "tcp_in_bad_header");
  /* shorter than a TCP header */
  n = build(&plain, flags, NULL, 0, seg, sizeof(seg));
  expect_drop_tcp(h, t, seg, 12, "tcp_in_bad_header");
  expect_drop_tcp(h, t, seg, 0, "tcp_in_bad_header");
  /* an MSS option (length 4) in a 4-byte option area that says 8 */
  n = build(&plain, flags, "zz", 2, seg, sizeof(seg));
  memmove(seg + 24, seg + 20, 2);
  seg[20] = 2;
  seg[21] = 8;
  seg[22] = 0x05;
  seg[23] = 0xb4;
  seg[12] = (uint8_t)((6 << 4) | (seg[12] & 0x0f));
  fix_csum(seg, 26);
  expect_drop_tcp(h, t, seg, 26, "tcp_in_bad_option");
  /* an option of length 0 (would loop forever) and of length 1 */
  seg[21] = 0;
  fix_csum(seg, 26);
  expect_drop_tcp(h, t, seg, 26, "tcp_in_bad_option");
  seg[21] = 1;
  fix_csum(seg, 26);
  expect_drop_tcp(h, t, seg, 26, "tcp_in_bad_option");
  /* SYN+FIN and SYN+RST */
  static const uint8_t bad[] = {SF_TCP_SYN | SF_TCP_FIN,
                                SF_TCP_SYN | SF_TCP_RST,
                                SF_TCP_SYN | SF_TCP_FIN | SF_TCP_RST |
                                    SF_TCP_ACK | SF_TCP_PSH | SF_TCP_URG};
  for (size_t i = 0; i < sizeof(bad); i++) {
    n = build(c, flags, "x", 1, seg, sizeof(seg));
    seg[13] = bad[i];
    fix_csum(seg, n);
    expect_drop_tcp(h, t, seg, n, "tcp_in_bad_flags");
  }
}

/* Frames broken below TCP. */
static void malformed_frames(struct th *h, const struct sf_tcb *t,
                             const struct th_conn *c) {
  uint8_t seg[200], frame[300];
  struct th_conn plain = *c;
  plain.ts = false;
  size_t sl = build(&plain, SF_TCP_ACK, "hi", 2, seg, sizeof(seg));
  struct sf_eth_hdr eh = {.dst = eng_mac, .src = peer_mac,
                          .ethertype = SF_ETHERTYPE_IPV4};
  int el = sf__eth_emit(&eh, frame, sizeof(frame));
  ck_assert_int_eq(el, 14);
  struct sf_ipv4_hdr ip = {.id = 3, .flags = SF_IPV4_FLAG_DF, .ttl = 64,
                           .proto = SF_IPPROTO_TCP, .src = TH_PEER_ADDR,
                           .dst = TH_ADDR, .payload_len = sl};
  ck_assert_int_eq(sf__ipv4_emit(&ip, frame + 14, sizeof(frame) - 14), 20);
  memcpy(frame + 34, seg, sl);
  size_t fl = 34 + sl;
  /* zero-length and runt frames */
  expect_drop_frame(h, t, frame, 0, "ip_in_bad_eth");
  expect_drop_frame(h, t, frame, 10, "ip_in_bad_eth");
  /* the IPv4 header cut short, and a total length beyond the frame */
  expect_drop_frame(h, t, frame, 14 + 12, "ip_in_bad_header");
  expect_drop_frame(h, t, frame, fl - 1, "ip_in_bad_header");
  /* a bad IPv4 header checksum */
  uint8_t f2[300];
  memcpy(f2, frame, fl);
  f2[14 + 10] ^= 0x01;
  expect_drop_frame(h, t, f2, fl, "ip_in_bad_checksum");
  /* the right MAC, another IPv4 address of the subnet */
  struct sf_ipv4_hdr other = ip;
  other.dst = TH_ADDR + 98;
  memcpy(f2, frame, fl);
  ck_assert_int_eq(sf__ipv4_emit(&other, f2 + 14, sizeof(f2) - 14), 20);
  expect_drop_frame(h, t, f2, fl, "ip_in_not_our_addr");
  /* another host's MAC */
  memcpy(f2, frame, fl);
  f2[5] = 0x77;
  expect_drop_frame(h, t, f2, fl, "ip_in_not_for_us");
  /* a fragment */
  struct sf_ipv4_hdr frag = ip;
  frag.flags = SF_IPV4_FLAG_MF;
  memcpy(f2, frame, fl);
  ck_assert_int_eq(sf__ipv4_emit(&frag, f2 + 14, sizeof(f2) - 14), 20);
  expect_drop_frame(h, t, f2, fl, "ip_in_fragments");
  /* the intact frame is taken: the malformed ones did no harm */
  th_inject_frame(h, frame, fl);
  ck_assert_uint_eq(sf__tcp_readable(t), 2);
}

START_TEST(malformed_to_established) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  ck_assert_int_eq(sf__tcp_send(t, "abc", 3, h.now), 3);
  ck_assert_uint_eq(th_drain(&h), 1); /* data in flight: snd state set */
  malformed_segments(&h, t, &c, SF_TCP_ACK);
  malformed_frames(&h, t, &c);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(malformed_to_listener) {
  struct th h;
  th_init(&h, NULL);
  struct sf_listener *l;
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h.e), sf_addr_v4(0), LPORT, 8, NULL, &l),
      0);
  struct th_conn c = {.lport = LPORT, .rport = 40000, .snd_nxt = 777,
                      .window = 65535};
  malformed_segments(&h, NULL, &c, SF_TCP_SYN);
  ck_assert_uint_eq(h.syn_calls, 0);
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 0);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_passive_opens"), 0);
  /* a good SYN still works afterwards */
  c.snd_nxt = 776;
  th_conn_send(&h, &c, SF_TCP_SYN, NULL, 0);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
  ck_assert_uint_eq(s.ack.v, 777);
  sf__tcp_listener_close(l, h.now);
  th_drain(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

START_TEST(closed_port_gets_rst) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcp_hdr s;
  /* data with ACK: <SEQ=SEG.ACK><CTL=RST> */
  struct th_seg g = {.sport = 40000, .dport = 9999, .seq = 0xfffffff0u,
                     .ack = 12345, .flags = SF_TCP_ACK | SF_TCP_PSH,
                     .window = 1000, .data = "data", .len = 4};
  th_inject(&h, &g);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_RST);
  ck_assert_uint_eq(s.seq.v, 12345);
  ck_assert_uint_eq(s.sport, 9999);
  ck_assert_uint_eq(s.dport, 40000);
  ck_assert_uint_eq(s.payload_len, 0);
  ck_assert(!th_next(&h, &s));
  /* without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, wrapping */
  g.flags = SF_TCP_PSH;
  g.len = 20;
  g.data = "twenty bytes of data";
  th_inject(&h, &g);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_RST | SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, 0);
  ck_assert_uint_eq(s.ack.v, 0x00000004u);
  /* a FIN takes one sequence number */
  g.flags = SF_TCP_FIN;
  g.len = 0;
  g.seq = 100;
  th_inject(&h, &g);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.ack.v, 101);
  /* never a RST for a RST */
  g.flags = SF_TCP_RST;
  th_inject(&h, &g);
  g.flags = SF_TCP_RST | SF_TCP_ACK;
  th_inject(&h, &g);
  ck_assert(!th_next(&h, &s));
  ck_assert_uint_eq(th_counter(&h, "tcp_in_no_port"), 3);
  ck_assert_uint_eq(th_counter(&h, "tcp_out_rst"), 3);
  th_free(&h);
}
END_TEST

/* After the connection is gone, its 4-tuple is a closed port. */
START_TEST(data_after_abort_gets_rst) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  struct sf_tcp_hdr s;
  sf__tcp_abort(t, h.now);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_RST | SF_TCP_ACK);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_conn_send(&h, &c, SF_TCP_ACK, "late", 4);
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_RST);
  ck_assert_uint_eq(s.seq.v, TH_ISN + 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_no_port"), 1);
  th_free(&h);
}
END_TEST

static void small_bufs(struct sf_engine_config *c) {
  c->rcvbuf = 8192;
  c->sndbuf = 8192;
}

/* Chooses a number near base (within +-span) or anywhere. */
static uint32_t near(struct sf_test_rng *r, uint32_t base, uint32_t span) {
  switch (sf_test_rng_below(r, 8)) {
  case 0:
    return (uint32_t)sf_test_rng_next(r);
  case 1:
  case 2:
    return base;
  default:
    return base + sf_test_rng_below(r, 2 * span + 1) - span;
  }
}

/* The peer's view from what the engine sends. */
static void follow(struct th *h, struct th_conn *c, uint32_t *eng_max) {
  struct sf_tcp_hdr s;
  while (th_conn_next(h, c, &s)) {
    ck_assert_uint_le(s.payload_len, 1448);
    uint32_t end = s.seq.v + (uint32_t)s.payload_len +
                   ((s.flags & (SF_TCP_SYN | SF_TCP_FIN)) ? 1 : 0);
    if ((int32_t)(end - *eng_max) > 0)
      *eng_max = end;
    if (s.flags & SF_TCP_ACK)
      c->snd_nxt = s.ack.v;
  }
}

START_TEST(random_flood_keeps_invariants) {
  struct th h;
  struct th_conn c;
  uint64_t seed = sf_test_seed(0x5eed1234);
  struct sf_test_rng r;
  sf_test_rng_seed(&r, seed);
  th_init(&h, small_bufs);
  h.isn = 0xffff0000u; /* sequence numbers wrap during the flood */
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  uint32_t eng_max = h.isn + 1;
  static uint8_t data[3000], buf[9000];
  unsigned conns = 1, injected = 0;
  uint64_t in0 = th_counter(&h, "tcp_in_segs");
  for (unsigned i = 0; i < 20000; i++) {
    struct th_seg g = th_conn_seg(&c, 0, NULL, 0);
    g.flags = (uint16_t)sf_test_rng_below(&r, 0x200);
    if (sf_test_rng_below(&r, 4)) /* mostly plausible: ACK without SYN */
      g.flags = (uint16_t)((g.flags | SF_TCP_ACK) &
                           ~(sf_test_rng_below(&r, 8) ? SF_TCP_SYN : 0));
    if (sf_test_rng_below(&r, 16) != 0)
      g.flags &= (uint16_t)~SF_TCP_RST; /* else the connection dies fast */
    g.seq = near(&r, c.snd_nxt, 20000);
    g.ack = near(&r, eng_max, 3000);
    g.window = (uint16_t)sf_test_rng_below(&r, 4)
                   ? (uint16_t)(sf_test_rng_below(&r, 200))
                   : (uint16_t)sf_test_rng_next(&r);
    g.len = sf_test_rng_below(&r, 3) ? sf_test_rng_below(&r, 1500) : 0;
    sf_test_rng_fill(&r, data, g.len);
    g.data = data;
    if (sf_test_rng_below(&r, 4) == 0)
      g.opts.present = 0;
    else if (sf_test_rng_below(&r, 8) == 0)
      g.opts.ts_val = (uint32_t)sf_test_rng_next(&r);
    if (sf_test_rng_below(&r, 10) == 0) {
      g.opts.present |= SF_TCP_OPT_SACK;
      g.opts.sack_count = 2;
      for (int k = 0; k < 2; k++) {
        g.opts.sack[k].left = sf_seq(near(&r, eng_max, 5000));
        g.opts.sack[k].right = sf_seq(near(&r, eng_max, 5000));
      }
    }
    th_inject(&h, &g);
    injected++;
    c.ts_val += sf_test_rng_below(&r, 3);
    follow(&h, &c, &eng_max);
    /* the application writes and reads now and then; time passes */
    switch (sf_test_rng_below(&r, 8)) {
    case 0: {
      ssize_t n = sf__tcp_send(t, data, sf_test_rng_below(&r, 3000), h.now);
      ck_assert(n >= 0 || n == SF_EPIPE || n == sf__tcp_error(t));
      break;
    }
    case 1: {
      ssize_t n = sf__tcp_recv(t, buf, sf_test_rng_below(&r, 9000) + 1,
                               h.now);
      ck_assert(n > 0 || n == SF_EAGAIN || n == SF_EOF ||
                n == sf__tcp_error(t));
      break;
    }
    case 2:
      th_advance(&h, sf_test_rng_below(&r, 300) * SF_NSEC_PER_MSEC);
      break;
    default:
      break;
    }
    follow(&h, &c, &eng_max);
    /* invariants */
    int st = sf__tcp_state(t);
    ck_assert_int_ge(st, SF_TCP_CLOSED);
    ck_assert_int_lt(st, SF_TCP_STATE_COUNT);
    ck_assert_int_ne(st, SF_TCP_LISTEN);
    ck_assert_int_ne(st, SF_TCP_SYN_SENT);
    sf_tcp_info_t info;
    sf__tcp_get_info(t, &info);
    ck_assert_uint_le(sf__tcp_readable(t), 8192);
    ck_assert_uint_le(info.unsent + info.bytes_in_flight, 8192 + 2);
    ck_assert_uint_le(info.rcv_wnd, 8192);
    ck_assert_uint_ge(info.cwnd, info.snd_mss);
    ck_assert_uint_le(sf__engine_tcb_count(h.e), 1);
    if (st == SF_TCP_CLOSED || st == SF_TCP_TIME_WAIT ||
        sf_test_rng_below(&r, 2000) == 0) {
      /* start over with a fresh connection */
      sf__tcp_abort(t, h.now);
      sf__tcp_detach(t, h.now);
      th_drain(&h);
      ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
      h.now += 200 * SF_NSEC_PER_SEC; /* past any TIME-WAIT (2 MSL) */
      sf__engine_poll(h.e, h.now);
      h.isn += 0x10000000u;
      t = th_open_std(&h, &c, RPORT, PEER_ISN);
      eng_max = h.isn + 1;
      conns++;
    }
  }
  ck_assert_uint_eq(th_counter(&h, "tcp_in_segs") - in0,
                    injected + (conns - 1)); /* + the SYN-ACKs */
  ck_assert_uint_gt(conns, 1);
  sf__tcp_abort(t, h.now);
  sf__tcp_detach(t, h.now);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

/* "SACK panic": blocks crafted to fragment the scoreboard. It keeps at
 * most SF_ASM_MAX_RANGES ranges, so the work per ACK stays bounded; the
 * blocks beyond are ignored and counted, and the connection carries on. */
START_TEST(sack_blocks_beyond_the_scoreboard_ignored) {
  struct th h;
  struct th_conn c;
  static uint8_t data[8000];
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  sf__tcp_set_nodelay(t, true, h.now);
  ck_assert_int_eq(sf__tcp_send(t, data, sizeof(data), h.now),
                   (ssize_t)sizeof(data));
  th_drain(&h);
  const uint32_t S = TH_ISN + 1;
  for (unsigned k = 0; k < 42; k += 3) { /* 3 blocks fit with timestamps */
    struct th_seg a = th_conn_seg(&c, SF_TCP_ACK, NULL, 0);
    a.ack = S;
    a.opts.present |= SF_TCP_OPT_SACK;
    a.opts.sack_count = 3;
    for (unsigned i = 0; i < 3; i++) {
      a.opts.sack[i].left = sf_seq(S + 100 + 100 * (k + i));
      a.opts.sack[i].right = sf_seq(S + 150 + 100 * (k + i));
    }
    th_inject(&h, &a);
    th_drain(&h);
  }
  ck_assert_uint_eq(th_counter(&h, "tcp_sack_blocks_dropped"), 42 - 32);
  th_conn_ack(&h, &c, S + sizeof(data));
  ck_assert_uint_eq(th_info(t).bytes_in_flight, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  th_finish(&h, t);
}
END_TEST

/* A peer announcing a tiny MSS would make us send a segment per byte or
 * two: its MSS is taken as at least 64 bytes (less the timestamps). */
START_TEST(tiny_mss_clamped) {
  struct th h;
  struct th_conn c;
  static uint8_t data[1000];
  th_init(&h, NULL);
  struct sf_tcp_opts o = th_syn_opts(1, 7, true, true, 100, 0);
  struct sf_tcb *t = th_open_active(&h, &c, RPORT, PEER_ISN, &o, 65535);
  ck_assert_uint_eq(th_info(t).snd_mss, 64 - 12);
  ck_assert_int_eq(sf__tcp_send(t, data, 104, h.now), 104);
  struct sf_tcp_hdr s;
  th_expect_data(&h, &c, &s, TH_ISN + 1, 52);
  th_expect_data(&h, &c, &s, TH_ISN + 1 + 52, 52);
  th_finish(&h, t);
}
END_TEST

/* The peer shuts its window (and answers every probe after): data waits
 * on conn c, which is left with a probe due. */
static void shut_window(struct th *h, struct th_conn *c, struct sf_tcb *t) {
  static const uint8_t data[100];
  c->window = 0;
  th_conn_send(h, c, SF_TCP_ACK, NULL, 0);
  ck_assert_int_eq(sf__tcp_send(t, data, sizeof(data), h->now),
                   (ssize_t)sizeof(data));
  TH_EXPECT_NONE(h);
}

/* Waits for the next zero-window probe, answers it with the window still
 * shut, and returns when it came; false if the connection sent a RST. */
static bool probe_answered(struct th *h, struct th_conn *c) {
  struct sf_tcp_hdr s;
  ck_assert(th_run_until_segment(h, UINT64_MAX, 0, &s));
  if (s.flags & SF_TCP_RST)
    return false;
  ck_assert_uint_eq(s.payload_len, 0);
  th_conn_send(h, c, SF_TCP_ACK, NULL, 0);
  return true;
}

/* An orphan whose peer keeps its window shut for ever, answering every
 * probe, is reset after orphan_retries probes (Linux's
 * tcp_orphan_retries), minutes after it was closed, not never. */
START_TEST(orphan_in_zero_window_reset_after_retries) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  shut_window(&h, &c, t);
  sf__tcp_detach(t, h.now);
  sf_time_t closed = h.now;
  unsigned probes = 0;
  while (probes <= 20 && probe_answered(&h, &c))
    probes++;
  ck_assert_uint_eq(probes, 8);
  ck_assert_uint_lt(h.now - closed, 400 * SF_NSEC_PER_SEC);
  ck_assert_uint_eq(th_counter(&h, "tcp_orphan_persist_aborts"), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 0);
  th_free(&h);
}
END_TEST

/* With the handle open the application decides: probing goes on, each
 * probe at most rto_max after the last. */
START_TEST(attached_zero_window_probes_on_at_rto_max) {
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  shut_window(&h, &c, t);
  sf_time_t last = h.now;
  for (unsigned i = 0; i < 30; i++) {
    ck_assert(probe_answered(&h, &c));
    ck_assert_uint_le(h.now - last, 60 * SF_NSEC_PER_SEC);
    last = h.now;
  }
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  th_finish(&h, t);
}
END_TEST

static void two_orphans(struct sf_engine_config *c) { c->max_orphans = 2; }

/* Past max_orphans the oldest orphan is reset (Linux's tcp_max_orphans). */
START_TEST(orphans_beyond_the_limit_reset_oldest_first) {
  struct th h;
  struct th_conn c[3];
  struct sf_tcb *t[3];
  th_init(&h, two_orphans);
  for (unsigned i = 0; i < 3; i++) {
    t[i] = th_open_std(&h, &c[i], (uint16_t)(RPORT + i), PEER_ISN);
    shut_window(&h, &c[i], t[i]);
  }
  sf__tcp_detach(t[0], h.now);
  sf__tcp_detach(t[1], h.now);
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 3);
  sf__tcp_detach(t[2], h.now);
  struct sf_tcp_hdr s;
  ck_assert(th_next(&h, &s));
  ck_assert_uint_eq(s.flags & SF_TCP_RST, SF_TCP_RST);
  ck_assert_uint_eq(s.dport, RPORT); /* the first one */
  TH_EXPECT_NONE(&h);
  ck_assert_uint_eq(th_counter(&h, "tcp_orphans_reset"), 1);
  ck_assert_uint_eq(sf__engine_tcb_count(h.e), 2);
  th_free(&h);
}
END_TEST

/* n bytes of a pattern at offset off past the peer's next byte. */
static void send_at(struct th *h, struct th_conn *c, const uint8_t *pat,
                    uint32_t off, uint32_t len) {
  struct th_seg g = th_conn_seg(c, SF_TCP_ACK, pat + off, len);
  g.seq = c->irs + 1 + off;
  th_inject(h, &g);
}

/* A few bytes near the window's right edge cost a few bytes, not a
 * receive buffer grown to that edge; and they are delivered right once
 * the gap before them fills. */
START_TEST(out_of_order_memory_follows_the_data) {
  struct th h;
  struct th_conn c;
  static uint8_t pat[256 * 1024];
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 7 + (i >> 8));
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  const uint32_t edge = 200 * 1024;
  send_at(&h, &c, pat, edge, 32);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_ooo_segs"), 1);
  ck_assert_uint_le(sf__tcb_buffer_bytes(t), 64);
  /* the gap fills in order: the ring grows with the in-order data */
  for (uint32_t off = 0; off < edge; off += 1400)
    send_at(&h, &c, pat, off, off + 1400 <= edge ? 1400 : edge - off);
  th_drain(&h);
  ck_assert_uint_eq(sf__tcp_readable(t), edge + 32);
  ck_assert_uint_eq(t->ooo.held, 0);
  static uint8_t buf[256 * 1024];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), edge + 32);
  ck_assert(memcmp(buf, pat, edge + 32) == 0);
  th_finish(&h, t);
}
END_TEST

/* A reset gives back what can no longer be delivered at once, though
 * the application still holds the connection. */
START_TEST(reset_frees_out_of_order_and_send_buffers) {
  struct th h;
  struct th_conn c;
  static uint8_t pat[4096];
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  send_at(&h, &c, pat, 2000, 32);
  ck_assert_int_eq(sf__tcp_send(t, pat, 100, h.now), 100);
  th_drain(&h);
  ck_assert_uint_gt(sf__tcb_buffer_bytes(t), 0);
  th_conn_send(&h, &c, SF_TCP_RST, NULL, 0);
  ck_assert_int_eq(sf__tcp_state(t), SF_TCP_CLOSED);
  ck_assert_uint_eq(sf__tcb_buffer_bytes(t), 0);
  sf__tcp_detach(t, h.now);
  th_free(&h);
}
END_TEST

/* Out-of-order buffers stay within rcvbuf, their slack included: a run
 * growing past half of it gets just the room it needs, not double. */
START_TEST(out_of_order_buffers_within_rcvbuf) {
  struct th h;
  struct th_conn c;
  static uint8_t pat[8192];
  th_init(&h, small_bufs);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  for (uint32_t off = 100; off + 1000 <= 6100; off += 1000) {
    send_at(&h, &c, pat, off, 1000);
    ck_assert_uint_le(t->ooo.held, 8192);
  }
  ck_assert_uint_eq(t->ooo.n, 1);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_ooo_dropped"), 0);
  send_at(&h, &c, pat, 0, 100); /* the gap fills: all 6100 readable */
  ck_assert_uint_eq(sf__tcp_readable(t), 6100);
  ck_assert_uint_eq(t->ooo.held, 0);
  th_finish(&h, t);
}
END_TEST

static void ten_kib_of_buffers(struct sf_engine_config *c) {
  c->mem_max = 10 * 1024;
}

/* The stack-wide ceiling on buffer memory (mem_max) is never passed: data
 * beyond it is dropped unacknowledged and counted. Past three quarters of
 * it, a new connection gets a quarter of the buffers and offers a window
 * of one MSS, not the whole buffer. */
START_TEST(memory_ceiling_never_exceeded) {
  struct th h;
  struct th_conn c, c2;
  static uint8_t pat[40000];
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 11 + (i >> 8));
  th_init(&h, ten_kib_of_buffers);
  const struct sf_tcp *tcp = sf__engine_tcp(h.e);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  for (uint32_t off = 0; off < 5000; off += 1000) {
    send_at(&h, &c, pat, off, 1000);
    ck_assert_uint_le(tcp->mem.used, 10 * 1024);
  }
  th_drain(&h);
  ck_assert_uint_gt(th_counter(&h, "tcp_mem_refused"), 0);
  ck_assert_uint_gt(th_counter(&h, "tcp_in_nomem_dropped"), 0);
  /* 4 KiB of ring: growing to 8 KiB needs both while it copies */
  ck_assert_uint_eq(sf__tcp_readable(t), 4000);
  /* out-of-order bytes count against the ceiling too */
  uint64_t refused = th_counter(&h, "tcp_mem_refused");
  for (uint32_t off = 6000; off < 26000; off += 2000) {
    send_at(&h, &c, pat, off, 1000);
    ck_assert_uint_le(tcp->mem.used, 10 * 1024);
  }
  th_drain(&h);
  ck_assert_uint_eq(t->ooo.held, 6000);
  ck_assert_uint_eq(th_counter(&h, "tcp_mem_refused"), refused + 4);
  ck_assert_uint_eq(tcp->mem.used, sf__tcb_buffer_bytes(t));
  /* under pressure: a new connection is offered less */
  ck_assert_uint_eq(th_counter(&h, "tcp_mem_pressure_conns"), 0);
  struct sf_tcb *t2 = th_open_std(&h, &c2, RPORT + 1, PEER_ISN);
  ck_assert_uint_eq(th_counter(&h, "tcp_mem_pressure_conns"), 1);
  ck_assert_uint_eq(t2->rcvbuf.limit, 256 * 1024 / 4);
  ck_assert_uint_le(th_info(t2).rcv_wnd, 1460);
  /* what was taken is intact */
  static uint8_t buf[4000];
  ck_assert_int_eq(sf__tcp_recv(t, buf, sizeof(buf), h.now), 4000);
  ck_assert(memcmp(buf, pat, sizeof(buf)) == 0);
  sf__tcp_abort(t2, h.now);
  sf__tcp_detach(t2, h.now);
  th_finish(&h, t);
}
END_TEST

static void thirty_two_kib_of_buffers(struct sf_engine_config *c) {
  c->mem_max = 32 * 1024;
}

/* The connection table has no count of its own: memory bounds it. Eight
 * connections each sent 8,000 bytes against a mem_max of 32 KiB: as it
 * fills, new connections get smaller buffers, then data that cannot be
 * stored is dropped unacknowledged and counted, never past the ceiling;
 * what each connection stored is intact and it stays ESTABLISHED. Once
 * they close, the memory is all given back and a new connection gets
 * full buffers and takes all its data. */
START_TEST(connections_past_mem_max_then_recovery) {
  enum { N = 8, BYTES = 8000 };
  static uint8_t pat[BYTES], buf[BYTES];
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i * 5 + (i >> 7));
  struct th h;
  struct th_conn c[N + 1];
  struct sf_tcb *t[N + 1];
  th_init(&h, thirty_two_kib_of_buffers);
  const struct sf_tcp *tcp = sf__engine_tcp(h.e);
  for (int k = 0; k < N; k++) {
    t[k] = th_open_std(&h, &c[k], (uint16_t)(RPORT + k), PEER_ISN);
    for (uint32_t off = 0; off < BYTES; off += 1000) {
      send_at(&h, &c[k], pat, off, 1000);
      ck_assert_uint_le(tcp->mem.used, 32 * 1024);
    }
    th_drain(&h);
  }
  ck_assert_uint_gt(th_counter(&h, "tcp_mem_pressure_conns"), 0);
  ck_assert_uint_gt(th_counter(&h, "tcp_mem_refused"), 0);
  ck_assert_uint_gt(th_counter(&h, "tcp_in_nomem_dropped"), 0);
  ck_assert_uint_eq(sf__tcp_readable(t[0]), BYTES); /* before the squeeze */
  for (int k = 0; k < N; k++) {
    ssize_t n = sf__tcp_recv(t[k], buf, sizeof(buf), h.now);
    ck_assert(n > 0 || n == SF_EAGAIN);
    if (n > 0)
      ck_assert(memcmp(buf, pat, (size_t)n) == 0);
    ck_assert_int_eq(sf__tcp_state(t[k]), SF_TCP_ESTABLISHED);
  }
  for (int k = 0; k < N; k++) {
    sf__tcp_abort(t[k], h.now);
    sf__tcp_detach(t[k], h.now);
  }
  th_drain(&h);
  ck_assert_uint_eq(tcp->mem.used, 0);
  uint64_t pressured = th_counter(&h, "tcp_mem_pressure_conns");
  uint64_t refused = th_counter(&h, "tcp_mem_refused");
  t[N] = th_open_std(&h, &c[N], RPORT + N, PEER_ISN);
  for (uint32_t off = 0; off < BYTES; off += 1000)
    send_at(&h, &c[N], pat, off, 1000);
  ck_assert_uint_eq(th_counter(&h, "tcp_mem_pressure_conns"), pressured);
  ck_assert_uint_eq(th_counter(&h, "tcp_mem_refused"), refused);
  ck_assert_uint_eq(sf__tcp_readable(t[N]), BYTES);
  th_finish(&h, t[N]);
}
END_TEST

/* Two 8 KiB receive buffers pass the pressure mark (15.75 KiB), and the
 * second still grows from 4 to 8 KiB (both held a moment) under it. */
static void twenty_one_kib_of_buffers(struct sf_engine_config *c) {
  c->mem_max = 21 * 1024;
}

/* An established connection that received `bytes` of pat. */
static struct sf_tcb *open_with(struct th *h, struct th_conn *c,
                                uint16_t rport, const uint8_t *pat,
                                uint32_t bytes) {
  struct sf_tcb *t = th_open_std(h, c, rport, PEER_ISN);
  for (uint32_t off = 0; off < bytes; off += 1000)
    send_at(h, c, pat, off, bytes - off < 1000 ? bytes - off : 1000);
  th_drain(h);
  ck_assert_uint_eq(sf__tcp_readable(t), bytes);
  return t;
}

static void abort_now(struct th *h, struct sf_tcb *t) {
  sf__tcp_abort(t, h->now);
  sf__tcp_detach(t, h->now);
  th_drain(h);
}

/* Freed control blocks and small buffers are kept for the next
 * connections (mem.c's pools), but not while memory is short: a tcb
 * freed past the pressure mark empties them, and they fill again once
 * the pressure is gone. */
START_TEST(pools_emptied_under_pressure) {
  static uint8_t pat[8000];
  memset(pat, 'p', sizeof(pat));
  struct th h;
  struct th_conn c[5];
  th_init(&h, twenty_one_kib_of_buffers);
  const struct sf_tcp *tcp = sf__engine_tcp(h.e);
  struct sf_tcb *first = open_with(&h, &c[0], RPORT, pat, 64);
  abort_now(&h, open_with(&h, &c[1], RPORT + 1, pat, 64));
  abort_now(&h, first);
  ck_assert_uint_eq(tcp->tcb_pool.len, 2);
  ck_assert_uint_eq(tcp->ring_pool.len, 2); /* their 64-byte rcvbufs */
  struct sf_tcb *small = open_with(&h, &c[2], RPORT + 2, pat, 64);
  ck_assert_uint_eq(tcp->tcb_pool.len, 1);
  ck_assert_uint_eq(tcp->ring_pool.len, 1);
  struct sf_tcb *big1 = open_with(&h, &c[3], RPORT + 3, pat, 8000);
  struct sf_tcb *big2 = open_with(&h, &c[4], RPORT + 4, pat, 8000);
  ck_assert(sf__tcp_mem_pressure(tcp));
  abort_now(&h, small); /* freed under pressure: everything kept goes */
  ck_assert_uint_eq(tcp->tcb_pool.len, 0);
  ck_assert_uint_eq(tcp->ring_pool.len, 0);
  abort_now(&h, big1); /* its 8 KiB back: no pressure, kept again */
  ck_assert(!sf__tcp_mem_pressure(tcp));
  ck_assert_uint_eq(tcp->tcb_pool.len, 1);
  abort_now(&h, big2);
  ck_assert_uint_eq(tcp->tcb_pool.len, 2);
  ck_assert_uint_eq(tcp->mem.used, 0);
  th_free(&h);
}
END_TEST

/* ------------------------------------------- blind injection at rate */

/* One blind segment into c's 4-tuple: a RST, a SYN or data with guessed
 * (uniformly random) sequence and acknowledgment numbers and no
 * timestamp (the attacker cannot see one; a segment without it passes
 * PAWS, the harder case). A guess that is right is not blind: a RST at
 * exactly RCV.NXT, or data both in the window and with an acceptable
 * ACK (odds below 2^-40 each), is drawn again. */
static struct th_seg blind_segment(struct sf_test_rng *r,
                                   const struct th_conn *c, uint32_t eng_max,
                                   uint8_t *junk, size_t cap) {
  static const uint16_t kinds[3] = {SF_TCP_RST, SF_TCP_SYN,
                                    SF_TCP_ACK | SF_TCP_PSH};
  for (;;) {
    struct th_seg g = th_conn_seg(c, kinds[sf_test_rng_below(r, 3)], NULL, 0);
    g.opts.present = 0;
    g.seq = (uint32_t)sf_test_rng_next(r);
    g.ack = (uint32_t)sf_test_rng_next(r);
    if (g.flags & SF_TCP_PSH) {
      g.len = 1 + sf_test_rng_below(r, cap);
      sf_test_rng_fill(r, junk, g.len);
      g.data = junk;
    }
    bool exact_rst = (g.flags & SF_TCP_RST) && g.seq == c->snd_nxt;
    bool in_window = (uint32_t)(g.seq - c->snd_nxt + (1u << 20)) < (2u << 20);
    bool ack_ok = (uint32_t)(eng_max - g.ack) < (1u << 21);
    if (!exact_rst && !((g.flags & SF_TCP_PSH) && in_window && ack_ok))
      return g;
  }
}

/* The peer's side of a transfer both ways: takes what the engine sent,
 * checks each new byte against the pattern, and acknowledges. */
static void take_and_ack(struct th *h, struct th_conn *c, const uint8_t *pat,
                         uint32_t *got, uint32_t *eng_max) {
  struct sf_tcp_hdr s;
  bool data = false;
  while (th_conn_next(h, c, &s)) {
    uint32_t end = s.seq.v + (uint32_t)s.payload_len;
    if ((int32_t)(end - *eng_max) > 0)
      *eng_max = end;
    if (s.payload_len == 0 || s.seq.v != c->rcv_nxt)
      continue;
    ck_assert(memcmp(h->payload, pat + *got, s.payload_len) == 0);
    *got += (uint32_t)s.payload_len;
    c->rcv_nxt = end;
    data = true;
  }
  if (data)
    th_conn_ack(h, c, c->rcv_nxt);
}

/* RFC 5961 at rate: while a transfer runs both ways (200 KB each), a
 * blind attacker sends 40 segments per legitimate one, 40,000 a second
 * of virtual time: RSTs, SYNs and data with guessed numbers, and ACKs of
 * data never sent. The connection survives and both streams arrive byte
 * for byte; challenge ACKs stay within challenge_ack_limit each second
 * (the rest counted as limited); every blind segment is counted where it
 * was dropped. */
START_TEST(blind_injection_at_rate_survives) {
  enum { TOTAL = 200000, PER = 1000, BLIND = 40 };
  static uint8_t up[TOTAL], down[TOTAL], buf[TOTAL], junk[1400];
  for (size_t i = 0; i < TOTAL; i++) {
    up[i] = (uint8_t)(i * 13 + (i >> 9));
    down[i] = (uint8_t)(i * 7 + (i >> 8));
  }
  struct sf_test_rng r;
  sf_test_rng_seed(&r, sf_test_seed(0xb11d5eed));
  struct th h;
  struct th_conn c;
  th_init(&h, NULL);
  struct sf_tcb *t = th_open_std(&h, &c, RPORT, PEER_ISN);
  sf_time_t t0 = h.now;
  uint32_t up_sent = 0, up_read = 0, down_written = 0, down_got = 0;
  uint32_t eng_max = c.rcv_nxt, blind = 0, unsent_acks = 0;
  while (up_read < TOTAL || down_got < TOTAL) {
    ck_assert_uint_lt(h.now - t0, 60 * SF_NSEC_PER_SEC);
    if (up_sent < TOTAL && up_sent - up_read < 64 * 1024) {
      th_conn_send(&h, &c, SF_TCP_ACK | SF_TCP_PSH, up + up_sent, PER);
      up_sent += PER;
    }
    for (int k = 0; k < BLIND; k++, blind++) {
      struct th_seg g;
      if (k == 0) { /* an ACK of data never sent, at the right seq */
        g = th_conn_seg(&c, SF_TCP_ACK, NULL, 0);
        g.ack = eng_max + 1 + sf_test_rng_below(&r, 1u << 30);
        unsent_acks++;
      } else {
        g = blind_segment(&r, &c, eng_max, junk, sizeof(junk));
      }
      th_inject(&h, &g);
    }
    ssize_t n = sf__tcp_recv(t, buf + up_read, TOTAL - up_read, h.now);
    if (n > 0) {
      ck_assert(memcmp(buf + up_read, up + up_read, (size_t)n) == 0);
      up_read += (uint32_t)n;
    }
    n = sf__tcp_send(t, down + down_written, TOTAL - down_written, h.now);
    ck_assert(n >= 0 || n == SF_EAGAIN);
    if (n > 0)
      down_written += (uint32_t)n;
    take_and_ack(&h, &c, down, &down_got, &eng_max);
    th_advance(&h, SF_NSEC_PER_MSEC);
    ck_assert_int_eq(sf__tcp_state(t), SF_TCP_ESTABLISHED);
  }
  uint64_t secs = (h.now - t0) / SF_NSEC_PER_SEC + 1;
  ck_assert_uint_ge(blind, 2000 * secs); /* at rate: > 2,000/s */
  uint64_t challenges = th_counter(&h, "tcp_challenge_acks");
  ck_assert_uint_le(challenges, 1000 * (secs + 1));
  ck_assert_uint_gt(th_counter(&h, "tcp_challenge_acks_limited"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_ack_too_new"), unsent_acks);
  ck_assert_uint_gt(th_counter(&h, "tcp_in_not_acceptable"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_in_rst"), 0);
  ck_assert_uint_eq(th_counter(&h, "tcp_conn_reset"), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_ERROR), 0);
  th_finish(&h, t);
}
END_TEST

static Suite *hostile_suite(void) {
  Suite *s = suite_create("tcp_hostile");
  TCase *tc = tcase_create("hostile");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, malformed_to_established);
  tcase_add_test(tc, malformed_to_listener);
  tcase_add_test(tc, closed_port_gets_rst);
  tcase_add_test(tc, data_after_abort_gets_rst);
  tcase_add_test(tc, random_flood_keeps_invariants);
  tcase_add_test(tc, sack_blocks_beyond_the_scoreboard_ignored);
  tcase_add_test(tc, tiny_mss_clamped);
  tcase_add_test(tc, orphan_in_zero_window_reset_after_retries);
  tcase_add_test(tc, attached_zero_window_probes_on_at_rto_max);
  tcase_add_test(tc, orphans_beyond_the_limit_reset_oldest_first);
  tcase_add_test(tc, out_of_order_memory_follows_the_data);
  tcase_add_test(tc, reset_frees_out_of_order_and_send_buffers);
  tcase_add_test(tc, out_of_order_buffers_within_rcvbuf);
  tcase_add_test(tc, memory_ceiling_never_exceeded);
  tcase_add_test(tc, connections_past_mem_max_then_recovery);
  tcase_add_test(tc, pools_emptied_under_pressure);
  tcase_add_test(tc, blind_injection_at_rate_survives);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(hostile_suite)
