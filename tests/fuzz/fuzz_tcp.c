/*
 * libFuzzer target for the TCP header parser and emitter (lib/wire/tcp.c).
 *
 * Input: 4 bytes source address, 4 bytes destination address (big-endian),
 * then the segment. Invariants (abort on violation):
 *   - parsing with and without SF_WIRE_SKIP_CHECKSUM agree, differing only
 *     by BAD_CHECKSUM, which happens exactly when the checksum is wrong;
 *   - a parsed header's lengths and payload lie inside the input;
 *   - emit(parse(x)) parses again, with a valid checksum, to the same
 *     header (options compared by meaning: the layout may differ), and
 *     emitting that gives the same bytes;
 *   - a partial-checksum emit stores the pseudo-header sum, and finishing
 *     it over the segment gives the full checksum.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/status.h"
#include "wire/tcp.h"

#include "fuzz.h"

static bool same_hdr(const struct sf_tcp_hdr *a, const struct sf_tcp_hdr *b) {
  return a->sport == b->sport && a->dport == b->dport && a->seq.v == b->seq.v &&
         a->ack.v == b->ack.v && a->flags == b->flags &&
         a->window == b->window && a->urgent == b->urgent &&
         a->payload_len == b->payload_len &&
         memcmp(a->payload, b->payload, a->payload_len) == 0;
}

static void check_parsed(const struct sf_tcp_hdr *h, const uint8_t *seg,
                         size_t len) {
  CHECK(h->hdr_len >= SF_TCP_MIN_HDR_LEN && h->hdr_len <= SF_TCP_MAX_HDR_LEN);
  CHECK(h->hdr_len % 4 == 0 && h->hdr_len <= len);
  CHECK(h->payload == seg + h->hdr_len);
  CHECK(h->payload_len == len - h->hdr_len);
  CHECK((h->flags & ~SF_TCP_FLAGS_MASK) == 0);
  CHECK(!((h->flags & SF_TCP_SYN) && (h->flags & (SF_TCP_FIN | SF_TCP_RST))));
  CHECK((h->opts.present & ~0x1f) == 0);
  CHECK(h->opts.sack_count <= SF_TCP_MAX_SACK_BLOCKS);
  CHECK(((h->opts.present & SF_TCP_OPT_SACK) != 0) ==
        (h->opts.sack_count != 0));
  CHECK(h->checksum == sf__load_be16(seg + 16));
  CHECK(sf__tcp_seg_len(h) ==
        h->payload_len + !!(h->flags & SF_TCP_SYN) + !!(h->flags & SF_TCP_FIN));
  char f[12];
  CHECK(strlen(sf__tcp_flags_format(h->flags, f)) <= 9);
}

/* Emits h, parses it back and compares; then checks the partial sum. */
static void check_emit(const struct sf_tcp_hdr *h, uint32_t src, uint32_t dst) {
  int opts_len = sf__tcp_opts_len(&h->opts);
  size_t cap = SF_TCP_MAX_HDR_LEN + h->payload_len;
  uint8_t *buf = malloc(cap);
  uint8_t *again = malloc(cap);
  CHECK(buf && again);
  int n = sf__tcp_emit(h, h->payload, h->payload_len, src, dst, 0, buf, cap);
  if (opts_len < 0) {
    /* Options a peer may pack tighter than our layout: refused, not cut. */
    CHECK(n == SF_WIRE_BAD_OPTION);
    goto out;
  }
  if (n == SF_WIRE_BAD_LENGTH) {
    CHECK(SF_TCP_MIN_HDR_LEN + (size_t)opts_len + h->payload_len > 0xffff);
    goto out;
  }
  CHECK(n == SF_TCP_MIN_HDR_LEN + opts_len + (int)h->payload_len);
  struct sf_tcp_hdr p;
  CHECK(sf__tcp_parse(buf, (size_t)n, src, dst, 0, &p) == SF_WIRE_OK);
  CHECK(same_hdr(h, &p) && sf_fuzz_same_tcp_opts(&h->opts, &p.opts));
  CHECK(p.hdr_len == SF_TCP_MIN_HDR_LEN + opts_len);
  CHECK(p.opts.unknown_count == 0);
  CHECK(sf__tcp_emit(&p, p.payload, p.payload_len, src, dst, 0, again, cap) ==
        n);
  CHECK(memcmp(buf, again, (size_t)n) == 0);

  CHECK(sf__tcp_emit(h, h->payload, h->payload_len, src, dst,
                     SF_TCP_EMIT_PARTIAL_CSUM, again, cap) == n);
  CHECK(sf__load_be16(again + 16) ==
        sf__csum_pseudo_ipv4(src, dst, 6, (uint16_t)n));
  uint16_t csum = sf__csum_finish(sf__csum_add(0, again, (size_t)n));
  sf__store_be16(again + 16, csum);
  CHECK(sf__tcp_checksum_ok(again, (size_t)n, src, dst));
out:
  free(buf);
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8)
    return 0;
  uint32_t src = sf__load_be32(data);
  uint32_t dst = sf__load_be32(data + 4);
  const uint8_t *seg = data + 8;
  size_t len = size - 8;

  struct sf_tcp_hdr skip, full;
  int rc_skip = sf__tcp_parse(seg, len, src, dst, SF_WIRE_SKIP_CHECKSUM, &skip);
  int rc = sf__tcp_parse(seg, len, src, dst, 0, &full);
  CHECK(rc <= 0 && rc_skip <= 0 && rc_skip != SF_WIRE_BAD_CHECKSUM);
  if (rc_skip == SF_WIRE_TRUNCATED || rc_skip == SF_WIRE_BAD_LENGTH) {
    CHECK(rc == rc_skip);
    return 0;
  }
  /* The lengths are sound from here on: the checksum alone decides. */
  bool csum_ok = sf__tcp_checksum_ok(seg, len, src, dst);
  CHECK(rc == (csum_ok ? rc_skip : SF_WIRE_BAD_CHECKSUM));
  if (rc_skip != SF_WIRE_OK)
    return 0;
  check_parsed(&skip, seg, len);
  if (rc == SF_WIRE_OK)
    CHECK(same_hdr(&skip, &full) && sf_fuzz_same_tcp_opts(&skip.opts, &full.opts) &&
          skip.hdr_len == full.hdr_len);
  check_emit(&skip, src, dst);
  return 0;
}
