#!/bin/sh
# synfin's congestion control algorithms on an impaired path: synfin sends
# BYTES to a kernel receiver over a veth pair between two namespaces
# (tests/net/netns.sh), MTU 1500, default offloads, with the impairments
# of tests/net/test_kernel_bulk.sh: the kernel drops 1% of its packets
# (iptables statistic: the ACKs), synfin's fault middleware adds 10 ms
# each way, 1% reordering by 2 ms, 0.5% duplication and 0.05% loss. Each
# run gives every algorithm the same fault seed, with RACK loss detection
# on and off (three duplicate ACKs) unless LOSS_DETECTION picks one. Prints
# per run and the medians of throughput, retransmissions and RTOs per
# algorithm and detector, with every transfer checked by SHA-256.
#
# There is no kernel->kernel baseline here: the fault middleware is
# synfin's own (this kernel has no netem), so a kernel sender would see a
# different path. bench_veth.sh compares synfin with the kernel.
#
# Needs root. Run from the build directory (tests/net/sf_bulk built):
#   sh /path/to/bench/bench_cc.sh [RUNS] [BYTES] [ALGORITHMS] [LOSS_DETECTION]
# LOSS_DETECTION: "rack dupack" (the default), "rack" or "dupack".
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
runs=${1:-3}
bytes=${2:-100000000}
algos=${3:-newreno cubic}
detectors=${4:-rack dupack}
bulk=./tests/net/sf_bulk
[ -x "$bulk" ] || { echo "build $bulk first (make tests/net/sf_bulk)"; exit 1; }
sf_netns_setup bench-cc || exit 1
sf_netns_readdress 20 29 || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-cc.XXXXXX") || exit 1
trap 'sf_netns_teardown; rm -rf "$T"' EXIT
sf_netns_kpeer "$T/kpeer.py"
sf_netns_mtu 1500 || exit 1
sf_netns_loss 1 || { echo "iptables statistic loss unavailable"; exit 1; }
tmo=300
port=6100

field() { sed -n "s/^$1 .*[ ]$2=\([0-9.]*\).*/\1/p" "$3" | head -1; }
# sf_bulk prints only the counters that are not 0
counter() { v=$(field counters "$1" "$2"); echo "${v:-0}"; }
sha() { sed -n 's/^result .*sha256=\([0-9a-f]*\).*/\1/p' "$1" | head -1; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# every algorithm with every detector, named like newreno/rack
variants=$(for cc in $algos; do for d in $detectors; do
  echo "$cc/$d"; done; done)

for r in $(seq 1 "$runs"); do
  for v in $variants; do
    cc=${v%/*} d=${v#*/}
    rack_opt=
    [ "$d" = dupack ] && rack_opt=--no-rack
    port=$((port + 1))
    k=$T/$cc-$d-$r.k s=$T/$cc-$d-$r.s
    sf_netns_k timeout $tmo python3 "$T/kpeer.py" recv $port >"$k" 2>&1 &
    kp=$!
    sf_netns_wait_ready "$k" 50
    sf_netns_s timeout $tmo "$bulk" --device "$SF_IF_S" \
      --address "$SF_SYNFIN_IP/24" --deadline $tmo --cc "$cc" $rack_opt \
      --fault-seed $((r * 7919)) --delay-ms 10 --reorder 10000 \
      --reorder-ms 2 --dup 5000 --loss 500 \
      send "$SF_KERNEL_IP" $port "$bytes" >"$s" 2>&1
    wait $kp
    if [ -z "$(sha "$s")" ] || [ "$(sha "$s")" != "$(sha "$k")" ]; then
      echo "run $r $v: transfer FAILED"
      cat "$s" "$k"
      exit 1
    fi
    echo "run $r $v: $(field result mbit_s "$s") Mbit/s," \
      "retransmits $(counter tcp_retrans_segs "$s")," \
      "RTOs $(counter tcp_rto_expired "$s")," \
      "spurious $(counter tcp_spurious_recoveries "$s")," \
      "loss probes $(counter tcp_tlp_probes "$s")" \
      "($(counter tcp_tlp_repaired "$s") repaired a loss)," \
      "RACK lost $(counter tcp_rack_lost "$s")"
  done
done
echo "medians of $runs runs, $bytes bytes each:"
for v in $variants; do
  p=$T/${v%/*}-${v#*/}
  m=$(for f in "$p"-*.s; do field result mbit_s "$f"; done | median)
  x=$(for f in "$p"-*.s; do counter tcp_retrans_segs "$f"; done | median)
  o=$(for f in "$p"-*.s; do counter tcp_rto_expired "$f"; done | median)
  echo "  $v: $m Mbit/s, $x retransmissions, $o RTOs"
done
