/*
 * IPv4 reassembly (lib/ip/reasm.c) as a data structure, and fragments in
 * and out of the IP layer (lib/ip/ipv4_input.c, ipv4_output.c) with a
 * virtual clock.
 *
 * The queue: in order, reverse order, shuffled with exact duplicates
 * (seeded, checked against a model), overlaps dropping the datagram,
 * inconsistent ends, the 65535-byte limit (with fragment 0's options),
 * bad fragments, the 30 s timeout to the nanosecond with the quote it
 * reports, eviction by the datagram and the byte caps, memory accounting.
 * The layer: Linux's `ping -s 4000` fragments answered with a reply
 * fragmented exactly as Linux fragments its own (reassembled here and
 * compared), random echo sizes and MTUs, ICMP time exceeded byte for
 * byte (and when it must not be sent), the layer's deadline, a TCP
 * segment delivered from fragments, a fragmented broadcast, parameters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ip/ip.h"
#include "ip/reasm.h"
#include "synfin.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define SEC SF_NSEC_PER_SEC
#define PEER 0xc6120001u /* 198.18.0.1 */
#define US 0xc6120002u   /* 198.18.0.2 */
#define BCAST 0xc61200ffu

/* ================================================== the queue by itself */

struct q {
  struct sf_reasm r;
  struct sf_ip_counters ctr;
  struct sf_ip_params p;
};

static void q_open(struct q *q, unsigned max_dgrams, size_t max_bytes) {
  memset(q, 0, sizeof(*q));
  sf__ip_params_default(&q->p);
  if (max_dgrams)
    q->p.reasm_max_datagrams = max_dgrams;
  if (max_bytes)
    q->p.reasm_max_bytes = max_bytes;
  sf__reasm_init(&q->r, &q->p, &q->ctr);
}

/* A fragment of datagram id: data at byte offset off; more sets MF.
 * opt_len bytes of NOP options (a multiple of 4). */
struct frag {
  uint16_t id;
  uint32_t off;
  bool more;
  const uint8_t *data;
  size_t len;
  size_t opt_len;
  uint8_t proto;
};

/* Inserts f (emitted, then parsed as the IP layer would) at now. */
static int put(struct q *q, const struct frag *f, sf_time_t now,
               struct sf_reasm_out *out) {
  static uint8_t buf[65536 + 60];
  uint8_t opts[40];
  memset(opts, 1, sizeof opts);
  struct sf_ipv4_hdr h = {.id = f->id, .ttl = 64,
                          .proto = f->proto ? f->proto : SF_IPPROTO_ICMP,
                          .src = PEER, .dst = US,
                          .flags = f->more ? SF_IPV4_FLAG_MF : 0,
                          .frag_offset = (uint16_t)(f->off / 8),
                          .options = opts, .options_len = f->opt_len,
                          .payload_len = f->len};
  int hl = sf__ipv4_emit(&h, buf, sizeof buf);
  ck_assert_int_eq(hl, 20 + (int)f->opt_len);
  if (f->len)
    memcpy(buf + hl, f->data, f->len);
  struct sf_ipv4_hdr p;
  ck_assert_int_eq(sf__ipv4_parse(buf, (size_t)hl + f->len, 0, &p), 0);
  memset(out, 0, sizeof(*out));
  return sf__reasm_insert(&q->r, &p, 0, now, out);
}

/* Checks out is datagram id carrying data (len bytes), and frees it. */
static void expect_dgram(struct sf_reasm_out *out, uint16_t id,
                         const uint8_t *data, size_t len) {
  ck_assert_ptr_nonnull(out->data);
  ck_assert_uint_eq(out->len, 20 + len);
  struct sf_ipv4_hdr h;
  /* the header checksum verifies: it was recomputed */
  ck_assert_int_eq(sf__ipv4_parse(out->data, out->len, 0, &h), 0);
  ck_assert_uint_eq(h.total_len, 20 + len);
  ck_assert_uint_eq(h.id, id);
  ck_assert_uint_eq(h.flags, 0);
  ck_assert_uint_eq(h.frag_offset, 0);
  ck_assert_uint_eq(h.ttl, 64);
  ck_assert_uint_eq(h.src, PEER);
  ck_assert_uint_eq(h.dst, US);
  ck_assert_uint_eq(h.payload_len, len);
  ck_assert_int_eq(memcmp(h.payload, data, len), 0);
  free(out->data);
  out->data = NULL;
}

static uint8_t *random_data(struct sf_test_rng *r, size_t len) {
  uint8_t *d = malloc(len ? len : 1);
  ck_assert_ptr_nonnull(d);
  sf_test_rng_fill(r, d, len);
  return d;
}

START_TEST(test_in_order_and_reverse) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x4001));
  uint8_t *data = random_data(&rng, 4000);
  /* 1480 + 1480 + 1040: how Linux cuts 4000 bytes for a 1500 MTU */
  struct frag f[3] = {{7, 0, true, data, 1480, 0, 0},
                      {7, 1480, true, data + 1480, 1480, 0, 0},
                      {7, 2960, false, data + 2960, 1040, 0, 0}};
  for (int reverse = 0; reverse < 2; reverse++) {
    struct q q;
    q_open(&q, 0, 0);
    struct sf_reasm_out out;
    for (int i = 0; i < 2; i++) {
      int k = reverse ? 2 - i : i;
      ck_assert_int_eq(put(&q, &f[k], 0, &out), SF_REASM_HELD);
      ck_assert_uint_eq(sf__reasm_count(&q.r), 1);
    }
    /* in order: 2048 -> 4096 bytes of buffer; reverse: 4096 at once */
    ck_assert_uint_eq(sf__reasm_bytes(&q.r), SF_REASM_OVERHEAD + 4096);
    ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), 30 * SEC);
    ck_assert_int_eq(put(&q, &f[reverse ? 0 : 2], 0, &out), SF_REASM_DONE);
    expect_dgram(&out, 7, data, 4000);
    ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
    ck_assert_uint_eq(sf__reasm_bytes(&q.r), 0);
    ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), SF_TIME_NEVER);
    ck_assert_uint_eq(q.ctr.ip_reasm_ok, 1);
    sf__reasm_destroy(&q.r);
  }
  free(data);
}
END_TEST

/* Two datagrams of the same source with different ids, interleaved; a
 * third with the same id but another protocol is another datagram. */
START_TEST(test_key_is_src_dst_id_proto) {
  struct q q;
  q_open(&q, 0, 0);
  uint8_t a[16], b[16], c[16];
  memset(a, 0xaa, 16), memset(b, 0xbb, 16), memset(c, 0xcc, 16);
  struct sf_reasm_out out;
  struct frag fa0 = {1, 0, true, a, 8, 0, 0};
  struct frag fa1 = {1, 8, false, a + 8, 8, 0, 0};
  struct frag fb0 = {2, 0, true, b, 8, 0, 0};
  struct frag fb1 = {2, 8, false, b + 8, 8, 0, 0};
  struct frag fc0 = {1, 0, true, c, 8, 0, SF_IPPROTO_TCP};
  ck_assert_int_eq(put(&q, &fa0, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &fb0, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &fc0, 0, &out), SF_REASM_HELD);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 3);
  ck_assert_int_eq(put(&q, &fb1, 0, &out), SF_REASM_DONE);
  expect_dgram(&out, 2, b, 16);
  ck_assert_int_eq(put(&q, &fa1, 0, &out), SF_REASM_DONE);
  expect_dgram(&out, 1, a, 16);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 1);
  sf__reasm_destroy(&q.r); /* frees the TCP one (ASan/valgrind check) */
  ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
}
END_TEST

/*
 * Random datagrams cut at random 8-byte multiples, fed shuffled with
 * exact duplicates; a model (which pieces the current datagram holds)
 * says when each insert must complete it and how many are duplicates.
 */
START_TEST(test_shuffled_with_duplicates) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x5eed));
  for (int round = 0; round < 60; round++) {
    struct q q;
    q_open(&q, 0, 0);
    size_t len = 1 + sf_test_rng_below(&rng, 65515);
    uint8_t *data = random_data(&rng, len);
    struct frag pieces[400];
    size_t np = 0;
    for (size_t off = 0; off < len;) {
      size_t n = 8 * (1 + sf_test_rng_below(&rng, 1000));
      if (np == 399 || off + n >= len)
        n = len - off;
      pieces[np] = (struct frag){(uint16_t)round, (uint32_t)off,
                                 off + n < len, data + off, n, 0, 0};
      np++;
      off += n;
    }
    /* every piece once, about a third twice, shuffled */
    size_t order[800], n = 0;
    for (size_t i = 0; i < np; i++) {
      order[n++] = i;
      if (sf_test_rng_below(&rng, 3) == 0)
        order[n++] = i;
    }
    for (size_t i = n - 1; i > 0; i--) {
      size_t j = sf_test_rng_below(&rng, (uint32_t)(i + 1));
      size_t t = order[i];
      order[i] = order[j], order[j] = t;
    }
    bool have[400] = {false};
    size_t held = 0, dups = 0, done = 0;
    for (size_t i = 0; i < n; i++) {
      struct sf_reasm_out out;
      int rc = put(&q, &pieces[order[i]], 0, &out);
      if (have[order[i]]) {
        dups++;
        ck_assert_int_eq(rc, SF_REASM_HELD);
        continue;
      }
      have[order[i]] = true;
      if (++held < np) {
        ck_assert_int_eq(rc, SF_REASM_HELD);
        continue;
      }
      ck_assert_int_eq(rc, SF_REASM_DONE);
      expect_dgram(&out, (uint16_t)round, data, len);
      done++;
      memset(have, 0, sizeof have);
      held = 0;
    }
    ck_assert_uint_ge(done, 1);
    ck_assert_uint_eq(q.ctr.ip_reasm_ok, done);
    ck_assert_uint_eq(q.ctr.ip_reasm_duplicates, dups);
    ck_assert_uint_eq(sf__reasm_count(&q.r), held ? 1 : 0);
    sf__reasm_destroy(&q.r);
    free(data);
  }
}
END_TEST

START_TEST(test_overlap_drops_datagram) {
  uint8_t x[32], y[32];
  memset(x, 'x', 32);
  memset(y, 'y', 32);
  struct frag first = {9, 0, true, x, 16, 0, 0};
  struct {
    struct frag f;
    const char *why;
  } bad[] = {
      {{9, 8, true, y, 16, 0, 0}, "different data over [8, 16)"},
      {{9, 0, true, y, 16, 0, 0}, "same place, different data"},
      {{9, 8, true, x, 16, 0, 0}, "same bytes, other extent"},
      {{9, 8, false, y, 3, 0, 0}, "a last fragment inside"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct q q;
    q_open(&q, 0, 0);
    struct sf_reasm_out out;
    ck_assert_int_eq(put(&q, &first, 0, &out), SF_REASM_HELD);
    /* an exact copy is fine */
    ck_assert_int_eq(put(&q, &first, 0, &out), SF_REASM_HELD);
    ck_assert_uint_eq(q.ctr.ip_reasm_duplicates, 1);
    int rc = put(&q, &bad[i].f, 0, &out);
    ck_assert_msg(rc == SF_REASM_DROPPED, "%s", bad[i].why);
    ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
    ck_assert_uint_eq(sf__reasm_bytes(&q.r), 0);
    /* the last case trips the end check first: data past its end */
    if (i == 3)
      ck_assert_uint_eq(q.ctr.ip_reasm_bad_end, 1);
    else
      ck_assert_uint_eq(q.ctr.ip_reasm_overlap, 1);
    /* what comes next for that key starts over */
    struct frag rest = {9, 16, false, x + 16, 16, 0, 0};
    ck_assert_int_eq(put(&q, &rest, 0, &out), SF_REASM_HELD);
    ck_assert_uint_eq(sf__reasm_count(&q.r), 1);
    sf__reasm_destroy(&q.r);
  }
}
END_TEST

START_TEST(test_inconsistent_end) {
  uint8_t d[64] = {0};
  struct sf_reasm_out out;
  struct q q;
  /* two last fragments, ends 24 and 32 */
  q_open(&q, 0, 0);
  struct frag l1 = {3, 16, false, d, 8, 0, 0}, l2 = {3, 24, false, d, 8, 0, 0};
  ck_assert_int_eq(put(&q, &l1, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &l2, 0, &out), SF_REASM_DROPPED);
  ck_assert_uint_eq(q.ctr.ip_reasm_bad_end, 1);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
  /* an MF fragment past the end already known */
  ck_assert_int_eq(put(&q, &l1, 0, &out), SF_REASM_HELD);
  struct frag m = {3, 24, true, d, 8, 0, 0};
  ck_assert_int_eq(put(&q, &m, 0, &out), SF_REASM_DROPPED);
  ck_assert_uint_eq(q.ctr.ip_reasm_bad_end, 2);
  /* a last fragment ending before data already held */
  ck_assert_int_eq(put(&q, &m, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &l1, 0, &out), SF_REASM_DROPPED);
  ck_assert_uint_eq(q.ctr.ip_reasm_bad_end, 3);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
  /* a duplicate of an MF fragment sent again as the last one ends it */
  struct frag a = {4, 0, true, d, 8, 0, 0}, b = {4, 8, true, d + 8, 8, 0, 0};
  struct frag b_last = {4, 8, false, d + 8, 8, 0, 0};
  ck_assert_int_eq(put(&q, &a, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &b, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &b_last, 0, &out), SF_REASM_DONE);
  expect_dgram(&out, 4, d, 16);
  sf__reasm_destroy(&q.r);
}
END_TEST

START_TEST(test_bad_fragments) {
  struct q q;
  q_open(&q, 0, 0);
  uint8_t d[1008] = {0};
  struct sf_reasm_out out;
  struct frag first = {5, 0, true, d, 1000, 0, 0};
  /* a middle fragment of 1001 bytes: not a multiple of 8 */
  struct frag odd = {5, 1000, true, d, 1001, 0, 0};
  struct frag empty = {5, 2000, true, d, 0, 0, 0};
  struct frag empty_last = {5, 2000, false, d, 0, 0, 0};
  ck_assert_int_eq(put(&q, &first, 0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &odd, 0, &out), SF_REASM_DROPPED);
  ck_assert_int_eq(put(&q, &empty, 0, &out), SF_REASM_DROPPED);
  ck_assert_int_eq(put(&q, &empty_last, 0, &out), SF_REASM_DROPPED);
  ck_assert_uint_eq(q.ctr.ip_reasm_bad_frag, 3);
  /* they cost the datagram nothing: it is still there */
  ck_assert_uint_eq(sf__reasm_count(&q.r), 1);
  struct frag last = {5, 1000, false, d, 1001, 0, 0};
  ck_assert_int_eq(put(&q, &last, 0, &out), SF_REASM_DONE);
  ck_assert_uint_eq(out.len, 20 + 2001);
  free(out.data);
  sf__reasm_destroy(&q.r);
}
END_TEST

/* The largest datagram (65535 bytes with a 20-byte header) completes;
 * one byte more, or fragment 0 with 40 bytes of options, does not. */
START_TEST(test_64k_limit) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x64));
  uint8_t *data = random_data(&rng, 65536);
  for (int variant = 0; variant < 3; variant++) {
    struct q q;
    q_open(&q, 0, 0);
    struct sf_reasm_out out;
    size_t len = variant == 1 ? 65516 : 65515;
    int rc = SF_REASM_HELD;
    for (size_t off = 0; off < len; off += 1480) {
      size_t n = len - off < 1480 ? len - off : 1480;
      struct frag f = {11, (uint32_t)off, off + n < len, data + off, n,
                       variant == 2 && off == 0 ? 40 : 0, 0};
      ck_assert_int_eq(rc, SF_REASM_HELD);
      rc = put(&q, &f, 0, &out);
    }
    if (variant == 0) {
      ck_assert_int_eq(rc, SF_REASM_DONE);
      expect_dgram(&out, 11, data, 65515);
    } else {
      ck_assert_int_eq(rc, SF_REASM_DROPPED);
      ck_assert_uint_eq(q.ctr.ip_reasm_too_big, 1);
      ck_assert_uint_eq(q.ctr.ip_reasm_ok, 0);
    }
    ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
    ck_assert_uint_eq(sf__reasm_bytes(&q.r), 0);
    sf__reasm_destroy(&q.r);
  }
  /* a lone fragment at the largest offset: 65528 + 8 > 65535 - 20 */
  struct q q;
  q_open(&q, 0, 0);
  struct sf_reasm_out out;
  struct frag f = {12, 8191 * 8, false, data, 8, 0, 0};
  ck_assert_int_eq(put(&q, &f, 0, &out), SF_REASM_DROPPED);
  ck_assert_uint_eq(q.ctr.ip_reasm_too_big, 1);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
  sf__reasm_destroy(&q.r);
  free(data);
}
END_TEST

struct expired_rec {
  unsigned n;
  struct sf_reasm_expired e;
  uint8_t quote[68];
};

static void on_expired(void *ctx, const struct sf_reasm_expired *e) {
  struct expired_rec *x = ctx;
  x->n++;
  x->e = *e;
  ck_assert_uint_le(e->quote_len, sizeof x->quote);
  memcpy(x->quote, e->quote, e->quote_len);
  x->e.quote = x->quote;
}

START_TEST(test_timeout_exactly_30s) {
  struct q q;
  q_open(&q, 0, 0);
  uint8_t d[32];
  for (int i = 0; i < 32; i++)
    d[i] = (uint8_t)i;
  struct sf_reasm_out out;
  sf_time_t t0 = 5 * SEC + 123;
  struct frag f0 = {0x77, 0, true, d, 16, 0, 0};
  struct frag f2 = {0x78, 16, true, d, 16, 0, 0}; /* no fragment 0 */
  ck_assert_int_eq(put(&q, &f0, t0, &out), SF_REASM_HELD);
  ck_assert_int_eq(put(&q, &f2, t0 + SEC, &out), SF_REASM_HELD);
  /* another fragment later does not push the deadline */
  struct frag f1 = {0x77, 24, true, d, 8, 0, 0};
  ck_assert_int_eq(put(&q, &f1, t0 + 20 * SEC, &out), SF_REASM_HELD);
  ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), t0 + 30 * SEC);
  struct expired_rec x = {0};
  sf__reasm_poll(&q.r, t0 + 30 * SEC - 1, on_expired, &x);
  ck_assert_uint_eq(x.n, 0);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 2);
  sf__reasm_poll(&q.r, t0 + 30 * SEC, on_expired, &x);
  ck_assert_uint_eq(x.n, 1);
  ck_assert_uint_eq(q.ctr.ip_reasm_timeout, 1);
  ck_assert_uint_eq(x.e.src, PEER);
  ck_assert_uint_eq(x.e.dst, US);
  ck_assert_uint_eq(x.e.proto, SF_IPPROTO_ICMP);
  /* computed by hand: fragment 0's header as put() emitted it (id 0x77,
   * MF, ttl 64, ICMP, checksum 0xce3a by RFC 1071) and its first 8 data
   * bytes */
  uint8_t want[28];
  ck_assert_uint_eq(
      sf_test_hex("4500 0024 0077 2000 4001 ce3a c612 0001 c612 0002 "
                  "0001 0203 0405 0607",
                  want, sizeof want),
      28);
  ck_assert_uint_eq(x.e.quote_len, 28);
  ck_assert_mem_eq(x.quote, want, 28);
  ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), t0 + 31 * SEC);
  /* the one without fragment 0 expires unreported */
  sf__reasm_poll(&q.r, t0 + 31 * SEC, on_expired, &x);
  ck_assert_uint_eq(x.n, 1);
  ck_assert_uint_eq(q.ctr.ip_reasm_timeout, 2);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 0);
  ck_assert_uint_eq(sf__reasm_bytes(&q.r), 0);
  ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), SF_TIME_NEVER);
  sf__reasm_destroy(&q.r);
}
END_TEST

START_TEST(test_evict_datagram_cap) {
  struct q q;
  q_open(&q, 3, 0);
  uint8_t d[16] = {0};
  struct sf_reasm_out out;
  for (uint16_t id = 1; id <= 4; id++) {
    struct frag f = {id, 0, true, d, 8, 0, 0};
    ck_assert_int_eq(put(&q, &f, id * SEC, &out), SF_REASM_HELD);
  }
  ck_assert_uint_eq(sf__reasm_count(&q.r), 3);
  ck_assert_uint_eq(q.ctr.ip_reasm_evicted, 1);
  /* the oldest (id 1) went: the deadline is now id 2's */
  ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), 32 * SEC);
  struct frag l1 = {1, 8, false, d, 8, 0, 0};
  ck_assert_int_eq(put(&q, &l1, 5 * SEC, &out), SF_REASM_HELD);
  ck_assert_uint_eq(q.ctr.ip_reasm_evicted, 2); /* id 2 made room */
  for (uint16_t id = 3; id <= 4; id++) {
    struct frag l = {id, 8, false, d, 8, 0, 0};
    ck_assert_int_eq(put(&q, &l, 6 * SEC, &out), SF_REASM_DONE);
    expect_dgram(&out, id, d, 16);
  }
  sf__reasm_destroy(&q.r);
}
END_TEST

START_TEST(test_evict_byte_cap) {
  struct q q;
  size_t cap = 65536 + SF_REASM_OVERHEAD; /* the smallest allowed */
  q_open(&q, 1024, cap);
  static uint8_t d[65536];
  struct sf_reasm_out out;
  /* each: the overhead + a 2048-byte buffer = 4096; 16 fit, not 17 */
  for (uint16_t id = 1; id <= 17; id++) {
    struct frag f = {id, 0, true, d, 1480, 0, 0};
    ck_assert_int_eq(put(&q, &f, id, &out), SF_REASM_HELD);
    ck_assert_uint_le(sf__reasm_bytes(&q.r), cap);
  }
  ck_assert_uint_eq(sf__reasm_count(&q.r), 16);
  ck_assert_uint_eq(sf__reasm_bytes(&q.r), 16 * 4096);
  ck_assert_uint_eq(q.ctr.ip_reasm_evicted, 1);
  ck_assert_uint_eq(sf__reasm_next_deadline(&q.r), 30 * SEC + 2);
  /* id 2, the oldest, grows to a 65536-byte buffer: all others go */
  struct frag big = {2, 60000, true, d, 1480, 0, 0};
  ck_assert_int_eq(put(&q, &big, 20, &out), SF_REASM_HELD);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 1);
  ck_assert_uint_eq(sf__reasm_bytes(&q.r), SF_REASM_OVERHEAD + 65536);
  ck_assert_uint_eq(q.ctr.ip_reasm_evicted, 16);
  /* a new datagram now evicts it in turn */
  struct frag f = {99, 0, true, d, 8, 0, 0};
  ck_assert_int_eq(put(&q, &f, 21, &out), SF_REASM_HELD);
  ck_assert_uint_eq(sf__reasm_count(&q.r), 1);
  ck_assert_uint_eq(q.ctr.ip_reasm_evicted, 17);
  ck_assert_uint_eq(sf__reasm_bytes(&q.r), SF_REASM_OVERHEAD + 2048);
  sf__reasm_destroy(&q.r);
}
END_TEST

/* ======================================================= through the layer */

/* Linux's side of the capture below, and synfin's (ours). */
static const struct sf_eth_addr mac_peer = {
    {0x52, 0x4c, 0xf3, 0xfb, 0x46, 0xaa}};
static const struct sf_eth_addr mac_us = {{0xb6, 0x17, 0xc3, 0x80, 0x87, 0xf3}};
static const struct sf_eth_addr mac_zero = {{0}};

/*
 * Captured from Linux 6.18 veth between two namespaces (198.18.0.1 ->
 * 198.18.0.2, MTU 1500), tcpdump -xx: `ping -c1 -s 4000 -p 41`. The
 * request went in three fragments; given are each frame's Ethernet and
 * IPv4 headers, the ICMP header and ping's 16-byte timestamp. Every
 * other byte of the frames is 0x41 (checked against the capture when
 * this was written). Frame lengths 1514, 1514, 1082.
 */
static const char *const linux_req_hdrs[3] = {
    "b617 c380 87f3 524c f3fb 46aa 0800 4500 05dc 3ad6 2000 4001 8e23 "
    "c612 0001 c612 0002",
    "b617 c380 87f3 524c f3fb 46aa 0800 4500 05dc 3ad6 20b9 4001 8d6a "
    "c612 0001 c612 0002",
    "b617 c380 87f3 524c f3fb 46aa 0800 4500 042c 3ad6 0172 4001 ae61 "
    "c612 0001 c612 0002"};
static const char linux_req_icmp[] =
    "0800 0555 4d5e 0001 3099 056b 0000 0000 ab83 0000 0000 0000";
/* Captured likewise: Linux's own reply, in fragments of the same sizes
 * (1480, 1480, 1048 bytes, offsets 0, 185, 370, MF on the first two, no
 * DF); its ICMP header, then the request's data. */
static const char linux_reply_icmp[] =
    "0000 0d55 4d5e 0001 3099 056b 0000 0000 ab83 0000 0000 0000";

#define PING_FRAGS 3
static const size_t ping_frag_len[PING_FRAGS] = {1514, 1514, 1082};

/* Frame i of the captured request into b; returns its length. */
static size_t linux_req_frame(int i, uint8_t *b) {
  size_t n = ping_frag_len[i];
  memset(b, 0x41, n);
  ck_assert_uint_eq(sf_test_hex(linux_req_hdrs[i], b, 34), 34);
  if (i == 0)
    ck_assert_uint_eq(sf_test_hex(linux_req_icmp, b + 34, 24), 24);
  return n;
}

/* The same with identification id (header checksum fixed). */
static size_t linux_req_frame_id(int i, uint8_t *b, uint16_t id) {
  size_t n = linux_req_frame(i, b);
  sf__store_be16(b + 14 + 4, id);
  sf__store_be16(b + 14 + 10, 0);
  sf__store_be16(b + 14 + 10,
                 sf__csum_finish(sf__csum_add(0, b + 14, 20)));
  return n;
}

struct lfx {
  struct sf_ip *ip;
  unsigned n_tcp;
  unsigned tcp_flags;
  size_t tcp_len;
  uint8_t tcp[8192];
};

static void on_tcp(void *ctx, unsigned netif, const struct sf_ipv4_hdr *ip,
                   unsigned rx_flags, sf_time_t now) {
  (void)netif, (void)now;
  struct lfx *f = ctx;
  f->n_tcp++;
  f->tcp_flags = rx_flags;
  ck_assert_uint_le(ip->payload_len, sizeof f->tcp);
  memcpy(f->tcp, ip->payload, ip->payload_len);
  f->tcp_len = ip->payload_len;
}

/* We are 198.18.0.2/24 at mac_us; the peer's MAC is known. */
static void lfx_open(struct lfx *f, unsigned mtu) {
  memset(f, 0, sizeof(*f));
  struct sf_ip_upcalls up = {.ctx = f, .tcp_input = on_tcp};
  ck_assert_int_eq(sf__ip_new(NULL, &up, &f->ip), 0);
  struct sf_netif_config c = {.addr = sf_addr_v4(US), .prefix_len = 24,
                              .mtu = mtu};
  memcpy(c.mac, mac_us.b, 6);
  ck_assert_int_eq(sf__ip_netif_add(f->ip, &c), 0);
  uint8_t b[64];
  struct sf_eth_hdr e = {.dst = sf__eth_broadcast, .src = mac_peer,
                         .ethertype = SF_ETHERTYPE_ARP};
  struct sf_arp a = {.oper = SF_ARP_OP_REQUEST, .sha = mac_peer,
                     .spa = PEER, .tha = mac_zero, .tpa = US};
  sf__eth_emit(&e, b, sizeof b);
  sf__arp_emit(&a, b + 14, sizeof b - 14);
  sf__ip_input(f->ip, 0, b, 42, 0, 0);
  sf__ip_tx_release(f->ip, 0, 1); /* our ARP reply */
}

static const struct sf_ip_counters *lctr(const struct lfx *f) {
  return sf__ip_counters(f->ip);
}

/* A datagram reassembled by the test from fragments taken off the
 * transmit queue, checking the fragmentation rules on the way. */
struct taken {
  size_t nfrag;
  uint16_t id;
  size_t len;
  uint8_t data[65536];
};

static void take_fragments(struct lfx *f, unsigned mtu, struct taken *t) {
  static struct sf_frame fr[2048];
  size_t n = sf__ip_tx_take(f->ip, 0, fr, 2048);
  ck_assert_uint_ge(n, 1);
  size_t step = (mtu - 20) & ~(size_t)7;
  memset(t, 0, sizeof(*t));
  t->nfrag = n;
  for (size_t i = 0; i < n; i++) {
    struct sf_eth_hdr e;
    ck_assert_int_eq(sf__eth_parse(fr[i].data, fr[i].len, &e), 0);
    ck_assert(sf__eth_addr_eq(&e.dst, &mac_peer));
    ck_assert(sf__eth_addr_eq(&e.src, &mac_us));
    struct sf_ipv4_hdr h;
    ck_assert_int_eq(sf__ipv4_parse(e.payload, e.payload_len, 0, &h), 0);
    ck_assert_uint_le(h.total_len, mtu);
    ck_assert_uint_eq(h.src, US);
    ck_assert_uint_eq(h.dst, PEER);
    ck_assert_uint_eq(h.ttl, 64);
    ck_assert_uint_eq(h.proto, SF_IPPROTO_ICMP);
    if (i == 0)
      t->id = h.id;
    ck_assert_uint_eq(h.id, t->id);
    bool last = i == n - 1;
    ck_assert_uint_eq(h.flags, last ? 0 : SF_IPV4_FLAG_MF);
    ck_assert_uint_eq((size_t)h.frag_offset * 8, t->len);
    if (!last)
      ck_assert_uint_eq(h.payload_len, step);
    ck_assert_uint_le(t->len + h.payload_len, sizeof t->data);
    memcpy(t->data + t->len, h.payload, h.payload_len);
    t->len += h.payload_len;
  }
  sf__ip_tx_release(f->ip, 0, n);
}

START_TEST(test_linux_ping_4000_answered_in_fragments) {
  struct lfx f;
  lfx_open(&f, 1500);
  uint8_t b[1600];
  for (int i = 0; i < PING_FRAGS; i++) {
    size_t n = linux_req_frame(i, b);
    sf__ip_input(f.ip, 0, b, n, 0, SEC);
    ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), i == 2 ? 3 : 0);
  }
  ck_assert_uint_eq(lctr(&f)->ip_in_fragments, 3);
  ck_assert_uint_eq(lctr(&f)->ip_reasm_ok, 1);
  ck_assert_uint_eq(lctr(&f)->icmp_echo_answered, 1);
  ck_assert_uint_eq(lctr(&f)->ip_out_fragmented, 1);
  ck_assert_uint_eq(lctr(&f)->ip_out_fragments, 3);
  ck_assert_uint_eq(lctr(&f)->ip_out_packets, 1);
  /* Linux's reply layout: 1480 + 1480 + 1048 */
  struct sf_frame fr[4];
  ck_assert_uint_eq(sf__ip_tx_take(f.ip, 0, fr, 4), 3);
  for (int i = 0; i < PING_FRAGS; i++)
    ck_assert_uint_eq(fr[i].len, ping_frag_len[i]);
  static struct taken t;
  take_fragments(&f, 1500, &t);
  ck_assert_uint_eq(t.nfrag, 3);
  ck_assert_uint_eq(t.id, 0); /* our first datagram */
  /* the reassembled reply is Linux's reply */
  static uint8_t want[4008];
  memset(want, 0x41, sizeof want);
  ck_assert_uint_eq(sf_test_hex(linux_reply_icmp, want, 24), 24);
  ck_assert_uint_eq(t.len, 4008);
  ck_assert_mem_eq(t.data, want, 4008);
  sf__ip_free(f.ip);
}
END_TEST

/* Feeds message msg (len bytes, protocol ICMP, id 0x5150) to f cut
 * into fragments of step bytes (a multiple of 8), in random order. */
static void feed_shuffled(struct lfx *f, struct sf_test_rng *rng,
                          const uint8_t *msg, size_t len, size_t step) {
  static size_t order[8192];
  size_t nfr = (len + step - 1) / step;
  ck_assert_uint_le(nfr, 8192);
  for (size_t i = 0; i < nfr; i++)
    order[i] = i;
  for (size_t i = nfr - 1; i > 0; i--) {
    size_t j = sf_test_rng_below(rng, (uint32_t)(i + 1));
    size_t x = order[i];
    order[i] = order[j], order[j] = x;
  }
  for (size_t i = 0; i < nfr; i++) {
    size_t off = order[i] * step;
    size_t n = len - off < step ? len - off : step;
    static uint8_t b[14 + 20 + 8000];
    struct sf_eth_hdr e = {.dst = mac_us, .src = mac_peer,
                           .ethertype = SF_ETHERTYPE_IPV4};
    struct sf_ipv4_hdr h = {
        .id = 0x5150, .ttl = 64, .proto = SF_IPPROTO_ICMP, .src = PEER,
        .dst = US, .frag_offset = (uint16_t)(off / 8),
        .flags = off + n < len ? SF_IPV4_FLAG_MF : 0, .payload_len = n};
    sf__eth_emit(&e, b, 14);
    ck_assert_int_eq(sf__ipv4_emit(&h, b + 14, 20), 20);
    memcpy(b + 34, msg + off, n);
    sf__ip_input(f->ip, 0, b, 34 + n, 0, 0);
  }
}

/*
 * Echo requests of random sizes (and around the 1500-byte MTU's
 * boundary: 1480 fits, 1481 does not), fragmented by the test at a
 * random step and fed shuffled; the reply, at a random MTU from 68 up,
 * is taken apart, checked fragment by fragment, and reassembled here.
 */
START_TEST(test_random_echo_sizes_and_mtus) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0xec));
  static uint8_t req[65515], want[65515];
  static struct taken t;
  static const size_t edge[4] = {1480, 1481, 1488, 1489};
  for (int round = 0; round < 40; round++) {
    unsigned mtu = round < 4 ? 1500 : 68 + sf_test_rng_below(&rng, 9000 - 67);
    size_t len = round < 4 ? edge[round]
                           : 8 + sf_test_rng_below(&rng, 65515 - 8 + 1);
    sf_test_rng_fill(&rng, req + 8, len - 8);
    struct sf_icmp m = {.type = SF_ICMP_ECHO_REQUEST, .echo_id = 0x1234,
                        .echo_seq = (uint16_t)round, .body = req + 8,
                        .body_len = len - 8};
    ck_assert_int_eq(sf__icmp_emit(&m, req, sizeof req), (int)len);
    m.type = SF_ICMP_ECHO_REPLY;
    m.body = want + 8;
    memcpy(want + 8, req + 8, len - 8);
    ck_assert_int_eq(sf__icmp_emit(&m, want, sizeof want), (int)len);
    struct lfx f;
    lfx_open(&f, mtu);
    feed_shuffled(&f, &rng, req, len, 8 * (1 + sf_test_rng_below(&rng, 1000)));
    ck_assert_uint_eq(lctr(&f)->icmp_echo_answered, 1);
    take_fragments(&f, mtu, &t);
    size_t step = (mtu - 20) & ~(size_t)7;
    size_t want_frags = len <= mtu - 20 ? 1 : (len + step - 1) / step;
    ck_assert_uint_eq(t.nfrag, want_frags);
    ck_assert_uint_eq(lctr(&f)->ip_out_fragmented, want_frags > 1);
    ck_assert_uint_eq(lctr(&f)->ip_out_fragments,
                      want_frags > 1 ? want_frags : 0);
    ck_assert_uint_eq(t.len, len);
    ck_assert_mem_eq(t.data, want, len);
    sf__ip_free(f.ip);
  }
}
END_TEST

START_TEST(test_time_exceeded_byte_for_byte) {
  struct lfx f;
  lfx_open(&f, 1500);
  uint8_t b[1600];
  /* fragments 0 and 1 of the Linux request; 2 never comes */
  for (int i = 0; i < 2; i++) {
    size_t n = linux_req_frame(i, b);
    sf__ip_input(f.ip, 0, b, n, 0, SEC);
  }
  ck_assert_uint_eq(sf__ip_next_deadline(f.ip), 31 * SEC);
  sf__ip_poll(f.ip, 31 * SEC - 1);
  ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), 0);
  sf__ip_poll(f.ip, 31 * SEC);
  ck_assert_uint_eq(lctr(&f)->ip_reasm_timeout, 1);
  ck_assert_uint_eq(lctr(&f)->icmp_out_time_exceeded, 1);
  /* what is left is the peer's ARP entry, learned at 0 */
  ck_assert_uint_eq(sf__ip_next_deadline(f.ip), 60 * SEC);
  struct sf_frame fr;
  ck_assert_uint_eq(sf__ip_tx_take(f.ip, 0, &fr, 1), 1);
  /*
   * Computed by hand (checksums with RFC 1071 in Python): to the peer,
   * IPv4 id 0, no DF, ttl 64, total 56, checksum 0xee9d; ICMP type 11
   * code 1 (RFC 792 "fragment reassembly time exceeded"), checksum
   * 0x9a4a, 4 unused bytes, then the captured fragment 0's header and
   * its first 8 data bytes (the echo request's ICMP header).
   */
  uint8_t want[70];
  size_t wn = sf_test_hex(
      "524c f3fb 46aa b617 c380 87f3 0800 "
      "4500 0038 0000 0000 4001 ee9d c612 0002 c612 0001 "
      "0b01 9a4a 0000 0000 "
      "4500 05dc 3ad6 2000 4001 8e23 c612 0001 c612 0002 "
      "0800 0555 4d5e 0001",
      want, sizeof want);
  ck_assert_uint_eq(wn, 70);
  ck_assert_uint_eq(fr.len, wn);
  ck_assert_mem_eq(fr.data, want, wn);
  sf__ip_tx_release(f.ip, 0, 1);
  sf__ip_free(f.ip);
}
END_TEST

/* Timeouts answered with nothing: fragment 0 missing, a datagram that
 * came as a link broadcast, one to the subnet broadcast, one quoting an
 * ICMP error. All are counted. */
START_TEST(test_time_exceeded_not_sent) {
  struct lfx f;
  lfx_open(&f, 1500);
  uint8_t b[1600];
  /* fragment 1 only (of another datagram than the next one) */
  size_t n = linux_req_frame_id(1, b, 0x1111);
  sf__ip_input(f.ip, 0, b, n, 0, 0);
  /* fragment 0 as a link broadcast */
  n = linux_req_frame(0, b);
  memset(b, 0xff, 6);
  sf__ip_input(f.ip, 0, b, n, 0, 0);
  /* fragment 0 of an echo to the subnet broadcast, and of an ICMP
   * error (dest unreachable) */
  uint8_t icmp[16] = {SF_ICMP_ECHO_REQUEST};
  for (int i = 0; i < 2; i++) {
    struct sf_eth_hdr e = {.dst = i == 0 ? sf__eth_broadcast : mac_us,
                           .src = mac_peer, .ethertype = SF_ETHERTYPE_IPV4};
    struct sf_ipv4_hdr h = {.id = (uint16_t)(100 + i), .ttl = 64,
                            .proto = SF_IPPROTO_ICMP, .src = PEER,
                            .dst = i == 0 ? BCAST : US,
                            .flags = SF_IPV4_FLAG_MF, .payload_len = 16};
    icmp[0] = i == 0 ? SF_ICMP_ECHO_REQUEST : SF_ICMP_DEST_UNREACH;
    sf__eth_emit(&e, b, 14);
    sf__ipv4_emit(&h, b + 14, 20);
    memcpy(b + 34, icmp, 16);
    sf__ip_input(f.ip, 0, b, 50, 0, 0);
  }
  ck_assert_uint_eq(lctr(&f)->ip_in_fragments, 4);
  sf__ip_poll(f.ip, 30 * SEC);
  ck_assert_uint_eq(lctr(&f)->ip_reasm_timeout, 4);
  ck_assert_uint_eq(lctr(&f)->icmp_out_time_exceeded, 0);
  ck_assert_uint_eq(sf__ip_tx_pending(f.ip, 0), 0);
  sf__ip_free(f.ip);
}
END_TEST

/* A TCP segment (header + 3000 data bytes, valid checksum) in three
 * fragments, last first: delivered once, whole, rx_flags 0. The same
 * to the subnet broadcast is reassembled, then refused to TCP. */
START_TEST(test_tcp_segment_in_fragments) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x7c9));
  struct lfx f;
  lfx_open(&f, 1500);
  static uint8_t seg[3020];
  sf_test_rng_fill(&rng, seg, sizeof seg);
  seg[12] = 5 << 4; /* data offset 5 */
  seg[13] = 0x18;   /* PSH|ACK */
  sf__store_be16(seg + 16, 0);
  uint32_t sum = sf__csum_pseudo_ipv4(PEER, US, SF_IPPROTO_TCP, sizeof seg);
  sf__store_be16(seg + 16, sf__csum_finish(sf__csum_add(sum, seg, sizeof seg)));
  for (int bcast = 0; bcast < 2; bcast++) {
    static const size_t offs[3] = {2000, 1000, 0};
    for (int i = 0; i < 3; i++) {
      size_t off = offs[i], n = off == 2000 ? 1020 : 1000;
      static uint8_t b[1100];
      struct sf_eth_hdr e = {.dst = mac_us, .src = mac_peer,
                             .ethertype = SF_ETHERTYPE_IPV4};
      struct sf_ipv4_hdr h = {.id = 0xbeef, .ttl = 64, .proto = SF_IPPROTO_TCP,
                              .src = PEER, .dst = bcast ? BCAST : US,
                              .frag_offset = (uint16_t)(off / 8),
                              .flags = off == 2000 ? 0 : SF_IPV4_FLAG_MF,
                              .payload_len = n};
      sf__eth_emit(&e, b, 14);
      ck_assert_int_eq(sf__ipv4_emit(&h, b + 14, 20), 20);
      memcpy(b + 34, seg + off, n);
      sf__ip_input(f.ip, 0, b, 34 + n, SF_FRAME_CSUM_VERIFIED, 0);
      ck_assert_uint_eq(f.n_tcp, i == 2 && !bcast ? 1 : 0);
    }
    if (!bcast) {
      ck_assert_uint_eq(f.tcp_len, sizeof seg);
      ck_assert_mem_eq(f.tcp, seg, sizeof seg);
      ck_assert_uint_eq(f.tcp_flags, 0);
      ck_assert_uint_eq(lctr(&f)->ip_in_delivered, 1);
      f.n_tcp = 0;
    } else {
      /* to a broadcast: no TCP (RFC 9293 3.9.2.1), counted */
      ck_assert_uint_eq(f.n_tcp, 0);
      ck_assert_uint_eq(lctr(&f)->ip_in_tcp_broadcast, 1);
    }
  }
  ck_assert_uint_eq(lctr(&f)->ip_reasm_ok, 2);
  sf__ip_free(f.ip);
}
END_TEST

START_TEST(test_params_validated) {
  struct sf_ip_params p;
  sf__ip_params_default(&p);
  ck_assert_uint_eq(p.reasm_max_datagrams, 64);
  ck_assert_uint_eq(p.reasm_max_bytes, 1u << 20);
  ck_assert_uint_eq(p.reasm_timeout, 30 * SEC);
  struct sf_ip *ip;
  struct {
    unsigned dgrams;
    size_t bytes;
    sf_time_t timeout;
    int rc;
  } cases[] = {
      {64, 1u << 20, 30 * SEC, 0},
      {0, 1u << 20, 30 * SEC, SF_EINVAL},
      {1, 1u << 20, 30 * SEC, 0},
      {1024, 1u << 20, 30 * SEC, 0},
      {1025, 1u << 20, 30 * SEC, SF_EINVAL},
      {64, 65536 + SF_REASM_OVERHEAD, 30 * SEC, 0},
      {64, 65536 + SF_REASM_OVERHEAD - 1, 30 * SEC, SF_EINVAL},
      {64, (size_t)1 << 30, 30 * SEC, 0},
      {64, ((size_t)1 << 30) + 1, 30 * SEC, SF_EINVAL},
      {64, 1u << 20, 0, SF_EINVAL},
      {64, 1u << 20, 1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    p.reasm_max_datagrams = cases[i].dgrams;
    p.reasm_max_bytes = cases[i].bytes;
    p.reasm_timeout = cases[i].timeout;
    ip = NULL;
    ck_assert_int_eq(sf__ip_new(&p, NULL, &ip), cases[i].rc);
    sf__ip_free(ip);
  }
}
END_TEST

/* Pending datagrams are freed with the layer (the sanitizer and valgrind
 * runs check the leak). */
START_TEST(test_free_with_pending) {
  struct lfx f;
  lfx_open(&f, 1500);
  uint8_t b[1600];
  size_t n = linux_req_frame(0, b);
  sf__ip_input(f.ip, 0, b, n, 0, 0);
  n = linux_req_frame_id(2, b, 0x3a99); /* a second datagram */
  sf__ip_input(f.ip, 0, b, n, 0, 0);
  ck_assert_uint_eq(lctr(&f)->ip_in_fragments, 2);
  ck_assert_uint_eq(sf__ip_next_deadline(f.ip), 30 * SEC);
  sf__ip_free(f.ip);
}
END_TEST

static Suite *reasm_suite(void) {
  Suite *s = suite_create("reasm");
  TCase *tc = tcase_create("queue");
  tcase_add_test(tc, test_in_order_and_reverse);
  tcase_add_test(tc, test_key_is_src_dst_id_proto);
  tcase_add_test(tc, test_shuffled_with_duplicates);
  tcase_add_test(tc, test_overlap_drops_datagram);
  tcase_add_test(tc, test_inconsistent_end);
  tcase_add_test(tc, test_bad_fragments);
  tcase_add_test(tc, test_64k_limit);
  tcase_add_test(tc, test_timeout_exactly_30s);
  tcase_add_test(tc, test_evict_datagram_cap);
  tcase_add_test(tc, test_evict_byte_cap);
  suite_add_tcase(s, tc);
  tc = tcase_create("layer");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_linux_ping_4000_answered_in_fragments);
  tcase_add_test(tc, test_random_echo_sizes_and_mtus);
  tcase_add_test(tc, test_time_exceeded_byte_for_byte);
  tcase_add_test(tc, test_time_exceeded_not_sent);
  tcase_add_test(tc, test_tcp_segment_in_fragments);
  tcase_add_test(tc, test_params_validated);
  tcase_add_test(tc, test_free_with_pending);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(reasm_suite)
