#!/bin/sh
# The README's TLS program (its second C block) compiles warning-free and
# prints what the README shows, with certificates made by openssl req.
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
command -v openssl >/dev/null 2>&1 || { echo "no openssl: skipping"; exit 77; }
. "$srcdir/tests/tls/certs.sh"
certs=$(mktemp -d "${TMPDIR:-/tmp}/synfin-readme-tls.XXXXXX")
trap 'rm -rf "$certs"' EXIT INT TERM
sf_tls_certs "$certs" || { echo "could not make certificates"; exit 1; }
sh "$srcdir/tests/test_readme.sh" 2 "$certs/ca.pem" "$certs/server.pem" \
  "$certs/server.key"
