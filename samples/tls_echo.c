/*
 * tls_echo: TLS over synfin's TCP, as a server, a client, or both in one
 * process.
 *
 *   tls_echo server --device D --address A/P [--port 4433]
 *                   --cert F --key F [--alpn L] [--http] [--count N]
 *   tls_echo client --device D --address A/P --connect IP:PORT
 *                   [--ca F | --insecure] [--name HOST] [--alpn L]
 *                   [--send TEXT | --bytes N] [--half-close]
 *   tls_echo pair   --cert F --key F --ca F [--bytes N]
 *   common options: [--tls12] [--trace] [--deadline S]
 *
 * The server echoes what it reads and, at the client's close_notify,
 * closes its side too (sf_shutdown: close_notify, then FIN); with --http
 * it answers one HTTP request with a short page instead and closes. It
 * stops after N connections (--count; 0: until the deadline).
 *
 * The client verifies the server (against --ca, or the system store; the
 * name checked is --name, default the address), sends --send's text or
 * --bytes N bytes, half-closes at once with --half-close (else after the
 * server's close_notify), prints what it reads (text) or counts it
 * (--bytes), and exits 0 after a clean close_notify.
 *
 * pair runs the server and the client on two stacks joined by synfin's
 * in-memory link (no device, no root): the client moves --bytes N
 * (default 1 MiB) to the echo server and back, and prints the rate, so a
 * benchmark can drive it.
 *
 * --send takes \r and \n escapes ("GET / HTTP/1.0\r\n\r\n"). The server
 * says "listening on IP:PORT" on stderr once it listens.
 *
 * --trace prints the TCP lifecycle (every state change, FIN, close) and
 * the TLS handshake (version, cipher, ALPN, SNI, peer subject) as they
 * happen, from the hooks (sf_loop_set_hooks, on_tls_handshake).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synfin.h"

#define CHUNK (64 * 1024)
#define IN_FLIGHT 4

struct opts {
  const char *mode, *device, *address, *connect, *cert, *key, *ca, *name;
  const char *alpn, *send;
  int port, http, count, half_close, insecure, trace, tls12;
  unsigned long long bytes;
  unsigned deadline;
};

struct app {
  struct opts o;
  sf_loop_t loop, loopb; /* loopb: pair's server */
  sf_iface_t iface, ifb;
  sf_tcp_t listener;
  sf_tls_ctx_t *server_ctx, *client_ctx;
  sf_timer_t deadline;
  int ended, failed, client_done;
  double started;
};

struct conn {
  struct app *a;
  int client;
  sf_tcp_t tcp;
  sf_tls_t tls;
  sf_connect_t connect;
  sf_shutdown_t shut;
  int shut_sent, shut_over, eof;
  unsigned long long sent, received, in_flight;
  char request[4096];
  size_t request_len;
  char in[CHUNK];
  char (*out)[CHUNK]; /* --bytes: IN_FLIGHT chunks, a client's only */
  sf_write_t out_req[IN_FLIGHT];
};

/* A connection; the chunks --bytes sends from are allocated for a client
 * only, so that an accepted connection costs the server 64 KiB, not 320
 * (it shows in handshakes per second). */
static struct conn *conn_new(struct app *a, int client) {
  struct conn *c = calloc(1, sizeof(*c));
  if (c && client && !(c->out = malloc(IN_FLIGHT * sizeof(*c->out)))) {
    free(c);
    return NULL;
  }
  if (c) {
    c->a = a;
    c->client = client;
  }
  return c;
}

static void conn_free(struct conn *c) {
  free(c->out);
  free(c);
}

/* A copy of bytes to write, freed when written. */
struct copy {
  sf_write_t req;
  char data[];
};

static const char http_page[] = "HTTP/1.0 200 OK\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Length: 25\r\n"
                                "\r\n"
                                "hello from synfin TLS :)\n";

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *side(const struct conn *c) {
  return c->client ? "client" : "server";
}

/* ----------------------------------------------------------- tracing */

static void trace_state(void *arg, const sf_tcp_event_info_t *i) {
  (void)arg;
  char peer[SF_ADDR_NAME_LEN];
  sf_addr_name((const struct sockaddr *)&i->peer, peer, sizeof(peer));
  fprintf(stderr, "trace tcp %-21s %s -> %s\n", peer,
          sf_tcp_state_name(i->old_state), sf_tcp_state_name(i->new_state));
}

static void trace_fin(void *arg, const sf_tcp_event_info_t *i) {
  (void)arg;
  char peer[SF_ADDR_NAME_LEN];
  sf_addr_name((const struct sockaddr *)&i->peer, peer, sizeof(peer));
  fprintf(stderr, "trace tcp %-21s FIN from the peer\n", peer);
}

static void trace_closed(void *arg, const sf_tcp_event_info_t *i) {
  (void)arg;
  char peer[SF_ADDR_NAME_LEN];
  sf_addr_name((const struct sockaddr *)&i->peer, peer, sizeof(peer));
  fprintf(stderr, "trace tcp %-21s closed%s%s\n", peer,
          i->error ? ": " : "", i->error ? sf_strerror(i->error) : "");
}

static void trace_tls(void *arg, const sf_tls_info_t *i) {
  (void)arg;
  if (i->status)
    fprintf(stderr, "trace tls handshake failed: %s: %s\n",
            sf_err_name(i->status), i->reason);
  else
    fprintf(stderr,
            "trace tls handshake %s %s alpn \"%s\" sni \"%s\" peer \"%s\"%s\n",
            i->version, i->cipher, i->alpn, i->server_name, i->peer_subject,
            i->resumed ? " (resumed)" : "");
}

static const sf_tcp_hooks_t trace_hooks = {.on_state = trace_state,
                                           .on_fin = trace_fin,
                                           .on_closed = trace_closed,
                                           .on_tls_handshake = trace_tls};

/* --------------------------------------------------------- connections */

static void conn_closed(sf_handle_t *h) {
  struct conn *c = h->data;
  struct app *a = c->a;
  a->ended++;
  if (c->client)
    a->client_done = 1;
  conn_free(c);
  if ((a->o.count && a->ended >= a->o.count && !strcmp(a->o.mode, "server")) ||
      (a->client_done && !strcmp(a->o.mode, "client")) ||
      (a->client_done && a->ended >= 2)) {
    sf_stop(&a->loop);
    sf_close((sf_handle_t *)&a->listener, NULL);
  }
}

static void conn_close(struct conn *c) {
  if (!sf_is_closing((sf_handle_t *)&c->tls)) {
    c->tls.data = c;
    sf_close((sf_handle_t *)&c->tls, conn_closed);
  }
}

static void shut_done(sf_shutdown_t *req, int status) {
  struct conn *c = req->data;
  c->shut_over = 1;
  if (status)
    fprintf(stderr, "%s: shutdown: %s\n", side(c), sf_strerror(status));
  if (c->eof || status)
    conn_close(c);
}

static void conn_shutdown(struct conn *c) {
  if (c->shut_sent)
    return;
  c->shut_sent = 1;
  c->shut.data = c;
  if (sf_shutdown(&c->shut, (sf_stream_t *)&c->tls, shut_done) < 0)
    conn_close(c);
}

static void copy_written(sf_write_t *req, int status) {
  (void)status;
  free(req);
}

static void write_copy(struct conn *c, const char *data, size_t n) {
  struct copy *w = malloc(sizeof(*w) + n);
  if (!w) {
    conn_close(c);
    return;
  }
  memcpy(w->data, data, n);
  sf_buf_t b = sf_buf_init(w->data, n);
  if (sf_write(&w->req, (sf_stream_t *)&c->tls, &b, 1, copy_written) < 0) {
    free(w);
    conn_close(c);
  }
}

static void send_more(struct conn *c);

static void bulk_written(sf_write_t *req, int status) {
  struct conn *c = req->handle->data;
  req->data = NULL; /* the slot is free again */
  c->in_flight--;
  if (status == 0 && !sf_is_closing((sf_handle_t *)&c->tls))
    send_more(c);
}

/* --bytes: keep IN_FLIGHT writes of a byte pattern going, then
 * half-close if asked. */
static void send_more(struct conn *c) {
  unsigned long long total = c->a->o.bytes;
  for (unsigned i = 0; i < IN_FLIGHT && c->sent < total; i++) {
    if (c->out_req[i].data == c)
      continue; /* in flight */
    size_t n = total - c->sent < CHUNK ? (size_t)(total - c->sent) : CHUNK;
    for (size_t k = 0; k < n; k++)
      c->out[i][k] = (char)((c->sent + k) * 31 % 251);
    sf_buf_t b = sf_buf_init(c->out[i], n);
    c->out_req[i].data = c;
    if (sf_write(&c->out_req[i], (sf_stream_t *)&c->tls, &b, 1,
                 bulk_written) < 0) {
      conn_close(c);
      return;
    }
    c->sent += n;
    c->in_flight++;
  }
  if (c->sent >= total && c->a->o.half_close)
    conn_shutdown(c);
}

static void alloc_cb(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  struct conn *c = h->data;
  *buf = sf_buf_init(c->in, sizeof(c->in));
}

static void serve(struct conn *c, const char *data, size_t n) {
  if (!c->a->o.http) {
    write_copy(c, data, n);
    return;
  }
  if (c->request_len + n >= sizeof(c->request))
    n = sizeof(c->request) - 1 - c->request_len;
  memcpy(c->request + c->request_len, data, n);
  c->request_len += n;
  c->request[c->request_len] = '\0';
  if (strstr(c->request, "\r\n\r\n") && !c->shut_sent) {
    write_copy(c, http_page, sizeof(http_page) - 1);
    conn_shutdown(c);
  }
}

static void read_cb(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  struct conn *c = s->data;
  if (n > 0) {
    c->received += (unsigned long long)n;
    if (!c->client)
      serve(c, buf->base, (size_t)n);
    else if (!c->a->o.bytes)
      fwrite(buf->base, 1, (size_t)n, stdout);
  } else if (n == SF_EOF) {
    c->eof = 1;
    if (c->client)
      fprintf(stderr, "client: close_notify after %llu bytes\n", c->received);
    if (c->client && c->a->o.bytes && c->received != c->a->o.bytes) {
      fprintf(stderr, "client: sent %llu bytes, got %llu back\n",
              c->a->o.bytes, c->received);
      c->a->failed = 1;
    }
    if (c->shut_over)
      conn_close(c);
    else
      conn_shutdown(c);
  } else if (n < 0) {
    fprintf(stderr, "%s: read: %s: %s\n", side(c), sf_err_name((int)n),
            sf_tls_error_hint(&c->tls));
    if (c->client)
      c->a->failed = 1;
    conn_close(c);
  }
}

static void handshake_cb(sf_tls_t *tls, int status) {
  struct conn *c = tls->data;
  if (status) {
    fprintf(stderr, "%s: handshake: %s: %s\n", side(c), sf_err_name(status),
            sf_tls_error_hint(tls));
    if (c->client)
      c->a->failed = 1;
    conn_close(c);
    return;
  }
  if (!c->client)
    return;
  if (c->a->o.bytes) {
    send_more(c);
  } else if (c->a->o.send) {
    write_copy(c, c->a->o.send, strlen(c->a->o.send));
    if (c->a->o.half_close)
      conn_shutdown(c);
  }
}

static int start_tls(struct conn *c, sf_tls_ctx_t *ctx, const char *name) {
  int rc = sf_tls_init(c->tcp.loop, &c->tls, &c->tcp, ctx, name,
                       handshake_cb);
  if (rc < 0)
    return rc;
  c->tls.data = c;
  return sf_read_start((sf_stream_t *)&c->tls, alloc_cb, read_cb);
}

static void on_connection(sf_tcp_t *listener, int status) {
  struct app *a = listener->data;
  struct conn *c = status ? NULL : conn_new(a, 0);
  if (!c)
    return;
  if (sf_tcp_init(listener->loop, &c->tcp) < 0) {
    conn_free(c);
    return;
  }
  c->tcp.data = c;
  if (sf_accept(listener, &c->tcp) < 0 ||
      start_tls(c, a->server_ctx, NULL) < 0) {
    fprintf(stderr, "server: could not start TLS\n");
    sf_close((sf_handle_t *)&c->tcp, NULL); /* c leaks only on failure */
  }
}

static void on_connect(sf_connect_t *req, int status) {
  struct conn *c = req->data;
  struct app *a = c->a;
  const char *name = a->o.name ? a->o.name : NULL;
  if (status == 0)
    status = start_tls(c, a->client_ctx, name);
  if (status < 0) {
    fprintf(stderr, "client: connect: %s\n", sf_strerror(status));
    a->failed = 1;
    c->tcp.data = c;
    sf_close((sf_handle_t *)&c->tcp, conn_closed);
  }
}

/* ---------------------------------------------------------------- setup */

static int make_contexts(struct app *a) {
  char why[300];
  int version = a->o.tls12 ? SF_TLS_1_2 : 0;
  if (a->o.cert) {
    sf_tls_ctx_options_t s = {.role = SF_TLS_SERVER, .cert_file = a->o.cert,
                              .key_file = a->o.key, .alpn = a->o.alpn,
                              .max_version = version};
    if (sf_tls_ctx_new(&a->server_ctx, &s, why, sizeof(why)) < 0) {
      fprintf(stderr, "tls_echo: %s\n", why);
      return -1;
    }
  }
  if (strcmp(a->o.mode, "server") != 0) {
    sf_tls_ctx_options_t c = {.role = SF_TLS_CLIENT, .ca_file = a->o.ca,
                              .insecure_no_verify = a->o.insecure,
                              .alpn = a->o.alpn, .max_version = version};
    if (sf_tls_ctx_new(&a->client_ctx, &c, why, sizeof(why)) < 0) {
      fprintf(stderr, "tls_echo: %s\n", why);
      return -1;
    }
  }
  return 0;
}

static int listen_on(struct app *a, sf_loop_t *loop, const char *ip) {
  struct sockaddr_in sa;
  int rc;
  if ((rc = sf_ip4_addr(ip, a->o.port, &sa)) < 0 ||
      (rc = sf_tcp_init(loop, &a->listener)) < 0)
    return rc;
  a->listener.data = a;
  if ((rc = sf_tcp_bind(&a->listener, (struct sockaddr *)&sa, 0)) < 0)
    return rc;
  return sf_listen(&a->listener, 64, on_connection);
}

static int connect_to(struct app *a, const char *ip, int port) {
  struct sockaddr_in sa;
  struct conn *c = conn_new(a, 1);
  int rc;
  if (!c)
    return SF_ENOMEM;
  c->connect.data = c;
  if ((rc = sf_ip4_addr(ip, port, &sa)) < 0 ||
      (rc = sf_tcp_init(&a->loop, &c->tcp)) < 0) {
    conn_free(c);
    return rc;
  }
  c->tcp.data = c;
  return sf_tcp_connect(&c->connect, &c->tcp, (struct sockaddr *)&sa,
                        on_connect);
}

/* The address without its prefix ("198.18.0.2/24" -> "198.18.0.2"). */
static void ip_of(const char *address, char *ip, size_t len) {
  snprintf(ip, len, "%s", address);
  char *slash = strchr(ip, '/');
  if (slash)
    *slash = '\0';
}

static int start_device(struct app *a) {
  sf_iface_config_t cfg = {.address = a->o.address};
  sf_packet_options_t po = {.device = a->o.device};
  int rc = sf_iface_open_packet(&a->loop, &a->iface, &cfg, &po);
  if (rc < 0) {
    fprintf(stderr, "tls_echo: %s\n", sf_loop_last_error(&a->loop));
    return rc;
  }
  if (!strcmp(a->o.mode, "server")) {
    char ip[64];
    ip_of(a->o.address, ip, sizeof(ip));
    if ((rc = listen_on(a, &a->loop, ip)) == 0)
      fprintf(stderr, "listening on %s:%d\n", ip, a->o.port);
    return rc;
  }
  char ip[64];
  snprintf(ip, sizeof(ip), "%s", a->o.connect);
  char *colon = strchr(ip, ':');
  if (!colon)
    return SF_EINVAL;
  *colon = '\0';
  if (!a->o.name)
    a->o.name = a->o.connect; /* replaced below by the IP alone */
  static char name[64];
  if (a->o.name == a->o.connect) {
    snprintf(name, sizeof(name), "%s", ip);
    a->o.name = name;
  }
  return connect_to(a, ip, atoi(colon + 1));
}

static int start_pair(struct app *a) {
  int rc = sf_loop_init_ex(&a->loopb, sf_loop_backend(&a->loop), NULL);
  if (rc < 0)
    return rc;
  sf_iface_config_t ca = {.address = "198.18.0.1/24"};
  sf_iface_config_t cb = {.address = "198.18.0.2/24"};
  if ((rc = sf_iface_open_memory_pair(&a->loop, &a->iface, &ca, &a->loopb,
                                      &a->ifb, &cb)) < 0 ||
      (rc = listen_on(a, &a->loopb, "198.18.0.2")) < 0)
    return rc;
  if (!a->o.name)
    a->o.name = "server.test";
  if (!a->o.bytes)
    a->o.bytes = 1 << 20;
  a->o.half_close = 1;
  return connect_to(a, "198.18.0.2", a->o.port);
}

static void on_deadline(sf_timer_t *t) {
  struct app *a = t->data;
  fprintf(stderr, "tls_echo: deadline (%u s) passed\n", a->o.deadline);
  a->failed = 1;
  sf_stop(&a->loop);
}

/* TLS streams first (each closes its TCP handle), then the rest. */
static void close_tls(sf_handle_t *h, void *arg) {
  (void)arg;
  if (h->type == SF_TLS && !sf_is_closing(h))
    sf_close(h, conn_closed);
}
static void close_rest(sf_handle_t *h, void *arg) {
  (void)arg;
  if (!sf_is_closing(h))
    sf_close(h, NULL);
}
static void close_all(sf_loop_t *loop) {
  sf_walk(loop, close_tls, NULL);
  sf_walk(loop, close_rest, NULL);
}

static int usage(void) {
  fprintf(stderr,
          "usage: tls_echo server --device D --address A/P [--port 4433]\n"
          "                --cert F --key F [--alpn L] [--http] [--count N]\n"
          "       tls_echo client --device D --address A/P --connect IP:PORT\n"
          "                [--ca F | --insecure] [--name HOST] [--alpn L]\n"
          "                [--send TEXT | --bytes N] [--half-close]\n"
          "       tls_echo pair --cert F --key F --ca F [--bytes N]\n"
          "       common: [--tls12] [--trace] [--deadline S]\n");
  return 2;
}

/* --send's text with \r and \n made control characters, in place. */
static char *unescape(char *s) {
  char *out = s;
  for (const char *p = s; *p; p++) {
    if (p[0] == '\\' && (p[1] == 'r' || p[1] == 'n')) {
      *out++ = p[1] == 'r' ? '\r' : '\n';
      p++;
    } else {
      *out++ = *p;
    }
  }
  *out = '\0';
  return s;
}

static int parse(struct opts *o, int argc, char **argv) {
  if (argc < 2)
    return -1;
  o->mode = argv[1];
  o->port = 4433;
  o->deadline = 60;
  for (int i = 2; i < argc; i++) {
    const char *k = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int flag = 1;
    if (!strcmp(k, "--http"))
      o->http = 1;
    else if (!strcmp(k, "--half-close"))
      o->half_close = 1;
    else if (!strcmp(k, "--insecure"))
      o->insecure = 1;
    else if (!strcmp(k, "--trace"))
      o->trace = 1;
    else if (!strcmp(k, "--tls12"))
      o->tls12 = 1;
    else
      flag = 0;
    if (flag)
      continue;
    if (!v)
      return -1;
    i++;
    if (!strcmp(k, "--device"))
      o->device = v;
    else if (!strcmp(k, "--address"))
      o->address = v;
    else if (!strcmp(k, "--connect"))
      o->connect = v;
    else if (!strcmp(k, "--cert"))
      o->cert = v;
    else if (!strcmp(k, "--key"))
      o->key = v;
    else if (!strcmp(k, "--ca"))
      o->ca = v;
    else if (!strcmp(k, "--name"))
      o->name = v;
    else if (!strcmp(k, "--alpn"))
      o->alpn = v;
    else if (!strcmp(k, "--send"))
      o->send = unescape(argv[i]);
    else if (!strcmp(k, "--port"))
      o->port = atoi(v);
    else if (!strcmp(k, "--count"))
      o->count = atoi(v);
    else if (!strcmp(k, "--bytes"))
      o->bytes = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--deadline"))
      o->deadline = (unsigned)atoi(v);
    else
      return -1;
  }
  if (!strcmp(o->mode, "server"))
    return o->device && o->address && o->cert && o->key ? 0 : -1;
  if (!strcmp(o->mode, "client"))
    return o->device && o->address && o->connect ? 0 : -1;
  if (!strcmp(o->mode, "pair"))
    return o->cert && o->key ? 0 : -1;
  return -1;
}

static int run(struct app *a) {
  int rc = sf_loop_init(&a->loop);
  if (rc < 0)
    return rc;
  if (a->o.trace)
    sf_loop_set_hooks(&a->loop, &trace_hooks, a);
  rc = !strcmp(a->o.mode, "pair") ? start_pair(a) : start_device(a);
  if (rc == 0 && a->o.trace && !strcmp(a->o.mode, "pair"))
    sf_loop_set_hooks(&a->loopb, &trace_hooks, a);
  if (rc == 0 && (rc = sf_timer_init(&a->loop, &a->deadline)) == 0) {
    a->deadline.data = a;
    sf_timer_start(&a->deadline, on_deadline, a->o.deadline * 1000ull, 0);
    sf_unref((sf_handle_t *)&a->deadline);
    a->started = now_s();
    sf_run(&a->loop, SF_RUN_DEFAULT);
  }
  if (rc < 0)
    fprintf(stderr, "tls_echo: %s\n", sf_strerror(rc));
  double secs = now_s() - a->started;
  close_all(&a->loop);
  if (!strcmp(a->o.mode, "pair"))
    close_all(&a->loopb);
  sf_run(&a->loop, SF_RUN_DEFAULT);
  if (!strcmp(a->o.mode, "pair")) {
    sf_loop_close(&a->loopb);
    if (rc == 0 && !a->failed)
      fprintf(stderr, "pair: %llu bytes each way in %.3f s (%.1f MB/s)\n",
              a->o.bytes, secs, secs > 0 ? (double)a->o.bytes / secs / 1e6
                                         : 0.0);
  }
  sf_loop_close(&a->loop);
  return rc;
}

int main(int argc, char **argv) {
  static struct app a;
  if (parse(&a.o, argc, argv) < 0)
    return usage();
  if (make_contexts(&a) < 0)
    return 1;
  int rc = run(&a);
  sf_tls_ctx_free(a.server_ctx);
  sf_tls_ctx_free(a.client_ctx);
  return rc < 0 || a.failed ? 1 : 0;
}
