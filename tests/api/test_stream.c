/*
 * sf_stream_t, the base of stream handles: code that knows streams only
 * (the functions under "stream code" take sf_stream_t * and nothing
 * else) moves bytes over a TCP connection through the base pointer; and
 * the stream calls refuse handles that are not streams, or are closing,
 * with the documented codes, without reaching a type's implementation.
 */
#include "config.h"

#include <string.h>

#include "fixture.h"

/* ---------------------------------------------------------- stream code */

struct reader {
  sf_stream_t *stream; /* the stream every callback must be handed */
  char chunk[4096];
  size_t got;
  unsigned long sum; /* of the bytes read, to check them without a copy */
  int eof;
};

struct writer {
  sf_stream_t *stream;
  sf_write_t req;
  sf_shutdown_t shut;
  int written, shut_status, shut_done;
};

static void reader_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  struct reader *r = h->data;
  ck_assert_ptr_eq(h, (sf_handle_t *)r->stream);
  *buf = sf_buf_init(r->chunk, sizeof(r->chunk));
}

static void reader_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct reader *r = stream->data;
  ck_assert_ptr_eq(stream, r->stream);
  if (n > 0) {
    ck_assert_ptr_eq(buf->base, r->chunk);
    for (ssize_t i = 0; i < n; i++)
      r->sum += (unsigned char)buf->base[i];
    r->got += (size_t)n;
  } else if (n == SF_EOF) {
    r->eof++;
    ck_assert_int_eq(sf_read_stop(stream), 0);
  } else {
    ck_assert_int_eq(n, 0); /* no error on this connection */
  }
}

static void writer_written(sf_write_t *req, int status) {
  struct writer *w = req->data;
  ck_assert_ptr_eq(req->handle, w->stream);
  ck_assert_int_eq(status, 0);
  w->written++;
}

static void writer_shut(sf_shutdown_t *req, int status) {
  struct writer *w = req->data;
  ck_assert_ptr_eq(req->handle, w->stream);
  w->shut_status = status;
  w->shut_done = 1;
}

/* Writes what fits now, queues bufs after it, then half-closes. */
static void stream_send(struct writer *w, const sf_buf_t *now,
                        const sf_buf_t bufs[], unsigned nbufs) {
  ck_assert_int_eq(sf_is_writable(w->stream), 1);
  ck_assert_int_eq(sf_try_write(w->stream, now, 1), (int)now->len);
  w->req.data = w;
  ck_assert_int_eq(sf_write(&w->req, w->stream, bufs, nbufs, writer_written),
                   0);
  w->shut.data = w;
  ck_assert_int_eq(sf_shutdown(&w->shut, w->stream, writer_shut), 0);
  ck_assert_int_eq(sf_is_writable(w->stream), 0); /* shut down */
}

static void stream_receive(struct reader *r) {
  r->stream->data = r;
  ck_assert_int_eq(sf_is_readable(r->stream), 1);
  ck_assert_int_eq(sf_read_start(r->stream, reader_alloc, reader_read), 0);
}

/* ----------------------------------------------------------------- tests */

static char big[300000]; /* more than the send buffer */

/* A TCP connection driven through sf_stream_t * only. */
START_TEST(test_tcp_through_the_base) {
  struct fx f;
  fx_pair(&f);
  unsigned long sum = 0;
  for (size_t i = 0; i < sizeof(big); i++)
    sum += (unsigned char)(big[i] = (char)(i * 7 + 3));
  char hello[] = "hello";
  sf_buf_t now = sf_buf_init(hello, 5);
  sf_buf_t bufs[2] = {sf_buf_init(big, 1000),
                      sf_buf_init(big + 1000, sizeof(big) - 1000)};
  struct writer w = {.stream = (sf_stream_t *)&f.client};
  struct reader r = {.stream = (sf_stream_t *)&f.accepted};
  /* The base is the handle: same address, loop and type. */
  ck_assert_ptr_eq((sf_handle_t *)w.stream, (sf_handle_t *)&f.client);
  ck_assert_ptr_eq(w.stream->loop, &f.loop);
  ck_assert_int_eq(w.stream->type, SF_TCP);

  stream_send(&w, &now, bufs, 2);
  /* The send buffer cannot take it all yet. */
  ck_assert_uint_gt(sf_stream_get_write_queue_size(w.stream), 0);
  ck_assert_uint_le(sf_stream_get_write_queue_size(w.stream), sizeof(big));
  stream_receive(&r);
  fx_run_until(&f, &r.eof);
  fx_run_until(&f, &w.shut_done);

  ck_assert_int_eq(w.written, 1);
  ck_assert_int_eq(w.shut_status, 0);
  ck_assert_uint_eq(sf_stream_get_write_queue_size(w.stream), 0);
  ck_assert_uint_eq(r.got, 5 + sizeof(big));
  ck_assert_uint_eq(r.sum, sum + 'h' + 'e' + 'l' + 'l' + 'o');
  ck_assert_int_eq(r.eof, 1);
  ck_assert_int_eq(sf_is_readable(r.stream), 0); /* read to the end */
  ck_assert_int_eq(sf_is_writable(r.stream), 1); /* half-closed only */
  fx_finish(&f);
}
END_TEST

static void never_alloc(sf_handle_t *h, size_t n, sf_buf_t *b) {
  (void)h, (void)n, (void)b;
  ck_abort_msg("alloc_cb on a handle that is not reading");
}
static void never_read(sf_stream_t *s, ssize_t n, const sf_buf_t *b) {
  (void)s, (void)b;
  ck_abort_msg("read_cb %zd on a handle that is not reading", n);
}
static void never_written(sf_write_t *req, int status) {
  (void)req;
  ck_abort_msg("write_cb %d for a refused write", status);
}
static void never_shut(sf_shutdown_t *req, int status) {
  (void)req;
  ck_abort_msg("shutdown_cb %d for a refused shutdown", status);
}

/* Every stream call on s is refused as a handle that is not a stream. */
static void assert_not_a_stream(sf_stream_t *s) {
  char c = 'x';
  sf_buf_t b = sf_buf_init(&c, 1);
  sf_write_t wr;
  sf_shutdown_t sr;
  ck_assert_int_eq(sf_read_start(s, never_alloc, never_read), SF_EINVAL);
  ck_assert_int_eq(sf_read_stop(s), SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, s, &b, 1, never_written), SF_EINVAL);
  ck_assert_int_eq(sf_try_write(s, &b, 1), SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(&sr, s, never_shut), SF_EINVAL);
  ck_assert_uint_eq(sf_stream_get_write_queue_size(s), 0);
  ck_assert_int_eq(sf_is_readable(s), 0);
  ck_assert_int_eq(sf_is_writable(s), 0);
}

/* A timer, an interface, a handle never initialized, NULL: no stream. */
START_TEST(test_not_a_stream) {
  struct fx f;
  fx_init(&f);
  sf_timer_t timer;
  ck_assert_int_eq(sf_timer_init(&f.loop, &timer), 0);
  assert_not_a_stream((sf_stream_t *)&timer);
  assert_not_a_stream((sf_stream_t *)&f.ifa);
  sf_tcp_t zeroed;
  memset(&zeroed, 0, sizeof(zeroed));
  assert_not_a_stream((sf_stream_t *)&zeroed);
  assert_not_a_stream(NULL);
  /* The refused calls queued nothing: the timer closes as any. */
  ck_assert_int_eq(sf_close((sf_handle_t *)&timer, NULL), 0);
  fx_finish(&f);
}
END_TEST

/* A connected stream that is closing: reading, writing and a second end
 * are refused (SF_EINVAL; shutdown's SF_ENOTCONN: the end is on its way),
 * stopping is allowed. */
START_TEST(test_closing_stream) {
  struct fx f;
  fx_pair(&f);
  sf_stream_t *s = (sf_stream_t *)&f.client;
  char c = 'x';
  sf_buf_t b = sf_buf_init(&c, 1);
  sf_write_t wr;
  sf_shutdown_t sr;
  ck_assert_int_eq(sf_is_writable(s), 1);
  ck_assert_int_eq(sf_close((sf_handle_t *)s, fx_close_cb), 0);
  ck_assert_int_eq(sf_read_start(s, never_alloc, never_read), SF_EINVAL);
  ck_assert_int_eq(sf_read_stop(s), 0);
  ck_assert_int_eq(sf_write(&wr, s, &b, 1, never_written), SF_EINVAL);
  ck_assert_int_eq(sf_try_write(s, &b, 1), SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(&sr, s, never_shut), SF_ENOTCONN);
  ck_assert_uint_eq(sf_stream_get_write_queue_size(s), 0);
  ck_assert_int_eq(sf_is_readable(s), 0);
  ck_assert_int_eq(sf_is_writable(s), 0);
  fx_finish(&f);
  ck_assert_str_eq(f.log, "close:client");
}
END_TEST

/* Arguments every stream checks before its type sees them. */
START_TEST(test_shared_argument_checks) {
  struct fx f;
  fx_pair(&f);
  sf_stream_t *s = (sf_stream_t *)&f.client;
  char c = 'x';
  sf_buf_t b = sf_buf_init(&c, 1);
  sf_buf_t hole = sf_buf_init(NULL, 1);
  sf_write_t wr;
  ck_assert_int_eq(sf_read_start(s, NULL, never_read), SF_EINVAL);
  ck_assert_int_eq(sf_read_start(s, never_alloc, NULL), SF_EINVAL);
  ck_assert_int_eq(sf_write(NULL, s, &b, 1, never_written), SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, s, NULL, 1, never_written), SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, s, &b, 0, never_written), SF_EINVAL);
  ck_assert_int_eq(sf_write(&wr, s, &hole, 1, never_written), SF_EINVAL);
  ck_assert_int_eq(sf_try_write(s, NULL, 1), SF_EINVAL);
  ck_assert_int_eq(sf_try_write(s, &hole, 1), SF_EINVAL);
  ck_assert_int_eq(sf_shutdown(NULL, s, never_shut), SF_EINVAL);
  /* None of it touched the connection. */
  ck_assert_uint_eq(sf_stream_get_write_queue_size(s), 0);
  ck_assert_int_eq(sf_is_writable(s), 1);
  ck_assert_int_eq(sf_is_readable(s), 1);
  fx_finish(&f);
}
END_TEST

static Suite *stream_suite(void) {
  Suite *s = suite_create("stream");
  FX_ADD(s, test_tcp_through_the_base);
  FX_ADD(s, test_not_a_stream);
  FX_ADD(s, test_closing_stream);
  FX_ADD(s, test_shared_argument_checks);
  return s;
}

SF_TEST_MAIN(stream_suite)
