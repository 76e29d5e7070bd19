//! Replays real events through a detection's search, outside Splunk: the
//! engine of `detc test`. Splunk is not available, so this crate runs a
//! documented subset of SPL on rows made from the events:
//!
//! - [`json`]: JSON events read from a file, and their fields as Splunk
//!   extracts them with `KV_MODE = json` (`userIdentity.arn`,
//!   `resources{}.ARN`); [`spl::run`] runs a search that starts with
//!   search terms over such events.
//! - [`mapping`]: events to rows of a CIM data model, as the content
//!   declares it (`sourcetypes/*.yml`: a constraint and an eval expression
//!   per field), for searches that start with `| tstats`.
//! - [`spl`]: the commands the searches use, evaluated on those rows:
//!   `tstats` (its `where` clause and `by` fields, `count`, `earliest`,
//!   `latest`, `min`, `max`, `values`, `dc`), macro expansion from the
//!   content's own definitions, `search`, `stats`, `rename`, `where`,
//!   `eval`, `convert ctime()`, `table`, `fields`, `dedup`, `head`, `sort`,
//!   `fillnull`, and `firstseen`, which runs the real firstseen engine
//!   (`firstseen::standalone::run`) on a state file. Any other command is an
//!   error, so a test never passes by skipping logic it cannot evaluate.

mod extract;
pub mod json;
pub mod lookup;
pub mod mapping;
pub mod spl;
mod support;
pub mod winxml;

use std::collections::BTreeMap;

/// One search result row: field name to values (more than one for a
/// multivalue field). Fields are kept sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row(pub BTreeMap<String, Vec<String>>);

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    /// Sets `field` to the single value `v`.
    pub fn set(&mut self, field: &str, v: impl Into<String>) {
        self.0.insert(field.to_string(), vec![v.into()]);
    }

    /// Sets `field` to `values`, or removes it when there are none (what
    /// an eval or an extraction that gives null does).
    pub fn put(&mut self, field: &str, values: Vec<String>) {
        if values.is_empty() {
            self.0.remove(field);
        } else {
            self.0.insert(field.to_string(), values);
        }
    }

    /// The first value of `field`, if it has one.
    pub fn first(&self, field: &str) -> Option<&str> {
        self.0
            .get(field)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// Every value of `field` (empty when absent).
    pub fn values(&self, field: &str) -> &[String] {
        self.0.get(field).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A row of single values, for the crate's tests.
#[cfg(test)]
pub(crate) fn test_row(kv: &[(&str, &str)]) -> Row {
    let mut r = Row::new();
    for (k, v) in kv {
        r.set(k, *v);
    }
    r
}

/// The bytes of an attack data file, gunzipped when its name ends with
/// `.gz`.
///
/// # Errors
/// The file cannot be read, or is not gzip when named so; the message
/// names the file.
pub(crate) fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut out)
            .map_err(|e| format!("{}: not gzip-compressed: {e}", path.display()))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The text of an attack data file, gunzipped when its name ends with
/// `.gz`.
///
/// # Errors
/// The file cannot be read, or is not UTF-8 (or gzip when named so); the
/// message names the file.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, String> {
    text(path, read_bytes(path)?)
}

/// `raw` as UTF-8 text; the error names the file at `path`.
pub(crate) fn text(path: &std::path::Path, raw: Vec<u8>) -> Result<String, String> {
    String::from_utf8(raw).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))
}
