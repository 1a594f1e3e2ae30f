#!/bin/sh
# libsynfin.so exports exactly the public API: every dynamic symbol it
# defines starts with sf_ (never sf__, the internal prefix), and the
# functions declared in synfin.h are all there.
set -eu
lib=lib/.libs/libsynfin.so
if [ ! -f "$lib" ]; then
  echo "no shared library was built ($lib): skipping"
  exit 77
fi
command -v nm >/dev/null || { echo "nm not found: skipping"; exit 77; }

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBW]$/ { print $3 }' | sort)
bad=$(printf '%s\n' "$exported" | grep -v '^sf_' || true)
internal=$(printf '%s\n' "$exported" | grep '^sf__' || true)
if [ -n "$bad" ] || [ -n "$internal" ]; then
  echo "symbols exported that are not public API:"
  printf "%s\n%s\n" "$bad" "$internal"
  exit 1
fi
for f in sf_strerror sf_err_name sf_translate_sys_error sf_version sf_version_string; do
  printf '%s\n' "$exported" | grep -qx "$f" || { echo "missing export: $f"; exit 1; }
done
echo "exports ok: $(printf '%s\n' "$exported" | wc -l) symbols"
