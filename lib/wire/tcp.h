/*
 * TCP headers and options (RFC 9293 3.1; RFC 7323 window scale and
 * timestamps; RFC 2018 SACK; RFC 3168 / RFC 9768 ECN bits).
 *
 * Ports and numbers are in host byte order; sequence numbers are sf_seq_t.
 */
#ifndef SF_WIRE_TCP_H
#define SF_WIRE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ipv4.h" /* SF_WIRE_SKIP_CHECKSUM */
#include "wire/seq.h"

#define SF_TCP_MIN_HDR_LEN 20
#define SF_TCP_MAX_HDR_LEN 60
#define SF_TCP_MAX_OPTIONS_LEN 40

/* The nine flag bits, as laid out in the 16-bit word after the offset. */
#define SF_TCP_FIN 0x001
#define SF_TCP_SYN 0x002
#define SF_TCP_RST 0x004
#define SF_TCP_PSH 0x008
#define SF_TCP_ACK 0x010
#define SF_TCP_URG 0x020
#define SF_TCP_ECE 0x040
#define SF_TCP_CWR 0x080
#define SF_TCP_AE 0x100 /* formerly NS (RFC 3540, historic); AccECN */
#define SF_TCP_FLAGS_MASK 0x1ff

/* Option kinds. */
#define SF_TCPOPT_EOL 0
#define SF_TCPOPT_NOP 1
#define SF_TCPOPT_MSS 2
#define SF_TCPOPT_WSCALE 3
#define SF_TCPOPT_SACK_PERM 4
#define SF_TCPOPT_SACK 5
#define SF_TCPOPT_TIMESTAMP 8

/* Bits of sf_tcp_opts.present. */
#define SF_TCP_OPT_MSS 0x01
#define SF_TCP_OPT_WSCALE 0x02
#define SF_TCP_OPT_SACK_PERM 0x04
#define SF_TCP_OPT_SACK 0x08
#define SF_TCP_OPT_TIMESTAMP 0x10

#define SF_TCP_MAX_SACK_BLOCKS 4
/* RFC 7323 2.3: a shift count above 14 is treated as 14. */
#define SF_TCP_MAX_WSCALE 14

struct sf_tcp_sack_block {
  sf_seq_t left;  /* first sequence number of the block */
  sf_seq_t right; /* sequence number just after the block */
};

/*
 * The options synfin understands. On parse, an option's field is valid
 * only when its bit is set in present; unknown options are skipped by
 * their length and counted in unknown_count. On emit, only the options
 * whose bits are set are written.
 */
struct sf_tcp_opts {
  uint8_t present;
  uint16_t mss;
  uint8_t wscale; /* as received; the caller clamps to SF_TCP_MAX_WSCALE */
  uint32_t ts_val;
  uint32_t ts_ecr;
  uint8_t sack_count;
  struct sf_tcp_sack_block sack[SF_TCP_MAX_SACK_BLOCKS];
  uint8_t unknown_count;
};

/*
 * A parsed (or to-be-emitted) TCP header. On parse, payload points into
 * the parsed segment and is valid as long as the segment is.
 */
struct sf_tcp_hdr {
  uint16_t sport;
  uint16_t dport;
  sf_seq_t seq;
  sf_seq_t ack;
  uint8_t hdr_len; /* bytes: 20..60, from the data offset */
  uint16_t flags;  /* SF_TCP_* flag bits */
  uint16_t window; /* unscaled, as on the wire */
  uint16_t checksum;
  uint16_t urgent;
  struct sf_tcp_opts opts;
  const uint8_t *payload;
  size_t payload_len;
};

/*
 * Parses the len-byte segment (the whole IPv4 payload) sent from src to
 * dst (host byte order; used for the pseudo-header checksum).
 *
 * Every length is checked before it is used: SF_WIRE_TRUNCATED when len
 * is under 20 or under the data offset; SF_WIRE_BAD_LENGTH when the data
 * offset is under 5 or len is over 65535 (more than the pseudo-header's
 * length field can say); SF_WIRE_BAD_CHECKSUM when the checksum does not
 * verify (unless flags has SF_WIRE_SKIP_CHECKSUM, for frames whose
 * checksum the sender left to offload); SF_WIRE_BAD_FLAGS for SYN with
 * FIN or SYN with RST, which no valid segment carries; SF_WIRE_BAD_OPTION
 * when an option's length is under 2 or runs past the header, or a known
 * option has the wrong length (MSS 4, window scale 3, SACK-permitted 2,
 * timestamps 10, SACK 2 + 8n with 1 <= n <= 4). Parsing stops at EOL.
 */
int sf__tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                  unsigned flags, struct sf_tcp_hdr *out);

/*
 * Parses just the option area (opt_len bytes at opt). Same errors as the
 * option part of sf__tcp_parse. Exposed for tests and fuzzing.
 */
int sf__tcp_opts_parse(const uint8_t *opt, size_t opt_len,
                       struct sf_tcp_opts *out);

/*
 * The bytes the options in opts take when emitted, padded to a multiple
 * of 4, or SF_WIRE_BAD_OPTION when they exceed 40 bytes (too many SACK
 * blocks beside timestamps: trim sack_count).
 */
int sf__tcp_opts_len(const struct sf_tcp_opts *opts);

/* internal to tcp.c/tcp_opts.c: writes the options of opts at buf in the
 * layout sf__tcp_emit documents; returns the bytes written (as
 * sf__tcp_opts_len), SF_WIRE_BAD_OPTION or SF_WIRE_NO_SPACE. */
int sf__tcp_opts_emit(const struct sf_tcp_opts *opts, uint8_t *buf,
                      size_t cap);

/*
 * Writes header h with its options (laid out as Linux does, each aligned
 * with NOPs: MSS, SACK-permitted, timestamps, window scale, SACK blocks),
 * then payload_len bytes of payload, and fills in the checksum for a
 * segment from src to dst. The payload may already sit where it belongs
 * (payload == buf + header length): it is moved with memmove, never
 * assumed disjoint. h->hdr_len and h->checksum are ignored and computed.
 *
 * Returns the segment's total length, SF_WIRE_NO_SPACE when cap is too
 * small, SF_WIRE_BAD_OPTION as sf__tcp_opts_len, or SF_WIRE_BAD_LENGTH
 * when the segment would exceed 65535 bytes. If flags has
 * SF_TCP_EMIT_PARTIAL_CSUM, only the pseudo-header sum is stored in the
 * checksum field, for a link that finishes it (checksum offload).
 */
#define SF_TCP_EMIT_PARTIAL_CSUM 0x1
int sf__tcp_emit(const struct sf_tcp_hdr *h, const uint8_t *payload,
                 size_t payload_len, uint32_t src, uint32_t dst,
                 unsigned flags, uint8_t *buf, size_t cap);

/*
 * Verifies (or computes) the checksum of a whole segment in place:
 * returns true when the segment at seg, len bytes long, from src to dst,
 * has a valid checksum.
 */
bool sf__tcp_checksum_ok(const uint8_t *seg, size_t len, uint32_t src,
                         uint32_t dst);

/* The segment's sequence space: payload bytes plus one each for SYN, FIN. */
uint32_t sf__tcp_seg_len(const struct sf_tcp_hdr *h);

/*
 * Writes the flags as tcpdump does ("S", "S.", "F.", "R", "P.", ...,
 * with E, W, e for ECE, CWR and AE) into out (at least 12 bytes).
 */
char *sf__tcp_flags_format(uint16_t flags, char *out);

#endif /* SF_WIRE_TCP_H */
