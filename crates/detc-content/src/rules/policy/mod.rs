//! contentctl's detection policies, and detc's placeholder check.

use super::Cx;
use detc_diag::Diagnostic;

rule_files! {
    p001_enabled_by_default,
    p002_missing_tests,
    p003_throttling_field,
    p004_data_source_output_field,
    p005_stanza_too_long,
    p006_placeholder,
}

/// The marker `detc new` puts before what the author must still write:
/// `TODO(detc new): <what to write>`.
pub const PLACEHOLDER: &str = "TODO(detc new)";

/// Runs the policy rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    if cx.enabled(p006_placeholder::CODE) {
        p006_placeholder::check(cx, out);
    }
    super::per_detection(
        cx,
        super::Walk::Policy,
        &[
            (
                p001_enabled_by_default::CODE,
                p001_enabled_by_default::check,
            ),
            (p002_missing_tests::CODE, p002_missing_tests::check),
            (p003_throttling_field::CODE, p003_throttling_field::check),
            (
                p004_data_source_output_field::CODE,
                p004_data_source_output_field::check,
            ),
            (p005_stanza_too_long::CODE, p005_stanza_too_long::check),
        ],
        out,
    );
}
