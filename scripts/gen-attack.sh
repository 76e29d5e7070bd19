#!/usr/bin/env bash
# Regenerates the embedded ATT&CK data from ../shared/attack/ (or the paths given).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-../shared/attack/enterprise-attack-18.1.json.gz}
map=${2:-../shared/attack/attack_v18_to_v19.yaml}
cargo run -q -p detc-attack --bin detc-attack-gen -- "$bundle" "$map" crates/detc-attack/data/attack.json
install -m 644 "$(dirname "$bundle")/LICENSE-ATTACK.txt" crates/detc-attack/data/LICENSE-ATTACK.txt
install -m 644 "$(dirname "$map")/LICENSE-detection-rules-map.txt" crates/detc-attack/data/LICENSE-detection-rules-map.txt
