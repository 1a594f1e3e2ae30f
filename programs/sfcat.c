/*
 * sfcat: netcat on synfin. Connects to HOST PORT, or (-l) accepts one
 * connection on PORT, then copies stdin to the connection and the
 * connection to stdout (sfcat_io.c). At stdin's end it half-closes, as
 * nc -N does, and goes on reading; it exits once the peer has ended its
 * side and acknowledged ours. With --tls the session runs over a TLS
 * stream on the connection (client, or -l server), and its end is
 * close_notify then FIN. The exit status tells success, refusal, reset,
 * timeout, TLS failure and truncation apart.
 */
#include "config.h"

#include "sfcat.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fputs("Usage: sfcat [OPTIONS] HOST PORT     connect to HOST (IPv4) PORT\n"
        "       sfcat -l [OPTIONS] PORT       accept one connection on PORT\n"
        "\n"
        "netcat on synfin's own TCP/IP stack: stdin goes to the connection\n"
        "and the connection to stdout. At the end of stdin sfcat half-closes\n"
        "(sends FIN, like nc -N) and goes on reading; it exits when the peer\n"
        "has ended its side too and acknowledged ours. With --tls, the\n"
        "end of stdin sends close_notify then FIN, and the peer's end\n"
        "must come with close_notify (else status 7).\n"
        "\n"
        "Options:\n"
        "  -l, --listen          accept one connection on PORT at --address\n"
        "  -q, --quiet           print errors only (not 'connected to ...')\n"
        "  --connect-timeout S   give up after S seconds without a\n"
        "                        connection (connecting, or -l waiting)\n"
        "  --idle-timeout S      close after S seconds with no data either\n"
        "                        way\n"
        "  -h, --help            this text\n",
        out);
  prog_tls_usage(out, 1);
  prog_usage_common(out);
  fputs("With sfcat, a drain stops reading stdin, half-closes and waits for\n"
        "the peer's end.\n"
        "\n"
        "Exit status:\n"
        "  0  the connection ended normally both ways (or a drain stopped\n"
        "     sfcat -l before any connection)\n"
        "  1  any other failure (no ARP answer, stdin or stdout errors,\n"
        "     a drain cut short, interrupted while connecting, ...)\n"
        "  2  bad arguments\n"
        "  3  connection refused (the peer answered with RST)\n"
        "  4  connection reset by the peer\n"
        "  5  timeout: --connect-timeout, --idle-timeout, or the stack's\n"
        "     retransmissions ran out\n"
        "  6  TLS failed: the handshake (the message says why, e.g. the\n"
        "     certificate), or a TLS protocol error or alert later\n"
        "  7  TLS truncated: the peer's FIN came without close_notify, so\n"
        "     what arrived may be cut short\n"
        "\n"
        "Example (198.18.0.1 listening with the kernel's nc -l 7777):\n"
        "  echo hello | sfcat --device veth1 --address 198.18.0.2/24 \\\n"
        "      198.18.0.1 7777\n"
        "Over TLS, verified with a CA file, to a server named server.test:\n"
        "  sfcat --tls --tls-ca ca.pem --tls-name server.test \\\n"
        "      --device veth1 --address 198.18.0.2/24 198.18.0.1 4433\n",
        out);
}

/* -------------------------------------------------------- exit statuses */

static int status_of(int err) {
  switch (err) {
  case SF_ECONNREFUSED:
    return SFCAT_EXIT_REFUSED;
  case SF_ECONNRESET:
    return SFCAT_EXIT_RESET;
  case SF_ETIMEDOUT:
    return SFCAT_EXIT_TIMEOUT;
  case SF_ETLS:
  case SF_ECERT:
    return SFCAT_EXIT_TLS;
  case SF_ETRUNCATED:
    return SFCAT_EXIT_TRUNCATED;
  default:
    return PROG_EXIT_FAIL;
  }
}

sf_stream_t *sfcat_stream(struct sfcat *c) {
  return c->tls_used ? (sf_stream_t *)&c->tls : (sf_stream_t *)&c->conn;
}

void sfcat_end(struct sfcat *c, int status) {
  if (!c->status)
    c->status = status;
  /* The TLS stream owns the connection: it closes it, after its
   * close_notify, so it goes first. */
  if (c->tls_used && !sf_is_closing((sf_handle_t *)&c->tls))
    sf_close((sf_handle_t *)&c->tls, NULL);
  /* The connection closes as close(2) does: what the stack took still
   * goes, then FIN (a reset or a timeout ended it already). */
  prog_close_handles(&c->p);
}

void sfcat_fail(struct sfcat *c, int err, const char *what) {
  if (c->status || c->p.aborted)
    return; /* already ending: this is a consequence */
  if (c->tls_used && err != SF_ECANCELED)
    prog_log(&c->p, "%s: %s", what, prog_tls_reason(&c->tls, err));
  else
    prog_log(&c->p, "%s: %s", what, sf_strerror(err));
  sfcat_end(c, status_of(err));
}

void sfcat_session_done(struct sfcat *c) {
  prog_trace(&c->p, "both directions ended");
  sfcat_end(c, PROG_EXIT_OK);
}

/* ---------------------------------------------------------- timeouts */

static void on_idle(sf_timer_t *t) {
  struct sfcat *c = t->data;
  prog_log(&c->p, "idle for %llu s: closing", c->idle_timeout_ms / 1000);
  sfcat_end(c, SFCAT_EXIT_TIMEOUT);
}

void sfcat_touch(struct sfcat *c) {
  if (c->idle_timeout_ms && !sf_is_closing((sf_handle_t *)&c->idle_timer))
    sf_timer_start(&c->idle_timer, on_idle, c->idle_timeout_ms, 0);
}

static void on_connect_timeout(sf_timer_t *t) {
  struct sfcat *c = t->data;
  prog_log(&c->p, "no connection after %llu s",
           c->connect_timeout_ms / 1000);
  sfcat_end(c, SFCAT_EXIT_TIMEOUT);
}

static int init_timers(struct sfcat *c) {
  int rc;
  if ((rc = sf_timer_init(&c->p.loop, &c->connect_timer)) < 0 ||
      (rc = sf_timer_init(&c->p.loop, &c->idle_timer)) < 0)
    return rc;
  c->connect_timer.data = c->idle_timer.data = c;
  if (c->connect_timeout_ms)
    rc = sf_timer_start(&c->connect_timer, on_connect_timeout,
                        c->connect_timeout_ms, 0);
  return rc;
}

/* ------------------------------------------------------- the session */

/* " (TLSv1.3 TLS_AES_256_GCM_SHA384, peer /CN=x)", or "" without TLS. */
static void tls_summary(struct sfcat *c, char *buf, size_t len) {
  sf_tls_info_t i;
  buf[0] = '\0';
  if (!c->tls_used || sf_tls_get_info(&c->tls, &i) < 0)
    return;
  snprintf(buf, len, " (%s %s%s%s%s%s)", i.version, i.cipher,
           *i.alpn ? ", ALPN " : "", i.alpn,
           *i.peer_subject ? ", peer " : "", i.peer_subject);
}

static void log_peer(struct sfcat *c, const char *what) {
  struct sockaddr_storage sa;
  int len = sizeof(sa);
  char name[SF_ADDR_NAME_LEN] = "?", tls[512];
  if (c->quiet)
    return;
  if (sf_tcp_getpeername(&c->conn, (struct sockaddr *)&sa, &len) == 0)
    sf_addr_name((struct sockaddr *)&sa, name, sizeof(name));
  tls_summary(c, tls, sizeof(tls));
  prog_log(&c->p, "%s %s%s", what, name, tls);
}

static void start_session(struct sfcat *c) {
  sf_timer_stop(&c->connect_timer);
  c->session = 1;
  log_peer(c, c->listen ? "connection from" : "connected to");
  sfcat_touch(c);
  sfcat_io_start(c);
}

/* 1 if the step that ended with status failed (and said so) or was
 * cancelled by a timeout or a signal (which said why). */
static int step_failed(struct sfcat *c, int status, const char *what) {
  if (status < 0 && status != SF_ECANCELED)
    sfcat_fail(c, status, what);
  return status < 0;
}

static void on_handshake(sf_tls_t *tls, int status) {
  struct sfcat *c = tls->data;
  /* No data arrived yet, so nothing can have been cut: a peer that
   * closes during the handshake failed it (6), it did not truncate (7). */
  if (status == SF_ETRUNCATED)
    status = SF_ETLS;
  if (!step_failed(c, status, "TLS handshake"))
    start_session(c);
}

/* With --tls the session starts once the handshake is done (the
 * connect timeout covers it too); without, at once. */
static void begin(struct sfcat *c) {
  if (!c->tls_opt.on) {
    start_session(c);
    return;
  }
  const char *name = c->tls_opt.name ? c->tls_opt.name : c->host;
  int rc = sf_tls_init(&c->p.loop, &c->tls, &c->conn, c->tls_opt.ctx,
                       c->listen ? NULL : name, on_handshake);
  if (rc < 0) {
    sfcat_fail(c, rc, "TLS");
    return;
  }
  c->tls_used = 1;
  c->tls.data = c;
}

static void on_connected(sf_connect_t *req, int status) {
  struct sfcat *c = req->data;
  if (!step_failed(c, status, "connecting"))
    begin(c);
}

static int start_connect(struct sfcat *c) {
  int rc = sf_tcp_init(&c->p.loop, &c->conn);
  if (rc < 0)
    return rc;
  c->conn.data = c->connect_req.data = c;
  rc = sf_tcp_connect(&c->connect_req, &c->conn,
                      (const struct sockaddr *)&c->peer, on_connected);
  if (rc < 0 && *sf_loop_last_error(&c->p.loop))
    prog_log(&c->p, "%s", sf_loop_last_error(&c->p.loop));
  return rc;
}

/* One connection only: the listener closes once it is taken. */
static void on_connection(sf_tcp_t *server, int status) {
  struct sfcat *c = server->data;
  if (status < 0) {
    sfcat_fail(c, status, "accepting");
    return;
  }
  int rc = sf_tcp_init(&c->p.loop, &c->conn);
  if (rc == 0)
    rc = sf_accept(server, &c->conn);
  sf_close((sf_handle_t *)server, NULL);
  if (rc < 0) {
    sfcat_fail(c, rc, "accepting");
    return;
  }
  begin(c);
}

static int start_listen(struct sfcat *c) {
  struct sockaddr_in addr;
  char name[SF_ADDR_NAME_LEN];
  int rc = sf_tcp_init(&c->p.loop, &c->server);
  if (rc < 0)
    return rc;
  c->server.data = c;
  if ((rc = sf_ip4_addr(c->p.ip, c->port, &addr)) < 0 ||
      (rc = sf_tcp_bind(&c->server, (struct sockaddr *)&addr, 0)) < 0 ||
      (rc = sf_listen(&c->server, 1, on_connection)) < 0)
    return rc;
  sf_addr_name((struct sockaddr *)&addr, name, sizeof(name));
  if (!c->quiet)
    prog_log(&c->p, "listening on %s", name);
  return 0;
}

/* SIGTERM, SIGINT: no new connection; an open one ends as at stdin's end,
 * with what stdin gave so far delivered, then the peer's end awaited. */
static void on_drain(struct prog *p) {
  struct sfcat *c = p->data;
  if (c->session) {
    sfcat_io_end_input(c);
  } else if (c->listen) {
    sfcat_end(c, PROG_EXIT_OK);
  } else {
    prog_log(p, "interrupted while connecting");
    sfcat_end(c, PROG_EXIT_FAIL);
  }
}

/* ----------------------------------------------------------- options */

static int parse_seconds(struct sfcat *c, int argc, char **argv, int *i,
                         unsigned long long *ms) {
  unsigned long long s;
  if (*i + 1 >= argc)
    return prog_usage_error(&c->p, "%s needs a value", argv[*i]);
  if (prog_parse_number(&c->p, argv[*i], argv[*i + 1], 1, 86400, &s))
    return PROG_EXIT_USAGE;
  *ms = s * 1000;
  ++*i;
  return 0;
}

/* sfcat's own options; 1 taken, 0 not one of them, or the usage status
 * negated. */
static int own_option(struct sfcat *c, int argc, char **argv, int *i) {
  const char *o = argv[*i];
  if (!strcmp(o, "-l") || !strcmp(o, "--listen"))
    c->listen = 1;
  else if (!strcmp(o, "-q") || !strcmp(o, "--quiet"))
    c->quiet = 1;
  else if (!strcmp(o, "--connect-timeout"))
    return parse_seconds(c, argc, argv, i, &c->connect_timeout_ms) ? -1 : 1;
  else if (!strcmp(o, "--idle-timeout"))
    return parse_seconds(c, argc, argv, i, &c->idle_timeout_ms) ? -1 : 1;
  else
    return 0;
  return 1;
}

static int parse_target(struct sfcat *c, int npos, char **pos) {
  if (c->listen) {
    if (npos != 1)
      return prog_usage_error(&c->p, "-l takes one argument, the PORT");
    return prog_parse_port(&c->p, "PORT", pos[0], &c->port);
  }
  if (npos != 2)
    return prog_usage_error(&c->p, "give HOST and PORT (or -l PORT)");
  c->host = pos[0];
  int port;
  if (prog_parse_port(&c->p, "PORT", pos[1], &port))
    return PROG_EXIT_USAGE;
  if (sf_ip4_addr(pos[0], port, &c->peer) < 0 || !c->peer.sin_addr.s_addr)
    return prog_usage_error(&c->p, "HOST '%s': expected an IPv4 address, "
                                   "e.g. 198.18.0.1", pos[0]);
  return 0;
}

/* 0, -1 after --help, or the usage status. */
static int parse_args(struct sfcat *c, int argc, char **argv) {
  char *pos[3];
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return -1;
    }
    int r = prog_option(&c->p, argc, argv, &i);
    if (r == 0)
      r = own_option(c, argc, argv, &i);
    if (r == 0)
      r = prog_tls_option(&c->p, &c->tls_opt, argc, argv, &i);
    if (r < 0)
      return PROG_EXIT_USAGE;
    if (r > 0)
      continue;
    if (a[0] == '-' && a[1])
      return prog_usage_error(&c->p, "unknown option '%s'", a);
    if (npos == 3)
      return prog_usage_error(&c->p, "too many arguments ('%s')", a);
    pos[npos++] = argv[i];
  }
  if (parse_target(c, npos, pos))
    return PROG_EXIT_USAGE;
  return prog_tls_check(&c->p, &c->tls_opt,
                        c->listen ? SF_TLS_SERVER : SF_TLS_CLIENT);
}

/* -------------------------------------------------------------- main */

static int run(struct sfcat *c) {
  int rc = prog_open(&c->p, NULL);
  if (rc)
    return rc;
  c->p.data = c;
  c->p.on_drain = on_drain;
  if ((rc = prog_tls_open(&c->p, &c->tls_opt)) ||
      (rc = sfcat_io_init(c)))
    return rc;
  if ((rc = init_timers(c)) < 0 ||
      (rc = c->listen ? start_listen(c) : start_connect(c)) < 0) {
    prog_log(&c->p, "%s: %s", c->listen ? "listening" : "connecting",
             sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  prog_run(&c->p);
  if (c->p.aborted && !c->status)
    c->status = PROG_EXIT_FAIL; /* the drain was cut short */
  return c->status;
}

int main(int argc, char **argv) {
  struct sfcat *c = calloc(1, sizeof(*c));
  if (!c) {
    fputs("sfcat: out of memory\n", stderr);
    return PROG_EXIT_FAIL;
  }
  prog_init(&c->p, "sfcat");
  /* A reader of stdout that goes away is a write error, not a kill. */
  signal(SIGPIPE, SIG_IGN);
  int status = parse_args(c, argc, argv);
  if (status == 0)
    status = run(c);
  else if (status < 0)
    status = PROG_EXIT_OK; /* --help */
  int closed = prog_close(&c->p);
  prog_tls_close(&c->tls_opt);
  sfcat_io_restore(c);
  free(c);
  return status ? status : closed;
}
