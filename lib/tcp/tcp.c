/*
 * The TCP object: its tables (4-tuple map, listeners, TIME-WAIT records,
 * timer heap), created over an IP layer and freed with everything in it;
 * the bracket around each call from outside; the timers' entry and
 * deadline; what it counts.
 */
#include "config.h"

#include <stdlib.h>

#include "tcp/tcb.h"

/* A record that leaves reports TIME-WAIT -> CLOSED to its observer. */
static void tw_gone(void *ctx, struct sf_tw_record *r,
                    enum sf_tw_gone_reason why, sf_time_t now) {
  struct sf_tcp *e = ctx;
  (void)now;
  if (why == SF_TW_RECYCLED)
    SF_TCP_COUNT(e, tcp_timewait_recycled);
  if (e->up.conn_event && r->observer) {
    struct sf_conn_ref ref = {.observer = r->observer,
                              .tuple = sf__tw_tuple(r)};
    struct sf_tcp_event ev = {.type = SF_TEV_STATE,
                              .old_state = SF_TCP_TIME_WAIT,
                              .new_state = SF_TCP_CLOSED};
    e->up.conn_event(e->up.ctx, &ref, &ev);
  }
  sf__tcp_release_observer(e, r->observer);
  r->observer = NULL;
}

int sf__tcp_layer_new(const struct sf_engine_config *cfg,
                      const struct sf_engine_upcalls *up, struct sf_ip *ip,
                      sf_time_t now, struct sf_tcp **out) {
  *out = NULL;
  struct sf_tcp *e = calloc(1, sizeof(*e));
  if (!e)
    return SF_ENOMEM;
  e->cfg = *cfg;
  e->rto_bounds = (struct sf_rtt_bounds){cfg->rto_min, cfg->rto_max};
  e->mem = (struct sf_budget){.max = cfg->mem_max,
                              .refused = &e->c.tcp_mem_refused};
  sf__tcp_mem_pools_init(e);
  e->cc = sf__cc_find(cfg->congestion);
  e->cfg.congestion = e->cc->name; /* the caller's string may go */
  if (up)
    e->up = *up;
  e->ip = ip;
  e->now = now;
  if (cfg->secret_seed)
    sf__secret_init_seeded(&e->secret, cfg->secret_seed);
  else if (sf__secret_init(&e->secret) != 0) {
    free(e);
    return SF_EIO;
  }
  sf__tuple_map_init(&e->conns, &e->secret);
  sf__tw_init(&e->tw, &e->secret, &e->mem, cfg->timewait_max, 2 * cfg->msl,
              tw_gone, e);
  sf__heap_init(&e->timers);
  *out = e;
  return 0;
}

void sf__tcp_layer_free(struct sf_tcp *e) {
  if (!e)
    return;
  /* Nothing is reported while tearing down: forget the event upcall. */
  e->up.conn_event = NULL;
  e->up.listener_ready = NULL;
  while (e->listeners) {
    struct sf_listener *l = e->listeners;
    e->listeners = l->next;
    sf__tcp_release_observer(e, l->observer);
    free(l);
  }
  while (e->all)
    sf__tcb_free(e->all);
  sf__tcp_mem_pools_drain(e);
  sf__tw_free(&e->tw, e->now);
  sf__tuple_map_free(&e->conns);
  sf__heap_free(&e->timers);
  free(e);
}

void sf__tcp_enter(struct sf_tcp *e, sf_time_t now) { e->now = now; }

void sf__tcp_leave(struct sf_tcp *e) {
  sf__tcb_free_reaped(e);
  sf__tcp_idle_sweep(e);
}

void sf__tcp_poll(struct sf_tcp *e) {
  sf__tcp_timers_run(e, e->now);
  sf__tw_expire(&e->tw, e->now);
}

sf_time_t sf__tcp_next_deadline(const struct sf_tcp *e) {
  sf_time_t d = SF_TIME_NEVER;
  struct sf_heap_node *n = sf__heap_min(&e->timers);
  if (n)
    d = n->key;
  sf_time_t tw = sf__tw_next_deadline(&e->tw);
  return tw < d ? tw : d;
}

const struct sf_tcp_counters *sf__tcp_counters(const struct sf_tcp *e) {
  return &e->c;
}

size_t sf__tcp_tcb_count(const struct sf_tcp *e) { return e->tcb_count; }

size_t sf__tcp_timewait_count(const struct sf_tcp *e) { return e->tw.count; }
