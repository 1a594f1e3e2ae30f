/*
 * Out-of-order bookkeeping: which byte ranges past the next expected
 * byte (rcv_nxt, or SND.UNA for the sender's SACK scoreboard) have
 * arrived, in a fixed number of slots (SF_ASM_MAX_RANGES).
 *
 * The receive side also keeps the bytes here (sf__asm_store): each range
 * owns one buffer of its bytes, so out-of-order memory follows the data
 * held, not how far past rcv_nxt it lies (a few bytes near the window's
 * right edge cost a few bytes, not a receive buffer grown to that edge).
 * An assembler either stores bytes or only offsets (sf__asm_add), never
 * both.
 *
 * Offsets are relative to rcv_nxt: offset 0 is the next byte expected.
 * The assembler also remembers which range changed most recently, since
 * RFC 2018 section 4 wants the first SACK block to be the one holding the
 * most recently received segment.
 */
#ifndef SF_TCP_ASSEMBLER_H
#define SF_TCP_ASSEMBLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/budget.h"

#define SF_ASM_MAX_RANGES 32

struct sf_asm_range {
  uint32_t start; /* offset of the first byte */
  uint32_t end;   /* offset just past the last byte */
  uint32_t stamp; /* when bytes last arrived in it, even duplicates
                     (higher: more recent) */
  /* sf__asm_store's bytes: [start, end) at buf + lead, in cap bytes
   * allocated (NULL, 0, 0 for offsets only) */
  uint8_t *buf;
  uint32_t lead, cap;
};

struct sf_assembler {
  /* n ranges in cap slots, sorted by start, disjoint, not touching. The
   * slots are allocated with the first range (a connection that never
   * sees a hole or a SACK block has none) and double up to
   * SF_ASM_MAX_RANGES; they stay until sf__asm_free. */
  struct sf_asm_range *r;
  unsigned n, cap;
  uint32_t clock;
  uint32_t held; /* bytes allocated for stored bytes (sum of cap): at
                    most 4 GiB, far above any receive window */
};

/* The budget charged with held (NULL: none) and the bound on held are the
 * caller's, passed to the calls that store or free bytes rather than kept
 * in every assembler (TCP's: the engine's budget and the receive
 * buffer's limit; SACK's scoreboard stores no bytes and passes NULL). b
 * must be the same budget on every call. */
void sf__asm_init(struct sf_assembler *a);
/* Frees the stored bytes and the slots; the assembler is empty
 * afterwards. */
void sf__asm_free(struct sf_assembler *a, struct sf_budget *b);
/* Frees the stored bytes and forgets every range; the slots stay. */
void sf__asm_clear(struct sf_assembler *a, struct sf_budget *b);

static inline bool sf__asm_empty(const struct sf_assembler *a) {
  return a->n == 0;
}

/*
 * Records that bytes [offset, offset + len) arrived. Overlapping or
 * adjacent ranges merge. Returns 0, or SF_ENOSPC when the range would need
 * a new slot and all are taken, or SF_ENOMEM when there is no memory for
 * more slots (nothing is recorded: the caller drops the segment and
 * counts it). len 0 records nothing and returns 0.
 *
 * A range whose end would not fit in 32 bits (len > UINT32_MAX - offset)
 * is rejected with SF_EINVAL and nothing is recorded: a relative offset
 * that large lies outside any receive window (at most 2^30 bytes, RFC 7323
 * section 2.3), so it is a caller's bug, and clipping would silently
 * record fewer bytes than the caller stored.
 */
int sf__asm_add(struct sf_assembler *a, uint32_t offset, uint32_t len);

/*
 * sf__asm_add that also keeps a copy of the bytes, merged with those of
 * the ranges it touches, charged to b. Returns 0, SF_ENOSPC or SF_EINVAL
 * as sf__asm_add, SF_ENOBUFS (held would pass max_held, 0 meaning no
 * bound, or 4 GiB) or SF_ENOMEM (no memory, or b refuses); nothing is
 * recorded on an error.
 */
int sf__asm_store(struct sf_assembler *a, struct sf_budget *b,
                  size_t max_held, uint32_t offset, const uint8_t *data,
                  uint32_t len);

/*
 * The length of the range that starts at offset 0 (the bytes now
 * contiguous with what was delivered), or 0 when there is none; *bytes
 * points to its stored bytes, valid until the assembler next changes.
 * sf__asm_shift by that length then removes it.
 */
uint32_t sf__asm_front(const struct sf_assembler *a, const uint8_t **bytes);

/*
 * The front advanced by n bytes (delivered, or acknowledged): shifts
 * every offset down by n, dropping ranges (or parts) now below 0, and
 * the bytes they held (given back to b).
 */
void sf__asm_shift(struct sf_assembler *a, struct sf_budget *b, uint32_t n);

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
