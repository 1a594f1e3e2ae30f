/*
 * The duplicate-ACK detector (RFC 5681 3.2, RFC 6675 4): a loss is seen
 * after DupThresh duplicate ACKs, or once DupThresh segments' worth of
 * data is SACKed above SND.UNA (a receiver coalescing with GRO may never
 * send three duplicates). DupThresh starts at 3 and follows the
 * reordering the path shows.
 */
#include "config.h"

#include "tcp/recovery/recovery_internal.h"

bool sf__dupack_loss_detected(const struct sf_tcb *t) {
  return t->dupacks == t->dupthresh || sf__sack_loss_detected(t);
}

/*
 * The path reorders: wait for more evidence before the next fast
 * retransmit, by as much as it reordered this time: the late segment
 * arrived after sacked_before bytes (SACK) or t->dupacks segments (each
 * duplicate ACK is one) above it, so DupThresh becomes one segment more
 * than that, as Linux measures tp->reordering; never lower than it was.
 * (Doubling instead overshoots: a threshold above what a window can
 * produce leaves only the RTO.)
 */
void sf__dupthresh_raise(struct sf_tcb *t, uint32_t sacked_before) {
  uint32_t seen = t->smss ? sacked_before / t->smss : 0;
  if (seen < t->dupacks)
    seen = t->dupacks;
  seen++;
  if (seen > SF_TCP_MAX_DUPTHRESH)
    seen = SF_TCP_MAX_DUPTHRESH;
  if (seen > t->dupthresh)
    t->dupthresh = seen;
}

/* A loss the duplicate ACKs did not catch: the reordering estimate may
 * be what hid it (Linux resets tp->reordering on an RTO too). */
void sf__dupthresh_reset(struct sf_tcb *t) {
  t->dupthresh = SF_TCP_DUPTHRESH;
}
