/*
 * The client of bench_all.sh, on the kernel's TCP (plain sockets), the
 * same against every server under test:
 *
 *   bench_client crr HOST PORT PARALLEL SECONDS
 *       PARALLEL threads, each in a loop: connect, send a 64-byte
 *       request, read its echo, close (the server may have closed first);
 *       stops starting connections after SECONDS (each step may wait
 *       5 s more, then counts as failed). Prints
 *       "crr conns=N secs=T rate=R failed=F cpu_s=C"
 *   bench_client rr HOST PORT COUNT
 *       one connection, TCP_NODELAY, COUNT 1-byte round trips. Prints
 *       "rr count=N rate=R p50_us=A p99_us=B p999_us=C cpu_s=D"
 *   bench_client hold HOST PORT N
 *       opens N connections, one 1-byte round trip on each (so all are
 *       established on the server), prints "held N", then keeps them
 *       idle until its standard input closes
 *
 * cpu_s is this process's user + system time (getrusage).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

#define MAX_PARALLEL 64
#define REQUEST 64

static struct sockaddr_in server;

static int dial(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tmo = {.tv_sec = 5};
  int one = 1;
  if (s < 0)
    return -1;
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo)); /* connect too */
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(s, (struct sockaddr *)&server, sizeof(server)) < 0) {
    close(s);
    return -1;
  }
  return s;
}

/* Sends n bytes, reads n back; 0 on success. */
static int round_trip(int s, const char *msg, size_t n) {
  char buf[REQUEST];
  if (write(s, msg, n) != (ssize_t)n)
    return -1;
  for (size_t got = 0; got < n;) {
    ssize_t r = read(s, buf, sizeof(buf));
    if (r <= 0)
      return -1;
    got += (size_t)r;
  }
  return 0;
}

struct crr {
  double until;
  unsigned long conns, failed;
};

static void *crr_loop(void *arg) {
  struct crr *w = arg;
  static const char req[REQUEST];
  while (now_s() < w->until) {
    int s = dial();
    if (s < 0 || round_trip(s, req, sizeof(req)) < 0)
      w->failed++;
    else
      w->conns++;
    if (s >= 0)
      close(s);
  }
  return NULL;
}

static int crr(int parallel, double secs) {
  struct crr w[MAX_PARALLEL];
  pthread_t th[MAX_PARALLEL];
  if (parallel < 1 || parallel > MAX_PARALLEL)
    return 2;
  double t0 = now_s();
  for (int i = 0; i < parallel; i++) {
    w[i] = (struct crr){.until = t0 + secs};
    pthread_create(&th[i], NULL, crr_loop, &w[i]);
  }
  unsigned long conns = 0, failed = 0;
  for (int i = 0; i < parallel; i++) {
    pthread_join(th[i], NULL);
    conns += w[i].conns;
    failed += w[i].failed;
  }
  double t = now_s() - t0;
  printf("crr conns=%lu secs=%.2f rate=%.0f failed=%lu cpu_s=%.2f\n", conns,
         t, (double)conns / t, failed, cpu_s());
  return failed ? 1 : 0;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int rr(long count) {
  int s = dial();
  double *us = calloc((size_t)count, sizeof(*us));
  if (s < 0 || !us || count < 1)
    return 1;
  double t0 = now_s();
  for (long i = 0; i < count; i++) {
    double t = now_s();
    if (round_trip(s, "q", 1) < 0)
      return 1;
    us[i] = (now_s() - t) * 1e6;
  }
  double t = now_s() - t0;
  close(s);
  qsort(us, (size_t)count, sizeof(*us), by_value);
  printf("rr count=%ld rate=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
         "cpu_s=%.2f\n",
         count, (double)count / t, us[count / 2], us[count * 99 / 100],
         us[count * 999 / 1000], cpu_s());
  free(us);
  return 0;
}

static int hold(long n) {
  for (long i = 0; i < n; i++) {
    int s = dial(); /* kept open until exit */
    if (s < 0 || round_trip(s, "h", 1) < 0) {
      printf("hold failed at %ld\n", i);
      return 1;
    }
  }
  printf("held %ld\n", n);
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0)
    ;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5 || inet_pton(AF_INET, argv[2], &server.sin_addr) != 1) {
    fprintf(stderr, "usage: bench_client crr|rr|hold HOST PORT ...\n");
    return 2;
  }
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)atoi(argv[3]));
  if (!strcmp(argv[1], "crr") && argc == 6)
    return crr(atoi(argv[4]), atof(argv[5]));
  if (!strcmp(argv[1], "rr"))
    return rr(atol(argv[4]));
  if (!strcmp(argv[1], "hold"))
    return hold(atol(argv[4]));
  fprintf(stderr, "bench_client: unknown mode %s\n", argv[1]);
  return 2;
}
