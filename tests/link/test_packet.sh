#!/bin/sh
# The AF_PACKET link against the real kernel, over a veth pair between two
# private namespaces (tests/net/netns.sh). packet_check answers ARP, ping
# and one TCP connection with hand-built frames; the kernel side pings and
# sends 1 MB over TCP. Checks, for recvmmsg and the TPACKET_V3 ring:
#   (a) ARP + `ping -c 3` succeed through synfin's answers
#   (b) with default offloads, TCP frames arrive with NEEDS_CSUM metadata
#       and as GSO super-frames (> MTU + 14), all 1 MB arrives, and no
#       checksum was wrongly verified; with offloads off, none of that
#   (c) our own transmissions are never received back (own=0), also with
#       a MAC override (promiscuous membership)
#   (d) without CAP_NET_RAW, open fails with SF_EPERM and the hint
# Needs root and `ip netns` (else exit 77). Each step is time-bounded.
# Run from the build directory, as `make check` does.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require

check=./tests/link/packet_check
[ -x "$check" ] || { echo "FAIL: $check not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || sf_netns_skip "python3 not found"

sf_netns_setup pkt || { echo "FAIL: topology"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-packet.XXXXXX") || exit 1
trap 'sf_netns_teardown; rm -rf "$tmp"' EXIT

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# field NAME FILE: the value of NAME=... in the counters line
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^$1=\([0-9]*\).*/\1/p" "$2" | head -1; }

# run_case NAME ARGS...: responder in the synfin namespace, kernel traffic
run_case() {
  name=$1
  shift
  out=$tmp/$name.out
  timeout 20 ip netns exec "$SF_NS_S" "$check" serve "$SF_IF_S" \
    "$SF_SYNFIN_IP" 10 untilfin "$@" >"$out" 2>&1 &
  pid=$!
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -q ready "$out" 2>/dev/null && break
    sleep 0.1
  done
  sf_netns_k ip neigh flush dev "$SF_IF_K"
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
  wait "$pid" || bad "$name: packet_check exited non-zero"
  echo "$name: $(sed -n '2p' "$out")"
  [ "$(field echo_replies "$out")" -ge 3 ] 2>/dev/null || bad "$name: echo replies"
  [ "$(field arp_replies "$out")" -ge 1 ] 2>/dev/null || bad "$name: arp replies"
  [ "$(field tcp_bytes "$out")" = 1000000 ] || bad "$name: tcp bytes"
  [ "$(field own "$out")" = 0 ] || bad "$name: own frames received back"
  [ "$(field bad_csum "$out")" = 0 ] || bad "$name: checksum failures"
  [ "$(field rx_truncated "$out")" = 0 ] || bad "$name: truncated frames"
}

# (a)-(c) with default offloads: partial checksums and GSO super-frames.
for m in mmsg ring; do
  arg=
  [ $m = ring ] && arg=ring
  run_case "offload-$m" $arg
  [ "$(field partial "$tmp/offload-$m.out")" -gt 0 ] || bad "offload-$m: no NEEDS_CSUM frame"
  [ "$(field gso "$tmp/offload-$m.out")" -gt 0 ] || bad "offload-$m: no GSO frame"
  [ "$(field max_len "$tmp/offload-$m.out")" -gt 1514 ] || bad "offload-$m: no super-frame"
done

# A MAC override joins promiscuous mode; frames to that MAC still arrive.
run_case mac-override mac=02:53:46:00:00:01

# Offloads off: plain, complete frames only.
if sf_netns_offloads off; then
  run_case nooffload
  [ "$(field partial "$tmp/nooffload.out")" = 0 ] || bad "nooffload: partial frames"
  [ "$(field gso "$tmp/nooffload.out")" = 0 ] || bad "nooffload: GSO frames"
  [ "$(field max_len "$tmp/nooffload.out")" -le 1514 ] || bad "nooffload: frame over MTU"
  sf_netns_offloads on
else
  echo "ethtool missing: offloads-off case not run"
fi

# (d) without CAP_NET_RAW.
if command -v setpriv >/dev/null 2>&1; then
  if ! sf_netns_s setpriv --inh-caps=-all --bounding-set=-net_raw \
    "$check" eperm "$SF_IF_S" >"$tmp/eperm" 2>&1; then
    bad "eperm: open without CAP_NET_RAW"
  fi
  grep -q "operation not permitted" "$tmp/eperm" || bad "eperm: strerror text"
  grep -q "AF_PACKET needs CAP_NET_RAW" "$tmp/eperm" || bad "eperm: hint"
  cat "$tmp/eperm"
else
  echo "setpriv missing: CAP_NET_RAW case not run"
fi

[ $fail = 0 ] && echo "PASS: packet link"
exit $fail
