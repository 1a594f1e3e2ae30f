/*
 * The Internet checksum. sf__csum_add sums 16-bit big-endian words into
 * a 32-bit accumulator, deferring carries; callers fold once per packet.
 */
#include "config.h"

#include "wire/bytes.h"
#include "wire/checksum.h"

/* Folds carries out of the upper half; the result fits in 16 bits. */
static uint32_t csum_fold(uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

uint32_t sf__csum_add(uint32_t sum, const void *data, size_t len) {
  const uint8_t *p = data;
  /* A 64-bit accumulator takes 2^32 words before it can overflow. */
  uint64_t acc = sum;
  while (len >= 8) {
    acc += sf__load_be32(p);
    acc += sf__load_be32(p + 4);
    p += 8;
    len -= 8;
  }
  while (len >= 2) {
    acc += sf__load_be16(p);
    p += 2;
    len -= 2;
  }
  if (len)
    acc += (uint32_t)p[0] << 8;
  while (acc >> 32)
    acc = (acc & 0xffffffffu) + (acc >> 32);
  /* Fold to 16 bits now: the caller may add more pieces after this. */
  uint32_t s = (uint32_t)(acc & 0xffffffffu);
  return csum_fold((s & 0xffff) + (s >> 16));
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
