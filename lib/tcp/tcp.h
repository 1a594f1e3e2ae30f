/*
 * TCP, sans-I/O: what it offers the layers above it. The stack
 * (lib/stack) creates it over an IP layer, hands it segments and the
 * passage of time, and asks for its next deadline and its counters; the
 * public API (lib/api) opens, uses and closes connections through the
 * sf__tcp_* calls.
 *
 * Events are reported synchronously, while TCP works; the layer above
 * queues them and delivers them to the application once the call returns
 * (TCP never runs application code, except on_syn's verdict, which must
 * be answered on the spot because no state is kept).
 *
 * Lifetime: a control block (struct sf_tcb) is "attached" while the API
 * layer holds it (a handle); TCP never frees an attached tcb, even when
 * it reaches CLOSED. sf__tcp_detach hands it to TCP, which finishes the
 * connection (FIN, TIME-WAIT record) and frees it.
 */
#ifndef SF_TCP_TCP_H
#define SF_TCP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/frame.h"
#include "base/time.h"
#include "ip/ip.h"
#include "synfin.h"
#include "tcp/counters.h"
#include "tcp/tuple.h"

struct sf_tcp;
struct sf_tcb;
struct sf_listener;

/*
 * Everything tunable in the stack, with sf__engine_config_default's
 * values: the IP layer's parameters, then TCP's. It is declared here,
 * below the stack, because TCP keeps its own copy; the stack fills in the
 * defaults and validates it (lib/stack/stack.h).
 */
struct sf_engine_config {
  struct sf_ip_params ip;
  size_t sndbuf;                /* per connection: 256 KiB */
  size_t rcvbuf;                /* per connection: 256 KiB */
  size_t mem_max;               /* all connections' buffers together, never
                                   exceeded (Linux's tcp_mem): 512 MiB;
                                   past 3/4 of it new connections get
                                   smaller buffers, windows open less */
  sf_time_t msl;                /* 30 s; TIME-WAIT lasts 2 * msl */
  sf_time_t rto_initial;        /* 1 s (RFC 6298 2.1) */
  sf_time_t rto_min;            /* 200 ms */
  sf_time_t rto_max;            /* 60 s */
  unsigned syn_retries;         /* SYN retransmissions: 6 */
  unsigned synack_retries;      /* SYN-ACK retransmissions: 5 */
  unsigned data_retries;        /* RTOs in a row before ETIMEDOUT: 15 */
  sf_time_t fin_wait2_timeout;  /* orphaned FIN-WAIT-2: 60 s */
  sf_time_t delack_timeout;     /* 40 ms; at most 200 ms (RFC 9293) */
  sf_time_t keepalive_idle;     /* 2 h */
  sf_time_t keepalive_interval; /* 75 s */
  unsigned keepalive_probes;    /* 9 */
  unsigned orphan_retries;      /* zero-window probes to a detached
                                   connection before it is reset: 8 */
  unsigned max_orphans;         /* detached connections still finishing;
                                   past it the oldest is reset: 4096 */
  unsigned timewait_max;        /* in TIME-WAIT, records and tcbs: 262144 */
  unsigned backlog_max;         /* ceiling for any listen backlog: 4096 */
  bool syncookies;              /* when a SYN queue is full: true */
  bool tail_loss_probe;         /* RFC 8985 TLP with SACK: true */
  bool rack;                    /* RFC 8985 RACK loss detection with SACK
                                   (else DupThresh): true */
  unsigned challenge_ack_limit; /* per second, RFC 5961 7: 1000 */
  uint16_t port_lo, port_hi;    /* ephemeral range: 49152..65535 */
  uint16_t mss_default;         /* peer MSS when it sends none: 536 */
  const char *congestion;       /* new connections' congestion control
                                   (sf__tcp_cc_name): "newreno" */
  /*
   * Where initial sequence numbers and ephemeral port offsets come from.
   * NULL: RFC 6528 and RFC 6056 algorithm 3 keyed with the stack's
   * secret. Tests install their own to fix them.
   */
  uint32_t (*isn)(void *ctx, const struct sf_tuple *t, sf_time_t now);
  uint32_t (*port_offset)(void *ctx, struct sf_addr laddr, struct sf_addr raddr,
                          uint16_t rport);
  void *rand_ctx;
  /* 0: secrets from OpenSSL's RAND_bytes; else derived from this seed. */
  uint64_t secret_seed;
};

/* What an event is about. */
enum sf_tcp_event_type {
  SF_TEV_STATE = 1,  /* a state transition: old_state -> new_state */
  SF_TEV_ESTABLISHED, /* the handshake completed */
  SF_TEV_READABLE,    /* data (or the end of stream) can be read */
  SF_TEV_WRITABLE,    /* send-buffer space was freed */
  SF_TEV_PEER_FIN,    /* the peer's FIN arrived in order: after the data
                         now buffered, reading hits the end of stream */
  SF_TEV_FIN_ACKED,   /* the peer acknowledged our FIN */
  SF_TEV_TIME_WAIT,   /* TIME-WAIT entered; duration is set */
  SF_TEV_ERROR,       /* the connection failed: error is set */
  SF_TEV_CLOSED       /* nothing more will happen on the tcb: it is
                         CLOSED, or it became a TIME-WAIT record (whose
                         own end comes later as SF_TEV_STATE TIME-WAIT ->
                         CLOSED with tcb NULL) */
};

struct sf_tcp_event {
  enum sf_tcp_event_type type;
  int old_state, new_state; /* SF_TEV_STATE */
  int error;                /* SF_TEV_ERROR: SF_ECONNREFUSED,
                               SF_ECONNRESET, SF_ETIMEDOUT,
                               SF_EHOSTUNREACH, SF_ECONNABORTED */
  sf_time_t duration;       /* SF_TEV_TIME_WAIT */
};

/*
 * The connection an event is about. tcb is NULL once only a TIME-WAIT
 * record is left; user is NULL once the tcb is detached (or before a
 * passive connection is accepted); observer is whatever the API layer
 * set with sf__tcp_set_observer or inherited from the listener.
 */
struct sf_conn_ref {
  struct sf_tcb *tcb;
  void *user;
  void *observer;
  struct sf_tuple tuple;
};

struct sf_engine_upcalls {
  void *ctx;
  void (*conn_event)(void *ctx, const struct sf_conn_ref *c,
                     const struct sf_tcp_event *ev);
  /* The listener's accept queue gained a connection. */
  void (*listener_ready)(void *ctx, struct sf_listener *l, void *user);
  /*
   * A SYN arrived for a listener whose observer is set: the verdict
   * decides what happens. Called before any state is kept; it must not
   * call into TCP. NULL: accept every SYN.
   */
  sf_syn_verdict_t (*syn)(void *ctx, struct sf_listener *l, void *observer,
                          const sf_syn_info_t *info);
  /* Reference counting of observers: a passive tcb retains the
   * listener's observer; every holder releases it when it is freed. */
  void (*observer_retain)(void *ctx, void *observer);
  void (*observer_release)(void *ctx, void *observer);
};

/* ---------------------------------------------------------------- TCP */

/*
 * Creates TCP over ip (which must outlive it), with a configuration the
 * stack has validated. Returns 0, SF_ENOMEM or SF_EIO (no entropy).
 */
int sf__tcp_layer_new(const struct sf_engine_config *cfg,
                      const struct sf_engine_upcalls *up, struct sf_ip *ip,
                      sf_time_t now, struct sf_tcp **out);
/*
 * Frees TCP and everything in it: tcbs (attached or not), listeners,
 * TIME-WAIT records. No events are reported; observers still held are
 * released.
 */
void sf__tcp_layer_free(struct sf_tcp *tcp);

/*
 * Every call into TCP from outside (the stack's entry points, the
 * application's sf__tcp_* calls) runs between these two: enter sets the
 * clock, leave frees the control blocks that finished meanwhile, so that
 * nothing frees a tcb under a caller's feet.
 */
void sf__tcp_enter(struct sf_tcp *tcp, sf_time_t now);
void sf__tcp_leave(struct sf_tcp *tcp);

/* The IP layer's reports (struct sf_ip_upcalls), at the entered time. */
void sf__tcp_segment_in(struct sf_tcp *tcp, unsigned netif,
                        const struct sf_ipv4_hdr *ip, unsigned rx_flags);
void sf__tcp_icmp_error(struct sf_tcp *tcp,
                        const struct sf_ip_icmp_error *err);
void sf__tcp_hop_unreachable(struct sf_tcp *tcp, unsigned netif,
                             struct sf_addr hop);

/* Runs every TCP timer and TIME-WAIT expiry due at the entered time. */
void sf__tcp_poll(struct sf_tcp *tcp);
/* The end of the loop's turn (turn.c): sends the ACKs and window updates
 * owed, for each tcb whose debt no segment has paid meanwhile. */
void sf__tcp_turn_run(struct sf_tcp *tcp);
/* The earliest time sf__tcp_poll has work, or SF_TIME_NEVER. */
sf_time_t sf__tcp_next_deadline(const struct sf_tcp *tcp);

const struct sf_tcp_counters *sf__tcp_counters(const struct sf_tcp *tcp);
/* Live control blocks (attached or not) and TIME-WAIT records. */
size_t sf__tcp_tcb_count(const struct sf_tcp *tcp);
size_t sf__tcp_timewait_count(const struct sf_tcp *tcp);

/* ---------------------------------------------------- seen from outside */

/*
 * Orphans (tcbs the application detached) that still have our FIN, and
 * maybe data before it, to deliver: FIN-WAIT-1, CLOSING and LAST-ACK on
 * an interface that is still open. What a graceful drain waits for (the
 * retransmission limits bound each). FIN-WAIT-2 and TIME-WAIT are not
 * counted: our side is done there.
 */
size_t sf__tcp_orphans_closing(const struct sf_tcp *tcp);

typedef void (*sf_tcp_walk_fn)(void *arg, const sf_tcp_walk_info_t *info);
/*
 * Calls fn for every listener, then every tcb (attached, orphaned, or
 * not yet accepted), then every TIME-WAIT record; timers are reported
 * relative to now. fn must not call into TCP.
 */
void sf__tcp_walk(const struct sf_tcp *tcp, sf_time_t now, sf_tcp_walk_fn fn,
                  void *arg);

/* ----------------------------------------------------------- listeners */

/*
 * Listens on addr (unspecified: every address of ours) and port (0: an
 * ephemeral port). backlog bounds both the SYN queue and the accept queue
 * (clamped to 1..backlog_max). Returns 0, SF_EADDRINUSE (another listener has
 * that address and port), SF_EADDRNOTAVAIL (addr is not ours), SF_EINVAL,
 * SF_ENOMEM.
 */
int sf__tcp_listen(struct sf_tcp *tcp, struct sf_addr addr, uint16_t port,
                   int backlog, void *user, struct sf_listener **out);
void sf__tcp_listener_set_observer(struct sf_listener *l, void *observer);
void sf__tcp_listener_name(const struct sf_listener *l, struct sf_addr *addr,
                           uint16_t *port);
/* Connections waiting to be accepted. */
size_t sf__tcp_listener_pending(const struct sf_listener *l);
/*
 * The oldest established connection, now attached to user, or NULL when
 * the queue is empty.
 */
struct sf_tcb *sf__tcp_accept(struct sf_listener *l, void *user);
/* Stops listening: half-open and unaccepted connections are reset. */
void sf__tcp_listener_close(struct sf_listener *l, sf_time_t now);

/* --------------------------------------------------------- connections */

/*
 * Opens a connection to raddr:rport from laddr:lport (unspecified, 0:
 * chosen by the route / an ephemeral port per RFC 6056). Sends the SYN. The
 * outcome is reported later: SF_TEV_ESTABLISHED, or SF_TEV_ERROR with
 * SF_ECONNREFUSED, SF_ETIMEDOUT or SF_EHOSTUNREACH. Returns 0 with *out
 * attached to user, or SF_ENETUNREACH (no route), SF_EADDRNOTAVAIL
 * (laddr not ours, or no free ephemeral port), SF_EADDRINUSE (the 4-tuple
 * is taken), SF_EINVAL (raddr unspecified or rport 0), SF_ENOMEM.
 */
int sf__tcp_connect(struct sf_tcp *tcp, struct sf_addr laddr, uint16_t lport,
                    struct sf_addr raddr, uint16_t rport, void *user,
                    void *observer, sf_time_t now, struct sf_tcb **out);

void sf__tcp_set_observer(struct sf_tcb *t, void *observer);

/*
 * Takes up to len bytes into the send buffer (copied) and sends what the
 * windows allow. Allowed from SYN-SENT on (bytes wait for the handshake).
 * Returns the bytes taken (0 when the buffer is full), SF_ENOMEM when
 * it has room but no memory could be had for it, SF_EPIPE after
 * sf__tcp_shutdown or once our side is closed, or the connection's error.
 */
ssize_t sf__tcp_send(struct sf_tcb *t, const void *data, size_t len,
                     sf_time_t now);
/* Bytes sf__tcp_send would take now. */
size_t sf__tcp_send_space(const struct sf_tcb *t);

/*
 * Copies up to len received bytes to buf, opening the receive window.
 * Returns the bytes read (> 0); SF_EAGAIN when nothing is buffered yet;
 * SF_EOF once the peer's FIN has been reached; after a reset or another
 * failure, the data that arrived before it first, then the error.
 */
ssize_t sf__tcp_recv(struct sf_tcb *t, void *buf, size_t len, sf_time_t now);
/*
 * Moves up to len bytes from src's receive buffer straight into dst's
 * send buffer (no buffer between: one copy per ring piece), as far as
 * dst's send buffer has room: for src what sf__tcp_recv does (the
 * receive window opens), for dst what sf__tcp_send does (the bytes go
 * out as the windows, Nagle and cork allow). src and dst may belong to
 * different engines. Returns the bytes moved; 0 when dst's buffer is
 * full (its SF_TEV_WRITABLE follows); with nothing buffered in src,
 * what sf__tcp_recv returns (SF_EAGAIN, SF_EOF, src's error); when dst
 * cannot take src's bytes, what sf__tcp_send returns (SF_EPIPE, dst's
 * error, SF_ENOMEM) with *dst_failed set (false otherwise).
 */
ssize_t sf__tcp_splice(struct sf_tcb *src, struct sf_tcb *dst, size_t len,
                       sf_time_t now, bool *dst_failed);
/* Bytes sf__tcp_recv would return now. */
size_t sf__tcp_readable(const struct sf_tcb *t);
/* True once reading has reached the peer's FIN (or an error). */
bool sf__tcp_read_done(const struct sf_tcb *t);

/*
 * Sends FIN once everything buffered is sent (half-close). SF_TEV_FIN_ACKED
 * reports the peer's acknowledgment. Returns 0, SF_ENOTCONN (not
 * connected, or already shut down).
 */
int sf__tcp_shutdown(struct sf_tcb *t, sf_time_t now);

/* Sends RST and moves to CLOSED at once (queued data is discarded). */
void sf__tcp_abort(struct sf_tcb *t, sf_time_t now);

/*
 * The application is done with the tcb. An open connection is closed
 * like close(2): with FIN after the buffered data, or with RST when
 * received data was never read (RFC 2525 2.17). TCP frees the tcb
 * when the connection is over; t must not be used afterwards.
 */
void sf__tcp_detach(struct sf_tcb *t, sf_time_t now);

void sf__tcp_set_nodelay(struct sf_tcb *t, bool on, sf_time_t now);
/* idle 0 keeps the configured idle time. */
void sf__tcp_set_keepalive(struct sf_tcb *t, bool on, sf_time_t idle,
                           sf_time_t now);

/*
 * Congestion control, by name: "newreno" (RFC 5681, RFC 6582) or "cubic"
 * (RFC 9438). sf__tcp_cc_name gives the algorithm's own name (a static
 * string) or NULL if name is none. A connection's algorithm can change at
 * any time: a synchronized connection keeps its cwnd and ssthresh, the
 * new algorithm's own state starts afresh. A listener's algorithm is its
 * new connections' (NULL: the configured default). Both return 0, or
 * SF_EINVAL for an unknown name.
 */
const char *sf__tcp_cc_name(const char *name);
int sf__tcp_set_congestion(struct sf_tcb *t, const char *name);
int sf__tcp_listener_set_congestion(struct sf_listener *l, const char *name);

int sf__tcp_state(const struct sf_tcb *t);
/* The error that ended the connection, or 0. */
int sf__tcp_error(const struct sf_tcb *t);
void sf__tcp_get_tuple(const struct sf_tcb *t, struct sf_tuple *out);
void sf__tcp_get_info(const struct sf_tcb *t, sf_tcp_info_t *out);
/* The user pointer given at connect/accept. */
void *sf__tcp_user(const struct sf_tcb *t);

#endif /* SF_TCP_TCP_H */
