/*
 * The application's side of a connection: connect (with RFC 6056
 * ephemeral ports), send and receive through the buffers, splice (one
 * connection's received bytes into another's send buffer), shutdown,
 * abort, detach (close(2)'s semantics), options, and what sf_tcp_info
 * reports.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tcp/tcb.h"

/* ---------------------------------------------------------- connect */

static uint32_t port_offset(struct sf_tcp *e, struct sf_addr laddr,
                            struct sf_addr raddr, uint16_t rport) {
  if (e->cfg.port_offset)
    return e->cfg.port_offset(e->cfg.rand_ctx, laddr, raddr, rport);
  return sf__port_offset(&e->secret, laddr, raddr, rport);
}

static bool tuple_free(struct sf_tcp *e, const struct sf_tuple *tu) {
  return !sf__tuple_map_find(&e->conns, tu) && !sf__tw_find(&e->tw, tu);
}

/* RFC 6056 3.3.3, algorithm 3: port = min + (next_ephemeral + F()) mod
 * num, trying successive ports until a free 4-tuple. */
static int pick_ephemeral(struct sf_tcp *e, struct sf_tuple *tu) {
  uint32_t num = (uint32_t)e->cfg.port_hi - e->cfg.port_lo + 1;
  uint32_t offset = port_offset(e, tu->laddr, tu->raddr, tu->rport);
  for (uint32_t count = 0; count < num; count++) {
    uint32_t candidate = e->port_counter + offset;
    e->port_counter++;
    tu->lport = (uint16_t)(e->cfg.port_lo + candidate % num);
    if (tuple_free(e, tu) && !sf__listener_find(e, tu->laddr, tu->lport))
      return 0;
  }
  SF_TCP_COUNT(e, tcp_ephemeral_exhausted);
  return SF_EADDRNOTAVAIL;
}

static void retain_observer(struct sf_tcb *t, void *observer) {
  struct sf_tcp *e = t->eng;
  if (observer && e->up.observer_retain)
    e->up.observer_retain(e->up.ctx, observer);
  if (t->observer && e->up.observer_release)
    e->up.observer_release(e->up.ctx, t->observer);
  t->observer = observer;
}

void sf__tcp_set_observer(struct sf_tcb *t, void *observer) {
  retain_observer(t, observer);
}

static int open_connection(struct sf_tcp *e, struct sf_addr laddr,
                           uint16_t lport, struct sf_addr raddr, uint16_t rport,
                           void *user, void *observer, struct sf_tcb **out) {
  if (sf_addr_is_any(raddr) || !rport)
    return SF_EINVAL;
  if (!sf_addr_is_any(laddr) && sf__ip_netif_by_addr(e->ip, laddr) < 0)
    return SF_EADDRNOTAVAIL;
  unsigned netif, mtu;
  struct sf_addr src;
  int rc = sf__ip_route(e->ip, raddr, laddr, &netif, &src, &mtu);
  if (rc)
    return rc;
  struct sf_tuple tu = {
      .laddr = src, .raddr = raddr, .lport = lport, .rport = rport};
  if (lport ? !tuple_free(e, &tu) : (rc = pick_ephemeral(e, &tu)) != 0)
    return lport ? SF_EADDRINUSE : rc;
  struct sf_tcb *t = sf__tcb_new(e, &tu, netif);
  if (!t)
    return SF_ENOMEM;
  if ((rc = sf__tcb_hash(t)) != 0) {
    sf__tcb_reap(t);
    return rc;
  }
  t->flags |= SF_TF_ATTACHED;
  t->user = user;
  retain_observer(t, observer);
  t->rcv_mss = sf__tcp_mss_for_mtu(mtu);
  t->iss = sf_seq(sf__tcp_make_isn(e, &tu));
  t->snd_una = t->snd_nxt = t->snd_max = t->recover = t->high_rxt = t->iss;
  t->snd_buf_seq = sf_seq_add(t->iss, 1);
  SF_TCP_COUNT(e, tcp_active_opens);
  sf__tcp_set_state(t, SF_TCP_SYN_SENT);
  sf__tcp_send_syn(t);
  sf__tcp_rtx_arm(t, true);
  *out = t;
  return 0;
}

int sf__tcp_connect(struct sf_tcp *tcp, struct sf_addr laddr, uint16_t lport,
                    struct sf_addr raddr, uint16_t rport, void *user,
                    void *observer, sf_time_t now, struct sf_tcb **out) {
  *out = NULL;
  sf__tcp_enter(tcp, now);
  int rc = open_connection(tcp, laddr, lport, raddr, rport, user, observer,
                           out);
  sf__tcp_leave(tcp);
  return rc;
}

/* ------------------------------------------------------------- data */

static bool can_send(const struct sf_tcb *t) {
  switch (t->state) {
  case SF_TCP_SYN_SENT:
  case SF_TCP_SYN_RECEIVED:
  case SF_TCP_ESTABLISHED:
  case SF_TCP_CLOSE_WAIT:
    return !(t->flags & SF_TF_SHUT_WR);
  default:
    return false;
  }
}

/* 0 when t's send buffer may take bytes, else why not (as sf__tcp_send
 * reports it). */
static int send_refusal(const struct sf_tcb *t) {
  if (t->error)
    return t->error;
  return can_send(t) ? 0 : SF_EPIPE;
}

/* n bytes were just offered to t's send buffer and `taken` went in: sends
 * what the windows allow. Room but no memory to use it (an allocation or
 * the stack's budget failed) is an error, not 0, since with nothing in
 * flight no ACK would come to make the caller try again. */
static ssize_t queued(struct sf_tcb *t, size_t n, size_t taken) {
  if (taken == 0 && n && sf__ring_space(&t->sndbuf))
    return SF_ENOMEM;
  sf__tcp_output(t);
  return (ssize_t)taken;
}

static ssize_t queue_data(struct sf_tcb *t, const void *data, size_t len) {
  int refused = send_refusal(t);
  if (refused)
    return refused;
  return queued(t, len, sf__ring_write(&t->sndbuf, &t->eng->mem, data, len));
}

ssize_t sf__tcp_send(struct sf_tcb *t, const void *data, size_t len,
                     sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  ssize_t rc = queue_data(t, data, len);
  sf__tcp_leave(e);
  return rc;
}

size_t sf__tcp_send_space(const struct sf_tcb *t) {
  return can_send(t) ? sf__ring_space(&t->sndbuf) : 0;
}

/* After the application reads, tell the peer if the window opened by
 * enough to matter (the receiver's side of SWS avoidance). Not from inside
 * the read: an application that reads a request usually answers it in the
 * same turn of the loop, and that segment carries the new window. So the
 * update waits for the end of the turn (turn.c), where it is dropped if a
 * segment has gone out meanwhile. */
static void maybe_window_update(struct sf_tcb *t) {
  if (!sf__tcp_synchronized(t->state) || (t->flags & SF_TF_PEER_FIN))
    return;
  int32_t adv = sf_seq_diff(t->rcv_adv, t->rcv_nxt);
  uint32_t wnd = sf__tcp_rcv_window(t);
  /* only what the window field can carry counts: without window scaling
   * a buffer above 64 KiB would otherwise draw an ACK on every read
   * that announces the same 65535 */
  uint32_t field_max = (uint32_t)0xffff << t->rcv_wscale;
  if (wnd > field_max)
    wnd = field_max;
  uint32_t half = (uint32_t)(t->rcvbuf.limit / 2);
  uint32_t need = 2u * t->rcv_mss < half ? 2u * t->rcv_mss : half;
  if (wnd > (uint32_t)(adv > 0 ? adv : 0) + need - 1) {
    sf__tcp_owe_at_turn_end(t, SF_TF_WND_UPDATE);
  }
}

/* What a read of an empty receive buffer returns: the end of stream
 * (once as SF_EOF before a later error), the error, or SF_EAGAIN. */
static ssize_t read_nothing(struct sf_tcb *t) {
  if ((t->flags & SF_TF_PEER_FIN) && !(t->flags & SF_TF_EOF_READ)) {
    t->flags |= SF_TF_EOF_READ;
    return SF_EOF;
  }
  if (t->error)
    return t->error;
  if (t->flags & SF_TF_PEER_FIN)
    return SF_EOF;
  return SF_EAGAIN;
}

static ssize_t read_data(struct sf_tcb *t, void *buf, size_t len) {
  if (sf__ring_len(&t->rcvbuf) == 0)
    return read_nothing(t);
  size_t n = sf__ring_read(&t->rcvbuf, buf, len);
  sf__ring_drained(&t->rcvbuf, &t->eng->mem);
  maybe_window_update(t);
  return (ssize_t)n;
}

ssize_t sf__tcp_recv(struct sf_tcb *t, void *buf, size_t len,
                     sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  ssize_t rc = read_data(t, buf, len);
  sf__tcp_leave(e);
  return rc;
}

size_t sf__tcp_readable(const struct sf_tcb *t) {
  return sf__ring_len(&t->rcvbuf);
}

bool sf__tcp_read_done(const struct sf_tcb *t) {
  return sf__ring_len(&t->rcvbuf) == 0 &&
         ((t->flags & SF_TF_PEER_FIN) || t->error);
}

/* ------------------------------------------------------------- splice */

/* Appends up to n of src's received bytes to dst's send buffer and drops
 * them from src's: one copy per ring piece, no buffer between. Returns
 * the bytes moved (fewer than n when dst's buffer could not grow). */
static size_t move_ring_to_ring(struct sf_tcb *src, struct sf_tcb *dst,
                                size_t n) {
  struct sf_ring_view v[2];
  sf__ring_view(&src->rcvbuf, 0, n, v);
  size_t moved = 0;
  for (int i = 0; i < 2 && v[i].n; i++) {
    size_t k = sf__ring_write(&dst->sndbuf, &dst->eng->mem, v[i].p, v[i].n);
    moved += k;
    if (k < v[i].n)
      break;
  }
  sf__ring_consume(&src->rcvbuf, moved);
  sf__ring_drained(&src->rcvbuf, &src->eng->mem);
  return moved;
}

static ssize_t splice_data(struct sf_tcb *src, struct sf_tcb *dst,
                           size_t len, bool *dst_failed) {
  size_t have = sf__ring_len(&src->rcvbuf);
  if (have == 0)
    return read_nothing(src);
  int refused = send_refusal(dst);
  if (refused) {
    *dst_failed = true;
    return refused;
  }
  size_t n = len < have ? len : have;
  size_t room = sf__ring_space(&dst->sndbuf);
  n = n < room ? n : room;
  if (n == 0)
    return 0; /* dst is full: its WRITABLE comes when ACKs free room */
  ssize_t rc = queued(dst, n, move_ring_to_ring(src, dst, n));
  if (rc < 0)
    *dst_failed = true;
  else
    maybe_window_update(src);
  return rc;
}

ssize_t sf__tcp_splice(struct sf_tcb *src, struct sf_tcb *dst, size_t len,
                       sf_time_t now, bool *dst_failed) {
  struct sf_tcp *e = src->eng, *f = dst->eng;
  *dst_failed = false;
  sf__tcp_enter(e, now);
  if (f != e)
    sf__tcp_enter(f, now);
  ssize_t rc = splice_data(src, dst, len, dst_failed);
  if (f != e)
    sf__tcp_leave(f);
  sf__tcp_leave(e);
  return rc;
}

/* ------------------------------------------------------------- closing */

static int shut_wr(struct sf_tcb *t) {
  if ((t->flags & SF_TF_SHUT_WR) || !can_send(t))
    return SF_ENOTCONN;
  t->flags |= SF_TF_SHUT_WR;
  /* RFC 9293 3.10.4: the state changes now; the FIN follows the data */
  if (t->state == SF_TCP_ESTABLISHED || t->state == SF_TCP_SYN_RECEIVED)
    sf__tcp_set_state(t, SF_TCP_FIN_WAIT_1);
  else if (t->state == SF_TCP_CLOSE_WAIT)
    sf__tcp_set_state(t, SF_TCP_LAST_ACK);
  sf__tcp_output(t);
  return 0;
}

int sf__tcp_shutdown(struct sf_tcb *t, sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  int rc = shut_wr(t);
  sf__tcp_leave(e);
  return rc;
}

void sf__tcp_abort(struct sf_tcb *t, sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  sf__tcp_reset_connection(t);
  sf__tcp_leave(e);
}

/* Hands t over to TCP, which ends the connection as close(2) would. */
static void orphan(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  t->flags &= ~(uint32_t)SF_TF_ATTACHED;
  t->flags |= SF_TF_ORPHAN;
  t->user = NULL;
  /* RFC 1122 4.2.2.13, RFC 2525 2.17: received data the application
   * will never read means RST, in any state that still has a peer
   * (after a shutdown too: FIN-WAIT-1/2, CLOSING) */
  if (sf__ring_len(&t->rcvbuf) > 0 && sf__tcp_synchronized(t->state) &&
      t->state != SF_TCP_TIME_WAIT) {
    sf__tcp_reset_connection(t);
    return;
  }
  switch (t->state) {
  case SF_TCP_CLOSED:
    sf__tcb_reap(t);
    break;
  case SF_TCP_SYN_SENT:
    sf__tcp_finish(t);
    break;
  case SF_TCP_FIN_WAIT_2:
    sf__tcp_timer_set(t, SF_TT_2MSL, e->now + e->cfg.fin_wait2_timeout);
    break;
  case SF_TCP_TIME_WAIT:
    sf__tcp_time_wait_detached(t);
    break;
  case SF_TCP_FIN_WAIT_1:
  case SF_TCP_CLOSING:
  case SF_TCP_LAST_ACK:
    break;
  default: /* SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT */
    if (!(t->flags & SF_TF_SHUT_WR))
      shut_wr(t);
    break;
  }
}

void sf__tcp_detach(struct sf_tcb *t, sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  orphan(t);
  if (!(t->flags & SF_TF_REAPED))
    sf__tcp_orphan_add(t);
  sf__tcp_leave(e);
}

/* ------------------------------------------------------------- options */

static void set_nodelay(struct sf_tcb *t, bool on) {
  if (on)
    t->flags |= SF_TF_NODELAY;
  else
    t->flags &= ~(uint32_t)SF_TF_NODELAY;
  if (on)
    sf__tcp_output(t);
}

void sf__tcp_set_nodelay(struct sf_tcb *t, bool on, sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  set_nodelay(t, on);
  sf__tcp_leave(e);
}

static void set_keepalive(struct sf_tcb *t, bool on, sf_time_t idle) {
  if (idle)
    t->keep_idle = idle;
  if (on)
    t->flags |= SF_TF_KEEPALIVE;
  else
    t->flags &= ~(uint32_t)SF_TF_KEEPALIVE;
  if (t->last_recv == 0)
    t->last_recv = t->eng->now;
  sf__tcp_keepalive_reset(t);
}

void sf__tcp_set_keepalive(struct sf_tcb *t, bool on, sf_time_t idle,
                           sf_time_t now) {
  struct sf_tcp *e = t->eng;
  sf__tcp_enter(e, now);
  set_keepalive(t, on, idle);
  sf__tcp_leave(e);
}

/* ------------------------------------------------------------- queries */

const char *sf__tcp_cc_name(const char *name) {
  const struct sf_cc_ops *cc = sf__cc_find(name);
  return cc ? cc->name : NULL;
}

int sf__tcp_set_congestion(struct sf_tcb *t, const char *name) {
  const struct sf_cc_ops *cc = sf__cc_find(name);
  if (!cc)
    return SF_EINVAL;
  sf__tcp_use_cc(t, cc);
  return 0;
}

int sf__tcp_listener_set_congestion(struct sf_listener *l, const char *name) {
  const struct sf_cc_ops *cc = sf__cc_find(name);
  if (!cc)
    return SF_EINVAL;
  l->cc = cc;
  return 0;
}

int sf__tcp_state(const struct sf_tcb *t) { return t->state; }
int sf__tcp_error(const struct sf_tcb *t) { return t->error; }
void *sf__tcp_user(const struct sf_tcb *t) { return t->user; }

void sf__tcp_get_tuple(const struct sf_tcb *t, struct sf_tuple *out) {
  *out = t->node.key;
}

static unsigned negotiated(const struct sf_tcb *t) {
  unsigned o = SF_TCPI_OPT_MSS;
  if (t->flags & SF_TF_WSCALE)
    o |= SF_TCPI_OPT_WSCALE;
  if (t->flags & SF_TF_SACK)
    o |= SF_TCPI_OPT_SACK;
  if (t->flags & SF_TF_TS)
    o |= SF_TCPI_OPT_TIMESTAMPS;
  return o;
}

void sf__tcp_get_info(const struct sf_tcb *t, sf_tcp_info_t *out) {
  memset(out, 0, sizeof(*out));
  out->state = t->state;
  out->options = sf__tcp_synchronized(t->state) ? negotiated(t) : 0;
  out->snd_wscale = t->snd_wscale;
  out->rcv_wscale = t->rcv_wscale;
  out->snd_mss = t->smss;
  out->rcv_mss = t->peer_mss;
  out->rtt_us = t->rtt.srtt / SF_NSEC_PER_USEC;
  out->rttvar_us = t->rtt.rttvar / SF_NSEC_PER_USEC;
  out->rto_us = sf__tcp_rto(t) / SF_NSEC_PER_USEC;
  out->cwnd = t->ccs.cwnd;
  out->ssthresh = t->ccs.ssthresh;
  out->snd_wnd = t->snd_wnd;
  int32_t adv = sf_seq_diff(t->rcv_adv, t->rcv_nxt);
  out->rcv_wnd = adv > 0 ? (uint32_t)adv : 0;
  out->bytes_in_flight = sf__tcp_flight(t);
  out->unsent = sf__tcp_unsent(t);
  out->unread = (unsigned)sf__ring_len(&t->rcvbuf);
  out->bytes_sent = t->bytes_sent;
  out->bytes_retrans = t->bytes_retrans;
  out->bytes_received = t->bytes_received;
  out->retransmits = t->retransmits;
  out->rto_backoff = t->rtt.backoff;
  snprintf(out->congestion, sizeof(out->congestion), "%s", t->cc->name);
}
