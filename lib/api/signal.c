/*
 * Signal handles with libuv's shape (sf_signal_*), on the reactor's
 * signal watchers (loop/watch.h), which also keep one signal on one
 * libev loop. A one-shot handle stops before its callback runs, so the
 * callback may start it again.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "api/signal.h"
#include "loop/watch.h"

static bool signal_usable(const sf_signal_t *s) {
  return sf__handle_ok((const sf_handle_t *)s, SF_SIGNAL) &&
         !sf__handle_closing((const sf_handle_t *)s);
}

/* What sigaction can catch. */
static bool catchable(int signum) {
  return signum > 0 && signum < NSIG && signum != SIGKILL &&
         signum != SIGSTOP;
}

static void fire(void *arg, int status, int events) {
  (void)status;
  (void)events;
  sf_signal_t *s = arg;
  if (s->impl_->oneshot)
    sf_signal_stop(s);
  s->impl_->cb(s, s->signum);
}

int sf_signal_init(sf_loop_t *loop, sf_signal_t *handle) {
  if (!loop || !loop->impl_ || !handle)
    return SF_EINVAL;
  struct sf__signal_impl *impl = calloc(1, sizeof(*impl));
  if (!impl)
    return SF_ENOMEM;
  int rc = sf__reactor_watch_new(loop->impl_->reactor, SF_WATCH_SIGNAL, fire,
                                 handle, &impl->w);
  if (rc < 0) {
    free(impl);
    return rc;
  }
  handle->signum = 0;
  handle->impl_ = impl;
  sf__handle_init(loop, (sf_handle_t *)handle, SF_SIGNAL);
  return 0;
}

static int start(sf_signal_t *s, sf_signal_cb cb, int signum, bool oneshot) {
  if (!signal_usable(s) || !cb || !catchable(signum))
    return SF_EINVAL;
  sf_handle_t *h = (sf_handle_t *)s;
  if (!sf_is_active(h) || signum != s->signum) {
    int rc = sf__reactor_watch_signal(s->impl_->w, signum);
    if (rc < 0) {
      sf__handle_set_active(h, false);
      return rc;
    }
    s->signum = signum;
  }
  s->impl_->cb = cb;
  s->impl_->oneshot = oneshot;
  sf__handle_set_active(h, true);
  return 0;
}

int sf_signal_start(sf_signal_t *handle, sf_signal_cb cb, int signum) {
  return start(handle, cb, signum, false);
}

int sf_signal_start_oneshot(sf_signal_t *handle, sf_signal_cb cb,
                            int signum) {
  return start(handle, cb, signum, true);
}

int sf_signal_stop(sf_signal_t *handle) {
  if (!signal_usable(handle))
    return SF_EINVAL;
  sf__reactor_watch_stop(handle->impl_->w);
  sf__handle_set_active((sf_handle_t *)handle, false);
  return 0;
}

void sf__signal_close(sf_signal_t *s) { sf__reactor_watch_stop(s->impl_->w); }

void sf__signal_free(sf_signal_t *s) {
  sf__reactor_watch_free(s->impl_->w);
  free(s->impl_);
  s->impl_ = NULL;
}
