/*
 * sf_tcp_t's internals, shared by tcp_stream.c (reading, writing, shutdown),
 * tcp.c (the handle's life) and lifecycle.c (hooks, state, info).
 */
#ifndef SF_API_TCP_IMPL_H
#define SF_API_TCP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/handle.h"
#include "api/hooks.h"

struct sf_tcb;
struct sf_listener;

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

/* What a handle whose bytes move in place (relay.c's splice mode) runs
 * instead of alloc_cb/read_cb: source_ready where a read pass would read
 * (data, the end of stream or an error may be waiting, also after
 * reading stopped at EOF), room once the send buffer may take more
 * (WRITABLE or ESTABLISHED, after the handle's own queued writes). The
 * handle's data field leads back to whoever set them. */
struct sf__tcp_splice {
  void (*source_ready)(sf_tcp_t *tcp);
  void (*room)(sf_tcp_t *tcp);
};

/* One per TCP handle, listeners included: an idle connection holds one.
 * The small fields are together so that no padding falls between them;
 * at 120 bytes it is a 128-byte malloc chunk (128 bytes, before, took a
 * 144-byte one). */
struct sf__tcp_impl {
  struct sf_tcb *tcb;
  struct sf_listener *listener;
  uint16_t tflags;          /* SF__T_* */
  uint16_t bind_port;
  uint32_t bind_addr;
  unsigned keepalive_delay; /* seconds, 0: the loop's default */
  int error;                /* the connection's error, once known */
  const char *congestion;   /* sf_tcp_congestion's (a static name), or
                               NULL: the loop's default */
  sf_alloc_cb alloc_cb;
  sf_read_cb read_cb;
  const struct sf__tcp_splice *splice; /* set: reading moves in place */
  sf_connection_cb connection_cb;
  sf_connect_t *connect_req;
  sf_shutdown_t *shutdown_req;
  sf_write_t *wq_head, *wq_tail; /* linked through next_ */
  size_t wq_bytes;
  struct sf_hooks_obj *hooks; /* held by the handle: its own, or (an
                                 accepted one) its listener's; or NULL */
};
_Static_assert(sizeof(struct sf__tcp_impl) <= 120,
               "struct sf__tcp_impl grew past a 128-byte malloc chunk");

/* The hooks a handle's connections report to: its own (or its
 * listener's), else the loop's (sf_loop_set_hooks). */
static inline struct sf_hooks_obj *sf__tcp_hooks(const sf_tcp_t *tcp) {
  struct sf_hooks_obj *own = tcp->impl_->hooks;
  return own ? own : tcp->loop->impl_->hooks;
}

/* A TCP handle is active while it listens, reads, connects, writes or
 * shuts down; a closing one never is. */
static inline void sf__tcp_update_active(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  bool active = t->listener || (t->tflags & SF__T_READING) ||
                t->connect_req || t->wq_head || t->shutdown_req;
  if (!sf__handle_closing((sf_handle_t *)tcp))
    sf__handle_set_active((sf_handle_t *)tcp, active);
}

#endif /* SF_API_TCP_IMPL_H */
