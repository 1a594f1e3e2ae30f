/*
 * Ethernet II headers (eth.h): parse and emit, with at most one 802.1Q
 * tag, and the small address helpers (compare, classify, format).
 *
 * Entry points: sf__eth_parse, sf__eth_hdr_len, sf__eth_emit,
 * sf__eth_addr_{eq,is_broadcast,is_multicast,format}.
 */
#include "config.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/status.h"

/*
 * Values below 0x0600 in the type field are IEEE 802.3 lengths, not
 * EtherTypes (IEEE 802.3 clause 3.2.6): such frames are not Ethernet II.
 */
#define ETHERTYPE_MIN 0x0600

const struct sf_eth_addr sf__eth_broadcast = {
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

int sf__eth_parse(const uint8_t *frame, size_t len, struct sf_eth_hdr *out) {
  if (len < SF_ETH_HDR_LEN)
    return SF_WIRE_TRUNCATED;
  uint16_t type = sf__load_be16(frame + 12);
  size_t hdr_len = SF_ETH_HDR_LEN;
  bool has_vlan = false;
  uint16_t tci = 0;
  if (type == SF_ETHERTYPE_VLAN) {
    /* 802.1Q: TPID 0x8100, then the TCI, then the inner EtherType. */
    hdr_len += SF_ETH_VLAN_TAG_LEN;
    if (len < hdr_len)
      return SF_WIRE_TRUNCATED;
    has_vlan = true;
    tci = sf__load_be16(frame + 14);
    type = sf__load_be16(frame + 16);
  }
  if (type < ETHERTYPE_MIN)
    return SF_WIRE_BAD_FIELD;
  memcpy(out->dst.b, frame, SF_ETH_ADDR_LEN);
  memcpy(out->src.b, frame + SF_ETH_ADDR_LEN, SF_ETH_ADDR_LEN);
  out->ethertype = type;
  out->has_vlan = has_vlan;
  out->vlan_tci = tci;
  out->payload = frame + hdr_len;
  out->payload_len = len - hdr_len;
  return SF_WIRE_OK;
}

size_t sf__eth_hdr_len(const struct sf_eth_hdr *h) {
  return h->has_vlan ? SF_ETH_HDR_LEN + SF_ETH_VLAN_TAG_LEN : SF_ETH_HDR_LEN;
}

int sf__eth_emit(const struct sf_eth_hdr *h, uint8_t *buf, size_t cap) {
  size_t hdr_len = sf__eth_hdr_len(h);
  if (cap < hdr_len)
    return SF_WIRE_NO_SPACE;
  memcpy(buf, h->dst.b, SF_ETH_ADDR_LEN);
  memcpy(buf + SF_ETH_ADDR_LEN, h->src.b, SF_ETH_ADDR_LEN);
  uint8_t *p = buf + 12;
  if (h->has_vlan) {
    sf__store_be16(p, SF_ETHERTYPE_VLAN);
    sf__store_be16(p + 2, h->vlan_tci);
    p += SF_ETH_VLAN_TAG_LEN;
  }
  sf__store_be16(p, h->ethertype);
  return (int)hdr_len;
}

bool sf__eth_addr_eq(const struct sf_eth_addr *a, const struct sf_eth_addr *b) {
  return memcmp(a->b, b->b, SF_ETH_ADDR_LEN) == 0;
}

bool sf__eth_addr_is_broadcast(const struct sf_eth_addr *a) {
  return sf__eth_addr_eq(a, &sf__eth_broadcast);
}

bool sf__eth_addr_is_multicast(const struct sf_eth_addr *a) {
  /* The I/G bit: the first bit on the wire, the low bit of byte 0. */
  return (a->b[0] & 0x01) != 0;
}

char *sf__eth_addr_format(const struct sf_eth_addr *a, char *out) {
  static const char hex[] = "0123456789abcdef";
  char *p = out;
  for (size_t i = 0; i < SF_ETH_ADDR_LEN; i++) {
    if (i)
      *p++ = ':';
    *p++ = hex[a->b[i] >> 4];
    *p++ = hex[a->b[i] & 0x0f];
  }
  *p = '\0';
  return out;
}
