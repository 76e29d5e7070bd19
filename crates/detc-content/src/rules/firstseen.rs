//! Searches that call the `firstseen` search command shipped with the app.
//!
//! - `Q007 firstseen-options`: the command's options parse with the
//!   command's own parser (`firstseen::options::Options::parse`, the code
//!   Splunk runs), so a typo fails at `detc validate`, not in the search bar.
//! - `Q008 firstseen-state-lookup`: `lookup=<name>` names a lookup of the
//!   content with `written_by: firstseen`, whose `fields` are the `key=`
//!   fields followed by firstTimeSeen, lastTimeSeen and enough_data. The
//!   command refuses a state file with other key columns
//!   (`crates/firstseen/src/state.rs`), and the build ships the transforms.conf
//!   stanza that makes the state readable with `| inputlookup <name>`.
//! - `Q009 firstseen-field-not-output`: each `key=` field and the `time=`
//!   field is output by the search before `firstseen`, when that is known
//!   (detc's SPL field analysis); a missing key field fails the search.
//!
//! All three are detc's own: contentctl does not know the command.

use super::Cx;
use crate::codes::diag;
use crate::enums::{FIRSTSEEN_REPORTED_COLUMN, FIRSTSEEN_STATE_COLUMNS};
use detc_diag::Diagnostic;
use detc_spl::{output_fields, split_pipeline, split_words};

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
            let opts = match firstseen::options::Options::parse(&args, true) {
                Ok(o) => o,
                Err(e) => {
                    out.push(
                        diag("Q007", format!("firstseen: {e}"))
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
            match lookup {
                None => out.push(
                    diag("Q008", format!("firstseen keeps its state in `lookup={name}`, which is not a lookup of this content"))
                        .at(at)
                        .help(format!("add lookups/{name}.yml with `lookup_type: csv`, `written_by: firstseen` and `fields: [{}, firstTimeSeen, lastTimeSeen, enough_data]`, so the app ships its transforms.conf stanza", opts.key.join(", "))),
                ),
                Some(l) if l.written_by.is_none() => out.push(
                    diag("Q008", format!("the lookup `{name}` is not marked as written by firstseen"))
                        .at(at)
                        .help(format!("add `written_by: firstseen` to {}: the command writes the file at run time, and a shipped file would replace the state on every app upgrade", l.common.path)),
                ),
                Some(l) => {
                    let have: Vec<&str> = l.fields.iter().map(|f| f.value.as_str()).collect();
                    let reported = have.last() == Some(&FIRSTSEEN_REPORTED_COLUMN);
                    let want: Vec<&str> = opts
                        .key
                        .iter()
                        .map(String::as_str)
                        .chain(FIRSTSEEN_STATE_COLUMNS.iter().copied())
                        .chain(reported.then_some(FIRSTSEEN_REPORTED_COLUMN))
                        .collect();
                    if have != want {
                        out.push(
                            diag("Q008", format!("the lookup `{name}` lists fields [{}], but this search keeps [{}] in it", have.join(", "), want.join(", ")))
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
                        diag("Q009", format!("firstseen uses the field `{f}`, which the search does not output before it"))
                            .at(at)
                            .help(format!("the search outputs {}; rename a field or change `key=`/`time=`", known.join(", "))),
                    );
                }
            }
        }
    }
}
