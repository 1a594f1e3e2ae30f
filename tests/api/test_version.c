/* The library's version: the string and the number agree with synfin.h. */
#include "config.h"

#include "harness.h"
#include "synfin.h"

START_TEST(test_version) {
  ck_assert_str_eq(sf_version_string(), "0.1.0");
  ck_assert_uint_eq(sf_version(), (0u << 16) | (1u << 8) | 0u);
}
END_TEST

static Suite *version_suite(void) {
  Suite *s = suite_create("api/version");
  TCase *tc = tcase_create("version");
  tcase_add_test(tc, test_version);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(version_suite)
