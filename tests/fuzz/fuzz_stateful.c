/*
 * Stateful fuzzing of the whole engine: the input is a program of
 * operations that interleave the peer's segments, the passage of time and
 * the application's calls on up to four connections. The engine
 * (198.18.0.1) listens on port 80 and talks to one peer (198.18.0.2).
 *
 *   byte 0   the engine's configuration: congestion control, RACK, TLP,
 *            SYN cookies, a tight memory ceiling (so pressure is reached)
 *   then     one operation per record, its first byte saying which:
 *            a segment from the peer, raw garbage or an ICMP error about
 *            a connection, time passing, connect, a SYN to the listener, accept, write,
 *            read, shutdown, close, abort, socket options, or the
 *            listener closed and opened again
 *
 * The peer is a model, one per 4-tuple (a "slot"), that watches every
 * frame the engine sends: its segments are built from templates that use
 * the connection's real sequence numbers (the peer's next byte, the
 * engine's highest sequence number and timestamp seen), so most of them
 * are acceptable and drive the connection deep (handshakes, data both
 * ways, SACK, zero windows, half-close, TIME-WAIT and its reuse); the
 * input then bends them (overlaps, holes, old and future ACKs, stray
 * SYNs and RSTs, any flags at all).
 *
 * Invariants checked after every operation:
 *   - no state transition RFC 9293 forbids (tcp_illegal_transitions);
 *   - every byte the application reads is the byte the peer sent at that
 *     sequence number: the peer's payload is a fixed function of the
 *     sequence number, so overlapping or resent segments all agree and
 *     what reaches the application must be exactly the peer's stream
 *     (unless raw garbage with its own payload went in);
 *   - every byte the engine sends is the byte the application wrote at
 *     that offset, and never beyond what was written;
 *   - SND.UNA <= SND.NXT <= SND.MAX; buffers within their limits;
 *   - the deadline is never in the past, and nothing is due after the
 *     end of the turn;
 * and freeing everything at the end leaves nothing behind (the
 * sanitizers' leak check).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_wire.h"
#include "tcp/tcb.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define ME SF_FUZZ_ME
#define PEER SF_FUZZ_PEER
#define LISTEN_PORT 80
#define ACTIVE_RPORT 443
#define PASSIVE_RPORT_BASE 1000
#define SLOTS 4
#define MAX_PAYLOAD 2048

/* The peer's side of one 4-tuple, and the application's of its tcb. */
struct slot {
  bool used;
  uint16_t lport, rport;
  struct sf_tcb *t;    /* attached (ours to detach), or NULL */
  /* the peer */
  uint32_t iss, nxt;   /* its ISS; the next new sequence number */
  uint32_t last_ack;   /* the last ACK it sent */
  bool ts, sack;       /* options it offered in its SYN */
  /* what the engine sent on this tuple */
  bool seen;
  uint32_t eng_max;    /* highest sequence number seen, plus one */
  uint32_t eng_tsval;
  bool eng_acked;      /* it acknowledged something: */
  uint32_t eng_ack;    /* the last ACK it sent */
  /* the application, on t */
  uint64_t written, read;
  unsigned established; /* SF_TEV_ESTABLISHED reported on t */
  bool closed;          /* SF_TEV_CLOSED reported on t */
};

struct fz {
  struct sf_engine *e;
  struct sf_listener *l;
  struct slot s[SLOTS];
  sf_time_t now;
  bool honest; /* every payload so far came from peer_byte() */
  struct sf_fuzz_in in;
};

static uint8_t take(struct fz *f) { return sf_fuzz_take(&f->in); }
static uint16_t take16(struct fz *f) { return sf_fuzz_take16(&f->in); }
static uint32_t take32(struct fz *f) { return sf_fuzz_take32(&f->in); }

/* The peer's byte at sequence number seq: fixed, whoever sends it when. */
static uint8_t peer_byte(uint32_t seq) {
  return (uint8_t)((seq * 2654435761u) >> 24);
}

/* The application's byte at offset off of what it writes. */
static uint8_t app_byte(uint64_t off) {
  return (uint8_t)((((uint32_t)off ^ 0x5a5a5a5au) * 2246822519u) >> 24);
}

static struct sf_tcp *tcp_of(struct fz *f) { return sf__engine_tcp(f->e); }

/* The slot of a 4-tuple. Two can share one when a closed tcb, still
 * attached, left it and a new connection took it: the new one wins. */
static struct slot *slot_by_ports(struct fz *f, uint16_t lport,
                                  uint16_t rport) {
  struct slot *found = NULL;
  for (int i = 0; i < SLOTS; i++) {
    struct slot *s = &f->s[i];
    if (!s->used || s->lport != lport || s->rport != rport)
      continue;
    if (!s->t || s->t->in_table)
      return s;
    found = s;
  }
  return found;
}

/* ------------------------------------------------- what the engine sends */

/* A data segment the engine sent on s's tcb holds what was written. */
static void check_sent_data(const struct slot *s, const struct sf_tcp_hdr *h) {
  const struct sf_tcb *t = s->t;
  if (!t || !t->in_table || !h->payload_len)
    return;
  uint32_t off = h->seq.v - t->iss.v - 1;
  if (h->flags & SF_TCP_SYN)
    off++;
  CHECK((uint64_t)off + h->payload_len <= s->written);
  for (size_t i = 0; i < h->payload_len; i++)
    CHECK(h->payload[i] == app_byte((uint64_t)off + i));
}

static void observe_segment(struct fz *f, const struct sf_tcp_hdr *h) {
  struct slot *s = slot_by_ports(f, h->sport, h->dport);
  if (!s)
    return;
  uint32_t end = h->seq.v + sf__tcp_seg_len(h);
  if (!s->seen || (h->flags & SF_TCP_SYN) || (int32_t)(end - s->eng_max) > 0)
    s->eng_max = end;
  s->seen = true;
  if (h->opts.present & SF_TCP_OPT_TIMESTAMP)
    s->eng_tsval = h->opts.ts_val;
  if (h->flags & SF_TCP_ACK) {
    s->eng_acked = true;
    s->eng_ack = h->ack.v;
  }
  check_sent_data(s, h);
}

/* Every frame the engine sent is well-formed and comes from us. */
static void observe_frame(struct fz *f, const struct sf_frame *fr) {
  struct sf_eth_hdr eh;
  CHECK(sf__eth_parse(fr->data, fr->len, &eh) == 0);
  if (eh.ethertype != SF_ETHERTYPE_IPV4)
    return;
  size_t hl = sf__eth_hdr_len(&eh);
  struct sf_ipv4_hdr ih;
  CHECK(sf__ipv4_parse(fr->data + hl, fr->len - hl, 0, &ih) == 0);
  CHECK(ih.src == ME);
  if (ih.proto != SF_IPPROTO_TCP)
    return;
  struct sf_tcp_hdr th;
  CHECK(sf__tcp_parse(ih.payload, ih.payload_len, ih.src, ih.dst, 0, &th) ==
        0);
  observe_segment(f, &th);
}

static void drain(struct fz *f) {
  struct sf_frame fr[16];
  size_t n;
  while ((n = sf__engine_tx_take(f->e, 0, fr, 16)) > 0) {
    for (size_t i = 0; i < n; i++)
      observe_frame(f, &fr[i]);
    sf__engine_tx_release(f->e, 0, n);
  }
}

/* ---------------------------------------------------- what the peer sends */

/* Frames from the peer are built here, the segment first. */
static uint8_t peer_frame[SF_FUZZ_SEG_OFFSET + 60 + MAX_PAYLOAD];

/* Sends h from the peer with len bytes of its stream at h->seq. */
static void peer_send(struct fz *f, const struct slot *s,
                      struct sf_tcp_hdr *h, size_t len) {
  static uint8_t payload[MAX_PAYLOAD];
  uint8_t *seg = peer_frame + SF_FUZZ_SEG_OFFSET;
  uint32_t first = h->seq.v + ((h->flags & SF_TCP_SYN) ? 1 : 0);
  for (size_t i = 0; i < len; i++)
    payload[i] = peer_byte(first + (uint32_t)i);
  h->sport = s->rport;
  h->dport = s->lport;
  int n = sf__tcp_emit(h, payload, len, PEER, ME, 0, seg,
                       sizeof peer_frame - SF_FUZZ_SEG_OFFSET);
  CHECK(n > 0);
  sf_fuzz_from_peer(f->e, peer_frame, (size_t)n, f->now);
}

static uint32_t peer_ts_clock(const struct fz *f) {
  return (uint32_t)(f->now / SF_NSEC_PER_MSEC) + 12345u;
}

/* The options of the peer's SYN (or SYN-ACK), chosen by one byte. */
static void syn_options(struct fz *f, struct slot *s, struct sf_tcp_opts *o) {
  uint8_t b = take(f);
  o->present = SF_TCP_OPT_MSS;
  o->mss = (uint16_t)(b & 0x80 ? 536 + (b & 0x0f) * 64 : 1460);
  if (b & 0x01) {
    o->present |= SF_TCP_OPT_WSCALE;
    o->wscale = (uint8_t)((b >> 1) & 0x0f);
  }
  s->sack = (b & 0x20) != 0;
  if (s->sack)
    o->present |= SF_TCP_OPT_SACK_PERM;
  s->ts = (b & 0x40) != 0;
  if (s->ts) {
    o->present |= SF_TCP_OPT_TIMESTAMP;
    o->ts_val = peer_ts_clock(f);
    o->ts_ecr = s->eng_tsval;
  }
}

/* Timestamps, if the peer uses them, and maybe a SACK block above the
 * peer's last ACK. */
static void data_options(struct fz *f, struct slot *s, uint8_t how,
                         struct sf_tcp_opts *o) {
  if (s->ts && !(how & 0x80)) {
    o->present |= SF_TCP_OPT_TIMESTAMP;
    o->ts_val = peer_ts_clock(f);
    o->ts_ecr = s->eng_tsval;
  }
  if (s->sack && (how & 0x40)) {
    uint32_t left = s->last_ack + (uint32_t)take(f) * 64;
    o->present |= SF_TCP_OPT_SACK;
    o->sack_count = 1;
    o->sack[0].left = sf_seq(left);
    o->sack[0].right = sf_seq(left + 1 + (uint32_t)take(f) * 64);
  }
}

static uint16_t template_flags(struct fz *f, uint8_t kind) {
  switch (kind & 7) {
  case 0:
    return SF_TCP_ACK;
  case 1:
    return SF_TCP_ACK | SF_TCP_PSH;
  case 2:
    return SF_TCP_ACK | SF_TCP_FIN;
  case 3:
    return SF_TCP_RST;
  case 4:
    return SF_TCP_RST | SF_TCP_ACK;
  case 5:
    return SF_TCP_SYN | SF_TCP_ACK;
  case 6:
    return SF_TCP_SYN;
  default:
    return take16(f) & 0x1ff;
  }
}

static uint32_t template_seq(struct fz *f, const struct slot *s, uint8_t how,
                             uint16_t flags) {
  if ((flags & SF_TCP_SYN) && !(how & 0x18))
    return s->iss;
  switch ((how >> 3) & 3) {
  case 0:
    return s->nxt;
  case 1: /* resent, or overlapping what was sent */
    return s->nxt - (uint32_t)take(f) * 8;
  case 2: /* beyond a hole */
    return s->nxt + 1 + (uint32_t)take(f) * 8;
  default:
    return take32(f);
  }
}

static uint32_t template_ack(struct fz *f, const struct slot *s,
                             uint8_t how) {
  switch ((how >> 5) & 3) {
  case 0:
    return s->eng_max;
  case 1: /* a partial ACK */
    return s->eng_max - (uint32_t)take(f) * 16;
  case 2: /* a duplicate */
    return s->last_ack;
  default:
    return take32(f);
  }
}

/* A segment from the peer on slot s, from a template bent by the input. */
static void peer_segment(struct fz *f) {
  struct slot *s = &f->s[take(f) % SLOTS];
  uint8_t kind = take(f), how = take(f), opt = take(f);
  if (!s->used)
    return;
  /* The peer goes back to what the engine acknowledged, as a sender
   * does after a timeout (its later segments were lost, or never
   * accepted). */
  if ((how & 1) && s->eng_acked)
    s->nxt = s->eng_ack;
  struct sf_tcp_hdr h = {0};
  h.flags = template_flags(f, kind);
  h.seq = sf_seq(template_seq(f, s, how, h.flags));
  h.ack = sf_seq(template_ack(f, s, how));
  h.window = take16(f);
  size_t len = (size_t)take(f) * 16 % (MAX_PAYLOAD + 1);
  if (h.flags & SF_TCP_SYN)
    syn_options(f, s, &h.opts);
  else
    data_options(f, s, opt, &h.opts);
  if (h.flags & SF_TCP_RST)
    len = 0;
  peer_send(f, s, &h, len);
  if (h.flags & SF_TCP_ACK)
    s->last_ack = h.ack.v;
  /* Only a segment sent at the peer's next sequence number advances it:
   * the others resend or skip ahead. */
  if (h.seq.v == s->nxt && !(h.flags & SF_TCP_RST))
    s->nxt += (uint32_t)len + ((h.flags & SF_TCP_FIN) ? 1 : 0);
  if ((h.flags & SF_TCP_SYN) && h.seq.v == s->iss)
    s->nxt = s->iss + 1 + (uint32_t)len;
}

/*
 * A TCP header straight from the input (ports aside, so it reaches a
 * connection), with a valid checksum and whatever payload follows it: the
 * parsers and the state machine see garbage that is not dropped early.
 */
static void raw_segment(struct fz *f) {
  struct slot *s = &f->s[take(f) % SLOTS];
  uint8_t *seg = peer_frame + SF_FUZZ_SEG_OFFSET;
  size_t len = 20 + take(f) % (60 + 64 - 19);
  for (size_t i = 0; i < len; i++)
    seg[i] = take(f);
  if (!s->used)
    return;
  seg[0] = (uint8_t)(s->rport >> 8);
  seg[1] = (uint8_t)s->rport;
  seg[2] = (uint8_t)(s->lport >> 8);
  seg[3] = (uint8_t)s->lport;
  seg[16] = seg[17] = 0;
  uint32_t sum = sf__csum_pseudo_ipv4(PEER, ME, SF_IPPROTO_TCP, len);
  uint16_t c = sf__csum_finish(sf__csum_add(sum, seg, len));
  seg[16] = (uint8_t)(c >> 8);
  seg[17] = (uint8_t)c;
  /* its payload is not the peer's stream */
  f->honest = false;
  sf_fuzz_from_peer(f->e, peer_frame, len, f->now);
}

/*
 * An ICMP error from the peer about a segment the engine sent on a
 * connection: fragmentation needed with some next-hop MTU (RFC 1191),
 * an unreachable network, host or port, or a TTL exceeded. The quote
 * carries a sequence number at or a little below the highest the engine
 * sent, so most pass RFC 5927's check.
 */
static void icmp_error(struct fz *f) {
  static const uint8_t codes[] = {
      SF_ICMP_UNREACH_FRAG_NEEDED, SF_ICMP_UNREACH_NET, SF_ICMP_UNREACH_HOST,
      SF_ICMP_UNREACH_PORT};
  struct slot *s = &f->s[take(f) % SLOTS];
  uint8_t what = take(f);
  uint16_t mtu = take16(f);
  uint32_t seq = s->eng_max - (uint32_t)take(f) * 8;
  if (!s->used || !s->seen)
    return;
  uint8_t quote[28];
  struct sf_ipv4_hdr qh = {.ttl = 1, .proto = SF_IPPROTO_TCP, .src = ME,
                           .dst = PEER, .payload_len = 20};
  CHECK(sf__ipv4_emit(&qh, quote, 20) == 20);
  uint8_t *q = quote + 20;
  q[0] = (uint8_t)(s->lport >> 8);
  q[1] = (uint8_t)s->lport;
  q[2] = (uint8_t)(s->rport >> 8);
  q[3] = (uint8_t)s->rport;
  for (int i = 0; i < 4; i++)
    q[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
  struct sf_icmp m = {.type = (what & 0x80) ? SF_ICMP_TIME_EXCEEDED
                                            : SF_ICMP_DEST_UNREACH,
                      .code = (what & 0x80) ? 0 : codes[what % 4],
                      .next_hop_mtu = mtu,
                      .body = quote,
                      .body_len = sizeof quote};
  uint8_t *msg = peer_frame + SF_FUZZ_SEG_OFFSET;
  int n = sf__icmp_emit(&m, msg, 64);
  CHECK(n > 0);
  sf_fuzz_from_peer_proto(f->e, peer_frame, (size_t)n, SF_IPPROTO_ICMP,
                          f->now);
}

/* ------------------------------------------------ the application's calls */

static void slot_start(struct slot *s, uint16_t lport, uint16_t rport,
                       uint32_t iss) {
  *s = (struct slot){.used = true, .lport = lport, .rport = rport,
                     .iss = iss, .nxt = iss};
}

/* A new tcb for the slot's application: its counts start afresh. */
static void slot_attach(struct fz *f, struct slot *s, struct sf_tcb *t) {
  if (s->t)
    sf__tcp_detach(s->t, f->now);
  s->t = t;
  s->written = s->read = 0;
  s->established = 0;
  s->closed = false;
}

static void app_connect(struct fz *f, struct slot *s) {
  struct sf_tcb *t;
  uint32_t iss = 5000u + (uint32_t)(s - f->s) * 0x10000000u + take(f);
  if (s->used && s->t)
    return;
  if (sf__tcp_connect(tcp_of(f), sf_addr_v4(0), 0, sf_addr_v4(PEER),
                      ACTIVE_RPORT, f, NULL, f->now, &t) != 0) {
    return;
  }
  struct sf_tuple tu;
  sf__tcp_get_tuple(t, &tu);
  slot_start(s, tu.lport, ACTIVE_RPORT, iss);
  slot_attach(f, s, t);
}

/* The peer opens a connection to the listener (maybe over the TIME-WAIT
 * of an earlier one on the same 4-tuple). */
static void peer_connect(struct fz *f, struct slot *s) {
  uint32_t iss_step = 100000u + (uint32_t)take(f) * 0x01000000u;
  if (s->used && s->t)
    return;
  uint16_t rport = (uint16_t)(PASSIVE_RPORT_BASE + (s - f->s));
  uint32_t old_nxt = s->used ? s->nxt : 0;
  slot_start(s, LISTEN_PORT, rport, old_nxt + iss_step);
  struct sf_tcp_hdr h = {.seq = sf_seq(s->iss), .flags = SF_TCP_SYN,
                         .window = 65535};
  syn_options(f, s, &h.opts);
  peer_send(f, s, &h, 0);
  s->nxt = s->iss + 1;
}

static void app_accept(struct fz *f) {
  if (!f->l)
    return;
  struct sf_tcb *t = sf__tcp_accept(f->l, f);
  if (!t)
    return;
  struct sf_tuple tu;
  sf__tcp_get_tuple(t, &tu);
  struct slot *s = slot_by_ports(f, tu.lport, tu.rport);
  if (s)
    slot_attach(f, s, t);
  else /* its slot went on to another connection: let it go */
    sf__tcp_detach(t, f->now);
}

static void app_write(struct fz *f, struct slot *s) {
  static uint8_t buf[8192];
  size_t n = (size_t)take(f) * 32;
  if (!s->t)
    return;
  for (size_t i = 0; i < n; i++)
    buf[i] = app_byte(s->written + i);
  ssize_t r = sf__tcp_send(s->t, buf, n, f->now);
  CHECK(r <= (ssize_t)n);
  if (r > 0)
    s->written += (uint64_t)r;
}

static void app_read(struct fz *f, struct slot *s) {
  static uint8_t buf[8192];
  size_t n = 1 + (size_t)take(f) * 32;
  if (!s->t)
    return;
  ssize_t r = sf__tcp_recv(s->t, buf, n, f->now);
  CHECK(r <= (ssize_t)n);
  if (r <= 0)
    return;
  if (f->honest) {
    uint32_t first = s->t->irs.v + 1 + (uint32_t)s->read;
    for (ssize_t i = 0; i < r; i++)
      CHECK(buf[i] == peer_byte(first + (uint32_t)i));
  }
  s->read += (uint64_t)r;
}

static void app_options(struct fz *f, struct slot *s) {
  static const char *const cc[] = {"newreno", "cubic", "no-such-algorithm"};
  uint8_t b = take(f);
  if (!s->t)
    return;
  switch (b % 3) {
  case 0:
    sf__tcp_set_nodelay(s->t, b & 0x10, f->now);
    break;
  case 1:
    sf__tcp_set_keepalive(s->t, b & 0x10,
                          (sf_time_t)(b >> 5) * SF_NSEC_PER_SEC, f->now);
    break;
  default: {
    int r = sf__tcp_set_congestion(s->t, cc[(b >> 4) % 3]);
    CHECK(r == ((b >> 4) % 3 == 2 ? SF_EINVAL : 0));
    break;
  }
  }
}

static void listener_toggle(struct fz *f) {
  if (f->l) {
    sf__tcp_listener_close(f->l, f->now);
    f->l = NULL;
  } else {
    CHECK(sf__tcp_listen(tcp_of(f), sf_addr_v4(0), LISTEN_PORT, 2, NULL,
                         &f->l) == 0);
  }
}

static void app_call(struct fz *f, uint8_t op) {
  struct slot *s = &f->s[take(f) % SLOTS];
  switch (op) {
  case 0:
    app_connect(f, s);
    break;
  case 1:
    peer_connect(f, s);
    break;
  case 2:
    app_accept(f);
    break;
  case 3:
    app_write(f, s);
    break;
  case 4:
    app_read(f, s);
    break;
  case 5:
    if (s->t)
      (void)sf__tcp_shutdown(s->t, f->now);
    break;
  case 6:
    if (s->t)
      sf__tcp_detach(s->t, f->now);
    s->t = NULL;
    break;
  case 7:
    if (s->t)
      sf__tcp_abort(s->t, f->now);
    break;
  case 8:
    app_options(f, s);
    break;
  default:
    listener_toggle(f);
    break;
  }
}

/* Milliseconds mostly; seconds and minutes now and then, so TIME-WAIT,
 * keepalive and the give-up timers run out too. */
static void time_passes(struct fz *f) {
  uint8_t k = take(f);
  sf_time_t d = k < 200   ? (sf_time_t)k * SF_NSEC_PER_MSEC
                : k < 250 ? (sf_time_t)(k - 199) * SF_NSEC_PER_SEC
                          : (sf_time_t)(k - 249) * 60 * SF_NSEC_PER_SEC;
  f->now += d;
  sf__engine_poll(f->e, f->now);
}

/* --------------------------------------------------------- invariants */

/*
 * The events about a tcb the application holds tell its story
 * consistently: each state reported is the state it is in, the
 * handshake completes once, an error is the connection's error, and
 * after SF_TEV_CLOSED nothing more happens on it.
 */
static void on_conn_event(void *ctx, const struct sf_conn_ref *c,
                          const struct sf_tcp_event *ev) {
  struct fz *f = ctx;
  if (!c->tcb || c->user != f)
    return;
  struct slot *s = NULL;
  for (int i = 0; i < SLOTS; i++)
    if (f->s[i].t == c->tcb)
      s = &f->s[i];
  if (!s) /* connect or accept has not returned it yet */
    return;
  CHECK(!s->closed);
  switch (ev->type) {
  case SF_TEV_STATE:
    CHECK(ev->old_state != ev->new_state);
    CHECK(ev->new_state == sf__tcp_state(c->tcb));
    break;
  case SF_TEV_ESTABLISHED:
    CHECK(++s->established == 1);
    break;
  case SF_TEV_ERROR:
    CHECK(ev->error < 0 && ev->error == sf__tcp_error(c->tcb));
    break;
  case SF_TEV_CLOSED:
    CHECK(sf__tcp_state(c->tcb) == SF_TCP_CLOSED);
    s->closed = true;
    break;
  default:
    break;
  }
}

static void check_tcb(const struct fz *f, const struct sf_tcb *t) {
  const struct sf_engine_config *c = sf__engine_config(f->e);
  CHECK(sf__tcp_readable(t) <= c->rcvbuf);
  CHECK(t->sndbuf.len <= c->sndbuf);
  CHECK(sf_seq_leq(t->snd_una, t->snd_nxt));
  CHECK(sf_seq_leq(t->snd_nxt, t->snd_max));
}

static void end_turn_and_check(struct fz *f) {
  drain(f);
  CHECK(sf__engine_next_deadline(f->e) >= f->now);
  sf__engine_end_turn(f->e, f->now);
  drain(f);
  /* A call may make work due at once (a keepalive enabled on a quiet
   * line): the reactor polls straight away, and after that poll nothing
   * is due any more. */
  if (sf__engine_next_deadline(f->e) == f->now) {
    sf__engine_poll(f->e, f->now);
    sf__engine_end_turn(f->e, f->now);
    drain(f);
  }
  CHECK(sf__engine_next_deadline(f->e) > f->now ||
        sf__engine_next_deadline(f->e) == SF_TIME_NEVER);
  CHECK(sf__engine_counter(f->e, "tcp_illegal_transitions") == 0);
  for (int i = 0; i < SLOTS; i++)
    if (f->s[i].t)
      check_tcb(f, f->s[i].t);
}

/* With SF_FUZZ_TRACE set, each operation and the slots' states after it
 * go to stderr: how a seed's author sees which states it reaches. */
static bool tracing(void) {
  static int on = -1;
  if (on < 0)
    on = getenv("SF_FUZZ_TRACE") != NULL;
  return on;
}

static void trace(const struct fz *f, uint8_t op) {
  if (!tracing())
    return;
  fprintf(stderr, "op %2u:", op);
  for (int i = 0; i < SLOTS; i++)
    if (f->s[i].t)
      fprintf(stderr, " [%d] %s r%llu w%llu", i,
              sf_tcp_state_name(sf__tcp_state(f->s[i].t)),
              (unsigned long long)f->s[i].read,
              (unsigned long long)f->s[i].written);
  fprintf(stderr, " tcbs %zu tw %zu\n", sf__engine_tcb_count(f->e),
          sf__engine_timewait_count(f->e));
}

/* ---------------------------------------------------------- the program */

static bool setup(struct fz *f) {
  uint8_t b = take(f);
  struct sf_engine_config cfg;
  sf_fuzz_engine_config(&cfg);
  cfg.max_orphans = 2;
  cfg.congestion = (b & 1) ? "cubic" : "newreno";
  cfg.rack = !(b & 2);
  cfg.tail_loss_probe = !(b & 4);
  cfg.syncookies = !(b & 8);
  if (b & 16)
    cfg.mem_max = 32768; /* a few buffers: pressure, refused growth */
  struct sf_engine_upcalls up = {.ctx = f, .conn_event = on_conn_event};
  if (!sf_fuzz_engine_up(&cfg, &up, f->now, &f->e))
    return false;
  listener_toggle(f);
  drain(f);
  return true;
}

/* With SF_FUZZ_TRACE, the counters the program moved. */
static void trace_counters(const struct fz *f) {
  struct sf_counter c[256];
  if (!tracing())
    return;
  size_t n = sf__engine_counters(f->e, c, 256);
  for (size_t i = 0; i < n && i < 256; i++)
    if (c[i].value)
      fprintf(stderr, "%s %llu\n", c[i].name,
              (unsigned long long)c[i].value);
}

static void teardown(struct fz *f) {
  trace_counters(f);
  for (int i = 0; i < SLOTS; i++)
    if (f->s[i].t) {
      sf__tcp_detach(f->s[i].t, f->now);
      f->s[i].t = NULL;
    }
  if (f->l)
    sf__tcp_listener_close(f->l, f->now);
  drain(f);
  CHECK(sf__engine_counter(f->e, "tcp_illegal_transitions") == 0);
  sf__engine_free(f->e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fz f = {.now = SF_NSEC_PER_SEC, .honest = true,
                 .in = {.p = data, .left = size}};
  if (!setup(&f))
    return 0;
  while (f.in.left) {
    uint8_t op = take(&f);
    switch (op % 15) {
    case 0:
    case 1:
    case 2:
      peer_segment(&f);
      break;
    case 3: /* what a peer does not normally send */
      if (take(&f) & 1)
        icmp_error(&f);
      else
        raw_segment(&f);
      break;
    case 4:
      time_passes(&f);
      break;
    default:
      app_call(&f, (uint8_t)(op % 15 - 5));
      break;
    }
    end_turn_and_check(&f);
    trace(&f, op % 15);
  }
  teardown(&f);
  return 0;
}
