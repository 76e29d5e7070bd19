//! What the SPL search uses.
//!
//! - `Q001 missing-filter-macro`: a detection's search contains
//!   `` `<stem>_filter` `` (contentctl rule 1).
//! - `Q002 filter-macro-misplaced`: that macro is its own command and
//!   used once. A filter macro is usually `search *` (contentctl creates a
//!   missing one so), so written inside
//!   another command (`errorCode=success `x_filter``) or after `search`
//!   (`| search `x_filter``) it expands to a search for the word `search`,
//!   which matches nothing; a second call filters twice (detc). Placing it
//!   before an aggregation, as ESCU's NTLM and password-spray detections
//!   do on purpose, is fine.
//! - `Q003 undefined-macro`: every macro used is defined, except those
//!   contentctl ignores (`drop_dm_object_name`, `get_asset`...) and the
//!   detection's own filter macro, which the build creates as `search *`.
//! - `Q004 macro-arity`: a macro is called with as many arguments as its
//!   definition has (Splunk's stanza is `name(N)`; detc).
//! - `Q005 undefined-lookup`: every lookup the `lookup` command uses is
//!   defined, except contentctl's `LOOKUPS_TO_IGNORE`.
//! - `Q006 quadruple-backticks`: four backticks in a row are refused (contentctl).
//! - `Q010 macro-in-quotes`: a defined macro written inside a double-quoted
//!   string, which Splunk leaves as text (detc).
//! - `Q011 undefined-lookup-table`: `inputlookup`/`outputlookup` name a
//!   lookup definition that does not exist (contentctl 5.6 checks it; 4.4.7
//!   checks only `lookup`). A file name (`x.csv`) needs no definition.
//! - `Q012 lookup-file-for-contentctl5` (a warning, 5.x content only):
//!   `inputlookup x.csv`/`outputlookup x.csv` with no lookup named `x`,
//!   which Splunk runs but contentctl 5.6.2 refuses (its `get_lookups`
//!   takes the word before the `.` as a lookup name).
//! - `Q013 macro-cycle`: a macro whose definition uses itself, directly or
//!   through others; Splunk refuses every search that expands it (detc;
//!   the expansion is [`detc_spl::expand_macros`]). Reported once per
//!   cycle, on the definition of its first macro by stanza name.

use super::Cx;
use crate::codes::{code, diag};
use crate::enums::{LOOKUPS_TO_IGNORE, MACROS_TO_IGNORE};
use crate::naming::file_stem_for;
use detc_diag::Diagnostic;
use detc_yaml::{Spanned, did_you_mean};

/// Checks the macros (`macros`, as `detc_spl::macros` found them) and lookups a search uses.
fn check_uses(
    cx: &Cx,
    format: crate::legacy::Format,
    search: &Spanned<String>,
    macros: &[detc_spl::MacroRef],
    own_filter: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let s = &search.value;
    if detc_spl::has_quadruple_backticks(s) {
        let at = s.find("````").unwrap_or(0);
        out.push(
            diag(code::Q006, "the search has four backticks in a row")
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
                let d = diag(
                    code::Q003,
                    format!("the macro `{}` is not defined", m.stanza()),
                )
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
                    diag(code::Q004, format!("the macro `{}` is called with {} argument(s), but it is defined with {}", m.name, m.args.len(), have.join(" or ")))
                        .at(cx.locate(search, m.start, raw))
                        .help("Splunk looks up `name(N)` by the number of arguments: pass the arguments the definition expects"),
                );
            }
            Some(_) => {}
        }
    }
    for m in detc_spl::quoted_macros(s) {
        if !cx.macros.contains_key(m.name.as_str()) && Some(m.name.as_str()) != own_filter {
            continue;
        }
        let raw = &s[m.start..m.end];
        out.push(
            diag(code::Q010, format!("the macro `{}` is inside a quoted string, where Splunk does not expand it", m.name))
                .at(cx.locate(search, m.start, raw))
                .label("left as text")
                .help(format!("\"Macros inside of quoted values are not expanded\" (Knowledge Manager Manual): take {raw} out of the quotes, or put the quotes in the macro's definition")),
        );
    }
    for l in detc_spl::lookups(s) {
        let file = is_file_name(&l.name);
        let by_file = file && matches!(l.command.as_str(), "inputlookup" | "outputlookup");
        if !by_file
            && (LOOKUPS_TO_IGNORE.contains(&l.name.as_str()) || cx.lookup_names.contains(&l.name))
        {
            continue;
        }
        let rule = match l.command.as_str() {
            // `outputlookup x.csv` creates the file in the app's lookups
            // folder; `inputlookup x.csv` reads such a file, which a
            // baseline or another app may write: neither needs a lookup
            // definition (Search Reference, inputlookup and outputlookup:
            // "<filename>" or "<tablename>").
            "inputlookup" | "outputlookup" if file => {
                // contentctl 5.6.2 reads the word before the `.` as a
                // lookup name and refuses the file without one (Q012).
                let word = contentctl5_lookup_name(&l.name);
                if format == crate::legacy::Format::V5
                    && !word.is_empty()
                    && !cx.lookup_names.contains(word)
                    && !LOOKUPS_TO_IGNORE.contains(&word)
                {
                    out.push(
                        diag(code::Q012, format!("contentctl 5.6.2 refuses `{} {}`: it looks for a lookup named `{word}`", l.command, l.name))
                            .at(cx.locate(search, l.start, &l.name))
                            .label("a file, no lookup definition")
                            .help(format!("Splunk needs no definition for the file, and detc builds it; for contentctl 5, add lookups/{word}.yml (lookup_type csv)")),
                    );
                }
                continue;
            }
            "inputlookup" | "outputlookup" => code::Q011,
            _ => code::Q005,
        };
        let d = diag(
            rule,
            format!(
                "the lookup `{}` used by `{}` is not defined",
                l.name, l.command
            ),
        )
        .at(cx.locate(search, l.start, &l.name))
        .label("undefined lookup");
        let d = match did_you_mean(&l.name, cx.lookup_names.iter().map(String::as_str)) {
            Some(x) => d.help(format!("did you mean `{x}`?")),
            None if rule == code::Q011 => d.help(format!(
                "add lookups/{0}.yml (a csv or kvstore lookup), or name the file itself: `{1} {0}.csv` {2} lookups/{0}.csv with no definition",
                l.name,
                l.command,
                if l.command == "inputlookup" { "reads" } else { "writes" }
            )),
            None => d.help(format!(
                "add lookups/{}.yml (lookup_type csv with its .csv file, or kvstore)",
                l.name.trim_end_matches(".csv")
            )),
        };
        out.push(d);
    }
}

/// The lookup name contentctl 5.6.2 reads for `inputlookup`/`outputlookup`
/// `name` (`Lookup.get_lookups`: the leading `[\w]+`), so `seen.csv`
/// becomes `seen`. Shared with `detc migrate`'s notes.
pub fn contentctl5_lookup_name(name: &str) -> &str {
    let end = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    &name[..end]
}

/// Whether a lookup name is a file name (`x.csv`, `x.csv.gz`, `x.kmz`)
/// rather than a lookup definition (transforms.conf stanza).
fn is_file_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [".csv", ".csv.gz", ".kmz"].iter().any(|e| n.ends_with(e))
}

/// The top-level command of `cmds` whose text holds the byte range of `m`.
fn command_holding<'c, 's>(
    cmds: &'c [detc_spl::Command<'s>],
    m: &detc_spl::MacroRef,
) -> Option<&'c detc_spl::Command<'s>> {
    cmds.iter()
        .find(|c| c.start <= m.start && m.end <= c.start + c.text.len())
}

/// `Q002`: uses of the filter macro that break the search, given that the
/// filter macro expands to a command (`search *` unless the content defines
/// it otherwise). A filter macro that is its own command anywhere in the
/// pipeline works (ESCU filters raw events before `dc()` on purpose), so
/// only these are reported:
/// - written inside another command (`errorCode=success `x_filter``): the
///   expansion `search *` lands among that command's arguments;
/// - after `search` (`| search `x_filter``): `search search *` keeps only
///   events that hold the word `search`;
/// - used a second time: the user's filter runs twice.
fn check_filter_placement(
    cx: &Cx,
    search: &Spanned<String>,
    uses: &[&detc_spl::MacroRef],
    filter: &str,
    out: &mut Vec<Diagnostic>,
) {
    use detc_spl::Resolver;
    let s = &search.value;
    let Some((_, def)) = cx.macro_definition(filter, 0) else {
        return;
    };
    let def = def.trim();
    let first_word = def
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let expands_to_search = first_word == "search";
    let cmds = detc_spl::split_pipeline(s);
    for (n, m) in uses.iter().enumerate() {
        let raw = &s[m.start..m.end];
        let at = cx.locate(search, m.start, raw);
        if n > 0 {
            out.push(
                diag(
                    code::Q002,
                    format!("`{filter}` is used {} times", uses.len()),
                )
                .at(at)
                .label("used again here")
                .help(format!(
                    "keep one `| `{filter}``: a user's filter should run once"
                )),
            );
            continue;
        }
        if !expands_to_search {
            // A definition of the content's own (`where ...`, `eval ...`):
            // where it may go cannot be known.
            continue;
        }
        let Some(c) = command_holding(&cmds, m) else {
            continue;
        };
        if c.text == raw {
            continue;
        }
        // Inside a subsearch: the placement there is not followed.
        if c.text[..m.start - c.start].matches('[').count()
            > c.text[..m.start - c.start].matches(']').count()
        {
            continue;
        }
        let explicit_search =
            c.name == "search" && c.text.len() > 6 && c.text[..6].eq_ignore_ascii_case("search");
        if explicit_search && c.args.trim() == raw {
            out.push(
                diag(code::Q002, format!("`| search `{filter}`` expands to `search {def}`"))
                    .at(at)
                    .label("after `search`")
                    .help(format!("`search search *` keeps only events that contain the word `search`: write `| `{filter}`` without `search`")),
            );
        } else {
            let within = if c.name == "search" {
                "the search terms".to_string()
            } else {
                format!("the `{}` command", c.name)
            };
            out.push(
                diag(
                    code::Q002,
                    format!(
                        "`{filter}` is written inside {within}, so its `{def}` becomes part of it"
                    ),
                )
                .at(at)
                .label("not a command of its own")
                .help(format!(
                    "put it after a pipe, as its own command: `... | `{filter}``"
                )),
            );
        }
    }
}

/// Runs the search rules on detections and baselines.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for d in &cx.content.detections {
        let Some(search) = &d.search else { continue };
        let stem = file_stem_for(d.common.name());
        let filter = format!("{stem}_filter");
        let macros = detc_spl::macros(&search.value);
        check_uses(cx, d.format, search, &macros, Some(&filter), out);
        let uses: Vec<&detc_spl::MacroRef> = macros.iter().filter(|m| m.name == filter).collect();
        if uses.is_empty() {
            out.push(
                diag(code::Q001, format!("the search does not end with its filter macro `{filter}`"))
                    .at(cx.locate(search, 0, search.value.lines().next().unwrap_or("")))
                    .label("in this search")
                    .help(format!("add `| `{filter}`` as the last command; users tune the detection by editing that macro")),
            );
        } else {
            check_filter_placement(cx, search, &uses, &filter, out);
        }
    }
    check_macro_cycles(cx, out);
    for b in &cx.content.baselines {
        if let Some(search) = &b.search {
            check_uses(
                cx,
                b.format,
                search,
                &detc_spl::macros(&search.value),
                None,
                out,
            );
        }
    }
}

/// Q013: expands each macro's definition; a cycle is reported on the
/// macro of the cycle whose stanza sorts first, at its call of the next one.
fn check_macro_cycles(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let defs = |n: &str, a: usize| cx.macros.definition(n, a);
    for m in &cx.content.macros {
        let Some(def) = &m.definition else { continue };
        let stanza = detc_spl::macro_stanza(m.common.name(), m.arguments.len());
        let Err(detc_spl::ExpandError::Cycle(chain)) = detc_spl::expand_macros(&def.value, &defs)
        else {
            continue;
        };
        let members = &chain[..chain.len().saturating_sub(1)];
        if members.iter().min() != Some(&stanza) {
            continue;
        }
        // The chain as seen from this macro: it, the ones it leads to, it.
        let Some(i) = members.iter().position(|s| *s == stanza) else {
            continue;
        };
        let mut cycle: Vec<&String> = members[i..].iter().chain(&members[..i]).collect();
        cycle.push(&stanza);
        let next = cycle[1];
        let next_name = next.split('(').next().unwrap_or(next);
        let call = detc_spl::macros(&def.value)
            .into_iter()
            .find(|c| c.name == next_name);
        let (at, needle) = match &call {
            Some(c) => (c.start, &def.value[c.start..c.end]),
            None => (0, def.value.lines().next().unwrap_or("")),
        };
        let chain: Vec<String> = cycle.iter().map(|s| format!("`{s}`")).collect();
        out.push(
            diag(
                code::Q013,
                format!("the macro `{stanza}` uses itself: {}", chain.join(" -> ")),
            )
            .at(cx.locate(def, at, needle))
            .label(if cycle.len() == 2 { "calls itself" } else { "leads back to this macro" })
            .help("Splunk refuses every search that expands this macro; break the cycle by writing out what one of these macros should expand to"),
        );
    }
}
