//! Lookup files.
//!
//! - `L001 lookup-file-missing`: a csv lookup's `lookups/<yml stem>.csv`
//!   exists; an mlmodel lookup's yml name starts with `__mlspl_` and its
//!   `lookups/<stem>.mlmodel` exists (contentctl `lookup.py`).
//! - `L002 lookup-file-columns`: every row of the csv has the header's
//!   column count (contentctl), and the file is readable csv.
//! - `L003 lookup-file-unreferenced`: every `.csv` and `.mlmodel` file in
//!   `lookups/` belongs to a lookup yml (contentctl `validate`).
//! - `L005 lookup-duplicate-field` (detc): no field is listed twice in
//!   `fields` (or a 4.x `fields_list`).
//! - `L004 kvstore-fields`: a KV store lookup lists `fields`, starting
//!   with `_key` (contentctl).

use crate::codes::{code, diag};
use crate::load::Project;
use detc_diag::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A reader of the csv lookup file at `path`, as both the header read and
/// the row check open it: a header row, rows of any length (a ragged row
/// is `L002`'s to report, not a read error).
fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>, String> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_path(path)
        .map_err(|e| e.to_string())
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

/// `L002` for every row whose field count differs from its header's
/// (the first five per file), or for a file that stops being readable csv.
pub fn check_rows(files: &[RowCheck]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in files {
        match ragged_rows(&f.path, f.columns) {
            Ok(ragged) => {
                for (line, n) in ragged.iter().take(5) {
                    out.push(
                        diag(code::L002, format!("line {line} of `{}` has {n} columns, the header has {}", f.rel, f.columns))
                            .at(f.at)
                            .help("give every row the header's number of columns; quote values that hold commas"),
                    );
                }
            }
            Err(e) => out.push(
                diag(
                    code::L002,
                    format!("`{}` cannot be read as csv: {e}", f.rel),
                )
                .at(f.at)
                .help("save the lookup as UTF-8 csv with a header row"),
            ),
        }
    }
    out
}

/// `(line, fields)` of each row after the header whose field count is not
/// `columns`.
fn ragged_rows(path: &Path, columns: usize) -> Result<Vec<(usize, usize)>, String> {
    let mut r = open_csv(path)?;
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

/// Checks lookup files but for their rows; returns each csv lookup's
/// header by the yml path, and the files whose rows [`check_rows`] is to
/// check. A file whose header reads gives its columns to the search-output
/// analysis even when a later row turns out unreadable (`L002` all the same).
pub fn check_files(
    p: &mut Project,
    out: &mut Vec<Diagnostic>,
) -> (HashMap<String, Vec<String>>, Vec<RowCheck>) {
    let mut headers = HashMap::new();
    let mut rows = Vec::new();
    let mut referenced: HashSet<String> = HashSet::new();
    for l in &p.content.lookups {
        let mut seen: HashSet<&str> = HashSet::new();
        for f in &l.fields {
            if !seen.insert(f.value.as_str()) {
                out.push(
                    diag(
                        code::L005,
                        format!("the field `{}` is listed twice", f.value),
                    )
                    .at(f.span)
                    .help(
                        "list each field once; a repeated name is usually a typo for another field",
                    ),
                );
            }
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
        match l.lookup_type.as_ref().map(|t| t.value.as_str()) {
            // The state of the firstseen command: no file ships, `fields` are its columns.
            Some("csv") if l.written_by.is_some() => {
                headers.insert(
                    l.common.path.clone(),
                    l.fields.iter().map(|f| f.value.clone()).collect(),
                );
            }
            Some("csv") => {
                let rel = dir.join(l.file_name().unwrap_or_else(|| format!("{stem}.csv")));
                referenced.insert(rel.to_string_lossy().replace('\\', "/"));
                let path = p.root.join(&rel);
                if !path.is_file() {
                    out.push(
                        diag(
                            code::L001,
                            format!("the csv lookup's file `{}` does not exist", rel.display()),
                        )
                        .at(at)
                        .help(format!(
                            "add `{}` with a header row, or change `lookup_type`",
                            rel.display()
                        )),
                    );
                    continue;
                }
                match read_header(&path) {
                    Ok(header) => {
                        rows.push(RowCheck {
                            path,
                            rel: rel.display().to_string(),
                            at,
                            columns: header.len(),
                        });
                        headers.insert(l.common.path.clone(), header);
                    }
                    Err(e) => out.push(
                        diag(
                            code::L002,
                            format!("`{}` cannot be read as csv: {e}", rel.display()),
                        )
                        .at(at)
                        .help("save the lookup as UTF-8 csv with a header row"),
                    ),
                }
            }
            Some("mlmodel") => {
                let file = l.file_name().unwrap_or_else(|| format!("{stem}.mlmodel"));
                let rel = dir.join(&file);
                referenced.insert(rel.to_string_lossy().replace('\\', "/"));
                if !file.starts_with("__mlspl_") {
                    out.push(
                        diag(code::L001, format!("an mlmodel lookup's file name must start with `__mlspl_`, not `{stem}.yml`"))
                            .at(at)
                            .help(format!("rename the files to `__mlspl_{stem}.yml` and `__mlspl_{stem}.mlmodel`")),
                    );
                } else if !p.root.join(&rel).is_file() {
                    out.push(
                        diag(
                            code::L001,
                            format!(
                                "the mlmodel lookup's file `{}` does not exist",
                                rel.display()
                            ),
                        )
                        .at(at)
                        .help("add the model file exported from MLTK"),
                    );
                }
            }
            // 4.x `fields_list` is transforms.conf's list as is, without `_key`.
            Some("kvstore")
                if (l.format == crate::model::Format::V5 || l.fields.is_empty())
                    && l.fields.first().map(|f| f.value.as_str()) != Some("_key") =>
            {
                let span = l.fields.first().map(|f| f.span).unwrap_or(at);
                out.push(
                    diag(
                        code::L004,
                        "a KV store lookup's `fields` must start with `_key`",
                    )
                    .at(span)
                    .help("list `_key` first, then the collection's fields"),
                );
            }
            _ => {}
        }
    }
    let dir = p.root.join("lookups");
    if let Ok(rd) = std::fs::read_dir(&dir) {
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
            if !referenced.contains(&rel) {
                let id = p.sources.add(rel.clone(), "");
                out.push(
                    diag(
                        code::L003,
                        format!("`{rel}` is not referenced by any lookup yml"),
                    )
                    .in_file(id)
                    .help(format!(
                        "add `{}` describing it (lookup_type: {}), or delete the file",
                        rel.rsplit_once('.')
                            .map_or(rel.as_str(), |x| x.0)
                            .to_string()
                            + ".yml",
                        if ext == "csv" { "csv" } else { "mlmodel" }
                    )),
                );
            }
        }
    }
    (headers, rows)
}
