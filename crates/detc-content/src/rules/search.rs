//! What the SPL search uses.
//!
//! - `Q001 missing-filter-macro`: a detection's search contains
//!   `` `<stem>_filter` `` (contentctl rule 1).
//! - `Q002 filter-macro-not-last`: that macro is the search's last
//!   command, so a user's filter applies to the final results (detc).
//! - `Q003 undefined-macro`: every macro used is defined, except those
//!   contentctl ignores (`drop_dm_object_name`, `get_asset`...) and the
//!   detection's own filter macro, which the build creates as `search *`.
//! - `Q004 macro-arity`: a macro is called with as many arguments as its
//!   definition has (Splunk's stanza is `name(N)`; detc).
//! - `Q005 undefined-lookup`: every lookup used is defined, except
//!   contentctl's `LOOKUPS_TO_IGNORE`.
//! - `Q006 quadruple-backticks`: four backticks in a row are refused (contentctl).

use super::{Cx, file_stem_for};
use crate::codes::diag;
use crate::enums::{LOOKUPS_TO_IGNORE, MACROS_TO_IGNORE};
use detc_diag::Diagnostic;
use detc_yaml::{Spanned, did_you_mean};

/// Checks the macros (`macros`, as `detc_spl::macros` found them) and lookups a search uses.
fn check_uses(
    cx: &Cx,
    search: &Spanned<String>,
    macros: &[detc_spl::MacroRef],
    own_filter: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let s = &search.value;
    if detc_spl::has_quadruple_backticks(s) {
        let at = s.find("````").unwrap_or(0);
        out.push(
            diag("Q006", "the search has four backticks in a row")
                .at(cx.locate(search, at, "````"))
                .help(
                    "a macro is written `name`; a comment is ```text```; remove the extra backtick",
                ),
        );
    }
    for m in macros {
        if MACROS_TO_IGNORE.iter().any(|i| m.name.contains(i))
            || Some(m.name.as_str()) == own_filter
        {
            continue;
        }
        let raw = &s[m.start..m.end];
        match cx.macros.get(m.name.as_str()) {
            None => {
                let d = diag("Q003", format!("the macro `{}` is not defined", m.stanza()))
                    .at(cx.locate(search, m.start, raw))
                    .label("undefined macro");
                let d = match did_you_mean(&m.name, cx.macros.keys().copied()) {
                    Some(x) => d.help(format!(
                        "did you mean `{x}`? Otherwise add macros/{}.yml",
                        m.name
                    )),
                    None => d.help(format!("add macros/{}.yml with its definition", m.name)),
                };
                out.push(d);
            }
            Some(defs) if !defs.iter().any(|d| d.arguments.len() == m.args.len()) => {
                let have: Vec<String> =
                    defs.iter().map(|d| d.arguments.len().to_string()).collect();
                out.push(
                    diag("Q004", format!("the macro `{}` is called with {} argument(s), but it is defined with {}", m.name, m.args.len(), have.join(" or ")))
                        .at(cx.locate(search, m.start, raw))
                        .help("Splunk looks up `name(N)` by the number of arguments: pass the arguments the definition expects"),
                );
            }
            Some(_) => {}
        }
    }
    for l in detc_spl::lookups(s) {
        if LOOKUPS_TO_IGNORE.contains(&l.name.as_str()) || cx.lookup_names.contains(&l.name) {
            continue;
        }
        let d = diag(
            "Q005",
            format!(
                "the lookup `{}` used by `{}` is not defined",
                l.name, l.command
            ),
        )
        .at(cx.locate(search, l.start, &l.name))
        .label("undefined lookup");
        let d = match did_you_mean(&l.name, cx.lookup_names.iter().map(String::as_str)) {
            Some(x) => d.help(format!("did you mean `{x}`?")),
            None => d.help(format!(
                "add lookups/{}.yml (lookup_type csv with its .csv file, or kvstore)",
                l.name.trim_end_matches(".csv")
            )),
        };
        out.push(d);
    }
}

/// Runs the search rules on detections and baselines.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for d in &cx.content.detections {
        let Some(search) = &d.search else { continue };
        let stem = file_stem_for(d.common.name());
        let filter = format!("{stem}_filter");
        let macros = detc_spl::macros(&search.value);
        check_uses(cx, search, &macros, Some(&filter), out);
        let uses = macros.iter().find(|m| m.name == filter);
        match uses {
            None => out.push(
                diag("Q001", format!("the search does not end with its filter macro `{filter}`"))
                    .at(cx.locate(search, 0, search.value.lines().next().unwrap_or("")))
                    .label("in this search")
                    .help(format!("add `| `{filter}`` as the last command; users tune the detection by editing that macro")),
            ),
            Some(m) => {
                let cmds = detc_spl::split_pipeline(&search.value);
                // `| `x_filter`` or `| search `x_filter``: the last command holds the macro.
                let last_is_filter = cmds.last().is_some_and(|c| c.start <= m.start && m.end <= c.start + c.text.len());
                if !last_is_filter {
                    out.push(
                        diag("Q002", format!("`{filter}` is not the search's last command"))
                            .at(cx.locate(search, m.start, &search.value[m.start..m.end]))
                            .label("used here")
                            .help("move the filter macro to the end of the search so that a user's filter applies to the final results"),
                    );
                }
            }
        }
    }
    for b in &cx.content.baselines {
        if let Some(search) = &b.search {
            check_uses(cx, search, &detc_spl::macros(&search.value), None, out);
        }
    }
}
