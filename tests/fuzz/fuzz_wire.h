/*
 * The wire the engine-level fuzz targets share: an engine (198.18.0.1,
 * on one interface) that already knows the MAC of its one peer
 * (198.18.0.2), and the frames that carry the peer's TCP segments to it.
 */
#ifndef SF_TESTS_FUZZ_WIRE_H
#define SF_TESTS_FUZZ_WIRE_H

#include "fuzz.h"
#include "stack/stack.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

#define SF_FUZZ_ME 0xc6120001u
#define SF_FUZZ_PEER 0xc6120002u
/* Where a segment starts in a frame from the peer: after Ethernet and an
 * IPv4 header without options. */
#define SF_FUZZ_SEG_OFFSET (14 + 20)

/* The configuration the engine targets start from: deterministic secrets,
 * and buffers and a TIME-WAIT table small enough that the fuzzer fills
 * them. */
static inline void sf_fuzz_engine_config(struct sf_engine_config *cfg) {
  sf__engine_config_default(cfg);
  cfg->secret_seed = 7;
  cfg->rcvbuf = 8192;
  cfg->sndbuf = 8192;
  cfg->timewait_max = 2;
}

/* A new engine with cfg and up (may be NULL), its interface up and the
 * peer's MAC learnt (the peer asked for ours). Returns false when the
 * engine cannot be made. */
static inline bool sf_fuzz_engine_up(const struct sf_engine_config *cfg,
                                     const struct sf_engine_upcalls *up,
                                     sf_time_t now, struct sf_engine **out) {
  if (sf__engine_new(cfg, up, now, out) != 0)
    return false;
  struct sf_netif_config nc = {.mac = {2, 0, 0, 0, 0, 1},
                               .addr = sf_addr_v4(SF_FUZZ_ME),
                               .prefix_len = 24,
                               .mtu = 1500};
  CHECK(sf__engine_netif_add(*out, &nc) == 0);
  static const uint8_t arp[14 + 28] = {
      2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0,
      1, 2, 0, 0, 0, 0, 2, 198, 18, 0, 2, 0, 0, 0, 0, 0, 0, 198, 18, 0, 1};
  sf__engine_input(*out, 0, arp, sizeof(arp), 0, now);
  return true;
}

/* Hands the engine the seg_len-byte datagram payload of protocol proto
 * the peer wrote at frame + SF_FUZZ_SEG_OFFSET, once its IPv4 and
 * Ethernet headers are written in front of it. */
static inline void sf_fuzz_from_peer_proto(struct sf_engine *e,
                                           uint8_t *frame, size_t seg_len,
                                           uint8_t proto, sf_time_t now) {
  struct sf_eth_hdr eh = {.dst = {{2, 0, 0, 0, 0, 1}},
                          .src = {{2, 0, 0, 0, 0, 2}},
                          .ethertype = SF_ETHERTYPE_IPV4};
  struct sf_ipv4_hdr ih = {.ttl = 64, .proto = proto,
                           .src = SF_FUZZ_PEER, .dst = SF_FUZZ_ME,
                           .payload_len = seg_len};
  CHECK(sf__ipv4_emit(&ih, frame + 14, 20) == 20);
  CHECK(sf__eth_emit(&eh, frame, 14) == 14);
  sf__engine_input(e, 0, frame, SF_FUZZ_SEG_OFFSET + seg_len, 0, now);
}

/* The same for a TCP segment. */
static inline void sf_fuzz_from_peer(struct sf_engine *e, uint8_t *frame,
                                     size_t seg_len, sf_time_t now) {
  sf_fuzz_from_peer_proto(e, frame, seg_len, SF_IPPROTO_TCP, now);
}

#endif /* SF_TESTS_FUZZ_WIRE_H */
