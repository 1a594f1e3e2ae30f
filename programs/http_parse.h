/*
 * A small, strict HTTP/1.x request parser for sfhttpd: the request line
 * and the header fields (RFC 9112 sections 3 and 5), nothing else. It
 * keeps no state between calls: it is given everything received so far
 * and either finds a whole head in it, says it needs more, or gives the
 * status code that rejects it. Only what a static file server needs is
 * interpreted (method, target, version, Host, Connection, Content-Length,
 * Transfer-Encoding); every other field is checked for syntax and
 * ignored. Request bodies are only accepted with Content-Length.
 */
#ifndef SF_PROGRAMS_HTTP_PARSE_H
#define SF_PROGRAMS_HTTP_PARSE_H

#include <stddef.h>

enum http_method { HTTP_METHOD_OTHER = 0, HTTP_METHOD_GET, HTTP_METHOD_HEAD };

enum http_parse_result {
  HTTP_PARSE_DONE = 0,   /* a whole head: see the request */
  HTTP_PARSE_MORE = 1,   /* no error so far, the head is not complete */
  HTTP_PARSE_ERROR = -1, /* rejected: the request's status says why */
};

struct http_limits {
  size_t max_line;   /* request line, CRLF included: beyond, 414 */
  size_t max_head;   /* request line and fields, CRLFs included: 431 */
  unsigned long long max_body; /* Content-Length beyond: 413 */
};

struct http_request {
  int method;            /* enum http_method */
  const char *target;    /* into the buffer given; not NUL-terminated */
  size_t target_len;
  int minor;             /* HTTP/1.minor: 0 or 1 */
  int keep_alive;        /* what the client asked for (version, Connection) */
  unsigned long long content_length; /* body bytes that follow the head */
  size_t head_len;       /* bytes of the head, final CRLF included */
  int status;            /* with HTTP_PARSE_ERROR: 400, 413, 414, 431, 501,
                            505 */
};

/* Parses the head at the start of buf[0..len). */
int http_parse_request(const char *buf, size_t len,
                       const struct http_limits *lim,
                       struct http_request *req);

/*
 * The path of an origin-form target as a file path relative to the
 * served root, written to out (NUL-terminated): the query is dropped,
 * %XX escapes decoded, empty and "." segments removed; a ".." segment, an
 * encoded NUL or '/', or a bad escape gives 400; a path that does not fit
 * in out_len gives 414. A trailing '/' is kept ("dir/"); the root itself
 * is "". Returns 0 or the status.
 */
int http_target_path(const char *target, size_t len, char *out,
                     size_t out_len);

#endif /* SF_PROGRAMS_HTTP_PARSE_H */
