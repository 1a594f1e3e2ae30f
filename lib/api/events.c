/*
 * From the engine to the application. The engine reports synchronously,
 * while it works (inside sf__engine_input, _poll, or an sf__tcp_* call
 * the API made on the application's behalf); here those reports only
 * become records in a queue. sf__api_work (deliver.c), called by the
 * reactor after each batch of work and before the loop blocks, then
 * delivers them in order.
 *
 * Entry points: sf__events_upcalls (the table given to sf__engine_new),
 * sf__events_push / _pop / _clear. An event that finds no memory to be
 * queued is not silently dropped: its handle is marked (lose) and told
 * once the queue has drained (deliver.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/events.h"
#include "util/alloc.h"

/* --------------------------------------------------------------- queue */

static bool grow(struct sf__loop_impl *impl) {
  size_t cap = impl->ev_cap ? impl->ev_cap * 2 : 64;
  struct sf__event *ev = sf__alloc(cap * sizeof(*ev));
  if (!ev)
    return false;
  for (size_t i = 0; i < impl->ev_len; i++)
    ev[i] = impl->ev[(impl->ev_head + i) % impl->ev_cap];
  free(impl->ev);
  impl->ev = ev;
  impl->ev_cap = cap;
  impl->ev_head = 0;
  return true;
}

/*
 * No memory to queue e. Its handle is marked, to be told once the queue
 * has drained (recover_lost): an application that silently missed an
 * event could wait forever. An event for hooks alone is only counted.
 */
static void lose(struct sf__loop_impl *impl, const struct sf__event *e) {
  impl->ev_dropped++;
  if (!e->tcp)
    return;
  ((sf_handle_t *)e->tcp)->flags |= SF__H_EVENT_LOST;
  impl->ev_lost = true;
}

void sf__events_push(struct sf__loop_impl *impl, const struct sf__event *e) {
  if (impl->ev_len == impl->ev_cap && !grow(impl)) {
    lose(impl, e);
    return;
  }
  impl->ev[(impl->ev_head + impl->ev_len) % impl->ev_cap] = *e;
  impl->ev_len++;
  if (e->hooks)
    sf__hooks_retain(e->hooks);
}

bool sf__events_pop(struct sf__loop_impl *impl, struct sf__event *out) {
  if (!impl->ev_len)
    return false;
  *out = impl->ev[impl->ev_head];
  impl->ev_head = (impl->ev_head + 1) % impl->ev_cap;
  impl->ev_len--;
  return true;
}

void sf__events_clear(struct sf__loop_impl *impl) {
  struct sf__event e;
  while (sf__events_pop(impl, &e))
    if (e.hooks)
      sf__hooks_release(e.hooks);
}

/* ------------------------------------------------------------- upcalls */

static void conn_event(void *ctx, const struct sf_conn_ref *c,
                       const struct sf_tcp_event *ev) {
  struct sf__loop_impl *impl = ctx;
  sf_tcp_t *tcp = c->user;
  /* A closing handle hears nothing more; its hooks still do. */
  if (tcp && sf__handle_closing((sf_handle_t *)tcp))
    tcp = NULL;
  if (!tcp && !c->observer)
    return;
  struct sf__event e = {
      .kind = SF__EV_CONN,
      .tcp = tcp,
      .hooks = c->observer,
      .tuple = c->tuple,
      .ev = *ev,
      .error = ev->type == SF_TEV_ERROR ? ev->error
               : c->tcb                 ? sf__tcp_error(c->tcb)
                                        : 0,
  };
  sf__events_push(impl, &e);
}

static void listener_ready(void *ctx, struct sf_listener *l, void *user) {
  (void)l;
  sf_tcp_t *tcp = user;
  if (!tcp || sf__handle_closing((sf_handle_t *)tcp))
    return;
  struct sf__event e = {.kind = SF__EV_LISTEN_READY, .tcp = tcp};
  sf__events_push(ctx, &e);
}

static sf_syn_verdict_t syn(void *ctx, struct sf_listener *l, void *observer,
                            const sf_syn_info_t *info) {
  (void)ctx;
  (void)l;
  return sf__hooks_syn(observer, info);
}

static void observer_retain(void *ctx, void *observer) {
  (void)ctx;
  sf__hooks_retain(observer);
}

static void observer_release(void *ctx, void *observer) {
  (void)ctx;
  sf__hooks_release(observer);
}

void sf__events_upcalls(struct sf__loop_impl *impl,
                        struct sf_engine_upcalls *up) {
  memset(up, 0, sizeof(*up));
  up->ctx = impl;
  up->conn_event = conn_event;
  up->listener_ready = listener_ready;
  up->syn = syn;
  up->observer_retain = observer_retain;
  up->observer_release = observer_release;
}
