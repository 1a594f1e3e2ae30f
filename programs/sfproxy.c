/*
 * sfproxy: a TCP proxy on synfin. It listens on synfin's own address and
 * relays each connection to one upstream address (any host the
 * interface reaches, kernel hosts included) with sf_relay: each
 * direction ends on its own (a client's FIN reaches the upstream after
 * every byte before it, and the answer still flows back), a reset on
 * either side resets the other, and a slow reader on one side slows the
 * sender on the other instead of filling memory. With --tls-cert and
 * --tls-key it terminates TLS: the relay joins each client's TLS stream
 * to a plain upstream connection, so a client's close_notify becomes the
 * upstream's FIN and the upstream's FIN the client's close_notify.
 *
 * Run `sfproxy --help` for the options; the man page is sfproxy.1.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "prog_tls.h"

#define SFPROXY_MAX_CONNS 1024

struct proxy;

/* One client and its upstream connection. */
struct conn {
  struct proxy *px;
  struct conn *prev, *next;
  sf_tcp_t down, up;
  sf_tls_t tls;    /* with TLS: over down, which it owns */
  int tls_used;
  int connected;   /* the upstream connection is established */
  int handshaken;  /* with TLS: the client's handshake is done */
  sf_connect_t connect_req;
  sf_relay_t relay;
  int relaying;    /* the relay owns both handles */
  int closes_left; /* without a relay: handles still closing */
};

struct proxy {
  struct prog prog;
  sf_tcp_t listener;
  struct sockaddr_in upstream;
  int port;
  unsigned long long max_conns;
  sf_relay_options_t relay_opts;
  struct prog_tls tls;
  struct conn *conns; /* open connections */
  unsigned long long open, accepted, refused, upstream_failed, relayed;
  unsigned long long bytes_up, bytes_down, resets, tls_failed;
};

/* ------------------------------------------------------------- ending */

static void conn_unlink(struct conn *c) {
  struct proxy *px = c->px;
  if (c->prev)
    c->prev->next = c->next;
  else
    px->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  px->open--;
}

static void conn_handle_closed(sf_handle_t *h) {
  struct conn *c = h->data;
  if (--c->closes_left == 0) {
    conn_unlink(c);
    free(c);
  }
}

/* The client's side of the relay: its TLS stream, or its connection. */
static sf_stream_t *conn_down(struct conn *c) {
  return c->tls_used ? (sf_stream_t *)&c->tls : (sf_stream_t *)&c->down;
}

/* A connection that never reached its relay: both sides are reset
 * where connected, so each learns the other is gone the way it would
 * from the other itself (a FIN would tell a connected upstream that the
 * client sent nothing and is waiting for an answer); a TLS client's
 * stream is closed, which closes its connection. */
static void conn_abort(struct conn *c) {
  c->closes_left = 2;
  if (sf_tcp_close_reset(&c->up, conn_handle_closed) < 0)
    sf_close((sf_handle_t *)&c->up, conn_handle_closed);
  if (c->tls_used)
    sf_close((sf_handle_t *)&c->tls, conn_handle_closed);
  else if (sf_tcp_close_reset(&c->down, conn_handle_closed) < 0)
    sf_close((sf_handle_t *)&c->down, conn_handle_closed);
}

static void on_relay_done(sf_relay_t *relay, const sf_relay_result_t *res) {
  struct conn *c = relay->data;
  struct proxy *px = c->px;
  px->bytes_up += res->bytes[0];
  px->bytes_down += res->bytes[1];
  px->resets += res->end[0] == SF_RELAY_RESET || res->end[1] == SF_RELAY_RESET;
  prog_trace(&px->prog,
             "relay ended: client->upstream %s %llu bytes, "
             "upstream->client %s %llu bytes",
             sf_relay_end_name(res->end[0]), res->bytes[0],
             sf_relay_end_name(res->end[1]), res->bytes[1]);
  conn_unlink(c);
  free(c);
}

/* ------------------------------------------------------------ opening */

/* The relay starts once the upstream is connected and, with TLS, the
 * client's handshake is done: the two run at the same time. */
static void start_relay(struct conn *c) {
  struct proxy *px = c->px;
  if (!c->connected || (c->tls_used && !c->handshaken))
    return;
  c->relay.data = c;
  int rc = sf_relay_start(&px->prog.loop, &c->relay, conn_down(c),
                          (sf_stream_t *)&c->up, &px->relay_opts,
                          on_relay_done);
  if (rc < 0) {
    prog_trace(&px->prog, "relay: %s", sf_strerror(rc));
    conn_abort(c);
    return;
  }
  c->relaying = 1;
  px->relayed++;
}

static void on_upstream(sf_connect_t *req, int status) {
  struct conn *c = req->data;
  struct proxy *px = c->px;
  if (c->closes_left)
    return; /* aborted already (this is the cancellation) */
  if (status < 0) {
    px->upstream_failed++;
    prog_trace(&px->prog, "upstream: %s", sf_strerror(status));
    conn_abort(c);
    return;
  }
  c->connected = 1;
  start_relay(c);
}

/* A client whose handshake fails is closed (it gets the alert OpenSSL
 * made), and so is its upstream connection. */
static void on_handshake(sf_tls_t *tls, int status) {
  struct conn *c = tls->data;
  if (status == SF_ECANCELED || c->closes_left)
    return;
  if (status < 0) {
    c->px->tls_failed++;
    prog_trace(&c->px->prog, "TLS handshake: %s",
               prog_tls_reason(tls, status));
    conn_abort(c);
    return;
  }
  c->handshaken = 1;
  start_relay(c);
}

/* With TLS: the client's connection goes under a TLS stream, whose
 * handshake runs while the upstream connects. */
static int start_tls(struct proxy *px, struct conn *c) {
  if (!px->tls.on)
    return 0;
  int rc = sf_tls_init(&px->prog.loop, &c->tls, &c->down, px->tls.ctx, NULL,
                       on_handshake);
  if (rc == 0) {
    c->tls_used = 1;
    c->tls.data = c;
  }
  return rc;
}

static void conn_link(struct proxy *px, struct conn *c) {
  c->px = px;
  c->next = px->conns;
  if (px->conns)
    px->conns->prev = c;
  px->conns = c;
  px->open++;
}

/* Over the limit: the connection is taken from the queue and reset. */
static void refuse(struct proxy *px, struct conn *c) {
  px->refused++;
  c->closes_left = 1;
  c->down.data = c;
  if (sf_tcp_close_reset(&c->down, conn_handle_closed) < 0)
    sf_close((sf_handle_t *)&c->down, conn_handle_closed);
}

static void on_connection(sf_tcp_t *listener, int status) {
  struct proxy *px = listener->data;
  struct conn *c = status == 0 ? calloc(1, sizeof(*c)) : NULL;
  if (!c)
    return; /* the connection waits in the queue (or the backlog drops) */
  conn_link(px, c);
  if (sf_tcp_init(&px->prog.loop, &c->down) < 0) {
    conn_unlink(c);
    free(c);
    return;
  }
  c->down.data = c;
  if (sf_accept(listener, &c->down) < 0) {
    c->closes_left = 1;
    sf_close((sf_handle_t *)&c->down, conn_handle_closed);
    return;
  }
  px->accepted++;
  if (px->open > px->max_conns || sf_tcp_init(&px->prog.loop, &c->up) < 0)
    return refuse(px, c);
  c->up.data = c;
  c->connect_req.data = c;
  int rc = start_tls(px, c);
  if (rc == 0)
    rc = sf_tcp_connect(&c->connect_req, &c->up,
                        (const struct sockaddr *)&px->upstream, on_upstream);
  if (rc < 0) {
    px->upstream_failed++;
    prog_trace(&px->prog, "upstream: %s", sf_strerror(rc));
    conn_abort(c);
  }
}

static int start_listening(struct proxy *px) {
  struct sockaddr_in addr;
  int rc = sf_ip4_addr(px->prog.ip, px->port, &addr);
  if (rc == 0)
    rc = sf_tcp_init(&px->prog.loop, &px->listener);
  if (rc < 0)
    return rc;
  px->listener.data = px;
  if ((rc = sf_tcp_bind(&px->listener, (struct sockaddr *)&addr, 0)) < 0 ||
      (rc = sf_listen(&px->listener, 1024, on_connection)) < 0)
    return rc;
  return 0;
}

/* -------------------------------------------------------- drain, abort */

/* SIGTERM: no new connections; the open ones finish. */
static void on_drain(struct prog *p) {
  struct proxy *px = p->data;
  if (!sf_is_closing((sf_handle_t *)&px->listener))
    sf_close((sf_handle_t *)&px->listener, NULL);
}

/* A second signal or the drain timeout: everything ends now. */
static void on_abort(struct prog *p) {
  struct proxy *px = p->data;
  on_drain(p);
  for (struct conn *c = px->conns; c; c = c->next) {
    if (c->relaying)
      sf_relay_stop(&c->relay);
    else if (!c->closes_left)
      conn_abort(c);
  }
}

/* ------------------------------------------------------------- status */

/* One side of a relay as SIGUSR1 shows it: what the table leaves out
 * (windows, flight, what is queued each way), so a stalled transfer
 * says which side waits for what. */
static void print_side(const char *name, const sf_tcp_t *tcp) {
  sf_tcp_info_t i;
  if (sf_tcp_info(tcp, &i) < 0)
    return;
  fprintf(stderr, " %s=%s snd_wnd=%u rcv_wnd=%u cwnd=%u in_flight=%u "
          "unsent=%u unread=%u sent=%llu received=%llu retrans=%llu "
          "backoff=%u", name, sf_tcp_state_name(i.state), i.snd_wnd,
          i.rcv_wnd, i.cwnd, i.bytes_in_flight, i.unsent, i.unread,
          i.bytes_sent, i.bytes_received, i.retransmits, i.rto_backoff);
}

static void on_status(struct prog *p) {
  struct proxy *px = p->data;
  for (struct conn *c = px->conns; c; c = c->next) {
    if (!c->relaying)
      continue;
    fprintf(stderr, "sfproxy: relay buffered=%zu",
            sf_relay_buffered(&c->relay));
    print_side("client", &c->down);
    print_side("upstream", &c->up);
    fputc('\n', stderr);
  }
}

/* ------------------------------------------------------------ options */

static void usage(FILE *out) {
  fputs("Usage: sfproxy --device DEV --address A/P --listen PORT\n"
        "               --upstream HOST:PORT [options]\n"
        "Relays every TCP connection accepted on synfin's address and PORT\n"
        "to HOST:PORT, both directions, each ending on its own.\n"
        "Proxy:\n"
        "  --listen PORT       port to listen on (synfin's --address)\n"
        "  --upstream H:P      where each connection is relayed to\n"
        "  --max-conns N       connections at once; more are reset\n"
        "                      (default 1024)\n"
        "  --idle-timeout S    end a connection idle both ways for S\n"
        "                      seconds (default 0: never)\n"
        "  --buffer BYTES      with TLS, bytes held per direction before\n"
        "                      reading stops (default 262144; plain TCP\n"
        "                      holds none)\n"
        "  --help              this text\n",
        out);
  prog_tls_usage(out, 0);
  fputs("With --tls-cert and --tls-key, sfproxy terminates TLS: clients\n"
        "speak TLS to it, the upstream gets the plaintext.\n",
        out);
  prog_usage_common(out);
}

/* One of sfproxy's own options at argv[*i]: 0 taken, else an exit
 * status. */
static int proxy_option(struct proxy *px, int argc, char **argv, int *i) {
  const char *o = argv[*i];
  struct prog *p = &px->prog;
  unsigned long long n;
  if (*i + 1 >= argc)
    return prog_usage_error(p, "%s needs a value", o);
  const char *v = argv[++*i];
  if (!strcmp(o, "--listen"))
    return prog_parse_port(p, o, v, &px->port);
  if (!strcmp(o, "--upstream"))
    return prog_parse_hostport(p, o, v, &px->upstream);
  if (!strcmp(o, "--max-conns"))
    return prog_parse_number(p, o, v, 1, 1000000, &px->max_conns);
  if (!strcmp(o, "--idle-timeout")) {
    if (prog_parse_number(p, o, v, 0, 86400, &n))
      return PROG_EXIT_USAGE;
    px->relay_opts.idle_timeout_ms = n * 1000;
    return 0;
  }
  if (prog_parse_number(p, o, v, 4096, 1ull << 30, &n))
    return PROG_EXIT_USAGE;
  px->relay_opts.high_water = (size_t)n;
  px->relay_opts.low_water = (size_t)n / 4;
  return 0;
}

static int is_proxy_option(const char *o) {
  return !strcmp(o, "--listen") || !strcmp(o, "--upstream") ||
         !strcmp(o, "--max-conns") || !strcmp(o, "--idle-timeout") ||
         !strcmp(o, "--buffer");
}

/* Returns 0 to go on, -1 after --help, or an exit status. */
static int parse_args(struct proxy *px, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int rc;
    if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return -1;
    }
    if (is_proxy_option(argv[i])) {
      if ((rc = proxy_option(px, argc, argv, &i)) != 0)
        return rc;
      continue;
    }
    rc = prog_option(&px->prog, argc, argv, &i);
    if (rc == 0)
      rc = prog_tls_option(&px->prog, &px->tls, argc, argv, &i);
    if (rc < 0)
      return PROG_EXIT_USAGE;
    if (rc == 0)
      return prog_usage_error(&px->prog, "unknown argument '%s'", argv[i]);
  }
  if (!px->port)
    return prog_usage_error(&px->prog, "--listen PORT is required");
  if (!px->upstream.sin_port)
    return prog_usage_error(&px->prog, "--upstream HOST:PORT is required");
  return prog_tls_check(&px->prog, &px->tls, SF_TLS_SERVER);
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv) {
  static struct proxy px;
  prog_init(&px.prog, "sfproxy");
  px.max_conns = SFPROXY_MAX_CONNS;
  sf_relay_options_default(&px.relay_opts);
  int rc = parse_args(&px, argc, argv);
  if (rc)
    return rc < 0 ? PROG_EXIT_OK : rc;
  px.prog.data = &px;
  px.prog.on_drain = on_drain;
  px.prog.on_abort = on_abort;
  px.prog.on_status = on_status;
  if ((rc = prog_open(&px.prog, NULL)) != 0 ||
      (rc = prog_tls_open(&px.prog, &px.tls)) != 0) {
    prog_close(&px.prog);
    return rc;
  }
  if ((rc = start_listening(&px)) < 0) {
    prog_log(&px.prog, "listening on %s:%d: %s", px.prog.ip, px.port,
             sf_strerror(rc));
    prog_close(&px.prog);
    return PROG_EXIT_FAIL;
  }
  printf("ready: listening on %s:%d, pid %ld\n", px.prog.ip, px.port,
         (long)getpid());
  fflush(stdout);
  prog_run(&px.prog);
  rc = prog_close(&px.prog);
  prog_tls_close(&px.tls);
  printf("sfproxy: accepted=%llu relayed=%llu refused=%llu "
         "upstream_failed=%llu resets=%llu bytes_up=%llu bytes_down=%llu "
         "tls_failed=%llu open=%llu\n",
         px.accepted, px.relayed, px.refused, px.upstream_failed, px.resets,
         px.bytes_up, px.bytes_down, px.tls_failed, px.open);
  return rc;
}
