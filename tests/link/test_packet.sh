#!/bin/sh
# The AF_PACKET link against the real kernel, over a veth pair between two
# private namespaces (tests/net/netns.sh). packet_check answers ARP, ping
# and one TCP connection with hand-built frames; the kernel side pings and
# sends 1 MB over TCP. Checks, for recvmmsg, the TPACKET_V3 ring and the
# TPACKET_V2 ring (its frames lent in place, and copied out by recv):
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
sf_netns_begin pkt "$check"

# run_case NAME ARGS...: responder in the synfin namespace, kernel traffic
run_case() {
  name=$1
  shift
  out=$SF_TMP/$name.out
  timeout 20 ip netns exec "$SF_NS_S" "$check" serve "$SF_IF_S" \
    "$SF_SYNFIN_IP" 10 untilfin "$@" >"$out" 2>&1 &
  pid=$!
  sf_netns_wait_ready "$out" 10
  sf_netns_k ip neigh flush dev "$SF_IF_K"
  sf_netns_traffic "$name"
  wait "$pid" || sf_netns_bad "$name: packet_check exited non-zero"
  sf_netns_expect_common "$name" "$out"
  echo "$name: $(sed -n '2p' "$out")"
  [ "$(sf_netns_field arp_replies "$out")" -ge 1 ] 2>/dev/null || sf_netns_bad "$name: arp replies"
}

# (a)-(c) with default offloads: partial checksums and GSO super-frames.
# ring2's super-frames do not fit its MTU-sized slots: they come whole
# through the socket's queue (PACKET_COPY_THRESH), in order.
for m in mmsg ring ring2-lend ring2-copy; do
  case $m in
    mmsg) set -- ;;
    ring) set -- ring ;;
    ring2-lend) set -- ring2 lend ;;
    ring2-copy) set -- ring2 ;;
  esac
  run_case "offload-$m" "$@"
  [ "$(sf_netns_field partial "$SF_TMP/offload-$m.out")" -gt 0 ] || sf_netns_bad "offload-$m: no NEEDS_CSUM frame"
  [ "$(sf_netns_field gso "$SF_TMP/offload-$m.out")" -gt 0 ] || sf_netns_bad "offload-$m: no GSO frame"
  [ "$(sf_netns_field max_len "$SF_TMP/offload-$m.out")" -gt 1514 ] || sf_netns_bad "offload-$m: no super-frame"
done

# A MAC override joins promiscuous mode; frames to that MAC still arrive.
run_case mac-override mac=02:53:46:00:00:01

# Offloads off: plain, complete frames only.
if sf_netns_offloads off; then
  for m in mmsg ring2-lend; do
    set --
    [ $m = ring2-lend ] && set -- ring2 lend
    run_case "nooffload-$m" "$@"
    out=$SF_TMP/nooffload-$m.out
    [ "$(sf_netns_field partial "$out")" = 0 ] || sf_netns_bad "nooffload-$m: partial frames"
    [ "$(sf_netns_field gso "$out")" = 0 ] || sf_netns_bad "nooffload-$m: GSO frames"
    [ "$(sf_netns_field max_len "$out")" -le 1514 ] || sf_netns_bad "nooffload-$m: frame over MTU"
  done
  sf_netns_offloads on
else
  echo "ethtool missing: offloads-off case not run"
fi

# (d) without CAP_NET_RAW.
if command -v setpriv >/dev/null 2>&1; then
  if ! sf_netns_s setpriv --inh-caps=-all --bounding-set=-net_raw \
    "$check" eperm "$SF_IF_S" >"$SF_TMP/eperm" 2>&1; then
    sf_netns_bad "eperm: open without CAP_NET_RAW"
  fi
  grep -q "operation not permitted" "$SF_TMP/eperm" || sf_netns_bad "eperm: strerror text"
  grep -q "AF_PACKET needs CAP_NET_RAW" "$SF_TMP/eperm" || sf_netns_bad "eperm: hint"
  cat "$SF_TMP/eperm"
else
  echo "setpriv missing: CAP_NET_RAW case not run"
fi

sf_netns_end "packet link"
