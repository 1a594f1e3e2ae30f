/*
 * Big-endian loads and stores on byte pointers. Wire code reads fields
 * only through these, never through casts to wider types, so alignment
 * and strict aliasing never matter.
 */
#ifndef SF_WIRE_BYTES_H
#define SF_WIRE_BYTES_H

#include <stdint.h>

static inline uint16_t sf__load_be16(const uint8_t *p) {
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t sf__load_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static inline void sf__store_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void sf__store_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif /* SF_WIRE_BYTES_H */
