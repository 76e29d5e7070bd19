#!/usr/bin/env bash
# Both firstseen benchmarks, with splunklib's pass-through command measured in
# the same run as the peer (splunk-sdk 2.1.1 from PyPI in target/bench-venv;
# Splunk 9.x ships Python 3.9 and splunklib 2.x).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/bench-venv
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'splunk-sdk==2.1.1'
fi
FIRSTSEEN_BENCH_PYTHON=$PWD/$VENV/bin/python cargo bench -p firstseen --bench protocol
cargo bench -p firstseen --bench state
