/*
 * The stack's secret keys and the keyed hash built on them: initial
 * sequence numbers (RFC 6528), timestamp offsets (RFC 7323), ephemeral
 * port selection (RFC 6056), the demultiplexing hash, and SYN cookies
 * (syncookie.h) all use them.
 *
 * Keys come from OpenSSL's RAND_bytes; the hash is SipHash-2-4 (keyed,
 * fast on short inputs), computed in secret.c: OpenSSL's EVP_MAC
 * "SIPHASH" gives the same values (the tests compare them) but costs a
 * context allocation per call, over ten times slower.
 */
#ifndef SF_TCP_SECRET_H
#define SF_TCP_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "base/time.h"
#include "ip/addr.h"

struct sf_secret {
  uint8_t isn_key[16];    /* RFC 6528 F() */
  uint8_t port_key[16];   /* RFC 6056 F() */
  uint8_t hash_key[16];   /* demultiplexing */
  uint8_t cookie_key[16]; /* SYN cookies */
};

/*
 * Fills every key from OpenSSL's RAND_bytes. Returns 0 or SF_EIO when
 * OpenSSL cannot provide randomness.
 */
int sf__secret_init(struct sf_secret *s);
/* Deterministic keys derived from seed: for tests and replayable runs. */
void sf__secret_init_seeded(struct sf_secret *s, uint64_t seed);

/* SipHash-2-4 of len bytes under a 16-byte key. */
uint64_t sf__siphash(const uint8_t key[16], const void *data, size_t len);

/* The most bytes sf__hash_put_addr writes. */
#define SF_HASH_ADDR_MAX 16

/*
 * Writes a as the keyed hashes take it and returns the bytes written: an
 * IPv4 address as its 4 bytes in network order (so IPv4 values are what
 * they were before addresses had a family), an IPv6 one as its 16, one
 * without a family as nothing.
 */
size_t sf__hash_put_addr(uint8_t *p, struct sf_addr a);

/*
 * RFC 6528 section 3: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), where M is a timer ticking every 4
 * microseconds (derived from now) and F the keyed hash under isn_key.
 */
uint32_t sf__isn_rfc6528(const struct sf_secret *s, struct sf_addr laddr,
                         uint16_t lport, struct sf_addr raddr, uint16_t rport,
                         sf_time_t now);

/*
 * RFC 6056 section 3.3.3 (Algorithm 3, "Simple Hash-Based"): the offset
 * F(local IP, remote IP, remote port, secret) that, added to a running
 * counter, picks the first ephemeral port to try for this destination.
 */
uint32_t sf__port_offset(const struct sf_secret *s, struct sf_addr laddr,
                         struct sf_addr raddr, uint16_t rport);

/*
 * RFC 7323 5.4: the offset added to our millisecond clock for the
 * timestamps of the connection (laddr, lport, raddr, rport), a keyed hash
 * of the 4-tuple (as Linux's ts_off). It needs no state, so a SYN
 * cookie's SYN-ACK and the connection later rebuilt from the cookie run
 * one clock.
 */
uint32_t sf__ts_offset(const struct sf_secret *s, struct sf_addr laddr,
                       uint16_t lport, struct sf_addr raddr, uint16_t rport);

#endif /* SF_TCP_SECRET_H */
