//! Replays real events through a detection's search, outside Splunk.
//!
//! The shipped detections are tested on real CloudTrail data
//! (`tests/fixtures/cloudtrail/`). Splunk is not available to the tests, so
//! this crate runs a documented subset of SPL on rows made from the events:
//!
//! - [`cloudtrail`]: CloudTrail records to CIM Change rows (the stand-in for
//!   the Splunk Add-on for AWS and the Change data model; its table says
//!   which field comes from where).
//! - [`json`]: any JSON event to the fields Splunk extracts from it with
//!   `KV_MODE = json` (`userIdentity.arn`, `resources{}.ARN`), the first
//!   step towards raw-event searches in `detc test` (#20); [`spl::run`]
//!   runs a search that starts with search terms over such events.
//! - [`spl`]: the commands the shipped searches use, evaluated on those
//!   rows: `tstats` over `datamodel=Change` (its `where` clause and `by`
//!   fields, `count`, `earliest`, `latest`, `min`, `max`, `values`, `dc`),
//!   macro expansion from the content's own definitions, `stats`, `rename`, `where`,
//!   `eval`, `convert ctime()`, `table`, `fields`, the default filter
//!   `search *`, and `firstseen`, which runs the real firstseen engine
//!   (`firstseen::standalone::run`) on a state file. Any other command is an
//!   error, so a test never passes by skipping logic it cannot evaluate.

pub mod cloudtrail;
pub mod json;
pub mod spl;

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
