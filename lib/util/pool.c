/*
 * The bounded free list of blocks (pool.h).
 */
#include "config.h"

#include <stdlib.h>

#include "util/alloc.h"
#include "util/pool.h"

/* A kept block's first bytes. */
struct free_block {
  struct free_block *next;
};

void sf__pool_init(struct sf_pool *p, size_t size, unsigned max) {
  p->head = NULL;
  p->len = 0;
  p->max = max;
  p->size = size < sizeof(struct free_block) ? sizeof(struct free_block)
                                             : size;
}

void *sf__pool_get(struct sf_pool *p) {
  struct free_block *b = p->head;
  if (!b)
    return sf__alloc(p->size);
  p->head = b->next;
  p->len--;
  return b;
}

void sf__pool_put(struct sf_pool *p, void *b) {
  if (!b)
    return;
  if (p->len >= p->max) {
    free(b);
    return;
  }
  struct free_block *fb = b;
  fb->next = p->head;
  p->head = fb;
  p->len++;
}

void sf__pool_drain(struct sf_pool *p) {
  while (p->head) {
    struct free_block *b = p->head;
    p->head = b->next;
    free(b);
  }
  p->len = 0;
}
