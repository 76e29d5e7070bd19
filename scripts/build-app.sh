#!/usr/bin/env bash
# The main job: build the Splunk app from a content root (default: the
# fixture pack tests/fixtures/packs/build, until the project's own content
# ships at the top level) into dist/ at the repository's top (or --out DIR): the firstseen command built for
# glibc 2.28 (scripts/build-firstseen.sh), then `detc build`.
# Usage: bash scripts/build-app.sh [CONTENT_ROOT] [extra detc build options]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:-tests/fixtures/packs/build}
shift || true
BIN=$(bash scripts/build-firstseen.sh | tail -n1)
OUT=(--out dist)
for a in "$@"; do [[ $a == --out ]] && OUT=(); done
cargo run --quiet --locked --release -p detc -- build "$ROOT" --firstseen "$BIN" "${OUT[@]}" "$@"
