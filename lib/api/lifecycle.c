/*
 * The lifecycle hooks and introspection: sf_tcp_set_hooks and
 * sf_loop_set_hooks (a hooks object is the engine's reference-counted
 * "observer", so hooks outlive the handle and follow a connection into
 * its TIME-WAIT record; hooks.c), the delivery of engine events to
 * hooks, sf_tcp_state, sf_tcp_info, the stack's counters, and the table
 * of every control block (sf_tcp_walk, sf_tcp_print_table).
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
      .error = e->error,
  };
  sf__addr_to_sockaddr(e->tuple.laddr, e->tuple.lport, &info.local);
  sf__addr_to_sockaddr(e->tuple.raddr, e->tuple.rport, &info.peer);
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

/* The engine's listener or connection reports to the handle's hooks
 * (it retains what it is given and releases what it drops). */
static void apply_hooks(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener)
    sf__tcp_listener_set_observer(t->listener, sf__tcp_hooks(tcp));
  if (t->tcb)
    sf__tcp_set_observer(t->tcb, sf__tcp_hooks(tcp));
}

int sf_tcp_set_hooks(sf_tcp_t *tcp, const sf_tcp_hooks_t *hooks, void *arg) {
  if (!sf__handle_ok((sf_handle_t *)tcp, SF_TCP) ||
      sf__handle_closing((sf_handle_t *)tcp))
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  struct sf_hooks_obj *h = NULL;
  if (hooks && !(h = sf__hooks_new(hooks, arg)))
    return SF_ENOMEM;
  sf__hooks_release(t->hooks);
  t->hooks = h;
  apply_hooks(tcp);
  return 0;
}

int sf_loop_set_hooks(sf_loop_t *loop, const sf_tcp_hooks_t *hooks,
                      void *arg) {
  if (!loop || !loop->impl_)
    return SF_EINVAL;
  struct sf__loop_impl *impl = loop->impl_;
  struct sf_hooks_obj *h = NULL;
  if (hooks && !(h = sf__hooks_new(hooks, arg)))
    return SF_ENOMEM;
  sf__hooks_release(impl->hooks);
  impl->hooks = h;
  for (sf_handle_t *x = impl->handles; x; x = x->next_)
    if (x->type == SF_TCP && !sf__handle_closing(x) &&
        !((sf_tcp_t *)x)->impl_->hooks)
      apply_hooks((sf_tcp_t *)x);
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

/* ------------------------------------------------------------ the table */

struct walk_copy {
  sf_tcp_walk_info_t *v;
  size_t n, cap;
  bool failed;
};

static void walk_copy_one(void *arg, const sf_tcp_walk_info_t *info) {
  struct walk_copy *w = arg;
  if (w->failed)
    return;
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 64;
    sf_tcp_walk_info_t *v = realloc(w->v, cap * sizeof(*v));
    if (!v) {
      w->failed = true;
      return;
    }
    w->v = v;
    w->cap = cap;
  }
  w->v[w->n++] = *info;
}

int sf_tcp_walk(sf_loop_t *loop, sf_tcp_walk_cb cb, void *arg) {
  if (!loop || !loop->impl_ || !cb)
    return SF_EINVAL;
  /* A copy first: cb may close handles, and with them control blocks. */
  struct walk_copy w = {0};
  sf__engine_walk(loop->impl_->engine, sf__loop_now(loop), walk_copy_one, &w);
  if (w.failed) {
    free(w.v);
    return SF_ENOMEM;
  }
  for (size_t i = 0; i < w.n; i++)
    cb(&w.v[i], arg);
  free(w.v);
  return 0;
}

/* The names `ss` gives the states. */
static const char *ss_state(int state) {
  static const char *const names[SF_TCP_STATE_COUNT] = {
      [SF_TCP_CLOSED] = "UNCONN",       [SF_TCP_LISTEN] = "LISTEN",
      [SF_TCP_SYN_SENT] = "SYN-SENT",   [SF_TCP_SYN_RECEIVED] = "SYN-RECV",
      [SF_TCP_ESTABLISHED] = "ESTAB",   [SF_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
      [SF_TCP_FIN_WAIT_2] = "FIN-WAIT-2", [SF_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
      [SF_TCP_CLOSING] = "CLOSING",     [SF_TCP_LAST_ACK] = "LAST-ACK",
      [SF_TCP_TIME_WAIT] = "TIME-WAIT",
  };
  return state >= 0 && state < SF_TCP_STATE_COUNT ? names[state] : "UNKNOWN";
}

/* "198.18.0.1:80"; a listener's missing peer port is "*", as in ss.
 * buf holds SF_ADDR_NAME_LEN bytes, so the name always fits. */
static void endpoint(char *buf, const struct sockaddr_storage *a,
                     bool any_port) {
  sf_addr_name((const struct sockaddr *)a, buf, SF_ADDR_NAME_LEN);
  if (any_port)
    strcpy(strrchr(buf, ':') + 1, "*");
}

/* ss's timer field: "timer:(on,200ms,0)", or nothing. */
static void timer_field(char *buf, size_t size, const sf_tcp_walk_info_t *i) {
  static const char *const names[] = {
      [SF_TCP_TIMER_RETRANSMIT] = "on",
      [SF_TCP_TIMER_PERSIST] = "persist",
      [SF_TCP_TIMER_TIMEWAIT] = "timewait",
      [SF_TCP_TIMER_KEEPALIVE] = "keepalive",
      [SF_TCP_TIMER_DELACK] = "delack",
  };
  if (i->timer <= SF_TCP_TIMER_NONE || i->timer > SF_TCP_TIMER_DELACK) {
    buf[0] = 0;
    return;
  }
  snprintf(buf, size, "timer:(%s,%llums,%u)", names[i->timer], i->timer_ms,
           i->backoff);
}

struct table_out {
  FILE *f;
  bool failed;
};

static void print_row(const sf_tcp_walk_info_t *i, void *arg) {
  struct table_out *o = arg;
  char local[SF_ADDR_NAME_LEN], peer[SF_ADDR_NAME_LEN], timer[64];
  endpoint(local, &i->local, false);
  endpoint(peer, &i->peer, i->state == SF_TCP_LISTEN);
  timer_field(timer, sizeof(timer), i);
  if (fprintf(o->f, "%-10s %-6u %-6u %21s %21s %s\n", ss_state(i->state),
              i->recv_q, i->send_q, local, peer, timer) < 0)
    o->failed = true;
}

int sf_tcp_print_table(sf_loop_t *loop, FILE *out) {
  if (!loop || !loop->impl_ || !out)
    return SF_EINVAL;
  struct table_out o = {.f = out};
  if (fprintf(out, "%-10s %-6s %-6s %21s %21s %s\n", "State", "Recv-Q",
              "Send-Q", "Local Address:Port", "Peer Address:Port",
              "Timer") < 0)
    return SF_EIO;
  int rc = sf_tcp_walk(loop, print_row, &o);
  if (rc < 0)
    return rc;
  return o.failed || fflush(out) != 0 ? SF_EIO : 0;
}
