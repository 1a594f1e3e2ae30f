/*
 * Orphans: connections the application has let go of (sf__tcp_detach)
 * that TCP is still finishing — data and FIN to deliver, LAST-ACK,
 * FIN-WAIT. Nobody waits for them any more, yet a peer can keep one
 * alive for ever: it need only keep its window shut and answer every
 * probe. So they are bounded twice, as Linux bounds them
 * (tcp_orphan_retries, tcp_max_orphans): an orphan gets at most
 * orphan_retries zero-window probes, and past max_orphans the oldest
 * orphan is reset.
 *
 * The list is oldest first (eng->orphans, linked through orphan_prev and
 * orphan_next); a tcb leaves it when it is reaped.
 */
#include "config.h"

#include "tcp/tcb.h"

static void unlink_orphan(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  if (t->orphan_prev)
    t->orphan_prev->orphan_next = t->orphan_next;
  else
    e->orphans = t->orphan_next;
  if (t->orphan_next)
    t->orphan_next->orphan_prev = t->orphan_prev;
  else
    e->orphans_tail = t->orphan_prev;
  t->orphan_prev = t->orphan_next = NULL;
  e->orphan_count--;
}

void sf__tcp_orphan_add(struct sf_tcb *t) {
  struct sf_tcp *e = t->eng;
  t->flags |= SF_TF_ORPHAN_LISTED;
  t->orphan_prev = e->orphans_tail;
  t->orphan_next = NULL;
  if (e->orphans_tail)
    e->orphans_tail->orphan_next = t;
  else
    e->orphans = t;
  e->orphans_tail = t;
  e->orphan_count++;
  while (e->orphan_count > e->cfg.max_orphans) {
    struct sf_tcb *oldest = e->orphans;
    sf__tcp_orphan_forget(oldest);
    SF_TCP_COUNT(e, tcp_orphans_reset);
    sf__tcp_reset_connection(oldest);
  }
}

void sf__tcp_orphan_forget(struct sf_tcb *t) {
  if (!(t->flags & SF_TF_ORPHAN_LISTED))
    return;
  t->flags &= ~(uint32_t)SF_TF_ORPHAN_LISTED;
  unlink_orphan(t);
}

bool sf__tcp_orphan_probes_spent(const struct sf_tcb *t) {
  return (t->flags & SF_TF_ORPHAN) &&
         t->persist_backoff >= t->eng->cfg.orphan_retries;
}
