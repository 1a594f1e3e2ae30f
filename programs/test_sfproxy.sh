#!/bin/sh
# sfproxy against real kernel clients and a kernel upstream, through the
# test network: the kernel namespace holds the clients (nc -N, python3)
# and the upstream server (python3) on $SF_KERNEL_IP; sfproxy runs in the
# synfin namespace on the veth (AF_PACKET), owns $SF_SYNFIN_IP, listens
# on 8080 and relays to $SF_KERNEL_IP:9000. Each phase restarts the
# upstream in the mode it needs (programs/sfproxy_peer.py):
#   refused      no upstream: the client's connection is reset
#   half-close   nc -N: the answer arrives after the client's FIN
#   server-first the upstream closes first, the client keeps sending
#   rst          a reset crosses from the client, and from the upstream
#   bulk         BULK_MB each way, byte-exact, 1% of the kernel's
#                frames dropped (iptables statistic; both kernel ends
#                send data into the proxy)
#   stall        the upstream sends 50 MB, the client reads nothing for
#                3 s: sfproxy's resident memory grows by < 16 MB, and
#                SIGUSR1's relay line shows the upstream's bytes unread
#                behind a shut window
#   concurrent   200 connections at once, each echoed byte-exact
#   close shapes SHAPES_N connections each of: the client half-closes
#                and the upstream echoes and closes second (field failure
#                (a): a client FIN never passed upstream); the client
#                half-closes and the upstream answers after that FIN;
#                both shut down at once (their FINs cross in the proxy:
#                (e), a simultaneous close that hangs). The other field
#                failures, faults and --max-conns: test_sfproxy_shapes.sh
# Then the connection table (SIGUSR1) must hold nothing but TIME-WAIT
# records and the listener, and SIGTERM must drain and exit 0. First,
# without root: --help, and bad arguments exit 2 with their reason.
# Needs root (else exit 77); every process runs under `timeout`.
# SF_PROXY_BULK_MB (default 20; 100 took 7 s here on a quiet machine)
# and SF_PROXY_SHAPES_N (default 2000) scale the loads.
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
proxy=${builddir:-.}/programs/sfproxy

# Arguments (no root needed): --help, and bad ones give status 2 and say
# what is wrong.
usage_fails() { # TEXT ARGS...: expect exit status 2 and TEXT on stderr
  text=$1
  shift
  msg=$("$proxy" "$@" 2>&1 >/dev/null)
  st=$?
  [ $st = 2 ] && printf '%s' "$msg" | grep -q -- "$text" && return 0
  echo "FAIL: sfproxy $*: status $st, '$msg' (wanted 2 and '$text')"
  exit 1
}
"$proxy" --help | grep -q -- '--upstream H:P' ||
  { echo "FAIL: sfproxy --help"; exit 1; }
usage_fails "expected a number" --listen x
usage_fails "unknown argument '--bogus'" --bogus
usage_fails "expected ADDRESS:PORT" --upstream 198.18.0.1
usage_fails "--upstream HOST:PORT is required" --listen 80
usage_fails "give one of --device or --tap" --listen 80 --upstream 198.18.0.1:80
usage_fails "expected a percentage from 0 to 100" --fault-loss 101
usage_fails "expected a percentage" --fault-reorder 1x
usage_fails "expected a number from 1 to 10000" --fault-delay-ms 0
"$proxy" --help | grep -q -- '--fault-reorder PCT' ||
  { echo "FAIL: sfproxy --help lacks the fault options"; exit 1; }

sf_netns_require
BULK_MB=${SF_PROXY_BULK_MB:-20}
SHAPES_N=${SF_PROXY_SHAPES_N:-2000}
sf_netns_begin sfproxy "$proxy"
command -v nc >/dev/null 2>&1 || sf_netns_skip "nc not found"
. "$srcdir/programs/sfproxy_test_lib.sh"

# shellcheck disable=SC2046
proxy_start "" $(sf_netns_pcap_arg sfproxy)

phase "refused upstream: the client is reset"
client 10 expect-rst || sf_netns_bad "refused upstream: client not reset"

phase "nc -N: the answer arrives after the client's FIN"
upstream answer
a=$(printf 'hello through synfin' | sf_netns_k timeout 10 nc -N \
  "$SF_SYNFIN_IP" 8080)
[ "$a" = "got 20 bytes" ] || sf_netns_bad "nc -N: answer was '$a'"

phase "the upstream closes first, the client keeps sending"
upstream first
client 10 after-fin 100000 || sf_netns_bad "server-first: client side"
sf_netns_wait_for "$up" '^first: read 100000 after our FIN' 50 ||
  { sf_netns_bad "server-first: upstream did not get 100000 bytes"; cat "$up"; }

phase "a reset crosses both ways"
upstream hold
client 10 rst || sf_netns_bad "rst: client"
sf_netns_wait_for "$up" '^hold: reset' 50 ||
  { sf_netns_bad "client reset did not reach the upstream"; cat "$up"; }
upstream reset
client 10 expect-rst || sf_netns_bad "upstream reset did not reach the client"

phase "bulk: $BULK_MB MB each way under 1% loss"
upstream echo
sf_netns_loss 1 || sf_netns_bad "iptables loss"
client 90 bulk $((BULK_MB * 1000000)) || sf_netns_bad "bulk relay"
sf_netns_k iptables -w -F OUTPUT

phase "a reader that stops for 3 s: sfproxy's memory stays bounded"
upstream flood:50000000
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$(proxy_pid)/status"; }
rss0=$(rss)
client 30 stall 3 50000000 >"$SF_TMP/stall.out" &
cpid=$!
sleep 2.5
rss1=$(rss)
# SIGUSR1 shows the relay waiting: the upstream's bytes unread behind a
# shut window, since the client's side takes no more
kill -USR1 "$(proxy_pid)"
sf_netns_wait_for "$err" \
  '^sfproxy: relay .* upstream=ESTABLISHED .* rcv_wnd=0 .* unread=[1-9]' 20 ||
  { sf_netns_bad "SIGUSR1: no relay line with the upstream's window shut"
    grep '^sfproxy: ' "$err"; }
wait "$cpid" || { sf_netns_bad "stalled reader"; cat "$SF_TMP/stall.out"; }
echo "sfproxy VmRSS: $rss0 kB before, $rss1 kB with 50 MB waiting upstream"
[ -n "$rss0" ] && [ -n "$rss1" ] || sf_netns_bad "no VmRSS for sfproxy"
[ $((${rss1:-0} - ${rss0:-0})) -lt 16384 ] ||
  sf_netns_bad "sfproxy grew by $((rss1 - rss0)) kB behind a stalled reader"

phase "200 concurrent connections"
upstream echo
client 60 many 200 200 20000 >"$SF_TMP/many.out" ||
  { sf_netns_bad "200 concurrent"; cat "$SF_TMP/many.out"; }

phase "close shapes: $SHAPES_N connections each"
upstream echo # the client half-closes first; the upstream closes second
client 60 many "$SHAPES_N" 100 100 >"$SF_TMP/s1.out" ||
  { sf_netns_bad "client-first closes"; cat "$SF_TMP/s1.out"; }
upstream answer # read to EOF, answer, close: a late answer after the FIN
client 60 many-answer "$SHAPES_N" 100 >"$SF_TMP/s2.out" ||
  { sf_netns_bad "answer-after-FIN closes"; cat "$SF_TMP/s2.out"; }
upstream first # both ends shut down at once: FINs cross in the proxy
client 60 many-bye "$SHAPES_N" 100 >"$SF_TMP/s3.out" ||
  { sf_netns_bad "simultaneous closes"; cat "$SF_TMP/s3.out"; }
upstream_count '^first: read 100 after our FIN' "$SHAPES_N" ||
  sf_netns_bad "simultaneous closes: an upstream did not get its 100 bytes"
phase "the table"
table_only_time_wait

phase "SIGTERM drains"
proxy_drain
upstream_stop
grep -iE 'error|fail' "$err" | head -5
echo "total: $(($(date +%s) - t0)) s"
sf_netns_end "sfproxy"
