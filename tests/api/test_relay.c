/*
 * sf_relay: two TCP connections joined by a relay on host B. Host A holds
 * both ends the relay serves: the client (f->client, connected to B's
 * listener, accepted as f->accepted) and the origin (a listener on A
 * whose connection from B, rt.up, is accepted as rt.origin). The relay
 * joins f->accepted (its side a) and rt.up (side b), so direction 0 is
 * client -> origin and direction 1 origin -> client.
 *
 * Both relayed streams are TCP, so the relay splices (moves the bytes
 * ring to ring); the cases added with RT_ADD run twice, on the splice
 * path (_i 0) and, through the relay's test seam, on the chunk path that
 * other stream types take (_i 1).
 */
#include "config.h"

#include <string.h>

#include "api/relay.h"
#include "fixture.h"
#include "util/alloc.h"

#define ORIGIN_PORT 6000

/* The relay's data path a case runs on (its loop index _i). */
enum rt_path { RT_SPLICE, RT_CHUNKS };

static void rt_path(int i) { sf__relay_splice_tcp(i == RT_SPLICE); }

struct rt {
  sf_tcp_t olisten, origin, up;
  sf_connect_t upreq;
  sf_relay_t relay;
  int up_connected, origin_accepted, done;
  sf_relay_result_t res;
  unsigned long long done_at; /* sf_now when done_cb fired */
  void *data_seen[2];         /* the streams' data fields at done_cb */
};
static struct rt rt;

static void origin_connection(sf_tcp_t *server, int status) {
  ck_assert_int_eq(status, 0);
  ck_assert_int_eq(sf_tcp_init(server->loop, &rt.origin), 0);
  ck_assert_int_eq(sf_accept(server, &rt.origin), 0);
  rt.origin_accepted = 1;
}

static void up_connected(sf_connect_t *req, int status) {
  (void)req;
  ck_assert_int_eq(status, 0);
  rt.up_connected = 1;
}

static void relay_done(sf_relay_t *relay, const sf_relay_result_t *res) {
  struct fx *f = fx_current;
  ck_assert_ptr_eq(relay, &rt.relay);
  ck_assert_ptr_null(relay->impl_);
  rt.res = *res;
  rt.done++;
  rt.done_at = sf_now(&f->loopb);
  rt.data_seen[0] = f->accepted.data;
  rt.data_seen[1] = rt.up.data;
  fx_log(f, "relay:%s/%s", sf_relay_end_name(res->end[0]),
         sf_relay_end_name(res->end[1]));
}

/* Client and origin connected over a link with `fault` at host A's
 * interface (NULL: none); relay not started yet. */
static void rt_connect_over(struct fx *f, const sf_fault_config_t *fault) {
  sf_iface_config_t a = {.address = FX_ADDR_A "/24", .fault = fault};
  sf_iface_config_t b = {.address = FX_ADDR_B "/24"};
  memset(&rt, 0, sizeof(rt));
  fx_init_opts(f, NULL, &a, &b);
  fx_listen(f);
  struct sockaddr_in o = fx_addr(FX_ADDR_A, ORIGIN_PORT);
  ck_assert_int_eq(sf_tcp_init(&f->loop, &rt.olisten), 0);
  ck_assert_int_eq(sf_tcp_bind(&rt.olisten, (struct sockaddr *)&o, 0), 0);
  ck_assert_int_eq(sf_listen(&rt.olisten, 16, origin_connection), 0);
  fx_connect(f);
  ck_assert_int_eq(sf_tcp_init(&f->loopb, &rt.up), 0);
  ck_assert_int_eq(sf_tcp_connect(&rt.upreq, &rt.up, (struct sockaddr *)&o,
                                  up_connected),
                   0);
  fx_run_until(f, &rt.up_connected);
  fx_run_until(f, &rt.origin_accepted);
}

static void rt_connect(struct fx *f) { rt_connect_over(f, NULL); }

/* ... and the relay running, client and origin reading (into the
 * fixture's rbuf[0] and rbuf[1]). */
static void rt_setup_over(struct fx *f, const sf_relay_options_t *opts,
                          const sf_fault_config_t *fault) {
  rt_connect_over(f, fault);
  f->accepted.data = (void *)&f->accepted; /* must come back at the end */
  rt.up.data = NULL;
  ck_assert_int_eq(sf_relay_start(&f->loopb, &rt.relay,
                                  (sf_stream_t *)&f->accepted,
                                  (sf_stream_t *)&rt.up, opts, relay_done),
                   0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f->client, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&rt.origin, fx_alloc_cb, fx_read_cb), 0);
}

static void rt_setup(struct fx *f, const sf_relay_options_t *opts) {
  rt_setup_over(f, opts, NULL);
}

static void rt_send(sf_tcp_t *from, const char *text) {
  sf_buf_t b = sf_buf_init((char *)text, strlen(text));
  ck_assert_int_eq(sf_try_write((sf_stream_t *)from, &b, 1),
                   (int)strlen(text));
}

static void rt_shutdown(sf_tcp_t *who, sf_shutdown_t *req) {
  ck_assert_int_eq(sf_shutdown(req, (sf_stream_t *)who, NULL), 0);
}

static void rt_expect(struct fx *f, int i, const char *text) {
  size_t n = strlen(text);
  while (f->rlen[i] < n)
    sf_run(&f->loop, SF_RUN_ONCE);
  ck_assert_uint_eq(f->rlen[i], n);
  ck_assert_mem_eq(f->rbuf[i], text, n);
}

static void rt_expect_done(struct fx *f, sf_relay_end_t e0,
                           sf_relay_end_t e1) {
  fx_run_until(f, &rt.done);
  ck_assert_int_eq(rt.done, 1);
  ck_assert_str_eq(sf_relay_end_name(rt.res.end[0]), sf_relay_end_name(e0));
  ck_assert_str_eq(sf_relay_end_name(rt.res.end[1]), sf_relay_end_name(e1));
  ck_assert_ptr_eq(rt.data_seen[0], &f->accepted);
  ck_assert_ptr_null(rt.data_seen[1]);
}

/* ----------------------------------------------------------------- tests */

/* Bytes cross both ways; each side's EOF reaches the other; the relay
 * ends with EOF both ways, counts the bytes and gives the data fields
 * back. */
START_TEST(relay_both_directions) {
  rt_path(_i);
  struct fx f;
  sf_shutdown_t s1, s2;
  rt_setup(&f, NULL);
  rt_send(&f.client, "hello from the client");
  rt_send(&rt.origin, "and hello from the origin");
  rt_expect(&f, 1, "hello from the client");
  rt_expect(&f, 0, "and hello from the origin");
  rt_shutdown(&f.client, &s1);
  fx_run_until(&f, &f.eof[1]);
  rt_shutdown(&rt.origin, &s2);
  fx_run_until(&f, &f.eof[0]);
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  ck_assert_uint_eq(rt.res.bytes[0], strlen("hello from the client"));
  ck_assert_uint_eq(rt.res.bytes[1], strlen("and hello from the origin"));
  ck_assert_int_eq(rt.res.error[0], 0);
  ck_assert_int_eq(f.rerr[0], 0);
  ck_assert_int_eq(f.rerr[1], 0);
  fx_finish(&f);
}
END_TEST

/* The client half-closes first; the origin answers after the client's
 * FIN reached it, and the answer still reaches the client (nc -N). */
START_TEST(relay_half_close_client_first) {
  rt_path(_i);
  struct fx f;
  sf_shutdown_t s1, s2;
  rt_setup(&f, NULL);
  rt_send(&f.client, "request");
  rt_shutdown(&f.client, &s1);
  fx_run_until(&f, &f.eof[1]);
  rt_expect(&f, 1, "request");
  ck_assert_int_eq(rt.done, 0);
  rt_send(&rt.origin, "answer after the FIN");
  rt_shutdown(&rt.origin, &s2);
  fx_run_until(&f, &f.eof[0]);
  rt_expect(&f, 0, "answer after the FIN");
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  ck_assert_uint_eq(rt.res.bytes[1], strlen("answer after the FIN"));
  fx_finish(&f);
}
END_TEST

/* The origin closes its writing first; the client keeps sending, and
 * its bytes still reach the origin. */
START_TEST(relay_half_close_origin_first) {
  rt_path(_i);
  struct fx f;
  sf_shutdown_t s1, s2;
  rt_setup(&f, NULL);
  rt_send(&rt.origin, "bye");
  rt_shutdown(&rt.origin, &s1);
  fx_run_until(&f, &f.eof[0]);
  rt_expect(&f, 0, "bye");
  rt_send(&f.client, "still talking");
  rt_expect(&f, 1, "still talking");
  ck_assert_int_eq(rt.done, 0);
  rt_send(&f.client, ", done");
  rt_shutdown(&f.client, &s2);
  fx_run_until(&f, &f.eof[1]);
  rt_expect(&f, 1, "still talking, done");
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  ck_assert_uint_eq(rt.res.bytes[0], strlen("still talking, done"));
  ck_assert_uint_eq(rt.res.bytes[1], 3);
  fx_finish(&f);
}
END_TEST

static void rt_run_until_error(struct fx *f, int i) {
  while (!f->rerr[i])
    sf_run(&f->loop, SF_RUN_ONCE);
}

/* A reset from the client resets the origin's connection, and the
 * other way round. */
START_TEST(relay_reset_from_client) {
  rt_path(_i);
  struct fx f;
  rt_setup(&f, NULL);
  rt_send(&f.client, "x");
  rt_expect(&f, 1, "x");
  ck_assert_int_eq(sf_tcp_close_reset(&f.client, NULL), 0);
  rt_run_until_error(&f, 1);
  ck_assert_str_eq(sf_err_name(f.rerr[1]), "ECONNRESET");
  rt_expect_done(&f, SF_RELAY_RESET, SF_RELAY_RESET);
  ck_assert_int_eq(rt.res.error[0], SF_ECONNRESET);
  fx_finish(&f);
}
END_TEST

START_TEST(relay_reset_from_origin) {
  rt_path(_i);
  struct fx f;
  sf_shutdown_t s;
  rt_setup(&f, NULL);
  rt_shutdown(&f.client, &s); /* a reset after EOF still crosses */
  fx_run_until(&f, &f.eof[1]);
  ck_assert_int_eq(sf_tcp_close_reset(&rt.origin, NULL), 0);
  rt_run_until_error(&f, 0);
  ck_assert_str_eq(sf_err_name(f.rerr[0]), "ECONNRESET");
  fx_run_until(&f, &rt.done);
  /* client -> origin had ended by EOF before the reset */
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_RESET);
  fx_finish(&f);
}
END_TEST

/* ----------------------------------------------------- back-pressure */

#define BP_TOTAL (4u << 20)
#define BP_HIGH (64u * 1024u)
#define BP_LOW (16u * 1024u)
static char bp_data[BP_TOTAL];
static struct {
  size_t max_buffered, got, bad;
  int written;
  char chunk[16384];
} bp;

static void bp_sample(sf_check_t *c) {
  (void)c;
  size_t n = sf_relay_buffered(&rt.relay);
  if (n > bp.max_buffered)
    bp.max_buffered = n;
}

static void bp_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)h, (void)size;
  *buf = sf_buf_init(bp.chunk, sizeof(bp.chunk));
}

/* Checks each byte against the pattern at its offset. */
static void bp_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  (void)s;
  for (ssize_t i = 0; i < n; i++)
    bp.bad += buf->base[i] != bp_data[bp.got + (size_t)i];
  if (n > 0)
    bp.got += (size_t)n;
}

static void bp_written(sf_write_t *req, int status) {
  (void)req;
  ck_assert_int_eq(status, 0);
  bp.written = 1;
}

static void bp_fill_pattern(void) {
  memset(&bp, 0, sizeof(bp));
  for (size_t i = 0; i < BP_TOTAL; i++)
    bp_data[i] = (char)(i * 7 + i / 4096);
}

/* The client writes 4 MB and its end; the origin does not read: the
 * relay stops taking the client's bytes, whose writes then wait in the
 * client's own queue. On the chunk path
 * the relay fills to high water and stops reading; on the splice path it
 * holds nothing at all: the bytes stay in the origin-side connection's
 * send buffer and the client-side one's receive buffer, whose window
 * closes. When the origin reads, every byte arrives in order. */
START_TEST(relay_back_pressure_bounded) {
  rt_path(_i);
  struct fx f;
  sf_check_t check;
  sf_write_t w;
  sf_shutdown_t s, s2;
  sf_relay_options_t o = {.high_water = BP_HIGH, .low_water = BP_LOW};
  bp_fill_pattern();
  rt_setup(&f, &o);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&rt.origin), 0);
  ck_assert_int_eq(sf_check_init(&f.loop, &check), 0);
  ck_assert_int_eq(sf_check_start(&check, bp_sample), 0);
  sf_unref((sf_handle_t *)&check);
  sf_buf_t b = sf_buf_init(bp_data, BP_TOTAL);
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, bp_written),
                   0);
  rt_shutdown(&f.client, &s); /* the end waits behind every byte */
  fx_run_for(&f, 300);
  /* stalled: the client's stack still holds most of the 4 MB */
  ck_assert_int_eq(bp.written, 0);
  ck_assert_uint_gt(sf_stream_get_write_queue_size((sf_stream_t *)&f.client),
                    BP_TOTAL / 2);
  if (_i == RT_SPLICE)
    ck_assert_uint_eq(bp.max_buffered, 0); /* the relay holds nothing */
  else
    ck_assert_uint_gt(bp.max_buffered, BP_LOW); /* it did fill */
  ck_assert_uint_le(bp.max_buffered, BP_HIGH);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&rt.origin, bp_alloc, bp_read), 0);
  while (bp.got < BP_TOTAL)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_uint_eq(bp.got, BP_TOTAL);
  ck_assert_uint_eq(bp.bad, 0);
  ck_assert_uint_le(bp.max_buffered, BP_HIGH);
  ck_assert_int_eq(bp.written, 1);
  rt_shutdown(&rt.origin, &s2);
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  ck_assert_uint_eq(rt.res.bytes[0], BP_TOTAL);
  sf_close((sf_handle_t *)&check, NULL);
  fx_finish(&f);
}
END_TEST

static void rt_write(sf_tcp_t *from, sf_write_t *w, char *data, size_t n) {
  sf_buf_t b = sf_buf_init(data, n);
  ck_assert_int_eq(sf_write(w, (sf_stream_t *)from, &b, 1, bp_written), 0);
}

static void bp_run_until_got(struct fx *f, size_t n) {
  while (bp.got < n)
    sf_run(&f->loop, SF_RUN_ONCE);
}

#define WARM_UP (2u << 20)

/* Once the first 2 MB have grown every buffer (and the stacks' frame
 * pools) to their size, the next 2 MB cost the splice path no allocation
 * per read (0 in practice; a few frames if more ever fly at once). The
 * chunk path allocates a chunk per read, of at most high_water (16 KiB
 * here): at least 128 for 2 MB, which the same count sees. */
START_TEST(relay_no_allocation_per_read) {
  struct fx f;
  sf_write_t w1, w2;
  sf_shutdown_t s, s2;
  sf_relay_options_t o = {.high_water = BP_LOW, .low_water = BP_LOW / 4};
  rt_path(_i);
  bp_fill_pattern();
  rt_setup(&f, &o);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&rt.origin), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&rt.origin, bp_alloc, bp_read), 0);
  rt_write(&f.client, &w1, bp_data, WARM_UP);
  bp_run_until_got(&f, WARM_UP);
  unsigned long before = sf__alloc_count();
  rt_write(&f.client, &w2, bp_data + WARM_UP, BP_TOTAL - WARM_UP);
  bp_run_until_got(&f, BP_TOTAL);
  unsigned long allocs = sf__alloc_count() - before;
  ck_assert_uint_eq(bp.bad, 0);
  if (_i == RT_SPLICE)
    ck_assert_uint_le(allocs, 16);
  else
    ck_assert_uint_ge(allocs, (BP_TOTAL - WARM_UP) / BP_LOW);
  rt_shutdown(&f.client, &s);
  rt_shutdown(&rt.origin, &s2);
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  ck_assert_uint_eq(rt.res.bytes[0], BP_TOTAL);
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------- a link that loses frames */

#define FL_UP (4u << 20)   /* client -> origin */
#define FL_DOWN (1u << 20) /* origin -> client */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv1a(uint64_t h, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
  return h;
}

/* What one end received: its bytes' hash, count and end. */
struct fl_sink {
  uint64_t hash;
  size_t got;
  int eof, err;
  char chunk[16384];
};
static char fl_up[FL_UP], fl_down[FL_DOWN];

static void fl_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  struct fl_sink *k = h->data;
  *buf = sf_buf_init(k->chunk, sizeof(k->chunk));
}

static void fl_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  struct fl_sink *k = s->data;
  if (n > 0) {
    k->hash = fnv1a(k->hash, buf->base, (size_t)n);
    k->got += (size_t)n;
  } else if (n == SF_EOF) {
    k->eof = 1;
  } else if (n < 0) {
    k->err = (int)n;
  }
}

static void fl_read_into(sf_tcp_t *t, struct fl_sink *k) {
  *k = (struct fl_sink){.hash = FNV_OFFSET};
  t->data = k;
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)t), 0);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)t, fl_alloc, fl_read), 0);
}

/* 4 MB up and 1 MB down at once through a link that loses 1% and
 * reorders 2% of the frames each way: both ends get exactly the bytes
 * sent (same count, same hash), and both directions end by EOF. */
START_TEST(relay_faulty_link_hash) {
  struct fx f;
  struct fl_sink at_origin, at_client;
  sf_write_t wu, wd;
  sf_shutdown_t su, sd;
  sf_fault_dir_t dir = {.loss_ppm = 10000,
                        .reorder_ppm = 20000,
                        .reorder_max_delay_ns = 2000000};
  sf_fault_config_t fault = {.seed = 7, .tx = dir, .rx = dir};
  struct sf_test_rng rng;
  rt_path(_i);
  sf_test_rng_seed(&rng, 12);
  sf_test_rng_fill(&rng, fl_up, sizeof(fl_up));
  sf_test_rng_fill(&rng, fl_down, sizeof(fl_down));
  rt_setup_over(&f, NULL, &fault);
  fl_read_into(&rt.origin, &at_origin);
  fl_read_into(&f.client, &at_client);
  sf_buf_t up = sf_buf_init(fl_up, FL_UP), down = sf_buf_init(fl_down, FL_DOWN);
  ck_assert_int_eq(sf_write(&wu, (sf_stream_t *)&f.client, &up, 1, NULL), 0);
  ck_assert_int_eq(sf_write(&wd, (sf_stream_t *)&rt.origin, &down, 1, NULL),
                   0);
  rt_shutdown(&f.client, &su);
  rt_shutdown(&rt.origin, &sd);
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  fx_run_until(&f, &at_origin.eof);
  fx_run_until(&f, &at_client.eof);
  ck_assert_uint_eq(at_origin.got, FL_UP);
  ck_assert_uint_eq(at_client.got, FL_DOWN);
  ck_assert_uint_eq(at_origin.hash, fnv1a(FNV_OFFSET, fl_up, FL_UP));
  ck_assert_uint_eq(at_client.hash, fnv1a(FNV_OFFSET, fl_down, FL_DOWN));
  ck_assert_int_eq(at_origin.err, 0);
  ck_assert_int_eq(at_client.err, 0);
  ck_assert_uint_eq(rt.res.bytes[0], FL_UP);
  ck_assert_uint_eq(rt.res.bytes[1], FL_DOWN);
  /* the faults were there: the relay's stack had to repair */
  ck_assert_uint_gt(sf_loop_counter(&f.loopb, "tcp_retrans_segs"), 0);
  ck_assert_uint_gt(sf_loop_counter(&f.loopb, "tcp_in_ooo_segs"), 0);
  fx_finish(&f);
}
END_TEST

/* The bytes the origin's receive buffer, the relay's origin-side send
 * buffer and half the client-side receive buffer hold (256 KiB each by
 * default): the client's last bytes and its FIN reach the relay while
 * the origin-side send buffer is full. */
#define BEHIND_FULL ((256u + 256u + 128u) * 1024u)

/* Runs until every byte tcp sent, its FIN included, was acknowledged. */
static void rt_run_until_all_acked(struct fx *f, const sf_tcp_t *tcp) {
  sf_tcp_info_t info;
  do {
    sf_run(&f->loop, SF_RUN_ONCE);
    ck_assert_int_eq(sf_tcp_info(tcp, &info), 0);
  } while (info.unsent || info.bytes_in_flight ||
           info.state != SF_TCP_FIN_WAIT_2);
}

/* The client's end arrives with the last bytes while the destination is
 * full: once the origin reads, those bytes and then the end still cross
 * (the end is not lost behind the wait for room). */
START_TEST(relay_end_behind_full_destination) {
  struct fx f;
  struct fl_sink at_origin;
  sf_write_t w;
  sf_shutdown_t s, s2;
  rt_path(_i);
  memset(&bp, 0, sizeof(bp));
  rt_setup(&f, NULL);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&rt.origin), 0);
  sf_buf_t b = sf_buf_init(fl_up, BEHIND_FULL);
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, bp_written),
                   0);
  rt_shutdown(&f.client, &s);
  rt_run_until_all_acked(&f, &f.client); /* on the relay's host now */
  fl_read_into(&rt.origin, &at_origin);
  fx_run_until(&f, &at_origin.eof);
  ck_assert_uint_eq(at_origin.got, BEHIND_FULL);
  ck_assert_uint_eq(at_origin.hash, fnv1a(FNV_OFFSET, fl_up, BEHIND_FULL));
  rt_shutdown(&rt.origin, &s2);
  rt_expect_done(&f, SF_RELAY_EOF, SF_RELAY_EOF);
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------------ idle, stop, misuse */

/* Nothing moves for idle_timeout_ms: both directions end IDLE, both
 * streams are closed (each end sees EOF), not before the timeout. */
START_TEST(relay_idle_timeout) {
  rt_path(_i);
  struct fx f;
  sf_relay_options_t o;
  ck_assert_int_eq(sf_relay_options_default(&o), 0);
  o.idle_timeout_ms = 150;
  rt_setup(&f, &o);
  fx_run_for(&f, 100);
  rt_send(&f.client, "ping"); /* movement restarts the clock */
  rt_expect(&f, 1, "ping");
  unsigned long long moved = sf_now(&f.loopb);
  rt_expect_done(&f, SF_RELAY_IDLE, SF_RELAY_IDLE);
  ck_assert_uint_ge(rt.done_at - moved, 140);
  ck_assert_uint_le(rt.done_at - moved, 1000);
  fx_run_until(&f, &f.eof[0]);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_uint_eq(rt.res.bytes[0], 4);
  fx_finish(&f);
}
END_TEST

START_TEST(relay_stop) {
  rt_path(_i);
  struct fx f;
  rt_setup(&f, NULL);
  rt_send(&rt.origin, "last words");
  rt_expect(&f, 0, "last words");
  ck_assert_int_eq(sf_relay_stop(&rt.relay), 0);
  ck_assert_int_eq(sf_relay_stop(&rt.relay), SF_EALREADY);
  ck_assert_int_eq(rt.done, 0); /* never from inside the call */
  rt_expect_done(&f, SF_RELAY_STOPPED, SF_RELAY_STOPPED);
  ck_assert_uint_eq(rt.res.bytes[1], strlen("last words"));
  ck_assert_int_eq(sf_relay_stop(&rt.relay), SF_EINVAL);
  ck_assert_uint_eq(sf_relay_buffered(&rt.relay), 0);
  fx_finish(&f);
}
END_TEST

/* Bad arguments are refused, and the streams are left as they were. */
START_TEST(relay_misuse) {
  struct fx f;
  sf_relay_t r = {0};
  sf_relay_options_t o;
  sf_stream_t *a, *b;
  rt_connect(&f);
  a = (sf_stream_t *)&f.accepted;
  b = (sf_stream_t *)&rt.up;
  a->data = (void *)&r;
  ck_assert_int_eq(sf_relay_start(NULL, &r, a, b, NULL, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_relay_start(&f.loopb, NULL, a, b, NULL, NULL),
                   SF_EINVAL);
  ck_assert_int_eq(sf_relay_start(&f.loopb, &r, a, a, NULL, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_relay_start(&f.loopb, &r, a, NULL, NULL, NULL),
                   SF_EINVAL);
  /* a stream of another loop */
  ck_assert_int_eq(sf_relay_start(&f.loopb, &r, a,
                                  (sf_stream_t *)&f.client, NULL, NULL),
                   SF_EINVAL);
  /* a handle that is not a stream */
  ck_assert_int_eq(sf_relay_start(&f.loop, &r, (sf_stream_t *)&f.guard,
                                  (sf_stream_t *)&f.client, NULL, NULL),
                   SF_EINVAL);
  /* a listener is not connected */
  ck_assert_int_eq(sf_relay_start(&f.loopb, &r, a, (sf_stream_t *)&f.server,
                                  NULL, NULL),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_relay_options_default(&o), 0);
  o.low_water = o.high_water;
  ck_assert_int_eq(sf_relay_start(&f.loopb, &r, a, b, &o, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_relay_options_default(NULL), SF_EINVAL);
  /* already reading */
  ck_assert_int_eq(sf_read_start(b, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(sf_relay_start(&f.loopb, &r, a, b, NULL, NULL),
                   SF_EALREADY);
  ck_assert_ptr_eq(a->data, &r);
  ck_assert_ptr_null(r.impl_);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)a), 0); /* a not reading */
  ck_assert_int_eq(sf_relay_stop(&r), SF_EINVAL);
  ck_assert_int_eq(sf_relay_stop(NULL), SF_EINVAL);
  ck_assert_str_eq(sf_relay_end_name((sf_relay_end_t)99), "unknown");
  fx_finish(&f);
}
END_TEST

/* FX_ADD, the case run once per path (enum rt_path). */
#define RT_ADD(suite, fn)                                                    \
  do {                                                                       \
    TCase *tc_ = tcase_create(#fn);                                          \
    tcase_set_timeout(tc_, 20);                                              \
    tcase_add_loop_test(tc_, fn, RT_SPLICE, RT_CHUNKS + 1);                  \
    suite_add_tcase(suite, tc_);                                             \
  } while (0)

static Suite *relay_suite(void) {
  Suite *s = suite_create("relay");
  RT_ADD(s, relay_both_directions);
  RT_ADD(s, relay_half_close_client_first);
  RT_ADD(s, relay_half_close_origin_first);
  RT_ADD(s, relay_reset_from_client);
  RT_ADD(s, relay_reset_from_origin);
  RT_ADD(s, relay_back_pressure_bounded);
  RT_ADD(s, relay_no_allocation_per_read);
  RT_ADD(s, relay_faulty_link_hash);
  RT_ADD(s, relay_end_behind_full_destination);
  RT_ADD(s, relay_idle_timeout);
  RT_ADD(s, relay_stop);
  FX_ADD(s, relay_misuse);
  return s;
}

SF_TEST_MAIN(relay_suite)
