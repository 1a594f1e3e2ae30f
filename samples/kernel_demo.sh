#!/usr/bin/env bash
# synfin against the Linux kernel's TCP, narrated.
#
#   samples/kernel_demo.sh [BUILD_DIR]        (as root; BUILD_DIR: build)
#
# Makes a private test network (tests/net/netns.sh): two new network
# namespaces joined by a veth pair. The kernel end holds 198.18.3X.1/24
# and is an ordinary Linux host; the synfin end holds no kernel address:
# samples/lifecycle_server owns 198.18.3X.2 there through an AF_PACKET
# socket and prints each connection's lifecycle as it happens. From the
# kernel side it then runs, each step announced:
#   1. ping -c 2                 ARP and ICMP echo answered by synfin
#   2. curl (HTTP/1.0)           synfin closes first: synfin's TIME-WAIT
#   3. nc -N (echo, half-close)  the kernel closes first: the kernel's
#                                TIME-WAIT, shown by ss -tan
#   4. nc "quit"                 synfin closes first again, on request
# then waits for synfin's (shortened, 2 s) TIME-WAITs to end and shows the
# stack's counters. Lines marked "synfin |" come from the server, lines
# marked "kernel |" from the kernel's tools. Everything is removed at exit
# (also on failure or Ctrl-C). Exit status: 0 if every step worked, 1 if
# one failed, 77 if not root (or a tool is missing). Takes about 5 s.
# SF_NET_PCAP_DIR=dir leaves dir/kernel_demo.pcap (synfin's interface).

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-build}
[ -d "$builddir" ] || builddir=$top/$builddir
builddir=$(cd "$builddir" 2>/dev/null && pwd) || builddir=${1:-build}
server=$builddir/samples/lifecycle_server

skip() {
  echo "kernel_demo: SKIP: $*" >&2
  exit 77
}
[ "$(id -u)" = 0 ] ||
  skip "needs root (it creates network namespaces and opens a raw socket): sudo $0 ${1:-build}"
[ -x "$server" ] ||
  { echo "kernel_demo: $server is not built (run scripts/setup.sh first)" >&2; exit 1; }
for tool in ip ss ping curl nc timeout; do
  command -v $tool >/dev/null 2>&1 || skip "'$tool' not found (Debian: see scripts/setup.sh)"
done

# shellcheck source=tests/net/netns.sh
. "$top/tests/net/netns.sh"

failed=0
server_pid=
printer_pid=
tmp=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  # By process id only: the server (its timeout wrapper), then the printer.
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$printer_pid" ] && wait "$printer_pid" 2>/dev/null
  sf_netns_teardown
  [ -n "$tmp" ] && rm -rf "$tmp"
  return 0
}

step() { printf '\n\033[1m[%s] %s\033[0m\n' "$1" "$2" 2>/dev/null; }
[ -t 1 ] || step() { printf '\n[%s] %s\n' "$1" "$2"; }
note() { printf '    %s\n' "$*"; }
bad() {
  echo "kernel_demo: FAIL: $*"
  failed=1
}
# kernel CMD...: runs CMD in the kernel's namespace (at most 5 s), shows
# the command and its output live, keeps the output in $tmp/out.
kernel() {
  printf '  kernel $ %s\n' "$*"
  sf_netns_k timeout 5 "$@" >"$tmp/out" 2>&1
  local rc=$?
  sed 's/^/  kernel | /' "$tmp/out"
  return $rc
}
# kernel_sh 'PIPELINE': the same for a shell pipeline.
kernel_sh() {
  printf '  kernel $ %s\n' "$1"
  sf_netns_k timeout 5 sh -c "$1" >"$tmp/out" 2>&1
  local rc=$?
  sed 's/^/  kernel | /' "$tmp/out"
  return $rc
}
# Lets the server's lines of this step reach the screen before the next.
settle() { sleep 0.4; }

# ------------------------------------------------------------- the network
sf_netns_setup demo || { echo "kernel_demo: cannot build the topology" >&2; exit 1; }
trap cleanup EXIT
trap 'echo; echo "kernel_demo: interrupted"; exit 130' INT TERM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synfin-demo.XXXXXX") || exit 1
# Helper L's block of the test range: 198.18.30.0/24 .. 198.18.39.0/24.
x=$((30 + RANDOM % 10))
sf_netns_k ip addr flush dev "$SF_IF_K"
SF_KERNEL_IP=198.18.$x.1
SF_SYNFIN_IP=198.18.$x.2
sf_netns_k ip addr add "$SF_KERNEL_IP/24" dev "$SF_IF_K" || exit 1
port=8080

echo "synfin meets the Linux kernel"
note "kernel side: namespace $SF_NS_K, $SF_IF_K = $SF_KERNEL_IP/24 (Linux's own TCP/IP)"
note "synfin side: namespace $SF_NS_S, $SF_IF_S, no kernel address:"
note "             lifecycle_server owns $SF_SYNFIN_IP there through AF_PACKET"
note "TIME-WAIT is shortened to 2 s here (--msl-ms 1000); by default it lasts 60 s"

# -------------------------------------------------------------- the server
pcap=()
[ -n "${SF_NET_PCAP_DIR:-}" ] && pcap=(--pcap "$SF_NET_PCAP_DIR/kernel_demo.pcap")
# 3 connections (steps 2-4); TIME-WAIT 2 s instead of 60 s (--msl-ms).
# The log exists before tail opens it (the server's redirection may not).
: >"$tmp/server"
timeout 25 ip netns exec "$SF_NS_S" "$server" --device "$SF_IF_S" \
  --address "$SF_SYNFIN_IP/24" --port $port --count 3 --msl-ms 1000 \
  --deadline 20 "${pcap[@]}" >"$tmp/server" 2>&1 &
server_pid=$!
# The printer ignores INT and TERM (Ctrl-C reaches the whole process
# group): it ends with the server, after showing its last lines.
(
  trap '' INT TERM
  tail -s 0.1 -n +1 -f --pid=$server_pid "$tmp/server" 2>/dev/null |
    sed -u 's/^/  synfin | /'
) &
printer_pid=$!
for _ in $(seq 50); do
  grep -q listening "$tmp/server" && break
  kill -0 $server_pid 2>/dev/null || break
  sleep 0.1
done
grep -q listening "$tmp/server" || { bad "lifecycle_server did not start"; exit 1; }
settle

# ------------------------------------------------------------------ 1. ping
step 1/4 "ping: the kernel resolves synfin's MAC by ARP; synfin answers the echo requests"
kernel ping -c 2 -i 0.2 -W 2 "$SF_SYNFIN_IP" || bad "ping"
kernel ip neigh show dev "$SF_IF_K" || true
settle

# ------------------------------------------------------------------ 2. curl
step 2/4 "curl: HTTP over synfin's TCP. The server answers, then closes first -> synfin's TIME-WAIT"
kernel curl -sS --max-time 4 "http://$SF_SYNFIN_IP:$port/" || bad "curl"
grep -q "this page came from synfin" "$tmp/out" || bad "curl: no page"
settle

# ------------------------------------------------------------------- 3. nc
line="hello synfin, from the Linux TCP"
step 3/4 "nc -N: send a line, half-close (FIN), read the echo. The kernel closes first -> its TIME-WAIT"
kernel_sh "echo '$line' | nc -N -w 4 $SF_SYNFIN_IP $port" || bad "nc -N"
grep -qx "$line" "$tmp/out" || bad "nc -N: the line did not come back"
settle
note "the kernel's sockets: it closed first, so it keeps this one in TIME-WAIT (60 s):"
kernel ss -tan || true
grep -q "TIME-WAIT.*$SF_SYNFIN_IP:$port" "$tmp/out" || bad "no TIME-WAIT in the kernel's ss -tan"

# ------------------------------------------------------------------- 4. nc
step 4/4 "nc: send \"quit\" and keep reading. The server says bye and closes first"
kernel_sh "echo quit | nc -w 4 $SF_SYNFIN_IP $port" || bad "nc quit"
grep -qx "bye" "$tmp/out" || bad "nc quit: no bye"
settle

# ---------------------------------------------------------------- the end
echo
if [ $failed = 0 ]; then
  note "waiting for synfin's TIME-WAITs to expire; then the server prints its counters"
else
  note "stopping the server (a step failed); it prints its counters"
  kill -TERM "$server_pid" 2>/dev/null
fi
wait $server_pid
rc=$?
server_pid=
wait $printer_pid 2>/dev/null
printer_pid=
[ $rc = 0 ] || bad "lifecycle_server exited with status $rc"
[ -n "${SF_NET_PCAP_DIR:-}" ] && note "pcap of synfin's interface: $SF_NET_PCAP_DIR/kernel_demo.pcap"
echo
if [ $failed = 0 ]; then
  echo "kernel_demo: every step worked; cleaning up"
else
  echo "kernel_demo: some step failed (see FAIL above); cleaning up"
fi
exit $failed
