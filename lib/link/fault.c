/*
 * Fault-injecting link middleware (fault.h).
 *
 * Map: each direction is a `fault_dir`: its config, a splitmix64 generator,
 * a token bucket with the ring of departure times still in the future
 * (the frames "waiting for tokens"), and a binary min-heap of held frames
 * keyed by (release time, offer sequence) so equal times stay FIFO. Frame
 * buffers come from a per-direction pool that grows to the high-water
 * mark and is then reused, so steady traffic does not call malloc.
 *   offer()     one frame through loss, corruption, duplication
 *   admit()     one copy through the bucket and into the heap
 *   flush_tx()  hands due tx frames to the wrapped link
 *   fault_recv  pulls from the wrapped link, offers rx, returns due frames
 * The link's fd (wake.h) joins the wrapped link's to an eventfd raised
 * while held rx frames are due: poll raises it when their time comes,
 * recv lowers it once it has returned them all.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "link/fault.h"
#include "link/wake.h"

#define MAX_QUEUE_LIMIT (1u << 20)

struct held {
  sf_time_t release;
  uint64_t seq; /* offer order: breaks ties between equal release times */
  uint8_t *buf;
  size_t len;
  struct sf_frame_meta meta; /* offload metadata, carried unchanged */
};

struct fault_dir {
  struct sf_fault_dir_config cfg;
  struct sf_fault_dir_stats *st;
  uint64_t rng;
  uint64_t seq;
  size_t slot_size;
  /* Held frames: a min-heap of cfg.max_queue entries. */
  struct held *heap;
  size_t nheap;
  /* Free buffers (slot_size bytes each); nalloc counts all allocated. */
  uint8_t **pool;
  size_t npool;
  size_t nalloc;
  /* Token bucket, tokens scaled by 1e9 so a rate in bytes/s adds exactly
   * `rate` tokens per nanosecond. */
  uint64_t tokens;
  uint64_t bucket; /* capacity, scaled */
  sf_time_t tb_time; /* time `tokens` was computed for */
  sf_time_t last_dep; /* departure of the last frame through the bucket */
  sf_time_t *deps; /* ring of future departures, cfg.rate_queue long */
  size_t dep_head;
  size_t dep_count;
};

struct fault_link {
  struct sf_link link; /* first, so a struct sf_link * converts back */
  struct sf_link *inner;
  struct sf_fault_stats stats;
  struct fault_dir tx;
  struct fault_dir rx;
  sf_time_t tx_out_time; /* last time passed to inner's send */
  uint8_t *scratch; /* receive buffer for pulling from inner */
  struct sf_link_wake wake; /* not open when inner has no fd */
};

static const struct sf_link_ops fault_ops;

static struct fault_link *to_fault(struct sf_link *link) {
  return (struct fault_link *)link;
}

/* ---------------------------------------------------------- randomness */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough. */
static uint64_t rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* True with probability ppm / 1e6, from one draw r. */
static int chance(uint64_t r, uint32_t ppm) {
  return ((r >> 32) * SF_FAULT_PPM >> 32) < ppm;
}

/* Uniform in [0, max] from one draw r (bias below 2^-40 for sane max). */
static uint64_t upto(uint64_t r, uint64_t max) {
  return max == UINT64_MAX ? r : r % (max + 1);
}

static sf_time_t sat_add(sf_time_t a, sf_time_t b) {
  return a > SF_TIME_NEVER - b ? SF_TIME_NEVER : a + b;
}

/* ---------------------------------------------------------- held heap */

static int held_before(const struct held *a, const struct held *b) {
  return a->release < b->release ||
         (a->release == b->release && a->seq < b->seq);
}

static void heap_push(struct fault_dir *d, struct held h) {
  size_t i = d->nheap++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!held_before(&h, &d->heap[parent]))
      break;
    d->heap[i] = d->heap[parent];
    i = parent;
  }
  d->heap[i] = h;
}

/* Removes the earliest frame and gives its buffer back to the pool. */
static void heap_pop(struct fault_dir *d) {
  d->pool[d->npool++] = d->heap[0].buf;
  struct held last = d->heap[--d->nheap];
  size_t n = d->nheap, i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && held_before(&d->heap[c + 1], &d->heap[c]))
      c++;
    if (!held_before(&d->heap[c], &last))
      break;
    d->heap[i] = d->heap[c];
    i = c;
  }
  if (n)
    d->heap[i] = last;
  d->st->held = d->nheap;
}

static const struct held *heap_due(const struct fault_dir *d, sf_time_t now) {
  return d->nheap && d->heap[0].release <= now ? &d->heap[0] : NULL;
}

static uint8_t *pool_get(struct fault_dir *d) {
  if (d->npool)
    return d->pool[--d->npool];
  /* Never more buffers than heap slots: each held frame owns one. */
  uint8_t *buf = malloc(d->slot_size);
  if (buf)
    d->nalloc++;
  return buf;
}

/* ------------------------------------------------------- token bucket */

static void bucket_refill(struct fault_dir *d, sf_time_t t) {
  if (t <= d->tb_time)
    return;
  uint64_t rate = d->cfg.rate_bytes_per_sec;
  uint64_t dt = t - d->tb_time, need = d->bucket - d->tokens;
  d->tb_time = t;
  /* dt <= need / rate keeps rate * dt <= need: no overflow. */
  if (dt > need / rate)
    d->tokens = d->bucket;
  else
    d->tokens += rate * dt;
}

/* The time a frame of len bytes offered at now leaves the bucket; takes
 * its tokens. Frames leave in order: never before the previous one. */
static sf_time_t bucket_depart(struct fault_dir *d, size_t len,
                               sf_time_t now) {
  uint64_t rate = d->cfg.rate_bytes_per_sec;
  uint64_t cost = (uint64_t)len * SF_NSEC_PER_SEC; /* len <= slot_size */
  sf_time_t t = now > d->last_dep ? now : d->last_dep;
  bucket_refill(d, t);
  if (d->tokens < cost) {
    uint64_t wait = (cost - d->tokens + rate - 1) / rate; /* ceil */
    t = sat_add(t, wait);
    bucket_refill(d, t);
  }
  d->tokens -= cost; /* bucket >= slot_size * 1e9 >= cost */
  d->last_dep = t;
  return t;
}

/* Forgets departures that happened by now; returns how many still wait. */
static size_t bucket_waiting(struct fault_dir *d, sf_time_t now) {
  while (d->dep_count && d->deps[d->dep_head] <= now) {
    d->dep_head = (d->dep_head + 1) % d->cfg.rate_queue;
    d->dep_count--;
  }
  return d->dep_count;
}

static void bucket_note(struct fault_dir *d, sf_time_t dep) {
  size_t tail = (d->dep_head + d->dep_count) % d->cfg.rate_queue;
  d->deps[tail] = dep;
  d->dep_count++;
}

/* ------------------------------------------------------------- faults */

/*
 * One copy of a frame through the rate limit and into the held heap.
 * Returns 1 if held, 0 if dropped. The three draws are made first, so the
 * sequence of draws does not depend on the outcome.
 */
static int admit(struct fault_dir *d, const struct sf_frame *fr,
                 uint64_t flip_bit, sf_time_t now) {
  size_t len = fr->len;
  uint64_t r_jitter = rng_next(&d->rng);
  uint64_t r_reorder = rng_next(&d->rng);
  uint64_t r_extra = rng_next(&d->rng);
  int limited = d->cfg.rate_bytes_per_sec != 0;
  if (limited && bucket_waiting(d, now) >= d->cfg.rate_queue) {
    d->st->rate_dropped++;
    return 0;
  }
  uint8_t *buf = d->nheap < d->cfg.max_queue ? pool_get(d) : NULL;
  if (!buf) {
    d->st->queue_dropped++;
    return 0;
  }
  sf_time_t dep = limited ? bucket_depart(d, len, now) : now;
  if (dep > now)
    bucket_note(d, dep);
  sf_time_t release = sat_add(dep, d->cfg.delay);
  if (d->cfg.jitter)
    release = sat_add(release, upto(r_jitter, d->cfg.jitter));
  if (chance(r_reorder, d->cfg.reorder_ppm)) {
    release = sat_add(release, 1 + r_extra % d->cfg.reorder_max_delay);
    d->st->reordered++;
  }
  if (release > now)
    d->st->delayed++;
  if (len)
    memcpy(buf, fr->data, len);
  if (flip_bit != UINT64_MAX) {
    buf[flip_bit / 8] ^= (uint8_t)(1u << (flip_bit % 8));
    d->st->corrupted++;
  }
  heap_push(d, (struct held){release, d->seq++, buf, len, fr->meta});
  d->st->held = d->nheap;
  return 1;
}

/* One frame offered in direction d; returns how many copies were dropped
 * (the loss, rate and queue drops). */
static unsigned offer(struct fault_dir *d, const struct sf_frame *fr,
                      sf_time_t now) {
  size_t len = fr->len;
  uint64_t r_loss = rng_next(&d->rng);
  uint64_t r_corrupt = rng_next(&d->rng);
  uint64_t r_where = rng_next(&d->rng);
  uint64_t r_dup = rng_next(&d->rng);
  d->st->offered++;
  if (chance(r_loss, d->cfg.loss_ppm)) {
    d->st->lost++;
    return 1;
  }
  uint64_t flip_bit = UINT64_MAX; /* none */
  if (len && chance(r_corrupt, d->cfg.corrupt_ppm))
    flip_bit = r_where % ((uint64_t)len * 8);
  unsigned copies = 1, dropped = 0;
  if (chance(r_dup, d->cfg.dup_ppm)) {
    d->st->duplicated++;
    copies = 2;
  }
  for (unsigned c = 0; c < copies; c++)
    dropped += !admit(d, fr, flip_bit, now);
  return dropped;
}

/* ------------------------------------------------------------- link ops */

/* Hands every tx frame due at now to inner, in release order. */
static int flush_tx(struct fault_link *f, sf_time_t now) {
  const struct held *h;
  while ((h = heap_due(&f->tx, now)) != NULL) {
    /* Send at its release time, so a stacked link sees exact times; but
     * never earlier than a time already passed in. */
    sf_time_t t = h->release > f->tx_out_time ? h->release : f->tx_out_time;
    struct sf_frame fr = {h->buf, h->len, h->len, h->meta};
    int r = sf__link_send(f->inner, &fr, 1, t);
    if (r == 0 || r == SF_EAGAIN)
      return SF_EAGAIN; /* keep it; retry on a later call */
    f->tx_out_time = t;
    f->tx.st->passed++;
    if (r < 0) {
      f->link.stats.tx_dropped++; /* inner refused it for good */
    } else {
      f->link.stats.tx_frames++;
      f->link.stats.tx_bytes += h->len;
    }
    heap_pop(&f->tx);
  }
  return 0;
}

static int fault_send(struct sf_link *link, const struct sf_frame *frames,
                      size_t n, sf_time_t now) {
  struct fault_link *f = to_fault(link);
  int err = sf__link_check_batch(frames, &n);
  if (err)
    return err;
  (void)flush_tx(f, now); /* older frames first */
  for (size_t i = 0; i < n; i++) {
    size_t len = frames[i].len;
    if (len > f->tx.slot_size || (len && !frames[i].data)) {
      link->stats.tx_dropped++; /* inner would drop it too */
      continue;
    }
    link->stats.tx_dropped += offer(&f->tx, &frames[i], now);
  }
  (void)flush_tx(f, now);
  return (int)n;
}

/* The fd is readable while recv at now would return held frames. */
static void rx_wake(struct fault_link *f, sf_time_t now) {
  sf__link_wake_set(&f->wake, heap_due(&f->rx, now) != NULL);
}

/* Moves the rx frames due at now into the caller's buffers, up to n. */
static size_t deliver_rx(struct fault_link *f, struct sf_frame *frames,
                         size_t n, sf_time_t now) {
  size_t got = 0;
  const struct held *h;
  while (got < n && (h = heap_due(&f->rx, now)) != NULL) {
    struct sf_frame *out = &frames[got++];
    size_t take = h->len <= out->cap ? h->len : out->cap;
    if (take)
      memcpy(out->data, h->buf, take);
    out->len = take;
    out->meta = h->meta;
    if (take < h->len)
      f->link.stats.rx_truncated++;
    f->link.stats.rx_frames++;
    f->link.stats.rx_bytes += h->len;
    f->rx.st->passed++;
    heap_pop(&f->rx);
  }
  return got;
}

/*
 * Pulls frames from inner one at a time, offering each to the rx faults,
 * until n frames are due, inner has no more, or max_queue frames were
 * pulled (a bound on the work of one call). So with no delay a frame is
 * never pulled before the caller has room for it, while delayed frames
 * are taken off inner as fast as they come and may fill the held queue.
 */
static int fault_recv(struct sf_link *link, struct sf_frame *frames, size_t n,
                      sf_time_t now) {
  struct fault_link *f = to_fault(link);
  int err = sf__link_check_batch(frames, &n);
  if (err)
    return err;
  (void)flush_tx(f, now);
  size_t got = deliver_rx(f, frames, n, now);
  for (size_t pulls = 0; got < n && pulls < f->rx.cfg.max_queue; pulls++) {
    struct sf_frame fr = {.data = f->scratch, .len = 0, .cap = f->rx.slot_size};
    err = sf__link_recv(f->inner, &fr, 1, now);
    if (err <= 0)
      break;
    (void)offer(&f->rx, &fr, now);
    got += deliver_rx(f, frames + got, n - got, now);
  }
  rx_wake(f, now);
  return got || err >= 0 ? (int)got : err;
}

static sf_time_t fault_next_deadline(struct sf_link *link) {
  struct fault_link *f = to_fault(link);
  sf_time_t t = sf__link_next_deadline(f->inner);
  if (f->tx.nheap && f->tx.heap[0].release < t)
    t = f->tx.heap[0].release;
  if (f->rx.nheap && f->rx.heap[0].release < t)
    t = f->rx.heap[0].release;
  return t;
}

static int fault_poll(struct sf_link *link, sf_time_t now) {
  struct fault_link *f = to_fault(link);
  (void)flush_tx(f, now); /* SF_EAGAIN: held frames wait for next time */
  rx_wake(f, now);
  return sf__link_poll(f->inner, now);
}

static int fault_fd(struct sf_link *link) { return to_fault(link)->wake.pfd; }

static unsigned fault_mtu(struct sf_link *link) {
  return sf__link_mtu(to_fault(link)->inner);
}

static void fault_hwaddr(struct sf_link *link, uint8_t mac[6]) {
  sf__link_hwaddr(to_fault(link)->inner, mac);
}

static void dir_free(struct fault_dir *d) {
  for (size_t i = 0; i < d->nheap; i++)
    free(d->heap[i].buf);
  for (size_t i = 0; i < d->npool; i++)
    free(d->pool[i]);
  free(d->heap);
  free(d->pool);
  free(d->deps);
}

static void fault_free(struct fault_link *f) {
  dir_free(&f->tx);
  dir_free(&f->rx);
  free(f->scratch);
  sf__link_wake_close(&f->wake);
  free(f);
}

static void fault_close(struct sf_link *link) {
  struct fault_link *f = to_fault(link);
  sf__link_close(f->inner);
  fault_free(f);
}

static const struct sf_link_ops fault_ops = {
    .send = fault_send,
    .recv = fault_recv,
    .next_deadline = fault_next_deadline,
    .poll = fault_poll,
    .fd = fault_fd,
    .mtu = fault_mtu,
    .hwaddr = fault_hwaddr,
    .close = fault_close,
};

/* ---------------------------------------------------------------- setup */

static int dir_config_ok(const struct sf_fault_dir_config *c) {
  return c->loss_ppm <= SF_FAULT_PPM && c->dup_ppm <= SF_FAULT_PPM &&
         c->corrupt_ppm <= SF_FAULT_PPM && c->reorder_ppm <= SF_FAULT_PPM &&
         (c->reorder_ppm == 0 || c->reorder_max_delay > 0) &&
         c->rate_bytes_per_sec <= SF_FAULT_MAX_RATE &&
         c->rate_burst <= SF_FAULT_MAX_BURST &&
         c->rate_queue <= MAX_QUEUE_LIMIT && c->max_queue <= MAX_QUEUE_LIMIT;
}

static int dir_init(struct fault_dir *d, const struct sf_fault_dir_config *c,
                    struct sf_fault_dir_stats *st, uint64_t seed,
                    size_t slot_size) {
  d->cfg = *c;
  if (!d->cfg.max_queue)
    d->cfg.max_queue = SF_FAULT_DEFAULT_MAX_QUEUE;
  if (!d->cfg.rate_queue)
    d->cfg.rate_queue = SF_FAULT_DEFAULT_RATE_QUEUE;
  if (d->cfg.rate_burst < slot_size)
    d->cfg.rate_burst = slot_size; /* a full frame must fit the bucket */
  d->st = st;
  d->rng = seed;
  d->slot_size = slot_size;
  d->bucket = d->cfg.rate_burst * SF_NSEC_PER_SEC;
  d->tokens = d->bucket; /* starts full */
  d->heap = calloc(d->cfg.max_queue, sizeof(*d->heap));
  d->pool = calloc(d->cfg.max_queue, sizeof(*d->pool));
  if (d->cfg.rate_bytes_per_sec)
    d->deps = calloc(d->cfg.rate_queue, sizeof(*d->deps));
  if (!d->heap || !d->pool || (d->cfg.rate_bytes_per_sec && !d->deps))
    return SF_ENOMEM;
  return 0;
}

int sf__link_fault_wrap(struct sf_link *inner, const struct sf_fault_config *cfg,
                        struct sf_link **out) {
  if (!out)
    return SF_EINVAL;
  *out = NULL;
  if (!inner || !cfg || !dir_config_ok(&cfg->tx) || !dir_config_ok(&cfg->rx))
    return SF_EINVAL;
  struct fault_link *f = calloc(1, sizeof(*f));
  if (!f)
    return SF_ENOMEM;
  f->link.ops = &fault_ops;
  f->link.kind = "fault";
  f->inner = inner;
  f->wake = SF_LINK_WAKE_NONE;
  /* Big enough for inner's largest frame (64 KiB super-frames from a
   * link with offloads), so no frame is truncated on its way through. */
  size_t slot_size = sf__link_max_rx_frame(inner);
  f->link.max_rx_frame = inner->max_rx_frame;
  /* Two streams from one seed; splitmix64 of distinct starting points. */
  uint64_t s = cfg->seed;
  uint64_t tx_seed = rng_next(&s), rx_seed = rng_next(&s);
  int err = dir_init(&f->tx, &cfg->tx, &f->stats.tx, tx_seed, slot_size);
  if (!err)
    err = dir_init(&f->rx, &cfg->rx, &f->stats.rx, rx_seed, slot_size);
  if (!err && !(f->scratch = malloc(slot_size)))
    err = SF_ENOMEM;
  if (!err && sf__link_fd(inner) >= 0) /* else the caller polls recv */
    err = sf__link_wake_open(&f->wake, sf__link_fd(inner));
  if (err) {
    fault_free(f);
    return err;
  }
  *out = &f->link;
  return 0;
}

const struct sf_fault_stats *sf__link_fault_stats(struct sf_link *link) {
  if (!link || link->ops != &fault_ops)
    return NULL;
  return &to_fault(link)->stats;
}
