/*
 * libFuzzer target for sfhttpd's request parser (programs/http_parse.c).
 * Invariants: a parsed head lies inside the input and within the limits,
 * with its target inside it and starting with '/'; the same head alone
 * parses the same, and without its last byte needs more; a rejection
 * carries one of the statuses the parser documents; the path made of any
 * target never leaves the root (no ".." segment, no leading '/', no NUL
 * before its end) and fits its buffer.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_parse.h"

#include "fuzz.h"

static const struct http_limits lim = {
    .max_line = 512, .max_head = 2048, .max_body = 1000};

static void check_path(const char *target, size_t len) {
  char out[256];
  if (http_target_path(target, len, out, sizeof(out)) != 0)
    return;
  size_t n = strlen(out);
  CHECK(n < sizeof(out));
  CHECK(n == 0 || out[0] != '/');
  for (size_t s = 0; s < n;) {
    const char *slash = memchr(out + s, '/', n - s);
    size_t e = slash ? (size_t)(slash - out) : n;
    CHECK(e > s); /* no empty segment */
    CHECK(!(e - s == 2 && out[s] == '.' && out[s + 1] == '.'));
    CHECK(!(e - s == 1 && out[s] == '.'));
    s = e + 1;
  }
}

static void check_error(int status) {
  CHECK(status == 400 || status == 413 || status == 414 || status == 431 ||
        status == 501 || status == 505);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *buf = (const char *)data;
  struct http_request r, again;
  check_path(buf, size);
  int rc = http_parse_request(buf, size, &lim, &r);
  if (rc == HTTP_PARSE_ERROR) {
    check_error(r.status);
    return 0;
  }
  if (rc == HTTP_PARSE_MORE) {
    CHECK(size < lim.max_head);
    return 0;
  }
  CHECK(rc == HTTP_PARSE_DONE);
  CHECK(r.head_len >= 4 && r.head_len <= size && r.head_len <= lim.max_head);
  CHECK(sf_fuzz_inside((const uint8_t *)r.target, r.target_len, data,
                       r.head_len));
  CHECK(r.target_len > 0 && r.target[0] == '/');
  CHECK(r.minor == 0 || r.minor == 1);
  CHECK(r.content_length <= lim.max_body);
  CHECK(!memcmp(buf + r.head_len - 4, "\r\n\r\n", 4));
  CHECK(http_parse_request(buf, r.head_len, &lim, &again) == HTTP_PARSE_DONE);
  CHECK(again.head_len == r.head_len && again.method == r.method &&
        again.keep_alive == r.keep_alive);
  CHECK(http_parse_request(buf, r.head_len - 1, &lim, &again) ==
        HTTP_PARSE_MORE);
  check_path(r.target, r.target_len);
  return 0;
}
