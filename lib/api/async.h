/* sf_async_t's internals (async.c): a reactor async watcher per handle,
 * started from init to close. */
#ifndef SF_API_ASYNC_H
#define SF_API_ASYNC_H

#include "api/handle.h"

struct sf_reactor_watch;

struct sf__async_impl {
  struct sf_reactor_watch *w;
  sf_async_cb cb;
};

/* sf_close of an async handle stops it; sf__async_free, when its
 * close_cb is due, frees it. */
void sf__async_close(sf_async_t *a);
void sf__async_free(sf_async_t *a);

#endif /* SF_API_ASYNC_H */
