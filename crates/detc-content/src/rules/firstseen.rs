//! Searches that call the `firstseen` search command shipped with the app.
//!
//! - `Q007 firstseen-options`: the command's options parse with the
//!   command's own parser (`firstseen_options::options::Options::parse`, the code
//!   Splunk runs), so a typo fails at `detc validate`, not in the search bar.
//! - `Q008 firstseen-state-lookup`: `lookup=<name>` names a lookup of the
//!   content with `written_by: firstseen` of the kind `store=` says: with
//!   `store=csv` (the default) a csv lookup whose `fields` are the `key=`
//!   fields followed by firstTimeSeen, lastTimeSeen and enough_data (and
//!   optionally reportedTime); with `store=kvstore` a kvstore lookup whose
//!   `fields` are `_key`, the `key=` fields, firstTimeSeen, lastTimeSeen and
//!   reportedTime. The command refuses a state with other key columns
//!   (`crates/firstseen/src/state.rs`, `kvstore.rs`), and the build ships the
//!   transforms.conf (and collections.conf) stanzas that make the state
//!   readable with `| inputlookup <name>`.
//! - `Q009 firstseen-field-not-output`: each `key=` field and the `time=`
//!   field is output by the search before `firstseen`, when that is known
//!   (detc's SPL field analysis); a missing key field fails the search.
//!
//! All three are detc's own: contentctl does not know the command.

use super::Cx;
use crate::codes::{code, diag};
use crate::enums::{FIRSTSEEN_KV_COLUMNS, FIRSTSEEN_REPORTED_COLUMN, FIRSTSEEN_STATE_COLUMNS};
use detc_diag::Diagnostic;
use detc_spl::{output_fields, split_pipeline, split_words};
use firstseen_options::options::Store;

/// Checks every detection's and baseline's `firstseen` calls.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let searches = cx
        .content
        .detections
        .iter()
        .filter_map(|d| d.search.as_ref())
        .chain(
            cx.content
                .baselines
                .iter()
                .filter_map(|b| b.search.as_ref()),
        );
    for search in searches {
        let s = &search.value;
        // Most searches do not call the command: skip splitting them.
        if !s.contains("firstseen") {
            continue;
        }
        for cmd in split_pipeline(s) {
            if cmd.name != "firstseen" {
                continue;
            }
            let args: Vec<&str> = split_words(cmd.args).iter().map(|t| t.text).collect();
            let at = cx.locate(search, cmd.start, cmd.text);
            let opts = match firstseen_options::options::Options::parse(&args, true) {
                Ok(o) => o,
                Err(e) => {
                    out.push(
                        diag(code::Q007, format!("firstseen: {e}"))
                            .at(at)
                            .help("see `firstseen` options in docs/firstseen.md"),
                    );
                    continue;
                }
            };
            let name = opts
                .lookup
                .as_deref()
                .map(|f| f.trim_end_matches(".csv").to_string())
                .unwrap_or_default();
            let lookup = cx.content.lookups.iter().find(|l| l.common.name() == name);
            let kv = opts.store == Store::KvStore;
            let (kind, columns) = if kv {
                (
                    "kvstore",
                    format!(
                        "_key, {}, {}",
                        opts.key.join(", "),
                        FIRSTSEEN_KV_COLUMNS.join(", ")
                    ),
                )
            } else {
                (
                    "csv",
                    format!(
                        "{}, {}",
                        opts.key.join(", "),
                        FIRSTSEEN_STATE_COLUMNS.join(", ")
                    ),
                )
            };
            match lookup {
                None => out.push(
                    diag(code::Q008, format!("firstseen keeps its state in `lookup={name}`, which is not a lookup of this content"))
                        .at(at)
                        .help(format!("add lookups/{name}.yml with `lookup_type: {kind}`, `written_by: firstseen` and `fields: [{columns}]`, so the app ships its stanzas")),
                ),
                Some(l) if l.written_by.is_none() => out.push(
                    diag(code::Q008, format!("the lookup `{name}` is not marked as written by firstseen"))
                        .at(at)
                        .help(format!("add `written_by: firstseen` to {}: the command writes the state at run time, and a shipped file would replace it on every app upgrade", l.common.path)),
                ),
                Some(l) if l.lookup_type.as_ref().is_some_and(|t| t.value != kind) => out.push(
                    diag(code::Q008, format!(
                        "firstseen keeps its state with store={} here, but the lookup `{name}` is a {} lookup",
                        if kv { "kvstore" } else { "csv" },
                        l.lookup_type.as_ref().map_or("", |t| t.value.as_str())
                    ))
                    .at(at)
                    .help(format!("make {} `lookup_type: {kind}` with `fields: [{columns}]`, or change store=", l.common.path)),
                ),
                Some(l) => {
                    let have: Vec<&str> = l.fields.iter().map(|f| f.value.as_str()).collect();
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
                    if have != want {
                        out.push(
                            diag(code::Q008, format!("the lookup `{name}` lists fields [{}], but this search keeps [{}] in it", have.join(", "), want.join(", ")))
                                .at(at)
                                .help(format!("make `fields` of {} `[{}]`, or use another lookup for this key", l.common.path, want.join(", "))),
                        );
                    }
                }
            }
            let before = output_fields(&s[..cmd.start], cx);
            for f in opts.key.iter().chain(std::iter::once(&opts.time)) {
                if before.contains(f) == Some(false) {
                    let known: Vec<&str> = before.names().iter().map(String::as_str).collect();
                    out.push(
                        diag(code::Q009, format!("firstseen uses the field `{f}`, which the search does not output before it"))
                            .at(at)
                            .help(format!("the search outputs {}; rename a field or change `key=`/`time=`", known.join(", "))),
                    );
                }
            }
        }
    }
}
