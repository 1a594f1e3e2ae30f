/*
 * libFuzzer target for the Ethernet parser (lib/wire/eth.c). Invariants:
 * the status matches the frame's length and type field; on success the
 * payload lies inside the input right after the header, and emitting the
 * parsed header gives back the input's header bytes exactly.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/eth.h"
#include "wire/status.h"

#include "fuzz.h"

/* What the parser must have said, from the bytes alone. */
static int expected_status(const uint8_t *data, size_t size) {
  if (size < SF_ETH_HDR_LEN)
    return SF_WIRE_TRUNCATED;
  size_t type_at = 12;
  if (data[12] == 0x81 && data[13] == 0x00) {
    if (size < SF_ETH_HDR_LEN + SF_ETH_VLAN_TAG_LEN)
      return SF_WIRE_TRUNCATED;
    type_at = 16;
  }
  return data[type_at] < 0x06 ? SF_WIRE_BAD_FIELD : SF_WIRE_OK;
}

static void check_addrs(const struct sf_eth_hdr *h, const uint8_t *data) {
  char text[18];
  CHECK(strlen(sf__eth_addr_format(&h->dst, text)) == 17);
  CHECK(sf__eth_addr_is_multicast(&h->dst) == ((data[0] & 1) != 0));
  if (sf__eth_addr_is_broadcast(&h->dst))
    CHECK(sf__eth_addr_is_multicast(&h->dst));
  CHECK(sf__eth_addr_eq(&h->dst, &h->dst));
  CHECK(sf__eth_addr_eq(&h->dst, &h->src) == (memcmp(data, data + 6, 6) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sf_eth_hdr h;
  int rc = sf__eth_parse(data, size, &h);
  CHECK(rc == expected_status(data, size));
  if (rc != SF_WIRE_OK)
    return 0;
  size_t hl = sf__eth_hdr_len(&h);
  CHECK(hl == (h.has_vlan ? 18u : 14u) && hl <= size);
  CHECK(h.payload == data + hl && h.payload_len == size - hl);
  CHECK(h.ethertype >= 0x0600);
  check_addrs(&h, data);

  uint8_t out[SF_ETH_HDR_LEN + SF_ETH_VLAN_TAG_LEN];
  CHECK(sf__eth_emit(&h, out, hl - 1) == SF_WIRE_NO_SPACE);
  CHECK(sf__eth_emit(&h, out, sizeof out) == (int)hl);
  CHECK(memcmp(out, data, hl) == 0);
  struct sf_eth_hdr again;
  CHECK(sf__eth_parse(out, hl, &again) == SF_WIRE_OK);
  CHECK(again.ethertype == h.ethertype && again.has_vlan == h.has_vlan &&
        again.vlan_tci == h.vlan_tci && again.payload_len == 0);
  return 0;
}
