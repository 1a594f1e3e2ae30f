/*
 * docs/BEHAVIOUR.md 22-30 through the public API: the state hook's view of
 * active, passive and simultaneous close and simultaneous open, TIME-WAIT
 * outliving the handle and its limit, retransmissions running out,
 * reassembly through a reordering, lossy, duplicating link. (26's bad
 * handshake ACK and 27's RST/challenge-ACK cases need hand-made segments:
 * they are the engine suites' job; 26's RST to a closed port is in
 * test_connect.)
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* A per-side transition log: "ESTABLISHED>FIN-WAIT-1 ...". */
struct side {
  char states[512];
  int time_waits, closed, established, fins, null_tcp;
  unsigned long long tw_ms;
  int last;
  struct sockaddr_storage local, peer; /* as on_established saw them */
};

static void on_state(void *arg, const sf_tcp_event_info_t *i) {
  struct side *s = arg;
  size_t n = strlen(s->states);
  /* 30: one change at a time, each starting where the last ended. */
  if (n)
    ck_assert_int_eq(i->old_state, s->last);
  s->last = i->new_state;
  snprintf(s->states + n, sizeof(s->states) - n, "%s%s>%s", n ? " " : "",
           sf_tcp_state_name(i->old_state), sf_tcp_state_name(i->new_state));
  if (!i->tcp)
    s->null_tcp++;
}
static void on_time_wait(void *arg, const sf_tcp_event_info_t *i) {
  struct side *s = arg;
  s->time_waits++;
  s->tw_ms = i->duration_ms;
}
static void on_closed(void *arg, const sf_tcp_event_info_t *i) {
  (void)i;
  ((struct side *)arg)->closed++;
}
static void on_established(void *arg, const sf_tcp_event_info_t *i) {
  struct side *s = arg;
  s->established++;
  s->local = i->local;
  s->peer = i->peer;
}
static void on_fin(void *arg, const sf_tcp_event_info_t *i) {
  (void)i;
  ((struct side *)arg)->fins++;
}

static const sf_tcp_hooks_t hooks = {
    .on_state = on_state,
    .on_time_wait = on_time_wait,
    .on_closed = on_closed,
    .on_established = on_established,
    .on_fin = on_fin,
};

static void shutdown_cb(sf_shutdown_t *req, int status) {
  (void)req;
  fx_log(fx_current, "shutdown:%s", status ? sf_err_name(status) : "0");
}

/* Client (A) with hooks a, server listener (B) with hooks b, connected. */
static void hooked_pair(struct fx *f, struct side *a, struct side *b,
                        const sf_loop_options_t *o, const sf_iface_config_t *ca) {
  memset(a, 0, sizeof(*a));
  memset(b, 0, sizeof(*b));
  sf_iface_config_t cb = {.address = FX_ADDR_B "/24"};
  fx_init_opts(f, o, ca, ca ? &cb : NULL);
  fx_listen(f);
  ck_assert_int_eq(sf_tcp_set_hooks(&f->server, &hooks, b), 0);
  struct sockaddr_in addr = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f->loop, &f->client), 0);
  ck_assert_int_eq(sf_tcp_set_hooks(&f->client, &hooks, a), 0);
  ck_assert_int_eq(sf_tcp_connect(&f->connect_req, &f->client,
                                  (struct sockaddr *)&addr, fx_connect_cb),
                   0);
  fx_run_until(f, &f->accepts);
  fx_run_until(f, &f->connected);
  f->log[0] = '\0';
}

/* 22 + 25 + 30: active close, the client's handle closed at once; its
 * TIME-WAIT record keeps reporting (tcp NULL), for 2 MSL. 23: passive
 * close on the server's side. */
START_TEST(test_active_and_passive_close) {
  struct fx f;
  struct side a, b;
  hooked_pair(&f, &a, &b, NULL, NULL);
  ck_assert_int_eq(a.established, 1);
  ck_assert_int_eq(b.established, 1);
  /* Each side's hooks see their own end as local, the other as peer. */
  struct sockaddr_in name;
  int len = sizeof(name);
  ck_assert_int_eq(
      sf_tcp_getsockname(&f.client, (struct sockaddr *)&name, &len), 0);
  uint32_t addr_a = ntohl(inet_addr(FX_ADDR_A));
  uint32_t addr_b = ntohl(inet_addr(FX_ADDR_B));
  sf_test_assert_in(&a.local, addr_a, ntohs(name.sin_port));
  sf_test_assert_in(&a.peer, addr_b, FX_PORT);
  sf_test_assert_in(&b.local, addr_b, FX_PORT);
  sf_test_assert_in(&b.peer, addr_a, ntohs(name.sin_port));
  sf_shutdown_t s;
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.client, shutdown_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_int_eq(b.fins, 1);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, fx_close_cb), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, fx_close_cb), 0);
  fx_run_for(&f, 400); /* past 2 MSL */
  ck_assert_str_eq(a.states, "CLOSED>SYN-SENT SYN-SENT>ESTABLISHED "
                             "ESTABLISHED>FIN-WAIT-1 FIN-WAIT-1>FIN-WAIT-2 "
                             "FIN-WAIT-2>TIME-WAIT TIME-WAIT>CLOSED");
  ck_assert_int_eq(a.time_waits, 1);
  ck_assert_uint_eq(a.tw_ms, 200); /* 2 * msl_ms */
  ck_assert_int_ge(a.null_tcp, 2); /* after the handle closed */
  ck_assert_int_eq(a.closed, 1);
  ck_assert_ptr_nonnull(strstr(b.states, "ESTABLISHED>CLOSE-WAIT "
                                         "CLOSE-WAIT>LAST-ACK "
                                         "LAST-ACK>CLOSED"));
  ck_assert_int_eq(b.time_waits, 0);
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_timewait_entered"), 1);
  fx_finish(&f);
}
END_TEST

/* 24: simultaneous close goes through CLOSING to TIME-WAIT. */
START_TEST(test_simultaneous_close) {
  struct fx f;
  struct side a, b;
  hooked_pair(&f, &a, &b, NULL, NULL);
  sf_shutdown_t s1, s2;
  ck_assert_int_eq(sf_shutdown(&s1, (sf_stream_t *)&f.client, shutdown_cb), 0);
  ck_assert_int_eq(sf_shutdown(&s2, (sf_stream_t *)&f.accepted, shutdown_cb),
                   0);
  while (!a.time_waits || !b.time_waits)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_ptr_nonnull(strstr(a.states, "ESTABLISHED>FIN-WAIT-1 "
                                         "FIN-WAIT-1>CLOSING "
                                         "CLOSING>TIME-WAIT"));
  ck_assert_ptr_nonnull(strstr(b.states, "ESTABLISHED>FIN-WAIT-1 "
                                         "FIN-WAIT-1>CLOSING "
                                         "CLOSING>TIME-WAIT"));
  fx_run_for(&f, 10);
  ck_assert_str_eq(f.log, "shutdown:0 shutdown:0");
  fx_finish(&f);
}
END_TEST

/* 24: simultaneous open: both sides bound, each connects to the other. */
START_TEST(test_simultaneous_open) {
  struct fx f;
  fx_init(&f);
  struct side a, b;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  sf_tcp_t other;
  sf_connect_t req2;
  struct sockaddr_in la = fx_addr(FX_ADDR_A, 7000), lb = fx_addr(FX_ADDR_B, 7001);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.client), 0);
  ck_assert_int_eq(sf_tcp_init(&f.loopb, &other), 0);
  ck_assert_int_eq(sf_tcp_bind(&f.client, (struct sockaddr *)&la, 0), 0);
  ck_assert_int_eq(sf_tcp_bind(&other, (struct sockaddr *)&lb, 0), 0);
  sf_tcp_set_hooks(&f.client, &hooks, &a);
  sf_tcp_set_hooks(&other, &hooks, &b);
  ck_assert_int_eq(sf_tcp_connect(&f.connect_req, &f.client,
                                  (struct sockaddr *)&lb, fx_connect_cb),
                   0);
  ck_assert_int_eq(
      sf_tcp_connect(&req2, &other, (struct sockaddr *)&la, fx_connect_cb), 0);
  while (!a.established || !b.established)
    sf_run(&f.loop, SF_RUN_ONCE);
  fx_run_for(&f, 10);
  ck_assert_str_eq(f.log, "connect:0 connect:0");
  ck_assert_str_eq(a.states, "CLOSED>SYN-SENT SYN-SENT>SYN-RECEIVED "
                             "SYN-RECEIVED>ESTABLISHED");
  ck_assert_str_eq(b.states, a.states);
  fx_finish(&f);
}
END_TEST

/* 25: at the TIME-WAIT limit the oldest record is recycled, counted. */
START_TEST(test_timewait_limit) {
  struct fx f;
  sf_loop_options_t o;
  fx_default_options(&o);
  o.timewait_max = 1;
  o.msl_ms = 5000;
  fx_init_opts(&f, &o, NULL, NULL);
  fx_listen(&f);
  for (int i = 0; i < 2; i++) {
    fx_connect(&f);
    ck_assert_int_eq(
        sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
    ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, NULL), 0);
    f.eof[1] = 0;
    fx_run_until(&f, &f.eof[1]);
    ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, NULL), 0);
    fx_run_for(&f, 30);
    f.connected = f.accepts = 0;
    f.log[0] = '\0';
  }
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_timewait_entered"), 2);
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_timewait_recycled"), 1);
  fx_finish(&f);
}
END_TEST

/* 28: retransmissions that run out: ETIMEDOUT once. */
START_TEST(test_retransmissions_run_out) {
  struct fx f;
  fx_pair(&f);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.client, fx_alloc_cb, fx_read_cb), 0);
  /* Host B disappears: its end of the link drops what A sends. */
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.ifb, NULL), 0);
  char c[100] = {0};
  sf_buf_t b = sf_buf_init(c, sizeof(c));
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &b, 1), 100);
  while (!f.rerr[0])
    sf_run(&f.loop, SF_RUN_ONCE);
  fx_run_for(&f, 50);
  ck_assert_str_eq(f.log, "read:client:ETIMEDOUT");
  ck_assert_uint_eq(sf_loop_counter(&f.loop, "tcp_conn_timeouts"), 1);
  ck_assert_int_eq(sf_tcp_state(&f.client), SF_TCP_CLOSED);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &b, 1), SF_ETIMEDOUT);
  fx_finish(&f);
}
END_TEST

/* 29: out-of-order, duplicated and lost segments are reassembled; the FIN
 * counts only after the data before it. */
START_TEST(test_reassembly_through_faults) {
  struct fx f;
  struct side a, b;
  uint64_t seed = sf_test_seed(29);
  sf_fault_config_t fc = {
      .seed = seed,
      .tx = {.reorder_ppm = 200000, .reorder_max_delay_ns = 3000000,
             .loss_ppm = 20000, .dup_ppm = 20000},
  };
  sf_iface_config_t ca = {.address = FX_ADDR_A "/24", .fault = &fc};
  hooked_pair(&f, &a, &b, NULL, &ca);
  enum { TOTAL = 60000 };
  static char data[TOTAL];
  for (size_t i = 0; i < TOTAL; i++)
    data[i] = (char)(i * 31 + 7);
  sf_buf_t buf = sf_buf_init(data, TOTAL);
  sf_write_t w = {0};
  sf_shutdown_t s;
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f.client, &buf, 1, NULL), 0);
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.client, shutdown_cb), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_uint_eq(f.rlen[1], TOTAL); /* all of it before EOF */
  ck_assert_int_eq(memcmp(f.rbuf[1], data, TOTAL), 0);
  ck_assert_int_eq(f.eof[1], 1);
  ck_assert_int_eq(b.fins, 1);
  sf_iface_stats_t st;
  ck_assert_int_eq(sf_iface_stats(&f.ifa, &st), 0);
  ck_assert_uint_gt(st.tx_frames, 40);
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------------------- drain (linger) */

enum { DRAIN_BYTES = 50000 };

/* The client (A) writes DRAIN_BYTES through a slow link (A's transmit
 * side at rate bytes/s) and closes its handle at once; the server (B)
 * reads, unreferenced, so only A's closed connection can hold sf_run.
 * Returns how long sf_run took (ms). */
static unsigned long long drain_run(struct fx *f, const sf_loop_options_t *o,
                                    unsigned long long rate) {
  static char data[DRAIN_BYTES];
  sf_fault_config_t fc = {.seed = 1, .tx = {.rate_bytes_per_sec = rate}};
  sf_iface_config_t ca = {.address = FX_ADDR_A "/24", .fault = &fc};
  sf_iface_config_t cb = {.address = FX_ADDR_B "/24"};
  fx_init_opts(f, o, &ca, &cb);
  fx_listen(f);
  fx_connect(f);
  sf_unref((sf_handle_t *)&f->server);
  sf_unref((sf_handle_t *)&f->accepted);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f->accepted, fx_alloc_cb, fx_read_cb), 0);
  sf_buf_t b = sf_buf_init(data, sizeof(data));
  sf_write_t w;
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&f->client, &b, 1, NULL), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f->client, fx_close_cb), 0);
  sf_update_time(&f->loop);
  unsigned long long t0 = sf_now(&f->loop);
  ck_assert_int_eq(sf_run(&f->loop, SF_RUN_DEFAULT), 0);
  sf_update_time(&f->loop);
  return sf_now(&f->loop) - t0;
}

/* The states of A's control blocks, "FIN-WAIT-2 ..." (listeners and
 * TIME-WAIT records included). */
static void note_state(const sf_tcp_walk_info_t *i, void *arg) {
  char *s = arg;
  size_t n = strlen(s);
  snprintf(s + n, 256 - n, "%s%s", n ? " " : "", sf_tcp_state_name(i->state));
}

static void loop_states(sf_loop_t *loop, char states[256]) {
  states[0] = '\0';
  ck_assert_int_eq(sf_tcp_walk(loop, note_state, states), 0);
}

/* Linger (the default): sf_run returns once the closed connection's data
 * and FIN are acknowledged, not before; FIN-WAIT-2 does not hold it. */
START_TEST(test_drain_waits_for_closed_connection) {
  struct fx f;
  char states[256];
  unsigned long long took = drain_run(&f, NULL, 500000); /* ~100 ms */
  ck_assert_uint_ge(took, 50);
  ck_assert_uint_eq(f.rlen[1], DRAIN_BYTES);
  ck_assert_int_eq(f.eof[1], 1);
  loop_states(&f.loop, states);
  ck_assert_str_eq(states, "FIN-WAIT-2");
  ck_assert_int_eq(sf_loop_alive(&f.loop), 0);
  fx_finish(&f);
}
END_TEST

/* Linger off: sf_run returns at once, the connection still sending (a
 * bound on the time would only measure the machine's load). */
START_TEST(test_drain_off_returns_at_once) {
  struct fx f;
  char states[256];
  sf_loop_options_t o;
  fx_default_options(&o);
  o.linger = 0;
  drain_run(&f, &o, 500000);
  ck_assert_uint_lt(f.rlen[1], DRAIN_BYTES);
  loop_states(&f.loop, states);
  ck_assert_str_eq(states, "FIN-WAIT-1");
  fx_finish(&f);
}
END_TEST

/* linger_max_ms bounds the wait. */
START_TEST(test_drain_bounded_by_linger_max) {
  struct fx f;
  char states[256];
  sf_loop_options_t o;
  fx_default_options(&o);
  o.linger_max_ms = 60;
  unsigned long long took = drain_run(&f, &o, 20000); /* ~2.5 s of data */
  ck_assert_uint_ge(took, 55);
  ck_assert_uint_lt(took, 2000);
  ck_assert_uint_lt(f.rlen[1], DRAIN_BYTES);
  loop_states(&f.loop, states);
  ck_assert_str_eq(states, "FIN-WAIT-1");
  /* Past its limit, the drain no longer holds the loop. */
  ck_assert_int_eq(sf_loop_alive(&f.loop), 0);
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------------------- loop-wide hooks */

/* The loop's hooks hear connections without hooks of their own, accepted
 * or connected; a handle's own hooks replace them wholesale; removing a
 * handle's hooks falls back to the loop's. */
START_TEST(test_loop_hooks) {
  struct fx f;
  struct side la, lb, own;
  memset(&la, 0, sizeof(la));
  memset(&lb, 0, sizeof(lb));
  memset(&own, 0, sizeof(own));
  fx_init(&f);
  ck_assert_int_eq(sf_loop_set_hooks(NULL, &hooks, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_loop_set_hooks(&f.loop, &hooks, &la), 0);
  ck_assert_int_eq(sf_loop_set_hooks(&f.loopb, &hooks, &lb), 0);
  fx_listen(&f);
  struct sockaddr_in addr = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f.loop, &f.client), 0);
  ck_assert_int_eq(sf_tcp_set_hooks(&f.client, &(sf_tcp_hooks_t){
                                                   .on_established =
                                                       on_established},
                                    &own),
                   0);
  ck_assert_int_eq(sf_tcp_connect(&f.connect_req, &f.client,
                                  (struct sockaddr *)&addr, fx_connect_cb),
                   0);
  fx_run_until(&f, &f.accepts);
  fx_run_until(&f, &f.connected);
  /* The accepted connection: the server's loop hooks, from its SYN. */
  ck_assert_int_eq(lb.established, 1);
  ck_assert_str_eq(lb.states, "LISTEN>SYN-RECEIVED "
                              "SYN-RECEIVED>ESTABLISHED");
  /* The client's own hooks (on_established only) replace the loop's. */
  ck_assert_int_eq(own.established, 1);
  ck_assert_int_eq(la.established, 0);
  ck_assert_str_eq(la.states, "");
  /* Without its own, the client reports to the loop's hooks. */
  ck_assert_int_eq(sf_tcp_set_hooks(&f.client, NULL, NULL), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, NULL), 0);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_str_eq(la.states, "ESTABLISHED>FIN-WAIT-1");
  ck_assert_int_eq(lb.fins, 1);
  /* Removed from the loop: nothing more is heard there. */
  ck_assert_int_eq(sf_loop_set_hooks(&f.loopb, NULL, NULL), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, NULL), 0);
  fx_run_for(&f, 30);
  ck_assert_ptr_null(strstr(lb.states, "LAST-ACK"));
  ck_assert_ptr_nonnull(strstr(la.states, "FIN-WAIT-2>TIME-WAIT"));
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------------------------ the table */

struct walked {
  int n, listeners, established, time_wait, with_handle;
  sf_tcp_walk_info_t tw;
};

static void count_walk(const sf_tcp_walk_info_t *i, void *arg) {
  struct walked *w = arg;
  w->n++;
  w->with_handle += i->handle;
  if (i->state == SF_TCP_LISTEN) {
    w->listeners++;
    sf_test_assert_in(&i->local, ntohl(inet_addr(FX_ADDR_B)), FX_PORT);
    sf_test_assert_in(&i->peer, INADDR_ANY, 0);
  } else if (i->state == SF_TCP_ESTABLISHED) {
    w->established++;
  } else if (i->state == SF_TCP_TIME_WAIT) {
    w->time_wait++;
    w->tw = *i;
  }
}

/* Every control block: listeners, connections, TIME-WAIT records; and
 * the same as `ss -tan` would print it. */
START_TEST(test_walk_and_table) {
  struct fx f;
  struct walked a = {0}, b = {0};
  fx_pair(&f);
  ck_assert_int_eq(sf_tcp_walk(NULL, count_walk, &a), SF_EINVAL);
  ck_assert_int_eq(sf_tcp_walk(&f.loop, NULL, &a), SF_EINVAL);
  char msg[] = "unread";
  sf_buf_t buf = sf_buf_init(msg, 6);
  ck_assert_int_eq(sf_try_write((sf_stream_t *)&f.client, &buf, 1), 6);
  fx_run_for(&f, 20);
  ck_assert_int_eq(sf_tcp_walk(&f.loopb, count_walk, &b), 0);
  ck_assert_int_eq(b.n, 2);
  ck_assert_int_eq(b.listeners, 1);
  ck_assert_int_eq(b.established, 1);
  ck_assert_int_eq(b.with_handle, 2);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(out);
  ck_assert_int_eq(sf_tcp_print_table(&f.loopb, out), 0);
  fclose(out);
  ck_assert_ptr_nonnull(strstr(text, "State      Recv-Q Send-Q"));
  ck_assert_ptr_nonnull(strstr(text, "LISTEN     0      16     "));
  ck_assert_ptr_nonnull(strstr(text, "198.18.0.2:5000"));
  ck_assert_ptr_nonnull(strstr(text, "0.0.0.0:*"));
  ck_assert_ptr_nonnull(strstr(text, "ESTAB      6      0      "));
  free(text);
  /* The client closes first: its TIME-WAIT record outlives the handle. */
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb, fx_read_cb), 0);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.client, NULL), 0);
  fx_run_until(&f, &f.eof[1]);
  ck_assert_int_eq(sf_close((sf_handle_t *)&f.accepted, NULL), 0);
  fx_run_for(&f, 30);
  ck_assert_int_eq(sf_tcp_walk(&f.loop, count_walk, &a), 0);
  ck_assert_int_eq(a.n, 1);
  ck_assert_int_eq(a.time_wait, 1);
  ck_assert_int_eq(a.with_handle, 0);
  sf_test_assert_in(&a.tw.peer, 0xc6120002u, FX_PORT); /* 198.18.0.2 */
  ck_assert_int_eq(a.tw.timer, SF_TCP_TIMER_TIMEWAIT);
  ck_assert_uint_le(a.tw.timer_ms, 200);
  ck_assert_uint_gt(a.tw.timer_ms, 100);
  out = open_memstream(&text, &len);
  ck_assert_int_eq(sf_tcp_print_table(&f.loop, out), 0);
  fclose(out);
  ck_assert_ptr_nonnull(strstr(text, "TIME-WAIT  0      0      "));
  ck_assert_ptr_nonnull(strstr(text, "timer:(timewait,"));
  free(text);
  ck_assert_int_eq(sf_tcp_print_table(&f.loop, NULL), SF_EINVAL);
  fx_finish(&f);
}
END_TEST

static Suite *lifecycle_suite(void) {
  Suite *s = suite_create("lifecycle");
  FX_ADD(s, test_active_and_passive_close);
  FX_ADD(s, test_simultaneous_close);
  FX_ADD(s, test_simultaneous_open);
  FX_ADD(s, test_timewait_limit);
  FX_ADD(s, test_retransmissions_run_out);
  FX_ADD(s, test_reassembly_through_faults);
  FX_ADD(s, test_drain_waits_for_closed_connection);
  FX_ADD(s, test_drain_off_returns_at_once);
  FX_ADD(s, test_drain_bounded_by_linger_max);
  FX_ADD(s, test_loop_hooks);
  FX_ADD(s, test_walk_and_table);
  return s;
}

SF_TEST_MAIN(lifecycle_suite)
