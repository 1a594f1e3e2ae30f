/*
 * docs/BEHAVIOUR.md 18-21: connecting and listening, two hosts over the
 * in-memory link (fixture.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "fixture.h"
#include "util/alloc.h"

static void write_cb(sf_write_t *req, int status) {
  fx_log(fx_current, "%s:%s", (const char *)req->data,
         status ? sf_err_name(status) : "0");
}

static void start_connect(struct fx *f, const char *ip, int port) {
  struct sockaddr_in a = fx_addr(ip, port);
  ck_assert_int_eq(sf_tcp_init(&f->loop, &f->client), 0);
  ck_assert_int_eq(sf_tcp_connect(&f->connect_req, &f->client,
                                  (struct sockaddr *)&a, fx_connect_cb),
                   0);
}

/* 18. Refused: connect_cb(ECONNREFUSED); writes queued meanwhile end with
 * ECANCELED; the handle stays open for the user. */
/* The event queue finds no memory for the connection's first event: the
 * connection fails with SF_ENOMEM and connect_cb says so, where the
 * event was once dropped unseen and the state hooks missed it. */
START_TEST(test_event_queue_without_memory) {
  struct fx f;
  fx_init(&f);
  fx_listen(&f);
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.client), 0);
  /* the allocations: the timer heap's slot for A's first tcb, the tcb,
   * the connection table's buckets, then A's event queue, for the
   * connection's first event */
  sf__alloc_fail_after(3, 1);
  ck_assert_int_eq(sf_tcp_connect(&f.connect_req, &f.client,
                                  (struct sockaddr *)&b, fx_connect_cb),
                   0);
  fx_run_until(&f, &f.connected);
  ck_assert_str_eq(f.log, "connect:ENOMEM");
  ck_assert_int_eq(sf_tcp_state(&f.client), SF_TCP_CLOSED);
  ck_assert_int_eq(f.accepts, 0);
  fx_finish(&f);
}
END_TEST

START_TEST(test_refused) {
  struct fx f;
  fx_init(&f);
  start_connect(&f, FX_ADDR_B, 9); /* nobody listens */
  char c[3] = "abc";
  sf_buf_t b = sf_buf_init(c, 3);
  sf_write_t w = {.data = "w"};
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &b, 1, write_cb), 0);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &b, 1), SF_EAGAIN);
  fx_run_until(&f, &f.connected);
  fx_run_for(&f, 10);
  ck_assert_str_eq(f.log, "connect:ECONNREFUSED w:ECANCELED");
  ck_assert_int_eq(sf_is_closing((sf_handle_t *)&f.client), 0);
  ck_assert_int_eq(sf_tcp_state(&f.client), SF_TCP_CLOSED);
  ck_assert_uint_eq(sf_loop_counter(&f.loopb, "tcp_in_no_port"), 1);
  ck_assert_uint_eq(sf_loop_counter(&f.loopb, "tcp_out_rst"), 1);
  fx_finish(&f);
}
END_TEST

/* 19. No ARP answer: EHOSTUNREACH. */
START_TEST(test_unreachable) {
  struct fx f;
  fx_init(&f);
  start_connect(&f, "198.18.0.99", 80);
  fx_run_until(&f, &f.connected);
  ck_assert_str_eq(f.log, "connect:EHOSTUNREACH");
  fx_finish(&f);
}
END_TEST

static sf_syn_info_t seen;
static int syns;
static sf_syn_verdict_t verdict;
static sf_syn_verdict_t on_syn(void *arg, const sf_syn_info_t *syn) {
  ck_assert_ptr_eq(arg, &seen);
  seen = *syn;
  syns++;
  return verdict;
}

static void listen_with_verdict(struct fx *f, sf_syn_verdict_t v) {
  syns = 0;
  verdict = v;
  memset(&seen, 0, sizeof(seen));
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f->loopb, &f->server), 0);
  ck_assert_int_eq(sf_tcp_bind(&f->server, (struct sockaddr *)&b, 0), 0);
  sf_tcp_hooks_t h = {.on_syn = on_syn};
  ck_assert_int_eq(sf_tcp_set_hooks(&f->server, &h, &seen), 0);
  ck_assert_int_eq(sf_listen(&f->server, 8, fx_connection_cb), 0);
}

/* 19. A SYN never answered (dropped by on_syn): ETIMEDOUT after the
 * configured retries (2 retransmissions: 3 SYNs). 21: the DROP verdict. */
START_TEST(test_syn_timeout) {
  struct fx f;
  fx_init(&f);
  listen_with_verdict(&f, SF_SYN_DROP);
  start_connect(&f, FX_ADDR_B, FX_PORT);
  fx_run_until(&f, &f.connected);
  ck_assert_str_eq(f.log, "connect:ETIMEDOUT");
  ck_assert_int_eq(syns, 3);
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_syn_retrans"), 2);
  ck_assert_uint_eq(sf_loop_counter(&f.loopb, "tcp_syn_verdict_drop"), 3);
  ck_assert_int_eq(f.accepts, 0);
  fx_finish(&f);
}
END_TEST

/* 21. on_syn sees the SYN before any state is kept and may reset it. */
START_TEST(test_syn_reset) {
  struct fx f;
  fx_init(&f);
  listen_with_verdict(&f, SF_SYN_RESET);
  start_connect(&f, FX_ADDR_B, FX_PORT);
  fx_run_until(&f, &f.connected);
  ck_assert_str_eq(f.log, "connect:ECONNREFUSED");
  ck_assert_int_eq(syns, 1);
  ck_assert_uint_eq(sf_loop_counter(&f.loopb, "tcp_syn_verdict_reset"), 1);
  fx_finish(&f);
}
END_TEST

/* 21. ... or accept it; the info is the SYN's. */
START_TEST(test_syn_accept_info) {
  struct fx f;
  fx_init(&f);
  listen_with_verdict(&f, SF_SYN_ACCEPT);
  start_connect(&f, FX_ADDR_B, FX_PORT);
  fx_run_until(&f, &f.accepts);
  ck_assert_int_eq(syns, 1);
  sf_test_assert_in(&seen.local, ntohl(inet_addr(FX_ADDR_B)), FX_PORT);
  struct sockaddr_in name;
  int len = sizeof(name);
  ck_assert_int_eq(sf_tcp_getsockname(&f.client, (struct sockaddr *)&name,
                                      &len),
                   0);
  ck_assert_uint_ge(ntohs(name.sin_port), 49152);
  sf_test_assert_in(&seen.peer, ntohl(inet_addr(FX_ADDR_A)),
                    ntohs(name.sin_port));
  ck_assert(seen.options & SF_TCPI_OPT_MSS);
  ck_assert_uint_eq(seen.mss, 1460);
  ck_assert_uint_eq(seen.syn_queue_len, 0);
  len = sizeof(name);
  ck_assert_int_eq(sf_tcp_getpeername(&f.accepted, (struct sockaddr *)&name,
                                      &len),
                   0);
  char ip[16];
  ck_assert_int_eq(sf_ip4_name(&name, ip, sizeof(ip)), 0);
  ck_assert_str_eq(ip, FX_ADDR_A);
  fx_finish(&f);
}
END_TEST

/* 20. Listen without bind: an ephemeral port; a second listener on the
 * same address and port: EADDRINUSE. */
START_TEST(test_listen_ephemeral_and_in_use) {
  struct fx f;
  fx_init(&f);
  sf_tcp_t l1, l2, l3;
  ck_assert_int_eq(sf_tcp_init(&f.loopb, &l1), 0);
  ck_assert_int_eq(sf_listen(&l1, 4, fx_connection_cb), 0);
  struct sockaddr_in name;
  int len = sizeof(name);
  ck_assert_int_eq(sf_tcp_getsockname(&l1, (struct sockaddr *)&name, &len), 0);
  ck_assert_uint_ge(ntohs(name.sin_port), 49152);
  ck_assert_int_eq(sf_tcp_state(&l1), SF_TCP_LISTEN);
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loopb, &l2), 0);
  ck_assert_int_eq(sf_tcp_bind(&l2, (struct sockaddr *)&b, 0), 0);
  ck_assert_int_eq(sf_listen(&l2, 4, fx_connection_cb), 0);
  ck_assert_int_eq(sf_tcp_init(&f.loopb, &l3), 0);
  ck_assert_int_eq(sf_tcp_bind(&l3, (struct sockaddr *)&b, 0), 0);
  ck_assert_int_eq(sf_listen(&l3, 4, fx_connection_cb), SF_EADDRINUSE);
  /* The ephemeral listener accepts connections. */
  start_connect(&f, FX_ADDR_B, ntohs(name.sin_port));
  fx_run_until(&f, &f.accepts);
  ck_assert_str_eq(f.log, "connect:0");
  fx_finish(&f);
}
END_TEST

static const char *cc_of(const sf_tcp_t *t) {
  static sf_tcp_info_t i;
  ck_assert_int_eq(sf_tcp_info(t, &i), 0);
  return i.congestion;
}

/* An accepted handle with its own algorithm, set before sf_accept. */
static void accept_newreno(sf_tcp_t *server, int status) {
  struct fx *f = fx_current;
  ck_assert_int_eq(status, 0);
  ck_assert_int_eq(sf_tcp_init(server->loop, &f->accepted), 0);
  ck_assert_int_eq(sf_tcp_congestion(&f->accepted, "newreno"), 0);
  ck_assert_int_eq(sf_accept(server, &f->accepted), 0);
  f->accepts++;
}

/* sf_tcp_congestion: kept for a later connect, set on a listener for its
 * connections (unless the accepted handle has its own), switched on a
 * live connection; the loop's default; all read back in sf_tcp_info. */
START_TEST(test_congestion) {
  struct fx f;
  fx_init(&f);
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loopb, &f.server), 0);
  ck_assert_int_eq(sf_tcp_congestion(&f.server, "cubic"), 0);
  ck_assert_int_eq(sf_tcp_bind(&f.server, (struct sockaddr *)&b, 0), 0);
  ck_assert_int_eq(sf_listen(&f.server, 16, fx_connection_cb), 0);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.client), 0);
  ck_assert_int_eq(sf_tcp_congestion(&f.client, "cubic"), 0);
  ck_assert_int_eq(sf_tcp_connect(&f.connect_req, &f.client,
                                  (struct sockaddr *)&b, fx_connect_cb),
                   0);
  ck_assert_str_eq(cc_of(&f.client), "cubic"); /* from SYN-SENT on */
  fx_run_until(&f, &f.connected);
  fx_run_until(&f, &f.accepts);
  ck_assert_str_eq(cc_of(&f.client), "cubic");
  ck_assert_str_eq(cc_of(&f.accepted), "cubic");
  /* live: the window stays */
  sf_tcp_info_t before, after;
  ck_assert_int_eq(sf_tcp_info(&f.accepted, &before), 0);
  ck_assert_int_eq(sf_tcp_congestion(&f.accepted, "newreno"), 0);
  ck_assert_int_eq(sf_tcp_info(&f.accepted, &after), 0);
  ck_assert_str_eq(after.congestion, "newreno");
  ck_assert_uint_eq(after.cwnd, before.cwnd);
  ck_assert_uint_eq(after.ssthresh, before.ssthresh);
  ck_assert_int_eq(sf_tcp_congestion(&f.accepted, "nope"), SF_EINVAL);
  ck_assert_str_eq(cc_of(&f.accepted), "newreno");
  /* the accepted handle's own setting beats the listener's */
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, NULL), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, NULL), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.server, NULL), 0);
  fx_run_for(&f, 5);
  f.connected = f.accepts = 0;
  ck_assert_int_eq(sf_tcp_init(&f.loopb, &f.server), 0);
  ck_assert_int_eq(sf_tcp_bind(&f.server, (struct sockaddr *)&b, 0), 0);
  ck_assert_int_eq(sf_listen(&f.server, 16, accept_newreno), 0);
  ck_assert_int_eq(sf_tcp_congestion(&f.server, "cubic"), 0); /* later */
  start_connect(&f, FX_ADDR_B, FX_PORT);
  fx_run_until(&f, &f.accepts);
  ck_assert_str_eq(cc_of(&f.client), "newreno"); /* the loop's default */
  ck_assert_str_eq(cc_of(&f.accepted), "newreno");
  fx_finish(&f);

  /* the loop's default */
  sf_loop_options_t o;
  fx_default_options(&o);
  o.congestion = "cubic";
  fx_init_opts(&f, &o, NULL, NULL);
  fx_listen(&f);
  fx_connect(&f);
  ck_assert_str_eq(cc_of(&f.client), "cubic");
  ck_assert_str_eq(cc_of(&f.accepted), "cubic");
  fx_finish(&f);
}
END_TEST

/* A connection to one of the loop's own addresses stays inside the stack
 * (as on a kernel's loopback): data both ways, half-close each way, the
 * active closer's TIME-WAIT; no frame reaches the interface. */
static void local_shutdown_cb(sf_shutdown_t *req, int status) {
  fx_log(fx_current, "%s:%s", (const char *)req->data,
         status ? sf_err_name(status) : "0");
}

static void fill(char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    p[i] = (char)(i * 31u + seed);
}

START_TEST(test_connect_to_own_address) {
  struct fx f;
  fx_init(&f);
  struct sockaddr_in a = fx_addr(FX_ADDR_A, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.server), 0);
  ck_assert_int_eq(sf_tcp_bind(&f.server, (struct sockaddr *)&a, 0), 0);
  ck_assert_int_eq(sf_listen(&f.server, 16, fx_connection_cb), 0);
  sf_iface_stats_t st;
  ck_assert_int_eq(sf_iface_stats(&f.ifa, &st), 0);
  unsigned long long tx_before = st.tx_frames;
  start_connect(&f, FX_ADDR_A, FX_PORT);
  fx_run_until(&f, &f.connected);
  fx_run_until(&f, &f.accepts);
  ck_assert_str_eq(f.log, "connect:0");
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.client, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);

  /* Both ways at once, several segments each. */
  static char up[40000], down[30000];
  fill(up, sizeof up, 1);
  fill(down, sizeof down, 2);
  sf_buf_t bu = sf_buf_init(up, sizeof up), bd = sf_buf_init(down, sizeof down);
  sf_write_t wu = {.data = "up"}, wd = {.data = "down"};
  ck_assert_int_eq(sf_write(&wu, (sf_stream_t *)&f.client, &bu, 1, write_cb),
                   0);
  ck_assert_int_eq(
      sf_write(&wd, (sf_stream_t *)&f.accepted, &bd, 1, write_cb), 0);
  /* The client half-closes; the server still answers after its EOF. */
  sf_shutdown_t su = {.data = "shutdown-client"};
  ck_assert_int_eq(
      sf_shutdown(&su, (sf_stream_t *)&f.client, local_shutdown_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_uint_eq(f.rlen[1], sizeof up);
  ck_assert_mem_eq(f.rbuf[1], up, sizeof up);
  static char late[] = "after your FIN";
  sf_buf_t bl = sf_buf_init(late, sizeof late);
  sf_write_t wl = {.data = "late"};
  ck_assert_int_eq(
      sf_write(&wl, (sf_stream_t *)&f.accepted, &bl, 1, write_cb), 0);
  sf_shutdown_t sd = {.data = "shutdown-server"};
  ck_assert_int_eq(
      sf_shutdown(&sd, (sf_stream_t *)&f.accepted, local_shutdown_cb), 0);
  fx_run_until(&f, &f.eof[0]);
  ck_assert_uint_eq(f.rlen[0], sizeof down + sizeof late);
  ck_assert_mem_eq(f.rbuf[0], down, sizeof down);
  ck_assert_mem_eq(f.rbuf[0] + sizeof down, late, sizeof late);
  ck_assert_int_eq(sf_tcp_state(&f.client), SF_TCP_TIME_WAIT);

  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, fx_close_cb), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, fx_close_cb), 0);
  fx_run_for(&f, 400); /* past 2 MSL */
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_timewait_entered"), 1);
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_out_rst"), 0);
  unsigned long long out = sf_loop_counter(&f.loop, "ip_out_local");
  ck_assert_uint_gt(out, 0);
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "ip_in_local"), out);
  ck_assert_uint_eq(sf_loop_counter(&f.loopb, "ip_in_delivered"), 0);
  ck_assert_int_eq(sf_iface_stats(&f.ifa, &st), 0);
  ck_assert_uint_eq(st.tx_frames, tx_before);
  fx_finish(&f);
}
END_TEST

static Suite *connect_suite(void) {
  Suite *s = suite_create("connect");
  FX_ADD(s, test_refused);
  FX_ADD(s, test_event_queue_without_memory);
  FX_ADD(s, test_unreachable);
  FX_ADD(s, test_syn_timeout);
  FX_ADD(s, test_syn_reset);
  FX_ADD(s, test_syn_accept_info);
  FX_ADD(s, test_listen_ephemeral_and_in_use);
  FX_ADD(s, test_congestion);
  FX_ADD(s, test_connect_to_own_address);
  return s;
}

SF_TEST_MAIN(connect_suite)
