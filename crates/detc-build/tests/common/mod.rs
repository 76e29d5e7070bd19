//! Helpers shared by the build tests.
#![allow(dead_code)]

use detc_build::{App, Options};
use detc_content::Project;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture pack under tests/fixtures/packs/.
pub fn pack(name: &str) -> PathBuf {
    repo().join("tests/fixtures/packs").join(name)
}

/// Validates `root` (asserting no error) and generates the app.
pub fn generate(root: &Path) -> App {
    let p = validated(root);
    detc_build::generate(&p, &options(None)).unwrap_or_else(|e| panic!("{e:#?}"))
}

/// Loads and validates `root`, asserting there is no error.
pub fn validated(root: &Path) -> std::sync::Arc<Project> {
    let opts = detc_content::Options {
        today: jiff::civil::date(2026, 11, 21),
        ..detc_content::Options::default()
    };
    let p = detc_content::validate(root, &opts);
    let errors: Vec<_> = p
        .diags
        .iter()
        .filter(|d| d.severity == detc_diag::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    std::sync::Arc::new(p)
}

/// Build options with embedded ATT&CK.
pub fn options(templates: Option<&Path>) -> Options<'_> {
    Options {
        attack: detc_attack::Attack::embedded(),
        templates,
    }
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The Python with Splunk's conf parser (scripts/setup-py-tools.sh), or
/// None; under CI its absence fails the test.
pub fn python() -> Option<PathBuf> {
    detc_testkit::python()
}

/// The firstseen binary built by scripts/build-firstseen.sh, or None;
/// under CI its absence fails the test.
pub fn firstseen() -> Option<PathBuf> {
    detc_testkit::firstseen_glibc228()
}
