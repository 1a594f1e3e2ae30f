/*
 * Output owed at the end of the loop's turn. A read that opens the window
 * and the peer's FIN that takes us to CLOSE-WAIT both call for an ACK,
 * but an application usually answers them in the same turn (a reply, a
 * close), and that segment carries the ACK. So does in-order data that
 * calls for one (recv.c): the reads of the same turn reopen the window,
 * and one segment then carries the ACK and the window. So the tcb goes on the
 * engine's list instead, and sf__engine_end_turn, called once the
 * application's callbacks have run, sends only what is still owed: one
 * segment, and no timer or extra pass of the loop for it. Data that
 * waits for a delayed ACK is listed the same way: its timer starts at the
 * end of the turn only if no segment has carried the ACK by then (a reply
 * usually does), instead of being set and cancelled within the turn.
 */
#include "config.h"

#include "tcp/tcb.h"

#define OWED (SF_TF_WND_UPDATE | SF_TF_TURN_ACK) /* an ACK goes now */

void sf__tcp_owe_at_turn_end(struct sf_tcb *t, uint32_t what) {
  t->flags |= what;
  if (t->flags & SF_TF_TURN_LISTED)
    return;
  t->flags |= SF_TF_TURN_LISTED;
  struct sf_tcp *e = t->eng;
  t->turn_prev = NULL;
  t->turn_next = e->turn;
  if (e->turn)
    e->turn->turn_prev = t;
  e->turn = t;
}

void sf__tcp_turn_forget(struct sf_tcb *t) {
  if (!(t->flags & SF_TF_TURN_LISTED))
    return;
  t->flags &= ~(uint32_t)SF_TF_TURN_LISTED;
  if (t->turn_prev)
    t->turn_prev->turn_next = t->turn_next;
  else
    t->eng->turn = t->turn_next;
  if (t->turn_next)
    t->turn_next->turn_prev = t->turn_prev;
}

/* A segment sent since (any carries the ACK and the window) cleared the
 * debt; what is left goes alone, counted as the timer counted it. */
static void pay(struct sf_tcb *t) {
  if (!(t->flags & OWED))
    return;
  if (t->flags & SF_TF_WND_UPDATE)
    SF_TCP_COUNT(t->eng, tcp_out_window_updates);
  else
    SF_TCP_COUNT(t->eng, tcp_out_acks_delayed);
  t->flags |= SF_TF_ACK_NOW;
  sf__tcp_output(t);
  t->flags &= ~(uint32_t)OWED; /* a state that sends nothing owes nothing */
}

/* Data that no segment has acknowledged this turn: now the delayed ACK's
 * timer (RFC 9293 3.8.6.3), from the time the data came (this turn's). */
static void start_delack(struct sf_tcb *t) {
  if (!(t->flags & SF_TF_DELACK_DUE))
    return;
  t->flags &= ~(uint32_t)SF_TF_DELACK_DUE;
  if (t->timers[SF_TT_DELACK] == SF_TIME_NEVER)
    sf__tcp_timer_set(t, SF_TT_DELACK,
                      t->eng->now + t->eng->cfg.delack_timeout);
}

void sf__tcp_turn_run(struct sf_tcp *e) {
  while (e->turn) {
    struct sf_tcb *t = e->turn;
    sf__tcp_turn_forget(t);
    pay(t);
    start_delack(t);
  }
}
