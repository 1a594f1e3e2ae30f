/*
 * TIME-WAIT records (lib/tcp/timewait.c).
 *
 * The table: add/find/remove with the gone callback, expiry in order
 * with restarts, recycling the oldest at max, flushing on free, a table
 * kept consistent while gone runs, and a randomized run against a model.
 * The decision (sf__tw_segment): one test per rule, each with exact
 * segments: RST (RFC 1337), retransmitted FIN, RFC 9293's acceptability
 * table including a zero window, PAWS (RFC 7323), new SYNs (RFC 6191)
 * with and without timestamps, and the same rules across 2^32.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tcp/timewait.h"
#include "util/alloc.h"

#define SEC SF_NSEC_PER_SEC
#define MSL2 (60 * SEC)

/* ------------------------------------------------------------ fixture */

struct gone_log {
  int n;
  int by_reason[4];
  struct {
    struct sf_tuple key;
    void *observer;
    enum sf_tw_gone_reason why;
    sf_time_t now;
  } ev[64];
  struct sf_tuple last_key; /* of the latest call, even past ev[63] */
  struct sf_tw_table *t; /* to check consistency during the callback */
};

static void on_gone(void *ctx, struct sf_tw_record *r,
                    enum sf_tw_gone_reason why, sf_time_t now) {
  struct gone_log *g = ctx;
  if (g->n < 64) {
    g->ev[g->n].key = sf__tw_tuple(r);
    g->ev[g->n].observer = r->observer;
    g->ev[g->n].why = why;
    g->ev[g->n].now = now;
  }
  g->n++;
  g->by_reason[why]++;
  g->last_key = sf__tw_tuple(r);
  /* The record is already out of the table when gone runs. */
  if (g->t) {
    ck_assert_ptr_null(sf__tw_find(g->t, &g->last_key));
    for (struct sf_tw_record *o = sf__tw_oldest(g->t); o;
         o = sf__tw_newer(g->t, o))
      ck_assert_ptr_ne(o, r);
  }
}

static struct sf_tuple key_n(uint32_t i) {
  struct sf_tuple k = {.laddr = sf_addr_v4(0xc6120001u),
                       .raddr = sf_addr_v4(0xc6130000u + i),
                       .lport = 80,
                       .rport = (uint16_t)(40000 + (i & 0xff))};
  return k;
}

static struct sf_tw_record tmpl_n(uint32_t i) {
  struct sf_tw_record r;
  memset(&r, 0, sizeof r);
  struct sf_tuple k = key_n(i);
  ck_assert(sf__tw_set_key(&r, &k));
  r.snd_nxt = sf_seq(1000 + i);
  r.rcv_nxt = sf_seq(5000 + i);
  r.ts_recent = 77 + i;
  r.ts_offset = 9 + i;
  r.window = (uint16_t)(100 + i);
  r.flags = SF_TW_TIMESTAMPS;
  r.observer = (void *)(uintptr_t)(0x1000 + i);
  /* Garbage the table must overwrite. */
  r.older = r.newer = 0xdead;
  r.next = 0xbeef;
  r.hash = 0xfeed;
  r.expires = 12345;
  return r;
}

static struct sf_tw_record *add_n(struct sf_tw_table *t, uint32_t i,
                                  sf_time_t now) {
  struct sf_tw_record tm = tmpl_n(i);
  return sf__tw_add(t, &tm, now);
}

static struct sf_tw_record *find_n(struct sf_tw_table *t, uint32_t i) {
  struct sf_tuple k = key_n(i);
  return sf__tw_find(t, &k);
}

/* The list runs oldest to newest with non-decreasing expiry, matches
 * count, and every record in it is found by its key. */
static void check_table(struct sf_tw_table *t) {
  unsigned n = 0;
  struct sf_tw_record *prev = NULL;
  for (struct sf_tw_record *r = sf__tw_oldest(t); r; r = sf__tw_newer(t, r)) {
    ck_assert_ptr_eq(sf__tw_older(t, r), prev);
    if (prev)
      ck_assert_uint_le(prev->expires, r->expires);
    struct sf_tuple k = sf__tw_tuple(r);
    ck_assert_ptr_eq(sf__tw_find(t, &k), r);
    prev = r;
    n++;
  }
  ck_assert_ptr_eq(sf__tw_newest(t), prev);
  ck_assert_uint_eq(n, t->count);
  ck_assert_uint_le(t->count + t->attached, t->max);
}

/* ------------------------------------------------------------- table */

START_TEST(test_add_find_remove) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 1);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 100, MSL2, on_gone, &g);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), SF_TIME_NEVER);
  ck_assert_ptr_null(find_n(&t, 1));
  struct sf_tw_record *r = add_n(&t, 1, 5 * SEC);
  ck_assert_ptr_nonnull(r);
  ck_assert_ptr_eq(find_n(&t, 1), r);
  ck_assert_ptr_null(find_n(&t, 2));
  /* Every field copied; expiry from now. */
  struct sf_tuple want = {.laddr = sf_addr_v4(0xc6120001u),
                          .raddr = sf_addr_v4(0xc6130001u),
                          .lport = 80,
                          .rport = 40001};
  struct sf_tuple got = sf__tw_tuple(r);
  ck_assert(sf__tuple_eq(&got, &want));
  ck_assert_uint_eq(r->snd_nxt.v, 1001);
  ck_assert_uint_eq(r->rcv_nxt.v, 5001);
  ck_assert_uint_eq(r->ts_recent, 78);
  ck_assert_uint_eq(r->ts_offset, 10);
  ck_assert_uint_eq(r->window, 101);
  ck_assert_uint_eq(r->flags, SF_TW_TIMESTAMPS);
  ck_assert_ptr_eq(r->observer, (void *)(uintptr_t)0x1001);
  ck_assert_uint_eq(r->expires, 65 * SEC);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), 65 * SEC);
  ck_assert_uint_eq(t.count, 1);
  check_table(&t);
  struct sf_tw_record *r2 = add_n(&t, 2, 6 * SEC);
  ck_assert_ptr_nonnull(r2);
  check_table(&t);
  sf__tw_remove(&t, r, SF_TW_REUSED, 7 * SEC);
  ck_assert_int_eq(g.n, 1);
  ck_assert_int_eq(g.ev[0].why, SF_TW_REUSED);
  ck_assert_uint_eq(g.ev[0].now, 7 * SEC);
  ck_assert_ptr_eq(g.ev[0].observer, (void *)(uintptr_t)0x1001);
  ck_assert_ptr_null(find_n(&t, 1));
  ck_assert_ptr_eq(find_n(&t, 2), r2);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), 66 * SEC);
  check_table(&t);
  sf__tw_remove(&t, r2, SF_TW_EXPIRED, 8 * SEC);
  ck_assert_uint_eq(t.count, 0);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), SF_TIME_NEVER);
  check_table(&t);
  sf__tw_free(&t, 9 * SEC);
  ck_assert_int_eq(g.n, 2);
}
END_TEST

START_TEST(test_zero_max) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 2);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 0, MSL2, on_gone, &g);
  ck_assert_ptr_null(add_n(&t, 1, 0));
  ck_assert_uint_eq(t.count, 0);
  ck_assert_int_eq(g.n, 0);
  ck_assert_ptr_null(find_n(&t, 1));
  sf__tw_free(&t, 0);
  ck_assert_int_eq(g.n, 0);
}
END_TEST

START_TEST(test_expiry_order_with_restart) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 3);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 100, MSL2, on_gone, &g);
  struct sf_tw_record *a = add_n(&t, 1, 0);
  struct sf_tw_record *b = add_n(&t, 2, 10 * SEC);
  struct sf_tw_record *c = add_n(&t, 3, 20 * SEC);
  ck_assert_ptr_eq(sf__tw_oldest(&t), a);
  ck_assert_ptr_eq(sf__tw_newest(&t), c);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), 60 * SEC);
  /* A retransmitted FIN restarts a: it becomes the newest. */
  sf__tw_restart(&t, a, 30 * SEC);
  ck_assert_uint_eq(a->expires, 90 * SEC);
  ck_assert_ptr_eq(sf__tw_oldest(&t), b);
  ck_assert_ptr_eq(sf__tw_newest(&t), a);
  check_table(&t);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), 70 * SEC);
  /* Restarting the newest keeps it newest. */
  sf__tw_restart(&t, a, 31 * SEC);
  ck_assert_ptr_eq(sf__tw_newest(&t), a);
  ck_assert_uint_eq(a->expires, 91 * SEC);
  /* Restart the middle one (c): order b, a, c. */
  sf__tw_restart(&t, c, 32 * SEC);
  check_table(&t);
  ck_assert_ptr_eq(sf__tw_oldest(&t), b);
  ck_assert_ptr_eq(sf__tw_newer(&t, b), a);
  ck_assert_ptr_eq(sf__tw_newer(&t, a), c);
  sf__tw_expire(&t, 70 * SEC - 1);
  ck_assert_int_eq(g.n, 0);
  sf__tw_expire(&t, 70 * SEC); /* expiry <= now */
  ck_assert_int_eq(g.n, 1);
  ck_assert_uint_eq(g.ev[0].key.raddr.v4, 0xc6130002u);
  ck_assert_int_eq(g.ev[0].why, SF_TW_EXPIRED);
  ck_assert_uint_eq(g.ev[0].now, 70 * SEC);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), 91 * SEC);
  check_table(&t);
  /* Both remaining expire in one call, oldest first. */
  sf__tw_expire(&t, 200 * SEC);
  ck_assert_int_eq(g.n, 3);
  ck_assert_uint_eq(g.ev[1].key.raddr.v4, 0xc6130001u);
  ck_assert_uint_eq(g.ev[2].key.raddr.v4, 0xc6130003u);
  ck_assert_int_eq(g.by_reason[SF_TW_EXPIRED], 3);
  ck_assert_uint_eq(t.count, 0);
  ck_assert_uint_eq(sf__tw_next_deadline(&t), SF_TIME_NEVER);
  ck_assert_ptr_null(find_n(&t, 1));
  sf__tw_free(&t, 300 * SEC);
  ck_assert_int_eq(g.n, 3);
}
END_TEST

START_TEST(test_recycle_oldest) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 4);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 3, MSL2, on_gone, &g);
  struct sf_tw_record *r1 = add_n(&t, 1, 1 * SEC);
  add_n(&t, 2, 2 * SEC);
  add_n(&t, 3, 3 * SEC);
  ck_assert_int_eq(g.n, 0);
  ck_assert_uint_eq(t.count, 3);
  /* Full: adding a fourth recycles the oldest (1), exactly once. */
  struct sf_tw_record *r4 = add_n(&t, 4, 4 * SEC);
  ck_assert_ptr_nonnull(r4);
  ck_assert_int_eq(g.n, 1);
  ck_assert_int_eq(g.by_reason[SF_TW_RECYCLED], 1);
  ck_assert_int_eq(g.ev[0].why, SF_TW_RECYCLED);
  ck_assert_uint_eq(g.ev[0].key.raddr.v4, 0xc6130001u);
  ck_assert_uint_eq(g.ev[0].now, 4 * SEC);
  ck_assert_ptr_eq(g.ev[0].observer, (void *)(uintptr_t)0x1001);
  ck_assert_ptr_null(find_n(&t, 1));
  ck_assert_ptr_nonnull(find_n(&t, 2));
  ck_assert_ptr_nonnull(find_n(&t, 3));
  ck_assert_ptr_eq(find_n(&t, 4), r4);
  ck_assert_uint_eq(t.count, 3);
  check_table(&t);
  (void)r1;
  /* After a restart, the oldest is another record: 2 restarted, so 3 is
   * recycled next. */
  sf__tw_restart(&t, find_n(&t, 2), 5 * SEC);
  add_n(&t, 5, 6 * SEC);
  ck_assert_int_eq(g.n, 2);
  ck_assert_uint_eq(g.ev[1].key.raddr.v4, 0xc6130003u);
  ck_assert_ptr_nonnull(find_n(&t, 2));
  ck_assert_ptr_null(find_n(&t, 3));
  check_table(&t);
  sf__tw_free(&t, 7 * SEC);
  ck_assert_int_eq(g.by_reason[SF_TW_RECYCLED], 2);
  ck_assert_int_eq(g.by_reason[SF_TW_FLUSHED], 3);
}
END_TEST

/* A record made part way through its 2MSL is placed by its expiry. */
START_TEST(test_add_until_placed_by_expiry) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 7);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 100, MSL2, on_gone, &g);
  struct sf_tw_record *a = add_n(&t, 1, 0);        /* expires 60 s */
  struct sf_tw_record *b = add_n(&t, 2, 10 * SEC); /* 70 s */
  struct sf_tw_record tm = tmpl_n(3);
  struct sf_tw_record *mid = sf__tw_add_until(&t, &tm, 65 * SEC, 20 * SEC);
  tm = tmpl_n(4);
  struct sf_tw_record *first = sf__tw_add_until(&t, &tm, 50 * SEC, 20 * SEC);
  tm = tmpl_n(5);
  struct sf_tw_record *last = sf__tw_add_until(&t, &tm, 75 * SEC, 20 * SEC);
  check_table(&t);
  ck_assert_ptr_eq(sf__tw_oldest(&t), first);
  ck_assert_ptr_eq(sf__tw_newer(&t, first), a);
  ck_assert_ptr_eq(sf__tw_newer(&t, a), mid);
  ck_assert_ptr_eq(sf__tw_newer(&t, mid), b);
  ck_assert_ptr_eq(sf__tw_newest(&t), last);
  sf__tw_expire(&t, 65 * SEC);
  ck_assert_int_eq(g.by_reason[SF_TW_EXPIRED], 3);
  ck_assert_ptr_eq(sf__tw_oldest(&t), b);
  sf__tw_free(&t, 80 * SEC);
}
END_TEST

/* Attached connections count toward max: records make room for them
 * while there are records to recycle. */
START_TEST(test_attached_share_the_limit) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 8);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 3, MSL2, on_gone, &g);
  add_n(&t, 1, 0);
  add_n(&t, 2, 1);
  t.attached = 2; /* two more held by the application */
  ck_assert(sf__tw_make_room(&t, 0, 2));
  ck_assert_int_eq(g.by_reason[SF_TW_RECYCLED], 1);
  ck_assert_uint_eq(t.count, 1);
  ck_assert_ptr_nonnull(find_n(&t, 2));
  ck_assert_ptr_nonnull(add_n(&t, 3, 3)); /* recycles 2 */
  ck_assert_ptr_null(find_n(&t, 2));
  check_table(&t);
  t.attached = 3;
  ck_assert(!sf__tw_make_room(&t, 1, 4)); /* only attached ones left */
  ck_assert_uint_eq(t.count, 0);
  ck_assert_ptr_null(add_n(&t, 4, 4));
  ck_assert_int_eq(g.by_reason[SF_TW_RECYCLED], 3);
  t.attached = 0;
  sf__tw_free(&t, 5);
}
END_TEST

START_TEST(test_flush_on_free) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 5);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 100, MSL2, on_gone, &g);
  for (uint32_t i = 0; i < 5; i++)
    ck_assert_ptr_nonnull(add_n(&t, i, i * SEC));
  sf__tw_free(&t, 42 * SEC);
  ck_assert_int_eq(g.n, 5);
  ck_assert_int_eq(g.by_reason[SF_TW_FLUSHED], 5);
  for (int i = 0; i < 5; i++) {
    ck_assert_uint_eq(g.ev[i].key.raddr.v4, 0xc6130000u + (uint32_t)i);
    ck_assert_uint_eq(g.ev[i].now, 42 * SEC);
    ck_assert_ptr_eq(g.ev[i].observer, (void *)(uintptr_t)(0x1000 + i));
  }
  ck_assert_uint_eq(t.count, 0);
  ck_assert_ptr_null(sf__tw_oldest(&t));
  ck_assert_ptr_null(sf__tw_newest(&t));
  ck_assert_ptr_null(t.buckets);
  ck_assert_ptr_null(t.chunks);
}
END_TEST

START_TEST(test_no_gone_callback) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 6);
  struct sf_tw_table t;
  sf__tw_init(&t, &s, NULL, 2, MSL2, NULL, NULL);
  add_n(&t, 1, 0);
  add_n(&t, 2, 0);
  add_n(&t, 3, 0); /* recycles 1 */
  ck_assert_ptr_null(find_n(&t, 1));
  sf__tw_expire(&t, MSL2);
  ck_assert_uint_eq(t.count, 0);
  add_n(&t, 4, 0);
  sf__tw_free(&t, 0);
}
END_TEST

START_TEST(test_random_model) {
  struct sf_test_rng rng;
  sf_test_rng_seed(&rng, sf_test_seed(0x71e3a17ULL));
  struct sf_secret s;
  sf__secret_init_seeded(&s, 7);
  struct sf_tw_table t;
  struct gone_log g = {.t = NULL};
  enum { KEYS = 400, MAX = 150 };
  sf__tw_init(&t, &s, NULL, MAX, MSL2, on_gone, &g);
  static sf_time_t model[KEYS]; /* expiry, or 0 when absent */
  memset(model, 0, sizeof model);
  sf_time_t now = 1;
  for (int op = 0; op < 20000; op++) {
    /* Alternate busy phases (about 40 ops a second against a 60 s
     * lifetime: the table fills and recycles) and quiet ones (one op a
     * second: records expire). */
    now += sf_test_rng_below(&rng, (op / 2000) % 2 ? 2 * SEC : SEC / 20);
    uint32_t i = sf_test_rng_below(&rng, KEYS);
    int gone_before = g.n;
    switch (sf_test_rng_below(&rng, 4)) {
    case 0:
      if (!model[i]) {
        bool full = t.count == MAX;
        sf_time_t oldest = full ? sf__tw_oldest(&t)->expires : 0;
        ck_assert_ptr_nonnull(add_n(&t, i, now));
        ck_assert_int_eq(g.n - gone_before, full ? 1 : 0);
        if (full) {
          /* The victim was the oldest: the earliest expiry in the model. */
          uint32_t victim = g.last_key.raddr.v4 - 0xc6130000u;
          ck_assert_uint_lt(victim, KEYS);
          ck_assert_uint_eq(model[victim], oldest);
          for (uint32_t j = 0; j < KEYS; j++)
            ck_assert(!model[j] || model[j] >= oldest);
          model[victim] = 0;
        }
        model[i] = now + MSL2;
      }
      break;
    case 1:
      if (model[i]) {
        sf__tw_restart(&t, find_n(&t, i), now);
        model[i] = now + MSL2;
      }
      break;
    case 2:
      sf__tw_expire(&t, now);
      for (uint32_t j = 0; j < KEYS; j++)
        if (model[j] && model[j] <= now)
          model[j] = 0;
      break;
    default:
      if (model[i]) {
        sf__tw_remove(&t, find_n(&t, i), SF_TW_REUSED, now);
        model[i] = 0;
      }
      break;
    }
    struct sf_tw_record *r = find_n(&t, i);
    ck_assert(model[i] ? r && r->expires == model[i] : r == NULL);
    if (op % 1000 == 0) {
      check_table(&t);
      unsigned n = 0;
      for (uint32_t j = 0; j < KEYS; j++) {
        r = find_n(&t, j);
        ck_assert(model[j] ? r && r->expires == model[j] : r == NULL);
        n += model[j] != 0;
      }
      ck_assert_uint_eq(n, t.count);
    }
  }
  /* Every path was taken. */
  ck_assert_int_gt(g.by_reason[SF_TW_RECYCLED], 100);
  ck_assert_int_gt(g.by_reason[SF_TW_EXPIRED], 100);
  ck_assert_int_gt(g.by_reason[SF_TW_REUSED], 100);
  int before = g.n;
  unsigned left = t.count;
  sf__tw_free(&t, now);
  ck_assert_int_eq(g.n - before, (int)left);
}
END_TEST

/* ----------------------------------------------------------- decision */

/* A record: our FIN sent up to snd_nxt, the peer's FIN received. */
static struct sf_tw_record rec(uint32_t rcv_nxt, uint16_t window, bool ts,
                               uint32_t ts_recent) {
  struct sf_tw_record r;
  memset(&r, 0, sizeof r);
  r.snd_nxt = sf_seq(0x20000000u);
  r.rcv_nxt = sf_seq(rcv_nxt);
  r.window = window;
  r.flags = ts ? SF_TW_TIMESTAMPS : 0;
  r.ts_recent = ts_recent;
  return r;
}

/* A segment from the peer: flags, seq, payload length, TSval (when ts). */
static struct sf_tcp_hdr seg(uint16_t flags, uint32_t seq, size_t len,
                             bool ts, uint32_t tsval) {
  static const uint8_t payload[2000];
  struct sf_tcp_hdr h;
  memset(&h, 0, sizeof h);
  h.sport = 40000;
  h.dport = 80;
  h.seq = sf_seq(seq);
  h.ack = sf_seq(0x20000000u);
  h.flags = flags;
  h.window = 65535;
  h.hdr_len = ts ? 32 : 20;
  if (ts) {
    h.opts.present = SF_TCP_OPT_TIMESTAMP;
    h.opts.ts_val = tsval;
    h.opts.ts_ecr = 1;
  }
  h.payload = len ? payload : NULL;
  h.payload_len = len;
  return h;
}

#define A SF_TCP_ACK
#define F SF_TCP_FIN
#define S SF_TCP_SYN
#define R SF_TCP_RST
#define P SF_TCP_PSH

static enum sf_tw_action act(uint32_t rcv_nxt, uint16_t window, bool rts,
                             uint32_t ts_recent, uint16_t flags, uint32_t seq,
                             size_t len, bool sts, uint32_t tsval) {
  struct sf_tw_record r = rec(rcv_nxt, window, rts, ts_recent);
  struct sf_tcp_hdr h = seg(flags, seq, len, sts, tsval);
  return sf__tw_segment(&r, &h);
}

/* Shorthands: no timestamps anywhere; timestamps (ts_recent 5000). */
#define NOTS(rn, w, fl, sq, ln) act(rn, w, false, 0, fl, sq, ln, false, 0)
#define TS(rn, w, fl, sq, ln, tv) act(rn, w, true, 5000, fl, sq, ln, true, tv)

START_TEST(test_rst_dropped) {
  /* RFC 1337: in window, out of window, with ACK, stale TSval. */
  ck_assert_int_eq(NOTS(1000, 500, R, 1000, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, R | A, 1000, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, R, 999, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, R, 9999, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 0, R, 1000, 0), SF_TW_DROP);
  ck_assert_int_eq(TS(1000, 500, R | A, 1000, 0, 4000), SF_TW_DROP);
  ck_assert_int_eq(act(1000, 500, true, 5000, R, 1000, 0, false, 0),
                   SF_TW_DROP);
}
END_TEST

START_TEST(test_fin_retransmission) {
  /* The peer's FIN was seq 999 (rcv_nxt 1000): it comes again. */
  ck_assert_int_eq(NOTS(1000, 500, F | A, 999, 0), SF_TW_ACK_RESTART);
  ck_assert_int_eq(NOTS(1000, 0, F | A, 999, 0), SF_TW_ACK_RESTART);
  /* With the data before it: seq 899, 100 bytes, FIN at 999. */
  ck_assert_int_eq(NOTS(1000, 500, F | P | A, 899, 100), SF_TW_ACK_RESTART);
  /* Timestamps: the same TSval (a retransmission) or a newer one. */
  ck_assert_int_eq(TS(1000, 500, F | A, 999, 0, 5000), SF_TW_ACK_RESTART);
  ck_assert_int_eq(TS(1000, 500, F | A, 999, 0, 5001), SF_TW_ACK_RESTART);
  /* Not ending at rcv_nxt - 1: an old FIN (ACK) or a new one (in
   * window: dropped, the text after a FIN is ignored). */
  ck_assert_int_eq(NOTS(1000, 500, F | A, 998, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 500, F | A, 899, 99), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 500, F | A, 1000, 0), SF_TW_DROP);
  /* A FIN past the window is unacceptable: ACK. */
  ck_assert_int_eq(NOTS(1000, 500, F | A, 1500, 0), SF_TW_ACK);
}
END_TEST

START_TEST(test_acceptability) {
  /* Zero-length segments, window 500: rcv_nxt <= seq < rcv_nxt + 500. */
  ck_assert_int_eq(NOTS(1000, 500, A, 1000, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, A, 1499, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, A, 1500, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 500, A, 999, 0), SF_TW_ACK); /* old dup ACK */
  /* Data: acceptable when its first or last byte is in the window. */
  ck_assert_int_eq(NOTS(1000, 500, A | P, 1000, 10), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, A | P, 995, 10), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, A | P, 990, 10), SF_TW_ACK); /* ends 999 */
  ck_assert_int_eq(NOTS(1000, 500, A | P, 1490, 100), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 500, A | P, 1500, 10), SF_TW_ACK);
  /* An old duplicate of data long acknowledged. */
  ck_assert_int_eq(NOTS(1000, 500, A | P, 500, 100), SF_TW_ACK);
  /* Zero window: only an empty segment at exactly rcv_nxt. */
  ck_assert_int_eq(NOTS(1000, 0, A, 1000, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(1000, 0, A, 1001, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 0, A, 999, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 0, A | P, 1000, 1), SF_TW_ACK);
  /* No ACK bit, acceptable: dropped (RFC 9293: ACK off, drop). */
  ck_assert_int_eq(NOTS(1000, 500, P, 1000, 5), SF_TW_DROP);
}
END_TEST

START_TEST(test_paws) {
  /* ts_recent 5000. Older TSval: ACK, even for an acceptable segment. */
  ck_assert_int_eq(TS(1000, 500, A, 1000, 0, 4999), SF_TW_ACK);
  ck_assert_int_eq(TS(1000, 500, A, 1000, 0, 5000), SF_TW_DROP);
  ck_assert_int_eq(TS(1000, 500, A, 1000, 0, 6000), SF_TW_DROP);
  /* A retransmitted FIN with an old TSval is a stale duplicate: ACK,
   * and no restart. */
  ck_assert_int_eq(TS(1000, 500, F | A, 999, 0, 4000), SF_TW_ACK);
  /* Newer TSval does not make an unacceptable segment acceptable. */
  ck_assert_int_eq(TS(1000, 500, A, 999, 0, 6000), SF_TW_ACK);
  /* TSval compared modulo 2^32: 0x10 is newer than 0xfffffff0. */
  ck_assert_int_eq(act(1000, 500, true, 0xfffffff0u, A, 1000, 0, true, 0x10),
                   SF_TW_DROP);
  ck_assert_int_eq(
      act(1000, 500, true, 0x10, A, 1000, 0, true, 0xfffffff0u), SF_TW_ACK);
  /* Timestamps negotiated but missing (RFC 7323 3.2): dropped. */
  ck_assert_int_eq(act(1000, 500, true, 5000, A, 1000, 0, false, 0),
                   SF_TW_DROP);
  ck_assert_int_eq(act(1000, 500, true, 5000, F | A, 999, 0, false, 0),
                   SF_TW_DROP);
  /* Without TIMESTAMPS on the record, a TSval is not compared. */
  ck_assert_int_eq(act(1000, 500, false, 5000, A, 1000, 0, true, 1),
                   SF_TW_DROP);
  ck_assert_int_eq(act(1000, 500, false, 5000, F | A, 999, 0, true, 1),
                   SF_TW_ACK_RESTART);
}
END_TEST

START_TEST(test_syn_with_timestamps) {
  /* RFC 6191: a newer TSval opens a new incarnation whatever the seq. */
  ck_assert_int_eq(TS(1000, 500, S, 5, 0, 5001), SF_TW_NEW_SYN);
  ck_assert_int_eq(TS(1000, 500, S, 1000, 0, 9000), SF_TW_NEW_SYN);
  ck_assert_int_eq(TS(1000, 500, S, 2000, 0, 5001), SF_TW_NEW_SYN);
  /* An older TSval: refused (ACK), even with a higher seq. */
  ck_assert_int_eq(TS(1000, 500, S, 2000, 0, 4999), SF_TW_ACK);
  ck_assert_int_eq(TS(1000, 500, S, 5, 0, 1), SF_TW_ACK);
  /* Equal TSval: the sequence number decides. */
  ck_assert_int_eq(TS(1000, 500, S, 1001, 0, 5000), SF_TW_NEW_SYN);
  ck_assert_int_eq(TS(1000, 500, S, 1000, 0, 5000), SF_TW_ACK);
  /* TSval across 2^32. */
  ck_assert_int_eq(act(1000, 500, true, 0xffffff00u, S, 5, 0, true, 0x20),
                   SF_TW_NEW_SYN);
  ck_assert_int_eq(act(1000, 500, true, 0x20, S, 5000, 0, true, 0xffffff00u),
                   SF_TW_ACK);
  /* The old connection used timestamps, the SYN has none: by seq. */
  ck_assert_int_eq(act(1000, 500, true, 5000, S, 1001, 0, false, 0),
                   SF_TW_NEW_SYN);
  ck_assert_int_eq(act(1000, 500, true, 5000, S, 1000, 0, false, 0),
                   SF_TW_ACK);
  /* A SYN-ACK never opens a connection here. */
  ck_assert_int_eq(TS(1000, 500, S | A, 2000, 0, 9000), SF_TW_ACK);
}
END_TEST

START_TEST(test_syn_without_timestamps) {
  ck_assert_int_eq(NOTS(1000, 500, S, 1001, 0), SF_TW_NEW_SYN);
  ck_assert_int_eq(NOTS(1000, 500, S, 0x70000000u, 0), SF_TW_NEW_SYN);
  ck_assert_int_eq(NOTS(1000, 500, S, 1000, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 500, S, 999, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 500, S, 5, 0), SF_TW_ACK);
  /* More than 2^31 ahead is behind, modulo 2^32. */
  ck_assert_int_eq(NOTS(1000, 500, S, 1000u + 0x80000001u, 0), SF_TW_ACK);
  /* The SYN offers timestamps, the old connection had none: by seq. */
  ck_assert_int_eq(act(1000, 500, false, 0, S, 1001, 0, true, 1),
                   SF_TW_NEW_SYN);
  ck_assert_int_eq(act(1000, 500, false, 0, S, 1000, 0, true, 99999),
                   SF_TW_ACK);
  ck_assert_int_eq(NOTS(1000, 500, S | A, 5000, 0), SF_TW_ACK);
}
END_TEST

START_TEST(test_wraparound) {
  /* rcv_nxt 0: the peer's FIN was 0xffffffff. */
  ck_assert_int_eq(NOTS(0, 500, F | A, 0xffffffffu, 0), SF_TW_ACK_RESTART);
  ck_assert_int_eq(NOTS(0, 500, F | A, 0xfffffff0u, 15), SF_TW_ACK_RESTART);
  ck_assert_int_eq(NOTS(0, 500, F | A, 0xfffffffeu, 0), SF_TW_ACK);
  /* FIN with data across the wrap: 0xfffffffe + 4 = 2 = rcv_nxt - 1. */
  ck_assert_int_eq(NOTS(3, 500, F | A, 0xfffffffeu, 4), SF_TW_ACK_RESTART);
  /* The window straddles 2^32: [0xfffffff0, 0x1e4). */
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A, 0xfffffff0u, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A, 0x100, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A, 0x1e3, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A, 0x1e4, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A, 0xffffffefu, 0), SF_TW_ACK);
  /* Data ending inside the window, starting before it and before 2^32. */
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A | P, 0xffffffe0u, 0x20),
                   SF_TW_DROP);
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, A | P, 0xffffffe0u, 0x10),
                   SF_TW_ACK);
  /* Zero window at 0xffffffff. */
  ck_assert_int_eq(NOTS(0xffffffffu, 0, A, 0xffffffffu, 0), SF_TW_DROP);
  ck_assert_int_eq(NOTS(0xffffffffu, 0, A, 0, 0), SF_TW_ACK);
  /* New SYNs just past the wrap are beyond rcv_nxt. */
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, S, 5, 0), SF_TW_NEW_SYN);
  ck_assert_int_eq(NOTS(0xfffffff0u, 500, S, 0xffffffe0u, 0), SF_TW_ACK);
  ck_assert_int_eq(NOTS(0xffffffffu, 500, S, 0, 0), SF_TW_NEW_SYN);
  ck_assert_int_eq(NOTS(0, 500, S, 0xffffffffu, 0), SF_TW_ACK);
}
END_TEST

/* A record is 64 bytes; only IPv4 4-tuples have one. */
START_TEST(test_compact_record) {
  ck_assert_uint_le(sizeof(struct sf_tw_record), 64);
  struct sf_tw_record r;
  memset(&r, 0, sizeof r);
  struct sf_tuple v4 = key_n(7);
  ck_assert(sf__tw_set_key(&r, &v4));
  struct sf_tuple back = sf__tw_tuple(&r);
  ck_assert(sf__tuple_eq(&back, &v4));
  struct sf_tuple v6 = v4;
  v6.raddr.family = SF_AF_INET6;
  memset(v6.raddr.v6, 0x20, sizeof v6.raddr.v6);
  ck_assert(!sf__tw_set_key(&r, &v6));
  /* No IPv6 key is found, even when its first bytes match a record's. */
  struct sf_secret s;
  sf__secret_init_seeded(&s, 11);
  struct sf_tw_table t;
  sf__tw_init(&t, &s, NULL, 10, MSL2, NULL, NULL);
  ck_assert_ptr_nonnull(add_n(&t, 7, 0));
  ck_assert_ptr_null(sf__tw_find(&t, &v6));
  sf__tw_free(&t, 0);
}
END_TEST

/* Far past the old fixed 4,096: the kernel's 131,072 TIME-WAIT sockets
 * in one 2MSL, every one found, none recycled, and the memory they take
 * from the budget about 64 bytes each (plus 4 per hash bucket). */
START_TEST(test_grows_to_kernel_scale) {
  enum { N = 131072 };
  struct sf_secret s;
  sf__secret_init_seeded(&s, 12);
  struct sf_budget mem = {.max = 64u << 20};
  struct sf_tw_table t;
  struct gone_log g = {.t = NULL};
  sf__tw_init(&t, &s, &mem, 2 * N, MSL2, on_gone, &g);
  for (uint32_t i = 0; i < N; i++)
    ck_assert_ptr_nonnull(add_n(&t, i, (sf_time_t)i * (MSL2 / N)));
  ck_assert_uint_eq(t.count, N);
  ck_assert_int_eq(g.n, 0);
  ck_assert_uint_ge(t.nbuckets, N);
  ck_assert_uint_le(mem.used, (size_t)N * 64 + t.nbuckets * 4 +
                                  SF_TW_CHUNK * 64);
  for (uint32_t i = 0; i < N; i += 97) {
    struct sf_tw_record *r = find_n(&t, i);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->rcv_nxt.v, 5000 + i);
  }
  ck_assert_ptr_null(find_n(&t, N));
  /* A 2MSL later every record has expired; the memory stays for the
   * next burst (no allocation then), and is given back on free. */
  sf__tw_expire(&t, MSL2 + MSL2);
  ck_assert_uint_eq(t.count, 0);
  ck_assert_int_eq(g.by_reason[SF_TW_EXPIRED], N);
  size_t chunks = t.nchunks;
  for (uint32_t i = 0; i < N; i++)
    ck_assert_ptr_nonnull(add_n(&t, N + i, 3 * MSL2));
  ck_assert_uint_eq(t.nchunks, chunks);
  sf__tw_free(&t, 4 * MSL2);
  ck_assert_uint_eq(mem.used, 0);
}
END_TEST

/* Short of memory (the budget), the table stops growing and recycles
 * its oldest record for each new one; with nothing to recycle, add
 * fails cleanly. */
START_TEST(test_memory_bounds_the_table) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 13);
  uint64_t refused = 0;
  /* Two chunks and the first 16 buckets, not a third chunk. */
  size_t two = 2 * SF_TW_CHUNK * sizeof(struct sf_tw_record);
  struct sf_budget mem = {.max = two + 16 * sizeof(sf_tw_index) +
                                 2 * SF_TW_CHUNK * sizeof(sf_tw_index),
                          .refused = &refused};
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, &mem, 100000, MSL2, on_gone, &g);
  for (uint32_t i = 0; i < 3 * SF_TW_CHUNK; i++)
    ck_assert_ptr_nonnull(add_n(&t, i, i));
  ck_assert_uint_eq(t.nchunks, 2);
  ck_assert_uint_eq(t.count, 2 * SF_TW_CHUNK);
  ck_assert_int_eq(g.by_reason[SF_TW_RECYCLED], SF_TW_CHUNK);
  ck_assert_uint_gt(refused, 0);
  ck_assert_uint_le(mem.used, mem.max);
  /* The survivors are the newest ones. */
  ck_assert_ptr_null(find_n(&t, SF_TW_CHUNK - 1));
  ck_assert_ptr_nonnull(find_n(&t, SF_TW_CHUNK));
  ck_assert_ptr_nonnull(find_n(&t, 3 * SF_TW_CHUNK - 1));
  check_table(&t);
  sf__tw_free(&t, 0);
  ck_assert_uint_eq(mem.used, 0);

  /* No memory at all: the first add fails and leaves an empty table. */
  struct sf_budget none = {.max = 0};
  sf__tw_init(&t, &s, &none, 100, MSL2, on_gone, &g);
  ck_assert_ptr_null(add_n(&t, 1, 0));
  ck_assert_uint_eq(t.count, 0);
  ck_assert_ptr_null(find_n(&t, 1));
  sf__tw_free(&t, 0);
}
END_TEST

/* malloc failing: a chunk that cannot be had is like a full budget, and
 * buckets that cannot double leave longer chains, nothing lost. */
START_TEST(test_allocation_failure) {
  struct sf_secret s;
  sf__secret_init_seeded(&s, 14);
  struct sf_tw_table t;
  struct gone_log g = {.t = &t};
  sf__tw_init(&t, &s, NULL, 100000, MSL2, on_gone, &g);
  sf__alloc_fail_after(0, 1000);
  ck_assert_ptr_null(add_n(&t, 1, 0));
  sf__alloc_fail_after(0, 0);
  ck_assert_ptr_nonnull(add_n(&t, 1, 0));
  /* Buckets (16) cannot double: 300 records still go in and are found. */
  sf__alloc_fail_after(0, 1000000);
  for (uint32_t i = 2; i < 300; i++)
    ck_assert_ptr_nonnull(add_n(&t, i, i)); /* recycles once chunk 1 is full */
  sf__alloc_fail_after(0, 0);
  ck_assert_uint_eq(t.nbuckets, 16);
  ck_assert_uint_eq(t.count, SF_TW_CHUNK);
  ck_assert_int_eq(g.by_reason[SF_TW_RECYCLED], 300 - 1 - SF_TW_CHUNK);
  check_table(&t);
  sf__tw_free(&t, 0);
}
END_TEST

static Suite *timewait_suite(void) {
  Suite *s = suite_create("tcp/timewait");
  TCase *tc = tcase_create("table");
  tcase_set_timeout(tc, 60); /* a random run against a model; shared machines */
  tcase_add_test(tc, test_add_find_remove);
  tcase_add_test(tc, test_zero_max);
  tcase_add_test(tc, test_expiry_order_with_restart);
  tcase_add_test(tc, test_recycle_oldest);
  tcase_add_test(tc, test_add_until_placed_by_expiry);
  tcase_add_test(tc, test_attached_share_the_limit);
  tcase_add_test(tc, test_flush_on_free);
  tcase_add_test(tc, test_no_gone_callback);
  tcase_add_test(tc, test_random_model);
  tcase_add_test(tc, test_compact_record);
  tcase_add_test(tc, test_memory_bounds_the_table);
  tcase_add_test(tc, test_allocation_failure);
  suite_add_tcase(s, tc);
  /* 262,144 records in and out: under a second alone, but this machine
   * may be shared. */
  tc = tcase_create("scale");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_grows_to_kernel_scale);
  suite_add_tcase(s, tc);
  tc = tcase_create("segment");
  tcase_add_test(tc, test_rst_dropped);
  tcase_add_test(tc, test_fin_retransmission);
  tcase_add_test(tc, test_acceptability);
  tcase_add_test(tc, test_paws);
  tcase_add_test(tc, test_syn_with_timestamps);
  tcase_add_test(tc, test_syn_without_timestamps);
  tcase_add_test(tc, test_wraparound);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(timewait_suite)
