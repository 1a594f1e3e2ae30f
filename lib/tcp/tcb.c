/*
 * The lifetime of control blocks: created here with the configuration's
 * defaults, put in, found in and taken out of the 4-tuple table, and
 * freed only from the reap list when the call into TCP ends, so nothing
 * frees a tcb under a caller's feet. Also what a new connection takes
 * from its handshake (the negotiated options, the MSS we offer) and from
 * outside (its ISN, its timestamp clock), and the switch of its
 * congestion control.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/recovery/recovery.h"
#include "tcp/tcb.h"
#include "util/alloc.h"

/* The shift that lets our receive buffer fit the 16-bit window field. */
uint8_t sf__tcp_our_wscale(const struct sf_tcp *e) {
  uint8_t s = 0;
  while (s < SF_TCP_MAX_WSCALE && (e->cfg.rcvbuf >> s) > 0xffff)
    s++;
  return s;
}

void sf__tcp_negotiate(struct sf_tcb *t, const struct sf_tcp_opts *o) {
  const struct sf_engine_config *c = &t->eng->cfg;
  t->peer_mss = (o->present & SF_TCP_OPT_MSS) ? o->mss : c->mss_default;
  /* A tiny MSS would have us send a segment per byte or two, and keep a
   * header per byte in flight (the "SACK panic" family): 64 at least,
   * like Linux's floor (TCP_MIN_SND_MSS), timestamps coming out of it. */
  if (t->peer_mss < 64)
    t->peer_mss = 64;
  uint16_t mss = t->peer_mss < t->rcv_mss ? t->peer_mss : t->rcv_mss;
  if (o->present & SF_TCP_OPT_WSCALE) {
    t->flags |= SF_TF_WSCALE;
    t->snd_wscale =
        o->wscale > SF_TCP_MAX_WSCALE ? SF_TCP_MAX_WSCALE : o->wscale;
  } else {
    t->flags &= ~(uint32_t)SF_TF_WSCALE;
    t->snd_wscale = 0;
    t->rcv_wscale = 0;
  }
  if (o->present & SF_TCP_OPT_TIMESTAMP) {
    t->flags |= SF_TF_TS;
    t->ts_recent = o->ts_val;
    t->ts_recent_age = t->eng->now;
    mss -= 12; /* every segment carries 12 bytes of timestamp option */
  } else {
    t->flags &= ~(uint32_t)SF_TF_TS;
  }
  if (o->present & SF_TCP_OPT_SACK_PERM)
    t->flags |= SF_TF_SACK;
  else
    t->flags &= ~(uint32_t)SF_TF_SACK;
  t->smss = mss;
  t->ccs.smss = mss;
  t->cc->init(&t->ccs);
}

/* IPv4 and TCP headers without options take 40 bytes of the MTU. */
uint16_t sf__tcp_mss_for_mtu(unsigned mtu) {
  if (mtu > 65535)
    mtu = 65535;
  return (uint16_t)(mtu > 40 + 64 ? mtu - 40 : 64);
}

void sf__tcp_use_cc(struct sf_tcb *t, const struct sf_cc_ops *cc) {
  if (t->cc == cc)
    return;
  struct sf_cc_state old = t->ccs;
  t->cc = cc;
  memset(&t->ccs, 0, sizeof(t->ccs));
  t->ccs.smss = old.smss;
  cc->init(&t->ccs);
  if (sf__tcp_synchronized(t->state)) {
    t->ccs.cwnd = old.cwnd;
    t->ccs.ssthresh = old.ssthresh;
  }
  /* the saved state is the old algorithm's: nothing to undo into */
  t->flags &= ~(uint32_t)SF_TF_EIFEL;
}

/* What a new connection starts with, from the configuration. */
static void set_defaults(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  if (sf__tcp_mem_pressure(e))
    SF_TCP_COUNT(e, tcp_mem_pressure_conns);
  sf__ring_init(&t->sndbuf, sf__tcp_mem_bufsize(e, e->cfg.sndbuf));
  sf__ring_init(&t->rcvbuf, sf__tcp_mem_bufsize(e, e->cfg.rcvbuf));
  sf__asm_init(&t->ooo);
  sf__rtt_init(&t->rtt, e->cfg.rto_initial, &e->rto_bounds);
  t->cc = e->cc;
  t->dupthresh = SF_TCP_DUPTHRESH;
  t->rcv_mss = 536;
  t->peer_mss = e->cfg.mss_default;
  t->smss = e->cfg.mss_default;
  t->ccs.smss = t->smss;
  t->cc->init(&t->ccs);
  t->rcv_wscale = sf__tcp_our_wscale(e);
  t->keep_idle = e->cfg.keepalive_idle;
  /* RFC 7323 5.4: a per-connection offset hides the host's clock */
  const struct sf_tuple *tu = &t->node.key;
  t->ts_offset = sf__ts_offset(&e->secret, tu->laddr, tu->lport, tu->raddr,
                               tu->rport);
}

struct sf_tcb *sf__tcb_new(struct sf_tcp *e, const struct sf_tuple *tu,
                           unsigned netif) {
  /* Every tcb has its slot in the timer heap from the start, so that
   * arming a timer cannot fail later (a connection whose timers never
   * fire would hang). */
  if (sf__heap_reserve(&e->timers, e->tcb_count + 1) < 0)
    return NULL;
  struct sf_tcb *t = sf__pool_get(&e->tcb_pool);
  if (!t)
    return NULL;
  memset(t, 0, sizeof(*t));
  t->eng = e;
  t->node.key = *tu;
  t->netif = netif;
  t->state = SF_TCP_CLOSED;
  sf__heap_node_init(&t->heap);
  for (int i = 0; i < SF_TT_COUNT; i++)
    t->timers[i] = SF_TIME_NEVER;
  set_defaults(t);
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

struct sf_tcb *sf__tcb_find(struct sf_tcp *e, const struct sf_tuple *tu) {
  struct sf_tuple_node *n = sf__tuple_map_find(&e->conns, tu);
  return n ? (struct sf_tcb *)((char *)n - offsetof(struct sf_tcb, node))
           : NULL;
}

void sf__tcb_unhash(struct sf_tcb *t) {
  if (!t->in_table)
    return;
  sf__tuple_map_remove(&t->eng->conns, &t->node);
  t->in_table = false;
}

void sf__tcp_release_observer(struct sf_tcp *e, void *observer) {
  if (observer && e->up.observer_release)
    e->up.observer_release(e->up.ctx, observer);
}

void sf__tcb_free(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  sf__heap_remove(&e->timers, &t->heap);
  sf__tcb_unhash(t);
  if (t->all_prev)
    t->all_prev->all_next = t->all_next;
  else
    e->all = t->all_next;
  if (t->all_next)
    t->all_next->all_prev = t->all_prev;
  sf__tcp_idle_forget(t);
  e->tcb_count--;
  sf__ring_free(&t->sndbuf, &t->eng->mem);
  sf__ring_free(&t->rcvbuf, &t->eng->mem);
  sf__asm_free(&t->ooo, &t->eng->mem);
  sf__recovery_free(t);
  sf__tcp_release_observer(e, t->observer);
  sf__pool_put(&e->tcb_pool, t);
  if (sf__tcp_mem_pressure(e))
    sf__tcp_mem_pools_drain(e);
}

size_t sf__tcb_buffer_bytes(const struct sf_tcb *t) {
  return (size_t)t->sndbuf.alloc + t->rcvbuf.alloc + t->ooo.held;
}

void sf__tcb_reap(struct sf_tcb *t) {
  if (t->flags & SF_TF_REAPED)
    return;
  t->flags |= SF_TF_REAPED;
  sf__tcp_timers_stop_all(t);
  sf__tcp_turn_forget(t);
  sf__tcp_orphan_forget(t);
  sf__tcb_unhash(t);
  t->reap_next = t->eng->reap;
  t->eng->reap = t;
}

void sf__tcb_free_reaped(struct sf_tcp *e) {
  while (e->reap) {
    struct sf_tcb *t = e->reap;
    e->reap = t->reap_next;
    sf__tcb_free(t);
  }
}

uint32_t sf__tcp_make_isn(struct sf_tcp *e, const struct sf_tuple *tu) {
  if (e->cfg.isn)
    return e->cfg.isn(e->cfg.rand_ctx, tu, e->now);
  return sf__isn_rfc6528(&e->secret, tu->laddr, tu->lport, tu->raddr,
                         tu->rport, e->now);
}

/* RFC 7323 5.4: a clock of 1 ms ticks, offset per connection. */
uint32_t sf__tcp_ts_clock(const struct sf_tcp *e, uint32_t offset) {
  return (uint32_t)(e->now / SF_NSEC_PER_MSEC) + offset;
}

uint32_t sf__tcp_ts_now(const struct sf_tcb *t) {
  return sf__tcp_ts_clock(t->eng, t->ts_offset);
}
