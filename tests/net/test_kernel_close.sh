#!/bin/sh
# How connections end between synfin (tests/net/sf_peer, AF_PACKET) and
# the Linux kernel's TCP, over veth between private namespaces:
#   (a) synfin closes first: on_time_wait fires with duration 2 * MSL
#       (60000 ms by default; with MSL 500 ms: 1000 ms), and on_closed
#       comes that long after it (TIME-WAIT really lasts 2 * MSL)
#   (b) the kernel closes first: `ss -tan state time-wait` in the kernel
#       namespace shows the connection; synfin goes LAST-ACK -> CLOSED
#   (c) half-close, kernel first: the kernel client sends 100 kB,
#       shutdown(SHUT_WR)s and keeps reading while synfin writes 1 MiB
#       after that FIN; byte-exact both ways (SHA-256), no RST
#   (d) half-close, synfin first: sf_shutdown after 100 kB, the kernel
#       then sends 1 MiB, which synfin reads in FIN-WAIT-2; byte-exact,
#       no connection reset (sf_netns_rst_check: iptables counters on the
#       kernel side, synfin's counters)
# Needs root (else exit 77). Every process runs under `timeout`.
# SF_NET_PCAP_DIR=DIR keeps a pcap of synfin's interface per step.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
peer=${builddir:-.}/tests/net/sf_peer
sf_netns_begin kclose "$peer"
sf_netns_readdress 10 19 || { echo "FAIL: readdress"; exit 1; }
sf_netns_rst_watch || sf_netns_skip "iptables unusable in a namespace"

# sf NAME ARGS...: sf_peer in the synfin namespace on the veth end.
sf() {
  name=$1
  shift
  sf_netns_peer 60 "close-$name" "$@"
}

# expect FILE ERE...: every pattern has a matching line in FILE.
expect() {
  f=$1
  shift
  for ev in "$@"; do
    grep -Eq "$ev" "$f" || sf_netns_bad "$(basename "$f"): no '$ev'"
  done
}

# same WHAT A B: two SHA-256 values, non-empty and equal.
same() {
  [ -n "$2" ] && [ "$2" = "$3" ] || sf_netns_bad "$1: '$2' != '$3'"
}

no_rst() {
  [ "$(sf_netns_field tcp_out_rst "$1")" = 0 ] || sf_netns_bad "synfin sent RST ($1)"
  [ "$(sf_netns_field tcp_in_rst "$1")" = 0 ] || sf_netns_bad "synfin got RST ($1)"
}

# kernel_server MODE ARGS...: a kernel-side server in the background.
kernel_server() {
  ks=$SF_TMP/kserver-$1.out
  # An earlier server's "ready" must not start the client early: the
  # background shell may not have truncated the file yet when the wait
  # below first reads it.
  rm -f "$ks"
  sf_netns_ktcp 30 "$@" >"$ks" 2>&1 &
  kpid=$!
  sf_netns_wait_for "$ks" '^ready' 100 || sf_netns_bad "kernel $1 not ready"
}

# (a) synfin closes first, default MSL: the duration is reported.
kernel_server echo-server "$SF_KERNEL_IP" 7 1
a0=$SF_TMP/a0.out
sf a-default connect "$SF_KERNEL_IP" 7 --send 1000 --half-close \
  --expect-echo --no-wait-closed >"$a0" 2>&1 || sf_netns_bad "a-default: exit"
wait "$kpid" || sf_netns_bad "a-default: kernel server"
expect "$a0" '^time_wait 60000 ' '^state FIN-WAIT-2 TIME-WAIT ' '^exit ok'

# ... and with MSL 500 ms, TIME-WAIT ends after 1000 ms.
kernel_server echo-server "$SF_KERNEL_IP" 7 1
a1=$SF_TMP/a1.out
sf a-msl --msl 500 connect "$SF_KERNEL_IP" 7 --send 1000 --half-close \
  --expect-echo >"$a1" 2>&1 || sf_netns_bad "a-msl: exit"
wait "$kpid" || sf_netns_bad "a-msl: kernel server"
expect "$a1" '^time_wait 1000 ' '^closed 0 ' '^exit ok'
tw=$(sed -n 's/^time_wait .* t=\([0-9]*\)$/\1/p' "$a1")
cl=$(sed -n 's/^closed .* t=\([0-9]*\)$/\1/p' "$a1")
echo "synfin TIME-WAIT: entered at ${tw:-?} ms, closed at ${cl:-?} ms"
if [ -n "$tw" ] && [ -n "$cl" ]; then
  [ $((cl - tw)) -ge 900 ] && [ $((cl - tw)) -le 5000 ] ||
    sf_netns_bad "TIME-WAIT lasted $((cl - tw)) ms, not ~1000"
else
  sf_netns_bad "no TIME-WAIT timestamps"
fi
no_rst "$a1"

# (b) the kernel closes first: TIME-WAIT in the kernel.
b=$SF_TMP/b.out
sf b echo-server 7 --count 1 >"$b" 2>&1 &
spid=$!
sf_netns_wait_for "$b" '^ready' 300 || sf_netns_bad "b: synfin not ready"
sf_netns_ktcp 30 client "$SF_SYNFIN_IP" 7 1000 >"$SF_TMP/b.k" 2>&1 ||
  sf_netns_bad "b: kernel client"
wait "$spid" || sf_netns_bad "b: synfin server exit"
tw=$(sf_netns_k ss -tan state time-wait dst "$SF_SYNFIN_IP")
echo "kernel: $tw"
echo "$tw" | grep -q "$SF_KERNEL_IP:[0-9]* *$SF_SYNFIN_IP:7" ||
  sf_netns_bad "b: no TIME-WAIT in the kernel"
expect "$b" '^state CLOSE-WAIT LAST-ACK ' '^state LAST-ACK CLOSED ' '^exit ok'
grep -q '^time_wait' "$b" && sf_netns_bad "b: synfin entered TIME-WAIT"
no_rst "$b"

# (c) the kernel half-closes and keeps reading; synfin writes 1 MiB more.
c=$SF_TMP/c.out
sf c --msl 250 half-close-server 8 1048576 --count 1 >"$c" 2>&1 &
spid=$!
sf_netns_wait_for "$c" '^ready' 300 || sf_netns_bad "c: synfin not ready"
ck=$SF_TMP/c.k
sf_netns_ktcp 30 client "$SF_SYNFIN_IP" 8 100000 >"$ck" 2>&1 ||
  sf_netns_bad "c: kernel client"
wait "$spid" || sf_netns_bad "c: synfin server exit"
cat "$ck"
grep -q '^received 1048576 ' "$ck" || sf_netns_bad "c: kernel got too few bytes"
same "c: kernel->synfin" "$(sf_netns_sha sent "$ck")" "$(sf_netns_sha received "$c")"
same "c: synfin->kernel" "$(sf_netns_sha sent "$c")" "$(sf_netns_sha received "$ck")"
expect "$c" '^fin ' '^state ESTABLISHED CLOSE-WAIT ' '^state LAST-ACK CLOSED '
no_rst "$c"

# (d) synfin half-closes (sf_shutdown) and keeps reading 1 MiB.
kernel_server half-close-server "$SF_KERNEL_IP" 8 1048576
d=$SF_TMP/d.out
sf d --msl 250 connect "$SF_KERNEL_IP" 8 --send 100000 --half-close \
  --expect-recv 1048576 >"$d" 2>&1 || sf_netns_bad "d: synfin client exit"
wait "$kpid" || sf_netns_bad "d: kernel server"
cat "$ks"
same "d: synfin->kernel" "$(sf_netns_sha sent "$d")" "$(sf_netns_sha received "$ks")"
same "d: kernel->synfin" "$(sf_netns_sha sent "$ks")" "$(sf_netns_sha received "$d")"
expect "$d" '^state ESTABLISHED FIN-WAIT-1 ' '^state FIN-WAIT-1 FIN-WAIT-2 ' \
  '^time_wait 500 ' '^closed 0 ' '^exit ok'
no_rst "$d"

sf_netns_rst_check "close" "$a0" "$a1" "$b" "$c" "$d"
if [ $sf_netns_fail != 0 ]; then
  for f in "$a0" "$a1" "$b" "$c" "$d"; do
    echo "--- $f"
    grep -v '^counters' "$f"
  done
fi
sf_netns_end "kernel close (TIME-WAIT both sides, half-close both ways)"
