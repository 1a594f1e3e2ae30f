/*
 * The reactor shell on libev (see loop.h for the map). Entry points:
 * sf__reactor_new/_free, _run, _link_add/_remove, _timer_*.
 *
 * Reference counting: libev's ev_run keeps going while its count of
 * active, referenced watchers is above zero. Every watcher here is
 * unreferenced right after it starts (ev_unref) so the stack's plumbing
 * never keeps an application's ev_run alive; the one reference that does
 * is the keepalive, held while the API layer reports something alive.
 * A timer that libev stops by itself (it expired, no repeat) drops a
 * count we had already dropped; settle() gives it back.
 */
#include "config.h"

#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop/loop.h"
#include "util/alloc.h"

#define BATCH 32          /* frames per link send/recv call */
#define RX_ROUNDS 8       /* receive batches per readiness, then yield */
#define TX_RETRY_NS (SF_NSEC_PER_MSEC) /* a link said EAGAIN: retry then */
/* Busy polling spins only while traffic is recent: an idle loop sleeps. */
#define BUSY_RECENT_NS (10 * SF_NSEC_PER_MSEC)

/* An ev_timer that is unreferenced while it runs. */
struct utimer {
  ev_timer w;
  bool unrefd;
};

struct sf_reactor_link {
  struct sf_reactor *r;
  struct sf_link *link;
  unsigned netif;
  ev_io io;
  bool tx_blocked;
  size_t frame_cap;
  uint8_t *rxbuf; /* BATCH * frame_cap */
  struct sf_frame rx[BATCH];
  struct sf_reactor_link *next, **pprev;
};

struct sf_reactor {
  struct ev_loop *ev;
  bool owned;
  struct sf_engine *engine;
  sf_reactor_work_cb work;
  void *arg;
  ev_prepare prepare;
  ev_check check;
  ev_idle idle; /* active: this round ran callbacks, don't block */
  struct utimer deadline;
  sf_time_t deadline_at;  /* when it is due, while it runs */
  uint64_t deadline_arms; /* starts of the deadline timer, for benchmarks */
  bool keepalive;
  bool in_work;
  sf_time_t last_now;
  sf_time_t busy_poll_ns; /* 0: off */
  sf_time_t last_rx;      /* monotonic time of the last frame received */
  struct sf_reactor_link *links;
  struct sf_frame tx[BATCH];
};

struct sf_reactor_timer {
  struct sf_reactor *r;
  struct utimer t;
  sf_reactor_timer_cb cb;
  void *arg;
};

/* --------------------------------------------------- unreferenced timers */

static void settle(struct ev_loop *ev, struct utimer *t) {
  if (t->unrefd && !ev_is_active(&t->w)) {
    ev_ref(ev);
    t->unrefd = false;
  }
}

static void utimer_stop(struct ev_loop *ev, struct utimer *t) {
  if (ev_is_active(&t->w)) {
    ev_ref(ev);
    t->unrefd = false;
  }
  ev_timer_stop(ev, &t->w);
  settle(ev, t);
}

static double ns_to_s(sf_time_t ns) { return (double)ns / 1e9; }

static void utimer_start(struct ev_loop *ev, struct utimer *t, sf_time_t after,
                         sf_time_t repeat) {
  utimer_stop(ev, t);
  ev_timer_set(&t->w, ns_to_s(after), ns_to_s(repeat));
  ev_timer_start(ev, &t->w);
  ev_unref(ev);
  t->unrefd = true;
}

/* ----------------------------------------------------------------- clock */

sf_time_t sf__reactor_now(struct sf_reactor *r) {
  double s = ev_now(r->ev);
  sf_time_t now = s > 0 ? (sf_time_t)(s * 1e9) : 0;
  /* ev_now follows the wall clock; the engine needs time that never goes
   * back, so a step backwards is held at the last value. */
  if (now < r->last_now)
    now = r->last_now;
  r->last_now = now;
  return now;
}

void sf__reactor_update_time(struct sf_reactor *r) { ev_now_update(r->ev); }

struct ev_loop *sf__reactor_ev(const struct sf_reactor *r) { return r->ev; }

/* The clock busy polling measures its spin with: ev_now is frozen for the
 * whole round. */
static sf_time_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (sf_time_t)t.tv_sec * SF_NSEC_PER_SEC + (sf_time_t)t.tv_nsec;
}

/* ------------------------------------------------------------- link I/O */

/* Returns the frames received. */
static int receive(struct sf_reactor_link *rl, sf_time_t now) {
  struct sf_reactor *r = rl->r;
  int total = 0;
  for (int round = 0; round < RX_ROUNDS; round++) {
    for (size_t i = 0; i < BATCH; i++) {
      rl->rx[i].data = rl->rxbuf + i * rl->frame_cap;
      rl->rx[i].cap = rl->frame_cap;
      rl->rx[i].len = 0;
    }
    /* The engine reads a frame only during its input call (what it keeps,
     * it copies), so a link may lend its ring slots until the batch is
     * through instead of copying each frame into rxbuf. */
    int n = sf__link_recv_lend(rl->link, rl->rx, BATCH, now);
    if (n <= 0)
      return total;
    total += n;
    for (int i = 0; i < n; i++)
      sf__engine_input(r->engine, rl->netif, rl->rx[i].data, rl->rx[i].len,
                       rl->rx[i].meta.flags, now);
    sf__link_recv_done(rl->link);
    if (n < BATCH)
      return total;
  }
  return total;
}

static void flush_link(struct sf_reactor_link *rl, sf_time_t now) {
  struct sf_reactor *r = rl->r;
  rl->tx_blocked = false;
  for (;;) {
    size_t n = sf__engine_tx_take(r->engine, rl->netif, r->tx, BATCH);
    if (!n)
      return;
    int sent = sf__link_send(rl->link, r->tx, n, now);
    if (sent == SF_EAGAIN) {
      rl->tx_blocked = true; /* retried from the deadline timer */
      return;
    }
    /* Any other failure: the frames cannot go out; drop them like a full
     * wire would rather than wedge the queue. */
    size_t done = sent < 0 ? n : (size_t)sent;
    sf__engine_tx_release(r->engine, rl->netif, done);
    if (done < n) {
      rl->tx_blocked = true;
      return;
    }
  }
}

static void flush_all(struct sf_reactor *r, sf_time_t now) {
  for (struct sf_reactor_link *rl = r->links; rl; rl = rl->next)
    flush_link(rl, now);
}

static void rearm(struct sf_reactor *r, sf_time_t now) {
  sf_time_t d = r->engine ? sf__engine_next_deadline(r->engine) : SF_TIME_NEVER;
  for (struct sf_reactor_link *rl = r->links; rl; rl = rl->next) {
    sf_time_t ld = sf__link_next_deadline(rl->link);
    if (ld < d)
      d = ld;
    if (rl->tx_blocked && now + TX_RETRY_NS < d)
      d = now + TX_RETRY_NS;
  }
  if (d == SF_TIME_NEVER) {
    utimer_stop(r->ev, &r->deadline);
    return;
  }
  /* A timer already due no later stays: firing early costs one look at
   * the engine (nothing due: it re-arms for d), while restarting it after
   * every batch of work costs two heap updates in libev, every time (a
   * short connection moves the engine's deadline with each segment). */
  if (ev_is_active(&r->deadline.w) && r->deadline_at <= d)
    return;
  r->deadline_arms++;
  r->deadline_at = d;
  utimer_start(r->ev, &r->deadline, d > now ? d - now : 0, 0);
}

uint64_t sf__reactor_deadline_arms(const struct sf_reactor *r) {
  return r->deadline_arms;
}

static void idle_cb(struct ev_loop *ev, ev_idle *w, int revents) {
  (void)revents;
  ev_ref(ev);
  ev_idle_stop(ev, w);
}

/* Callbacks ran just before the loop would block: poll without
 * blocking this round, so sf_run(ONCE) returns to its caller. */
static void dont_block(struct sf_reactor *r) {
  if (ev_is_active(&r->idle))
    return;
  ev_idle_start(r->ev, &r->idle);
  ev_unref(r->ev);
}

/* After every batch of work: deliver events, end the turn (what the
 * application's callbacks did not answer gets its ACK), send, re-arm.
 * Returns whether callbacks ran. */
static bool after_work(struct sf_reactor *r) {
  if (r->in_work)
    return false;
  r->in_work = true;
  bool delivered = false;
  bool alive = r->work(r->arg, &delivered);
  sf_time_t now = sf__reactor_now(r);
  if (r->engine)
    sf__engine_end_turn(r->engine, now);
  flush_all(r, now);
  rearm(r, now);
  sf__reactor_keepalive(r, alive);
  r->in_work = false;
  return delivered;
}

static void io_cb(struct ev_loop *ev, ev_io *w, int revents) {
  (void)ev;
  (void)revents;
  struct sf_reactor_link *rl = w->data;
  struct sf_reactor *r = rl->r;
  if (receive(rl, sf__reactor_now(r)) > 0 && r->busy_poll_ns)
    r->last_rx = mono_ns();
  after_work(r);
}

/* Timed work only: frames a link releases now make its fd readable, and
 * io_cb receives them like any others. */
static void deadline_cb(struct ev_loop *ev, ev_timer *w, int revents) {
  (void)revents;
  struct sf_reactor *r = w->data;
  settle(ev, &r->deadline);
  sf_time_t now = sf__reactor_now(r);
  for (struct sf_reactor_link *rl = r->links; rl; rl = rl->next)
    sf__link_poll(rl->link, now); /* releases delayed frames */
  if (r->engine)
    sf__engine_poll(r->engine, now);
  after_work(r);
}

static int receive_all(struct sf_reactor *r) {
  ev_now_update(r->ev);
  sf_time_t now = sf__reactor_now(r);
  int n = 0;
  for (struct sf_reactor_link *rl = r->links; rl; rl = rl->next)
    n += receive(rl, now);
  return n;
}

static bool engine_due(struct sf_reactor *r) {
  return r->engine &&
         sf__engine_next_deadline(r->engine) <= sf__reactor_now(r);
}

/*
 * Instead of sleeping in the kernel until the next frame wakes us (two
 * context switches, and the wake-up latency of an idle core), poll the
 * links for up to busy_poll_ns since the last frame, while traffic is
 * recent. Returns whether callbacks ran: the loop then goes round again
 * without blocking (other watchers get their turn), and comes back here.
 * Stops early for the engine's timers, which fire in the round after.
 */
static bool busy_poll(struct sf_reactor *r) {
  sf_time_t start = mono_ns();
  if (start - r->last_rx > BUSY_RECENT_NS)
    return false;
  for (sf_time_t t = start; t - start < r->busy_poll_ns; t = mono_ns()) {
    if (receive_all(r) > 0) {
      r->last_rx = mono_ns();
      if (after_work(r))
        return true;
      start = r->last_rx;
    }
    if (engine_due(r))
      return false;
  }
  return false;
}

static void prepare_cb(struct ev_loop *ev, ev_prepare *w, int revents) {
  (void)ev;
  (void)revents;
  struct sf_reactor *r = w->data;
  if (after_work(r) || (r->busy_poll_ns && !r->in_work && busy_poll(r)))
    dont_block(r);
}

static void check_cb(struct ev_loop *ev, ev_check *w, int revents) {
  (void)ev;
  (void)revents;
  after_work(w->data);
}

/* ------------------------------------------------------------- lifetime */

int sf__reactor_new(struct ev_loop *ev, sf_reactor_work_cb work, void *arg,
                    struct sf_reactor **out) {
  *out = NULL;
  struct sf_reactor *r = calloc(1, sizeof(*r));
  if (!r)
    return SF_ENOMEM;
  r->owned = ev == NULL;
  r->ev = ev ? ev : ev_loop_new(EVFLAG_AUTO);
  if (!r->ev) {
    free(r);
    return SF_ENOMEM;
  }
  r->work = work;
  r->arg = arg;
  ev_prepare_init(&r->prepare, prepare_cb);
  r->prepare.data = r;
  ev_prepare_start(r->ev, &r->prepare);
  ev_unref(r->ev);
  ev_check_init(&r->check, check_cb);
  r->check.data = r;
  /* Lowest priority: runs after every other callback of the round. */
  ev_set_priority(&r->check, EV_MINPRI);
  ev_check_start(r->ev, &r->check);
  ev_unref(r->ev);
  ev_idle_init(&r->idle, idle_cb);
  ev_timer_init(&r->deadline.w, deadline_cb, 0., 0.);
  r->deadline.w.data = r;
  sf__reactor_now(r);
  *out = r;
  return 0;
}

void sf__reactor_set_engine(struct sf_reactor *r, struct sf_engine *e) {
  r->engine = e;
}

void sf__reactor_set_busy_poll(struct sf_reactor *r, sf_time_t ns) {
  r->busy_poll_ns = ns;
}

void sf__reactor_free(struct sf_reactor *r) {
  if (!r)
    return;
  while (r->links)
    sf__reactor_link_remove(r->links);
  sf__reactor_keepalive(r, false);
  utimer_stop(r->ev, &r->deadline);
  ev_ref(r->ev);
  ev_prepare_stop(r->ev, &r->prepare);
  ev_ref(r->ev);
  ev_check_stop(r->ev, &r->check);
  if (ev_is_active(&r->idle)) {
    ev_ref(r->ev);
    ev_idle_stop(r->ev, &r->idle);
  }
  if (r->owned)
    ev_loop_destroy(r->ev);
  free(r);
}

void sf__reactor_run(struct sf_reactor *r, int mode) {
  int flags = mode == 1 ? EVRUN_ONCE : mode == 2 ? EVRUN_NOWAIT : 0;
  ev_run(r->ev, flags);
}

void sf__reactor_stop(struct sf_reactor *r) { ev_break(r->ev, EVBREAK_ONE); }

void sf__reactor_keepalive(struct sf_reactor *r, bool alive) {
  if (alive && !r->keepalive)
    ev_ref(r->ev);
  else if (!alive && r->keepalive)
    ev_unref(r->ev);
  r->keepalive = alive;
}

int sf__reactor_link_add(struct sf_reactor *r, struct sf_link *link,
                         unsigned netif, struct sf_reactor_link **out) {
  *out = NULL;
  int fd = sf__link_fd(link);
  if (fd < 0)
    return SF_EINVAL;
  struct sf_reactor_link *rl = calloc(1, sizeof(*rl));
  if (!rl)
    return SF_ENOMEM;
  rl->frame_cap = sf__link_max_rx_frame(link);
  rl->rxbuf = malloc(BATCH * rl->frame_cap);
  if (!rl->rxbuf) {
    free(rl);
    return SF_ENOMEM;
  }
  rl->r = r;
  rl->link = link;
  rl->netif = netif;
  ev_io_init(&rl->io, io_cb, fd, EV_READ);
  rl->io.data = rl;
  ev_io_start(r->ev, &rl->io);
  ev_unref(r->ev);
  rl->next = r->links;
  if (r->links)
    r->links->pprev = &rl->next;
  rl->pprev = &r->links;
  r->links = rl;
  *out = rl;
  return 0;
}

void sf__reactor_link_remove(struct sf_reactor_link *rl) {
  struct sf_reactor *r = rl->r;
  if (r->engine)
    flush_link(rl, sf__reactor_now(r));
  ev_ref(r->ev);
  ev_io_stop(r->ev, &rl->io);
  *rl->pprev = rl->next;
  if (rl->next)
    rl->next->pprev = rl->pprev;
  free(rl->rxbuf);
  free(rl);
}

/* ---------------------------------------------------------------- timers */

static void user_timer_cb(struct ev_loop *ev, ev_timer *w, int revents) {
  (void)revents;
  struct sf_reactor_timer *t = w->data;
  settle(ev, &t->t);
  t->cb(t->arg);
}

int sf__reactor_timer_new(struct sf_reactor *r, sf_reactor_timer_cb cb,
                          void *arg, struct sf_reactor_timer **out) {
  struct sf_reactor_timer *t = sf__calloc(1, sizeof(*t));
  *out = t;
  if (!t)
    return SF_ENOMEM;
  t->r = r;
  t->cb = cb;
  t->arg = arg;
  ev_timer_init(&t->t.w, user_timer_cb, 0., 0.);
  t->t.w.data = t;
  return 0;
}

void sf__reactor_timer_start(struct sf_reactor_timer *t, sf_time_t after,
                             sf_time_t repeat) {
  utimer_start(t->r->ev, &t->t, after, repeat);
}

void sf__reactor_timer_stop(struct sf_reactor_timer *t) {
  utimer_stop(t->r->ev, &t->t);
}

void sf__reactor_timer_set_repeat(struct sf_reactor_timer *t,
                                  sf_time_t repeat) {
  t->t.w.repeat = ns_to_s(repeat);
}

bool sf__reactor_timer_active(const struct sf_reactor_timer *t) {
  return ev_is_active(&t->t.w);
}

sf_time_t sf__reactor_timer_due_in(struct sf_reactor_timer *t) {
  if (!ev_is_active(&t->t.w))
    return 0;
  double s = ev_timer_remaining(t->r->ev, &t->t.w);
  return s > 0 ? (sf_time_t)(s * 1e9) : 0;
}

void sf__reactor_timer_free(struct sf_reactor_timer *t) {
  if (!t)
    return;
  utimer_stop(t->r->ev, &t->t);
  free(t);
}
