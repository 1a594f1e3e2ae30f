/*
 * The per-interface ARP cache (arp_cache.h): a fixed array of entries
 * found through a hash of chains, kept on an LRU list for eviction, with
 * one deadline each and the smallest of them cached in c->earliest so the
 * reactor's next wake-up costs nothing to ask for. Also the frame buffers
 * and FIFOs the IP layer parks here and queues for transmission.
 *
 * Entry points: sf__arp_cache_{init,destroy,resolve,confirm,update,
 * lookup,next_deadline,poll,pop_failed,count},
 * sf__ip_frame_{alloc,free,pool_drain,list_*}.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ip/arp_cache.h"
#include "synfin.h"
#include "util/alloc.h"

#define NIL UINT32_MAX

/* ---------------------------------------------------------------- frames */

static const size_t frame_cap[SF_IP_FRAME_CLASSES] = {SF_IP_FRAME_SMALL,
                                                      SF_IP_FRAME_LARGE};
static const unsigned frame_keep[SF_IP_FRAME_CLASSES] = SF_IP_FRAME_POOL_KEEP;

struct sf_ip_frame *sf__ip_frame_alloc(struct sf_ip_frame_pool *pool,
                                       size_t len) {
  if (len > SF_IP_FRAME_LARGE)
    return NULL;
  uint8_t cls = len <= SF_IP_FRAME_SMALL ? 0 : 1;
  struct sf_ip_frame *f = pool ? pool->free[cls] : NULL;
  if (f) {
    pool->free[cls] = f->next;
    pool->count[cls]--;
  } else if (!(f = sf__alloc(sizeof(*f) + frame_cap[cls]))) {
    return NULL;
  }
  f->next = NULL;
  f->pool = pool;
  f->cls = cls;
  memset(&f->meta, 0, sizeof(f->meta));
  f->len = len;
  return f;
}

void sf__ip_frame_free(struct sf_ip_frame *f) {
  struct sf_ip_frame_pool *pool = f->pool;
  if (!pool || pool->count[f->cls] >= frame_keep[f->cls]) {
    free(f);
    return;
  }
  f->next = pool->free[f->cls];
  pool->free[f->cls] = f;
  pool->count[f->cls]++;
}

void sf__ip_frame_pool_drain(struct sf_ip_frame_pool *pool) {
  for (int c = 0; c < SF_IP_FRAME_CLASSES; c++) {
    while (pool->free[c]) {
      struct sf_ip_frame *f = pool->free[c];
      pool->free[c] = f->next;
      free(f);
    }
    pool->count[c] = 0;
  }
}

void sf__ip_frame_list_push(struct sf_ip_frame_list *l,
                            struct sf_ip_frame *f) {
  f->next = NULL;
  if (l->tail)
    l->tail->next = f;
  else
    l->head = f;
  l->tail = f;
  l->count++;
}

struct sf_ip_frame *sf__ip_frame_list_pop(struct sf_ip_frame_list *l) {
  struct sf_ip_frame *f = l->head;
  if (!f)
    return NULL;
  l->head = f->next;
  if (!l->head)
    l->tail = NULL;
  l->count--;
  f->next = NULL;
  return f;
}

size_t sf__ip_frame_list_clear(struct sf_ip_frame_list *l) {
  size_t n = 0;
  struct sf_ip_frame *f;
  while ((f = sf__ip_frame_list_pop(l)) != NULL) {
    sf__ip_frame_free(f);
    n++;
  }
  return n;
}

/* ------------------------------------------------- hash, LRU, deadlines */

static uint32_t bucket_of(const struct sf_arp_cache *c, uint32_t addr) {
  uint32_t h = addr * 0x9e3779b1u; /* Fibonacci hashing */
  h ^= h >> 16;
  return h & c->bucket_mask;
}

static uint32_t find(const struct sf_arp_cache *c, uint32_t addr) {
  uint32_t i = c->buckets[bucket_of(c, addr)];
  while (i != NIL && c->entries[i].addr != addr)
    i = c->entries[i].hnext;
  return i;
}

static void hash_unlink(struct sf_arp_cache *c, uint32_t i) {
  uint32_t *p = &c->buckets[bucket_of(c, c->entries[i].addr)];
  while (*p != i)
    p = &c->entries[*p].hnext;
  *p = c->entries[i].hnext;
}

static void lru_unlink(struct sf_arp_cache *c, uint32_t i) {
  struct sf_arp_entry *e = &c->entries[i];
  if (e->lprev != NIL)
    c->entries[e->lprev].lnext = e->lnext;
  else
    c->lru_head = e->lnext;
  if (e->lnext != NIL)
    c->entries[e->lnext].lprev = e->lprev;
  else
    c->lru_tail = e->lprev;
}

static void lru_push_front(struct sf_arp_cache *c, uint32_t i) {
  struct sf_arp_entry *e = &c->entries[i];
  e->lprev = NIL;
  e->lnext = c->lru_head;
  if (c->lru_head != NIL)
    c->entries[c->lru_head].lprev = i;
  else
    c->lru_tail = i;
  c->lru_head = i;
}

static void lru_touch(struct sf_arp_cache *c, uint32_t i) {
  if (c->lru_head == i)
    return;
  lru_unlink(c, i);
  lru_push_front(c, i);
}

static void recompute_earliest(struct sf_arp_cache *c) {
  sf_time_t t = SF_TIME_NEVER;
  for (uint32_t i = c->lru_head; i != NIL; i = c->entries[i].lnext)
    if (c->entries[i].deadline < t)
      t = c->entries[i].deadline;
  c->earliest = t;
}

/* The only writer of deadlines outside poll: keeps c->earliest exact. */
static void set_deadline(struct sf_arp_cache *c, struct sf_arp_entry *e,
                         sf_time_t t) {
  sf_time_t old = e->deadline;
  e->deadline = t;
  if (t <= c->earliest)
    c->earliest = t;
  else if (old == c->earliest && !c->polling)
    recompute_earliest(c);
}

/* ------------------------------------------------------------- entries */

static uint32_t index_of(const struct sf_arp_cache *c,
                         const struct sf_arp_entry *e) {
  return (uint32_t)(e - c->entries);
}

/* Returns entry i to the free list, dropping anything parked on it. */
static size_t entry_free(struct sf_arp_cache *c, uint32_t i) {
  struct sf_arp_entry *e = &c->entries[i];
  size_t dropped = sf__ip_frame_list_clear(&e->parked);
  if (e->notify)
    c->n_notify--;
  hash_unlink(c, i);
  lru_unlink(c, i);
  e->state = SF_ARP_FREE;
  e->notify = false;
  set_deadline(c, e, SF_TIME_NEVER);
  e->lnext = c->free_head;
  c->free_head = i;
  c->used--;
  return dropped;
}

/* REACHABLE, STALE, DELAY or PROBE: frames go to e->mac. */
static bool has_mac(const struct sf_arp_entry *e) {
  return e->state >= SF_ARP_REACHABLE && e->state <= SF_ARP_PROBE;
}

/*
 * Makes room by evicting the least recently used entry that holds no
 * frames and owes no report: one with an address, or FAILED and already
 * reported.
 */
static bool evict_one(struct sf_arp_cache *c) {
  for (uint32_t i = c->lru_tail; i != NIL; i = c->entries[i].lprev) {
    const struct sf_arp_entry *e = &c->entries[i];
    if (has_mac(e) || (e->state == SF_ARP_FAILED && !e->notify)) {
      entry_free(c, i);
      c->ctr->arp_cache_evicted++;
      return true;
    }
  }
  return false;
}

/* A new entry for addr at the front of the LRU list, or NULL. */
static struct sf_arp_entry *entry_alloc(struct sf_arp_cache *c,
                                        uint32_t addr) {
  if (c->free_head == NIL && !evict_one(c))
    return NULL;
  uint32_t i = c->free_head;
  struct sf_arp_entry *e = &c->entries[i];
  c->free_head = e->lnext;
  memset(e, 0, sizeof(*e));
  e->addr = addr;
  e->deadline = SF_TIME_NEVER;
  uint32_t b = bucket_of(c, addr);
  e->hnext = c->buckets[b];
  c->buckets[b] = i;
  lru_push_front(c, i);
  c->used++;
  return e;
}

int sf__arp_cache_init(struct sf_arp_cache *c, const struct sf_ip_params *p,
                       struct sf_ip_counters *ctr) {
  memset(c, 0, sizeof(*c));
  uint32_t nb = 1;
  while (nb < p->arp_cache_size)
    nb <<= 1;
  c->entries = calloc(p->arp_cache_size, sizeof(*c->entries));
  c->buckets = malloc(nb * sizeof(*c->buckets));
  if (!c->entries || !c->buckets) {
    free(c->entries);
    free(c->buckets);
    return SF_ENOMEM;
  }
  c->size = p->arp_cache_size;
  c->bucket_mask = nb - 1;
  for (uint32_t b = 0; b < nb; b++)
    c->buckets[b] = NIL;
  for (uint32_t i = 0; i < c->size; i++) {
    c->entries[i].deadline = SF_TIME_NEVER;
    c->entries[i].lnext = i + 1 < c->size ? i + 1 : NIL;
  }
  c->free_head = 0;
  c->lru_head = c->lru_tail = NIL;
  c->earliest = SF_TIME_NEVER;
  c->retries = p->arp_retries;
  c->pending_max = p->arp_pending_max;
  c->retry_interval = p->arp_retry_interval;
  c->reachable_time = p->arp_reachable_time;
  /* A failed hop is refused for one retry interval, then tried again. */
  c->hold_time = p->arp_retry_interval;
  c->ctr = ctr;
  return 0;
}

void sf__arp_cache_destroy(struct sf_arp_cache *c) {
  if (!c->entries)
    return;
  for (uint32_t i = 0; i < c->size; i++)
    sf__ip_frame_list_clear(&c->entries[i].parked);
  free(c->entries);
  free(c->buckets);
  c->entries = NULL;
  c->buckets = NULL;
}

/* ----------------------------------------------------------- resolving */

static int park(struct sf_arp_cache *c, struct sf_arp_entry *e,
                struct sf_ip_frame *f) {
  if (!f)
    return 0;
  if (e->parked.count >= c->pending_max) {
    c->ctr->arp_pending_dropped++;
    return SF_ENOBUFS;
  }
  sf__ip_frame_list_push(&e->parked, f);
  return 0;
}

/* Starts a resolution: the caller sends the first request now. */
static int start(struct sf_arp_cache *c, struct sf_arp_entry *e,
                 struct sf_ip_frame *f, sf_time_t now) {
  e->state = SF_ARP_INCOMPLETE;
  e->requests = 1;
  set_deadline(c, e, now + c->retry_interval);
  if (f)
    sf__ip_frame_list_push(&e->parked, f); /* empty list: always fits */
  return SF_ARP_SEND_REQUEST;
}

int sf__arp_cache_resolve(struct sf_arp_cache *c, uint32_t addr,
                          struct sf_ip_frame *f, sf_time_t now,
                          struct sf_eth_addr *mac) {
  uint32_t i = find(c, addr);
  if (i == NIL) {
    struct sf_arp_entry *e = entry_alloc(c, addr);
    if (!e) {
      c->ctr->arp_cache_full++;
      return SF_ENOBUFS;
    }
    return start(c, e, f, now);
  }
  struct sf_arp_entry *e = &c->entries[i];
  lru_touch(c, i);
  switch (e->state) {
  case SF_ARP_INCOMPLETE: {
    int rc = park(c, e, f);
    return rc < 0 ? rc : SF_ARP_PARKED;
  }
  case SF_ARP_FAILED:
    if (now < e->deadline) {
      c->ctr->arp_hold_refused++;
      return SF_EHOSTUNREACH;
    }
    return start(c, e, f, now);
  case SF_ARP_STALE:
    /* In use again: the layer above may confirm it before a probe. */
    e->state = SF_ARP_DELAY;
    set_deadline(c, e, now + SF_ARP_DELAY_FIRST_PROBE);
    break;
  default: /* REACHABLE, DELAY, PROBE */
    break;
  }
  *mac = e->mac;
  return SF_ARP_HIT;
}

static void become_reachable(struct sf_arp_cache *c, struct sf_arp_entry *e,
                             sf_time_t now) {
  e->state = SF_ARP_REACHABLE;
  e->requests = 0;
  e->confirmed = now;
  set_deadline(c, e, now + c->reachable_time);
}

void sf__arp_cache_confirm(struct sf_arp_cache *c, uint32_t addr,
                           sf_time_t now) {
  uint32_t i = find(c, addr);
  if (i == NIL || !has_mac(&c->entries[i]))
    return;
  struct sf_arp_entry *e = &c->entries[i];
  if (e->state == SF_ARP_REACHABLE)
    e->confirmed = now; /* its timer looks at this when it fires */
  else
    become_reachable(c, e, now);
}

bool sf__arp_cache_update(struct sf_arp_cache *c, uint32_t addr,
                          const struct sf_eth_addr *mac, bool learn,
                          sf_time_t now, struct sf_ip_frame_list *released) {
  uint32_t i = find(c, addr);
  struct sf_arp_entry *e;
  if (i != NIL) {
    e = &c->entries[i];
  } else {
    if (!learn || !(e = entry_alloc(c, addr)))
      return false;
  }
  if (e->state == SF_ARP_INCOMPLETE) {
    c->ctr->arp_resolved++;
    struct sf_ip_frame *f;
    while ((f = sf__ip_frame_list_pop(&e->parked)) != NULL)
      sf__ip_frame_list_push(released, f);
  }
  e->mac = *mac;
  become_reachable(c, e, now);
  lru_touch(c, index_of(c, e));
  return true;
}

const struct sf_arp_entry *sf__arp_cache_lookup(const struct sf_arp_cache *c,
                                                uint32_t addr) {
  uint32_t i = find(c, addr);
  return i == NIL ? NULL : &c->entries[i];
}

sf_time_t sf__arp_cache_next_deadline(const struct sf_arp_cache *c) {
  return c->earliest;
}

uint32_t sf__arp_cache_count(const struct sf_arp_cache *c) { return c->used; }

/* ---------------------------------------------------------------- timers */

/* The retries are spent: RFC 1122 2.3.2.2 says drop what waited. */
static void fail(struct sf_arp_cache *c, struct sf_arp_entry *e,
                 sf_time_t now) {
  c->ctr->arp_failed_dropped += sf__ip_frame_list_clear(&e->parked);
  c->ctr->arp_failed++;
  e->state = SF_ARP_FAILED;
  if (!e->notify) {
    e->notify = true;
    c->n_notify++;
  }
  e->deadline = now + c->hold_time;
}

/* A unicast probe to the cached address, or failure after retries. */
static void probe(struct sf_arp_cache *c, struct sf_arp_entry *e,
                  sf_time_t now,
                  void (*send_request)(void *, uint32_t,
                                       const struct sf_eth_addr *),
                  void *ctx) {
  if (e->requests >= c->retries) {
    fail(c, e, now);
    return;
  }
  e->requests++;
  e->deadline = now + c->retry_interval;
  send_request(ctx, e->addr, &e->mac);
}

/* A REACHABLE entry's time is up, unless something confirmed it since. */
static void reachable_expired(struct sf_arp_cache *c, struct sf_arp_entry *e,
                              sf_time_t now) {
  sf_time_t until = e->confirmed + c->reachable_time;
  if (until > now) {
    e->deadline = until;
    return;
  }
  e->state = SF_ARP_STALE;
  e->deadline = now + c->reachable_time;
}

/* One entry's deadline has come. Writes e->deadline directly: poll
 * recomputes c->earliest once at the end. */
static void expire(struct sf_arp_cache *c, struct sf_arp_entry *e,
                   sf_time_t now,
                   void (*send_request)(void *, uint32_t,
                                        const struct sf_eth_addr *),
                   void *ctx) {
  switch (e->state) {
  case SF_ARP_INCOMPLETE:
    if (e->requests >= c->retries) {
      fail(c, e, now);
      return;
    }
    e->requests++;
    e->deadline = now + c->retry_interval;
    send_request(ctx, e->addr, NULL);
    return;
  case SF_ARP_REACHABLE:
    reachable_expired(c, e, now);
    return;
  case SF_ARP_DELAY: /* unconfirmed: confirm would have ended DELAY */
    e->state = SF_ARP_PROBE;
    e->requests = 0;
    probe(c, e, now, send_request, ctx);
    return;
  case SF_ARP_PROBE:
    probe(c, e, now, send_request, ctx);
    return;
  default: /* STALE and unused, or the end of a FAILED hold */
    entry_free(c, index_of(c, e));
    return;
  }
}

void sf__arp_cache_poll(struct sf_arp_cache *c, sf_time_t now,
                        void (*send_request)(void *ctx, uint32_t addr,
                                             const struct sf_eth_addr *mac),
                        void *ctx) {
  if (now < c->earliest)
    return;
  /* One pass; earliest is recomputed once at the end, not per entry. */
  c->polling = true;
  for (uint32_t i = 0; i < c->size; i++) {
    struct sf_arp_entry *e = &c->entries[i];
    if (e->state != SF_ARP_FREE && e->deadline <= now)
      expire(c, e, now, send_request, ctx);
  }
  c->polling = false;
  recompute_earliest(c);
}

bool sf__arp_cache_pop_failed(struct sf_arp_cache *c, uint32_t *addr) {
  if (!c->n_notify)
    return false;
  for (uint32_t i = c->lru_head; i != NIL; i = c->entries[i].lnext) {
    struct sf_arp_entry *e = &c->entries[i];
    if (e->notify) {
      e->notify = false;
      c->n_notify--;
      *addr = e->addr;
      return true;
    }
  }
  return false;
}
