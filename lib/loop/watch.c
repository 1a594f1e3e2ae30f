/*
 * The application's watchers on libev (see watch.h): ev_signal, ev_io,
 * ev_async, and for the phases ev_prepare and ev_check at priorities
 * that put them where libuv runs its idle, prepare and check handles.
 *
 * Reference counting as in loop.c: a started watcher is unreferenced at
 * once, and the reference is given back before it stops. libev stops an
 * ev_io by itself when its fd cannot be watched (EV_ERROR); its callback
 * gives the reference back then.
 *
 * Signals: libev attaches each signal to one libev loop at a time (a
 * second loop would trip an assertion in libev, or silently take the
 * signal from the first). The table below remembers which libev loop our
 * watchers hold each signal on, for every reactor of the process.
 */
#include "config.h"

#include <ev.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "loop/watch.h"

/* Idle callbacks first, then prepare callbacks, both before the
 * reactor's own prepare (priority 0) ends the turn and flushes what they
 * queued. Check callbacks after every ordinary callback of the round
 * (priority 0), before the reactor's check (EV_MINPRI). */
#define IDLE_PRI EV_MAXPRI
#define PREPARE_PRI (EV_MAXPRI - 1)
#define CHECK_PRI (EV_MINPRI + 1)

struct sf_reactor_watch {
  struct sf_reactor *r;
  enum sf_reactor_watch_kind kind;
  bool started; /* its libev watchers run, unreferenced */
  sf_reactor_watch_cb cb;
  void *arg;
  union {
    ev_signal sig;
    ev_io io;
    ev_async async;
    ev_prepare prepare; /* SF_WATCH_IDLE and SF_WATCH_PREPARE */
    ev_check check;
  } u;
  ev_idle spin; /* SF_WATCH_IDLE: libev does not block while it runs */
};

/* ------------------------------------------------------------- signals */

struct signal_owner {
  struct ev_loop *ev;
  unsigned watchers;
};

static pthread_mutex_t signal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct signal_owner signal_owners[NSIG];

/* Starts w's ev_signal unless another libev loop holds signum. */
static bool signal_claim(struct ev_loop *ev, struct sf_reactor_watch *w,
                         int signum) {
  pthread_mutex_lock(&signal_lock);
  struct signal_owner *o = &signal_owners[signum];
  bool free_or_ours = o->watchers == 0 || o->ev == ev;
  if (free_or_ours) {
    o->ev = ev;
    o->watchers++;
    ev_signal_set(&w->u.sig, signum);
    ev_signal_start(ev, &w->u.sig);
  }
  pthread_mutex_unlock(&signal_lock);
  return free_or_ours;
}

static void signal_release(struct ev_loop *ev, struct sf_reactor_watch *w) {
  pthread_mutex_lock(&signal_lock);
  signal_owners[w->u.sig.signum].watchers--;
  ev_signal_stop(ev, &w->u.sig);
  pthread_mutex_unlock(&signal_lock);
}

/* ----------------------------------------------------------- callbacks */

static void signal_cb(struct ev_loop *ev, ev_signal *s, int revents) {
  (void)ev;
  (void)revents;
  struct sf_reactor_watch *w = s->data;
  w->cb(w->arg, 0, 0);
}

static void async_cb(struct ev_loop *ev, ev_async *a, int revents) {
  (void)ev;
  (void)revents;
  struct sf_reactor_watch *w = a->data;
  w->cb(w->arg, 0, 0);
}

static void prepare_cb(struct ev_loop *ev, ev_prepare *p, int revents) {
  (void)ev;
  (void)revents;
  struct sf_reactor_watch *w = p->data;
  w->cb(w->arg, 0, 0);
}

static void check_cb(struct ev_loop *ev, ev_check *c, int revents) {
  (void)ev;
  (void)revents;
  struct sf_reactor_watch *w = c->data;
  w->cb(w->arg, 0, 0);
}

static void spin_cb(struct ev_loop *ev, ev_idle *i, int revents) {
  (void)ev;
  (void)i;
  (void)revents;
}

static void io_cb(struct ev_loop *ev, ev_io *io, int revents) {
  struct sf_reactor_watch *w = io->data;
  if (revents & EV_ERROR) {
    /* libev stopped the watcher and took the count we had given up. */
    ev_ref(ev);
    w->started = false;
    w->cb(w->arg, SF_EBADF, 0);
    return;
  }
  int events = ((revents & EV_READ) ? SF_READABLE : 0) |
               ((revents & EV_WRITE) ? SF_WRITABLE : 0);
  w->cb(w->arg, 0, events);
}

/* ------------------------------------------------------------ lifetime */

int sf__reactor_watch_new(struct sf_reactor *r, enum sf_reactor_watch_kind kind,
                          sf_reactor_watch_cb cb, void *arg,
                          struct sf_reactor_watch **out) {
  struct sf_reactor_watch *w = calloc(1, sizeof(*w));
  *out = w;
  if (!w)
    return SF_ENOMEM;
  w->r = r;
  w->kind = kind;
  w->cb = cb;
  w->arg = arg;
  switch (kind) {
  case SF_WATCH_SIGNAL:
    ev_init(&w->u.sig, signal_cb);
    w->u.sig.data = w;
    break;
  case SF_WATCH_FD:
    ev_init(&w->u.io, io_cb);
    w->u.io.data = w;
    break;
  case SF_WATCH_ASYNC:
    ev_async_init(&w->u.async, async_cb);
    w->u.async.data = w;
    break;
  case SF_WATCH_IDLE:
  case SF_WATCH_PREPARE:
    ev_prepare_init(&w->u.prepare, prepare_cb);
    ev_set_priority(&w->u.prepare,
                    kind == SF_WATCH_IDLE ? IDLE_PRI : PREPARE_PRI);
    w->u.prepare.data = w;
    /* At the lowest priority, so it never hides the reactor's own idle
     * watcher from libev. */
    ev_idle_init(&w->spin, spin_cb);
    ev_set_priority(&w->spin, EV_MINPRI);
    break;
  case SF_WATCH_CHECK:
    ev_check_init(&w->u.check, check_cb);
    ev_set_priority(&w->u.check, CHECK_PRI);
    w->u.check.data = w;
    break;
  }
  return 0;
}

void sf__reactor_watch_free(struct sf_reactor_watch *w) {
  if (!w)
    return;
  sf__reactor_watch_stop(w);
  free(w);
}

/* -------------------------------------------------------- start, stop */

int sf__reactor_watch_signal(struct sf_reactor_watch *w, int signum) {
  struct ev_loop *ev = sf__reactor_ev(w->r);
  sf__reactor_watch_stop(w);
  if (!signal_claim(ev, w, signum))
    return SF_EBUSY;
  ev_unref(ev);
  w->started = true;
  return 0;
}

void sf__reactor_watch_fd(struct sf_reactor_watch *w, int fd, int events) {
  struct ev_loop *ev = sf__reactor_ev(w->r);
  sf__reactor_watch_stop(w);
  ev_io_set(&w->u.io, fd,
            ((events & SF_READABLE) ? EV_READ : 0) |
                ((events & SF_WRITABLE) ? EV_WRITE : 0));
  ev_io_start(ev, &w->u.io);
  ev_unref(ev);
  w->started = true;
}

void sf__reactor_watch_start(struct sf_reactor_watch *w) {
  struct ev_loop *ev = sf__reactor_ev(w->r);
  if (w->started)
    return;
  switch (w->kind) {
  case SF_WATCH_ASYNC:
    ev_async_start(ev, &w->u.async);
    break;
  case SF_WATCH_IDLE:
    /* The callbacks run from the prepare watcher; the idle watcher only
     * keeps libev from blocking. */
    ev_idle_start(ev, &w->spin);
    ev_unref(ev);
    ev_prepare_start(ev, &w->u.prepare);
    break;
  case SF_WATCH_PREPARE:
    ev_prepare_start(ev, &w->u.prepare);
    break;
  case SF_WATCH_CHECK:
    ev_check_start(ev, &w->u.check);
    break;
  case SF_WATCH_SIGNAL:
  case SF_WATCH_FD:
    return; /* started with their own arguments, above */
  }
  ev_unref(ev);
  w->started = true;
}

void sf__reactor_watch_stop(struct sf_reactor_watch *w) {
  struct ev_loop *ev = sf__reactor_ev(w->r);
  if (!w->started)
    return;
  w->started = false;
  ev_ref(ev);
  switch (w->kind) {
  case SF_WATCH_SIGNAL:
    signal_release(ev, w);
    break;
  case SF_WATCH_FD:
    ev_io_stop(ev, &w->u.io);
    break;
  case SF_WATCH_ASYNC:
    ev_async_stop(ev, &w->u.async);
    break;
  case SF_WATCH_IDLE:
    ev_ref(ev);
    ev_idle_stop(ev, &w->spin);
    ev_prepare_stop(ev, &w->u.prepare);
    break;
  case SF_WATCH_PREPARE:
    ev_prepare_stop(ev, &w->u.prepare);
    break;
  case SF_WATCH_CHECK:
    ev_check_stop(ev, &w->u.check);
    break;
  }
}

void sf__reactor_watch_wake(struct sf_reactor_watch *w) {
  ev_async_send(sf__reactor_ev(w->r), &w->u.async);
}
