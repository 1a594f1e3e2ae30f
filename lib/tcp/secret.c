/*
 * The stack's secret keys and the keyed hashes built on them (secret.h).
 *
 * Map:
 *   sf__secret_init / _init_seeded   keys from RAND_bytes, or from a seed
 *   sf__siphash                      SipHash-2-4, 64-bit tag
 *   sf__hash_put_addr                an address as the hashes take it
 *   sf__isn_rfc6528                  RFC 6528 ISN = M + F(4-tuple)
 *   sf__ts_offset                    RFC 7323 5.4 timestamp offset
 *   sf__port_offset                  RFC 6056 Algorithm 3 F()
 *
 * Why SipHash is computed here and not with OpenSSL's EVP_MAC "SIPHASH":
 * the engine hashes once per SYN and once per segment lookup, and EVP_MAC
 * needs a context allocated per call (the key is set at init): measured
 * about 300 ns a call on the development machine (117 ns even with the
 * EVP_MAC fetched once), against about 15 ns here; it can also fail to
 * allocate, which a hash has no way to report. The test suite checks this
 * code against EVP_MAC's output and the SipHash paper's test vectors.
 */
#include "config.h"

#include <string.h>

#include <openssl/rand.h>

#include "synfin.h"
#include "tcp/secret.h"

/* Ticks of RFC 6528's M timer: one every 4 microseconds. */
#define ISN_TICK_NS (4 * SF_NSEC_PER_USEC)

int sf__secret_init(struct sf_secret *s) {
  if (RAND_bytes(s->isn_key, sizeof s->isn_key) != 1 ||
      RAND_bytes(s->port_key, sizeof s->port_key) != 1 ||
      RAND_bytes(s->hash_key, sizeof s->hash_key) != 1 ||
      RAND_bytes(s->cookie_key, sizeof s->cookie_key) != 1)
    return SF_EIO;
  return 0;
}

static void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/*
 * Each key is two SipHash tags, under a key made from the seed, of the
 * key's label and half; distinct labels keep the four keys unrelated.
 */
static void derive_key(uint8_t out[16], const uint8_t base[16], uint8_t label) {
  for (uint8_t half = 0; half < 2; half++) {
    uint8_t msg[2] = {label, half};
    put_le64(out + 8 * half, sf__siphash(base, msg, sizeof msg));
  }
}

void sf__secret_init_seeded(struct sf_secret *s, uint64_t seed) {
  uint8_t base[16];
  put_le64(base, seed);
  memcpy(base + 8, "synfin-k", 8);
  derive_key(s->isn_key, base, 1);
  derive_key(s->port_key, base, 2);
  derive_key(s->hash_key, base, 3);
  derive_key(s->cookie_key, base, 4);
}

static inline uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

static inline void sipround(uint64_t v[4]) {
  v[0] += v[1];
  v[1] = rotl(v[1], 13);
  v[1] ^= v[0];
  v[0] = rotl(v[0], 32);
  v[2] += v[3];
  v[3] = rotl(v[3], 16);
  v[3] ^= v[2];
  v[0] += v[3];
  v[3] = rotl(v[3], 21);
  v[3] ^= v[0];
  v[2] += v[1];
  v[1] = rotl(v[1], 17);
  v[1] ^= v[2];
  v[2] = rotl(v[2], 32);
}

static inline void compress(uint64_t v[4], uint64_t m) {
  v[3] ^= m;
  sipround(v);
  sipround(v);
  v[0] ^= m;
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output. */
uint64_t sf__siphash(const uint8_t key[16], const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t k0 = get_le64(key), k1 = get_le64(key + 8);
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                   k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  size_t full = len & ~(size_t)7;
  for (size_t i = 0; i < full; i += 8)
    compress(v, get_le64(p + i));
  /* The last block: the 0..7 remaining bytes, the length in the top byte. */
  uint64_t b = (uint64_t)len << 56;
  for (size_t i = 0; i < (len & 7); i++)
    b |= (uint64_t)p[full + i] << (8 * i);
  compress(v, b);
  v[2] ^= 0xff;
  for (int i = 0; i < 4; i++)
    sipround(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

size_t sf__hash_put_addr(uint8_t *p, struct sf_addr a) {
  switch (a.family) {
  case SF_AF_INET:
    put_be32(p, a.v4);
    return 4;
  case SF_AF_INET6:
    memcpy(p, a.v6, sizeof(a.v6));
    return sizeof(a.v6);
  default:
    return 0;
  }
}

uint32_t sf__isn_rfc6528(const struct sf_secret *s, struct sf_addr laddr,
                         uint16_t lport, struct sf_addr raddr, uint16_t rport,
                         sf_time_t now) {
  /* F(localip, localport, remoteip, remoteport, secretkey): the fields in
   * a fixed byte order, so the value does not depend on the host. */
  uint8_t msg[2 * SF_HASH_ADDR_MAX + 4];
  size_t n = sf__hash_put_addr(msg, laddr);
  put_be16(msg + n, lport);
  n += 2;
  n += sf__hash_put_addr(msg + n, raddr);
  put_be16(msg + n, rport);
  n += 2;
  uint32_t f = (uint32_t)sf__siphash(s->isn_key, msg, n);
  /* RFC 6528 section 3: M is a 4-microsecond timer; only its low 32 bits
   * matter, as the sum is taken modulo 2^32. */
  uint32_t m = (uint32_t)(now / ISN_TICK_NS);
  return m + f;
}

uint32_t sf__ts_offset(const struct sf_secret *s, struct sf_addr laddr,
                       uint16_t lport, struct sf_addr raddr, uint16_t rport) {
  /* The ISN key, with a label before the 4-tuple: no message here is one
   * of F()'s, so an offset, which TSvals show, tells nothing of an ISN. */
  uint8_t msg[1 + 2 * SF_HASH_ADDR_MAX + 4];
  msg[0] = 'T';
  size_t n = 1;
  n += sf__hash_put_addr(msg + n, laddr);
  put_be16(msg + n, lport);
  n += 2;
  n += sf__hash_put_addr(msg + n, raddr);
  put_be16(msg + n, rport);
  n += 2;
  return (uint32_t)sf__siphash(s->isn_key, msg, n);
}

uint32_t sf__port_offset(const struct sf_secret *s, struct sf_addr laddr,
                         struct sf_addr raddr, uint16_t rport) {
  /* RFC 6056 3.3.3: F(local_IP, remote_IP, remote_port, secret_key); the
   * local port is what is being chosen, so it is not an input. */
  uint8_t msg[2 * SF_HASH_ADDR_MAX + 2];
  size_t n = sf__hash_put_addr(msg, laddr);
  n += sf__hash_put_addr(msg + n, raddr);
  put_be16(msg + n, rport);
  n += 2;
  return (uint32_t)sf__siphash(s->port_key, msg, n);
}
