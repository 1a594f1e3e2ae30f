#!/bin/sh
# sfhttpd's command line, without a network: --help prints the usage and
# the common options and exits 0; each bad argument exits 2 with a
# message naming it and a hint to --help, before any device is opened.
httpd=${builddir:-.}/programs/sfhttpd
[ -x "$httpd" ] || { echo "FAIL: $httpd not built"; exit 1; }
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-httpd-args.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

"$httpd" --help >"$tmp/help" 2>&1 || { echo "FAIL: --help exited non-zero"; fail=1; }
for w in 'Usage: sfhttpd' --root --header-timeout --device --drain-timeout SIGUSR1; do
  grep -q -- "$w" "$tmp/help" || { echo "FAIL: --help does not mention $w"; fail=1; }
done

# bad ARGS... EXPECTED-TEXT: exit status 2 and the text on stderr
bad() {
  want=$1
  shift
  "$httpd" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc != 2 ] || ! grep -q -- "$want" "$tmp/err"; then
    echo "FAIL: sfhttpd $* exited $rc, stderr:"
    cat "$tmp/err"
    fail=1
  fi
}
bad "unknown option '--bogus'" --bogus
grep -q "Try 'sfhttpd --help'" "$tmp/err" || { echo "FAIL: no hint to --help"; fail=1; }
bad "--root DIR is required" --device lo --address 198.18.0.2/24
bad "--port '0'" --root / --port 0
bad "--port needs a value" --root / --port
bad "--header-timeout 'x'" --root / --header-timeout x
bad "--max-header-size '10'" --root / --max-header-size 10
bad "give one of --device or --tap" --root /
bad "--address A/P is required" --root / --device lo
bad "--root '$tmp/none'" --root "$tmp/none" --device lo --address 198.18.0.2/24
[ $fail = 0 ] && echo "PASS: sfhttpd arguments"
exit $fail
