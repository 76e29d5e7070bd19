//! # `Q004 macro-arity`
//!
//! ## What it checks
//! A macro is called with as many arguments as one of its definitions has.
//!
//! ## Why it matters
//! Splunk looks a macro up as `name(N)` by its number of arguments: a call
//! with another number is an undefined macro, and the search fails.
//!
//! ## Example
//! ```spl
//! ... | `security_content_ctime(firstTime, lastTime)`
//! ```
//! where only `security_content_ctime(1)` is defined. Fix: one argument per
//! call (`` `security_content_ctime(firstTime)` ``).
//!
//! ## Source
//! detc's own, from Splunk's macros.conf (`[name(N)]` stanzas,
//! macros.conf.spec).

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q004;

/// `macros`: the calls `detc_spl::macros` found, less the ignored ones.
pub(super) fn check(cx: &Cx, search: &Spanned<String>, macros: &[&detc_spl::MacroRef], out: &mut Vec<Diagnostic>) {
    for m in macros {
        let Some(defs) = cx.macros.get(m.name.as_str()) else {
            continue;
        };
        if defs.iter().any(|d| d.arguments.len() == m.args.len()) {
            continue;
        }
        let raw = &search.value[m.start..m.end];
        let have: Vec<String> = defs.iter().map(|d| d.arguments.len().to_string()).collect();
        out.push(
            diag(CODE, format!("the macro `{}` is called with {} argument(s), but it is defined with {}", m.name, m.args.len(), have.join(" or ")))
                .at(cx.locate(search, m.start, raw))
                .help("Splunk looks up `name(N)` by the number of arguments: pass the arguments the definition expects"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
