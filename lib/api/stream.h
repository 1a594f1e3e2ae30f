/* Reading, writing and shutdown on a TCP connection handle (stream.c). */
#ifndef SF_API_STREAM_H
#define SF_API_STREAM_H

#include "api/tcp_impl.h"

/* Reads what is buffered (alloc_cb, read_cb) while the handle reads. */
void sf__stream_read_pass(sf_tcp_t *tcp);
/*
 * The connection failed: a reading handle hears it in a read pass, after
 * the data before it. One that stopped reading (after SF_EOF, typically)
 * hears it too, through the read_cb it last had, once no unread data is
 * left before it (BEHAVIOUR 11); a handle that never read learns it from
 * its next call.
 */
void sf__stream_read_failed(sf_tcp_t *tcp);
/* Pushes queued writes into the send buffer, then FIN after sf_shutdown. */
void sf__stream_push_writes(sf_tcp_t *tcp);
/* Finishes every queued write with status. */
void sf__stream_fail_writes(sf_tcp_t *tcp, int status);
/* Calls the callback of a finished request (write, connect, shutdown). */
void sf__stream_req_callback(sf_req_t *req, int status);

#endif /* SF_API_STREAM_H */
