/* TCP handles (tcp.c): what closing one, and an engine event, do to it. */
#ifndef SF_API_TCP_H
#define SF_API_TCP_H

#include <stdbool.h>

#include "api/tcp_impl.h"
#include "stack/stack.h"

/* sf_close of a TCP handle (reset: sf_tcp_close_reset's abort first):
 * requests end with SF_ECANCELED, the connection is left to the engine. */
void sf__tcp_close_handle(sf_tcp_t *tcp, bool reset);
void sf__tcp_free(sf_tcp_t *tcp);
/* An engine event about this handle's connection (after the hooks). */
void sf__tcp_handle_event(sf_tcp_t *tcp, const struct sf_tcp_event *ev);
/* A listener has a connection to accept: its connection_cb runs. */
void sf__tcp_listen_ready(sf_tcp_t *tcp);
/* An event for tcp was lost (no memory): a connection fails with
 * SF_ENOMEM (it could wait forever for what it missed); a listener
 * looks at its accept queue again. */
void sf__tcp_events_lost(sf_tcp_t *tcp);

#endif /* SF_API_TCP_H */
