#!/bin/sh
# synfin against the Linux kernel's TCP on one veth pair between two
# private namespaces (tests/net/netns.sh), default offloads, MTU 1500:
#   throughput  kernel->kernel (plain sockets, the synfin end given a
#               kernel address for the baseline), kernel->synfin and
#               synfin->kernel (tests/net/sf_bulk, no hashing on either
#               side), BYTES per run, measured by the receiver
#   latency     request/response: a kernel client (python3, TCP_NODELAY)
#               ping-pongs SIZE bytes COUNT times against a kernel echo
#               server (bench/kernel_echo, C on plain sockets) and against
#               synfin's (sf_bulk echo, C on synfin)
# synfin runs with each receive/transmit method of the AF_PACKET driver:
# recvmmsg, the TPACKET_V3 ring or the TPACKET_V2 ring (ring2: frames read
# in place), with or without PACKET_QDISC_BYPASS.
# Prints the median of RUNS runs of each, and the ratios synfin/kernel.
# The methods take turns within each run (A/B alternation), so a change
# of the machine's load falls on all of them alike.
# Environment: METHODS (default "mmsg ring bypass ring+bypass"; also
# ring2), WORKLOADS (default "ks sk rr": kernel->synfin, synfin->kernel,
# request/response), OFFLOADS=off turns the veth offloads off on both
# ends (default: on), PIN=1 runs the kernel side on CPU 0 and the synfin
# side on CPU 1 (taskset), as bench_all.sh does.
# Needs root. Run from the build directory (tests/net/sf_bulk built, e.g.
# by `make check` or `make tests/net/sf_bulk`):
#   sh /path/to/bench/bench_veth.sh [RUNS] [BYTES] [COUNT]
# (bench/kernel_echo is built by make)
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
runs=${1:-5}
bytes=${2:-200000000}
count=${3:-2000}
size=64
bulk=./tests/net/sf_bulk
kecho=./bench/kernel_echo
[ -x "$bulk" ] || { echo "build $bulk first (make tests/net/sf_bulk)"; exit 1; }
[ -x "$kecho" ] || { echo "build $kecho first (make)"; exit 1; }
sf_netns_setup bench || exit 1
sf_netns_readdress 20 29 || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-veth.XXXXXX") || exit 1
trap 'sf_netns_teardown; rm -rf "$T"' EXIT
sf_netns_kpeer "$T/kpeer.py"
py="python3 $T/kpeer.py"
tmo=60
port=6000
pin_s= pin_k=
[ "${PIN:-0}" = 1 ] && pin_s="taskset -c 1" pin_k="taskset -c 0"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rate() { sed -n 's/^result .*mbit_s=\([0-9.]*\).*/\1/p' "$1" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
ready() { sf_netns_wait_ready "$1" 50; }
# Each run's output file is removed first, so an earlier "ready" in it
# cannot start the client early.
fresh() { rm -f "$T/r" "$T/e"; }
sfb() { # sf_bulk in the synfin namespace with method options $opts
  # shellcheck disable=SC2086
  sf_netns_s $pin_s timeout $tmo "$bulk" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" --deadline $tmo --no-hash $opts "$@"
}

kk_run() { # kernel -> kernel
  port=$((port + 1))
  fresh
  sf_netns_s $pin_s timeout $tmo $py recv $port nohash >"$T/r" 2>&1 &
  p=$!
  ready "$T/r"
  sf_netns_k $pin_k timeout $tmo $py send "$SF_SYNFIN_IP" $port "$bytes" 1 nohash >/dev/null 2>&1
  wait $p
  rate "$T/r"
}
ks_run() { # kernel -> synfin
  port=$((port + 1))
  fresh
  sfb recv $port >"$T/r" 2>&1 &
  p=$!
  ready "$T/r"
  sf_netns_k $pin_k timeout $tmo $py send "$SF_SYNFIN_IP" $port "$bytes" 1 nohash >/dev/null 2>&1
  wait $p
  rate "$T/r"
}
sk_run() { # synfin -> kernel
  port=$((port + 1))
  fresh
  sf_netns_k $pin_k timeout $tmo $py recv $port nohash >"$T/r" 2>&1 &
  p=$!
  ready "$T/r"
  sfb send "$SF_KERNEL_IP" $port "$bytes" >/dev/null 2>&1
  wait $p
  rate "$T/r"
}
rr_run() { # $1: kernel | synfin echo server; prints the median RTT (us)
  port=$((port + 1))
  fresh
  if [ "$1" = kernel ]; then
    sf_netns_s $pin_s timeout $tmo "$kecho" $port >"$T/e" 2>&1 &
  else
    sfb echo $port >"$T/e" 2>&1 &
  fi
  p=$!
  ready "$T/e"
  sf_netns_k $pin_k timeout $tmo $py rr "$SF_SYNFIN_IP" $port "$count" $size |
    sed -n 's/.*median_us=\([0-9.]*\).*/\1/p'
  wait "$p" # both echo servers end after their one connection
}
many() { for _ in $(seq "$runs"); do "$@"; done | median; }

methods=${METHODS:-mmsg ring bypass ring+bypass}
workloads=${WORKLOADS:-ks sk rr}
offloads=${OFFLOADS:-on}
if [ "$offloads" = off ]; then
  sf_netns_offloads off || { echo "ethtool -K failed"; exit 1; }
  what="offloads off"
else
  what="default offloads"
fi
has() { case " $workloads " in *" $1 "*) return 0 ;; esac; return 1; }
echo "bench_veth: $runs runs, $bytes bytes per transfer, $count x $size-byte round trips, MTU 1500, $what, load average $(cut -d' ' -f1-3 /proc/loadavg)"
sf_netns_s_kernel_addr add || exit 1
kk=- kk_rr=-
has ks || has sk && kk=$(many kk_run)
has rr && kk_rr=$(many rr_run kernel)
sf_netns_s_kernel_addr del
sf_netns_k ip neigh flush dev "$SF_IF_K"
printf "%-16s %10s %10s %10s\n" "kernel->kernel" "$kk" "" "$kk_rr"
printf "%-16s %10s %10s %10s %8s %8s %8s\n" "synfin method" \
  "k->s Mb/s" "s->k Mb/s" "rr us" "k->s/kk" "s->k/kk" "rr/kk"
set_opts() {
  case $1 in
    mmsg) opts= ;;
    ring) opts=--ring ;;
    ring2) opts=--ring2 ;;
    bypass) opts=--bypass ;;
    ring+bypass) opts="--ring --bypass" ;;
    ring2+bypass) opts="--ring2 --bypass" ;;
    *) echo "unknown method $1"; exit 1 ;;
  esac
}
for _ in $(seq "$runs"); do
  for m in $methods; do
    set_opts "$m"
    has ks && ks_run >>"$T/$m.ks"
    has sk && sk_run >>"$T/$m.sk"
    has rr && rr_run synfin >>"$T/$m.rr"
  done
done
med() { if [ -s "$1" ]; then median <"$1"; else echo -; fi; }
for m in $methods; do
  ks=$(med "$T/$m.ks") sk=$(med "$T/$m.sk") rr=$(med "$T/$m.rr")
  printf "%-16s %10s %10s %10s %8s %8s %8s\n" "$m" "$ks" "$sk" "$rr" \
    "$(ratio "$ks" "$kk")" "$(ratio "$sk" "$kk")" "$(ratio "$rr" "$kk_rr")"
done
for w in $workloads; do # every run, in the order taken, for the spread
  for m in $methods; do
    [ -s "$T/$m.$w" ] && echo "$w $m runs: $(tr '\n' ' ' <"$T/$m.$w")"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
