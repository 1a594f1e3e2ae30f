/*
 * One line per Ethernet frame, in the manner of `tcpdump -n -e`
 * (describe.h). Each layer is parsed with the real parser, so the line
 * shows exactly what the stack would accept; the first layer that fails
 * ends the line with "malformed <layer>: <STATUS>".
 *
 *   sf__frame_describe  entry point
 *   describe_eth -> describe_arp | describe_ipv4 -> describe_icmp |
 *                                                   describe_tcp
 *
 * Output goes through struct line, which never writes past cap and keeps
 * the buffer NUL-terminated after every append.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/describe.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/status.h"
#include "wire/tcp.h"

struct line {
  char *out;
  size_t cap;
  size_t len; /* characters appended so far, even those cut off */
};

static void put(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...) {
  size_t room = l->len < l->cap ? l->cap - l->len : 0;
  if (room <= 1) /* full: only the terminating NUL fits, already there */
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(l->out + l->len, room, fmt, ap);
  va_end(ap);
  if (n > 0)
    l->len += (size_t)n;
}

static void put_malformed(struct line *l, const char *layer, int status) {
  put(l, "malformed %s: %s", layer, sf__wire_status_name(status));
}

static void describe_arp(struct line *l, const uint8_t *pkt, size_t len) {
  struct sf_arp a;
  int rc = sf__arp_parse(pkt, len, &a);
  if (rc != SF_WIRE_OK) {
    put_malformed(l, "arp", rc);
    return;
  }
  char spa[16], tpa[16], mac[18];
  sf__ipv4_addr_format(a.spa, spa);
  sf__ipv4_addr_format(a.tpa, tpa);
  if (a.oper == SF_ARP_OP_REQUEST)
    put(l, "Request who-has %s tell %s", tpa, spa);
  else
    put(l, "Reply %s is-at %s", spa, sf__eth_addr_format(&a.sha, mac));
}

/* One option, already validated by the parser: opt[1] is its length. */
static void put_tcp_option(struct line *l, const uint8_t *opt) {
  uint8_t len = opt[1];
  switch (opt[0]) {
  case SF_TCPOPT_MSS:
    put(l, "mss %u", sf__load_be16(opt + 2));
    break;
  case SF_TCPOPT_WSCALE:
    put(l, "wscale %u", opt[2]);
    break;
  case SF_TCPOPT_SACK_PERM:
    put(l, "sackOK");
    break;
  case SF_TCPOPT_TIMESTAMP:
    put(l, "TS val %u ecr %u", sf__load_be32(opt + 2), sf__load_be32(opt + 6));
    break;
  case SF_TCPOPT_SACK:
    put(l, "sack %u ", (len - 2u) / 8);
    for (size_t i = 2; i + 8 <= len; i += 8)
      put(l, "{%u:%u}", sf__load_be32(opt + i), sf__load_be32(opt + i + 4));
    break;
  default:
    put(l, "unknown-%u", opt[0]);
    if (len > 2)
      put(l, " 0x");
    for (size_t i = 2; i < len; i++)
      put(l, "%02x", opt[i]);
    break;
  }
}

/* The options in wire order, NOPs included, as tcpdump lists them. */
static void put_tcp_options(struct line *l, const uint8_t *opt, size_t len) {
  put(l, ", options [");
  for (size_t i = 0; i < len;) {
    if (i)
      put(l, ",");
    if (opt[i] == SF_TCPOPT_EOL) {
      put(l, "eol");
      break;
    }
    if (opt[i] == SF_TCPOPT_NOP) {
      put(l, "nop");
      i++;
      continue;
    }
    put_tcp_option(l, opt + i);
    i += opt[i + 1];
  }
  put(l, "]");
}

static void describe_tcp(struct line *l, const struct sf_ipv4_hdr *ip,
                         const char *src, const char *dst) {
  struct sf_tcp_hdr h;
  int rc = sf__tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, 0, &h);
  if (rc != SF_WIRE_OK) {
    put(l, "%s > %s: ", src, dst);
    put_malformed(l, "tcp", rc);
    return;
  }
  char flags[12];
  put(l, "%s.%u > %s.%u: Flags [%s]", src, h.sport, dst, h.dport,
      sf__tcp_flags_format(h.flags, flags));
  /* tcpdump shows seq only when the segment occupies sequence space or is
   * a reset, and the end of the data when there is data. */
  if (h.payload_len || (h.flags & (SF_TCP_SYN | SF_TCP_FIN | SF_TCP_RST))) {
    put(l, ", seq %u", h.seq.v);
    if (h.payload_len)
      put(l, ":%u", sf_seq_add(h.seq, (uint32_t)h.payload_len).v);
  }
  if (h.flags & SF_TCP_ACK)
    put(l, ", ack %u", h.ack.v);
  put(l, ", win %u", h.window);
  if (h.flags & SF_TCP_URG)
    put(l, ", urg %u", h.urgent);
  if (h.hdr_len > SF_TCP_MIN_HDR_LEN)
    put_tcp_options(l, ip->payload + SF_TCP_MIN_HDR_LEN,
                    (size_t)h.hdr_len - SF_TCP_MIN_HDR_LEN);
  put(l, ", length %zu", h.payload_len);
}

static const char *unreach_reason(const struct sf_icmp *m, char *buf,
                                  size_t cap) {
  switch (m->code) {
  case SF_ICMP_UNREACH_NET:
    return "net";
  case SF_ICMP_UNREACH_HOST:
    return "host";
  case SF_ICMP_UNREACH_PROTOCOL:
    return "protocol";
  case SF_ICMP_UNREACH_PORT:
    return "port";
  case SF_ICMP_UNREACH_FRAG_NEEDED:
    snprintf(buf, cap, "need to frag, mtu %u", m->next_hop_mtu);
    return buf;
  case SF_ICMP_UNREACH_ADMIN:
    return "admin prohibited";
  default:
    snprintf(buf, cap, "code %u", m->code);
    return buf;
  }
}

/* For an error message: the datagram it quotes, with ports for TCP. */
static void put_icmp_quote(struct line *l, const struct sf_icmp *m) {
  struct sf_icmp_quote q;
  if (sf__icmp_parse_quote(m, &q) != SF_WIRE_OK)
    return;
  char src[16], dst[16];
  sf__ipv4_addr_format(q.ip.src, src);
  sf__ipv4_addr_format(q.ip.dst, dst);
  if (q.ip.proto == SF_IPPROTO_TCP)
    put(l, " for tcp %s.%u > %s.%u", src, q.sport, dst, q.dport);
  else
    put(l, " for ip-proto-%u %s > %s", q.ip.proto, src, dst);
}

static void describe_icmp(struct line *l, const struct sf_ipv4_hdr *ip) {
  struct sf_icmp m;
  int rc = sf__icmp_parse(ip->payload, ip->payload_len, 0, &m);
  if (rc != SF_WIRE_OK) {
    put_malformed(l, "icmp", rc);
    return;
  }
  char buf[32];
  switch (m.type) {
  case SF_ICMP_ECHO_REQUEST:
  case SF_ICMP_ECHO_REPLY:
    put(l, "ICMP echo %s, id %u, seq %u",
        m.type == SF_ICMP_ECHO_REQUEST ? "request" : "reply", m.echo_id,
        m.echo_seq);
    break;
  case SF_ICMP_DEST_UNREACH:
    put(l, "ICMP unreachable (%s)", unreach_reason(&m, buf, sizeof buf));
    put_icmp_quote(l, &m);
    break;
  case SF_ICMP_TIME_EXCEEDED:
    put(l, "ICMP time exceeded (code %u)", m.code);
    put_icmp_quote(l, &m);
    break;
  case SF_ICMP_PARAM_PROBLEM:
    put(l, "ICMP parameter problem (code %u)", m.code);
    put_icmp_quote(l, &m);
    break;
  default:
    put(l, "ICMP type %u, code %u", m.type, m.code);
    break;
  }
  put(l, ", length %zu", ip->payload_len);
}

static void describe_ipv4(struct line *l, const uint8_t *pkt, size_t len) {
  struct sf_ipv4_hdr ip;
  int rc = sf__ipv4_parse(pkt, len, 0, &ip);
  if (rc != SF_WIRE_OK) {
    put_malformed(l, "ipv4", rc);
    return;
  }
  char src[16], dst[16];
  sf__ipv4_addr_format(ip.src, src);
  sf__ipv4_addr_format(ip.dst, dst);
  /* A fragment's transport header is absent or incomplete: no parsing. */
  if (sf__ipv4_is_fragment(&ip)) {
    put(l, "%s > %s: ip-proto-%u, frag id %u, offset %u%s, length %zu", src,
        dst, ip.proto, ip.id, ip.frag_offset * 8u,
        (ip.flags & SF_IPV4_FLAG_MF) ? "+" : "", ip.payload_len);
    return;
  }
  switch (ip.proto) {
  case SF_IPPROTO_TCP:
    describe_tcp(l, &ip, src, dst);
    break;
  case SF_IPPROTO_ICMP:
    put(l, "%s > %s: ", src, dst);
    describe_icmp(l, &ip);
    break;
  default:
    put(l, "%s > %s: ip-proto-%u, length %zu", src, dst, ip.proto,
        ip.payload_len);
    break;
  }
}

static void describe_eth(struct line *l, const uint8_t *frame, size_t len) {
  struct sf_eth_hdr eth;
  int rc = sf__eth_parse(frame, len, &eth);
  if (rc != SF_WIRE_OK) {
    put_malformed(l, "eth", rc);
    return;
  }
  char src[18], dst[18];
  put(l, "%s > %s, ", sf__eth_addr_format(&eth.src, src),
      sf__eth_addr_format(&eth.dst, dst));
  if (eth.has_vlan)
    put(l, "vlan %u, ", eth.vlan_tci & 0x0fffu);
  switch (eth.ethertype) {
  case SF_ETHERTYPE_ARP:
    put(l, "ARP, ");
    describe_arp(l, eth.payload, eth.payload_len);
    break;
  case SF_ETHERTYPE_IPV4:
    put(l, "IPv4, ");
    describe_ipv4(l, eth.payload, eth.payload_len);
    break;
  case SF_ETHERTYPE_IPV6:
    put(l, "IPv6, length %zu", eth.payload_len);
    break;
  default:
    put(l, "ethertype 0x%04x, length %zu", eth.ethertype, eth.payload_len);
    break;
  }
}

char *sf__frame_describe(const uint8_t *frame, size_t len, char *out,
                         size_t cap) {
  if (cap == 0)
    return out;
  struct line l = {out, cap, 0};
  out[0] = '\0';
  describe_eth(&l, frame, len);
  return out;
}
