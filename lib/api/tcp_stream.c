/*
 * A TCP handle as a stream: reading, writing and shutdown on its
 * connection, TCP's side of sf__stream_ops (stream.c has checked the
 * handle and the arguments before any of these runs).
 *
 * Reading: a read pass loops alloc_cb -> sf__tcp_recv -> read_cb until
 * nothing is buffered; it runs on READABLE / PEER_FIN / ERROR events
 * while reading, and once (queued, never inside sf_read_start) when
 * reading starts. While not reading nothing is received: the engine's
 * window closes and the peer is flow-controlled.
 *
 * Splice mode (sf__tcp_stream_splice_start, for relay.c): reading
 * without alloc_cb/read_cb; the read pass and WRITABLE hand over to the
 * hooks of struct sf__tcp_splice, which move the bytes in place.
 *
 * Writing: sf_write queues a request; the queue is pushed into the
 * engine's send buffer (sf__tcp_send copies) once connected and again on
 * every WRITABLE event; a request whose last byte was taken is finished
 * (write_cb 0). After sf_shutdown and an empty queue, sf__tcp_shutdown
 * sends FIN; the shutdown request finishes on FIN_ACKED.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/events.h"
#include "api/tcp_stream.h"
#include "stack/stack.h"
#include "util/alloc.h"

#define READ_SUGGESTED (64 * 1024)

/* The ops run on TCP handles only (sf__tcp_stream_ops is theirs). */
static sf_tcp_t *tcp_of(sf_stream_t *s) { return (sf_tcp_t *)s; }
static const sf_tcp_t *const_tcp_of(const sf_stream_t *s) {
  return (const sf_tcp_t *)s;
}

static bool still_reading(sf_tcp_t *tcp) {
  return !sf__handle_closing((sf_handle_t *)tcp) &&
         (tcp->impl_->tflags & SF__T_READING);
}

/* ------------------------------------------------------------- reading */

int sf__tcp_stream_error(const struct sf__tcp_impl *t) {
  if (t->error)
    return t->error;
  return t->tcb ? sf__tcp_error(t->tcb) : 0;
}

/* One read_cb; an end or an error is remembered. */
static void report(sf_tcp_t *tcp, ssize_t code, const sf_buf_t *buf) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (code == SF_EOF)
    t->tflags |= SF__T_EOF_SEEN;
  else if (code < 0 && code != SF_ENOBUFS)
    t->tflags |= SF__T_ERR_REPORTED;
  t->read_cb((sf_stream_t *)tcp, code, buf);
}

void sf__tcp_stream_read_pass(sf_tcp_t *tcp) {
  while (still_reading(tcp)) {
    struct sf__tcp_impl *t = tcp->impl_;
    sf_buf_t empty = {NULL, 0};
    if (t->splice) {
      t->splice->source_ready(tcp);
      return;
    }
    if (t->tflags & SF__T_ERR_REPORTED)
      return;
    if ((t->tflags & SF__T_EOF_SEEN) || !t->tcb) {
      /* A reset after the end of stream is still news (BEHAVIOUR 11). */
      int err = sf__tcp_stream_error(t);
      if (err)
        report(tcp, err, &empty);
      return;
    }
    if (!sf__tcp_readable(t->tcb) && !sf__tcp_read_done(t->tcb) &&
        !sf__tcp_stream_error(t))
      return; /* nothing now; READABLE will come */
    sf_buf_t buf = {NULL, 0};
    t->alloc_cb((sf_handle_t *)tcp, READ_SUGGESTED, &buf);
    if (!still_reading(tcp))
      return;
    if (!buf.base || !buf.len) {
      report(tcp, SF_ENOBUFS, &buf);
      return;
    }
    ssize_t n = sf__tcp_recv(t->tcb, buf.base, buf.len, sf__loop_now(tcp->loop));
    if (n == SF_EAGAIN) {
      t->read_cb((sf_stream_t *)tcp, 0, &buf); /* hands the buffer back */
      return;
    }
    report(tcp, n, &buf);
  }
}

void sf__tcp_stream_read_failed(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->tflags & SF__T_READING) {
    sf__tcp_stream_read_pass(tcp);
    return;
  }
  if (t->splice) {
    t->splice->source_ready(tcp);
    return;
  }
  /* libuv stops reading at EOF and so never reports a later reset: the
   * handle sits in CLOSE-WAIT until its next write. Here the error goes
   * to the read_cb the handle had, unless unread data must come first. */
  if (!t->read_cb || (t->tflags & SF__T_ERR_REPORTED) ||
      (t->tcb && sf__tcp_readable(t->tcb)))
    return;
  sf_buf_t empty = {NULL, 0};
  report(tcp, sf__tcp_stream_error(t), &empty);
}

static void queue_read_pass(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->tflags & SF__T_READ_QUEUED)
    return;
  t->tflags |= SF__T_READ_QUEUED;
  struct sf__event e = {.kind = SF__EV_READ_PASS, .tcp = tcp};
  sf__events_push(tcp->loop->impl_, &e);
}

/* Reading through alloc_cb/read_cb, or (splice set) in place. */
static int begin_reading(sf_tcp_t *tcp, sf_alloc_cb alloc_cb,
                         sf_read_cb read_cb,
                         const struct sf__tcp_splice *splice) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener || !t->tcb)
    return SF_ENOTCONN;
  if (t->tflags & SF__T_READING)
    return SF_EALREADY;
  t->alloc_cb = alloc_cb;
  t->read_cb = read_cb;
  t->splice = splice;
  t->tflags |= SF__T_READING;
  /* Data, an end or an error may be waiting already. */
  queue_read_pass(tcp);
  sf__tcp_update_active(tcp);
  return 0;
}

static int start_reading(sf_stream_t *s, sf_alloc_cb alloc_cb,
                         sf_read_cb read_cb) {
  return begin_reading(tcp_of(s), alloc_cb, read_cb, NULL);
}

int sf__tcp_stream_splice_start(sf_tcp_t *tcp,
                                const struct sf__tcp_splice *splice) {
  return begin_reading(tcp, NULL, NULL, splice);
}

static int stop_reading(sf_stream_t *s) {
  sf_tcp_t *tcp = tcp_of(s);
  tcp->impl_->tflags &= ~SF__T_READING;
  tcp->impl_->splice = NULL;
  sf__tcp_update_active(tcp);
  return 0;
}

static bool can_read(const sf_stream_t *s) {
  const sf_tcp_t *tcp = const_tcp_of(s);
  if (!tcp->impl_->tcb)
    return false;
  const struct sf__tcp_impl *t = tcp->impl_;
  return !(t->tflags & (SF__T_EOF_SEEN | SF__T_ERR_REPORTED)) &&
         (sf__tcp_readable(t->tcb) || !sf__tcp_read_done(t->tcb) ||
          sf__tcp_stream_error(t));
}

static bool can_write(const sf_stream_t *s) {
  const sf_tcp_t *tcp = const_tcp_of(s);
  if (!tcp->impl_->tcb)
    return false;
  const struct sf__tcp_impl *t = tcp->impl_;
  return !(t->tflags & SF__T_SHUT) && !sf__tcp_stream_error(t);
}

/* ------------------------------------------------------------- writing */

static void maybe_send_fin(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (!(t->tflags & SF__T_SHUT) || (t->tflags & SF__T_FIN_SENT) ||
      t->wq_head || !(t->tflags & SF__T_CONNECTED) || !t->tcb || t->error)
    return;
  t->tflags |= SF__T_FIN_SENT;
  int rc = sf__tcp_shutdown(t->tcb, sf__loop_now(tcp->loop));
  if (rc < 0 && t->shutdown_req) {
    sf_shutdown_t *req = t->shutdown_req;
    t->shutdown_req = NULL;
    sf__req_done(tcp->loop, (sf_req_t *)req,
                 sf__tcp_stream_error(t) ? sf__tcp_stream_error(t) : rc);
  }
}

static void pop_write(sf_tcp_t *tcp, int status) {
  struct sf__tcp_impl *t = tcp->impl_;
  sf_write_t *req = t->wq_head;
  t->wq_head = (sf_write_t *)req->next_;
  if (!t->wq_head)
    t->wq_tail = NULL;
  t->wq_bytes -= sf__write_req_left(req);
  sf__write_req_release(req);
  sf__req_done(tcp->loop, (sf_req_t *)req, status);
}

void sf__tcp_stream_fail_writes(sf_tcp_t *tcp, int status) {
  while (tcp->impl_->wq_head)
    pop_write(tcp, status);
}

void sf__tcp_stream_push_writes(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (!t->tcb || !(t->tflags & SF__T_CONNECTED) || t->error)
    return;
  sf_time_t now = sf__loop_now(tcp->loop);
  while (t->wq_head) {
    sf_write_t *req = t->wq_head;
    if (req->index_ == req->nbufs_) {
      pop_write(tcp, 0);
      continue;
    }
    sf_buf_t *b = &req->bufs_[req->index_];
    if (req->offset_ == b->len) {
      req->index_++;
      req->offset_ = 0;
      continue;
    }
    ssize_t n = sf__tcp_send(t->tcb, b->base + req->offset_,
                             b->len - req->offset_, now);
    if (n < 0) {
      sf__tcp_stream_fail_writes(tcp, n);
      return;
    }
    if (n == 0)
      break;
    req->offset_ += (size_t)n;
    t->wq_bytes -= (size_t)n;
  }
  maybe_send_fin(tcp);
}

void sf__tcp_stream_writable(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  sf__tcp_stream_push_writes(tcp);
  if (t->splice && !t->wq_head && !sf__handle_closing((sf_handle_t *)tcp))
    t->splice->room(tcp);
}

static int queue_write(sf_write_t *req, sf_stream_t *s, const sf_buf_t bufs[],
                       unsigned nbufs, sf_write_cb cb) {
  sf_tcp_t *tcp = tcp_of(s);
  struct sf__tcp_impl *t = tcp->impl_;
  if (!t->tcb)
    return SF_ENOTCONN;
  if (t->tflags & SF__T_SHUT)
    return SF_EPIPE;
  int rc = sf__write_req_start(req, s, bufs, nbufs, cb);
  if (rc)
    return rc;
  for (unsigned i = 0; i < nbufs; i++)
    t->wq_bytes += bufs[i].len;
  if (t->wq_tail)
    t->wq_tail->next_ = (sf_req_t *)req;
  else
    t->wq_head = req;
  t->wq_tail = req;
  int err = sf__tcp_stream_error(t);
  if (err)
    sf__tcp_stream_fail_writes(tcp, err); /* reported through write_cb */
  else
    sf__tcp_stream_push_writes(tcp);
  sf__tcp_update_active(tcp);
  return 0;
}

static int write_now(sf_stream_t *s, const sf_buf_t bufs[], unsigned nbufs) {
  sf_tcp_t *tcp = tcp_of(s);
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener || !t->tcb)
    return SF_ENOTCONN;
  int err = sf__tcp_stream_error(t);
  if (err)
    return err;
  if (t->tflags & SF__T_SHUT)
    return SF_EPIPE;
  if (t->wq_head || !(t->tflags & SF__T_CONNECTED))
    return SF_EAGAIN;
  sf_time_t now = sf__loop_now(tcp->loop);
  size_t total = 0;
  for (unsigned i = 0; i < nbufs; i++) {
    if (!bufs[i].len)
      continue;
    ssize_t n = sf__tcp_send(t->tcb, bufs[i].base, bufs[i].len, now);
    if (n < 0) {
      if (total)
        break;
      return (int)n;
    }
    total += (size_t)n;
    if ((size_t)n < bufs[i].len)
      break;
  }
  if (!total)
    return SF_EAGAIN;
  return total > INT32_MAX ? INT32_MAX : (int)total;
}

static size_t queued_bytes(const sf_stream_t *s) {
  return const_tcp_of(s)->impl_->wq_bytes;
}

/* ------------------------------------------------------------ shutdown */

static int half_close(sf_shutdown_t *req, sf_stream_t *s, sf_shutdown_cb cb) {
  sf_tcp_t *tcp = tcp_of(s);
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener || !t->tcb || (t->tflags & SF__T_SHUT))
    return SF_ENOTCONN;
  sf__req_start(tcp->loop, (sf_req_t *)req, SF_SHUTDOWN);
  req->handle = s;
  req->cb_ = cb;
  t->tflags |= SF__T_SHUT;
  t->shutdown_req = req;
  int err = sf__tcp_stream_error(t);
  if (err) {
    t->shutdown_req = NULL;
    sf__req_done(tcp->loop, (sf_req_t *)req, err);
  } else {
    maybe_send_fin(tcp);
  }
  sf__tcp_update_active(tcp);
  return 0;
}

const struct sf__stream_ops sf__tcp_stream_ops = {
    .read_start = start_reading,
    .read_stop = stop_reading,
    .write = queue_write,
    .try_write = write_now,
    .shutdown = half_close,
    .write_queue_size = queued_bytes,
    .readable = can_read,
    .writable = can_write,
};
