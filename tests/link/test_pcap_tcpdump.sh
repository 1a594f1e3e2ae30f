#!/bin/sh
# tcpdump must read what synfin's pcap writer writes: runs pcap_sample
# (a memory link teed into a pcap file, frames both ways) and checks
# tcpdump's decoding of every frame, nanosecond timestamps included.
#
# Run from the build directory (as `make check` does). TCPDUMP names the
# tcpdump binary (configure finds it); empty means not installed: skip
# (exit 77). Unset (running by hand) means look it up in PATH.

if [ -z "${TCPDUMP+set}" ]; then
  TCPDUMP=$(command -v tcpdump 2>/dev/null || true)
fi
if [ -z "$TCPDUMP" ]; then
  echo "tcpdump not installed: skipping"
  exit 77
fi

sample=./tests/link/pcap_sample
if [ ! -x "$sample" ]; then
  echo "FAIL: $sample not built (run from the build directory)"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-pcap-tcpdump.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

"$sample" "$tmp/sample.pcap" || { echo "FAIL: pcap_sample failed"; exit 1; }

# -tt with nanosecond precision prints the timestamps as written, with no
# time zone involved.
if ! "$TCPDUMP" -nn -e -tt --time-stamp-precision=nano -r "$tmp/sample.pcap" \
  >"$tmp/out" 2>"$tmp/err"; then
  echo "FAIL: tcpdump could not read the file:"
  cat "$tmp/err"
  exit 1
fi

fail=0
expect() {
  if ! grep -F -x -- "$1" "$tmp/out" >/dev/null; then
    echo "FAIL: no line: $1"
    fail=1
  fi
}

A=02:00:00:00:00:01
B=02:00:00:00:00:02
expect "1700000000.123456789 $A > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 198.18.0.2 tell 198.18.0.1, length 28"
expect "1700000000.124456789 $B > $A, ethertype ARP (0x0806), length 42: Reply 198.18.0.2 is-at $B, length 28"
expect "1700000000.125456789 $A > $B, ethertype IPv4 (0x0800), length 98: 198.18.0.1 > 198.18.0.2: ICMP echo request, id 17096, seq 1, length 64"
expect "1700000000.126456789 $B > $A, ethertype IPv4 (0x0800), length 98: 198.18.0.2 > 198.18.0.1: ICMP echo reply, id 17096, seq 1, length 64"
expect "1700000000.127456789 $A > $B, ethertype IPv4 (0x0800), length 74: 198.18.0.1.51358 > 198.18.0.2.8080: Flags [S], seq 3506414807, win 64240, options [mss 1460,sackOK,TS val 3572245768 ecr 0,nop,wscale 10], length 0"
expect "1700000000.128456789 $B > $A, ethertype IPv4 (0x0800), length 74: 198.18.0.2.8080 > 198.18.0.1.51358: Flags [S.], seq 541207575, ack 3506414808, win 65160, options [mss 1460,sackOK,TS val 3556433787 ecr 3572245768,nop,wscale 10], length 0"

lines=$(wc -l <"$tmp/out")
if [ "$lines" -ne 6 ]; then
  echo "FAIL: expected 6 lines from tcpdump, got $lines"
  fail=1
fi
if [ "$fail" -ne 0 ]; then
  echo "--- tcpdump output:"
  cat "$tmp/out"
  exit 1
fi
echo "PASS: tcpdump decodes all 6 frames"
exit 0
