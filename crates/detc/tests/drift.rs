//! `detc drift` end to end on the full security_content v4.42.0: the app
//! `detc build` writes, installed in an emulated splunkd
//! (crates/detc-drift/tests/sim/splunkd_apps_sim.py over ../shared's
//! splunkd_sim), compared over REST; then an admin's edits made as Splunk
//! Web makes them (saved/searches POSTs into the app's local/ layer), each
//! reported at its YAML file:line, written back, and rebuilt to the stanza
//! Splunk has.

use common::{Splunkd, copy_dir};
use std::path::{Path, PathBuf};

mod common;

/// `detc drift` of `root` against `sd`: exit code, stdout, stderr.
fn drift(root: &Path, sd: &Splunkd, more: &[&str]) -> (i32, String, String) {
    common::drift(root, &sd.uri, more)
}

/// Builds `root` into `out` (the app folder is `out/DA-ESS-ContentUpdate`).
fn build(root: &Path, out: &Path) -> PathBuf {
    common::build_into(root, out);
    out.join("DA-ESS-ContentUpdate")
}

/// The stanza `[name]` of the app's `file` (default/ then local/, local
/// over default key by key, as Splunk merges them), as key/value pairs.
fn merged(app: &Path, file: &str, name: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for layer in ["default", "local"] {
        let Ok(text) = std::fs::read_to_string(app.join(layer).join(file)) else {
            continue;
        };
        let mut inside = false;
        let mut key = String::new();
        let mut pending = false;
        for line in text.lines() {
            if pending {
                let v: &mut String = out.get_mut(&key).unwrap();
                v.push('\n');
                v.push_str(line.strip_suffix('\\').unwrap_or(line));
                pending = line.ends_with('\\');
                continue;
            }
            if let Some(s) = line.strip_prefix('[') {
                inside = s.strip_suffix(']') == Some(name);
                continue;
            }
            if inside && let Some((k, v)) = line.split_once(" = ") {
                key = k.trim().to_string();
                pending = v.ends_with('\\');
                out.insert(key.clone(), v.strip_suffix('\\').unwrap_or(v).to_string());
            }
        }
    }
    out
}

const LOCKOUTS: &str = "detections/endpoint/detect_excessive_user_account_lockouts.yml";
const LOCKOUTS_RULE: &str = "ESCU - Detect Excessive User Account Lockouts - Rule";
const SEVEN_ZIP: &str = "detections/endpoint/7zip_commandline_to_smb_share_path.yml";
const SEVEN_ZIP_RULE: &str = "ESCU - 7zip CommandLine To SMB Share Path - Rule";
/// A production TTP detection, which the test ships enabled by default.
const CERTUTIL: &str = "detections/endpoint/certutil_exe_certificate_extraction.yml";
const CERTUTIL_RULE: &str = "ESCU - Certutil exe certificate extraction - Rule";
/// An experimental one: contentctl's P001 forbids shipping it enabled.
const SAMEDIT_RULE: &str = "ESCU - Detect Baron Samedit CVE-2021-3156 Segfault - Rule";

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn drift_on_v4_42_0_reports_tuning_at_its_yaml_and_writes_it_back() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("content");
    copy_dir(&release, &root);
    // The corpus's files are read-only; a content repository's are not.
    for rel in [CERTUTIL, LOCKOUTS, SEVEN_ZIP] {
        let f = root.join(rel);
        let mut perm = std::fs::metadata(&f).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&f, perm).unwrap();
    }
    let certutil = std::fs::read_to_string(root.join(CERTUTIL)).unwrap();
    assert!(
        certutil.contains("status: production") && certutil.contains("type: TTP"),
        "{CERTUTIL} is a production TTP"
    );
    std::fs::write(
        root.join(CERTUTIL),
        format!("{certutil}enabled_by_default: true\n"),
    )
    .unwrap();
    let app = build(&root, &t.path().join("installed"));
    let Some(sd) = Splunkd::start(&["--app".as_ref(), app.as_os_str()]) else {
        return;
    };

    // As built, nothing differs: 1,824 saved searches and the macros.
    let (code, out, err) = drift(&root, &sd, &[]);
    assert_eq!(code, 0, "{out}\n{}", &err[err.len().saturating_sub(3000)..]);
    assert!(out.contains("no drift"), "{out}");
    assert!(err.contains("compared 1824 saved search(es)"), "{err}");

    // The admin's tuning, as Splunk Web saves it.
    let search = merged(&app, "savedsearches.conf", LOCKOUTS_RULE)["search"].clone();
    assert!(search.contains("| search count > 5 |"), "{search}");
    let raised = search.replace("| search count > 5 |", "| search count > 10 |");
    sd.post(
        &format!("saved/searches/{}", encode(LOCKOUTS_RULE)),
        &[("search", &raised)],
    );
    sd.post(
        &format!("saved/searches/{}/disable", encode(CERTUTIL_RULE)),
        &[],
    );
    sd.post(
        &format!("saved/searches/{}", encode(SEVEN_ZIP_RULE)),
        &[("cron_schedule", "*/15 * * * *")],
    );
    sd.post(
        &format!("saved/searches/{}/enable", encode(SAMEDIT_RULE)),
        &[],
    );
    // A lookup definition changed in Splunk, and a lookup file gone.
    sd.post(
        "configs/conf-transforms/applockereventcodes",
        &[("case_sensitive_match", "true")],
    );
    std::fs::remove_file(app.join("lookups/3cx_ioc_domains.csv")).unwrap();
    // A local stanza of a detection the repository no longer has.
    sd.post(
        "configs/conf-savedsearches/ESCU%20-%20Removed%20Detection%20-%20Rule",
        &[("search", "| tstats count from datamodel=Endpoint.Processes")],
    );

    let (code, out, _) = drift(&root, &sd, &[]);
    assert_eq!(code, 1, "{out}");
    let line_of = |rel: &str, needle: &str| -> usize {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        text.lines()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("{rel}: {needle}"))
            + 1
    };
    let search_at = format!(
        "{LOCKOUTS}:{}:9: saved search [{LOCKOUTS_RULE}]: `search` differs",
        line_of(LOCKOUTS, "search:")
    );
    assert!(out.contains(&search_at), "{search_at}\n{out}");
    assert!(
        out.contains("| search count > 10 |"),
        "the changed part is shown: {out}"
    );
    let disabled_at = format!(
        "{CERTUTIL}:{}:21: saved search [{CERTUTIL_RULE}]: `disabled` differs",
        line_of(CERTUTIL, "enabled_by_default:")
    );
    assert!(out.contains(&disabled_at), "{disabled_at}\n{out}");
    // The schedule comes from the shared deployment: that is its origin.
    let cron = "deployments/escu_default_configuration_hunting.yml:";
    assert!(
        out.lines().any(|l| l.starts_with(cron)
            && l.contains(&format!("[{SEVEN_ZIP_RULE}]: `cron_schedule` differs"))),
        "{out}"
    );
    assert!(
        out.contains(&format!("[{SAMEDIT_RULE}]: `disabled` differs")),
        "{out}"
    );
    let lookup_at = format!(
        "lookups/applockereventcodes.yml:{}:7: lookup [applockereventcodes]: `case_sensitive_match` differs",
        line_of("lookups/applockereventcodes.yml", "name:")
    );
    assert!(out.contains(&lookup_at), "{lookup_at}\n{out}");
    assert!(
        out.contains("lookups/3cx_ioc_domains.yml:")
            && out.contains("lookup file [3cx_ioc_domains.csv] is not in Splunk"),
        "{out}"
    );
    assert!(
        out.contains(
            "saved search [ESCU - Removed Detection - Rule] is in Splunk but not in the repository"
        ),
        "{out}"
    );
    // Nothing else: the lookup files the app's searches write at run time
    // and the definitions the build adds for the template's files are not
    // reported.
    assert!(
        out.contains(
            "7 difference(s): 5 changed key(s) in 5 stanza(s), 1 not in Splunk, 1 only in Splunk"
        ),
        "{out}"
    );

    // JSON and SARIF say the same, with the same file:line.
    let (_, json, _) = drift(&root, &sd, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["count"], 7);
    let d = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stanza"] == LOCKOUTS_RULE)
        .unwrap();
    assert_eq!(d["key"], "search");
    assert_eq!(d["file"], LOCKOUTS);
    assert_eq!(d["line"], line_of(LOCKOUTS, "search:"));
    let (_, sarif, _) = drift(&root, &sd, &["--format", "sarif"]);
    let s: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 7);

    // Write-back: three edits; the experimental detection's enable is left
    // (contentctl refuses it enabled by default).
    let (code, out, err) = drift(&root, &sd, &["--write-back"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains(&format!("write-back: {LOCKOUTS}: search")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "write-back: {CERTUTIL}: enabled_by_default: false"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "write-back: {SEVEN_ZIP}: deployment.scheduling.cron_schedule"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "left: saved search [{SAMEDIT_RULE}] `disabled`: only production"
        )),
        "{out}"
    );
    assert!(
        out.contains("left: lookup [applockereventcodes] `case_sensitive_match`: a lookup's settings: edit its YAML by hand"),
        "{out}"
    );
    assert!(
        out.contains(
            "left: lookup file [3cx_ioc_domains.csv]: Splunk does not have it: deploy the app"
        ),
        "{out}"
    );
    assert!(
        out.contains("wrote 3 file(s); 4 difference(s) left for an edit by hand"),
        "{out}"
    );
    let yaml = std::fs::read_to_string(root.join(CERTUTIL)).unwrap();
    assert!(yaml.ends_with("enabled_by_default: false\n"), "{yaml}");
    let yaml = std::fs::read_to_string(root.join(SEVEN_ZIP)).unwrap();
    assert!(
        yaml.contains("deployment:\n  scheduling:\n    cron_schedule: '*/15 * * * *'\n"),
        "{yaml}"
    );

    // Rebuilt, the three stanzas are the deployed ones, key for key (but
    // the drilldown, which holds the search as the build writes it and
    // Splunk kept as it was: the next deploy brings it in line).
    let rebuilt = build(&root, &t.path().join("rebuilt"));
    for (name, keys) in [
        (LOCKOUTS_RULE, &["search"][..]),
        (CERTUTIL_RULE, &["disabled"][..]),
        (
            SEVEN_ZIP_RULE,
            &[
                "cron_schedule",
                "dispatch.earliest_time",
                "dispatch.latest_time",
                "schedule_window",
            ][..],
        ),
    ] {
        let ours = merged(&rebuilt, "savedsearches.conf", name);
        let theirs = merged(&app, "savedsearches.conf", name);
        for k in keys {
            let (a, b) = (&ours[*k], &theirs[*k]);
            assert!(
                detc_drift_same(a, b),
                "[{name}] {k}: rebuilt {a:?}, deployed {b:?}"
            );
        }
        let changed: Vec<&String> = ours
            .keys()
            .filter(|k| {
                theirs
                    .get(*k)
                    .is_some_and(|v| !detc_drift_same(&ours[*k], v))
            })
            .filter(|k| *k != "action.notable.param.drilldown_searches")
            .collect();
        assert!(changed.is_empty(), "[{name}] still differs in {changed:?}");
    }
}

/// Two savedsearches.conf values that Splunk reads alike (`0`/`false`).
fn detc_drift_same(a: &str, b: &str) -> bool {
    let norm = |s: &str| match s.trim() {
        "0" | "false" => "false".to_string(),
        "1" | "true" => "true".to_string(),
        s => s.to_string(),
    };
    norm(a) == norm(b)
}

/// Write-back into a contentctl 5.x pack's two search layouts: a literal
/// block (`search: |-`, edited line for line) and a folded single-quoted
/// scalar (rewritten on one line); both rebuild to Splunk's search.
#[test]
fn write_back_keeps_a_block_search_a_block() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("content");
    copy_dir(&common::fixtures().join("packs/build"), &root);
    let app = build(&root, &t.path().join("installed")).with_file_name("DetcBuildFixture");
    let Some(sd) = Splunkd::start(&["--app".as_ref(), app.as_os_str()]) else {
        return;
    };
    let (code, out, err) = common::drift(&root, &sd.uri, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let aws = "Build Fixture - AWS IAM User Created With Access Key - Rule";
    let zip = "Build Fixture - Anomalous usage of 7zip - Rule";
    for (name, from, to) in [
        (aws, "| where calls = 2", "| where calls >= 2"),
        (
            zip,
            "Processes.process_name=*7z*",
            "Processes.process_name=*7za*",
        ),
    ] {
        let search = merged(&app, "savedsearches.conf", name)["search"].clone();
        assert!(search.contains(from), "{name}: {search}");
        sd.post_to(
            "DetcBuildFixture",
            &format!("saved/searches/{}", encode(name)),
            &[("search", &search.replace(from, to))],
        );
    }
    let block = root.join("detections/cloud/aws_iam_user_created_with_access_key.yml");
    let before = std::fs::read_to_string(&block).unwrap();
    let (code, out, err) = common::drift(&root, &sd.uri, &["--write-back"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("wrote 2 file(s); 0 difference(s) left for an edit by hand"),
        "{out}"
    );
    let after = std::fs::read_to_string(&block).unwrap();
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed, [("  | where calls = 2", "  | where calls >= 2")]);
    assert_eq!(before.lines().count(), after.lines().count());
    // Rebuilt, each search is Splunk's.
    let rebuilt = build(&root, &t.path().join("rebuilt")).with_file_name("DetcBuildFixture");
    for name in [aws, zip] {
        let ours = &merged(&rebuilt, "savedsearches.conf", name)["search"];
        let theirs = &merged(&app, "savedsearches.conf", name)["search"];
        assert_eq!(ours, theirs, "[{name}]");
    }
}
