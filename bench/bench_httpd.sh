#!/bin/sh
# sfhttpd against nginx on the kernel's TCP, same files, same client, same
# veth pair between two private namespaces (tests/net/netns.sh). wrk runs
# in the kernel namespace; the server namespace holds, one after the
# other, sfhttpd (synfin on AF_PACKET, the device without a kernel
# address) and nginx (one worker, access log off, sendfile on, a config
# written to a temporary directory; the device then gets synfin's address
# as a kernel address). Same URL, same port. Three loads per server:
#   ka    a 100-byte file, keep-alive (wrk -c 50)
#   close the same file, a new connection per request
#         (wrk -H "Connection: close", -c 50)
#   1m    a 1 MiB file, keep-alive (wrk -c 8)
# Prints the median requests/s of RUNS runs of SECS seconds and the ratio
# sfhttpd/nginx. Nothing is asserted. Needs root; installs nginx and wrk
# (Debian packages) when missing. Run from the build directory:
#   sh /path/to/bench/bench_httpd.sh [--smoke] [RUNS] [SECS]
# --smoke: one run of 1 s each, to check that the script works.
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
if [ "${1:-}" = --smoke ]; then
  shift
  runs=1 secs=1
else
  runs=${1:-3} secs=${2:-5}
fi
httpd=./programs/sfhttpd
[ -x "$httpd" ] || { echo "build $httpd first (make)"; exit 1; }
sf_netns_require
for pkg in nginx:nginx-light wrk:wrk; do
  command -v "${pkg%%:*}" >/dev/null 2>&1 && continue
  apt-get install -y -qq --no-install-recommends "${pkg#*:}" >/dev/null 2>&1 ||
    sf_netns_skip "${pkg%%:*} is not installed and could not be"
done
sf_netns_setup bhttp || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-httpd.XXXXXX") || exit 1
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; sf_netns_teardown; rm -rf "$T"' EXIT
mkdir -p "$T/www"
head -c 100 /dev/urandom >"$T/www/small.bin"
head -c 1048576 /dev/urandom >"$T/www/1m.bin"
url=http://$SF_SYNFIN_IP:8080

cat >"$T/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $T; proxy_temp_path $T; fastcgi_temp_path $T;
  uwsgi_temp_path $T; scgi_temp_path $T;
  server { listen $SF_SYNFIN_IP:8080; root $T/www; }
}
EOF

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }

# wrk_rate CONNS PATH [ARGS]: requests/s of one run; 0 if errors
wrk_rate() {
  c=$1 path=$2
  shift 2
  sf_netns_k timeout $((secs + 20)) wrk -t1 -c"$c" -d"${secs}s" "$@" \
    "$url/$path" >"$T/wrk.out" 2>&1
  if grep -Eq 'Non-2xx|Socket errors' "$T/wrk.out"; then
    grep -E 'Non-2xx|Socket errors' "$T/wrk.out" >&2
  fi
  sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk.out" | head -1
}

# loads SERVER: the three medians into $T/SERVER.LOAD
loads() {
  for load in ka close 1m; do
    i=0
    while [ $i -lt "$runs" ]; do
      case $load in
      ka) wrk_rate 50 small.bin ;;
      close) wrk_rate 50 small.bin -H "Connection: close" ;;
      1m) wrk_rate 8 1m.bin ;;
      esac
      i=$((i + 1))
    done | median >"$T/$1.$load"
  done
}

wait_port() {
  i=0
  while [ $i -lt 100 ]; do
    sf_netns_k timeout 2 curl -s -o /dev/null "$url/small.bin" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

ip netns exec "$SF_NS_S" "$httpd" --device "$SF_IF_S" \
  --address "$SF_SYNFIN_IP/24" --root "$T/www" --port 8080 --msl-ms 1000 \
  >"$T/sfhttpd.log" 2>&1 &
spid=$!
wait_port || { echo "sfhttpd not ready"; cat "$T/sfhttpd.log"; exit 1; }
loads sfhttpd
kill $spid
wait $spid
spid=

ip -n "$SF_NS_S" addr add "$SF_SYNFIN_IP/24" dev "$SF_IF_S" || exit 1
ip netns exec "$SF_NS_S" nginx -c "$T/nginx.conf" >"$T/nginx.out" 2>&1 &
spid=$!
wait_port || { echo "nginx not ready"; cat "$T/nginx.out" "$T/nginx.err"; exit 1; }
loads nginx
kill $spid
wait $spid
spid=

echo "sfhttpd vs nginx (1 worker, kernel TCP), wrk -t1, medians of $runs x ${secs}s, requests/s"
printf '%-34s %12s %12s %7s\n' load sfhttpd nginx ratio
for load in ka close 1m; do
  case $load in
  ka) what="100 B, keep-alive (-c 50)" ;;
  close) what="100 B, new connection each (-c 50)" ;;
  1m) what="1 MiB, keep-alive (-c 8)" ;;
  esac
  a=$(cat "$T/sfhttpd.$load") b=$(cat "$T/nginx.$load")
  printf '%-34s %12s %12s %7s\n' "$what" "$a" "$b" "$(ratio "$a" "$b")"
done
