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
 *
 * It also counts synfin's calls to the allocator (every malloc, calloc
 * and realloc of the process, OpenSSL's included): during the transfer
 * and during its second half (the steady state: buffers and frame pools
 * have reached their size), per megabyte; and per connection over a run
 * of short connections (connect, 64 bytes, the server closes first and
 * keeps a TIME-WAIT record), with their rate and the TIME-WAIT records
 * held at the end. Counting replaces glibc's malloc for this program; a
 * sanitizer build (which replaces it itself) prints no counts.
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

#include "api/handle.h"
#include "link/memory.h"
#include "loop/loop.h"
#include "stack/stack.h"
#include "synfin.h"

#include "bench_clock.h"

/* ------------------------------------------------- allocation counting */

/* AddressSanitizer replaces malloc itself (GCC says so with
 * __SANITIZE_ADDRESS__, clang with __has_feature). */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

#if defined(ASAN) || !defined(__GLIBC__)
#define COUNTING 0
#else
#define COUNTING 1
/* glibc's own entry points, which its malloc, calloc and realloc call. */
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

static unsigned long long alloc_calls;

static void count_call(void) {
  __atomic_add_fetch(&alloc_calls, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t n) {
  count_call();
  return __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
  count_call();
  return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n) {
  count_call();
  return __libc_realloc(p, n);
}
#endif

/* Allocator calls so far (0 when not counting). */
static unsigned long long allocs(void) {
#if COUNTING
  return __atomic_load_n(&alloc_calls, __ATOMIC_RELAXED);
#else
  return 0;
#endif
}


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

/* What one synfin transfer counted. */
struct synfin_run {
  double mb_s;
  double allocs_per_mb;        /* the whole transfer, handshake included */
  double steady_allocs_per_mb; /* its second half */
};

/* Both hosts' frames both ways, until neither has any left to send. */
static void exchange(struct host *a, struct host *b, sf_time_t now) {
  sf__engine_poll(a->e, now);
  sf__engine_poll(b->e, now);
  for (int i = 0; i < 8; i++) {
    shuttle(a, b, now);
    sf__engine_end_turn(b->e, now);
    shuttle(b, a, now);
    sf__engine_end_turn(a->e, now);
  }
}

static int run_synfin(size_t bytes, struct synfin_run *out) {
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
  unsigned long long a0 = allocs(), a_half = 0;
  while (got < bytes) {
    if (!a_half && got >= bytes / 2)
      a_half = allocs();
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
  unsigned long long a1 = allocs();
  double mb = (double)bytes / (1 << 20);
  out->mb_s = (double)bytes / dt / 1e6;
  out->allocs_per_mb = (double)(a1 - a0) / mb;
  out->steady_allocs_per_mb = (double)(a1 - a_half) / (mb - mb / 2);
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
  return 0;
}

/* What a short connection costs besides time, per connection: both
 * sides together, over the second half of a run. */
struct conn_cost {
  double allocs;         /* allocator calls */
  double timers_armed;   /* the engines' connection timers armed or moved */
  double timers_stopped; /* ... and stopped before they fired */
  double loop_arms;      /* the loops' deadline timers (re)armed, API only */
  double frames;         /* IP datagrams sent */
};

/* Running totals of the counts conn_cost reports. */
struct cost_mark {
  unsigned long long allocs, armed, stopped, loop_arms, frames;
};

/* Adds engine e's counts to m. */
static void mark_engine(struct cost_mark *m, const struct sf_engine *e) {
  m->armed += sf__engine_counter(e, "tcp_timers_armed");
  m->stopped += sf__engine_counter(e, "tcp_timers_stopped");
  m->frames += sf__engine_counter(e, "ip_out_packets");
}

/* What happened between two marks, per connection. */
static struct conn_cost cost_between(const struct cost_mark *a,
                                     const struct cost_mark *b, unsigned n) {
  return (struct conn_cost){
      .allocs = (double)(b->allocs - a->allocs) / n,
      .timers_armed = (double)(b->armed - a->armed) / n,
      .timers_stopped = (double)(b->stopped - a->stopped) / n,
      .loop_arms = (double)(b->loop_arms - a->loop_arms) / n,
      .frames = (double)(b->frames - a->frames) / n};
}

/* What a run of short connections counted. */
struct conn_run {
  double conns_s;
  struct conn_cost cost;  /* over the second half of the connections */
  size_t timewait;        /* records the server holds at the end */
};

/*
 * One short connection: connect, 64 bytes to the server, the server
 * closes first (so it keeps the TIME-WAIT record), then the client.
 * Returns false if any step did not happen.
 */
static bool one_conn(struct host *a, struct host *b, struct sf_listener *l,
                     uint16_t port) {
  static const uint8_t req[64] = {1};
  uint8_t sink[128];
  struct sf_tcb *c, *s = NULL;
  if (sf__tcp_connect(sf__engine_tcp(a->e), sf_addr_v4(0), 0,
                      sf_addr_v4(0xc6120002), port, a, NULL, now_ns(),
                      &c) != 0)
    return false;
  for (int i = 0; i < 8 && !s; i++) {
    exchange(a, b, now_ns());
    s = sf__tcp_accept(l, b);
  }
  bool ok = s && sf__tcp_send(c, req, sizeof(req), now_ns()) == sizeof(req);
  exchange(a, b, now_ns());
  ok = ok && sf__tcp_recv(s, sink, sizeof(sink), now_ns()) == sizeof(req);
  if (s) {
    sf__tcp_shutdown(s, now_ns());
    sf__tcp_detach(s, now_ns());
  }
  exchange(a, b, now_ns());
  sf__tcp_shutdown(c, now_ns());
  sf__tcp_detach(c, now_ns());
  exchange(a, b, now_ns());
  return ok;
}

/* The allocator calls so far and both engines' counts. */
static void engines_mark(struct cost_mark *m, struct host *a, struct host *b) {
  m->allocs = allocs();
  mark_engine(m, a->e);
  mark_engine(m, b->e);
}

/* Not inlined, here and in run_api_conns: callgrind_annotate --inclusive
 * then shows what each run of short connections cost. */
__attribute__((noinline)) static int run_conns(unsigned n,
                                               struct conn_run *out) {
  struct sf_memory_link_config mc = {.queue_frames = 4096};
  struct sf_link *la, *lb;
  struct host a, b;
  if (sf__link_memory_pair(&mc, &la, &lb) != 0 ||
      host_init(&a, la, 0xc6120001) || host_init(&b, lb, 0xc6120002))
    return -1;
  struct sf_listener *l;
  sf__tcp_listen(sf__engine_tcp(b.e), sf_addr_v4(0), 5002, 64, NULL, &l);
  int rc = 0;
  double t0 = now_s();
  struct cost_mark half = {0}, end = {0};
  for (unsigned i = 0; i < n && rc == 0; i++) {
    if (i == n / 2)
      engines_mark(&half, &a, &b);
    if (!one_conn(&a, &b, l, 5002))
      rc = -1;
  }
  out->conns_s = n / (now_s() - t0);
  engines_mark(&end, &a, &b);
  out->cost = cost_between(&half, &end, n - n / 2);
  out->timewait = sf__tcp_timewait_count(sf__engine_tcp(b.e));
  sf__tcp_listener_close(l, now_ns());
  sf__engine_free(a.e);
  sf__engine_free(b.e);
  sf__link_close(la);
  sf__link_close(lb);
  return rc;
}

/* ------------------------------------------- short connections, the API */

/*
 * The same through the public API, as an application does it: two loops
 * (client A, server B on A's libev loop) over the in-memory link; the
 * client connects, writes a 64-byte request, reads the 64-byte response
 * and closes; the server accepts, reads, answers, and closes at the
 * client's FIN. One connection at a time, each started from the close
 * callbacks of the one before. The loops' own deadline timers are counted
 * too (the reactor re-arms one after each batch of work).
 */
#define API_MSG 64

struct api_run {
  sf_loop_t la, lb;
  sf_iface_t ia, ib;
  sf_tcp_t server, client, accepted;
  sf_connect_t connect_req;
  sf_write_t creq, sresp;
  char chunk[2][256];
  size_t got[2]; /* client, accepted */
  unsigned closed; /* this connection's handles closed (client, accepted) */
  unsigned done, want;
  bool failed;
  struct cost_mark half;
};

static const char api_msg[API_MSG] = "request or response";

static void api_mark(struct cost_mark *m, struct api_run *r) {
  m->allocs = allocs();
  sf_loop_t *loops[2] = {&r->la, &r->lb};
  for (int i = 0; i < 2; i++) {
    mark_engine(m, loops[i]->impl_->engine);
    m->loop_arms += sf__reactor_deadline_arms(loops[i]->impl_->reactor);
  }
}

static void api_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  struct api_run *r = h->loop->data;
  int i = h == (sf_handle_t *)&r->client ? 0 : 1;
  *buf = sf_buf_init(r->chunk[i], sizeof(r->chunk[i]));
}

static void api_close_walk(sf_handle_t *h, void *arg) {
  (void)arg;
  if (!sf_is_closing(h))
    sf_close(h, NULL);
}

/* Something failed: everything closes, so sf_run returns. */
static void api_fail(struct api_run *r) {
  r->failed = true;
  sf_walk(&r->la, api_close_walk, NULL);
  sf_walk(&r->lb, api_close_walk, NULL);
}

static void api_start(struct api_run *r);

static void api_closed(sf_handle_t *h) {
  struct api_run *r = h->loop->data;
  if (++r->closed < 2 || r->failed)
    return;
  if (++r->done == r->want / 2)
    api_mark(&r->half, r);
  if (r->done < r->want)
    api_start(r);
  else
    sf_close((sf_handle_t *)&r->server, NULL);
}

static void api_written(sf_write_t *req, int status) {
  if (status < 0)
    api_fail(req->handle->loop->data);
}

static void api_send(sf_write_t *req, sf_tcp_t *tcp) {
  sf_buf_t b = sf_buf_init((char *)api_msg, API_MSG);
  if (sf_write(req, (sf_stream_t *)tcp, &b, 1, api_written) < 0)
    api_fail(tcp->loop->data);
}

static void api_client_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  (void)buf;
  struct api_run *r = s->loop->data;
  if (n < 0)
    api_fail(r);
  else if ((r->got[0] += (size_t)n) == API_MSG)
    sf_close((sf_handle_t *)s, api_closed);
}

static void api_server_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  (void)buf;
  struct api_run *r = s->loop->data;
  if (n == SF_EOF && r->got[1] == API_MSG)
    sf_close((sf_handle_t *)s, api_closed);
  else if (n < 0)
    api_fail(r);
  else if ((r->got[1] += (size_t)n) == API_MSG)
    api_send(&r->sresp, &r->accepted);
}

static void api_connected(sf_connect_t *req, int status) {
  struct api_run *r = req->handle->loop->data;
  sf_stream_t *s = (sf_stream_t *)&r->client;
  if (status < 0 || sf_read_start(s, api_alloc, api_client_read) < 0) {
    api_fail(r);
    return;
  }
  api_send(&r->creq, &r->client);
}

static void api_connection(sf_tcp_t *server, int status) {
  struct api_run *r = server->loop->data;
  if (status < 0 || sf_tcp_init(&r->lb, &r->accepted) < 0 ||
      sf_accept(server, &r->accepted) < 0 ||
      sf_read_start((sf_stream_t *)&r->accepted, api_alloc,
                    api_server_read) < 0)
    api_fail(r);
}

static void api_start(struct api_run *r) {
  struct sockaddr_in b;
  r->closed = 0;
  r->got[0] = r->got[1] = 0;
  if (sf_ip4_addr("198.18.0.2", 5003, &b) < 0 ||
      sf_tcp_init(&r->la, &r->client) < 0 ||
      sf_tcp_connect(&r->connect_req, &r->client, (struct sockaddr *)&b,
                     api_connected) < 0)
    api_fail(r);
}

/* Both loops and interfaces, and the server listening. */
static int api_open(struct api_run *r) {
  sf_iface_config_t ca = {.address = "198.18.0.1/24"};
  sf_iface_config_t cb = {.address = "198.18.0.2/24"};
  struct sockaddr_in b;
  if (sf_loop_init(&r->la) < 0 ||
      sf_loop_init_ev(&r->lb, sf_loop_backend(&r->la)) < 0 ||
      sf_iface_open_memory_pair(&r->la, &r->ia, &ca, &r->lb, &r->ib, &cb) < 0 ||
      sf_ip4_addr("198.18.0.2", 5003, &b) < 0 ||
      sf_tcp_init(&r->lb, &r->server) < 0 ||
      sf_tcp_bind(&r->server, (struct sockaddr *)&b, 0) < 0 ||
      sf_listen(&r->server, 64, api_connection) < 0)
    return -1;
  r->la.data = r->lb.data = r;
  return 0;
}

__attribute__((noinline)) static int run_api_conns(unsigned n,
                                                   struct conn_run *out) {
  static struct api_run r;
  memset(&r, 0, sizeof(r));
  r.want = n;
  if (api_open(&r) < 0)
    return -1;
  double t0 = now_s();
  api_start(&r);
  sf_run(&r.la, SF_RUN_DEFAULT);
  out->conns_s = r.done / (now_s() - t0);
  struct cost_mark end = {0};
  api_mark(&end, &r);
  out->cost = cost_between(&r.half, &end, n - n / 2);
  out->timewait = sf__tcp_timewait_count(sf__engine_tcp(r.la.impl_->engine));
  sf_walk(&r.la, api_close_walk, NULL);
  sf_walk(&r.lb, api_close_walk, NULL);
  sf_run(&r.la, SF_RUN_DEFAULT);
  /* B borrows A's libev loop: B closes first. */
  if (sf_loop_close(&r.lb) != 0 || sf_loop_close(&r.la) != 0)
    return -1;
  return r.failed || r.done != n ? -1 : 0;
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

/* Short connections per run: well under the TIME-WAIT limit. */
#define CONNS 2000u

static void print_cost(const char *what, const struct conn_run *cr,
                       bool loops) {
  printf("  %-31s %8.0f conns/s, %zu TIME-WAIT records held\n", what,
         cr->conns_s, cr->timewait);
  if (COUNTING)
    printf("    allocator calls (malloc, calloc, realloc)  %6.2f\n",
           cr->cost.allocs);
  printf("    connection timers armed / stopped          %6.2f / %.2f\n",
         cr->cost.timers_armed, cr->cost.timers_stopped);
  if (loops)
    printf("    loop deadline timers armed                 %6.2f\n",
           cr->cost.loop_arms);
  printf("    frames sent                                %6.2f\n",
         cr->cost.frames);
}

/* Both runs of short connections; the figures are per connection, both
 * sides together, over the second half of each run. */
static int short_connections(void) {
  struct conn_run eng, api;
  if (run_conns(CONNS, &eng) != 0 || run_api_conns(CONNS, &api) != 0) {
    fprintf(stderr, "bench_tcp: a short connection failed\n");
    return 1;
  }
  printf("short connections, %u of each, per connection (both sides):\n",
         CONNS);
  print_cost("engine (in-memory link)", &eng, false);
  printf("    (connect, 64 bytes up, the server closes first)\n");
  print_cost("API (two loops, in-memory link)", &api, true);
  printf("    (connect, 64 bytes each way, the client closes first)\n");
  if (!COUNTING)
    printf("allocator calls: not counted in this build\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--conns") == 0)
    return short_connections();
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  size_t mb = argc > 2 ? (size_t)atoi(argv[2]) : 64;
  if (runs < 1 || runs > 100 || mb < 1 || mb > 4096) {
    fprintf(stderr, "usage: bench_tcp [RUNS 1..100 [MEGABYTES 1..4096]]\n"
                    "       bench_tcp --conns   (short connections only)\n");
    return 2;
  }
  double sv[100], kv[100], av[100], steady[100];
  for (int i = 0; i < runs; i++) { /* interleaved, so drift hits both */
    struct synfin_run r;
    if (run_synfin(mb << 20, &r) != 0) {
      fprintf(stderr, "bench_tcp: setup failed\n");
      return 1;
    }
    sv[i] = r.mb_s;
    av[i] = r.allocs_per_mb;
    steady[i] = r.steady_allocs_per_mb;
    kv[i] = run_kernel(mb << 20);
    if (kv[i] < 0) {
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
  if (COUNTING) {
    printf("  allocator calls (malloc, calloc, realloc), medians:\n");
    printf("    per MB, whole transfer        %8.2f\n", median(av, runs));
    printf("    per MB, second half           %8.2f\n", median(steady, runs));
  }
  return short_connections();
}
