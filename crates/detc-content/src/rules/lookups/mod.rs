//! Lookups and their files: the csv and mlmodel files beside the YAML,
//! their rows, and the fields of the definition.

use crate::enums::LookupType;
use crate::lints::Levels;
use crate::load::Project;
use detc_diag::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::path::Path;

rule_files! {
    l001_lookup_file_missing,
    l002_lookup_file_columns,
    l003_lookup_file_unreferenced,
    l004_kvstore_fields,
    l005_lookup_duplicate_field,
}

/// A reader of the csv lookup file at `path`, as both the header read and
/// the row check open it: a header row, rows of any length (a ragged row
/// is `L002`'s to report, not a read error).
fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>, String> {
    csv_builder().from_path(path).map_err(|e| e.to_string())
}

/// [`open_csv`] on a file's bytes, already read.
fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv_builder().from_reader(bytes)
}

/// How lookup files are read as csv (see [`open_csv`]).
fn csv_builder() -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.flexible(true).has_headers(true);
    b
}

/// The header of the csv file at `path`.
fn read_header(path: &Path) -> Result<Vec<String>, String> {
    let mut r = open_csv(path)?;
    Ok(r.headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect())
}

/// A csv lookup file whose rows are still to be checked against its
/// header (`L002`): reading every row is most of the work of the lookup
/// rules (a 2 MiB file in security_content), so [`check_rows`] does it on a
/// thread of its own while the other rules run.
pub struct RowCheck {
    path: std::path::PathBuf,
    rel: String,
    at: detc_diag::Span,
    columns: usize,
}

/// `L002` for the rows of `files` (see [`RowCheck`]), reusing the
/// readings of `memo` for files whose bytes are unchanged; `memo` is left
/// holding this run's files' readings.
pub fn check_rows(files: &[RowCheck], memo: &mut super::memo::RowsMemo) -> Vec<Diagnostic> {
    l002_lookup_file_columns::check_rows(files, memo)
}

/// Checks the lookups and their files but for the rows; returns each csv
/// lookup's header by the YAML path (read whether or not L002 is on: the
/// search-output analysis needs the columns), and the files whose rows
/// [`check_rows`] is to check when L002 is on.
pub fn check_files(
    p: &mut Project,
    levels: &Levels,
    out: &mut Vec<Diagnostic>,
) -> (HashMap<String, Vec<String>>, Vec<RowCheck>) {
    let on = |c| !levels.is_off(c);
    let (l001, l002, l004, l005) = (
        on(l001_lookup_file_missing::CODE),
        on(l002_lookup_file_columns::CODE),
        on(l004_kvstore_fields::CODE),
        on(l005_lookup_duplicate_field::CODE),
    );
    let mut headers = HashMap::new();
    let mut rows = Vec::new();
    let mut referenced: HashSet<String> = HashSet::new();
    for l in &p.content.lookups {
        if l005 {
            l005_lookup_duplicate_field::check(l, out);
        }
        let stem = l.common.file_stem().to_string();
        let dir = Path::new(&l.common.path)
            .parent()
            .map(|d| d.to_path_buf())
            .unwrap_or_default();
        let at = l
            .lookup_type
            .as_ref()
            .map(|t| t.span)
            .or(l.common.name.as_ref().map(|n| n.span))
            .unwrap_or(l.common.span);
        if l004 {
            l004_kvstore_fields::check(l, at, out);
        }
        match l.kind() {
            // The state of the firstseen command: no file ships, `fields` are its columns.
            Some(LookupType::Csv) if l.written_by.is_some() => {
                headers.insert(
                    l.common.path.clone(),
                    l.fields.iter().map(|f| f.value.clone()).collect(),
                );
            }
            Some(LookupType::Csv) => {
                let rel = dir.join(l.file_name().unwrap_or_else(|| format!("{stem}.csv")));
                referenced.insert(rel.to_string_lossy().replace('\\', "/"));
                let path = p.root.join(&rel);
                if !path.is_file() {
                    if l001 {
                        l001_lookup_file_missing::csv(&rel, at, out);
                    }
                    continue;
                }
                match read_header(&path) {
                    Ok(header) => {
                        if l002 {
                            rows.push(RowCheck {
                                path,
                                rel: rel.display().to_string(),
                                at,
                                columns: header.len(),
                            });
                        }
                        headers.insert(l.common.path.clone(), header);
                    }
                    Err(e) if l002 => l002_lookup_file_columns::unreadable(&rel, &e, at, out),
                    Err(_) => {}
                }
            }
            Some(LookupType::MlModel) => {
                let file = l.file_name().unwrap_or_else(|| format!("{stem}.mlmodel"));
                let rel = dir.join(&file);
                referenced.insert(rel.to_string_lossy().replace('\\', "/"));
                if l001 {
                    l001_lookup_file_missing::mlmodel(&p.root, &file, &rel, &stem, at, out);
                }
            }
            _ => {}
        }
    }
    if on(l003_lookup_file_unreferenced::CODE) {
        l003_lookup_file_unreferenced::check(p, &referenced, out);
    }
    (headers, rows)
}
