//! What detc's tests need from outside the repository, found in one place,
//! with one rule for when it is missing.
//!
//! Some tests check real behaviour on inputs a bare clone does not have:
//! the corpora and the KV store emulator in `../shared` (the folder CI puts
//! beside the clone), the independent checkers that
//! `scripts/setup-py-tools.sh` installs into `target/pyvenv`, the
//! glibc-2.28 `firstseen` that `scripts/build-firstseen.sh` builds. The
//! rule, for every one of them ([`unavailable`]):
//!
//! - **outside CI** a test whose input is missing is skipped: it returns
//!   early and prints `skipped: <what> (<how to get it>)` on standard error
//!   (`cargo test -- --nocapture` shows it), so a bare clone passes `cargo
//!   test --workspace --locked`;
//! - **under CI** (`CI` set, as `.ci/run` runs) the same absence fails the
//!   test, so no test passes there without checking.
//!
//! A dev-dependency only; it depends on nothing.

use std::path::{Path, PathBuf};

/// The repository's root: two folders above the crate under test
/// (`CARGO_MANIFEST_DIR` as `cargo test` sets it when the test runs, so
/// that a test binary built in a shared target folder for another clone
/// still looks beside this one), else above this crate.
pub fn repo() -> PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("../.."),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    }
}

/// Whether the tests run under CI (`CI` set to anything but empty).
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The one rule for a missing input: `None` after printing `skipped: what
/// (how)` outside CI.
///
/// # Panics
/// Under CI, with `what` and `how` in the message: the run must provide
/// every input.
pub fn unavailable<T>(what: &str, how: &str) -> Option<T> {
    assert!(
        !under_ci(),
        "{what}, and under CI every test must run: {how}"
    );
    eprintln!("skipped: {what} ({how})");
    None
}

/// `../shared` beside the repository (`DETC_SHARED` overrides it).
pub fn shared_root() -> PathBuf {
    match std::env::var_os("DETC_SHARED") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo().join("../shared"),
    }
}

/// `rel` under `../shared` (a file or a folder), when it is there; else
/// [`unavailable`].
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = shared_root().join(rel);
    if p.exists() {
        return Some(p);
    }
    unavailable(
        &format!("{} is not there", p.display()),
        "CI runs with ../shared beside the clone",
    )
}

/// A full release of security_content in `../shared/corpus` (`v4.42.0`,
/// `v4.40.0`, `v4.33.0`), when it is there; else [`unavailable`].
pub fn corpus(version: &str) -> Option<PathBuf> {
    let root = shared(&format!("corpus/security_content-{version}"))?;
    if root.join("contentctl.yml").is_file() {
        return Some(root);
    }
    unavailable(
        &format!("{} has no contentctl.yml", root.display()),
        "CI runs with ../shared beside the clone",
    )
}

/// The Python with the independent checkers (`DETC_PYTHON`, else
/// `target/pyvenv/bin/python`), when it is there; else [`unavailable`].
pub fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DETC_PYTHON").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let venv = repo().join("target/pyvenv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    unavailable("no target/pyvenv", "run scripts/setup-py-tools.sh")
}

/// The glibc-2.28 firstseen that `scripts/build-firstseen.sh` builds, when
/// it is there; else [`unavailable`].
pub fn firstseen_glibc228() -> Option<PathBuf> {
    let bin = repo().join("target/x86_64-unknown-linux-gnu/release/firstseen");
    if bin.exists() {
        return Some(bin);
    }
    unavailable("no glibc-2.28 firstseen", "run scripts/build-firstseen.sh")
}

/// `python3` on the `PATH` (the KV store emulator needs nothing else),
/// when it runs; else [`unavailable`].
pub fn python3() -> Option<PathBuf> {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(PathBuf::from("python3"));
    }
    unavailable("no python3 on the PATH", "install Python 3")
}

/// Copies the tree `from` into `to` (created), for a test that edits a
/// copy of a corpus or a pack. Panics on an I/O error: a test's set-up.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for e in entries {
        let e = e.unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        let dst = to.join(e.file_name());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst)
                .unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
        }
    }
}

/// A copy of the fixture pack `tests/fixtures/packs/<name>` in a new
/// temporary folder (removed when the value is dropped), for a test that
/// edits the pack's files. Panics on an I/O error: a test's set-up.
pub fn pack_copy(name: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary folder: {e}"));
    copy_dir(&repo().join("tests/fixtures/packs").join(name), t.path());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_is_found() {
        assert!(repo().join("Cargo.toml").is_file());
        assert!(repo().join("crates/detc-testkit/src/lib.rs").is_file());
    }

    #[test]
    fn a_missing_input_is_skipped_outside_ci_and_fails_under_it() {
        // Run in a child process so that CI can be set or unset for it.
        let exe = std::env::current_exe().unwrap();
        for (ci, ok) in [("", true), ("1", false)] {
            let out = std::process::Command::new(&exe)
                .args(["--exact", "tests::probe", "--nocapture"])
                .env("CI", ci)
                .env("DETC_TESTKIT_PROBE", "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.success(), ok, "CI={ci:?}: {text}");
            if ok {
                assert!(
                    text.contains("skipped: /nonexistent/input is not there"),
                    "{text}"
                );
            } else {
                assert!(text.contains("under CI every test must run"), "{text}");
            }
        }
    }

    /// The child of the test above (does nothing in a normal run).
    #[test]
    fn probe() {
        if std::env::var_os("DETC_TESTKIT_PROBE").is_none() {
            return;
        }
        let got: Option<()> = unavailable(
            "/nonexistent/input is not there",
            "CI runs with ../shared beside the clone",
        );
        assert!(got.is_none());
    }
}
