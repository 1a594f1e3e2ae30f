/*
 * What a short connection costs once the loops are warm: connections one
 * after the other over the in-memory link (fixture.h), each a connect, a
 * 64-byte request, a 64-byte response and a close from both sides, as a
 * server sees them. After the first few, a connection must take nothing
 * from the allocator (control blocks, RACK's records, the rings' first
 * buffers and the handles' internals are reused), and the loops must not
 * restart their deadline timer after every batch of work (as they did:
 * about 26 times a connection). The engine's timers and frames per
 * connection are bench_tcp's to print; here they are only bounded.
 */
#include "config.h"

#include <string.h>

#include "api/handle.h"
#include "fixture.h"
#include "loop/loop.h"
#include "util/alloc.h"

#define CONNS 50u
#define WARM 10u /* connections before the counting starts */
#define MSG 64

struct cost {
  unsigned long allocs;
  unsigned long long loop_arms, timers_armed, frames;
};

struct run {
  struct fx f;
  sf_write_t req, resp;
  char got[2][2 * MSG]; /* what the client and the server read */
  size_t len[2];
  unsigned closed; /* this connection's handles closed */
  unsigned done;
  struct cost warm;
};

static struct run *cur;
static const char request[MSG] = "request", response[MSG] = "response";

static void mark(struct cost *c) {
  struct fx *f = &cur->f;
  c->allocs = sf__alloc_count();
  c->loop_arms = sf__reactor_deadline_arms(f->loop.impl_->reactor) +
                 sf__reactor_deadline_arms(f->loopb.impl_->reactor);
  c->timers_armed = sf_loop_counter(&f->loop, "tcp_timers_armed") +
                    sf_loop_counter(&f->loopb, "tcp_timers_armed");
  c->frames = sf_loop_counter(&f->loop, "ip_out_packets") +
              sf_loop_counter(&f->loopb, "ip_out_packets");
}

static void start(void);

static void closed(sf_handle_t *h) {
  (void)h;
  if (++cur->closed < 2)
    return;
  ck_assert_mem_eq(cur->got[0], response, MSG);
  ck_assert_mem_eq(cur->got[1], request, MSG);
  if (++cur->done == WARM)
    mark(&cur->warm);
  if (cur->done < CONNS)
    start();
  else
    sf_close((sf_handle_t *)&cur->f.server, NULL);
}

static void alloc_cb(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  int i = h == (sf_handle_t *)&cur->f.client ? 0 : 1;
  *buf = sf_buf_init(cur->got[i] + cur->len[i],
                     sizeof(cur->got[i]) - cur->len[i]);
}

static void send_msg(sf_write_t *req, sf_tcp_t *tcp, const char *msg) {
  sf_buf_t b = sf_buf_init((char *)msg, MSG);
  ck_assert_int_eq(sf_write(req, (sf_stream_t *)tcp, &b, 1, NULL), 0);
}

static void client_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  (void)buf;
  ck_assert_int_gt(n, 0);
  if ((cur->len[0] += (size_t)n) >= MSG)
    ck_assert_int_eq(sf_close((sf_handle_t *)s, closed), 0);
}

static void server_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  (void)buf;
  if (n == SF_EOF) {
    ck_assert_uint_eq(cur->len[1], MSG);
    ck_assert_int_eq(sf_close((sf_handle_t *)s, closed), 0);
    return;
  }
  ck_assert_int_gt(n, 0);
  if ((cur->len[1] += (size_t)n) >= MSG)
    send_msg(&cur->resp, &cur->f.accepted, response);
}

static void connected(sf_connect_t *req, int status) {
  (void)req;
  ck_assert_int_eq(status, 0);
  sf_stream_t *s = (sf_stream_t *)&cur->f.client;
  ck_assert_int_eq(sf_read_start(s, alloc_cb, client_read), 0);
  send_msg(&cur->req, &cur->f.client, request);
}

static void connection(sf_tcp_t *server, int status) {
  struct fx *f = &cur->f;
  ck_assert_int_eq(status, 0);
  ck_assert_int_eq(sf_tcp_init(server->loop, &f->accepted), 0);
  ck_assert_int_eq(sf_accept(server, &f->accepted), 0);
  ck_assert_int_eq(
      sf_read_start((sf_stream_t *)&f->accepted, alloc_cb, server_read), 0);
}

static void start(void) {
  struct fx *f = &cur->f;
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  cur->closed = 0;
  cur->len[0] = cur->len[1] = 0;
  memset(cur->got, 0, sizeof(cur->got));
  ck_assert_int_eq(sf_tcp_init(&f->loop, &f->client), 0);
  ck_assert_int_eq(sf_tcp_connect(&f->connect_req, &f->client,
                                  (struct sockaddr *)&b, connected),
                   0);
}

START_TEST(test_warm_connections_cost) {
  static struct run r;
  memset(&r, 0, sizeof(r));
  cur = &r;
  /* The fixture's 20 ms minimum RTO is shorter than the time a loaded
   * machine may keep this process off its CPU, and every retransmission
   * would count as cost: here no segment is lost, so no timer should come
   * due. */
  sf_loop_options_t o;
  fx_default_options(&o);
  o.rto_initial_ms = o.rto_min_ms = 1000;
  o.rto_max_ms = 4000;
  fx_init_opts(&r.f, &o, NULL, NULL);
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&r.f.loopb, &r.f.server), 0);
  ck_assert_int_eq(sf_tcp_bind(&r.f.server, (struct sockaddr *)&b, 0), 0);
  ck_assert_int_eq(sf_listen(&r.f.server, 16, connection), 0);
  start();
  while (r.done < CONNS)
    sf_run(&r.f.loop, SF_RUN_ONCE);
  struct cost end;
  mark(&end);
  unsigned n = CONNS - WARM;
  /* Nothing allocated per connection; a table may grow once. */
  ck_assert_uint_le(end.allocs - r.warm.allocs, 2);
  /* Restarted only when due earlier, not after every batch of work. */
  ck_assert_uint_lt(end.loop_arms - r.warm.loop_arms, n);
  /* Bounds, not figures: a handshake, a request, a response and two FINs,
   * with their ACKs, each side's retransmission timer for each. */
  ck_assert_uint_ge(end.frames - r.warm.frames, 7ull * n);
  ck_assert_uint_le(end.frames - r.warm.frames, 10ull * n);
  ck_assert_uint_le(end.timers_armed - r.warm.timers_armed, 12ull * n);
  fx_finish(&r.f);
}
END_TEST

static Suite *conn_cost_suite(void) {
  Suite *s = suite_create("conn_cost");
  FX_ADD(s, test_warm_connections_cost);
  return s;
}

SF_TEST_MAIN(conn_cost_suite)
