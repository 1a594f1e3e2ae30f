/*
 * RFC 3522 (Eifel detection): the first ACK after a fast retransmit
 * echoing a timestamp older than the retransmission's was caused by the
 * original, which was only reordered (veth and the fault middleware
 * reorder without losing anything). RFC 4015's response: leave recovery
 * and restore the window, instead of halving it for a loss that never
 * happened and retransmitting more on every partial ACK.
 */
#include "config.h"

#include <stdlib.h>

#include "tcp/recovery/recovery_internal.h"
#include "util/alloc.h"

void sf__eifel_save(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)SF_TF_EIFEL;
  if (!(t->flags & SF_TF_TS))
    return; /* nothing could tell the retransmission spurious */
  /* few connections ever retransmit: the saved state is allocated then,
   * and without memory the retransmission is simply not undoable */
  if (!t->undo_ccs && !(t->undo_ccs = sf__alloc(sizeof(*t->undo_ccs))))
    return;
  *t->undo_ccs = t->ccs;
  t->rtx_tsval = sf__tcp_ts_now(t); /* what the retransmission carries */
  t->flags |= SF_TF_EIFEL;
}

void sf__eifel_release(struct sf_tcb *t) {
  if (t->flags & SF_TF_EIFEL)
    return; /* its ACK has not come yet */
  free(t->undo_ccs);
  t->undo_ccs = NULL;
}

bool sf__eifel_undo(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                    uint32_t sacked_before) {
  if (!(t->flags & SF_TF_EIFEL))
    return false;
  t->flags &= ~(uint32_t)SF_TF_EIFEL; /* only the first ACK tells */
  if (!(h->opts.present & SF_TCP_OPT_TIMESTAMP) || !h->opts.ts_ecr ||
      (int32_t)(h->opts.ts_ecr - t->rtx_tsval) >= 0)
    return false;
  SF_TCP_COUNT(t->eng, tcp_spurious_recoveries);
  sf__dupthresh_raise(t, sacked_before);
  /* and no loss happened, so RFC 6582's guard against a second fast
   * retransmit for the same window has nothing to guard */
  t->recover = sf_seq_add(h->ack, (uint32_t)-1);
  sf__newreno_exit(t);
  /* the algorithm's state as before the loss (CUBIC's W_max and epoch
   * too), with the larger cwnd and the current SMSS (PMTU may lower it) */
  uint32_t cwnd = t->ccs.cwnd, smss = t->ccs.smss;
  t->ccs = *t->undo_ccs;
  t->ccs.smss = smss;
  if (t->ccs.cwnd < cwnd)
    t->ccs.cwnd = cwnd;
  return true;
}
