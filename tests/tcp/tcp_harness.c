/*
 * The single-engine harness (see tcp_harness.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tcp_harness.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/status.h"

static const struct sf_eth_addr th_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct sf_eth_addr th_peer_mac = {{0x02, 0, 0, 0, 0, 0x02}};

static void on_event(void *ctx, const struct sf_conn_ref *c,
                     const struct sf_tcp_event *ev) {
  struct th *h = ctx;
  ck_assert_uint_lt(h->nev, TH_MAX_EVENTS);
  struct th_event *r = &h->ev[h->nev++];
  r->ev = *ev;
  r->tcb = c->tcb;
  r->user = c->user;
  r->observer = c->observer;
  r->tuple = c->tuple;
  r->at = h->now;
}

static void on_ready(void *ctx, struct sf_listener *l, void *user) {
  struct th *h = ctx;
  (void)user;
  h->ready_calls++;
  h->ready_listener = l;
}

static sf_syn_verdict_t on_syn(void *ctx, struct sf_listener *l,
                               void *observer, const sf_syn_info_t *info) {
  struct th *h = ctx;
  (void)l;
  (void)observer;
  h->syn_calls++;
  h->last_syn = *info;
  return h->verdict;
}

static void retain(void *ctx, void *observer) {
  (void)observer;
  ((struct th *)ctx)->observer_refs++;
}

static void release(void *ctx, void *observer) {
  (void)observer;
  ((struct th *)ctx)->observer_refs--;
}

static uint32_t fixed_isn(void *ctx, const struct sf_tuple *t, sf_time_t now) {
  (void)t;
  (void)now;
  return ((struct th *)ctx)->isn;
}

static uint32_t fixed_port_offset(void *ctx, struct sf_addr l, struct sf_addr r,
                                  uint16_t p) {
  (void)l;
  (void)r;
  (void)p;
  return ((struct th *)ctx)->port_offset;
}

/*
 * What the test called since the harness last worked (sf__tcp_recv,
 * _send...) plays the application's callbacks. The loop ends a turn
 * after them, before it sends and before new input or timers begin the
 * next turn; so the harness ends it wherever it sends, receives or polls.
 */
static void end_turn(struct th *h) { sf__engine_end_turn(h->e, h->now); }

static void send_frame(struct th *h, uint16_t ethertype, const uint8_t *pl,
                       size_t len) {
  uint8_t frame[70000];
  struct sf_eth_hdr eh = {.dst = th_mac, .src = th_peer_mac,
                          .ethertype = ethertype};
  int hl = sf__eth_emit(&eh, frame, sizeof(frame));
  ck_assert_int_gt(hl, 0);
  memcpy(frame + hl, pl, len);
  th_inject_frame(h, frame, (size_t)hl + len);
}

static void teach_arp(struct th *h) {
  struct sf_arp a = {.oper = SF_ARP_OP_REQUEST, .sha = th_peer_mac,
                     .spa = TH_PEER_ADDR, .tpa = TH_ADDR};
  uint8_t pkt[SF_ARP_LEN];
  ck_assert_int_eq(sf__arp_emit(&a, pkt, sizeof(pkt)), SF_ARP_LEN);
  send_frame(h, SF_ETHERTYPE_ARP, pkt, sizeof(pkt));
  struct sf_frame f[8];
  size_t n = sf__engine_tx_take(h->e, (unsigned)h->netif, f, 8);
  sf__engine_tx_release(h->e, (unsigned)h->netif, n);
}

void th_init(struct th *h, void (*cfg_edit)(struct sf_engine_config *)) {
  th_init_offload(h, cfg_edit, 0);
}

void th_init_offload(struct th *h,
                     void (*cfg_edit)(struct sf_engine_config *),
                     unsigned offload) {
  memset(h, 0, sizeof(*h));
  h->now = 1 * SF_NSEC_PER_SEC;
  h->isn = TH_ISN;
  h->port_offset = 0;
  h->verdict = SF_SYN_ACCEPT;
  h->answer_arp = true;
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  cfg.isn = fixed_isn;
  cfg.port_offset = fixed_port_offset;
  cfg.rand_ctx = h;
  cfg.secret_seed = 42;
  if (cfg_edit)
    cfg_edit(&cfg);
  struct sf_engine_upcalls up = {.ctx = h,
                                 .conn_event = on_event,
                                 .listener_ready = on_ready,
                                 .syn = on_syn,
                                 .observer_retain = retain,
                                 .observer_release = release};
  ck_assert_int_eq(sf__engine_new(&cfg, &up, h->now, &h->e), 0);
  struct sf_netif_config nc = {.addr = sf_addr_v4(TH_ADDR), .prefix_len = 24,
                               .offload = offload,
                               .mtu = 1500};
  memcpy(nc.mac, th_mac.b, 6);
  h->netif = sf__engine_netif_add(h->e, &nc);
  ck_assert_int_ge(h->netif, 0);
  teach_arp(h);
}

void th_free(struct th *h) {
  /* every state change the test caused followed RFC 9293 (state.c) */
  ck_assert_uint_eq(th_counter(h, "tcp_illegal_transitions"), 0);
  sf__engine_free(h->e);
  h->e = NULL;
  ck_assert_int_eq(h->observer_refs, 0);
}

void th_inject(struct th *h, const struct th_seg *s) {
  uint8_t seg[70000];
  struct sf_tcp_hdr th = {.sport = s->sport, .dport = s->dport,
                          .seq = sf_seq(s->seq), .ack = sf_seq(s->ack),
                          .flags = s->flags, .window = s->window,
                          .opts = s->opts};
  int n = sf__tcp_emit(&th, s->data, s->len, TH_PEER_ADDR, TH_ADDR, 0, seg,
                       sizeof(seg));
  ck_assert_int_gt(n, 0);
  th_inject_raw_tcp(h, seg, (size_t)n);
}

void th_inject_raw_tcp(struct th *h, const uint8_t *seg, size_t len) {
  uint8_t pkt[70000];
  struct sf_ipv4_hdr ip = {.tos = 0, .id = 1, .flags = SF_IPV4_FLAG_DF,
                           .ttl = 64, .proto = SF_IPPROTO_TCP,
                           .src = TH_PEER_ADDR, .dst = TH_ADDR,
                           .payload_len = len};
  int hl = sf__ipv4_emit(&ip, pkt, sizeof(pkt));
  ck_assert_int_eq(hl, 20);
  memcpy(pkt + hl, seg, len);
  send_frame(h, SF_ETHERTYPE_IPV4, pkt, (size_t)hl + len);
}

/* The peer answers the engine's ARP requests for it, as a host would. */
static void answer_arp(struct th *h, const struct sf_eth_hdr *eh) {
  struct sf_arp a;
  h->skipped_frames++;
  if (sf__arp_parse(eh->payload, eh->payload_len, &a) != SF_WIRE_OK ||
      a.oper != SF_ARP_OP_REQUEST || a.tpa != TH_PEER_ADDR)
    return;
  struct sf_arp r = {.oper = SF_ARP_OP_REPLY, .sha = th_peer_mac,
                     .spa = TH_PEER_ADDR, .tha = a.sha, .tpa = a.spa};
  uint8_t pkt[SF_ARP_LEN];
  ck_assert_int_eq(sf__arp_emit(&r, pkt, sizeof(pkt)), SF_ARP_LEN);
  send_frame(h, SF_ETHERTYPE_ARP, pkt, sizeof(pkt));
}

/* A partial checksum sits where the metadata says and holds the
 * pseudo-header sum, so that finishing it gives the right checksum. */
static void check_partial_csum(const struct sf_frame_meta *m,
                               const struct sf_ipv4_hdr *ip) {
  ck_assert_uint_eq(m->csum_start, 14 + 20);
  ck_assert_uint_eq(m->csum_offset, 16);
  const uint8_t *c = ip->payload + 16;
  uint16_t stored = (uint16_t)(c[0] << 8 | c[1]);
  uint32_t sum = sf__csum_pseudo_ipv4(ip->src, ip->dst, SF_IPPROTO_TCP,
                                      ip->payload_len);
  ck_assert_uint_eq(stored, (uint16_t)~sf__csum_finish(sum));
}

/* Takes one frame off the engine's queue; false when empty. */
static bool take_frame(struct th *h, uint8_t *buf, size_t cap, size_t *len) {
  struct sf_frame f;
  end_turn(h);
  if (sf__engine_tx_take(h->e, (unsigned)h->netif, &f, 1) != 1)
    return false;
  ck_assert_uint_le(f.len, cap);
  memcpy(buf, f.data, f.len);
  *len = f.len;
  h->last_meta = f.meta;
  sf__engine_tx_release(h->e, (unsigned)h->netif, 1);
  return true;
}

bool th_next(struct th *h, struct sf_tcp_hdr *out) {
  static uint8_t frame[70000];
  size_t len;
  while (take_frame(h, frame, sizeof(frame), &len)) {
    struct sf_eth_hdr eh;
    ck_assert_int_eq(sf__eth_parse(frame, len, &eh), SF_WIRE_OK);
    if (eh.ethertype == SF_ETHERTYPE_ARP && h->answer_arp) {
      answer_arp(h, &eh);
      continue;
    }
    if (eh.ethertype != SF_ETHERTYPE_IPV4) {
      h->skipped_frames++;
      continue;
    }
    struct sf_ipv4_hdr ip;
    ck_assert_int_eq(sf__ipv4_parse(eh.payload, eh.payload_len, 0, &ip),
                     SF_WIRE_OK);
    if (ip.proto != SF_IPPROTO_TCP) {
      h->skipped_frames++;
      continue;
    }
    ck_assert_uint_eq(ip.src, TH_ADDR);
    ck_assert_uint_eq(ip.dst, TH_PEER_ADDR);
    bool partial = (h->last_meta.flags & SF_FRAME_CSUM_PARTIAL) != 0;
    if (partial) /* what the link would finish: the pseudo-header sum */
      check_partial_csum(&h->last_meta, &ip);
    ck_assert_int_eq(sf__tcp_parse(ip.payload, ip.payload_len, ip.src,
                                   ip.dst, partial ? SF_WIRE_SKIP_CHECKSUM : 0,
                                   out),
                     SF_WIRE_OK);
    memcpy(h->payload, out->payload, out->payload_len);
    h->payload_len = out->payload_len;
    out->payload = h->payload;
    return true;
  }
  return false;
}

size_t th_drain(struct th *h) {
  struct sf_tcp_hdr s;
  size_t n = 0;
  while (th_next(h, &s))
    n++;
  return n;
}

size_t th_queued(const struct th *h) {
  return sf__ip_tx_pending(sf__engine_ip(h->e), (unsigned)h->netif);
}

void th_advance(struct th *h, sf_time_t dt) {
  end_turn(h);
  h->now += dt;
  sf__engine_poll(h->e, h->now);
}

sf_time_t th_run_to_deadline(struct th *h, sf_time_t limit) {
  end_turn(h);
  sf_time_t d = sf__engine_next_deadline(h->e);
  if (d == SF_TIME_NEVER || d > limit)
    return h->now;
  if (d > h->now)
    h->now = d;
  sf__engine_poll(h->e, h->now);
  return h->now;
}

bool th_run_until_segment(struct th *h, sf_time_t limit,
                          enum sf_tcp_event_type stop_on,
                          struct sf_tcp_hdr *out) {
  unsigned events = stop_on ? th_count(h, stop_on) : 0;
  for (;;) {
    if (th_next(h, out))
      return true;
    if (stop_on && th_count(h, stop_on) != events)
      return false;
    sf_time_t d = sf__engine_next_deadline(h->e);
    if (d == SF_TIME_NEVER || d > limit)
      return false;
    if (d > h->now)
      h->now = d;
    sf__engine_poll(h->e, h->now);
  }
}

unsigned th_count(const struct th *h, enum sf_tcp_event_type type) {
  unsigned n = 0;
  for (size_t i = 0; i < h->nev; i++)
    if (!type || h->ev[i].ev.type == type)
      n++;
  return n;
}

const struct th_event *th_event_nth(const struct th *h,
                                    enum sf_tcp_event_type type, unsigned i) {
  for (size_t k = 0; k < h->nev; k++)
    if (h->ev[k].ev.type == type && i-- == 0)
      return &h->ev[k];
  return NULL;
}

const char *th_transitions(const struct th *h, const struct sf_tcb *tcb,
                           char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < h->nev; i++) {
    const struct th_event *r = &h->ev[i];
    if (r->ev.type != SF_TEV_STATE || (tcb && r->tcb != tcb))
      continue;
    int n = snprintf(buf + used, cap - used, "%s%s>%s", used ? "," : "",
                     sf_tcp_state_name(r->ev.old_state),
                     sf_tcp_state_name(r->ev.new_state));
    if (n < 0 || (size_t)n >= cap - used)
      break;
    used += (size_t)n;
  }
  return buf;
}

uint64_t th_counter(const struct th *h, const char *name) {
  uint64_t v = sf__engine_counter(h->e, name);
  ck_assert_msg(v != UINT64_MAX, "no counter %s", name);
  return v;
}

/* ------------------------------------------------- established connections */

struct sf_tcp_opts th_syn_opts(uint16_t mss, int wscale, bool sack, bool ts,
                               uint32_t tsval, uint32_t tsecr) {
  struct sf_tcp_opts o;
  memset(&o, 0, sizeof(o));
  o.present = SF_TCP_OPT_MSS;
  o.mss = mss;
  if (wscale >= 0) {
    o.present |= SF_TCP_OPT_WSCALE;
    o.wscale = (uint8_t)wscale;
  }
  if (sack)
    o.present |= SF_TCP_OPT_SACK_PERM;
  if (ts) {
    o.present |= SF_TCP_OPT_TIMESTAMP;
    o.ts_val = tsval;
    o.ts_ecr = tsecr;
  }
  return o;
}

static void conn_init(struct th_conn *c, uint32_t peer_isn,
                      const struct sf_tcp_opts *opts, uint16_t window) {
  c->irs = peer_isn;
  c->snd_nxt = peer_isn + 1;
  c->window = window;
  c->ts = (opts->present & SF_TCP_OPT_TIMESTAMP) != 0;
  c->ts_val = opts->ts_val + 1;
}

struct sf_tcb *th_open_active(struct th *h, struct th_conn *c, uint16_t rport,
                              uint32_t peer_isn, const struct sf_tcp_opts *opts,
                              uint16_t window) {
  memset(c, 0, sizeof(*c));
  ck_assert_int_eq(sf__tcp_connect(sf__engine_tcp(h->e), sf_addr_v4(0), 0,
                                   sf_addr_v4(TH_PEER_ADDR), rport, (void *)1,
                                   NULL, h->now, &c->t),
                   0);
  struct sf_tcp_hdr s;
  ck_assert(th_next(h, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN);
  c->lport = s.sport;
  c->rport = rport;
  c->rcv_nxt = h->isn + 1;
  conn_init(c, peer_isn, opts, window);
  struct th_seg sa = {.sport = rport, .dport = c->lport, .seq = peer_isn,
                      .ack = h->isn + 1, .flags = SF_TCP_SYN | SF_TCP_ACK,
                      .window = window, .opts = *opts};
  if (c->ts)
    sa.opts.ts_ecr = s.opts.ts_val;
  th_inject(h, &sa);
  ck_assert_int_eq(sf__tcp_state(c->t), SF_TCP_ESTABLISHED);
  ck_assert(th_conn_next(h, c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_ACK);
  ck_assert_uint_eq(s.ack.v, peer_isn + 1);
  return c->t;
}

struct sf_tcb *th_open_passive(struct th *h, struct th_conn *c, uint16_t lport,
                               uint16_t rport, uint32_t peer_isn,
                               const struct sf_tcp_opts *opts, uint16_t window,
                               struct sf_listener **l) {
  memset(c, 0, sizeof(*c));
  ck_assert_int_eq(
      sf__tcp_listen(sf__engine_tcp(h->e), sf_addr_v4(0), lport, 16, NULL, l),
      0);
  c->lport = lport;
  c->rport = rport;
  conn_init(c, peer_isn, opts, window);
  struct th_seg syn = {.sport = rport, .dport = lport, .seq = peer_isn,
                       .flags = SF_TCP_SYN, .window = window, .opts = *opts};
  th_inject(h, &syn);
  struct sf_tcp_hdr s;
  ck_assert(th_conn_next(h, c, &s));
  ck_assert_uint_eq(s.flags, SF_TCP_SYN | SF_TCP_ACK);
  ck_assert_uint_eq(s.ack.v, peer_isn + 1);
  c->rcv_nxt = s.seq.v + 1;
  th_conn_send(h, c, SF_TCP_ACK, NULL, 0);
  c->t = sf__tcp_accept(*l, (void *)1);
  ck_assert_ptr_nonnull(c->t);
  ck_assert_int_eq(sf__tcp_state(c->t), SF_TCP_ESTABLISHED);
  return c->t;
}

struct th_seg th_conn_seg(const struct th_conn *c, uint16_t flags,
                          const void *data, size_t len) {
  struct th_seg g;
  memset(&g, 0, sizeof(g));
  g.sport = c->rport;
  g.dport = c->lport;
  g.seq = c->snd_nxt;
  g.ack = c->rcv_nxt;
  g.flags = flags;
  if (!(flags & (SF_TCP_SYN | SF_TCP_RST)))
    g.flags |= SF_TCP_ACK;
  g.window = c->window;
  if (c->ts) {
    g.opts.present = SF_TCP_OPT_TIMESTAMP;
    g.opts.ts_val = c->ts_val;
    g.opts.ts_ecr = c->ts_ecr;
  }
  g.data = data;
  g.len = len;
  return g;
}

void th_conn_send(struct th *h, struct th_conn *c, uint16_t flags,
                  const void *data, size_t len) {
  struct th_seg g = th_conn_seg(c, flags, data, len);
  th_inject(h, &g);
  c->snd_nxt += (uint32_t)len + ((flags & SF_TCP_FIN) ? 1 : 0);
}

bool th_conn_next(struct th *h, struct th_conn *c, struct sf_tcp_hdr *out) {
  if (!th_next(h, out))
    return false;
  if (out->opts.present & SF_TCP_OPT_TIMESTAMP)
    c->ts_ecr = out->opts.ts_val;
  return true;
}

void th_inject_ipv4(struct th *h, uint32_t src, uint8_t proto,
                    const uint8_t *payload, size_t len) {
  uint8_t pkt[70000];
  struct sf_ipv4_hdr ip = {.id = 2, .flags = SF_IPV4_FLAG_DF, .ttl = 64,
                           .proto = proto, .src = src, .dst = TH_ADDR,
                           .payload_len = len};
  int hl = sf__ipv4_emit(&ip, pkt, sizeof(pkt));
  ck_assert_int_eq(hl, 20);
  memcpy(pkt + hl, payload, len);
  send_frame(h, SF_ETHERTYPE_IPV4, pkt, (size_t)hl + len);
}

void th_inject_icmp_error(struct th *h, uint8_t type, uint8_t code,
                          uint16_t mtu, const struct sf_tcp_hdr *s) {
  /* the quote: our datagram's IPv4 header and its first 8 TCP bytes */
  uint8_t quote[28];
  struct sf_ipv4_hdr q = {.id = 0, .flags = SF_IPV4_FLAG_DF, .ttl = 64,
                          .proto = SF_IPPROTO_TCP, .src = TH_ADDR,
                          .dst = TH_PEER_ADDR,
                          .payload_len = s->hdr_len + s->payload_len};
  ck_assert_int_eq(sf__ipv4_emit(&q, quote, sizeof(quote)), 20);
  quote[20] = (uint8_t)(s->sport >> 8);
  quote[21] = (uint8_t)s->sport;
  quote[22] = (uint8_t)(s->dport >> 8);
  quote[23] = (uint8_t)s->dport;
  for (int i = 0; i < 4; i++)
    quote[24 + i] = (uint8_t)(s->seq.v >> (24 - 8 * i));
  struct sf_icmp m;
  memset(&m, 0, sizeof(m));
  m.type = type;
  m.code = code;
  m.next_hop_mtu = mtu;
  m.body = quote;
  m.body_len = sizeof(quote);
  uint8_t msg[64];
  int n = sf__icmp_emit(&m, msg, sizeof(msg));
  ck_assert_int_eq(n, 8 + 28);
  th_inject_ipv4(h, TH_PEER_ADDR, SF_IPPROTO_ICMP, msg, (size_t)n);
}

void th_inject_frame(struct th *h, const uint8_t *frame, size_t len) {
  if (!h->batch)
    end_turn(h);
  sf__engine_input(h->e, (unsigned)h->netif, frame, len, 0, h->now);
}

/* ------------------------------------------------------------------
 * Shared assertions and set-up steps.
 */

void th_expect_data(struct th *h, struct th_conn *c, struct sf_tcp_hdr *s,
                    uint32_t seq, size_t len) {
  ck_assert_msg(th_conn_next(h, c, s), "no segment sent");
  ck_assert_uint_eq(s->seq.v, seq);
  ck_assert_uint_eq(s->payload_len, len);
}

struct sf_listener *th_listen(struct th *h, uint16_t port, int backlog,
                              void *user) {
  struct sf_listener *l = NULL;
  ck_assert_int_eq(sf__tcp_listen(sf__engine_tcp(h->e), sf_addr_v4(0), port,
                                  backlog, user, &l),
                   0);
  ck_assert_ptr_nonnull(l);
  return l;
}

struct sf_tcb *th_connect(struct th *h, uint16_t rport, void *user) {
  struct sf_tcb *t = NULL;
  ck_assert_int_eq(sf__tcp_connect(sf__engine_tcp(h->e), sf_addr_v4(0), 0,
                                   sf_addr_v4(TH_PEER_ADDR), rport, user, NULL,
                                   h->now, &t),
                   0);
  ck_assert_ptr_nonnull(t);
  return t;
}

struct sf_tcb *th_open_std(struct th *h, struct th_conn *c, uint16_t rport,
                           uint32_t peer_isn) {
  struct sf_tcp_opts o = th_syn_opts(1460, 7, true, true, 100, 0);
  return th_open_active(h, c, rport, peer_isn, &o, 65535);
}

void th_conn_ack(struct th *h, struct th_conn *c, uint32_t upto) {
  c->rcv_nxt = upto;
  th_conn_send(h, c, SF_TCP_ACK, NULL, 0);
}

void th_finish(struct th *h, struct sf_tcb *t) {
  sf__tcp_abort(t, h->now);
  sf__tcp_detach(t, h->now);
  ck_assert_uint_eq(sf__engine_tcb_count(h->e), 0);
  th_free(h);
}

struct sf_tcb *th_last_state_tcb(const struct th *h) {
  for (size_t i = h->nev; i > 0; i--)
    if (h->ev[i - 1].ev.type == SF_TEV_STATE && h->ev[i - 1].tcb)
      return h->ev[i - 1].tcb;
  return NULL;
}

unsigned th_count_for(const struct th *h, const struct sf_tcb *t,
                      enum sf_tcp_event_type type) {
  unsigned n = 0;
  for (size_t i = 0; i < h->nev; i++)
    if (h->ev[i].ev.type == type && h->ev[i].tcb == t)
      n++;
  return n;
}

uint16_t th_lport(const struct sf_tcb *t) {
  struct sf_tuple tu;
  sf__tcp_get_tuple(t, &tu);
  return tu.lport;
}

sf_tcp_info_t th_info(const struct sf_tcb *t) {
  sf_tcp_info_t i;
  sf__tcp_get_info(t, &i);
  return i;
}
