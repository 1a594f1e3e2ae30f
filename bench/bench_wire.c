/*
 * Wire-format micro-benchmark: how many full-frame parses (Ethernet ->
 * IPv4 -> TCP with options and checksum verification) and emits synfin
 * does per second, and the checksum's throughput, for 64-byte and
 * 1460-byte payloads.
 *
 * Timings on shared machines are noisy: each figure is the median of
 * several runs, and the spread (min..max) is printed beside it. Nothing
 * here is asserted; the numbers are for comparing commits on one machine.
 * (Benchmarks against the Linux kernel's TCP on the same path come with
 * the raw-socket driver.)
 *
 * Usage: bench_wire [RUNS]   (default 7)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define SRC_IP 0xc6120001u /* 198.18.0.1 */
#define DST_IP 0xc6120002u /* 198.18.0.2 */
#define MAX_RUNS 31

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Builds an Ethernet/IPv4/TCP frame with timestamps carrying payload. */
static size_t build_frame(uint8_t *buf, size_t cap, const uint8_t *payload,
                          size_t payload_len) {
  struct sf_eth_hdr eth = {.ethertype = SF_ETHERTYPE_IPV4};
  memset(eth.dst.b, 0x02, 6);
  memset(eth.src.b, 0x04, 6);
  struct sf_tcp_hdr tcp = {.sport = 40000, .dport = 80, .seq = sf_seq(1000),
                           .ack = sf_seq(2000),
                           .flags = SF_TCP_ACK | SF_TCP_PSH, .window = 502};
  tcp.opts.present = SF_TCP_OPT_TIMESTAMP;
  tcp.opts.ts_val = 12345;
  tcp.opts.ts_ecr = 6789;
  int ehl = sf__eth_emit(&eth, buf, cap);
  uint8_t *ip = buf + ehl;
  int tl = sf__tcp_emit(&tcp, payload, payload_len, SRC_IP, DST_IP, 0,
                        ip + SF_IPV4_MIN_HDR_LEN,
                        cap - (size_t)ehl - SF_IPV4_MIN_HDR_LEN);
  struct sf_ipv4_hdr iph = {.tos = 0, .id = 1, .flags = SF_IPV4_FLAG_DF,
                            .ttl = 64, .proto = SF_IPPROTO_TCP, .src = SRC_IP,
                            .dst = DST_IP, .payload_len = (size_t)tl};
  int ihl = sf__ipv4_emit(&iph, ip, cap - (size_t)ehl);
  if (ehl < 0 || tl < 0 || ihl < 0) {
    fprintf(stderr, "bench_wire: building the frame failed\n");
    exit(1);
  }
  return (size_t)ehl + (size_t)ihl + (size_t)tl;
}

/* Parses the frame iters times; returns frames per second. */
static double run_parse(const uint8_t *frame, size_t len, long iters) {
  volatile uint32_t sink = 0;
  double t0 = now_sec();
  for (long i = 0; i < iters; i++) {
    struct sf_eth_hdr eth;
    struct sf_ipv4_hdr ip;
    struct sf_tcp_hdr tcp;
    if (sf__eth_parse(frame, len, &eth) != 0 ||
        sf__ipv4_parse(eth.payload, eth.payload_len, 0, &ip) != 0 ||
        sf__tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, 0, &tcp) != 0)
      abort();
    sink += tcp.seq.v;
  }
  (void)sink;
  return (double)iters / (now_sec() - t0);
}

/* Emits a data segment iters times; returns segments per second. */
static double run_emit(const uint8_t *payload, size_t payload_len,
                       long iters) {
  uint8_t buf[2048];
  volatile size_t sink = 0;
  double t0 = now_sec();
  for (long i = 0; i < iters; i++)
    sink += build_frame(buf, sizeof buf, payload, payload_len);
  (void)sink;
  return (double)iters / (now_sec() - t0);
}

/* Checksums a 1500-byte buffer iters times; returns gigabits per second. */
static double run_csum(long iters) {
  uint8_t buf[1500];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t)(i * 13);
  volatile uint16_t sink = 0;
  double t0 = now_sec();
  for (long i = 0; i < iters; i++)
    sink ^= sf__csum_finish(sf__csum_add((uint32_t)i, buf, sizeof buf));
  (void)sink;
  return (double)iters * sizeof buf * 8 / (now_sec() - t0) / 1e9;
}

static void report(const char *what, const char *unit, double *v, int runs) {
  qsort(v, (size_t)runs, sizeof *v, cmp_double);
  printf("%-34s median %10.3f %s  (min %.3f, max %.3f, %d runs)\n", what,
         v[runs / 2], unit, v[0], v[runs - 1], runs);
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 7;
  if (runs < 1 || runs > MAX_RUNS) {
    fprintf(stderr, "usage: bench_wire [RUNS 1..%d]\n", MAX_RUNS);
    return 2;
  }
  static const size_t sizes[] = {64, 1460};
  uint8_t payload[1460];
  for (size_t i = 0; i < sizeof payload; i++)
    payload[i] = (uint8_t)(i * 7);
  for (size_t s = 0; s < 2; s++) {
    uint8_t frame[2048];
    size_t len = build_frame(frame, sizeof frame, payload, sizes[s]);
    double parse[MAX_RUNS], emit[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
      parse[r] = run_parse(frame, len, 2000000) / 1e6;
      emit[r] = run_emit(payload, sizes[s], 1000000) / 1e6;
    }
    char what[64];
    snprintf(what, sizeof what, "parse eth+ipv4+tcp, %4zu B data", sizes[s]);
    report(what, "Mframes/s", parse, runs);
    snprintf(what, sizeof what, "emit eth+ipv4+tcp, %4zu B data", sizes[s]);
    report(what, "Mframes/s", emit, runs);
  }
  double csum[MAX_RUNS];
  for (int r = 0; r < runs; r++)
    csum[r] = run_csum(500000);
  report("internet checksum, 1500 B", "Gbit/s", csum, runs);
  return 0;
}
