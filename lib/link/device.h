/*
 * What a network device must be before an AF_PACKET link may use it for
 * an address synfin is to own, checked with the kernel's interface
 * ioctls and getifaddrs, so that a refusal says what is wrong and what
 * to do:
 *   - it exists in this network namespace;
 *   - it is not a loopback device, and carries Ethernet frames;
 *   - it is up (a packet socket on a device that is down sees nothing);
 *   - the kernel has not got the same IPv4 address on it: the kernel
 *     would answer ARP for it and reset every connection it does not
 *     know, synfin's included.
 * These are the driver's business, not the engine's: the engine never
 * sees a device.
 */
#ifndef SF_LINK_DEVICE_H
#define SF_LINK_DEVICE_H

#include <stdint.h>

#include "base/error.h"

/*
 * Checks device dev for synfin's address addr (host order). Returns 0,
 * or SF_ENODEV (no such device), SF_EINVAL (a name too long, loopback,
 * not Ethernet), SF_ENETDOWN (down), SF_EADDRINUSE (the kernel owns addr
 * there) or a translated system error, with the reason and its fix in
 * why (may be NULL).
 */
int sf__link_device_check(const char *dev, uint32_t addr,
                          struct sf_why *why);

#endif /* SF_LINK_DEVICE_H */
