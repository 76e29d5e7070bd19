//! The on-disk parse cache (`ParseCache`, which `detc validate` and `detc
//! build` keep in `.detc-cache/`) never gives a stale result: after each
//! change (a detection, a macro, the ATT&CK data, a damaged or foreign
//! pack, a file added) a run with the cache reports exactly what a cold
//! run on the same files reports, on a copy of the real security_content
//! v4.42.0; and the repeat run parses only what changed.

use detc_attack::Attack;
use detc_content::{Options, ParseCache, validate};
use std::path::{Path, PathBuf};

mod common;
use common::shown;

struct Run<'a> {
    root: &'a Path,
    pack: PathBuf,
    attack: &'a Attack,
}

impl Run<'_> {
    /// A cold run and a cached one, which must agree; the cached run's
    /// cache, to say what it did.
    fn same(&self, what: &str) -> (Vec<String>, ParseCache) {
        let cold = validate(
            self.root,
            &Options {
                attack: self.attack,
                ..Options::default()
            },
        );
        let cached = validate(
            self.root,
            &Options {
                attack: self.attack,
                parse_cache: Some(self.pack.clone()),
                ..Options::default()
            },
        );
        assert_eq!(
            shown(&cold),
            shown(&cached),
            "{what}: the cached run differs from the cold one"
        );
        assert_eq!(
            cold.content.detections.len(),
            cached.content.detections.len(),
            "{what}"
        );
        let pc = cached.parse_cache.unwrap_or_default();
        assert_eq!(pc.write_error, None, "{what}");
        (shown(&cold), pc)
    }
}

#[test]
fn a_cached_run_reports_what_a_cold_run_does_after_every_change() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("content");
    detc_testkit::copy_dir(&release, &root);
    let _ = std::fs::remove_dir_all(ParseCache::folder_of(&root));
    let pack = ParseCache::pack_of(&root);
    let run = Run {
        root: &root,
        pack: pack.clone(),
        attack: Attack::embedded(),
    };

    let (first, pc) = run.same("first run");
    assert_eq!(pc.hits, 0);
    assert!(pc.misses > 2000, "{pc:?}");
    let ignore = std::fs::read_to_string(ParseCache::folder_of(&root).join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    let (_, pc) = run.same("nothing changed");
    // Files whose parse reported something (a BOM, CRLF, a duplicate key)
    // are parsed every time, so their diagnostics are not lost.
    let parse_diags = first.iter().filter(|d| d.contains(" Y0")).count();
    assert!(
        pc.hits > 2000 && pc.misses <= parse_diags,
        "{pc:?} {parse_diags}"
    );
    let unchanged_misses = pc.misses;

    // One detection changed: only it is parsed, and only the small recent
    // pack beside the base is written.
    let base_before = std::fs::read(&pack).unwrap();
    let spray = root.join("detections/application/detect_password_spray_attempts.yml");
    let text = std::fs::read_to_string(&spray).unwrap();
    std::fs::write(
        &spray,
        text.replace("\nstatus: production", "\nstatuss: production"),
    )
    .unwrap();
    let (shown, pc) = run.same("a misspelled key");
    assert_eq!(pc.misses, unchanged_misses + 1, "{pc:?}");
    assert!(
        shown.iter().any(|d| d.contains("statuss")),
        "the edit is seen"
    );
    assert_eq!(
        std::fs::read(&pack).unwrap(),
        base_before,
        "the base pack is not rewritten"
    );
    let recent = std::fs::metadata(pack.with_extension("recent.pack"))
        .unwrap()
        .len();
    assert!(recent > 100 && recent < 100_000, "{recent} bytes");
    let (_, pc) = run.same("the same edit again");
    assert_eq!(
        pc.misses, unchanged_misses,
        "the recent pack is read: {pc:?}"
    );

    // A macro's definition broken: every search that uses it is checked
    // against the new definition (only parse trees are kept).
    let ctime = root.join("macros/security_content_ctime.yml");
    let m = std::fs::read_to_string(&ctime).unwrap();
    std::fs::write(&ctime, m.replace("definition:", "definitionn:")).unwrap();
    let (broken, _) = run.same("a broken macro");
    assert_ne!(broken, shown, "the broken macro is seen");
    std::fs::write(&ctime, &m).unwrap();

    // Other ATT&CK data (a technique withdrawn): the rules see it.
    let mut data = Attack::embedded().data.clone();
    data.techniques.retain(|t| t.id != "T1110.003");
    let other = Attack::new(data);
    let (with_other, _) = Run {
        root: &root,
        pack: pack.clone(),
        attack: &other,
    }
    .same("other ATT&CK data");
    assert!(
        with_other.iter().any(|d| d.contains("T1110.003")),
        "the withdrawn technique is reported"
    );

    // A damaged pack: discarded with the reason, the result as cold, and
    // the pack written again.
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&pack, &bytes).unwrap();
    let (_, pc) = run.same("a damaged pack");
    assert_eq!(pc.discarded.as_deref(), Some("corrupt (checksum mismatch)"));
    // Only the recent pack's tree (the edited detection) is used.
    assert_eq!(pc.hits, 1);
    let (_, pc) = run.same("after the damaged pack");
    assert_eq!((pc.discarded, pc.misses), (None, unchanged_misses));

    // A pack of another detc (another fingerprint), then not a pack.
    let mut foreign = std::fs::read(&pack).unwrap();
    foreign[20] ^= 0xff;
    std::fs::write(&pack, &foreign).unwrap();
    let (_, pc) = run.same("a foreign pack");
    assert_eq!(
        pc.discarded.as_deref(),
        Some("written by another detc version")
    );
    std::fs::write(&pack, "name: not a pack\n").unwrap();
    let (_, pc) = run.same("not a pack");
    assert_eq!(pc.discarded.as_deref(), Some("not a detc cache"));

    // A file added early in the order: every later file's id moves, and
    // the trees (which hold offsets only) are still used.
    std::fs::write(root.join("baselines/aaa_new.yml"), "name: x\n").unwrap();
    let (_, pc) = run.same("a file added");
    assert_eq!(pc.misses, unchanged_misses + 1, "{pc:?}");
}

/// A content root that cannot be written (a read-only checkout) is
/// checked as well; only the pack is missing.
#[test]
fn a_pack_that_cannot_be_written_changes_nothing_but_speed() {
    let t = detc_testkit::pack_copy("build");
    // Other tests build the fixture where it is, which leaves a cache.
    let _ = std::fs::remove_dir_all(ParseCache::folder_of(t.path()));
    // The cache's folder taken by a file: the pack cannot be written.
    std::fs::write(ParseCache::folder_of(t.path()), "not a folder").unwrap();
    let opts = Options {
        parse_cache: Some(ParseCache::pack_of(t.path())),
        ..Options::default()
    };
    let cached = validate(t.path(), &opts);
    let cold = validate(t.path(), &Options::default());
    assert_eq!(shown(&cached), shown(&cold));
    let pc = cached.parse_cache.unwrap_or_default();
    assert!(pc.write_error.is_some(), "{pc:?}");
    assert!(
        pc.discarded.is_some(),
        "reading a pack under a file fails too: {pc:?}"
    );
}

/// `detc lsp`'s first check reads the pack `detc validate` left (never
/// writes it) and reports what a cold run does; a damaged pack is not
/// used, and the result is the same.
#[test]
fn the_language_servers_first_check_reads_the_pack_and_leaves_it() {
    let t = detc_testkit::pack_copy("build");
    let _ = std::fs::remove_dir_all(ParseCache::folder_of(t.path()));
    let pack = ParseCache::pack_of(t.path());
    let opts = Options {
        parse_cache: Some(pack.clone()),
        ..Options::default()
    };
    let cold = validate(t.path(), &opts);
    let written = std::fs::read(&pack).unwrap();
    let detections = t.path().join("detections");
    let edited = walkdir::WalkDir::new(&detections)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "yml"))
        .unwrap()
        .into_path();
    let mut overlay = detc_content::Overlay::default();
    let text = std::fs::read_to_string(&edited).unwrap();
    overlay.insert(edited.clone(), text.replacen("name:", "namee:", 1));
    for damage in [false, true] {
        if damage {
            let mut b = written.clone();
            let mid = b.len() / 2;
            b[mid] ^= 1;
            std::fs::write(&pack, &b).unwrap();
        }
        let before = std::fs::read(&pack).unwrap();
        let mut cache = detc_content::DecodeCache::reading_pack(&pack);
        let lsp = detc_content::validate_with(
            t.path(),
            &Options::default(),
            overlay.clone(),
            Some(&mut cache),
        );
        let plain =
            detc_content::validate_with(t.path(), &Options::default(), overlay.clone(), None);
        assert_eq!(shown(&lsp), shown(&plain), "damaged pack: {damage}");
        assert_ne!(shown(&lsp), shown(&cold), "the unsaved edit is seen");
        assert_eq!(
            std::fs::read(&pack).unwrap(),
            before,
            "the pack is not written"
        );
    }
}
