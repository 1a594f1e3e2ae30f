/*
 * The intrusive min-heap of deadlines (heap.h).
 *
 * Map:
 *   sf__heap_init / sf__heap_free   set up, release the array
 *   sf__heap_reserve                room for n nodes
 *   sf__heap_set                    insert or re-key a node
 *   sf__heap_remove                 take a node out from anywhere
 *   place, sift_up, sift_down, fix  (static) the array discipline
 *
 * Each node stores its own index, so re-keying or removing a node in the
 * middle costs O(log n) with no search: the reason to be intrusive.
 */
#include "config.h"

#include <stdlib.h>

#include "synfin.h"
#include "util/alloc.h"
#include "util/heap.h"

/* First array size: enough for a small server without regrowing. */
#define HEAP_MIN_ALLOC 16

void sf__heap_init(struct sf_heap *h) {
  h->nodes = NULL;
  h->len = 0;
  h->alloc = 0;
}

void sf__heap_free(struct sf_heap *h) {
  free(h->nodes);
  sf__heap_init(h);
}

/* Puts n at slot i and tells it so: every move goes through here, which
 * keeps each node's index true. */
static void place(struct sf_heap *h, size_t i, struct sf_heap_node *n) {
  h->nodes[i] = n;
  n->index = i;
}

static void sift_up(struct sf_heap *h, size_t i) {
  struct sf_heap_node *n = h->nodes[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (h->nodes[parent]->key <= n->key)
      break; /* ties stay put: fewer moves */
    place(h, i, h->nodes[parent]);
    i = parent;
  }
  place(h, i, n);
}

static void sift_down(struct sf_heap *h, size_t i) {
  struct sf_heap_node *n = h->nodes[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= h->len)
      break;
    if (child + 1 < h->len && h->nodes[child + 1]->key < h->nodes[child]->key)
      child++;
    if (n->key <= h->nodes[child]->key)
      break;
    place(h, i, h->nodes[child]);
    i = child;
  }
  place(h, i, n);
}

/* Restores order around slot i after its key changed either way. */
static void fix(struct sf_heap *h, size_t i) {
  if (i > 0 && h->nodes[(i - 1) / 2]->key > h->nodes[i]->key)
    sift_up(h, i);
  else
    sift_down(h, i);
}

int sf__heap_reserve(struct sf_heap *h, size_t n) {
  if (n <= h->alloc)
    return 0;
  size_t want = h->alloc ? h->alloc * 2 : HEAP_MIN_ALLOC;
  if (want < n)
    want = n;
  if (want > SIZE_MAX / sizeof *h->nodes)
    return SF_ENOMEM;
  struct sf_heap_node **nn = sf__realloc(h->nodes, want * sizeof *nn);
  if (!nn)
    return SF_ENOMEM;
  h->nodes = nn;
  h->alloc = want;
  return 0;
}

int sf__heap_set(struct sf_heap *h, struct sf_heap_node *n, uint64_t key) {
  if (n->index != SF_HEAP_NONE) { /* already in: a re-key */
    n->key = key;
    fix(h, n->index);
    return 0;
  }
  int err = sf__heap_reserve(h, h->len + 1);
  if (err)
    return err;
  n->key = key;
  place(h, h->len++, n);
  sift_up(h, n->index);
  return 0;
}

void sf__heap_remove(struct sf_heap *h, struct sf_heap_node *n) {
  size_t i = n->index;
  if (i == SF_HEAP_NONE)
    return;
  struct sf_heap_node *last = h->nodes[--h->len];
  n->index = SF_HEAP_NONE;
  if (last == n)
    return; /* it was the last slot: nothing to fill */
  place(h, i, last);
  fix(h, i);
}
