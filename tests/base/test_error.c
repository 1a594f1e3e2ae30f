/*
 * The error table: every SF_E* code has a name and a message, codes are
 * the negated errno values, and unknown codes are handled.
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "synfin.h"

static const int all_codes[] = {
#define SF_TEST_CODE(name, value, msg) SF_##name,
    SF_ERRNO_MAP(SF_TEST_CODE)
#undef SF_TEST_CODE
};

START_TEST(test_codes_are_negative_errno) {
  ck_assert_int_eq(SF_ECONNREFUSED, -ECONNREFUSED);
  ck_assert_int_eq(SF_ECONNRESET, -ECONNRESET);
  ck_assert_int_eq(SF_ETIMEDOUT, -ETIMEDOUT);
  ck_assert_int_eq(SF_EAGAIN, -EAGAIN);
  ck_assert_int_eq(SF_EOF, -4095);
  for (size_t i = 0; i < sizeof all_codes / sizeof all_codes[0]; i++)
    ck_assert_int_lt(all_codes[i], 0);
}
END_TEST

START_TEST(test_every_code_has_a_distinct_name_and_message) {
  size_t n = sizeof all_codes / sizeof all_codes[0];
  for (size_t i = 0; i < n; i++) {
    const char *name = sf_err_name(all_codes[i]);
    const char *msg = sf_strerror(all_codes[i]);
    ck_assert_str_ne(name, "UNKNOWN");
    ck_assert_str_ne(msg, "unknown error");
    ck_assert_int_eq(name[0], 'E');
    for (size_t j = 0; j < i; j++) {
      ck_assert_int_ne(all_codes[i], all_codes[j]);
      ck_assert_str_ne(name, sf_err_name(all_codes[j]));
    }
  }
}
END_TEST

START_TEST(test_known_names_and_messages) {
  ck_assert_str_eq(sf_err_name(SF_ECONNREFUSED), "ECONNREFUSED");
  ck_assert_str_eq(sf_strerror(SF_ECONNREFUSED), "connection refused");
  ck_assert_str_eq(sf_err_name(SF_EOF), "EOF");
  ck_assert_str_eq(sf_strerror(SF_EOF), "end of file");
  ck_assert_str_eq(sf_err_name(SF_ECANCELED), "ECANCELED");
}
END_TEST

START_TEST(test_unknown_codes) {
  ck_assert_str_eq(sf_err_name(0), "UNKNOWN");
  ck_assert_str_eq(sf_strerror(0), "unknown error");
  ck_assert_str_eq(sf_err_name(-99999), "UNKNOWN");
  ck_assert_str_eq(sf_strerror(12345), "unknown error");
}
END_TEST

START_TEST(test_translate_sys_error) {
  ck_assert_int_eq(sf_translate_sys_error(ECONNRESET), SF_ECONNRESET);
  ck_assert_int_eq(sf_translate_sys_error(0), 0);
  ck_assert_int_eq(sf_translate_sys_error(SF_EPIPE), SF_EPIPE);
}
END_TEST

static Suite *error_suite(void) {
  Suite *s = suite_create("base/error");
  TCase *tc = tcase_create("table");
  tcase_add_test(tc, test_codes_are_negative_errno);
  tcase_add_test(tc, test_every_code_has_a_distinct_name_and_message);
  tcase_add_test(tc, test_known_names_and_messages);
  tcase_add_test(tc, test_unknown_codes);
  tcase_add_test(tc, test_translate_sys_error);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(error_suite)
