//! The documentation of the shipped content (the repository's top level):
//! every page reviewed as a snapshot, every link checked, the Navigator
//! layer checked against ATT&CK.

use detc_attack::Attack;
use std::collections::BTreeSet;
use std::path::Path;

fn docs() -> Vec<detc_docs::DocFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = detc_content::validate(&root, &detc_content::Options::default());
    assert!(
        p.diags
            .iter()
            .all(|d| d.severity != detc_diag::Severity::Error),
        "the shipped content must validate"
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
    assert!(checked > 20, "{checked} links");
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
    assert_eq!(
        scored,
        ["T1059.009", "T1078.004", "T1136.003", "T1562.008"]
            .into_iter()
            .collect()
    );
    // The parents of sub-techniques are expanded so the sub-techniques show.
    assert!(
        techniques
            .iter()
            .any(|t| t["techniqueID"] == "T1078" && t["showSubtechniques"] == true)
    );
}

#[test]
fn output_is_deterministic() {
    assert_eq!(docs(), docs());
}
