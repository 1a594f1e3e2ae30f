/*
 * The composition root: the configuration, the IP layer and TCP over it,
 * and the entry points through which frames and time come in. Each entry
 * point brackets its work with sf__tcp_enter / sf__tcp_leave, so TCP sees
 * one clock for the whole call and frees finished tcbs only at its end.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"
#include "wire/tcp.h"

struct sf_engine {
  struct sf_engine_config cfg;
  struct sf_ip *ip;
  struct sf_tcp *tcp;
};

void sf__engine_config_default(struct sf_engine_config *c) {
  memset(c, 0, sizeof(*c));
  sf__ip_params_default(&c->ip);
  c->sndbuf = 256 * 1024;
  c->rcvbuf = 256 * 1024;
  c->mem_max = (size_t)512 * 1024 * 1024;
  c->msl = 30 * SF_NSEC_PER_SEC;
  c->rto_initial = SF_NSEC_PER_SEC;
  c->rto_min = 200 * SF_NSEC_PER_MSEC;
  c->rto_max = 60 * SF_NSEC_PER_SEC;
  c->syn_retries = 6;
  c->synack_retries = 5;
  c->data_retries = 15;
  c->fin_wait2_timeout = 60 * SF_NSEC_PER_SEC;
  c->delack_timeout = 40 * SF_NSEC_PER_MSEC;
  c->keepalive_idle = 7200 * SF_NSEC_PER_SEC;
  c->keepalive_interval = 75 * SF_NSEC_PER_SEC;
  c->keepalive_probes = 9;
  c->tail_loss_probe = true;
  c->rack = true;
  c->timewait_max = 262144;
  c->backlog_max = 4096;
  c->orphan_retries = 8;
  c->max_orphans = 4096;
  c->syncookies = true;
  c->challenge_ack_limit = 1000;
  c->port_lo = 49152;
  c->port_hi = 65535;
  c->mss_default = 536;
  c->congestion = "newreno";
}

static bool config_valid(const struct sf_engine_config *c) {
  return c->sndbuf >= 1 && c->rcvbuf >= 1 && c->mem_max >= 1 &&
         c->rcvbuf <= ((size_t)0xffff << SF_TCP_MAX_WSCALE) &&
         c->rto_min > 0 && c->rto_min <= c->rto_max &&
         c->delack_timeout <= 200 * SF_NSEC_PER_MSEC && c->port_lo > 0 &&
         c->port_lo <= c->port_hi && c->mss_default >= 64 &&
         c->backlog_max > 0 && sf__tcp_cc_name(c->congestion);
}

/* ------------------------------------------------------------ IP upcalls */

/* The IP layer reports at the time of the entry point that called it,
 * which TCP was entered with: its own now is not needed. */

static void segment_in(void *ctx, unsigned netif, const struct sf_ipv4_hdr *ip,
                       unsigned rx_flags, sf_time_t now) {
  struct sf_engine *e = ctx;
  (void)now;
  sf__tcp_segment_in(e->tcp, netif, ip, rx_flags);
}

static void icmp_error(void *ctx, const struct sf_ip_icmp_error *err,
                       sf_time_t now) {
  struct sf_engine *e = ctx;
  (void)now;
  sf__tcp_icmp_error(e->tcp, err);
}

static void hop_unreachable(void *ctx, unsigned netif, struct sf_addr hop,
                            sf_time_t now) {
  struct sf_engine *e = ctx;
  (void)now;
  sf__tcp_hop_unreachable(e->tcp, netif, hop);
}

/* ------------------------------------------------------------- lifetime */

int sf__engine_new(const struct sf_engine_config *cfg,
                   const struct sf_engine_upcalls *up, sf_time_t now,
                   struct sf_engine **out) {
  *out = NULL;
  if (!cfg || !config_valid(cfg))
    return SF_EINVAL;
  struct sf_engine *e = calloc(1, sizeof(*e));
  if (!e)
    return SF_ENOMEM;
  e->cfg = *cfg;
  /* the caller's string may go: keep the algorithm's own name */
  e->cfg.congestion = sf__tcp_cc_name(cfg->congestion);
  struct sf_ip_upcalls ipup = {.ctx = e,
                               .tcp_input = segment_in,
                               .tcp_icmp_error = icmp_error,
                               .unreachable = hop_unreachable};
  int rc = sf__ip_new(&cfg->ip, &ipup, &e->ip);
  if (rc == 0) {
    rc = sf__tcp_layer_new(&e->cfg, up, e->ip, now, &e->tcp);
    if (rc != 0)
      sf__ip_free(e->ip);
  }
  if (rc != 0) {
    free(e);
    return rc;
  }
  *out = e;
  return 0;
}

void sf__engine_free(struct sf_engine *e) {
  if (!e)
    return;
  sf__tcp_layer_free(e->tcp);
  sf__ip_free(e->ip);
  free(e);
}

int sf__engine_netif_add(struct sf_engine *e, const struct sf_netif_config *c) {
  return sf__ip_netif_add(e->ip, c);
}

void sf__engine_netif_remove(struct sf_engine *e, unsigned netif) {
  sf__ip_netif_remove(e->ip, netif);
}

struct sf_ip *sf__engine_ip(struct sf_engine *e) { return e->ip; }

struct sf_tcp *sf__engine_tcp(struct sf_engine *e) { return e->tcp; }

const struct sf_engine_config *sf__engine_config(const struct sf_engine *e) {
  return &e->cfg;
}

/* --------------------------------------------------------- entry points */

void sf__engine_input(struct sf_engine *e, unsigned netif,
                      const uint8_t *frame, size_t len, unsigned meta_flags,
                      sf_time_t now) {
  sf__tcp_enter(e->tcp, now);
  sf__ip_input(e->ip, netif, frame, len, meta_flags, now);
  sf__tcp_leave(e->tcp);
}

void sf__engine_poll(struct sf_engine *e, sf_time_t now) {
  sf__tcp_enter(e->tcp, now);
  sf__ip_poll(e->ip, now);
  sf__tcp_poll(e->tcp);
  sf__tcp_leave(e->tcp);
}

void sf__engine_end_turn(struct sf_engine *e, sf_time_t now) {
  sf__tcp_enter(e->tcp, now);
  sf__tcp_turn_run(e->tcp);
  sf__tcp_leave(e->tcp);
}

sf_time_t sf__engine_next_deadline(const struct sf_engine *e) {
  sf_time_t ip = sf__ip_next_deadline(e->ip);
  sf_time_t tcp = sf__tcp_next_deadline(e->tcp);
  return tcp < ip ? tcp : ip;
}

size_t sf__engine_tx_take(struct sf_engine *e, unsigned netif,
                          struct sf_frame *out, size_t max) {
  return sf__ip_tx_take(e->ip, netif, out, max);
}

void sf__engine_tx_release(struct sf_engine *e, unsigned netif, size_t n) {
  sf__ip_tx_release(e->ip, netif, n);
}

/* ------------------------------------------------------------- counters */

size_t sf__engine_counters(const struct sf_engine *e, struct sf_counter *out,
                           size_t max) {
  return sf__counters_list(sf__ip_counters(e->ip), sf__tcp_counters(e->tcp),
                           out, max);
}

uint64_t sf__engine_counter(const struct sf_engine *e, const char *name) {
  return sf__counters_find(sf__ip_counters(e->ip), sf__tcp_counters(e->tcp),
                           name);
}

size_t sf__engine_tcb_count(const struct sf_engine *e) {
  return sf__tcp_tcb_count(e->tcp);
}

size_t sf__engine_timewait_count(const struct sf_engine *e) {
  return sf__tcp_timewait_count(e->tcp);
}

size_t sf__engine_orphans_closing(const struct sf_engine *e) {
  return sf__tcp_orphans_closing(e->tcp);
}

void sf__engine_walk(const struct sf_engine *e, sf_time_t now,
                     sf_tcp_walk_fn fn, void *arg) {
  sf__tcp_walk(e->tcp, now, fn, arg);
}
