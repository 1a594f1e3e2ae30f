/*
 * The state setter's table (lib/tcp/state.c) against the transitions
 * RFC 9293 allows, written out here a second time from the RFC: every
 * one of them passes uncounted, every other change of state is counted
 * as illegal.
 */
#include "config.h"

#include <stdbool.h>

#include "harness.h"
#include "tcp/tcb.h"
#include "tcp_harness.h"

struct edge {
  int from, to;
};

/* 3.3.2 figure 5, minus SYN-RECEIVED -> LISTEN (a listener's child is a
 * tcb of its own: it ends in CLOSED) ... */
static const struct edge figure[] = {
    {SF_TCP_CLOSED, SF_TCP_LISTEN},
    {SF_TCP_CLOSED, SF_TCP_SYN_SENT},
    {SF_TCP_LISTEN, SF_TCP_SYN_RECEIVED},
    {SF_TCP_LISTEN, SF_TCP_SYN_SENT},
    {SF_TCP_LISTEN, SF_TCP_CLOSED},
    {SF_TCP_SYN_SENT, SF_TCP_SYN_RECEIVED},
    {SF_TCP_SYN_SENT, SF_TCP_ESTABLISHED},
    {SF_TCP_SYN_SENT, SF_TCP_CLOSED},
    {SF_TCP_SYN_RECEIVED, SF_TCP_ESTABLISHED},
    {SF_TCP_SYN_RECEIVED, SF_TCP_FIN_WAIT_1},
    {SF_TCP_ESTABLISHED, SF_TCP_FIN_WAIT_1},
    {SF_TCP_ESTABLISHED, SF_TCP_CLOSE_WAIT},
    {SF_TCP_FIN_WAIT_1, SF_TCP_FIN_WAIT_2},
    {SF_TCP_FIN_WAIT_1, SF_TCP_CLOSING},
    {SF_TCP_FIN_WAIT_2, SF_TCP_TIME_WAIT},
    {SF_TCP_CLOSE_WAIT, SF_TCP_LAST_ACK},
    {SF_TCP_CLOSING, SF_TCP_TIME_WAIT},
    {SF_TCP_LAST_ACK, SF_TCP_CLOSED},
    {SF_TCP_TIME_WAIT, SF_TCP_CLOSED},
};

/* ... and the RFC's text: the eighth step of 3.10.7.4 (a FIN), and the
 * RSTs, ABORT, timeouts and ICMP hard errors that end any connection. */
static const struct edge text[] = {
    {SF_TCP_SYN_RECEIVED, SF_TCP_CLOSE_WAIT},
    {SF_TCP_FIN_WAIT_1, SF_TCP_TIME_WAIT},
    {SF_TCP_SYN_RECEIVED, SF_TCP_CLOSED},
    {SF_TCP_ESTABLISHED, SF_TCP_CLOSED},
    {SF_TCP_FIN_WAIT_1, SF_TCP_CLOSED},
    {SF_TCP_FIN_WAIT_2, SF_TCP_CLOSED},
    {SF_TCP_CLOSE_WAIT, SF_TCP_CLOSED},
    {SF_TCP_CLOSING, SF_TCP_CLOSED},
};

static bool listed(const struct edge *list, size_t n, int from, int to) {
  for (size_t i = 0; i < n; i++)
    if (list[i].from == from && list[i].to == to)
      return true;
  return false;
}

static bool rfc_allows(int from, int to) {
  return listed(figure, sizeof figure / sizeof figure[0], from, to) ||
         listed(text, sizeof text / sizeof text[0], from, to);
}

/* Moves t from one state to another through the setter; returns how much
 * the illegal-transition counter rose. */
static uint64_t counted(struct th *h, struct sf_tcb *t, int from, int to) {
  uint64_t before = th_counter(h, "tcp_illegal_transitions");
  t->state = from; /* the test puts t anywhere; only the setter judges */
  sf__tcp_set_state(t, to);
  return th_counter(h, "tcp_illegal_transitions") - before;
}

START_TEST(every_rfc_transition_is_legal) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, 80, NULL);
  for (int from = 0; from < SF_TCP_STATE_COUNT; from++)
    for (int to = 0; to < SF_TCP_STATE_COUNT; to++)
      if (from != to && rfc_allows(from, to))
        SF_CHECK(counted(&h, t, from, to) == 0, "%s -> %s counted",
                 sf_tcp_state_name(from), sf_tcp_state_name(to));
  t->state = SF_TCP_SYN_SENT;
  th_finish(&h, t);
}
END_TEST

START_TEST(every_other_transition_is_counted) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, 80, NULL);
  unsigned illegal = 0;
  for (int from = 0; from < SF_TCP_STATE_COUNT; from++)
    for (int to = 0; to < SF_TCP_STATE_COUNT; to++)
      if (from != to && !rfc_allows(from, to)) {
        SF_CHECK(counted(&h, t, from, to) == 1, "%s -> %s not counted",
                 sf_tcp_state_name(from), sf_tcp_state_name(to));
        illegal++;
      }
  ck_assert_uint_eq(illegal, 11 * 10 - 27);
  /* the harness fails any test that leaves the counter above 0 */
  sf__engine_tcp(h.e)->c.tcp_illegal_transitions = 0;
  t->state = SF_TCP_SYN_SENT;
  th_finish(&h, t);
}
END_TEST

START_TEST(staying_put_is_no_transition) {
  struct th h;
  th_init(&h, NULL);
  struct sf_tcb *t = th_connect(&h, 80, NULL);
  unsigned events = th_count(&h, SF_TEV_STATE);
  for (int s = 0; s < SF_TCP_STATE_COUNT; s++)
    ck_assert_uint_eq(counted(&h, t, s, s), 0);
  ck_assert_uint_eq(th_count(&h, SF_TEV_STATE), events);
  t->state = SF_TCP_SYN_SENT;
  th_finish(&h, t);
}
END_TEST

static Suite *state_suite(void) {
  Suite *s = suite_create("tcp_state");
  TCase *tc = tcase_create("transitions");
  tcase_add_test(tc, every_rfc_transition_is_legal);
  tcase_add_test(tc, every_other_transition_is_counted);
  tcase_add_test(tc, staying_put_is_no_transition);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(state_suite)
