#!/bin/sh
# The installed library, as a user meets it: `make install` into a
# temporary DESTDIR under a prefix given to make (not to configure) must
# give a synfin.pc naming that prefix; `pkg-config --static --libs synfin`
# must carry libev and OpenSSL, so that a program linked with libsynfin.a
# and nothing but those flags builds and runs; and a program linked with
# the shared library and the README's -Wl,-rpath runs without
# LD_LIBRARY_PATH. Run from the build directory (make check does).
set -eu

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}
command -v pkg-config >/dev/null 2>&1 || skip "pkg-config not found"
cc=${SF_CC:-cc}

dest=$(mktemp -d "${TMPDIR:-/tmp}/sf-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
prefix=/opt/synfin-test
# A make of its own: the jobserver of the make running the tests is not
# this one's.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" install \
  DESTDIR="$dest" prefix="$prefix" >"$dest/install.log" 2>&1; then
  cat "$dest/install.log"
  fail "make install DESTDIR=$dest prefix=$prefix"
fi

pcdir=$dest$prefix/lib/pkgconfig
[ -f "$pcdir/synfin.pc" ] || fail "no synfin.pc in $pcdir"
grep -qx "prefix=$prefix" "$pcdir/synfin.pc" ||
  fail "synfin.pc does not name prefix $prefix: $(grep '^prefix=' "$pcdir/synfin.pc")"
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
cflags=$(pkg-config --cflags synfin)
static=$(pkg-config --static --libs synfin)
echo "pkg-config --static --libs synfin: $static"
for lib in -lsynfin -lev -lcrypto; do
  case " $static " in *" $lib "*) ;; *) fail "no $lib in: $static" ;; esac
done

# A loop touches libev (the reactor) and OpenSSL (the keyed hashes).
cat >"$dest/use.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <synfin.h>
int main(void) {
  sf_loop_t loop;
  if (sf_loop_init(&loop) != 0 || sf_run(&loop, SF_RUN_NOWAIT) < 0 ||
      sf_loop_close(&loop) != 0)
    return 1;
  printf("synfin %s: %s\n", sf_version_string(), sf_strerror(SF_ETIMEDOUT));
  return strcmp(sf_err_name(SF_ETIMEDOUT), "ETIMEDOUT") != 0;
}
C

# libsynfin.a, and for everything else only what pkg-config said, as the
# README's static line. (A sanitizer build's library needs the sanitizer
# runtime linked in too.)
libs=$(echo "$static" | sed 's/-lsynfin/-l:libsynfin.a/')
# shellcheck disable=SC2086 # the flags are words
$cc ${SF_SAN_CFLAGS:-} -o "$dest/use-static" "$dest/use.c" $cflags $libs ||
  fail "linking libsynfin.a with pkg-config --static's flags"
"$dest/use-static" || fail "the statically linked program"
if ldd "$dest/use-static" | grep -q libsynfin; then
  fail "use-static is linked to the shared library"
fi

# The shared library, found at run time through the rpath.
# shellcheck disable=SC2046,SC2086
$cc ${SF_SAN_CFLAGS:-} -o "$dest/use-shared" "$dest/use.c" $cflags \
  $(pkg-config --libs synfin) -Wl,-rpath,"$dest$prefix/lib" ||
  fail "linking the shared library"
env -u LD_LIBRARY_PATH "$dest/use-shared" || fail "the program with -Wl,-rpath"
echo "PASS: installed under $prefix (DESTDIR $dest): synfin.pc, static and shared"
