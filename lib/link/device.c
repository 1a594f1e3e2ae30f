/*
 * Device checks before an AF_PACKET link opens (device.h): flags and
 * hardware type by ioctl on a throwaway datagram socket (no privilege
 * needed), the kernel's own addresses by getifaddrs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link/device.h"

static int check_flags(int fd, struct ifreq *ifr, struct sf_why *why) {
  const char *dev = ifr->ifr_name;
  if (ioctl(fd, SIOCGIFFLAGS, ifr)) {
    if (errno == ENODEV)
      return sf__why(why, SF_ENODEV,
                     "device %s does not exist in this network namespace: "
                     "check the name with `ip link show`, or create it",
                     dev);
    return sf__why(why, sf_translate_sys_error(errno),
                   "device %s: cannot read its flags (%s)", dev,
                   sf_strerror(sf_translate_sys_error(errno)));
  }
  if (ifr->ifr_flags & IFF_LOOPBACK)
    return sf__why(why, SF_EINVAL,
                   "device %s is a loopback device: AF_PACKET needs an "
                   "Ethernet device (e.g. one end of a veth pair)",
                   dev);
  if (!(ifr->ifr_flags & IFF_UP))
    return sf__why(why, SF_ENETDOWN,
                   "device %s is down: bring it up with `ip link set %s up`",
                   dev, dev);
  return 0;
}

static int check_ethernet(int fd, struct ifreq *ifr, struct sf_why *why) {
  const char *dev = ifr->ifr_name;
  if (ioctl(fd, SIOCGIFHWADDR, ifr))
    return sf__why(why, sf_translate_sys_error(errno),
                   "device %s: cannot read its hardware address (%s)", dev,
                   sf_strerror(sf_translate_sys_error(errno)));
  if (ifr->ifr_hwaddr.sa_family != ARPHRD_ETHER)
    return sf__why(why, SF_EINVAL,
                   "device %s is not an Ethernet device (ARP hardware type "
                   "%u): AF_PACKET needs one; a TUN device opens with "
                   "sf_iface_open_tun",
                   dev, (unsigned)ifr->ifr_hwaddr.sa_family);
  return 0;
}

static unsigned prefix_of(const struct sockaddr *mask) {
  if (!mask || mask->sa_family != AF_INET)
    return 32;
  uint32_t m = ntohl(((const struct sockaddr_in *)mask)->sin_addr.s_addr);
  return (unsigned)__builtin_popcount(m);
}

static int check_kernel_addr(const char *dev, uint32_t addr,
                             struct sf_why *why) {
  struct ifaddrs *all;
  if (getifaddrs(&all))
    return sf__why(why, sf_translate_sys_error(errno),
                   "device %s: cannot list the kernel's addresses (%s)", dev,
                   sf_strerror(sf_translate_sys_error(errno)));
  int rc = 0;
  for (const struct ifaddrs *i = all; i && !rc; i = i->ifa_next) {
    const struct sockaddr_in *a = (const void *)i->ifa_addr;
    if (!a || a->sin_family != AF_INET || strcmp(i->ifa_name, dev) ||
        ntohl(a->sin_addr.s_addr) != addr)
      continue;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    unsigned p = prefix_of(i->ifa_netmask);
    rc = sf__why(why, SF_EADDRINUSE,
                 "device %s: the kernel owns %s/%u there, so it would "
                 "answer for it and reset synfin's connections: remove it "
                 "with `ip addr del %s/%u dev %s`, or give synfin another "
                 "address",
                 dev, ip, p, ip, p, dev);
  }
  freeifaddrs(all);
  return rc;
}

int sf__link_device_check(const char *dev, uint32_t addr,
                          struct sf_why *why) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  if (strlen(dev) >= sizeof(ifr.ifr_name))
    return sf__why(why, SF_EINVAL,
                   "device \"%s\": a device name has at most %zu characters",
                   dev, sizeof(ifr.ifr_name) - 1);
  strcpy(ifr.ifr_name, dev);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sf_translate_sys_error(errno);
  int rc = check_flags(fd, &ifr, why);
  if (!rc)
    rc = check_ethernet(fd, &ifr, why);
  close(fd);
  return rc ? rc : check_kernel_addr(dev, addr, why);
}
