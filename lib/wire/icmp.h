/*
 * ICMPv4 (RFC 792): echo request and reply, destination unreachable, and
 * the other error messages' common shape (time exceeded, parameter
 * problem), whose body quotes the offending datagram's header and first
 * 8 bytes of its payload.
 */
#ifndef SF_WIRE_ICMP_H
#define SF_WIRE_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/ipv4.h"

#define SF_ICMP_HDR_LEN 8

#define SF_ICMP_ECHO_REPLY 0
#define SF_ICMP_DEST_UNREACH 3
#define SF_ICMP_ECHO_REQUEST 8
#define SF_ICMP_TIME_EXCEEDED 11
#define SF_ICMP_PARAM_PROBLEM 12

/* Codes of destination unreachable (RFC 792, RFC 1122 3.2.2.1). */
#define SF_ICMP_UNREACH_NET 0
#define SF_ICMP_UNREACH_HOST 1
#define SF_ICMP_UNREACH_PROTOCOL 2
#define SF_ICMP_UNREACH_PORT 3
#define SF_ICMP_UNREACH_FRAG_NEEDED 4 /* carries the next-hop MTU */
#define SF_ICMP_UNREACH_ADMIN 13

/*
 * A parsed ICMP message. The second 32-bit word is decoded by type: echo
 * id and sequence for echo messages; next-hop MTU for "fragmentation
 * needed" (RFC 1191). body points into the parsed packet: the echo data,
 * or the quoted datagram of an error message.
 */
struct sf_icmp {
  uint8_t type;
  uint8_t code;
  uint16_t checksum; /* as found on parse; computed on emit */
  uint16_t echo_id;
  uint16_t echo_seq;
  uint16_t next_hop_mtu;
  uint32_t rest; /* the raw second word, whatever the type */
  const uint8_t *body;
  size_t body_len;
};

/*
 * Parses an ICMP message (the IPv4 payload). SF_WIRE_TRUNCATED when
 * shorter than 8 bytes; SF_WIRE_BAD_CHECKSUM when the checksum over the
 * whole message does not verify (unless flags has SF_WIRE_SKIP_CHECKSUM).
 */
int sf__icmp_parse(const uint8_t *msg, size_t len, unsigned flags,
                   struct sf_icmp *out);

/*
 * Writes the 8-byte header followed by body_len bytes from m->body (which
 * may already sit at buf + 8: the copy is a memmove) and computes the
 * checksum over both. The second word is taken from echo_id/echo_seq for
 * echo messages, from next_hop_mtu for fragmentation-needed, else from
 * rest. Returns 8 + body_len or SF_WIRE_NO_SPACE.
 */
int sf__icmp_emit(const struct sf_icmp *m, uint8_t *buf, size_t cap);

/*
 * The datagram an ICMP error message quotes: its IPv4 header, and the
 * first 8 bytes of its payload, which for TCP hold the ports and the
 * sequence number (RFC 792; RFC 5927 on how to use them safely).
 */
struct sf_icmp_quote {
  struct sf_ipv4_hdr ip;
  uint16_t sport; /* first 16 bits of the quoted transport header */
  uint16_t dport; /* next 16 bits */
  uint32_t seq;   /* bytes 4..7: the TCP sequence number */
};

/*
 * Parses the quoted datagram of an error message (dest unreachable, time
 * exceeded, parameter problem). The quoted header's checksum and total
 * length are not checked (routers may have changed or truncated them); at
 * least the header and 8 payload bytes must be present, else
 * SF_WIRE_TRUNCATED. SF_WIRE_BAD_FIELD for a message that quotes nothing.
 * SF_WIRE_BAD_VERSION / SF_WIRE_BAD_LENGTH for a quoted header whose
 * version is not 4 or whose IHL is below 5. out->ip.payload and
 * payload_len cover the quoted bytes present after the header (not
 * total_len - hdr_len); both point into m->body.
 */
int sf__icmp_parse_quote(const struct sf_icmp *m, struct sf_icmp_quote *out);

#endif /* SF_WIRE_ICMP_H */
