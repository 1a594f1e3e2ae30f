/*
 * TCP headers (lib/wire/tcp.c): real Linux segments parsed field by field
 * and emitted back byte for byte; checksums (full, bad, skipped, partial
 * as left by checksum offload); every truncation; impossible data offsets
 * and flag sets; each flag bit including AE; emit into short buffers and
 * over its own payload; sequence space and a wraparound case; tcpdump's
 * flag strings.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/status.h"
#include "wire/tcp.h"

#define IP_A 0xc6120001u /* 198.18.0.1 */
#define IP_B 0xc6120002u /* 198.18.0.2 */
#define IP_C 0xc6120003u /* 198.18.0.3 */
#define IP_LO 0x7f000001u

/*
 * Captured from Linux 6.18 on a veth pair between two namespaces (TX
 * checksum offload off, so checksums are complete), tcpdump -xx; these
 * are the TCP segments (bytes 34.. of each frame) of one connection
 * 198.18.0.1.53682 <-> 198.18.0.2.50001 where the client sends "hello\n".
 */
/* Flags [S], seq 1151225794, win 64240, options [mss 1460,sackOK,TS val
 * 1417440365 ecr 0,nop,wscale 10], cksum 0xd695 (correct) */
static const char cap_syn[] =
    "d1b2 c351 449e 4fc2 0000 0000 a002 faf0 d695 0000"
    "0204 05b4 0402 080a 547c 6c6d 0000 0000 0103 030a";
/* 198.18.0.2 > .1: Flags [S.], seq 3667757927, ack 1151225795, win 65160,
 * options [mss 1460,sackOK,TS val 255997048 ecr 1417440365,nop,wscale 10] */
static const char cap_synack[] =
    "c351 d1b2 da9d 8b67 449e 4fc3 a012 fe88 292d 0000"
    "0204 05b4 0402 080a 0f42 3478 547c 6c6d 0103 030a";
/* Flags [P.], seq 1:7, ack 1, win 63, options [nop,nop,TS val 1417440415
 * ecr 255997048], length 6 ("hello\n") */
static const char cap_data[] =
    "d1b2 c351 449e 4fc3 da9d 8b68 8018 003f 122a 0000"
    "0101 080a 547c 6c9f 0f42 3478 6865 6c6c 6f0a";
/* Flags [F.], seq 7, ack 7, win 63, options [nop,nop,TS val 1417440465
 * ecr 255997098] */
static const char cap_fin[] =
    "d1b2 c351 449e 4fc9 da9d 8b6e 8011 003f 55a3 0000"
    "0101 080a 547c 6cd1 0f42 34aa";
/* Same setup, net.ipv4.tcp_ecn=1 (RFC 3168): 198.18.0.1.36128 >
 * 198.18.0.2.50003 Flags [SEW] and the reply Flags [S.E]. */
static const char cap_syn_ecn[] =
    "8d20 c353 7fbe 4ae3 0000 0000 a0c2 faf0 325c 0000"
    "0204 05b4 0402 080a ecfe 85b3 0000 0000 0103 030a";
static const char cap_synack_ecn[] =
    "c353 8d20 3818 3d73 7fbe 4ae4 a052 fe88 cea8 0000"
    "0204 05b4 0402 080a 66fb 8403 ecfe 85b3 0103 030a";
/* Same setup: Linux's duplicate ACK 198.18.0.2.50011 > 198.18.0.3.40000
 * after three out-of-order segments, Flags [.], ack 1001, options [nop,nop,
 * TS val 3888964555 ecr 101,nop,nop,sack 3 {1501:1601}{1301:1401}
 * {1101:1201}], cksum 0xb8a3 (correct). */
static const char cap_sack[] =
    "c35b 9c40 dcbe 8f8c 0000 03e9 f010 0040 b8a3 0000"
    "0101 080a e7cc e3cb 0000 0065 0101 051a 0000 05dd 0000 0641"
    "0000 0515 0000 0579 0000 044d 0000 04b1";
/*
 * Captured from Linux 6.18 loopback (127.0.0.1.58620 > 127.0.0.1.50000),
 * tcpdump -xx. Loopback leaves CHECKSUM_PARTIAL: the field holds only the
 * folded pseudo-header sum (0xfe30 for 40 bytes), as our PARTIAL_CSUM.
 */
static const char cap_lo_syn[] =
    "e4fc c350 1c10 61d0 0000 0000 a002 ffd7 fe30 0000"
    "0204 ffd7 0402 080a c3b5 53fb 0000 0000 0103 030a";
static const char cap_lo_data[] =
    "e4fc c350 1c10 61d1 3aaa 8a6a 8018 0040 fe2e 0000"
    "0101 080a c3b5 542d 81c1 f171 6865 6c6c 6f0a";

static size_t load(const char *hex, uint8_t *buf) {
  return sf_test_hex(hex, buf, 128);
}

/* Parses seg, emits the result again and insists on the same bytes. */
static void assert_emits_back(const uint8_t *seg, size_t len, uint32_t src,
                              uint32_t dst, unsigned emit_flags) {
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, src, dst, SF_WIRE_SKIP_CHECKSUM, &h),
                   SF_WIRE_OK);
  uint8_t out[128];
  memset(out, 0xee, sizeof out);
  ck_assert_int_eq(sf__tcp_emit(&h, h.payload, h.payload_len, src, dst,
                                emit_flags, out, sizeof out),
                   (int)len);
  ck_assert_mem_eq(out, seg, len);
  ck_assert_uint_eq(out[len], 0xee); /* nothing written past the segment */
}

START_TEST(test_real_syn) {
  uint8_t seg[128];
  size_t len = load(cap_syn, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.sport, 53682);
  ck_assert_uint_eq(h.dport, 50001);
  ck_assert_uint_eq(h.seq.v, 1151225794u);
  ck_assert_uint_eq(h.ack.v, 0);
  ck_assert_uint_eq(h.hdr_len, 40);
  ck_assert_uint_eq(h.flags, SF_TCP_SYN);
  ck_assert_uint_eq(h.window, 64240);
  ck_assert_uint_eq(h.checksum, 0xd695);
  ck_assert_uint_eq(h.urgent, 0);
  ck_assert_uint_eq(h.opts.present, SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM |
                                        SF_TCP_OPT_TIMESTAMP |
                                        SF_TCP_OPT_WSCALE);
  ck_assert_uint_eq(h.opts.mss, 1460);
  ck_assert_uint_eq(h.opts.ts_val, 1417440365u);
  ck_assert_uint_eq(h.opts.ts_ecr, 0);
  ck_assert_uint_eq(h.opts.wscale, 10);
  ck_assert_uint_eq(h.opts.unknown_count, 0);
  ck_assert_ptr_eq(h.payload, seg + 40);
  ck_assert_uint_eq(h.payload_len, 0);
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 1);
  ck_assert(sf__tcp_checksum_ok(seg, len, IP_A, IP_B));
  assert_emits_back(seg, len, IP_A, IP_B, 0);

  /* Built from literal values, not from the parse: the same bytes. */
  struct sf_tcp_hdr b;
  memset(&b, 0, sizeof b);
  b.sport = 53682;
  b.dport = 50001;
  b.seq = sf_seq(1151225794u);
  b.flags = SF_TCP_SYN;
  b.window = 64240;
  b.opts.present = SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM |
                   SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_WSCALE;
  b.opts.mss = 1460;
  b.opts.ts_val = 1417440365u;
  b.opts.wscale = 10;
  b.hdr_len = 99;      /* ignored */
  b.checksum = 0x1234; /* ignored */
  uint8_t out[64];
  ck_assert_int_eq(sf__tcp_emit(&b, NULL, 0, IP_A, IP_B, 0, out, sizeof out),
                   40);
  ck_assert_mem_eq(out, seg, 40);
}
END_TEST

START_TEST(test_real_synack) {
  uint8_t seg[128];
  size_t len = load(cap_synack, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_B, IP_A, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.sport, 50001);
  ck_assert_uint_eq(h.dport, 53682);
  ck_assert_uint_eq(h.seq.v, 3667757927u);
  ck_assert_uint_eq(h.ack.v, 1151225795u);
  ck_assert_uint_eq(h.hdr_len, 40);
  ck_assert_uint_eq(h.flags, SF_TCP_SYN | SF_TCP_ACK);
  ck_assert_uint_eq(h.window, 65160);
  ck_assert_uint_eq(h.checksum, 0x292d);
  ck_assert_uint_eq(h.opts.mss, 1460);
  ck_assert_uint_eq(h.opts.ts_val, 255997048u);
  ck_assert_uint_eq(h.opts.ts_ecr, 1417440365u);
  ck_assert_uint_eq(h.opts.wscale, 10);
  ck_assert_uint_eq(h.payload_len, 0);
  assert_emits_back(seg, len, IP_B, IP_A, 0);
}
END_TEST

START_TEST(test_real_data) {
  uint8_t seg[128];
  size_t len = load(cap_data, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.sport, 53682);
  ck_assert_uint_eq(h.dport, 50001);
  ck_assert_uint_eq(h.seq.v, 1151225795u);
  ck_assert_uint_eq(h.ack.v, 3667757928u);
  ck_assert_uint_eq(h.hdr_len, 32);
  ck_assert_uint_eq(h.flags, SF_TCP_PSH | SF_TCP_ACK);
  ck_assert_uint_eq(h.window, 63);
  ck_assert_uint_eq(h.checksum, 0x122a);
  ck_assert_uint_eq(h.urgent, 0);
  ck_assert_uint_eq(h.opts.present, SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(h.opts.ts_val, 1417440415u);
  ck_assert_uint_eq(h.opts.ts_ecr, 255997048u);
  ck_assert_ptr_eq(h.payload, seg + 32);
  ck_assert_uint_eq(h.payload_len, 6);
  ck_assert_mem_eq(h.payload, "hello\n", 6);
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 6);
  assert_emits_back(seg, len, IP_A, IP_B, 0);
}
END_TEST

START_TEST(test_real_fin) {
  uint8_t seg[128];
  size_t len = load(cap_fin, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.seq.v, 1151225801u);
  ck_assert_uint_eq(h.ack.v, 3667757934u);
  ck_assert_uint_eq(h.flags, SF_TCP_FIN | SF_TCP_ACK);
  ck_assert_uint_eq(h.window, 63);
  ck_assert_uint_eq(h.checksum, 0x55a3);
  ck_assert_uint_eq(h.opts.ts_val, 1417440465u);
  ck_assert_uint_eq(h.opts.ts_ecr, 255997098u);
  ck_assert_uint_eq(h.payload_len, 0);
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 1);
  assert_emits_back(seg, len, IP_A, IP_B, 0);
}
END_TEST

START_TEST(test_real_ecn_handshake) {
  uint8_t seg[128];
  size_t len = load(cap_syn_ecn, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, SF_TCP_SYN | SF_TCP_ECE | SF_TCP_CWR);
  ck_assert_uint_eq(h.seq.v, 2143177443u);
  ck_assert_uint_eq(h.opts.ts_val, 3976103347u);
  assert_emits_back(seg, len, IP_A, IP_B, 0);
  char f[12];
  ck_assert_str_eq(sf__tcp_flags_format(h.flags, f), "SEW");

  len = load(cap_synack_ecn, seg);
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_B, IP_A, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, SF_TCP_SYN | SF_TCP_ACK | SF_TCP_ECE);
  ck_assert_uint_eq(h.seq.v, 941112691u);
  ck_assert_uint_eq(h.ack.v, 2143177444u);
  assert_emits_back(seg, len, IP_B, IP_A, 0);
  ck_assert_str_eq(sf__tcp_flags_format(h.flags, f), "S.E");
}
END_TEST

START_TEST(test_real_sack) {
  uint8_t seg[128];
  size_t len = load(cap_sack, seg);
  ck_assert_uint_eq(len, 60);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_B, IP_C, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.hdr_len, 60); /* the largest header there is */
  ck_assert_uint_eq(h.sport, 50011);
  ck_assert_uint_eq(h.dport, 40000);
  ck_assert_uint_eq(h.seq.v, 3703476108u);
  ck_assert_uint_eq(h.ack.v, 1001);
  ck_assert_uint_eq(h.flags, SF_TCP_ACK);
  ck_assert_uint_eq(h.window, 64);
  ck_assert_uint_eq(h.opts.present, SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_SACK);
  ck_assert_uint_eq(h.opts.sack_count, 3);
  ck_assert_uint_eq(h.opts.sack[0].left.v, 1501);
  ck_assert_uint_eq(h.opts.sack[2].right.v, 1201);
  ck_assert_uint_eq(h.payload_len, 0);
  assert_emits_back(seg, len, IP_B, IP_C, 0);
}
END_TEST

START_TEST(test_bad_checksum) {
  uint8_t seg[128];
  size_t len = load(cap_data, seg);
  struct sf_tcp_hdr h;
  /* Each single-bit error anywhere is caught: header, options, payload. */
  for (size_t i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      seg[i] ^= (uint8_t)(1u << bit);
      ck_assert(!sf__tcp_checksum_ok(seg, len, IP_A, IP_B));
      int rc = sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h);
      /* A flip in the data offset may fail the length check first. */
      if (i != 12 || bit < 4)
        ck_assert_int_eq(rc, SF_WIRE_BAD_CHECKSUM);
      else
        ck_assert_int_ne(rc, SF_WIRE_OK);
      seg[i] ^= (uint8_t)(1u << bit);
    }
  }
  /* The pseudo-header counts: other addresses or a shorter length fail. */
  ck_assert(sf__tcp_checksum_ok(seg, len, IP_A, IP_B));
  ck_assert(!sf__tcp_checksum_ok(seg, len, IP_A, IP_C));
  ck_assert(!sf__tcp_checksum_ok(seg, len - 1, IP_A, IP_B));
  /* SKIP_CHECKSUM parses a segment whose checksum is wrong. */
  seg[16] ^= 0xff;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h),
                   SF_WIRE_BAD_CHECKSUM);
  ck_assert_int_eq(
      sf__tcp_parse(seg, len, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_OK);
  ck_assert_uint_eq(h.checksum, 0x122a ^ 0xff00);
  ck_assert_uint_eq(h.payload_len, 6);
}
END_TEST

/*
 * The loopback captures carry only the pseudo-header sum. Emitting them
 * with PARTIAL_CSUM gives the captured bytes back exactly; completing
 * the sum over the segment, as a NIC would, gives a valid checksum.
 */
START_TEST(test_partial_checksum) {
  const char *caps[] = {cap_lo_syn, cap_lo_data};
  for (size_t c = 0; c < 2; c++) {
    uint8_t seg[128];
    size_t len = load(caps[c], seg);
    struct sf_tcp_hdr h;
    ck_assert_int_eq(sf__tcp_parse(seg, len, IP_LO, IP_LO, 0, &h),
                     SF_WIRE_BAD_CHECKSUM);
    ck_assert_int_eq(
        sf__tcp_parse(seg, len, IP_LO, IP_LO, SF_WIRE_SKIP_CHECKSUM, &h),
        SF_WIRE_OK);
    ck_assert_uint_eq(h.checksum,
                      sf__csum_pseudo_ipv4(IP_LO, IP_LO, 6, (uint16_t)len));
    assert_emits_back(seg, len, IP_LO, IP_LO, SF_TCP_EMIT_PARTIAL_CSUM);

    /* Finish it as the device does: sum from the header on, complement. */
    uint16_t csum = sf__csum_finish(sf__csum_add(0, seg, len));
    seg[16] = (uint8_t)(csum >> 8);
    seg[17] = (uint8_t)csum;
    ck_assert(sf__tcp_checksum_ok(seg, len, IP_LO, IP_LO));
    ck_assert_int_eq(sf__tcp_parse(seg, len, IP_LO, IP_LO, 0, &h), SF_WIRE_OK);
    /* ... which is what a full emit writes. */
    uint8_t full[128];
    ck_assert_int_eq(sf__tcp_emit(&h, h.payload, h.payload_len, IP_LO, IP_LO, 0,
                                  full, sizeof full),
                     (int)len);
    ck_assert_mem_eq(full, seg, len);
  }
  /* By hand: 7f00+0001+7f00+0001+0006+0028 = fe30. */
  uint8_t seg[128];
  load(cap_lo_syn, seg);
  ck_assert_uint_eq(seg[16] << 8 | seg[17], 0xfe30);
}
END_TEST

START_TEST(test_truncated) {
  uint8_t seg[128];
  size_t len = load(cap_syn, seg);
  struct sf_tcp_hdr h;
  /* Below the fixed header. */
  for (size_t n = 0; n < SF_TCP_MIN_HDR_LEN; n++)
    ck_assert_int_eq(sf__tcp_parse(seg, n, IP_A, IP_B, 0, &h),
                     SF_WIRE_TRUNCATED);
  /* Below the data offset (40): the options are cut. */
  for (size_t n = SF_TCP_MIN_HDR_LEN; n < len; n++) {
    ck_assert_int_eq(sf__tcp_parse(seg, n, IP_A, IP_B, 0, &h),
                     SF_WIRE_TRUNCATED);
    ck_assert_int_eq(
        sf__tcp_parse(seg, n, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
        SF_WIRE_TRUNCATED);
  }
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  /* A cut payload is a checksum failure; the length is the IP layer's. */
  len = load(cap_data, seg);
  ck_assert_int_eq(sf__tcp_parse(seg, len - 1, IP_A, IP_B, 0, &h),
                   SF_WIRE_BAD_CHECKSUM);
  ck_assert_int_eq(
      sf__tcp_parse(seg, len - 1, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_OK);
  ck_assert_uint_eq(h.payload_len, 5);
}
END_TEST

/* Computed by hand: data offsets 0..4 and offsets past the segment. */
START_TEST(test_bad_data_offset) {
  uint8_t seg[128];
  size_t len = load(cap_syn, seg);
  struct sf_tcp_hdr h;
  for (uint8_t off = 0; off < 5; off++) {
    seg[12] = (uint8_t)(off << 4);
    ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h),
                     SF_WIRE_BAD_LENGTH);
    ck_assert_int_eq(
        sf__tcp_parse(seg, len, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
        SF_WIRE_BAD_LENGTH);
  }
  /* A 20-byte segment claiming 24 bytes of header. */
  uint8_t ack[20];
  sf_test_hex("d1b2 c351 449e 4fc3 da9d 8b68 6010 003f 0000 0000", ack,
              sizeof ack);
  ck_assert_int_eq(
      sf__tcp_parse(ack, sizeof ack, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_TRUNCATED);
  /* Offset 15 (60 bytes) with 59 and 60 bytes present. */
  uint8_t big[60];
  memset(big, 0, sizeof big);
  memcpy(big, ack, sizeof ack);
  big[12] = 0xf0;
  ck_assert_int_eq(
      sf__tcp_parse(big, 59, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_TRUNCATED);
  /* 40 bytes of EOL options are fine. */
  ck_assert_int_eq(
      sf__tcp_parse(big, 60, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_OK);
  ck_assert_uint_eq(h.hdr_len, 60);
  ck_assert_uint_eq(h.opts.present, 0);
}
END_TEST

START_TEST(test_oversized_segment) {
  static uint8_t seg[65536];
  uint8_t hdr[64];
  size_t n = load(cap_fin, hdr);
  memcpy(seg, hdr, n);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(
      sf__tcp_parse(seg, 65536, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_BAD_LENGTH);
  ck_assert(!sf__tcp_checksum_ok(seg, 65536, IP_A, IP_B));
  /* 65535 is the largest a pseudo-header can describe. */
  ck_assert_int_eq(
      sf__tcp_parse(seg, 65535, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_OK);
  ck_assert_uint_eq(h.payload_len, 65535 - 32);
  /* Emit refuses a segment over 65535 bytes before touching buf. */
  ck_assert_int_eq(
      sf__tcp_emit(&h, seg, 65535 - 31, IP_A, IP_B, 0, seg, sizeof seg),
      SF_WIRE_BAD_LENGTH);
  ck_assert_int_eq(sf__tcp_emit(&h, h.payload, h.payload_len, IP_A, IP_B, 0,
                                seg, sizeof seg),
                   65535);
  ck_assert(sf__tcp_checksum_ok(seg, 65535, IP_A, IP_B));
}
END_TEST

static struct sf_tcp_hdr plain_hdr(uint16_t flags) {
  struct sf_tcp_hdr h;
  memset(&h, 0, sizeof h);
  h.sport = 40000;
  h.dport = 80;
  h.seq = sf_seq(1000);
  h.ack = sf_seq(2000);
  h.flags = flags;
  h.window = 65535;
  return h;
}

/* Computed by hand: no valid segment has SYN with FIN or RST. */
START_TEST(test_impossible_flags) {
  static const uint16_t bad[] = {
      SF_TCP_SYN | SF_TCP_FIN, SF_TCP_SYN | SF_TCP_RST,
      SF_TCP_SYN | SF_TCP_FIN | SF_TCP_RST,
      SF_TCP_SYN | SF_TCP_FIN | SF_TCP_ACK | SF_TCP_PSH, SF_TCP_FLAGS_MASK};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sf_tcp_hdr h = plain_hdr(bad[i]);
    uint8_t seg[64];
    ck_assert_int_eq(sf__tcp_emit(&h, NULL, 0, IP_A, IP_B, 0, seg, sizeof seg),
                     20);
    struct sf_tcp_hdr p;
    ck_assert_int_eq(sf__tcp_parse(seg, 20, IP_A, IP_B, 0, &p),
                     SF_WIRE_BAD_FLAGS);
  }
  /* FIN with RST (no SYN) is odd but not impossible. */
  struct sf_tcp_hdr h = plain_hdr(SF_TCP_FIN | SF_TCP_RST | SF_TCP_ACK);
  uint8_t seg[64];
  ck_assert_int_eq(sf__tcp_emit(&h, NULL, 0, IP_A, IP_B, 0, seg, sizeof seg),
                   20);
  struct sf_tcp_hdr p;
  ck_assert_int_eq(sf__tcp_parse(seg, 20, IP_A, IP_B, 0, &p), SF_WIRE_OK);
}
END_TEST

/*
 * Computed by hand (RFC 9293 3.1, RFC 3168 6.1, RFC 9768 AE): each of
 * the nine bits alone, where it sits on the wire and how it parses.
 */
START_TEST(test_each_flag_bit) {
  for (unsigned bit = 0; bit < 9; bit++) {
    uint16_t f = (uint16_t)(1u << bit);
    struct sf_tcp_hdr h = plain_hdr(f);
    uint8_t seg[64];
    ck_assert_int_eq(sf__tcp_emit(&h, NULL, 0, IP_A, IP_B, 0, seg, sizeof seg),
                     20);
    /* Byte 12: data offset 5 in the high nibble, AE in bit 0. */
    ck_assert_uint_eq(seg[12], bit == 8 ? 0x51 : 0x50);
    ck_assert_uint_eq(seg[13], bit == 8 ? 0x00 : f);
    struct sf_tcp_hdr p;
    ck_assert_int_eq(sf__tcp_parse(seg, 20, IP_A, IP_B, 0, &p), SF_WIRE_OK);
    ck_assert_uint_eq(p.flags, f);
    ck_assert_uint_eq(sf__tcp_seg_len(&p), f == SF_TCP_SYN || f == SF_TCP_FIN);
  }
}
END_TEST

/* Computed by hand: the three reserved bits are ignored both ways. */
START_TEST(test_reserved_bits_ignored) {
  uint8_t seg[128];
  size_t len = load(cap_fin, seg);
  uint16_t old_word = (uint16_t)(seg[12] << 8 | seg[13]);
  seg[12] |= 0x0e;
  uint16_t new_word = (uint16_t)(seg[12] << 8 | seg[13]);
  uint16_t csum = sf__csum_update16(0x55a3, old_word, new_word);
  seg[16] = (uint8_t)(csum >> 8);
  seg[17] = (uint8_t)csum;
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  ck_assert_uint_eq(h.flags, SF_TCP_FIN | SF_TCP_ACK);
  ck_assert_uint_eq(h.hdr_len, 32);
  /* Bits above the nine in h->flags are not written. */
  struct sf_tcp_hdr e = plain_hdr(0xfe00 | SF_TCP_ACK);
  ck_assert_int_eq(sf__tcp_emit(&e, NULL, 0, IP_A, IP_B, 0, seg, sizeof seg),
                   20);
  ck_assert_uint_eq(seg[12], 0x50);
  ck_assert_uint_eq(seg[13], 0x10);
}
END_TEST

START_TEST(test_option_errors_from_parse) {
  /* Computed by hand: a 24-byte header whose MSS option has length 3. */
  uint8_t seg[24];
  sf_test_hex("9c40 0050 0000 03e8 0000 0000 6002 ffff 0000 0000"
              "0203 0500",
              seg, sizeof seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(
      sf__tcp_parse(seg, sizeof seg, IP_A, IP_B, SF_WIRE_SKIP_CHECKSUM, &h),
      SF_WIRE_BAD_OPTION);
  /* An option running into the payload is past the option area. */
  sf_test_hex("9c40 0050 0000 03e8 0000 0000 6002 ffff 0000 0000"
              "0101 0204",
              seg, sizeof seg);
  uint8_t longer[28];
  memcpy(longer, seg, 24);
  memcpy(longer + 24, "\x05\xb4\x00\x00", 4);
  ck_assert_int_eq(sf__tcp_parse(longer, sizeof longer, IP_A, IP_B,
                                 SF_WIRE_SKIP_CHECKSUM, &h),
                   SF_WIRE_BAD_OPTION);
  /* Emit refuses options that do not fit. */
  struct sf_tcp_hdr e = plain_hdr(SF_TCP_ACK);
  e.opts.present = SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_SACK;
  e.opts.sack_count = 4;
  uint8_t out[128];
  ck_assert_int_eq(sf__tcp_emit(&e, NULL, 0, IP_A, IP_B, 0, out, sizeof out),
                   SF_WIRE_BAD_OPTION);
}
END_TEST

START_TEST(test_emit_no_space) {
  uint8_t seg[128];
  size_t len = load(cap_data, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);
  uint8_t out[128];
  for (size_t cap = 0; cap < len; cap++) {
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(
        sf__tcp_emit(&h, h.payload, h.payload_len, IP_A, IP_B, 0, out, cap),
        SF_WIRE_NO_SPACE);
    /* Nothing is written when it does not fit. */
    for (size_t i = 0; i < sizeof out; i++)
      ck_assert_uint_eq(out[i], 0xee);
  }
  ck_assert_int_eq(
      sf__tcp_emit(&h, h.payload, h.payload_len, IP_A, IP_B, 0, out, len),
      (int)len);
}
END_TEST

/* The payload may already sit in place, or overlap where the header goes. */
START_TEST(test_emit_overlapping_payload) {
  uint8_t seg[128];
  size_t len = load(cap_data, seg);
  struct sf_tcp_hdr h;
  ck_assert_int_eq(sf__tcp_parse(seg, len, IP_A, IP_B, 0, &h), SF_WIRE_OK);

  uint8_t buf[128];
  memset(buf, 0, sizeof buf);
  memcpy(buf + 32, "hello\n", 6); /* in place */
  ck_assert_int_eq(
      sf__tcp_emit(&h, buf + 32, 6, IP_A, IP_B, 0, buf, sizeof buf), (int)len);
  ck_assert_mem_eq(buf, seg, len);

  memset(buf, 0, sizeof buf);
  memcpy(buf + 3, "hello\n", 6); /* under the header to be written */
  ck_assert_int_eq(sf__tcp_emit(&h, buf + 3, 6, IP_A, IP_B, 0, buf, sizeof buf),
                   (int)len);
  ck_assert_mem_eq(buf, seg, len);

  memset(buf, 0, sizeof buf);
  memcpy(buf + 35, "hello\n", 6); /* overlapping its own destination */
  ck_assert_int_eq(
      sf__tcp_emit(&h, buf + 35, 6, IP_A, IP_B, 0, buf, sizeof buf), (int)len);
  ck_assert_mem_eq(buf, seg, len);
}
END_TEST

/* Computed by hand: a segment whose payload crosses sequence number 0. */
START_TEST(test_seq_wraparound) {
  struct sf_tcp_hdr h = plain_hdr(SF_TCP_ACK | SF_TCP_PSH);
  h.seq = sf_seq(0xfffffff0u);
  h.ack = sf_seq(0xffffffffu);
  uint8_t payload[32];
  for (size_t i = 0; i < sizeof payload; i++)
    payload[i] = (uint8_t)i;
  uint8_t seg[128];
  int n =
      sf__tcp_emit(&h, payload, sizeof payload, IP_A, IP_B, 0, seg, sizeof seg);
  ck_assert_int_eq(n, 52);
  /* seq bytes on the wire */
  ck_assert_uint_eq(seg[4], 0xff);
  ck_assert_uint_eq(seg[7], 0xf0);
  struct sf_tcp_hdr p;
  ck_assert_int_eq(sf__tcp_parse(seg, (size_t)n, IP_A, IP_B, 0, &p),
                   SF_WIRE_OK);
  ck_assert_uint_eq(p.seq.v, 0xfffffff0u);
  ck_assert_uint_eq(p.ack.v, 0xffffffffu);
  ck_assert_uint_eq(sf__tcp_seg_len(&p), 32);
  sf_seq_t end = sf_seq_add(p.seq, sf__tcp_seg_len(&p));
  ck_assert_uint_eq(end.v, 0x10);
  ck_assert(sf_seq_lt(p.seq, end));
  ck_assert(sf_seq_in_range(sf_seq(0), p.seq, end));
  ck_assert(sf_seq_in_range(sf_seq(0xffffffffu), p.seq, end));
  ck_assert(!sf_seq_in_range(end, p.seq, end));
  ck_assert_mem_eq(p.payload, payload, sizeof payload);
  /* With FIN, the sequence space is one more and still wraps. */
  h.flags |= SF_TCP_FIN;
  n = sf__tcp_emit(&h, payload, sizeof payload, IP_A, IP_B, 0, seg, sizeof seg);
  ck_assert_int_eq(sf__tcp_parse(seg, (size_t)n, IP_A, IP_B, 0, &p),
                   SF_WIRE_OK);
  ck_assert_uint_eq(sf_seq_add(p.seq, sf__tcp_seg_len(&p)).v, 0x11);
}
END_TEST

START_TEST(test_seg_len) {
  struct sf_tcp_hdr h = plain_hdr(SF_TCP_ACK);
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 0);
  h.flags = SF_TCP_SYN;
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 1);
  h.flags = SF_TCP_SYN | SF_TCP_ACK;
  h.payload_len = 10; /* data on a SYN (TFO) counts too */
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 11);
  h.flags = SF_TCP_FIN | SF_TCP_ACK | SF_TCP_PSH;
  h.payload_len = 1460;
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 1461);
  h.flags = SF_TCP_RST | SF_TCP_ACK;
  h.payload_len = 0;
  ck_assert_uint_eq(sf__tcp_seg_len(&h), 0);
}
END_TEST

/*
 * Strings as tcpdump 4.99 prints them ("Flags [S.]" etc., the first six
 * seen in the captures above); AE is "e" as in tcpdump's current source.
 */
START_TEST(test_flags_format) {
  static const struct {
    uint16_t flags;
    const char *s;
  } cases[] = {
      {SF_TCP_SYN, "S"},
      {SF_TCP_SYN | SF_TCP_ACK, "S."},
      {SF_TCP_ACK, "."},
      {SF_TCP_PSH | SF_TCP_ACK, "P."},
      {SF_TCP_FIN | SF_TCP_ACK, "F."},
      {SF_TCP_RST | SF_TCP_ACK, "R."},
      {SF_TCP_RST, "R"},
      {SF_TCP_SYN | SF_TCP_ECE | SF_TCP_CWR, "SEW"},
      {SF_TCP_SYN | SF_TCP_ACK | SF_TCP_ECE, "S.E"},
      {SF_TCP_SYN | SF_TCP_ECE | SF_TCP_CWR | SF_TCP_AE, "SEWe"},
      {SF_TCP_URG | SF_TCP_ACK, ".U"},
      {SF_TCP_AE, "e"},
      {SF_TCP_FIN | SF_TCP_PSH | SF_TCP_URG, "FPU"},
      {SF_TCP_FLAGS_MASK, "FSRP.UEWe"},
      {0xfe00 | SF_TCP_ACK, "."},
      {0, "none"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[12];
    memset(out, 'x', sizeof out);
    ck_assert_ptr_eq(sf__tcp_flags_format(cases[i].flags, out), out);
    ck_assert_str_eq(out, cases[i].s);
  }
}
END_TEST

static Suite *tcp_suite(void) {
  Suite *s = suite_create("tcp");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_real_syn);
  tcase_add_test(tc, test_real_synack);
  tcase_add_test(tc, test_real_data);
  tcase_add_test(tc, test_real_fin);
  tcase_add_test(tc, test_real_ecn_handshake);
  tcase_add_test(tc, test_real_sack);
  tcase_add_test(tc, test_bad_checksum);
  tcase_add_test(tc, test_partial_checksum);
  tcase_add_test(tc, test_truncated);
  tcase_add_test(tc, test_bad_data_offset);
  tcase_add_test(tc, test_oversized_segment);
  tcase_add_test(tc, test_impossible_flags);
  tcase_add_test(tc, test_each_flag_bit);
  tcase_add_test(tc, test_reserved_bits_ignored);
  tcase_add_test(tc, test_option_errors_from_parse);
  tcase_add_test(tc, test_emit_no_space);
  tcase_add_test(tc, test_emit_overlapping_payload);
  tcase_add_test(tc, test_seq_wraparound);
  tcase_add_test(tc, test_seg_len);
  tcase_add_test(tc, test_flags_format);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(tcp_suite)
