#!/usr/bin/env bash
# Builds the firstseen search command for packaging into the Splunk app:
# Linux x86-64, release profile, linked against glibc 2.28 symbols so that it
# starts on the older Linux releases Splunk supports (RHEL 8, Debian 10, ...).
#
# Uses cargo-zigbuild (crates.io) with Zig from the `ziglang` PyPI package as
# the linker; both are installed under target/ on first use (idempotent).
# Says what it does on stderr, with cargo's and pip's own progress; under CI
# (CI set) only errors. Prints the binary's path on its last line (stdout):
#   target/x86_64-unknown-linux-gnu/release/firstseen
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=target/tools
VENV=target/zig-venv
BIN=target/x86_64-unknown-linux-gnu/release/firstseen
say() { printf 'build-firstseen: %s\n' "$*" >&2; }
if [[ -n ${CI:-} ]]; then Q=(--quiet); else Q=(); fi
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import ziglang' 2>/dev/null; then
    say "installing Zig 0.17.0 (the linker for glibc 2.28) from PyPI into $VENV; once, about 50 MB"
    "$VENV/bin/pip" install "${Q[@]}" --disable-pip-version-check 'ziglang==0.17.0' >&2
fi
if [[ ! -x $TOOLS/bin/cargo-zigbuild ]]; then
    say "installing cargo-zigbuild 0.24.1 into $TOOLS; once, a few minutes"
    cargo install "${Q[@]}" --locked cargo-zigbuild@0.24.1 --root "$TOOLS"
fi
# cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH.
export PATH="$PWD/$VENV/bin:$PWD/$TOOLS/bin:$PATH"
if [[ -x $BIN ]]; then
    say "checking firstseen (x86_64 Linux, glibc 2.28) is up to date"
else
    say "building firstseen for x86_64 Linux, glibc 2.28 (release with LTO); the first build takes a few minutes"
fi
cargo zigbuild "${Q[@]}" --locked --release -p firstseen --target x86_64-unknown-linux-gnu.2.28 >&2
say "ready: $BIN"
echo "$BIN"
