/*
 * The reactor's watchers for the application's handles other than
 * timers (watch.c): a signal, a file descriptor's readiness, a wakeup
 * from another thread, and the phases of a round: idle, prepare, check.
 * Like every watcher of the reactor (loop.h), each is unreferenced while
 * it runs: the API layer's own counting decides whether the loop lives.
 *
 * The phases run in libuv's order within a round: idle callbacks, then
 * prepare callbacks, then the reactor's own end of turn (so frames the
 * callbacks queued go out before the loop blocks); after polling, check
 * callbacks, then the reactor's check. A started idle watcher also keeps
 * the loop from blocking.
 */
#ifndef SF_LOOP_WATCH_H
#define SF_LOOP_WATCH_H

#include <stdbool.h>

#include "loop/loop.h"

struct sf_reactor_watch;

enum sf_reactor_watch_kind {
  SF_WATCH_SIGNAL,
  SF_WATCH_FD,
  SF_WATCH_ASYNC,
  SF_WATCH_IDLE,
  SF_WATCH_PREPARE,
  SF_WATCH_CHECK
};

/*
 * Called with arg when the watcher triggers. For SF_WATCH_FD: status 0
 * and the SF_READABLE/SF_WRITABLE bits that are ready, or SF_EBADF and 0
 * when the fd cannot be watched (the watcher has then stopped itself);
 * for the others status and events are 0.
 */
typedef void (*sf_reactor_watch_cb)(void *arg, int status, int events);

/* A stopped watcher of kind. Returns 0 or SF_ENOMEM. */
int sf__reactor_watch_new(struct sf_reactor *r, enum sf_reactor_watch_kind kind,
                          sf_reactor_watch_cb cb, void *arg,
                          struct sf_reactor_watch **out);

/*
 * Starts a SF_WATCH_SIGNAL watcher on signum (1..NSIG-1), restarting it
 * if it watched another. libev delivers a signal to one libev loop only:
 * while watchers on another libev loop watch signum, returns SF_EBUSY
 * (and the watcher stays stopped). Returns 0, SF_EBUSY.
 */
int sf__reactor_watch_signal(struct sf_reactor_watch *w, int signum);
/* Starts (or changes) a SF_WATCH_FD watcher on fd for events
 * (SF_READABLE|SF_WRITABLE, not 0). */
void sf__reactor_watch_fd(struct sf_reactor_watch *w, int fd, int events);
/* Starts an async or phase watcher (no-op if started). */
void sf__reactor_watch_start(struct sf_reactor_watch *w);
/* Stops any watcher (no-op if stopped). */
void sf__reactor_watch_stop(struct sf_reactor_watch *w);
/*
 * Wakes the loop of a started SF_WATCH_ASYNC watcher, which then calls
 * its cb once for any number of wakeups since the last call. The only
 * function here that may be called from any thread.
 */
void sf__reactor_watch_wake(struct sf_reactor_watch *w);
/* Stops and frees (NULL is ignored). */
void sf__reactor_watch_free(struct sf_reactor_watch *w);

#endif /* SF_LOOP_WATCH_H */
