/*
 * A frame and the metadata that travels with it, between the link drivers
 * and the layers above them. A frame is a whole Ethernet frame without
 * FCS. Each driver states what it knows of a frame's checksums in its
 * metadata (and what it can finish on send in its link's tx_offload);
 * the IP layer decides from that what it verifies.
 */
#ifndef SF_BASE_FRAME_H
#define SF_BASE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Offload metadata of one frame, as Linux's virtio_net_hdr carries it.
 * All zero means a plain frame: every checksum is complete and it is no
 * larger than mtu + 14.
 *
 * SF_FRAME_CSUM_PARTIAL: the transport checksum is unfinished. The field
 * at csum_start + csum_offset (offsets from the frame's first byte) holds
 * only the pseudo-header sum; whoever transmits the frame on a real wire
 * finishes it. On receive, the layers above must not verify that
 * checksum (the sender on this host left it to offload; the data never
 * crossed a wire). On send, the link asks the kernel to finish it.
 * SF_FRAME_CSUM_VERIFIED: the kernel (or NIC) already verified it.
 * gso_type != SF_FRAME_GSO_NONE: a super-frame of up to 64 KiB that is to
 * be cut into segments of gso_size payload bytes (a TCP super-frame also
 * has CSUM_PARTIAL).
 */
#define SF_FRAME_CSUM_PARTIAL 0x1u
#define SF_FRAME_CSUM_VERIFIED 0x2u
#define SF_FRAME_GSO_NONE 0
#define SF_FRAME_GSO_TCPV4 1
#define SF_FRAME_GSO_UDP 3
#define SF_FRAME_GSO_TCPV6 4
#define SF_FRAME_GSO_ECN 0x80 /* or-ed in: the segments carry CWR */

struct sf_frame_meta {
  unsigned flags; /* SF_FRAME_CSUM_* */
  uint16_t csum_start;
  uint16_t csum_offset;
  uint16_t gso_size;
  uint8_t gso_type; /* SF_FRAME_GSO_* */
};

/*
 * Whether a received frame's transport checksum must go unverified, from
 * its meta.flags: the sender on this host left it to offload, or the
 * kernel verified it; either way it must not be checked again.
 */
static inline bool sf__frame_csum_vouched(unsigned meta_flags) {
  return (meta_flags & (SF_FRAME_CSUM_PARTIAL | SF_FRAME_CSUM_VERIFIED)) != 0;
}

/*
 * One frame. On send, data/len describe the frame and the link copies it
 * before returning (the caller keeps ownership). On receive, the caller
 * provides data and cap; the link writes at most cap bytes and sets len
 * and meta (every driver sets meta on receive, zero for a plain frame).
 * A link that cannot carry metadata drops a sent frame that has any
 * (counted as tx_dropped) rather than put an unfinished frame on a wire.
 */
struct sf_frame {
  uint8_t *data;
  size_t len;
  size_t cap;
  struct sf_frame_meta meta;
};

/* What a link's send can finish for the layers above (its tx_offload, and
 * an interface's offload): TCP checksums (SF_FRAME_CSUM_PARTIAL on send)
 * and the split of TCPv4 GSO super-frames (gso_size) into MTU-sized
 * frames. */
#define SF_LINK_TX_CSUM 0x1u
#define SF_LINK_TX_TSO 0x2u

#endif /* SF_BASE_FRAME_H */
