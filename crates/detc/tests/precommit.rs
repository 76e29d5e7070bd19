//! detc's pre-commit hook (`.pre-commit-hooks.yaml`) run by the real
//! pre-commit (from PyPI, in target/pyvenv: `scripts/setup-py-tools.sh`),
//! as a user runs it: on a git repository whose content root is a
//! sub-folder, a clean tree passes and a broken file fails with its
//! file:line:column relative to the repository.

use common::{copy_dir, repo};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn pre_commit() -> Option<PathBuf> {
    let python = common::python()?;
    Some(python.with_file_name("pre-commit"))
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pre-commit try-repo <this repository> detc-validate --all-files` in
/// `dir`, with the detc under test first on PATH: exit code, output.
fn run_hook(pre_commit: &Path, dir: &Path, home: &Path) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_detc")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    common::run_tool(
        Command::new(pre_commit)
            .args(["try-repo"])
            .arg(repo())
            .args(["detc-validate", "--all-files", "--color", "never"])
            .current_dir(dir)
            .env("PATH", path)
            .env("PRE_COMMIT_HOME", home),
    )
}

#[test]
fn the_hook_passes_a_clean_repository_and_fails_a_broken_file_with_its_place() {
    let Some(pc) = pre_commit() else { return };
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join("pre-commit-home");
    let work = t.path().join("work");
    copy_dir(
        &common::fixtures().join("packs/init"),
        &work.join("content"),
    );
    std::fs::write(work.join("README.md"), "# content\n").unwrap();
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "content"]);

    let (code, out) = run_hook(&pc, &work, &home);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("detc validate"), "{out}");
    assert!(out.contains("Passed"), "{out}");

    // A risk message naming a field the search does not output.
    let det = work.join("content/detections/endpoint/anomalous_usage_of_7zip.yml");
    let text = std::fs::read_to_string(&det).unwrap();
    let broken = text.replacen("message: ", "message: $no_such_field$ ", 1);
    assert_ne!(text, broken, "the fixture has no risk message any more");
    std::fs::write(&det, &broken).unwrap();
    git(&work, &["commit", "-q", "-am", "broken"]);
    let line = broken
        .lines()
        .position(|l| l.contains("$no_such_field$"))
        .unwrap()
        + 1;
    let (code, out) = run_hook(&pc, &work, &home);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(out.contains("error[R001]"), "{out}");
    assert!(
        out.contains(&format!(
            "--> content/detections/endpoint/anomalous_usage_of_7zip.yml:{line}:"
        )),
        "{out}"
    );
}
