/*
 * Idle, prepare and check handles with libuv's shape (sf_idle_*,
 * sf_prepare_*, sf_check_*). The three differ only in the phase of the
 * round their reactor watcher runs in (loop/watch.h), so one definition
 * makes all three, as libuv's loop-watcher.c does.
 */
#include "config.h"

#include <stdlib.h>

#include "api/phase.h"
#include "loop/watch.h"

#define PHASE_HANDLE(name, TYPE, KIND)                                       \
  static void name##_fire(void *arg, int status, int events) {               \
    (void)status;                                                            \
    (void)events;                                                            \
    sf_##name##_t *h = arg;                                                  \
    h->impl_->cb(h);                                                         \
  }                                                                          \
                                                                             \
  static bool name##_usable(const sf_##name##_t *h) {                        \
    return sf__handle_ok((const sf_handle_t *)h, TYPE) &&                    \
           !sf__handle_closing((const sf_handle_t *)h);                      \
  }                                                                          \
                                                                             \
  int sf_##name##_init(sf_loop_t *loop, sf_##name##_t *handle) {             \
    if (!loop || !loop->impl_ || !handle)                                    \
      return SF_EINVAL;                                                      \
    struct sf__##name##_impl *impl = calloc(1, sizeof(*impl));               \
    if (!impl)                                                               \
      return SF_ENOMEM;                                                      \
    int rc = sf__reactor_watch_new(loop->impl_->reactor, KIND, name##_fire,  \
                                   handle, &impl->w);                        \
    if (rc < 0) {                                                            \
      free(impl);                                                            \
      return rc;                                                             \
    }                                                                        \
    handle->impl_ = impl;                                                    \
    sf__handle_init(loop, (sf_handle_t *)handle, TYPE);                      \
    return 0;                                                                \
  }                                                                          \
                                                                             \
  int sf_##name##_start(sf_##name##_t *handle, sf_##name##_cb cb) {          \
    if (!name##_usable(handle) || !cb)                                       \
      return SF_EINVAL;                                                      \
    if (sf_is_active((sf_handle_t *)handle))                                 \
      return 0; /* libuv keeps the first callback too */                     \
    handle->impl_->cb = cb;                                                  \
    sf__reactor_watch_start(handle->impl_->w);                               \
    sf__handle_set_active((sf_handle_t *)handle, true);                      \
    return 0;                                                                \
  }                                                                          \
                                                                             \
  int sf_##name##_stop(sf_##name##_t *handle) {                              \
    if (!name##_usable(handle))                                              \
      return SF_EINVAL;                                                      \
    sf__reactor_watch_stop(handle->impl_->w);                                \
    sf__handle_set_active((sf_handle_t *)handle, false);                     \
    return 0;                                                                \
  }                                                                          \
                                                                             \
  void sf__##name##_close(sf_##name##_t *h) {                                \
    sf__reactor_watch_stop(h->impl_->w);                                     \
  }                                                                          \
                                                                             \
  void sf__##name##_free(sf_##name##_t *h) {                                 \
    sf__reactor_watch_free(h->impl_->w);                                     \
    free(h->impl_);                                                          \
    h->impl_ = NULL;                                                         \
  }

PHASE_HANDLE(idle, SF_IDLE, SF_WATCH_IDLE)
PHASE_HANDLE(prepare, SF_PREPARE, SF_WATCH_PREPARE)
PHASE_HANDLE(check, SF_CHECK, SF_WATCH_CHECK)
