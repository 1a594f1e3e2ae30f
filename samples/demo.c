/*
 * demo: two hosts in one process, joined by synfin's in-memory link, with
 * the fault injector on the wire and a pcap of everything.
 *
 * Host A (198.18.0.1) resolves host B (198.18.0.2) with ARP, retrying
 * once a second, then pings it; host B answers ARP and echo requests.
 * Every frame is printed as it leaves a host and as it arrives (a frame
 * that never arrives was lost), decoded by synfin's wire layer, with the
 * virtual time. The clock is virtual:
 * the demo's seconds pass in microseconds, and a given --seed always
 * produces the same run.
 *
 * This is the foundation's demo: wire formats, links, fault injection and
 * capture. The TCP engine and the API grow it into a real client/server.
 *
 * Usage: demo [--loss PERCENT] [--corrupt PERCENT] [--seed N] [--count N]
 *             [--pcap FILE]
 * Exit status: 0 when ARP resolved and at least one echo came back.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin.h"

#include "link/fault.h"
#include "link/memory.h"
#include "link/pcap.h"
#include "wire/arp.h"
#include "wire/describe.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/status.h"

#define ADDR_A 0xc6120001u /* 198.18.0.1 */
#define ADDR_B 0xc6120002u /* 198.18.0.2 */
#define FRAME_CAP 1600
#define ECHO_ID 0x5f5f
#define ECHO_DATA_LEN 32
#define ARP_TRIES 10
#define RX_BATCH 8

struct host {
  const char *name;
  struct sf_link *link;
  uint32_t addr;
  struct sf_eth_addr mac;
};

struct options {
  unsigned loss_percent;
  unsigned corrupt_percent;
  uint64_t seed;
  unsigned count;
  const char *pcap_path;
};

/* What host A knows and has seen so far. */
struct pinger {
  bool resolved;
  struct sf_eth_addr peer_mac;
  unsigned arp_sent;
  unsigned echo_sent;
  unsigned echo_received;
  sf_time_t next_action;
};

/* One line per frame: virtual time, host, what happened, the frame. */
static void trace(const struct host *h, sf_time_t now, const char *verb,
                  const uint8_t *frame, size_t len) {
  char line[512];
  sf__frame_describe(frame, len, line, sizeof line);
  printf("%4" PRIu64 ".%06" PRIu64 "  %s %-8s %s\n", now / SF_NSEC_PER_SEC,
         now % SF_NSEC_PER_SEC / SF_NSEC_PER_USEC, h->name, verb, line);
}

static void send_frame(struct host *h, sf_time_t now, uint8_t *frame,
                       size_t len) {
  trace(h, now, "sends", frame, len);
  struct sf_frame f = {.data = frame, .len = len, .cap = len};
  if (sf__link_send(h->link, &f, 1, now) < 0)
    fprintf(stderr, "demo: %s could not send\n", h->name);
}

/* Writes an Ethernet header; returns where the payload goes. */
static uint8_t *put_eth(const struct host *h, const struct sf_eth_addr *dst,
                        uint16_t type, uint8_t *frame) {
  struct sf_eth_hdr eth = {.dst = *dst, .src = h->mac, .ethertype = type};
  return frame + sf__eth_emit(&eth, frame, FRAME_CAP);
}

static void send_arp(struct host *h, sf_time_t now, uint16_t oper,
                     const struct sf_eth_addr *dst, uint32_t tpa,
                     const struct sf_eth_addr *tha) {
  uint8_t frame[FRAME_CAP];
  uint8_t *p = put_eth(h, dst, SF_ETHERTYPE_ARP, frame);
  struct sf_arp arp = {.oper = oper, .sha = h->mac, .spa = h->addr,
                       .tha = *tha, .tpa = tpa};
  int n = sf__arp_emit(&arp, p, FRAME_CAP - (size_t)(p - frame));
  send_frame(h, now, frame, (size_t)(p - frame) + (size_t)n);
}

static void send_icmp(struct host *h, sf_time_t now,
                      const struct sf_eth_addr *dst_mac, uint32_t dst,
                      const struct sf_icmp *msg) {
  uint8_t frame[FRAME_CAP];
  uint8_t *ip = put_eth(h, dst_mac, SF_ETHERTYPE_IPV4, frame);
  uint8_t *body = ip + SF_IPV4_MIN_HDR_LEN;
  size_t room = FRAME_CAP - (size_t)(body - frame);
  int n = sf__icmp_emit(msg, body, room);
  struct sf_ipv4_hdr iph = {.ttl = 64, .proto = SF_IPPROTO_ICMP,
                            .flags = SF_IPV4_FLAG_DF, .src = h->addr,
                            .dst = dst, .payload_len = (size_t)n};
  int hl = sf__ipv4_emit(&iph, ip, FRAME_CAP - (size_t)(ip - frame));
  send_frame(h, now, frame, (size_t)(ip - frame) + (size_t)hl + (size_t)n);
}

/* Host B: answers ARP requests for its address and echo requests. */
static void responder_input(struct host *b, sf_time_t now,
                            const struct sf_eth_hdr *eth) {
  if (eth->ethertype == SF_ETHERTYPE_ARP) {
    struct sf_arp arp;
    if (sf__arp_parse(eth->payload, eth->payload_len, &arp) == SF_WIRE_OK &&
        arp.oper == SF_ARP_OP_REQUEST && arp.tpa == b->addr)
      send_arp(b, now, SF_ARP_OP_REPLY, &arp.sha, arp.spa, &arp.sha);
    return;
  }
  struct sf_ipv4_hdr ip;
  struct sf_icmp icmp;
  if (eth->ethertype != SF_ETHERTYPE_IPV4 ||
      sf__ipv4_parse(eth->payload, eth->payload_len, 0, &ip) != SF_WIRE_OK ||
      ip.dst != b->addr || ip.proto != SF_IPPROTO_ICMP ||
      sf__icmp_parse(ip.payload, ip.payload_len, 0, &icmp) != SF_WIRE_OK ||
      icmp.type != SF_ICMP_ECHO_REQUEST)
    return; /* corrupted by the fault injector, or not for us */
  struct sf_icmp reply = icmp;
  reply.type = SF_ICMP_ECHO_REPLY;
  send_icmp(b, now, &eth->src, ip.src, &reply);
}

/* Host A: learns B's address from ARP replies, counts echo replies. */
static void pinger_input(struct pinger *p, const struct host *a,
                         const struct sf_eth_hdr *eth) {
  if (eth->ethertype == SF_ETHERTYPE_ARP) {
    struct sf_arp arp;
    if (sf__arp_parse(eth->payload, eth->payload_len, &arp) == SF_WIRE_OK &&
        arp.oper == SF_ARP_OP_REPLY && arp.spa == ADDR_B &&
        arp.tpa == a->addr && !p->resolved) {
      p->resolved = true;
      p->peer_mac = arp.sha;
      p->next_action = 0; /* ping at once */
    }
    return;
  }
  struct sf_ipv4_hdr ip;
  struct sf_icmp icmp;
  if (eth->ethertype == SF_ETHERTYPE_IPV4 &&
      sf__ipv4_parse(eth->payload, eth->payload_len, 0, &ip) == SF_WIRE_OK &&
      ip.proto == SF_IPPROTO_ICMP &&
      sf__icmp_parse(ip.payload, ip.payload_len, 0, &icmp) == SF_WIRE_OK &&
      icmp.type == SF_ICMP_ECHO_REPLY && icmp.echo_id == ECHO_ID)
    p->echo_received++;
}

/* Host A's timed work: ARP retries, then one echo request a second. */
static void pinger_act(struct pinger *p, struct host *a, sf_time_t now,
                       unsigned count) {
  static const struct sf_eth_addr zero_mac;
  if (!p->resolved) {
    if (p->arp_sent == ARP_TRIES) {
      p->next_action = SF_TIME_NEVER;
      return;
    }
    p->arp_sent++;
    send_arp(a, now, SF_ARP_OP_REQUEST, &sf__eth_broadcast, ADDR_B, &zero_mac);
    p->next_action = now + SF_NSEC_PER_SEC;
    return;
  }
  if (p->echo_sent == count) {
    p->next_action = SF_TIME_NEVER;
    return;
  }
  uint8_t data[ECHO_DATA_LEN];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)('a' + i % 26);
  struct sf_icmp req = {.type = SF_ICMP_ECHO_REQUEST, .echo_id = ECHO_ID,
                        .echo_seq = (uint16_t)++p->echo_sent, .body = data,
                        .body_len = sizeof data};
  send_icmp(a, now, &p->peer_mac, ADDR_B, &req);
  p->next_action = now + SF_NSEC_PER_SEC;
}

/* Delivers every frame due at now on h's link: to the pinger if p. */
static void drain(struct host *h, sf_time_t now, struct pinger *p) {
  uint8_t bufs[RX_BATCH][FRAME_CAP];
  struct sf_frame frames[RX_BATCH];
  for (;;) {
    for (int i = 0; i < RX_BATCH; i++)
      frames[i] = (struct sf_frame){.data = bufs[i], .cap = FRAME_CAP};
    int n = sf__link_recv(h->link, frames, RX_BATCH, now);
    if (n <= 0)
      return;
    for (int i = 0; i < n; i++) {
      trace(h, now, "receives", frames[i].data, frames[i].len);
      struct sf_eth_hdr eth;
      if (sf__eth_parse(frames[i].data, frames[i].len, &eth) != SF_WIRE_OK ||
          !(sf__eth_addr_eq(&eth.dst, &h->mac) ||
            sf__eth_addr_is_broadcast(&eth.dst)))
        continue;
      if (p)
        pinger_input(p, h, &eth);
      else
        responder_input(h, now, &eth);
    }
  }
}

static sf_time_t min_time(sf_time_t x, sf_time_t y) { return x < y ? x : y; }

static int parse_options(int argc, char **argv, struct options *o) {
  *o = (struct options){.loss_percent = 20, .corrupt_percent = 5,
                        .seed = 1, .count = 5};
  /* Every option takes a value: walk them in pairs. */
  for (int i = 1; i < argc; i += 2) {
    const char *v = argv[i + 1];
    if (i + 1 == argc)
      return -1;
    if (!strcmp(argv[i], "--loss"))
      o->loss_percent = (unsigned)strtoul(v, NULL, 10);
    else if (!strcmp(argv[i], "--corrupt"))
      o->corrupt_percent = (unsigned)strtoul(v, NULL, 10);
    else if (!strcmp(argv[i], "--seed"))
      o->seed = strtoull(v, NULL, 0);
    else if (!strcmp(argv[i], "--count"))
      o->count = (unsigned)strtoul(v, NULL, 10);
    else if (!strcmp(argv[i], "--pcap"))
      o->pcap_path = v;
    else
      return -1;
  }
  bool sane = o->loss_percent <= 100 && o->corrupt_percent <= 100 &&
              o->count > 0 && o->count < 1000;
  return sane ? 0 : -1;
}

/* A's end of the wire: fault injection, then (optionally) capture. */
static int open_links(const struct options *o, struct host *a,
                      struct host *b, struct sf_link **fault) {
  struct sf_link *la, *lb, *faulty;
  int err = sf__link_memory_pair(NULL, &la, &lb);
  if (err)
    return err;
  /* Faults in both directions, so requests and replies both suffer. A
   * corrupted frame still arrives: the checksums reject it. */
  struct sf_fault_config fc = {.seed = o->seed};
  fc.tx.loss_ppm = fc.rx.loss_ppm = o->loss_percent * (SF_FAULT_PPM / 100);
  fc.tx.corrupt_ppm = fc.rx.corrupt_ppm =
      o->corrupt_percent * (SF_FAULT_PPM / 100);
  fc.tx.delay = fc.rx.delay = 5 * SF_NSEC_PER_MSEC;
  fc.tx.jitter = fc.rx.jitter = 2 * SF_NSEC_PER_MSEC;
  if ((err = sf__link_fault_wrap(la, &fc, &faulty)) != 0)
    goto fail;
  la = faulty;
  *fault = faulty; /* stays valid inside the tee, which owns it */
  if (o->pcap_path) {
    struct sf_pcap_writer *w;
    struct sf_link *tee;
    if ((err = sf__pcap_open(o->pcap_path, &w)) != 0)
      goto fail;
    if ((err = sf__link_pcap_tee(la, w, &tee)) != 0) {
      sf__pcap_close(w);
      goto fail;
    }
    la = tee;
  }
  a->link = la;
  b->link = lb;
  sf__link_hwaddr(la, a->mac.b);
  sf__link_hwaddr(lb, b->mac.b);
  return 0;
fail:
  sf__link_close(la);
  sf__link_close(lb);
  return err;
}

int main(int argc, char **argv) {
  struct options o;
  if (parse_options(argc, argv, &o) != 0) {
    fprintf(stderr, "usage: demo [--loss PERCENT] [--corrupt PERCENT] "
                    "[--seed N] [--count N] [--pcap FILE]\n");
    return 2;
  }
  struct host a = {.name = "A", .addr = ADDR_A};
  struct host b = {.name = "B", .addr = ADDR_B};
  struct sf_link *fault;
  int err = open_links(&o, &a, &b, &fault);
  if (err) {
    fprintf(stderr, "demo: cannot open the links: %s\n", sf_strerror(err));
    return 1;
  }
  printf("demo: A=198.18.0.1 and B=198.18.0.2 on an in-memory wire: "
         "%u%% loss and %u%% corruption each way, 5±2 ms delay, seed %" PRIu64
         "\n", o.loss_percent, o.corrupt_percent, o.seed);

  struct pinger p = {0};
  sf_time_t now = 0;
  while (now != SF_TIME_NEVER) {
    if (p.next_action <= now)
      pinger_act(&p, &a, now, o.count);
    sf__link_poll(a.link, now);
    drain(&b, now, NULL);
    drain(&a, now, &p);
    sf_time_t next = min_time(p.next_action, sf__link_next_deadline(a.link));
    next = min_time(next, sf__link_next_deadline(b.link));
    /* Never stand still: a deadline at or before now means work is due. */
    now = next == SF_TIME_NEVER ? next : (next > now ? next : now + 1);
  }

  const struct sf_fault_stats *fs = sf__link_fault_stats(fault);
  printf("demo: the fault injector lost %" PRIu64 " of %" PRIu64
         " frames sent by A and %" PRIu64 " of %" PRIu64
         " sent to A, and corrupted %" PRIu64 "\n",
         fs->tx.lost, fs->tx.offered, fs->rx.lost, fs->rx.offered,
         fs->tx.corrupted + fs->rx.corrupted);
  printf("demo: ARP %s after %u request(s); %u echo request(s), %u repl%s\n",
         p.resolved ? "resolved" : "FAILED", p.arp_sent, p.echo_sent,
         p.echo_received, p.echo_received == 1 ? "y" : "ies");
  if (o.pcap_path)
    printf("demo: capture of A's side written to %s (tcpdump -r %s)\n",
           o.pcap_path, o.pcap_path);
  sf__link_close(a.link);
  sf__link_close(b.link);
  return p.resolved && p.echo_received > 0 ? 0 : 1;
}
