/*
 * The in-memory link pair (lib/link/memory.c): order and bytes, the
 * bounded queue, oversize and truncation, the eventfd's readability, a
 * peer that has gone away, and the lending contract (recv_lend /
 * recv_done, link.h): lent frames stay put and keep their slots until
 * given back.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "link/memory.h"
#include "synfin.h"

#define FRAME_MAX 1514

static int readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, 0);
  ck_assert_int_ge(r, 0);
  return r == 1 && (p.revents & POLLIN);
}

/* Sends one frame of len bytes, each byte `fill`. */
static void send_fill(struct sf_link *l, size_t len, uint8_t fill) {
  static uint8_t buf[FRAME_MAX + 16];
  ck_assert_uint_le(len, sizeof(buf));
  memset(buf, fill, len);
  struct sf_frame f = {.data = buf, .len = len, .cap = len};
  ck_assert_int_eq(sf__link_send(l, &f, 1, 0), 1);
}

/* Receives one frame; returns its length and its first byte in *fill. */
static size_t recv_one(struct sf_link *l, uint8_t *fill) {
  uint8_t buf[FRAME_MAX];
  struct sf_frame f = {.data = buf, .len = 0, .cap = sizeof(buf)};
  ck_assert_int_eq(sf__link_recv(l, &f, 1, 0), 1);
  *fill = f.len ? buf[0] : 0;
  return f.len;
}

START_TEST(defaults) {
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  ck_assert_str_eq(a->kind, "memory");
  ck_assert_uint_eq(sf__link_mtu(a), 1500);
  ck_assert_uint_eq(sf__link_mtu(b), 1500);
  uint8_t mac[6], want_a[6] = {2, 0, 0, 0, 0, 1}, want_b[6] = {2, 0, 0, 0, 0, 2};
  sf__link_hwaddr(a, mac);
  ck_assert_mem_eq(mac, want_a, 6);
  sf__link_hwaddr(b, mac);
  ck_assert_mem_eq(mac, want_b, 6);
  ck_assert_int_ge(sf__link_fd(a), 0);
  ck_assert_int_ge(sf__link_fd(b), 0);
  ck_assert_int_ne(sf__link_fd(a), sf__link_fd(b));
  /* Safe for a reactor: never blocks, not inherited across exec. */
  ck_assert(fcntl(sf__link_fd(a), F_GETFL) & O_NONBLOCK);
  ck_assert(fcntl(sf__link_fd(b), F_GETFD) & FD_CLOEXEC);
  ck_assert_uint_eq(sf__link_next_deadline(a), SF_TIME_NEVER);
  ck_assert_int_eq(sf__link_poll(a, 5), 0);
  uint8_t buf[4];
  struct sf_frame f = {.data = buf, .len = 0, .cap = sizeof(buf)};
  ck_assert_int_eq(sf__link_recv(a, &f, 1, 0), 0); /* nothing yet */
  ck_assert_int_eq(sf__link_send(a, NULL, 0, 0), 0);
  ck_assert_int_eq(sf__link_recv(b, NULL, 0, 0), 0);
  /* The default queue holds 256 frames; the 257th is dropped. */
  for (int i = 0; i < 257; i++)
    send_fill(a, 60, (uint8_t)i);
  ck_assert_uint_eq(a->stats.tx_frames, 256);
  ck_assert_uint_eq(a->stats.tx_dropped, 1);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(config_and_bounds) {
  struct sf_memory_link_config cfg = {
      .mtu = 9000,
      .queue_frames = 3,
      .mac_a = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee},
      .mac_b = {0x06, 0x11, 0x22, 0x33, 0x44, 0x55},
  };
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), 0);
  ck_assert_uint_eq(sf__link_mtu(a), 9000);
  uint8_t mac[6];
  sf__link_hwaddr(a, mac);
  ck_assert_mem_eq(mac, cfg.mac_a, 6);
  sf__link_hwaddr(b, mac);
  ck_assert_mem_eq(mac, cfg.mac_b, 6);
  sf__link_close(a);
  sf__link_close(b);

  cfg.mtu = 67; /* below RFC 791's 68 */
  a = b = (struct sf_link *)&cfg; /* must be overwritten with NULL */
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), SF_EINVAL);
  ck_assert_ptr_null(a);
  ck_assert_ptr_null(b);
  cfg.mtu = SF_MEMORY_LINK_MAX_MTU + 1;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), SF_EINVAL);
  cfg.mtu = SF_MEMORY_LINK_MAX_MTU;
  cfg.queue_frames = SF_MEMORY_LINK_MAX_QUEUE + 1;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), SF_EINVAL);
  ck_assert_int_eq(sf__link_memory_pair(&cfg, NULL, &b), SF_EINVAL);
}
END_TEST

/* Random frames in random batches arrive in order and byte for byte. */
START_TEST(order_and_bytes) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x11e40));
  struct sf_memory_link_config cfg = {.queue_frames = 512};
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), 0);
  enum { N = 400 };
  static uint8_t sent[N][FRAME_MAX], got[N][FRAME_MAX];
  size_t lens[N], total = 0;
  struct sf_frame frames[N];
  for (int i = 0; i < N; i++) {
    lens[i] = sf_test_rng_below(&rng, FRAME_MAX + 1); /* 0..1514 */
    sf_test_rng_fill(&rng, sent[i], lens[i]);
    frames[i] =
        (struct sf_frame){.data = sent[i], .len = lens[i], .cap = lens[i]};
    total += lens[i];
  }
  for (int i = 0; i < N;) {
    int k = 1 + (int)sf_test_rng_below(&rng, 40);
    if (k > N - i)
      k = N - i;
    ck_assert_int_eq(sf__link_send(a, &frames[i], (size_t)k, 0), k);
    i += k;
  }
  ck_assert_uint_eq(a->stats.tx_frames, N);
  ck_assert_uint_eq(a->stats.tx_bytes, total);
  ck_assert_uint_eq(a->stats.tx_dropped, 0);
  int n = 0;
  while (n < N) {
    struct sf_frame in[7];
    for (int j = 0; j < 7; j++)
      in[j] = (struct sf_frame){
          .data = got[(n + j) % N], .len = 0, .cap = FRAME_MAX};
    int r = sf__link_recv(b, in, 7, 0);
    ck_assert_int_eq(r, N - n < 7 ? N - n : 7);
    for (int j = 0; j < r; j++) {
      ck_assert_uint_eq(in[j].len, lens[n + j]);
      ck_assert_mem_eq(got[n + j], sent[n + j], lens[n + j]);
    }
    n += r;
  }
  ck_assert_uint_eq(b->stats.rx_frames, N);
  ck_assert_uint_eq(b->stats.rx_bytes, total);
  ck_assert_uint_eq(b->stats.rx_truncated, 0);
  /* Nothing crossed the other way. */
  ck_assert_uint_eq(a->stats.rx_frames, 0);
  ck_assert_uint_eq(b->stats.tx_frames, 0);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(queue_full_drops) {
  struct sf_memory_link_config cfg = {.queue_frames = 4};
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), 0);
  uint8_t buf[6][64];
  struct sf_frame f[6];
  for (int i = 0; i < 6; i++) {
    memset(buf[i], 'A' + i, sizeof(buf[i]));
    f[i] = (struct sf_frame){.data = buf[i], .len = 60, .cap = 60};
  }
  /* All six are taken; the last two find the queue full. */
  ck_assert_int_eq(sf__link_send(a, f, 6, 0), 6);
  ck_assert_uint_eq(a->stats.tx_frames, 4);
  ck_assert_uint_eq(a->stats.tx_bytes, 240);
  ck_assert_uint_eq(a->stats.tx_dropped, 2);
  uint8_t fill;
  ck_assert_uint_eq(recv_one(b, &fill), 60);
  ck_assert_uint_eq(fill, 'A');
  /* One slot free again: the next frame fits, the one after does not. */
  send_fill(a, 61, 'G');
  send_fill(a, 62, 'H');
  ck_assert_uint_eq(a->stats.tx_dropped, 3);
  const char want[] = "BCDG";
  for (int i = 0; i < 4; i++) {
    ck_assert_uint_eq(recv_one(b, &fill), i < 3 ? 60 : 61);
    ck_assert_uint_eq(fill, (uint8_t)want[i]);
  }
  ck_assert_uint_eq(b->stats.rx_frames, 5);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(oversize_dropped) {
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  send_fill(a, 1515, 'x'); /* mtu 1500 + 14 + 1 */
  ck_assert_uint_eq(a->stats.tx_dropped, 1);
  ck_assert_uint_eq(a->stats.tx_frames, 0);
  ck_assert(!readable(sf__link_fd(b)));
  send_fill(a, 1514, 'y'); /* exactly mtu + 14: fine */
  ck_assert_uint_eq(a->stats.tx_dropped, 1);
  uint8_t fill;
  ck_assert_uint_eq(recv_one(b, &fill), 1514);
  ck_assert_uint_eq(fill, 'y');
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(truncation) {
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  uint8_t out[100], in[64];
  for (int i = 0; i < 100; i++)
    out[i] = (uint8_t)i;
  struct sf_frame f = {.data = out, .len = 100, .cap = 100};
  ck_assert_int_eq(sf__link_send(a, &f, 1, 0), 1);
  memset(in, 0xee, sizeof(in));
  struct sf_frame r = {.data = in, .len = 0, .cap = 60};
  ck_assert_int_eq(sf__link_recv(b, &r, 1, 0), 1);
  ck_assert_uint_eq(r.len, 60);
  ck_assert_mem_eq(in, out, 60);
  ck_assert_uint_eq(in[60], 0xee); /* not a byte past cap */
  ck_assert_uint_eq(b->stats.rx_truncated, 1);
  ck_assert_uint_eq(b->stats.rx_bytes, 100);
  ck_assert_uint_eq(b->stats.rx_frames, 1);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(eventfd_readable_iff_queued) {
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  int fa = sf__link_fd(a), fb = sf__link_fd(b);
  ck_assert(!readable(fa));
  ck_assert(!readable(fb));
  send_fill(a, 60, 1);
  ck_assert(readable(fb));
  ck_assert(!readable(fa)); /* only the receiving end */
  send_fill(a, 60, 2);
  uint8_t fill;
  recv_one(b, &fill);
  ck_assert(readable(fb)); /* one still queued */
  recv_one(b, &fill);
  ck_assert_uint_eq(fill, 2);
  ck_assert(!readable(fb)); /* drained */
  send_fill(a, 60, 3);
  ck_assert(readable(fb)); /* and again */
  send_fill(b, 60, 4);
  ck_assert(readable(fa));
  recv_one(a, &fill);
  ck_assert(!readable(fa));
  ck_assert(readable(fb));
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(peer_closed) {
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  send_fill(b, 70, 'q'); /* queued at a before b goes */
  sf__link_close(b);
  uint8_t buf[3][64];
  struct sf_frame f[3] = {{.data = buf[0], .len = 60, .cap = 60},
                          {.data = buf[1], .len = 60, .cap = 60},
                          {.data = buf[2], .len = 60, .cap = 60}};
  ck_assert_int_eq(sf__link_send(a, f, 3, 0), 3); /* taken, then dropped */
  ck_assert_uint_eq(a->stats.tx_dropped, 3);
  ck_assert_uint_eq(a->stats.tx_frames, 0);
  ck_assert(readable(sf__link_fd(a)));
  uint8_t fill;
  ck_assert_uint_eq(recv_one(a, &fill), 70);
  ck_assert_uint_eq(fill, 'q');
  ck_assert(!readable(sf__link_fd(a)));
  sf__link_close(a);

  /* The other order: a closes first. */
  ck_assert_int_eq(sf__link_memory_pair(NULL, &a, &b), 0);
  sf__link_close(a);
  send_fill(b, 60, 'z');
  ck_assert_uint_eq(b->stats.tx_dropped, 1);
  sf__link_close(b);
  sf__link_close(NULL); /* a no-op */
}
END_TEST

/* recv_lend into caller buffers of `fill` 0xee; returns how many came. */
static int lend(struct sf_link *l, struct sf_frame *f, size_t n,
                uint8_t *bufs, size_t cap) {
  for (size_t i = 0; i < n; i++)
    f[i] = (struct sf_frame){.data = bufs + i * cap, .cap = cap};
  return sf__link_recv_lend(l, f, n, 0);
}

static void assert_frame(const struct sf_frame *f, size_t len, uint8_t fill) {
  ck_assert_uint_eq(f->len, len);
  for (size_t k = 0; k < len; k++)
    ck_assert_uint_eq(f->data[k], fill);
}

START_TEST(lend_holds_slots_until_done) {
  struct sf_memory_link_config cfg = {.queue_frames = 4};
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), 0);
  static uint8_t bufs[4 * FRAME_MAX];
  struct sf_frame f[4];
  for (uint8_t i = 1; i <= 3; i++)
    send_fill(a, 60 + i, i);
  ck_assert_int_eq(lend(b, f, 4, bufs, FRAME_MAX), 3);
  for (int i = 0; i < 3; i++) {
    /* in place: not in the caller's buffer, which stays untouched */
    ck_assert(f[i].data < bufs || f[i].data >= bufs + sizeof(bufs));
    ck_assert_uint_eq(f[i].cap, f[i].len);
    assert_frame(&f[i], 60 + (size_t)i + 1, (uint8_t)(i + 1));
  }
  ck_assert_uint_eq(b->stats.rx_frames, 3);
  ck_assert(!readable(sf__link_fd(b))); /* lent frames are read */
  /* Lent slots still count against the queue: one more fits, not two. */
  send_fill(a, 70, 4);
  ck_assert(readable(sf__link_fd(b)));
  send_fill(a, 70, 5);
  ck_assert_uint_eq(a->stats.tx_dropped, 1);
  for (int i = 0; i < 3; i++) /* and nothing overwrote them */
    assert_frame(&f[i], 60 + (size_t)i + 1, (uint8_t)(i + 1));
  /* Until they are given back, no other receive. */
  struct sf_frame g[1];
  ck_assert_int_eq(lend(b, g, 1, bufs, FRAME_MAX), SF_EINVAL);
  uint8_t fill;
  g[0] = (struct sf_frame){.data = bufs, .cap = FRAME_MAX};
  ck_assert_int_eq(sf__link_recv(b, g, 1, 0), SF_EINVAL);
  sf__link_recv_done(b);
  ck_assert(readable(sf__link_fd(b))); /* frame 4 waits */
  for (uint8_t i = 6; i <= 8; i++) /* the three slots are free again */
    send_fill(a, 60, i);
  ck_assert_uint_eq(a->stats.tx_dropped, 1);
  ck_assert_uint_eq(recv_one(b, &fill), 70);
  ck_assert_uint_eq(fill, 4);
  ck_assert_int_eq(lend(b, f, 4, bufs, FRAME_MAX), 3);
  for (int i = 0; i < 3; i++)
    assert_frame(&f[i], 60, (uint8_t)(6 + i));
  sf__link_recv_done(b);
  sf__link_recv_done(b); /* nothing lent: harmless */
  ck_assert(!readable(sf__link_fd(b)));
  ck_assert_int_eq(lend(b, f, 4, bufs, FRAME_MAX), 0);
  sf__link_recv_done(b);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

START_TEST(lend_keeps_order_across_wrap) {
  struct sf_memory_link_config cfg = {.queue_frames = 5};
  struct sf_link *a, *b;
  ck_assert_int_eq(sf__link_memory_pair(&cfg, &a, &b), 0);
  static uint8_t bufs[3 * FRAME_MAX];
  struct sf_frame f[3];
  uint8_t next_sent = 0, next_read = 0;
  for (int round = 0; round < 20; round++) {
    while (next_sent - next_read < 5)
      send_fill(a, 100 + next_sent % 7, next_sent), next_sent++;
    int n = lend(b, f, 3, bufs, FRAME_MAX);
    ck_assert_int_eq(n, 3);
    for (int i = 0; i < n; i++, next_read++)
      assert_frame(&f[i], 100 + next_read % 7, next_read);
    sf__link_recv_done(b);
  }
  ck_assert_uint_eq(a->stats.tx_dropped, 0);
  sf__link_close(a);
  sf__link_close(b);
}
END_TEST

static Suite *memory_suite(void) {
  Suite *s = suite_create("link_memory");
  TCase *tc = tcase_create("pair");
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, config_and_bounds);
  tcase_add_test(tc, order_and_bytes);
  tcase_add_test(tc, queue_full_drops);
  tcase_add_test(tc, oversize_dropped);
  tcase_add_test(tc, truncation);
  tcase_add_test(tc, eventfd_readable_iff_queued);
  tcase_add_test(tc, peer_closed);
  tcase_add_test(tc, lend_holds_slots_until_done);
  tcase_add_test(tc, lend_keeps_order_across_wrap);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(memory_suite)
