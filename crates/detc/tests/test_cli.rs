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
/// with the file `file` (relative to the content root) rewritten by
/// `edit`.
fn shipped_with(file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let t = shipped();
    let det = t.path().join(file);
    let text = std::fs::read_to_string(&det).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changes {file}");
    std::fs::write(&det, edited).unwrap();
    t
}

/// A copy of the shipped content and the attack data its tests name.
fn shipped() -> tempfile::TempDir {
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
        "sourcetypes",
        "tests/fixtures/cloudtrail",
    ] {
        copy_dir(&root.join(dir), &t.path().join(dir));
    }
    std::fs::copy(root.join("contentctl.yml"), t.path().join("contentctl.yml")).unwrap();
    t
}

const LOGGING: &str = "detections/cloud/aws_cloudtrail_logging_stopped_or_altered.yml";
const ROLES: &str = "detections/cloud/aws_role_assumed_for_the_first_time_by_principal.yml";
const CLOUDTRAIL: &str = "sourcetypes/aws_cloudtrail.yml";

#[test]
fn the_shipped_tests_pass_first_seen_timelines_included() {
    let (code, out) = detc_test(&[], &repo());
    assert_eq!(code, 0, "{out}");
    // Every test of the content passes; none is skipped. The number grows
    // with the content: each result line is one test (or timeline run).
    let n = out.lines().filter(|l| l.starts_with("passed   ")).count();
    assert!(n >= 23, "{out}");
    assert!(
        out.ends_with(&format!("{n} tests: {n} passed, 0 failed, 0 skipped\n")),
        "{out}"
    );
    assert!(
        out.contains("passed   AWS IAM User Created And Given An Access Key / Access key for an existing user (0 results)"),
        "the benign test (expect: none) passes: {out}"
    );
    // Each first-seen detection: quiet while learning, its findings on the
    // attack day, each reported once, quiet again after the state is lost.
    for run in [
        "True Positive Test > A week of usual activity (0 results)",
        "True Positive Test > Attack day (5 results)",
        "True Positive Test > An hour later (0 results)",
        "True Positive Test > After the state is lost (0 results)",
    ] {
        assert!(
            out.contains(&format!(
                "passed   AWS Role Assumed For The First Time By Principal / {run}"
            )),
            "{run}: {out}"
        );
    }
    let (code, xml) = detc_test(&["--format", "junit"], &repo());
    assert_eq!(code, 0);
    assert!(xml.starts_with(&format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"detc test\" tests=\"{n}\" failures=\"0\" errors=\"0\" skipped=\"0\"")), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), n);
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

    let only = ["--detection", "aws cloudtrail logging stopped or altered"];
    // A count the search does not return.
    let t = shipped_with(LOGGING, |s| s.replacen("  count: 1\n", "  count: 2\n", 1));
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED   AWS CloudTrail Logging Stopped Or Altered / StopLogging: count: 2, but the search returned 1 results: {"),
        "{out}"
    );
    assert!(
        out.ends_with("4 tests: 3 passed, 1 failed, 0 skipped\n"),
        "{out}"
    );
    // A row that does not come out: the results are shown on its fields.
    let t = shipped_with(LOGGING, |s| {
        s.replacen(
            "object: stratus-red-team-ct-stop-trail-buykxbqejv",
            "object: other-trail",
            1,
        )
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("StopLogging: no result has {user=christophe, command=StopLogging, object=other-trail, status=success}; the search returned 1 results: {command=StopLogging, object=stratus-red-team-ct-stop-trail-buykxbqejv, status=success, user=christophe}"),
        "{out}"
    );
    // Benign data on which the search fires.
    let t = shipped_with(LOGGING, |s| {
        s.replacen(
            "- name: StopLogging\n  attack_data:",
            "- name: StopLogging\n  expect: none\n  attack_data:",
            1,
        )
        .replacen("  count: 1\n  rows:\n  - {user: christophe, command: StopLogging, object: stratus-red-team-ct-stop-trail-buykxbqejv, status: success}\n", "", 1)
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED   AWS CloudTrail Logging Stopped Or Altered / StopLogging: expect: none, but the search returned 1 results"),
        "{out}"
    );

    // A command the interpreter does not run: skipped, named, never passed.
    let t = shipped_with(LOGGING, |s| {
        s.replacen(
            "| `detc_ctime(firstTime)`",
            "| iplocation src | `detc_ctime(firstTime)`",
            1,
        )
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("`iplocation` is not in the replay's SPL subset")
            .count(),
        4,
        "{out}"
    );
    assert!(
        out.contains("detections/cloud/aws_cloudtrail_logging_stopped_or_altered.yml:"),
        "{out}"
    );
}

#[test]
fn a_timeline_needs_its_history_and_goes_forward_in_time() {
    let only = [
        "--detection",
        "AWS Role Assumed For The First Time By Principal",
    ];
    // Without the week of history, min_history keeps the attack day quiet:
    // the expected findings do not come out.
    let t = shipped_with(ROLES, |s| s.replacen("    shift: -8d\n", "", 1));
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED   AWS Role Assumed For The First Time By Principal / True Positive Test > Attack day: count: 5, but the search returned 0 results: none"),
        "{out}"
    );
    // A run whose latest time is before the previous run's.
    let t = shipped_with(ROLES, |s| {
        s.replacen("    shift: +1h\n", "    shift: -2d\n", 1)
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("True Positive Test > An hour later: detections/cloud/aws_role_assumed_for_the_first_time_by_principal.yml:"),
        "{out}"
    );
    assert!(out.contains("is before the previous run's"), "{out}");
    // After the state is lost, min_history keeps the detection quiet while
    // it learns again; without it, every key of the day is new.
    let t = shipped_with(ROLES, |s| s.replacen(" min_history=-7d@d", "", 1));
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("True Positive Test > After the state is lost: expect: none, but the search returned 5 results"),
        "{out}"
    );
    assert!(
        out.ends_with("6 tests: 5 passed, 1 failed, 0 skipped\n"),
        "{out}"
    );
}

#[test]
fn the_fields_come_from_the_contents_sourcetype_definition() {
    let only = ["--detection", "aws cloudtrail logging stopped or altered"];
    // An expression outside the eval subset: failed, with the line of the
    // expression in the sourcetype's file.
    let t = shipped_with(CLOUDTRAIL, |s| {
        s.replacen("status: if(errorCode=", "status: iff(errorCode=", 1)
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    let line = std::fs::read_to_string(t.path().join(CLOUDTRAIL))
        .unwrap()
        .lines()
        .position(|l| l.contains("status: iff("))
        .unwrap()
        + 1;
    assert!(
        out.contains(&format!("FAILED   AWS CloudTrail Logging Stopped Or Altered / StopLogging: sourcetypes/aws_cloudtrail.yml:{line}: the field `status` of the `Change` mapping: the function `iff` with 3 argument(s) is not replayed")),
        "{out}"
    );
    // The mapping decides what the data model holds: with only successful
    // calls (a constraint on errorCode), the Invictus failures are gone.
    let t = shipped_with(CLOUDTRAIL, |s| {
        s.replacen(
            "  constraint: eventType=AwsApiCall OR eventType=AwsConsoleSignIn OR NOT eventType=*",
            "  constraint: (eventType=AwsApiCall OR eventType=AwsConsoleSignIn OR NOT eventType=*) errorCode=success",
            1,
        )
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Attack simulation: count: 5, but the search returned 3 results"),
        "{out}"
    );
    // A field the search reads that the mapping does not give: the failure
    // says so.
    let t = shipped_with(CLOUDTRAIL, |s| {
        s.replacen("    command: eventName\n", "", 1)
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("StopLogging: count: 1, but the search returned 0 results: none (the search reads `All_Changes.command`, which sourcetypes/aws_cloudtrail.yml does not map)"),
        "{out}"
    );
    // No definition for the sourcetype: skipped, saying what to add.
    let t = shipped_with(CLOUDTRAIL, |s| {
        s.replacen("name: aws:cloudtrail", "name: aws:cloudtrail:other", 1)
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("skipped  AWS CloudTrail Logging Stopped Or Altered / StopLogging: no `sourcetypes/` definition for sourcetype `aws:cloudtrail`"),
        "{out}"
    );
}

/// A detection someone else wrote: ESCU's own "AWS Defense Evasion Delete
/// Cloudtrail" (security_content v4.42.0, 4.x format, a raw-event search
/// on `errorCode = success`, `src`, `region`, `user_arn` and
/// `aws_account_id`, which the add-on's search-time fields give), added to
/// the shipped content unchanged but for its tests: Stratus Red Team's
/// DeleteTrail detonation must fire, its StopLogging detonation must not.
#[test]
fn escus_raw_cloudtrail_detection_fires_on_the_detonation_and_not_on_other_events() {
    let Some(corpus) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let Some(stratus) = detc_testkit::shared("datasets/cloudtrail/stratus-red-team-detonations")
    else {
        return;
    };
    let t = shipped();
    for (from, to) in [
        (
            "stories/aws_defense_evasion.yml",
            "stories/aws_defense_evasion.yml",
        ),
        ("macros/cloudtrail.yml", "macros/cloudtrail.yml"),
        (
            "macros/security_content_ctime.yml",
            "macros/security_content_ctime.yml",
        ),
    ] {
        std::fs::copy(corpus.join(from), t.path().join(to)).unwrap();
    }
    std::fs::create_dir_all(t.path().join("data")).unwrap();
    for f in [
        "aws.defense-evasion.cloudtrail-delete.json",
        "aws.defense-evasion.cloudtrail-stop.json",
    ] {
        std::fs::copy(stratus.join(f), t.path().join("data").join(f)).unwrap();
    }
    let escu = std::fs::read_to_string(
        corpus.join("detections/cloud/aws_defense_evasion_delete_cloudtrail.yml"),
    )
    .unwrap();
    let at = escu.find("\ntests:\n").expect("ESCU's tests") + 1;
    let tests = "tests:\n\
- name: True Positive Test\n  attack_data:\n  - data: data/aws.defense-evasion.cloudtrail-delete.json\n    sourcetype: aws:cloudtrail\n    source: aws_cloudtrail\n  count: 1\n  rows:\n  - {eventName: DeleteTrail, src: 08.1.250.216, region: megov-westwest-1r, deleted_cloudtrail_name: stratus-red-team-cloudtraild-trail-kvrwohmiai}\n\
- name: Another technique\n  expect: none\n  attack_data:\n  - data: data/aws.defense-evasion.cloudtrail-stop.json\n    sourcetype: aws:cloudtrail\n    source: aws_cloudtrail\n";
    std::fs::write(
        t.path()
            .join("detections/cloud/aws_defense_evasion_delete_cloudtrail.yml"),
        format!("{}{tests}", &escu[..at]),
    )
    .unwrap();
    let only = ["--detection", "AWS Defense Evasion Delete Cloudtrail"];
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("passed   AWS Defense Evasion Delete Cloudtrail / True Positive Test (1 results)\npassed   AWS Defense Evasion Delete Cloudtrail / Another technique (0 results)\n2 tests: 2 passed, 0 failed, 0 skipped\n"),
        "{out}"
    );
    // Without the add-on's errorCode=success, the search finds nothing, as
    // it would in a Splunk without the add-on.
    let cloudtrail = t.path().join(CLOUDTRAIL);
    let def = std::fs::read_to_string(&cloudtrail).unwrap();
    std::fs::write(
        &cloudtrail,
        def.replacen("  errorCode: coalesce(errorCode, \"success\")\n", "", 1),
    )
    .unwrap();
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED   AWS Defense Evasion Delete Cloudtrail / True Positive Test: count: 1, but the search returned 0 results"),
        "{out}"
    );
}

/// Attack data that is not JSON, or not there: the test fails with the
/// file:line of its `data:` and what is wrong, and the run goes on.
#[test]
fn unreadable_attack_data_fails_with_where_and_why() {
    let t = shipped_with(LOGGING, |s| {
        s.replacen(
            "tests/fixtures/cloudtrail/stratus/aws.defense-evasion.cloudtrail-stop.json",
            "data/broken.json",
            1,
        )
        .replacen(
            "tests/fixtures/cloudtrail/stratus/aws.defense-evasion.cloudtrail-delete.json",
            "data/missing.json",
            1,
        )
    });
    std::fs::create_dir_all(t.path().join("data")).unwrap();
    std::fs::write(
        t.path().join("data/broken.json"),
        "[{\"eventName\": \"StopLogging\"},\n  {\"eventName\": ",
    )
    .unwrap();
    let (code, out) = detc_test(
        &["--detection", "AWS CloudTrail Logging Stopped Or Altered"],
        t.path(),
    );
    assert_eq!(code, 1, "{out}");
    let text = std::fs::read_to_string(t.path().join(LOGGING)).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        out.contains(&format!(
            "FAILED   AWS CloudTrail Logging Stopped Or Altered / StopLogging: {LOGGING}:{}:",
            line("data/broken.json")
        )),
        "{out}"
    );
    assert!(out.contains("broken.json: EOF while parsing"), "{out}");
    assert!(
        out.contains("at line 2 column"),
        "the position in the file: {out}"
    );
    assert!(
        out.contains(&format!(
            "FAILED   AWS CloudTrail Logging Stopped Or Altered / DeleteTrail: {LOGGING}:{}: the attack data cannot be read:",
            line("data/missing.json")
        )),
        "{out}"
    );
    assert!(out.contains("No such file or directory"), "{out}");
    assert!(
        out.contains("passed   AWS CloudTrail Logging Stopped Or Altered / PutEventSelectors"),
        "the other tests still run: {out}"
    );
}
