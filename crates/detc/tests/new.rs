//! `detc new` end to end, in a copy of contentctl's init pack: each kind
//! of object is created with its placeholders, `detc validate` reports
//! exactly those placeholders (P006) and nothing else, and once they are
//! filled the content validates and builds. Existing files are never
//! overwritten.

use common::{detc, pack};
use std::path::Path;

mod common;

/// Replaces every `TODO(detc new): hint` by its hint, as an author who
/// writes what the hint asks would: the hints are valid values.
fn fill(root: &Path, rel: &str) {
    let f = root.join(rel);
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replace("TODO(detc new): ", "")).unwrap();
}

fn validate(root: &Path) -> (i32, String) {
    let (code, out, _) = detc(&["validate", "--color", "never"], root);
    (code, out)
}

#[test]
fn every_kind_validates_and_builds_once_its_placeholders_are_filled() {
    let t = pack("init");
    let root = t.path();
    let runs: &[(&[&str], &[&str])] = &[
        (
            &[
                "new",
                "detection",
                "--name",
                "Suspicious 7zip Child Of Rundll32",
                "--technique",
                "T1560.001",
                "--story",
                "Cobalt Strike",
                "--data-source",
                "Sysmon EventID 1",
                "--type",
                "Anomaly",
            ],
            &["detections/endpoint/suspicious_7zip_child_of_rundll32.yml"],
        ),
        (
            &[
                "new",
                "detection",
                "--name",
                "Hunt For Archivers",
                "--type",
                "Hunting",
                "--folder",
                "endpoint",
                "--technique",
                "T1560",
                "--story",
                "Cobalt Strike",
                "--author",
                "Jane Doe, Example Corp",
            ],
            &["detections/endpoint/hunt_for_archivers.yml"],
        ),
        (
            &[
                "new",
                "story",
                "--name",
                "Archive Abuse",
                "--category",
                "Malware",
            ],
            &["stories/archive_abuse.yml"],
        ),
        (
            &[
                "new",
                "macro",
                "--name",
                "archive_tools",
                "--argument",
                "field",
            ],
            &["macros/archive_tools.yml"],
        ),
        (
            &[
                "new",
                "lookup",
                "--name",
                "known_archivers",
                "--field",
                "process_name",
                "--field",
                "description",
            ],
            &["lookups/known_archivers.yml", "lookups/known_archivers.csv"],
        ),
        (
            &[
                "new",
                "baseline",
                "--name",
                "Baseline Of Archivers Per Host",
                "--story",
                "Cobalt Strike",
                "--detection",
                "Suspicious 7zip Child Of Rundll32",
            ],
            &["baselines/baseline_of_archivers_per_host.yml"],
        ),
    ];
    let mut placeholders = 0;
    for (args, files) in runs {
        let (code, out, err) = detc(args, root);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        for f in *files {
            assert!(root.join(f).is_file(), "{args:?}: no {f}\n{out}");
            assert!(out.contains(&format!("/{f}")), "{out}");
            placeholders += std::fs::read_to_string(root.join(f))
                .unwrap()
                .matches("TODO(detc new)")
                .count();
        }
    }
    let (code, out) = validate(root);
    assert_eq!(code, 1, "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(errors.len(), placeholders, "{out}");
    assert!(errors.iter().all(|e| e.starts_with("error[P006]")), "{out}");
    assert!(!out.contains("warning["), "{out}");

    for (_, files) in runs {
        for f in *files {
            fill(root, f);
        }
    }
    let (code, out) = validate(root);
    assert_eq!((code, out.as_str()), (0, "0 errors, 0 warnings\n"));
    let dist = tempfile::tempdir().unwrap();
    let (code, out, err) = detc(
        &[
            "build",
            "--color",
            "never",
            "--out",
            dist.path().to_str().unwrap(),
        ],
        root,
    );
    assert_eq!(code, 0, "{out}{err}");
    let ss = std::fs::read_to_string(dist.path().join("ContentPack/default/savedsearches.conf"))
        .unwrap();
    assert!(
        ss.contains("[Custom Splunk Content Pack - Suspicious 7zip Child Of Rundll32 - Rule]"),
        "{ss}"
    );
    assert!(
        ss.contains("[Custom Splunk Content Pack - Baseline Of Archivers Per Host]"),
        "baseline stanza"
    );
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let t = pack("init");
    let f = t
        .path()
        .join("detections/endpoint/anomalous_usage_of_7zip.yml");
    let before = std::fs::read_to_string(&f).unwrap();
    let (code, _, err) = detc(
        &["new", "detection", "--name", "Anomalous usage of 7zip"],
        t.path(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("/detections/endpoint/anomalous_usage_of_7zip.yml` already exists"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), before);
}
