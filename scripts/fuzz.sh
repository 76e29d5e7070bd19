#!/usr/bin/env bash
# Fuzz the chunk reader, metadata and body parsers and the run loop.
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain it runs
# without a sanitizer through RUSTC_BOOTSTRAP (Rust's own panics and bounds
# checks are what this target hunts). Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
mkdir -p corpus/chunk_reader
cp -n seeds/chunk_reader/* corpus/chunk_reader/ 2>/dev/null || true
RUSTC_BOOTSTRAP=1 cargo fuzz run chunk_reader -s none corpus/chunk_reader -- \
    -max_total_time="${1:-300}" -max_len=65536
