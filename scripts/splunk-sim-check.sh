#!/usr/bin/env bash
# Second opinion on the protocol: runs the release firstseen under
# ../shared/protocol/splunk_sim.py (an independent Python harness that plays
# splunkd strictly: probes, CRLF, header-only final chunk, replay of a real
# Splunk 8.0 session). Skips when that harness or python3 is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
SIM=../shared/protocol/splunk_sim.py
if [[ ! -f $SIM ]] || ! command -v python3 >/dev/null; then
    echo "splunk-sim-check: $SIM or python3 not found, skipped"
    exit 0
fi
cargo build --release --locked -p firstseen
BIN=target/release/firstseen
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# No splunkd here to ask for the edit_firstseen_state capability.
export FIRSTSEEN_LOOKUPS_DIR=$WORK/lookups FIRSTSEEN_NO_SPLUNKD=1 TZ=UTC
ROWS=tests/fixtures/cloudtrail/invictus_user_api_calls.csv
run() { python3 "$SIM" --quiet --json-summary "$WORK/summary.json" "$@" -- "$BIN" >"$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt"; exit 1; }; }
# CloudTrail rows in 500-row chunks, CRLF, probes, an empty final chunk.
run --csv "$ROWS" --chunk-rows 500 --probes 2 --empty-final --eol crlf --latest 1688992000 \
    --arg lookup=ct --arg key=user,command --arg window=-30m
head -1 "$FIRSTSEEN_LOOKUPS_DIR/ct.csv" | grep -qx 'user,command,firstTimeSeen,lastTimeSeen,enough_data,reportedTime,reportedBy' \
    || { echo "splunk-sim-check: unexpected state header: $(head -1 "$FIRSTSEEN_LOOKUPS_DIR/ct.csv")"; exit 1; }
keys=$(($(wc -l <"$FIRSTSEEN_LOOKUPS_DIR/ct.csv") - 1))
[[ $keys -eq 298 ]] || { echo "splunk-sim-check: expected 298 keys in the state, got $keys"; exit 1; }
# Every row annotated, LF, splunkd quoting.
run --csv "$ROWS" --chunk-rows 1000 --latest 1688992000 --arg lookup=ct2 --arg key=user,command --arg output=all
# A failing command must still speak the protocol (unknown option).
python3 "$SIM" --quiet --csv "$ROWS" --arg lookup=x --arg key=user --arg bogus=1 -- "$BIN" >"$WORK/out.txt" 2>&1 || true
grep -q 'PROTOCOL-PASS (command declared failure' "$WORK/out.txt" && grep -q 'ERROR msg from command\] Unrecognized option: bogus=1' "$WORK/out.txt" \
    || { cat "$WORK/out.txt"; exit 1; }
# store=kvstore against ../shared/splunkd/splunkd_sim.py (the KV store REST
# API emulator), with the splunkd URI and session key splunk_sim.py passes in
# getinfo, probes included: the collection ends with the same 298 keys.
KV=../shared/splunkd/splunkd_sim.py
if [[ -f $KV ]]; then
    KEY=0123456789abcdef0123456789abcdef
    printf '{"session_keys":{"%s":"admin"},"apps":{"detc_app":{"collections":{"ct_kv":{"fields":{"firstTimeSeen":"time","lastTimeSeen":"time","reportedTime":"time"}}}}}}' "$KEY" >"$WORK/kv.json"
    python3 "$KV" --port 0 --config "$WORK/kv.json" >"$WORK/kv.out" 2>&1 &
    KVPID=$!
    trap 'kill $KVPID 2>/dev/null; rm -rf "$WORK"' EXIT
    for _ in $(seq 50); do grep -q LISTENING "$WORK/kv.out" && break; sleep 0.1; done
    URI=$(sed -n 's/^LISTENING //p' "$WORK/kv.out")
    FIRSTSEEN_APP=detc_app run --csv "$ROWS" --chunk-rows 500 --probes 2 --latest 1688992000 \
        --splunkd-uri "$URI" --session-key "$KEY" \
        --arg lookup=ct_kv --arg store=kvstore --arg key=user,command --arg window=-30m
    n=$(python3 -c 'import json,sys,urllib.request as u; r=u.Request(sys.argv[1]+"/servicesNS/nobody/detc_app/storage/collections/data/ct_kv",headers={"Authorization":"Splunk "+sys.argv[2]}); print(len(json.load(u.urlopen(r))))' "$URI" "$KEY")
    [[ $n -eq 298 ]] || { echo "splunk-sim-check: expected 298 records in the KV store, got $n"; exit 1; }
fi
echo "splunk-sim-check: firstseen passes splunk_sim.py (probes, CRLF, empty final chunk, output=all, error path, KV store)"
