//! # `D001 drilldown-field`
//!
//! ## What it checks
//! `$tokens$` in a drilldown's name and search are fields the detection's
//! search outputs, when that output is known. Splunk's own tokens
//! (`$info_min_time$`, `$info_max_time$`, `$env:...$`, `$job.…$`...) are
//! always available. When the output cannot be known (a command the
//! analysis does not read), the rule says nothing.
//!
//! ## Why it matters
//! Enterprise Security fills the tokens from the notable or risk event; a
//! field the search does not output leaves a literal `$field$` or an empty
//! value, and the analyst's drilldown finds nothing.
//!
//! ## Example
//! ```yaml
//! search: '... | stats count by user'
//! drilldown_searches:
//! - name: View the detection results for - "$dest$"
//!   search: '%original_detection_search% | search dest = "$dest$"'
//! ```
//! Fix: use a field the search outputs (`$user$`), or output `dest` (`by
//! user dest`). A token that is an output field written otherwise (case,
//! underscores: `$destIp$` for `dest_ip`) gets that field as its fix,
//! which `detc lsp` offers as a quick fix.
//!
//! ## Source
//! detc's own, from what the search outputs (`detc-spl`'s output-field
//! analysis). contentctl does not check it.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::D001;

pub(super) fn check(cx: &Cx, i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(fields) = cx.output(i).filter(|f| f.is_known()) else {
        return;
    };
    for dd in &d.drilldowns {
        for v in [&dd.name, &dd.search].into_iter().flatten() {
            for (at, tok) in crate::rules::tokens(&v.value) {
                if super::is_splunk_token(tok) || fields.contains(tok) != Some(false) {
                    continue;
                }
                let list = fields
                    .names()
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                let span = cx.locate(v, at, &format!("${tok}$"));
                let otherwise = crate::rules::field_written_otherwise(fields, tok);
                let help = match otherwise {
                    Some(f) => format!("the search outputs `{f}`: write the token as the search does"),
                    None => format!("the search outputs only: {list}. Use one of those, or output `{tok}` from the search"),
                };
                let mut diag = diag(CODE, format!("the drilldown token `${tok}$` is not a field the search outputs"))
                    .at(span)
                    .label("not in the search's output")
                    .help(help);
                if let Some((title, at, text)) = otherwise
                    .and_then(|f| crate::rules::rename_fix(cx, span, &format!("${tok}$"), &format!("${f}$")))
                {
                    diag = diag.fix(title, at, text);
                }
                out.push(diag);
            }
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
