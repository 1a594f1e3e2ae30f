/*
 * lib/api, the public API's internals, in files that each build only on
 * the ones listed before them (each has its header of the same name;
 * tests/test_layering.sh holds the includes to this order):
 *
 *   handle.c     what hides behind sf_loop_t's impl_; what every handle
 *                and request shares: the loop's handle list, the active
 *                and referenced counting that keeps the loop alive,
 *                requests in flight and finished
 *   hooks.c      a hooks object: the engine's reference-counted observer
 *   events.c     the engine's upcalls: events queued while it works
 *   timer.c      sf_timer_*
 *   signal.c     sf_signal_*
 *   poll.c       sf_poll_*: readiness of the application's fds
 *   async.c      sf_async_*: wakeups from other threads
 *   phase.c      sf_idle_*, sf_prepare_*, sf_check_*
 *   iface.c      interfaces: links + engine netifs + reactor watchers
 *                (iface_raw.c: the constructors on real devices)
 *   tcp_impl.h   what hides behind sf_tcp_t's impl_
 *   stream.c     sf_stream_t: the stream calls, dispatched to the type
 *   tcp_stream.c a TCP handle's reading, writing, shutdown
 *   tcp.c        TCP handles: bind, listen, accept, connect, close,
 *                options, names; engine events applied to a handle
 *   lifecycle.c  sf_tcp_set_hooks, sf_loop_set_hooks, hooks hearing
 *                engine events, state, info, counters, sf_tcp_walk
 *   close.c      sf_close, sf_tcp_close_reset: what closing means for
 *                each handle type
 *   relay.c      sf_relay_*: two streams joined both ways, on the public
 *                stream and close calls (any stream type), or, two TCP
 *                handles, on tcp_stream.c's splice mode
 *   deliver.c    sf__api_work: queued events, finished requests, close
 *                callbacks, delivered in that order
 *   loop.c       the loop: options, init, run, stop, close, time, walk
 *   version.c    sf_version* (on nothing)
 *
 * Rule: no user callback is called from inside a public function. Work
 * that ends in a callback is queued (an event, a finished request, a
 * closing handle) and delivered by sf__api_work, which the reactor calls
 * after each batch of engine work and before the loop blocks.
 */
#ifndef SF_API_HANDLE_H
#define SF_API_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/time.h"
#include "synfin.h"
#include "util/pool.h"

struct sf_reactor;
struct sf_reactor_timer;
struct sf_engine;
struct sf__event;
struct sf_hooks_obj;

/* sf_handle_t.flags */
#define SF__H_ACTIVE 0x1u
#define SF__H_REF 0x2u
#define SF__H_CLOSING 0x4u
#define SF__H_EVENT_LOST 0x8u /* an event for it found no memory */

struct sf__loop_impl {
  sf_loop_t *loop;
  struct sf_reactor *reactor;
  struct sf_engine *engine;
  sf_handle_t *handles, *handles_tail; /* every open or closing handle */
  sf_handle_t *closing, *closing_tail; /* waiting for their close_cb */
  size_t active_handles; /* active and referenced */
  size_t active_reqs;
  /* Queued events (events.c): a ring of ev_cap slots. */
  struct sf__event *ev;
  size_t ev_head, ev_len, ev_cap;
  uint64_t ev_dropped; /* no memory to queue an event */
  bool ev_lost;        /* a handle has SF__H_EVENT_LOST */
  sf_req_t *done, *done_tail; /* finished requests, callbacks pending */
  bool running;  /* inside sf_run */
  bool working;  /* inside sf__api_work */
  /* Why the last failed call that explains itself failed (opening an
   * interface, connecting): sf_loop_last_error. */
  struct sf_why last_error;
  struct sf_hooks_obj *hooks; /* sf_loop_set_hooks', or NULL */
  /* Drain (sf_loop_options_t.linger): closed connections still closing
   * keep the loop alive, for at most linger_max once nothing else does
   * (the timer runs then; NULL: no limit). */
  bool linger;
  bool linger_expired;
  sf_time_t linger_max;
  struct sf_reactor_timer *linger_timer;
  /* Closed TCP handles' internals, kept for the next sf_tcp_init (a
   * server accepts a handle per connection). */
  struct sf_pool tcp_impls;
};

void sf__handle_init(sf_loop_t *loop, sf_handle_t *h, sf_handle_type type);
/* true if h is an initialized handle of type (any type if type is 0). */
bool sf__handle_ok(const sf_handle_t *h, sf_handle_type type);
void sf__handle_set_active(sf_handle_t *h, bool active);
static inline bool sf__handle_closing(const sf_handle_t *h) {
  return (h->flags & SF__H_CLOSING) != 0;
}
/* Takes h off the loop's list of handles (before its close_cb, which may
 * free the memory). */
void sf__handle_unlink(sf_handle_t *h);

sf_time_t sf__loop_now(const sf_loop_t *loop);
/* Whether anything keeps the loop alive: an active referenced handle, a
 * request in flight, a handle closing, an event queued, or (linger) a
 * closed connection still closing. */
bool sf__loop_alive(const struct sf__loop_impl *impl);
/* Starts the clock of linger_max when only draining connections are
 * left, and stops it when anything else is alive again. Called after
 * each batch of delivery. */
void sf__loop_linger_watch(struct sf__loop_impl *impl);
/* linger_max has passed: sf__loop_alive stops counting drains. */
void sf__loop_linger_expired(void *impl);

/* A public call that explains its failures starts: the loop's reason is
 * cleared and handed out for the code below to fill (NULL when loop is
 * NULL or not initialized). */
struct sf_why *sf__loop_why_clear(sf_loop_t *loop);
/* It ends with rc: a failure that found no words below gets fallback.
 * Returns rc. */
int sf__loop_why_done(sf_loop_t *loop, int rc, const char *fallback);

/* A request enters flight (counts as alive). */
void sf__req_start(sf_loop_t *loop, sf_req_t *req, sf_req_type type);
/* A request is finished: its callback fires from sf__api_work. */
void sf__req_done(sf_loop_t *loop, sf_req_t *req, int status);

#endif /* SF_API_HANDLE_H */
