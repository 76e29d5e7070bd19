//! `detc upgrade` on a real pair of releases: a fork of security_content
//! v4.33.0, tuned as fork maintainers tune it, moved to v4.42.0 (both
//! full releases in `../shared/corpus`).

use common::detc;
use std::path::{Path, PathBuf};

mod common;

/// The full release `v` in `../shared/corpus`, or `None` outside CI when
/// it is not there (CI runs with `../shared` beside the clone).
fn release(v: &str) -> Option<PathBuf> {
    detc_testkit::corpus(v)
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Replaces `from` by `to` in the file `rel` of `root`, once, checking
/// that the edit is made.
fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let text = read(root, rel);
    assert_eq!(text.matches(from).count(), 1, "{rel}: `{from}`");
    std::fs::write(root.join(rel), text.replacen(from, to, 1)).unwrap();
}

const SAMEDIT: &str = "detections/endpoint/detect_baron_samedit_cve_2021_3156_segfault.yml";
const RANSOMWARE: &str = "detections/endpoint/common_ransomware_extensions.yml";
const OKTA: &str = "detections/application/okta_multiple_failed_mfa_requests_for_user.yml";
const SEVEN_ZIP: &str = "detections/endpoint/7zip_commandline_to_smb_share_path.yml";
const TASKKILL: &str = "detections/endpoint/excessive_usage_of_taskkill.yml";
const REGISTRY: &str = "detections/endpoint/windows_modify_registry_risk_behavior.yml";
const TTP: &str = "deployments/escu_default_configuration_ttp.yml";
const ALLOW: &str = "lookups/rare_process_allow_list_local.csv";
const FILTER: &str = "macros/excessive_usage_of_taskkill_filter.yml";

/// The tuning a fork maintainer makes: a threshold raised (upstream left
/// that search alone), a confidence and an impact lowered (with a comment
/// saying why), a threshold
/// lowered where upstream raised it (a conflict), a detection deleted
/// that upstream changed (a conflict), the TTP schedule moved, a row
/// added to an allow list and a filter macro written.
fn tune(fork: &Path) {
    edit(fork, SAMEDIT, "where count > 5 |", "where count > 50 |");
    edit(fork, SAMEDIT, "  confidence: 50\n", "  confidence: 30\n");
    edit(fork, RANSOMWARE, "  impact: 90\n", "  impact: 60\n");
    edit(
        fork,
        RANSOMWARE,
        "\ntags:\n",
        "\n# impact lowered: our backup share renames files in bulk\ntags:\n",
    );
    // Two searches upstream only re-wrapped over other lines: the same
    // value, so the local threshold merges (git's line merge conflicts).
    edit(fork, TASKKILL, "where count >=10", "where count >=25");
    edit(
        fork,
        REGISTRY,
        "  | where source_count >= 3 ",
        "  | where source_count >= 4 ",
    );
    edit(
        fork,
        OKTA,
        "  | where count >= 5\n",
        "  | where count >= 3\n",
    );
    std::fs::remove_file(fork.join(SEVEN_ZIP)).unwrap();
    edit(
        fork,
        TTP,
        "cron_schedule: 0 * * * *",
        "cron_schedule: 15 * * * *",
    );
    let mut allow = read(fork, ALLOW);
    allow.push_str("svc_backup.exe,true\n");
    std::fs::write(fork.join(ALLOW), allow).unwrap();
    std::fs::write(
        fork.join(FILTER),
        "definition: search NOT dest IN (\"build-*\")\ndescription: Our build hosts run taskkill in bulk.\nname: excessive_usage_of_taskkill_filter\n",
    )
    .unwrap();
}

/// Every file of `root` by relative path (without `.detc-upgrade`).
fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            if e.file_name() == ".detc-upgrade" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_untouched_fork_becomes_the_newer_release_file_for_file() {
    let (Some(base), Some(new)) = (release("v4.33.0"), release("v4.42.0")) else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let fork = t.path().join("fork");
    common::copy_dir(&base, &fork);
    let (b, n) = (base.to_string_lossy(), new.to_string_lossy());
    let (code, out, err) = detc(
        &["upgrade", "--color", "never", "--base", &b, "--to", &n],
        &fork,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("upgrading "), "{out}");
    assert!(out.contains(" from v4.33.0 to v4.42.0\n"), "{out}");
    assert!(out.contains(" 0 merged, 0 kept, 0 conflict, "), "{out}");
    assert!(
        out.contains("0 error(s) that upstream v4.42.0 does not have; 0 conflict(s)"),
        "{out}"
    );
    assert!(files(&fork) == files(&new), "the fork is not v4.42.0");
}

#[test]
fn a_tuned_fork_of_v4_33_0_moves_to_v4_42_0_keeping_every_local_edit() {
    let (Some(base), Some(new)) = (release("v4.33.0"), release("v4.42.0")) else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let fork = t.path().join("fork");
    common::copy_dir(&base, &fork);
    tune(&fork);
    let (b, n) = (base.to_string_lossy(), new.to_string_lossy());

    // --check lists what would change and writes nothing.
    let before = files(&fork);
    let (code, out, err) = detc(
        &[
            "upgrade", "--check", "--color", "never", "--base", &b, "--to", &n,
        ],
        &fork,
    );
    assert_eq!(code, 1, "conflicts: {out}{err}");
    assert!(out.contains("nothing written"), "{out}");
    assert!(files(&fork) == before, "--check wrote to the fork");
    assert!(!fork.join(".detc-upgrade").exists());

    let (code, out, err) = detc(
        &["upgrade", "--color", "never", "--base", &b, "--to", &n],
        &fork,
    );
    assert_eq!(code, 1, "{out}{err}");
    // The report: each merged file with the fields carried over, the
    // kept local files, and each conflict with file:line.
    let wants: [String; 10] = [
        format!(
            "  merged   {SAMEDIT}\n           kept: search\n           kept: tags.confidence\n"
        ),
        format!(
            "  merged   {RANSOMWARE}\n           kept: tags (comment)\n           kept: tags.impact\n"
        ),
        format!("  merged   {TASKKILL}\n           kept: search\n"),
        format!("  merged   {REGISTRY}\n           kept: search\n"),
        format!("  kept     {TTP}\n"),
        format!("  kept     {ALLOW}\n"),
        format!("  kept     {FILTER}\n           kept: a local file\n"),
        format!(
            "{OKTA}:11: conflict `search`: changed locally and in upstream v4.42.0; the local value below is kept\n"
        ),
        format!(
            "{SEVEN_ZIP}:1: conflict: removed in the fork and changed in upstream v4.42.0; it stays removed, upstream's file is in .detc-upgrade/upstream/{SEVEN_ZIP}\n"
        ),
        "0 error(s) that upstream v4.42.0 does not have; 2 conflict(s) to resolve".into(),
    ];
    for want in &wants {
        assert!(out.contains(want.as_str()), "`{want}` not in:\n{out}");
    }

    // Every local edit is in the fork, on upstream's new text.
    let samedit = read(&fork, SAMEDIT);
    assert!(samedit.contains("where count > 50 |"), "{samedit}");
    assert!(samedit.contains("  confidence: 30\n"), "{samedit}");
    assert!(
        samedit.contains("  - name: host\n    type: Hostname\n"),
        "upstream's new observable: {samedit}"
    );
    assert_eq!(
        samedit
            .replace("count > 50", "count > 5")
            .replace("confidence: 30", "confidence: 50"),
        read(&new, SAMEDIT),
        "only the two local edits differ from upstream's file"
    );
    let ransomware = read(&fork, RANSOMWARE);
    assert!(ransomware.contains("  impact: 60\n"), "{ransomware}");
    assert!(
        ransomware.contains("\n# impact lowered: our backup share renames files in bulk\ntags:\n"),
        "{ransomware}"
    );
    let okta = read(&fork, OKTA);
    let lines: Vec<&str> = okta.lines().collect();
    assert!(
        lines[10].starts_with("# detc upgrade: conflict in `search`"),
        "{okta}"
    );
    assert!(
        lines[12].contains("| where count >= 10 |"),
        "upstream's side: {okta}"
    );
    assert!(
        okta.contains("  | where count >= 3\n"),
        "the local side: {okta}"
    );
    assert!(!fork.join(SEVEN_ZIP).exists(), "a local deletion stays");
    assert_eq!(
        read(&fork, &format!(".detc-upgrade/upstream/{SEVEN_ZIP}")),
        read(&new, SEVEN_ZIP)
    );
    assert!(read(&fork, TTP).contains("cron_schedule: 15 * * * *"));
    assert!(read(&fork, ALLOW).ends_with("svc_backup.exe,true\n"));
    assert!(read(&fork, FILTER).contains("build-*"));

    // The result builds, as contentctl 4.4.7 (v4.42.0's era), with the tuning.
    let dist = t.path().join("dist");
    let (code, out, err) = detc(
        &[
            "build",
            "--color",
            "never",
            "--no-docs",
            "--cap-lints",
            "warn",
            "--out",
            &dist.to_string_lossy(),
        ],
        &fork,
    );
    assert_eq!(code, 0, "{out}{}", &err[err.len().saturating_sub(3000)..]);
    assert!(out.contains("built as contentctl 4.4.7 built it"), "{out}");
    let ss = std::fs::read_to_string(dist.join("DA-ESS-ContentUpdate/default/savedsearches.conf"))
        .unwrap();
    let stanza = |name: &str| {
        let at = ss
            .find(&format!("[ESCU - {name} - Rule]\n"))
            .unwrap_or_else(|| panic!("{name}"));
        let end = ss[at + 1..].find("\n[").map_or(ss.len(), |e| at + 1 + e);
        &ss[at..end]
    };
    let s = stanza("Detect Baron Samedit CVE-2021-3156 Segfault");
    assert!(s.contains("| where count > 50 |"), "{s}");
    // confidence 30 x impact 50 / 100, as contentctl 4.4.7 computes it.
    assert!(s.contains("\"risk_score\":15}"), "{s}");
    assert!(s.contains("\ncron_schedule = 15 * * * *\n"), "{s}");
    assert!(stanza("Okta Multiple Failed MFA Requests For User").contains("| where count >= 3 |"));
    assert!(stanza("Excessive Usage Of Taskkill").contains("| where count >=25 |"));
    assert!(stanza("Windows Modify Registry Risk Behavior").contains("| where source_count >= 4 "));
    assert!(!ss.contains("[ESCU - 7zip CommandLine To SMB Share Path - Rule]"));
    let macros =
        std::fs::read_to_string(dist.join("DA-ESS-ContentUpdate/default/macros.conf")).unwrap();
    assert!(
        macros.contains(
            "[excessive_usage_of_taskkill_filter]\ndefinition = search NOT dest IN (\"build-*\")\n"
        ),
        "{macros}"
    );
}

#[test]
fn the_base_is_found_among_releases_or_asked_for() {
    let (Some(base), Some(new)) = (release("v4.33.0"), release("v4.42.0")) else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let fork = t.path().join("fork");
    common::copy_dir(&base, &fork);
    tune(&fork);
    let n = new.to_string_lossy();
    let (code, out, err) = detc(&["upgrade", "--check", "--to", &n], &fork);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("error: the fork's base release is not given\nhelp: pass the content root of the release the fork branched from with --base DIR"), "{err}");
    // A folder of releases: v4.33.0 shares the most files with the fork.
    let releases = t.path().join("releases");
    std::fs::create_dir(&releases).unwrap();
    for r in [&base, &new] {
        let to = releases.join(r.file_name().unwrap());
        std::os::unix::fs::symlink(r, &to).unwrap();
    }
    let (code, out, err) = detc(
        &[
            "upgrade",
            "--check",
            "--to",
            &n,
            "--releases",
            &releases.to_string_lossy(),
        ],
        &fork,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("base: "), "{out}");
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("security_content-v4.33.0 ("),
        "{out}"
    );
    assert!(out.contains(" from v4.33.0 to v4.42.0\n"), "{out}");
    // Not a content root.
    let (code, _, err) = detc(&["upgrade", "--base", &n, "--to", &n], t.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("is not a content root: it has no contentctl.yml"),
        "{err}"
    );
}
