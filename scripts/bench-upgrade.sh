#!/usr/bin/env bash
# Times `detc upgrade` of a tuned fork of security_content v4.33.0 to
# v4.42.0 (the tuning of crates/detc/tests/upgrade.rs: five thresholds, a
# confidence, an impact with a comment, a deleted detection, a schedule,
# an allow-list row, a filter macro) beside git's own 3-way merge of the
# same three trees, in one run, and counts the conflicts each reports.
#   plan:  `detc upgrade --check` vs `git merge-tree --write-tree` (both
#          merge in memory and write nothing to the fork)
#   apply: a fresh copy of the fork upgraded in place (with the check of
#          the result) vs `git merge` of a fresh reset of the fork branch
#
# usage: scripts/bench-upgrade.sh [RUNS] [BASE_ROOT] [NEW_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BASE=$(realpath "${2:-../shared/corpus/security_content-v4.33.0}")
NEW=$(realpath "${3:-../shared/corpus/security_content-v4.42.0}")
echo "building detc (release)..." >&2
cargo build --quiet --locked --release -p detc
DETC=$PWD/target/release/detc
mkdir -p target/tmp
WORK=$(mktemp -d "$PWD/target/tmp/bench-upgrade.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "tuning a copy of $(basename "$BASE")..." >&2
cp -r "$BASE" "$WORK/fork"
(
    cd "$WORK/fork"
    sed -i 's/where count > 5 |/where count > 50 |/; s/^  confidence: 50$/  confidence: 30/' detections/endpoint/detect_baron_samedit_cve_2021_3156_segfault.yml
    sed -i 's/^  impact: 90$/  impact: 60/; s/^tags:$/# impact lowered: our backup share renames files in bulk\ntags:/' detections/endpoint/common_ransomware_extensions.yml
    sed -i 's/where count >=10/where count >=25/' detections/endpoint/excessive_usage_of_taskkill.yml
    sed -i 's/^  | where source_count >= 3 /  | where source_count >= 4 /' detections/endpoint/windows_modify_registry_risk_behavior.yml
    sed -i 's/^  | where count >= 5$/  | where count >= 3/' detections/application/okta_multiple_failed_mfa_requests_for_user.yml
    rm detections/endpoint/7zip_commandline_to_smb_share_path.yml
    sed -i 's/cron_schedule: 0 \* \* \* \*/cron_schedule: 15 * * * */' deployments/escu_default_configuration_ttp.yml
    echo 'svc_backup.exe,true' >>lookups/rare_process_allow_list_local.csv
    printf 'definition: search NOT dest IN ("build-*")\ndescription: Our build hosts run taskkill in bulk.\nname: excessive_usage_of_taskkill_filter\n' >macros/excessive_usage_of_taskkill_filter.yml
)

echo "the same three trees as git branches..." >&2
G=$WORK/git
git init -q "$G"
git -C "$G" config user.email bench@localhost
git -C "$G" config user.name bench
commit() { # tree message
    find "$G" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    cp -r "$1/." "$G/"
    git -C "$G" add -A
    git -C "$G" commit -q -m "$2"
}
commit "$BASE" base
git -C "$G" branch -q upstream
git -C "$G" checkout -q -b fork
commit "$WORK/fork" fork
git -C "$G" checkout -q upstream
commit "$NEW" upstream
git -C "$G" checkout -q fork

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Runs the shell command $1 RUNS times (after one warm-up); prints the
# median wall seconds.
measure() {
    local t=()
    bash -c "$1" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        local s e
        s=$(date +%s.%N)
        bash -c "$1" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')")
    done
    printf '%s\n' "${t[@]}" | median
}

up="$DETC upgrade --color never --base $BASE --to $NEW"
dp=$(measure "$up --check $WORK/fork")
gp=$(measure "git -C $G merge-tree --write-tree fork upstream")
da=$(measure "rm -rf $WORK/w && cp -r $WORK/fork $WORK/w && $up $WORK/w")
ga=$(measure "git -C $G merge --abort 2>/dev/null; git -C $G reset -q --hard fork && git -C $G merge -q upstream -m m")
dc=$($up --check "$WORK/fork" | grep -c ': conflict' || true)
gc=$(git -C "$G" merge-tree --name-only --write-tree fork upstream | sed -n '2,/^$/p' | grep -c . || true)
printf '%-8s %-24s %-24s\n' "" "detc upgrade (s)" "git merge (s)"
printf '%-8s %-24s %-24s\n' plan "$dp" "$gp"
printf '%-8s %-24s %-24s\n' apply "$da" "$ga"
printf '%-8s %-24s %-24s\n' conflicts "$dc" "$gc file(s)"
