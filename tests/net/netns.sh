# Network namespace topology for tests that need a real kernel peer.
# Source it (". tests/net/netns.sh"); it is not a program.
#
# It never touches the root namespace's interfaces: both ends of the veth
# pair live in namespaces it creates, and sf_netns_teardown (run by an
# EXIT trap, also on failure) deletes them, which deletes the pair.
#
#   kernel side: namespace $SF_NS_K, interface $SF_IF_K = "vk",
#                address $SF_KERNEL_IP/24 (198.18.X.1), up
#   synfin side: namespace $SF_NS_S, interface $SF_IF_S = "vs",
#                no address, up; synfin answers for $SF_SYNFIN_IP (X.2)
#
# X is derived from the PID so parallel runs differ (they could share X
# safely anyway: the namespaces keep them apart).
#
# Functions:
#   sf_netns_require           exit 77 (skip) unless root with `ip netns`
#   sf_netns_setup TAG         build the topology, set the variables
#   sf_netns_k CMD...          run CMD in the kernel namespace
#   sf_netns_s CMD...          run CMD in the synfin namespace
#   sf_netns_offloads on|off   checksum/TSO/GSO/GRO on both veth ends
#   sf_netns_mtu N             MTU of both ends
#   sf_netns_loss PERCENT      random loss of the kernel's outgoing packets
#   sf_netns_teardown          delete both namespaces (idempotent)
#
# For the link tests that run a responder against kernel traffic:
#   sf_netns_begin TAG CHECK   require, check that CHECK is built, set up
#                              the topology, make $SF_TMP (removed at exit)
#   sf_netns_bad MSG           note a failure (sf_netns_end exits 1)
#   sf_netns_field NAME FILE   the value of NAME=... in a counters line
#   sf_netns_wait_ready FILE N wait up to N * 0.1 s for "ready" in FILE
#   sf_netns_traffic NAME      from the kernel side: ping -c 3 and 1 MB over
#                              TCP to port 7 of $SF_SYNFIN_IP
#   sf_netns_expect_common NAME FILE  echo replies >= 3, all 1 MB, no own
#                              frames, no checksum failures, no truncation
#   sf_netns_end WHAT          print PASS: WHAT unless failed; exit status

sf_netns_skip() {
  echo "SKIP: $*" >&2
  exit 77
}

sf_netns_require() {
  [ "$(id -u)" = 0 ] || sf_netns_skip "network namespace tests need root"
  command -v ip >/dev/null 2>&1 || sf_netns_skip "iproute2 'ip' not found"
  ip netns list >/dev/null 2>&1 || sf_netns_skip "'ip netns' unavailable"
}

sf_netns_teardown() {
  [ -n "${SF_NS_K:-}" ] && ip netns del "$SF_NS_K" 2>/dev/null
  [ -n "${SF_NS_S:-}" ] && ip netns del "$SF_NS_S" 2>/dev/null
  [ -n "${SF_TMP:-}" ] && rm -rf "$SF_TMP"
  SF_NS_K= SF_NS_S= SF_TMP=
  return 0
}

sf_netns_k() { ip netns exec "$SF_NS_K" "$@"; }
sf_netns_s() { ip netns exec "$SF_NS_S" "$@"; }

sf_netns_setup() {
  tag=${1:-test}
  sf_netns_require
  SF_NS_K=synfin-$tag-k-$$
  SF_NS_S=synfin-$tag-s-$$
  SF_IF_K=vk
  SF_IF_S=vs
  sf_netns_x=$(($$ % 250 + 1))
  SF_KERNEL_IP=198.18.$sf_netns_x.1
  SF_SYNFIN_IP=198.18.$sf_netns_x.2
  trap 'sf_netns_teardown' EXIT
  trap 'exit 130' INT TERM
  ip netns add "$SF_NS_K" || sf_netns_skip "cannot create a namespace"
  ip netns add "$SF_NS_S" || sf_netns_skip "cannot create a namespace"
  # Created inside the kernel namespace, the synfin end then moved: the
  # pair never appears in the root namespace.
  ip -n "$SF_NS_K" link add "$SF_IF_K" type veth peer name "$SF_IF_S" || return 1
  ip -n "$SF_NS_K" link set "$SF_IF_S" netns "$SF_NS_S" || return 1
  for ns in "$SF_NS_K" "$SF_NS_S"; do
    # No IPv6 chatter (router solicitations, DAD) on the wire under test.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
    ip -n "$ns" link set lo up
  done
  ip -n "$SF_NS_K" addr add "$SF_KERNEL_IP/24" dev "$SF_IF_K" || return 1
  ip -n "$SF_NS_K" link set "$SF_IF_K" up || return 1
  ip -n "$SF_NS_S" link set "$SF_IF_S" up || return 1
  SF_SYNFIN_MAC=$(ip -n "$SF_NS_S" -o link show "$SF_IF_S" |
    sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  export SF_NS_K SF_NS_S SF_IF_K SF_IF_S SF_KERNEL_IP SF_SYNFIN_IP SF_SYNFIN_MAC
}

sf_netns_offloads() {
  command -v ethtool >/dev/null 2>&1 || { echo "no ethtool" >&2; return 1; }
  for side in "$SF_NS_K:$SF_IF_K" "$SF_NS_S:$SF_IF_S"; do
    ip netns exec "${side%%:*}" ethtool -K "${side#*:}" tx "$1" sg "$1" \
      tso "$1" gso "$1" gro "$1" >/dev/null 2>&1 || return 1
  done
}

sf_netns_mtu() {
  ip -n "$SF_NS_K" link set "$SF_IF_K" mtu "$1" &&
    ip -n "$SF_NS_S" link set "$SF_IF_S" mtu "$1"
}

sf_netns_loss() {
  command -v iptables >/dev/null 2>&1 || { echo "no iptables" >&2; return 1; }
  prob=$(awk "BEGIN { printf \"%.4f\", $1 / 100 }")
  sf_netns_k iptables -A OUTPUT -o "$SF_IF_K" -m statistic --mode random \
    --probability "$prob" -j DROP
}

sf_netns_fail=0

sf_netns_begin() {
  sf_netns_require
  [ -x "$2" ] || { echo "FAIL: $2 not built"; exit 1; }
  command -v python3 >/dev/null 2>&1 || sf_netns_skip "python3 not found"
  sf_netns_setup "$1" || { echo "FAIL: topology"; exit 1; }
  SF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-$1.XXXXXX") || exit 1
}

sf_netns_bad() {
  echo "FAIL: $*"
  sf_netns_fail=1
}

sf_netns_field() {
  sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^$1=\([0-9]*\).*/\1/p" "$2" | head -1
}

sf_netns_wait_ready() {
  sf_netns_i=0
  while [ $sf_netns_i -lt "$2" ]; do
    grep -q ready "$1" 2>/dev/null && return 0
    sleep 0.1
    sf_netns_i=$((sf_netns_i + 1))
  done
  return 0
}

sf_netns_traffic() {
  if ! sf_netns_k timeout 10 ping -c 3 -i 0.2 -W 2 "$SF_SYNFIN_IP" \
    >"$SF_TMP/$1.ping" 2>&1; then
    sf_netns_bad "$1: ping through synfin's replies"
    cat "$SF_TMP/$1.ping"
  fi
  sf_netns_k timeout 10 python3 -c "
import socket
s = socket.create_connection(('$SF_SYNFIN_IP', 7), timeout=5)
s.sendall(b'x' * 1000000)
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
s.recv(1)
" >"$SF_TMP/$1.py" 2>&1 || { sf_netns_bad "$1: kernel TCP send"; cat "$SF_TMP/$1.py"; }
}

sf_netns_expect_common() {
  [ "$(sf_netns_field echo_replies "$2")" -ge 3 ] 2>/dev/null || sf_netns_bad "$1: echo replies"
  [ "$(sf_netns_field tcp_bytes "$2")" = 1000000 ] || sf_netns_bad "$1: tcp bytes"
  [ "$(sf_netns_field own "$2")" = 0 ] || sf_netns_bad "$1: own frames received back"
  [ "$(sf_netns_field bad_csum "$2")" = 0 ] || sf_netns_bad "$1: checksum failures"
  [ "$(sf_netns_field rx_truncated "$2")" = 0 ] || sf_netns_bad "$1: truncated frames"
}

sf_netns_end() {
  [ $sf_netns_fail = 0 ] && echo "PASS: $*"
  exit $sf_netns_fail
}
