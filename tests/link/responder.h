/*
 * A tiny hand-made peer for link driver tests (packet_check, tap_check,
 * bench_link): with no TCP/IP stack, it answers the kernel over any
 * struct sf_link with frames built by lib/wire's emitters:
 *   ARP requests for our address  -> ARP reply
 *   ICMP echo requests            -> echo reply (same id, seq, data)
 *   TCP to `port`                 -> SYN-ACK, then a cumulative ACK for
 *                                    in-order data, FIN-ACK for a FIN;
 *                                    counts bytes and offload metadata
 * Header-only (static functions) so each test program stays one file.
 */
#ifndef SF_TESTS_LINK_RESPONDER_H
#define SF_TESTS_LINK_RESPONDER_H

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link/link.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/seq.h"
#include "wire/status.h"
#include "wire/tcp.h"

#define RESP_BATCH 32

struct resp {
  struct sf_link *link;
  uint32_t ip; /* ours, host order */
  struct sf_eth_addr mac;
  uint16_t port; /* TCP port we accept on */
  /* counters */
  unsigned arp_replies, echo_replies, own, bad_csum, tcp_segs;
  unsigned partial, gso, verified;
  uint64_t tcp_bytes;
  size_t max_len; /* longest frame received */
  unsigned fin_seen;
  /* the one TCP connection */
  int tcp_open;
  uint32_t peer_ip;
  uint16_t peer_port;
  struct sf_eth_addr peer_mac;
  sf_seq_t iss, snd_nxt, rcv_nxt;
  int lend; /* receive with recv_lend/recv_done instead of recv */
  uint8_t *rxbuf; /* RESP_BATCH receive buffers */
  size_t rxcap;
  uint8_t txbuf[2048];
};

static uint64_t resp_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int resp_init(struct resp *r, struct sf_link *link, uint32_t ip,
                     uint16_t port) {
  memset(r, 0, sizeof(*r));
  r->link = link;
  r->ip = ip;
  r->port = port;
  sf__link_hwaddr(link, r->mac.b);
  r->rxcap = sf__link_max_rx_frame(link);
  r->rxbuf = malloc(RESP_BATCH * r->rxcap);
  /* Near the top of sequence space, so the exchange wraps (seq.h). */
  r->iss = sf_seq(0xfffffff0u);
  return r->rxbuf ? 0 : -1;
}

static void resp_free(struct resp *r) { free(r->rxbuf); }

static void resp_send(struct resp *r, size_t len) {
  struct sf_frame f = {.data = r->txbuf, .len = len, .cap = len};
  if (sf__link_send(r->link, &f, 1, 0) != 1)
    fprintf(stderr, "responder: send failed\n");
}

/* Ethernet + IPv4 headers for a datagram of plen payload bytes. */
static size_t resp_ip_hdr(struct resp *r, const struct sf_eth_addr *dst,
                          uint32_t to, uint8_t proto, size_t plen) {
  struct sf_eth_hdr eh = {.dst = *dst, .src = r->mac,
                          .ethertype = SF_ETHERTYPE_IPV4};
  struct sf_ipv4_hdr ih = {.ttl = 64, .proto = proto, .src = r->ip, .dst = to,
                           .flags = SF_IPV4_FLAG_DF, .payload_len = plen};
  int e = sf__eth_emit(&eh, r->txbuf, sizeof(r->txbuf));
  int i = sf__ipv4_emit(&ih, r->txbuf + e, sizeof(r->txbuf) - (size_t)e);
  return (size_t)(e + i);
}

static void resp_arp(struct resp *r, const struct sf_eth_hdr *eh) {
  struct sf_arp a;
  if (sf__arp_parse(eh->payload, eh->payload_len, &a) != SF_WIRE_OK ||
      a.oper != SF_ARP_OP_REQUEST || a.tpa != r->ip)
    return;
  struct sf_eth_hdr out = {.dst = a.sha, .src = r->mac,
                           .ethertype = SF_ETHERTYPE_ARP};
  struct sf_arp rep = {.oper = SF_ARP_OP_REPLY, .sha = r->mac, .spa = r->ip,
                       .tha = a.sha, .tpa = a.spa};
  int e = sf__eth_emit(&out, r->txbuf, sizeof(r->txbuf));
  int n = sf__arp_emit(&rep, r->txbuf + e, sizeof(r->txbuf) - (size_t)e);
  resp_send(r, (size_t)(e + n));
  r->arp_replies++;
}

static void resp_icmp(struct resp *r, const struct sf_eth_hdr *eh,
                      const struct sf_ipv4_hdr *ih) {
  struct sf_icmp m;
  if (sf__icmp_parse(ih->payload, ih->payload_len, 0, &m) != SF_WIRE_OK ||
      m.type != SF_ICMP_ECHO_REQUEST || m.body_len > 1400)
    return;
  size_t h = resp_ip_hdr(r, &eh->src, ih->src, SF_IPPROTO_ICMP,
                         SF_ICMP_HDR_LEN + m.body_len);
  struct sf_icmp rep = {.type = SF_ICMP_ECHO_REPLY, .echo_id = m.echo_id,
                        .echo_seq = m.echo_seq, .body = m.body,
                        .body_len = m.body_len};
  int n = sf__icmp_emit(&rep, r->txbuf + h, sizeof(r->txbuf) - h);
  resp_send(r, h + (size_t)n);
  r->echo_replies++;
}

static void resp_tcp_out(struct resp *r, uint16_t flags) {
  struct sf_tcp_hdr th = {.sport = r->port, .dport = r->peer_port,
                          .seq = r->snd_nxt, .ack = r->rcv_nxt,
                          .flags = flags, .window = 0xffff};
  if (flags & SF_TCP_SYN) {
    th.opts.present = SF_TCP_OPT_MSS | SF_TCP_OPT_WSCALE;
    th.opts.mss = 1460;
    th.opts.wscale = 7; /* an 8 MiB window: lets the kernel use TSO */
  }
  int ol = sf__tcp_opts_len(&th.opts);
  size_t h = resp_ip_hdr(r, &r->peer_mac, r->peer_ip, SF_IPPROTO_TCP,
                         SF_TCP_MIN_HDR_LEN + (size_t)ol);
  int n = sf__tcp_emit(&th, NULL, 0, r->ip, r->peer_ip, 0, r->txbuf + h,
                       sizeof(r->txbuf) - h);
  resp_send(r, h + (size_t)n);
}

static void resp_tcp(struct resp *r, const struct sf_frame *f,
                     const struct sf_eth_hdr *eh,
                     const struct sf_ipv4_hdr *ih) {
  /* An unfinished checksum (offload on this host) is not checked. */
  unsigned pf =
      sf__frame_csum_vouched(f->meta.flags) ? SF_WIRE_SKIP_CHECKSUM : 0;
  struct sf_tcp_hdr th;
  int st = sf__tcp_parse(ih->payload, ih->payload_len, ih->src, ih->dst, pf,
                         &th);
  if (st == SF_WIRE_BAD_CHECKSUM)
    r->bad_csum++;
  if (st != SF_WIRE_OK || th.dport != r->port)
    return;
  r->tcp_segs++;
  if (th.flags & SF_TCP_SYN) {
    r->tcp_open = 1;
    r->peer_ip = ih->src;
    r->peer_port = th.sport;
    r->peer_mac = eh->src;
    r->rcv_nxt = sf_seq_add(th.seq, 1);
    r->snd_nxt = r->iss;
    resp_tcp_out(r, SF_TCP_SYN | SF_TCP_ACK);
    r->snd_nxt = sf_seq_add(r->iss, 1);
    return;
  }
  if (!r->tcp_open || th.sport != r->peer_port)
    return;
  if (sf_seq_eq(th.seq, r->rcv_nxt)) {
    r->rcv_nxt = sf_seq_add(r->rcv_nxt, (uint32_t)th.payload_len);
    r->tcp_bytes += th.payload_len;
    if (th.flags & SF_TCP_FIN) {
      r->rcv_nxt = sf_seq_add(r->rcv_nxt, 1);
      r->fin_seen = 1;
      resp_tcp_out(r, SF_TCP_FIN | SF_TCP_ACK);
      r->snd_nxt = sf_seq_add(r->snd_nxt, 1);
      return;
    }
  }
  if (th.payload_len || (th.flags & SF_TCP_FIN))
    resp_tcp_out(r, SF_TCP_ACK); /* in order or not: say what we have */
}

static void resp_frame(struct resp *r, const struct sf_frame *f) {
  struct sf_eth_hdr eh;
  if (f->len > r->max_len)
    r->max_len = f->len;
  if (f->meta.flags & SF_FRAME_CSUM_PARTIAL)
    r->partial++;
  if (f->meta.flags & SF_FRAME_CSUM_VERIFIED)
    r->verified++;
  if (f->meta.gso_type != SF_FRAME_GSO_NONE)
    r->gso++;
  if (sf__eth_parse(f->data, f->len, &eh) != SF_WIRE_OK)
    return;
  if (sf__eth_addr_eq(&eh.src, &r->mac)) {
    r->own++; /* our own transmission came back: must never happen */
    return;
  }
  if (eh.ethertype == SF_ETHERTYPE_ARP) {
    resp_arp(r, &eh);
    return;
  }
  struct sf_ipv4_hdr ih;
  if (eh.ethertype != SF_ETHERTYPE_IPV4 ||
      sf__ipv4_parse(eh.payload, eh.payload_len, 0, &ih) != SF_WIRE_OK ||
      ih.dst != r->ip)
    return;
  if (ih.proto == SF_IPPROTO_ICMP)
    resp_icmp(r, &eh, &ih);
  else if (ih.proto == SF_IPPROTO_TCP)
    resp_tcp(r, f, &eh, &ih);
}

/* Receives and answers until deadline_ns or until stop(r) is true.
 * Returns the number of frames handled, or a negative SF_E* code. */
static long resp_run(struct resp *r, uint64_t deadline_ns,
                     int (*stop)(const struct resp *)) {
  struct sf_frame fr[RESP_BATCH];
  long total = 0;
  while (resp_now_ns() < deadline_ns && !(stop && stop(r))) {
    struct pollfd pfd = {.fd = sf__link_fd(r->link), .events = POLLIN};
    (void)poll(&pfd, 1, 20);
    for (;;) {
      for (size_t i = 0; i < RESP_BATCH; i++)
        fr[i] = (struct sf_frame){.data = r->rxbuf + i * r->rxcap,
                                  .cap = r->rxcap};
      int n = r->lend ? sf__link_recv_lend(r->link, fr, RESP_BATCH, 0)
                      : sf__link_recv(r->link, fr, RESP_BATCH, 0);
      if (n < 0)
        return n;
      for (int i = 0; i < n; i++)
        resp_frame(r, &fr[i]);
      if (r->lend)
        sf__link_recv_done(r->link);
      total += n;
      if (n < RESP_BATCH)
        break;
    }
  }
  return total;
}

static void resp_print(const struct resp *r) {
  printf("arp_replies=%u echo_replies=%u own=%u bad_csum=%u tcp_segs=%u "
         "tcp_bytes=%llu partial=%u gso=%u verified=%u max_len=%zu fin=%u\n",
         r->arp_replies, r->echo_replies, r->own, r->bad_csum, r->tcp_segs,
         (unsigned long long)r->tcp_bytes, r->partial, r->gso, r->verified,
         r->max_len, r->fin_seen);
  fflush(stdout);
}

#endif /* SF_TESTS_LINK_RESPONDER_H */
