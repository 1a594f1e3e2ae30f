/*
 * lifecycle_server: a synfin server on a real network device that prints
 * each connection's lifecycle as it happens, for people to read. It is
 * what samples/kernel_demo.sh runs against the kernel's curl and nc.
 *
 *   lifecycle_server --device D --address A/P [--port 8080] [--pcap F]
 *                    [--count N] [--deadline S] [--msl-ms M] [--all]
 *
 * It opens an AF_PACKET interface on D (synfin owns A there; the kernel
 * must hold no address on D), listens on A:port and, per connection:
 *   - prints on_syn (the SYN's options and the verdict), on_established,
 *     every state change, on_fin (the peer half-closed), on_time_wait
 *     (and its length) and the end of the connection;
 *   - HTTP (the first bytes look like "GET " etc.): answers a tiny
 *     HTTP/1.0 page after the request head and closes first (so synfin
 *     is the one in TIME-WAIT);
 *   - anything else is echoed; a line "quit" is answered "bye" and the
 *     server closes first; at the peer's EOF (nc -N's half-close) the
 *     server finishes echoing and closes second (the peer gets TIME-WAIT).
 * After N connections have ended (--count; 0 runs until SIGINT/SIGTERM)
 * or after S seconds (--deadline), it closes everything and prints the
 * stack's counters (the interesting ones; --all: every non-zero one).
 * Exit status: 0 when N connections ended, 1 on a deadline or an error.
 *
 * Only the public API (synfin.h) is used. Times are seconds since start,
 * from our own clock: on_syn must not call synfin functions.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synfin.h"

enum mode { MODE_UNKNOWN, MODE_HTTP, MODE_ECHO };

struct app {
  sf_loop_t loop;
  sf_iface_t iface;
  sf_tcp_t server;
  sf_timer_t tick;
  struct timespec t0;
  const char *device, *address, *pcap;
  char ip[32];
  int port;
  unsigned count, ended, conns;
  unsigned long long deadline_ms, msl_ms, elapsed_ms;
  int all_counters, finished, timed_out, have_stats;
  sf_iface_stats_t stats;
  char rbuf[65536];
};

struct conn {
  sf_tcp_t tcp;
  sf_shutdown_t shutdown;
  struct app *app;
  enum mode mode;
  int shut;      /* our FIN is queued */
  int fin_acked; /* ... and acknowledged (or failed) */
  int eof;       /* the peer's FIN was read */
  size_t head_len;
  char head[2048]; /* an HTTP request head, until its blank line */
};

/* A write request and the bytes it sends, freed together. */
struct out {
  sf_write_t req;
  char data[];
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

/* ---------------------------------------------------------------- output */

static double elapsed(const struct app *a) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - a->t0.tv_sec) +
         (double)(t.tv_nsec - a->t0.tv_nsec) / 1e9;
}

/* One aligned line: "  1.234  198.18.30.1:41234  EVENT        text". */
static void say(const struct app *a, const char *who, const char *event,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void say(const struct app *a, const char *who, const char *event,
                const char *fmt, ...) {
  printf("%8.3f  %-21s  %-12s ", elapsed(a), who, event);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* ----------------------------------------------------------------- hooks */

/* An address as say prints it; buf holds SF_ADDR_NAME_LEN bytes. */
static const char *addr_text(const struct sockaddr_storage *sa, char *buf) {
  if (sf_addr_name((const struct sockaddr *)sa, buf, SF_ADDR_NAME_LEN) < 0)
    buf[0] = '\0';
  return buf;
}

/* Called inside the stack: print only, call nothing of synfin's. */
static sf_syn_verdict_t on_syn(void *arg, const sf_syn_info_t *s) {
  char w[SF_ADDR_NAME_LEN];
  char opts[96] = "";
  size_t n = 0;
  if (s->options & SF_TCPI_OPT_MSS)
    n += (size_t)snprintf(opts + n, sizeof(opts) - n, "mss %u, ", s->mss);
  if (s->options & SF_TCPI_OPT_WSCALE)
    n += (size_t)snprintf(opts + n, sizeof(opts) - n, "wscale %u, ",
                          s->wscale);
  if (s->options & SF_TCPI_OPT_SACK)
    n += (size_t)snprintf(opts + n, sizeof(opts) - n, "sack, ");
  if (s->options & SF_TCPI_OPT_TIMESTAMPS)
    n += (size_t)snprintf(opts + n, sizeof(opts) - n, "timestamps, ");
  if (n >= 2 && n < sizeof(opts))
    opts[n - 2] = '\0';
  say(arg, addr_text(&s->peer, w), "SYN", "options: %s -> accept",
      n ? opts : "none");
  return SF_SYN_ACCEPT;
}

static void on_established(void *arg, const sf_tcp_event_info_t *i) {
  char w[SF_ADDR_NAME_LEN];
  say(arg, addr_text(&i->peer, w), "ESTABLISHED", "handshake complete");
}

static void on_state(void *arg, const sf_tcp_event_info_t *i) {
  char w[SF_ADDR_NAME_LEN];
  say(arg, addr_text(&i->peer, w), "state", "%s -> %s",
      sf_tcp_state_name(i->old_state), sf_tcp_state_name(i->new_state));
}

static void on_fin(void *arg, const sf_tcp_event_info_t *i) {
  char w[SF_ADDR_NAME_LEN];
  say(arg, addr_text(&i->peer, w), "FIN", "peer half-closed");
}

static void on_time_wait(void *arg, const sf_tcp_event_info_t *i) {
  char w[SF_ADDR_NAME_LEN];
  say(arg, addr_text(&i->peer, w), "TIME-WAIT",
      "for %llu ms (we closed first)", i->duration_ms);
}

static void on_closed(void *arg, const sf_tcp_event_info_t *i) {
  char w[SF_ADDR_NAME_LEN];
  struct app *a = arg;
  char of[32] = "";
  a->ended++;
  if (a->count)
    snprintf(of, sizeof(of), " of %u", a->count);
  say(a, addr_text(&i->peer, w), "closed", "%s (%u%s ended)",
      i->error ? sf_strerror(i->error) : "connection over", a->ended, of);
  if (a->count && a->ended >= a->count)
    a->finished = 1;
}

static const sf_tcp_hooks_t hooks = {
    .on_syn = on_syn,
    .on_established = on_established,
    .on_fin = on_fin,
    .on_time_wait = on_time_wait,
    .on_state = on_state,
    .on_closed = on_closed,
};

/* ----------------------------------------------------------- connections */

/* The peer as addr_text writes it, or "" once it is unknown. */
static const char *peer_name(const struct conn *c, char *buf) {
  struct sockaddr_storage peer;
  int len = sizeof(peer);
  if (sf_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &len) < 0) {
    buf[0] = '\0';
    return buf;
  }
  return addr_text(&peer, buf);
}

static void conn_say(const struct conn *c, const char *event, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));
static void conn_say(const struct conn *c, const char *event, const char *fmt,
                     ...) {
  char text[256], who[SF_ADDR_NAME_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  say(c->app, peer_name(c, who), event, "%s", text);
}

static void free_conn(sf_handle_t *h) { free(h->data); }

static void written(sf_write_t *req, int status) {
  (void)status; /* an error also reaches read_cb */
  free(req->data);
}

/* Queues a copy of len bytes. Returns 0 or SF_E*. */
static int send_copy(struct conn *c, const char *bytes, size_t len) {
  struct out *o = malloc(sizeof(*o) + len);
  if (!o)
    return SF_ENOMEM;
  memcpy(o->data, bytes, len);
  o->req.data = o;
  sf_buf_t b = sf_buf_init(o->data, len);
  int rc = sf_write(&o->req, (sf_stream_t *)&c->tcp, &b, 1, written);
  if (rc < 0)
    free(o);
  return rc;
}

/* Both FINs are through (ours acknowledged, the peer's read): nothing is
 * left to do on the handle, so close it; the stack keeps any TIME-WAIT. */
static void maybe_close(struct conn *c) {
  if (c->eof && c->fin_acked && !sf_is_closing((sf_handle_t *)&c->tcp))
    sf_close((sf_handle_t *)&c->tcp, free_conn);
}

static void shut_done(sf_shutdown_t *req, int status) {
  struct conn *c = req->data;
  c->fin_acked = 1;
  if (status < 0 && !sf_is_closing((sf_handle_t *)&c->tcp))
    sf_close((sf_handle_t *)&c->tcp, free_conn);
  else
    maybe_close(c);
}

/* Sends our FIN after everything queued. */
static void close_first(struct conn *c) {
  if (c->shut)
    return;
  c->shut = 1;
  c->shutdown.data = c;
  if (sf_shutdown(&c->shutdown, (sf_stream_t *)&c->tcp, shut_done) < 0)
    sf_close((sf_handle_t *)&c->tcp, free_conn);
}

/* The first line of p (at most 40 bytes) into text; "..." if more
 * follows and dots is set. */
static void first_line(const char *p, size_t n, char *text, size_t size,
                       int dots) {
  size_t line = 0, end = n;
  while (line < n && p[line] != '\r' && p[line] != '\n')
    line++;
  while (end > line && (p[end - 1] == '\r' || p[end - 1] == '\n'))
    end--;
  size_t shown = line < 40 ? line : 40;
  snprintf(text, size, "%.*s%s", (int)shown, p,
           dots && shown < end ? "..." : "");
}

static int looks_like_http(const char *p, size_t n) {
  static const char *const methods[] = {"GET ", "HEAD ", "POST ", "PUT "};
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    size_t m = strlen(methods[i]);
    if (n >= m && !memcmp(p, methods[i], m))
      return 1;
  }
  return 0;
}

static void http_respond(struct conn *c) {
  char body[160], resp[400], line[80], who[SF_ADDR_NAME_LEN];
  snprintf(body, sizeof(body),
           "Hello %s, this page came from synfin, "
           "a TCP/IP stack in user space.\n",
           peer_name(c, who));
  /* No Content-Length: as HTTP/1.0 allows, our FIN ends the body, so
   * the client reads until it and closes second (RFC 1945 7.2.2). With a
   * length, curl may close at the same time as we do, and both ends
   * would hold TIME-WAIT. */
  int n = snprintf(resp, sizeof(resp),
                   "HTTP/1.0 200 OK\r\nServer: synfin\r\n"
                   "Content-Type: text/plain\r\nConnection: close\r\n\r\n%s",
                   body);
  first_line(c->head, c->head_len, line, sizeof(line), 0);
  conn_say(c, "HTTP", "\"%s\" -> 200 OK, %d bytes, then we close first",
           line, n);
  if (send_copy(c, resp, (size_t)n) < 0)
    sf_close((sf_handle_t *)&c->tcp, free_conn);
  else
    close_first(c);
}

/* Collects the request head; answers once its blank line arrived. */
static void http_data(struct conn *c, const char *p, size_t n) {
  if (c->shut)
    return; /* answered already: ignore a request body */
  size_t room = sizeof(c->head) - 1 - c->head_len;
  memcpy(c->head + c->head_len, p, n < room ? n : room);
  c->head_len += n < room ? n : room;
  c->head[c->head_len] = '\0';
  if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n") || !room)
    http_respond(c);
}

static int is_quit(const char *p, size_t n) {
  return n >= 4 && !memcmp(p, "quit", 4) &&
         (n == 4 || p[4] == '\n' || p[4] == '\r');
}

static void echo_data(struct conn *c, const char *p, size_t n) {
  char text[64];
  first_line(p, n, text, sizeof(text), 1);
  if (is_quit(p, n)) {
    conn_say(c, "data", "\"%s\" -> \"bye\", then we close first", text);
    if (send_copy(c, "bye\n", 4) < 0)
      sf_close((sf_handle_t *)&c->tcp, free_conn);
    else
      close_first(c);
    return;
  }
  if (c->shut)
    return;
  conn_say(c, "data", "%zu bytes \"%s\" echoed back", n, text);
  if (send_copy(c, p, n) < 0)
    sf_close((sf_handle_t *)&c->tcp, free_conn);
}

/* Every read lands in the app's one buffer: each chunk is copied (or
 * answered) before the next read. */
static void on_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  struct app *a = h->loop->data;
  *buf = sf_buf_init(a->rbuf, size < sizeof(a->rbuf) ? size : sizeof(a->rbuf));
}

static void on_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct conn *c = stream->data;
  if (n > 0) {
    if (c->mode == MODE_UNKNOWN)
      c->mode = looks_like_http(buf->base, (size_t)n) ? MODE_HTTP : MODE_ECHO;
    if (c->mode == MODE_HTTP)
      http_data(c, buf->base, (size_t)n);
    else
      echo_data(c, buf->base, (size_t)n);
  } else if (n == SF_EOF) {
    c->eof = 1;
    if (!c->shut)
      close_first(c); /* we close second: finish echoing, then our FIN */
    else
      maybe_close(c);
  } else if (n < 0) {
    conn_say(c, "error", "%s", sf_strerror((int)n));
    if (!sf_is_closing((sf_handle_t *)stream))
      sf_close((sf_handle_t *)stream, free_conn);
  }
}

static void on_connection(sf_tcp_t *server, int status) {
  struct app *a = server->data;
  struct conn *c = status < 0 ? NULL : calloc(1, sizeof(*c));
  if (!c || sf_tcp_init(&a->loop, &c->tcp) < 0) {
    free(c);
    return;
  }
  c->app = a;
  c->tcp.data = c;
  a->conns++;
  if (sf_accept(server, &c->tcp) < 0 ||
      sf_read_start((sf_stream_t *)&c->tcp, on_alloc, on_read) < 0)
    sf_close((sf_handle_t *)&c->tcp, free_conn);
}

/* ------------------------------------------------------------ the server */

static void close_handle(sf_handle_t *h, void *arg) {
  (void)arg;
  if (sf_is_closing(h))
    return;
  int conn = h->type == SF_TCP && h->data && h->data != h->loop->data;
  sf_close(h, conn ? free_conn : NULL);
}

/* Every 100 ms: a signal, the deadline, or the last connection ended. */
static void on_tick(sf_timer_t *t) {
  struct app *a = t->data;
  a->elapsed_ms += 100;
  if (a->deadline_ms && a->elapsed_ms >= a->deadline_ms && !a->finished) {
    say(a, "", "deadline", "%llu s passed with %u of %u connections ended",
        a->deadline_ms / 1000, a->ended, a->count);
    a->timed_out = 1;
  }
  if (interrupted)
    say(a, "", "signal", "stopping");
  if (a->finished || a->timed_out || interrupted) {
    /* The interface's counters die with it: keep them for the summary. */
    a->have_stats = sf_iface_stats(&a->iface, &a->stats) == 0;
    sf_walk(&a->loop, close_handle, NULL);
  }
}

static int start(struct app *a) {
  sf_iface_config_t cfg = {.address = a->address, .pcap_path = a->pcap};
  sf_packet_options_t po = {.device = a->device};
  struct sockaddr_in sa;
  int rc = sf_iface_open_packet(&a->loop, &a->iface, &cfg, &po);
  if (rc < 0) {
    fprintf(stderr, "lifecycle_server: %s\n", sf_loop_last_error(&a->loop));
    return rc;
  }
  if ((rc = sf_ip4_addr(a->ip, a->port, &sa)) < 0 ||
      (rc = sf_tcp_init(&a->loop, &a->server)) < 0)
    return rc;
  a->server.data = a;
  if ((rc = sf_tcp_bind(&a->server, (struct sockaddr *)&sa, 0)) < 0 ||
      (rc = sf_tcp_set_hooks(&a->server, &hooks, a)) < 0 ||
      (rc = sf_listen(&a->server, 128, on_connection)) < 0)
    return rc;
  if ((rc = sf_timer_init(&a->loop, &a->tick)) < 0)
    return rc;
  a->tick.data = a;
  return sf_timer_start(&a->tick, on_tick, 100, 100);
}

static int interesting(const char *name) {
  static const char *const names[] = {
      "arp_requests_answered", "icmp_echo_answered",
      "tcp_in_segs", "tcp_out_segs", "tcp_passive_opens", "tcp_established",
      "tcp_retrans_segs", "tcp_timewait_entered", "tcp_in_rst", "tcp_out_rst",
      "tcp_in_not_acceptable", "tcp_conn_reset"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (!strcmp(name, names[i]))
      return 1;
  return 0;
}

static void print_counters(const struct app *a) {
  int n = sf_loop_counters(&a->loop, NULL, 0);
  sf_counter_t *c = n > 0 ? calloc((size_t)n, sizeof(*c)) : NULL;
  if (!c)
    return;
  n = sf_loop_counters(&a->loop, c, (size_t)n);
  printf("\ncounters (sf_loop_counters):\n");
  for (int i = 0; i < n; i++)
    if (a->all_counters ? c[i].value != 0 : interesting(c[i].name))
      printf("  %-24s %8llu  %s\n", c[i].name, c[i].value, c[i].description);
  free(c);
  if (a->have_stats)
    printf("  %-24s %8llu  frames received on %s, %llu sent\n", "(interface)",
           a->stats.rx_frames, a->device, a->stats.tx_frames);
}

static int usage(void) {
  fprintf(stderr,
          "usage: lifecycle_server --device D --address A/P [--port 8080]\n"
          "         [--pcap FILE] [--count N] [--deadline SECONDS]\n"
          "         [--msl-ms M] [--all]\n");
  return 2;
}

static int parse_args(struct app *a, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--all")) {
      a->all_counters = 1;
      continue;
    }
    if (!v)
      return -1;
    i++;
    if (!strcmp(o, "--device"))
      a->device = v;
    else if (!strcmp(o, "--address"))
      a->address = v;
    else if (!strcmp(o, "--pcap"))
      a->pcap = v;
    else if (!strcmp(o, "--port"))
      a->port = atoi(v);
    else if (!strcmp(o, "--count"))
      a->count = (unsigned)strtoul(v, NULL, 10);
    else if (!strcmp(o, "--deadline"))
      a->deadline_ms = strtoull(v, NULL, 10) * 1000;
    else if (!strcmp(o, "--msl-ms"))
      a->msl_ms = strtoull(v, NULL, 10);
    else
      return -1;
  }
  size_t iplen = a->address ? strcspn(a->address, "/") : 0;
  if (!a->device || !a->address || iplen >= sizeof(a->ip) || a->port <= 0 ||
      a->port > 65535)
    return -1;
  memcpy(a->ip, a->address, iplen);
  a->ip[iplen] = '\0';
  return 0;
}

int main(int argc, char **argv) {
  static struct app a; /* large (the read buffer): not on the stack */
  a.port = 8080;
  if (parse_args(&a, argc, argv) < 0)
    return usage();
  setvbuf(stdout, NULL, _IOLBF, 0); /* lines as they happen, also in a pipe */
  clock_gettime(CLOCK_MONOTONIC, &a.t0);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  sf_loop_options_t opt;
  sf_loop_options_default(&opt);
  if (a.msl_ms)
    opt.msl_ms = a.msl_ms;
  int rc = sf_loop_init_ex(&a.loop, NULL, &opt);
  if (rc < 0) {
    fprintf(stderr, "lifecycle_server: loop: %s\n", sf_strerror(rc));
    return 1;
  }
  a.loop.data = &a;
  if ((rc = start(&a)) < 0) {
    fprintf(stderr, "lifecycle_server: %s\n", sf_strerror(rc));
    sf_walk(&a.loop, close_handle, NULL);
  } else {
    say(&a, "", "listening", "on %s:%d (AF_PACKET on %s, TIME-WAIT %llu ms)",
        a.ip, a.port, a.device, 2 * opt.msl_ms);
  }
  sf_run(&a.loop, SF_RUN_DEFAULT);
  if (rc == 0)
    print_counters(&a);
  int closed = sf_loop_close(&a.loop);
  if (closed < 0)
    fprintf(stderr, "lifecycle_server: loop close: %s\n", sf_strerror(closed));
  return rc == 0 && closed == 0 && !a.timed_out && !interrupted ? 0 : 1;
}
