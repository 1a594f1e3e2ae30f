/*
 * The stack: the IP layer and TCP composed, sans-I/O. This is the whole
 * interface the reactor shell (lib/loop) uses, and with TCP's own calls
 * (tcp/tcp.h) the one the public API (lib/api) uses.
 *
 * Inputs: frames (sf__engine_input), the passage of time
 * (sf__engine_poll), the application's calls (sf__tcp_* on
 * sf__engine_tcp) and the end of each turn of the loop
 * (sf__engine_end_turn). Outputs: frames waiting in each interface's transmit
 * queue (sf__engine_tx_take), the earliest deadline
 * (sf__engine_next_deadline), and events through the upcalls given at
 * creation.
 */
#ifndef SF_STACK_STACK_H
#define SF_STACK_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/frame.h"
#include "base/time.h"
#include "ip/ip.h"
#include "stack/counters.h"
#include "tcp/tcp.h"

struct sf_engine;

void sf__engine_config_default(struct sf_engine_config *c);

/* Returns 0, SF_EINVAL (bad config), SF_ENOMEM or SF_EIO (no entropy). */
int sf__engine_new(const struct sf_engine_config *cfg,
                   const struct sf_engine_upcalls *up, sf_time_t now,
                   struct sf_engine **out);
/*
 * Frees the stack and everything in it: TCP's tcbs (attached or not),
 * listeners and TIME-WAIT records, then the IP layer and its queued
 * frames. No events are reported; observers still held are released.
 */
void sf__engine_free(struct sf_engine *e);

/* Interfaces: as sf__ip_netif_add / _remove. */
int sf__engine_netif_add(struct sf_engine *e, const struct sf_netif_config *c);
void sf__engine_netif_remove(struct sf_engine *e, unsigned netif);

/* One received frame and its meta.flags (see sf__ip_input). The frame is
 * only read during the call: reassembly, out-of-order data and the
 * receive ring copy what they keep, so the caller may hand in a frame
 * lent by its link (link.h's recv_lend) and give it back right after. */
void sf__engine_input(struct sf_engine *e, unsigned netif,
                      const uint8_t *frame, size_t len, unsigned meta_flags,
                      sf_time_t now);
/* Runs every timer due at now (TCP and ARP). */
void sf__engine_poll(struct sf_engine *e, sf_time_t now);
/*
 * The end of the loop's turn: once the events of an input or poll were
 * delivered and the application's calls made, sends the ACKs and window
 * updates that waited for them (an answer sent meanwhile carried them).
 * Call it before taking frames to send, once per turn.
 */
void sf__engine_end_turn(struct sf_engine *e, sf_time_t now);
/* The earliest time sf__engine_poll has work, or SF_TIME_NEVER. */
sf_time_t sf__engine_next_deadline(const struct sf_engine *e);

/* The frames to send on an interface: see sf__ip_tx_take / _release. */
size_t sf__engine_tx_take(struct sf_engine *e, unsigned netif,
                          struct sf_frame *out, size_t max);
void sf__engine_tx_release(struct sf_engine *e, unsigned netif, size_t n);

struct sf_ip *sf__engine_ip(struct sf_engine *e);
struct sf_tcp *sf__engine_tcp(struct sf_engine *e);
const struct sf_engine_config *sf__engine_config(const struct sf_engine *e);

/*
 * The counters of the IP layer and TCP, like `netstat -s`: fills up to
 * max entries and returns the total number there are.
 */
size_t sf__engine_counters(const struct sf_engine *e, struct sf_counter *out,
                           size_t max);
/* One counter by name, or UINT64_MAX if there is none by that name. */
uint64_t sf__engine_counter(const struct sf_engine *e, const char *name);

/* Live control blocks (attached or not) and TIME-WAIT records. */
size_t sf__engine_tcb_count(const struct sf_engine *e);
size_t sf__engine_timewait_count(const struct sf_engine *e);
/* Closed connections still delivering their FIN: sf__tcp_orphans_closing. */
size_t sf__engine_orphans_closing(const struct sf_engine *e);
/* Every listener, tcb and TIME-WAIT record: sf__tcp_walk. */
void sf__engine_walk(const struct sf_engine *e, sf_time_t now,
                     sf_tcp_walk_fn fn, void *arg);

#endif /* SF_STACK_STACK_H */
