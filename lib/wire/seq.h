/*
 * TCP sequence numbers (RFC 9293 3.4): 32-bit values compared modulo 2^32.
 *
 * sf_seq_t is a struct, not an integer, so the compiler refuses `a < b`
 * and every comparison goes through the wrap-safe helpers below. Two
 * numbers compare as if the distance between them is less than 2^31, which
 * holds for any two numbers inside one window.
 */
#ifndef SF_WIRE_SEQ_H
#define SF_WIRE_SEQ_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  uint32_t v;
} sf_seq_t;

static inline sf_seq_t sf_seq(uint32_t v) {
  sf_seq_t s = {v};
  return s;
}

/* s + n, wrapping. */
static inline sf_seq_t sf_seq_add(sf_seq_t s, uint32_t n) {
  return sf_seq(s.v + n);
}

/* The signed distance a - b; positive when a is after b. */
static inline int32_t sf_seq_diff(sf_seq_t a, sf_seq_t b) {
  return (int32_t)(a.v - b.v);
}

static inline bool sf_seq_eq(sf_seq_t a, sf_seq_t b) { return a.v == b.v; }
static inline bool sf_seq_lt(sf_seq_t a, sf_seq_t b) {
  return sf_seq_diff(a, b) < 0;
}
static inline bool sf_seq_leq(sf_seq_t a, sf_seq_t b) {
  return sf_seq_diff(a, b) <= 0;
}
static inline bool sf_seq_gt(sf_seq_t a, sf_seq_t b) {
  return sf_seq_diff(a, b) > 0;
}
static inline bool sf_seq_geq(sf_seq_t a, sf_seq_t b) {
  return sf_seq_diff(a, b) >= 0;
}

static inline sf_seq_t sf_seq_max(sf_seq_t a, sf_seq_t b) {
  return sf_seq_gt(a, b) ? a : b;
}
static inline sf_seq_t sf_seq_min(sf_seq_t a, sf_seq_t b) {
  return sf_seq_lt(a, b) ? a : b;
}

/* lo <= s < hi, modulo 2^32 (the RFC 9293 window test). */
static inline bool sf_seq_in_range(sf_seq_t s, sf_seq_t lo, sf_seq_t hi) {
  return (uint32_t)(s.v - lo.v) < (uint32_t)(hi.v - lo.v);
}

/* lo <= s <= hi, modulo 2^32. */
static inline bool sf_seq_in_range_incl(sf_seq_t s, sf_seq_t lo, sf_seq_t hi) {
  return (uint32_t)(s.v - lo.v) <= (uint32_t)(hi.v - lo.v);
}

#endif /* SF_WIRE_SEQ_H */
