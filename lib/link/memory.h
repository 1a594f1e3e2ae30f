/*
 * The in-memory link pair: two ends joined back to back in one process,
 * so two stacks (or a stack and a test) can exchange Ethernet frames
 * without a kernel. Combine with fault.h for loss, delay and the rest,
 * and with pcap.h to record the traffic.
 *
 * Each end owns a bounded receive queue of preallocated slots (no malloc
 * per frame) and an eventfd that is readable exactly while that queue is
 * non-empty, so a libev reactor can watch it like any other link. The
 * pair ignores `now`: frames arrive the moment they are sent.
 */
#ifndef SF_LINK_MEMORY_H
#define SF_LINK_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

#define SF_MEMORY_LINK_DEFAULT_MTU 1500u
#define SF_MEMORY_LINK_DEFAULT_QUEUE 256u
/* The bounds sf__link_memory_pair accepts. */
#define SF_MEMORY_LINK_MIN_MTU 68u /* RFC 791: every host takes 68 */
#define SF_MEMORY_LINK_MAX_MTU (65535u - SF_LINK_FRAME_OVERHEAD) /* a frame fits pcap's snaplen */
#define SF_MEMORY_LINK_MAX_QUEUE 65536u

/*
 * Zero in any field means its default, so `{0}` (or a NULL config) gives
 * a 1500-byte MTU, 256-frame queues and the locally administered
 * addresses 02:00:00:00:00:01 (end a) and 02:00:00:00:00:02 (end b).
 */
struct sf_memory_link_config {
  unsigned mtu;         /* largest IP packet; frames may be mtu + 14 */
  size_t queue_frames;  /* receive queue capacity of each end, in frames */
  uint8_t mac_a[6];     /* all zero: 02:00:00:00:00:01 */
  uint8_t mac_b[6];     /* all zero: 02:00:00:00:00:02 */
};

/*
 * Creates a joined pair of links (kind "memory"). cfg may be NULL; it is
 * not kept. On success stores both ends and returns 0; on failure stores
 * NULL in both and returns SF_EINVAL (a field out of the bounds above),
 * SF_ENOMEM, or the code for eventfd's errno (e.g. SF_EMFILE).
 *
 * Behaviour of each end:
 *   send  copies every frame into the peer's receive queue and returns n
 *         (never SF_EAGAIN). A frame longer than mtu + 14 bytes, a frame
 *         arriving at a full queue, and every frame after the peer was
 *         closed are dropped and counted in the sender's tx_dropped;
 *         tx_frames/tx_bytes count the frames that reached the queue.
 *   recv  pops frames in the order they were sent into the caller's
 *         buffers; a frame longer than a buffer's cap is cut to cap and
 *         counted in rx_truncated (rx_bytes counts the full length).
 *         Frames already queued can still be read after the peer closed.
 *   recv_lend  lends the frames in their queue slots instead (link.h);
 *         a lent frame's slot stays taken, counting against the queue's
 *         capacity, until recv_done. recv or recv_lend while frames are
 *         lent returns SF_EINVAL.
 *   fd    the end's eventfd (EFD_NONBLOCK|EFD_CLOEXEC), owned by the link:
 *         readable iff its receive queue holds frames not yet read.
 *   next_deadline is always SF_TIME_NEVER and poll does nothing.
 *   close frees this end only; the other end stays valid until its own
 *         close, and its sends are dropped from then on.
 */
int sf__link_memory_pair(const struct sf_memory_link_config *cfg,
                         struct sf_link **a, struct sf_link **b);

#endif /* SF_LINK_MEMORY_H */
