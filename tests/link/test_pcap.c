/*
 * The pcap writer and tee (lib/link/pcap.c): the file's bytes exactly,
 * the timestamp split, snaplen, buffering across many records, write
 * errors, and a tee recording both directions of a memory link.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "link/memory.h"
#include "link/pcap.h"
#include "synfin.h"

/* The global header, computed by hand from the libpcap file format:
 * magic 0xa1b23c4d (nanosecond timestamps), version 2.4, thiszone 0,
 * sigfigs 0, snaplen 65535, LINKTYPE_ETHERNET (1); all little-endian. */
static const char GLOBAL_HDR[] = "4d3cb2a1 0200 0400 00000000 00000000 "
                                 "ffff0000 01000000";

/* An ARP request, captured from Linux 6.18 on a veth pair in a network
 * namespace (tcpdump -xx): who-has 198.18.0.2 tell 198.18.0.1. */
static const char ARP_REQ[] = "ffffffffffff 020000000001 0806"
                              "0001 0800 06 04 0001 020000000001 c6120001"
                              "000000000000 c6120002";

static char tmpdir[64];

static void tmp_setup(void) {
  strcpy(tmpdir, "/tmp/sf-pcap-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp_path(const char *name) {
  static char path[128];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  return path;
}

/* Reads a whole file (at most cap bytes) into buf; returns its length. */
static size_t slurp(const char *path, uint8_t *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  size_t n = fread(buf, 1, cap, f);
  ck_assert_int_eq(feof(f) || n < cap, 1);
  fclose(f);
  return n;
}

START_TEST(global_header_exact) {
  struct sf_pcap_writer *w;
  ck_assert_int_eq(sf__pcap_open(tmp_path("empty.pcap"), &w), 0);
  ck_assert_int_eq(sf__pcap_error(w), 0);
  ck_assert_int_eq(sf__pcap_close(w), 0);
  uint8_t want[24], got[64];
  ck_assert_uint_eq(sf_test_hex(GLOBAL_HDR, want, sizeof(want)), 24);
  ck_assert_uint_eq(slurp(tmp_path("empty.pcap"), got, sizeof(got)), 24);
  ck_assert_mem_eq(got, want, 24);
}
END_TEST

START_TEST(records_exact) {
  uint8_t arp[64];
  size_t arp_len = sf_test_hex(ARP_REQ, arp, sizeof(arp));
  ck_assert_uint_eq(arp_len, 42);
  struct sf_pcap_writer *w;
  ck_assert_int_eq(sf__pcap_open(tmp_path("r.pcap"), &w), 0);
  /* 1700000000.123456789 s: sec 0x6553f100, nsec 0x075bcd15. */
  ck_assert_int_eq(sf__pcap_write(w, 1700000000123456789ull, arp, arp_len), 0);
  /* 0.999999999 s: sec 0, nsec 0x3b9ac9ff; a zero-length frame. */
  ck_assert_int_eq(sf__pcap_write(w, 999999999, NULL, 0), 0);
  /* Exactly 1 s: sec 1, nsec 0; four bytes. */
  const uint8_t four[4] = {0xde, 0xad, 0xbe, 0xef};
  ck_assert_int_eq(sf__pcap_write(w, SF_NSEC_PER_SEC, four, 4), 0);
  ck_assert_int_eq(sf__pcap_close(w), 0);

  static const char want_hex[] =
      "00f15365 15cd5b07 2a000000 2a000000" /* record 1 header */
      "ffffffffffff 020000000001 0806 0001 0800 06 04 0001"
      "020000000001 c6120001 000000000000 c6120002"
      "00000000 ffc99a3b 00000000 00000000" /* record 2: empty */
      "01000000 00000000 04000000 04000000 deadbeef";
  uint8_t want[256], got[256];
  size_t hl = sf_test_hex(GLOBAL_HDR, want, sizeof(want));
  size_t wl = hl + sf_test_hex(want_hex, want + hl, sizeof(want) - hl);
  ck_assert_uint_eq(wl, 24 + 16 + 42 + 16 + 16 + 4);
  ck_assert_uint_eq(slurp(tmp_path("r.pcap"), got, sizeof(got)), wl);
  ck_assert_mem_eq(got, want, wl);
}
END_TEST

/* A frame over the snaplen keeps 65535 bytes and says how long it was;
 * and enough records to overflow the writer's buffer all reach the file
 * in order. */
START_TEST(snaplen_and_many_records) {
  static uint8_t big[70000], file[24 + 16 + 65535 + 200 * (16 + 1514) + 16];
  for (size_t i = 0; i < sizeof(big); i++)
    big[i] = (uint8_t)(i * 7);
  struct sf_pcap_writer *w;
  ck_assert_int_eq(sf__pcap_open(tmp_path("big.pcap"), &w), 0);
  ck_assert_int_eq(sf__pcap_write(w, 5, big, sizeof(big)), 0);
  for (uint32_t i = 0; i < 200; i++) {
    uint8_t frame[1514];
    memset(frame, (int)i, sizeof(frame));
    ck_assert_int_eq(sf__pcap_write(w, (sf_time_t)i * 1000, frame, 1514), 0);
  }
  ck_assert_int_eq(sf__pcap_close(w), 0);
  size_t n = slurp(tmp_path("big.pcap"), file, sizeof(file));
  ck_assert_uint_eq(n, 24 + 16 + 65535 + 200 * (16 + 1514));
  uint8_t hdr[16];
  sf_test_hex("00000000 05000000 ffff0000 70110100", hdr, sizeof(hdr));
  ck_assert_mem_eq(file + 24, hdr, 16); /* incl 65535, orig 70000 */
  ck_assert_mem_eq(file + 40, big, 65535);
  for (uint32_t i = 0; i < 200; i++) {
    const uint8_t *r = file + 24 + 16 + 65535 + i * (16 + 1514);
    uint32_t nsec = i * 1000;
    uint8_t want[16] = {0, 0, 0, 0, (uint8_t)nsec, (uint8_t)(nsec >> 8),
                        (uint8_t)(nsec >> 16), 0, 0xea, 0x05, 0, 0,
                        0xea, 0x05, 0, 0};
    ck_assert_mem_eq(r, want, 16);
    ck_assert_uint_eq(r[16], (uint8_t)i);
    ck_assert_uint_eq(r[16 + 1513], (uint8_t)i);
  }
}
END_TEST

START_TEST(open_errors) {
  struct sf_pcap_writer *w = (struct sf_pcap_writer *)&w;
  ck_assert_int_eq(sf__pcap_open("/nonexistent-synfin-dir/x.pcap", &w),
                   SF_ENOENT);
  ck_assert_ptr_null(w);
  ck_assert_int_eq(sf__pcap_open(tmpdir, &w), -EISDIR); /* a directory */
  ck_assert_int_eq(sf__pcap_open(NULL, &w), SF_EINVAL);
  ck_assert_int_eq(sf__pcap_open(tmp_path("x"), NULL), SF_EINVAL);
  ck_assert_int_eq(sf__pcap_close(NULL), 0);
}
END_TEST

/* /dev/full opens but fails every write with ENOSPC: the error shows at
 * the first flush, sticks, and is what close reports. */
START_TEST(write_errors) {
  if (access("/dev/full", W_OK) != 0) {
    fprintf(stderr, "no /dev/full: write_errors not tested\n");
    return;
  }
  struct sf_pcap_writer *w;
  ck_assert_int_eq(sf__pcap_open("/dev/full", &w), 0);
  ck_assert_int_eq(sf__pcap_flush(w), SF_ENOSPC);
  ck_assert_int_eq(sf__pcap_error(w), SF_ENOSPC);
  uint8_t frame[60] = {0};
  ck_assert_int_eq(sf__pcap_write(w, 0, frame, sizeof(frame)), SF_ENOSPC);
  ck_assert_int_eq(sf__pcap_close(w), SF_ENOSPC);

  /* Without an explicit flush: the write that fills the buffer fails. */
  ck_assert_int_eq(sf__pcap_open("/dev/full", &w), 0);
  static uint8_t big[1514];
  int err = 0, i;
  for (i = 0; i < 1000 && !err; i++)
    err = sf__pcap_write(w, 0, big, sizeof(big));
  ck_assert_int_eq(err, SF_ENOSPC);
  ck_assert_int_gt(i, 50); /* buffered until then */
  ck_assert_int_eq(sf__pcap_close(w), SF_ENOSPC);
}
END_TEST

START_TEST(tee_records_both_directions) {
  struct sf_link *a, *b, *t;
  struct sf_pcap_writer *w;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  ck_assert_int_eq(sf__pcap_open(tmp_path("tee.pcap"), &w), 0);
  ck_assert_int_eq(sf__link_pcap_tee(a, w, &t), 0);
  ck_assert_str_eq(t->kind, "pcap");
  ck_assert_uint_eq(sf__link_mtu(t), 1500);
  ck_assert_int_eq(sf__link_fd(t), sf__link_fd(a));
  ck_assert_uint_eq(sf__link_next_deadline(t), SF_TIME_NEVER);
  ck_assert_int_eq(sf__link_poll(t, 0), 0);
  uint8_t mac[6], want_mac[6] = {2, 0, 0, 0, 0, 1};
  sf__link_hwaddr(t, mac);
  ck_assert_mem_eq(mac, want_mac, 6);

  uint8_t arp[64], x[3] = {1, 2, 3}, y[5] = {9, 8, 7, 6, 5}, in[64];
  size_t arp_len = sf_test_hex(ARP_REQ, arp, sizeof(arp));
  struct sf_frame out[2] = {{.data = arp, .len = arp_len, .cap = 0},
                            {.data = x, .len = 3, .cap = 0}};
  ck_assert_int_eq(sf__link_send(t, out, 2, SF_NSEC_PER_SEC + 5), 2);
  struct sf_frame r = {.data = in, .len = 0, .cap = sizeof(in)};
  ck_assert_int_eq(sf__link_recv(b, &r, 1, 0), 1);
  ck_assert_mem_eq(in, arp, arp_len); /* forwarded unchanged */
  struct sf_frame back = {.data = y, .len = 5, .cap = 5};
  ck_assert_int_eq(sf__link_send(b, &back, 1, 0), 1);
  /* Received with a 4-byte buffer: recorded as the caller got it. */
  r = (struct sf_frame){.data = in, .len = 0, .cap = 4};
  ck_assert_int_eq(sf__link_recv(t, &r, 1, 2 * SF_NSEC_PER_SEC + 7), 1);
  ck_assert_uint_eq(r.len, 4);
  r.cap = sizeof(in);
  ck_assert_int_eq(sf__link_recv(t, &r, 1, 3 * SF_NSEC_PER_SEC), 0);
  ck_assert_uint_eq(t->stats.tx_frames, 2);
  ck_assert_uint_eq(t->stats.tx_bytes, 45);
  ck_assert_uint_eq(t->stats.rx_frames, 1);
  ck_assert_uint_eq(t->stats.rx_bytes, 4);
  ck_assert_uint_eq(a->stats.rx_truncated, 1);
  ck_assert_int_eq(sf__pcap_error(w), 0);
  sf__link_close(t); /* closes a and the writer */
  sf__link_close(b);

  static const char want_hex[] =
      "01000000 05000000 2a000000 2a000000" /* sent, 1.000000005 s */
      "ffffffffffff 020000000001 0806 0001 0800 06 04 0001"
      "020000000001 c6120001 000000000000 c6120002"
      "01000000 05000000 03000000 03000000 010203"
      "02000000 07000000 04000000 04000000 09080706"; /* received */
  uint8_t want[256], got[256];
  size_t hl = sf_test_hex(GLOBAL_HDR, want, sizeof(want));
  size_t wl = hl + sf_test_hex(want_hex, want + hl, sizeof(want) - hl);
  ck_assert_uint_eq(slurp(tmp_path("tee.pcap"), got, sizeof(got)), wl);
  ck_assert_mem_eq(got, want, wl);
}
END_TEST

START_TEST(tee_bad_args) {
  struct sf_link *a, *b, *t = (struct sf_link *)&t;
  struct sf_pcap_writer *w;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  ck_assert_int_eq(sf__pcap_open(tmp_path("bad.pcap"), &w), 0);
  ck_assert_int_eq(sf__link_pcap_tee(NULL, w, &t), SF_EINVAL);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(sf__link_pcap_tee(a, NULL, &t), SF_EINVAL);
  ck_assert_int_eq(sf__link_pcap_tee(a, w, NULL), SF_EINVAL);
  /* Nothing was taken: both are still ours to close. */
  ck_assert_int_eq(sf__pcap_close(w), 0);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

static Suite *pcap_suite(void) {
  Suite *s = suite_create("link_pcap");
  TCase *tc = tcase_create("pcap");
  tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
  tcase_add_test(tc, global_header_exact);
  tcase_add_test(tc, records_exact);
  tcase_add_test(tc, snaplen_and_many_records);
  tcase_add_test(tc, open_errors);
  tcase_add_test(tc, write_errors);
  tcase_add_test(tc, tee_records_both_directions);
  tcase_add_test(tc, tee_bad_args);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(pcap_suite)
