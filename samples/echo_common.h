/*
 * The echo server shared by samples/echo_server.c and samples/echo_client.c
 * (which can run it in-process, on the other end of an in-memory link),
 * and the setup of two hosts joined by that link.
 *
 * The server: listen, accept, read -> write back what was read; at the
 * client's EOF, shut down (our FIN goes after every echoed byte) and
 * close once the client acknowledged it. Lifecycle hooks on the listener
 * print every state change when verbose.
 */
#ifndef SF_SAMPLES_ECHO_COMMON_H
#define SF_SAMPLES_ECHO_COMMON_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin.h"

#define ECHO_ADDR_CLIENT "198.18.0.1"
#define ECHO_ADDR_SERVER "198.18.0.2"
#define ECHO_PORT 7

struct echo_conn {
  sf_tcp_t tcp;
  sf_shutdown_t shutdown;
};

/* One write of echoed bytes: the request and its copy of the data. */
struct echo_write {
  sf_write_t req;
  char data[];
};

static int echo_verbose;

/* The samples serve IPv4: the peer is a struct sockaddr_in. */
static unsigned echo_peer_port(const sf_tcp_event_info_t *i) {
  return ntohs(((const struct sockaddr_in *)&i->peer)->sin_port);
}

static void echo_on_state(void *arg, const sf_tcp_event_info_t *i) {
  (void)arg;
  if (echo_verbose)
    fprintf(stderr, "server %u: %s -> %s%s\n", echo_peer_port(i),
            sf_tcp_state_name(i->old_state), sf_tcp_state_name(i->new_state),
            i->tcp ? "" : " (no handle)");
}

static void echo_on_time_wait(void *arg, const sf_tcp_event_info_t *i) {
  (void)arg;
  if (echo_verbose)
    fprintf(stderr, "server %u: TIME-WAIT for %llu ms\n",
            echo_peer_port(i), i->duration_ms);
}

static void echo_free_conn(sf_handle_t *h) { free(h->data); }

static void echo_written(sf_write_t *req, int status) {
  (void)status; /* an error also shows in read_cb */
  free(req->data);
}

static void echo_shut(sf_shutdown_t *req, int status) {
  (void)status;
  struct echo_conn *c = req->data;
  sf_close((sf_handle_t *)&c->tcp, echo_free_conn);
}

static void echo_alloc(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)h;
  struct echo_write *w = malloc(sizeof(*w) + size);
  *buf = sf_buf_init(w ? w->data : NULL, w ? size : 0);
}

static void echo_read(sf_stream_t *stream, ssize_t n, const sf_buf_t *buf) {
  struct echo_conn *c = stream->data;
  struct echo_write *w =
      buf->base ? (struct echo_write *)(buf->base - offsetof(struct echo_write, data))
                : NULL;
  if (n > 0) {
    sf_buf_t out = sf_buf_init(buf->base, (size_t)n);
    w->req.data = w;
    if (sf_write(&w->req, stream, &out, 1, echo_written) == 0)
      return; /* w is freed in echo_written */
  }
  free(w);
  if (n == SF_EOF) {
    /* Half-close: the client is done sending; we finish echoing. */
    c->shutdown.data = c;
    if (sf_shutdown(&c->shutdown, stream, echo_shut) < 0)
      sf_close((sf_handle_t *)stream, echo_free_conn);
  } else if (n < 0) {
    sf_close((sf_handle_t *)stream, echo_free_conn);
  }
}

static void echo_on_connection(sf_tcp_t *server, int status) {
  if (status < 0)
    return;
  struct echo_conn *c = calloc(1, sizeof(*c));
  if (!c || sf_tcp_init(server->loop, &c->tcp) < 0) {
    free(c);
    return;
  }
  c->tcp.data = c;
  if (sf_accept(server, &c->tcp) < 0 ||
      sf_read_start((sf_stream_t *)&c->tcp, echo_alloc, echo_read) < 0)
    sf_close((sf_handle_t *)&c->tcp, echo_free_conn);
}

/* sf_walk callback for the server's loop: closes every handle; an echo
 * connection's memory is freed in its close callback. arg: the listener. */
static void echo_close_all(sf_handle_t *h, void *listener) {
  if (sf_is_closing(h))
    return;
  int conn = h->type == SF_TCP && h != listener && h->data;
  sf_close(h, conn ? echo_free_conn : NULL);
}

/* Listens on addr:port with the echo behaviour. Returns 0 or SF_E*. */
static int echo_server_start(sf_loop_t *loop, sf_tcp_t *server,
                             const char *addr, int port) {
  static const sf_tcp_hooks_t hooks = {.on_state = echo_on_state,
                                       .on_time_wait = echo_on_time_wait};
  struct sockaddr_in sa;
  int rc;
  if ((rc = sf_ip4_addr(addr, port, &sa)) < 0 ||
      (rc = sf_tcp_init(loop, server)) < 0)
    return rc;
  if ((rc = sf_tcp_bind(server, (struct sockaddr *)&sa, 0)) < 0 ||
      (rc = sf_tcp_set_hooks(server, &hooks, NULL)) < 0 ||
      (rc = sf_listen(server, 128, echo_on_connection)) < 0) {
    sf_close((sf_handle_t *)server, NULL);
    return rc;
  }
  return 0;
}

/*
 * Two hosts in one process: the client's loop (which owns the libev
 * loop) and the server's loop on the same libev loop, joined by the
 * in-memory link. loss_pct > 0 loses that share of the frames the client
 * sends and receives (seeded).
 */
static int echo_two_hosts(sf_loop_t *client_loop, sf_iface_t *client_if,
                          sf_loop_t *server_loop, sf_iface_t *server_if,
                          double loss_pct, unsigned long long seed) {
  int rc;
  if ((rc = sf_loop_init(client_loop)) < 0)
    return rc;
  if ((rc = sf_loop_init_ev(server_loop, sf_loop_backend(client_loop))) < 0)
    return rc;
  unsigned ppm = (unsigned)(loss_pct * 10000.0);
  sf_fault_config_t fc = {.seed = seed, .tx = {.loss_ppm = ppm},
                          .rx = {.loss_ppm = ppm}};
  sf_iface_config_t a = {.address = ECHO_ADDR_CLIENT "/24",
                         .fault = ppm ? &fc : NULL};
  sf_iface_config_t b = {.address = ECHO_ADDR_SERVER "/24"};
  return sf_iface_open_memory_pair(client_loop, client_if, &a, server_loop,
                                   server_if, &b);
}

#endif /* SF_SAMPLES_ECHO_COMMON_H */
