//! `detc build` from the command line: refuses content with errors without
//! touching the output folder, refuses a missing or unfit firstseen binary,
//! and builds a fixture pack reproducibly.

use std::path::PathBuf;
use std::process::Command;

mod common;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn detc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_detc"))
}

#[test]
fn content_with_errors_is_not_built_and_dist_is_not_created() {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let r = detc()
        .args(["build", "--color", "never", "--out"])
        .arg(&dist)
        .arg(repo().join("tests/fixtures/packs/seed"))
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("error[D001]: the drilldown token `$dest$` is not a field the search outputs"),
        "{err}"
    );
    assert!(
        err.ends_with("error: not building: the content has errors (above)\n"),
        "{err}"
    );
    assert!(!dist.exists());
}

#[test]
fn an_unfit_firstseen_binary_stops_the_build_before_anything_is_written() {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    // This very test binary is no Linux x86-64 glibc-2.28 executable for
    // Splunk (it needs a newer glibc); a text file is no ELF at all.
    let text = out.path().join("firstseen");
    std::fs::write(&text, "#!/bin/sh\n").unwrap();
    let r = detc()
        .args(["build", "--out"])
        .arg(&dist)
        .arg("--firstseen")
        .arg(&text)
        // The shipped content: its detections call firstseen.
        .arg(repo())
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("is not a 64-bit ELF executable"), "{err}");
    assert!(err.contains("scripts/build-firstseen.sh"), "{err}");
    assert!(!dist.exists());
}

#[test]
fn content_that_never_calls_firstseen_builds_without_its_binary_and_ships_no_command() {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    // A firstseen path that does not exist: it must not be read.
    let r = detc()
        .args(["build", "--no-docs", "--out"])
        .arg(&dist)
        .arg("--firstseen")
        .arg(out.path().join("no-such-firstseen"))
        .arg(repo().join("tests/fixtures/packs/init"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let app = std::fs::read_dir(&dist)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("the app folder");
    assert!(app.join("default/savedsearches.conf").is_file());
    for absent in [
        "linux_x86_64/bin/firstseen",
        "default/commands.conf",
        "default/searchbnf.conf",
    ] {
        assert!(!app.join(absent).exists(), "{absent} shipped");
    }
    let meta = std::fs::read_to_string(app.join("metadata/default.meta")).unwrap();
    assert!(!meta.contains("[commands/firstseen]"), "{meta}");
    assert!(!meta.contains("[searchbnf]"), "{meta}");
}

#[test]
fn the_fixture_pack_builds_byte_identically_twice() {
    let out = tempfile::tempdir().unwrap();
    let mut tarballs = Vec::new();
    for i in 0..2 {
        let dist = out.path().join(format!("dist{i}"));
        let r = detc()
            .args(["build", "--out"])
            .arg(&dist)
            .arg(repo().join("tests/fixtures/packs/build"))
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let said = String::from_utf8_lossy(&r.stdout);
        // No search of the pack calls firstseen: no binary, no command.
        assert!(
            said.starts_with("built DetcBuildFixture 1.2.3: 14 files in "),
            "{said}"
        );
        assert!(said.contains("documentation files in"), "{said}");
        let index = std::fs::read_to_string(dist.join("docs/index.md")).unwrap();
        assert!(
            index.contains("AWS IAM User Created With Access Key"),
            "{index}"
        );
        tarballs.push(std::fs::read(dist.join("DetcBuildFixture-1.2.3.tar.gz")).unwrap());
    }
    assert_eq!(tarballs[0], tarballs[1]);
}

/// The shipped content calls firstseen: its app carries the binary, mode
/// 0755, and builds to the same bytes twice.
#[test]
fn the_shipped_content_builds_with_its_firstseen_binary_byte_identically() {
    let Some(bin) = common::firstseen() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut tarballs = Vec::new();
    for i in 0..2 {
        let dist = out.path().join(format!("dist{i}"));
        let r = detc()
            .args(["build", "--no-docs", "--out"])
            .arg(&dist)
            .arg("--firstseen")
            .arg(&bin)
            .arg(repo())
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let exe = dist.join("DetcCloudFirstSeen/linux_x86_64/bin/firstseen");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&exe).unwrap().permissions().mode() & 0o777,
            0o755
        );
        assert!(
            dist.join("DetcCloudFirstSeen/default/commands.conf")
                .is_file()
        );
        tarballs.push(std::fs::read(dist.join("DetcCloudFirstSeen-0.1.0.tar.gz")).unwrap());
    }
    assert_eq!(tarballs[0], tarballs[1]);
}

#[test]
fn a_bad_source_date_epoch_is_a_usage_error() {
    let out = tempfile::tempdir().unwrap();
    let r = detc()
        .args(["build", "--out"])
        .arg(out.path())
        .arg(repo().join("tests/fixtures/packs/init"))
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("SOURCE_DATE_EPOCH is \"yesterday\""));
}

#[test]
fn templates_lists_and_prints_the_built_in_templates() {
    let r = detc().arg("templates").output().unwrap();
    let list = String::from_utf8_lossy(&r.stdout);
    assert!(
        list.contains("savedsearches.conf.j2      -> default/savedsearches.conf"),
        "{list}"
    );
    let r = detc()
        .args(["templates", "macros.conf.j2"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&r.stdout).contains("definition = {{ m.definition | conf }}"));
    let r = detc().args(["templates", "nope.j2"]).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
}

#[test]
fn docs_are_written_for_valid_content_and_refused_for_broken_content() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("docs");
    let r = detc()
        .args(["docs", "--out"])
        .arg(&dir)
        .arg(repo().join("tests/fixtures/packs/build"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let page =
        std::fs::read_to_string(dir.join("detections/aws_iam_user_created_with_access_key.md"))
            .unwrap();
    assert!(page.contains("| [T1136.003](https://attack.mitre.org/techniques/T1136/003/) | Cloud Account | Persistence |"), "{page}");
    assert!(dir.join("attack-navigator-layer.json").is_file());
    let broken = detc()
        .args(["docs", "--out"])
        .arg(out.path().join("broken-docs"))
        .arg(repo().join("tests/fixtures/broken/S005_bad_uuid"))
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("not writing docs"));
    assert!(!out.path().join("broken-docs").exists());
}

/// `detc docs` checks only what could stop it: a finding that can only be
/// a warning at the levels in force (here R001, which `--cap-lints warn`
/// lowers) is neither looked for nor printed, while `detc validate` on the
/// same content reports it; an error is still found and printed.
#[test]
fn docs_check_for_errors_only_and_leave_warnings_to_validate() {
    let t = common::pack("init");
    common::copy_dir(
        &common::fixtures().join("broken/R001_message_token_not_output"),
        t.path(),
    );
    let out = tempfile::tempdir().unwrap();
    // validate's report is its output (stdout).
    let (code, report, _) = common::detc(
        &["validate", "--cap-lints", "warn", "--color", "never"],
        t.path(),
    );
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("warning[R001]"), "{report}");
    let r = detc()
        .args(["docs", "--cap-lints", "warn", "--color", "never", "--out"])
        .arg(out.path().join("docs"))
        .arg(t.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    assert!(!err.contains("warning["), "{err}");
    assert!(out.path().join("docs/index.md").is_file());
    // Without the cap R001 is an error: docs find it, print it and refuse.
    let r = detc()
        .args(["docs", "--color", "never", "--out"])
        .arg(out.path().join("refused"))
        .arg(t.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(err.contains("error[R001]"), "{err}");
    assert!(!out.path().join("refused").exists());
}
