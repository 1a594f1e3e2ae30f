/*
 * The kernel's side of bench_veth.sh's request/response baseline: a TCP
 * echo server on plain sockets, in C like synfin's (sf_bulk echo), so the
 * round-trip ratio compares the two TCPs and not two languages.
 *
 *   kernel_echo PORT
 *       listens on PORT (all addresses), prints "ready", serves one
 *       connection with TCP_NODELAY (echo everything until EOF), exits 0
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_on(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1)) {
    perror("kernel_echo: listen");
    exit(1);
  }
  return s;
}

/* Writes all n bytes; false on error. */
static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0)
      return 0;
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kernel_echo PORT\n");
    return 2;
  }
  int l = listen_on(atoi(argv[1]));
  printf("ready\n");
  fflush(stdout);
  int c = accept(l, NULL, NULL);
  if (c < 0) {
    perror("kernel_echo: accept");
    return 1;
  }
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char buf[65536];
  ssize_t n;
  while ((n = read(c, buf, sizeof(buf))) > 0)
    if (!write_all(c, buf, (size_t)n))
      return 1;
  close(c);
  close(l);
  return n == 0 ? 0 : 1;
}
