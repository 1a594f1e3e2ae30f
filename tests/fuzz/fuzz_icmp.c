/*
 * libFuzzer target for ICMPv4 (lib/wire/icmp.c). Invariants: the body
 * lies inside the input; parse -> emit -> parse verifies and keeps every
 * field (fragmentation-needed's unused half-word is zeroed); a quote
 * parses only for error types, lies inside the body, and agrees with the
 * IPv4 parser on the same bytes. The input is also tried as the quoted
 * datagram of a destination unreachable, so the quote parser sees it
 * whatever the fuzzer did to the checksum.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/status.h"

#include "fuzz.h"

static bool is_echo(uint8_t type) {
  return type == SF_ICMP_ECHO_REQUEST || type == SF_ICMP_ECHO_REPLY;
}

static bool is_frag_needed(const struct sf_icmp *m) {
  return m->type == SF_ICMP_DEST_UNREACH &&
         m->code == SF_ICMP_UNREACH_FRAG_NEEDED;
}

static void check_quote(const struct sf_icmp *m) {
  struct sf_icmp_quote q;
  int rc = sf__icmp_parse_quote(m, &q);
  bool quotes = m->type == SF_ICMP_DEST_UNREACH ||
                m->type == SF_ICMP_TIME_EXCEEDED ||
                m->type == SF_ICMP_PARAM_PROBLEM;
  if (!quotes) {
    CHECK(rc == SF_WIRE_BAD_FIELD);
    return;
  }
  CHECK(rc == SF_WIRE_OK || rc == SF_WIRE_TRUNCATED ||
        rc == SF_WIRE_BAD_VERSION || rc == SF_WIRE_BAD_LENGTH);
  if (m->body_len < 20)
    CHECK(rc == SF_WIRE_TRUNCATED);
  if (rc != SF_WIRE_OK)
    return;
  const uint8_t *b = m->body;
  CHECK(q.ip.hdr_len >= 20 && q.ip.hdr_len <= 60 && q.ip.hdr_len % 4 == 0);
  CHECK(q.ip.options == b + 20 && q.ip.options_len == q.ip.hdr_len - 20u);
  CHECK(q.ip.payload == b + q.ip.hdr_len);
  CHECK(q.ip.payload_len == m->body_len - q.ip.hdr_len);
  CHECK(q.ip.payload_len >= 8);
  CHECK(q.sport == sf__load_be16(q.ip.payload));
  CHECK(q.dport == sf__load_be16(q.ip.payload + 2));
  CHECK(q.seq == sf__load_be32(q.ip.payload + 4));
  /* Where the IPv4 parser accepts the same bytes, both decode alike. */
  struct sf_ipv4_hdr ip;
  if (sf__ipv4_parse(b, m->body_len, SF_WIRE_SKIP_CHECKSUM, &ip) == SF_WIRE_OK)
    CHECK(ip.hdr_len == q.ip.hdr_len && ip.tos == q.ip.tos &&
          ip.total_len == q.ip.total_len && ip.id == q.ip.id &&
          ip.flags == q.ip.flags && ip.frag_offset == q.ip.frag_offset &&
          ip.ttl == q.ip.ttl && ip.proto == q.ip.proto &&
          ip.checksum == q.ip.checksum && ip.src == q.ip.src &&
          ip.dst == q.ip.dst);
}

static void round_trip(const struct sf_icmp *m, const uint8_t *data,
                       size_t size, bool verified) {
  uint8_t *out = malloc(size);
  CHECK(out != NULL);
  CHECK(sf__icmp_emit(m, out, size - 1) == SF_WIRE_NO_SPACE);
  CHECK(sf__icmp_emit(m, out, size) == (int)size);
  struct sf_icmp again;
  CHECK(sf__icmp_parse(out, size, 0, &again) == SF_WIRE_OK);
  CHECK(again.type == m->type && again.code == m->code);
  CHECK(again.echo_id == m->echo_id && again.echo_seq == m->echo_seq);
  CHECK(again.next_hop_mtu == m->next_hop_mtu);
  CHECK(again.rest == (is_frag_needed(m) ? m->next_hop_mtu : m->rest));
  CHECK(again.body == out + 8 && again.body_len == m->body_len);
  CHECK(memcmp(again.body, m->body, m->body_len) == 0);
  /* Same bytes but the checksum, unless a reserved half-word was zeroed. */
  CHECK(memcmp(out + 8, data + 8, size - 8) == 0);
  if (verified && again.rest == m->rest)
    CHECK(again.checksum == m->checksum ||
          (again.checksum == 0 && m->checksum == 0xffff));
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sf_icmp m, ms;
  int rc = sf__icmp_parse(data, size, 0, &m);
  int rc_skip = sf__icmp_parse(data, size, SF_WIRE_SKIP_CHECKSUM, &ms);
  if (size < SF_ICMP_HDR_LEN) {
    CHECK(rc == SF_WIRE_TRUNCATED && rc_skip == SF_WIRE_TRUNCATED);
  } else {
    CHECK(rc_skip == SF_WIRE_OK);
    CHECK(rc == SF_WIRE_OK || rc == SF_WIRE_BAD_CHECKSUM);
    CHECK(ms.body == data + 8 && ms.body_len == size - 8);
    CHECK(ms.echo_id == (is_echo(ms.type) ? ms.rest >> 16 : 0));
    CHECK(ms.next_hop_mtu == (is_frag_needed(&ms) ? (ms.rest & 0xffff) : 0));
    check_quote(&ms);
    round_trip(&ms, data, size, rc == SF_WIRE_OK);
  }
  /* The whole input as the datagram a destination unreachable quotes. */
  struct sf_icmp wrap = {.type = SF_ICMP_DEST_UNREACH,
                         .code = SF_ICMP_UNREACH_PORT,
                         .body = data,
                         .body_len = size};
  check_quote(&wrap);
  return 0;
}
