#!/usr/bin/env bash
# registry.sh -- registry figures (packages.md §6) on a synthetic folder registry of 1,000
# packages x 10 versions with up to 5 dependencies each (weir-pkg/examples/synth_registry.rs,
# real archives), and an application with 20 registry dependencies.
#
# Prints figures only (no assertions), next to their targets:
#   warm resolution: `weir update` with weir.lock removed (index files read,     target <= 100 ms
#     pubgrub, lock written; archives already unpacked), best of 5
#   no-op `weir build` with 20 registry deps (lock honoured, no index read),     target <= 50 ms
#     best of 5 -- run with the registry folder moved away, which proves that
#     it reads no index file and no archive
# and, for information, the generation time, the cold `weir update` (every archive copied,
# verified and unpacked into an empty WEIR_HOME) and the first build.
#
# Usage: bench/registry.sh [--keep DIR] [--packages N] [--weir PATH]
#   --keep DIR     generate into DIR and keep it (default: a temporary folder, removed at exit)
#   --packages N   registry size (default 1000; versions stay 10)
#   --weir PATH    use this weir binary instead of `cargo build --release -p weir-cli`
set -euo pipefail

packages=1000
keep=""
weir="${WEIR:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep="${2:?--keep needs a folder}"; shift 2 ;;
        --packages) packages="${2:?--packages needs a number}"; shift 2 ;;
        --weir) weir="${2:?--weir needs a path}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "registry.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

die() { echo "registry.sh: error: $*" >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
echo "building weir and the generator (cargo build --release) ..." >&2
(cd "$repo" && cargo build --release -q -p weir-cli && cargo build --release -q -p weir-pkg --example synth_registry) \
    || die "cargo build failed"
[ -n "$weir" ] || weir="$target/release/weir"
[ -x "$weir" ] || die "no weir binary at $weir"
weir="$(cd "$(dirname "$weir")" && pwd)/$(basename "$weir")"
synth="$target/release/examples/synth_registry"

if [ -n "$keep" ]; then
    rm -rf "$keep"
    mkdir -p "$keep"
    root="$(cd "$keep" && pwd)"
else
    root="$(mktemp -d "${TMPDIR:-/tmp}/weir-registry-bench.XXXXXX")"
    trap 'rm -rf "$root"' EXIT
fi

if [ "$(date +%N)" != "N" ]; then
    now_ns() { date +%s%N; }
else # BSD date has no %N
    now_ns() { perl -MTime::HiRes=time -e 'printf("%d\n", time() * 1e9)'; }
fi
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }
row() { printf '%-44s %10s    %s\n' "$1" "$2" "$3"; }
# best_of N CMD...: the smallest wall time of N runs, in ms (every run must succeed).
best_of() {
    local n="$1" best="" t ms
    shift
    for _ in $(seq "$n"); do
        t=$(now_ns)
        "$@" > "$root/last.out" 2>&1 || { cat "$root/last.out" >&2; die "'$*' failed"; }
        ms=$(ms_since "$t")
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best="$ms"; fi
    done
    echo "$best"
}

reg="$root/registry"
export WEIR_HOME="$root/home"
unset WEIR_REGISTRY

t=$(now_ns)
"$synth" "$reg" --packages "$packages" > "$root/synth.out" 2>&1 || { cat "$root/synth.out" >&2; die "synth_registry failed"; }
gen_ms=$(ms_since "$t")
app="$root/app"
cp -r "$reg/app" "$app"
rm -rf "$reg/app"
n_versions=$(cat "$reg"/*/*/p* 2>/dev/null | wc -l)
n_deps=$(grep -cE '\(p[0-9]+ \(version' "$app/weir.pkg" || true)

echo "weir: $weir ($("$weir" --version))"
echo "registry: $reg ($n_versions published versions), app: $app ($n_deps registry deps)"
echo

cd "$app"
t=$(now_ns)
"$weir" update -q --registry "$reg" > "$root/cold.out" 2>&1 || { cat "$root/cold.out" >&2; die "cold weir update failed"; }
cold_ms=$(ms_since "$t")
locked=$(grep -c '(package' weir.lock)

resolve() { rm -f weir.lock; "$weir" update -q --registry "$reg"; }
warm_ms=$(best_of 5 resolve)

t=$(now_ns)
"$weir" build -q > "$root/build.out" 2>&1 || { cat "$root/build.out" >&2; die "first weir build failed"; }
build_ms=$(ms_since "$t")
mv "$reg" "$reg.away"
noop_ms=$(best_of 5 "$weir" build -q)
mv "$reg.away" "$reg"
[ -x "$app/target/debug/app" ] && "$app/target/debug/app" > /dev/null || die "the built app does not run"

row "generate the registry" "$gen_ms ms" "(synth_registry, $packages packages)"
row "cold weir update (fetch + unpack all)" "$cold_ms ms" "($locked packages locked)"
row "warm resolution (weir update, no lock)" "$warm_ms ms" "target <= 100 ms: $(awk -v a="$warm_ms" 'BEGIN{printf("%.2f", a/100)}')x of target"
row "first weir build" "$build_ms ms" ""
row "no-op weir build (registry moved away)" "$noop_ms ms" "target <= 50 ms: $(awk -v a="$noop_ms" 'BEGIN{printf("%.2f", a/50)}')x of target"
