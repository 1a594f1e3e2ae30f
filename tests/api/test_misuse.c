/*
 * Every public function called wrongly (NULL, wrong handle type, wrong
 * state, closing handle, bad address, bad flags) returns its documented
 * code and fires no callback: every callback here fails the test.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <sys/un.h>

#include "fixture.h"

static void no_close(sf_handle_t *h) {
  (void)h;
  ck_abort_msg("close_cb of a refused call");
}
static void no_timer(sf_timer_t *t) {
  (void)t;
  ck_abort_msg("timer callback");
}
static void no_conn(sf_tcp_t *t, int s) {
  (void)t;
  (void)s;
  ck_abort_msg("connection_cb");
}
static void no_connect(sf_connect_t *r, int s) {
  (void)r;
  ck_abort_msg("connect_cb %d", s);
}
static void no_write(sf_write_t *r, int s) {
  (void)r;
  ck_abort_msg("write_cb %d", s);
}
static void no_shutdown(sf_shutdown_t *r, int s) {
  (void)r;
  ck_abort_msg("shutdown_cb %d", s);
}
static void no_alloc(sf_handle_t *h, size_t n, sf_buf_t *b) {
  (void)h;
  (void)n;
  (void)b;
  ck_abort_msg("alloc_cb");
}
static void no_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *b) {
  (void)stream;
  (void)b;
  ck_abort_msg("read_cb %zd", n);
}

START_TEST(test_loop_misuse) {
  sf_loop_t zero;
  memset(&zero, 0, sizeof(zero));
  ck_assert_int_eq(sf_loop_options_default(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_init(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_init_ex(NULL, NULL, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_init_ev(&zero, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_close(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_close(&zero), SF_EINVAL);
  ck_assert_int_eq(sf_run(NULL, SF_RUN_DEFAULT), SF_EINVAL);
  ck_assert_int_eq(sf_run(&zero, SF_RUN_DEFAULT), SF_EINVAL);
  ck_assert_int_eq(sf_stop(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_alive(NULL), SF_EINVAL);
  ck_assert_uint_eq(sf_now(NULL), 0);
  ck_assert_uint_eq(sf_now_ns(NULL), 0);
  ck_assert_int_eq(sf_update_time(NULL), SF_EINVAL);
  ck_assert_ptr_null(sf_loop_backend(NULL));
  ck_assert_int_eq(sf_walk(NULL, NULL, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_counters(NULL, NULL, 0), SF_EINVAL);
  ck_assert_uint_eq(sf_loop_counter(NULL, "x"), ULLONG_MAX);
  sf_loop_t loop;
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  ck_assert_int_eq(sf_run(&loop, (sf_run_mode)3), SF_EINVAL);
  ck_assert_int_eq(sf_run(&loop, (sf_run_mode)-1), SF_EINVAL);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
  /* an unknown default congestion control */
  sf_loop_options_t o;
  ck_assert_int_eq(sf_loop_options_default(&o), 0);
  ck_assert_str_eq(o.congestion, "newreno");
  o.congestion = "bbr";
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &o), SF_EINVAL);
  o.congestion = "";
  ck_assert_int_eq(sf_loop_init_ex(&loop, NULL, &o), SF_EINVAL);
}
END_TEST

START_TEST(test_handle_misuse) {
  sf_handle_t zero;
  memset(&zero, 0, sizeof(zero));
  ck_assert_int_eq(sf_close(NULL, no_close), SF_EINVAL);
  ck_assert_int_eq(sf_close(&zero, no_close), SF_EINVAL);
  sf_ref(NULL);
  sf_unref(NULL);
  sf_ref(&zero);
  sf_unref(&zero);
  ck_assert_int_eq(sf_has_ref(NULL), 0);
  ck_assert_int_eq(sf_is_active(NULL), 0);
  ck_assert_int_eq(sf_is_closing(NULL), 0);
  ck_assert_int_eq(sf_is_active(&zero), 0);
  ck_assert_str_eq(sf_handle_type_name((sf_handle_type)99), "unknown");
  ck_assert_str_eq(sf_handle_type_name(SF_TCP), "tcp");
}
END_TEST

START_TEST(test_timer_misuse) {
  struct fx f;
  fx_init(&f);
  sf_timer_t t;
  ck_assert_int_eq(sf_timer_init(NULL, &t), SF_EINVAL);
  ck_assert_int_eq(sf_timer_init(&f.loop, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_timer_start(NULL, no_timer, 1, 0), SF_EINVAL);
  ck_assert_int_eq(sf_timer_init(&f.loop, &t), 0);
  ck_assert_int_eq(sf_timer_start(&t, NULL, 1, 0), SF_EINVAL);
  ck_assert_int_eq(sf_timer_stop(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_timer_again(NULL), SF_EINVAL);
  sf_timer_set_repeat(NULL, 1);
  ck_assert_uint_eq(sf_timer_get_repeat(NULL), 0);
  ck_assert_uint_eq(sf_timer_get_due_in(NULL), 0);
  /* Wrong type: a TCP handle is not a timer. */
  sf_tcp_t tcp;
  ck_assert_int_eq(sf_tcp_init(&f.loop, &tcp), 0);
  ck_assert_int_eq(sf_timer_start((sf_timer_t *)&tcp, no_timer, 1, 0),
                   SF_EINVAL);
  ck_assert_int_eq(sf_timer_stop((sf_timer_t *)&tcp), SF_EINVAL);
  /* Closing. */
  ck_assert_int_eq(sf_timer_start(&t, no_timer, 1, 0), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, NULL), 0);
  ck_assert_int_eq(sf_timer_start(&t, no_timer, 1, 0), SF_EINVAL);
  ck_assert_int_eq(sf_timer_stop(&t), SF_EINVAL);
  ck_assert_int_eq(sf_timer_again(&t), SF_EINVAL);
  ck_assert_int_eq(sf_close((sf_handle_t *)&t, no_close), SF_EALREADY);
  fx_run_for(&f, 5);
  fx_finish(&f);
}
END_TEST

START_TEST(test_iface_misuse) {
  sf_loop_t loop;
  sf_iface_t a, b;
  sf_iface_config_t c = {.address = "198.18.0.1/24"};
  sf_iface_config_t d = {.address = "198.18.0.2/24"};
  ck_assert_int_eq(sf_loop_init(&loop), 0);
  ck_assert_int_eq(sf_iface_open_memory_pair(NULL, &a, &c, &loop, &b, &d),
                   SF_EINVAL);
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, NULL, &c, &loop, &b, &d),
                   SF_EINVAL);
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &a, NULL, &loop, &b, &d),
                   SF_EINVAL);
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &a, &c, NULL, &b, &d),
                   SF_EINVAL);
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &a, &c, &loop, &b, NULL),
                   SF_EINVAL);
  sf_fault_config_t fc = {.tx = {.reorder_ppm = 10}}; /* no max delay */
  sf_iface_config_t e = {.address = "198.18.0.1/24", .fault = &fc};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &a, &e, &loop, &b, &d),
                   SF_EINVAL);
  ck_assert_int_eq(sf_iface_stats(NULL, NULL), SF_EINVAL);
  sf_timer_t t;
  sf_iface_stats_t st;
  sf_timer_init(&loop, &t);
  ck_assert_int_eq(sf_iface_stats((sf_iface_t *)&t, &st), SF_EINVAL);
  sf_close((sf_handle_t *)&t, NULL);
  ck_assert_int_eq(sf_run(&loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_addr_misuse) {
  struct sockaddr_in a;
  ck_assert_int_eq(sf_ip4_addr(NULL, 1, &a), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_addr("1.2.3.4", 1, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_addr("1.2.3.4", -1, &a), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_addr("1.2.3.4", 65536, &a), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_addr("1.2.3", 1, &a), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_addr("1.2.3.4", 80, &a), 0);
  char s[8];
  ck_assert_int_eq(sf_ip4_name(NULL, s, 8), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_name(&a, NULL, 8), SF_EINVAL);
  ck_assert_int_eq(sf_ip4_name(&a, s, 7), SF_ENOSPC);
  ck_assert_int_eq(sf_ip4_name(&a, s, 8), 0);
  ck_assert_str_eq(s, "1.2.3.4");
}
END_TEST

/* sf_addr_name: an address with its port, IPv6 in brackets; a buffer one
 * byte short is refused and left as it was. */
START_TEST(test_addr_name) {
  struct sockaddr_in a;
  ck_assert_int_eq(sf_ip4_addr("198.18.0.1", 8080, &a), 0);
  char s[SF_ADDR_NAME_LEN];
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&a, s, sizeof(s)), 0);
  ck_assert_str_eq(s, "198.18.0.1:8080");
  struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
  ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &b.sin6_addr), 1);
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&b, s, sizeof(s)), 0);
  ck_assert_str_eq(s, "[2001:db8::1]:80");
  char e[] = "untouched";
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&b, e, 16), SF_ENOSPC);
  ck_assert_str_eq(e, "untouched");
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&b, s, 17), 0);
  ck_assert_str_eq(s, "[2001:db8::1]:80");
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&a, s, 15), SF_ENOSPC);
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&a, s, 0), SF_ENOSPC);
  ck_assert_int_eq(sf_addr_name(NULL, s, sizeof(s)), SF_EINVAL);
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&a, NULL, 8), SF_EINVAL);
  struct sockaddr_un u = {.sun_family = AF_UNIX};
  ck_assert_int_eq(sf_addr_name((struct sockaddr *)&u, s, sizeof(s)),
                   SF_EINVAL);
}
END_TEST

/* TCP functions: NULL, wrong type, wrong state, bad address and flags. */
START_TEST(test_tcp_misuse) {
  struct fx f;
  fx_init(&f);
  sf_tcp_t t, u;
  sf_timer_t tm;
  sf_connect_t cr;
  sf_write_t wr;
  sf_shutdown_t sr;
  char c = 'x';
  sf_buf_t buf = sf_buf_init(&c, 1), nullbuf = sf_buf_init(NULL, 1);
  struct sockaddr_in good = fx_addr(FX_ADDR_B, FX_PORT);
  struct sockaddr_in other = fx_addr("198.18.0.77", 1);
  struct sockaddr_in6 v6;
  memset(&v6, 0, sizeof(v6));
  v6.sin6_family = AF_INET6;
  struct sockaddr *g = (struct sockaddr *)&good;
  ck_assert_int_eq(sf_tcp_init(NULL, &t), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_init(&f.loop, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &t), 0);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &u), 0);
  ck_assert_int_eq(sf_timer_init(&f.loop, &tm), 0);
  sf_tcp_t *wrong = (sf_tcp_t *)&tm;
  /* bind */
  ck_assert_int_eq(sf_tcp_bind(NULL, g, 0), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_bind(wrong, g, 0), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_bind(&t, NULL, 0), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_bind(&t, g, 1), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_bind(&t, (struct sockaddr *)&v6, 0),
                   SF_EAFNOSUPPORT);
  ck_assert_int_eq(sf_tcp_bind(&t, (struct sockaddr *)&other, 0),
                   SF_EADDRNOTAVAIL);
  struct sockaddr_in mine = fx_addr(FX_ADDR_A, 0);
  ck_assert_int_eq(sf_tcp_bind(&t, (struct sockaddr *)&mine, 0), 0);
  ck_assert_int_eq(sf_tcp_bind(&t, (struct sockaddr *)&mine, 0), SF_EINVAL);
  /* listen / accept */
  ck_assert_int_eq(sf_listen(NULL, 1, no_conn), SF_EINVAL);
  ck_assert_int_eq(sf_listen(wrong, 1, no_conn), SF_EINVAL);
  ck_assert_int_eq(sf_listen(&t, 1, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_accept(NULL, &u), SF_EINVAL);
  ck_assert_int_eq(sf_accept(&t, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_accept(&t, &u), SF_EINVAL); /* t not listening */
  ck_assert_int_eq(sf_listen(&t, 1, no_conn), 0);
  ck_assert_int_eq(sf_listen(&t, 1, no_conn), SF_EALREADY);
  ck_assert_int_eq(sf_accept(&t, &u), SF_EAGAIN);
  ck_assert_int_eq(sf_accept(&t, &t), SF_EINVAL);
  ck_assert_int_eq(sf_accept(&t, wrong), SF_EINVAL);
  /* connect */
  ck_assert_int_eq(sf_tcp_connect(NULL, &u, g, no_connect), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_connect(&cr, NULL, g, no_connect), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_connect(&cr, wrong, g, no_connect), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_connect(&cr, &u, NULL, no_connect), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_connect(&cr, &u, (struct sockaddr *)&v6, no_connect),
                   SF_EAFNOSUPPORT);
  struct sockaddr_in any = fx_addr("0.0.0.0", 80);
  ck_assert_int_eq(sf_tcp_connect(&cr, &u, (struct sockaddr *)&any, no_connect),
                   SF_EINVAL);
  ck_assert_int_eq(sf_tcp_connect(&cr, &t, g, no_connect), SF_EISCONN);
  /* read / write / shutdown on a listener and on an unconnected handle */
  ck_assert_int_eq(sf_read_start(NULL, no_alloc, no_read), SF_EINVAL);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)wrong, no_alloc, no_read),
                   SF_EINVAL);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&u, NULL, no_read), SF_EINVAL);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&u, no_alloc, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&u, no_alloc, no_read),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&t, no_alloc, no_read),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_read_stop(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_read_stop((sf_stream_t *)wrong), SF_EINVAL);
  ck_assert_int_eq(sf_write(NULL, (sf_stream_t *)&u, &buf, 1, no_write),
                   SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, NULL, &buf, 1, no_write), SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)wrong, &buf, 1, no_write),
                   SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)&u, NULL, 1, no_write),
                   SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)&u, &buf, 0, no_write),
                   SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)&u, &nullbuf, 1, no_write),
                   SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)&u, &buf, 1, no_write),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)&t, &buf, 1, no_write),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_try_write(NULL, &buf, 1), SF_EINVAL);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&u, &buf, 0), SF_EINVAL);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&u, &buf, 1), SF_ENOTCONN);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&t, &buf, 1), SF_ENOTCONN);
  ck_assert_uint_eq(sf_stream_get_write_queue_size(NULL), 0);
  ck_assert_int_eq(sf_shutdown(NULL, (sf_stream_t *)&u, no_shutdown),
                   SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(&sr, NULL, no_shutdown), SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(&sr, (sf_stream_t *)wrong, no_shutdown),
                   SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(&sr, (sf_stream_t *)&u, no_shutdown),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_shutdown(&sr, (sf_stream_t *)&t, no_shutdown),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_tcp_close_reset(NULL, no_close), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_close_reset(wrong, no_close), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_close_reset(&u, no_close), SF_ENOTCONN);
  ck_assert_int_eq(sf_tcp_close_reset(&t, no_close), SF_ENOTCONN);
  /* options, names, state */
  ck_assert_int_eq(sf_tcp_nodelay(NULL, 1), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_nodelay(wrong, 1), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_nodelay(&u, 1), 0); /* kept for later */
  ck_assert_int_eq(sf_tcp_keepalive(NULL, 1, 5), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_keepalive(&u, 1, 5), 0);
  ck_assert_int_eq(sf_tcp_congestion(NULL, "cubic"), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(wrong, "cubic"), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(&u, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(&u, ""), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(&u, "reno"), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(&u, "Cubic"), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(&u, "cubic"), 0); /* kept for later */
  ck_assert_int_eq(sf_tcp_congestion(&t, "cubic"), 0); /* a listener */
  struct sockaddr_in name;
  int len = sizeof(name), small = 4;
  ck_assert_int_eq(sf_tcp_getsockname(NULL, (struct sockaddr *)&name, &len),
                   SF_EINVAL);
  ck_assert_int_eq(sf_tcp_getsockname(&u, (struct sockaddr *)&name, &len),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_tcp_getsockname(&t, (struct sockaddr *)&name, &small),
                   SF_EINVAL);
  ck_assert_int_eq(sf_tcp_getsockname(&t, NULL, &len), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_getpeername(&t, (struct sockaddr *)&name, &len),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_tcp_getpeername(wrong, (struct sockaddr *)&name, &len),
                   SF_EINVAL);
  ck_assert_int_eq(sf_is_readable(NULL), 0);
  ck_assert_int_eq(sf_is_writable(NULL), 0);
  ck_assert_int_eq(sf_is_readable((sf_stream_t *)&u), 0);
  ck_assert_int_eq(sf_is_writable((sf_stream_t *)&t), 0);
  sf_tcp_hooks_t h = {0};
  ck_assert_int_eq(sf_tcp_set_hooks(NULL, &h, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_set_hooks(wrong, &h, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_state(NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_state(wrong), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_state(&u), SF_TCP_CLOSED);
  ck_assert_int_eq(sf_tcp_state(&t), SF_TCP_LISTEN);
  sf_tcp_info_t info;
  ck_assert_int_eq(sf_tcp_info(NULL, &info), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_info(&u, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_info(&u, &info), SF_ENOTCONN);
  ck_assert_int_eq(sf_tcp_info(&t, &info), SF_ENOTCONN);
  /* A closing handle refuses everything. */
  ck_assert_int_eq(sf_close((sf_handle_t *)&u, NULL), 0);
  ck_assert_int_eq(sf_tcp_bind(&u, g, 0), SF_EINVAL);
  ck_assert_int_eq(sf_listen(&u, 1, no_conn), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_connect(&cr, &u, g, no_connect), SF_EINVAL);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&u, no_alloc, no_read),
                   SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, (sf_stream_t *)&u, &buf, 1, no_write),
                   SF_EINVAL);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&u, &buf, 1), SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(&sr, (sf_stream_t *)&u, no_shutdown),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_tcp_close_reset(&u, no_close), SF_EALREADY);
  ck_assert_int_eq(sf_tcp_nodelay(&u, 1), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_congestion(&u, "cubic"), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_set_hooks(&u, &h, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_accept(&t, &u), SF_EINVAL);
  fx_run_for(&f, 5);
  fx_finish(&f);
}
END_TEST

/* A connected handle: connect again, listen, bind, accept into it. */
START_TEST(test_connected_misuse) {
  struct fx f;
  fx_pair(&f);
  sf_connect_t cr;
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  struct sockaddr *g = (struct sockaddr *)&b;
  ck_assert_int_eq(sf_tcp_connect(&cr, &f.client, g, no_connect), SF_EISCONN);
  ck_assert_int_eq(sf_listen(&f.client, 1, no_conn), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_bind(&f.client, g, 0), SF_EINVAL);
  ck_assert_int_eq(sf_accept(&f.server, &f.client), SF_EINVAL);
  ck_assert_int_eq(sf_is_writable((sf_stream_t *)&f.client), 1);
  ck_assert_int_eq(sf_is_readable((sf_stream_t *)&f.client), 1);
  sf_tcp_t pending;
  sf_connect_t cr2;
  ck_assert_int_eq(sf_tcp_init(&f.loop, &pending), 0);
  ck_assert_int_eq(sf_tcp_connect(&cr2, &pending, g, fx_connect_cb), 0);
  ck_assert_int_eq(sf_tcp_connect(&cr, &pending, g, no_connect), SF_EALREADY);
  f.connected = 0;
  fx_run_until(&f, &f.connected);
  fx_finish(&f);
}
END_TEST

static Suite *misuse_suite(void) {
  Suite *s = suite_create("misuse");
  FX_ADD(s, test_loop_misuse);
  FX_ADD(s, test_handle_misuse);
  FX_ADD(s, test_timer_misuse);
  FX_ADD(s, test_iface_misuse);
  FX_ADD(s, test_addr_misuse);
  FX_ADD(s, test_addr_name);
  FX_ADD(s, test_tcp_misuse);
  FX_ADD(s, test_connected_misuse);
  return s;
}

SF_TEST_MAIN(misuse_suite)
