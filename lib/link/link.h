/*
 * The link interface: what every link driver offers the layers above.
 *
 * A link moves whole Ethernet frames (without FCS) and nothing else. The
 * engine above it is sans-I/O; the reactor shell calls these operations
 * with the current time. A driver that needs no clock ignores `now`; the
 * in-memory pair and the fault-injecting middleware use it, so a test with
 * a virtual clock replays exactly.
 *
 * Entry points: each driver has an open function of its own (memory.h,
 * fault.h, pcap.h, packet.h, tap.h); after that, everything goes through
 * sf_link_ops via the inline wrappers below. The frame and its metadata
 * are base/frame.h's. Drivers in this directory:
 *   memory.c  an in-memory pair joining two stacks in one process
 *   fault.c   middleware: seeded loss, duplication, reordering, delay,
 *             corruption and rate limits, wrapping any link
 *   pcap.c    a pcap file writer, and middleware that tees a link into it
 *   packet.c  a Linux AF_PACKET socket bound to one interface
 *   tap.c     a Linux TAP or TUN device (TUN gets a synthetic Ethernet
 *             header, so the layers above always see Ethernet)
 */
#ifndef SF_LINK_LINK_H
#define SF_LINK_LINK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/frame.h"
#include "base/time.h"

/* Counters every link keeps; middleware adds its own (fault.h). */
struct sf_link_stats {
  uint64_t tx_frames;
  uint64_t tx_bytes;
  uint64_t rx_frames;
  uint64_t rx_bytes;
  uint64_t tx_dropped; /* queue full, oversized, or the peer is gone */
  uint64_t rx_truncated; /* frame longer than the receive buffer */
};

/* A frame is its link's MTU of payload plus the Ethernet header (no FCS). */
#define SF_LINK_FRAME_OVERHEAD 14u

static inline size_t sf__link_max_frame(unsigned mtu) {
  return (size_t)mtu + SF_LINK_FRAME_OVERHEAD;
}

/* The largest frame a driver with offloads may receive: a 64 KiB IP
 * super-frame plus an Ethernet header with one VLAN tag. */
#define SF_LINK_MAX_RX_FRAME (65536u + SF_LINK_FRAME_OVERHEAD + 4u)

/*
 * The argument check every send and recv makes: frames may be NULL only
 * when n is 0, and since both return a count as int, a batch is cut to
 * INT_MAX frames. Returns 0 or SF_EINVAL.
 */
static inline int sf__link_check_batch(const struct sf_frame *frames,
                                       size_t *n) {
  if (*n && !frames)
    return SF_EINVAL;
  if (*n > INT_MAX)
    *n = INT_MAX;
  return 0;
}

struct sf_link;

struct sf_link_ops {
  /*
   * Sends n frames. Returns the number taken (the link copied them; a
   * frame it had to drop still counts as taken, and as tx_dropped), or a
   * negative SF_E* code when it took none (SF_EAGAIN: try again when the
   * fd is writable).
   */
  int (*send)(struct sf_link *link, const struct sf_frame *frames, size_t n,
              sf_time_t now);
  /*
   * Receives up to n frames ready at time now into the caller's buffers.
   * Returns the number received (0: nothing ready) or a negative SF_E*
   * code. A frame longer than its buffer is truncated to cap and counted
   * as rx_truncated.
   */
  int (*recv)(struct sf_link *link, struct sf_frame *frames, size_t n,
              sf_time_t now);
  /*
   * Optional (NULL in a link that always copies): receives like recv, but
   * may lend a frame instead of copying it, pointing its data at the
   * link's own memory (a ring slot) with cap equal to len. On entry every
   * frames[i] gives a buffer, as for recv; the link copies into it what
   * it cannot lend. A lent frame stays valid and unchanged until
   * recv_done, which must come before the next recv or recv_lend on the
   * link and before close: the slot is the link's (or the kernel's) to
   * fill again once given back, so the caller must copy what it keeps.
   */
  int (*recv_lend)(struct sf_link *link, struct sf_frame *frames, size_t n,
                   sf_time_t now);
  /* Gives back every frame the last recv_lend lent (NULL with recv_lend). */
  void (*recv_done)(struct sf_link *link);
  /*
   * The earliest time at which the link has timed work to do (a delayed
   * frame to release), or SF_TIME_NEVER. The reactor wakes then and calls
   * poll; frames that poll makes ready must make fd readable, since the
   * reactor receives only when fd is.
   */
  sf_time_t (*next_deadline)(struct sf_link *link);
  /* Does the timed work due at now (releases delayed transmissions). */
  int (*poll)(struct sf_link *link, sf_time_t now);
  /* A file descriptor that becomes readable when recv may return frames,
   * or -1 when the link has none (the caller then polls it). */
  int (*fd)(struct sf_link *link);
  /* The largest frame payload (IP packet) the link carries, e.g. 1500. */
  unsigned (*mtu)(struct sf_link *link);
  /* The link's Ethernet address. */
  void (*hwaddr)(struct sf_link *link, uint8_t mac[6]);
  /* Closes the link and frees it (and whatever it wraps). */
  void (*close)(struct sf_link *link);
};

struct sf_link {
  const struct sf_link_ops *ops;
  const char *kind; /* "memory", "fault", "pcap", ... */
  struct sf_link_stats stats;
  /* The largest frame recv may return, when larger than mtu + 14 (a link
   * with offloads hands up 64 KiB super-frames); 0 means mtu + 14. */
  size_t max_rx_frame;
  /* SF_LINK_TX_* (base/frame.h): what send can finish for the layers
   * above. */
  unsigned tx_offload;
};

static inline int sf__link_send(struct sf_link *l, const struct sf_frame *f,
                                size_t n, sf_time_t now) {
  return l->ops->send(l, f, n, now);
}
static inline int sf__link_recv(struct sf_link *l, struct sf_frame *f,
                                size_t n, sf_time_t now) {
  return l->ops->recv(l, f, n, now);
}
/*
 * recv_lend where the link has it, else recv into the caller's buffers:
 * the caller treats every frame as lent and calls sf__link_recv_done
 * when it is through with the batch, whatever the link.
 */
static inline int sf__link_recv_lend(struct sf_link *l, struct sf_frame *f,
                                     size_t n, sf_time_t now) {
  return l->ops->recv_lend ? l->ops->recv_lend(l, f, n, now)
                           : l->ops->recv(l, f, n, now);
}
static inline void sf__link_recv_done(struct sf_link *l) {
  if (l->ops->recv_done)
    l->ops->recv_done(l);
}
static inline sf_time_t sf__link_next_deadline(struct sf_link *l) {
  return l->ops->next_deadline(l);
}
static inline int sf__link_poll(struct sf_link *l, sf_time_t now) {
  return l->ops->poll(l, now);
}
static inline int sf__link_fd(struct sf_link *l) { return l->ops->fd(l); }
static inline unsigned sf__link_mtu(struct sf_link *l) {
  return l->ops->mtu(l);
}
static inline void sf__link_hwaddr(struct sf_link *l, uint8_t mac[6]) {
  l->ops->hwaddr(l, mac);
}
/* The receive buffer size that never truncates a frame of this link. */
static inline size_t sf__link_max_rx_frame(struct sf_link *l) {
  return l->max_rx_frame ? l->max_rx_frame
                         : sf__link_max_frame(l->ops->mtu(l));
}
static inline void sf__link_close(struct sf_link *l) {
  if (l)
    l->ops->close(l);
}

#endif /* SF_LINK_LINK_H */
