/*
 * The 4-tuple hash map (tuple.h): separate chaining through nodes
 * embedded in the caller's objects, keyed SipHash, doubling growth.
 *
 * Map:
 *   sf__tuple_hash                  SipHash of the tuple under hash_key
 *   grow (static)                   doubles the bucket array, relinks nodes
 *   sf__tuple_map_init / _free      empty map; release the buckets
 *   sf__tuple_map_insert / _remove  link, unlink a node
 *   sf__tuple_map_find              the node with a key
 *
 * The bucket array is allocated at the first insert (an idle listener's
 * map costs nothing) and doubles whenever count would exceed nbuckets, so
 * the load factor stays at most 1. Each node keeps the low 32 bits of its
 * hash (more than any table of fewer than 2^32 nodes uses), so growing
 * never rehashes and a lookup compares tuples only on a hash match. If doubling fails for lack of memory the map keeps working with
 * longer chains: only the very first allocation can fail an insert.
 */
#include "config.h"

#include <stdlib.h>

#include "synfin.h"
#include "tcp/tuple.h"
#include "util/alloc.h"
#include "wire/bytes.h"

#define TUPLE_MAP_MIN_BUCKETS 16u

uint64_t sf__tuple_hash(const struct sf_secret *s, const struct sf_tuple *k) {
  /* The fields in a fixed order and byte order: no struct padding is
   * hashed, and the value does not depend on the host. */
  uint8_t b[2 * SF_HASH_ADDR_MAX + 4];
  size_t n = sf__hash_put_addr(b, k->laddr);
  n += sf__hash_put_addr(b + n, k->raddr);
  sf__store_be16(b + n, k->lport);
  sf__store_be16(b + n + 2, k->rport);
  n += 4;
  return sf__siphash(s->hash_key, b, n);
}

static size_t bucket_of(size_t nbuckets, uint64_t hash) {
  return (size_t)(hash & (nbuckets - 1));
}

void sf__tuple_map_init(struct sf_tuple_map *m, const struct sf_secret *s) {
  m->buckets = NULL;
  m->nbuckets = 0;
  m->count = 0;
  m->secret = s;
}

void sf__tuple_map_free(struct sf_tuple_map *m) {
  free(m->buckets);
  m->buckets = NULL;
  m->nbuckets = 0;
  m->count = 0;
}

/* Moves every node into a bucket array of n (a power of two) buckets. */
static int rehash(struct sf_tuple_map *m, size_t n) {
  if (n > SIZE_MAX / sizeof *m->buckets)
    return SF_ENOMEM;
  struct sf_tuple_node **nb = sf__calloc(n, sizeof *nb);
  if (!nb)
    return SF_ENOMEM;
  for (size_t i = 0; i < m->nbuckets; i++) {
    struct sf_tuple_node *node = m->buckets[i];
    while (node) {
      struct sf_tuple_node *next = node->next;
      size_t b = bucket_of(n, node->hash);
      node->next = nb[b];
      nb[b] = node;
      node = next;
    }
  }
  free(m->buckets);
  m->buckets = nb;
  m->nbuckets = n;
  return 0;
}

int sf__tuple_map_insert(struct sf_tuple_map *m, struct sf_tuple_node *node) {
  if (!m->buckets) {
    if (rehash(m, TUPLE_MAP_MIN_BUCKETS) < 0)
      return SF_ENOMEM;
  } else if (m->count + 1 > m->nbuckets && m->nbuckets <= SIZE_MAX / 2) {
    (void)rehash(m, m->nbuckets * 2); /* on failure: longer chains, no harm */
  }
  node->hash = (uint32_t)sf__tuple_hash(m->secret, &node->key);
  size_t b = bucket_of(m->nbuckets, node->hash);
  node->next = m->buckets[b];
  m->buckets[b] = node;
  m->count++;
  return 0;
}

void sf__tuple_map_remove(struct sf_tuple_map *m, struct sf_tuple_node *node) {
  if (!m->buckets)
    return;
  struct sf_tuple_node **pp = &m->buckets[bucket_of(m->nbuckets, node->hash)];
  while (*pp && *pp != node)
    pp = &(*pp)->next;
  if (!*pp)
    return; /* not in the map: the caller broke the contract; do no harm */
  *pp = node->next;
  node->next = NULL;
  m->count--;
}

struct sf_tuple_node *sf__tuple_map_find(const struct sf_tuple_map *m,
                                         const struct sf_tuple *key) {
  if (!m->count)
    return NULL;
  uint32_t h = (uint32_t)sf__tuple_hash(m->secret, key);
  for (struct sf_tuple_node *n = m->buckets[bucket_of(m->nbuckets, h)]; n;
       n = n->next)
    if (n->hash == h && sf__tuple_eq(&n->key, key))
      return n;
  return NULL;
}
