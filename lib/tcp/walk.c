/*
 * TCP's control blocks seen from outside: the orphans still closing
 * (what a graceful drain waits for) and a walk over every listener,
 * control block and TIME-WAIT record (sf_tcp_walk, `ss -tan`).
 */
#include "config.h"

#include <string.h>

#include "tcp/tcb.h"

/* Closed by the application, with FIN (and data) still to be delivered
 * and acknowledged. FIN-WAIT-2 is not here: our side is done, and the
 * connection waits only for the peer, bounded by fin_wait2_timeout. An
 * orphan whose interface is gone cannot finish either. */
static bool closing_orphan(const struct sf_tcb *t) {
  if (!(t->flags & SF_TF_ORPHAN) ||
      !sf__ip_netif_config(t->eng->ip, t->netif))
    return false;
  return t->state == SF_TCP_FIN_WAIT_1 || t->state == SF_TCP_CLOSING ||
         t->state == SF_TCP_LAST_ACK;
}

size_t sf__tcp_orphans_closing(const struct sf_tcp *e) {
  size_t n = 0;
  for (const struct sf_tcb *t = e->all; t; t = t->all_next)
    n += closing_orphan(t);
  return n;
}

static unsigned long long ms_until(sf_time_t when, sf_time_t now) {
  return when > now ? (when - now) / SF_NSEC_PER_MSEC : 0;
}

/* The timer `ss` would show: retransmission or persist, then the end of
 * TIME-WAIT or FIN-WAIT-2, then keepalive, then the delayed ACK. */
static void pending_timer(const struct sf_tcb *t, sf_time_t now,
                          sf_tcp_walk_info_t *out) {
  static const struct {
    enum sf_tcp_timer which;
    sf_tcp_timer_t shown;
  } order[] = {
      {SF_TT_RTX, SF_TCP_TIMER_RETRANSMIT},
      {SF_TT_PERSIST, SF_TCP_TIMER_PERSIST},
      {SF_TT_2MSL, SF_TCP_TIMER_TIMEWAIT},
      {SF_TT_KEEPALIVE, SF_TCP_TIMER_KEEPALIVE},
      {SF_TT_DELACK, SF_TCP_TIMER_DELACK},
  };
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    if (t->timers[order[i].which] != SF_TIME_NEVER) {
      out->timer = order[i].shown;
      out->timer_ms = ms_until(t->timers[order[i].which], now);
      return;
    }
  }
}

static void put_tuple(const struct sf_tuple *tu, sf_tcp_walk_info_t *out) {
  sf__addr_to_sockaddr(tu->laddr, tu->lport, &out->local);
  sf__addr_to_sockaddr(tu->raddr, tu->rport, &out->peer);
}

static void walk_listener(const struct sf_listener *l, sf_tcp_walk_fn fn,
                          void *arg) {
  sf_tcp_walk_info_t w;
  memset(&w, 0, sizeof(w));
  w.state = SF_TCP_LISTEN;
  sf__addr_to_sockaddr(l->addr, l->port, &w.local);
  /* no peer: the any address of the local one's family, port 0 */
  sf__addr_to_sockaddr((struct sf_addr){.family = l->addr.family}, 0,
                       &w.peer);
  w.recv_q = l->acceptq_len;
  w.send_q = l->backlog;
  w.handle = 1;
  fn(arg, &w);
}

static void walk_tcb(const struct sf_tcb *t, sf_time_t now, sf_tcp_walk_fn fn,
                     void *arg) {
  sf_tcp_walk_info_t w;
  memset(&w, 0, sizeof(w));
  w.state = t->state;
  put_tuple(&t->node.key, &w);
  w.recv_q = (unsigned)sf__ring_len(&t->rcvbuf);
  w.send_q = (unsigned)t->sndbuf.len;
  w.rtt_us = t->rtt.srtt / SF_NSEC_PER_USEC;
  w.backoff = t->rtt.backoff;
  w.handle = (t->flags & SF_TF_ATTACHED) != 0;
  pending_timer(t, now, &w);
  fn(arg, &w);
}

static void walk_record(const struct sf_tw_record *r, sf_time_t now,
                        sf_tcp_walk_fn fn, void *arg) {
  sf_tcp_walk_info_t w;
  memset(&w, 0, sizeof(w));
  w.state = SF_TCP_TIME_WAIT;
  struct sf_tuple tu = sf__tw_tuple(r);
  put_tuple(&tu, &w);
  w.timer = SF_TCP_TIMER_TIMEWAIT;
  w.timer_ms = ms_until(r->expires, now);
  fn(arg, &w);
}

void sf__tcp_walk(const struct sf_tcp *e, sf_time_t now, sf_tcp_walk_fn fn,
                  void *arg) {
  for (const struct sf_listener *l = e->listeners; l; l = l->next)
    walk_listener(l, fn, arg);
  for (const struct sf_tcb *t = e->all; t; t = t->all_next)
    walk_tcb(t, now, fn, arg);
  for (const struct sf_tw_record *r = sf__tw_oldest(&e->tw); r;
       r = sf__tw_newer(&e->tw, r))
    walk_record(r, now, fn, arg);
}
