//! The content's format: contentctl 4.x and 5.x files in one repository.

use super::Cx;
use detc_diag::Diagnostic;

rule_files! {
    m001_mixed_formats,
    m002_refused_by_later_contentctl,
}

/// Runs the format rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    if cx.enabled(m001_mixed_formats::CODE) {
        m001_mixed_formats::check(cx, out);
    }
}
