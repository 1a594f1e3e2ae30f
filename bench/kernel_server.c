/*
 * The kernel's side of bench_all.sh: an echo server on plain sockets for
 * any number of connections at once (epoll), in C like synfin's
 * (tests/net/sf_peer echo-server), so the ratios compare two TCPs and
 * not two languages.
 *
 *   kernel_server PORT [--close-first]
 *       listens on PORT (backlog 4096), prints "ready", echoes every
 *       connection with TCP_NODELAY and closes it at the client's EOF;
 *       with --close-first it closes right after its first echo instead
 *       (its FIN first: the server holds the TIME-WAIT). Runs until
 *       SIGTERM or SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static int listen_on(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4096)) {
    perror("kernel_server: listen");
    exit(1);
  }
  return s;
}

static void accept_all(int l, int ep) {
  int c, one = 1;
  while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0)
      close(c);
  }
}

/* Echoes what c holds. The requests are small: a short write is the
 * client's fault (it does not read), and ends the connection. */
static void serve(int c, int close_first) {
  char buf[65536];
  ssize_t n = read(c, buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0 || write(c, buf, (size_t)n) != n || close_first)
    close(c);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--close-first"))) {
    fprintf(stderr, "usage: kernel_server PORT [--close-first]\n");
    return 2;
  }
  int close_first = argc == 3;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  int l = listen_on(atoi(argv[1]));
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) < 0) {
    perror("kernel_server: epoll");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  struct epoll_event evs[256];
  while (!stop) {
    int n = epoll_wait(ep, evs, 256, 100);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == l)
        accept_all(l, ep);
      else
        serve(evs[i].data.fd, close_first);
    }
  }
  return 0;
}
