/*
 * IPv4 reassembly (RFC 791 "Fragmentation and Reassembly", RFC 1122
 * 3.3.2): the queue of datagrams whose fragments are arriving, as a data
 * structure that knows nothing of interfaces or sending. The IP layer
 * gives it each fragment it accepted (header checks done) and gets back
 * the whole datagram once every piece is in.
 *
 * A datagram is keyed by (src, dst, id, protocol), RFC 791. Its payload
 * grows in one buffer (capacity doubling from 2048 up to 65536 bytes)
 * with a bitmap of the 8-byte blocks received, so fragments may come in
 * any order at a cost linear in their size. Rules, each counted:
 *   - a fragment carrying no data, or one with MF whose length is not a
 *     multiple of 8 (RFC 791: only the last may end off the grid), is
 *     dropped alone (ip_reasm_bad_frag);
 *   - a datagram that would exceed 65535 bytes with its header is
 *     dropped whole (ip_reasm_too_big);
 *   - two last fragments that disagree on the end, or data past the end,
 *     drop the datagram (ip_reasm_bad_end);
 *   - a fragment that repeats received blocks with the same bytes is an
 *     exact duplicate and is ignored (ip_reasm_duplicates); any other
 *     overlap drops the whole datagram (ip_reasm_overlap): overlapping
 *     fragments with different data are how filters are evaded (RFC 1858,
 *     RFC 5722 for IPv6; Linux drops them too).
 * Bounds: at most reasm_max_datagrams at once and reasm_max_bytes held,
 * each datagram charged SF_REASM_OVERHEAD plus its buffer's capacity;
 * the oldest datagrams are evicted to make room (ip_reasm_evicted). A
 * datagram lives reasm_timeout from its first fragment (Linux
 * ipfrag_time: 30 s); since that is the same for all, creation order is
 * deadline order and the oldest is both the next to expire and the one
 * evicted first.
 *
 * Entry points: sf__reasm_{init,destroy,insert,next_deadline,poll,count,
 * bytes}.
 */
#ifndef SF_IP_REASM_H
#define SF_IP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/time.h"
#include "ip/ip.h"
#include "wire/ipv4.h"

#define SF_REASM_MAX_LEN 65535 /* a datagram's total length, header included */
#define SF_REASM_OVERHEAD 2048 /* charged per datagram besides its buffer */
#define SF_REASM_MIN_CAP 2048  /* a datagram buffer's first capacity */

struct sf_reasm_dgram; /* defined in reasm.c */

struct sf_reasm {
  struct sf_reasm_dgram *oldest, *newest; /* creation (= deadline) order */
  unsigned count;     /* datagrams being reassembled */
  size_t bytes;       /* charged, see above */
  unsigned max_datagrams;
  size_t max_bytes;
  sf_time_t timeout;
  struct sf_ip_counters *ctr; /* the IP layer's counters, updated here */
};

/* Results of sf__reasm_insert (errors are negative SF_E* codes). */
#define SF_REASM_HELD 0    /* kept (or an exact duplicate): wait for more */
#define SF_REASM_DONE 1    /* *out is the whole datagram */
#define SF_REASM_DROPPED 2 /* the fragment (maybe its datagram) dropped */

/* A reassembled datagram, malloc'd; the caller frees data. */
struct sf_reasm_out {
  uint8_t *data; /* IPv4 header (fragment 0's, MF and offset cleared,
                  * total length and checksum set) followed by the payload */
  size_t len;
  unsigned marks; /* the OR of every fragment's marks */
};

/* What sf__reasm_poll reports about a datagram that timed out after its
 * first fragment (offset 0) had come: valid only during the callback. */
struct sf_reasm_expired {
  uint32_t src, dst;
  uint8_t proto;
  unsigned marks;
  /* fragment 0's header exactly as received and the first 8 bytes of
   * its data: what ICMP time exceeded quotes (RFC 792) */
  const uint8_t *quote;
  size_t quote_len;
};

/* An empty queue with p's reasm_* bounds; ctr gets the ip_reasm_*
 * counters. Allocates nothing. */
void sf__reasm_init(struct sf_reasm *r, const struct sf_ip_params *p,
                    struct sf_ip_counters *ctr);
/* Frees every datagram still being reassembled (not counted). */
void sf__reasm_destroy(struct sf_reasm *r);

/*
 * Adds fragment h (as parsed by sf__ipv4_parse, so its header bytes are
 * the hdr_len bytes before h->payload; sf__ipv4_is_fragment(h) true),
 * received at now. marks: bits the caller wants OR'ed over the datagram's
 * fragments (the IP layer: "came as a link broadcast"). Returns
 * SF_REASM_HELD, SF_REASM_DROPPED (counted), SF_REASM_DONE with *out
 * filled (ip_reasm_ok counted; the datagram leaves the queue), or
 * SF_ENOMEM (counted ip_reasm_nomem; the datagram is dropped). h is only
 * read during the call.
 */
int sf__reasm_insert(struct sf_reasm *r, const struct sf_ipv4_hdr *h,
                     unsigned marks, sf_time_t now, struct sf_reasm_out *out);

/* The earliest expiry, or SF_TIME_NEVER when nothing is held. */
sf_time_t sf__reasm_next_deadline(const struct sf_reasm *r);

/*
 * Drops every datagram whose time ran out at now (deadline <= now),
 * counting ip_reasm_timeout, and calls expired(ctx, e) for each one whose
 * fragment 0 had arrived (RFC 1122 3.3.2: the ICMP time exceeded goes
 * out only then). The datagram is already out of the queue during the
 * call; expired must not touch r. expired may be NULL.
 */
void sf__reasm_poll(struct sf_reasm *r, sf_time_t now,
                    void (*expired)(void *ctx,
                                    const struct sf_reasm_expired *e),
                    void *ctx);

/* Datagrams being reassembled, and the bytes charged for them. */
unsigned sf__reasm_count(const struct sf_reasm *r);
size_t sf__reasm_bytes(const struct sf_reasm *r);

#endif /* SF_IP_REASM_H */
