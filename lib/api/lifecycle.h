/* The lifecycle hooks hearing engine events (lifecycle.c). */
#ifndef SF_API_LIFECYCLE_H
#define SF_API_LIFECYCLE_H

#include "api/events.h"

/* Calls the hook of e->hooks that an SF__EV_CONN event is for. */
void sf__hooks_deliver(const struct sf__event *e);

#endif /* SF_API_LIFECYCLE_H */
