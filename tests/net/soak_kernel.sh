#!/usr/bin/env bash
# A process soak against kernel peers: synfin (tests/net/sf_peer, an echo
# server) runs for --minutes M (default 30) in one network namespace while
# kernel TCP clients in another churn connections through it: echoed
# transfers with half-closes, connections reset mid-transfer (SO_LINGER 0),
# connections closed with echoed data unread (the kernel resets them), and
# connections opened and closed at once; iptables `statistic` drops a share
# of the frames both ways (--loss PERCENT, default 1).
#
# Every --interval S seconds (default 5) it samples synfin's resident memory
# (VmRSS from /proc) and its connection counts (sf_peer --status: open
# handles, control blocks, TIME-WAIT records) and prints the series. The
# verdict compares the first and the last third of the samples after a
# warm-up (the first 10 % of the run, at least 30 s): both must
# stay flat (the last third's mean within 10 % + 2 MiB of the first's for
# memory, within 50 % + 32 for control blocks), every echoed byte must come
# back as sent, and once the churn stops every handle must be closed.
#
#   tests/net/soak_kernel.sh [--minutes M] [--interval S] [--loss PERCENT]
#                            [--workers N]
#   SF_PEER=path/to/sf_peer   (default: build/tests/net/sf_peer)
#
# Needs root (exit 77 without). Exit status 0 flat and correct, 1 not.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
minutes=30 interval=5 loss=1 workers=16
while [ $# -gt 0 ]; do
  case $1 in
  --minutes) minutes=$2; shift 2 ;;
  --interval) interval=$2; shift 2 ;;
  --loss) loss=$2; shift 2 ;;
  --workers) workers=$2; shift 2 ;;
  *) echo "usage: $0 [--minutes M] [--interval S] [--loss PCT] [--workers N]" >&2
     exit 2 ;;
  esac
done
peer=${SF_PEER:-$top/build/tests/net/sf_peer}
# shellcheck source=tests/net/netns.sh
. "$here/netns.sh"
sf_netns_require
[ -x "$peer" ] || { echo "FAIL: $peer not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || sf_netns_skip "python3 not found"
command -v iptables >/dev/null 2>&1 || sf_netns_skip "iptables not found"
sf_netns_setup soak || { echo "FAIL: topology"; exit 1; }
SF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-soak.XXXXXX") || exit 1

# Loss both ways, at the kernel's end of the veth (synfin's AF_PACKET
# socket passes by iptables on its own side).
sf_netns_loss "$loss" || { echo "FAIL: iptables"; exit 1; }
prob=$(awk "BEGIN { printf \"%.4f\", $loss / 100 }")
sf_netns_k iptables -w -A INPUT -i "$SF_IF_K" -m statistic --mode random \
  --probability "$prob" -j DROP || { echo "FAIL: iptables"; exit 1; }

secs=$((minutes * 60))
sf_netns_s timeout $((secs + 180)) "$peer" --device "$SF_IF_S" \
  --address "$SF_SYNFIN_IP/24" --deadline $((secs + 150)) --quiet \
  --status 1000 --keepalive 10 echo-server 7 >"$SF_TMP/peer.out" 2>&1 &
wrapper=$!
sf_netns_wait_for "$SF_TMP/peer.out" '^ready' 100 ||
  { echo "FAIL: sf_peer did not start"; cat "$SF_TMP/peer.out"; exit 1; }
pid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$SF_TMP/peer.out")

cat >"$SF_TMP/churn.py" <<'PYEOF'
# Kernel TCP clients that churn connections to HOST:PORT for SECS seconds.
import asyncio, os, random, socket, struct, sys, time

host, port, secs, workers = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
counts = {"echo_ok": 0, "echo_bad": 0, "reset": 0, "unread": 0, "quick": 0,
          "failed": 0}

async def opened():
    r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    return r, w

async def echo(rng):
    # Send, half-close, read the echo to EOF: it must be what was sent.
    r, w = await opened()
    data = rng.randbytes(rng.randrange(1, 65536))
    w.write(data)
    await w.drain()
    w.write_eof()
    back = await asyncio.wait_for(r.read(-1), 30)
    w.close()
    counts["echo_ok" if back == data else "echo_bad"] += 1

async def reset(rng):
    # Send some, then close with SO_LINGER 0: an RST mid-transfer.
    r, w = await opened()
    w.write(rng.randbytes(rng.randrange(1, 32768)))
    await w.drain()
    await asyncio.sleep(rng.random() * 0.05)
    w.get_extra_info("socket").setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()
    counts["reset"] += 1

async def unread(rng):
    # Send and half-close, read a little, close: the echo still arriving
    # is unread, so the kernel resets.
    r, w = await opened()
    w.write(rng.randbytes(rng.randrange(4096, 65536)))
    await w.drain()
    w.write_eof()
    await asyncio.wait_for(r.read(1024), 30)
    w.close()
    counts["unread"] += 1

async def quick(rng):
    # Open and close at once (our FIN first, no data).
    r, w = await opened()
    w.close()
    await asyncio.wait_for(r.read(-1), 30)
    counts["quick"] += 1

async def worker(i, end):
    rng = random.Random(i)
    kinds = [echo] * 5 + [reset] * 2 + [unread, quick]
    while time.monotonic() < end:
        try:
            await rng.choice(kinds)(rng)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            counts["failed"] += 1

async def main():
    end = time.monotonic() + secs
    await asyncio.gather(*(worker(i, end) for i in range(workers)))

asyncio.run(main())
print("churn " + " ".join("%s=%d" % kv for kv in counts.items()), flush=True)
PYEOF
sf_netns_k timeout $((secs + 120)) python3 "$SF_TMP/churn.py" \
  "$SF_SYNFIN_IP" 7 "$secs" "$workers" >"$SF_TMP/churn.out" 2>&1 &
churn=$!

# The latest status line's NAME=value.
status_field() {
  grep '^status ' "$SF_TMP/peer.out" | tail -1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null; }

echo "soak: $minutes min, sample every $interval s, ${loss}% loss each way," \
  "$workers kernel clients; synfin pid $pid"
printf '%8s %8s %8s %8s %8s %8s\n' t_s rss_kb handles tcbs timewait done
t0=$(date +%s)
while kill -0 "$churn" 2>/dev/null; do
  sleep "$interval"
  kill -0 "$pid" 2>/dev/null || break
  printf '%8d %8s %8s %8s %8s %8s\n' $(($(date +%s) - t0)) "$(rss_kb)" \
    "$(status_field handles)" "$(status_field tcbs)" \
    "$(status_field timewait)" "$(status_field done)" | tee -a "$SF_TMP/series"
done
wait "$churn"
cat "$SF_TMP/churn.out"

fail=0
bad() { echo "FAIL: $*"; fail=1; }
kill -0 "$pid" 2>/dev/null || bad "synfin exited during the soak"
# Once the clients are gone, every connection handle closes (resets and
# retransmissions under loss included; one whose RST was lost, by
# keepalive: 10 s idle, 3 probes 1 s apart): wait up to 60 s.
for _ in $(seq 60); do
  [ "$(status_field handles)" = 0 ] && break
  sleep 1
done
[ "$(status_field handles)" = 0 ] ||
  bad "$(status_field handles) handles still open after the churn"
kill -TERM "$pid" 2>/dev/null
wait "$wrapper"

grep -q ' echo_bad=0 ' "$SF_TMP/churn.out" || bad "echoed bytes differed"
grep -Eq 'echo_ok=[1-9]' "$SF_TMP/churn.out" || bad "no echo succeeded"
echo "synfin's connection errors (resets are expected):"
grep '^error ' "$SF_TMP/peer.out" | sort | uniq -c
# Errors other than a reset or a timeout under loss would be a bug; an
# accept may also find that a reset took its connection from the queue.
if grep '^error ' "$SF_TMP/peer.out" |
  grep -Ev 'ECONNRESET|EPIPE|ETIMEDOUT|ECANCELED|^error accept EAGAIN'; then
  bad "unexpected errors"
fi
grep '^counters' "$SF_TMP/peer.out" | tail -1 | tr ' ' '\n' |
  grep -E '^tcp_(active|passive|retrans_segs|rst|in_nomem|timewait)' | paste -sd' '

# Flat: the last third's means against the first third's, after a warm-up
# (the first 10 %, at least 30 s) in which buffers and tables first grow.
warm=$((secs / 10 > 30 ? secs / 10 : 30))
verdict=$(awk -v rss_slack_kb=2048 -v warm="$warm" '
  $1 < warm { next }
  { t[++NR_] = $1; r[NR_] = $2; c[NR_] = $4 }
  END {
    n = int(NR_ / 3)
    if (n < 2) { print "too few samples (" NR_ ")"; exit 1 }
    for (i = 1; i <= n; i++) { r1 += r[i]; c1 += c[i] }
    for (i = NR_ - n + 1; i <= NR_; i++) { r3 += r[i]; c3 += c[i] }
    r1 /= n; r3 /= n; c1 /= n; c3 /= n
    printf "rss_kb first third %.0f, last third %.0f (x%.3f); ", r1, r3, r3 / r1
    printf "tcbs first third %.1f, last third %.1f", c1, c3
    if (r3 > r1 * 1.10 + rss_slack_kb || c3 > c1 * 1.5 + 32) { print " NOT FLAT"; exit 1 }
    print " flat"
  }' "$SF_TMP/series") || fail=1
echo "verdict: $verdict"
[ $fail = 0 ] && echo "PASS: soak_kernel ($minutes min)"
exit $fail
