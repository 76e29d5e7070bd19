#!/usr/bin/env bash
# Times `detc docs` against `detc validate` on the same content in one run
# (issue #21: the pages take no longer than validating). Runs are
# interleaved (validate, docs into the existing folder, docs into a new
# folder, then again), so that a machine that slows down during the run
# slows all three alike; prints each one's median wall time and peak
# memory, and the median of the per-round ratios to validate.
#
# usage: scripts/bench-docs.sh [CONTENT_ROOT] [RUNS]
#   CONTENT_ROOT defaults to ../shared/corpus/security_content-v4.42.0
#   RUNS defaults to 15
# Every command gets --cap-lints warn (v4.42.0 builds only with it).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-../shared/corpus/security_content-v4.42.0}
RUNS=${2:-15}
[[ -f $SRC/contentctl.yml ]] || { echo "no contentctl.yml in $SRC" >&2; exit 2; }
cargo build --quiet --locked --release -p detc
DETC=$PWD/target/release/detc
# Under target/, not /tmp: on a machine whose /tmp has seen many files
# come and go, creating a file there can cost a millisecond of system time.
mkdir -p target/tmp
WORK=$(mktemp -d "$PWD/target/tmp/bench-docs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Runs "$@" once; appends "seconds max_rss_kib" to the file named by $1
# (wall time from the clock in nanoseconds: /usr/bin/time's is in
# hundredths, too coarse for runs of a quarter of a second).
once() {
    local into=$1 start end
    shift
    start=$(date +%s%N)
    if ! /usr/bin/time -o "$WORK/time" -f '%M' "$@" >"$WORK/out" 2>&1; then
        echo "FAILED: $*; last lines:" >&2
        tail -n 20 "$WORK/out" >&2
        exit 1
    fi
    end=$(date +%s%N)
    echo "$(( (end - start) / 1000 ))e-6 $(tail -n1 "$WORK/time")" >>"$into"
}

echo "bench-docs: $RUNS rounds of validate, docs (existing folder), docs (new folder) on $SRC" >&2
# The existing folder: written once before the rounds.
"$DETC" docs "$SRC" --cap-lints warn --out "$WORK/docs" >/dev/null 2>&1
for i in $(seq "$RUNS"); do
    once "$WORK/validate" "$DETC" validate "$SRC" --cap-lints warn
    once "$WORK/update" "$DETC" docs "$SRC" --cap-lints warn --out "$WORK/docs"
    once "$WORK/fresh" "$DETC" docs "$SRC" --cap-lints warn --out "$WORK/new$i"
done
# The new folders are removed only at the end: after 1,975 files are
# deleted, ext4's inode allocator skips the inodes freed in the last minute
# or more (fs/ext4/ialloc.c, `recently_deleted`, reading each one's inode
# table block), so creating files costs about a millisecond each for a
# while, which would be timed as the docs'.

python3 - "$WORK" <<'EOF'
import statistics, sys
work = sys.argv[1]
def rows(name):
    return [tuple(float(x) for x in line.split()) for line in open(f"{work}/{name}")]
v = rows("validate")
print(f"{'command':<34} {'median s':>9} {'peak MiB':>9} {'ratio to validate (median of rounds)':>38}")
print(f"{'detc validate':<34} {statistics.median(t for t, _ in v):>9.3f} {max(m for _, m in v) / 1024:>9.1f}")
for name, label in (("update", "detc docs (existing folder)"), ("fresh", "detc docs (new folder)")):
    r = rows(name)
    ratio = statistics.median(a[0] / b[0] for a, b in zip(r, v) if b[0] > 0)
    print(f"{label:<34} {statistics.median(t for t, _ in r):>9.3f} {max(m for _, m in r) / 1024:>9.1f} {ratio:>38.2f}")
EOF
