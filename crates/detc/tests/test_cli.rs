//! `detc test`: the shipped content's tests run offline and pass; a URL,
//! an unsupported command and a failing expectation are reported as such.

use std::path::{Path, PathBuf};

mod common;
use common::{copy_dir, pack};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `detc test` with `args` then `dir`: exit code, stdout.
fn detc_test(args: &[&str], dir: &Path) -> (i32, String) {
    let mut all = vec!["test", "--color", "never"];
    all.extend_from_slice(args);
    let (code, out, _) = common::detc(&all, dir);
    (code, out)
}

/// A copy of the shipped content (and the attack data its tests name),
/// with the CloudTrail logging detection's file rewritten by `edit`.
fn shipped_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let root = repo();
    for dir in [
        "data_sources",
        "deployments",
        "detections",
        "lookups",
        "macros",
        "stories",
        "playbooks",
        "removed",
        "tests/fixtures/cloudtrail/stratus",
    ] {
        copy_dir(&root.join(dir), &t.path().join(dir));
    }
    std::fs::copy(root.join("contentctl.yml"), t.path().join("contentctl.yml")).unwrap();
    let det = t
        .path()
        .join("detections/cloud/aws_cloudtrail_logging_stopped_or_altered.yml");
    let text = std::fs::read_to_string(&det).unwrap();
    // Keep only the tests on the small Stratus files.
    let text = text.replace(
        "- name: Attack simulation\n  attack_data:\n  - data: tests/fixtures/cloudtrail/invictus-aws-dataset.jsonl.gz\n    source: aws_cloudtrail\n    sourcetype: aws:cloudtrail\n",
        "",
    );
    std::fs::write(&det, edit(text)).unwrap();
    t
}

#[test]
fn the_shipped_tests_pass_and_the_first_seen_ones_say_why_they_are_skipped() {
    let (code, out) = detc_test(&[], &repo());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("11 tests: 7 passed, 0 failed, 4 skipped\n"),
        "{out}"
    );
    assert!(
        out.contains("passed   AWS IAM User Created And Given An Access Key / Access key for an existing user"),
        "the benign test (expect: none) passes: {out}"
    );
    for line in out.lines().filter(|l| l.starts_with("skipped")) {
        assert!(line.contains("needs a timeline of runs"), "{line}");
        assert!(
            line.contains("detections/cloud/"),
            "file:line named: {line}"
        );
    }
    let (code, xml) = detc_test(&["--format", "junit"], &repo());
    assert_eq!(code, 0);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"detc test\" tests=\"11\" failures=\"0\" errors=\"0\" skipped=\"4\""), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 11);
    assert_eq!(xml.matches("<skipped message=").count(), 4);
    let (_, json) = detc_test(
        &[
            "--format",
            "json",
            "--detection",
            "AWS IAM User Created And Given An Access Key",
        ],
        &repo(),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["passed"], 3);
    assert_eq!(v["tests"][1]["results"], 0);
}

#[test]
fn a_url_is_skipped_a_missed_expectation_fails_and_an_unknown_command_is_named() {
    // contentctl's init pack: attack data on GitHub.
    let init = pack("init");
    let (code, out) = detc_test(&[], init.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("skipped  Anomalous usage of 7zip / True Positive Test: the attack data is a URL (https://"), "{out}");

    // A test on events the search does not match.
    let t = shipped_with(|s| {
        s.replace(
            "- name: StopLogging\n  attack_data:",
            "- name: StopLogging\n  expect: none\n  attack_data:",
        )
    });
    let (code, out) = detc_test(
        &["--detection", "aws cloudtrail logging stopped or altered"],
        t.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED   AWS CloudTrail Logging Stopped Or Altered / StopLogging: expect: none, but the search returned 1 results"),
        "{out}"
    );
    assert!(
        out.ends_with("3 tests: 2 passed, 1 failed, 0 skipped\n"),
        "{out}"
    );

    // A command the interpreter does not run: skipped, named, never passed.
    let t = shipped_with(|s| {
        s.replacen(
            "| `detc_ctime(firstTime)`",
            "| iplocation src | `detc_ctime(firstTime)`",
            1,
        )
    });
    let (code, out) = detc_test(
        &["--detection", "AWS CloudTrail Logging Stopped Or Altered"],
        t.path(),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("`iplocation` is not in the replay's SPL subset")
            .count(),
        3,
        "{out}"
    );
    assert!(
        out.contains("detections/cloud/aws_cloudtrail_logging_stopped_or_altered.yml:"),
        "{out}"
    );
}
