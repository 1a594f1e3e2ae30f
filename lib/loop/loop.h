/*
 * The reactor shell: the only code that knows libev (and so file
 * descriptors and real time). It owns or borrows a struct ev_loop and
 * drives the sans-I/O engine:
 *   - one ev_io per interface link: receives frames in batches and feeds
 *     them to sf__engine_input;
 *   - one ev_timer at the earliest of the engine's deadline and every
 *     link's deadline, re-armed after every batch of work;
 *   - an ev_prepare (before the loop blocks) and an ev_check at the
 *     lowest priority (after each round's callbacks) that let the API
 *     layer deliver its queued events, end the engine's turn
 *     (sf__engine_end_turn: the ACKs the application's answers did not
 *     carry), then flush every link's transmit queue as one batch and
 *     re-arm the timer;
 *   - ev_timers for the application's sf_timer_t handles, and (watch.h)
 *     the watchers of its other handles: signals, fds, async wakeups,
 *     idle, prepare and check.
 * The clock given to the engine and links is libev's ev_now in ns, kept
 * monotonic. Every internal watcher is unreferenced, so it never keeps
 * ev_run alive; sf__reactor_keepalive holds one reference while the API
 * layer has something alive.
 */
#ifndef SF_LOOP_LOOP_H
#define SF_LOOP_LOOP_H

#include <stdbool.h>

#include "link/link.h"
#include "stack/stack.h"

struct ev_loop;
struct sf_reactor;
struct sf_reactor_link;
struct sf_reactor_timer;

/*
 * Called when queued work may be delivered (after input, timers, and in
 * the prepare/check phases). Sets *delivered when it called back into the
 * application (a round that ran callbacks must not block: libuv's
 * UV_RUN_ONCE rule). Returns whether the API layer has anything alive
 * (the reactor then holds its keepalive reference).
 */
typedef bool (*sf_reactor_work_cb)(void *arg, bool *delivered);

/*
 * A reactor on ev (borrowed) or on a new loop of its own (ev NULL).
 * Returns 0, SF_ENOMEM.
 */
int sf__reactor_new(struct ev_loop *ev, sf_reactor_work_cb work, void *arg,
                    struct sf_reactor **out);
/* The engine the reactor drives; set once, before any link is added. */
void sf__reactor_set_engine(struct sf_reactor *r, struct sf_engine *e);
/* Before blocking, poll the links for up to ns since the last frame while
 * traffic is recent (sf_loop_options_t.busy_poll_us); 0: never. */
void sf__reactor_set_busy_poll(struct sf_reactor *r, sf_time_t ns);
/* Stops every watcher, destroys an owned loop. Links must be removed. */
void sf__reactor_free(struct sf_reactor *r);

struct ev_loop *sf__reactor_ev(const struct sf_reactor *r);
/* The loop's time in ns (cached per round, never going back). */
sf_time_t sf__reactor_now(struct sf_reactor *r);
void sf__reactor_update_time(struct sf_reactor *r);

/* How many times the timer at the engine's and links' earliest deadline
 * has been started (what each re-arm costs: a libev heap update). */
uint64_t sf__reactor_deadline_arms(const struct sf_reactor *r);

/* Runs ev_run with mode 0 (default), 1 (once), 2 (nowait). */
void sf__reactor_run(struct sf_reactor *r, int mode);
void sf__reactor_stop(struct sf_reactor *r);
/* Holds (alive) or drops the reference that keeps ev_run going. */
void sf__reactor_keepalive(struct sf_reactor *r, bool alive);

/*
 * Watches link (interface netif of the engine): its fd for input and its
 * deadline. The link stays the caller's. Returns 0, SF_EINVAL (the link
 * has no fd), SF_ENOMEM.
 */
int sf__reactor_link_add(struct sf_reactor *r, struct sf_link *link,
                         unsigned netif, struct sf_reactor_link **out);
/* Stops watching (frames still queued for it are flushed first). */
void sf__reactor_link_remove(struct sf_reactor_link *rl);

/* Timers for sf_timer_t. cb gets arg. */
typedef void (*sf_reactor_timer_cb)(void *arg);
int sf__reactor_timer_new(struct sf_reactor *r, sf_reactor_timer_cb cb,
                          void *arg, struct sf_reactor_timer **out);
void sf__reactor_timer_start(struct sf_reactor_timer *t, sf_time_t after,
                             sf_time_t repeat);
void sf__reactor_timer_stop(struct sf_reactor_timer *t);
void sf__reactor_timer_set_repeat(struct sf_reactor_timer *t,
                                  sf_time_t repeat);
bool sf__reactor_timer_active(const struct sf_reactor_timer *t);
/* Nanoseconds until it fires (0 when stopped). */
sf_time_t sf__reactor_timer_due_in(struct sf_reactor_timer *t);
void sf__reactor_timer_free(struct sf_reactor_timer *t);

#endif /* SF_LOOP_LOOP_H */
