/*
 * What the files of lib/tcp/recovery/ offer one another (recovery.h has
 * the map). Nothing outside lib/tcp/recovery includes this.
 */
#ifndef SF_TCP_RECOVERY_RECOVERY_INTERNAL_H
#define SF_TCP_RECOVERY_RECOVERY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcb.h"

/* ---- dupack.c: duplicate ACKs and DupThresh (RFC 5681, RFC 6675) */
/* Whether the duplicate ACKs counted so far, or the data SACKed, show a
 * loss: DupThresh of either. */
bool sf__dupack_loss_detected(const struct sf_tcb *t);
/* The path reordered: sacked_before bytes (SACK) or t->dupacks segments
 * arrived above the late segment. */
void sf__dupthresh_raise(struct sf_tcb *t, uint32_t sacked_before);
/* Back to the initial DupThresh. */
void sf__dupthresh_reset(struct sf_tcb *t);

/* ---- newreno.c: fast retransmit and NewReno recovery (RFC 6582) */
/* Whether a loss may start recovery (3.2 step 2: not twice a window). */
bool sf__newreno_may_enter(const struct sf_tcb *t);
/* Fast retransmit, then recovery (3.2 step 2). */
void sf__newreno_enter(struct sf_tcb *t);
/* A duplicate ACK during recovery (3.2 step 4). */
void sf__newreno_dupack(struct sf_tcb *t);
/* A new ACK during recovery: partial (step 3) or full (step 5). */
void sf__newreno_ack(struct sf_tcb *t, uint32_t acked);
/* Leaves recovery, the window as it is. */
void sf__newreno_exit(struct sf_tcb *t);
/* An RTO took over (4: no fast retransmit for what it resends). */
void sf__newreno_after_rto(struct sf_tcb *t);

/* ---- eifel.c: spurious fast retransmits (RFC 3522, RFC 4015) */
/* Keeps what an undo restores, before a fast retransmit. */
void sf__eifel_save(struct sf_tcb *t);
/* Frees what sf__eifel_save kept, unless an undo may still need it (the
 * tcb going idle, or freed: then no undo is pending). */
void sf__eifel_release(struct sf_tcb *t);
/* The first new ACK after the fast retransmit (sacked_before: bytes it
 * found SACKed below the data it acknowledged): if the retransmission
 * was spurious, leaves recovery, restores the window and returns true. */
bool sf__eifel_undo(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                    uint32_t sacked_before);

/* ---- sack.c: the sender's SACK scoreboard (RFC 6675, simplified) */
/* Records the SACK blocks of an acceptable ACK (before snd_una moves). */
void sf__sack_update(struct sf_tcb *t, const struct sf_tcp_hdr *h);
/* snd_una advanced by acked bytes. */
void sf__sack_shift(struct sf_tcb *t, uint32_t acked);
/* Forgets everything (after a retransmission timeout). */
void sf__sack_reset(struct sf_tcb *t);
/* Bytes SACKed between snd_una and snd_una + off. */
uint32_t sf__sack_sacked_below(const struct sf_tcb *t, uint32_t off);
/* RFC 6675 4 (IsLost for the first hole): at least DupThresh segments'
 * worth of data SACKed above snd_una. */
bool sf__sack_loss_detected(const struct sf_tcb *t);
/* In recovery: retransmits up to max segments from the holes below SACKed
 * data, from HighRxt on; returns how many went. */
unsigned sf__sack_retransmit_holes(struct sf_tcb *t, unsigned max);

/* ---- tlp.c: tail loss probes (RFC 8985 7) */
/* Sets the RTX timer for a probe (flagged SF_TF_PTO) if a probe may go
 * and would come before rto_at; false otherwise (the caller sets the
 * RTO). */
bool sf__tlp_arm(struct sf_tcb *t, sf_time_t rto_at);
/* The probe timer expired: resends the last segment, arms the RTO. */
void sf__tlp_fire(struct sf_tcb *t);
/* An ACK of new data (flight: outstanding before it): ends the probe's
 * episode once it covers the probe, with a loss response if the probe
 * repaired a loss. */
void sf__tlp_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                    uint32_t flight);
/* Fast recovery or an RTO took over. */
void sf__tlp_cancel(struct sf_tcb *t);

/* ---- rack.c: RACK loss detection (RFC 8985 6) */
/* Whether RACK detects losses on t: configured, SACK negotiated (the
 * duplicate-ACK detector otherwise). */
bool sf__rack_active(const struct sf_tcb *t);
/* A transmission of len sequence numbers at seq (new or again). */
void sf__rack_on_send(struct sf_tcb *t, sf_seq_t seq, uint32_t len);
/* An acceptable ACK, once the scoreboard has its blocks and before
 * snd_una moves: what it delivered, what that shows lost, and the
 * reordering timer for what may still arrive. */
void sf__rack_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h);
/* snd_una advanced: forgets what is below it. */
void sf__rack_shift(struct sf_tcb *t);
/* Whether a segment is marked lost and not yet retransmitted. */
bool sf__rack_loss_detected(struct sf_tcb *t);
/* Retransmits up to max segments marked lost, lowest first; returns how
 * many went. */
unsigned sf__rack_retransmit_lost(struct sf_tcb *t, unsigned max);
/* Eifel found a fast retransmit spurious: the path reorders. */
void sf__rack_spurious(struct sf_tcb *t);
/* Fast recovery ended (6.2 step 4: the window's persistence). */
void sf__rack_recovery_done(struct sf_tcb *t);
/* Sets the RTX timer for the reordering timeout (flagged SF_TF_REO) if
 * one is pending before rto_at; false otherwise. */
bool sf__rack_arm(struct sf_tcb *t, sf_time_t rto_at);
/* The reordering timer expired: marks what is lost now. */
void sf__rack_timer_fired(struct sf_tcb *t);
/* An RTO: go-back-N resends everything, nothing is marked lost. */
void sf__rack_on_rto(struct sf_tcb *t);
/* Frees the record of transmissions. */
void sf__rack_free(struct sf_tcb *t);
/* Frees the records when none is kept (the flight is empty); the next
 * transmission allocates them again. */
void sf__rack_release_idle(struct sf_tcb *t);

/* ---- recovery.c: the repair of the next lost segment, by whichever
 * detector runs: RACK's marks, or RFC 6675's holes. */
unsigned sf__recovery_repair(struct sf_tcb *t, unsigned max);

#endif /* SF_TCP_RECOVERY_RECOVERY_INTERNAL_H */
