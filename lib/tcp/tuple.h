/*
 * Connection 4-tuples and an intrusive hash map keyed by them: the
 * demultiplexing tables for control blocks and TIME-WAIT records.
 *
 * The hash is keyed with a random secret (sf_secret, from OpenSSL), so a
 * peer cannot choose ports that pile every connection into one bucket.
 * The map grows (doubling) to keep chains short; lookups are O(1).
 */
#ifndef SF_TCP_TUPLE_H
#define SF_TCP_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/addr.h"
#include "tcp/secret.h"

/* From our side; both addresses of one family, ports in host byte
 * order. */
struct sf_tuple {
  struct sf_addr laddr;
  struct sf_addr raddr;
  uint16_t lport;
  uint16_t rport;
};

static inline bool sf__tuple_eq(const struct sf_tuple *a,
                                const struct sf_tuple *b) {
  return sf_addr_eq(a->laddr, b->laddr) && sf_addr_eq(a->raddr, b->raddr) &&
         a->lport == b->lport && a->rport == b->rport;
}

/* Embedded in whatever the map holds. */
struct sf_tuple_node {
  struct sf_tuple_node *next;
  struct sf_tuple key;
  uint32_t hash; /* sf__tuple_hash's low bits: a table never has more
                    buckets, and 4 bytes fill the key's tail */
};

struct sf_tuple_map {
  struct sf_tuple_node **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;
  const struct sf_secret *secret;
};

/* The keyed hash of a 4-tuple under s: what the map (and the TIME-WAIT
 * table) files it by. */
uint64_t sf__tuple_hash(const struct sf_secret *s, const struct sf_tuple *k);

/* An empty map hashing with secret (which must outlive the map). */
void sf__tuple_map_init(struct sf_tuple_map *m, const struct sf_secret *s);
/* Frees the bucket array; the nodes belong to the caller. */
void sf__tuple_map_free(struct sf_tuple_map *m);

/*
 * Inserts node under node->key (which the caller has set). The key must
 * not be in the map already. Returns 0 or SF_ENOMEM.
 */
int sf__tuple_map_insert(struct sf_tuple_map *m, struct sf_tuple_node *node);
/* Removes node, which must be in the map. */
void sf__tuple_map_remove(struct sf_tuple_map *m, struct sf_tuple_node *node);
/* The node with this key, or NULL. */
struct sf_tuple_node *sf__tuple_map_find(const struct sf_tuple_map *m,
                                         const struct sf_tuple *key);

#endif /* SF_TCP_TUPLE_H */
