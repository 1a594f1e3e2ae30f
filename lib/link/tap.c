/*
 * The TAP and TUN link drivers (tap.h).
 *
 * Map:
 *   sf__link_tap_open   /dev/net/tun, TUNSETIFF, vnet header, offloads
 *   tap_send            one write() per frame; TUN strips the Ethernet
 *                       header and answers ARP requests itself (arp_fake)
 *   tap_recv            one read() per frame; TUN prepends the header;
 *                       faked ARP replies are handed up first
 * A TUN link's fd (wake.h) joins the device's to an eventfd raised while
 * faked ARP replies wait, so they wake a reactor like received frames.
 * The vnet header codec is the packet driver's (packet.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "base/error.h"
#include "link/packet.h"
#include "link/tap.h"
#include "link/wake.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/status.h"

#define VNET_LEN sizeof(struct virtio_net_hdr)
#define ETH_LEN SF_LINK_FRAME_OVERHEAD
#define ARP_FRAME_LEN (ETH_LEN + SF_ARP_LEN)
#define ARP_QUEUE 8

struct tap_link {
  struct sf_link link; /* first, so a struct sf_link * converts back */
  int fd;
  bool tun;
  bool vnet;
  unsigned mtu;
  char name[IFNAMSIZ];
  uint8_t mac[6];
  /* TUN: faked ARP replies waiting for recv, oldest first. */
  uint8_t arp[ARP_QUEUE][ARP_FRAME_LEN];
  unsigned narp;
  struct sf_link_wake wake; /* TUN: raised while narp > 0 */
  uint8_t *scratch; /* TUN: a receive buffer too small for the header */
};

static const uint8_t tun_peer_mac[6] = SF_TUN_PEER_MAC;

static struct tap_link *to_tap(struct sf_link *link) {
  return (struct tap_link *)link;
}

/* ------------------------------------------------------------ TUN ARP */

/* A TUN device has no link layer, so nobody would answer our ARP: we
 * answer for the kernel, with the peer MAC that TUN frames come from. */
static void arp_fake(struct tap_link *t, const uint8_t *frame, size_t len) {
  struct sf_arp req;
  if (t->narp == ARP_QUEUE ||
      sf__arp_parse(frame + ETH_LEN, len - ETH_LEN, &req) != SF_WIRE_OK ||
      req.oper != SF_ARP_OP_REQUEST)
    return;
  struct sf_eth_hdr eh = {.ethertype = SF_ETHERTYPE_ARP};
  memcpy(eh.dst.b, t->mac, 6);
  memcpy(eh.src.b, tun_peer_mac, 6);
  struct sf_arp rep = {.oper = SF_ARP_OP_REPLY, .spa = req.tpa,
                       .tha = req.sha, .tpa = req.spa};
  memcpy(rep.sha.b, tun_peer_mac, 6);
  uint8_t *out = t->arp[t->narp++];
  (void)sf__eth_emit(&eh, out, ETH_LEN);
  (void)sf__arp_emit(&rep, out + ETH_LEN, SF_ARP_LEN);
  sf__link_wake_set(&t->wake, true);
}

/* ---------------------------------------------------------------- send */

/* Writes one frame. Returns 1 (taken: sent or dropped), 0 (EAGAIN). */
static int tap_send_one(struct tap_link *t, const struct sf_frame *f) {
  struct virtio_net_hdr vh;
  struct iovec iov[2];
  int niov = 0;
  size_t skip = 0;
  if (!f->data || f->len < ETH_LEN)
    goto drop;
  if (t->tun) {
    uint16_t type = (uint16_t)(f->data[12] << 8 | f->data[13]);
    if (type == SF_ETHERTYPE_ARP) {
      arp_fake(t, f->data, f->len);
      return 1; /* consumed here: counts as sent */
    }
    if (type != SF_ETHERTYPE_IPV4 && type != SF_ETHERTYPE_IPV6)
      goto drop; /* TUN carries IP only */
    skip = ETH_LEN;
  }
  if (t->vnet) {
    if (sf__link_meta_to_vnet(&f->meta, (unsigned)skip, &vh))
      goto drop;
    iov[niov++] = (struct iovec){&vh, VNET_LEN};
  } else if ((f->meta.flags & SF_FRAME_CSUM_PARTIAL) ||
             f->meta.gso_type != SF_FRAME_GSO_NONE) {
    goto drop; /* nobody would finish it */
  }
  iov[niov++] = (struct iovec){f->data + skip, f->len - skip};
  ssize_t r;
  do
    r = writev(t->fd, iov, niov);
  while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
  if (r < 0)
    goto drop; /* EIO (device down), EINVAL (bad vnet header), ... */
  t->link.stats.tx_frames++;
  t->link.stats.tx_bytes += f->len;
  return 1;
drop:
  t->link.stats.tx_dropped++;
  return 1;
}

static int tap_send(struct sf_link *link, const struct sf_frame *frames,
                    size_t n, sf_time_t now) {
  struct tap_link *t = to_tap(link);
  (void)now;
  int err = sf__link_check_batch(frames, &n);
  if (err)
    return err;
  size_t i = 0;
  while (i < n && tap_send_one(t, &frames[i]))
    i++;
  return i || !n ? (int)i : SF_EAGAIN;
}

/* ------------------------------------------------------------- receive */

/* Reads one frame into f. Returns 1, 0 (nothing ready) or SF_E*. */
static int tap_recv_one(struct tap_link *t, struct sf_frame *f) {
  struct virtio_net_hdr vh;
  struct iovec iov[2];
  int niov = 0;
  size_t off = t->tun ? ETH_LEN : 0;
  uint8_t *buf = f->data;
  size_t cap = f->cap;
  if (t->tun && cap < ETH_LEN + 1) { /* read into scratch, then cut */
    buf = t->scratch;
    cap = SF_LINK_MAX_RX_FRAME;
  }
  if (t->vnet)
    iov[niov++] = (struct iovec){&vh, VNET_LEN};
  iov[niov++] = (struct iovec){buf + off, cap - off};
  ssize_t r;
  do
    r = readv(t->fd, iov, niov);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK
               ? 0
               : sf_translate_sys_error(errno);
  size_t hl = t->vnet ? VNET_LEN : 0;
  size_t wire = ((size_t)r > hl ? (size_t)r - hl : 0) + off;
  memset(&f->meta, 0, sizeof(f->meta));
  if (t->vnet)
    sf__link_vnet_to_meta(&vh, (unsigned)off, &f->meta);
  if (t->tun) { /* the synthetic header (tap.h) */
    uint16_t type = wire > off && (buf[off] >> 4) == 6 ? SF_ETHERTYPE_IPV6
                                                      : SF_ETHERTYPE_IPV4;
    memcpy(buf, t->mac, 6);
    memcpy(buf + 6, tun_peer_mac, 6);
    buf[12] = (uint8_t)(type >> 8);
    buf[13] = (uint8_t)type;
  }
  f->len = wire < f->cap ? wire : f->cap;
  if (buf != f->data)
    memcpy(f->data, buf, f->len);
  t->link.stats.rx_frames++;
  t->link.stats.rx_bytes += wire;
  if (wire > f->len)
    t->link.stats.rx_truncated++;
  return 1;
}

static int tap_recv(struct sf_link *link, struct sf_frame *frames, size_t n,
                    sf_time_t now) {
  struct tap_link *t = to_tap(link);
  (void)now;
  int err = sf__link_check_batch(frames, &n);
  if (err)
    return err;
  size_t got = 0;
  while (got < n && t->narp) { /* faked ARP replies first */
    struct sf_frame *f = &frames[got++];
    f->len = ARP_FRAME_LEN < f->cap ? ARP_FRAME_LEN : f->cap;
    memcpy(f->data, t->arp[0], f->len);
    memset(&f->meta, 0, sizeof(f->meta));
    memmove(t->arp[0], t->arp[1], --t->narp * sizeof(t->arp[0]));
    link->stats.rx_frames++;
    link->stats.rx_bytes += ARP_FRAME_LEN;
  }
  sf__link_wake_set(&t->wake, t->narp > 0);
  while (got < n) {
    int r = tap_recv_one(t, &frames[got]);
    if (r < 0)
      return got ? (int)got : r;
    if (r == 0)
      break;
    got++;
  }
  return (int)got;
}

/* ------------------------------------------------------------ the rest */

static sf_time_t tap_next_deadline(struct sf_link *link) {
  (void)link;
  return SF_TIME_NEVER;
}

static int tap_poll(struct sf_link *link, sf_time_t now) {
  (void)link;
  (void)now;
  return 0;
}

static int tap_fd(struct sf_link *link) {
  struct tap_link *t = to_tap(link);
  return t->tun ? t->wake.pfd : t->fd;
}

/* Asked each time: the kernel side may change the MTU at any moment. */
static unsigned tap_mtu(struct sf_link *link) {
  struct tap_link *t = to_tap(link);
  struct ifreq ifr;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset(&ifr, 0, sizeof(ifr));
  memcpy(ifr.ifr_name, t->name, sizeof(ifr.ifr_name));
  if (s >= 0 && !ioctl(s, SIOCGIFMTU, &ifr) && ifr.ifr_mtu > 0)
    t->mtu = (unsigned)ifr.ifr_mtu;
  if (s >= 0)
    close(s);
  return t->mtu;
}

static void tap_hwaddr(struct sf_link *link, uint8_t mac[6]) {
  memcpy(mac, to_tap(link)->mac, 6);
}

static void tap_free(struct tap_link *t) {
  if (t->fd >= 0)
    close(t->fd); /* a device we created goes away with it */
  sf__link_wake_close(&t->wake);
  free(t->scratch);
  free(t);
}

static void tap_close(struct sf_link *link) { tap_free(to_tap(link)); }

static const struct sf_link_ops tap_ops = {
    .send = tap_send,
    .recv = tap_recv,
    .next_deadline = tap_next_deadline,
    .poll = tap_poll,
    .fd = tap_fd,
    .mtu = tap_mtu,
    .hwaddr = tap_hwaddr,
    .close = tap_close,
};

const char *sf__link_tap_name(struct sf_link *link) {
  return to_tap(link)->name;
}

/* --------------------------------------------------------------- open */

static int tap_attach(struct tap_link *t, const struct sf_tap_link_config *c) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = (short)((t->tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI |
                          (t->vnet ? IFF_VNET_HDR : 0));
  if (c->ifname)
    memcpy(ifr.ifr_name, c->ifname, strlen(c->ifname));
  if (ioctl(t->fd, TUNSETIFF, &ifr))
    return sf_translate_sys_error(errno);
  memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
  t->name[IFNAMSIZ - 1] = 0;
  if (t->vnet) {
    int sz = (int)VNET_LEN;
    unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
    if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) ||
        ioctl(t->fd, TUNSETOFFLOAD, off))
      return sf_translate_sys_error(errno);
  }
  return 0;
}

static int tap_set_mac(struct tap_link *t, const uint8_t mac[6]) {
  static const uint8_t zero[6];
  if (memcmp(mac, zero, 6)) {
    memcpy(t->mac, mac, 6);
    return 0;
  }
  if (getrandom(t->mac, 6, 0) != 6)
    return SF_EIO;
  t->mac[0] = (uint8_t)((t->mac[0] & 0xfe) | 0x02); /* local, unicast */
  return 0;
}

int sf__link_tap_open(const struct sf_tap_link_config *cfg,
                      struct sf_link **out) {
  if (!out)
    return SF_EINVAL;
  *out = NULL;
  if (!cfg || (cfg->mode != SF_TAP_MODE_TAP && cfg->mode != SF_TAP_MODE_TUN) ||
      (cfg->ifname && strlen(cfg->ifname) >= IFNAMSIZ) ||
      (cfg->flags & ~SF_TAP_VNET_HDR))
    return SF_EINVAL;
  struct tap_link *t = calloc(1, sizeof(*t));
  if (!t)
    return SF_ENOMEM;
  t->link.ops = &tap_ops;
  t->link.kind = cfg->mode == SF_TAP_MODE_TUN ? "tun" : "tap";
  t->wake = SF_LINK_WAKE_NONE;
  t->tun = cfg->mode == SF_TAP_MODE_TUN;
  t->vnet = (cfg->flags & SF_TAP_VNET_HDR) != 0;
  t->mtu = 1500;
  if (t->vnet)
    t->link.max_rx_frame = SF_LINK_MAX_RX_FRAME;
  t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  int err = t->fd < 0 ? sf_translate_sys_error(errno) : 0;
  if (!err && t->tun && !(t->scratch = malloc(SF_LINK_MAX_RX_FRAME)))
    err = SF_ENOMEM;
  if (!err)
    err = tap_attach(t, cfg);
  if (!err && t->tun) /* attached: a detached tun fd has no wait queue */
    err = sf__link_wake_open(&t->wake, t->fd);
  if (!err)
    err = tap_set_mac(t, cfg->mac);
  if (err) {
    tap_free(t);
    return err;
  }
  (void)tap_mtu(&t->link);
  *out = &t->link;
  return 0;
}
