#!/bin/sh
# 100 MB each way between synfin (tests/net/sf_bulk on an AF_PACKET
# interface) and the Linux kernel's TCP (python3 from netns.sh's
# sf_netns_kpeer), over a veth pair between two private namespaces. Every
# transfer compares the SHA-256 (and length) of what the sender sent with
# what the receiver got:
#   (1) default offloads (the kernel hands synfin partial checksums and
#       GSO super-frames), MTU 1500 and 9000
#   (2) offloads off (tx/rx checksums, sg, TSO, GSO, GRO) on both ends,
#       MTU 1500 and 9000
#   synfin receives through its default, the TPACKET_V2 ring (frames
#   read in their ring slots; with offloads the super-frames come through
#   the socket's queue); (1) and (2) again into synfin with recvmmsg
#   (--mmsg), and with offloads off also synfin->kernel (the ACKs
#   through recvmmsg)
#   (3) impaired: 1% random loss of the kernel's packets (iptables
#       statistic) and, at synfin's interface in both directions, 10 ms
#       delay, 1% reordering (up to 2 ms more), 0.5% duplication and
#       0.05% loss (synfin's fault middleware)
# Each process is bounded by `timeout`, the whole run by a deadline.
# SF_NET_SCALE=N (opt-in, for slow machines) divides the impaired
# transfers' size by N and says so; by default, also in sanitizer builds
# (measured: the impaired runs are bound by the RTT, not the CPU), every
# transfer moves the full 100 MB. The run takes about 45-60 s.
# With SF_NET_PCAP_DIR set, synfin's interface is recorded there (large).
# Needs root and `ip netns` (else exit 77). Run from the build directory.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
bulk=./tests/net/sf_bulk
sf_netns_begin bulk "$bulk"
sf_netns_readdress 20 29 || { echo "FAIL: addresses"; exit 1; }
sf_netns_kpeer "$SF_TMP/kpeer.py"

BYTES=100000000
scale=${SF_NET_SCALE:-1}
IMP_BYTES=$((BYTES / scale))
[ "$scale" != 1 ] &&
  echo "NOTE: SF_NET_SCALE=$scale: impaired transfers move $IMP_BYTES bytes, not $BYTES"
grep -q 'enable-sanitizers' config.log 2>/dev/null &&
  echo "NOTE: sanitizer build (the impaired runs are bound by RTT, not CPU: full size)"

start=$(date +%s)
DEADLINE=${SF_NET_DEADLINE:-600} # whole script, seconds
port=5100

sha_of() { sed -n 's/^result .*sha256=\([0-9a-f-]*\).*/\1/p' "$1" | head -1; }
bytes_of() { sed -n 's/^result .*bytes=\([0-9]*\).*/\1/p' "$1" | head -1; }
field_of() { sed -n "s/^$1 .*$2=\([0-9.]*\).*/\1/p" "$3" | head -1; }

check_time() {
  if [ $(($(date +%s) - start)) -gt "$DEADLINE" ]; then
    sf_netns_bad "global deadline of $DEADLINE s passed"
    sf_netns_end "bulk transfers"
  fi
}

pcap_opt() {
  [ -n "${SF_NET_PCAP_DIR:-}" ] && echo "--pcap $SF_NET_PCAP_DIR/bulk-$1.pcap"
}

# compare NAME SENDER_OUT RECEIVER_OUT N: same length N and SHA-256
compare() {
  cs=$(sha_of "$2") cr=$(sha_of "$3")
  sb=$(bytes_of "$2") rb=$(bytes_of "$3")
  if [ -z "$cs" ] || [ "$cs" != "$cr" ] || [ "$sb" != "$4" ] || [ "$rb" != "$4" ]; then
    sf_netns_bad "$1: sent $sb bytes sha256 $cs, received $rb bytes sha256 $cr"
    echo "--- sender"; cat "$2"; echo "--- receiver"; cat "$3"
    return 1
  fi
  return 0
}

# to_kernel NAME BYTES TMO [sf_bulk options]: synfin sends, kernel receives
to_kernel() {
  name=$1 n=$2 tmo=$3
  shift 3
  port=$((port + 1))
  k=$SF_TMP/$name.k s=$SF_TMP/$name.s
  sf_netns_k timeout "$tmo" python3 "$SF_TMP/kpeer.py" recv $port >"$k" 2>&1 &
  kp=$!
  sf_netns_wait_ready "$k" 50
  # shellcheck disable=SC2046
  sf_netns_s timeout "$tmo" "$bulk" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" --deadline "$tmo" $(pcap_opt "$name") "$@" \
    send "$SF_KERNEL_IP" $port "$n" >"$s" 2>&1
  src=$?
  wait $kp
  krc=$?
  [ $src = 0 ] || sf_netns_bad "$name: sf_bulk send exited $src"
  [ $krc = 0 ] || sf_netns_bad "$name: kernel receiver exited $krc"
  compare "$name" "$s" "$k" "$n" &&
    echo "ok   $name: $(field_of result elapsed_ms "$s") ms," \
      "$(field_of result mbit_s "$s") Mbit/s, synfin retransmits" \
      "$(field_of result retransmits "$s")"
  check_time
}

# to_synfin NAME BYTES TMO [sf_bulk options]: kernel sends, synfin receives
to_synfin() {
  name=$1 n=$2 tmo=$3
  shift 3
  port=$((port + 1))
  k=$SF_TMP/$name.k s=$SF_TMP/$name.s
  # shellcheck disable=SC2046
  sf_netns_s timeout "$tmo" "$bulk" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" --deadline "$tmo" $(pcap_opt "$name") "$@" \
    recv $port >"$s" 2>&1 &
  sp=$!
  sf_netns_wait_ready "$s" 50
  sf_netns_k timeout "$tmo" python3 "$SF_TMP/kpeer.py" send "$SF_SYNFIN_IP" \
    $port "$n" 7 >"$k" 2>&1
  krc=$?
  wait $sp
  src=$?
  [ $src = 0 ] || sf_netns_bad "$name: sf_bulk recv exited $src"
  [ $krc = 0 ] || sf_netns_bad "$name: kernel sender exited $krc"
  compare "$name" "$k" "$s" "$n" &&
    echo "ok   $name: $(field_of result elapsed_ms "$s") ms," \
      "$(field_of result mbit_s "$s") Mbit/s, rx frames" \
      "$(field_of iface rx_frames "$s")"
}

# both NAME BYTES TMO [options]: one transfer each way
both() {
  b_name=$1 b_n=$2 b_tmo=$3 # to_kernel sets name, n and tmo
  shift 3
  to_kernel "$b_name-to-kernel" "$b_n" "$b_tmo" "$@"
  to_synfin "$b_name-to-synfin" "$b_n" "$b_tmo" "$@"
}

offloads() { # on|off, also rx checksumming (sf_netns_offloads leaves it)
  sf_netns_offloads "$1" || return 1
  sf_netns_k ethtool -K "$SF_IF_K" rx "$1" >/dev/null 2>&1
  sf_netns_s ethtool -K "$SF_IF_S" rx "$1" >/dev/null 2>&1
  return 0
}

# (1) default offloads
for mtu in 1500 9000; do
  sf_netns_mtu $mtu || sf_netns_bad "mtu $mtu"
  both "offload-$mtu" $BYTES 60
  # The kernel's TSO/GSO reach synfin as super-frames: far fewer frames
  # than MSS-sized segments would need.
  to_synfin "offload-$mtu-mmsg-to-synfin" $BYTES 60 --mmsg
  for c in offload-$mtu offload-$mtu-mmsg; do
    rx=$(field_of iface rx_frames "$SF_TMP/$c-to-synfin.s")
    [ -n "$rx" ] && [ "$rx" -lt $((BYTES / (mtu - 52) / 2)) ] ||
      sf_netns_bad "$c: $rx frames, no GSO super-frames?"
  done
done

# (2) offloads off
if offloads off; then
  for mtu in 1500 9000; do
    sf_netns_mtu $mtu || sf_netns_bad "mtu $mtu"
    both "nooffload-$mtu" $BYTES 60
    both "nooffload-$mtu-mmsg" $BYTES 60 --mmsg
    for c in nooffload-$mtu nooffload-$mtu-mmsg; do
      rx=$(field_of iface rx_frames "$SF_TMP/$c-to-synfin.s")
      [ -n "$rx" ] && [ "$rx" -ge $((BYTES / (mtu - 40))) ] ||
        sf_netns_bad "$c: $rx frames, fewer than MTU-sized"
    done
  done
  offloads on
else
  echo "ethtool missing: offloads-off cases not run"
fi

# (3) impaired, MTU 1500, default offloads
sf_netns_mtu 1500
if sf_netns_loss 1; then
  set -- --fault-seed $$ --delay-ms 10 --reorder 10000 --reorder-ms 2 \
    --dup 5000 --loss 500
  to_kernel impaired-to-kernel $IMP_BYTES 150 "$@"
  to_synfin impaired-to-synfin $IMP_BYTES 150 "$@"
  for f in "$SF_TMP"/impaired-*.s; do
    echo "     $(basename "$f" .s): $(sed -n 's/^counters //p' "$f" |
      tr ' ' '\n' | grep -E 'retrans|rto|spurious|ooo|dup' | tr '\n' ' ')"
  done
else
  sf_netns_bad "iptables statistic loss unavailable"
fi

echo "runtime $(($(date +%s) - start)) s"
sf_netns_end "bulk transfers"
