# Medians and spreads for the benchmark tables (bench_all.sh,
# bench_tls.sh): the values of key k are v[k, 1..n[k]], filled by the
# program that loads this file (awk -f median.awk -f PROGRAM).

# The median of v[k, 1..n]; sets lo and hi to the smallest and largest.
function med(k, n,   i, j, t, a) {
  for (i = 1; i <= n; i++) a[i] = v[k, i]
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
    if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  lo = a[1]; hi = a[n]
  return a[int((n + 1) / 2)]
}

# "median (min-max)" of key k, "-" without values.
function cell(k) {
  if (!n[k]) return "-"
  x = med(k, n[k])
  return x " (" lo "-" hi ")"
}
