/*
 * Wakeups from other threads with libuv's shape (sf_async_*), on the
 * reactor's async watchers (loop/watch.h). Active from init to close, as
 * in libuv. sf_async_send is the one public function that may run on
 * another thread: it reads only what init wrote and close_cb clears.
 */
#include "config.h"

#include <stdlib.h>

#include "api/async.h"
#include "loop/watch.h"

static void fire(void *arg, int status, int events) {
  (void)status;
  (void)events;
  sf_async_t *a = arg;
  if (a->impl_->cb)
    a->impl_->cb(a);
}

int sf_async_init(sf_loop_t *loop, sf_async_t *handle, sf_async_cb cb) {
  if (!loop || !loop->impl_ || !handle)
    return SF_EINVAL;
  struct sf__async_impl *impl = calloc(1, sizeof(*impl));
  if (!impl)
    return SF_ENOMEM;
  int rc = sf__reactor_watch_new(loop->impl_->reactor, SF_WATCH_ASYNC, fire,
                                 handle, &impl->w);
  if (rc < 0) {
    free(impl);
    return rc;
  }
  impl->cb = cb;
  handle->impl_ = impl;
  sf__handle_init(loop, (sf_handle_t *)handle, SF_ASYNC);
  sf__reactor_watch_start(impl->w);
  sf__handle_set_active((sf_handle_t *)handle, true);
  return 0;
}

int sf_async_send(sf_async_t *handle) {
  if (!sf__handle_ok((const sf_handle_t *)handle, SF_ASYNC) || !handle->impl_)
    return SF_EINVAL;
  sf__reactor_watch_wake(handle->impl_->w);
  return 0;
}

void sf__async_close(sf_async_t *a) { sf__reactor_watch_stop(a->impl_->w); }

void sf__async_free(sf_async_t *a) {
  sf__reactor_watch_free(a->impl_->w);
  free(a->impl_);
  a->impl_ = NULL;
}
