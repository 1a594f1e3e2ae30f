/*
 * TCP options (lib/wire/tcp_opts.c): every option kind Linux sends, taken
 * from real captures; every malformed length; unknown options, EOL and
 * NOPs; the emitter's layout byte for byte; sf__tcp_opts_len for each
 * combination, including ones that do not fit in 40 bytes; and a seeded
 * emit -> parse round trip.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "wire/status.h"
#include "wire/tcp.h"

/*
 * Captured from Linux 6.18 veth between two namespaces, tcpdump -xx: the
 * option area of a SYN 198.18.0.1.53682 > 198.18.0.2.50001, "options [mss
 * 1460,sackOK,TS val 1417440365 ecr 0,nop,wscale 10]".
 */
static const char linux_syn_opts[] =
    "0204 05b4 0402 080a 547c 6c6d 0000 0000 0103 030a";

/*
 * Captured from Linux 6.18 veth, tcpdump -xx: the option area of a
 * duplicate ACK 198.18.0.2.50011 > 198.18.0.3.40000 after three
 * out-of-order segments, "options [nop,nop,TS val 3888964555 ecr 101,
 * nop,nop,sack 3 {1501:1601}{1301:1401}{1101:1201}]" (absolute numbers).
 */
static const char linux_sack3_opts[] =
    "0101 080a e7cc e3cb 0000 0065 0101 051a 0000 05dd 0000 0641"
    "0000 0515 0000 0579 0000 044d 0000 04b1";

/* Captured as above: the first such ACK, one SACK block {1101:1201}. */
static const char linux_sack1_opts[] =
    "0101 080a e7cc e366 0000 0065 0101 050a 0000 044d 0000 04b1";

static size_t hex(const char *h, uint8_t *out) {
  return sf_test_hex(h, out, 64);
}

START_TEST(test_linux_syn_options) {
  uint8_t b[64];
  size_t n = hex(linux_syn_opts, b);
  struct sf_tcp_opts o;
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM |
                                   SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_WSCALE);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.ts_val, 1417440365u);
  ck_assert_uint_eq(o.ts_ecr, 0);
  ck_assert_uint_eq(o.wscale, 10);
  ck_assert_uint_eq(o.sack_count, 0);
  ck_assert_uint_eq(o.unknown_count, 0);
  /* Linux's SYN layout is exactly the emitter's. */
  uint8_t out[40];
  ck_assert_int_eq(sf__tcp_opts_len(&o), 20);
  ck_assert_int_eq(sf__tcp_opts_emit(&o, out, sizeof out), 20);
  ck_assert_mem_eq(out, b, 20);
}
END_TEST

START_TEST(test_linux_sack_options) {
  uint8_t b[64];
  size_t n = hex(linux_sack3_opts, b);
  ck_assert_uint_eq(n, 40);
  struct sf_tcp_opts o;
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_SACK);
  ck_assert_uint_eq(o.ts_val, 3888964555u);
  ck_assert_uint_eq(o.ts_ecr, 101);
  ck_assert_uint_eq(o.sack_count, 3);
  /* Most recent block first (RFC 2018 4). */
  ck_assert_uint_eq(o.sack[0].left.v, 1501);
  ck_assert_uint_eq(o.sack[0].right.v, 1601);
  ck_assert_uint_eq(o.sack[1].left.v, 1301);
  ck_assert_uint_eq(o.sack[1].right.v, 1401);
  ck_assert_uint_eq(o.sack[2].left.v, 1101);
  ck_assert_uint_eq(o.sack[2].right.v, 1201);
  uint8_t out[40];
  ck_assert_int_eq(sf__tcp_opts_emit(&o, out, sizeof out), 40);
  ck_assert_mem_eq(out, b, 40);

  n = hex(linux_sack1_opts, b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.sack_count, 1);
  ck_assert_uint_eq(o.sack[0].left.v, 1101);
  ck_assert_uint_eq(o.sack[0].right.v, 1201);
  ck_assert_int_eq(sf__tcp_opts_emit(&o, out, sizeof out), 24);
  ck_assert_mem_eq(out, b, 24);
}
END_TEST

/* Computed by hand from RFC 9293 3.1, RFC 7323 and RFC 2018: each kind. */
START_TEST(test_each_kind_alone) {
  uint8_t b[64];
  struct sf_tcp_opts o;
  size_t n = hex("0204 ffd7", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_MSS);
  ck_assert_uint_eq(o.mss, 65495);

  n = hex("0303 0e", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_WSCALE);
  ck_assert_uint_eq(o.wscale, 14);
  /* Above 14 is kept as received; clamping is the caller's (RFC 7323). */
  n = hex("0303 ff", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.wscale, 255);

  n = hex("0402", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_SACK_PERM);

  n = hex("080a ffff fffe 0000 0001", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_TIMESTAMP);
  ck_assert_uint_eq(o.ts_val, 0xfffffffeu);
  ck_assert_uint_eq(o.ts_ecr, 1);

  /* SACK with 1..4 blocks; the edges of a block cross the wrap. */
  n = hex("050a ffff fff0 0000 0010", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_SACK);
  ck_assert_uint_eq(o.sack_count, 1);
  ck_assert_uint_eq(o.sack[0].left.v, 0xfffffff0u);
  ck_assert_uint_eq(o.sack[0].right.v, 0x10);
  ck_assert(sf_seq_lt(o.sack[0].left, o.sack[0].right));
  for (unsigned blocks = 1; blocks <= 4; blocks++) {
    memset(b, 0, sizeof b);
    b[0] = SF_TCPOPT_SACK;
    b[1] = (uint8_t)(2 + 8 * blocks);
    for (unsigned i = 0; i < 2 * blocks; i++)
      b[2 + 4 * i + 3] = (uint8_t)(i + 1);
    ck_assert_int_eq(sf__tcp_opts_parse(b, b[1], &o), SF_WIRE_OK);
    ck_assert_uint_eq(o.sack_count, blocks);
    for (unsigned i = 0; i < blocks; i++) {
      ck_assert_uint_eq(o.sack[i].left.v, 2 * i + 1);
      ck_assert_uint_eq(o.sack[i].right.v, 2 * i + 2);
    }
  }
}
END_TEST

/* Computed by hand: every known kind with each wrong length near its own. */
START_TEST(test_bad_lengths) {
  static const struct {
    const char *bytes;
    const char *why;
  } bad[] = {
      {"0203 05", "MSS length 3"},
      {"0205 05b4 00", "MSS length 5"},
      {"0302", "window scale length 2"},
      {"0304 0a00", "window scale length 4"},
      {"0403 00", "SACK-permitted length 3"},
      {"0409 0000 0000 0000 00", "SACK-permitted length 9"},
      {"0809 0000 0000 0000 00", "timestamps length 9"},
      {"080b 0000 0000 0000 0000 00", "timestamps length 11"},
      {"0502", "SACK with no block"},
      {"0506 0000 0000", "SACK with half a block"},
      {"0509 0000 0000 0000 0000 00", "SACK length 2 + 8 + 1"},
      {"0511 0000 0000 0000 0000 0000 0000 0000 0000 00", "SACK length 17"},
      {"0200", "length 0"},
      {"0201", "length 1"},
      {"fe00", "unknown kind with length 0"},
      {"fe01", "unknown kind with length 1"},
      {"0101 0101 0200", "length 0 after NOPs"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t b[64];
    size_t n = hex(bad[i].bytes, b);
    struct sf_tcp_opts o;
    ck_assert_msg(sf__tcp_opts_parse(b, n, &o) == SF_WIRE_BAD_OPTION,
                  "%s was accepted", bad[i].why);
  }
}
END_TEST

/* Computed by hand: five SACK blocks (42 bytes) are one too many. */
START_TEST(test_too_many_sack_blocks) {
  uint8_t b[42] = {SF_TCPOPT_SACK, 42};
  struct sf_tcp_opts o;
  ck_assert_int_eq(sf__tcp_opts_parse(b, sizeof b, &o), SF_WIRE_BAD_OPTION);
  /* Four blocks without timestamps fit: NOP NOP SACK(34), 36 bytes. */
  b[1] = 34;
  ck_assert_int_eq(sf__tcp_opts_parse(b, 34, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.sack_count, 4);
  ck_assert_int_eq(sf__tcp_opts_len(&o), 36);
}
END_TEST

/* Computed by hand: an option whose length runs past the area. */
START_TEST(test_option_past_area) {
  uint8_t b[64];
  struct sf_tcp_opts o;
  size_t n = hex("0204 05b4 080a 0000 0000 0000 00", b); /* TS 9 of 10 */
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_BAD_OPTION);
  n = hex("0101 0204 05", b); /* MSS 3 of 4 */
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_BAD_OPTION);
  n = hex("0101 0102", b); /* a kind with no room for its length byte */
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_BAD_OPTION);
  n = hex("1eff 0000", b); /* unknown kind claiming 255 bytes */
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_BAD_OPTION);
  /* The same MSS read with one byte fewer of the area. */
  n = hex("0204 05b4", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n - 1, &o), SF_WIRE_BAD_OPTION);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
}
END_TEST

/*
 * Computed by hand: unknown kinds (30 MPTCP, 29 TCP-AO, 254 experimental)
 * are skipped by their length, and options after them still parse.
 */
START_TEST(test_unknown_skipped) {
  uint8_t b[64];
  struct sf_tcp_opts o;
  size_t n = hex("1e04 0081 0204 05b4 fe02 1d06 0102 0304 0303 07", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.unknown_count, 3);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.wscale, 7);
  /* Unknown options are not emitted. */
  ck_assert_int_eq(sf__tcp_opts_len(&o), 8);
}
END_TEST

START_TEST(test_unknown_count_saturates) {
  uint8_t b[600];
  for (size_t i = 0; i < sizeof b; i += 2) {
    b[i] = 0xfd;
    b[i + 1] = 2;
  }
  struct sf_tcp_opts o;
  ck_assert_int_eq(sf__tcp_opts_parse(b, sizeof b, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.unknown_count, 255);
}
END_TEST

/* Computed by hand: EOL ends the list; what follows is padding. */
START_TEST(test_eol_stops) {
  uint8_t b[64];
  struct sf_tcp_opts o;
  /* After EOL come bytes that would be a malformed MSS: never read. */
  size_t n = hex("0303 0700 0201 ffff", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_WSCALE);
  n = hex("0002 0405 b4", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, 0);
  /* EOL at the very end. */
  n = hex("0402 0000", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, SF_TCP_OPT_SACK_PERM);
}
END_TEST

START_TEST(test_nops_and_empty) {
  uint8_t b[40];
  memset(b, SF_TCPOPT_NOP, sizeof b);
  struct sf_tcp_opts o;
  memset(&o, 0xa5, sizeof o); /* parse clears what it does not set */
  ck_assert_int_eq(sf__tcp_opts_parse(b, sizeof b, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, 0);
  ck_assert_uint_eq(o.unknown_count, 0);
  ck_assert_uint_eq(o.sack_count, 0);
  ck_assert_int_eq(sf__tcp_opts_parse(b, 0, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.present, 0);
  /* NOPs between and inside (odd alignment) are fine. */
  size_t n = hex("01 0204 05b4 01 01 0303 02", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.wscale, 2);
}
END_TEST

/* Computed by hand: a repeated option overrides the earlier one (Linux). */
START_TEST(test_repeated_option) {
  uint8_t b[64];
  struct sf_tcp_opts o;
  size_t n = hex("0204 05b4 0204 0218", b);
  ck_assert_int_eq(sf__tcp_opts_parse(b, n, &o), SF_WIRE_OK);
  ck_assert_uint_eq(o.mss, 536);
}
END_TEST

/* Computed by hand from the Linux layout (tcp_options_write). */
START_TEST(test_emit_layouts) {
  static const struct {
    uint8_t present;
    uint8_t sacks;
    const char *bytes;
  } cases[] = {
      {0, 0, ""},
      {SF_TCP_OPT_MSS, 0, "0204 05b4"},
      {SF_TCP_OPT_SACK_PERM, 0, "0101 0402"},
      {SF_TCP_OPT_TIMESTAMP, 0, "0101 080a 0000 0064 0000 00c8"},
      {SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_SACK_PERM, 0,
       "0402 080a 0000 0064 0000 00c8"},
      {SF_TCP_OPT_WSCALE, 0, "0103 0307"},
      {SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM | SF_TCP_OPT_WSCALE, 0,
       "0204 05b4 0101 0402 0103 0307"},
      {SF_TCP_OPT_SACK, 1, "0101 050a 0000 03e8 0000 07d0"},
      {SF_TCP_OPT_SACK, 4,
       "0101 0522 0000 03e8 0000 07d0 0000 0bb8 0000 0fa0"
       "0000 1388 0000 1770 0000 1b58 0000 1f40"},
      {SF_TCP_OPT_TIMESTAMP | SF_TCP_OPT_SACK, 3,
       "0101 080a 0000 0064 0000 00c8 0101 051a 0000 03e8 0000 07d0"
       "0000 0bb8 0000 0fa0 0000 1388 0000 1770"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sf_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.present = cases[i].present;
    o.mss = 1460;
    o.wscale = 7;
    o.ts_val = 100;
    o.ts_ecr = 200;
    o.sack_count = cases[i].sacks;
    for (uint32_t k = 0; k < SF_TCP_MAX_SACK_BLOCKS; k++) {
      o.sack[k].left = sf_seq(1000 * (2 * k + 1));
      o.sack[k].right = sf_seq(1000 * (2 * k + 2));
    }
    uint8_t want[64], got[64];
    size_t n = cases[i].bytes[0] ? hex(cases[i].bytes, want) : 0;
    ck_assert_int_eq(sf__tcp_opts_len(&o), (int)n);
    ck_assert_int_eq(sf__tcp_opts_emit(&o, got, sizeof got), (int)n);
    ck_assert_mem_eq(got, want, n);
    /* And it parses back to what was emitted. */
    struct sf_tcp_opts back;
    ck_assert_int_eq(sf__tcp_opts_parse(got, n, &back), SF_WIRE_OK);
    ck_assert_uint_eq(back.present, o.present);
    if (n)
      ck_assert_int_eq(sf__tcp_opts_emit(&o, got, n - 1), SF_WIRE_NO_SPACE);
  }
}
END_TEST

START_TEST(test_opts_len_limits) {
  struct sf_tcp_opts o;
  memset(&o, 0, sizeof o);
  o.present = SF_TCP_OPT_SACK;
  o.sack_count = 0; /* the bit without blocks */
  ck_assert_int_eq(sf__tcp_opts_len(&o), SF_WIRE_BAD_OPTION);
  o.sack_count = 5;
  ck_assert_int_eq(sf__tcp_opts_len(&o), SF_WIRE_BAD_OPTION);
  for (uint8_t k = 1; k <= 4; k++) {
    o.sack_count = k;
    ck_assert_int_eq(sf__tcp_opts_len(&o), 4 + 8 * k);
  }
  /* With timestamps (12 bytes), three blocks fit exactly; four do not. */
  o.present |= SF_TCP_OPT_TIMESTAMP;
  o.sack_count = 3;
  ck_assert_int_eq(sf__tcp_opts_len(&o), 40);
  o.sack_count = 4;
  ck_assert_int_eq(sf__tcp_opts_len(&o), SF_WIRE_BAD_OPTION);
  uint8_t buf[64];
  ck_assert_int_eq(sf__tcp_opts_emit(&o, buf, sizeof buf), SF_WIRE_BAD_OPTION);
  /* MSS beside two blocks and timestamps: 4 + 12 + 20 = 36. */
  o.present |= SF_TCP_OPT_MSS;
  o.sack_count = 2;
  ck_assert_int_eq(sf__tcp_opts_len(&o), 36);
  o.present |= SF_TCP_OPT_WSCALE;
  ck_assert_int_eq(sf__tcp_opts_len(&o), 40);
  o.present |= SF_TCP_OPT_SACK_PERM; /* packed with TS: no more room */
  ck_assert_int_eq(sf__tcp_opts_len(&o), 40);
  o.sack_count = 3;
  ck_assert_int_eq(sf__tcp_opts_len(&o), SF_WIRE_BAD_OPTION);
  /* The full SYN set. */
  o.present = SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM | SF_TCP_OPT_TIMESTAMP |
              SF_TCP_OPT_WSCALE;
  ck_assert_int_eq(sf__tcp_opts_len(&o), 20);
  o.present = SF_TCP_OPT_MSS | SF_TCP_OPT_SACK_PERM | SF_TCP_OPT_WSCALE;
  ck_assert_int_eq(sf__tcp_opts_len(&o), 12);
}
END_TEST

/* Random option sets emit, parse back equal, and always 4-byte aligned. */
START_TEST(test_random_roundtrip) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(7323));
  for (int i = 0; i < 20000; i++) {
    struct sf_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.present = (uint8_t)sf_test_rng_below(&rng, 32);
    o.mss = (uint16_t)sf_test_rng_next(&rng);
    o.wscale = (uint8_t)sf_test_rng_next(&rng);
    o.ts_val = (uint32_t)sf_test_rng_next(&rng);
    o.ts_ecr = (uint32_t)sf_test_rng_next(&rng);
    o.sack_count = (uint8_t)sf_test_rng_below(&rng, 6);
    sf_test_rng_fill(&rng, o.sack, sizeof o.sack);
    uint8_t buf[40];
    int len = sf__tcp_opts_len(&o);
    int n = sf__tcp_opts_emit(&o, buf, sizeof buf);
    ck_assert_int_eq(n, len);
    if (len < 0)
      continue;
    ck_assert_int_eq(len % 4, 0);
    struct sf_tcp_opts back;
    ck_assert_int_eq(sf__tcp_opts_parse(buf, (size_t)n, &back), SF_WIRE_OK);
    ck_assert_uint_eq(back.present, o.present);
    ck_assert_uint_eq(back.unknown_count, 0);
    if (o.present & SF_TCP_OPT_MSS)
      ck_assert_uint_eq(back.mss, o.mss);
    if (o.present & SF_TCP_OPT_WSCALE)
      ck_assert_uint_eq(back.wscale, o.wscale);
    if (o.present & SF_TCP_OPT_TIMESTAMP) {
      ck_assert_uint_eq(back.ts_val, o.ts_val);
      ck_assert_uint_eq(back.ts_ecr, o.ts_ecr);
    }
    if (o.present & SF_TCP_OPT_SACK) {
      ck_assert_uint_eq(back.sack_count, o.sack_count);
      ck_assert_mem_eq(back.sack, o.sack, o.sack_count * sizeof o.sack[0]);
    }
  }
}
END_TEST

static Suite *tcp_opts_suite(void) {
  Suite *s = suite_create("tcp_opts");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_linux_syn_options);
  tcase_add_test(tc, test_linux_sack_options);
  tcase_add_test(tc, test_each_kind_alone);
  tcase_add_test(tc, test_bad_lengths);
  tcase_add_test(tc, test_too_many_sack_blocks);
  tcase_add_test(tc, test_option_past_area);
  tcase_add_test(tc, test_unknown_skipped);
  tcase_add_test(tc, test_unknown_count_saturates);
  tcase_add_test(tc, test_eol_stops);
  tcase_add_test(tc, test_nops_and_empty);
  tcase_add_test(tc, test_repeated_option);
  tcase_add_test(tc, test_emit_layouts);
  tcase_add_test(tc, test_opts_len_limits);
  tcase_add_test(tc, test_random_roundtrip);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(tcp_opts_suite)
