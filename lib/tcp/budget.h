/*
 * A ceiling on the bytes that buffers may allocate, shared by every ring
 * and assembler of one TCP object: the stack-wide memory limit
 * (mem_max), like Linux's tcp_mem. A buffer takes bytes from it before
 * allocating and gives them back when it frees; what would pass the
 * ceiling is refused (and counted), so the allocation fails as if memory
 * had run out, and the caller copes as it does then (data dropped
 * unacknowledged, a write that takes fewer bytes). A NULL budget is
 * unlimited.
 */
#ifndef SF_TCP_BUDGET_H
#define SF_TCP_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/pool.h"

struct sf_budget {
  size_t used; /* bytes allocated now */
  size_t max;
  uint64_t *refused; /* counts the refusals (may be NULL) */
  struct sf_pool *small; /* spare ring buffers of SF_RING_MIN_ALLOC bytes
                            (ring.h), or NULL: none kept */
};

/* Takes n bytes if they fit under the ceiling. */
static inline bool sf__budget_take(struct sf_budget *b, size_t n) {
  if (!b)
    return true;
  if (n > b->max - b->used) {
    if (b->refused)
      (*b->refused)++;
    return false;
  }
  b->used += n;
  return true;
}

static inline void sf__budget_give(struct sf_budget *b, size_t n) {
  if (b)
    b->used -= n;
}

#endif /* SF_TCP_BUDGET_H */
