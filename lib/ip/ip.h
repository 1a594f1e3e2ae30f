/*
 * The IP layer: network interfaces, their ARP caches, IPv4 input and
 * output, and ICMP. Sans-I/O like everything below the reactor: frames
 * come in through sf__ip_input, frames to send wait in each interface's
 * transmit queue until the shell takes them, and time is an argument.
 *
 * Upward, the layer reports through the callbacks in sf_ip_upcalls (TCP
 * segments for us, ICMP errors about segments we sent, next hops that
 * did not answer ARP). Downward it never calls anything: the shell drains
 * the transmit queue with sf__ip_tx_take / sf__ip_tx_release.
 *
 * Files: ip.c (the layer, its timers), netif.c (interfaces, Ethernet
 * input, tx queues), arp.c (ARP packets, resolving next hops),
 * arp_cache.c (resolution, retries, pending frames, expiry), route.c
 * (routing), ipv4_input.c (IPv4 checks and delivery), ipv4_output.c
 * (IPv4 framing and fragmentation), local.c (the loopback queue of
 * datagrams to our own addresses), reasm.c (fragment reassembly),
 * icmp_input.c (echo replies, errors quoted back to TCP); ip_internal.h
 * says how they fit together.
 */
#ifndef SF_IP_IP_H
#define SF_IP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/frame.h"
#include "base/time.h"
#include "ip/addr.h"
#include "wire/ipv4.h"

#define SF_IP_MAX_NETIFS 8

/* One interface's address configuration. Addresses are IPv4 for now. */
struct sf_netif_config {
  uint8_t mac[6];
  struct sf_addr addr;    /* our address */
  uint8_t prefix_len;     /* 0..32: addr/prefix_len is the on-link subnet */
  struct sf_addr gateway; /* unspecified: no default route through here */
  unsigned mtu;           /* IP MTU, 68..65535 (e.g. the link's mtu) */
  unsigned offload;       /* SF_LINK_TX_* the link finishes (0: none) */
};

/*
 * Tunables of the IP layer (sf__ip_params_default gives the defaults).
 * sf__ip_new refuses (SF_EINVAL) zero retries, intervals, pending_max,
 * tx_queue_max or ttl, a cache over 65536 entries and a queue over 2^20,
 * and reasm_* values outside the ranges below.
 * A hop whose ARP failed is refused (SF_EHOSTUNREACH) for one
 * arp_retry_interval, then resolved afresh on its next use. A resolved
 * entry stays in use: arp_reachable_time after the last confirmation (an
 * ARP packet from the hop, or sf__ip_confirm_neighbor) its next use
 * re-confirms it with unicast requests, while datagrams still go to its
 * cached address; unused that long again, it is forgotten.
 */
struct sf_ip_params {
  unsigned arp_retries;        /* requests before giving up: 3 */
  sf_time_t arp_retry_interval; /* 1 s */
  sf_time_t arp_reachable_time; /* confirmed, an entry is trusted: 60 s */
  unsigned arp_pending_max;    /* frames parked per unresolved hop: 100 */
  unsigned arp_cache_size;     /* entries per interface: 256 */
  unsigned tx_queue_max;       /* frames waiting per interface, and in
                                * the loopback queue: 4096 */
  uint8_t ttl;                 /* 64 */
  /* Reassembly (reasm.h): datagrams at once (1..1024), bytes held
   * (65536 + SF_REASM_OVERHEAD .. 2^30), and how long a datagram may
   * take from its first fragment (> 0). */
  unsigned reasm_max_datagrams; /* 64 */
  size_t reasm_max_bytes;       /* 1 MiB */
  sf_time_t reasm_timeout;      /* 30 s, as Linux's ipfrag_time */
};

void sf__ip_params_default(struct sf_ip_params *p);

/* What a received ICMP error says about a TCP segment we sent. */
struct sf_ip_icmp_error {
  uint8_t type; /* SF_ICMP_* (destination unreachable, time exceeded...) */
  uint8_t code;
  uint16_t next_hop_mtu;   /* fragmentation needed; 0 otherwise */
  struct sf_addr reporter; /* who sent the ICMP message */
  /* From the quoted datagram: the TCP segment's addresses and ports and
   * its sequence number (RFC 5927: check it lies in the window). */
  struct sf_addr src, dst; /* src is ours */
  uint16_t sport, dport;
  uint32_t seq;
};

/* How the IP layer reports upward. ctx is passed back to each. */
struct sf_ip_upcalls {
  void *ctx;
  /*
   * A TCP segment addressed to one of our interfaces, its IPv4 header
   * verified (ip->payload/payload_len is the segment). rx_flags has
   * SF_WIRE_SKIP_CHECKSUM when the link vouched for the checksum. The
   * header and payload are valid only during the call.
   */
  void (*tcp_input)(void *ctx, unsigned netif, const struct sf_ipv4_hdr *ip,
                    unsigned rx_flags, sf_time_t now);
  /* An ICMP error quoting a TCP segment that we sent. */
  void (*tcp_icmp_error)(void *ctx, const struct sf_ip_icmp_error *err,
                         sf_time_t now);
  /*
   * ARP for next_hop on this interface gave up: the frames waiting for it
   * were dropped. TCP reports SF_EHOSTUNREACH to connections that wait
   * on that hop.
   */
  void (*unreachable)(void *ctx, unsigned netif, struct sf_addr next_hop,
                      sf_time_t now);
};

/* Counters of the IP layer, X(name, description). */
#define SF_IP_COUNTERS(X)                                                     \
  X(ip_in_frames, "frames received")                                          \
  X(ip_in_bad_eth, "frames dropped: malformed Ethernet header")               \
  X(ip_in_not_for_us, "frames dropped: not for our MAC")                      \
  X(ip_in_looped, "frames dropped: sent from our own MAC")                    \
  X(ip_in_unknown_ethertype, "frames dropped: neither ARP nor IPv4")          \
  X(ip_in_bad_header, "datagrams dropped: malformed IPv4 header")             \
  X(ip_in_bad_checksum, "datagrams dropped: bad IPv4 header checksum")        \
  X(ip_in_martian_src, "datagrams dropped: impossible source address")        \
  X(ip_in_not_our_addr, "datagrams dropped: not addressed to us")             \
  X(ip_in_fragments, "fragments received (given to reassembly)")             \
  X(ip_reasm_ok, "datagrams reassembled")                                     \
  X(ip_reasm_bad_frag, "fragments dropped: empty, or MF and not 8-aligned")   \
  X(ip_reasm_duplicates, "fragments ignored: exact duplicates")               \
  X(ip_reasm_overlap, "datagrams dropped: overlapping fragments")             \
  X(ip_reasm_bad_end, "datagrams dropped: fragments disagree on the end")     \
  X(ip_reasm_too_big, "datagrams dropped: reassembled over 65535 bytes")      \
  X(ip_reasm_evicted, "datagrams dropped: evicted to make room")              \
  X(ip_reasm_timeout, "datagrams dropped: reassembly timed out")              \
  X(ip_reasm_nomem, "datagrams dropped: out of memory in reassembly")         \
  X(ip_in_tcp_broadcast, "datagrams dropped: TCP sent to a broadcast")        \
  X(ip_in_unknown_proto, "datagrams dropped: protocol not ICMP or TCP")       \
  X(ip_in_delivered, "datagrams delivered to ICMP or TCP")                    \
  X(ip_out_packets, "datagrams sent")                                         \
  X(ip_out_no_route, "datagrams dropped: no route")                           \
  X(ip_out_queue_full, "frames dropped: transmit queue full")                 \
  X(ip_out_too_big, "datagrams dropped: larger than the MTU")                 \
  X(ip_out_fragmented, "datagrams sent in fragments")                         \
  X(ip_out_fragments, "fragments sent")                                       \
  X(ip_out_local, "datagrams to our own addresses queued for input")          \
  X(ip_out_local_full, "datagrams dropped: loopback queue full")              \
  X(ip_in_local, "datagrams to our own addresses taken as input")             \
  X(arp_in, "ARP packets received")                                           \
  X(arp_in_bad, "ARP packets dropped: malformed or not Ethernet/IPv4")        \
  X(arp_in_conflict, "ARP packets ignored: another host claims our address")  \
  X(arp_requests_answered, "ARP requests for our address answered")           \
  X(arp_requests_sent, "ARP requests sent (including retries)")               \
  X(arp_resolved, "next hops resolved")                                       \
  X(arp_failed, "next hops that never answered")                              \
  X(arp_failed_dropped, "frames dropped: their next hop never answered")      \
  X(arp_hold_refused, "datagrams refused: next hop failed ARP just now")      \
  X(arp_pending_dropped, "frames dropped: too many waiting for ARP")          \
  X(arp_cache_evicted, "ARP entries evicted to make room")                    \
  X(arp_cache_full, "datagrams dropped: ARP cache full of pending hops")      \
  X(icmp_in, "ICMP messages received")                                        \
  X(icmp_in_bad, "ICMP messages dropped: malformed or bad checksum")          \
  X(icmp_echo_answered, "echo requests answered")                             \
  X(icmp_echo_broadcast, "echo requests to a broadcast ignored")              \
  X(icmp_in_errors, "ICMP errors passed to TCP")                              \
  X(icmp_in_foreign_quote, "ICMP errors ignored: quote not TCP from us")      \
  X(icmp_in_ignored, "ICMP messages ignored")                                 \
  X(icmp_out_time_exceeded, "ICMP reassembly time exceeded sent")

struct sf_ip_counters {
#define SF_IP_COUNTER_FIELD(name, desc) uint64_t name;
  SF_IP_COUNTERS(SF_IP_COUNTER_FIELD)
#undef SF_IP_COUNTER_FIELD
};

struct sf_ip; /* opaque; defined in ip_internal.h */

/*
 * Creates the layer. params NULL: the defaults; up NULL, or any callback
 * in it NULL: that report is not made. Returns 0, SF_ENOMEM or SF_EINVAL
 * (bad params).
 */
int sf__ip_new(const struct sf_ip_params *params,
               const struct sf_ip_upcalls *up, struct sf_ip **out);
/* Frees the layer, its interfaces and every queued frame. NULL is fine. */
void sf__ip_free(struct sf_ip *ip);

/*
 * Adds an interface. Returns its index (0..SF_IP_MAX_NETIFS-1) or
 * SF_EINVAL (bad config), SF_EAFNOSUPPORT (the address, or the gateway
 * if there is one, is not IPv4), SF_EADDRINUSE (the address is already
 * another interface's), SF_ENOSPC (too many interfaces), SF_ENOMEM. A bad
 * config: a multicast or zero MAC, prefix_len > 32, mtu outside
 * 68..65535, an address that is 0, loopback, multicast or class E, or a
 * gateway that is not on the subnet or is our own address. The lowest
 * free index is used.
 */
int sf__ip_netif_add(struct sf_ip *ip, const struct sf_netif_config *cfg);
/* Removes interface netif, dropping its queued and parked frames. Not
 * between sf__ip_tx_take and sf__ip_tx_release on that interface. */
void sf__ip_netif_remove(struct sf_ip *ip, unsigned netif);
/* The interface's configuration, or NULL if netif is not open. */
const struct sf_netif_config *sf__ip_netif_config(const struct sf_ip *ip,
                                                  unsigned netif);
/* The interface that owns addr, or -1. */
int sf__ip_netif_by_addr(const struct sf_ip *ip, struct sf_addr addr);

/*
 * Route lookup for dst: the on-link interface whose subnet holds dst,
 * else the first interface with a gateway. On success returns 0 and sets
 * *netif, *src (that interface's address) and *mtu; SF_ENETUNREACH when
 * there is no route, SF_EAFNOSUPPORT when dst or src_hint is not IPv4.
 * If src_hint is not unspecified (sf_addr_is_any), only the interface
 * owning that address is considered (a bound socket). Among on-link
 * interfaces the longest prefix wins (then the lowest index).
 * 255.255.255.255 routes to the first (or the hinted) interface. There
 * is no route to 0.0.0.0, 127/8 (no loopback device), multicast or class
 * E. One of our own addresses has a local route: *netif and *src are the
 * hinted interface's (or, without a hint, the one owning dst), *mtu its
 * MTU, so TCP sizes local segments as it would on that link; the
 * datagrams never reach the link (see sf__ip_output).
 */
int sf__ip_route(const struct sf_ip *ip, struct sf_addr dst,
                 struct sf_addr src_hint, unsigned *netif,
                 struct sf_addr *src, unsigned *mtu);

/*
 * Handles one received Ethernet frame on interface netif: ARP is answered
 * and learned from, IPv4 is checked (version, IHL, total length, header
 * checksum, our address or broadcast), fragments that pass those checks
 * are reassembled (reasm.h) and the whole datagram then goes the same
 * way as an unfragmented one (with rx_flags 0: its transport checksum is
 * verified here), ICMP echo is answered, ICMP errors and TCP segments go
 * up through the upcalls.
 * Every dropped frame is counted. meta_flags: the frame's meta.flags
 * (SF_FRAME_CSUM_*, base/frame.h); the transport checksum of a frame the
 * link vouched for (sf__frame_csum_vouched) is not verified, and TCP gets
 * SF_WIRE_SKIP_CHECKSUM in its rx_flags; the IPv4 header and ICMP
 * checksums are always verified. The frame is only read during the
 * call. Strong host model (RFC 1122 3.3.4.2): a datagram is
 * ours if sent to the receiving interface's address, its subnet
 * broadcast or 255.255.255.255; the Ethernet destination must be the
 * interface's MAC or broadcast. Broadcasts (by IP or by link) are never
 * given to TCP nor answered with an echo reply. Frames for an interface
 * that is not open are ignored (and not counted).
 */
void sf__ip_input(struct sf_ip *ip, unsigned netif, const uint8_t *frame,
                  size_t len, unsigned meta_flags, sf_time_t now);

/*
 * Sends an IPv4 datagram carrying payload (payload_len bytes of protocol
 * proto) from src to dst. Routes it, prepends the IPv4 and Ethernet
 * headers (copying the payload), and queues the frame, or parks it
 * while ARP resolves the next hop. TCP datagrams carry DF (TCP does its
 * own path-MTU handling) and are refused when bigger than the MTU; other
 * protocols (ICMP) are sent without DF and, when bigger than the MTU,
 * cut into fragments (RFC 791: 8-byte aligned offsets, MF on all but the
 * last, the header copied; each fragment is a frame of its own). Returns
 * 0 (queued or parked), SF_ENETUNREACH (no route), SF_EAFNOSUPPORT (src
 * or dst not IPv4; counted as no route), SF_EMSGSIZE (a TCP datagram
 * bigger than the MTU, or any over 65535 bytes with its header),
 * SF_ENOBUFS (queue full; counted), SF_EHOSTUNREACH (the next hop is
 * known to be unreachable right now). SF_ENOBUFS also when the hop
 * already has arp_pending_max frames parked (arp_pending_dropped) or the
 * ARP cache is full of hops still resolving (arp_cache_full); SF_ENOMEM.
 * src unspecified (sf_addr_is_any): the route's interface address; else
 * src must be an interface's address (else SF_ENETUNREACH). The datagram
 * has TOS 0, no options, ttl from params, and an identification
 * counting up from 0 per sf_ip. The payload is copied before returning.
 * May be called from any upcall.
 * To one of our own addresses (a local route) the datagram is neither
 * fragmented nor sent: it waits in the layer's loopback queue (counted
 * ip_out_local; SF_ENOBUFS when full, ip_out_local_full) and the next
 * sf__ip_poll delivers it as input (ip_in_local) on the interface owning
 * its destination, without the checks meant for a link's datagrams and
 * without verifying its transport checksum.
 */
int sf__ip_output(struct sf_ip *ip, struct sf_addr src, struct sf_addr dst,
                  uint8_t proto, const uint8_t *payload, size_t payload_len,
                  sf_time_t now);

/* A piece of a datagram's payload, which the IP layer copies into the
 * frame it builds: a segment can go out from its header on the stack and
 * its data in the send buffer with one copy. */
struct sf_ip_piece {
  const uint8_t *p;
  size_t n;
};
#define SF_IP_MAX_PIECES 3

/*
 * sf__ip_output for a TCP segment (the concatenation of pieces pieces,
 * at most SF_IP_MAX_PIECES) whose checksum field holds only the
 * pseudo-header sum, on an interface with SF_LINK_TX_CSUM: the link
 * finishes it. With gso_size > 0 (and SF_LINK_TX_TSO) the segment may be
 * larger than the MTU: the link cuts it into segments of gso_size payload
 * bytes. Errors as sf__ip_output, SF_EINVAL without the offload (or with
 * too many pieces).
 */
int sf__ip_output_tcp_offload(struct sf_ip *ip, struct sf_addr src,
                              struct sf_addr dst,
                              const struct sf_ip_piece *seg, unsigned pieces,
                              uint16_t gso_size, sf_time_t now);
/* The SF_LINK_TX_* offloads of an interface (0 if not open). */
unsigned sf__ip_netif_offload(const struct sf_ip *ip, unsigned netif);

/*
 * The transmit queue of interface netif. sf__ip_tx_take fills up to max
 * frames (oldest first) pointing into the queue's own buffers and returns
 * how many; they stay valid and in place until sf__ip_tx_release(n)
 * removes the first n of them (the ones the link took).
 */
size_t sf__ip_tx_take(struct sf_ip *ip, unsigned netif, struct sf_frame *out,
                      size_t max);
void sf__ip_tx_release(struct sf_ip *ip, unsigned netif, size_t n);
size_t sf__ip_tx_pending(const struct sf_ip *ip, unsigned netif);

/*
 * dst, sent to through interface netif, has just shown it is reachable
 * (TCP: an ACK for new data from it): an upper-layer confirmation (RFC
 * 4861 7.3.1) of its next hop's ARP entry, which then needs no probe.
 * Costs a lookup; does nothing if the hop has no resolved entry.
 */
void sf__ip_confirm_neighbor(struct sf_ip *ip, unsigned netif,
                             struct sf_addr dst, sf_time_t now);

/* The earliest ARP retry or expiry or reassembly timeout, or
 * SF_TIME_NEVER; 0 (due now) while datagrams wait in the loopback
 * queue. */
sf_time_t sf__ip_next_deadline(const struct sf_ip *ip);
/*
 * Delivers the datagrams waiting in the loopback queue (those they cause
 * wait for the next call), runs the ARP retries and expiries due at now,
 * and drops the datagrams
 * whose reassembly timed out, answering each whose fragment 0 came (to
 * one of our unicast addresses, not as a link broadcast, and not an
 * ICMP error itself) with ICMP time exceeded, code 1 (RFC 792, RFC 1122
 * 3.3.2, 3.2.2: never an error about an error); calls upcalls.unreachable
 * once per hop whose retries ran out (after its frames were dropped). The
 * upcall may call sf__ip_output (refused for that hop) or remove the
 * interface.
 */
void sf__ip_poll(struct sf_ip *ip, sf_time_t now);

const struct sf_ip_counters *sf__ip_counters(const struct sf_ip *ip);

#endif /* SF_IP_IP_H */
