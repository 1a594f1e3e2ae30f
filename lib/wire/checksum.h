/*
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are carried as 32-bit partial sums of 16-bit big-endian words so
 * pieces (a pseudo-header, a header, a payload) can be added separately and
 * folded once at the end. A piece of odd length must be the last one.
 */
#ifndef SF_WIRE_CHECKSUM_H
#define SF_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at data to the partial sum and returns the new sum. */
uint32_t sf__csum_add(uint32_t sum, const void *data, size_t len);

/* Folds a partial sum to 16 bits and complements it: the checksum field. */
uint16_t sf__csum_finish(uint32_t sum);

/*
 * The partial sum of the IPv4 pseudo-header (RFC 9293 3.1): source and
 * destination addresses (host byte order), protocol, and the length of the
 * transport header plus data.
 */
uint32_t sf__csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
                              uint16_t len);

/*
 * The checksum field after one 16-bit word covered by it changed from old
 * to new (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 */
uint16_t sf__csum_update16(uint16_t csum, uint16_t old_word,
                           uint16_t new_word);

/* The same for a 32-bit field (an address, a sequence number). */
uint16_t sf__csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

#endif /* SF_WIRE_CHECKSUM_H */
