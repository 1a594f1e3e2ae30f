/*
 * Timers (libuv's shape): one-shot and repeating, order, restart from
 * the callback, again/set_repeat/due_in, unreferenced timers, closing a
 * timer from its own callback.
 */
#include "config.h"

#include <string.h>

#include "fixture.h"

static char order[256];
static int count;

static void note(sf_timer_t *t) {
  size_t n = strlen(order);
  snprintf(order + n, sizeof(order) - n, "%s%s", n ? "," : "",
           (const char *)t->data);
  count++;
}

static void setup(sf_loop_t *loop) {
  order[0] = '\0';
  count = 0;
  ck_assert_int_eq(sf_loop_init(loop), 0);
}

static void teardown(sf_loop_t *loop) {
  ck_assert_int_eq(sf_run(loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(loop), 0);
}

START_TEST(test_one_shot) {
  sf_loop_t loop;
  sf_timer_t t;
  setup(&loop);
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  t.data = "t";
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&t), 0);
  unsigned long long t0 = sf_now(&loop);
  ck_assert_int_eq(sf_timer_start(&t, note, 20, 0), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&t), 1);
  ck_assert_uint_le(sf_timer_get_due_in(&t), 20);
  ck_assert_uint_ge(sf_timer_get_due_in(&t), 19);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(count, 1);
  ck_assert_uint_ge(sf_now(&loop), t0 + 20);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&t), 0);
  ck_assert_uint_eq(sf_timer_get_due_in(&t), 0);
  sf_close((sf_handle_t *)&t, NULL);
  teardown(&loop);
}
END_TEST

START_TEST(test_order) {
  sf_loop_t loop;
  sf_timer_t a, b, c;
  setup(&loop);
  sf_timer_init(&loop, &a);
  sf_timer_init(&loop, &b);
  sf_timer_init(&loop, &c);
  a.data = "a";
  b.data = "b";
  c.data = "c";
  sf_timer_start(&a, note, 30, 0);
  sf_timer_start(&b, note, 10, 0);
  sf_timer_start(&c, note, 20, 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_str_eq(order, "b,c,a");
  sf_close((sf_handle_t *)&a, NULL);
  sf_close((sf_handle_t *)&b, NULL);
  sf_close((sf_handle_t *)&c, NULL);
  teardown(&loop);
}
END_TEST

static void stop_at_3(sf_timer_t *t) {
  note(t);
  if (count == 3)
    ck_assert_int_eq(sf_timer_stop(t), 0);
}

START_TEST(test_repeat) {
  sf_loop_t loop;
  sf_timer_t t;
  setup(&loop);
  sf_timer_init(&loop, &t);
  t.data = "r";
  ck_assert_int_eq(sf_timer_start(&t, stop_at_3, 1, 2), 0);
  ck_assert_uint_eq(sf_timer_get_repeat(&t), 2);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_str_eq(order, "r,r,r");
  sf_close((sf_handle_t *)&t, NULL);
  teardown(&loop);
}
END_TEST

static void restart_twice(sf_timer_t *t) {
  note(t);
  if (count < 3) /* a one-shot timer may restart itself */
    ck_assert_int_eq(sf_timer_start(t, restart_twice, 1, 0), 0);
}

START_TEST(test_restart_in_callback) {
  sf_loop_t loop;
  sf_timer_t t;
  setup(&loop);
  sf_timer_init(&loop, &t);
  t.data = "x";
  sf_timer_start(&t, restart_twice, 1, 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(count, 3);
  sf_close((sf_handle_t *)&t, NULL);
  teardown(&loop);
}
END_TEST

static void set_repeat_zero(sf_timer_t *t) {
  note(t);
  /* As in libuv: the next expiry, already scheduled with the old repeat,
   * still comes; it is the last. */
  sf_timer_set_repeat(t, 0);
}

START_TEST(test_again_and_set_repeat) {
  sf_loop_t loop;
  sf_timer_t t;
  setup(&loop);
  sf_timer_init(&loop, &t);
  t.data = "g";
  ck_assert_int_eq(sf_timer_again(&t), SF_EINVAL); /* never started */
  sf_timer_start(&t, set_repeat_zero, 1000, 0);
  sf_timer_set_repeat(&t, 5);
  ck_assert_int_eq(sf_timer_again(&t), 0); /* now due in 5 ms */
  ck_assert_uint_le(sf_timer_get_due_in(&t), 5);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(count, 2);
  ck_assert_uint_eq(sf_timer_get_repeat(&t), 0);
  ck_assert_int_eq(sf_timer_again(&t), 0); /* no repeat: nothing */
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&t), 0);
  sf_close((sf_handle_t *)&t, NULL);
  teardown(&loop);
}
END_TEST

/* An unreferenced timer does not keep the loop alive (BEHAVIOUR 6). */
START_TEST(test_unref) {
  sf_loop_t loop;
  sf_timer_t t;
  setup(&loop);
  sf_timer_init(&loop, &t);
  t.data = "u";
  /* Far in the future: sf_run's one iteration must not find it due,
   * however late this process is scheduled. */
  sf_timer_start(&t, note, 60000, 0);
  sf_unref((sf_handle_t *)&t);
  ck_assert_int_eq(sf_has_ref((sf_handle_t *)&t), 0);
  ck_assert_int_eq(sf_loop_alive(&loop), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(count, 0);
  sf_timer_start(&t, note, 10, 0);
  ck_assert_int_eq(sf_loop_alive(&loop), 0);
  sf_ref((sf_handle_t *)&t);
  ck_assert_int_eq(sf_loop_alive(&loop), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(count, 1);
  sf_close((sf_handle_t *)&t, NULL);
  teardown(&loop);
}
END_TEST

static int closed;
static void on_close(sf_handle_t *h) {
  ck_assert_int_eq(sf_is_closing(h), 1);
  closed++;
}
static void close_self(sf_timer_t *t) {
  note(t);
  ck_assert_int_eq(sf_close((sf_handle_t *)t, on_close), 0);
  ck_assert_int_eq(closed, 0); /* never from inside sf_close */
  ck_assert_int_eq(sf_close((sf_handle_t *)t, on_close), SF_EALREADY);
  ck_assert_int_eq(sf_timer_start(t, note, 1, 0), SF_EINVAL);
}

/* BEHAVIOUR 1 for timers: close_cb once, later, even from the callback. */
START_TEST(test_close_from_callback) {
  sf_loop_t loop;
  sf_timer_t t;
  setup(&loop);
  closed = 0;
  sf_timer_init(&loop, &t);
  t.data = "c";
  sf_timer_start(&t, close_self, 1, 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(count, 1);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static Suite *timer_suite(void) {
  Suite *s = suite_create("timer");
  TCase *tc = tcase_create("timer");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_one_shot);
  tcase_add_test(tc, test_order);
  tcase_add_test(tc, test_repeat);
  tcase_add_test(tc, test_restart_in_callback);
  tcase_add_test(tc, test_again_and_set_repeat);
  tcase_add_test(tc, test_unref);
  tcase_add_test(tc, test_close_from_callback);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(timer_suite)
