/*
 * The ARP cache of one interface (RFC 826, RFC 1122 2.3.2), and the frame
 * buffers the IP layer parks on it and queues for transmission.
 *
 * The cache is a pure state machine: it never builds or sends a frame.
 * It maps next-hop addresses to Ethernet addresses, decides when a
 * request must go out (sf__arp_cache_resolve says "send one now",
 * sf__arp_cache_poll calls send_request for each retry), holds the frames
 * waiting for a resolution and hands them back when the reply arrives
 * (sf__arp_cache_update), and drops them when the hop never answers,
 * leaving the failure for the caller to report (sf__arp_cache_pop_failed).
 *
 * Entry states and timers (deadline is the one timer of an entry), after
 * Linux's neighbour states (RFC 4861 7.3.2 for IPv6 names them):
 *   INCOMPLETE  requests sent so far < retries: next retry at deadline;
 *               else at deadline the entry fails.
 *   REACHABLE   confirmed within arp_reachable_time: by an ARP packet
 *               from the hop, or by the layer above seeing it make
 *               progress (sf__arp_cache_confirm). At deadline: REACHABLE
 *               again until confirmed + arp_reachable_time if confirmed
 *               meanwhile, else STALE.
 *   STALE       the address is still used as it is; unused for
 *               arp_reachable_time, the entry is freed. Its next use
 *               starts DELAY.
 *   DELAY       in use, unconfirmed: the layer above has
 *               SF_ARP_DELAY_FIRST_PROBE to confirm it before the first
 *               probe, at deadline.
 *   PROBE       in use while unicast requests (RFC 1122 2.3.2.1) ask the
 *               hop at its cached address, one per retry interval; after
 *               retries of them unanswered the entry fails.
 *   FAILED      the hop did not answer; until deadline (one retry
 *               interval) resolve refuses with SF_EHOSTUNREACH instead of
 *               starting over, then the entry is freed.
 * REACHABLE, STALE, DELAY and PROBE all send on the cached address: an
 * entry under traffic never parks frames again.
 * Memory is bounded: arp_cache_size entries, each with at most
 * arp_pending_max parked frames. A full cache evicts its least recently
 * used entry with an address, or FAILED and reported; entries still
 * resolving are never evicted (their frames are waiting).
 */
#ifndef SF_IP_ARP_CACHE_H
#define SF_IP_ARP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/frame.h"
#include "base/time.h"
#include "ip/ip.h"
#include "wire/eth.h"

/*
 * A frame owned by the IP layer: an Ethernet frame parked on an ARP entry
 * or waiting in a transmit queue. One allocation; data holds len bytes.
 */
struct sf_ip_frame {
  struct sf_ip_frame *next;
  struct sf_ip_frame_pool *pool; /* where it goes when freed, or NULL */
  struct sf_frame_meta meta;     /* offload work left to the link */
  size_t len;
  uint8_t cls; /* its size class in pool */
  uint8_t data[];
};

/*
 * Freed frames kept for the next ones, so that steady traffic calls
 * malloc only until the pool has seen its busiest moment. Two size
 * classes: an Ethernet frame of a 1500-byte MTU (and every ARP frame),
 * and the largest frame of all (an IPv4 datagram of 65,535 bytes, a TSO
 * frame). Each keeps at most SF_IP_FRAME_POOL_KEEP frames, so memory
 * after a burst is bounded: 1,024 x 1.5 KiB and 32 x 64 KiB, about
 * 3.6 MiB per IP layer at most.
 */
#define SF_IP_FRAME_SMALL 1536u
#define SF_IP_FRAME_LARGE (14u + 65535u)
enum { SF_IP_FRAME_CLASSES = 2 };
#define SF_IP_FRAME_POOL_KEEP {1024u, 32u}

struct sf_ip_frame_pool {
  struct sf_ip_frame *free[SF_IP_FRAME_CLASSES];
  unsigned count[SF_IP_FRAME_CLASSES];
};

/* A FIFO of frames (oldest at head). */
struct sf_ip_frame_list {
  struct sf_ip_frame *head;
  struct sf_ip_frame *tail;
  size_t count;
};

/* A frame of len bytes (contents undefined), or NULL when out of memory
 * or len is beyond the largest frame. From pool when it has one (pool
 * may be NULL: a plain allocation). */
struct sf_ip_frame *sf__ip_frame_alloc(struct sf_ip_frame_pool *pool,
                                       size_t len);
/* Gives f back to its pool, or to the allocator when the pool is full. */
void sf__ip_frame_free(struct sf_ip_frame *f);
/* Frees every frame the pool keeps. */
void sf__ip_frame_pool_drain(struct sf_ip_frame_pool *pool);
void sf__ip_frame_list_push(struct sf_ip_frame_list *l, struct sf_ip_frame *f);
/* Removes and returns the oldest frame, or NULL when the list is empty. */
struct sf_ip_frame *sf__ip_frame_list_pop(struct sf_ip_frame_list *l);
/* Frees every frame of the list; returns how many there were. */
size_t sf__ip_frame_list_clear(struct sf_ip_frame_list *l);

enum sf_arp_state {
  SF_ARP_FREE = 0,
  SF_ARP_INCOMPLETE,
  SF_ARP_REACHABLE,
  SF_ARP_STALE,
  SF_ARP_DELAY,
  SF_ARP_PROBE,
  SF_ARP_FAILED
};

/* How long a STALE entry put back in use waits for a confirmation before
 * the first probe: Linux's delay_first_probe_time. */
#define SF_ARP_DELAY_FIRST_PROBE (5 * SF_NSEC_PER_SEC)

struct sf_arp_entry {
  uint32_t addr;          /* the next hop, host byte order */
  struct sf_eth_addr mac; /* valid from REACHABLE to PROBE */
  uint8_t state;          /* enum sf_arp_state */
  bool notify;            /* failed; the caller has not been told yet */
  unsigned requests;      /* requests (or probes) sent for this resolution */
  sf_time_t deadline;     /* the state's timer (above); NEVER if FREE */
  sf_time_t confirmed;    /* the hop was last known reachable */
  uint32_t hnext;         /* hash chain */
  uint32_t lprev, lnext;  /* LRU list (most recent first), or free list */
  struct sf_ip_frame_list parked;
};

struct sf_arp_cache {
  struct sf_arp_entry *entries;
  uint32_t size;     /* arp_cache_size */
  uint32_t *buckets; /* heads of hash chains */
  uint32_t bucket_mask;
  uint32_t free_head;
  uint32_t lru_head, lru_tail;
  uint32_t used;
  uint32_t n_notify;  /* entries with notify set */
  sf_time_t earliest; /* the smallest deadline of any entry */
  bool polling;       /* inside sf__arp_cache_poll */
  unsigned retries, pending_max;
  sf_time_t retry_interval, reachable_time, hold_time;
  struct sf_ip_counters *ctr; /* the IP layer's counters, updated here */
};

/* Results of sf__arp_cache_resolve (errors are negative SF_E* codes). */
#define SF_ARP_HIT 0          /* *mac is the hop's address; frame not taken */
#define SF_ARP_PARKED 1       /* frame parked; a request is already out */
#define SF_ARP_SEND_REQUEST 2 /* frame parked; send the first request now */

/*
 * Prepares an empty cache with p's sizes and timings. ctr receives the
 * arp_* counters. Returns 0 or SF_ENOMEM.
 */
int sf__arp_cache_init(struct sf_arp_cache *c, const struct sf_ip_params *p,
                       struct sf_ip_counters *ctr);
/* Frees the entries and every parked frame. */
void sf__arp_cache_destroy(struct sf_arp_cache *c);

/*
 * Looks addr up for sending frame f (may be NULL: resolve only). Returns
 * SF_ARP_HIT for an entry with an address (a STALE one enters DELAY),
 * SF_ARP_PARKED or SF_ARP_SEND_REQUEST (the cache owns f from
 * then on), or, with f still the caller's: SF_ENOBUFS when addr already
 * has arp_pending_max frames parked (counted arp_pending_dropped) or the
 * cache is full of resolving entries (arp_cache_full); SF_EHOSTUNREACH
 * while a failed entry's hold lasts (arp_hold_refused).
 */
int sf__arp_cache_resolve(struct sf_arp_cache *c, uint32_t addr,
                          struct sf_ip_frame *f, sf_time_t now,
                          struct sf_eth_addr *mac);

/*
 * The layer above saw addr make progress (TCP: an ACK for new data), an
 * upper-layer confirmation as RFC 4861 7.3.1 has it: an entry with an
 * address is REACHABLE for arp_reachable_time from now. Cheap when it
 * is REACHABLE already (no timer moves). Other entries are left alone.
 */
void sf__arp_cache_confirm(struct sf_arp_cache *c, uint32_t addr,
                           sf_time_t now);

/*
 * Merges what an ARP packet says (RFC 826 "Packet reception"): if addr
 * has an entry, its Ethernet address becomes mac and it is REACHABLE for
 * arp_reachable_time; without one, an entry is created only when learn is
 * set (a request for our address: the sender will talk to us next). When
 * the entry was resolving, its parked frames move to *released, oldest
 * first, for the caller to address to mac and send. Returns true if addr
 * has an entry after the call.
 */
bool sf__arp_cache_update(struct sf_arp_cache *c, uint32_t addr,
                          const struct sf_eth_addr *mac, bool learn,
                          sf_time_t now, struct sf_ip_frame_list *released);

/* The entry of addr (any state but FREE), or NULL. Does not touch LRU. */
const struct sf_arp_entry *sf__arp_cache_lookup(const struct sf_arp_cache *c,
                                                uint32_t addr);

/* The earliest deadline of any entry, or SF_TIME_NEVER. */
sf_time_t sf__arp_cache_next_deadline(const struct sf_arp_cache *c);

/*
 * Runs the timers due at now: calls send_request(ctx, addr, NULL) for
 * each broadcast retry and send_request(ctx, addr, mac) for each unicast
 * probe to the cached mac; fails the hops out of retries (their parked
 * frames are freed and counted arp_failed_dropped, the entries marked
 * for sf__arp_cache_pop_failed); moves entries along the states above
 * and frees the stale and held ones. send_request must not call back
 * into the cache.
 */
void sf__arp_cache_poll(struct sf_arp_cache *c, sf_time_t now,
                        void (*send_request)(void *ctx, uint32_t addr,
                                             const struct sf_eth_addr *mac),
                        void *ctx);

/* Takes one failed hop not yet reported: true and *addr, or false. */
bool sf__arp_cache_pop_failed(struct sf_arp_cache *c, uint32_t *addr);

/* Entries in use (any state but FREE). */
uint32_t sf__arp_cache_count(const struct sf_arp_cache *c);

#endif /* SF_IP_ARP_CACHE_H */
