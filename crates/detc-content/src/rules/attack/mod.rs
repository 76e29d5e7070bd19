//! MITRE ATT&CK mappings, checked against the embedded data (or a bundle
//! given with `--attack-bundle`): techniques (`tags.mitre_attack_id`),
//! detection strategies and analytics.

use super::Cx;
use detc_diag::Diagnostic;

rule_files! {
    a001_unknown_technique,
    a002_revoked_technique,
    a003_technique_moved,
    a004_technique_and_subtechnique,
    a005_unknown_detection_strategy,
    a006_detection_strategy_mismatch,
    a007_unknown_analytic,
    a008_analytic_mismatch,
}

/// Runs the ATT&CK rules that are on, detection by detection.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let rules: &[(crate::codes::Code, super::DetectionRule)] = &[
        (a001_unknown_technique::CODE, a001_unknown_technique::check),
        (a002_revoked_technique::CODE, a002_revoked_technique::check),
        (a003_technique_moved::CODE, a003_technique_moved::check),
        (
            a004_technique_and_subtechnique::CODE,
            a004_technique_and_subtechnique::check,
        ),
        (
            a005_unknown_detection_strategy::CODE,
            a005_unknown_detection_strategy::check,
        ),
        (
            a006_detection_strategy_mismatch::CODE,
            a006_detection_strategy_mismatch::check,
        ),
        (a007_unknown_analytic::CODE, a007_unknown_analytic::check),
        (a008_analytic_mismatch::CODE, a008_analytic_mismatch::check),
    ];
    super::per_detection(cx, super::Walk::Attack, rules, out);
}
