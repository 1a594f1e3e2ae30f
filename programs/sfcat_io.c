/*
 * sfcat's two pumps: stdin to the connection, the connection to stdout.
 *
 * Both descriptors are watched with sf_poll handles, which makes them
 * non-blocking (their flags are restored at exit), so a slow stdout or a
 * silent stdin never stops the loop: the stack keeps answering the peer
 * (ACKs, window updates, retransmissions) meanwhile.
 *
 * Back-pressure both ways:
 *   - stdin is read only while fewer than SFCAT_IN_FLIGHT writes wait for
 *     the stack's send buffer, so a fast producer is held at the speed of
 *     the connection. A regular file (or /dev/null) is always "readable"
 *     for poll, and reading it never blocks: it is still read a chunk per
 *     round, only while there is room, and its end is read() returning 0.
 *   - the connection is read only while stdout has taken everything read
 *     before: a write that stdout takes only in part stops reading (the
 *     receive window closes, the peer waits) and waits for stdout to be
 *     writable again.
 */
#include "config.h"

#include "sfcat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* stdin chunks queued on the connection at most: enough to keep the send
 * buffer fed while the next read happens. */
#define SFCAT_IN_FLIGHT 2

struct chunk {
  sf_write_t req;
  char data[SFCAT_CHUNK];
};

/* -------------------------------------------------- stdin -> connection */

static void on_stdin(sf_poll_t *h, int status, int events);

/* Reads stdin while there is room on the connection for more. */
static void stdin_update(struct sfcat *c) {
  if (c->in_eof || !c->in_ok || sf_is_closing((sf_handle_t *)&c->in_poll))
    return;
  if (c->writes_in_flight < SFCAT_IN_FLIGHT)
    sf_poll_start(&c->in_poll, SF_READABLE, on_stdin);
  else
    sf_poll_stop(&c->in_poll);
}

static void on_written(sf_write_t *req, int status) {
  struct sfcat *c = req->data;
  free(req);
  c->writes_in_flight--;
  if (status < 0 && status != SF_ECANCELED)
    sfcat_fail(c, status, "sending");
  else if (status == 0)
    stdin_update(c);
}

static void on_fin_acked(sf_shutdown_t *req, int status) {
  struct sfcat *c = req->data;
  if (status == SF_ECANCELED)
    return; /* closing: whoever closed says why */
  if (status < 0) {
    sfcat_fail(c, status, "half-closing");
    return;
  }
  c->fin_acked = 1;
  prog_trace(&c->p, "our FIN acknowledged");
  if (c->out_done)
    sfcat_session_done(c);
}

void sfcat_io_end_input(struct sfcat *c) {
  if (c->in_eof)
    return;
  c->in_eof = 1;
  if (c->in_ok && !sf_is_closing((sf_handle_t *)&c->in_poll))
    sf_close((sf_handle_t *)&c->in_poll, NULL);
  c->shutdown_req.data = c;
  int rc = sf_shutdown(&c->shutdown_req, sfcat_stream(c), on_fin_acked);
  if (rc < 0)
    sfcat_fail(c, rc, "half-closing");
}

static void send_chunk(struct sfcat *c, struct chunk *k, size_t n) {
  sf_buf_t b = sf_buf_init(k->data, n);
  k->req.data = c;
  int rc = sf_write(&k->req, sfcat_stream(c), &b, 1, on_written);
  if (rc < 0) {
    free(k);
    sfcat_fail(c, rc, "sending");
    return;
  }
  c->writes_in_flight++;
  sfcat_touch(c);
  stdin_update(c);
}

static void on_stdin(sf_poll_t *h, int status, int events) {
  struct sfcat *c = h->data;
  (void)events;
  if (status < 0) { /* the descriptor went away: as its end */
    sfcat_io_end_input(c);
    return;
  }
  struct chunk *k = malloc(sizeof(*k));
  if (!k) {
    sfcat_fail(c, SF_ENOMEM, "reading stdin");
    return;
  }
  ssize_t n = read(STDIN_FILENO, k->data, sizeof(k->data));
  if (n > 0) {
    send_chunk(c, k, (size_t)n);
    return;
  }
  free(k);
  if (n == 0)
    sfcat_io_end_input(c);
  else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    sfcat_fail(c, sf_translate_sys_error(errno), "reading stdin");
}

/* ------------------------------------------------- connection -> stdout */

static void on_conn_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf);
static void on_stdout_writable(sf_poll_t *h, int status, int events);

static void conn_alloc(sf_handle_t *h, size_t suggested, sf_buf_t *buf) {
  struct sfcat *c = h->data;
  (void)suggested;
  /* Reading stops whenever rbuf holds bytes stdout has not taken. */
  *buf = sf_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void set_reading(struct sfcat *c, int on) {
  if (on == c->reading)
    return;
  int rc = on ? sf_read_start(sfcat_stream(c), conn_alloc, on_conn_read)
              : sf_read_stop(sfcat_stream(c));
  if (rc < 0) {
    sfcat_fail(c, rc, "reading the connection");
    return;
  }
  c->reading = on;
}

static void close_stdout_fd(sf_handle_t *h) {
  (void)h;
  close(STDOUT_FILENO);
}

/* The peer's data is all on stdout: close it, so that its reader sees the
 * end even while our own direction is still sending. */
static void stdout_done(struct sfcat *c) {
  c->out_done = 1;
  if (c->out_ok && !sf_is_closing((sf_handle_t *)&c->out_poll))
    sf_close((sf_handle_t *)&c->out_poll, close_stdout_fd);
  if (c->fin_acked)
    sfcat_session_done(c);
}

/* Writes what rbuf holds; 1 if all of it went, 0 if stdout is full (or
 * failed). */
static int flush_stdout(struct sfcat *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(STDOUT_FILENO, c->rbuf + c->out_off,
                      c->out_len - c->out_off);
    if (n > 0) {
      c->out_off += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return 0;
    } else {
      sfcat_fail(c, sf_translate_sys_error(errno), "writing stdout");
      return 0;
    }
  }
  c->out_off = c->out_len = 0;
  return 1;
}

/* After each write to stdout: go on reading, or wait for stdout. */
static void pump_stdout(struct sfcat *c) {
  if (c->status || sf_is_closing((sf_handle_t *)sfcat_stream(c)))
    return;
  if (!flush_stdout(c)) {
    if (c->status)
      return;
    set_reading(c, 0);
    sf_poll_start(&c->out_poll, SF_WRITABLE, on_stdout_writable);
    return;
  }
  sf_poll_stop(&c->out_poll);
  if (c->peer_eof)
    stdout_done(c);
  else
    set_reading(c, 1);
}

static void on_stdout_writable(sf_poll_t *h, int status, int events) {
  struct sfcat *c = h->data;
  (void)events;
  if (status < 0) {
    sfcat_fail(c, status, "writing stdout");
    return;
  }
  pump_stdout(c);
}

static void on_conn_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  struct sfcat *c = s->data;
  (void)buf;
  if (n > 0) {
    c->out_off = 0;
    c->out_len = (size_t)n;
    sfcat_touch(c);
    pump_stdout(c);
  } else if (n == SF_EOF) {
    prog_trace(&c->p, "end of the peer's data");
    c->peer_eof = 1;
    set_reading(c, 0);
    if (c->out_len == 0) /* else pump_stdout ends it once written */
      stdout_done(c);
  } else if (n < 0) {
    sfcat_fail(c, (int)n, "receiving");
  }
}

/* ------------------------------------------------------------- set-up */

/* A poll handle on fd, its flags saved first (sf_poll_init makes it
 * non-blocking). 0, or the SF_E* code. */
static int watch_fd(struct sfcat *c, sf_poll_t *h, int fd, int *flags) {
  *flags = fcntl(fd, F_GETFL);
  if (*flags < 0)
    return sf_translate_sys_error(errno);
  int rc = sf_poll_init(&c->p.loop, h, fd);
  if (rc == 0)
    h->data = c;
  return rc;
}

int sfcat_io_init(struct sfcat *c) {
  int rc = watch_fd(c, &c->in_poll, STDIN_FILENO, &c->in_flags);
  c->in_ok = rc == 0;
  /* No stdin at all (closed): as an empty one. */
  if (rc < 0 && rc != SF_EBADF) {
    prog_log(&c->p, "stdin: %s", sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  if ((rc = watch_fd(c, &c->out_poll, STDOUT_FILENO, &c->out_flags)) < 0) {
    prog_log(&c->p, "stdout: %s", sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  c->out_ok = 1;
  return 0;
}

void sfcat_io_start(struct sfcat *c) {
  sfcat_stream(c)->data = c;
  set_reading(c, 1);
  if (c->in_ok && !c->p.draining)
    stdin_update(c);
  else
    sfcat_io_end_input(c);
}

void sfcat_io_restore(struct sfcat *c) {
  if (c->in_ok)
    fcntl(STDIN_FILENO, F_SETFL, c->in_flags);
  if (c->out_ok && !c->out_done)
    fcntl(STDOUT_FILENO, F_SETFL, c->out_flags);
}
