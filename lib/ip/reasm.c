/*
 * IPv4 reassembly (reasm.h): a list of datagrams in creation order, each
 * a growing payload buffer, a bitmap of its 8-byte blocks, and fragment
 * 0's header. Finding a datagram walks the list (reasm_max_datagrams is
 * small: 64 by default, 1024 at most).
 *
 * Entry points: sf__reasm_{init,destroy,insert,next_deadline,poll,count,
 * bytes}.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ip/reasm.h"
#include "synfin.h"
#include "wire/bytes.h"
#include "wire/checksum.h"

#define BLOCK 8 /* RFC 791: fragment offsets count 8-byte blocks */
#define NBLOCKS ((SF_REASM_MAX_LEN + BLOCK) / BLOCK)
#define MAX_CAP 65536u

struct sf_reasm_dgram {
  struct sf_reasm_dgram *older, *newer;
  uint32_t src, dst;
  uint16_t id;
  uint8_t proto;
  bool have_first; /* fragment 0 came: hdr holds its header */
  bool have_end;   /* the last fragment came: end is the payload length */
  uint8_t hdr_len;
  uint8_t hdr[SF_IPV4_MAX_HDR_LEN];
  uint32_t first_len; /* fragment 0's data length */
  uint32_t end;
  uint32_t high;     /* the highest end of any fragment so far */
  uint32_t received; /* payload bytes in (no overlaps: each counted once) */
  unsigned marks;
  sf_time_t deadline;
  uint8_t *buf;
  uint32_t cap;
  uint64_t blocks[(NBLOCKS + 63) / 64]; /* received 8-byte blocks */
};

_Static_assert(sizeof(struct sf_reasm_dgram) <= SF_REASM_OVERHEAD,
               "SF_REASM_OVERHEAD must cover a datagram's bookkeeping");

/* ------------------------------------------------------------ the list */

void sf__reasm_init(struct sf_reasm *r, const struct sf_ip_params *p,
                    struct sf_ip_counters *ctr) {
  memset(r, 0, sizeof(*r));
  r->max_datagrams = p->reasm_max_datagrams;
  r->max_bytes = p->reasm_max_bytes;
  r->timeout = p->reasm_timeout;
  r->ctr = ctr;
}

static void unlink_dgram(struct sf_reasm *r, struct sf_reasm_dgram *d) {
  if (d->older)
    d->older->newer = d->newer;
  else
    r->oldest = d->newer;
  if (d->newer)
    d->newer->older = d->older;
  else
    r->newest = d->older;
  r->count--;
  r->bytes -= SF_REASM_OVERHEAD + d->cap;
}

/* Takes d out of the queue and frees it (the caller counted why). */
static void drop(struct sf_reasm *r, struct sf_reasm_dgram *d) {
  unlink_dgram(r, d);
  free(d->buf);
  free(d);
}

static void evict(struct sf_reasm *r, struct sf_reasm_dgram *d) {
  r->ctr->ip_reasm_evicted++;
  drop(r, d);
}

void sf__reasm_destroy(struct sf_reasm *r) {
  while (r->oldest)
    drop(r, r->oldest);
}

static struct sf_reasm_dgram *find(const struct sf_reasm *r,
                                   const struct sf_ipv4_hdr *h) {
  for (struct sf_reasm_dgram *d = r->newest; d; d = d->older)
    if (d->id == h->id && d->src == h->src && d->dst == h->dst &&
        d->proto == h->proto)
      return d;
  return NULL;
}

/* A new datagram for h's key, after evicting the oldest ones as the caps
 * require. NULL when out of memory. */
static struct sf_reasm_dgram *create(struct sf_reasm *r,
                                     const struct sf_ipv4_hdr *h,
                                     sf_time_t now) {
  while (r->oldest && (r->count >= r->max_datagrams ||
                       r->bytes + SF_REASM_OVERHEAD > r->max_bytes))
    evict(r, r->oldest);
  struct sf_reasm_dgram *d = calloc(1, sizeof(*d));
  if (!d)
    return NULL;
  d->src = h->src;
  d->dst = h->dst;
  d->id = h->id;
  d->proto = h->proto;
  d->deadline = now + r->timeout;
  d->older = r->newest;
  if (r->newest)
    r->newest->newer = d;
  else
    r->oldest = d;
  r->newest = d;
  r->count++;
  r->bytes += SF_REASM_OVERHEAD;
  return d;
}

/*
 * Grows d's buffer to hold need bytes, evicting other datagrams (oldest
 * first) when the byte cap requires. Returns 0 or SF_ENOMEM.
 */
static int reserve(struct sf_reasm *r, struct sf_reasm_dgram *d,
                   uint32_t need) {
  if (need <= d->cap)
    return 0;
  uint32_t cap = d->cap ? d->cap : SF_REASM_MIN_CAP;
  while (cap < need)
    cap *= 2;
  if (cap > MAX_CAP)
    cap = MAX_CAP;
  size_t grow = cap - d->cap;
  /* One datagram always fits (reasm_max_bytes is validated for it). */
  while (r->bytes + grow > r->max_bytes) {
    struct sf_reasm_dgram *victim = r->oldest == d ? d->newer : r->oldest;
    if (!victim)
      return SF_ENOMEM;
    evict(r, victim);
  }
  uint8_t *b = realloc(d->buf, cap);
  if (!b)
    return SF_ENOMEM;
  d->buf = b;
  d->cap = cap;
  r->bytes += grow;
  return 0;
}

/* ------------------------------------------------------------ the bitmap */

static bool block_isset(const struct sf_reasm_dgram *d, size_t i) {
  return (d->blocks[i / 64] >> (i % 64)) & 1;
}

/* How many of blocks [b0, b1) were received. */
static size_t blocks_set(const struct sf_reasm_dgram *d, size_t b0,
                         size_t b1) {
  size_t n = 0;
  for (size_t i = b0; i < b1; i++)
    n += block_isset(d, i);
  return n;
}

static void blocks_mark(struct sf_reasm_dgram *d, size_t b0, size_t b1) {
  for (size_t i = b0; i < b1; i++)
    d->blocks[i / 64] |= (uint64_t)1 << (i % 64);
}

/* ---------------------------------------------------------------- insert */

/* What check_place found for a fragment. */
enum place { PLACE_NEW, PLACE_DUPLICATE, PLACE_BAD };

/*
 * Where fragment [off, end) may go: PLACE_NEW to store it,
 * PLACE_DUPLICATE (counted) when its bytes are in already, PLACE_BAD
 * (counted) when the datagram is inconsistent and must go.
 */
static enum place check_place(struct sf_reasm *r,
                              const struct sf_reasm_dgram *d,
                              const struct sf_ipv4_hdr *h, uint32_t off,
                              uint32_t end) {
  bool last = !(h->flags & SF_IPV4_FLAG_MF);
  /* RFC 791: the last fragment fixes the datagram's length; another
   * last fragment, or data past it, means the pieces do not fit. */
  if (last ? (d->have_end && end != d->end) || end < d->high
           : d->have_end && end > d->end) {
    r->ctr->ip_reasm_bad_end++;
    return PLACE_BAD;
  }
  size_t b0 = off / BLOCK, b1 = (end + BLOCK - 1) / BLOCK;
  size_t n = blocks_set(d, b0, b1);
  if (n == 0)
    return PLACE_NEW;
  /* Every block already in with the same bytes: a copy of what we have
   * (a retransmission or a duplicated frame). Anything else overlaps. */
  if (n == b1 - b0 && memcmp(d->buf + off, h->payload, end - off) == 0) {
    r->ctr->ip_reasm_duplicates++;
    return PLACE_DUPLICATE;
  }
  r->ctr->ip_reasm_overlap++;
  return PLACE_BAD;
}

/* Stores fragment [off, end) of d. Returns 0 or SF_ENOMEM. */
static int store(struct sf_reasm *r, struct sf_reasm_dgram *d,
                 const struct sf_ipv4_hdr *h, uint32_t off, uint32_t end) {
  if (reserve(r, d, end) < 0)
    return SF_ENOMEM;
  memcpy(d->buf + off, h->payload, end - off);
  blocks_mark(d, off / BLOCK, (end + BLOCK - 1) / BLOCK);
  d->received += end - off;
  if (end > d->high)
    d->high = end;
  if (!(h->flags & SF_IPV4_FLAG_MF)) {
    d->have_end = true;
    d->end = end;
  }
  if (off == 0) {
    /* parse put the payload right after the header */
    memcpy(d->hdr, h->payload - h->hdr_len, h->hdr_len);
    d->hdr_len = h->hdr_len;
    d->first_len = end;
    d->have_first = true;
  }
  return 0;
}

/*
 * The whole datagram, from fragment 0's header (RFC 791: the first
 * fragment's header is the datagram's; MF and the offset are cleared,
 * the total length and the checksum recomputed).
 */
static int finish(struct sf_reasm *r, struct sf_reasm_dgram *d,
                  struct sf_reasm_out *out) {
  size_t total = (size_t)d->hdr_len + d->end;
  if (total > SF_REASM_MAX_LEN) {
    r->ctr->ip_reasm_too_big++;
    drop(r, d);
    return SF_REASM_DROPPED;
  }
  uint8_t *b = malloc(total);
  if (!b) {
    r->ctr->ip_reasm_nomem++;
    drop(r, d);
    return SF_ENOMEM;
  }
  memcpy(b, d->hdr, d->hdr_len);
  sf__store_be16(b + 2, (uint16_t)total);
  b[6] &= (uint8_t)(SF_IPV4_FLAG_DF << 5); /* keep DF only */
  b[7] = 0;
  sf__store_be16(b + 10, 0);
  sf__store_be16(b + 10, sf__csum_finish(sf__csum_add(0, b, d->hdr_len)));
  memcpy(b + d->hdr_len, d->buf, d->end);
  out->data = b;
  out->len = total;
  out->marks = d->marks;
  r->ctr->ip_reasm_ok++;
  drop(r, d);
  return SF_REASM_DONE;
}

int sf__reasm_insert(struct sf_reasm *r, const struct sf_ipv4_hdr *h,
                     unsigned marks, sf_time_t now, struct sf_reasm_out *out) {
  uint32_t off = (uint32_t)h->frag_offset * BLOCK;
  uint32_t len = (uint32_t)h->payload_len;
  /* RFC 791: every fragment but the last carries a multiple of 8 bytes;
   * an empty one carries nothing to reassemble. */
  if (len == 0 || ((h->flags & SF_IPV4_FLAG_MF) && len % BLOCK)) {
    r->ctr->ip_reasm_bad_frag++;
    return SF_REASM_DROPPED;
  }
  struct sf_reasm_dgram *d = find(r, h);
  if ((size_t)off + len > SF_REASM_MAX_LEN - (size_t)h->hdr_len) {
    r->ctr->ip_reasm_too_big++;
    if (d)
      drop(r, d);
    return SF_REASM_DROPPED;
  }
  if (!d && !(d = create(r, h, now))) {
    r->ctr->ip_reasm_nomem++;
    return SF_ENOMEM;
  }
  enum place p = check_place(r, d, h, off, off + len);
  if (p == PLACE_BAD) {
    drop(r, d);
    return SF_REASM_DROPPED;
  }
  if (p == PLACE_DUPLICATE) {
    /* Its data is in already, but a last fragment still tells where the
     * datagram ends (check_place made sure end is the highest). */
    if (h->flags & SF_IPV4_FLAG_MF)
      return SF_REASM_HELD;
    d->have_end = true;
    d->end = off + len;
  } else if (store(r, d, h, off, off + len) < 0) {
    r->ctr->ip_reasm_nomem++;
    drop(r, d);
    return SF_ENOMEM;
  }
  d->marks |= marks;
  if (!d->have_end || d->received != d->end)
    return SF_REASM_HELD;
  return finish(r, d, out);
}

/* ---------------------------------------------------------------- timers */

sf_time_t sf__reasm_next_deadline(const struct sf_reasm *r) {
  return r->oldest ? r->oldest->deadline : SF_TIME_NEVER;
}

void sf__reasm_poll(struct sf_reasm *r, sf_time_t now,
                    void (*expired)(void *ctx,
                                    const struct sf_reasm_expired *e),
                    void *ctx) {
  struct sf_reasm_dgram *d;
  while ((d = r->oldest) != NULL && d->deadline <= now) {
    unlink_dgram(r, d);
    r->ctr->ip_reasm_timeout++;
    if (d->have_first && expired) {
      uint8_t quote[SF_IPV4_MAX_HDR_LEN + 8];
      size_t n = d->first_len < 8 ? d->first_len : 8;
      memcpy(quote, d->hdr, d->hdr_len);
      memcpy(quote + d->hdr_len, d->buf, n);
      struct sf_reasm_expired e = {.src = d->src, .dst = d->dst,
                                   .proto = d->proto, .marks = d->marks,
                                   .quote = quote,
                                   .quote_len = d->hdr_len + n};
      expired(ctx, &e);
    }
    free(d->buf);
    free(d);
  }
}

unsigned sf__reasm_count(const struct sf_reasm *r) { return r->count; }

size_t sf__reasm_bytes(const struct sf_reasm *r) { return r->bytes; }
