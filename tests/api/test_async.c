/*
 * Async handles (libuv's uv_async_t): active from init, sends from
 * another thread, coalescing, a send from the callback, a NULL callback,
 * ref/unref, and close while active.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"
#include "synfin.h"

#define THREAD_SENDS 1000

static int calls;
static int closed;
static atomic_int thread_done;

static void count_cb(sf_async_t *a) {
  (void)a;
  calls++;
}

static void close_cb(sf_handle_t *h) {
  (void)h;
  closed++;
}

static void setup(sf_loop_t *loop) {
  calls = 0;
  closed = 0;
  atomic_store(&thread_done, 0);
  ck_assert_int_eq(sf_loop_init(loop), 0);
}

static void finish(sf_loop_t *loop, sf_async_t *a) {
  ck_assert_int_eq(sf_close((sf_handle_t *)a, close_cb), 0);
  ck_assert_int_eq(sf_run(loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sf_loop_close(loop), 0);
}

static void *sender(void *arg) {
  sf_async_t *a = arg;
  for (int i = 0; i < THREAD_SENDS; i++)
    ck_assert_int_eq(sf_async_send(a), 0);
  atomic_store(&thread_done, 1);
  ck_assert_int_eq(sf_async_send(a), 0);
  return NULL;
}

static pthread_t thread;

/* No send may come once sf_close is called: join the thread (its last
 * send follows thread_done) first. */
static void close_when_thread_done(sf_async_t *a) {
  calls++;
  if (atomic_load(&thread_done)) {
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    sf_close((sf_handle_t *)a, close_cb);
  }
}

/* The handle keeps the loop alive until the callback, having seen the
 * other thread finish, closes it; the thread's sends coalesce. */
START_TEST(test_send_from_thread) {
  sf_loop_t loop;
  sf_async_t a;
  setup(&loop);
  ck_assert_int_eq(sf_async_init(&loop, &a, close_when_thread_done), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&a), 1);
  ck_assert_int_eq(pthread_create(&thread, NULL, sender, &a), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_ge(calls, 1);
  ck_assert_int_le(calls, THREAD_SENDS + 1);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static void send_again_once(sf_async_t *a) {
  if (++calls == 1)
    ck_assert_int_eq(sf_async_send(a), 0);
}

/* Sends before the loop runs give one callback; a send from inside the
 * callback gives one more. */
START_TEST(test_coalesce_and_send_in_callback) {
  sf_loop_t loop;
  sf_async_t a;
  setup(&loop);
  ck_assert_int_eq(sf_async_init(&loop, &a, send_again_once), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 1);
  ck_assert_int_eq(calls, 0); /* nothing sent yet */
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(sf_async_send(&a), 0);
  while (calls < 2)
    sf_run(&loop, SF_RUN_ONCE);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 1);
  ck_assert_int_eq(calls, 2);
  finish(&loop, &a);
}
END_TEST

/* No callback: a send only wakes the loop. */
START_TEST(test_null_callback) {
  sf_loop_t loop;
  sf_async_t a;
  setup(&loop);
  ck_assert_int_eq(sf_async_init(&loop, &a, NULL), 0);
  ck_assert_int_eq(sf_async_send(&a), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  finish(&loop, &a);
}
END_TEST

START_TEST(test_invalid) {
  sf_loop_t loop;
  sf_async_t a;
  sf_timer_t t;
  setup(&loop);
  ck_assert_int_eq(sf_async_init(NULL, &a, count_cb), SF_EINVAL);
  ck_assert_int_eq(sf_async_init(&loop, NULL, count_cb), SF_EINVAL);
  ck_assert_int_eq(sf_async_send(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_async_send((sf_async_t *)&t), SF_EINVAL);
  ck_assert_str_eq(sf_handle_type_name(SF_ASYNC), "async");
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, NULL), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

/* BEHAVIOUR 6: unreferenced, the always-active handle lets sf_run end;
 * a send still reaches it while the loop runs. */
START_TEST(test_unref) {
  sf_loop_t loop;
  sf_async_t a;
  setup(&loop);
  ck_assert_int_eq(sf_async_init(&loop, &a, count_cb), 0);
  ck_assert_int_eq(sf_loop_alive(&loop), 1);
  sf_unref((sf_handle_t *)&a);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_async_send(&a), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 0);
  ck_assert_int_eq(calls, 1);
  finish(&loop, &a);
}
END_TEST

/* BEHAVIOUR 1: close while active (a send pending): no callback after
 * sf_close, close_cb once from the loop, and a send after close_cb is
 * refused. */
START_TEST(test_close_while_active) {
  sf_loop_t loop;
  sf_async_t a;
  setup(&loop);
  ck_assert_int_eq(sf_async_init(&loop, &a, count_cb), 0);
  ck_assert_int_eq(sf_async_send(&a), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&a, close_cb), 0);
  ck_assert_int_eq(closed, 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&a), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(calls, 0);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sf_async_send(&a), SF_EINVAL);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static Suite *async_suite(void) {
  Suite *s = suite_create("async");
  TCase *tc = tcase_create("async");
  tcase_set_timeout(tc, 10);
  tcase_add_test(tc, test_send_from_thread);
  tcase_add_test(tc, test_coalesce_and_send_in_callback);
  tcase_add_test(tc, test_null_callback);
  tcase_add_test(tc, test_invalid);
  tcase_add_test(tc, test_unref);
  tcase_add_test(tc, test_close_while_active);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(async_suite)
