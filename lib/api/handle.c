/*
 * What every handle and request shares (the map of lib/api is in
 * handle.h): handle init and checks, sf_ref/sf_unref, sf_is_active,
 * sf_is_closing, sf_handle_type_name; the counting that decides whether
 * the loop is alive (active referenced handles, requests in flight,
 * closing handles, queued events, connections draining under linger and
 * its time limit); requests started and finished; the loop's reason for
 * the last failure (sf_loop_last_error).
 */
#include "config.h"

#include "api/handle.h"
#include "loop/loop.h"
#include "stack/stack.h"

/* ---------------------------------------------------------------- loop */

sf_time_t sf__loop_now(const sf_loop_t *loop) {
  return sf__reactor_now(loop->impl_->reactor);
}

static bool busy(const struct sf__loop_impl *impl) {
  return impl->active_handles > 0 || impl->active_reqs > 0 ||
         impl->closing != NULL || impl->ev_len > 0;
}

static bool draining(const struct sf__loop_impl *impl) {
  return impl->linger && !impl->linger_expired &&
         sf__engine_orphans_closing(impl->engine) > 0;
}

bool sf__loop_alive(const struct sf__loop_impl *impl) {
  return busy(impl) || draining(impl);
}

void sf__loop_linger_watch(struct sf__loop_impl *impl) {
  if (!impl->linger_timer)
    return;
  if (busy(impl)) {
    /* The limit is for a loop with nothing else to do: it starts over. */
    sf__reactor_timer_stop(impl->linger_timer);
    impl->linger_expired = false;
  } else if (draining(impl) && !sf__reactor_timer_active(impl->linger_timer)) {
    sf__reactor_timer_start(impl->linger_timer, impl->linger_max, 0);
  }
}

void sf__loop_linger_expired(void *arg) {
  struct sf__loop_impl *impl = arg;
  impl->linger_expired = true;
}

/* ------------------------------------------------------------- handles */

struct sf_why *sf__loop_why_clear(sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return NULL;
  loop->impl_->last_error.text[0] = '\0';
  return &loop->impl_->last_error;
}

int sf__loop_why_done(sf_loop_t *loop, int rc, const char *fallback) {
  if (rc < 0 && loop && loop->impl_ && !loop->impl_->last_error.text[0])
    sf__why(&loop->impl_->last_error, rc, "%s", fallback);
  return rc;
}

void sf__handle_init(sf_loop_t *loop, sf_handle_t *h, sf_handle_type type) {
  struct sf__loop_impl *impl = loop->impl_;
  h->loop = loop;
  h->type = type;
  h->flags = SF__H_REF;
  h->close_cb_ = NULL;
  h->next_closing_ = NULL;
  h->next_ = NULL;
  h->prev_ = impl->handles_tail;
  if (impl->handles_tail)
    impl->handles_tail->next_ = h;
  else
    impl->handles = h;
  impl->handles_tail = h;
}

bool sf__handle_ok(const sf_handle_t *h, sf_handle_type type) {
  if (!h || !h->loop || !h->loop->impl_ || h->type <= SF_UNKNOWN_HANDLE ||
      h->type >= SF_HANDLE_TYPE_MAX)
    return false;
  return type == SF_UNKNOWN_HANDLE || h->type == type;
}

static void count_active(sf_handle_t *h, int delta) {
  if ((h->flags & SF__H_ACTIVE) && (h->flags & SF__H_REF)) {
    struct sf__loop_impl *impl = h->loop->impl_;
    impl->active_handles += (size_t)delta; /* wraps back for -1 */
  }
}

void sf__handle_set_active(sf_handle_t *h, bool active) {
  if (active == ((h->flags & SF__H_ACTIVE) != 0))
    return;
  if (!active)
    count_active(h, -1);
  h->flags = active ? h->flags | SF__H_ACTIVE : h->flags & ~SF__H_ACTIVE;
  if (active)
    count_active(h, 1);
}

void sf_ref(sf_handle_t *h) {
  if (!sf__handle_ok(h, SF_UNKNOWN_HANDLE) || (h->flags & SF__H_REF))
    return;
  h->flags |= SF__H_REF;
  count_active(h, 1);
}

void sf_unref(sf_handle_t *h) {
  if (!sf__handle_ok(h, SF_UNKNOWN_HANDLE) || !(h->flags & SF__H_REF))
    return;
  count_active(h, -1);
  h->flags &= ~SF__H_REF;
}

int sf_has_ref(const sf_handle_t *h) {
  return sf__handle_ok(h, SF_UNKNOWN_HANDLE) && (h->flags & SF__H_REF);
}

int sf_is_active(const sf_handle_t *h) {
  return sf__handle_ok(h, SF_UNKNOWN_HANDLE) && !sf__handle_closing(h) &&
         (h->flags & SF__H_ACTIVE);
}

int sf_is_closing(const sf_handle_t *h) {
  return sf__handle_ok(h, SF_UNKNOWN_HANDLE) && sf__handle_closing(h);
}

const char *sf_handle_type_name(sf_handle_type type) {
  switch (type) {
  case SF_TIMER:
    return "timer";
  case SF_IFACE:
    return "iface";
  case SF_TCP:
    return "tcp";
  case SF_SIGNAL:
    return "signal";
  case SF_POLL:
    return "poll";
  case SF_ASYNC:
    return "async";
  case SF_IDLE:
    return "idle";
  case SF_PREPARE:
    return "prepare";
  case SF_CHECK:
    return "check";
  case SF_TLS:
    return "tls";
  default:
    return "unknown";
  }
}

void sf__handle_unlink(sf_handle_t *h) {
  struct sf__loop_impl *impl = h->loop->impl_;
  if (h->prev_)
    h->prev_->next_ = h->next_;
  else
    impl->handles = h->next_;
  if (h->next_)
    h->next_->prev_ = h->prev_;
  else
    impl->handles_tail = h->prev_;
  h->next_ = h->prev_ = NULL;
}

/* ------------------------------------------------------------ requests */

void sf__req_start(sf_loop_t *loop, sf_req_t *req, sf_req_type type) {
  req->type = type;
  req->next_ = NULL;
  req->status_ = 0;
  loop->impl_->active_reqs++;
}

void sf__req_done(sf_loop_t *loop, sf_req_t *req, int status) {
  struct sf__loop_impl *impl = loop->impl_;
  req->status_ = status;
  req->next_ = NULL;
  if (impl->done_tail)
    impl->done_tail->next_ = req;
  else
    impl->done = req;
  impl->done_tail = req;
}
