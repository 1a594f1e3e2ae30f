/*
 * Addresses with a family (lib/ip/addr.h, addr.c): construction, the
 * family test, equality across and within families, the unspecified
 * address, and the text of each family.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "harness.h"
#include "ip/addr.h"

static struct sf_addr v6(const char *hex) {
  struct sf_addr a = {.family = SF_AF_INET6};
  ck_assert_uint_eq(sf_test_hex(hex, a.v6, sizeof(a.v6)), 16);
  return a;
}

START_TEST(test_v4_construct) {
  struct sf_addr a = sf_addr_v4(0xc6120001u);
  ck_assert_uint_eq(a.family, SF_AF_INET);
  ck_assert_uint_eq(a.v4, 0xc6120001u);
  ck_assert(sf_addr_is_v4(a));
  ck_assert(!sf_addr_is_v4(v6("20010db8000000000000000000000001")));
  struct sf_addr none = {0};
  ck_assert(!sf_addr_is_v4(none));
}
END_TEST

START_TEST(test_eq) {
  ck_assert(sf_addr_eq(sf_addr_v4(0x0a000001), sf_addr_v4(0x0a000001)));
  ck_assert(!sf_addr_eq(sf_addr_v4(0x0a000001), sf_addr_v4(0x0a000002)));
  struct sf_addr a = v6("20010db8000000000000000000000001");
  struct sf_addr b = v6("20010db8000000000000000000000002");
  ck_assert(sf_addr_eq(a, a));
  ck_assert(!sf_addr_eq(a, b));
  /* The same bits in another family are another address: ::a00:1 is
   * not 10.0.0.1, nor is 0.0.0.0 the same as no address at all. */
  struct sf_addr c = v6("00000000000000000000000000000000");
  c.v4 = 0x0a000001;
  ck_assert(!sf_addr_eq(c, sf_addr_v4(0x0a000001)));
  struct sf_addr none = {0};
  ck_assert(!sf_addr_eq(none, sf_addr_v4(0)));
  ck_assert(sf_addr_eq(none, none));
}
END_TEST

/* eq looks only at the bytes of the family: what is left of a union
 * written through the other member does not count. */
START_TEST(test_eq_ignores_unused_bytes) {
  struct sf_addr a, b;
  memset(&a, 0xaa, sizeof(a));
  memset(&b, 0x55, sizeof(b));
  a.family = b.family = SF_AF_INET;
  a.v4 = b.v4 = 0xc6120002u;
  ck_assert(sf_addr_eq(a, b));
}
END_TEST

START_TEST(test_is_any) {
  struct sf_addr none = {0};
  ck_assert(sf_addr_is_any(none));
  ck_assert(sf_addr_is_any(sf_addr_v4(0)));
  ck_assert(!sf_addr_is_any(sf_addr_v4(1)));
  ck_assert(sf_addr_is_any(v6("00000000000000000000000000000000")));
  ck_assert(!sf_addr_is_any(v6("00000000000000000000000000000001")));
  ck_assert(!sf_addr_is_any(v6("80000000000000000000000000000000")));
}
END_TEST

START_TEST(test_format) {
  char out[SF_ADDR_STRLEN];
  ck_assert_ptr_eq(sf__addr_format(sf_addr_v4(0xc6120001u), out), out);
  ck_assert_str_eq(out, "198.18.0.1");
  ck_assert_str_eq(sf__addr_format(sf_addr_v4(0), out), "0.0.0.0");
  /* RFC 5952 4.2: the longest run of zero groups (the first of equal
   * ones) becomes "::", never a single group; 4.3: lower case. */
  ck_assert_str_eq(
      sf__addr_format(v6("20010db8000000000000000000000001"), out),
      "2001:db8::1");
  ck_assert_str_eq(
      sf__addr_format(v6("20010db8000000010000000000000001"), out),
      "2001:db8:0:1::1");
  ck_assert_str_eq(
      sf__addr_format(v6("20010db800000000000100000000abcd"), out),
      "2001:db8::1:0:0:abcd");
  ck_assert_str_eq(
      sf__addr_format(v6("20010db8000100010001000100010000"), out),
      "2001:db8:1:1:1:1:1:0");
  ck_assert_str_eq(
      sf__addr_format(v6("00000000000000000000000000000000"), out), "::");
  struct sf_addr none = {0};
  ck_assert_str_eq(sf__addr_format(none, out), "unspecified");
}
END_TEST

/* RFC 5952 5: an IPv4-mapped address ends in a dotted quad; and the
 * widest address of all fits the buffer. */
START_TEST(test_format_mapped_and_widest) {
  char out[SF_ADDR_STRLEN];
  ck_assert_str_eq(
      sf__addr_format(v6("00000000000000000000ffffc6120001"), out),
      "::ffff:198.18.0.1");
  ck_assert_str_eq(
      sf__addr_format(v6("ffffffffffffffffffffffffffffffff"), out),
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}
END_TEST

/* As the public API carries addresses: IPv4 (and no family: a listener
 * on every address) as sockaddr_in, IPv6 as sockaddr_in6. */
START_TEST(test_to_sockaddr) {
  struct sockaddr_storage ss;
  sf__addr_to_sockaddr(sf_addr_v4(0xc6120001u), 8080, &ss);
  sf_test_assert_in(&ss, 0xc6120001u, 8080);
  sf__addr_to_sockaddr((struct sf_addr){0}, 80, &ss);
  sf_test_assert_in(&ss, INADDR_ANY, 80);
  sf__addr_to_sockaddr(v6("20010db8000000000000000000000001"), 443, &ss);
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
  ck_assert_int_eq(in6->sin6_family, AF_INET6);
  ck_assert_uint_eq(ntohs(in6->sin6_port), 443);
  char text[INET6_ADDRSTRLEN];
  ck_assert_str_eq(inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text)),
                   "2001:db8::1");
}
END_TEST

static Suite *addr_suite(void) {
  Suite *s = suite_create("addr");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_v4_construct);
  tcase_add_test(tc, test_eq);
  tcase_add_test(tc, test_eq_ignores_unused_bytes);
  tcase_add_test(tc, test_is_any);
  tcase_add_test(tc, test_format);
  tcase_add_test(tc, test_format_mapped_and_widest);
  tcase_add_test(tc, test_to_sockaddr);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(addr_suite)
