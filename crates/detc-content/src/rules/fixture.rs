//! Runs a rule's fixtures in-process (test builds only).
//!
//! A rule's fixtures are the folders under `tests/fixtures/broken/` whose
//! name starts with its code (`A005_A006_detection_strategy_mismatch` is a
//! fixture of A005 and of A006). Each holds the files that differ from
//! contentctl's init pack (`tests/fixtures/packs/init`): it is laid over a
//! copy of the pack, validated, and the rule's own diagnostics are
//! snapshotted (`src/rules/snapshots/<CODE>__<fixture>.snap`). The binary's
//! end-to-end snapshots of the same folders stay in `crates/detc/tests/`.

use crate::codes::Code;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder in the temporary pack");
    for e in std::fs::read_dir(from).expect("read a fixture folder") {
        let e = e.expect("read a fixture entry");
        let dst = to.join(e.file_name());
        if e.file_type().expect("a fixture entry's type").is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).expect("copy a fixture file");
        }
    }
}

/// The codes a fixture folder is named after: its leading `CODE_` parts.
pub fn codes_of(folder: &str) -> Vec<&str> {
    folder
        .split('_')
        .take_while(|p| {
            p.len() == 4
                && p.as_bytes()[0].is_ascii_uppercase()
                && p[1..].bytes().all(|b| b.is_ascii_digit())
        })
        .collect()
}

/// The fixture folders of `code`, sorted.
pub fn fixtures_of(code: &str) -> Vec<PathBuf> {
    let dir = repo().join("tests/fixtures/broken");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/broken")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| codes_of(n).contains(&code))
        })
        .collect();
    out.sort();
    out
}

/// Validates each fixture of `code` in-process and asserts that the rule
/// fires on it; snapshots the rule's diagnostics as a human reads them.
pub fn assert_fires(code: Code) {
    let code = code.as_str();
    let fixtures = fixtures_of(code);
    assert!(
        !fixtures.is_empty(),
        "{code} has no fixture: add tests/fixtures/broken/{code}_<what>/ with the files that differ from packs/init"
    );
    for f in fixtures {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let t = tempfile::tempdir().expect("a temporary folder");
        copy_dir(&repo().join("tests/fixtures/packs/init"), t.path());
        copy_dir(&f, t.path());
        let opts = crate::Options {
            // A fixed day, so that the future-date rule's snapshot is stable.
            today: jiff::civil::date(2026, 11, 27),
            ..crate::Options::default()
        };
        let p = crate::validate(t.path(), &opts);
        let mine: Vec<_> = p.diags.iter().filter(|d| d.code == code).cloned().collect();
        assert!(
            !mine.is_empty(),
            "{code} does not fire on its fixture {name}; it reports: {:?}",
            p.diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        let text = detc_diag::render_human(&p.sources, &mine, false);
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("{code}__{name}"), text);
        });
    }
}

#[test]
fn fixture_names_give_their_codes() {
    assert_eq!(
        codes_of("A005_A006_detection_strategy_mismatch"),
        ["A005", "A006"]
    );
    assert_eq!(codes_of("S001_key_indented"), ["S001"]);
    assert!(codes_of("init").is_empty());
}

/// Every fixture folder is named after at least one registered rule.
#[test]
fn every_fixture_is_named_after_registered_rules() {
    let dir = repo().join("tests/fixtures/broken");
    for e in std::fs::read_dir(&dir).expect("tests/fixtures/broken") {
        let e = e.expect("an entry");
        let n = e.file_name().to_string_lossy().to_string();
        let codes = codes_of(&n);
        assert!(!codes.is_empty(), "{n}: name a fixture `<CODE>_<what>`");
        for c in codes {
            assert!(
                crate::codes::rule(c).is_some(),
                "{n}: {c} is not registered"
            );
        }
    }
}
