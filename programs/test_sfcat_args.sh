#!/bin/sh
# sfcat's command line, without a network (no root needed): --help says
# how to call it and what each exit status means and exits 0; each kind
# of bad argument gives a message naming what is wrong, a hint to --help,
# and status 2, before anything is opened; a device that cannot be opened
# gives status 1 and the reason; the man page documents the same
# statuses and options. Run from the build directory.

sfcat=${builddir:-.}/programs/sfcat
[ -x "$sfcat" ] || { echo "FAIL: $sfcat not built"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sfcat-args.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}

# --help: status 0, on stdout, every exit status and the common options.
"$sfcat" --help >"$tmp/help" 2>"$tmp/help.err"
rc=$?
[ $rc = 0 ] || bad "--help exited with $rc"
[ -s "$tmp/help.err" ] && bad "--help wrote to stderr"
for want in '^Usage: sfcat \[OPTIONS\] HOST PORT' '^ +sfcat -l \[OPTIONS\] PORT' \
  '--connect-timeout S' '--idle-timeout S' '--quiet' '--device DEV' \
  '--address A/P' '--pcap FILE' '--trace' '--drain-timeout S' 'SIGUSR1' \
  '^  0  ' '^  1  ' '^  2  bad arguments' '^  3  connection refused' \
  '^  4  connection reset' '^  5  timeout'; do
  grep -Eq -- "$want" "$tmp/help" || bad "--help lacks /$want/"
done

# The man page lists the same statuses and options, and renders without
# a warning where man(1) is installed.
man1=${srcdir:-$(dirname "$0")/..}/programs/sfcat.1
for n in 0 1 2 3 4 5; do
  grep -q "^\.B $n\$" "$man1" || bad "sfcat.1 lacks exit status $n"
done
sed 's/\\//g' "$man1" >"$tmp/man.txt" # roff's \- is a plain -
for o in listen quiet connect-timeout idle-timeout device address pcap trace; do
  grep -qF -- "--$o" "$tmp/man.txt" || bad "sfcat.1 lacks --$o"
done
if command -v man >/dev/null 2>&1; then
  LC_ALL=C MANWIDTH=80 man --warnings -l "$man1" 2>"$tmp/man.err" >/dev/null
  [ -s "$tmp/man.err" ] && { bad "sfcat.1 renders with warnings"; cat "$tmp/man.err"; }
fi

# usage EXPECTED ARGS...: status 2, the message on stderr, nothing on
# stdout.
usage() {
  want=$1
  shift
  "$sfcat" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  [ $rc = 2 ] || bad "sfcat $*: status $rc, not 2"
  grep -Eq -- "^sfcat: .*$want" "$tmp/err" || {
    bad "sfcat $*: no /$want/ in its message"
    cat "$tmp/err"
  }
  grep -q "^Try 'sfcat --help'" "$tmp/err" || bad "sfcat $*: no hint to --help"
  [ -s "$tmp/out" ] && bad "sfcat $*: wrote to stdout"
}

dev="--device vs --address 198.18.0.2/24"
usage 'give HOST and PORT' $dev
usage 'give HOST and PORT' $dev 198.18.0.1
usage "HOST '198.18.0.300'" $dev 198.18.0.300 80
usage "HOST 'example.org'" $dev example.org 80
usage "PORT '0'" $dev 198.18.0.1 0
usage "PORT '65536'" $dev 198.18.0.1 65536
usage "PORT 'http'" $dev 198.18.0.1 http
usage '-l takes one argument' $dev -l 198.18.0.1 80
usage '-l takes one argument' $dev -l
usage 'too many arguments' $dev 1 2 3 4
usage "unknown option '--bogus'" $dev --bogus 198.18.0.1 80
usage '--idle-timeout needs a value' $dev 198.18.0.1 80 --idle-timeout
usage "--connect-timeout '0'" $dev --connect-timeout 0 198.18.0.1 80
usage "--idle-timeout 'x'" $dev --idle-timeout x 198.18.0.1 80
usage "--mtu '1'" $dev --mtu 1 198.18.0.1 80
usage 'one of --device or --tap' --address 198.18.0.2/24 198.18.0.1 80
usage '--address A/P is required' --device vs 198.18.0.1 80

# Well-formed, but the device cannot be opened (it does not exist, or
# without root there is no CAP_NET_RAW): a runtime failure, status 1,
# with the reason.
"$sfcat" --device sfcat-nodev0 --address 198.18.0.2/24 198.18.0.1 80 \
  </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] || bad "no such device: status $rc, not 1"
grep -Eq '^sfcat: .*(sfcat-nodev0|CAP_NET_RAW)' "$tmp/err" ||
  { bad "no such device: no reason given"; cat "$tmp/err"; }

[ $fail = 0 ] && echo "PASS: sfcat arguments"
exit $fail
