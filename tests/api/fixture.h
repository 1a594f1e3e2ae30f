/*
 * A fixture for the public-API suites: two "hosts", each a loop (a stack)
 * with one interface (A = 198.18.0.1 on f->loop, B = 198.18.0.2 on
 * f->loopb), joined by the in-memory link; loopb borrows f->loop's libev
 * loop, so running f->loop drives both. Short timeouts, a guard timer that fails the test after 15 s of
 * wall time, and an event log: callbacks append "name:status" words so a
 * test asserts order and status with one string comparison.
 *
 * Teardown (fx_finish) closes every handle still open, runs the loop and
 * asserts sf_loop_close() == 0, so every test proves it leaks nothing
 * (the sanitizer build checks the memory) and that no state change broke
 * RFC 9293's diagram.
 *
 * Everything here is static inline so each suite uses what it needs.
 */
#ifndef SF_TESTS_API_FIXTURE_H
#define SF_TESTS_API_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "synfin.h"

#define FX_ADDR_A "198.18.0.1"
#define FX_ADDR_B "198.18.0.2"
#define FX_PORT 5000
#define FX_GUARD_MS 15000

struct fx {
  sf_loop_t loop;  /* host A: the client */
  sf_loop_t loopb; /* host B: the server, on the same libev loop */
  sf_iface_t ifa, ifb;
  sf_timer_t guard;
  sf_tcp_t server, client, accepted;
  sf_connect_t connect_req;
  int connected;   /* connect_cb fired */
  int accepts;     /* connections accepted by the default connection_cb */
  int closes;      /* close callbacks */
  char log[4096];
  /* Reading: everything read per handle. */
  char rbuf[2][1 << 16];
  size_t rlen[2];
  char chunk[2][1 << 16];
  int eof[2];
  int rerr[2];
};

static struct fx *fx_current;

static inline void fx_log(struct fx *f, const char *fmt, ...) {
  char w[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w, sizeof(w), fmt, ap);
  va_end(ap);
  size_t n = strlen(f->log);
  snprintf(f->log + n, sizeof(f->log) - n, "%s%s", n ? " " : "", w);
}

static inline void fx_guard_cb(sf_timer_t *t) {
  (void)t;
  ck_abort_msg("test timed out after %d ms; log: %s", FX_GUARD_MS,
               fx_current ? fx_current->log : "");
}

static inline void fx_default_options(sf_loop_options_t *o) {
  sf_loop_options_default(o);
  o->msl_ms = 100; /* TIME-WAIT: 200 ms */
  o->rto_initial_ms = 100;
  o->rto_min_ms = 20;
  o->rto_max_ms = 400;
  o->syn_retries = 2;
  o->synack_retries = 2;
  o->data_retries = 3;
  o->delack_ms = 5;
  o->arp_retries = 2;
  o->arp_retry_interval_ms = 50;
  o->fin_wait2_timeout_ms = 1000;
  o->secret_seed = 42;
}

/* Loop, two interfaces, guard. opts NULL: fx_default_options. */
static inline void fx_init_opts(struct fx *f, const sf_loop_options_t *opts,
                                const sf_iface_config_t *ca,
                                const sf_iface_config_t *cb) {
  memset(f, 0, sizeof(*f));
  fx_current = f;
  sf_loop_options_t o;
  if (!opts) {
    fx_default_options(&o);
    opts = &o;
  }
  ck_assert_int_eq(sf_loop_init_ex(&f->loop, NULL, opts), 0);
  ck_assert_int_eq(sf_loop_init_ex(&f->loopb, sf_loop_backend(&f->loop), opts),
                   0);
  sf_iface_config_t a = {.address = FX_ADDR_A "/24"};
  sf_iface_config_t b = {.address = FX_ADDR_B "/24"};
  ck_assert_int_eq(sf_iface_open_memory_pair(&f->loop, &f->ifa, ca ? ca : &a,
                                             &f->loopb, &f->ifb,
                                             cb ? cb : &b),
                   0);
  ck_assert_int_eq(sf_timer_init(&f->loop, &f->guard), 0);
  ck_assert_int_eq(sf_timer_start(&f->guard, fx_guard_cb, FX_GUARD_MS, 0), 0);
  sf_unref((sf_handle_t *)&f->guard);
}

static inline void fx_init(struct fx *f) { fx_init_opts(f, NULL, NULL, NULL); }

static inline void fx_close_walk(sf_handle_t *h, void *arg) {
  (void)arg;
  if (!sf_is_closing(h))
    sf_close(h, NULL);
}

/* Closes everything, runs the loop dry, and the loop must close. */
static inline void fx_finish(struct fx *f) {
  sf_walk(&f->loop, fx_close_walk, NULL);
  sf_walk(&f->loopb, fx_close_walk, NULL);
  ck_assert_int_eq(sf_run(&f->loop, SF_RUN_DEFAULT), 0);
  ck_assert_int_eq(sf_loop_alive(&f->loopb), 0);
  /* every state change followed RFC 9293 (lib/tcp/state.c) */
  ck_assert_uint_eq(sf_loop_counter(&f->loop, "tcp_illegal_transitions"), 0);
  ck_assert_uint_eq(sf_loop_counter(&f->loopb, "tcp_illegal_transitions"), 0);
  /* B borrows A's libev loop: B closes first. */
  ck_assert_int_eq(sf_loop_close(&f->loopb), 0);
  ck_assert_int_eq(sf_loop_close(&f->loop), 0);
  fx_current = NULL;
}

/* Runs rounds until *flag becomes non-zero (the guard bounds it). */
static inline void fx_run_until(struct fx *f, const int *flag) {
  while (!*flag)
    sf_run(&f->loop, SF_RUN_ONCE);
}

/* Runs for ms of wall time (a timer wakes the loop). */
static inline void fx_sleep_cb(sf_timer_t *t) { *(int *)t->data = 1; }
static inline void fx_run_for(struct fx *f, unsigned ms) {
  sf_timer_t t;
  int done = 0;
  ck_assert_int_eq(sf_timer_init(&f->loop, &t), 0);
  t.data = &done;
  ck_assert_int_eq(sf_timer_start(&t, fx_sleep_cb, ms, 0), 0);
  fx_run_until(f, &done);
  sf_close((sf_handle_t *)&t, NULL);
  sf_run(&f->loop, SF_RUN_NOWAIT); /* t's close_cb before t goes away */
}

static inline struct sockaddr_in fx_addr(const char *ip, int port) {
  struct sockaddr_in a;
  ck_assert_int_eq(sf_ip4_addr(ip, port, &a), 0);
  return a;
}

/* ------------------------------------------------------------ callbacks */

static inline int fx_which(const sf_handle_t *h) {
  return h == (sf_handle_t *)&fx_current->client ? 0 : 1;
}
static inline const char *fx_name(sf_handle_t *h) {
  struct fx *f = fx_current;
  if (h == (sf_handle_t *)&f->client)
    return "client";
  if (h == (sf_handle_t *)&f->server)
    return "server";
  if (h == (sf_handle_t *)&f->accepted)
    return "accepted";
  return "other";
}

static inline void fx_close_cb(sf_handle_t *h) {
  fx_current->closes++;
  fx_log(fx_current, "close:%s", fx_name(h));
}

static inline void fx_connect_cb(sf_connect_t *req, int status) {
  (void)req;
  fx_current->connected = 1;
  fx_log(fx_current, "connect:%s", status ? sf_err_name(status) : "0");
}

static inline void fx_connection_cb(sf_tcp_t *server, int status) {
  struct fx *f = fx_current;
  ck_assert_int_eq(status, 0);
  ck_assert_int_eq(sf_tcp_init(server->loop, &f->accepted), 0);
  ck_assert_int_eq(sf_accept(server, &f->accepted), 0);
  f->accepts++;
}

static inline void fx_alloc_cb(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  int i = fx_which(h);
  *buf = sf_buf_init(fx_current->chunk[i], sizeof(fx_current->chunk[i]));
}

static inline void fx_read_cb(sf_stream_t *stream, ssize_t n,
                              const sf_buf_t *buf) {
  struct fx *f = fx_current;
  int i = fx_which((sf_handle_t *)stream);
  if (n > 0) {
    ck_assert_uint_le(f->rlen[i] + (size_t)n, sizeof(f->rbuf[i]));
    memcpy(f->rbuf[i] + f->rlen[i], buf->base, (size_t)n);
    f->rlen[i] += (size_t)n;
  } else if (n == SF_EOF) {
    f->eof[i]++;
    fx_log(f, "eof:%s", fx_name((sf_handle_t *)stream));
  } else if (n < 0) {
    f->rerr[i] = (int)n;
    fx_log(f, "read:%s:%s", fx_name((sf_handle_t *)stream),
           sf_err_name((int)n));
  }
}

/* Server listening on B:FX_PORT. */
static inline void fx_listen(struct fx *f) {
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f->loopb, &f->server), 0);
  ck_assert_int_eq(sf_tcp_bind(&f->server, (struct sockaddr *)&b, 0), 0);
  ck_assert_int_eq(sf_listen(&f->server, 16, fx_connection_cb), 0);
}

/* client (A) connected to the server (B) and accepted. */
static inline void fx_connect(struct fx *f) {
  struct sockaddr_in b = fx_addr(FX_ADDR_B, FX_PORT);
  ck_assert_int_eq(sf_tcp_init(&f->loop, &f->client), 0);
  ck_assert_int_eq(sf_tcp_connect(&f->connect_req, &f->client,
                                  (struct sockaddr *)&b, fx_connect_cb),
                   0);
  fx_run_until(f, &f->connected);
  fx_run_until(f, &f->accepts);
  ck_assert_str_eq(f->log, "connect:0");
  f->log[0] = '\0';
}

static inline void fx_pair(struct fx *f) {
  fx_init(f);
  fx_listen(f);
  fx_connect(f);
}

/* One TCase per test, named after it, so CK_RUN_CASE=name runs one. */
#define FX_ADD(suite, fn)                                                    \
  do {                                                                       \
    TCase *tc_ = tcase_create(#fn);                                          \
    tcase_set_timeout(tc_, 20);                                              \
    tcase_add_test(tc_, fn);                                                 \
    suite_add_tcase(suite, tc_);                                             \
  } while (0)

#endif /* SF_TESTS_API_FIXTURE_H */
