#!/usr/bin/env bash
# Times `detc lsp` as an editor sees it (scripts/bench-lsp.py, an LSP client
# from target/pyvenv), beside a cold `detc validate` and contentctl 4.4.7's
# build of the same content in the same run (target/cc447, from PyPI, with
# pydantic 2.9.2 pinned beside it as 4.x needs).
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
times=()
for _ in 1 2 3 4 5; do
    s=$(date +%s.%N); "$DETC" validate "$SRC" --cap-lints warn >/dev/null 2>&1 || true; e=$(date +%s.%N)
    times+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.0f", (e - s) * 1000 }')")
done
echo "detc validate, cold: median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p) ms of 5"
VENV=target/cc447
[[ -x $VENV/bin/contentctl ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet 'contentctl==4.4.7' 'pydantic==2.9.2'; }
WORK=$(mktemp -d "$PWD/target/tmp/bench-lsp.XXXXXX" 2>/dev/null || { mkdir -p target/tmp; mktemp -d "$PWD/target/tmp/bench-lsp.XXXXXX"; })
trap 'rm -rf "$WORK"' EXIT
cp -r "$SRC" "$WORK/content"; chmod -R u+w "$WORK/content"
s=$(date +%s.%N)
CC=$PWD/$VENV/bin/contentctl
if (cd "$WORK/content" && "$CC" build >"$WORK/cc.log" 2>&1); then
    e=$(date +%s.%N)
    echo "contentctl 4.4.7 build, same content, same run: $(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f", e - s }') s"
else
    echo "contentctl 4.4.7 build failed; last lines:"; tail -5 "$WORK/cc.log"
fi
