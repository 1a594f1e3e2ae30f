/*
 * A harness for driving one engine segment by segment, as lwIP's test
 * suite does with its fake netif: the test plays the peer (198.18.0.2),
 * injects exact segments, and reads back exactly what the engine sent,
 * on a virtual clock. Every engine event is recorded for assertions.
 *
 * The peer's ARP mapping is taught at init (the peer asks for our
 * address first), so segments flow without ARP in between; ARP frames
 * that still appear are skipped by th_next and counted.
 */
#ifndef SF_TESTS_TCP_HARNESS_H
#define SF_TESTS_TCP_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/stack.h"
#include "wire/tcp.h"

#define TH_ADDR 0xc6120001u      /* 198.18.0.1: the engine */
#define TH_PEER_ADDR 0xc6120002u /* 198.18.0.2: the test */
#define TH_ISN 1000000u          /* the engine's ISN (fixed) */
#define TH_MAX_EVENTS 4096

struct th_event {
  struct sf_tcp_event ev;
  struct sf_tcb *tcb;
  void *user;
  void *observer;
  struct sf_tuple tuple;
  sf_time_t at;
};

struct th {
  struct sf_engine *e;
  sf_time_t now;
  int netif;
  uint32_t isn;          /* what the ISN function returns */
  uint32_t port_offset;  /* what the port-offset function returns */
  struct th_event ev[TH_MAX_EVENTS];
  size_t nev;
  /* on_syn */
  sf_syn_verdict_t verdict;
  unsigned syn_calls;
  sf_syn_info_t last_syn;
  /* listener_ready */
  unsigned ready_calls;
  struct sf_listener *ready_listener;
  /* observer reference counts (observers are plain ints in tests) */
  int observer_refs;
  bool answer_arp; /* th_next answers ARP requests for the peer (true) */
  bool batch;      /* th_inject* keep the turn open: what they inject is
                      one receive batch (false) */
  struct sf_frame_meta last_meta; /* of the frame th_next last returned */
  /* what th_next saw besides TCP */
  unsigned skipped_frames;
  /* the payload of the last segment th_next returned */
  uint8_t payload[65536];
  size_t payload_len;
};

/* Default config with ISN/ports fixed and a seeded secret; cfg_edit (may
 * be NULL) adjusts it before the engine is made. */
void th_init(struct th *h, void (*cfg_edit)(struct sf_engine_config *));
/* th_init with an interface whose link does the SF_LINK_TX_* offloads:
 * th_next then checks each frame's offload metadata (a partial checksum
 * holds the pseudo-header sum) and records it in h->last_meta. */
void th_init_offload(struct th *h,
                     void (*cfg_edit)(struct sf_engine_config *),
                     unsigned offload);
/* Frees the engine; asserts that every state change was legal and that
 * every observer reference was released. */
void th_free(struct th *h);

/* A segment from the peer. */
struct th_seg {
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint16_t flags;
  uint16_t window;
  struct sf_tcp_opts opts;
  const void *data;
  size_t len;
};
void th_inject(struct th *h, const struct th_seg *s);
/* Injects raw bytes as the TCP segment of an IPv4 datagram from the peer
 * (for malformed segments); the IPv4 header is valid. */
void th_inject_raw_tcp(struct th *h, const uint8_t *seg, size_t len);

/* The next TCP segment the engine sent (parsed, checksum verified;
 * payload copied to h->payload). False when there is none. */
bool th_next(struct th *h, struct sf_tcp_hdr *out);
/* Drops everything the engine has sent so far; returns how many TCP
 * segments that was. */
size_t th_drain(struct th *h);
/* Frames the engine has queued so far, without ending the turn (which
 * th_next, th_inject*, th_advance and th_run_* do first, as the loop
 * does before it sends or takes new input). */
size_t th_queued(const struct th *h);

/* Moves the virtual clock forward by dt and runs the engine's timers. */
void th_advance(struct th *h, sf_time_t dt);
/* Runs the clock to the engine's next deadline (if any, and if no later
 * than limit); returns the time it stopped at. */
sf_time_t th_run_to_deadline(struct th *h, sf_time_t limit);

/* Runs deadline to deadline (no later than limit) until the engine sends
 * a TCP segment (returned in out) or an event of type stop_on (0: none)
 * is recorded. Returns true if a segment came. */
bool th_run_until_segment(struct th *h, sf_time_t limit,
                          enum sf_tcp_event_type stop_on,
                          struct sf_tcp_hdr *out);

/* Events recorded so far of this type (0: any). */
unsigned th_count(const struct th *h, enum sf_tcp_event_type type);
/* The i-th recorded event of this type, or NULL. */
const struct th_event *th_event_nth(const struct th *h,
                                    enum sf_tcp_event_type type, unsigned i);
/* The state transitions seen for tcb (NULL: any), as "A>B,B>C". */
const char *th_transitions(const struct th *h, const struct sf_tcb *tcb,
                           char *buf, size_t cap);

uint64_t th_counter(const struct th *h, const char *name);


/* ------------------------------------------------------------------
 * Established connections (added for test_established / test_recovery /
 * test_hostile). The peer's side of one connection: what it sends next
 * and what it expects.
 */
struct th_conn {
  struct sf_tcb *t;
  uint16_t lport;   /* the engine's port */
  uint16_t rport;   /* the peer's port */
  uint32_t irs;     /* the peer's ISN */
  uint32_t snd_nxt; /* the peer's next sequence number */
  uint32_t rcv_nxt; /* the next byte the peer expects from the engine */
  uint16_t window;  /* the window field the peer sends (unscaled) */
  bool ts;          /* timestamps negotiated */
  uint32_t ts_val;  /* the peer's TSval on its next segment */
  uint32_t ts_ecr;  /* what the peer echoes (the engine's last TSval) */
};

/* The options of a peer's SYN: MSS always; window scale when wscale >= 0;
 * SACK-permitted when sack; timestamps (tsval, tsecr) when ts. */
struct sf_tcp_opts th_syn_opts(uint16_t mss, int wscale, bool sack, bool ts,
                               uint32_t tsval, uint32_t tsecr);

/* Active open to TH_PEER_ADDR:rport with the engine's ISN h->isn: takes
 * the SYN, injects the SYN-ACK (seq peer_isn, options opts with the
 * SYN's TSval echoed if opts has timestamps, window field window),
 * takes the handshake's ACK. c->ts_val starts at opts->ts_val + 1. */
struct sf_tcb *th_open_active(struct th *h, struct th_conn *c, uint16_t rport,
                              uint32_t peer_isn, const struct sf_tcp_opts *opts,
                              uint16_t window);
/* Passive open: listens on lport (the listener is returned in *l; the
 * test closes it), injects the SYN (seq peer_isn from rport, options
 * opts, window field window), takes the SYN-ACK, injects the ACK and
 * accepts the connection. */
struct sf_tcb *th_open_passive(struct th *h, struct th_conn *c, uint16_t lport,
                               uint16_t rport, uint32_t peer_isn,
                               const struct sf_tcp_opts *opts, uint16_t window,
                               struct sf_listener **l);
/* A segment of c with the peer's current seq, ack (ACK flag added unless
 * flags has SYN or RST alone), window and timestamp; the test may change
 * fields before th_inject. */
struct th_seg th_conn_seg(const struct th_conn *c, uint16_t flags,
                          const void *data, size_t len);
/* Injects th_conn_seg(c, flags, data, len) and advances c->snd_nxt by the
 * data (and FIN). */
void th_conn_send(struct th *h, struct th_conn *c, uint16_t flags,
                  const void *data, size_t len);
/* th_next, and the peer notes the engine's TSval to echo. */
bool th_conn_next(struct th *h, struct th_conn *c, struct sf_tcp_hdr *out);
/* Injects an IPv4 datagram with this protocol and payload from src to us
 * (e.g. ICMP errors from a router). */
void th_inject_ipv4(struct th *h, uint32_t src, uint8_t proto,
                    const uint8_t *payload, size_t len);
/* Injects an ICMP error (type, code, next-hop MTU for frag-needed) from
 * the peer that quotes the TCP segment s the engine sent. */
void th_inject_icmp_error(struct th *h, uint8_t type, uint8_t code,
                          uint16_t mtu, const struct sf_tcp_hdr *s);
/* Injects a whole Ethernet frame as received. */
void th_inject_frame(struct th *h, const uint8_t *frame, size_t len);


/* ------------------------------------------------------------------
 * Shared assertions and set-up steps (used by the state-machine suites:
 * test_listen, test_syn_received, test_syn_sent, test_close,
 * test_established, test_recovery, test_hostile).
 */

/* The next segment must exist and carry exactly these flags, seq, ack
 * and window field; s (a struct sf_tcp_hdr *) holds it afterwards for
 * further checks. A macro so that a failure names the test's line. */
#define TH_EXPECT_SEG(h, s, fl, sq, ak, win)                                 \
  do {                                                                       \
    ck_assert_msg(th_next((h), (s)), "no segment sent");                     \
    ck_assert_uint_eq((s)->flags, (fl));                                     \
    ck_assert_uint_eq((s)->seq.v, (uint32_t)(sq));                           \
    ck_assert_uint_eq((s)->ack.v, (uint32_t)(ak));                           \
    ck_assert_uint_eq((s)->window, (win));                                   \
  } while (0)

/* The engine must have sent nothing more. */
#define TH_EXPECT_NONE(h)                                                    \
  do {                                                                       \
    struct sf_tcp_hdr th_none_;                                              \
    ck_assert_msg(!th_next((h), &th_none_), "unexpected segment");           \
  } while (0)

/* The state transitions seen for t (NULL: any) must be exactly str. */
#define TH_EXPECT_TRANSITIONS(h, t, str)                                     \
  do {                                                                       \
    char th_tb_[512];                                                        \
    ck_assert_str_eq(th_transitions((h), (t), th_tb_, sizeof(th_tb_)),       \
                     (str));                                                 \
  } while (0)

/* The next segment must exist (noted by the peer as th_conn_next does)
 * and carry payload_len bytes from sequence number seq; it is returned
 * in *s for further checks. */
void th_expect_data(struct th *h, struct th_conn *c, struct sf_tcp_hdr *s,
                    uint32_t seq, size_t len);

/* Listens on port (any local address) with this backlog and listener
 * user pointer; asserts success and returns the listener. */
struct sf_listener *th_listen(struct th *h, uint16_t port, int backlog,
                              void *user);
/* connect() from an ephemeral port to TH_PEER_ADDR:rport with this user
 * pointer at h->now; asserts success and returns the tcb (SYN-SENT; its
 * SYN is left for the test to read). */
struct sf_tcb *th_connect(struct th *h, uint16_t rport, void *user);
/* th_open_active with the options most suites use: MSS 1460, window
 * scale 7, SACK, timestamps (TSval 100), window field 65535. */
struct sf_tcb *th_open_std(struct th *h, struct th_conn *c, uint16_t rport,
                           uint32_t peer_isn);
/* The peer acknowledges up to upto (c->rcv_nxt) with a bare ACK. */
void th_conn_ack(struct th *h, struct th_conn *c, uint32_t upto);
/* Aborts and detaches t, asserts that no tcb is left, frees the harness. */
void th_finish(struct th *h, struct sf_tcb *t);

/* The tcb of the most recent state event (NULL if none had one). */
struct sf_tcb *th_last_state_tcb(const struct th *h);
/* Recorded events of this type about t (by tcb pointer). */
unsigned th_count_for(const struct th *h, const struct sf_tcb *t,
                      enum sf_tcp_event_type type);
/* t's local port. */
uint16_t th_lport(const struct sf_tcb *t);
/* sf__tcp_get_info(t) as a value. */
sf_tcp_info_t th_info(const struct sf_tcb *t);

#endif /* SF_TESTS_TCP_HARNESS_H */
