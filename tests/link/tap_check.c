/*
 * Driver for test_tap.sh: creates a TAP or TUN device and answers the
 * kernel through it (responder.h).
 *
 *   tap_check serve tap|tun IFNAME IP SECONDS [vnet] [untilfin]
 *       creates IFNAME, prints "ready", then answers ARP, ping and one
 *       TCP connection on port 7 for SECONDS (or until the peer's FIN
 *       with untilfin) and prints the responder's and the link's
 *       counters. The caller configures the kernel side after "ready".
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin.h"
#include "link/responder.h"
#include "link/tap.h"

static int until_fin(const struct resp *r) { return r->fin_seen != 0; }

/* TUN has no ARP: the link must answer our request for the kernel's
 * address (ip - 1) itself, from SF_TUN_PEER_MAC. Returns 0 if it did. */
static int tun_arp_check(struct resp *r, uint32_t ip) {
  static const uint8_t peer[6] = SF_TUN_PEER_MAC;
  struct sf_eth_hdr eh = {.dst = sf__eth_broadcast, .src = r->mac,
                          .ethertype = SF_ETHERTYPE_ARP};
  struct sf_arp req = {.oper = SF_ARP_OP_REQUEST, .sha = r->mac, .spa = ip,
                       .tpa = ip - 1};
  int e = sf__eth_emit(&eh, r->txbuf, sizeof(r->txbuf));
  int a = sf__arp_emit(&req, r->txbuf + e, sizeof(r->txbuf) - (size_t)e);
  resp_send(r, (size_t)(e + a));
  struct pollfd p = {.fd = sf__link_fd(r->link), .events = POLLIN};
  if (poll(&p, 1, 0) != 1)
    return -1; /* the reply must wake the reader at once */
  struct sf_frame f = {.data = r->rxbuf, .cap = r->rxcap};
  struct sf_eth_hdr got;
  struct sf_arp rep;
  if (sf__link_recv(r->link, &f, 1, 0) != 1 ||
      sf__eth_parse(f.data, f.len, &got) != SF_WIRE_OK ||
      got.ethertype != SF_ETHERTYPE_ARP ||
      sf__arp_parse(got.payload, got.payload_len, &rep) != SF_WIRE_OK)
    return -1;
  return rep.oper == SF_ARP_OP_REPLY && rep.spa == ip - 1 &&
                 rep.tpa == ip && !memcmp(rep.sha.b, peer, 6) &&
                 sf__eth_addr_eq(&got.dst, &r->mac)
             ? 0
             : -1;
}

int main(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[1], "serve")) {
    fprintf(stderr, "usage: tap_check serve tap|tun IFNAME IP SECONDS "
                    "[vnet] [untilfin]\n");
    return 2;
  }
  struct sf_tap_link_config cfg = {.ifname = argv[3]};
  cfg.mode = !strcmp(argv[2], "tun") ? SF_TAP_MODE_TUN : SF_TAP_MODE_TAP;
  uint32_t ip;
  int fin = 0;
  if (sf__ipv4_addr_parse(argv[4], &ip))
    return 2;
  double secs = atof(argv[5]);
  for (int i = 6; i < argc; i++) {
    if (!strcmp(argv[i], "vnet"))
      cfg.flags |= SF_TAP_VNET_HDR;
    else if (!strcmp(argv[i], "untilfin"))
      fin = 1;
    else
      return 2;
  }
  struct sf_link *link;
  int err = sf__link_tap_open(&cfg, &link);
  if (err) {
    fprintf(stderr, "open %s: %s\n", argv[3], sf_strerror(err));
    return 1;
  }
  struct resp r;
  if (resp_init(&r, link, ip, 7)) {
    sf__link_close(link);
    return 1;
  }
  if (cfg.mode == SF_TAP_MODE_TUN)
    printf("tun_arp=%s\n", tun_arp_check(&r, ip) ? "bad" : "ok");
  printf("ready name=%s kind=%s mtu=%u max_rx=%zu\n",
         sf__link_tap_name(link), link->kind, sf__link_mtu(link),
         sf__link_max_rx_frame(link));
  fflush(stdout);
  long n = resp_run(&r, resp_now_ns() + (uint64_t)(secs * 1e9),
                    fin ? until_fin : NULL);
  resp_print(&r);
  printf("rx_frames=%llu rx_truncated=%llu tx_frames=%llu tx_dropped=%llu\n",
         (unsigned long long)link->stats.rx_frames,
         (unsigned long long)link->stats.rx_truncated,
         (unsigned long long)link->stats.tx_frames,
         (unsigned long long)link->stats.tx_dropped);
  resp_free(&r);
  sf__link_close(link);
  return n < 0 ? 1 : 0;
}
