/*
 * IPv4 headers (RFC 791): sf__ipv4_parse checks every length before it
 * reads a field, sf__ipv4_emit writes a header with its options and
 * checksum, and the dotted-quad helpers format and strictly parse
 * addresses.
 *
 * Entry points: sf__ipv4_parse, sf__ipv4_is_fragment, sf__ipv4_emit,
 * sf__ipv4_addr_format, sf__ipv4_addr_parse.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/status.h"

#define IPV4_VERSION 4
#define IPV4_MAX_TOTAL_LEN 0xffff

/* The 16-bit word at offset 6: three flag bits, then a 13-bit offset. */
#define FLAG_RESERVED 0x4 /* RFC 791 3.1: "must be zero" */
#define FRAG_OFFSET_MASK 0x1fff
#define FLAGS_SHIFT 13

/* Decodes the fixed 20 bytes; lengths have been checked by the caller. */
static void decode_fixed(const uint8_t *pkt, struct sf_ipv4_hdr *out) {
  uint16_t frag = sf__load_be16(pkt + 6);
  out->hdr_len = (uint8_t)((pkt[0] & 0x0f) * 4);
  out->tos = pkt[1];
  out->total_len = sf__load_be16(pkt + 2);
  out->id = sf__load_be16(pkt + 4);
  out->flags = (uint8_t)(frag >> FLAGS_SHIFT);
  out->frag_offset = frag & FRAG_OFFSET_MASK;
  out->ttl = pkt[8];
  out->proto = pkt[9];
  out->checksum = sf__load_be16(pkt + 10);
  out->src = sf__load_be32(pkt + 12);
  out->dst = sf__load_be32(pkt + 16);
}

int sf__ipv4_parse(const uint8_t *pkt, size_t len, unsigned flags,
                   struct sf_ipv4_hdr *out) {
  if (len < SF_IPV4_MIN_HDR_LEN)
    return SF_WIRE_TRUNCATED;
  if (pkt[0] >> 4 != IPV4_VERSION)
    return SF_WIRE_BAD_VERSION;
  size_t hdr_len = (size_t)(pkt[0] & 0x0f) * 4;
  if (hdr_len < SF_IPV4_MIN_HDR_LEN)
    return SF_WIRE_BAD_LENGTH;
  if (len < hdr_len)
    return SF_WIRE_TRUNCATED;
  size_t total_len = sf__load_be16(pkt + 2);
  if (total_len < hdr_len)
    return SF_WIRE_BAD_LENGTH;
  /*
   * A frame longer than total_len carries link padding (Ethernet pads to
   * 60 bytes); one shorter lost part of the datagram.
   */
  if (len < total_len)
    return SF_WIRE_TRUNCATED;
  /* A header whose words sum to 0xffff has a zero one's-complement sum. */
  if (!(flags & SF_WIRE_SKIP_CHECKSUM) &&
      sf__csum_finish(sf__csum_add(0, pkt, hdr_len)) != 0)
    return SF_WIRE_BAD_CHECKSUM;
  if (sf__load_be16(pkt + 6) >> FLAGS_SHIFT & FLAG_RESERVED)
    return SF_WIRE_BAD_FLAGS;
  decode_fixed(pkt, out);
  out->options = pkt + SF_IPV4_MIN_HDR_LEN;
  out->options_len = hdr_len - SF_IPV4_MIN_HDR_LEN;
  out->payload = pkt + hdr_len;
  out->payload_len = total_len - hdr_len;
  return SF_WIRE_OK;
}

bool sf__ipv4_is_fragment(const struct sf_ipv4_hdr *h) {
  return (h->flags & SF_IPV4_FLAG_MF) || h->frag_offset != 0;
}

/* Checks what emit cannot represent; SF_WIRE_OK or the status to return. */
static int emit_check(const struct sf_ipv4_hdr *h) {
  if (h->options_len % 4 || h->options_len > SF_IPV4_MAX_OPTIONS_LEN ||
      (h->options_len && !h->options))
    return SF_WIRE_BAD_LENGTH;
  if (h->payload_len >
      IPV4_MAX_TOTAL_LEN - SF_IPV4_MIN_HDR_LEN - h->options_len)
    return SF_WIRE_BAD_LENGTH;
  if (h->flags & ~(SF_IPV4_FLAG_DF | SF_IPV4_FLAG_MF) ||
      h->frag_offset > FRAG_OFFSET_MASK)
    return SF_WIRE_BAD_FIELD;
  return SF_WIRE_OK;
}

int sf__ipv4_emit(const struct sf_ipv4_hdr *h, uint8_t *buf, size_t cap) {
  int rc = emit_check(h);
  if (rc != SF_WIRE_OK)
    return rc;
  size_t hdr_len = SF_IPV4_MIN_HDR_LEN + h->options_len;
  if (cap < hdr_len)
    return SF_WIRE_NO_SPACE;
  /* Options first: they may sit in buf already (a header re-emitted). */
  if (h->options_len)
    memmove(buf + SF_IPV4_MIN_HDR_LEN, h->options, h->options_len);
  buf[0] = (uint8_t)(IPV4_VERSION << 4 | hdr_len / 4);
  buf[1] = h->tos;
  sf__store_be16(buf + 2, (uint16_t)(hdr_len + h->payload_len));
  sf__store_be16(buf + 4, h->id);
  sf__store_be16(buf + 6, (uint16_t)(h->flags << FLAGS_SHIFT | h->frag_offset));
  buf[8] = h->ttl;
  buf[9] = h->proto;
  sf__store_be16(buf + 10, 0);
  sf__store_be32(buf + 12, h->src);
  sf__store_be32(buf + 16, h->dst);
  sf__store_be16(buf + 10, sf__csum_finish(sf__csum_add(0, buf, hdr_len)));
  return (int)hdr_len;
}

char *sf__ipv4_addr_format(uint32_t addr, char *out) {
  snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24),
           (unsigned)(addr >> 16 & 0xff), (unsigned)(addr >> 8 & 0xff),
           (unsigned)(addr & 0xff));
  return out;
}

/*
 * One decimal part of a dotted quad: 1 to 3 digits, at most 255, and no
 * leading zero (inet_aton would read "010" as octal 8; we refuse it).
 * Returns the character after the part, or NULL.
 */
static const char *parse_octet(const char *p, uint32_t *value) {
  uint32_t v = 0;
  size_t n = 0;
  while (p[n] >= '0' && p[n] <= '9') {
    if (n == 3)
      return NULL;
    v = v * 10 + (uint32_t)(p[n] - '0');
    n++;
  }
  if (n == 0 || v > 255 || (n > 1 && p[0] == '0'))
    return NULL;
  *value = v;
  return p + n;
}

int sf__ipv4_addr_parse(const char *text, uint32_t *addr) {
  if (!text)
    return SF_WIRE_BAD_FIELD;
  uint32_t a = 0;
  const char *p = text;
  for (int i = 0; i < 4; i++) {
    uint32_t octet;
    if (i > 0 && *p++ != '.')
      return SF_WIRE_BAD_FIELD;
    p = parse_octet(p, &octet);
    if (!p)
      return SF_WIRE_BAD_FIELD;
    a = a << 8 | octet;
  }
  if (*p != '\0')
    return SF_WIRE_BAD_FIELD;
  *addr = a;
  return 0;
}
