/*
 * Idle, prepare and check handles (libuv's uv_idle_t, uv_prepare_t,
 * uv_check_t): their order in a round around a timer callback, an idle
 * handle keeping the loop from blocking, a write from a prepare callback
 * sent before the loop blocks, start on an active handle, misuse,
 * ref/unref, and close while active.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fixture.h"

static char order[256];
static int idles;
static int closed;

static void note(const char *what) {
  size_t n = strlen(order);
  snprintf(order + n, sizeof(order) - n, "%s%s", n ? "," : "", what);
}

static void idle_note(sf_idle_t *h) {
  (void)h;
  note("idle");
}
static void prepare_note(sf_prepare_t *h) {
  (void)h;
  note("prepare");
}
static void check_note(sf_check_t *h) {
  (void)h;
  note("check");
}
static void timer_note(sf_timer_t *h) {
  (void)h;
  note("timer");
}
static void close_cb(sf_handle_t *h) {
  (void)h;
  closed++;
}

static void setup(sf_loop_t *loop) {
  order[0] = '\0';
  idles = 0;
  closed = 0;
  ck_assert_int_eq(sf_loop_init(loop), 0);
}

static void close_and_finish(sf_loop_t *loop, sf_handle_t **hs, int n) {
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(sf_close(hs[i], close_cb), 0);
  ck_assert_int_eq(closed, 0); /* never from inside sf_close */
  ck_assert_int_eq(sf_run(loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(closed, n);
  ck_assert_int_eq(sf_loop_close(loop), 0);
}

/* libuv's order: idle, prepare, (poll: I/O and here a due timer), check.
 * The active idle handle keeps the round from blocking. */
START_TEST(test_order_in_a_round) {
  sf_loop_t loop;
  sf_idle_t i;
  sf_prepare_t p;
  sf_check_t c;
  sf_timer_t t;
  setup(&loop);
  ck_assert_int_eq(sf_check_init(&loop, &c), 0);
  ck_assert_int_eq(sf_prepare_init(&loop, &p), 0);
  ck_assert_int_eq(sf_idle_init(&loop, &i), 0);
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_check_start(&c, check_note), 0);
  ck_assert_int_eq(sf_prepare_start(&p, prepare_note), 0);
  ck_assert_int_eq(sf_idle_start(&i, idle_note), 0);
  ck_assert_int_eq(sf_timer_start(&t, timer_note, 0, 0), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_str_eq(order, "idle,prepare,timer,check");
  order[0] = '\0';
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_str_eq(order, "idle,prepare,check");
  sf_handle_t *hs[] = {(sf_handle_t *)&i, (sf_handle_t *)&p,
                       (sf_handle_t *)&c, (sf_handle_t *)&t};
  close_and_finish(&loop, hs, 4);
}
END_TEST

static sf_timer_t far_timer;

static void idle_five_times(sf_idle_t *h) {
  if (++idles == 5) {
    ck_assert_int_eq(sf_idle_stop(h), 0);
    ck_assert_int_eq(sf_timer_stop(&far_timer), 0);
  }
}

/* With a timer an hour away keeping the loop alive, an idle handle still
 * runs round after round: the loop does not block while it is active. */
START_TEST(test_idle_does_not_block) {
  sf_loop_t loop;
  sf_idle_t i;
  setup(&loop);
  ck_assert_int_eq(sf_timer_init(&loop, &far_timer), 0);
  ck_assert_int_eq(sf_timer_start(&far_timer, timer_note, 3600000, 0), 0);
  ck_assert_int_eq(sf_idle_init(&loop, &i), 0);
  ck_assert_int_eq(sf_idle_start(&i, idle_five_times), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(idles, 5);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&i), 0);
  ck_assert_str_eq(order, "");
  sf_handle_t *hs[] = {(sf_handle_t *)&i, (sf_handle_t *)&far_timer};
  close_and_finish(&loop, hs, 2);
}
END_TEST

static char from_prepare[] = "written in a prepare callback";
static sf_write_t prepare_write;

static void write_once(sf_prepare_t *h) {
  sf_buf_t b = sf_buf_init(from_prepare, sizeof(from_prepare) - 1);
  ck_assert_int_eq(
      sf_write(&prepare_write, (sf_stream_t *)&fx_current->client, &b, 1, NULL), 0);
  ck_assert_int_eq(sf_prepare_stop(h), 0);
}

/* Prepare callbacks run before the reactor ends its turn: what they
 * write goes out before the loop blocks. Were it only queued, nothing
 * would wake the idle loop until the fixture's 5 s guard fails the test. */
START_TEST(test_prepare_write_sent_before_blocking) {
  struct fx f;
  sf_prepare_t p;
  fx_pair(&f);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_run_for(&f, 50); /* the handshake's timers settle */
  ck_assert_int_eq(sf_prepare_init(&f.loop, &p), 0);
  ck_assert_int_eq(sf_prepare_start(&p, write_once), 0);
  unsigned long long t0 = sf_now(&f.loop);
  while (f.rlen[1] < sizeof(from_prepare) - 1)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_uint_lt(sf_now(&f.loop) - t0, 2000);
  ck_assert_int_eq(memcmp(f.rbuf[1], from_prepare, f.rlen[1]), 0);
  fx_finish(&f);
}
END_TEST

static void prepare_other(sf_prepare_t *h) {
  (void)h;
  note("other");
}

/* As libuv: starting an active handle keeps its first callback. */
START_TEST(test_start_when_active) {
  sf_loop_t loop;
  sf_prepare_t p;
  setup(&loop);
  ck_assert_int_eq(sf_prepare_init(&loop, &p), 0);
  ck_assert_int_eq(sf_prepare_start(&p, prepare_note), 0);
  ck_assert_int_eq(sf_prepare_start(&p, prepare_other), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 1);
  ck_assert_str_eq(order, "prepare");
  sf_handle_t *hs[] = {(sf_handle_t *)&p};
  close_and_finish(&loop, hs, 1);
}
END_TEST

START_TEST(test_invalid) {
  sf_loop_t loop;
  sf_idle_t i;
  sf_check_t c;
  setup(&loop);
  ck_assert_int_eq(sf_idle_init(NULL, &i), SF_EINVAL);
  ck_assert_int_eq(sf_prepare_init(&loop, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_check_init(&loop, &c), 0);
  ck_assert_int_eq(sf_check_start(&c, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_check_start(NULL, check_note), SF_EINVAL);
  ck_assert_int_eq(sf_idle_start((sf_idle_t *)&c, idle_note), SF_EINVAL);
  ck_assert_int_eq(sf_idle_stop((sf_idle_t *)&c), SF_EINVAL);
  ck_assert_int_eq(sf_check_stop(&c), 0); /* stopped: a no-op */
  ck_assert_str_eq(sf_handle_type_name(SF_IDLE), "idle");
  ck_assert_str_eq(sf_handle_type_name(SF_PREPARE), "prepare");
  ck_assert_str_eq(sf_handle_type_name(SF_CHECK), "check");
  sf_handle_t *hs[] = {(sf_handle_t *)&c};
  close_and_finish(&loop, hs, 1);
}
END_TEST

/* BEHAVIOUR 6: active but unreferenced, none of the three keeps sf_run
 * alive; referenced again, each does. */
START_TEST(test_unref) {
  sf_loop_t loop;
  sf_idle_t i;
  sf_prepare_t p;
  sf_check_t c;
  setup(&loop);
  ck_assert_int_eq(sf_idle_init(&loop, &i), 0);
  ck_assert_int_eq(sf_prepare_init(&loop, &p), 0);
  ck_assert_int_eq(sf_check_init(&loop, &c), 0);
  ck_assert_int_eq(sf_idle_start(&i, idle_note), 0);
  ck_assert_int_eq(sf_prepare_start(&p, prepare_note), 0);
  ck_assert_int_eq(sf_check_start(&c, check_note), 0);
  sf_handle_t *hs[] = {(sf_handle_t *)&i, (sf_handle_t *)&p,
                       (sf_handle_t *)&c};
  for (int k = 0; k < 3; k++)
    sf_unref(hs[k]);
  ck_assert_int_eq(sf_loop_alive(&loop), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  for (int k = 0; k < 3; k++) {
    ck_assert_int_eq(sf_is_active(hs[k]), 1);
    sf_ref(hs[k]);
    ck_assert_int_eq(sf_loop_alive(&loop), 1);
    sf_unref(hs[k]);
  }
  close_and_finish(&loop, hs, 3);
}
END_TEST

static void count_walk(sf_handle_t *h, void *arg) {
  if (h->type == SF_IDLE || h->type == SF_PREPARE || h->type == SF_CHECK)
    (*(int *)arg)++;
}

/* BEHAVIOUR 1: close while active: no callback after sf_close, one
 * close_cb each, from the loop; sf_walk sees the handles until then. */
START_TEST(test_close_while_active) {
  sf_loop_t loop;
  sf_idle_t i;
  sf_prepare_t p;
  sf_check_t c;
  setup(&loop);
  ck_assert_int_eq(sf_idle_init(&loop, &i), 0);
  ck_assert_int_eq(sf_prepare_init(&loop, &p), 0);
  ck_assert_int_eq(sf_check_init(&loop, &c), 0);
  ck_assert_int_eq(sf_idle_start(&i, idle_note), 0);
  ck_assert_int_eq(sf_prepare_start(&p, prepare_note), 0);
  ck_assert_int_eq(sf_check_start(&c, check_note), 0);
  int seen = 0;
  ck_assert_int_eq(sf_walk(&loop, count_walk, &seen), 0);
  ck_assert_int_eq(seen, 3);
  ck_assert_int_eq(sf_loop_close(&loop), SF_EBUSY);
  sf_handle_t *hs[] = {(sf_handle_t *)&i, (sf_handle_t *)&p,
                       (sf_handle_t *)&c};
  close_and_finish(&loop, hs, 3);
  ck_assert_str_eq(order, "");
}
END_TEST

static Suite *phase_suite(void) {
  Suite *s = suite_create("phase");
  TCase *tc = tcase_create("phase");
  tcase_set_timeout(tc, 10);
  tcase_add_test(tc, test_order_in_a_round);
  tcase_add_test(tc, test_idle_does_not_block);
  tcase_add_test(tc, test_prepare_write_sent_before_blocking);
  tcase_add_test(tc, test_start_when_active);
  tcase_add_test(tc, test_invalid);
  tcase_add_test(tc, test_unref);
  tcase_add_test(tc, test_close_while_active);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(phase_suite)
