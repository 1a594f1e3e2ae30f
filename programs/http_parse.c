/*
 * The strict request parser of http_parse.h. Strict on purpose: a server
 * that accepts what another hop reads differently (bare LF, whitespace
 * before the colon, folded lines, two Content-Lengths, Transfer-Encoding
 * with Content-Length) is how requests get smuggled, so each of those is
 * a 400 here (RFC 9112 sections 2.2, 5.1, 5.2, 6.3).
 */
#include "config.h"

#include "http_parse.h"

#include <string.h>

#define HTTP_METHOD_MAX 16
#define HTTP_CL_DIGITS_MAX 18 /* fits an unsigned long long, no overflow */

/* RFC 9110 5.6.2 tchar. */
static int is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z'))
    return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value's byte: VCHAR, SP, HTAB or obs-text; no other control. */
static int is_value_char(unsigned char c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int ieq(const char *a, size_t n, const char *lit) {
  size_t i;
  for (i = 0; i < n && lit[i]; i++) {
    char x = a[i], y = lit[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x - 'A' + 'a');
    if (x != y)
      return 0;
  }
  return i == n && !lit[i];
}

static int fail(struct http_request *req, int status) {
  req->status = status;
  return HTTP_PARSE_ERROR;
}

/* The next line in buf[from..limit): the offset of its LF, or -1. */
static long find_lf(const char *buf, size_t from, size_t limit) {
  const char *lf = from < limit ? memchr(buf + from, '\n', limit - from) : NULL;
  return lf ? (long)(lf - buf) : -1;
}

static int parse_method(const char *s, size_t n, struct http_request *req) {
  if (n == 0 || n > HTTP_METHOD_MAX)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (!is_tchar((unsigned char)s[i]))
      return -1;
  if (n == 3 && !memcmp(s, "GET", 3))
    req->method = HTTP_METHOD_GET;
  else if (n == 4 && !memcmp(s, "HEAD", 4))
    req->method = HTTP_METHOD_HEAD;
  else
    req->method = HTTP_METHOD_OTHER;
  return 0;
}

/* "HTTP/1.0" or "HTTP/1.1"; another well-formed version is 505. */
static int parse_version(const char *s, size_t n, struct http_request *req) {
  if (n != 8 || memcmp(s, "HTTP/", 5) || s[6] != '.' || s[5] < '0' ||
      s[5] > '9' || s[7] < '0' || s[7] > '9')
    return 400;
  if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
    return 505;
  req->minor = s[7] - '0';
  return 0;
}

/* method SP request-target SP HTTP-version, without its CRLF. */
static int parse_request_line(const char *s, size_t n,
                              struct http_request *req) {
  const char *sp1 = memchr(s, ' ', n);
  if (!sp1 || parse_method(s, (size_t)(sp1 - s), req) < 0)
    return 400;
  const char *t = sp1 + 1, *end = s + n;
  const char *sp2 = memchr(t, ' ', (size_t)(end - t));
  if (!sp2 || sp2 == t || *t != '/')
    return 400;
  for (const char *c = t; c < sp2; c++)
    if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
      return 400;
  req->target = t;
  req->target_len = (size_t)(sp2 - t);
  return parse_version(sp2 + 1, (size_t)(end - sp2 - 1), req);
}

struct fields {
  int hosts, te, conn_close, conn_keep_alive, has_cl;
  unsigned long long cl;
};

/* Content-Length: 1*DIGIT; a second one must not differ. */
static int take_content_length(const char *v, size_t n, struct fields *f) {
  unsigned long long x = 0;
  if (n == 0 || n > HTTP_CL_DIGITS_MAX)
    return 400;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9')
      return 400;
    x = x * 10 + (unsigned)(v[i] - '0');
  }
  if (f->has_cl && f->cl != x)
    return 400;
  f->has_cl = 1;
  f->cl = x;
  return 0;
}

/* Connection: a comma-separated list of options. */
static void take_connection(const char *v, size_t n, struct fields *f) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (v[i] == ',' || is_ows(v[i])))
      i++;
    size_t start = i;
    while (i < n && v[i] != ',' && !is_ows(v[i]))
      i++;
    if (ieq(v + start, i - start, "close"))
      f->conn_close = 1;
    else if (ieq(v + start, i - start, "keep-alive"))
      f->conn_keep_alive = 1;
  }
}

/* field-name ":" OWS field-value OWS, without its CRLF. */
static int parse_field(const char *s, size_t n, struct fields *f) {
  const char *colon = memchr(s, ':', n);
  if (!colon || colon == s)
    return 400;
  size_t name_len = (size_t)(colon - s);
  for (size_t i = 0; i < name_len; i++)
    if (!is_tchar((unsigned char)s[i]))
      return 400; /* whitespace before the colon, a folded line, ... */
  const char *v = colon + 1, *end = s + n;
  for (const char *c = v; c < end; c++)
    if (!is_value_char((unsigned char)*c))
      return 400;
  while (v < end && is_ows(*v))
    v++;
  while (end > v && is_ows(end[-1]))
    end--;
  size_t vn = (size_t)(end - v);
  if (ieq(s, name_len, "host"))
    return ++f->hosts > 1 ? 400 : 0;
  if (ieq(s, name_len, "content-length"))
    return take_content_length(v, vn, f);
  if (ieq(s, name_len, "transfer-encoding"))
    f->te = 1;
  else if (ieq(s, name_len, "connection"))
    take_connection(v, vn, f);
  return 0;
}

/* What the fields mean together, once the head is complete. */
static int finish(const struct fields *f, const struct http_limits *lim,
                  struct http_request *req) {
  if (f->te)
    return f->has_cl ? 400 : 501; /* no chunked request bodies here */
  if (req->minor == 1 && f->hosts != 1)
    return 400;
  if (f->cl > lim->max_body)
    return 413;
  req->content_length = f->cl;
  req->keep_alive = !f->conn_close && (req->minor == 1 || f->conn_keep_alive);
  return 0;
}

/* A line ending at the LF at lf, starting at from: its length without
 * CRLF, or -1 if the LF has no CR before it. */
static long line_len(const char *buf, size_t from, long lf) {
  if ((size_t)lf == from || buf[lf - 1] != '\r')
    return -1;
  long n = lf - 1 - (long)from;
  return memchr(buf + from, '\r', (size_t)n) ? -1 : n;
}

int http_parse_request(const char *buf, size_t len,
                       const struct http_limits *lim,
                       struct http_request *req) {
  memset(req, 0, sizeof(*req));
  size_t line_limit = len < lim->max_line ? len : lim->max_line;
  long lf = find_lf(buf, 0, line_limit);
  if (lf < 0)
    return len >= lim->max_line ? fail(req, 414) : HTTP_PARSE_MORE;
  long n = line_len(buf, 0, lf);
  int st = n < 0 ? 400 : parse_request_line(buf, (size_t)n, req);
  if (st)
    return fail(req, st);
  struct fields f = {0};
  size_t head_limit = len < lim->max_head ? len : lim->max_head;
  for (size_t pos = (size_t)lf + 1;; pos = (size_t)lf + 1) {
    if ((lf = find_lf(buf, pos, head_limit)) < 0)
      return len >= lim->max_head ? fail(req, 431) : HTTP_PARSE_MORE;
    if ((n = line_len(buf, pos, lf)) < 0)
      return fail(req, 400);
    if (n == 0)
      break;
    if ((st = parse_field(buf + pos, (size_t)n, &f)))
      return fail(req, st);
  }
  if ((st = finish(&f, lim, req)))
    return fail(req, st);
  req->head_len = (size_t)lf + 1;
  return HTTP_PARSE_DONE;
}

/* ------------------------------------------------------------- the path */

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The decoded byte at s[*i] (advancing *i), or -1 for a bad escape. */
static int decoded_byte(const char *s, size_t n, size_t *i) {
  if (s[*i] != '%')
    return (unsigned char)s[(*i)++];
  if (*i + 2 >= n)
    return -1;
  int hi = hex_value(s[*i + 1]), lo = hex_value(s[*i + 2]);
  if (hi < 0 || lo < 0)
    return -1;
  *i += 3;
  return hi * 16 + lo;
}

/* Ends the segment out[seg..*o): drops "" and ".", refuses "..", and
 * adds the separator otherwise. */
static int end_segment(char *out, size_t seg, size_t *o, size_t out_len) {
  size_t n = *o - seg;
  if (n == 0 || (n == 1 && out[seg] == '.')) {
    *o = seg;
    return 0;
  }
  if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
    return 400;
  if (*o + 1 >= out_len)
    return 414;
  out[(*o)++] = '/';
  return 0;
}

int http_target_path(const char *target, size_t len, char *out,
                     size_t out_len) {
  const char *q = memchr(target, '?', len);
  size_t n = q ? (size_t)(q - target) : len;
  if (out_len == 0)
    return 414;
  if (n == 0 || target[0] != '/')
    return 400;
  size_t i = 1, o = 0, seg = 0;
  int st;
  while (i < n) {
    if (target[i] == '/') {
      i++;
      if ((st = end_segment(out, seg, &o, out_len)))
        return st;
      seg = o;
      continue;
    }
    int c = decoded_byte(target, n, &i);
    if (c <= 0 || c == '/')
      return 400; /* a bad escape, an encoded NUL or separator */
    if (o + 1 >= out_len)
      return 414;
    out[o++] = (char)c;
  }
  /* the last segment has no '/' after it: check it, keep no separator */
  size_t last = o - seg;
  if (last == 2 && out[seg] == '.' && out[seg + 1] == '.')
    return 400;
  if (last == 1 && out[seg] == '.')
    o = seg;
  out[o] = '\0';
  return 0;
}
