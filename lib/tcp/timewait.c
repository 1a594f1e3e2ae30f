/*
 * TIME-WAIT records (timewait.h): a bounded table, one list by expiry,
 * and the decision for a segment that hits a record.
 *
 * Map:
 *   unlink, link_newest (static)     the expiry list
 *   sf__tw_init / sf__tw_free        set up; flush every record
 *   sf__tw_make_room                 recycling the oldest at max
 *   sf__tw_add(_until) / _find / _remove  records in and out
 *   sf__tw_restart / _expire         the 2MSL timer; next_deadline
 *   sf__tw_segment                   RFC 9293 3.10.7.4, RFC 1337, RFC 6191,
 *                                    RFC 7323 PAWS
 *
 * Every record lives the same 2MSL and a restart makes it the newest, so
 * appending at the newest end keeps the list sorted by expiry: the oldest
 * record is the next to expire and the one to recycle. A record made
 * part way through its 2MSL is placed by its expiry, looking from the
 * newest end (its expiry is near there: the rest of one 2MSL). A record leaves
 * the map and the list before gone is called, so gone sees a consistent
 * table and may add or remove other records.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "tcp/timewait.h"
#include "util/alloc.h"

/* sf__tw_find turns a map node back into its record. */
_Static_assert(offsetof(struct sf_tw_record, node) == 0,
               "node must be the first member of sf_tw_record");

void sf__tw_init(struct sf_tw_table *t, const struct sf_secret *s,
                 unsigned max, sf_time_t duration,
                 void (*gone)(void *, struct sf_tw_record *,
                              enum sf_tw_gone_reason, sf_time_t),
                 void *ctx) {
  sf__tuple_map_init(&t->map, s);
  t->oldest = t->newest = NULL;
  t->count = 0;
  t->attached = 0;
  t->max = max;
  t->duration = duration;
  t->gone = gone;
  t->ctx = ctx;
}

static void unlink_record(struct sf_tw_table *t, struct sf_tw_record *r) {
  if (r->older)
    r->older->newer = r->newer;
  else
    t->oldest = r->newer;
  if (r->newer)
    r->newer->older = r->older;
  else
    t->newest = r->older;
  r->older = r->newer = NULL;
}

static void link_newest(struct sf_tw_table *t, struct sf_tw_record *r) {
  r->newer = NULL;
  r->older = t->newest;
  if (t->newest)
    t->newest->newer = r;
  else
    t->oldest = r;
  t->newest = r;
}

void sf__tw_remove(struct sf_tw_table *t, struct sf_tw_record *r,
                   enum sf_tw_gone_reason why, sf_time_t now) {
  sf__tuple_map_remove(&t->map, &r->node);
  unlink_record(t, r);
  t->count--;
  if (t->gone)
    t->gone(t->ctx, r, why, now);
  free(r);
}

void sf__tw_free(struct sf_tw_table *t, sf_time_t now) {
  while (t->oldest)
    sf__tw_remove(t, t->oldest, SF_TW_FLUSHED, now);
  sf__tuple_map_free(&t->map);
}

bool sf__tw_make_room(struct sf_tw_table *t, unsigned room, sf_time_t now) {
  /* A loop, not an if: gone may add records meanwhile. */
  while ((uint64_t)t->count + t->attached + room > t->max && t->oldest)
    sf__tw_remove(t, t->oldest, SF_TW_RECYCLED, now);
  return (uint64_t)t->count + t->attached + room <= t->max;
}

/* Links r after the newest record that expires no later than it. */
static void link_by_expiry(struct sf_tw_table *t, struct sf_tw_record *r) {
  struct sf_tw_record *before = t->newest;
  while (before && before->expires > r->expires)
    before = before->older;
  if (before == t->newest) {
    link_newest(t, r);
    return;
  }
  r->older = before;
  r->newer = before ? before->newer : t->oldest;
  r->newer->older = r;
  if (before)
    before->newer = r;
  else
    t->oldest = r;
}

struct sf_tw_record *sf__tw_add_until(struct sf_tw_table *t,
                                      const struct sf_tw_record *tmpl,
                                      sf_time_t expires, sf_time_t now) {
  /* Full: the oldest record (the next to expire anyway) makes room. */
  if (!sf__tw_make_room(t, 1, now))
    return NULL;
  struct sf_tw_record *r = sf__alloc(sizeof *r);
  if (!r)
    return NULL;
  *r = *tmpl;
  r->node.next = NULL;
  r->node.hash = 0;
  r->expires = expires;
  if (sf__tuple_map_insert(&t->map, &r->node) < 0) {
    free(r);
    return NULL;
  }
  link_by_expiry(t, r);
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
  struct sf_tuple_node *n = sf__tuple_map_find(&t->map, key);
  /* node is the first member: the record starts where its node does. */
  return (struct sf_tw_record *)n;
}

void sf__tw_restart(struct sf_tw_table *t, struct sf_tw_record *r,
                    sf_time_t now) {
  r->expires = now + t->duration;
  unlink_record(t, r);
  link_newest(t, r);
}

sf_time_t sf__tw_next_deadline(const struct sf_tw_table *t) {
  return t->oldest ? t->oldest->expires : SF_TIME_NEVER;
}

void sf__tw_expire(struct sf_tw_table *t, sf_time_t now) {
  /* Re-read oldest each time: gone may have changed the table. */
  while (t->oldest && t->oldest->expires <= now)
    sf__tw_remove(t, t->oldest, SF_TW_EXPIRED, now);
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
