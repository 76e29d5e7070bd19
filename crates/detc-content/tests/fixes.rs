//! Every fix a rule offers (`Diagnostic::fix`, which `detc lsp` offers as
//! a quick fix), applied to the real security_content v4.42.0 and to the
//! rules' fixtures: the finding it fixes is gone, and the edit brings no
//! new finding (in particular no YAML error).

use detc_content::{Options, Overlay, Project, validate_with};
use std::collections::BTreeMap;
use std::path::Path;

/// `p`'s fixes applied to its files' texts (each file's edits from the
/// last to the first; one edit per place), as an overlay.
fn fixed(p: &Project) -> (Overlay, usize) {
    let mut by_file: BTreeMap<u32, Vec<&detc_diag::Fix>> = BTreeMap::new();
    for d in &p.diags {
        if let Some(f) = &d.fix {
            by_file.entry(f.span.file.0).or_default().push(f);
        }
    }
    let mut overlay = Overlay::default();
    let mut n = 0;
    for (file, mut fixes) in by_file {
        let src = p.sources.get(detc_diag::FileId(file));
        let mut text = src.text.clone();
        fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
        let mut last = usize::MAX;
        for f in fixes {
            if f.span.end > last {
                continue;
            }
            text.replace_range(f.span.start..f.span.end, &f.replacement);
            last = f.span.start;
            n += 1;
        }
        overlay.insert(p.root.join(&src.path), text);
    }
    (overlay, n)
}

/// Each finding as (file, code, message), for counting what is left.
fn findings(p: &Project) -> Vec<(String, &'static str, String)> {
    p.diags
        .iter()
        .map(|d| {
            let f = d
                .file
                .map(|f| p.sources.get(f).path.clone())
                .unwrap_or_default();
            (f, d.code, d.message.clone())
        })
        .collect()
}

fn check(root: &Path, at_least: usize) {
    let opts = Options::default();
    let before = validate_with(root, &opts, Overlay::default(), None);
    let (overlay, n) = fixed(&before);
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    for d in before.diags.iter().filter(|d| d.fix.is_some()) {
        *codes.entry(d.code).or_default() += 1;
    }
    println!("{n} fixes applied: {codes:?}");
    assert!(n >= at_least, "{n} fixes");
    let after = validate_with(root, &opts, overlay, None);
    let old = findings(&before);
    let new = findings(&after);
    let fixed_ones: Vec<_> = before
        .diags
        .iter()
        .filter(|d| d.fix.is_some())
        .map(|d| {
            (
                d.file
                    .map(|f| before.sources.get(f).path.clone())
                    .unwrap_or_default(),
                d.code,
                d.message.clone(),
            )
        })
        .collect();
    for f in &fixed_ones {
        assert!(!new.contains(f), "still there after its fix: {f:?}");
    }
    let brought: Vec<_> = new.iter().filter(|f| !old.contains(f)).collect();
    assert!(
        brought.is_empty(),
        "the fixes brought new findings: {brought:#?}"
    );
}

#[test]
fn the_fixes_fix_v4_42_0_and_bring_nothing_new() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    // A004 alone has dozens of findings there.
    check(&release, 20);
}

#[test]
fn a_misspelled_key_and_an_enum_value_are_fixed_in_5x_content() {
    let t = detc_testkit::pack_copy("build");
    let det = t
        .path()
        .join("detections/endpoint/anomalous_usage_of_7zip.yml");
    let text = std::fs::read_to_string(&det).unwrap();
    let broken = text
        .replacen("\nstatus: ", "\nstatuss: ", 1)
        .replacen("\ntype: ", "\ntype: x", 1);
    assert_ne!(broken, text);
    std::fs::write(&det, &broken).unwrap();
    let p = validate_with(t.path(), &Options::default(), Overlay::default(), None);
    let fixes: Vec<&str> = p
        .diags
        .iter()
        .filter_map(|d| d.fix.as_ref().map(|f| f.title.as_str()))
        .collect();
    assert!(fixes.contains(&"rename to `status`"), "{fixes:?}");
    assert!(
        fixes.iter().any(|f| f.starts_with("replace with `")),
        "{fixes:?}"
    );
    check(t.path(), 2);
    // Applied, the file is the original again.
    let (overlay, _) = fixed(&p);
    assert_eq!(overlay.get(&det).map(String::as_str), Some(text.as_str()));
}
