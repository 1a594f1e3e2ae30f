/*
 * An intrusive binary min-heap of deadlines: one node per connection (its
 * earliest timer), so the engine finds its next deadline in O(1) and
 * re-arms a connection in O(log n), without scanning every connection.
 *
 * The caller embeds struct sf_heap_node in its object and recovers the
 * object from the node (container_of style). A node not in the heap has
 * index SF_HEAP_NONE.
 */
#ifndef SF_UTIL_HEAP_H
#define SF_UTIL_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define SF_HEAP_NONE SIZE_MAX

struct sf_heap_node {
  uint64_t key; /* the deadline */
  size_t index; /* position in the heap, or SF_HEAP_NONE */
};

struct sf_heap {
  struct sf_heap_node **nodes;
  size_t len;
  size_t alloc;
};

void sf__heap_init(struct sf_heap *h);
void sf__heap_free(struct sf_heap *h); /* frees the array, not the nodes */

static inline void sf__heap_node_init(struct sf_heap_node *n) {
  n->key = 0;
  n->index = SF_HEAP_NONE;
}

/*
 * Makes room for n nodes, so that sf__heap_set cannot fail while at most
 * n are in the heap. Returns 0 or SF_ENOMEM. The room is never given
 * back (until sf__heap_free).
 */
int sf__heap_reserve(struct sf_heap *h, size_t n);
/*
 * Puts n in the heap with the given key, or moves it if it is already
 * there. Returns 0 or SF_ENOMEM (n is then not in the heap; never when
 * sf__heap_reserve made room for every node that may be in it).
 */
int sf__heap_set(struct sf_heap *h, struct sf_heap_node *n, uint64_t key);
/* Takes n out of the heap; harmless if it is not in it. */
void sf__heap_remove(struct sf_heap *h, struct sf_heap_node *n);
/* The node with the smallest key, or NULL when empty. */
static inline struct sf_heap_node *sf__heap_min(const struct sf_heap *h) {
  return h->len ? h->nodes[0] : NULL;
}

#endif /* SF_UTIL_HEAP_H */
