#!/bin/sh
# Memory per idle established connection, synfin's echo server alone: the
# method of bench/README.md ("Memory per idle established connection").
# sf_peer's lean echo server (--no-hash) in one namespace, on CPU 1;
# `bench_client hold` in the other opens N connections one after the
# other, one 1-byte round trip on each, and holds them open and silent.
# Per run, divided by N:
#   rss       the server's VmRSS once all are held, less before the first
#   heap_held glibc's heap in use (mallinfo2().uordblks, read with gdb)
#             at the same moment, less before
#   heap_idle the same 2 s later, after one more connection has made
#             5,000 round trips: idle connections give their buffers back
#             only while the engine is called, a few tcbs per 10 ms
#             (lib/tcp/idle.c), so the server is kept busy long enough
#             for the walk to reach every one
# then the medians and ranges of the runs.
# Needs root and gdb. Run from the build directory after `make check` (or
# make tests/net/sf_peer bench/bench_client):
#   sh /path/to/bench/bench_memory.sh [RUNS [N [SF_PEER_ECHO_OPTIONS...]]]
# Defaults: 3 runs of 3,000 connections, --no-hash. Extra options replace
# --no-hash (give --no-hash again to keep it), e.g. "" to measure the
# hashing server. SF_PEER names another sf_peer binary (a build of an
# older commit, for a before-and-after).
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
runs=${1:-3}
n=${2:-3000}
if [ $# -gt 2 ]; then
  shift 2
  opts="$*"
else
  opts=--no-hash
fi
peer=${SF_PEER:-./tests/net/sf_peer}
client=./bench/bench_client
for p in $peer $client; do
  [ -x "$p" ] || { echo "FAIL: build $p first"; exit 1; }
done
sf_netns_require
command -v gdb >/dev/null 2>&1 || sf_netns_skip "gdb not found"
command -v taskset >/dev/null 2>&1 || sf_netns_skip "taskset not found"
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-memory.XXXXXX") || exit 1
trap 'stop_all; sf_netns_teardown; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
srv_pid= cli_pid=
port=7000

stop_all() {
  exec 9>&- 2>/dev/null
  [ -n "$cli_pid" ] && kill "$cli_pid" 2>/dev/null
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
  wait 2>/dev/null
  cli_pid= srv_pid=
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
heap_bytes() {
  gdb -p "$1" -batch -ex 'print (long)mallinfo2().uordblks' 2>/dev/null |
    sed -n 's/^\$1 = //p'
}

# one_run: prints "rss HELD heap_held H heap_idle I" (bytes per connection)
one_run() {
  port=$((port + 1))
  # timeout: a run that hangs ends on its own
  ip netns exec "$SF_NS_S" taskset -c 1 timeout 300 "$peer" \
    --device "$SF_IF_S" --address "$SF_SYNFIN_IP/24" --quiet --deadline 280 \
    echo-server $port $opts >"$T/srv" 2>&1 &
  sf_netns_wait_for "$T/srv" '^ready pid=' 100 || { cat "$T/srv"; return 1; }
  srv_pid=$(sed -n 's/^ready pid=//p' "$T/srv")
  rss0=$(rss_kb "$srv_pid") heap0=$(heap_bytes "$srv_pid")
  rm -f "$T/hold"
  mkfifo "$T/hold"
  ip netns exec "$SF_NS_K" taskset -c 0 timeout 280 "$client" hold \
    "$SF_SYNFIN_IP" $port "$n" 1 <"$T/hold" >"$T/cli" 2>&1 &
  cli_pid=$!
  exec 9>"$T/hold"
  sf_netns_wait_for "$T/cli" '^held|failed' 2000 || echo "not held" >>"$T/cli"
  grep -q '^held' "$T/cli" || { cat "$T/cli"; return 1; }
  rss1=$(rss_kb "$srv_pid") heap1=$(heap_bytes "$srv_pid")
  sleep 2
  # the walk visits 1/64 of the tcbs per step, a step per 10 ms at most
  ip netns exec "$SF_NS_K" timeout 30 "$client" rr "$SF_SYNFIN_IP" $port \
    5000 >"$T/rr" 2>&1
  grep -q '^rr count=5000' "$T/rr" || { cat "$T/rr"; return 1; }
  heap2=$(heap_bytes "$srv_pid")
  stop_all
  echo "rss $(((rss1 - rss0) * 1024 / n)) heap_held $(((heap1 - heap0) / n))" \
    "heap_idle $(((heap2 - heap0) / n))"
}

sf_netns_setup mem || exit 1
trap 'stop_all; sf_netns_teardown; rm -rf "$T"' EXIT
sf_netns_k sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
: >"$T/data"
for r in $(seq "$runs"); do
  line=$(one_run) || { echo "FAIL: run $r"; exit 1; }
  echo "run $r: $line"
  echo "$line" >>"$T/data"
done
echo "server options: ${opts:-(none)}; $runs runs of $n connections; median (min-max):"
for k in 2 4 6; do
  cut -d' ' -f$k "$T/data" | sort -n | awk -v name="$(cut -d' ' -f$((k - 1)) "$T/data" | head -1)" '
    { v[NR] = $1 }
    END { printf "%s %d (%d-%d)\n", name, v[int((NR + 1) / 2)], v[1], v[NR] }'
done
