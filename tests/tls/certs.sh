# Throwaway certificates made with `openssl req` for the TLS tests that
# use the OpenSSL tools. Source it; it is not a program.
#   sf_tls_certs DIR   makes in DIR: ca.pem/ca.key (a test CA),
#                      server.pem/.key (CN and DNS name server.test) and
#                      expired.pem/.key (the same name, expired),
#                      both signed by the CA. Returns 1 (with OpenSSL's
#                      words on stderr) if any is missing.

sf_tls_req() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "$@" \
    2>>"$sf_tls_dir/openssl.err"
}

# sf_tls_sign NAME X509-ARGS: NAME.pem for server.test, signed by the CA
sf_tls_sign() {
  sf_tls_req -keyout "$sf_tls_dir/$1.key" -out "$sf_tls_dir/$1.csr" \
    -subj "/CN=server.test" &&
    # shellcheck disable=SC2086 # the validity arguments are words
    openssl x509 -req -in "$sf_tls_dir/$1.csr" -CA "$sf_tls_dir/ca.pem" \
      -CAkey "$sf_tls_dir/ca.key" -CAcreateserial -out "$sf_tls_dir/$1.pem" \
      -extfile "$sf_tls_dir/ext" $2 2>>"$sf_tls_dir/openssl.err"
}

sf_tls_certs() {
  sf_tls_dir=$1
  sf_tls_req -x509 -keyout "$sf_tls_dir/ca.key" -out "$sf_tls_dir/ca.pem" \
    -days 2 -subj "/CN=synfin test CA"
  printf 'subjectAltName=DNS:server.test\n' >"$sf_tls_dir/ext"
  sf_tls_sign server "-days 2"
  # OpenSSL 3.4 and later take explicit dates; before, a negative validity
  sf_tls_sign expired "-not_before 20200101000000Z -not_after 20200102000000Z" ||
    sf_tls_sign expired "-days -1"
  for f in ca server expired; do
    if [ ! -s "$sf_tls_dir/$f.pem" ]; then
      cat "$sf_tls_dir/openssl.err" >&2
      return 1
    fi
  done
}
