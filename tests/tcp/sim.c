/*
 * The two-engine simulation (see sim.h). Engine A (198.18.0.1) opens
 * connections to engine B (198.18.0.2) port 7; both applications are
 * polled on every step of a virtual clock that jumps from one deadline
 * (engines, links, application timers) to the next.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "link/fault.h"
#include "link/memory.h"
#include "link/pcap.h"
#include "sim.h"
#include "stack/stack.h"
#include "tcp/tcb.h"

#define SIM_PORT 7
#define SIM_MAX_CONNS 64
#define ADDR_A 0xc6120001u
#define ADDR_B 0xc6120002u

struct side {
  struct sf_tcb *tcb;
  uint64_t tx_key, rx_key; /* byte streams: what we send, what we expect */
  uint32_t tx_total, rx_total;
  uint32_t tx_done, rx_done;
  uint32_t shut_after_ms; /* shut down this long after writing all */
  sf_time_t tx_finished_at;
  sf_time_t paused_until;
  bool shut, eof, detached;
  bool failed; /* a call or the connection reported an error */
  EVP_MD_CTX *tx_sha, *rx_sha; /* SHA-256 of what was sent / arrived */
};

struct conn {
  sf_time_t start_at;
  bool started;
  struct side c, s; /* client (A) and server (B) ends */
  uint16_t port;    /* the client's port, to pair the server's end */
  bool broken;      /* an end failed: the bytes need only be a prefix */
};

struct host {
  struct sf_engine *e;
  struct sf_link *link;
  int netif;
  struct sim *sim;
  char name;
};

struct sim {
  struct sf_test_rng rng;
  const struct sim_params *p;
  struct sim_result *r;
  sf_time_t now;
  struct host a, b;
  struct sf_listener *listener;
  struct conn conns[SIM_MAX_CONNS];
  unsigned nconns;
  bool failed;
  unsigned progress; /* things done in this step */
};

__attribute__((format(printf, 2, 3)))
static void sim_fail(struct sim *s, const char *fmt, ...) {
  if (s->failed)
    return;
  s->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->r->why, sizeof(s->r->why), fmt, ap);
  va_end(ap);
}

void sim_defaults(struct sim_params *p) {
  memset(p, 0, sizeof(*p));
  p->max_conns = 12;
  p->max_bytes = 128 * 1024;
  p->max_loss_ppm = 30000; /* 3 % */
  p->max_dup_ppm = 20000;
  p->max_reorder_ppm = 50000;
  p->max_delay_ms = 20;
  p->time_limit_ms = 600 * 1000;
}

/* ------------------------------------------------------------ streams */

/* Byte i of stream key: stateless, so a partial write can be retried. */
static uint8_t stream_byte(uint64_t key, uint64_t i) {
  uint64_t z = key ^ ((i >> 3) * 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (uint8_t)(z >> (8 * (i & 7)));
}

static void stream_fill(uint64_t key, uint64_t from, uint8_t *buf,
                        size_t n) {
  for (size_t i = 0; i < n; i++)
    buf[i] = stream_byte(key, from + i);
}

/* ------------------------------------------------------------- errors */

/* The side (and its connection) whose control block is t, or NULL when
 * the application does not hold t (not accepted yet). */
static struct side *side_of(struct sim *s, const struct sf_tcb *t,
                            struct conn **conn) {
  for (unsigned i = 0; i < s->nconns; i++) {
    struct conn *c = &s->conns[i];
    *conn = c;
    if (t && c->c.tcb == t)
      return &c->c;
    if (t && c->s.tcb == t)
      return &c->s;
  }
  return NULL;
}

/* Side d failed: it stops and lets go of its end at its next step. */
static void side_failed(struct sim *s, struct conn *c, struct side *d) {
  if (d->failed)
    return;
  d->failed = true;
  c->broken = true;
  s->r->errors++;
  s->progress++;
}

/* The engine reported an error on t (allow_errors). */
static void note_conn_error(struct sim *s, const struct sf_tcb *t) {
  struct conn *c;
  struct side *d = side_of(s, t, &c);
  if (d)
    side_failed(s, c, d);
}

/* A call on side d returned rc: a failure of the run, or (allow_errors)
 * of the side, which resets its connection so that the peer learns. */
static void call_failed(struct sim *s, struct side *d, const char *call,
                        int rc) {
  struct conn *c;
  if (!s->p->allow_errors || !side_of(s, d->tcb, &c)) {
    sim_fail(s, "%s: %s", call, sf_err_name(rc));
    return;
  }
  sf__tcp_abort(d->tcb, s->now);
  side_failed(s, c, d);
}

/* ------------------------------------------------------------ upcalls */

static void on_event(void *ctx, const struct sf_conn_ref *c,
                     const struct sf_tcp_event *ev) {
  struct host *h = ctx;
  if (ev->type == SF_TEV_ERROR && c->tcb && getenv("SF_SIM_DEBUG")) {
    sf_tcp_info_t i;
    sf__tcp_get_info(c->tcb, &i);
    fprintf(stderr,
            "failing tcb: state %s cwnd %u ssthresh %u snd_wnd %u flight %u "
            "unsent %u unread %u rto %llu us retrans %llu sent %llu\n",
            sf_tcp_state_name(i.state), i.cwnd, i.ssthresh, i.snd_wnd,
            i.bytes_in_flight, i.unsent, i.unread, i.rto_us, i.retransmits,
            i.bytes_sent);
    struct sf_counter cs[256], cb[256];
    size_t n = sf__engine_counters(h->sim->a.e, cs, 256);
    sf__engine_counters(h->sim->b.e, cb, 256);
    for (size_t k = 0; k < n && k < 256; k++)
      if (cs[k].value || cb[k].value)
        fprintf(stderr, "  %-28s A %8llu B %8llu\n", cs[k].name,
                (unsigned long long)cs[k].value,
                (unsigned long long)cb[k].value);
  }
  if (ev->type == SF_TEV_ERROR && h->sim->p->allow_errors)
    note_conn_error(h->sim, c->tcb);
  else if (ev->type == SF_TEV_ERROR)
    sim_fail(h->sim, "host %c port %u->%u: connection failed: %s", h->name,
         c->tuple.lport, c->tuple.rport, sf_err_name(ev->error));
}

static struct host *setup_host(struct sim *s, struct host *h, char name,
                               uint32_t addr, struct sf_link *link) {
  h->sim = s;
  h->name = name;
  h->link = link;
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  cfg.secret_seed = sf_test_rng_next(&s->rng) | 1;
  /* TIME-WAIT must outlast the peer's retransmission timer (its RTO
   * backs off past 2 s under loss, and a 2 s TIME-WAIT then answered a
   * retransmitted FIN with RST: seed 30142), so the default MSL stays;
   * virtual time costs nothing. */
  /* Three lost ARP requests or replies in a row (about 1 in 5,000 at 3%
   * loss each way) rightly fail a connect with SF_EHOSTUNREACH; the
   * simulation is about TCP, so ARP gets more tries here. */
  cfg.ip.arp_retries = 10;
  cfg.sndbuf = 16 * 1024 + sf_test_rng_below(&s->rng, 64 * 1024);
  cfg.rcvbuf = 8 * 1024 + sf_test_rng_below(&s->rng, 64 * 1024);
  struct sf_engine_upcalls up = {.ctx = h, .conn_event = on_event};
  if (sf__engine_new(&cfg, &up, s->now, &h->e) != 0) {
    sim_fail(s, "engine_new");
    return NULL;
  }
  struct sf_netif_config nc = {.addr = sf_addr_v4(addr), .prefix_len = 24,
                               .mtu = sf__link_mtu(link)};
  sf__link_hwaddr(link, nc.mac);
  h->netif = sf__engine_netif_add(h->e, &nc);
  if (h->netif < 0)
    sim_fail(s, "netif_add: %d", h->netif);
  return h;
}

static void draw_dir(struct sim *s, struct sf_fault_dir_config *d) {
  const struct sim_params *p = s->p;
  d->loss_ppm = p->max_loss_ppm ? sf_test_rng_below(&s->rng, p->max_loss_ppm + 1) : 0;
  d->dup_ppm = p->max_dup_ppm ? sf_test_rng_below(&s->rng, p->max_dup_ppm + 1) : 0;
  d->reorder_ppm =
      p->max_reorder_ppm ? sf_test_rng_below(&s->rng, p->max_reorder_ppm + 1) : 0;
  d->reorder_max_delay = 5 * SF_NSEC_PER_MSEC;
  d->delay = (sf_time_t)sf_test_rng_below(&s->rng, (uint32_t)p->max_delay_ms + 1) *
             SF_NSEC_PER_MSEC;
  d->jitter = (sf_time_t)sf_test_rng_below(&s->rng, 3) * SF_NSEC_PER_MSEC;
  d->max_queue = 4096;
}

static bool setup(struct sim *s) {
  struct sf_memory_link_config mc = {.mtu = sf_test_rng_below(&s->rng, 2) ? 1500 : 9000,
                                     .queue_frames = 4096};
  struct sf_link *la, *lb, *fa;
  if (sf__link_memory_pair(&mc, &la, &lb) != 0)
    return false;
  struct sf_fault_config fc = {.seed = sf_test_rng_next(&s->rng)};
  draw_dir(s, &fc.tx);
  draw_dir(s, &fc.rx);
  if (sf__link_fault_wrap(la, &fc, &fa) != 0) {
    sf__link_close(la);
    sf__link_close(lb);
    return false;
  }
  /* SF_SIM_PCAP=file records what B sees, for replaying a failed seed */
  const char *pcap = getenv("SF_SIM_PCAP");
  struct sf_pcap_writer *w;
  if (pcap && sf__pcap_open(pcap, &w) == 0) {
    struct sf_link *tee;
    if (sf__link_pcap_tee(lb, w, &tee) == 0)
      lb = tee;
  }
  if (!setup_host(s, &s->a, 'A', ADDR_A, fa) ||
      !setup_host(s, &s->b, 'B', ADDR_B, lb))
    return false;
  int rc = sf__tcp_listen(sf__engine_tcp(s->b.e), sf_addr_v4(ADDR_B), SIM_PORT,
                          64, NULL, &s->listener);
  if (rc == SF_ENOMEM && s->p->allow_errors) { /* refused, and said so */
    s->r->errors++;
    s->nconns = 0;
    return true;
  }
  if (rc) {
    sim_fail(s, "listen: %s", sf_err_name(rc));
    return false;
  }
  s->nconns = 1 + sf_test_rng_below(&s->rng, s->p->max_conns);
  for (unsigned i = 0; i < s->nconns; i++) {
    struct conn *c = &s->conns[i];
    c->start_at = (sf_time_t)sf_test_rng_below(&s->rng, 2000) * SF_NSEC_PER_MSEC;
    uint64_t k1 = sf_test_rng_next(&s->rng), k2 = sf_test_rng_next(&s->rng);
    /* some connections send nothing one way, to test bare half-closes */
    uint32_t up_bytes = sf_test_rng_below(&s->rng, 8) == 0
                            ? 0
                            : sf_test_rng_below(&s->rng, s->p->max_bytes + 1);
    uint32_t down_bytes = sf_test_rng_below(&s->rng, 8) == 0
                              ? 0
                              : sf_test_rng_below(&s->rng, s->p->max_bytes + 1);
    c->c.tx_key = c->s.rx_key = k1;
    c->s.tx_key = c->c.rx_key = k2;
    c->c.tx_total = c->s.rx_total = up_bytes;
    c->s.tx_total = c->c.rx_total = down_bytes;
    c->c.shut_after_ms = sf_test_rng_below(&s->rng, 4) ? 0 : sf_test_rng_below(&s->rng, 500);
    c->s.shut_after_ms = sf_test_rng_below(&s->rng, 4) ? 0 : sf_test_rng_below(&s->rng, 500);
    EVP_MD_CTX **ctxs[4] = {&c->c.tx_sha, &c->c.rx_sha, &c->s.tx_sha,
                            &c->s.rx_sha};
    for (int k = 0; k < 4; k++) {
      *ctxs[k] = EVP_MD_CTX_new();
      if (!*ctxs[k] || !EVP_DigestInit_ex(*ctxs[k], EVP_sha256(), NULL))
        return false;
    }
  }
  return true;
}

/* -------------------------------------------------------- application */

static void side_write(struct sim *s, struct side *d) {
  uint8_t buf[16384];
  while (d->tx_done < d->tx_total) {
    uint32_t want = d->tx_total - d->tx_done;
    uint32_t chunk = 1 + sf_test_rng_below(&s->rng, sizeof(buf));
    if (chunk > want)
      chunk = want;
    stream_fill(d->tx_key, d->tx_done, buf, chunk);
    ssize_t n = sf__tcp_send(d->tcb, buf, chunk, s->now);
    if (n < 0) {
      call_failed(s, d, "send", (int)n);
      return;
    }
    if (n == 0)
      return;
    EVP_DigestUpdate(d->tx_sha, buf, (size_t)n);
    d->tx_done += (uint32_t)n;
    s->progress++;
    if (d->tx_done == d->tx_total)
      d->tx_finished_at = s->now;
    if ((uint32_t)n < chunk)
      return;
  }
}

static void side_shutdown(struct sim *s, struct side *d) {
  if (d->shut || d->tx_done < d->tx_total)
    return;
  if (s->now < d->tx_finished_at + d->shut_after_ms * SF_NSEC_PER_MSEC)
    return;
  int rc = sf__tcp_shutdown(d->tcb, s->now);
  if (rc) {
    call_failed(s, d, "shutdown", rc);
    return;
  }
  d->shut = true;
  s->progress++;
}

static void side_read(struct sim *s, struct side *d) {
  uint8_t buf[16384], want[16384];
  while (!d->eof && s->now >= d->paused_until) {
    size_t cap = 1 + sf_test_rng_below(&s->rng, sizeof(buf));
    ssize_t n = sf__tcp_recv(d->tcb, buf, cap, s->now);
    if (n == SF_EAGAIN)
      return;
    if (n == SF_EOF) {
      if (d->rx_done != d->rx_total)
        sim_fail(s, "EOF after %u of %u bytes", d->rx_done, d->rx_total);
      d->eof = true;
      s->progress++;
      return;
    }
    if (n < 0) {
      call_failed(s, d, "recv", (int)n);
      return;
    }
    if (d->rx_done + (uint64_t)n > d->rx_total) {
      sim_fail(s, "received %u bytes beyond the %u sent",
           (unsigned)(d->rx_done + n - d->rx_total), d->rx_total);
      return;
    }
    stream_fill(d->rx_key, d->rx_done, want, (size_t)n);
    if (memcmp(buf, want, (size_t)n) != 0) {
      sim_fail(s, "bytes differ in [%u, %u)", d->rx_done,
           d->rx_done + (unsigned)n);
      return;
    }
    EVP_DigestUpdate(d->rx_sha, buf, (size_t)n);
    d->rx_done += (uint32_t)n;
    s->progress++;
    if (sf_test_rng_below(&s->rng, 16) == 0) /* the reader takes a break */
      d->paused_until = s->now + (sf_time_t)sf_test_rng_below(&s->rng, 300) *
                                     SF_NSEC_PER_MSEC;
  }
}

static void side_step(struct sim *s, struct side *d) {
  if (!d->tcb || d->detached)
    return;
  if (d->failed) {
    sf__tcp_detach(d->tcb, s->now);
    d->tcb = NULL;
    d->detached = true;
    return;
  }
  side_write(s, d);
  if (!d->failed)
    side_shutdown(s, d);
  if (!d->failed)
    side_read(s, d);
  if (!d->failed && d->eof && d->shut && !s->failed) {
    sf__tcp_detach(d->tcb, s->now);
    d->tcb = NULL;
    d->detached = true;
    s->progress++;
  }
}

static void accept_all(struct sim *s) {
  struct sf_tcb *t;
  if (!s->listener) /* listen was refused (allow_errors) */
    return;
  while ((t = sf__tcp_accept(s->listener, s)) != NULL) {
    struct sf_tuple tu;
    sf__tcp_get_tuple(t, &tu);
    struct conn *c = NULL;
    for (unsigned i = 0; i < s->nconns; i++)
      if (s->conns[i].started && s->conns[i].port == tu.rport &&
          !s->conns[i].s.tcb && !s->conns[i].s.detached)
        c = &s->conns[i];
    if (!c) {
      sim_fail(s, "accepted an unknown connection from port %u", tu.rport);
      sf__tcp_abort(t, s->now);
      sf__tcp_detach(t, s->now);
      continue;
    }
    c->s.tcb = t;
    s->progress++;
  }
}

static void start_due(struct sim *s) {
  for (unsigned i = 0; i < s->nconns; i++) {
    struct conn *c = &s->conns[i];
    if (c->started || s->now < c->start_at)
      continue;
    int rc = sf__tcp_connect(sf__engine_tcp(s->a.e), sf_addr_v4(0), 0,
                             sf_addr_v4(ADDR_B), SIM_PORT, c, NULL, s->now,
                             &c->c.tcb);
    if (rc && s->p->allow_errors) { /* the connection never was */
      c->started = c->broken = c->c.detached = c->s.detached = true;
      s->r->errors++;
      continue;
    }
    if (rc) {
      sim_fail(s, "connect: %s", sf_err_name(rc));
      return;
    }
    struct sf_tuple tu;
    sf__tcp_get_tuple(c->c.tcb, &tu);
    c->port = tu.lport;
    c->started = true;
    s->r->conns++;
    s->progress++;
  }
}

static void app_step(struct sim *s) {
  start_due(s);
  accept_all(s);
  for (unsigned i = 0; i < s->nconns && !s->failed; i++) {
    side_step(s, &s->conns[i].c);
    side_step(s, &s->conns[i].s);
  }
}

static sf_time_t app_deadline(const struct sim *s) {
  sf_time_t d = SF_TIME_NEVER;
  for (unsigned i = 0; i < s->nconns; i++) {
    const struct conn *c = &s->conns[i];
    if (!c->started && c->start_at < d)
      d = c->start_at;
    const struct side *sides[2] = {&c->c, &c->s};
    for (int k = 0; k < 2; k++) {
      const struct side *x = sides[k];
      if (!x->tcb || x->detached)
        continue;
      if (x->paused_until > s->now && x->paused_until < d)
        d = x->paused_until;
      sf_time_t shut_at = x->tx_finished_at + x->shut_after_ms * SF_NSEC_PER_MSEC;
      if (!x->shut && x->tx_done == x->tx_total && shut_at > s->now &&
          shut_at < d)
        d = shut_at;
    }
  }
  return d;
}

/* --------------------------------------------------------------- wire */

static void transmit(struct sim *s, struct host *h) {
  struct sf_frame f[64];
  size_t n;
  while ((n = sf__engine_tx_take(h->e, (unsigned)h->netif, f, 64)) > 0) {
    int sent = sf__link_send(h->link, f, n, s->now);
    if (sent < 0) {
      sim_fail(s, "link send: %d", sent);
      return;
    }
    sf__engine_tx_release(h->e, (unsigned)h->netif, (size_t)sent);
    s->progress++;
  }
}

static void receive(struct sim *s, struct host *h) {
  static uint8_t bufs[32][9100];
  struct sf_frame f[32];
  for (;;) {
    for (int i = 0; i < 32; i++)
      f[i] = (struct sf_frame){.data = bufs[i], .cap = sizeof(bufs[i])};
    int n = sf__link_recv(h->link, f, 32, s->now);
    if (n <= 0)
      return;
    for (int i = 0; i < n; i++)
      sf__engine_input(h->e, (unsigned)h->netif, f[i].data, f[i].len, 0,
                       s->now);
    s->progress++;
  }
}

static sf_time_t min_t(sf_time_t a, sf_time_t b) { return a < b ? a : b; }

static sf_time_t next_time(const struct sim *s) {
  sf_time_t d = app_deadline(s);
  d = min_t(d, sf__engine_next_deadline(s->a.e));
  d = min_t(d, sf__engine_next_deadline(s->b.e));
  d = min_t(d, sf__link_next_deadline(s->a.link));
  d = min_t(d, sf__link_next_deadline(s->b.link));
  return d;
}

/* Bytes of d's stream the peer acknowledged: what was written less what
 * the send buffer still holds (it lets go of a byte when it is ACKed). */
static uint64_t side_acked(const struct side *d) {
  return d->tx_done - sf__ring_len(&d->tcb->sndbuf);
}

/* Bytes of d's incoming stream it stored: read, or waiting to be. */
static uint64_t side_stored(const struct side *d) {
  return d->rx_done + sf__ring_len(&d->tcb->rcvbuf);
}

/* No byte was acknowledged before its receiver stored it. */
static void check_acked(struct sim *s) {
  for (unsigned i = 0; i < s->nconns && !s->failed; i++) {
    struct conn *c = &s->conns[i];
    /* an end that failed may have dropped its buffers */
    if (!c->c.tcb || !c->s.tcb || c->c.failed || c->s.failed)
      continue;
    if (side_acked(&c->c) > side_stored(&c->s) ||
        side_acked(&c->s) > side_stored(&c->c))
      sim_fail(s, "conn %u: ACKed %llu/%llu bytes, stored %llu/%llu", i,
               (unsigned long long)side_acked(&c->c),
               (unsigned long long)side_acked(&c->s),
               (unsigned long long)side_stored(&c->s),
               (unsigned long long)side_stored(&c->c));
  }
}

/* Both ends of c are let go of; or c broke before B accepted it (the
 * engine's counts below say whether B still holds it). */
static bool conn_done(const struct conn *c) {
  return c->c.detached && (c->s.detached || (c->broken && !c->s.tcb));
}

static bool all_done(const struct sim *s) {
  for (unsigned i = 0; i < s->nconns; i++)
    if (!conn_done(&s->conns[i]))
      return false;
  return sf__engine_tcb_count(s->a.e) == 0 &&
         sf__engine_tcb_count(s->b.e) == 0 &&
         sf__engine_timewait_count(s->a.e) == 0 &&
         sf__engine_timewait_count(s->b.e) == 0;
}

static void step(struct sim *s) {
  unsigned spins = 0;
  do {
    s->progress = 0;
    sf__link_poll(s->a.link, s->now);
    sf__link_poll(s->b.link, s->now);
    receive(s, &s->a);
    receive(s, &s->b);
    app_step(s);
    sf__engine_end_turn(s->a.e, s->now); /* as the loop, before it sends */
    sf__engine_end_turn(s->b.e, s->now);
    transmit(s, &s->a);
    transmit(s, &s->b);
    check_acked(s);
  } while (s->progress && !s->failed && ++spins < 100000);
}

static void check_hashes(struct sim *s) {
  for (unsigned i = 0; i < s->nconns && !s->failed; i++) {
    struct conn *c = &s->conns[i];
    if (c->broken) /* its bytes were checked, as a prefix, as they came */
      continue;
    uint8_t a[32], b[32];
    EVP_DigestFinal_ex(c->c.tx_sha, a, NULL);
    EVP_DigestFinal_ex(c->s.rx_sha, b, NULL);
    if (memcmp(a, b, 32) != 0)
      sim_fail(s, "conn %u: SHA-256 client->server differs", i);
    EVP_DigestFinal_ex(c->s.tx_sha, a, NULL);
    EVP_DigestFinal_ex(c->c.rx_sha, b, NULL);
    if (memcmp(a, b, 32) != 0)
      sim_fail(s, "conn %u: SHA-256 server->client differs", i);
    s->r->bytes += c->c.rx_done + c->s.rx_done;
  }
}

/* Every state change of the run followed RFC 9293 (state.c). */
static void check_transitions(struct sim *s, const struct host *h) {
  uint64_t n = sf__engine_counter(h->e, "tcp_illegal_transitions");
  if (n)
    sim_fail(s, "host %c: %llu illegal state transitions", h->name,
             (unsigned long long)n);
}

static void teardown(struct sim *s) {
  for (unsigned i = 0; i < s->nconns; i++) {
    EVP_MD_CTX_free(s->conns[i].c.tx_sha);
    EVP_MD_CTX_free(s->conns[i].c.rx_sha);
    EVP_MD_CTX_free(s->conns[i].s.tx_sha);
    EVP_MD_CTX_free(s->conns[i].s.rx_sha);
    struct side *sides[2] = {&s->conns[i].c, &s->conns[i].s};
    for (int k = 0; k < 2; k++)
      if (sides[k]->tcb) {
        sf__tcp_abort(sides[k]->tcb, s->now);
        sf__tcp_detach(sides[k]->tcb, s->now);
      }
  }
  if (s->a.e)
    s->r->retrans += sf__engine_counter(s->a.e, "tcp_retrans_segs");
  if (s->b.e)
    s->r->retrans += sf__engine_counter(s->b.e, "tcp_retrans_segs");
  if (s->listener)
    sf__tcp_listener_close(s->listener, s->now);
  if (s->a.e)
    check_transitions(s, &s->a);
  if (s->b.e)
    check_transitions(s, &s->b);
  sf__engine_free(s->a.e);
  sf__engine_free(s->b.e);
  sf__link_close(s->a.link);
  sf__link_close(s->b.link);
}

static void describe_stuck(struct sim *s) {
  for (unsigned i = 0; i < s->nconns; i++) {
    struct conn *c = &s->conns[i];
    if (conn_done(c))
      continue;
    sim_fail(s,
         "time limit: conn %u client[%s tx %u/%u rx %u/%u shut %d eof %d] "
         "server[%s tx %u/%u rx %u/%u shut %d eof %d]",
         i, c->c.tcb ? sf_tcp_state_name(sf__tcp_state(c->c.tcb)) : "-",
         c->c.tx_done, c->c.tx_total, c->c.rx_done, c->c.rx_total, c->c.shut,
         c->c.eof, c->s.tcb ? sf_tcp_state_name(sf__tcp_state(c->s.tcb)) : "-",
         c->s.tx_done, c->s.tx_total, c->s.rx_done, c->s.rx_total, c->s.shut,
         c->s.eof);
    return;
  }
  sim_fail(s, "time limit: engines still hold %zu+%zu tcbs, %zu+%zu TIME-WAIT",
       sf__engine_tcb_count(s->a.e), sf__engine_tcb_count(s->b.e),
       sf__engine_timewait_count(s->a.e), sf__engine_timewait_count(s->b.e));
}

void sim_run(uint64_t seed, const struct sim_params *p, struct sim_result *r) {
  struct sim *s = calloc(1, sizeof(*s));
  memset(r, 0, sizeof(*r));
  if (!s) {
    snprintf(r->why, sizeof(r->why), "out of memory");
    return;
  }
  s->p = p;
  s->r = r;
  sf_test_rng_seed(&s->rng, seed);
  sf_time_t limit = p->time_limit_ms * SF_NSEC_PER_MSEC;
  if (setup(s)) {
    while (!s->failed) {
      step(s);
      if (s->failed || all_done(s))
        break;
      sf_time_t next = next_time(s);
      if (next == SF_TIME_NEVER || next > limit) {
        describe_stuck(s);
        break;
      }
      if (next > s->now)
        s->now = next;
      sf__engine_poll(s->a.e, s->now);
      sf__engine_poll(s->b.e, s->now);
    }
    if (!s->failed)
      check_hashes(s);
  } else if (!s->failed) {
    sim_fail(s, "setup failed");
  }
  r->virtual_ms = s->now / SF_NSEC_PER_MSEC;
  teardown(s);
  r->ok = !s->failed;
  free(s);
}
