/*
 * Signal handles (libuv's uv_signal_t): delivery from raise() and
 * kill(getpid()), coalescing, several handles on one signal, one-shot,
 * restart, the one-libev-loop-per-signal rule (SF_EBUSY), ref/unref,
 * and close while active (the default action comes back). Check runs
 * each test in a child process, so no test's handlers outlive it.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "synfin.h"

static int calls[4];
static int last_signum;
static int closed;

static void count_cb(sf_signal_t *s, int signum) {
  calls[(int)(intptr_t)s->data]++;
  last_signum = signum;
}

static void close_cb(sf_handle_t *h) {
  (void)h;
  closed++;
}

static void init_signal(sf_loop_t *loop, sf_signal_t *s, int index) {
  ck_assert_int_eq(sf_signal_init(loop, s), 0);
  s->data = (void *)(intptr_t)index;
}

static void setup(sf_loop_t *loop) {
  memset(calls, 0, sizeof(calls));
  last_signum = 0;
  closed = 0;
  ck_assert_int_eq(sf_loop_init(loop), 0);
}

static void close_and_finish(sf_loop_t *loop, sf_signal_t *s, int n) {
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(sf_close((sf_handle_t *)&s[i], close_cb), 0);
  ck_assert_int_eq(sf_run(loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(closed, n);
  ck_assert_int_eq(sf_loop_close(loop), 0);
}

/* The action the process has for signum now. */
static void (*action_of(int signum))(int) {
  struct sigaction sa;
  ck_assert_int_eq(sigaction(signum, NULL, &sa), 0);
  return sa.sa_handler;
}

START_TEST(test_raise_coalesces) {
  sf_loop_t loop;
  sf_signal_t s;
  setup(&loop);
  init_signal(&loop, &s, 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&s), 0);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGUSR1), 0);
  ck_assert_int_eq(s.signum, SIGUSR1);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&s), 1);
  /* Three deliveries before the loop runs: at least one callback. */
  raise(SIGUSR1);
  raise(SIGUSR1);
  raise(SIGUSR1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1); /* still active */
  ck_assert_int_ge(calls[0], 1);
  ck_assert_int_le(calls[0], 3);
  ck_assert_int_eq(last_signum, SIGUSR1);
  close_and_finish(&loop, &s, 1);
}
END_TEST

START_TEST(test_kill_self_sigterm) {
  sf_loop_t loop;
  sf_signal_t s;
  setup(&loop);
  init_signal(&loop, &s, 0);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGTERM), 0);
  /* Unhandled, SIGTERM would end this process. */
  ck_assert_int_eq(kill(getpid(), SIGTERM), 0);
  while (!calls[0])
    sf_run(&loop, SF_RUN_ONCE);
  ck_assert_int_eq(last_signum, SIGTERM);
  close_and_finish(&loop, &s, 1);
}
END_TEST

/* Several handles on one signal, on one loop and on a second loop that
 * shares its libev loop: each gets the callback. */
START_TEST(test_several_handles) {
  sf_loop_t loop, other;
  sf_signal_t s[3];
  setup(&loop);
  ck_assert_int_eq(sf_loop_init_ev(&other, sf_loop_backend(&loop)), 0);
  init_signal(&loop, &s[0], 0);
  init_signal(&loop, &s[1], 1);
  init_signal(&other, &s[2], 2);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(sf_signal_start(&s[i], count_cb, SIGUSR2), 0);
  raise(SIGUSR2);
  while (!calls[0] || !calls[1] || !calls[2])
    sf_run(&loop, SF_RUN_ONCE);
  ck_assert_int_eq(sf_close((sf_handle_t *)&s[2], close_cb), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 1);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sf_loop_close(&other), 0);
  closed = 0;
  close_and_finish(&loop, s, 2);
}
END_TEST

/* A one-shot handle stops as the signal arrives; another handle on the
 * signal keeps catching it. */
START_TEST(test_oneshot) {
  sf_loop_t loop;
  sf_signal_t s[2];
  setup(&loop);
  init_signal(&loop, &s[0], 0);
  init_signal(&loop, &s[1], 1);
  ck_assert_int_eq(sf_signal_start_oneshot(&s[0], count_cb, SIGUSR1), 0);
  ck_assert_int_eq(sf_signal_start(&s[1], count_cb, SIGUSR1), 0);
  raise(SIGUSR1);
  while (!calls[1])
    sf_run(&loop, SF_RUN_ONCE);
  ck_assert_int_eq(calls[0], 1);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&s[0]), 0);
  raise(SIGUSR1);
  while (calls[1] < 2)
    sf_run(&loop, SF_RUN_ONCE);
  ck_assert_int_eq(calls[0], 1);
  /* Only the one-shot handle left: stopped, it keeps nothing alive. */
  ck_assert_int_eq(sf_signal_stop(&s[1]), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  close_and_finish(&loop, s, 2);
}
END_TEST

/* Starting an active handle on another signal moves it there. */
START_TEST(test_restart_other_signal) {
  sf_loop_t loop;
  sf_signal_t s;
  setup(&loop);
  init_signal(&loop, &s, 0);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGUSR1), 0);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGUSR2), 0);
  ck_assert_int_eq(s.signum, SIGUSR2);
  ck_assert_ptr_eq(action_of(SIGUSR1), SIG_DFL);
  raise(SIGUSR2);
  while (!calls[0])
    sf_run(&loop, SF_RUN_ONCE);
  ck_assert_int_eq(last_signum, SIGUSR2);
  close_and_finish(&loop, &s, 1);
}
END_TEST

/* libev gives a signal to one libev loop at a time: a loop with a libev
 * loop of its own gets SF_EBUSY until the other lets the signal go. */
START_TEST(test_other_libev_loop_busy) {
  sf_loop_t a, b;
  sf_signal_t sa, sb;
  setup(&a);
  ck_assert_int_eq(sf_loop_init(&b), 0);
  init_signal(&a, &sa, 0);
  init_signal(&b, &sb, 1);
  ck_assert_int_eq(sf_signal_start(&sa, count_cb, SIGUSR2), 0);
  ck_assert_int_eq(sf_signal_start(&sb, count_cb, SIGUSR2), SF_EBUSY);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&sb), 0);
  ck_assert_int_eq(sf_signal_start(&sb, count_cb, SIGUSR1), 0);
  /* Failing to move to a taken signal leaves the handle stopped. */
  ck_assert_int_eq(sf_signal_start(&sb, count_cb, SIGUSR2), SF_EBUSY);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&sb), 0);
  ck_assert_int_eq(sf_signal_stop(&sa), 0);
  ck_assert_int_eq(sf_signal_start(&sb, count_cb, SIGUSR2), 0);
  raise(SIGUSR2);
  while (!calls[1])
    sf_run(&b, SF_RUN_ONCE);
  ck_assert_int_eq(calls[0], 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&sb, close_cb), 0);
  ck_assert_int_eq(sf_run(&b, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&b), 0);
  closed = 0;
  close_and_finish(&a, &sa, 1);
}
END_TEST

START_TEST(test_invalid) {
  sf_loop_t loop;
  sf_signal_t s;
  sf_timer_t t;
  setup(&loop);
  ck_assert_int_eq(sf_signal_init(NULL, &s), SF_EINVAL);
  ck_assert_int_eq(sf_signal_init(&loop, NULL), SF_EINVAL);
  init_signal(&loop, &s, 0);
  ck_assert_int_eq(sf_signal_start(&s, NULL, SIGUSR1), SF_EINVAL);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, 0), SF_EINVAL);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, -1), SF_EINVAL);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, NSIG), SF_EINVAL);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGKILL), SF_EINVAL);
  ck_assert_int_eq(sf_signal_start_oneshot(&s, count_cb, SIGSTOP), SF_EINVAL);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&s), 0);
  ck_assert_int_eq(sf_signal_stop(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_signal_stop(&s), 0); /* stopped: a no-op */
  ck_assert_int_eq(sf_timer_init(&loop, &t), 0);
  ck_assert_int_eq(sf_signal_start((sf_signal_t *)&t, count_cb, SIGUSR1),
                   SF_EINVAL);
  ck_assert_str_eq(sf_handle_type_name(SF_SIGNAL), "signal");
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, NULL), 0);
  close_and_finish(&loop, &s, 1);
}
END_TEST

/* BEHAVIOUR 6: an unreferenced handle does not keep sf_run alive, and
 * still gets its signal when the loop runs. */
START_TEST(test_unref) {
  sf_loop_t loop;
  sf_signal_t s;
  setup(&loop);
  init_signal(&loop, &s, 0);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGUSR1), 0);
  ck_assert_int_eq(sf_loop_alive(&loop), 1);
  sf_unref((sf_handle_t *)&s);
  ck_assert_int_eq(sf_loop_alive(&loop), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&s), 1);
  raise(SIGUSR1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 0);
  ck_assert_int_eq(calls[0], 1);
  sf_ref((sf_handle_t *)&s);
  ck_assert_int_eq(sf_loop_alive(&loop), 1);
  close_and_finish(&loop, &s, 1);
}
END_TEST

static void count_walk(sf_handle_t *h, void *arg) {
  if (h->type == SF_SIGNAL)
    (*(int *)arg)++;
}

/* BEHAVIOUR 1 and 5: close while active stops the handle, close_cb fires
 * once from the loop, and the signal's default action is back. */
START_TEST(test_close_while_active) {
  sf_loop_t loop;
  sf_signal_t s;
  setup(&loop);
  init_signal(&loop, &s, 0);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGUSR1), 0);
  ck_assert_ptr_ne(action_of(SIGUSR1), SIG_DFL);
  int seen = 0;
  ck_assert_int_eq(sf_walk(&loop, count_walk, &seen), 0);
  ck_assert_int_eq(seen, 1);
  ck_assert_int_eq(sf_loop_close(&loop), SF_EBUSY);
  ck_assert_int_eq(sf_close((sf_handle_t *)&s, close_cb), 0);
  ck_assert_int_eq(closed, 0); /* never from inside sf_close */
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&s), 0);
  ck_assert_ptr_eq(action_of(SIGUSR1), SIG_DFL);
  ck_assert_int_eq(sf_signal_start(&s, count_cb, SIGUSR1), SF_EINVAL);
  ck_assert_int_eq(sf_close((sf_handle_t *)&s, close_cb), SF_EALREADY);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(calls[0], 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

static Suite *signal_suite(void) {
  Suite *s = suite_create("signal");
  TCase *tc = tcase_create("signal");
  tcase_set_timeout(tc, 10);
  tcase_add_test(tc, test_raise_coalesces);
  tcase_add_test(tc, test_kill_self_sigterm);
  tcase_add_test(tc, test_several_handles);
  tcase_add_test(tc, test_oneshot);
  tcase_add_test(tc, test_restart_other_signal);
  tcase_add_test(tc, test_other_libev_loop_busy);
  tcase_add_test(tc, test_invalid);
  tcase_add_test(tc, test_unref);
  tcase_add_test(tc, test_close_while_active);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(signal_suite)
