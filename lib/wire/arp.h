/*
 * ARP for IPv4 over Ethernet (RFC 826): the only hardware and protocol
 * types synfin speaks. Addresses are in host byte order.
 */
#ifndef SF_WIRE_ARP_H
#define SF_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/eth.h"

#define SF_ARP_LEN 28
#define SF_ARP_OP_REQUEST 1
#define SF_ARP_OP_REPLY 2

struct sf_arp {
  uint16_t oper;
  struct sf_eth_addr sha; /* sender hardware address */
  uint32_t spa;           /* sender protocol address */
  struct sf_eth_addr tha; /* target hardware address */
  uint32_t tpa;           /* target protocol address */
};

/*
 * Parses an ARP packet (an Ethernet payload). Returns SF_WIRE_OK;
 * SF_WIRE_TRUNCATED if shorter than 28 bytes; SF_WIRE_BAD_VERSION unless
 * hardware type 1 (Ethernet), protocol type 0x0800, hlen 6, plen 4;
 * SF_WIRE_BAD_FIELD for an operation other than request or reply.
 * Trailing bytes (Ethernet padding) are ignored.
 */
int sf__arp_parse(const uint8_t *pkt, size_t len, struct sf_arp *out);

/* Writes the 28-byte packet; returns 28 or SF_WIRE_NO_SPACE. */
int sf__arp_emit(const struct sf_arp *a, uint8_t *buf, size_t cap);

#endif /* SF_WIRE_ARP_H */
