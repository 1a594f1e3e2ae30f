#!/bin/sh
# The layers of lib/ (docs/design.md) depend downward only. This
# checks every `#include "dir/file.h"` under lib/ against the rules:
#
#   lib/base             includes only lib/base (and system and public
#                        headers): everything else builds on it
#   lib/wire, lib/util,  never lib/loop, lib/api, lib/link or lib/tls:
#   lib/ip, lib/tcp,     the engine is sans-I/O and knows no driver
#   lib/stack
#   lib/link             never lib/api, lib/loop, lib/tcp, lib/ip or
#                        lib/stack: a driver moves frames and nothing else
#   lib/api              never lib/tls: TLS is a stream type built on it
#   engine order         wire never includes ip, tcp or stack; ip never
#                        tcp or stack; tcp never stack
#   lib/api order        a file of lib/api includes the lib/api headers of
#                        files before it in lib/api/handle.h's list only
#                        (iface_raw.c counts as iface; files not listed
#                        are not ordered)
#
# Usage: test_layering.sh [LIBDIR]
#   LIBDIR (or $SF_LAYERING_LIB): check that tree's lib/ instead of this
#   one's. Without either, checks $srcdir/lib, then runs the self-test.
# Usage: test_layering.sh --self-test
#   Copies lib/ into a temporary directory, plants one forbidden include
#   at a time, and checks that each is caught (the check can fail).
# Prints file:line and the rule broken for every violation; exits 1 if
# there is any.
set -eu

srcdir=${srcdir:-$(dirname "$0")/..}

# The rules, applied to one file after another (awk).
rules='
  BEGIN {
    io = "loop api link tls"
    forbid["wire"] = io " ip tcp stack"
    forbid["util"] = io
    forbid["ip"] = io " tcp stack"
    forbid["tcp"] = io " stack"
    forbid["stack"] = io
    forbid["link"] = "api loop tcp ip stack"
    # lib/tls is a stream type on top of lib/api
    forbid["api"] = "tls"
    n = split("handle hooks events timer signal poll async phase iface " \
              "tcp_impl stream tcp_stream tcp lifecycle close relay " \
              "deliver loop", \
              api, " ")
    for (i = 1; i <= n; i++)
      api_rank[api[i]] = i
    api_rank["iface_raw"] = api_rank["iface"]
  }
  function stem(path) {
    sub(/.*\//, "", path)
    sub(/\.[ch]$/, "", path)
    return path
  }
  FNR == 1 {
    rel = substr(FILENAME, length(lib) + 1)
    layer = rel
    sub(/\/.*/, "", layer)
    self = stem(rel)
  }
  /^[ \t]*#[ \t]*include[ \t]*"[^"]*\/[^"]*"/ {
    target = $0
    sub(/^[^"]*"/, "", target)
    sub(/".*/, "", target)
    dir = target
    sub(/\/.*/, "", dir)
    why = ""
    if (layer == "base" && dir != "base")
      why = "lib/base may include only lib/base"
    else if (index(" " forbid[layer] " ", " " dir " "))
      why = "lib/" layer " must not include lib/" dir
    else if (layer == "api" && dir == "api" && (self in api_rank) &&
             (stem(target) in api_rank) &&
             api_rank[stem(target)] > api_rank[self])
      why = "lib/api/" self " must not include lib/api/" stem(target) \
            " (later in api/handle.h)"
    if (why != "") {
      printf "lib/%s:%d: #include \"%s\": %s\n", rel, FNR, target, why
      bad = 1
    }
  }
  END { exit bad }
'

# Prints the violations under $1 (a lib/ directory); fails if any.
check_tree() {
  if [ ! -d "$1" ]; then
    echo "test_layering: no such directory: $1" >&2
    exit 2
  fi
  find "$1" -type f \( -name '*.c' -o -name '*.h' \) \
    -exec awk -v lib="$1/" "$rules" {} +
}

# Plants `#include "$3"` at the end of $2 (relative to lib/) in a fresh
# copy of $1 and expects the check to name that file and rule $4.
expect_caught() {
  copy=$tmp/case
  rm -rf "$copy"
  cp -R "$1" "$copy"
  chmod -R u+w "$copy"
  mkdir -p "$copy/$(dirname "$2")"
  printf '#include "%s"\n' "$3" >>"$copy/$2"
  if out=$(check_tree "$copy"); then
    echo "self-test: planting #include \"$3\" in lib/$2 was not caught"
    return 1
  fi
  case $out in
  *"lib/$2:"*"$4"*) echo "self-test: caught: $out" ;;
  *)
    echo "self-test: lib/$2 -> $3: wrong report: $out"
    return 1
    ;;
  esac
}

self_test() {
  lib=$1
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp -R "$lib" "$tmp/clean"
  if ! out=$(check_tree "$tmp/clean"); then
    echo "self-test: the copy of $lib fails before anything is planted:"
    echo "$out"
    return 1
  fi
  expect_caught "$lib" wire/checksum.h tcp/engine.h \
    "lib/wire must not include lib/tcp"
  expect_caught "$lib" ip/ip.h stack/stack.h \
    "lib/ip must not include lib/stack"
  expect_caught "$lib" tcp/engine.h loop/loop.h \
    "lib/tcp must not include lib/loop"
  expect_caught "$lib" link/link.h api/handle.h \
    "lib/link must not include lib/api"
  expect_caught "$lib" base/time.h wire/bytes.h \
    "lib/base may include only lib/base"
  expect_caught "$lib" stack/new.c link/link.h \
    "lib/stack must not include lib/link"
  expect_caught "$lib" api/close.c tls/tls.h \
    "lib/api must not include lib/tls"
  expect_caught "$lib" api/stream.c api/tcp.h \
    "lib/api/stream must not include lib/api/tcp (later in api/handle.h)"
  echo "self-test: every planted include was caught"
}

case ${1:-} in
--self-test)
  self_test "$srcdir/lib"
  ;;
"")
  lib=${SF_LAYERING_LIB:-$srcdir/lib}
  check_tree "$lib"
  echo "layering ok: $lib"
  [ -n "${SF_LAYERING_LIB:-}" ] || self_test "$lib"
  ;;
*)
  check_tree "$1"
  echo "layering ok: $1"
  ;;
esac
