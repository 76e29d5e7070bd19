#!/usr/bin/env bash
# Builds the firstseen search command for packaging into the Splunk app:
# Linux x86-64, release profile, linked against glibc 2.28 symbols so that it
# starts on the older Linux releases Splunk supports (RHEL 8, Debian 10, ...).
#
# Uses cargo-zigbuild (crates.io) with Zig from the `ziglang` PyPI package as
# the linker; both are installed under target/ on first use (idempotent).
# Prints the binary's path on its last line:
#   target/x86_64-unknown-linux-gnu/release/firstseen
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=target/tools
VENV=target/zig-venv
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import ziglang' 2>/dev/null \
    || "$VENV/bin/pip" install --quiet 'ziglang==0.17.0'
if [[ ! -x $TOOLS/bin/cargo-zigbuild ]]; then
    cargo install --quiet --locked cargo-zigbuild@0.24.1 --root "$TOOLS"
fi
# cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH.
export PATH="$PWD/$VENV/bin:$PWD/$TOOLS/bin:$PATH"
cargo zigbuild --quiet --locked --release -p firstseen --target x86_64-unknown-linux-gnu.2.28 >&2
echo target/x86_64-unknown-linux-gnu/release/firstseen
