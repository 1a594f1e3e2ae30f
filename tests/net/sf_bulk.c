/*
 * sf_bulk: bulk transfers and request/response between synfin (on an
 * AF_PACKET interface, through the public API only) and the Linux
 * kernel's TCP, for tests/net/test_kernel_bulk.sh and bench/bench_veth.sh.
 *
 *   sf_bulk --device DEV --address A.B.C.D/P [OPTIONS] MODE ...
 *
 * Modes:
 *   send HOST PORT BYTES   connect, send BYTES of the deterministic stream
 *                          (xorshift64*, seed --seed), shut down, read to
 *                          EOF (the peer's FIN), print the result
 *   recv PORT              listen, accept one connection, read to EOF
 *                          hashing everything, shut down, print the result
 *   echo PORT              echo server (nodelay) for request/response
 *                          latency: one connection, echoed until the
 *                          peer's EOF; then the program ends
 *
 * Options:
 *   --pcap FILE            record synfin's interface
 *   --mtu N                IP MTU (default: the device's)
 *   --ring                 receive through the TPACKET_V3 ring
 *   --ring2                receive through the TPACKET_V2 ring (in place,
 *                          the default)
 *   --mmsg                 receive with recvmmsg
 *   --bypass               transmit with PACKET_QDISC_BYPASS
 *   --no-offload           no PACKET_VNET_HDR
 *   --sndbuf N --rcvbuf N  per-connection buffers (bytes)
 *   --deadline S           give up after S seconds (exit 2; default 60)
 *   --seed N               stream seed for send (default 1)
 *   --no-hash              skip SHA-256 (benchmarks; sha256= prints "-")
 *   --no-rack              losses by three duplicate ACKs, not RACK
 *   --fault-seed S --loss PPM --dup PPM --reorder PPM --reorder-ms N
 *   --delay-ms N           faults at synfin's interface, both directions
 *
 * send and recv print "ready" once listening / the interface is open and
 * finally one line
 *   result mode=M bytes=N sha256=HEX elapsed_ms=T mbit_s=R retransmits=K
 *          bytes_retrans=B rtt_us=U cwnd=C
 * then "counters ..." (every stack counter) and "iface ..." (frame counts).
 * elapsed_ms runs from the established connection to the peer's EOF
 * (recv) or to the peer's EOF after our FIN (send). Exit 0 on success,
 * 1 on any error, 2 at the deadline.
 */
#include "config.h"

#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synfin.h"

enum mode { MODE_SEND, MODE_RECV, MODE_ECHO };

#define CHUNK (64 * 1024)
#define NWRITES 4 /* write requests kept queued by the sender */

struct opts {
  const char *device, *address, *pcap, *host;
  enum mode mode;
  int port, ring, bypass, no_offload, no_hash, no_rack;
  unsigned int mtu;
  unsigned long long bytes, seed, deadline_s, sndbuf, rcvbuf;
  const char *cc; /* --cc: the congestion control, NULL: the default */
  sf_fault_config_t fault;
  int faulty;
};

struct bulk;

struct chunk_write {
  sf_write_t req;
  struct bulk *b;
  bool filled; /* with --no-hash the bytes are never checked: filled once */
  char data[CHUNK];
};

struct bulk {
  struct opts o;
  sf_loop_t loop;
  sf_iface_t iface;
  sf_tcp_t server, conn;
  sf_connect_t connect;
  sf_shutdown_t shutdown;
  sf_timer_t deadline, sigpoll;
  struct chunk_write *writes[NWRITES];
  EVP_MD_CTX *md;
  uint64_t rng;             /* the stream's generator state */
  unsigned long long queued, received, echo_conns;
  struct timespec t0;
  double elapsed_ms;
  sf_tcp_info_t info;
  int have_conn, eof, shut_done, finished, failed, conn_closing;
  char rbuf[CHUNK];
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

static void die_usage(void) {
  fprintf(stderr,
          "usage: sf_bulk --device DEV --address A.B.C.D/P [--pcap F] "
          "[--mtu N] [--ring] [--ring2] [--mmsg] [--bypass] [--no-offload] [--sndbuf N] "
          "[--rcvbuf N] [--deadline S] [--seed N] [--no-hash] [--no-rack] "
          "[--fault-seed S] "
          "[--loss PPM] [--dup PPM] [--reorder PPM] [--reorder-ms N] "
          "[--delay-ms N] [--cc newreno|cubic] MODE ...\n"
          "  send HOST PORT BYTES | recv PORT | echo PORT\n");
  exit(1);
}

static unsigned long long num(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (!*s || *end)
    die_usage();
  return v;
}

/* xorshift64*: fills n bytes (a multiple of 8 except at the very end). */
static void stream_fill(uint64_t *state, char *dst, size_t n) {
  uint64_t x = *state;
  for (size_t i = 0; i < n; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    uint64_t v = x * 0x2545F4914F6CDD1DULL;
    size_t k = n - i < 8 ? n - i : 8;
    memcpy(dst + i, &v, k);
  }
  *state = x;
}

static double ms_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
         (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ------------------------------------------------------------ the end */

/* Echo connections are the handles whose data points at themselves. */
static void close_all(sf_handle_t *h, void *arg) {
  (void)arg;
  if (!sf_is_closing(h))
    sf_close(h, h->data == h ? (sf_close_cb)free : NULL);
}

static void print_counters(struct bulk *b);

static void finish(struct bulk *b, int failed) {
  if (b->finished)
    return;
  b->finished = 1;
  b->failed |= failed;
  if (b->o.mode != MODE_ECHO)
    print_counters(b);
  sf_walk(&b->loop, close_all, NULL);
}

static void print_result(struct bulk *b) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char hex[2 * EVP_MAX_MD_SIZE + 1] = "-";
  if (!b->o.no_hash)
    EVP_DigestFinal_ex(b->md, md, &mdlen);
  for (unsigned int i = 0; i < mdlen; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  unsigned long long n = b->o.mode == MODE_SEND ? b->queued : b->received;
  double ms = b->elapsed_ms > 0 ? b->elapsed_ms : 1e-3;
  printf("result mode=%s bytes=%llu sha256=%s elapsed_ms=%.1f mbit_s=%.1f "
         "retransmits=%llu bytes_retrans=%llu rtt_us=%llu cwnd=%u "
         "snd_wnd=%u rcv_wnd=%u cc=%s\n",
         b->o.mode == MODE_SEND ? "send" : "recv", n, hex, ms,
         (double)n * 8 / ms / 1e3, b->info.retransmits, b->info.bytes_retrans,
         b->info.rtt_us, b->info.cwnd, b->info.snd_wnd, b->info.rcv_wnd,
         b->info.congestion[0] ? b->info.congestion : "-");
}

static void print_counters(struct bulk *b) {
  int n = sf_loop_counters(&b->loop, NULL, 0);
  sf_counter_t *all = n > 0 ? calloc((size_t)n, sizeof(*all)) : NULL;
  printf("counters");
  if (all && sf_loop_counters(&b->loop, all, (size_t)n) >= 0)
    for (int k = 0; k < n; k++)
      if (all[k].value)
        printf(" %s=%llu", all[k].name, all[k].value);
  printf("\n");
  free(all);
  sf_iface_stats_t st;
  if (sf_iface_stats(&b->iface, &st) == 0)
    printf("iface tx_frames=%llu rx_frames=%llu tx_dropped=%llu "
           "rx_truncated=%llu fault_tx_lost=%llu fault_rx_lost=%llu\n",
           st.tx_frames, st.rx_frames, st.tx_dropped, st.rx_truncated,
           st.fault_tx_lost, st.fault_rx_lost);
}

/* The transfer is over once our FIN was acknowledged and the peer's came. */
static void maybe_done(struct bulk *b) {
  if (!b->eof || !b->shut_done || b->finished)
    return;
  if (b->o.mode == MODE_SEND)
    b->elapsed_ms = ms_since(&b->t0);
  sf_tcp_info(&b->conn, &b->info);
  print_result(b);
  finish(b, 0);
}

static void fail(struct bulk *b, const char *what, int err) {
  fprintf(stderr, "sf_bulk: %s: %s\n", what, sf_strerror(err));
  if (b->have_conn && sf_tcp_info(&b->conn, &b->info) == 0)
    fprintf(stderr, "sf_bulk: state=%s queued=%llu received=%llu "
            "retransmits=%llu unsent=%u in_flight=%u\n",
            sf_tcp_state_name(b->info.state), b->queued, b->received,
            b->info.retransmits, b->info.unsent, b->info.bytes_in_flight);
  finish(b, 1);
}

/* ------------------------------------------------------------ reading */

static void rd_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  struct bulk *b = h->data;
  (void)size;
  *buf = sf_buf_init(b->rbuf, sizeof(b->rbuf));
}

static void on_shut(sf_shutdown_t *req, int status) {
  struct bulk *b = req->data;
  if (status < 0)
    return fail(b, "shutdown", status);
  b->shut_done = 1;
  maybe_done(b);
}

static void start_shutdown(struct bulk *b) {
  b->shutdown.data = b;
  int rc = sf_shutdown(&b->shutdown, (sf_stream_t *)&b->conn, on_shut);
  if (rc < 0)
    fail(b, "sf_shutdown", rc);
}

static void on_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct bulk *b = stream->data;
  if (n > 0) {
    if (!b->o.no_hash)
      EVP_DigestUpdate(b->md, buf->base, (size_t)n);
    b->received += (unsigned long long)n;
    return;
  }
  if (n == SF_EOF) {
    b->eof = 1;
    if (b->o.mode == MODE_RECV) {
      /* the transfer ends at the sender's FIN; ours follows */
      b->elapsed_ms = ms_since(&b->t0);
      start_shutdown(b);
    } else {
      maybe_done(b);
    }
    return;
  }
  if (n < 0)
    fail(b, "read", (int)n);
}

/* ------------------------------------------------------------ sending */

static void pump(struct bulk *b, struct chunk_write *w);

static void on_written(sf_write_t *req, int status) {
  struct chunk_write *w = req->data;
  if (status < 0)
    return fail(w->b, "write", status);
  pump(w->b, w);
}

/* Queues the stream's next chunk in w, or shuts down after the last. */
static void pump(struct bulk *b, struct chunk_write *w) {
  if (b->finished)
    return;
  unsigned long long left = b->o.bytes - b->queued;
  if (left == 0)
    return;
  size_t n = left < CHUNK ? (size_t)left : CHUNK;
  /* Generating the stream costs about as much CPU as synfin's sending
   * (perf: half the sender's profile at 5 Gbit/s), so a benchmark
   * (--no-hash) sends the same random chunks over and over. */
  if (!b->o.no_hash || !w->filled)
    stream_fill(&b->rng, w->data, n);
  w->filled = true;
  if (!b->o.no_hash)
    EVP_DigestUpdate(b->md, w->data, n);
  b->queued += n;
  sf_buf_t buf = sf_buf_init(w->data, n);
  w->req.data = w;
  int rc = sf_write(&w->req, (sf_stream_t *)&b->conn, &buf, 1, on_written);
  if (rc < 0)
    fail(b, "sf_write", rc);
  else if (b->queued == b->o.bytes)
    start_shutdown(b); /* the FIN goes after every queued write */
}

static void on_connect(sf_connect_t *req, int status) {
  struct bulk *b = req->data;
  if (status < 0)
    return fail(b, "connect", status);
  clock_gettime(CLOCK_MONOTONIC, &b->t0);
  int rc = sf_read_start((sf_stream_t *)&b->conn, rd_alloc, on_read);
  if (rc < 0)
    return fail(b, "sf_read_start", rc);
  for (int i = 0; i < NWRITES && !b->finished; i++) {
    b->writes[i]->b = b;
    pump(b, b->writes[i]);
  }
  if (b->o.bytes == 0)
    start_shutdown(b);
}

/* ------------------------------------------------------------ echo mode */

struct echo_write {
  sf_write_t req;
  char data[];
};

static void echo_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)h;
  struct echo_write *w = malloc(sizeof(*w) + size);
  *buf = sf_buf_init(w ? w->data : NULL, w ? size : 0);
}

static void echo_written(sf_write_t *req, int status) {
  (void)status;
  free(req->data);
}

static void echo_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct echo_write *w =
      buf->base ? (struct echo_write *)(buf->base -
                                        offsetof(struct echo_write, data))
                : NULL;
  if (n > 0) {
    sf_buf_t out = sf_buf_init(buf->base, (size_t)n);
    w->req.data = w;
    if (sf_write(&w->req, stream, &out, 1, echo_written) == 0)
      return;
  }
  free(w);
  if (n < 0) { /* EOF or error: close (FIN after the echoed bytes), end */
    sf_close((sf_handle_t *)stream, (sf_close_cb)free);
    finish(stream->loop->data, 0);
  }
}

/* ------------------------------------------------------------ listening */

static void on_connection(sf_tcp_t *server, int status) {
  struct bulk *b = server->data;
  if (status < 0)
    return fail(b, "listen", status);
  if (b->o.mode == MODE_ECHO) {
    sf_tcp_t *c = calloc(1, sizeof(*c));
    if (!c || sf_tcp_init(&b->loop, c) < 0)
      return free(c);
    b->echo_conns++;
    c->data = c;
    sf_tcp_nodelay(c, 1);
    if (sf_accept(server, c) < 0 ||
        sf_read_start((sf_stream_t *)c, echo_alloc, echo_read) < 0)
      sf_close((sf_handle_t *)c, (sf_close_cb)free);
    return;
  }
  if (b->have_conn)
    return; /* one transfer only; later ones wait in the queue */
  int rc;
  if ((rc = sf_tcp_init(&b->loop, &b->conn)) < 0 ||
      (rc = sf_accept(server, &b->conn)) < 0)
    return fail(b, "accept", rc);
  b->have_conn = 1;
  b->conn.data = b;
  clock_gettime(CLOCK_MONOTONIC, &b->t0);
  if ((rc = sf_read_start((sf_stream_t *)&b->conn, rd_alloc, on_read)) < 0)
    return fail(b, "sf_read_start", rc);
  sf_close((sf_handle_t *)server, NULL); /* no second connection */
}

/* ------------------------------------------------------------ setup */

static void on_deadline(sf_timer_t *t) {
  struct bulk *b = t->data;
  fprintf(stderr, "sf_bulk: deadline of %llu s reached\n", b->o.deadline_s);
  if (b->o.mode != MODE_ECHO) {
    fail(b, "deadline", SF_ETIMEDOUT);
    b->failed = 2;
  } else {
    finish(b, 0);
  }
}

static void on_sigpoll(sf_timer_t *t) {
  struct bulk *b = t->data;
  if (got_signal)
    finish(b, b->o.mode != MODE_ECHO);
}

static int fault_opt(struct opts *o, const char *name, const char *val) {
  sf_fault_dir_t *d = &o->fault.tx;
  unsigned long long v = num(val);
  if (!strcmp(name, "--fault-seed"))
    o->fault.seed = v;
  else if (!strcmp(name, "--loss"))
    d->loss_ppm = (unsigned)v;
  else if (!strcmp(name, "--dup"))
    d->dup_ppm = (unsigned)v;
  else if (!strcmp(name, "--reorder"))
    d->reorder_ppm = (unsigned)v;
  else if (!strcmp(name, "--reorder-ms"))
    d->reorder_max_delay_ns = v * 1000000ull;
  else if (!strcmp(name, "--delay-ms"))
    d->delay_ns = v * 1000000ull;
  else
    return 0;
  o->faulty = 1;
  return 1;
}

static void parse(int argc, char **argv, struct opts *o) {
  int i = 1;
  o->deadline_s = 60;
  o->seed = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--ring")) { o->ring = SF_PACKET_RING_V3; continue; }
    if (!strcmp(a, "--ring2")) { o->ring = SF_PACKET_RING_V2; continue; }
    if (!strcmp(a, "--mmsg")) { o->ring = SF_PACKET_RECVMMSG; continue; }
    if (!strcmp(a, "--bypass")) { o->bypass = 1; continue; }
    if (!strcmp(a, "--no-offload")) { o->no_offload = 1; continue; }
    if (!strcmp(a, "--no-hash")) { o->no_hash = 1; continue; }
    if (!strcmp(a, "--no-rack")) { o->no_rack = 1; continue; }
    if (i + 1 >= argc)
      die_usage();
    const char *v = argv[++i];
    if (!strcmp(a, "--device")) o->device = v;
    else if (!strcmp(a, "--address")) o->address = v;
    else if (!strcmp(a, "--pcap")) o->pcap = v;
    else if (!strcmp(a, "--mtu")) o->mtu = (unsigned)num(v);
    else if (!strcmp(a, "--sndbuf")) o->sndbuf = num(v);
    else if (!strcmp(a, "--rcvbuf")) o->rcvbuf = num(v);
    else if (!strcmp(a, "--deadline")) o->deadline_s = num(v);
    else if (!strcmp(a, "--seed")) o->seed = num(v);
    else if (!strcmp(a, "--cc")) o->cc = v;
    else if (!fault_opt(o, a, v)) die_usage();
  }
  if (!o->device || !o->address || i >= argc)
    die_usage();
  const char *m = argv[i++];
  if (!strcmp(m, "send") && argc - i == 3) {
    o->mode = MODE_SEND;
    o->host = argv[i];
    o->port = (int)num(argv[i + 1]);
    o->bytes = num(argv[i + 2]);
  } else if ((!strcmp(m, "recv") || !strcmp(m, "echo")) && argc - i == 1) {
    o->mode = !strcmp(m, "recv") ? MODE_RECV : MODE_ECHO;
    o->port = (int)num(argv[i]);
  } else {
    die_usage();
  }
  /* the same faults both ways */
  if (o->fault.tx.reorder_ppm && !o->fault.tx.reorder_max_delay_ns)
    o->fault.tx.reorder_max_delay_ns = 2000000;
  o->fault.rx = o->fault.tx;
}

static int open_iface(struct bulk *b) {
  sf_iface_config_t cfg = {.address = b->o.address,
                           .mtu = b->o.mtu,
                           .pcap_path = b->o.pcap,
                           .fault = b->o.faulty ? &b->o.fault : NULL};
  sf_packet_options_t po = {.device = b->o.device,
                            .ring = b->o.ring,
                            .qdisc_bypass = b->o.bypass,
                            .no_offload_metadata = b->o.no_offload};
  int rc = sf_iface_open_packet(&b->loop, &b->iface, &cfg, &po);
  if (rc < 0)
    fprintf(stderr, "sf_bulk: %s\n", sf_loop_last_error(&b->loop));
  return rc;
}

static int start(struct bulk *b) {
  struct sockaddr_in sa;
  int rc;
  if (b->o.mode == MODE_SEND) {
    if ((rc = sf_ip4_addr(b->o.host, b->o.port, &sa)) < 0 ||
        (rc = sf_tcp_init(&b->loop, &b->conn)) < 0)
      return rc;
    b->have_conn = 1;
    b->conn.data = b;
    b->connect.data = b;
    if (b->o.cc && (rc = sf_tcp_congestion(&b->conn, b->o.cc)) < 0)
      return rc;
    return sf_tcp_connect(&b->connect, &b->conn, (struct sockaddr *)&sa,
                          on_connect);
  }
  if ((rc = sf_ip4_addr("0.0.0.0", b->o.port, &sa)) < 0 ||
      (rc = sf_tcp_init(&b->loop, &b->server)) < 0)
    return rc;
  b->server.data = b;
  /* on the listener: the accepted connections inherit it */
  if (b->o.cc && (rc = sf_tcp_congestion(&b->server, b->o.cc)) < 0)
    return rc;
  if ((rc = sf_tcp_bind(&b->server, (struct sockaddr *)&sa, 0)) < 0 ||
      (rc = sf_listen(&b->server, 16, on_connection)) < 0)
    return rc;
  printf("ready\n");
  fflush(stdout);
  return 0;
}

static int init_loop(struct bulk *b) {
  sf_loop_options_t lo;
  sf_loop_options_default(&lo);
  if (b->o.sndbuf)
    lo.sndbuf = (size_t)b->o.sndbuf;
  if (b->o.rcvbuf)
    lo.rcvbuf = (size_t)b->o.rcvbuf;
  lo.msl_ms = 1000; /* nothing waits for TIME-WAIT here */
  lo.rack = !b->o.no_rack;
  int rc = sf_loop_init_ex(&b->loop, NULL, &lo);
  if (rc < 0)
    fprintf(stderr, "sf_bulk: loop: %s\n", sf_strerror(rc));
  return rc;
}

int main(int argc, char **argv) {
  static struct bulk bk; /* large (buffers): not on the stack */
  struct bulk *b = &bk;
  parse(argc, argv, &b->o);
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  b->rng = b->o.seed * 0x9E3779B97F4A7C15ULL | 1;
  b->md = EVP_MD_CTX_new();
  if (!b->md || !EVP_DigestInit_ex(b->md, EVP_sha256(), NULL))
    return 1;
  for (int i = 0; i < NWRITES; i++)
    if (!(b->writes[i] = calloc(1, sizeof(*b->writes[i]))))
      return 1;
  if (init_loop(b) < 0 || open_iface(b) < 0)
    return 1;
  b->loop.data = b;
  sf_timer_init(&b->loop, &b->deadline);
  b->deadline.data = b;
  sf_timer_start(&b->deadline, on_deadline, b->o.deadline_s * 1000, 0);
  sf_unref((sf_handle_t *)&b->deadline);
  sf_timer_init(&b->loop, &b->sigpoll);
  b->sigpoll.data = b;
  sf_timer_start(&b->sigpoll, on_sigpoll, 100, 100);
  sf_unref((sf_handle_t *)&b->sigpoll);
  int rc = start(b);
  if (rc < 0) {
    fprintf(stderr, "sf_bulk: start: %s\n", sf_strerror(rc));
    finish(b, 1);
  }
  /* the echo server has no natural end: keep the loop alive until told */
  if (b->o.mode == MODE_ECHO && rc == 0)
    sf_ref((sf_handle_t *)&b->sigpoll);
  sf_run(&b->loop, SF_RUN_DEFAULT);
  if (!b->finished)
    finish(b, 0);
  sf_run(&b->loop, SF_RUN_DEFAULT);
  int lc = sf_loop_close(&b->loop);
  if (lc < 0)
    fprintf(stderr, "sf_bulk: loop close: %s\n", sf_strerror(lc));
  EVP_MD_CTX_free(b->md);
  for (int i = 0; i < NWRITES; i++)
    free(b->writes[i]);
  return b->failed ? b->failed : 0;
}
