/*
 * The sender's SACK scoreboard: what the peer reported holding above
 * SND.UNA (RFC 2018 blocks), and loss recovery that uses it, a simplified
 * RFC 6675: recovery starts when DupThresh segments' worth of data has
 * been SACKed above SND.UNA (dupack.c), and during recovery each ACK
 * retransmits the next hole below SACKed data from HighRxt on, so
 * several losses in one window cost one round trip, not one each.
 *
 * The scoreboard is an assembler (offsets from SND.UNA), so it is bounded
 * like the receiver's: blocks that do not fit are ignored and counted
 * (the recovery then falls back to NewReno's one hole per partial ACK).
 * That bound is also what keeps a peer's crafted blocks ("SACK panic")
 * cheap: an ACK carries at most four blocks, each merged into at most
 * SF_ASM_MAX_RANGES ranges, and a hole walk visits those ranges only.
 */
#include "config.h"

#include "tcp/recovery/recovery_internal.h"

void sf__sack_update(struct sf_tcb *t, const struct sf_tcp_hdr *h) {
  if (!(t->flags & SF_TF_SACK) || !(h->opts.present & SF_TCP_OPT_SACK))
    return;
  for (unsigned i = 0; i < h->opts.sack_count; i++) {
    sf_seq_t l = h->opts.sack[i].left, r = h->opts.sack[i].right;
    /* only blocks inside what is outstanding: D-SACKs and forgeries out */
    if (!sf_seq_lt(l, r) || !sf_seq_gt(l, t->snd_una) ||
        sf_seq_gt(r, t->snd_max))
      continue;
    if (sf__asm_add(&t->sacked, (uint32_t)sf_seq_diff(l, t->snd_una),
                    (uint32_t)sf_seq_diff(r, l)) != 0)
      SF_TCP_COUNT(t->eng, tcp_sack_blocks_dropped);
  }
}

void sf__sack_shift(struct sf_tcb *t, uint32_t acked) {
  sf__asm_shift(&t->sacked, NULL, acked);
}

void sf__sack_reset(struct sf_tcb *t) {
  sf__asm_clear(&t->sacked, NULL);
  t->high_rxt = t->snd_una;
}

static uint32_t sacked_above(const struct sf_tcb *t, uint32_t off) {
  uint32_t n = 0;
  for (unsigned i = 0; i < t->sacked.n; i++) {
    const struct sf_asm_range *r = &t->sacked.r[i];
    if (r->end > off)
      n += r->end - (r->start > off ? r->start : off);
  }
  return n;
}

uint32_t sf__sack_sacked_below(const struct sf_tcb *t, uint32_t off) {
  return sacked_above(t, 0) - sacked_above(t, off);
}

bool sf__sack_loss_detected(const struct sf_tcb *t) {
  return sacked_above(t, 0) >= t->dupthresh * (uint32_t)t->smss;
}

unsigned sf__sack_retransmit_holes(struct sf_tcb *t, unsigned max) {
  unsigned sent = 0;
  int32_t from = sf_seq_diff(t->high_rxt, t->snd_una);
  uint32_t off = from > 0 ? (uint32_t)from : 0;
  for (unsigned i = 0; i < t->sacked.n && sent < max; i++) {
    const struct sf_asm_range *r = &t->sacked.r[i];
    if (r->end <= off)
      continue;
    /* a hole [off, r->start) counts as lost with enough SACKed above it */
    while (off < r->start && sent < max &&
           sacked_above(t, off) >= t->dupthresh * (uint32_t)t->smss) {
      uint32_t n = sf__tcp_retransmit_at(t, sf_seq_add(t->snd_una, off),
                                         r->start - off);
      if (!n)
        return sent;
      off += n;
      t->high_rxt = sf_seq_add(t->snd_una, off);
      sent++;
    }
    if (off < r->end)
      off = r->end;
  }
  return sent;
}
