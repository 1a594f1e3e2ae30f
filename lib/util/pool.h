/*
 * A bounded free list of equal-sized blocks, for what every short
 * connection allocates and frees again (control blocks, their first
 * small buffers): a block freed goes on the list, and the next one asked
 * for comes off it, without a call into the allocator. The list holds at
 * most `max` blocks (what is kept idle stays small and bounded), and its
 * owner empties it when memory is short and when it is freed.
 *
 * A block served from the list is not an allocation that can fail: only
 * sf__alloc, when the list is empty, can (the test seam of alloc.h).
 */
#ifndef SF_UTIL_POOL_H
#define SF_UTIL_POOL_H

#include <stddef.h>

struct sf_pool {
  void *head;   /* the free blocks, each holding the next's address */
  unsigned len; /* blocks on the list */
  unsigned max;
  size_t size; /* of every block, at least a pointer's */
};

/* An empty list of blocks of size bytes, keeping at most max. */
void sf__pool_init(struct sf_pool *p, size_t size, unsigned max);
/* A block of p's size, not zeroed: a kept one, else sf__alloc's (NULL
 * when that fails). */
void *sf__pool_get(struct sf_pool *p);
/* Gives b (a block of p's size, or NULL) back: kept if the list has
 * room, else freed. */
void sf__pool_put(struct sf_pool *p, void *b);
/* Frees every kept block (memory pressure, teardown). */
void sf__pool_drain(struct sf_pool *p);

#endif /* SF_UTIL_POOL_H */
