/*
 * sfhttpd: an HTTP/1.1 static file server on synfin.
 *
 * Each connection reads into one buffer the size of the largest head
 * allowed, parses (http_parse.c) when a head may be complete, and sends
 * one response at a time, in request order (pipelined requests wait in
 * the buffer; reading stops while it is full). A file body goes out one
 * chunk at a time: the next chunk is read (pread) only when the stack
 * has taken the previous one (the write callback), so a connection holds
 * at most one chunk whatever the file's size and the peer's speed.
 *
 * One timer per connection bounds every wait on the peer: the head must
 * arrive within --header-timeout of its first byte (or of the accept, or
 * of the previous response: a slowloris client cannot stay), an idle
 * keep-alive connection and a stalled download end after
 * --idle-timeout, and a closing connection waits for the peer's FIN at
 * most that long.
 *
 * Closing after a response (Connection: close, HTTP/1.0, errors, drain)
 * half-closes first and reads until the peer's FIN, so that the peer's
 * unread bytes never turn the close into a reset that loses the response.
 *
 * With --tls-cert and --tls-key each accepted connection goes under a TLS
 * stream (prog_tls.c) and everything above works on that stream as it
 * would on TCP: the half-close sends close_notify then the FIN, and a
 * client that closes TCP without close_notify (a truncation) is taken as
 * a client that closed: nothing it sent is acted on after that anyway.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "http_parse.h"
#include "prog.h"
#include "prog_tls.h"

#define HTTPD_CHUNK (128u * 1024)
#define HTTPD_PATH_MAX 4096
#define HTTPD_HEAD_OUT 1024
#define HTTPD_SMALL 4096 /* a body this small goes out of the struct */

struct httpd_options {
  const char *root;
  int port;
  unsigned long long max_conns;
  unsigned long long header_timeout_ms, idle_timeout_ms;
  struct http_limits lim;
  struct prog_tls tls;
};

struct conn;

struct server {
  struct prog *prog;
  struct httpd_options opt;
  int root_fd;
  sf_tcp_t listener;
  int listening;
  struct conn *conns; /* every open connection */
  unsigned long long nconns;
  char date[64];
  time_t date_at;
};

enum conn_phase {
  PHASE_HEAD,    /* waiting for (more of) a request head */
  PHASE_SENDING, /* a response is on its way */
  PHASE_CLOSING, /* half-closed after the last response, until the FIN */
};

struct conn {
  sf_tcp_t tcp;
  sf_tls_t tls;       /* with TLS: over tcp, which it owns */
  int tls_used;
  sf_timer_t timer;
  struct server *srv;
  struct conn *next, *prev;
  int phase;
  int handles_open;   /* the stream and the timer, until closed */
  int close_after;    /* close once this response is out */
  int peer_done;      /* the peer's FIN came */
  int reading;
  int closed;
  int fd;             /* the file being sent, or -1 */
  unsigned long long left; /* body bytes still to send from fd */
  off_t off;
  unsigned long long skip; /* request body bytes still to discard */
  sf_write_t wreq;
  sf_shutdown_t sreq;
  char head[HTTPD_HEAD_OUT];
  char *chunk;        /* small, or HTTPD_CHUNK bytes once a larger file
                         is sent (kept: a fresh 128 KiB each response
                         costs page faults) */
  char small[HTTPD_SMALL];
  size_t in_len;
  char in[];          /* max_head bytes */
};

static void conn_process(struct conn *c);
static void conn_close(struct conn *c);
static void conn_timer(struct conn *c, unsigned long long ms);

/* What requests come from and responses go to: the TLS stream, or the
 * connection itself. */
static sf_stream_t *conn_stream(struct conn *c) {
  return c->tls_used ? (sf_stream_t *)&c->tls : (sf_stream_t *)&c->tcp;
}

/* ------------------------------------------------------------ responses */

static const char *reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 400: return "Bad Request";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  case 505: return "HTTP Version Not Supported";
  default: return "Error";
  }
}

static const struct {
  const char *ext, *type;
} mime_types[] = {
    {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"}, {"css", "text/css"},
    {"js", "text/javascript"},            {"json", "application/json"},
    {"xml", "application/xml"},           {"png", "image/png"},
    {"jpg", "image/jpeg"},                {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},                 {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},              {"webp", "image/webp"},
    {"pdf", "application/pdf"},           {"wasm", "application/wasm"},
    {"gz", "application/gzip"},           {"tar", "application/x-tar"},
};

static const char *content_type(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  if (dot)
    for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
      if (!strcasecmp(dot + 1, mime_types[i].ext))
        return mime_types[i].type;
  return "application/octet-stream";
}

/* An HTTP-date (RFC 9110 5.6.7). */
static void http_date(time_t t, char *buf, size_t len) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The Date field's value, formatted once a second. */
static const char *server_date(struct server *s) {
  time_t now = time(NULL);
  if (now != s->date_at) {
    http_date(now, s->date, sizeof(s->date));
    s->date_at = now;
  }
  return s->date;
}

static int keeps_open(const struct conn *c) {
  return !c->close_after && !c->srv->prog->draining;
}

/* Writes the status line and the fields every response has. */
static int head_start(struct conn *c, int status, const char *type,
                      unsigned long long length) {
  return snprintf(c->head, sizeof(c->head),
                  "HTTP/1.1 %d %s\r\nServer: sfhttpd\r\nDate: %s\r\n"
                  "Content-Type: %s\r\nContent-Length: %llu\r\n"
                  "Connection: %s\r\n",
                  status, reason(status), server_date(c->srv), type, length,
                  keeps_open(c) ? "keep-alive" : "close");
}

static void on_response_written(sf_write_t *req, int status);

static void send_bufs(struct conn *c, sf_buf_t *bufs, unsigned int n) {
  c->phase = PHASE_SENDING;
  conn_timer(c, c->srv->opt.idle_timeout_ms); /* a peer not reading ends */
  int rc = sf_write(&c->wreq, conn_stream(c), bufs, n,
                    on_response_written);
  if (rc < 0) {
    prog_trace(c->srv->prog, "write: %s", sf_strerror(rc));
    conn_close(c);
  }
}

/* An error response; the connection closes after it. */
static void send_error(struct conn *c, int status, int head_only) {
  char body[96];
  int blen = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
  c->close_after = 1;
  int n = head_start(c, status, "text/plain; charset=utf-8", (unsigned)blen);
  if (status == 405)
    n += snprintf(c->head + n, sizeof(c->head) - (size_t)n,
                  "Allow: GET, HEAD\r\n");
  n += snprintf(c->head + n, sizeof(c->head) - (size_t)n, "\r\n");
  if (!head_only)
    n += snprintf(c->head + n, sizeof(c->head) - (size_t)n, "%s", body);
  sf_buf_t b = sf_buf_init(c->head, (size_t)n);
  send_bufs(c, &b, 1);
}

/* Reads the next chunk of the file; -1 if the file fails us. */
static ssize_t read_chunk(struct conn *c) {
  size_t cap = c->chunk == c->small ? HTTPD_SMALL : HTTPD_CHUNK;
  size_t want = c->left < cap ? (size_t)c->left : cap;
  ssize_t n;
  do
    n = pread(c->fd, c->chunk, want, c->off);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return -1; /* a file shrunk under us: the promised length is a lie */
  c->off += n;
  c->left -= (unsigned long long)n;
  return n;
}

/* The next chunk of the body, with the head before the first one. */
static void send_next_chunk(struct conn *c, size_t head_len) {
  sf_buf_t b[2];
  unsigned int nb = 0;
  if (head_len)
    b[nb++] = sf_buf_init(c->head, head_len);
  if (c->fd >= 0 && c->left) {
    ssize_t n = read_chunk(c);
    if (n < 0) {
      prog_log(c->srv->prog, "reading a file: %s", strerror(errno));
      conn_close(c);
      return;
    }
    b[nb++] = sf_buf_init(c->chunk, (size_t)n);
  }
  send_bufs(c, b, nb);
}

static void file_done(struct conn *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->left = 0;
}

/* ---------------------------------------------------------------- files */

/* openat2 with RESOLVE_BENEATH: no symbolic link or ".." leaves the
 * root; where the kernel lacks it, the path (which has no "..") alone. */
static int open_beneath(int root_fd, const char *path) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH};
  long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
  if (fd < 0 && errno == ENOSYS)
    fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC);
  return (int)fd;
}

static int errno_status(int e) {
  return e == EACCES || e == EPERM ? 403 : 404;
}

/* Opens the file the path names (index.html for a directory): the fd
 * with *st filled, or -status. */
static int open_file(struct server *s, const char *path, struct stat *st) {
  char p[HTTPD_PATH_MAX + 16];
  snprintf(p, sizeof(p), "%s", *path ? path : ".");
  int fd = open_beneath(s->root_fd, p);
  if (fd < 0)
    return -errno_status(errno);
  if (fstat(fd, st) == 0 && S_ISDIR(st->st_mode)) {
    close(fd);
    size_t n = strlen(p);
    snprintf(p + n, sizeof(p) - n, "%sindex.html", p[n - 1] == '/' ? "" : "/");
    if ((fd = open_beneath(s->root_fd, p)) < 0)
      return -errno_status(errno);
    if (fstat(fd, st) < 0) {
      close(fd);
      return -500;
    }
  }
  if (!S_ISREG(st->st_mode)) {
    close(fd);
    return -404;
  }
  return fd;
}

/* Answers a request for path (or with status st, if not 0). */
/* A buffer for the body: the small one in the struct, or the connection's
 * large one, allocated once. */
static int chunk_buffer(struct conn *c) {
  if (c->left <= HTTPD_SMALL) {
    if (c->chunk && c->chunk != c->small)
      return 0; /* the large one serves too */
    c->chunk = c->small;
    return 0;
  }
  if (c->chunk && c->chunk != c->small)
    return 0;
  c->chunk = malloc(HTTPD_CHUNK);
  return c->chunk ? 0 : -1;
}

static void serve(struct conn *c, int method, const char *path, int st) {
  int head_only = method == HTTP_METHOD_HEAD;
  if (method == HTTP_METHOD_OTHER) {
    send_error(c, 405, 0);
    return;
  }
  struct stat sb;
  int fd = st ? -st : open_file(c->srv, path, &sb);
  if (fd < 0) {
    send_error(c, -fd, head_only);
    return;
  }
  char lm[64];
  http_date(sb.st_mtime, lm, sizeof(lm));
  int n = head_start(c, 200, content_type(path), (unsigned long long)sb.st_size);
  n += snprintf(c->head + n, sizeof(c->head) - (size_t)n,
                "Last-Modified: %s\r\n\r\n", lm);
  c->fd = fd;
  c->off = 0;
  c->left = head_only ? 0 : (unsigned long long)sb.st_size;
  if (chunk_buffer(c) < 0) {
    file_done(c);
    send_error(c, 500, head_only);
    return;
  }
  prog_trace(c->srv->prog, "%s /%s -> 200, %llu bytes",
             head_only ? "HEAD" : "GET", path, c->left);
  send_next_chunk(c, (size_t)n);
}

/* --------------------------------------------------------- connections */

static void on_handle_closed(sf_handle_t *h) {
  struct conn *c = h->data;
  if (--c->handles_open == 0)
    free(c);
}

static void conn_close(struct conn *c) {
  if (c->closed)
    return;
  c->closed = 1;
  struct server *s = c->srv;
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  s->nconns--;
  file_done(c);
  if (c->chunk != c->small)
    free(c->chunk);
  c->chunk = NULL;
  sf_close((sf_handle_t *)&c->timer, on_handle_closed);
  /* a TLS stream's close closes its connection too */
  sf_close((sf_handle_t *)conn_stream(c), on_handle_closed);
}

static void on_shutdown(sf_shutdown_t *req, int status) {
  (void)req;
  (void)status; /* the FIN, the peer's FIN or the timer end it */
}

static void reading(struct conn *c, int on);

/* After the last response: FIN, then wait for the peer's. */
static void conn_finish(struct conn *c) {
  if (c->peer_done) {
    conn_close(c);
    return;
  }
  c->phase = PHASE_CLOSING;
  if (sf_shutdown(&c->sreq, conn_stream(c), on_shutdown) < 0) {
    conn_close(c);
    return;
  }
  reading(c, 1); /* it may have stopped on a full buffer: the FIN is owed */
  conn_timer(c, c->srv->opt.idle_timeout_ms);
}

static void on_timeout(sf_timer_t *t) {
  struct conn *c = t->data;
  prog_trace(c->srv->prog, "connection timed out (%s)",
             c->phase == PHASE_HEAD ? (c->in_len ? "head" : "idle")
             : c->phase == PHASE_SENDING ? "peer not reading" : "no FIN");
  conn_close(c);
}

static void conn_timer(struct conn *c, unsigned long long ms) {
  sf_timer_start(&c->timer, on_timeout, ms, 0);
}

static void on_alloc(sf_handle_t *h, size_t suggested, sf_buf_t *buf) {
  struct conn *c = h->data;
  (void)suggested;
  if (c->phase == PHASE_CLOSING) {
    /* what comes after our last response is read only to be dropped */
    *buf = sf_buf_init(c->in, c->srv->opt.lim.max_head);
    c->in_len = 0;
    return;
  }
  *buf = sf_buf_init(c->in + c->in_len, c->srv->opt.lim.max_head - c->in_len);
}

static void on_read(sf_stream_t *stream, ssize_t nread, const sf_buf_t *buf) {
  struct conn *c = stream->data;
  (void)buf;
  if (nread == SF_ETRUNCATED)
    prog_trace(c->srv->prog, "TLS: the client closed without close_notify");
  if (nread == SF_EOF || nread == SF_ETRUNCATED) {
    c->peer_done = 1;
    reading(c, 0);
    if (c->phase != PHASE_SENDING)
      conn_close(c); /* nothing more will come, nothing is owed */
    return;
  }
  if (nread < 0) {
    prog_trace(c->srv->prog, "read: %s", sf_strerror((int)nread));
    conn_close(c);
    return;
  }
  if (c->phase == PHASE_CLOSING)
    return;
  size_t old = c->in_len;
  c->in_len += (size_t)nread;
  if (old == 0 && c->phase == PHASE_HEAD)
    conn_timer(c, c->srv->opt.header_timeout_ms); /* a head has begun */
  size_t from = old > 3 ? old - 3 : 0;
  const struct http_limits *lim = &c->srv->opt.lim;
  /* parse only when the head may be complete or a limit is reached: a
   * client sending a byte at a time does not make us re-parse each time */
  if (c->skip || memmem(c->in + from, c->in_len - from, "\r\n\r\n", 4) ||
      c->in_len >= lim->max_head ||
      (old < lim->max_line && c->in_len >= lim->max_line))
    conn_process(c);
  if (!c->closed && c->in_len == lim->max_head)
    reading(c, 0); /* full: pipelined requests wait for their turn */
}

static void reading(struct conn *c, int on) {
  if (on == c->reading)
    return;
  if (on && sf_read_start(conn_stream(c), on_alloc, on_read) < 0)
    return;
  if (!on)
    sf_read_stop(conn_stream(c));
  c->reading = on;
}

static void consume(struct conn *c, size_t n) {
  memmove(c->in, c->in + n, c->in_len - n);
  c->in_len -= n;
}

/* Handles the next request in the buffer, if a whole head is there. */
static void conn_process(struct conn *c) {
  if (c->phase != PHASE_HEAD)
    return;
  if (c->skip) {
    size_t n = c->in_len < c->skip ? c->in_len : (size_t)c->skip;
    consume(c, n);
    c->skip -= n;
    if (c->skip) {
      reading(c, 1);
      return;
    }
  }
  struct http_request req;
  int r = http_parse_request(c->in, c->in_len, &c->srv->opt.lim, &req);
  if (r == HTTP_PARSE_MORE) {
    if (c->peer_done)
      conn_close(c);
    else
      reading(c, 1);
    return;
  }
  sf_timer_stop(&c->timer);
  if (r == HTTP_PARSE_ERROR) {
    prog_trace(c->srv->prog, "bad request: %d", req.status);
    c->in_len = 0;
    send_error(c, req.status, 0);
    return;
  }
  /* the path leaves the buffer before the head does */
  char path[HTTPD_PATH_MAX];
  int st = http_target_path(req.target, req.target_len, path, sizeof(path));
  c->close_after = !req.keep_alive;
  c->skip = req.content_length;
  consume(c, req.head_len);
  serve(c, req.method, path, st);
}

/* The response is out: the next one, or the end. */
static void on_response_written(sf_write_t *req, int status) {
  struct conn *c = req->data;
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (c->left) {
    send_next_chunk(c, 0);
    return;
  }
  file_done(c);
  if (!keeps_open(c)) {
    conn_finish(c);
    return;
  }
  c->phase = PHASE_HEAD;
  conn_timer(c, c->in_len ? c->srv->opt.header_timeout_ms
                          : c->srv->opt.idle_timeout_ms);
  conn_process(c);
}

static struct conn *conn_new(struct server *s) {
  struct conn *c = calloc(1, sizeof(*c) + s->opt.lim.max_head);
  if (!c)
    return NULL;
  c->srv = s;
  c->fd = -1;
  c->tcp.data = c->timer.data = c->wreq.data = c;
  return c;
}

/* A failed handshake ends the connection (the client got OpenSSL's
 * alert); a completed one needs nothing: reading is on already. */
static void on_handshake(sf_tls_t *tls, int status) {
  struct conn *c = tls->data;
  if (status == 0 || c->closed)
    return;
  prog_trace(c->srv->prog, "TLS handshake: %s", prog_tls_reason(tls, status));
  conn_close(c);
}

/* With TLS: the accepted connection goes under a TLS stream, which
 * reads, writes and closes it from now on. */
static int start_tls(struct server *s, struct conn *c) {
  if (!s->opt.tls.on)
    return 0;
  int rc = sf_tls_init(&s->prog->loop, &c->tls, &c->tcp, s->opt.tls.ctx,
                       NULL, on_handshake);
  if (rc < 0)
    return rc;
  c->tls_used = 1;
  c->tls.data = c;
  return 0;
}

static void on_connection(sf_tcp_t *listener, int status) {
  struct server *s = listener->data;
  if (status < 0)
    return;
  struct conn *c = conn_new(s);
  if (!c || sf_tcp_init(&s->prog->loop, &c->tcp) < 0) {
    free(c);
    return;
  }
  c->tcp.data = c;
  c->handles_open = 1;
  if (sf_accept(listener, &c->tcp) < 0 ||
      sf_timer_init(&s->prog->loop, &c->timer) < 0) {
    sf_close((sf_handle_t *)&c->tcp, on_handle_closed);
    return;
  }
  c->timer.data = c;
  c->handles_open = 2;
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  sf_tcp_nodelay(&c->tcp, 1);
  int rc = start_tls(s, c);
  if (rc < 0) {
    prog_trace(s->prog, "TLS: %s", sf_strerror(rc));
    conn_close(c);
    return;
  }
  conn_timer(c, s->opt.header_timeout_ms); /* the handshake's too */
  reading(c, 1);
  if (s->nconns > s->opt.max_conns)
    send_error(c, 503, 0);
}

/* ------------------------------------------------------- drain, abort */

static void stop_listening(struct server *s) {
  if (s->listening)
    sf_close((sf_handle_t *)&s->listener, NULL);
  s->listening = 0;
}

/* No new connections; an idle one closes now, a busy one after its
 * response (keeps_open is false from now on). */
static void on_drain(struct prog *p) {
  struct server *s = p->data;
  stop_listening(s);
  for (struct conn *c = s->conns, *next; c; c = next) {
    next = c->next;
    if (c->phase == PHASE_HEAD && c->in_len == 0)
      conn_finish(c);
  }
}

static void on_abort(struct prog *p) {
  struct server *s = p->data;
  stop_listening(s);
  while (s->conns)
    conn_close(s->conns);
}

/* -------------------------------------------------------------- options */

static void usage(FILE *out) {
  fputs("Usage: sfhttpd [OPTION]... --root DIR\n"
        "An HTTP/1.1 static file server on synfin's TCP/IP stack: GET and\n"
        "HEAD, keep-alive, pipelining, index.html for directories.\n"
        "\n"
        "  --root DIR              serve the files under DIR (required)\n"
        "  --port N                listen on port N (default 80)\n"
        "  --max-connections N     at most N open connections; more get 503\n"
        "                          (default 1024)\n"
        "  --header-timeout S      a request head must arrive within S\n"
        "                          seconds (default 10)\n"
        "  --idle-timeout S        close an idle keep-alive connection, a\n"
        "                          stalled download, or a closing connection\n"
        "                          without FIN after S seconds (default 60)\n"
        "  --max-header-size N     request line and header fields, bytes\n"
        "                          (default 16384; beyond: 431)\n"
        "  --max-body-size N       request body bytes accepted and dropped\n"
        "                          (default 1048576; beyond: 413)\n"
        "  --help                  this text\n",
        out);
  prog_tls_usage(out, 0);
  fputs("With --tls-cert and --tls-key, sfhttpd serves HTTPS; ALPN offers\n"
        "http/1.1 unless --tls-alpn says otherwise.\n",
        out);
  prog_usage_common(out);
}

static int is_own_option(const char *a) {
  static const char *const names[] = {
      "--root", "--port", "--max-connections", "--header-timeout",
      "--idle-timeout", "--max-header-size", "--max-body-size"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (!strcmp(a, names[i]))
      return 1;
  return 0;
}

static int seconds_option(struct prog *p, const char *a, const char *val,
                          unsigned long long *ms) {
  unsigned long long v;
  if (prog_parse_number(p, a, val, 1, 86400, &v))
    return PROG_EXIT_USAGE;
  *ms = v * 1000;
  return 0;
}

static int own_option(struct prog *p, struct httpd_options *o, int argc,
                      char **argv, int *i) {
  const char *a = argv[*i];
  unsigned long long v;
  if (!is_own_option(a))
    return prog_usage_error(p, "unknown option '%s'", a);
  if (*i + 1 >= argc)
    return prog_usage_error(p, "%s needs a value", a);
  const char *val = argv[++*i];
  if (!strcmp(a, "--root")) {
    o->root = val;
    return 0;
  }
  if (!strcmp(a, "--port"))
    return prog_parse_port(p, a, val, &o->port);
  if (!strcmp(a, "--max-connections"))
    return prog_parse_number(p, a, val, 1, 1000000, &o->max_conns);
  if (!strcmp(a, "--header-timeout"))
    return seconds_option(p, a, val, &o->header_timeout_ms);
  if (!strcmp(a, "--idle-timeout"))
    return seconds_option(p, a, val, &o->idle_timeout_ms);
  if (!strcmp(a, "--max-header-size")) {
    if (prog_parse_number(p, a, val, 256, 1048576, &v))
      return PROG_EXIT_USAGE;
    o->lim.max_head = (size_t)v;
    return 0;
  }
  return prog_parse_number(p, a, val, 0, 1ull << 40, &o->lim.max_body);
}

static int parse_args(struct prog *p, struct httpd_options *o, int argc,
                      char **argv) {
  *o = (struct httpd_options){.port = 80,
                              .max_conns = 1024,
                              .header_timeout_ms = 10000,
                              .idle_timeout_ms = 60000,
                              .lim = {.max_head = 16384, .max_body = 1 << 20}};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      exit(PROG_EXIT_OK);
    }
    int r = prog_option(p, argc, argv, &i);
    if (r == 0)
      r = prog_tls_option(p, &o->tls, argc, argv, &i);
    if (r < 0)
      return PROG_EXIT_USAGE;
    if (r == 0 && own_option(p, o, argc, argv, &i))
      return PROG_EXIT_USAGE;
  }
  if (!o->root)
    return prog_usage_error(p, "--root DIR is required");
  o->lim.max_line = o->lim.max_head < 8192 ? o->lim.max_head : 8192;
  if (o->tls.on && !o->tls.alpn)
    o->tls.alpn = "http/1.1"; /* the only protocol sfhttpd speaks */
  return prog_tls_check(p, &o->tls, SF_TLS_SERVER);
}

static int start_listening(struct server *s) {
  struct sockaddr_in a;
  int rc;
  sf_ip4_addr("0.0.0.0", s->opt.port, &a);
  if ((rc = sf_tcp_init(&s->prog->loop, &s->listener)) < 0)
    return rc;
  s->listener.data = s;
  s->listening = 1;
  if ((rc = sf_tcp_bind(&s->listener, (struct sockaddr *)&a, 0)) < 0 ||
      (rc = sf_listen(&s->listener, 511, on_connection)) < 0)
    return rc;
  return 0;
}

int main(int argc, char **argv) {
  struct prog p;
  struct server s = {.prog = &p, .root_fd = -1};
  prog_init(&p, "sfhttpd");
  int rc = parse_args(&p, &s.opt, argc, argv);
  if (rc)
    return rc;
  s.root_fd = open(s.opt.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.root_fd < 0) {
    prog_log(&p, "--root '%s': %s", s.opt.root, strerror(errno));
    return PROG_EXIT_USAGE;
  }
  p.data = &s;
  p.on_drain = on_drain;
  p.on_abort = on_abort;
  if ((rc = prog_open(&p, NULL)) == 0 &&
      (rc = prog_tls_open(&p, &s.opt.tls)) == 0) {
    int err = start_listening(&s);
    if (err < 0) {
      prog_log(&p, "listening on port %d: %s", s.opt.port, sf_strerror(err));
      rc = PROG_EXIT_FAIL;
    } else {
      prog_log(&p, "ready: serving %s on %s://%s:%d/", s.opt.root,
               s.opt.tls.on ? "https" : "http", p.ip, s.opt.port);
      prog_run(&p);
    }
  }
  if (prog_close(&p) && !rc)
    rc = PROG_EXIT_FAIL;
  prog_tls_close(&s.opt.tls);
  close(s.root_fd);
  return rc;
}
