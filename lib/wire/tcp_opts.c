/*
 * TCP options: parsing the option area of a header and writing the
 * options synfin sends.
 *
 *   sf__tcp_opts_parse  option area -> struct sf_tcp_opts (bounds-checked)
 *   sf__tcp_opts_len    bytes the emitter will write, or BAD_OPTION
 *   sf__tcp_opts_emit   struct sf_tcp_opts -> option area (tcp.c only)
 *
 * Known options: EOL and NOP (RFC 9293 3.1), MSS (RFC 9293 3.7.1), window
 * scale and timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018).
 */
#include "config.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/status.h"
#include "wire/tcp.h"

#define OPT_LEN_MSS 4
#define OPT_LEN_WSCALE 3
#define OPT_LEN_SACK_PERM 2
#define OPT_LEN_TIMESTAMP 10
#define OPT_LEN_SACK_BLOCK 8

/* The SACK option's length is 2 + 8n with 1 <= n <= 4 (RFC 2018 3). */
static int parse_sack(const uint8_t *opt, uint8_t len,
                      struct sf_tcp_opts *out) {
  size_t body = (size_t)len - 2;
  if (body == 0 || body % OPT_LEN_SACK_BLOCK != 0 ||
      body / OPT_LEN_SACK_BLOCK > SF_TCP_MAX_SACK_BLOCKS)
    return SF_WIRE_BAD_OPTION;
  out->sack_count = (uint8_t)(body / OPT_LEN_SACK_BLOCK);
  for (uint8_t i = 0; i < out->sack_count; i++) {
    const uint8_t *b = opt + 2 + (size_t)i * OPT_LEN_SACK_BLOCK;
    out->sack[i].left = sf_seq(sf__load_be32(b));
    out->sack[i].right = sf_seq(sf__load_be32(b + 4));
  }
  out->present |= SF_TCP_OPT_SACK;
  return SF_WIRE_OK;
}

/*
 * Decodes one option with a length byte (kind >= 2): opt points at its
 * kind and len bytes of it lie inside the area. A known option with the
 * wrong length is malformed (RFC 9293 3.1 says to treat such a segment as
 * broken rather than guess); a repeated option overrides the earlier one,
 * as Linux does.
 */
static int parse_one(const uint8_t *opt, uint8_t len, struct sf_tcp_opts *out) {
  switch (opt[0]) {
  case SF_TCPOPT_MSS:
    if (len != OPT_LEN_MSS)
      return SF_WIRE_BAD_OPTION;
    out->mss = sf__load_be16(opt + 2);
    out->present |= SF_TCP_OPT_MSS;
    return SF_WIRE_OK;
  case SF_TCPOPT_WSCALE:
    if (len != OPT_LEN_WSCALE)
      return SF_WIRE_BAD_OPTION;
    out->wscale = opt[2];
    out->present |= SF_TCP_OPT_WSCALE;
    return SF_WIRE_OK;
  case SF_TCPOPT_SACK_PERM:
    if (len != OPT_LEN_SACK_PERM)
      return SF_WIRE_BAD_OPTION;
    out->present |= SF_TCP_OPT_SACK_PERM;
    return SF_WIRE_OK;
  case SF_TCPOPT_TIMESTAMP:
    if (len != OPT_LEN_TIMESTAMP)
      return SF_WIRE_BAD_OPTION;
    out->ts_val = sf__load_be32(opt + 2);
    out->ts_ecr = sf__load_be32(opt + 6);
    out->present |= SF_TCP_OPT_TIMESTAMP;
    return SF_WIRE_OK;
  case SF_TCPOPT_SACK:
    return parse_sack(opt, len, out);
  default:
    /* RFC 9293 3.1: an unknown option is skipped by its length. */
    if (out->unknown_count < UINT8_MAX)
      out->unknown_count++;
    return SF_WIRE_OK;
  }
}

int sf__tcp_opts_parse(const uint8_t *opt, size_t opt_len,
                       struct sf_tcp_opts *out) {
  memset(out, 0, sizeof *out);
  size_t i = 0;
  while (i < opt_len) {
    uint8_t kind = opt[i];
    if (kind == SF_TCPOPT_EOL)
      break; /* the rest of the area is padding */
    if (kind == SF_TCPOPT_NOP) {
      i++;
      continue;
    }
    /* Every other kind has a length byte counting kind and length. */
    if (opt_len - i < 2)
      return SF_WIRE_BAD_OPTION;
    uint8_t len = opt[i + 1];
    if (len < 2 || len > opt_len - i)
      return SF_WIRE_BAD_OPTION;
    int rc = parse_one(opt + i, len, out);
    if (rc != SF_WIRE_OK)
      return rc;
    i += len;
  }
  return SF_WIRE_OK;
}

int sf__tcp_opts_len(const struct sf_tcp_opts *opts) {
  size_t len = 0;
  if (opts->present & SF_TCP_OPT_MSS)
    len += 4;
  /* SACK-permitted rides in the two bytes before timestamps, else NOP NOP. */
  if (opts->present & SF_TCP_OPT_TIMESTAMP)
    len += 12;
  else if (opts->present & SF_TCP_OPT_SACK_PERM)
    len += 4;
  if (opts->present & SF_TCP_OPT_WSCALE)
    len += 4;
  if (opts->present & SF_TCP_OPT_SACK) {
    if (opts->sack_count < 1 || opts->sack_count > SF_TCP_MAX_SACK_BLOCKS)
      return SF_WIRE_BAD_OPTION;
    len += 4 + (size_t)opts->sack_count * OPT_LEN_SACK_BLOCK;
  }
  if (len > SF_TCP_MAX_OPTIONS_LEN)
    return SF_WIRE_BAD_OPTION;
  return (int)len;
}

static uint8_t *put_timestamps(uint8_t *p, const struct sf_tcp_opts *opts) {
  *p++ = SF_TCPOPT_TIMESTAMP;
  *p++ = OPT_LEN_TIMESTAMP;
  sf__store_be32(p, opts->ts_val);
  sf__store_be32(p + 4, opts->ts_ecr);
  return p + 8;
}

static uint8_t *put_sack(uint8_t *p, const struct sf_tcp_opts *opts) {
  *p++ = SF_TCPOPT_NOP;
  *p++ = SF_TCPOPT_NOP;
  *p++ = SF_TCPOPT_SACK;
  *p++ = (uint8_t)(2 + opts->sack_count * OPT_LEN_SACK_BLOCK);
  for (uint8_t i = 0; i < opts->sack_count; i++) {
    sf__store_be32(p, opts->sack[i].left.v);
    sf__store_be32(p + 4, opts->sack[i].right.v);
    p += OPT_LEN_SACK_BLOCK;
  }
  return p;
}

/*
 * The layout is Linux's (tcp_options_write), so that every option is
 * aligned to its natural boundary and captures compare byte for byte:
 * MSS; SACK-permitted packed before timestamps (or NOP NOP TS, or NOP NOP
 * SACK-permitted); NOP window scale; NOP NOP SACK blocks.
 */
int sf__tcp_opts_emit(const struct sf_tcp_opts *opts, uint8_t *buf,
                      size_t cap) {
  int len = sf__tcp_opts_len(opts);
  if (len < 0)
    return len;
  if ((size_t)len > cap)
    return SF_WIRE_NO_SPACE;
  uint8_t *p = buf;
  bool ts = opts->present & SF_TCP_OPT_TIMESTAMP;
  bool sack_perm = opts->present & SF_TCP_OPT_SACK_PERM;
  if (opts->present & SF_TCP_OPT_MSS) {
    *p++ = SF_TCPOPT_MSS;
    *p++ = OPT_LEN_MSS;
    sf__store_be16(p, opts->mss);
    p += 2;
  }
  if (ts) {
    *p++ = sack_perm ? SF_TCPOPT_SACK_PERM : SF_TCPOPT_NOP;
    *p++ = sack_perm ? OPT_LEN_SACK_PERM : SF_TCPOPT_NOP;
    p = put_timestamps(p, opts);
  } else if (sack_perm) {
    *p++ = SF_TCPOPT_NOP;
    *p++ = SF_TCPOPT_NOP;
    *p++ = SF_TCPOPT_SACK_PERM;
    *p++ = OPT_LEN_SACK_PERM;
  }
  if (opts->present & SF_TCP_OPT_WSCALE) {
    *p++ = SF_TCPOPT_NOP;
    *p++ = SF_TCPOPT_WSCALE;
    *p++ = OPT_LEN_WSCALE;
    *p++ = opts->wscale;
  }
  if (opts->present & SF_TCP_OPT_SACK)
    p = put_sack(p, opts);
  return (int)(p - buf);
}
