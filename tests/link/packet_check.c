/*
 * Driver for test_packet.sh: opens an AF_PACKET link and answers the
 * kernel on the other end of a veth pair (responder.h).
 *
 *   packet_check serve IFNAME IP SECONDS [ring|ring2] [lend] [novnet]
 *                [bypass] [mac=aa:bb:cc:dd:ee:ff] [untilfin]
 *       answers ARP, ping and one TCP connection on port 7 for SECONDS
 *       (or until the TCP peer's FIN with untilfin), then prints the
 *       responder's counters and the link's ("mtu=... max_rx=...").
 *       ring: the TPACKET_V3 ring, ring2: the TPACKET_V2 ring; lend:
 *       receive with recv_lend/recv_done (frames in place) not recv.
 *   packet_check eperm IFNAME
 *       expects open to fail with SF_EPERM (run without CAP_NET_RAW);
 *       prints sf_strerror and the hint; exit 0 only if so.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin.h"
#include "link/packet.h"
#include "link/responder.h"

static int parse_mac(const char *s, uint8_t mac[6]) {
  unsigned v[6];
  if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
             &v[5]) != 6)
    return -1;
  for (int i = 0; i < 6; i++)
    mac[i] = (uint8_t)v[i];
  return 0;
}

static int eperm(const char *ifname) {
  struct sf_packet_link_config cfg = {.ifname = ifname};
  struct sf_link *link;
  int err = sf__link_packet_open(&cfg, &link);
  printf("open: %d (%s)\nhint: %s\n", err, sf_strerror(err),
         sf__link_packet_error_hint(err));
  if (err == 0)
    sf__link_close(link);
  return err == SF_EPERM ? 0 : 1;
}

static int until_fin(const struct resp *r) { return r->fin_seen != 0; }

static int serve(int argc, char **argv) {
  struct sf_packet_link_config cfg = {.ifname = argv[2]};
  uint32_t ip;
  int fin = 0, lend = 0;
  if (sf__ipv4_addr_parse(argv[3], &ip))
    return 2;
  double secs = atof(argv[4]);
  for (int i = 5; i < argc; i++) {
    if (!strcmp(argv[i], "ring"))
      cfg.rx_method = SF_PACKET_RX_RING_V3;
    else if (!strcmp(argv[i], "ring2"))
      cfg.rx_method = SF_PACKET_RX_RING_V2;
    else if (!strcmp(argv[i], "lend"))
      lend = 1;
    else if (!strcmp(argv[i], "novnet"))
      cfg.flags |= SF_PACKET_NO_VNET_HDR;
    else if (!strcmp(argv[i], "bypass"))
      cfg.flags |= SF_PACKET_QDISC_BYPASS;
    else if (!strcmp(argv[i], "untilfin"))
      fin = 1;
    else if (strncmp(argv[i], "mac=", 4) || parse_mac(argv[i] + 4, cfg.mac))
      return 2;
  }
  struct sf_link *link;
  int err = sf__link_packet_open(&cfg, &link);
  if (err) {
    fprintf(stderr, "open %s: %s: %s\n", argv[2], sf_err_name(err),
            sf__link_packet_error_hint(err));
    return 1;
  }
  struct resp r;
  if (resp_init(&r, link, ip, 7)) {
    sf__link_close(link);
    return 1;
  }
  r.lend = lend;
  printf("ready mtu=%u max_rx=%zu\n", sf__link_mtu(link),
         sf__link_max_rx_frame(link));
  fflush(stdout);
  long n = resp_run(&r, resp_now_ns() + (uint64_t)(secs * 1e9),
                    fin ? until_fin : NULL);
  resp_print(&r);
  const struct sf_packet_stats *ps = sf__link_packet_stats(link);
  printf("rx_frames=%llu rx_truncated=%llu tx_frames=%llu tx_dropped=%llu "
         "outgoing_skipped=%llu ring_drops=%llu\n",
         (unsigned long long)link->stats.rx_frames,
         (unsigned long long)link->stats.rx_truncated,
         (unsigned long long)link->stats.tx_frames,
         (unsigned long long)link->stats.tx_dropped,
         (unsigned long long)ps->rx_outgoing_skipped,
         (unsigned long long)ps->ring_drops);
  resp_free(&r);
  sf__link_close(link);
  return n < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "eperm"))
    return eperm(argv[2]);
  if (argc >= 5 && !strcmp(argv[1], "serve"))
    return serve(argc, argv);
  fprintf(stderr, "usage: packet_check serve IFNAME IP SECONDS "
                  "[ring|ring2] [lend] [novnet] [bypass] [mac=..] [untilfin] | eperm IFNAME\n");
  return 2;
}
