//! # `Q008 firstseen-state-lookup`
//!
//! ## What it checks
//! `lookup=<name>` of a `firstseen` call names a lookup of the content with
//! `written_by: firstseen`, of the kind `store=` says, with the columns the
//! command keeps: for `store=csv` (the default) the `key=` fields, then
//! firstTimeSeen, lastTimeSeen and enough_data (and optionally
//! reportedTime); for `store=kvstore`, `_key`, the `key=` fields,
//! firstTimeSeen, lastTimeSeen and reportedTime. Either may end with
//! reportedBy (after reportedTime), which firstseen also keeps.
//!
//! ## Why it matters
//! The command refuses a state with other key columns
//! (`crates/firstseen/src/state.rs`, `kvstore.rs`), and only a lookup of
//! the content makes the build ship the transforms.conf (and
//! collections.conf) stanzas that keep the state readable with `|
//! inputlookup <name>` and out of the app's upgrades.
//!
//! ## Example
//! ```spl
//! ... | firstseen key=user lookup=seen_users
//! ```
//! with no `lookups/seen_users.yml`. Fix: add it with `lookup_type: csv`,
//! `written_by: firstseen` and `fields: [user, firstTimeSeen, lastTimeSeen,
//! enough_data]`.
//!
//! ## Source
//! detc's own, from the firstseen command's state format.

use crate::codes::{Code, code, diag};
use crate::enums::{
    FIRSTSEEN_KV_COLUMNS, FIRSTSEEN_REPORTED_BY_COLUMN, FIRSTSEEN_REPORTED_COLUMN,
    FIRSTSEEN_STATE_COLUMNS, LookupType,
};
use crate::rules::Cx;
use detc_diag::{Diagnostic, Span};
use firstseen_options::options::{Options, Store};

pub(super) const CODE: Code = code::Q008;

pub(super) fn check(cx: &Cx, opts: &Options, at: Span, out: &mut Vec<Diagnostic>) {
    let name = opts
        .lookup
        .as_deref()
        .map(|f| f.trim_end_matches(".csv").to_string())
        .unwrap_or_default();
    let lookup = cx.content.lookups.iter().find(|l| l.common.name() == name);
    let kv = opts.store == Store::KvStore;
    let (want, columns) = if kv {
        (
            LookupType::KvStore,
            format!("_key, {}, {}", opts.key.join(", "), FIRSTSEEN_KV_COLUMNS.join(", ")),
        )
    } else {
        (
            LookupType::Csv,
            format!("{}, {}", opts.key.join(", "), FIRSTSEEN_STATE_COLUMNS.join(", ")),
        )
    };
    let kind = want.as_str();
    match lookup {
        None => out.push(
            diag(CODE, format!("firstseen keeps its state in `lookup={name}`, which is not a lookup of this content"))
                .at(at)
                .help(format!("add lookups/{name}.yml with `lookup_type: {kind}`, `written_by: firstseen` and `fields: [{columns}]`, so the app ships its stanzas")),
        ),
        Some(l) if l.written_by.is_none() => out.push(
            diag(CODE, format!("the lookup `{name}` is not marked as written by firstseen"))
                .at(at)
                .help(format!("add `written_by: firstseen` to {}: the command writes the state at run time, and a shipped file would replace it on every app upgrade", l.common.path)),
        ),
        Some(l) if l.kind().is_some_and(|t| t != want) => out.push(
            diag(CODE, format!(
                "firstseen keeps its state with store={} here, but the lookup `{name}` is a {} lookup",
                if kv { "kvstore" } else { "csv" },
                l.lookup_type.as_ref().map_or("", |t| t.value.as_str())
            ))
            .at(at)
            .help(format!("make {} `lookup_type: {kind}` with `fields: [{columns}]`, or change store=", l.common.path)),
        ),
        Some(l) => {
            let mut have: Vec<&str> = l.fields.iter().map(|f| f.value.as_str()).collect();
            // reportedBy is optional, after reportedTime.
            let by = have.len() >= 2
                && have.last() == Some(&FIRSTSEEN_REPORTED_BY_COLUMN)
                && have[have.len() - 2] == FIRSTSEEN_REPORTED_COLUMN;
            if by {
                have.pop();
            }
            let want: Vec<&str> = if kv {
                std::iter::once("_key")
                    .chain(opts.key.iter().map(String::as_str))
                    .chain(FIRSTSEEN_KV_COLUMNS.iter().copied())
                    .collect()
            } else {
                let reported = have.last() == Some(&FIRSTSEEN_REPORTED_COLUMN);
                opts.key
                    .iter()
                    .map(String::as_str)
                    .chain(FIRSTSEEN_STATE_COLUMNS.iter().copied())
                    .chain(reported.then_some(FIRSTSEEN_REPORTED_COLUMN))
                    .collect()
            };
            if by {
                have.push(FIRSTSEEN_REPORTED_BY_COLUMN);
            }
            let want: Vec<&str> = want
                .into_iter()
                .chain(by.then_some(FIRSTSEEN_REPORTED_BY_COLUMN))
                .collect();
            if have != want {
                out.push(
                    diag(CODE, format!("the lookup `{name}` lists fields [{}], but this search keeps [{}] in it", have.join(", "), want.join(", ")))
                        .at(at)
                        .help(format!("make `fields` of {} `[{}]`, or use another lookup for this key", l.common.path, want.join(", "))),
                );
            }
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
