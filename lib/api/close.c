/*
 * sf_close for every handle type: what closing means for a timer, an
 * interface, a TCP handle or one of the others (signal, poll, async,
 * idle, prepare, check: their watcher stops), and the cleanup before
 * its close_cb; and sf_tcp_close_reset, a close that resets the
 * connection first.
 */
#include "config.h"

#include "api/async.h"
#include "api/close.h"
#include "api/iface.h"
#include "api/phase.h"
#include "api/poll.h"
#include "api/signal.h"
#include "api/stream.h"
#include "api/tcp.h"
#include "api/timer.h"

int sf_close(sf_handle_t *h, sf_close_cb close_cb) {
  if (!sf__handle_ok(h, SF_UNKNOWN_HANDLE))
    return SF_EINVAL;
  if (sf__handle_closing(h))
    return SF_EALREADY;
  h->close_cb_ = close_cb;
  sf__handle_set_active(h, false);
  h->flags |= SF__H_CLOSING;
  switch (h->type) {
  case SF_TIMER:
    sf__timer_close((sf_timer_t *)h);
    break;
  case SF_IFACE:
    sf__iface_close((sf_iface_t *)h);
    break;
  case SF_TCP:
    sf__tcp_close_handle((sf_tcp_t *)h, false);
    break;
  case SF_SIGNAL:
    sf__signal_close((sf_signal_t *)h);
    break;
  case SF_POLL:
    sf__poll_close((sf_poll_t *)h);
    break;
  case SF_ASYNC:
    sf__async_close((sf_async_t *)h);
    break;
  case SF_IDLE:
    sf__idle_close((sf_idle_t *)h);
    break;
  case SF_PREPARE:
    sf__prepare_close((sf_prepare_t *)h);
    break;
  case SF_CHECK:
    sf__check_close((sf_check_t *)h);
    break;
  case SF_TLS:
    sf__stream_close((sf_stream_t *)h);
    break;
  default:
    break;
  }
  /* The TCP close may have re-marked it active; a closing handle isn't. */
  sf__handle_set_active(h, false);
  struct sf__loop_impl *impl = h->loop->impl_;
  h->next_closing_ = NULL;
  if (impl->closing_tail)
    impl->closing_tail->next_closing_ = h;
  else
    impl->closing = h;
  impl->closing_tail = h;
  return 0;
}

void sf__handle_finish_close(sf_handle_t *h) {
  switch (h->type) {
  case SF_TIMER:
    sf__timer_free((sf_timer_t *)h);
    break;
  case SF_IFACE:
    sf__iface_free((sf_iface_t *)h);
    break;
  case SF_TCP:
    sf__tcp_free((sf_tcp_t *)h);
    break;
  case SF_SIGNAL:
    sf__signal_free((sf_signal_t *)h);
    break;
  case SF_POLL:
    sf__poll_free((sf_poll_t *)h);
    break;
  case SF_ASYNC:
    sf__async_free((sf_async_t *)h);
    break;
  case SF_IDLE:
    sf__idle_free((sf_idle_t *)h);
    break;
  case SF_PREPARE:
    sf__prepare_free((sf_prepare_t *)h);
    break;
  case SF_CHECK:
    sf__check_free((sf_check_t *)h);
    break;
  case SF_TLS:
    sf__stream_free((sf_stream_t *)h);
    break;
  default:
    break;
  }
  /* Off the loop's list before close_cb, which may free the memory. */
  sf__handle_unlink(h);
  if (h->close_cb_)
    h->close_cb_(h);
}

int sf_tcp_close_reset(sf_tcp_t *tcp, sf_close_cb close_cb) {
  if (!sf__handle_ok((sf_handle_t *)tcp, SF_TCP))
    return SF_EINVAL;
  if (sf__handle_closing((sf_handle_t *)tcp))
    return SF_EALREADY;
  struct sf__tcp_impl *t = tcp->impl_;
  if (!t->tcb)
    return SF_ENOTCONN;
  /* Abort first, so sf_close's detach finds a closed connection. */
  sf__tcp_abort(t->tcb, sf__loop_now(tcp->loop));
  return sf_close((sf_handle_t *)tcp, close_cb);
}
