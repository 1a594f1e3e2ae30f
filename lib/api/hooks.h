/*
 * A hooks object: the sf_tcp_hooks_t of sf_tcp_set_hooks and its
 * argument, reference counted. It is the engine's "observer": a listener
 * or a connection holds one, and the engine keeps it past the handle
 * (into a TIME-WAIT record), so hooks hear a connection to its end.
 */
#ifndef SF_API_HOOKS_H
#define SF_API_HOOKS_H

#include "synfin.h"

struct sf_hooks_obj {
  unsigned refs;
  sf_tcp_hooks_t hooks;
  void *arg;
};

/* A new object with one reference, or NULL (no memory). */
struct sf_hooks_obj *sf__hooks_new(const sf_tcp_hooks_t *hooks, void *arg);
/* Both take NULL. The last release frees the object. */
void sf__hooks_retain(struct sf_hooks_obj *h);
void sf__hooks_release(struct sf_hooks_obj *h);
/* The on_syn verdict (SF_SYN_ACCEPT without hooks or without on_syn). */
sf_syn_verdict_t sf__hooks_syn(struct sf_hooks_obj *h,
                               const sf_syn_info_t *info);

#endif /* SF_API_HOOKS_H */
