/*
 * RACK loss detection (RFC 8985 section 6), where SACK is negotiated and
 * the configuration allows it (cfg.rack): a segment is lost once a
 * segment sent after it has been delivered and a reordering window has
 * passed since, RACK.rtt + RACK.reo_wnd after its own transmission. Time,
 * not a count of duplicates, so the last segments of a flight and lost
 * retransmissions are found without waiting for three duplicate ACKs or
 * an RTO.
 *
 * What it keeps: one record per transmission (struct sf_rack_seg), in
 * sequence order, split where a retransmission or a SACK block covers
 * part of one; the array is allocated with the first transmission, small,
 * and doubles as the flight grows, up to the send buffer in full segments
 * plus a split at every SACK block edge: a connection that only ever has
 * a few segments in flight (a request, a reply) holds a few records, and
 * a bulk sender reaches its size once and allocates no more. A
 * transmission that finds it full (or no memory to grow) is not kept:
 * RACK never calls those bytes lost, the probe and the RTO still cover
 * them.
 *
 * The reordering window is a quarter of the minimum RTT once the path
 * has shown reordering (a segment never retransmitted delivered below
 * the highest delivered), or while a loss is not yet likely; it grows by
 * that much per round with a D-SACK, and per fast retransmit Eifel finds
 * spurious (synfin's receiver sends no D-SACKs, and Eifel sees the same
 * thing earlier).
 *
 * Map:
 *   sf__rack_on_send          a transmission: a new record, or a record
 *                             retransmitted
 *   sf__rack_on_ack           what an ACK delivered (6.2 steps 1-3) and
 *                             which segments that makes lost (steps 4-5)
 *   sf__rack_shift            SND.UNA advanced: records below it go
 *   sf__rack_retransmit_lost  the repair of what was marked lost
 *   sf__rack_arm, sf__rack_timer_fired  the reordering timer (6.3)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/recovery/recovery_internal.h"
#include "util/alloc.h"

#define SEG_RETRANS 0x1   /* sent more than once: RTT samples ambiguous */
#define SEG_DELIVERED 0x2 /* SACKed, or cumulatively ACKed */
#define SEG_LOST 0x4      /* marked lost, not retransmitted since */

/* RFC 8985 6.2 step 4: the window grows per round with a D-SACK, and
 * falls back after this many recoveries without one. */
#define REO_WND_PERSIST 16

bool sf__rack_active(const struct sf_tcb *t) {
  return t->eng->cfg.rack && (t->flags & SF_TF_SACK) && !t->rack.off;
}

static struct sf_rack_seg *seg_at(struct sf_rack *r, unsigned k) {
  return &r->seg[r->first + k];
}

/* The first transmission: the records' memory and the initial state;
 * after an empty flight or an idle spell gave the records back
 * (sf__rack_shift, sf__rack_release_idle), only the memory: what RACK
 * has learnt of the path stays. */
static bool start_tracking(struct sf_tcb *t) {
  struct sf_rack *r = &t->rack;
  if (r->seg)
    return true;
  unsigned max = (unsigned)(t->eng->cfg.sndbuf / t->smss) + 1 +
                 2 * SF_ASM_MAX_RANGES;
  unsigned cap = max < SF_RACK_FIRST_RECORDS ? max : SF_RACK_FIRST_RECORDS;
  /* not zeroed: a record is written whole before it is read (append) */
  r->seg = cap == SF_RACK_FIRST_RECORDS
               ? sf__pool_get(&t->eng->rack_pool)
               : sf__alloc((size_t)cap * sizeof(*r->seg));
  if (!r->seg) {
    r->off = true;
    return false;
  }
  r->cap = cap;
  r->max = max;
  if (r->started)
    return true;
  r->started = true;
  r->min_rtt = SF_TIME_NEVER;
  r->reo_at = SF_TIME_NEVER;
  r->reo_wnd_mult = 1;
  r->fack = t->snd_una;
  return true;
}

void sf__rack_free(struct sf_tcb *t) {
  struct sf_rack *r = &t->rack;
  if (!r->seg)
    return;
  if (r->cap == SF_RACK_FIRST_RECORDS) /* never grown: the next one's */
    sf__pool_put(&t->eng->rack_pool, r->seg);
  else
    free(r->seg);
  r->seg = NULL;
}

/* Gives the empty array back; the next transmission takes one again
 * (start_tracking). */
static void release_empty(struct sf_tcb *t) {
  sf__rack_free(t);
  t->rack.cap = 0;
  t->rack.first = 0;
}

void sf__rack_release_idle(struct sf_tcb *t) {
  if (t->rack.n == 0)
    release_empty(t);
}

/* Doubles the array, up to max; false when it is at max or no memory. */
static bool grow(struct sf_rack *r) {
  if (r->cap >= r->max)
    return false;
  unsigned cap = r->cap > r->max / 2 ? r->max : 2 * r->cap;
  struct sf_rack_seg *seg = sf__realloc(r->seg, (size_t)cap * sizeof(*seg));
  if (!seg)
    return false;
  r->seg = seg;
  r->cap = cap;
  return true;
}

/* Room for one more record at the end: the used slots move to the front
 * when the end of the array is reached, and the array grows when full. */
static bool make_room(struct sf_rack *r) {
  if (r->n == r->cap && !grow(r))
    return false;
  if (r->first + r->n == r->cap) {
    memmove(r->seg, seg_at(r, 0), r->n * sizeof(*r->seg));
    r->first = 0;
  }
  return true;
}

/* Record k becomes [start, at) and [at, end), both as it was. */
static bool split(struct sf_rack *r, unsigned k, sf_seq_t at) {
  if (!make_room(r))
    return false;
  struct sf_rack_seg *s = seg_at(r, k);
  memmove(s + 1, s, (r->n - k) * sizeof(*s));
  r->n++;
  s->end = at;
  s[1].start = at;
  return true;
}

/* The index of the first record ending after seq, split so that it
 * starts at seq if seq falls inside it (when there is room). */
static unsigned find_from(struct sf_rack *r, sf_seq_t seq) {
  unsigned k = 0;
  while (k < r->n && sf_seq_leq(seg_at(r, k)->end, seq))
    k++;
  if (k < r->n && sf_seq_lt(seg_at(r, k)->start, seq) && split(r, k, seq))
    k++;
  return k;
}

/* Record k, split so that it ends at end if end falls inside it. */
static struct sf_rack_seg *clip_to(struct sf_rack *r, unsigned k,
                                   sf_seq_t end) {
  struct sf_rack_seg *s = seg_at(r, k);
  if (sf_seq_gt(s->end, end) && split(r, k, end))
    s = seg_at(r, k);
  return s;
}

static void append(struct sf_tcb *t, sf_seq_t seq, sf_seq_t end) {
  struct sf_rack *r = &t->rack;
  if (!make_room(r))
    return;
  *seg_at(r, r->n++) = (struct sf_rack_seg){
      .start = seq, .end = end, .xmit_ts = t->eng->now};
}

void sf__rack_on_send(struct sf_tcb *t, sf_seq_t seq, uint32_t len) {
  if (!sf__rack_active(t) || len == 0 || !start_tracking(t))
    return;
  struct sf_rack *r = &t->rack;
  sf_seq_t end = sf_seq_add(seq, len);
  if (r->n == 0 || sf_seq_geq(seq, seg_at(r, r->n - 1)->end)) {
    append(t, seq, end);
    return;
  }
  for (unsigned k = find_from(r, seq);
       k < r->n && sf_seq_lt(seg_at(r, k)->start, end); k++) {
    struct sf_rack_seg *s = clip_to(r, k, end);
    s->xmit_ts = t->eng->now;
    s->flags = (s->flags | SEG_RETRANS) & ~(uint32_t)SEG_LOST;
  }
  if (sf_seq_gt(end, seg_at(r, r->n - 1)->end)) /* beyond what was kept */
    append(t, seg_at(r, r->n - 1)->end, end);
}

/* RACK_sent_after: t1/seq1 was sent after t2/seq2. */
static bool sent_after(sf_time_t t1, sf_seq_t seq1, sf_time_t t2,
                       sf_seq_t seq2) {
  return t1 > t2 || (t1 == t2 && sf_seq_gt(seq1, seq2));
}

/* Whether the ACK may be for an earlier transmission than s's last: it
 * echoes an older timestamp, or came back quicker than any round trip
 * (6.2 step 2). */
static bool ambiguous(const struct sf_tcb *t, const struct sf_rack_seg *s,
                      const struct sf_tcp_hdr *h) {
  const struct sf_rack *r = &t->rack;
  if (!(s->flags & SEG_RETRANS))
    return false;
  if ((t->flags & SF_TF_TS) && (h->opts.present & SF_TCP_OPT_TIMESTAMP)) {
    /* the TSval it carried: the clock's, as many ticks ago */
    uint32_t ticks = (uint32_t)(t->eng->now / SF_NSEC_PER_MSEC -
                                s->xmit_ts / SF_NSEC_PER_MSEC);
    uint32_t tsval = sf__tcp_ts_now(t) - ticks;
    if ((int32_t)(h->opts.ts_ecr - tsval) < 0)
      return true;
  }
  return r->min_rtt != SF_TIME_NEVER && t->eng->now - s->xmit_ts < r->min_rtt;
}

/* 6.2 steps 2 and 3 for one newly delivered record, in sequence order. */
static void deliver(struct sf_tcb *t, struct sf_rack_seg *s,
                    const struct sf_tcp_hdr *h) {
  struct sf_rack *r = &t->rack;
  s->flags = (s->flags | SEG_DELIVERED) & ~(uint32_t)SEG_LOST;
  if (sf_seq_gt(s->end, r->fack))
    r->fack = s->end;
  else if (!(s->flags & SEG_RETRANS))
    r->reordering_seen = true;
  if (ambiguous(t, s, h))
    return;
  sf_time_t rtt = t->eng->now - s->xmit_ts;
  if (rtt < r->min_rtt)
    r->min_rtt = rtt;
  if (!r->delivered ||
      sent_after(s->xmit_ts, s->end, r->xmit_ts, r->end_seq)) {
    r->delivered = true;
    r->xmit_ts = s->xmit_ts;
    r->end_seq = s->end;
    r->rtt = rtt;
  }
}

/* The records [from, to) as delivered, split at both edges. */
static void deliver_range(struct sf_tcb *t, sf_seq_t from, sf_seq_t to,
                          const struct sf_tcp_hdr *h) {
  struct sf_rack *r = &t->rack;
  for (unsigned k = find_from(r, from);
       k < r->n && sf_seq_lt(seg_at(r, k)->start, to); k++) {
    struct sf_rack_seg *s = clip_to(r, k, to);
    if (!(s->flags & SEG_DELIVERED))
      deliver(t, s, h);
  }
}

/* What the ACK delivers: up to its cumulative ACK, and the scoreboard. */
static void deliveries(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (sf_seq_gt(h->ack, t->snd_una))
    deliver_range(t, t->snd_una, h->ack, h);
  for (unsigned i = 0; i < t->sacked.n; i++)
    deliver_range(t, sf_seq_add(t->snd_una, t->sacked.r[i].start),
                  sf_seq_add(t->snd_una, t->sacked.r[i].end), h);
}

/* RFC 2883: the first block reports a duplicate, below the cumulative
 * ACK or inside the second block. */
static bool has_dsack(const struct sf_tcp_hdr *h) {
  if (!(h->opts.present & SF_TCP_OPT_SACK) || h->opts.sack_count == 0)
    return false;
  const struct sf_tcp_sack_block *b = h->opts.sack;
  return sf_seq_leq(b[0].right, h->ack) ||
         (h->opts.sack_count > 1 && sf_seq_geq(b[0].left, b[1].left) &&
          sf_seq_leq(b[0].right, b[1].right));
}

/* A round with a spurious retransmission widens the window, once per
 * round (6.2 step 4). */
static void widen(struct sf_tcb *t) {
  struct sf_rack *r = &t->rack;
  if (r->dsack_round_set)
    return;
  r->dsack_round_set = true;
  r->dsack_round = t->snd_nxt;
  r->reo_wnd_mult++;
  r->reo_wnd_persist = REO_WND_PERSIST;
}

/* Bytes delivered above ack, in whole segments. */
static uint32_t segs_sacked(struct sf_tcb *t, sf_seq_t ack) {
  struct sf_rack *r = &t->rack;
  uint32_t bytes = 0;
  for (unsigned k = 0; k < r->n; k++) {
    const struct sf_rack_seg *s = seg_at(r, k);
    if ((s->flags & SEG_DELIVERED) && sf_seq_geq(s->start, ack))
      bytes += (uint32_t)sf_seq_diff(s->end, s->start);
  }
  return bytes / t->smss;
}

/* RACK.reo_wnd (6.2 step 4): none while no reordering was seen and a
 * loss is likely (recovering, or DupThresh segments SACKed above it),
 * else a quarter of the minimum RTT per D-SACK round, at most SRTT. */
static sf_time_t reo_wnd(struct sf_tcb *t, sf_seq_t ack) {
  struct sf_rack *r = &t->rack;
  if (!r->reordering_seen &&
      ((t->flags & SF_TF_IN_RECOVERY) || t->rtx_count > 0 ||
       segs_sacked(t, ack) >= SF_TCP_DUPTHRESH))
    return 0;
  sf_time_t base = r->min_rtt != SF_TIME_NEVER ? r->min_rtt : t->rtt.srtt;
  sf_time_t w = r->reo_wnd_mult * base / 4;
  return w < t->rtt.srtt ? w : t->rtt.srtt;
}

/* 6.2 step 5: marks lost every record sent before the most recently
 * sent one delivered, once RACK.rtt + reo_wnd has passed since; the
 * reordering timer for the earliest that has not. Records beyond
 * SND.NXT wait for go-back-N to send them again. */
static void detect_loss(struct sf_tcb *t, sf_seq_t ack) {
  struct sf_rack *r = &t->rack;
  sf_time_t now = t->eng->now, wait = 0;
  r->reo_at = SF_TIME_NEVER;
  if (!r->delivered)
    return;
  /* computed for the first candidate only: it walks the records too */
  sf_time_t wnd = SF_TIME_NEVER;
  for (unsigned k = 0; k < r->n; k++) {
    struct sf_rack_seg *s = seg_at(r, k);
    if (!sf_seq_lt(s->start, t->snd_nxt))
      break;
    if (s->flags & (SEG_DELIVERED | SEG_LOST))
      continue;
    if (!sent_after(r->xmit_ts, r->end_seq, s->xmit_ts, s->end)) {
      /* For a record never resent, sequence order is send order: every
       * later record went out after it, so none of them was sent before
       * RACK.xmit_ts either. Without this stop every ACK would walk the
       * whole flight. */
      if (!(s->flags & SEG_RETRANS))
        break;
      continue;
    }
    if (wnd == SF_TIME_NEVER)
      wnd = reo_wnd(t, ack);
    sf_time_t due = s->xmit_ts + r->rtt + wnd;
    if (due <= now) {
      s->flags |= SEG_LOST;
      r->maybe_lost = true;
      SF_TCP_COUNT(t->eng, tcp_rack_lost);
    } else if (due - now > wait) {
      wait = due - now;
    }
  }
  if (wait)
    r->reo_at = now + wait;
}

/* The RTX timer follows a new reordering deadline, or drops an old one. */
static void rearm(struct sf_tcb *t) {
  if (t->rack.reo_at != SF_TIME_NEVER || (t->flags & SF_TF_REO))
    sf__tcp_rtx_arm(t, false);
}

void sf__rack_on_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  struct sf_rack *r = &t->rack;
  if (!sf__rack_active(t) || !r->started)
    return;
  if (r->dsack_round_set && sf_seq_geq(h->ack, r->dsack_round))
    r->dsack_round_set = false;
  if (has_dsack(h))
    widen(t);
  deliveries(t, h);
  detect_loss(t, h->ack);
  rearm(t);
}

void sf__rack_shift(struct sf_tcb *t) {
  struct sf_rack *r = &t->rack;
  while (r->n && sf_seq_leq(seg_at(r, 0)->end, t->snd_una)) {
    r->first++;
    r->n--;
  }
  if (r->n && sf_seq_lt(seg_at(r, 0)->start, t->snd_una))
    seg_at(r, 0)->start = t->snd_una;
  if (r->n == 0) {
    r->first = 0;
    r->reo_at = SF_TIME_NEVER;
    /* Nothing in flight, nothing to find lost: the first records go back
     * to the pool now, not an RTO and a walk later (idle.c), so a
     * connection that falls silent after an exchange holds none. Taking
     * them again with the next send is a list take; a grown array stays,
     * as growing it again would cost a bulk sender allocator calls. */
    if (r->cap == SF_RACK_FIRST_RECORDS)
      release_empty(t);
  }
}

/* The first record marked lost, or NULL. maybe_lost spares the walk on
 * every ACK of a flight that lost nothing. */
static struct sf_rack_seg *first_lost(struct sf_rack *r) {
  if (!r->maybe_lost)
    return NULL;
  for (unsigned k = 0; k < r->n; k++)
    if (seg_at(r, k)->flags & SEG_LOST)
      return seg_at(r, k);
  r->maybe_lost = false;
  return NULL;
}

bool sf__rack_loss_detected(struct sf_tcb *t) {
  return sf__rack_active(t) && first_lost(&t->rack) != NULL;
}

unsigned sf__rack_retransmit_lost(struct sf_tcb *t, unsigned max) {
  unsigned sent = 0;
  struct sf_rack_seg *s;
  /* each retransmission clears the flag of what it covered (on_send) */
  while (sent < max && (s = first_lost(&t->rack))) {
    if (!sf__tcp_retransmit_at(t, s->start,
                               (uint32_t)sf_seq_diff(s->end, s->start))) {
      s->flags &= ~(uint32_t)SEG_LOST;
      continue;
    }
    sent++;
  }
  return sent;
}

/* Nothing is marked lost: what is still outstanding is judged again. */
static void forget_lost(struct sf_rack *r) {
  for (unsigned k = 0; k < r->n; k++)
    seg_at(r, k)->flags &= ~(uint32_t)SEG_LOST;
}

void sf__rack_spurious(struct sf_tcb *t) {
  if (!sf__rack_active(t))
    return;
  /* the marks made without a window were wrong as that one was */
  t->rack.reordering_seen = true;
  widen(t);
  forget_lost(&t->rack);
}

void sf__rack_recovery_done(struct sf_tcb *t) {
  struct sf_rack *r = &t->rack;
  if (r->reo_wnd_persist && --r->reo_wnd_persist == 0)
    r->reo_wnd_mult = 1;
}

bool sf__rack_arm(struct sf_tcb *t, sf_time_t rto_at) {
  sf_time_t at = t->rack.reo_at;
  if (!sf__rack_active(t) || !t->rack.started || at == SF_TIME_NEVER ||
      at >= rto_at)
    return false;
  sf__tcp_timer_set(t, SF_TT_RTX, at);
  t->flags = (t->flags | SF_TF_REO) & ~(uint32_t)SF_TF_PTO;
  return true;
}

void sf__rack_timer_fired(struct sf_tcb *t) {
  t->flags &= ~(uint32_t)SF_TF_REO;
  detect_loss(t, t->snd_una);
}

void sf__rack_on_rto(struct sf_tcb *t) {
  t->rack.reo_at = SF_TIME_NEVER;
  forget_lost(&t->rack);
}
