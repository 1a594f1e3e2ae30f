/*
 * A TCP handle as a stream (tcp_stream.c): reading, writing and shutdown
 * on its connection, behind sf__tcp_stream_ops.
 */
#ifndef SF_API_TCP_STREAM_H
#define SF_API_TCP_STREAM_H

#include "api/stream.h"
#include "api/tcp_impl.h"

/* The ops table every TCP handle is initialized with. */
extern const struct sf__stream_ops sf__tcp_stream_ops;

/* The connection's failure, also once the engine has let it go; 0 if
 * none. */
int sf__tcp_stream_error(const struct sf__tcp_impl *t);
/* Reads what is buffered (alloc_cb, read_cb) while the handle reads. */
void sf__tcp_stream_read_pass(sf_tcp_t *tcp);
/*
 * The connection failed: a reading handle hears it in a read pass, after
 * the data before it. One that stopped reading (after SF_EOF, typically)
 * hears it too, through the read_cb it last had, once no unread data is
 * left before it (BEHAVIOUR 11); a handle that never read learns it from
 * its next call.
 */
void sf__tcp_stream_read_failed(sf_tcp_t *tcp);
/* Pushes queued writes into the send buffer, then FIN after sf_shutdown. */
void sf__tcp_stream_push_writes(sf_tcp_t *tcp);
/* The send buffer has room (WRITABLE, ESTABLISHED): queued writes go,
 * then, in splice mode with none left, the splice's room hook runs. */
void sf__tcp_stream_writable(sf_tcp_t *tcp);
/*
 * Starts reading in splice mode: instead of alloc_cb/read_cb, splice's
 * hooks run (struct sf__tcp_splice) and move the bytes themselves;
 * sf_read_stop ends the mode. Returns 0, SF_ENOTCONN (a listener, no
 * connection), SF_EALREADY (reading).
 */
int sf__tcp_stream_splice_start(sf_tcp_t *tcp,
                                const struct sf__tcp_splice *splice);
/* Finishes every queued write with status. */
void sf__tcp_stream_fail_writes(sf_tcp_t *tcp, int status);

#endif /* SF_API_TCP_STREAM_H */
