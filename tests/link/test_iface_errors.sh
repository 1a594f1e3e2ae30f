#!/bin/sh
# Opening an AF_PACKET interface refuses, with a sentence that says what
# to do, a device that is down, a device on which the kernel owns the
# same address, and a process without CAP_NET_RAW; and opens once each
# is put right. A kernel that refuses the default receive ring leaves the
# interface on recvmmsg, not unopened. On the synfin end of a private
# veth pair (tests/net/netns.sh). Needs root and `ip netns` (else exit
# 77). Run from the build directory.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
check=./tests/link/open_check
sf_netns_begin iferr "$check"
dev=$SF_IF_S
addr=$SF_SYNFIN_IP/24

# opens NAME: open_check opens the device.
opens() {
  out=$(sf_netns_s "$check" "$dev" "$addr" 2>&1)
  [ "$out" = opened ] || sf_netns_bad "$1: not opened: $out"
}

# refused NAME CODE TEXT [PREFIX...]: open_check (run through PREFIX)
# fails with CODE, and the sentence holds TEXT.
refused() {
  name=$1 code=$2 text=$3
  shift 3
  out=$(sf_netns_s "$@" "$check" "$dev" "$addr" 2>&1)
  case $out in
  "$code: "*"$text"*) echo "$name: $out" ;;
  *) sf_netns_bad "$name: expected $code and \"$text\", got: $out" ;;
  esac
}

opens "up, no kernel address"

sf_netns_s ip link set "$dev" down
refused down ENETDOWN "device $dev is down: bring it up with \`ip link set $dev up\`"
sf_netns_s ip link set "$dev" up
opens "up again"

sf_netns_s ip addr add "$addr" dev "$dev"
refused kernel-address EADDRINUSE "the kernel owns $addr there"
refused kernel-address-fix EADDRINUSE "\`ip addr del $addr dev $dev\`"
sf_netns_s ip addr del "$addr" dev "$dev"
opens "kernel address removed"

# The kernel refusing the default receive ring (no memory for it; here a
# preloaded shim fails PACKET_RX_RING): the default attachment falls back
# to recvmmsg and opens, while the ring asked for by name is refused.
shim=./tests/link/.libs/librefuse_ring.so
if [ -f "$shim" ]; then
  log=$SF_TMP/refused
  # the sanitizer build's runtime need not come first for this shim
  asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
  refusing() {
    sf_netns_s env LD_PRELOAD="$shim" SF_REFUSE_RING_LOG="$log" \
      ASAN_OPTIONS="$asan" "$check" "$dev" "$addr" "$@" 2>&1
  }
  out=$(refusing)
  [ "$out" = opened ] || sf_netns_bad "ring refused, default: not opened: $out"
  grep -q "refused PACKET_RX_RING" "$log" 2>/dev/null ||
    sf_netns_bad "ring refused, default: no ring was asked for"
  out=$(refusing v2)
  case $out in
  ENOMEM:*) echo "ring refused, asked for by name: $out" ;;
  *) sf_netns_bad "ring refused, asked for by name: expected ENOMEM, got: $out" ;;
  esac
  out=$(refusing mmsg)
  [ "$out" = opened ] || sf_netns_bad "ring refused, recvmmsg asked for: not opened: $out"
else
  sf_netns_bad "no $shim: build it (make check builds it)"
fi
opens "after the ring cases"
out=$(sf_netns_s "$check" "$dev" "$addr" 7 2>&1)
case $out in
"EINVAL: options->ring is -1"*) echo "unknown receive method: $out" ;;
*) sf_netns_bad "unknown receive method: expected EINVAL, got: $out" ;;
esac

if command -v setpriv >/dev/null 2>&1; then
  refused no-cap-net-raw EPERM "no CAP_NET_RAW" \
    setpriv --bounding-set=-net_raw --inh-caps=-net_raw
else
  echo "no setpriv (util-linux): the CAP_NET_RAW case is not run"
fi

sf_netns_end "interface errors on real devices"
