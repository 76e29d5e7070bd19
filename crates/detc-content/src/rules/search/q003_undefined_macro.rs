//! # `Q003 undefined-macro`
//!
//! ## What it checks
//! Every macro a detection's or baseline's search uses is defined in
//! `macros/`, except those contentctl ignores (`drop_dm_object_name`,
//! `get_asset`...) and the detection's own filter macro, which the build
//! creates as `search *`.
//!
//! ## Why it matters
//! Splunk refuses a search that uses an undefined macro ("Error in
//! 'SearchParser': The search specifies a macro ... that cannot be found"):
//! the detection never runs.
//!
//! ## Example
//! ```spl
//! `sysmom` EventCode=1 | ...
//! ```
//! Fix: the macro's name (`sysmon`, the help suggests it), or add
//! `macros/sysmom.yml`.
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.getDetectionMacros` and
//! `Macro.get_macros`), with its `MACROS_TO_IGNORE`.

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::{Spanned, did_you_mean};

pub(super) const CODE: Code = code::Q003;

/// `macros`: the calls `detc_spl::macros` found, less the ignored ones.
pub(super) fn check(cx: &Cx, search: &Spanned<String>, macros: &[&detc_spl::MacroRef], out: &mut Vec<Diagnostic>) {
    // contentctl before 4.1.0 skipped every macro whose name contains
    // `_filter` or `prohibited_processes` (`MACROS_TO_IGNORE`).
    let skip_filters = cx.levels.reference() < crate::era::Feature::FilterMacros.since();
    for m in macros {
        if cx.macros.get(m.name.as_str()).is_some() {
            continue;
        }
        if skip_filters && (m.name.contains("_filter") || m.name.contains("prohibited_processes")) {
            continue;
        }
        let raw = &search.value[m.start..m.end];
        let d = diag(CODE, format!("the macro `{}` is not defined", m.stanza()))
            .at(cx.locate(search, m.start, raw))
            .label("undefined macro");
        out.push(match did_you_mean(&m.name, cx.macros.keys().copied()) {
            Some(x) => d.help(format!("did you mean `{x}`? Otherwise add macros/{}.yml", m.name)),
            None => d.help(format!("add macros/{}.yml with its definition", m.name)),
        });
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
