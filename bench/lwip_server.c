/*
 * lwIP's side of bench_all.sh: an echo server on lwIP's raw TCP API, its
 * interface a driver of our own over an AF_PACKET socket, like synfin's
 * (tests/net/sf_peer echo-server), so the three servers answer the same
 * client on the same wire.
 *
 *   lwip_server --device DEV --address A.B.C.D/P PORT [--close-first]
 *       prints "ready" then "pid=N" once the interface is up and PORT
 *       listens; echoes every connection and closes it at the client's
 *       EOF, or with --close-first right after its first echo (its FIN
 *       first). Runs until killed.
 *
 * Debian's liblwip is built with an operating system (NO_SYS 0: lwIP's
 * own tcpip thread runs the stack), so frames go in through tcpip_input
 * and everything else runs under the core lock. lwIP checks every
 * checksum and takes no frame above the MTU: the interface must have its
 * offloads off (no partial checksums, no GRO super-frames).
 */
#include "config.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#define FRAME_MAX 1518

static int raw_fd;
static int close_first;
static unsigned char own_mac[6];

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int open_packet(const char *dev) {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
  if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
    die("lwip_server: packet socket");
  memcpy(own_mac, ifr.ifr_hwaddr.sa_data, 6);
  struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                            .sll_protocol = htons(ETH_P_ALL),
                            .sll_ifindex = (int)if_nametoindex(dev)};
  if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
    die("lwip_server: bind");
  return fd;
}

static err_t link_output(struct netif *nif, struct pbuf *p) {
  (void)nif;
  unsigned char frame[FRAME_MAX];
  u16_t n = pbuf_copy_partial(p, frame, sizeof(frame), 0);
  return send(raw_fd, frame, n, 0) == n ? ERR_OK : ERR_IF;
}

static err_t link_init(struct netif *nif) {
  nif->name[0] = 'p';
  nif->name[1] = 'k';
  nif->mtu = 1500;
  nif->hwaddr_len = 6;
  memcpy(nif->hwaddr, own_mac, 6);
  nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
               NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  nif->output = etharp_output;
  nif->linkoutput = link_output;
  return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                     err_t err) {
  (void)arg;
  if (!p || err != ERR_OK) {
    if (p)
      pbuf_free(p);
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    return tcp_close(pcb) == ERR_OK ? ERR_OK : (tcp_abort(pcb), ERR_ABRT);
  }
  for (struct pbuf *q = p; q; q = q->next)
    if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
      break; /* the requests are small: a full buffer is the client's fault */
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  tcp_output(pcb);
  if (close_first) {
    tcp_recv(pcb, NULL); /* lwIP's default: take and discard, FIN closes */
    tcp_close(pcb);
  }
  return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || !pcb)
    return ERR_VAL;
  tcp_nagle_disable(pcb);
  tcp_recv(pcb, on_recv);
  return ERR_OK;
}

static void start(struct netif *nif, const char *address, int port) {
  char a[32];
  snprintf(a, sizeof(a), "%s", address);
  char *slash = strchr(a, '/');
  int bits = slash ? atoi(slash + 1) : 24;
  if (slash)
    *slash = 0;
  ip4_addr_t ip, mask, gw;
  if (!ip4addr_aton(a, &ip) || bits < 1 || bits > 32) {
    fprintf(stderr, "lwip_server: bad address %s\n", address);
    exit(2);
  }
  ip4_addr_set_u32(&mask, htonl(0xffffffffu << (32 - bits)));
  ip4_addr_set_zero(&gw);
  LOCK_TCPIP_CORE();
  netif_add(nif, &ip, &mask, &gw, NULL, link_init, tcpip_input);
  netif_set_default(nif);
  netif_set_up(nif);
  netif_set_link_up(nif);
  struct tcp_pcb *l = tcp_new();
  if (!l || tcp_bind(l, IP_ADDR_ANY, (u16_t)port) != ERR_OK)
    die("lwip_server: tcp_bind");
  l = tcp_listen_with_backlog(l, 255);
  tcp_accept(l, on_accept);
  UNLOCK_TCPIP_CORE();
}

/* Frames in: each copied into a pbuf and queued to the tcpip thread;
 * our own frames, which a packet socket also sees, are left out. */
static void receive_loop(struct netif *nif) {
  unsigned char frame[65536];
  for (;;) {
    struct sockaddr_ll from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(raw_fd, frame, sizeof(frame), 0,
                         (struct sockaddr *)&from, &fl);
    if (n < 0)
      die("lwip_server: recv");
    if (from.sll_pkttype == PACKET_OUTGOING || n > FRAME_MAX)
      continue;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
    if (!p)
      continue;
    pbuf_take(p, frame, (u16_t)n);
    if (nif->input(p, nif) != ERR_OK)
      pbuf_free(p);
  }
}

int main(int argc, char **argv) {
  const char *dev = NULL, *address = NULL;
  int port = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc)
      dev = argv[++i];
    else if (!strcmp(argv[i], "--address") && i + 1 < argc)
      address = argv[++i];
    else if (!strcmp(argv[i], "--close-first"))
      close_first = 1;
    else
      port = atoi(argv[i]);
  }
  if (!dev || !address || port <= 0) {
    fprintf(stderr, "usage: lwip_server --device DEV --address A.B.C.D/P "
                    "PORT [--close-first]\n");
    return 2;
  }
  raw_fd = open_packet(dev);
  tcpip_init(NULL, NULL);
  static struct netif nif;
  start(&nif, address, port);
  printf("ready\npid=%d\n", (int)getpid());
  fflush(stdout);
  receive_loop(&nif);
}
