/*
 * SYN cookies (syncookie.h; RFC 4987 section 3.6).
 *
 * Map:
 *   cookie_hash (static)             SipHash of tuple, peer ISN, counter
 *   mss_index (static)               the MSS table entry for an offer
 *   sf__syncookie_make / _check      the ISN we send; its validation
 *   sf__syncookie_ts_encode/_decode  options carried in our TSval
 *
 * The cookie, modulo 2^32 (the layout Linux uses, with a stronger MAC):
 *
 *   cookie = H1 + peer_isn + (count << 24) + data
 *   data   = (H2(count, mss_index) << 2 | mss_index) & 0xffffff
 *
 * count is now in 64-second ticks; H1 is a keyed hash of the 4-tuple and
 * peer_isn, H2 one of the same plus the full count and the MSS index.
 * H1 hides the counter (an observer learns nothing from our ISNs); the
 * check subtracts H1 + peer_isn, reads the counter's low 8 bits and the
 * index, and recomputes the 22 MAC bits of H2. Unlike Linux, where the
 * index is added to the MAC, the MAC covers the index, so no change of
 * the cookie or peer_isn shifts a valid cookie into another valid one:
 * a forgery succeeds with probability 2^-22 per guess.
 */
#include "config.h"

#include "tcp/syncookie.h"
#include "wire/bytes.h"
#include "wire/tcp.h" /* SF_TCP_MAX_WSCALE */

#define COOKIE_COUNT_SHIFT 24
#define COOKIE_DATA_MASK 0xffffffu
#define COOKIE_MAC_MASK 0x3fffffu /* 22 bits above the 2-bit index */

/*
 * MSS values a cookie can carry: the common ones (Linux's table). 536 is
 * RFC 9293's default when the SYN has no MSS option; it is also used for
 * offers below 536 (as Linux does), where no entry fits.
 */
static const uint16_t mss_table[4] = {536, 1300, 1440, 1460};

static unsigned mss_index(uint16_t mss) {
  unsigned i = 3;
  while (i > 0 && mss < mss_table[i])
    i--;
  return i;
}

/* which = 1: H1 (no count, no index); which = 2: H2. */
static uint32_t cookie_hash(const struct sf_secret *s, uint8_t which,
                            struct sf_addr laddr, uint16_t lport,
                            struct sf_addr raddr, uint16_t rport,
                            uint32_t peer_isn, uint32_t count, uint8_t index) {
  uint8_t b[2 + 2 * SF_HASH_ADDR_MAX + 12];
  size_t n = 0;
  b[n++] = which;
  b[n++] = index;
  n += sf__hash_put_addr(b + n, laddr);
  n += sf__hash_put_addr(b + n, raddr);
  sf__store_be16(b + n, lport);
  sf__store_be16(b + n + 2, rport);
  sf__store_be32(b + n + 4, peer_isn);
  sf__store_be32(b + n + 8, count);
  n += 12;
  return (uint32_t)sf__siphash(s->cookie_key, b, n);
}

uint32_t sf__syncookie_make(const struct sf_secret *s, struct sf_addr laddr,
                            uint16_t lport, struct sf_addr raddr,
                            uint16_t rport, uint32_t peer_isn, uint16_t mss,
                            sf_time_t now, uint16_t *mss_out) {
  unsigned idx = mss_index(mss);
  uint32_t count = (uint32_t)(now / SF_COOKIE_TICK);
  uint32_t h1 =
      cookie_hash(s, 1, laddr, lport, raddr, rport, peer_isn, 0, 0);
  uint32_t h2 = cookie_hash(s, 2, laddr, lport, raddr, rport, peer_isn,
                            count, (uint8_t)idx);
  uint32_t data = ((h2 & COOKIE_MAC_MASK) << 2 | idx) & COOKIE_DATA_MASK;
  if (mss_out)
    *mss_out = mss_table[idx];
  return h1 + peer_isn + (count << COOKIE_COUNT_SHIFT) + data;
}

uint16_t sf__syncookie_check(const struct sf_secret *s, struct sf_addr laddr,
                             uint16_t lport, struct sf_addr raddr,
                             uint16_t rport, uint32_t peer_isn, uint32_t cookie,
                             sf_time_t now) {
  uint32_t h1 =
      cookie_hash(s, 1, laddr, lport, raddr, rport, peer_isn, 0, 0);
  uint32_t v = cookie - h1 - peer_isn;
  uint32_t count = (uint32_t)(now / SF_COOKIE_TICK);
  /* The age in ticks, from the counter's low 8 bits. A cookie from the
   * future reads as a large age and fails too. */
  uint32_t age = (count - (v >> COOKIE_COUNT_SHIFT)) & 0xffu;
  if (age > SF_COOKIE_MAX_AGE)
    return 0;
  uint32_t data = v & COOKIE_DATA_MASK;
  unsigned idx = data & 3u;
  /* The MAC uses the full counter, so a cookie 256 ticks old (whose low
   * 8 bits match again) fails here. */
  uint32_t h2 = cookie_hash(s, 2, laddr, lport, raddr, rport, peer_isn,
                            count - age, (uint8_t)idx);
  if ((data >> 2) != (h2 & COOKIE_MAC_MASK))
    return 0;
  return mss_table[idx];
}

/*
 * Our TSval's low 6 bits: bits 0-3 the peer's window scale (0xf: none),
 * bit 4 SACK-permitted, bit 5 zero (Linux's ECN bit; unused here).
 */
#define TS_BITS 6
#define TS_MASK ((1u << TS_BITS) - 1)
#define TS_WSCALE_NONE 0xfu
#define TS_SACK 0x10u

uint32_t sf__syncookie_ts_encode(uint32_t tsval,
                                 const struct sf_cookie_opts *o) {
  uint32_t bits = TS_WSCALE_NONE;
  if (o->wscale_ok)
    bits = o->wscale > SF_TCP_MAX_WSCALE ? SF_TCP_MAX_WSCALE
                                                : o->wscale;
  if (o->sack_ok)
    bits |= TS_SACK;
  uint32_t ts = (tsval & ~TS_MASK) | bits;
  /* Never move our clock forward: RFC 7323 wants TSvals that do not
   * decrease, and the next TSval comes from the real clock. Going back up
   * to 63 ticks instead is harmless (as Linux does). */
  if ((int32_t)(ts - tsval) > 0)
    ts -= 1u << TS_BITS;
  return ts;
}

void sf__syncookie_ts_decode(uint32_t tsecr, struct sf_cookie_opts *o) {
  uint32_t ws = tsecr & TS_WSCALE_NONE;
  o->wscale_ok = ws != TS_WSCALE_NONE;
  /* 15 means none; values are clamped when encoded, 0..14 here. */
  o->wscale = o->wscale_ok ? (uint8_t)ws : 0;
  o->sack_ok = (tsecr & TS_SACK) != 0;
}
