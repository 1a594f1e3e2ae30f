/*
 * libFuzzer target for the ARP parser (lib/wire/arp.c). Invariants: the
 * status follows from the length and the fixed fields; a parsed packet
 * emits back to the input's first 28 bytes and parses to the same fields.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/status.h"

#include "fuzz.h"

static int expected_status(const uint8_t *d, size_t size) {
  if (size < SF_ARP_LEN)
    return SF_WIRE_TRUNCATED;
  if (d[0] != 0 || d[1] != 1 || d[2] != 0x08 || d[3] != 0 || d[4] != 6 ||
      d[5] != 4)
    return SF_WIRE_BAD_VERSION;
  if (d[6] != 0 || (d[7] != 1 && d[7] != 2))
    return SF_WIRE_BAD_FIELD;
  return SF_WIRE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sf_arp a;
  int rc = sf__arp_parse(data, size, &a);
  CHECK(rc == expected_status(data, size));
  if (rc != SF_WIRE_OK)
    return 0;
  CHECK(a.oper == SF_ARP_OP_REQUEST || a.oper == SF_ARP_OP_REPLY);
  CHECK(memcmp(a.sha.b, data + 8, 6) == 0 &&
        memcmp(a.tha.b, data + 18, 6) == 0);

  uint8_t out[SF_ARP_LEN];
  CHECK(sf__arp_emit(&a, out, SF_ARP_LEN - 1) == SF_WIRE_NO_SPACE);
  CHECK(sf__arp_emit(&a, out, sizeof out) == SF_ARP_LEN);
  CHECK(memcmp(out, data, SF_ARP_LEN) == 0);
  struct sf_arp b;
  CHECK(sf__arp_parse(out, sizeof out, &b) == SF_WIRE_OK);
  CHECK(b.oper == a.oper && b.spa == a.spa && b.tpa == a.tpa &&
        sf__eth_addr_eq(&b.sha, &a.sha) && sf__eth_addr_eq(&b.tha, &a.tha));
  return 0;
}
