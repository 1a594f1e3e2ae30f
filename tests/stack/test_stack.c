/*
 * The composition root (lib/stack): which configurations it refuses, the
 * congestion control name it keeps, and the joint counter table of the
 * IP layer and TCP, listed and looked up by name, and that datagrams to
 * the engine's own address keep it turning. What else flows through the
 * entry points is the business of the TCP and IP suites.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "stack/stack.h"
#include "wire/tcp.h"

static struct sf_engine *new_stack(const struct sf_engine_config *cfg) {
  struct sf_engine *e = NULL;
  ck_assert_int_eq(sf__engine_new(cfg, NULL, 0, &e), 0);
  ck_assert_ptr_nonnull(e);
  return e;
}

static struct sf_engine *new_default_stack(void) {
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  cfg.secret_seed = 1;
  return new_stack(&cfg);
}

START_TEST(test_default_config_runs_idle) {
  struct sf_engine *e = new_default_stack();
  ck_assert_ptr_nonnull(sf__engine_ip(e));
  ck_assert_ptr_nonnull(sf__engine_tcp(e));
  ck_assert_uint_eq(sf__engine_next_deadline(e), SF_TIME_NEVER);
  sf__engine_poll(e, SF_NSEC_PER_SEC);
  ck_assert_uint_eq(sf__engine_tcb_count(e), 0);
  ck_assert_uint_eq(sf__engine_timewait_count(e), 0);
  sf__engine_free(e);
}
END_TEST

static void rcvbuf_beyond_scaling(struct sf_engine_config *c) {
  c->rcvbuf = ((size_t)0xffff << SF_TCP_MAX_WSCALE) + 1;
}
static void no_sndbuf(struct sf_engine_config *c) { c->sndbuf = 0; }
static void no_rto_min(struct sf_engine_config *c) { c->rto_min = 0; }
static void rto_min_above_max(struct sf_engine_config *c) {
  c->rto_min = c->rto_max + 1;
}
static void delack_too_long(struct sf_engine_config *c) {
  c->delack_timeout = 200 * SF_NSEC_PER_MSEC + 1;
}
static void port_range_inverted(struct sf_engine_config *c) {
  c->port_lo = (uint16_t)(c->port_hi - 1);
  c->port_hi = (uint16_t)(c->port_lo - 1);
}
static void port_zero(struct sf_engine_config *c) { c->port_lo = 0; }
static void mss_too_small(struct sf_engine_config *c) { c->mss_default = 63; }
static void no_backlog(struct sf_engine_config *c) { c->backlog_max = 0; }
static void unknown_congestion(struct sf_engine_config *c) {
  c->congestion = "vegas";
}

static void (*const invalid[])(struct sf_engine_config *) = {
    rcvbuf_beyond_scaling, no_sndbuf,           no_rto_min,
    rto_min_above_max,     delack_too_long,     port_range_inverted,
    port_zero,             mss_too_small,       no_backlog,
    unknown_congestion};

START_TEST(test_invalid_config_refused) {
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  invalid[_i](&cfg);
  struct sf_engine *e = NULL;
  ck_assert_int_eq(sf__engine_new(&cfg, NULL, 0, &e), SF_EINVAL);
  ck_assert_ptr_null(e);
}
END_TEST

START_TEST(test_no_config_refused) {
  struct sf_engine *e = NULL;
  ck_assert_int_eq(sf__engine_new(NULL, NULL, 0, &e), SF_EINVAL);
  ck_assert_ptr_null(e);
}
END_TEST

/* The caller's string may be gone once the stack exists. */
START_TEST(test_congestion_name_kept) {
  struct sf_engine_config cfg;
  sf__engine_config_default(&cfg);
  char name[] = "cubic";
  cfg.congestion = name;
  struct sf_engine *e = new_stack(&cfg);
  memset(name, 0, sizeof name);
  ck_assert_str_eq(sf__engine_config(e)->congestion, "cubic");
  ck_assert_ptr_ne(sf__engine_config(e)->congestion, name);
  sf__engine_free(e);
}
END_TEST

START_TEST(test_counters_listed_and_found) {
  struct sf_engine *e = new_default_stack();
  size_t n = sf__engine_counters(e, NULL, 0);
  ck_assert_uint_gt(n, 0);
  struct sf_counter *cs = calloc(n, sizeof(*cs));
  ck_assert_ptr_nonnull(cs);
  ck_assert_uint_eq(sf__engine_counters(e, cs, n), n);
  for (size_t i = 0; i < n; i++) {
    ck_assert_ptr_nonnull(cs[i].name);
    ck_assert_uint_gt(strlen(cs[i].description), 0);
    for (size_t k = 0; k < i; k++)
      ck_assert_str_ne(cs[k].name, cs[i].name);
    ck_assert_uint_eq(sf__engine_counter(e, cs[i].name), cs[i].value);
  }
  /* both layers' tables, under their own names */
  ck_assert_uint_eq(sf__engine_counter(e, "ip_in_frames"), 0);
  ck_assert_uint_eq(sf__engine_counter(e, "arp_in"), 0);
  ck_assert_uint_eq(sf__engine_counter(e, "tcp_in_segs"), 0);
  ck_assert_uint_eq(sf__engine_counter(e, "no_such_counter"), UINT64_MAX);
  free(cs);
  sf__engine_free(e);
}
END_TEST

START_TEST(test_counters_truncated_to_max) {
  struct sf_engine *e = new_default_stack();
  struct sf_counter cs[2];
  memset(cs, 0, sizeof cs);
  size_t n = sf__engine_counters(e, cs, 1);
  ck_assert_uint_gt(n, 1);
  ck_assert_ptr_nonnull(cs[0].name);
  ck_assert_ptr_null(cs[1].name);
  sf__engine_free(e);
}
END_TEST

/* A frame through the stack's input shows in the IP layer's counters. */
START_TEST(test_counters_follow_input) {
  struct sf_engine *e = new_default_stack();
  struct sf_netif_config nc = {.mac = {2, 0, 0, 0, 0, 1},
                               .addr = sf_addr_v4(0xc6120001),
                               .prefix_len = 24,
                               .mtu = 1500};
  int netif = sf__engine_netif_add(e, &nc);
  ck_assert_int_ge(netif, 0);
  const uint8_t runt[3] = {0};
  sf__engine_input(e, (unsigned)netif, runt, sizeof runt, 0, 0);
  ck_assert_uint_eq(sf__engine_counter(e, "ip_in_frames"), 1);
  ck_assert_uint_eq(sf__engine_counter(e, "ip_in_bad_eth"), 1);
  ck_assert_uint_eq(sf__engine_counter(e, "tcp_in_segs"), 0);
  sf__engine_free(e);
}
END_TEST

/* The engine's own address: the handshake goes through the IP layer's
 * loopback queue, which keeps the engine's deadline at "now" until it is
 * empty; no frame reaches the interface. */
START_TEST(test_connect_to_own_address_by_polls) {
  struct sf_engine *e = new_default_stack();
  struct sf_netif_config nc = {.mac = {2, 0, 0, 0, 0, 1},
                               .addr = sf_addr_v4(0xc6120001),
                               .prefix_len = 24,
                               .mtu = 1500};
  int netif = sf__engine_netif_add(e, &nc);
  ck_assert_int_ge(netif, 0);
  struct sf_tcp *tcp = sf__engine_tcp(e);
  struct sf_listener *l;
  struct sf_tcb *t;
  sf__tcp_enter(tcp, 0);
  ck_assert_int_eq(sf__tcp_listen(tcp, nc.addr, 80, 4, NULL, &l), 0);
  ck_assert_int_eq(
      sf__tcp_connect(tcp, sf_addr_v4(0), 0, nc.addr, 80, NULL, NULL, 0, &t),
      0);
  sf__tcp_leave(tcp);
  ck_assert_uint_eq(sf__engine_next_deadline(e), 0);
  unsigned polls = 0;
  while (sf__engine_next_deadline(e) == 0 && polls < 10) {
    sf__engine_poll(e, polls);
    sf__engine_end_turn(e, polls);
    polls++;
  }
  ck_assert_uint_eq(polls, 3); /* SYN, SYN-ACK, ACK */
  ck_assert_uint_eq(sf__tcp_listener_pending(l), 1);
  ck_assert_uint_eq(sf__engine_counter(e, "ip_out_local"), 3);
  ck_assert_uint_eq(sf__engine_counter(e, "ip_in_local"), 3);
  ck_assert_uint_eq(sf__engine_counter(e, "ip_in_frames"), 0);
  ck_assert_uint_eq(sf__engine_counter(e, "arp_requests_sent"), 0);
  struct sf_frame fr[1];
  ck_assert_uint_eq(sf__engine_tx_take(e, (unsigned)netif, fr, 1), 0);
  sf__engine_free(e);
}
END_TEST

static Suite *stack_suite(void) {
  Suite *s = suite_create("stack");
  TCase *tc = tcase_create("config");
  tcase_add_test(tc, test_default_config_runs_idle);
  tcase_add_loop_test(tc, test_invalid_config_refused, 0,
                      (int)(sizeof invalid / sizeof invalid[0]));
  tcase_add_test(tc, test_no_config_refused);
  tcase_add_test(tc, test_congestion_name_kept);
  suite_add_tcase(s, tc);
  tc = tcase_create("counters");
  tcase_add_test(tc, test_counters_listed_and_found);
  tcase_add_test(tc, test_counters_truncated_to_max);
  tcase_add_test(tc, test_counters_follow_input);
  suite_add_tcase(s, tc);
  tc = tcase_create("local");
  tcase_add_test(tc, test_connect_to_own_address_by_polls);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(stack_suite)
