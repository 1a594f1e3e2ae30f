/*
 * The engine object: configuration, the IP layer below it, the tables
 * (4-tuple map, listeners, TIME-WAIT records, timer heap), segment
 * demultiplexing, ICMP errors and unreachable hops, counters, and the
 * lifetime of control blocks (created here, freed only at the end of an
 * engine entry point so nothing frees a tcb under a caller's feet).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"
#include "wire/icmp.h"
#include "wire/status.h"

void sf__engine_config_default(struct sf_engine_config *c) {
  memset(c, 0, sizeof(*c));
  sf__ip_params_default(&c->ip);
  c->sndbuf = 256 * 1024;
  c->rcvbuf = 256 * 1024;
  c->msl = 30 * SF_NSEC_PER_SEC;
  c->rto_initial = SF_NSEC_PER_SEC;
  c->rto_min = 200 * SF_NSEC_PER_MSEC;
  c->rto_max = 60 * SF_NSEC_PER_SEC;
  c->syn_retries = 6;
  c->synack_retries = 5;
  c->data_retries = 15;
  c->fin_wait2_timeout = 60 * SF_NSEC_PER_SEC;
  c->delack_timeout = 40 * SF_NSEC_PER_MSEC;
  c->keepalive_idle = 7200 * SF_NSEC_PER_SEC;
  c->keepalive_interval = 75 * SF_NSEC_PER_SEC;
  c->keepalive_probes = 9;
  c->tail_loss_probe = true;
  c->timewait_max = 4096;
  c->backlog_max = 4096;
  c->syncookies = true;
  c->challenge_ack_limit = 1000;
  c->port_lo = 49152;
  c->port_hi = 65535;
  c->mss_default = 536;
  c->congestion = "newreno";
}

static bool config_valid(const struct sf_engine_config *c) {
  return c->sndbuf >= 1 && c->rcvbuf >= 1 &&
         c->rcvbuf <= ((size_t)0xffff << SF_TCP_MAX_WSCALE) &&
         c->rto_min > 0 && c->rto_min <= c->rto_max &&
         c->delack_timeout <= 200 * SF_NSEC_PER_MSEC && c->port_lo > 0 &&
         c->port_lo <= c->port_hi && c->mss_default >= 64 &&
         c->backlog_max > 0 && sf__cc_find(c->congestion);
}

/* ------------------------------------------------------------ IP upcalls */

static void tcp_segment_in(void *ctx, unsigned netif,
                           const struct sf_ipv4_hdr *ip, unsigned rx_flags,
                           sf_time_t now);
static void tcp_icmp_error(void *ctx, const struct sf_ip_icmp_error *err,
                           sf_time_t now);
static void hop_unreachable(void *ctx, unsigned netif, uint32_t hop,
                            sf_time_t now);
static void tw_gone(void *ctx, struct sf_tw_record *r,
                    enum sf_tw_gone_reason why, sf_time_t now);

int sf__engine_new(const struct sf_engine_config *cfg,
                   const struct sf_engine_upcalls *up, sf_time_t now,
                   struct sf_engine **out) {
  *out = NULL;
  if (!cfg || !config_valid(cfg))
    return SF_EINVAL;
  struct sf_engine *e = calloc(1, sizeof(*e));
  if (!e)
    return SF_ENOMEM;
  e->cfg = *cfg;
  e->cc = sf__cc_find(cfg->congestion);
  e->cfg.congestion = e->cc->name; /* the caller's string may go */
  if (up)
    e->up = *up;
  e->now = now;
  if (cfg->secret_seed)
    sf__secret_init_seeded(&e->secret, cfg->secret_seed);
  else if (sf__secret_init(&e->secret) != 0) {
    free(e);
    return SF_EIO;
  }
  struct sf_ip_upcalls ipup = {.ctx = e,
                               .tcp_input = tcp_segment_in,
                               .tcp_icmp_error = tcp_icmp_error,
                               .unreachable = hop_unreachable};
  int rc = sf__ip_new(&cfg->ip, &ipup, &e->ip);
  if (rc != 0) {
    free(e);
    return rc;
  }
  sf__tuple_map_init(&e->conns, &e->secret);
  sf__tw_init(&e->tw, &e->secret, cfg->timewait_max, 2 * cfg->msl, tw_gone,
              e);
  sf__heap_init(&e->timers);
  *out = e;
  return 0;
}

static void release_observer(struct sf_engine *e, void *observer) {
  if (observer && e->up.observer_release)
    e->up.observer_release(e->up.ctx, observer);
}

static void tcb_free(struct sf_tcb *t) {
  struct sf_engine *e = t->eng;
  sf__heap_remove(&e->timers, &t->heap);
  sf__tcb_unhash(t);
  if (t->all_prev)
    t->all_prev->all_next = t->all_next;
  else
    e->all = t->all_next;
  if (t->all_next)
    t->all_next->all_prev = t->all_prev;
  e->tcb_count--;
  sf__ring_free(&t->sndbuf);
  sf__ring_free(&t->rcvbuf);
  release_observer(e, t->observer);
  free(t);
}

void sf__engine_free(struct sf_engine *e) {
  if (!e)
    return;
  /* Nothing is reported while tearing down: forget the event upcall. */
  e->up.conn_event = NULL;
  e->up.listener_ready = NULL;
  while (e->listeners) {
    struct sf_listener *l = e->listeners;
    e->listeners = l->next;
    release_observer(e, l->observer);
    free(l);
  }
  while (e->all)
    tcb_free(e->all);
  sf__tw_free(&e->tw, e->now);
  sf__tuple_map_free(&e->conns);
  sf__heap_free(&e->timers);
  sf__ip_free(e->ip);
  free(e);
}

int sf__engine_netif_add(struct sf_engine *e, const struct sf_netif_config *c) {
  return sf__ip_netif_add(e->ip, c);
}

void sf__engine_netif_remove(struct sf_engine *e, unsigned netif) {
  sf__ip_netif_remove(e->ip, netif);
}

struct sf_ip *sf__engine_ip(struct sf_engine *e) { return e->ip; }

const struct sf_engine_config *sf__engine_config(const struct sf_engine *e) {
  return &e->cfg;
}

/* ------------------------------------------------------- tcb lifetime */

struct sf_tcb *sf__tcb_new(struct sf_engine *e, const struct sf_tuple *tu,
                           unsigned netif) {
  struct sf_tcb *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->eng = e;
  t->node.key = *tu;
  t->netif = netif;
  t->state = SF_TCP_CLOSED;
  sf__heap_node_init(&t->heap);
  for (int i = 0; i < SF_TT_COUNT; i++)
    t->timers[i] = SF_TIME_NEVER;
  sf__tcb_init_buffers(t);
  t->all_next = e->all;
  if (e->all)
    e->all->all_prev = t;
  e->all = t;
  e->tcb_count++;
  return t;
}

int sf__tcb_hash(struct sf_tcb *t) {
  if (t->in_table)
    return 0;
  if (sf__tuple_map_find(&t->eng->conns, &t->node.key))
    return SF_EADDRINUSE;
  int rc = sf__tuple_map_insert(&t->eng->conns, &t->node);
  if (rc == 0)
    t->in_table = true;
  return rc;
}

void sf__tcb_unhash(struct sf_tcb *t) {
  if (!t->in_table)
    return;
  sf__tuple_map_remove(&t->eng->conns, &t->node);
  t->in_table = false;
}

void sf__tcb_reap(struct sf_tcb *t) {
  if (t->flags & SF_TF_REAPED)
    return;
  t->flags |= SF_TF_REAPED;
  sf__tcp_timers_stop_all(t);
  sf__tcp_turn_forget(t);
  sf__tcb_unhash(t);
  t->reap_next = t->eng->reap;
  t->eng->reap = t;
}

void sf__engine_reap(struct sf_engine *e) {
  while (e->reap) {
    struct sf_tcb *t = e->reap;
    e->reap = t->reap_next;
    tcb_free(t);
  }
}

size_t sf__engine_tcb_count(const struct sf_engine *e) {
  return e->tcb_count;
}

size_t sf__engine_timewait_count(const struct sf_engine *e) {
  return e->tw.count;
}

/* -------------------------------------------------- numbers from outside */

uint32_t sf__tcp_make_isn(struct sf_engine *e, const struct sf_tuple *tu) {
  if (e->cfg.isn)
    return e->cfg.isn(e->cfg.rand_ctx, tu, e->now);
  return sf__isn_rfc6528(&e->secret, tu->laddr, tu->lport, tu->raddr,
                         tu->rport, e->now);
}

/* RFC 7323 5.4: a clock of 1 ms ticks, offset per connection. */
uint32_t sf__tcp_ts_now(const struct sf_tcb *t) {
  return (uint32_t)(t->eng->now / SF_NSEC_PER_MSEC) + t->ts_offset;
}

/* ----------------------------------------------------------- input */

/* The live connection with this 4-tuple, or NULL. */
static struct sf_tcb *tcb_find(struct sf_engine *e,
                               const struct sf_tuple *tu) {
  struct sf_tuple_node *n = sf__tuple_map_find(&e->conns, tu);
  return n ? (struct sf_tcb *)((char *)n - offsetof(struct sf_tcb, node))
           : NULL;
}

static void count_parse_error(struct sf_engine *e, int rc) {
  switch (rc) {
  case SF_WIRE_BAD_CHECKSUM:
    SF_TCP_COUNT(e, tcp_in_bad_checksum);
    break;
  case SF_WIRE_BAD_OPTION:
    SF_TCP_COUNT(e, tcp_in_bad_option);
    break;
  case SF_WIRE_BAD_FLAGS:
    SF_TCP_COUNT(e, tcp_in_bad_flags);
    break;
  default:
    SF_TCP_COUNT(e, tcp_in_bad_header);
    break;
  }
}

static void tcp_segment_in(void *ctx, unsigned netif,
                           const struct sf_ipv4_hdr *ip, unsigned rx_flags,
                           sf_time_t now) {
  struct sf_engine *e = ctx;
  e->now = now;
  SF_TCP_COUNT(e, tcp_in_segs);
  struct sf_tcp_hdr h;
  int rc = sf__tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst,
                         rx_flags & SF_WIRE_SKIP_CHECKSUM, &h);
  if (rc != SF_WIRE_OK) {
    count_parse_error(e, rc);
    return;
  }
  struct sf_tuple tu = {.laddr = ip->dst, .raddr = ip->src,
                        .lport = h.dport, .rport = h.sport};
  struct sf_tcb *t = tcb_find(e, &tu);
  if (t) {
    sf__tcp_input(t, &h);
  } else {
    sf__tcp_input_closed(e, netif, &tu, &h);
  }
}

/* TIME-WAIT records, then listeners, then RST (RFC 9293 3.10.7.1). */
void sf__tcp_input_closed(struct sf_engine *e, unsigned netif,
                          const struct sf_tuple *tu,
                          const struct sf_tcp_hdr *h) {
  struct sf_tw_record *r = sf__tw_find(&e->tw, tu);
  if (r) {
    switch (sf__tw_segment(r, h)) {
    case SF_TW_DROP:
      if (h->flags & SF_TCP_RST)
        SF_TCP_COUNT(e, tcp_in_rst_ignored);
      return;
    case SF_TW_ACK_RESTART:
      SF_TCP_COUNT(e, tcp_timewait_fin_reacked);
      sf__tw_restart(&e->tw, r, e->now);
      /* fall through */
    case SF_TW_ACK: {
      struct sf_tcp_opts o = {0};
      if (r->flags & SF_TW_TIMESTAMPS) {
        o.present = SF_TCP_OPT_TIMESTAMP;
        o.ts_val = (uint32_t)(e->now / SF_NSEC_PER_MSEC) + r->ts_offset;
        o.ts_ecr = r->ts_recent;
      }
      sf__tcp_send_raw(e, tu, r->snd_nxt, r->rcv_nxt, SF_TCP_ACK, r->window,
                       &o);
      return;
    }
    case SF_TW_NEW_SYN:
      SF_TCP_COUNT(e, tcp_timewait_reused);
      sf__tw_remove(&e->tw, r, SF_TW_REUSED, e->now);
      break; /* on to the listener */
    }
  }
  struct sf_listener *l = sf__listener_find(e, tu->laddr, tu->lport);
  if (l) {
    sf__listener_input(l, netif, tu, h);
    return;
  }
  if (!(h->flags & SF_TCP_RST))
    SF_TCP_COUNT(e, tcp_in_no_port);
  sf__tcp_reply_rst(e, tu, h);
}

/* A record that leaves reports TIME-WAIT -> CLOSED to its observer. */
static void tw_gone(void *ctx, struct sf_tw_record *r,
                    enum sf_tw_gone_reason why, sf_time_t now) {
  struct sf_engine *e = ctx;
  (void)now;
  if (why == SF_TW_RECYCLED)
    SF_TCP_COUNT(e, tcp_timewait_recycled);
  if (e->up.conn_event && r->observer) {
    struct sf_conn_ref ref = {.observer = r->observer, .tuple = r->node.key};
    struct sf_tcp_event ev = {.type = SF_TEV_STATE,
                              .old_state = SF_TCP_TIME_WAIT,
                              .new_state = SF_TCP_CLOSED};
    e->up.conn_event(e->up.ctx, &ref, &ev);
  }
  release_observer(e, r->observer);
  r->observer = NULL;
}

/*
 * RFC 5927 / RFC 1122 4.2.3.9: ICMP errors are soft errors; only
 * fragmentation-needed changes anything at once (the MSS). The quoted
 * sequence number must be one we have sent and not had acknowledged.
 */
static void tcp_icmp_error(void *ctx, const struct sf_ip_icmp_error *err,
                           sf_time_t now) {
  struct sf_engine *e = ctx;
  e->now = now;
  struct sf_tuple tu = {.laddr = err->src, .raddr = err->dst,
                        .lport = err->sport, .rport = err->dport};
  struct sf_tcb *t = tcb_find(e, &tu);
  if (!t) {
    SF_TCP_COUNT(e, tcp_icmp_ignored);
    return;
  }
  sf_seq_t seq = sf_seq(err->seq);
  if (!sf_seq_in_range(seq, t->snd_una, sf_seq_add(t->snd_max, 1))) {
    SF_TCP_COUNT(e, tcp_icmp_ignored);
    return;
  }
  if (err->type == SF_ICMP_DEST_UNREACH &&
      err->code == SF_ICMP_UNREACH_FRAG_NEEDED && err->next_hop_mtu >= 68) {
    unsigned mss = err->next_hop_mtu - 40u;
    if (t->flags & SF_TF_TS)
      mss -= 12; /* RFC 6691 2: the timestamp option comes out of it too */
    if (mss < t->smss && mss >= 88) {
      t->smss = (uint16_t)mss;
      t->ccs.smss = mss;
      SF_TCP_COUNT(e, tcp_pmtu_updates);
      sf__tcp_retransmit_first(t);
    }
    return;
  }
  t->soft_error = (err->type == SF_ICMP_DEST_UNREACH &&
                   err->code == SF_ICMP_UNREACH_NET)
                      ? SF_ENETUNREACH
                      : SF_EHOSTUNREACH;
  SF_TCP_COUNT(e, tcp_icmp_soft_errors);
}

/*
 * ARP gave up on a next hop. A connection still opening has nothing to
 * wait for (BEHAVIOUR: SF_EHOSTUNREACH); an established one keeps a soft
 * error and lets its own timers decide.
 */
static void hop_unreachable(void *ctx, unsigned netif, uint32_t hop,
                            sf_time_t now) {
  struct sf_engine *e = ctx;
  e->now = now;
  const struct sf_netif_config *nc = sf__ip_netif_config(e->ip, netif);
  for (struct sf_tcb *t = e->all; t; t = t->all_next) {
    if (t->netif != netif || t->state == SF_TCP_CLOSED ||
        (t->flags & SF_TF_REAPED))
      continue;
    uint32_t raddr = t->node.key.raddr;
    bool via = raddr == hop || (nc && nc->gateway == hop &&
                                ((raddr ^ nc->addr) &
                                 (nc->prefix_len ? ~0u << (32 - nc->prefix_len)
                                                 : 0)) != 0);
    if (!via)
      continue;
    if (t->state == SF_TCP_SYN_SENT) {
      SF_TCP_COUNT(e, tcp_conn_unreachable);
      sf__tcp_fail(t, SF_EHOSTUNREACH);
    } else {
      t->soft_error = SF_EHOSTUNREACH;
    }
  }
}

/* ------------------------------------------------- the shell's entries */

void sf__engine_input(struct sf_engine *e, unsigned netif,
                      const uint8_t *frame, size_t len, unsigned rx_flags,
                      sf_time_t now) {
  e->now = now;
  sf__ip_input(e->ip, netif, frame, len, rx_flags, now);
  sf__engine_reap(e);
}

void sf__engine_poll(struct sf_engine *e, sf_time_t now) {
  e->now = now;
  sf__ip_poll(e->ip, now);
  sf__tcp_timers_run(e, now);
  sf__tw_expire(&e->tw, now);
  sf__engine_reap(e);
}

void sf__engine_end_turn(struct sf_engine *e, sf_time_t now) {
  e->now = now;
  sf__tcp_turn_run(e);
  sf__engine_reap(e);
}

sf_time_t sf__engine_next_deadline(const struct sf_engine *e) {
  sf_time_t d = sf__ip_next_deadline(e->ip);
  struct sf_heap_node *n = sf__heap_min(&e->timers);
  if (n && n->key < d)
    d = n->key;
  sf_time_t tw = sf__tw_next_deadline(&e->tw);
  return tw < d ? tw : d;
}

size_t sf__engine_tx_take(struct sf_engine *e, unsigned netif,
                          struct sf_frame *out, size_t max) {
  return sf__ip_tx_take(e->ip, netif, out, max);
}

void sf__engine_tx_release(struct sf_engine *e, unsigned netif, size_t n) {
  sf__ip_tx_release(e->ip, netif, n);
}

/* ---------------------------------------------------------- counters */

struct counter_desc {
  const char *name;
  const char *description;
  bool ip;
  size_t offset;
};

static const struct counter_desc counter_table[] = {
#define SF_IP_COUNTER_DESC(n, d) \
  {#n, d, true, offsetof(struct sf_ip_counters, n)},
    SF_IP_COUNTERS(SF_IP_COUNTER_DESC)
#undef SF_IP_COUNTER_DESC
#define SF_TCP_COUNTER_DESC(n, d) \
  {#n, d, false, offsetof(struct sf_tcp_counters, n)},
        SF_TCP_COUNTERS(SF_TCP_COUNTER_DESC)
#undef SF_TCP_COUNTER_DESC
};

#define COUNTER_COUNT (sizeof(counter_table) / sizeof(counter_table[0]))

static uint64_t counter_value(const struct sf_engine *e,
                              const struct counter_desc *d) {
  const char *base = d->ip ? (const char *)sf__ip_counters(e->ip)
                           : (const char *)&e->c;
  uint64_t v;
  memcpy(&v, base + d->offset, sizeof(v));
  return v;
}

size_t sf__engine_counters(const struct sf_engine *e, struct sf_counter *out,
                           size_t max) {
  for (size_t i = 0; i < COUNTER_COUNT && i < max; i++) {
    out[i].name = counter_table[i].name;
    out[i].description = counter_table[i].description;
    out[i].value = counter_value(e, &counter_table[i]);
  }
  return COUNTER_COUNT;
}

uint64_t sf__engine_counter(const struct sf_engine *e, const char *name) {
  for (size_t i = 0; i < COUNTER_COUNT; i++)
    if (strcmp(counter_table[i].name, name) == 0)
      return counter_value(e, &counter_table[i]);
  return UINT64_MAX;
}
