#!/usr/bin/env bash
# Python tools the tests use as independent checkers, from PyPI, in
# target/pyvenv: addonfactory-splunk-conf-parser-lib (Splunk's .conf parser
# library) and splunk-appinspect. Idempotent. Tests find the venv at target/pyvenv (or $DETC_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/pyvenv
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import addonfactory_splunk_conf_parser_lib' 2>/dev/null \
    || "$VENV/bin/pip" install --quiet 'addonfactory-splunk-conf-parser-lib==1.0.0'
# Splunk AppInspect, for scripts/appinspect-check.sh.
[[ -x $VENV/bin/splunk-appinspect ]] \
    || "$VENV/bin/pip" install --quiet 'splunk-appinspect==4.3.1'
echo "setup-py-tools: $VENV ready"
