/*
 * Writes a small pcap file (argv[1]) through the real path: a memory link
 * pair whose end a is teed into a pcap writer. End a sends an ARP request,
 * an ICMP echo request and a TCP SYN; end b answers each (ARP reply, echo
 * reply, SYN-ACK), so the file holds both directions. test_pcap_tcpdump.sh
 * then checks that tcpdump decodes it.
 *
 * The six frames were captured from Linux 6.18 on a veth pair between two
 * network namespaces (198.18.0.1 at 02:00:00:00:00:01, 198.18.0.2 at
 * 02:00:00:00:00:02; `ping -c1` and a TCP connect to port 8080), printed
 * with tcpdump -xx. The two TCP checksums were captured as the offload's
 * partial sum (0x8c56) and are replaced by the full checksums, computed
 * by hand over the pseudo-header and segment: 0x68e9 (SYN), 0x6570
 * (SYN-ACK).
 *
 * Timestamps are virtual: frame k (0..5) at 1700000000.123456789 s + k ms,
 * so the test can check tcpdump reads the nanosecond field exactly.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "link/memory.h"
#include "link/pcap.h"
#include "synfin.h"

static const char *const FRAMES[6] = {
    /* a: ARP, Request who-has 198.18.0.2 tell 198.18.0.1 */
    "ffffffffffff020000000001080600010800060400010200000000"
    "01c6120001000000000000c6120002",
    /* b: ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02 */
    "020000000001020000000002080600010800060400020200000000"
    "02c6120002020000000001c6120001",
    /* a: ICMP echo request, id 17096, seq 1, length 64 */
    "020000000002020000000001080045000054ac0640004001027bc6120001c612"
    "0002080002e442c800011b66056b00000000d0ae020000000000101112131415"
    "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
    "3637",
    /* b: ICMP echo reply */
    "0200000000010200000000020800450000544614000040"
    "01a86dc6120002c6120001"
    "00000ae442c800011b66056b00000000d0ae020000000000101112131415"
    "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
    "3637",
    /* a: TCP 198.18.0.1.51358 > 198.18.0.2.8080 SYN, mss 1460, sackOK,
     * TS, wscale 10 */
    "02000000000202000000000108004500003c4ff1400040065ea3c6120001c612"
    "0002c89e1f90d0ffa4d700000000a002faf068e90000020405b40402080ad4ec"
    "2508000000000103030a",
    /* b: TCP SYN-ACK */
    "02000000000102000000000208004500003c000040004006ae94c6120002c612"
    "00011f90c89e20422c17d0ffa4d8a012fe8865700000020405b40402080ad3fa"
    "df7bd4ec25080103030a",
};

#define T0 (1700000000ull * SF_NSEC_PER_SEC + 123456789ull)

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (const char *p = hex; *p;) {
    unsigned v;
    if (*p == ' ') {
      p++;
      continue;
    }
    if (n == cap || sscanf(p, "%2x", &v) != 1)
      return 0;
    out[n++] = (uint8_t)v;
    p += 2;
  }
  return n;
}

static int fail(const char *what, int err) {
  fprintf(stderr, "pcap_sample: %s: %s\n", what, sf_strerror(err));
  return 1;
}

/* Sends frame k from `from` and receives it on `to`, at time T0 + k ms. */
static int exchange(struct sf_link *from, struct sf_link *to, int k) {
  uint8_t frame[128], in[128];
  size_t len = unhex(FRAMES[k], frame, sizeof(frame));
  if (!len)
    return fail("bad frame hex", SF_EINVAL);
  sf_time_t now = T0 + (sf_time_t)k * SF_NSEC_PER_MSEC;
  struct sf_frame out = {.data = frame, .len = len, .cap = len};
  struct sf_frame got = {.data = in, .len = 0, .cap = sizeof(in)};
  int r = sf__link_send(from, &out, 1, now);
  if (r != 1)
    return fail("send", r < 0 ? r : SF_EIO);
  r = sf__link_recv(to, &got, 1, now);
  if (r != 1 || got.len != len || memcmp(in, frame, len) != 0)
    return fail("recv", r < 0 ? r : SF_EIO);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTPUT.pcap\n", argv[0]);
    return 2;
  }
  struct sf_link *a, *b, *tee;
  struct sf_pcap_writer *w;
  int err = sf__link_memory_pair(NULL, &a, &b);
  if (err)
    return fail("memory pair", err);
  if ((err = sf__pcap_open(argv[1], &w)) != 0)
    return fail(argv[1], err);
  if ((err = sf__link_pcap_tee(a, w, &tee)) != 0)
    return fail("tee", err);
  for (int k = 0; k < 6 && !err; k++)
    err = k % 2 ? exchange(b, tee, k) : exchange(tee, b, k);
  int werr = sf__pcap_flush(w);
  sf__link_close(tee);
  sf__link_close(b);
  if (werr)
    return fail(argv[1], werr);
  return err;
}
