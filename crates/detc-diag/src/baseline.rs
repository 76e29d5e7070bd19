//! Baselines: today's findings recorded in a file, so that a repository
//! with known defects can turn detc on in CI and fail only on new ones.
//!
//! A finding is identified by its rule code, its file's path (relative to
//! the content root), its message and the source text its span marks
//! (trimmed), never by its line: edits elsewhere in the file move lines
//! without making an old finding new. Identical findings are counted, so
//! a second copy of a known defect is new.
//!
//! The file is JSON (`detc-baseline.json` by convention, written by
//! `detc validate --write-baseline FILE`):
//!
//! ```json
//! {"version": 1, "findings": [
//!   {"code": "R002", "file": "detections/x.yml",
//!    "message": "the risk object field `dest` is not a field the search outputs",
//!    "text": "dest", "count": 1}
//! ]}
//! ```
//!
//! [`Baseline::apply`] marks each diagnostic [`BaselineState::Unchanged`]
//! (known) or [`BaselineState::New`]; known ones do not count as errors or
//! warnings ([`crate::Summary::of`]), the human output leaves them out and
//! SARIF carries the state as `baselineState` (SARIF 2.1.0 §3.27.24).

use crate::{Diagnostic, SourceMap};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a diagnostic was already in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaselineState {
    /// Not in the baseline: a new finding.
    New,
    /// In the baseline: a known finding.
    Unchanged,
}

impl BaselineState {
    /// SARIF's `baselineState` value: `new` or `unchanged`.
    pub fn sarif(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

/// What identifies a finding across edits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Key {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    key: Key,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// The recorded findings, by identity, with how many of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    findings: BTreeMap<Key, usize>,
}

/// What applying a baseline found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaselineOutcome {
    /// Diagnostics that were in the baseline.
    pub known: usize,
    /// Recorded findings that no longer occur (fixed since).
    pub fixed: usize,
}

fn key(map: &SourceMap, d: &Diagnostic) -> Key {
    let text = d.span.and_then(|s| {
        let f = map.get(s.file);
        f.text
            .get(s.start..s.end)
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
    });
    Key {
        code: d.code.to_string(),
        file: d.file.map(|f| map.get(f).path.clone()),
        message: d.message.clone(),
        text: text.filter(|t| !t.is_empty()),
    }
}

impl Baseline {
    /// The findings of `diags` (every severity).
    pub fn from_diagnostics(map: &SourceMap, diags: &[Diagnostic]) -> Baseline {
        let mut findings = BTreeMap::new();
        for d in diags {
            *findings.entry(key(map, d)).or_insert(0) += 1;
        }
        Baseline { findings }
    }

    /// Number of findings recorded (counting repeats).
    pub fn len(&self) -> usize {
        self.findings.values().sum()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The baseline file's text: pretty JSON, findings sorted by code,
    /// file, message and text, so that a regenerated file diffs cleanly.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: 1,
            findings: self
                .findings
                .iter()
                .map(|(k, &count)| Entry {
                    key: k.clone(),
                    count,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
    }

    /// Reads a baseline file's text.
    ///
    /// # Errors
    /// Not JSON of the shape above (with the line and column serde_json
    /// gives), or a `version` other than 1.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let f: BaselineFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if f.version != 1 {
            return Err(format!(
                "version {} is not one this detc reads (1)",
                f.version
            ));
        }
        let mut findings = BTreeMap::new();
        for e in f.findings {
            *findings.entry(e.key).or_insert(0) += e.count;
        }
        Ok(Baseline { findings })
    }

    /// Marks every diagnostic of `diags` as known (as many of each
    /// identity as the baseline holds, in order) or new.
    pub fn apply(&self, map: &SourceMap, diags: &mut [Diagnostic]) -> BaselineOutcome {
        let mut left = self.findings.clone();
        let mut known = 0;
        for d in diags.iter_mut() {
            let state = match left.get_mut(&key(map, d)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    known += 1;
                    BaselineState::Unchanged
                }
                _ => BaselineState::New,
            };
            d.baseline = Some(state);
        }
        BaselineOutcome {
            known,
            fixed: left.values().sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Severity, Span};

    fn diag(map: &SourceMap, f: crate::FileId, needle: &str) -> Diagnostic {
        let text = &map.get(f).text;
        let at = text.find(needle).unwrap();
        Diagnostic::new(
            "R002",
            "risk-object-field",
            Severity::Error,
            "`dest` is not output",
        )
        .at(Span::new(f, at, at + needle.len()))
    }

    #[test]
    fn known_findings_survive_moved_lines_and_a_new_copy_is_new() {
        let mut map = SourceMap::new();
        let f = map.add("detections/x.yml", "name: x\nrba:\n  - field: dest\n");
        let b = Baseline::from_diagnostics(&map, &[diag(&map, f, "dest")]);
        let b = Baseline::parse(&b.to_json()).unwrap();
        assert_eq!(b.len(), 1);
        // Two lines added above, and the same defect pasted a second time.
        let mut map2 = SourceMap::new();
        let f2 = map2.add(
            "detections/x.yml",
            "# a\n# b\nname: x\nrba:\n  - field: dest\n  - field: dest\n",
        );
        let first = diag(&map2, f2, "dest");
        let mut second = first.clone();
        let at = map2.get(f2).text.rfind("dest").unwrap();
        second.span = Some(Span::new(f2, at, at + 4));
        let mut diags = vec![first, second];
        let out = b.apply(&map2, &mut diags);
        assert_eq!(out, BaselineOutcome { known: 1, fixed: 0 });
        assert_eq!(diags[0].baseline, Some(BaselineState::Unchanged));
        assert_eq!(diags[1].baseline, Some(BaselineState::New));
        let s = crate::Summary::of(&diags);
        assert_eq!((s.errors, s.known), (1, 1));
        // Fixed: nothing found any more.
        assert_eq!(b.apply(&map2, &mut []).fixed, 1);
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        assert!(Baseline::parse("{").unwrap_err().contains("line 1"));
        assert!(
            Baseline::parse(r#"{"version": 2, "findings": []}"#)
                .unwrap_err()
                .contains("version 2")
        );
        assert!(Baseline::parse(r#"{"version": 1, "findings": [{"code": 1}]}"#).is_err());
    }
}
