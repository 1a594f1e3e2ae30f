/*
 * echo_server: the echo server of echo_common.h (listen, accept, echo,
 * on EOF shut down then close) with its lifecycle hooks printing every
 * state change. It runs on the in-memory link, so that it needs no
 * privileges: the server is host 198.18.0.2 and, to have a peer, a
 * one-shot client on host 198.18.0.1 in the same process sends a line,
 * half-closes and prints the echo. (samples/lifecycle_server serves real
 * peers through an AF_PACKET interface, sf_iface_open_packet.)
 *
 *   echo_server [--message TEXT] [-q]
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "echo_common.h"

struct peer {
  sf_tcp_t tcp;
  sf_connect_t connect;
  sf_write_t write;
  sf_shutdown_t shutdown;
  const char *message;
  char buf[4096];
  size_t got;
  int eof, done;
};

static void on_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  struct peer *p = h->data;
  (void)size;
  *buf = sf_buf_init(p->buf + p->got, sizeof(p->buf) - 1 - p->got);
}

static void on_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct peer *p = stream->data;
  (void)buf;
  if (n > 0)
    p->got += (size_t)n;
  else if (n < 0) {
    p->eof = n == SF_EOF;
    p->done = 1;
    sf_close((sf_handle_t *)stream, NULL);
  }
}

static void on_connect(sf_connect_t *req, int status) {
  struct peer *p = req->data;
  if (status < 0) {
    fprintf(stderr, "echo_server: connect: %s\n", sf_strerror(status));
    sf_close((sf_handle_t *)&p->tcp, NULL);
    p->done = 1;
    return;
  }
  sf_buf_t b = sf_buf_init((char *)p->message, strlen(p->message));
  sf_write(&p->write, (sf_stream_t *)&p->tcp, &b, 1, NULL);
  sf_shutdown(&p->shutdown, (sf_stream_t *)&p->tcp, NULL);
  sf_read_start((sf_stream_t *)&p->tcp, on_alloc, on_read);
}

static void on_linger(sf_timer_t *t) { ((struct peer *)t->data)->done = 2; }

static void close_all(sf_handle_t *h, void *arg) {
  (void)arg;
  if (!sf_is_closing(h))
    sf_close(h, NULL);
}

int main(int argc, char **argv) {
  struct peer p;
  memset(&p, 0, sizeof(p));
  p.message = "hello, half-closed world";
  echo_verbose = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--message") && i + 1 < argc)
      p.message = argv[++i];
    else if (!strcmp(argv[i], "-q"))
      echo_verbose = 0;
    else if (strcmp(argv[i], "--memory")) {
      fprintf(stderr, "usage: echo_server [--memory] [--message TEXT] [-q]\n");
      return 2;
    }
  }
  sf_loop_t cl, sl;
  sf_iface_t ci, si;
  sf_tcp_t server;
  int rc = echo_two_hosts(&cl, &ci, &sl, &si, 0, 1);
  if (rc == 0)
    rc = echo_server_start(&sl, &server, ECHO_ADDR_SERVER, ECHO_PORT);
  struct sockaddr_in to;
  sf_ip4_addr(ECHO_ADDR_SERVER, ECHO_PORT, &to);
  if (rc == 0 && (rc = sf_tcp_init(&cl, &p.tcp)) == 0) {
    p.tcp.data = &p;
    p.connect.data = &p;
    rc = sf_tcp_connect(&p.connect, &p.tcp, (struct sockaddr *)&to, on_connect);
  }
  if (rc < 0) {
    fprintf(stderr, "echo_server: %s\n", sf_strerror(rc));
    return 1;
  }
  /* Both hosts share one libev loop, and the listener keeps it alive:
   * run rounds until the client is done. */
  while (!p.done)
    sf_run(&cl, SF_RUN_ONCE);
  printf("echoed: %.*s\n", (int)p.got, p.buf);
  fflush(stdout);
  /* Give the server's side time to see the last ACK (LAST-ACK -> CLOSED). */
  sf_timer_t linger;
  sf_timer_init(&cl, &linger);
  sf_timer_start(&linger, on_linger, 100, 0);
  linger.data = &p;
  while (p.done < 2)
    sf_run(&cl, SF_RUN_ONCE);
  sf_walk(&sl, echo_close_all, &server);
  sf_walk(&cl, close_all, NULL);
  sf_run(&cl, SF_RUN_DEFAULT);
  int ok = p.eof && p.got == strlen(p.message) &&
           !memcmp(p.buf, p.message, p.got);
  ok &= sf_loop_close(&sl) == 0 && sf_loop_close(&cl) == 0;
  return ok ? 0 : 1;
}
