#!/usr/bin/env bash
# Sets up a synfin build from a fresh clone, idempotently:
#   1. installs the Debian packages the build needs, if any is missing
#      (as root; otherwise it says which to install and stops);
#   2. autoreconf, then configure into a build directory (default: build/);
#   3. builds.
# Each long step says what it does and about how long it takes (measured
# on a 2-core machine; a loaded one takes longer). Tools' chatter is kept
# out of sight, and shown only when a step fails.
# Usage: scripts/setup.sh [BUILD_DIR [CONFIGURE_ARGS...]]
#   scripts/setup.sh                          # ./build, default options
#   scripts/setup.sh build-san --enable-sanitizers
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-build}
[ $# -gt 0 ] && shift
case $builddir in /*) ;; *) builddir=$top/$builddir ;; esac

# The packages a build and `make check` need. tcpdump lets the pcap test
# check real decoding; clang and its runtime build the libFuzzer targets;
# the namespace tests drive the kernel's side with iproute2, ping, python3,
# setpriv (util-linux), ethtool, iptables, nc (netcat-openbsd) and curl;
# the SYN-flood test floods with hping3; the TLS tests make certificates
# and talk to synfin with openssl; sfhttpd's test loads it with wrk;
# liblwip-dev builds bench/lwip_server, the third server of bench_all.sh,
# whose user-space servers' devices get nftables' ingress drop (README).
packages="build-essential autoconf automake libtool pkg-config libev-dev
libssl-dev check tcpdump clang libclang-rt-dev iproute2 iputils-ping
python3 util-linux ethtool iptables netcat-openbsd curl hping3 openssl wrk
liblwip-dev nftables"

# Runs a command with its output kept in a file, shown only if it fails.
quietly() {
  log=$(mktemp "${TMPDIR:-/tmp}/synfin-setup.XXXXXX")
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup: failed: $*" >&2
    return 1
  fi
  rm -f "$log"
}

missing=
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages:$missing" >&2
    echo "setup: run as root, or: sudo apt-get install -y$missing" >&2
    exit 1
  fi
  echo "setup: installing Debian packages:$missing (apt-get; a minute or two)"
  export DEBIAN_FRONTEND=noninteractive
  quietly apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the list is intended
  quietly apt-get install -y -qq --no-install-recommends $missing
fi

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
  echo "setup: generating configure (autoreconf -fi; about 15 seconds)"
  quietly autoreconf -fi
fi

mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ]; then
  echo "setup: configuring $builddir${*:+ $*} (about 15 seconds)"
  quietly "$top/configure" "$@"
fi
echo "setup: building in $builddir with $(nproc) jobs (a minute or two the first time)"
quietly make -j"$(nproc)"
echo "setup: done ($builddir)"
