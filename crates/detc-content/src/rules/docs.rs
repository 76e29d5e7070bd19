//! Each rule's documentation, for `detc rules CODE`: the bullet that
//! documents it in its family's module doc comment (`//! - `CODE name`
//! ...`), read from the family's source as compiled in, so that the
//! comment beside the code stays the only place a rule is explained.

/// The sources of the families whose module docs document rules.
const FAMILIES: &[(&str, &str)] = &[
    ("rules/attack.rs", include_str!("attack.rs")),
    ("rules/drilldowns.rs", include_str!("drilldowns.rs")),
    ("rules/firstseen.rs", include_str!("firstseen.rs")),
    ("rules/format.rs", include_str!("format.rs")),
    ("rules/identity.rs", include_str!("identity.rs")),
    ("rules/lookups.rs", include_str!("lookups.rs")),
    ("rules/policy.rs", include_str!("policy.rs")),
    ("rules/rba.rs", include_str!("rba.rs")),
    ("rules/references.rs", include_str!("references.rs")),
    ("rules/search.rs", include_str!("search.rs")),
];

/// The documentation of rule `code` (e.g. `Q002`): the text of the module
/// doc bullet that names it, joined into paragraphs, and the file it is
/// in (`rules/search.rs`, under `crates/detc-content/src/`). `None` for a
/// rule documented elsewhere (the YAML and schema rules, in `detc-yaml`
/// and `model/`).
pub fn rule_doc(code: &str) -> Option<(&'static str, String)> {
    for (file, src) in FAMILIES {
        let doc: Vec<&str> = src
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| {
                let l = l.trim_start_matches("//!");
                l.strip_prefix(' ').unwrap_or(l)
            })
            .collect();
        let mut i = 0;
        while i < doc.len() {
            let line = doc[i];
            if let Some(rest) = line.strip_prefix("- ") {
                let mut text = rest.to_string();
                let mut j = i + 1;
                while j < doc.len() && doc[j].starts_with("  ") {
                    text.push(' ');
                    text.push_str(doc[j].trim());
                    j += 1;
                }
                if names_code(&text, code) {
                    return Some((file, text));
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    None
}

/// Whether a bullet's head (before its first `:`) names `code` in a
/// backticked `CODE name`.
fn names_code(bullet: &str, code: &str) -> bool {
    let head = bullet.split_once("`:").map_or(bullet, |(h, _)| h);
    head.split('`')
        .skip(1)
        .step_by(2)
        .any(|t| t.split_whitespace().next() == Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_content_rule_is_documented_beside_its_code() {
        let (file, text) = rule_doc("Q008").expect("Q008 documented");
        assert_eq!(file, "rules/firstseen.rs");
        assert!(text.contains("store=kvstore"), "{text}");
        // Three rules in one bullet: each finds it.
        for c in ["R001", "R002", "R003"] {
            assert_eq!(rule_doc(c).expect(c).0, "rules/rba.rs");
        }
        let undocumented: Vec<&str> = crate::codes::RULES
            .iter()
            .map(|r| r.code)
            .filter(|c| !matches!(c.as_bytes()[0], b'F' | b'Y' | b'S' | b'M'))
            .filter(|c| rule_doc(c).is_none())
            .collect();
        assert!(
            undocumented.is_empty(),
            "rules without a bullet in their family's module doc: {undocumented:?}"
        );
    }
}
