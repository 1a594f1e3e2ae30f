/*
 * The randomized two-engine simulation (sim.h) over a few hundred seeds.
 * SF_TEST_SEED=N replays one seed; SF_SIM_SEEDS=N changes how many run.
 * The long soak is `tests/tcp/soak FIRST COUNT`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "sim.h"

START_TEST(seeds_deliver_every_byte_once) {
  struct sim_params p;
  sim_defaults(&p);
  const char *one = getenv("SF_TEST_SEED");
  const char *count_env = getenv("SF_SIM_SEEDS");
  uint64_t first = one ? strtoull(one, NULL, 0) : 1;
  unsigned count = one ? 1 : (count_env ? (unsigned)atoi(count_env) : 300);
  uint64_t bytes = 0, retrans = 0;
  unsigned conns = 0;
  for (unsigned i = 0; i < count; i++) {
    struct sim_result r;
    sim_run(first + i, &p, &r);
    ck_assert_msg(r.ok, "seed %llu failed: %s (replay: SF_TEST_SEED=%llu)",
                  (unsigned long long)(first + i), r.why,
                  (unsigned long long)(first + i));
    bytes += r.bytes;
    retrans += r.retrans;
    conns += r.conns;
  }
  fprintf(stderr, "sim: %u seeds, %u connections, %llu bytes verified, "
                  "%llu retransmissions\n",
          count, conns, (unsigned long long)bytes,
          (unsigned long long)retrans);
}
END_TEST

static Suite *sim_suite(void) {
  Suite *s = suite_create("tcp_sim");
  TCase *tc = tcase_create("sim");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, seeds_deliver_every_byte_once);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(sim_suite)
