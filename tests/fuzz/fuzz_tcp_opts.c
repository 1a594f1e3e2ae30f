/*
 * libFuzzer target for the TCP option parser (lib/wire/tcp_opts.c).
 *
 * Input: an option area of any length. Invariants (abort on violation):
 *   - the parsed options are self-consistent (SACK bit iff 1..4 blocks);
 *   - when the area fits in a header (<= 40 bytes, a multiple of 4),
 *     sf__tcp_parse of a header carrying it gives the same result;
 *   - options that parse are emitted through a whole header (or refused
 *     with BAD_OPTION exactly when sf__tcp_opts_len says they do not fit)
 *     and parse back to the same options.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/status.h"
#include "wire/tcp.h"

#include "fuzz.h"

#define SRC 0xc6120001u
#define DST 0xc6120002u

/* The same area inside a 20 + size byte header, parsed as a segment. */
static void check_in_header(const uint8_t *data, size_t size, int rc,
                            const struct sf_tcp_opts *o) {
  uint8_t seg[SF_TCP_MAX_HDR_LEN];
  memset(seg, 0, SF_TCP_MIN_HDR_LEN);
  seg[12] = (uint8_t)((SF_TCP_MIN_HDR_LEN + size) / 4 << 4);
  seg[13] = SF_TCP_ACK;
  memcpy(seg + SF_TCP_MIN_HDR_LEN, data, size);
  struct sf_tcp_hdr h;
  int hrc = sf__tcp_parse(seg, SF_TCP_MIN_HDR_LEN + size, SRC, DST,
                          SF_WIRE_SKIP_CHECKSUM, &h);
  CHECK(hrc == rc);
  if (rc == SF_WIRE_OK)
    CHECK(sf_fuzz_same_tcp_opts(o, &h.opts) && h.opts.unknown_count == o->unknown_count);
}

static void check_emit(const struct sf_tcp_opts *o) {
  struct sf_tcp_hdr h;
  memset(&h, 0, sizeof h);
  h.sport = 40000;
  h.dport = 80;
  h.flags = SF_TCP_ACK;
  h.opts = *o;
  uint8_t *buf = malloc(SF_TCP_MAX_HDR_LEN);
  CHECK(buf);
  int len = sf__tcp_opts_len(o);
  int n = sf__tcp_emit(&h, NULL, 0, SRC, DST, 0, buf, SF_TCP_MAX_HDR_LEN);
  if (len < 0) {
    CHECK(len == SF_WIRE_BAD_OPTION && n == SF_WIRE_BAD_OPTION);
  } else {
    CHECK(len % 4 == 0 && len <= SF_TCP_MAX_OPTIONS_LEN);
    CHECK(n == SF_TCP_MIN_HDR_LEN + len);
    struct sf_tcp_hdr p;
    CHECK(sf__tcp_parse(buf, (size_t)n, SRC, DST, 0, &p) == SF_WIRE_OK);
    CHECK(sf_fuzz_same_tcp_opts(o, &p.opts) && p.opts.unknown_count == 0);
    CHECK(p.hdr_len == n);
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sf_tcp_opts o;
  int rc = sf__tcp_opts_parse(data, size, &o);
  CHECK(rc == SF_WIRE_OK || rc == SF_WIRE_BAD_OPTION);
  if (size <= SF_TCP_MAX_OPTIONS_LEN && size % 4 == 0)
    check_in_header(data, size, rc, &o);
  if (rc != SF_WIRE_OK)
    return 0;
  CHECK((o.present & ~0x1f) == 0);
  CHECK(o.sack_count <= SF_TCP_MAX_SACK_BLOCKS);
  CHECK(((o.present & SF_TCP_OPT_SACK) != 0) == (o.sack_count != 0));
  check_emit(&o);
  return 0;
}
