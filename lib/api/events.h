/*
 * The engine's reports, queued: the engine reports synchronously while it
 * works, and every report becomes a record here, delivered later by
 * sf__api_work (deliver.c).
 */
#ifndef SF_API_EVENTS_H
#define SF_API_EVENTS_H

#include <stdbool.h>

#include "api/handle.h"
#include "api/hooks.h"
#include "stack/stack.h"

enum sf__event_kind {
  SF__EV_CONN = 1,      /* an engine event about a connection */
  SF__EV_LISTEN_READY,  /* a listener has a connection to accept */
  SF__EV_READ_PASS      /* read what is buffered (read just started) */
};

struct sf__event {
  enum sf__event_kind kind;
  sf_tcp_t *tcp;             /* NULL: only the hooks are concerned */
  struct sf_hooks_obj *hooks; /* retained while queued, or NULL */
  struct sf_tuple tuple;
  struct sf_tcp_event ev;
  int error; /* the connection's error when the event was queued */
};

/* The upcalls table given to sf__engine_new: they queue events. */
void sf__events_upcalls(struct sf__loop_impl *impl,
                        struct sf_engine_upcalls *up);
/* Queues an event (retaining e->hooks). */
void sf__events_push(struct sf__loop_impl *impl, const struct sf__event *e);
/* Takes the oldest event into *out (its hooks reference comes with it);
 * false when none is queued. */
bool sf__events_pop(struct sf__loop_impl *impl, struct sf__event *out);
/* Drops every queued event (at sf_loop_close). */
void sf__events_clear(struct sf__loop_impl *impl);

#endif /* SF_API_EVENTS_H */
