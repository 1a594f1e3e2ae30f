/*
 * What a connection gives back once it has been idle for a while: the
 * storage of its empty send and receive rings, of its out-of-order and
 * SACK slots, RACK's records and Eifel's saved window (recovery/). An
 * idle connection then costs its tcb and nothing else; its next byte
 * allocates again, from the smallest size (ring.c). The smallest sizes
 * do not wait for idleness: a ring's first buffer goes back when the
 * ring drains (sf__ring_drained), RACK's first records when the flight
 * empties (sf__rack_shift); what waits here is what has grown.
 *
 * Idle means nothing outstanding, nothing unread, nothing held out of
 * order, and nothing received for an RTO (the span after which RFC 5681
 * 4.1 calls a connection idle). A busy connection is never stripped of
 * what it would allocate again at once, and the data paths pay nothing:
 * no timer is armed and no check made per segment. Instead a walk over
 * the engine's tcbs goes on a few at a time as a call into TCP ends
 * (sf__tcp_leave), every IDLE_STEP at the most, and reaches each tcb
 * within IDLE_CYCLE_STEPS steps. It adds no deadline of its own, so it
 * never wakes the loop (nor changes what a simulation on a virtual clock
 * does): an engine nobody calls frees nothing until it is called again.
 */
#include "config.h"

#include "tcp/recovery/recovery.h"
#include "tcp/tcb.h"

#define IDLE_STEP (10 * SF_NSEC_PER_MSEC)
#define IDLE_CYCLE_STEPS 64u
#define IDLE_MIN_PER_STEP 16u

static bool quiet(const struct sf_tcb *t) {
  return sf_seq_eq(t->snd_una, t->snd_max) &&
         sf__ring_len(&t->sndbuf) == 0 && sf__ring_len(&t->rcvbuf) == 0 &&
         sf__asm_empty(&t->ooo);
}

static bool holds_memory(const struct sf_tcb *t) {
  return t->sndbuf.buf || t->rcvbuf.buf || t->ooo.r || t->sacked.r ||
         t->rack.seg || t->undo_ccs;
}

static bool idle(const struct sf_tcb *t) {
  return !(t->flags & SF_TF_REAPED) && quiet(t) &&
         t->eng->now >= t->last_recv + t->rtt.rto;
}

static void release(struct sf_tcb *t) {
  sf__ring_free(&t->sndbuf, &t->eng->mem);
  sf__ring_free(&t->rcvbuf, &t->eng->mem);
  sf__asm_free(&t->ooo, &t->eng->mem);
  sf__recovery_release_idle(t);
}

void sf__tcp_idle_sweep(struct sf_tcp *e) {
  if (e->now < e->idle_step_at || !e->all)
    return;
  e->idle_step_at = e->now + IDLE_STEP;
  size_t n = e->tcb_count / IDLE_CYCLE_STEPS + IDLE_MIN_PER_STEP;
  if (n > e->tcb_count)
    n = e->tcb_count;
  struct sf_tcb *t = e->idle_next ? e->idle_next : e->all;
  for (; n > 0; n--) {
    if (holds_memory(t) && idle(t))
      release(t);
    t = t->all_next ? t->all_next : e->all;
  }
  e->idle_next = t;
}

void sf__tcp_idle_forget(struct sf_tcb *t) {
  if (t->eng->idle_next == t)
    t->eng->idle_next = t->all_next;
}
