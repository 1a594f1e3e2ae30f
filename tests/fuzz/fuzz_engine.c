/*
 * Fuzzes the whole engine with segments that are mostly well-formed, so
 * they get past the parsers and into the state machine: an engine
 * (198.18.0.1) with a listener on port 80 and one connection it opened
 * to the peer (198.18.0.2:443), driven by records of the input:
 *
 *   byte 0      what to do: a segment to the listener's port from one of
 *               four peer ports, a segment on the open connection, an
 *               application call (send, recv, shutdown, abort, detach,
 *               accept), or time passing
 *   bytes 1..   flags, sequence and acknowledgment offsets relative to
 *               what the engine expects (so many land in the window), a
 *               window, raw option bytes and a payload length
 *
 * Invariants checked after every record: the engine never holds more
 * readable bytes than a receive buffer, its deadline is never in the
 * past, nothing is due after the end-of-turn poll, and freeing it at the
 * end leaves nothing behind (the sanitizers' leak check).
 */
#include "config.h"

#include <string.h>

#include "fuzz_wire.h"
#include "tcp/tcb.h"
#include "wire/checksum.h"

#define ME SF_FUZZ_ME
#define PEER SF_FUZZ_PEER

struct fz {
  struct sf_engine *e;
  struct sf_listener *l;
  struct sf_tcb *conn; /* attached, ours to detach */
  struct sf_tcb *accepted[4];
  sf_time_t now;
  struct sf_fuzz_in in;
};

static uint8_t take(struct fz *f) { return sf_fuzz_take(&f->in); }
static uint32_t take32(struct fz *f) { return sf_fuzz_take32(&f->in); }

static void inject(struct fz *f, uint16_t sport, uint16_t dport, uint32_t seq,
                   uint32_t ack, uint16_t flags, uint16_t window,
                   const uint8_t *opts, size_t opt_len, size_t payload) {
  static uint8_t frame[SF_FUZZ_SEG_OFFSET + 60 + 2048];
  uint8_t *tcp = frame + SF_FUZZ_SEG_OFFSET;
  size_t hl = 20 + (opt_len & ~(size_t)3);
  memset(tcp, 0, hl);
  tcp[0] = (uint8_t)(sport >> 8);
  tcp[1] = (uint8_t)sport;
  tcp[2] = (uint8_t)(dport >> 8);
  tcp[3] = (uint8_t)dport;
  for (int i = 0; i < 4; i++) {
    tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
    tcp[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
  }
  tcp[12] = (uint8_t)((hl / 4) << 4) | (uint8_t)((flags >> 8) & 1);
  tcp[13] = (uint8_t)flags;
  tcp[14] = (uint8_t)(window >> 8);
  tcp[15] = (uint8_t)window;
  if (hl > 20)
    memcpy(tcp + 20, opts, hl - 20);
  memset(tcp + hl, 'x', payload);
  size_t seg_len = hl + payload;
  /* a valid checksum, so the segment reaches the state machine */
  uint32_t sum = sf__csum_pseudo_ipv4(PEER, ME, SF_IPPROTO_TCP, seg_len);
  sum = sf__csum_add(sum, tcp, seg_len);
  uint16_t c = sf__csum_finish(sum);
  tcp[16] = (uint8_t)(c >> 8);
  tcp[17] = (uint8_t)c;
  sf_fuzz_from_peer(f->e, frame, seg_len, f->now);
}

static void segment(struct fz *f, bool to_conn) {
  uint8_t which = take(f);
  uint16_t flags = (uint16_t)(take(f) | ((take(f) & 1) << 8));
  int16_t dseq = (int16_t)((take(f) << 8) | take(f));
  int16_t dack = (int16_t)((take(f) << 8) | take(f));
  uint16_t window = (uint16_t)((take(f) << 8) | take(f));
  uint8_t opt_len = take(f) % 41;
  uint8_t opts[40];
  for (unsigned i = 0; i < opt_len; i++)
    opts[i] = take(f);
  size_t payload = take(f) * 8u;
  uint16_t sport = to_conn ? 443 : (uint16_t)(1000 + (which & 3));
  uint16_t dport = 80;
  uint32_t seq = take32(f), ack = take32(f);
  if (to_conn && f->conn) {
    struct sf_tcb *t = f->conn;
    dport = t->node.key.lport;
    seq = t->rcv_nxt.v + (uint32_t)(int32_t)dseq;
    ack = t->snd_una.v + (uint32_t)(int32_t)dack;
  }
  inject(f, sport, dport, seq, ack, flags, window, opts, opt_len, payload);
}

static void app_call(struct fz *f) {
  uint8_t op = take(f);
  struct sf_tcb *t = f->conn;
  static uint8_t buf[4096];
  switch (op % 7) {
  case 0:
    if (t)
      (void)sf__tcp_send(t, buf, (size_t)take(f) * 16, f->now);
    break;
  case 1:
    if (t)
      (void)sf__tcp_recv(t, buf, sizeof(buf), f->now);
    break;
  case 2:
    if (t)
      (void)sf__tcp_shutdown(t, f->now);
    break;
  case 3:
    if (t)
      sf__tcp_abort(t, f->now);
    break;
  case 4:
    if (t) {
      sf__tcp_detach(t, f->now);
      f->conn = NULL;
    }
    break;
  case 5:
    for (int i = 0; i < 4; i++)
      if (!f->accepted[i]) {
        f->accepted[i] = sf__tcp_accept(f->l, f);
        break;
      }
    break;
  default:
    for (int i = 0; i < 4; i++)
      if (f->accepted[i]) {
        (void)sf__tcp_recv(f->accepted[i], buf, sizeof(buf), f->now);
        (void)sf__tcp_send(f->accepted[i], buf, 100, f->now);
      }
    break;
  }
}

static void check_invariants(struct fz *f) {
  const struct sf_engine_config *c = sf__engine_config(f->e);
  if (f->conn)
    CHECK(sf__tcp_readable(f->conn) <= c->rcvbuf);
  /* Nothing is ever due earlier than now; and what waits for the end of
   * the turn (a window update after a read) waits on no timer: once the
   * turn is over, nothing is due now either. */
  CHECK(sf__engine_next_deadline(f->e) >= f->now);
  sf__engine_end_turn(f->e, f->now);
  CHECK(sf__engine_next_deadline(f->e) > f->now ||
        sf__engine_next_deadline(f->e) == SF_TIME_NEVER);
  struct sf_frame fr[64];
  size_t n = sf__engine_tx_take(f->e, 0, fr, 64);
  sf__engine_tx_release(f->e, 0, n);
}

static bool setup(struct fz *f) {
  struct sf_engine_config cfg;
  sf_fuzz_engine_config(&cfg);
  if (!sf_fuzz_engine_up(&cfg, NULL, f->now, &f->e))
    return false;
  CHECK(sf__tcp_listen(sf__engine_tcp(f->e), sf_addr_v4(0), 80, 4, NULL,
                       &f->l) == 0);
  CHECK(sf__tcp_connect(sf__engine_tcp(f->e), sf_addr_v4(0), 0,
                        sf_addr_v4(PEER), 443, f, NULL, f->now, &f->conn) == 0);
  /* complete its handshake, so the fuzz starts in ESTABLISHED */
  inject(f, 443, f->conn->node.key.lport, 5000, f->conn->iss.v + 1,
         SF_TCP_SYN | SF_TCP_ACK, 65535, NULL, 0, 0);
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fz f = {.now = SF_NSEC_PER_SEC, .in = {.p = data, .left = size}};
  if (!setup(&f))
    return 0;
  while (f.in.left) {
    uint8_t what = take(&f);
    switch (what % 4) {
    case 0:
      segment(&f, false);
      break;
    case 1:
      segment(&f, true);
      break;
    case 2:
      app_call(&f);
      break;
    default:
      f.now += (sf_time_t)take(&f) * 50 * SF_NSEC_PER_MSEC;
      sf__engine_poll(f.e, f.now);
      break;
    }
    if (f.conn && sf__tcp_state(f.conn) == SF_TCP_CLOSED) {
      sf__tcp_detach(f.conn, f.now);
      f.conn = NULL;
    }
    check_invariants(&f);
  }
  for (int i = 0; i < 4; i++)
    if (f.accepted[i])
      sf__tcp_detach(f.accepted[i], f.now);
  if (f.conn)
    sf__tcp_detach(f.conn, f.now);
  sf__tcp_listener_close(f.l, f.now);
  sf__engine_free(f.e);
  return 0;
}
