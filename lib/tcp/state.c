/*
 * States and their changes. sf__tcp_set_state is the only writer of
 * struct sf_tcb.state, so the state hook sees every transition, in
 * order, and each is checked against RFC 9293's; the functions after it
 * are the ways a connection ends.
 */
#include "config.h"

#include <string.h>

#include "tcp/tcb.h"

static const char *const state_names[SF_TCP_STATE_COUNT] = {
    [SF_TCP_CLOSED] = "CLOSED",
    [SF_TCP_LISTEN] = "LISTEN",
    [SF_TCP_SYN_SENT] = "SYN-SENT",
    [SF_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
    [SF_TCP_ESTABLISHED] = "ESTABLISHED",
    [SF_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
    [SF_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
    [SF_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
    [SF_TCP_CLOSING] = "CLOSING",
    [SF_TCP_LAST_ACK] = "LAST-ACK",
    [SF_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *sf_tcp_state_name(int state) {
  if (state < 0 || state >= SF_TCP_STATE_COUNT)
    return "UNKNOWN";
  return state_names[state];
}

/*
 * The transitions legal[old][new] allows: RFC 9293 3.3.2 figure 5, and
 * the edges its text adds. A change outside the table is a bug; it is
 * counted (tcp_illegal_transitions) and fails the tests.
 *
 * Beyond the figure, any state but CLOSED may end in CLOSED: a RST
 * (3.10.7.3, 3.10.7.4 second check), the ABORT call (3.10.5, also for
 * each child of a closing listener), the user timeout (3.10.8), R2
 * retransmissions (3.8.3), keepalives unanswered (3.8.4), an ICMP hard
 * error (3.9.2.2), and an orphan's FIN-WAIT-2 timeout (not in the RFC:
 * Linux's tcp_fin_timeout). The figure's SYN-RECEIVED -> LISTEN on a RST
 * is missing on purpose: a listener's child is its own tcb, so it ends
 * in CLOSED and the listener stays.
 */
static const bool legal[SF_TCP_STATE_COUNT][SF_TCP_STATE_COUNT] = {
    [SF_TCP_CLOSED] = {[SF_TCP_LISTEN] = true, [SF_TCP_SYN_SENT] = true},
    [SF_TCP_LISTEN] = {[SF_TCP_SYN_RECEIVED] = true,
                       [SF_TCP_SYN_SENT] = true,
                       [SF_TCP_CLOSED] = true},
    [SF_TCP_SYN_SENT] = {[SF_TCP_SYN_RECEIVED] = true,
                         [SF_TCP_ESTABLISHED] = true,
                         [SF_TCP_CLOSED] = true},
    [SF_TCP_SYN_RECEIVED] = {[SF_TCP_ESTABLISHED] = true,
                             [SF_TCP_FIN_WAIT_1] = true,
                             /* 3.10.7.4 eighth step: a FIN */
                             [SF_TCP_CLOSE_WAIT] = true,
                             [SF_TCP_CLOSED] = true},
    [SF_TCP_ESTABLISHED] = {[SF_TCP_FIN_WAIT_1] = true,
                            [SF_TCP_CLOSE_WAIT] = true,
                            [SF_TCP_CLOSED] = true},
    [SF_TCP_FIN_WAIT_1] = {[SF_TCP_FIN_WAIT_2] = true,
                           [SF_TCP_CLOSING] = true,
                           /* 3.10.7.4 eighth step: a FIN, our FIN
                            * acknowledged (perhaps by the same segment) */
                           [SF_TCP_TIME_WAIT] = true,
                           [SF_TCP_CLOSED] = true},
    [SF_TCP_FIN_WAIT_2] = {[SF_TCP_TIME_WAIT] = true, [SF_TCP_CLOSED] = true},
    [SF_TCP_CLOSE_WAIT] = {[SF_TCP_LAST_ACK] = true, [SF_TCP_CLOSED] = true},
    [SF_TCP_CLOSING] = {[SF_TCP_TIME_WAIT] = true, [SF_TCP_CLOSED] = true},
    [SF_TCP_LAST_ACK] = {[SF_TCP_CLOSED] = true},
    [SF_TCP_TIME_WAIT] = {[SF_TCP_CLOSED] = true},
};

/* Reports ev about t to the layer above, if it listens. */
static void report(struct sf_tcb *t, const struct sf_tcp_event *ev) {
  struct sf_tcp *e = t->eng;
  if (!e->up.conn_event)
    return;
  struct sf_conn_ref ref = {
      .tcb = t,
      .user = (t->flags & SF_TF_ATTACHED) ? t->user : NULL,
      .observer = t->observer,
      .tuple = t->node.key,
  };
  e->up.conn_event(e->up.ctx, &ref, ev);
}

void sf__tcp_emit_event(struct sf_tcb *t, enum sf_tcp_event_type type,
                        int error, sf_time_t duration) {
  struct sf_tcp_event ev = {.type = type, .error = error,
                            .duration = duration};
  report(t, &ev);
}

/* Keeps e->tw.attached: the tcbs in TIME-WAIT the application holds. */
static void count_attached_time_wait(struct sf_tcb *t, int old, int state) {
  if (!(t->flags & SF_TF_ATTACHED))
    return;
  if (state == SF_TCP_TIME_WAIT)
    t->eng->tw.attached++;
  else if (old == SF_TCP_TIME_WAIT)
    t->eng->tw.attached--;
}

void sf__tcp_set_state(struct sf_tcb *t, int state) {
  int old = t->state;
  if (old == state)
    return;
  if (!legal[old][state])
    SF_TCP_COUNT(t->eng, tcp_illegal_transitions);
  t->state = state;
  count_attached_time_wait(t, old, state);
  struct sf_tcp_event ev = {.type = SF_TEV_STATE, .old_state = old,
                            .new_state = state};
  report(t, &ev);
}

/* Whatever ends a connection: no timers, out of the tables, and freed
 * once the application has let go of it. */
static void tear_down(struct sf_tcb *t) {
  sf__tcp_timers_stop_all(t);
  /* what can no longer be delivered goes now, not when the application
   * lets go: bytes beyond a gap, and bytes never to be sent */
  sf__asm_free(&t->ooo, &t->eng->mem);
  sf__ring_free(&t->sndbuf, &t->eng->mem);
  sf__tcb_unhash(t);
  if (sf__tcb_listener(t))
    sf__listener_child_unlink(t);
  sf__tcp_emit_event(t, SF_TEV_CLOSED, 0, 0);
  if (!(t->flags & SF_TF_ATTACHED))
    sf__tcb_reap(t);
}

void sf__tcp_fail(struct sf_tcb *t, int error) {
  if (t->state == SF_TCP_CLOSED)
    return;
  t->error = error;
  sf__tcp_set_state(t, SF_TCP_CLOSED);
  sf__tcp_emit_event(t, SF_TEV_ERROR, error, 0);
  tear_down(t);
}

void sf__tcp_finish(struct sf_tcb *t) {
  if (t->state == SF_TCP_CLOSED)
    return;
  sf__tcp_set_state(t, SF_TCP_CLOSED);
  tear_down(t);
}

void sf__tcp_reset_connection(struct sf_tcb *t) {
  if (t->state == SF_TCP_CLOSED)
    return;
  if (sf__tcp_synchronized(t->state) && t->state != SF_TCP_TIME_WAIT) {
    SF_TCP_COUNT(t->eng, tcp_conn_aborted);
    sf__tcp_send_rst(t);
  }
  sf__tcp_finish(t);
}

bool sf__tcp_tw_template(struct sf_tcb *t, struct sf_tw_record *r) {
  memset(r, 0, sizeof(*r));
  r->snd_nxt = t->snd_nxt;
  r->rcv_nxt = t->rcv_nxt;
  r->ts_recent = t->ts_recent;
  r->ts_offset = t->ts_offset;
  r->window = sf__tcp_window_field(t, false);
  r->flags = (t->flags & SF_TF_TS) ? SF_TW_TIMESTAMPS : 0;
  r->observer = t->observer;
  return sf__tw_set_key(r, &t->node.key);
}

/* The attached tcb in TIME-WAIT that expires first, or NULL. A scan, but
 * only when the TIME-WAIT limit is full of tcbs the application holds. */
static struct sf_tcb *oldest_attached_time_wait(struct sf_tcp *e) {
  struct sf_tcb *oldest = NULL;
  for (struct sf_tcb *t = e->all; t; t = t->all_next)
    if (t->state == SF_TCP_TIME_WAIT && (t->flags & SF_TF_ATTACHED) &&
        (!oldest || t->timers[SF_TT_2MSL] < oldest->timers[SF_TT_2MSL]))
      oldest = t;
  return oldest;
}

/*
 * Records and attached tcbs in TIME-WAIT share timewait_max: the oldest
 * records are recycled first; when none is left, the oldest attached
 * tcbs end early, as a recycled record would.
 */
static void time_wait_make_room(struct sf_tcp *e, unsigned room) {
  struct sf_tcb *t;
  while (!sf__tw_make_room(&e->tw, room, e->now) &&
         (t = oldest_attached_time_wait(e)) != NULL) {
    SF_TCP_COUNT(e, tcp_timewait_recycled);
    sf__tcp_finish(t);
  }
}

/* A detached connection keeps only a compact record in TIME-WAIT, until
 * expires. */
static bool become_record(struct sf_tcb *t, sf_time_t expires) {
  struct sf_tcp *e = t->eng;
  struct sf_tw_record tmpl;
  bool compact = sf__tcp_tw_template(t, &tmpl);
  sf__tcb_unhash(t);
  if (!compact)
    return false; /* no record holds a non-IPv4 tuple */
  time_wait_make_room(e, 1);
  if (!sf__tw_add_until(&e->tw, &tmpl, expires, e->now))
    return false;
  t->observer = NULL; /* the record holds the reference now */
  return true;
}

/* A detached tcb in TIME-WAIT: a record takes over until expires and the
 * tcb is freed. */
static void hand_over_to_record(struct sf_tcb *t, sf_time_t expires) {
  /* RFC 9293 3.10.7.4 (eighth step): the peer's FIN that brought us here
   * is acknowledged now; once the tcb is a record nothing else would. */
  if (t->flags & SF_TF_ACK_NOW)
    sf__tcp_send_ack(t);
  sf__tcp_timers_stop_all(t);
  if (become_record(t, expires)) {
    sf__tcp_emit_event(t, SF_TEV_CLOSED, 0, 0);
    sf__tcb_reap(t);
  } else {
    /* no record (limit 0 or no memory): the connection simply ends */
    sf__tcp_finish(t);
  }
}

void sf__tcp_enter_time_wait(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  sf__tcp_set_state(t, SF_TCP_TIME_WAIT);
  SF_TCP_COUNT(e, tcp_timewait_entered);
  sf__tcp_timers_stop_all(t);
  sf_time_t two_msl = 2 * e->cfg.msl;
  sf__tcp_emit_event(t, SF_TEV_TIME_WAIT, 0, two_msl);
  if (t->flags & SF_TF_ATTACHED) {
    sf__tcp_timer_set(t, SF_TT_2MSL, e->now + two_msl);
    time_wait_make_room(e, 0); /* t is counted already */
    return;
  }
  hand_over_to_record(t, e->now + two_msl);
}

void sf__tcp_time_wait_detached(struct sf_tcb *t) {
  t->eng->tw.attached--; /* sf__tcp_detach cleared SF_TF_ATTACHED */
  hand_over_to_record(t, t->timers[SF_TT_2MSL]);
}
