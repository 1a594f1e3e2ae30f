/*
 * The AF_PACKET link driver: a Linux packet socket bound to one existing
 * interface (typically one end of a veth pair in a network namespace).
 *
 * It needs CAP_NET_RAW: without it, open returns SF_EPERM and
 * sf__link_packet_error_hint() says so in words a person can act on.
 *
 * Offloads. On a veth with default offloads the kernel hands a packet
 * socket frames whose TCP/UDP checksum is unfinished, and GSO
 * super-frames of up to 64 KiB. With PACKET_VNET_HDR (the default) each
 * received frame's virtio_net_hdr fills sf_frame.meta (base/frame.h);
 * frames sent with meta set go out with a matching header, so the kernel
 * finishes the checksum and cuts the super-frame. The link's
 * max_rx_frame is SF_LINK_MAX_RX_FRAME; mtu() is the interface's MTU.
 *
 * Receive methods: recvmmsg() straight into the caller's buffers, a
 * TPACKET_V3 mmap ring (frames are copied out of the ring's blocks; a
 * partly filled block reaches us after block_timeout_ms), or a
 * TPACKET_V2 mmap ring: one slot per frame, ready as soon as the kernel
 * wrote it (no block timeout), which recv_lend (link.h) lends to the
 * caller in place until recv_done; recv copies out of it. Slots are
 * sized for the interface's MTU; a larger frame (a GSO super-frame from
 * an offloading peer) is truncated in its slot and also queued whole on
 * the socket (PACKET_COPY_THRESH), from where it is read with recvmmsg
 * into the caller's buffer, in order. The kernel queues it only while the
 * socket's receive buffer (rcvbuf, clamped to rmem_max) has room: past
 * that a super-frame arrives truncated and is dropped above
 * (rx_truncated). PACKET_VNET_HDR
 * and a TPACKET_V3 ring do combine on Linux 6.18 (the header sits just
 * before each frame's MAC header; checked by test_packet.sh). Should a
 * kernel refuse the pair (EINVAL from PACKET_RX_RING), the link drops the
 * vnet header and takes the metadata from tp_status instead:
 * TP_STATUS_CSUMNOTREADY becomes SF_FRAME_CSUM_PARTIAL with csum_start
 * and csum_offset worked out from the IPv4 and TCP/UDP headers,
 * TP_STATUS_CSUM_VALID becomes SF_FRAME_CSUM_VERIFIED, and gso_type stays
 * NONE (a super-frame is then only recognisable by its length). Without a
 * vnet header, sent frames with meta are dropped (tx_dropped).
 *
 * Transmit: sendmmsg() from the caller's buffers, optionally with
 * PACKET_QDISC_BYPASS. The socket is non-blocking: SF_EAGAIN when the
 * first frame would block; ENOBUFS (device queue full) drops that frame.
 * Our own transmissions are never received back (PACKET_IGNORE_OUTGOING,
 * and PACKET_OUTGOING frames are skipped as well).
 */
#ifndef SF_LINK_PACKET_H
#define SF_LINK_PACKET_H

#include <stdint.h>

#include "link/link.h"

#define SF_PACKET_RX_RECVMMSG 0
#define SF_PACKET_RX_RING_V3 1
#define SF_PACKET_RX_RING_V2 2

/* Bits of sf_packet_link_config.flags. */
#define SF_PACKET_NO_VNET_HDR 0x1u  /* plain frames, meta from nothing */
#define SF_PACKET_QDISC_BYPASS 0x2u /* PACKET_QDISC_BYPASS on transmit */

#define SF_PACKET_DEFAULT_BATCH 64u
#define SF_PACKET_MAX_BATCH 1024u
#define SF_PACKET_DEFAULT_BLOCK_SIZE (1u << 20) /* holds a 64 KiB frame */
#define SF_PACKET_DEFAULT_BLOCK_COUNT 8u
#define SF_PACKET_DEFAULT_BLOCK_TIMEOUT_MS 1u
/* The TPACKET_V2 ring's default size: as many slots as fit (4096 for an
 * MTU of 1500, whose slots are 2 KiB). */
#define SF_PACKET_DEFAULT_V2_RING_BYTES (8u << 20)
/* The V2 ring's rcvbuf when the config leaves it 0: the frames too big
 * for a slot wait there (a window's worth of 64 KiB super-frames). */
#define SF_PACKET_V2_DEFAULT_RCVBUF (4 << 20)

struct sf_packet_link_config {
  const char *ifname; /* required: the interface to bind to */
  /* Our Ethernet address. All zero: the interface's own. Otherwise this
   * one, and the interface is put in promiscuous mode for the socket's
   * lifetime (PACKET_MR_PROMISC), so frames to it are not filtered. */
  uint8_t mac[6];
  int rx_method;         /* SF_PACKET_RX_*, default recvmmsg */
  unsigned flags;        /* SF_PACKET_* */
  unsigned batch;        /* most frames per system call; 0: default */
  unsigned block_size;   /* ring: bytes per block (a power of two times
                            the page size); 0: default */
  unsigned block_count;  /* ring: blocks; 0: default */
  unsigned block_timeout_ms; /* ring: a partly filled block is handed up
                                after this long; 0: default */
  unsigned frame_size;   /* V2 ring: bytes per slot, a power of two from
                            256 to 1 MiB; 0: the smallest that holds an
                            MTU-sized frame and the kernel's headers */
  unsigned frame_count;  /* V2 ring: slots; 0: default ring bytes */
  int sndbuf;            /* SO_SNDBUF bytes; 0: the system default */
  int rcvbuf;            /* SO_RCVBUF bytes; 0: the system default
                            (V2 ring: SF_PACKET_V2_DEFAULT_RCVBUF) */
};

/*
 * Opens a packet link on cfg->ifname. Returns 0 and *out, or SF_EINVAL
 * (bad config), SF_ENODEV (no such interface), SF_EPERM (no
 * CAP_NET_RAW), SF_ENOMEM or another translated system error.
 */
int sf__link_packet_open(const struct sf_packet_link_config *cfg,
                         struct sf_link **out);

/*
 * A sentence for a person about an error from sf__link_packet_open:
 * for SF_EPERM "AF_PACKET needs CAP_NET_RAW (run as root or grant the
 * capability)", else sf_strerror(err). A static string.
 */
const char *sf__link_packet_error_hint(int err);

/* Counters of the packet link beyond sf_link_stats. */
struct sf_packet_stats {
  uint64_t rx_outgoing_skipped; /* our own frames seen and skipped */
  uint64_t rx_csum_partial;     /* received with an unfinished checksum */
  uint64_t rx_gso;              /* received super-frames */
  uint64_t tx_eagain;           /* sends cut short by a full socket */
  uint64_t tx_enobufs;          /* frames dropped for ENOBUFS */
  uint64_t ring_drops;          /* tp_drops reported by the ring */
};

/* The link's own counters; link must come from sf__link_packet_open. */
const struct sf_packet_stats *sf__link_packet_stats(struct sf_link *link);

/*
 * The virtio_net_hdr <-> sf_frame_meta conversions, shared with the TAP
 * driver. hdr points at a 10-byte struct virtio_net_hdr in the kernel's
 * (little-endian, for packet sockets and TAP with default settings)
 * byte order. base is added to csum_start on the way in and subtracted on
 * the way out (14 for TUN, whose offsets count from the IP header).
 * sf__link_meta_to_vnet returns SF_EINVAL for metadata that cannot be
 * expressed (csum_start below base).
 */
void sf__link_vnet_to_meta(const void *hdr, unsigned base,
                           struct sf_frame_meta *meta);
int sf__link_meta_to_vnet(const struct sf_frame_meta *meta, unsigned base,
                          void *hdr);

#endif /* SF_LINK_PACKET_H */
