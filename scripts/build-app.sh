#!/usr/bin/env bash
# The main job: build the Splunk app from a content root (default: the
# repository's own content, detections/ stories/ macros/ lookups/ ... with
# contentctl.yml at the top) into dist/ (or --out DIR): the firstseen
# command built for glibc 2.28 (scripts/build-firstseen.sh), then
# `detc build`, which validates first and also writes dist/docs/.
# Usage: bash scripts/build-app.sh [CONTENT_ROOT] [extra detc build options]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:-.}
shift || true
BIN=$(bash scripts/build-firstseen.sh | tail -n1)
OUT=(--out dist)
for a in "$@"; do [[ $a == --out ]] && OUT=(); done
cargo run --quiet --locked --release -p detc -- build "$ROOT" --firstseen "$BIN" "${OUT[@]}" "$@"
