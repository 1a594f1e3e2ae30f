/*
 * Shared helpers for synfin's Check suites.
 *
 * Each test program is one file under tests/ mirroring lib/, ending with
 * SF_TEST_MAIN(suite_function). Helpers here: byte strings from hex, a
 * deterministic PRNG for randomized cases (seed printed on failure), and
 * frame builders shared by several suites.
 */
#ifndef SF_TESTS_HARNESS_H
#define SF_TESTS_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

/*
 * Decodes hex text into out (cap bytes). Whitespace, ':' and '-' between
 * byte pairs are ignored, so a dump can be pasted in as it was printed.
 * Aborts the test (ck_abort) on a malformed string or overflow. Returns
 * the number of bytes written.
 */
size_t sf_test_hex(const char *hex, uint8_t *out, size_t cap);

/* xorshift64*: a small, seedable generator for reproducible randomness. */
struct sf_test_rng {
  uint64_t state;
};
void sf_test_rng_seed(struct sf_test_rng *r, uint64_t seed);
uint64_t sf_test_rng_next(struct sf_test_rng *r);
/* Uniform in [0, bound), bound > 0. */
uint32_t sf_test_rng_below(struct sf_test_rng *r, uint32_t bound);
void sf_test_rng_fill(struct sf_test_rng *r, void *buf, size_t len);

/*
 * The seed for randomized tests: SF_TEST_SEED from the environment if set
 * (to replay a failure), else the given default. Printed to stderr either
 * way so a failing run names its seed.
 */
uint64_t sf_test_seed(uint64_t default_seed);

/*
 * An assertion for hot loops: Check's ck_assert records every *passing*
 * check (slow in fork mode, and slower under the sanitizers), so loops of
 * thousands of checks use this, which costs nothing until it fails.
 * Usage: SF_CHECK(cond, "format", args...).
 */
#define SF_CHECK(cond, ...)                                                   \
  do {                                                                        \
    if (!(cond))                                                              \
      ck_abort_msg(__VA_ARGS__);                                              \
  } while (0)

/* Checks that sa is a struct sockaddr_in holding addr and port (host
 * byte order), the form the public API gives an IPv4 address. */
void sf_test_assert_in(const struct sockaddr_storage *sa, uint32_t addr,
                       uint16_t port);

/* Runs the suite with the normal Check runner; exit status per automake. */
int sf_test_run_suite(Suite *s);

#define SF_TEST_MAIN(suite_fn) \
  int main(void) { return sf_test_run_suite(suite_fn()); }

#endif /* SF_TESTS_HARNESS_H */
