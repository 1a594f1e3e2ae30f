/*
 * TCP headers (RFC 9293 3.1): parse a segment into struct sf_tcp_hdr and
 * write one back. Options live in tcp_opts.c.
 *
 *   sf__tcp_parse         bounds, checksum, flag and option checks
 *   sf__tcp_emit          header + options + payload, full or partial sum
 *   sf__tcp_checksum_ok   pseudo-header checksum over a whole segment
 *   sf__tcp_seg_len       sequence space a segment occupies
 *   sf__tcp_flags_format  tcpdump's flag letters
 */
#include "config.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/status.h"
#include "wire/tcp.h"

/* Byte offsets of the fixed header's fields. */
#define OFF_SPORT 0
#define OFF_DPORT 2
#define OFF_SEQ 4
#define OFF_ACK 8
#define OFF_DATA_OFFSET 12 /* high nibble; low bit is AE, then 3 reserved */
#define OFF_FLAGS 13
#define OFF_WINDOW 14
#define OFF_CHECKSUM 16
#define OFF_URGENT 18

/* The pseudo-header's length field is 16 bits (RFC 9293 3.1). */
#define MAX_SEGMENT_LEN 0xffff

bool sf__tcp_checksum_ok(const uint8_t *seg, size_t len, uint32_t src,
                         uint32_t dst) {
  if (len > MAX_SEGMENT_LEN)
    return false;
  uint32_t sum = sf__csum_pseudo_ipv4(src, dst, SF_IPPROTO_TCP, (uint16_t)len);
  sum = sf__csum_add(sum, seg, len);
  return sf__csum_finish(sum) == 0;
}

/* The nine flag bits; the three reserved bits above AE are ignored. */
static uint16_t load_flags(const uint8_t *seg) {
  return sf__load_be16(seg + OFF_DATA_OFFSET) & SF_TCP_FLAGS_MASK;
}

int sf__tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                  unsigned flags, struct sf_tcp_hdr *out) {
  if (len < SF_TCP_MIN_HDR_LEN)
    return SF_WIRE_TRUNCATED;
  size_t hdr_len = (size_t)(seg[OFF_DATA_OFFSET] >> 4) * 4;
  if (hdr_len < SF_TCP_MIN_HDR_LEN || len > MAX_SEGMENT_LEN)
    return SF_WIRE_BAD_LENGTH;
  if (hdr_len > len)
    return SF_WIRE_TRUNCATED;
  if (!(flags & SF_WIRE_SKIP_CHECKSUM) &&
      !sf__tcp_checksum_ok(seg, len, src, dst))
    return SF_WIRE_BAD_CHECKSUM;
  uint16_t tcp_flags = load_flags(seg);
  /* No conforming sender sets SYN with FIN or RST (they are scanner and
   * attack traffic); rejecting them here means the state machine never
   * has to decide which flag wins. */
  if ((tcp_flags & SF_TCP_SYN) && (tcp_flags & (SF_TCP_FIN | SF_TCP_RST)))
    return SF_WIRE_BAD_FLAGS;
  int rc = sf__tcp_opts_parse(seg + SF_TCP_MIN_HDR_LEN,
                              hdr_len - SF_TCP_MIN_HDR_LEN, &out->opts);
  if (rc != SF_WIRE_OK)
    return rc;
  out->sport = sf__load_be16(seg + OFF_SPORT);
  out->dport = sf__load_be16(seg + OFF_DPORT);
  out->seq = sf_seq(sf__load_be32(seg + OFF_SEQ));
  out->ack = sf_seq(sf__load_be32(seg + OFF_ACK));
  out->hdr_len = (uint8_t)hdr_len;
  out->flags = tcp_flags;
  out->window = sf__load_be16(seg + OFF_WINDOW);
  out->checksum = sf__load_be16(seg + OFF_CHECKSUM);
  out->urgent = sf__load_be16(seg + OFF_URGENT);
  out->payload = seg + hdr_len;
  out->payload_len = len - hdr_len;
  return SF_WIRE_OK;
}

static void put_fixed_header(const struct sf_tcp_hdr *h, size_t hdr_len,
                             uint8_t *buf) {
  uint16_t flags = h->flags & SF_TCP_FLAGS_MASK;
  sf__store_be16(buf + OFF_SPORT, h->sport);
  sf__store_be16(buf + OFF_DPORT, h->dport);
  sf__store_be32(buf + OFF_SEQ, h->seq.v);
  sf__store_be32(buf + OFF_ACK, h->ack.v);
  buf[OFF_DATA_OFFSET] = (uint8_t)((hdr_len / 4) << 4 | flags >> 8);
  buf[OFF_FLAGS] = (uint8_t)flags;
  sf__store_be16(buf + OFF_WINDOW, h->window);
  sf__store_be16(buf + OFF_CHECKSUM, 0);
  sf__store_be16(buf + OFF_URGENT, h->urgent);
}

int sf__tcp_emit(const struct sf_tcp_hdr *h, const uint8_t *payload,
                 size_t payload_len, uint32_t src, uint32_t dst, unsigned flags,
                 uint8_t *buf, size_t cap) {
  int opts_len = sf__tcp_opts_len(&h->opts);
  if (opts_len < 0)
    return opts_len;
  size_t hdr_len = SF_TCP_MIN_HDR_LEN + (size_t)opts_len;
  if (payload_len > MAX_SEGMENT_LEN - hdr_len)
    return SF_WIRE_BAD_LENGTH;
  size_t total = hdr_len + payload_len;
  if (total > cap)
    return SF_WIRE_NO_SPACE;
  /* Move the payload first: it may overlap where the header goes. */
  if (payload_len && payload != buf + hdr_len)
    memmove(buf + hdr_len, payload, payload_len);
  put_fixed_header(h, hdr_len, buf);
  int rc =
      sf__tcp_opts_emit(&h->opts, buf + SF_TCP_MIN_HDR_LEN, (size_t)opts_len);
  if (rc < 0)
    return rc;
  uint32_t sum =
      sf__csum_pseudo_ipv4(src, dst, SF_IPPROTO_TCP, (uint16_t)total);
  if (flags & SF_TCP_EMIT_PARTIAL_CSUM) {
    /* As Linux's CHECKSUM_PARTIAL: the folded, uncomplemented pseudo-header
     * sum, which the device adds the segment to and complements. */
    sf__store_be16(buf + OFF_CHECKSUM, (uint16_t)sum);
  } else {
    sum = sf__csum_add(sum, buf, total);
    sf__store_be16(buf + OFF_CHECKSUM, sf__csum_finish(sum));
  }
  return (int)total;
}

uint32_t sf__tcp_seg_len(const struct sf_tcp_hdr *h) {
  uint32_t n = (uint32_t)h->payload_len;
  if (h->flags & SF_TCP_SYN)
    n++;
  if (h->flags & SF_TCP_FIN)
    n++;
  return n;
}

char *sf__tcp_flags_format(uint16_t flags, char *out) {
  /* tcpdump's order (print-tcp.c tcp_flag_values): F S R P . U E W e. */
  static const struct {
    uint16_t bit;
    char c;
  } letters[] = {
      {SF_TCP_FIN, 'F'}, {SF_TCP_SYN, 'S'}, {SF_TCP_RST, 'R'},
      {SF_TCP_PSH, 'P'}, {SF_TCP_ACK, '.'}, {SF_TCP_URG, 'U'},
      {SF_TCP_ECE, 'E'}, {SF_TCP_CWR, 'W'}, {SF_TCP_AE, 'e'},
  };
  char *p = out;
  for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
    if (flags & letters[i].bit)
      *p++ = letters[i].c;
  if (p == out) {
    memcpy(out, "none", 5);
    return out;
  }
  *p = '\0';
  return out;
}
