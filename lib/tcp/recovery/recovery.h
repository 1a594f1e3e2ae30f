/*
 * Loss recovery: deciding that segments were lost, repairing them, and
 * the congestion response, behind the few calls the rest of TCP makes.
 * ack.c reports what each acceptable ACK says; output.c reports each
 * transmission of data; timer.c asks which timeout the RTX timer runs
 * for and reports when it expires.
 *
 * Inside, recovery.c dispatches to two kinds of parts:
 *   detectors  decide that something was lost
 *     dupack.c   DupThresh duplicate ACKs, or DupThresh segments' worth
 *                SACKed above SND.UNA (RFC 5681, RFC 6675); DupThresh
 *                rises with the reordering Eifel measures; without
 *                SACK, or with RACK configured off
 *     rack.c     RACK (RFC 8985 6), where SACK is negotiated: a segment
 *                is lost once one sent after it was delivered and a
 *                reordering window passed; its own timer waits for that
 *     tlp.c      a probe timeout when the tail of a flight went silent
 *                (RFC 8985 7); the probe's ACK tells a repaired loss
 *     the RTO    timer.c's; sf__recovery_on_rto is its recovery side
 *   responses  repair and adjust the window
 *     newreno.c  fast retransmit and NewReno recovery (RFC 6582)
 *     sack.c     the SACK scoreboard and its holes (RFC 6675)
 *     eifel.c    undo of a spurious fast retransmit (RFC 3522, 4015)
 *
 * A detector joins at the points where recovery.c calls the
 * detectors, each marked "detectors:" there (RACK uses them all):
 *   on an ACK      sf__recovery_on_sack (every acceptable ACK),
 *                  sf__recovery_on_ack, sf__recovery_ack_done and
 *                  sf__recovery_on_dupack: update the detector's state
 *                  and say whether a loss is seen;
 *   arming         sf__recovery_arm: a detector may take the RTX timer
 *                  for a timeout of its own before the RTO (a PTO, a
 *                  reordering window);
 *   its timer      sf__recovery_timer_fired: the expired RTX timer was
 *                  a detector's; it acts and re-arms;
 *   the RTO        sf__recovery_on_rto: a detector forgets what the RTO
 *                  overrides;
 *   a transmission sf__recovery_on_send: when each segment went.
 */
#ifndef SF_TCP_RECOVERY_RECOVERY_H
#define SF_TCP_RECOVERY_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcb.h"

/* Data (or FIN) sent: len sequence numbers from seq, new or again. */
void sf__recovery_on_send(struct sf_tcb *t, sf_seq_t seq, uint32_t len);

/* Any acceptable ACK, before snd_una moves: records its SACK blocks and
 * what they and the cumulative ACK delivered. */
void sf__recovery_on_sack(struct sf_tcb *t, const struct sf_tcp_hdr *h);

/* A new cumulative ACK: snd_una has just advanced by acked bytes. Ends or
 * continues fast recovery, or undoes it if it was spurious. Returns true
 * when recovery set the window itself (congestion control must not grow
 * it for this ACK). */
bool sf__recovery_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                         uint32_t acked);

/* The same ACK, once congestion control has seen it (flight: what was
 * outstanding before it): a loss probe's verdict and its congestion
 * response (RFC 8985 7.4). */
void sf__recovery_ack_done(struct sf_tcb *t, const struct sf_tcp_hdr *h,
                           uint32_t flight);

/* A duplicate ACK (RFC 5681 2): counts it; may start fast recovery, or
 * inflates the window and repairs the next hole during one. */
void sf__recovery_on_dupack(struct sf_tcb *t);

/* The RTX timer is about to run for an RTO due at rto_at: sets it for a
 * detector's earlier timeout instead and returns true, or returns false
 * (the caller keeps or sets the RTO). */
bool sf__recovery_arm(struct sf_tcb *t, sf_time_t rto_at);

/* Whether the RTX timer runs for a detector's timeout, not the RTO. */
bool sf__recovery_timer_armed(const struct sf_tcb *t);

/* The RTX timer stops, or runs for the RTO: no detector's timeout. */
void sf__recovery_disarm(struct sf_tcb *t);

/* The RTX timer expired. Returns true if it was a detector's (handled);
 * false if it is the RTO, which the caller runs (no probe is out then). */
bool sf__recovery_timer_fired(struct sf_tcb *t);

/* An RTO: leaves fast recovery, forgets the scoreboard and the measured
 * reordering, and rules out a fast retransmit for what is outstanding. */
void sf__recovery_on_rto(struct sf_tcb *t);

/* The tcb is being freed: what loss recovery allocated goes. */
void sf__recovery_free(struct sf_tcb *t);

/* The connection went idle, nothing outstanding: the memory of the
 * scoreboard, of RACK's records and of Eifel's saved window goes (their
 * state stays), allocated again when next needed. */
void sf__recovery_release_idle(struct sf_tcb *t);

#endif /* SF_TCP_RECOVERY_RECOVERY_H */
