/* Shared helpers for the Check suites (harness.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static int hex_digit(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

size_t sf_test_hex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  const char *p = hex;
  while (*p) {
    if (isspace((unsigned char)*p) || *p == ':' || *p == '-') {
      p++;
      continue;
    }
    int hi = hex_digit((unsigned char)p[0]);
    int lo = p[1] ? hex_digit((unsigned char)p[1]) : -1;
    if (hi < 0 || lo < 0)
      ck_abort_msg("bad hex near \"%.8s\"", p);
    if (n >= cap)
      ck_abort_msg("hex string longer than %zu bytes", cap);
    out[n++] = (uint8_t)(hi << 4 | lo);
    p += 2;
  }
  return n;
}

void sf_test_rng_seed(struct sf_test_rng *r, uint64_t seed) {
  r->state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t sf_test_rng_next(struct sf_test_rng *r) {
  uint64_t x = r->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->state = x;
  return x * 0x2545f4914f6cdd1dull;
}

uint32_t sf_test_rng_below(struct sf_test_rng *r, uint32_t bound) {
  return (uint32_t)((sf_test_rng_next(r) >> 32) * bound >> 32);
}

void sf_test_rng_fill(struct sf_test_rng *r, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len) {
    uint64_t v = sf_test_rng_next(r);
    size_t k = len < 8 ? len : 8;
    memcpy(p, &v, k);
    p += k;
    len -= k;
  }
}

uint64_t sf_test_seed(uint64_t default_seed) {
  const char *env = getenv("SF_TEST_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 0) : default_seed;
  fprintf(stderr, "seed %" PRIu64 " (replay with SF_TEST_SEED=%" PRIu64 ")\n",
          seed, seed);
  return seed;
}

void sf_test_assert_in(const struct sockaddr_storage *sa, uint32_t addr,
                       uint16_t port) {
  const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
  ck_assert_int_eq(in->sin_family, AF_INET);
  ck_assert_uint_eq(ntohl(in->sin_addr.s_addr), addr);
  ck_assert_uint_eq(ntohs(in->sin_port), port);
}

int sf_test_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
