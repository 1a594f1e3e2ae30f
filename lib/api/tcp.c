/*
 * TCP handles: init, bind, listen, accept, connect, what closing one
 * does (sf__tcp_close_handle, for sf_close and sf_tcp_close_reset in
 * close.c), options and names; and what an engine event does to a handle
 * (sf__tcp_handle_event), after the hooks heard of it.
 *
 * A handle is a listener (impl->listener), a connection (impl->tcb,
 * attached to the handle as the engine's "user"), or neither. sf_close
 * detaches the tcb: the engine finishes the connection on its own.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/hooks.h"
#include "api/tcp.h"
#include "api/tcp_stream.h"
#include "util/pool.h"

static bool tcp_ok(const sf_tcp_t *tcp) {
  return sf__handle_ok((const sf_handle_t *)tcp, SF_TCP);
}

static bool tcp_usable(const sf_tcp_t *tcp) {
  return tcp_ok(tcp) && !sf__handle_closing((const sf_handle_t *)tcp);
}

sf_buf_t sf_buf_init(char *base, size_t len) {
  sf_buf_t b = {base, len};
  return b;
}

int sf_ip4_addr(const char *ip, int port, struct sockaddr_in *out) {
  if (!ip || !out || port < 0 || port > 65535)
    return SF_EINVAL;
  memset(out, 0, sizeof(*out));
  out->sin_family = AF_INET;
  out->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, ip, &out->sin_addr) == 1 ? 0 : SF_EINVAL;
}

int sf_ip4_name(const struct sockaddr_in *addr, char *dst, size_t size) {
  if (!addr || !dst)
    return SF_EINVAL;
  char buf[INET_ADDRSTRLEN];
  if (!inet_ntop(AF_INET, &addr->sin_addr, buf, sizeof(buf)))
    return SF_EINVAL;
  if (strlen(buf) >= size)
    return SF_ENOSPC;
  memcpy(dst, buf, strlen(buf) + 1);
  return 0;
}

/* The address of sa as text, IPv6 in brackets so that the port after it
 * reads unambiguously; NULL for a family without one. */
static const char *host_text(const struct sockaddr *sa, char *buf,
                             size_t size) {
  switch (sa->sa_family) {
  case AF_INET:
    return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                     buf, (socklen_t)size);
  case AF_INET6:
    buf[0] = '[';
    if (!inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                   buf + 1, (socklen_t)size - 2))
      return NULL;
    strcat(buf, "]");
    return buf;
  default:
    return NULL;
  }
}

static uint16_t port_of(const struct sockaddr *sa) {
  return ntohs(sa->sa_family == AF_INET6
                   ? ((const struct sockaddr_in6 *)sa)->sin6_port
                   : ((const struct sockaddr_in *)sa)->sin_port);
}

int sf_addr_name(const struct sockaddr *sa, char *buf, size_t len) {
  char host[INET6_ADDRSTRLEN + 2], text[SF_ADDR_NAME_LEN];
  if (!sa || !buf || !host_text(sa, host, sizeof(host)))
    return SF_EINVAL;
  int n = snprintf(text, sizeof(text), "%s:%u", host, port_of(sa));
  if ((size_t)n >= len)
    return SF_ENOSPC;
  memcpy(buf, text, (size_t)n + 1);
  return 0;
}

/* An AF_INET address into host-order addr/port. */
static int parse_addr(const struct sockaddr *sa, uint32_t *addr,
                      uint16_t *port) {
  if (!sa)
    return SF_EINVAL;
  if (sa->sa_family != AF_INET)
    return SF_EAFNOSUPPORT;
  const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
  *addr = ntohl(in->sin_addr.s_addr);
  *port = ntohs(in->sin_port);
  return 0;
}

int sf_tcp_init(sf_loop_t *loop, sf_tcp_t *tcp) {
  if (!loop || !loop->impl_ || !tcp)
    return SF_EINVAL;
  struct sf__tcp_impl *t = sf__pool_get(&loop->impl_->tcp_impls);
  if (!t)
    return SF_ENOMEM;
  memset(t, 0, sizeof(*t));
  tcp->impl_ = t;
  sf__stream_init(loop, (sf_stream_t *)tcp, SF_TCP, &sf__tcp_stream_ops);
  return 0;
}

int sf_tcp_bind(sf_tcp_t *tcp, const struct sockaddr *addr, unsigned flags) {
  if (!tcp_usable(tcp) || !addr || flags)
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  if ((t->tflags & SF__T_BOUND) || t->listener || t->tcb)
    return SF_EINVAL;
  uint32_t a;
  uint16_t p;
  int rc = parse_addr(addr, &a, &p);
  if (rc < 0)
    return rc;
  struct sf__loop_impl *impl = tcp->loop->impl_;
  if (a && sf__ip_netif_by_addr(sf__engine_ip(impl->engine), sf_addr_v4(a)) < 0)
    return SF_EADDRNOTAVAIL;
  t->bind_addr = a;
  t->bind_port = p;
  t->tflags |= SF__T_BOUND;
  return 0;
}

int sf_listen(sf_tcp_t *tcp, int backlog, sf_connection_cb cb) {
  if (!tcp_usable(tcp) || !cb)
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener)
    return SF_EALREADY;
  if (t->tcb)
    return SF_EINVAL;
  struct sf__loop_impl *impl = tcp->loop->impl_;
  int rc =
      sf__tcp_listen(sf__engine_tcp(impl->engine), sf_addr_v4(t->bind_addr),
                     t->bind_port, backlog, tcp, &t->listener);
  if (rc < 0)
    return rc;
  if (sf__tcp_hooks(tcp))
    sf__tcp_listener_set_observer(t->listener, sf__tcp_hooks(tcp));
  if (t->congestion)
    sf__tcp_listener_set_congestion(t->listener, t->congestion);
  t->connection_cb = cb;
  sf__tcp_update_active(tcp);
  return 0;
}

int sf_accept(sf_tcp_t *server, sf_tcp_t *client) {
  if (!tcp_usable(server) || !tcp_usable(client) || server == client ||
      server->loop != client->loop)
    return SF_EINVAL;
  struct sf__tcp_impl *s = server->impl_, *c = client->impl_;
  if (!s->listener || c->listener || c->tcb || (c->tflags & SF__T_BOUND))
    return SF_EINVAL;
  struct sf_tcb *tcb = sf__tcp_accept(s->listener, client);
  if (!tcb)
    return SF_EAGAIN;
  c->tcb = tcb;
  c->tflags |= SF__T_CONNECTED;
  if (!c->hooks) { /* the listener's own override the loop's here too */
    c->hooks = s->hooks;
    sf__hooks_retain(c->hooks);
  }
  sf__tcp_set_observer(tcb, sf__tcp_hooks(client));
  sf_time_t now = sf__loop_now(client->loop);
  if (c->tflags & SF__T_NODELAY)
    sf__tcp_set_nodelay(tcb, true, now);
  if (c->tflags & SF__T_KEEPALIVE)
    sf__tcp_set_keepalive(tcb, true,
                          (sf_time_t)c->keepalive_delay * SF_NSEC_PER_SEC, now);
  if (c->congestion) /* else the listener's, set when the SYN came */
    sf__tcp_set_congestion(tcb, c->congestion);
  return 0;
}

static int start_connect(sf_connect_t *req, sf_tcp_t *tcp,
                         const struct sockaddr *addr, sf_connect_cb cb) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->connect_req)
    return SF_EALREADY;
  if (t->tcb || t->listener)
    return SF_EISCONN;
  uint32_t ra;
  uint16_t rp;
  int rc = parse_addr(addr, &ra, &rp);
  if (rc < 0)
    return rc;
  if (!ra || !rp)
    return SF_EINVAL;
  struct sf__loop_impl *impl = tcp->loop->impl_;
  sf_time_t now = sf__loop_now(tcp->loop);
  rc = sf__tcp_connect(sf__engine_tcp(impl->engine), sf_addr_v4(t->bind_addr),
                       t->bind_port, sf_addr_v4(ra), rp, tcp, sf__tcp_hooks(tcp),
                       now, &t->tcb);
  if (rc < 0) {
    t->tcb = NULL;
    return rc;
  }
  if (t->tflags & SF__T_NODELAY)
    sf__tcp_set_nodelay(t->tcb, true, now);
  if (t->tflags & SF__T_KEEPALIVE)
    sf__tcp_set_keepalive(t->tcb, true,
                          (sf_time_t)t->keepalive_delay * SF_NSEC_PER_SEC, now);
  if (t->congestion)
    sf__tcp_set_congestion(t->tcb, t->congestion);
  sf__req_start(tcp->loop, (sf_req_t *)req, SF_CONNECT);
  req->handle = tcp;
  req->cb_ = cb;
  t->connect_req = req;
  sf__tcp_update_active(tcp);
  return 0;
}

/* SF_ENETUNREACH from the routes: what the destination lacks. */
static int explain_unreachable(const struct sockaddr *addr,
                               struct sf_why *why) {
  const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
  uint32_t a = ntohl(in->sin_addr.s_addr);
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
  if (a >> 24 == 127 || a >> 28 >= 0xe)
    return sf__why(why, SF_ENETUNREACH,
                   "no route to %s: synfin connects to no loopback, "
                   "multicast or reserved address",
                   ip);
  return sf__why(why, SF_ENETUNREACH,
                 "no route to %s: it is on no subnet of this loop's "
                 "interfaces; to reach other networks, set "
                 "sf_iface_config_t.gateway to a router on an interface's "
                 "subnet",
                 ip);
}

int sf_tcp_connect(sf_connect_t *req, sf_tcp_t *tcp,
                   const struct sockaddr *addr, sf_connect_cb cb) {
  if (!req || !tcp_usable(tcp) || !addr)
    return SF_EINVAL;
  struct sf_why *why = sf__loop_why_clear(tcp->loop);
  int rc = start_connect(req, tcp, addr, cb);
  if (rc == SF_ENETUNREACH)
    explain_unreachable(addr, why);
  return sf__loop_why_done(tcp->loop, rc, sf_strerror(rc));
}

/* The pending connect ends with status (its callback comes later). */
static void connect_done(sf_tcp_t *tcp, int status) {
  struct sf__tcp_impl *t = tcp->impl_;
  sf_connect_t *req = t->connect_req;
  if (!req)
    return;
  t->connect_req = NULL;
  sf__req_done(tcp->loop, (sf_req_t *)req, status);
}

static void shutdown_done(sf_tcp_t *tcp, int status) {
  struct sf__tcp_impl *t = tcp->impl_;
  sf_shutdown_t *req = t->shutdown_req;
  if (!req)
    return;
  t->shutdown_req = NULL;
  sf__req_done(tcp->loop, (sf_req_t *)req, status);
}

void sf__tcp_close_handle(sf_tcp_t *tcp, bool reset) {
  struct sf__tcp_impl *t = tcp->impl_;
  sf_time_t now = sf__loop_now(tcp->loop);
  t->tflags &= ~SF__T_READING;
  if (t->listener) {
    sf__tcp_listener_close(t->listener, now);
    t->listener = NULL;
  }
  connect_done(tcp, SF_ECANCELED);
  sf__tcp_stream_fail_writes(tcp, SF_ECANCELED);
  shutdown_done(tcp, SF_ECANCELED);
  if (t->tcb) {
    if (reset)
      sf__tcp_abort(t->tcb, now);
    sf__tcp_detach(t->tcb, now);
    t->tcb = NULL;
  }
  sf__hooks_release(t->hooks);
  t->hooks = NULL;
}

void sf__tcp_free(sf_tcp_t *tcp) {
  sf__pool_put(&tcp->loop->impl_->tcp_impls, tcp->impl_);
  tcp->impl_ = NULL;
}

int sf_tcp_nodelay(sf_tcp_t *tcp, int enable) {
  if (!tcp_usable(tcp))
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  t->tflags = enable ? t->tflags | SF__T_NODELAY : t->tflags & ~SF__T_NODELAY;
  if (t->tcb)
    sf__tcp_set_nodelay(t->tcb, enable != 0, sf__loop_now(tcp->loop));
  return 0;
}

int sf_tcp_keepalive(sf_tcp_t *tcp, int enable, unsigned int delay) {
  if (!tcp_usable(tcp))
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  t->tflags =
      enable ? t->tflags | SF__T_KEEPALIVE : t->tflags & ~SF__T_KEEPALIVE;
  t->keepalive_delay = delay;
  if (t->tcb)
    sf__tcp_set_keepalive(t->tcb, enable != 0,
                          (sf_time_t)delay * SF_NSEC_PER_SEC,
                          sf__loop_now(tcp->loop));
  return 0;
}

int sf_tcp_congestion(sf_tcp_t *tcp, const char *name) {
  if (!tcp_usable(tcp))
    return SF_EINVAL;
  const char *cc = sf__tcp_cc_name(name);
  if (!cc)
    return SF_EINVAL;
  struct sf__tcp_impl *t = tcp->impl_;
  t->congestion = cc;
  if (t->tcb)
    sf__tcp_set_congestion(t->tcb, cc);
  if (t->listener)
    sf__tcp_listener_set_congestion(t->listener, cc);
  return 0;
}

static int put_name(uint32_t addr, uint16_t port, struct sockaddr *name,
                    int *namelen) {
  if (!name || !namelen || *namelen < (int)sizeof(struct sockaddr_in))
    return SF_EINVAL;
  struct sockaddr_in in;
  memset(&in, 0, sizeof(in));
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(addr);
  in.sin_port = htons(port);
  memcpy(name, &in, sizeof(in));
  *namelen = (int)sizeof(in);
  return 0;
}

int sf_tcp_getsockname(const sf_tcp_t *tcp, struct sockaddr *name,
                       int *namelen) {
  if (!tcp_ok(tcp) || !name || !namelen)
    return SF_EINVAL;
  const struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener) {
    struct sf_addr a;
    uint16_t p;
    sf__tcp_listener_name(t->listener, &a, &p);
    return put_name(a.v4, p, name, namelen);
  }
  if (t->tcb) {
    struct sf_tuple tu;
    sf__tcp_get_tuple(t->tcb, &tu);
    return put_name(tu.laddr.v4, tu.lport, name, namelen);
  }
  if (t->tflags & SF__T_BOUND)
    return put_name(t->bind_addr, t->bind_port, name, namelen);
  return SF_ENOTCONN;
}

int sf_tcp_getpeername(const sf_tcp_t *tcp, struct sockaddr *name,
                       int *namelen) {
  if (!tcp_ok(tcp) || !name || !namelen)
    return SF_EINVAL;
  if (!tcp->impl_->tcb)
    return SF_ENOTCONN;
  struct sf_tuple tu;
  sf__tcp_get_tuple(tcp->impl_->tcb, &tu);
  return put_name(tu.raddr.v4, tu.rport, name, namelen);
}

/* ------------------------------------------------------- engine events */

/* The connection failed: everything waiting on it learns why. */
static void on_error(sf_tcp_t *tcp, int err) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (!t->error)
    t->error = err;
  if (t->connect_req) {
    /* Never connected: the writes never started (BEHAVIOUR 18). */
    connect_done(tcp, err);
    sf__tcp_stream_fail_writes(tcp, SF_ECANCELED);
    shutdown_done(tcp, SF_ECANCELED);
  } else {
    sf__tcp_stream_fail_writes(tcp, err);
    shutdown_done(tcp, err);
  }
  sf__tcp_stream_read_failed(tcp);
}

void sf__tcp_handle_event(sf_tcp_t *tcp, const struct sf_tcp_event *ev) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (!t->tcb)
    return;
  switch (ev->type) {
  case SF_TEV_ESTABLISHED:
    t->tflags |= SF__T_CONNECTED;
    connect_done(tcp, 0);
    sf__tcp_stream_writable(tcp);
    break;
  case SF_TEV_READABLE:
  case SF_TEV_PEER_FIN:
    if (t->tflags & SF__T_READING)
      sf__tcp_stream_read_pass(tcp);
    break;
  case SF_TEV_WRITABLE:
    sf__tcp_stream_writable(tcp);
    break;
  case SF_TEV_FIN_ACKED:
    shutdown_done(tcp, 0);
    break;
  case SF_TEV_ERROR:
    on_error(tcp, ev->error);
    break;
  default:
    break;
  }
  if (!sf__handle_closing((sf_handle_t *)tcp))
    sf__tcp_update_active(tcp);
}

void sf__tcp_events_lost(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  tcp->flags &= ~SF__H_EVENT_LOST;
  t->tflags &= ~SF__T_READ_QUEUED; /* the lost event may have been that */
  if (sf__handle_closing((sf_handle_t *)tcp))
    return;
  if (t->listener) {
    sf__tcp_listen_ready(tcp);
    return;
  }
  if (!t->tcb)
    return;
  sf__tcp_abort(t->tcb, sf__loop_now(tcp->loop));
  on_error(tcp, SF_ENOMEM);
  if (!sf__handle_closing((sf_handle_t *)tcp))
    sf__tcp_update_active(tcp);
}

void sf__tcp_listen_ready(sf_tcp_t *tcp) {
  struct sf__tcp_impl *t = tcp->impl_;
  if (t->listener && t->connection_cb)
    t->connection_cb(tcp, 0);
}
