#!/bin/sh
# The README's demo (samples/kernel_demo.sh) against the real kernel:
#   (a) it succeeds, and its output shows each lifecycle event from
#       synfin's hooks (SYN with options, ESTABLISHED, FIN, TIME-WAIT with
#       its length, both close orders, all 3 connections ended), the
#       kernel's answers (ping replies, the HTTP page, the echoed line,
#       "bye") and the kernel's own TIME-WAIT in ss -tan;
#   (b) it leaves nothing behind: no namespace, no server process;
#   (c) stopped half-way (SIGTERM, as Ctrl-C would), it still cleans up.
# Needs root (else the demo exits 77, and so does this test). Bounded by
# timeouts. Run from the build directory, as `make check` does.

srcdir=${srcdir:-$(dirname "$0")/..}
demo=$srcdir/samples/kernel_demo.sh
build=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synfin-demo-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}

# expect PATTERN WHAT: a line of the demo's output matches PATTERN (ERE).
expect() {
  grep -Eq -- "$1" "$tmp/out" || bad "no $2 (/$1/)"
}

# leftovers PID OUT: the namespaces and the server of demo run PID are gone.
leftovers() {
  if ip netns list | grep -q "synfin-demo-[ks]-$1\\b"; then
    bad "namespaces of run $1 left behind"
    ip netns list | grep "synfin-demo-[ks]-$1" | while read -r ns _; do
      ip netns del "$ns"
    done
  fi
  ip=$(sed -n 's/.*lifecycle_server owns \([0-9.]*\) .*/\1/p' "$2" | head -1)
  if [ -n "$ip" ] && pgrep -f "lifecycle_server.*--address $ip/" >/dev/null; then
    bad "lifecycle_server of run $1 still running"
  fi
}

# (a) the whole demo.
timeout 60 "$demo" "$build" >"$tmp/out" 2>&1 &
pid=$!
wait $pid
rc=$?
cat "$tmp/out"
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || bad "kernel_demo.sh exited with $rc"

time='^  synfin \| +[0-9]+\.[0-9]{3}  198\.18\.3[0-9]\.1:[0-9]+ +'
expect "$time"'SYN +options: mss [0-9]+.* -> accept$' "on_syn line"
expect "$time"'state +LISTEN -> SYN-RECEIVED$' "LISTEN -> SYN-RECEIVED"
expect "$time"'ESTABLISHED +handshake complete$' "on_established line"
expect "$time"'FIN +peer half-closed$' "on_fin line"
expect "$time"'TIME-WAIT +for 2000 ms' "on_time_wait line"
expect "$time"'HTTP +"GET / HTTP/1.1" -> 200 OK' "HTTP request line"
expect 'state +(FIN-WAIT-2|CLOSING) -> TIME-WAIT$' "synfin closing first"
expect 'state +CLOSE-WAIT -> LAST-ACK$' "synfin closing second"
expect 'state +LAST-ACK -> CLOSED$' "LAST-ACK -> CLOSED"
expect 'state +TIME-WAIT -> CLOSED$' "TIME-WAIT's end"
expect 'closed +connection over \(3 of 3 ended\)$' "all 3 connections ended"
expect '^  synfin \|   tcp_timewait_entered +2 ' "tcp_timewait_entered = 2"
expect '^  synfin \|   tcp_out_rst +0 ' "tcp_out_rst = 0"
expect '^  kernel \| 2 packets transmitted, 2 received' "ping replies"
expect '^  kernel \| Hello 198\.18\.3[0-9]\.1:[0-9]+, this page came from synfin' "HTTP body"
expect '^  kernel \| hello synfin, from the Linux TCP$' "echoed line"
expect '^  kernel \| bye$' "bye"
expect '^  kernel \| TIME-WAIT .*198\.18\.3[0-9]\.2:8080' "kernel TIME-WAIT in ss -tan"
grep -q "FAIL" "$tmp/out" && bad "the demo reported a failure"
# (b)
leftovers $pid "$tmp/out"

# (c) interrupted while serving: cleanup still runs, promptly.
timeout 30 "$demo" "$build" >"$tmp/int" 2>&1 &
pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q '\[2/4\]' "$tmp/int"; do
  sleep 0.1
  i=$((i + 1))
done
kill -TERM $pid
wait $pid
rc=$?
echo "--- the demo, stopped by SIGTERM during step 2 (last lines):"
tail -n 6 "$tmp/int"
# 130 comes only from the demo's INT/TERM trap. (Its "interrupted" line
# is not checked: once in a CI run it was missing from the log while the
# exit status and the cleanup were right, and what matters is those.)
[ $rc = 130 ] || bad "interrupted demo exited with $rc, not 130"
leftovers $pid "$tmp/int"

[ $fail = 0 ] && echo "PASS: kernel demo"
exit $fail
