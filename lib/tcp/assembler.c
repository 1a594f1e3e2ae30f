/*
 * Out-of-order range bookkeeping for reassembly (assembler.h).
 *
 * Map:
 *   sf__asm_init, _free, _highest   set up, release, look
 *   sf__asm_add, sf__asm_store      record arrived bytes (and keep them),
 *                                   merging ranges
 *   sf__asm_front, _shift           follow the front forwards
 *   sf__asm_sack_ranges             ranges for SACK blocks, newest first
 *   first_touching, remove_slots,
 *   insert_slot, next_stamp,
 *   renumber                        (static) array and stamp helpers
 *   hold_new, extend_bytes,
 *   merge_bytes, release,
 *   fits, take_bytes, give_bytes    (static) a range's stored bytes
 *
 * The ranges live in a small sorted array: with at most SF_ASM_MAX_RANGES
 * (32) entries, linear scans and memmove beat any tree, and the invariant
 * (sorted, disjoint, not touching) is easy to check in tests.
 *
 * Stored bytes: a range that grows at its end (the usual case: segments
 * arriving in order after a hole) doubles its buffer, so a run of
 * segments costs amortised constant copying and at most twice the bytes
 * held; any other merge copies the ranges it joins into one new buffer.
 * Bytes delivered from the front of a range are skipped (lead), not
 * moved; the buffer goes when the whole range is delivered.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "synfin.h"
#include "tcp/assembler.h"
#include "util/alloc.h"

void sf__asm_init(struct sf_assembler *a) { memset(a, 0, sizeof *a); }

/* What a store is charged to and bounded by (the caller's). */
struct limits {
  struct sf_budget *budget;
  size_t max_held;
};

/* Whether n more bytes fit under max_held (and in held's 32 bits) once
 * the freed bytes they replace are given back. */
static bool fits(const struct sf_assembler *a, const struct limits *lim,
                 size_t n, size_t freed) {
  size_t after = a->held - freed + n;
  return after <= UINT32_MAX && (!lim->max_held || after <= lim->max_held);
}

/* n bytes to store bytes in (replacing freed bytes), charged to held and
 * the budget: 0, SF_ENOBUFS or SF_ENOMEM. */
static int take_bytes(struct sf_assembler *a, const struct limits *lim,
                      uint32_t n, size_t freed, uint8_t **out) {
  if (!fits(a, lim, n, freed))
    return SF_ENOBUFS;
  if (!sf__budget_take(lim->budget, n))
    return SF_ENOMEM;
  *out = sf__alloc(n);
  if (!*out) {
    sf__budget_give(lim->budget, n);
    return SF_ENOMEM;
  }
  a->held += n;
  return 0;
}

static void give_bytes(struct sf_assembler *a, struct sf_budget *b,
                       uint8_t *buf, uint32_t cap) {
  free(buf);
  a->held -= cap;
  sf__budget_give(b, cap);
}

static void release(struct sf_assembler *a, struct sf_budget *b,
                    struct sf_asm_range *r) {
  give_bytes(a, b, r->buf, r->cap);
  r->buf = NULL;
  r->lead = r->cap = 0;
}

void sf__asm_clear(struct sf_assembler *a, struct sf_budget *b) {
  for (unsigned i = 0; i < a->n; i++)
    release(a, b, &a->r[i]);
  a->n = 0;
  a->clock = 0;
}

void sf__asm_free(struct sf_assembler *a, struct sf_budget *b) {
  sf__asm_clear(a, b);
  free(a->r);
  sf__asm_init(a);
}

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
  if (from == to)
    return; /* also when no slots were ever allocated (r is NULL) */
  memmove(&a->r[from], &a->r[to], (a->n - to) * sizeof a->r[0]);
  a->n -= to - from;
}

/* Slots allocated with the first range. */
#define ASM_FIRST_SLOTS 4u

/* Room for one more range: 0, SF_ENOSPC at SF_ASM_MAX_RANGES, SF_ENOMEM
 * without memory for more slots. */
static int room_for_one(struct sf_assembler *a) {
  if (a->n < a->cap)
    return 0;
  if (a->cap >= SF_ASM_MAX_RANGES)
    return SF_ENOSPC;
  unsigned cap = a->cap ? 2 * a->cap : ASM_FIRST_SLOTS;
  if (cap > SF_ASM_MAX_RANGES)
    cap = SF_ASM_MAX_RANGES;
  struct sf_asm_range *r = sf__realloc(a->r, cap * sizeof(*r));
  if (!r)
    return SF_ENOMEM;
  a->r = r;
  a->cap = cap;
  return 0;
}

static void insert_slot(struct sf_assembler *a, unsigned at,
                        struct sf_asm_range rg) {
  memmove(&a->r[at + 1], &a->r[at], (a->n - at) * sizeof a->r[0]);
  a->r[at] = rg;
  a->n++;
}

/* A new range's own buffer, exactly its bytes. */
static int hold_new(struct sf_assembler *a, const struct limits *lim,
                    struct sf_asm_range *rg, const uint8_t *data) {
  uint32_t len = rg->end - rg->start;
  int rc = take_bytes(a, lim, len, 0, &rg->buf);
  if (rc != 0)
    return rc;
  memcpy(rg->buf, data, len);
  rg->cap = len;
  return 0;
}

/* Range r grows to end (>= r->end): room for it, doubling the buffer
 * (or just enough, near max_held), the live bytes moved to its start. */
static int extend_bytes(struct sf_assembler *a, const struct limits *lim,
                        struct sf_asm_range *r, uint32_t end) {
  uint32_t live = r->end - r->start, need = end - r->start;
  if (r->lead + need <= r->cap)
    return 0;
  uint32_t cap = need < UINT32_MAX / 2 ? 2 * need : need;
  if (!fits(a, lim, cap, r->cap))
    cap = need;
  uint8_t *nb;
  int rc = take_bytes(a, lim, cap, r->cap, &nb);
  if (rc != 0)
    return rc;
  memcpy(nb, r->buf + r->lead, live);
  give_bytes(a, lim->budget, r->buf, r->cap);
  r->buf = nb;
  r->lead = 0;
  r->cap = cap;
  return 0;
}

/* The bytes of ranges [i, j) and the new ones [offset, offset + len) in
 * m's buffer, m being their union. */
static int merge_bytes(struct sf_assembler *a, const struct limits *lim,
                       unsigned i, unsigned j, struct sf_asm_range *m,
                       uint32_t offset, const uint8_t *data, uint32_t len) {
  struct sf_asm_range *first = &a->r[i];
  if (j == i + 1 && first->start <= offset) { /* grows at its end only */
    int rc = extend_bytes(a, lim, first, m->end);
    if (rc != 0)
      return rc;
    m->buf = first->buf;
    m->lead = first->lead;
    m->cap = first->cap;
  } else {
    uint32_t size = m->end - m->start;
    size_t freed = 0;
    for (unsigned k = i; k < j; k++)
      freed += a->r[k].cap;
    uint8_t *nb;
    int rc = take_bytes(a, lim, size, freed, &nb);
    if (rc != 0)
      return rc;
    for (unsigned k = i; k < j; k++) {
      struct sf_asm_range *r = &a->r[k];
      memcpy(nb + (r->start - m->start), r->buf + r->lead, r->end - r->start);
      release(a, lim->budget, r);
    }
    m->buf = nb;
    m->lead = 0;
    m->cap = size;
  }
  memcpy(m->buf + m->lead + (offset - m->start), data, len);
  return 0;
}

/* Records [offset, offset + len), and keeps its bytes when data is set
 * (lim: for those bytes). */
static int add_range(struct sf_assembler *a, const struct limits *lim,
                     uint32_t offset, uint32_t len, const uint8_t *data) {
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
    int rc = room_for_one(a);
    if (rc != 0)
      return rc;
    struct sf_asm_range rg = {.start = offset, .end = end};
    rc = data ? hold_new(a, lim, &rg, data) : 0;
    if (rc != 0)
      return rc;
    rg.stamp = next_stamp(a);
    insert_slot(a, i, rg);
    return 0;
  }
  /* Ranges i..j-1 and the new bytes become one range in slot i. Its stamp
   * is renewed even when nothing grew (a duplicate): RFC 2018 section 4
   * wants the block holding the segment that triggered the ACK first. */
  struct sf_asm_range m = a->r[i];
  if (m.start > offset)
    m.start = offset;
  m.end = a->r[j - 1].end > end ? a->r[j - 1].end : end;
  int rc = data ? merge_bytes(a, lim, i, j, &m, offset, data, len) : 0;
  if (rc != 0)
    return rc;
  m.stamp = next_stamp(a);
  a->r[i] = m;
  remove_slots(a, i + 1, j);
  return 0;
}

int sf__asm_add(struct sf_assembler *a, uint32_t offset, uint32_t len) {
  return add_range(a, NULL, offset, len, NULL);
}

int sf__asm_store(struct sf_assembler *a, struct sf_budget *b,
                  size_t max_held, uint32_t offset, const uint8_t *data,
                  uint32_t len) {
  struct limits lim = {b, max_held};
  return add_range(a, &lim, offset, len, data);
}

uint32_t sf__asm_front(const struct sf_assembler *a, const uint8_t **bytes) {
  *bytes = NULL;
  if (a->n == 0 || a->r[0].start != 0)
    return 0;
  if (a->r[0].buf)
    *bytes = a->r[0].buf + a->r[0].lead;
  return a->r[0].end;
}

void sf__asm_shift(struct sf_assembler *a, struct sf_budget *b, uint32_t n) {
  unsigned drop = 0;
  while (drop < a->n && a->r[drop].end <= n)
    release(a, b, &a->r[drop++]); /* wholly delivered already */
  remove_slots(a, 0, drop);
  for (unsigned i = 0; i < a->n; i++) {
    struct sf_asm_range *r = &a->r[i];
    if (r->start < n) {
      if (r->buf)
        r->lead += n - r->start;
      r->start = 0;
    } else {
      r->start -= n;
    }
    r->end -= n;
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
