# Helpers for the programs' tests. Source it after tests/net/netns.sh;
# it is not a program.
#   prog_usage_fails PROG TEXT ARGS...  PROG ARGS exits 2 with TEXT on
#                              stderr (else FAIL and exit 1)
#   prog_klistening PORT       wait up to 5 s for a kernel listener on PORT
#                              in the kernel namespace; 1 if none
#   prog_same WHAT SENT GOT    GOT is byte-exact SENT
#   prog_status WHAT WANT GOT  an exit status
#   prog_expect WHAT FILE ERE  a line of FILE matches ERE (else it is shown)
#   prog_wait_size FILE BYTES TENTHS  wait until FILE holds BYTES bytes,
#                              at most TENTHS tenths of a second; 1 if not
#   prog_table_states          on stdin a program's stderr with SIGUSR1
#                              reports: the states of the table's rows,
#                              counted (uniq -c)

prog_usage_fails() {
  prog=$1 text=$2
  shift 2
  msg=$("$prog" "$@" 2>&1 </dev/null >/dev/null)
  st=$?
  [ $st = 2 ] && printf '%s' "$msg" | grep -q -- "$text" && return 0
  echo "FAIL: $(basename "$prog") $*: status $st, '$msg' (wanted 2 and '$text')"
  exit 1
}

prog_klistening() {
  i=0
  until sf_netns_k ss -ltn | grep -q ":$1 "; do
    [ $i -lt 50 ] || return 1
    sleep 0.1
    i=$((i + 1))
  done
}

prog_same() {
  cmp -s "$2" "$3" ||
    sf_netns_bad "$1: $(wc -c <"$3") bytes received, not the same as the $(wc -c <"$2") sent"
}

prog_status() {
  [ "$3" = "$2" ] || sf_netns_bad "$1: exit status $3, not $2"
}

prog_expect() {
  grep -Eq -- "$3" "$2" || { sf_netns_bad "$1: no /$3/ in:"; cat "$2"; }
}

prog_wait_size() {
  i=0
  while [ "$(wc -c 2>/dev/null <"$1" || echo 0)" -lt "$2" ]; do
    [ $i -lt "$3" ] || return 1
    sleep 0.1
    i=$((i + 1))
  done
}

# A SIGUSR1 report is the table (a "State ..." header, then a row per
# control block) and then the program's own lines ("NAME: ..."), which
# are no rows.
prog_table_states() {
  awk '/^State/ { t = 1; next } /^[a-z]+: / { t = 0 }
       t && NF >= 5 { print $1 }' | sort | uniq -c
}
