/*
 * Errors that say what to do: every way of opening an interface fails
 * with a code and, through sf_loop_last_error, a sentence naming the
 * field, the value and the fix. Also connecting to a destination no
 * interface reaches. What needs no privilege is here; a device that is
 * down, an address the kernel owns and a missing CAP_NET_RAW need root
 * and namespaces (tests/link/test_iface_errors.sh).
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "synfin.h"

static sf_loop_t loop;
static sf_iface_t ia, ib;

static void setup(void) { ck_assert_int_eq(sf_loop_init(&loop), 0); }

static void teardown(void) {
  sf_run(&loop, SF_RUN_NOWAIT);
  ck_assert_int_eq(sf_loop_close(&loop), 0);
}

#define ck_assert_why(needle)                                          \
  ck_assert_msg(strstr(sf_loop_last_error(&loop), needle),            \
                "sf_loop_last_error: \"%s\" lacks \"%s\"",            \
                sf_loop_last_error(&loop), needle)

/* Opens a pair on one loop: A with address (and gateway), B at .9. */
static int open_pair(const char *address, const char *gateway,
                     const char *pcap_path) {
  sf_iface_config_t ca = {.address = address, .gateway = gateway,
                          .pcap_path = pcap_path};
  sf_iface_config_t cb = {.address = "198.18.40.9/24"};
  return sf_iface_open_memory_pair(&loop, &ia, &ca, &loop, &ib, &cb);
}

static void close_pair(void) {
  sf_close((sf_handle_t *)&ia, NULL);
  sf_close((sf_handle_t *)&ib, NULL);
}

START_TEST(test_octet_out_of_range) {
  ck_assert_int_eq(open_pair("198.18.40.300/24", NULL, NULL), SF_EINVAL);
  ck_assert_why("address \"198.18.40.300/24\": 300 is not an octet");
}
END_TEST

START_TEST(test_not_a_dotted_quad) {
  ck_assert_int_eq(open_pair("198.18.40/24", NULL, NULL), SF_EINVAL);
  ck_assert_why("address \"198.18.40/24\" is not an IPv4 address");
  ck_assert_why("e.g. 198.18.40.2/24");
}
END_TEST

START_TEST(test_prefix_out_of_range) {
  ck_assert_int_eq(open_pair("198.18.40.2/33", NULL, NULL), SF_EINVAL);
  ck_assert_why("prefix /33 is not a length 0..32");
}
END_TEST

START_TEST(test_prefix_missing) {
  ck_assert_int_eq(open_pair("198.18.40.2", NULL, NULL), SF_EINVAL);
  ck_assert_why("has no /prefix");
  ck_assert_why("\"198.18.40.2/24\"");
}
END_TEST

START_TEST(test_gateway_off_subnet) {
  ck_assert_int_eq(open_pair("198.18.40.2/24", "10.0.0.1", NULL), SF_EINVAL);
  ck_assert_why("gateway 10.0.0.1 is not on 198.18.40.0/24");
}
END_TEST

START_TEST(test_gateway_bad_octet) {
  ck_assert_int_eq(open_pair("198.18.40.2/24", "198.18.40.256", NULL),
                   SF_EINVAL);
  ck_assert_why("gateway \"198.18.40.256\": 256 is not an octet");
}
END_TEST

START_TEST(test_pcap_path_speaks_of_the_pcap_file) {
  const char *path = "/nonexistent-synfin-dir/capture.pcap";
  ck_assert_int_eq(open_pair("198.18.40.2/24", NULL, path), SF_ENOENT);
  ck_assert_why("pcap_path \"/nonexistent-synfin-dir/capture.pcap\"");
  ck_assert_why("cannot create the pcap file");
  ck_assert_ptr_null(strstr(sf_loop_last_error(&loop), "/dev/net/tun"));
}
END_TEST

START_TEST(test_success_clears_the_reason) {
  ck_assert_int_eq(open_pair("198.18.40.300/24", NULL, NULL), SF_EINVAL);
  ck_assert_int_eq(open_pair("198.18.40.2/24", "198.18.40.1", NULL), 0);
  ck_assert_str_eq(sf_loop_last_error(&loop), "");
  close_pair();
}
END_TEST

START_TEST(test_both_loops_of_a_pair_hear_why) {
  sf_loop_t other;
  ck_assert_int_eq(sf_loop_init(&other), 0);
  sf_iface_config_t ca = {.address = "198.18.40.2/24"};
  sf_iface_config_t cb = {.address = "198.18.40.9/40"};
  ck_assert_int_eq(sf_iface_open_memory_pair(&loop, &ia, &ca, &other, &ib, &cb),
                   SF_EINVAL);
  ck_assert_why("prefix /40");
  ck_assert_str_eq(sf_loop_last_error(&other), sf_loop_last_error(&loop));
  ck_assert_int_eq(sf_loop_close(&other), 0);
}
END_TEST

START_TEST(test_loopback_device) {
  sf_iface_config_t c = {.address = "198.18.40.2/24"};
  sf_packet_options_t o = {.device = "lo"};
  ck_assert_int_eq(sf_iface_open_packet(&loop, &ia, &c, &o), SF_EINVAL);
  ck_assert_why("device lo is a loopback device: AF_PACKET needs an "
                "Ethernet device");
}
END_TEST

START_TEST(test_missing_device) {
  sf_iface_config_t c = {.address = "198.18.40.2/24"};
  sf_packet_options_t o = {.device = "synfin-none0"};
  ck_assert_int_eq(sf_iface_open_packet(&loop, &ia, &c, &o), SF_ENODEV);
  ck_assert_why("device synfin-none0 does not exist");
  ck_assert_why("ip link show");
}
END_TEST

START_TEST(test_unknown_receive_method) {
  sf_iface_config_t c = {.address = "198.18.40.2/24"};
  sf_packet_options_t o = {.device = "lo", .ring = 7};
  ck_assert_int_eq(sf_iface_open_packet(&loop, &ia, &c, &o), SF_EINVAL);
  ck_assert_why("options->ring is 7");
  ck_assert_why("SF_PACKET_RECVMMSG");
}
END_TEST

START_TEST(test_bad_address_before_the_device) {
  sf_iface_config_t c = {.address = "198.18.40.300/24"};
  sf_packet_options_t o = {.device = "lo"};
  ck_assert_int_eq(sf_iface_open_packet(&loop, &ia, &c, &o), SF_EINVAL);
  ck_assert_why("300 is not an octet");
}
END_TEST

START_TEST(test_off_link_without_gateway) {
  ck_assert_int_eq(open_pair("198.18.40.2/24", NULL, NULL), 0);
  static sf_tcp_t tcp; /* closed by the loop after the test returns */
  static sf_connect_t req;
  struct sockaddr_in to;
  sf_ip4_addr("203.0.113.5", 80, &to);
  ck_assert_int_eq(sf_tcp_init(&loop, &tcp), 0);
  ck_assert_int_eq(sf_tcp_connect(&req, &tcp, (struct sockaddr *)&to, NULL),
                   SF_ENETUNREACH);
  ck_assert_why("no route to 203.0.113.5");
  ck_assert_why("set sf_iface_config_t.gateway");
  sf_close((sf_handle_t *)&tcp, NULL);
  close_pair();
}
END_TEST

START_TEST(test_no_loop_no_reason) {
  ck_assert_str_eq(sf_loop_last_error(NULL), "");
}
END_TEST

static Suite *iface_errors_suite(void) {
  Suite *s = suite_create("api/iface_errors");
  TCase *tc = tcase_create("config");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_octet_out_of_range);
  tcase_add_test(tc, test_not_a_dotted_quad);
  tcase_add_test(tc, test_prefix_out_of_range);
  tcase_add_test(tc, test_prefix_missing);
  tcase_add_test(tc, test_gateway_off_subnet);
  tcase_add_test(tc, test_gateway_bad_octet);
  tcase_add_test(tc, test_pcap_path_speaks_of_the_pcap_file);
  tcase_add_test(tc, test_success_clears_the_reason);
  tcase_add_test(tc, test_both_loops_of_a_pair_hear_why);
  suite_add_tcase(s, tc);
  tc = tcase_create("device");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_loopback_device);
  tcase_add_test(tc, test_missing_device);
  tcase_add_test(tc, test_bad_address_before_the_device);
  tcase_add_test(tc, test_unknown_receive_method);
  suite_add_tcase(s, tc);
  tc = tcase_create("connect");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_off_link_without_gateway);
  tcase_add_test(tc, test_no_loop_no_reason);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(iface_errors_suite)
