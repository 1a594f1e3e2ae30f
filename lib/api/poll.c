/*
 * Readiness of the application's file descriptors with libuv's shape
 * (sf_poll_*), on the reactor's fd watchers (loop/watch.h). synfin never
 * does I/O on the fd; it only says when the application may.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "api/poll.h"
#include "loop/watch.h"

static bool poll_usable(const sf_poll_t *p) {
  return sf__handle_ok((const sf_handle_t *)p, SF_POLL) &&
         !sf__handle_closing((const sf_handle_t *)p);
}

static void fire(void *arg, int status, int events) {
  sf_poll_t *p = arg;
  if (status < 0) /* the watcher stopped itself */
    sf__handle_set_active((sf_handle_t *)p, false);
  p->impl_->cb(p, status, events);
}

/* As libuv does: readiness is only useful to code that won't block. */
static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0)
    return sf_translate_sys_error(errno);
  if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return sf_translate_sys_error(errno);
  return 0;
}

int sf_poll_init(sf_loop_t *loop, sf_poll_t *handle, int fd) {
  if (!loop || !loop->impl_ || !handle || fd < 0)
    return SF_EINVAL;
  struct sf__poll_impl *impl = calloc(1, sizeof(*impl));
  if (!impl)
    return SF_ENOMEM;
  int rc = sf__reactor_watch_new(loop->impl_->reactor, SF_WATCH_FD, fire,
                                 handle, &impl->w);
  if (rc == 0)
    rc = set_nonblocking(fd);
  if (rc < 0) {
    sf__reactor_watch_free(impl->w);
    free(impl);
    return rc;
  }
  handle->fd = fd;
  handle->impl_ = impl;
  sf__handle_init(loop, (sf_handle_t *)handle, SF_POLL);
  return 0;
}

int sf_poll_start(sf_poll_t *handle, int events, sf_poll_cb cb) {
  if (!poll_usable(handle) || (events & ~(SF_READABLE | SF_WRITABLE)) ||
      (events && !cb))
    return SF_EINVAL;
  if (!events)
    return sf_poll_stop(handle);
  /* libev asserts on an fd that is not open; say so here instead. */
  if (fcntl(handle->fd, F_GETFD) < 0)
    return sf_translate_sys_error(errno);
  handle->impl_->cb = cb;
  sf__reactor_watch_fd(handle->impl_->w, handle->fd, events);
  sf__handle_set_active((sf_handle_t *)handle, true);
  return 0;
}

int sf_poll_stop(sf_poll_t *handle) {
  if (!poll_usable(handle))
    return SF_EINVAL;
  sf__reactor_watch_stop(handle->impl_->w);
  sf__handle_set_active((sf_handle_t *)handle, false);
  return 0;
}

void sf__poll_close(sf_poll_t *p) { sf__reactor_watch_stop(p->impl_->w); }

void sf__poll_free(sf_poll_t *p) {
  sf__reactor_watch_free(p->impl_->w);
  free(p->impl_);
  p->impl_ = NULL;
}
