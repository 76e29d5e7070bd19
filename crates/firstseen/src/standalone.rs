//! `firstseen run`: the same engine outside Splunk, for tests, demos and
//! backfilling state from exported rows (a CSV with a header, as
//! `outputcsv` or the search export writes it).

use crate::engine::{Outcome, Tracker, now};
use crate::error::Error;
use crate::options::Options;
use crate::state::CsvStore;
use splunk_chunked::Records;
use std::io::Read;
use std::path::Path;

/// Runs one "search" over the rows in `input` (CSV bytes) against the state
/// file `state`. `reference` is the window's reference time (epoch seconds;
/// default now). Returns the outcome; the state is written unless
/// `options.update` is false.
///
/// # Errors
/// Bad options, unreadable input, bad rows, state errors: one message.
pub fn run(
    args: &[String],
    input: &[u8],
    state: &Path,
    reference: Option<f64>,
) -> Result<Outcome, Error> {
    let opts = Options::parse(args, false)?;
    let records =
        Records::parse(input).map_err(|e| Error::search(e.replace("chunk body", "input")))?;
    let write = opts.update;
    let mut tracker = Tracker::new(opts);
    tracker.observe(records)?;
    tracker.finish(&CsvStore::new(state), reference.unwrap_or_else(now), write)
}

/// Reads `path` (`-` = standard input) whole.
///
/// # Errors
/// The file cannot be read.
pub fn read_input(path: &Path) -> Result<Vec<u8>, Error> {
    if path == Path::new("-") {
        let mut v = Vec::new();
        std::io::stdin()
            .read_to_end(&mut v)
            .map_err(|e| Error::search(format!("cannot read standard input: {e}")))?;
        return Ok(v);
    }
    std::fs::read(path).map_err(|e| Error::search(format!("cannot read {}: {e}", path.display())))
}
