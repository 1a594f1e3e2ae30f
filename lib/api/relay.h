/*
 * sf_relay_*: two streams joined both ways (relay.c): through chunks and
 * the public stream calls for every stream type (TCP, and streams layered
 * on another such as TLS), or, when both are synfin TCP, by moving the
 * bytes from one connection's receive buffer into the other's send
 * buffer in place (splice).
 */
#ifndef SF_API_RELAY_H
#define SF_API_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "api/handle.h"

#define SF__RELAY_HIGH_WATER (256u * 1024u)

/* One direction: reads s[d], writes s[1 - d]. */
struct sf__relay_dir {
  size_t pending;       /* read from the source, not yet taken by the other */
  bool paused;          /* reading stopped at high water */
  bool source_ended;    /* SF_EOF read; the other stream's shutdown asked */
  sf_shutdown_t shut;
};

struct sf__relay_impl {
  sf_relay_t *relay;
  sf_loop_t *loop;
  sf_stream_t *s[2];     /* a, b */
  void *user_data[2];    /* their data fields, given back at the end */
  sf_relay_cb done_cb;
  size_t high, low;
  unsigned long long idle_ms;
  unsigned long long last_move; /* sf_now of the last byte moved */
  sf_timer_t idle;       /* initialized only with an idle timeout */
  bool splice;           /* both TCP: bytes move ring to ring */
  bool ending;           /* the streams are being closed */
  unsigned closes_left;  /* close callbacks still due (streams, timer) */
  struct sf__relay_dir dir[2];
  sf_relay_result_t res;
};

/* Test seam: false makes relays started afterwards take the chunk path
 * for two TCP streams too (true, the default: splice), so one suite
 * covers both paths. Process-wide; for tests only. */
void sf__relay_splice_tcp(bool on);

#endif /* SF_API_RELAY_H */
