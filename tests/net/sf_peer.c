/*
 * sf_peer: synfin on an AF_PACKET interface, driven through the public
 * API only, as the peer of the Linux kernel's TCP in the tests/net scripts.
 *
 *   sf_peer --device DEV --address A.B.C.D/P [--gateway A.B.C.D]
 *           [--pcap FILE] [--msl MS] [--deadline S] [--busy-poll US]
 *           [--quiet] [--ring|--ring2|--mmsg] [--kind packet|tap|tun]
 *           [--status MS] [--keepalive S] MODE ...
 *
 * Modes:
 *   echo-server PORT [--count N] [--close-first] [--backlog N]
 *           [--accept-after MS] [--no-hash]
 *                                  accept, echo, at EOF shut down, close;
 *                                  --close-first: shut down after the
 *                                  first echo (our FIN first);
 *                                  --no-hash: no SHA-256 of the streams
 *                                  (the lean server the memory benchmarks
 *                                  measure: a connection holds only its
 *                                  handle and counters);
 *                                  --accept-after: accept nothing until MS
 *                                  ms after the first connection is
 *                                  ready, then all that is ready at once
 *                                  (prints "accepted_at_once N")
 *   half-close-server PORT BYTES [--count N]
 *                                  accept, read to EOF, then write BYTES
 *                                  more (after the peer's FIN), shut down
 *   connect HOST PORT [--send N] [--half-close] [--expect-echo]
 *           [--expect-recv N] [--expect-error NAME] [--no-wait-closed]
 *                                  send N bytes, maybe shut down first,
 *                                  read to EOF, print counts and SHA-256;
 *                                  then wait for CLOSED (the end of
 *                                  TIME-WAIT) unless --no-wait-closed
 *   many HOST PORT COUNT [--send N]
 *                                  COUNT concurrent echo clients
 *   drain-server PORT COUNT [--send N]
 *                                  accept COUNT, write N bytes to each and
 *                                  close its handle at once; after the
 *                                  last, close the listener and let
 *                                  sf_run drain (linger): it returns once
 *                                  every byte and FIN is acknowledged;
 *                                  prints "drained MS closing_left=K"
 *
 * Prints "ready" once the interface (and listener) is open, one line per
 * lifecycle hook event (syn, established, fin, time_wait MS, state A B,
 * closed ERR) unless --quiet, and at the end an "events" summary and a
 * "counters" line (name=value for every stack counter). The run ends
 * when the work is done and every connection is CLOSED (TIME-WAIT
 * included), on SIGTERM/SIGINT (servers without --count), or at the
 * deadline, which fails (exit 2). Any unexpected error: exit 1.
 * --status MS prints every MS ms "status ms=T handles=H tcbs=C
 * timewait=W done=D": open connection handles, the loop's control blocks
 * (sf_tcp_walk, listener included) and how many of them are in TIME-WAIT,
 * and connections finished so far (for soaks that watch them stay flat).
 * --keepalive S probes accepted connections idle for S s (every second,
 * three times), so that one whose peer vanished (its RST lost) ends.
 */
#include "config.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synfin.h"

enum mode { MODE_ECHO, MODE_HALF_CLOSE, MODE_CONNECT, MODE_MANY, MODE_DRAIN };

struct opts {
  const char *device, *address, *gateway, *pcap, *host, *expect_error;
  const char *kind; /* "packet" (default), "tap" or "tun" */
  enum mode mode;
  int port, half_close, expect_echo, quiet, no_wait_closed, ring;
  int close_first, no_hash;
  long long expect_recv; /* -1: not checked */
  unsigned long long msl_ms, deadline_s, send, after_fin, count;
  unsigned long long busy_poll_us;
  unsigned long long backlog, accept_after_ms; /* servers; 0: default, none */
  unsigned long long status_ms; /* 0: no status lines */
  unsigned long long keepalive_s; /* 0: no keepalive */
};

struct peer {
  struct opts o;
  sf_loop_t loop;
  sf_iface_t iface;
  sf_tcp_t server;
  sf_timer_t deadline, sigpoll, accept_later, status;
  int holding; /* --accept-after: not accepting yet */
  char *pattern; /* the bytes every sender sends: pattern_at(0..) */
  size_t pattern_len;
  unsigned long long t0; /* sf_now at the start */
  unsigned long long open_conns, done_conns, ok_conns, closed_hooks;
  unsigned long long n_syn, n_est, n_fin, n_tw, n_closed_err;
  int failed, finishing, wait_closed_hooks, draining;
  unsigned long long drain_t0; /* sf_now when the last handle closed */
};

/* The SHA-256 of each direction of a connection's stream. */
struct digests {
  EVP_MD_CTX *sent, *recv;
};

/* What a connection holds while it is open and idle: its handle and
 * counters. The requests (connect, write, shutdown) and the digests are
 * allocated when first needed, so that the memory benchmarks, which hold
 * thousands of idle echo connections, measure the stack rather than this
 * program. The peer is found through the loop (tcp.loop->data). */
struct conn {
  sf_tcp_t tcp;
  unsigned long long sent, received;
  unsigned char eof, shut_asked, shut_done, bad;
  struct digests *md; /* NULL until the first byte; always without hashing
                         (many mode compares inline, --no-hash) */
};

/* One write request with the bytes it writes: an echoed chunk's copy, or
 * none when it writes the pattern (which outlives every request). */
struct out_write {
  sf_write_t req;
  struct conn *c;
  char data[];
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

/* The deterministic stream every sender sends (byte i of it). */
static char pattern_at(unsigned long long i) {
  return (char)(((i * 2654435761u) >> 13) ^ (i >> 8));
}

static void die_usage(void) {
  fprintf(stderr,
          "usage: sf_peer --device DEV --address A.B.C.D/P "
          "[--gateway A.B.C.D] [--pcap F] [--msl MS] [--deadline S] "
          "[--busy-poll US] [--quiet] [--ring|--ring2|--mmsg] "
          "[--kind packet|tap|tun] [--status MS] [--keepalive S] MODE ...\n"
          "  echo-server PORT [--count N] [--close-first] [--backlog N]"
          " [--accept-after MS] [--no-hash]\n"
          "  half-close-server PORT BYTES [--count N]\n"
          "  connect HOST PORT [--send N] [--half-close] [--expect-echo]"
          " [--expect-recv N] [--expect-error NAME] [--no-wait-closed]\n"
          "  many HOST PORT COUNT [--send N]\n"
          "  drain-server PORT COUNT [--send N]\n");
  exit(1);
}

/* ------------------------------------------------------------ events */

/* The peer runs IPv4 only: every address is a struct sockaddr_in. */
static unsigned port_of(const struct sockaddr_storage *sa) {
  return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

/* "peer=A.B.C.D:PORT local=PORT", as the scripts grep it. */
static void print_ends(const struct sockaddr_storage *peer,
                       const struct sockaddr_storage *local) {
  char name[SF_ADDR_NAME_LEN];
  if (sf_addr_name((const struct sockaddr *)peer, name, sizeof(name)) < 0)
    strcpy(name, "?");
  printf("peer=%s local=%u", name, port_of(local));
}

/* "WHAT peer=A.B.C.D:PORT local=PORT t=MS": t is the loop's cached time
 * since the start, the clock the stack's own timers run on. */
static void hook_line(struct peer *p, const char *what,
                      const sf_tcp_event_info_t *i) {
  if (p->o.quiet)
    return;
  printf("%s ", what);
  print_ends(&i->peer, &i->local);
  printf(" t=%llu\n", sf_now(&p->loop) - p->t0);
}

/* Called inside the stack: printing only, no synfin call. */
static sf_syn_verdict_t hook_syn(void *arg, const sf_syn_info_t *s) {
  struct peer *p = arg;
  p->n_syn++;
  if (!p->o.quiet) {
    printf("syn ");
    print_ends(&s->peer, &s->local);
    printf("\n");
  }
  return SF_SYN_ACCEPT;
}

static void hook_established(void *arg, const sf_tcp_event_info_t *i) {
  struct peer *p = arg;
  p->n_est++;
  hook_line(p, "established", i);
}

static void hook_fin(void *arg, const sf_tcp_event_info_t *i) {
  struct peer *p = arg;
  p->n_fin++;
  hook_line(p, "fin", i);
}

static void hook_time_wait(void *arg, const sf_tcp_event_info_t *i) {
  struct peer *p = arg;
  char what[64];
  p->n_tw++;
  snprintf(what, sizeof(what), "time_wait %llu", i->duration_ms);
  hook_line(p, what, i);
}

static void hook_state(void *arg, const sf_tcp_event_info_t *i) {
  struct peer *p = arg;
  char what[80];
  snprintf(what, sizeof(what), "state %s %s", sf_tcp_state_name(i->old_state),
           sf_tcp_state_name(i->new_state));
  hook_line(p, what, i);
}

static void maybe_finish(struct peer *p);

static void hook_closed(void *arg, const sf_tcp_event_info_t *i) {
  struct peer *p = arg;
  char what[64];
  p->closed_hooks++;
  if (i->error)
    p->n_closed_err++;
  snprintf(what, sizeof(what), "closed %s", i->error ? sf_err_name(i->error) : "0");
  hook_line(p, what, i);
  maybe_finish(p);
}

static const sf_tcp_hooks_t peer_hooks = {
    .on_syn = hook_syn,
    .on_established = hook_established,
    .on_fin = hook_fin,
    .on_time_wait = hook_time_wait,
    .on_state = hook_state,
    .on_closed = hook_closed,
};

/* ------------------------------------------------------------ the end */

static void print_counters(struct peer *p) {
  int n = sf_loop_counters(&p->loop, NULL, 0);
  sf_counter_t *all = n > 0 ? calloc((size_t)n, sizeof(*all)) : NULL;
  printf("counters");
  if (all && sf_loop_counters(&p->loop, all, (size_t)n) >= 0)
    for (int k = 0; k < n; k++)
      printf(" %s=%llu", all[k].name, all[k].value);
  printf("\n");
  free(all);
  sf_iface_stats_t st;
  if (sf_iface_stats(&p->iface, &st) == 0)
    printf("iface tx_frames=%llu rx_frames=%llu tx_dropped=%llu "
           "rx_truncated=%llu\n",
           st.tx_frames, st.rx_frames, st.tx_dropped, st.rx_truncated);
}

static void print_summary(struct peer *p) {
  printf("events syn=%llu established=%llu fin=%llu time_wait=%llu "
         "closed=%llu closed_error=%llu\n",
         p->n_syn, p->n_est, p->n_fin, p->n_tw, p->closed_hooks,
         p->n_closed_err);
  if (p->o.mode == MODE_MANY)
    printf("succeeded %llu of %llu\n", p->ok_conns, p->o.count);
  print_counters(p);
}

static void conn_free(sf_handle_t *h);

/* sf_walk callback: a connection's memory goes in its close callback. */
static void close_any(sf_handle_t *h, void *arg) {
  struct peer *p = arg;
  if (sf_is_closing(h))
    return;
  int conn = h->type == SF_TCP && h != (sf_handle_t *)&p->server && h->data;
  sf_close(h, conn ? conn_free : NULL);
}

/* Everything is done: report, close the remaining handles (the listener,
 * the interface, the timers); sf_run then returns. */
static void finish(struct peer *p) {
  if (p->finishing)
    return;
  p->finishing = 1;
  print_summary(p);
  sf_walk(&p->loop, close_any, p);
}

/* Every handle is closed, their connections still sending: only the
 * drain (and the interface, which never does) keeps sf_run going. The
 * deadline still fires, but no longer holds the loop. */
static void drain_begin(struct peer *p) {
  if (p->draining)
    return;
  p->draining = 1;
  p->drain_t0 = sf_now(&p->loop);
  sf_close((sf_handle_t *)&p->server, NULL);
  sf_unref((sf_handle_t *)&p->deadline);
}

static void maybe_finish(struct peer *p) {
  if (p->o.count == 0 || p->done_conns < p->o.count || p->open_conns > 0)
    return;
  if (p->wait_closed_hooks && p->closed_hooks < p->o.count)
    return;
  if (p->o.mode == MODE_DRAIN)
    drain_begin(p);
  else
    finish(p);
}

static void on_deadline(sf_timer_t *t) {
  struct peer *p = t->data;
  printf("deadline after %llu s: done=%llu open=%llu closed=%llu\n",
         p->o.deadline_s, p->done_conns, p->open_conns, p->closed_hooks);
  print_summary(p);
  fflush(stdout);
  exit(2);
}

/* sf_tcp_walk: every control block, and those in TIME-WAIT. */
static void count_tcbs(const sf_tcp_walk_info_t *i, void *arg) {
  unsigned long long *n = arg;
  n[0]++;
  if (i->state == SF_TCP_TIME_WAIT)
    n[1]++;
}

static void on_status(sf_timer_t *t) {
  struct peer *p = t->data;
  unsigned long long n[2] = {0, 0};
  sf_tcp_walk(&p->loop, count_tcbs, n);
  printf("status ms=%llu handles=%llu tcbs=%llu timewait=%llu done=%llu\n",
         sf_now(&p->loop) - p->t0, p->open_conns, n[0], n[1], p->done_conns);
}

static void on_sigpoll(sf_timer_t *t) {
  struct peer *p = t->data;
  if (!got_signal)
    return;
  printf("signal %d\n", (int)got_signal);
  finish(p);
}

/* ------------------------------------------------------ connections */

static struct peer *conn_peer(const struct conn *c) {
  return c->tcp.loop->data;
}

/* Whether this run hashes its connections' streams (else many mode
 * compares with the pattern inline, and --no-hash checks nothing). */
static int hashing(const struct peer *p) {
  return p->o.mode != MODE_MANY && !p->o.no_hash;
}

static void digests_free(struct digests *md) {
  if (!md)
    return;
  EVP_MD_CTX_free(md->sent);
  EVP_MD_CTX_free(md->recv);
  free(md);
}

static struct digests *digests_new(void) {
  struct digests *md = calloc(1, sizeof(*md));
  if (!md)
    return NULL;
  md->sent = EVP_MD_CTX_new();
  md->recv = EVP_MD_CTX_new();
  if (!md->sent || !md->recv ||
      !EVP_DigestInit_ex(md->sent, EVP_sha256(), NULL) ||
      !EVP_DigestInit_ex(md->recv, EVP_sha256(), NULL)) {
    digests_free(md);
    return NULL;
  }
  return md;
}

/* Close callback of a handle that never held a connection. */
static void conn_discard(sf_handle_t *h) {
  struct conn *c = h->data;
  conn_peer(c)->open_conns--;
  digests_free(c->md);
  free(c);
}

static void conn_free(sf_handle_t *h) {
  struct peer *p = conn_peer(h->data);
  conn_discard(h);
  p->done_conns++;
  maybe_finish(p);
}

static struct conn *conn_new(struct peer *p) {
  struct conn *c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  if (sf_tcp_init(&p->loop, &c->tcp) < 0) {
    free(c);
    return NULL;
  }
  c->tcp.data = c;
  p->open_conns++;
  return c;
}

static void conn_fail(struct conn *c, const char *what, int err) {
  struct peer *p = conn_peer(c);
  if (!p->o.quiet || !c->bad)
    printf("error %s %s\n", what, sf_err_name(err));
  c->bad = 1;
  p->failed = 1;
  if (!sf_is_closing((sf_handle_t *)&c->tcp))
    sf_close((sf_handle_t *)&c->tcp, conn_free);
}

/* c's digests, made with its first byte (or at its end, for a stream
 * that carried none); NULL without hashing, or when out of memory (then
 * c has failed). */
static struct digests *conn_digests(struct conn *c) {
  if (c->md || !hashing(conn_peer(c)))
    return c->md;
  if (!(c->md = digests_new()))
    conn_fail(c, "digest", SF_ENOMEM);
  return c->md;
}

static void hash_sent(struct conn *c, const void *d, size_t n) {
  struct digests *md = conn_digests(c);
  if (md)
    EVP_DigestUpdate(md->sent, d, n);
}

static void print_digest(const char *what, unsigned long long n,
                         EVP_MD_CTX *md) {
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, h, &len);
  printf("%s %llu sha256 ", what, n);
  for (unsigned int k = 0; k < len; k++)
    printf("%02x", h[k]);
  printf("\n");
}

/* Prints both digests; 0 if --expect-echo finds they differ. */
static int judge_digests(struct conn *c, struct digests *md) {
  unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
  unsigned int la = 0, lb = 0;
  EVP_MD_CTX *sc = EVP_MD_CTX_new(), *rc = EVP_MD_CTX_new();
  /* Digests of copies, so the printed ones can still finalize. */
  if (sc && rc && EVP_MD_CTX_copy_ex(sc, md->sent) &&
      EVP_MD_CTX_copy_ex(rc, md->recv)) {
    EVP_DigestFinal_ex(sc, a, &la);
    EVP_DigestFinal_ex(rc, b, &lb);
  }
  EVP_MD_CTX_free(sc);
  EVP_MD_CTX_free(rc);
  print_digest("sent", c->sent, md->sent);
  print_digest("received", c->received, md->recv);
  if (conn_peer(c)->o.expect_echo &&
      (c->received != c->sent || la != lb || memcmp(a, b, la) != 0)) {
    printf("error echo differs\n");
    return 0;
  }
  return 1;
}

/* Judges a finished connection (EOF read, our FIN acknowledged). */
static void conn_judge(struct conn *c) {
  struct peer *p = conn_peer(c);
  const struct opts *o = &p->o;
  int ok = !c->bad;
  if (p->o.mode == MODE_MANY) {
    ok = ok && c->received == c->sent && c->sent == o->send;
  } else {
    struct digests *md = conn_digests(c);
    if (hashing(p))
      ok = md && judge_digests(c, md) && ok;
    if (o->expect_recv >= 0 &&
        c->received != (unsigned long long)o->expect_recv) {
      printf("error received %llu, expected %lld\n", c->received,
             o->expect_recv);
      ok = 0;
    }
  }
  if (ok)
    p->ok_conns++;
  else
    p->failed = 1;
}

static void conn_maybe_close(struct conn *c) {
  if (!c->eof || !c->shut_done || sf_is_closing((sf_handle_t *)&c->tcp))
    return;
  conn_judge(c);
  sf_close((sf_handle_t *)&c->tcp, conn_free);
}

static void on_shutdown(sf_shutdown_t *req, int status) {
  struct conn *c = req->data;
  free(req);
  if (status < 0) {
    if (status != SF_ECANCELED)
      conn_fail(c, "shutdown", status);
    return;
  }
  c->shut_done = 1;
  conn_maybe_close(c);
}

static void conn_shutdown(struct conn *c) {
  if (c->shut_asked)
    return;
  c->shut_asked = 1;
  sf_shutdown_t *req = malloc(sizeof(*req));
  if (!req)
    return conn_fail(c, "shutdown", SF_ENOMEM);
  req->data = c;
  int rc = sf_shutdown(req, (sf_stream_t *)&c->tcp, on_shutdown);
  if (rc < 0) {
    free(req);
    conn_fail(c, "shutdown", rc);
  }
}

static void out_written(sf_write_t *req, int status) {
  struct out_write *w = req->data;
  if (status < 0 && status != SF_ECANCELED)
    conn_fail(w->c, "write", status);
  free(w);
}

/* drain-server: the bytes are in the stack's send buffer; closing now
 * leaves the rest of the sending to the stack. */
static void drain_written(sf_write_t *req, int status) {
  struct out_write *w = req->data;
  struct conn *c = w->c;
  free(w);
  if (status < 0)
    conn_fail(c, "write", status);
  else
    sf_close((sf_handle_t *)&c->tcp, conn_free);
}

/* Writes w's n bytes at base (w freed by cb, or here on failure). */
static int out_write(struct conn *c, struct out_write *w, const char *base,
                     size_t n, sf_write_cb cb) {
  sf_buf_t b = sf_buf_init((char *)base, n);
  w->req.data = w;
  w->c = c;
  int rc = sf_write(&w->req, (sf_stream_t *)&c->tcp, &b, 1, cb);
  if (rc < 0)
    free(w);
  return rc;
}

/* Sends the first n bytes of the pattern (one write per connection). */
static int pattern_send(struct conn *c, unsigned long long n,
                        sf_write_cb cb) {
  struct out_write *w = malloc(sizeof(*w));
  if (!w)
    return SF_ENOMEM;
  return out_write(c, w, conn_peer(c)->pattern, (size_t)n, cb);
}

static int conn_send(struct conn *c, unsigned long long n) {
  if (n == 0)
    return 0;
  hash_sent(c, conn_peer(c)->pattern, (size_t)n);
  c->sent += n;
  return pattern_send(c, n, out_written);
}

static void on_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)h;
  struct out_write *w = malloc(sizeof(*w) + size);
  *buf = sf_buf_init(w ? w->data : NULL, w ? size : 0);
}

/* Data for an echo server: write it back (the chunk becomes the write). */
static void take_echo(struct conn *c, struct out_write *w, size_t n) {
  hash_sent(c, w->data, n);
  c->sent += n;
  int rc = out_write(c, w, w->data, n, out_written);
  if (rc < 0)
    conn_fail(c, "write", rc);
  else if (conn_peer(c)->o.close_first)
    conn_shutdown(c);
}

/* Data received: hash it, or compare it with the pattern (many mode). */
static void take_data(struct conn *c, const char *d, size_t n) {
  struct digests *md = conn_digests(c);
  if (md) {
    EVP_DigestUpdate(md->recv, d, n);
  } else if (conn_peer(c)->o.mode == MODE_MANY) {
    for (size_t k = 0; k < n; k++)
      if (d[k] != pattern_at(c->received + k))
        c->bad = 1;
  }
}

static void at_eof(struct conn *c) {
  struct peer *p = conn_peer(c);
  c->eof = 1;
  if (p->o.mode == MODE_HALF_CLOSE) {
    /* The peer's FIN is in; we go on writing, then send ours. */
    int rc = conn_send(c, p->o.after_fin);
    if (rc < 0)
      return conn_fail(c, "write", rc);
  }
  conn_shutdown(c);
  conn_maybe_close(c);
}

static void on_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct conn *c = stream->data;
  struct out_write *w =
      buf && buf->base ? (struct out_write *)(void *)(buf->base -
                                                      offsetof(struct out_write, data))
                       : NULL;
  if (n > 0) {
    take_data(c, buf->base, (size_t)n);
    c->received += (unsigned long long)n;
    if (conn_peer(c)->o.mode == MODE_ECHO)
      return take_echo(c, w, (size_t)n);
  }
  free(w);
  if (n == SF_EOF)
    at_eof(c);
  else if (n < 0)
    conn_fail(c, "read", (int)n);
}

/* ------------------------------------------------------------ servers */

/* Accepts the oldest ready connection and starts its work; SF_EAGAIN when
 * none is ready. */
static int accept_one(struct peer *p) {
  struct conn *c = conn_new(p);
  if (!c) {
    printf("error accept ENOMEM\n");
    p->failed = 1;
    return SF_ENOMEM;
  }
  int rc = sf_accept(&p->server, &c->tcp);
  if (rc == SF_EAGAIN) {
    sf_close((sf_handle_t *)&c->tcp, conn_discard);
    return rc;
  }
  if (rc == 0 && p->o.keepalive_s)
    rc = sf_tcp_keepalive(&c->tcp, 1, (unsigned)p->o.keepalive_s);
  if (rc == 0 && p->o.mode == MODE_DRAIN) {
    rc = pattern_send(c, p->o.send, drain_written);
  } else if (rc == 0) {
    rc = sf_read_start((sf_stream_t *)&c->tcp, on_alloc, on_read);
  }
  if (rc < 0)
    conn_fail(c, "accept", rc);
  return rc;
}

/* --accept-after: what piled up meanwhile (at most the backlog), at once. */
static void on_accept_later(sf_timer_t *t) {
  struct peer *p = t->data;
  unsigned long long n = 0;
  p->holding = 0;
  while (accept_one(p) == 0)
    n++;
  printf("accepted_at_once %llu\n", n);
}

static void on_connection(sf_tcp_t *server, int status) {
  struct peer *p = server->data;
  if (status < 0) {
    printf("error listen %s\n", sf_err_name(status));
    p->failed = 1;
    return;
  }
  if (!p->holding)
    accept_one(p);
  else if (!sf_is_active((sf_handle_t *)&p->accept_later))
    sf_timer_start(&p->accept_later, on_accept_later, p->o.accept_after_ms, 0);
}

static int start_server(struct peer *p) {
  struct sockaddr_in sa;
  char ip[32];
  const char *slash = strchr(p->o.address, '/');
  size_t len = slash ? (size_t)(slash - p->o.address) : strlen(p->o.address);
  if (len >= sizeof(ip))
    return SF_EINVAL;
  memcpy(ip, p->o.address, len);
  ip[len] = 0;
  int rc = sf_ip4_addr(ip, p->o.port, &sa);
  if (rc == 0)
    rc = sf_tcp_init(&p->loop, &p->server);
  if (rc < 0)
    return rc;
  p->server.data = p;
  if ((rc = sf_tcp_bind(&p->server, (struct sockaddr *)&sa, 0)) < 0 ||
      (rc = sf_tcp_set_hooks(&p->server, &peer_hooks, p)) < 0 ||
      (rc = sf_listen(&p->server, p->o.backlog ? (int)p->o.backlog : 4096,
                      on_connection)) < 0)
    return rc;
  if (p->o.accept_after_ms) { /* the timer starts with the first one */
    p->holding = 1;
    sf_timer_init(&p->loop, &p->accept_later);
    p->accept_later.data = p;
  }
  /* Servers without --count run until a signal or the deadline. A drain
   * is over when the stack has delivered, not at CLOSED. */
  p->wait_closed_hooks = p->o.mode != MODE_DRAIN;
  return 0;
}

/* ------------------------------------------------------------ clients */

static void on_connect(sf_connect_t *req, int status) {
  struct conn *c = req->data;
  struct peer *p = conn_peer(c);
  free(req);
  if (status < 0) {
    if (p->o.expect_error && !strcmp(p->o.expect_error, sf_err_name(status))) {
      printf("connect_error %s (expected)\n", sf_err_name(status));
      p->ok_conns++;
      sf_close((sf_handle_t *)&c->tcp, conn_free);
      return;
    }
    conn_fail(c, "connect", status);
    return;
  }
  if (p->o.expect_error) {
    conn_fail(c, "connect-succeeded", 0);
    return;
  }
  if (!p->o.quiet)
    printf("connected\n");
  int rc = conn_send(c, p->o.send);
  if (rc == 0 && (p->o.half_close || p->o.mode == MODE_MANY)) {
    conn_shutdown(c);
    if (c->bad)
      return;
  }
  if (rc == 0)
    rc = sf_read_start((sf_stream_t *)&c->tcp, on_alloc, on_read);
  if (rc < 0)
    conn_fail(c, "start", rc);
}

static int start_client(struct peer *p) {
  struct sockaddr_in to;
  int rc = sf_ip4_addr(p->o.host, p->o.port, &to);
  if (rc < 0)
    return rc;
  /* A refused connect never reaches on_closed with a count to wait for:
   * only connections that were established must finish their TIME-WAIT. */
  p->wait_closed_hooks = !p->o.expect_error && !p->o.no_wait_closed;
  for (unsigned long long k = 0; k < p->o.count; k++) {
    struct conn *c = conn_new(p);
    sf_connect_t *req = malloc(sizeof(*req));
    if (!c || !req) {
      free(req);
      if (c)
        sf_close((sf_handle_t *)&c->tcp, conn_discard);
      return SF_ENOMEM;
    }
    req->data = c;
    if ((rc = sf_tcp_set_hooks(&c->tcp, &peer_hooks, p)) < 0 ||
        (rc = sf_tcp_connect(req, &c->tcp, (struct sockaddr *)&to,
                             on_connect)) < 0) {
      free(req);
      conn_fail(c, "connect", rc);
      return 0;
    }
  }
  return 0;
}

/* -------------------------------------------------------------- setup */

static unsigned long long num(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end)
    die_usage();
  return v;
}

/* MODE and its arguments, starting at argv[i]. */
static void parse_mode(struct opts *o, int argc, char **argv, int i) {
  if (i >= argc)
    die_usage();
  const char *m = argv[i++];
  int need = !strcmp(m, "echo-server") ? 1
             : !strcmp(m, "half-close-server") ? 2
             : !strcmp(m, "connect") ? 2
             : !strcmp(m, "many") ? 3
             : !strcmp(m, "drain-server") ? 2 : -1;
  if (need < 0 || i + need > argc)
    die_usage();
  o->mode = !strcmp(m, "echo-server") ? MODE_ECHO
            : !strcmp(m, "half-close-server") ? MODE_HALF_CLOSE
            : !strcmp(m, "connect") ? MODE_CONNECT
            : !strcmp(m, "many") ? MODE_MANY : MODE_DRAIN;
  int client = o->mode == MODE_CONNECT || o->mode == MODE_MANY;
  if (client)
    o->host = argv[i++];
  o->port = (int)num(argv[i++]);
  if (o->mode == MODE_HALF_CLOSE)
    o->after_fin = num(argv[i++]);
  o->count = o->mode == MODE_MANY || o->mode == MODE_DRAIN ? num(argv[i++])
             : client ? 1 : 0;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--half-close"))
      o->half_close = 1;
    else if (!strcmp(a, "--expect-echo"))
      o->expect_echo = 1;
    else if (!strcmp(a, "--no-wait-closed"))
      o->no_wait_closed = 1;
    else if (!strcmp(a, "--close-first") && o->mode == MODE_ECHO)
      o->close_first = 1;
    else if (!strcmp(a, "--no-hash") && o->mode == MODE_ECHO)
      o->no_hash = 1;
    else if (i + 1 >= argc)
      die_usage();
    else if (!strcmp(a, "--send"))
      o->send = num(argv[++i]);
    else if (!strcmp(a, "--count") && !client)
      o->count = num(argv[++i]);
    else if (!strcmp(a, "--backlog") && o->mode == MODE_ECHO)
      o->backlog = num(argv[++i]);
    else if (!strcmp(a, "--accept-after") && o->mode == MODE_ECHO)
      o->accept_after_ms = num(argv[++i]);
    else if (!strcmp(a, "--expect-recv"))
      o->expect_recv = (long long)num(argv[++i]);
    else if (!strcmp(a, "--expect-error"))
      o->expect_error = argv[++i];
    else
      die_usage();
  }
}

static void parse(struct opts *o, int argc, char **argv) {
  memset(o, 0, sizeof(*o));
  o->expect_recv = -1;
  o->deadline_s = 30;
  int i = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    if (!strcmp(argv[i], "--quiet")) {
      o->quiet = 1;
      continue;
    }
    if (!strcmp(argv[i], "--ring") || !strcmp(argv[i], "--ring2")) {
      o->ring = argv[i][6] ? SF_PACKET_RING_V2 : SF_PACKET_RING_V3;
      continue;
    }
    if (!strcmp(argv[i], "--mmsg")) {
      o->ring = SF_PACKET_RECVMMSG;
      continue;
    }
    if (i + 1 >= argc)
      die_usage();
    if (!strcmp(argv[i], "--device"))
      o->device = argv[++i];
    else if (!strcmp(argv[i], "--address"))
      o->address = argv[++i];
    else if (!strcmp(argv[i], "--gateway"))
      o->gateway = argv[++i];
    else if (!strcmp(argv[i], "--pcap"))
      o->pcap = argv[++i];
    else if (!strcmp(argv[i], "--msl"))
      o->msl_ms = num(argv[++i]);
    else if (!strcmp(argv[i], "--deadline"))
      o->deadline_s = num(argv[++i]);
    else if (!strcmp(argv[i], "--busy-poll"))
      o->busy_poll_us = num(argv[++i]);
    else if (!strcmp(argv[i], "--kind"))
      o->kind = argv[++i];
    else if (!strcmp(argv[i], "--status"))
      o->status_ms = num(argv[++i]);
    else if (!strcmp(argv[i], "--keepalive"))
      o->keepalive_s = num(argv[++i]);
    else
      die_usage();
  }
  if (!o->device || !o->address)
    die_usage();
  parse_mode(o, argc, argv, i);
}

static int open_all(struct peer *p) {
  sf_loop_options_t lo;
  sf_loop_options_default(&lo);
  if (p->o.msl_ms)
    lo.msl_ms = p->o.msl_ms;
  lo.busy_poll_us = (unsigned)p->o.busy_poll_us;
  if (p->o.keepalive_s) {
    lo.keepalive_interval_ms = 1000;
    lo.keepalive_probes = 3;
  }
  int rc = sf_loop_init_ex(&p->loop, NULL, &lo);
  if (rc < 0)
    return rc;
  p->loop.data = p; /* how a connection finds its peer (conn_peer) */
  sf_iface_config_t cfg = {.address = p->o.address, .gateway = p->o.gateway,
                           .pcap_path = p->o.pcap};
  sf_packet_options_t po = {.device = p->o.device, .ring = p->o.ring};
  const char *kind = p->o.kind ? p->o.kind : "packet";
  if (!strcmp(kind, "tap"))
    rc = sf_iface_open_tap(&p->loop, &p->iface, &cfg, p->o.device);
  else if (!strcmp(kind, "tun"))
    rc = sf_iface_open_tun(&p->loop, &p->iface, &cfg, p->o.device);
  else
    rc = sf_iface_open_packet(&p->loop, &p->iface, &cfg, &po);
  if (rc < 0) {
    printf("error open %s: %s\n", sf_err_name(rc),
           sf_loop_last_error(&p->loop));
    return rc;
  }
  printf("device %s\n", sf_iface_device(&p->iface));
  sf_timer_init(&p->loop, &p->deadline);
  p->deadline.data = p;
  sf_timer_start(&p->deadline, on_deadline, p->o.deadline_s * 1000, 0);
  sf_timer_init(&p->loop, &p->sigpoll);
  p->sigpoll.data = p;
  sf_timer_start(&p->sigpoll, on_sigpoll, 50, 50);
  sf_unref((sf_handle_t *)&p->sigpoll);
  if (p->o.status_ms) {
    sf_timer_init(&p->loop, &p->status);
    p->status.data = p;
    sf_timer_start(&p->status, on_status, p->o.status_ms, p->o.status_ms);
    sf_unref((sf_handle_t *)&p->status);
  }
  if (p->o.mode == MODE_ECHO || p->o.mode == MODE_HALF_CLOSE ||
      p->o.mode == MODE_DRAIN)
    return start_server(p);
  return 0;
}

static int make_pattern(struct peer *p) {
  unsigned long long n = p->o.send > p->o.after_fin ? p->o.send : p->o.after_fin;
  p->pattern_len = (size_t)n;
  p->pattern = malloc(n ? (size_t)n : 1);
  if (!p->pattern)
    return SF_ENOMEM;
  for (unsigned long long k = 0; k < n; k++)
    p->pattern[k] = pattern_at(k);
  return 0;
}

/* sf_tcp_walk: connections still delivering their data or FIN. */
static void count_closing(const sf_tcp_walk_info_t *i, void *arg) {
  if (i->state == SF_TCP_FIN_WAIT_1 || i->state == SF_TCP_CLOSING ||
      i->state == SF_TCP_LAST_ACK)
    ++*(unsigned long long *)arg;
}

static void report_drain(struct peer *p) {
  unsigned long long closing = 0;
  sf_update_time(&p->loop);
  sf_tcp_walk(&p->loop, count_closing, &closing);
  printf("drained %llu closing_left=%llu\n", sf_now(&p->loop) - p->drain_t0,
         closing);
  if (closing)
    p->failed = 1;
}

int main(int argc, char **argv) {
  static struct peer p;
  parse(&p.o, argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  int rc = make_pattern(&p);
  if (rc == 0)
    rc = open_all(&p);
  if (rc == 0) {
    p.t0 = sf_now(&p.loop);
    printf("ready pid=%ld\n", (long)getpid());
    if (p.o.mode == MODE_CONNECT || p.o.mode == MODE_MANY)
      rc = start_client(&p);
  }
  if (rc < 0) {
    printf("error setup %s: %s\n", sf_err_name(rc), sf_strerror(rc));
    p.failed = 1;
    finish(&p);
  }
  sf_run(&p.loop, SF_RUN_DEFAULT);
  if (p.draining) {
    report_drain(&p);
    finish(&p);
    sf_run(&p.loop, SF_RUN_DEFAULT);
  }
  int closed = sf_loop_close(&p.loop);
  if (closed < 0)
    printf("error loop_close %s\n", sf_err_name(closed));
  free(p.pattern);
  if (p.o.mode == MODE_MANY && p.ok_conns != p.o.count)
    p.failed = 1;
  printf("exit %s\n", p.failed || closed < 0 ? "failed" : "ok");
  return p.failed || closed < 0 ? 1 : 0;
}
