#!/usr/bin/env bash
# The ray tracer demo (demos/raytracer) against its C twin (bench/c/raytracer.c, gcc -O2
# -ffp-contract=off): renders the same scene with both at a benchmark size, checks that the two
# PPM files are byte-identical, and prints best-of-N wall times and the ratio Weir AOT / C.
# Figures only, never assertions.
#
#   bench/raytracer.sh                     # 800x600, best of 3: AOT (--release) and C
#   bench/raytracer.sh --jit --interp      # also `weir run --release` (compile included) and
#                                          # `weir interp` (one run)
#   SIZE="1600 1200" RUNS=5 bench/raytracer.sh
#   bench/raytracer.sh --weir PATH         # use this weir instead of building it
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
RUNS=${RUNS:-3}
SIZE=${SIZE:-800 600}
read -r W H <<<"$SIZE"
WITH_JIT=0
WITH_INTERP=0
weir="${WEIR:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --jit) WITH_JIT=1; shift ;;
    --interp) WITH_INTERP=1; shift ;;
    --weir) weir="${2:?--weir needs a path}"; shift 2 ;;
    *) echo "usage: bench/raytracer.sh [--jit] [--interp] [--weir PATH]" >&2; exit 2 ;;
  esac
done

if [ -z "$weir" ]; then
  cargo build --release -q -p weir-cli
  weir="${CARGO_TARGET_DIR:-$repo/target}/release/weir"
fi
weir="$(cd "$(dirname "$weir")" && pwd)/$(basename "$weir")"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The demo is built in a copy, so no target/ appears in the repository.
cp -r demos/raytracer "$TMP/demo"
rm -rf "$TMP/demo/target"
start=$(date +%s%N)
(cd "$TMP/demo" && "$weir" build -q --release)
compile=$(awk "BEGIN{printf \"%.2f\", ($(date +%s%N) - $start) / 1e9}")
gcc -O2 -ffp-contract=off -o "$TMP/c_raytracer" bench/c/raytracer.c -lm

# best wall time (s) of a command over $RUNS runs
measure() {
  local best=""
  for _ in $(seq "$RUNS"); do
    local t0 t1 t
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    t=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

ct=$(measure "$TMP/c_raytracer" "$W" "$H" "$TMP/c.ppm")
at=$(measure "$TMP/demo/target/release/raytracer" "$W" "$H" "$TMP/aot.ppm")
same() { if cmp -s "$TMP/c.ppm" "$1"; then echo identical; else echo DIFFERENT; fi; }

echo "ray tracer ${W}x${H}, best of $RUNS ($(wc -c <"$TMP/c.ppm") bytes of PPM)"
printf '%-22s %8s %8s %s\n' path time_s vs_C "PPM vs C"
printf '%-22s %8s %8s %s\n' "C (gcc -O2)" "$ct" 1.00x -
printf '%-22s %8s %8s %s\n' "Weir AOT (--release)" "$at" "$(awk "BEGIN{printf \"%.2fx\", $at / $ct}")" "$(same "$TMP/aot.ppm")"
if [ $WITH_JIT = 1 ]; then
  jt=$(cd "$TMP/demo" && measure "$weir" run -q --release -- "$W" "$H" "$TMP/jit.ppm")
  printf '%-22s %8s %8s %s\n' "Weir JIT (--release)" "$jt" "$(awk "BEGIN{printf \"%.2fx\", $jt / $ct}")" "$(same "$TMP/jit.ppm")"
fi
if [ $WITH_INTERP = 1 ]; then
  it=$(cd "$TMP/demo" && RUNS=1 measure "$weir" interp -q -- "$W" "$H" "$TMP/interp.ppm")
  printf '%-22s %8s %8s %s\n' "Weir interpreter" "$it" "$(awk "BEGIN{printf \"%.2fx\", $it / $ct}")" "$(same "$TMP/interp.ppm")"
fi
echo "weir build --release of the demo (cold): ${compile} s"
