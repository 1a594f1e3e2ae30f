/*
 * The in-memory link pair (memory.h).
 *
 * Map: sf__link_memory_pair creates two `mem_end`s sharing one `mem_pair`,
 * which is how each end finds its peer and learns that the peer is gone.
 * Each end's receive queue is a ring of fixed-size slots (mtu + 14 bytes
 * each) allocated once, so steady-state traffic never calls malloc.
 * mem_send pushes into the peer's ring, mem_recv pops from its own
 * (copying), mem_recv_lend lends its slots until mem_recv_done. The
 * eventfd follows the frames not yet read: signalled when there are
 * some, drained when there are none.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/error.h"
#include "link/memory.h"

struct mem_end;

/* What both ends share; freed by whichever end closes last. */
struct mem_pair {
  struct mem_end *end[2]; /* NULL once that end is closed */
};

struct mem_end {
  struct sf_link link; /* first, so a struct sf_link * converts back */
  struct mem_pair *pair;
  int side; /* 0 or 1: our index in pair->end */
  int efd;
  unsigned mtu;
  uint8_t mac[6];
  /* The receive ring: `count` frames starting at slot `head`. */
  size_t slot_size;
  size_t cap;
  size_t head;
  size_t count;
  size_t lent; /* of those, read by recv_lend and not yet given back */
  bool readable; /* the eventfd's state */
  size_t *lens;
  struct sf_frame_meta *metas; /* offload metadata, carried unchanged */
  uint8_t *slots;
};

static const struct sf_link_ops mem_ops;

static struct mem_end *to_end(struct sf_link *link) {
  return (struct mem_end *)link;
}

static struct mem_end *peer_of(struct mem_end *e) {
  return e->pair->end[1 - e->side];
}

/* The eventfd is readable exactly while frames wait to be read (lent
 * frames no longer do, though their slots are still taken). */
static void sync_readable(struct mem_end *e) {
  bool want = e->count > e->lent;
  if (want == e->readable)
    return;
  if (want) {
    (void)eventfd_write(e->efd, 1);
  } else {
    eventfd_t drained;
    (void)eventfd_read(e->efd, &drained);
  }
  e->readable = want;
}

/* Queues one frame at the peer; returns 0, or -1 when it must be dropped. */
static int ring_push(struct mem_end *dst, const struct sf_frame *fr) {
  size_t len = fr->len;
  if (len > dst->slot_size || dst->count == dst->cap)
    return -1;
  size_t tail = (dst->head + dst->count) % dst->cap;
  if (len)
    memcpy(dst->slots + tail * dst->slot_size, fr->data, len);
  dst->lens[tail] = len;
  dst->metas[tail] = fr->meta;
  dst->count++;
  sync_readable(dst);
  return 0;
}

static int mem_send(struct sf_link *link, const struct sf_frame *frames,
                    size_t n, sf_time_t now) {
  struct mem_end *e = to_end(link);
  (void)now;
  int err = sf__link_check_batch(frames, &n);
  if (err)
    return err;
  for (size_t i = 0; i < n; i++) {
    struct mem_end *peer = peer_of(e);
    size_t len = frames[i].len;
    /* A frame over mtu + 14 could never have been sent by a real NIC of
     * this MTU; drop it here rather than surprise the receiver. */
    if (!peer || len > sf__link_max_frame(e->mtu) ||
        (len && !frames[i].data) || ring_push(peer, &frames[i])) {
      link->stats.tx_dropped++;
      continue;
    }
    link->stats.tx_frames++;
    link->stats.tx_bytes += len;
  }
  return (int)n;
}

/* The slot of the k-th frame after the lent ones. */
static size_t unread_slot(const struct mem_end *e, size_t k) {
  return (e->head + e->lent + k) % e->cap;
}

/* Frees the `lent` oldest slots for the peer to fill again. */
static void give_back(struct mem_end *e) {
  e->head = (e->head + e->lent) % e->cap;
  e->count -= e->lent;
  e->lent = 0;
  sync_readable(e);
}

/* Marks up to n unread frames as read, pointing frames[] at their slots;
 * the slots stay taken until give_back. */
static size_t take_unread(struct mem_end *e, struct sf_frame *frames,
                          size_t n) {
  size_t got = 0;
  while (got < n && e->count > e->lent) {
    size_t s = unread_slot(e, 0);
    frames[got].data = e->slots + s * e->slot_size;
    frames[got].len = frames[got].cap = e->lens[s];
    frames[got].meta = e->metas[s];
    e->link.stats.rx_frames++;
    e->link.stats.rx_bytes += e->lens[s];
    e->lent++;
    got++;
  }
  sync_readable(e);
  return got;
}

/* Every receive starts here: the batch check, and no receive while
 * frames are lent (the last batch was not given back). */
static int recv_check(const struct mem_end *e, const struct sf_frame *frames,
                      size_t *n) {
  int err = sf__link_check_batch(frames, n);
  return err ? err : e->lent ? SF_EINVAL : 0;
}

/* Lends its slots: a test of the lending contract needs no kernel. */
static int mem_recv_lend(struct sf_link *link, struct sf_frame *frames,
                         size_t n, sf_time_t now) {
  struct mem_end *e = to_end(link);
  (void)now;
  int err = recv_check(e, frames, &n);
  return err ? err : (int)take_unread(e, frames, n);
}

static void mem_recv_done(struct sf_link *link) { give_back(to_end(link)); }

static int mem_recv(struct sf_link *link, struct sf_frame *frames, size_t n,
                    sf_time_t now) {
  struct mem_end *e = to_end(link);
  (void)now;
  int err = recv_check(e, frames, &n);
  if (err)
    return err;
  size_t got = 0;
  struct sf_frame slot;
  while (got < n && take_unread(e, &slot, 1)) {
    struct sf_frame *f = &frames[got++];
    size_t take = slot.len <= f->cap ? slot.len : f->cap;
    if (take)
      memcpy(f->data, slot.data, take);
    f->len = take;
    f->meta = slot.meta;
    if (take < slot.len)
      link->stats.rx_truncated++;
  }
  give_back(e);
  return (int)got;
}

static sf_time_t mem_next_deadline(struct sf_link *link) {
  (void)link;
  return SF_TIME_NEVER;
}

static int mem_poll(struct sf_link *link, sf_time_t now) {
  (void)link;
  (void)now;
  return 0;
}

static int mem_fd(struct sf_link *link) { return to_end(link)->efd; }

static unsigned mem_mtu(struct sf_link *link) { return to_end(link)->mtu; }

static void mem_hwaddr(struct sf_link *link, uint8_t mac[6]) {
  memcpy(mac, to_end(link)->mac, 6);
}

static void end_free(struct mem_end *e) {
  if (!e)
    return;
  if (e->efd >= 0)
    close(e->efd);
  free(e->lens);
  free(e->metas);
  free(e->slots);
  free(e);
}

static void mem_close(struct sf_link *link) {
  struct mem_end *e = to_end(link);
  struct mem_pair *pair = e->pair;
  pair->end[e->side] = NULL;
  if (!pair->end[0] && !pair->end[1])
    free(pair);
  end_free(e);
}

static const struct sf_link_ops mem_ops = {
    .send = mem_send,
    .recv = mem_recv,
    .recv_lend = mem_recv_lend,
    .recv_done = mem_recv_done,
    .next_deadline = mem_next_deadline,
    .poll = mem_poll,
    .fd = mem_fd,
    .mtu = mem_mtu,
    .hwaddr = mem_hwaddr,
    .close = mem_close,
};

static int end_new(struct mem_pair *pair, int side, unsigned mtu,
                   size_t queue, const uint8_t mac[6]) {
  struct mem_end *e = calloc(1, sizeof(*e));
  if (!e)
    return SF_ENOMEM;
  e->efd = -1;
  pair->end[side] = e;
  e->link.ops = &mem_ops;
  e->link.kind = "memory";
  e->pair = pair;
  e->side = side;
  e->mtu = mtu;
  memcpy(e->mac, mac, 6);
  e->slot_size = sf__link_max_frame(mtu);
  e->cap = queue;
  e->lens = calloc(queue, sizeof(*e->lens));
  e->metas = calloc(queue, sizeof(*e->metas));
  e->slots = malloc(queue * e->slot_size);
  if (!e->lens || !e->metas || !e->slots)
    return SF_ENOMEM;
  e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (e->efd < 0)
    return sf_translate_sys_error(errno);
  return 0;
}

static int mac_is_zero(const uint8_t mac[6]) {
  static const uint8_t zero[6];
  return memcmp(mac, zero, 6) == 0;
}

int sf__link_memory_pair(const struct sf_memory_link_config *cfg,
                         struct sf_link **a, struct sf_link **b) {
  static const struct sf_memory_link_config defaults;
  /* Locally administered (bit 1 of the first octet), unicast. */
  static const uint8_t def_a[6] = {0x02, 0, 0, 0, 0, 0x01};
  static const uint8_t def_b[6] = {0x02, 0, 0, 0, 0, 0x02};
  if (!a || !b)
    return SF_EINVAL;
  *a = *b = NULL;
  if (!cfg)
    cfg = &defaults;
  unsigned mtu = cfg->mtu ? cfg->mtu : SF_MEMORY_LINK_DEFAULT_MTU;
  size_t queue = cfg->queue_frames ? cfg->queue_frames
                                   : SF_MEMORY_LINK_DEFAULT_QUEUE;
  if (mtu < SF_MEMORY_LINK_MIN_MTU || mtu > SF_MEMORY_LINK_MAX_MTU ||
      queue > SF_MEMORY_LINK_MAX_QUEUE)
    return SF_EINVAL;
  struct mem_pair *pair = calloc(1, sizeof(*pair));
  if (!pair)
    return SF_ENOMEM;
  int err = end_new(pair, 0, mtu, queue,
                    mac_is_zero(cfg->mac_a) ? def_a : cfg->mac_a);
  if (!err)
    err = end_new(pair, 1, mtu, queue,
                  mac_is_zero(cfg->mac_b) ? def_b : cfg->mac_b);
  if (err) {
    end_free(pair->end[0]);
    end_free(pair->end[1]);
    free(pair);
    return err;
  }
  *a = &pair->end[0]->link;
  *b = &pair->end[1]->link;
  return 0;
}
