# What programs/test_sfproxy.sh and programs/test_sfproxy_shapes.sh
# share; sourced after tests/net/netns.sh and sf_netns_begin, not run.
# sfproxy runs in the synfin namespace on the veth (AF_PACKET), owns
# $SF_SYNFIN_IP and listens on 8080; the upstream (sfproxy_peer.py
# server, restarted in the mode a phase needs) and the clients run in the
# kernel namespace, the upstream on $SF_KERNEL_IP:9000.
#   proxy_start TAG [ARGS...]  start sfproxy with these extra options;
#                          its output goes to $SF_TMP/proxyTAG.{out,err}
#   proxy_pid              its pid (from its ready line)
#   upstream MODE          (re)start the upstream server in MODE
#   upstream_stop          stop it
#   client SECS MODE ARGS  run a client, bounded by SECS
#   upstream_count TEXT N  wait up to 5 s for N upstream lines TEXT
#   proxy_report           SIGUSR1, and wait for the report's end; it
#                          starts at line $report_from of $err
#   table_only_time_wait [WHAT]  SIGUSR1: the table must hold nothing
#                          but TIME-WAIT records and the listener
#   proxy_drain            SIGTERM: sfproxy must drain and exit 0 with
#                          nothing open
#   proxy_post_mortem WHAT after a failure: print sfproxy's SIGUSR1
#                          report (its table, each relay's two sides with
#                          their windows and queues, its counters and
#                          faults), the kernel's sockets and where the
#                          frames are recorded, then kill it (a stuck
#                          connection would keep it draining)
#   phase TEXT             print a phase title with the elapsed seconds
# Variables: $proxy (the program), $peer, $out and $err (sfproxy's
# stdout and stderr), $up (the upstream's reports).
. "$srcdir/programs/prog_test.sh"
proxy=${builddir:-.}/programs/sfproxy
peer="python3 $srcdir/programs/sfproxy_peer.py"
up=$SF_TMP/upstream.out
upid=
t0=$(date +%s)

phase() { echo "--- $1 ($(($(date +%s) - t0)) s)"; }

upstream_stop() { # the server by the pid it printed, then its wrapper
  pypid=$(sed -n 's/^ready pid \([0-9]*\)$/\1/p' "$up" 2>/dev/null)
  [ -n "$pypid" ] && kill "$pypid" 2>/dev/null
  [ -n "$upid" ] && wait "$upid" 2>/dev/null
  upid=
}

upstream() { # MODE
  upstream_stop
  : >"$up"
  sf_netns_k timeout 120 $peer server 9000 "$1" >"$up" 2>&1 &
  upid=$!
  sf_netns_wait_for "$up" '^ready' 100 || sf_netns_bad "upstream $1 not ready"
}

upstream_count() { # TEXT N: N lines of TEXT from the upstream within 5 s
  i=0
  until [ "$(grep -c "$1" "$up")" = "$2" ]; do
    i=$((i + 1))
    [ $i -gt 50 ] && return 1
    sleep 0.1
  done
}

client() { # SECS MODE ARGS...
  secs=$1
  shift
  sf_netns_k timeout "$secs" $peer client "$SF_SYNFIN_IP" 8080 "$@"
}

proxy_pid() { sed -n 's/^ready: .*, pid \([0-9]*\)$/\1/p' "$out"; }

proxy_start() { # TAG ARGS...: sfproxy with these options besides the usual
  out=$SF_TMP/proxy$1.out err=$SF_TMP/proxy$1.err
  shift
  # shellcheck disable=SC2046
  sf_netns_s timeout 150 "$proxy" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" --listen 8080 \
    --upstream "$SF_KERNEL_IP:9000" --msl-ms 20000 --drain-timeout 10 \
    "$@" >"$out" 2>"$err" &
  ppid=$!
  echo "$*" >"$SF_TMP/proxy.args"
  sf_netns_wait_for "$out" '^ready' 100 || sf_netns_bad "sfproxy not ready"
}

# SIGUSR1, then up to 5 s for the report to end (its last line: the
# fault line with faults, else the counters); 1 if it did not. The
# report starts at line $report_from of $err.
proxy_report() {
  report_from=$(($(wc -l <"$err") + 1))
  last='^sfproxy: counters'
  grep -q -- '--fault-' "$SF_TMP/proxy.args" 2>/dev/null &&
    last='^sfproxy: faults:'
  kill -USR1 "$(proxy_pid)" 2>/dev/null || return 1
  i=0
  until tail -n +"$report_from" "$err" | grep -q "$last"; do
    i=$((i + 1))
    [ $i -gt 50 ] && return 1
    sleep 0.1
  done
}

table_only_time_wait() { # [WHAT]: the table printed now, nothing before
  sleep 1 # the last ACKs of the last connections
  proxy_report
  tail -n +"$report_from" "$err" | prog_table_states >"$err.table"
  cat "$err.table"
  if grep -vqE ' (TIME-WAIT|LISTEN)$' "$err.table"; then
    sf_netns_bad "${1:+$1: }records other than TIME-WAIT left in the table"
  fi
  grep -q 'TIME-WAIT' "$err.table" || sf_netns_bad "${1:+$1: }no table printed"
}

proxy_drain() {
  kill -TERM "$(proxy_pid)"
  wait "$ppid" || sf_netns_bad "sfproxy exit status $?"
  tail -1 "$out"
  grep -q 'open=0$' "$out" || sf_netns_bad "connections left open at exit"
}

proxy_post_mortem() { # WHAT
  proxy_report
  echo "--- $1: sfproxy's state (SIGUSR1), stderr from its start:"
  cat "$err"
  echo "--- $1: the kernel's sockets"
  sf_netns_k ss -tnio state connected 2>&1
  pcap=$(sed -n 's/.*--pcap \([^ ]*\).*/\1/p' "$SF_TMP/proxy.args")
  if [ -n "$pcap" ]; then
    echo "--- $1: synfin's frames are in $pcap"
  else
    echo "--- $1: SF_NET_PCAP_DIR=DIR records synfin's frames there"
  fi
  kill -KILL "$(proxy_pid)" 2>/dev/null
  wait "$ppid" 2>/dev/null
}
