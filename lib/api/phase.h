/*
 * The internals of sf_idle_t, sf_prepare_t and sf_check_t (phase.c):
 * one reactor phase watcher per handle (loop/watch.h says when each
 * phase runs).
 */
#ifndef SF_API_PHASE_H
#define SF_API_PHASE_H

#include "api/handle.h"

struct sf_reactor_watch;

struct sf__idle_impl {
  struct sf_reactor_watch *w;
  sf_idle_cb cb;
};

struct sf__prepare_impl {
  struct sf_reactor_watch *w;
  sf_prepare_cb cb;
};

struct sf__check_impl {
  struct sf_reactor_watch *w;
  sf_check_cb cb;
};

/* sf_close of such a handle stops it; the _free function, when its
 * close_cb is due, frees it. */
void sf__idle_close(sf_idle_t *h);
void sf__idle_free(sf_idle_t *h);
void sf__prepare_close(sf_prepare_t *h);
void sf__prepare_free(sf_prepare_t *h);
void sf__check_close(sf_check_t *h);
void sf__check_free(sf_check_t *h);

#endif /* SF_API_PHASE_H */
