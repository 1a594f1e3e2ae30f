/*
 * SYN cookies (RFC 4987 section 3.6): when a listener's SYN queue is full,
 * the SYN-ACK's sequence number encodes what the connection needs, and
 * nothing is kept until a valid ACK returns it.
 *
 * The cookie (the ISN we send) carries a keyed MAC of the 4-tuple and the
 * peer's ISN, a coarse time counter (64-second ticks; a cookie is valid
 * while its age, the current tick minus the tick it was made in, is at
 * most SF_COOKIE_MAX_AGE) and an index into a small table of MSS values. When the SYN offered
 * timestamps, our TSval's low bits carry the peer's window scale and
 * whether it offered SACK (as Linux does), so those options survive too.
 */
#ifndef SF_TCP_SYNCOOKIE_H
#define SF_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/time.h"
#include "tcp/secret.h"

#define SF_COOKIE_TICK (64 * SF_NSEC_PER_SEC) /* of the time counter */
#define SF_COOKIE_MAX_AGE 2 /* ticks a cookie stays valid */
/* The oldest a valid cookie can be: made as its tick began, returned as
 * the last tick it is valid in ends. */
#define SF_COOKIE_LIFETIME ((SF_COOKIE_MAX_AGE + 1) * SF_COOKIE_TICK)

/*
 * The cookie for a SYN from (raddr, rport) to (laddr, lport) with initial
 * sequence number peer_isn, offering MSS mss (0: none offered). *mss_out
 * gets the MSS the cookie encodes (the largest table entry <= mss).
 */
uint32_t sf__syncookie_make(const struct sf_secret *s, struct sf_addr laddr,
                            uint16_t lport, struct sf_addr raddr,
                            uint16_t rport, uint32_t peer_isn, uint16_t mss,
                            sf_time_t now, uint16_t *mss_out);

/*
 * Checks the cookie returned in an ACK (cookie = ack - 1, peer_isn =
 * seq - 1). Returns the encoded MSS (> 0) when the cookie is valid and
 * young enough, 0 otherwise.
 */
uint16_t sf__syncookie_check(const struct sf_secret *s, struct sf_addr laddr,
                             uint16_t lport, struct sf_addr raddr,
                             uint16_t rport, uint32_t peer_isn, uint32_t cookie,
                             sf_time_t now);

/* The peer's SYN options that the timestamp carries. */
struct sf_cookie_opts {
  bool wscale_ok;
  uint8_t wscale; /* 0..14 */
  bool sack_ok;
};

/*
 * Replaces the low 6 bits of tsval (our TSval in the SYN-ACK) with the
 * encoding of o, then steps it back by 64 if that made it larger than
 * tsval (our TSvals must not run ahead of the clock). Returns the TSval
 * to send.
 */
uint32_t sf__syncookie_ts_encode(uint32_t tsval, const struct sf_cookie_opts *o);
/* Decodes the options from the TSecr the peer echoes in its ACK. */
void sf__syncookie_ts_decode(uint32_t tsecr, struct sf_cookie_opts *o);

#endif /* SF_TCP_SYNCOOKIE_H */
