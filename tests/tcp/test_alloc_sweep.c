/*
 * Allocation failure, swept: the two-engine simulation (sim.h: connect,
 * transfer both ways, half-closes, TIME-WAIT) is run once to count the
 * allocations K that go through lib/util/alloc.h, then once for every N
 * in 1..K with the Nth allocation failing. Every run must end within the
 * simulation's virtual time limit with nothing left in either engine (no
 * hang, no leak: the sanitizer build's LeakSanitizer checks the rest),
 * deliver only a prefix of each stream, byte-exact, and never have a byte
 * acknowledged before its receiver stored it; a failure may surface only
 * as an error on a call or a connection.
 *
 * SF_ALLOC_SEED=S sweeps seed S alone; SF_ALLOC_N=N runs the one failing
 * allocation N (to replay a failure).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "sim.h"
#include "util/alloc.h"

/* Small runs, so that K stays in the hundreds: a clean one, and one with
 * loss, duplication and reordering (out-of-order data, SACK, RACK). */
static void sweep_params(struct sim_params *p, bool lossy) {
  sim_defaults(p);
  p->max_conns = 3;
  p->max_bytes = 48 * 1024;
  if (!lossy)
    p->max_loss_ppm = p->max_dup_ppm = p->max_reorder_ppm = 0;
  p->allow_errors = true;
}

/* Runs seed with allocation n failing (0: none); returns the allocations
 * the run made. */
static unsigned long run_failing(uint64_t seed, const struct sim_params *p,
                                 unsigned long n, struct sim_result *r) {
  unsigned long before = sf__alloc_count();
  sf__alloc_fail_after(n ? n - 1 : 0, n ? 1 : 0);
  sim_run(seed, p, r);
  sf__alloc_fail_after(0, 0);
  return sf__alloc_count() - before;
}

static void sweep_seed(uint64_t seed, bool lossy) {
  struct sim_params p;
  sweep_params(&p, lossy);
  struct sim_result r;
  unsigned long k = run_failing(seed, &p, 0, &r);
  ck_assert_msg(r.ok, "seed %llu without failures: %s",
                (unsigned long long)seed, r.why);
  ck_assert_uint_eq(r.errors, 0);
  ck_assert_uint_gt(k, 0);
  const char *only = getenv("SF_ALLOC_N");
  unsigned long first = only ? strtoul(only, NULL, 0) : 1;
  unsigned long last = only ? first : k;
  unsigned errors = 0, surfaced = 0;
  for (unsigned long n = first; n <= last; n++) {
    run_failing(seed, &p, n, &r);
    ck_assert_msg(r.ok,
                  "seed %llu, allocation %lu of %lu failing: %s "
                  "(replay: SF_ALLOC_SEED=%llu SF_ALLOC_N=%lu)",
                  (unsigned long long)seed, n, k, r.why,
                  (unsigned long long)seed, n);
    errors += r.errors;
    surfaced += r.errors > 0;
  }
  /* some failures must have reached a caller, or the seam missed TCP */
  ck_assert_msg(only || surfaced > 0, "seed %llu: no failure surfaced",
                (unsigned long long)seed);
  fprintf(stderr,
          "alloc sweep: seed %llu (%s): %lu allocations, each failed once; "
          "%u runs reported errors (%u in all), the rest recovered\n",
          (unsigned long long)seed, lossy ? "lossy" : "clean", k, surfaced,
          errors);
}

/* Sweeps SF_ALLOC_SEED, or the default seeds (chosen for their many
 * allocations: 250-300 clean, 170 lossy). */
static void sweep_seeds(const uint64_t *seeds, size_t n, bool lossy) {
  const char *e = getenv("SF_ALLOC_SEED");
  if (e) {
    sweep_seed(strtoull(e, NULL, 0), lossy);
    return;
  }
  for (size_t i = 0; i < n; i++)
    sweep_seed(seeds[i], lossy);
}

START_TEST(clean_link_every_allocation_fails_once) {
  static const uint64_t seeds[] = {2, 7};
  sweep_seeds(seeds, 2, false);
}
END_TEST

START_TEST(lossy_link_every_allocation_fails_once) {
  static const uint64_t seeds[] = {2, 6};
  sweep_seeds(seeds, 2, true);
}
END_TEST

static Suite *alloc_sweep_suite(void) {
  Suite *s = suite_create("tcp_alloc_sweep");
  TCase *tc = tcase_create("sweep");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, clean_link_every_allocation_fails_once);
  tcase_add_test(tc, lossy_link_every_allocation_fails_once);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(alloc_sweep_suite)
