/*
 * Bulk TCP throughput, synfin's engine against the Linux kernel, in one
 * run on one host: the same amount of data over one connection,
 *
 *   synfin  two engines in this process joined by the in-memory link (no
 *           syscalls at all: what the engine itself costs per byte),
 *   kernel  a TCP connection over loopback between two threads of this
 *           process (the kernel's whole stack, syscalls included).
 *
 * The paths are not identical (the kernel's includes syscalls and a
 * scheduler; synfin's includes frame copies through the in-memory link),
 * so the ratio says how the engine's cost compares with a kernel
 * connection on this machine, not which wire is faster. The veth
 * comparison against the kernel lives with the raw-socket driver.
 *
 * Usage: bench_tcp [RUNS [MEGABYTES]]  (default 5 runs of 64 MB)
 * Prints the median of each and the ratio synfin / kernel.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "link/memory.h"
#include "stack/stack.h"

#include "bench_clock.h"

static sf_time_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (sf_time_t)ts.tv_sec * SF_NSEC_PER_SEC + (sf_time_t)ts.tv_nsec;
}

/* ------------------------------------------------------------- synfin */

struct host {
  struct sf_engine *e;
  struct sf_link *link;
  int netif;
};

static void shuttle(struct host *from, struct host *to, sf_time_t now) {
  static uint8_t bufs[64][1600];
  struct sf_frame f[64];
  size_t n;
  while ((n = sf__engine_tx_take(from->e, (unsigned)from->netif, f, 64)) > 0) {
    int sent = sf__link_send(from->link, f, n, now);
    sf__engine_tx_release(from->e, (unsigned)from->netif,
                          sent > 0 ? (size_t)sent : n);
  }
  for (;;) {
    for (int i = 0; i < 64; i++)
      f[i] = (struct sf_frame){.data = bufs[i], .cap = sizeof(bufs[i])};
    int got = sf__link_recv(to->link, f, 64, now);
    if (got <= 0)
      return;
    for (int i = 0; i < got; i++)
      sf__engine_input(to->e, (unsigned)to->netif, f[i].data, f[i].len,
                       SF_FRAME_CSUM_VERIFIED, now);
  }
}

static int host_init(struct host *h, struct sf_link *link, uint32_t addr) {
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  cfg.sndbuf = cfg.rcvbuf = 1024 * 1024;
  if (sf__engine_new(&cfg, NULL, now_ns(), &h->e) != 0)
    return -1;
  struct sf_netif_config nc = {.addr = sf_addr_v4(addr), .prefix_len = 24,
                               .mtu = 1500};
  sf__link_hwaddr(link, nc.mac);
  h->link = link;
  h->netif = sf__engine_netif_add(h->e, &nc);
  return h->netif < 0 ? -1 : 0;
}

static double run_synfin(size_t bytes) {
  struct sf_memory_link_config mc = {.queue_frames = 4096};
  struct sf_link *la, *lb;
  struct host a, b;
  if (sf__link_memory_pair(&mc, &la, &lb) != 0 ||
      host_init(&a, la, 0xc6120001) || host_init(&b, lb, 0xc6120002))
    return -1;
  struct sf_listener *l;
  struct sf_tcb *c, *s = NULL;
  sf__tcp_listen(sf__engine_tcp(b.e), sf_addr_v4(0), 5001, 8, NULL, &l);
  sf__tcp_connect(sf__engine_tcp(a.e), sf_addr_v4(0), 0, sf_addr_v4(0xc6120002),
                  5001, &a, NULL, now_ns(), &c);
  static uint8_t chunk[65536], sink[65536];
  memset(chunk, 'x', sizeof(chunk));
  size_t sent = 0, got = 0;
  double t0 = now_s();
  while (got < bytes) {
    sf_time_t now = now_ns();
    sf__engine_poll(a.e, now);
    sf__engine_poll(b.e, now);
    if (!s)
      s = sf__tcp_accept(l, &b);
    while (sent < bytes) {
      size_t want = bytes - sent < sizeof(chunk) ? bytes - sent : sizeof(chunk);
      ssize_t n = sf__tcp_send(c, chunk, want, now);
      if (n <= 0)
        break;
      sent += (size_t)n;
    }
    shuttle(&a, &b, now);
    if (s) {
      ssize_t n;
      while ((n = sf__tcp_recv(s, sink, sizeof(sink), now)) > 0)
        got += (size_t)n;
    }
    sf__engine_end_turn(b.e, now); /* the window the reads opened */
    shuttle(&b, &a, now);
  }
  double dt = now_s() - t0;
  sf__tcp_abort(c, now_ns());
  sf__tcp_detach(c, now_ns());
  if (s) {
    sf__tcp_abort(s, now_ns());
    sf__tcp_detach(s, now_ns());
  }
  sf__tcp_listener_close(l, now_ns());
  sf__engine_free(a.e);
  sf__engine_free(b.e);
  sf__link_close(la);
  sf__link_close(lb);
  return (double)bytes / dt / 1e6;
}

/* ------------------------------------------------------------- kernel */

struct sender {
  int fd;
  size_t bytes;
};

static void *send_all(void *arg) {
  struct sender *s = arg;
  static char chunk[65536];
  size_t sent = 0;
  while (sent < s->bytes) {
    size_t want = s->bytes - sent < sizeof(chunk) ? s->bytes - sent
                                                  : sizeof(chunk);
    ssize_t n = send(s->fd, chunk, want, 0);
    if (n <= 0)
      break;
    sent += (size_t)n;
  }
  return NULL;
}

static double run_kernel(size_t bytes) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof(addr);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
      listen(lfd, 1) != 0 ||
      getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0)
    return -1;
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
    return -1;
  int sfd = accept(lfd, NULL, NULL);
  struct sender s = {.fd = cfd, .bytes = bytes};
  pthread_t th;
  double t0 = now_s();
  pthread_create(&th, NULL, send_all, &s);
  static char sink[65536];
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = recv(sfd, sink, sizeof(sink), 0);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  double dt = now_s() - t0;
  pthread_join(th, NULL);
  close(cfd);
  close(sfd);
  close(lfd);
  return (double)got / dt / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(*v), cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  size_t mb = argc > 2 ? (size_t)atoi(argv[2]) : 64;
  if (runs < 1 || runs > 100 || mb < 1 || mb > 4096) {
    fprintf(stderr, "usage: bench_tcp [RUNS 1..100 [MEGABYTES 1..4096]]\n");
    return 2;
  }
  double sv[100], kv[100];
  for (int i = 0; i < runs; i++) { /* interleaved, so drift hits both */
    sv[i] = run_synfin(mb << 20);
    kv[i] = run_kernel(mb << 20);
    if (sv[i] < 0 || kv[i] < 0) {
      fprintf(stderr, "bench_tcp: setup failed\n");
      return 1;
    }
  }
  double s = median(sv, runs), k = median(kv, runs);
  printf("bulk transfer, %zu MB, median of %d runs:\n", mb, runs);
  printf("  synfin engine (in-memory link)  %8.1f MB/s  [%.1f .. %.1f]\n", s,
         sv[0], sv[runs - 1]);
  printf("  kernel TCP (loopback)           %8.1f MB/s  [%.1f .. %.1f]\n", k,
         kv[0], kv[runs - 1]);
  printf("  ratio synfin / kernel           %8.2f\n", s / k);
  return 0;
}
