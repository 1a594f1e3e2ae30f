/*
 * Poll handles (libuv's uv_poll_t) on pipes and a socketpair: readable,
 * writable, level-triggered, changing events, events 0, non-blocking
 * mode, a closed fd (SF_EBADF) before and after the start, misuse,
 * ref/unref, and close while active (the fd stays the caller's).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "synfin.h"

static int calls;
static int last_status;
static int last_events;
static int closed;

static void record_cb(sf_poll_t *p, int status, int events) {
  (void)p;
  calls++;
  last_status = status;
  last_events = events;
}

static void close_cb(sf_handle_t *h) {
  (void)h;
  closed++;
}

static void setup(sf_loop_t *loop, int fds[2]) {
  calls = 0;
  last_status = 1;
  last_events = 0;
  closed = 0;
  ck_assert_int_eq(sf_loop_init(loop), 0);
  ck_assert_int_eq(pipe(fds), 0);
}

static void finish(sf_loop_t *loop, sf_poll_t *p, int fds[2]) {
  ck_assert_int_eq(sf_close((sf_handle_t *)p, close_cb), 0);
  ck_assert_int_eq(sf_run(loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sf_loop_close(loop), 0);
  close(fds[0]);
  close(fds[1]);
}

/* Readable once there is data, and again each round while it stays
 * unread (level-triggered). */
START_TEST(test_readable) {
  sf_loop_t loop;
  sf_poll_t p;
  int fds[2];
  setup(&loop, fds);
  ck_assert_int_eq(sf_poll_init(&loop, &p, fds[0]), 0);
  ck_assert_int_eq(p.fd, fds[0]);
  ck_assert_int_ne(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 0);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 1);
  ck_assert_int_eq(calls, 0);
  ck_assert_int_eq(write(fds[1], "x", 1), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_int_eq(calls, 1);
  ck_assert_int_eq(last_status, 0);
  ck_assert_int_eq(last_events, SF_READABLE);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_int_eq(calls, 2);
  char c;
  ck_assert_int_eq(read(fds[0], &c, 1), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 1);
  ck_assert_int_eq(calls, 2);
  /* Non-blocking, as the handle made it: an empty pipe says EAGAIN. */
  ck_assert_int_eq(read(fds[0], &c, 1), -1);
  ck_assert_int_eq(errno, EAGAIN);
  finish(&loop, &p, fds);
}
END_TEST

/* Both events on a socketpair end: writable at once, readable too once
 * the peer writes; a restart changes the events, 0 stops. */
START_TEST(test_both_and_change) {
  sf_loop_t loop;
  sf_poll_t p;
  int fds[2], sv[2];
  setup(&loop, fds);
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(sf_poll_init(&loop, &p, sv[0]), 0);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE | SF_WRITABLE, record_cb),
                   0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_int_eq(last_events, SF_WRITABLE);
  ck_assert_int_eq(write(sv[1], "y", 1), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_int_eq(last_events, SF_READABLE | SF_WRITABLE);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), 0);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_ONCE), 1);
  ck_assert_int_eq(last_events, SF_READABLE);
  ck_assert_int_eq(sf_poll_start(&p, 0, NULL), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 0);
  int before = calls;
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 0);
  ck_assert_int_eq(calls, before);
  finish(&loop, &p, fds);
  close(sv[0]);
  close(sv[1]);
}
END_TEST

/* An fd closed before the start: SF_EBADF at once. */
START_TEST(test_start_closed_fd) {
  sf_loop_t loop;
  sf_poll_t p;
  int fds[2];
  setup(&loop, fds);
  ck_assert_int_eq(sf_poll_init(&loop, &p, fds[0]), 0);
  close(fds[0]);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), SF_EBADF);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 0);
  fds[0] = dup(fds[1]); /* for finish() to close */
  finish(&loop, &p, fds);
}
END_TEST

/* An fd closed behind an active handle's back: SF_EBADF once, and the
 * handle stops (it no longer keeps the loop alive). Of libev's backends
 * only select(2) reports this to the watcher (epoll forgets a closed fd
 * without a word, poll aborts), so the loop runs on it (LIBEV_FLAGS,
 * read when the loop is made). */
START_TEST(test_closed_fd) {
  sf_loop_t loop;
  sf_poll_t p;
  int fds[2];
  ck_assert_int_eq(setenv("LIBEV_FLAGS", "1", 1), 0); /* EVBACKEND_SELECT */
  setup(&loop, fds);
  ck_assert_int_eq(unsetenv("LIBEV_FLAGS"), 0);
  ck_assert_int_eq(sf_poll_init(&loop, &p, fds[0]), 0);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), 0);
  close(fds[0]);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(calls, 1);
  ck_assert_int_eq(last_status, SF_EBADF);
  ck_assert_int_eq(last_events, 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 0);
  fds[0] = dup(fds[1]); /* for finish() to close */
  finish(&loop, &p, fds);
}
END_TEST

START_TEST(test_invalid) {
  sf_loop_t loop;
  sf_poll_t p, q;
  int fds[2];
  setup(&loop, fds);
  ck_assert_int_eq(sf_poll_init(NULL, &p, fds[0]), SF_EINVAL);
  ck_assert_int_eq(sf_poll_init(&loop, NULL, fds[0]), SF_EINVAL);
  ck_assert_int_eq(sf_poll_init(&loop, &q, -1), SF_EINVAL);
  int unused = dup(fds[0]);
  close(unused);
  ck_assert_int_eq(sf_poll_init(&loop, &q, unused), SF_EBADF);
  ck_assert_int_eq(sf_poll_init(&loop, &p, fds[0]), 0);
  ck_assert_int_eq(sf_poll_start(&p, 4, record_cb), SF_EINVAL);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_poll_start(NULL, SF_READABLE, record_cb), SF_EINVAL);
  ck_assert_int_eq(sf_poll_stop(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_poll_stop(&p), 0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 0);
  ck_assert_str_eq(sf_handle_type_name(SF_POLL), "poll");
  finish(&loop, &p, fds);
}
END_TEST

/* BEHAVIOUR 6: an unreferenced poll does not keep sf_run alive. */
START_TEST(test_unref) {
  sf_loop_t loop;
  sf_poll_t p;
  int fds[2];
  setup(&loop, fds);
  ck_assert_int_eq(sf_poll_init(&loop, &p, fds[0]), 0);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), 0);
  sf_unref((sf_handle_t *)&p);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0); /* not blocking */
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&p), 1);
  ck_assert_int_eq(write(fds[1], "z", 1), 1);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_NOWAIT), 0);
  ck_assert_int_eq(calls, 1);
  finish(&loop, &p, fds);
}
END_TEST

/* BEHAVIOUR 1: close while active; no callback after sf_close, close_cb
 * once from the loop; the fd stays open, the caller's. */
START_TEST(test_close_while_active) {
  sf_loop_t loop;
  sf_poll_t p;
  int fds[2];
  setup(&loop, fds);
  ck_assert_int_eq(sf_poll_init(&loop, &p, fds[0]), 0);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), 0);
  ck_assert_int_eq(write(fds[1], "w", 1), 1);
  ck_assert_int_eq(sf_close((sf_handle_t *)&p, close_cb), 0);
  ck_assert_int_eq(closed, 0);
  ck_assert_int_eq(sf_poll_start(&p, SF_READABLE, record_cb), SF_EINVAL);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(calls, 0);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_ge(fcntl(fds[0], F_GETFL), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
  close(fds[0]);
  close(fds[1]);
}
END_TEST

static Suite *poll_suite(void) {
  Suite *s = suite_create("poll");
  TCase *tc = tcase_create("poll");
  tcase_set_timeout(tc, 10);
  tcase_add_test(tc, test_readable);
  tcase_add_test(tc, test_both_and_change);
  tcase_add_test(tc, test_start_closed_fd);
  tcase_add_test(tc, test_closed_fd);
  tcase_add_test(tc, test_invalid);
  tcase_add_test(tc, test_unref);
  tcase_add_test(tc, test_close_while_active);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(poll_suite)
