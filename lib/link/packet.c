/*
 * The AF_PACKET link driver (packet.h).
 *
 * Map:
 *   sf__link_packet_open  socket, options, optional ring, bind, promisc
 *   pkt_send              sendmmsg in batches; vnet header first
 *   pkt_recv              recvmmsg (rx_mmsg), the TPACKET_V3 ring
 *                         (rx_ring) or the TPACKET_V2 ring (rx_slots,
 *                         copying); all skip our own outgoing frames
 *   pkt_recv_lend/_done   the V2 ring's slots lent in place
 *   sf__link_vnet_to_meta / sf__link_meta_to_vnet  virtio_net_hdr codec
 * The iovec and mmsghdr arrays are allocated once at open, `batch` long,
 * so a steady flow of frames never calls malloc.
 */
#include "config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "base/error.h"
#include "link/packet.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

#define VNET_LEN sizeof(struct virtio_net_hdr)

struct pkt_link {
  struct sf_link link; /* first, so a struct sf_link * converts back */
  struct sf_packet_stats pst;
  int fd;
  int ifindex;
  unsigned mtu;
  uint8_t mac[6];
  bool vnet;
  bool promisc;
  unsigned batch;
  /* recvmmsg / sendmmsg state: per message a vnet header slot, two
   * iovecs (header, frame) and the sender's address. */
  struct mmsghdr *msgs;
  struct iovec *iov;
  struct virtio_net_hdr *vh;
  struct sockaddr_ll *from;
  /* The TPACKET_V3 or V2 ring, when rx_method asks for one. */
  int rx_method;
  uint8_t *ring;
  size_t ring_len;
  unsigned block_size;
  unsigned block_count;
  unsigned block; /* the block we are reading */
  uint32_t pkt_left; /* packets of that block not yet read */
  uint8_t *pkt; /* the next packet in that block */
  /* V2: slot i is at ring + i * frame_size. */
  unsigned frame_size;
  unsigned frame_count;
  unsigned slot; /* the next slot to read */
  unsigned lent; /* slots read and not yet given back (those before slot) */
};

static const struct sf_link_ops pkt_ops;

static struct pkt_link *to_pkt(struct sf_link *link) {
  return (struct pkt_link *)link;
}

/* ------------------------------------------------------ vnet header codec */

/* Packet sockets and TAP (without TUNSETVNETLE) use little-endian
 * virtio headers on every Linux host synfin supports (x86, arm64). */
static uint16_t le16(uint16_t v) { return le16toh(v); }

void sf__link_vnet_to_meta(const void *hdr, unsigned base,
                           struct sf_frame_meta *meta) {
  struct virtio_net_hdr h;
  memcpy(&h, hdr, sizeof(h));
  memset(meta, 0, sizeof(*meta));
  if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    meta->flags |= SF_FRAME_CSUM_PARTIAL;
    meta->csum_start = (uint16_t)(le16(h.csum_start) + base);
    meta->csum_offset = le16(h.csum_offset);
  }
  if (h.flags & VIRTIO_NET_HDR_F_DATA_VALID)
    meta->flags |= SF_FRAME_CSUM_VERIFIED;
  if ((h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE) {
    meta->gso_type = h.gso_type; /* SF_FRAME_GSO_* has virtio's values */
    meta->gso_size = le16(h.gso_size);
  }
}

int sf__link_meta_to_vnet(const struct sf_frame_meta *meta, unsigned base,
                          void *hdr) {
  struct virtio_net_hdr h;
  memset(&h, 0, sizeof(h));
  if (meta->flags & SF_FRAME_CSUM_PARTIAL) {
    if (meta->csum_start < base)
      return SF_EINVAL;
    h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    h.csum_start = htole16((uint16_t)(meta->csum_start - base));
    h.csum_offset = htole16(meta->csum_offset);
  }
  if (meta->gso_type != SF_FRAME_GSO_NONE) {
    h.gso_type = meta->gso_type;
    h.gso_size = htole16(meta->gso_size);
  }
  memcpy(hdr, &h, sizeof(h));
  return 0;
}

static bool meta_is_plain(const struct sf_frame_meta *m) {
  return !(m->flags & SF_FRAME_CSUM_PARTIAL) &&
         m->gso_type == SF_FRAME_GSO_NONE;
}

/* ---------------------------------------------------------------- send */

/* Fills message i for frame f; returns false when f must be dropped. */
static bool tx_prepare(struct pkt_link *p, size_t i, const struct sf_frame *f) {
  struct iovec *iov = &p->iov[2 * i];
  size_t niov = 0;
  if (!f->len || !f->data)
    return false;
  if (p->vnet) {
    if (sf__link_meta_to_vnet(&f->meta, 0, &p->vh[i]))
      return false;
    iov[niov++] = (struct iovec){&p->vh[i], VNET_LEN};
  } else if (!meta_is_plain(&f->meta)) {
    return false; /* nobody would finish it */
  }
  iov[niov++] = (struct iovec){f->data, f->len};
  p->msgs[i].msg_hdr = (struct msghdr){.msg_iov = iov, .msg_iovlen = niov};
  return true;
}

/*
 * Sends frames[0..n) (n <= batch) with as few sendmmsg calls as the
 * kernel allows. Returns frames taken, or SF_EAGAIN if none was.
 */
static int tx_batch(struct pkt_link *p, const struct sf_frame *frames,
                    size_t n) {
  size_t map[SF_PACKET_MAX_BATCH]; /* message -> frame index */
  size_t nmsg = 0, done = 0;
  for (size_t i = 0; i < n; i++) {
    if (tx_prepare(p, nmsg, &frames[i]))
      map[nmsg++] = i;
    else
      p->link.stats.tx_dropped++;
  }
  while (done < nmsg) {
    int r = sendmmsg(p->fd, p->msgs + done, (unsigned)(nmsg - done), 0);
    if (r > 0) {
      for (size_t k = done; k < done + (size_t)r; k++) {
        p->link.stats.tx_frames++;
        p->link.stats.tx_bytes += frames[map[k]].len;
      }
      done += (size_t)r;
      continue;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      p->pst.tx_eagain++;
      /* Frames before map[done] were taken (sent or dropped). */
      size_t taken = map[done];
      return taken ? (int)taken : SF_EAGAIN;
    }
    if (errno == ENOBUFS)
      p->pst.tx_enobufs++;
    p->link.stats.tx_dropped++; /* EMSGSIZE, ENOBUFS, ENETDOWN, ... */
    done++;
  }
  return (int)n;
}

static int pkt_send(struct sf_link *link, const struct sf_frame *frames,
                    size_t n, sf_time_t now) {
  struct pkt_link *p = to_pkt(link);
  (void)now;
  int err = sf__link_check_batch(frames, &n);
  if (err)
    return err;
  size_t sent = 0;
  while (sent < n) {
    size_t chunk = n - sent < p->batch ? n - sent : p->batch;
    int r = tx_batch(p, frames + sent, chunk);
    if (r < 0)
      return sent ? (int)sent : r;
    sent += (size_t)r;
    if ((size_t)r < chunk)
      break; /* the socket is full */
  }
  return (int)sent;
}

/* ------------------------------------------------------------- receive */

static void count_rx(struct pkt_link *p, const struct sf_frame *f,
                     size_t wire_len) {
  p->link.stats.rx_frames++;
  p->link.stats.rx_bytes += wire_len;
  if (wire_len > f->len)
    p->link.stats.rx_truncated++;
  if (f->meta.flags & SF_FRAME_CSUM_PARTIAL)
    p->pst.rx_csum_partial++;
  if (f->meta.gso_type != SF_FRAME_GSO_NONE)
    p->pst.rx_gso++;
}

/*
 * One recvmmsg call into frames[0..n). Returns the frames kept (our own
 * outgoing frames are dropped from the batch) or an SF_E* code; *read
 * says how many the kernel handed over (0: nothing was ready).
 */
static int rx_mmsg_once(struct pkt_link *p, struct sf_frame *frames, size_t n,
                        size_t *read) {
  for (size_t i = 0; i < n; i++) {
    struct iovec *iov = &p->iov[2 * i];
    size_t niov = 0;
    if (p->vnet)
      iov[niov++] = (struct iovec){&p->vh[i], VNET_LEN};
    iov[niov++] = (struct iovec){frames[i].data, frames[i].cap};
    p->msgs[i].msg_hdr = (struct msghdr){.msg_name = &p->from[i],
                                         .msg_namelen = sizeof(p->from[i]),
                                         .msg_iov = iov,
                                         .msg_iovlen = niov};
  }
  int r;
  do /* MSG_TRUNC: msg_len is the frame's real length */
    r = recvmmsg(p->fd, p->msgs, (unsigned)n, MSG_TRUNC | MSG_DONTWAIT, NULL);
  while (r < 0 && errno == EINTR);
  *read = r > 0 ? (size_t)r : 0;
  if (r < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK
               ? 0
               : sf_translate_sys_error(errno);
  size_t kept = 0, hl = p->vnet ? VNET_LEN : 0;
  for (size_t i = 0; i < (size_t)r; i++) {
    if (p->from[i].sll_pkttype == PACKET_OUTGOING) {
      p->pst.rx_outgoing_skipped++; /* kernels before 4.20 send them */
      continue;
    }
    size_t wire = p->msgs[i].msg_len >= hl ? p->msgs[i].msg_len - hl : 0;
    struct sf_frame *f = &frames[kept];
    size_t have = wire < frames[i].cap ? wire : frames[i].cap;
    if (kept != i) { /* compact: the bytes sit in frames[i]'s buffer */
      have = have < f->cap ? have : f->cap;
      memmove(f->data, frames[i].data, have);
    }
    f->len = have;
    memset(&f->meta, 0, sizeof(f->meta));
    if (p->vnet)
      sf__link_vnet_to_meta(&p->vh[i], 0, &f->meta);
    count_rx(p, f, wire);
    kept++;
  }
  return (int)kept;
}

static int rx_mmsg(struct pkt_link *p, struct sf_frame *frames, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t chunk = n - got < p->batch ? n - got : p->batch, read;
    int r = rx_mmsg_once(p, frames + got, chunk, &read);
    if (r < 0)
      return got ? (int)got : r;
    got += (size_t)r;
    if (read < chunk)
      break; /* the socket is drained */
  }
  return (int)got;
}

/*
 * Without a vnet header, a ring frame only says "checksum not ready"
 * (TP_STATUS_CSUMNOTREADY); the offsets are those Linux uses for IPv4
 * TCP and UDP: the transport header, and the checksum field 16 (TCP) or
 * 6 (UDP) bytes into it. Anything else stays plain.
 */
static void meta_from_headers(const uint8_t *f, size_t len,
                              struct sf_frame_meta *m) {
  if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
    return;
  unsigned ihl = (f[14] & 0x0fu) * 4u;
  unsigned proto = f[14 + 9];
  if (ihl < 20 || (proto != 6 && proto != 17))
    return;
  m->flags |= SF_FRAME_CSUM_PARTIAL;
  m->csum_start = (uint16_t)(14 + ihl);
  m->csum_offset = proto == 6 ? 16 : 6;
}

static struct tpacket_block_desc *ring_block(struct pkt_link *p, unsigned b) {
  return (struct tpacket_block_desc *)(p->ring + (size_t)b * p->block_size);
}

/* Hands the current block back to the kernel and moves to the next. */
static void ring_release(struct pkt_link *p) {
  struct tpacket_block_desc *bd = ring_block(p, p->block);
  __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                   __ATOMIC_RELEASE);
  p->block = (p->block + 1) % p->block_count;
  p->pkt = NULL;
}

/* The next packet of the ring, or NULL when no block is ready. */
static struct tpacket3_hdr *ring_next(struct pkt_link *p) {
  while (!p->pkt) {
    struct tpacket_block_desc *bd = ring_block(p, p->block);
    uint32_t st = __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
    if (!(st & TP_STATUS_USER))
      return NULL;
    p->pkt_left = bd->hdr.bh1.num_pkts;
    if (!p->pkt_left) {
      ring_release(p);
      continue;
    }
    p->pkt = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
  }
  return (struct tpacket3_hdr *)p->pkt;
}

static void ring_advance(struct pkt_link *p, const struct tpacket3_hdr *h) {
  if (--p->pkt_left)
    p->pkt += h->tp_next_offset;
  else
    ring_release(p);
}

/* What a ring packet of either version says of itself. */
struct ring_pkt {
  uint8_t *data; /* its MAC header, in the ring */
  size_t snaplen; /* bytes in the ring */
  size_t wire_len; /* bytes on the wire */
  uint32_t status; /* tp_status */
};

/*
 * Delivers ring packet k into f with its metadata: lent (f points into
 * the ring) or copied into f's buffer.
 */
static void ring_deliver(struct pkt_link *p, const struct ring_pkt *k,
                         struct sf_frame *f, bool lend) {
  if (lend) {
    f->data = k->data;
    f->len = f->cap = k->snaplen;
  } else {
    f->len = k->snaplen < f->cap ? k->snaplen : f->cap;
    memcpy(f->data, k->data, f->len);
  }
  memset(&f->meta, 0, sizeof(f->meta));
  if (p->vnet) {
    sf__link_vnet_to_meta(k->data - VNET_LEN, 0, &f->meta);
  } else {
    if (k->status & TP_STATUS_CSUMNOTREADY)
      meta_from_headers(f->data, f->len, &f->meta);
    if (k->status & TP_STATUS_CSUM_VALID)
      f->meta.flags |= SF_FRAME_CSUM_VERIFIED;
  }
  count_rx(p, f, k->wire_len);
}

/* Both ring versions put the sender's address after the header. */
static bool ring_outgoing(const void *hdr, size_t hdr_size) {
  const struct sockaddr_ll *sll =
      (const void *)((const uint8_t *)hdr + TPACKET_ALIGN(hdr_size));
  return sll->sll_pkttype == PACKET_OUTGOING;
}

static int rx_ring(struct pkt_link *p, struct sf_frame *frames, size_t n) {
  size_t got = 0;
  struct tpacket3_hdr *h;
  while (got < n && (h = ring_next(p)) != NULL) {
    if (ring_outgoing(h, sizeof(*h))) {
      p->pst.rx_outgoing_skipped++;
    } else {
      struct ring_pkt k = {(uint8_t *)h + h->tp_mac, h->tp_snaplen, h->tp_len,
                           h->tp_status};
      ring_deliver(p, &k, &frames[got++], false);
    }
    ring_advance(p, h);
  }
  return (int)got;
}

/* ------------------------------------------------- the TPACKET_V2 ring */

static struct tpacket2_hdr *slot_at(struct pkt_link *p, unsigned i) {
  return (struct tpacket2_hdr *)(p->ring + (size_t)i * p->frame_size);
}

/* The next slot if the kernel has filled it, else NULL. The kernel fills
 * slots in order and never skips one we hold, so order is kept. */
static struct tpacket2_hdr *slot_ready(struct pkt_link *p) {
  if (p->lent == p->frame_count)
    return NULL;
  struct tpacket2_hdr *h = slot_at(p, p->slot);
  uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
  return st & TP_STATUS_USER ? h : NULL;
}

/*
 * A frame too big for its slot (TP_STATUS_COPY) waits whole on the
 * socket's queue: read it into f's buffer. Returns false when it is not
 * there (the slot's truncated copy is all there is).
 */
static bool slot_read_whole(struct pkt_link *p, struct sf_frame *f) {
  size_t read;
  return rx_mmsg_once(p, f, 1, &read) == 1;
}

/* Reads up to n slots into frames[], lending or copying; every slot read
 * stays ours until slots_give_back. */
static int rx_slots(struct pkt_link *p, struct sf_frame *frames, size_t n,
                    bool lend) {
  size_t got = 0;
  struct tpacket2_hdr *h;
  while (got < n && (h = slot_ready(p)) != NULL) {
    p->slot = (p->slot + 1) % p->frame_count;
    p->lent++;
    if (ring_outgoing(h, sizeof(*h))) {
      p->pst.rx_outgoing_skipped++;
      if (h->tp_status & TP_STATUS_COPY) /* keep the queue in step */
        (void)slot_read_whole(p, &frames[got]);
      continue;
    }
    if ((h->tp_status & TP_STATUS_COPY) && slot_read_whole(p, &frames[got])) {
      got++;
      continue;
    }
    struct ring_pkt k = {(uint8_t *)h + h->tp_mac, h->tp_snaplen, h->tp_len,
                         h->tp_status};
    ring_deliver(p, &k, &frames[got++], lend);
  }
  return (int)got;
}

/* Hands every slot read since the last call back to the kernel. */
static void slots_give_back(struct pkt_link *p) {
  for (; p->lent; p->lent--) {
    unsigned i = (p->slot + p->frame_count - p->lent) % p->frame_count;
    __atomic_store_n(&slot_at(p, i)->tp_status, TP_STATUS_KERNEL,
                     __ATOMIC_RELEASE);
  }
}

/* Every receive starts here: the batch check, and no receive while
 * slots are lent (the last batch was not given back). */
static int recv_check(const struct pkt_link *p, const struct sf_frame *frames,
                      size_t *n) {
  int err = sf__link_check_batch(frames, n);
  return err ? err : p->lent ? SF_EINVAL : 0;
}

static int pkt_recv(struct sf_link *link, struct sf_frame *frames, size_t n,
                    sf_time_t now) {
  struct pkt_link *p = to_pkt(link);
  (void)now;
  int err = recv_check(p, frames, &n);
  if (err)
    return err;
  if (p->rx_method == SF_PACKET_RX_RING_V2) {
    int r = rx_slots(p, frames, n, false);
    slots_give_back(p);
    return r;
  }
  return p->ring ? rx_ring(p, frames, n) : rx_mmsg(p, frames, n);
}

/* Only the V2 ring lends; the other methods copy. */
static int pkt_recv_lend(struct sf_link *link, struct sf_frame *frames,
                         size_t n, sf_time_t now) {
  struct pkt_link *p = to_pkt(link);
  if (p->rx_method != SF_PACKET_RX_RING_V2)
    return pkt_recv(link, frames, n, now);
  int err = recv_check(p, frames, &n);
  return err ? err : rx_slots(p, frames, n, true);
}

static void pkt_recv_done(struct sf_link *link) {
  slots_give_back(to_pkt(link));
}

/* ------------------------------------------------------------ the rest */

static sf_time_t pkt_next_deadline(struct sf_link *link) {
  (void)link;
  return SF_TIME_NEVER;
}

static int pkt_poll(struct sf_link *link, sf_time_t now) {
  (void)link;
  (void)now;
  return 0;
}

static int pkt_fd(struct sf_link *link) { return to_pkt(link)->fd; }

static unsigned pkt_mtu(struct sf_link *link) { return to_pkt(link)->mtu; }

static void pkt_hwaddr(struct sf_link *link, uint8_t mac[6]) {
  memcpy(mac, to_pkt(link)->mac, 6);
}

static void pkt_free(struct pkt_link *p) {
  if (p->ring)
    munmap(p->ring, p->ring_len);
  if (p->fd >= 0)
    close(p->fd); /* also drops the promiscuous membership */
  free(p->msgs);
  free(p->iov);
  free(p->vh);
  free(p->from);
  free(p);
}

static void pkt_close(struct sf_link *link) { pkt_free(to_pkt(link)); }

static const struct sf_link_ops pkt_ops = {
    .send = pkt_send,
    .recv = pkt_recv,
    .recv_lend = pkt_recv_lend,
    .recv_done = pkt_recv_done,
    .next_deadline = pkt_next_deadline,
    .poll = pkt_poll,
    .fd = pkt_fd,
    .mtu = pkt_mtu,
    .hwaddr = pkt_hwaddr,
    .close = pkt_close,
};

const struct sf_packet_stats *sf__link_packet_stats(struct sf_link *link) {
  struct pkt_link *p = to_pkt(link);
  if (p->ring) { /* the kernel's drop count, reset by each read */
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof(st);
    if (!getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
      p->pst.ring_drops += st.tp_drops;
  }
  return &p->pst;
}

const char *sf__link_packet_error_hint(int err) {
  if (err == SF_EPERM || err == SF_EACCES)
    return "AF_PACKET needs CAP_NET_RAW (run as root or grant the "
           "capability)";
  if (err == SF_ENODEV)
    return "no such network interface (check the name and the namespace)";
  return sf_strerror(err);
}

/* --------------------------------------------------------------- open */

static int set_int(int fd, int level, int opt, int val) {
  return setsockopt(fd, level, opt, &val, sizeof(val)) ? -errno : 0;
}

static int query_if(struct pkt_link *p, const char *ifname) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  if (strlen(ifname) >= sizeof(ifr.ifr_name))
    return SF_EINVAL;
  strcpy(ifr.ifr_name, ifname);
  if (ioctl(p->fd, SIOCGIFINDEX, &ifr))
    return errno == ENODEV ? SF_ENODEV : sf_translate_sys_error(errno);
  p->ifindex = ifr.ifr_ifindex;
  if (ioctl(p->fd, SIOCGIFMTU, &ifr))
    return sf_translate_sys_error(errno);
  p->mtu = (unsigned)ifr.ifr_mtu;
  if (ioctl(p->fd, SIOCGIFHWADDR, &ifr))
    return sf_translate_sys_error(errno);
  memcpy(p->mac, ifr.ifr_hwaddr.sa_data, 6);
  return 0;
}

/*
 * Asks for a receive ring of the given version and maps it. The V1/V2
 * request is the head of tpacket_req3, so one struct serves both.
 */
static int map_ring(struct pkt_link *p, int version,
                    const struct tpacket_req3 *req) {
  int err = set_int(p->fd, SOL_PACKET, PACKET_VERSION, version);
  if (err)
    return sf_translate_sys_error(-err);
  int r = setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, req, sizeof(*req));
  if (r && errno == EINVAL && p->vnet) {
    /* Kernels without vnet headers in tpacket_rcv refuse the pair; then
     * the metadata comes from tp_status (ring_deliver). */
    p->vnet = false;
    if (!set_int(p->fd, SOL_PACKET, PACKET_VNET_HDR, 0))
      r = setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, req, sizeof(*req));
  }
  if (r)
    return sf_translate_sys_error(errno);
  p->ring_len = (size_t)req->tp_block_size * req->tp_block_nr;
  void *m = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_LOCKED | MAP_POPULATE, p->fd, 0);
  if (m == MAP_FAILED) /* MAP_LOCKED may exceed RLIMIT_MEMLOCK: retry */
    m = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
  if (m == MAP_FAILED)
    return sf_translate_sys_error(errno);
  p->ring = m;
  return 0;
}

static int setup_ring_v3(struct pkt_link *p,
                         const struct sf_packet_link_config *c) {
  long page = sysconf(_SC_PAGESIZE);
  p->block_size = c->block_size ? c->block_size : SF_PACKET_DEFAULT_BLOCK_SIZE;
  p->block_count =
      c->block_count ? c->block_count : SF_PACKET_DEFAULT_BLOCK_COUNT;
  unsigned tmo = c->block_timeout_ms ? c->block_timeout_ms
                                     : SF_PACKET_DEFAULT_BLOCK_TIMEOUT_MS;
  if (page <= 0 || p->block_size % (unsigned)page ||
      p->block_size < SF_LINK_MAX_RX_FRAME + 256 || p->block_count > 4096)
    return SF_EINVAL; /* a block must hold a whole super-frame */
  struct tpacket_req3 req = {
      .tp_block_size = p->block_size,
      .tp_block_nr = p->block_count,
      .tp_frame_size = p->block_size, /* V3 packs frames: only a bound */
      .tp_frame_nr = p->block_count,
      .tp_retire_blk_tov = tmo,
  };
  return map_ring(p, TPACKET_V3, &req);
}

/* Room before a V2 slot's frame: the header, the address, alignment and
 * the vnet header (the kernel's macoff is 76 bytes with all of them). */
#define V2_SLOT_HEADROOM 128u
#define V2_MIN_FRAME_SIZE 256u
#define V2_MAX_FRAME_SIZE (1u << 20)
#define V2_BLOCK_SIZE (64u << 10) /* one allocation of the kernel's */

static unsigned pow2_at_least(size_t v) {
  unsigned p2 = V2_MIN_FRAME_SIZE;
  while (p2 < v && p2 < V2_MAX_FRAME_SIZE)
    p2 <<= 1;
  return p2;
}

/*
 * Slots are powers of two and blocks hold whole slots, so slot i sits at
 * ring + i * frame_size. Frames larger than a slot also go whole to the
 * socket's queue (PACKET_COPY_THRESH; rx_slots reads them from there).
 */
static int setup_ring_v2(struct pkt_link *p,
                         const struct sf_packet_link_config *c) {
  long page = sysconf(_SC_PAGESIZE);
  unsigned fs = c->frame_size ? c->frame_size
                              : pow2_at_least(sf__link_max_frame(p->mtu) +
                                              V2_SLOT_HEADROOM);
  if (page <= 0 || fs < V2_MIN_FRAME_SIZE || fs > V2_MAX_FRAME_SIZE ||
      (fs & (fs - 1)))
    return SF_EINVAL;
  unsigned block = fs > V2_BLOCK_SIZE ? fs : V2_BLOCK_SIZE;
  if (block % (unsigned)page)
    block = (unsigned)page; /* pages above 64 KiB: still a power of two */
  unsigned per_block = block / fs;
  size_t count = c->frame_count ? c->frame_count
                                : SF_PACKET_DEFAULT_V2_RING_BYTES / fs;
  if (count < 2 || count > (1u << 20))
    return SF_EINVAL;
  count = (count + per_block - 1) / per_block * per_block;
  int err = set_int(p->fd, SOL_PACKET, PACKET_COPY_THRESH, 1);
  if (!err && !c->rcvbuf) /* the queue the super-frames go through */
    err = set_int(p->fd, SOL_SOCKET, SO_RCVBUF, SF_PACKET_V2_DEFAULT_RCVBUF);
  if (err)
    return sf_translate_sys_error(-err);
  struct tpacket_req3 req = {
      .tp_block_size = block,
      .tp_block_nr = (unsigned)(count / per_block),
      .tp_frame_size = fs,
      .tp_frame_nr = (unsigned)count,
  };
  p->frame_size = fs;
  p->frame_count = (unsigned)count;
  return map_ring(p, TPACKET_V2, &req);
}

static int mac_is_zero(const uint8_t mac[6]) {
  static const uint8_t zero[6];
  return memcmp(mac, zero, 6) == 0;
}

/* Socket options in the order the kernel needs them: the vnet header
 * before the ring (the kernel refuses it once a ring exists). */
static int configure(struct pkt_link *p,
                     const struct sf_packet_link_config *c) {
  int err = 0;
  if (p->vnet)
    err = set_int(p->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
  if (!err)
    (void)set_int(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
  if (!err && (c->flags & SF_PACKET_QDISC_BYPASS))
    err = set_int(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
  if (!err && c->sndbuf)
    err = set_int(p->fd, SOL_SOCKET, SO_SNDBUF, c->sndbuf);
  if (!err && c->rcvbuf)
    err = set_int(p->fd, SOL_SOCKET, SO_RCVBUF, c->rcvbuf);
  if (err)
    return sf_translate_sys_error(-err);
  if (c->rx_method == SF_PACKET_RX_RING_V3)
    return setup_ring_v3(p, c);
  if (c->rx_method == SF_PACKET_RX_RING_V2)
    return setup_ring_v2(p, c);
  return 0;
}

/* Binds to the interface for every protocol; joins promiscuous mode when
 * we answer to a MAC address that is not the interface's. */
static int attach(struct pkt_link *p, const struct sf_packet_link_config *c) {
  struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                            .sll_protocol = htons(ETH_P_ALL),
                            .sll_ifindex = p->ifindex};
  if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
    return sf_translate_sys_error(errno);
  if (mac_is_zero(c->mac))
    return 0;
  memcpy(p->mac, c->mac, 6);
  struct packet_mreq mr = {.mr_ifindex = p->ifindex,
                           .mr_type = PACKET_MR_PROMISC};
  if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)))
    return sf_translate_sys_error(errno);
  p->promisc = true;
  return 0;
}

static int alloc_batch(struct pkt_link *p) {
  p->msgs = calloc(p->batch, sizeof(*p->msgs));
  p->iov = calloc(2 * (size_t)p->batch, sizeof(*p->iov));
  p->vh = calloc(p->batch, sizeof(*p->vh));
  p->from = calloc(p->batch, sizeof(*p->from));
  return p->msgs && p->iov && p->vh && p->from ? 0 : SF_ENOMEM;
}

int sf__link_packet_open(const struct sf_packet_link_config *cfg,
                         struct sf_link **out) {
  if (!out)
    return SF_EINVAL;
  *out = NULL;
  if (!cfg || !cfg->ifname || !cfg->ifname[0] ||
      cfg->rx_method < SF_PACKET_RX_RECVMMSG ||
      cfg->rx_method > SF_PACKET_RX_RING_V2 ||
      cfg->batch > SF_PACKET_MAX_BATCH || cfg->sndbuf < 0 || cfg->rcvbuf < 0)
    return SF_EINVAL;
  struct pkt_link *p = calloc(1, sizeof(*p));
  if (!p)
    return SF_ENOMEM;
  p->link.ops = &pkt_ops;
  p->link.kind = "packet";
  p->rx_method = cfg->rx_method;
  p->link.max_rx_frame = SF_LINK_MAX_RX_FRAME;
  p->vnet = !(cfg->flags & SF_PACKET_NO_VNET_HDR);
  /* with the vnet header the kernel finishes checksums and segments */
  p->link.tx_offload = p->vnet ? SF_LINK_TX_CSUM | SF_LINK_TX_TSO : 0;
  p->batch = cfg->batch ? cfg->batch : SF_PACKET_DEFAULT_BATCH;
  /* Protocol 0: receive nothing until bound to the one interface. */
  p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = p->fd < 0 ? sf_translate_sys_error(errno) : 0;
  if (!err)
    err = query_if(p, cfg->ifname);
  if (!err)
    err = alloc_batch(p);
  if (!err)
    err = configure(p, cfg);
  if (!err)
    err = attach(p, cfg);
  if (err) {
    pkt_free(p);
    return err;
  }
  *out = &p->link;
  return 0;
}
