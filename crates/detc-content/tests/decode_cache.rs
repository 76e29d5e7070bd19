//! The decode cache (`DecodeCache`, which `detc lsp` keeps between checks)
//! and the rule findings it keeps (`RuleMemo`) never give a stale result:
//! after each change, a run with the cache reports exactly what a cold run
//! on the same texts reports, on the real security_content v4.42.0 and on
//! the build fixture pack.

use detc_content::{DecodeCache, Options, Overlay, Project, validate_with};
use std::path::Path;

mod common;
use common::shown;

fn cold(root: &Path, overlay: &Overlay) -> Project {
    validate_with(root, &Options::default(), overlay.clone(), None)
}

fn cached(root: &Path, overlay: &Overlay, cache: &mut DecodeCache) -> Project {
    validate_with(root, &Options::default(), overlay.clone(), Some(cache))
}

fn same(root: &Path, overlay: &Overlay, cache: &mut DecodeCache, what: &str) -> (usize, usize) {
    let a = cold(root, overlay);
    let b = cached(root, overlay, cache);
    assert_eq!(
        shown(&a),
        shown(&b),
        "{what}: the cached run differs from the cold one"
    );
    assert_eq!(
        a.content.detections.len(),
        b.content.detections.len(),
        "{what}"
    );
    cache.last
}

#[test]
fn a_cached_run_reports_what_a_cold_run_does_after_every_change() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let root = release.as_path();
    let mut cache = DecodeCache::default();
    let mut overlay = Overlay::default();
    let (decoded, kept) = same(root, &overlay, &mut cache, "first run");
    assert!(decoded > 2000 && kept == 0, "{decoded} {kept}");
    let detections = cold(root, &overlay).content.detections.len();
    assert_eq!(cache.rules.last, (detections, 0), "first run: all checked");
    let (decoded, kept) = same(root, &overlay, &mut cache, "nothing changed");
    assert_eq!(decoded, 0, "{kept}");
    assert_eq!(cache.rules.last, (0, detections), "nothing changed");

    // A detection's threshold, then a key misspelled.
    let spray = root.join("detections/application/detect_password_spray_attempts.yml");
    let text = std::fs::read_to_string(&spray).unwrap();
    overlay.insert(
        spray.clone(),
        text.replace("unique_accounts > 30", "unique_accounts > 40"),
    );
    assert_eq!(same(root, &overlay, &mut cache, "a threshold").0, 1);
    assert_eq!(cache.rules.last, (1, detections - 1), "a threshold");
    overlay.insert(
        spray.clone(),
        text.replace("\nstatus: production", "\nstatuss: production"),
    );
    assert_eq!(same(root, &overlay, &mut cache, "a misspelled key").0, 1);
    // A risk message naming a field the search does not output, and a
    // drilldown token likewise: this detection's R001 and D001 findings
    // change, and only it is checked again.
    let message = text
        .replace("$sourcetype$", "$no_such_field$")
        .replace("$src$", "$no_such_src$");
    assert_ne!(message, text, "the detection has tokens to rename");
    overlay.insert(spray.clone(), message);
    let before = cold(root, &Overlay::default()).diags.len();
    same(root, &overlay, &mut cache, "a token renamed");
    assert_eq!(cache.rules.last, (1, detections - 1), "a token renamed");
    assert!(
        cold(root, &overlay).diags.len() > before,
        "renaming the tokens gives findings"
    );

    // A macro's definition: every detection is checked again (a macro is
    // part of what each detection's rules read).
    let ctime = root.join("macros/security_content_ctime.yml");
    let m = std::fs::read_to_string(&ctime).unwrap();
    overlay.insert(ctime.clone(), m.replace("definition:", "definitionn:"));
    same(root, &overlay, &mut cache, "a broken macro");
    assert_eq!(cache.rules.last, (detections, 0), "a broken macro");

    // Broken YAML, then back to the files on disk.
    overlay.insert(spray.clone(), format!("{text}\n  bad: [unclosed\n"));
    same(root, &overlay, &mut cache, "broken YAML");
    overlay.clear();
    same(root, &overlay, &mut cache, "the files on disk again");
}

#[test]
fn a_file_added_or_removed_shifts_every_later_file_and_nothing_is_kept_wrongly() {
    let t = detc_testkit::pack_copy("build");
    let root = t.path();
    let mut cache = DecodeCache::default();
    let overlay = Overlay::default();
    same(root, &overlay, &mut cache, "first run");
    // A new file early in the order: every later file's id moves, so its
    // spans would be wrong if its cached result were kept.
    let early = root.join("baselines/aaa_new.yml");
    std::fs::write(&early, "name: x\n").unwrap();
    let (decoded, _) = same(root, &overlay, &mut cache, "a file added");
    assert!(decoded > 1, "{decoded}");
    std::fs::remove_file(&early).unwrap();
    same(root, &overlay, &mut cache, "the file removed");
    // A lookup's csv gains a ragged row, then a column: L002's reading of
    // the rows and every search's view of the lookup's fields follow.
    let csv = root.join("lookups/aws_service_accounts.csv");
    let rows = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, format!("{rows}a,b,c,d,e,f,g\n")).unwrap();
    let ragged = same(root, &overlay, &mut cache, "a ragged csv row");
    assert!(
        cold(root, &overlay).diags.iter().any(|d| d.code == "L002"),
        "the ragged row is reported"
    );
    let (first, rest) = rows.split_once('\n').unwrap();
    std::fs::write(&csv, format!("{first},extra\n{rest}")).unwrap();
    same(root, &overlay, &mut cache, "a csv column added");
    assert_eq!(
        cache.rules.last.1, 0,
        "new lookup fields: every detection is checked ({ragged:?})"
    );
}

#[test]
fn a_file_changed_on_disk_is_read_again_and_settled_files_are_not() {
    let t = detc_testkit::pack_copy("build");
    let root = t.path();
    // Every file last written an hour ago: settled.
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let set_time = |p: &Path, at: std::time::SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(at)
            .unwrap();
    };
    fn yml_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                yml_under(&p, out);
            } else if p.extension().is_some_and(|e| e == "yml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    yml_under(root, &mut files);
    files.sort();
    for f in &files {
        set_time(f, hour_ago);
    }
    let mut cache = DecodeCache::default();
    let overlay = Overlay::default();
    same(root, &overlay, &mut cache, "first run");
    // Every content file (contentctl.yml is read apart, every run).
    assert_eq!(cache.reads, files.len() - 1, "first run");
    same(root, &overlay, &mut cache, "nothing changed");
    assert_eq!(
        cache.reads, 0,
        "settled, unchanged files are not read again"
    );

    // An edit on disk (its time is now): read, and reported as a cold run
    // reports it.
    let detection = files
        .iter()
        .find(|p| p.starts_with(root.join("detections")))
        .unwrap();
    let text = std::fs::read_to_string(detection).unwrap();
    std::fs::write(detection, text.replace("\nstatus: ", "\nstatuss: ")).unwrap();
    same(root, &overlay, &mut cache, "an edit on disk");
    assert_eq!(cache.reads, 1);
    assert!(
        cold(root, &overlay).diags.iter().any(|d| d.code == "S002"),
        "the misspelled key is reported"
    );
    // The same size, a time set back by an hour but not to the one read:
    // still a change.
    std::fs::write(detection, &text).unwrap();
    set_time(detection, hour_ago - std::time::Duration::from_secs(60));
    same(root, &overlay, &mut cache, "an edit with an old time");
    assert!(
        !cold(root, &overlay).diags.iter().any(|d| d.code == "S002"),
        "the key is right again"
    );
}
