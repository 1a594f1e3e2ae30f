#!/bin/sh
# The README's program (its first C block, "Using the API") compiles
# warning-free against synfin.h and prints what the README says it
# prints (the block after "It prints:"), ephemeral ports aside.
# Usage: test_readme.sh [N [ARGS...]]: the Nth C block and the Nth "It
# prints:" instead, the program run with ARGS.
set -eu
block=${1:-1}
[ $# -gt 0 ] && shift
srcdir=${srcdir:-$(dirname "$0")/..}
lib=lib/.libs/libsynfin.so
if [ ! -f "$lib" ]; then
  echo "no shared library was built ($lib): skipping"
  exit 77
fi
cc=${SF_CC:-${CC:-cc}}
command -v "$cc" >/dev/null || { echo "no C compiler ($cc): skipping"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synfin-readme.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

readme=$srcdir/README.md
awk -v want="$block" '/^```c$/ { n++; if (n == want) { on = 1; next } }
     /^```$/ && on { exit }
     on' "$readme" >"$tmp/prog.c"
awk -v want="$block" '/^It prints:$/ { n++; if (n == want) after = 1; next }
     after && /^```$/ { if (on) exit; on = 1; next }
     on' "$readme" >"$tmp/expected"
[ -s "$tmp/prog.c" ] || { echo "test_readme: no C block in $readme"; exit 1; }
[ -s "$tmp/expected" ] || { echo "test_readme: no output in $readme"; exit 1; }

# shellcheck disable=SC2086 # the sanitizer flags are words
"$cc" ${SF_SAN_CFLAGS:-} -Wall -Wextra -Werror -I"$srcdir/include" \
  -o "$tmp/prog" "$tmp/prog.c" \
  "$lib" -Wl,-rpath,"$(pwd)/lib/.libs"
"$tmp/prog" "$@" >"$tmp/out"
ports='s/(port [0-9]*)/(port N)/'
sed "$ports" "$tmp/expected" >"$tmp/want"
sed "$ports" "$tmp/out" >"$tmp/got"
if ! cmp -s "$tmp/want" "$tmp/got"; then
  echo "test_readme: the program prints something else:"
  diff "$tmp/want" "$tmp/got" || true
  exit 1
fi
echo "README program ok: $(wc -l <"$tmp/got") lines as printed"
