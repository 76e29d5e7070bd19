#!/usr/bin/env bash
# Python tools the tests use as independent checkers, from PyPI, in
# target/pyvenv: addonfactory-splunk-conf-parser-lib (Splunk's .conf parser
# library), pre-commit, check-jsonschema, splunk-appinspect, pytest-lsp (an
# LSP client that drives `detc lsp` as an editor does) and the SARIF 2.1.0
# schema. Idempotent. Tests find the venv at target/pyvenv (or $DETC_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/pyvenv
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import addonfactory_splunk_conf_parser_lib' 2>/dev/null \
    || "$VENV/bin/pip" install --quiet 'addonfactory-splunk-conf-parser-lib==1.0.0'
# pre-commit, to run detc's hook (.pre-commit-hooks.yaml) as users do.
[[ -x $VENV/bin/pre-commit ]] \
    || "$VENV/bin/pip" install --quiet 'pre-commit==4.7.0'
# check-jsonschema (and the jsonschema library under it), an independent
# JSON Schema validator.
[[ -x $VENV/bin/check-jsonschema ]] \
    || "$VENV/bin/pip" install --quiet 'check-jsonschema==0.39.0'
# The OASIS SARIF 2.1.0 schema, as Microsoft's jest-sarif package ships it
# (npm registry), for scripts/check-sarif.py.
SARIF_SCHEMA=target/sarif-schema/sarif-2.1.0-rtm.5.json
if [[ ! -s $SARIF_SCHEMA ]]; then
    mkdir -p target/sarif-schema
    (cd target/sarif-schema && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null \
        && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz --strip-components=3 package/lib/schemas/sarif-2.1.0-rtm.5.json)
fi
# pytest-lsp (with pygls and lsprotocol), to drive `detc lsp` over stdio as
# an editor does (crates/detc-lsp/tests/test_lsp.py).
"$VENV/bin/python" -c 'import pytest_lsp' 2>/dev/null \
    || "$VENV/bin/pip" install --quiet 'pytest-lsp==1.0.1'
# Splunk AppInspect, for scripts/appinspect-check.sh.
[[ -x $VENV/bin/splunk-appinspect ]] \
    || "$VENV/bin/pip" install --quiet 'splunk-appinspect==4.3.1'
echo "setup-py-tools: $VENV ready"
