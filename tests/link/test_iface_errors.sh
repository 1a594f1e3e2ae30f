#!/bin/sh
# Opening an AF_PACKET interface refuses, with a sentence that says what
# to do, a device that is down, a device on which the kernel owns the
# same address, and a process without CAP_NET_RAW; and opens once each
# is put right. On the synfin end of a private veth pair
# (tests/net/netns.sh). Needs root and `ip netns` (else exit 77). Run
# from the build directory.

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

if command -v setpriv >/dev/null 2>&1; then
  refused no-cap-net-raw EPERM "no CAP_NET_RAW" \
    setpriv --bounding-set=-net_raw --inh-caps=-net_raw
else
  echo "no setpriv (util-linux): the CAP_NET_RAW case is not run"
fi

sf_netns_end "interface errors on real devices"
