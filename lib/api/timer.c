/*
 * Timers with libuv's shape (sf_timer_*), on the reactor's libev timers.
 * Times are milliseconds. A timer is active while started; a one-shot
 * timer stops before its callback runs, so the callback may restart it.
 */
#include "config.h"

#include <stdlib.h>

#include "api/timer.h"
#include "loop/loop.h"
#include "util/alloc.h"

static bool timer_usable(const sf_timer_t *t) {
  return sf__handle_ok((const sf_handle_t *)t, SF_TIMER) &&
         !sf__handle_closing((const sf_handle_t *)t);
}

static sf_time_t ms_to_ns(unsigned long long v) {
  return v > SF_TIME_NEVER / SF_NSEC_PER_MSEC ? SF_TIME_NEVER / 2
                                              : v * SF_NSEC_PER_MSEC;
}

static void fire(void *arg) {
  sf_timer_t *t = arg;
  if (!t->impl_->repeat)
    sf__handle_set_active((sf_handle_t *)t, false);
  t->impl_->cb(t);
}

int sf_timer_init(sf_loop_t *loop, sf_timer_t *timer) {
  if (!loop || !loop->impl_ || !timer)
    return SF_EINVAL;
  struct sf__timer_impl *impl = sf__calloc(1, sizeof(*impl));
  if (!impl)
    return SF_ENOMEM;
  int rc = sf__reactor_timer_new(loop->impl_->reactor, fire, timer, &impl->rt);
  if (rc < 0) {
    free(impl);
    return rc;
  }
  timer->impl_ = impl;
  sf__handle_init(loop, (sf_handle_t *)timer, SF_TIMER);
  return 0;
}

int sf_timer_start(sf_timer_t *timer, sf_timer_cb cb, unsigned long long timeout,
                   unsigned long long repeat) {
  if (!timer_usable(timer) || !cb)
    return SF_EINVAL;
  struct sf__timer_impl *impl = timer->impl_;
  impl->cb = cb;
  impl->repeat = repeat;
  sf__reactor_timer_start(impl->rt, ms_to_ns(timeout), ms_to_ns(repeat));
  sf__handle_set_active((sf_handle_t *)timer, true);
  return 0;
}

int sf_timer_stop(sf_timer_t *timer) {
  if (!timer_usable(timer))
    return SF_EINVAL;
  sf__reactor_timer_stop(timer->impl_->rt);
  sf__handle_set_active((sf_handle_t *)timer, false);
  return 0;
}

int sf_timer_again(sf_timer_t *timer) {
  if (!timer_usable(timer) || !timer->impl_->cb)
    return SF_EINVAL;
  if (timer->impl_->repeat)
    return sf_timer_start(timer, timer->impl_->cb, timer->impl_->repeat,
                          timer->impl_->repeat);
  return 0;
}

void sf_timer_set_repeat(sf_timer_t *timer, unsigned long long repeat) {
  if (!timer_usable(timer))
    return;
  timer->impl_->repeat = repeat;
  sf__reactor_timer_set_repeat(timer->impl_->rt, ms_to_ns(repeat));
}

unsigned long long sf_timer_get_repeat(const sf_timer_t *timer) {
  if (!sf__handle_ok((const sf_handle_t *)timer, SF_TIMER))
    return 0;
  return timer->impl_->repeat;
}

unsigned long long sf_timer_get_due_in(const sf_timer_t *timer) {
  if (!timer_usable(timer))
    return 0;
  sf_time_t ns = sf__reactor_timer_due_in(timer->impl_->rt);
  return (ns + SF_NSEC_PER_MSEC - 1) / SF_NSEC_PER_MSEC;
}

void sf__timer_close(sf_timer_t *t) { sf__reactor_timer_stop(t->impl_->rt); }

void sf__timer_free(sf_timer_t *t) {
  sf__reactor_timer_free(t->impl_->rt);
  free(t->impl_);
  t->impl_ = NULL;
}
