/* The hooks object (hooks.h): created, retained, released, asked. */
#include "config.h"

#include <stdlib.h>

#include "api/hooks.h"

struct sf_hooks_obj *sf__hooks_new(const sf_tcp_hooks_t *hooks, void *arg) {
  struct sf_hooks_obj *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->refs = 1;
  h->hooks = *hooks;
  h->arg = arg;
  return h;
}

void sf__hooks_retain(struct sf_hooks_obj *h) {
  if (h)
    h->refs++;
}

void sf__hooks_release(struct sf_hooks_obj *h) {
  if (h && --h->refs == 0)
    free(h);
}

sf_syn_verdict_t sf__hooks_syn(struct sf_hooks_obj *h,
                               const sf_syn_info_t *info) {
  if (!h || !h->hooks.on_syn)
    return SF_SYN_ACCEPT;
  return h->hooks.on_syn(h->arg, info);
}
