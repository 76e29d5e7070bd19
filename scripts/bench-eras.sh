#!/usr/bin/env bash
# Times `detc build` against the contentctl of each release's era, in one
# run: for every full security_content release given (default: the three
# in ../shared/corpus), the era detc infers (printed by `detc build`), that
# contentctl from PyPI into target/cc-<version> (with pydantic 2.9.2, which
# every 4.x needs), and the medians of RUNS builds of each tool on a copy
# of the release.
#
# usage: scripts/bench-eras.sh [RUNS] [RELEASE_ROOT ...]
#   RUNS defaults to 3
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
if (($# == 0)); then
    set -- ../shared/corpus/security_content-v4.33.0 ../shared/corpus/security_content-v4.40.0 ../shared/corpus/security_content-v4.42.0
fi
echo "building detc (release)..." >&2
cargo build --quiet --locked --release -p detc
DETC=$PWD/target/release/detc
mkdir -p target/tmp
WORK=$(mktemp -d "$PWD/target/tmp/bench-eras.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Runs "$@" RUNS times; prints "median_seconds max_rss_mib".
measure() {
    local times=() rss=0
    for _ in $(seq "$RUNS"); do
        local out
        if ! /usr/bin/time -o "$WORK/time" -f '%e %M' "$@" >"$WORK/out" 2>&1; then
            echo "FAILED: $* (in $PWD); last lines:" >&2
            tail -n 20 "$WORK/out" >&2
            exit 1
        fi
        out=$(tail -n1 "$WORK/time")
        times+=("${out% *}")
        local r=${out#* }
        ((r > rss)) && rss=$r
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$med $((rss / 1024))"
}

printf '%-10s %-11s %-22s %-26s %s\n' release contentctl "detc build (s, MiB)" "contentctl build (s, MiB)" speed-up
for src in "$@"; do
    [[ -f $src/contentctl.yml ]] || { echo "no contentctl.yml in $src" >&2; exit 2; }
    name=$(basename "$src")
    root=$WORK/$name
    cp -r "$src" "$root"
    # The era detc builds the release as, from its own report.
    era=$("$DETC" build "$root" --cap-lints warn --no-docs --out "$WORK/probe" 2>/dev/null |
        sed -n 's/.*built as contentctl \([0-9.]*\) built it.*/\1/p')
    [[ -n $era ]] || { echo "$name: detc named no contentctl era" >&2; exit 1; }
    venv=$PWD/target/cc-$era
    if [[ ! -x $venv/bin/contentctl ]]; then
        echo "installing contentctl $era into $venv..." >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "contentctl==$era" "pydantic==2.9.2"
    fi
    m=$(measure "$DETC" build "$root" --cap-lints warn --no-docs --out "$WORK/out-$name") || exit 1
    read -r dt dm <<<"$m"
    echo "$name: contentctl $era building ($RUNS runs)..." >&2
    m=$(cd "$root" && measure "$venv/bin/contentctl" build) || exit 1
    read -r ct cm <<<"$m"
    speed=$(awk -v c="$ct" -v d="$dt" 'BEGIN { printf "%.0fx", (d > 0 ? c / d : 0) }')
    printf '%-10s %-11s %-22s %-26s %s\n' "${name#security_content-}" "$era" "$dt s, $dm MiB" "$ct s, $cm MiB" "$speed"
done
