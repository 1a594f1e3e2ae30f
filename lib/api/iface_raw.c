/*
 * Interfaces on real devices: AF_PACKET raw sockets (the production
 * attachment), TAP and TUN. Each builds its link driver and hands it to
 * sf__iface_open_link, so after opening they behave like any interface.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/iface.h"
#include "link/device.h"
#include "link/packet.h"
#include "link/tap.h"

static bool mac_set(const unsigned char mac[6]) {
  for (int i = 0; i < 6; i++)
    if (mac[i])
      return true;
  return false;
}

static void remember_device(sf_iface_t *iface, const char *name) {
  struct sf__iface_impl *ii = iface->impl_;
  if (ii && name)
    snprintf(ii->device, sizeof(ii->device), "%s", name);
}

/* A permission error from a driver: the capability (cap, and its setcap
 * name) that what needs. */
static int explain_open(int rc, const char *cap, const char *setcap,
                        const char *what, struct sf_why *why) {
  if (rc == SF_EPERM || rc == SF_EACCES)
    return sf__why(why, rc,
                   "no %s: %s needs it: run as root, or grant it to the "
                   "program (setcap %s+ep PROGRAM)",
                   cap, what, setcap);
  return rc;
}

/* sf_packet_options_t.ring as the link's rx_method, or -1. */
static int rx_method_of(int ring) {
  switch (ring) {
  case 0:
  case SF_PACKET_RING_V2:
    return SF_PACKET_RX_RING_V2;
  case SF_PACKET_RING_V3:
    return SF_PACKET_RX_RING_V3;
  case SF_PACKET_RECVMMSG:
    return SF_PACKET_RX_RECVMMSG;
  default:
    return -1;
  }
}

/* Whether a default attachment whose ring the kernel refused may try
 * again with recvmmsg: not when the cause would refuse that too. */
static bool ring_refusal(int rc) {
  return rc == SF_ENOMEM || rc == SF_EINVAL || rc == SF_ENOBUFS;
}

static int open_packet(sf_loop_t *loop, sf_iface_t *iface,
                       const sf_iface_config_t *config,
                       const sf_packet_options_t *options,
                       struct sf_why *why) {
  struct sf__iface_addr a;
  if (!why || !iface || !options)
    return SF_EINVAL;
  if (!options->device)
    return sf__why(why, SF_EINVAL,
                   "options->device is NULL: name the network device to "
                   "attach to, e.g. \"veth1\"");
  int rx = rx_method_of(options->ring);
  if (rx < 0)
    return sf__why(why, SF_EINVAL,
                   "options->ring is %d: use 0 (the default),"
                   " SF_PACKET_RING_V2, SF_PACKET_RING_V3 or"
                   " SF_PACKET_RECVMMSG",
                   options->ring);
  int rc = sf__iface_check_config(config, &a, why);
  if (rc < 0 || (rc = sf__link_device_check(options->device, a.addr, why)))
    return rc;
  struct sf_packet_link_config pc = {
      .ifname = options->device,
      .rx_method = rx,
      .flags = (options->qdisc_bypass ? SF_PACKET_QDISC_BYPASS : 0u) |
               (options->no_offload_metadata ? SF_PACKET_NO_VNET_HDR : 0u),
      /* The default SO_RCVBUF (rmem_default, ~208 KiB) holds only a few
       * hundred frames: a burst such as 1,000 SYN-ACKs answering 1,000
       * connects overflowed it, and every dropped frame cost an RTO
       * (found by tests/net/test_kernel_concurrent.sh). The kernel clamps
       * this to rmem_max; the TPACKET_V3 ring does not use it, the V2
       * ring only for frames larger than its slots. */
      .rcvbuf = 4 << 20,
  };
  if (mac_set(config->mac))
    memcpy(pc.mac, config->mac, 6);
  struct sf_link *link;
  char what[64];
  snprintf(what, sizeof(what), "an AF_PACKET socket on device %s",
           options->device);
  rc = sf__link_packet_open(&pc, &link);
  if (options->ring == 0 && ring_refusal(rc)) {
    pc.rx_method = SF_PACKET_RX_RECVMMSG;
    rc = sf__link_packet_open(&pc, &link);
  }
  rc = explain_open(rc, "CAP_NET_RAW", "cap_net_raw", what, why);
  if (rc < 0)
    return rc;
  rc = sf__iface_open_link(loop, iface, config, link, &a);
  if (rc == 0)
    remember_device(iface, options->device);
  return rc;
}

int sf_iface_open_packet(sf_loop_t *loop, sf_iface_t *iface,
                         const sf_iface_config_t *config,
                         const sf_packet_options_t *options) {
  struct sf_why *why = sf__loop_why_clear(loop);
  return sf__iface_why_done(loop,
                            open_packet(loop, iface, config, options, why));
}

static int open_tap_mode(sf_loop_t *loop, sf_iface_t *iface,
                         const sf_iface_config_t *config, const char *name,
                         int mode, struct sf_why *why) {
  struct sf__iface_addr a;
  if (!why || !iface)
    return SF_EINVAL;
  if (name && strlen(name) > 15)
    return sf__why(why, SF_EINVAL,
                   "device \"%s\": a device name has at most 15 characters",
                   name);
  int rc = sf__iface_check_config(config, &a, why);
  if (rc < 0)
    return rc;
  struct sf_tap_link_config tc = {.ifname = name, .mode = mode};
  if (mac_set(config->mac))
    memcpy(tc.mac, config->mac, 6);
  struct sf_link *link;
  const char *kind = mode == SF_TAP_MODE_TUN ? "TUN" : "TAP";
  char what[64];
  snprintf(what, sizeof(what), "a %s device (%s)", kind,
           name ? name : "a new one");
  rc = explain_open(sf__link_tap_open(&tc, &link), "CAP_NET_ADMIN",
                    "cap_net_admin", what, why);
  if (rc == SF_ENOENT)
    return sf__why(why, rc,
                   "%s needs /dev/net/tun, which does not exist: load the "
                   "tun module (modprobe tun) or create the node (mknod "
                   "/dev/net/tun c 10 200)",
                   kind);
  if (rc < 0)
    return rc;
  /* the name is read before the link is handed over (and maybe wrapped) */
  char device[32];
  snprintf(device, sizeof(device), "%s", sf__link_tap_name(link));
  rc = sf__iface_open_link(loop, iface, config, link, &a);
  if (rc == 0)
    remember_device(iface, device);
  return rc;
}

int sf_iface_open_tap(sf_loop_t *loop, sf_iface_t *iface,
                      const sf_iface_config_t *config, const char *name) {
  struct sf_why *why = sf__loop_why_clear(loop);
  return sf__iface_why_done(
      loop, open_tap_mode(loop, iface, config, name, SF_TAP_MODE_TAP, why));
}

int sf_iface_open_tun(sf_loop_t *loop, sf_iface_t *iface,
                      const sf_iface_config_t *config, const char *name) {
  struct sf_why *why = sf__loop_why_clear(loop);
  return sf__iface_why_done(
      loop, open_tap_mode(loop, iface, config, name, SF_TAP_MODE_TUN, why));
}

const char *sf_iface_device(const sf_iface_t *iface) {
  if (!iface || iface->type != SF_IFACE || !iface->impl_ ||
      !iface->impl_->open || !iface->impl_->device[0])
    return NULL;
  return iface->impl_->device;
}

const char *sf_iface_error_hint(int err) {
  switch (err) {
  case SF_EPERM:
  case SF_EACCES:
    return "raw sockets need CAP_NET_RAW (AF_PACKET) or CAP_NET_ADMIN "
           "(TAP/TUN): run as root or grant the capability";
  case SF_ENODEV:
    return "no such network device: create it first (ip link add ...)";
  case SF_ENOENT:
    return "a file the interface needs is missing: /dev/net/tun for TAP "
           "and TUN (load the tun module), or pcap_path's directory";
  default:
    return sf_strerror(err);
  }
}
