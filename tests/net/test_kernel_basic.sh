#!/bin/sh
# synfin (tests/net/sf_peer on AF_PACKET) against the Linux kernel's TCP
# over a veth pair between two private namespaces (tests/net/netns.sh):
#   (a) the kernel's `ping -c 3` to synfin's address is answered, and the
#       kernel's neighbour table then holds synfin's MAC (ARP kernel->synfin);
#       `ping -c 2 -s 4000` too: the kernel fragments each request to the
#       1500-byte MTU, synfin reassembles it and answers in fragments
#       that the kernel reassembles
#   (b) kernel client -> synfin echo server: handshake, 200 kB echoed
#       byte-exact (SHA-256 on both sides), graceful close (the kernel
#       half-closes, synfin echoes the rest, shuts down, LAST-ACK->CLOSED)
#   (c) synfin client -> kernel echo server the same; synfin resolves the
#       kernel's MAC by ARP itself (arp_requests_sent, arp_resolved)
#   (d) no connection reset in (a)-(c): synfin sends no RST and accepts
#       none; the kernel RSTs only TIME-WAIT re-ACKs (sf_netns_rst_check)
#   (e) closed ports: the kernel's connect to a synfin port nobody listens
#       on gets ECONNREFUSED; synfin's connect to a closed kernel port
#       gets SF_ECONNREFUSED
# Needs root (else exit 77). Every process runs under `timeout`.
# SF_NET_PCAP_DIR=DIR keeps a pcap of synfin's interface per step.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
peer=${builddir:-.}/tests/net/sf_peer
sf_netns_begin kbasic "$peer"
sf_netns_readdress 10 19 || { echo "FAIL: readdress"; exit 1; }
sf_netns_rst_watch || sf_netns_skip "iptables unusable in a namespace"

# sf NAME ARGS...: sf_peer in the synfin namespace on the veth end.
sf() {
  name=$1
  shift
  sf_netns_peer 60 "basic-$name" --msl 250 "$@"
}

# (a) + (b): synfin's echo server, pinged, then used by a kernel client.
out=$SF_TMP/server.out
sf server echo-server 7 --count 1 >"$out" 2>&1 &
spid=$!
sf_netns_wait_for "$out" '^ready' 300 || sf_netns_bad "server not ready"
if ! sf_netns_k timeout 10 ping -c 3 -i 0.2 -W 2 "$SF_SYNFIN_IP" \
  >"$SF_TMP/ping" 2>&1; then
  sf_netns_bad "ping to synfin"
  cat "$SF_TMP/ping"
fi
grep -q "3 received" "$SF_TMP/ping" || sf_netns_bad "ping: not 3 replies"
if ! sf_netns_k timeout 10 ping -c 2 -s 4000 -i 0.2 -W 2 "$SF_SYNFIN_IP" \
  >"$SF_TMP/ping4000" 2>&1; then
  sf_netns_bad "ping -s 4000 to synfin"
fi
cat "$SF_TMP/ping4000"
grep -q "2 received" "$SF_TMP/ping4000" ||
  sf_netns_bad "ping -s 4000: not 2 replies"
grep -q "^4008 bytes from" "$SF_TMP/ping4000" ||
  sf_netns_bad "ping -s 4000: replies not 4008 bytes"
neigh=$(sf_netns_k ip neigh show "$SF_SYNFIN_IP" dev "$SF_IF_K")
echo "kernel neighbour: $neigh"
case $neigh in
*"lladdr $SF_SYNFIN_MAC "*) ;;
*) sf_netns_bad "kernel's neighbour table lacks synfin's MAC $SF_SYNFIN_MAC" ;;
esac
case $neigh in
*FAILED* | *INCOMPLETE*) sf_netns_bad "kernel's neighbour entry: $neigh" ;;
esac

kc=$SF_TMP/kclient.out
sf_netns_ktcp 30 client "$SF_SYNFIN_IP" 7 200000 >"$kc" 2>&1 ||
  sf_netns_bad "kernel client to synfin's echo server"
wait "$spid" || sf_netns_bad "synfin echo server exited non-zero"
cat "$kc"
sent=$(sf_netns_sha sent "$kc")
[ -n "$sent" ] && [ "$sent" = "$(sf_netns_sha received "$kc")" ] ||
  sf_netns_bad "kernel client: echo differs"
[ "$sent" = "$(sf_netns_sha received "$out")" ] ||
  sf_netns_bad "synfin server received other bytes than the kernel sent"
grep -q "^received 200000 " "$kc" || sf_netns_bad "kernel client: count"
for ev in '^syn ' '^established ' '^fin ' '^state ESTABLISHED CLOSE-WAIT' \
  '^state CLOSE-WAIT LAST-ACK' '^state LAST-ACK CLOSED' '^closed 0 ' \
  '^exit ok'; do
  grep -Eq "$ev" "$out" || sf_netns_bad "synfin server: no '$ev'"
done
[ "$(sf_netns_field arp_requests_answered "$out")" -ge 1 ] 2>/dev/null ||
  sf_netns_bad "synfin answered no ARP request"
[ "$(sf_netns_field icmp_echo_answered "$out")" = 5 ] ||
  sf_netns_bad "synfin: icmp_echo_answered != 5"
# 4000 data bytes: three fragments each way per echo
[ "$(sf_netns_field ip_reasm_ok "$out")" = 2 ] ||
  sf_netns_bad "synfin: ip_reasm_ok != 2"
[ "$(sf_netns_field ip_in_fragments "$out")" = 6 ] ||
  sf_netns_bad "synfin: ip_in_fragments != 6"
[ "$(sf_netns_field ip_out_fragmented "$out")" = 2 ] ||
  sf_netns_bad "synfin: ip_out_fragmented != 2"
[ "$(sf_netns_field ip_out_fragments "$out")" = 6 ] ||
  sf_netns_bad "synfin: ip_out_fragments != 6"

# (c): the kernel's echo server, used by synfin's client.
ks=$SF_TMP/kserver.out
sf_netns_ktcp 30 echo-server "$SF_KERNEL_IP" 7 1 >"$ks" 2>&1 &
kpid=$!
sf_netns_wait_for "$ks" '^ready' 100 || sf_netns_bad "kernel server not ready"
co=$SF_TMP/client.out
sf client connect "$SF_KERNEL_IP" 7 --send 200000 --half-close \
  --expect-echo >"$co" 2>&1 || sf_netns_bad "synfin client exited non-zero"
wait "$kpid" || sf_netns_bad "kernel echo server exited non-zero"
grep -E '^(sent|received|connected|time_wait|closed|exit)' "$co"
grep -q "^received 200000 " "$co" || sf_netns_bad "synfin client: count"
for ev in '^established ' '^state SYN-SENT ESTABLISHED' '^fin ' \
  '^time_wait ' '^closed 0 ' '^exit ok'; do
  grep -Eq "$ev" "$co" || sf_netns_bad "synfin client: no '$ev'"
done
[ "$(sf_netns_field arp_requests_sent "$co")" -ge 1 ] 2>/dev/null ||
  sf_netns_bad "synfin client sent no ARP request"
[ "$(sf_netns_field arp_resolved "$co")" = 1 ] ||
  sf_netns_bad "synfin client did not resolve the kernel's MAC"

# (d): nothing so far was reset.
sf_netns_rst_check "echo exchanges" "$out" "$co"
for f in "$out" "$co"; do
  [ "$(sf_netns_field tcp_out_rst "$f")" = 0 ] || sf_netns_bad "synfin sent RST ($f)"
  [ "$(sf_netns_field tcp_in_rst "$f")" = 0 ] || sf_netns_bad "synfin got RST ($f)"
done

# (e): closed ports, both ways.
out=$SF_TMP/server2.out
sf refuse echo-server 7 >"$out" 2>&1 &
spid=$!
sf_netns_wait_for "$out" '^ready' 300 || sf_netns_bad "server 2 not ready"
kr=$(sf_netns_ktcp 15 refused "$SF_SYNFIN_IP" 9)
echo "kernel connect to synfin port 9: $kr"
[ "$kr" = ECONNREFUSED ] || sf_netns_bad "kernel's connect: $kr, not ECONNREFUSED"
kill -TERM "$(sed -n 's/^ready pid=//p' "$out")" 2>/dev/null
wait "$spid" || sf_netns_bad "synfin server 2 exited non-zero"
[ "$(sf_netns_field tcp_in_no_port "$out")" -ge 1 ] 2>/dev/null ||
  sf_netns_bad "synfin: no tcp_in_no_port"
ro=$SF_TMP/refused.out
sf refused connect "$SF_KERNEL_IP" 9 --send 10 \
  --expect-error ECONNREFUSED >"$ro" 2>&1 ||
  sf_netns_bad "synfin connect to a closed port: not SF_ECONNREFUSED"
grep '^connect_error' "$ro" || { sf_netns_bad "no connect_error"; cat "$ro"; }
[ "$(sf_netns_field tcp_conn_refused "$ro")" = 1 ] ||
  sf_netns_bad "synfin: tcp_conn_refused != 1"

[ $sf_netns_fail = 0 ] || { echo "--- synfin server:"; cat "$SF_TMP/server.out"; echo "--- synfin client:"; cat "$co"; }
sf_netns_end "kernel basic (ping, fragmented ping, ARP, echo both ways, refused both ways)"
