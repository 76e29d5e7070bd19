//! `detc snapshot` end to end: the repository's committed snapshots match
//! its content (the CI snapshot test), a changed macro changes exactly the
//! snapshots of the searches that expand it, added and removed detections
//! are listed and written, a macro that uses itself is refused, and on the
//! full security_content v4.42.0 one macro's change lists exactly its
//! detections.

use common::{copy_dir, detc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of the repository's content (not its code or snapshots).
fn shipped_copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for folder in [
        "detections",
        "stories",
        "macros",
        "lookups",
        "data_sources",
        "deployments",
    ] {
        copy_dir(&repo().join(folder), &t.path().join(folder));
    }
    std::fs::copy(
        repo().join("contentctl.yml"),
        t.path().join("contentctl.yml"),
    )
    .unwrap();
    t
}

/// The content files (relative, without `.yml`) whose text calls the
/// macro `name`, found by a plain text search, independent of detc.
fn files_calling(root: &Path, folder: &str, call: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.join(folder)];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read_to_string(&p).unwrap().contains(call) {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel.trim_end_matches(".yml").to_string());
            }
        }
    }
    out
}

/// The paths (without `.txt`) of the `+++ b/...` headers of a diff.
fn changed_in(diff: &str) -> BTreeSet<String> {
    diff.lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .map(|p| p.trim_end_matches(".txt").to_string())
        .collect()
}

#[test]
fn the_committed_snapshots_match_the_shipped_content() {
    let (code, out, err) = detc(&["snapshot", "--check", "--color", "never"], &repo());
    assert_eq!(
        code, 0,
        "{out}{err}\nthe shipped content's snapshots are stale: review the diff above, then run `cargo run -p detc -- snapshot` to accept it"
    );
    assert!(out.starts_with("snapshots in "), "{out}");
    // One snapshot per detection, baseline and story of the content,
    // counted from the content so that adding one needs no edit here.
    fn yml(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .map(|p| {
                    if p.is_dir() {
                        yml(&p)
                    } else {
                        usize::from(p.extension().is_some_and(|x| x == "yml"))
                    }
                })
                .sum()
        })
    }
    let yml = |folder: &str| yml(&repo().join(folder));
    let n = yml("detections") + yml("baselines") + yml("stories");
    assert!(
        out.contains(&format!("0 changed, 0 added, 0 removed, {n} unchanged")),
        "{out}"
    );
}

#[test]
fn a_changed_macro_changes_exactly_the_searches_that_expand_it() {
    let t = shipped_copy();
    let snaps = t.path().join("snapshots");
    let (code, out, err) = detc(&["snapshot", "--color", "never"], t.path());
    assert_eq!(code, 0, "{out}{err}");
    let macro_file = t.path().join("macros/detc_ctime.yml");
    let text = std::fs::read_to_string(&macro_file).unwrap();
    let changed = text.replace("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S");
    assert_ne!(
        text, changed,
        "the fixture's macro no longer has that format"
    );
    std::fs::write(&macro_file, changed).unwrap();

    let (code, diff, err) = detc(&["snapshot", "--check", "--color", "never"], t.path());
    assert_eq!(code, 1, "{diff}{err}");
    let expected = files_calling(t.path(), "detections", "`detc_ctime(");
    assert!(expected.len() >= 2, "{expected:?}");
    assert_eq!(changed_in(&diff), expected, "{diff}");
    // The diff shows the expanded search, not only the macro.
    assert!(
        diff.contains("+| convert timeformat=\"%Y-%m-%d %H:%M:%S\" ctime(firstTime)"),
        "{diff}"
    );
    assert!(
        err.contains("help: review the diff, then run `detc snapshot`"),
        "{err}"
    );

    // A removed detection and a snapshot missing on disk: listed by
    // --check, then deleted and written.
    let (code, out, err) = detc(&["snapshot", "--color", "never"], t.path());
    assert_eq!(code, 0, "{out}{err}");
    let gone = "detections/cloud/cloud_api_use_from_previously_unseen_client";
    std::fs::remove_file(t.path().join(format!("{gone}.yml"))).unwrap();
    let missing = "detections/cloud/aws_cloudtrail_logging_stopped_or_altered.txt";
    std::fs::remove_file(snaps.join(missing)).unwrap();
    let (code, out, err) = detc(&["snapshot", "--check", "--color", "never"], t.path());
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(&format!("added: {missing}")), "{out}");
    assert!(out.contains(&format!("removed: {gone}.txt")), "{out}");
    // The detection's story no longer lists it.
    assert!(
        err.contains("1 changed (stories/aws_identity_first_seen.txt), 1 added"),
        "{err}"
    );
    let (code, out, err) = detc(&["snapshot", "--color", "never"], t.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(!snaps.join(format!("{gone}.txt")).exists());
    assert!(snaps.join(missing).is_file());
    let (code, out, err) = detc(&["snapshot", "--check", "--color", "never"], t.path());
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn files_detc_does_not_own_are_left_alone() {
    let t = shipped_copy();
    let snaps = t.path().join("snapshots");
    std::fs::create_dir_all(snaps.join("detections")).unwrap();
    std::fs::write(snaps.join("README.md"), "how we review\n").unwrap();
    std::fs::write(snaps.join("detections/notes.md"), "notes\n").unwrap();
    let (code, out, err) = detc(&["snapshot", "--color", "never"], t.path());
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(snaps.join("README.md")).unwrap(),
        "how we review\n"
    );
    assert!(snaps.join("detections/notes.md").is_file());
}

#[test]
fn a_macro_that_uses_itself_is_refused_with_the_cycle() {
    let t = shipped_copy();
    let f = t.path().join("macros/detc_ctime.yml");
    let text = std::fs::read_to_string(&f).unwrap();
    let def = text
        .lines()
        .find(|l| l.starts_with("definition:"))
        .expect("detc_ctime has a definition line")
        .to_string();
    std::fs::write(
        &f,
        text.replace(&def, "definition: '`detc_ctime($field$)`'"),
    )
    .unwrap();
    let cycle = "the macro `detc_ctime(1)` uses itself: `detc_ctime(1)` -> `detc_ctime(1)`";
    // Validation finds it first (Q013) ...
    let (code, out, err) = detc(&["snapshot", "--color", "never"], t.path());
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains(&format!("error[Q013]: {cycle}")), "{err}");
    assert!(err.contains("not writing snapshots"), "{err}");
    // ... and with the rule turned off, the snapshot of each search that
    // expands it is refused.
    let (code, out, err) = detc(
        &["snapshot", "--allow", "Q013", "--color", "never"],
        t.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains(cycle), "{err}");
    assert!(err.contains("error: detections/cloud/"), "{err}");
    assert!(!t.path().join("snapshots").exists(), "nothing is written");
}

#[test]
fn on_the_full_security_content_v4_42_0_one_macro_lists_exactly_its_detections() {
    let Some(corpus) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    copy_dir(&corpus, t.path());
    let (code, out, err) = detc(
        &["snapshot", "--cap-lints", "warn", "--color", "never"],
        t.path(),
    );
    assert_eq!(code, 0, "{out}{}", &err[err.len().saturating_sub(2000)..]);
    let detections = files_calling(t.path(), "detections", "");
    let snaps = t.path().join("snapshots");
    for d in &detections {
        assert!(
            snaps.join(format!("{d}.txt")).is_file(),
            "no snapshot for {d}"
        );
    }
    assert_eq!(detections.len(), 1711);

    let f = t.path().join("macros/okta.yml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        text.replace(
            "definition: eventtype=okta_log",
            "definition: index=okta eventtype=okta_log",
        ),
    )
    .unwrap();
    let (code, diff, err) = detc(
        &[
            "snapshot",
            "--check",
            "--cap-lints",
            "warn",
            "--color",
            "never",
        ],
        t.path(),
    );
    assert_eq!(code, 1, "{}", &err[err.len().saturating_sub(2000)..]);
    let expected: BTreeSet<String> = files_calling(t.path(), "detections", "`okta`")
        .into_iter()
        .chain(files_calling(t.path(), "baselines", "`okta`"))
        .collect();
    assert_eq!(expected.len(), 17);
    assert_eq!(changed_in(&diff), expected);
    assert!(
        err.contains("17 changed"),
        "{}",
        &err[err.len().saturating_sub(600)..]
    );
}
