/*
 * The kernel's side of bench_all.sh: an echo server on plain sockets for
 * any number of connections at once (epoll), in C like synfin's
 * (tests/net/sf_peer echo-server), so the ratios compare two TCPs and
 * not two languages.
 *
 *   kernel_server PORT [--close-first] [--workers N]
 *       listens on PORT (backlog 4096), prints "ready", echoes every
 *       connection with TCP_NODELAY and closes it at the client's EOF;
 *       with --close-first it closes right after its first echo instead
 *       (its FIN first: the server holds the TIME-WAIT). Runs until
 *       SIGTERM or SIGINT.
 *       --workers N: N child processes, each with its own listener on
 *       PORT (SO_REUSEPORT: the kernel spreads the connections over them
 *       by a hash of their addresses), for more connections at once
 *       than one process's open-files limit allows; this process only
 *       waits, and ends them at SIGTERM or SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static int listen_on(int port, int reuseport) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      (reuseport &&
       setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) ||
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

/* Echoes the connections of listener l until a signal. */
static int serve_all(int l, int close_first) {
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) < 0) {
    perror("kernel_server: epoll");
    return 1;
  }
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

/* --workers: every listener is open before the first client comes, so
 * none of them misses its share; each child keeps only its own. */
static int serve_in_workers(int port, int close_first, int workers) {
  int l[MAX_WORKERS];
  pid_t pid[MAX_WORKERS];
  for (int i = 0; i < workers; i++)
    l[i] = listen_on(port, 1);
  for (int i = 0; i < workers; i++) {
    pid[i] = fork();
    if (pid[i] == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a killed parent */
      for (int k = 0; k < workers; k++)
        if (k != i)
          close(l[k]);
      _exit(serve_all(l[i], close_first));
    }
  }
  for (int i = 0; i < workers; i++)
    close(l[i]);
  printf("ready\n");
  fflush(stdout);
  while (!stop)
    poll(NULL, 0, 100); /* not pause(): a signal could come just before */
  int rc = 0, status;
  for (int i = 0; i < workers; i++)
    if (pid[i] > 0)
      kill(pid[i], SIGTERM);
  for (int i = 0; i < workers; i++)
    if (pid[i] < 0 || waitpid(pid[i], &status, 0) < 0 || status != 0)
      rc = 1;
  return rc;
}

int main(int argc, char **argv) {
  int close_first = 0, workers = 1;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--close-first"))
      close_first = 1;
    else if (!strcmp(argv[i], "--workers") && i + 1 < argc)
      workers = atoi(argv[++i]);
    else
      workers = 0; /* a usage error */
  }
  if (argc < 2 || workers < 1 || workers > MAX_WORKERS) {
    fprintf(stderr,
            "usage: kernel_server PORT [--close-first] [--workers N]\n");
    return 2;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  if (workers > 1)
    return serve_in_workers(atoi(argv[1]), close_first, workers);
  int l = listen_on(atoi(argv[1]), 0);
  printf("ready\n");
  fflush(stdout);
  return serve_all(l, close_first);
}
