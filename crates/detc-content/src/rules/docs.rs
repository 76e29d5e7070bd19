//! Each rule's documentation, for `detc rules CODE` and `docs/rules.md`:
//! the module doc comment of the rule's own file
//! (`rules/<family>/<code>_<name>.rs`), as compiled in, so that the
//! comment beside the code is the only place a rule is explained.
//!
//! A rule file's doc has a fixed shape, checked by a test for every
//! registered rule:
//!
//! ```text
//! # `CODE name`
//!
//! ## What it checks
//! ## Why it matters
//! ## Example      (content that triggers it, then the fix)
//! ## Source       (a Splunk spec, contentctl's behaviour, an ATT&CK field, or why detc adds it)
//! ```
//!
//! Whether contentctl 4.4.7 and 5.6 enforce the rule comes from the
//! registry (`detc-codes`), not from the prose.

/// The sections every rule's doc has, in order.
pub const SECTIONS: &[&str] = &[
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## Source",
];

/// Every rule file: its path under `crates/detc-content/src/` and its source.
fn files() -> impl Iterator<Item = (String, &'static str)> {
    let families: &[(&str, &[(&str, &str)])] = &[
        ("attack", super::attack::FILES),
        ("drilldowns", super::drilldowns::FILES),
        ("files", super::files::FILES),
        ("firstseen", super::firstseen::FILES),
        ("format", super::format::FILES),
        ("identity", super::identity::FILES),
        ("lookups", super::lookups::FILES),
        ("policy", super::policy::FILES),
        ("rba", super::rba::FILES),
        ("references", super::references::FILES),
        ("schema", super::schema::FILES),
        ("search", super::search::FILES),
        ("yaml", super::yaml::FILES),
    ];
    families.iter().flat_map(|(family, files)| {
        files
            .iter()
            .map(move |(name, src)| (format!("rules/{family}/{name}"), *src))
    })
}

/// One rule's documentation.
#[derive(Debug, Clone)]
pub struct RuleDoc {
    /// The rule file, under `crates/detc-content/src/`.
    pub file: String,
    /// The heading's code and name (`A001`, `unknown-technique`).
    pub code: String,
    /// The rule's name as its heading gives it.
    pub name: String,
    /// The Markdown of the doc comment after the heading, lines as written.
    pub body: String,
}

/// The module doc comment of a file, lines without `//! `.
fn module_doc(src: &str) -> Vec<&str> {
    src.lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            let l = l.trim_start_matches("//!");
            l.strip_prefix(' ').unwrap_or(l)
        })
        .collect()
}

/// Reads a rule file's doc: `None` unless it opens with a `` # `CODE name` ``
/// heading.
fn parse(file: String, src: &str) -> Option<RuleDoc> {
    let doc = module_doc(src);
    let (head, rest) = doc.split_first()?;
    let inner = head.strip_prefix("# `")?.strip_suffix('`')?;
    let (code, name) = inner.split_once(' ')?;
    let body = rest.join("\n").trim().to_string();
    Some(RuleDoc {
        file,
        code: code.to_string(),
        name: name.to_string(),
        body,
    })
}

/// Every rule file's documentation, in family then file order.
pub fn all() -> Vec<RuleDoc> {
    files().filter_map(|(f, src)| parse(f, src)).collect()
}

/// The documentation of rule `code` (e.g. `Q002`); `None` when no rule
/// file documents it.
pub fn rule_doc(code: &str) -> Option<RuleDoc> {
    files()
        .filter_map(|(f, src)| parse(f, src))
        .find(|d| d.code == code)
}

/// The heading that opens the per-rule reference in `docs/rules.md`;
/// everything after it is [`markdown_reference`].
pub const REFERENCE_HEADING: &str = "## Each rule";

/// Every rule's documentation as Markdown, in registry order: a heading,
/// its level and which contentctl has it, its file, then its doc with the
/// sections one level down. A test keeps `docs/rules.md` ending with it.
pub fn markdown_reference() -> String {
    let docs = all();
    let mut out = format!(
        "{REFERENCE_HEADING}\n\nGenerated from each rule's file (`DETC_UPDATE_DOCS=1 cargo test -p detc-content docs_rules_md` rewrites it).\n"
    );
    for r in crate::codes::RULES {
        let Some(d) = docs.iter().find(|d| d.code == r.code) else {
            continue;
        };
        let yes = |b: bool| if b { "has it" } else { "does not" };
        out.push_str(&format!(
            "\n### `{}` {}\n\n{}: {}. Default level: {}; contentctl 4.x {}, contentctl 5.6 {}. [Source](../crates/detc-content/src/{})\n\n",
            r.code,
            r.name,
            r.code,
            r.summary,
            r.severity,
            r.contentctl4_text(),
            yes(r.contentctl),
            d.file
        ));
        for line in d.body.lines() {
            if line.starts_with("## ") {
                out.push_str("##");
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/rules.md` ends with [`markdown_reference`]. With
    /// `DETC_UPDATE_DOCS=1` the test rewrites it instead.
    #[test]
    fn docs_rules_md_ends_with_every_rules_doc() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
        let doc = std::fs::read_to_string(path).expect("docs/rules.md");
        let head = doc
            .find(&format!("\n{REFERENCE_HEADING}\n"))
            .map_or(doc.len(), |i| i + 1);
        let want = markdown_reference();
        if doc[head..] != want {
            if std::env::var_os("DETC_UPDATE_DOCS").is_some() {
                let sep = if head == doc.len() { "\n" } else { "" };
                std::fs::write(path, format!("{}{sep}{want}", &doc[..head]))
                    .expect("write docs/rules.md");
            } else {
                panic!(
                    "docs/rules.md's rule reference is stale; run `DETC_UPDATE_DOCS=1 cargo test -p detc-content docs_rules_md` to regenerate it"
                );
            }
        }
    }

    /// Every registered rule has exactly one file, whose heading gives the
    /// registry's name and whose doc has every section, in order; and
    /// every rule file is registered.
    #[test]
    fn every_rule_has_a_file_with_its_doc_in_the_fixed_shape() {
        let docs: Vec<(String, &str)> = files().collect();
        let mut problems = Vec::new();
        for (file, src) in &docs {
            let Some(d) = parse(file.clone(), src) else {
                problems.push(format!(
                    "{file}: no `# `CODE name`` heading on its first doc line"
                ));
                continue;
            };
            match crate::codes::rule(&d.code) {
                None => problems.push(format!("{file}: {} is not registered", d.code)),
                Some(r) if r.name != d.name => problems.push(format!(
                    "{file}: heading names `{}`, the registry `{}`",
                    d.name, r.name
                )),
                Some(_) => {}
            }
            let want_file = format!("{}_{}.rs", d.code.to_lowercase(), d.name.replace('-', "_"));
            if !file.ends_with(&format!("/{want_file}")) {
                problems.push(format!("{file}: a rule's file is named {want_file}"));
            }
            let mut at = 0;
            for s in SECTIONS {
                match d.body[at..]
                    .find(&format!("\n{s}\n"))
                    .or_else(|| d.body[at..].starts_with(&format!("{s}\n")).then_some(0))
                {
                    Some(i) => at += i + s.len(),
                    None => problems.push(format!("{file}: no `{s}` section (in order)")),
                }
            }
        }
        for r in crate::codes::RULES {
            let n = docs
                .iter()
                .filter_map(|(f, s)| parse(f.clone(), s))
                .filter(|d| d.code == r.code)
                .count();
            if n != 1 {
                problems.push(format!("{}: {n} rule files document it (want 1)", r.code));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
