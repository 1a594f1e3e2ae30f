/*
 * The lifecycle hooks and introspection: sf_tcp_set_hooks (a hooks object
 * is the engine's reference-counted "observer", so hooks outlive the
 * handle and follow a connection into its TIME-WAIT record; hooks.c), the
 * delivery of engine events to hooks, sf_tcp_state, sf_tcp_info and the
 * stack's counters.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api/hooks.h"
#include "api/lifecycle.h"
#include "api/tcp_impl.h"
#include "stack/stack.h"

void sf__hooks_deliver(const struct sf__event *e) {
  const sf_tcp_hooks_t *k = &e->hooks->hooks;
  sf_tcp_event_info_t info = {
      .tcp = e->tcp,
      .local_addr = e->tuple.laddr.v4,
      .local_port = e->tuple.lport,
      .peer_addr = e->tuple.raddr.v4,
      .peer_port = e->tuple.rport,
      .error = e->error,
  };
  void *arg = e->hooks->arg;
  switch (e->ev.type) {
  case SF_TEV_STATE:
    info.old_state = e->ev.old_state;
    info.new_state = e->ev.new_state;
    if (k->on_state)
      k->on_state(arg, &info);
    /* on_closed follows the transition into CLOSED (from a control block
     * or a TIME-WAIT record alike), so it fires exactly once. */
    if (e->ev.new_state == SF_TCP_CLOSED && k->on_closed)
      k->on_closed(arg, &info);
    break;
  case SF_TEV_ESTABLISHED:
    if (k->on_established)
      k->on_established(arg, &info);
    break;
  case SF_TEV_PEER_FIN:
    if (k->on_fin)
      k->on_fin(arg, &info);
    break;
  case SF_TEV_TIME_WAIT:
    info.duration_ms = e->ev.duration / SF_NSEC_PER_MSEC;
    if (k->on_time_wait)
      k->on_time_wait(arg, &info);
    break;
  default:
    break;
  }
}

int sf_tcp_set_hooks(sf_tcp_t *tcp, const sf_tcp_hooks_t *hooks, void *arg) {
  if (!sf__handle_ok((sf_handle_t *)tcp, SF_TCP) ||
      sf__handle_closing((sf_handle_t *)tcp))
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  struct sf_hooks_obj *h = NULL;
  if (hooks && !(h = sf__hooks_new(hooks, arg)))
    return SF_ENOMEM;
  /* The engine retains what it is given and releases what it drops. */
  if (t->listener)
    sf__tcp_listener_set_observer(t->listener, h);
  if (t->tcb)
    sf__tcp_set_observer(t->tcb, h);
  sf__hooks_release(t->hooks);
  t->hooks = h;
  return 0;
}

int sf_tcp_state(const sf_tcp_t *tcp) {
  if (!sf__handle_ok((const sf_handle_t *)tcp, SF_TCP))
    return SF_EINVAL;
  const struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener)
    return SF_TCP_LISTEN;
  if (t->tcb)
    return sf__tcp_state(t->tcb);
  return SF_TCP_CLOSED;
}

int sf_tcp_info(const sf_tcp_t *tcp, sf_tcp_info_t *info) {
  if (!sf__handle_ok((const sf_handle_t *)tcp, SF_TCP) || !info)
    return SF_EINVAL;
  if (!tcp->impl_->tcb)
    return SF_ENOTCONN;
  sf__tcp_get_info(tcp->impl_->tcb, info);
  return 0;
}

int sf_loop_counters(const sf_loop_t *loop, sf_counter_t *out, size_t max) {
  if (!loop || !loop->impl_ || (!out && max))
    return SF_EINVAL;
  const struct sf_engine *e = loop->impl_->engine;
  size_t total = sf__engine_counters(e, NULL, 0);
  if (max > total)
    max = total;
  struct sf_counter *tmp = NULL;
  if (max) {
    tmp = calloc(max, sizeof(*tmp));
    if (!tmp)
      return SF_ENOMEM;
    sf__engine_counters(e, tmp, max);
  }
  for (size_t i = 0; i < max; i++) {
    out[i].name = tmp[i].name;
    out[i].description = tmp[i].description;
    out[i].value = tmp[i].value;
  }
  free(tmp);
  return total > INT_MAX ? INT_MAX : (int)total;
}

unsigned long long sf_loop_counter(const sf_loop_t *loop, const char *name) {
  if (!loop || !loop->impl_ || !name)
    return ULLONG_MAX;
  uint64_t v = sf__engine_counter(loop->impl_->engine, name);
  return v == UINT64_MAX ? ULLONG_MAX : v;
}
