/*
 * Listeners: binding and lookup, the SYN queue and the accept queue (both
 * bounded by the backlog), on_syn's verdict, SYN cookies when the SYN
 * queue is full (RFC 4987), the bad-handshake-ACK RST, and accept. A
 * connection a cookie rebuilds is handed back to demux for its ACK.
 */
#include "config.h"

#include <stdlib.h>

#include "tcp/syncookie.h"
#include "tcp/tcb.h"
#include "util/alloc.h"

static bool port_taken(struct sf_tcp *e, struct sf_addr addr, uint16_t port) {
  for (struct sf_listener *l = e->listeners; l; l = l->next)
    if (l->port == port && (sf_addr_eq(l->addr, addr) ||
                            sf_addr_is_any(l->addr) || sf_addr_is_any(addr)))
      return true;
  return false;
}

/* An exact address beats the wildcard. */
struct sf_listener *sf__listener_find(struct sf_tcp *e, struct sf_addr addr,
                                      uint16_t port) {
  struct sf_listener *wild = NULL;
  for (struct sf_listener *l = e->listeners; l; l = l->next) {
    if (l->port != port)
      continue;
    if (sf_addr_eq(l->addr, addr))
      return l;
    if (sf_addr_is_any(l->addr))
      wild = l;
  }
  return wild;
}

/* A listener without a port gets one from the ephemeral range, as
 * Linux's autobind does; the counter spreads successive choices. */
static int pick_listen_port(struct sf_tcp *e, struct sf_addr addr,
                            uint16_t *port) {
  uint32_t span = (uint32_t)e->cfg.port_hi - e->cfg.port_lo + 1;
  /* no peer yet: the unspecified address of addr's family stands in */
  struct sf_addr no_peer = {.family = addr.family};
  uint32_t start =
      sf__port_offset(&e->secret, addr, no_peer, 0) + e->port_counter;
  for (uint32_t i = 0; i < span; i++) {
    uint16_t p = (uint16_t)(e->cfg.port_lo + (start + i) % span);
    if (!port_taken(e, addr, p)) {
      e->port_counter += i + 1;
      *port = p;
      return 0;
    }
  }
  return SF_EADDRINUSE;
}

int sf__tcp_listen(struct sf_tcp *e, struct sf_addr addr, uint16_t port,
                   int backlog, void *user, struct sf_listener **out) {
  *out = NULL;
  if (!sf_addr_is_any(addr) && sf__ip_netif_by_addr(e->ip, addr) < 0)
    return SF_EADDRNOTAVAIL;
  if (port == 0) {
    int rc = pick_listen_port(e, addr, &port);
    if (rc)
      return rc;
  } else if (port_taken(e, addr, port)) {
    return SF_EADDRINUSE;
  }
  struct sf_listener *l = sf__calloc(1, sizeof(*l));
  if (!l)
    return SF_ENOMEM;
  l->eng = e;
  l->addr = addr;
  l->port = port;
  unsigned b = backlog < 1 ? 1u : (unsigned)backlog;
  l->backlog = b > e->cfg.backlog_max ? e->cfg.backlog_max : b;
  l->user = user;
  l->next = e->listeners;
  e->listeners = l;
  *out = l;
  return 0;
}

void sf__tcp_listener_set_observer(struct sf_listener *l, void *observer) {
  struct sf_tcp *e = l->eng;
  if (observer && e->up.observer_retain)
    e->up.observer_retain(e->up.ctx, observer);
  if (l->observer && e->up.observer_release)
    e->up.observer_release(e->up.ctx, l->observer);
  l->observer = observer;
}

void sf__tcp_listener_name(const struct sf_listener *l, struct sf_addr *addr,
                           uint16_t *port) {
  *addr = l->addr;
  *port = l->port;
}

size_t sf__tcp_listener_pending(const struct sf_listener *l) {
  return l->acceptq_len;
}

static void queue_append(struct sf_tcb **head, struct sf_tcb **tail,
                         struct sf_tcb *t) {
  t->q_next = NULL;
  if (*tail)
    (*tail)->q_next = t;
  else
    *head = t;
  *tail = t;
}

static bool queue_remove(struct sf_tcb **head, struct sf_tcb **tail,
                         struct sf_tcb *t) {
  struct sf_tcb *prev = NULL;
  for (struct sf_tcb *c = *head; c; prev = c, c = c->q_next) {
    if (c != t)
      continue;
    if (prev)
      prev->q_next = c->q_next;
    else
      *head = c->q_next;
    if (*tail == c)
      *tail = prev;
    c->q_next = NULL;
    return true;
  }
  return false;
}

void sf__listener_child_unlink(struct sf_tcb *t) {
  struct sf_listener *l = sf__tcb_listener(t);
  if (!l)
    return;
  if (queue_remove(&l->synq, &l->synq_tail, t))
    l->synq_len--;
  else if (queue_remove(&l->acceptq, &l->acceptq_tail, t))
    l->acceptq_len--;
  t->listener = NULL;
}

void sf__listener_child_established(struct sf_tcb *t) {
  struct sf_listener *l = sf__tcb_listener(t);
  if (!l)
    return;
  if (queue_remove(&l->synq, &l->synq_tail, t))
    l->synq_len--;
  queue_append(&l->acceptq, &l->acceptq_tail, t);
  l->acceptq_len++;
  struct sf_tcp *e = l->eng;
  if (e->up.listener_ready)
    e->up.listener_ready(e->up.ctx, l, l->user);
}

bool sf__listener_accept_full(const struct sf_tcb *t) {
  struct sf_listener *l = sf__tcb_listener(t);
  if (!l || l->acceptq_len < l->backlog)
    return false;
  SF_TCP_COUNT(l->eng, tcp_accept_queue_overflow);
  return true;
}

struct sf_tcb *sf__tcp_accept(struct sf_listener *l, void *user) {
  struct sf_tcb *t = l->acceptq;
  if (!t)
    return NULL;
  queue_remove(&l->acceptq, &l->acceptq_tail, t);
  l->acceptq_len--;
  t->listener = NULL;
  t->flags |= SF_TF_ATTACHED;
  t->user = user;
  return t;
}

static void reset_children(struct sf_tcb *head) {
  while (head) {
    struct sf_tcb *t = head;
    head = t->q_next;
    sf__tcp_reset_connection(t);
  }
}

static void close_listener(struct sf_listener *l) {
  struct sf_tcp *e = l->eng;
  for (struct sf_listener **p = &e->listeners; *p; p = &(*p)->next) {
    if (*p == l) {
      *p = l->next;
      break;
    }
  }
  reset_children(l->synq);
  reset_children(l->acceptq);
  sf__tcp_listener_set_observer(l, NULL);
  free(l);
}

void sf__tcp_listener_close(struct sf_listener *l, sf_time_t now) {
  struct sf_tcp *e = l->eng;
  sf__tcp_enter(e, now);
  close_listener(l);
  sf__tcp_leave(e);
}

/* ------------------------------------------------------------ the SYN */

static uint16_t netif_mss(struct sf_tcp *e, unsigned netif) {
  const struct sf_netif_config *c = sf__ip_netif_config(e->ip, netif);
  return sf__tcp_mss_for_mtu(c ? c->mtu : 576);
}

static void fill_syn_info(const struct sf_listener *l,
                          const struct sf_tuple *tu,
                          const struct sf_tcp_hdr *h, sf_syn_info_t *info) {
  const struct sf_tcp_opts *o = &h->opts;
  *info = (sf_syn_info_t){
      .syn_queue_len = l->synq_len,
      .accept_queue_len = l->acceptq_len,
  };
  sf__addr_to_sockaddr(tu->laddr, tu->lport, &info->local);
  sf__addr_to_sockaddr(tu->raddr, tu->rport, &info->peer);
  if (o->present & SF_TCP_OPT_MSS) {
    info->options |= SF_TCPI_OPT_MSS;
    info->mss = o->mss;
  }
  if (o->present & SF_TCP_OPT_WSCALE) {
    info->options |= SF_TCPI_OPT_WSCALE;
    info->wscale = o->wscale;
  }
  if (o->present & SF_TCP_OPT_SACK_PERM)
    info->options |= SF_TCPI_OPT_SACK;
  if (o->present & SF_TCP_OPT_TIMESTAMP)
    info->options |= SF_TCPI_OPT_TIMESTAMPS;
}

/* Without state, the SYN-ACK's sequence number is the cookie. */
static void send_cookie_syn_ack(struct sf_listener *l, unsigned netif,
                                const struct sf_tuple *tu,
                                const struct sf_tcp_hdr *h) {
  struct sf_tcp *e = l->eng;
  const struct sf_tcp_opts *po = &h->opts;
  uint16_t ours = netif_mss(e, netif);
  uint16_t offered = (po->present & SF_TCP_OPT_MSS) ? po->mss : 0;
  uint16_t mss_used;
  uint32_t cookie = sf__syncookie_make(&e->secret, tu->laddr, tu->lport,
                                       tu->raddr, tu->rport, h->seq.v,
                                       offered, e->now, &mss_used);
  struct sf_tcp_opts o = {.present = SF_TCP_OPT_MSS, .mss = ours};
  if (po->present & SF_TCP_OPT_TIMESTAMP) {
    struct sf_cookie_opts co = {
        .wscale_ok = (po->present & SF_TCP_OPT_WSCALE) != 0,
        .wscale = po->wscale > SF_TCP_MAX_WSCALE ? SF_TCP_MAX_WSCALE
                                                 : po->wscale,
        .sack_ok = (po->present & SF_TCP_OPT_SACK_PERM) != 0};
    /* the clock of the connection the cookie will become: its TSvals
     * must not go back from this one, or the peer's PAWS drops them */
    uint32_t ts_now = (uint32_t)(e->now / SF_NSEC_PER_MSEC) +
                      sf__ts_offset(&e->secret, tu->laddr, tu->lport,
                                    tu->raddr, tu->rport);
    o.present |= SF_TCP_OPT_TIMESTAMP;
    o.ts_val = sf__syncookie_ts_encode(ts_now, &co);
    o.ts_ecr = po->ts_val;
    if (co.wscale_ok) {
      o.present |= SF_TCP_OPT_WSCALE;
      o.wscale = sf__tcp_our_wscale(e);
    }
    if (co.sack_ok)
      o.present |= SF_TCP_OPT_SACK_PERM;
  }
  uint32_t wnd = e->cfg.rcvbuf > 0xffff ? 0xffff : (uint32_t)e->cfg.rcvbuf;
  SF_TCP_COUNT(e, tcp_syncookies_sent);
  l->cookies_used = true;
  sf__tcp_send_raw(e, tu, sf_seq(cookie), sf_seq_add(h->seq, 1),
                   SF_TCP_SYN | SF_TCP_ACK, (uint16_t)wnd, &o);
}

static struct sf_tcb *new_child(struct sf_listener *l, unsigned netif,
                                const struct sf_tuple *tu) {
  struct sf_tcp *e = l->eng;
  struct sf_tcb *t = sf__tcb_new(e, tu, netif);
  if (!t)
    return NULL;
  if (sf__tcb_hash(t) != 0) {
    sf__tcb_reap(t);
    return NULL;
  }
  t->flags |= SF_TF_PASSIVE;
  t->listener = l;
  if (l->cc)
    sf__tcp_use_cc(t, l->cc);
  t->observer = l->observer;
  if (t->observer && e->up.observer_retain)
    e->up.observer_retain(e->up.ctx, t->observer);
  t->rcv_mss = netif_mss(e, netif);
  t->state = SF_TCP_LISTEN; /* so the first transition reads LISTEN -> */
  SF_TCP_COUNT(e, tcp_passive_opens);
  return t;
}

/* What a passive child starts from: the peer's SYN, our ISS, and
 * whether our SYN-ACK went out already (a SYN cookie's did). */
struct child_syn {
  sf_seq_t irs, iss;
  const struct sf_tcp_opts *opts;
  uint16_t window; /* the SYN's, never scaled (RFC 7323 2.2); 0: unknown */
  bool syn_ack_sent;
};

/* A child in SYN-RECEIVED on the listener's SYN queue, or NULL. */
static struct sf_tcb *syn_received_child(struct sf_listener *l,
                                         unsigned netif,
                                         const struct sf_tuple *tu,
                                         const struct child_syn *syn) {
  struct sf_tcp *e = l->eng;
  struct sf_tcb *t = new_child(l, netif, tu);
  if (!t)
    return NULL;
  t->irs = syn->irs;
  t->rcv_nxt = sf_seq_add(syn->irs, 1);
  t->rcv_adv = t->rcv_nxt;
  sf__tcp_negotiate(t, syn->opts);
  t->iss = syn->iss;
  t->snd_una = t->recover = t->high_rxt = t->iss;
  t->snd_nxt = t->snd_max = sf_seq_add(t->iss, syn->syn_ack_sent ? 1 : 0);
  t->snd_buf_seq = sf_seq_add(t->iss, 1);
  t->snd_wnd = syn->window;
  t->max_snd_wnd = t->snd_wnd;
  t->snd_wl1 = syn->irs;
  t->snd_wl2 = t->iss;
  t->last_recv = e->now;
  queue_append(&l->synq, &l->synq_tail, t);
  l->synq_len++;
  sf__tcp_set_state(t, SF_TCP_SYN_RECEIVED);
  return t;
}

static void open_child(struct sf_listener *l, unsigned netif,
                       const struct sf_tuple *tu, const struct sf_tcp_hdr *h) {
  struct child_syn syn = {.irs = h->seq,
                          .iss = sf_seq(sf__tcp_make_isn(l->eng, tu)),
                          .opts = &h->opts,
                          .window = h->window};
  struct sf_tcb *t = syn_received_child(l, netif, tu, &syn);
  if (!t)
    return;
  sf__tcp_send_syn(t);
  sf__tcp_rtx_arm(t, true);
}

/*
 * Whether the TSecr of a cookie's ACK can be the TSval our SYN-ACK
 * carried: not from the future, not older than a cookie lives. Any other
 * echo (a middlebox rewriting timestamps, a forged ACK) would be an RTT
 * sample of days, and the RTO would sit at its maximum. A plausible one
 * overstates the RTT by up to 63 ms, the TSval bits the options took
 * (sf__syncookie_ts_encode), as Linux's does: the RTO errs long.
 */
static bool cookie_echo_plausible(const struct sf_tcb *t,
                                  const struct sf_tcp_hdr *h) {
  uint32_t age_ms = sf__tcp_ts_now(t) - h->opts.ts_ecr;
  return age_ms <= SF_COOKIE_LIFETIME / SF_NSEC_PER_MSEC;
}

/*
 * An ACK that may carry a cookie we sent: rebuild the connection. Returns
 * false when no valid cookie is there. *child is the rebuilt connection
 * (unless no room or memory was left), and *ack the segment it must
 * take next.
 */
static bool accept_cookie(struct sf_listener *l, unsigned netif,
                          const struct sf_tuple *tu, const struct sf_tcp_hdr *h,
                          struct sf_tcb **child, struct sf_tcp_hdr *ack) {
  struct sf_tcp *e = l->eng;
  if (!e->cfg.syncookies || !l->cookies_used)
    return false;
  uint32_t cookie = h->ack.v - 1, peer_isn = h->seq.v - 1;
  uint16_t mss = sf__syncookie_check(&e->secret, tu->laddr, tu->lport,
                                     tu->raddr, tu->rport, peer_isn, cookie,
                                     e->now);
  if (!mss) {
    SF_TCP_COUNT(e, tcp_syncookies_failed);
    return false;
  }
  if (l->acceptq_len >= l->backlog) {
    SF_TCP_COUNT(e, tcp_accept_queue_overflow);
    return true; /* valid, but no room: dropped, the peer will retry */
  }
  SF_TCP_COUNT(e, tcp_syncookies_ok);
  struct sf_tcp_opts opts = {.present = SF_TCP_OPT_MSS, .mss = mss};
  if (h->opts.present & SF_TCP_OPT_TIMESTAMP) {
    struct sf_cookie_opts co;
    sf__syncookie_ts_decode(h->opts.ts_ecr, &co);
    opts.present |= SF_TCP_OPT_TIMESTAMP;
    opts.ts_val = h->opts.ts_val;
    if (co.wscale_ok) {
      opts.present |= SF_TCP_OPT_WSCALE;
      opts.wscale = co.wscale;
    }
    if (co.sack_ok)
      opts.present |= SF_TCP_OPT_SACK_PERM;
  }
  /* the SYN's window is gone with the SYN: the ACK's sets it */
  struct child_syn syn = {.irs = sf_seq(peer_isn), .iss = sf_seq(cookie),
                          .opts = &opts, .syn_ack_sent = true};
  struct sf_tcb *t = syn_received_child(l, netif, tu, &syn);
  if (!t)
    return true;
  /* the rest (ESTABLISHED, the ACK's data) is ordinary SYN-RECEIVED
   * input; an echo that cannot time our SYN-ACK reads as none (TSecr 0),
   * which takes no RTT sample */
  *ack = *h;
  if ((t->flags & SF_TF_TS) && !cookie_echo_plausible(t, h))
    ack->opts.ts_ecr = 0;
  *child = t;
  return true;
}

static sf_syn_verdict_t ask_verdict(struct sf_listener *l,
                                    const struct sf_tuple *tu,
                                    const struct sf_tcp_hdr *h) {
  struct sf_tcp *e = l->eng;
  if (!e->up.syn || !l->observer)
    return SF_SYN_ACCEPT;
  sf_syn_info_t info;
  fill_syn_info(l, tu, h, &info);
  return e->up.syn(e->up.ctx, l, l->observer, &info);
}

/* RFC 9293 3.10.7.2: an ACK to a listener is bad, unless it returns a
 * SYN cookie. */
static struct sf_tcb *ack_input(struct sf_listener *l, unsigned netif,
                                const struct sf_tuple *tu,
                                const struct sf_tcp_hdr *h,
                                struct sf_tcp_hdr *ack) {
  struct sf_tcb *child = NULL;
  if ((h->flags & SF_TCP_SYN) || !accept_cookie(l, netif, tu, h, &child, ack)) {
    SF_TCP_COUNT(l->eng, tcp_in_listener_bad_ack);
    sf__tcp_reply_rst(l->eng, tu, h);
  }
  return child;
}

static void syn_input(struct sf_listener *l, unsigned netif,
                      const struct sf_tuple *tu, const struct sf_tcp_hdr *h) {
  struct sf_tcp *e = l->eng;
  switch (ask_verdict(l, tu, h)) {
  case SF_SYN_RESET:
    SF_TCP_COUNT(e, tcp_syn_verdict_reset);
    sf__tcp_reply_rst(e, tu, h);
    return;
  case SF_SYN_DROP:
    SF_TCP_COUNT(e, tcp_syn_verdict_drop);
    return;
  default:
    break;
  }
  if (l->acceptq_len >= l->backlog) {
    SF_TCP_COUNT(e, tcp_accept_queue_overflow);
    return;
  }
  if (l->synq_len >= l->backlog) {
    if (e->cfg.syncookies)
      send_cookie_syn_ack(l, netif, tu, h);
    else
      SF_TCP_COUNT(e, tcp_syn_queue_overflow);
    return;
  }
  open_child(l, netif, tu, h);
}

struct sf_tcb *sf__listener_input(struct sf_listener *l, unsigned netif,
                                  const struct sf_tuple *tu,
                                  const struct sf_tcp_hdr *h,
                                  struct sf_tcp_hdr *ack) {
  if (h->flags & SF_TCP_RST)
    return NULL; /* RFC 9293 3.10.7.2: ignore */
  if (h->flags & SF_TCP_ACK)
    return ack_input(l, netif, tu, h, ack);
  if (h->flags & SF_TCP_SYN)
    syn_input(l, netif, tu, h);
  return NULL;
}
