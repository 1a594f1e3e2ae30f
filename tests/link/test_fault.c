/*
 * The fault-injecting middleware (lib/link/fault.c), on a virtual clock:
 * each fault alone with exact expectations, statistical bands for the
 * random ones, exact replay from a seed, and the counters' balance.
 *
 * Most tests wrap end a of a memory pair and watch end b (tx faults), or
 * send from b and receive through the wrapper (rx faults). A recording
 * fake link checks the times the wrapper hands frames on with.
 */
#include "config.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "link/fault.h"
#include "link/memory.h"
#include "synfin.h"

#define MS SF_NSEC_PER_MSEC
#define FRAME_MAX 1514
#define MAX_OUT 20000

/* Frame i: an Ethernet header (EtherType 0x88b5, IEEE 802 local
 * experimental), the id i big-endian three times (so a frame with one bit
 * flipped still names itself, by majority), then bytes derived from i. */
static size_t make_frame(uint32_t i, size_t len, uint8_t *buf) {
  static const uint8_t hdr[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5};
  ck_assert_uint_ge(len, 26);
  memcpy(buf, hdr, 14);
  for (int c = 0; c < 3; c++) {
    buf[14 + 4 * c] = (uint8_t)(i >> 24);
    buf[15 + 4 * c] = (uint8_t)(i >> 16);
    buf[16 + 4 * c] = (uint8_t)(i >> 8);
    buf[17 + 4 * c] = (uint8_t)i;
  }
  for (size_t k = 26; k < len; k++)
    buf[k] = (uint8_t)(i * 31 + k);
  return len;
}

static uint32_t frame_id(const uint8_t *buf) {
  uint32_t id = 0;
  for (int k = 0; k < 4; k++) {
    uint8_t x = buf[14 + k], y = buf[18 + k], z = buf[22 + k];
    id = id << 8 | (uint8_t)((x & y) | (y & z) | (x & z)); /* bitwise vote */
  }
  return id;
}

/* What arrived: ids, times, and the frames' lengths and bit differences
 * from the frame that was sent with the same id. */
struct seen {
  size_t n;
  uint32_t id[MAX_OUT];
  sf_time_t at[MAX_OUT];
  size_t len[MAX_OUT];
  unsigned flipped[MAX_OUT]; /* bits differing from the original */
};

static unsigned bits_differing(const uint8_t *a, const uint8_t *b, size_t n) {
  unsigned d = 0;
  for (size_t k = 0; k < n; k++)
    d += (unsigned)__builtin_popcount((unsigned)(a[k] ^ b[k]));
  return d;
}

/* Receives everything ready on l at now into s; every frame was sent with
 * length len. */
static void collect(struct sf_link *l, sf_time_t now, size_t len,
                    struct seen *s) {
  for (;;) {
    uint8_t buf[FRAME_MAX], orig[FRAME_MAX];
    struct sf_frame f = {.data = buf, .len = 0, .cap = sizeof(buf)};
    int r = sf__link_recv(l, &f, 1, now);
    ck_assert_int_ge(r, 0);
    if (r == 0)
      return;
    ck_assert_uint_lt(s->n, MAX_OUT);
    ck_assert_uint_eq(f.len, len);
    uint32_t id = frame_id(buf);
    make_frame(id, len, orig);
    s->id[s->n] = id;
    s->at[s->n] = now;
    s->len[s->n] = f.len;
    s->flipped[s->n] = bits_differing(buf, orig, len);
    s->n++;
  }
}

struct rig {
  struct sf_link *f; /* fault wrapper around end a */
  struct sf_link *b;
};

static void rig_open(struct rig *r, const struct sf_fault_config *cfg,
                     size_t queue) {
  struct sf_memory_link_config mc = {.queue_frames = queue};
  struct sf_link *a;
  ck_assert_int_eq(sf__link_memory_pair(&mc, &a, &r->b), 0);
  ck_assert_int_eq(sf__link_fault_wrap(a, cfg, &r->f), 0);
}

static void rig_close(struct rig *r) {
  sf__link_close(r->f); /* closes a too */
  sf__link_close(r->b);
}

static void send_id(struct sf_link *l, uint32_t id, size_t len, sf_time_t now) {
  uint8_t buf[FRAME_MAX];
  struct sf_frame fr = {.data = buf, .len = make_frame(id, len, buf)};
  ck_assert_int_eq(sf__link_send(l, &fr, 1, now), 1);
}

/* Advances the clock from deadline to deadline up to tmax, releasing tx
 * frames and collecting them at b. Returns the last time used. */
static sf_time_t drain_tx(struct rig *r, sf_time_t tmax, size_t len,
                          struct seen *s) {
  sf_time_t t, last = 0;
  while ((t = sf__link_next_deadline(r->f)) <= tmax) {
    ck_assert_int_eq(sf__link_poll(r->f, t), 0);
    collect(r->b, t, len, s);
    last = t;
  }
  return last;
}

static const struct sf_fault_dir_stats *tx_stats(struct sf_link *f) {
  const struct sf_fault_stats *st = sf__link_fault_stats(f);
  ck_assert_ptr_nonnull(st);
  return &st->tx;
}

static const struct sf_fault_dir_stats *rx_stats(struct sf_link *f) {
  return &sf__link_fault_stats(f)->rx;
}

static void assert_balanced(const struct sf_fault_dir_stats *d) {
  ck_assert_uint_eq(d->held, 0);
  ck_assert_uint_eq(d->offered + d->duplicated,
                    d->passed + d->lost + d->rate_dropped + d->queue_dropped);
}

/* ------------------------------------------------------------- tests */

START_TEST(passthrough_when_all_zero) {
  struct sf_fault_config cfg = {.seed = 1};
  struct rig r;
  rig_open(&r, &cfg, 512);
  ck_assert_str_eq(r.f->kind, "fault");
  ck_assert_ptr_null(sf__link_fault_stats(r.b));
  ck_assert_uint_eq(sf__link_mtu(r.f), 1500);
  uint8_t mac[6], want[6] = {2, 0, 0, 0, 0, 1};
  sf__link_hwaddr(r.f, mac);
  ck_assert_mem_eq(mac, want, 6);
  ck_assert_int_ge(sf__link_fd(r.f), 0);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 300; i++)
    send_id(r.f, i, 26 + i % 1400, 1000);
  ck_assert_uint_eq(sf__link_next_deadline(r.f), SF_TIME_NEVER);
  for (uint32_t i = 0; i < 300; i++) {
    uint8_t buf[FRAME_MAX], orig[FRAME_MAX];
    struct sf_frame fr = {.data = buf, .len = 0, .cap = sizeof(buf)};
    ck_assert_int_eq(sf__link_recv(r.b, &fr, 1, 1000), 1);
    ck_assert_uint_eq(fr.len, make_frame(i, 26 + i % 1400, orig));
    ck_assert_mem_eq(buf, orig, fr.len);
  }
  const struct sf_fault_dir_stats *tx = tx_stats(r.f);
  ck_assert_uint_eq(tx->offered, 300);
  ck_assert_uint_eq(tx->passed, 300);
  ck_assert_uint_eq(tx->lost + tx->duplicated + tx->corrupted + tx->reordered +
                        tx->delayed + tx->rate_dropped + tx->queue_dropped,
                    0);
  ck_assert_uint_eq(r.f->stats.tx_frames, 300);
  /* rx: frames from b come straight through, in order, unchanged. */
  for (uint32_t i = 0; i < 300; i++)
    send_id(r.b, i, 60, 2000);
  collect(r.f, 2000, 60, &s);
  ck_assert_uint_eq(s.n, 300);
  for (uint32_t i = 0; i < 300; i++) {
    ck_assert_uint_eq(s.id[i], i);
    ck_assert_uint_eq(s.flipped[i], 0);
  }
  ck_assert_uint_eq(rx_stats(r.f)->passed, 300);
  ck_assert_uint_eq(r.f->stats.rx_frames, 300);
  ck_assert_uint_eq(r.f->stats.rx_bytes, 300 * 60);
  assert_balanced(tx_stats(r.f));
  assert_balanced(rx_stats(r.f));
  rig_close(&r);
}
END_TEST

START_TEST(total_loss) {
  struct sf_fault_config cfg = {.seed = 7};
  cfg.tx.loss_ppm = SF_FAULT_PPM;
  cfg.rx.loss_ppm = SF_FAULT_PPM;
  struct rig r;
  rig_open(&r, &cfg, 64);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 50; i++) {
    send_id(r.f, i, 60, i);
    send_id(r.b, i, 60, i);
  }
  collect(r.b, 100, 60, &s);
  collect(r.f, 100, 60, &s);
  ck_assert_uint_eq(s.n, 0);
  ck_assert_uint_eq(tx_stats(r.f)->lost, 50);
  ck_assert_uint_eq(rx_stats(r.f)->lost, 50);
  ck_assert_uint_eq(r.f->stats.tx_dropped, 50);
  ck_assert_uint_eq(r.f->stats.tx_frames, 0);
  assert_balanced(tx_stats(r.f));
  assert_balanced(rx_stats(r.f));
  rig_close(&r);
}
END_TEST

/* A scenario using every random fault in both directions; its outcome
 * (ids, arrival times, bits flipped) goes into out. */
static void scenario(uint64_t seed, struct seen *out_tx, struct seen *out_rx) {
  struct sf_fault_dir_config d = {
      .loss_ppm = 100000,
      .dup_ppm = 100000,
      .corrupt_ppm = 100000,
      .reorder_ppm = 200000,
      .reorder_max_delay = 5 * MS,
      .delay = 2 * MS,
      .jitter = 1 * MS,
  };
  struct sf_fault_config cfg = {.seed = seed, .tx = d, .rx = d};
  struct rig r;
  rig_open(&r, &cfg, 1024);
  out_tx->n = out_rx->n = 0;
  for (uint32_t i = 0; i < 400; i++) {
    sf_time_t t = i * MS / 2;
    send_id(r.f, i, 64, t);
    send_id(r.b, i, 64, t);
    collect(r.b, t, 64, out_tx);
    collect(r.f, t, 64, out_rx);
  }
  sf_time_t t;
  while ((t = sf__link_next_deadline(r.f)) != SF_TIME_NEVER) {
    ck_assert_int_eq(sf__link_poll(r.f, t), 0);
    collect(r.b, t, 64, out_tx);
    collect(r.f, t, 64, out_rx);
  }
  assert_balanced(tx_stats(r.f));
  assert_balanced(rx_stats(r.f));
  rig_close(&r);
}

static int seen_equal(const struct seen *a, const struct seen *b) {
  if (a->n != b->n)
    return 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->id[i] != b->id[i] || a->at[i] != b->at[i] ||
        a->flipped[i] != b->flipped[i])
      return 0;
  return 1;
}

START_TEST(seed_replays_exactly) {
  static struct seen tx1, rx1, tx2, rx2, tx3, rx3;
  uint64_t seed = sf_test_seed(0xfa17);
  scenario(seed, &tx1, &rx1);
  scenario(seed, &tx2, &rx2);
  scenario(seed + 1, &tx3, &rx3);
  ck_assert_uint_gt(tx1.n, 300);
  ck_assert(seen_equal(&tx1, &tx2));
  ck_assert(seen_equal(&rx1, &rx2));
  ck_assert(!seen_equal(&tx1, &tx3));
  ck_assert(!seen_equal(&rx1, &rx3));
  /* The two directions draw from different streams. */
  ck_assert(!seen_equal(&tx1, &rx1));
}
END_TEST

/* 10000 frames at 20% loss: Binomial(10000, 0.2) has sigma 40, so
 * [1760, 2240] is +-6 sigma; a broken draw lands far outside. */
START_TEST(loss_rate_in_band) {
  struct sf_fault_config cfg = {.seed = sf_test_seed(2024)};
  cfg.tx.loss_ppm = 200000;
  cfg.rx.loss_ppm = 200000;
  struct rig r;
  rig_open(&r, &cfg, 16);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 10000; i++) {
    send_id(r.f, i, 60, i);
    collect(r.b, i, 60, &s);
    send_id(r.b, i, 60, i);
    collect(r.f, i, 60, &s);
  }
  const struct sf_fault_dir_stats *tx = tx_stats(r.f), *rx = rx_stats(r.f);
  ck_assert_uint_ge(tx->lost, 1760);
  ck_assert_uint_le(tx->lost, 2240);
  ck_assert_uint_ge(rx->lost, 1760);
  ck_assert_uint_le(rx->lost, 2240);
  ck_assert_uint_eq(s.n, 20000 - tx->lost - rx->lost);
  ck_assert_uint_eq(tx->passed + tx->lost, 10000);
  assert_balanced(tx);
  assert_balanced(rx);
  rig_close(&r);
}
END_TEST

START_TEST(duplication_exact_copies) {
  struct sf_fault_config cfg = {.seed = 3};
  cfg.tx.dup_ppm = SF_FAULT_PPM;
  cfg.rx.dup_ppm = 500000;
  struct rig r;
  rig_open(&r, &cfg, 4096);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 100; i++)
    send_id(r.f, i, 100, 50);
  collect(r.b, 50, 100, &s);
  ck_assert_uint_eq(s.n, 200);
  for (uint32_t i = 0; i < 200; i++) {
    ck_assert_uint_eq(s.id[i], i / 2); /* each copy right after its frame */
    ck_assert_uint_eq(s.flipped[i], 0);
  }
  ck_assert_uint_eq(tx_stats(r.f)->duplicated, 100);
  ck_assert_uint_eq(tx_stats(r.f)->passed, 200);
  /* rx at 50%: every frame arrives once or twice, in order, unchanged. */
  s.n = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    send_id(r.b, i, 100, 60);
    collect(r.f, 60, 100, &s);
  }
  const struct sf_fault_dir_stats *rx = rx_stats(r.f);
  ck_assert_uint_ge(rx->duplicated, 400); /* sigma 16 */
  ck_assert_uint_le(rx->duplicated, 600);
  ck_assert_uint_eq(s.n, 1000 + rx->duplicated);
  uint32_t next = 0;
  for (size_t k = 0; k < s.n; k++) {
    ck_assert_uint_eq(s.flipped[k], 0);
    if (s.id[k] == next)
      next++;
    else
      ck_assert_uint_eq(s.id[k], next - 1); /* the copy */
  }
  ck_assert_uint_eq(next, 1000);
  assert_balanced(tx_stats(r.f));
  assert_balanced(rx);
  rig_close(&r);
}
END_TEST

START_TEST(corruption_flips_one_bit) {
  struct sf_fault_config cfg = {.seed = 99};
  cfg.tx.corrupt_ppm = SF_FAULT_PPM;
  cfg.tx.dup_ppm = SF_FAULT_PPM;
  struct rig r;
  rig_open(&r, &cfg, 4096);
  uint8_t first[FRAME_MAX], buf[FRAME_MAX], orig[FRAME_MAX];
  int positions_differ = 0;
  size_t last_pos = SIZE_MAX;
  for (uint32_t i = 0; i < 500; i++) {
    make_frame(i, 80, orig);
    send_id(r.f, i, 80, 0);
    /* Both copies carry the same single flipped bit. */
    for (int c = 0; c < 2; c++) {
      struct sf_frame fr = {
          .data = c ? buf : first, .len = 0, .cap = FRAME_MAX};
      ck_assert_int_eq(sf__link_recv(r.b, &fr, 1, 0), 1);
      ck_assert_uint_eq(fr.len, 80);
      ck_assert_uint_eq(bits_differing(fr.data, orig, 80), 1);
    }
    ck_assert_mem_eq(first, buf, 80);
    size_t pos = 0;
    while (first[pos] == orig[pos])
      pos++;
    positions_differ |= last_pos != SIZE_MAX && pos != last_pos;
    last_pos = pos;
  }
  ck_assert(positions_differ); /* a random byte, not a fixed one */
  ck_assert_uint_eq(tx_stats(r.f)->corrupted, 1000);
  /* A zero-length frame cannot be corrupted, and passes. */
  struct sf_frame empty = {.data = NULL, .len = 0, .cap = 0};
  ck_assert_int_eq(sf__link_send(r.f, &empty, 1, 0), 1);
  ck_assert_uint_eq(tx_stats(r.f)->corrupted, 1000);
  assert_balanced(tx_stats(r.f));
  rig_close(&r);
}
END_TEST

START_TEST(delay_exact) {
  const sf_time_t t0 = 5 * SF_NSEC_PER_SEC + 123, delay = 10 * MS;
  struct sf_fault_config cfg = {.seed = 1};
  cfg.tx.delay = delay;
  cfg.rx.delay = delay;
  struct rig r;
  rig_open(&r, &cfg, 64);
  static struct seen s;
  s.n = 0;
  send_id(r.f, 1, 60, t0);
  ck_assert_uint_eq(sf__link_next_deadline(r.f), t0 + delay);
  ck_assert_int_eq(sf__link_poll(r.f, t0 + delay - 1), 0);
  collect(r.b, t0 + delay - 1, 60, &s);
  ck_assert_uint_eq(s.n, 0); /* not a nanosecond early */
  ck_assert_uint_eq(tx_stats(r.f)->held, 1);
  ck_assert_int_eq(sf__link_poll(r.f, t0 + delay), 0);
  collect(r.b, t0 + delay, 60, &s);
  ck_assert_uint_eq(s.n, 1);
  ck_assert_uint_eq(sf__link_next_deadline(r.f), SF_TIME_NEVER);
  ck_assert_uint_eq(tx_stats(r.f)->delayed, 1);

  /* A later send releases what is due first, in order. */
  send_id(r.f, 2, 60, t0 + 100 * MS);
  send_id(r.f, 3, 60, t0 + 200 * MS);
  collect(r.b, t0 + 200 * MS, 60, &s);
  ck_assert_uint_eq(s.n, 2);
  ck_assert_uint_eq(s.id[1], 2);
  ck_assert_uint_eq(sf__link_next_deadline(r.f), t0 + 200 * MS + delay);

  /* rx: due frames come out of recv, not before; and recv at a later
   * time releases the tx frame that fell due meanwhile. */
  const sf_time_t t1 = t0 + SF_NSEC_PER_SEC;
  send_id(r.b, 7, 60, t1);
  collect(r.b, t1 - 1, 60, &s);
  ck_assert_uint_eq(s.n, 2); /* frame 3 still held */
  s.n = 0;
  collect(r.f, t1, 60, &s);
  ck_assert_uint_eq(s.n, 0);
  ck_assert_uint_eq(rx_stats(r.f)->held, 1);
  ck_assert_uint_eq(tx_stats(r.f)->held, 0);
  collect(r.b, t1, 60, &s);
  ck_assert_uint_eq(s.n, 1);
  ck_assert_uint_eq(s.id[0], 3);
  s.n = 0;
  ck_assert_uint_eq(sf__link_next_deadline(r.f), t1 + delay);
  collect(r.f, t1 + delay - 1, 60, &s);
  ck_assert_uint_eq(s.n, 0);
  collect(r.f, t1 + delay, 60, &s);
  ck_assert_uint_eq(s.n, 1);
  ck_assert_uint_eq(s.id[0], 7);
  ck_assert_uint_eq(sf__link_next_deadline(r.f), SF_TIME_NEVER);
  assert_balanced(tx_stats(r.f));
  assert_balanced(rx_stats(r.f));
  rig_close(&r);
}
END_TEST

static bool readable(struct sf_link *l) {
  struct pollfd p = {.fd = sf__link_fd(l), .events = POLLIN};
  return poll(&p, 1, 0) == 1;
}

/* A reactor watches only the fd: it must become readable when a frame
 * arrives at the wrapped link and again when poll releases a held one,
 * and not stay readable once recv has nothing to return. */
START_TEST(fd_follows_frames_ready) {
  const sf_time_t t0 = 1000 * MS, delay = 10 * MS;
  struct sf_fault_config cfg = {.seed = 1};
  cfg.rx.delay = delay;
  struct rig r;
  rig_open(&r, &cfg, 64);
  static struct seen s;
  s.n = 0;
  ck_assert(!readable(r.f));
  send_id(r.b, 1, 60, t0);
  ck_assert(readable(r.f)); /* the wrapped link's frame */
  collect(r.f, t0, 60, &s);
  ck_assert_uint_eq(s.n, 0); /* taken off it, held */
  ck_assert(!readable(r.f));
  ck_assert_int_eq(sf__link_poll(r.f, t0 + delay - 1), 0);
  ck_assert(!readable(r.f));
  ck_assert_int_eq(sf__link_poll(r.f, t0 + delay), 0);
  ck_assert(readable(r.f)); /* released */
  collect(r.f, t0 + delay, 60, &s);
  ck_assert_uint_eq(s.n, 1);
  ck_assert(!readable(r.f));
  rig_close(&r);
}
END_TEST

START_TEST(jitter_within_bounds) {
  struct sf_fault_config cfg = {.seed = sf_test_seed(77)};
  cfg.tx.delay = 1 * MS;
  cfg.tx.jitter = 2 * MS;
  struct rig r;
  rig_open(&r, &cfg, 1024);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 200; i++)
    send_id(r.f, i, 60, 0);
  drain_tx(&r, SF_TIME_NEVER - 1, 60, &s);
  ck_assert_uint_eq(s.n, 200);
  sf_time_t lo = SF_TIME_NEVER, hi = 0;
  for (size_t k = 0; k < s.n; k++) {
    lo = s.at[k] < lo ? s.at[k] : lo;
    hi = s.at[k] > hi ? s.at[k] : hi;
  }
  ck_assert_uint_ge(lo, 1 * MS);
  ck_assert_uint_le(hi, 3 * MS);
  ck_assert_uint_gt(hi - lo, 1 * MS); /* spread over the window */
  ck_assert_uint_eq(tx_stats(r.f)->delayed, 200);
  rig_close(&r);
}
END_TEST

START_TEST(reordering_loses_nothing) {
  struct sf_fault_config cfg = {.seed = sf_test_seed(5150)};
  cfg.tx.reorder_ppm = 300000;
  cfg.tx.reorder_max_delay = 5 * MS;
  struct rig r;
  rig_open(&r, &cfg, 1024);
  static struct seen s;
  s.n = 0;
  enum { N = 500 };
  for (uint32_t i = 0; i < N; i++) {
    sf_time_t t = (sf_time_t)i * MS;
    drain_tx(&r, t, 60, &s); /* what fell due before this send */
    send_id(r.f, i, 60, t);
    collect(r.b, t, 60, &s);
  }
  drain_tx(&r, SF_TIME_NEVER - 1, 60, &s);
  ck_assert_uint_eq(s.n, N);
  static uint8_t got[N];
  memset(got, 0, sizeof(got));
  unsigned inversions = 0;
  for (size_t k = 0; k < s.n; k++) {
    ck_assert_uint_lt(s.id[k], N);
    ck_assert_uint_eq(got[s.id[k]]++, 0); /* each exactly once */
    inversions += k > 0 && s.id[k] < s.id[k - 1];
  }
  const struct sf_fault_dir_stats *tx = tx_stats(r.f);
  ck_assert_uint_ge(tx->reordered, 100); /* 150 expected, sigma 10 */
  ck_assert_uint_le(tx->reordered, 200);
  ck_assert_uint_gt(inversions, 10);
  ck_assert_uint_le(inversions, tx->reordered);
  assert_balanced(tx);
  rig_close(&r);
}
END_TEST

/* 1514-byte frames at 100000 bytes/s with a one-frame bucket: by one
 * virtual second the bucket has let through its burst plus one second of
 * rate, so released bytes lie within one frame of the rate. */
START_TEST(rate_limit_matches_rate) {
  const uint64_t rate = 100000;
  struct sf_fault_config cfg = {.seed = 1};
  cfg.tx.rate_bytes_per_sec = rate;
  cfg.tx.rate_queue = 1000;
  cfg.tx.max_queue = 1000;
  struct rig r;
  rig_open(&r, &cfg, 1024);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 200; i++)
    send_id(r.f, i, 1514, 0);
  collect(r.b, 0, 1514, &s);
  ck_assert_uint_eq(s.n, 1); /* the burst */
  /* The second frame needs 1514 tokens at 100000/s: 15.14 ms. */
  ck_assert_uint_eq(sf__link_next_deadline(r.f), 15140000);
  drain_tx(&r, SF_NSEC_PER_SEC, 1514, &s);
  uint64_t bytes = s.n * 1514;
  ck_assert_uint_ge(bytes + 1514, rate);
  ck_assert_uint_le(bytes, rate + 1514);
  ck_assert_uint_eq(s.n, 67); /* 1 + floor(1 s / 15.14 ms) */
  for (size_t k = 0; k < s.n; k++) {
    ck_assert_uint_eq(s.id[k], k); /* in order */
    ck_assert_uint_eq(s.at[k], k * 15140000);
  }
  /* A second later still: the rate holds. */
  drain_tx(&r, 2 * SF_NSEC_PER_SEC, 1514, &s);
  ck_assert_uint_eq(s.n, 133);
  ck_assert_uint_eq(tx_stats(r.f)->rate_dropped, 0);
  drain_tx(&r, SF_TIME_NEVER - 1, 1514, &s);
  ck_assert_uint_eq(s.n, 200);
  assert_balanced(tx_stats(r.f));
  rig_close(&r);
}
END_TEST

START_TEST(rate_queue_bound_drops) {
  struct sf_fault_config cfg = {.seed = 1};
  cfg.rx.rate_bytes_per_sec = 1000;
  cfg.rx.rate_burst = 3000; /* two 1500-byte frames */
  cfg.rx.rate_queue = 10;
  struct rig r;
  rig_open(&r, &cfg, 64);
  static struct seen s;
  s.n = 0;
  for (uint32_t i = 0; i < 20; i++)
    send_id(r.b, i, 1500, 0);
  /* Two fit the burst, ten wait for tokens, eight find the wait full. */
  collect(r.f, 0, 1500, &s);
  ck_assert_uint_eq(s.n, 2);
  const struct sf_fault_dir_stats *rx = rx_stats(r.f);
  ck_assert_uint_eq(rx->rate_dropped, 8);
  ck_assert_uint_eq(rx->held, 10);
  ck_assert_uint_eq(sf__link_next_deadline(r.f), 1500 * MS);
  collect(r.f, 1500 * MS, 1500, &s);
  ck_assert_uint_eq(s.n, 3);
  /* One left the wait: there is room for exactly one more. */
  send_id(r.b, 20, 1500, 1500 * MS);
  send_id(r.b, 21, 1500, 1500 * MS);
  collect(r.f, 1500 * MS, 1500, &s);
  ck_assert_uint_eq(rx->rate_dropped, 9);
  ck_assert_uint_eq(s.n, 3);
  collect(r.f, 20 * SF_NSEC_PER_SEC, 1500, &s);
  ck_assert_uint_eq(s.n, 13);
  ck_assert_uint_eq(s.id[12], 20);
  assert_balanced(rx);
  rig_close(&r);
}
END_TEST

START_TEST(max_queue_drops) {
  struct sf_fault_config cfg = {.seed = 1};
  cfg.tx.delay = SF_NSEC_PER_SEC;
  cfg.tx.max_queue = 5;
  struct rig r;
  rig_open(&r, &cfg, 64);
  for (uint32_t i = 0; i < 8; i++)
    send_id(r.f, i, 60, 0);
  const struct sf_fault_dir_stats *tx = tx_stats(r.f);
  ck_assert_uint_eq(tx->held, 5);
  ck_assert_uint_eq(tx->queue_dropped, 3);
  ck_assert_uint_eq(r.f->stats.tx_dropped, 3);
  static struct seen s;
  s.n = 0;
  drain_tx(&r, SF_TIME_NEVER - 1, 60, &s);
  ck_assert_uint_eq(s.n, 5);
  ck_assert_uint_eq(s.id[4], 4);
  assert_balanced(tx);
  /* Closing with frames held frees them (the sanitizer build checks). */
  send_id(r.f, 9, 60, 10 * SF_NSEC_PER_SEC);
  ck_assert_uint_eq(tx->held, 1);
  rig_close(&r);
}
END_TEST

/* Everything at once in both directions: once drained, every frame is
 * accounted for exactly once, and what arrived is what passed. */
START_TEST(stats_add_up) {
  struct sf_fault_dir_config d = {
      .loss_ppm = 50000,
      .dup_ppm = 50000,
      .corrupt_ppm = 50000,
      .reorder_ppm = 100000,
      .reorder_max_delay = 3 * MS,
      .delay = 1 * MS,
      .jitter = 500 * SF_NSEC_PER_USEC,
      .rate_bytes_per_sec = 80000,
      .rate_queue = 20,
      .max_queue = 24,
  };
  struct sf_fault_config cfg = {.seed = sf_test_seed(31337), .tx = d, .rx = d};
  struct rig r;
  rig_open(&r, &cfg, 4096);
  static struct seen stx, srx;
  stx.n = srx.n = 0;
  for (uint32_t i = 0; i < 3000; i++) {
    sf_time_t t = (sf_time_t)i * MS;
    send_id(r.f, i, 100, t);
    send_id(r.b, i, 100, t);
    collect(r.b, t, 100, &stx);
    collect(r.f, t, 100, &srx);
  }
  sf_time_t t;
  while ((t = sf__link_next_deadline(r.f)) != SF_TIME_NEVER) {
    ck_assert_int_eq(sf__link_poll(r.f, t), 0);
    collect(r.b, t, 100, &stx);
    collect(r.f, t, 100, &srx);
  }
  const struct sf_fault_dir_stats *tx = tx_stats(r.f), *rx = rx_stats(r.f);
  assert_balanced(tx);
  assert_balanced(rx);
  ck_assert_uint_eq(tx->offered, 3000);
  ck_assert_uint_eq(rx->offered, 3000);
  ck_assert_uint_eq(stx.n, tx->passed);
  ck_assert_uint_eq(srx.n, rx->passed);
  ck_assert_uint_eq(r.f->stats.tx_frames, tx->passed);
  ck_assert_uint_eq(r.f->stats.rx_frames, rx->passed);
  ck_assert_uint_eq(r.f->stats.tx_dropped,
                    tx->lost + tx->rate_dropped + tx->queue_dropped);
  /* Each fault happened: 100 kB/s offered (plus copies) against a rate of
   * 80 kB/s keeps the bucket's wait full. */
  ck_assert_uint_gt(tx->lost, 0);
  ck_assert_uint_gt(tx->rate_dropped, 0);
  ck_assert_uint_gt(tx->duplicated, 0);
  ck_assert_uint_gt(tx->corrupted, 0);
  ck_assert_uint_gt(tx->reordered, 0);
  ck_assert_uint_eq(tx->delayed, tx->offered + tx->duplicated - tx->lost -
                                     tx->rate_dropped - tx->queue_dropped);
  unsigned corrupted_seen = 0;
  for (size_t k = 0; k < stx.n; k++) {
    ck_assert_uint_le(stx.flipped[k], 1);
    corrupted_seen += stx.flipped[k];
  }
  ck_assert_uint_eq(corrupted_seen, tx->corrupted);
  rig_close(&r);
}
END_TEST

START_TEST(bad_config) {
  struct sf_link *a, *b, *f = (struct sf_link *)&f;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  struct sf_fault_config cfg = {.seed = 1};
  cfg.tx.loss_ppm = SF_FAULT_PPM + 1;
  ck_assert_int_eq(sf__link_fault_wrap(a, &cfg, &f), SF_EINVAL);
  ck_assert_ptr_null(f);
  cfg.tx.loss_ppm = 0;
  cfg.rx.reorder_ppm = 1; /* but no reorder_max_delay */
  ck_assert_int_eq(sf__link_fault_wrap(a, &cfg, &f), SF_EINVAL);
  cfg.rx.reorder_ppm = 0;
  cfg.rx.rate_bytes_per_sec = SF_FAULT_MAX_RATE + 1;
  ck_assert_int_eq(sf__link_fault_wrap(a, &cfg, &f), SF_EINVAL);
  cfg.rx.rate_bytes_per_sec = 0;
  ck_assert_int_eq(sf__link_fault_wrap(NULL, &cfg, &f), SF_EINVAL);
  ck_assert_int_eq(sf__link_fault_wrap(a, NULL, &f), SF_EINVAL);
  ck_assert_int_eq(sf__link_fault_wrap(a, &cfg, NULL), SF_EINVAL);
  /* a is still ours and still works. */
  uint8_t buf[60] = {0};
  struct sf_frame fr = {.data = buf, .len = 60, .cap = 60};
  ck_assert_int_eq(sf__link_send(a, &fr, 1, 0), 1);
  ck_assert_uint_eq(a->stats.tx_frames, 1);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

/* ------------------------------------------- a recording fake link */

struct rec_link {
  struct sf_link link;
  int refuse; /* send answers SF_EAGAIN */
  size_t n;
  sf_time_t when[16];
};

static int rec_send(struct sf_link *l, const struct sf_frame *f, size_t n,
                    sf_time_t now) {
  struct rec_link *r = (struct rec_link *)l;
  (void)f;
  if (r->refuse)
    return SF_EAGAIN;
  for (size_t i = 0; i < n && r->n < 16; i++)
    r->when[r->n++] = now;
  return (int)n;
}
static int rec_recv(struct sf_link *l, struct sf_frame *f, size_t n,
                    sf_time_t now) {
  (void)l, (void)f, (void)n, (void)now;
  return 0;
}
static sf_time_t rec_deadline(struct sf_link *l) {
  (void)l;
  return 777 * MS;
}
static int rec_poll(struct sf_link *l, sf_time_t now) {
  (void)l, (void)now;
  return 0;
}
static int rec_fd(struct sf_link *l) {
  (void)l;
  return -1;
}
static unsigned rec_mtu(struct sf_link *l) {
  (void)l;
  return 576;
}
static void rec_hwaddr(struct sf_link *l, uint8_t mac[6]) {
  (void)l;
  memset(mac, 0x42, 6);
}
static int rec_closed;
static void rec_close(struct sf_link *l) {
  (void)l;
  rec_closed++;
}
static const struct sf_link_ops rec_ops = {
    .send = rec_send,
    .recv = rec_recv,
    .next_deadline = rec_deadline,
    .poll = rec_poll,
    .fd = rec_fd,
    .mtu = rec_mtu,
    .hwaddr = rec_hwaddr,
    .close = rec_close,
};

START_TEST(release_times_and_backpressure) {
  struct rec_link rec = {.link = {.ops = &rec_ops, .kind = "rec"}};
  struct sf_fault_config cfg = {.seed = 1};
  cfg.tx.delay = 5 * MS;
  struct sf_link *f;
  ck_assert_int_eq(sf__link_fault_wrap(&rec.link, &cfg, &f), 0);
  ck_assert_int_eq(sf__link_fd(f), -1);
  ck_assert_uint_eq(sf__link_mtu(f), 576);
  uint8_t mac[6];
  sf__link_hwaddr(f, mac);
  ck_assert_uint_eq(mac[5], 0x42);
  /* The inner link's deadline counts when it is the earliest. */
  ck_assert_uint_eq(sf__link_next_deadline(f), 777 * MS);
  send_id(f, 1, 60, 100);
  send_id(f, 2, 60, 200);
  ck_assert_uint_eq(sf__link_next_deadline(f), 100 + 5 * MS);
  /* Polled late, frames still reach inner with their release times. */
  ck_assert_int_eq(sf__link_poll(f, 9 * MS), 0);
  ck_assert_uint_eq(rec.n, 2);
  ck_assert_uint_eq(rec.when[0], 100 + 5 * MS);
  ck_assert_uint_eq(rec.when[1], 200 + 5 * MS);
  /* Frames larger than inner's mtu + 14 are dropped at once. */
  send_id(f, 3, 591, 10 * MS);
  ck_assert_uint_eq(f->stats.tx_dropped, 1);
  ck_assert_uint_eq(tx_stats(f)->offered, 2);
  /* Inner pushes back: the frame stays held and is due, then goes. */
  rec.refuse = 1;
  send_id(f, 4, 60, 10 * MS);
  ck_assert_int_eq(sf__link_poll(f, 20 * MS), 0);
  ck_assert_uint_eq(tx_stats(f)->held, 1);
  ck_assert_uint_eq(sf__link_next_deadline(f), 15 * MS);
  rec.refuse = 0;
  ck_assert_int_eq(sf__link_poll(f, 21 * MS), 0);
  ck_assert_uint_eq(rec.n, 3);
  ck_assert_uint_eq(rec.when[2], 15 * MS);
  ck_assert_uint_eq(tx_stats(f)->held, 0);
  rec_closed = 0;
  sf__link_close(f);
  ck_assert_int_eq(rec_closed, 1); /* the wrapper closes what it wraps */
}
END_TEST

/* The middleware holds and reorders frames in its own buffers, so it
 * cannot lend: sf__link_recv_lend falls back to copying into the
 * caller's buffers (and recv_done does nothing), though the memory link
 * it wraps does lend. */
START_TEST(recv_lend_falls_back_to_copy) {
  struct sf_fault_config cfg = {.seed = 1};
  struct rig r;
  rig_open(&r, &cfg, 16);
  ck_assert_ptr_null(r.f->ops->recv_lend);
  for (uint32_t i = 0; i < 5; i++)
    send_id(r.b, i, 60 + i, 0);
  static uint8_t bufs[4 * FRAME_MAX];
  uint8_t orig[FRAME_MAX];
  struct sf_frame fr[4];
  for (int round = 0, seen = 0; round < 2; round++) {
    for (size_t i = 0; i < 4; i++)
      fr[i] = (struct sf_frame){.data = bufs + i * FRAME_MAX, .cap = FRAME_MAX};
    int n = sf__link_recv_lend(r.f, fr, 4, 0);
    ck_assert_int_eq(n, round ? 1 : 4);
    for (int i = 0; i < n; i++, seen++) {
      ck_assert_ptr_eq(fr[i].data, bufs + (size_t)i * FRAME_MAX);
      ck_assert_uint_eq(fr[i].len, make_frame((uint32_t)seen, 60 + (size_t)seen, orig));
      ck_assert_mem_eq(fr[i].data, orig, fr[i].len);
    }
    sf__link_recv_done(r.f);
  }
  rig_close(&r);
}
END_TEST

static Suite *fault_suite(void) {
  Suite *s = suite_create("link_fault");
  TCase *tc = tcase_create("faults");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, passthrough_when_all_zero);
  tcase_add_test(tc, fd_follows_frames_ready);
  tcase_add_test(tc, total_loss);
  tcase_add_test(tc, seed_replays_exactly);
  tcase_add_test(tc, loss_rate_in_band);
  tcase_add_test(tc, duplication_exact_copies);
  tcase_add_test(tc, corruption_flips_one_bit);
  tcase_add_test(tc, delay_exact);
  tcase_add_test(tc, jitter_within_bounds);
  tcase_add_test(tc, reordering_loses_nothing);
  tcase_add_test(tc, rate_limit_matches_rate);
  tcase_add_test(tc, rate_queue_bound_drops);
  tcase_add_test(tc, max_queue_drops);
  tcase_add_test(tc, stats_add_up);
  tcase_add_test(tc, bad_config);
  tcase_add_test(tc, release_times_and_backpressure);
  tcase_add_test(tc, recv_lend_falls_back_to_copy);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(fault_suite)
