#!/bin/sh
# The demo runs, resolves ARP and gets echo replies through 20% loss; the
# same seed replays the same trace; its pcap is readable by tcpdump.
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synfin-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

./samples/demo --loss 20 --seed 7 --count 6 --pcap "$tmp/demo.pcap" >"$tmp/out1"
./samples/demo --loss 20 --seed 7 --count 6 --pcap "$tmp/again.pcap" >"$tmp/out2"
cat "$tmp/out1"

fail() { echo "test_demo: $*" >&2; exit 1; }
grep -q 'A sends .*ARP, Request who-has 198.18.0.2 tell 198.18.0.1' "$tmp/out1" ||
  fail "no ARP request in the trace"
grep -q 'B sends .*ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02' "$tmp/out1" ||
  fail "no ARP reply in the trace"
grep -q 'B sends .*198.18.0.2 > 198.18.0.1: ICMP echo reply' "$tmp/out1" ||
  fail "no echo reply in the trace"
grep -q 'ARP resolved' "$tmp/out1" || fail "ARP did not resolve"
grep -q 'A receives .*198.18.0.2 > 198.18.0.1: ICMP echo reply' "$tmp/out1" ||
  fail "A received no echo reply"
grep -Eq 'the fault injector lost ([1-9][0-9]* of [0-9]+ frames sent by A|.* and [1-9][0-9]* of)' "$tmp/out1" ||
  fail "the the fault injector lost nothing"
# The clock is virtual and the faults seeded: a run replays exactly.
sed '/written to/d' "$tmp/out1" >"$tmp/a"
sed '/written to/d' "$tmp/out2" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "two runs with one seed differ"
cmp -s "$tmp/demo.pcap" "$tmp/again.pcap" || fail "two captures with one seed differ"
# Another seed gives another run.
./samples/demo --loss 20 --seed 8 --count 6 >"$tmp/out3" || true
sed '/written to/d' "$tmp/out3" | cmp -s "$tmp/a" - && fail "seeds 7 and 8 gave the same run"

tcpdump=${TCPDUMP:-$(command -v tcpdump || true)}
if [ -n "$tcpdump" ]; then
  "$tcpdump" -nn -r "$tmp/demo.pcap" >"$tmp/dump" 2>/dev/null
  grep -q 'ICMP echo request, id 24415, seq 1, length 40' "$tmp/dump" ||
    { cat "$tmp/dump"; fail "tcpdump does not decode the capture as expected"; }
  echo "tcpdump reads the capture: $(wc -l <"$tmp/dump") frames"
else
  echo "tcpdump not installed: capture not checked"
fi
