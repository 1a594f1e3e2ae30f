/*
 * Out-of-order range bookkeeping for reassembly (assembler.h).
 *
 * Map:
 *   sf__asm_init, sf__asm_highest   set up, look
 *   sf__asm_add                     record arrived bytes, merging ranges
 *   sf__asm_take_front, _shift      follow rcv_nxt forwards
 *   sf__asm_sack_ranges             ranges for SACK blocks, newest first
 *   first_touching, remove_slots,
 *   insert_slot, next_stamp,
 *   renumber                        (static) array and stamp helpers
 *
 * The ranges live in a small sorted array: with at most SF_ASM_MAX_RANGES
 * (32) entries, linear scans and memmove beat any tree, and the invariant
 * (sorted, disjoint, not touching) is easy to check in tests.
 */
#include "config.h"

#include <string.h>

#include "synfin.h"
#include "tcp/assembler.h"

void sf__asm_init(struct sf_assembler *a) { memset(a, 0, sizeof *a); }

uint32_t sf__asm_highest(const struct sf_assembler *a) {
  return a->n ? a->r[a->n - 1].end : 0;
}

/* Renumbers the live stamps 1..n, keeping their order. */
static void renumber(struct sf_assembler *a) {
  unsigned idx[SF_ASM_MAX_RANGES];
  for (unsigned i = 0; i < a->n; i++) {
    unsigned at = i; /* insertion sort of indices by stamp */
    while (at > 0 && a->r[idx[at - 1]].stamp > a->r[i].stamp) {
      idx[at] = idx[at - 1];
      at--;
    }
    idx[at] = i;
  }
  for (unsigned k = 0; k < a->n; k++)
    a->r[idx[k]].stamp = k + 1;
  a->clock = a->n;
}

/*
 * A fresh stamp. Before the clock would wrap (after 2^32 adds, possible
 * on a long connection) the live stamps are renumbered, so "higher is
 * more recent" keeps holding.
 */
static uint32_t next_stamp(struct sf_assembler *a) {
  if (a->clock == UINT32_MAX)
    renumber(a);
  return ++a->clock;
}

/* Index of the first range that overlaps or touches [start, ...), i.e.
 * whose end is >= start; a->n when there is none. */
static unsigned first_touching(const struct sf_assembler *a, uint32_t start) {
  unsigned i = 0;
  while (i < a->n && a->r[i].end < start)
    i++;
  return i;
}

/* Removes slots [from, to). */
static void remove_slots(struct sf_assembler *a, unsigned from, unsigned to) {
  memmove(&a->r[from], &a->r[to], (a->n - to) * sizeof a->r[0]);
  a->n -= to - from;
}

static void insert_slot(struct sf_assembler *a, unsigned at,
                        struct sf_asm_range rg) {
  memmove(&a->r[at + 1], &a->r[at], (a->n - at) * sizeof a->r[0]);
  a->r[at] = rg;
  a->n++;
}

int sf__asm_add(struct sf_assembler *a, uint32_t offset, uint32_t len) {
  if (len == 0)
    return 0;
  if (len > UINT32_MAX - offset)
    return SF_EINVAL; /* see the header: rejected, not clipped */
  uint32_t end = offset + len;
  unsigned i = first_touching(a, offset);
  unsigned j = i; /* one past the last range touching [offset, end] */
  while (j < a->n && a->r[j].start <= end)
    j++;
  if (i == j) { /* disjoint from everything: needs its own slot */
    if (a->n == SF_ASM_MAX_RANGES)
      return SF_ENOSPC;
    struct sf_asm_range rg = {offset, end, next_stamp(a)};
    insert_slot(a, i, rg);
    return 0;
  }
  /* Ranges i..j-1 and the new bytes become one range in slot i. Its stamp
   * is renewed even when nothing grew (a duplicate): RFC 2018 section 4
   * wants the block holding the segment that triggered the ACK first. */
  if (a->r[i].start > offset)
    a->r[i].start = offset;
  if (a->r[j - 1].end > end)
    end = a->r[j - 1].end;
  a->r[i].end = end;
  a->r[i].stamp = next_stamp(a);
  remove_slots(a, i + 1, j);
  return 0;
}

uint32_t sf__asm_take_front(struct sf_assembler *a) {
  if (a->n == 0 || a->r[0].start != 0)
    return 0;
  uint32_t len = a->r[0].end;
  remove_slots(a, 0, 1);
  for (unsigned i = 0; i < a->n; i++) {
    a->r[i].start -= len; /* ranges do not touch: start > len */
    a->r[i].end -= len;
  }
  return len;
}

void sf__asm_shift(struct sf_assembler *a, uint32_t n) {
  unsigned drop = 0;
  while (drop < a->n && a->r[drop].end <= n)
    drop++; /* wholly delivered in order already */
  remove_slots(a, 0, drop);
  for (unsigned i = 0; i < a->n; i++) {
    a->r[i].start = a->r[i].start > n ? a->r[i].start - n : 0;
    a->r[i].end -= n;
  }
}

unsigned sf__asm_sack_ranges(const struct sf_assembler *a,
                             struct sf_asm_range *out, unsigned max) {
  /* Insertion into out by stamp, newest first, keeping only max. With 32
   * ranges and max 3 or 4 (the option's room) this is a few compares. */
  unsigned k = 0;
  for (unsigned i = 0; i < a->n; i++) {
    unsigned at = k;
    while (at > 0 && out[at - 1].stamp < a->r[i].stamp)
      at--;
    if (at >= max)
      continue;
    unsigned last = k < max ? k : max - 1;
    memmove(&out[at + 1], &out[at], (last - at) * sizeof out[0]);
    out[at] = a->r[i];
    if (k < max)
      k++;
  }
  return k;
}

bool sf__asm_overlap(const struct sf_assembler *a, uint32_t offset,
                     uint32_t len, struct sf_asm_range *out) {
  uint32_t end = offset + len;
  for (unsigned i = 0; len && i < a->n && a->r[i].start < end; i++) {
    if (a->r[i].end <= offset)
      continue;
    out->start = a->r[i].start > offset ? a->r[i].start : offset;
    out->end = a->r[i].end < end ? a->r[i].end : end;
    return true;
  }
  return false;
}
