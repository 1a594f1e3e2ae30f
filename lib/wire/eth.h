/*
 * Ethernet II frames (IEEE 802.3 with an EtherType). The frame check
 * sequence is never present: links hand us frames without it.
 */
#ifndef SF_WIRE_ETH_H
#define SF_WIRE_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_ETH_ADDR_LEN 6
#define SF_ETH_HDR_LEN 14
#define SF_ETH_VLAN_TAG_LEN 4

#define SF_ETHERTYPE_IPV4 0x0800
#define SF_ETHERTYPE_ARP 0x0806
#define SF_ETHERTYPE_VLAN 0x8100
#define SF_ETHERTYPE_IPV6 0x86dd

struct sf_eth_addr {
  uint8_t b[SF_ETH_ADDR_LEN];
};

/*
 * A parsed Ethernet header. payload points into the parsed frame and is
 * valid as long as the frame is. One 802.1Q tag is understood: when
 * present, vlan_tci holds it, has_vlan is set, and ethertype is the inner
 * EtherType.
 */
struct sf_eth_hdr {
  struct sf_eth_addr dst;
  struct sf_eth_addr src;
  uint16_t ethertype;
  bool has_vlan;
  uint16_t vlan_tci;
  const uint8_t *payload;
  size_t payload_len;
};

extern const struct sf_eth_addr sf__eth_broadcast;

/*
 * Parses the header of the len-byte frame. Returns SF_WIRE_OK, or
 * SF_WIRE_TRUNCATED when the frame is shorter than its header (14 bytes,
 * 18 with a VLAN tag). An EtherType value below 0x0600 (an 802.3 length
 * field, not an EtherType) gives SF_WIRE_BAD_FIELD.
 */
int sf__eth_parse(const uint8_t *frame, size_t len, struct sf_eth_hdr *out);

/* The header length emit will write for h: 14, or 18 with a VLAN tag. */
size_t sf__eth_hdr_len(const struct sf_eth_hdr *h);

/*
 * Writes h's header (not its payload) at buf. Returns the number of bytes
 * written, or SF_WIRE_NO_SPACE when cap is smaller than the header.
 */
int sf__eth_emit(const struct sf_eth_hdr *h, uint8_t *buf, size_t cap);

bool sf__eth_addr_eq(const struct sf_eth_addr *a, const struct sf_eth_addr *b);
bool sf__eth_addr_is_broadcast(const struct sf_eth_addr *a);
/* Group (multicast or broadcast) addresses have the low bit of byte 0 set. */
bool sf__eth_addr_is_multicast(const struct sf_eth_addr *a);

/* Formats "aa:bb:cc:dd:ee:ff" into out (at least 18 bytes). Returns out. */
char *sf__eth_addr_format(const struct sf_eth_addr *a, char *out);

#endif /* SF_WIRE_ETH_H */
