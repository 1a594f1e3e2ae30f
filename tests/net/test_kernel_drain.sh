#!/bin/sh
# Graceful drain against the Linux kernel's TCP (sf_loop_options_t.linger):
# synfin (tests/net/sf_peer drain-server on AF_PACKET) accepts 1000
# concurrent kernel clients (python3 asyncio), writes 100,000 bytes to
# each — far more than the first flights can carry — and closes every
# handle at once, then its listener. sf_run must return on its own, and
# only once the stack has delivered everything: no connection left in
# FIN-WAIT-1, CLOSING or LAST-ACK (sf_tcp_walk), every kernel client got
# every byte (SHA-256) and a FIN, and no RST went either way
# (sf_netns_rst_check), within the time bound (< 60 s).
# Needs root (else exit 77). Every process runs under `timeout`.
# SF_NET_PCAP_DIR=DIR keeps a pcap of synfin's interface.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
peer=${builddir:-.}/tests/net/sf_peer
sf_netns_begin kdrain "$peer"
sf_netns_readdress 10 19 || { echo "FAIL: readdress"; exit 1; }
sf_netns_rst_watch || sf_netns_skip "iptables unusable in a namespace"
N=1000
BYTES=100000

s=$SF_TMP/server.out
sf_netns_peer 75 drain --quiet drain-server 7 $N --send $BYTES >"$s" 2>&1 &
spid=$!
sf_netns_wait_for "$s" '^ready' 300 || sf_netns_bad "synfin server not ready"
t0=$(date +%s)
kc=$SF_TMP/kclients.out
sf_netns_ktcp 60 drain-clients "$SF_SYNFIN_IP" 7 $N $BYTES >"$kc" 2>&1 ||
  sf_netns_bad "kernel clients exited non-zero"
wait "$spid" || sf_netns_bad "sf_peer exited non-zero"
echo "drain: $(($(date +%s) - t0)) s; synfin: $(grep '^drained' "$s")"
grep -q "^succeeded $N of $N" "$kc" ||
  { sf_netns_bad "kernel: not every client got all its bytes and a FIN"; cat "$kc"; }
grep -q '^drained [0-9]* closing_left=0$' "$s" ||
  sf_netns_bad "sf_run returned with connections still closing"
for c in tcp_in_rst tcp_out_rst tcp_conn_reset tcp_conn_timeouts; do
  [ "$(sf_netns_field $c "$s")" = 0 ] || sf_netns_bad "synfin: $c != 0"
done
[ "$(sf_netns_field tcp_passive_opens "$s")" = $N ] ||
  sf_netns_bad "synfin: tcp_passive_opens != $N"
grep -q '^exit ok' "$s" || { sf_netns_bad "sf_peer failed"; grep -E '^(error|deadline)' "$s" | head; }
sf_netns_rst_check "drain" "$s"

sf_netns_end "kernel drain ($N connections closed with data unsent)"
