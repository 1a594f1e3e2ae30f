/*
 * Shared by the fuzz targets: the libFuzzer entry point's prototype, the
 * invariant check that turns a broken property into a crash libFuzzer
 * reports, and comparisons several targets need.
 */
#ifndef SF_TESTS_FUZZ_H
#define SF_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "wire/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort(), not assert(): the check must stay in optimized builds. */
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond))                                                               \
      abort();                                                                 \
  } while (0)

/* The input, read from the front a field at a time; past its end every
 * field reads as zero, so a truncated record is still a record. */
struct sf_fuzz_in {
  const uint8_t *p;
  size_t left;
};

static inline uint8_t sf_fuzz_take(struct sf_fuzz_in *in) {
  if (!in->left)
    return 0;
  in->left--;
  return *in->p++;
}

/* Big-endian, as the fields of a header. */
static inline uint16_t sf_fuzz_take16(struct sf_fuzz_in *in) {
  uint16_t hi = sf_fuzz_take(in);
  return (uint16_t)((hi << 8) | sf_fuzz_take(in));
}

static inline uint32_t sf_fuzz_take32(struct sf_fuzz_in *in) {
  uint32_t hi = sf_fuzz_take16(in);
  return (hi << 16) | sf_fuzz_take16(in);
}

/* [p, p + n) lies inside [base, base + size). */
static inline bool sf_fuzz_inside(const uint8_t *p, size_t n,
                                  const uint8_t *base, size_t size) {
  return p >= base && (size_t)(p - base) <= size &&
         n <= size - (size_t)(p - base);
}

/* The options present in a are present in b with the same values. */
static inline bool sf_fuzz_same_tcp_opts(const struct sf_tcp_opts *a,
                                         const struct sf_tcp_opts *b) {
  if (a->present != b->present)
    return false;
  if ((a->present & SF_TCP_OPT_MSS) && a->mss != b->mss)
    return false;
  if ((a->present & SF_TCP_OPT_WSCALE) && a->wscale != b->wscale)
    return false;
  if ((a->present & SF_TCP_OPT_TIMESTAMP) &&
      (a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr))
    return false;
  if (a->present & SF_TCP_OPT_SACK) {
    if (a->sack_count != b->sack_count)
      return false;
    for (size_t i = 0; i < a->sack_count; i++)
      if (a->sack[i].left.v != b->sack[i].left.v ||
          a->sack[i].right.v != b->sack[i].right.v)
        return false;
  }
  return true;
}

#endif /* SF_TESTS_FUZZ_H */
