/*
 * TCP's internals, shared by the files of lib/tcp/ and nothing above:
 * the TCP object, the control block, the listener, and the functions one
 * TCP file offers another. Field names follow RFC 9293 (snd_una,
 * rcv_nxt...). What the layers above may call is in tcp/tcp.h.
 *
 * Files:
 *   tcp.c       the TCP object: its tables, the enter/leave bracket,
 *               timers' entry and deadline, counters
 *   tcb.c       tcb lifetime (new with its defaults, 4-tuple table and
 *               lookup, reap list), the options a handshake negotiated,
 *               ISN, the timestamp clock
 *   demux.c     where a segment goes: connection, TIME-WAIT record,
 *               listener or RST; it calls those, none calls it back
 *   path.c      ICMP errors and unreachable next hops
 *   state.c     state names and the one function that changes a state
 *   listen.c    listeners, SYN handling, SYN cookies, accept
 *   input.c     segment arrival (RFC 9293 3.10.7) for SYN-SENT onwards
 *   ack.c       ACK processing: RTT, congestion control, NewReno recovery
 *   sack.c      the sender's SACK scoreboard
 *   tlp.c       tail loss probes
 *   recv.c      receiving data: reassembly, FIN, delayed ACKs
 *   output.c    the one place that builds segments; what to send when
 *   timer.c     per-connection timers and the deadline heap
 *   turn.c      output owed at the end of the loop's turn
 *   orphan.c    detached connections still finishing, and their bounds
 *   mem.c       the ceiling on all buffers' memory, and pressure
 *   idle.c      what a connection quiet for a while gives back
 *   conn.c      the application's side: connect, send, recv, close
 *   walk.c      the tcbs seen from outside: orphans still closing, the
 *               walk over every listener, tcb and TIME-WAIT record
 */
#ifndef SF_TCP_TCB_H
#define SF_TCP_TCB_H

#include <stdbool.h>
#include <stdint.h>

#include "ip/ip.h"
#include "tcp/assembler.h"
#include "tcp/cc.h"
#include "tcp/counters.h"
#include "tcp/ring.h"
#include "tcp/rtt.h"
#include "tcp/secret.h"
#include "tcp/tcp.h"
#include "tcp/timewait.h"
#include "tcp/tuple.h"
#include "util/heap.h"
#include "util/pool.h"
#include "wire/seq.h"
#include "wire/tcp.h"

/* Per-connection timers (struct sf_tcb.timers[]). */
enum sf_tcp_timer {
  SF_TT_RTX,       /* retransmission (also SYN, SYN-ACK) */
  SF_TT_PERSIST,   /* zero-window probe */
  SF_TT_DELACK,    /* delayed ACK */
  SF_TT_KEEPALIVE, /* idle probe */
  SF_TT_2MSL,      /* TIME-WAIT, or the orphaned FIN-WAIT-2 timeout */
  SF_TT_COUNT
};

/* Bits of struct sf_tcb.flags. */
#define SF_TF_ATTACHED 0x0001    /* the API layer holds it */
#define SF_TF_SHUT_WR 0x0002     /* FIN wanted after the buffered data */
#define SF_TF_FIN_SENT 0x0004    /* our FIN has a sequence number */
#define SF_TF_FIN_ACKED 0x0008   /* ... and the peer acknowledged it */
#define SF_TF_PEER_FIN 0x0010    /* the peer's FIN was received in order */
#define SF_TF_ACK_NOW 0x0020     /* send an ACK at the next output */
#define SF_TF_NODELAY 0x0040     /* Nagle off */
#define SF_TF_KEEPALIVE 0x0080   /* keepalive on */
#define SF_TF_TS 0x0100          /* timestamps negotiated */
#define SF_TF_SACK 0x0200        /* SACK-permitted negotiated */
#define SF_TF_WSCALE 0x0400      /* window scaling negotiated */
#define SF_TF_IN_RECOVERY 0x0800 /* NewReno fast recovery */
#define SF_TF_PASSIVE 0x1000     /* created by a listener */
#define SF_TF_REAPED 0x2000      /* on the engine's reap list */
#define SF_TF_DELACK_DUE 0x4000  /* data awaits a delayed ACK: its timer is
                                    armed at the end of the turn unless a
                                    segment carried the ACK (turn.c) */
#define SF_TF_RTT_TIMING 0x8000  /* rtt_seq/rtt_start time one segment */
#define SF_TF_EOF_READ 0x10000   /* sf__tcp_recv has returned SF_EOF once */
#define SF_TF_ORPHAN 0x20000     /* the application closed its handle */
#define SF_TF_EIFEL 0x40000      /* rtx_tsval can tell a spurious fast
                                    retransmit (RFC 3522) */
#define SF_TF_WND_UPDATE 0x80000 /* a read opened the window: announced
                                    at the end of the turn (turn.c) */
#define SF_TF_PTO 0x100000       /* the RTX timer is a loss probe's (PTO) */
#define SF_TF_TLP 0x200000       /* a loss probe is out, not yet ACKed up
                                    to tlp_high (RFC 8985 7.4) */
#define SF_TF_TURN_ACK 0x400000  /* the peer's FIN (to CLOSE-WAIT), or in-
                                    order data (recv.c), is ACKed at the
                                    end of the turn (turn.c) */
#define SF_TF_TURN_LISTED 0x800000 /* on the engine's end-of-turn list */
#define SF_TF_ORPHAN_LISTED 0x1000000 /* on the engine's orphan list
                                         (orphan.c) */
#define SF_TF_REO 0x2000000      /* the RTX timer is RACK's reordering
                                    timer (RFC 8985 6.3) */

struct sf_listener;

/* One transmission RACK keeps (recovery/rack.c): [start, end) was last
 * sent at xmit_ts; flags are rack.c's. */
struct sf_rack_seg {
  sf_seq_t start, end;
  sf_time_t xmit_ts;
  uint32_t flags;
};

/* Records allocated with the first transmission (from eng->rack_pool). */
#define SF_RACK_FIRST_RECORDS 8u

/* RACK's state (RFC 8985 6.1), with the record of what is outstanding:
 * seg[first .. first + n) in sequence order, in cap slots allocated
 * with the first transmission and doubled as the flight grows, up to max
 * (rack.c). */
struct sf_rack {
  struct sf_rack_seg *seg;
  unsigned cap, first, n; /* cap allocated, grows up to max */
  unsigned max;
  sf_time_t xmit_ts;      /* RACK.xmit_ts */
  sf_time_t rtt;          /* RACK.rtt */
  sf_time_t min_rtt;      /* RACK.min_RTT, SF_TIME_NEVER until measured */
  sf_time_t reo_at;       /* the reordering timer's deadline, or
                             SF_TIME_NEVER */
  sf_seq_t end_seq;       /* RACK.end_seq */
  sf_seq_t fack;          /* RACK.fack */
  sf_seq_t dsack_round;   /* RACK.dsack_round, if set */
  unsigned reo_wnd_mult;  /* RACK.reo_wnd_mult */
  unsigned reo_wnd_persist; /* RACK.reo_wnd_persist */
  /* one bit each, packed behind the words above */
  bool off : 1;           /* no memory for seg: the DupThresh detector */
  bool started : 1;       /* the first transmission set the state above */
  bool delivered : 1;     /* xmit_ts and end_seq are set */
  bool maybe_lost : 1;    /* a record may be marked lost (rack.c) */
  bool reordering_seen : 1; /* RACK.reordering_seen */
  bool dsack_round_set : 1;
};

/* Ordered so that no field leaves a hole before the next (sizes and the
 * static assertion in tcb.c: an idle connection costs this much). */
struct sf_tcb {
  struct sf_tcp *eng;
  struct sf_tuple_node node; /* in eng->conns while in the table */
  struct sf_heap_node heap; /* earliest of timers[] */
  struct sf_tcb *all_prev, *all_next; /* every tcb of the engine */
  /* A passive child is on its listener's queues until accepted; only an
   * attached tcb (accepted, or connected) is ever detached and listed as
   * an orphan: never both at once, so they share room (16 bytes of every
   * connection). Read the listener through sf__tcb_listener, which asks
   * SF_TF_ORPHAN_LISTED first. */
  union {
    struct {
      struct sf_listener *listener; /* passive, until accepted */
      struct sf_tcb *q_next;        /* SYN queue / accept queue link */
    };
    struct {
      struct sf_tcb *orphan_prev, *orphan_next; /* eng->orphans, while
                                                   listed */
    };
  };
  struct sf_tcb *reap_next;
  struct sf_tcb *turn_prev, *turn_next; /* eng->turn, while listed */
  void *user;
  void *observer;
  unsigned netif;
  uint32_t flags;

  /* Small fields together, so that no padding falls between them: */
  int16_t error;      /* why it failed, once it has (an SF_E* code) */
  int16_t soft_error; /* the last ICMP error, reported if it then times
                         out */
  uint8_t state;      /* SF_TCP_* */
  bool in_table : 1;
  bool ooo_fin : 1; /* a FIN arrived beyond a gap, at ooo_fin_seq */
  bool dsack : 1;   /* the next ACK reports a duplicate (RFC 2883) */
  uint8_t snd_wscale;   /* shift for the peer's windows */
  uint8_t rcv_wscale;   /* ours */
  uint16_t smss;        /* effective send MSS (payload bytes) */
  uint16_t peer_mss;    /* what the peer announced */

  /* send side (RFC 9293 3.3.1) */
  sf_seq_t iss;
  sf_seq_t snd_una, snd_nxt, snd_max; /* snd_max: highest ever sent */
  sf_seq_t snd_wl1, snd_wl2;
  uint32_t snd_wnd;     /* bytes (scaled) */
  uint32_t max_snd_wnd; /* the largest window the peer offered */
  sf_seq_t snd_buf_seq; /* sequence number of sndbuf's first byte */
  struct sf_ring sndbuf;

  /* receive side */
  sf_seq_t irs, rcv_nxt;
  sf_seq_t rcv_adv; /* right edge of the window last announced */
  uint16_t rcv_mss; /* the MSS we announced */
  struct sf_ring rcvbuf;
  struct sf_assembler ooo;
  sf_seq_t ooo_fin_seq; /* where ooo_fin's FIN is */
  unsigned ack_pending; /* full segments received since the last ACK */
  struct sf_tcp_sack_block dsack_block; /* dsack's bytes */

  /* timestamps (RFC 7323) */
  uint32_t ts_recent;
  uint32_t ts_offset;
  sf_seq_t last_ack_sent;
  unsigned keep_sent; /* keepalive probes unanswered */
  sf_time_t ts_recent_age;

  /* loss recovery */
  struct sf_rtt rtt;
  sf_seq_t rtt_seq;
  unsigned rtx_count;   /* RTO expirations in a row */
  sf_time_t rtt_start;
  unsigned dupacks;
  sf_seq_t recover;     /* RFC 6582 */
  sf_seq_t high_rxt;    /* RFC 6675 HighRxt: end of the last retransmit */
  unsigned dupthresh;   /* RFC 6675 DupThresh: 3, raised when reordering
                           is seen (an undone fast retransmit), as Linux's
                           tp->reordering */
  struct sf_assembler sacked; /* what the peer SACKed above snd_una,
                                 as offsets from snd_una (sack.c) */
  uint32_t rtx_tsval;   /* TSval of the last fast retransmit (Eifel) */
  sf_seq_t tlp_high;    /* snd_max when the loss probe went (TLP) */
  uint32_t tlp_tsval;   /* the probe's TSval */
  unsigned persist_backoff; /* probes since the window shut, answered or
                              not */
  struct sf_rack rack;  /* RACK (recovery/rack.c) */
  struct sf_cc_state *undo_ccs; /* the whole window state before it, the
                                   algorithm's own included (RFC 4015);
                                   allocated with the first fast
                                   retransmit that can be undone, freed
                                   when idle (recovery/eifel.c) */
  const struct sf_cc_ops *cc;
  struct sf_cc_state ccs;
  sf_time_t keep_idle;
  sf_time_t last_recv; /* for keepalive */

  sf_time_t timers[SF_TT_COUNT]; /* SF_TIME_NEVER when off */

  /* statistics for sf_tcp_info */
  uint64_t bytes_sent, bytes_retrans, bytes_received, retransmits;
};

/* What every connection costs, idle or not (on LP64; 952 bytes before
 * the layout was packed, Eifel's saved window went on demand and the
 * rings' counts and the assemblers' held became 32 bits; 776 before
 * CUBIC's remainders became 32 bits and the estimator stopped keeping a
 * pointer to the engine's clamps; 752 before the rings and assemblers
 * stopped keeping the engine's budget and the receive buffer's bound, and
 * the error codes and state became 16 and 8 bits; 696 before the
 * listener's and the orphan list's links shared room): a field added
 * here should be worth it to every connection. 680 bytes is a 688-byte
 * malloc chunk; 8 more would take it to 704. */
_Static_assert(sizeof(struct sf_tcb) <= 680,
               "struct sf_tcb grew: docs/limits.md counts its size");

/* The listener whose queues hold t, or NULL: an orphan's room holds its
 * list links instead. */
static inline struct sf_listener *sf__tcb_listener(const struct sf_tcb *t) {
  return (t->flags & SF_TF_ORPHAN_LISTED) ? NULL : t->listener;
}

struct sf_listener {
  struct sf_tcp *eng;
  struct sf_listener *next; /* eng->listeners */
  struct sf_addr addr;      /* unspecified: any of ours */
  uint16_t port;
  unsigned backlog;
  void *user;
  void *observer;
  struct sf_tcb *synq, *synq_tail; /* SYN-RECEIVED children */
  unsigned synq_len;
  struct sf_tcb *acceptq, *acceptq_tail; /* established, not accepted */
  unsigned acceptq_len;
  bool cookies_used;
  const struct sf_cc_ops *cc; /* its connections' (NULL: the engine's) */
};

/* TCP: one per stack, over one IP layer. */
struct sf_tcp {
  struct sf_engine_config cfg;
  struct sf_rtt_bounds rto_bounds; /* cfg's, for every tcb's estimator */
  struct sf_engine_upcalls up;
  struct sf_ip *ip; /* the layer below, not owned */
  struct sf_secret secret;
  struct sf_tuple_map conns;
  struct sf_tw_table tw;
  struct sf_heap timers;
  struct sf_listener *listeners;
  struct sf_tcb *all;
  size_t tcb_count;
  struct sf_tcb *reap; /* detached and finished: freed by sf__tcp_leave,
                          never mid-processing */
  struct sf_tcb *turn; /* owe output at the end of the turn (turn.c) */
  struct sf_tcb *orphans, *orphans_tail; /* detached, still finishing:
                                            oldest first (orphan.c) */
  size_t orphan_count;
  struct sf_budget mem; /* every buffer's bytes, against mem_max (mem.c) */
  /* What short connections allocate and free again, kept for the next
   * ones (mem.c): control blocks, RACK's first record arrays, the rings'
   * first buffers (mem.small points here). */
  struct sf_pool tcb_pool, rack_pool, ring_pool;
  struct sf_tcb *idle_next; /* where the idle walk goes on (idle.c) */
  sf_time_t idle_step_at;   /* ... and when */
  sf_time_t now;
  uint32_t port_counter; /* RFC 6056 algorithm 3's "next_ephemeral" */
  sf_time_t challenge_window; /* the second being counted */
  unsigned challenge_count;
  struct sf_tcp_counters c;
  const struct sf_cc_ops *cc; /* new connections' (cfg.congestion) */
  uint8_t seg[65536 + SF_TCP_MAX_HDR_LEN]; /* segments are built here */
};

#define SF_TCP_COUNT(e, name) ((e)->c.name++)

/* RFC 6675's DupThresh starts at 3 and rises, up to this, each time a
 * fast retransmit turns out spurious (recovery/); an RTO brings it back. */
#define SF_TCP_DUPTHRESH 3u
#define SF_TCP_MAX_DUPTHRESH 48u

/* ---- state.c */
void sf__tcp_set_state(struct sf_tcb *t, int state);
void sf__tcp_emit_event(struct sf_tcb *t, enum sf_tcp_event_type type,
                        int error, sf_time_t duration);
/* Ends the connection with an error (reported), state CLOSED. */
void sf__tcp_fail(struct sf_tcb *t, int error);
/* Reaches CLOSED without an error (LAST-ACK acked, TIME-WAIT over...). */
void sf__tcp_finish(struct sf_tcb *t);
/* sf__tcp_abort inside a call into TCP: RST if synchronized, CLOSED. */
void sf__tcp_reset_connection(struct sf_tcb *t);
/* What a TIME-WAIT record of t holds (the rules for a TIME-WAIT tcb and
 * for a record are one: sf__tw_segment). False when the record cannot
 * hold t's 4-tuple (not IPv4); the rest is filled in all the same. */
bool sf__tcp_tw_template(struct sf_tcb *t, struct sf_tw_record *r);
/* Enters TIME-WAIT (from FIN-WAIT-2 or CLOSING). An attached tcb stays
 * whole (counted in e->tw.attached, against timewait_max); a detached
 * one becomes a record. */
void sf__tcp_enter_time_wait(struct sf_tcb *t);
/* The application let go of t in TIME-WAIT: a record takes over the rest
 * of its 2MSL and t is freed. */
void sf__tcp_time_wait_detached(struct sf_tcb *t);

/* ---- tcb.c */
/* The window scale we offer: what lets rcvbuf fit the 16-bit field. */
uint8_t sf__tcp_our_wscale(const struct sf_tcp *e);
/* A CLOSED tcb with its slot in the timer heap, or NULL (no memory). */
struct sf_tcb *sf__tcb_new(struct sf_tcp *e, const struct sf_tuple *tu,
                           unsigned netif);
/* The options a SYN or SYN-ACK negotiated. */
void sf__tcp_negotiate(struct sf_tcb *t, const struct sf_tcp_opts *o);
/* The MSS we offer on an interface with this MTU. */
uint16_t sf__tcp_mss_for_mtu(unsigned mtu);
/* Switches t to congestion control cc (see sf__tcp_set_congestion). */
void sf__tcp_use_cc(struct sf_tcb *t, const struct sf_cc_ops *cc);
/* Puts t in the 4-tuple table. Returns 0 or SF_EADDRINUSE/SF_ENOMEM. */
int sf__tcb_hash(struct sf_tcb *t);
/* The live connection with this 4-tuple, or NULL. */
struct sf_tcb *sf__tcb_find(struct sf_tcp *e, const struct sf_tuple *tu);
void sf__tcb_unhash(struct sf_tcb *t);
/* Frees t at the end of the current call into TCP (sf__tcp_leave). */
void sf__tcb_reap(struct sf_tcb *t);
/* Frees what sf__tcb_reap put aside. */
void sf__tcb_free_reaped(struct sf_tcp *e);
/* Frees t at once: only when TCP itself goes. */
void sf__tcb_free(struct sf_tcb *t);
/* Bytes allocated for t's data: both rings and the out-of-order bytes. */
size_t sf__tcb_buffer_bytes(const struct sf_tcb *t);
void sf__tcp_release_observer(struct sf_tcp *e, void *observer);
uint32_t sf__tcp_make_isn(struct sf_tcp *e, const struct sf_tuple *tu);
/* The timestamp clock (RFC 7323) with a connection's offset. */
uint32_t sf__tcp_ts_clock(const struct sf_tcp *e, uint32_t offset);
uint32_t sf__tcp_ts_now(const struct sf_tcb *t);

/* ---- listen.c */
/* The listener for addr:port: an exact address, else the wildcard. */
struct sf_listener *sf__listener_find(struct sf_tcp *e, struct sf_addr addr,
                                      uint16_t port);
/*
 * A segment for listener l that no connection or TIME-WAIT record took.
 * Returns NULL, or the connection a SYN cookie's ACK has just rebuilt in
 * SYN-RECEIVED: the caller hands it *ack (sf__tcp_input), which
 * completes the handshake.
 */
struct sf_tcb *sf__listener_input(struct sf_listener *l, unsigned netif,
                                  const struct sf_tuple *tu,
                                  const struct sf_tcp_hdr *h,
                                  struct sf_tcp_hdr *ack);
/* Whether t, a listener's child whose handshake completes, finds the
 * accept queue full (counted): its ACK is then dropped, as Linux does, and
 * t stays half-open, resending its SYN-ACK until there is room. */
bool sf__listener_accept_full(const struct sf_tcb *t);
/* A child reached ESTABLISHED: from the SYN queue to the accept queue. */
void sf__listener_child_established(struct sf_tcb *t);
/* A child died before being accepted: unlink it from its queue. */
void sf__listener_child_unlink(struct sf_tcb *t);

/* ---- input.c */
/*
 * RFC 9293 3.10.7 for a segment that found t. Returns false when t gave
 * the segment back: a new SYN ended its TIME-WAIT (RFC 6191), t is
 * finished (not yet freed) and the segment goes on as if no connection
 * had matched.
 */
bool sf__tcp_input(struct sf_tcb *t, const struct sf_tcp_hdr *h);

/* ---- ack.c */
/* Step five of RFC 9293 3.10.7.4. Returns false when the segment must
 * be dropped (an ACK was queued where one is due). */
bool sf__tcp_process_ack(struct sf_tcb *t, const struct sf_tcp_hdr *h);
/* RFC 5961 7: whether the engine's challenge ACK budget for this second
 * allows one more (counted). */
bool sf__tcp_challenge_allowed(struct sf_tcp *e);

/* ---- recovery/: loss recovery, its interface in recovery/recovery.h */

/* ---- recv.c */
void sf__tcp_process_data(struct sf_tcb *t, const struct sf_tcp_hdr *h);
/* The segment h carries bytes received before (below rcv_nxt, or held
 * out of order): the next ACK reports them in a D-SACK block (recv.c). */
void sf__tcp_note_duplicate(struct sf_tcb *t, const struct sf_tcp_hdr *h);
/* The window to announce now, bytes (receiver SWS avoidance applied). */
uint32_t sf__tcp_rcv_window(struct sf_tcb *t);

/* ---- output.c */
/* Sends whatever is due: data, FIN, a pending ACK. */
void sf__tcp_output(struct sf_tcb *t);
/* The window field to announce now (RFC 7323: unscaled in a SYN). */
uint16_t sf__tcp_window_field(struct sf_tcb *t, bool syn);
/* What the persist timer may send: data if the window has any room,
 * else a probe. */
void sf__tcp_output_forced(struct sf_tcb *t);
void sf__tcp_send_ack(struct sf_tcb *t);
void sf__tcp_send_syn(struct sf_tcb *t);
void sf__tcp_send_rst(struct sf_tcb *t);
/* Retransmits the segment at snd_una (fast retransmit, partial ACK). */
void sf__tcp_retransmit_first(struct sf_tcb *t);
/* Retransmits one segment of at most `most` bytes at seq (>= snd_una);
 * returns the sequence space it covered (0: nothing to send there). */
uint32_t sf__tcp_retransmit_at(struct sf_tcb *t, sf_seq_t seq,
                               uint32_t most);
/* A segment carrying nothing new: keepalive and window probes. */
void sf__tcp_send_probe(struct sf_tcb *t);
/* RST (and ACK) for a segment that found no connection (RFC 9293
 * 3.10.7.1); never for a RST. */
void sf__tcp_reply_rst(struct sf_tcp *e, const struct sf_tuple *tu,
                       const struct sf_tcp_hdr *h);
/* A bare segment for a tuple without tcb (SYN cookies, TIME-WAIT). */
void sf__tcp_send_raw(struct sf_tcp *e, const struct sf_tuple *tu,
                      sf_seq_t seq, sf_seq_t ack, uint16_t flags,
                      uint16_t window, const struct sf_tcp_opts *opts);

/* ---- idle.c */
/* One step of the walk that frees idle connections' empty buffers; does
 * nothing until its next step is due. */
void sf__tcp_idle_sweep(struct sf_tcp *e);
/* t is being freed: the walk steps past it. */
void sf__tcp_idle_forget(struct sf_tcb *t);

/* ---- timer.c */
void sf__tcp_timer_set(struct sf_tcb *t, enum sf_tcp_timer which,
                       sf_time_t when);
void sf__tcp_timer_stop(struct sf_tcb *t, enum sf_tcp_timer which);
void sf__tcp_timers_stop_all(struct sf_tcb *t);
/* Arms the retransmission timer if data is in flight and it is off. */
void sf__tcp_rtx_arm(struct sf_tcb *t, bool restart);

void sf__tcp_timers_run(struct sf_tcp *e, sf_time_t now);
void sf__tcp_keepalive_reset(struct sf_tcb *t);

/* ---- turn.c */
/* Sets what (SF_TF_WND_UPDATE, SF_TF_TURN_ACK or SF_TF_DELACK_DUE) and
 * lists t, once, for sf__tcp_turn_run: the ACK waits for the
 * application's reply. */
void sf__tcp_owe_at_turn_end(struct sf_tcb *t, uint32_t what);
/* Takes t off the list (it is being reaped). */
void sf__tcp_turn_forget(struct sf_tcb *t);

/* ---- orphan.c */
/* t was just detached and is still finishing: lists it as the newest
 * orphan; past max_orphans the oldest is reset. */
void sf__tcp_orphan_add(struct sf_tcb *t);
/* Takes t off the list (it is being reaped, or reset as the oldest). */
void sf__tcp_orphan_forget(struct sf_tcb *t);
/* An orphan has had all its zero-window probes (orphan_retries). */
bool sf__tcp_orphan_probes_spent(const struct sf_tcb *t);

/* ---- mem.c */
/* Buffers hold more than the pressure mark (3/4 of mem_max). */
bool sf__tcp_mem_pressure(const struct sf_tcp *e);
/* A new connection's buffer size for a configured one. */
size_t sf__tcp_mem_bufsize(const struct sf_tcp *e, size_t configured);
/* The receive space (bytes) t may offer now, of space. */
uint32_t sf__tcp_mem_window(const struct sf_tcb *t, uint32_t space);
/* Sets up the pools of struct sf_tcp (before any connection). */
void sf__tcp_mem_pools_init(struct sf_tcp *e);
/* Frees what the pools keep: at teardown, and under pressure (memory is
 * short: it goes back to the system). */
void sf__tcp_mem_pools_drain(struct sf_tcp *e);

/* Helpers on sequence space. */
static inline uint32_t sf__tcp_flight(const struct sf_tcb *t) {
  return (uint32_t)sf_seq_diff(t->snd_nxt, t->snd_una);
}
/* Bytes in sndbuf not yet sent (from snd_nxt on). */
static inline uint32_t sf__tcp_unsent(const struct sf_tcb *t) {
  sf_seq_t end = sf_seq_add(t->snd_buf_seq, (uint32_t)t->sndbuf.len);
  int32_t d = sf_seq_diff(end, t->snd_nxt);
  return d > 0 ? (uint32_t)d : 0;
}
/* The estimator with the engine's clamps (struct sf_rtt keeps no copy). */
static inline void sf__tcp_rtt_sample(struct sf_tcb *t, sf_time_t m) {
  sf__rtt_sample(&t->rtt, &t->eng->rto_bounds, m);
}
/* The retransmission timeout to arm now (backoff applied). */
static inline sf_time_t sf__tcp_rto(const struct sf_tcb *t) {
  return sf__rtt_timeout(&t->rtt, &t->eng->rto_bounds);
}
static inline bool sf__tcp_synchronized(int state) {
  return state >= SF_TCP_ESTABLISHED || state == SF_TCP_SYN_RECEIVED;
}

#endif /* SF_TCP_TCB_H */
