#!/usr/bin/env bash
# Times `detc lsp` as an editor sees it (scripts/bench-lsp.py, an LSP client
# from target/pyvenv), then `detc validate` and `detc build --no-docs` cold
# and repeated with one file changed (the parse cache), beside contentctl
# 4.4.7's build of the same content in the same run (target/cc447, from
# PyPI, with pydantic 2.9.2 pinned beside it as 4.x needs).
#
# usage: scripts/bench-lsp.sh [CONTENT_ROOT] [EDITS]
#   CONTENT_ROOT defaults to ../shared/corpus/security_content-v4.42.0
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(cd "${1:-../shared/corpus/security_content-v4.42.0}" && pwd)
EDITS=${2:-50}
bash scripts/setup-py-tools.sh >/dev/null
cargo build --quiet --locked --release -p detc
DETC=$PWD/target/release/detc
echo "detc lsp on $SRC"
target/pyvenv/bin/python scripts/bench-lsp.py "$DETC" "$SRC" "$EDITS"
WORK=$(mktemp -d "$PWD/target/tmp/bench-lsp.XXXXXX" 2>/dev/null || { mkdir -p target/tmp; mktemp -d "$PWD/target/tmp/bench-lsp.XXXXXX"; })
trap 'rm -rf "$WORK"' EXIT
cp -r "$SRC" "$WORK/content"; chmod -R u+w "$WORK/content"; rm -rf "$WORK/content/.detc-cache"
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.0f", (e - s) * 1000 }'; }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# One detection edited before each timed run (a threshold toggled), as an
# author's edit-rebuild loop does; the parse cache warmed by one run first.
EDITED=$(grep -rl 'count > ' "$WORK/content/detections" | sort | head -1)
edit() { if grep -q 'count > 1 ' "$EDITED"; then sed -i 's/count > 1 /count > 2 /' "$EDITED"; else sed -i 's/count > [0-9]* /count > 1 /' "$EDITED"; fi; }
timed() { # label, then the command; 5 runs, each after an edit
    local label=$1; shift; local t=()
    for _ in 1 2 3 4 5; do edit; local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t+=("$(ms "$s" "$(date +%s.%N)")"); done
    echo "$label: median $(median "${t[@]}") ms of 5"
}
timed "detc validate, cold (--no-cache)" "$DETC" validate "$WORK/content" --cap-lints warn --no-cache
"$DETC" validate "$WORK/content" --cap-lints warn >/dev/null 2>&1 || true
timed "detc validate, repeat with one file changed" "$DETC" validate "$WORK/content" --cap-lints warn
timed "detc build --no-docs, cold (--no-cache)" "$DETC" build "$WORK/content" --no-docs --cap-lints warn --no-cache --out "$WORK/dist"
timed "detc build --no-docs, repeat with one file changed" "$DETC" build "$WORK/content" --no-docs --cap-lints warn --out "$WORK/dist"
rm -rf "$WORK/content/.detc-cache" "$WORK/dist"
VENV=target/cc447
[[ -x $VENV/bin/contentctl ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet 'contentctl==4.4.7' 'pydantic==2.9.2'; }
s=$(date +%s.%N)
CC=$PWD/$VENV/bin/contentctl
if (cd "$WORK/content" && "$CC" build >"$WORK/cc.log" 2>&1); then
    e=$(date +%s.%N)
    echo "contentctl 4.4.7 build, same content, same run: $(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f", e - s }') s"
else
    echo "contentctl 4.4.7 build failed; last lines:"; tail -5 "$WORK/cc.log"
fi
