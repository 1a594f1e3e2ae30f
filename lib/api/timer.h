/* sf_timer_t's internals (timer.c): a reactor timer per handle. */
#ifndef SF_API_TIMER_H
#define SF_API_TIMER_H

#include "api/handle.h"

struct sf_reactor_timer;

struct sf__timer_impl {
  struct sf_reactor_timer *rt;
  sf_timer_cb cb;
  unsigned long long repeat;
};

/* sf_close of a timer stops it; its close_cb-time cleanup frees it. */
void sf__timer_close(sf_timer_t *t);
void sf__timer_free(sf_timer_t *t);

#endif /* SF_API_TIMER_H */
