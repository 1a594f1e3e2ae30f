/*
 * Out-of-order bookkeeping for the receive side: which byte ranges past
 * the next expected byte (rcv_nxt) have arrived. The bytes themselves sit
 * in the receive ring (sf__ring_write_at); this only tracks the ranges,
 * with a fixed number of slots, so reassembly memory is bounded by the
 * receive buffer and SF_ASM_MAX_RANGES.
 *
 * Offsets are relative to rcv_nxt: offset 0 is the next byte expected.
 * The assembler also remembers which range changed most recently, since
 * RFC 2018 section 4 wants the first SACK block to be the one holding the
 * most recently received segment.
 */
#ifndef SF_TCP_ASSEMBLER_H
#define SF_TCP_ASSEMBLER_H

#include <stdbool.h>
#include <stdint.h>

#define SF_ASM_MAX_RANGES 32

struct sf_asm_range {
  uint32_t start; /* offset of the first byte */
  uint32_t end;   /* offset just past the last byte */
  uint32_t stamp; /* when bytes last arrived in it, even duplicates
                     (higher: more recent) */
};

struct sf_assembler {
  struct sf_asm_range r[SF_ASM_MAX_RANGES]; /* sorted by start, disjoint,
                                               not touching */
  unsigned n;
  uint32_t clock;
};

void sf__asm_init(struct sf_assembler *a);

static inline bool sf__asm_empty(const struct sf_assembler *a) {
  return a->n == 0;
}

/*
 * Records that bytes [offset, offset + len) arrived. Overlapping or
 * adjacent ranges merge. Returns 0, or SF_ENOSPC when the range would need
 * a new slot and all are taken (nothing is recorded: the caller drops the
 * segment and counts it). len 0 records nothing and returns 0.
 *
 * A range whose end would not fit in 32 bits (len > UINT32_MAX - offset)
 * is rejected with SF_EINVAL and nothing is recorded: a relative offset
 * that large lies outside any receive window (at most 2^30 bytes, RFC 7323
 * section 2.3), so it is a caller's bug, and clipping would silently
 * record fewer bytes than the caller stored.
 */
int sf__asm_add(struct sf_assembler *a, uint32_t offset, uint32_t len);

/*
 * If a range starts at offset 0, removes it and returns its length (the
 * bytes now contiguous with what was delivered); else returns 0. Every
 * remaining offset shifts down by that length.
 */
uint32_t sf__asm_take_front(struct sf_assembler *a);

/*
 * rcv_nxt advanced by n bytes that arrived in order: shifts every offset
 * down by n, dropping ranges (or parts) now below 0.
 */
void sf__asm_shift(struct sf_assembler *a, uint32_t n);

/*
 * Up to max ranges for SACK blocks, the most recently grown first
 * (RFC 2018 section 4). Returns how many were written to out.
 */
unsigned sf__asm_sack_ranges(const struct sf_assembler *a,
                             struct sf_asm_range *out, unsigned max);

/*
 * The first part of [offset, offset + len) already recorded, in out:
 * false when none is (len 0: none). The caller keeps offset + len within
 * 32 bits, as for sf__asm_add.
 */
bool sf__asm_overlap(const struct sf_assembler *a, uint32_t offset,
                     uint32_t len, struct sf_asm_range *out);

/* The highest end offset recorded, or 0 when empty. */
uint32_t sf__asm_highest(const struct sf_assembler *a);

#endif /* SF_TCP_ASSEMBLER_H */
