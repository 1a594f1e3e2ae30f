#!/bin/sh
# synfin on the classic attachments, through the public constructors
# sf_iface_open_tap and sf_iface_open_tun, against the kernel's TCP in the
# same private namespace (the kernel owns the device's other side):
#   for each of tap and tun: synfin (tests/net/sf_peer --kind) opens the
#   device, the kernel gives it an address, pings synfin, and a kernel
#   client sends 200 kB through synfin's echo server and half-closes;
#   both sides' SHA-256 must match and the close must be graceful.
# Needs root (else exit 77). Every process runs under `timeout`.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
[ -c /dev/net/tun ] || sf_netns_skip "no /dev/net/tun"
peer=${builddir:-.}/tests/net/sf_peer
sf_netns_begin ktap "$peer"

# one KIND NET: synfin at NET.2 on a KIND device, the kernel at NET.1.
one() {
  kind=$1 net=$2 dev=sf$1$$
  out=$SF_TMP/$kind.out
  sf_netns_k timeout 60 "$peer" --kind "$kind" --device "$dev" \
    --address "$net.2/24" --msl 250 --deadline 45 \
    $(sf_netns_pcap_arg "tap-$kind") echo-server 7 --count 1 >"$out" 2>&1 &
  spid=$!
  sf_netns_wait_for "$out" '^ready' 300 || { sf_netns_bad "$kind: not ready"; cat "$out"; return; }
  sf_netns_k ip addr add "$net.1/24" dev "$dev" &&
    sf_netns_k ip link set "$dev" up || sf_netns_bad "$kind: kernel address"
  sf_netns_k timeout 10 ping -c 2 -i 0.2 -W 2 "$net.2" >"$SF_TMP/ping" 2>&1 ||
    sf_netns_bad "$kind: ping to synfin"
  kc=$SF_TMP/$kind.client
  sf_netns_ktcp 30 client "$net.2" 7 200000 >"$kc" 2>&1 ||
    sf_netns_bad "$kind: kernel client"
  wait "$spid" || sf_netns_bad "$kind: synfin echo server exited non-zero"
  sent=$(sed -n 's/^sent 200000 sha256 //p' "$kc")
  back=$(sed -n 's/^received 200000 sha256 //p' "$kc")
  [ -n "$sent" ] && [ "$sent" = "$back" ] ||
    sf_netns_bad "$kind: echo differs (sent $sent, back $back)"
  grep -q "state LAST-ACK CLOSED" "$out" ||
    sf_netns_bad "$kind: no graceful close"
  [ $sf_netns_fail = 0 ] || cat "$out" "$kc"
  echo "$kind: ok ($(grep -c . "$out") lines from synfin)"
}

x=$((40 + $$ % 5))
one tap "198.18.$x"
one tun "198.18.$((x + 5))"
sf_netns_end "tap and tun against the kernel"
