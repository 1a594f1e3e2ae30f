/*
 * sf_stream_t, the base of stream handles (stream.c). The public stream
 * calls check what every stream shares, then dispatch through the
 * stream's ops table to its type: TCP's is in tcp_stream.c; a stream
 * layered on another (TLS over a TCP stream) implements the same table
 * with the public calls on the stream below.
 */
#ifndef SF_API_STREAM_H
#define SF_API_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "api/handle.h"

/*
 * What a stream type implements; each returns what its public call
 * returns. Before calling one, the public call has checked that s is a
 * stream, that it is not closing (except for read_stop and
 * write_queue_size, allowed while closing), and the arguments every
 * stream shares: callbacks and req not NULL (write_cb and shutdown_cb
 * may be), bufs an array of nbufs > 0 buffers none of which has a NULL
 * base with a length. What is left is the type's: whether it is
 * connected, already reading, shut down.
 */
struct sf__stream_ops {
  int (*read_start)(sf_stream_t *s, sf_alloc_cb alloc_cb, sf_read_cb read_cb);
  int (*read_stop)(sf_stream_t *s);
  int (*write)(sf_write_t *req, sf_stream_t *s, const sf_buf_t bufs[],
               unsigned nbufs, sf_write_cb cb);
  int (*try_write)(sf_stream_t *s, const sf_buf_t bufs[], unsigned nbufs);
  int (*shutdown)(sf_shutdown_t *req, sf_stream_t *s, sf_shutdown_cb cb);
  size_t (*write_queue_size)(const sf_stream_t *s);
  bool (*readable)(const sf_stream_t *s);
  bool (*writable)(const sf_stream_t *s);
  /* For a stream type above lib/api (TLS), which close.c cannot name:
   * sf_close's work (close) and the cleanup before close_cb (free). NULL
   * for TCP, which close.c knows. */
  void (*close)(sf_stream_t *s);
  void (*free)(sf_stream_t *s);
};

/* sf__handle_init for a stream type's handle, which then dispatches to
 * ops (static: it must outlive the handle). */
void sf__stream_init(sf_loop_t *loop, sf_stream_t *s, sf_handle_type type,
                     const struct sf__stream_ops *ops);
/* sf_close's and the close callback's work for a layered stream type
 * (its ops' close and free; nothing when they are NULL). */
void sf__stream_close(sf_stream_t *s);
void sf__stream_free(sf_stream_t *s);

/* A write request taking nbufs buffers (the array copied: inline, or
 * allocated past SF__WRITE_INLINE_BUFS), started on s's loop with cb.
 * Returns 0 or SF_ENOMEM (nothing started). */
int sf__write_req_start(sf_write_t *req, sf_stream_t *s,
                        const sf_buf_t bufs[], unsigned nbufs,
                        sf_write_cb cb);
/* Bytes of req not yet taken (from index_ and offset_). */
size_t sf__write_req_left(const sf_write_t *req);
/* Frees req's copy of the array (before the request is finished). */
void sf__write_req_release(sf_write_t *req);

/* Calls the callback of a finished request (write, shutdown, connect). */
void sf__stream_req_callback(sf_req_t *req, int status);

#endif /* SF_API_STREAM_H */
