/*
 * sf_iface_t's internals (iface.c): a link driver stack plus the engine's
 * netif, watched by the reactor; and what every interface constructor
 * shares (iface.c's memory pair, iface_raw.c's raw devices).
 */
#ifndef SF_API_IFACE_H
#define SF_API_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "api/handle.h"

struct sf_link;
struct sf_reactor_link;

struct sf__iface_impl {
  struct sf_link *link;  /* outermost: pcap tee, fault, memory */
  struct sf_link *fault; /* the fault layer inside it, or NULL */
  struct sf_reactor_link *rl;
  unsigned netif;
  bool open;
  char device[32]; /* the device a raw link is attached to, or "" */
};

struct sf__iface_addr {
  uint32_t addr;
  uint8_t prefix;
  uint32_t gateway;
};
/* Validates config (address, gateway on its subnet, MTU) into *out: 0
 * or SF_EINVAL with the reason in why. */
int sf__iface_check_config(const sf_iface_config_t *c,
                           struct sf__iface_addr *out, struct sf_why *why);
/* Wraps link per config (faults, pcap), adds the netif and the reactor
 * watcher, and opens the handle. Takes ownership of link, even on
 * failure, whose reason goes to the loop's last_error. */
int sf__iface_open_link(sf_loop_t *loop, sf_iface_t *iface,
                        const sf_iface_config_t *c, struct sf_link *link,
                        const struct sf__iface_addr *a);

/* Ends an sf_iface_open_* call (begun with sf__loop_why_clear): a
 * failure without a reason of its own gets sf_iface_error_hint's. */
int sf__iface_why_done(sf_loop_t *loop, int rc);

/* sf_close of an interface closes its link and netif; its close_cb-time
 * cleanup frees it. */
void sf__iface_close(sf_iface_t *iface);
void sf__iface_free(sf_iface_t *iface);

#endif /* SF_API_IFACE_H */
