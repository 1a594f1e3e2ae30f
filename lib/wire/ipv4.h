/*
 * IPv4 headers (RFC 791). Addresses are uint32_t in host byte order
 * (198.18.0.1 is 0xc6120001).
 */
#ifndef SF_WIRE_IPV4_H
#define SF_WIRE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_IPV4_MIN_HDR_LEN 20
#define SF_IPV4_MAX_HDR_LEN 60
#define SF_IPV4_MAX_OPTIONS_LEN 40

#define SF_IPPROTO_ICMP 1
#define SF_IPPROTO_TCP 6
#define SF_IPPROTO_UDP 17

#define SF_IPV4_FLAG_DF 0x2 /* don't fragment */
#define SF_IPV4_FLAG_MF 0x1 /* more fragments */

/* Parse flags. */
#define SF_WIRE_SKIP_CHECKSUM 0x1 /* the link verified it, or we don't care */

/*
 * A parsed (or to-be-emitted) IPv4 header. On parse, options and payload
 * point into the parsed packet; payload_len comes from the total-length
 * field, so Ethernet padding after the datagram is not payload.
 */
struct sf_ipv4_hdr {
  uint8_t hdr_len;    /* bytes: 20..60, a multiple of 4 */
  uint8_t tos;        /* DSCP (6 bits) and ECN (2 bits) */
  uint16_t total_len; /* header plus payload */
  uint16_t id;
  uint8_t flags;        /* SF_IPV4_FLAG_DF | SF_IPV4_FLAG_MF */
  uint16_t frag_offset; /* in 8-byte units */
  uint8_t ttl;
  uint8_t proto;
  uint16_t checksum; /* as found on parse; computed on emit */
  uint32_t src;
  uint32_t dst;
  const uint8_t *options;
  size_t options_len; /* hdr_len - 20 */
  const uint8_t *payload;
  size_t payload_len; /* total_len - hdr_len */
};

/*
 * Parses the IPv4 header at pkt. Every length is checked before any field
 * is used: SF_WIRE_TRUNCATED when pkt is shorter than 20 bytes, than the
 * header length, or than the total length; SF_WIRE_BAD_VERSION when the
 * version is not 4; SF_WIRE_BAD_LENGTH when IHL < 5 or total length <
 * header length; SF_WIRE_BAD_CHECKSUM when the header checksum does not
 * verify (unless flags has SF_WIRE_SKIP_CHECKSUM); SF_WIRE_BAD_FLAGS when
 * the reserved flag bit is set.
 */
int sf__ipv4_parse(const uint8_t *pkt, size_t len, unsigned flags,
                   struct sf_ipv4_hdr *out);

/* True if the datagram is a fragment (MF set or a non-zero offset). */
bool sf__ipv4_is_fragment(const struct sf_ipv4_hdr *h);

/*
 * Writes h's header at buf: hdr_len is taken as 20 + options_len (options
 * are copied from h->options, options_len must be a multiple of 4 and at
 * most 40), total_len as hdr_len + payload_len, and the checksum is
 * computed; the payload itself is not written. Returns the header length,
 * SF_WIRE_NO_SPACE, SF_WIRE_BAD_LENGTH for impossible options or a
 * total length over 65535, or SF_WIRE_BAD_FIELD for flags other than
 * DF|MF or a fragment offset over 13 bits. h->options may point into buf
 * (they are moved with memmove).
 */
int sf__ipv4_emit(const struct sf_ipv4_hdr *h, uint8_t *buf, size_t cap);

/* Formats "a.b.c.d" into out (at least 16 bytes). Returns out. */
char *sf__ipv4_addr_format(uint32_t addr, char *out);

/* Parses "a.b.c.d" into *addr. Returns 0 or SF_WIRE_BAD_FIELD. */
int sf__ipv4_addr_parse(const char *text, uint32_t *addr);

#endif /* SF_WIRE_IPV4_H */
