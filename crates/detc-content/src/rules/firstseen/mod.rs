//! Searches that call the `firstseen` search command shipped with the
//! app: its options, its state lookup, and the fields it reads. All are
//! detc's own: contentctl does not know the command.

use super::Cx;
use detc_diag::Diagnostic;
use detc_spl::{split_pipeline, split_words};

rule_files! {
    q007_firstseen_options,
    q008_firstseen_state_lookup,
    q009_firstseen_field_not_output,
}

/// Checks every detection's and baseline's `firstseen` calls with the
/// rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let q007 = cx.enabled(q007_firstseen_options::CODE);
    let q008 = cx.enabled(q008_firstseen_state_lookup::CODE);
    let q009 = cx.enabled(q009_firstseen_field_not_output::CODE);
    if !(q007 || q008 || q009) {
        return;
    }
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
                    if q007 {
                        q007_firstseen_options::report(&e, at, out);
                    }
                    continue;
                }
            };
            if q008 {
                q008_firstseen_state_lookup::check(cx, &opts, at, out);
            }
            if q009 {
                q009_firstseen_field_not_output::check(cx, &s[..cmd.start], &opts, at, out);
            }
        }
    }
}
