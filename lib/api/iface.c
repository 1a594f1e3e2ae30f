/*
 * Interfaces: a link driver stack (driver, optional fault injector,
 * optional pcap tee) plus the engine's netif with its address, watched by
 * the reactor. sf_iface_open_memory_pair is the constructor for the
 * in-memory pair; raw sockets, TAP and TUN have theirs in iface_raw.c,
 * and all of them share sf__iface_open_link() below (any struct sf_link
 * with an fd plugs in there).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/iface.h"
#include "link/fault.h"
#include "link/memory.h"
#include "link/pcap.h"
#include "loop/loop.h"
#include "stack/stack.h"

#define EXAMPLE_CIDR "198.18.40.2/24"

/* One decimal octet of a dotted quad: 1 to 3 digits, at most 255. */
static bool parse_octet(const char *s, size_t n, uint32_t *out) {
  if (n < 1 || n > 3)
    return false;
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (uint32_t)(s[i] - '0');
  }
  *out = v;
  return v <= 255;
}

/* The dotted quad s[0..n) into host order; field and whole name it in
 * the reason ("address \"...\"", "gateway \"...\""). */
static int parse_quad(const char *field, const char *whole, const char *s,
                      size_t n, uint32_t *out, struct sf_why *why) {
  const char *end = s + n;
  uint32_t a = 0;
  for (int i = 0; i < 4; i++) {
    const char *dot = memchr(s, '.', (size_t)(end - s));
    const char *stop = i < 3 ? dot : end;
    uint32_t octet = 0;
    if (!stop || (i == 3 && dot))
      break;
    if (!parse_octet(s, (size_t)(stop - s), &octet)) {
      if (octet > 255)
        return sf__why(why, SF_EINVAL,
                       "%s \"%s\": %.*s is not an octet (0..255)", field,
                       whole, (int)(stop - s), s);
      break;
    }
    a = a << 8 | octet;
    if (i == 3) {
      *out = a;
      return 0;
    }
    s = stop + 1;
  }
  return sf__why(why, SF_EINVAL,
                 "%s \"%s\" is not an IPv4 address: write four numbers "
                 "0..255 joined by dots, e.g. " EXAMPLE_CIDR,
                 field, whole);
}

/* "a.b.c.d/len" into host-order addr and prefix. */
static int parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix,
                      struct sf_why *why) {
  if (!s)
    return sf__why(why, SF_EINVAL,
                   "address is NULL: set sf_iface_config_t.address to this "
                   "interface's address and subnet, e.g. " EXAMPLE_CIDR);
  const char *slash = strchr(s, '/');
  if (!slash)
    return sf__why(why, SF_EINVAL,
                   "address \"%s\" has no /prefix: add the subnet's length, "
                   "e.g. \"%s/24\"", s, s);
  int rc = parse_quad("address", s, s, (size_t)(slash - s), addr, why);
  if (rc < 0)
    return rc;
  char *end;
  long len = strtol(slash + 1, &end, 10);
  if (end == slash + 1 || *end || len < 0 || len > 32)
    return sf__why(why, SF_EINVAL,
                   "address \"%s\": prefix /%s is not a length 0..32: "
                   "give the subnet's length, e.g. " EXAMPLE_CIDR,
                   s, slash + 1);
  if (!*addr)
    return sf__why(why, SF_EINVAL,
                   "address \"%s\": 0.0.0.0 is not a host's address: give "
                   "synfin an address of its own, e.g. " EXAMPLE_CIDR, s);
  *prefix = (uint8_t)len;
  return 0;
}

/* The gateway, which must be on the interface's subnet to be reached. */
static int parse_gateway(const char *s, const struct sf__iface_addr *a,
                         uint32_t *gw, struct sf_why *why) {
  int rc = parse_quad("gateway", s, s, strlen(s), gw, why);
  if (rc < 0)
    return rc;
  uint32_t mask = a->prefix ? ~0u << (32 - a->prefix) : 0;
  if ((*gw & mask) == (a->addr & mask))
    return 0;
  struct in_addr net = {.s_addr = htonl(a->addr & mask)};
  char subnet[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &net, subnet, sizeof(subnet));
  return sf__why(why, SF_EINVAL,
                 "gateway %s is not on %s/%u, the address's subnet, so it "
                 "could never be reached: give a router on that subnet, or "
                 "no gateway",
                 s, subnet, a->prefix);
}

static void fault_dir(const sf_fault_dir_t *in, struct sf_fault_dir_config *o) {
  memset(o, 0, sizeof(*o));
  o->loss_ppm = in->loss_ppm;
  o->dup_ppm = in->dup_ppm;
  o->corrupt_ppm = in->corrupt_ppm;
  o->reorder_ppm = in->reorder_ppm;
  o->reorder_max_delay = in->reorder_max_delay_ns;
  o->delay = in->delay_ns;
  o->jitter = in->jitter_ns;
  o->rate_bytes_per_sec = in->rate_bytes_per_sec;
}

/* Wraps *link in the fault injector and pcap tee the config asks for. On
 * failure *link is closed and set to NULL. */
static int wrap_link(const sf_iface_config_t *c, struct sf_link **link,
                     struct sf_link **fault, struct sf_why *why) {
  int rc;
  *fault = NULL;
  if (c->fault) {
    struct sf_fault_config fc = {.seed = c->fault->seed};
    fault_dir(&c->fault->tx, &fc.tx);
    fault_dir(&c->fault->rx, &fc.rx);
    struct sf_link *f;
    if ((rc = sf__link_fault_wrap(*link, &fc, &f)) < 0)
      goto fail;
    *link = *fault = f;
  }
  if (c->pcap_path) {
    struct sf_pcap_writer *w;
    struct sf_link *tee;
    if ((rc = sf__pcap_open(c->pcap_path, &w)) < 0) {
      sf__why(why, rc,
              "pcap_path \"%s\": cannot create the pcap file (%s): check "
              "that its directory exists and that this process may write "
              "there",
              c->pcap_path, sf_strerror(rc));
      goto fail;
    }
    if ((rc = sf__link_pcap_tee(*link, w, &tee)) < 0) {
      sf__pcap_close(w);
      goto fail;
    }
    *link = tee;
  }
  return 0;
fail:
  sf__link_close(*link);
  *link = NULL;
  return rc;
}

int sf__iface_open_link(sf_loop_t *loop, sf_iface_t *iface,
                        const sf_iface_config_t *c, struct sf_link *link,
                        const struct sf__iface_addr *a) {
  struct sf__loop_impl *impl = loop->impl_;
  struct sf__iface_impl *ii = calloc(1, sizeof(*ii));
  struct sf_link *fault = NULL;
  int rc = ii ? wrap_link(c, &link, &fault, &impl->last_error) : SF_ENOMEM;
  if (rc < 0) {
    free(ii);
    sf__link_close(link);
    return rc;
  }
  unsigned mtu = sf__link_mtu(link);
  struct sf_netif_config nc = {.addr = sf_addr_v4(a->addr),
                               .prefix_len = a->prefix,
                               .gateway = sf_addr_v4(a->gateway),
                               .mtu = c->mtu && c->mtu < mtu ? c->mtu : mtu};
  /* Checksum and segmentation offload where the link does them; not
   * through the fault injector, which works on whole frames as sent. */
  nc.offload = fault ? 0 : link->tx_offload;
  sf__link_hwaddr(link, nc.mac);
  rc = sf__engine_netif_add(impl->engine, &nc);
  if (rc < 0)
    goto fail;
  ii->netif = (unsigned)rc;
  rc = sf__reactor_link_add(impl->reactor, link, ii->netif, &ii->rl);
  if (rc < 0) {
    sf__engine_netif_remove(impl->engine, ii->netif);
    goto fail;
  }
  ii->link = link;
  ii->fault = fault;
  ii->open = true;
  iface->impl_ = ii;
  sf__handle_init(loop, (sf_handle_t *)iface, SF_IFACE);
  /* An interface is plumbing: it never keeps sf_run alive by itself. */
  iface->flags &= ~SF__H_REF;
  sf__handle_set_active((sf_handle_t *)iface, true);
  return 0;
fail:
  sf__link_close(link);
  free(ii);
  return rc;
}

int sf__iface_check_config(const sf_iface_config_t *c,
                           struct sf__iface_addr *out, struct sf_why *why) {
  if (!c)
    return sf__why(why, SF_EINVAL, "config is NULL");
  int rc = parse_cidr(c->address, &out->addr, &out->prefix, why);
  if (rc < 0)
    return rc;
  out->gateway = 0;
  if (c->gateway && (rc = parse_gateway(c->gateway, out, &out->gateway,
                                        why)) < 0)
    return rc;
  if (c->mtu && (c->mtu < SF_MEMORY_LINK_MIN_MTU ||
                 c->mtu > SF_MEMORY_LINK_MAX_MTU))
    return sf__why(why, SF_EINVAL, "mtu %u is outside %u..%u (0: the link's)",
                   c->mtu, SF_MEMORY_LINK_MIN_MTU, SF_MEMORY_LINK_MAX_MTU);
  return 0;
}

/* The pair's checks and opening; the reasons go to loop_a. */
static int open_memory_pair(sf_loop_t *loop_a, sf_iface_t *a,
                            const sf_iface_config_t *ca, sf_loop_t *loop_b,
                            sf_iface_t *b, const sf_iface_config_t *cb) {
  struct sf__iface_addr aa, ab;
  struct sf_why *why = &loop_a->impl_->last_error;
  int rc;
  if ((rc = sf__iface_check_config(ca, &aa, why)) < 0 ||
      (rc = sf__iface_check_config(cb, &ab, why)) < 0)
    return rc;
  if (loop_a == loop_b && aa.addr == ab.addr)
    return sf__why(why, SF_EADDRINUSE,
                   "both ends of the pair have address %s on one loop: give "
                   "each its own",
                   ca->address);
  struct sf_memory_link_config mc = {
      .mtu = ca->mtu > cb->mtu ? ca->mtu : cb->mtu,
      /* Room for a whole receive window of full frames in flight. */
      .queue_frames = 1024,
  };
  memcpy(mc.mac_a, ca->mac, 6);
  memcpy(mc.mac_b, cb->mac, 6);
  struct sf_link *la, *lb;
  rc = sf__link_memory_pair(&mc, &la, &lb);
  if (rc < 0)
    return rc;
  rc = sf__iface_open_link(loop_a, a, ca, la, &aa);
  if (rc < 0) {
    sf__link_close(lb);
    return rc;
  }
  rc = sf__iface_open_link(loop_b, b, cb, lb, &ab);
  if (rc < 0) {
    /* Undo a completely: it never was visible to the application. */
    sf__iface_close(a);
    sf_handle_t *h = (sf_handle_t *)a;
    h->flags |= SF__H_CLOSING;
    sf__handle_set_active(h, false);
    sf__iface_free(a);
    sf__handle_unlink(h);
    *why = loop_b->impl_->last_error;
    return rc;
  }
  return 0;
}

int sf_iface_open_memory_pair(sf_loop_t *loop_a, sf_iface_t *a,
                              const sf_iface_config_t *ca, sf_loop_t *loop_b,
                              sf_iface_t *b, const sf_iface_config_t *cb) {
  struct sf_why *why = sf__loop_why_clear(loop_a);
  struct sf_why *why_b = sf__loop_why_clear(loop_b);
  if (!why || !why_b || !a || !b || a == b)
    return SF_EINVAL;
  int rc = sf__iface_why_done(
      loop_a, open_memory_pair(loop_a, a, ca, loop_b, b, cb));
  if (rc < 0 && why_b != why)
    *why_b = *why;
  return rc;
}

int sf__iface_why_done(sf_loop_t *loop, int rc) {
  return sf__loop_why_done(loop, rc, sf_iface_error_hint(rc));
}

int sf_iface_stats(const sf_iface_t *iface, sf_iface_stats_t *out) {
  if (!sf__handle_ok((const sf_handle_t *)iface, SF_IFACE) || !out ||
      !iface->impl_ || !iface->impl_->open)
    return SF_EINVAL;
  const struct sf_link_stats *s = &iface->impl_->link->stats;
  memset(out, 0, sizeof(*out));
  out->tx_frames = s->tx_frames;
  out->tx_bytes = s->tx_bytes;
  out->rx_frames = s->rx_frames;
  out->rx_bytes = s->rx_bytes;
  out->tx_dropped = s->tx_dropped;
  out->rx_truncated = s->rx_truncated;
  if (iface->impl_->fault) {
    const struct sf_fault_stats *f = sf__link_fault_stats(iface->impl_->fault);
    out->fault_tx_lost = f->tx.lost;
    out->fault_rx_lost = f->rx.lost;
  }
  return 0;
}

void sf__iface_close(sf_iface_t *iface) {
  struct sf__iface_impl *ii = iface->impl_;
  if (!ii->open)
    return;
  struct sf__loop_impl *impl = iface->loop->impl_;
  sf__reactor_link_remove(ii->rl); /* flushes what is queued for it */
  sf__engine_netif_remove(impl->engine, ii->netif);
  sf__link_close(ii->link);
  ii->open = false;
}

void sf__iface_free(sf_iface_t *iface) {
  free(iface->impl_);
  iface->impl_ = NULL;
}
