/*
 * Link driver throughput (run by bench_link.sh inside its namespaces).
 *
 *   bench_link rx IFNAME SECONDS [ring|ring2]
 *       counts frames received on an AF_PACKET link (recvmmsg, the
 *       TPACKET_V3 ring, or the TPACKET_V2 ring with its frames lent in
 *       place) for SECONDS; prints "rx_fps=N"
 *   bench_link tx IFNAME DSTMAC SRCIP DSTIP SECONDS [bypass]
 *       sends 60-byte UDP frames in batches of 64 (sendmmsg, optionally
 *       with PACKET_QDISC_BYPASS) for SECONDS; prints "tx_fps=N"
 *   bench_link blast DSTIP SECONDS
 *       the kernel-side sender: a plain UDP socket sending 18-byte
 *       datagrams to DSTIP:9 with sendmmsg for SECONDS; prints "sent=N"
 * Every mode stops by itself after SECONDS.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "synfin.h"
#include "link/packet.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

#define BATCH 64

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ring: SF_PACKET_RX_* */
static int open_link(const char *ifname, int ring, int bypass,
                     struct sf_link **link) {
  struct sf_packet_link_config cfg = {.ifname = ifname, .rx_method = ring};
  if (bypass)
    cfg.flags |= SF_PACKET_QDISC_BYPASS;
  cfg.rcvbuf = 4 << 20;
  int err = sf__link_packet_open(&cfg, link);
  if (err)
    fprintf(stderr, "open: %s\n", sf__link_packet_error_hint(err));
  return err;
}

static int bench_rx(const char *ifname, double secs, int ring) {
  struct sf_link *link;
  if (open_link(ifname, ring, 0, &link))
    return 1;
  size_t cap = sf__link_max_rx_frame(link);
  uint8_t *buf = malloc(BATCH * cap);
  struct sf_frame fr[BATCH];
  unsigned long long n = 0;
  double t0 = now_s(), end = t0 + secs;
  while (buf && now_s() < end) {
    struct pollfd p = {.fd = sf__link_fd(link), .events = POLLIN};
    (void)poll(&p, 1, 10);
    int r;
    do {
      for (size_t i = 0; i < BATCH; i++)
        fr[i] = (struct sf_frame){.data = buf + i * cap, .cap = cap};
      /* as the reactor receives: lent in place where the link can */
      r = sf__link_recv_lend(link, fr, BATCH, 0);
      if (r > 0)
        n += (unsigned long long)r;
      sf__link_recv_done(link);
    } while (r == BATCH);
  }
  printf("rx_fps=%.0f\n", (double)n / (now_s() - t0));
  free(buf);
  sf__link_close(link);
  return 0;
}

static int bench_tx(char **argv, double secs, int bypass) {
  struct sf_link *link;
  unsigned m[6];
  uint32_t src, dst;
  if (sscanf(argv[3], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
             &m[5]) != 6 ||
      sf__ipv4_addr_parse(argv[4], &src) || sf__ipv4_addr_parse(argv[5], &dst))
    return 2;
  if (open_link(argv[2], SF_PACKET_RX_RECVMMSG, bypass, &link))
    return 1;
  uint8_t frame[60] = {0};
  struct sf_eth_hdr eh = {.ethertype = SF_ETHERTYPE_IPV4};
  for (int i = 0; i < 6; i++)
    eh.dst.b[i] = (uint8_t)m[i];
  sf__link_hwaddr(link, eh.src.b);
  struct sf_ipv4_hdr ih = {.ttl = 64, .proto = SF_IPPROTO_UDP, .src = src,
                           .dst = dst, .payload_len = 8 + 18};
  int e = sf__eth_emit(&eh, frame, sizeof(frame));
  int h = sf__ipv4_emit(&ih, frame + e, sizeof(frame) - (size_t)e);
  uint8_t *udp = frame + e + h; /* ports 9 -> 9, no checksum (RFC 768) */
  udp[1] = 9, udp[3] = 9, udp[5] = 8 + 18;
  struct sf_frame fr[BATCH];
  for (int i = 0; i < BATCH; i++)
    fr[i] = (struct sf_frame){.data = frame, .len = 60, .cap = 60};
  unsigned long long n = 0;
  double t0 = now_s(), end = t0 + secs;
  while (now_s() < end) {
    int r = sf__link_send(link, fr, BATCH, 0);
    if (r > 0)
      n += (unsigned long long)r;
    else if (r == SF_EAGAIN) {
      struct pollfd p = {.fd = sf__link_fd(link), .events = POLLOUT};
      (void)poll(&p, 1, 10);
    }
  }
  double dt = now_s() - t0;
  printf("tx_fps=%.0f dropped=%llu\n",
         (double)(n - link->stats.tx_dropped) / dt,
         (unsigned long long)link->stats.tx_dropped);
  sf__link_close(link);
  return 0;
}

static int bench_blast(const char *dst, double secs) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
  if (s < 0 || inet_pton(AF_INET, dst, &to.sin_addr) != 1 ||
      connect(s, (struct sockaddr *)&to, sizeof(to)))
    return 1;
  char payload[18] = "synfin bench_link";
  struct iovec iov = {payload, sizeof(payload)};
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof(msgs));
  for (int i = 0; i < BATCH; i++)
    msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1};
  unsigned long long n = 0;
  double end = now_s() + secs;
  while (now_s() < end) {
    int r = sendmmsg(s, msgs, BATCH, 0);
    if (r > 0)
      n += (unsigned long long)r;
  }
  printf("sent=%llu\n", n);
  close(s);
  return 0;
}

static int rx_method_of(const char *name) {
  if (!strcmp(name, "ring"))
    return SF_PACKET_RX_RING_V3;
  return strcmp(name, "ring2") ? SF_PACKET_RX_RECVMMSG : SF_PACKET_RX_RING_V2;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "rx"))
    return bench_rx(argv[2], atof(argv[3]), rx_method_of(argc > 4 ? argv[4] : ""));
  if (argc >= 7 && !strcmp(argv[1], "tx"))
    return bench_tx(argv, atof(argv[6]),
                    argc > 7 && !strcmp(argv[7], "bypass"));
  if (argc == 4 && !strcmp(argv[1], "blast"))
    return bench_blast(argv[2], atof(argv[3]));
  fprintf(stderr, "usage: see bench/bench_link.c\n");
  return 2;
}
