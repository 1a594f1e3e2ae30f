/*
 * Receiving: the segment text (RFC 9293 3.10.7.4, seventh check) and the
 * FIN (eighth). In-order bytes become readable at once, in the receive
 * ring; bytes beyond a gap wait in the assembler, which keeps them apart
 * (so their memory is what they hold, not their distance from rcv_nxt)
 * in at most SF_ASM_MAX_RANGES ranges, within the window, and are
 * reported back in SACK blocks. A FIN beyond a gap counts only once the
 * gap is filled. Delayed ACKs: at most every second full segment (held
 * to the end of the receive batch, within a bound), at most
 * delack_timeout (RFC 9293 3.8.6.3, RFC 5681 4.2), and at once for
 * anything out of order, duplicate or filling a hole.
 */
#include "config.h"

#include "tcp/tcb.h"

static uint32_t sws_threshold(const struct sf_tcb *t) {
  uint32_t half = (uint32_t)(t->rcvbuf.limit / 2);
  return t->rcv_mss < half ? t->rcv_mss : half;
}

/*
 * RFC 9293 3.8.6.2.2: the right edge moves only by at least
 * min(half the buffer, one MSS), and never backwards.
 */
uint32_t sf__tcp_rcv_window(struct sf_tcb *t) {
  int32_t cur_i = sf_seq_diff(t->rcv_adv, t->rcv_nxt);
  uint32_t cur = cur_i > 0 ? (uint32_t)cur_i : 0;
  uint32_t space =
      sf__tcp_mem_window(t, (uint32_t)sf__ring_space(&t->rcvbuf));
  uint32_t thr = sws_threshold(t);
  /* a small step is not worth announcing, and neither is reopening a
   * shut window to less than the threshold */
  if (space <= cur || (space - cur < thr && (cur > 0 || space < thr)))
    return cur;
  return space;
}

/*
 * The peer's FIN. When it closes first (to CLOSE-WAIT) its ACK waits for
 * the end of the loop's turn, like a window update: an application that
 * closes on end-of-stream answers in that turn, and its FIN carries the
 * ACK (one segment, not two). When we closed first the ACK goes now: the
 * connection may become a TIME-WAIT record, which is on no list.
 */
static void peer_fin(struct sf_tcb *t) {
  t->rcv_nxt = sf_seq_add(t->rcv_nxt, 1);
  t->flags |= SF_TF_PEER_FIN;
  t->ooo_fin = false;
  sf__tcp_emit_event(t, SF_TEV_PEER_FIN, 0, 0);
  sf__tcp_emit_event(t, SF_TEV_READABLE, 0, 0);
  switch (t->state) {
  case SF_TCP_SYN_RECEIVED:
  case SF_TCP_ESTABLISHED:
    sf__tcp_set_state(t, SF_TCP_CLOSE_WAIT);
    sf__tcp_owe_at_turn_end(t, SF_TF_TURN_ACK);
    break;
  case SF_TCP_FIN_WAIT_1:
    t->flags |= SF_TF_ACK_NOW;
    if (t->flags & SF_TF_FIN_ACKED)
      sf__tcp_enter_time_wait(t);
    else
      sf__tcp_set_state(t, SF_TCP_CLOSING);
    break;
  case SF_TCP_FIN_WAIT_2:
    t->flags |= SF_TF_ACK_NOW;
    sf__tcp_enter_time_wait(t);
    break;
  default:
    t->flags |= SF_TF_ACK_NOW;
    break;
  }
}

/*
 * In-order bytes not yet acknowledged past which the ACK goes at once
 * even if it is the first one held in the batch: a quarter of the
 * receive buffer, so a peer limited by a small window still sees it
 * advance four times per window, at most 64 KiB (no IPv4 super-frame is
 * larger, so with a large buffer one frame never reaches it and the rule
 * below bounds the batch), never less than two full segments.
 */
#define ACK_BATCH_MAX (64u * 1024)

static uint32_t ack_batch_bound(const struct sf_tcb *t, uint32_t full) {
  uint32_t bound = (uint32_t)(t->rcvbuf.limit / 4);
  if (bound > ACK_BATCH_MAX)
    bound = ACK_BATCH_MAX;
  return bound > 2 * full ? bound : 2 * full;
}

/*
 * RFC 9293 3.8.6.3 / RFC 5681 4.2: an ACK for at least every second
 * full-sized segment, else within delack_timeout. A super-frame from an
 * offloading peer (GRO) counts as the segments it holds; a small segment
 * counts as one.
 *
 * The ACK two segments call for waits for the end of the receive batch,
 * i.e. the loop's turn: lib/loop's io_cb takes up to RX_ROUNDS link
 * batches of frames (each through sf__engine_input), then after_work
 * lets the application's callbacks read, then sf__engine_end_turn pays
 * what is owed, then the frames go out. The reads reopen the window, so
 * one segment carries both the ACK and that window, not one each (and a
 * reply, if any, carries both). Frames leave only after the turn anyway,
 * so the ACK is no later on the wire. At most one ACK is held: the next
 * segment that calls for one sends it at once (covering both), so a
 * sender in slow start, whose window grows by at most one segment per
 * ACK (RFC 5681 3.1), still gets an ACK for every third segment or
 * second super-frame; and ack_batch_bound caps the bytes held.
 */
static void schedule_ack(struct sf_tcb *t, uint32_t len) {
  uint32_t full = t->rcv_mss - ((t->flags & SF_TF_TS) ? 12 : 0);
  uint32_t segs = full ? len / full : 1;
  t->ack_pending += segs ? segs : 1;
  int32_t unacked = sf_seq_diff(t->rcv_nxt, t->last_ack_sent);
  if ((t->flags & SF_TF_TURN_ACK) ||
      (unacked > 0 && (uint32_t)unacked >= ack_batch_bound(t, full))) {
    t->flags |= SF_TF_ACK_NOW;
  } else if (t->ack_pending >= 2) {
    sf__tcp_owe_at_turn_end(t, SF_TF_TURN_ACK);
  } else if (t->timers[SF_TT_DELACK] == SF_TIME_NEVER) {
    /* the timer is set at the end of the turn, if no segment has carried
     * the ACK by then: an answer in the same turn usually does, and a
     * timer never set is one never cancelled */
    sf__tcp_owe_at_turn_end(t, SF_TF_DELACK_DUE);
  }
}

/* Data not stored is not acknowledged: the segment is dropped whole (its
 * FIN too) and the peer sends it again. */
static bool stored(struct sf_tcb *t, const uint8_t *data, uint32_t len) {
  if (sf__ring_write(&t->rcvbuf, &t->eng->mem, data, len) == len)
    return true;
  SF_TCP_COUNT(t->eng, tcp_in_nomem_dropped);
  return false;
}

/* Out-of-order bytes that the delivered ones made contiguous move into
 * the ring; returns how many. Without memory for them they stay where
 * they are, unacknowledged, until the peer's retransmission comes. */
static uint32_t take_contiguous(struct sf_tcb *t) {
  const uint8_t *bytes;
  uint32_t n = sf__asm_front(&t->ooo, &bytes);
  if (n == 0)
    return 0;
  uint32_t moved = (uint32_t)sf__ring_write(&t->rcvbuf, &t->eng->mem, bytes, n);
  if (moved < n)
    SF_TCP_COUNT(t->eng, tcp_in_nomem_dropped);
  sf__asm_shift(&t->ooo, &t->eng->mem, moved);
  return moved;
}

/* The len bytes just stored in the ring become readable. */
static void deliver_in_order(struct sf_tcb *t, uint32_t len) {
  bool had_gap = !sf__asm_empty(&t->ooo);
  sf__asm_shift(&t->ooo, &t->eng->mem, len);
  uint32_t n = len + take_contiguous(t);
  t->rcv_nxt = sf_seq_add(t->rcv_nxt, n);
  t->bytes_received += n;
  if (had_gap)
    t->flags |= SF_TF_ACK_NOW; /* RFC 5681 4.2: a hole filled */
  else
    schedule_ack(t, len);
  sf__tcp_emit_event(t, SF_TEV_READABLE, 0, 0);
}

static void store_out_of_order(struct sf_tcb *t, uint32_t off,
                               const uint8_t *data, uint32_t len, bool fin) {
  struct sf_tcp *e = t->eng;
  SF_TCP_COUNT(e, tcp_in_ooo_segs);
  t->flags |= SF_TF_ACK_NOW; /* a duplicate ACK for fast retransmit */
  /* the window keeps the bytes within rcvbuf; the bound keeps their
   * buffers there too, slack included */
  int rc = sf__asm_store(&t->ooo, &e->mem, t->rcvbuf.limit, off, data, len);
  if (rc == SF_ENOMEM) {
    SF_TCP_COUNT(e, tcp_in_nomem_dropped);
    return;
  }
  if (rc != 0) { /* every hole's slot taken, or the rcvbuf bound reached */
    SF_TCP_COUNT(e, tcp_in_ooo_dropped);
    return;
  }
  if (fin) {
    t->ooo_fin = true;
    t->ooo_fin_seq = sf_seq_add(t->rcv_nxt, off + len);
  }
}

/*
 * RFC 2883: bytes that arrive again — below rcv_nxt, or already held out
 * of order — are reported in the first SACK block of the next ACK, sent
 * at once: the peer learns its retransmission was spurious and may undo
 * the congestion response. Only the first duplicate range of the segment
 * is reported, and a newer duplicate replaces one not yet reported.
 */
void sf__tcp_note_duplicate(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  uint32_t len = (uint32_t)h->payload_len;
  if (!(t->flags & SF_TF_SACK) || len == 0)
    return;
  int32_t off = sf_seq_diff(h->seq, t->rcv_nxt);
  struct sf_asm_range held;
  if (off < 0) {
    uint32_t below = 0u - (uint32_t)off;
    t->dsack_block.left = h->seq;
    t->dsack_block.right = sf_seq_add(h->seq, below < len ? below : len);
  } else if (sf__asm_overlap(&t->ooo, (uint32_t)off, len, &held)) {
    t->dsack_block.left = sf_seq_add(t->rcv_nxt, held.start);
    t->dsack_block.right = sf_seq_add(t->rcv_nxt, held.end);
  } else {
    return;
  }
  t->dsack = true;
  t->flags |= SF_TF_ACK_NOW;
}

/* An application that has closed its handle reads nothing more: new
 * data for it ends the connection with RST, as Linux does. */
static bool orphan_data(struct sf_tcb *t, uint32_t len) {
  if (len == 0 || !(t->flags & SF_TF_ORPHAN))
    return false;
  SF_TCP_COUNT(t->eng, tcp_in_data_after_close);
  SF_TCP_COUNT(t->eng, tcp_conn_aborted);
  sf__tcp_send_rst(t);
  sf__tcp_finish(t);
  return true;
}

void sf__tcp_process_data(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  bool fin = (h->flags & SF_TCP_FIN) != 0;
  uint32_t len = (uint32_t)h->payload_len;
  if (len == 0 && !fin)
    return;
  if (t->state != SF_TCP_ESTABLISHED && t->state != SF_TCP_FIN_WAIT_1 &&
      t->state != SF_TCP_FIN_WAIT_2) {
    if (len)
      SF_TCP_COUNT(t->eng, tcp_in_data_after_close);
    return; /* the peer's FIN came before: nothing more to take */
  }
  sf__tcp_note_duplicate(t, h);
  const uint8_t *data = h->payload;
  int32_t off = sf_seq_diff(h->seq, t->rcv_nxt);
  if (off < 0) { /* the front was received before */
    uint32_t skip = (uint32_t)-off;
    if (skip > len || (skip == len && !fin)) {
      SF_TCP_COUNT(t->eng, tcp_in_dup_segs);
      t->flags |= SF_TF_ACK_NOW;
      return;
    }
    data += skip;
    len -= skip;
    off = 0;
  }
  uint32_t space = (uint32_t)sf__ring_space(&t->rcvbuf);
  if ((uint32_t)off + len > space) { /* beyond the window: cut */
    len = (uint32_t)off < space ? space - (uint32_t)off : 0;
    fin = false;
    t->flags |= SF_TF_ACK_NOW;
  }
  if (orphan_data(t, len))
    return;
  if (off > 0) {
    store_out_of_order(t, (uint32_t)off, data, len, fin);
    return;
  }
  if (len && !stored(t, data, len))
    return;
  if (len)
    deliver_in_order(t, len);
  if (fin &&
      sf_seq_eq(sf_seq_add(h->seq, (uint32_t)h->payload_len), t->rcv_nxt)) {
    peer_fin(t);
    return;
  }
  if (t->ooo_fin && sf_seq_eq(t->ooo_fin_seq, t->rcv_nxt))
    peer_fin(t);
}
