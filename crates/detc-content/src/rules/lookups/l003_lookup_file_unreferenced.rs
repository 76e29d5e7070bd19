//! # `L003 lookup-file-unreferenced`
//!
//! ## What it checks
//! Every `.csv` and `.mlmodel` file in `lookups/` belongs to a lookup YAML.
//!
//! ## Why it matters
//! An unreferenced file is not built into the app: a search that reads it
//! by file name works on the author's Splunk and fails on every customer's.
//!
//! ## Example
//! `lookups/old_domains.csv` with no `lookups/old_domains.yml`. Fix: add
//! the YAML describing it (`lookup_type: csv`), or delete the file.
//!
//! ## Source
//! contentctl 5.6 (`validate`'s lookup file check); contentctl 4.4.7 does
//! not have it, so it is a warning in 4.x content.

use crate::codes::{Code, code, diag};
use crate::load::Project;
use detc_diag::Diagnostic;
use std::collections::HashSet;

pub(super) const CODE: Code = code::L003;

/// Each file of `lookups/` whose path (relative to the root) is not in
/// `referenced`; the file is added to the source map to be named.
pub(super) fn check(p: &mut Project, referenced: &HashSet<String>, out: &mut Vec<Diagnostic>) {
    let dir = p.root.join("lookups");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut files: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "csv" && ext != "mlmodel" {
            continue;
        }
        let rel = f
            .strip_prefix(&p.root)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        if referenced.contains(&rel) {
            continue;
        }
        let id = p.sources.add(rel.clone(), "");
        out.push(
            diag(CODE, format!("`{rel}` is not referenced by any lookup yml"))
                .in_file(id)
                .help(format!(
                    "add `{}` describing it (lookup_type: {}), or delete the file",
                    rel.rsplit_once('.').map_or(rel.as_str(), |x| x.0).to_string() + ".yml",
                    if ext == "csv" { "csv" } else { "mlmodel" }
                )),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
