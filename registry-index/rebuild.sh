#!/bin/sh
# Rebuilds the registry in this folder from sources/ with `weir publish`, so that it is
# reproducible: the archives (and so the checksums in the index) are byte-identical on every run.
#
# usage: registry-index/rebuild.sh [WEIR] [--no-verify]
#   WEIR         the weir binary (default: the newest of $CARGO_TARGET_DIR/{debug,release}/weir
#                and target/{debug,release}/weir of this repository)
#   --no-verify  passed to `weir publish`: do not compile each package before packing it
#
# Every package of $ORDER is published in that order (dependencies before their dependents, so
# that checking a package resolves its registry dependencies against the registry being built)
# into a new registry in a temporary folder (weir creates it: config.json, index, archives).
# The versions of $YANKED are then yanked with `weir yank`.
# Then everything here except sources/, rebuild.sh, README.md and .gitignore is replaced by it.
set -eu

ORDER="strs-1.0.0 strs-1.1.0 strs-2.0.0 expect-0.9.0 expect-1.0.0 fnv-1.0.0 vecs-1.0.0 vecs-1.1.0 table-1.0.0"
# Published, then yanked (see each one's README for why): resolutions must skip them.
YANKED="expect@0.9.0"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
weir=""
verify=""
for arg in "$@"; do
    case "$arg" in
        --no-verify) verify="--no-verify" ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) weir="$arg" ;;
    esac
done
if [ -z "$weir" ]; then
    for candidate in ${CARGO_TARGET_DIR:+"$CARGO_TARGET_DIR/debug/weir" "$CARGO_TARGET_DIR/release/weir"} \
        "$repo/target/debug/weir" "$repo/target/release/weir"; do
        if [ -x "$candidate" ] && { [ -z "$weir" ] || [ "$candidate" -nt "$weir" ]; }; then
            weir="$candidate"
        fi
    done
fi
if [ -z "$weir" ] || [ ! -x "$weir" ]; then
    echo "rebuild.sh: no weir binary: build one with \`cargo build\` or give its path" >&2
    exit 1
fi
case "$weir" in /*) ;; *) weir="$(pwd)/$weir" ;; esac

# A private, empty weir home: nothing from the user's ~/.weir (config, cached archives) is used.
home=$(mktemp -d "${TMPDIR:-/tmp}/weir-rebuild.XXXXXX")
trap 'rm -rf "$home"' EXIT INT TERM
unset WEIR_REGISTRY

# Not $home/registry: that is where weir caches fetched archives ($WEIR_HOME/registry/).
out="$home/published"
for pkg in $ORDER; do
    dir="$here/sources/$pkg"
    if [ ! -f "$dir/weir.pkg" ]; then
        echo "rebuild.sh: $dir/weir.pkg is missing" >&2
        exit 1
    fi
    (cd "$dir" && WEIR_HOME="$home" "$weir" publish --registry "$out" $verify)
    # The check writes the package's build folder and lock; neither is part of the source.
    rm -rf "$dir/target" "$dir/weir.lock"
done
for spec in $YANKED; do
    WEIR_HOME="$home" "$weir" yank "$spec" --registry "$out"
done
rm -f "$out/.lock"

for entry in "$here"/* "$here"/.lock; do
    case "$(basename "$entry")" in
        sources|rebuild.sh|README.md|.gitignore) ;;
        *) rm -rf "$entry" ;;
    esac
done
cp -R "$out"/. "$here"/

echo "rebuild.sh: published $(echo $ORDER | wc -w) versions; archive checksums:"
(cd "$here" && find . -name '*.weirpkg' | LC_ALL=C sort | xargs sha256sum)
