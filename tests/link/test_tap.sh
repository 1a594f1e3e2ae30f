#!/bin/sh
# The TAP and TUN links against the real kernel, inside a private network
# namespace (tests/net/netns.sh): tap_check creates the device and answers
# with hand-built frames; the kernel side gets 198.18.X.1/24 on it, pings
# synfin's 198.18.X.2 (ARP first on TAP) and sends 1 MB over TCP.
#   tap        plain frames: no metadata, nothing over MTU + 14
#   tap vnet   IFF_VNET_HDR + offloads: NEEDS_CSUM and GSO super-frames
#   tun        synthetic Ethernet header; the link answers ARP itself
# Needs root and `ip netns` (else exit 77). Run from the build directory.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
[ -c /dev/net/tun ] || sf_netns_skip "/dev/net/tun missing"
check=./tests/link/tap_check
sf_netns_begin tap "$check"

# run_case NAME MODE ARGS...: the device lives in the kernel namespace.
run_case() {
  name=$1 mode=$2
  shift 2
  dev=sf$mode$$
  dev=$(echo "$dev" | cut -c1-15)
  out=$SF_TMP/$name.out
  timeout 20 ip netns exec "$SF_NS_K" "$check" serve "$mode" "$dev" \
    "$SF_SYNFIN_IP" 10 untilfin "$@" >"$out" 2>&1 &
  pid=$!
  sf_netns_wait_ready "$out" 20
  sf_netns_k ip addr add "198.18.$sf_netns_x.129/25" dev "$dev" || sf_netns_bad "$name: addr"
  sf_netns_k ip link set "$dev" up || sf_netns_bad "$name: up"
  sf_netns_k ip route replace "$SF_SYNFIN_IP/32" dev "$dev" \
    src "198.18.$sf_netns_x.129" || sf_netns_bad "$name: route"
  sf_netns_traffic "$name"
  wait "$pid" || sf_netns_bad "$name: tap_check exited non-zero"
  sf_netns_expect_common "$name" "$out"
  echo "$name: $(grep arp_replies "$out")"
}

run_case tap tap
[ "$(sf_netns_field arp_replies "$SF_TMP/tap.out")" -ge 1 ] 2>/dev/null || sf_netns_bad "tap: no ARP"
[ "$(sf_netns_field partial "$SF_TMP/tap.out")" = 0 ] || sf_netns_bad "tap: partial frames without vnet"
[ "$(sf_netns_field max_len "$SF_TMP/tap.out")" -le 1514 ] || sf_netns_bad "tap: frame over MTU"

run_case tap-vnet tap vnet
[ "$(sf_netns_field partial "$SF_TMP/tap-vnet.out")" -gt 0 ] || sf_netns_bad "tap-vnet: no NEEDS_CSUM frame"
[ "$(sf_netns_field gso "$SF_TMP/tap-vnet.out")" -gt 0 ] || sf_netns_bad "tap-vnet: no GSO frame"

run_case tun tun
grep -q "tun_arp=ok" "$SF_TMP/tun.out" || sf_netns_bad "tun: faked ARP reply"

run_case tun-vnet tun vnet
[ "$(sf_netns_field gso "$SF_TMP/tun-vnet.out")" -gt 0 ] || sf_netns_bad "tun-vnet: no GSO frame"

sf_netns_end "tap and tun links"
