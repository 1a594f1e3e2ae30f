/*
 * The Internet checksum. sf__csum_add sums a buffer 8 bytes at a time in
 * the host's byte order (see sum_native) and returns a 16-bit partial sum;
 * callers add pieces and finish once per packet.
 */
#include "config.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

/* Folds carries out of the upper half; the result fits in 16 bits. */
static uint32_t csum_fold(uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/* a + b with the carry out of bit 63 added back in (one's complement). */
static inline uint64_t add_end_around(uint64_t a, uint64_t b) {
  uint64_t s = a + b;
  return s + (s < a);
}

static inline uint64_t load_native64(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, sizeof(w));
  return w;
}

/*
 * The one's complement sum is independent of byte order (RFC 1071 2(B)):
 * summing 64-bit words as the host loads them, then swapping the folded
 * result's bytes on a little-endian host, gives the big-endian sum. Four
 * accumulators keep four carry chains independent, so the adds overlap.
 */
static uint32_t sum_native(const uint8_t *p, size_t len) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (; len >= 32; p += 32, len -= 32) {
    a0 = add_end_around(a0, load_native64(p));
    a1 = add_end_around(a1, load_native64(p + 8));
    a2 = add_end_around(a2, load_native64(p + 16));
    a3 = add_end_around(a3, load_native64(p + 24));
  }
  for (; len >= 8; p += 8, len -= 8)
    a0 = add_end_around(a0, load_native64(p));
  if (len) {
    /* The tail keeps its offsets within a word, so each byte keeps its
     * half of a 16-bit word; the zeros add nothing. */
    uint8_t tail[8] = {0};
    memcpy(tail, p, len);
    a0 = add_end_around(a0, load_native64(tail));
  }
  uint64_t acc = add_end_around(add_end_around(a0, a1), add_end_around(a2, a3));
  uint32_t s = (uint32_t)(acc & 0xffffffffu);
  s += (uint32_t)(acc >> 32);
  s += s < (uint32_t)(acc >> 32); /* end-around carry */
  s = csum_fold((s & 0xffff) + (s >> 16));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  s = ((s & 0xff) << 8) | (s >> 8);
#endif
  return s;
}

uint32_t sf__csum_add(uint32_t sum, const void *data, size_t len) {
  /* Fold to 16 bits now: the caller may add more pieces after this. */
  return csum_fold(csum_fold(sum) + sum_native(data, len));
}

uint16_t sf__csum_finish(uint32_t sum) {
  return (uint16_t)~csum_fold(sum);
}

uint32_t sf__csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
                              uint16_t len) {
  uint32_t sum = 0;
  sum += src >> 16;
  sum += src & 0xffff;
  sum += dst >> 16;
  sum += dst & 0xffff;
  sum += proto;
  sum += len;
  return csum_fold(sum);
}

uint16_t sf__csum_update16(uint16_t csum, uint16_t old_word,
                           uint16_t new_word) {
  uint32_t sum = (uint16_t)~csum;
  sum += (uint16_t)~old_word;
  sum += new_word;
  return (uint16_t)~csum_fold(sum);
}

uint16_t sf__csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val) {
  csum = sf__csum_update16(csum, (uint16_t)(old_val >> 16),
                           (uint16_t)(new_val >> 16));
  return sf__csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}
