/*
 * Per-connection timers. Each tcb has a deadline per timer (struct
 * sf_tcb.timers) and one node in the engine's heap keyed by the earliest,
 * so the engine's next deadline is the heap's top, whatever the number
 * of connections (no scans).
 *
 * What each timer does when it fires:
 *   RTX        SYN / SYN-ACK retransmission with backoff, or an RTO:
 *              RFC 6298 5.4-5.7 and RFC 5681's loss window, go-back-N;
 *              too many in a row end the connection (SF_ETIMEDOUT, or
 *              the ICMP soft error that explains it); or a timeout of
 *              loss recovery's own, a tail loss probe's (recovery/)
 *   PERSIST    a zero-window probe, backing off up to rto_max; probes
 *              nobody answers end the connection like RTOs, and an
 *              orphan's end after orphan_retries probes, answered or not
 *   DELACK     the delayed ACK
 *   KEEPALIVE  idle probes (idle, interval, count)
 *   2MSL       end of TIME-WAIT, or of an orphaned FIN-WAIT-2
 */
#include "config.h"

#include <stddef.h>

#include "tcp/recovery/recovery.h"
#include "tcp/tcb.h"

static void reheap(struct sf_tcb *t) {
  sf_time_t min = SF_TIME_NEVER;
  for (int i = 0; i < SF_TT_COUNT; i++)
    if (t->timers[i] < min)
      min = t->timers[i];
  if (min == SF_TIME_NEVER || (t->flags & SF_TF_REAPED))
    sf__heap_remove(&t->eng->timers, &t->heap);
  else if (t->heap.index == SF_HEAP_NONE || t->heap.key != min)
    /* cannot fail: sf__tcb_new gave every tcb its slot */
    sf__heap_set(&t->eng->timers, &t->heap, min);
}

void sf__tcp_timer_set(struct sf_tcb *t, enum sf_tcp_timer which,
                       sf_time_t when) {
  if (t->timers[which] == when)
    return;
  SF_TCP_COUNT(t->eng, tcp_timers_armed);
  t->timers[which] = when;
  reheap(t);
}

void sf__tcp_timer_stop(struct sf_tcb *t, enum sf_tcp_timer which) {
  if (t->timers[which] == SF_TIME_NEVER)
    return;
  SF_TCP_COUNT(t->eng, tcp_timers_stopped);
  t->timers[which] = SF_TIME_NEVER;
  reheap(t);
}

void sf__tcp_timers_stop_all(struct sf_tcb *t) {
  for (int i = 0; i < SF_TT_COUNT; i++) {
    if (t->timers[i] != SF_TIME_NEVER)
      SF_TCP_COUNT(t->eng, tcp_timers_stopped);
    t->timers[i] = SF_TIME_NEVER;
  }
  sf__heap_remove(&t->eng->timers, &t->heap);
}

void sf__tcp_rtx_arm(struct sf_tcb *t, bool restart) {
  if (sf__tcp_flight(t) == 0) {
    sf__tcp_timer_stop(t, SF_TT_RTX);
    sf__recovery_disarm(t);
    return;
  }
  /* a running RTO restarts only when asked (RFC 6298 5.1), but a probe
   * may come before it; a probe timer restarts with every transmission
   * (RFC 8985 7.2) */
  bool keep_rto = !restart && t->timers[SF_TT_RTX] != SF_TIME_NEVER &&
                  !sf__recovery_timer_armed(t);
  sf_time_t rto_at = keep_rto ? t->timers[SF_TT_RTX]
                              : t->eng->now + sf__tcp_rto(t);
  if (sf__recovery_arm(t, rto_at) || keep_rto)
    return;
  sf__tcp_timer_set(t, SF_TT_RTX, rto_at);
}

void sf__tcp_keepalive_reset(struct sf_tcb *t) {
  if (!(t->flags & SF_TF_KEEPALIVE) || !sf__tcp_synchronized(t->state)) {
    sf__tcp_timer_stop(t, SF_TT_KEEPALIVE);
    return;
  }
  t->keep_sent = 0;
  /* Keepalive turned on (or its idle time shortened) after the line was
   * quiet longer than that: the first probe is due now, as Linux's
   * tcp_set_keepalive has it, never at a time already past (which would
   * put the engine's deadline behind its clock). */
  sf_time_t at = t->last_recv + t->keep_idle;
  sf__tcp_timer_set(t, SF_TT_KEEPALIVE, at > t->eng->now ? at : t->eng->now);
}

static int timeout_error(const struct sf_tcb *t) {
  return t->soft_error ? t->soft_error : SF_ETIMEDOUT;
}

static void handshake_timeout(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  bool passive = (t->flags & SF_TF_PASSIVE) != 0;
  unsigned limit = t->state == SF_TCP_SYN_SENT ? e->cfg.syn_retries
                                               : e->cfg.synack_retries;
  if (t->rtx_count >= limit) {
    if (passive && t->state == SF_TCP_SYN_RECEIVED) {
      SF_TCP_COUNT(e, tcp_synack_timeouts);
      sf__tcp_finish(t);
    } else {
      SF_TCP_COUNT(e, tcp_conn_timeouts);
      sf__tcp_fail(t, timeout_error(t));
    }
    return;
  }
  t->rtx_count++;
  sf__rtt_backoff(&t->rtt);
  SF_TCP_COUNT(e, tcp_syn_retrans);
  t->flags &= ~(uint32_t)SF_TF_RTT_TIMING; /* Karn: no sample from it */
  sf__tcp_send_syn(t);
  sf__tcp_rtx_arm(t, true);
}

static void rto_expired(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  if (t->state == SF_TCP_SYN_SENT || t->state == SF_TCP_SYN_RECEIVED) {
    handshake_timeout(t);
    return;
  }
  if (sf__recovery_timer_fired(t))
    return;
  if (t->rtx_count >= e->cfg.data_retries) {
    SF_TCP_COUNT(e, tcp_conn_timeouts);
    sf__tcp_fail(t, timeout_error(t));
    return;
  }
  SF_TCP_COUNT(e, tcp_rto_expired);
  t->rtx_count++;
  sf__rtt_backoff(&t->rtt);
  t->cc->on_rto(&t->ccs, sf__tcp_flight(t));
  t->flags &= ~(uint32_t)SF_TF_RTT_TIMING;
  sf__recovery_on_rto(t);
  t->snd_nxt = t->snd_una; /* go back N */
  sf__tcp_retransmit_first(t);
  sf__tcp_rtx_arm(t, true);
}

static void persist_expired(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  if (sf__tcp_unsent(t) == 0 || sf__tcp_flight(t) > 0)
    return;
  if (t->keep_sent >= e->cfg.data_retries) {
    SF_TCP_COUNT(e, tcp_conn_timeouts);
    sf__tcp_fail(t, timeout_error(t));
    return;
  }
  /* answered probes do not count above, but nobody waits for an orphan */
  if (sf__tcp_orphan_probes_spent(t)) {
    SF_TCP_COUNT(e, tcp_orphan_persist_aborts);
    sf__tcp_reset_connection(t);
    return;
  }
  t->keep_sent++;
  t->persist_backoff++;
  sf__tcp_output_forced(t);
  sf__tcp_output(t); /* re-arms persist while the window stays shut */
}

static void keepalive_expired(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  if (!(t->flags & SF_TF_KEEPALIVE) || !sf__tcp_synchronized(t->state) ||
      t->state == SF_TCP_TIME_WAIT)
    return;
  sf_time_t idle_until = t->last_recv + t->keep_idle;
  if (e->now < idle_until) {
    sf__tcp_timer_set(t, SF_TT_KEEPALIVE, idle_until);
    return;
  }
  if (sf__tcp_flight(t) > 0) { /* the RTO is watching already */
    sf__tcp_timer_set(t, SF_TT_KEEPALIVE, e->now + e->cfg.keepalive_interval);
    return;
  }
  if (t->keep_sent >= e->cfg.keepalive_probes) {
    SF_TCP_COUNT(e, tcp_conn_timeouts);
    sf__tcp_fail(t, timeout_error(t));
    return;
  }
  t->keep_sent++;
  SF_TCP_COUNT(e, tcp_keepalive_probes);
  sf__tcp_send_probe(t);
  sf__tcp_timer_set(t, SF_TT_KEEPALIVE, e->now + e->cfg.keepalive_interval);
}

static void two_msl_expired(struct sf_tcb *t) {
  if (t->state == SF_TCP_FIN_WAIT_2)
    SF_TCP_COUNT(t->eng, tcp_fin_wait2_timeouts);
  sf__tcp_finish(t);
}

static void delack_expired(struct sf_tcb *t) {
  SF_TCP_COUNT(t->eng, tcp_out_acks_delayed);
  t->flags |= SF_TF_ACK_NOW;
  sf__tcp_output(t);
}

static void (*const handlers[SF_TT_COUNT])(struct sf_tcb *) = {
    [SF_TT_RTX] = rto_expired,
    [SF_TT_PERSIST] = persist_expired,
    [SF_TT_DELACK] = delack_expired,
    [SF_TT_KEEPALIVE] = keepalive_expired,
    [SF_TT_2MSL] = two_msl_expired,
};

/* Runs t's due timers, one at a time: each handler may end t. */
static void run_due(struct sf_tcb *t, sf_time_t now) {
  for (int i = 0; i < SF_TT_COUNT; i++) {
    if (t->timers[i] > now)
      continue;
    t->timers[i] = SF_TIME_NEVER;
    handlers[i](t);
    if (t->state == SF_TCP_CLOSED || (t->flags & SF_TF_REAPED))
      return;
  }
}

void sf__tcp_timers_run(struct sf_tcp *e, sf_time_t now) {
  struct sf_heap_node *n;
  /* Handlers only ever arm timers in the future, so this ends. */
  while ((n = sf__heap_min(&e->timers)) && n->key <= now) {
    struct sf_tcb *t =
        (struct sf_tcb *)((char *)n - offsetof(struct sf_tcb, heap));
    run_due(t, now);
    reheap(t);
  }
}
