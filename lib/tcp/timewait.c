/*
 * TIME-WAIT records (timewait.h): a table that grows with memory, one
 * list by expiry, and the decision for a segment that hits a record.
 *
 * Map:
 *   rec, chain_link (static)          index to record; r's link in its chain
 *   grow_chunks, take_record (static) records come from 16 KiB chunks
 *   grow_buckets, hash_insert (static) the hash chains, doubling
 *   unlink_record, link_by_expiry (static) the expiry list
 *   sf__tw_init / sf__tw_free         set up; flush every record
 *   sf__tw_make_room                  recycling the oldest at max
 *   sf__tw_add(_until) / _find / _remove  records in and out
 *   sf__tw_set_key / _tuple           the compact IPv4 key
 *   sf__tw_oldest / _newest / _newer / _older  walking the expiry list
 *   sf__tw_restart / _expire          the 2MSL timer; next_deadline
 *   sf__tw_segment                    RFC 9293 3.10.7.4, RFC 1337, RFC 6191,
 *                                     RFC 7323 PAWS
 *
 * Records are allocated SF_TW_CHUNK at a time and never move, so an
 * index (32 bits where a pointer takes 64) names one for good: the hash
 * chains, the expiry list and the free list link by index, which is what
 * keeps a record at 64 bytes. A chunk is never given back before the
 * table is freed: the table keeps its high-water mark, as a kernel's
 * slab does, and a burst of closes costs no allocation the second time.
 *
 * Every record lives the same 2MSL and a restart makes it the newest, so
 * appending at the newest end keeps the list sorted by expiry: the oldest
 * record is the next to expire and the one to recycle. A record made
 * part way through its 2MSL is placed by its expiry, looking from the
 * newest end (its expiry is near there: the rest of one 2MSL). A record
 * leaves the hash chains and the list before gone is called, and joins
 * the free list only after, so gone sees a consistent table and may add
 * or remove other records.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/timewait.h"
#include "util/alloc.h"

_Static_assert(sizeof(struct sf_tw_record) <= 64,
               "a TIME-WAIT record must stay within 64 bytes");

#define TW_MIN_BUCKETS 16u
/* Indices are 1-based 32-bit values: the most records a table can hold. */
#define TW_MAX_RECORDS (UINT32_MAX - SF_TW_CHUNK)

static struct sf_tw_record *rec(const struct sf_tw_table *t, sf_tw_index i) {
  return &t->chunks[(i - 1) / SF_TW_CHUNK][(i - 1) % SF_TW_CHUNK];
}

static struct sf_tw_record *rec_or_null(const struct sf_tw_table *t,
                                        sf_tw_index i) {
  return i ? rec(t, i) : NULL;
}

void sf__tw_init(struct sf_tw_table *t, const struct sf_secret *s,
                 struct sf_budget *mem, unsigned max, sf_time_t duration,
                 void (*gone)(void *, struct sf_tw_record *,
                              enum sf_tw_gone_reason, sf_time_t),
                 void *ctx) {
  memset(t, 0, sizeof(*t));
  t->secret = s;
  t->mem = mem;
  t->max = max;
  t->duration = duration;
  t->gone = gone;
  t->ctx = ctx;
}

bool sf__tw_set_key(struct sf_tw_record *r, const struct sf_tuple *tu) {
  if (!sf_addr_is_v4(tu->laddr) || !sf_addr_is_v4(tu->raddr))
    return false;
  r->key = (struct sf_tw_key){.laddr = tu->laddr.v4, .raddr = tu->raddr.v4,
                              .lport = tu->lport, .rport = tu->rport};
  return true;
}

struct sf_tuple sf__tw_tuple(const struct sf_tw_record *r) {
  struct sf_tuple tu = {.laddr = sf_addr_v4(r->key.laddr),
                        .raddr = sf_addr_v4(r->key.raddr),
                        .lport = r->key.lport,
                        .rport = r->key.rport};
  return tu;
}

static bool key_eq(const struct sf_tw_key *a, const struct sf_tw_key *b) {
  return a->laddr == b->laddr && a->raddr == b->raddr &&
         a->lport == b->lport && a->rport == b->rport;
}

/* The same hash the 4-tuple map uses, cut to 32 bits. */
static uint32_t key_hash(const struct sf_tw_table *t,
                         const struct sf_tuple *tu) {
  return (uint32_t)sf__tuple_hash(t->secret, tu);
}

/* Where r's index is kept in its hash chain: its bucket or the next of
 * the record before it. *result is 0 when r is not in the table. */
static sf_tw_index *chain_link(struct sf_tw_table *t,
                               const struct sf_tw_record *r) {
  sf_tw_index *p = &t->buckets[r->hash & (t->nbuckets - 1)];
  while (*p && rec(t, *p) != r)
    p = &rec(t, *p)->next;
  return p;
}

/* Moves every chain into n (a power of two) buckets. Memory for them
 * comes from the budget; on failure the old buckets stay. */
static bool grow_buckets(struct sf_tw_table *t, size_t n) {
  if (n > SIZE_MAX / sizeof(sf_tw_index) ||
      !sf__budget_take(t->mem, n * sizeof(sf_tw_index)))
    return false;
  sf_tw_index *nb = sf__alloc(n * sizeof(sf_tw_index));
  if (!nb) {
    sf__budget_give(t->mem, n * sizeof(sf_tw_index));
    return false;
  }
  memset(nb, 0, n * sizeof(sf_tw_index));
  for (size_t b = 0; b < t->nbuckets; b++) {
    sf_tw_index i = t->buckets[b];
    while (i) {
      struct sf_tw_record *r = rec(t, i);
      sf_tw_index next = r->next;
      r->next = nb[r->hash & (n - 1)];
      nb[r->hash & (n - 1)] = i;
      i = next;
    }
  }
  free(t->buckets);
  sf__budget_give(t->mem, t->nbuckets * sizeof(sf_tw_index));
  t->buckets = nb;
  t->nbuckets = n;
  return true;
}

/* Files record i in its chain; the buckets double when records would
 * outnumber them (failing that, chains grow longer: no harm). False only
 * when there are no buckets at all and none can be had. */
static bool hash_insert(struct sf_tw_table *t, sf_tw_index i) {
  if (!t->buckets) {
    if (!grow_buckets(t, TW_MIN_BUCKETS))
      return false;
  } else if (t->count + 1 > t->nbuckets) {
    (void)grow_buckets(t, t->nbuckets * 2);
  }
  struct sf_tw_record *r = rec(t, i);
  sf_tw_index *head = &t->buckets[r->hash & (t->nbuckets - 1)];
  r->next = *head;
  *head = i;
  return true;
}

/* One more chunk of free records, from the budget. */
static bool grow_chunks(struct sf_tw_table *t) {
  size_t bytes = SF_TW_CHUNK * sizeof(struct sf_tw_record);
  if ((t->nchunks + 1) * (size_t)SF_TW_CHUNK > TW_MAX_RECORDS)
    return false;
  /* The pointer array doubles; it is a few bytes per chunk, uncharged. */
  if ((t->nchunks & (t->nchunks - 1)) == 0) {
    size_t cap = t->nchunks ? 2 * t->nchunks : 1;
    struct sf_tw_record **nc = sf__realloc(t->chunks, cap * sizeof(*nc));
    if (!nc)
      return false;
    t->chunks = nc;
  }
  if (!sf__budget_take(t->mem, bytes))
    return false;
  struct sf_tw_record *c = sf__alloc(bytes);
  if (!c) {
    sf__budget_give(t->mem, bytes);
    return false;
  }
  t->chunks[t->nchunks++] = c;
  /* Thread the new records onto the free list, lowest index first. */
  sf_tw_index first = (sf_tw_index)((t->nchunks - 1) * SF_TW_CHUNK + 1);
  for (sf_tw_index k = SF_TW_CHUNK; k-- > 0;) {
    c[k].next = t->free;
    t->free = first + k;
  }
  return true;
}

static void unlink_record(struct sf_tw_table *t, struct sf_tw_record *r) {
  if (r->older)
    rec(t, r->older)->newer = r->newer;
  else
    t->oldest = r->newer;
  if (r->newer)
    rec(t, r->newer)->older = r->older;
  else
    t->newest = r->older;
  r->older = r->newer = 0;
}

/* Links record i after the newest record that expires no later than it
 * (for a fresh 2MSL: at the newest end). */
static void link_by_expiry(struct sf_tw_table *t, sf_tw_index i) {
  struct sf_tw_record *r = rec(t, i);
  sf_tw_index before = t->newest;
  while (before && rec(t, before)->expires > r->expires)
    before = rec(t, before)->older;
  r->older = before;
  r->newer = before ? rec(t, before)->newer : t->oldest;
  if (r->newer)
    rec(t, r->newer)->older = i;
  else
    t->newest = i;
  if (before)
    rec(t, before)->newer = i;
  else
    t->oldest = i;
}

void sf__tw_remove(struct sf_tw_table *t, struct sf_tw_record *r,
                   enum sf_tw_gone_reason why, sf_time_t now) {
  if (!t->count)
    return; /* an empty table (perhaps no buckets yet): r is not in it */
  sf_tw_index *link = chain_link(t, r);
  sf_tw_index i = *link;
  if (!i)
    return; /* not in the table: the caller broke the contract; no harm */
  *link = r->next;
  unlink_record(t, r);
  t->count--;
  if (t->gone)
    t->gone(t->ctx, r, why, now);
  r->observer = NULL;
  r->next = t->free;
  t->free = i;
}

void sf__tw_free(struct sf_tw_table *t, sf_time_t now) {
  while (t->oldest)
    sf__tw_remove(t, rec(t, t->oldest), SF_TW_FLUSHED, now);
  for (size_t c = 0; c < t->nchunks; c++)
    free(t->chunks[c]);
  sf__budget_give(t->mem, t->nchunks * SF_TW_CHUNK *
                              sizeof(struct sf_tw_record) +
                              t->nbuckets * sizeof(sf_tw_index));
  free(t->chunks);
  free(t->buckets);
  t->chunks = NULL;
  t->buckets = NULL;
  t->nchunks = t->nbuckets = 0;
  t->free = 0;
}

bool sf__tw_make_room(struct sf_tw_table *t, unsigned room, sf_time_t now) {
  /* A loop, not an if: gone may add records meanwhile. */
  while ((uint64_t)t->count + t->attached + room > t->max && t->oldest)
    sf__tw_remove(t, rec(t, t->oldest), SF_TW_RECYCLED, now);
  return (uint64_t)t->count + t->attached + room <= t->max;
}

/* A free record's index, growing by a chunk; when memory is short the
 * oldest record is recycled for it. 0 when there is nothing to recycle. */
static sf_tw_index take_record(struct sf_tw_table *t, sf_time_t now) {
  /* A loop: gone may take the record just freed. */
  while (!t->free && !grow_chunks(t)) {
    if (!t->oldest)
      return 0;
    sf__tw_remove(t, rec(t, t->oldest), SF_TW_RECYCLED, now);
  }
  sf_tw_index i = t->free;
  t->free = rec(t, i)->next;
  return i;
}

struct sf_tw_record *sf__tw_add_until(struct sf_tw_table *t,
                                      const struct sf_tw_record *tmpl,
                                      sf_time_t expires, sf_time_t now) {
  /* Full: the oldest record (the next to expire anyway) makes room. */
  if (!sf__tw_make_room(t, 1, now))
    return NULL;
  sf_tw_index i = take_record(t, now);
  if (!i)
    return NULL;
  struct sf_tw_record *r = rec(t, i);
  *r = *tmpl;
  struct sf_tuple tu = sf__tw_tuple(r);
  r->hash = key_hash(t, &tu);
  r->expires = expires;
  if (!hash_insert(t, i)) {
    r->next = t->free;
    t->free = i;
    return NULL;
  }
  link_by_expiry(t, i);
  t->count++;
  return r;
}

struct sf_tw_record *sf__tw_add(struct sf_tw_table *t,
                                const struct sf_tw_record *tmpl,
                                sf_time_t now) {
  return sf__tw_add_until(t, tmpl, now + t->duration, now);
}

struct sf_tw_record *sf__tw_find(const struct sf_tw_table *t,
                                 const struct sf_tuple *key) {
  struct sf_tw_record probe;
  if (!t->count || !sf__tw_set_key(&probe, key))
    return NULL;
  uint32_t h = key_hash(t, key);
  for (sf_tw_index i = t->buckets[h & (t->nbuckets - 1)]; i;
       i = rec(t, i)->next) {
    struct sf_tw_record *r = rec(t, i);
    if (r->hash == h && key_eq(&r->key, &probe.key))
      return r;
  }
  return NULL;
}

struct sf_tw_record *sf__tw_oldest(const struct sf_tw_table *t) {
  return rec_or_null(t, t->oldest);
}

struct sf_tw_record *sf__tw_newest(const struct sf_tw_table *t) {
  return rec_or_null(t, t->newest);
}

struct sf_tw_record *sf__tw_newer(const struct sf_tw_table *t,
                                  const struct sf_tw_record *r) {
  return rec_or_null(t, r->newer);
}

struct sf_tw_record *sf__tw_older(const struct sf_tw_table *t,
                                  const struct sf_tw_record *r) {
  return rec_or_null(t, r->older);
}

void sf__tw_restart(struct sf_tw_table *t, struct sf_tw_record *r,
                    sf_time_t now) {
  sf_tw_index i = t->count ? *chain_link(t, r) : 0;
  if (!i)
    return; /* not in the table */
  unlink_record(t, r);
  r->expires = now + t->duration;
  link_by_expiry(t, i);
}

sf_time_t sf__tw_next_deadline(const struct sf_tw_table *t) {
  return t->oldest ? rec(t, t->oldest)->expires : SF_TIME_NEVER;
}

void sf__tw_expire(struct sf_tw_table *t, sf_time_t now) {
  /* Re-read oldest each time: gone may have changed the table. */
  while (t->oldest && rec(t, t->oldest)->expires <= now)
    sf__tw_remove(t, rec(t, t->oldest), SF_TW_EXPIRED, now);
}

/*
 * RFC 6191 section 2: may a SYN for this 4-tuple open a new incarnation?
 * With timestamps on the old connection and in the SYN: when its TSval is
 * newer than TS.Recent, or equal with a sequence number beyond the old
 * one. Otherwise: when its sequence number is beyond rcv_nxt (RFC 1122
 * 4.2.2.13). RFC 6191 would also admit any SYN with timestamps after a
 * connection without them; we keep the stricter sequence test, as Linux.
 */
static bool syn_may_reuse(const struct sf_tw_record *r,
                          const struct sf_tcp_hdr *h) {
  bool seq_beyond = sf_seq_gt(h->seq, r->rcv_nxt);
  if ((r->flags & SF_TW_TIMESTAMPS) &&
      (h->opts.present & SF_TCP_OPT_TIMESTAMP)) {
    int32_t d = (int32_t)(h->opts.ts_val - r->ts_recent);
    return d > 0 || (d == 0 && seq_beyond);
  }
  return seq_beyond;
}

/* RFC 9293 3.10.7.4, first check: the four cases of the acceptability
 * table, with RCV.NXT = rcv_nxt and RCV.WND = the record's window. */
static bool acceptable(const struct sf_tw_record *r,
                       const struct sf_tcp_hdr *h) {
  uint32_t len = sf__tcp_seg_len(h);
  sf_seq_t end = sf_seq_add(r->rcv_nxt, r->window);
  if (r->window == 0)
    return len == 0 && sf_seq_eq(h->seq, r->rcv_nxt);
  if (len == 0)
    return sf_seq_in_range(h->seq, r->rcv_nxt, end);
  return sf_seq_in_range(h->seq, r->rcv_nxt, end) ||
         sf_seq_in_range(sf_seq_add(h->seq, len - 1), r->rcv_nxt, end);
}

enum sf_tw_action sf__tw_segment(const struct sf_tw_record *r,
                                 const struct sf_tcp_hdr *h) {
  /* RFC 1337 (TIME-WAIT assassination, hazard H1): ignore every RST. */
  if (h->flags & SF_TCP_RST)
    return SF_TW_DROP;
  /* A pure SYN may start a new incarnation (RFC 6191). Refused, or a
   * SYN-ACK (no listener takes one): an ACK, as RFC 9293 3.10.7.4 and
   * RFC 5961 4.2 answer a SYN in a synchronized state. */
  if (h->flags & SF_TCP_SYN) {
    if (!(h->flags & SF_TCP_ACK) && syn_may_reuse(r, h))
      return SF_TW_NEW_SYN;
    return SF_TW_ACK;
  }
  if (r->flags & SF_TW_TIMESTAMPS) {
    /* RFC 7323 3.2: once negotiated, a non-RST segment without TSopt
     * SHOULD be silently dropped. */
    if (!(h->opts.present & SF_TCP_OPT_TIMESTAMP))
      return SF_TW_DROP;
    /* RFC 7323 5.3 R1 (PAWS): an older TSval is a stale duplicate;
     * ACK it (unless RST, handled above). */
    if ((int32_t)(h->opts.ts_val - r->ts_recent) < 0)
      return SF_TW_ACK;
  }
  /* The peer did not hear our ACK of its FIN and sent it again: its FIN
   * occupies rcv_nxt - 1. RFC 9293 3.10.7.4 (TIME-WAIT): acknowledge it
   * and restart the 2MSL timeout. */
  if ((h->flags & SF_TCP_FIN) &&
      sf_seq_eq(sf_seq_add(h->seq, (uint32_t)h->payload_len),
                sf_seq_add(r->rcv_nxt, UINT32_MAX)))
    return SF_TW_ACK_RESTART;
  /* Not acceptable: send an ACK (RFC 9293 3.10.7.4, first check). */
  if (!acceptable(r, h))
    return SF_TW_ACK;
  /* Acceptable: nothing new can arrive after the peer's FIN; the text is
   * ignored and a plain ACK needs no answer. */
  return SF_TW_DROP;
}
