/*
 * libFuzzer target for the IPv4 parser (lib/wire/ipv4.c). Invariants:
 * skipping the checksum changes nothing but the checksum verdict; a
 * parsed header's options and payload lie inside the input; parse ->
 * emit (with options) -> parse gives the same fields and the same bytes
 * (the checksum may only trade 0xffff for 0x0000, the other zero); emit
 * in place is stable; the addresses format and parse back.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ipv4.h"
#include "wire/status.h"

#include "fuzz.h"

static void check_bounds(const struct sf_ipv4_hdr *h, const uint8_t *data,
                         size_t size) {
  CHECK(h->hdr_len >= 20 && h->hdr_len <= 60 && h->hdr_len % 4 == 0);
  CHECK(h->total_len >= h->hdr_len && h->total_len <= size);
  CHECK(h->options == data + 20 && h->options_len == h->hdr_len - 20u);
  CHECK(h->payload == data + h->hdr_len);
  CHECK(h->payload_len == (size_t)h->total_len - h->hdr_len);
  CHECK(h->flags <= 3 && h->frag_offset <= 0x1fff);
  CHECK(sf__ipv4_is_fragment(h) == ((h->flags & 1) || h->frag_offset));
}

static bool same_fields(const struct sf_ipv4_hdr *a,
                        const struct sf_ipv4_hdr *b) {
  return a->hdr_len == b->hdr_len && a->tos == b->tos &&
         a->total_len == b->total_len && a->id == b->id &&
         a->flags == b->flags && a->frag_offset == b->frag_offset &&
         a->ttl == b->ttl && a->proto == b->proto && a->src == b->src &&
         a->dst == b->dst && a->options_len == b->options_len &&
         a->payload_len == b->payload_len &&
         memcmp(a->options, b->options, a->options_len) == 0;
}

static void check_addr(uint32_t addr) {
  char text[16];
  uint32_t back = ~addr;
  CHECK(sf__ipv4_addr_parse(sf__ipv4_addr_format(addr, text), &back) == 0);
  CHECK(back == addr);
}

/* parse -> emit -> parse, into a fresh buffer holding header + payload. */
static void round_trip(const struct sf_ipv4_hdr *h, const uint8_t *data,
                       bool verified) {
  size_t total = h->total_len;
  uint8_t *out = malloc(total);
  CHECK(out != NULL);
  CHECK(sf__ipv4_emit(h, out, h->hdr_len - 1u) == SF_WIRE_NO_SPACE);
  CHECK(sf__ipv4_emit(h, out, total) == h->hdr_len);
  memcpy(out + h->hdr_len, h->payload, h->payload_len);
  /* Every byte but the checksum is the input's. */
  CHECK(memcmp(out, data, 10) == 0);
  CHECK(memcmp(out + 12, data + 12, total - 12) == 0);
  uint16_t in_csum = (uint16_t)(data[10] << 8 | data[11]);
  uint16_t out_csum = (uint16_t)(out[10] << 8 | out[11]);
  if (verified)
    CHECK(out_csum == in_csum || (out_csum == 0 && in_csum == 0xffff));
  struct sf_ipv4_hdr again;
  CHECK(sf__ipv4_parse(out, total, 0, &again) == SF_WIRE_OK);
  check_bounds(&again, out, total);
  CHECK(same_fields(h, &again) && again.checksum == out_csum);
  /* Emitting the re-parsed header over itself changes nothing. */
  uint8_t hdr[SF_IPV4_MAX_HDR_LEN];
  memcpy(hdr, out, again.hdr_len);
  CHECK(sf__ipv4_emit(&again, out, total) == again.hdr_len);
  CHECK(memcmp(hdr, out, again.hdr_len) == 0);
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sf_ipv4_hdr h, hs;
  int rc = sf__ipv4_parse(data, size, 0, &h);
  int rc_skip = sf__ipv4_parse(data, size, SF_WIRE_SKIP_CHECKSUM, &hs);
  CHECK(rc <= 0 && rc > -SF_WIRE_STATUS_COUNT && rc != SF_WIRE_NO_SPACE);
  /* The checksum verdict comes after every length check. */
  if (rc == SF_WIRE_BAD_CHECKSUM)
    CHECK(rc_skip == SF_WIRE_OK || rc_skip == SF_WIRE_BAD_FLAGS);
  else
    CHECK(rc == rc_skip);
  if (rc_skip != SF_WIRE_OK)
    return 0;
  check_bounds(&hs, data, size);
  if (rc == SF_WIRE_OK)
    CHECK(same_fields(&h, &hs) && h.checksum == hs.checksum);
  check_addr(hs.src);
  check_addr(hs.dst);
  round_trip(&hs, data, rc == SF_WIRE_OK);
  return 0;
}
