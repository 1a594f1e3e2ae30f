/*
 * sfhttpd's request parser (programs/http_parse.c): whole heads, heads
 * arriving a byte at a time, every rejection with its status, and the
 * target-to-path mapping that keeps requests inside the root.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "http_parse.h"

static const struct http_limits lim = {
    .max_line = 64, .max_head = 256, .max_body = 100};

static int parse(const char *s, struct http_request *r) {
  return http_parse_request(s, strlen(s), &lim, r);
}

/* The status a whole head is rejected with (0 if accepted). */
static int status_of(const char *s) {
  struct http_request r;
  int rc = parse(s, &r);
  if (rc == HTTP_PARSE_DONE)
    return 0;
  ck_assert_int_eq(rc, HTTP_PARSE_ERROR);
  return r.status;
}

START_TEST(test_simple_get) {
  struct http_request r;
  const char *s = "GET /a/b.txt?x=1 HTTP/1.1\r\nHost: h\r\n\r\nNEXT";
  ck_assert_int_eq(parse(s, &r), HTTP_PARSE_DONE);
  ck_assert_int_eq(r.method, HTTP_METHOD_GET);
  ck_assert_int_eq(r.minor, 1);
  ck_assert_int_eq(r.keep_alive, 1);
  ck_assert_uint_eq(r.head_len, strlen(s) - 4);
  ck_assert_uint_eq(r.target_len, strlen("/a/b.txt?x=1"));
  ck_assert(!memcmp(r.target, "/a/b.txt?x=1", r.target_len));
}
END_TEST

START_TEST(test_keep_alive_rules) {
  struct http_request r;
  ck_assert_int_eq(parse("HEAD / HTTP/1.1\r\nHost: h\r\nConnection: x, Close"
                         "\r\n\r\n", &r), HTTP_PARSE_DONE);
  ck_assert_int_eq(r.method, HTTP_METHOD_HEAD);
  ck_assert_int_eq(r.keep_alive, 0);
  ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &r), HTTP_PARSE_DONE);
  ck_assert_int_eq(r.keep_alive, 0);
  ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                         &r), HTTP_PARSE_DONE);
  ck_assert_int_eq(r.keep_alive, 1);
  ck_assert_int_eq(parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", &r),
                   HTTP_PARSE_DONE);
  ck_assert_int_eq(r.method, HTTP_METHOD_OTHER);
}
END_TEST

/* Every prefix of a valid head needs more; the whole one is done. */
START_TEST(test_byte_at_a_time) {
  const char *s = "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
  struct http_request r;
  for (size_t n = 0; n < strlen(s); n++)
    ck_assert_int_eq(http_parse_request(s, n, &lim, &r), HTTP_PARSE_MORE);
  ck_assert_int_eq(parse(s, &r), HTTP_PARSE_DONE);
  ck_assert_uint_eq(r.content_length, 5);
}
END_TEST

START_TEST(test_rejections) {
  ck_assert_int_eq(status_of("GET / HTTP/1.1\nHost: h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTX/1.1\r\nHost: h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\n\r\n"), 400); /* no Host */
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                   400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n"),
                   400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\n"
                             "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"),
                   400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\n"
                             "Content-Length: -1\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"), 501);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3"
                             "\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\n"
                             "Content-Length: 101\r\n\r\n"), 413);
  ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: h\r\n"
                             "Content-Length: 100\r\n\r\n"), 0);
}
END_TEST

/* A request line past max_line is 414, a head past max_head 431, even
 * before either ends. */
START_TEST(test_limits) {
  char buf[512];
  memset(buf, 'a', sizeof(buf));
  memcpy(buf, "GET /", 5);
  struct http_request r;
  ck_assert_int_eq(http_parse_request(buf, 63, &lim, &r), HTTP_PARSE_MORE);
  ck_assert_int_eq(http_parse_request(buf, 64, &lim, &r), HTTP_PARSE_ERROR);
  ck_assert_int_eq(r.status, 414);
  int n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX: ");
  memset(buf + n, 'b', sizeof(buf) - (size_t)n);
  ck_assert_int_eq(http_parse_request(buf, 255, &lim, &r), HTTP_PARSE_MORE);
  ck_assert_int_eq(http_parse_request(buf, 256, &lim, &r), HTTP_PARSE_ERROR);
  ck_assert_int_eq(r.status, 431);
}
END_TEST

static int path_of(const char *target, char *out) {
  return http_target_path(target, strlen(target), out, 32);
}

START_TEST(test_target_path) {
  char p[32];
  ck_assert_int_eq(path_of("/", p), 0);
  ck_assert_str_eq(p, "");
  ck_assert_int_eq(path_of("/a//./b%20c?q=/..", p), 0);
  ck_assert_str_eq(p, "a/b c");
  ck_assert_int_eq(path_of("/dir/", p), 0);
  ck_assert_str_eq(p, "dir/");
  ck_assert_int_eq(path_of("/a/.", p), 0);
  ck_assert_str_eq(p, "a/");
  ck_assert_int_eq(path_of("/../etc/passwd", p), 400);
  ck_assert_int_eq(path_of("/a/..", p), 400);
  ck_assert_int_eq(path_of("/a/%2e%2E/b", p), 400);
  ck_assert_int_eq(path_of("/a%2fb", p), 400);
  ck_assert_int_eq(path_of("/a%00", p), 400);
  ck_assert_int_eq(path_of("/a%4", p), 400);
  ck_assert_int_eq(path_of("/a%zz", p), 400);
  ck_assert_int_eq(path_of("/0123456789012345678901234567890123", p), 414);
}
END_TEST

static Suite *http_parse_suite(void) {
  Suite *s = suite_create("http_parse");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, test_simple_get);
  tcase_add_test(tc, test_keep_alive_rules);
  tcase_add_test(tc, test_byte_at_a_time);
  tcase_add_test(tc, test_rejections);
  tcase_add_test(tc, test_limits);
  tcase_add_test(tc, test_target_path);
  suite_add_tcase(s, tc);
  return s;
}

SF_TEST_MAIN(http_parse_suite)
