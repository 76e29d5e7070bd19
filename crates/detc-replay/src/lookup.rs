//! `lookup` against the content's CSV lookups (Search Reference,
//! "lookup"): `lookup [local=<bool>] [update=<bool>] <table> <field> [AS
//! <event-field>]... [OUTPUT|OUTPUTNEW <field> [AS <event-field>]...]`, read
//! by [`detc_spl::command::lookup_call`] as the output-field rules read it.
//!
//! A lookup row matches when each of its match fields equals (exactly, as
//! CSV lookups match by default) one of the values of the event field; the
//! output fields of every matching row, in file order, up to 1,000
//! (transforms.conf's default `max_matches`), become the event's values;
//! empty cells give nothing. Without OUTPUT, every column but the match
//! fields is output. OUTPUTNEW leaves an event's existing field alone.
//! OUTPUT on an event with no matching row and the output field already set
//! is outside the subset: whether Splunk clears the field there is not
//! verified, so a test that depends on it is skipped.

use crate::Row;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Resolves a lookup name (a lookup definition's name, or a CSV file name)
/// to its CSV file, or says why it cannot be replayed (a KV store lookup,
/// a `match_type`...).
pub type Resolver<'a> = &'a dyn Fn(&str) -> Result<PathBuf, String>;

/// A CSV lookup table: its header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

thread_local! {
    static TABLES: std::cell::RefCell<HashMap<PathBuf, Rc<Table>>> =
        std::cell::RefCell::new(HashMap::new());
}

fn table(path: &Path) -> Result<Rc<Table>, String> {
    if let Some(t) = TABLES.with(|c| c.borrow().get(path).cloned()) {
        return Ok(t);
    }
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    let t = Rc::new(Table { header, rows });
    TABLES.with(|c| c.borrow_mut().insert(path.to_path_buf(), t.clone()));
    Ok(t)
}

/// Runs `lookup <args>` on `rows`.
///
/// # Errors
/// A form outside the subset, a lookup the resolver refuses, an unreadable
/// file, or a match field missing from the file.
pub fn lookup(args: &str, rows: Vec<Row>, resolve: Resolver) -> Result<Vec<Row>, String> {
    let call =
        detc_spl::command::lookup_call(args).ok_or("lookup needs a table and a field to match")?;
    let (name, matches, outputs, new_only) =
        (call.table, call.matches, call.outputs, call.new_only);
    let path = resolve(&name)?;
    let t = table(&path)?;
    let col = |f: &str| t.header.iter().position(|h| h == f);
    let match_cols: Vec<(usize, &str)> = matches
        .iter()
        .map(|(l, e)| {
            col(l)
                .map(|c| (c, e.as_str()))
                .ok_or_else(|| format!("the lookup `{name}` has no field `{l}`"))
        })
        .collect::<Result<_, _>>()?;
    let outputs: Vec<(usize, String)> = match outputs {
        Some(o) => o
            .iter()
            .map(|(l, e)| {
                col(l)
                    .map(|c| (c, e.clone()))
                    .ok_or_else(|| format!("the lookup `{name}` has no field `{l}`"))
            })
            .collect::<Result<_, _>>()?,
        None => t
            .header
            .iter()
            .enumerate()
            .filter(|(i, _)| !match_cols.iter().any(|(c, _)| c == i))
            .map(|(i, h)| (i, h.clone()))
            .collect(),
    };
    rows.into_iter()
        .map(|mut r| {
            let hits: Vec<&Vec<String>> = t
                .rows
                .iter()
                .filter(|lr| {
                    match_cols.iter().all(|(c, ef)| {
                        lr.get(*c)
                            .is_some_and(|v| r.values(ef).iter().any(|x| x == v))
                    })
                })
                .take(1000)
                .collect();
            for (c, ef) in &outputs {
                if new_only && !r.values(ef).is_empty() {
                    continue;
                }
                let vals: Vec<String> = hits
                    .iter()
                    .filter_map(|lr| lr.get(*c))
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .collect();
                if vals.is_empty() {
                    if !new_only && !r.values(ef).is_empty() {
                        return Err(format!(
                            "lookup OUTPUT over the existing field `{ef}` on an event with no matching row (whether Splunk clears it is not verified)"
                        ));
                    }
                    continue;
                }
                r.0.insert(ef.clone(), vals);
            }
            Ok(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_row as row;

    #[test]
    fn matches_outputs_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("accounts.csv");
        std::fs::write(
            &file,
            "account,owner,team\n111,alice,red\n222,bob,\n222,carol,blue\n",
        )
        .unwrap();
        let f2 = file.clone();
        let resolve = move |n: &str| {
            if n == "accounts" {
                Ok(f2.clone())
            } else {
                Err(format!("`{n}` is a KV store lookup"))
            }
        };
        let rows = vec![
            row(&[("acct", "222")]),
            row(&[("acct", "333"), ("owner", "zed")]),
        ];
        let out = lookup(
            "accounts account AS acct OUTPUTNEW owner AS who, team",
            rows.clone(),
            &resolve,
        )
        .unwrap();
        assert_eq!(out[0].values("who"), ["bob", "carol"], "every matching row");
        assert_eq!(
            out[0].values("team"),
            ["blue"],
            "an empty cell gives nothing"
        );
        assert!(out[1].values("who").is_empty());
        // Without OUTPUT: every column but the match fields.
        let out = lookup(
            "local=true accounts account AS acct",
            vec![row(&[("acct", "111")])],
            &resolve,
        )
        .unwrap();
        assert_eq!(out[0].first("owner"), Some("alice"));
        assert_eq!(out[0].first("team"), Some("red"));
        // OUTPUTNEW keeps an existing value; OUTPUT with no match over it is
        // not replayed.
        let out = lookup(
            "accounts account AS acct OUTPUTNEW owner",
            rows.clone(),
            &resolve,
        )
        .unwrap();
        assert_eq!(out[1].first("owner"), Some("zed"));
        assert!(
            lookup(
                "accounts account AS acct OUTPUT owner",
                rows.clone(),
                &resolve
            )
            .is_err()
        );
        assert!(
            lookup("accounts nosuch AS acct", rows.clone(), &resolve)
                .unwrap_err()
                .contains("has no field `nosuch`")
        );
        assert!(
            lookup("other x", rows, &resolve)
                .unwrap_err()
                .contains("KV store")
        );
    }
}
