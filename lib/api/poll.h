/* sf_poll_t's internals (poll.c): a reactor fd watcher per handle. */
#ifndef SF_API_POLL_H
#define SF_API_POLL_H

#include "api/handle.h"

struct sf_reactor_watch;

struct sf__poll_impl {
  struct sf_reactor_watch *w;
  sf_poll_cb cb;
};

/* sf_close of a poll handle stops it; sf__poll_free, when its close_cb
 * is due, frees it. */
void sf__poll_close(sf_poll_t *p);
void sf__poll_free(sf_poll_t *p);

#endif /* SF_API_POLL_H */
