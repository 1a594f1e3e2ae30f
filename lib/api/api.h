/*
 * Internals of the public API shared by lib/api's files: what hides behind
 * the impl_ pointers of sf_loop_t and the handles, the event queue, and
 * the functions the files call in each other.
 *
 *   handle.c     the loop (init, run, close, walk) and generic handles
 *                (close, ref, active counting), request bookkeeping
 *   timer.c      sf_timer_*
 *   iface.c      interfaces: links + engine netifs + reactor watchers
 *   tcp.c        TCP handles: bind, listen, accept, connect, close,
 *                options, names; engine events applied to a handle
 *   stream.c     reading, writing, shutdown
 *   lifecycle.c  hooks (the engine's observers), state, info, counters
 *   events.c     the engine's upcalls: events queued while the engine
 *                works, delivered from the reactor's work callback
 *
 * Rule: no user callback is called from inside a public function. Work
 * that ends in a callback is queued (an event, a finished request, a
 * closing handle) and delivered by sf__api_work, which the reactor calls
 * after each batch of engine work and before the loop blocks.
 */
#ifndef SF_API_API_H
#define SF_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop/loop.h"
#include "synfin.h"
#include "stack/stack.h"

/* sf_handle_t.flags */
#define SF__H_ACTIVE 0x1u
#define SF__H_REF 0x2u
#define SF__H_CLOSING 0x4u

/* A hooks object: the engine's "observer", reference counted. */
struct sf_hooks_obj {
  unsigned refs;
  sf_tcp_hooks_t hooks;
  void *arg;
};

enum sf__event_kind {
  SF__EV_CONN = 1,      /* an engine event about a connection */
  SF__EV_LISTEN_READY,  /* a listener has a connection to accept */
  SF__EV_READ_PASS      /* read what is buffered (read just started) */
};

struct sf__event {
  enum sf__event_kind kind;
  sf_tcp_t *tcp;             /* NULL: only the hooks are concerned */
  struct sf_hooks_obj *hooks; /* retained while queued, or NULL */
  struct sf_tuple tuple;
  struct sf_tcp_event ev;
  int error; /* the connection's error when the event was queued */
};

struct sf__loop_impl {
  sf_loop_t *loop;
  struct sf_reactor *reactor;
  struct sf_engine *engine;
  sf_handle_t *handles, *handles_tail; /* every open or closing handle */
  sf_handle_t *closing, *closing_tail; /* waiting for their close_cb */
  size_t active_handles; /* active and referenced */
  size_t active_reqs;
  /* Queued events: a ring of ev_cap slots. */
  struct sf__event *ev;
  size_t ev_head, ev_len, ev_cap;
  uint64_t ev_dropped; /* no memory to queue an event */
  bool ev_lost;        /* a tcp handle has SF__T_EVENT_LOST */
  sf_req_t *done, *done_tail; /* finished requests, callbacks pending */
  bool running;  /* inside sf_run */
  bool working;  /* inside sf__api_work */
};

struct sf__timer_impl {
  struct sf_reactor_timer *rt;
  sf_timer_cb cb;
  unsigned long long repeat;
};

struct sf__iface_impl {
  struct sf_link *link;  /* outermost: pcap tee, fault, memory */
  struct sf_link *fault; /* the fault layer inside it, or NULL */
  struct sf_reactor_link *rl;
  unsigned netif;
  bool open;
  char device[32]; /* the device a raw link is attached to, or "" */
};

/* iface.c: what every interface constructor shares. */
struct sf__iface_addr {
  uint32_t addr;
  uint8_t prefix;
  uint32_t gateway;
};
/* Validates config (address, gateway, MTU) into *out: 0 or SF_EINVAL. */
int sf__iface_check_config(const sf_iface_config_t *c,
                           struct sf__iface_addr *out);
/* Wraps link per config (faults, pcap), adds the netif and the reactor
 * watcher, and opens the handle. Takes ownership of link, even on
 * failure. */
int sf__iface_open_link(sf_loop_t *loop, sf_iface_t *iface,
                        const sf_iface_config_t *c, struct sf_link *link,
                        const struct sf__iface_addr *a);

/* sf__tcp_impl.tflags */
#define SF__T_READING 0x001u
#define SF__T_CONNECTED 0x002u /* the handshake completed (or accepted) */
#define SF__T_SHUT 0x004u      /* sf_shutdown was called */
#define SF__T_FIN_SENT 0x008u  /* sf__tcp_shutdown was called */
#define SF__T_EOF_SEEN 0x010u  /* read_cb had SF_EOF */
#define SF__T_ERR_REPORTED 0x020u /* read_cb had the error */
#define SF__T_NODELAY 0x040u
#define SF__T_KEEPALIVE 0x080u
#define SF__T_BOUND 0x100u
#define SF__T_READ_QUEUED 0x200u /* an SF__EV_READ_PASS is queued */
#define SF__T_EVENT_LOST 0x400u  /* an event for it found no memory */

struct sf__tcp_impl {
  struct sf_tcb *tcb;
  struct sf_listener *listener;
  unsigned tflags;
  uint32_t bind_addr;
  uint16_t bind_port;
  unsigned keepalive_delay; /* seconds, 0: the loop's default */
  const char *congestion;   /* sf_tcp_congestion's (a static name), or
                               NULL: the loop's default */
  int error;                /* the connection's error, once known */
  sf_alloc_cb alloc_cb;
  sf_read_cb read_cb;
  sf_connection_cb connection_cb;
  sf_connect_t *connect_req;
  sf_shutdown_t *shutdown_req;
  sf_write_t *wq_head, *wq_tail; /* linked through next_ */
  size_t wq_bytes;
  struct sf_hooks_obj *hooks; /* held by the handle, or NULL */
};

/* ------------------------------------------------------------ handle.c */
void sf__handle_init(sf_loop_t *loop, sf_handle_t *h, sf_handle_type type);
/* true if h is an initialized handle of type (any type if type is 0). */
bool sf__handle_ok(const sf_handle_t *h, sf_handle_type type);
void sf__handle_set_active(sf_handle_t *h, bool active);
static inline bool sf__handle_closing(const sf_handle_t *h) {
  return (h->flags & SF__H_CLOSING) != 0;
}
static inline struct sf__loop_impl *sf__impl(const sf_loop_t *loop) {
  return loop->impl_;
}
sf_time_t sf__loop_now(const sf_loop_t *loop);
/* A request enters flight (counts as alive). */
void sf__req_start(sf_loop_t *loop, sf_req_t *req, sf_req_type type);
/* A request is finished: its callback fires from sf__api_work. */
void sf__req_done(sf_loop_t *loop, sf_req_t *req, int status);
bool sf__loop_alive(const struct sf__loop_impl *impl);
/* Runs close_cb-time cleanup and the callback of one closing handle. */
void sf__handle_finish_close(sf_handle_t *h);

/* ------------------------------------------------------------- timer.c */
void sf__timer_close(sf_timer_t *t);
void sf__timer_free(sf_timer_t *t);

/* ------------------------------------------------------------- iface.c */
void sf__iface_close(sf_iface_t *iface);
void sf__iface_free(sf_iface_t *iface);

/* --------------------------------------------------------------- tcp.c */
void sf__tcp_close_handle(sf_tcp_t *tcp, bool reset);
void sf__tcp_free(sf_tcp_t *tcp);
void sf__tcp_update_active(sf_tcp_t *tcp);
/* An engine event about this handle's connection (after the hooks). */
void sf__tcp_handle_event(sf_tcp_t *tcp, const struct sf_tcp_event *ev);
void sf__tcp_listen_ready(sf_tcp_t *tcp);
/* An event for tcp was lost (no memory): a connection fails with
 * SF_ENOMEM (it could wait forever for what it missed); a listener
 * looks at its accept queue again. */
void sf__tcp_events_lost(sf_tcp_t *tcp);

/* ------------------------------------------------------------ stream.c */
void sf__stream_read_pass(sf_tcp_t *tcp);
void sf__stream_push_writes(sf_tcp_t *tcp);
/* Finishes every queued write with status. */
void sf__stream_fail_writes(sf_tcp_t *tcp, int status);
/* Calls the callback of a finished request (write, connect, shutdown). */
void sf__stream_req_callback(sf_req_t *req, int status);

/* --------------------------------------------------------- lifecycle.c */
struct sf_hooks_obj *sf__hooks_new(const sf_tcp_hooks_t *hooks, void *arg);
void sf__hooks_retain(struct sf_hooks_obj *h);
void sf__hooks_release(struct sf_hooks_obj *h);
void sf__hooks_deliver(const struct sf__event *e);
sf_syn_verdict_t sf__hooks_syn(struct sf_hooks_obj *h,
                               const sf_syn_info_t *info);

/* ------------------------------------------------------------ events.c */
void sf__events_upcalls(struct sf__loop_impl *impl,
                        struct sf_engine_upcalls *up);
/* Queues an event (retaining e->hooks). */
void sf__events_push(struct sf__loop_impl *impl, const struct sf__event *e);
/* Drops every queued event (at sf_loop_close). */
void sf__events_clear(struct sf__loop_impl *impl);
/* The reactor's work callback: delivers everything queued. */
bool sf__api_work(void *arg, bool *delivered);

#endif /* SF_API_API_H */
