#!/usr/bin/env bash
# Times `detc validate`, `detc build` and `contentctl build` (4.4.7, from
# PyPI into target/cc447) on the same contentctl 4.x content in one run:
# medians of RUNS runs and peak memory (max RSS, /usr/bin/time), at 1x, 4x
# and 16x copies of the detections (each copy renamed, with its own id, so
# that both tools accept it).
#
# usage: scripts/bench-contentctl4.sh [CONTENT_ROOT] [RUNS]
#   CONTENT_ROOT defaults to ../shared/corpus/security_content-v4.42.0 (the
#   full 1,711 detections, unmodified: detc builds it with --cap-lints warn
#   and no other flag)
#   RUNS defaults to 3
# SCALES defaults to "1 4" (contentctl takes about a minute a run at 4x);
# SCALES="1 4 16" adds 16x.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-../shared/corpus/security_content-v4.42.0}
RUNS=${2:-3}
SCALES=${SCALES:-"1 4"}
[[ -f $SRC/contentctl.yml ]] || { echo "no contentctl.yml in $SRC" >&2; exit 2; }
VENV=target/cc447
[[ -x $VENV/bin/contentctl ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet 'contentctl==4.4.7'; }
cargo build --quiet --locked --release -p detc
DETC=$PWD/target/release/detc
CC=$PWD/$VENV/bin/contentctl
# Under target/, not /tmp: on a machine whose /tmp has seen many files
# come and go, creating a file there can cost a millisecond of system
# time, which both builds would be timed with.
mkdir -p target/tmp
WORK=$(mktemp -d "$PWD/target/tmp/bench-contentctl4.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Copies the content root to $2 with N copies of every detection.
scale() {
    python3 - "$1" "$2" "$3" <<'EOF'
import os, re, shutil, sys, uuid
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.copytree(src, dst, ignore=shutil.ignore_patterns("dist"))
for d, _, files in os.walk(os.path.join(dst, "detections")):
    for f in files:
        if not f.endswith(".yml"):
            continue
        p = os.path.join(d, f)
        text = open(p, encoding="utf-8").read()
        name = re.search(r"^name: (.*)$", text, re.M).group(1).strip()
        for i in range(1, n):
            # Names are at most 67 characters (contentctl and detc alike).
            suffix = f" {i}"
            new = name[: 67 - len(suffix)].rstrip() + suffix
            stem = re.sub(r"[ \-./]", "_", new).lower()
            t = re.sub(r"^name: .*$", f"name: {new}", text, count=1, flags=re.M)
            t = re.sub(r"^id: .*$", f"id: {uuid.uuid5(uuid.NAMESPACE_URL, p + str(i))}", t, count=1, flags=re.M)
            old_stem = f[:-4]
            t = t.replace(f"`{old_stem}_filter`", f"`{stem}_filter`")
            open(os.path.join(d, stem + ".yml"), "w", encoding="utf-8").write(t)
EOF
}

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
        (( r > rss )) && rss=$r
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$med $(( rss / 1024 ))"
}

printf '%-6s %-6s %-26s %-26s %-26s %s\n' scale dets "detc validate (s, MiB)" "detc build (s, MiB)" "contentctl build (s, MiB)" "speed-up (build)"
for n in $SCALES; do
    root=$WORK/x$n
    scale "$SRC" "$root" "$n"
    dets=$(find "$root/detections" -name '*.yml' | wc -l)
    # A run that fails stops the script: a failure's time is no figure.
    m=$(measure "$DETC" validate "$root" --cap-lints warn) || exit 1
    read -r vt vm <<<"$m"
    # No firstseen binary: the content never calls the command.
    m=$(measure "$DETC" build "$root" --cap-lints warn --no-docs --out "$WORK/out$n") || exit 1
    read -r bt bm <<<"$m"
    m=$(cd "$root" && measure "$CC" build) || exit 1
    read -r ct cm <<<"$m"
    speed=$(awk -v c="$ct" -v d="$bt" 'BEGIN { printf "%.0fx", (d > 0 ? c / d : 0) }')
    printf '%-6s %-6s %-26s %-26s %-26s %s\n' "${n}x" "$dets" "$vt s, $vm MiB" "$bt s, $bm MiB" "$ct s, $cm MiB" "$speed"
done
