//! The schema of each content object: fields, types, values and
//! constraints. The decoders (`detc-yaml`'s `MapReader`, `model/`) and the
//! strict mode (`extensions.rs`) report these rules; these modules hold
//! their documentation and fixture tests.

rule_files! {
    s001_missing_field,
    s002_unknown_key,
    s003_wrong_type,
    s004_invalid_value,
    s005_constraint,
    s006_ignored_key,
    s007_contentctl5_strict,
}
