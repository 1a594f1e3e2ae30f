/*
 * ARP packets for IPv4 over Ethernet (RFC 826): sf__arp_parse and
 * sf__arp_emit. Only the fixed 28-byte shape (htype 1, ptype 0x0800,
 * hlen 6, plen 4) is accepted; anything else is another protocol's ARP.
 */
#include "config.h"

#include <string.h>

#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/status.h"

#define ARP_HTYPE_ETHERNET 1
#define ARP_PLEN_IPV4 4

/* Offsets inside the 28-byte packet (RFC 826, "Packet format"). */
#define OFF_HTYPE 0
#define OFF_PTYPE 2
#define OFF_HLEN 4
#define OFF_PLEN 5
#define OFF_OPER 6
#define OFF_SHA 8
#define OFF_SPA 14
#define OFF_THA 18
#define OFF_TPA 24

int sf__arp_parse(const uint8_t *pkt, size_t len, struct sf_arp *out) {
  if (len < SF_ARP_LEN)
    return SF_WIRE_TRUNCATED;
  if (sf__load_be16(pkt + OFF_HTYPE) != ARP_HTYPE_ETHERNET ||
      sf__load_be16(pkt + OFF_PTYPE) != SF_ETHERTYPE_IPV4 ||
      pkt[OFF_HLEN] != SF_ETH_ADDR_LEN || pkt[OFF_PLEN] != ARP_PLEN_IPV4)
    return SF_WIRE_BAD_VERSION;
  uint16_t oper = sf__load_be16(pkt + OFF_OPER);
  /* RFC 826 defines only these two; RARP and InARP use other values. */
  if (oper != SF_ARP_OP_REQUEST && oper != SF_ARP_OP_REPLY)
    return SF_WIRE_BAD_FIELD;
  out->oper = oper;
  memcpy(out->sha.b, pkt + OFF_SHA, SF_ETH_ADDR_LEN);
  out->spa = sf__load_be32(pkt + OFF_SPA);
  memcpy(out->tha.b, pkt + OFF_THA, SF_ETH_ADDR_LEN);
  out->tpa = sf__load_be32(pkt + OFF_TPA);
  return SF_WIRE_OK;
}

int sf__arp_emit(const struct sf_arp *a, uint8_t *buf, size_t cap) {
  if (cap < SF_ARP_LEN)
    return SF_WIRE_NO_SPACE;
  sf__store_be16(buf + OFF_HTYPE, ARP_HTYPE_ETHERNET);
  sf__store_be16(buf + OFF_PTYPE, SF_ETHERTYPE_IPV4);
  buf[OFF_HLEN] = SF_ETH_ADDR_LEN;
  buf[OFF_PLEN] = ARP_PLEN_IPV4;
  sf__store_be16(buf + OFF_OPER, a->oper);
  memcpy(buf + OFF_SHA, a->sha.b, SF_ETH_ADDR_LEN);
  sf__store_be32(buf + OFF_SPA, a->spa);
  memcpy(buf + OFF_THA, a->tha.b, SF_ETH_ADDR_LEN);
  sf__store_be32(buf + OFF_TPA, a->tpa);
  return SF_ARP_LEN;
}
