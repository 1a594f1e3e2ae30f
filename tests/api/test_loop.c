/*
 * The loop: init and close, run modes, stop, alive, time, walk, options,
 * a borrowed libev loop, counters, and interfaces (which never keep the
 * loop alive).
 */
#include "config.h"

#include <ev.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

START_TEST(test_init_close_empty) {
  sf_loop_t loop;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  ck_assert_int_eq(sf_loop_alive(&loop), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 0);
  ck_assert_ptr_nonnull(sf_loop_backend(&loop));
  ck_assert_int_eq(sf_loop_close(&loop), 0);
  /* Closed: not a loop any more; may be initialized again. */
  ck_assert_int_eq(sf_loop_close(&loop), SF_EINVAL);
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_options) {
  sf_loop_options_t o;
  ck_assert_int_eq(sf_loop_options_default(&o), 0);
  ck_assert_uint_eq(o.sndbuf, 262144);
  ck_assert_uint_eq(o.rcvbuf, 262144);
  ck_assert_uint_eq(o.msl_ms, 30000);
  ck_assert_uint_eq(o.rto_initial_ms, 1000);
  ck_assert_uint_eq(o.rto_min_ms, 200);
  ck_assert_uint_eq(o.syn_retries, 6);
  ck_assert_uint_eq(o.port_lo, 49152);
  ck_assert_uint_eq(o.port_hi, 65535);
  ck_assert_int_eq(o.syncookies, 1);
  ck_assert_int_eq(o.rack, 1);
  ck_assert_uint_eq(o.mem_max, 512ull * 1024 * 1024);
  ck_assert_uint_eq(o.orphan_retries, 8);
  ck_assert_uint_eq(o.max_orphans, 4096);
  sf_loop_t loop;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &o), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
  sf_loop_options_t b = o;
  b.rto_min_ms = 0;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.rto_min_ms = b.rto_max_ms + 1;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.delack_ms = 201;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.port_lo = 0;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.mem_max = 0;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.port_lo = 2000;
  b.port_hi = 1000;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.rcvbuf = 0;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.backlog_max = 0;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
  b = o;
  b.busy_poll_us = 1000001;
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &b), SF_EINVAL);
}
END_TEST

static int ticks;
static void stop_after_3(sf_timer_t *t) {
  if (++ticks == 3)
    ck_assert_int_eq(sf_stop(t->loop), 0);
}

START_TEST(test_stop) {
  sf_loop_t loop;
  sf_timer_t t;
  ticks = 0;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_timer_start(&t, stop_after_3, 1, 1), 0);
  ck_assert_int_eq(sf_loop_alive(&loop), 1);
  /* Stopped with the repeating timer still alive: returns 1. */
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 1);
  ck_assert_int_eq(ticks, 3);
  ck_assert_int_eq(sf_loop_close(&loop), SF_EBUSY);
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, NULL), 0);
  ck_assert_int_eq(sf_loop_close(&loop), SF_EBUSY); /* still closing */
  ck_assert_int_eq(sf_loop_alive(&loop), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static int nested_rc = 1;
static void nested_run(sf_timer_t *t) {
  nested_rc = sf_run(t->loop, SF_RUN_NOWAIT);
}

START_TEST(test_run_reentrant) {
  sf_loop_t loop;
  sf_timer_t t;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_timer_start(&t, nested_run, 0, 0), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(nested_rc, SF_EBUSY);
  sf_close((sf_handle_t *)&t, NULL);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static unsigned long long fired_at;
static void note_time(sf_timer_t *t) { fired_at = sf_now(t->loop); }

START_TEST(test_now_advances) {
  sf_loop_t loop;
  sf_timer_t t;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  unsigned long long t0 = sf_now(&loop);
  ck_assert_uint_eq(sf_now_ns(&loop) / 1000000, t0);
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_timer_start(&t, note_time, 30, 0), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_uint_ge(fired_at, t0 + 30);
  ck_assert_uint_lt(fired_at, t0 + 2000);
  usleep(20000);
  unsigned long long before = sf_now(&loop);
  ck_assert_int_eq(sf_update_time(&loop), 0);
  ck_assert_uint_ge(sf_now(&loop), before + 20);
  sf_close((sf_handle_t *)&t, NULL);
  sf_run(&loop, SF_RUN_DEFAULT);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static char walked[256];
static void walk_cb(sf_handle_t *h, void *arg) {
  ck_assert_ptr_eq(arg, walked);
  size_t n = strlen(walked);
  snprintf(walked + n, sizeof(walked) - n, "%s%s%s", n ? "," : "",
           sf_handle_type_name(h->type), sf_is_closing(h) ? "(closing)" : "");
}

START_TEST(test_walk) {
  struct fx f;
  fx_init(&f);
  sf_tcp_t tcp;
  sf_timer_t t;
  ck_assert_int_eq(sf_tcp_init(&f.loop, &tcp), 0);
  ck_assert_int_eq(sf_timer_init(&f.loop, &t), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, NULL), 0);
  walked[0] = '\0';
  ck_assert_int_eq(sf_walk(&f.loop, walk_cb, walked), 0);
  /* Oldest first: A's interface, the guard, then ours. */
  ck_assert_str_eq(walked, "iface,timer,tcp,timer(closing)");
  ck_assert_int_eq(sf_walk(&f.loop, NULL, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_walk(NULL, walk_cb, NULL), SF_EINVAL);
  fx_finish(&f);
}
END_TEST

/* The application runs libev itself; synfin's watchers ride along. */
static int borrowed_fired;
static void borrowed_cb(sf_timer_t *t) {
  (void)t;
  borrowed_fired++;
}

START_TEST(test_borrowed_ev_loop) {
  struct ev_loop *ev = ev_loop_new(EVFLAG_AUTO);
  ck_assert_ptr_nonnull(ev);
  sf_loop_t loop;
  ck_assert_int_eq(sf_loop_init_ev(&loop, ev), 0);
  ck_assert_ptr_eq(sf_loop_backend(&loop), ev);
  /* Nothing of synfin's is alive: the application's ev_run returns. */
  ev_run(ev, 0);
  sf_timer_t t;
  borrowed_fired = 0;
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_timer_start(&t, borrowed_cb, 5, 0), 0);
  ev_run(ev, 0); /* runs until the timer fired and nothing is alive */
  ck_assert_int_eq(borrowed_fired, 1);
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, NULL), 0);
  ev_run(ev, 0); /* delivers the close */
  ck_assert_int_eq(sf_loop_close(&loop), 0);
  ev_loop_destroy(ev);
  ck_assert_int_eq(sf_loop_init_ev(&loop, NULL), SF_EINVAL);
}
END_TEST

START_TEST(test_counters) {
  sf_loop_t loop;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  int n = sf_loop_counters(&loop, NULL, 0);
  ck_assert_int_gt(n, 10);
  sf_counter_t c[512];
  ck_assert_int_le(n, 512);
  ck_assert_int_eq(sf_loop_counters(&loop, c, 512), n);
  int found = 0;
  for (int i = 0; i < n; i++) {
    ck_assert_ptr_nonnull(c[i].name);
    ck_assert_ptr_nonnull(c[i].description);
    ck_assert_uint_eq(c[i].value, 0);
    if (!strcmp(c[i].name, "ip_in_frames"))
      found = 1;
    ck_assert_uint_eq(sf_loop_counter(&loop, c[i].name), 0);
  }
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(sf_loop_counters(&loop, c, 2), n); /* a prefix */
  ck_assert_uint_eq(sf_loop_counter(&loop, "no_such_counter"), ULLONG_MAX);
  ck_assert_uint_eq(sf_loop_counter(&loop, NULL), ULLONG_MAX);
  ck_assert_int_eq(sf_loop_counters(&loop, NULL, 3), SF_EINVAL);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_ifaces) {
  sf_loop_t loop;
  sf_iface_t a, b, c, d;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  sf_iface_config_t ca = {.address = "198.18.0.1/24"};
  sf_iface_config_t cb = {.address = "198.18.0.2/24", .gateway = "198.18.0.254"};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &a, &ca, &loop, &b, &cb), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&a), 1);
  ck_assert_int_eq(sf_has_ref((sf_handle_t *)&a), 0);
  /* Interfaces never keep the loop alive, but the loop won't close. */
  ck_assert_int_eq(sf_loop_alive(&loop), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), SF_EBUSY);
  /* Address taken by a or b. */
  sf_iface_config_t cc = {.address = "198.18.0.1/24"};
  sf_iface_config_t cd = {.address = "198.18.0.4/24"};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cc, &loop, &d, &cd),
                   SF_EADDRINUSE);
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cd, &loop, &d, &cd),
                   SF_EADDRINUSE);
  const char *bad[] = {"198.18.0.3", "198.18.0.3/33", "198.18.0/24",
                       "198.18.0.3/", "0.0.0.0/8", "", "x/24", NULL};
  for (int i = 0; i < 8; i++) {
    sf_iface_config_t cx = {.address = bad[i]};
    ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cx, &loop, &d, &cd),
                     SF_EINVAL);
  }
  sf_iface_config_t cg = {.address = "198.18.0.3/24", .gateway = "nope"};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cg, &loop, &d, &cd),
                   SF_EINVAL);
  sf_iface_config_t cm = {.address = "198.18.0.3/24", .mtu = 67};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cm, &loop, &d, &cd),
                   SF_EINVAL);
  sf_iface_config_t cp = {.address = "198.18.0.3/24",
                          .pcap_path = "/nonexistent-dir/x.pcap"};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cp, &loop, &d, &cd),
                   SF_ENOENT);
  sf_fault_config_t fc = {.seed = 1, .tx = {.loss_ppm = 2000000}};
  sf_iface_config_t cf = {.address = "198.18.0.3/24", .fault = &fc};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cf, &loop, &d, &cd),
                   SF_EINVAL);
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &c, &cd, &loop, &c, &cd),
                   SF_EINVAL);
  /* The failures left nothing behind. */
  walked[0] = '\0';
  sf_walk(&loop, walk_cb, walked);
  ck_assert_str_eq(walked, "iface,iface");
  sf_iface_stats_t st;
  ck_assert_int_eq(sf_iface_stats(&a, &st), 0);
  ck_assert_uint_eq(st.tx_frames, 0);
  ck_assert_int_eq(sf_iface_stats(&a, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_close((sf_handle_t *)&a, NULL), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&b, NULL), 0);
  ck_assert_int_eq(sf_iface_stats(&a, &st), SF_EINVAL);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

/* Eight interfaces per loop at most: the fifth pair fails and leaves
 * nothing half-open. */
START_TEST(test_iface_limit) {
  sf_loop_t loop;
  sf_iface_t ifs[10];
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  char as[5][2][32];
  int i;
  for (i = 0; i < 5; i++) {
    snprintf(as[i][0], 32, "198.18.%d.1/24", i);
    snprintf(as[i][1], 32, "198.18.%d.2/24", i);
    sf_iface_config_t a = {.address = as[i][0]}, b = {.address = as[i][1]};
    int rc = sf_iface_open_memory_pair(&loop, &ifs[2 * i], &a, &loop,
                                       &ifs[2 * i + 1], &b);
    if (i < 4)
      ck_assert_int_eq(rc, 0);
    else
      ck_assert_int_eq(rc, SF_ENOSPC);
  }
  for (i = 0; i < 8; i++)
    sf_close((sf_handle_t *)&ifs[i], NULL);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

/* A pcap of the interface's traffic is written (header + records). */
START_TEST(test_iface_pcap) {
  char path[] = "/tmp/synfin-test-loop-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  sf_iface_config_t ca = {.address = FX_ADDR_A "/24", .pcap_path = path};
  sf_iface_config_t cb = {.address = FX_ADDR_B "/24"};
  struct fx f;
  fx_init_opts(&f, NULL, &ca, &cb);
  fx_listen(&f);
  fx_connect(&f);
  fx_finish(&f);
  FILE *p = fopen(path, "rb");
  ck_assert_ptr_nonnull(p);
  unsigned char hdr[24];
  ck_assert_uint_eq(fread(hdr, 1, 24, p), 24);
  /* magic 0xa1b23c4d little-endian (nanosecond pcap) */
  ck_assert_uint_eq(hdr[0], 0x4d);
  ck_assert_uint_eq(hdr[3], 0xa1);
  fseek(p, 0, SEEK_END);
  ck_assert_int_gt(ftell(p), 24 + 3 * (16 + 54)); /* ARP + handshake */
  fclose(p);
  unlink(path);
}
END_TEST

static int busy_ticks;
static void count_tick(sf_timer_t *t) {
  (void)t;
  busy_ticks++;
}

/* With busy polling, data still flows both ways and a timer is not
 * starved by the spinning: it ticks about as often as asked. */
START_TEST(test_busy_poll) {
  struct fx f;
  sf_loop_options_t o;
  fx_default_options(&o);
  o.busy_poll_us = 500;
  fx_init_opts(&f, &o, NULL, NULL);
  fx_listen(&f);
  fx_connect(&f);
  static char data[60000];
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (char)(i * 7);
  sf_buf_t b = sf_buf_init(data, sizeof(data));
  sf_write_t w;
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, NULL), 0);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb,
                                 fx_read_cb),
                   0);
  sf_timer_t tick;
  ck_assert_int_eq(sf_timer_init(&f.loop, &tick), 0);
  busy_ticks = 0;
  ck_assert_int_eq(sf_timer_start(&tick, count_tick, 2, 2), 0);
  fx_run_for(&f, 100);
  ck_assert_uint_eq(f.rlen[1], sizeof(data));
  ck_assert_int_eq(memcmp(f.rbuf[1], data, sizeof(data)), 0);
  /* 50 ticks asked; a loaded machine may lose some, starving would
   * lose nearly all */
  ck_assert_int_ge(busy_ticks, 20);
  fx_finish(&f);
}
END_TEST

static Suite *loop_suite(void) {
  Suite *s = suite_create("loop");
  TCase *tc = tcase_create("loop");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_init_close_empty);
  tcase_add_test(tc, test_options);
  tcase_add_test(tc, test_stop);
  tcase_add_test(tc, test_run_reentrant);
  tcase_add_test(tc, test_now_advances);
  tcase_add_test(tc, test_walk);
  tcase_add_test(tc, test_borrowed_ev_loop);
  tcase_add_test(tc, test_counters);
  tcase_add_test(tc, test_ifaces);
  tcase_add_test(tc, test_iface_limit);
  tcase_add_test(tc, test_iface_pcap);
  tcase_add_test(tc, test_busy_poll);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(loop_suite)
