#!/usr/bin/env bash
# The main job: build the Splunk app from a content root (default: the
# repository's own content, detections/ stories/ macros/ lookups/ ... with
# contentctl.yml at the top) into that root's build_path (contentctl.yml,
# `dist` by default; or --out DIR): the firstseen command built for glibc
# 2.28 (scripts/build-firstseen.sh) when a search calls it, then `detc
# build`, which validates first and also writes <build_path>/docs/.
# Says each step on stderr, with cargo's own progress; under CI (CI set)
# only errors and the result.
# Usage: bash scripts/build-app.sh [CONTENT_ROOT] [extra detc build options]
set -euo pipefail
ROOT=${1:-.}
shift || true
# The content root as given, from where the script was run.
ROOT=$(cd "$ROOT" && pwd)
cd "$(dirname "$0")/.."
say() { printf 'build-app: %s\n' "$*" >&2; }
if [[ -n ${CI:-} ]]; then Q=(--quiet); else Q=(); fi
FIRSTSEEN=()
# Only content whose searches call `| firstseen` needs the binary (detc build
# says so if one is missing).
if grep -rqsE '\|[[:space:]]*firstseen([[:space:]]|$)' "$ROOT/detections" "$ROOT/baselines"; then
    say "step 1/2: the firstseen command (a search calls it)"
    BIN=$(bash scripts/build-firstseen.sh | tail -n1)
    FIRSTSEEN=(--firstseen "$PWD/$BIN")
else
    say "step 1/2: no search calls firstseen; the app does not need its binary"
fi
say "step 2/2: detc build $ROOT (validate, then the app, its tarball and docs)"
cargo run "${Q[@]}" --locked --release -p detc -- build "$ROOT" "${FIRSTSEEN[@]}" "$@"
