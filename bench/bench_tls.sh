#!/bin/sh
# TLS over synfin against TLS over the kernel's TCP, both with OpenSSL, on
# a veth pair between two private namespaces (tests/net/netns.sh); the
# client (kernel TCP) on CPU 0, the server on CPU 1 (taskset). Servers:
#   synfin   samples/tls_echo server (AF_PACKET, default options)
#   kernel   bench/tls_kernel server (OpenSSL on kernel sockets, blocking,
#            one connection at a time)
# Both present the same certificate (EC P-256, tests/tls/certs.sh) and
# echo until the client's close_notify. Each repetition runs each server
# in a fresh topology:
#   handshakes  full handshakes one after another, new sessions, for SECS
#               (openssl s_time -new; TCP connect and close included):
#               TLS 1.3 with TLS_AES_128_GCM_SHA256 (X25519), and TLS 1.2
#               with ECDHE-ECDSA-AES128-GCM-SHA256; and TLS 1.2 resumed
#               (s_time -reuse; its TLS 1.3 client reads no ticket, so
#               it cannot resume 1.3)
#   bulk        BYTES written and echoed back on one TLS 1.3 connection
#               (bench/tls_kernel bulk, same suite): MB/s one way
# and, from the same runs, CPU time per handshake (the server's, and both
# sides', in microseconds) and per MB echoed (ms): on a loaded machine
# rates measure waiting for a CPU as much as work, these do not.
# The client pins the version and suite, so both servers negotiate the
# same. Prints medians, spreads (min-max), ratios synfin/kernel, the CPU
# seconds of each side per measurement (the server from /proc/PID/stat,
# the client from its parent shell's, user + system) and the load
# average. Nothing is asserted.
# Needs root. Run from the build directory after `make`:
#   sh /path/to/bench/bench_tls.sh [--smoke] [RUNS]
# (SECS and BYTES in the environment change the 5 s and 200 MB.)
# --smoke: one run of 1 s and 2 MB; checks that every figure came out.
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
. "$srcdir/tests/tls/certs.sh"
smoke=0
if [ "${1:-}" = --smoke ]; then
  smoke=1
  shift
fi
runs=${1:-3}
if [ $smoke = 1 ]; then
  runs=1 secs=1 bytes=2000000
else
  secs=${SECS:-5} bytes=${BYTES:-200000000}
fi
sfecho=./samples/tls_echo
ktls=./bench/tls_kernel
for p in $sfecho $ktls; do
  [ -x "$p" ] || { echo "FAIL: build $p first (make)"; exit 1; }
done
sf_netns_require
command -v taskset >/dev/null 2>&1 || sf_netns_skip "taskset not found"
command -v openssl >/dev/null 2>&1 || sf_netns_skip "openssl not found"
[ "$(nproc)" -ge 2 ] || sf_netns_skip "needs two CPUs"
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-tls.XXXXXX") || exit 1
cleanup() { server_stop; sf_netns_teardown; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
sf_tls_certs "$T" || { echo "FAIL: could not make certificates"; exit 1; }
tck=$(getconf CLK_TCK)
tmo=120
port=8000
srv=

# topology NAME: a fresh pair; the kernel server gets $SF_SYNFIN_IP as a
# kernel address, synfin owns it itself.
topology() {
  sf_netns_teardown
  sf_netns_setup tls || exit 1
  trap cleanup EXIT # sf_netns_setup sets its own
  sf_netns_readdress 40 49 || exit 1
  [ "$1" = kernel ] && { sf_netns_s_kernel_addr add || exit 1; }
  return 0
}

# server_start NAME: NAME's server on CPU 1; $srv is its pid (ip netns
# exec and taskset exec it).
server_start() {
  port=$((port + 1)) name=$1
  case $name in
    synfin) set -- "$sfecho" server --device "$SF_IF_S" \
      --address "$SF_SYNFIN_IP/24" --port $port --cert "$T/server.pem" \
      --key "$T/server.key" --deadline 3600 ;;
    kernel) set -- "$ktls" server $port "$T/server.pem" "$T/server.key" ;;
  esac
  rm -f "$T/srv"
  ip netns exec "$SF_NS_S" taskset -c 1 "$@" >"$T/srv" 2>&1 &
  srv=$!
  sf_netns_wait_for "$T/srv" "ready|listening on" 100 ||
    { echo "FAIL: $name server did not start: $(cat "$T/srv")"; exit 1; }
}

server_stop() {
  [ -n "$srv" ] || return 0
  kill -TERM "$srv" 2>/dev/null
  wait "$srv" 2>/dev/null
  srv=
}

ticks() { awk '{ print $14 + $15 }' "/proc/$srv/stat" 2>/dev/null; }
# kclient CMD...: the client on CPU 0, its output in $T/cli, then a line
# "client_ticks N": the CPU time (user + system) it used, in clock ticks,
# from its parent shell's /proc stat (the children's times, once reaped).
kclient() {
  sf_netns_k taskset -c 0 sh -c 'timeout "$0" "$@"
    set -- $(cat /proc/$$/stat)
    echo "client_ticks $((${16} + ${17}))"' $tmo "$@" >"$T/cli" 2>&1
}
client_cpu() {
  sed -n 's/^client_ticks //p' "$T/cli" |
    awk -v t="$tck" '{ printf "%.2f", $1 / t }'
}

# note NAME METRIC VALUE SERVER_CPU CLIENT_CPU
note() { echo "$1 $2 ${3:--} ${4:--} ${5:--}" >>"$T/data"; }
remark() { echo "NOTE: $*" | tee -a "$T/remarks"; }

# handshakes_one NAME METRIC -new|-reuse S_TIME-ARGS: the rate s_time
# reached, with the CPU seconds of the server meanwhile and of s_time.
handshakes_one() {
  name=$1 metric=$2 mode=$3
  shift 3
  t0=$(ticks) w0=$(date +%s.%N)
  kclient openssl s_time -connect "$SF_SYNFIN_IP:$port" "$mode" \
    -time "$secs" "$@"
  t1=$(ticks) w1=$(date +%s.%N)
  # "N connections in U.UUs; ...". s_time's own "real seconds" are whole
  # seconds, so the wall time is taken here (it adds s_time's start, a
  # few ms).
  n=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p' "$T/cli")
  rate=$(awk -v n="$n" -v a="$w0" -v b="$w1" \
    'BEGIN { if (n > 0) printf "%.1f", n / (b - a) }')
  scpu=$(server_cpu "$t0" "$t1") ccpu=$(client_cpu)
  note "$name" "$metric" "$rate" "$scpu" "$ccpu"
  # CPU per handshake: what the load on this machine does not blur. Both
  # sides, as the kernel's TCP receive path runs in softirq charged to the
  # sending process: the kernel server's to the client, synfin's to itself.
  m=${metric%_per_s}
  note "$name" "${m}_server_cpu_us" "$(per "$scpu" "$n" 1e6)" - -
  note "$name" "${m}_both_sides_cpu_us" "$(per "$(sum "$scpu" "$ccpu")" "$n" 1e6)" - -
  [ -n "$rate" ] || remark "$name $metric: $(tail -3 "$T/cli")"
  # s_time marks a resumed connection with "r"
  [ "$mode" = -new ] || grep -Eq '^[*r]*r[*r]*$' "$T/cli" ||
    remark "$name $metric: no session was resumed"
}

bulk_one() { # NAME
  t0=$(ticks)
  kclient "$ktls" bulk "$SF_SYNFIN_IP" $port "$bytes"
  t1=$(ticks)
  scpu=$(server_cpu "$t0" "$t1") ccpu=$(client_cpu)
  note "$1" bulk_tls13_echo_MB_per_s "$(field mbyte_s)" "$scpu" "$ccpu"
  # CPU per MB echoed (read, decrypted, encrypted, written back)
  mb=$((bytes / 1000000))
  note "$1" bulk_tls13_server_cpu_ms_per_MB "$(per "$scpu" $mb 1e3)" - -
  note "$1" bulk_tls13_both_sides_cpu_ms_per_MB \
    "$(per "$(sum "$scpu" "$ccpu")" $mb 1e3)" - -
  grep -q '^result' "$T/cli" || remark "$1 bulk: $(tail -3 "$T/cli")"
}

sum() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }
# per SECONDS COUNT SCALE: SECONDS * SCALE / COUNT, empty if unknown
per() {
  [ -n "$1" ] && [ -n "$2" ] &&
    awk -v c="$1" -v n="$2" -v k="$3" 'BEGIN { if (n > 0) printf "%.1f", c * k / n }'
}
field() { sed -n "s/^result .*[ ]$1=\([0-9.]*\).*/\1/p" "$T/cli" | head -1; }
server_cpu() {
  [ -n "$1" ] && [ -n "$2" ] &&
    awk -v a="$1" -v b="$2" -v t="$tck" 'BEGIN { printf "%.2f", (b - a) / t }'
}

repetition() {
  for name in synfin kernel; do
    topology $name
    server_start $name
    handshakes_one $name handshakes_tls13_per_s -new -tls1_3 \
      -ciphersuites TLS_AES_128_GCM_SHA256
    handshakes_one $name handshakes_tls12_per_s -new -tls1_2 \
      -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    handshakes_one $name handshakes_tls12_resumed_per_s -reuse -tls1_2 \
      -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    bulk_one $name
    server_stop
  done
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$T/data"
: >"$T/remarks"
for r in $(seq "$runs"); do
  echo "bench_tls: run $r of $runs"
  repetition
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# One line per metric: medians (min-max), the ratio of the medians and
# the mean CPU seconds of each side.
table() {
  awk -f "$srcdir/bench/median.awk" -f /dev/stdin "$T/data" <<'EOF'
    function mean(s, c, k) { return c[k] ? sprintf("%.2f", s[k] / c[k]) : "-" }
    $3 ~ /^[0-9.]+$/ {
      k = $1 SUBSEP $2
      v[k, ++n[k]] = $3
      if ($4 ~ /^[0-9.]+$/) { sc[k] += $4; sn[k]++ }
      if ($5 ~ /^[0-9.]+$/) { cc[k] += $5; cn[k]++ }
      if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 }
    }
    END {
      print "| metric | synfin | kernel | synfin / kernel | server CPU s synfin / kernel | client CPU s synfin / kernel |"
      print "|---|---|---|---|---|---|"
      for (i = 1; i <= m; i++) {
        s = "synfin" SUBSEP order[i]; k = "kernel" SUBSEP order[i]
        r = (n[s] && n[k] && med(k, n[k]) > 0) ? sprintf("%.2f", med(s, n[s]) / med(k, n[k])) : "-"
        printf "| %s | %s | %s | %s | %s / %s | %s / %s |\n", order[i], cell(s),
          cell(k), r, mean(sc, sn, s), mean(sc, sn, k), mean(cc, cn, s), mean(cc, cn, k)
      }
    }
EOF
}

echo
echo "bench_tls.sh, $runs run(s), $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), OpenSSL $(openssl version | cut -d' ' -f2)."
echo "Load average (1, 5, 15 min): $load0 at the start, $load1 at the end."
echo "Handshakes: $secs s each; bulk: $bytes bytes each way."
echo
table | tee "$T/table"
if [ -s "$T/remarks" ]; then
  echo
  sed 's/^NOTE: /- /' "$T/remarks"
fi
# every metric needs a figure from both servers
rows=$(grep -c '^| [a-z0-9]*_' "$T/table") # not the header
[ "$rows" -gt 0 ] &&
  [ "$(grep -c '^| [a-z0-9]*_.*| [0-9.]* ([0-9.]*-[0-9.]*) | [0-9.]* (' "$T/table")" = "$rows" ] ||
  { echo "FAIL: a figure is missing"; exit 1; }
