/*
 * ICMPv4 messages (RFC 792): sf__icmp_parse decodes the 8-byte header
 * and verifies the checksum over the whole message, sf__icmp_emit writes
 * one, and sf__icmp_parse_quote reads the datagram an error message
 * quotes (what TCP needs to match an error to a connection, RFC 5927).
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp.h"
#include "wire/status.h"

/* The quoted transport header bytes RFC 792 guarantees: 64 bits. */
#define QUOTE_TRANSPORT_LEN 8

static bool is_echo(uint8_t type) {
  return type == SF_ICMP_ECHO_REQUEST || type == SF_ICMP_ECHO_REPLY;
}

static bool is_frag_needed(uint8_t type, uint8_t code) {
  return type == SF_ICMP_DEST_UNREACH && code == SF_ICMP_UNREACH_FRAG_NEEDED;
}

int sf__icmp_parse(const uint8_t *msg, size_t len, unsigned flags,
                   struct sf_icmp *out) {
  if (len < SF_ICMP_HDR_LEN)
    return SF_WIRE_TRUNCATED;
  /* RFC 792: the checksum covers the whole message, header and body. */
  if (!(flags & SF_WIRE_SKIP_CHECKSUM) &&
      sf__csum_finish(sf__csum_add(0, msg, len)) != 0)
    return SF_WIRE_BAD_CHECKSUM;
  out->type = msg[0];
  out->code = msg[1];
  out->checksum = sf__load_be16(msg + 2);
  out->rest = sf__load_be32(msg + 4);
  bool echo = is_echo(out->type);
  out->echo_id = echo ? (uint16_t)(out->rest >> 16) : 0;
  out->echo_seq = echo ? (uint16_t)out->rest : 0;
  /* RFC 1191 4: the next-hop MTU is the low 16 bits of the word. */
  out->next_hop_mtu =
      is_frag_needed(out->type, out->code) ? (uint16_t)out->rest : 0;
  out->body = msg + SF_ICMP_HDR_LEN;
  out->body_len = len - SF_ICMP_HDR_LEN;
  return SF_WIRE_OK;
}

/* The second 32-bit word as the message's type defines it. */
static uint32_t second_word(const struct sf_icmp *m) {
  if (is_echo(m->type))
    return (uint32_t)m->echo_id << 16 | m->echo_seq;
  /* RFC 1191 4: the high 16 bits are unused and must be zero. */
  if (is_frag_needed(m->type, m->code))
    return m->next_hop_mtu;
  return m->rest;
}

int sf__icmp_emit(const struct sf_icmp *m, uint8_t *buf, size_t cap) {
  if (cap < SF_ICMP_HDR_LEN || m->body_len > cap - SF_ICMP_HDR_LEN ||
      m->body_len > (size_t)INT_MAX - SF_ICMP_HDR_LEN)
    return SF_WIRE_NO_SPACE;
  /* Body first: it may overlap the header's bytes when it sits in buf. */
  if (m->body_len && m->body != buf + SF_ICMP_HDR_LEN)
    memmove(buf + SF_ICMP_HDR_LEN, m->body, m->body_len);
  size_t len = SF_ICMP_HDR_LEN + m->body_len;
  buf[0] = m->type;
  buf[1] = m->code;
  sf__store_be16(buf + 2, 0);
  sf__store_be32(buf + 4, second_word(m));
  sf__store_be16(buf + 2, sf__csum_finish(sf__csum_add(0, buf, len)));
  return (int)len;
}

/* RFC 792: these are the messages whose body quotes a datagram. */
static bool quotes_datagram(uint8_t type) {
  return type == SF_ICMP_DEST_UNREACH || type == SF_ICMP_TIME_EXCEEDED ||
         type == SF_ICMP_PARAM_PROBLEM;
}

/* Decodes the quoted header's fixed 20 bytes (lengths already checked). */
static void decode_quoted_ip(const uint8_t *q, struct sf_ipv4_hdr *ip) {
  uint16_t frag = sf__load_be16(q + 6);
  ip->hdr_len = (uint8_t)((q[0] & 0x0f) * 4);
  ip->tos = q[1];
  ip->total_len = sf__load_be16(q + 2);
  ip->id = sf__load_be16(q + 4);
  ip->flags = (uint8_t)(frag >> 13);
  ip->frag_offset = frag & 0x1fff;
  ip->ttl = q[8];
  ip->proto = q[9];
  ip->checksum = sf__load_be16(q + 10);
  ip->src = sf__load_be32(q + 12);
  ip->dst = sf__load_be32(q + 16);
}

int sf__icmp_parse_quote(const struct sf_icmp *m, struct sf_icmp_quote *out) {
  if (!quotes_datagram(m->type))
    return SF_WIRE_BAD_FIELD;
  const uint8_t *q = m->body;
  size_t len = m->body_len;
  if (len < SF_IPV4_MIN_HDR_LEN)
    return SF_WIRE_TRUNCATED;
  if (q[0] >> 4 != 4)
    return SF_WIRE_BAD_VERSION;
  size_t hdr_len = (size_t)(q[0] & 0x0f) * 4;
  if (hdr_len < SF_IPV4_MIN_HDR_LEN)
    return SF_WIRE_BAD_LENGTH;
  if (len < hdr_len + QUOTE_TRANSPORT_LEN)
    return SF_WIRE_TRUNCATED;
  /*
   * Neither the quoted checksum nor total length is checked: a router may
   * have decremented the TTL without fixing the former, and the quote is
   * usually shorter than the latter says.
   */
  decode_quoted_ip(q, &out->ip);
  out->ip.options = q + SF_IPV4_MIN_HDR_LEN;
  out->ip.options_len = hdr_len - SF_IPV4_MIN_HDR_LEN;
  out->ip.payload = q + hdr_len;
  out->ip.payload_len = len - hdr_len;
  out->sport = sf__load_be16(q + hdr_len);
  out->dport = sf__load_be16(q + hdr_len + 2);
  out->seq = sf__load_be32(q + hdr_len + 4);
  return SF_WIRE_OK;
}
