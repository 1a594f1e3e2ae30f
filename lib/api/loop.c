/*
 * The loop: sf_loop_options_default, sf_loop_init*, sf_run, sf_stop,
 * sf_loop_close, sf_loop_alive, sf_now*, sf_update_time,
 * sf_loop_backend, sf_walk, sf_loop_last_error. A loop is a reactor driving an engine whose
 * upcalls queue events (events.c), delivered by sf__api_work (deliver.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/deliver.h"
#include "api/events.h"
#include "api/handle.h"
#include "api/hooks.h"
#include "api/tcp_impl.h"
#include "loop/loop.h"
#include "stack/stack.h"

/* ------------------------------------------------------------- options */

int sf_loop_options_default(sf_loop_options_t *o) {
  if (!o)
    return SF_EINVAL;
  struct sf_engine_config c;
  sf__engine_config_default(&c);
  memset(o, 0, sizeof(*o));
  o->sndbuf = c.sndbuf;
  o->rcvbuf = c.rcvbuf;
  o->msl_ms = c.msl / SF_NSEC_PER_MSEC;
  o->rto_initial_ms = c.rto_initial / SF_NSEC_PER_MSEC;
  o->rto_min_ms = c.rto_min / SF_NSEC_PER_MSEC;
  o->rto_max_ms = c.rto_max / SF_NSEC_PER_MSEC;
  o->syn_retries = c.syn_retries;
  o->synack_retries = c.synack_retries;
  o->data_retries = c.data_retries;
  o->fin_wait2_timeout_ms = c.fin_wait2_timeout / SF_NSEC_PER_MSEC;
  o->delack_ms = c.delack_timeout / SF_NSEC_PER_MSEC;
  o->keepalive_idle_ms = c.keepalive_idle / SF_NSEC_PER_MSEC;
  o->keepalive_interval_ms = c.keepalive_interval / SF_NSEC_PER_MSEC;
  o->keepalive_probes = c.keepalive_probes;
  o->timewait_max = c.timewait_max;
  o->backlog_max = c.backlog_max;
  o->syncookies = c.syncookies;
  o->port_lo = c.port_lo;
  o->port_hi = c.port_hi;
  o->arp_retries = c.ip.arp_retries;
  o->arp_retry_interval_ms = c.ip.arp_retry_interval / SF_NSEC_PER_MSEC;
  o->secret_seed = c.secret_seed;
  o->congestion = c.congestion;
  o->linger = 1;
  o->rack = c.rack;
  o->mem_max = c.mem_max;
  o->orphan_retries = c.orphan_retries;
  o->max_orphans = c.max_orphans;
  return 0;
}

/* Milliseconds to ns, saturating (a huge timeout means "never"). */
static sf_time_t ms(unsigned long long v) {
  return v > SF_TIME_NEVER / SF_NSEC_PER_MSEC ? SF_TIME_NEVER
                                              : v * SF_NSEC_PER_MSEC;
}

static int options_to_config(const sf_loop_options_t *o,
                             struct sf_engine_config *c) {
  sf__engine_config_default(c);
  if (!o)
    return 0;
  if (o->rcvbuf > (1u << 30) || o->sndbuf > (1u << 30) || o->rcvbuf == 0 ||
      o->sndbuf == 0 || o->msl_ms == 0 || o->busy_poll_us > 1000000)
    return SF_EINVAL;
  c->sndbuf = o->sndbuf;
  c->rcvbuf = o->rcvbuf;
  c->msl = ms(o->msl_ms);
  c->rto_initial = ms(o->rto_initial_ms);
  c->rto_min = ms(o->rto_min_ms);
  c->rto_max = ms(o->rto_max_ms);
  c->syn_retries = o->syn_retries;
  c->synack_retries = o->synack_retries;
  c->data_retries = o->data_retries;
  c->fin_wait2_timeout = ms(o->fin_wait2_timeout_ms);
  c->delack_timeout = ms(o->delack_ms);
  c->keepalive_idle = ms(o->keepalive_idle_ms);
  c->keepalive_interval = ms(o->keepalive_interval_ms);
  c->keepalive_probes = o->keepalive_probes;
  c->timewait_max = o->timewait_max;
  c->backlog_max = o->backlog_max;
  c->syncookies = o->syncookies != 0;
  c->port_lo = o->port_lo;
  c->port_hi = o->port_hi;
  c->ip.arp_retries = o->arp_retries;
  c->ip.arp_retry_interval = ms(o->arp_retry_interval_ms);
  c->secret_seed = o->secret_seed;
  c->rack = o->rack != 0;
  c->mem_max = (size_t)o->mem_max;
  c->orphan_retries = o->orphan_retries;
  c->max_orphans = o->max_orphans;
  if (o->congestion && !(c->congestion = sf__tcp_cc_name(o->congestion)))
    return SF_EINVAL;
  /* What the engine checks too, so a bad option is SF_EINVAL whatever
   * the engine's own checks are. */
  if (c->rto_min == 0 || c->rto_min > c->rto_max ||
      c->delack_timeout > 200 * SF_NSEC_PER_MSEC || c->port_lo == 0 ||
      c->port_lo > c->port_hi || c->backlog_max == 0 || c->mem_max == 0)
    return SF_EINVAL;
  return 0;
}

/* ---------------------------------------------------------------- loop */

/* The drain options (sf__loop_alive), which stay above the engine. */
static int set_linger(struct sf__loop_impl *impl,
                      const sf_loop_options_t *o) {
  impl->linger = !o || o->linger;
  if (!impl->linger || !o || !o->linger_max_ms)
    return 0;
  impl->linger_max = ms(o->linger_max_ms);
  return sf__reactor_timer_new(impl->reactor, sf__loop_linger_expired, impl,
                               &impl->linger_timer);
}

/* Closed TCP handles kept for new ones: what a server accepting short
 * connections reuses, a few KiB at most. */
#define TCP_IMPLS_KEPT 32u

static void free_impl(struct sf__loop_impl *impl) {
  sf__pool_drain(&impl->tcp_impls);
  sf__reactor_timer_free(impl->linger_timer);
  sf__reactor_free(impl->reactor);
  sf__hooks_release(impl->hooks);
  free(impl->ev);
  free(impl);
}

int sf_loop_init_ex(sf_loop_t *loop, struct ev_loop *ev,
                    const sf_loop_options_t *options) {
  if (!loop)
    return SF_EINVAL;
  struct sf_engine_config cfg;
  int rc = options_to_config(options, &cfg);
  if (rc < 0)
    return rc;
  struct sf__loop_impl *impl = calloc(1, sizeof(*impl));
  if (!impl)
    return SF_ENOMEM;
  impl->loop = loop;
  sf__pool_init(&impl->tcp_impls, sizeof(struct sf__tcp_impl),
                TCP_IMPLS_KEPT);
  rc = sf__reactor_new(ev, sf__api_work, impl, &impl->reactor);
  if (rc < 0) {
    free(impl);
    return rc;
  }
  struct sf_engine_upcalls up;
  sf__events_upcalls(impl, &up);
  rc = set_linger(impl, options);
  if (rc == 0)
    rc = sf__engine_new(&cfg, &up, sf__reactor_now(impl->reactor),
                        &impl->engine);
  if (rc < 0) {
    free_impl(impl);
    return rc;
  }
  sf__reactor_set_engine(impl->reactor, impl->engine);
  if (options)
    sf__reactor_set_busy_poll(impl->reactor,
                              options->busy_poll_us * SF_NSEC_PER_USEC);
  loop->impl_ = impl;
  return 0;
}

int sf_loop_init(sf_loop_t *loop) { return sf_loop_init_ex(loop, NULL, NULL); }

int sf_loop_init_ev(sf_loop_t *loop, struct ev_loop *ev) {
  if (!ev)
    return SF_EINVAL;
  return sf_loop_init_ex(loop, ev, NULL);
}

int sf_loop_close(sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return SF_EINVAL;
  struct sf__loop_impl *impl = loop->impl_;
  if (impl->running || impl->working || impl->handles || impl->active_reqs)
    return SF_EBUSY;
  sf__events_clear(impl);
  sf__engine_free(impl->engine); /* releases the observers it still holds */
  free_impl(impl);
  loop->impl_ = NULL;
  return 0;
}

int sf_loop_alive(const sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return SF_EINVAL;
  return sf__loop_alive(loop->impl_);
}

int sf_run(sf_loop_t *loop, sf_run_mode mode) {
  if (!loop || !loop->impl_ ||
      (mode != SF_RUN_DEFAULT && mode != SF_RUN_ONCE && mode != SF_RUN_NOWAIT))
    return SF_EINVAL;
  struct sf__loop_impl *impl = loop->impl_;
  if (impl->running || impl->working)
    return SF_EBUSY;
  impl->running = true;
  sf__reactor_keepalive(impl->reactor, sf__loop_alive(impl));
  sf__reactor_run(impl->reactor, (int)mode);
  impl->running = false;
  return sf__loop_alive(impl) ? 1 : 0;
}

int sf_stop(sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return SF_EINVAL;
  sf__reactor_stop(loop->impl_->reactor);
  return 0;
}

unsigned long long sf_now_ns(const sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return 0;
  return sf__loop_now(loop);
}

unsigned long long sf_now(const sf_loop_t *loop) {
  return sf_now_ns(loop) / SF_NSEC_PER_MSEC;
}

int sf_update_time(sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return SF_EINVAL;
  sf__reactor_update_time(loop->impl_->reactor);
  return 0;
}

struct ev_loop *sf_loop_backend(const sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return NULL;
  return sf__reactor_ev(loop->impl_->reactor);
}

int sf_walk(sf_loop_t *loop, sf_walk_cb cb, void *arg) {
  if (!loop || !loop->impl_ || !cb)
    return SF_EINVAL;
  sf_handle_t *h = loop->impl_->handles;
  while (h) {
    sf_handle_t *next = h->next_; /* cb may close h (it stays listed) */
    cb(h, arg);
    h = next;
  }
  return 0;
}

const char *sf_loop_last_error(const sf_loop_t *loop) {
  if (!loop || !loop->impl_)
    return "";
  return loop->impl_->last_error.text;
}
