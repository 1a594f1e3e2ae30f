/*
 * docs/BEHAVIOUR.md 1-6: handles, requests, callbacks. Two hosts over the
 * in-memory link on a real loop (fixture.h); callbacks are logged as
 * "name:status" and the log is compared whole, so order and status are
 * both asserted.
 */
#include "config.h"

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

static void small_buffers(sf_loop_options_t *o) {
  fx_default_options(o);
  o->sndbuf = 4096;
  o->rcvbuf = 4096;
}

/* 1. close_cb fires exactly once, and never from inside sf_close. */
START_TEST(test_close_cb_once_later) {
  struct fx f;
  fx_pair(&f);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, fx_close_cb), 0);
  ck_assert_int_eq(f.closes, 0);
  ck_assert_int_eq(sf_is_closing((sf_handle_t *)&f.client), 1);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, fx_close_cb),
                   SF_EALREADY);
  fx_run_until(&f, &f.closes);
  ck_assert_str_eq(f.log, "close:client");
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, fx_close_cb), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.server, fx_close_cb), 0);
  ck_assert_int_eq(f.closes, 1);
  fx_finish(&f);
  ck_assert_int_eq(f.closes, 3);
  ck_assert_str_eq(f.log, "close:client close:accepted close:server");
}
END_TEST

/* 2. Close with writes queued: each write_cb in order (0 for what the
 * stack took, ECANCELED for the rest), all before close_cb. */
START_TEST(test_close_with_writes_queued) {
  struct fx f;
  sf_loop_options_t o;
  small_buffers(&o);
  fx_init_opts(&f, &o, NULL, NULL);
  fx_listen(&f);
  fx_connect(&f);
  static char big[100000];
  char small[1000] = {0};
  sf_buf_t b1 = sf_buf_init(small, sizeof(small));
  sf_buf_t b2 = sf_buf_init(big, sizeof(big));
  sf_buf_t b3 = sf_buf_init(small, 10);
  sf_write_t w1 = {.data = "w1"}, w2 = {.data = "w2"}, w3 = {.data = "w3"};
  ck_assert_int_eq(sf_write(&w1, (sf_stream_t *)&f.client, &b1, 1, write_cb),
                   0);
  ck_assert_int_eq(sf_write(&w2, (sf_stream_t *)&f.client, &b2, 1, write_cb),
                   0);
  ck_assert_int_eq(sf_write(&w3, (sf_stream_t *)&f.client, &b3, 1, write_cb),
                   0);
  ck_assert_str_eq(f.log, ""); /* nothing from inside sf_write */
  fx_run_for(&f, 30);
  ck_assert_str_eq(f.log, "w1:0");
  ck_assert_uint_gt(sf_stream_get_write_queue_size((sf_stream_t *)&f.client),
                    0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, fx_close_cb), 0);
  ck_assert_uint_eq(sf_stream_get_write_queue_size((sf_stream_t *)&f.client),
                    0);
  fx_run_until(&f, &f.closes);
  ck_assert_str_eq(f.log, "w1:0 w2:ECANCELED w3:ECANCELED close:client");
  fx_finish(&f);
}
END_TEST

/* 3. Closing while connecting: connect_cb(ECANCELED), then close_cb. */
START_TEST(test_close_while_connecting) {
  struct fx f;
  fx_init(&f);
  fx_listen(&f);
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.client), 0);
  ck_assert_int_eq(sf_tcp_connect(&f.connect_req, &f.client,
                                  (struct sockaddr *)&b, fx_connect_cb),
                   0);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&f.client), 1);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, fx_close_cb), 0);
  ck_assert_str_eq(f.log, "");
  fx_run_until(&f, &f.closes);
  ck_assert_str_eq(f.log, "connect:ECANCELED close:client");
  fx_finish(&f);
}
END_TEST

/* 4. A call that returns an error never fires its callback. */
START_TEST(test_error_means_no_callback) {
  struct fx f;
  fx_init(&f);
  sf_tcp_t t;
  ck_assert_int_eq(sf_tcp_init(&f.loop, &t), 0);
  char c = 'x';
  sf_buf_t buf = sf_buf_init(&c, 1);
  sf_write_t w = {.data = "w"};
  sf_shutdown_t s;
  sf_connect_t cr;
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&t, &buf, 1, write_cb),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&t, shutdown_cb),
                   SF_ENOTCONN);
  struct sockaddr_in zero_port = fx_addr(FX_ADDR_B, 0);
  ck_assert_int_eq(sf_tcp_connect(&cr, &t, (struct sockaddr *)&zero_port,
                                  fx_connect_cb),
                   SF_EINVAL);
  struct sockaddr_in nowhere = fx_addr("10.1.2.3", 80);
  ck_assert_int_eq(
      sf_tcp_connect(&cr, &t, (struct sockaddr *)&nowhere, fx_connect_cb),
      SF_ENETUNREACH);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&t, fx_alloc_cb, fx_read_cb),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&t), 0);
  ck_assert_int_eq(sf_loop_alive(&f.loop), 0); /* no request in flight */
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, fx_close_cb), 0);
  fx_run_until(&f, &f.closes);
  ck_assert_str_eq(f.log, "close:other");
  fx_finish(&f);
}
END_TEST

/* 5. sf_loop_close: SF_EBUSY while a handle or request is alive. */
START_TEST(test_loop_close_busy) {
  struct fx f;
  fx_pair(&f);
  ck_assert_int_eq(sf_loop_close(&f.loop), SF_EBUSY);
  ck_assert_int_eq(sf_loop_close(&f.loopb), SF_EBUSY);
  char data[100] = {0};
  sf_buf_t buf = sf_buf_init(data, sizeof(data));
  sf_write_t w = {.data = "w"};
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &buf, 1, write_cb),
                   0);
  /* Closing everything leaves a write request pending: still busy. */
  sf_walk(&f.loop, fx_close_walk, NULL);
  ck_assert_int_eq(sf_loop_close(&f.loop), SF_EBUSY);
  fx_finish(&f); /* runs the loop; then both close with 0 */
  ck_assert_str_eq(f.log, "w:0");
}
END_TEST

/* 6. An unreferenced handle does not keep sf_run alive; a pending request
 * does. */
START_TEST(test_unref_vs_request) {
  struct fx f;
  fx_init(&f);
  fx_listen(&f);
  sf_unref((sf_handle_t *)&f.server);
  ck_assert_int_eq(sf_is_active((sf_handle_t *)&f.server), 1);
  ck_assert_int_eq(sf_loop_alive(&f.loopb), 0);
  /* Nothing else: sf_run returns at once though the listener is open. */
  ck_assert_int_eq(sf_run(&f.loopb, SF_RUN_DEFAULT), 0);
  /* An unreferenced client with a connect pending keeps the loop running
   * until connect_cb. */
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.client), 0);
  ck_assert_int_eq(sf_tcp_connect(&f.connect_req, &f.client,
                                  (struct sockaddr *)&b, fx_connect_cb),
                   0);
  sf_unref((sf_handle_t *)&f.client);
  ck_assert_int_eq(sf_loop_alive(&f.loop), 1);
  ck_assert_int_eq(sf_run(&f.loop, SF_RUN_DEFAULT), 0);
  ck_assert_str_eq(f.log, "connect:0");
  fx_run_until(&f, &f.accepts);
  fx_finish(&f);
}
END_TEST

static Suite *handles_suite(void) {
  Suite *s = suite_create("handles");
  FX_ADD(s, test_close_cb_once_later);
  FX_ADD(s, test_close_with_writes_queued);
  FX_ADD(s, test_close_while_connecting);
  FX_ADD(s, test_error_means_no_callback);
  FX_ADD(s, test_loop_close_busy);
  FX_ADD(s, test_unref_vs_request);
  return s;
}

SF_TEST_MAIN(handles_suite)
