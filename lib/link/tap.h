/*
 * The TAP and TUN link drivers: a Linux /dev/net/tun device, opened
 * non-blocking with IFF_NO_PI. The kernel owns the other side of the
 * device (its interface, its addresses); synfin is the "wire".
 *
 * TAP carries Ethernet frames as they are. Our Ethernet address is
 * cfg->mac (all zero: a random locally administered one), not the tap
 * interface's: the kernel's interface and synfin are two hosts.
 *
 * TUN carries bare IP packets. So that the layers above are the same for
 * every link, a TUN link presents them as Ethernet frames: on receive it
 * prepends a synthetic header (destination: our MAC; source:
 * SF_TUN_PEER_MAC; EtherType from the IP version nibble), on send it
 * strips the header and passes IPv4 and IPv6 only. There is no ARP on a
 * TUN device, so the link answers our ARP requests itself: a request
 * sent down is turned into a reply from SF_TUN_PEER_MAC, queued for the
 * next recv. A TUN link's fd is therefore not the device's but an epoll
 * set of the device's fd and an eventfd readable while replies wait, so
 * the reactor wakes for them as for received frames.
 *
 * With SF_TAP_VNET_HDR the device is opened with IFF_VNET_HDR and told
 * (TUNSETOFFLOAD) that we accept unfinished checksums and TCP super-
 * frames: received frames carry sf_frame.meta as on the packet link
 * (packet.h), and sent frames with meta are finished by the kernel.
 * Without it the kernel hands us only complete, MTU-sized frames.
 *
 * Sends and receives loop over write()/read(): a tun fd has no batch
 * call. EAGAIN on the first frame gives SF_EAGAIN.
 */
#ifndef SF_LINK_TAP_H
#define SF_LINK_TAP_H

#include <stdint.h>

#include "link/link.h"

#define SF_TAP_MODE_TAP 0
#define SF_TAP_MODE_TUN 1

#define SF_TAP_VNET_HDR 0x1u /* offload metadata (IFF_VNET_HDR) */

/* The source MAC of frames a TUN link makes up for the kernel's side. */
#define SF_TUN_PEER_MAC {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe}

struct sf_tap_link_config {
  /* The device to create or attach to (at most 15 bytes); NULL or "":
   * the kernel picks "tap%d" or "tun%d" (see sf__link_tap_name). */
  const char *ifname;
  int mode;       /* SF_TAP_MODE_* */
  unsigned flags; /* SF_TAP_* */
  uint8_t mac[6]; /* our address; all zero: random, locally administered */
};

/*
 * Opens (creating if needed) the device. Returns 0 and *out, or SF_EINVAL,
 * SF_EPERM (creating a device needs CAP_NET_ADMIN), SF_ENOENT (no
 * /dev/net/tun), SF_ENOMEM or another translated system error. The device
 * is not brought up: that is the kernel side's business (ip link set up).
 */
int sf__link_tap_open(const struct sf_tap_link_config *cfg,
                      struct sf_link **out);

/* The device's name as the kernel made it; valid until close. */
const char *sf__link_tap_name(struct sf_link *link);

#endif /* SF_LINK_TAP_H */
