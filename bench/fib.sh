#!/usr/bin/env bash
# Interpreter benchmark: builds `weir` in release mode, runs bench/programs/fib30.weir a few times
# through `weir interp` and prints the best wall time and the speed-up over the 2.6 s of a previous
# implementation (target: at least 10x, i.e. at most 0.26 s). Not part of the test suite: timings
# are only reported, never asserted.
#
# Usage: bench/fib.sh [RUNS]   (default 5)
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${1:-5}"
BASELINE=2.6
TARGET=0.26
PROGRAM=bench/programs/fib30.weir
EXPECTED=832040

cargo build --release --locked -p weir-cli --quiet
WEIR=target/release/weir

out="$("$WEIR" interp "$PROGRAM")"
if [ "$out" != "$EXPECTED" ]; then
  echo "error: $PROGRAM printed '$out', expected $EXPECTED" >&2
  exit 1
fi

best=""
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$WEIR" interp "$PROGRAM" >/dev/null
  end=$(date +%s.%N)
  t=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
  echo "run $i: ${t} s"
  if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
    best="$t"
  fi
done

awk -v best="$best" -v base="$BASELINE" -v target="$TARGET" 'BEGIN {
  printf "fib(30) via weir interp: best of runs %.3f s\n", best
  printf "baseline %.2f s -> speed-up %.1fx (target >= 10x, i.e. <= %.2f s): %s\n",
    base, base / best, target, (best <= target ? "met" : "NOT met")
}'
