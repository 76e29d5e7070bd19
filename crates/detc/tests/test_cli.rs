//! `detc test`: the shipped content's tests run offline and pass; an
//! unreadable sourcetype, an unsupported command and a failing expectation
//! are reported as such; attack data URLs are downloaded once, checked,
//! or read from a mirror.

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
fn data_that_cannot_be_had_is_skipped_a_missed_expectation_fails_and_an_unknown_command_is_named() {
    // contentctl's init pack: Sysmon data on GitHub (read with detc's
    // built-in XmlWinEventLog definition), offline: skipped, saying why.
    let init = pack("init");
    let (code, out) = detc_test(&["--offline"], init.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("skipped  Anomalous usage of 7zip / True Positive Test: the attack data https://media.githubusercontent.com/")
            && out.contains("--offline forbids downloading it"),
        "{out}"
    );
    assert!(
        !init.path().join(".detc-cache/attack_data").exists(),
        "nothing downloaded"
    );

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
    // The content's definition gone: detc's built-in one (the same file)
    // is used.
    let t = shipped_with(CLOUDTRAIL, |s| {
        s.replacen("name: aws:cloudtrail", "name: aws:cloudtrail:other", 1)
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("passed   AWS CloudTrail Logging Stopped Or Altered / StopLogging"),
        "{out}"
    );
    // No definition for the sourcetype at all: skipped, saying what to add.
    let t = shipped_with(LOGGING, |s| {
        s.replace(
            "sourcetype: aws:cloudtrail\n",
            "sourcetype: aws:cloudtrail:other\n",
        )
    });
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("skipped  AWS CloudTrail Logging Stopped Or Altered / StopLogging: no `sourcetypes/` definition for sourcetype `aws:cloudtrail:other`"),
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

/// A local HTTP server for attack data: `/ok/<name>` serves the file
/// `<dir>/<name>`; `/short/<name>` promises more bytes than it sends and
/// closes; `/lfs/<name>` answers a Git LFS pointer; anything else 404.
/// Counts the requests.
struct DataServer {
    url: String,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl DataServer {
    fn start(dir: PathBuf) -> DataServer {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let path = first.split(' ').nth(1).unwrap_or("/").to_string();
                let file = |name: &str| std::fs::read(dir.join(name)).ok();
                let (status, head_len, body): (&str, Option<usize>, Vec<u8>) =
                    match path.trim_start_matches('/').split_once('/') {
                        Some(("ok", name)) => match file(name) {
                            Some(b) => ("200 OK", None, b),
                            None => ("404 Not Found", None, b"no".to_vec()),
                        },
                        Some(("short", name)) => match file(name) {
                            Some(b) => ("200 OK", Some(b.len() * 2), b),
                            None => ("404 Not Found", None, b"no".to_vec()),
                        },
                        Some(("lfs", _)) => (
                            "200 OK",
                            None,
                            b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 12\n"
                                .to_vec(),
                        ),
                        _ => ("404 Not Found", None, b"no".to_vec()),
                    };
                let len = head_len.unwrap_or(body.len());
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(&body);
            }
        });
        DataServer { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Attack data named by URL, as security_content names it: downloaded
/// once into the cache (with its SHA-256) and read from there after, also
/// `--offline`; a damaged cached file is downloaded again; a truncated
/// download, a Git LFS pointer and a 404 fail the test; with no network
/// the test is skipped with what to do; and a local mirror of
/// splunk/attack_data is read without any request.
#[test]
fn attack_data_urls_are_downloaded_once_checked_and_mirrored() {
    let stratus = repo().join("tests/fixtures/cloudtrail/stratus");
    let server = DataServer::start(stratus.clone());
    let stop = "aws.defense-evasion.cloudtrail-stop.json";
    let delete = "aws.defense-evasion.cloudtrail-delete.json";
    let selectors = "aws.defense-evasion.cloudtrail-event-selectors.json";
    let url = server.url.clone();
    let t = shipped_with(LOGGING, |s| {
        s.replacen(
            &format!("tests/fixtures/cloudtrail/stratus/{stop}"),
            &format!("{url}/ok/{stop}"),
            1,
        )
        .replacen(
            &format!("tests/fixtures/cloudtrail/stratus/{delete}"),
            &format!("{url}/short/{delete}"),
            1,
        )
        .replacen(
            &format!("tests/fixtures/cloudtrail/stratus/{selectors}"),
            &format!("{url}/lfs/{selectors}"),
            1,
        )
    });
    let only = ["--detection", "AWS CloudTrail Logging Stopped Or Altered"];
    let (code, out) = detc_test(&only, t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("passed   AWS CloudTrail Logging Stopped Or Altered / StopLogging"),
        "{out}"
    );
    assert!(
        out.contains("FAILED   AWS CloudTrail Logging Stopped Or Altered / DeleteTrail")
            && out.contains("the download is truncated:"),
        "{out}"
    );
    assert!(
        out.contains("FAILED   AWS CloudTrail Logging Stopped Or Altered / PutEventSelectors")
            && out.contains("a Git LFS pointer, not the data"),
        "{out}"
    );
    let cache = t.path().join(".detc-cache/attack_data");
    let kept: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "CACHEDIR.TAG")
        .collect();
    // The good download and its SHA-256; nothing of the broken ones.
    assert_eq!(kept.len(), 2, "{kept:?}");
    let data = cache.join(kept.iter().find(|k| k.ends_with(stop)).unwrap());
    assert_eq!(
        std::fs::read(&data).unwrap(),
        std::fs::read(stratus.join(stop)).unwrap()
    );
    assert!(
        std::fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .contains('*')
    );

    // Again, offline: the cached file is used, no request is made.
    let before = server.requests();
    let offline = [
        "--detection",
        "AWS CloudTrail Logging Stopped Or Altered",
        "--offline",
    ];
    let (_, out) = detc_test(&offline, t.path());
    assert!(
        out.contains("passed   AWS CloudTrail Logging Stopped Or Altered / StopLogging"),
        "{out}"
    );
    assert!(
        out.contains(
            "skipped  AWS CloudTrail Logging Stopped Or Altered / DeleteTrail: the attack data"
        ) && out.contains("--offline forbids downloading it"),
        "{out}"
    );
    assert_eq!(server.requests(), before, "offline: no request");

    // The cached file damaged: detected by its SHA-256, downloaded again.
    std::fs::write(&data, b"[]").unwrap();
    let (_, out) = detc_test(&only, t.path());
    assert!(
        out.contains("passed   AWS CloudTrail Logging Stopped Or Altered / StopLogging"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(&data).unwrap(),
        std::fs::read(stratus.join(stop)).unwrap()
    );

    // No network (a port nobody listens on): skipped, with what to do.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let t2 = shipped_with(LOGGING, |s| {
        s.replacen(
            &format!("tests/fixtures/cloudtrail/stratus/{stop}"),
            &format!("{dead}/ok/{stop}"),
            1,
        )
    });
    let (_, out) = detc_test(&only, t2.path());
    assert!(
        out.contains("skipped  AWS CloudTrail Logging Stopped Or Altered / StopLogging: cannot download the attack data")
            && out.contains("pass --attack-data DIR"),
        "{out}"
    );

    // A mirror of splunk/attack_data: read from it, no request made.
    let mirror = tempfile::tempdir().unwrap();
    let rel = "datasets/attack_techniques/T1562.008/stratus";
    std::fs::create_dir_all(mirror.path().join(rel)).unwrap();
    std::fs::copy(stratus.join(stop), mirror.path().join(rel).join(stop)).unwrap();
    let t3 = shipped_with(LOGGING, |s| {
        s.replacen(
            &format!("tests/fixtures/cloudtrail/stratus/{stop}"),
            &format!(
                "https://media.githubusercontent.com/media/splunk/attack_data/master/{rel}/{stop}"
            ),
            1,
        )
    });
    let m = mirror.path().to_string_lossy().into_owned();
    let before = server.requests();
    let (_, out) = detc_test(
        &[
            "--detection",
            "AWS CloudTrail Logging Stopped Or Altered",
            "--attack-data",
            &m,
        ],
        t3.path(),
    );
    assert!(
        out.contains("passed   AWS CloudTrail Logging Stopped Or Altered / StopLogging"),
        "{out}"
    );
    assert_eq!(server.requests(), before);
    assert!(
        !t3.path().join(".detc-cache").exists(),
        "nothing downloaded"
    );
}

/// security_content v4.42.0 (the shared corpus) and a copy of it in a
/// temporary folder, with the path of a mirror of splunk/attack_data beside
/// the copy (not created): (the folder, the corpus, the copy, the mirror);
/// `None` without the corpus.
fn v4_42_0_copy() -> Option<(tempfile::TempDir, PathBuf, PathBuf, PathBuf)> {
    let release = detc_testkit::corpus("v4.42.0")?;
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("content");
    copy_dir(&release, &root);
    let mirror = t.path().join("attack_data");
    Some((t, release, root, mirror))
}

/// The example event (`example_log:`) of a data source of security_content
/// v4.42.0: a real event, recorded on an attack range.
fn example_log(root: &Path, data_source: &str) -> String {
    let path = root.join("data_sources").join(data_source);
    let text = std::fs::read_to_string(&path).unwrap();
    let (doc, _) = detc_yaml::parse(&text, detc_diag::FileId(0), detc_yaml::Limits::default());
    let doc = doc.unwrap();
    let detc_yaml::NodeKind::Map(pairs) = &doc.node(doc.root.unwrap()).kind else {
        panic!("{data_source}: not a mapping")
    };
    pairs
        .iter()
        .find_map(|(k, v)| match (&doc.node(*k).kind, &doc.node(*v).kind) {
            (detc_yaml::NodeKind::Scalar(k), detc_yaml::NodeKind::Scalar(v))
                if k.text == "example_log" =>
            {
                Some(v.text.trim().to_string())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{data_source}: no example_log"))
}

/// ESCU's own Sysmon detection and its own test, unchanged, on real
/// Windows events read as XmlWinEventLog (detc's built-in definition):
/// the attack range's `reg save HKLM\sam` process creation (Sysmon
/// EventID 1, the example event of `data_sources/sysmon_eventid_1.yml`)
/// makes "Attempted Credential Dump From Registry via Reg exe" fire through
/// `| tstats ... from datamodel=Endpoint.Processes`; it finds nothing in
/// the other Sysmon and Security example events of v4.42.0 (a network
/// connection, a file and a registry event, a failed logon: no process
/// creation), nor in the same process creation with another command line.
#[test]
fn escus_sysmon_detection_fires_on_a_real_process_creation_and_not_on_other_events() {
    let Some((_t, release, root, mirror)) = v4_42_0_copy() else {
        return;
    };
    let rel = "datasets/attack_techniques/T1003.002/atomic_red_team/windows-sysmon.log";
    std::fs::create_dir_all(mirror.join(rel).parent().unwrap()).unwrap();
    let attack = example_log(&release, "sysmon_eventid_1.yml");
    let others: Vec<String> = [
        "sysmon_eventid_3.yml",
        "sysmon_eventid_11.yml",
        "sysmon_eventid_13.yml",
        "windows_event_log_security_4625.yml",
    ]
    .iter()
    .map(|d| example_log(&release, d))
    .collect();
    let only = [
        "--detection",
        "Attempted Credential Dump From Registry via Reg exe",
        "--cap-lints",
        "warn",
        "--attack-data",
    ];
    let run = |events: &[&String]| {
        let lines: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        std::fs::write(mirror.join(rel), lines.join("\n") + "\n").unwrap();
        let mut args = only.to_vec();
        let m = mirror.to_string_lossy().into_owned();
        args.push(&m);
        detc_test(&args, &root).1
    };
    let out = run(&[&others[0], &attack, &others[1]]);
    assert!(
        out.contains("passed   Attempted Credential Dump From Registry via Reg exe / True Positive Test (1 results)"),
        "{out}"
    );
    // Without the process creation, no event is a process of the data
    // model: nothing to find, the test fails (never passes).
    let out = run(&others.iter().collect::<Vec<_>>());
    assert!(
        out.contains("FAILED   Attempted Credential Dump From Registry via Reg exe / True Positive Test: the attack data: no event with a time to run the search on"),
        "{out}"
    );
    // The process creation with another command line: the search runs on
    // it and finds nothing.
    let benign = attack
        .replace("reg save HKLM\\sam", "whoami /all")
        .replace("reg save", "dir");
    assert!(!benign.contains("save"), "{benign}");
    let out = run(&[&others[0], &benign]);
    assert!(
        out.contains("FAILED   Attempted Credential Dump From Registry via Reg exe / True Positive Test: the search returned no results on the attack data"),
        "{out}"
    );
    // The CrowdStrike test: no definition of its sourcetype, skipped.
    assert!(
        out.contains("no `sourcetypes/` definition for sourcetype `crowdstrike:events:sensor`"),
        "{out}"
    );
}

/// ESCU's own Sysmon for Linux detection and its own test, unchanged, on
/// the real `sudo gdb -nx -ex !sh` process creation (the example event of
/// `data_sources/sysmon_for_linux_eventid_1.yml`) in a syslog line, as
/// attack_data's sysmon:linux files hold them: "Linux GDB Privilege
/// Escalation" fires through `Endpoint.Processes` (detc's built-in
/// sysmon:linux), and finds nothing in the same event with another command
/// line, nor in the file creation of `sysmon_for_linux_eventid_11.yml`.
#[test]
fn escus_sysmon_for_linux_detection_fires_on_a_real_process_creation() {
    let Some((_t, release, root, mirror)) = v4_42_0_copy() else {
        return;
    };
    let rel = mirror.join("datasets/attack_techniques/T1548/gdb/sysmon_linux.log");
    std::fs::create_dir_all(rel.parent().unwrap()).unwrap();
    let attack = example_log(&release, "sysmon_for_linux_eventid_1.yml").replace('\n', " ");
    let file = example_log(&release, "sysmon_for_linux_eventid_11.yml").replace('\n', " ");
    let m = mirror.to_string_lossy().into_owned();
    let args = [
        "--detection",
        "Linux GDB Privilege Escalation",
        "--cap-lints",
        "warn",
        "--attack-data",
        m.as_str(),
    ];
    let run = |events: &[&str]| {
        let lines: Vec<String> = events
            .iter()
            .map(|e| format!("Aug  9 10:42:47 ar-linux sysmon: {e}"))
            .collect();
        std::fs::write(&rel, lines.join("\n") + "\n").unwrap();
        detc_test(&args, &root).1
    };
    let out = run(&[&file, &attack]);
    assert!(
        out.contains("passed   Linux GDB Privilege Escalation / True Positive Test (1 results)"),
        "{out}"
    );
    let benign = attack.replace("sudo gdb -nx -ex !sh -ex", "sudo ls -la");
    assert_ne!(benign, attack);
    let out = run(&[&file, &benign]);
    assert!(
        out.contains("FAILED   Linux GDB Privilege Escalation / True Positive Test: the search returned no results on the attack data"),
        "{out}"
    );
}

/// An EVTX sample of `crates/detc/tests/fixtures/evtx-attack-samples`,
/// gunzipped: the bytes of the `.evtx` file.
fn evtx_sample(name: &str) -> Vec<u8> {
    let gz = repo()
        .join("crates/detc/tests/fixtures/evtx-attack-samples")
        .join(format!("{name}.evtx.gz"));
    let raw = std::fs::read(&gz).unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut out).unwrap();
    assert!(out.starts_with(b"ElfFile\0"), "{}", gz.display());
    out
}

/// ESCU's own detections and their own tests, unchanged, on real Windows
/// event logs recorded during the attacks (public EVTX attack samples,
/// read with the `evtx` crate): each attack data file that the test names
/// is, in a mirror of splunk/attack_data, the EVTX file of the technique
/// (under the test's own `.log` name: detc knows EVTX by its signature).
/// Each detection fires through its data model (Endpoint.Processes,
/// Endpoint.Filesystem, Endpoint.Registry) or its raw Security and
/// PowerShell events; then, with each file swapped for a sample of the
/// same event log recorded during another technique, each stays quiet.
#[test]
fn escus_detections_fire_on_real_evtx_attack_samples_and_stay_quiet_on_others() {
    let Some((_t, _, root, mirror)) = v4_42_0_copy() else {
        return;
    };
    let techniques = "datasets/attack_techniques";
    // (the mirror path the ESCU tests name, the technique's sample, the
    // other technique's sample of the same event log)
    let data = [
        (
            "T1548.002/atomic_red_team/windows-sysmon.log",
            "Sysmon_UACME_33",
            "de_hiding_files_via_attrib_cmdlet",
        ),
        (
            "T1222.001/atomic_red_team/windows-sysmon.log",
            "de_hiding_files_via_attrib_cmdlet",
            "sysmon_10_1_memdump_comsvcs_minidump",
        ),
        (
            "T1546.011/atomic_red_team/windows-sysmon.log",
            "persistence_sysmon_11_13_1_shime_appfix",
            "Sysmon_UACME_33",
        ),
        (
            "T1003.001/atomic_red_team/windows-sysmon.log",
            "sysmon_10_1_memdump_comsvcs_minidump",
            "persistence_sysmon_11_13_1_shime_appfix",
        ),
        (
            "T1053.005/winevent_scheduled_task_created_to_spawn_shell/windows-xml.log",
            "temp_scheduled_task_4698_4699",
            "CA_DCSync_4662",
        ),
        (
            "../honeypots/pwsh/windows-powershell-xml.log",
            "phish_windows_credentials_powershell_scriptblockLog_4104",
            "Powershell_4104_MiniDumpWriteDump_Lsass",
        ),
    ];
    let place = |attack: bool| {
        for (rel, tp, other) in &data {
            let path = mirror.join(techniques).join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, evtx_sample(if attack { tp } else { other })).unwrap();
        }
    };
    let detections = [
        // Endpoint.Processes: Sysmon's process creation.
        "FodHelper UAC Bypass",
        "Hiding Files And Directories With Attrib exe",
        "Dump LSASS via comsvcs DLL",
        // Endpoint.Filesystem (Sysmon 11) and Endpoint.Registry (Sysmon 13).
        "Shim Database File Creation",
        "Registry Keys for Creating SHIM Databases",
        // Raw Security 4698 and PowerShell 4104 events.
        "WinEvent Scheduled Task Created Within Public Path",
        "Powershell Using memory As Backing Store",
    ];
    let m = mirror.to_string_lossy().into_owned();
    let mut args = vec!["--cap-lints", "warn", "--attack-data", m.as_str()];
    for d in &detections {
        args.extend(["--detection", d]);
    }
    // The report's line of a detection's test.
    let line_of = |out: &str, d: &str| -> String {
        out.lines()
            .find(|l| l.contains(&format!(" {d} / True Positive Test")))
            .unwrap_or_else(|| panic!("no line for {d}: {out}"))
            .to_string()
    };
    place(true);
    let (code, out) = detc_test(&args, &root);
    for d in &detections {
        let l = line_of(&out, d);
        assert!(l.starts_with("passed "), "{l}\n{out}");
    }
    assert_eq!(code, 0, "{out}");
    place(false);
    let (code, out) = detc_test(&args, &root);
    for d in &detections {
        let l = line_of(&out, d);
        assert!(
            l.starts_with("FAILED ")
                && (l.ends_with("the search returned no results on the attack data")
                    || l.contains("no event with a time to run the search on")),
            "{l}\n{out}"
        );
    }
    assert_eq!(code, 1, "{out}");
}

/// On the whole security_content v4.42.0, offline with nothing cached:
/// every one of its 1,514 tests is skipped, never passed, and the report
/// counts what detc test lacks (sourcetypes, commands); the sourcetypes
/// detc brings (XmlWinEventLog, sysmon:linux, aws:cloudtrail) are not
/// among them. In
/// well under the 60 s of the issue.
#[test]
fn the_report_on_v4_42_0_names_what_is_not_supported_yet() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("content");
    copy_dir(&release, &root);
    let (code, out) = detc_test(&["--offline", "--cap-lints", "warn"], &root);
    assert_eq!(code, 0, "{}", &out[out.len().saturating_sub(2000)..]);
    assert!(
        out.contains("1514 tests: 0 passed, 0 failed, 1514 skipped\n"),
        "{}",
        &out[out.len() - 2000..]
    );
    let line = |prefix: &str| {
        out.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line"))
            .to_string()
    };
    let st = line("skipped for a sourcetype detc test cannot read yet (tests): ");
    assert!(
        st.contains("o365:management:activity (67)") && st.contains("linux:audit (50)"),
        "{st}"
    );
    assert!(
        !st.to_lowercase().contains("xmlwineventlog")
            && !st.contains("aws:cloudtrail (")
            && !st.contains("sysmon:linux"),
        "{st}"
    );
    let cmd = line("skipped for a command outside the replay's subset (tests): ");
    assert!(
        cmd.contains("join (") && cmd.contains("transaction ("),
        "{cmd}"
    );
    // `regex` is in the subset: its searches wait for data, not for it.
    assert!(!cmd.contains("regex ("), "{cmd}");
    let (_, json) = detc_test(
        &["--offline", "--cap-lints", "warn", "--format", "json"],
        &root,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["unsupported"]["sourcetypes"]["o365:management:activity"],
        67
    );
    assert!(v["unsupported"]["sourcetypes"]["sysmon:linux"].is_null());
    assert!(v["unsupported"]["commands"]["join"].as_u64().unwrap() > 10);
}
