/*
 * sf_relay_*: copies bytes between two streams both ways, each direction
 * ending on its own (EOF becomes the other side's shutdown, after the
 * bytes before it), a failure of either side resetting the other, with
 * bounded buffering and an optional idle timeout.
 *
 * Two data paths, one ending and failure logic:
 *   - chunks (any stream types): every byte read lives in a chunk that
 *     carries its own write request, from the read until the destination
 *     stream has taken it (write_cb): memory follows the bytes held
 *     (high/low water), nothing is held once the other stream's stack
 *     has them. Only public stream calls move the bytes.
 *   - splice (both streams synfin TCP): the bytes move from the source's
 *     receive ring straight into the destination's send ring
 *     (sf__tcp_splice), with no chunk and no copy between; the source's
 *     read passes and the destination's WRITABLE drive it, and a full
 *     destination send buffer leaves the bytes in the source's receive
 *     buffer, whose window closes: the relay holds nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "api/relay.h"
#include "api/tcp_stream.h"
#include "stack/stack.h"
#include "util/alloc.h"

/* A read's bytes and the write that passes them on. */
struct relay_chunk {
  sf_write_t req; /* first: the write callback gets the chunk back */
  struct sf__relay_impl *r;
  int dir;
  size_t len;
  char bytes[];
};

static void relay_alloc(sf_handle_t *h, size_t suggested, sf_buf_t *buf);
static void relay_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf);

/* ------------------------------------------------------------- helpers */

static int source_dir(const struct sf__relay_impl *r, const void *stream) {
  return (const void *)r->s[0] == stream ? 0 : 1;
}

static void touch(struct sf__relay_impl *r) { r->last_move = sf_now(r->loop); }

/* The last close callback: the streams get their data back, the relay
 * forgets its state, then the caller hears the result. */
static void relay_complete(struct sf__relay_impl *r) {
  sf_relay_t *relay = r->relay;
  sf_relay_cb cb = r->done_cb;
  sf_relay_result_t res = r->res;
  r->s[0]->data = r->user_data[0];
  r->s[1]->data = r->user_data[1];
  relay->impl_ = NULL;
  free(r);
  if (cb)
    cb(relay, &res);
}

static void relay_closed(sf_handle_t *h) {
  struct sf__relay_impl *r = h->data;
  if (--r->closes_left == 0)
    relay_complete(r);
}

/* Directions still running end as `end` with `err`. */
static void end_open_dirs(struct sf__relay_impl *r, sf_relay_end_t end,
                          int err) {
  for (int d = 0; d < 2; d++)
    if (r->res.end[d] == SF_RELAY_RUNNING) {
      r->res.end[d] = end;
      r->res.error[d] = err;
    }
}

/* Aborts stream i: RST for TCP; a stream that cannot be reset (not TCP,
 * or not connected) is closed. */
static void reset_stream(struct sf__relay_impl *r, int i) {
  sf_stream_t *s = r->s[i];
  if (s->type == SF_TCP &&
      sf_tcp_close_reset((sf_tcp_t *)s, relay_closed) == 0)
    return;
  sf_close((sf_handle_t *)s, relay_closed);
}

/* Begins the end: stream `reset_i` (-1: none) is reset, the others are
 * closed, the timer too; done_cb follows their close callbacks. */
static void relay_close_all(struct sf__relay_impl *r, int reset_i) {
  r->ending = true;
  for (int i = 0; i < 2; i++) {
    if (i == reset_i)
      reset_stream(r, i);
    else
      sf_close((sf_handle_t *)r->s[i], relay_closed);
  }
  if (r->idle_ms)
    sf_close((sf_handle_t *)&r->idle, relay_closed);
}

/* Stream `failed` broke (a reset, a timeout, no memory): both directions
 * end, and the other stream is reset so its peer learns it too. */
static void relay_fail(struct sf__relay_impl *r, int failed, int err) {
  if (r->ending)
    return;
  end_open_dirs(r, err == SF_ECONNRESET ? SF_RELAY_RESET : SF_RELAY_ERROR,
                err);
  relay_close_all(r, 1 - failed);
}

/* ---------------------------------------------------- back-pressure */

static void pause_dir(struct sf__relay_impl *r, int d) {
  sf_read_stop(r->s[d]);
  r->dir[d].paused = true;
}

static void resume_dir(struct sf__relay_impl *r, int d) {
  struct sf__relay_dir *dir = &r->dir[d];
  if (!dir->paused || r->ending || dir->pending > r->low)
    return;
  dir->paused = false;
  int rc = sf_read_start(r->s[d], relay_alloc, relay_read);
  if (rc < 0)
    relay_fail(r, d, rc);
}

/* ----------------------------------------------------- the data path */

/* Room for a read: never more than brings the direction to high water. */
static void relay_alloc(sf_handle_t *h, size_t suggested, sf_buf_t *buf) {
  struct sf__relay_impl *r = h->data;
  struct sf__relay_dir *dir = &r->dir[source_dir(r, h)];
  size_t room = r->high - dir->pending;
  size_t n = suggested < room ? suggested : room;
  struct relay_chunk *c = n ? sf__alloc(sizeof(*c) + n) : NULL;
  *buf = sf_buf_init(c ? c->bytes : NULL, c ? n : 0);
}

static void relay_written(sf_write_t *req, int status) {
  struct relay_chunk *c = (struct relay_chunk *)req;
  struct sf__relay_impl *r = c->r;
  int d = c->dir;
  size_t len = c->len;
  free(c);
  r->dir[d].pending -= len;
  if (status == 0) {
    r->res.bytes[d] += len;
    touch(r);
    resume_dir(r, d);
  } else if (status != SF_ECANCELED) {
    relay_fail(r, 1 - d, status); /* the destination broke */
  }
}

/* n bytes read from the source of d, in chunk c: on to the other side.
 * The chunk shrinks to what was read so memory follows the bytes. */
static void relay_forward(struct sf__relay_impl *r, int d,
                          struct relay_chunk *c, size_t n) {
  struct relay_chunk *fit = sf__realloc(c, sizeof(*c) + n);
  if (fit)
    c = fit;
  c->r = r;
  c->dir = d;
  c->len = n;
  sf_buf_t b = sf_buf_init(c->bytes, n);
  int rc = sf_write(&c->req, r->s[1 - d], &b, 1, relay_written);
  if (rc < 0) {
    free(c);
    relay_fail(r, 1 - d, rc);
    return;
  }
  r->dir[d].pending += n;
  touch(r);
  if (r->dir[d].pending >= r->high)
    pause_dir(r, d);
}

static void relay_shut(sf_shutdown_t *req, int status) {
  struct sf__relay_impl *r = req->data;
  int d = req == &r->dir[0].shut ? 0 : 1;
  if (status == SF_ECANCELED)
    return; /* the relay is already closing */
  if (status < 0) {
    relay_fail(r, 1 - d, status);
    return;
  }
  r->res.end[d] = SF_RELAY_EOF;
  if (r->res.end[1 - d] == SF_RELAY_EOF && !r->ending)
    relay_close_all(r, -1);
}

/* The source of d ended: the destination ends its writing after the
 * bytes already passed to it (sf_shutdown waits for queued writes). */
static void relay_source_ended(struct sf__relay_impl *r, int d) {
  struct sf__relay_dir *dir = &r->dir[d];
  /* a later reset is still reported; a spliced stream keeps reading,
   * since its hooks also serve it as the other direction's destination */
  if (!r->splice)
    sf_read_stop(r->s[d]);
  dir->source_ended = true;
  dir->shut.data = r;
  int rc = sf_shutdown(&dir->shut, r->s[1 - d], relay_shut);
  if (rc < 0)
    relay_fail(r, 1 - d, rc);
}

static void relay_read(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  struct sf__relay_impl *r = s->data;
  int d = source_dir(r, s);
  struct relay_chunk *c =
      buf && buf->base ? (struct relay_chunk *)(buf->base -
                                                offsetof(struct relay_chunk,
                                                         bytes))
                       : NULL;
  if (n > 0 && !r->ending) {
    relay_forward(r, d, c, (size_t)n);
    return;
  }
  free(c);
  if (n == 0 || r->ending)
    return;
  if (n == SF_EOF)
    relay_source_ended(r, d);
  else if (n == SF_ENOBUFS && r->dir[d].pending >= r->high)
    pause_dir(r, d); /* only if a read slipped past the mark */
  else
    relay_fail(r, d, n == SF_ENOBUFS ? SF_ENOMEM : (int)n);
}

/* ------------------------------------------------ splice (TCP to TCP) */

static bool splice_off; /* the test seam: sf__relay_splice_tcp */

void sf__relay_splice_tcp(bool on) { splice_off = !on; }

static struct sf_tcb *tcb_of(sf_stream_t *s) {
  return ((sf_tcp_t *)s)->impl_->tcb;
}

/* A destination takes spliced bytes once connected and with none of the
 * caller's own writes still queued ahead of them. */
static bool takes_splice(sf_stream_t *s) {
  const struct sf__tcp_impl *t = ((sf_tcp_t *)s)->impl_;
  return t->tcb && (t->tflags & SF__T_CONNECTED) && !t->wq_head;
}

/* The source's failure (0 if none) is news at once, whether or not the
 * destination can take bytes, and also once the engine has let the
 * connection go. */
static int source_failure(sf_stream_t *src) {
  return sf__tcp_stream_error(((sf_tcp_t *)src)->impl_);
}

/* Moves what source d holds into its destination's send buffer until
 * it is empty or the destination full. Returns what stopped it (0: the
 * destination is full or not ready; else sf__tcp_splice's code). */
static ssize_t splice_moves(struct sf__relay_impl *r, int d,
                            bool *dst_failed) {
  sf_stream_t *src = r->s[d], *dst = r->s[1 - d];
  ssize_t n;
  *dst_failed = false;
  do {
    if (r->ending)
      return 0;
    if (!tcb_of(src) || !takes_splice(dst))
      return source_failure(src);
    n = sf__tcp_splice(tcb_of(src), tcb_of(dst), SIZE_MAX,
                       sf__loop_now(r->loop), dst_failed);
    if (n > 0) {
      r->res.bytes[d] += (size_t)n;
      touch(r);
    }
  } while (n > 0);
  return n;
}

/* Direction d moves what it can, then acts on what stopped it: the
 * source's end or failure (either may wait right behind the bytes), the
 * destination's failure. A full destination is no news: its room hook
 * calls again. */
static void splice_dir(struct sf__relay_impl *r, int d) {
  bool dst_failed;
  ssize_t n = splice_moves(r, d, &dst_failed);
  if (dst_failed)
    relay_fail(r, 1 - d, (int)n);
  else if (n == SF_EOF && !r->dir[d].source_ended)
    relay_source_ended(r, d);
  else if (n < 0 && n != SF_EOF && n != SF_EAGAIN)
    relay_fail(r, d, (int)n);
}

/* The source may have data, its end or an error. */
static void splice_source_ready(sf_tcp_t *tcp) {
  struct sf__relay_impl *r = tcp->data;
  splice_dir(r, source_dir(r, tcp));
}

/* The destination may take more. */
static void splice_room(sf_tcp_t *tcp) {
  struct sf__relay_impl *r = tcp->data;
  splice_dir(r, 1 - source_dir(r, tcp));
}

static const struct sf__tcp_splice relay_splice = {
    .source_ready = splice_source_ready, .room = splice_room};

/* ------------------------------------------------------ idle timeout */

/* Fires idle_ms after the last check; ends the relay if nothing moved
 * since, or waits out the rest (one timer start per period, not per
 * byte). */
static void relay_idle_check(sf_timer_t *t) {
  struct sf__relay_impl *r = t->data;
  unsigned long long quiet = sf_now(r->loop) - r->last_move;
  if (quiet < r->idle_ms) {
    sf_timer_start(t, relay_idle_check, r->idle_ms - quiet, 0);
    return;
  }
  end_open_dirs(r, SF_RELAY_IDLE, 0);
  relay_close_all(r, -1);
}

/* --------------------------------------------------------- public */

int sf_relay_options_default(sf_relay_options_t *o) {
  if (!o)
    return SF_EINVAL;
  o->high_water = SF__RELAY_HIGH_WATER;
  o->low_water = SF__RELAY_HIGH_WATER / 4;
  o->idle_timeout_ms = 0;
  return 0;
}

/* The options with their defaults filled in, or false if inconsistent. */
static bool relay_marks(const sf_relay_options_t *opts, size_t *high,
                        size_t *low) {
  *high = opts->high_water ? opts->high_water : SF__RELAY_HIGH_WATER;
  *low = opts->low_water ? opts->low_water : *high / 4;
  return *low < *high;
}

static bool stream_on(const sf_stream_t *s, const sf_loop_t *loop) {
  return sf__handle_ok((const sf_handle_t *)s, SF_UNKNOWN_HANDLE) &&
         s->loop == loop && !sf_is_closing((const sf_handle_t *)s);
}

/* Reading in the relay's mode: splice for two TCP streams, else chunks. */
static int relay_read_start(struct sf__relay_impl *r, int i) {
  if (r->splice)
    return sf__tcp_stream_splice_start((sf_tcp_t *)r->s[i], &relay_splice);
  return sf_read_start(r->s[i], relay_alloc, relay_read);
}

static int relay_start_reading(struct sf__relay_impl *r) {
  int rc = relay_read_start(r, 0);
  if (rc < 0)
    return rc;
  rc = relay_read_start(r, 1);
  if (rc < 0)
    sf_read_stop(r->s[0]);
  return rc;
}

/* Initializing is the step that can fail (no memory); starting a fresh
 * timer with a callback cannot. */
static int relay_start_timer(struct sf__relay_impl *r) {
  int rc = sf_timer_init(r->loop, &r->idle);
  if (rc < 0)
    return rc;
  r->idle.data = r;
  sf_unref((sf_handle_t *)&r->idle); /* the streams keep the loop alive */
  return sf_timer_start(&r->idle, relay_idle_check, r->idle_ms, 0);
}

int sf_relay_start(sf_loop_t *loop, sf_relay_t *relay, sf_stream_t *a,
                   sf_stream_t *b, const sf_relay_options_t *opts,
                   sf_relay_cb done_cb) {
  sf_relay_options_t defaults;
  size_t high, low;
  sf_relay_options_default(&defaults);
  if (!loop || !relay || a == b || !stream_on(a, loop) || !stream_on(b, loop))
    return SF_EINVAL;
  if (!relay_marks(opts ? opts : &defaults, &high, &low))
    return SF_EINVAL;
  struct sf__relay_impl *r = malloc(sizeof(*r));
  if (!r)
    return SF_ENOMEM;
  *r = (struct sf__relay_impl){
      .relay = relay, .loop = loop, .s = {a, b}, .done_cb = done_cb,
      .high = high, .low = low, .closes_left = 2,
      .idle_ms = opts ? opts->idle_timeout_ms : 0,
      .splice = a->type == SF_TCP && b->type == SF_TCP && !splice_off,
      .user_data = {a->data, b->data}};
  a->data = b->data = r;
  int rc = relay_start_reading(r);
  if (rc == 0 && r->idle_ms && (rc = relay_start_timer(r)) < 0) {
    sf_read_stop(a);
    sf_read_stop(b);
  }
  if (rc < 0) {
    a->data = r->user_data[0];
    b->data = r->user_data[1];
    free(r); /* only a timer that failed to initialize fails here */
    return rc;
  }
  r->closes_left += r->idle_ms ? 1 : 0;
  touch(r);
  relay->impl_ = r;
  return 0;
}

int sf_relay_stop(sf_relay_t *relay) {
  if (!relay || !relay->impl_)
    return SF_EINVAL;
  struct sf__relay_impl *r = relay->impl_;
  if (r->ending)
    return SF_EALREADY;
  end_open_dirs(r, SF_RELAY_STOPPED, 0);
  relay_close_all(r, -1);
  return 0;
}

size_t sf_relay_buffered(const sf_relay_t *relay) {
  if (!relay || !relay->impl_)
    return 0;
  return relay->impl_->dir[0].pending + relay->impl_->dir[1].pending;
}

const char *sf_relay_end_name(sf_relay_end_t end) {
  static const char *const names[] = {"running", "eof",  "reset",
                                      "error",   "idle", "stopped"};
  if ((unsigned)end < sizeof(names) / sizeof(names[0]))
    return names[end];
  return "unknown";
}
