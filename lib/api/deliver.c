/*
 * Delivery of what lib/api queued, from the reactor's work callback
 * (sf__api_work), in order: engine events (to the hooks, then to the
 * handle), then finished requests, then close callbacks, so a handle's
 * close_cb comes after every callback of its requests.
 */
#include "config.h"

#include "api/close.h"
#include "api/deliver.h"
#include "api/events.h"
#include "api/lifecycle.h"
#include "api/stream.h"
#include "api/tcp.h"
#include "api/tcp_stream.h"

static void deliver(struct sf__event *e) {
  sf_tcp_t *tcp = e->tcp;
  /* The handle may have been closed since the event was queued. */
  if (tcp && sf__handle_closing((sf_handle_t *)tcp))
    tcp = e->tcp = NULL;
  switch (e->kind) {
  case SF__EV_CONN:
    if (e->hooks)
      sf__hooks_deliver(e);
    /* The hook may have closed the handle. */
    if (tcp && !sf__handle_closing((sf_handle_t *)tcp))
      sf__tcp_handle_event(tcp, &e->ev);
    break;
  case SF__EV_LISTEN_READY:
    if (tcp)
      sf__tcp_listen_ready(tcp);
    break;
  case SF__EV_READ_PASS:
    if (tcp) {
      tcp->impl_->tflags &= ~SF__T_READ_QUEUED;
      sf__tcp_stream_read_pass(tcp);
    }
    break;
  }
}

/* Tells one handle whose event was lost; false when none is left. */
static bool recover_lost(struct sf__loop_impl *impl) {
  if (!impl->ev_lost)
    return false;
  for (sf_handle_t *h = impl->handles; h; h = h->next_) {
    if (h->type == SF_TCP && (h->flags & SF__H_EVENT_LOST)) {
      sf__tcp_events_lost((sf_tcp_t *)h);
      return true;
    }
  }
  impl->ev_lost = false;
  return false;
}

static bool deliver_request(struct sf__loop_impl *impl) {
  sf_req_t *req = impl->done;
  if (!req)
    return false;
  impl->done = req->next_;
  if (!impl->done)
    impl->done_tail = NULL;
  req->next_ = NULL;
  impl->active_reqs--;
  sf__stream_req_callback(req, req->status_);
  return true;
}

static bool deliver_close(struct sf__loop_impl *impl) {
  sf_handle_t *h = impl->closing;
  if (!h)
    return false;
  impl->closing = h->next_closing_;
  if (!impl->closing)
    impl->closing_tail = NULL;
  h->next_closing_ = NULL;
  sf__handle_finish_close(h);
  return true;
}

bool sf__api_work(void *arg, bool *delivered) {
  struct sf__loop_impl *impl = arg;
  if (impl->working)
    return true;
  impl->working = true;
  /* Events first (and the handles that lost one, after those queued
   * before), then finished requests, then close callbacks: a handle's
   * close_cb comes after every callback of its requests. */
  for (;;) {
    struct sf__event e;
    if (sf__events_pop(impl, &e)) {
      deliver(&e);
      if (e.hooks)
        sf__hooks_release(e.hooks);
    } else if (!recover_lost(impl) && !deliver_request(impl) &&
               !deliver_close(impl)) {
      break;
    }
    *delivered = true;
  }
  impl->working = false;
  sf__loop_linger_watch(impl);
  return sf__loop_alive(impl);
}
