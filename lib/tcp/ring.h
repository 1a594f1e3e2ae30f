/*
 * A byte ring that grows on demand up to a fixed limit: the send and
 * receive buffers of a connection. Memory is allocated as data arrives
 * (powers of two, up to the limit), so an idle connection costs nothing
 * and a peer can never make it hold more than the limit.
 *
 * Only in-order bytes are kept: out-of-order TCP data waits in the
 * assembler (assembler.h), so the ring grows with the data it holds, not
 * with how far ahead a peer chose to place a segment.
 */
#ifndef SF_TCP_RING_H
#define SF_TCP_RING_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/budget.h"

/* The first allocation: small, so a connection that sends a few bytes
 * pays little, yet not so small that the first bulk writes regrow. Blocks
 * of this size come from and go back to budget->small when it is set. */
#define SF_RING_MIN_ALLOC 64u

/* The counts are 32 bits (a connection's buffer is at most 1 GiB): in
 * every tcb twice, they cost 16 bytes less than size_t ones. The budget
 * charged with alloc (NULL: none) is the caller's, passed to the calls
 * that allocate or free (sf__ring_write, sf__ring_free) rather than kept
 * in every ring: TCP charges all of them to the engine's. */
struct sf_ring {
  uint8_t *buf;
  uint32_t alloc; /* bytes allocated (0 or a power of two, <= limit
                     rounded), charged to the budget */
  uint32_t limit; /* most bytes the ring may ever hold */
  uint32_t head;  /* index of the first stored byte */
  uint32_t len;   /* stored (readable) bytes */
};

/* Sets up an empty ring of at most limit bytes; allocates nothing. A
 * limit above 2 GiB is lowered to it (its power of two must fit the
 * 32-bit counts). Storage, once grown, stays until sf__ring_free, even
 * when the ring is read empty (TCP frees an empty ring once its
 * connection is idle: tcp/idle.c), or until sf__ring_drained for the
 * smallest one. */
void sf__ring_init(struct sf_ring *r, size_t limit);
/* Frees the storage (given back to b, which must be the budget it was
 * taken from); the ring is empty (and reusable) afterwards. */
void sf__ring_free(struct sf_ring *r, struct sf_budget *b);

/* The ring was just read or acknowledged down: if that left it empty in
 * its first, smallest buffer, the buffer goes back to b's spares at once.
 * A connection that exchanged a few bytes and fell silent then holds
 * nothing, not for an RTO and a walk of the idle connections, and its
 * next bytes take the buffer off the spares, not from the allocator. A
 * grown buffer stays: a busy ring that empties often would pay the
 * allocator each time it grows again. */
static inline void sf__ring_drained(struct sf_ring *r, struct sf_budget *b) {
  if (r->len == 0 && r->alloc == SF_RING_MIN_ALLOC && b && b->small)
    sf__ring_free(r, b);
}

static inline size_t sf__ring_len(const struct sf_ring *r) { return r->len; }
/* Bytes that may still be appended before the limit. */
static inline size_t sf__ring_space(const struct sf_ring *r) {
  return r->limit - r->len;
}

/*
 * Appends up to n bytes; returns how many were taken (fewer than n when
 * the limit is reached, 0 when allocation fails or the budget b refuses).
 */
size_t sf__ring_write(struct sf_ring *r, struct sf_budget *b,
                      const void *data, size_t n);

/* Where up to n bytes starting offset bytes into the stored data lie,
 * without copying them: at most two pieces (the ring may wrap), v[0] then
 * v[1] (n 0 when unused). Valid until the ring is next changed. Returns
 * the bytes described. */
struct sf_ring_view {
  const uint8_t *p;
  size_t n;
};
size_t sf__ring_view(const struct sf_ring *r, size_t offset, size_t n,
                     struct sf_ring_view v[2]);

/* Copies up to n bytes starting offset bytes into the stored data, without
 * consuming them; returns the bytes copied. */
size_t sf__ring_peek(const struct sf_ring *r, size_t offset, void *out,
                     size_t n);

/* Copies and consumes up to n bytes; returns the bytes read. */
size_t sf__ring_read(struct sf_ring *r, void *out, size_t n);

/* Drops up to n bytes from the front; returns the bytes dropped. */
size_t sf__ring_consume(struct sf_ring *r, size_t n);

#endif /* SF_TCP_RING_H */
