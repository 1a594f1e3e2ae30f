/* sf_signal_t's internals (signal.c): a reactor signal watcher per
 * handle. */
#ifndef SF_API_SIGNAL_H
#define SF_API_SIGNAL_H

#include <stdbool.h>

#include "api/handle.h"

struct sf_reactor_watch;

struct sf__signal_impl {
  struct sf_reactor_watch *w;
  sf_signal_cb cb;
  bool oneshot;
};

/* sf_close of a signal handle stops it; sf__signal_free, when its
 * close_cb is due, frees it. */
void sf__signal_close(sf_signal_t *s);
void sf__signal_free(sf_signal_t *s);

#endif /* SF_API_SIGNAL_H */
