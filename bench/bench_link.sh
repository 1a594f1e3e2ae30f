#!/bin/sh
# AF_PACKET link benchmarks over a veth pair between two private network
# namespaces (tests/net/netns.sh), the kernel as the peer. Prints the
# median of RUNS runs (default 5) of SECS seconds (default 1) each, and
# the ratios. Needs root. Run from the build directory:
#   sh /path/to/bench/bench_link.sh [RUNS] [SECS]
#   rx   kernel UDP sender (sendmmsg) -> synfin: recvmmsg vs TPACKET_V3
#        vs TPACKET_V2 (frames lent in place)
#   tx   synfin -> kernel: sendmmsg without and with PACKET_QDISC_BYPASS
#   rtt  kernel ping -> synfin's responder (packet_check): recvmmsg vs
#        TPACKET_V3 (1 ms block timeout) vs TPACKET_V2 (lent in place),
#        median RTT of 40 pings per run, median of RUNS runs
# The receive methods take turns within each run (A/B alternation).
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
runs=${1:-5}
secs=${2:-1}
sf_netns_setup bench || exit 1
b=./bench/bench_link
chk=./tests/link/packet_check
tmo=$(awk "BEGIN { print int($secs * 3 + 10) }")

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
kmac=$(sf_netns_k cat /sys/class/net/$SF_IF_K/address)
# The kernel needs no ARP answer to send: a permanent neighbour entry.
sf_netns_k ip neigh replace "$SF_SYNFIN_IP" lladdr "$SF_SYNFIN_MAC" \
  dev "$SF_IF_K" nud permanent

rx_run() { # $1: "", ring or ring2
  sf_netns_k timeout "$tmo" "$b" blast "$SF_SYNFIN_IP" "$(awk "BEGIN{print $secs+0.5}")" >/dev/null &
  p=$!
  sleep 0.2
  sf_netns_s timeout "$tmo" "$b" rx "$SF_IF_S" "$secs" $1 | sed -n 's/rx_fps=//p'
  wait $p
}
tx_run() { # $1: "" or bypass
  sf_netns_s timeout "$tmo" "$b" tx "$SF_IF_S" "$kmac" "$SF_SYNFIN_IP" \
    "$SF_KERNEL_IP" "$secs" $1 | sed -n 's/tx_fps=\([0-9]*\).*/\1/p'
}
rtt_run() { # $1: "", ring or "ring2 lend"
  # shellcheck disable=SC2086
  sf_netns_s timeout 20 "$chk" serve "$SF_IF_S" "$SF_SYNFIN_IP" 6 $1 >/dev/null &
  p=$!
  sleep 0.3
  sf_netns_k timeout 10 ping -c 40 -i 0.05 "$SF_SYNFIN_IP" |
    sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | median
  kill $p 2>/dev/null
  wait $p 2>/dev/null
}

T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-link.XXXXXX") || exit 1
trap 'sf_netns_teardown; rm -rf "$T"' EXIT
echo "bench_link: $runs runs of $secs s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$runs"); do
  for mode in mmsg ring ring2; do
    arg=${mode#mmsg}
    rx_run "$arg" >>"$T/rx.$mode"
  done
  for mode in plain bypass; do
    tx_run "${mode#plain}" >>"$T/tx.$mode"
  done
done
for _ in $(seq "$runs"); do
  rtt_run "" >>"$T/rtt.mmsg"
  rtt_run ring >>"$T/rtt.ring"
  rtt_run "ring2 lend" >>"$T/rtt.ring2"
done
rx_mmsg=$(median <"$T/rx.mmsg") rx_ring=$(median <"$T/rx.ring")
rx_ring2=$(median <"$T/rx.ring2")
tx_plain=$(median <"$T/tx.plain") tx_bypass=$(median <"$T/tx.bypass")
rtt_mmsg=$(median <"$T/rtt.mmsg") rtt_ring=$(median <"$T/rtt.ring")
rtt_ring2=$(median <"$T/rtt.ring2")
r() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }

echo "rx frames/s  recvmmsg: $rx_mmsg  TPACKET_V3: $rx_ring  TPACKET_V2: $rx_ring2  ratios V3/mmsg: $(r "$rx_ring" "$rx_mmsg")  V2/mmsg: $(r "$rx_ring2" "$rx_mmsg")"
echo "tx frames/s  sendmmsg: $tx_plain  +QDISC_BYPASS: $tx_bypass  ratio bypass/plain: $(r "$tx_bypass" "$tx_plain")"
echo "ping RTT ms (median of runs of 40)  recvmmsg: $rtt_mmsg  TPACKET_V3: $rtt_ring  TPACKET_V2: $rtt_ring2"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
