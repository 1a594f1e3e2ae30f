/*
 * The growing byte ring (lib/tcp/ring.h): allocation on demand in powers
 * of two, exact contents across the wrap at every head position, growth
 * while wrapped, the limit (also when it is not a power of two), and a
 * randomized comparison with a flat-array model.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "tcp/ring.h"

/* A check that costs nothing while it holds. ck_assert records each
 * passing assertion's place (a write to the parent process when Check
 * forks), which makes loops of a million checks take a minute. */
/* The byte at stream position i in the tests' data: never 0 near 0, so
 * a byte that was not copied stands out from a zeroed buffer. */
static uint8_t pat(size_t i) { return (uint8_t)(i * 7 + 3); }

static void fill_pat(uint8_t *p, size_t from, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = pat(from + i);
}

/* Asserts the ring holds exactly pat(from) .. pat(from + n - 1). */
static void assert_holds(const struct sf_ring *r, size_t from, size_t n) {
  uint8_t got[4096];
  SF_CHECK(n <= sizeof got, "test buffer too small");
  SF_CHECK(sf__ring_len(r) == n, "len %zu, want %zu", sf__ring_len(r), n);
  SF_CHECK(sf__ring_peek(r, 0, got, sizeof got) == n, "peek short");
  for (size_t i = 0; i < n; i++)
    SF_CHECK(got[i] == pat(from + i), "byte %zu: %#x, want %#x", i, got[i],
          pat(from + i));
}

static int is_pow2(size_t n) { return n && (n & (n - 1)) == 0; }

START_TEST(test_idle_ring_allocates_nothing) {
  struct sf_ring r;
  uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  sf__ring_init(&r, 1000);
  ck_assert_ptr_null(r.buf);
  ck_assert_uint_eq(r.alloc, 0);
  ck_assert_uint_eq(sf__ring_len(&r), 0);
  ck_assert_uint_eq(sf__ring_space(&r), 1000);
  /* Nothing that stores no byte may allocate. */
  ck_assert_uint_eq(sf__ring_write(&r, NULL, b, 0), 0);
  ck_assert_uint_eq(sf__ring_peek(&r, 0, b, 8), 0);
  ck_assert_uint_eq(sf__ring_read(&r, b, 8), 0);
  ck_assert_uint_eq(sf__ring_consume(&r, 8), 0);
  ck_assert_uint_eq(sf__ring_len(&r), 0);
  ck_assert_ptr_null(r.buf);
  ck_assert_uint_eq(r.alloc, 0);
  sf__ring_free(&r, NULL); /* freeing a never-used ring is fine */
  ck_assert_ptr_null(r.buf);
  ck_assert_uint_eq(r.limit, 1000);
}
END_TEST

START_TEST(test_growth_in_powers_of_two) {
  /* limit 100000: 64 first, then doubling to the limit's power of two. */
  static const size_t want[] = {64,   128,   256,   512,   1024,
                                2048, 4096,  8192,  16384, 32768,
                                65536, 131072};
  struct sf_ring r;
  static uint8_t chunk[100000];
  sf__ring_init(&r, 100000);
  fill_pat(chunk, 0, sizeof chunk);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, chunk, 1), 1);
  ck_assert_uint_eq(r.alloc, want[0]);
  size_t stored = 1;
  for (size_t k = 1; k < sizeof want / sizeof want[0]; k++) {
    size_t to = want[k - 1] + 1 < 100000 ? want[k - 1] + 1 : 100000;
    ck_assert_uint_eq(sf__ring_write(&r, NULL, chunk + stored, to - stored),
                      to - stored);
    stored = to;
    ck_assert_uint_eq(r.alloc, want[k]);
  }
  ck_assert_uint_eq(sf__ring_write(&r, NULL, chunk + stored, 100000 - stored),
                    100000 - stored);
  ck_assert_uint_eq(r.alloc, 131072);
  ck_assert_uint_eq(sf__ring_len(&r), 100000);
  ck_assert_uint_eq(sf__ring_space(&r), 0);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, chunk, 1), 0);
  uint8_t *got = malloc(100000);
  ck_assert_uint_eq(sf__ring_read(&r, got, 100000), 100000);
  ck_assert_mem_eq(got, chunk, 100000);
  free(got);
  sf__ring_free(&r, NULL);
  ck_assert_ptr_null(r.buf);
  ck_assert_uint_eq(r.alloc, 0);

  /* A small limit is rounded up, never past its power of two. */
  sf__ring_init(&r, 10);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, chunk, 1), 1);
  ck_assert_uint_eq(r.alloc, 16);
  sf__ring_free(&r, NULL);
}
END_TEST

/* Cycling through a full ring many times reuses the buffer. */
START_TEST(test_steady_state_does_not_reallocate) {
  struct sf_ring r;
  uint8_t in[48], out[48];
  sf__ring_init(&r, 64);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, in, 1), 1);
  uint8_t *buf = r.buf;
  size_t pos = 0;
  sf__ring_consume(&r, 1);
  for (int i = 0; i < 100; i++) {
    fill_pat(in, pos, sizeof in);
    ck_assert_uint_eq(sf__ring_write(&r, NULL, in, sizeof in), sizeof in);
    ck_assert_uint_eq(sf__ring_read(&r, out, sizeof out), sizeof out);
    ck_assert_mem_eq(in, out, sizeof in);
    pos += sizeof in;
  }
  ck_assert_ptr_eq(r.buf, buf);
  ck_assert_uint_eq(r.alloc, 64);
  sf__ring_free(&r, NULL);
}
END_TEST

/*
 * Every head position 0..63 of a 64-byte ring and every length 1..64:
 * write, peek at every offset, read back in two pieces split at every
 * point. This covers the wrap at each boundary, including a wrap of
 * exactly zero bytes (data ending at the physical end).
 */
static void wrap_case(size_t h, size_t n) {
  struct sf_ring r;
  uint8_t in[64], got[64];
  sf__ring_init(&r, 64);
  memset(in, 0xee, sizeof in);
  size_t first = h ? h : 1;
  SF_CHECK(sf__ring_write(&r, NULL, in, first) == first, "setup write");
  SF_CHECK(sf__ring_consume(&r, 64) == first, "setup consume");
  SF_CHECK(r.head == first, "head %zu", (size_t)r.head); /* white-box */
  if (h == 0) { /* move head to 0 the long way, through the wrap */
    sf__ring_write(&r, NULL, in, 63);
    sf__ring_consume(&r, 63);
    SF_CHECK(r.head == 0, "head %zu, want 0", (size_t)r.head);
  }
  fill_pat(in, 0, n);
  SF_CHECK(sf__ring_write(&r, NULL, in, n) == n, "h %zu n %zu: write", h, n);
  assert_holds(&r, 0, n);
  for (size_t off = 0; off <= n; off++) {
    SF_CHECK(sf__ring_peek(&r, off, got, 64) == n - off, "h %zu n %zu off %zu",
          h, n, off);
    SF_CHECK(memcmp(got, in + off, n - off) == 0, "h %zu n %zu off %zu", h, n,
          off);
    /* the same bytes in place: two pieces exactly when they cross the
     * physical end (white-box: head + off) */
    struct sf_ring_view v[2];
    size_t len = n - off, at = (r.head + off) % 64;
    SF_CHECK(sf__ring_view(&r, off, 64, v) == len, "view h %zu off %zu", h, off);
    SF_CHECK(v[0].n + v[1].n == len, "view h %zu off %zu: pieces", h, off);
    SF_CHECK(v[1].n == (len && at + len > 64 ? at + len - 64 : 0),
             "view h %zu n %zu off %zu: second piece %zu", h, n, off, v[1].n);
    SF_CHECK(memcmp(v[0].p, in + off, v[0].n) == 0 &&
                 memcmp(v[1].p, in + off + v[0].n, v[1].n) == 0,
             "view h %zu n %zu off %zu: bytes", h, n, off);
  }
  struct sf_ring_view v[2];
  SF_CHECK(sf__ring_view(&r, n, 64, v) == 0 && v[0].n == 0 && v[1].n == 0,
           "view past the end");
  size_t split = (h * 31 + n) % (n + 1);
  SF_CHECK(sf__ring_read(&r, got, split) == split, "h %zu n %zu", h, n);
  SF_CHECK(sf__ring_read(&r, got + split, 64) == n - split, "h %zu n %zu", h, n);
  SF_CHECK(memcmp(got, in, n) == 0, "h %zu n %zu: read", h, n);
  SF_CHECK(sf__ring_len(&r) == 0 && r.alloc == 64, "h %zu n %zu", h, n);
  sf__ring_free(&r, NULL);
}

START_TEST(test_wrap_at_every_boundary) {
  for (size_t h = 0; h < 64; h++)
    for (size_t n = 1; n <= 64; n++)
      wrap_case(h, n);
}
END_TEST

START_TEST(test_grow_while_wrapped) {
  struct sf_ring r;
  uint8_t in[200];
  sf__ring_init(&r, 1024);
  fill_pat(in, 0, sizeof in);
  /* head 40, 54 bytes stored, the last 30 wrapped to the buffer start. */
  ck_assert_uint_eq(sf__ring_write(&r, NULL, in, 64), 64);
  ck_assert_uint_eq(sf__ring_consume(&r, 40), 40);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, in + 64, 30), 30);
  ck_assert_uint_eq(r.alloc, 64);
  assert_holds(&r, 40, 54);
  /* 50 more need 104 bytes: the ring doubles with the wrap undone. */
  ck_assert_uint_eq(sf__ring_write(&r, NULL, in + 94, 50), 50);
  ck_assert_uint_eq(r.alloc, 128);
  assert_holds(&r, 40, 104);
  sf__ring_free(&r, NULL);
}
END_TEST

/* Limits that are not powers of two: the ring never holds more. */
static void limit_case(size_t limit, size_t chunk) {
  struct sf_ring r;
  uint8_t in[512], out[512];
  size_t wpos = 0, rpos = 0;
  sf__ring_init(&r, limit);
  for (int round = 0; round < 50; round++) {
    /* Fill until refused, in chunks, checking each count exactly. */
    for (;;) {
      size_t expect = chunk < limit - sf__ring_len(&r)
                          ? chunk
                          : limit - sf__ring_len(&r);
      fill_pat(in, wpos, chunk);
      ck_assert_uint_eq(sf__ring_write(&r, NULL, in, chunk), expect);
      wpos += expect;
      ck_assert_uint_le(sf__ring_len(&r), limit);
      ck_assert_uint_eq(sf__ring_space(&r), limit - sf__ring_len(&r));
      if (expect < chunk)
        break;
    }
    ck_assert_uint_eq(sf__ring_len(&r), limit);
    ck_assert(is_pow2(r.alloc));
    ck_assert_uint_lt(r.alloc, 2 * limit); /* the limit's power of two */
    size_t take = (size_t)round % limit + 1;
    ck_assert_uint_eq(sf__ring_read(&r, out, take), take);
    for (size_t i = 0; i < take; i++)
      ck_assert_uint_eq(out[i], pat(rpos + i));
    rpos += take;
  }
  assert_holds(&r, rpos, wpos - rpos);
  sf__ring_free(&r, NULL);
}

START_TEST(test_limit_enforced) {
  limit_case(1, 1);
  limit_case(1, 7);
  limit_case(3, 2);
  limit_case(100, 7);
  limit_case(100, 100);
  limit_case(100, 300);
  limit_case(1000, 64);
  limit_case(65, 64); /* just past a power of two: alloc 128 */
}
END_TEST

START_TEST(test_zero_limit) {
  struct sf_ring r;
  sf__ring_init(&r, 0);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, "x", 1), 0);
  ck_assert_uint_eq(sf__ring_len(&r), 0);
  ck_assert_ptr_null(r.buf);
  sf__ring_free(&r, NULL);
}
END_TEST

/* A limit near SIZE_MAX is clamped so its power of two fits the ring's
 * 32-bit counts. */
START_TEST(test_huge_limit) {
  struct sf_ring r;
  uint8_t got[2];
  sf__ring_init(&r, SIZE_MAX);
  ck_assert_uint_eq(r.limit, (uint32_t)1 << 31);
  ck_assert_uint_eq(sf__ring_write(&r, NULL, "hi", 2), 2);
  ck_assert_uint_eq(r.alloc, 64);
  ck_assert_uint_eq(sf__ring_read(&r, got, 2), 2);
  ck_assert_mem_eq(got, "hi", 2);
  sf__ring_free(&r, NULL);
}
END_TEST

/*
 * The model: logical positions from the head in a flat array. Consuming
 * shifts the array down, the slow and obvious way.
 */
struct model {
  uint8_t mem[5000];
  size_t len, limit;
};

static void model_consume(struct model *m, size_t k) {
  memmove(m->mem, m->mem + k, m->limit - k);
  m->len -= k;
}

static size_t model_write(struct model *m, const uint8_t *d, size_t n) {
  size_t room = m->limit - m->len;
  if (n > room)
    n = room;
  memcpy(m->mem + m->len, d, n);
  m->len += n;
  return n;
}

/* Checks that the ring gave what the model expects: count and bytes. */
static void expect(size_t got_n, size_t want_n, const uint8_t *got,
                   const uint8_t *want, const char *op) {
  SF_CHECK(got_n == want_n, "%s returned %zu, model %zu", op, got_n, want_n);
  SF_CHECK(!got || memcmp(got, want, want_n) == 0, "%s: bytes differ", op);
}

static void random_op(struct sf_test_rng *g, struct sf_ring *r,
                      struct model *m) {
  uint8_t d[600], got[600];
  size_t n = sf_test_rng_below(g, 600);
  size_t off = sf_test_rng_below(g, (uint32_t)m->limit + 20);
  size_t k;
  sf_test_rng_fill(g, d, n);
  switch (sf_test_rng_below(g, 4)) {
  case 0:
    k = model_write(m, d, n);
    expect(sf__ring_write(r, NULL, d, n), k, NULL, NULL, "write");
    break;
  case 1:
    k = off < m->len ? (n < m->len - off ? n : m->len - off) : 0;
    expect(sf__ring_peek(r, off, got, n), k, got,
           m->mem + (off < m->len ? off : 0), "peek");
    break;
  case 2:
    k = n < m->len ? n : m->len;
    expect(sf__ring_read(r, got, n), k, got, m->mem, "read");
    model_consume(m, k);
    break;
  default:
    k = n < m->len ? n : m->len;
    expect(sf__ring_consume(r, n), k, NULL, NULL, "consume");
    model_consume(m, k);
    break;
  }
}

static void model_run(uint64_t seed, size_t limit, int ops) {
  static struct model m;
  struct sf_ring r;
  struct sf_test_rng g;
  static uint8_t got[5000];
  ck_assert_uint_le(limit, sizeof m.mem);
  sf_test_rng_seed(&g, seed);
  memset(&m, 0, sizeof m);
  m.limit = limit;
  sf__ring_init(&r, limit);
  for (int i = 0; i < ops; i++) {
    random_op(&g, &r, &m);
    SF_CHECK(sf__ring_len(&r) == m.len, "seed %llu op %d: len %zu, model %zu",
          (unsigned long long)seed, i, sf__ring_len(&r), m.len);
    SF_CHECK(m.len <= limit, "model past the limit");
    SF_CHECK(r.alloc == 0 || is_pow2(r.alloc), "alloc %zu", (size_t)r.alloc);
    SF_CHECK(r.alloc < 2 * limit, "alloc %zu past limit %zu", (size_t)r.alloc,
             limit);
  }
  expect(sf__ring_peek(&r, 0, got, sizeof got), m.len, got, m.mem, "end");
  sf__ring_free(&r, NULL);
}

START_TEST(test_random_against_model) {
  static const size_t limits[] = {1, 5, 64, 100, 1000, 4096, 5000};
  uint64_t seed = sf_test_seed(0x52494e47); /* "RING" */
  for (uint64_t s = 0; s < 40; s++)
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
      model_run(seed + s * 7919 + i, limits[i], 800);
}
END_TEST

static Suite *ring_suite(void) {
  Suite *s = suite_create("ring");
  TCase *tc = tcase_create("alloc");
  tcase_add_test(tc, test_idle_ring_allocates_nothing);
  tcase_add_test(tc, test_growth_in_powers_of_two);
  tcase_add_test(tc, test_steady_state_does_not_reallocate);
  suite_add_tcase(s, tc);
  tc = tcase_create("contents");
  tcase_add_test(tc, test_wrap_at_every_boundary);
  tcase_add_test(tc, test_grow_while_wrapped);
  suite_add_tcase(s, tc);
  tc = tcase_create("limit");
  tcase_add_test(tc, test_limit_enforced);
  tcase_add_test(tc, test_zero_limit);
  tcase_add_test(tc, test_huge_limit);
  suite_add_tcase(s, tc);
  tc = tcase_create("model");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_random_against_model);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(ring_suite)
