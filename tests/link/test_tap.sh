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

check=./tests/link/tap_check
[ -x "$check" ] || { echo "FAIL: $check not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || sf_netns_skip "python3 not found"
[ -c /dev/net/tun ] || sf_netns_skip "/dev/net/tun missing"

sf_netns_setup tap || { echo "FAIL: topology"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-tap.XXXXXX") || exit 1
trap 'sf_netns_teardown; rm -rf "$tmp"' EXIT

fail=0
bad() { echo "FAIL: $*"; fail=1; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^$1=\([0-9]*\).*/\1/p" "$2" | head -1; }

# run_case NAME MODE ARGS...: the device lives in the kernel namespace.
run_case() {
  name=$1 mode=$2
  shift 2
  dev=sf$mode$$
  dev=$(echo "$dev" | cut -c1-15)
  out=$tmp/$name.out
  timeout 20 ip netns exec "$SF_NS_K" "$check" serve "$mode" "$dev" \
    "$SF_SYNFIN_IP" 10 untilfin "$@" >"$out" 2>&1 &
  pid=$!
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    grep -q ready "$out" 2>/dev/null && break
    sleep 0.1
  done
  sf_netns_k ip addr add "198.18.$sf_netns_x.129/25" dev "$dev" || bad "$name: addr"
  sf_netns_k ip link set "$dev" up || bad "$name: up"
  sf_netns_k ip route replace "$SF_SYNFIN_IP/32" dev "$dev" \
    src "198.18.$sf_netns_x.129" || bad "$name: route"
  if ! sf_netns_k timeout 10 ping -c 3 -i 0.2 -W 2 "$SF_SYNFIN_IP" \
    >"$tmp/$name.ping" 2>&1; then
    bad "$name: ping through synfin's replies"
    cat "$tmp/$name.ping"
  fi
  sf_netns_k timeout 10 python3 -c "
import socket
s = socket.create_connection(('$SF_SYNFIN_IP', 7), timeout=5)
s.sendall(b'x' * 1000000)
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
s.recv(1)
" >"$tmp/$name.py" 2>&1 || { bad "$name: kernel TCP send"; cat "$tmp/$name.py"; }
  wait "$pid" || bad "$name: tap_check exited non-zero"
  echo "$name: $(grep arp_replies "$out")"
  [ "$(field echo_replies "$out")" -ge 3 ] 2>/dev/null || bad "$name: echo replies"
  [ "$(field tcp_bytes "$out")" = 1000000 ] || bad "$name: tcp bytes"
  [ "$(field own "$out")" = 0 ] || bad "$name: own frames received back"
  [ "$(field bad_csum "$out")" = 0 ] || bad "$name: checksum failures"
  [ "$(field rx_truncated "$out")" = 0 ] || bad "$name: truncated frames"
}

run_case tap tap
[ "$(field arp_replies "$tmp/tap.out")" -ge 1 ] 2>/dev/null || bad "tap: no ARP"
[ "$(field partial "$tmp/tap.out")" = 0 ] || bad "tap: partial frames without vnet"
[ "$(field max_len "$tmp/tap.out")" -le 1514 ] || bad "tap: frame over MTU"

run_case tap-vnet tap vnet
[ "$(field partial "$tmp/tap-vnet.out")" -gt 0 ] || bad "tap-vnet: no NEEDS_CSUM frame"
[ "$(field gso "$tmp/tap-vnet.out")" -gt 0 ] || bad "tap-vnet: no GSO frame"

run_case tun tun
grep -q "tun_arp=ok" "$tmp/tun.out" || bad "tun: faked ARP reply"

run_case tun-vnet tun vnet
[ "$(field gso "$tmp/tun-vnet.out")" -gt 0 ] || bad "tun-vnet: no GSO frame"

[ $fail = 0 ] && echo "PASS: tap and tun links"
exit $fail
