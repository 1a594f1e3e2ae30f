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
 *   bench_client hold HOST PORT N [PARALLEL [SOURCE...]]
 *       opens N connections, one 1-byte round trip on each (so all are
 *       established on the server), at most PARALLEL (default 1) under
 *       way at once; each binds to the next SOURCE address in turn
 *       (default: the kernel picks), since one source address has only
 *       about 64,000 ports towards one server port. The connections
 *       are held by as many child processes as the open-files limit
 *       needs. Prints "opened K secs=T" after every tenth of N, then
 *       "held N secs=T rate=R cpu_s=C" (T: the time to open all N) and
 *       keeps them idle until its standard input closes; or "hold
 *       failed opened=K secs=T: WHY" (a connection not open and
 *       answered within 5 s fails)
 *
 * cpu_s is this process's user + system time (getrusage).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

#define MAX_PARALLEL 64
#define MAX_OPENING 4096 /* hold: a listener's usual backlog */
#define MAX_SOURCES 16
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

/* hold mode. One process can hold only as many connections as its
 * open-files limit (RLIMIT_NOFILE, whose hard limit an unprivileged
 * container may not raise), so the connections are held by child
 * processes, as many as that limit needs, each opening its share with
 * its share of the PARALLEL slots; they report to this process through a
 * pipe, one line each time: "I o K" (child I has opened K so far), "I h
 * K CPU" (all K held, its CPU seconds), "I f K ERRNO" (it failed). */
struct opening {
  int fd; /* -1: a free slot */
  int connected; /* its byte is sent, its echo awaited */
  double since;
};

struct holder {
  int id, ep, nsrc;
  long n, parallel, started, held, next_report;
  const struct in_addr *src;
  struct opening *slot;
  int *fds; /* the connections held, kept open until the process exits */
  FILE *out;
};

/* Starts a non-blocking connect in the free slot o. */
static int start_one(struct holder *h, struct opening *o) {
  int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (s < 0)
    return -1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (h->nsrc) {
    struct sockaddr_in a = {
        .sin_family = AF_INET,
        .sin_addr = h->src[(h->started + h->id) % h->nsrc]};
    /* the port is then picked at connect, per destination, instead of
     * one of a single ~64k pool shared by every bind */
    setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
      close(s);
      return -1;
    }
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = o};
  if ((connect(s, (struct sockaddr *)&server, sizeof(server)) < 0 &&
       errno != EINPROGRESS) ||
      epoll_ctl(h->ep, EPOLL_CTL_ADD, s, &ev) < 0) {
    close(s);
    return -1;
  }
  *o = (struct opening){.fd = s, .since = now_s()};
  h->started++;
  return 0;
}

/* One event on o: connected, so send the byte; or its echo came back,
 * so it is held and the slot free. */
static int advance(struct holder *h, struct opening *o) {
  if (!o->connected) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
      errno = err ? err : errno;
      return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = o};
    o->connected = 1;
    return write(o->fd, "h", 1) == 1
               ? epoll_ctl(h->ep, EPOLL_CTL_MOD, o->fd, &ev)
               : -1;
  }
  char c;
  ssize_t r = read(o->fd, &c, 1);
  if (r < 0 && errno == EAGAIN)
    return 0;
  if (r <= 0) {
    errno = r == 0 ? ECONNRESET : errno;
    return -1;
  }
  epoll_ctl(h->ep, EPOLL_CTL_DEL, o->fd, NULL);
  h->fds[h->held++] = o->fd;
  o->fd = -1;
  return 0;
}

/* 0 unless a connection has waited 5 s (as dial's timeouts). */
static int overdue(const struct holder *h, double now) {
  for (long i = 0; i < h->parallel; i++)
    if (h->slot[i].fd >= 0 && now - h->slot[i].since > 5) {
      errno = ETIMEDOUT;
      return -1;
    }
  return 0;
}

static void report(const struct holder *h, char kind, double value) {
  fprintf(h->out, "%d %c %ld %.2f\n", h->id, kind, h->held, value);
  fflush(h->out);
}

/* Opens all h->n; -1 (errno set) at the first connection that fails. */
static int open_share(struct holder *h) {
  struct epoll_event ev[64];
  while (h->held < h->n) {
    for (long i = 0; i < h->parallel && h->started < h->n; i++)
      if (h->slot[i].fd < 0 && start_one(h, &h->slot[i]) < 0)
        return -1;
    int k = epoll_wait(h->ep, ev, 64, 100);
    if (k < 0 && errno != EINTR)
      return -1;
    for (int i = 0; i < k; i++)
      if (advance(h, ev[i].data.ptr) < 0)
        return -1;
    if (overdue(h, now_s()) < 0)
      return -1;
    if (h->held >= h->next_report) {
      report(h, 'o', 0);
      h->next_report += h->n / 10 ? h->n / 10 : 1;
    }
  }
  return 0;
}

/* A child's whole life: open its share, report, hold until standard
 * input closes. */
static int hold_share(struct holder *h) {
  h->ep = epoll_create1(0);
  h->slot = calloc((size_t)h->parallel, sizeof(struct opening));
  h->fds = calloc((size_t)h->n, sizeof(int));
  if (h->ep < 0 || !h->slot || !h->fds) {
    report(h, 'f', ENOMEM);
    return 1;
  }
  for (long i = 0; i < h->parallel; i++)
    h->slot[i].fd = -1;
  h->next_report = h->n / 10 ? h->n / 10 : 1;
  int rc = open_share(h);
  report(h, rc < 0 ? 'f' : 'h', rc < 0 ? errno : cpu_s());
  char c;
  while (rc == 0 && read(0, &c, 1) > 0)
    ;
  free(h->slot);
  free(h->fds);
  return rc < 0; /* the connections close as the process exits */
}

/* Child i of procs: its share of n and of the slots, started. */
static pid_t spawn_holder(struct holder h, int i, int procs, int out) {
  h.id = i;
  h.n = h.n / procs + (i < h.n % procs);
  h.parallel = h.parallel / procs ? h.parallel / procs : 1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a killed parent */
  h.out = fdopen(out, "w");
  _exit(h.out ? hold_share(&h) : 1);
}

/* The sum of the children's latest reports; 1 once all hold theirs, -1
 * when one failed (or ended without a word). */
struct tally {
  long *opened;
  int procs, done;
  double cpu;
};

static int tally_line(struct tally *t, const char *line, int *err) {
  int i;
  char kind;
  long k;
  double v;
  if (sscanf(line, "%d %c %ld %lf", &i, &kind, &k, &v) != 4 || i < 0 ||
      i >= t->procs)
    return -1;
  t->opened[i] = k;
  if (kind == 'f')
    *err = (int)v;
  else if (kind == 'h') {
    t->done++;
    t->cpu += v;
  }
  return kind == 'f' ? -1 : t->done == t->procs;
}

static long tally_sum(const struct tally *t) {
  long sum = 0;
  for (int i = 0; i < t->procs; i++)
    sum += t->opened[i];
  return sum;
}

/* Prints the children's progress, then "held" or "hold failed". */
static int follow(FILE *in, struct tally *t, long n, double t0) {
  char line[128];
  long step = n / 10 ? n / 10 : 1, next = step;
  int rc = 0, err = ECHILD;
  while (rc == 0 && fgets(line, sizeof(line), in)) {
    rc = tally_line(t, line, &err);
    long sum = tally_sum(t);
    if (rc == 0 && sum >= next) {
      printf("opened %ld secs=%.2f\n", sum, now_s() - t0);
      fflush(stdout);
      while (next <= sum)
        next += step;
    }
  }
  double secs = now_s() - t0;
  if (rc != 1) {
    printf("hold failed opened=%ld secs=%.2f: %s\n", tally_sum(t), secs,
           strerror(err));
    return 1;
  }
  printf("held %ld secs=%.2f rate=%.0f cpu_s=%.2f\n", n, secs,
         (double)n / secs, t->cpu + cpu_s());
  fflush(stdout);
  return 0;
}

/* How many connections one process may hold: its open-files limit, less
 * a few for what else it has open. */
static long fd_budget(void) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur < 64)
    return 1;
  return r.rlim_cur == RLIM_INFINITY ? 1L << 30 : (long)r.rlim_cur - 32;
}

/* Spawns the holders and follows them; at the end (its standard input
 * closed, or a failure) waits for them all. */
static int hold_split(struct holder h) {
  int procs = (int)((h.n + fd_budget() - 1) / fd_budget());
  int p[2];
  struct tally t = {.procs = procs, .opened = calloc((size_t)procs, sizeof(long))};
  pid_t *kids = calloc((size_t)procs, sizeof(pid_t));
  if (!t.opened || !kids || pipe(p) < 0) {
    free(t.opened);
    free(kids);
    return 1;
  }
  double t0 = now_s();
  for (int i = 0; i < procs; i++)
    kids[i] = spawn_holder(h, i, procs, p[1]);
  close(p[1]);
  FILE *in = fdopen(p[0], "r");
  int rc = in ? follow(in, &t, h.n, t0) : 1;
  char c;
  while (rc == 0 && read(0, &c, 1) > 0)
    ;
  for (int i = 0; i < procs; i++) {
    if (rc && kids[i] > 0)
      kill(kids[i], SIGKILL);
    if (kids[i] > 0)
      waitpid(kids[i], NULL, 0);
  }
  if (in)
    fclose(in);
  free(t.opened);
  free(kids);
  return rc;
}

static int hold(long n, long parallel, char **sources, int nsrc) {
  struct in_addr src[MAX_SOURCES];
  if (n < 1 || parallel < 1 || parallel > MAX_OPENING || nsrc > MAX_SOURCES)
    return 2;
  for (int i = 0; i < nsrc; i++)
    if (inet_pton(AF_INET, sources[i], &src[i]) != 1) {
      fprintf(stderr, "bench_client: bad source address %s\n", sources[i]);
      return 2;
    }
  return hold_split((struct holder){
      .n = n, .parallel = parallel, .src = src, .nsrc = nsrc});
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
    return hold(atol(argv[4]), argc > 5 ? atol(argv[5]) : 1, argv + 6,
                argc > 6 ? argc - 6 : 0);
  fprintf(stderr, "bench_client: unknown mode %s\n", argv[1]);
  return 2;
}
