//! # `Q002 filter-macro-misplaced`
//!
//! ## What it checks
//! The filter macro is its own command and used once. A filter macro is
//! usually `search *` (contentctl creates a missing one so); only uses that
//! break the search are reported:
//! - written inside another command (``errorCode=success `x_filter` ``):
//!   the expansion lands among that command's arguments;
//! - after `search` (`` | search `x_filter` ``): `search search *` keeps
//!   only events that hold the word `search`;
//! - used a second time: the user's filter runs twice.
//!
//! A filter macro that is its own command anywhere in the pipeline works:
//! ESCU's NTLM and password-spray detections filter raw events before an
//! aggregation on purpose. A definition of the content's own that is not a
//! `search` (`where ...`) is not judged.
//!
//! ## Why it matters
//! Each of these silently changes what the detection finds: the search
//! matches nothing, or the customer's exclusions stop working.
//!
//! ## Example
//! ```spl
//! `cloudtrail` errorCode=success `aws_delete_trail_filter`
//! ```
//! Fix: `` ... errorCode=success | `aws_delete_trail_filter` ``. Where the
//! macro ends its command, or follows `search`, the diagnostic carries that
//! edit, which `detc lsp` offers as a quick fix.
//!
//! ## Source
//! detc's own, from how Splunk expands macros (Knowledge Manager Manual,
//! "Use search macros in searches"); found in security_content v4.42.0.

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q002;

/// `uses`: the calls of the filter macro `filter` in the search.
pub(super) fn check(
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
    let first_word = def.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    let expands_to_search = first_word == "search";
    let cmds = detc_spl::split_pipeline(s);
    for (n, m) in uses.iter().enumerate() {
        let raw = &s[m.start..m.end];
        let at = cx.locate(search, m.start, raw);
        if n > 0 {
            out.push(
                diag(CODE, format!("`{filter}` is used {} times", uses.len()))
                    .at(at)
                    .label("used again here")
                    .help(format!("keep one `| `{filter}``: a user's filter should run once")),
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
            let mut d = diag(CODE, format!("`| search `{filter}`` expands to `search {def}`"))
                .at(at)
                .label("after `search`")
                .help(format!("`search search *` keeps only events that contain the word `search`: write `| `{filter}`` without `search`"));
            // `search `x_filter`` becomes `` `x_filter` ``.
            if let Some(span) = exact(cx, search, c.start, &s[c.start..m.end]) {
                d = d.fix("remove `search` before the filter macro", span, raw);
            }
            out.push(d);
        } else {
            let within = if c.name == "search" {
                "the search terms".to_string()
            } else {
                format!("the `{}` command", c.name)
            };
            let mut d = diag(
                CODE,
                format!("`{filter}` is written inside {within}, so its `{def}` becomes part of it"),
            )
            .at(at)
            .label("not a command of its own")
            .help(format!("put it after a pipe, as its own command: `... | `{filter}``"));
            // Last in its command: a pipe before it makes it its own. (In
            // the middle, what follows it would become its arguments.)
            let last = s
                .get(m.end..c.start + c.text.len())
                .is_some_and(|rest| rest.trim().is_empty());
            if last && let Some(span) = exact(cx, search, m.start, raw) {
                d = d.fix("make the filter macro its own command", span, format!("| {raw}"));
            }
            out.push(d);
        }
    }
}

/// The span of `needle`, the search's text at byte `at` of its value, when
/// the YAML source holds it as written (no escape or line fold inside), so
/// that an edit there changes exactly that text.
fn exact(cx: &Cx, search: &Spanned<String>, at: usize, needle: &str) -> Option<detc_diag::Span> {
    let span = cx.locate(search, at, needle);
    let raw = cx.sources.get(span.file).text.get(span.start..span.end)?;
    (raw == needle).then_some(span)
}

/// The top-level command of `cmds` whose text holds the byte range of `m`.
fn command_holding<'c, 's>(
    cmds: &'c [detc_spl::Command<'s>],
    m: &detc_spl::MacroRef,
) -> Option<&'c detc_spl::Command<'s>> {
    cmds.iter()
        .find(|c| c.start <= m.start && m.end <= c.start + c.text.len())
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
