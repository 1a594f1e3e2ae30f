/*
 * docs/BEHAVIOUR.md 7-11: reading. Client on host A, accepted connection on
 * host B (fixture.h); index 0 of the read buffers is the client's, 1 the
 * accepted handle's.
 */
#include "config.h"

#include <ev.h>
#include <string.h>

#include "fixture.h"

static void write_cb(sf_write_t *req, int status) {
  fx_log(fx_current, "%s:%s", (const char *)req->data,
         status ? sf_err_name(status) : "0");
}

static void shutdown_cb(sf_shutdown_t *req, int status) {
  (void)req;
  fx_log(fx_current, "shutdown:%s", status ? sf_err_name(status) : "0");
}

static int fin_hooks;
static void on_fin(void *arg, const sf_tcp_event_info_t *info) {
  (void)arg;
  (void)info;
  fin_hooks++;
  fx_log(fx_current, "on_fin");
}

static void pattern(char *buf, size_t len, size_t off) {
  for (size_t i = 0; i < len; i++)
    buf[i] = (char)((off + i) * 7 + 3);
}

/* 7. read_start twice: EALREADY; on a listener: ENOTCONN; read_stop is
 * idempotent. */
START_TEST(test_read_start_rules) {
  struct fx f;
  fx_pair(&f);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb),
      SF_EALREADY);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.server, fx_alloc_cb, fx_read_cb),
      SF_ENOTCONN);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&f.accepted), 0);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&f.accepted), 0);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&f.server), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_finish(&f);
}
END_TEST

static int nobufs, zero_reads;
static void empty_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)h;
  (void)size;
  *buf = sf_buf_init(NULL, 0);
}
static void count_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  (void)buf;
  if (n == SF_ENOBUFS) {
    nobufs++;
    sf_read_stop(stream);
  } else if (n == 0) {
    zero_reads++;
  } else {
    fx_read_cb(stream, n, buf);
  }
}

/* 8. An empty buffer from alloc_cb gives read_cb(ENOBUFS); nread 0 is
 * never the end of the stream. */
START_TEST(test_empty_buffer_enobufs) {
  struct fx f;
  fx_pair(&f);
  nobufs = zero_reads = 0;
  char msg[] = "hello";
  sf_buf_t b = sf_buf_init(msg, 5);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &b, 1), 5);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, empty_alloc, count_read), 0);
  while (!nobufs)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(nobufs, 1);
  /* The data is still there for a reader with a buffer. */
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, count_read), 0);
  while (f.rlen[1] < 5)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(memcmp(f.rbuf[1], "hello", 5), 0);
  ck_assert_int_eq(f.eof[1], 0);
  fx_finish(&f);
}
END_TEST

/* 9. The peer's FIN: data first, then EOF exactly once, on_fin fires,
 * and the handle can still write (half-close). */
START_TEST(test_fin_after_data_then_write_back) {
  struct fx f;
  fx_init(&f);
  fx_listen(&f);
  fin_hooks = 0;
  sf_tcp_hooks_t hooks = {.on_fin = on_fin};
  ck_assert_int_eq(sf_tcp_set_hooks(&f.server, &hooks, NULL), 0);
  fx_connect(&f);
  char msg[] = "request";
  sf_buf_t b = sf_buf_init(msg, 7);
  sf_write_t w = {.data = "w"};
  sf_shutdown_t s;
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, write_cb), 0);
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.client, shutdown_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.client, fx_alloc_cb, fx_read_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_uint_eq(f.rlen[1], 7);
  ck_assert_int_eq(memcmp(f.rbuf[1], "request", 7), 0);
  ck_assert_int_eq(sf_is_closing((sf_handle_t *)&f.accepted), 0);
  ck_assert_int_eq(sf_tcp_state(&f.accepted), SF_TCP_CLOSE_WAIT);
  char reply[] = "response";
  sf_buf_t r = sf_buf_init(reply, 8);
  sf_write_t w2 = {.data = "w2"};
  ck_assert_int_eq(sf_write(&w2, (sf_stream_t *)&f.accepted, &r, 1, write_cb),
                   0);
  while (f.rlen[0] < 8)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(memcmp(f.rbuf[0], "response", 8), 0);
  fx_run_for(&f, 20);
  ck_assert_int_eq(f.eof[1], 1);
  ck_assert_int_eq(fin_hooks, 1);
  /* The data's READABLE came first, so EOF can precede on_fin; the
   * FIN's ACK (shutdown_cb) and w2 race. */
  ck_assert_ptr_nonnull(strstr(f.log, "w:0 eof:accepted on_fin"));
  ck_assert_ptr_nonnull(strstr(f.log, "shutdown:0"));
  ck_assert_ptr_nonnull(strstr(f.log, "w2:0"));
  fx_finish(&f);
}
END_TEST

/* A read that opens the window, with nothing written back: the update
 * goes out in the loop iteration that ran the read callback, in its
 * flush, not in one more iteration the loop runs for it. The client's
 * write, its delivery, the read and the update take one iteration. */
START_TEST(test_window_update_in_the_turn_of_the_read) {
  struct fx f;
  fx_pair(&f);
  enum { LEN = 4 * 1448 }; /* full segments: the last one ACKed at once */
  static char data[LEN];
  pattern(data, LEN, 0);
  sf_buf_t b = sf_buf_init(data, LEN);
  sf_write_t w = {.data = "w"};
  ck_assert_int_eq(sf_tcp_nodelay(&f.client, 1), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  struct ev_loop *ev = sf_loop_backend(&f.loop);
  unsigned before = ev_iteration(ev);
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, write_cb), 0);
  while (f.rlen[1] < LEN)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_uint_eq(ev_iteration(ev) - before, 1);
  ck_assert_uint_eq(sf_loop_counter(&f.loopb, "tcp_out_window_updates"), 1);
  ck_assert_int_eq(memcmp(f.rbuf[1], data, LEN), 0);
  fx_finish(&f);
}
END_TEST

static int rounds;
static void count_round(struct ev_loop *ev, ev_prepare *w, int revents) {
  (void)ev;
  (void)w;
  (void)revents;
  rounds++;
}

static size_t stop_at;
static void read_then_stop(sf_stream_t *stream, ssize_t n,
                           const sf_buf_t *buf) {
  fx_read_cb(stream, n, buf);
  if (stop_at && fx_current->rlen[1] >= stop_at) {
    stop_at = 0;
    sf_read_stop(stream);
  }
}

/* 10. Not reading: the window closes, the loop sleeps, the peer's FIN is
 * still reported once reading resumes; stop/resume loses nothing. */
START_TEST(test_flow_control_and_resume) {
  struct fx f;
  sf_loop_options_t o;
  fx_default_options(&o);
  o.rcvbuf = 8192;
  fx_init_opts(&f, &o, NULL, NULL);
  fx_listen(&f);
  fx_connect(&f);
  enum { TOTAL = 60000 };
  static char data[TOTAL];
  pattern(data, TOTAL, 0);
  sf_buf_t b = sf_buf_init(data, TOTAL);
  sf_write_t w = {.data = "w"};
  sf_shutdown_t s;
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, write_cb), 0);
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.client, shutdown_cb), 0);
  fx_run_for(&f, 50);
  /* The stack took it all into its 256 KiB send buffer (write_cb 0); the
   * receiver holds at most its 8 KiB; the rest waits at the sender. */
  ck_assert_str_eq(f.log, "w:0");
  sf_tcp_info_t info;
  ck_assert_int_eq(sf_tcp_info(&f.accepted, &info), 0);
  ck_assert_uint_le(info.unread, 8192);
  ck_assert_uint_gt(info.unread, 0);
  /* Idle: a closed window must not make the loop spin. */
  ev_prepare p;
  ev_prepare_init(&p, count_round);
  ev_prepare_start(sf_loop_backend(&f.loop), &p);
  rounds = 0;
  fx_run_for(&f, 100);
  ev_prepare_stop(sf_loop_backend(&f.loop), &p);
  ck_assert_int_lt(rounds, 40); /* persist probes, not a busy loop */
  /* Read, stop half-way, resume: every byte once, in order, then EOF. */
  stop_at = 20000;
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, read_then_stop),
      0);
  while (f.rlen[1] < 20000)
    sf_run(&f.loop, SF_RUN_ONCE);
  size_t at_stop = f.rlen[1];
  fx_run_for(&f, 30);
  ck_assert_uint_eq(f.rlen[1], at_stop);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, read_then_stop),
      0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_uint_eq(f.rlen[1], TOTAL);
  ck_assert_int_eq(memcmp(f.rbuf[1], data, TOTAL), 0);
  ck_assert_int_eq(f.eof[1], 1);
  fx_run_for(&f, 20);
  ck_assert_str_eq(f.log, "w:0 eof:accepted shutdown:0");
  ck_assert_uint_eq(sf_stream_get_write_queue_size((sf_stream_t *)&f.client),
                    0);
  fx_finish(&f);
}
END_TEST

/* 11. A reset is reported even when not reading (after the data that
 * came before it) ... */
START_TEST(test_reset_while_not_reading) {
  struct fx f;
  fx_pair(&f);
  char msg[] = "abc";
  sf_buf_t b = sf_buf_init(msg, 3);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &b, 1), 3);
  fx_run_for(&f, 20);
  ck_assert_int_eq(sf_tcp_close_reset(&f.client, fx_close_cb), 0);
  fx_run_until(&f, &f.closes);
  fx_run_for(&f, 20);
  ck_assert_int_eq(sf_tcp_state(&f.accepted), SF_TCP_CLOSED);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  while (!f.rerr[1])
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_uint_eq(f.rlen[1], 3);
  ck_assert_int_eq(memcmp(f.rbuf[1], "abc", 3), 0);
  ck_assert_str_eq(f.log, "close:client read:accepted:ECONNRESET");
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.accepted, &b, 1),
                   SF_ECONNRESET);
  fx_finish(&f);
}
END_TEST

/* ... and after EOF was seen. */
START_TEST(test_reset_after_eof) {
  struct fx f;
  fx_pair(&f);
  sf_shutdown_t s;
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.client, shutdown_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  fx_run_for(&f, 30); /* the FIN's ACK (delayed ACK: 5 ms) */
  ck_assert_int_eq(sf_tcp_close_reset(&f.client, fx_close_cb), 0);
  while (!f.rerr[1])
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(f.eof[1], 1);
  ck_assert_str_eq(f.log, "eof:accepted shutdown:0 close:client "
                          "read:accepted:ECONNRESET");
  fx_finish(&f);
}
END_TEST

/* ... and after EOF, by a handle that stopped reading there: read_cb
 * still hears it (libuv would leave it in CLOSE-WAIT). */
START_TEST(test_reset_after_eof_not_reading) {
  struct fx f;
  fx_pair(&f);
  sf_shutdown_t s;
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.client, shutdown_cb), 0);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&f.accepted), 0);
  fx_run_for(&f, 30);
  ck_assert_int_eq(sf_tcp_close_reset(&f.client, fx_close_cb), 0);
  while (!f.rerr[1])
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_str_eq(f.log, "eof:accepted shutdown:0 close:client "
                          "read:accepted:ECONNRESET");
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&f.accepted), 0);
  fx_finish(&f);
}
END_TEST

/* A handle that stopped reading with data unread: the data comes first,
 * so the reset waits for reading to resume. */
START_TEST(test_reset_waits_for_unread_data) {
  struct fx f;
  fx_pair(&f);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)&f.accepted), 0);
  char msg[] = "abc";
  sf_buf_t b = sf_buf_init(msg, 3);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &b, 1), 3);
  fx_run_for(&f, 20);
  ck_assert_int_eq(sf_tcp_close_reset(&f.client, fx_close_cb), 0);
  fx_run_for(&f, 30);
  ck_assert_str_eq(f.log, "close:client");
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  while (!f.rerr[1])
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_uint_eq(f.rlen[1], 3);
  ck_assert_str_eq(f.log, "close:client read:accepted:ECONNRESET");
  fx_finish(&f);
}
END_TEST

static Suite *reading_suite(void) {
  Suite *s = suite_create("reading");
  FX_ADD(s, test_read_start_rules);
  FX_ADD(s, test_empty_buffer_enobufs);
  FX_ADD(s, test_fin_after_data_then_write_back);
  FX_ADD(s, test_window_update_in_the_turn_of_the_read);
  FX_ADD(s, test_flow_control_and_resume);
  FX_ADD(s, test_reset_while_not_reading);
  FX_ADD(s, test_reset_after_eof);
  FX_ADD(s, test_reset_after_eof_not_reading);
  FX_ADD(s, test_reset_waits_for_unread_data);
  return s;
}

SF_TEST_MAIN(reading_suite)
