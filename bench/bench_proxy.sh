#!/bin/sh
# sfproxy against haproxy (one thread, mode tcp, on kernel TCP) in the
# same test network (tests/net/netns.sh): the kernel namespace holds the
# client and the upstream (programs/sfproxy_peer.py); the proxy runs in
# the other namespace, sfproxy on AF_PACKET owning $SF_SYNFIN_IP, haproxy
# on a kernel address (the same one, given to the veth end for its runs).
#   conn/s   N connections, 100 at once, each sends 100 bytes and
#            half-closes; the upstream answers "got 100 bytes" and closes
#   bulk     BYTES client -> upstream through the proxy, Mbit/s measured
#            by the client until the upstream's answer
# Medians of RUNS runs, then the ratios sfproxy/haproxy. Never asserted.
# Needs root; installs haproxy (Debian package) if missing. Run from the
# build directory (programs/sfproxy built):
#   sh /path/to/bench/bench_proxy.sh [RUNS] [N] [BYTES]
#   sh /path/to/bench/bench_proxy.sh --smoke   (1 run, small loads)
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
if [ "${1:-}" = --smoke ]; then
  runs=1 n=300 bytes=20000000
else
  runs=${1:-3} n=${2:-3000} bytes=${3:-300000000}
fi
proxy=./programs/sfproxy
[ -x "$proxy" ] || { echo "build $proxy first (make)"; exit 1; }
sf_netns_require
if ! command -v haproxy >/dev/null 2>&1; then
  echo "installing haproxy (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null ||
    { echo "haproxy could not be installed"; exit 1; }
fi
sf_netns_setup bproxy || exit 1
sf_netns_readdress 30 39 || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-proxy.XXXXXX") || exit 1
trap 'stop_all; sf_netns_teardown; rm -rf "$T"' EXIT
peer="python3 $srcdir/programs/sfproxy_peer.py"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
pid_of() { sed -n 's/^ready pid \([0-9]*\)$/\1/p' "$1"; }

stop_all() {
  for f in "$T"/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  rm -f "$T"/*.pid
  wait 2>/dev/null
}

upstream() {
  sf_netns_k timeout 600 $peer server 9000 answer >"$T/up.out" 2>&1 &
  sf_netns_wait_for "$T/up.out" '^ready' 100 || { echo "upstream not ready"; exit 1; }
  pid_of "$T/up.out" >"$T/up.pid"
}

start_sfproxy() {
  sf_netns_s timeout 600 "$proxy" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" --listen 8080 --max-conns 100000 \
    --upstream "$SF_KERNEL_IP:9000" >"$T/proxy.out" 2>&1 &
  sf_netns_wait_for "$T/proxy.out" '^ready' 100 || { echo "sfproxy not ready"; exit 1; }
  sed -n 's/^ready: .*, pid \([0-9]*\)$/\1/p' "$T/proxy.out" >"$T/proxy.pid"
}

start_haproxy() {
  sf_netns_s_kernel_addr add || exit 1
  cat >"$T/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 8000
  pidfile $T/haproxy.pid
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen relay
  bind $SF_SYNFIN_IP:8080
  server up $SF_KERNEL_IP:9000
CFG
  sf_netns_s haproxy -D -f "$T/haproxy.cfg" || { echo "haproxy failed"; exit 1; }
  sleep 0.5
}

stop_proxy() {
  [ -f "$T/proxy.pid" ] && kill "$(cat "$T/proxy.pid")" 2>/dev/null
  [ -f "$T/haproxy.pid" ] && kill "$(cat "$T/haproxy.pid")" 2>/dev/null
  rm -f "$T/proxy.pid" "$T/haproxy.pid"
  sleep 1
}

# measure NAME: RUNS runs of each load against the proxy now listening
measure() {
  for _ in $(seq "$runs"); do
    sf_netns_k timeout 120 $peer client "$SF_SYNFIN_IP" 8080 many-answer \
      "$n" 100 | sed -n 's/.*conn_s=\([0-9]*\).*/\1/p' >>"$T/$1.conns"
    sf_netns_k timeout 120 $peer client "$SF_SYNFIN_IP" 8080 send "$bytes" |
      sed -n 's/.*mbit_s=\([0-9.]*\).*/\1/p' >>"$T/$1.bulk"
  done
  echo "$1: conn/s $(median <"$T/$1.conns"), bulk $(median <"$T/$1.bulk") Mbit/s"
}

upstream
start_sfproxy
measure sfproxy
stop_proxy
start_haproxy
measure haproxy
stop_proxy
sf_netns_s_kernel_addr del
echo "ratio sfproxy/haproxy: conn/s $(ratio "$(median <"$T/sfproxy.conns")" \
  "$(median <"$T/haproxy.conns")"), bulk $(ratio "$(median <"$T/sfproxy.bulk")" \
  "$(median <"$T/haproxy.bulk")")"
