#!/bin/sh
# The performance table: each TCP as the server, the Linux kernel's TCP as
# the client, on a veth pair between two private namespaces
# (tests/net/netns.sh), client on CPU 0 and server on CPU 1 (taskset).
# Each repetition runs every server in a fresh topology:
#   bulk        kernel->server and server->kernel, BYTES each, offloads
#               off (ethtool -K) and default (tests/net/sf_bulk against
#               the python3 kernel peer; Mb/s measured by the receiver)
#   crr         connect, 64-byte request, response, close, one at a time
#               and 16 in parallel (bench/bench_client crr): connections/s
#   rr          1-byte ping-pong on one connection: round trips/s and
#               p50/p99/p99.9 in microseconds (bench_client rr)
#   memory      bytes per idle established connection at HOLD connections:
#               synfin (sf_peer echo-server --no-hash, as in every
#               row: per connection only its handle and counters): its
#               RSS delta / HOLD;
#               kernel: the growth of the machine's Slab (the kernel
#               server's run) less that of the synfin server's run
#               (kernel clients only), / HOLD, plus the kernel server's
#               own RSS delta
#   churn       crr with 16 in parallel for CHURN seconds against a server
#               that closes first (it keeps the TIME-WAIT records)
#   conn100k    CONNS (100,000) connections held at once: the time to open
#               them all, 64 at a time, from four client addresses in turn
#               (one address has only ~64,000 ports towards one server
#               port), at most OPEN_TMO (120) s; and the memory per
#               connection, counted as for the memory row. The kernel
#               client and server spread them over several processes when
#               one process's open-files limit cannot hold them all
#               (bench_client hold, kernel_server --workers).
#   busy poll   synfin's crr (one at a time and 16 in parallel) and rr
#               again with busy polling of BUSY_POLL_US microseconds
#               (default 50)
# synfin's and lwIP's devices drop every frame at the netdev ingress hook
# (nftables), after their packet sockets have seen it, so that the
# kernel's IPv4 layer does not route and drop each one too (README).
# The servers: synfin (tests/net/sf_peer echo-server), the kernel
# (bench/kernel_server) and, when configure found liblwip-dev, lwIP
# (bench/lwip_server; without it lwIP is skipped with a note). lwIP runs
# with the offloads off throughout and has no bulk figures: its driver
# takes neither partial checksums nor GRO super-frames, and it has no bulk
# sender or receiver here. Memory for synfin and lwIP: the RSS delta.
# Prints medians, spreads (min-max), ratios to the kernel, the CPU time of
# each side (getrusage for the client, the server's /proc stat) and the
# load average, and for the rows the project has a target for, the target
# and whether synfin met it; writes them to RESULTS (default
# bench/RESULTS.md in the source tree; the smoke run writes a temporary
# file).
# Needs root. Run from the build directory after `make check` (or make
# tests/net/sf_peer tests/net/sf_bulk bench/kernel_server bench/bench_client):
#   sh /path/to/bench/bench_all.sh [--smoke] [RUNS]
# --smoke: tiny sizes, one run, under a minute; checks that it works.
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
smoke=0
if [ "${1:-}" = --smoke ]; then
  smoke=1
  shift
fi
runs=${1:-3}
if [ $smoke = 1 ]; then
  runs=1 bytes=2000000 secs=0.3 count=100 hold=50 churn=0.5 conns=200
else
  # 1 GB: 200 MB lasted 60-160 ms at offloads' speeds, too short for a
  # scheduler hiccup on a shared machine not to decide the figure
  bytes=1000000000 secs=3 count=20000 hold=10000 churn=10 conns=100000
fi
peer=./tests/net/sf_peer
bulk=./tests/net/sf_bulk
kserver=./bench/kernel_server
lwip=./bench/lwip_server
servers="synfin kernel"
if [ -x "$lwip" ]; then
  servers="$servers lwip"
else
  echo "NOTE: bench/lwip_server not built (no liblwip-dev at configure): lwIP skipped"
fi
client=./bench/bench_client
for p in $peer $bulk $kserver $client; do
  [ -x "$p" ] || { echo "FAIL: build $p first"; exit 1; }
done
sf_netns_require
command -v taskset >/dev/null 2>&1 || sf_netns_skip "taskset not found"
command -v ethtool >/dev/null 2>&1 || sf_netns_skip "ethtool not found"
command -v python3 >/dev/null 2>&1 || sf_netns_skip "python3 not found"
[ "$(nproc)" -ge 2 ] || sf_netns_skip "needs two CPUs"
# A kernel process holds a descriptor per connection. Past the hard limit
# (a container may not raise it), the client and the kernel server spread
# the connections over processes: the server's SO_REUSEPORT hash is not
# exactly even, hence one worker more than the bare quotient.
nofile=$((conns + 1024))
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge $nofile ] || nofile=$hard
ulimit -n "$nofile" || exit 1
kworkers=$(((conns + nofile - 65) / (nofile - 64)))
[ $kworkers -gt 1 ] && kworkers=$((kworkers + 1))
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-all.XXXXXX") || exit 1
trap 'sf_netns_teardown; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
if [ $smoke = 1 ]; then
  out=${RESULTS:-$T/RESULTS.md}
else
  out=${RESULTS:-$srcdir/bench/RESULTS.md}
fi
tck=$(getconf CLK_TCK)
tmo=120
open_tmo=${OPEN_TMO:-120}
port=7000
busy_us=${BUSY_POLL_US:-50}
synfin_opts=
sf_netns_kpeer "$T/kpeer.py"
# A server runs under this wrapper, which prints its pid and, once it
# has ended, the CPU time it used (in clock ticks).
cat >"$T/measured.sh" <<'EOF'
"$@" &
echo "pid $!"
wait $!
set -- $(cat /proc/$$/stat)
echo "cpu_ticks $((${16} + ${17}))"
EOF

ready() { sf_netns_wait_ready "$T/srv" 100; }
field() { sed -n "s/.*[ ^]$1=\([0-9.]*\).*/\1/p" "$2" | head -1; }

# topology NAME: a fresh pair for one server; the kernel server gets
# $SF_SYNFIN_IP as a kernel address, synfin owns it itself.
topology() {
  sf_netns_teardown
  sf_netns_setup bench || exit 1
  trap 'sf_netns_teardown; rm -rf "$T"' EXIT # sf_netns_setup set its own
  sf_netns_readdress 30 39 || exit 1
  sf_netns_k sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
  sf_netns_k sysctl -qw net.ipv4.tcp_tw_reuse=1
  client_addrs=
  for i in 11 12 13 14; do
    client_addrs="$client_addrs ${SF_KERNEL_IP%.1}.$i"
    sf_netns_k ip addr add "${SF_KERNEL_IP%.1}.$i/24" dev "$SF_IF_K" || exit 1
  done
  if [ "$1" = kernel ]; then
    sf_netns_s_kernel_addr add || exit 1
  else
    # a user-space server's device, set up as the README advises
    sf_netns_ingress_drop ||
      remark "$1: no nft: the kernel's IPv4 layer also received its frames"
  fi
  [ "$1" = lwip ] && { sf_netns_offloads off || exit 1; }
  return 0
}

# server_start NAME MODE [ARGS]: NAME's server on CPU 1, output in $T/srv.
# Modes: echo (sf_peer echo-server / kernel_server), recv and send (the
# bulk receiver and sender).
server_start() {
  name=$1 mode=$2
  shift 2
  port=$((port + 1))
  rm -f "$T/srv"
  case $name/$mode in
    # --no-hash: as lean as the other servers, which neither hash their
    # streams nor print a line per connection (sf_peer's digests cost
    # synfin's crr rows 8% one at a time and 13% with 16 in parallel)
    synfin/echo) set -- "$peer" --device "$SF_IF_S" --quiet $synfin_opts \
      --address "$SF_SYNFIN_IP/24" --deadline $((tmo + open_tmo)) \
      echo-server $port --no-hash "$@" ;;
    kernel/echo) set -- "$kserver" $port "$@" ;;
    lwip/echo) set -- "$lwip" --device "$SF_IF_S" \
      --address "$SF_SYNFIN_IP/24" $port "$@" ;;
    synfin/recv) set -- "$bulk" --device "$SF_IF_S" --address "$SF_SYNFIN_IP/24" \
      --deadline $tmo --no-hash recv $port ;;
    synfin/send) set -- "$bulk" --device "$SF_IF_S" --address "$SF_SYNFIN_IP/24" \
      --deadline $tmo --no-hash send "$SF_KERNEL_IP" $port "$bytes" ;;
    kernel/recv) set -- python3 "$T/kpeer.py" recv $port nohash ;;
    kernel/send) set -- python3 "$T/kpeer.py" send "$SF_KERNEL_IP" $port \
      "$bytes" 1 nohash ;;
  esac
  # not through sf_netns_s: $! must be the wrapper itself (ip execs it)
  ip netns exec "$SF_NS_S" taskset -c 1 sh "$T/measured.sh" "$@" \
    >"$T/srv" 2>&1 &
  srv_wrap=$!
  [ "$mode" = send ] || ready
  sf_netns_wait_for "$T/srv" '^pid ' 50
  srv_pid=$(sed -n 's/^pid //p' "$T/srv" | head -1)
}

# server_stop: ends the server (if it has not ended) and prints the CPU
# seconds it used: read from /proc while it runs, else as its wrapper's
# reaped child.
server_stop() {
  # shellcheck disable=SC2046,SC2002
  ticks=$(cat $(server_files stat) 2>/dev/null |
    awk '{ t += $14 + $15 } END { if (NR) print t }')
  kill -TERM "$srv_pid" 2>/dev/null
  (sleep 5 && kill -KILL "$srv_pid" 2>/dev/null) &
  watchdog=$!
  wait "$srv_wrap" 2>/dev/null
  kill "$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
  [ -n "$ticks" ] || ticks=$(sed -n 's/^cpu_ticks //p' "$T/srv")
  echo "${ticks:-0}" | awk -v t="$tck" '{ printf "%.2f", $1 / t }'
}

kclient() { sf_netns_k taskset -c 0 timeout $tmo "$@"; }

# remark TEXT: something the table cannot show (failures), also kept for
# the results file
remark() { echo "NOTE: $*" | tee -a "$T/remarks"; }

# note NAME METRIC VALUE SERVER_CPU CLIENT_CPU (- where unknown)
note() { echo "$1 $2 ${3:--} ${4:--} ${5:--}" >>"$T/data"; }

bulk_one() { # NAME OFFLOADS
  sf_netns_offloads "$2" || { echo "FAIL: ethtool -K"; exit 1; }
  server_start "$1" recv
  kclient python3 "$T/kpeer.py" send "$SF_SYNFIN_IP" $port "$bytes" 1 nohash \
    >/dev/null 2>&1
  wait "$srv_wrap"
  cpu=$(server_stop)
  note "$1" "bulk_k_to_s_offloads_$2_Mbps" "$(field mbit_s "$T/srv")" "$cpu" -
  rm -f "$T/cli"
  kclient python3 "$T/kpeer.py" recv $((port + 1)) nohash >"$T/cli" 2>&1 &
  c=$!
  sf_netns_wait_ready "$T/cli" 100
  server_start "$1" send # on that next port
  wait "$c"
  wait "$srv_wrap"
  cpu=$(server_stop)
  note "$1" "bulk_s_to_k_offloads_$2_Mbps" "$(field mbit_s "$T/cli")" "$cpu" -
}

crr_one() { # NAME PARALLEL SECONDS METRIC [SERVER ARGS]
  name=$1 par=$2 s=$3 metric=$4
  shift 4
  server_start "$name" echo "$@"
  kclient "$client" crr "$SF_SYNFIN_IP" $port "$par" "$s" >"$T/cli" 2>&1
  cpu=$(server_stop)
  note "$name" "$metric" "$(field rate "$T/cli")" "$cpu" "$(field cpu_s "$T/cli")"
  grep -q "failed=0" "$T/cli" || remark "$name $metric: $(cat "$T/cli")"
}

rr_one() { # NAME [METRIC SUFFIX]
  server_start "$1" echo
  kclient "$client" rr "$SF_SYNFIN_IP" $port $count >"$T/cli" 2>&1
  cpu=$(server_stop)
  for m in rate p50_us p99_us p999_us; do
    note "$1" "rr_$m${2:-}" "$(field $m "$T/cli")" "$cpu" "$(field cpu_s "$T/cli")"
  done
}

# synfin again with busy polling (sf_loop_options_t.busy_poll_us): the
# rows ending in _busy_poll, compared with the kernel's plain figures.
busy_poll_one() {
  synfin_opts="--busy-poll $busy_us"
  crr_one synfin 1 $secs crr_serial_per_s_busy_poll
  crr_one synfin 16 $secs crr_16_parallel_per_s_busy_poll
  rr_one synfin _busy_poll
  synfin_opts=
}

# server_files FILE: /proc/PID/FILE of the server's process and of its
# children (kernel_server --workers)
server_files() {
  for p in $srv_pid $(pgrep -P "$srv_pid"); do
    printf '/proc/%s/%s ' "$p" "$1"
  done
}
# (through cat: mawk stops at a file that has gone)
# shellcheck disable=SC2046,SC2002
rss_kb() {
  cat $(server_files status) 2>/dev/null |
    awk '/^VmRSS/ { t += $2 } END { print t + 0 }'
}
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# held_one NAME COUNT PARALLEL METRIC [SOURCES]: the kernel client opens
# COUNT connections to NAME's echo server (PARALLEL at once, bound to the
# SOURCES addresses in turn), all within $open_tmo s, and holds them while
# the memory is read; notes METRIC (bytes per connection) and, when
# PARALLEL > 1, METRIC's time to open them (seconds and per second).
held_one() {
  name=$1 n=$2 par=$3 metric=$4
  shift 4
  args=
  [ "$name" = kernel ] && [ "$n" -gt $((nofile - 64)) ] &&
    args="--workers $kworkers"
  # shellcheck disable=SC2086
  server_start "$name" echo $args
  rss0=$(rss_kb) slab0=$(slab_kb)
  mkfifo "$T/hold"
  # not through kclient: $! must be timeout itself (ip execs it), which
  # passes a TERM on to the client
  ip netns exec "$SF_NS_K" taskset -c 0 timeout $((open_tmo + tmo)) \
    "$client" hold "$SF_SYNFIN_IP" $port "$n" "$par" "$@" \
    <"$T/hold" >"$T/cli" 2>&1 &
  c=$!
  exec 9>"$T/hold"
  sf_netns_wait_for "$T/cli" "^held|failed" $((open_tmo * 10)) ||
    { kill -TERM "$c"; echo "not all open after $open_tmo s" >>"$T/cli"; }
  rss1=$(rss_kb) slab1=$(slab_kb)
  exec 9>&-
  wait "$c"
  rm -f "$T/hold"
  cpu=$(server_stop)
  if ! grep -q '^held' "$T/cli"; then
    remark "$name $metric: $(tail -2 "$T/cli" | tr '\n' ' ')"
    return
  fi
  slab=$((slab1 - slab0))
  case $name in
    synfin) eval "client_slab_$metric=$slab"
      bytes_per=$(((rss1 - rss0) * 1024 / n)) ;;
    lwip) bytes_per=$(((rss1 - rss0) * 1024 / n)) ;;
    kernel) client_slab=0
      eval "client_slab=\${client_slab_$metric:-0}"
      bytes_per=$(((rss1 - rss0 + slab - client_slab) * 1024 / n)) ;;
  esac
  grep '^held' "$T/cli" >"$T/held" # not the progress lines' secs=
  ccpu=$(field cpu_s "$T/held")
  if [ "$par" -gt 1 ]; then
    for m in secs:open_s rate:open_per_s; do
      note "$name" "${metric%_bytes_per_conn}_${m#*:}" \
        "$(field "${m%%:*}" "$T/held")" "$cpu" "$ccpu"
    done
  fi
  # Slab is the whole machine's: other work freeing memory meanwhile can
  # outweigh the connections
  [ "$bytes_per" -ge 0 ] ||
    { remark "$name $metric: negative ($bytes_per), Slab shrank meanwhile"; return; }
  note "$name" "$metric" "$bytes_per" "$cpu" "$ccpu"
}

repetition() {
  for name in $servers; do
    topology $name
    if [ $name != lwip ]; then
      for o in off on; do
        bulk_one $name $o
      done
    fi
    crr_one $name 1 $secs crr_serial_per_s
    crr_one $name 16 $secs crr_16_parallel_per_s
    rr_one $name
    held_one $name $hold 1 memory_bytes_per_conn
    crr_one $name 16 $churn timewait_churn_per_s --close-first
    [ $name = synfin ] && busy_poll_one
    # last: the closing of its connections outlasts the server
    # shellcheck disable=SC2086
    held_one $name $conns 64 conn100k_bytes_per_conn $client_addrs
  done
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$T/data"
: >"$T/remarks"
for r in $(seq "$runs"); do
  echo "bench_all: run $r of $runs"
  repetition
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# One line per metric: the medians, spreads, ratios to the kernel and the
# mean CPU seconds of each server.
table() {
  awk -f "$srcdir/bench/median.awk" -f /dev/stdin "$T/data" <<'EOF'
    function ratio(k,   km) {
      km = "kernel" SUBSEP metric
      if (!n[km] && metric ~ /_busy_poll$/) km = "kernel" SUBSEP substr(metric, 1, length(metric) - 10)
      if (!n[k] || !n[km]) return "-"
      a = med(k, n[k]); b = med(km, n[km])
      return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "-"
    }
    function cpu(k, c) { return rc[k] ? sprintf("%.2f", c[k] / rc[k]) : "-" }
    # The project's targets for synfin: "ratio OP X" (synfin / kernel, as
    # printed) or "synfin OP X" (its median, absolute). A _busy_poll row
    # has the target of the row without the suffix.
    BEGIN {
      goal["bulk_k_to_s_offloads_off_Mbps"] = "ratio >= 0.8"
      goal["bulk_k_to_s_offloads_on_Mbps"] = "ratio >= 0.8"
      goal["bulk_s_to_k_offloads_off_Mbps"] = "ratio >= 0.8"
      goal["bulk_s_to_k_offloads_on_Mbps"] = "ratio >= 1.0"
      goal["crr_serial_per_s"] = "ratio >= 1.1"
      goal["crr_16_parallel_per_s"] = "ratio >= 1.7"
      goal["rr_rate"] = "ratio >= 1.5"
      goal["rr_p99_us"] = "ratio <= 1.0"
      goal["memory_bytes_per_conn"] = "synfin <= 800"
      goal["timewait_churn_per_s"] = "synfin >= 2185" # 131,072 per 60 s
    }
    # "GOAL: met", "GOAL: missed", "GOAL: -" (no figure) or "-" (no goal)
    function target(   g, w, x, s) {
      g = metric
      sub(/_busy_poll$/, "", g)
      if (!(g in goal)) return "-"
      split(goal[g], w, " ")
      s = "synfin" SUBSEP metric
      x = w[1] == "ratio" ? ratio(s) : (n[s] ? med(s, n[s]) : "-")
      if (x == "-") return goal[g] ": -"
      met = w[2] == ">=" ? x + 0 >= w[3] + 0 : x + 0 <= w[3] + 0
      return goal[g] ": " (met ? "met" : "missed")
    }
    $3 ~ /^[0-9.]+$/ {
      k = $1 SUBSEP $2
      v[k, ++n[k]] = $3
      sc[k] += $4; cc[k] += $5; rc[k]++
      if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 }
    }
    END {
      printf "| metric | synfin | kernel | lwIP | synfin / kernel | target (synfin) | lwIP / kernel |"
      printf " server CPU s synfin / kernel / lwIP | client CPU s synfin / kernel / lwIP |\n"
      printf "|---|---|---|---|---|---|---|---|---|\n"
      for (i = 1; i <= m; i++) {
        metric = order[i]
        s = "synfin" SUBSEP metric; k = "kernel" SUBSEP metric; l = "lwip" SUBSEP metric
        printf "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s / %s |\n",
          metric, cell(s), cell(k), cell(l), ratio(s), target(), ratio(l),
          cpu(s, sc), cpu(k, sc), cpu(l, sc), cpu(s, cc), cpu(k, cc), cpu(l, cc)
      }
    }
EOF
}

# missed_targets TABLE: for each target the table says is missed, its
# section of bench/targets.md (where the time goes, what was tried).
missed_targets() {
  metrics=$(awk -F' [|] ' '$6 ~ /: missed$/ { m = $1; sub(/^[|] /, "", m);
    sub(/_busy_poll$/, "", m); if (!(m in seen)) { seen[m] = 1; print m } }' "$1")
  [ -n "$metrics" ] || return 0
  echo
  echo "Missed targets: where the time goes and what was tried"
  echo "(bench/targets.md, kept by hand, measured when it was written):"
  for m in $metrics; do
    echo
    awk -v m="$m" '/^## / { on = ($2 == m) } on' "$srcdir/bench/targets.md" |
      sed 's/^## /### /'
  done
}

{
  echo "# synfin benchmark results"
  echo
  echo "bench/bench_all.sh, $runs run(s), $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs."
  echo "Load average (1, 5, 15 min): $load0 at the start, $load1 at the end."
  echo "Sizes: bulk $bytes bytes, crr $secs s each, rr $count round trips,"
  echo "memory at $hold connections, TIME-WAIT churn $churn s,"
  echo "conn100k: $conns connections, 64 opening at once, within $open_tmo s."
  echo
  table >"$T/table"
  cat "$T/table"
  echo
  echo "CPU columns: mean seconds per run of each measurement (the server's"
  echo "process from /proc/PID/stat; the client, bench_client, from getrusage;"
  echo "'0.00' where the client is the python3 bulk peer, not counted)."
  echo "The kernel's own work in softirq is charged to whichever process runs."
  echo
  echo "Memory: synfin and lwIP, the server's RSS growth / connections (synfin's"
  echo "includes sf_peer's own state per connection: 104 bytes with --no-hash); the"
  echo "kernel, the machine's Slab growth less the kernel clients' share (the"
  echo "synfin run's growth), plus the server's RSS growth, / connections."
  echo "conn100k: the memory row's method at $conns connections; open_s is the"
  echo "time from the first connect to the last echo (each connection carries"
  echo "one 1-byte round trip), open_per_s the connections it opened per second."
  if [ "$kworkers" -gt 1 ]; then
    echo "Open-files limit $nofile: the kernel server held them in $kworkers"
    echo "processes (SO_REUSEPORT, all on CPU 1; their RSS and CPU summed)."
  fi
  echo "Target: the project's target for synfin's figure, 'ratio' meaning"
  echo "synfin / kernel as printed, 'synfin' its own median; met or missed."
  echo "Cells: median (min-max) of the runs. Ratios: medians, server / kernel."
  echo "Rows ending in _busy_poll: synfin with busy polling of $busy_us us"
  echo "(sf_loop_options_t.busy_poll_us; its core spins while traffic is recent),"
  echo "against the kernel's figure of the row without the suffix."
  echo "lwIP: Debian's liblwip-dev 2.1.3 (built with NO_SYS 0: its tcpip thread"
  echo "runs the stack; TCP_WND 64 KiB, TCP_SND_BUF 64 KiB), raw TCP API, our"
  echo "AF_PACKET driver; offloads off in its topology, and no bulk figures."
  echo "synfin (its default receive path, the TPACKET_V2 ring) and lwIP: their"
  echo "device drops every frame at the netdev ingress hook (nftables) after"
  echo "their packet sockets have seen it, as the README advises."
  [ -x "$lwip" ] || echo "lwIP was skipped in this run: bench/lwip_server not built."
  missed_targets "$T/table"
  if [ -s "$T/remarks" ]; then
    echo
    echo "Remarks (a crr rate counts the connections that succeeded; a failed"
    echo "one waited 5 s for its connect or reply):"
    echo
    sed 's/^NOTE: /- /' "$T/remarks"
  fi
} >"$out.tmp" && mv "$out.tmp" "$out"
cat "$out"
grep -q '^| crr_serial_per_s | [0-9]' "$out" || { echo "FAIL: no results"; exit 1; }
