//! # `L002 lookup-file-columns`
//!
//! ## What it checks
//! A csv lookup's file is readable csv with a header row, and every row has
//! the header's number of columns (the first five ragged rows of a file are
//! reported).
//!
//! ## Why it matters
//! Splunk reads a ragged row's values into the wrong columns (or drops
//! them), so the lookup returns wrong matches without any error.
//!
//! ## Example
//! ```text
//! domain,category
//! example.com,cdn,extra
//! ```
//! Fix: give every row the header's number of columns; quote values that
//! hold commas (`"cdn,extra"`).
//!
//! ## Source
//! contentctl 5.6 (`CSVLookup.ensure_correct_csv_structure`).

use super::{RowCheck, csv_reader};
use crate::rules::memo::RowsMemo;
use crate::codes::{Code, code, diag};
use detc_diag::{Diagnostic, Span};
use std::path::Path;

pub(super) const CODE: Code = code::L002;

/// A csv file whose header cannot be read.
pub(super) fn unreadable(rel: &Path, e: &str, at: Span, out: &mut Vec<Diagnostic>) {
    out.push(
        diag(CODE, format!("`{}` cannot be read as csv: {e}", rel.display()))
            .at(at)
            .help("save the lookup as UTF-8 csv with a header row"),
    );
}

/// Every row whose field count differs from its header's (the first five
/// per file), or a file that stops being readable csv.
pub(super) fn check_rows(files: &[RowCheck], memo: &mut RowsMemo) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut next = RowsMemo::new();
    for f in files {
        match ragged_rows(&f.path, f.columns, memo, &mut next) {
            Ok(ragged) => {
                for (line, n) in ragged.iter().take(5) {
                    out.push(
                        diag(CODE, format!("line {line} of `{}` has {n} columns, the header has {}", f.rel, f.columns))
                            .at(f.at)
                            .help("give every row the header's number of columns; quote values that hold commas"),
                    );
                }
            }
            Err(e) => unreadable(Path::new(&f.rel), &e, f.at, &mut out),
        }
    }
    // Only this run's files are kept: the memo never outgrows the content.
    *memo = next;
    out
}

/// `(line, fields)` of each row after the header whose field count is not
/// `columns`, or why the file is not csv; taken from `memo` when the
/// file's bytes are those of an entry, and kept in `next`.
fn ragged_rows(
    path: &Path,
    columns: usize,
    memo: &RowsMemo,
    next: &mut RowsMemo,
) -> Result<Vec<(usize, usize)>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let key = (detc_cache::key(&bytes), columns);
    let result = match memo.get(&key) {
        Some(r) => r.clone(),
        None => read_ragged(&bytes, columns),
    };
    next.insert(key, result.clone());
    result
}

/// [`ragged_rows`] of a file's bytes.
fn read_ragged(bytes: &[u8], columns: usize) -> Result<Vec<(usize, usize)>, String> {
    let mut r = csv_reader(bytes);
    let mut ragged = Vec::new();
    // One record, reused: lookups run to tens of thousands of rows.
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| e.to_string())? {
        if rec.len() != columns {
            let line = rec.position().map_or(0, |p| p.line() as usize);
            ragged.push((line, rec.len()));
        }
    }
    Ok(ragged)
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
