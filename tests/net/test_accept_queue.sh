#!/bin/sh
# Accept-queue exhaustion against the kernel: synfin's echo server
# (tests/net/sf_peer, backlog 8) accepts nothing for 3 s after the first
# connection is ready, while 100 kernel clients (python3 asyncio, one
# process) connect at once, each to send 1000 bytes and read the echo
# within 20 s. The backlog holds: SYNs and handshake ACKs past it are
# dropped and counted (tcp_accept_queue_overflow), beyond the SYN queue
# with SYN cookies; when the server starts accepting it finds at most the
# backlog ready. The clients get in through their own retransmissions,
# which come in synchronized waves (1, 3, 7, 15 s), so not all need make
# it in 20 s: at least half must. Then a new client is served at once.
# synfin sends no RST and every cookie that came back was valid. About
# 25 s. Needs root (else exit 77).

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
peer=${builddir:-.}/tests/net/sf_peer
sf_netns_begin acceptq "$peer"
sf_netns_readdress 40 49 || { echo "FAIL: readdress"; exit 1; }
N=100
B=8

s=$SF_TMP/synfin.out
sf_netns_peer 60 acceptq --quiet --msl 500 echo-server 7 --backlog $B \
  --accept-after 3000 >"$s" 2>&1 &
spid=$!
sf_netns_wait_for "$s" '^ready' 300 || sf_netns_bad "synfin server not ready"
pid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$s")
# The clients (sf_netns_ktcp requests) send a request of one segment,
# read its echo and only then close, as request/response clients do. (A
# client whose second segment, a FIN say, arrives while its connection is
# still only a SYN cookie that the full accept queue turned away is reset:
# the cookie is checked against that segment's sequence number, as Linux
# does.)
t0=$(date +%s)
k=$SF_TMP/clients.out
sf_netns_ktcp 30 requests "$SF_SYNFIN_IP" 7 $N 1000 20 >"$k" 2>&1 ||
  sf_netns_bad "kernel clients"
late=$SF_TMP/late.out
sf_netns_ktcp 10 requests "$SF_SYNFIN_IP" 7 1 1000 3 >"$late" 2>&1 ||
  sf_netns_bad "the new client"
sleep 1 # the last FINs
kill -TERM "${pid:-0}" 2>/dev/null
wait "$spid" || sf_netns_bad "sf_peer exited non-zero"
ok=$(sed -n "s/^succeeded \([0-9]*\) of $N/\1/p" "$k")
echo "$N clients, backlog $B, accepting 3 s after the first: ${ok:-?} in" \
  "20 s; then a new client: $(tail -1 "$late"); $(($(date +%s) - t0)) s"

f() { sf_netns_field "$1" "$s"; }
once=$(sed -n 's/^accepted_at_once \([0-9]*\)/\1/p' "$s")
echo "synfin: accepted_at_once=$once" \
  "accept_queue_overflow=$(f tcp_accept_queue_overflow)" \
  "syncookies_sent=$(f tcp_syncookies_sent) ok=$(f tcp_syncookies_ok)" \
  "established=$(f tcp_established)"
[ "${ok:-0}" -ge $((N / 2)) ] || { sf_netns_bad "fewer than half the clients got in"; cat "$k"; }
grep -q "^succeeded 1 of 1" "$late" || { sf_netns_bad "the new client failed"; cat "$late"; }
[ "${once:-0}" -ge 1 ] && [ "${once:-0}" -le $B ] ||
  sf_netns_bad "accepted at once: ${once:-none}, not 1..$B"
[ "$(f tcp_accept_queue_overflow)" -gt 0 ] 2>/dev/null ||
  sf_netns_bad "the accept queue never overflowed"
[ "$(f tcp_established)" -ge $((ok + 1)) ] 2>/dev/null ||
  sf_netns_bad "tcp_established < the clients served"
for c in tcp_out_rst tcp_syncookies_failed tcp_conn_reset; do
  [ "$(f $c)" = 0 ] || sf_netns_bad "$c = $(f $c)"
done
grep -q '^exit ok' "$s" || sf_netns_bad "sf_peer failed"
[ $sf_netns_fail = 0 ] || { grep -v '^counters' "$s" | tail -5
  grep '^counters' "$s" | tr ' ' '\n' | grep -v '=0$'; }
sf_netns_end "accept-queue exhaustion ($N clients, backlog $B)"
