/*
 * The growing byte ring behind a connection's send and receive buffers
 * (ring.h).
 *
 * Map:
 *   sf__ring_init / sf__ring_free     set up, release
 *   reserve, grow (static)            make room for `need` bytes from head
 *   copy_in, span (static)            the only code that handles the wrap
 *   sf__ring_write                    append
 *   sf__ring_peek / _view / _read / _consume  look at (copied or in
 *                                     place), take, drop from the front
 *
 * Every byte has a logical position: its distance from head.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tcp/ring.h"
#include "util/alloc.h"
#include "util/pool.h"

/* The largest power of two the 32-bit counts hold; limits are clamped to
 * it so rounding the limit up to a power of two cannot overflow. */
#define RING_MAX_LIMIT ((uint32_t)1 << 31)

static size_t round_pow2(size_t n) {
  size_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

void sf__ring_init(struct sf_ring *r, size_t limit) {
  r->buf = NULL;
  r->alloc = 0;
  r->limit = limit > RING_MAX_LIMIT ? RING_MAX_LIMIT : (uint32_t)limit;
  r->head = 0;
  r->len = 0;
}

/* A buffer of n bytes: the budget's spare small ones first. */
static uint8_t *buf_alloc(const struct sf_budget *b, size_t n) {
  if (n == SF_RING_MIN_ALLOC && b && b->small)
    return sf__pool_get(b->small);
  return sf__alloc(n);
}

/* Frees the buffer: a small one back to the spares. */
static void buf_free(const struct sf_ring *r, const struct sf_budget *b) {
  if (r->alloc == SF_RING_MIN_ALLOC && b && b->small)
    sf__pool_put(b->small, r->buf);
  else
    free(r->buf);
}

void sf__ring_free(struct sf_ring *r, struct sf_budget *b) {
  buf_free(r, b);
  sf__budget_give(b, r->alloc);
  sf__ring_init(r, r->limit);
}

static size_t mask(const struct sf_ring *r) { return (size_t)r->alloc - 1; }

/* Copies n bytes to logical position pos; the room must exist. */
static void copy_in(struct sf_ring *r, size_t pos, const uint8_t *src,
                    size_t n) {
  size_t at = (r->head + pos) & mask(r);
  size_t first = r->alloc - at < n ? r->alloc - at : n;
  memcpy(r->buf + at, src, first);
  memcpy(r->buf, src + first, n - first);
}

/* Copies n bytes from logical position pos; they must be inside alloc. */
/* The n stored bytes from logical position pos: one or two pieces. */
static void span(const struct sf_ring *r, size_t pos, size_t n,
                 struct sf_ring_view v[2]) {
  size_t at = (r->head + pos) & mask(r);
  size_t first = r->alloc - at < n ? r->alloc - at : n;
  v[0] = (struct sf_ring_view){r->buf + at, first};
  v[1] = (struct sf_ring_view){r->buf, n - first};
}

static void copy_out(const struct sf_ring *r, size_t pos, uint8_t *dst,
                     size_t n) {
  struct sf_ring_view v[2];
  span(r, pos, n, v);
  memcpy(dst, v[0].p, v[0].n);
  memcpy(dst + v[0].n, v[1].p, v[1].n);
}

/* Moves to a buffer of new_alloc bytes, the stored bytes copied in
 * logical order (head becomes 0). */
static int grow(struct sf_ring *r, struct sf_budget *b, size_t new_alloc) {
  if (!sf__budget_take(b, new_alloc))
    return -1;
  uint8_t *nb = buf_alloc(b, new_alloc);
  if (!nb) {
    sf__budget_give(b, new_alloc);
    return -1;
  }
  if (r->len)
    copy_out(r, 0, nb, r->len);
  buf_free(r, b);
  sf__budget_give(b, r->alloc);
  r->buf = nb;
  r->alloc = (uint32_t)new_alloc;
  r->head = 0;
  return 0;
}

/* Ensures logical positions [0, need) exist; need <= limit. */
static int reserve(struct sf_ring *r, struct sf_budget *b, size_t need) {
  if (need <= r->alloc)
    return 0;
  size_t want = round_pow2(need);
  size_t cap = round_pow2(r->limit);
  if (want < SF_RING_MIN_ALLOC)
    want = SF_RING_MIN_ALLOC;
  if (want > cap) /* a small limit: never allocate past its power of two */
    want = cap;
  return grow(r, b, want);
}

size_t sf__ring_write(struct sf_ring *r, struct sf_budget *b,
                      const void *data, size_t n) {
  size_t room = r->limit - r->len;
  if (n > room)
    n = room; /* cut at the limit, as the header promises */
  if (n == 0 || reserve(r, b, r->len + n) != 0)
    return 0;
  copy_in(r, r->len, data, n);
  r->len += (uint32_t)n;
  return n;
}

size_t sf__ring_view(const struct sf_ring *r, size_t offset, size_t n,
                     struct sf_ring_view v[2]) {
  v[0] = v[1] = (struct sf_ring_view){r->buf, 0};
  if (offset >= r->len)
    return 0;
  if (n > r->len - offset)
    n = r->len - offset;
  span(r, offset, n, v);
  return n;
}

size_t sf__ring_peek(const struct sf_ring *r, size_t offset, void *out,
                     size_t n) {
  if (offset >= r->len)
    return 0;
  if (n > r->len - offset)
    n = r->len - offset;
  copy_out(r, offset, out, n);
  return n;
}

size_t sf__ring_read(struct sf_ring *r, void *out, size_t n) {
  return sf__ring_consume(r, sf__ring_peek(r, 0, out, n));
}

size_t sf__ring_consume(struct sf_ring *r, size_t n) {
  if (n > r->len)
    n = r->len;
  if (n == 0)
    return 0;
  r->head = (uint32_t)((r->head + n) & mask(r));
  r->len -= (uint32_t)n;
  return n;
}
