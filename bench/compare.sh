#!/usr/bin/env bash
# Weir vs C: runs each program of bench/programs that has a C twin in bench/c (compiled with
# gcc -O2), checks that both print the same, and prints best-of-N wall times and ratios
# (Weir AOT time / C time), JIT time (compile included) and peak RSS. Figures, never assertions.
#
#   bench/compare.sh            # AOT and JIT (when this weir has them)
#   bench/compare.sh --interp   # also the interpreter (slow: minutes)
#   RUNS=5 bench/compare.sh     # best of 5 (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WITH_INTERP=0
[ "${1:-}" = "--interp" ] && WITH_INTERP=1

cargo build --release -q -p weir-cli
WEIR=$PWD/target/release/weir
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

has() { "$WEIR" "$1" --help >/dev/null 2>&1; }
HAS_AOT=0; has build && HAS_AOT=1
HAS_JIT=0; has run && HAS_JIT=1
[ $HAS_AOT = 1 ] || echo "note: this weir has no \`weir build\` yet: AOT columns are n/a"
[ $HAS_JIT = 1 ] || echo "note: this weir has no \`weir run\` yet: JIT columns are n/a"

# best wall time (s) and peak RSS (KB) of a command over $RUNS runs; stdout to $TMP/out
measure() {
  local best="" rss=0
  for _ in $(seq "$RUNS"); do
    local t0 t1 t m
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$TMP/time" "$@" >"$TMP/out"
    t1=$(date +%s%N)
    t=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
    read -r m <"$TMP/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$best $rss"
}

ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.2fx\", $1 / $2; else print \"n/a\" }"; }

declare -A TARGET=([fib35]="<= 2.0x" [collatz]="<= 1.2x" [structsim]="<= 2.0x" [churn]="RSS <= 64 MB" [strings]="-")

printf '%-10s %8s %8s %8s %-13s %9s %9s %10s %10s\n' program C_s AOT_s ratio target JIT_s compile_s AOT_RSS_MB interp_s
for c in bench/c/*.c; do
  name=$(basename "$c" .c)
  prog=bench/programs/$name.weir
  [ -f "$prog" ] || continue
  gcc -O2 -o "$TMP/c_$name" "$c" -lm
  read -r ct _ < <(measure "$TMP/c_$name")
  cp "$TMP/out" "$TMP/expected"
  at=n/a; ar=n/a; arss=n/a; jt=n/a; comp=n/a; it=n/a
  if [ $HAS_AOT = 1 ]; then
    start=$(date +%s.%N)
    "$WEIR" build "$prog" --release -o "$TMP/w_$name" >/dev/null
    comp=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $start}")
    read -r at rss < <(measure "$TMP/w_$name")
    cmp -s "$TMP/out" "$TMP/expected" || echo "warning: $name: AOT output differs from C"
    ar=$(ratio "$at" "$ct"); arss=$((rss / 1024))
  fi
  if [ $HAS_JIT = 1 ]; then
    read -r jt _ < <(measure "$WEIR" run "$prog" --release)
    cmp -s "$TMP/out" "$TMP/expected" || echo "warning: $name: JIT output differs from C"
  fi
  if [ $WITH_INTERP = 1 ]; then
    read -r it _ < <(RUNS=1 measure "$WEIR" interp "$prog")
    cmp -s "$TMP/out" "$TMP/expected" || echo "warning: $name: interpreter output differs from C"
  fi
  printf '%-10s %8s %8s %8s %-13s %9s %9s %10s %10s\n' "$name" "$ct" "$at" "$ar" "${TARGET[$name]:-}" "$jt" "$comp" "$arss" "$it"
done
