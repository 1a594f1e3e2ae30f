/*
 * The stream calls: sf_read_start, sf_read_stop, sf_write, sf_try_write,
 * sf_shutdown, sf_stream_get_write_queue_size, sf_is_readable and
 * sf_is_writable check what every stream shares (a stream handle, open,
 * valid arguments: the errors are the same for every type) and dispatch
 * to the stream's type through its ops table; and the callbacks of
 * finished requests.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/stream.h"
#include "util/alloc.h"

/* The handle types whose handles start with SF_STREAM_FIELDS. */
static bool stream_type(sf_handle_type type) {
  return type == SF_TCP || type == SF_TLS;
}

/* Tells a stream from another handle before its ops_ is read (a timer
 * has no such field). */
static bool stream_ok(const sf_stream_t *s) {
  return sf__handle_ok((const sf_handle_t *)s, SF_UNKNOWN_HANDLE) &&
         stream_type(s->type) && s->ops_;
}

static bool stream_usable(const sf_stream_t *s) {
  return stream_ok(s) && !sf__handle_closing((const sf_handle_t *)s);
}

static bool bufs_ok(const sf_buf_t bufs[], unsigned nbufs) {
  if (!bufs || !nbufs)
    return false;
  for (unsigned i = 0; i < nbufs; i++)
    if (!bufs[i].base && bufs[i].len)
      return false;
  return true;
}

void sf__stream_init(sf_loop_t *loop, sf_stream_t *s, sf_handle_type type,
                     const struct sf__stream_ops *ops) {
  sf__handle_init(loop, (sf_handle_t *)s, type);
  s->ops_ = ops;
}

int sf_read_start(sf_stream_t *s, sf_alloc_cb alloc_cb, sf_read_cb read_cb) {
  if (!stream_usable(s) || !alloc_cb || !read_cb)
    return SF_EINVAL;
  return s->ops_->read_start(s, alloc_cb, read_cb);
}

int sf_read_stop(sf_stream_t *s) {
  if (!stream_ok(s))
    return SF_EINVAL;
  return s->ops_->read_stop(s);
}

int sf_write(sf_write_t *req, sf_stream_t *s, const sf_buf_t bufs[],
             unsigned nbufs, sf_write_cb cb) {
  if (!req || !stream_usable(s) || !bufs_ok(bufs, nbufs))
    return SF_EINVAL;
  return s->ops_->write(req, s, bufs, nbufs, cb);
}

int sf_try_write(sf_stream_t *s, const sf_buf_t bufs[], unsigned nbufs) {
  if (!stream_usable(s) || !bufs_ok(bufs, nbufs))
    return SF_EINVAL;
  return s->ops_->try_write(s, bufs, nbufs);
}

size_t sf_stream_get_write_queue_size(const sf_stream_t *s) {
  return stream_ok(s) ? s->ops_->write_queue_size(s) : 0;
}

int sf_shutdown(sf_shutdown_t *req, sf_stream_t *s, sf_shutdown_cb cb) {
  if (!req || !stream_ok(s))
    return SF_EINVAL;
  /* A closing stream's end is already on its way. */
  if (sf__handle_closing((sf_handle_t *)s))
    return SF_ENOTCONN;
  return s->ops_->shutdown(req, s, cb);
}

int sf_is_readable(const sf_stream_t *s) {
  return stream_usable(s) && s->ops_->readable(s);
}

int sf_is_writable(const sf_stream_t *s) {
  return stream_usable(s) && s->ops_->writable(s);
}

void sf__stream_close(sf_stream_t *s) {
  if (s->ops_ && s->ops_->close)
    s->ops_->close(s);
}

void sf__stream_free(sf_stream_t *s) {
  if (s->ops_ && s->ops_->free)
    s->ops_->free(s);
}

/* -------------------------------------------------------- write requests */

int sf__write_req_start(sf_write_t *req, sf_stream_t *s,
                        const sf_buf_t bufs[], unsigned nbufs,
                        sf_write_cb cb) {
  sf_buf_t *copy = req->bufsml_;
  if (nbufs > SF__WRITE_INLINE_BUFS &&
      !(copy = sf__alloc(nbufs * sizeof(*copy))))
    return SF_ENOMEM;
  memcpy(copy, bufs, nbufs * sizeof(*copy));
  sf__req_start(s->loop, (sf_req_t *)req, SF_WRITE);
  req->handle = s;
  req->cb_ = cb;
  req->bufs_ = copy;
  req->nbufs_ = nbufs;
  req->index_ = 0;
  req->offset_ = 0;
  return 0;
}

size_t sf__write_req_left(const sf_write_t *req) {
  size_t n = 0;
  for (unsigned i = req->index_; i < req->nbufs_; i++)
    n += req->bufs_[i].len - (i == req->index_ ? req->offset_ : 0);
  return n;
}

void sf__write_req_release(sf_write_t *req) {
  if (req->bufs_ != req->bufsml_)
    free(req->bufs_);
  req->bufs_ = NULL;
}

/* ----------------------------------------------------- request callbacks */

void sf__stream_req_callback(sf_req_t *req, int status) {
  switch (req->type) {
  case SF_CONNECT:
    if (((sf_connect_t *)req)->cb_)
      ((sf_connect_t *)req)->cb_((sf_connect_t *)req, status);
    break;
  case SF_WRITE:
    if (((sf_write_t *)req)->cb_)
      ((sf_write_t *)req)->cb_((sf_write_t *)req, status);
    break;
  case SF_SHUTDOWN:
    if (((sf_shutdown_t *)req)->cb_)
      ((sf_shutdown_t *)req)->cb_((sf_shutdown_t *)req, status);
    break;
  default:
    break;
  }
}
