//! The documentation of a fixed content pack (`tests/fixtures/packs/build`:
//! detections of two kinds, a baseline, stories, lookups): every page
//! reviewed as a snapshot, every link checked, the Navigator layer checked
//! against ATT&CK. A fixture, not the shipped content, so that adding a
//! detection to the shipped content changes no test here; the shipped
//! content's pages are built by `scripts/build-app.sh` and rendered by
//! `scripts/check-docs-render.sh` in CI.

use detc_attack::Attack;
use std::collections::BTreeSet;
use std::path::Path;

fn docs() -> Vec<detc_docs::DocFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/packs/build");
    let p = detc_content::validate(&root, &detc_content::Options::default());
    assert!(
        p.diags
            .iter()
            .all(|d| d.severity != detc_diag::Severity::Error),
        "the fixture pack must validate"
    );
    detc_docs::generate(&p, Attack::embedded())
}

#[test]
fn every_page_is_snapshotted() {
    let files = docs();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    insta::assert_snapshot!("paths", paths.join("\n"));
    for f in &files {
        insta::assert_snapshot!(f.path.replace('/', "__"), f.text);
    }
}

#[test]
fn relative_links_resolve() {
    let files = docs();
    let have: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let re = regex::Regex::new(r"\]\(([^)#]+)\)").unwrap();
    let mut checked = 0;
    for f in files.iter().filter(|f| f.path.ends_with(".md")) {
        let dir = Path::new(&f.path).parent().unwrap_or(Path::new(""));
        for c in re.captures_iter(&f.text) {
            let target = &c[1];
            if target.starts_with("http") {
                continue;
            }
            let joined = dir.join(target).to_str().unwrap().to_string();
            let mut parts: Vec<&str> = Vec::new();
            for part in joined.split('/') {
                match part {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    x => parts.push(x),
                }
            }
            let resolved = parts.join("/");
            assert!(
                have.contains(resolved.as_str()),
                "{}: broken link {target}",
                f.path
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked} links");
}

#[test]
fn navigator_layer_names_real_techniques_under_their_tactics() {
    let files = docs();
    let layer = files
        .iter()
        .find(|f| f.path == "attack-navigator-layer.json")
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&layer.text).unwrap();
    assert_eq!(v["domain"], "enterprise-attack");
    assert_eq!(v["versions"]["layer"], "4.5");
    assert_eq!(v["versions"]["attack"], "18");
    let attack = Attack::embedded();
    let techniques = v["techniques"].as_array().unwrap();
    let mut scored = BTreeSet::new();
    for t in techniques {
        let id = t["techniqueID"].as_str().unwrap();
        let tactic = t["tactic"].as_str().unwrap();
        let tech = attack
            .technique(id)
            .unwrap_or_else(|| panic!("{id} is not in ATT&CK"));
        assert!(
            tech.tactics.iter().any(|x| x == tactic),
            "{id} is not under {tactic}"
        );
        if t.get("score").is_some() {
            scored.insert(id);
        }
    }
    assert_eq!(scored, ["T1136.003", "T1560.001"].into_iter().collect());
    // The parents of sub-techniques are expanded so the sub-techniques show.
    assert!(
        techniques
            .iter()
            .any(|t| t["techniqueID"] == "T1136" && t["showSubtechniques"] == true)
    );
}

#[test]
fn output_is_deterministic() {
    assert_eq!(docs(), docs());
}

#[test]
fn an_existing_docs_folder_is_updated_in_place_and_holds_exactly_the_pages() {
    use std::os::unix::fs::MetadataExt;
    let page = |path: &str, text: &str| detc_docs::DocFile {
        path: path.into(),
        text: text.into(),
    };
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("docs");
    let first = vec![
        page("index.md", "# Index\n"),
        page("detections/a.md", "# A\n"),
        page("detections/b.md", "# B\n"),
        page("stories/s.md", "# S\n"),
    ];
    detc_docs::write(&first, &dir).unwrap();
    let inode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().ino();
    let (index_ino, a_ino) = (inode("index.md"), inode("detections/a.md"));
    std::fs::write(dir.join("detections/stray.md"), "left by hand\n").unwrap();

    let second = vec![
        page("index.md", "# Index\n"),
        page("detections/a.md", "# A, changed\n"),
        page("detections/c.md", "# C\n"),
    ];
    detc_docs::write(&second, &dir).unwrap();
    // Unchanged pages are not rewritten; changed ones are replaced.
    assert_eq!(inode("index.md"), index_ino);
    assert_ne!(inode("detections/a.md"), a_ino);
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap();
    assert_eq!(read("detections/a.md"), "# A, changed\n");
    assert_eq!(read("detections/c.md"), "# C\n");
    // What is no longer generated is gone, emptied folders too.
    assert!(!dir.join("detections/b.md").exists());
    assert!(!dir.join("detections/stray.md").exists());
    assert!(!dir.join("stories").exists());
    let mut left: Vec<String> = walk(&dir);
    left.sort();
    assert_eq!(left, ["detections/a.md", "detections/c.md", "index.md"]);

    // A page edited by hand is written again, whether the edit made it
    // longer or shorter than the page; a folder where a page belongs and a
    // nested folder that holds no page are removed.
    std::fs::write(dir.join("index.md"), "# Index\nedited by hand\n").unwrap();
    std::fs::write(dir.join("detections/a.md"), "# A").unwrap();
    std::fs::remove_file(dir.join("detections/c.md")).unwrap();
    std::fs::create_dir_all(dir.join("detections/c.md/inside")).unwrap();
    std::fs::create_dir_all(dir.join("old/deep")).unwrap();
    std::fs::write(dir.join("old/deep/x.md"), "old\n").unwrap();
    detc_docs::write(&second, &dir).unwrap();
    assert_eq!(read("index.md"), "# Index\n");
    assert_eq!(read("detections/a.md"), "# A, changed\n");
    assert_eq!(read("detections/c.md"), "# C\n");
    let mut left: Vec<String> = walk(&dir);
    left.sort();
    assert_eq!(left, ["detections/a.md", "detections/c.md", "index.md"]);
    assert!(!dir.join("old").exists());
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn generating_and_staging_in_one_pass_writes_what_generate_and_write_write() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/packs/build");
    let p = detc_content::validate(&root, &detc_content::Options::default());
    let files = detc_docs::generate(&p, Attack::embedded());
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    detc_docs::write(&files, &a).unwrap();
    let contents = |dir: &Path| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = walk(dir)
            .into_iter()
            .map(|rel| {
                let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
                (rel, text)
            })
            .collect();
        v.sort();
        v
    };
    let expected = contents(&a);
    assert_eq!(expected.len(), files.len());
    // A new folder.
    let (n, staged) = detc_docs::generate_staged(&p, Attack::embedded(), &b).unwrap();
    assert_eq!(n, files.len());
    assert!(!b.exists(), "nothing is in place before commit");
    staged.commit().unwrap();
    assert_eq!(contents(&b), expected);
    // An existing folder with a page edited, one removed and a stray file:
    // brought back to exactly the pages.
    let first = &files[0].path;
    let last = &files[files.len() - 1].path;
    std::fs::write(b.join(first), "edited\n").unwrap();
    std::fs::remove_file(b.join(last)).unwrap();
    std::fs::write(b.join("stray.md"), "stray\n").unwrap();
    let (_, staged) = detc_docs::generate_staged(&p, Attack::embedded(), &b).unwrap();
    staged.commit().unwrap();
    assert_eq!(contents(&b), expected);
}
