//! What the SPL search uses: its filter macro, the macros and lookups it
//! calls, and the macros' own definitions.

use super::Cx;
use crate::codes::{Code, diag};
use crate::enums::{LOOKUPS_TO_IGNORE, MACROS_TO_IGNORE};
use crate::naming::file_stem_for;
use detc_diag::Diagnostic;
use detc_yaml::{Spanned, did_you_mean};

rule_files! {
    q001_missing_filter_macro,
    q002_filter_macro_misplaced,
    q003_undefined_macro,
    q004_macro_arity,
    q005_undefined_lookup,
    q006_quadruple_backticks,
    q010_macro_in_quotes,
    q011_undefined_lookup_table,
    q012_lookup_file_for_contentctl5,
    q013_macro_cycle,
}

/// Which of the family's rules are on.
struct On {
    q001: bool,
    q002: bool,
    q003: bool,
    q004: bool,
    q005: bool,
    q006: bool,
    q010: bool,
    q011: bool,
    q012: bool,
}

/// Checks the macros and lookups a detection's or baseline's search uses.
fn check_uses(
    cx: &Cx,
    on: &On,
    format: crate::legacy::Format,
    search: &Spanned<String>,
    macros: &[detc_spl::MacroRef],
    own_filter: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    if on.q006 {
        q006_quadruple_backticks::check(cx, search, out);
    }
    let called: Vec<&detc_spl::MacroRef> = macros
        .iter()
        .filter(|m| {
            !MACROS_TO_IGNORE.iter().any(|i| m.name.contains(i))
                && Some(m.name.as_str()) != own_filter
        })
        .collect();
    if on.q003 {
        q003_undefined_macro::check(cx, search, &called, out);
    }
    if on.q004 {
        q004_macro_arity::check(cx, search, &called, out);
    }
    if on.q010 {
        q010_macro_in_quotes::check(cx, search, own_filter, out);
    }
    if !(on.q005 || on.q011 || on.q012) {
        return;
    }
    for l in detc_spl::lookups(&search.value) {
        let file = is_file_name(&l.name);
        let by_file = file && matches!(l.command.as_str(), "inputlookup" | "outputlookup");
        if !by_file
            && (LOOKUPS_TO_IGNORE.contains(&l.name.as_str()) || cx.lookup_names.contains(&l.name))
        {
            continue;
        }
        match l.command.as_str() {
            // `outputlookup x.csv` creates the file in the app's lookups
            // folder; `inputlookup x.csv` reads such a file, which a
            // baseline or another app may write: neither needs a lookup
            // definition (Search Reference, inputlookup and outputlookup:
            // "<filename>" or "<tablename>"). contentctl 5.6.2 disagrees
            // (Q012).
            "inputlookup" | "outputlookup" if file => {
                if on.q012 {
                    q012_lookup_file_for_contentctl5::check(cx, format, search, &l, out);
                }
            }
            "inputlookup" | "outputlookup" => {
                if on.q011 {
                    q011_undefined_lookup_table::report(cx, search, &l, out);
                }
            }
            _ => {
                if on.q005 {
                    q005_undefined_lookup::report(cx, search, &l, out);
                }
            }
        }
    }
}

/// The diagnostic of `code` for the undefined lookup `l`, with a
/// did-you-mean help when a defined name is near (the name is returned
/// then); without a help otherwise, for the rule to give its own.
fn undefined_lookup(
    cx: &Cx,
    code: Code,
    search: &Spanned<String>,
    l: &detc_spl::LookupRef,
) -> (Diagnostic, Option<String>) {
    let d = diag(
        code,
        format!(
            "the lookup `{}` used by `{}` is not defined",
            l.name, l.command
        ),
    )
    .at(cx.locate(search, l.start, &l.name))
    .label("undefined lookup");
    match did_you_mean(&l.name, cx.lookup_names.iter().map(String::as_str)) {
        Some(x) => (d.help(format!("did you mean `{x}`?")), Some(x.to_string())),
        None => (d, None),
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

/// Runs the search rules that are on, on detections and baselines.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let on = On {
        q001: cx.enabled(q001_missing_filter_macro::CODE),
        q002: cx.enabled(q002_filter_macro_misplaced::CODE),
        q003: cx.enabled(q003_undefined_macro::CODE),
        q004: cx.enabled(q004_macro_arity::CODE),
        q005: cx.enabled(q005_undefined_lookup::CODE),
        q006: cx.enabled(q006_quadruple_backticks::CODE),
        q010: cx.enabled(q010_macro_in_quotes::CODE),
        q011: cx.enabled(q011_undefined_lookup_table::CODE),
        q012: cx.enabled(q012_lookup_file_for_contentctl5::CODE),
    };
    cx.reuse.each(
        super::Walk::Search,
        &cx.content.detections,
        out,
        |_, d, out| {
            let Some(search) = &d.search else { return };
            let stem = file_stem_for(d.common.name());
            let filter = format!("{stem}_filter");
            let macros = detc_spl::macros(&search.value);
            check_uses(cx, &on, d.format, search, &macros, Some(&filter), out);
            let uses: Vec<&detc_spl::MacroRef> =
                macros.iter().filter(|m| m.name == filter).collect();
            if on.q001 {
                q001_missing_filter_macro::check(cx, search, &uses, &filter, out);
            }
            if on.q002 && !uses.is_empty() {
                q002_filter_macro_misplaced::check(cx, search, &uses, &filter, out);
            }
        },
    );
    if cx.enabled(q013_macro_cycle::CODE) {
        q013_macro_cycle::check(cx, out);
    }
    for b in &cx.content.baselines {
        if let Some(search) = &b.search {
            let macros = detc_spl::macros(&search.value);
            check_uses(cx, &on, b.format, search, &macros, None, out);
        }
    }
}
